import * as arrow from 'apache-arrow';
import { fromArrowType, toArrowType, type DataType, type DataTypeName } from '../../data/data-types.js';
import { fixedData, recordBatchOf } from '../../data/arrow-build.js';
import { decimalFromNumber, decimalFromWords, decimalToWords, parseDecimal, rescale } from './decimal.js';
import { InvalidArgumentsError } from '../../errors/errors.js';

/**
 * The executor's column: one typed array (or a JS array for variable-width
 * values) plus an optional validity mask (1 = value, 0 = NULL). Operators and
 * expressions work on these column-at-a-time; Arrow vectors are converted at
 * the edges (scan in, results out, function calls).
 *
 * Each data type has one JS representation, so operators never guess:
 *
 * | type                              | storage          | element  |
 * |-----------------------------------|------------------|----------|
 * | Boolean                           | Uint8Array       | 0/1      |
 * | Int8..Int32, UInt8..UInt32        | typed array      | number   |
 * | Float32, Float64                  | Float32/64Array  | number   |
 * | Decimal128(p, s)                  | unknown[]        | bigint: the unscaled value (1.50 at scale 2 = 150n) |
 * | Int64, UInt64, Timestamp*         | BigInt64/BigUint64Array | bigint |
 * | Date                              | Int32Array       | days     |
 * | String, Binary, Interval, Null    | unknown[]        | string / Uint8Array / Interval / null |
 */
export type ColumnData =
  | Uint8Array | Int8Array | Int16Array | Int32Array | Uint16Array | Uint32Array
  | Float32Array | Float64Array | BigInt64Array | BigUint64Array | unknown[];

export interface Column {
  readonly type: DataType;
  readonly length: number;
  readonly data: ColumnData;
  /** 1 = valid, 0 = NULL; null means no NULLs. */
  readonly valid: Uint8Array | null;
  /**
   * A String column read from dictionary-encoded Arrow (tags from a scan),
   * or a string literal broadcast to a batch (one value, codes all 0):
   * row i's value is `values[codes[i]]` where valid. Its `data` is then built
   * only when something reads it, so operators that can work on the codes
   * (grouping) never make a per-row array. Equal values may have different
   * codes (a dictionary may repeat a value), never the reverse.
   */
  readonly dict?: DictionaryCodes;
}

/** Codes of a dictionary-encoded column into its distinct values (see Column.dict). */
export interface DictionaryCodes {
  readonly codes: Int32Array;
  readonly values: readonly unknown[];
}

/** The value at row i of a column, reading a dictionary-encoded one's codes (no per-row array made); null for NULL. */
export function dictValueAt(c: Column, i: number): unknown {
  if (c.valid !== null && c.valid[i] === 0) return null;
  const d = c.dict;
  if (d === undefined) return valueAt(c, i);
  return d.values[d.codes[i]!] ?? null;
}

/** A String column over dictionary codes whose per-row array is made on first read of `data`. */
class DictionaryColumn implements Column {
  private rows: unknown[] | undefined;
  constructor(readonly type: DataType, readonly length: number, readonly valid: Uint8Array | null, readonly dict: DictionaryCodes) {}
  get data(): unknown[] {
    if (this.rows) return this.rows;
    const { codes, values } = this.dict;
    const n = this.length; const valid = this.valid;
    const out = new Array<unknown>(n);
    for (let i = 0; i < n; i++) out[i] = valid !== null && valid[i] === 0 ? null : values[codes[i]!] ?? null;
    this.rows = out;
    return out;
  }
}

/**
 * `c` with another validity bitmap. A spread (`{ ...c, valid }`) would lose a
 * dictionary column's rows, which live behind its `data` getter.
 */
export function withValid(c: Column, valid: Uint8Array | null): Column {
  if (c instanceof DictionaryColumn) return new DictionaryColumn(c.type, c.length, valid, c.dict);
  return { ...c, valid };
}

/** A batch of rows: columns of equal length (names live in the plan's schema). */
export interface Batch {
  readonly columns: readonly Column[];
  readonly numRows: number;
}

/** A month-day-nano interval value. */
export interface Interval { readonly months: number; readonly days: number; readonly nanos: bigint }

export function isInterval(v: unknown): v is Interval {
  return typeof v === 'object' && v !== null && 'months' in v && 'nanos' in v;
}

type Storage = 'u8' | 'i8' | 'i16' | 'i32' | 'u16' | 'u32' | 'f32' | 'f64' | 'i64' | 'u64' | 'js';

export function storageOf(t: DataTypeName): Storage {
  switch (t) {
    case 'Boolean': case 'UInt8': return 'u8';
    case 'Int8': return 'i8';
    case 'Int16': return 'i16';
    case 'Int32': case 'Date': return 'i32';
    case 'UInt16': return 'u16';
    case 'UInt32': return 'u32';
    case 'Float32': return 'f32';
    case 'Float64': return 'f64';
    case 'Int64': case 'TimestampSecond': case 'TimestampMillisecond': case 'TimestampMicrosecond': case 'TimestampNanosecond': return 'i64';
    case 'UInt64': return 'u64';
    default: return 'js';
  }
}

/** True when values of this type are bigints. */
export function isBigIntType(t: DataTypeName): boolean {
  const s = storageOf(t);
  return s === 'i64' || s === 'u64';
}

export function allocData(t: DataTypeName, n: number): ColumnData {
  switch (storageOf(t)) {
    case 'u8': return new Uint8Array(n);
    case 'i8': return new Int8Array(n);
    case 'i16': return new Int16Array(n);
    case 'i32': return new Int32Array(n);
    case 'u16': return new Uint16Array(n);
    case 'u32': return new Uint32Array(n);
    case 'f32': return new Float32Array(n);
    case 'f64': return new Float64Array(n);
    case 'i64': return new BigInt64Array(n);
    case 'u64': return new BigUint64Array(n);
    case 'js': return new Array<unknown>(n).fill(null);
  }
}

export function isNullAt(c: Column, i: number): boolean {
  return c.valid !== null && c.valid[i] === 0;
}

/** The value at row i in its JS representation, or null. Booleans come back as true/false. */
export function valueAt(c: Column, i: number): unknown {
  if (c.valid !== null && c.valid[i] === 0) return null;
  const v = (c.data as ArrayLike<unknown>)[i];
  if (c.type.name === 'Boolean') return v === 1;
  return v ?? null;
}

/** Coerces a JS value into the representation of type t (null stays null). */
export function coerceValue(t: DataTypeName, v: unknown): unknown {
  if (v === null || v === undefined) return null;
  const s = storageOf(t);
  if (t === 'Boolean') return typeof v === 'boolean' ? v : Boolean(v);
  if (s === 'i64' || s === 'u64') {
    if (typeof v === 'bigint') return v;
    if (typeof v === 'number') return BigInt(Math.trunc(v));
    if (typeof v === 'boolean') return v ? 1n : 0n;
    return BigInt(String(v));
  }
  if (s === 'js') {
    if (t === 'String') return typeof v === 'string' ? v : String(v);
    return v;
  }
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  if (typeof v === 'boolean') return v ? 1 : 0;
  return Number(v);
}

/**
 * A value for a Decimal128 column at `scale`: a bigint is taken as already
 * unscaled, a number or numeric text is scaled (rounding half away from zero).
 */
export function coerceDecimal(v: unknown, scale: number): bigint | null {
  if (v === null || v === undefined) return null;
  if (typeof v === 'bigint') return v;
  if (typeof v === 'number') return decimalFromNumber(v, scale);
  if (typeof v === 'boolean') return v ? rescale(1n, 0, scale) : 0n;
  const d = parseDecimal(String(v), scale);
  if (d === undefined) throw new InvalidArgumentsError(`cannot read '${String(v)}' as a DECIMAL`);
  return d;
}

/** Builds a column from JS values (already in the type's representation, or coercible). */
export function columnFromValues(type: DataType, values: ArrayLike<unknown>): Column {
  const n = values.length;
  if (type.name === 'Decimal128') {
    const data = new Array<unknown>(n);
    let valid: Uint8Array | null = null;
    for (let i = 0; i < n; i++) {
      const v = coerceDecimal(values[i], type.scale ?? 0);
      data[i] = v;
      if (v === null) { valid ??= new Uint8Array(n).fill(1); valid[i] = 0; }
    }
    return { type, length: n, data, valid };
  }
  const data = allocData(type.name, n);
  let valid: Uint8Array | null = null;
  const isBool = type.name === 'Boolean';
  for (let i = 0; i < n; i++) {
    const v = values[i];
    if (v === null || v === undefined) {
      valid ??= new Uint8Array(n).fill(1);
      valid[i] = 0;
      continue;
    }
    (data as unknown[])[i] = isBool ? (v ? 1 : 0) : coerceValue(type.name, v);
  }
  return { type, length: n, data, valid };
}

/** A column of n copies of one value. */
export function constantColumn(type: DataType, value: unknown, n: number): Column {
  let c: Column;
  if (type.name === 'String' && typeof value === 'string') {
    // One value for every row: codes (all 0) into it; a per-row array only if something reads `data`.
    c = new DictionaryColumn(type, n, null, { codes: new Int32Array(n), values: [value] });
    constants.add(c);
    return c;
  }
  const data = allocData(type.name, n);
  if (value === null || value === undefined) c = { type, length: n, data, valid: new Uint8Array(n) };
  else {
    const v = type.name === 'Boolean' ? (value ? 1 : 0) : type.name === 'Decimal128' ? coerceDecimal(value, type.scale ?? 0) : coerceValue(type.name, value);
    (data as { fill(v: unknown): unknown }).fill(v);
    c = { type, length: n, data, valid: null };
  }
  constants.add(c);
  return c;
}

/** Columns made by constantColumn (columns are never written after they are made). */
const constants = new WeakSet<Column>();

/**
 * True when every row of `c` is known to hold one value (a literal
 * broadcast to the batch): function bodies that need a constant argument
 * can skip checking each row. False says nothing.
 */
export function isConstantColumn(c: Column): boolean {
  return constants.has(c);
}

/** Gathers rows by index (a new column). */
export function takeColumn(c: Column, idx: ArrayLike<number>): Column {
  const n = idx.length;
  const data = allocData(c.type.name, n);
  const src = c.data as ArrayLike<unknown>;
  const dst = data as unknown[];
  for (let i = 0; i < n; i++) dst[i] = src[idx[i]!];
  let valid: Uint8Array | null = null;
  if (c.valid) {
    valid = new Uint8Array(n);
    let any = false;
    for (let i = 0; i < n; i++) { const b = c.valid[idx[i]!]!; valid[i] = b; if (!b) any = true; }
    if (!any) valid = null;
  }
  return { type: c.type, length: n, data, valid };
}

/** Gathers rows where idx may be -1 (NULL), for outer joins. */
export function takeColumnNullable(c: Column, idx: ArrayLike<number>): Column {
  const n = idx.length;
  const data = allocData(c.type.name, n);
  const src = c.data as ArrayLike<unknown>;
  const dst = data as unknown[];
  const valid = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const j = idx[i]!;
    if (j < 0) continue;
    dst[i] = src[j];
    valid[i] = c.valid ? c.valid[j]! : 1;
  }
  return { type: c.type, length: n, data, valid };
}

export function sliceColumn(c: Column, start: number, end: number): Column {
  const data = (c.data as { slice(a: number, b: number): ColumnData }).slice(start, end);
  return { type: c.type, length: end - start, data, valid: c.valid ? c.valid.slice(start, end) : null };
}

export function concatColumns(type: DataType, cols: readonly Column[]): Column {
  if (cols.length === 1) return cols[0]!;
  let n = 0;
  for (const c of cols) n += c.length;
  const data = allocData(type.name, n);
  const anyNull = cols.some((c) => c.valid !== null);
  const valid = anyNull ? new Uint8Array(n).fill(1) : null;
  let off = 0;
  for (const c of cols) {
    if (Array.isArray(data)) { for (let i = 0; i < c.length; i++) data[off + i] = (c.data as unknown[])[i]; } else (data as Float64Array).set(c.data as Float64Array, off);
    if (valid && c.valid) valid.set(c.valid, off);
    off += c.length;
  }
  return { type, length: n, data, valid };
}

export function sliceBatch(b: Batch, start: number, end: number): Batch {
  return { columns: b.columns.map((c) => sliceColumn(c, start, end)), numRows: end - start };
}

export function takeBatch(b: Batch, idx: ArrayLike<number>): Batch {
  return { columns: b.columns.map((c) => takeColumn(c, idx)), numRows: idx.length };
}

export function concatBatches(types: readonly DataType[], batches: readonly Batch[]): Batch {
  if (batches.length === 1) return batches[0]!;
  let n = 0;
  for (const b of batches) n += b.numRows;
  return { columns: types.map((t, i) => concatColumns(t, batches.map((b) => b.columns[i]!))), numRows: n };
}

export function emptyBatch(types: readonly DataType[]): Batch {
  return { columns: types.map((t) => ({ type: t, length: 0, data: allocData(t.name, 0), valid: null })), numRows: 0 };
}

// ---- Arrow conversion ----

const columnCache = new WeakMap<arrow.Vector, Column>();

/** Converts an Arrow vector to a column (memoized per vector, so repeated aggregate calls are cheap). */
export function columnFromArrow(v: arrow.Vector, type?: DataType): Column {
  const cached = columnCache.get(v);
  if (cached && (!type || cached.type.name === type.name)) return cached;
  const t = type ?? fromArrowType(v.type);
  const n = v.length;
  const s = storageOf(t.name);
  let col: Column;
  const dictionary = arrow.DataType.isDictionary(v.type);
  if (s !== 'js' && t.name !== 'Boolean' && t.name !== 'Decimal128' && !dictionary && fromArrowType(v.type).name === t.name) {
    // Arrow JS keeps `values` sliced to the chunk (the offset only applies to the validity bitmap).
    // One chunk is used in place: columns are never written after they are made.
    const one = v.data.length === 1 ? v.data[0]! : undefined;
    const data = one ? (one.values as Float64Array).subarray(0, n) : allocData(t.name, n) as Float64Array;
    let valid: Uint8Array | null = null;
    let off = 0;
    for (const d of v.data) {
      const vals = d.values as Float64Array;
      if (!one) data.set(vals.subarray(0, d.length), off);
      if (d.nullCount > 0 && d.nullBitmap) {
        valid ??= new Uint8Array(n).fill(1);
        const bm = d.nullBitmap;
        for (let i = 0; i < d.length; i++) {
          const j = d.offset + i;
          if (((bm[j >> 3]! >> (j & 7)) & 1) === 0) valid[off + i] = 0;
        }
      }
      off += d.length;
    }
    col = { type: t, length: n, data, valid };
  } else if (t.name === 'String' && v.type.typeId === arrow.Type.Utf8) {
    col = utf8Column(v, t, n);
  } else if (t.name === 'String' && dictionary && (v.type as arrow.Dictionary).dictionary.typeId === arrow.Type.Utf8) {
    col = dictionaryColumn(v, t, n);
  } else if (t.name === 'Decimal128' && arrow.DataType.isDecimal(v.type) && (v.type as arrow.Decimal).bitWidth === 128) {
    col = decimalColumn(v, t, n);
  } else {
    const vals = new Array<unknown>(n);
    const src = fromArrowType(v.type);
    for (let i = 0; i < n; i++) vals[i] = fromArrowValue(src, v.get(i));
    col = columnFromValues(t, vals);
  }
  columnCache.set(v, col);
  return col;
}

const utf8 = new TextDecoder();

/** A dictionary-encoded string vector: each chunk's dictionary decoded once, rows share its strings. */
function dictionaryColumn(v: arrow.Vector, t: DataType, n: number): Column {
  if (v.data.length === 1 && v.data[0]!.values instanceof Int32Array && v.data[0]!.dictionary) {
    // One chunk: its codes as they are (Arrow JS keeps values sliced to the chunk), rows made on demand.
    const d = v.data[0]!;
    const values = utf8Column(d.dictionary!, t, d.dictionary!.length).data as unknown[];
    let valid: Uint8Array | null = null;
    if (d.nullCount > 0 && d.nullBitmap) {
      valid = new Uint8Array(n).fill(1);
      const bm = d.nullBitmap;
      for (let i = 0; i < n; i++) { const j = d.offset + i; if (((bm[j >> 3]! >> (j & 7)) & 1) === 0) valid[i] = 0; }
    }
    return new DictionaryColumn(t, n, valid, { codes: (d.values as Int32Array).subarray(0, n), values });
  }
  const out = new Array<unknown>(n);
  let valid: Uint8Array | null = null;
  let off = 0;
  let lastDict: arrow.Data | undefined; let strings: unknown[] = [];
  for (const d of v.data) {
    const dict = d.dictionary!.data[0]!;
    if (dict !== lastDict) { strings = utf8Column(d.dictionary!, t, d.dictionary!.length).data as unknown[]; lastDict = dict; }
    const keys = d.values as Int32Array;
    const bm = d.nullCount > 0 ? d.nullBitmap : null;
    for (let i = 0; i < d.length; i++) {
      if (bm) { const j = d.offset + i; if (((bm[j >> 3]! >> (j & 7)) & 1) === 0) { valid ??= new Uint8Array(n).fill(1); valid[off + i] = 0; out[off + i] = null; continue; } }
      out[off + i] = strings[keys[i]!] ?? null;
    }
    off += d.length;
  }
  return { type: t, length: n, data: out, valid };
}

/** Reads an Arrow Decimal128 vector's words into unscaled bigints at the target type's scale. */
function decimalColumn(v: arrow.Vector, t: DataType, n: number): Column {
  const out = new Array<unknown>(n);
  let valid: Uint8Array | null = null;
  const from = (v.type as arrow.Decimal).scale;
  const to = t.scale ?? 0;
  let off = 0;
  for (const d of v.data) {
    const words = d.values as unknown as Uint32Array;
    const bm = d.nullCount > 0 ? d.nullBitmap : null;
    for (let i = 0; i < d.length; i++) {
      const j = d.offset + i;
      if (bm && ((bm[j >> 3]! >> (j & 7)) & 1) === 0) { valid ??= new Uint8Array(n).fill(1); valid[off + i] = 0; out[off + i] = null; continue; }
      out[off + i] = rescale(decimalFromWords(words, i * 4), from, to);
    }
    off += d.length;
  }
  return { type: t, length: n, data: out, valid };
}

/**
 * The UTF-8 text behind rows [row, row + length) of a String column: row
 * row + i is bytes[offsets[i] .. offsets[i + 1]) (empty for a NULL).
 */
export interface Utf8Chunk {
  readonly row: number;
  readonly length: number;
  readonly offsets: Int32Array;
  readonly bytes: Uint8Array;
}

const utf8Chunks = new WeakMap<Column, readonly Utf8Chunk[]>();

/**
 * The UTF-8 bytes of a String column made from, or already turned into, an
 * Arrow Utf8 vector (a scan's columns, function results), so a comparison
 * can work on bytes (UTF-8 byte order is the order of compareStrings) rather
 * than on JS strings; undefined for other columns.
 */
export function utf8ChunksOf(c: Column): readonly Utf8Chunk[] | undefined {
  return utf8Chunks.get(c);
}

function chunksOfData(data: readonly arrow.Data[]): Utf8Chunk[] {
  const chunks: Utf8Chunk[] = [];
  let row = 0;
  for (const d of data) {
    chunks.push({ row, length: d.length, offsets: d.valueOffsets as Int32Array, bytes: d.values as Uint8Array });
    row += d.length;
  }
  return chunks;
}

/**
 * Decodes a Utf8 vector straight from its offsets and bytes; a value whose
 * bytes equal the previous row's reuses that string (tag columns come in long
 * runs, since scans are sorted by series). The column keeps the bytes too (utf8ChunksOf).
 */
function utf8Column(v: arrow.Vector, t: DataType, n: number): Column {
  const out = new Array<unknown>(n);
  let valid: Uint8Array | null = null;
  let off = 0;
  for (const d of v.data) {
    const offsets = d.valueOffsets as Int32Array;
    const bytes = d.values as Uint8Array;
    const bm = d.nullCount > 0 ? d.nullBitmap : null;
    let prevStart = -1; let prevEnd = -1; let prev = '';
    for (let i = 0; i < d.length; i++) {
      const j = d.offset + i;
      if (bm && ((bm[j >> 3]! >> (j & 7)) & 1) === 0) {
        valid ??= new Uint8Array(n).fill(1);
        valid[off + i] = 0;
        out[off + i] = null;
        continue;
      }
      const a = offsets[i]!; const b = offsets[i + 1]!;
      let same = prevStart >= 0 && b - a === prevEnd - prevStart;
      if (same) for (let k = 0; k < b - a; k++) if (bytes[a + k] !== bytes[prevStart + k]) { same = false; break; }
      if (!same) { prev = utf8.decode(bytes.subarray(a, b)); prevStart = a; prevEnd = b; }
      out[off + i] = prev;
    }
    off += d.length;
  }
  const col: Column = { type: t, length: n, data: out, valid };
  utf8Chunks.set(col, chunksOfData(v.data));
  return col;
}

function fromArrowValue(t: DataType, x: unknown): unknown {
  if (x === null || x === undefined) return null;
  switch (t.name) {
    case 'Date': return Math.floor(Number(x) / 86_400_000);
    case 'TimestampSecond': case 'TimestampMillisecond': case 'TimestampMicrosecond': case 'TimestampNanosecond':
      return typeof x === 'bigint' ? x : BigInt(Math.trunc(Number(x)));
    case 'Decimal128': return typeof x === 'bigint' ? x : x instanceof Uint32Array ? decimalFromWords(x, 0) : BigInt(String(x));
    case 'IntervalMonthDayNano': {
      if (x instanceof Int32Array) {
        const lo = BigInt(x[2]! >>> 0); const hi = BigInt(x[3]!);
        return { months: x[0]!, days: x[1]!, nanos: (hi << 32n) | lo };
      }
      return x;
    }
    default: return x;
  }
}

function packBits(valid: Uint8Array): Uint8Array {
  const out = new Uint8Array((valid.length + 7) >> 3);
  for (let i = 0; i < valid.length; i++) if (valid[i]) out[i >> 3]! |= 1 << (i & 7);
  return out;
}

const utf8Encoder = new TextEncoder();

/**
 * Builds a Utf8 vector from JS strings: ASCII text is written a code unit a
 * byte (most tags and names), other text with encodeInto, straight into the
 * one growing buffer; a value equal to the previous row's copies its bytes.
 */
function utf8Vector(c: Column): arrow.Vector {
  const n = c.length;
  const vals = c.data as unknown[];
  const offsets = new Int32Array(n + 1);
  let bytes = new Uint8Array(Math.max(16, n * 8));
  let pos = 0;
  let prev: unknown = undefined;
  let prevStart = 0; let prevLen = 0;
  const room = (k: number): void => {
    if (pos + k <= bytes.length) return;
    const nb = new Uint8Array(Math.max(bytes.length * 2, pos + k));
    nb.set(bytes.subarray(0, pos));
    bytes = nb;
  };
  for (let i = 0; i < n; i++) {
    offsets[i] = pos;
    if (c.valid !== null && c.valid[i] === 0) continue;
    const v = vals[i];
    if (v === prev) {
      room(prevLen);
      bytes.copyWithin(pos, prevStart, prevStart + prevLen);
      pos += prevLen;
      continue;
    }
    const str = typeof v === 'string' ? v : String(v);
    const len = str.length;
    room(3 * len);
    let k = 0;
    for (; k < len; k++) { const u = str.charCodeAt(k); if (u >= 0x80) break; bytes[pos + k] = u; }
    const written = k === len ? len : utf8Encoder.encodeInto(str, bytes.subarray(pos)).written;
    prev = v; prevStart = pos; prevLen = written;
    pos += written;
  }
  offsets[n] = pos;
  const nullBitmap = c.valid ? packBits(c.valid) : undefined;
  return arrow.makeVector(arrow.makeData({ type: new arrow.Utf8(), length: n, valueOffsets: offsets, data: bytes.subarray(0, pos), nullBitmap }));
}

/**
 * Converts a column to an Arrow vector of its type. The vector remembers its
 * source column, so converting it back (function bodies, aggregates) is free.
 */
export function columnToArrow(c: Column): arrow.Vector {
  const hit = arrowCache.get(c);
  if (hit) return hit;
  const v = columnToArrowUncached(c);
  columnCache.set(v, c);
  arrowCache.set(c, v);
  return v;
}

const arrowCache = new WeakMap<Column, arrow.Vector>();

function columnToArrowUncached(c: Column): arrow.Vector {
  if (c.type.name === 'String') {
    const v = utf8Vector(c);
    if (!utf8Chunks.has(c)) utf8Chunks.set(c, chunksOfData(v.data));
    return v;
  }
  const at = toArrowType(c.type);
  const nullBitmap = c.valid ? packBits(c.valid) : undefined;
  const s = storageOf(c.type.name);
  if (c.type.name === 'Boolean') {
    return arrow.makeVector(arrow.makeData({ type: at as arrow.Bool, length: c.length, data: packBits(c.data as Uint8Array), nullBitmap }));
  }
  if (s !== 'js') return new arrow.Vector([fixedData(at, c.length, c.data as Int32Array, nullBitmap)]);
  if (c.type.name === 'Decimal128') {
    const words = new Uint32Array(c.length * 4);
    for (let i = 0; i < c.length; i++) {
      const v = (c.data as unknown[])[i];
      if (typeof v === 'bigint' && (c.valid === null || c.valid[i] === 1)) decimalToWords(v, words, i * 4);
    }
    return arrow.makeVector(arrow.makeData({ type: at as arrow.Decimal, length: c.length, data: words, nullBitmap }));
  }
  if (c.type.name === 'IntervalMonthDayNano') {
    const data = new Int32Array(c.length * 4);
    for (let i = 0; i < c.length; i++) {
      const v = valueAt(c, i) as Interval | null;
      if (!v) continue;
      data[i * 4] = v.months; data[i * 4 + 1] = v.days;
      data[i * 4 + 2] = Number(BigInt.asIntN(32, v.nanos)); data[i * 4 + 3] = Number(v.nanos >> 32n);
    }
    return arrow.makeVector(arrow.makeData({ type: at as arrow.IntervalMonthDayNano, length: c.length, data, nullBitmap }));
  }
  if (c.type.name === 'Null') return arrow.makeVector(arrow.makeData({ type: new arrow.Null(), length: c.length }));
  const vals = new Array<unknown>(c.length);
  for (let i = 0; i < c.length; i++) vals[i] = valueAt(c, i);
  return arrow.vectorFromArray(vals, at as arrow.Utf8);
}

/** Converts a record batch to a batch with the given column types (by position). */
export function batchFromArrow(rb: arrow.RecordBatch, types?: readonly DataType[]): Batch {
  const cols: Column[] = [];
  for (let i = 0; i < rb.numCols; i++) cols.push(columnFromArrow(rb.getChildAt(i)!, types?.[i]));
  return { columns: cols, numRows: rb.numRows };
}

/** Converts a batch to an Arrow record batch with the given field names. */
export function batchToArrow(b: Batch, names: readonly string[], schemaOfTypes?: arrow.Schema): arrow.RecordBatch {
  // `schemaOfTypes`: a caller's schema already built from these names and the columns' types (reused across batches).
  const schema = schemaOfTypes ?? new arrow.Schema(b.columns.map((c, i) => new arrow.Field(names[i]!, toArrowType(c.type), true)));
  const fields = schema.fields;
  if (b.columns.length === 0) {
    return new arrow.RecordBatch(schema, arrow.makeData({ type: new arrow.Struct(fields), length: b.numRows, children: [] }));
  }
  return recordBatchOf(schema, b.columns.map((c) => columnToArrow(c).data[0]!), b.numRows);
}
