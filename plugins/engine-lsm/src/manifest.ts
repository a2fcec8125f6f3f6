import type { ObjectStore, TableSchema } from '@strata/kernel';
import { parseWithBigInts, stringifyWithBigInts } from '@strata/kernel';
import { CorruptionError, storageFailure } from './errors.js';
import type { FileMeta } from './sst.js';

/** One atomic change to a region's state. */
export interface ManifestEdit {
  readonly add?: readonly FileMeta[];
  readonly remove?: readonly string[];
  /** Every WAL entry <= this is in SSTs (or was truncated away). */
  readonly flushedSequence?: number;
  readonly schema?: TableSchema;
  /** Drop every file (TRUNCATE). Applied before `add`. */
  readonly removeAll?: boolean;
  /** The region's inferred TWCS window (set once, at its first compaction). */
  readonly timeWindowMs?: number;
}

/** The state a manifest replays to. */
export interface ManifestState {
  files: Map<string, FileMeta>;
  flushedSequence: number;
  schema: TableSchema | undefined;
  timeWindowMs?: number;
}

interface Stored { readonly version: number; readonly edit?: ManifestEdit; readonly state?: { files: FileMeta[]; flushedSequence: number; schema?: TableSchema; timeWindowMs?: number } }

const pad = (n: number): string => n.toString().padStart(20, '0');

/**
 * A region's manifest in the object store: an append-only log of edits
 * (`manifest/<version>.edit.json`) plus checkpoints
 * (`manifest/<version>.checkpoint.json`, the whole state at that version).
 * Each edit is one atomic put, so a file is added/removed all at once.
 * Recovery loads the newest checkpoint and applies the edits after it.
 *
 * ```
 *  apply(edit) ─▶ put <v>.edit.json ─▶ state'   (every N edits: put <v>.checkpoint.json, delete older)
 *  load()      ─▶ newest checkpoint ─▶ edits with version > checkpoint
 * ```
 */
export class Manifest {
  state: ManifestState = { files: new Map(), flushedSequence: 0, schema: undefined };
  private version = 0;
  private editsSinceCheckpoint = 0;
  private queue: Promise<void> = Promise.resolve();

  constructor(private readonly store: ObjectStore, private readonly prefix: string, private readonly checkpointEvery: number) {}

  /** True when the region has a manifest in the store. */
  async exists(): Promise<boolean> {
    for await (const _ of this.store.list(`${this.prefix}/`)) return true;
    return false;
  }

  async load(): Promise<void> {
    const keys: string[] = [];
    try {
      for await (const m of this.store.list(`${this.prefix}/`)) keys.push(m.key);
    } catch (err) { throw storageFailure(`listing manifest ${this.prefix}`, err); }
    const parse = (k: string): { v: number; kind: string } | undefined => {
      const m = /\/(\d{20})\.(edit|checkpoint)\.json$/.exec(k);
      return m ? { v: Number(m[1]), kind: m[2]! } : undefined;
    };
    const entries = keys.map((k) => ({ k, p: parse(k) })).filter((e) => e.p) as Array<{ k: string; p: { v: number; kind: string } }>;
    const cps = entries.filter((e) => e.p.kind === 'checkpoint').sort((a, b) => b.p.v - a.p.v);
    let base = 0;
    this.state = { files: new Map(), flushedSequence: 0, schema: undefined };
    if (cps.length > 0) {
      const cp = await this.read(cps[0]!.k);
      if (!cp.state) throw new CorruptionError(`manifest checkpoint ${cps[0]!.k} has no state`);
      this.state = { files: new Map(cp.state.files.map((f) => [f.id, f])), flushedSequence: cp.state.flushedSequence, schema: cp.state.schema,
        ...(cp.state.timeWindowMs !== undefined ? { timeWindowMs: cp.state.timeWindowMs } : {}) };
      base = cps[0]!.p.v;
    }
    const edits = entries.filter((e) => e.p.kind === 'edit' && e.p.v > base).sort((a, b) => a.p.v - b.p.v);
    let expect = base + 1;
    for (const e of edits) {
      if (e.p.v !== expect) throw new CorruptionError(`manifest ${this.prefix}: edit ${expect} is missing (found ${e.p.v})`);
      const s = await this.read(e.k);
      if (!s.edit) throw new CorruptionError(`manifest edit ${e.k} has no edit`);
      applyEdit(this.state, s.edit);
      expect++;
    }
    this.version = expect - 1;
    this.editsSinceCheckpoint = edits.length;
  }

  private async read(key: string): Promise<Stored> {
    let bytes: Uint8Array;
    try { bytes = await this.store.get(key); } catch (err) { throw storageFailure(`reading ${key}`, err); }
    try {
      return parseWithBigInts(Buffer.from(bytes).toString('utf8')) as Stored;
    } catch (err) { throw new CorruptionError(`manifest file ${key} is not valid JSON`, { cause: err }); }
  }

  /**
   * Records an edit durably, then applies it in memory. Edits are serialized:
   * flushes and compactions of one region apply concurrently, and two edits
   * must never be given the same version (one would overwrite the other).
   */
  apply(edit: ManifestEdit): Promise<void> {
    const p = this.queue.then(() => this.applyNow(edit));
    this.queue = p.catch(() => undefined);
    return p;
  }

  private async applyNow(edit: ManifestEdit): Promise<void> {
    const v = this.version + 1;
    const key = `${this.prefix}/${pad(v)}.edit.json`;
    try {
      await this.store.put(key, Buffer.from(stringifyWithBigInts({ version: v, edit } satisfies Stored)));
    } catch (err) { throw storageFailure(`writing manifest edit ${key}`, err); }
    this.version = v;
    applyEdit(this.state, edit);
    if (++this.editsSinceCheckpoint >= this.checkpointEvery) await this.checkpoint();
  }

  /** Writes the whole state at the current version and deletes what it supersedes (called inside the apply queue). */
  private async checkpoint(): Promise<void> {
    const v = this.version;
    const key = `${this.prefix}/${pad(v)}.checkpoint.json`;
    const state = { files: [...this.state.files.values()], flushedSequence: this.state.flushedSequence, ...(this.state.schema ? { schema: this.state.schema } : {}),
      ...(this.state.timeWindowMs !== undefined ? { timeWindowMs: this.state.timeWindowMs } : {}) };
    try {
      await this.store.put(key, Buffer.from(stringifyWithBigInts({ version: v, state } satisfies Stored)));
      const old: string[] = [];
      for await (const m of this.store.list(`${this.prefix}/`)) if (m.key !== key && /\/(\d{20})\./.exec(m.key) && Number(/\/(\d{20})\./.exec(m.key)![1]) <= v) old.push(m.key);
      await this.store.deleteMany(old);
    } catch (err) { throw storageFailure(`writing manifest checkpoint ${key}`, err); }
    this.editsSinceCheckpoint = 0;
  }
}

function applyEdit(s: ManifestState, e: ManifestEdit): void {
  if (e.removeAll) s.files.clear();
  for (const id of e.remove ?? []) s.files.delete(id);
  for (const f of e.add ?? []) s.files.set(f.id, f);
  if (e.flushedSequence !== undefined && e.flushedSequence > s.flushedSequence) s.flushedSequence = e.flushedSequence;
  if (e.schema) s.schema = e.schema;
  if (e.timeWindowMs !== undefined) s.timeWindowMs = e.timeWindowMs;
}
