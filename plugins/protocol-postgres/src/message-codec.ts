import { PgProtocolError } from './errors.js';

/**
 * Builds backend messages into one growing buffer: `begin(type)` writes the
 * type byte and a length placeholder, `end()` patches the length. Many
 * messages (a whole batch of DataRows) share one buffer and one socket write.
 */
export class MessageWriter {
  private buf: Buffer;
  private pos = 0;
  private start = -1;

  constructor(initialBytes = 1024) { this.buf = Buffer.allocUnsafe(initialBytes); }

  get length(): number { return this.pos; }

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  begin(type: string): this {
    this.ensure(5);
    this.buf[this.pos] = type.charCodeAt(0);
    this.start = this.pos + 1;
    this.pos += 5;
    return this;
  }

  end(): this {
    this.buf.writeInt32BE(this.pos - this.start, this.start);
    this.start = -1;
    return this;
  }

  int8(v: number): this { this.ensure(1); this.buf[this.pos++] = v & 0xff; return this; }
  int16(v: number): this { this.ensure(2); this.buf.writeInt16BE(v, this.pos); this.pos += 2; return this; }
  int32(v: number): this { this.ensure(4); this.buf.writeInt32BE(v | 0, this.pos); this.pos += 4; return this; }
  int64(v: bigint): this { this.ensure(8); this.buf.writeBigInt64BE(BigInt.asIntN(64, v), this.pos); this.pos += 8; return this; }
  float32(v: number): this { this.ensure(4); this.buf.writeFloatBE(v, this.pos); this.pos += 4; return this; }
  float64(v: number): this { this.ensure(8); this.buf.writeDoubleBE(v, this.pos); this.pos += 8; return this; }
  bytes(b: Uint8Array): this { this.ensure(b.length); this.buf.set(b, this.pos); this.pos += b.length; return this; }
  str(s: string): this { const n = Buffer.byteLength(s); this.ensure(n); this.buf.write(s, this.pos, 'utf8'); this.pos += n; return this; }
  cstr(s: string): this { return this.str(s).int8(0); }

  /** Reserves a 4-byte length for a value written next; returns its offset for `endValue`. */
  beginValue(): number { const at = this.pos; this.int32(0); return at; }
  endValue(at: number): void { this.buf.writeInt32BE(this.pos - at - 4, at); }

  /** Takes a copy of everything written and starts over. */
  take(): Buffer { const b = Buffer.from(this.buf.subarray(0, this.pos)); this.pos = 0; return b; }
}

/** Reads one message body, bounds-checked (a short body is a protocol violation). */
export class MessageReader {
  pos = 0;
  constructor(readonly buf: Buffer) {}
  get remaining(): number { return this.buf.length - this.pos; }
  private need(n: number): void {
    if (n < 0 || this.pos + n > this.buf.length) throw new PgProtocolError(`invalid message format: needs ${n} more byte(s) at offset ${this.pos} of ${this.buf.length}`);
  }
  int8(): number { this.need(1); return this.buf[this.pos++]!; }
  int16(): number { this.need(2); const v = this.buf.readInt16BE(this.pos); this.pos += 2; return v; }
  int32(): number { this.need(4); const v = this.buf.readInt32BE(this.pos); this.pos += 4; return v; }
  bytes(n: number): Buffer { this.need(n); const v = this.buf.subarray(this.pos, this.pos + n); this.pos += n; return v; }
  cstr(): string {
    const end = this.buf.indexOf(0, this.pos);
    if (end < 0) throw new PgProtocolError(`invalid message format: unterminated string at offset ${this.pos}`);
    const s = this.buf.toString('utf8', this.pos, end);
    this.pos = end + 1;
    return s;
  }
}

/** A frontend message: its type byte ('' for startup-phase messages) and body. */
export interface FrontendMessage {
  readonly type: string;
  readonly body: Buffer;
}

/** Startup packets longer than this are refused (PostgreSQL uses the same bound). */
export const MAX_STARTUP_BYTES = 10_000;

/**
 * Cuts the byte stream into frontend messages. In the startup phase
 * messages have no type byte (length + body); afterwards a type byte, then a
 * length that counts itself. Lengths under 4 or over the limit are refused
 * as soon as the header arrives.
 */
export class MessageFramer {
  private chunks: Buffer[] = [];
  private buffered = 0;
  startup = true;

  constructor(private readonly maxMessageBytes: number) {}

  get pendingBytes(): number { return this.buffered; }

  /** Adds bytes; returns complete messages, at most `maxMessages` (the rest stays buffered). */
  push(chunk: Buffer, maxMessages = Infinity): FrontendMessage[] {
    if (chunk.length > 0) { this.chunks.push(chunk); this.buffered += chunk.length; }
    const out: FrontendMessage[] = [];
    while (out.length < maxMessages) {
      const headerBytes = this.startup ? 4 : 5;
      if (this.buffered < headerBytes) break;
      const head = this.peek(headerBytes);
      const type = this.startup ? '' : String.fromCharCode(head[0]!);
      const len = head.readInt32BE(this.startup ? 0 : 1);
      const limit = this.startup ? MAX_STARTUP_BYTES : this.maxMessageBytes;
      if (len < 4 || len > limit) {
        throw new PgProtocolError(len < 4 ? `invalid message length ${len}` : `message of ${len} bytes exceeds the limit of ${limit} bytes`);
      }
      const total = (this.startup ? 0 : 1) + len;
      if (this.buffered < total) break;
      const whole = this.take(total);
      out.push({ type, body: whole.subarray(headerBytes) });
      // A startup-phase message is followed by typed messages unless it was
      // an SSL/GSS request (the caller sets `startup` back in that case).
      if (this.startup) { this.startup = false; break; }
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
    this.chunks = [Buffer.concat(this.chunks)];
    return this.chunks[0]!.subarray(0, n);
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
