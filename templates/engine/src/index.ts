import { ENGINE, STORE, WAL, definePlugin } from '@strata/kernel';
import { MemoryEngine } from './memory-engine.js';
import { __CAMEL_NAME__Options } from './options.js';

export { __CAMEL_NAME__Options, type __PASCAL_NAME__Options } from './options.js';
export { MemoryEngine } from './memory-engine.js';
export { cellAt, compareCells, decodeJson, encodeJson, vectorOf, type Cell } from './value-codec.js';
export * from './errors.js';

/** Each server's engine, keyed by its ServerInfo: one process may run several servers. */
const engines = new WeakMap<object, MemoryEngine>();

/**
 * `__NAME__`: a storage engine that keeps regions in memory and snapshots
 * them into the object store; with a WAL configured, every write is logged
 * before it is acknowledged and replayed on open. The kernel's catalog and
 * query service run on top of it unchanged.
 *
 * @example
 * plugins:
 *   - use: store-fs
 *   - use: wal-local          # optional: without it every write rewrites the region's snapshot
 *   - use: __PACKAGE_NAME__
 */
export default definePlugin({
  name: '__NAME__',
  kind: 'engine',
  version: '0.1.0',
  description: 'In-memory storage engine with snapshots in the object store (WAL optional).',
  provides: [ENGINE],
  requires: [STORE],
  optional: [WAL],
  options: __CAMEL_NAME__Options,
  register(ctx, opts) {
    const engine = new MemoryEngine(ctx.get(STORE), ctx.tryGet(WAL), ctx.logger, opts);
    engines.set(ctx.server, engine);
    ctx.bind(ENGINE, engine);
  },
  async stop(ctx) {
    // The catalog (which requires ENGINE) stopped first and closed its regions; this catches the rest.
    await engines.get(ctx.server)?.close();
    engines.delete(ctx.server);
  },
});
