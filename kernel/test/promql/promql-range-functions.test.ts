import { expect } from 'chai';
import { seededRandom } from '../../src/util/seeded-random.js';
import { counterResets, RANGE_FUNCTIONS, type Window } from '../../src/promql/range-functions.js';

describe('promql range functions: counter-reset index', () => {
  it('counterResets points at the next drop', () => {
    expect(Array.from(counterResets(Float64Array.from([1, 2, 1, 1, 5, 0, 3])))).to.deep.equal([2, 2, 2, 5, 5, 5, 7, 7]);
    expect(Array.from(counterResets(Float64Array.from([])))).to.deep.equal([0]);
    // NaN never compares lower
    expect(Array.from(counterResets(Float64Array.from([3, NaN, 1, 0])))).to.deep.equal([3, 3, 3, 3, 4]);
  });

  it('rate and increase give bit-identical results with and without the index, over every window', () => {
    const rnd = seededRandom(7);
    for (const resetEvery of [0, 3, 50]) {
      const n = 400;
      const t = new Float64Array(n); const v = new Float64Array(n);
      let c = 0;
      for (let i = 0; i < n; i++) {
        t[i] = i * 10_000 + Math.floor(rnd() * 3000);
        c = resetEvery && rnd() < 1 / resetEvery ? rnd() * 10 : c + rnd() * 1e6 * 1.000001;
        v[i] = i % 97 === 13 ? NaN : c;
      }
      const nextReset = counterResets(v);
      for (const f of ['rate', 'increase']) {
        const fn = RANGE_FUNCTIONS.get(f)!;
        for (let lo = 0; lo < n; lo += 7) {
          for (const width of [1, 2, 5, 31, 200]) {
            const hi = Math.min(n, lo + width);
            const base: Window = { t, v, lo, hi, rangeStartMs: t[lo]! - 4000, rangeEndMs: t[hi - 1]! + 2000, rangeMs: 300_000, evalMs: t[hi - 1]! + 2000 };
            const a = fn(base, 0);
            const b = fn({ ...base, nextReset }, 0);
            expect(Object.is(a, b), `${f} [${lo}, ${hi}) resets 1/${resetEvery}: ${a} vs ${b}`).to.equal(true);
          }
        }
      }
    }
  });
});
