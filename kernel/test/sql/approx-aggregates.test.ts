import { expect } from 'chai';
import { seededRandom } from '../../src/util/seeded-random.js';
import * as arrow from 'apache-arrow';
import { DefaultFunctionRegistry, builtinFunctions, type AggregateFunction } from '../../src/index.js';
import { SqlHarness } from '../support/sql-harness.js';

/** Sketches: error bounds on large inputs, mergeable partial states, exactness where promised. */

const ctx = (n: number) => ({ rowCount: n, timezone: 'UTC' });

function registry() {
  const r = new DefaultFunctionRegistry();
  for (const f of builtinFunctions(r)) r.register(f, 'built-in');
  return r;
}

describe('functions: approx_distinct (HyperLogLog)', () => {
  const reg = registry();
  const fn = reg.lookup('approx_distinct') as AggregateFunction<unknown>;
  const run = (parts: arrow.Vector[]): number => {
    const states = parts.map((v) => fn.update(fn.init(), [v], null, ctx(v.length)));
    return Number(fn.finalize(states.reduce((a, b) => fn.merge(a, b), fn.init())));
  };

  it('is exact for small inputs (under 1,024 distinct values)', () => {
    expect(run([arrow.vectorFromArray([1, 2, 2, 3, null], new arrow.Float64())])).to.equal(3);
    expect(run([arrow.vectorFromArray(Array.from({ length: 1000 }, (_, i) => `s${i % 700}`))])).to.equal(700);
  });

  for (const [label, make] of [
    ['strings', (i: number) => `host_${i}_${i * 7}`],
    ['doubles', (i: number) => i * 0.37 + 0.001],
    ['integers', (i: number) => i * 2654435761],
  ] as const) {
    it(`estimates ${label} within 3% (about 4 standard errors) from 1e3 to 3e5 distinct values`, () => {
      for (const n of [3_000, 50_000, 300_000]) {
        const vals = Array.from({ length: n }, (_, i) => make(i));
        // Every value twice, split over three partial states (two-phase aggregation).
        const all = [...vals, ...vals.slice().reverse()];
        const third = Math.ceil(all.length / 3);
        const type = typeof vals[0] === 'string' ? new arrow.Utf8() : new arrow.Float64();
        const parts = [0, 1, 2].map((k) => arrow.vectorFromArray(all.slice(k * third, (k + 1) * third), type as arrow.Float64));
        const est = run(parts);
        expect(Math.abs(est - n) / n, `${label} n=${n} estimate ${est}`).to.be.lessThan(0.03);
      }
    });
  }

  it('partial states survive serialize/deserialize in both forms (sparse and registers)', () => {
    for (const n of [100, 20_000]) {
      const v = arrow.vectorFromArray(Array.from({ length: n }, (_, i) => i + 0.5), new arrow.Float64());
      const s = fn.update(fn.init(), [v], null, ctx(n));
      const bytes = fn.serialize!(s);
      const back = fn.deserialize!(bytes);
      expect(fn.finalize(back)).to.equal(fn.finalize(s));
      // A sketch, not a set: 20,000 values fold into 16 KiB of registers (base64 in JSON).
      if (n > 1024) expect(bytes.length).to.be.lessThan(24_000);
    }
  });
});

describe('functions: approx_percentile_cont (t-digest)', () => {
  const reg = registry();
  const fn = reg.lookup('approx_percentile_cont') as AggregateFunction<unknown>;
  const est = (parts: number[][], p: number): number => {
    const states = parts.map((xs) => fn.update(fn.init(), [arrow.vectorFromArray(xs, new arrow.Float64()), arrow.vectorFromArray(xs.map(() => p), new arrow.Float64())], null, ctx(xs.length)));
    return fn.finalize(states.reduce((a, b) => fn.merge(a, b), fn.init())) as number;
  };

  it('estimates as DataFusion\'s t-digest does: within the centroid holding the rank, by half the gap to its neighbours', () => {
    expect(est([[1, 2, 3, 4]], 0.5)).to.equal(2.5);
    // rank 0.75 of 0, 5, 10 falls in the first centroid: 0 + (0.75 - 0.5) * (5 - 0) (linear interpolation would say 2.5).
    expect(est([[10, 0], [5]], 0.25)).to.equal(1.25);
    expect(est([[7]], 0.99)).to.equal(7);
  });

  for (const [label, gen] of [
    ['uniform', (r: () => number) => r() * 1000],
    ['normal', (r: () => number) => Math.sqrt(-2 * Math.log(r() + 1e-12)) * Math.cos(2 * Math.PI * r()) * 15 + 50],
    ['long-tailed', (r: () => number) => Math.exp(r() * 12)],
  ] as const) {
    it(`keeps ${label} quantiles within 1% in rank over 200,000 values merged from 4 parts`, () => {
      const rnd = seededRandom(label.length * 7919);
      const xs = Array.from({ length: 200_000 }, () => gen(rnd));
      const sorted = xs.slice().sort((a, b) => a - b);
      const parts = [0, 1, 2, 3].map((k) => xs.slice(k * 50_000, (k + 1) * 50_000));
      const merged = parts.map((xs) => fn.update(fn.init(), [arrow.vectorFromArray(xs, new arrow.Float64()), arrow.vectorFromArray(xs.map(() => 0.5), new arrow.Float64())], null, ctx(xs.length)))
        .reduce((a, b) => fn.merge(a, b), fn.init()) as { means: number[] };
      expect(merged.means.length, 'centroids').to.be.within(20, 110);
      for (const p of [0.001, 0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.99, 0.999]) {
        const v = est(parts, p);
        // The rank of the estimate in the data, compared with the asked rank.
        let lo = 0; let hi = sorted.length;
        while (lo < hi) { const mid = (lo + hi) >> 1; if (sorted[mid]! < v) lo = mid + 1; else hi = mid; }
        expect(Math.abs(lo / sorted.length - p), `${label} p=${p}: ${v}`).to.be.lessThan(0.01);
      }
    });
  }

  it('refuses a percentile outside 0..1 (or 0..100) and a bad centroid count', () => {
    expect(() => est([[1, 2]], 120)).to.throw(/between 0 and 1/);
    const f = fn;
    expect(() => f.update(f.init(), [arrow.vectorFromArray([1], new arrow.Float64()), arrow.vectorFromArray([0.5], new arrow.Float64()), arrow.vectorFromArray([0], new arrow.Int32())], null, ctx(1))).to.throw(/centroids/);
  });
});

describe('sql: approximate aggregates over a table', function () {
  this.timeout(30_000);
  let h: SqlHarness;
  before(async () => {
    h = await SqlHarness.start();
    await h.q("CREATE TABLE m (g STRING, ts TIMESTAMP TIME INDEX, v DOUBLE, k BIGINT, PRIMARY KEY (g)) PARTITION ON COLUMNS (g) (g < 'b', g >= 'b')");
    const rows: string[] = [];
    for (let i = 0; i < 30_000; i++) rows.push(`('${i % 2 ? 'a' : 'c'}', ${i}, ${(i * 7919) % 10007}, ${i % 5000})`);
    for (let i = 0; i < rows.length; i += 5000) await h.q(`INSERT INTO m VALUES ${rows.slice(i, i + 5000).join(', ')}`);
  });
  after(async () => { await h.stop(); });

  it('approx_distinct across regions is within 3%; exact per small group', async () => {
    const [[d, k]] = await h.rows('SELECT approx_distinct(v), approx_distinct(k) FROM m') as number[][];
    expect(Math.abs(d! - 10007) / 10007).to.be.lessThan(0.03);
    expect(Math.abs(k! - 5000) / 5000).to.be.lessThan(0.03);
    expect(await h.rows("SELECT approx_distinct(g) FROM m")).to.deep.equal([[2]]);
  });

  it('approx_percentile_cont is close to the exact percentile_cont', async () => {
    const [[a, e, c]] = await h.rows('SELECT approx_percentile_cont(v, 0.9), percentile_cont(v, 0.9), approx_percentile_cont(v, 0.9, 1000) FROM m') as number[][];
    expect(Math.abs(a! - e!) / 10007).to.be.lessThan(0.01);
    expect(Math.abs(c! - e!) / 10007).to.be.lessThan(0.002);
  });
});
