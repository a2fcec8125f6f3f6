import * as arrow from 'apache-arrow';
import {
  ExecutionError, StrataError, createSession, type Coprocessor, type DataTypeName, type Metrics, type QueryService, type ScriptSignature,
  type Session,
} from '@strata/kernel';
import { tableToWire, wireToRecordBatch } from './column-codec.js';
import { ScriptCompileError, ScriptMemoryLimitError, ScriptRuntimeError, ScriptTimeoutError } from './errors.js';
import type { PythonWorkerPool, QueryHandler } from './worker-pool.js';
import type { QueryAnswer, RawSignature, ScriptFailure } from './worker-protocol.js';

/** A signature with what the runner needs beyond the kernel's ScriptSignature. */
export interface PythonScriptSignature extends ScriptSignature {
  /** The decorated function's name. */
  readonly function: string;
  /** True when the function takes `**kwargs` (the extra request parameters). */
  readonly kwargs: boolean;
}

export function toSignature(name: string, raw: RawSignature): PythonScriptSignature {
  return {
    name,
    function: raw.function,
    args: raw.args,
    returns: raw.returns.map((r) => (r.type ? { name: r.name, type: { name: r.type as DataTypeName } } : { name: r.name })),
    ...(raw.sql ? { sql: raw.sql } : {}),
    kwargs: raw.kwargs,
  };
}

/** Runs SQL for a script (its `sql=` input or a query() call) and returns the first result's rows. */
export async function queryTable(query: QueryService, sql: string, session: Session): Promise<arrow.Table> {
  let table: arrow.Table | undefined;
  let affected: number | undefined;
  for await (const out of query.execute(sql, session)) {
    if (out.kind !== 'records') { affected = (affected ?? 0) + out.affectedRows; continue; }
    const batches: arrow.RecordBatch[] = [];
    for await (const b of out.batches) batches.push(b);
    if (!table) table = batches.length ? new arrow.Table(batches) : new arrow.Table(out.schema);
  }
  // a statement that writes (INSERT, DELETE, DDL) answers one `affectedrows` column
  if (!table && affected !== undefined) {
    table = new arrow.Table({ affectedrows: arrow.vectorFromArray([BigInt(affected)], new arrow.Uint64()) });
  }
  if (!table) throw new ExecutionError(`the SQL of a script returned nothing: ${sql}`);
  return table;
}

/**
 * GreptimeDB-style Python coprocessors on a pool of Pyodide workers.
 *
 * @example
 * const sig = await copr.compile('double', src);
 * const out = await copr.run('double', src, inputTable, {}, session);
 */
export class PythonCoprocessor implements Coprocessor {
  readonly language = 'python';

  constructor(private readonly pool: PythonWorkerPool, private readonly query?: QueryService, private readonly metrics?: Metrics) {}

  /** Counts a run by outcome (ok or the error code) and records its duration. */
  private observe(startMs: number, err?: unknown): void {
    if (!this.metrics) return;
    const outcome = err === undefined ? 'ok' : err instanceof StrataError ? err.code : 'INTERNAL';
    this.metrics.counter('strata_script_runs_total', 'Python script runs by outcome (ok or error code)', ['outcome']).inc({ outcome });
    this.metrics.histogram('strata_script_run_duration_seconds', 'Python script run time, including its sql= query',
      [], [0.001, 0.01, 0.05, 0.1, 0.5, 1, 5, 10, 60]).observe((performance.now() - startMs) / 1000);
  }

  async compile(name: string, source: string): Promise<PythonScriptSignature> {
    const res = await this.pool.describe(name, source);
    if ('failure' in res) throw this.failure(name, res.failure);
    return toSignature(name, res.signature);
  }

  /**
   * Runs a script. Its input is `input` when given, else the result of its
   * `sql=` (run in the session's database), else nothing.
   */
  async run(name: string, source: string, input: arrow.Table | undefined,
    params: Readonly<Record<string, string>>, session: Session): Promise<arrow.Table> {
    return this.runCompiled(name, source, input ? undefined : await this.compile(name, source), input, params, session);
  }

  /** run() with the signature already known (a stored script's), saving a round trip to a worker. */
  async runCompiled(name: string, source: string, signature: ScriptSignature | undefined, input: arrow.Table | undefined,
    params: Readonly<Record<string, string>>, session: Session): Promise<arrow.Table> {
    const t0 = performance.now();
    try {
      const out = await this.execute(name, source, signature, input, params, session);
      this.observe(t0);
      return out;
    } catch (err) {
      this.observe(t0, err);
      throw err;
    }
  }

  private async execute(name: string, source: string, signature: ScriptSignature | undefined, input: arrow.Table | undefined,
    params: Readonly<Record<string, string>>, session: Session): Promise<arrow.Table> {
    let table = input;
    if (!table && signature?.sql) {
      if (!this.query) throw new ExecutionError(`script '${name}' has sql= but no query service is available`);
      table = await queryTable(this.query, signature.sql, session);
    }
    const { columns, rowCount } = table ? tableToWire(table) : { columns: [], rowCount: 0 };
    const res = await this.pool.run(name, source, columns, rowCount, { ...params }, this.queryHandler(session));
    if ('failure' in res) throw this.failure(name, res.failure);
    return new arrow.Table([wireToRecordBatch(res.columns)]);
  }

  private queryHandler(session: Session): QueryHandler | undefined {
    const query = this.query;
    if (!query) return undefined;
    // query() runs as the caller, in the caller's database, on its own session
    const inner = createSession({ channel: 'internal', database: session.database, timezone: session.timezone, ...(session.user ? { user: session.user } : {}) });
    return async (sql: string): Promise<QueryAnswer> => {
      const t = await queryTable(query, sql, inner);
      const { columns } = tableToWire(t);
      return { names: columns.map((c) => c.name), columns };
    };
  }

  private failure(name: string, f: ScriptFailure): Error {
    switch (f.error) {
      case 'syntax':
      case 'definition':
        return new ScriptCompileError(name, f.message, f.line ?? undefined);
      case 'memory':
        return new ScriptMemoryLimitError(name, 0, f.message);
      case 'interrupt':
        return new ScriptTimeoutError(name, 0);
      default:
        return new ScriptRuntimeError(name, f.message, f.line ?? undefined);
    }
  }
}
