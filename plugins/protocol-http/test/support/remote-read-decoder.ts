/**
 * An independent reader of Prometheus's streamed remote read answer, written
 * from the format (prompb/remote.proto, storage/remote/chunked.go,
 * tsdb/chunkenc/xor.go) with BigInt bit reading, sharing no code with the
 * encoder under test. Used by the unit tests and the end-to-end test that
 * decodes a real Prometheus's own `/api/v1/read` answer with it.
 */

/** CRC-32C bit by bit (no table), to check the encoder's table-driven one. */
export function crc32cBitwise(buf: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of buf) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = (c >>> 1) ^ (0x82f63b78 & -(c & 1));
  }
  return (c ^ 0xffffffff) >>> 0;
}

export interface DecodedSample { t: bigint; bits: bigint }
export interface DecodedChunk { minTimeMs: bigint; maxTimeMs: bigint; type: number; data: Uint8Array }
export interface DecodedSeries { labels: Array<[string, string]>; chunks: DecodedChunk[] }
export interface DecodedFrame { size: number; crc: number; queryIndex: bigint; series: DecodedSeries[] }

class Reader {
  constructor(readonly buf: Uint8Array, public pos = 0, readonly end = buf.length) {}
  get done(): boolean { return this.pos >= this.end; }
  uvarint(): bigint {
    let v = 0n; let shift = 0n;
    for (;;) {
      if (this.pos >= this.end) throw new Error('truncated varint');
      const b = this.buf[this.pos++]!;
      v |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) return v;
      shift += 7n;
    }
  }
  int64(): bigint { return BigInt.asIntN(64, this.uvarint()); }
  bytes(): Uint8Array {
    const n = Number(this.uvarint());
    if (this.pos + n > this.end) throw new Error('field past the end');
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }
  skip(wire: number): void {
    if (wire === 0) this.uvarint(); else if (wire === 1) this.pos += 8; else if (wire === 2) this.bytes(); else if (wire === 5) this.pos += 4;
    else throw new Error(`wire type ${wire}`);
  }
}

const text = new TextDecoder('utf-8', { fatal: true });

function decodeSeries(b: Uint8Array): DecodedSeries {
  const r = new Reader(b);
  const labels: Array<[string, string]> = []; const chunks: DecodedChunk[] = [];
  while (!r.done) {
    const key = Number(r.uvarint());
    if (key === (1 << 3 | 2)) {
      const l = new Reader(r.bytes()); let n = ''; let v = '';
      while (!l.done) { const k = Number(l.uvarint()); if (k === 0x0a) n = text.decode(l.bytes()); else if (k === 0x12) v = text.decode(l.bytes()); else l.skip(k & 7); }
      labels.push([n, v]);
    } else if (key === (2 << 3 | 2)) {
      const c = new Reader(r.bytes());
      const chunk: DecodedChunk = { minTimeMs: 0n, maxTimeMs: 0n, type: 0, data: new Uint8Array(0) };
      while (!c.done) {
        const k = Number(c.uvarint());
        if (k === 0x08) chunk.minTimeMs = c.int64(); else if (k === 0x10) chunk.maxTimeMs = c.int64();
        else if (k === 0x18) chunk.type = Number(c.uvarint()); else if (k === 0x22) chunk.data = c.bytes(); else c.skip(k & 7);
      }
      chunks.push(chunk);
    } else r.skip(key & 7);
  }
  return { labels, chunks };
}

/** Splits a whole streamed answer into frames, checking each CRC (throws on a mismatch or a truncated frame). */
export function decodeFrames(body: Uint8Array): DecodedFrame[] {
  const frames: DecodedFrame[] = [];
  const r = new Reader(body);
  while (!r.done) {
    const size = Number(r.uvarint());
    if (r.pos + 4 + size > body.length) throw new Error('truncated frame');
    const crc = ((body[r.pos]! << 24) | (body[r.pos + 1]! << 16) | (body[r.pos + 2]! << 8) | body[r.pos + 3]!) >>> 0;
    const msg = body.subarray(r.pos + 4, r.pos + 4 + size);
    r.pos += 4 + size;
    if (crc32cBitwise(msg) !== crc) throw new Error(`frame ${frames.length}: CRC mismatch`);
    const m = new Reader(msg);
    const frame: DecodedFrame = { size, crc, queryIndex: 0n, series: [] };
    while (!m.done) {
      const k = Number(m.uvarint());
      if (k === 0x0a) frame.series.push(decodeSeries(m.bytes())); else if (k === 0x10) frame.queryIndex = m.int64(); else m.skip(k & 7);
    }
    frames.push(frame);
  }
  return frames;
}

class BitReader {
  private bit = 0;
  constructor(readonly buf: Uint8Array) {}
  read(n: number): bigint {
    let v = 0n;
    for (let i = 0; i < n; i++) {
      const byte = this.buf[this.bit >> 3];
      if (byte === undefined) throw new Error('chunk: out of bits');
      v = (v << 1n) | BigInt((byte >> (7 - (this.bit & 7))) & 1);
      this.bit++;
    }
    return v;
  }
  byte(): number { return Number(this.read(8)); }
}

/** Decodes a Prometheus XOR chunk, as its xorIterator does, into exact timestamps and value bits. */
export function decodeXorChunk(data: Uint8Array): DecodedSample[] {
  const count = (data[0]! << 8) | data[1]!;
  const br = new BitReader(data.subarray(2));
  const uvarint = (): bigint => {
    let v = 0n; let shift = 0n;
    for (;;) { const b = br.byte(); v |= BigInt(b & 0x7f) << shift; if ((b & 0x80) === 0) return v; shift += 7n; }
  };
  const out: DecodedSample[] = [];
  let t = 0n; let tDelta = 0n; let bits = 0n; let leading = 0; let trailing = 0;
  const readValue = () => {
    if (br.read(1) === 0n) return;
    if (br.read(1) === 1n) {
      leading = Number(br.read(5));
      let mbits = Number(br.read(6));
      if (mbits === 0) mbits = 64;
      trailing = 64 - leading - mbits;
    }
    const mbits = 64 - leading - trailing;
    bits ^= br.read(mbits) << BigInt(trailing);
  };
  for (let i = 0; i < count; i++) {
    if (i === 0) {
      const z = uvarint();
      t = (z >> 1n) ^ -(z & 1n);
      bits = br.read(64);
    } else if (i === 1) {
      tDelta = uvarint();
      t += tDelta;
      readValue();
    } else {
      let prefix = 0;
      for (let k = 0; k < 4; k++) { prefix <<= 1; if (br.read(1) === 0n) break; prefix |= 1; }
      let dod = 0n;
      const sz = prefix === 0b10 ? 14 : prefix === 0b110 ? 17 : prefix === 0b1110 ? 20 : 0;
      if (prefix === 0b1111) dod = BigInt.asIntN(64, br.read(64));
      else if (sz) {
        let v = br.read(sz);
        if (v > (1n << BigInt(sz - 1))) v -= 1n << BigInt(sz);
        dod = v;
      }
      tDelta += dod;
      t += tDelta;
      readValue();
    }
    out.push({ t, bits });
  }
  return out;
}

/** The float64 bit pattern of a number (for expectations). */
export function bitsOf(v: number): bigint {
  const f = new Float64Array([v]);
  return new BigUint64Array(f.buffer)[0]!;
}

export const STALE_NAN_BITS = 0x7ff0000000000002n;
/** Go's math.NaN(), what Prometheus parses `NaN` into. */
export const GO_NAN_BITS = 0x7ff8000000000001n;

/** A Float64Array holding exact bit patterns. */
export function float64FromBits(bits: readonly bigint[]): Float64Array {
  const u = new BigUint64Array(bits);
  return new Float64Array(u.buffer);
}
