import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { cpus, loadavg, platform, release, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { CPU_FIELD_KEYS, TsbsCpuGenerator } from '../tsbs/tsbs-cpu-generator.js';
import { REMOTE_WRITE_HEADERS, writeRemoteWriteFile } from '../load/remote-write-file.js';
import { loadLinesOverHttp, type LoadResult } from '../load/http-line-loader.js';
import { ensureAptPackage } from '../peers/apt-packages.js';
import { stopStartedProcesses } from '../peers/managed-process.js';
import { PrometheusPeer } from '../peers/prometheus-peer.js';
import { StrataPeer } from '../peers/strata-peer.js';
import { closeHttpAgent, httpRequest } from '../util/http-client.js';
import { median, processCpuSeconds } from '../util/process-stats.js';
import { ProgressBar } from '../util/progress-bar.js';
import { compareMatrices, promqlBenchCases, type MatrixSeries, type PromqlBenchCase } from './promql-queries.js';

export interface PromqlBenchOptions {
  hosts: number;
  hours: number;
  seed: number;
  workers: number;
  batchRows: number;
  /** Timed runs per system and case (after one untimed warm-up). */
  repeats: number;
  rangesHours: number[];
  /** Only these query names (default all). */
  queryNames?: string[];
  strataRoot: string;
  resultsDir: string;
  timeLimitMs: number;
  keepWorkDir: boolean;
  /** Directory for Strata's V8 CPU profile (node --cpu-prof), or undefined. */
  cpuProfDir?: string;
  /** The ratio target: Strata's median at most this times Prometheus's. */
  targetRatio: number;
}

export interface PromqlCaseResult {
  query: string;
  name: string;
  rangeHours: number;
  startS: number;
  endS: number;
  stepS: number;
  series: number;
  points: number;
  strataMs: number[];
  prometheusMs: number[];
  strataMedianMs: number;
  prometheusMedianMs: number;
  ratio: number;
  /**
   * Server CPU time per timed run (all threads, from /proc/PID/stat, summed
   * over the runs: 10 ms ticks, so a mean over 5 runs is good to ~2 ms). Less
   * moved by other work on the machine than wall time.
   */
  strataCpuMs: number;
  prometheusCpuMs: number;
  cpuRatio: number;
  /** Undefined when both answers agree (labels, timestamps, values within 1e-9). */
  mismatch?: string;
  error?: string;
}

export interface PromqlBenchResults {
  startedAt: string;
  durationS: number;
  machine: { cpus: number; cpuModel: string; memoryGiB: number; node: string; os: string; loadAvg1mStart: number; loadAvg1mEnd: number };
  options: Omit<PromqlBenchOptions, 'strataRoot' | 'resultsDir'>;
  data: { rows: number; samples: number; start: string; end: string };
  versions: Record<string, string>;
  loads: Record<string, LoadResult>;
  cases: PromqlCaseResult[];
  notes: string[];
}

const log = (s: string): void => {
  process.stderr.write(`[bench:promql] ${s}\n`);
};

interface Answer { ms: number; result: MatrixSeries[]; text: string }

async function rangeQuery(baseUrl: string, c: PromqlBenchCase, timeoutMs: number): Promise<Answer> {
  const url = `${baseUrl}/api/v1/query_range?query=${encodeURIComponent(c.query.query)}&start=${c.startS}&end=${c.endS}&step=${c.stepS}`;
  const t0 = performance.now();
  const res = await httpRequest(url, { timeoutMs });
  const ms = performance.now() - t0;
  const text = res.body.toString('utf8');
  if (res.status !== 200) throw new Error(`HTTP ${res.status}: ${text.slice(0, 300)}`);
  const answer = JSON.parse(text) as { status: string; data?: { resultType: string; result: MatrixSeries[] }; error?: string };
  if (answer.status !== 'success' || !answer.data) throw new Error(answer.error ?? 'query failed');
  return { ms, result: answer.data.result, text };
}

/**
 * `npm run bench:promql`: the same TSBS cpu samples remote-written into
 * Strata and into Prometheus (Debian's, `--web.enable-remote-write-receiver`)
 * in one run, then every query x range as `query_range` at a 60 s step on
 * both, alternating between the two so machine noise hits both alike.
 * Reports medians, the Strata / Prometheus ratio and whether the answers agree.
 */
export async function runPromqlBench(opts: PromqlBenchOptions): Promise<PromqlBenchResults> {
  const t0 = Date.now();
  const deadlineMs = t0 + opts.timeLimitMs - 30_000;
  const workDir = await mkdtemp(join(tmpdir(), 'strata-bench-promql-'));
  const gen = new TsbsCpuGenerator({ hosts: opts.hosts, hours: opts.hours, seed: opts.seed });
  const notes: string[] = [];
  const results: PromqlBenchResults = {
    startedAt: new Date(t0).toISOString(),
    durationS: 0,
    machine: {
      cpus: cpus().length, cpuModel: cpus()[0]?.model ?? 'unknown', memoryGiB: Math.round(totalmem() / 2 ** 30),
      node: process.version, os: `${platform()} ${release()}`, loadAvg1mStart: loadavg()[0]!, loadAvg1mEnd: NaN,
    },
    options: {
      hosts: opts.hosts, hours: opts.hours, seed: opts.seed, workers: opts.workers, batchRows: opts.batchRows, repeats: opts.repeats,
      rangesHours: opts.rangesHours, ...(opts.queryNames ? { queryNames: opts.queryNames } : {}), timeLimitMs: opts.timeLimitMs,
      keepWorkDir: opts.keepWorkDir, ...(opts.cpuProfDir ? { cpuProfDir: opts.cpuProfDir } : {}), targetRatio: opts.targetRatio,
    },
    data: { rows: gen.rowCount, samples: gen.rowCount * CPU_FIELD_KEYS.length, start: new Date(gen.startMs).toISOString(), end: new Date(gen.endMs).toISOString() },
    versions: {},
    loads: {},
    cases: [],
    notes,
  };
  // a 30 s grace before SIGKILL (this bench stopped its peers that way before)
  const stopAll = (): Promise<void> => stopStartedProcesses(30_000);
  const onSignal = (sig: NodeJS.Signals): void => {
    log(`${sig}: stopping the processes this run started`);
    void stopAll().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const watchdog = setTimeout(() => {
    log('time limit reached: stopping everything');
    void stopAll().finally(() => process.exit(2));
  }, opts.timeLimitMs);
  watchdog.unref();

  const prom = new PrometheusPeer(workDir);
  // The V8 profile is written when Strata exits (graceful stop at the end of the run).
  const strata = new StrataPeer({
    root: opts.strataRoot, workDir, walSyncMode: 'interval',
    ...(opts.cpuProfDir ? { nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${opts.cpuProfDir}`] } : {}),
  });
  try {
    const apt = await ensureAptPackage('prometheus', log);
    if (!apt.installed) throw new Error(`prometheus is not available: ${apt.reason}`);
    log(`TSBS cpu-only: ${opts.hosts} hosts x ${opts.hours} h at 10 s = ${gen.rowCount} rows, ${results.data.samples} samples (seed ${opts.seed}); work dir ${workDir}`);
    const file = await writeRemoteWriteFile(gen, join(workDir, 'cpu.rw'), opts.batchRows);
    log(`remote-write bodies: ${(file.bytes / 2 ** 20).toFixed(1)} MiB in ${file.batches.length} requests`);

    await prom.start();
    results.versions.prometheus = prom.version;
    if (opts.cpuProfDir) await mkdir(opts.cpuProfDir, { recursive: true });
    await strata.start();
    results.versions.strata = strata.version;

    const common = { workers: opts.workers, fieldsPerRow: CPU_FIELD_KEYS.length, deadlineMs, file, headers: REMOTE_WRITE_HEADERS };
    results.loads.prometheus = await loadLinesOverHttp({ ...common, label: 'prometheus', url: prom.writeUrl });
    results.loads.strata = await loadLinesOverHttp({ ...common, label: 'strata', url: `${strata.baseUrl}/v1/prometheus/write?db=public` });
    log('strata: flushing and compacting the cpu_* tables (queries read SSTs, as after a day of ingest)');
    for (const f of CPU_FIELD_KEYS) {
      for (const stmt of [`ADMIN flush_table('cpu_${f}')`, `ADMIN compact_table('cpu_${f}')`]) {
        await strata.sql(stmt).catch((err: Error) => notes.push(`strata: ${stmt} failed: ${err.message.slice(0, 200)}`));
      }
    }

    // Let background work (WAL, file deletions after compaction) settle before timing.
    await new Promise((r) => setTimeout(r, 3000));

    const cases = promqlBenchCases(gen.startMs, gen.endMs, opts.rangesHours)
      .filter((c) => !opts.queryNames || opts.queryNames.includes(c.query.name));
    const systems: Array<[string, string]> = [['strata', `${strata.baseUrl}/v1/prometheus`], ['prometheus', prom.baseUrl]];
    const pids: Record<string, number | undefined> = { strata: strata.pid, prometheus: prom.pid };
    const cpu = async (name: string): Promise<number> => {
      const pid = pids[name];
      return pid === undefined ? NaN : (await processCpuSeconds(pid)) ?? NaN;
    };
    const bar = new ProgressBar('queries', cases.length * systems.length * (opts.repeats + 1), 'runs');
    const lines: string[] = [];
    const timeout = () => Math.max(1000, Math.min(120_000, deadlineMs - Date.now()));
    const rows: PromqlCaseResult[] = cases.map((c) => ({
      query: c.query.query, name: c.query.name, rangeHours: c.rangeHours, startS: c.startS, endS: c.endS, stepS: c.stepS,
      series: 0, points: 0, strataMs: [], prometheusMs: [], strataMedianMs: NaN, prometheusMedianMs: NaN, ratio: NaN,
      strataCpuMs: NaN, prometheusCpuMs: NaN, cpuRatio: NaN,
    }));
    results.cases.push(...rows);
    // A first pass over every query on both systems, untimed: it warms both
    // up, and the answers are compared here.
    for (const [ci, c] of cases.entries()) {
      const r = rows[ci]!;
      try {
        if (Date.now() > deadlineMs) throw new Error('skipped: time limit reached');
        const first: Answer[] = [];
        for (const [, url] of systems) { first.push(await rangeQuery(url, c, timeout())); bar.tick(1); }
        r.series = first[1]!.result.length;
        r.points = first[1]!.result.reduce((n, s) => n + s.values.length, 0);
        const diff = compareMatrices(first[0]!.result, first[1]!.result);
        if (diff) r.mismatch = diff;
      } catch (err) {
        r.error = (err as Error).message.slice(0, 400);
      }
    }
    // The first pass leaves garbage and compile work that background threads
    // finish over the next seconds: let them, before timing.
    await new Promise((res) => setTimeout(res, 3000));
    // Timed rounds: each round runs every query once on both systems (which
    // goes first alternates), so a passing disturbance (another process, a
    // major GC) spreads over all queries instead of landing on one.
    const cpuS = rows.map(() => ({ strata: 0, prometheus: 0 }));
    for (let k = 0; k < opts.repeats; k++) {
      for (const [ci, c] of cases.entries()) {
        const r = rows[ci]!;
        if (r.error) continue;
        try {
          if (Date.now() > deadlineMs) throw new Error(`stopped after ${k} timed rounds: time limit reached`);
          const order = (k + ci) % 2 === 0 ? systems : [...systems].reverse();
          for (const [name, url] of order) {
            const c0 = await cpu(name);
            const a = await rangeQuery(url, c, timeout());
            cpuS[ci]![name as 'strata' | 'prometheus'] += (await cpu(name)) - c0;
            (name === 'strata' ? r.strataMs : r.prometheusMs).push(a.ms);
            bar.tick(1);
          }
        } catch (err) {
          r.error = (err as Error).message.slice(0, 400);
        }
      }
    }
    for (const [ci, r] of rows.entries()) {
      if (r.strataMs.length && r.prometheusMs.length) {
        r.strataMedianMs = median(r.strataMs);
        r.prometheusMedianMs = median(r.prometheusMs);
        r.ratio = r.strataMedianMs / r.prometheusMedianMs;
        r.strataCpuMs = (cpuS[ci]!.strata * 1000) / r.strataMs.length;
        r.prometheusCpuMs = (cpuS[ci]!.prometheus * 1000) / r.prometheusMs.length;
        r.cpuRatio = r.strataCpuMs / r.prometheusCpuMs;
      }
      lines.push(`${r.name.padEnd(12)} ${String(r.rangeHours).padStart(3)}h  strata ${fmt(r.strataMedianMs)}  prometheus ${fmt(r.prometheusMedianMs)}  x${r.ratio.toFixed(2)}` +
        `  (cpu ${r.strataCpuMs.toFixed(0)} / ${r.prometheusCpuMs.toFixed(0)} ms)` +
        (r.mismatch ? `  DIFFERS: ${r.mismatch.slice(0, 100)}` : '') + (r.error ? `  FAILED: ${r.error.slice(0, 160)}` : ''));
    }
    bar.finish();
    for (const l of lines) log(l);
  } finally {
    clearTimeout(watchdog);
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await stopAll();
    closeHttpAgent();
    if (!opts.keepWorkDir) await rm(workDir, { recursive: true, force: true });
    else notes.push(`work dir kept: ${workDir}`);
  }
  results.durationS = (Date.now() - t0) / 1000;
  results.machine.loadAvg1mEnd = loadavg()[0]!;
  return results;
}

function fmt(ms: number): string {
  return Number.isFinite(ms) ? `${ms.toFixed(1).padStart(7)} ms` : '    n/a   ';
}

/** The Markdown report: one row per query and range. */
export function renderPromqlReport(r: PromqlBenchResults): string {
  const out: string[] = [];
  out.push(`# bench:promql ${r.startedAt}`, '');
  out.push(`${r.options.hosts} hosts x ${r.options.hours} h of TSBS cpu-only at 10 s: ${r.data.rows.toLocaleString('en-US')} rows, ` +
    `${r.data.samples.toLocaleString('en-US')} samples (10 metrics \`cpu_<field>\`), remote-written into both. ` +
    `${r.versions.strata ?? 'Strata'} vs ${r.versions.prometheus ?? 'Prometheus'}; ${r.machine.cpus} cores (${r.machine.cpuModel}), ` +
    `load average ${r.machine.loadAvg1mStart.toFixed(1)} -> ${r.machine.loadAvg1mEnd.toFixed(1)}; ${r.options.repeats} timed runs each ` +
    `in rounds (each round every query once on both systems, which goes first alternating); every query ran once on both before any timing.`, '');
  for (const [name, l] of Object.entries(r.loads)) {
    out.push(`- load ${name}: ${Math.round(l.rowsPerSec).toLocaleString('en-US')} rows/s (${Math.round(l.metricsPerSec).toLocaleString('en-US')} samples/s)`);
  }
  out.push('');
  out.push(`| query | range | series | points | Strata median ms | Prometheus median ms | Strata / Prometheus | <= ${r.options.targetRatio}x | CPU ms per run, Strata / Prometheus | answers |`);
  out.push('|---|---|---|---|---|---|---|---|---|---|');
  const n = (x: number, d: number) => (Number.isFinite(x) ? x.toFixed(d) : 'n/a');
  for (const c of r.cases) {
    const ok = Number.isFinite(c.ratio) ? (c.ratio <= r.options.targetRatio ? 'yes' : 'no') : 'n/a';
    out.push(`| \`${c.query.replace(/\|/g, '\\|')}\` | ${c.rangeHours} h | ${c.series} | ${c.points} | ${n(c.strataMedianMs, 1)} | ${n(c.prometheusMedianMs, 1)} | ` +
      `${n(c.ratio, 2)} | ${ok} | ${n(c.strataCpuMs, 0)} / ${n(c.prometheusCpuMs, 0)} (${n(c.cpuRatio, 2)}) | ` +
      `${c.error ? `failed: ${c.error.slice(0, 80)}` : c.mismatch ? `differ: ${c.mismatch.slice(0, 80)}` : 'same'} |`);
  }
  if (r.notes.length) out.push('', ...r.notes.map((n) => `- ${n}`));
  return out.join('\n');
}

export async function writePromqlResults(r: PromqlBenchResults, dir: string): Promise<{ json: string; md: string }> {
  await mkdir(dir, { recursive: true });
  const base = join(dir, `promql-${r.startedAt.replace(/[:.]/g, '-').replace('Z', '')}`);
  await writeFile(base + '.json', JSON.stringify(r, null, 2) + '\n');
  await writeFile(base + '.md', renderPromqlReport(r) + '\n');
  return { json: base + '.json', md: base + '.md' };
}
