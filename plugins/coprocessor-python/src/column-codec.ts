import * as arrow from 'apache-arrow';
import { fromArrowType, toArrowType, type DataTypeName } from '@strata/kernel';

/**
 * A column as it crosses between the main thread and a Python worker.
 * Fixed-width numeric columns (integers, floats, timestamps, dates) travel
 * as one typed array (moved with postMessage's transfer list, then copied
 * once into the Python heap): no per-value conversion. Strings and booleans
 * travel as plain arrays. `valid` (one byte per row, 0 = NULL) is present
 * only when the column has NULLs.
 */
export interface WireColumn {
  readonly name: string;
  readonly type: DataTypeName;
  readonly data: ArrayBufferView | unknown[];
  readonly valid?: Uint8Array;
}

const FIXED_WIDTH: ReadonlySet<DataTypeName> = new Set<DataTypeName>([
  'Int8', 'Int16', 'Int32', 'Int64', 'UInt8', 'UInt16', 'UInt32', 'UInt64', 'Float32', 'Float64',
  'TimestampSecond', 'TimestampMillisecond', 'TimestampMicrosecond', 'TimestampNanosecond', 'Date',
]);

/** True for types whose values cross as one typed array. */
export function isFixedWidth(t: DataTypeName): boolean {
  return FIXED_WIDTH.has(t);
}

/**
 * The values of a fixed-width vector in a typed array this module owns: the
 * one copy made on the way to a worker. (A single-chunk vector's toArray()
 * views the caller's buffer, which must not be transferred away.)
 */
function ownedValues(v: arrow.Vector): ArrayBufferView {
  const a = v.toArray() as ArrayBufferView;
  return v.data.length === 1 ? (a as unknown as { slice(): ArrayBufferView }).slice() : a;
}

function validityOf(v: arrow.Vector): Uint8Array | undefined {
  if (v.nullCount === 0) return undefined;
  const out = new Uint8Array(v.length);
  for (let i = 0; i < v.length; i++) out[i] = v.isValid(i) ? 1 : 0;
  return out;
}

/** An Arrow vector -> a wire column. */
export function vectorToWire(name: string, v: arrow.Vector): WireColumn {
  let type: DataTypeName;
  try { type = fromArrowType(v.type).name; } catch { type = 'String'; }
  const valid = validityOf(v);
  if (isFixedWidth(type) && !arrow.DataType.isDictionary(v.type)) {
    return { name, type, data: ownedValues(v), ...(valid ? { valid } : {}) };
  }
  if (type === 'Boolean') {
    const out = new Uint8Array(v.length);
    for (let i = 0; i < v.length; i++) out[i] = v.get(i) ? 1 : 0;
    return { name, type, data: out, ...(valid ? { valid } : {}) };
  }
  if (type === 'Decimal128') {
    // no decimal type in the script API: decimals cross as floats
    const out = new Float64Array(v.length);
    const scale = (v.type as arrow.Decimal).scale;
    for (let i = 0; i < v.length; i++) {
      const x = v.get(i);
      out[i] = x === null ? 0 : Number(String(x)) / 10 ** scale;
    }
    return { name, type: 'Float64', data: out, ...(valid ? { valid } : {}) };
  }
  // strings (and anything without a script type, shown as text)
  // Pyodide turns a JS null inside an array into `jsnull`, not None: the
  // validity bytes carry the NULLs (Arrow's Null type included)
  const out: Array<string | null> = new Array(v.length);
  let nulls: Uint8Array | undefined;
  for (let i = 0; i < v.length; i++) {
    const x = v.get(i);
    if (x === null || x === undefined) {
      out[i] = null;
      if (!nulls) nulls = new Uint8Array(v.length).fill(1);
      nulls[i] = 0;
    } else out[i] = typeof x === 'string' ? x : String(x);
  }
  return { name, type: 'String', data: out, ...(nulls ? { valid: nulls } : {}) };
}

/** Every column of a table (or record batch) -> wire columns, with the row count. */
export function tableToWire(t: arrow.Table | arrow.RecordBatch): { columns: WireColumn[]; rowCount: number } {
  const columns: WireColumn[] = [];
  t.schema.fields.forEach((f, i) => {
    const v = t.getChildAt(i);
    if (v) columns.push(vectorToWire(f.name, v as arrow.Vector));
  });
  return { columns, rowCount: t.numRows };
}

/** The typed arrays to put in a postMessage transfer list. */
export function transferablesOf(columns: readonly WireColumn[]): ArrayBuffer[] {
  const out: ArrayBuffer[] = [];
  for (const c of columns) {
    if (ArrayBuffer.isView(c.data) && c.data.buffer instanceof ArrayBuffer) out.push(c.data.buffer);
    if (c.valid && c.valid.buffer instanceof ArrayBuffer) out.push(c.valid.buffer);
  }
  return out;
}

function packBits(valid: ArrayLike<number | boolean>, length: number): { bitmap: Uint8Array; nullCount: number } {
  const bitmap = new Uint8Array(((length + 63) >> 6) << 3);
  let nullCount = 0;
  for (let i = 0; i < length; i++) {
    if (valid[i]) bitmap[i >> 3]! |= 1 << (i & 7);
    else nullCount++;
  }
  return { bitmap, nullCount };
}

/** A wire column -> an Arrow vector of its declared type. */
export function wireToVector(c: WireColumn): arrow.Vector {
  const type = toArrowType({ name: c.type });
  if (c.type === 'Null') return arrow.makeVector(arrow.makeData({ type: new arrow.Null(), length: (c.data as unknown[]).length }));
  if (isFixedWidth(c.type)) {
    const ArrayType = (type as unknown as { ArrayType: { new(n: number): ArrayBufferView & ArrayLike<number | bigint> } }).ArrayType;
    if (ArrayBuffer.isView(c.data) && !c.valid) {
      let data = c.data as ArrayBufferView & ArrayLike<number | bigint>;
      if (!(data instanceof ArrayType)) {
        // e.g. Int32 values for an Int64 column: convert once
        const out = new ArrayType(data.length) as unknown as Array<number | bigint>;
        const big = out instanceof BigInt64Array || out instanceof BigUint64Array;
        for (let i = 0; i < data.length; i++) out[i] = big ? BigInt(data[i] as number) : Number(data[i]);
        data = out as unknown as typeof data;
      }
      return arrow.makeVector(arrow.makeData({ type, length: data.length, data } as never));
    }
    const values = c.data as ArrayLike<unknown>;
    const n = values.length;
    const out = new ArrayType(n) as unknown as Array<number | bigint>;
    const big = out instanceof BigInt64Array || out instanceof BigUint64Array;
    const valid = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      const x = values[i];
      const ok = x !== null && x !== undefined && (!c.valid || c.valid[i] !== 0);
      valid[i] = ok ? 1 : 0;
      if (ok) out[i] = big ? BigInt(x as number | bigint) : Number(x);
    }
    const { bitmap, nullCount } = packBits(valid, n);
    return arrow.makeVector(arrow.makeData({
      type, length: n, data: out, nullBitmap: nullCount ? bitmap : undefined, nullCount,
    } as never));
  }
  const values = Array.from(c.data as ArrayLike<unknown>, (x, i) =>
    (x === null || x === undefined || (c.valid && c.valid[i] === 0) ? null : x));
  if (c.type === 'Boolean') return arrow.vectorFromArray(values.map((x) => (x === null ? null : !!x)), new arrow.Bool());
  return arrow.vectorFromArray(values.map((x) => (x === null ? null : String(x))), new arrow.Utf8());
}

/** Wire columns -> one record batch (and its schema). */
export function wireToRecordBatch(columns: readonly WireColumn[]): arrow.RecordBatch {
  const vectors = columns.map(wireToVector);
  const fields = columns.map((c, i) => new arrow.Field(c.name, vectors[i]!.type, true));
  const schema = new arrow.Schema(fields);
  const length = vectors.length ? vectors[0]!.length : 0;
  const data = arrow.makeData({
    type: new arrow.Struct(fields), length, nullCount: 0, children: vectors.map((v) => v.data[0]!),
  });
  return new arrow.RecordBatch(schema, data);
}
