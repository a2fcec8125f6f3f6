import * as arrow from 'apache-arrow';
import {
  IllegalStateError, InvalidArgumentsError, type ColumnSchema, type Logger, type ObjectStore, type RegionId, type RegionStats,
  type ScanPredicate, type ScanRequest, type StorageEngine, type TableSchema, type Wal,
} from '@strata/kernel';
import { badSnapshot, notOpen, regionFull } from './errors.js';
import type { __PASCAL_NAME__Options } from './options.js';
import { cellAt, compareCells, decodeJson, encodeJson, vectorOf, type Cell } from './value-codec.js';

/** One stored row: its timestamp, an insertion number (orders append-mode duplicates), and cells by column name. */
interface Row { readonly ts: bigint; readonly n: number; readonly cells: Readonly<Record<string, Cell>> }

interface Series { readonly key: readonly Cell[]; readonly rows: Map<string, Row> }

interface Region {
  readonly id: RegionId;
  schema: TableSchema;
  readonly series: Map<string, Series>;
  rowCount: number;
  insertions: number;
  /** Last WAL sequence applied to memory, and the one the stored snapshot covers. */
  appliedSeq: number;
  flushedSeq: number;
  /** Bumped by every change, so a snapshot knows whether it captured the latest state. */
  changes: number;
  snapshotChanges: number;
  snapshotBytes: number;
  snapshotting?: Promise<void>;
  nextSnapshot?: Promise<void>;
}

/** A change as logged in the WAL and applied to memory. */
interface Change { readonly op: 'write' | 'delete'; readonly columns: readonly string[]; readonly rows: readonly Cell[][] }

/** What a snapshot object holds (checked when read back). */
interface Snapshot { readonly format: 1; readonly region: RegionId; readonly walSequence: number; readonly columns: string[]; readonly rowCount: number; readonly rows: Cell[][] }

const seriesKeyOf = (key: readonly Cell[]): string => key.map((c) => (c === null ? '\u0001' : `${typeof c}:${String(c)}`)).join('\u0000');

/**
 * A small storage engine: every region in memory, persisted as a snapshot
 * object in the STORE on flush/close, with each write logged to the WAL
 * first when one is configured.
 *
 * ```
 *   write ─▶ WAL.append (if any) ─▶ apply to memory ─▶ ack
 *           (no WAL: apply ─▶ snapshot ─▶ ack; correct, but O(region) per write)
 *   flush/close ─▶ snapshot (atomic put) ─▶ WAL.obsolete(snapshot's sequence)
 *   open ─▶ snapshot ─▶ WAL.replay(sequence + 1)
 *   scan ─▶ series in primary-key order, rows in time order, one row per (key, ts)
 * ```
 *
 * Rows live as JS objects per row: fine for a template and for small tables,
 * not for production volumes (engine-lsm keeps columnar memtables and SSTs).
 *
 * @example
 * const engine = new MemoryEngine(store, wal, logger, { prefix: 'mem', regionRowsMax: 1e6, batchRows: 4096 });
 * await engine.createRegion('1024_0', schema);
 * await engine.write('1024_0', batch);
 * for await (const b of engine.scan('1024_0', { timeRange: { start: 0n, end: 10_000n } })) console.log(b.numRows);
 */
export class MemoryEngine implements StorageEngine {
  readonly name = '__NAME__';
  private readonly regions = new Map<RegionId, Region>();

  constructor(private readonly store: ObjectStore, private readonly wal: Wal | undefined, private readonly logger: Logger,
    private readonly options: __PASCAL_NAME__Options) {}

  private snapshotKey(id: RegionId): string { return `${this.options.prefix}/${id}/snapshot.json`; }

  private region(id: RegionId): Region {
    const r = this.regions.get(id);
    if (!r) throw notOpen(id);
    return r;
  }

  private emptyRegion(id: RegionId, schema: TableSchema): Region {
    return { id, schema, series: new Map(), rowCount: 0, insertions: 0, appliedSeq: 0, flushedSeq: 0, changes: 0, snapshotChanges: 0, snapshotBytes: 0 };
  }

  async createRegion(regionId: RegionId, schema: TableSchema): Promise<void> {
    if (this.regions.has(regionId)) throw new IllegalStateError(`__NAME__: region ${regionId} already exists`);
    // A region id may be reused after a drop: start from nothing.
    await this.store.delete(this.snapshotKey(regionId));
    const r = this.emptyRegion(regionId, schema);
    if (this.wal) r.appliedSeq = r.flushedSeq = await this.wal.lastSequence(regionId);
    this.regions.set(regionId, r);
  }

  async openRegion(regionId: RegionId, schema: TableSchema): Promise<void> {
    if (this.regions.has(regionId)) return;
    const r = this.emptyRegion(regionId, schema);
    const key = this.snapshotKey(regionId);
    if (await this.store.head(key)) {
      let snap: Snapshot;
      try { snap = decodeJson(await this.store.get(key)) as Snapshot; } catch (err) { throw badSnapshot(key, 'not valid JSON', err); }
      // Check what we wrote before trusting it.
      if (snap.format !== 1 || snap.region !== regionId) throw badSnapshot(key, `format ${snap.format} of region ${snap.region}, expected format 1 of ${regionId}`);
      if (snap.rows.length !== snap.rowCount) throw badSnapshot(key, `holds ${snap.rows.length} rows, header says ${snap.rowCount}`);
      this.apply(r, { op: 'write', columns: snap.columns, rows: snap.rows });
      r.appliedSeq = r.flushedSeq = snap.walSequence;
      r.snapshotBytes = (await this.store.head(key))?.size ?? 0;
    }
    // What the snapshot holds is clean; what the WAL replays below is not (flush must write it).
    r.snapshotChanges = r.changes;
    if (this.wal) {
      let replayed = 0;
      for await (const e of this.wal.replay(regionId, r.appliedSeq + 1)) {
        this.apply(r, decodeJson(e.payload) as Change);
        r.appliedSeq = e.sequence;
        replayed++;
      }
      if (replayed > 0) this.logger.info({ region: regionId, replayed }, '__NAME__: replayed WAL entries');
    }
    this.regions.set(regionId, r);
  }

  async closeRegion(regionId: RegionId): Promise<void> {
    const r = this.regions.get(regionId);
    if (!r) return;
    await this.snapshot(r);
    this.regions.delete(regionId);
  }

  async dropRegion(regionId: RegionId): Promise<void> {
    this.regions.delete(regionId);
    await this.store.delete(this.snapshotKey(regionId));
    await this.wal?.dropRegion(regionId);
  }

  async alterRegion(regionId: RegionId, schema: TableSchema): Promise<void> {
    // Rows keep cells by name: an added column reads as NULL, a dropped one is no longer scanned.
    this.region(regionId).schema = schema;
  }

  async write(regionId: RegionId, batch: arrow.RecordBatch): Promise<number> {
    return this.change(regionId, 'write', batch);
  }

  async delete(regionId: RegionId, keys: arrow.RecordBatch): Promise<number> {
    return this.change(regionId, 'delete', keys);
  }

  /** Logs a change (WAL first when there is one), applies it, and makes it durable before resolving. */
  private async change(regionId: RegionId, op: Change['op'], batch: arrow.RecordBatch): Promise<number> {
    const r = this.region(regionId);
    const columns = batch.schema.fields.map((f) => f.name);
    const known = new Set(r.schema.columns.map((c) => c.name));
    const unknown = columns.find((c) => !known.has(c));
    if (unknown) throw new InvalidArgumentsError(`__NAME__: column '${unknown}' is not in region ${regionId}`);
    if (!columns.includes(r.schema.timeIndex)) throw new InvalidArgumentsError(`__NAME__: a ${op} needs the time index column '${r.schema.timeIndex}'`);
    if (op === 'write' && r.rowCount + batch.numRows > this.options.regionRowsMax) throw regionFull(regionId, r.rowCount + batch.numRows, this.options.regionRowsMax);
    const vectors = columns.map((_, c) => batch.getChildAt(c)!);
    const rows: Cell[][] = [];
    for (let i = 0; i < batch.numRows; i++) rows.push(vectors.map((v) => cellAt(v, i)));
    const change: Change = { op, columns, rows };
    if (this.wal) {
      const seq = await this.wal.append(regionId, encodeJson(change));
      const done = this.apply(r, change);
      r.appliedSeq = seq;
      return done;
    }
    const done = this.apply(r, change);
    await this.snapshot(r);
    return done;
  }

  /** Applies a change to memory; returns rows written or deleted. */
  private apply(r: Region, change: Change): number {
    const { schema } = r;
    const at = new Map(change.columns.map((c, i) => [c, i]));
    const tsAt = at.get(schema.timeIndex)!;
    const keyAt = schema.primaryKey.map((k) => at.get(k));
    const missing: ColumnSchema[] = schema.columns.filter((c) => !at.has(c.name));
    let count = 0;
    for (const row of change.rows) {
      const tsCell = row[tsAt];
      if (tsCell === null || tsCell === undefined) throw new InvalidArgumentsError(`__NAME__: time index '${schema.timeIndex}' is NULL`);
      const ts = BigInt(tsCell as bigint);
      const key = keyAt.map((i) => (i === undefined ? null : row[i] ?? null));
      const sk = seriesKeyOf(key);
      let series = r.series.get(sk);
      if (change.op === 'delete') {
        if (!series) continue;
        for (const [k, existing] of series.rows) {
          if (existing.ts === ts) { series.rows.delete(k); r.rowCount--; count++; }
        }
        if (series.rows.size === 0) r.series.delete(sk);
        continue;
      }
      if (!series) { series = { key, rows: new Map() }; r.series.set(sk, series); }
      const cells: Record<string, Cell> = {};
      change.columns.forEach((c, i) => { cells[c] = row[i] ?? null; });
      for (const c of missing) cells[c.name] = (c.default?.value as Cell | undefined) ?? null;
      const n = ++r.insertions;
      // Dedup: one row per (primary key, ts), the last write wins — unless the table is append-mode.
      const rowKey = schema.options.appendMode ? `${ts}#${n}` : `${ts}`;
      if (!series.rows.has(rowKey)) r.rowCount++;
      series.rows.set(rowKey, { ts, n, cells });
      count++;
    }
    if (count > 0) r.changes++;
    return count;
  }

  /** Writes a snapshot when the region changed since the last one; concurrent callers share the next one. */
  private snapshot(r: Region): Promise<void> {
    if (r.snapshotting) {
      r.nextSnapshot ??= r.snapshotting.catch(() => undefined).then(() => { r.nextSnapshot = undefined; return this.snapshot(r); });
      return r.nextSnapshot;
    }
    if (r.changes === r.snapshotChanges) return Promise.resolve();
    const p = this.writeSnapshot(r).finally(() => { r.snapshotting = undefined; });
    r.snapshotting = p;
    return p;
  }

  private async writeSnapshot(r: Region): Promise<void> {
    // Captured synchronously: the rows and the WAL sequence they include agree.
    const columns = r.schema.columns.map((c) => c.name);
    const rows: Cell[][] = [];
    for (const s of r.series.values()) for (const row of s.rows.values()) rows.push(columns.map((c) => row.cells[c] ?? null));
    const snap: Snapshot = { format: 1, region: r.id, walSequence: r.appliedSeq, columns, rowCount: rows.length, rows };
    const changes = r.changes;
    const bytes = encodeJson(snap);
    await this.store.put(this.snapshotKey(r.id), bytes);
    r.snapshotChanges = changes;
    r.flushedSeq = snap.walSequence;
    r.snapshotBytes = bytes.byteLength;
    if (this.wal && snap.walSequence > 0) await this.wal.obsolete(r.id, snap.walSequence);
  }

  async *scan(regionId: RegionId, request: ScanRequest): AsyncIterable<arrow.RecordBatch> {
    const r = this.region(regionId);
    const { schema } = r;
    const names = request.projection ? [...request.projection] : schema.columns.map((c) => c.name);
    const columns = names.map((n) => {
      const c = schema.columns.find((x) => x.name === n);
      if (!c) throw new InvalidArgumentsError(`__NAME__: cannot project unknown column '${n}'`);
      return c;
    });
    const start = request.timeRange?.start;
    const end = request.timeRange?.end;
    const batchRows = request.batchSize ?? this.options.batchRows;
    const limit = request.limit ?? Infinity;
    const tagFilters = (request.predicates ?? []).filter((p) => schema.primaryKey.includes(p.column));
    // Series in primary-key order, pruned by the tag predicates we understand (the query engine re-applies all of them).
    const series = [...r.series.values()]
      .filter((s) => tagFilters.every((p) => matches(p, s.key[schema.primaryKey.indexOf(p.column)] ?? null)))
      .sort((a, b) => {
        for (let i = 0; i < a.key.length; i++) { const c = compareCells(a.key[i]!, b.key[i]!); if (c !== 0) return c; }
        return 0;
      });
    let scanned = 0; let returned = 0;
    let buffer: Array<Readonly<Record<string, Cell>>> = [];
    const toBatch = (rows: Array<Readonly<Record<string, Cell>>>): arrow.RecordBatch => {
      const vectors: Record<string, arrow.Vector> = {};
      columns.forEach((c) => { vectors[c.name] = vectorOf(c, rows.map((row) => row[c.name] ?? null)); });
      return new arrow.Table(vectors).batches[0]!;
    };
    try {
      for (const s of series) {
        if (request.signal?.aborted) throw request.signal.reason;
        const rows = [...s.rows.values()].sort((a, b) => (a.ts < b.ts ? -1 : a.ts > b.ts ? 1 : a.n - b.n));
        scanned += rows.length;
        for (const row of rows) {
          if ((start !== undefined && row.ts < start) || (end !== undefined && row.ts >= end)) continue;
          buffer.push(row.cells);
          returned++;
          if (buffer.length >= batchRows) { yield toBatch(buffer); buffer = []; }
          if (returned >= limit) break;
        }
        if (returned >= limit) break;
      }
      if (buffer.length > 0) yield toBatch(buffer);
    } finally {
      if (request.metrics) { request.metrics.rowsScanned += scanned; request.metrics.rowsReturned += returned; }
    }
  }

  async flush(regionId: RegionId): Promise<void> { await this.snapshot(this.region(regionId)); }

  /** Nothing to merge: a region is one snapshot. Writing it is the closest thing. */
  async compact(regionId: RegionId): Promise<void> { await this.flush(regionId); }

  async truncate(regionId: RegionId): Promise<void> {
    const r = this.region(regionId);
    r.series.clear();
    r.rowCount = 0;
    r.changes++;
    await this.snapshot(r);
  }

  stats(regionId: RegionId): RegionStats {
    const r = this.region(regionId);
    let minTs: bigint | undefined; let maxTs: bigint | undefined;
    for (const s of r.series.values()) for (const row of s.rows.values()) {
      if (minTs === undefined || row.ts < minTs) minTs = row.ts;
      if (maxTs === undefined || row.ts > maxTs) maxTs = row.ts;
    }
    return {
      regionId, rows: r.rowCount, memtableBytes: 0, sstBytes: r.snapshotBytes, sstFiles: r.snapshotBytes > 0 ? 1 : 0,
      seriesCount: r.series.size, minTs, maxTs, flushedSequence: r.flushedSeq,
    };
  }

  listRegions(): RegionId[] { return [...this.regions.keys()]; }

  /** Snapshots every region (plugin stop). */
  async close(): Promise<void> {
    for (const r of [...this.regions.values()]) await this.snapshot(r);
  }
}

/** Whether a tag value passes a predicate the engine understands; others pass (the query engine filters). */
function matches(p: ScanPredicate, v: Cell): boolean {
  switch (p.op) {
    case '=': return v !== null && compareCells(v, p.value as Cell) === 0;
    case '!=': return v !== null && compareCells(v, p.value as Cell) !== 0;
    case 'in': return v !== null && p.values.some((x) => compareCells(v, x as Cell) === 0);
    case 'not in': return v !== null && !p.values.some((x) => compareCells(v, x as Cell) === 0);
    case 'is null': return v === null;
    case 'is not null': return v !== null;
    default: return true;
  }
}
