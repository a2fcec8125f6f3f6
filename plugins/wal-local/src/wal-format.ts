import { crc32c } from './crc32c.js';

/**
 * On-disk format of wal-local (all integers little-endian).
 *
 * A segment file `<id, 20 digits>.wal` is a 16-byte header followed by entries:
 *
 * ```
 *  segment header (16 B)                 entry (20 B header + region + payload)
 *  ┌──────┬─────────┬──────────┬───────┐ ┌───────┬────────────┬───────────┬───────┬─────────┬────────┬─────────┐
 *  │"SWAL"│version u16│reserved│ id u64│ │crc u32│payload u32 │region u16 │flags  │seq u64  │region  │payload  │
 *  └──────┴─────────┴──────────┴───────┘ └───────┴────────────┴───────────┴u16────┴─────────┴utf-8───┴bytes────┘
 *                                          crc = CRC-32C of every byte after the crc field
 * ```
 *
 * The CRC covers lengths, region and sequence as well as the payload, so a
 * torn or zero-filled tail fails the check instead of parsing as garbage.
 */
export const SEGMENT_MAGIC = Buffer.from('SWAL', 'latin1');
export const SEGMENT_VERSION = 1;
export const SEGMENT_HEADER_BYTES = 16;
export const ENTRY_HEADER_BYTES = 20;
/** Region ids are short strings ('<tableId>_<regionNumber>'); u16 bounds them. */
export const REGION_BYTES_MAX = 0xffff;

const TWO_32 = 2 ** 32;

export function segmentFileName(id: number): string {
  return `${String(id).padStart(20, '0')}.wal`;
}

export const SEGMENT_FILE_PATTERN = /^(\d{20})\.wal$/;

export function encodeSegmentHeader(id: number): Buffer {
  const b = Buffer.alloc(SEGMENT_HEADER_BYTES);
  SEGMENT_MAGIC.copy(b, 0);
  b.writeUInt16LE(SEGMENT_VERSION, 4);
  b.writeUInt32LE(id % TWO_32, 8);
  b.writeUInt32LE(Math.floor(id / TWO_32), 12);
  return b;
}

/** The segment id in a header, or a reason it is not a valid header. */
export function decodeSegmentHeader(b: Buffer): { id: number } | { problem: string } {
  if (b.length < SEGMENT_HEADER_BYTES) return { problem: `short header (${b.length} bytes)` };
  if (!b.subarray(0, 4).equals(SEGMENT_MAGIC)) return { problem: 'bad magic (not a wal-local segment)' };
  const version = b.readUInt16LE(4);
  if (version !== SEGMENT_VERSION) return { problem: `unsupported segment version ${version}` };
  return { id: b.readUInt32LE(8) + b.readUInt32LE(12) * TWO_32 };
}

/** Encodes one entry into a fresh buffer, checksum included. */
export function encodeEntry(regionBytes: Buffer, sequence: number, payload: Uint8Array): Buffer {
  const total = ENTRY_HEADER_BYTES + regionBytes.length + payload.byteLength;
  const b = Buffer.allocUnsafe(total);
  b.writeUInt32LE(payload.byteLength, 4);
  b.writeUInt16LE(regionBytes.length, 8);
  b.writeUInt16LE(0, 10);
  b.writeUInt32LE(sequence % TWO_32, 12);
  b.writeUInt32LE(Math.floor(sequence / TWO_32), 16);
  regionBytes.copy(b, ENTRY_HEADER_BYTES);
  b.set(payload, ENTRY_HEADER_BYTES + regionBytes.length);
  b.writeUInt32LE(crc32c(b, 0, 4, total), 0);
  return b;
}

/** An entry parsed in place: region/payload are views into the read buffer. */
export interface RawEntry {
  /** Offset of the entry in its segment file. */
  readonly offset: number;
  readonly bytes: number;
  readonly sequence: number;
  readonly region: string;
  readonly payload: Buffer;
}

export type ParseResult =
  | { kind: 'entry'; entry: RawEntry }
  /** Not enough bytes in `buf` for the header or the whole entry: read more (or it is a torn tail). */
  | { kind: 'short'; needBytes: number }
  | { kind: 'corrupt'; reason: string };

/**
 * Parses the entry at `buf[at]` (which sits at `fileOffset` in the file).
 * Sanity checks on the header come before the CRC so that a garbage length
 * cannot make the reader wait for gigabytes that will never come.
 */
export function parseEntry(buf: Buffer, at: number, end: number, fileOffset: number, payloadBytesMax: number): ParseResult {
  if (end - at < ENTRY_HEADER_BYTES) return { kind: 'short', needBytes: ENTRY_HEADER_BYTES };
  const payloadBytes = buf.readUInt32LE(at + 4);
  const regionBytes = buf.readUInt16LE(at + 8);
  const flags = buf.readUInt16LE(at + 10);
  const sequence = buf.readUInt32LE(at + 12) + buf.readUInt32LE(at + 16) * TWO_32;
  if (regionBytes === 0 || flags !== 0 || payloadBytes > payloadBytesMax || sequence < 1 || !Number.isSafeInteger(sequence)) {
    return { kind: 'corrupt', reason: `bad entry header (payload ${payloadBytes} B, region ${regionBytes} B, flags ${flags}, sequence ${sequence})` };
  }
  const total = ENTRY_HEADER_BYTES + regionBytes + payloadBytes;
  if (end - at < total) return { kind: 'short', needBytes: total };
  const stored = buf.readUInt32LE(at);
  const actual = crc32c(buf, 0, at + 4, at + total);
  if (stored !== actual) return { kind: 'corrupt', reason: `checksum mismatch (stored ${hex(stored)}, computed ${hex(actual)})` };
  const regionStart = at + ENTRY_HEADER_BYTES;
  return {
    kind: 'entry',
    entry: {
      offset: fileOffset,
      bytes: total,
      sequence,
      region: buf.toString('utf8', regionStart, regionStart + regionBytes),
      payload: buf.subarray(regionStart + regionBytes, at + total),
    },
  };
}

function hex(n: number): string {
  return `0x${n.toString(16).padStart(8, '0')}`;
}
