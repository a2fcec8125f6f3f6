import path from 'node:path';
import { definePlugin, PROTOCOL, WAL } from '@strata/kernel';
import { walNodeOptions } from './options.js';
import { WalNodeServer } from './wal-node-server.js';

const servers = new WeakMap<object, WalNodeServer>();

/**
 * The WAL node role (BookKeeper's bookie) as a protocol plugin: serves the
 * wal-quorum gRPC protocol and stores entries in whatever WAL the server
 * has (wal-local's segment files in practice).
 *
 * @example
 * plugins:
 *   - use: wal-local
 *     options: { dir: wal, syncMode: always }
 *   - use: '@strata/wal-quorum/node'
 *     options: { host: 0.0.0.0, port: 4010 }
 */
export default definePlugin({
  name: 'wal-node',
  kind: 'protocol',
  description: 'WAL node for wal-quorum writers: fencing, ledger lists and entries over gRPC, stored in the server WAL.',
  provides: [PROTOCOL],
  requires: [WAL],
  options: walNodeOptions,
  async register(ctx, opts) {
    const server = new WalNodeServer({
      wal: ctx.get(WAL),
      metaDir: path.resolve(ctx.server.dataHome, opts.metaDir),
      host: opts.host,
      port: opts.port,
      logger: ctx.logger,
    });
    servers.set(ctx.server, server);
    ctx.bind(PROTOCOL, server);
  },
  async start(ctx) {
    await servers.get(ctx.server)!.start();
  },
  async stop(ctx) {
    await servers.get(ctx.server)?.stop();
    servers.delete(ctx.server);
  },
});
