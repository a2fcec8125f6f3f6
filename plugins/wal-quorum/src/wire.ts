import type * as grpc from '@grpc/grpc-js';
import type { MetaElement } from './ledger-math.js';

/**
 * Messages between writer and WAL node: a small JSON header and the entry
 * payloads appended raw, so payload bytes are never re-encoded:
 *
 *   [u32 LE header length][header JSON][payload 0][payload 1]...
 *
 * The header lists each payload's length in `lens`.
 */
export function encodeMessage(header: Record<string, unknown>, payloads: readonly Uint8Array[] = []): Buffer {
  const json = Buffer.from(JSON.stringify({ ...header, lens: payloads.map((p) => p.byteLength) }));
  let total = 4 + json.length;
  for (const p of payloads) total += p.byteLength;
  const out = Buffer.allocUnsafe(total);
  out.writeUInt32LE(json.length, 0);
  json.copy(out, 4);
  let at = 4 + json.length;
  for (const p of payloads) { out.set(p, at); at += p.byteLength; }
  return out;
}

/** Splits a message into its header and payload views (no copies). */
export function decodeMessage<H>(buf: Buffer): { header: H; payloads: Buffer[] } {
  if (buf.length < 4) throw new Error(`wal-quorum wire: message of ${buf.length} bytes is too short`);
  const len = buf.readUInt32LE(0);
  if (4 + len > buf.length) throw new Error('wal-quorum wire: header length past the end of the message');
  const header = JSON.parse(buf.subarray(4, 4 + len).toString('utf8')) as H & { lens?: number[] };
  const payloads: Buffer[] = [];
  let at = 4 + len;
  for (const n of header.lens ?? []) {
    if (at + n > buf.length) throw new Error('wal-quorum wire: payload past the end of the message');
    payloads.push(buf.subarray(at, at + n));
    at += n;
  }
  return { header, payloads };
}

/** One entry in an add batch: region, id, the epoch it was written under, the writer's epoch, writer's LAC. */
export type AddItem = [regionId: string, id: number, entryEpoch: number, writerEpoch: number, lac: number];

export interface AddBatchHeader { seq: number; writer: string; items: AddItem[] }
/** `fenced`: regions whose items were refused, with the node's epoch for each. */
export interface AddAckHeader { seq: number; fenced?: Array<[regionId: string, epoch: number]>; error?: string }

/**
 * A node's copy of a region's ledger metadata: the elements it accepted last,
 * the epoch (ballot) of the writer that wrote them, and how many leading
 * elements it knows to be decided (`committed`).
 */
export interface NodeMeta { ballot: number; elements: MetaElement[]; committed: number }

/** The state of a region on one node, returned by fence and read. */
export interface NodeRegionState {
  fencedEpoch: number;
  meta: NodeMeta;
  lac: number;
  floor: number;
  maxId: number;
}

export interface FenceRequest { region: string; epoch: number; writer: string }
export interface FenceReply { ok: boolean; state: NodeRegionState }
/** Stores `elements` (a proposal, phase 2) and marks the first `committed` of them decided. */
export interface MetaRequest { region: string; epoch: number; writer: string; elements: MetaElement[]; committed: number }
export interface ReadRequest { region: string; from: number; bytesMax: number }
/** `entries[i]` = [id, epoch] of payload i; `coveredTo`: every id in [from, coveredTo] this node has is in the page. */
export interface ReadReply { entries: Array<[number, number]>; coveredTo: number; state: NodeRegionState }
export interface ObsoleteRequest { region: string; upTo: number }
/** Id ranges in [from, to] this node holds no copy of (at most `rangesMax` of them, ascending). */
/** A copy counts only if written under the epoch `ledgers` gives its id (stale copies of a cut tail are gaps). */
export interface GapsRequest { region: string; from: number; to: number; rangesMax: number; ledgers: Array<readonly [number, number]> }
export interface GapsReply { gaps: Array<[number, number]> }
export interface DropRequest { region: string; epoch: number; writer: string; elements: MetaElement[] }
export interface SimpleReply { ok: boolean; fencedEpoch?: number }

const identity = (b: Buffer): Buffer => b;
const unary = (name: string) => ({
  path: `/strata.walquorum.WalNode/${name}`, requestStream: false, responseStream: false,
  requestSerialize: identity, requestDeserialize: identity, responseSerialize: identity, responseDeserialize: identity,
});

/**
 * The WAL node gRPC service, written by hand (messages are the framed
 * buffers above, so no .proto is needed). `Add` is one long-lived
 * bidirectional stream per writer connection: batches go one way, one ack
 * per batch (in batch order) the other.
 */
export const walNodeService = {
  Add: { ...unary('Add'), requestStream: true, responseStream: true },
  Fence: unary('Fence'),
  SetMeta: unary('SetMeta'),
  Read: unary('Read'),
  Obsolete: unary('Obsolete'),
  Drop: unary('Drop'),
  Gaps: unary('Gaps'),
} satisfies grpc.ServiceDefinition;

/** Channel options both sides use: no message size cap beyond our own batch limits. */
export const CHANNEL_OPTIONS = {
  'grpc.max_receive_message_length': -1,
  'grpc.max_send_message_length': -1,
  'grpc.keepalive_time_ms': 10_000,
  'grpc.keepalive_timeout_ms': 5_000,
  // A node that comes back must be reachable soon: short reconnect backoff,
  // and no channel sharing between writers (one writer's backoff would
  // otherwise fail another writer's first call).
  'grpc.initial_reconnect_backoff_ms': 100,
  'grpc.max_reconnect_backoff_ms': 1_000,
  'grpc.use_local_subchannel_pool': 1,
} as const;
