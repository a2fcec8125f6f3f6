import { randomUUID } from 'node:crypto';
import type { Logger, Metrics, RegionId, Wal, WalEntry } from '@strata/kernel';
import { CorruptionError, InvalidArgumentsError, WalFencedError, WalQuorumUnavailableError } from './errors.js';
import {
  absentQuorumOf, currentEnsembleOf, dropsIn, fenceQuorumOf, fragmentOf, fragmentsOf, isPrefixOf, ledgersOf, ownerOf, shapeProblem, writeSetOf,
  type Fragment, type LedgerList, type MetaElement, type QuorumShape,
} from './ledger-math.js';
import { NodeClient, type OutgoingEntry } from './node-client.js';
import type { FenceReply, GapsReply, NodeRegionState, ReadReply, SimpleReply } from './wire.js';

export interface QuorumWalOptions {
  /** The initial ensemble (E = its length). */
  nodes: readonly string[];
  /** Nodes that may replace a failed ensemble member (ensemble change). */
  spares: readonly string[];
  /** A member unreachable this long is replaced by a spare. */
  nodeReplaceAfterMs: number;
  /** Bytes read from peers and sent to a catching-up node per chunk. */
  catchUpChunkBytes: number;
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
  spares: [], nodeReplaceAfterMs: 10_000, catchUpChunkBytes: 4 << 20,
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
  ackedMask = 0;
  abandoned = false;
  /** Pool indexes of the entry's write set (recomputed by an ensemble change). */
  ws: number[] = [];
  readonly createdAt = Date.now();
  resolve!: (id: number) => void;
  reject!: (err: Error) => void;
  readonly done: Promise<number>;
  constructor(readonly log: RegionLog, readonly regionId: string, readonly id: number, readonly epoch: number,
    readonly writerEpoch: number, readonly payload: Uint8Array) {
    this.done = new Promise<number>((res, rej) => { this.resolve = res; this.reject = rej; });
  }
  lac(): number { return this.log.lac; }
  wants(node: number): boolean { return !this.abandoned && this.ws.includes(node) && (this.ackedMask & (1 << node)) === 0; }
  /** Acks from nodes of the current write set (a node outside it does not count toward the quorum). */
  acks(): number {
    let n = 0;
    for (const x of this.ws) if ((this.ackedMask & (1 << x)) !== 0) n++;
    return n;
  }
  onNodeAck(node: number): void {
    if (this.abandoned || (this.ackedMask & (1 << node)) !== 0) return;
    this.ackedMask |= 1 << node;
    if (this.ws.includes(node) && this.acks() === this.log.wal.shape.ackQuorum) this.log.advance();
  }
  onFenced(nodeEpoch: number): void {
    if (!this.abandoned && this.writerEpoch === this.log.epoch) this.log.fenced(nodeEpoch);
  }
}

/** A copy sent to a node catching up (or replacing another): acknowledged to the catch-up task only. */
class CatchUpEntry implements OutgoingEntry {
  readonly abandoned = false;
  readonly pinned = true;
  constructor(readonly regionId: string, readonly id: number, readonly epoch: number, readonly writerEpoch: number,
    readonly payload: Uint8Array, private readonly lacNow: number, private readonly acked: () => void, private readonly fencedBy: (e: number) => void) {}
  lac(): number { return this.lacNow; }
  wants(): boolean { return true; }
  onNodeAck(): void { this.acked(); }
  onFenced(nodeEpoch: number): void { this.fencedBy(nodeEpoch); }
}

type Status = 'closed' | 'opening' | 'open' | 'fenced';

/** The writer's view of one region's replicated log. */
class RegionLog {
  status: Status = 'closed';
  epoch = 0;
  /** The decided ledger metadata (see MetaElement) and what follows from it. */
  elements: MetaElement[] = [];
  ledgers: LedgerList = [];
  fragments: Fragment[] = [];
  /** Pool indexes of the current fragment's ensemble, by write-set position. */
  ensemble: number[] = [];
  nextId = 1;
  lac = 0;
  floor = 0;
  fencedBy = 0;
  opening: Promise<void> | undefined;
  /** An ensemble change is being decided: no append is acknowledged meanwhile (BookKeeper holds them too). */
  changing = false;
  /** A node of the ensemble is down and no spare could take its place: writes run on the rest. */
  degraded = false;
  /** Unacknowledged appends, in id order: acks to the engine leave from the head only. */
  waiting: Append[] = [];
  private slotWaiters: Array<() => void> = [];

  constructor(readonly wal: QuorumWal, readonly regionId: string) {}

  setElements(elements: MetaElement[]): void {
    this.elements = elements;
    this.ledgers = ledgersOf(elements);
    this.fragments = fragmentsOf(elements, this.wal.opts.nodes);
    this.ensemble = currentEnsembleOf(elements, this.wal.opts.nodes).map((a) => this.wal.clientOf(a).index);
  }

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
    this.wal.sendEntry(a, this.ensemble);
    return a.done;
  }

  /** Acknowledges, in order, every head append that reached the ack quorum (the LAC moves). */
  advance(): void {
    if (this.changing) return;
    const aq = this.wal.shape.ackQuorum;
    let n = 0;
    while (n < this.waiting.length && this.waiting[n]!.acks() >= aq) n++;
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
    const up = this.ensemble.filter((i) => this.wal.clients[i]!.healthy);
    this.status = 'closed';
    this.failAll(new WalQuorumUnavailableError(`region ${this.regionId}: entry ${head.id} not acknowledged by ${this.wal.shape.ackQuorum} nodes within ${this.wal.opts.appendTimeoutMs} ms `
      + `(healthy nodes of the ensemble: ${up.length}/${this.wal.shape.ensemble}); the outcome of the ${this.waiting.length} pending append(s) is unknown until the region is re-opened`));
  }

  failAll(err: Error): void {
    const all = this.waiting;
    if (all.length > 0) this.wal.countFailures(err, all.length);
    this.waiting = [];
    for (const a of all) { a.abandoned = true; a.reject(err); }
    for (const w of this.slotWaiters.splice(0)) w();
  }
}

/** What `QuorumWal.status()` reports for one region. */
export interface RegionQuorumStatus {
  region: string;
  status: Status;
  epoch: number;
  lac: number;
  /** Node addresses of the current fragment, by write-set position. */
  ensemble: string[];
  /** Fragments of the live log: first id and ensemble. */
  fragments: Array<{ first: number; ensemble: string[] }>;
  degraded: boolean;
}

/** A fenced node's answer during recovery. */
interface Fenced { node: number; state: NodeRegionState }

/**
 * The replicated WAL a datanode uses: a BookKeeper-style ledger protocol over
 * WAL nodes. Each region is a log of entries with writer-assigned ids; the
 * writer owns it under an epoch after fencing a quorum of nodes.
 *
 * ```
 *  open(region)     Fence(e) ──▶ every node of the pool ──▶ decide the metadata (see recover)
 *                   ──▶ Read tails of the current ensemble ──▶ L ──▶ re-send tail ──▶ new ledger element
 *  append(payload)  id = next ──▶ write set (W nodes of the current fragment) ──▶ AQ fsync acks ──▶ resolve in id order
 *  node failure     member down > nodeReplaceAfterMs ──▶ frag element (first = LAC+1, spare at its position)
 *                   decided on AQ of old and new ensemble ──▶ pending entries re-sent to the new write sets
 * ```
 *
 * Ledger metadata (BookKeeper keeps it in ZooKeeper behind compare-and-swap)
 * lives on the nodes themselves, as a sequence of elements where each
 * position is decided Paxos-style: the writer's epoch is the ballot, Fence is
 * the promise, SetMeta the accept. The acceptors of position p are the
 * ensemble in force after p-1 elements; a new element (which may name a new
 * ensemble) is decided once AQ nodes of the old ensemble and AQ of the new
 * one stored it, and is then marked committed on AQ nodes of the new one.
 * A recovering writer starts from the longest prefix some node proves
 * decided (a committed mark, or any stored list's prefix: nobody proposes
 * position p before p-1 is decided), fences E-AQ+1 nodes of that prefix's
 * ensemble, and re-proposes the highest-ballot value it finds for the next
 * position, until none is left. So the metadata never needs a quorum of a
 * fixed set of nodes: after one ensemble change and a second failure, the
 * spare and the last original node are enough (see docs/wal-quorum.md).
 *
 * @example
 * const wal = new QuorumWal({ ...QUORUM_WAL_DEFAULTS, nodes: ['10.0.0.1:4010', '10.0.0.2:4010', '10.0.0.3:4010'], spares: ['10.0.0.4:4010'] });
 * const seq = await wal.append('1024_0', payload);
 */
export class QuorumWal implements Wal {
  readonly name = 'wal-quorum';
  readonly shape: QuorumShape;
  readonly writer = randomUUID();
  /** The pool: initial ensemble, spares, and any node named by metadata; index = position here. */
  readonly clients: NodeClient[] = [];
  private readonly byAddress = new Map<string, number>();
  private readonly regions = new Map<string, RegionLog>();
  private readonly deadlineTimer: NodeJS.Timeout;
  private closed = false;
  readonly appendsAcked: { inc(n: number): void } | undefined;
  private readonly appendFailures: { inc(labels: { reason: string }): void } | undefined;
  private readonly ensembleChanges: { inc(): void } | undefined;
  private readonly catchUpBytes: { inc(n: number): void } | undefined;
  /** Counters for tests and status: ensemble changes decided, catch-up chunks and bytes sent, largest chunk. */
  readonly stats = { ensembleChanges: 0, catchUpChunks: 0, catchUpEntries: 0, catchUpBytes: 0, catchUpChunkBytesMax: 0 };

  constructor(readonly opts: QuorumWalOptions) {
    this.shape = { ensemble: opts.nodes.length, writeQuorum: opts.writeQuorum, ackQuorum: opts.ackQuorum };
    const problem = shapeProblem(this.shape);
    if (problem) throw new InvalidArgumentsError(`wal-quorum: ${problem}`);
    const pool = [...opts.nodes, ...(opts.spares ?? [])];
    if (new Set(pool).size !== pool.length) throw new InvalidArgumentsError('wal-quorum: a node is listed twice in nodes/spares');
    if (pool.length > 30) throw new InvalidArgumentsError('wal-quorum: at most 30 nodes and spares');
    for (const a of pool) this.clientOf(a);
    const m = opts.metrics;
    const healthy = m?.gauge('strata_wal_quorum_node_healthy', 'wal-quorum: 1 while the stream to the node is healthy', ['node']);
    const backlog = m?.gauge('strata_wal_quorum_node_backlog_entries', 'wal-quorum: entries the node has not acknowledged yet', ['node']);
    const missed = m?.gauge('strata_wal_quorum_node_missed_entries', 'wal-quorum: entries the node must still copy from peers (catch-up)', ['node']);
    const degraded = m?.gauge('strata_wal_quorum_regions_degraded', 'wal-quorum: regions writing with a dead ensemble member and no spare to replace it');
    this.appendsAcked = m?.counter('strata_wal_quorum_appends_total', 'wal-quorum: appends acknowledged (ack quorum fsynced, in order)');
    const failures = m?.counter('strata_wal_quorum_append_failures_total', 'wal-quorum: appends failed, by reason', ['reason']);
    this.appendFailures = failures ? { inc: (l) => failures.inc(l) } : undefined;
    const changes = m?.counter('strata_wal_quorum_ensemble_changes_total', 'wal-quorum: ensemble changes (a failed node replaced by a spare)');
    this.ensembleChanges = changes ? { inc: () => changes.inc() } : undefined;
    const cub = m?.counter('strata_wal_quorum_catch_up_bytes_total', 'wal-quorum: payload bytes copied from peers to nodes catching up');
    this.catchUpBytes = cub ? { inc: (n) => cub.inc(n) } : undefined;
    this.deadlineTimer = setInterval(() => {
      const now = Date.now();
      let nDegraded = 0;
      for (const r of this.regions.values()) {
        r.checkDeadline(now);
        this.checkEnsemble(r, now);
        if (r.degraded) nDegraded++;
      }
      for (const c of this.clients) {
        if (c.missed.size > 0 && !c.catchingUp) {
          if (c.healthy) void this.catchUp(c);
          else if (!c.probing && now - (c.probedAt ?? 0) >= 1000) {
            // A failed node with nothing queued gets no acks, so it never turns healthy by itself: ask it.
            c.probing = true;
            c.probedAt = now;
            c.call<ReadReply>('Read', { region: '', from: 1, bytesMax: 1 }).then(() => { if (!c.catchingUp) void this.catchUp(c); }, () => undefined).finally(() => { c.probing = false; });
          }
        }
        healthy?.set({ node: c.address }, c.healthy ? 1 : 0);
        backlog?.set({ node: c.address }, c.backlog());
        missed?.set({ node: c.address }, [...c.missed.values()].reduce((n, l) => n + l.reduce((k, [a, b]) => k + b - a + 1, 0), 0));
      }
      degraded?.set(nDegraded);
    }, Math.max(20, Math.min(1000, Math.floor(Math.min(opts.appendTimeoutMs, opts.nodeReplaceAfterMs) / 5))));
    this.deadlineTimer.unref();
  }

  /** The client of a node address, created on first use (metadata may name a node no longer configured). */
  clientOf(address: string): NodeClient {
    let i = this.byAddress.get(address);
    if (i === undefined) {
      if (this.clients.length >= 31) throw new WalQuorumUnavailableError(`too many distinct nodes (at most 31): ${address}`);
      i = this.clients.length;
      this.clients.push(new NodeClient(i, address, { ...this.opts, ensembleSize: this.shape.ensemble, writer: this.writer }));
      this.byAddress.set(address, i);
    }
    return this.clients[i]!;
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

  /**
   * One read page starting at `from`, from `first` and, where its page has
   * gaps, from the other `sources` too (striped write sets, or a node that
   * was away): entries with a valid copy, and the id up to which the merged
   * page is complete.
   */
  private async readMerged(log: RegionLog, from: number, bytesMax: number, sources: number[]): Promise<{ entries: Map<number, Buffer>; coveredTo: number; floor: number; answered: number }> {
    const entries = new Map<number, Buffer>();
    let coveredTo = Infinity, floor = 0, answered = 0;
    const take = (r: { header: ReadReply; payloads: Buffer[] }) => {
      answered++;
      coveredTo = Math.min(coveredTo, r.header.coveredTo);
      floor = Math.max(floor, r.header.state.floor);
      r.header.entries.forEach(([id, epoch], i) => {
        if (id >= from && epoch === ownerOf(log.ledgers, id) && !entries.has(id)) entries.set(id, r.payloads[i]!);
      });
    };
    const read = (n: number) => this.clients[n]!.call<ReadReply>('Read', { region: log.regionId, from, bytesMax });
    const [first, ...rest] = sources;
    if (first !== undefined) {
      const one = await read(first).catch(() => undefined);
      if (one) {
        take(one);
        // Complete from `from` to the end of the page: no need to ask the others.
        let k = from;
        while (entries.has(k)) k++;
        const top = one.header.entries.length > 0 ? one.header.entries[one.header.entries.length - 1]![0] : from - 1;
        if (k > top && k > from) return { entries, coveredTo: Math.min(coveredTo, k - 1), floor, answered };
      }
    }
    const pages = await Promise.allSettled(rest.map(read));
    for (const p of pages) if (p.status === 'fulfilled') take(p.value);
    return { entries, coveredTo, floor, answered };
  }

  async *replay(regionId: RegionId, fromSequence: number): AsyncIterable<WalEntry> {
    const log = this.log(regionId);
    await log.ensureOpen();
    const end = log.lac;
    let k = Math.max(fromSequence, log.floor + 1, 1);
    while (k <= end) {
      // Each id is read from the ensemble of its fragment (a healthy member
      // first), then from every other node of the pool where that has gaps
      // (a replaced node's copies, or a node that caught up).
      const frag = fragmentOf(log.fragments, k);
      const members = frag.ens.map((a) => this.clientOf(a).index);
      const ordered = [...members.filter((i) => this.clients[i]!.healthy), ...members.filter((i) => !this.clients[i]!.healthy)];
      const others = this.clients.map((c) => c.index).filter((i) => !members.includes(i));
      let page = await this.readMerged(log, k, this.opts.readPageBytes, ordered);
      if (!page.entries.has(k) && k > page.floor) page = await this.readMerged(log, k, this.opts.readPageBytes, [...ordered, ...others]);
      if (page.answered === 0) throw new WalQuorumUnavailableError(`replay of region ${regionId}: no node answered a read from entry ${k}`);
      // Ids of a later fragment may live on nodes this page did not ask.
      const fragIndex = log.fragments.lastIndexOf(frag);
      const fragEnd = log.fragments.slice(fragIndex + 1).reduce((m, f) => (f.first > frag.first ? Math.min(m, f.first - 1) : m), Infinity);
      const last = Math.min(page.coveredTo, end, Math.max(fragEnd, k));
      let progressed = false;
      for (; k <= last; k++) {
        const payload = page.entries.get(k);
        if (payload) { yield { regionId, sequence: k, payload }; progressed = true; continue; }
        if (k <= page.floor) { progressed = true; continue; } // obsoleted meanwhile
        throw new CorruptionError(`wal-quorum: replay of region ${regionId}: acknowledged entry ${k} is on none of the ${page.answered} reachable node(s)`);
      }
      if (!progressed && k <= end) throw new CorruptionError(`wal-quorum: replay of region ${regionId}: no page covers entry ${k}`);
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
    while (log.changing) await new Promise((r) => setTimeout(r, 10));
    for (const a of log.waiting) a.abandoned = true;
    log.waiting = [];
    // The drop is one more metadata element, decided under a fresh epoch by a
    // full open (fence + metadata decisions), so it outranks what a node that
    // misses the drop still holds: that node's old entries (and LAC) are
    // never taken for the new log's.
    log.status = 'opening';
    try {
      await this.recover(log, true);
      log.status = 'open';
    } catch (err) {
      // Half-dropped: the next operation re-opens the region (recovery decides what is left).
      if (log.status === 'opening') log.status = 'closed';
      throw err;
    }
    log.nextId = 1; log.lac = 0; log.floor = 0;
    for (const c of this.clients) c.missed.delete(regionId);
  }

  countFailures(err: Error, n: number): void {
    const reason = err instanceof WalFencedError ? 'fenced' : 'quorum-unavailable';
    for (let i = 0; i < n; i++) this.appendFailures?.inc({ reason });
  }

  /** Indexes (in `nodes`, then `spares`) of the nodes whose stream is currently healthy. */
  healthyNodes(): number[] {
    return this.clients.filter((c) => c.healthy).map((c) => c.index);
  }

  /** Per-node queue lengths (entries not yet acknowledged by that node), in pool order. */
  backlogs(): number[] {
    return this.clients.map((c) => c.backlog());
  }

  /** Per region: ensemble, fragments, degraded (for `/status`-style reporting and tests). */
  status(): { nodes: Array<{ address: string; healthy: boolean; backlog: number; missedRanges: number }>; regions: RegionQuorumStatus[] } {
    return {
      nodes: this.clients.map((c) => ({ address: c.address, healthy: c.healthy, backlog: c.backlog(), missedRanges: [...c.missed.values()].reduce((n, l) => n + l.length, 0) + (c.catchingUp ? 1 : 0) })),
      regions: [...this.regions.values()].map((r) => ({
        region: r.regionId, status: r.status, epoch: r.epoch, lac: r.lac,
        ensemble: r.ensemble.map((i) => this.clients[i]!.address),
        fragments: r.fragments.map((f) => ({ first: f.first, ensemble: [...f.ens] })),
        degraded: r.degraded,
      })),
    };
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

  /** Sends an entry to the write set of its id in `ensemble` (pool indexes), skipping nodes that already acknowledged it. */
  sendEntry(a: Append, ensemble: readonly number[]): void {
    a.ws = writeSetOf(this.shape, a.id).map((pos) => ensemble[pos]!);
    for (const n of a.ws) if ((a.ackedMask & (1 << n)) === 0) this.clients[n]!.send(a);
  }

  // ───────────────────────────── metadata decisions ─────────────────────────────

  /**
   * Phase 2 of one metadata position: stores `elements` on the nodes of
   * `ensembles` (each needs AQ acceptances) under this writer's epoch, then
   * marks it committed on AQ nodes of the last ensemble. A refusal from a
   * higher epoch means a newer writer took over.
   */
  private async decide(log: RegionLog, elements: MetaElement[], ensembles: ReadonlyArray<readonly number[]>, method: 'SetMeta' | 'Drop' = 'SetMeta'): Promise<void> {
    const targets = [...new Set([...ensembles.flat(), ...(method === 'Drop' ? this.clients.map((c) => c.index) : [])])];
    const header = { region: log.regionId, epoch: log.epoch, writer: this.writer, elements, committed: elements.length - 1 };
    const enough = (ok: Set<number>) => ensembles.every((ens) => ens.filter((n) => ok.has(n)).length >= this.shape.ackQuorum);
    const answers = targets.map((n) => this.clients[n]!.call<SimpleReply>(method, header).then((r) => ({ n, r: r.header })));
    const replies = await settleEnough(answers, (v) => enough(new Set(v.filter((x) => x.r.ok).map((x) => x.n))));
    const ok = new Set<number>();
    let fencedBy = 0;
    for (const r of replies) {
      if (r.status !== 'fulfilled') continue;
      if (r.value.r.ok) ok.add(r.value.n);
      else fencedBy = Math.max(fencedBy, r.value.r.fencedEpoch ?? 0);
    }
    if (fencedBy > log.epoch) { log.fenced(fencedBy); throw new WalFencedError(log.regionId, log.epoch, fencedBy); }
    if (!enough(ok)) {
      const need = ensembles.map((ens) => `${ens.filter((n) => ok.has(n)).length}/${this.shape.ackQuorum} of [${ens.map((n) => this.clients[n]!.address).join(', ')}]`).join(' and ');
      throw new WalQuorumUnavailableError(`region ${log.regionId}: ledger metadata not stored on enough nodes (${need})`);
    }
    // The committed mark lets a later writer start from this element even when
    // the old ensemble is gone (best effort: without it, it re-decides it).
    const last = ensembles[ensembles.length - 1]!;
    const mark = { ...header, committed: elements.length };
    await settleEnough(last.map((n) => this.clients[n]!.call<SimpleReply>('SetMeta', mark)), (v) => okCount(v) >= this.shape.ackQuorum).catch(() => undefined);
  }

  /** Fences `nodes` at `epoch`; returns the fenced ones with their states and the highest epoch that refused. */
  private async fenceNodes(log: RegionLog, nodes: readonly number[], epoch: number, enough: (fenced: Fenced[]) => boolean, unreachable?: Set<number>): Promise<{ fenced: Fenced[]; refusedBy: number; errors: string[] }> {
    const calls = nodes.map((node) => this.clients[node]!.call<FenceReply>('Fence', { region: log.regionId, epoch, writer: this.writer }).then((r) => ({ node, r: r.header }),
      (err: unknown) => { unreachable?.add(node); throw err; }));
    const replies = await settleEnough(calls, (v) => enough(v.filter((x) => x.r.ok).map((x) => ({ node: x.node, state: x.r.state }))));
    const fenced: Fenced[] = [];
    const errors: string[] = [];
    let refusedBy = 0;
    replies.forEach((r, i) => {
      if (r.status === 'rejected') { errors.push(`${this.clients[nodes[i]!]!.address} (${(r.reason as Error).message})`); return; }
      if (r.value.r.ok) fenced.push({ node: r.value.node, state: r.value.r.state });
      else refusedBy = Math.max(refusedBy, r.value.r.state.fencedEpoch);
    });
    return { fenced, refusedBy, errors };
  }

  /** The longest metadata prefix any of these states proves decided (a committed mark, or a stored list minus its last element). */
  private provenPrefix(states: Iterable<Fenced>, base: MetaElement[]): MetaElement[] {
    let best = base;
    for (const { state } of states) {
      const el = state.meta.elements;
      for (const cand of [el.slice(0, state.meta.committed), el.slice(0, Math.max(0, el.length - 1))]) {
        if (cand.length > best.length && isPrefixOf(best, cand)) best = cand;
      }
    }
    return best;
  }

  /**
   * Takes ownership of a region (BookKeeper's open-with-recovery), or drops it:
   * 1. fence: a new epoch on every node of the pool, retrying above any epoch seen;
   * 2. metadata: from the longest proven-decided prefix D, with E-AQ+1 nodes of
   *    D's ensemble fenced, re-decide the highest-ballot element stored next to
   *    D on them, and repeat until there is none (see the class comment);
   * 3. read the tails of the fenced nodes of the current ensemble from their
   *    LAC (or the current fragment's first id) on, and find the last entry L:
   *    an entry is in the log if any fenced node holds a copy valid under the
   *    ledger list; the first id that W - AQ + 1 nodes of its write set lack
   *    was never acknowledged, so L is the id before it;
   * 4. re-replicate the recovered tail to AQ nodes of each write set;
   * 5. decide a ledger element [epoch, L + 1, ensemble] (unreachable members
   *    replaced by reachable spares): copies of ids above L from older epochs
   *    are invalid from now on, everywhere. A drop decides a drop element instead.
   */
  async recover(log: RegionLog, drop = false): Promise<void> {
    const F = fenceQuorumOf(this.shape);
    const states = new Map<number, Fenced>();
    /** Nodes whose fence call failed (not merely slower than the quorum): step 5 may replace them. */
    const unreachable = new Set<number>();
    // Step 1.
    let epoch = log.epoch + 1;
    for (let attempt = 0; ; attempt++) {
      const pool = this.clients.map((c) => c.index);
      const enough = (fenced: Fenced[]) => {
        const d = this.provenPrefix(fenced, []);
        const ens = currentEnsembleOf(d, this.opts.nodes).map((a) => this.byAddress.get(a));
        return fenced.filter((f) => ens.includes(f.node)).length >= F;
      };
      unreachable.clear();
      const { fenced, refusedBy, errors } = await this.fenceNodes(log, pool, epoch, enough, unreachable);
      if (refusedBy >= epoch && attempt < 8) { epoch = refusedBy + 1; continue; }
      if (fenced.length === 0) throw new WalQuorumUnavailableError(`cannot open region ${log.regionId}: no node could be fenced; unreachable: ${errors.join(', ') || 'none'}`);
      for (const f of fenced) states.set(f.node, f);
      break;
    }
    log.epoch = epoch;

    // Step 2: decide the metadata, one position at a time.
    let decided = this.provenPrefix(states.values(), []);
    for (let rounds = 0; ; rounds++) {
      decided = this.provenPrefix(states.values(), decided);
      const ens = currentEnsembleOf(decided, this.opts.nodes).map((a) => this.clientOf(a).index);
      const missing = ens.filter((n) => !states.has(n));
      if (ens.filter((n) => states.has(n)).length < F && missing.length > 0) {
        const more = await this.fenceNodes(log, missing, epoch, () => false, unreachable);
        if (more.refusedBy > epoch) { log.fenced(more.refusedBy); throw new WalFencedError(log.regionId, epoch, more.refusedBy); }
        for (const f of more.fenced) states.set(f.node, f);
      }
      const fencedIn = ens.filter((n) => states.has(n));
      if (fencedIn.length < F) {
        throw new WalQuorumUnavailableError(`cannot open region ${log.regionId}: fenced ${fencedIn.length} node(s) of its ensemble [${ens.map((n) => this.clients[n]!.address).join(', ')}], ${F} needed`);
      }
      let next: { ballot: number; elements: MetaElement[] } | undefined;
      for (const n of fencedIn) {
        const m = states.get(n)!.state.meta;
        if (m.elements.length > decided.length && isPrefixOf(decided, m.elements) && (!next || m.ballot > next.ballot)) next = m;
      }
      if (!next) break;
      if (rounds > 1000) throw new CorruptionError(`wal-quorum: region ${log.regionId}: ledger metadata does not converge`);
      const proposal = next.elements.slice(0, decided.length + 1);
      const newEns = currentEnsembleOf(proposal, this.opts.nodes).map((a) => this.clientOf(a).index);
      await this.decide(log, proposal, [ens, newEns]);
      decided = proposal;
    }
    log.setElements(decided);
    const ens = log.ensemble;
    const readers = ens.filter((n) => states.has(n)).map((n) => states.get(n)!);
    // LAC and floor from nodes whose metadata agrees with the decided one (a node that missed a drop does not).
    const drops = dropsIn(decided);
    const agreeing = [...states.values()].filter((f) => dropsIn(f.state.meta.elements) === drops && (isPrefixOf(f.state.meta.elements, decided) || isPrefixOf(decided, f.state.meta.elements)));
    let floor = 0;
    let start = Math.max(1, decided.length > 0 ? decided[decided.length - 1]!.first : 1);
    for (const f of agreeing) { floor = Math.max(floor, f.state.floor); start = Math.max(start, f.state.lac + 1); }
    start = Math.max(start, floor + 1);

    let last = 0;
    let tailLength = 0;
    if (!drop) {
      // Step 3: scan forward over the fenced members' pages.
      const rds = readers.map((f) => ({ node: f.node, coveredTo: start - 1, copies: new Map<number, [number, Buffer]>() }));
      const absentNeeded = absentQuorumOf(this.shape);
      const tail: Array<{ id: number; epoch: number; payload: Buffer }> = [];
      let k = start;
      for (;;) {
        for (const rd of rds) {
          if (rd.coveredTo >= k) continue;
          const { header, payloads } = await this.clients[rd.node]!.call<ReadReply>('Read', { region: log.regionId, from: k, bytesMax: this.opts.readPageBytes })
            .catch((err: unknown) => { throw new WalQuorumUnavailableError(`recovery of region ${log.regionId}: read from ${this.clients[rd.node]!.address} failed`, { cause: err }); });
          rd.copies.clear();
          header.entries.forEach(([id, ep], i) => rd.copies.set(id, [ep, payloads[i]!]));
          rd.coveredTo = header.coveredTo;
        }
        const owner = ownerOf(log.ledgers, k);
        let found: [number, Buffer] | undefined;
        let absent = 0;
        const ws = writeSetOf(this.shape, k).map((pos) => ens[pos]!);
        for (const rd of rds) {
          const c = rd.copies.get(k);
          if (c && c[0] === owner && owner > 0) { found = c; break; }
          if (ws.includes(rd.node)) absent++;
        }
        if (found) { tail.push({ id: k, epoch: found[0], payload: found[1] }); k++; continue; }
        if (absent >= absentNeeded) break;
        throw new WalQuorumUnavailableError(`recovery of region ${log.regionId}: cannot decide entry ${k} (${absent} of ${absentNeeded} absent votes)`);
      }
      last = k - 1;
      tailLength = tail.length;

      // Step 4: the recovered tail goes back out under this writer's epoch (its own epoch kept).
      if (tail.length > 0) {
        const sends = tail.map((t) => {
          const a = new Append(log, log.regionId, t.id, t.epoch, epoch, t.payload);
          log.waiting.push(a);
          return a;
        });
        for (const a of sends) this.sendEntry(a, ens);
        const timer = setTimeout(() => log.failAll(new WalQuorumUnavailableError(`recovery of region ${log.regionId}: re-replicating entries ${start}..${last} timed out`)), this.opts.appendTimeoutMs);
        try { await Promise.all(sends.map((a) => a.done)); } finally { clearTimeout(timer); }
      }
    }

    // Step 5: the new ledger (or the drop) starts after L, on reachable nodes where possible.
    const newEns = [...ens];
    const spares = [...states.keys()].filter((n) => !ens.includes(n));
    newEns.forEach((n, pos) => { if (unreachable.has(n) && !states.has(n) && spares.length > 0) newEns[pos] = spares.shift()!; });
    const element: MetaElement = drop
      ? { t: 'drop', e: epoch, first: 1, ens: newEns.map((n) => this.clients[n]!.address) }
      : { t: 'ledger', e: epoch, first: last + 1, ens: newEns.map((n) => this.clients[n]!.address) };
    const next = [...decided, element];
    await this.decide(log, next, [ens, newEns], drop ? 'Drop' : 'SetMeta');
    log.setElements(next);
    log.nextId = last + 1;
    log.lac = last;
    log.floor = floor;
    log.degraded = false;
    const replaced = newEns.filter((n, i) => n !== ens[i]).map((n) => this.clients[n]!.address);
    if (replaced.length > 0) { this.stats.ensembleChanges++; this.ensembleChanges?.inc(); }
    this.opts.logger?.info({ region: log.regionId, epoch, lastEntry: last, recoveredTail: tailLength, ensemble: element.ens, replaced }, drop ? 'wal-quorum: region dropped' : 'wal-quorum: region opened');
    if (!drop && last > floor) {
      const holders = new Set(log.fragments.filter((f, i) => (log.fragments[i + 1]?.first ?? Infinity) > floor + 1).flatMap((f) => f.ens.map((a) => this.clientOf(a).index)));
      void this.findGaps(log, [...holders], floor + 1, last);
    }
  }

  // ───────────────────────────── node failure handling ─────────────────────────────

  /**
   * After an open: which ids of (floor, L] the fenced nodes lack although
   * their write sets include them (a node that was down before this writer
   * started). They join the node's missed ranges, so a node that returns
   * catches up even across writer restarts. Best effort, in the background.
   */
  private async findGaps(log: RegionLog, nodes: number[], from: number, to: number): Promise<void> {
    for (const n of nodes) {
      const c = this.clients[n]!;
      const reply = await c.call<GapsReply>('Gaps', { region: log.regionId, from, to, rangesMax: 10_000, ledgers: log.ledgers }).catch(() => undefined);
      if (!reply || log.status === 'fenced') continue;
      let wanted = 0;
      for (const [a, b] of reply.header.gaps) {
        for (let id = a; id <= b; id++) {
          const frag = fragmentOf(log.fragments, id);
          const pos = frag.ens.indexOf(c.address);
          if (pos < 0 || !writeSetOf(this.shape, id).includes(pos)) continue;
          c.addMissed(log.regionId, id, id, this.shape.ensemble);
          wanted++;
        }
      }
      if (wanted > 0) this.opts.logger?.info({ region: log.regionId, node: c.address, entries: wanted }, 'wal-quorum: node lacks entries of the log; copying them from its peers');
    }
  }

  /**
   * Called by the timer for each region: a member of the current ensemble
   * that has been failing for `nodeReplaceAfterMs` is replaced by a spare
   * (ensemble change); with no spare the region keeps writing on the rest
   * and is reported degraded.
   */
  private checkEnsemble(log: RegionLog, now: number): void {
    if (log.status !== 'open' || log.changing || this.closed) return;
    const failed = log.ensemble.map((n, pos) => ({ n, pos })).filter(({ n }) => {
      const since = this.clients[n]!.unhealthySince;
      return since !== undefined && now - since >= this.opts.nodeReplaceAfterMs;
    });
    if (failed.length === 0) { log.degraded = false; return; }
    const spares = this.clients.filter((c) => !log.ensemble.includes(c.index) && (c.unhealthySince === undefined || now - c.unhealthySince < this.opts.nodeReplaceAfterMs)).map((c) => c.index);
    if (spares.length === 0) {
      if (!log.degraded) this.opts.logger?.warn({ region: log.regionId, failed: failed.map((f) => this.clients[f.n]!.address) }, 'wal-quorum: ensemble member down and no spare to replace it; writing on the remaining nodes (degraded)');
      log.degraded = true;
      return;
    }
    log.changing = true;
    this.changeEnsemble(log, failed, spares).catch((err: unknown) => {
      this.opts.logger?.warn({ region: log.regionId, err }, 'wal-quorum: ensemble change failed; will retry');
    }).finally(() => {
      log.changing = false;
      log.advance();
    });
  }

  /**
   * BookKeeper's ensemble change: the current fragment ends at the LAC (every
   * id up to it is acknowledged), a fragment element with the spares in the
   * failed positions is decided on AQ nodes of the old and of the new
   * ensemble, and every pending append (all above the LAC) goes to its write
   * set in the new ensemble. Acks are held meanwhile (`changing`). The
   * replacement then copies the old fragments' entries from its peers.
   */
  private async changeEnsemble(log: RegionLog, failed: Array<{ n: number; pos: number }>, spares: number[]): Promise<void> {
    const first = log.lac + 1;
    const old = [...log.ensemble];
    const next = [...old];
    for (const { pos } of failed) {
      while (spares.length > 0) {
        const s = spares.shift()!;
        // Fencing the spare at this writer's epoch: it must refuse older writers before it holds entries.
        const ok = await this.clients[s]!.call<FenceReply>('Fence', { region: log.regionId, epoch: log.epoch, writer: this.writer }).then((r) => r.header.ok, () => false);
        if (ok) { next[pos] = s; break; }
      }
    }
    if (next.every((n, i) => n === old[i])) {
      if (!log.degraded) this.opts.logger?.warn({ region: log.regionId }, 'wal-quorum: no spare answered; writing on the remaining nodes (degraded)');
      log.degraded = true;
      return;
    }
    if (log.status !== 'open') return;
    const element: MetaElement = { t: 'frag', first, ens: next.map((n) => this.clients[n]!.address) };
    const elements = [...log.elements, element];
    try {
      await this.decide(log, elements, [old, next]);
    } catch (err) {
      // The element may be stored on some nodes and decided by a later open,
      // which would then look for ids >= first on the new ensemble only: this
      // writer must not acknowledge them on the old one. Re-open instead
      // (recovery decides the metadata); pending appends have an unknown outcome.
      if (log.status === 'open') {
        log.status = 'closed';
        log.failAll(err instanceof WalFencedError ? err : new WalQuorumUnavailableError(`region ${log.regionId}: ensemble change could not be decided (${(err as Error).message}); `
          + `the outcome of the pending appends is unknown until the region is re-opened`, { cause: err }));
      }
      throw err;
    }
    log.setElements(elements);
    log.degraded = next.some((n) => failed.some((f) => f.n === n));
    for (const a of log.waiting) this.sendEntry(a, next);
    this.stats.ensembleChanges++;
    this.ensembleChanges?.inc();
    const replaced = failed.filter(({ pos }) => next[pos] !== old[pos]);
    this.opts.logger?.warn({ region: log.regionId, first, replaced: replaced.map(({ n, pos }) => `${this.clients[n]!.address} -> ${this.clients[next[pos]!]!.address}`) }, 'wal-quorum: ensemble changed');
    // Re-replication: the replacement copies what the failed node held below the new fragment.
    if (first - 1 > log.floor) for (const { pos } of replaced) this.clients[next[pos]!]!.addMissed(log.regionId, log.floor + 1, first - 1);
  }

  /**
   * Copies the id ranges a node missed from its peers: one chunk of at most
   * `catchUpChunkBytes` read from the peers, sent to the node, acknowledged
   * (fsynced), then the next — memory stays at one chunk however long the
   * backlog, and live appends keep flowing on the same stream between chunks.
   */
  private async catchUp(c: NodeClient): Promise<void> {
    c.catchingUp = true;
    // What is not copied yet goes back to `missed` when a step fails (the next timer tick retries).
    let requeue = () => undefined as void;
    try {
      for (const [region, ranges] of [...c.missed]) {
        c.missed.delete(region);
        const log = this.regions.get(region);
        if (!log || log.status === 'fenced') continue; // another writer owns it now
        if (log.status !== 'open') { for (const r of ranges) c.addMissed(region, r[0], r[1]); continue; }
        ranges.sort((a, b) => a[0] - b[0]);
        for (let i = 0; i < ranges.length; i++) {
          const [from, to] = ranges[i]!;
          const end = Math.min(to, log.lac);
          if (to > end) c.addMissed(region, Math.max(from, end + 1), to); // not acknowledged yet: later
          requeue = () => undefined;
          let k = Math.max(from, log.floor + 1);
          requeue = () => { c.addMissed(region, k, to); for (const r of ranges.slice(i + 1)) c.addMissed(region, r[0], r[1]); };
          while (k <= end) {
            if (this.closed || log.status !== 'open') return;
            const sources = this.clients.filter((x) => x !== c && x.healthy).map((x) => x.index);
            const page = await this.readMerged(log, k, this.opts.catchUpChunkBytes, sources);
            const items: CatchUpEntry[] = [];
            let pending = 0;
            let bytes = 0;
            let settle!: (ok: boolean) => void;
            const acked = new Promise<boolean>((r) => { settle = r; });
            const ids = [...page.entries.keys()].filter((id) => id <= end).sort((a, b) => a - b);
            for (const id of ids) {
              const payload = page.entries.get(id)!;
              bytes += payload.byteLength;
              items.push(new CatchUpEntry(region, id, ownerOf(log.ledgers, id), log.epoch, payload, log.lac,
                () => { if (--pending === 0) settle(true); }, (e) => { log.fenced(e); settle(false); }));
            }
            const stop = Number.isFinite(page.coveredTo) ? Math.min(page.coveredTo, end) : end;
            if (items.length === 0) {
              if (page.answered === 0 || stop < k) { requeue(); return; }
              k = stop + 1;
              continue;
            }
            pending = items.length;
            for (const it of items) c.send(it);
            const timer = setTimeout(() => settle(false), this.opts.addTimeoutMs * 2 + 1000);
            const ok = await acked;
            clearTimeout(timer);
            if (!ok) { requeue(); return; }
            this.stats.catchUpChunks++;
            this.stats.catchUpEntries += items.length;
            this.stats.catchUpBytes += bytes;
            this.stats.catchUpChunkBytesMax = Math.max(this.stats.catchUpChunkBytesMax, bytes);
            this.catchUpBytes?.inc(bytes);
            k = Math.max(ids[ids.length - 1]! , stop) + 1;
          }
        }
      }
    } catch (err) {
      requeue();
      this.opts.logger?.warn({ node: c.address, err }, 'wal-quorum: catch-up interrupted; will retry');
    } finally {
      c.catchingUp = false;
    }
  }
}
