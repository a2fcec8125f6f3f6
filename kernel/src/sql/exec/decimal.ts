import { InvalidArgumentsError } from '../../errors/errors.js';

/**
 * DECIMAL(p, s) values inside the executor: the unscaled integer as a
 * bigint (1.50 in DECIMAL(10, 2) is 150n), so arithmetic, sums and
 * comparisons are exact. The scale lives in the column's type. These
 * helpers convert to and from text, numbers and Arrow's 128-bit words, and
 * rescale with rounding half away from zero (as DataFusion and DuckDB do).
 */

const POW10: bigint[] = [1n];
for (let i = 1; i <= 80; i++) POW10.push(POW10[i - 1]! * 10n);

export function pow10(n: number): bigint {
  return n <= 80 ? POW10[n]! : 10n ** BigInt(n);
}

/** n / d rounded half away from zero. */
export function divRound(n: bigint, d: bigint): bigint {
  const q = n / d;
  const r = n % d;
  if (r === 0n) return q;
  const twice = (r < 0n ? -r : r) * 2n;
  const ad = d < 0n ? -d : d;
  if (twice >= ad) return (n < 0n) !== (d < 0n) ? q - 1n : q + 1n;
  return q;
}

/** An unscaled value moved from scale `from` to scale `to` (rounding when digits are dropped). */
export function rescale(v: bigint, from: number, to: number): bigint {
  if (to === from) return v;
  if (to > from) return v * pow10(to - from);
  return divRound(v, pow10(from - to));
}

const DECIMAL_TEXT = /^\s*([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?\s*$/;

/** Parses decimal text ('-12.345', '1e-3', '.5') into an unscaled value at `scale`; undefined if it is not a number. */
export function parseDecimal(text: string, scale: number): bigint | undefined {
  const m = DECIMAL_TEXT.exec(text);
  if (!m || (m[2] === '' && (m[3] ?? '') === '')) return undefined;
  const digits = `${m[2]}${m[3] ?? ''}`;
  // value = digits * 10^(exp - fracLen)
  const exp = (m[4] ? Number(m[4]) : 0) - (m[3] ?? '').length;
  let v = BigInt(digits === '' ? '0' : digits);
  if (m[1] === '-') v = -v;
  return exp >= 0 ? v * pow10(exp + scale) : rescale(v, -exp, scale);
}

/** A JS number as an unscaled value at `scale` (through its shortest decimal text, so 0.1 is exactly 0.1). */
export function decimalFromNumber(x: number, scale: number): bigint {
  if (!Number.isFinite(x)) throw new InvalidArgumentsError(`cannot cast ${x} to DECIMAL`);
  return parseDecimal(String(x), scale)!;
}

/** Unscaled value -> text with exactly `scale` fraction digits ('-0.50'). */
export function formatDecimal(v: bigint, scale: number): string {
  const neg = v < 0n;
  let s = (neg ? -v : v).toString();
  if (scale > 0) {
    if (s.length <= scale) s = '0'.repeat(scale - s.length + 1) + s;
    s = `${s.slice(0, s.length - scale)}.${s.slice(s.length - scale)}`;
  }
  return neg ? `-${s}` : s;
}

/** Unscaled value -> nearest double. */
export function decimalToNumber(v: bigint, scale: number): number {
  return scale === 0 ? Number(v) : Number(formatDecimal(v, scale));
}

/** Fails when v needs more than `precision` digits. */
export function checkPrecision(v: bigint, precision: number, what = 'value'): bigint {
  const a = v < 0n ? -v : v;
  if (a >= pow10(precision)) throw new InvalidArgumentsError(`${what} ${formatDecimal(v, 0)} (unscaled) does not fit DECIMAL with precision ${precision}`);
  return v;
}

/** Reads the 128-bit little-endian two's-complement integer at words[at..at+4). */
export function decimalFromWords(words: Uint32Array, at: number): bigint {
  const v = (BigInt(words[at + 3]!) << 96n) | (BigInt(words[at + 2]!) << 64n) | (BigInt(words[at + 1]!) << 32n) | BigInt(words[at]!);
  return BigInt.asIntN(128, v);
}

/** The Decimal128 value at words[at..at+4) (Arrow's layout) as text with `scale` fraction digits. */
export function decimalText(words: Uint32Array, at: number, scale: number): string {
  return formatDecimal(decimalFromWords(words, at), scale);
}

/** Writes v as a 128-bit little-endian two's-complement integer at words[at..at+4). */
export function decimalToWords(v: bigint, words: Uint32Array, at: number): void {
  const u = BigInt.asUintN(128, v);
  words[at] = Number(u & 0xffffffffn);
  words[at + 1] = Number((u >> 32n) & 0xffffffffn);
  words[at + 2] = Number((u >> 64n) & 0xffffffffn);
  words[at + 3] = Number(u >> 96n);
}
