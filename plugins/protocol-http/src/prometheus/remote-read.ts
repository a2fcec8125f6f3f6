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

/** Decodes a (decompressed) remote read `ReadRequest`. */
export function decodeReadRequest(buf: Buffer): ReadQuery[] {
  const queries: ReadQuery[] = [];
  const r = new ProtoReader(buf);
  while (!r.done) {
    const k = r.varint(); const f = Math.floor(k / 8); const w = k & 7;
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
  return queries;
}

/** A series of a remote read answer. */
export interface ReadSeries { readonly labels: Array<[string, string]>; readonly samples: Array<[number, number]> }

/** Encodes a `ReadResponse` of SAMPLES results (one QueryResult per query). */
export function encodeReadResponse(results: readonly ReadSeries[][]): Buffer {
  const top = new ProtoWriter();
  for (const result of results) {
    const qr = new ProtoWriter();
    for (const s of result) {
      const ts = new ProtoWriter();
      for (const [n, v] of s.labels) ts.bytes(1, new ProtoWriter().string(1, n).string(2, v).finish());
      for (const [t, v] of s.samples) ts.bytes(2, new ProtoWriter().double(1, v).int64(2, t).finish());
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
export async function readSeries(query: QueryService, session: Session, q: ReadQuery, timeoutMs: number, signal?: AbortSignal): Promise<ReadSeries[]> {
  const nameMatchers = q.matchers.filter((m) => m.name === '__name__');
  const eq = nameMatchers.find((m) => m.type === MatchType.EQ);
  let tables: string[];
  if (eq) {
    tables = [eq.value];
  } else {
    if (nameMatchers.length === 0) throw new PrometheusDecodeError('remote read: a query needs a __name__ matcher');
    const outs = await runSql(query, 'SHOW TABLES', session, timeoutMs, signal);
    tables = [];
    for (const o of outs) {
      if (o.kind !== 'records') continue;
      for (const b of o.batches) { const col = b.getChildAt(0); for (let i = 0; i < b.numRows; i++) { const v = col?.get(i); if (typeof v === 'string') tables.push(v); } }
    }
  }
  const checks = q.matchers.map((m) => ({ name: m.name, test: compileMatcher(m) }));
  const series = new Map<string, ReadSeries>();
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
        const tsData = b.getChildAt(tsIdx)!.data[0]!;
        const tsValues = tsData.values as BigInt64Array;
        const unit = arrow.DataType.isTimestamp(tsData.type) ? tsData.type.unit : arrow.TimeUnit.MILLISECOND;
        const toMs = unit === arrow.TimeUnit.SECOND ? (x: bigint) => Number(x) * 1000
          : unit === arrow.TimeUnit.MICROSECOND ? (x: bigint) => Number(x / 1000n)
            : unit === arrow.TimeUnit.NANOSECOND ? (x: bigint) => Number(x / 1_000_000n) : (x: bigint) => Number(x);
        const vals = b.getChildAt(valIdx)!;
        const labelCols = labelIdx.map((i) => b.getChildAt(i)!);
        for (let r = 0; r < b.numRows; r++) {
          if (!tsData.getValid(r)) continue;
          const t = toMs(BigInt(tsValues[r]!));
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
          if (!s) { s = { labels, samples: [] }; series.set(key, s); }
          const v = vals.get(r) as number | null;
          s.samples.push([t, v === null ? NaN : Number(v)]);
        }
      }
    }
  }
  const out = [...series.values()];
  for (const s of out) s.samples.sort((a, b) => a[0] - b[0]);
  return out;
}
