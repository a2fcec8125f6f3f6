import * as arrow from 'apache-arrow';
import {
  batchesToIpc, createSession, dataTypeDisplayName, DeadlineExceededError, InvalidArgumentsError, parseDurationMs,
  type QueryOutput, type QueryService, type QueryTimings, type ResultColumn, type Session,
} from '@strata/kernel';
import { csvCellEncoder, jsonCellEncoder, type CellEncoder } from './result-encoders.js';

/** A statement's output with its batches drained (the HTTP answer is built whole). */
export type CollectedOutput =
  | { readonly kind: 'affected'; readonly affectedRows: number }
  | { readonly kind: 'records'; readonly columns: readonly ResultColumn[]; readonly schema: arrow.Schema; readonly batches: arrow.RecordBatch[]; readonly rows: number };

/** Output formats of /v1/sql, by the `format` parameter (case-insensitive). */
export type SqlFormat = 'greptimedb_v1' | 'csv' | 'csvwithnames' | 'csvwithnamesandtypes' | 'arrow';

export function parseSqlFormat(f: string | undefined): SqlFormat {
  const v = (f ?? '').toLowerCase();
  if (v === '' || v === 'greptimedb_v1' || v === 'json_v1') return 'greptimedb_v1';
  if (v === 'csv' || v === 'csvwithnames' || v === 'csvwithnamesandtypes' || v === 'arrow') return v;
  throw new InvalidArgumentsError(`unsupported format '${f}' (supported: greptimedb_v1, csv, csvWithNames, csvWithNamesAndTypes, arrow)`);
}

/**
 * A database name from `db`, GreptimeDB style: `catalog-schema` selects a
 * schema of a catalog; the default catalog `greptime` is the only one, so
 * its prefix is dropped.
 */
export function databaseFromParam(db: string | undefined): string {
  if (!db) return 'public';
  return db.startsWith('greptime-') ? db.slice('greptime-'.length) : db;
}

/** The query timeout: X-Greptime-Timeout ('120s', '500ms', a number of ms) or the server default. */
export function timeoutFromHeader(header: string | undefined, defaultMs: number): number {
  if (header === undefined || header.trim() === '') return defaultMs;
  const ms = parseDurationMs(header.trim());
  if (ms === undefined) throw new InvalidArgumentsError(`invalid X-Greptime-Timeout '${header}' (expected a duration such as '30s' or '500ms')`);
  return ms;
}

/**
 * Runs `sql` (one or more `;`-separated statements) and drains every
 * output. The deadline aborts the query (DEADLINE_EXCEEDED, HTTP 504) and
 * `signal` cancels it when the client goes away.
 */
export async function runSql(query: QueryService, sql: string, session: Session, timeoutMs: number, signal?: AbortSignal, timings?: QueryTimings): Promise<CollectedOutput[]> {
  const ac = new AbortController();
  const onAbort = () => ac.abort(signal?.reason);
  signal?.addEventListener('abort', onAbort, { once: true });
  let timer: NodeJS.Timeout | undefined;
  const deadline = timeoutMs > 0 ? new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const err = new DeadlineExceededError(`query exceeded its timeout of ${timeoutMs} ms`);
      ac.abort(err);
      reject(err);
    }, timeoutMs);
  }) : undefined;
  deadline?.catch(() => undefined);
  const work = (async () => {
    const outputs: CollectedOutput[] = [];
    for await (const out of query.execute(sql, session, { signal: ac.signal, timeoutMs, ...(timings ? { timings } : {}) })) {
      outputs.push(await collect(out));
    }
    return outputs;
  })();
  try {
    return await (deadline ? Promise.race([work, deadline]) : work);
  } finally {
    if (timer) clearTimeout(timer);
    signal?.removeEventListener('abort', onAbort);
    work.catch(() => undefined);
  }
}

async function collect(out: QueryOutput): Promise<CollectedOutput> {
  if (out.kind === 'affected') return out;
  const batches: arrow.RecordBatch[] = [];
  let rows = 0;
  for await (const b of out.batches) { batches.push(b); rows += b.numRows; }
  return { kind: 'records', columns: out.columns, schema: out.schema, batches, rows };
}

/**
 * The Server-Timing header of a /v1/sql answer (W3C Server Timing; browsers'
 * developer tools show it): parse, plan, exec (running the plan and draining
 * its batches), encode (the response body) and total (from the request's
 * arrival), in milliseconds.
 */
export function serverTimingHeader(t: QueryTimings, runMs: number, encodeMs: number, totalMs: number): string {
  const f = (x: number) => Math.max(0, x).toFixed(3);
  return `parse;dur=${f(t.parseMs)}, plan;dur=${f(t.planMs)}, exec;dur=${f(runMs - t.parseMs - t.planMs)}, encode;dur=${f(encodeMs)}, total;dur=${f(totalMs)}`;
}

/** Creates the session of an HTTP request (channel 'http'). */
export function httpSession(database: string, timezone: string | undefined, user: string | undefined): Session {
  return createSession({ channel: 'http', database, timezone: timezone && timezone.trim() !== '' ? timezone.trim() : 'UTC', user });
}

function encodeRows(o: Extract<CollectedOutput, { kind: 'records' }>, make: (d: arrow.Data) => CellEncoder, open: string, sep: string, close: string, rowSep: string): string {
  // One string grown by concatenation (V8 ropes, flattened once when sent): no per-row arrays or joins.
  let out = '';
  let first = true;
  for (const batch of o.batches) {
    const encoders = batch.data.children.map((d) => make(d));
    const n = batch.numRows;
    const m = encoders.length;
    for (let i = 0; i < n; i++) {
      let row = first ? open : rowSep + open;
      first = false;
      for (let c = 0; c < m; c++) row += c === 0 ? encoders[c]!(i) : sep + encoders[c]!(i);
      out += row + close;
    }
  }
  return out;
}

/**
 * The GreptimeDB v1 JSON body:
 * `{"output":[{"records":{"schema":{"column_schemas":[...]},"rows":[[...]],"total_rows":N}} | {"affectedrows":N}],"execution_time_ms":N}`.
 * Built as text so that Int64/UInt64 and timestamps are exact raw numbers.
 */
export function encodeGreptimeV1(outputs: readonly CollectedOutput[], executionTimeMs: number): string {
  const parts = outputs.map((o) => {
    if (o.kind === 'affected') return `{"affectedrows":${o.affectedRows}}`;
    const schemas = o.columns.map((c) => `{"name":${JSON.stringify(c.name)},"data_type":${JSON.stringify(dataTypeDisplayName(c.type))}}`).join(',');
    return `{"records":{"schema":{"column_schemas":[${schemas}]},"rows":[${encodeRows(o, jsonCellEncoder, '[', ',', ']', ',')}],"total_rows":${o.rows}}}`;
  });
  return `{"output":[${parts.join(',')}],"execution_time_ms":${executionTimeMs}}`;
}

/** CSV of a single output (GreptimeDB: affected rows as `N`, records as RFC 4180 rows with CRLF). */
export function encodeCsv(outputs: readonly CollectedOutput[], withNames: boolean, withTypes: boolean): string {
  if (outputs.length > 1) throw new InvalidArgumentsError('cannot output multi-statements result in csv format');
  const o = outputs[0];
  if (!o) return '';
  if (o.kind === 'affected') return `${o.affectedRows}\n`;
  const head: string[] = [];
  const q = (s: string) => (/[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
  if (withNames || withTypes) head.push(o.columns.map((c) => q(c.name)).join(','));
  if (withTypes) head.push(o.columns.map((c) => q(dataTypeDisplayName(c.type))).join(','));
  const body = encodeRows(o, csvCellEncoder, '', ',', '', '\r\n');
  const lines = [...head, ...(body === '' ? [] : [body])];
  return lines.length === 0 ? '' : `${lines.join('\r\n')}\r\n`;
}

/**
 * Arrow IPC of a single output: the file format by default, as GreptimeDB
 * answers `format=arrow`, or the streaming format when the client asks for
 * `application/vnd.apache.arrow.stream`.
 */
export function encodeArrow(outputs: readonly CollectedOutput[], ipc: 'file' | 'stream' = 'file'): Uint8Array {
  if (outputs.length > 1) throw new InvalidArgumentsError('cannot output multi-statements result in arrow format');
  const o = outputs[0];
  if (!o || o.kind === 'affected') return new Uint8Array(0);
  return batchesToIpc(o.schema, o.batches, { format: ipc });
}
