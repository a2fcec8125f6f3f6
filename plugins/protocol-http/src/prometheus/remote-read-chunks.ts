import { ProtoWriter } from './protobuf.js';

/**
 * Prometheus remote read's streamed response (`STREAMED_XOR_CHUNKS`):
 * a sequence of frames, each `uvarint(length) | CRC32-Castagnoli(message)
 * big-endian | ChunkedReadResponse message`, every series' samples cut into
 * Gorilla XOR chunks of at most {@link MAX_SAMPLES_PER_CHUNK} samples, the
 * encoding of Prometheus's tsdb/chunkenc/xor.go (so Prometheus, Thanos and
 * any other client decode them with their own chunk readers).
 */
export const CHUNKED_READ_CONTENT_TYPE = 'application/x-streamed-protobuf; proto=prometheus.ChunkedReadResponse';

/** Samples per XOR chunk, as Prometheus cuts its head chunks. */
export const MAX_SAMPLES_PER_CHUNK = 120;

/** Frame size Prometheus's own server aims for (`--storage.remote.read-max-bytes-in-frame`). */
export const DEFAULT_MAX_BYTES_IN_FRAME = 1 << 20;

/** `prompb.Chunk.Encoding.XOR`. */
export const CHUNK_ENCODING_XOR = 1;

const CRC32C_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0x82f63b78 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/** CRC-32C (Castagnoli), the checksum of every frame of a chunked read response. */
export function crc32c(buf: Uint8Array, start = 0, end = buf.length): number {
  let c = 0xffffffff;
  for (let i = start; i < end; i++) c = CRC32C_TABLE[(c ^ buf[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** One frame: uvarint length, big-endian CRC32C of the message, the message. */
export function encodeChunkedFrame(message: Uint8Array): Buffer {
  const head = new ProtoWriter().varint(message.length).finish();
  const out = Buffer.allocUnsafe(head.length + 4 + message.length);
  head.copy(out, 0);
  out.writeUInt32BE(crc32c(message), head.length);
  out.set(message, head.length + 4);
  return out;
}

/** A bit stream written most significant bit first, as Prometheus's bstream. */
class BitWriter {
  buf = new Uint8Array(256);
  /** Bits written so far. */
  bits = 0;
  /** Whether the last write was whole bytes (Prometheus's bstream then holds one more, empty, byte). */
  lastWholeBytes = false;

  reset(): void {
    this.buf.fill(0, 0, ((this.bits + 7) >>> 3) + 1);
    this.bits = 0;
    this.lastWholeBytes = false;
  }

  /**
   * The stream's bytes as Prometheus's bstream holds them: its writeByte
   * appends the next byte eagerly, so a stream that ends on a byte boundary
   * after a whole-byte write carries one trailing zero byte. Kept so the
   * chunks are byte-identical to Prometheus's own.
   */
  bytes(): Uint8Array {
    let n = (this.bits + 7) >>> 3;
    if (this.lastWholeBytes && (this.bits & 7) === 0) n++;
    this.room(n * 8 - this.bits);
    return this.buf.slice(0, n);
  }

  private room(extraBits: number): void {
    const need = (this.bits + extraBits + 7) >>> 3;
    if (need <= this.buf.length) return;
    const next = new Uint8Array(Math.max(need, this.buf.length * 2));
    next.set(this.buf);
    this.buf = next;
  }

  /** Writes the low `n` (0..32) bits of `v`. */
  write32(v: number, n: number): void {
    if (n === 0) return;
    this.lastWholeBytes = (n & 7) === 0;
    this.room(n);
    const buf = this.buf;
    while (n > 0) {
      const at = this.bits >>> 3;
      const free = 8 - (this.bits & 7);
      const take = free < n ? free : n;
      const chunk = (v >>> (n - take)) & ((1 << take) - 1);
      buf[at] = buf[at]! | (chunk << (free - take));
      n -= take;
      this.bits += take;
    }
  }

  /** Writes the low `n` (0..64) bits of the 64-bit value `hi:lo`. */
  write64(hi: number, lo: number, n: number): void {
    if (n > 32) { this.write32(hi, n - 32); this.write32(lo, 32); } else this.write32(lo, n);
    this.lastWholeBytes = (n & 7) === 0;
  }

  byte(b: number): void { this.write32(b, 8); }
}

function ctz32(x: number): number {
  return 31 - Math.clz32(x & -x);
}

function varintBytes(w: BitWriter, v: bigint): void {
  while (v >= 0x80n) { w.byte(Number(v & 0x7fn) | 0x80); v >>= 7n; }
  w.byte(Number(v));
}

/**
 * Gorilla XOR chunk encoder, bit for bit Prometheus's xorAppender: a 2-byte
 * big-endian sample count, the first timestamp as a signed varint and value
 * as 64 raw bits, the second timestamp's delta as a uvarint, then
 * delta-of-delta timestamps in 1/14/17/20/64-bit buckets and XOR'd values
 * with leading/trailing zero windows. Values are taken as raw bits (the
 * `values` words of a Float64Array viewed as Uint32Array), so NaN payloads
 * such as Prometheus's stale marker pass through unchanged.
 */
export class XorChunkEncoder {
  private readonly w = new BitWriter();

  /**
   * Encodes samples `[from, to)` (at most 65535; timestamps in ms,
   * strictly increasing) into one chunk's bytes.
   * `valueWords` holds each value as two little-endian uint32 words.
   */
  encode(timestamps: ArrayLike<number>, valueWords: Uint32Array, from: number, to: number): Uint8Array {
    const w = this.w;
    w.reset();
    const count = to - from;
    w.write32(count, 16);
    w.lastWholeBytes = false; // the header is not part of Prometheus's bit stream
    if (count === 0) return w.bytes();
    let t = timestamps[from]!;
    let vlo = valueWords[2 * from]!; let vhi = valueWords[2 * from + 1]!;
    varintBytes(w, t >= 0 ? BigInt(t) * 2n : -BigInt(t) * 2n - 1n);
    w.write64(vhi, vlo, 64);
    let tDelta = 0;
    let leading = 0xff; let trailing = 0;
    for (let i = from + 1; i < to; i++) {
      const ti = timestamps[i]!;
      const delta = ti - t;
      if (i === from + 1) {
        varintBytes(w, BigInt(delta));
      } else {
        const dod = delta - tDelta;
        if (dod === 0) w.write32(0, 1);
        else if (dod >= -8191 && dod <= 8192) { w.write32(0b10, 2); w.write32(dod & 0x3fff, 14); }
        else if (dod >= -65535 && dod <= 65536) { w.write32(0b110, 3); w.write32(dod & 0x1ffff, 17); }
        else if (dod >= -524287 && dod <= 524288) { w.write32(0b1110, 4); w.write32(dod & 0xfffff, 20); }
        else {
          w.write32(0b1111, 4);
          const hi = Math.floor(dod / 4294967296);
          w.write64(hi >>> 0, (dod - hi * 4294967296) >>> 0, 64);
        }
      }
      tDelta = delta;
      t = ti;
      // Value: XOR with the previous one.
      const lo = valueWords[2 * i]!; const hi = valueWords[2 * i + 1]!;
      const dlo = (lo ^ vlo) >>> 0; const dhi = (hi ^ vhi) >>> 0;
      vlo = lo; vhi = hi;
      if (dlo === 0 && dhi === 0) { w.write32(0, 1); continue; }
      w.write32(1, 1);
      let lead = dhi !== 0 ? Math.clz32(dhi) : 32 + Math.clz32(dlo);
      const trail = dlo !== 0 ? ctz32(dlo) : 32 + ctz32(dhi);
      if (lead >= 32) lead = 31;
      let shift: number;
      let nbits: number;
      if (leading !== 0xff && lead >= leading && trail >= trailing) {
        w.write32(0, 1);
        shift = trailing; nbits = 64 - leading - trailing;
      } else {
        leading = lead; trailing = trail;
        w.write32(1, 1);
        w.write32(lead, 5);
        nbits = 64 - lead - trail;
        w.write32(nbits & 63, 6);
        shift = trail;
      }
      // (delta >> shift), low nbits.
      let slo: number; let shi: number;
      if (shift === 0) { slo = dlo; shi = dhi; } else if (shift >= 32) { slo = dhi >>> (shift - 32); shi = 0; } else { slo = ((dlo >>> shift) | (dhi << (32 - shift))) >>> 0; shi = dhi >>> shift; }
      w.write64(shi, slo, nbits);
    }
    return w.bytes();
  }
}

/** A series of a chunked answer: sorted labels, ms timestamps (strictly increasing) and raw float64 values. */
export interface ChunkSource {
  readonly labels: ReadonlyArray<readonly [string, string]>;
  readonly timestamps: ArrayLike<number>;
  /** Values as a Float64Array (read as raw bits, never through JS numbers). */
  readonly values: Float64Array;
  readonly length: number;
}

function encodeLabels(labels: ReadonlyArray<readonly [string, string]>): Buffer[] {
  return labels.map(([n, v]) => new ProtoWriter().string(1, n).string(2, v).finish());
}

/**
 * The frames of one query's answer, produced lazily (pull one, encode one:
 * the caller writes each to the socket and waits for it to drain before
 * asking for the next). As Prometheus's StreamChunkedReadResponses: one
 * series per frame; a series whose chunks exceed `maxBytesInFrame` (less its
 * labels) is split over several frames carrying the same labels. A frame
 * overshoots the bound by at most one chunk (~2 KiB).
 */
export function* chunkedReadFrames(series: Iterable<ChunkSource>, queryIndex: number, maxBytesInFrame = DEFAULT_MAX_BYTES_IN_FRAME): Generator<Buffer> {
  const encoder = new XorChunkEncoder();
  for (const s of series) {
    if (s.length === 0) continue;
    const labels = encodeLabels(s.labels);
    let labelBytes = 0;
    for (const l of labels) labelBytes += l.length + 2;
    const budget = maxBytesInFrame - labelBytes;
    const words = new Uint32Array(s.values.buffer, s.values.byteOffset, s.length * 2);
    let chunks: Buffer[] = [];
    let left = budget;
    for (let from = 0; from < s.length; from += MAX_SAMPLES_PER_CHUNK) {
      const to = Math.min(s.length, from + MAX_SAMPLES_PER_CHUNK);
      const data = encoder.encode(s.timestamps, words, from, to);
      const chunk = new ProtoWriter()
        .int64(1, s.timestamps[from]!).int64(2, s.timestamps[to - 1]!).int64(3, CHUNK_ENCODING_XOR).bytes(4, data).finish();
      chunks.push(chunk);
      left -= chunk.length + 3;
      if (left > 0 && to < s.length) continue;
      const cs = new ProtoWriter();
      for (const l of labels) cs.bytes(1, l);
      for (const c of chunks) cs.bytes(2, c);
      const top = new ProtoWriter().bytes(1, cs.finish());
      if (queryIndex !== 0) top.int64(2, queryIndex);
      const msg = top.finish();
      yield encodeChunkedFrame(msg);
      chunks = [];
      left = budget;
    }
  }
}
