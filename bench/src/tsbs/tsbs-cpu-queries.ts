import { SeededRandom } from './seeded-random.js';
import { CPU_FIELD_KEYS, CPU_TAG_KEYS } from './tsbs-cpu-generator.js';

/** The seven TSBS cpu-only query types the benchmark runs. */
export const QUERY_TYPES = [
  'single-groupby-1-1-1',
  'single-groupby-5-1-12',
  'double-groupby-1',
  'cpu-max-all-1',
  'groupby-orderby-limit',
  'high-cpu-1',
  'lastpoint',
] as const;
export type QueryType = (typeof QUERY_TYPES)[number];

const HOUR_MS = 3_600_000;
// TSBS's windows (cmd/tsbs_generate_queries/uses/devops): 12 h for double-groupby
// and high-cpu, 8 h for cpu-max-all; single-groupby-A-B-C is C hours.
const WINDOW_MS: Record<QueryType, number> = {
  'single-groupby-1-1-1': 1 * HOUR_MS,
  'single-groupby-5-1-12': 12 * HOUR_MS,
  'double-groupby-1': 12 * HOUR_MS,
  'cpu-max-all-1': 8 * HOUR_MS,
  'groupby-orderby-limit': 1 * HOUR_MS,
  'high-cpu-1': 12 * HOUR_MS,
  lastpoint: 0,
};

/** A PromQL range query (VictoriaMetrics' /api/v1/query_range). */
export interface PromRangeQuery {
  /** MetricsQL/PromQL as TSBS's VictoriaMetrics generator writes it. */
  query: string;
  /**
   * The same for Prometheus, whose range functions drop the metric name, so
   * `max(max_over_time({__name__=~...}[1m])) by (__name__)` would collide:
   * one expression per metric, labelled with label_replace, joined by `or`.
   */
  prometheusQuery: string;
  startS: number;
  endS: number;
  stepS: number;
}

/** One query with its random parameters, phrased for every system. */
export interface CpuQuery {
  type: QueryType;
  /** Human description of the parameters. */
  label: string;
  startMs: number;
  endMs: number;
  hosts: string[];
  /** GreptimeDB SQL, as TSBS's greptime generator phrases it (Strata runs this). */
  sql: string;
  /** The same query for DuckDB (timestamps without the zone suffix, arg_max for last_value ... ORDER BY). */
  duckdbSql: string;
  /** InfluxQL, as TSBS's influx generator phrases it. */
  influxql: string;
  /** PromQL as TSBS's victoriametrics generator phrases it; undefined where TSBS has none. */
  promql: PromRangeQuery | undefined;
  /** high-cpu may legitimately find no row above the threshold; the others never answer empty. */
  mayBeEmpty: boolean;
}

export interface QueryGenOptions {
  hostCount: number;
  dataStartMs: number;
  dataEndMs: number;
  seed: number;
}

const TS = 'greptime_timestamp';

function rfc3339(ms: number): string {
  return new Date(ms).toISOString().replace('.000Z', 'Z');
}
function duckTs(ms: number): string {
  return new Date(ms).toISOString().replace('T', ' ').replace('.000Z', '');
}

/**
 * Seeded random instances of the TSBS cpu queries over the data's time range.
 * A window longer than the data (small trial runs) is clamped to the data.
 *
 * @example
 * const qs = makeCpuQueries('lastpoint', 5, { hostCount: 100, dataStartMs, dataEndMs, seed: 7 });
 */
export function makeCpuQueries(type: QueryType, count: number, opts: QueryGenOptions): CpuQuery[] {
  // One stream per type, so adding a type or changing a count elsewhere does
  // not move the parameters of the others.
  const rng = new SeededRandom((opts.seed * 31 + QUERY_TYPES.indexOf(type) * 7919) >>> 0);
  const out: CpuQuery[] = [];
  for (let i = 0; i < count; i++) out.push(makeOne(type, rng, opts));
  return out;
}

function randomWindow(rng: SeededRandom, windowMs: number, opts: QueryGenOptions): [number, number] {
  const span = opts.dataEndMs - opts.dataStartMs;
  if (windowMs >= span) return [opts.dataStartMs, opts.dataEndMs];
  // Whole seconds, as the text forms carry no fraction.
  const start = opts.dataStartMs + Math.floor((rng.next() * (span - windowMs)) / 1000) * 1000;
  return [start, start + windowMs];
}

function randomHosts(rng: SeededRandom, n: number, hostCount: number): string[] {
  return rng.permutation(hostCount).slice(0, n).map((i) => `host_${i}`);
}

function hostWhere(hosts: string[]): string {
  return '(' + hosts.map((h) => `hostname = '${h}'`).join(' or ') + ')';
}

function makeOne(type: QueryType, rng: SeededRandom, opts: QueryGenOptions): CpuQuery {
  const [startMs, endMs] = type === 'lastpoint' ? [opts.dataStartMs, opts.dataEndMs] : randomWindow(rng, WINDOW_MS[type], opts);
  const s = rfc3339(startMs);
  const e = rfc3339(endMs);
  const ds = duckTs(startMs);
  const de = duckTs(endMs);
  const startS = Math.floor(startMs / 1000);
  const endS = Math.floor(endMs / 1000);
  const max = (ms: readonly string[]) => ms.map((m) => `max(${m})`).join(', ');
  switch (type) {
    case 'single-groupby-1-1-1':
    case 'single-groupby-5-1-12': {
      const metrics = CPU_FIELD_KEYS.slice(0, type === 'single-groupby-1-1-1' ? 1 : 5);
      const hosts = randomHosts(rng, 1, opts.hostCount);
      const q = (a: string, b: string) =>
        `SELECT date_trunc('minute', ${TS}) AS minute, ${max(metrics)} FROM cpu WHERE ${hostWhere(hosts)} AND ${TS} >= '${a}' AND ${TS} < '${b}' GROUP BY minute ORDER BY minute`;
      return {
        type, startMs, endMs, hosts,
        label: `${metrics.length} metric(s), ${hosts[0]}, ${s}..${e} by 1m`,
        sql: q(s, e),
        duckdbSql: q(ds, de),
        influxql: `SELECT ${max(metrics)} from cpu where ${hostWhere(hosts)} and time >= '${s}' and time < '${e}' group by time(1m)`,
        promql: {
          query: `max(max_over_time(${promSelector(metrics, hosts)}[1m])) by (__name__)`,
          prometheusQuery: perMetric(metrics, (m) => `max(max_over_time(${promSelector([m], hosts)}[1m]))`),
          startS, endS, stepS: 60,
        },
        mayBeEmpty: false,
      };
    }
    case 'double-groupby-1': {
      const metrics = CPU_FIELD_KEYS.slice(0, 1);
      const q = (a: string, b: string) =>
        `SELECT date_trunc('hour', ${TS}) AS hour, hostname, avg(usage_user) FROM cpu WHERE ${TS} >= '${a}' AND ${TS} < '${b}' GROUP BY hour, hostname ORDER BY hour, hostname`;
      return {
        type, startMs, endMs, hosts: [],
        label: `avg(usage_user), all hosts, ${s}..${e} by 1h`,
        sql: q(s, e),
        duckdbSql: q(ds, de),
        influxql: `SELECT mean(usage_user) from cpu where time >= '${s}' and time < '${e}' group by time(1h),hostname`,
        promql: {
          query: `avg(avg_over_time(${promSelector(metrics, [])}[1h])) by (__name__, hostname)`,
          prometheusQuery: perMetric(metrics, (m) => `avg(avg_over_time(${promSelector([m], [])}[1h])) by (hostname)`),
          startS, endS, stepS: 3600,
        },
        mayBeEmpty: false,
      };
    }
    case 'cpu-max-all-1': {
      const hosts = randomHosts(rng, 1, opts.hostCount);
      const q = (a: string, b: string) =>
        `SELECT date_trunc('hour', ${TS}) AS hour, ${max(CPU_FIELD_KEYS)} FROM cpu WHERE ${hostWhere(hosts)} AND ${TS} >= '${a}' AND ${TS} < '${b}' GROUP BY hour ORDER BY hour`;
      return {
        type, startMs, endMs, hosts,
        label: `max of all 10 fields, ${hosts[0]}, ${s}..${e} by 1h`,
        sql: q(s, e),
        duckdbSql: q(ds, de),
        influxql: `SELECT ${max(CPU_FIELD_KEYS)} from cpu where ${hostWhere(hosts)} and time >= '${s}' and time < '${e}' group by time(1h)`,
        promql: {
          query: `max(max_over_time(${promSelector(CPU_FIELD_KEYS, hosts)}[1h])) by (__name__)`,
          prometheusQuery: perMetric(CPU_FIELD_KEYS, (m) => `max(max_over_time(${promSelector([m], hosts)}[1h]))`),
          startS, endS, stepS: 3600,
        },
        mayBeEmpty: false,
      };
    }
    case 'groupby-orderby-limit': {
      const q = (b: string) =>
        `SELECT date_trunc('minute', ${TS}) AS minute, max(usage_user) FROM cpu WHERE ${TS} < '${b}' GROUP BY minute ORDER BY minute DESC LIMIT 5`;
      return {
        type, startMs: opts.dataStartMs, endMs, hosts: [],
        label: `max(usage_user) of the last 5 minutes before ${e}`,
        sql: q(e),
        duckdbSql: q(de),
        influxql: `SELECT max(usage_user) from cpu where time < '${e}' group by time(1m) limit 5`,
        promql: undefined,
        mayBeEmpty: false,
      };
    }
    case 'high-cpu-1': {
      const hosts = randomHosts(rng, 1, opts.hostCount);
      const q = (a: string, b: string) =>
        `SELECT * FROM cpu WHERE usage_user > 90.0 AND ${hostWhere(hosts)} AND ${TS} >= '${a}' AND ${TS} < '${b}'`;
      return {
        type, startMs, endMs, hosts,
        label: `rows with usage_user > 90, ${hosts[0]}, ${s}..${e}`,
        sql: q(s, e),
        duckdbSql: q(ds, de),
        influxql: `SELECT * from cpu where usage_user > 90.0 and ${hostWhere(hosts)} and time >= '${s}' and time < '${e}'`,
        promql: undefined,
        mayBeEmpty: true,
      };
    }
    case 'lastpoint': {
      const cols = [...CPU_TAG_KEYS.slice(1), ...CPU_FIELD_KEYS];
      return {
        type, startMs, endMs, hosts: [],
        label: 'last row of every host',
        sql:
          'SELECT hostname, ' + cols.map((c) => `last_value(${c} ORDER BY ${TS}) AS ${c}`).join(', ') + ' FROM cpu GROUP BY hostname',
        duckdbSql: 'SELECT hostname, ' + cols.map((c) => `arg_max(${c}, ${TS}) AS ${c}`).join(', ') + ' FROM cpu GROUP BY hostname',
        influxql: 'SELECT * from cpu group by "hostname" order by time desc limit 1',
        promql: undefined,
        mayBeEmpty: false,
      };
    }
  }
}

function perMetric(metrics: readonly string[], expr: (m: string) => string): string {
  if (metrics.length === 1) return expr(metrics[0]!);
  return metrics.map((m) => `label_replace(${expr(m)}, "field", "${m}", "", "")`).join(' or ');
}

function promSelector(metrics: readonly string[], hosts: string[]): string {
  const hostClause = hosts.length === 0 ? '' : hosts.length === 1 ? `hostname='${hosts[0]}'` : `hostname=~'${hosts.join('|')}'`;
  if (metrics.length === 1) return `cpu_${metrics[0]}{${hostClause}}`;
  const names = `__name__=~'cpu_(${metrics.join('|')})'`;
  return hostClause ? `{${names}, ${hostClause}}` : `{${names}}`;
}
