import { open } from 'node:fs/promises';
import * as arrow from 'apache-arrow';
import { messageCodec, recordBatchMessages, schemaMessage } from '@strata/protocol-grpc';
import { CPU_FIELD_KEYS, CPU_TAG_KEYS, type CpuBatch, type TsbsCpuGenerator } from '../tsbs/tsbs-cpu-generator.js';
import type { LineFile } from './line-file.js';

/** The time index column, named as the line-protocol path names it, so the TSBS SQL runs unchanged. */
export const CPU_TIME_COLUMN = 'greptime_timestamp';

// greptime.v1 numbers (ColumnDataType, SemanticType, Value oneof fields).
const DATATYPE_FLOAT64 = 10;
const DATATYPE_STRING = 12;
const DATATYPE_TIMESTAMP_MS = 16;
const SEMANTIC_TAG = 0;
const SEMANTIC_FIELD = 1;
const SEMANTIC_TIMESTAMP = 2;
const VALUE_F64 = 10;
const VALUE_STRING = 13;
const VALUE_TS_MS = 17;

/** A growable protobuf writer: just the wire forms the cpu rows need. */
class ProtoWriter {
  buf: Buffer;
  len = 0;
  constructor(capacity = 1 << 16) {
    this.buf = Buffer.allocUnsafe(capacity);
  }
  ensure(n: number): void {
    if (this.len + n <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < this.len + n) cap *= 2;
    const next = Buffer.allocUnsafe(cap);
    this.buf.copy(next, 0, 0, this.len);
    this.buf = next;
  }
  /** A non-negative safe integer as a varint (timestamps in ms exceed 32 bits). */
  varint(v: number): void {
    this.ensure(10);
    while (v >= 0x80) {
      this.buf[this.len++] = (v % 0x80) | 0x80;
      v = Math.floor(v / 0x80);
    }
    this.buf[this.len++] = v;
  }
  tag(field: number, wire: number): void {
    this.varint(field * 8 + wire);
  }
  bytes(b: Uint8Array): void {
    this.varint(b.byteLength);
    this.ensure(b.byteLength);
    this.buf.set(b, this.len);
    this.len += b.byteLength;
  }
  string(s: string): void {
    this.bytes(Buffer.from(s, 'utf8'));
  }
  double(v: number): void {
    this.ensure(8);
    this.buf.writeDoubleLE(v, this.len);
    this.len += 8;
  }
  raw(b: Uint8Array): void {
    this.ensure(b.byteLength);
    this.buf.set(b, this.len);
    this.len += b.byteLength;
  }
  toBuffer(): Buffer {
    return Buffer.from(this.buf.subarray(0, this.len));
  }
}

function varintLength(v: number): number {
  let n = 1;
  while (v >= 0x80) {
    v = Math.floor(v / 0x80);
    n++;
  }
  return n;
}

/**
 * Encodes TSBS cpu rows as greptime.v1 GreptimeRequests with row inserts
 * (what GreptimeDB's clients send to GreptimeDatabase/Handle), straight from
 * the generator's columnar batches: each host's ten tag values are encoded
 * once, so a row costs one copy of that prefix, a varint and ten doubles.
 * The column order and the bytes are those of the SDK's
 * `encodeRowInsertRequests` for the same rows (a test checks it).
 *
 * @example
 * const enc = new CpuRowInsertEncoder(gen, 'cpu', 'public');
 * for (const b of gen.batches(5000)) send(enc.encode(b));
 */
export class CpuRowInsertEncoder {
  private readonly header: Buffer;
  private readonly schema: Buffer;
  /** Per host: the ten tag Values, each wrapped as Row.values (field 1). */
  private readonly hostPrefixes: Buffer[];
  private readonly tableName: Buffer;

  constructor(gen: TsbsCpuGenerator, table = 'cpu', database = 'public') {
    const h = new ProtoWriter(64);
    h.tag(4, 2);
    h.string(database); // RequestHeader.dbname
    this.header = h.toBuffer();
    this.tableName = Buffer.from(table, 'utf8');
    const s = new ProtoWriter(1024);
    const column = (name: string, datatype: number, semantic: number): void => {
      const c = new ProtoWriter(64);
      c.tag(1, 2);
      c.string(name);
      // Zeros written too, as protobufjs and the SDK encoder do.
      c.tag(2, 0);
      c.varint(datatype);
      c.tag(3, 0);
      c.varint(semantic);
      s.tag(1, 2); // Rows.schema
      s.bytes(c.toBuffer());
    };
    for (const k of CPU_TAG_KEYS) column(k, DATATYPE_STRING, SEMANTIC_TAG);
    column(CPU_TIME_COLUMN, DATATYPE_TIMESTAMP_MS, SEMANTIC_TIMESTAMP);
    for (const k of CPU_FIELD_KEYS) column(k, DATATYPE_FLOAT64, SEMANTIC_FIELD);
    this.schema = s.toBuffer();
    this.hostPrefixes = gen.hostTags.map((tags) => {
      const p = new ProtoWriter(512);
      for (const t of tags) {
        const v = new ProtoWriter(64);
        v.tag(VALUE_STRING, 2);
        v.string(t);
        p.tag(1, 2);
        p.bytes(v.toBuffer());
      }
      return p.toBuffer();
    });
  }

  /** One GreptimeRequest { header, row_inserts { inserts: [{ table_name, rows }] } } for the batch. */
  encode(batch: CpuBatch): Buffer {
    const rows = new ProtoWriter(this.schema.length + batch.length * 400);
    rows.raw(this.schema);
    const nFields = batch.fields.length;
    // A field Value is tag(10, fixed64) + 8 bytes; wrapped in Row.values: 1 + 1 + 9.
    const fieldsBytes = nFields * 11;
    for (let i = 0; i < batch.length; i++) {
      const prefix = this.hostPrefixes[batch.hostIndexes[i]!]!;
      const ts = batch.timestampsMs[i]!;
      const tsValueLen = 2 + varintLength(ts); // tag 17 is two bytes
      const rowLen = prefix.length + 2 + tsValueLen + fieldsBytes;
      rows.tag(2, 2); // Rows.rows
      rows.varint(rowLen);
      rows.raw(prefix);
      rows.tag(1, 2);
      rows.varint(tsValueLen);
      rows.tag(VALUE_TS_MS, 0);
      rows.varint(ts);
      for (let k = 0; k < nFields; k++) {
        rows.ensure(11);
        rows.buf[rows.len++] = 0x0a; // Row.values
        rows.buf[rows.len++] = 9;
        rows.buf[rows.len++] = (VALUE_F64 << 3) | 1;
        rows.buf.writeDoubleLE(batch.fields[k]![i]!, rows.len);
        rows.len += 8;
      }
    }
    const insert = new ProtoWriter(rows.len + 64);
    insert.tag(1, 2);
    insert.bytes(this.tableName);
    insert.tag(2, 2);
    insert.bytes(rows.buf.subarray(0, rows.len));
    const inserts = new ProtoWriter(insert.len + 16);
    inserts.tag(1, 2); // RowInsertRequests.inserts
    inserts.bytes(insert.buf.subarray(0, insert.len));
    const req = new ProtoWriter(inserts.len + 64);
    req.tag(1, 2); // GreptimeRequest.header
    req.bytes(this.header);
    req.tag(6, 2); // GreptimeRequest.row_inserts
    req.bytes(inserts.buf.subarray(0, inserts.len));
    return req.toBuffer();
  }
}

/**
 * The batch as an Arrow record batch for Flight DoPut: tags Utf8, the time
 * index TimestampMillisecond, fields Float64. No field metadata: the server
 * takes the first timestamp column as the time index, Utf8 columns as tags
 * and the rest as fields, which is the cpu table's layout.
 */
export function cpuArrowBatch(gen: TsbsCpuGenerator, batch: CpuBatch): arrow.RecordBatch {
  const n = batch.length;
  const columns: Record<string, arrow.Vector> = {};
  for (let t = 0; t < CPU_TAG_KEYS.length; t++) {
    const values: string[] = new Array(n);
    for (let i = 0; i < n; i++) values[i] = gen.hostTags[batch.hostIndexes[i]!]![t]!;
    columns[CPU_TAG_KEYS[t]!] = arrow.vectorFromArray(values, new arrow.Utf8());
  }
  const ts = new BigInt64Array(n);
  for (let i = 0; i < n; i++) ts[i] = BigInt(batch.timestampsMs[i]!);
  columns[CPU_TIME_COLUMN] = arrow.makeVector(arrow.makeData({ type: new arrow.TimestampMillisecond(), length: n, data: ts }));
  for (let k = 0; k < CPU_FIELD_KEYS.length; k++) columns[CPU_FIELD_KEYS[k]!] = arrow.makeVector(batch.fields[k]!.slice(0, n));
  const table = new arrow.Table(columns);
  if (table.batches.length !== 1) throw new Error(`expected one record batch, got ${table.batches.length}`);
  return table.batches[0]!;
}

let flightDataCodec: ReturnType<typeof messageCodec> | undefined;

/** Encodes one arrow.flight.protocol.FlightData message. */
export function encodeFlightData(value: { flight_descriptor?: { type: number; path: string[] }; data_header?: Uint8Array; data_body?: Uint8Array }): Buffer {
  flightDataCodec ??= messageCodec('arrow.flight.protocol.FlightData');
  return flightDataCodec.encode(value);
}

/** The first FlightData of a DoPut: descriptor PATH [table] and the schema message. */
export function flightPutHeader(gen: TsbsCpuGenerator, table = 'cpu'): Buffer {
  const empty = gen.batches(1).next().value as CpuBatch;
  return encodeFlightData({ flight_descriptor: { type: 1, path: [table] }, data_header: schemaMessage(cpuArrowBatch(gen, empty).schema).dataHeader });
}

/**
 * The batch as encoded FlightData messages (record batch; Utf8 columns need
 * no dictionary batches, so there is exactly one).
 */
export function encodeFlightBatch(gen: TsbsCpuGenerator, batch: CpuBatch): Buffer {
  const msgs = recordBatchMessages(cpuArrowBatch(gen, batch));
  if (msgs.length !== 1) throw new Error(`expected one IPC message per batch, got ${msgs.length}`);
  return encodeFlightData({ data_header: msgs[0]!.dataHeader, data_body: msgs[0]!.dataBody });
}

/**
 * Encodes every batch of the generator into a file of pre-built request
 * bodies (gRPC row inserts or Flight record batches), remembering batch
 * boundaries. Like the line-protocol file, this happens before any timing,
 * so the loads measure sending and the server, not the encoding.
 */
export async function writeGrpcRequestFile(
  gen: TsbsCpuGenerator,
  path: string,
  batchRows: number,
  encode: (batch: CpuBatch) => Buffer,
): Promise<LineFile> {
  const fh = await open(path, 'w');
  const batches: LineFile['batches'] = [];
  let offset = 0;
  let lines = 0;
  try {
    for (const batch of gen.batches(batchRows)) {
      const buf = encode(batch);
      await fh.write(buf, 0, buf.length, offset);
      batches.push({ offset, bytes: buf.length, lines: batch.length });
      offset += buf.length;
      lines += batch.length;
    }
  } finally {
    await fh.close();
  }
  return { path, bytes: offset, lines, batches };
}
