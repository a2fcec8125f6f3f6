import type { FileHandle } from 'node:fs/promises';
import { parseEntry, type RawEntry } from './wal-format.js';

/**
 * The largest payload the reader believes. It is a fixed bound, not the
 * `payloadBytesMax` option: lowering that option must never make entries
 * written before look corrupt.
 */
export const PAYLOAD_BYTES_HARD_MAX = 1 << 30;

const CHUNK_BYTES = 1 << 20;

/** Where and why reading stopped before the end of the file. */
export interface ReadProblem {
  readonly offset: number;
  readonly reason: string;
}

/**
 * Reads the entries of one segment file from `start` up to `limit`, in
 * chunks, without loading the file whole. Each chunk is a fresh buffer, so
 * the payload views handed out stay valid after the reader moves on.
 *
 * After iteration, `validEnd` is the end of the last good entry and
 * `problem` says why reading stopped early (a torn or corrupt entry).
 */
export class SegmentReader {
  validEnd: number;
  problem?: ReadProblem;

  constructor(private readonly fh: FileHandle, private readonly start: number, private readonly limit: number) {
    this.validEnd = start;
  }

  async *entries(): AsyncGenerator<RawEntry> {
    let buf = Buffer.alloc(0);
    let bufStart = this.start; // file offset of buf[0]
    let at = 0;
    let end = 0;
    let next = this.start; // next file offset to read
    let limit = this.limit;
    while (true) {
      const r = parseEntry(buf, at, end, bufStart + at, PAYLOAD_BYTES_HARD_MAX);
      if (r.kind === 'entry') {
        at += r.entry.bytes;
        this.validEnd = r.entry.offset + r.entry.bytes;
        yield r.entry;
        continue;
      }
      if (r.kind === 'corrupt') {
        this.problem = { offset: bufStart + at, reason: r.reason };
        return;
      }
      // Short: the entry needs more bytes than the buffer holds.
      const entryOffset = bufStart + at;
      if (entryOffset + r.needBytes > limit || next >= limit) {
        if (entryOffset < limit) {
          this.problem = { offset: entryOffset, reason: `torn entry: ${limit - entryOffset} bytes left, entry needs ${r.needBytes}` };
        }
        return;
      }
      const leftover = end - at;
      const fresh = Buffer.allocUnsafe(Math.max(CHUNK_BYTES, r.needBytes));
      buf.copy(fresh, 0, at, end);
      let filled = leftover;
      const want = Math.min(fresh.length, leftover + (limit - next));
      while (filled < want) {
        const { bytesRead } = await this.fh.read(fresh, filled, want - filled, next);
        if (bytesRead === 0) { limit = next; break; } // the file is shorter than we were told
        filled += bytesRead;
        next += bytesRead;
      }
      buf = fresh;
      bufStart = next - filled;
      at = 0;
      end = filled;
    }
  }
}
