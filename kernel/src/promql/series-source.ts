import type * as arrow from 'apache-arrow';
import { isNumeric, isTimestamp, type DataTypeName, type TableSchema } from '../data/data-types.js';
import type { Catalog, TableInfo } from '../interfaces/catalog.js';
import type { ScanPredicate, StorageEngine } from '../interfaces/engine.js';
import type { LabelMatcher } from './ast.js';
import { labelsFrom, labelsKey, METRIC_NAME, type Labels } from './labels.js';

/** One series' samples in time order: timestamps in ms, values (stale markers kept). */
export interface RawSeries {
  readonly labels: Labels;
  readonly t: Float64Array;
  readonly v: Float64Array;
  /** 1 where the sample is a Prometheus stale marker (its NaN payload does not survive JS numbers reliably). */
  readonly stale?: Uint8Array;
}

/**
 * Where the evaluator reads samples. `select` returns every series matching
 * all matchers with the samples in `[minMs, maxMs]` (series without samples
 * there may be left out).
 *
 * @example
 * const series = await source.select([{ name: '__name__', op: '=', value: 'up' }], 0, 60_000);
 */
export interface SeriesSource {
  select(matchers: readonly LabelMatcher[], minMs: number, maxMs: number, signal?: AbortSignal): Promise<RawSeries[]>;
}

/** The label GreptimeDB uses to pick a field column of a multi-field table. */
export const FIELD_LABEL = '__field__';
/** Prometheus remote write's value column. */
export const DEFAULT_VALUE_COLUMN = 'greptime_value';

/** Does a matcher accept this value ('' for an absent label)? */
export function matches(m: LabelMatcher, value: string): boolean {
  switch (m.op) {
    case '=': return value === m.value;
    case '!=': return value !== m.value;
    case '=~': return m.re!.test(value);
    case '!~': return !m.re!.test(value);
  }
}

/** A table seen as a metric: its tag (label) columns, time index and value columns. */
export interface MetricTable {
  readonly table: TableInfo;
  readonly tags: readonly string[];
  readonly timeIndex: string;
  readonly timeUnit: DataTypeName;
  readonly fields: readonly string[];
}

/** The table's metric view, or undefined when it has no numeric field or time index. */
export function metricTableOf(table: TableInfo): MetricTable | undefined {
  const s: TableSchema = table.schema;
  const ti = s.columns.find((c) => c.name === s.timeIndex);
  if (!ti || !isTimestamp(ti.type)) return undefined;
  const pk = new Set(s.primaryKey);
  const tags = s.columns.filter((c) => pk.has(c.name) && c.type.name === 'String').map((c) => c.name);
  const fields = s.columns.filter((c) => !pk.has(c.name) && c.name !== s.timeIndex && isNumeric(c.type) && c.type.name !== 'Decimal128').map((c) => c.name);
  if (!fields.length) return undefined;
  return { table, tags, timeIndex: s.timeIndex, timeUnit: ti.type.name, fields };
}

const UNIT_PER_MS: Partial<Record<DataTypeName, number>> = {
  TimestampSecond: 1 / 1000, TimestampMillisecond: 1, TimestampMicrosecond: 1000, TimestampNanosecond: 1_000_000,
};

/** ms -> the column's unit, rounded down (start) or up (end). */
function toUnit(ms: number, unit: DataTypeName, roundUp: boolean): bigint {
  const f = UNIT_PER_MS[unit] ?? 1;
  if (f >= 1) return BigInt(Math.trunc(ms)) * BigInt(f);
  const x = ms * f;
  return BigInt(roundUp ? Math.ceil(x) : Math.floor(x));
}

/** Literal alternatives of a regex like `a|b|c` (for pushdown as IN), or undefined. */
function literalAlternatives(re: string): string[] | undefined {
  if (!/^[a-zA-Z0-9_\-:./ |]*$/.test(re) || re.includes('.')) return undefined;
  return re.split('|');
}

/**
 * Reads series from the catalog's tables through the storage engine: a
 * metric name is a table (GreptimeDB's convention), labels are its String
 * tag columns, the value is `greptime_value` (or the fields chosen with
 * `__field__`). Equality and literal-alternation matchers on tags and the
 * time range are pushed into the scan; every matcher is applied again per
 * series, since engines may ignore predicates.
 */
export class StorageSeriesSource implements SeriesSource {
  constructor(private readonly catalog: Catalog, private readonly engine: StorageEngine, private readonly database: string) {}

  /** The metric tables whose name passes the `__name__` matchers. */
  metricTables(matchers: readonly LabelMatcher[]): MetricTable[] {
    const nameMatchers = matchers.filter((m) => m.name === METRIC_NAME);
    const eq = nameMatchers.find((m) => m.op === '=');
    const candidates = eq ? [this.catalog.getTable(this.database, eq.value)].filter((t): t is TableInfo => !!t) : this.catalog.listTables(this.database);
    const out: MetricTable[] = [];
    for (const t of candidates) {
      if (!nameMatchers.every((m) => matches(m, t.name))) continue;
      const mt = metricTableOf(t);
      if (mt) out.push(mt);
    }
    return out;
  }

  async select(matchers: readonly LabelMatcher[], minMs: number, maxMs: number, signal?: AbortSignal): Promise<RawSeries[]> {
    const out: RawSeries[] = [];
    for (const mt of this.metricTables(matchers)) {
      const series = await this.selectTable(mt, matchers, minMs, maxMs, signal);
      for (const s of series) out.push(s);
    }
    return out;
  }

  private async selectTable(mt: MetricTable, matchers: readonly LabelMatcher[], minMs: number, maxMs: number, signal?: AbortSignal): Promise<RawSeries[]> {
    const tagSet = new Set(mt.tags);
    const fieldMatchers = matchers.filter((m) => m.name === FIELD_LABEL);
    let fields: string[];
    if (fieldMatchers.length) fields = mt.fields.filter((f) => fieldMatchers.every((m) => matches(m, f)));
    else fields = mt.fields.includes(DEFAULT_VALUE_COLUMN) ? [DEFAULT_VALUE_COLUMN] : [mt.fields[0]!];
    if (!fields.length) return [];
    const labelMatchers = matchers.filter((m) => m.name !== METRIC_NAME && m.name !== FIELD_LABEL);
    const predicates: ScanPredicate[] = [];
    for (const m of labelMatchers) {
      if (!tagSet.has(m.name)) {
        if (!matches(m, '')) return [];
        continue;
      }
      if (m.op === '=' && m.value !== '') predicates.push({ column: m.name, op: '=', value: m.value });
      else if (m.op === '=~' && !m.re!.test('')) {
        const alts = literalAlternatives(m.value);
        if (alts) predicates.push({ column: m.name, op: 'in', values: alts });
      }
    }
    const tagMatchers = labelMatchers.filter((m) => tagSet.has(m.name));
    const tags = mt.tags;
    const unitPerMs = UNIT_PER_MS[mt.timeUnit] ?? 1;
    const builders = new Map<string, { labels: Labels; t: number[]; v: number[]; stale?: number[] }[]>();
    const order: string[] = [];
    for (const regionId of mt.table.regionIds) {
      const scan = this.engine.scan(regionId, {
        projection: [...tags, mt.timeIndex, ...fields],
        timeRange: { start: toUnit(minMs, mt.timeUnit, false), end: toUnit(maxMs, mt.timeUnit, true) + 1n },
        ...(predicates.length ? { predicates } : {}),
        ...(signal ? { signal } : {}),
      });
      for await (const rb of scan as AsyncIterable<arrow.RecordBatch>) {
        if (signal?.aborted) throw signal.reason;
        const tagVecs = tags.map((n) => rb.getChild(n));
        const tsVec = rb.getChild(mt.timeIndex);
        const valVecs = fields.map((n) => rb.getChild(n));
        if (!tsVec) continue;
        const tsOf = timestampReader(tsVec, unitPerMs);
        const valReaders = valVecs.map((v) => (v ? numberReader(v) : undefined));
        const staleReaders = valVecs.map((v) => (v ? staleReader(v) : undefined));
        let prevTags: (string | null)[] | undefined;
        let current: { labels: Labels; t: number[]; v: number[]; stale?: number[] }[] | undefined;
        for (let i = 0; i < rb.numRows; i++) {
          const tagValues = tagVecs.map((v) => (v ? (v.get(i) as string | null) : null));
          if (!prevTags || tagValues.some((x, j) => x !== prevTags![j])) {
            prevTags = tagValues;
            current = undefined;
            const rec: Record<string, string> = {};
            tags.forEach((n, j) => { const x = tagValues[j]; if (x) rec[n] = x; });
            if (!tagMatchers.every((m) => matches(m, rec[m.name] ?? ''))) continue;
            const key = labelsKey(labelsFrom(rec));
            let b = builders.get(key);
            if (!b) {
              b = fields.map(() => ({ labels: labelsFrom({ ...rec, [METRIC_NAME]: mt.table.name }), t: [], v: [] }));
              builders.set(key, b);
              order.push(key);
            }
            current = b;
          }
          if (!current) continue;
          const t = tsOf(i);
          for (let f = 0; f < current.length; f++) {
            const r = valReaders[f];
            const x = r ? r(i) : null;
            if (x === null) continue;
            current[f]!.t.push(t);
            current[f]!.v.push(x);
            if (x !== x && staleReaders[f]?.(i)) (current[f]!.stale ??= []).push(current[f]!.t.length - 1);
          }
        }
      }
    }
    const out: RawSeries[] = [];
    for (const key of order) {
      for (const b of builders.get(key)!) {
        if (!b.t.length) continue;
        let t = Float64Array.from(b.t);
        let v = Float64Array.from(b.v);
        // Regions are scanned one after another; a series normally lives in
        // one region, but keep the time order even if it does not.
        let sorted = true;
        for (let i = 1; i < t.length; i++) if (t[i]! < t[i - 1]!) { sorted = false; break; }
        if (!sorted) {
          const idx = Array.from(t.keys()).sort((a, c) => t[a]! - t[c]!);
          t = Float64Array.from(idx, (i) => b.t[i]!);
          v = Float64Array.from(idx, (i) => b.v[i]!);
        }
        let stale: Uint8Array | undefined;
        if (b.stale) {
          stale = new Uint8Array(t.length);
          for (const i of b.stale) stale[i] = 1;
          if (!sorted) stale = undefined;
        }
        out.push({ labels: b.labels, t, v, ...(stale ? { stale } : {}) });
      }
    }
    return out;
  }
}

/** The time index column as ms, chunk by chunk from the raw int64 values. */
function timestampReader(vec: arrow.Vector, unitPerMs: number): (i: number) => number {
  const out = new Float64Array(vec.length);
  let base = 0;
  for (const d of vec.data) {
    const values = d.values as unknown as ArrayLike<bigint | number>;
    for (let i = 0; i < d.length; i++) out[base + i] = Math.floor(Number(values[d.offset + i]!) / unitPerMs);
    base += d.length;
  }
  return (i) => out[i]!;
}

/**
 * Reads whether row i holds Prometheus's stale-marker NaN (0x7ff0000000000002).
 * It is a signalling NaN; passing through a JS number (protobuf decoding)
 * sets the quiet bit, giving 0x7ff8000000000002, which is accepted too:
 * Prometheus's ordinary NaN is 0x7ff8000000000001, so the two stay distinct.
 */
function staleReader(vec: arrow.Vector): ((i: number) => boolean) | undefined {
  if (vec.data.length !== 1) return undefined;
  const d = vec.data[0]!;
  if (!(d.values instanceof Float64Array)) return undefined;
  const words = new Uint32Array(d.values.buffer, d.values.byteOffset, d.values.length * 2);
  const off = d.offset;
  return (i) => words[2 * (off + i)] === 2 && (words[2 * (off + i) + 1] === 0x7ff00000 || words[2 * (off + i) + 1] === 0x7ff80000);
}

/** A numeric column as numbers, null where invalid. */
function numberReader(vec: arrow.Vector): (i: number) => number | null {
  if (vec.data.length === 1 && vec.nullCount === 0) {
    const d = vec.data[0]!;
    const values = d.values as unknown as ArrayLike<number | bigint>;
    const off = d.offset;
    if (values instanceof Float64Array || values instanceof Float32Array) return (i) => values[off + i] as number;
  }
  return (i) => {
    const x = vec.get(i) as number | bigint | null;
    return x === null ? null : Number(x);
  };
}
