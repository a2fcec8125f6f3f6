import type { Logger, Metrics, QueryService, ScriptService, TableWrites } from '@strata/kernel';
import type { PythonWorkerPool } from '../worker-pool.js';
import { triggerAdminFunctions } from './trigger-admin-functions.js';
import { TriggerManager } from './trigger-manager.js';
import { triggerScriptRunner } from './trigger-script-runner.js';
import { TriggerStore } from './trigger-store.js';
import { triggerLogsTable, triggersTable } from './triggers-table.js';

export interface InstallTriggersOptions {
  /** Where triggers.json lives (the scripts directory). */
  readonly dir: string;
  readonly fsync: boolean;
  readonly queueLength: number;
  readonly batchRowsMax: number;
  readonly logLength: number;
}

export interface InstalledTriggers {
  readonly manager: TriggerManager;
  /** Arms schedules and starts listening to writes (after the pool started). */
  start(): void;
  /** Stops them, and removes the system tables and ADMIN functions. */
  stop(): Promise<void>;
}

/**
 * Opens the trigger store and builds the TriggerManager of one server, with
 * its SQL faces: `information_schema.script_triggers` and
 * `script_trigger_logs`, and the ADMIN create/drop/enable/disable functions.
 */
export async function installTriggers(opts: InstallTriggersOptions, deps: {
  readonly pool: PythonWorkerPool;
  readonly query: QueryService;
  readonly scripts: ScriptService;
  readonly writes: TableWrites;
  readonly logger: Logger;
  readonly metrics: Metrics;
}): Promise<InstalledTriggers> {
  const store = new TriggerStore(opts.dir, opts.fsync);
  await store.open();
  const manager = new TriggerManager(store, deps.scripts, triggerScriptRunner(deps.pool, deps.query, deps.scripts, deps.metrics), deps.writes,
    { queueLength: opts.queueLength, batchRowsMax: opts.batchRowsMax, logLength: opts.logLength }, deps.logger, deps.metrics);
  const removers: Array<() => void> = [];
  const { query } = deps;
  if (query.addSystemTable) {
    removers.push(query.addSystemTable(triggersTable(manager)), query.addSystemTable(triggerLogsTable(manager)));
  } else {
    deps.logger.warn('the query service cannot add system tables: triggers are not listed in SQL');
  }
  if (query.addAdminFunction) {
    for (const fn of triggerAdminFunctions(manager)) removers.push(query.addAdminFunction(fn));
  } else {
    deps.logger.warn('the query service takes no ADMIN functions: triggers are managed over HTTP only');
  }
  return {
    manager,
    start: () => manager.start(),
    async stop() {
      for (const r of removers.splice(0)) r();
      await manager.stop();
    },
  };
}
