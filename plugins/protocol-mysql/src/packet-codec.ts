import { MYSQL_WIRE_ERRORS, MysqlProtocolError } from './errors.js';

/** The largest payload one wire packet carries; longer payloads continue in the next packet. */
export const MAX_PACKET_PAYLOAD = 0xffffff;

/**
 * Builds one packet payload. Grows a single Buffer (no per-field
 * allocations) and writes MySQL's little-endian and length-encoded fields.
 */
export class PacketWriter {
  private buf: Buffer;
  private pos = 0;

  constructor(initialBytes = 256) { this.buf = Buffer.allocUnsafe(initialBytes); }

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  get length(): number { return this.pos; }

  int1(v: number): this { this.ensure(1); this.buf[this.pos++] = v & 0xff; return this; }
  int2(v: number): this { this.ensure(2); this.buf.writeUInt16LE(v & 0xffff, this.pos); this.pos += 2; return this; }
  int3(v: number): this { this.ensure(3); this.buf.writeUIntLE(v & 0xffffff, this.pos, 3); this.pos += 3; return this; }
  int4(v: number): this { this.ensure(4); this.buf.writeUInt32LE(v >>> 0, this.pos); this.pos += 4; return this; }
  int8(v: bigint): this { this.ensure(8); this.buf.writeBigUInt64LE(BigInt.asUintN(64, v), this.pos); this.pos += 8; return this; }
  float4(v: number): this { this.ensure(4); this.buf.writeFloatLE(v, this.pos); this.pos += 4; return this; }
  float8(v: number): this { this.ensure(8); this.buf.writeDoubleLE(v, this.pos); this.pos += 8; return this; }
  zeros(n: number): this { this.ensure(n); this.buf.fill(0, this.pos, this.pos + n); this.pos += n; return this; }

  bytes(b: Uint8Array): this { this.ensure(b.length); this.buf.set(b, this.pos); this.pos += b.length; return this; }
  /** A string without length (rest of packet, or fixed). */
  str(s: string): this {
    const n = Buffer.byteLength(s);
    this.ensure(n); this.buf.write(s, this.pos, 'utf8'); this.pos += n; return this;
  }
  /** A NUL-terminated string. */
  strNul(s: string): this { return this.str(s).int1(0); }

  /** A length-encoded integer. */
  lenenc(v: number | bigint): this {
    const n = typeof v === 'bigint' ? v : BigInt(v);
    if (n < 251n) return this.int1(Number(n));
    if (n < 0x10000n) return this.int1(0xfc).int2(Number(n));
    if (n < 0x1000000n) return this.int1(0xfd).int3(Number(n));
    return this.int1(0xfe).int8(n);
  }
  lenencStr(s: string): this {
    const n = Buffer.byteLength(s);
    this.lenenc(n); this.ensure(n); this.buf.write(s, this.pos, 'utf8'); this.pos += n; return this;
  }
  lenencBytes(b: Uint8Array): this { return this.lenenc(b.length).bytes(b); }

  /** Forgets everything written (keeps the buffer for reuse). */
  reset(): this { this.pos = 0; return this; }
  /** Overwrites a 3-byte length and a sequence id at `at` (a packet header written as 4 zero bytes). */
  patchHeader(at: number, length: number, seq: number): void { this.buf.writeUIntLE(length, at, 3); this.buf[at + 3] = seq & 0xff; }
  /** Sets bit `bit` of the byte at `at`. */
  setBit(at: number, bit: number): void { this.buf[at + (bit >> 3)] |= 1 << (bit & 7); }
  /** A copy of bytes [start, end). */
  copyOf(start = 0, end = this.pos): Buffer { return Buffer.from(this.buf.subarray(start, end)); }
  /** The payload written so far (a view, valid until the next write). */
  payload(): Buffer { return this.buf.subarray(0, this.pos); }
}

/**
 * Reads one packet payload, bounds-checked: reading past the end raises a
 * MysqlProtocolError (ER_MALFORMED_PACKET) instead of returning garbage.
 */
export class PacketReader {
  pos = 0;
  constructor(readonly buf: Buffer) {}

  get remaining(): number { return this.buf.length - this.pos; }
  private need(n: number): void {
    if (n < 0 || this.pos + n > this.buf.length) throw new MysqlProtocolError(`malformed packet: needs ${n} more byte(s) at offset ${this.pos} of ${this.buf.length}`);
  }
  int1(): number { this.need(1); return this.buf[this.pos++]!; }
  int2(): number { this.need(2); const v = this.buf.readUInt16LE(this.pos); this.pos += 2; return v; }
  int3(): number { this.need(3); const v = this.buf.readUIntLE(this.pos, 3); this.pos += 3; return v; }
  int4(): number { this.need(4); const v = this.buf.readUInt32LE(this.pos); this.pos += 4; return v; }
  int8(): bigint { this.need(8); const v = this.buf.readBigUInt64LE(this.pos); this.pos += 8; return v; }
  sint8(): bigint { this.need(8); const v = this.buf.readBigInt64LE(this.pos); this.pos += 8; return v; }
  float4(): number { this.need(4); const v = this.buf.readFloatLE(this.pos); this.pos += 4; return v; }
  float8(): number { this.need(8); const v = this.buf.readDoubleLE(this.pos); this.pos += 8; return v; }
  bytes(n: number): Buffer { this.need(n); const v = this.buf.subarray(this.pos, this.pos + n); this.pos += n; return v; }
  rest(): Buffer { const v = this.buf.subarray(this.pos); this.pos = this.buf.length; return v; }
  skip(n: number): void { this.need(n); this.pos += n; }
  strNul(): string {
    const end = this.buf.indexOf(0, this.pos);
    if (end < 0) throw new MysqlProtocolError(`malformed packet: unterminated string at offset ${this.pos}`);
    const s = this.buf.toString('utf8', this.pos, end);
    this.pos = end + 1;
    return s;
  }
  /** A length-encoded integer; `null` for the NULL marker 0xfb. */
  lenenc(): number | null {
    const first = this.int1();
    if (first < 0xfb) return first;
    if (first === 0xfb) return null;
    if (first === 0xfc) return this.int2();
    if (first === 0xfd) return this.int3();
    if (first === 0xfe) {
      const v = this.int8();
      // Lengths and counts past 2^53 cannot be real in a packet we accepted.
      if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new MysqlProtocolError(`malformed packet: length-encoded integer ${v} too large`);
      return Number(v);
    }
    throw new MysqlProtocolError(`malformed packet: bad length-encoded integer 0x${first.toString(16)}`);
  }
  lenencBytes(): Buffer {
    const n = this.lenenc();
    if (n === null) throw new MysqlProtocolError('malformed packet: unexpected NULL length');
    return this.bytes(n);
  }
  lenencStr(): string { return this.lenencBytes().toString('utf8'); }
}

/**
 * Frames a payload into wire packets: a 3-byte length and a sequence id,
 * splitting payloads of 16 MiB - 1 or more (and ending with an empty packet
 * when the payload is an exact multiple). Returns the next sequence id.
 */
export function framePacket(payload: Uint8Array, seq: number, out: Buffer[]): number {
  let off = 0;
  for (;;) {
    const n = Math.min(MAX_PACKET_PAYLOAD, payload.length - off);
    const header = Buffer.allocUnsafe(4);
    header.writeUIntLE(n, 0, 3);
    header[3] = seq & 0xff;
    seq = (seq + 1) & 0xff;
    out.push(header, Buffer.from(payload.buffer, payload.byteOffset + off, n));
    off += n;
    if (n < MAX_PACKET_PAYLOAD) return seq;
  }
}

/** One complete client packet (continuations joined). */
export interface ClientPacket {
  /** Sequence id of the last wire packet. */
  readonly seq: number;
  readonly payload: Buffer;
}

/**
 * Cuts a TCP byte stream into client packets. Joins 16 MiB continuation
 * packets and refuses payloads over `maxPacketBytes` (ER_NET_PACKET_TOO_LARGE)
 * as soon as the header announces them, before buffering the body.
 */
export class PacketFramer {
  private chunks: Buffer[] = [];
  private buffered = 0;
  private parts: Buffer[] = [];
  private partsBytes = 0;

  constructor(private maxPacketBytes: number) {}

  /** Changes the limit (the handshake uses a small one, commands the configured one). */
  setMaxPacketBytes(n: number): void { this.maxPacketBytes = n; }

  /** Bytes received but not yet returned as packets. */
  get pendingBytes(): number { return this.buffered + this.partsBytes; }

  /** Adds bytes and returns the packets completed, at most `maxPackets` (the rest stays buffered). */
  push(chunk: Buffer, maxPackets = Infinity): ClientPacket[] {
    if (chunk.length > 0) { this.chunks.push(chunk); this.buffered += chunk.length; }
    const out: ClientPacket[] = [];
    while (out.length < maxPackets) {
      if (this.buffered < 4) break;
      const head = this.peek(4);
      const len = head.readUIntLE(0, 3);
      if (this.partsBytes + len > this.maxPacketBytes) {
        throw new MysqlProtocolError(`packet of ${this.partsBytes + len} bytes exceeds max_allowed_packet (${this.maxPacketBytes})`, MYSQL_WIRE_ERRORS.packetTooLarge);
      }
      if (this.buffered < 4 + len) break;
      const whole = this.take(4 + len);
      const body = whole.subarray(4);
      if (len === MAX_PACKET_PAYLOAD) {
        this.parts.push(body); this.partsBytes += len;
        continue;
      }
      let payload = body;
      if (this.parts.length > 0) {
        payload = Buffer.concat([...this.parts, body]);
        this.parts = []; this.partsBytes = 0;
      }
      out.push({ seq: head[3]!, payload });
    }
    return out;
  }

  /** Returns and forgets every buffered byte (used when handing the socket to TLS). */
  drain(): Buffer {
    const all = Buffer.concat(this.chunks);
    this.chunks = []; this.buffered = 0;
    return all;
  }

  private peek(n: number): Buffer {
    if (this.chunks[0]!.length >= n) return this.chunks[0]!.subarray(0, n);
    const all = Buffer.concat(this.chunks);
    this.chunks = [all];
    return all.subarray(0, n);
  }

  private take(n: number): Buffer {
    if (this.chunks[0]!.length < n) this.chunks = [Buffer.concat(this.chunks)];
    const first = this.chunks[0]!;
    const v = first.subarray(0, n);
    if (first.length === n) this.chunks.shift(); else this.chunks[0] = first.subarray(n);
    this.buffered -= n;
    return v;
  }
}
