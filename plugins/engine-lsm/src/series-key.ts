/**
 * Series keys: one string per primary-key tuple, ordered so that plain JS
 * string comparison gives one total order shared by memtables, SSTs and the
 * merge. Every source sorts its rows by (key, ts), so the k-way merge only
 * compares keys at series boundaries, never per row.
 *
 * Each part is a type tag then the value then a NUL terminator; null sorts
 * first. Numbers are encoded so that string order is numeric order.
 */
export function encodeKeyPart(v: unknown): string {
  if (v === null || v === undefined) return '\u0000';
  switch (typeof v) {
    case 'string': return `\u0001${v}\u0000`;
    case 'bigint': return `\u0002${sortableBigint(v)}\u0000`;
    case 'number': return Number.isInteger(v) && Math.abs(v) < 2 ** 63 ? `\u0002${sortableBigint(BigInt(v))}\u0000` : `\u0003${sortableFloat(v)}\u0000`;
    case 'boolean': return v ? '\u00041\u0000' : '\u00040\u0000';
    default:
      if (v instanceof Uint8Array) return `\u0005${Buffer.from(v).toString('latin1')}\u0000`;
      return `\u0006${String(v)}\u0000`;
  }
}

const OFFSET = 1n << 63n;
function sortableBigint(v: bigint): string {
  return BigInt.asUintN(64, v + OFFSET).toString(16).padStart(16, '0');
}

const f64 = new Float64Array(1);
const u64 = new BigUint64Array(f64.buffer);
function sortableFloat(v: number): string {
  f64[0] = v;
  let bits = u64[0]!;
  bits = bits & (1n << 63n) ? ~bits & ((1n << 64n) - 1n) : bits | (1n << 63n);
  return bits.toString(16).padStart(16, '0');
}

/** The key of a tuple of tag values (in primary-key order). */
export function seriesKeyOf(values: readonly unknown[]): string {
  // join() yields a flat string; `+=` would keep a rope of cons-strings per key (memory).
  return values.map(encodeKeyPart).join('');
}
