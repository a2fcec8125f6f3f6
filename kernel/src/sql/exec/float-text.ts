/**
 * Text of a float as Arrow writes it (CAST(x AS STRING), concat, `||`), so a
 * float turns into the same string GreptimeDB/DataFusion gives. Arrow uses
 * `ryu`: the shortest digits that read back as the same float, a trailing
 * `.0` on whole numbers, plain notation while the decimal point stays within
 * 16 digits (Float64; 13 for Float32) and up to 4 (Float64; 5 for Float32)
 * leading zeros after it, scientific notation (`1e20`, `1.5e-7`) beyond;
 * `NaN`, `inf`, `-inf`, and `-0.0` for negative zero.
 *
 * @example
 * formatFloat(-1)          // '-1.0'
 * formatFloat(1e20)        // '1e20'
 * formatFloat(1e-7)        // '1e-7'
 * formatFloat(0.1, true)   // '0.1' (Float32: the shortest digits of the float32)
 */
export function formatFloat(x: number, float32 = false): string {
  if (Number.isNaN(x)) return 'NaN';
  if (x === Infinity) return 'inf';
  if (x === -Infinity) return '-inf';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  const neg = x < 0;
  const sci = shortestExponential(neg ? -x : x, float32);
  const e = sci.indexOf('e');
  const digits = sci.slice(0, e).replace('.', '');
  const exp = Number(sci.slice(e + 1));
  // value = 0.digits * 10^kk, i.e. the decimal point sits kk digits into `digits`.
  const kk = exp + 1;
  const n = digits.length;
  const maxPoint = float32 ? 13 : 16;
  const minPoint = float32 ? -6 : -5;
  let s: string;
  if (n <= kk && kk <= maxPoint) s = `${digits}${'0'.repeat(kk - n)}.0`;
  else if (kk > 0 && kk <= maxPoint) s = `${digits.slice(0, kk)}.${digits.slice(kk)}`;
  else if (kk > minPoint && kk <= 0) s = `0.${'0'.repeat(-kk)}${digits}`;
  else s = `${digits[0]}${n > 1 ? `.${digits.slice(1)}` : ''}e${kk - 1}`;
  return neg ? `-${s}` : s;
}

/** `d.ddde±x` with the fewest digits that read back as `x` (as a float32 when `float32`). */
function shortestExponential(x: number, float32: boolean): string {
  // JavaScript's own shortest round-trip digits are a Float64's.
  if (!float32) return x.toExponential();
  x = Math.fround(x);
  for (let p = 0; p < 9; p++) {
    const s = x.toExponential(p);
    if (Math.fround(Number(s)) === x) return s;
  }
  return x.toExponential(8);
}
