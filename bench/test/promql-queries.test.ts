import { expect } from 'chai';
import { compareMatrices, PROMQL_BENCH_QUERIES, promqlBenchCases, type MatrixSeries } from '../src/promql/promql-queries.js';
import { TsbsCpuGenerator } from '../src/tsbs/tsbs-cpu-generator.js';

describe('bench:promql queries', () => {
  it('every query over every range ends at the last sample minute; ranges longer than the data are clamped', () => {
    const gen = new TsbsCpuGenerator({ hosts: 2, hours: 12, seed: 1 });
    const cases = promqlBenchCases(gen.startMs, gen.endMs, [1, 24]);
    expect(cases).to.have.length(2 * PROMQL_BENCH_QUERIES.length);
    const lastSampleS = (gen.endMs - gen.intervalMs) / 1000;
    for (const c of cases) {
      expect(c.endS % 60).to.equal(0);
      expect(c.endS).to.be.at.most(lastSampleS);
      expect(lastSampleS - c.endS).to.be.below(60);
      expect(c.stepS).to.equal(60);
    }
    expect(cases[0]!.endS - cases[0]!.startS).to.equal(3600);
    // 24 h asked of 12 h of data: from the first sample
    expect(cases.at(-1)!.startS).to.equal(gen.startMs / 1000);
    // the queries name only the remote-written metrics cpu_<field>
    for (const q of PROMQL_BENCH_QUERIES) expect(q.query).to.match(/cpu_usage_/);
  });

  it('compareMatrices accepts equal answers in any series order and names the first difference', () => {
    const a: MatrixSeries[] = [
      { metric: { __name__: 'x', h: 'a' }, values: [[60, '1'], [120, 'NaN']] },
      { metric: { h: 'b' }, values: [[60, '0.30000000000000004']] },
    ];
    const b: MatrixSeries[] = [
      { metric: { h: 'b' }, values: [[60, '0.3']] },
      { metric: { h: 'a', __name__: 'x' }, values: [[60, '1'], [120, 'NaN']] },
    ];
    expect(compareMatrices(a, b)).to.equal(undefined);
    expect(compareMatrices(a, b.slice(0, 1))).to.equal('2 series vs 1');
    expect(compareMatrices(a, [b[0]!, { metric: { h: 'a', __name__: 'x' }, values: [[60, '1'], [180, 'NaN']] }])).to.match(/point 1 at 120 vs 180/);
    expect(compareMatrices(a, [b[0]!, { metric: { h: 'a', __name__: 'x' }, values: [[60, '2'], [120, 'NaN']] }])).to.match(/at 60 1 vs 2/);
    expect(compareMatrices(a, [b[0]!, { metric: { h: 'c' }, values: [] }])).to.match(/missing from the peer/);
  });
});
