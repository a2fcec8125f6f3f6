import { PayloadTooLargeError, PrometheusDecodeError } from '../errors.js';

/**
 * Reads the uncompressed length that a snappy block claims (its leading
 * varint) without decoding anything, so a tiny body claiming gigabytes can
 * be refused before any allocation.
 */
export function snappyClaimedLength(src: Uint8Array): { length: number; headerBytes: number } {
  let result = 0; let shift = 0; let i = 0;
  for (;;) {
    if (i >= src.length || i >= 5) throw new PrometheusDecodeError('snappy: corrupt length header');
    const b = src[i++]!;
    result += (b & 0x7f) * 2 ** shift;
    if ((b & 0x80) === 0) break;
    shift += 7;
  }
  if (result > 0xffffffff) throw new PrometheusDecodeError('snappy: corrupt length header');
  return { length: result, headerBytes: i };
}

/**
 * Decompresses a snappy block (the raw format Prometheus remote storage
 * uses, not the framing format). The claimed length is checked against
 * `limitBytes` before the output is allocated, and every copy is bounds
 * checked, so corrupt input fails with a clear error.
 */
export function snappyDecompress(src: Uint8Array, limitBytes: number): Buffer {
  const { length, headerBytes } = snappyClaimedLength(src);
  if (length > limitBytes) throw new PayloadTooLargeError(`snappy body claims ${length} bytes uncompressed, over the limit of ${limitBytes}`);
  const out = Buffer.allocUnsafe(length);
  let ip = headerBytes; let op = 0;
  const n = src.length;
  while (ip < n) {
    const tag = src[ip++]!;
    const type = tag & 3;
    if (type === 0) {
      let len = tag >> 2;
      if (len >= 60) {
        const extra = len - 59;
        if (ip + extra > n) throw new PrometheusDecodeError('snappy: truncated literal length');
        len = 0;
        for (let k = 0; k < extra; k++) len += src[ip + k]! * 2 ** (8 * k);
        ip += extra;
      }
      len += 1;
      if (ip + len > n || op + len > length) throw new PrometheusDecodeError('snappy: literal runs past the end');
      out.set(src.subarray(ip, ip + len), op);
      ip += len; op += len;
      continue;
    }
    let len: number; let offset: number;
    if (type === 1) {
      if (ip >= n) throw new PrometheusDecodeError('snappy: truncated copy');
      len = 4 + ((tag >> 2) & 7);
      offset = ((tag >> 5) << 8) | src[ip++]!;
    } else if (type === 2) {
      if (ip + 2 > n) throw new PrometheusDecodeError('snappy: truncated copy');
      len = 1 + (tag >> 2);
      offset = src[ip]! | (src[ip + 1]! << 8);
      ip += 2;
    } else {
      if (ip + 4 > n) throw new PrometheusDecodeError('snappy: truncated copy');
      len = 1 + (tag >> 2);
      offset = (src[ip]! | (src[ip + 1]! << 8) | (src[ip + 2]! << 16)) + src[ip + 3]! * 2 ** 24;
      ip += 4;
    }
    if (offset === 0 || offset > op) throw new PrometheusDecodeError('snappy: copy offset out of range');
    if (op + len > length) throw new PrometheusDecodeError('snappy: copy runs past the end');
    // Byte by byte: source and destination may overlap (run-length copies).
    for (let k = 0; k < len; k++) { out[op] = out[op - offset]!; op++; }
  }
  if (op !== length) throw new PrometheusDecodeError(`snappy: decoded ${op} bytes, header claimed ${length}`);
  return out;
}

/**
 * Compresses into a snappy block with a small greedy matcher (4-byte
 * hash, copies up to 64 bytes with 2-byte offsets); any snappy decoder
 * reads it. Used for remote read answers.
 */
export function snappyCompress(src: Uint8Array): Buffer {
  const n = src.length;
  const out: number[] = [];
  let v = n;
  do { let b = v % 128; v = Math.floor(v / 128); if (v > 0) b |= 0x80; out.push(b); } while (v > 0);
  const chunks: Buffer[] = [Buffer.from(out)];
  const parts: number[] = [];
  const table = new Int32Array(1 << 14).fill(-1);
  let lit = 0; let i = 0;
  const emitLiteral = (s: number, e: number) => {
    let p = s;
    while (p < e) {
      const len = Math.min(e - p, 65536);
      if (len <= 60) parts.push((len - 1) << 2);
      else if (len <= 256) parts.push(60 << 2, len - 1);
      else parts.push(61 << 2, (len - 1) & 0xff, (len - 1) >> 8);
      for (let k = 0; k < len; k++) parts.push(src[p + k]!);
      p += len;
    }
  };
  while (i + 4 <= n) {
    const h = (((src[i]! | (src[i + 1]! << 8) | (src[i + 2]! << 16) | (src[i + 3]! << 24)) * 0x1e35a7bd) >>> 18) & 0x3fff;
    const cand = table[h]!;
    table[h] = i;
    if (cand >= 0 && i - cand <= 65535 && src[cand] === src[i] && src[cand + 1] === src[i + 1] && src[cand + 2] === src[i + 2] && src[cand + 3] === src[i + 3]) {
      emitLiteral(lit, i);
      let len = 4;
      while (i + len < n && len < 64 && src[cand + len] === src[i + len]) len++;
      const off = i - cand;
      parts.push(((len - 1) << 2) | 2, off & 0xff, off >> 8);
      i += len; lit = i;
      if (parts.length > 1 << 16) { chunks.push(Buffer.from(parts)); parts.length = 0; }
      continue;
    }
    i++;
  }
  emitLiteral(lit, n);
  chunks.push(Buffer.from(parts));
  return Buffer.concat(chunks);
}
