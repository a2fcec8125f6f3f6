import { CancelledError, DeadlineExceededError, InvalidArgumentsError, StrataError, SyntaxError } from '../errors/errors.js';
import type { Catalog } from '../interfaces/catalog.js';
import type { StorageEngine } from '../interfaces/engine.js';
import type { PromqlApiResponse, PromqlService, TqlRequest } from '../interfaces/promql.js';
import type { QueryOutput } from '../interfaces/query.js';
import { KERNEL_VERSION } from '../version.js';
import type { LabelMatcher } from './ast.js';
import { typeOf } from './check-promql.js';
import { Evaluator, formatSampleValue, type EvalValue, type WindowStart } from './evaluator.js';
import { parseDurationText } from './grammar-support.js';
import { labelsToObject, labelValue, METRIC_NAME } from './labels.js';
import { parsePromql } from './parse-promql.js';
import { matrixDataJson, rangeDataJson, scalarRangeDataJson, successJson, vectorDataJson } from './json-encode.js';
import { FIELD_LABEL, matches, StorageSeriesSource, TqlReads, type SelectStats } from './series-source.js';
import { tqlOutput } from './tql-output.js';
import { tqlShape } from './tql-shape.js';

type Params = Readonly<Record<string, string | readonly string[] | undefined>>;

/** An API error with Prometheus's errorType. */
class ApiError extends Error {
  constructor(readonly errorType: 'bad_data' | 'execution' | 'timeout' | 'canceled' | 'internal' | 'not_found', message: string) { super(message); }
}

const STATUS_OF: Record<ApiError['errorType'], number> = { bad_data: 400, execution: 422, timeout: 503, canceled: 499, internal: 500, not_found: 404 };

function one(p: Params, name: string): string | undefined {
  const v = p[name];
  if (Array.isArray(v)) return v[v.length - 1];
  return v as string | undefined;
}
function many(p: Params, name: string): string[] {
  const v = p[name];
  if (v === undefined) return [];
  return Array.isArray(v) ? [...v] : [v as string];
}

/** Prometheus's parseTime: unix seconds (float) or RFC 3339. Returns ms. */
export function parseApiTime(text: string, name: string): number {
  if (/^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
  const ms = Date.parse(text);
  if (Number.isNaN(ms)) throw new ApiError('bad_data', `invalid parameter "${name}": cannot parse "${text}" to a valid timestamp`);
  return ms;
}

/** Prometheus's parseDuration: seconds (float) or a duration like 1m30s. Returns ms. */
export function parseApiDuration(text: string, name: string): number {
  if (/^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
  if (/^(\d+(ms|[smhdwy]))+$/.test(text)) return parseDurationText(text);
  throw new ApiError('bad_data', `invalid parameter "${name}": cannot parse "${text}" to a valid duration`);
}

const sec = (ms: number): number => ms / 1000;

/** A query answer's `data` already encoded as JSON (query and query_range). */
class EncodedData {
  constructor(readonly json: string) {}
}

/**
 * The PROMQL service: parses and evaluates PromQL over the catalog's tables
 * and answers the Prometheus HTTP API with Prometheus's JSON envelope.
 */
export class DefaultPromqlService implements PromqlService {
  constructor(private readonly catalog: Catalog, private readonly engine: StorageEngine, private readonly options: { lookbackMs?: number; subqueryStepMs?: number; maxSamples?: number; windowStart?: WindowStart } = {}) {}

  /** How far an instant selector looks back when a request does not say (lookbackDelta; 5 m by default). */
  get defaultLookbackMs(): number { return this.options.lookbackMs ?? 300_000; }

  async handleApi(endpoint: string, params: Params, options: { database: string; signal?: AbortSignal }): Promise<PromqlApiResponse> {
    try {
      const data = await this.dispatch(endpoint.replace(/^\/+|\/+$/g, ''), params, options.database, options.signal);
      if (data instanceof EncodedData) {
        const json = successJson(data.json);
        // Protocols send `json` as it is; `body` is there for callers that want the object.
        return { status: 200, json, get body(): unknown { return JSON.parse(json); } };
      }
      return { status: 200, body: { status: 'success', data } };
    } catch (err) {
      const e = toApiError(err);
      return { status: STATUS_OF[e.errorType], body: { status: 'error', errorType: e.errorType, error: e.message } };
    }
  }

  private async dispatch(endpoint: string, p: Params, database: string, signal?: AbortSignal): Promise<unknown> {
    const source = new StorageSeriesSource(this.catalog, this.engine, database);
    switch (endpoint) {
      case 'query': return this.instantQuery(p, source, signal);
      case 'query_range': return this.rangeQuery(p, source, signal);
      case 'labels': return this.labels(p, source, signal);
      case 'series': return this.series(p, source, signal);
      case 'metadata': return this.metadata(database);
      // Grafana asks for exemplars next to range queries; Strata stores none.
      case 'query_exemplars': return [];
      case 'status/buildinfo':
        return { version: KERNEL_VERSION, revision: '', branch: '', buildUser: 'strata', buildDate: '', goVersion: 'node' + process.versions.node };
      default: {
        const m = /^label\/([^/]+)\/values$/.exec(endpoint);
        if (m) return this.labelValues(decodeURIComponent(m[1]!), p, source, signal);
        throw new ApiError('not_found', `unknown API endpoint ${endpoint}`);
      }
    }
  }

  private limits(): { subqueryStepMs?: number; maxSamples?: number; windowStart?: WindowStart } {
    return {
      ...(this.options.windowStart !== undefined ? { windowStart: this.options.windowStart } : {}),
      ...(this.options.subqueryStepMs !== undefined ? { subqueryStepMs: this.options.subqueryStepMs } : {}),
      ...(this.options.maxSamples !== undefined ? { maxSamples: this.options.maxSamples } : {}),
    };
  }

  private lookback(p: Params): number {
    const lb = one(p, 'lookback_delta');
    return lb ? parseApiDuration(lb, 'lookback_delta') : this.options.lookbackMs ?? 300_000;
  }

  private withTimeout(p: Params, signal: AbortSignal | undefined): { signal: AbortSignal | undefined; done: () => void } {
    const t = one(p, 'timeout');
    if (!t) return { signal, done: () => {} };
    const ms = parseApiDuration(t, 'timeout');
    const ac = new AbortController();
    const timer = setTimeout(() => ac.abort(new DeadlineExceededError(`query timed out in expression evaluation`)), ms);
    const onAbort = () => ac.abort(signal?.reason);
    signal?.addEventListener('abort', onAbort, { once: true });
    return { signal: ac.signal, done: () => { clearTimeout(timer); signal?.removeEventListener('abort', onAbort); } };
  }

  private async instantQuery(p: Params, source: StorageSeriesSource, signal?: AbortSignal): Promise<unknown> {
    const q = one(p, 'query');
    if (!q) throw new ApiError('bad_data', 'invalid parameter "query": query must not be empty');
    const tText = one(p, 'time');
    const t = tText ? parseApiTime(tText, 'time') : Date.now();
    const expr = parse(q);
    const to = this.withTimeout(p, signal);
    try {
      const ev = new Evaluator(source, { startMs: t, endMs: t, stepMs: 0, lookbackMs: this.lookback(p), ...this.limits(), ...(to.signal ? { signal: to.signal } : {}) });
      const v = await ev.evaluate(expr);
      if (v.type === 'vector') return new EncodedData(vectorDataJson(v.series, t));
      if (v.type === 'matrix') return new EncodedData(matrixDataJson(v.series));
      return formatInstant(v, t);
    } finally { to.done(); }
  }

  private async rangeQuery(p: Params, source: StorageSeriesSource, signal?: AbortSignal): Promise<unknown> {
    const q = one(p, 'query');
    const s = one(p, 'start'); const e = one(p, 'end'); const st = one(p, 'step');
    if (!s) throw new ApiError('bad_data', 'invalid parameter "start": cannot parse "" to a valid timestamp');
    if (!e) throw new ApiError('bad_data', 'invalid parameter "end": cannot parse "" to a valid timestamp');
    const start = parseApiTime(s, 'start'); const end = parseApiTime(e, 'end');
    if (end < start) throw new ApiError('bad_data', 'invalid parameter "end": end timestamp must not be before start time');
    if (!st) throw new ApiError('bad_data', 'invalid parameter "step": cannot parse "" to a valid duration');
    const step = parseApiDuration(st, 'step');
    if (step <= 0) throw new ApiError('bad_data', 'invalid parameter "step": zero or negative query resolution step widths are not accepted. Try a positive integer');
    if ((end - start) / step > 11_000) throw new ApiError('bad_data', 'exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query resolution (?step=XX)');
    if (!q) throw new ApiError('bad_data', 'invalid parameter "query": query must not be empty');
    const expr = parse(q);
    const type = typeOf(expr);
    if (type !== 'scalar' && type !== 'vector') {
      throw new ApiError('bad_data', `invalid parameter "query": invalid expression type "${type === 'matrix' ? 'range vector' : type}" for range query, must be Scalar or instant Vector`);
    }
    const to = this.withTimeout(p, signal);
    try {
      const ev = new Evaluator(source, { startMs: start, endMs: end, stepMs: step, lookbackMs: this.lookback(p), ...this.limits(), ...(to.signal ? { signal: to.signal } : {}) });
      const v = await ev.evaluate(expr);
      if (v.type === 'scalar') return new EncodedData(scalarRangeDataJson(v.values, ev.times));
      if (v.type === 'vector') return new EncodedData(rangeDataJson(v.series, ev.times));
      return { resultType: 'matrix', result: [] };
    } finally { to.done(); }
  }

  private parseMatches(p: Params): LabelMatcher[][] {
    return many(p, 'match[]').map((m) => {
      const e = parse(m);
      if (e.kind !== 'VectorSelector') throw new ApiError('bad_data', `invalid parameter "match[]": ${m} is not a series selector`);
      return [...e.matchers];
    });
  }

  private timeRange(p: Params): [number, number] {
    const s = one(p, 'start'); const e = one(p, 'end');
    // Prometheus defaults to all time; an hour-less default would scan everything, so use a wide but bounded window.
    const start = s ? parseApiTime(s, 'start') : -8_640_000_000_000_000 / 1000;
    const end = e ? parseApiTime(e, 'end') : 8_640_000_000_000_000 / 1000;
    return [start, end];
  }

  private async series(p: Params, source: StorageSeriesSource, signal?: AbortSignal): Promise<unknown> {
    const sets = this.parseMatches(p);
    if (!sets.length) throw new ApiError('bad_data', 'no match[] parameter provided');
    const [start, end] = this.timeRange(p);
    const seen = new Map<string, Record<string, string>>();
    for (const ms of sets) {
      for (const s of await source.select(ms, start, end, signal)) {
        const o = labelsToObject(s.labels);
        seen.set(JSON.stringify(o), o);
      }
    }
    return [...seen.values()];
  }

  private async labels(p: Params, source: StorageSeriesSource, signal?: AbortSignal): Promise<unknown> {
    const sets = this.parseMatches(p);
    const names = new Set<string>();
    if (!sets.length) {
      const tables = source.metricTables([]);
      if (tables.length) names.add(METRIC_NAME);
      for (const t of tables) {
        for (const tag of t.tags) names.add(tag);
        // GreptimeDB: a table with several field columns is queried per field, picked with __field__.
        if (t.fields.length > 1) names.add(FIELD_LABEL);
      }
    } else {
      const [start, end] = this.timeRange(p);
      for (const ms of sets) for (const s of await source.select(ms, start, end, signal)) for (const [n] of s.labels) names.add(n);
    }
    return [...names].sort();
  }

  private async labelValues(name: string, p: Params, source: StorageSeriesSource, signal?: AbortSignal): Promise<unknown> {
    if (!/^[a-zA-Z_][a-zA-Z0-9_]*$/.test(name)) throw new ApiError('bad_data', `invalid label name: "${name}"`);
    const sets = this.parseMatches(p);
    const values = new Set<string>();
    if (name === FIELD_LABEL) {
      // GreptimeDB answers __field__ from the schemas: the field columns of the
      // tables the match[] selectors pick (every table without match[]).
      for (const ms of sets.length ? sets : [[]]) {
        const fieldMatchers = ms.filter((m) => m.name === FIELD_LABEL);
        for (const t of source.metricTables(ms)) for (const f of t.fields) if (fieldMatchers.every((m) => matches(m, f))) values.add(f);
      }
    } else if (name === METRIC_NAME && !sets.length) {
      for (const t of source.metricTables([])) values.add(t.table.name);
    } else {
      const [start, end] = this.timeRange(p);
      const selections = sets.length ? sets : source.metricTables([]).filter((t) => t.tags.includes(name))
        .map((t) => [{ name: METRIC_NAME, op: '=' as const, value: t.table.name }]);
      for (const ms of selections) {
        for (const s of await source.select(ms, start, end, signal)) {
          const v = labelValue(s.labels, name);
          if (v !== '') values.add(v);
        }
      }
    }
    return [...values].sort();
  }

  private metadata(database: string): unknown {
    const out: Record<string, Array<{ type: string; help: string; unit: string }>> = {};
    for (const t of this.catalog.listTables(database)) out[t.name] = [{ type: 'unknown', help: t.comment ?? '', unit: '' }];
    return out;
  }

  /**
   * Evaluates a TQL statement into GreptimeDB's shape (see tql-shape.ts):
   * columns named and ordered as GreptimeDB's planner names them, a value
   * column per field of a multi-field table (the expression is evaluated once
   * per field position, over one read of each table per distinct selector
   * and time range), rows in GreptimeDB's order. `r.expr`, when given, is
   * `r.query` already parsed. `stats`, when given, collects what the selects
   * read (TQL ANALYZE).
   */
  async evaluateTql(r: TqlRequest, stats?: SelectStats): Promise<QueryOutput> {
    const expr = r.expr ?? parsePromql(r.query);
    // As a range query: a range vector has no value per step (GreptimeDB, Prometheus).
    if (r.startMs !== r.endMs && typeOf(expr) === 'matrix') {
      throw new InvalidArgumentsError('invalid expression type "range vector" for range query, must be Scalar or instant Vector');
    }
    const shape = tqlShape(expr, new StorageSeriesSource(this.catalog, this.engine, r.database), r.valueColumn);
    const slots: EvalValue[] = [];
    let times: Float64Array = new Float64Array(0);
    // The slots share their reads: each table is scanned once per distinct selector, for all its fields.
    const reads = new TqlReads();
    for (let slot = 0; slot < Math.max(shape.fields.length, 1); slot++) {
      const source = new StorageSeriesSource(this.catalog, this.engine, r.database, stats, { fieldSlot: slot, reads });
      const ev = new Evaluator(source, {
        startMs: r.startMs, endMs: r.endMs, stepMs: r.stepMs, lookbackMs: r.lookbackMs ?? this.options.lookbackMs ?? 300_000, ...this.limits(),
        ...(r.signal ? { signal: r.signal } : {}),
      });
      slots.push(await ev.evaluate(expr));
      times = ev.times;
      reads.release(slot);
    }
    return tqlOutput(shape, slots, times);
  }
}

function parse(q: string) {
  try { return parsePromql(q); } catch (err) { throw new ApiError('bad_data', `invalid parameter "query": ${(err as Error).message}`); }
}

function toApiError(err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  if (err instanceof SyntaxError) return new ApiError('bad_data', err.message);
  if (err instanceof DeadlineExceededError) return new ApiError('timeout', err.message);
  if (err instanceof CancelledError) return new ApiError('canceled', err.message);
  if (err instanceof StrataError) return new ApiError('execution', err.message);
  return new ApiError('internal', err instanceof Error ? err.message : String(err));
}

/** A scalar or string instant answer (vectors and matrices are encoded by json-encode.ts). */
function formatInstant(v: EvalValue, t: number): unknown {
  if (v.type === 'scalar') return { resultType: 'scalar', result: [sec(t), formatSampleValue(v.values[0]!)] };
  if (v.type === 'string') return { resultType: 'string', result: [sec(t), v.value] };
  throw new ApiError('internal', `unexpected ${v.type} answer`);
}
