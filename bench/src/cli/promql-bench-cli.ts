#!/usr/bin/env node
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { renderPromqlReport, runPromqlBench, writePromqlResults } from '../promql/promql-bench.js';
import { PROMQL_BENCH_QUERIES } from '../promql/promql-queries.js';

const HELP = `usage: promql-bench-cli [options]   (npm run bench:promql -- [options])

Loads the same TSBS cpu-only samples into Strata and Prometheus (remote write
into both), then runs PromQL range queries (step 60 s) over 1 h, 12 h and 24 h
on both and prints medians and the Strata / Prometheus ratio.

options:
  --hosts N          hosts (default 40; --full = 100)
  --hours H          hours of data at 10 s (default 24)
  --full             the full TSBS scale: 100 hosts x 24 h
  --ranges a,b       query ranges in hours (default 1,12,24)
  --queries a,b      query names (default all: ${PROMQL_BENCH_QUERIES.map((q) => q.name).join(', ')})
  --repeats N        timed runs per system and query (default 5, after a warm-up)
  --seed N           data seed (default 123)
  --workers N        concurrent writers (default 4)
  --batch N          rows per remote-write request (default 2000)
  --cpu-prof DIR     run Strata under node --cpu-prof, profiles into DIR
  --time-limit MIN   hard bound of the run (default 15)
  --strata-root DIR  repository whose kernel/dist/src/cli/bin.js runs (default: this checkout)
  --results DIR      where JSON/Markdown go (default bench/results)
  --keep             keep the temp work dir
`;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      hosts: { type: 'string' }, hours: { type: 'string' }, full: { type: 'boolean' }, ranges: { type: 'string' }, queries: { type: 'string' },
      repeats: { type: 'string' }, seed: { type: 'string' }, workers: { type: 'string' }, batch: { type: 'string' }, 'cpu-prof': { type: 'string' },
      'time-limit': { type: 'string' }, 'strata-root': { type: 'string' }, results: { type: 'string' }, keep: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(HELP);
    return;
  }
  const num = (v: string | undefined, d: number, name: string): number => {
    if (v === undefined) return d;
    const n = Number(v);
    if (!Number.isFinite(n) || n <= 0) throw new Error(`--${name} must be a positive number, got '${v}'`);
    return n;
  };
  const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..');
  const queryNames = values.queries?.split(',').map((s) => s.trim());
  for (const q of queryNames ?? []) {
    if (!PROMQL_BENCH_QUERIES.some((x) => x.name === q)) throw new Error(`unknown query '${q}' (known: ${PROMQL_BENCH_QUERIES.map((x) => x.name).join(', ')})`);
  }
  const resultsDir = resolve(values.results ?? resolve(repoRoot, 'bench/results'));
  const results = await runPromqlBench({
    hosts: Math.floor(num(values.hosts, values.full ? 100 : 40, 'hosts')),
    hours: num(values.hours, 24, 'hours'),
    seed: Math.floor(num(values.seed, 123, 'seed')),
    workers: Math.floor(num(values.workers, 4, 'workers')),
    batchRows: Math.floor(num(values.batch, 2000, 'batch')),
    repeats: Math.floor(num(values.repeats, 5, 'repeats')),
    rangesHours: (values.ranges ?? '1,12,24').split(',').map((s) => num(s.trim(), 1, 'ranges')),
    ...(queryNames ? { queryNames } : {}),
    strataRoot: resolve(values['strata-root'] ?? repoRoot),
    resultsDir,
    timeLimitMs: num(values['time-limit'], 15, 'time-limit') * 60_000,
    keepWorkDir: Boolean(values.keep),
    ...(values['cpu-prof'] ? { cpuProfDir: resolve(values['cpu-prof']) } : {}),
    targetRatio: 2,
  });
  process.stdout.write('\n' + renderPromqlReport(results) + '\n');
  const files = await writePromqlResults(results, resultsDir);
  process.stdout.write(`\nresults: ${files.json}\n`);
  process.exit(results.cases.length > 0 && results.cases.every((c) => !c.error) ? 0 : 1);
}

main().catch((err: unknown) => {
  process.stderr.write(`bench:promql: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
