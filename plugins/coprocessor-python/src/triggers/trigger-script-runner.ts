import * as arrow from 'apache-arrow';
import type { Metrics, QueryService, ScriptService, Session } from '@strata/kernel';
import { ScriptNotFoundError } from '../errors.js';
import { PythonCoprocessor } from '../python-coprocessor.js';
import { tableToOutput } from '../script-service.js';
import type { PythonWorkerPool } from '../worker-pool.js';

/**
 * The session variable that carries the triggers a write descends from
 * (`db.name,db.name`): every statement a trigger's script runs is marked
 * with it, so the write listener can refuse to run a trigger on writes its
 * own runs caused (directly or through other triggers).
 */
export const TRIGGER_CHAIN_VARIABLE = 'strata.trigger_chain';

/** Runs a stored script for a trigger; `chain` marks the statements it runs. */
export type TriggerScriptRunner = (database: string, script: string, input: arrow.Table | undefined,
  params: Readonly<Record<string, string>>, session: Session, chain: string) => Promise<arrow.Table>;

/**
 * A query service that marks every session it is handed with the trigger
 * chain. Statements that return no rows at all (an INSERT a trigger's script
 * runs with query().sql(...)) answer one `affectedrows` column, so writing
 * from a script does not fail for want of a result.
 */
function chainedQuery(query: QueryService, chain: string): QueryService {
  const mark = (s: Session): Session => { s.variables.set(TRIGGER_CHAIN_VARIABLE, chain); return s; };
  return {
    async *execute(sql, session, options) {
      let records = false;
      let affected: number | undefined;
      for await (const out of query.execute(sql, mark(session), options)) {
        if (out.kind === 'records') { records = true; yield out; } else affected = (affected ?? 0) + out.affectedRows;
      }
      if (!records && affected !== undefined) {
        yield tableToOutput(new arrow.Table({ affectedrows: arrow.vectorFromArray([BigInt(affected)], new arrow.Uint64()) }));
      }
    },
    insert: (requests, session) => query.insert(requests, mark(session)),
  };
}

/**
 * Runs stored scripts on the shared worker pool. A coprocessor per run (a
 * few fields) so its query() calls carry the run's trigger chain; the script
 * is read from the script service on every run, so a resubmitted script
 * applies to the next run.
 */
export function triggerScriptRunner(pool: PythonWorkerPool, query: QueryService, scripts: ScriptService, metrics?: Metrics): TriggerScriptRunner {
  return async (database, name, input, params, session, chain) => {
    const script = await scripts.get(database, name);
    if (!script) throw new ScriptNotFoundError(database, name);
    session.variables.set(TRIGGER_CHAIN_VARIABLE, chain);
    const copr = new PythonCoprocessor(pool, chainedQuery(query, chain), metrics);
    return copr.runCompiled(name, script.source, script.signature, input, params, session);
  };
}
