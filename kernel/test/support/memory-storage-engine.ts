import * as arrow from 'apache-arrow';
import {
  RegionNotFoundError, type RegionId, type RegionStats, type ScanPredicate, type ScanRequest, type StorageEngine, type TableSchema,
} from '../../src/index.js';
import { batchFromArrow, batchToArrow, columnFromValues, columnToArrow, valueAt } from '../../src/sql/exec/column.js';
import { compareStrings } from '../../src/sql/exec/expression-evaluator.js';

interface RegionData { schema: TableSchema; rows: Map<string, unknown[]>; seq: number }

/**
 * String tags dictionary-encoded, as ScanRequest.dictionaryTags allows. The
 * dictionary holds each value twice and odd rows use the second copy: equal
 * values with different codes, which a reader of dictionaries must handle.
 * Null rows get code 0.
 */
function dictionaryVector(values: ReadonlyArray<string | null>): arrow.Vector {
  const distinct = [...new Set(values.filter((v): v is string => v !== null))];
  const index = new Map(distinct.map((v, i) => [v, i]));
  const codes = new Int32Array(values.length);
  const bitmap = new Uint8Array(((values.length + 63) >> 6) << 3);
  let nulls = 0;
  values.forEach((v, i) => {
    if (v === null) { nulls++; return; }
    bitmap[i >> 3]! |= 1 << (i & 7);
    codes[i] = index.get(v)! + (i % 2) * distinct.length;
  });
  const dictionary = arrow.vectorFromArray([...distinct, ...distinct], new arrow.Utf8());
  return arrow.makeVector(arrow.makeData({
    type: new arrow.Dictionary(new arrow.Utf8(), new arrow.Int32()), length: values.length, data: codes,
    nullCount: nulls, ...(nulls ? { nullBitmap: bitmap } : {}), dictionary,
  }));
}

function keyOf(v: unknown): string {
  return typeof v === 'bigint' ? `${v}n` : JSON.stringify(v ?? null);
}

function cmp(a: unknown, b: unknown): number {
  if (a === b) return 0;
  if (a === null || a === undefined) return -1;
  if (b === null || b === undefined) return 1;
  // Strings in byte order, as the query engine and engine-lsm compare them.
  if (typeof a === 'string' && typeof b === 'string') return compareStrings(a, b);
  return (a as number) < (b as number) ? -1 : 1;
}

function matches(p: ScanPredicate, v: unknown): boolean {
  switch (p.op) {
    case 'is null': return v === null;
    case 'is not null': return v !== null;
    case 'in': return v !== null && p.values.some((x) => cmp(norm(x, v), v) === 0);
    case 'not in': return v !== null && !p.values.some((x) => cmp(norm(x, v), v) === 0);
    case 'regex': return v !== null && new RegExp(p.pattern).test(String(v));
    case 'not regex': return v !== null && !new RegExp(p.pattern).test(String(v));
    default: {
      if (v === null || p.value === null) return false;
      const c = cmp(v, norm(p.value, v));
      switch (p.op) {
        case '=': return c === 0; case '!=': return c !== 0; case '<': return c < 0;
        case '<=': return c <= 0; case '>': return c > 0; case '>=': return c >= 0;
      }
    }
  }
  return true;
}
function norm(x: unknown, like: unknown): unknown {
  // Infinities and NaN have no bigint; JS compares them with bigints as they are.
  if (typeof like === 'bigint' && typeof x === 'number') return Number.isFinite(x) ? BigInt(Math.trunc(x)) : x;
  if (typeof like === 'number' && typeof x === 'bigint') return Number(x);
  return x;
}

/**
 * A test-only storage engine in memory, honouring the StorageEngine contract:
 * last write wins per (primary key, ts) unless append mode, scans in
 * (primary key, ts) order, exact time ranges, predicates applied, projection,
 * batch size and limit. Pass the same `durable` map to a new engine to
 * simulate a restart.
 */
export class MemoryStorageEngine implements StorageEngine {
  readonly name = 'memory';
  private readonly open = new Set<RegionId>();
  scans = 0;
  /** The last scan request (tests check the hints the executor gives). */
  lastScan: ScanRequest | undefined;

  constructor(readonly durable: Map<RegionId, RegionData> = new Map()) {}

  private region(id: RegionId): RegionData {
    const r = this.durable.get(id);
    if (!r || !this.open.has(id)) throw new RegionNotFoundError(id);
    return r;
  }

  async createRegion(id: RegionId, schema: TableSchema): Promise<void> {
    this.durable.set(id, { schema, rows: new Map(), seq: 0 });
    this.open.add(id);
  }
  async openRegion(id: RegionId, schema: TableSchema): Promise<void> {
    if (!this.durable.has(id)) this.durable.set(id, { schema, rows: new Map(), seq: 0 });
    this.open.add(id);
  }
  async closeRegion(id: RegionId): Promise<void> { this.open.delete(id); }
  async dropRegion(id: RegionId): Promise<void> { this.open.delete(id); this.durable.delete(id); }

  async alterRegion(id: RegionId, schema: TableSchema): Promise<void> {
    const r = this.region(id);
    const old = r.schema.columns.map((c) => c.name);
    for (const [k, row] of r.rows) {
      r.rows.set(k, schema.columns.map((c) => {
        const i = old.indexOf(c.name);
        return i >= 0 ? row[i] : (c.default?.value ?? null);
      }));
    }
    r.schema = schema;
  }

  private rowKey(r: RegionData, row: unknown[]): string {
    const s = r.schema;
    const idx = [...s.primaryKey, s.timeIndex].map((n) => s.columns.findIndex((c) => c.name === n));
    const k = idx.map((i) => keyOf(row[i])).join('\u0001');
    return s.options.appendMode ? `${k}\u0002${r.seq++}` : k;
  }

  async write(id: RegionId, rb: arrow.RecordBatch): Promise<number> {
    const r = this.region(id);
    const names = rb.schema.fields.map((f) => f.name);
    const b = batchFromArrow(rb, r.schema.columns.length ? names.map((n) => r.schema.columns.find((c) => c.name === n)?.type ?? { name: 'Null' }) : undefined);
    for (let i = 0; i < b.numRows; i++) {
      const row = r.schema.columns.map((c) => {
        const j = names.indexOf(c.name);
        if (j >= 0) return valueAt(b.columns[j]!, i);
        if (c.default?.fn) return BigInt(Date.now());
        return c.default?.value ?? null;
      });
      r.rows.set(this.rowKey(r, row), row);
    }
    return b.numRows;
  }

  async delete(id: RegionId, keys: arrow.RecordBatch): Promise<number> {
    const r = this.region(id);
    const b = batchFromArrow(keys);
    const names = keys.schema.fields.map((f) => f.name);
    const s = r.schema;
    let n = 0;
    for (let i = 0; i < b.numRows; i++) {
      const k = [...s.primaryKey, s.timeIndex].map((c) => keyOf(valueAt(b.columns[names.indexOf(c)]!, i))).join('\u0001');
      if (r.rows.delete(k)) n++;
    }
    return n;
  }

  async *scan(id: RegionId, req: ScanRequest): AsyncIterable<arrow.RecordBatch> {
    const r = this.region(id);
    this.scans++;
    this.lastScan = req;
    const s = r.schema;
    const ti = s.columns.findIndex((c) => c.name === s.timeIndex);
    const pk = s.primaryKey.map((n) => s.columns.findIndex((c) => c.name === n));
    let rows = [...r.rows.values()];
    const start = req.timeRange?.start;
    const end = req.timeRange?.end;
    rows = rows.filter((row) => {
      const ts = row[ti] as bigint;
      if (start !== undefined && ts < start) return false;
      if (end !== undefined && ts >= end) return false;
      for (const p of req.predicates ?? []) {
        const ci = s.columns.findIndex((c) => c.name === p.column);
        if (ci >= 0 && !matches(p, row[ci] ?? null)) return false;
      }
      return true;
    });
    rows.sort((a, b) => {
      for (const i of pk) { const c = cmp(a[i], b[i]); if (c) return c; }
      return cmp(a[ti], b[ti]);
    });
    if (req.metrics) { req.metrics.rowsScanned += r.rows.size; req.metrics.rowsReturned += rows.length; }
    if (req.limit !== undefined) rows = rows.slice(0, req.limit);
    const proj = (req.projection ?? s.columns.map((c) => c.name)).map((n) => s.columns.findIndex((c) => c.name === n));
    const size = req.batchSize ?? 4096;
    for (let off = 0; off < rows.length; off += size) {
      if (req.signal?.aborted) return;
      const part = rows.slice(off, off + size);
      const cols = proj.map((ci) => columnFromValues(s.columns[ci]!.type, part.map((row) => row[ci] ?? null)));
      const names = proj.map((ci) => s.columns[ci]!.name);
      const isDictTag = (ci: number): boolean => !!req.dictionaryTags && s.columns[ci]!.type.name === 'String' && s.primaryKey.includes(s.columns[ci]!.name);
      if (proj.some(isDictTag)) {
        const vecs: Record<string, arrow.Vector> = {};
        proj.forEach((ci, k) => { vecs[names[k]!] = isDictTag(ci) ? dictionaryVector(part.map((row) => row[ci] ?? null) as Array<string | null>) : columnToArrow(cols[k]!); });
        yield new arrow.Table(vecs).batches[0]!;
      } else {
        yield batchToArrow({ columns: cols, numRows: part.length }, names);
      }
      await Promise.resolve();
    }
  }

  async flush(id: RegionId): Promise<void> { this.region(id); }
  async compact(id: RegionId): Promise<void> { this.region(id); }
  async truncate(id: RegionId): Promise<void> { this.region(id).rows.clear(); }

  stats(id: RegionId): RegionStats {
    const r = this.region(id);
    const ti = r.schema.columns.findIndex((c) => c.name === r.schema.timeIndex);
    let minTs: bigint | undefined;
    let maxTs: bigint | undefined;
    for (const row of r.rows.values()) {
      const t = row[ti] as bigint;
      if (minTs === undefined || t < minTs) minTs = t;
      if (maxTs === undefined || t > maxTs) maxTs = t;
    }
    return { regionId: id, rows: r.rows.size, memtableBytes: r.rows.size * 64, sstBytes: 0, sstFiles: 0, seriesCount: 0, minTs, maxTs, flushedSequence: 0 };
  }

  listRegions(): RegionId[] { return [...this.open]; }
}
