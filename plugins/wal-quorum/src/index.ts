import { definePlugin, WAL } from '@strata/kernel';
import { walQuorumOptions } from './options.js';
import { QuorumWal } from './quorum-wal.js';

export { QuorumWal, QUORUM_WAL_DEFAULTS, type QuorumWalOptions, type RegionQuorumStatus } from './quorum-wal.js';
export { WalNodeServer, type WalNodeServerOptions, type WalNodeFaults } from './wal-node-server.js';
export { default as walNodePlugin } from './node-plugin.js';
export { walQuorumOptions, walNodeOptions, type WalQuorumOptions, type WalNodeOptions } from './options.js';
export { walNodeCommand, runWalNodeCommand } from './wal-node-command.js';
export {
  writeSetOf, fenceQuorumOf, absentQuorumOf, ownerOf, ledgersOf, fragmentsOf, fragmentOf, currentEnsembleOf, isPrefixOf,
  type QuorumShape, type LedgerList, type MetaElement, type Fragment,
} from './ledger-math.js';
export * from './errors.js';

const wals = new WeakMap<object, QuorumWal>();

/**
 * The replicated WAL: each region's entries go to `writeQuorum` of the WAL
 * `nodes` and are acknowledged, in order, once `ackQuorum` of them fsynced.
 * A writer fences the region's log on a quorum when it first touches it, so
 * a previous writer can never be acknowledged again.
 *
 * @example
 * plugins:
 *   - use: wal-quorum
 *     options: { nodes: ['wal1:4010', 'wal2:4010', 'wal3:4010'], writeQuorum: 3, ackQuorum: 2 }
 */
export default definePlugin({
  name: 'wal-quorum',
  kind: 'wal',
  description: 'Write-ahead log replicated to WAL nodes (BookKeeper-style quorums, in-order acks, fencing, recovery).',
  provides: [WAL],
  options: walQuorumOptions,
  async register(ctx, opts) {
    const wal = new QuorumWal({ ...opts, logger: ctx.logger, metrics: ctx.metrics });
    wals.set(ctx.server, wal);
    ctx.bind(WAL, wal);
  },
  async stop(ctx) {
    const wal = wals.get(ctx.server);
    wals.delete(ctx.server);
    await wal?.close();
  },
});
