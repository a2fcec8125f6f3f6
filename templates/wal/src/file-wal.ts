import { mkdir, open, readdir, readFile, rm, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import type { Logger, RegionId, Wal, WalEntry } from '@strata/kernel';
import { badRegionId, corruptSegment, payloadTooLarge, walIoError } from './errors.js';
import type { __PASCAL_NAME__Options } from './options.js';
import { decodeRecord, encodeRecord } from './record-format.js';

/** One segment file `<firstSeq>.log`: entries firstSeq..lastSeq (lastSeq = firstSeq - 1 when empty). */
interface Segment { readonly firstSeq: number; lastSeq: number; readonly file: string; size: number }

interface Pending { readonly buf: Buffer; readonly seq: number; resolve(seq: number): void; reject(err: unknown): void }

/** A region's log in memory: its segments, the open tail segment, and appends waiting for the next group write. */
interface RegionLog {
  readonly id: RegionId;
  readonly dir: string;
  readonly segments: Segment[];
  lastSeq: number;
  obsoleteUpTo: number;
  tail?: FileHandle;
  pending: Pending[];
  flushing?: Promise<void>;
}

const SEGMENT_NAME = /^(\d+)\.log$/;

/**
 * A simple, correct file WAL: a directory per region holding segment files
 * of CRC-framed records (record-format.ts).
 *
 * ```
 *   append ─▶ pending ─▶ one write + one fsync for everything pending ─▶ resolve all (group commit)
 *   open   ─▶ scan segments, check CRC and sequence order, cut a torn tail
 *   obsolete(upTo) ─▶ delete whole segments <= upTo (never the tail)
 * ```
 *
 * @example
 * const wal = await FileWal.open('/data/wal', { sync: 'always', segmentBytesMax: 16 << 20, payloadBytesMax: 1 << 20 }, logger);
 * const seq = await wal.append('1024_0', bytes);
 * for await (const e of wal.replay('1024_0', 1)) apply(e.payload);
 */
export class FileWal implements Wal {
  readonly name = '__NAME__';
  private readonly regions = new Map<RegionId, Promise<RegionLog>>();

  private constructor(readonly root: string, private readonly options: Omit<__PASCAL_NAME__Options, 'dir'>, private readonly logger: Logger) {}

  static async open(root: string, options: Omit<__PASCAL_NAME__Options, 'dir'>, logger: Logger): Promise<FileWal> {
    await mkdir(root, { recursive: true });
    return new FileWal(root, options, logger);
  }

  private region(id: RegionId): Promise<RegionLog> {
    if (!/^[A-Za-z0-9_.-]+$/.test(id) || id === '.' || id === '..') return Promise.reject(badRegionId(id));
    let r = this.regions.get(id);
    if (!r) {
      r = this.load(id);
      this.regions.set(id, r);
      r.catch(() => this.regions.delete(id));
    }
    return r;
  }

  /** Reads a region's segments back, checking every record; a torn or corrupt tail is cut and reported. */
  private async load(id: RegionId): Promise<RegionLog> {
    const dir = path.join(this.root, id);
    await mkdir(dir, { recursive: true });
    const names = (await readdir(dir)).filter((n) => SEGMENT_NAME.test(n))
      .sort((a, b) => Number(SEGMENT_NAME.exec(a)![1]) - Number(SEGMENT_NAME.exec(b)![1]));
    const segments: Segment[] = [];
    let lastSeq = 0;
    for (const [i, name] of names.entries()) {
      const file = path.join(dir, name);
      const firstSeq = Number(SEGMENT_NAME.exec(name)![1]);
      const isTail = i === names.length - 1;
      if (segments.length > 0 && firstSeq !== lastSeq + 1) throw corruptSegment(file, 0, `starts at sequence ${firstSeq}, expected ${lastSeq + 1}`);
      const bytes = await readFile(file);
      let offset = 0;
      let seq = firstSeq - 1;
      for (;;) {
        const d = decodeRecord(bytes, offset);
        if (!d.ok) {
          if (d.why === 'end') break;
          if (!isTail) throw corruptSegment(file, offset, d.why === 'torn' ? 'short record' : 'checksum mismatch');
          // A write cut by a crash: nothing after it was acknowledged. Cut it so appends continue cleanly.
          this.logger.warn({ region: id, file, offset, cutBytes: bytes.length - offset, why: d.why }, '__NAME__: cutting a torn tail');
          const fh = await open(file, 'r+');
          try { await fh.truncate(offset); await fh.sync(); } finally { await fh.close(); }
          break;
        }
        if (d.sequence !== seq + 1) {
          if (!isTail) throw corruptSegment(file, offset, `sequence ${d.sequence} follows ${seq}`);
          this.logger.warn({ region: id, file, offset }, '__NAME__: out-of-order record at the tail; cutting');
          const fh = await open(file, 'r+');
          try { await fh.truncate(offset); await fh.sync(); } finally { await fh.close(); }
          break;
        }
        seq = d.sequence;
        offset = d.next;
      }
      segments.push({ firstSeq, lastSeq: seq, file, size: offset });
      lastSeq = seq;
    }
    return { id, dir, segments, lastSeq, obsoleteUpTo: 0, pending: [] };
  }

  async append(regionId: RegionId, payload: Uint8Array): Promise<number> {
    if (payload.byteLength > this.options.payloadBytesMax) throw payloadTooLarge(payload.byteLength, this.options.payloadBytesMax);
    const r = await this.region(regionId);
    const seq = ++r.lastSeq;
    const buf = encodeRecord(seq, payload);
    return new Promise<number>((resolve, reject) => {
      r.pending.push({ buf, seq, resolve, reject });
      r.flushing ??= this.flushLoop(r);
    });
  }

  /** Writes everything pending in one write and one fsync, until nothing is pending (group commit). */
  private async flushLoop(r: RegionLog): Promise<void> {
    try {
      while (r.pending.length > 0) {
        const batch = r.pending.splice(0);
        try {
          await this.writeBatch(r, batch);
        } catch (err) {
          // The tail's state is unknown now: fail everyone waiting and reload the region from disk next time.
          const e = walIoError('append', r.id, err);
          for (const p of [...batch, ...r.pending.splice(0)]) p.reject(e);
          this.regions.delete(r.id);
          await r.tail?.close().catch(() => undefined);
          r.tail = undefined;
          return;
        }
        for (const p of batch) p.resolve(p.seq);
      }
    } finally {
      r.flushing = undefined;
    }
  }

  private async writeBatch(r: RegionLog, batch: readonly Pending[]): Promise<void> {
    let seg = r.segments.at(-1);
    if (!seg || seg.size >= this.options.segmentBytesMax) {
      await r.tail?.close();
      r.tail = undefined;
      seg = { firstSeq: batch[0]!.seq, lastSeq: batch[0]!.seq - 1, file: path.join(r.dir, `${batch[0]!.seq}.log`), size: 0 };
      r.segments.push(seg);
    }
    if (!r.tail) {
      r.tail = await open(seg.file, 'a');
      // A new file's directory entry must be durable too, or a crash could lose the whole segment.
      if (this.options.sync === 'always') await this.syncDir(r.dir);
    }
    const bytes = batch.length === 1 ? batch[0]!.buf : Buffer.concat(batch.map((p) => p.buf));
    await r.tail.write(bytes, 0, bytes.length);
    if (this.options.sync === 'always') await r.tail.datasync();
    seg.size += bytes.length;
    seg.lastSeq = batch.at(-1)!.seq;
  }

  private async syncDir(dir: string): Promise<void> {
    const fh = await open(dir, 'r');
    try { await fh.sync(); } finally { await fh.close(); }
  }

  async *replay(regionId: RegionId, fromSequence: number): AsyncIterable<WalEntry> {
    const r = await this.region(regionId);
    const from = Math.max(fromSequence, r.obsoleteUpTo + 1);
    // Only acknowledged bytes: each segment is read up to the size recorded after its last completed write.
    for (const seg of [...r.segments]) {
      if (seg.lastSeq < from) continue;
      let bytes: Buffer;
      try { bytes = await readFile(seg.file); } catch (err) { throw walIoError('replay', regionId, err); }
      let offset = 0;
      let expected = seg.firstSeq;
      while (offset < seg.size) {
        const d = decodeRecord(bytes.subarray(0, seg.size), offset);
        if (!d.ok) throw corruptSegment(seg.file, offset, `${d.why} while replaying`);
        if (d.sequence !== expected) throw corruptSegment(seg.file, offset, `sequence ${d.sequence}, expected ${expected}`);
        if (d.sequence >= from) yield { regionId, sequence: d.sequence, payload: d.payload };
        expected++;
        offset = d.next;
      }
    }
  }

  async lastSequence(regionId: RegionId): Promise<number> {
    return (await this.region(regionId)).lastSeq;
  }

  async obsolete(regionId: RegionId, upToSequence: number): Promise<void> {
    const r = await this.region(regionId);
    r.obsoleteUpTo = Math.max(r.obsoleteUpTo, upToSequence);
    // Whole segments only, and never the tail: its name keeps lastSequence across restarts.
    while (r.segments.length > 1 && r.segments[0]!.lastSeq <= upToSequence) {
      const seg = r.segments.shift()!;
      await rm(seg.file, { force: true }).catch((err: unknown) => { throw walIoError('obsolete', regionId, err); });
    }
  }

  async dropRegion(regionId: RegionId): Promise<void> {
    const r = await this.region(regionId);
    while (r.flushing) await r.flushing;
    await r.tail?.close();
    this.regions.delete(regionId);
    await rm(r.dir, { recursive: true, force: true });
  }

  /** Waits for pending appends and closes every tail file. */
  async close(): Promise<void> {
    for (const p of [...this.regions.values()]) {
      const r = await p.catch(() => undefined);
      if (!r) continue;
      while (r.flushing) await r.flushing;
      await r.tail?.close();
      r.tail = undefined;
    }
    this.regions.clear();
  }
}
