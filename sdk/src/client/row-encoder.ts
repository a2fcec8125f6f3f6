import { DATATYPE, planColumns, SEMANTIC, timestampValue, type CellValue, type ColumnPlan, type ColumnType, type TableRows } from './rows.js';

/** greptime.v1.Value field number per column type. */
const VALUE_FIELD_NUMBER: Record<ColumnType, number> = {
  Int8: 1, Int16: 2, Int32: 3, Int64: 4, UInt8: 5, UInt16: 6, UInt32: 7, UInt64: 8, Float32: 9, Float64: 10,
  Boolean: 11, Binary: 12, String: 13, Date: 14,
  TimestampSecond: 16, TimestampMillisecond: 17, TimestampMicrosecond: 18, TimestampNanosecond: 19,
};

const TWO_32 = 4294967296;

/** A growable protobuf byte writer (varints, fixed, length-delimited). */
class ProtoBytes {
  buf = Buffer.allocUnsafe(1024);
  len = 0;
  private ensure(n: number): void {
    if (this.len + n <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < this.len + n) cap *= 2;
    const next = Buffer.allocUnsafe(cap); this.buf.copy(next, 0, 0, this.len); this.buf = next;
  }
  varint(v: number): void {
    this.ensure(5);
    while (v > 0x7f) { this.buf[this.len++] = (v & 0x7f) | 0x80; v >>>= 7; }
    this.buf[this.len++] = v;
  }
  /** A 64-bit varint from its (lo, hi) words (two's complement for negatives). */
  varint64(lo: number, hi: number): void {
    this.ensure(10);
    while (hi) { this.buf[this.len++] = (lo & 0x7f) | 0x80; lo = ((lo >>> 7) | (hi << 25)) >>> 0; hi >>>= 7; }
    while (lo > 0x7f) { this.buf[this.len++] = (lo & 0x7f) | 0x80; lo >>>= 7; }
    this.buf[this.len++] = lo;
  }
  tag(field: number, wire: number): void { this.varint((field << 3) | wire); }
  double(v: number): void { this.ensure(8); this.buf.writeDoubleLE(v, this.len); this.len += 8; }
  float(v: number): void { this.ensure(4); this.buf.writeFloatLE(v, this.len); this.len += 4; }
  string(s: string): void {
    const n = Buffer.byteLength(s);
    this.varint(n); this.ensure(n); this.len += this.buf.write(s, this.len);
  }
  bytes(b: Uint8Array): void { this.varint(b.byteLength); this.ensure(b.byteLength); this.buf.set(b, this.len); this.len += b.byteLength; }
  /** Appends another writer's content as a length-delimited field. */
  message(field: number, inner: ProtoBytes): void {
    this.tag(field, 2); this.varint(inner.len); this.ensure(inner.len); inner.buf.copy(this.buf, this.len, 0, inner.len); this.len += inner.len;
  }
  reset(): this { this.len = 0; return this; }
  toBuffer(): Buffer { return this.buf.subarray(0, this.len); }
}

function int64Words(v: CellValue, c: ColumnPlan): [number, number] {
  if (c.type.startsWith('Timestamp')) v = timestampValue(v, c.type);
  if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) return [v % TWO_32, Math.floor(v / TWO_32)];
  const big = BigInt.asUintN(64, typeof v === 'bigint' ? v : BigInt(v as number | string));
  return [Number(big & 0xffffffffn), Number(big >> 32n)];
}

function writeValue(w: ProtoBytes, v: CellValue, c: ColumnPlan): void {
  const field = VALUE_FIELD_NUMBER[c.type];
  switch (c.type) {
    case 'Float64': w.tag(field, 1); w.double(Number(v)); return;
    case 'Float32': w.tag(field, 5); w.float(Number(v)); return;
    case 'String': w.tag(field, 2); w.string(String(v)); return;
    case 'Binary': w.tag(field, 2); w.bytes(v instanceof Uint8Array ? v : Buffer.from(String(v))); return;
    case 'Boolean': w.tag(field, 0); w.varint(v ? 1 : 0); return;
    case 'Int8': case 'Int16': case 'Int32': case 'Date': {
      const n = v instanceof Date ? Math.floor(v.getTime() / 86_400_000) : Number(v) | 0;
      w.tag(field, 0);
      // Negative int32 values are sign-extended to 64 bits on the wire.
      if (n < 0) w.varint64(n >>> 0, 0xffffffff); else w.varint(n);
      return;
    }
    case 'UInt8': case 'UInt16': case 'UInt32': w.tag(field, 0); w.varint(Number(v) >>> 0); return;
    default: { const [lo, hi] = int64Words(v, c); w.tag(field, 0); w.varint64(lo, hi); }
  }
}

/**
 * Encodes rows as greptime.v1.RowInsertRequests bytes directly (no
 * intermediate objects per value), for the gRPC Handle call. Equivalent to
 * encoding `toRowInsertRequest` with protobufjs; a test checks they agree.
 */
export function encodeRowInsertRequests(tables: readonly TableRows[]): Buffer {
  const out = new ProtoBytes();
  const request = new ProtoBytes(); const rowsMsg = new ProtoBytes(); const row = new ProtoBytes();
  const value = new ProtoBytes(); const schema = new ProtoBytes();
  for (const t of tables) {
    if (t.rows.length === 0) continue;
    const columns = planColumns(t);
    rowsMsg.reset();
    for (const c of columns) {
      schema.reset();
      schema.tag(1, 2); schema.string(c.name);
      // Zeros are written too (as protobufjs does), so both encoders give the same bytes.
      schema.tag(2, 0); schema.varint(DATATYPE[c.type]);
      schema.tag(3, 0); schema.varint(SEMANTIC[c.semantic]);
      rowsMsg.message(1, schema);
    }
    for (const r of t.rows) {
      row.reset();
      for (const c of columns) {
        const v = r[c.name];
        value.reset();
        if (v !== null && v !== undefined) writeValue(value, v, c);
        row.message(1, value);
      }
      rowsMsg.message(2, row);
    }
    request.reset();
    request.tag(1, 2); request.string(t.table);
    request.message(2, rowsMsg);
    out.message(1, request);
  }
  return Buffer.from(out.toBuffer());
}

/**
 * A complete greptime.v1.GreptimeRequest with a header and row inserts:
 * the pre-encoded header followed by field 6 (row_inserts).
 */
export function encodeRowInsertGreptimeRequest(headerBytes: Uint8Array, tables: readonly TableRows[]): Buffer {
  const inserts = encodeRowInsertRequests(tables);
  const w = new ProtoBytes();
  w.tag(1, 2); w.bytes(headerBytes);
  w.tag(6, 2); w.bytes(inserts);
  return Buffer.from(w.toBuffer());
}
