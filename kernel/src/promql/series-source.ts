import type * as arrow from 'apache-arrow';
import { isNumeric, isTimestamp, type DataTypeName, type TableSchema } from '../data/data-types.js';
import type { Catalog, TableInfo } from '../interfaces/catalog.js';
import { InternalError, InvalidArgumentsError, StrataError } from '../errors/errors.js';
import type { ScanMetrics, ScanPredicate, StorageEngine } from '../interfaces/engine.js';
import type { LabelMatcher } from './ast.js';
import { compareLabels, labelsFrom, labelsKey, METRIC_NAME, type Labels } from './labels.js';

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

/** What the selects of one query read (TQL ANALYZE). */
export interface SelectStats {
  /** Selector evaluations (each may scan several tables; TQL evaluates a selector once per field position). */
  selects: number;
  /** Table reads: TQL's field positions share one read of a table per distinct selector and time range. */
  tablesScanned: number;
  /** Series and samples those reads loaded, every field counted once. */
  series: number;
  samples: number;
  selectMs: number;
  /** The engine's counters, summed over every scan. */
  readonly scan: ScanMetrics;
}

export function newSelectStats(): SelectStats {
  return { selects: 0, tablesScanned: 0, series: 0, samples: 0, selectMs: 0,
    scan: { rowsScanned: 0, rowsReturned: 0, filesTotal: 0, filesPruned: 0, rowGroupsTotal: 0, rowGroupsPruned: 0 } };
}

/** The label GreptimeDB uses to pick a field column of a multi-field table. */
export const FIELD_LABEL = '__field__';
/** GreptimeDB's matchers that pick the database of the metric table (`=` only). */
export const SCHEMA_LABELS: ReadonlySet<string> = new Set(['__schema__', '__database__']);
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

/**
 * The field columns a selector picks, as GreptimeDB's planner picks them for
 * TQL: `=` and `=~` matchers add fields (all of them when none does), `!=` and
 * `!~` remove fields, and `=`/`!=` naming no field column is an error. The
 * fields keep the table's column order.
 *
 * @example
 * selectTqlFields(['a', 'b', 'c'], [{ name: '__field__', op: '=', value: 'a' }, { name: '__field__', op: '=', value: 'c' }]) // ['a', 'c']
 */
export function selectTqlFields(fields: readonly string[], matchers: readonly LabelMatcher[]): string[] {
  const fieldMatchers = matchers.filter((m) => m.name === FIELD_LABEL);
  if (!fieldMatchers.length) return [...fields];
  const known = new Set(fields);
  const chosen = new Set<string>();
  const removed = new Set<string>();
  for (const m of fieldMatchers) {
    if ((m.op === '=' || m.op === '!=') && !known.has(m.value)) throw new InvalidArgumentsError(`Cannot find column ${m.value}`);
    if (m.op === '=') chosen.add(m.value);
    else if (m.op === '!=') removed.add(m.value);
    else for (const f of fields) if (m.re!.test(f)) (m.op === '=~' ? chosen : removed).add(f);
  }
  return fields.filter((f) => (chosen.size === 0 || chosen.has(f)) && !removed.has(f));
}

/** How a StorageSeriesSource reads. */
export interface StorageSeriesSourceOptions {
  /**
   * TQL: read only the field at this place among each selector's fields
   * (GreptimeDB's `__field__` rules, see selectTqlFields), so no series
   * carries `__field__`; a table with fewer fields gives no series.
   */
  readonly fieldSlot?: number;
  /**
   * TQL: the reads shared by the field slots of one evaluation. A table is
   * then scanned once per distinct (selector, time range) for all its
   * selected fields, and each slot takes its own field's series from it.
   * Without it each slot scans for its own field.
   */
  readonly reads?: TqlReads;
}

/** One table read: per series (in scan order), its series per field read (undefined: no sample of that field). */
type FieldRead = Array<Array<RawSeries | undefined>>;

/**
 * The table reads of one TQL evaluation, shared by its field slots (see
 * DefaultPromqlService.evaluateTql): slot 0 scans a table for every field
 * its selector picks, slots 1..n-1 take their fields from that scan. Keyed
 * by table, matchers and time range, so the same selector twice over the
 * same range (`m / m`) is read once too.
 *
 * ```
 * slot 0: select(m) ──▶ scan m (fields a, b, c) ──▶ cache ──▶ a's series
 * slot 1: select(m) ─────────────────────────────▶ cache ──▶ b's series
 * slot 2: select(m) ─────────────────────────────▶ cache ──▶ c's series
 * ```
 *
 * The series are shared, not copied: readers must not change them (the
 * evaluator does not). `release(slot)` lets go of a slot's series once that
 * slot is evaluated, so the reads shrink as the evaluation proceeds.
 *
 * @example
 * const reads = new TqlReads();
 * for (let slot = 0; slot < n; slot++) {
 *   await evaluate(new StorageSeriesSource(catalog, engine, db, stats, { fieldSlot: slot, reads }));
 *   reads.release(slot);
 * }
 */
export class TqlReads {
  private readonly entries = new Map<string, { readonly read: Promise<FieldRead>; rows?: FieldRead }>();
  private readonly released = new Set<number>();

  /** The read for `key`, started with `read` the first time it is asked for. */
  get(key: string, read: () => Promise<FieldRead>): Promise<FieldRead> {
    let e = this.entries.get(key);
    if (!e) {
      const entry: { read: Promise<FieldRead>; rows?: FieldRead } = { read: read().then((rows) => { entry.rows = rows; return rows; }) };
      this.entries.set(key, entry);
      e = entry;
    }
    return e.read;
  }

  /** Whether `release(slot)` was called: asking for that slot again is a Strata bug. */
  isReleased(slot: number): boolean { return this.released.has(slot); }

  /** Drops every read's series for field position `slot` (a slot asks for them no more once it is evaluated). */
  release(slot: number): void {
    this.released.add(slot);
    for (const e of this.entries.values()) for (const r of e.rows ?? []) r[slot] = undefined;
  }
}

/** A cache key for a matcher list; their order does not change what they select. */
function matchersKey(matchers: readonly LabelMatcher[]): string {
  return JSON.stringify(matchers.map((m) => [m.name, m.op, m.value]).sort());
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
 * tag columns, the values are its numeric field columns (`greptime_value`
 * for remote-written tables) or the fields chosen with `__field__`; when
 * several fields are selected each series carries a `__field__` label. Equality, literal-alternation (IN) and flag-free regex
 * matchers on tags (those that do not match the empty string) and the time
 * range are pushed into the scan; every matcher is applied again per
 * series, since engines may ignore predicates.
 */
export class StorageSeriesSource implements SeriesSource {
  /**
   * @param stats when given, every select adds what it read (TQL ANALYZE):
   *   the engine's scan counters plus series, samples and time spent.
   */
  constructor(private readonly catalog: Catalog, private readonly engine: StorageEngine, private readonly database: string,
    private readonly stats?: SelectStats, private readonly options: StorageSeriesSourceOptions = {}) {}

  /** The metric tables whose name passes the `__name__` matchers. */
  metricTables(matchers: readonly LabelMatcher[]): MetricTable[] {
    const nameMatchers = matchers.filter((m) => m.name === METRIC_NAME);
    const eq = nameMatchers.find((m) => m.op === '=');
    // `__schema__="db"` / `__database__="db"` read another database (GreptimeDB); a database that does not exist selects nothing.
    const dbs = new Set(matchers.filter((m) => SCHEMA_LABELS.has(m.name)).map((m) => {
      if (m.op !== '=') throw new InvalidArgumentsError(`PromQL: only ${m.name}="<database>" is supported, not ${m.name}${m.op}`);
      return m.value;
    }));
    if (dbs.size > 1) return [];
    const database = dbs.size ? [...dbs][0]! : this.database;
    let candidates: TableInfo[];
    try {
      candidates = eq ? [this.catalog.getTable(database, eq.value)].filter((t): t is TableInfo => !!t) : this.catalog.listTables(database);
    } catch (err) {
      if (dbs.size && err instanceof StrataError && err.code === 'DATABASE_NOT_FOUND') return [];
      throw err;
    }
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
    const t0 = this.stats ? performance.now() : 0;
    for (const mt of this.metricTables(matchers)) {
      const series = await this.selectTable(mt, matchers, minMs, maxMs, signal);
      for (const s of series) out.push(s);
    }
    // Prometheus's selects return series sorted by labels; order-sensitive
    // steps (topk/bottomk ties, instant vector order) then match it.
    if (out.length > 1) out.sort((a, b) => compareLabels(a.labels, b.labels));
    if (this.stats) { this.stats.selects++; this.stats.selectMs += performance.now() - t0; }
    return out;
  }

  private async selectTable(mt: MetricTable, matchers: readonly LabelMatcher[], minMs: number, maxMs: number, signal?: AbortSignal): Promise<RawSeries[]> {
    const slot = this.options.fieldSlot;
    if (slot !== undefined) {
      // TQL: one field per evaluation, picked by its place among the selected ones (GreptimeDB's columns side by side).
      const fields = selectTqlFields(mt.fields, matchers);
      if (slot >= fields.length) return [];
      const reads = this.options.reads;
      if (!reads) {
        const rows = await this.readFields(mt, [fields[slot]!], matchers, minMs, maxMs, false, signal);
        this.count(rows);
        return present(rows, 0);
      }
      if (reads.isReleased(slot)) throw new InternalError(`TQL: field slot ${slot} read again after it was released`);
      // Every slot reads the same fields, so one scan of all of them serves each slot.
      const key = `${mt.table.id}\u0000${matchersKey(matchers)}\u0000${minMs}\u0000${maxMs}`;
      let scanned = false;
      const rows = await reads.get(key, () => { scanned = true; return this.readFields(mt, fields, matchers, minMs, maxMs, false, signal); });
      if (scanned) this.count(rows);
      return present(rows, slot);
    }
    const fieldMatchers = matchers.filter((m) => m.name === FIELD_LABEL);
    // GreptimeDB: `__field__="x"` naming no field column of the table is an error (names are case-sensitive).
    for (const m of fieldMatchers) {
      if (m.op === '=' && !mt.fields.includes(m.value)) throw new InvalidArgumentsError(`Cannot find column ${m.value}`);
    }
    const fields = fieldMatchers.length ? mt.fields.filter((f) => fieldMatchers.every((m) => matches(m, f))) : [...mt.fields];
    const rows = await this.readFields(mt, fields, matchers, minMs, maxMs, fields.length > 1, signal);
    this.count(rows);
    const out: RawSeries[] = [];
    for (const r of rows) for (const s of r) if (s) out.push(s);
    return out;
  }

  /** Adds one table read to the stats (what was loaded, whichever slots use it). */
  private count(rows: FieldRead): void {
    if (!this.stats) return;
    this.stats.tablesScanned++;
    for (const r of rows) for (const s of r) if (s) { this.stats.series++; this.stats.samples += s.t.length; }
  }

  /**
   * Scans `fields` of one table: per series (in scan order), a series per
   * field, undefined where that field has no sample in the range. With
   * `fieldLabel`, each carries its field's name as `__field__` (the
   * Prometheus API's several series per row); TQL puts fields side by side
   * instead, so its series have none.
   */
  private async readFields(mt: MetricTable, fields: readonly string[], matchers: readonly LabelMatcher[], minMs: number, maxMs: number, fieldLabel: boolean, signal?: AbortSignal): Promise<FieldRead> {
    if (!fields.length) return [];
    const tagSet = new Set(mt.tags);
    const labelMatchers = matchers.filter((m) => m.name !== METRIC_NAME && m.name !== FIELD_LABEL && !SCHEMA_LABELS.has(m.name));
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
        // Engines test `regex` with a plain JS RegExp (no flags); push only
        // patterns that mean the same without PromQL's `s`/`i` flags.
        else if (!m.re!.flags.includes('i') && !m.re!.source.includes('.')) predicates.push({ column: m.name, op: 'regex', pattern: m.re!.source });
      }
    }
    const tagMatchers = labelMatchers.filter((m) => tagSet.has(m.name));
    const tags = mt.tags;
    const unitPerMs = UNIT_PER_MS[mt.timeUnit] ?? 1;
    // One builder per (series, field): chunks of typed arrays, one per run of
    // rows of that series in a batch (rows come in (primary key, ts) order).
    const builders = new Map<string, Builder[]>();
    const order: string[] = [];
    for (const regionId of mt.table.regionIds) {
      const scan = this.engine.scan(regionId, {
        projection: [...tags, mt.timeIndex, ...fields],
        timeRange: { start: toUnit(minMs, mt.timeUnit, false), end: toUnit(maxMs, mt.timeUnit, true) + 1n },
        ...(predicates.length ? { predicates } : {}),
        ...(signal ? { signal } : {}),
        ...(this.stats ? { metrics: this.stats.scan } : {}),
      });
      for await (const rb of scan as AsyncIterable<arrow.RecordBatch>) {
        if (signal?.aborted) throw signal.reason;
        const n = rb.numRows;
        const tsVec = rb.getChild(mt.timeIndex);
        if (!tsVec || n === 0) continue;
        const tagVecs = tags.map((name) => rb.getChild(name));
        // Rows come in (primary key, ts) order, so each series is one run of
        // rows: find where each run ends by galloping (O(log run) row
        // comparisons per series), not by comparing every row's tags.
        const same = rowEquality(tagVecs);
        const times = timestampsMs(tsVec, unitPerMs);
        const values = fields.map((name) => { const v = rb.getChild(name); return v ? numbersOf(v) : undefined; });
        for (let runStart = 0, i = 0; runStart < n; runStart = i) {
          i = runEnd(same, runStart, n);
          // rows [runStart, i) belong to one series
          const rec: Record<string, string> = {};
          tags.forEach((name, j) => { const x = tagVecs[j]?.get(runStart) as string | null | undefined; if (x) rec[name] = x; });
          if (tagMatchers.every((m) => matches(m, rec[m.name] ?? ''))) {
            const key = labelsKey(labelsFrom(rec));
            let b = builders.get(key);
            if (!b) {
              // Several fields of one row are several series (the Prometheus API: each carries its field name as __field__).
              b = fields.map((f) => ({
                labels: labelsFrom({ ...rec, [METRIC_NAME]: mt.table.name, ...(fieldLabel ? { [FIELD_LABEL]: f } : {}) }),
                t: [], v: [], stale: [], count: 0,
              }));
              builders.set(key, b);
              order.push(key);
            }
            for (let f = 0; f < fields.length; f++) {
              const col = values[f];
              if (!col) continue;
              appendRun(b[f]!, times, col, runStart, i);
            }
          }
        }
      }
    }
    const out: FieldRead = [];
    for (const key of order) {
      const row: Array<RawSeries | undefined> = [];
      out.push(row);
      for (const b of builders.get(key)!) {
        if (!b.count) { row.push(undefined); continue; }
        // The times are this select's own arrays (a view is fine); values may
        // be views of the engine's buffers, so they are always copied.
        const t = concat(b.t, b.count);
        const v = b.v.length === 1 ? b.v[0]!.slice() : concat(b.v, b.count);
        let stale: Uint8Array | undefined;
        if (b.stale.length) { stale = new Uint8Array(b.count); for (const i of b.stale) stale[i] = 1; }
        let sorted = true;
        for (let i = 1; i < t.length; i++) if (t[i]! < t[i - 1]!) { sorted = false; break; }
        if (!sorted) {
          // Regions are scanned one after another; a series normally lives in one region, but keep time order regardless.
          const idx = Array.from(t.keys()).sort((a, c) => t[a]! - t[c]!);
          row.push({ labels: b.labels, t: Float64Array.from(idx, (i) => t[i]!), v: Float64Array.from(idx, (i) => v[i]!), ...(stale ? { stale: Uint8Array.from(idx, (i) => stale![i]!) } : {}) });
        } else {
          row.push({ labels: b.labels, t, v, ...(stale ? { stale } : {}) });
        }
      }
    }
    return out;
  }
}

/** Field position `f` of each series that has samples of it. */
function present(rows: FieldRead, f: number): RawSeries[] {
  const out: RawSeries[] = [];
  for (const r of rows) { const s = r[f]; if (s) out.push(s); }
  return out;
}

interface Builder { labels: Labels; t: Float64Array[]; v: Float64Array[]; stale: number[]; count: number }

/** A numeric column of a batch: values, validity (undefined = all valid), stale-marker test. */
interface NumberColumn { values: Float64Array; valid?: Uint8Array; stale: (i: number) => boolean }

function appendRun(b: Builder, times: Float64Array, col: NumberColumn, from: number, to: number): void {
  if (!col.valid) {
    // Views: copied once when the series is assembled (concat).
    b.t.push(times.subarray(from, to));
    const vs = col.values.subarray(from, to);
    b.v.push(vs);
    for (let i = 0; i < vs.length; i++) if (vs[i] !== vs[i] && col.stale(from + i)) b.stale.push(b.count + i);
    b.count += to - from;
    return;
  }
  const t: number[] = []; const v: number[] = [];
  for (let i = from; i < to; i++) {
    if (!col.valid[i]) continue;
    const x = col.values[i]!;
    if (x !== x && col.stale(i)) b.stale.push(b.count + t.length);
    t.push(times[i]!); v.push(x);
  }
  b.t.push(Float64Array.from(t)); b.v.push(Float64Array.from(v));
  b.count += t.length;
}

function concat(parts: Float64Array[], n: number): Float64Array {
  if (parts.length === 1) return parts[0]!;
  const out = new Float64Array(n);
  let at = 0;
  for (const p of parts) { out.set(p, at); at += p.length; }
  return out;
}

/** Whether rows i and j of a batch have the same tag values. */
type RowEquality = (i: number, j: number) => boolean;

/**
 * A row comparator over the tag columns that reads dictionary indices or
 * UTF-8 bytes in place (no string decoded per comparison).
 */
function rowEquality(vecs: ReadonlyArray<arrow.Vector | null | undefined>): RowEquality {
  const cols: RowEquality[] = [];
  for (const vec of vecs) if (vec) cols.push(columnEquality(vec));
  if (cols.length === 0) return () => true;
  if (cols.length === 1) return cols[0]!;
  return (i, j) => {
    for (let c = 0; c < cols.length; c++) if (!cols[c]!(i, j)) return false;
    return true;
  };
}

function columnEquality(vec: arrow.Vector): RowEquality {
  if (vec.data.length === 1) {
    const d = vec.data[0]!;
    const off = d.offset;
    const nulls = d.nullCount > 0;
    const validOf = (i: number) => vec.isValid(i);
    if (d.dictionary && d.values instanceof Int32Array) {
      const idx = d.values;
      const dict = d.dictionary;
      return (i, j) => {
        if (nulls) { const a = validOf(i), b = validOf(j); if (!a || !b) return a === b; }
        const x = idx[off + i]!, y = idx[off + j]!;
        return x === y || dict.get(x) === dict.get(y);
      };
    }
    if (d.valueOffsets instanceof Int32Array && d.values instanceof Uint8Array) {
      const offs = d.valueOffsets;
      const bytes = d.values;
      return (i, j) => {
        if (nulls) { const a = validOf(i), b = validOf(j); if (!a || !b) return a === b; }
        const a0 = offs[off + i]!, a1 = offs[off + i + 1]!, b0 = offs[off + j]!;
        const len = a1 - a0;
        if (offs[off + j + 1]! - b0 !== len) return false;
        for (let k = 0; k < len; k++) if (bytes[a0 + k] !== bytes[b0 + k]) return false;
        return true;
      };
    }
  }
  return (i, j) => vec.get(i) === vec.get(j);
}

/**
 * The end (exclusive) of the run of rows equal to row `start`, in a batch
 * where equal rows are adjacent: doubling steps, then a binary search.
 */
function runEnd(same: RowEquality, start: number, n: number): number {
  let lo = start; // known equal
  let step = 1;
  let hi = start + 1; // candidate
  while (hi < n && same(start, hi)) { lo = hi; step *= 2; hi = start + step; }
  if (hi > n) hi = n;
  // lo is equal, hi is different (or n); find the first different in (lo, hi].
  while (hi - lo > 1) {
    const mid = (lo + hi) >>> 1;
    if (same(start, mid)) lo = mid; else hi = mid;
  }
  return lo + 1;
}

/** The time index column in ms, from the raw int64 words (no BigInt per row). */
function timestampsMs(vec: arrow.Vector, unitPerMs: number): Float64Array {
  const out = new Float64Array(vec.length);
  let base = 0;
  for (const d of vec.data) {
    const raw = d.values as unknown as BigInt64Array | Int32Array;
    if (raw instanceof BigInt64Array && unitPerMs <= 1) {
      // ms and s values fit a double exactly: read the two words, no BigInt per row.
      const words = new Int32Array(raw.buffer, raw.byteOffset, raw.length * 2);
      for (let i = 0; i < d.length; i++) {
        const j = 2 * (d.offset + i);
        const x = words[j + 1]! * 4294967296 + (words[j]! >>> 0);
        out[base + i] = unitPerMs === 1 ? x : x / unitPerMs;
      }
    } else if (raw instanceof BigInt64Array) {
      // us and ns values exceed 2^53: divide exactly in BigInt, flooring toward -inf.
      const div = BigInt(unitPerMs);
      for (let i = 0; i < d.length; i++) {
        const x = raw[d.offset + i]!;
        const q = x / div;
        out[base + i] = Number(x < 0n && q * div !== x ? q - 1n : q);
      }
    } else {
      for (let i = 0; i < d.length; i++) out[base + i] = Math.floor(Number(vec.get(base + i) as number) / unitPerMs);
    }
    base += d.length;
  }
  return out;
}

/** A numeric column as Float64 values with validity and a stale-marker test. */
function numbersOf(vec: arrow.Vector): NumberColumn {
  if (vec.data.length === 1 && vec.data[0]!.values instanceof Float64Array) {
    const d = vec.data[0]!;
    const values = (d.values as Float64Array).subarray(d.offset, d.offset + d.length);
    const words = new Uint32Array(values.buffer, values.byteOffset, values.length * 2);
    // Prometheus's stale marker is the signalling NaN 0x7ff0000000000002; a
    // trip through a JS number sets its quiet bit (0x7ff8000000000002), so
    // both count. Prometheus's ordinary NaN is 0x7ff8000000000001.
    const stale = (i: number) => words[2 * i] === 2 && (words[2 * i + 1] === 0x7ff00000 || words[2 * i + 1] === 0x7ff80000);
    if (d.nullCount === 0) return { values, stale };
    const valid = new Uint8Array(d.length);
    for (let i = 0; i < d.length; i++) valid[i] = vec.isValid(i) ? 1 : 0;
    return { values, valid, stale };
  }
  const values = new Float64Array(vec.length);
  const valid = new Uint8Array(vec.length);
  for (let i = 0; i < vec.length; i++) {
    const x = vec.get(i) as number | bigint | null;
    if (x !== null) { values[i] = Number(x); valid[i] = 1; }
  }
  return { values, valid, stale: () => false };
}
