import path from 'node:path';
import { definePlugin, WAL } from '@strata/kernel';
import { LocalWal } from './local-wal.js';
import { walLocalOptions } from './options.js';

export { LocalWal, type LocalWalOptions, type LocalWalStats, type WalFaultPoint } from './local-wal.js';
export { crc32c } from './crc32c.js';
export { walLocalOptions, type WalLocalOptions } from './options.js';
export * from './errors.js';

/** The WAL of each server (keyed by its ServerInfo), so two servers in one process stay apart. */
const wals = new WeakMap<object, LocalWal>();

/**
 * The local-file WAL: one shared, segmented, CRC-checked log for every
 * region, with group commit. `dir` resolves against the server's dataHome.
 *
 * @example
 * plugins:
 *   - use: wal-local
 *     options: { dir: wal, syncMode: always, segmentBytesMax: 64MiB }
 */
export default definePlugin({
  name: 'wal-local',
  kind: 'wal',
  description: 'Write-ahead log in local segment files (CRC-32C framed, group commit, fsync modes).',
  provides: [WAL],
  options: walLocalOptions,
  async register(ctx, opts) {
    const wal = await LocalWal.open({
      dir: path.resolve(ctx.server.dataHome, opts.dir),
      syncMode: opts.syncMode,
      syncIntervalMs: opts.syncIntervalMs,
      segmentBytesMax: opts.segmentBytesMax,
      payloadBytesMax: opts.payloadBytesMax,
      logger: ctx.logger,
      metrics: ctx.metrics,
    });
    wals.set(ctx.server, wal);
    ctx.bind(WAL, wal);
  },
  async stop(ctx) {
    const wal = wals.get(ctx.server);
    wals.delete(ctx.server);
    await wal?.close();
  },
});
