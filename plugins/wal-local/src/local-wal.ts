import { constants as fsConstants } from 'node:fs';
import { mkdir, open, readdir, readFile, rename, unlink, writeFile, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { MetricsRegistry, type Logger, type Metrics, type RegionId, type Wal, type WalEntry, type WalSyncMode } from '@strata/kernel';
import type { Counter, Gauge, Histogram } from 'prom-client';
import { CorruptionError, errnoOf, IllegalStateError, InternalError, InvalidArgumentsError, walWriteError } from './errors.js';
import { RegionEntryIndex } from './region-entry-index.js';
import { PAYLOAD_BYTES_HARD_MAX, SegmentReader } from './segment-reader.js';
import {
  decodeSegmentHeader, encodeEntry, encodeSegmentHeader, parseEntry, REGION_BYTES_MAX, SEGMENT_FILE_PATTERN,
  SEGMENT_HEADER_BYTES, segmentFileName,
} from './wal-format.js';

export interface LocalWalOptions {
  /** Directory of the segment files (created if missing). */
  readonly dir: string;
  readonly syncMode?: WalSyncMode;
  /** fsync period in 'interval' mode (default 1000). */
  readonly syncIntervalMs?: number;
  /** Rotation size (default 64 MiB). */
  readonly segmentBytesMax?: number;
  /** Largest payload an append may carry (default 128 MiB, at most 1 GiB). */
  readonly payloadBytesMax?: number;
  readonly logger?: Logger;
  /** Where strata_wal_* metrics go; a private registry when absent. */
  readonly metrics?: Metrics;
  /**
   * Tests only: awaited at named points of a roll and of segment deletion
   * (`roll:synced`, `roll:created`, `roll:switched`, `collect:meta-written`,
   * `collect:unlinked`), so a crash test can kill the process exactly there.
   */
  readonly faultHook?: (point: WalFaultPoint) => void | Promise<void>;
}

/** Points of the roll / deletion path a test can stop at (see LocalWalOptions.faultHook). */
export type WalFaultPoint = 'roll:synced' | 'roll:created' | 'roll:switched' | 'collect:meta-written' | 'collect:unlinked';

/** Counters of what the WAL did since it was opened (also exported as metrics). */
export interface LocalWalStats {
  appends: number;
  /** Group-commit batches written (one write call or a few, around a rotation). */
  batches: number;
  fsyncs: number;
  bytesWritten: number;
  rotations: number;
  /** Rotations made because the whole active segment had become obsolete (after a flush), not because it was full. */
  rolls: number;
  segmentsDeleted: number;
  /** Segment tails cut at open because they were torn or corrupt. */
  truncations: number;
  /** Bytes read by replay (not by the scan at open). */
  replayBytesRead: number;
}

/** What the WAL knows about one segment file without reading it again. */
interface Segment {
  readonly id: number;
  readonly file: string;
  /** Bytes of header + valid entries: where the next entry goes. */
  size: number;
  entries: number;
  /** Per region: where its entries are in this segment, with their sequences. */
  readonly regions: Map<RegionId, RegionEntryIndex>;
}

interface Pending {
  readonly region: RegionId;
  readonly sequence: number;
  readonly buf: Buffer;
  readonly resolve: (seq: number) => void;
  readonly reject: (err: unknown) => void;
}

/** Persisted facts that must outlive the segments holding them. */
interface WalMeta {
  version: 1;
  regions: Record<RegionId, { lastSequence: number; obsoleteUpTo: number; dropped?: boolean }>;
}

const META_FILE = 'wal-meta.json';
const LOCK_FILE = 'wal.lock';
/** Directories opened by a LocalWal of this process (the lock file cannot tell, its pid is ours). */
const openInProcess = new Set<string>();
const DEFAULT_SEGMENT_BYTES = 64 * 1024 * 1024;
const DEFAULT_PAYLOAD_BYTES = 128 * 1024 * 1024;
/** Replay reads over gaps up to this size (other regions' entries) rather than issuing another read. */
const REPLAY_GAP_BYTES_MAX = 64 * 1024;
/** Replay reads at most this much at once (more when a single entry is larger). */
const REPLAY_READ_BYTES_MAX = 4 * 1024 * 1024;
/** Segments stay under this so entry offsets fit the index comfortably. */
const SEGMENT_BYTES_LIMIT = 2 ** 31;
/** More small buffers than this are copied into one before the write. */
const WRITEV_BUFFERS_MAX = 64;

const SILENT: Logger = {
  trace() {}, debug() {}, info() {}, warn() {}, error() {}, fatal() {},
  child() { return SILENT; },
};

interface WalMetrics {
  appends: Counter<string>;
  bytes: Counter<string>;
  fsyncs: Counter<string>;
  fsyncSeconds: Histogram<string>;
  batchEntries: Histogram<string>;
  segments: Gauge<string>;
  segmentsDeleted: Counter<string>;
  truncations: Counter<string>;
}

function walMetrics(m: Metrics): WalMetrics {
  return {
    appends: m.counter('strata_wal_appends_total', 'Entries appended to the WAL'),
    bytes: m.counter('strata_wal_bytes_total', 'Bytes written to WAL segments, framing included'),
    fsyncs: m.counter('strata_wal_fsyncs_total', 'fsync/fdatasync calls made by the WAL'),
    fsyncSeconds: m.histogram('strata_wal_fsync_seconds', 'Latency of WAL fsync calls', [],
      [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5]),
    batchEntries: m.histogram('strata_wal_batch_entries', 'Entries per group-commit batch', [],
      [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 4096]),
    segments: m.gauge('strata_wal_segments', 'Segment files in the WAL directory'),
    segmentsDeleted: m.counter('strata_wal_segments_deleted_total', 'Segments deleted because every entry in them was obsolete'),
    truncations: m.counter('strata_wal_truncations_total', 'Torn or corrupt segment tails cut when the WAL was opened'),
  };
}

/**
 * A write-ahead log in local files: one shared, segmented log for all
 * regions, each entry tagged with its region and sequence and checksummed
 * with CRC-32C (format in wal-format.ts).
 *
 * Appends are group-committed: they are encoded at once (which fixes their
 * order and sequence), queued, and a single drain loop writes everything
 * queued with one write and, in 'always' mode, one fdatasync, then resolves
 * every waiter of that batch. While one fsync runs, the next batch builds.
 *
 * ```
 *  append ─┐                      ┌─ write(batch) ─ fdatasync ─┐
 *  append ─┼─▶ pending [e1 e2 e3] ┤                            ├─▶ resolve e1 e2 e3
 *  append ─┘                      └──── (rotate if full) ──────┘
 * ```
 *
 * @example
 * const wal = await LocalWal.open({ dir: '/var/lib/strata/wal', syncMode: 'always' });
 * const seq = await wal.append('1024_0', payload);      // durable when it resolves
 * for await (const e of wal.replay('1024_0', 1)) apply(e.payload);
 * await wal.obsolete('1024_0', flushedSeq);             // old segments can go
 * await wal.close();
 */
export class LocalWal implements Wal {
  readonly name = 'wal-local';
  readonly dir: string;
  readonly syncMode: WalSyncMode;
  readonly stats: LocalWalStats = { appends: 0, batches: 0, fsyncs: 0, bytesWritten: 0, rotations: 0, rolls: 0, segmentsDeleted: 0, truncations: 0, replayBytesRead: 0 };

  private readonly syncIntervalMs: number;
  private readonly segmentBytesMax: number;
  private readonly payloadBytesMax: number;
  private readonly log: Logger;
  private readonly m: WalMetrics;

  private sealed: Segment[] = [];
  private active!: Segment;
  private activeFh!: FileHandle;
  /** Last sequence handed out per region (pending appends included). */
  private readonly lastSeq = new Map<RegionId, number>();
  /** Last sequence written to a segment per region: the write-side invariant. */
  private readonly writtenSeq = new Map<RegionId, number>();
  private readonly obsoleteUpTo = new Map<RegionId, number>();
  private readonly dropped = new Set<RegionId>();
  private readonly regionBytes = new Map<RegionId, Buffer>();

  private pending: Pending[] = [];
  private draining = false;
  private syncRequested = false;
  /** Bytes written since the last fsync. */
  private dirty = false;
  private failure?: Error;
  private closing = false;
  private closed = false;
  private timer?: NodeJS.Timeout;
  private idleWaiters: Array<() => void> = [];
  /** collect() waiting for the drain loop to roll the active segment. */
  private rollWaiters: Array<() => void> = [];
  private readonly faultHook: ((point: WalFaultPoint) => void | Promise<void>) | undefined;
  /** Serializes meta writes and segment deletion. */
  private housekeeping: Promise<void> = Promise.resolve();

  private constructor(options: LocalWalOptions) {
    this.dir = path.resolve(options.dir);
    this.syncMode = options.syncMode ?? 'always';
    this.syncIntervalMs = options.syncIntervalMs ?? 1000;
    this.segmentBytesMax = options.segmentBytesMax ?? DEFAULT_SEGMENT_BYTES;
    this.payloadBytesMax = Math.min(options.payloadBytesMax ?? DEFAULT_PAYLOAD_BYTES, PAYLOAD_BYTES_HARD_MAX);
    this.log = options.logger ?? SILENT;
    this.m = walMetrics(options.metrics ?? new MetricsRegistry());
    this.faultHook = options.faultHook;
    if (!['always', 'interval', 'none'].includes(this.syncMode)) throw new InvalidArgumentsError(`wal-local: unknown syncMode '${this.syncMode}'`);
    if (!(this.segmentBytesMax > SEGMENT_HEADER_BYTES) || this.segmentBytesMax > SEGMENT_BYTES_LIMIT) {
      throw new InvalidArgumentsError(`wal-local: segmentBytesMax must be more than ${SEGMENT_HEADER_BYTES} bytes and at most 2GiB`);
    }
    if (!(this.syncIntervalMs > 0)) throw new InvalidArgumentsError('wal-local: syncIntervalMs must be positive');
  }

  /**
   * Opens (or creates) the WAL in `dir`: reads every segment, checks every
   * entry, cuts a torn or corrupt tail at the last valid entry (logging the
   * file and offset), and continues appending to the last segment.
   */
  static async open(options: LocalWalOptions): Promise<LocalWal> {
    const wal = new LocalWal(options);
    await mkdir(wal.dir, { recursive: true }).then(async (created) => { if (created !== undefined) await syncDir(path.dirname(wal.dir)); });
    await wal.lock();
    try {
      await wal.recover();
      // Marks read from the meta file may already cover whole segments (a
      // crash between a roll or a meta write and the deletions): finish that.
      if (wal.sealed.some((s) => wal.isObsolete(s)) || (wal.active.entries > 0 && wal.isObsolete(wal.active))) await wal.collect();
    } catch (err) {
      await (wal.activeFh as FileHandle | undefined)?.close().catch(() => undefined);
      await wal.unlock();
      throw err;
    }
    return wal;
  }

  // ---------------------------------------------------------------- recovery

  /**
   * Takes `wal.lock` (holding our pid) so that two servers never append to
   * one directory. A lock whose process is gone — a kill -9, or a container
   * restart that reuses our pid — is stale and taken over.
   */
  private async lock(): Promise<void> {
    if (openInProcess.has(this.dir)) throw new IllegalStateError(`wal-local: ${this.dir} is already open in this process`);
    const file = path.join(this.dir, LOCK_FILE);
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        await writeFile(file, `${process.pid}\n`, { flag: 'wx' });
        openInProcess.add(this.dir);
        return;
      } catch (err) {
        if (errnoOf(err) !== 'EEXIST') throw err;
      }
      const pid = Number((await readFile(file, 'utf8').catch(() => '')).trim());
      if (Number.isSafeInteger(pid) && pid > 0 && pid !== process.pid && processAlive(pid)) {
        throw new IllegalStateError(`wal-local: ${this.dir} is in use by process ${pid} (${file}); stop that server first, `
          + 'or delete the lock file if that process is not a Strata server');
      }
      this.log.warn({ file, pid }, 'wal-local: stale lock file taken over (its process is gone)');
      await unlink(file).catch(() => undefined);
    }
    throw new IllegalStateError(`wal-local: could not take the lock ${file}`);
  }

  private async unlock(): Promise<void> {
    if (!openInProcess.delete(this.dir)) return;
    await unlink(path.join(this.dir, LOCK_FILE)).catch(() => undefined);
  }

  private async recover(): Promise<void> {
    await this.readMeta();

    const names = (await readdir(this.dir)).filter((n) => SEGMENT_FILE_PATTERN.test(n)).sort();
    // The largest sequence seen per region while scanning in segment order.
    const seen = new Map<RegionId, number>();
    const segments: Segment[] = [];
    for (let i = 0; i < names.length; i++) {
      const seg = await this.scanSegment(names[i]!, seen, i === names.length - 1);
      if (seg) segments.push(seg);
    }
    for (const [region, seq] of seen) {
      if (seq > (this.lastSeq.get(region) ?? 0)) this.lastSeq.set(region, seq);
    }
    for (const [region, seq] of this.lastSeq) this.writtenSeq.set(region, seq);
    // A region dropped and then written again is live: only its old entries are hidden.
    for (const region of [...this.dropped]) {
      if ((seen.get(region) ?? 0) > (this.obsoleteUpTo.get(region) ?? 0)) this.dropped.delete(region);
    }

    const last = segments.at(-1);
    if (last && last.size < this.segmentBytesMax) {
      this.sealed = segments.slice(0, -1);
      this.active = last;
      this.activeFh = await open(last.file, 'r+');
    } else {
      this.sealed = segments;
      await this.createSegment((last?.id ?? 0) + 1);
    }
    this.m.segments.set(this.sealed.length + 1);
    if (this.syncMode === 'interval') {
      this.timer = setInterval(() => this.requestSync(), this.syncIntervalMs);
      this.timer.unref();
    }
    this.log.info({
      dir: this.dir, segments: this.sealed.length + 1, regions: this.lastSeq.size, syncMode: this.syncMode,
      truncations: this.stats.truncations,
    }, 'wal-local opened');
  }

  private async readMeta(): Promise<void> {
    const file = path.join(this.dir, META_FILE);
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (err) {
      if (errnoOf(err) === 'ENOENT') return;
      throw err;
    }
    try {
      const meta = JSON.parse(text) as WalMeta;
      if (meta.version !== 1 || typeof meta.regions !== 'object' || meta.regions === null) throw new Error(`unknown meta version ${String(meta.version)}`);
      for (const [region, r] of Object.entries(meta.regions)) {
        if (Number.isSafeInteger(r.lastSequence) && r.lastSequence > 0) this.lastSeq.set(region, r.lastSequence);
        if (Number.isSafeInteger(r.obsoleteUpTo) && r.obsoleteUpTo > 0) this.obsoleteUpTo.set(region, r.obsoleteUpTo);
        if (r.dropped) this.dropped.add(region);
      }
    } catch (err) {
      // The meta file is written by rename, so it is whole or absent; if it
      // is unreadable anyway, the segments still hold every live entry.
      this.log.error({ file, err: err instanceof Error ? err.message : String(err) },
        'wal-local: unreadable meta file ignored; obsolete marks and sequences of fully obsoleted regions are lost');
    }
  }

  /**
   * Reads one segment, building its region index. A torn or corrupt entry
   * ends the segment: the file is truncated there. An entry whose sequence
   * does not increase for its region is treated the same way — a valid
   * checksum on it means a bug or a foreign file, and the rule that the
   * server always comes back up wins over keeping it.
   */
  private async scanSegment(name: string, seen: Map<RegionId, number>, isLast: boolean): Promise<Segment | undefined> {
    const file = path.join(this.dir, name);
    const fh = await open(file, 'r+');
    try {
      const fileBytes = (await fh.stat()).size;
      const head = Buffer.alloc(SEGMENT_HEADER_BYTES);
      const { bytesRead } = await fh.read(head, 0, SEGMENT_HEADER_BYTES, 0);
      const header = decodeSegmentHeader(head.subarray(0, bytesRead));
      const expectedId = Number(SEGMENT_FILE_PATTERN.exec(name)![1]);
      if ('problem' in header || header.id !== expectedId) {
        const problem = 'problem' in header ? header.problem : `header id ${header.id} does not match the file name`;
        // A segment is created with its header fsynced before any entry goes
        // in, so a bad header is a crash during creation (the last segment,
        // no entries) or damage; either way nothing in it can be trusted.
        await fh.close();
        this.stats.truncations++;
        this.m.truncations.inc();
        if (isLast && fileBytes <= SEGMENT_HEADER_BYTES) {
          // No room for an entry: a crash while creating the newest segment
          // (a rotation or roll). Nothing is lost; the file goes.
          await unlink(file);
          await syncDir(this.dir);
          this.log.warn({ file, offset: 0, reason: problem, droppedBytes: fileBytes }, 'wal-local: segment with a torn header (crash while creating it) removed');
          return undefined;
        }
        const aside = `${file}.corrupt-${Date.now()}`;
        await rename(file, aside);
        await syncDir(this.dir);
        this.log.error({ file, offset: 0, reason: problem, droppedBytes: fileBytes, movedTo: aside }, 'wal-local: segment with a bad header set aside; its entries are lost');
        return undefined;
      }
      const seg: Segment = { id: header.id, file, size: SEGMENT_HEADER_BYTES, entries: 0, regions: new Map() };
      const reader = new SegmentReader(fh, SEGMENT_HEADER_BYTES, fileBytes);
      let problem = undefined as { offset: number; reason: string } | undefined;
      for await (const e of reader.entries()) {
        const prev = seen.get(e.region) ?? 0;
        if (e.sequence <= prev) {
          problem = { offset: e.offset, reason: `sequence ${e.sequence} of region ${e.region} does not follow ${prev}` };
          break;
        }
        seen.set(e.region, e.sequence);
        noteEntry(seg, e.region, e.sequence, e.offset, e.bytes);
        seg.size = e.offset + e.bytes;
      }
      problem ??= reader.problem;
      if (problem !== undefined || seg.size < fileBytes) {
        const offset = problem?.offset ?? seg.size;
        const fields = { file, offset, reason: problem?.reason ?? 'trailing bytes', droppedBytes: fileBytes - seg.size, keptEntries: seg.entries };
        if (isLast) this.log.warn(fields, 'wal-local: torn or corrupt tail cut at the last valid entry');
        else this.log.error(fields, 'wal-local: corrupt entry in a sealed segment; the rest of that segment is cut (data loss)');
        await fh.truncate(seg.size);
        await fh.sync();
        this.stats.truncations++;
        this.m.truncations.inc();
      }
      return seg;
    } finally {
      await fh.close().catch(() => undefined);
    }
  }

  private async createSegment(id: number): Promise<void> {
    const next = await this.newSegmentFile(id);
    this.active = next.seg;
    this.activeFh = next.fh;
  }

  /**
   * Creates segment `id` with its header durable, without making it active.
   * A failure leaves no file behind (and the active segment untouched).
   */
  private async newSegmentFile(id: number): Promise<{ seg: Segment; fh: FileHandle }> {
    const file = path.join(this.dir, segmentFileName(id));
    const fh = await open(file, fsConstants.O_RDWR | fsConstants.O_CREAT | fsConstants.O_EXCL, 0o644);
    try {
      const header = encodeSegmentHeader(id);
      await fh.write(header, 0, header.length, 0);
      // The header is made durable before any entry: a bad header can then
      // only mean a crash during creation, with nothing lost.
      if (this.syncMode !== 'none') {
        await this.timedSync(fh);
        await syncDir(this.dir);
      }
    } catch (err) {
      await fh.close().catch(() => undefined);
      await unlink(file).catch(() => undefined);
      throw err;
    }
    return { seg: { id, file, size: SEGMENT_HEADER_BYTES, entries: 0, regions: new Map() }, fh };
  }

  // ---------------------------------------------------------------- appends

  append(regionId: RegionId, payload: Uint8Array): Promise<number> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.closing) return Promise.reject(new IllegalStateError('wal-local: the WAL is closed'));
    let rb: Buffer;
    try {
      rb = this.regionBuf(regionId);
      if (!(payload instanceof Uint8Array)) throw new InvalidArgumentsError('wal-local: payload must be a Uint8Array');
      if (payload.byteLength > this.payloadBytesMax) {
        throw new InvalidArgumentsError(`wal-local: payload of ${payload.byteLength} bytes is over payloadBytesMax (${this.payloadBytesMax})`);
      }
    } catch (err) {
      return Promise.reject(err);
    }
    // The sequence is fixed here, synchronously, in the same order the entry
    // joins the queue: queue order is then file order is sequence order.
    const sequence = (this.lastSeq.get(regionId) ?? 0) + 1;
    if (!Number.isSafeInteger(sequence)) return Promise.reject(new InternalError(`wal-local: sequence overflow for region ${regionId}`));
    this.lastSeq.set(regionId, sequence);
    this.dropped.delete(regionId);
    const buf = encodeEntry(rb, sequence, payload);
    return new Promise<number>((resolve, reject) => {
      this.pending.push({ region: regionId, sequence, buf, resolve, reject });
      this.kick();
    });
  }

  /** Forces an fsync of everything written so far (useful in 'interval' and 'none' modes). */
  async sync(): Promise<void> {
    if (this.closed) return;
    this.syncRequested = true;
    this.kick();
    await this.whenIdle();
    if (this.failure) throw this.failure;
  }

  private requestSync(): void {
    if (!this.dirty || this.closed) return;
    this.syncRequested = true;
    this.kick();
  }

  private kick(): void {
    if (this.draining) return;
    this.draining = true;
    // setImmediate rather than a microtask: appends made by other I/O
    // callbacks of the same event-loop turn join this batch too.
    setImmediate(() => { void this.drain(); });
  }

  private whenIdle(): Promise<void> {
    if (!this.draining) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** The group-commit loop: one batch per turn, until nothing is queued. */
  private async drain(): Promise<void> {
    while (true) {
      const batch = this.pending;
      this.pending = [];
      const syncWanted = this.syncRequested;
      this.syncRequested = false;
      const rolls = this.rollWaiters;
      this.rollWaiters = [];
      if (this.failure) {
        for (const p of batch) p.reject(this.failure);
        for (const r of rolls) r();
        break;
      }
      if (batch.length === 0 && !syncWanted && rolls.length === 0) break;
      try {
        // A roll goes before the batch: entries queued meanwhile then start the new segment.
        if (rolls.length > 0) await this.rollIfObsolete();
        if (batch.length > 0) await this.writeBatch(batch);
        if (this.dirty && ((batch.length > 0 && this.syncMode === 'always') || syncWanted)) await this.syncActive();
      } catch (err) {
        this.failure = walWriteError(batch.length > 0 ? `writing ${batch.length} entries` : 'fsync', err);
        this.log.error({ dir: this.dir, err: this.failure.message }, 'wal-local: write path failed');
        for (const p of batch) p.reject(this.failure);
        for (const r of rolls) r();
        continue; // rejects whatever queued meanwhile, then stops
      }
      for (const p of batch) p.resolve(p.sequence);
      for (const r of rolls) r();
    }
    this.draining = false;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of waiters) w();
  }

  private async writeBatch(batch: Pending[]): Promise<void> {
    this.stats.batches++;
    this.m.batchEntries.observe(batch.length);
    let from = 0;
    let bytes = 0;
    for (let i = 0; i < batch.length; i++) {
      const len = batch[i]!.buf.length;
      // Rotate before an entry that would overflow a non-empty segment; an
      // entry larger than a whole segment gets a segment of its own.
      if (this.active.size + bytes + len > this.segmentBytesMax && (this.active.entries > 0 || i > from)) {
        if (i > from) await this.writeEntries(batch, from, i, bytes);
        await this.rotate();
        from = i;
        bytes = 0;
      }
      bytes += len;
    }
    if (batch.length > from) await this.writeEntries(batch, from, batch.length, bytes);
  }

  private async writeEntries(batch: Pending[], from: number, to: number, bytes: number): Promise<void> {
    // Write-side invariant: per region, every entry is exactly one more than
    // the last one written, in file order.
    for (let i = from; i < to; i++) {
      const p = batch[i]!;
      const prev = this.writtenSeq.get(p.region) ?? 0;
      if (p.sequence !== prev + 1) {
        throw new InternalError(`wal-local: about to write sequence ${p.sequence} of region ${p.region} after ${prev}`);
      }
      this.writtenSeq.set(p.region, p.sequence);
    }
    let bufs = batch.slice(from, to).map((p) => p.buf);
    if (bufs.length > WRITEV_BUFFERS_MAX) bufs = [Buffer.concat(bufs, bytes)];
    let position = this.active.size;
    while (bufs.length > 0) {
      const { bytesWritten } = await this.activeFh.writev(bufs, position);
      position += bytesWritten;
      let n = bytesWritten;
      // A partial write: drop what went out and write the rest.
      while (n > 0 && bufs.length > 0) {
        if (bufs[0]!.length <= n) { n -= bufs[0]!.length; bufs = bufs.slice(1); } else { bufs = [bufs[0]!.subarray(n), ...bufs.slice(1)]; n = 0; }
      }
    }
    let at = this.active.size;
    this.active.size = position;
    for (let i = from; i < to; i++) {
      const p = batch[i]!;
      noteEntry(this.active, p.region, p.sequence, at, p.buf.length);
      at += p.buf.length;
    }
    this.dirty = true;
    this.stats.appends += to - from;
    this.stats.bytesWritten += bytes;
    this.m.appends.inc(to - from);
    this.m.bytes.inc(bytes);
  }

  private async rotate(): Promise<void> {
    // A sealed segment is durable in every mode but 'none'.
    if (this.dirty && this.syncMode !== 'none') await this.syncActive();
    this.switchTo(await this.newSegmentFile(this.active.id + 1));
  }

  /** Seals the active segment and makes `next` (already durable) the active one. */
  private switchTo(next: { seg: Segment; fh: FileHandle }): void {
    const old = this.activeFh;
    this.sealed.push(this.active);
    this.active = next.seg;
    this.activeFh = next.fh;
    this.dirty = false;
    this.stats.rotations++;
    this.m.segments.set(this.sealed.length + 1);
    // Nothing more is written through it; a failed close loses nothing.
    void old.close().catch(() => undefined);
  }

  /**
   * Rolls over to a new segment when every entry of the active one is
   * obsolete, so that collect() can delete it: without this a flushed WAL
   * would keep up to segmentBytesMax of dead entries. Runs inside the drain
   * loop, so no write is in flight and entries queued meanwhile go to the new
   * segment. Crash safety follows from the order:
   *
   * ```
   *  fsync old (if dirty) ─▶ create new + fsync header + fsync dir ─▶ switch ─▶ (collect) meta ─▶ unlink old ─▶ fsync dir
   * ```
   *
   * A crash before the switch leaves the old segment and perhaps a new one
   * that is empty or has a torn header (removed at open); after it, the old
   * one is a sealed segment that the next open (or obsolete) deletes once
   * the meta file covers it. Only obsolete entries are ever deleted.
   */
  private async rollIfObsolete(): Promise<void> {
    if (this.active.entries === 0 || !this.isObsolete(this.active) || this.closed) return;
    if (this.dirty && this.syncMode !== 'none') await this.syncActive();
    await this.faultHook?.('roll:synced');
    let next: { seg: Segment; fh: FileHandle };
    try {
      next = await this.newSegmentFile(this.active.id + 1);
    } catch (err) {
      // Not fatal: the active segment stays and goes with a later rotation.
      this.log.warn({ dir: this.dir, err: err instanceof Error ? err.message : String(err) }, 'wal-local: could not roll over the obsolete active segment');
      return;
    }
    await this.faultHook?.('roll:created');
    this.switchTo(next);
    this.stats.rolls++;
    await this.faultHook?.('roll:switched');
  }

  /** Asks the drain loop to roll the active segment (it checks again that it is obsolete). */
  private requestRoll(): Promise<void> {
    return new Promise<void>((resolve) => {
      this.rollWaiters.push(resolve);
      this.kick();
    });
  }

  private async syncActive(): Promise<void> {
    await this.timedSync(this.activeFh);
    this.dirty = false;
  }

  private async timedSync(fh: FileHandle): Promise<void> {
    const t0 = process.hrtime.bigint();
    // fdatasync: the data and the file size, not the mtime — all a reader needs.
    await fh.datasync();
    this.stats.fsyncs++;
    this.m.fsyncs.inc();
    this.m.fsyncSeconds.observe(Number(process.hrtime.bigint() - t0) / 1e9);
  }

  private checkOpen(): void {
    if (this.closing) throw new IllegalStateError('wal-local: the WAL is closed');
  }

  private regionBuf(regionId: RegionId): Buffer {
    let b = this.regionBytes.get(regionId);
    if (b) return b;
    if (typeof regionId !== 'string' || regionId.length === 0) throw new InvalidArgumentsError(`wal-local: region id must be a non-empty string, got ${JSON.stringify(regionId)}`);
    b = Buffer.from(regionId, 'utf8');
    if (b.length > REGION_BYTES_MAX) throw new InvalidArgumentsError(`wal-local: region id longer than ${REGION_BYTES_MAX} bytes`);
    this.regionBytes.set(regionId, b);
    return b;
  }

  // ---------------------------------------------------------------- reads

  /**
   * Yields the region's entries with sequence >= `fromSequence` that are not
   * obsolete, in order, reading only segments that hold such entries. Every
   * entry's checksum is verified again, and sequences must strictly increase;
   * either failing now (after open validated the files) means the files
   * changed under us, so it throws CorruptionError.
   */
  async *replay(regionId: RegionId, fromSequence: number): AsyncIterable<WalEntry> {
    this.regionBuf(regionId);
    if (!Number.isSafeInteger(fromSequence)) throw new InvalidArgumentsError(`wal-local: replay from ${fromSequence}: not an integer`);
    const start = Math.max(fromSequence, (this.obsoleteUpTo.get(regionId) ?? 0) + 1);
    // Snapshot: the segments and their entry counts as of now; appends made
    // later are not replayed.
    const plan: Array<{ file: string; index: RegionEntryIndex; from: number; to: number }> = [];
    for (const s of [...this.sealed, this.active]) {
      const index = s.regions.get(regionId);
      if (!index || index.maxSequence < start) continue;
      plan.push({ file: s.file, index, from: index.lowerBound(start), to: index.count });
    }
    let prev = 0;
    for (const { file, index, from, to } of plan) {
      let fh: FileHandle;
      try {
        fh = await open(file, 'r');
      } catch (err) {
        if (errnoOf(err) === 'ENOENT') continue; // deleted by obsolete() meanwhile: nothing live in it
        throw err;
      }
      try {
        let i = from;
        while (i < to) {
          // Coalesce nearby entries into one read: a small gap (other
          // regions' entries) costs less than another read call.
          const runStart = index.offset(i);
          let runEnd = runStart + index.length(i);
          let j = i + 1;
          while (j < to && index.offset(j) - runEnd <= REPLAY_GAP_BYTES_MAX && index.offset(j) + index.length(j) - runStart <= REPLAY_READ_BYTES_MAX) {
            runEnd = index.offset(j) + index.length(j);
            j++;
          }
          const buf = Buffer.allocUnsafe(runEnd - runStart);
          let got = 0;
          while (got < buf.length) {
            const { bytesRead } = await fh.read(buf, got, buf.length - got, runStart + got);
            if (bytesRead === 0) break;
            got += bytesRead;
          }
          this.stats.replayBytesRead += got;
          for (let k = i; k < j; k++) {
            const offset = index.offset(k);
            const at = offset - runStart;
            const r = parseEntry(buf, at, got, offset, PAYLOAD_BYTES_HARD_MAX);
            const where = `wal-local: ${file} at offset ${offset}`;
            if (r.kind !== 'entry') {
              throw new CorruptionError(`${where}: ${r.kind === 'corrupt' ? r.reason : 'entry cut short'} (the file changed after the WAL opened it)`);
            }
            const e = r.entry;
            // Read-side invariants: the entry is the one the index promised,
            // and the region's sequences strictly increase.
            if (e.region !== regionId || e.sequence !== index.sequence(k) || e.bytes !== index.length(k)) {
              throw new CorruptionError(`${where}: expected sequence ${index.sequence(k)} of region ${regionId}, found sequence ${e.sequence} of region ${e.region}`);
            }
            if (e.sequence <= prev) {
              throw new CorruptionError(`${where}: sequence ${e.sequence} of region ${regionId} does not follow ${prev}`);
            }
            prev = e.sequence;
            // A copy: a view would pin the whole read buffer, other regions'
            // bytes included, for as long as the caller keeps the payload.
            yield { regionId, sequence: e.sequence, payload: Uint8Array.prototype.slice.call(e.payload) };
          }
          i = j;
        }
      } finally {
        await fh.close().catch(() => undefined);
      }
    }
  }

  async lastSequence(regionId: RegionId): Promise<number> {
    return this.lastSeq.get(regionId) ?? 0;
  }

  /** Regions the WAL holds entries or marks for. */
  regions(): RegionId[] {
    return [...this.lastSeq.keys()];
  }

  /** Segment files currently in use, oldest first (sealed, then active). */
  segmentFiles(): string[] {
    return [...this.sealed, this.active].map((s) => s.file);
  }

  // ---------------------------------------------------------------- obsolete

  async obsolete(regionId: RegionId, upToSequence: number): Promise<void> {
    this.checkOpen();
    this.regionBuf(regionId);
    if (!Number.isSafeInteger(upToSequence) || upToSequence < 0) {
      throw new InvalidArgumentsError(`wal-local: obsolete(${regionId}, ${upToSequence}): expected a non-negative integer`);
    }
    // Never past the last sequence handed out: a mark beyond it would hide
    // entries appended later (e.g. by a caller whose flushed sequence came
    // from a WAL directory that has since been wiped).
    const upTo = Math.min(upToSequence, this.lastSeq.get(regionId) ?? 0);
    if (upTo <= (this.obsoleteUpTo.get(regionId) ?? 0)) return;
    this.obsoleteUpTo.set(regionId, upTo);
    await this.collect();
  }

  /**
   * Forgets a region: its entries become obsolete now and are deleted with
   * their segments. Until no segment holds any of them, the region's last
   * sequence is remembered, so a region re-created under the same id
   * continues after it and never sees the old entries.
   */
  async dropRegion(regionId: RegionId): Promise<void> {
    this.checkOpen();
    this.regionBuf(regionId);
    const last = this.lastSeq.get(regionId);
    if (last === undefined) return;
    this.obsoleteUpTo.set(regionId, Math.max(last, this.obsoleteUpTo.get(regionId) ?? 0));
    this.dropped.add(regionId);
    await this.collect();
  }

  /**
   * Rolls the active segment over if all of it is obsolete (see
   * rollIfObsolete), persists the obsolete marks and last sequences, then
   * deletes every sealed segment whose entries are all obsolete — for every
   * region with entries in it, since the log is shared. The meta file goes
   * first: once a region's last entries are deleted, it is the only record
   * of its last sequence, which must survive so sequences never restart.
   */
  private collect(): Promise<void> {
    const run = async (): Promise<void> => {
      if (this.active.entries > 0 && this.isObsolete(this.active) && !this.failure && !this.closed) await this.requestRoll();
      const doomed = this.sealed.filter((s) => this.isObsolete(s));
      this.sealed = this.sealed.filter((s) => !doomed.includes(s));
      for (const region of [...this.dropped]) {
        if (this.pending.some((p) => p.region === region)) continue;
        if ([...this.sealed, this.active].some((s) => s.regions.has(region))) continue;
        this.dropped.delete(region);
        this.lastSeq.delete(region);
        this.writtenSeq.delete(region);
        this.obsoleteUpTo.delete(region);
      }
      await this.writeMeta();
      if (doomed.length > 0) await this.faultHook?.('collect:meta-written');
      for (const s of doomed) {
        await unlink(s.file).catch((err: unknown) => { if (errnoOf(err) !== 'ENOENT') throw err; });
        this.log.debug({ file: s.file, entries: s.entries }, 'wal-local: obsolete segment deleted');
      }
      if (doomed.length > 0) {
        await this.faultHook?.('collect:unlinked');
        await syncDir(this.dir);
        this.stats.segmentsDeleted += doomed.length;
        this.m.segmentsDeleted.inc(doomed.length);
        this.m.segments.set(this.sealed.length + 1);
      }
    };
    const next = this.housekeeping.then(run, run);
    this.housekeeping = next.catch(() => undefined);
    return next;
  }

  private isObsolete(s: Segment): boolean {
    for (const [region, index] of s.regions) {
      if (index.maxSequence > (this.obsoleteUpTo.get(region) ?? 0)) return false;
    }
    return true;
  }

  private async writeMeta(): Promise<void> {
    const meta: WalMeta = { version: 1, regions: {} };
    for (const region of new Set([...this.lastSeq.keys(), ...this.obsoleteUpTo.keys()])) {
      meta.regions[region] = {
        lastSequence: this.lastSeq.get(region) ?? 0,
        obsoleteUpTo: this.obsoleteUpTo.get(region) ?? 0,
        ...(this.dropped.has(region) ? { dropped: true } : {}),
      };
    }
    const file = path.join(this.dir, META_FILE);
    const temp = `${file}.tmp`;
    const fh = await open(temp, 'w');
    try {
      await fh.writeFile(JSON.stringify(meta));
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(temp, file);
    await syncDir(this.dir);
  }

  // ---------------------------------------------------------------- close

  /**
   * Writes what is queued, fsyncs (in every mode) and closes the files.
   * Appends made after close starts are rejected.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closing = true;
    if (this.timer) clearInterval(this.timer);
    await this.whenIdle();
    if (this.pending.length > 0) { this.kick(); await this.whenIdle(); }
    await this.housekeeping;
    try {
      if (this.dirty && !this.failure) await this.syncActive();
    } finally {
      this.closed = true;
      await this.activeFh.close().catch(() => undefined);
      await this.unlock();
    }
  }
}

function noteEntry(seg: Segment, region: RegionId, sequence: number, offset: number, bytes: number): void {
  let index = seg.regions.get(region);
  if (!index) { index = new RegionEntryIndex(); seg.regions.set(region, index); }
  index.push(offset, bytes, sequence);
  seg.entries++;
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return errnoOf(err) === 'EPERM'; // exists, owned by someone else
  }
}

async function syncDir(dir: string): Promise<void> {
  const fh = await open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

