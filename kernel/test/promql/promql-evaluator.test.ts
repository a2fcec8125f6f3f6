import { expect } from 'chai';
import { Evaluator, formatSampleValue, type EvalValue } from '../../src/promql/evaluator.js';
import { labelsKey } from '../../src/promql/labels.js';
import { parsePromql } from '../../src/promql/parse-promql.js';
import type { RawSeries } from '../../src/promql/series-source.js';
import { labelsObj, MemorySource, series } from './promql-test-helpers.js';

/** Evaluates an instant query at `t` seconds; returns { labelsKey: value } for vectors, or the scalar. */
async function instant(data: RawSeries[], q: string, t: number): Promise<Record<string, number> | number> {
  const ev = new Evaluator(new MemorySource(data), { startMs: t * 1000, endMs: t * 1000, stepMs: 0 });
  const v = await ev.evaluate(parsePromql(q));
  if (v.type === 'scalar') return v.values[0]!;
  if (v.type !== 'vector') throw new Error(`unexpected ${v.type}`);
  const out: Record<string, number> = {};
  for (const s of v.series) if (s.present[0]) out[JSON.stringify(labelsObj(s.labels))] = s.values[0]!;
  return out;
}

/** Range query: { labels: [values or null per step] }. */
async function range(data: RawSeries[], q: string, start: number, end: number, step: number): Promise<Record<string, Array<number | null>>> {
  const ev = new Evaluator(new MemorySource(data), { startMs: start * 1000, endMs: end * 1000, stepMs: step * 1000 });
  const v: EvalValue = await ev.evaluate(parsePromql(q));
  if (v.type !== 'vector') throw new Error(`unexpected ${v.type}`);
  const out: Record<string, Array<number | null>> = {};
  for (const s of v.series) out[JSON.stringify(labelsObj(s.labels))] = Array.from(s.values, (x, i) => (s.present[i] ? x : null));
  return out;
}

const k = (o: Record<string, string>) => JSON.stringify(o);
const close = (a: number, b: number) => expect(Math.abs(a - b), `${a} vs ${b}`).to.be.lessThan(1e-9);

describe('promql evaluator', () => {
  describe('rate / increase / delta extrapolation (hand-computed)', () => {
    it('samples covering the window: no extrapolation', async () => {
      const d = [series({ __name__: 'c' }, [[0, 0], [15, 15], [30, 30], [45, 45], [60, 60]])];
      expect(await instant(d, 'rate(c[1m])', 60)).to.deep.equal({ '{}': 1 });
      expect(await instant(d, 'increase(c[1m])', 60)).to.deep.equal({ '{}': 60 });
    });

    it('extrapolates to both window edges when gaps are within 1.1x the average interval', async () => {
      // 10..55 every 15s, window [0,60]: 45 + 10 (start) + 5 (end) = 60s covered.
      const d = [series({ __name__: 'c' }, [[10, 10], [25, 25], [40, 40], [55, 55]])];
      close((await instant(d, 'increase(c[1m])', 60) as Record<string, number>)['{}']!, 60);
      close((await instant(d, 'rate(c[1m])', 60) as Record<string, number>)['{}']!, 1);
    });

    it('counter resets add the value before the reset', async () => {
      // The window (0s, 60s] is left-open: the sample at 0s is out; 10,2,7 at 20,40,60.
      // 7 - 10 + 10 (the reset) = 7 over 40s, extrapolated 20s to the start: 7 * 60/40 = 10.5.
      const d = [series({ __name__: 'c' }, [[0, 5], [20, 10], [40, 2], [60, 7]])];
      close((await instant(d, 'increase(c[1m])', 60) as Record<string, number>)['{}']!, 10.5);
      close((await instant(d, 'rate(c[1m])', 60) as Record<string, number>)['{}']!, 0.175);
      expect(await instant(d, 'resets(c[1m])', 60)).to.deep.equal({ '{}': 1 });
      expect(await instant(d, 'changes(c[1m])', 60)).to.deep.equal({ '{}': 2 });
    });

    it('a far window start extrapolates only half an interval', async () => {
      // 100,110,120 at 30,40,50; start gap 30 >= 11 -> +5; end gap 10 < 11 -> +10: 20 * 35/20 = 35.
      const d = [series({ __name__: 'c' }, [[30, 100], [40, 110], [50, 120]])];
      close((await instant(d, 'increase(c[1m])', 60) as Record<string, number>)['{}']!, 35);
      close((await instant(d, 'rate(c[1m])', 60) as Record<string, number>)['{}']!, 35 / 60);
      close((await instant(d, 'delta(c[1m])', 60) as Record<string, number>)['{}']!, 35);
    });

    it('counters do not extrapolate below zero', async () => {
      // 1,11,21 at 30,40,50: zero point 1s before the first sample -> 20 + 1 + 10 = 31.
      const d = [series({ __name__: 'c' }, [[30, 1], [40, 11], [50, 21]])];
      close((await instant(d, 'increase(c[1m])', 60) as Record<string, number>)['{}']!, 31);
      // delta is for gauges: no zero clamp -> 35
      close((await instant(d, 'delta(c[1m])', 60) as Record<string, number>)['{}']!, 35);
    });

    it('irate and idelta use the last two samples; fewer than two samples give nothing', async () => {
      const d = [series({ __name__: 'c' }, [[30, 1], [40, 11], [50, 21]]), series({ __name__: 'c', one: 'x' }, [[50, 3]])];
      expect(await instant(d, 'irate(c[1m])', 60)).to.deep.equal({ '{}': 1 });
      expect(await instant(d, 'idelta(c[1m])', 60)).to.deep.equal({ '{}': 10 });
      expect(await instant(d, 'rate(c{one="x"}[1m])', 60)).to.deep.equal({});
    });

    it('irate after a reset uses the new value', async () => {
      const d = [series({ __name__: 'c' }, [[40, 50], [50, 5]])];
      expect(await instant(d, 'irate(c[1m])', 60)).to.deep.equal({ '{}': 0.5 });
    });
  });

  describe('lookback and staleness', () => {
    const d = [
      series({ __name__: 'x' }, [[0, 1], [60, 2], [120, NaN]], [120]),
      series({ __name__: 'y' }, [[0, 7]]),
    ];
    it('an instant selector takes the newest sample within 5m (left-open: exactly 5m old is too old)', async () => {
      expect(await instant(d, 'y', 299)).to.deep.equal({ '{"__name__":"y"}': 7 });
      expect(await instant(d, 'y', 300)).to.deep.equal({});
      expect(await instant(d, 'x', 100)).to.deep.equal({ '{"__name__":"x"}': 2 });
    });
    it('a stale marker ends the series at once', async () => {
      expect(await instant(d, 'x', 130)).to.deep.equal({});
      expect(await range(d, 'x', 0, 400, 100)).to.deep.equal({ '{"__name__":"x"}': [1, 2, null, null, null] });
    });
    it('stale markers are not samples of a range', async () => {
      expect(await instant(d, 'count_over_time(x[5m])', 130)).to.deep.equal({ '{}': 2 });
      expect(await instant(d, 'last_over_time(x[5m])', 130)).to.deep.equal({ '{"__name__":"x"}': 2 });
    });
    it('offset and @ move the evaluation time', async () => {
      expect(await instant(d, 'x offset 1m', 100)).to.deep.equal({ '{"__name__":"x"}': 1 });
      expect(await instant(d, 'x @ 60', 1000)).to.deep.equal({ '{"__name__":"x"}': 2 });
      expect(await range(d, 'x @ start()', 60, 600, 270)).to.deep.equal({ '{"__name__":"x"}': [2, 2, 2] });
      expect(await range(d, 'y @ end()', 0, 200, 100)).to.deep.equal({ '{"__name__":"y"}': [7, 7, 7] });
      expect(await instant(d, 'timestamp(x)', 100)).to.deep.equal({ '{}': 60 });
      expect(await instant(d, 'timestamp(x offset 1m)', 100)).to.deep.equal({ '{}': 0 });
    });
    it('a lookback given to the evaluator applies', async () => {
      const ev = new Evaluator(new MemorySource(d), { startMs: 100_000, endMs: 100_000, stepMs: 0, lookbackMs: 30_000 });
      const v = await ev.evaluate(parsePromql('y'));
      expect(v.type === 'vector' && v.series.length).to.equal(0);
    });
  });

  describe('binary operators and vector matching', () => {
    const d = [
      series({ __name__: 'a', i: '1', j: 'x' }, [[0, 10]]),
      series({ __name__: 'a', i: '2', j: 'y' }, [[0, 20]]),
      series({ __name__: 'b', i: '1' }, [[0, 2]]),
      series({ __name__: 'b', i: '2' }, [[0, 4]]),
      series({ __name__: 'c', i: '1', k: 'kk' }, [[0, 1]]),
      series({ __name__: 'dup', i: '1', z: '1' }, [[0, 1]]),
      series({ __name__: 'dup', i: '1', z: '2' }, [[0, 1]]),
    ];
    it('one-to-one on/ignoring keeps the matching labels and drops __name__', async () => {
      expect(await instant(d, 'a / on(i) b', 0)).to.deep.equal({ [k({ i: '1' })]: 5, [k({ i: '2' })]: 5 });
      expect(await instant(d, 'a / ignoring(j) b', 0)).to.deep.equal({ [k({ i: '1' })]: 5, [k({ i: '2' })]: 5 });
      expect(await instant(d, 'a > on(i) b', 0)).to.deep.equal({ [k({ i: '1' })]: 10, [k({ i: '2' })]: 20 });
      expect(await instant(d, 'a < bool on(i) b', 0)).to.deep.equal({ [k({ i: '1' })]: 0, [k({ i: '2' })]: 0 });
      expect(await instant(d, 'a / b', 0)).to.deep.equal({});
    });
    it('group_left / group_right copy labels from the one side', async () => {
      expect(await instant(d, 'a * on(i) group_left(k) c', 0)).to.deep.equal({ [k({ i: '1', j: 'x', k: 'kk' })]: 10 });
      expect(await instant(d, 'c - on(i) group_right(k) a', 0)).to.deep.equal({ [k({ i: '1', j: 'x', k: 'kk' })]: -9 });
      expect(await instant(d, 'b + on(i) group_right dup', 0)).to.deep.equal({ [k({ i: '1', z: '1' })]: 3, [k({ i: '1', z: '2' })]: 3 });
    });
    it('duplicates on the one side are an error', async () => {
      let err: Error | undefined;
      try { await instant(d, 'b + on(i) dup', 0); } catch (e) { err = e as Error; }
      expect(err?.message).to.match(/found duplicate series for the match group .* many-to-many matching not allowed/);
      err = undefined;
      try { await instant(d, 'dup + on(i) b', 0); } catch (e) { err = e as Error; }
      expect(err?.message).to.match(/many-to-one matching must be explicit/);
    });
    it('set operators', async () => {
      expect(Object.keys(await instant(d, 'a and b', 0))).to.have.length(0);
      expect(Object.keys(await instant(d, 'a and on(i) b', 0))).to.have.length(2);
      expect(await instant(d, 'a unless on(i) b{i="1"}', 0)).to.deep.equal({ [k({ __name__: 'a', i: '2', j: 'y' })]: 20 });
      expect(Object.keys(await instant(d, 'a or b', 0))).to.have.length(4);
      expect(Object.keys(await instant(d, 'a or on(i) b', 0))).to.have.length(2);
    });
    it('scalar/vector arithmetic and comparison', async () => {
      expect(await instant(d, 'a * 2', 0)).to.deep.equal({ [k({ i: '1', j: 'x' })]: 20, [k({ i: '2', j: 'y' })]: 40 });
      expect(await instant(d, 'a > 15', 0)).to.deep.equal({ [k({ __name__: 'a', i: '2', j: 'y' })]: 20 });
      expect(await instant(d, '15 < a', 0)).to.deep.equal({ [k({ __name__: 'a', i: '2', j: 'y' })]: 20 });
      expect(await instant(d, 'a > bool 15', 0)).to.deep.equal({ [k({ i: '1', j: 'x' })]: 0, [k({ i: '2', j: 'y' })]: 1 });
      expect(await instant(d, '2 ^ 3 ^ 2', 0)).to.equal(512);
      expect(await instant(d, '-2 ^ 2', 0)).to.equal(-4);
      expect(await instant(d, '7 % 4 + 1 / 0', 0)).to.equal(Infinity);
      expect(await instant(d, '5 > bool 4', 0)).to.equal(1);
      expect(await instant(d, '-a{i="1"}', 0)).to.deep.equal({ [k({ i: '1', j: 'x' })]: -10 });
    });
  });

  describe('aggregations', () => {
    const d = [
      series({ __name__: 'a', i: '1', j: 'x' }, [[0, 10]]),
      series({ __name__: 'a', i: '2', j: 'x' }, [[0, 20]]),
      series({ __name__: 'a', i: '3', j: 'y' }, [[0, 30]]),
      series({ __name__: 'n', i: '1' }, [[0, NaN]]),
      series({ __name__: 'n', i: '2' }, [[0, 5]]),
    ];
    it('sum / avg / count / min / max / group by and without', async () => {
      expect(await instant(d, 'sum by (j) (a)', 0)).to.deep.equal({ [k({ j: 'x' })]: 30, [k({ j: 'y' })]: 30 });
      expect(await instant(d, 'sum without (i) (a)', 0)).to.deep.equal({ [k({ j: 'x' })]: 30, [k({ j: 'y' })]: 30 });
      expect(await instant(d, 'avg(a)', 0)).to.deep.equal({ '{}': 20 });
      expect(await instant(d, 'count(a) by (j)', 0)).to.deep.equal({ [k({ j: 'x' })]: 2, [k({ j: 'y' })]: 1 });
      expect(await instant(d, 'min(a)', 0)).to.deep.equal({ '{}': 10 });
      expect(await instant(d, 'max(a)', 0)).to.deep.equal({ '{}': 30 });
      expect(await instant(d, 'group by (j) (a)', 0)).to.deep.equal({ [k({ j: 'x' })]: 1, [k({ j: 'y' })]: 1 });
      expect(await instant(d, 'sum by (__name__) (a)', 0)).to.deep.equal({ [k({ __name__: 'a' })]: 60 });
    });
    it('stddev / stdvar / quantile', async () => {
      close((await instant(d, 'stdvar(a)', 0) as Record<string, number>)['{}']!, 200 / 3);
      close((await instant(d, 'stddev(a)', 0) as Record<string, number>)['{}']!, Math.sqrt(200 / 3));
      expect(await instant(d, 'quantile(0.5, a)', 0)).to.deep.equal({ '{}': 20 });
      expect(await instant(d, 'quantile(0.75, a)', 0)).to.deep.equal({ '{}': 25 });
      expect(await instant(d, 'quantile(2, a)', 0)).to.deep.equal({ '{}': Infinity });
    });
    it('topk / bottomk keep the series labels; count_values counts by value', async () => {
      expect(await instant(d, 'topk(1, a)', 0)).to.deep.equal({ [k({ __name__: 'a', i: '3', j: 'y' })]: 30 });
      expect(await instant(d, 'bottomk by (j) (1, a)', 0)).to.deep.equal({ [k({ __name__: 'a', i: '1', j: 'x' })]: 10, [k({ __name__: 'a', i: '3', j: 'y' })]: 30 });
      expect(await instant(d, 'topk(0, a)', 0)).to.deep.equal({});
      expect(await instant(d, 'count_values("v", a)', 0)).to.deep.equal({ [k({ v: '10' })]: 1, [k({ v: '20' })]: 1, [k({ v: '30' })]: 1 });
    });
    it('NaN: max/min skip it unless alone; sum propagates it', async () => {
      expect(await instant(d, 'max(n)', 0)).to.deep.equal({ '{}': 5 });
      expect(await instant(d, 'min(n)', 0)).to.deep.equal({ '{}': 5 });
      expect(Number.isNaN((await instant(d, 'sum(n)', 0) as Record<string, number>)['{}'])).to.equal(true);
      expect(await instant(d, 'topk(1, n)', 0)).to.deep.equal({ [k({ __name__: 'n', i: '2' })]: 5 });
    });
    it('an empty input gives an empty result', async () => {
      expect(await instant(d, 'sum(nothing)', 0)).to.deep.equal({});
      expect(await instant(d, 'count(nothing)', 0)).to.deep.equal({});
    });
  });

  describe('functions', () => {
    const d = [
      series({ __name__: 'g', i: '1' }, [[0, 0], [10, 20], [20, 40], [30, 60]]),
      series({ __name__: 'v', i: '1', s: 'a-b' }, [[0, -2.5]]),
      series({ __name__: 'infs' }, [[0, Infinity], [10, -Infinity]]),
      series({ __name__: 'h_bucket', le: '0.1' }, [[0, 10]]),
      series({ __name__: 'h_bucket', le: '0.5' }, [[0, 20]]),
      series({ __name__: 'h_bucket', le: '1' }, [[0, 30]]),
      series({ __name__: 'h_bucket', le: '+Inf' }, [[0, 40]]),
    ];
    it('deriv and predict_linear (least squares)', async () => {
      close((await instant(d, 'deriv(g[1m])', 30) as Record<string, number>)[k({ i: '1' })]!, 2);
      close((await instant(d, 'predict_linear(g[1m], 100)', 30) as Record<string, number>)[k({ i: '1' })]!, 260);
    });
    it('*_over_time', async () => {
      expect(await instant(d, 'avg_over_time(g[1m])', 30)).to.deep.equal({ [k({ i: '1' })]: 30 });
      expect(await instant(d, 'sum_over_time(g[1m])', 30)).to.deep.equal({ [k({ i: '1' })]: 120 });
      expect(await instant(d, 'min_over_time(g[1m])', 30)).to.deep.equal({ [k({ i: '1' })]: 0 });
      expect(await instant(d, 'max_over_time(g[15s])', 30)).to.deep.equal({ [k({ i: '1' })]: 60 });
      expect(await instant(d, 'count_over_time(g[15s])', 30)).to.deep.equal({ [k({ i: '1' })]: 2 });
      expect(await instant(d, 'present_over_time(g[1m])', 30)).to.deep.equal({ [k({ i: '1' })]: 1 });
      expect(await instant(d, 'quantile_over_time(0.5, g[1m])', 30)).to.deep.equal({ [k({ i: '1' })]: 30 });
      close((await instant(d, 'stdvar_over_time(g[1m])', 30) as Record<string, number>)[k({ i: '1' })]!, 500);
      close((await instant(d, 'stddev_over_time(g[1m])', 30) as Record<string, number>)[k({ i: '1' })]!, Math.sqrt(500));
      expect(await instant(d, 'absent_over_time(g[1m])', 30)).to.deep.equal({});
      expect(await instant(d, 'absent_over_time(nope{a="b"}[1m])', 30)).to.deep.equal({ [k({ a: 'b' })]: 1 });
      expect(Number.isNaN((await instant(d, 'sum_over_time(infs[1m])', 10) as Record<string, number>)['{}'])).to.equal(true);
    });
    it('math, clamp, round, sgn', async () => {
      expect(await instant(d, 'abs(v)', 0)).to.deep.equal({ [k({ i: '1', s: 'a-b' })]: 2.5 });
      expect(await instant(d, 'ceil(v)', 0)).to.deep.equal({ [k({ i: '1', s: 'a-b' })]: -2 });
      expect(await instant(d, 'floor(v)', 0)).to.deep.equal({ [k({ i: '1', s: 'a-b' })]: -3 });
      expect(await instant(d, 'round(v)', 0)).to.deep.equal({ [k({ i: '1', s: 'a-b' })]: -2 });
      expect(await instant(d, 'round(v, 5)', 0)).to.deep.equal({ [k({ i: '1', s: 'a-b' })]: 0 });
      expect(await instant(d, 'sgn(v)', 0)).to.deep.equal({ [k({ i: '1', s: 'a-b' })]: -1 });
      expect(await instant(d, 'clamp(v, -1, 1)', 0)).to.deep.equal({ [k({ i: '1', s: 'a-b' })]: -1 });
      expect(await instant(d, 'clamp(v, 1, -1)', 0)).to.deep.equal({});
      expect(await instant(d, 'clamp_min(v, 0)', 0)).to.deep.equal({ [k({ i: '1', s: 'a-b' })]: 0 });
      expect(await instant(d, 'clamp_max(v, -3)', 0)).to.deep.equal({ [k({ i: '1', s: 'a-b' })]: -3 });
      expect(await instant(d, 'exp(vector(0)) + ln(vector(1)) + log2(vector(8)) + log10(vector(100)) + sqrt(vector(16))', 0)).to.deep.equal({ '{}': 10 });
      expect(await instant(d, 'abs(infs)', 0)).to.deep.equal({ '{}': Infinity });
    });
    it('time, vector, scalar, timestamp, absent', async () => {
      expect(await instant(d, 'time()', 42)).to.equal(42);
      expect(await instant(d, 'vector(3)', 0)).to.deep.equal({ '{}': 3 });
      expect(await instant(d, 'scalar(v)', 0)).to.equal(-2.5);
      expect(Number.isNaN(await instant(d, 'scalar(h_bucket)', 0) as number)).to.equal(true);
      expect(await instant(d, 'absent(nope{job="j", x=~"y"})', 0)).to.deep.equal({ [k({ job: 'j' })]: 1 });
      expect(await instant(d, 'absent(v)', 0)).to.deep.equal({});
      expect(await instant(d, 'absent(sum(nope))', 0)).to.deep.equal({ '{}': 1 });
    });
    it('time functions in UTC', async () => {
      // 2024-02-29T13:45:00Z = 1709214300
      const t = 1709214300;
      expect(await instant(d, 'year()', t)).to.deep.equal({ '{}': 2024 });
      expect(await instant(d, 'month()', t)).to.deep.equal({ '{}': 2 });
      expect(await instant(d, 'day_of_month()', t)).to.deep.equal({ '{}': 29 });
      expect(await instant(d, 'day_of_week()', t)).to.deep.equal({ '{}': 4 });
      expect(await instant(d, 'day_of_year()', t)).to.deep.equal({ '{}': 60 });
      expect(await instant(d, 'days_in_month()', t)).to.deep.equal({ '{}': 29 });
      expect(await instant(d, 'hour()', t)).to.deep.equal({ '{}': 13 });
      expect(await instant(d, 'minute(vector(1709214300))', 0)).to.deep.equal({ '{}': 45 });
    });
    it('label_replace and label_join keep __name__', async () => {
      expect(await instant(d, 'label_replace(v, "x", "$1+${2}", "s", "(.*)-(.*)")', 0))
        .to.deep.equal({ [k({ __name__: 'v', i: '1', s: 'a-b', x: 'a+b' })]: -2.5 });
      expect(await instant(d, 'label_replace(v, "x", "$1", "s", "nomatch")', 0)).to.deep.equal({ [k({ __name__: 'v', i: '1', s: 'a-b' })]: -2.5 });
      expect(await instant(d, 'label_replace(v, "s", "", "s", ".*")', 0)).to.deep.equal({ [k({ __name__: 'v', i: '1' })]: -2.5 });
      expect(await instant(d, 'label_join(v, "x", "/", "i", "s", "missing")', 0)).to.deep.equal({ [k({ __name__: 'v', i: '1', s: 'a-b', x: '1/a-b/' })]: -2.5 });
    });
    it('histogram_quantile over classic buckets', async () => {
      expect(await instant(d, 'histogram_quantile(0.5, h_bucket)', 0)).to.deep.equal({ '{}': 0.5 });
      expect(await instant(d, 'histogram_quantile(0.25, h_bucket)', 0)).to.deep.equal({ '{}': 0.1 });
      expect(await instant(d, 'histogram_quantile(0.9, h_bucket)', 0)).to.deep.equal({ '{}': 1 });
      expect(await instant(d, 'histogram_quantile(-1, h_bucket)', 0)).to.deep.equal({ '{}': -Infinity });
      expect(Number.isNaN((await instant(d, 'histogram_quantile(0.5, h_bucket{le!="+Inf"})', 0) as Record<string, number>)['{}'])).to.equal(true);
    });
    it('sort and sort_desc order an instant vector', async () => {
      const ev = new Evaluator(new MemorySource(d), { startMs: 0, endMs: 0, stepMs: 0 });
      const v = await ev.evaluate(parsePromql('sort_desc(h_bucket)'));
      expect(v.type === 'vector' && v.series.map((s) => s.values[0])).to.deep.equal([40, 30, 20, 10]);
      const w = await ev.evaluate(parsePromql('sort(h_bucket)'));
      expect(w.type === 'vector' && w.series.map((s) => s.values[0])).to.deep.equal([10, 20, 30, 40]);
    });
    it('a function producing duplicate label sets is an error', async () => {
      const dd = [series({ __name__: 'p', i: '1' }, [[0, 1], [10, 2]]), series({ __name__: 'q', i: '1' }, [[0, 1], [10, 2]])];
      let err: Error | undefined;
      try { await instant(dd, 'rate({__name__=~"p|q"}[1m])', 10); } catch (e) { err = e as Error; }
      expect(err?.message).to.contain('vector cannot contain metrics with the same labelset');
    });
  });

  describe('range evaluation and subqueries', () => {
    const d = [series({ __name__: 'c' }, Array.from({ length: 61 }, (_, i) => [i * 10, i * 10] as [number, number]))];
    it('evaluates every step start..end', async () => {
      expect(await range(d, 'rate(c[1m])', 60, 300, 60)).to.deep.equal({ '{}': [1, 1, 1, 1, 1] });
      expect(await range(d, 'c', 0, 20, 10)).to.deep.equal({ '{"__name__":"c"}': [0, 10, 20] });
    });
    it('a subquery evaluates its inner expression on an aligned grid', async () => {
      // inner c at 60,120,...: max over (t-5m, t] of c sampled every minute = the newest aligned minute
      expect(await range(d, 'max_over_time(c[5m:1m])', 90, 210, 60)).to.deep.equal({ '{}': [60, 120, 180] });
      // (0s, 300s]: 60, 120, ..., 300 (0s is the window's open start)
      expect(await range(d, 'count_over_time(c[5m:1m])', 300, 300, 60)).to.deep.equal({ '{}': [5] });
      expect(await range(d, 'min_over_time(rate(c[1m])[2m:30s])', 300, 300, 60)).to.deep.equal({ '{}': [1] });
    });
    it('an instant query of a range selector returns raw samples', async () => {
      const ev = new Evaluator(new MemorySource(d), { startMs: 30_000, endMs: 30_000, stepMs: 0 });
      const v = await ev.evaluate(parsePromql('c[20s]'));
      expect(v.type).to.equal('matrix');
      // (10s, 30s]: the sample at 10s sits on the open start
      if (v.type === 'matrix') expect(Array.from(v.series[0]!.t)).to.deep.equal([20_000, 30_000]);
    });
    it('pushes the needed time range to the source (lookback, range, offset)', async () => {
      const src = new MemorySource(d);
      await new Evaluator(src, { startMs: 600_000, endMs: 900_000, stepMs: 60_000 }).evaluate(parsePromql('rate(c[2m] offset 1m) + c'));
      expect(src.requests.map((r) => [r.minMs, r.maxMs])).to.deep.equal([[420_000, 840_000], [300_000, 900_000]]);
    });
    it('refuses to hold more samples than maxSamples', async () => {
      let err: Error | undefined;
      try {
        await new Evaluator(new MemorySource(d), { startMs: 0, endMs: 600_000, stepMs: 10_000, maxSamples: 100 }).evaluate(parsePromql('c'));
      } catch (e) { err = e as Error; }
      expect(err?.message).to.equal('query processing would load too many samples into memory in query execution');
      const ok = await new Evaluator(new MemorySource(d), { startMs: 0, endMs: 600_000, stepMs: 10_000, maxSamples: 1000 }).evaluate(parsePromql('c'));
      expect(ok.type).to.equal('vector');
    });
    it('refuses more than 11000 steps', () => {
      expect(() => new Evaluator(new MemorySource(d), { startMs: 0, endMs: 11_000_000, stepMs: 1000 })).to.throw(/maximum resolution/);
    });
  });

  it('formats sample values like Go strconv.FormatFloat(f, \'f\', -1, 64)', () => {
    expect([1, 0.1, -2.5, 1e21, 1.5e-7, NaN, Infinity, -Infinity, 123456789012].map(formatSampleValue))
      .to.deep.equal(['1', '0.1', '-2.5', '1000000000000000000000', '0.00000015', 'NaN', '+Inf', '-Inf', '123456789012']);
  });

  it('label keys are stable regardless of construction order', () => {
    expect(labelsKey(series({ b: '2', a: '1' }, []).labels)).to.equal(labelsKey(series({ a: '1', b: '2' }, []).labels));
  });
});

describe('promql functions: every function on empty, NaN and Inf input', () => {
  const d = [
    series({ __name__: 'nanv' }, [[0, NaN], [10, NaN]]),
    series({ __name__: 'pinf' }, [[0, Infinity], [10, Infinity]]),
    series({ __name__: 'ninf' }, [[0, -Infinity], [10, -Infinity]]),
  ];
  const argsFor = (name: string, sig: { args: readonly string[]; optional?: number }, input: string): string | undefined => {
    const args = sig.args.map((t, i) => {
      if (t === 'matrix') return `${input}[1m]`;
      if (t === 'vector') return input;
      if (t === 'scalar') {
        // smoothing and trend factors must lie strictly between 0 and 1
        return name === 'quantile_over_time' || name === 'histogram_quantile' || name === 'double_exponential_smoothing' || name === 'holt_winters' ? '0.5'
          : name === 'clamp' && i === 2 ? '10' : '1';
      }
      return name === 'label_replace' && i === 4 ? '"(.*)"' : '"x"';
    });
    if (!sig.args.some((a) => a === 'vector' || a === 'matrix')) return undefined;
    return `${name}(${args.join(', ')})`;
  };

  it('on a selector that matches nothing, every function gives an empty result except absent*', async () => {
    const { FUNCTIONS } = await import('../../src/promql/function-signatures.js');
    for (const [name, sig] of FUNCTIONS) {
      const q = argsFor(name, sig, 'nothing');
      if (!q) continue;
      const r = await instant(d, q, 10);
      if (name === 'absent' || name === 'absent_over_time') expect(r, q).to.deep.equal({ '{}': 1 });
      else if (name === 'scalar') expect(Number.isNaN(r as number), q).to.equal(true);
      else expect(r, q).to.deep.equal({});
    }
  });

  it('NaN and Inf flow through every function without errors, with Prometheus values where defined', async () => {
    const { FUNCTIONS } = await import('../../src/promql/function-signatures.js');
    for (const input of ['nanv', 'pinf', 'ninf']) {
      for (const [name, sig] of FUNCTIONS) {
        const q = argsFor(name, sig, input);
        if (!q) continue;
        await instant(d, q, 10);
      }
    }
    const v = async (q: string) => Object.values(await instant(d, q, 10) as Record<string, number>)[0];
    expect(await v('abs(ninf)')).to.equal(Infinity);
    expect(Number.isNaN(await v('sgn(nanv)'))).to.equal(true);
    expect(await v('clamp(pinf, 0, 5)')).to.equal(5);
    expect(Number.isNaN(await v('clamp(nanv, 0, 5)'))).to.equal(true);
    expect(await v('rate(pinf[1m])')).to.satisfy((x: number) => Number.isNaN(x));
    expect(await v('max_over_time(nanv[1m])')).to.satisfy((x: number) => Number.isNaN(x));
    expect(await v('count_over_time(nanv[1m])')).to.equal(2);
    expect(await v('changes(nanv[1m])')).to.equal(0);
    expect(await v('deriv(pinf[1m])')).to.satisfy((x: number) => Number.isNaN(x));
    expect(await v('sum_over_time(pinf[1m])')).to.equal(Infinity);
    expect(await v('avg_over_time(pinf[1m])')).to.equal(Infinity);
    expect(await v('ln(vector(0))')).to.equal(-Infinity);
    expect(Number.isNaN(await v('sqrt(vector(-1))'))).to.equal(true);
    expect(await v('round(pinf)')).to.equal(Infinity);
    expect(await v('timestamp(nanv)')).to.equal(10);
  });
});

describe('promql: series that lose __name__', () => {
  const d = [series({ __name__: 'p', i: '1' }, [[0, 1]]), series({ __name__: 'q', i: '1' }, [[0, 2]]), series({ __name__: 'r', i: '1' }, [[400, 3]])];
  it('collide when they overlap in time', async () => {
    for (const q of ['abs({__name__=~"p|q"})', '{__name__=~"p|q"} * 2', '-{__name__=~"p|q"}', 'timestamp({__name__=~"p|q"})', 'clamp_min({__name__=~"p|q"}, 0)']) {
      let err: Error | undefined;
      try { await instant(d, q, 10); } catch (e) { err = e as Error; }
      expect(err?.message, q).to.equal('vector cannot contain metrics with the same labelset');
    }
  });
  it('merge into one series when their steps do not overlap', async () => {
    expect(await range(d, 'abs({__name__=~"p|r"})', 0, 400, 400)).to.deep.equal({ [JSON.stringify({ i: '1' })]: [1, 3] });
  });
});
