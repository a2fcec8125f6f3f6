import { expect } from 'chai';
import { runQueries, type QueryTarget } from '../src/query/query-runner.js';
import { makeCpuQueries } from '../src/tsbs/tsbs-cpu-queries.js';

describe('bench: query runner', () => {
  it('runs every type\'s warm-up instances once, untimed, before any type is timed, then each instance `repeats` times', async () => {
    const gen = { hostCount: 100, dataStartMs: Date.UTC(2016, 0, 1), dataEndMs: Date.UTC(2016, 0, 2) };
    const timed = makeCpuQueries('single-groupby-1-1-1', 3, { ...gen, seed: 1 });
    const warm = makeCpuQueries('single-groupby-1-1-1', 4, { ...gen, seed: (1 ^ 0x5eed5) >>> 0 });
    expect(warm.map((q) => q.sql)).to.not.have.members(timed.map((q) => q.sql));
    const calls: string[] = [];
    const target: QueryTarget = { name: 'fake', supports: () => true, query: async (q) => { calls.push(q.sql); return 1; } };
    const timed2 = makeCpuQueries('lastpoint', 2, { ...gen, seed: 1 });
    const warm2 = makeCpuQueries('lastpoint', 1, { ...gen, seed: 2 });
    const res = await runQueries([target], new Map([['single-groupby-1-1-1', timed], ['lastpoint', timed2]]), {
      repeats: 2, warmups: new Map([['single-groupby-1-1-1', warm], ['lastpoint', warm2]]), deadlineMs: Date.now() + 60_000, log: () => {},
    });
    // Every type's warm-ups, then per type: its first instance once and each instance twice.
    expect(calls).to.deep.equal([
      ...warm.map((q) => q.sql), ...warm2.map((q) => q.sql),
      timed[0]!.sql, ...timed.flatMap((q) => [q.sql, q.sql]),
      timed2[0]!.sql, ...timed2.flatMap((q) => [q.sql, q.sql]),
    ]);
    expect(res.map((t) => t.results[0]!.timedRuns)).to.deep.equal([6, 4]);
  });
});
