import 'reflect-metadata';
import { expect } from 'chai';
import { Evaluator, windowBounds, type WindowStart } from '../../src/promql/evaluator.js';
import { labelsObj, MemorySource, series } from './promql-test-helpers.js';
import { parsePromql } from '../../src/promql/parse-promql.js';
import type { RawSeries } from '../../src/promql/series-source.js';
import { PROMQL, QUERY } from '../../src/tokens.js';

/**
 * A sample exactly at a window's start: GreptimeDB (and Prometheus 3) leave it out,
 * (t - range, t]; Prometheus 2.x, the promql plugin's windowStart 'inclusive', keeps it.
 * The GreptimeDB cases are from its sqlness results (tests/cases/standalone/common/promql/).
 */

/** Instant query at `t` seconds: { labels: value } for a vector, sample times (s) for a matrix. */
async function at(data: RawSeries[], q: string, t: number, windowStart?: WindowStart): Promise<Record<string, number | number[]>> {
  const ev = new Evaluator(new MemorySource(data), { startMs: t * 1000, endMs: t * 1000, stepMs: 0, ...(windowStart ? { windowStart } : {}) });
  const v = await ev.evaluate(parsePromql(q));
  const out: Record<string, number | number[]> = {};
  if (v.type === 'vector') for (const s of v.series) { if (s.present[0]) out[JSON.stringify(labelsObj(s.labels))] = s.values[0]!; }
  else if (v.type === 'matrix') for (const s of v.series) out[JSON.stringify(labelsObj(s.labels))] = Array.from(s.t, (x) => x / 1000);
  else throw new Error(`unexpected ${v.type}`);
  return out;
}

describe('promql window edges (left-open by default, closed with windowStart inclusive)', () => {
  it('windowBounds: the start edge is out when left-open, in when closed; the end edge always in', () => {
    const t = Float64Array.from([0, 10, 20, 30]);
    expect(windowBounds(t, 10, 30)).to.deep.equal([2, 4]);
    expect(windowBounds(t, 10, 30, true)).to.deep.equal([2, 4]);
    expect(windowBounds(t, 10, 30, false)).to.deep.equal([1, 4]);
    expect(windowBounds(t, 5, 20, true)).to.deep.equal([1, 3]);
  });

  // greptimedb range_vector_result.result: samples a@0,10,20,30 (1,2,3,4), b@0,20 (10,30).
  const rv = [
    series({ __name__: 'range_vector_result', host: 'a' }, [[0, 1], [10, 2], [20, 3], [30, 4]]),
    series({ __name__: 'range_vector_result', host: 'b' }, [[0, 10], [20, 30]]),
  ];
  const A = '{"__name__":"range_vector_result","host":"a"}';
  const B = '{"__name__":"range_vector_result","host":"b"}';

  it('range selector: x[20s] at 30s is (10s, 30s] (GreptimeDB), [10s, 30s] inclusive', async () => {
    expect(await at(rv, 'range_vector_result[20s]', 30)).to.deep.equal({ [A]: [20, 30], [B]: [20] });
    expect(await at(rv, 'range_vector_result[20s]', 30, 'inclusive')).to.deep.equal({ [A]: [10, 20, 30], [B]: [20] });
    // offset 10s: (0s, 20s]; @ 20 with [15s]: (5s, 20s]
    expect(await at(rv, 'range_vector_result[20s] offset 10s', 30)).to.deep.equal({ [A]: [10, 20], [B]: [20] });
    expect(await at(rv, 'range_vector_result[20s] offset 10s', 30, 'inclusive')).to.deep.equal({ [A]: [0, 10, 20], [B]: [0, 20] });
  });

  it('subquery grid: x[30s:10s] at 30s has steps 10, 20, 30 (GreptimeDB); 0 too when inclusive', async () => {
    expect(await at(rv, 'range_vector_result[30s:10s]', 30)).to.deep.equal({ [A]: [10, 20, 30], [B]: [10, 20, 30] });
    expect(await at(rv, 'range_vector_result[30s:10s]', 30, 'inclusive')).to.deep.equal({ [A]: [0, 10, 20, 30], [B]: [0, 10, 20, 30] });
    // [4s:10s] at 35s: no multiple of 10s in (31s, 35s] in either mode
    expect(await at(rv, 'range_vector_result[4s:10s]', 35)).to.deep.equal({});
  });

  it('range functions: count/rate/changes drop the sample on the start edge', async () => {
    expect(await at(rv, 'count_over_time(range_vector_result[20s])', 30)).to.deep.equal({ '{"host":"a"}': 2, '{"host":"b"}': 1 });
    expect(await at(rv, 'count_over_time(range_vector_result[20s])', 30, 'inclusive')).to.deep.equal({ '{"host":"a"}': 3, '{"host":"b"}': 1 });
    // a over (10s, 30s]: 3 -> 4 in 10s, extrapolated 10s to the start (gap 10s < 1.1 x 10s): 1 * 20/10 = 2
    expect(await at(rv, 'increase(range_vector_result{host="a"}[20s])', 30)).to.deep.equal({ '{"host":"a"}': 2 });
    // [10s, 30s]: 2 -> 4 over the whole window, no extrapolation
    expect(await at(rv, 'increase(range_vector_result{host="a"}[20s])', 30, 'inclusive')).to.deep.equal({ '{"host":"a"}': 2 });
    expect(await at(rv, 'changes(range_vector_result{host="a"}[20s])', 30)).to.deep.equal({ '{"host":"a"}': 1 });
    expect(await at(rv, 'changes(range_vector_result{host="a"}[20s])', 30, 'inclusive')).to.deep.equal({ '{"host":"a"}': 2 });
    // absent_over_time: b's only sample in [0s, 10s] sits at 0s
    const b = [rv[1]!];
    expect(await at(b, 'absent_over_time(range_vector_result[10s])', 10)).to.deep.equal({ '{}': 1 });
    expect(await at(b, 'absent_over_time(range_vector_result[10s])', 10, 'inclusive')).to.deep.equal({});
  });

  // greptimedb instant_last_row.result: the lookback is (T - 300s, T].
  it('lookback: a sample exactly 5m old is too old (GreptimeDB), still found when inclusive', async () => {
    const d = [
      series({ s: 'lower_excluded' }, [[700, 10]]),
      series({ s: 'just_inside' }, [[700.001, 11]]),
      series({ s: 'upper_included' }, [[1000, 12]]),
    ];
    expect(await at(d, '{s=~".+"}', 1000)).to.deep.equal({ '{"s":"just_inside"}': 11, '{"s":"upper_included"}': 12 });
    expect(await at(d, '{s=~".+"}', 1000, 'inclusive')).to.deep.equal({ '{"s":"lower_excluded"}': 10, '{"s":"just_inside"}': 11, '{"s":"upper_included"}': 12 });
  });

  // greptimedb subquery.result: metric_total = 1 @ 0s, 2 @ 10s.
  it('subquery over the lookback: sum_over_time(metric_total[50s:10s]) at 300s is 10, [60s:10s] at 359s is 2', async () => {
    const d = [series({ __name__: 'metric_total' }, [[0, 1], [10, 2]])];
    // inner steps (250s, 300s] = 260..300, each sees 2 @ 10s
    expect(await at(d, 'sum_over_time(metric_total[50s:10s])', 300)).to.deep.equal({ '{}': 10 });
    // inclusive: 250..300, six steps
    expect(await at(d, 'sum_over_time(metric_total[50s:10s])', 300, 'inclusive')).to.deep.equal({ '{}': 12 });
    // steps 300..350: only at 300s is the 10s sample inside the lookback (0s, 300s]
    expect(await at(d, 'sum_over_time(metric_total[60s:10s])', 359)).to.deep.equal({ '{}': 2 });
    // inclusive: steps 300..350 and [t - 5m, t]: 300s and 310s see it
    expect(await at(d, 'sum_over_time(metric_total[60s:10s])', 359, 'inclusive')).to.deep.equal({ '{}': 4 });
    // unaffected by the edge: GreptimeDB's 3 and 4 at 10s
    expect(await at(d, 'sum_over_time(metric_total[50s:10s])', 10)).to.deep.equal({ '{}': 3 });
    expect(await at(d, 'sum_over_time(metric_total[50s:5s])', 10)).to.deep.equal({ '{}': 4 });
  });

  it("the promql plugin's windowStart reaches the HTTP API and TQL; a bad value is refused at startup", async function () {
    this.timeout(20_000);
    const { StrataServer } = await import('../../src/server/strata-server.js');
    const { memoryPlugins } = await import('../support/memory-plugins.js');
    const { promqlPlugin } = await import('../../src/promql/promql-plugin.js');
    const { createSession } = await import('../../src/interfaces/session.js');
    const run = async (windowStart?: string): Promise<[number, unknown[]]> => {
      const server = await StrataServer.fromDefinitions(
        [...memoryPlugins().plugins, ...(windowStart ? [{ definition: promqlPlugin, options: { windowStart } }] : [])],
        { dataHome: '/tmp/strata-promql-window-edges-test' }, { logLevel: 'silent', processMetrics: false });
      await server.start();
      try {
        const session = createSession({ channel: 'internal' });
        const rows: unknown[] = [];
        const q = async (sql: string) => {
          for await (const o of server.get(QUERY).execute(sql, session)) if (o.kind === 'records') for await (const b of o.batches) for (const r of b) rows.push((r.toJSON() as { v?: unknown }).v);
        };
        await q('CREATE TABLE g (greptime_value DOUBLE, greptime_timestamp TIMESTAMP TIME INDEX); INSERT INTO g VALUES (1, 0), (2, 10000), (3, 20000)');
        const api = await server.get(PROMQL).handleApi('query', { query: 'count_over_time(g[20s])', time: '20' }, { database: 'public' });
        const n = Number((api.body as any).data.result[0].value[1]);
        await q("TQL EVAL (20, 20, '1s') count_over_time(g[20s]) AS v");
        return [n, rows];
      } finally { await server.stop(); }
    };
    const [dflt, dfltRows] = await run();
    expect(dflt).to.equal(2);
    expect(dfltRows).to.deep.equal([2]);
    const [incl, inclRows] = await run('inclusive');
    expect(incl).to.equal(3);
    expect(inclRows).to.deep.equal([3]);
    let err: Error | undefined;
    try { await run('open'); } catch (e) { err = e as Error; }
    expect(err?.message).to.match(/promql.*windowStart/);
  });
});
