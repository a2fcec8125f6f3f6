/**
 * The PromQL range queries of `npm run bench:promql`: TSBS-flavoured
 * questions over the remote-written cpu data (series `cpu_<field>` with the
 * ten host tags), each asked over several ranges at a 60 s step.
 */
export interface PromqlBenchQuery {
  /** Short name for tables and the results file. */
  readonly name: string;
  readonly query: string;
  readonly description: string;
}

export const PROMQL_BENCH_QUERIES: readonly PromqlBenchQuery[] = [
  {
    name: 'max-rate',
    query: 'max by (hostname) (rate(cpu_usage_user[5m]))',
    description: 'per-host max of a 5m rate (one field, every host)',
  },
  {
    name: 'avg-fields',
    query: 'avg by (hostname) ({__name__=~"cpu_usage_(user|system|idle|nice|iowait)"})',
    description: 'per-host average of five fields (five metrics selected by a __name__ regex)',
  },
  {
    name: 'topk',
    query: 'topk(5, avg_over_time(cpu_usage_user[10m]))',
    description: 'the five busiest hosts at each step by their 10m average',
  },
  {
    name: 'sum-without',
    query: 'sum without (hostname, datacenter, rack, os, arch, team, service, service_version, service_environment) (irate(cpu_usage_system[5m]))',
    description: 'per-region sum of irate (every tag but region dropped)',
  },
];

/** A query of the bench over one range: unix seconds as Prometheus's API takes them. */
export interface PromqlBenchCase {
  readonly query: PromqlBenchQuery;
  readonly rangeHours: number;
  readonly startS: number;
  readonly endS: number;
  readonly stepS: number;
}

/**
 * Every query over every range, each range ending at the last sample's
 * minute (ranges longer than the data are clamped to it).
 *
 * @example
 * const cases = promqlBenchCases(gen.startMs, gen.endMs, [1, 12, 24]);
 */
export function promqlBenchCases(dataStartMs: number, dataEndMs: number, rangesHours: readonly number[], stepS = 60): PromqlBenchCase[] {
  const endS = Math.floor((dataEndMs - 1) / 60_000) * 60;
  const firstS = Math.ceil(dataStartMs / 1000);
  const out: PromqlBenchCase[] = [];
  for (const h of rangesHours) {
    const startS = Math.max(firstS, endS - h * 3600);
    for (const query of PROMQL_BENCH_QUERIES) out.push({ query, rangeHours: h, startS, endS, stepS });
  }
  return out;
}

/** One series of a Prometheus `matrix` answer. */
export interface MatrixSeries {
  readonly metric: Record<string, string>;
  readonly values: ReadonlyArray<[number, string]>;
}

/**
 * Compares two `matrix` answers: same label sets, same timestamps, values
 * within 1e-9 relative. Returns undefined when they agree, else what differs.
 */
export function compareMatrices(a: readonly MatrixSeries[], b: readonly MatrixSeries[]): string | undefined {
  const key = (m: Record<string, string>) => JSON.stringify(Object.keys(m).sort().map((k) => [k, m[k]]));
  const byKey = new Map(b.map((s) => [key(s.metric), s]));
  if (a.length !== b.length) return `${a.length} series vs ${b.length}`;
  for (const s of a) {
    const k = key(s.metric);
    const o = byKey.get(k);
    if (!o) return `series ${k} missing from the peer`;
    if (s.values.length !== o.values.length) return `series ${k}: ${s.values.length} points vs ${o.values.length}`;
    for (let i = 0; i < s.values.length; i++) {
      const [t1, v1] = s.values[i]!;
      const [t2, v2] = o.values[i]!;
      if (t1 !== t2) return `series ${k}: point ${i} at ${t1} vs ${t2}`;
      const x = Number(v1); const y = Number(v2);
      if (Number.isNaN(x) && Number.isNaN(y)) continue;
      if (x !== y && Math.abs(x - y) > 1e-9 * Math.max(1, Math.abs(x), Math.abs(y))) return `series ${k}: at ${t1} ${v1} vs ${v2}`;
    }
  }
  return undefined;
}
