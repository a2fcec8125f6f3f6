import { o, type InferShape } from '@strata/kernel';

/** Options of the wal-quorum plugin (the writer a datanode uses; see README.md for the table). */
export const walQuorumOptions = o.object({
  nodes: o.array(o.string({ pattern: /^[^\s:]+:\d+$/ }), {
    minItems: 1,
    description: "The initial ensemble: WAL node addresses 'host:port' (each runs `strata wal-node`); E = their number.",
  }),
  spares: o.array(o.string({ pattern: /^[^\s:]+:\d+$/ }), {
    default: [],
    description: 'Spare WAL nodes: one replaces an ensemble member that has been unreachable for nodeReplaceAfterMs (ensemble change).',
  }),
  nodeReplaceAfterMs: o.duration({ default: '10s', description: 'How long an ensemble member may fail before a spare replaces it (with no spare: the region is reported degraded).' }),
  catchUpChunkBytes: o.bytes({ default: '4MiB', description: 'Bytes copied per chunk to a node catching up on entries it missed (read from peers, sent, acknowledged, then the next).' }),
  writeQuorum: o.integer({ default: 3, min: 1, description: 'How many nodes store each entry (<= nodes; entries are striped round-robin when smaller).' }),
  ackQuorum: o.integer({ default: 2, min: 1, description: 'How many of an entry\'s write set must have fsynced it before it is acknowledged (<= writeQuorum).' }),
  addTimeoutMs: o.duration({ default: '5s', description: 'A node that has not acknowledged a batch after this long is treated as failed and reconnected; its entries are re-sent.' }),
  appendTimeoutMs: o.duration({ default: '10s', description: 'An append not acknowledged by the ack quorum after this long fails (outcome unknown, see README).' }),
  rpcTimeoutMs: o.duration({ default: '5s', description: 'Deadline of fence, ledger, read, obsolete and drop calls.' }),
  reconnectDelayMs: o.duration({ default: '200ms', description: 'Pause before reconnecting to a failed node (doubles up to 20x this, at most 5s).' }),
  maxInFlight: o.integer({ default: 16384, min: 1, description: 'Appends not yet acknowledged, per region, before append waits (back-pressure).' }),
  batchBytesMax: o.bytes({ default: '1MiB', description: 'Largest batch of entries sent to a node in one message.' }),
  nodeBacklogBytesMax: o.bytes({ default: '256MiB', description: 'Payload bytes queued in memory for one failed node; past this the oldest are shed and copied from peers in chunks when it returns.' }),
  readPageBytes: o.bytes({ default: '4MiB', description: 'Bytes a node returns per read page (recovery, replay).' }),
});

export type WalQuorumOptions = InferShape<typeof walQuorumOptions.shape>;

/** Options of the wal-node plugin (the WAL node server role; needs a WAL such as wal-local beside it). */
export const walNodeOptions = o.object({
  host: o.string({ default: '127.0.0.1', description: 'Interface the gRPC server binds.' }),
  port: o.integer({ default: 4010, min: 0, max: 65535, description: 'gRPC port (0 picks a free one).' }),
  metaDir: o.string({ default: 'wal-node', minLength: 1, description: 'Directory of the node\'s fencing/ledger metadata file; relative to the server dataHome.' }),
});

export type WalNodeOptions = InferShape<typeof walNodeOptions.shape>;
