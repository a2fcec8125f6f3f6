import path from 'node:path';
import { WAL, definePlugin } from '@strata/kernel';
import { FileWal } from './file-wal.js';
import { __CAMEL_NAME__Options } from './options.js';

export { __CAMEL_NAME__Options, type __PASCAL_NAME__Options } from './options.js';
export { FileWal } from './file-wal.js';
export { decodeRecord, encodeRecord, HEADER_BYTES } from './record-format.js';
export * from './errors.js';

/** Each server's WAL, keyed by its ServerInfo: one process may run several servers. */
const wals = new WeakMap<object, FileWal>();

/**
 * `__NAME__`: a write-ahead log in per-region segment files (CRC-framed
 * records, group commit, fsync). The engine appends every write here before
 * acknowledging it and replays it when a region opens; a server has exactly
 * one WAL.
 *
 * @example
 * plugins:
 *   - use: __PACKAGE_NAME__
 *     options: { dir: wal, sync: always }
 */
export default definePlugin({
  name: '__NAME__',
  kind: 'wal',
  version: '0.1.0',
  description: 'Write-ahead log in per-region segment files (CRC-32, group commit, fsync).',
  provides: [WAL],
  options: __CAMEL_NAME__Options,
  async register(ctx, opts) {
    const { dir, ...rest } = opts;
    const wal = await FileWal.open(path.resolve(ctx.server.dataHome, dir), rest, ctx.logger);
    wals.set(ctx.server, wal);
    ctx.bind(WAL, wal);
  },
  async stop(ctx) {
    // Stops after the engine (it required WAL, so it stopped first): nothing appends any more.
    await wals.get(ctx.server)?.close();
    wals.delete(ctx.server);
  },
});
