import 'reflect-metadata';
import path from 'node:path';
import { COPROCESSOR, FUNCTION_REGISTRY, PluginOptionError, QUERY, SCRIPTS, TABLE_WRITES, TRIGGERS, definePlugin } from '@strata/kernel';
import { coprocessorPythonOptions } from './options.js';
import { PythonCoprocessor } from './python-coprocessor.js';
import { ScriptFunctionResolver } from './script-functions.js';
import { PythonScriptService } from './script-service.js';
import { ScriptStore } from './script-store.js';
import { scriptsTable } from './scripts-table.js';
import { installTriggers, type InstalledTriggers } from './triggers/install-triggers.js';
import { PythonWorkerPool } from './worker-pool.js';

export { coprocessorPythonOptions, type CoprocessorPythonOptions } from './options.js';
export { PythonCoprocessor, queryTable, toSignature, type PythonScriptSignature } from './python-coprocessor.js';
export { PythonScriptService, tableToOutput } from './script-service.js';
export { ScriptFunctionResolver, scriptFunction } from './script-functions.js';
export { ScriptStore } from './script-store.js';
export { scriptsTable, SCRIPTS_TABLE_DATABASE, SCRIPTS_TABLE_NAME } from './scripts-table.js';
export { PythonWorkerPool, pyodideIndexURL, PYTHON_DIR, type WorkerPoolOptions } from './worker-pool.js';
export * from './column-codec.js';
export * from './triggers/index.js';
export * from './errors.js';

const MIN_MEMORY_LIMIT_BYTES = 64 * 1024 * 1024;

/** Each server's pool, by its plugin context (the loader passes the same one to register/start/stop). */
const pools = new WeakMap<object, PythonWorkerPool>();
/** Each server's triggers (started after the pool, stopped before it). */
const triggerSets = new WeakMap<object, InstalledTriggers>();
/** Each server's remover of the `scripts` system table. */
const removeTables = new WeakMap<object, () => void>();
/** Each server's remover of the stored-scripts function resolver. */
const removeResolvers = new WeakMap<object, () => void>();

/**
 * Python coprocessors (GreptimeDB's `@copr` scripts) on Pyodide, in a pool of
 * worker threads with time and memory limits. Provides the COPROCESSOR
 * ('python') and the SCRIPTS service that protocol-http's /v1/scripts and
 * /v1/run-script call.
 *
 * @example
 * plugins:
 *   - use: coprocessor-python
 *     options: { workers: 2, timeoutMs: 5s, memoryLimitBytes: 256MiB }
 */
export default definePlugin({
  name: 'coprocessor-python',
  kind: 'coprocessor',
  description: 'Python scripts (GreptimeDB @copr coprocessors) on Pyodide worker threads.',
  provides: [COPROCESSOR, SCRIPTS, TRIGGERS],
  requires: [QUERY],
  optional: [FUNCTION_REGISTRY],
  options: coprocessorPythonOptions,
  startTimeoutMs: 120_000,
  async register(ctx, opts) {
    if (opts.memoryLimitBytes < MIN_MEMORY_LIMIT_BYTES) {
      // Pyodide itself needs about 30 MB before any script runs
      throw new PluginOptionError('coprocessor-python', 'memoryLimitBytes', `must be at least 64MiB, got ${opts.memoryLimitBytes} bytes`);
    }
    const store = new ScriptStore(path.resolve(ctx.server.dataHome, opts.dir), opts.fsync);
    await store.open();
    const pool = new PythonWorkerPool({
      workers: opts.workers,
      timeoutMs: opts.timeoutMs,
      interruptGraceMs: opts.interruptGraceMs,
      memoryLimitBytes: opts.memoryLimitBytes,
      startTimeoutMs: opts.startTimeoutMs,
      ...(opts.wheelsDir ? { wheelsDir: path.resolve(ctx.server.dataHome, opts.wheelsDir) } : {}),
      logger: ctx.logger,
      metrics: ctx.metrics,
    });
    pools.set(ctx, pool);
    const copr = new PythonCoprocessor(pool, ctx.get(QUERY), ctx.metrics);
    ctx.bind(COPROCESSOR, copr);
    const scripts = new PythonScriptService(copr, store);
    ctx.bind(SCRIPTS, scripts);
    // Listed in SQL as GreptimeDB's `public.scripts` table (read-only, computed from the store).
    const query = ctx.get(QUERY);
    if (query.addSystemTable) removeTables.set(ctx, query.addSystemTable(scriptsTable(scripts)));
    else ctx.logger.warn('the query service cannot add system tables: stored scripts are not listed in SQL');
    // Triggers: stored scripts run on writes, schedules and /v1/engine requests (triggers.json next to scripts.json).
    const triggers = await installTriggers({
      dir: store.dir, fsync: opts.fsync, queueLength: opts.triggerQueueLength, batchRowsMax: opts.triggerBatchRows, logLength: opts.triggerLogLength,
    }, { pool, query, scripts, writes: ctx.get(TABLE_WRITES), logger: ctx.logger, metrics: ctx.metrics });
    triggerSets.set(ctx, triggers);
    ctx.bind(TRIGGERS, triggers.manager);
    // Stored scripts are also SQL scalar functions of their database: SELECT double_it(cpu) FROM t.
    const registry = ctx.tryGet(FUNCTION_REGISTRY);
    if (registry?.addResolver) removeResolvers.set(ctx, registry.addResolver(new ScriptFunctionResolver(store, copr)));
    else ctx.logger.warn('the function registry takes no resolvers: stored scripts cannot be called as SQL functions');
  },
  async start(ctx) {
    const pool = pools.get(ctx)!;
    const t0 = performance.now();
    await pool.start();
    ctx.logger.info({ workers: pool.readyWorkers, startMs: Math.round(performance.now() - t0) }, 'Python coprocessor ready');
    triggerSets.get(ctx)?.start();
  },
  async stop(ctx) {
    await triggerSets.get(ctx)?.stop();
    removeTables.get(ctx)?.();
    removeResolvers.get(ctx)?.();
    await pools.get(ctx)?.stop();
  },
});
