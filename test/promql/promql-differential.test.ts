import type { ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { startPrometheus, stopProcess } from '../protocol-support/prometheus.js';
import { generateDataset, promGet, remoteWrite, startPromqlServer } from './promql-support.js';

/**
 * Differential test against a real Prometheus (Debian package `prometheus`,
 * 2.42 on bookworm, installed by .ci/run from .ci/apt-packages.txt): the same
 * remote-write samples go to Prometheus (--web.enable-remote-write-receiver)
 * and to Strata; a few hundred instant and range queries over functions,
 * operators, matching modes, offsets, @ and subqueries must give the same
 * series and values (relative tolerance 1e-9).
 *
 * Strata runs with the promql plugin's `windowStart: 'inclusive'`: Prometheus 2.x
 * windows are closed, [t - range, t], while Strata's default is GreptimeDB's
 * (and Prometheus 3's) left-open (t - range, t]. The generated samples and the
 * query steps share a grid, so many windows start exactly on a sample and the
 * default would differ from Prometheus 2.42 by that edge rule alone.
 */

type Result = { resultType: string; result: any };

function normalize(data: Result): Map<string, Array<[number, number]>> | number | string {
  const num = (s: string) => Number(s === '+Inf' ? Infinity : s === '-Inf' ? -Infinity : s);
  if (data.resultType === 'scalar') return num(data.result[1]);
  if (data.resultType === 'string') return data.result[1];
  const out = new Map<string, Array<[number, number]>>();
  for (const s of data.result as Array<{ metric: Record<string, string>; value?: [number, string]; values?: Array<[number, string]> }>) {
    const key = JSON.stringify(Object.fromEntries(Object.entries(s.metric).sort(([a], [b]) => (a < b ? -1 : 1))));
    const points = s.value ? [s.value] : s.values!;
    out.set(key, points.map(([t, v]) => [t, num(v)]));
  }
  return out;
}

function sameNumber(a: number, b: number): boolean {
  if (Number.isNaN(a) || Number.isNaN(b)) return Number.isNaN(a) && Number.isNaN(b);
  if (a === b) return true;
  return Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a), Math.abs(b));
}

function diff(p: ReturnType<typeof normalize>, s: ReturnType<typeof normalize>): string | undefined {
  if (typeof p !== 'object' || typeof s !== 'object') {
    if (typeof p === 'number' && typeof s === 'number') return sameNumber(p, s) ? undefined : `scalar ${p} vs ${s}`;
    return p === s ? undefined : `${String(p)} vs ${String(s)}`;
  }
  const pk = [...p.keys()].sort(); const sk = [...s.keys()].sort();
  if (JSON.stringify(pk) !== JSON.stringify(sk)) return `series differ: prometheus ${JSON.stringify(pk).slice(0, 300)} strata ${JSON.stringify(sk).slice(0, 300)}`;
  for (const k of pk) {
    const a = p.get(k)!; const b = s.get(k)!;
    if (a.length !== b.length) return `${k}: ${a.length} points vs ${b.length}: prometheus ${JSON.stringify(a.slice(0, 6))} strata ${JSON.stringify(b.slice(0, 6))}`;
    for (let i = 0; i < a.length; i++) {
      if (a[i]![0] !== b[i]![0] || !sameNumber(a[i]![1], b[i]![1])) return `${k} @${a[i]![0]}: prometheus ${a[i]![1]} (t=${a[i]![0]}) vs strata ${b[i]![1]} (t=${b[i]![0]})`;
    }
  }
  return undefined;
}

/** Query templates; every one runs as instant queries at a few times and as a range query. */
function queries(atSeconds: number): string[] {
  const c = 'http_requests_total';
  const out: string[] = [
    c, `${c}{code="200"}`, `${c}{instance=~"i[12]"}`, `${c}{code!="200", instance!~"i3"}`, 'temperature', 'up',
    '{__name__=~"request_duration_seconds_(sum|count)"}', 'temperature{building="south"}',
    '1 + 2 * 3', '2 ^ 3 ^ 2', '-up', 'up * -1', '(1 + 2) / 4 - 7 % 3', 'time()', 'vector(1)', 'vector(time())', 'scalar(sum(up))',
    'pi()', '5 > bool 3', 'temperature offset 5m', `${c} offset 2m`, `temperature @ ${atSeconds}`, 'up @ start()', 'up @ end()',
  ];
  for (const r of ['1m', '5m', '3m']) {
    for (const f of ['rate', 'irate', 'increase', 'delta', 'idelta', 'deriv', 'resets', 'changes']) out.push(`${f}(${c}[${r}])`);
  }
  for (const f of ['avg', 'min', 'max', 'sum', 'count', 'last', 'present', 'stddev', 'stdvar']) {
    out.push(`${f}_over_time(temperature[5m])`, `${f}_over_time(up[2m])`);
  }
  out.push('quantile_over_time(0.3, temperature[5m])', 'quantile_over_time(0.95, http_requests_total[10m])',
    'absent_over_time(temperature{room="b"}[1m])', 'absent_over_time(nonexistent{job="x"}[5m])',
    'predict_linear(temperature[5m], 600)', 'predict_linear(http_requests_total[10m], 3600)', 'deriv(temperature[10m])');
  for (const agg of ['sum', 'avg', 'min', 'max', 'count', 'group', 'stddev', 'stdvar']) {
    out.push(`${agg}(rate(${c}[5m]))`, `${agg} by (code) (rate(${c}[5m]))`, `${agg} without (instance) (${c})`, `${agg}(temperature) by (building)`);
  }
  out.push(`topk(2, rate(${c}[5m]))`, `bottomk by (code) (1, ${c})`, `quantile(0.7, temperature)`, `quantile by (code) (0.5, rate(${c}[5m]))`,
    'count_values("v", up)', 'count_values by (job) ("value", round(temperature))', 'topk(1, temperature)');
  out.push(
    `rate(${c}[5m]) / on(instance, job) group_left up`,
    `${c} / ignoring(code) group_left sum without (code) (${c})`,
    `sum by (instance) (rate(${c}[5m])) * on(instance) up`,
    `up * on(instance) group_right sum by (instance, code) (${c})`,
    `sum by (instance, code) (${c}) / on(instance) group_left(job) up`,
    'temperature > 20', 'temperature > bool 20', '20 < temperature', 'up == 1', 'up != bool 1', 'temperature <= 19.5',
    `up and on(instance) rate(${c}{code="500"}[5m]) > 0.1`, 'temperature or up', `up unless on(instance) ${c}{instance="i1"}`,
    `${c} and ${c}{code="200"}`, `rate(${c}[5m]) > 0.5 or rate(${c}[5m]) < 0.1`,
    `sum(rate(${c}[5m])) by (code) / ignoring(code) group_left sum(rate(${c}[5m]))`,
    'temperature - temperature offset 1m', 'up + up', 'temperature atan2 up',
  );
  for (const f of ['abs', 'ceil', 'floor', 'round', 'sgn', 'exp', 'ln', 'log2', 'log10', 'sqrt']) out.push(`${f}(temperature)`);
  out.push('round(temperature, 0.5)', 'clamp(temperature, 0, 22)', 'clamp_min(temperature, 21)', 'clamp_max(temperature, 21)', 'clamp(temperature, 5, 1)',
    'exp(temperature / 10)', 'ln(up + 1)', 'timestamp(up)', 'timestamp(sum(up))', 'absent(nonexistent{job="x", a=~"b"})', 'absent(up)',
    'label_replace(up, "host", "$1", "instance", "i(.*)")', 'label_replace(up, "instance", "", "instance", ".*")',
    'label_join(up, "x", "-", "job", "instance")', 'sort(temperature)', 'sort_desc(up)',
    'day_of_week()', 'day_of_month()', 'day_of_year()', 'days_in_month()', 'hour()', 'minute()', 'month()', 'year()', 'minute(timestamp(up))',
    'histogram_quantile(0.5, sum by (le) (rate(request_duration_seconds_bucket[5m])))',
    'histogram_quantile(0.9, sum by (le) (rate(request_duration_seconds_bucket[5m])))',
    'histogram_quantile(0.99, rate(request_duration_seconds_bucket[5m]))',
    'histogram_quantile(0.9, request_duration_seconds_bucket)',
    'rate(request_duration_seconds_sum[5m]) / rate(request_duration_seconds_count[5m])',
    `rate(${c}[5m] offset 10m)`, `sum(rate(${c}[5m] @ end()))`, `increase(${c}[10m] @ ${atSeconds})`,
    `max_over_time(rate(${c}[2m])[10m:1m])`, 'avg_over_time(temperature[10m:30s])', 'min_over_time(sum(up)[5m:])',
    `max_over_time(deriv(temperature[3m])[6m:2m] offset 1m)`, 'count_over_time(up[5m:20s])');
  out.push('up[1m]', 'temperature[2m] offset 1m', `${c}{instance="i1"}[90s] @ ${atSeconds}`,
    'temperature offset -2m', `rate(${c}[5m] offset -1m)`, `max_over_time(temperature[5m:1m] @ ${atSeconds})`,
    `avg_over_time(sum by (code) (rate(${c}[2m]))[10m:2m])`, 'max_over_time(max_over_time(temperature[2m])[6m:1m])',
    `quantile(0.5, temperature / 0)`, 'count_values("v", temperature > 100)', 'count_values("v", up / 0)',
    `sum(${c}) without (instance, code) or on() vector(0)`, `up unless ignoring(instance) up{instance="i2"}`,
    `up or ignoring(instance) ${c}`, '1 > bool 2 == bool 0', `${c} % 7 ^ 0.5`, `-${c} / -2`,
    `sort_desc(sum by (code) (${c}))`, 'histogram_quantile(0.5, request_duration_seconds_bucket{le!="+Inf"})',
    'histogram_quantile(2, sum by (le) (request_duration_seconds_bucket))', 'histogram_quantile(NaN, sum by (le) (request_duration_seconds_bucket))',
    `label_replace(${c}, "short", "$1$2", "instance", "(i)([0-9])")`, 'label_replace(up, "short", "$1", "instance", `i(\\d)`)', 'label_replace(up, "x", "${1}-y", "job", "(?i)(API)")',
    `topk(1, ${c}) by (code)`, `bottomk(2, temperature) * 2`, `count(count by (instance) (${c}))`, 'group(temperature) by (building)',
    `sum by (instance) (increase(${c}[2m])) > bool 30`, `changes(up[10m])`, `resets(${c}[20m])`, 'absent(temperature{room="b"})',
    'abs(temperature{room="c"}) unless temperature > 0', 'timestamp(temperature offset 1m)', 'vector(1) + on() group_left up');
  for (const f of ['avg', 'sum', 'min', 'max', 'count', 'last', 'stddev', 'stdvar']) out.push(`${f}_over_time(odd[2m])`);
  out.push('quantile_over_time(0.5, odd[3m])', 'rate(odd[5m])', 'delta(odd[5m])', 'deriv(odd[5m])', 'changes(odd[5m])', 'resets(odd[5m])',
    'sum(odd)', 'avg(odd)', 'min(odd)', 'max(odd)', 'stddev(odd)', 'quantile(0.5, odd)', 'topk(2, odd)', 'bottomk(1, odd)',
    'count_values("v", odd)', 'odd > 5', 'odd == bool odd', 'odd * 0', 'abs(odd)', 'clamp(odd, 1, 5)', 'round(odd)', 'sgn(odd)',
    'odd{kind="nan"} + on() group_left odd{kind="inf"}', 'sort(odd)', 'max_over_time(odd[5m:1m])', 'predict_linear(odd[5m], 60)');
  out.push('count by (__name__) ({job="api"})', '{job="api", __name__!~"up|http.*", le=""}', 'sum by (__name__) ({__name__=~"request_duration_seconds_(sum|count)"})',
    'rate({__name__=~"request_duration_seconds_(sum|count)"}[5m])', '{__name__="up", instance!="i1"}', 'count({instance=~"i.", __name__!="up"}) by (__name__)',
    'abs({__name__=~"request_duration_seconds_(sum|count)"})', '{__name__=~"up|temperature"} * 1', 'timestamp({__name__=~"request_duration_seconds_(sum|count)"})');
  return out;
}

describe('promql differential: Strata vs Prometheus on the same samples', function () {
  this.timeout(240_000);
  let prom: ChildProcess | undefined;
  let promUrl: string;
  let strata: Awaited<ReturnType<typeof startPromqlServer>>;
  let dir: string;
  // Recent data: Prometheus's head accepts remote-written samples within about an hour of its newest.
  const t0 = Math.floor(Date.now() / 60_000) * 60_000 - 52 * 60_000;
  const data = generateDataset(t0, 50);

  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'strata-promql-diff-'));
    const started = await startPrometheus({
      dir, name: 'prometheus', config: 'global:\n  scrape_interval: 15s\n', home: path.join(dir, 'data'),
      extraArgs: ['--web.enable-remote-write-receiver'],
    });
    prom = started.child;
    promUrl = started.url;
    // Prometheus 2.42's closed windows (see the header); the default is left-open.
    strata = await startPromqlServer({ promql: { windowStart: 'inclusive' } });
    await remoteWrite(`${promUrl}/api/v1/write`, data);
    await remoteWrite(`${strata.url}/v1/prometheus/write`, data);
  });

  after(async () => {
    if (prom) await stopProcess(prom, 5000);
    await strata?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  async function compare(endpoint: string, params: Record<string, string>): Promise<{ mismatch?: string; nonEmpty: boolean }> {
    const [p, s] = await Promise.all([promGet(promUrl, endpoint, params), promGet(`${strata.url}/v1/prometheus`, endpoint, params)]);
    if (p.body.status !== 'success' || s.body.status !== 'success') {
      if (p.body.status === s.body.status && p.body.errorType === s.body.errorType) return { nonEmpty: false };
      return { nonEmpty: false, mismatch: `prometheus ${p.status} ${JSON.stringify(p.body).slice(0, 200)} vs strata ${s.status} ${JSON.stringify(s.body).slice(0, 200)}` };
    }
    const pn = normalize(p.body.data); const sn = normalize(s.body.data);
    if (p.body.data.resultType !== s.body.data.resultType) return { nonEmpty: false, mismatch: `resultType ${p.body.data.resultType} vs ${s.body.data.resultType}` };
    const d = diff(pn, sn);
    return { ...(d ? { mismatch: d } : {}), nonEmpty: typeof pn !== 'object' || pn.size > 0 };
  }

  it('gives the same answers to a few hundred instant and range queries', async () => {
    const at = (t0 + 30 * 60_000) / 1000;
    const qs = queries(at);
    const mismatches: string[] = [];
    let runs = 0; let nonEmpty = 0;
    const instantTimes = [t0 / 1000 + 20 * 60 + 7.5, t0 / 1000 + 31 * 60, t0 / 1000 + 49 * 60 + 13];
    for (const q of qs) {
      for (const time of instantTimes) {
        const r = await compare('query', { query: q, time: String(time) });
        runs++; if (r.nonEmpty) nonEmpty++;
        if (r.mismatch) mismatches.push(`instant ${q} @${time}: ${r.mismatch}`);
      }
      const r = await compare('query_range', { query: q, start: String(t0 / 1000 + 10 * 60), end: String(t0 / 1000 + 48 * 60), step: '37' });
      runs++; if (r.nonEmpty) nonEmpty++;
      if (r.mismatch) mismatches.push(`range ${q}: ${r.mismatch}`);
    }
    expect(qs.length).to.be.greaterThan(200);
    expect(runs).to.be.greaterThan(800);
    expect(nonEmpty, 'most queries should return data').to.be.greaterThan(runs * 0.8);
    expect(mismatches, `${mismatches.length} of ${runs} differ:\n${mismatches.slice(0, 25).join('\n')}`).to.deep.equal([]);
  });

  it('agrees on series and label values', async () => {
    for (const [endpoint, params] of [
      ['series', { 'match[]': 'http_requests_total{code="500"}' }],
      ['label/instance/values', {}],
      ['label/__name__/values', {}],
    ] as Array<[string, Record<string, string>]>) {
      const [p, s] = await Promise.all([promGet(promUrl, endpoint, params), promGet(`${strata.url}/v1/prometheus`, endpoint, params)]);
      const norm = (x: unknown) => JSON.stringify((x as unknown[]).map((e) => (typeof e === 'object' ? JSON.stringify(Object.fromEntries(Object.entries(e as object).sort())) : e)).sort());
      expect(norm(s.body.data), endpoint).to.equal(norm(p.body.data));
    }
  });
});
