import * as arrow from 'apache-arrow';
import { fixedData, recordBatchOf, utf8Data } from '../data/arrow-build.js';
import { toArrowType, type DataTypeName } from '../data/data-types.js';
import type { QueryOutput, ResultColumn } from '../interfaces/query.js';
import type { EvalValue } from './evaluator.js';
import { compareLabels, labelsKey, METRIC_NAME, type Labels } from './labels.js';
import type { RowOrder, TqlShape } from './tql-shape.js';

/**
 * One series of the answer with its values side by side: `vals[f][i]` is
 * field f at time `ts[i]`, present where `pres[f][i]` is 1.
 */
interface Entry {
  readonly labels: Labels;
  readonly label: ReadonlyMap<string, string>;
  readonly ts: Float64Array;
  readonly vals: Float64Array[];
  readonly pres: Uint8Array[];
}

/**
 * The TQL answer as rows in GreptimeDB's shape: `slots[f]` is the
 * evaluation of field f (a table with several fields is evaluated once per
 * field), zipped into one row per series and time with a value column per
 * field, columns in the shape's layout and rows in its order.
 */
export function tqlOutput(shape: TqlShape, slots: readonly EvalValue[], times: Float64Array): QueryOutput {
  const k = slots.length;
  const first = slots[0];
  if (first?.type === 'string') return stringOutput(shape, first.value, times);
  const entries = zip(slots, k, times);
  const order = shape.order;
  entries.sort(seriesComparator(shape.tags, order.k === 'series' ? order.nullsFirst : true));
  // Rows: (entry, index into its times); grouped by entry unless the order says otherwise.
  let n = 0;
  for (const e of entries) n += presentCount(e);
  const rowEntry = new Int32Array(n);
  const rowAt = new Int32Array(n);
  let r = 0;
  entries.forEach((e, ei) => {
    for (let i = 0; i < e.ts.length; i++) {
      if (!anyPresent(e, i)) continue;
      rowEntry[r] = ei; rowAt[r++] = i;
    }
  });
  if (order.k !== 'series') reorder(order, entries, rowEntry, rowAt);

  const keepName = shape.tags.includes(METRIC_NAME);
  const known = new Set(shape.tags);
  const rest = new Set<string>();
  // A label named like the time or a value column (label_replace can make one) is left out, not repeated.
  for (const f of shape.fields) known.add(f);
  known.add(shape.time);
  for (const e of entries) for (const [name] of e.labels) if (!known.has(name) && (keepName || name !== METRIC_NAME)) rest.add(name);
  const columns: ResultColumn[] = [];
  const children: arrow.Data[] = [];
  const tagColumn = (name: string) => {
    columns.push({ name, type: { name: 'String' } });
    children.push(utf8Column(entries.map((e) => e.label.get(name) ?? null), rowEntry));
  };
  for (const c of shape.layout) {
    if (c.k === 'time') {
      const ts = new BigInt64Array(n);
      for (let j = 0; j < n; j++) ts[j] = BigInt(Math.round(entries[rowEntry[j]!]!.ts[rowAt[j]!]!));
      columns.push({ name: shape.time, type: { name: 'TimestampMillisecond' } });
      children.push(fixedData(new arrow.TimestampMillisecond(), n, ts));
    } else if (c.k === 'tag') {
      if (c.name !== shape.time && !shape.fields.includes(c.name)) tagColumn(c.name); // (label_replace onto the time's name)
    } else if (c.k === 'rest') {
      for (const name of [...rest].sort()) tagColumn(name);
    } else {
      const type = shape.types[c.i] ?? 'Float64';
      columns.push({ name: shape.fields[c.i]!, type: { name: type } });
      children.push(valueColumn(type, n, (j) => {
        const e = entries[rowEntry[j]!]!;
        const i = rowAt[j]!;
        return e.pres[c.i]?.[i] ? e.vals[c.i]![i]! : undefined;
      }));
    }
  }
  return recordsOutput(columns, children, n);
}

function recordsOutput(columns: ResultColumn[], children: arrow.Data[], n: number): QueryOutput {
  const schema = new arrow.Schema(columns.map((c, i) => new arrow.Field(c.name, children[i]!.type, true)));
  const batch = recordBatchOf(schema, children, n);
  return { kind: 'records', columns, schema, batches: (async function* () { if (n > 0) yield batch; })() };
}

/** A string literal: the string at every step (`time`, `value`). */
function stringOutput(shape: TqlShape, value: string, times: Float64Array): QueryOutput {
  const n = times.length;
  const columns: ResultColumn[] = [];
  const children: arrow.Data[] = [];
  for (const c of shape.layout) {
    if (c.k === 'time') {
      columns.push({ name: shape.time, type: { name: 'TimestampMillisecond' } });
      children.push(fixedData(new arrow.TimestampMillisecond(), n, BigInt64Array.from(times, (t) => BigInt(Math.round(t)))));
    } else if (c.k === 'field') {
      columns.push({ name: shape.fields[c.i]!, type: { name: 'String' } });
      children.push(utf8Column([value], new Int32Array(n)));
    }
  }
  return recordsOutput(columns, children, n);
}

/** The slots' results as entries, one per label set, each slot's values in its own arrays. */
function zip(slots: readonly EvalValue[], k: number, times: Float64Array): Entry[] {
  const byKey = new Map<string, { labels: Labels; parts: Array<{ t: ArrayLike<number>; v: ArrayLike<number>; present?: Uint8Array } | undefined> }>();
  const add = (s: number, labels: Labels, t: ArrayLike<number>, v: ArrayLike<number>, present?: Uint8Array) => {
    const key = labelsKey(labels);
    let e = byKey.get(key);
    if (!e) { e = { labels, parts: new Array(k).fill(undefined) }; byKey.set(key, e); }
    e.parts[s] = { t, v, ...(present ? { present } : {}) };
  };
  slots.forEach((v, s) => {
    if (v.type === 'scalar') add(s, [], times, v.values);
    else if (v.type === 'vector') for (const x of v.series) add(s, x.labels, times, x.values, x.present);
    else if (v.type === 'matrix') for (const x of v.series) add(s, x.labels, x.t, x.v);
  });
  const out: Entry[] = [];
  for (const { labels, parts } of byKey.values()) {
    // One time axis: the steps (vectors, scalars), or the union of the slots' sample times (range vectors).
    let ts: Float64Array;
    const defined = parts.filter((p): p is NonNullable<typeof p> => p !== undefined);
    if (defined.every((p) => p.t === times)) ts = times;
    else if (defined.length === 1) ts = Float64Array.from(defined[0]!.t);
    else ts = Float64Array.from(new Set(defined.flatMap((p) => Array.from(p.t)))).sort();
    const vals: Float64Array[] = [];
    const pres: Uint8Array[] = [];
    for (const p of parts) {
      if (p && (p.t === ts || p.t.length === ts.length) && p.v instanceof Float64Array && p.present) {
        // The evaluator's own arrays, on the same time axis: no copy.
        vals.push(p.v); pres.push(p.present);
        continue;
      }
      const v = new Float64Array(ts.length);
      const pr = new Uint8Array(ts.length);
      if (p) {
        if (p.t === ts || p.t.length === ts.length) {
          v.set(p.v);
          if (p.present) pr.set(p.present); else pr.fill(1);
        } else {
          const at = new Map<number, number>();
          ts.forEach((t, i) => at.set(t, i));
          for (let i = 0; i < p.t.length; i++) { const j = at.get(p.t[i]!)!; v[j] = p.v[i]!; pr[j] = p.present ? p.present[i]! : 1; }
        }
      }
      vals.push(v); pres.push(pr);
    }
    out.push({ labels, label: new Map(labels), ts, vals, pres });
  }
  return out;
}

function anyPresent(e: Entry, i: number): boolean {
  for (const p of e.pres) if (p[i]) return true;
  return false;
}

function presentCount(e: Entry): number {
  let c = 0;
  for (let i = 0; i < e.ts.length; i++) if (anyPresent(e, i)) c++;
  return c;
}

/** Series by the tag columns in order (absent labels first or last), then by the whole label set. */
function seriesComparator(tags: readonly string[], nullsFirst: boolean): (a: Entry, b: Entry) => number {
  return (a, b) => {
    for (const t of tags) {
      const c = compareNullable(a.label.get(t), b.label.get(t), nullsFirst);
      if (c) return c;
    }
    return compareLabels(a.labels, b.labels);
  };
}

function compareNullable(x: string | undefined, y: string | undefined, nullsFirst: boolean): number {
  if (x === y) return 0;
  if (x === undefined) return nullsFirst ? -1 : 1;
  if (y === undefined) return nullsFirst ? 1 : -1;
  return x < y ? -1 : 1;
}

/** Values as DataFusion sorts floats: NaN above every number. */
function compareValues(x: number, y: number): number {
  if (Number.isNaN(x)) return Number.isNaN(y) ? 0 : 1;
  if (Number.isNaN(y)) return -1;
  return x < y ? -1 : x > y ? 1 : 0;
}

/** Reorders the rows (stably) for sort(), sort_by_label() and topk/bottomk. */
function reorder(order: Exclude<RowOrder, { k: 'series' }>, entries: readonly Entry[], rowEntry: Int32Array, rowAt: Int32Array): void {
  const n = rowEntry.length;
  const idx = Array.from({ length: n }, (_, j) => j);
  const value = (j: number): number | undefined => {
    const e = entries[rowEntry[j]!]!;
    return e.pres[0]?.[rowAt[j]!] ? e.vals[0]![rowAt[j]!]! : undefined;
  };
  const label = (j: number, name: string) => entries[rowEntry[j]!]!.label.get(name);
  let cmp: (a: number, b: number) => number;
  if (order.k === 'value') {
    // ORDER BY value ASC|DESC NULLS FIRST
    cmp = (a, b) => {
      const x = value(a); const y = value(b);
      if (x === undefined || y === undefined) return x === y ? 0 : x === undefined ? -1 : 1;
      return order.desc ? compareValues(y, x) : compareValues(x, y);
    };
  } else if (order.k === 'labels') {
    // ORDER BY <labels> ASC|DESC NULLS LAST
    cmp = (a, b) => {
      for (const l of order.labels) {
        const c = compareNullable(label(a, l), label(b, l), false);
        if (c) return order.desc && label(a, l) !== undefined && label(b, l) !== undefined ? -c : c;
      }
      return 0;
    };
  } else {
    // topk/bottomk: ORDER BY <group labels>, time, rank
    cmp = (a, b) => {
      for (const l of order.groups) { const c = compareNullable(label(a, l), label(b, l), false); if (c) return c; }
      const ta = entries[rowEntry[a]!]!.ts[rowAt[a]!]!; const tb = entries[rowEntry[b]!]!.ts[rowAt[b]!]!;
      if (ta !== tb) return ta - tb;
      const x = value(a) ?? NaN; const y = value(b) ?? NaN;
      return order.desc ? compareValues(y, x) : compareValues(x, y);
    };
  }
  idx.sort(cmp);
  const e2 = Int32Array.from(idx, (j) => rowEntry[j]!);
  const a2 = Int32Array.from(idx, (j) => rowAt[j]!);
  rowEntry.set(e2); rowAt.set(a2);
}

/** A Utf8 column whose row j is `values[rowEntry[j]]` (null = absent label); each value encoded once. */
function utf8Column(values: ReadonlyArray<string | null>, rowEntry: Int32Array): arrow.Data {
  const n = rowEntry.length;
  const enc = new TextEncoder();
  const encoded = values.map((v) => (v === null ? undefined : enc.encode(v)));
  let bytes = 0; let nulls = 0;
  for (let j = 0; j < n; j++) { const e = encoded[rowEntry[j]!]; if (e) bytes += e.length; else nulls++; }
  const offsets = new Int32Array(n + 1);
  const data = new Uint8Array(bytes);
  const validity = nulls ? new Uint8Array((n + 7) >> 3) : undefined;
  let pos = 0;
  for (let j = 0; j < n; j++) {
    const e = encoded[rowEntry[j]!];
    if (e) { data.set(e, pos); pos += e.length; if (validity) validity[j >> 3]! |= 1 << (j & 7); }
    offsets[j + 1] = pos;
  }
  return utf8Data(n, offsets, data, validity, nulls);
}

/** A value column of `type`; `at(j)` is row j's value, undefined for null (integers: NaN/Inf are null too). */
function valueColumn(type: DataTypeName, n: number, at: (j: number) => number | undefined): arrow.Data {
  const validity = new Uint8Array((n + 7) >> 3);
  let nulls = 0;
  const arrowType = toArrowType({ name: type });
  const integer = type !== 'Float64' && type !== 'Float32';
  const big = type === 'Int64' || type === 'UInt64';
  const values = big
    ? (type === 'Int64' ? new BigInt64Array(n) : new BigUint64Array(n))
    : new ((arrowType as unknown as { ArrayType: new (n: number) => Float64Array }).ArrayType)(n);
  for (let j = 0; j < n; j++) {
    const v = at(j);
    if (v === undefined || (integer && !Number.isFinite(v))) { nulls++; continue; }
    validity[j >> 3]! |= 1 << (j & 7);
    if (big) (values as BigInt64Array)[j] = BigInt(Math.trunc(v));
    else (values as Float64Array)[j] = integer ? Math.trunc(v) : v;
  }
  return fixedData(arrowType, n, values, nulls ? validity : undefined, nulls);
}
