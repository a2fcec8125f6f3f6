import { expect } from 'chai';
import { binTimestamps } from '../../src/functions/builtin/function-helpers.js';

/**
 * binTimestamps (date_trunc/date_bin on 64-bit timestamps) works on int32
 * halves and doubles: each case is checked against bigint arithmetic,
 * wrapped to 64 bits as a BigInt64Array stores it.
 */
describe('sql: binTimestamps against bigint arithmetic', () => {
  const floorDiv = (a: bigint, b: bigint): bigint => { const q = a / b; return a % b !== 0n && (a < 0n) !== (b < 0n) ? q - 1n : q; };
  const check = (values: readonly bigint[], step: bigint, offset: bigint, label: string): void => {
    const src = BigInt64Array.from(values);
    const got = binTimestamps(src, step, offset);
    const want = BigInt64Array.from(values, (v) => BigInt.asIntN(64, floorDiv(v + offset, step) * step - offset));
    for (let i = 0; i < values.length; i++) {
      if (got[i] !== want[i]) expect.fail(`${label}: row ${i} (${values[i]}) binned to ${got[i]}, expected ${want[i]}`);
    }
  };
  // Steps of a second, minute, hour and day in each timestamp unit (date_trunc), and odd strides (date_bin).
  const units: Array<[string, bigint]> = [['s', 1n], ['ms', 1_000n], ['us', 1_000_000n], ['ns', 1_000_000_000n]];
  const spans = [1n, 60n, 3_600n, 86_400n];

  it('bins rows that sit on, just before and just after bucket edges, on both sides of the epoch', () => {
    for (const [unit, perSecond] of units) {
      for (const span of spans) {
        const step = span * perSecond;
        const values: bigint[] = [];
        for (const base of [0n, 1_451_606_400n * perSecond, -1_451_606_400n * perSecond, 7n * step, -7n * step]) {
          const edge = floorDiv(base, step) * step;
          for (const d of [-step - 1n, -step, -1n, 0n, 1n, step - 1n, step, step + 1n]) values.push(edge + d);
        }
        // Sorted (the fast path's common case) and in reverse.
        values.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
        check(values, step, 0n, `${unit} step ${step}`);
        check([...values].reverse(), step, 0n, `${unit} step ${step} reversed`);
      }
    }
  });

  it('keeps exact nanoseconds beyond 2^53 in runs of one bucket and in rows that each start a new one', () => {
    const t0 = 1_451_606_400_000_000_000n;
    const tenSeconds: bigint[] = [];
    for (let k = 0; k < 5000; k++) tenSeconds.push(t0 + BigInt(k) * 10_000_000_000n + BigInt(k % 7));
    for (const step of [1_000_000_000n, 60_000_000_000n, 3_600_000_000_000n, 86_400_000_000_000n, 7_000_000_001n]) {
      check(tenSeconds, step, 0n, `10 s rows, step ${step}`);
      check(tenSeconds, step, -3_000_000_000n, `10 s rows, step ${step}, origin 3 s`);
    }
  });

  it('moves its base for values far apart in one array, and wraps as bigint storage does at the int64 edges', () => {
    const max = 2n ** 63n - 1n; const min = -(2n ** 63n);
    const values = [0n, -1n, 9_000_000_000_000_000_000n, -3_600_000_000_001n, 2n ** 52n, -(2n ** 52n), 2n ** 60n + 5n, 1n, max, max - 1n, min, min + 1n, 0n];
    for (const step of [1_000n, 60_000_000_000n, 3_600_000_000_000n, 2n ** 44n]) {
      check(values, step, 0n, `far apart, step ${step}`);
      check(values, step, 5n, `far apart, step ${step}, offset 5`);
    }
  });

  it('takes the bigint path for strides past 2^44 and copies for a stride of one unit', () => {
    const values = [-5n, 0n, 3n, 2n ** 62n, -(2n ** 62n)];
    check(values, 2n ** 45n + 3n, 0n, 'wide stride');
    check(values, 1n, 0n, 'unit stride');
  });
});
