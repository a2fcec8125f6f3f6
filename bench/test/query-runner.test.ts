import { expect } from 'chai';
import { runQueries, type QueryTarget } from '../src/query/query-runner.js';
import { makeCpuQueries } from '../src/tsbs/tsbs-cpu-queries.js';

describe('bench: query runner', () => {
  it('runs the warm-up instances once, untimed, before timing each instance `repeats` times', async () => {
    const gen = { hostCount: 100, dataStartMs: Date.UTC(2016, 0, 1), dataEndMs: Date.UTC(2016, 0, 2) };
    const timed = makeCpuQueries('single-groupby-1-1-1', 3, { ...gen, seed: 1 });
    const warm = makeCpuQueries('single-groupby-1-1-1', 4, { ...gen, seed: (1 ^ 0x5eed5) >>> 0 });
    expect(warm.map((q) => q.sql)).to.not.have.members(timed.map((q) => q.sql));
    const calls: string[] = [];
    const target: QueryTarget = { name: 'fake', supports: () => true, query: async (q) => { calls.push(q.sql); return 1; } };
    const [res] = await runQueries([target], new Map([['single-groupby-1-1-1', timed]]), {
      repeats: 2, warmups: new Map([['single-groupby-1-1-1', warm]]), deadlineMs: Date.now() + 60_000, log: () => {},
    });
    // First instance once, the warm-ups once each, then 3 instances x 2 timed runs.
    expect(calls).to.deep.equal([timed[0]!.sql, ...warm.map((q) => q.sql), ...timed.flatMap((q) => [q.sql, q.sql])]);
    expect(res!.results[0]!.timedRuns).to.equal(6);
  });
});
