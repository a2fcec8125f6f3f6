import { crc32 } from 'node:zlib';

/**
 * One record on disk, little-endian:
 *
 * ```
 *   0        4        8                16
 *   | length | crc32  | sequence (u64) | payload (length bytes) |
 * ```
 *
 * `crc32` covers the sequence and the payload, so a torn write (short record)
 * and a flipped bit are both caught when reading back.
 */
export const HEADER_BYTES = 16;

/** Encodes one record. */
export function encodeRecord(sequence: number, payload: Uint8Array): Buffer {
  const buf = Buffer.allocUnsafe(HEADER_BYTES + payload.byteLength);
  buf.writeUInt32LE(payload.byteLength, 0);
  buf.writeBigUInt64LE(BigInt(sequence), 8);
  buf.set(payload, HEADER_BYTES);
  buf.writeUInt32LE(crc32(buf.subarray(8)), 4);
  return buf;
}

/** A decoded record, or why decoding stopped. */
export type DecodeResult =
  | { readonly ok: true; readonly sequence: number; readonly payload: Uint8Array; readonly next: number }
  | { readonly ok: false; readonly why: 'end' | 'torn' | 'checksum' };

/** Decodes the record at `offset` of a segment's bytes. */
export function decodeRecord(buf: Uint8Array, offset: number): DecodeResult {
  if (offset === buf.byteLength) return { ok: false, why: 'end' };
  if (offset + HEADER_BYTES > buf.byteLength) return { ok: false, why: 'torn' };
  const view = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  const length = view.readUInt32LE(offset);
  const end = offset + HEADER_BYTES + length;
  if (end > buf.byteLength) return { ok: false, why: 'torn' };
  if (crc32(view.subarray(offset + 8, end)) !== view.readUInt32LE(offset + 4)) return { ok: false, why: 'checksum' };
  const sequence = Number(view.readBigUInt64LE(offset + 8));
  return { ok: true, sequence, payload: buf.subarray(offset + HEADER_BYTES, end), next: end };
}
