#!/usr/bin/env node
import { resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { LOAD_PROTOCOLS, runBench, writeResults, type BenchMode, type LoadProtocol } from '../bench-run.js';
import { renderTextReport } from '../report/text-report.js';
import { QUERY_TYPES, type QueryType } from '../tsbs/tsbs-cpu-queries.js';

const HELP = `usage: bench-cli <compare|ingest|sql> [options]

  compare   load the same TSBS cpu-only data into InfluxDB, VictoriaMetrics and
            Strata (DuckDB as the query reference), run the 7 queries, print a table
  ingest    the load half against Strata (--peers: InfluxDB and VictoriaMetrics too)
  sql       the query half against Strata and DuckDB (--peers: the servers too)

options:
  --hosts N          hosts (default 100)
  --hours H          hours of data at 10 s (default 4; --full = 24)
  --full             the full TSBS scale: 100 hosts x 24 h
  --seed N           data and query seed (default 123)
  --protocol P       how Strata is loaded: http (line protocol, default) | grpc
                     (GreptimeDatabase row inserts) | flight (Arrow Flight DoPut) |
                     sql (multi-row INSERT, at most 1000 rows a statement); peers always
                     get line protocol (Prometheus: remote write)
  --workers N        concurrent writers (default 4)
  --batch N          rows per write (default 5000)
  --queries N        random instances per query type (default 5)
  --repeats N        timed runs per instance (default 3)
  --warmups N        untimed other random instances per query type first (default 5; 0 = none)
  --types a,b        query types (default all seven)
  --peers            also run InfluxDB and VictoriaMetrics (installed with apt-get when missing)
  --no-prometheus    with the peers, skip Prometheus (fed by remote write)
  --no-duckdb        skip the DuckDB reference
  --sql-insert       also load Strata through SQL INSERT (table cpu_sql)
  --wal-sync M       Strata WAL syncMode: always (default) | interval | none
  --time-limit MIN   hard bound of the run (default 15)
  --strata-root DIR  repository whose kernel/dist/src/cli/bin.js runs (default: this checkout)
  --cpu-prof DIR     run Strata under node --cpu-prof (50 us sampling), profiles into DIR
                     (written when it stops); each query type's timed window (monotonic
                     us, the profiles' time base) is in the results JSON as timedWindowUs
  --results DIR      where JSON/SVG/Markdown go (default bench/results)
  --keep             keep the temp work dir (data dirs and logs)
`;

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      hosts: { type: 'string' }, hours: { type: 'string' }, full: { type: 'boolean' }, seed: { type: 'string' },
      protocol: { type: 'string' }, workers: { type: 'string' }, batch: { type: 'string' }, queries: { type: 'string' }, repeats: { type: 'string' }, warmups: { type: 'string' },
      types: { type: 'string' }, peers: { type: 'boolean' }, prometheus: { type: 'boolean' }, 'no-prometheus': { type: 'boolean' }, 'no-duckdb': { type: 'boolean' }, 'sql-insert': { type: 'boolean' },
      'wal-sync': { type: 'string' }, 'time-limit': { type: 'string' }, 'strata-root': { type: 'string' },
      'cpu-prof': { type: 'string' }, results: { type: 'string' }, keep: { type: 'boolean' }, help: { type: 'boolean', short: 'h' },
    },
  });
  const mode = positionals[0] as BenchMode | undefined;
  if (values.help || !mode || !['compare', 'ingest', 'sql'].includes(mode)) {
    process.stdout.write(HELP);
    process.exit(values.help ? 0 : 1);
  }
  const int = (v: string | undefined, d: number, name: string): number => {
    if (v === undefined) return d;
    const n = Number(v);
    if (!Number.isFinite(n) || n <= 0) throw new Error(`--${name} must be a positive number, got '${v}'`);
    return n;
  };
  const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..');
  const types = values.types ? (values.types.split(',').map((s) => s.trim()) as QueryType[]) : [...QUERY_TYPES];
  for (const t of types) if (!QUERY_TYPES.includes(t)) throw new Error(`unknown query type '${t}' (known: ${QUERY_TYPES.join(', ')})`);
  const walSync = (values['wal-sync'] ?? 'always') as 'always' | 'interval' | 'none';
  if (!['always', 'interval', 'none'].includes(walSync)) throw new Error(`--wal-sync must be always, interval or none`);
  const protocol = (values.protocol ?? 'http') as LoadProtocol;
  if (!LOAD_PROTOCOLS.includes(protocol)) throw new Error(`--protocol must be one of ${LOAD_PROTOCOLS.join(', ')}, got '${values.protocol}'`);
  const results = await runBench({
    mode: mode!,
    hosts: Math.floor(int(values.hosts, 100, 'hosts')),
    hours: int(values.hours, values.full ? 24 : 4, 'hours'),
    seed: Math.floor(int(values.seed, 123, 'seed')),
    workers: Math.floor(int(values.workers, 4, 'workers')),
    batchLines: Math.floor(int(values.batch, 5000, 'batch')),
    queriesPerType: Math.floor(int(values.queries, 5, 'queries')),
    repeats: Math.floor(int(values.repeats, 3, 'repeats')),
    warmups: values.warmups === '0' ? 0 : Math.floor(int(values.warmups, 5, 'warmups')),
    peers: mode === 'compare' || Boolean(values.peers),
    prometheus: values.prometheus ?? !values['no-prometheus'],
    duckdb: !values['no-duckdb'],
    sqlInsert: Boolean(values['sql-insert']),
    strataRoot: resolve(values['strata-root'] ?? repoRoot),
    ...(values['cpu-prof'] ? { cpuProfDir: resolve(values['cpu-prof']) } : {}),
    resultsDir: resolve(values.results ?? resolve(repoRoot, 'bench/results')),
    timeLimitMs: int(values['time-limit'], 15, 'time-limit') * 60_000,
    queryTypes: types,
    keepWorkDir: Boolean(values.keep),
    walSyncMode: walSync,
    protocol,
  });
  process.stdout.write('\n' + renderTextReport(results) + '\n');
  const files = await writeResults(results, resolve(values.results ?? resolve(repoRoot, 'bench/results')));
  process.stdout.write(`\nresults: ${files.json}\nchart:   ${files.svg}\n`);
  const strata = results.systems.find((s) => s.name === 'strata');
  process.exit(strata && !strata.error ? 0 : 1);
}

main().catch((err: unknown) => {
  process.stderr.write(`bench: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
