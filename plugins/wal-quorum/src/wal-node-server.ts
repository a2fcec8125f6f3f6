import { mkdir, open, rename, readFile } from 'node:fs/promises';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import type { ListenAddress, Logger, ProtocolServer, Wal } from '@strata/kernel';
import { CorruptionError, StorageError } from './errors.js';
import { dropsIn, isPrefixOf, ownerOf } from './ledger-math.js';
import {
  CHANNEL_OPTIONS, decodeMessage, encodeMessage, walNodeService,
  type AddAckHeader, type AddBatchHeader, type DropRequest, type FenceRequest, type MetaRequest,
  type GapsRequest, type NodeMeta, type NodeRegionState, type ObsoleteRequest, type ReadRequest,
} from './wire.js';

/** Node-side frame inside each local WAL entry: version, entry id, epoch, writer LAC, then the payload. */
const FRAME_VERSION = 1;
const FRAME_HEADER_BYTES = 1 + 8 + 8 + 8;

function frame(id: number, epoch: number, lac: number, payload: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(FRAME_HEADER_BYTES + payload.byteLength);
  out.writeUInt8(FRAME_VERSION, 0);
  out.writeDoubleLE(id, 1);
  out.writeDoubleLE(epoch, 9);
  out.writeDoubleLE(lac, 17);
  out.set(payload, FRAME_HEADER_BYTES);
  return out;
}

function unframe(region: string, buf: Uint8Array): { id: number; epoch: number; lac: number; payload: Buffer } {
  const b = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  // The local WAL already checked the CRC; this catches a foreign or mis-framed record.
  if (b.length < FRAME_HEADER_BYTES || b.readUInt8(0) !== FRAME_VERSION) {
    throw new CorruptionError(`wal-node: region ${region}: local WAL record is not a wal-node frame (${b.length} bytes)`);
  }
  const id = b.readDoubleLE(1);
  const epoch = b.readDoubleLE(9);
  if (!Number.isSafeInteger(id) || id < 1 || !Number.isSafeInteger(epoch) || epoch < 1) {
    throw new CorruptionError(`wal-node: region ${region}: bad frame header (id ${id}, epoch ${epoch})`);
  }
  return { id, epoch, lac: b.readDoubleLE(17), payload: b.subarray(FRAME_HEADER_BYTES) };
}

interface StoredEntry { epoch: number; localSeq: number; size: number }
interface PendingEntry { epoch: number; payload: Buffer }

/** What one node knows about one region's log. */
class RegionOnNode {
  fencedEpoch = 0;
  fencedWriter = '';
  meta: NodeMeta = { ballot: 0, elements: [], committed: 0 };
  floor = 0;
  lac = 0;
  maxLocalSeq = 0;
  /** Bumped by a drop: appends that complete after it belong to the dropped log. */
  generation = 0;
  /** Durable entries by id (the newest epoch's copy). */
  readonly index = new Map<number, StoredEntry>();
  /** Accepted, not yet fsynced: recovery reads must see them (they may be acknowledged elsewhere). */
  readonly pending = new Map<number, PendingEntry>();
  /** Every id in index or pending, ascending. */
  ids: number[] = [];

  addId(id: number): void {
    const ids = this.ids;
    if (ids.length === 0 || ids[ids.length - 1]! < id) { ids.push(id); return; }
    let lo = 0, hi = ids.length;
    while (lo < hi) { const mid = (lo + hi) >>> 1; if (ids[mid]! < id) lo = mid + 1; else hi = mid; }
    if (ids[lo] !== id) ids.splice(lo, 0, id);
  }

  firstIndexAtLeast(id: number): number {
    let lo = 0, hi = this.ids.length;
    while (lo < hi) { const mid = (lo + hi) >>> 1; if (this.ids[mid]! < id) lo = mid + 1; else hi = mid; }
    return lo;
  }

  state(): NodeRegionState {
    return { fencedEpoch: this.fencedEpoch, meta: this.meta, lac: this.lac, floor: this.floor, maxId: this.ids.length ? this.ids[this.ids.length - 1]! : 0 };
  }

  /** May a writer at `epoch` write here? A higher epoch fences implicitly. */
  admits(epoch: number, writer: string): boolean {
    if (epoch > this.fencedEpoch) { this.fencedEpoch = epoch; this.fencedWriter = writer; return true; }
    return epoch === this.fencedEpoch && writer === this.fencedWriter;
  }
}

interface MetaFile { version: 2; regions: Record<string, { fencedEpoch: number; fencedWriter: string; meta: NodeMeta; floor: number }> }

/** Test hooks: make this node slow or silent without killing it. */
export interface WalNodeFaults {
  /** Delay every add acknowledgement by this much. */
  addDelayMs?: number;
  /** Accept adds but never store or acknowledge them (a hung node). */
  blackhole?: boolean;
}

export interface WalNodeServerOptions {
  wal: Wal;
  metaDir: string;
  host: string;
  port: number;
  logger?: Logger;
}

/**
 * A WAL node (BookKeeper's bookie): stores entries of region logs for
 * writers, in the server's WAL (wal-local's segment files, through the
 * kernel Wal interface), plus a small metadata file with each region's
 * fencing epoch, ledger list and obsolete floor.
 *
 * ```
 *  writer ══Add stream══▶ admit? (epoch >= fenced) ─▶ pending ─▶ wal.append (group fsync) ─▶ ack(batch)
 *  new writer ─Fence(e)─▶ fencedEpoch = e (fsync meta) ─▶ state ; Read(from) ─▶ entries ≥ from
 * ```
 */
export class WalNodeServer implements ProtocolServer {
  readonly name = 'wal-node';
  faults: WalNodeFaults = {};
  private readonly regions = new Map<string, RegionOnNode>();
  private readonly server = new grpc.Server(CHANNEL_OPTIONS);
  private address: ListenAddress | undefined;
  private streams = new Set<grpc.ServerDuplexStream<Buffer, Buffer>>();
  private metaWrite: Promise<void> = Promise.resolve();
  private metaDirty = false;
  private readonly metaFile: string;

  constructor(private readonly opts: WalNodeServerOptions) {
    this.metaFile = path.join(opts.metaDir, 'wal-node-meta.json');
  }

  /** Loads the metadata, rebuilds each region's index from the WAL, and starts serving. */
  async start(): Promise<void> {
    await mkdir(this.opts.metaDir, { recursive: true });
    let meta: MetaFile | undefined;
    try {
      meta = JSON.parse(await readFile(this.metaFile, 'utf8')) as MetaFile;
    } catch (err) {
      if ((err as { code?: string }).code !== 'ENOENT') throw new StorageError(`wal-node: cannot read ${this.metaFile}: ${(err as Error).message}`, { cause: err });
    }
    if (meta && meta.version !== 2) throw new StorageError(`wal-node: ${this.metaFile} has format version ${String(meta.version)}; this node reads version 2 (ledger metadata with ensembles)`);
    for (const [name, m] of Object.entries(meta?.regions ?? {})) {
      const r = new RegionOnNode();
      r.fencedEpoch = m.fencedEpoch; r.fencedWriter = m.fencedWriter; r.meta = m.meta; r.floor = m.floor;
      this.regions.set(name, r);
      for await (const e of this.opts.wal.replay(name, 1)) {
        const f = unframe(name, e.payload);
        r.maxLocalSeq = Math.max(r.maxLocalSeq, e.sequence);
        if (f.id <= r.floor) continue;
        const cur = r.index.get(f.id);
        if (!cur || f.epoch >= cur.epoch) r.index.set(f.id, { epoch: f.epoch, localSeq: e.sequence, size: f.payload.length });
        r.addId(f.id);
        if (f.lac > r.lac) r.lac = f.lac;
      }
    }
    this.server.addService(walNodeService, {
      Add: (call: grpc.ServerDuplexStream<Buffer, Buffer>) => this.onAddStream(call),
      Fence: this.unary((q: FenceRequest) => this.fence(q)),
      SetMeta: this.unary((q: MetaRequest) => this.setMeta(q)),
      Read: this.unaryRaw((q: ReadRequest) => this.read(q)),
      Obsolete: this.unary((q: ObsoleteRequest) => this.obsolete(q)),
      Drop: this.unary((q: DropRequest) => this.drop(q)),
      Gaps: this.unary((q: GapsRequest) => Promise.resolve(this.gaps(q))),
    });
    const port = await new Promise<number>((resolve, reject) => {
      this.server.bindAsync(`${this.opts.host}:${this.opts.port}`, grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p)));
    });
    this.address = { protocol: 'wal-node', host: this.opts.host, port, url: `grpc://${this.opts.host}:${port}`, tls: false };
    this.opts.logger?.info({ url: this.address.url, regions: this.regions.size }, 'wal-node listening');
  }

  async stop(): Promise<void> {
    for (const s of this.streams) s.destroy();
    // Writers keep their connections open for good, so a graceful shutdown
    // would always wait the full grace: give in-flight calls 500 ms, then close.
    await new Promise<void>((resolve) => {
      const t = setTimeout(() => { this.server.forceShutdown(); resolve(); }, 500);
      this.server.tryShutdown(() => { clearTimeout(t); resolve(); });
    });
    await this.metaWrite;
  }

  /** What this node holds for a region (metrics, tests): entry count, highest id, fencing epoch, floor. */
  regionStats(region: string): { entries: number; maxId: number; fencedEpoch: number; floor: number; lac: number } {
    const r = this.regions.get(region);
    if (!r) return { entries: 0, maxId: 0, fencedEpoch: 0, floor: 0, lac: 0 };
    return { entries: r.ids.length, maxId: r.ids.length ? r.ids[r.ids.length - 1]! : 0, fencedEpoch: r.fencedEpoch, floor: r.floor, lac: r.lac };
  }

  addresses(): ListenAddress[] { return this.address ? [this.address] : []; }
  connections(): number { return this.streams.size; }

  private region(name: string): { r: RegionOnNode; created: boolean } {
    let r = this.regions.get(name);
    if (r) return { r, created: false };
    r = new RegionOnNode();
    this.regions.set(name, r);
    return { r, created: true };
  }

  private unary<Q>(fn: (q: Q) => Promise<Record<string, unknown>>): grpc.handleUnaryCall<Buffer, Buffer> {
    return this.unaryRaw(async (q: Q) => encodeMessage(await fn(q)));
  }

  private unaryRaw<Q>(fn: (q: Q) => Promise<Buffer>): grpc.handleUnaryCall<Buffer, Buffer> {
    return (call, cb) => {
      let q: Q;
      try { q = decodeMessage<Q>(call.request).header; } catch (err) { cb({ code: grpc.status.INVALID_ARGUMENT, details: (err as Error).message }); return; }
      fn(q).then((b) => cb(null, b), (err: unknown) => cb({ code: grpc.status.INTERNAL, details: err instanceof Error ? err.message : String(err) }));
    };
  }

  private onAddStream(call: grpc.ServerDuplexStream<Buffer, Buffer>): void {
    this.streams.add(call);
    let chain: Promise<void> = Promise.resolve();
    call.on('data', (buf: Buffer) => {
      if (this.faults.blackhole) return;
      let work: Promise<AddAckHeader>;
      try {
        const { header, payloads } = decodeMessage<AddBatchHeader>(buf);
        work = this.acceptBatch(header, payloads);
      } catch (err) {
        work = Promise.resolve({ seq: -1, error: (err as Error).message });
      }
      // Acks leave in batch order, each once its own batch is durable.
      chain = chain.then(async () => {
        let ack: AddAckHeader;
        try { ack = await work; } catch (err) { ack = { seq: -1, error: err instanceof Error ? err.message : String(err) }; }
        const delay = this.faults.addDelayMs;
        if (delay) await new Promise((r) => setTimeout(r, delay));
        if (!call.destroyed && call.writable) call.write(encodeMessage(ack as unknown as Record<string, unknown>));
      });
    });
    const done = () => { this.streams.delete(call); };
    call.on('end', () => { done(); call.end(); });
    call.on('error', done);
    call.on('close', done);
  }

  /** Admits each item (fencing check), holds it as pending, appends it to the local WAL. */
  private acceptBatch(h: AddBatchHeader, payloads: Buffer[]): Promise<AddAckHeader> {
    const waits: Promise<unknown>[] = [];
    let fenced: Array<[string, number]> | undefined;
    let newRegion = false;
    for (let i = 0; i < h.items.length; i++) {
      const [name, id, entryEpoch, writerEpoch, lac] = h.items[i]!;
      const { r, created } = this.region(name);
      if (created) newRegion = true;
      if (!r.admits(writerEpoch, h.writer)) {
        if (!fenced?.some((f) => f[0] === name)) (fenced ??= []).push([name, r.fencedEpoch]);
        continue;
      }
      if (id <= r.floor) continue; // already obsolete: nothing to keep
      // A view into the batch message: it lives until the entry is fsynced (the local WAL copies it).
      const payload = payloads[i]!;
      const p: PendingEntry = { epoch: entryEpoch, payload };
      r.pending.set(id, p);
      r.addId(id);
      if (lac > r.lac) r.lac = lac;
      const generation = r.generation;
      waits.push(this.opts.wal.append(name, frame(id, entryEpoch, lac, payload)).then((seq) => {
        if (seq > r.maxLocalSeq) r.maxLocalSeq = seq;
        // Obsoleted or dropped while it was being written: nothing to index.
        if (generation !== r.generation || id <= r.floor) return;
        const cur = r.index.get(id);
        if (!cur || entryEpoch >= cur.epoch) r.index.set(id, { epoch: entryEpoch, localSeq: seq, size: payload.length });
        if (r.pending.get(id) === p) r.pending.delete(id);
      }));
    }
    // A region first seen here must be in the metadata before its entries are acknowledged: start() rebuilds from it.
    if (newRegion) waits.push(this.persistMeta());
    return Promise.all(waits).then(() => ({ seq: h.seq, ...(fenced ? { fenced } : {}) }));
  }

  private async fence(q: FenceRequest): Promise<Record<string, unknown>> {
    const { r } = this.region(q.region);
    const before = r.fencedEpoch;
    const ok = q.epoch > r.fencedEpoch || (q.epoch === r.fencedEpoch && q.writer === r.fencedWriter);
    if (ok && q.epoch > before) { r.fencedEpoch = q.epoch; r.fencedWriter = q.writer; }
    // The fence is durable before it is reported: a restarted node must still refuse the old writer.
    if (ok) await this.persistMeta();
    return { ok, state: r.state() };
  }

  /**
   * Phase 2 of a metadata decision (the acceptor's side): a writer not below
   * the fence stores its proposal. A stored list that already extends the
   * proposal is kept (the proposal's prefix is decided; the longer list may be
   * the only trace of the next decision), and `committed` only grows.
   */
  private async setMeta(q: MetaRequest): Promise<Record<string, unknown>> {
    const { r } = this.region(q.region);
    if (!r.admits(q.epoch, q.writer)) return { ok: false, fencedEpoch: r.fencedEpoch };
    const cur = r.meta;
    if (!isPrefixOf(q.elements, cur.elements)) {
      // A drop this node missed (decided by others, now re-decided here): its entries, LAC and floor go too.
      if (dropsIn(q.elements) > dropsIn(cur.elements)) await this.dropLocal(q.region, r);
      r.meta = { ballot: q.epoch, elements: q.elements, committed: Math.min(q.committed, q.elements.length) };
    } else {
      const ballot = q.elements.length === cur.elements.length ? Math.max(cur.ballot, q.epoch) : cur.ballot;
      r.meta = { ballot, elements: cur.elements, committed: Math.max(cur.committed, Math.min(q.committed, q.elements.length)) };
    }
    await this.persistMeta();
    return { ok: true };
  }

  private async read(q: ReadRequest): Promise<Buffer> {
    const r = this.regions.get(q.region) ?? new RegionOnNode();
    const from = Math.max(q.from, r.floor + 1);
    const wanted: Array<[number, number]> = [];
    const sources: Array<StoredEntry | PendingEntry> = [];
    let bytes = 0;
    let coveredTo = Number.MAX_SAFE_INTEGER;
    for (let i = r.firstIndexAtLeast(from); i < r.ids.length; i++) {
      const id = r.ids[i]!;
      const p = r.pending.get(id);
      const s = r.index.get(id);
      const src = p && (!s || p.epoch >= s.epoch) ? p : s;
      if (!src) continue;
      const size = 'payload' in src ? src.payload.length : src.size;
      if (wanted.length > 0 && bytes + size > q.bytesMax) { coveredTo = wanted[wanted.length - 1]![0]; break; }
      wanted.push([id, src.epoch]);
      sources.push(src);
      bytes += size;
    }
    const payloads: Buffer[] = new Array<Buffer>(wanted.length);
    const bySeq = new Map<number, number>();
    let minSeq = Infinity;
    for (let i = 0; i < sources.length; i++) {
      const s = sources[i]!;
      if ('payload' in s) payloads[i] = s.payload;
      else { bySeq.set(s.localSeq, i); if (s.localSeq < minSeq) minSeq = s.localSeq; }
    }
    if (bySeq.size > 0) {
      let left = bySeq.size;
      for await (const e of this.opts.wal.replay(q.region, minSeq)) {
        const i = bySeq.get(e.sequence);
        if (i === undefined) continue;
        const f = unframe(q.region, e.payload);
        if (f.id !== wanted[i]![0]) throw new CorruptionError(`wal-node: region ${q.region}: local sequence ${e.sequence} holds entry ${f.id}, index says ${wanted[i]![0]}`);
        payloads[i] = f.payload;
        if (--left === 0) break;
      }
      if (left > 0) throw new CorruptionError(`wal-node: region ${q.region}: ${left} indexed entries missing from the local WAL`);
    }
    return encodeMessage({ entries: wanted, coveredTo, state: r.state() }, payloads);
  }

  /** The id ranges of [from, to] with no copy here (a writer that opens the region schedules them for catch-up). */
  private gaps(q: GapsRequest): Record<string, unknown> {
    const r = this.regions.get(q.region) ?? new RegionOnNode();
    const gaps: Array<[number, number]> = [];
    let expect = Math.max(q.from, r.floor + 1);
    for (let i = r.firstIndexAtLeast(expect); i < r.ids.length && expect <= q.to && gaps.length < q.rangesMax; i++) {
      const id = r.ids[i]!;
      const copy = r.pending.get(id) ?? r.index.get(id);
      const pendingEpoch = r.pending.get(id)?.epoch ?? 0;
      const epoch = Math.max(pendingEpoch, r.index.get(id)?.epoch ?? 0);
      if (!copy || epoch !== ownerOf(q.ledgers, id)) continue; // not a valid copy: part of a gap
      if (id > expect) gaps.push([expect, Math.min(id - 1, q.to)]);
      expect = Math.max(expect, id + 1);
    }
    if (expect <= q.to && gaps.length < q.rangesMax) gaps.push([expect, q.to]);
    return { gaps };
  }

  private async obsolete(q: ObsoleteRequest): Promise<Record<string, unknown>> {
    const r = this.regions.get(q.region);
    if (!r || q.upTo <= r.floor) return { ok: true };
    r.floor = q.upTo;
    const cut = r.firstIndexAtLeast(q.upTo + 1);
    for (let i = 0; i < cut; i++) { r.index.delete(r.ids[i]!); r.pending.delete(r.ids[i]!); }
    r.ids = r.ids.slice(cut);
    // Local sequences follow arrival, not ids (a returning node catches up
    // out of order), so only the local prefix below every kept entry may go.
    // Entries still pending get local sequences above maxLocalSeq.
    let minKept = Infinity;
    for (const s of r.index.values()) if (s.localSeq < minKept) minKept = s.localSeq;
    const localUpTo = minKept === Infinity ? r.maxLocalSeq : minKept - 1;
    if (localUpTo > 0) await this.opts.wal.obsolete(q.region, localUpTo);
    void this.persistMeta();
    return { ok: true };
  }

  private async drop(q: DropRequest): Promise<Record<string, unknown>> {
    const { r } = this.region(q.region);
    if (!r.admits(q.epoch, q.writer)) return { ok: false, fencedEpoch: r.fencedEpoch };
    // Already past this drop (a longer list extending it): the entries here are the new log's.
    if (isPrefixOf(q.elements, r.meta.elements) && r.meta.elements.length > q.elements.length) return { ok: true };
    await this.dropLocal(q.region, r);
    // The region restarts at id 1 under the dropping writer's epoch (the
    // metadata ends in a drop element), so any copy a node that missed the
    // drop still holds is invalid everywhere.
    r.meta = { ballot: q.epoch, elements: q.elements, committed: Math.max(0, q.elements.length - 1) };
    await this.persistMeta();
    return { ok: true };
  }

  private async dropLocal(name: string, r: RegionOnNode): Promise<void> {
    r.generation++;
    await this.opts.wal.dropRegion(name);
    r.index.clear(); r.pending.clear(); r.ids = [];
    r.lac = 0; r.floor = 0;
  }

  /** Writes the metadata file atomically (temp + fsync + rename); concurrent callers share writes. */
  private persistMeta(): Promise<void> {
    this.metaDirty = true;
    const write = this.metaWrite.then(async () => {
      if (!this.metaDirty) return;
      this.metaDirty = false;
      const meta: MetaFile = { version: 2, regions: {} };
      for (const [name, r] of this.regions) meta.regions[name] = { fencedEpoch: r.fencedEpoch, fencedWriter: r.fencedWriter, meta: r.meta, floor: r.floor };
      const tmp = `${this.metaFile}.tmp`;
      const fh = await open(tmp, 'w');
      try { await fh.writeFile(JSON.stringify(meta)); await fh.sync(); } finally { await fh.close(); }
      await rename(tmp, this.metaFile);
      const dir = await open(path.dirname(this.metaFile), 'r');
      try { await dir.sync(); } finally { await dir.close(); }
    });
    // One failed write must not poison every later one; its caller still sees the error.
    this.metaWrite = write.catch((err: unknown) => { this.metaDirty = true; this.opts.logger?.error({ err }, 'wal-node: metadata write failed'); });
    return write;
  }
}
