import * as arrow from 'apache-arrow';
import { StrataError, type QueryService, type Session } from '@strata/kernel';
import { PrometheusDecodeError } from '../errors.js';
import { runSql } from '../sql/sql-handler.js';
import { ProtoReader, ProtoWriter } from './protobuf.js';
import { PROM_TIMESTAMP_COLUMN, PROM_VALUE_COLUMN } from './remote-write.js';

/** Label matcher types of the remote read protocol. */
export const enum MatchType { EQ = 0, NEQ = 1, RE = 2, NRE = 3 }

export interface LabelMatcher { readonly type: MatchType; readonly name: string; readonly value: string }
export interface ReadQuery { readonly startMs: number; readonly endMs: number; readonly matchers: readonly LabelMatcher[] }

/** `ReadRequest.ResponseType`. */
export enum ResponseType { SAMPLES = 0, STREAMED_XOR_CHUNKS = 1 }

export interface ReadRequest {
  readonly queries: ReadQuery[];
  /** What the client accepts, in its order of preference (empty = SAMPLES only). */
  readonly acceptedResponseTypes: number[];
}

/** Decodes a (decompressed) remote read `ReadRequest`'s queries. */
export function decodeReadRequest(buf: Buffer): ReadQuery[] {
  return decodeReadRequestMessage(buf).queries;
}

/**
 * The response type to answer with: the first the client accepts that
 * Strata serves, as Prometheus's server negotiates; SAMPLES when the client
 * names none.
 */
export function negotiateResponseType(accepted: readonly number[]): ResponseType {
  for (const t of accepted) if (t === ResponseType.SAMPLES || t === ResponseType.STREAMED_XOR_CHUNKS) return t;
  return ResponseType.SAMPLES;
}

/** Decodes a (decompressed) remote read `ReadRequest`: queries and accepted response types. */
export function decodeReadRequestMessage(buf: Buffer): ReadRequest {
  const queries: ReadQuery[] = [];
  const acceptedResponseTypes: number[] = [];
  const r = new ProtoReader(buf);
  while (!r.done) {
    const k = r.varint(); const f = Math.floor(k / 8); const w = k & 7;
    if (f === 2 && w === 0) { acceptedResponseTypes.push(r.varint()); continue; }
    if (f === 2 && w === 2) {
      // Packed repeated enum.
      const [ps, pe] = r.bytes();
      const p = new ProtoReader(buf, ps, pe);
      while (!p.done) acceptedResponseTypes.push(p.varint());
      continue;
    }
    if (f !== 1 || w !== 2) { r.skip(w); continue; }
    const [qs, qe] = r.bytes();
    const q = new ProtoReader(buf, qs, qe);
    let startMs = 0; let endMs = 0; const matchers: LabelMatcher[] = [];
    while (!q.done) {
      const qk = q.varint(); const qf = Math.floor(qk / 8); const qw = qk & 7;
      if (qf === 1 && qw === 0) startMs = q.varint();
      else if (qf === 2 && qw === 0) endMs = q.varint();
      else if (qf === 3 && qw === 2) {
        const [ms, me] = q.bytes();
        const m = new ProtoReader(buf, ms, me);
        let type = 0; let name = ''; let value = '';
        while (!m.done) {
          const mk = m.varint(); const mf = Math.floor(mk / 8); const mw = mk & 7;
          if (mf === 1 && mw === 0) type = m.varint();
          else if (mf === 2 && mw === 2) { const [s, e] = m.bytes(); name = buf.toString('utf8', s, e); }
          else if (mf === 3 && mw === 2) { const [s, e] = m.bytes(); value = buf.toString('utf8', s, e); }
          else m.skip(mw);
        }
        if (type < 0 || type > 3) throw new PrometheusDecodeError(`remote read: unknown matcher type ${type}`);
        matchers.push({ type: type as MatchType, name, value });
      } else q.skip(qw);
    }
    queries.push({ startMs, endMs, matchers });
  }
  return { queries, acceptedResponseTypes };
}

/**
 * A series of a remote read answer: labels sorted by name, samples in time
 * order. Values stay in a Float64Array and are copied as raw bits (never
 * through JS arrays, which canonicalize NaNs), so Prometheus's stale
 * markers come back as they were written.
 */
export interface ReadSeries {
  readonly labels: Array<[string, string]>;
  readonly timestamps: Float64Array;
  readonly values: Float64Array;
  readonly length: number;
}

/** A ReadSeries from plain samples (`[ms, value]` pairs, any order), for callers and tests. */
export function readSeriesOf(labels: Array<[string, string]>, samples: ReadonlyArray<readonly [number, number]>): ReadSeries {
  const order = samples.map((_, i) => i).sort((a, b) => samples[a]![0] - samples[b]![0]);
  const timestamps = new Float64Array(order.length); const values = new Float64Array(order.length);
  order.forEach((o, i) => { timestamps[i] = samples[o]![0]; values[i] = samples[o]![1]; });
  return { labels, timestamps, values, length: order.length };
}

/** Encodes a `ReadResponse` of SAMPLES results (one QueryResult per query). */
export function encodeReadResponse(results: readonly ReadSeries[][]): Buffer {
  const top = new ProtoWriter();
  for (const result of results) {
    const qr = new ProtoWriter();
    for (const s of result) {
      const ts = new ProtoWriter();
      for (const [n, v] of s.labels) ts.bytes(1, new ProtoWriter(64).string(1, n).string(2, v).finish());
      const valueBytes = new Uint8Array(s.values.buffer, s.values.byteOffset, s.length * 8);
      // Sample { double value = 1; int64 timestamp = 2; }
      for (let i = 0; i < s.length; i++) ts.bytes(2, new ProtoWriter(24).doubleBytes(1, valueBytes, 8 * i).int64(2, s.timestamps[i]!).finish());
      qr.bytes(1, ts.finish());
    }
    top.bytes(1, qr.finish());
  }
  return top.finish();
}

function compileMatcher(m: LabelMatcher): (v: string) => boolean {
  switch (m.type) {
    case MatchType.EQ: return (v) => v === m.value;
    case MatchType.NEQ: return (v) => v !== m.value;
    case MatchType.RE: case MatchType.NRE: {
      let re: RegExp;
      try { re = new RegExp(`^(?:${m.value})$`, 'su'); } catch (err) {
        throw new PrometheusDecodeError(`remote read: invalid regular expression for label '${m.name}': ${(err as Error).message}`);
      }
      return m.type === MatchType.RE ? (v) => re.test(v) : (v) => !re.test(v);
    }
  }
}

const MAX_DATE_MS = 8.64e15;

/**
 * A UTC timestamp literal for the range bounds: unambiguous whatever the
 * session time zone, and clamped to what a Date can hold (Prometheus sends
 * extreme bounds for open ranges).
 */
function isoLiteral(ms: number): string {
  const clamped = Math.min(MAX_DATE_MS, Math.max(-MAX_DATE_MS, Math.trunc(ms)));
  return `'${new Date(clamped).toISOString()}'`;
}

function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

function isNotFound(err: unknown): boolean {
  return err instanceof StrataError && (err.code === 'TABLE_NOT_FOUND' || err.code === 'DATABASE_NOT_FOUND');
}

/**
 * Answers one remote read query through SQL: the metric's table (from an
 * `__name__` equality matcher, or every table whose name matches) is read
 * over the time range, then every matcher is applied to each row's labels
 * (String columns), so regex matchers need nothing from the SQL engine.
 */
/** Refuses a query Strata cannot answer (no `__name__` matcher, a bad regex) before anything runs. */
export function checkReadQuery(q: ReadQuery): void {
  if (!q.matchers.some((m) => m.name === '__name__')) throw new PrometheusDecodeError('remote read: a query needs a __name__ matcher');
  for (const m of q.matchers) compileMatcher(m);
}

export async function readSeries(query: QueryService, session: Session, q: ReadQuery, timeoutMs: number, signal?: AbortSignal): Promise<ReadSeries[]> {
  checkReadQuery(q);
  const nameMatchers = q.matchers.filter((m) => m.name === '__name__');
  const eq = nameMatchers.find((m) => m.type === MatchType.EQ);
  let tables: string[];
  if (eq) {
    tables = [eq.value];
  } else {
    const outs = await runSql(query, 'SHOW TABLES', session, timeoutMs, signal);
    tables = [];
    for (const o of outs) {
      if (o.kind !== 'records') continue;
      for (const b of o.batches) { const col = b.getChildAt(0); for (let i = 0; i < b.numRows; i++) { const v = col?.get(i); if (typeof v === 'string') tables.push(v); } }
    }
  }
  const checks = q.matchers.map((m) => ({ name: m.name, test: compileMatcher(m) }));
  const series = new Map<string, SeriesBuilder>();
  for (const table of tables) {
    if (!checks.filter((c) => c.name === '__name__').every((c) => c.test(table))) continue;
    const sql = `SELECT * FROM ${quoteIdent(table)} WHERE ${quoteIdent(PROM_TIMESTAMP_COLUMN)} >= ${isoLiteral(q.startMs)} AND ${quoteIdent(PROM_TIMESTAMP_COLUMN)} <= ${isoLiteral(q.endMs)}`;
    let outs;
    try {
      outs = await runSql(query, sql, session, timeoutMs, signal);
    } catch (err) {
      if (isNotFound(err)) continue;
      throw err;
    }
    for (const o of outs) {
      if (o.kind !== 'records') continue;
      const names = o.schema.fields.map((f) => f.name);
      const tsIdx = names.indexOf(PROM_TIMESTAMP_COLUMN);
      const valIdx = names.indexOf(PROM_VALUE_COLUMN);
      if (tsIdx < 0 || valIdx < 0) continue;
      const labelIdx = o.schema.fields.map((f, i) => (arrow.DataType.isUtf8(f.type) || arrow.DataType.isDictionary(f.type) ? i : -1)).filter((i) => i >= 0);
      for (const b of o.batches) {
        const tsCol = b.getChildAt(tsIdx)!;
        const valCol = b.getChildAt(valIdx)!;
        const labelCols = labelIdx.map((i) => b.getChildAt(i)!);
        // Walk the chunks of the batch's columns together (a batch's columns may be chunked differently).
        for (let r = 0; r < b.numRows; r++) {
          const tsLoc = locate(tsCol, r);
          const tsData = tsLoc.data;
          if (!tsData.getValid(tsLoc.index)) continue;
          const unit = arrow.DataType.isTimestamp(tsData.type) ? tsData.type.unit : arrow.TimeUnit.MILLISECOND;
          const t = toMs((tsData.values as BigInt64Array)[tsLoc.index]!, unit);
          if (t < q.startMs || t > q.endMs) continue;
          const labels: Array<[string, string]> = [['__name__', table]];
          for (let c = 0; c < labelCols.length; c++) {
            const v = labelCols[c]!.get(r) as string | null;
            if (v !== null && v !== undefined && v !== '') labels.push([names[labelIdx[c]!]!, v]);
          }
          const get = (n: string) => labels.find((l) => l[0] === n)?.[1] ?? '';
          if (!checks.every((c) => c.test(get(c.name)))) continue;
          labels.sort((x, y) => (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0));
          const key = labels.map((l) => `${l[0]}\u0000${l[1]}`).join('\u0001');
          let s = series.get(key);
          if (!s) { s = new SeriesBuilder(labels); series.set(key, s); }
          const vLoc = locate(valCol, r);
          s.push(t, vLoc.data, vLoc.index);
        }
      }
    }
  }
  const out = [...series.values()].map((s) => s.finish());
  // Series in label order, as Prometheus's own remote read answers (its chunked readers merge in this order).
  out.sort((a, b) => compareLabels(a.labels, b.labels));
  return out;
}

function toMs(x: bigint, unit: arrow.TimeUnit): number {
  switch (unit) {
    case arrow.TimeUnit.SECOND: return Number(x) * 1000;
    case arrow.TimeUnit.MICROSECOND: return Number(x / 1000n);
    case arrow.TimeUnit.NANOSECOND: return Number(x / 1_000_000n);
    default: return Number(x);
  }
}

/** The Data chunk of a vector holding row `r`, and the row's index in it. */
function locate(v: arrow.Vector, r: number): { data: arrow.Data; index: number } {
  if (v.data.length === 1) return { data: v.data[0]!, index: r };
  let at = r;
  for (const d of v.data) { if (at < d.length) return { data: d, index: at }; at -= d.length; }
  throw new RangeError(`row ${r} beyond vector of ${v.length}`);
}

/** Compares label sets (each sorted by name) as Prometheus's labels.Compare. */
export function compareLabels(a: ReadonlyArray<readonly [string, string]>, b: ReadonlyArray<readonly [string, string]>): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const [an, av] = a[i]!; const [bn, bv] = b[i]!;
    if (an !== bn) return an < bn ? -1 : 1;
    if (av !== bv) return av < bv ? -1 : 1;
  }
  return a.length - b.length;
}

/** One series' samples as they are read: ms timestamps and raw value words. */
class SeriesBuilder {
  private ts = new Float64Array(16);
  private vals = new Float64Array(16);
  private words = new Uint32Array(this.vals.buffer);
  private n = 0;
  private sorted = true;

  constructor(readonly labels: Array<[string, string]>) {}

  /** Appends a sample whose value is row `index` of the Float64 `data` (copied as bits; NULL -> NaN). */
  push(t: number, data: arrow.Data, index: number): void {
    if (this.n === this.ts.length) {
      const ts = new Float64Array(this.n * 2); ts.set(this.ts); this.ts = ts;
      const vals = new Float64Array(this.n * 2); vals.set(this.vals); this.vals = vals; this.words = new Uint32Array(vals.buffer);
    }
    const i = this.n++;
    if (i > 0 && t <= this.ts[i - 1]!) this.sorted = false;
    this.ts[i] = t;
    const src = data.values as ArrayLike<number> & { buffer: ArrayBufferLike; byteOffset: number };
    if (!data.getValid(index)) { this.vals[i] = NaN; return; }
    if (src instanceof Float64Array) {
      const w = new Uint32Array(src.buffer, src.byteOffset + 8 * index, 2);
      this.words[2 * i] = w[0]!; this.words[2 * i + 1] = w[1]!;
    } else {
      this.vals[i] = Number(src[index]);
    }
  }

  /** Time-ordered, one sample per timestamp (the last read wins). */
  finish(): ReadSeries {
    let { ts, vals } = this;
    let n = this.n;
    if (!this.sorted) {
      const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => ts[a]! - ts[b]! || a - b);
      const ts2 = new Float64Array(n); const vals2 = new Float64Array(n);
      const w = new Uint32Array(vals.buffer); const w2 = new Uint32Array(vals2.buffer);
      let m = 0;
      for (const o of order) {
        const k = m > 0 && ts2[m - 1] === ts[o] ? m - 1 : m++;
        ts2[k] = ts[o]!; w2[2 * k] = w[2 * o]!; w2[2 * k + 1] = w[2 * o + 1]!;
      }
      ts = ts2; vals = vals2; n = m;
    }
    return { labels: this.labels, timestamps: ts.subarray(0, n), values: vals.subarray(0, n), length: n };
  }
}
