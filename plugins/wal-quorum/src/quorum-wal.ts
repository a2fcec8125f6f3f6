import { randomUUID } from 'node:crypto';
import type { Logger, Metrics, RegionId, Wal, WalEntry } from '@strata/kernel';
import { CorruptionError, InvalidArgumentsError, WalFencedError, WalQuorumUnavailableError } from './errors.js';
import {
  absentQuorumOf, fenceQuorumOf, lastEpochOf, ownerOf, shapeProblem, writeSetOf,
  type LedgerList, type QuorumShape,
} from './ledger-math.js';
import { NodeClient, type OutgoingEntry } from './node-client.js';
import type { FenceReply, NodeRegionState, ReadReply, SimpleReply } from './wire.js';

export interface QuorumWalOptions {
  nodes: readonly string[];
  writeQuorum: number;
  ackQuorum: number;
  addTimeoutMs: number;
  appendTimeoutMs: number;
  rpcTimeoutMs: number;
  reconnectDelayMs: number;
  maxInFlight: number;
  batchBytesMax: number;
  nodeBacklogBytesMax: number;
  readPageBytes: number;
  logger?: Logger;
  metrics?: Metrics;
}

/** Defaults for embedding (the plugin fills these from its option schema). */
export const QUORUM_WAL_DEFAULTS: Omit<QuorumWalOptions, 'nodes'> = {
  writeQuorum: 3, ackQuorum: 2, addTimeoutMs: 5000, appendTimeoutMs: 10_000, rpcTimeoutMs: 5000,
  reconnectDelayMs: 200, maxInFlight: 16_384, batchBytesMax: 1 << 20, nodeBacklogBytesMax: 256 << 20, readPageBytes: 4 << 20,
};

/**
 * Settles once every promise has, or as soon as `enough` holds for the
 * fulfilled values so far: a hung node must not hold up a quorum call until
 * its deadline. Promises still pending read as rejected ('no answer yet');
 * their requests still reach the node.
 */
function settleEnough<T>(ps: ReadonlyArray<Promise<T>>, enough: (values: T[]) => boolean): Promise<Array<PromiseSettledResult<T>>> {
  const results: Array<PromiseSettledResult<T>> = ps.map(() => ({ status: 'rejected', reason: new Error('no answer yet') }));
  return new Promise((resolve) => {
    let left = ps.length;
    if (left === 0) { resolve(results); return; }
    const check = () => {
      const values = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
      if (left === 0 || enough(values)) resolve(results);
    };
    ps.forEach((p, i) => p.then(
      (value) => { results[i] = { status: 'fulfilled', value }; left--; check(); },
      (reason: unknown) => { results[i] = { status: 'rejected', reason }; left--; check(); }));
  });
}

const okCount = (values: Array<{ header: { ok: boolean } }>): number => values.filter((v) => v.header.ok).length;

class Append implements OutgoingEntry {
  acks = 0;
  ackedMask = 0;
  abandoned = false;
  readonly createdAt = Date.now();
  resolve!: (id: number) => void;
  reject!: (err: Error) => void;
  readonly done: Promise<number>;
  constructor(readonly log: RegionLog, readonly regionId: string, readonly id: number, readonly epoch: number,
    readonly writerEpoch: number, readonly payload: Uint8Array) {
    this.done = new Promise<number>((res, rej) => { this.resolve = res; this.reject = rej; });
  }
  lac(): number { return this.log.lac; }
  onNodeAck(node: number): void {
    if (this.abandoned || (this.ackedMask & (1 << node)) !== 0) return;
    this.ackedMask |= 1 << node;
    this.acks++;
    if (this.acks === this.log.wal.shape.ackQuorum) this.log.advance();
  }
  onFenced(nodeEpoch: number): void {
    if (!this.abandoned && this.writerEpoch === this.log.epoch) this.log.fenced(nodeEpoch);
  }
}

type Status = 'closed' | 'opening' | 'open' | 'fenced';

/** The writer's view of one region's replicated log. */
class RegionLog {
  status: Status = 'closed';
  epoch = 0;
  ledgers: LedgerList = [];
  nextId = 1;
  lac = 0;
  floor = 0;
  fencedBy = 0;
  opening: Promise<void> | undefined;
  /** Unacknowledged appends, in id order: acks to the engine leave from the head only. */
  waiting: Append[] = [];
  private slotWaiters: Array<() => void> = [];

  constructor(readonly wal: QuorumWal, readonly regionId: string) {}

  async ensureOpen(): Promise<void> {
    for (;;) {
      if (this.status === 'open') return;
      if (this.status === 'fenced') throw new WalFencedError(this.regionId, this.epoch, this.fencedBy);
      if (!this.opening) {
        this.status = 'opening';
        this.opening = this.wal.recover(this).then(
          () => { this.status = 'open'; this.opening = undefined; },
          (err: unknown) => { if (this.status === 'opening') this.status = 'closed'; this.opening = undefined; throw err; });
      }
      await this.opening;
    }
  }

  async append(payload: Uint8Array): Promise<number> {
    await this.ensureOpen();
    while (this.waiting.length >= this.wal.opts.maxInFlight) {
      await new Promise<void>((r) => this.slotWaiters.push(r));
      await this.ensureOpen();
    }
    const a = new Append(this, this.regionId, this.nextId++, this.epoch, this.epoch, payload);
    this.waiting.push(a);
    this.wal.sendToWriteSet(a);
    return a.done;
  }

  /** Acknowledges, in order, every head append that reached the ack quorum (the LAC moves). */
  advance(): void {
    const aq = this.wal.shape.ackQuorum;
    let n = 0;
    while (n < this.waiting.length && this.waiting[n]!.acks >= aq) n++;
    if (n === 0) return;
    const done = this.waiting.splice(0, n);
    for (const a of done) { this.lac = a.id; a.resolve(a.id); }
    this.wal.appendsAcked?.inc(n);
    const wake = this.slotWaiters.splice(0, n);
    for (const w of wake) w();
  }

  fenced(nodeEpoch: number): void {
    if (this.status === 'fenced') return;
    this.status = 'fenced';
    this.fencedBy = nodeEpoch;
    this.failAll(new WalFencedError(this.regionId, this.epoch, nodeEpoch));
  }

  /** Appends past their deadline: the log can no longer be trusted to be gap-free here, so re-open it. */
  checkDeadline(now: number): void {
    const head = this.waiting[0];
    if (this.status !== 'open' || !head || now - head.createdAt < this.wal.opts.appendTimeoutMs) return;
    const up = this.wal.healthyNodes();
    this.status = 'closed';
    this.failAll(new WalQuorumUnavailableError(`region ${this.regionId}: entry ${head.id} not acknowledged by ${this.wal.shape.ackQuorum} nodes within ${this.wal.opts.appendTimeoutMs} ms `
      + `(healthy nodes: ${up.length}/${this.wal.shape.ensemble}); the outcome of the ${this.waiting.length} pending append(s) is unknown until the region is re-opened`));
  }

  failAll(err: Error): void {
    const all = this.waiting;
    if (all.length > 0) this.wal.countFailures(err, all.length);
    this.waiting = [];
    for (const a of all) { a.abandoned = true; a.reject(err); }
    for (const w of this.slotWaiters.splice(0)) w();
  }
}

/**
 * The replicated WAL a datanode uses: a BookKeeper-style ledger protocol over
 * WAL nodes. Each region is a log of entries with writer-assigned ids; the
 * writer owns it under an epoch after fencing a quorum of nodes.
 *
 * ```
 *  open(region)     Fence(e) ──▶ ≥ E-AQ+1 nodes ──▶ Read tails ──▶ L = last recoverable id
 *                   re-send (LAC, L] ──▶ AQ acks ──▶ SetLedgers(+[e, L+1]) ──▶ AQ acks ──▶ open
 *  append(payload)  id = next ──▶ write set (W nodes) ──▶ AQ fsync acks ──▶ resolve in id order
 * ```
 *
 * @example
 * const wal = new QuorumWal({ ...QUORUM_WAL_DEFAULTS, nodes: ['10.0.0.1:4010', '10.0.0.2:4010', '10.0.0.3:4010'] });
 * const seq = await wal.append('1024_0', payload);
 */
export class QuorumWal implements Wal {
  readonly name = 'wal-quorum';
  readonly shape: QuorumShape;
  readonly writer = randomUUID();
  private readonly clients: NodeClient[];
  private readonly regions = new Map<string, RegionLog>();
  private readonly deadlineTimer: NodeJS.Timeout;
  private closed = false;
  readonly appendsAcked: { inc(n: number): void } | undefined;
  private readonly appendFailures: { inc(labels: { reason: string }): void } | undefined;

  constructor(readonly opts: QuorumWalOptions) {
    this.shape = { ensemble: opts.nodes.length, writeQuorum: opts.writeQuorum, ackQuorum: opts.ackQuorum };
    const problem = shapeProblem(this.shape);
    if (problem) throw new InvalidArgumentsError(`wal-quorum: ${problem}`);
    if (opts.nodes.length > 30) throw new InvalidArgumentsError('wal-quorum: at most 30 nodes');
    this.clients = opts.nodes.map((addr, i) => new NodeClient(i, addr, { ...opts, writer: this.writer }));
    const m = opts.metrics;
    const healthy = m?.gauge('strata_wal_quorum_node_healthy', 'wal-quorum: 1 while the stream to the node is healthy', ['node']);
    const backlog = m?.gauge('strata_wal_quorum_node_backlog_entries', 'wal-quorum: entries the node has not acknowledged yet', ['node']);
    this.appendsAcked = m?.counter('strata_wal_quorum_appends_total', 'wal-quorum: appends acknowledged (ack quorum fsynced, in order)');
    const failures = m?.counter('strata_wal_quorum_append_failures_total', 'wal-quorum: appends failed, by reason', ['reason']);
    this.appendFailures = failures ? { inc: (l) => failures.inc(l) } : undefined;
    this.deadlineTimer = setInterval(() => {
      const now = Date.now();
      for (const r of this.regions.values()) r.checkDeadline(now);
      for (const c of this.clients) { healthy?.set({ node: c.address }, c.healthy ? 1 : 0); backlog?.set({ node: c.address }, c.backlog()); }
    },
      Math.max(20, Math.min(1000, Math.floor(opts.appendTimeoutMs / 5))));
    this.deadlineTimer.unref();
  }

  private log(regionId: RegionId): RegionLog {
    if (this.closed) throw new WalQuorumUnavailableError('the WAL is closed');
    let r = this.regions.get(regionId);
    if (!r) { r = new RegionLog(this, regionId); this.regions.set(regionId, r); }
    return r;
  }

  append(regionId: RegionId, payload: Uint8Array): Promise<number> {
    if (!(payload instanceof Uint8Array)) return Promise.reject(new InvalidArgumentsError('wal-quorum: payload must be a Uint8Array'));
    try { return this.log(regionId).append(payload); } catch (err) { return Promise.reject(err); }
  }

  async *replay(regionId: RegionId, fromSequence: number): AsyncIterable<WalEntry> {
    const log = this.log(regionId);
    await log.ensureOpen();
    const end = log.lac;
    let k = Math.max(fromSequence, log.floor + 1, 1);
    // Pages come from one preferred node while it has every entry (W = E:
    // any node that was never away); a gap there asks all nodes once.
    let preferred = this.clients.find((c) => c.healthy) ?? this.clients[0]!;
    while (k <= end) {
      const read = (c: NodeClient) => c.call<ReadReply>('Read', { region: regionId, from: k, bytesMax: this.opts.readPageBytes });
      const one = await read(preferred).catch(() => undefined);
      if (one) {
        const { header, payloads } = one;
        let yielded = 0;
        for (let i = 0; i < header.entries.length && k <= end; i++) {
          const [id, epoch] = header.entries[i]!;
          if (id < k) continue;
          if (id !== k || epoch !== ownerOf(log.ledgers, id)) break;
          yield { regionId, sequence: k, payload: payloads[i]! };
          k++; yielded++;
        }
        if (yielded > 0) continue;
      }
      const pages = await Promise.allSettled(this.clients.map(read));
      const got = pages.flatMap((p) => (p.status === 'fulfilled' ? [p.value] : []));
      if (got.length === 0) throw new WalQuorumUnavailableError(`replay of region ${regionId}: no node answered a read from entry ${k}`);
      let coveredTo = Infinity;
      let floor = 0;
      const copies = new Map<number, Buffer>();
      for (const { header, payloads } of got) {
        coveredTo = Math.min(coveredTo, header.coveredTo);
        floor = Math.max(floor, header.state.floor);
        header.entries.forEach(([id, epoch], i) => {
          if (id >= k && epoch === ownerOf(log.ledgers, id) && !copies.has(id)) copies.set(id, payloads[i]!);
        });
      }
      const last = Math.min(coveredTo, end);
      for (; k <= last; k++) {
        const payload = copies.get(k);
        if (payload) { yield { regionId, sequence: k, payload }; continue; }
        if (k <= floor) continue; // obsoleted meanwhile
        throw new CorruptionError(`wal-quorum: replay of region ${regionId}: acknowledged entry ${k} is on none of the ${got.length} reachable node(s)`);
      }
      // Prefer a node that answered for the next page.
      preferred = this.clients[pages.findIndex((p) => p.status === 'fulfilled')] ?? preferred;
    }
  }

  async lastSequence(regionId: RegionId): Promise<number> {
    const log = this.log(regionId);
    await log.ensureOpen();
    return log.nextId - 1;
  }

  async obsolete(regionId: RegionId, upToSequence: number): Promise<void> {
    const log = this.log(regionId);
    await log.ensureOpen();
    const upTo = Math.min(upToSequence, log.lac);
    if (upTo <= log.floor) return;
    log.floor = upTo;
    // Best effort: a node that misses it keeps more than it needs until the next obsolete (the bound is cumulative).
    await settleEnough(this.clients.map((c) => c.call<SimpleReply>('Obsolete', { region: regionId, upTo })), (v) => okCount(v) >= this.shape.ackQuorum);
  }

  async dropRegion(regionId: RegionId): Promise<void> {
    const log = this.log(regionId);
    await log.ensureOpen();
    for (const a of log.waiting) a.abandoned = true;
    // The drop runs under a fresh epoch: its ledger list [[epoch, 1]] must be
    // newer than any list a node that misses the drop still holds, so that
    // node's old entries (and LAC) are never taken for the new log's.
    try {
      const { epoch } = await this.fence(log);
      log.epoch = epoch;
      const replies = await settleEnough(this.clients.map((c) => c.call<SimpleReply>('Drop', { region: regionId, epoch, writer: this.writer })), (v) => okCount(v) >= this.shape.ackQuorum);
      const ok = replies.filter((r) => r.status === 'fulfilled' && r.value.header.ok).length;
      const fencedBy = Math.max(0, ...replies.map((r) => (r.status === 'fulfilled' && !r.value.header.ok ? r.value.header.fencedEpoch ?? 0 : 0)));
      if (fencedBy > 0) { log.fenced(fencedBy); throw new WalFencedError(regionId, log.epoch, fencedBy); }
      if (ok < this.shape.ackQuorum) throw new WalQuorumUnavailableError(`drop of region ${regionId}: only ${ok} of ${this.shape.ackQuorum} nodes confirmed`);
    } catch (err) {
      // Half-dropped: the next operation re-opens the region (recovery decides what is left).
      if (log.status === 'open') log.status = 'closed';
      throw err;
    }
    log.waiting = [];
    log.ledgers = [[log.epoch, 1]];
    log.nextId = 1; log.lac = 0; log.floor = 0;
  }

  countFailures(err: Error, n: number): void {
    const reason = err instanceof WalFencedError ? 'fenced' : 'quorum-unavailable';
    for (let i = 0; i < n; i++) this.appendFailures?.inc({ reason });
  }

  /** Nodes whose stream is currently healthy. */
  healthyNodes(): number[] {
    return this.clients.filter((c) => c.healthy).map((c) => c.index);
  }

  /** Per-node queue lengths (entries not yet acknowledged by that node). */
  backlogs(): number[] {
    return this.clients.map((c) => c.backlog());
  }

  async close(): Promise<void> {
    if (this.closed) return;
    // Let appends already sent finish (bounded), then hang up.
    const deadline = Date.now() + Math.min(this.opts.appendTimeoutMs, 5000);
    while (Date.now() < deadline && [...this.regions.values()].some((r) => r.waiting.length > 0)) await new Promise((r) => setTimeout(r, 10));
    this.closed = true;
    clearInterval(this.deadlineTimer);
    for (const r of this.regions.values()) r.failAll(new WalQuorumUnavailableError('the WAL was closed'));
    for (const c of this.clients) c.close();
  }

  /**
   * Hangs up at once without waiting for anything, as a crashed process
   * would (tests and crash drills). Pending appends fail; nothing is undone
   * on the nodes.
   */
  crash(): void {
    this.closed = true;
    clearInterval(this.deadlineTimer);
    for (const c of this.clients) c.close();
    for (const r of this.regions.values()) r.failAll(new WalQuorumUnavailableError('the writer crashed'));
  }

  sendToWriteSet(a: OutgoingEntry): void {
    for (const n of writeSetOf(this.shape, a.id)) this.clients[n]!.send(a);
  }

  /** Step 1 of open (and of drop): a new epoch, above any seen, fenced on at least E - AQ + 1 nodes. */
  private async fence(log: RegionLog): Promise<{ epoch: number; fencedSet: Array<{ node: number; state: NodeRegionState }> }> {
    const F = fenceQuorumOf(this.shape);
    let epoch = log.epoch + 1;
    let fencedSet: Array<{ node: number; state: NodeRegionState }> = [];
    for (let attempt = 0; ; attempt++) {
      const replies = await settleEnough(this.clients.map((c) => c.call<FenceReply>('Fence', { region: log.regionId, epoch, writer: this.writer })), (v) => okCount(v) >= F);
      fencedSet = [];
      let highest = 0;
      replies.forEach((r, node) => {
        if (r.status !== 'fulfilled') return;
        if (r.value.header.ok) fencedSet.push({ node, state: r.value.header.state });
        else highest = Math.max(highest, r.value.header.state.fencedEpoch);
      });
      if (fencedSet.length >= F) break;
      if (highest >= epoch && attempt < 8) { epoch = highest + 1; continue; }
      const down = replies.flatMap((r, i) => (r.status === 'rejected' ? [`${this.opts.nodes[i]} (${(r.reason as Error).message})`] : []));
      throw new WalQuorumUnavailableError(`cannot open region ${log.regionId}: fenced ${fencedSet.length} node(s), ${F} needed; unreachable: ${down.join(', ') || 'none'}`);
    }
    return { epoch, fencedSet };
  }

  /**
   * Takes ownership of a region (BookKeeper's open-with-recovery):
   * 1. fence: a new epoch on at least E - AQ + 1 nodes (so no old writer can
   *    complete an ack quorum again), retrying above any epoch seen;
   * 2. read the tails of the fenced nodes from their LAC on, and find the
   *    last entry L: an entry is in the log if any fenced node holds a copy
   *    valid under the ledger list; the first id that W - AQ + 1 nodes of its
   *    write set lack was never acknowledged, so L is the id before it;
   * 3. re-replicate the recovered tail to AQ nodes of each write set;
   * 4. append [epoch, L + 1] to the ledger list on AQ nodes: copies of ids
   *    above L from older epochs are invalid from now on, everywhere.
   */
  async recover(log: RegionLog): Promise<void> {
    const { epoch, fencedSet } = await this.fence(log);
    log.epoch = epoch;
    // The ledger list of the newest writer any fenced node heard of.
    let ledgers: LedgerList = [];
    for (const f of fencedSet) if (lastEpochOf(f.state.ledgers) > lastEpochOf(ledgers)) ledgers = f.state.ledgers;
    const current = fencedSet.filter((f) => lastEpochOf(f.state.ledgers) === lastEpochOf(ledgers));
    let start = 1;
    let floor = 0;
    for (const f of current) { start = Math.max(start, f.state.lac + 1, f.state.floor + 1); floor = Math.max(floor, f.state.floor); }

    // Step 2: scan forward from the LAC over the fenced nodes' pages.
    const readers = fencedSet.map((f) => ({ node: f.node, coveredTo: start - 1, copies: new Map<number, [number, Buffer]>() }));
    const absentNeeded = absentQuorumOf(this.shape);
    const tail: Array<{ id: number; epoch: number; payload: Buffer }> = [];
    let k = start;
    for (;;) {
      for (const rd of readers) {
        if (rd.coveredTo >= k) continue;
        const { header, payloads } = await this.clients[rd.node]!.call<ReadReply>('Read', { region: log.regionId, from: k, bytesMax: this.opts.readPageBytes })
          .catch((err: unknown) => { throw new WalQuorumUnavailableError(`recovery of region ${log.regionId}: read from ${this.opts.nodes[rd.node]} failed`, { cause: err }); });
        rd.copies.clear();
        header.entries.forEach(([id, ep], i) => rd.copies.set(id, [ep, payloads[i]!]));
        rd.coveredTo = header.coveredTo;
      }
      const owner = ownerOf(ledgers, k);
      let found: [number, Buffer] | undefined;
      let absent = 0;
      const ws = writeSetOf(this.shape, k);
      for (const rd of readers) {
        const c = rd.copies.get(k);
        if (c && c[0] === owner && owner > 0) { found = c; break; }
        if (ws.includes(rd.node)) absent++;
      }
      if (found) { tail.push({ id: k, epoch: found[0], payload: found[1] }); k++; continue; }
      if (absent >= absentNeeded) break;
      throw new WalQuorumUnavailableError(`recovery of region ${log.regionId}: cannot decide entry ${k} (${absent} of ${absentNeeded} absent votes)`);
    }
    const last = k - 1;

    // Step 3: the recovered tail goes back out under this writer's epoch (its own epoch kept).
    log.ledgers = ledgers;
    if (tail.length > 0) {
      const sends = tail.map((t) => {
        const a = new Append(log, log.regionId, t.id, t.epoch, epoch, t.payload);
        log.waiting.push(a);
        return a;
      });
      for (const a of sends) this.sendToWriteSet(a);
      const timer = setTimeout(() => log.failAll(new WalQuorumUnavailableError(`recovery of region ${log.regionId}: re-replicating entries ${start}..${last} timed out`)), this.opts.appendTimeoutMs);
      try { await Promise.all(sends.map((a) => a.done)); } finally { clearTimeout(timer); }
    }

    // Step 4: the new ledger starts after L.
    const next: Array<[number, number]> = [...ledgers.map((l) => [l[0], l[1]] as [number, number]), [epoch, last + 1]];
    const replies = await settleEnough(this.clients.map((c) => c.call<SimpleReply>('SetLedgers', { region: log.regionId, epoch, writer: this.writer, ledgers: next })), (v) => okCount(v) >= this.shape.ackQuorum);
    const ok = replies.filter((r) => r.status === 'fulfilled' && r.value.header.ok).length;
    const fencedBy = Math.max(0, ...replies.map((r) => (r.status === 'fulfilled' && !r.value.header.ok ? r.value.header.fencedEpoch ?? 0 : 0)));
    if (fencedBy > epoch) { log.fenced(fencedBy); throw new WalFencedError(log.regionId, epoch, fencedBy); }
    if (ok < this.shape.ackQuorum) throw new WalQuorumUnavailableError(`recovery of region ${log.regionId}: ledger list stored on ${ok} node(s), ${this.shape.ackQuorum} needed`);
    log.ledgers = next;
    log.nextId = last + 1;
    log.lac = last;
    log.floor = floor;
    this.opts.logger?.info({ region: log.regionId, epoch, lastEntry: last, recoveredTail: tail.length }, 'wal-quorum: region opened');
  }
}
