import { randomUUID } from 'node:crypto';
import { gunzipSync, gzipSync } from 'node:zlib';
import * as arrow from 'apache-arrow';
import {
  ColumnNotFoundError, IllegalStateError, parseDurationMs, timestampUnitsPerSecond, toArrowType,
  type IndexProvider, type IndexReader, type Logger, type ObjectStore, type RegionStats, type ScanPredicate,
  type ScanMetrics, type ScanRequest, type TableSchema, type Wal,
} from '@strata/kernel';
import { OP_COLUMN, OP_DELETE, OP_PUT, PK_COLUMN, type Chunk } from './chunk.js';
import { CorruptionError, InvalidArgumentsError, storageFailure } from './errors.js';
import type { Limiter } from './limiter.js';
import { Manifest } from './manifest.js';
import { Memtable } from './memtable.js';
import { LastRowMiss, mergeChunks, rowFilterOf, type ChunkSource, type FieldTest, type MergeOptions } from './merge-chunks.js';
import type { EngineLsmOptions } from './options.js';
import { OutputBuilder, type OutputColumn } from './output-builder.js';
import { encodeKeyPart } from './series-key.js';
import type { ParquetEncoderPool } from './parquet-encoder.js';
import type { PageStore } from './parquet-read.js';
import { candidateRowGroups, candidateRowRanges, encodeParquet, prepareSst, SstChunk, SstSeries, SstSource, tsOf, type FileIndex, type FileMeta, type SstFetch, type SstFileCache, type SstLayout } from './sst.js';
import { defaultValueOf } from './vectors.js';
import { decodeWalPayload, encodeWalPayload } from './wal-codec.js';
import { scanCacheAdmission, settleCacheAdmission, type CacheAdmission, type ScanAdmission } from './cache-admission.js';

/** What a region needs from its engine. */
export interface RegionDeps {
  readonly wal: Wal;
  readonly store: ObjectStore;
  readonly options: EngineLsmOptions;
  readonly indexProviders: readonly IndexProvider[];
  readonly logger: Logger;
  readonly flushLimiter: Limiter;
  readonly compactionLimiter: Limiter;
  /** Encodes SSTs off the event loop; absent = on it. */
  readonly encoder?: ParquetEncoderPool;
  /** Opened SSTs (parsed footers) shared by every region's scans; absent = each scan opens its files. */
  readonly sstFiles?: SstFileCache;
  /** Fetched SST column chunks shared by every region's scans; absent = every scan reads the store. */
  readonly sstChunks?: SstChunkCache;
  /** Decompressed pages of row groups read whole, shared by every region's scans (keyed by SST key and page offset). */
  readonly sstPages?: SstChunkCache;
}

/**
 * SST column chunks kept in memory between scans, least recently used
 * dropped past `bytesMax`: a repeated small query (a dashboard panel, a
 * benchmark) then reads no file and allocates no buffer for its bytes. SSTs
 * are immutable, so an entry is valid until its file is deleted. Returned
 * bytes are shared: readers must not write to them.
 *
 * Entries are views: the chunks of one coalesced read share its buffer. What
 * counts against `bytesMax` is the memory held, each buffer once while any
 * of its chunks is cached, so evicting some chunks of a read frees nothing
 * until the last one goes (the budget stays a bound on retained memory).
 *
 * @example
 * const cache = new SstChunkCache(64 * 2 ** 20);
 */
export class SstChunkCache {
  /** Entries by object key, then offset: a lookup hashes the caller's (reused) key string and a number. */
  private readonly byKey = new Map<string, Map<number, CacheEntry>>();
  /** Entries by their last use (a counter), least recent first. */
  private readonly lru = new Map<number, CacheEntry>();
  private ticks = 0;
  /** Cached chunks per underlying buffer. */
  private readonly buffers = new Map<ArrayBufferLike, number>();
  private total = 0;
  /** Lookups answered (counted by the reader: a ranged read whose chunks were all here, a page found; see `hit`). */
  hits = 0;
  /** Lookups not answered (counted as hits are). */
  misses = 0;
  /** Entries dropped to make room (least recently used first); not those dropped with their file. */
  evictions = 0;
  /** Entries offered and not added: a buffer too big for the cache, or a page past its scan's admission budget. */
  declined = 0;
  constructor(readonly bytesMax: number) {}

  /** Memory the cached chunks hold (their buffers, each counted once). */
  get bytes(): number { return this.total; }

  /** Whether a buffer of this size may be kept: one over an eighth of the cache would push out too much of it. */
  fits(bufferBytes: number): boolean { return bufferBytes * 8 <= this.bytesMax; }

  /** Counts a lookup answered for a scan; what it found (`bytes`) counts against the scan's admission. */
  hit(admission: CacheAdmission | undefined, bytes: number): void {
    this.hits++;
    if (admission) admission.bytes -= bytes;
  }

  /**
   * Whether a scan may add `bytes` it just read (charged to its admission
   * when it may; counted as declined when not): not past its budget, and (when
   * given) `bufferBytes` fit the cache. Asked before any copy is made. No
   * admission: nothing is added.
   */
  admit(admission: CacheAdmission | undefined, bytes: number, bufferBytes = 0): boolean {
    if (!admission || bytes > admission.bytes || !this.fits(bufferBytes)) { this.declined++; return false; }
    admission.bytes -= bytes;
    return true;
  }

  get(key: string, offset: number): Uint8Array | undefined {
    const e = this.byKey.get(key)?.get(offset);
    if (!e) return undefined;
    this.lru.delete(e.tick);
    e.tick = ++this.ticks;
    this.lru.set(e.tick, e);
    return e.bytes;
  }

  set(key: string, offset: number, bytes: Uint8Array): void {
    if (!this.fits(bytes.buffer.byteLength)) { this.declined++; return; }
    let m = this.byKey.get(key);
    if (!m) { m = new Map(); this.byKey.set(key, m); }
    const old = m.get(offset);
    if (old) { this.drop(old); if (!this.byKey.has(key)) this.byKey.set(key, m); }
    const e: CacheEntry = { key, offset, bytes, tick: ++this.ticks };
    m.set(offset, e);
    this.lru.set(e.tick, e);
    const n = this.buffers.get(bytes.buffer) ?? 0;
    if (n === 0) this.total += bytes.buffer.byteLength;
    this.buffers.set(bytes.buffer, n + 1);
    for (const x of this.lru.values()) {
      if (this.total <= this.bytesMax) break;
      this.drop(x);
      this.evictions++;
    }
  }

  private drop(e: CacheEntry): void {
    this.lru.delete(e.tick);
    const m = this.byKey.get(e.key);
    if (m?.get(e.offset) === e) { m.delete(e.offset); if (m.size === 0) this.byKey.delete(e.key); }
    const n = (this.buffers.get(e.bytes.buffer) ?? 1) - 1;
    if (n > 0) this.buffers.set(e.bytes.buffer, n);
    else { this.buffers.delete(e.bytes.buffer); this.total -= e.bytes.buffer.byteLength; }
  }

  /** Drops the chunks of objects whose `key@` starts with `prefix` (one file's key and '@', or a region's SST folder). */
  invalidatePrefix(prefix: string): void {
    for (const [k, m] of [...this.byKey]) if (`${k}@`.startsWith(prefix)) for (const e of [...m.values()]) this.drop(e);
  }

  clear(): void { this.byKey.clear(); this.lru.clear(); this.buffers.clear(); this.total = 0; }
}

interface CacheEntry { readonly key: string; readonly offset: number; readonly bytes: Uint8Array; tick: number }

/** A file's column chunks as [offset, length], sorted by offset (memoized per layout). */
const sortedChunks = new WeakMap<SstLayout, ReadonlyArray<readonly [number, number]>>();
function chunksOf(layout: SstLayout): ReadonlyArray<readonly [number, number]> {
  let c = sortedChunks.get(layout);
  if (!c) { c = layout.chunks.flat().slice().sort((a, b) => a[0] - b[0]); sortedChunks.set(layout, c); }
  return c;
}

/**
 * The column chunks that tile [offset, offset + length) exactly, or
 * undefined when the range is not a run of whole chunks.
 */
function tilingChunks(layout: SstLayout, offset: number, length: number): ReadonlyArray<readonly [number, number]> | undefined {
  const all = chunksOf(layout);
  let lo = 0, hi = all.length;
  while (lo < hi) { const m = (lo + hi) >>> 1; if (all[m]![0] < offset) lo = m + 1; else hi = m; }
  const end = offset + length;
  const out: Array<readonly [number, number]> = [];
  let at = offset;
  for (let i = lo; i < all.length && at < end; i++) {
    const c = all[i]!;
    if (c[0] !== at || c[1] <= 0) return undefined;
    out.push(c);
    at += c[1];
  }
  return at === end && out.length > 0 ? out : undefined;
}

interface LoadedIndex { readonly index: FileIndex; readonly readers: Array<{ column: string; reader: IndexReader }> }

class OnceSource implements ChunkSource {
  private done = false;
  constructor(readonly priority: number, private readonly chunk: Chunk) {}
  async next(): Promise<Chunk | undefined> { if (this.done) return undefined; this.done = true; return this.chunk; }
}

/**
 * Indexes of sources grouped so that no two groups overlap in time (spans are
 * inclusive [min, max]; overlap is transitive within a group), groups in time
 * order, each group's indexes ascending (the sources' priority order).
 */
export function timeDisjointGroups(spans: ReadonlyArray<readonly [bigint, bigint]>): number[][] {
  const order = spans.map((_s, i) => i).sort((a, b) => (spans[a]![0] < spans[b]![0] ? -1 : spans[a]![0] > spans[b]![0] ? 1 : a - b));
  const groups: number[][] = [];
  let end: bigint | undefined;
  for (const i of order) {
    const [lo, hi] = spans[i]!;
    if (end !== undefined && lo <= end) { groups[groups.length - 1]!.push(i); if (hi > end) end = hi; } else { groups.push([i]); end = hi; }
  }
  for (const g of groups) g.sort((a, b) => a - b);
  return groups;
}

/** A file's last-row cache as a merge source: partial, it holds one row per series. */
class LastRowSource implements ChunkSource {
  private i = 0;
  readonly partial = true;
  constructor(readonly priority: number, private readonly chunks: readonly Chunk[]) {}
  async next(): Promise<Chunk | undefined> { return this.chunks[this.i++]; }
}

/**
 * One region of the LSM engine: an active memtable, frozen memtables being
 * flushed, and the SSTs its manifest lists.
 *
 * ```
 *  write ─▶ WAL.append ─▶ active memtable ─▶ (full) freeze ─▶ flush ─▶ SST + index ─▶ manifest edit ─▶ WAL.obsolete
 *  scan  ─▶ prune SSTs/row groups (time, tag index) ─▶ merge(SSTs, frozen, active) ─▶ batches
 *  compact ─▶ TTL drop ─▶ TWCS window merge ─▶ manifest edit (add output, remove inputs)
 * ```
 */
export class Region {
  schema: TableSchema;
  private active: Memtable;
  private frozen: Memtable[] = [];
  private flushChain: Promise<void> = Promise.resolve();
  private compaction: Promise<void> | undefined;
  private refs = new Map<string, number>();
  private retired = new Set<string>();
  private indexes = new Map<string, Promise<LoadedIndex>>();
  /** How scans fetch each SST (made once per file; dropped with it). */
  private fetches = new Map<string, SstFetch>();
  /**
   * Per SST (and schema version), the newest row of each series in it, delete
   * markers included: GreptimeDB's selector result cache. SSTs are immutable,
   * so an entry stays valid until its file is removed.
   */
  private lastRows = new Map<string, Promise<Chunk[]>>();
  /**
   * Per SST (and schema version), its series by `__pk_id` with their keys and
   * tag values: scans that read most of a file then skip its tag columns.
   */
  private seriesCache = new Map<string, Promise<SstSeries | undefined>>();
  /** Bumped by truncate: flushes and compactions started before it are discarded. */
  private epoch = 0;
  private closed = false;
  private readonly prefix: string;
  private readonly log: Logger;

  private constructor(readonly id: string, schema: TableSchema, private readonly deps: RegionDeps, private readonly manifest: Manifest) {
    this.schema = schema;
    this.prefix = `${deps.options.dataPrefix}/${id}`;
    this.active = this.newMemtable();
    this.log = deps.logger.child({ region: id });
  }

  /** Opens (recovering from manifest + WAL) or creates a region. */
  static async open(id: string, schema: TableSchema, deps: RegionDeps): Promise<Region> {
    const manifest = new Manifest(deps.store, `${deps.options.dataPrefix}/${id}/manifest`, deps.options.manifestCheckpointEdits);
    const exists = await manifest.exists();
    if (exists) await manifest.load();
    const r = new Region(id, schema, deps, manifest);
    if (!exists) await manifest.apply({ schema, flushedSequence: 0 });
    else if (!manifest.state.schema || manifest.state.schema.version !== schema.version) await manifest.apply({ schema });
    await r.removeOrphans();
    await r.replay();
    return r;
  }

  private newMemtable(): Memtable { return new Memtable(this.schema, !!this.schema.options.appendMode); }
  private sstKey(id: string): string { return `${this.prefix}/sst/${id}.parquet`; }
  private indexKey(id: string): string { return `${this.prefix}/sst/${id}.index.json`; }

  /** SSTs written but never recorded (a crash between the put and the manifest edit). */
  private async removeOrphans(): Promise<void> {
    const known = this.manifest.state.files;
    const orphans: string[] = [];
    for await (const m of this.deps.store.list(`${this.prefix}/sst/`)) {
      const id = /\/sst\/([^/]+?)(\.index\.json|\.parquet)$/.exec(m.key)?.[1];
      if (id && !known.has(id)) orphans.push(m.key);
    }
    if (orphans.length) { this.log.warn({ orphans: orphans.length }, 'removing SSTs not in the manifest'); await this.deps.store.deleteMany(orphans); }
  }

  private async replay(): Promise<void> {
    const from = this.manifest.state.flushedSequence + 1;
    let entries = 0;
    try {
      for await (const e of this.deps.wal.replay(this.id, from)) {
        if (e.sequence < from) continue;
        try {
          const { op, batches } = decodeWalPayload(e.payload);
          for (const b of batches) this.active.insert(b, e.sequence, op);
        } catch (err) {
          // An entry that cannot be applied must not keep the region from opening.
          this.log.error({ err, sequence: e.sequence }, 'skipping a WAL entry that cannot be applied');
          continue;
        }
        entries++;
        if (this.active.bytes >= this.deps.options.memtableBytesMax) this.freeze();
      }
    } catch (err) {
      throw storageFailure(`replaying the WAL of region ${this.id}`, err);
    }
    if (entries) this.log.info({ entries, from }, 'replayed WAL');
    // The WAL may not know yet what the manifest does (a crash between the
    // manifest edit and WAL.obsolete, or a WAL whose roll-over and deletions
    // were cut short): tell it, so it can drop the segments that covers.
    if (from > 1) {
      try { await this.deps.wal.obsolete(this.id, from - 1); } catch (err) { this.log.warn({ err }, 'WAL obsolete failed'); }
    }
    if (this.frozen.length) this.scheduleFlush().catch(() => undefined);
  }

  private checkOpen(): void {
    if (this.closed) throw new IllegalStateError(`region ${this.id} is closed`);
  }

  /** WAL appends started and not yet applied to a memtable. */
  private appendsInFlight = 0;
  private appendsDrained?: () => void;
  /** Set while a truncate runs: new writes wait so they land after it, never inside its range. */
  private truncateGate?: Promise<void>;

  async write(batch: arrow.RecordBatch, op = OP_PUT): Promise<number> {
    this.checkOpen();
    while (this.truncateGate) await this.truncateGate;
    if (batch.numRows === 0) return 0;
    if (!batch.schema.fields.some((f) => f.name === this.schema.timeIndex)) {
      throw new InvalidArgumentsError(`region ${this.id}: write is missing the time index column '${this.schema.timeIndex}'`);
    }
    // Checked before the WAL append: an entry the memtable rejects must never be logged.
    const tsVec = batch.getChild(this.schema.timeIndex)!;
    if (tsVec.nullCount > 0) throw new InvalidArgumentsError(`region ${this.id}: time index column '${this.schema.timeIndex}' has null values`);
    if (!(tsVec.data.length === 1 && tsVec.data[0]!.values instanceof BigInt64Array)) {
      for (let i = 0; i < tsVec.length; i++) {
        const v = tsVec.get(i);
        if (typeof v !== 'bigint' && !Number.isFinite(Number(v))) throw new InvalidArgumentsError(`region ${this.id}: time index value ${String(v)} is not a timestamp`);
      }
    }
    if (op === OP_DELETE) {
      for (const k of this.schema.primaryKey) {
        if (!batch.schema.fields.some((f) => f.name === k)) throw new InvalidArgumentsError(`region ${this.id}: delete is missing primary key column '${k}'`);
      }
    }
    // Back-pressure: too many memtables waiting for flush.
    while (this.frozen.length >= this.deps.options.frozenMemtablesMax) await this.flushChain;
    const payload = encodeWalPayload(op, this.schema.version, batch);
    let seq: number;
    this.appendsInFlight++;
    try {
      seq = await this.deps.wal.append(this.id, payload);
    } catch (err) {
      throw storageFailure(`WAL append for region ${this.id}`, err);
    } finally {
      // The memtable insert below runs in this same continuation, before a waiting truncate resumes.
      if (--this.appendsInFlight === 0) this.appendsDrained?.();
    }
    this.active.insert(batch, seq, op);
    if (this.active.bytes >= this.deps.options.memtableBytesMax) {
      this.freeze();
      this.scheduleFlush().catch(() => undefined);
    }
    return batch.numRows;
  }

  private freeze(): void {
    if (this.active.length === 0) return;
    this.frozen.push(this.active);
    this.active = this.newMemtable();
  }

  private scheduleFlush(): Promise<void> {
    const p = this.flushChain.then(() => this.deps.flushLimiter.run(() => this.flushFrozen()));
    this.flushChain = p.catch((err) => { this.log.error({ err }, 'flush failed; the rows stay in the WAL and memtable'); });
    return p;
  }

  /**
   * Flushes when the oldest unflushed write (active memtable) is at least
   * `ageMs` old: how a region that writes little lets the WAL go. Undefined
   * when there is nothing that old.
   */
  flushIfOlderThan(ageMs: number, nowMs = Date.now()): Promise<void> | undefined {
    if (this.closed || this.active.length === 0 || this.active.firstInsertMs === undefined) return undefined;
    if (nowMs - this.active.firstInsertMs < ageMs) return undefined;
    return this.flush();
  }

  /** Freezes the active memtable and waits until every frozen memtable is in an SST. */
  async flush(): Promise<void> {
    this.checkOpen();
    this.freeze();
    await this.scheduleFlush();
  }

  private async flushFrozen(): Promise<void> {
    while (this.frozen.length > 0) {
      const mem = this.frozen[0]!;
      const epoch = this.epoch;
      let meta: FileMeta | undefined;
      if (mem.length > 0) meta = await this.writeMemtable(mem);
      if (epoch !== this.epoch) { if (meta) await this.deleteFiles([meta.id]); return; } // truncated meanwhile
      // Entries of later memtables may have lower sequences than this one's
      // last (concurrent appends): never claim past them.
      let flushed = mem.maxSeq;
      for (const m of [...this.frozen.slice(1), this.active]) if (m.length > 0) flushed = Math.min(flushed, m.minSeq - 1);
      await this.manifest.apply({ ...(meta ? { add: [meta] } : {}), flushedSequence: flushed });
      this.frozen.shift();
      try { await this.deps.wal.obsolete(this.id, flushed); } catch (err) { this.log.warn({ err }, 'WAL obsolete failed'); }
    }
    if (this.deps.options.compaction.enabled) void this.maybeCompact(false).catch((err) => this.log.error({ err }, 'compaction failed'));
  }

  private async writeMemtable(mem: Memtable): Promise<FileMeta> {
    // The snapshot is already sorted and deduplicated: its columns are the file.
    const chunk = mem.snapshot(this.schema.primaryKey);
    const cols: Record<string, arrow.Vector> = {};
    for (const c of mem.schema.columns) cols[c.name] = chunk.column(c.name)!;
    cols[OP_COLUMN] = arrow.makeVector(chunk.op);
    cols[PK_COLUMN] = arrow.makeVector(chunk.pk.slice());
    return this.writeFile(new arrow.Table(cols), mem.schema, mem.maxSeq, 0);
  }

  private async writeFile(table: arrow.Table, schema: TableSchema, maxSequence: number, level: number): Promise<FileMeta> {
    const prepared = prepareSst(table, schema, this.deps.options.rowGroupRows, this.deps.indexProviders);
    const { bytes, layout } = this.deps.encoder
      ? await this.deps.encoder.encode(prepared.ipc, schema, this.deps.options.rowGroupRows, this.deps.options.dataPageBytes)
      : await encodeParquet(prepared.ipc, schema, this.deps.options.rowGroupRows, this.deps.options.dataPageBytes);
    const w = { ...prepared, bytes };
    const id = randomUUID();
    try {
      // gzip: the JSON repeats tag values and numbers a lot (about 5x smaller), and it is
      // written once per file, so with small TWCS windows it is a visible part of bytes/row.
      await this.deps.store.put(this.indexKey(id), gzipSync(JSON.stringify({ ...w.index, layout })));
      await this.deps.store.put(this.sstKey(id), w.bytes);
    } catch (err) { throw storageFailure(`writing SST ${id} of region ${this.id}`, err); }
    return {
      id, rows: w.rows, bytes: w.bytes.length, minTs: w.minTs.toString(), maxTs: w.maxTs.toString(), maxSequence,
      rowGroups: w.index.rowGroups.length, schemaVersion: schema.version, hasDeletes: w.hasDeletes, level, seriesCount: w.seriesCount,
      columns: table.schema.fields.map((f) => f.name),
    };
  }

  /** How to fetch one SST (ranged when its index has a layout); a failing get is STORAGE_UNAVAILABLE. */
  private sstFetch(f: FileMeta, index: FileIndex | undefined, cached = true): SstFetch {
    if (cached && index?.layout) {
      let fetch = this.fetches.get(f.id);
      if (!fetch) { fetch = this.newSstFetch(f, index, true); this.fetches.set(f.id, fetch); }
      return fetch;
    }
    return this.newSstFetch(f, index, cached);
  }

  private newSstFetch(f: FileMeta, index: FileIndex | undefined, cached: boolean): SstFetch {
    const key = this.sstKey(f.id);
    const store = this.deps.store;
    if (index?.layout) {
      const files = cached ? this.deps.sstFiles : undefined;
      const chunks = cached ? this.deps.sstChunks : undefined;
      const layout = index.layout;
      const read = async (offset: number, length: number): Promise<Uint8Array> => {
        try { return await store.get(key, { offset, length }); } catch (err) { throw storageFailure(`reading SST ${f.id}`, err); }
      };
      const pageCache = cached ? this.deps.sstPages : undefined;
      // One read's view of the page cache: what it finds and what it adds are charged to its admission.
      const pages = pageCache && ((admission: CacheAdmission): PageStore => ({
        get: (offset) => {
          const b = pageCache.get(key, offset);
          if (b) pageCache.hit(admission, b.length); else pageCache.misses++;
          return b;
        },
        admit: (size) => pageCache.admit(admission, size, size),
        // Only page bytes (offsets >= 0), not a small read's decoded values (they stay with the opened file).
        put: (offset, bytes) => { if (offset >= 0) pageCache.set(key, offset, bytes); },
      }));
      return {
        kind: 'ranged', size: f.bytes, layout, ...(files ? { cache: { files, key } } : {}), ...(pages ? { pages } : {}),
        async get(offset: number, length: number, admission?: CacheAdmission) {
          const tiles = chunks ? tilingChunks(layout, offset, length) : undefined;
          if (!chunks || !tiles) return read(offset, length);
          const got = tiles.map(([o]) => chunks.get(key, o));
          if (got.every((b) => b !== undefined)) {
            // What a scan finds counts against its share as what it adds does.
            chunks.hit(admission, length);
            if (got.length === 1) return got[0]!;
            // Chunks cached from one earlier read of this range lie back to back in its buffer: a view, no copy.
            const first = got[0]!;
            let adjacent = true;
            for (let i = 1, at = first.byteOffset + first.length; i < got.length && adjacent; i++) {
              adjacent = got[i]!.buffer === first.buffer && got[i]!.byteOffset === at;
              at += got[i]!.length;
            }
            if (adjacent) return new Uint8Array(first.buffer, first.byteOffset, length);
            const out = new Uint8Array(length);
            let pos = 0;
            for (const b of got) { out.set(b!, pos); pos += b!.length; }
            return out;
          }
          chunks.misses++;
          const bytes = await read(offset, length);
          // Kept as far as the read's admission allows (a scan past its share, or too big for it,
          // adds nothing: no copies, nothing of other queries pushed out).
          if (bytes.length === length && chunks.admit(admission, length)) {
            // Views of the read's buffer when the cache can hold all of it, else copies (a view
            // would keep the whole buffer alive for one chunk).
            const views = bytes.buffer.byteLength * 8 <= chunks.bytesMax;
            for (const [o, l] of tiles) {
              const tile = bytes.subarray(o - offset, o - offset + l);
              chunks.set(key, o, views ? tile : tile.slice());
            }
          }
          return bytes;
        },
      };
    }
    return { kind: 'whole', async load() { try { return await store.get(key); } catch (err) { throw storageFailure(`reading SST ${f.id}`, err); } } };
  }

  private loadIndex(f: FileMeta): Promise<LoadedIndex> {
    let p = this.indexes.get(f.id);
    if (!p) {
      p = (async () => {
        let bytes: Uint8Array;
        try { bytes = await this.deps.store.get(this.indexKey(f.id)); } catch (err) { throw storageFailure(`reading the index of SST ${f.id}`, err); }
        let index: FileIndex;
        try {
          // Indexes are gzipped JSON; older ones plain JSON.
          const text = bytes[0] === 0x1f && bytes[1] === 0x8b ? gunzipSync(bytes) : Buffer.from(bytes);
          index = JSON.parse(text.toString('utf8')) as FileIndex;
        } catch (err) { throw new CorruptionError(`index of SST ${f.id} is not valid (gzipped) JSON`, { cause: err }); }
        if (index.version !== 1 || index.rowGroups.length !== f.rowGroups) throw new CorruptionError(`index of SST ${f.id} does not match the manifest (${index.rowGroups.length} vs ${f.rowGroups} row groups)`);
        const readers: LoadedIndex['readers'] = [];
        for (const prov of this.deps.indexProviders) {
          for (const [column, b64] of Object.entries(index.ext?.[prov.name] ?? {})) readers.push({ column, reader: prov.open(Buffer.from(b64, 'base64')) });
        }
        return { index, readers };
      })();
      p.catch(() => this.indexes.delete(f.id));
      this.indexes.set(f.id, p);
    }
    return p;
  }

  private acquire(ids: readonly string[]): void { for (const id of ids) this.refs.set(id, (this.refs.get(id) ?? 0) + 1); }

  private release(ids: readonly string[]): void {
    const gone: string[] = [];
    for (const id of ids) {
      const n = (this.refs.get(id) ?? 1) - 1;
      if (n > 0) this.refs.set(id, n); else { this.refs.delete(id); if (this.retired.delete(id)) gone.push(id); }
    }
    if (gone.length) void this.deleteFiles(gone);
  }

  /** Deletes removed SSTs now, or once the last scan reading them ends. */
  private async retire(ids: readonly string[]): Promise<void> {
    const now: string[] = [];
    for (const id of ids) {
      this.indexes.delete(id);
      this.fetches.delete(id);
      this.deps.sstFiles?.invalidate(this.sstKey(id));
      this.deps.sstChunks?.invalidatePrefix(`${this.sstKey(id)}@`);
      this.deps.sstPages?.invalidatePrefix(`${this.sstKey(id)}@`);
      for (const k of [...this.lastRows.keys()]) if (k.startsWith(`${id}@`)) this.lastRows.delete(k);
      for (const k of [...this.seriesCache.keys()]) if (k.startsWith(`${id}@`)) this.seriesCache.delete(k);
      if (this.refs.has(id)) this.retired.add(id); else now.push(id); }
    if (now.length) await this.deleteFiles(now);
  }

  private async deleteFiles(ids: readonly string[]): Promise<void> {
    try { await this.deps.store.deleteMany(ids.flatMap((id) => [this.sstKey(id), this.indexKey(id)])); } catch (err) { this.log.warn({ err }, 'deleting SSTs failed'); }
  }

  private outputColumns(names: readonly string[] | undefined, schema: TableSchema, dictionaryTags = false): OutputColumn[] {
    return (names ?? schema.columns.map((c) => c.name)).map((name) => {
      const c = schema.columns.find((x) => x.name === name);
      if (!c) throw new ColumnNotFoundError(name, this.id);
      const isTag = schema.primaryKey.includes(name);
      const type = toArrowType(c.type);
      // Rows written before the column was added read as its literal default (fields; tags stay NULL).
      const fill = isTag ? undefined : defaultValueOf(c);
      return {
        name, type, isTime: name === schema.timeIndex, isTag, ...(fill !== null && fill !== undefined ? { fill } : {}),
        ...(dictionaryTags && isTag && c.type.name === 'String' ? { dictionary: true } : {}),
      };
    });
  }

  /** Sources in priority order (oldest SST first, active memtable last), after pruning. */
  scan(req: ScanRequest): AsyncIterable<arrow.RecordBatch> {
    this.checkOpen();
    const schema = this.schema;
    const cols = this.outputColumns(req.projection, schema, req.dictionaryTags);
    const self = this;
    return (async function* () {
      // The snapshot is taken when iteration starts, so a scan that is never
      // iterated holds no file references (its files can still be deleted).
      if (req.seriesRowSelector === 'last_row' && !schema.options.appendMode && req.timeRange?.start === undefined && req.timeRange?.end === undefined) {
        const got = await self.scanLastRows(req, cols);
        if (got) { yield* got; return; }
      }
      const files = [...self.manifest.state.files.values()].sort((a, b) => a.maxSequence - b.maxSequence || (a.id < b.id ? -1 : 1));
      const mems = [...self.frozen, self.active];
      const ids = files.map((f) => f.id);
      self.acquire(ids);
      const sources: ChunkSource[] = [];
      // Each source's time span (inclusive), for unordered scans.
      const spans: Array<readonly [bigint, bigint]> = [];
      try {
        const start = req.timeRange?.start, end = req.timeRange?.end;
        const empty = start !== undefined && end !== undefined && start >= end;
        const allPreds = req.predicates ?? [];
        const preds = allPreds.filter((p) => schema.primaryKey.includes(p.column));
        const m = req.metrics;
        if (m) m.filesTotal += files.length;
        // Columns a file's source decodes: with the file's series table, String tags come from
        // it (other tag types are still read when projected); without one, every tag (merge keys).
        const wantedAll = new Set([...cols.map((c) => c.name), ...schema.primaryKey, schema.timeIndex, OP_COLUMN, PK_COLUMN]);
        const wantedWithSeries = new Set(wantedAll);
        for (const k of schema.primaryKey) if (!cols.some((c) => c.name === k) || schema.columns.find((c) => c.name === k)!.type.name === 'String') wantedWithSeries.delete(k);
        // The scan's share of each cache, and what it would put through each, to decide below
        // whether it admits any: the decompressed bytes of the row groups it reads whole (the
        // page cache), the compressed bytes its ranged reads fetch (the chunk cache).
        const admission: ScanAdmission = { pages: scanCacheAdmission(self.deps.sstPages?.bytesMax), chunks: scanCacheAdmission(self.deps.sstChunks?.bytesMax) };
        let wholeReadBytes = 0, fetchBytes = 0;
        let prio = 0;
        for (const f of files) {
          prio++;
          if ((start !== undefined && tsOf(f, 'maxTs') < start) || (end !== undefined && tsOf(f, 'minTs') >= end) || empty) {
            if (m) { m.filesPruned++; m.rowGroupsTotal += f.rowGroups; m.rowGroupsPruned += f.rowGroups; }
            continue;
          }
          const { index, readers } = await self.loadIndex(f);
          const rgs = candidateRowGroups(index, start, end, allPreds, readers);
          if (m) { m.rowGroupsTotal += f.rowGroups; m.rowGroupsPruned += f.rowGroups - rgs.length; }
          if (rgs.length === 0) { if (m) m.filesPruned++; continue; }
          const sel = index.tagRows ? candidateRowRanges(index, rgs, preds) : undefined;
          // A scan reading most of a file takes keys and tags from the file's
          // series table (built once per file) and decodes no tag column. So
          // does a small read of a file with few series: building the table
          // costs one read of its tags, once, where without it every small
          // read decodes every tag column of its rows for the merge keys.
          const series = await self.seriesOf(f, index, (!sel?.size && 2 * rgs.length >= f.rowGroups) || f.seriesCount <= SMALL_READ_SERIES_TABLE_MAX);
          const wanted = series ? wantedWithSeries : wantedAll;
          const noDeletes = f.hasDeletes === false; // (absent in a manifest: assume deletes)
          const columns = f.columns.filter((c) => wanted.has(c) && !(noDeletes && c === OP_COLUMN));
          if (index.layout && admission.pages.bytes > 0) wholeReadBytes += wholeReadPageBytes(index.layout, rgs, sel, columns);
          const source = new SstSource(prio, self.sstFetch(f, index), rgs, schema.primaryKey, schema.timeIndex,
            self.deps.options.rowGroupRows, columns, files.length > 8 ? 1 : 4, sel, series, noDeletes, false, admission);
          if (admission.chunks.bytes > 0) fetchBytes += source.fetchBytes;
          sources.push(source);
          spans.push([tsOf(f, 'minTs'), tsOf(f, 'maxTs')]);
        }
        // Bigger than its share: adds nothing; with a LIMIT: held to its share (settleCacheAdmission).
        settleCacheAdmission(admission.pages, wholeReadBytes, req.limit !== undefined);
        settleCacheAdmission(admission.chunks, fetchBytes, req.limit !== undefined);
        for (const mem of mems) {
          prio++;
          if (mem.length === 0 || mem.minTs === undefined) continue;
          if ((start !== undefined && mem.maxTs! < start) || (end !== undefined && mem.minTs >= end) || empty) continue;
          sources.push(new OnceSource(prio, mem.snapshot(schema.primaryKey)));
          spans.push([mem.minTs, mem.maxTs!]);
        }
        const opts: MergeOptions = {
          columns: cols, internal: false, batchSize: req.batchSize ?? self.deps.options.scanBatchRows,
          appendMode: !!schema.options.appendMode, keepDeletes: false,
          ...(start !== undefined ? { timeStart: start } : {}), ...(end !== undefined ? { timeEnd: end } : {}),
          ...(req.limit !== undefined ? { limit: req.limit } : {}), ...(m ? { metrics: m } : {}), ...(req.signal ? { signal: req.signal } : {}),
          ...(preds.length ? { seriesFilter: seriesFilterOf(preds) } : {}),
          ...(req.seriesRowSelector === 'last_row' ? { lastRow: true } : {}),
        };
        // Field predicates drop rows before their columns are gathered (high-cpu's `usage_user > 90`).
        const rowFilter = req.seriesRowSelector === 'last_row' ? undefined : rowFilterOf(fieldTestsOf(allPreds, schema));
        const merge = rowFilter ? { ...opts, rowFilter } : opts;
        if (req.unordered && req.seriesRowSelector !== 'last_row' && sources.length > 1) {
          // Sources whose time spans do not overlap hold no common (series, ts), so nothing
          // to deduplicate between them: each group of overlapping ones is merged on its own
          // and the groups follow one another. A group of one file reads it in its own order,
          // its batches views of the decoded row groups (no k-way merge, no copy).
          let left = req.limit ?? Infinity;
          for (const group of timeDisjointGroups(spans)) {
            for await (const b of mergeChunks(group.map((i) => sources[i]!), Number.isFinite(left) ? { ...merge, limit: left } : merge)) {
              left -= b.numRows;
              yield b;
            }
            if (left <= 0) break;
          }
          return;
        }
        yield* mergeChunks(sources, merge);
      } finally {
        // A scan stopped early (limit, consumer break) leaves sources undrained: release their files.
        for (const s of sources) s.close?.();
        self.release(ids);
      }
    })();
  }

  /**
   * `seriesRowSelector: 'last_row'` from the files' last-row caches and the
   * memtables: each SST contributes one row per series (read in full once per
   * file, then cached), so a lastpoint query reads about series x files rows
   * plus the memtables. Collected before yielding, since a deleted newest row
   * (LastRowMiss) means this answer cannot be used: undefined, and the caller
   * runs the full merge (still emitting one row per series).
   */
  private async scanLastRows(req: ScanRequest, cols: OutputColumn[]): Promise<arrow.RecordBatch[] | undefined> {
    const schema = this.schema;
    const files = [...this.manifest.state.files.values()].sort((a, b) => a.maxSequence - b.maxSequence || (a.id < b.id ? -1 : 1));
    const mems = [...this.frozen, this.active];
    const ids = files.map((f) => f.id);
    this.acquire(ids);
    try {
      const m = req.metrics;
      const local: ScanMetrics = { rowsScanned: 0, rowsReturned: 0, filesTotal: 0, filesPruned: 0, rowGroupsTotal: 0, rowGroupsPruned: 0 };
      const sources: ChunkSource[] = [];
      let prio = 0;
      for (const f of files) {
        local.filesTotal++;
        local.rowGroupsTotal += f.rowGroups;
        sources.push(new LastRowSource(++prio, await this.lastRowsOf(f, local)));
      }
      for (const mem of mems) {
        prio++;
        if (mem.length === 0 || mem.minTs === undefined) continue;
        sources.push(new OnceSource(prio, mem.snapshot(schema.primaryKey)));
      }
      const preds = (req.predicates ?? []).filter((p) => schema.primaryKey.includes(p.column));
      const out: arrow.RecordBatch[] = [];
      try {
        for await (const b of mergeChunks(sources, {
          columns: cols, internal: false, batchSize: req.batchSize ?? this.deps.options.scanBatchRows,
          appendMode: false, keepDeletes: false, lastRow: true, metrics: local,
          ...(req.signal ? { signal: req.signal } : {}), ...(preds.length ? { seriesFilter: seriesFilterOf(preds) } : {}),
        })) out.push(b);
      } catch (err) {
        if (err instanceof LastRowMiss) { if (m) { m.rowsScanned += local.rowsScanned; } return undefined; }
        throw err;
      }
      if (m) for (const k of Object.keys(local) as Array<keyof ScanMetrics>) m[k] += local[k];
      return out;
    } finally {
      this.release(ids);
    }
  }

  /**
   * The file's series table, when cached or when `build` (the scan reads most
   * of the file, so reading its tag columns once costs about what this scan
   * would). Undefined when the file has too many series or sparse ids.
   */
  private async seriesOf(f: FileMeta, index: FileIndex, build: boolean): Promise<SstSeries | undefined> {
    const schema = this.schema;
    const key = `${f.id}@${schema.version}`;
    let p = this.seriesCache.get(key);
    if (!p) {
      if (!build) return undefined;
      // A table of an older schema version of this file is not needed any more.
      for (const k of [...this.seriesCache.keys()]) if (k.startsWith(`${f.id}@`)) this.seriesCache.delete(k);
      p = SstSeries.read(this.sstFetch(f, index), f.rowGroups, schema.primaryKey, schema.timeIndex, this.deps.options.rowGroupRows, f.columns, f.seriesCount);
      p.catch(() => this.seriesCache.delete(key));
      this.seriesCache.set(key, p);
    }
    return p;
  }

  /** One SST's last rows per series (delete markers kept), read once and cached. */
  private lastRowsOf(f: FileMeta, m: ScanMetrics): Promise<Chunk[]> {
    const schema = this.schema;
    const key = `${f.id}@${schema.version}`;
    let p = this.lastRows.get(key);
    if (p) return p;
    p = (async () => {
      const { index } = await this.loadIndex(f);
      const rgs = index.rowGroups.map((_r, i) => i);
      const names = f.columns.filter((c) => c !== OP_COLUMN && c !== PK_COLUMN && schema.columns.some((x) => x.name === c));
      const src = new SstSource(0, this.sstFetch(f, index), rgs, schema.primaryKey, schema.timeIndex, this.deps.options.rowGroupRows, f.columns, 4);
      const chunks: Chunk[] = [];
      for await (const b of mergeChunks([src], {
        columns: this.outputColumns(names, schema), internal: true, batchSize: 1 << 30, appendMode: false, keepDeletes: true, lastRow: true, metrics: m,
      })) chunks.push(new SstChunk(b, schema.primaryKey, schema.timeIndex));
      return chunks;
    })();
    p.catch(() => this.lastRows.delete(key));
    this.lastRows.set(key, p);
    return p;
  }

  /** Runs TTL and compaction now: every window with more than one file is merged. */
  async compact(): Promise<void> {
    this.checkOpen();
    await this.maybeCompact(true);
  }

  /** One compaction pass at a time per region; `force` merges every window with more than one file. */
  maybeCompact(force: boolean): Promise<void> {
    if (this.compaction) return force ? this.compaction.then(() => this.maybeCompact(true)) : this.compaction;
    const p = this.deps.compactionLimiter.run(() => this.compactPass(force)).finally(() => { this.compaction = undefined; });
    this.compaction = p;
    return p;
  }

  private unitsPerSecond(): bigint {
    const ts = this.schema.columns.find((c) => c.name === this.schema.timeIndex)!;
    return timestampUnitsPerSecond(ts.type.name);
  }

  private async compactPass(force: boolean): Promise<void> {
    if (this.closed) return;
    const ups = this.unitsPerSecond();
    // TTL: whole files past the cutoff go without being read.
    const ttl = this.schema.options.ttlMs;
    if (ttl !== undefined && ttl > 0) {
      const cutoff = (BigInt(Date.now()) - BigInt(ttl)) * ups / 1000n;
      const expired = [...this.manifest.state.files.values()].filter((f) => BigInt(f.maxTs) < cutoff).map((f) => f.id);
      if (expired.length) {
        await this.manifest.apply({ remove: expired });
        await this.retire(expired);
        this.log.info({ files: expired.length }, 'TTL dropped expired SSTs');
      }
    }
    let rounds = 0;
    for (;;) {
      const files = [...this.manifest.state.files.values()];
      const window = this.timeWindow(files);
      const windowUnits = BigInt(window.ms) * ups / 1000n || 1n;
      const windows = new Map<bigint, FileMeta[]>();
      for (const f of files) {
        const w = floorDiv(BigInt(f.minTs), windowUnits);
        const l = windows.get(w);
        if (l) l.push(f); else windows.set(w, [f]);
      }
      const pick = [...windows.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1))
        .find(([w, l]) => l.length > this.deps.options.compaction.filesPerWindowMax || (force && l.length > 1)
          // A file reaching past its window (a flush of backfilled data) is split into
          // one file per window: by a forced pass, or in the background once it
          // reaches two windows past its own.
          || l.some((f) => floorDiv(BigInt(f.maxTs), windowUnits) > w + (force ? 0n : 1n)));
      if (!pick) return;
      const inputs = overlapClosure(pick[1], files);
      const epoch = this.epoch;
      const out = await this.mergeFiles(inputs, windowUnits);
      if (epoch !== this.epoch || this.closed) { await this.deleteFiles(out.map((f) => f.id)); return; }
      await this.manifest.apply({ add: out, remove: inputs.map((f) => f.id), ...(window.inferred ? { timeWindowMs: window.ms } : {}) });
      if (window.inferred) this.log.info({ timeWindowMs: window.ms }, 'inferred the TWCS time window');
      await this.retire(inputs.map((f) => f.id));
      this.log.debug({ inputs: inputs.length, outputs: out.length, rows: out.reduce((a, f) => a + f.rows, 0) }, 'compacted window');
      if ((inputs.length >= files.length && !force) || ++rounds >= 1000) return;
    }
  }

  /**
   * The TWCS window: the table's `compaction.twcs.time_window`, else the
   * engine's `compaction.windowMs`, else the one inferred at the region's
   * first compaction (kept in the manifest), else inferred now from `files`
   * (`inferred`: the caller records it with its compaction, once the files
   * hold windowSeriesRowsMin rows of some series on average; a first few rows
   * say little about the rate, so until then it is inferred again each time).
   */
  private timeWindow(files: readonly FileMeta[]): { ms: number; inferred: boolean } {
    const opt = this.schema.options.extra?.[TIME_WINDOW_OPTION];
    if (opt !== undefined) {
      const ms = parseDurationMs(opt);
      if (ms !== undefined && ms > 0) return { ms, inferred: false };
      this.log.warn({ value: opt }, `ignoring table option ${TIME_WINDOW_OPTION}: not a positive duration`);
    }
    const c = this.deps.options.compaction;
    if (c.windowMs > 0) return { ms: c.windowMs, inferred: false };
    if (this.manifest.state.timeWindowMs !== undefined) return { ms: this.manifest.state.timeWindowMs, inferred: false };
    const rows = files.reduce((a, f) => a + f.rows, 0), series = Math.max(1, ...files.map((f) => f.seriesCount));
    return { ms: inferTimeWindowMs(files, Number(this.unitsPerSecond()), c.windowSeriesRowsMin), inferred: rows / series >= c.windowSeriesRowsMin };
  }

  /**
   * Merges `inputs` (every file overlapping them is among them) and writes one
   * SST per TWCS window, so a file never spans windows after compaction and
   * old windows are not rewritten when new data arrives.
   */
  private async mergeFiles(inputs: FileMeta[], windowUnits: bigint): Promise<FileMeta[]> {
    const schema = this.schema;
    const sorted = [...inputs].sort((a, b) => a.maxSequence - b.maxSequence || (a.id < b.id ? -1 : 1));
    const ids = sorted.map((f) => f.id);
    this.acquire(ids);
    try {
      const indexes = await Promise.all(sorted.map((f) => this.loadIndex(f)));
      // Compaction inputs are read once and then deleted: not worth a cache entry.
      const sources = sorted.map((f, i) => new SstSource(i + 1, this.sstFetch(f, indexes[i]!.index, false),
        Array.from({ length: f.rowGroups }, (_, k) => k), schema.primaryKey, schema.timeIndex, this.deps.options.rowGroupRows, undefined));
      const columns = this.outputColumns(undefined, schema);
      const perWindow = new Map<bigint, OutputBuilder>();
      // Every file overlapping these is an input, so delete markers have nothing left to hide.
      for await (const b of mergeChunks(sources, { columns, internal: true, batchSize: 1 << 20, appendMode: !!schema.options.appendMode, keepDeletes: false })) {
        const chunk = new SstChunk(b, schema.primaryKey, schema.timeIndex);
        const ts = chunk.ts, pk = chunk.pk, n = chunk.length;
        for (let i = 0; i < n;) {
          const w = floorDiv(ts[i]!, windowUnits);
          const lo = w * windowUnits, hi = lo + windowUnits;
          let j = i + 1;
          while (j < n && pk[j] === pk[i] && ts[j]! >= lo && ts[j]! < hi) j++;
          let ob = perWindow.get(w);
          if (!ob) { ob = new OutputBuilder(columns, true); perWindow.set(w, ob); }
          ob.add(chunk, i, j, pk[i]!);
          i = j;
        }
      }
      const maxSequence = Math.max(...inputs.map((f) => f.maxSequence));
      const level = 1 + Math.max(...inputs.map((f) => f.level));
      const out: FileMeta[] = [];
      for (const w of [...perWindow.keys()].sort((a, b) => (a < b ? -1 : 1))) {
        const batch = perWindow.get(w)!.take();
        if (batch) out.push(await this.writeFile(new arrow.Table([batch]), schema, maxSequence, level));
      }
      return out;
    } finally {
      this.release(ids);
    }
  }

  async alter(schema: TableSchema): Promise<void> {
    this.checkOpen();
    for (const k of this.schema.primaryKey) {
      if (!schema.primaryKey.includes(k)) throw new InvalidArgumentsError(`region ${this.id}: cannot drop primary key column '${k}'`);
    }
    if (schema.timeIndex !== this.schema.timeIndex) throw new InvalidArgumentsError(`region ${this.id}: cannot change the time index`);
    await this.manifest.apply({ schema });
    // The active memtable keeps the layout of its schema: start a new one.
    this.schema = schema;
    if (this.active.length === 0) this.active = this.newMemtable();
    else { this.freeze(); this.scheduleFlush().catch(() => undefined); }
  }

  async truncate(): Promise<void> {
    this.checkOpen();
    while (this.truncateGate) await this.truncateGate;
    let open!: () => void;
    this.truncateGate = new Promise<void>((resolve) => { open = resolve; });
    try {
      // Appends already handed to the WAL must reach the memtable (and be truncated with it)
      // before the flushed sequence moves past them; otherwise an acknowledged write that
      // lands after the truncate would sit below the flushed sequence and be lost on replay.
      if (this.appendsInFlight > 0) await new Promise<void>((resolve) => { this.appendsDrained = resolve; });
      this.appendsDrained = undefined;
      this.epoch++;
      await this.flushChain;
      const last = await this.deps.wal.lastSequence(this.id);
      const ids = [...this.manifest.state.files.keys()];
      await this.manifest.apply({ removeAll: true, flushedSequence: last });
      this.frozen = [];
      this.active = this.newMemtable();
      await this.retire(ids);
      try { await this.deps.wal.obsolete(this.id, last); } catch (err) { this.log.warn({ err }, 'WAL obsolete failed'); }
    } finally {
      this.truncateGate = undefined;
      open();
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    await this.flushChain;
    await this.compaction?.catch(() => undefined);
    this.closed = true;
    this.deps.sstFiles?.invalidatePrefix(`${this.prefix}/sst/`);
    this.deps.sstChunks?.invalidatePrefix(`${this.prefix}/sst/`);
    this.deps.sstPages?.invalidatePrefix(`${this.prefix}/sst/`);
  }

  async drop(): Promise<void> {
    this.epoch++;
    await this.close();
    const keys: string[] = [];
    for await (const m of this.deps.store.list(`${this.prefix}/`)) keys.push(m.key);
    await this.deps.store.deleteMany(keys);
    await this.deps.wal.dropRegion(this.id);
  }

  stats(): RegionStats {
    const files = [...this.manifest.state.files.values()];
    const mems = [...this.frozen, this.active];
    let minTs: bigint | undefined, maxTs: bigint | undefined;
    const see = (lo: bigint | undefined, hi: bigint | undefined): void => {
      if (lo !== undefined && (minTs === undefined || lo < minTs)) minTs = lo;
      if (hi !== undefined && (maxTs === undefined || hi > maxTs)) maxTs = hi;
    };
    for (const f of files) see(BigInt(f.minTs), BigInt(f.maxTs));
    for (const m of mems) see(m.minTs, m.maxTs);
    return {
      regionId: this.id,
      rows: files.reduce((a, f) => a + f.rows, 0) + mems.reduce((a, m) => a + m.length, 0),
      memtableBytes: mems.reduce((a, m) => a + m.bytes, 0),
      sstBytes: files.reduce((a, f) => a + f.bytes, 0),
      sstFiles: files.length,
      // Series are not tracked across files: the largest single source is a lower bound.
      seriesCount: Math.max(0, ...files.map((f) => f.seriesCount), ...mems.map((m) => m.seriesCount)),
      ...(minTs !== undefined ? { minTs } : {}), ...(maxTs !== undefined ? { maxTs } : {}),
      flushedSequence: this.manifest.state.flushedSequence,
    };
  }

  /** The TWCS window the manifest holds (inferred at the first compaction; tests, tools). */
  inferredTimeWindowMs(): number | undefined { return this.manifest.state.timeWindowMs; }

  /** Files as the manifest lists them (tests, tools). */
  files(): FileMeta[] { return [...this.manifest.state.files.values()]; }
  sstKeyOf(id: string): string { return this.sstKey(id); }
}

/** Table option (GreptimeDB's name) fixing a table's TWCS window, e.g. '1h'. */
export const TIME_WINDOW_OPTION = 'compaction.twcs.time_window';

const HOUR_MS = 3_600_000;
/** GreptimeDB's TWCS window sizes (without its 10-year one). */
export const TIME_WINDOW_BUCKETS_MS = [HOUR_MS, 2 * HOUR_MS, 12 * HOUR_MS, 24 * HOUR_MS, 7 * 24 * HOUR_MS, 365 * 24 * HOUR_MS] as const;

/**
 * The smallest window in which a series is expected to have `seriesRowsMin`
 * rows, at the files' rate (rows per series over the time they span; the
 * series count is the largest file's, a lower bound). GreptimeDB picks the
 * smallest window covering the files' span instead; that makes a day of
 * backfilled data one day-long file, which a 1 h query must decode whole
 * (rows are sorted by series, then time). Windows sized to the data let file
 * time ranges prune.
 */
export function inferTimeWindowMs(files: readonly FileMeta[], unitsPerSecond: number, seriesRowsMin: number): number {
  if (files.length === 0) return TIME_WINDOW_BUCKETS_MS[3]!;
  let lo = BigInt(files[0]!.minTs), hi = BigInt(files[0]!.maxTs), rows = 0, series = 1;
  for (const f of files) {
    if (BigInt(f.minTs) < lo) lo = BigInt(f.minTs);
    if (BigInt(f.maxTs) > hi) hi = BigInt(f.maxTs);
    rows += f.rows;
    series = Math.max(series, f.seriesCount);
  }
  // At least a second: a burst of rows at one instant says nothing about the rate.
  const spanMs = Math.max(1000, (Number(hi - lo) * 1000) / unitsPerSecond);
  const perMs = rows / series / spanMs;
  for (const b of TIME_WINDOW_BUCKETS_MS) if (perMs * b >= seriesRowsMin) return b;
  return TIME_WINDOW_BUCKETS_MS[TIME_WINDOW_BUCKETS_MS.length - 1]!;
}

function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a % b !== 0n && (a < 0n) !== (b < 0n) ? q - 1n : q;
}

/** Grows `seed` with every file whose time range overlaps the set's, until stable. */
function overlapClosure(seed: FileMeta[], all: FileMeta[]): FileMeta[] {
  const chosen = new Map(seed.map((f) => [f.id, f]));
  let lo = seed.reduce((a, f) => (BigInt(f.minTs) < a ? BigInt(f.minTs) : a), BigInt(seed[0]!.minTs));
  let hi = seed.reduce((a, f) => (BigInt(f.maxTs) > a ? BigInt(f.maxTs) : a), BigInt(seed[0]!.maxTs));
  for (let changed = true; changed;) {
    changed = false;
    for (const f of all) {
      if (chosen.has(f.id)) continue;
      if (BigInt(f.maxTs) >= lo && BigInt(f.minTs) <= hi) {
        chosen.set(f.id, f); changed = true;
        if (BigInt(f.minTs) < lo) lo = BigInt(f.minTs);
        if (BigInt(f.maxTs) > hi) hi = BigInt(f.maxTs);
      }
    }
  }
  return [...chosen.values()];
}

/** Small reads build a file's series table when it has at most this many series. */
export const SMALL_READ_SERIES_TABLE_MAX = 10_000;

/**
 * Decompressed bytes of the column chunks a scan reads whole in one file
 * (its row groups without a row selection, its columns): what it puts
 * through the page cache, from the file's layout. For a file whose layout
 * has no decompressed sizes (written before they were recorded), the stored
 * sizes, a lower bound.
 */
export function wholeReadPageBytes(layout: SstLayout, rowGroups: readonly number[],
  selections: ReadonlyMap<number, unknown> | undefined, columns: readonly string[]): number {
  const at = columns.map((c) => layout.columns.indexOf(c)).filter((i) => i >= 0);
  let total = 0;
  for (const rg of rowGroups) {
    if (selections?.has(rg)) continue;
    const sizes = layout.decompressed?.[rg];
    if (sizes) { for (const i of at) total += sizes[i] ?? 0; continue; }
    const chunks = layout.chunks[rg];
    if (chunks) for (const i of at) total += chunks[i]?.[1] ?? 0;
  }
  return total;
}

/** A series-level filter for tag predicates (rows of a series share their tags). */
/**
 * The field predicates the scan can test exactly on stored values (see
 * FieldTest): comparisons of Float64 columns with numbers, 8 to 32-bit
 * integer columns with integral numbers, 64-bit integer columns with bigints,
 * and IS NOT NULL. Others are left to the query engine's filter.
 */
function fieldTestsOf(preds: readonly ScanPredicate[], schema: TableSchema): FieldTest[] {
  const out: FieldTest[] = [];
  for (const p of preds) {
    const c = schema.columns.find((x) => x.name === p.column);
    if (!c || c.semantic !== 'field') continue;
    const t = c.type.name;
    const kind: FieldTest['kind'] | undefined = t === 'Float64' ? 'f64'
      : t === 'Int8' || t === 'Int16' || t === 'Int32' || t === 'UInt8' || t === 'UInt16' || t === 'UInt32' ? 'int'
      : t === 'Int64' || t === 'UInt64' ? 'big' : undefined;
    if (!kind) continue;
    // Rows of files that predate the column read as its default: the filter tests that value for them.
    const d = defaultValueOf(c);
    const fill = kind === 'big' ? (typeof d === 'bigint' ? d : typeof d === 'number' ? BigInt(d) : undefined) : typeof d === 'number' ? d : undefined;
    const withFill = fill !== undefined ? { fill } : {};
    if (p.op === 'is not null') { out.push({ column: p.column, op: p.op, kind, ...withFill }); continue; }
    if (p.op !== '=' && p.op !== '!=' && p.op !== '<' && p.op !== '<=' && p.op !== '>' && p.op !== '>=') continue;
    const v = p.value;
    const ok = kind === 'f64' ? typeof v === 'number' : kind === 'int' ? typeof v === 'number' && Number.isInteger(v) : typeof v === 'bigint';
    if (ok) out.push({ column: p.column, op: p.op, kind, value: v as number | bigint, ...withFill });
  }
  return out;
}

function seriesFilterOf(preds: readonly ScanPredicate[]): (tag: (name: string) => unknown) => boolean {
  const tests = preds.map((p): ((v: unknown) => boolean) => {
    const key = (v: unknown): string => encodeKeyPart(v);
    switch (p.op) {
      case '=': { const k = key(p.value); return (v) => v !== null && key(v) === k; }
      case '!=': { const k = key(p.value); return (v) => v !== null && key(v) !== k; }
      case 'in': { const ks = new Set(p.values.map(key)); return (v) => v !== null && ks.has(key(v)); }
      case 'not in': { const ks = new Set(p.values.map(key)); return (v) => v !== null && !ks.has(key(v)); }
      case 'is null': return (v) => v === null || v === undefined;
      case 'is not null': return (v) => v !== null && v !== undefined;
      case 'regex': { const re = new RegExp(p.pattern); return (v) => v !== null && re.test(String(v)); }
      case 'not regex': { const re = new RegExp(p.pattern); return (v) => v !== null && !re.test(String(v)); }
      default: return () => true; // <, <= ... on tags: left to the query engine.
    }
  });
  return (tag) => preds.every((p, i) => tests[i]!(tag(p.column)));
}
