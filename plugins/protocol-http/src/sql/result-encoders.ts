import * as arrow from 'apache-arrow';
import { decimalText } from '@strata/kernel';

/** Writes the value of row `i` of one column, or null. */
export type CellEncoder = (i: number) => string;

const BIGINT_REPLACER = (_k: string, v: unknown): unknown => (typeof v === 'bigint' ? v.toString() : v);

function isoDate(days: number): string {
  return new Date(days * 86_400_000).toISOString().slice(0, 10);
}

/**
 * JSON token per cell for the GreptimeDB v1 output. 64-bit integers and
 * timestamps are written as raw JSON numbers straight from their BigInt
 * storage, so values beyond 2^53 keep every digit (JSON.stringify cannot
 * do this); timestamps stay integers in the column's own unit.
 */
export function jsonCellEncoder(data: arrow.Data): CellEncoder {
  const type = data.type;
  const valid = (i: number): boolean => data.nullCount === 0 || data.getValid(i);
  if (arrow.DataType.isInt(type) || arrow.DataType.isTimestamp(type) || arrow.DataType.isTime(type) || arrow.DataType.isDuration(type)) {
    const values = data.values as ArrayLike<number | bigint>;
    if (data.nullCount === 0) return (i) => String(values[i]);
    return (i) => (valid(i) ? String(values[i]) : 'null');
  }
  if (arrow.DataType.isFloat(type) && type.precision !== arrow.Precision.HALF) {
    const values = data.values as Float64Array | Float32Array;
    // JSON has no NaN/Infinity; serde_json (GreptimeDB) writes null for them too.
    if (data.nullCount === 0) return (i) => { const v = values[i]!; return v - v === 0 ? String(v) : 'null'; };
    return (i) => {
      if (!valid(i)) return 'null';
      const v = values[i]!;
      // JSON has no NaN/Infinity; serde_json (GreptimeDB) writes null for them too.
      return Number.isFinite(v) ? String(v) : 'null';
    };
  }
  if (arrow.DataType.isDate(type) && type.unit === arrow.DateUnit.DAY) {
    const values = data.values as Int32Array;
    return (i) => (valid(i) ? `"${isoDate(values[i]!)}"` : 'null');
  }
  if (arrow.DataType.isUtf8(type)) return utf8JsonEncoder(data as arrow.Data<arrow.Utf8>);
  const vector = arrow.makeVector(data);
  if (arrow.DataType.isLargeUtf8(type) || arrow.DataType.isDictionary(type) || arrow.DataType.isBool(type)) {
    return (i) => { const v = vector.get(i); return v === null || v === undefined ? 'null' : JSON.stringify(v); };
  }
  if (arrow.DataType.isDecimal(type)) {
    // A string with the column's scale ("1.50"), read from the 128-bit words: Arrow's value object prints unscaled digits.
    const words = data.values as unknown as Uint32Array;
    const scale = (type as arrow.Decimal).scale;
    return (i) => (valid(i) ? `"${decimalText(words, i * 4, scale)}"` : 'null');
  }
  if (arrow.DataType.isBinary(type) || arrow.DataType.isLargeBinary(type) || arrow.DataType.isFixedSizeBinary(type)) {
    return (i) => { const v = vector.get(i) as Uint8Array | null; return v ? JSON.stringify(Buffer.from(v).toString('hex')) : 'null'; };
  }
  return (i) => {
    const v = vector.get(i);
    if (v === null || v === undefined) return 'null';
    return JSON.stringify(typeof v === 'object' && 'toJSON' in (v as object) ? (v as { toJSON(): unknown }).toJSON() : v, BIGINT_REPLACER) ?? 'null';
  };
}

const utf8 = new TextDecoder();

/**
 * JSON tokens of a Utf8 column read straight from its offsets and bytes.
 * Tag columns come in long runs of one value (results follow the scan's
 * series order), so a value whose bytes equal the previous row's reuses
 * that row's token: one decode and one JSON.stringify per run, not per cell.
 */
function utf8JsonEncoder(data: arrow.Data<arrow.Utf8>): CellEncoder {
  const offsets = data.valueOffsets;
  const bytes = data.values;
  const bitmap = data.nullCount > 0 ? data.nullBitmap : null;
  const base = data.offset;
  let prevStart = -1; let prevEnd = -1; let prev = 'null';
  return (i) => {
    if (bitmap) { const j = base + i; if (((bitmap[j >> 3]! >> (j & 7)) & 1) === 0) return 'null'; }
    const a = offsets[i]!; const b = offsets[i + 1]!;
    if (prevStart >= 0 && b - a === prevEnd - prevStart) {
      let k = 0;
      while (k < b - a && bytes[a + k] === bytes[prevStart + k]) k++;
      if (k === b - a) return prev;
    }
    prevStart = a; prevEnd = b;
    prev = JSON.stringify(utf8.decode(bytes.subarray(a, b)));
    return prev;
  };
}

function csvQuote(s: string): string {
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** CSV cell per value (RFC 4180 quoting; null is an empty cell). */
export function csvCellEncoder(data: arrow.Data): CellEncoder {
  const json = jsonCellEncoder(data);
  const type = data.type;
  const textual = arrow.DataType.isUtf8(type) || arrow.DataType.isLargeUtf8(type) || arrow.DataType.isDictionary(type)
    || arrow.DataType.isDate(type) || arrow.DataType.isDecimal(type) || arrow.DataType.isBinary(type);
  return (i) => {
    const j = json(i);
    if (j === 'null') return '';
    if (textual && j.startsWith('"')) return csvQuote(JSON.parse(j) as string);
    return csvQuote(j);
  };
}
