import type { Expr } from '../promql/ast.js';
import type { QueryOutput } from './query.js';

/** A Prometheus HTTP API answer: HTTP status and the JSON body (Prometheus's envelope). */
export interface PromqlApiResponse {
  readonly status: number;
  readonly body: unknown;
  /** The body already encoded as JSON (query answers): protocols send it as it is instead of stringifying `body`. */
  readonly json?: string;
}

/** Parameters of one TQL statement: times in ms, the PromQL text. */
export interface TqlRequest {
  readonly startMs: number;
  readonly endMs: number;
  readonly stepMs: number;
  readonly lookbackMs?: number;
  readonly query: string;
  readonly database: string;
  readonly signal?: AbortSignal;
  /**
   * Name of the value column (`TQL EVAL ... AS name`); by default the
   * columns are named as GreptimeDB names them (the field column, or the
   * expression applied to it, e.g. `sum(prom_rate(ts_range,val,ts,Int64(60000)))`).
   */
  readonly valueColumn?: string;
  /** `query` already parsed (TQL parses it once for EXPLAIN and `AS`); parsed from `query` when absent. */
  readonly expr?: Expr;
}

/**
 * PromQL over the catalog's tables, as a service protocols call.
 *
 * @example
 * const promql = ctx.tryGet(PROMQL);
 * const res = await promql?.handleApi('query', { query: 'up', time: '1700000000' }, { database: 'public' });
 * reply.code(res.status).send(res.body);
 */
export interface PromqlService {
  /**
   * Answers a Prometheus HTTP API request. `endpoint` is the path after
   * `/api/v1/`: `query`, `query_range`, `labels`, `label/<name>/values`,
   * `series`, `metadata`, `status/buildinfo`. Parameters come from the query
   * string and form body merged (repeated ones such as `match[]` as arrays).
   */
  handleApi(endpoint: string, params: Readonly<Record<string, string | readonly string[] | undefined>>,
    options: { readonly database: string; readonly signal?: AbortSignal }): Promise<PromqlApiResponse>;
  /**
   * Evaluates `TQL EVAL (start, end, step) <query>` in GreptimeDB's shape:
   * the time index, tag and value columns named and ordered as GreptimeDB's
   * planner does (docs/promql.md#tql-columns), one row per series and step.
   */
  evaluateTql(request: TqlRequest): Promise<QueryOutput>;
}
