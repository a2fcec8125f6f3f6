/**
 * Thrift compact protocol decoding for Parquet metadata (the footer, page
 * headers and offset indexes), generic: a struct comes back as an object
 * keyed by field id, a list as an array, binary as a Uint8Array view of the
 * input. The Parquet readers below pick the fields they need by id (ids from
 * parquet.thrift).
 */

export type ThriftValue = number | boolean | Uint8Array | ThriftValue[] | ThriftStruct;
export interface ThriftStruct { [field: number]: ThriftValue | undefined }

/** A malformed or truncated Thrift message. */
export class ThriftError extends Error {}

const T_STOP = 0, T_TRUE = 1, T_FALSE = 2, T_BYTE = 3, T_I16 = 4, T_I32 = 5, T_I64 = 6, T_DOUBLE = 7,
  T_BINARY = 8, T_LIST = 9, T_SET = 10, T_MAP = 11, T_STRUCT = 12;

export class ThriftReader {
  constructor(private readonly buf: Uint8Array, public pos = 0) {}

  private byte(): number {
    if (this.pos >= this.buf.length) throw new ThriftError('Thrift message is truncated');
    return this.buf[this.pos++]!;
  }

  /** An unsigned varint as a Number (exact below 2^53; metadata never comes near). */
  varint(): number {
    let b = this.byte();
    if (b < 0x80) return b;
    let v = b & 0x7f, mul = 128;
    for (let i = 1; i < 10; i++) {
      b = this.byte();
      v += (b & 0x7f) * mul;
      if (b < 0x80) return v;
      mul *= 128;
    }
    throw new ThriftError('Thrift varint is longer than 10 bytes');
  }

  zigzag(): number {
    const n = this.varint();
    return n % 2 === 0 ? n / 2 : -(n + 1) / 2;
  }

  binary(): Uint8Array {
    const n = this.varint();
    if (this.pos + n > this.buf.length) throw new ThriftError('Thrift binary runs past the end of the message');
    const v = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return v;
  }

  struct(): ThriftStruct {
    const out: ThriftStruct = {};
    let last = 0;
    for (;;) {
      const h = this.byte();
      const type = h & 0x0f;
      if (type === T_STOP) return out;
      const delta = h >> 4;
      const id = delta ? last + delta : this.zigzag();
      last = id;
      out[id] = type === T_TRUE ? true : type === T_FALSE ? false : this.value(type);
    }
  }

  private value(type: number): ThriftValue {
    switch (type) {
      case T_TRUE: case T_FALSE: return this.byte() === 1;
      case T_BYTE: { const b = this.byte(); return b > 127 ? b - 256 : b; }
      case T_I16: case T_I32: case T_I64: return this.zigzag();
      case T_DOUBLE: {
        if (this.pos + 8 > this.buf.length) throw new ThriftError('Thrift message is truncated');
        const v = new DataView(this.buf.buffer, this.buf.byteOffset + this.pos, 8).getFloat64(0, true);
        this.pos += 8;
        return v;
      }
      case T_BINARY: return this.binary();
      case T_LIST: case T_SET: {
        const h = this.byte();
        const n = (h >> 4) === 15 ? this.varint() : h >> 4;
        // Every element takes at least a byte: a longer count is a damaged message, not an allocation.
        if (n > this.buf.length - this.pos) throw new ThriftError(`Thrift list of ${n} elements in ${this.buf.length - this.pos} bytes`);
        const et = h & 0x0f;
        const out: ThriftValue[] = new Array(n);
        for (let i = 0; i < n; i++) out[i] = this.value(et);
        return out;
      }
      case T_MAP: {
        const n = this.varint();
        if (n === 0) return [];
        if (2 * n > this.buf.length - this.pos) throw new ThriftError(`Thrift map of ${n} entries in ${this.buf.length - this.pos} bytes`);
        const kv = this.byte();
        const out: ThriftValue[] = [];
        for (let i = 0; i < n; i++) { const k = this.value(kv >> 4); const v = this.value(kv & 0x0f); out.push([k, v]); }
        return out;
      }
      case T_STRUCT: return this.struct();
      default: throw new ThriftError(`unknown Thrift compact type ${type}`);
    }
  }
}

const decoder = new TextDecoder();
export function str(v: ThriftValue | undefined): string | undefined { return v instanceof Uint8Array ? decoder.decode(v) : undefined; }
export function num(v: ThriftValue | undefined): number | undefined { return typeof v === 'number' ? v : undefined; }
export function struct(v: ThriftValue | undefined): ThriftStruct | undefined {
  return v !== undefined && typeof v === 'object' && !(v instanceof Uint8Array) && !Array.isArray(v) ? v : undefined;
}
export function list(v: ThriftValue | undefined): ThriftValue[] { return Array.isArray(v) ? v : []; }
