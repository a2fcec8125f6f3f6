import { PrometheusDecodeError } from '../errors.js';

const TWO_32 = 4294967296;

/** A minimal protobuf reader over a Buffer (varints, fixed64 doubles, length-delimited fields). */
export class ProtoReader {
  pos: number;
  constructor(readonly buf: Buffer, start = 0, readonly end = buf.length) { this.pos = start; }

  get done(): boolean { return this.pos >= this.end; }

  /** Reads a varint of up to 64 bits as a number (exact up to 2^53; int64 negatives in two's complement). */
  varint(): number {
    const buf = this.buf;
    let lo = 0; let hi = 0; let shift = 0;
    for (let k = 0; k < 10; k++) {
      if (this.pos >= this.end) throw new PrometheusDecodeError('protobuf: truncated varint');
      const b = buf[this.pos++]!;
      if (shift < 28) lo += (b & 0x7f) << shift;
      else if (shift === 28) { lo += (b & 0x0f) * 2 ** 28; hi += (b & 0x7f) >> 4; }
      else hi += (b & 0x7f) * 2 ** (shift - 32);
      if ((b & 0x80) === 0) {
        lo >>>= 0;
        hi = hi % TWO_32;
        return hi >= 2 ** 31 ? (hi - TWO_32) * TWO_32 + lo : hi * TWO_32 + lo;
      }
      shift += 7;
    }
    throw new PrometheusDecodeError('protobuf: varint too long');
  }

  double(): number {
    if (this.pos + 8 > this.end) throw new PrometheusDecodeError('protobuf: truncated double');
    const v = this.buf.readDoubleLE(this.pos);
    this.pos += 8;
    return v;
  }

  /** Reads a length prefix and returns [start, end) of the bytes, advancing past them. */
  bytes(): [number, number] {
    const len = this.varint();
    if (len < 0 || this.pos + len > this.end) throw new PrometheusDecodeError('protobuf: length-delimited field runs past the end');
    const s = this.pos;
    this.pos += len;
    return [s, s + len];
  }

  skip(wireType: number): void {
    switch (wireType) {
      case 0: this.varint(); break;
      case 1: this.pos += 8; break;
      case 2: this.bytes(); break;
      case 5: this.pos += 4; break;
      default: throw new PrometheusDecodeError(`protobuf: unsupported wire type ${wireType}`);
    }
    if (this.pos > this.end) throw new PrometheusDecodeError('protobuf: truncated field');
  }
}

/** A minimal protobuf writer; nested messages are written as finished byte arrays. */
export class ProtoWriter {
  private chunks: Buffer[] = [];
  private cur: Buffer;
  private at = 0;

  /** `initialBytes`: first buffer's size (small for small messages; it grows by chunks). */
  constructor(initialBytes = 4096) { this.cur = Buffer.allocUnsafe(initialBytes); }

  private ensure(n: number): void {
    if (this.at + n <= this.cur.length) return;
    this.chunks.push(this.cur.subarray(0, this.at));
    this.cur = Buffer.allocUnsafe(Math.max(4096, n));
    this.at = 0;
  }

  varint(v: number): this {
    this.ensure(10);
    if (v < 0) {
      // int64 two's complement, 10 bytes.
      let lo = (v % TWO_32 + TWO_32) % TWO_32; let hi = Math.floor(v / TWO_32) + TWO_32;
      for (let k = 0; k < 9; k++) {
        this.cur[this.at++] = (lo & 0x7f) | 0x80;
        lo = Math.floor(lo / 128) + (hi % 128) * 2 ** 25; hi = Math.floor(hi / 128);
      }
      this.cur[this.at++] = 1;
      return this;
    }
    while (v >= 0x80) { this.cur[this.at++] = (v % 128) | 0x80; v = Math.floor(v / 128); }
    this.cur[this.at++] = v;
    return this;
  }

  tag(field: number, wireType: number): this { return this.varint(field * 8 + wireType); }

  double(field: number, v: number): this {
    this.tag(field, 1); this.ensure(8);
    this.cur.writeDoubleLE(v, this.at); this.at += 8;
    return this;
  }

  int64(field: number, v: number): this { return this.tag(field, 0).varint(v); }

  /** A double field copied as its 8 little-endian bytes `src[at..at+8)` (NaN payloads kept). */
  doubleBytes(field: number, src: Uint8Array, at: number): this {
    this.tag(field, 1); this.ensure(8);
    for (let k = 0; k < 8; k++) this.cur[this.at + k] = src[at + k]!;
    this.at += 8;
    return this;
  }

  bytes(field: number, b: Uint8Array): this {
    this.tag(field, 2).varint(b.length); this.ensure(b.length);
    this.cur.set(b, this.at); this.at += b.length;
    return this;
  }

  string(field: number, s: string): this { return this.bytes(field, Buffer.from(s, 'utf8')); }

  finish(): Buffer {
    return Buffer.concat([...this.chunks, this.cur.subarray(0, this.at)]);
  }
}
