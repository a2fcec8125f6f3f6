import * as grpc from '@grpc/grpc-js';
import type { Logger } from '@strata/kernel';
import { CHANNEL_OPTIONS, decodeMessage, encodeMessage, walNodeService, type AddAckHeader, type AddItem } from './wire.js';

/** An entry on its way to the nodes of its write set. */
export interface OutgoingEntry {
  readonly regionId: string;
  readonly id: number;
  /** The epoch the entry belongs to (its original writer's, for re-replicated entries). */
  readonly epoch: number;
  /** The epoch of the writer sending it (checked against the node's fence). */
  readonly writerEpoch: number;
  readonly payload: Uint8Array;
  /** Called once per node that made the entry durable. */
  onNodeAck(node: number): void;
  /** Called when a node refused the entry because the region is fenced at `nodeEpoch`. */
  onFenced(nodeEpoch: number): void;
  /** The entry is no longer wanted (region broken or dropped): skip it. */
  readonly abandoned: boolean;
  /** Does node `node` (pool index) still need this entry? False once an ensemble change moved it elsewhere. */
  wants(node: number): boolean;
  /** Catch-up copies: never shed when the backlog overflows (their sender waits for them, one chunk at a time). */
  readonly pinned?: boolean;
  /** The writer's LAC for the region at send time (piggybacked, BookKeeper-style). */
  lac(): number;
}

interface InflightBatch { seq: number; entries: OutgoingEntry[]; sentAt: number }

export interface NodeClientOptions {
  addTimeoutMs: number;
  rpcTimeoutMs: number;
  reconnectDelayMs: number;
  batchBytesMax: number;
  nodeBacklogBytesMax: number;
  /** Merge gap of missed-id ranges (entries are striped over this many nodes). */
  ensembleSize: number;
  writer: string;
  logger?: Logger;
}

const MAX_INFLIGHT_BATCHES = 32;
const identity = (b: Buffer): Buffer => b;

/**
 * The writer's connection to one WAL node: a queue of entries, sent in
 * batches on one Add stream, at most MAX_INFLIGHT_BATCHES unacknowledged
 * (when they are all out, the queue grows and the next batch is bigger:
 * batching adapts to load). A failed or slow stream is dropped and its
 * unacknowledged entries go back to the front of the queue, so a node that
 * returns catches up from where it stopped.
 */
export class NodeClient {
  private readonly client: grpc.Client;
  private stream: grpc.ClientDuplexStream<Buffer, Buffer> | undefined;
  private queue: OutgoingEntry[] = [];
  private queueBytes = 0;
  private inflight: InflightBatch[] = [];
  private seq = 0;
  private flushScheduled = false;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private reconnectDelayMs: number;
  private readonly watchdog: NodeJS.Timeout;
  private closed = false;
  /** False after a stream failure until a new stream has had a batch acknowledged. */
  healthy = true;
  acksReceived = 0;
  /** Entries shed from the backlog (recorded in `missed`, copied from peers later). */
  droppedEntries = 0;
  /** Since when the stream has been failing (undefined while healthy). */
  unhealthySince: number | undefined;
  /**
   * Id ranges per region this node should hold but was not sent (its backlog
   * overflowed, or it replaced a node that held them): a catch-up task copies
   * them from peers in bounded chunks once the node is healthy.
   */
  readonly missed = new Map<string, Array<[number, number]>>();
  /** A catch-up task is running for this node. */
  catchingUp = false;
  /** A reachability probe (for catch-up of a node with nothing queued) is in flight / was last sent at. */
  probing = false;
  probedAt: number | undefined;

  constructor(readonly index: number, readonly address: string, private readonly opts: NodeClientOptions) {
    this.client = new grpc.Client(address, grpc.credentials.createInsecure(), CHANNEL_OPTIONS);
    this.reconnectDelayMs = opts.reconnectDelayMs;
    this.watchdog = setInterval(() => this.checkSlow(), Math.max(50, Math.floor(opts.addTimeoutMs / 4)));
    this.watchdog.unref();
  }

  /** Entries this node still has to acknowledge (catch-up debt); excludes entries an ensemble change moved elsewhere. */
  backlog(): number {
    let n = 0;
    for (const e of this.queue) if (!e.abandoned && e.wants(this.index)) n++;
    for (const b of this.inflight) n += b.entries.length;
    return n;
  }

  send(e: OutgoingEntry): void {
    if (this.closed) return;
    // Only a failing node sheds: a healthy one is kept up by back-pressure (maxInFlight), and
    // shedding its queue would starve the ack quorum.
    if (!this.healthy && this.queueBytes + e.payload.byteLength > this.opts.nodeBacklogBytesMax && this.queue.length > 0) this.shed();
    this.queue.push(e);
    this.queueBytes += e.payload.byteLength;
    this.scheduleFlush();
  }

  /** Records that this node should hold `id` of `region` but will not be sent it. */
  addMissed(region: string, from: number, to = from, mergeGap = 1): void {
    let list = this.missed.get(region);
    if (!list) { list = []; this.missed.set(region, list); }
    const last = list[list.length - 1];
    if (last && from >= last[0] && from <= last[1] + mergeGap) last[1] = Math.max(last[1], to);
    else list.push([from, to]);
  }

  /**
   * Holding every entry for a node that is away would grow without bound:
   * the oldest half of the queue is shed and remembered as id ranges, which
   * the writer copies to the node from its peers when it is back.
   */
  private shed(): void {
    const target = this.opts.nodeBacklogBytesMax / 2;
    const kept: OutgoingEntry[] = [];
    let bytes = 0;
    for (const e of this.queue) bytes += e.payload.byteLength;
    let i = 0, shed = 0;
    for (; i < this.queue.length && bytes > target; i++) {
      const e = this.queue[i]!;
      if (e.pinned) { kept.push(e); continue; }
      bytes -= e.payload.byteLength;
      if (!e.abandoned && e.wants(this.index)) { this.addMissed(e.regionId, e.id, e.id, this.opts.ensembleSize); shed++; }
    }
    this.queue = kept.concat(this.queue.slice(i));
    this.queueBytes = bytes;
    this.droppedEntries += shed;
    this.opts.logger?.warn({ node: this.address, shed, keptBytes: bytes }, 'wal-quorum: node backlog full; oldest entries shed, to be copied from peers when the node is back');
  }

  /** Unary call with a deadline; rejects on transport errors. */
  call<H>(method: keyof typeof walNodeService, header: Record<string, unknown>): Promise<{ header: H; payloads: Buffer[] }> {
    const def = walNodeService[method];
    return new Promise((resolve, reject) => {
      this.client.makeUnaryRequest(def.path, identity, identity, encodeMessage(header), new grpc.Metadata(),
        { deadline: Date.now() + this.opts.rpcTimeoutMs }, (err, res) => {
          if (err || !res) { reject(err ?? new Error('empty reply')); return; }
          try { resolve(decodeMessage<H>(res)); } catch (e) { reject(e); }
        });
    });
  }

  close(): void {
    this.closed = true;
    clearInterval(this.watchdog);
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.stream?.cancel();
    this.stream = undefined;
    this.client.close();
  }

  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => { this.flushScheduled = false; this.flush(); });
  }

  private openStream(): grpc.ClientDuplexStream<Buffer, Buffer> {
    const s = this.client.makeBidiStreamRequest(walNodeService.Add.path, identity, identity, new grpc.Metadata(), {});
    s.on('data', (buf: Buffer) => this.onAck(s, buf));
    s.on('error', (err: Error) => this.fail(s, err.message));
    s.on('end', () => this.fail(s, 'stream ended'));
    this.stream = s;
    return s;
  }

  private flush(): void {
    if (this.closed || this.reconnectTimer) return;
    const s = this.stream ?? this.openStream();
    while (this.queue.length > 0 && this.inflight.length < MAX_INFLIGHT_BATCHES) {
      const items: AddItem[] = [];
      const payloads: Uint8Array[] = [];
      const entries: OutgoingEntry[] = [];
      let bytes = 0, consumed = 0, i = 0;
      for (; i < this.queue.length; i++) {
        const e = this.queue[i]!;
        if (e.abandoned || !e.wants(this.index)) { consumed += e.payload.byteLength; continue; }
        if (entries.length > 0 && bytes + e.payload.byteLength > this.opts.batchBytesMax) break;
        items.push([e.regionId, e.id, e.epoch, e.writerEpoch, e.lac()]);
        payloads.push(e.payload);
        entries.push(e);
        bytes += e.payload.byteLength;
        consumed += e.payload.byteLength;
      }
      this.queue = i >= this.queue.length ? [] : this.queue.slice(i);
      this.queueBytes = this.queue.length === 0 ? 0 : Math.max(0, this.queueBytes - consumed);
      if (entries.length === 0) continue;
      const seq = ++this.seq;
      this.inflight.push({ seq, entries, sentAt: Date.now() });
      s.write(encodeMessage({ seq, writer: this.opts.writer, items }, payloads));
    }
  }

  private onAck(s: grpc.ClientDuplexStream<Buffer, Buffer>, buf: Buffer): void {
    if (s !== this.stream) return;
    let ack: AddAckHeader;
    try { ack = decodeMessage<AddAckHeader>(buf).header; } catch (err) { this.fail(s, (err as Error).message); return; }
    const head = this.inflight[0];
    if (ack.error || !head || head.seq !== ack.seq) { this.fail(s, ack.error ?? `ack ${ack.seq} out of order (expected ${head?.seq})`); return; }
    this.inflight.shift();
    this.healthy = true;
    this.unhealthySince = undefined;
    this.acksReceived++;
    this.reconnectDelayMs = this.opts.reconnectDelayMs;
    const fenced = ack.fenced ? new Map(ack.fenced) : undefined;
    for (const e of head.entries) {
      const f = fenced?.get(e.regionId);
      if (f !== undefined) e.onFenced(f);
      else e.onNodeAck(this.index);
    }
    if (this.queue.length > 0) this.scheduleFlush();
  }

  /** A batch older than addTimeoutMs means a hung or overloaded node: drop the stream, re-send later. */
  private checkSlow(): void {
    const head = this.inflight[0];
    if (head && this.stream && Date.now() - head.sentAt > this.opts.addTimeoutMs) this.fail(this.stream, `no ack for ${Date.now() - head.sentAt} ms`);
  }

  private fail(s: grpc.ClientDuplexStream<Buffer, Buffer>, why: string): void {
    if (s !== this.stream) return;
    this.stream = undefined;
    s.cancel();
    if (this.closed) return;
    if (this.healthy) this.opts.logger?.warn({ node: this.address, why }, 'wal-quorum: node stream failed; will reconnect and re-send');
    this.healthy = false;
    this.unhealthySince ??= Date.now();
    // Unacknowledged entries go back first, in order: re-adding is idempotent on the node.
    const back: OutgoingEntry[] = [];
    for (const b of this.inflight) back.push(...b.entries);
    this.inflight = [];
    this.queue = back.concat(this.queue);
    for (const e of back) this.queueBytes += e.payload.byteLength;
    this.reconnectTimer = setTimeout(() => { this.reconnectTimer = undefined; this.flush(); }, this.reconnectDelayMs);
    this.reconnectTimer.unref();
    this.reconnectDelayMs = Math.min(5000, this.opts.reconnectDelayMs * 20, this.reconnectDelayMs * 2);
  }
}
