import * as arrow from 'apache-arrow';
import { toArrowType, type ColumnSchema } from '@strata/kernel';

/** A cell as the engine keeps it: timestamps and 64-bit integers as bigint. */
export type Cell = string | number | bigint | boolean | Uint8Array | null;

/**
 * Row `i` of a vector. Timestamps are read from the raw int64 buffer so they
 * keep the column's unit exactly (Arrow's `get` turns them into fractional
 * milliseconds).
 */
export function cellAt(v: arrow.Vector, i: number): Cell {
  if (!v.isValid(i)) return null;
  if (arrow.DataType.isTimestamp(v.type)) {
    let k = i;
    for (const d of v.data) {
      if (k < d.length) return (d.values as BigInt64Array)[d.offset + k]!;
      k -= d.length;
    }
  }
  return v.get(i) as Cell;
}

/** A vector of one column from cells (timestamps built from raw int64 values, see cellAt). */
export function vectorOf(column: ColumnSchema, cells: readonly Cell[]): arrow.Vector {
  const type = toArrowType(column.type);
  if (arrow.DataType.isTimestamp(type)) {
    const values = new BigInt64Array(cells.length);
    let valid: Uint8Array | undefined;
    cells.forEach((c, i) => {
      if (c === null) {
        valid ??= new Uint8Array((cells.length + 7) >> 3).fill(0xff);
        valid[i >> 3]! &= ~(1 << (i & 7));
      } else values[i] = BigInt(c as bigint);
    });
    return arrow.makeVector(arrow.makeData({ type, length: cells.length, data: values, nullBitmap: valid }));
  }
  return arrow.vectorFromArray(cells as unknown[], type);
}

/** Orders two cells: NULL first, then numbers/bigints numerically, strings by code unit. */
export function compareCells(a: Cell, b: Cell): number {
  if (a === b) return 0;
  if (a === null) return -1;
  if (b === null) return 1;
  if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0;
  if ((typeof a === 'number' || typeof a === 'bigint') && (typeof b === 'number' || typeof b === 'bigint')) return a < b ? -1 : a > b ? 1 : 0;
  const sa = String(a); const sb = String(b);
  return sa < sb ? -1 : sa > sb ? 1 : 0;
}

/** JSON that keeps bigints and bytes (snapshots and WAL payloads). */
export function encodeJson(value: unknown): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(value, (_k, v: unknown) => {
    if (typeof v === 'bigint') return { $b: v.toString() };
    if (v instanceof Uint8Array) return { $u8: Buffer.from(v).toString('base64') };
    return v;
  }));
}

/** The inverse of encodeJson. */
export function decodeJson(bytes: Uint8Array): unknown {
  return JSON.parse(new TextDecoder().decode(bytes), (_k, v: unknown) => {
    if (v && typeof v === 'object' && !Array.isArray(v)) {
      const o = v as Record<string, unknown>;
      if (typeof o.$b === 'string') return BigInt(o.$b);
      if (typeof o.$u8 === 'string') return new Uint8Array(Buffer.from(o.$u8, 'base64'));
    }
    return v;
  });
}
