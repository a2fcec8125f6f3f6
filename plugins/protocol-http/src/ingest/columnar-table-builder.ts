import * as arrow from 'apache-arrow';
import { InvalidArgumentsError, type InsertColumn, type InsertRequest, type SemanticType } from '@strata/kernel';
import { PayloadTooLargeError } from '../errors.js';

/**
 * Storage kinds of an ingest column. 64-bit integers and timestamps are kept
 * as (lo, hi) uint32 pairs in one buffer so that parsers can write exact
 * 64-bit values without allocating a BigInt per value; the buffer becomes a
 * BigInt64Array/BigUint64Array when the Arrow vector is built.
 */
export type ColumnKind = 'str' | 'f64' | 'i64' | 'u64' | 'bool' | 'ts';

/**
 * Bounds the memory one write may take while it is decoded: every column
 * slot allocated (rows x columns, including the null slots of a column that
 * appears late) and a fixed cost per table count against it. Without it a
 * small body could ask for a huge sparse table (a new field name on each of
 * a million lines) or millions of one-row tables.
 */
export class CellBudget {
  used = 0;
  constructor(readonly max: number) {}

  take(cells: number): void {
    this.used += cells;
    if (this.used > this.max) {
      throw new PayloadTooLargeError(`write too large: it needs more than ${this.max} column cells (rows x columns, across tables); send smaller or narrower batches`);
    }
  }
}

/** Cells charged for a table's own bookkeeping. */
export const TABLE_OVERHEAD_CELLS = 256;

/** Default budget: 64M cells (about 600 MB of column storage at most). */
export const DEFAULT_MAX_WRITE_CELLS = 64 * 1024 * 1024;

/** Raised when a value's type does not fit its column; the caller adds the line. */
export class ColumnTypeConflict extends Error {}

const TWO_32 = 4294967296;
const UTF8 = new TextEncoder();
const KIND_TYPE_NAMES: Record<ColumnKind, string> = { str: 'String', f64: 'Float64', i64: 'Int64', u64: 'UInt64', bool: 'Boolean', ts: 'Timestamp' };

/**
 * One column being filled row by row. `length` is the number of rows it has
 * a slot for; rows it skipped are null. Storage grows by doubling.
 */
export class ColumnBuilder {
  length = 0;
  nulls = 0;
  valid: Uint8Array;
  f64?: Float64Array;
  /** (lo, hi) pairs for i64/u64/ts, little-endian word order. */
  words?: Uint32Array;
  bools?: Uint8Array;
  offsets?: Int32Array;
  bytes?: Uint8Array;
  byteLength = 0;

  constructor(readonly name: string, readonly semantic: SemanticType, public kind: ColumnKind, capacity: number, private readonly budget?: CellBudget) {
    budget?.take(capacity);
    this.valid = new Uint8Array(capacity);
    this.allocate(kind, capacity);
  }

  private allocate(kind: ColumnKind, capacity: number): void {
    switch (kind) {
      case 'f64': this.f64 = new Float64Array(capacity); break;
      case 'i64': case 'u64': case 'ts': this.words = new Uint32Array(capacity * 2); break;
      case 'bool': this.bools = new Uint8Array(capacity); break;
      case 'str': this.offsets = new Int32Array(capacity + 1); this.bytes = new Uint8Array(Math.max(64, capacity * 8)); break;
    }
  }

  get typeName(): string { return KIND_TYPE_NAMES[this.kind]; }

  private grow(min: number): void {
    let cap = this.valid.length;
    while (cap < min) cap *= 2;
    this.budget?.take(cap - this.valid.length);
    const v = new Uint8Array(cap); v.set(this.valid); this.valid = v;
    if (this.f64) { const a = new Float64Array(cap); a.set(this.f64); this.f64 = a; }
    if (this.words) { const a = new Uint32Array(cap * 2); a.set(this.words); this.words = a; }
    if (this.bools) { const a = new Uint8Array(cap); a.set(this.bools); this.bools = a; }
    if (this.offsets) { const a = new Int32Array(cap + 1); a.set(this.offsets); this.offsets = a; }
  }

  /** Makes `row` the next slot, null-filling skipped rows. Returns false when `row` already has a value. */
  slot(row: number): boolean {
    if (this.length > row) return false;
    if (row >= this.valid.length) this.grow(row + 1);
    while (this.length < row) {
      // valid[] is zero-initialised; only string offsets need carrying over.
      if (this.offsets) this.offsets[this.length + 1] = this.byteLength;
      this.length++;
      this.nulls++;
    }
    this.valid[row] = 1;
    this.length = row + 1;
    return true;
  }

  /** Undoes the value of the last row so it can be written again (last write wins). */
  rewind(row: number): void {
    if (this.length === row + 1) {
      this.length = row;
      if (this.offsets) this.byteLength = this.offsets[row]!;
    }
  }

  ensureBytes(extra: number): Uint8Array {
    const need = this.byteLength + extra;
    let b = this.bytes!;
    if (need > b.length) {
      let cap = b.length * 2;
      while (cap < need) cap *= 2;
      const n = new Uint8Array(cap); n.set(b.subarray(0, this.byteLength)); this.bytes = b = n;
    }
    return b;
  }

  /** Closes the string slot of `row` after its bytes were appended. */
  endString(row: number): void {
    this.offsets![row + 1] = this.byteLength;
  }

  /** Appends a JS string as UTF-8 to the current string slot. */
  appendString(row: number, s: string): void {
    const b = this.ensureBytes(s.length * 3);
    this.byteLength += UTF8.encodeInto(s, b.subarray(this.byteLength)).written;
    this.endString(row);
  }

  /** Converts an Int64/UInt64 column to Float64 (integer and float values mixed in one batch). */
  widenToFloat(): void {
    const cap = this.valid.length;
    const f = new Float64Array(cap);
    const w = this.words!;
    const signed = this.kind === 'i64';
    for (let i = 0; i < this.length; i++) {
      if (!this.valid[i]) continue;
      const lo = w[2 * i]!; const hi = w[2 * i + 1]!;
      f[i] = signed ? (hi | 0) * TWO_32 + lo : hi * TWO_32 + lo;
    }
    this.f64 = f; this.words = undefined; this.kind = 'f64';
  }

  /** Builds the Arrow vector of `rowCount` rows. */
  toVector(rowCount: number, tsType: arrow.DataType): arrow.Vector {
    return vectorFromBuffers(this.toBuffers(rowCount), tsType);
  }

  /**
   * The final Arrow buffers of `rowCount` rows (null bitmap and bool bits
   * packed), as plain typed arrays: the part of building a vector that a
   * parse worker can do, transferring the buffers to the main thread.
   */
  toBuffers(rowCount: number): ColumnBuffers {
    if (this.length < rowCount) {
      if (rowCount > this.valid.length) this.grow(rowCount);
      while (this.length < rowCount) { if (this.offsets) this.offsets[this.length + 1] = this.byteLength; this.length++; this.nulls++; }
    }
    const n = rowCount;
    let nullBitmap: Uint8Array | undefined;
    if (this.nulls > 0) {
      nullBitmap = new Uint8Array((n + 7) >> 3);
      for (let i = 0; i < n; i++) if (this.valid[i]) nullBitmap[i >> 3]! |= 1 << (i & 7);
    }
    const common = { name: this.name, semantic: this.semantic, kind: this.kind, length: n, nullCount: this.nulls, nullBitmap };
    switch (this.kind) {
      case 'f64': return { ...common, data: this.f64!.subarray(0, n) };
      case 'i64': case 'u64': case 'ts': return { ...common, data: this.words!.subarray(0, 2 * n) };
      case 'bool': {
        const packed = new Uint8Array((n + 7) >> 3);
        const b = this.bools!;
        for (let i = 0; i < n; i++) if (b[i]) packed[i >> 3]! |= 1 << (i & 7);
        return { ...common, data: packed };
      }
      case 'str':
        return { ...common, valueOffsets: this.offsets!.subarray(0, n + 1), data: this.bytes!.subarray(0, this.byteLength) };
    }
  }
}

/**
 * One column's finished Arrow buffers: `data` is Float64Array (f64),
 * Uint32Array (lo, hi) pairs (i64/u64/ts), packed bits (bool) or UTF-8
 * bytes with `valueOffsets` (str). Structured-clone friendly: a worker
 * posts it with the typed arrays' buffers transferred.
 */
export interface ColumnBuffers {
  readonly name: string;
  readonly semantic: SemanticType;
  readonly kind: ColumnKind;
  readonly length: number;
  readonly nullCount: number;
  readonly nullBitmap?: Uint8Array;
  readonly data: Float64Array | Uint32Array | Uint8Array;
  readonly valueOffsets?: Int32Array;
}

/** The Arrow vector over a column's buffers (no copy). */
export function vectorFromBuffers(b: ColumnBuffers, tsType: arrow.DataType): arrow.Vector {
  const common = { length: b.length, nullCount: b.nullCount, nullBitmap: b.nullBitmap };
  const words = (): [ArrayBufferLike, number] => [b.data.buffer, b.data.byteOffset];
  let data: arrow.Data;
  switch (b.kind) {
    case 'f64': data = arrow.makeData({ type: new arrow.Float64(), ...common, data: b.data as Float64Array }); break;
    case 'i64': data = arrow.makeData({ type: new arrow.Int64(), ...common, data: new BigInt64Array(...words(), b.length) }); break;
    case 'u64': data = arrow.makeData({ type: new arrow.Uint64(), ...common, data: new BigUint64Array(...words(), b.length) }); break;
    case 'ts': data = arrow.makeData({ type: tsType as arrow.Timestamp, ...common, data: new BigInt64Array(...words(), b.length) }); break;
    case 'bool': data = arrow.makeData({ type: new arrow.Bool(), ...common, data: b.data as Uint8Array }); break;
    case 'str': data = arrow.makeData({ type: new arrow.Utf8(), ...common, valueOffsets: b.valueOffsets!, data: b.data as Uint8Array }); break;
  }
  return arrow.makeVector(data);
}

/**
 * Rows for one table, column by column, as an ingest protocol decodes them:
 * tags are String columns, fields typed by their first value, and one time
 * index. `build` turns it into an InsertRequest with `autoCreate`.
 *
 * @example
 * const t = new ColumnarTableBuilder('cpu', 'greptime_timestamp', new arrow.TimestampNanosecond());
 * const row = t.beginRow();
 * t.column('host', 'tag', 'str').appendString... ; t.endRow();
 */
export class ColumnarTableBuilder {
  rowCount = 0;
  readonly columns: ColumnBuilder[] = [];
  private readonly byName = new Map<string, ColumnBuilder>();
  readonly timeIndex: ColumnBuilder;

  constructor(readonly table: string, timeIndexName: string, readonly timestampType: arrow.DataType, private readonly capacity = 256,
    private readonly budget?: CellBudget) {
    budget?.take(TABLE_OVERHEAD_CELLS);
    this.timeIndex = this.column(timeIndexName, 'timestamp', 'ts');
  }

  /** The column `name`, created on first use; throws ColumnTypeConflict when its role differs. */
  column(name: string, semantic: SemanticType, kind: ColumnKind): ColumnBuilder {
    const existing = this.byName.get(name);
    if (existing) {
      if (existing.semantic !== semantic) {
        throw new ColumnTypeConflict(`column '${name}' of table '${this.table}' is a ${existing.semantic === 'tag' ? 'tag' : existing.semantic === 'timestamp' ? 'time index' : 'field'}, not a ${semantic}`);
      }
      return existing;
    }
    const c = new ColumnBuilder(name, semantic, kind, Math.max(this.capacity, this.rowCount + 1), this.budget);
    this.byName.set(name, c);
    this.columns.push(c);
    return c;
  }

  /** Number of rows; the row being written is `rowCount`. */
  endRow(): void {
    this.rowCount++;
  }

  /** The InsertRequest for everything added so far. */
  build(database: string): InsertRequest {
    const columns: InsertColumn[] = this.columns.map((c) => ({ name: c.name, semantic: c.semantic, vector: c.toVector(this.rowCount, this.timestampType) }));
    return { database, table: this.table, columns, rowCount: this.rowCount, autoCreate: true };
  }
}

/**
 * Checks a table or column name from an ingest protocol: non-empty and
 * without control characters, which would be unusable in SQL and logs.
 */
export function checkIngestName(name: string, what: string): void {
  if (name.length === 0) throw new InvalidArgumentsError(`${what} name is empty`);
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(name)) throw new InvalidArgumentsError(`${what} name ${JSON.stringify(name)} contains control characters`);
}

/** Writes (lo, hi) of a non-negative safe integer into words at slot `i`. */
export function writeSafeInteger(words: Uint32Array, i: number, v: number): void {
  if (v >= 0) {
    words[2 * i] = v % TWO_32;
    words[2 * i + 1] = Math.floor(v / TWO_32);
  } else {
    const m = -v;
    let lo = m % TWO_32; let hi = Math.floor(m / TWO_32);
    // two's complement of (hi, lo)
    lo = (TWO_32 - lo) % TWO_32;
    hi = (lo === 0 ? (TWO_32 - hi) % TWO_32 : (TWO_32 - 1 - hi));
    words[2 * i] = lo;
    words[2 * i + 1] = hi;
  }
}
