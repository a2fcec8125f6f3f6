import { mkdtemp, rm, mkdir, writeFile } from 'node:fs/promises';
import { cpus, totalmem, tmpdir, release, platform, loadavg } from 'node:os';
import { join } from 'node:path';
import { TsbsCpuGenerator, CPU_FIELD_KEYS } from './tsbs/tsbs-cpu-generator.js';
import { QUERY_TYPES, makeCpuQueries, type CpuQuery, type QueryType } from './tsbs/tsbs-cpu-queries.js';
import { writeLineFile } from './load/line-file.js';
import { loadLinesOverHttp, type LoadResult } from './load/http-line-loader.js';
import { loadRowsWithSqlInsert } from './load/sql-insert-loader.js';
import { loadArrowOverFlight, loadRowInsertsOverGrpc } from './load/grpc-loader.js';
import { CpuRowInsertEncoder, encodeFlightBatch, flightPutHeader, writeGrpcRequestFile } from './load/grpc-request-file.js';
import { StrataPeer } from './peers/strata-peer.js';
import { InfluxDbPeer } from './peers/influxdb-peer.js';
import { VictoriaMetricsPeer } from './peers/victoria-metrics-peer.js';
import { PrometheusPeer } from './peers/prometheus-peer.js';
import { writeRemoteWriteFile } from './load/remote-write-file.js';
import type { LineFile } from './load/line-file.js';
import { DuckDbReference } from './peers/duckdb-reference.js';
import { ensureAptPackage } from './peers/apt-packages.js';
import { stopStartedProcesses } from './peers/managed-process.js';
import type { Peer } from './peers/peer.js';
import { runQueries, type QueryTarget, type QueryTypeResult } from './query/query-runner.js';
import { median, processCpuSeconds } from './util/process-stats.js';
import { closeHttpAgent } from './util/http-client.js';

export type BenchMode = 'compare' | 'ingest' | 'sql';

/** How Strata is loaded: line protocol over HTTP, gRPC row inserts, Flight DoPut, or SQL INSERT. Peers always get line protocol (Prometheus remote write). */
export type LoadProtocol = 'http' | 'grpc' | 'flight' | 'sql';
export const LOAD_PROTOCOLS: readonly LoadProtocol[] = ['http', 'grpc', 'flight', 'sql'];

export interface BenchOptions {
  mode: BenchMode;
  hosts: number;
  hours: number;
  seed: number;
  workers: number;
  batchLines: number;
  /** Query instances (random parameters) per type. */
  queriesPerType: number;
  /** Timed runs of each instance. */
  repeats: number;
  /**
   * Untimed random instances per query type run first on every system (other
   * instances than the timed ones, from their own seed): JIT and code paths
   * warm without priming the timed instances' caches.
   */
  warmups: number;
  /** Run InfluxDB and VictoriaMetrics too (always on for compare). */
  peers: boolean;
  /** Prometheus fed by remote write, with the peers. */
  prometheus: boolean;
  /** DuckDB reference on the query side. */
  duckdb: boolean;
  /** Also load the rows into Strata with SQL INSERT (table cpu_sql). */
  sqlInsert: boolean;
  strataRoot: string;
  /** Directory for Strata's V8 CPU profile (node --cpu-prof), or undefined. */
  cpuProfDir?: string;
  resultsDir: string;
  timeLimitMs: number;
  queryTypes: QueryType[];
  keepWorkDir: boolean;
  walSyncMode: 'always' | 'interval' | 'none';
  /** Strata's load path (default http). */
  protocol: LoadProtocol;
}

export interface SystemResult {
  name: string;
  version: string;
  load?: LoadResult;
  /** What the load went through (Strata: --protocol; peers: http, or remote-write). */
  loadProtocol?: string;
  sqlInsertLoad?: LoadResult;
  /** Server CPU seconds during the load, and that over the load's wall time (cores in use). */
  loadCpuSeconds?: number;
  loadCoresUsed?: number;
  bytesOnDisk?: number;
  bytesPerRow?: number;
  /** Bytes by part (Strata: store = SSTs, manifests, catalog; wal). */
  bytesBreakdown?: Record<string, number>;
  peakRssBytes?: number;
  error?: string;
  notes: string[];
}

export interface TargetCheck {
  issue: number;
  target: string;
  strata: string;
  reference: string;
  met: boolean | null;
}

export interface BenchResults {
  startedAt: string;
  durationS: number;
  mode: BenchMode;
  /** loadAvg1m: the machine's 1-minute load average at the start and end (other work shares the cores). */
  machine: { cpus: number; cpuModel: string; memoryGiB: number; node: string; os: string; loadAvg1mStart: number; loadAvg1mEnd: number };
  options: Omit<BenchOptions, 'strataRoot' | 'resultsDir'>;
  data: { rows: number; metrics: number; lineProtocolBytes: number; generateMs: number; start: string; end: string };
  systems: SystemResult[];
  unavailable: Array<{ name: string; reason: string }>;
  queries: QueryTypeResult[];
  targets: TargetCheck[];
  notes: string[];
}

const log = (s: string): void => {
  process.stderr.write(`[bench] ${s}\n`);
};

/**
 * One benchmark run: generate the data once, then for each system in turn
 * start it, load the same bytes, settle, measure disk and memory, run the
 * queries, stop it. Systems run one at a time so none competes with another
 * for the two cores.
 */
export async function runBench(opts: BenchOptions): Promise<BenchResults> {
  const t0 = Date.now();
  // Phases start only before the deadline; the minute after it is for
  // stopping servers and writing results, so the whole run stays in the limit.
  const deadlineMs = t0 + opts.timeLimitMs - 60_000;
  const notes: string[] = [];
  const workDir = await mkdtemp(join(tmpdir(), 'strata-bench-'));
  log(`work dir ${workDir}; time limit ${Math.round(opts.timeLimitMs / 60000)} min`);
  const gen = new TsbsCpuGenerator({ hosts: opts.hosts, hours: opts.hours, seed: opts.seed });
  const results: BenchResults = {
    startedAt: new Date(t0).toISOString(),
    durationS: 0,
    mode: opts.mode,
    machine: {
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model ?? 'unknown',
      memoryGiB: Math.round(totalmem() / 2 ** 30),
      node: process.version,
      os: `${platform()} ${release()}`,
      loadAvg1mStart: loadavg()[0]!,
      loadAvg1mEnd: NaN,
    },
    options: {
      mode: opts.mode, hosts: opts.hosts, hours: opts.hours, seed: opts.seed, workers: opts.workers, batchLines: opts.batchLines,
      queriesPerType: opts.queriesPerType, repeats: opts.repeats, warmups: opts.warmups, peers: opts.peers, prometheus: opts.prometheus, duckdb: opts.duckdb, sqlInsert: opts.sqlInsert,
      timeLimitMs: opts.timeLimitMs, queryTypes: opts.queryTypes, keepWorkDir: opts.keepWorkDir, walSyncMode: opts.walSyncMode,
      protocol: opts.protocol,
    },
    data: { rows: gen.rowCount, metrics: gen.rowCount * CPU_FIELD_KEYS.length, lineProtocolBytes: 0, generateMs: 0,
      start: new Date(gen.startMs).toISOString(), end: new Date(gen.endMs).toISOString() },
    systems: [],
    unavailable: [],
    queries: [],
    targets: [],
    notes,
  };
  const onSignal = (sig: NodeJS.Signals): void => {
    log(`${sig}: stopping the processes this run started`);
    void stopAll().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  // The hard bound: whatever is running when the limit passes is stopped and
  // the partial results are written.
  const watchdog = setTimeout(() => {
    log('time limit reached: stopping everything');
    notes.push('time limit reached: the run was cut short');
    void stopAll().finally(async () => {
      results.durationS = (Date.now() - t0) / 1000;
      await writeResults(results, opts.resultsDir).catch(() => undefined);
      if (!opts.keepWorkDir) await rm(workDir, { recursive: true, force: true }).catch(() => undefined);
      process.exit(2);
    });
  }, opts.timeLimitMs - 20_000);
  watchdog.unref();

  try {
    log(`generating TSBS cpu-only: ${opts.hosts} hosts x ${opts.hours} h at 10 s = ${gen.rowCount} rows (seed ${opts.seed})`);
    const g0 = performance.now();
    const file = await writeLineFile(gen, join(workDir, 'cpu.lp'), opts.batchLines);
    results.data.generateMs = performance.now() - g0;
    results.data.lineProtocolBytes = file.bytes;
    log(`line protocol: ${(file.bytes / 2 ** 20).toFixed(1)} MiB in ${file.batches.length} batches of ${opts.batchLines} lines`);

    const wantQueries = opts.mode !== 'ingest';
    const queries = new Map<QueryType, CpuQuery[]>();
    const warmups = new Map<QueryType, CpuQuery[]>();
    for (const type of opts.queryTypes) {
      const gopts = { hostCount: opts.hosts, dataStartMs: gen.startMs, dataEndMs: gen.endMs };
      queries.set(type, makeCpuQueries(type, opts.queriesPerType, { ...gopts, seed: opts.seed }));
      warmups.set(type, makeCpuQueries(type, opts.warmups, { ...gopts, seed: (opts.seed ^ 0x5eed5) >>> 0 }));
    }
    const targets: QueryTarget[] = [];
    const queryResults = new Map<QueryType, QueryTypeResult>();
    const runQueriesOn = async (target: QueryTarget): Promise<void> => {
      const res = await runQueries([target], queries, { repeats: opts.repeats, warmups, deadlineMs, reference: queryResults, log });
      for (const r of res) {
        const prev = queryResults.get(r.type);
        if (prev) prev.results.push(...r.results);
        else queryResults.set(r.type, r);
      }
      // Kept current so the watchdog's partial results carry what ran.
      results.queries = opts.queryTypes.map((t) => queryResults.get(t)).filter((x): x is QueryTypeResult => x !== undefined);
      targets.push(target);
    };

    // DuckDB first: its row counts are the reference for the servers' answers.
    if (wantQueries && opts.duckdb) {
      const duck = new DuckDbReference(workDir);
      const sys: SystemResult = { name: 'duckdb', version: 'unknown', notes: [] };
      results.systems.push(sys);
      try {
        await duck.start();
        sys.version = duck.version;
        const l = await duck.load(gen);
        sys.notes.push(`loaded in ${(l.elapsedMs / 1000).toFixed(1)} s from CSV (reference only, not an ingest figure)`);
        sys.bytesOnDisk = await duck.dataBytes();
        sys.bytesPerRow = sys.bytesOnDisk / gen.rowCount;
        await runQueriesOn({ name: 'duckdb', supports: () => true, query: (q) => duck.query(q) });
      } catch (err) {
        sys.error = (err as Error).message;
        log(`duckdb: ${sys.error}`);
      } finally {
        await duck.stop();
      }
    }

    const peers: Peer[] = [];
    if (opts.peers) {
      for (const [pkg, make] of [
        ['influxdb', () => new InfluxDbPeer(workDir)],
        ['victoria-metrics', () => new VictoriaMetricsPeer(workDir)],
        ...(opts.prometheus ? ([['prometheus', () => new PrometheusPeer(workDir)]] as const) : []),
      ] as const) {
        const outcome = await ensureAptPackage(pkg, log);
        if (outcome.installed) peers.push(make());
        else {
          results.unavailable.push({ name: pkg, reason: outcome.reason ?? 'not installed' });
          log(`${pkg}: unavailable: ${outcome.reason}`);
        }
      }
    }
    peers.push(new StrataPeer({
      root: opts.strataRoot, workDir, walSyncMode: opts.walSyncMode,
      ...(opts.cpuProfDir ? { nodeArgs: ['--cpu-prof', '--cpu-prof-interval=50', `--cpu-prof-dir=${opts.cpuProfDir}`] } : {}),
    }));

    for (const peer of peers) {
      if (Date.now() > deadlineMs) {
        notes.push(`${peer.name}: skipped, time limit reached`);
        continue;
      }
      const sys: SystemResult = { name: peer.name, version: peer.version, notes: [] };
      results.systems.push(sys);
      log(`${peer.name}: starting`);
      try {
        await peer.start();
        sys.version = peer.version;
        let input: LineFile = file;
        if (peer.format === 'remote-write') {
          log(`${peer.name}: encoding the same rows as remote-write bodies (outside the timing)`);
          input = await writeRemoteWriteFile(gen, join(workDir, 'cpu.rw'), opts.batchLines);
        }
        const strata = peer instanceof StrataPeer ? peer : undefined;
        const strataVia = strata ? opts.protocol : 'http';
        let requestFile: LineFile | undefined;
        let putHeader: Buffer | undefined;
        if (strata && strataVia === 'grpc') {
          log(`${peer.name}: encoding the same rows as gRPC row-insert requests (outside the timing)`);
          const enc = new CpuRowInsertEncoder(gen, 'cpu', 'public');
          requestFile = await writeGrpcRequestFile(gen, join(workDir, 'cpu.grpc'), opts.batchLines, (b) => enc.encode(b));
        } else if (strata && strataVia === 'flight') {
          log(`${peer.name}: encoding the same rows as Arrow record batches for Flight DoPut (outside the timing)`);
          requestFile = await writeGrpcRequestFile(gen, join(workDir, 'cpu.flight'), opts.batchLines, (b) => encodeFlightBatch(gen, b));
          putHeader = flightPutHeader(gen, 'cpu');
        }
        const cpu0 = peer.pid ? await processCpuSeconds(peer.pid) : undefined;
        const common = { label: peer.name, workers: opts.workers, fieldsPerRow: CPU_FIELD_KEYS.length, deadlineMs };
        if (strata && strataVia === 'grpc') {
          sys.load = await loadRowInsertsOverGrpc({ ...common, address: strata.grpcAddress, file: requestFile! });
        } else if (strata && strataVia === 'flight') {
          sys.load = await loadArrowOverFlight({ ...common, address: strata.grpcAddress, file: requestFile!, putHeader: putHeader! });
        } else if (strata && strataVia === 'sql') {
          sys.load = await loadRowsWithSqlInsert({
            ...common, execute: (sql) => strata.sql(sql), table: 'cpu', gen, rowsPerStatement: Math.min(opts.batchLines, 1000),
          });
        } else {
          sys.load = await loadLinesOverHttp({ ...common, url: peer.writeUrl, file: input, headers: peer.writeHeaders });
        }
        sys.loadProtocol = peer.format === 'remote-write' ? 'remote-write' : strataVia;
        if (strata) {
          sys.notes.push(`loaded over ${({ http: 'line protocol (HTTP)', grpc: 'gRPC row inserts (GreptimeDatabase/Handle)', flight: 'Arrow Flight DoPut', sql: `SQL INSERT (${Math.min(opts.batchLines, 1000)} rows a statement)` })[strataVia]}`);
        }
        const cpu1 = peer.pid ? await processCpuSeconds(peer.pid) : undefined;
        if (cpu0 !== undefined && cpu1 !== undefined) {
          sys.loadCpuSeconds = cpu1 - cpu0;
          sys.loadCoresUsed = sys.loadCpuSeconds / (sys.load.elapsedMs / 1000);
        }
        if (peer.format === 'remote-write') sys.notes.push('fed by remote write, not line protocol');
        sys.notes.push(...(await peer.settle()));
        if (wantQueries) {
          await runQueriesOn({
            name: peer.name, supports: (q) => peer.supports(q), query: (q, t) => peer.query(q, t), sameSqlAsReference: peer instanceof StrataPeer,
          });
        }
        if (wantQueries && peer instanceof StrataPeer) {
          // Issue 5 asks for the rows the scans read (pruning), from EXPLAIN ANALYZE.
          for (const [type, qs] of queries) {
            const r = queryResults.get(type);
            if (!r || Date.now() > deadlineMs) continue;
            try {
              r.strataRowsScanned = await peer.rowsScanned(qs[0]!.sql, Math.min(120_000, Math.max(1000, deadlineMs - Date.now())));
            } catch (err) {
              sys.notes.push(`EXPLAIN ANALYZE ${type} failed: ${(err as Error).message.slice(0, 120)}`);
            }
          }
        }
        sys.peakRssBytes = await peer.peakRssBytes();
      } catch (err) {
        sys.error = (err as Error).message;
        log(`${peer.name}: ${sys.error}`);
        sys.peakRssBytes ??= await peer.peakRssBytes().catch(() => undefined);
      } finally {
        await peer.stop().catch((err: Error) => sys.notes.push(`stop failed: ${err.message}`));
      }
      // Measured after a graceful stop, when every system has persisted what it holds.
      if (sys.load) {
        sys.bytesOnDisk = await peer.dataBytes();
        sys.bytesPerRow = sys.bytesOnDisk / gen.rowCount;
        sys.bytesBreakdown = await peer.dataBreakdown();
        const counted = Object.values(sys.bytesBreakdown).reduce((a, b) => a + b, 0);
        // Whatever the parts do not name (VictoriaMetrics' cache dir, metadata) still counts in the total.
        if (sys.bytesOnDisk - counted > 0) sys.bytesBreakdown.other = sys.bytesOnDisk - counted;
        sys.notes.push(
          'on disk: ' + Object.entries(sys.bytesBreakdown).map(([k, v]) => `${k} ${(v / gen.rowCount).toFixed(1)} B/row`).join(', '),
        );
      }
    }
    const strataSys = results.systems.find((s) => s.name === 'strata');
    if (opts.sqlInsert && strataSys && Date.now() < deadlineMs) {
      // A fresh server, so the SQL rows do not count in the line-protocol run's bytes.
      const peer = new StrataPeer({ root: opts.strataRoot, workDir: join(workDir, 'sql-insert'), walSyncMode: opts.walSyncMode });
      try {
        await peer.start();
        strataSys.sqlInsertLoad = await loadRowsWithSqlInsert({
          label: 'strata (SQL)', execute: (sql) => peer.sql(sql), table: 'cpu', gen, workers: opts.workers,
          rowsPerStatement: 1000, deadlineMs,
        });
      } catch (err) {
        strataSys.notes.push(`SQL INSERT load failed: ${(err as Error).message.slice(0, 200)}`);
      } finally {
        await peer.stop();
      }
    }
    results.queries = opts.queryTypes.map((t) => queryResults.get(t)).filter((r): r is QueryTypeResult => r !== undefined);
    results.targets = evaluateTargets(results);
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

function stopAll(): Promise<void> {
  return stopStartedProcesses(10_000);
}

function fmtRate(n: number | undefined): string {
  return n === undefined ? 'n/a' : `${Math.round(n).toLocaleString('en-US')} rows/s`;
}

/** The targets of issues 4, 5 and 6 against this run's figures; a missed target is reported with its figure. */
export function evaluateTargets(r: BenchResults): TargetCheck[] {
  const sys = (n: string) => r.systems.find((s) => s.name === n && !s.error);
  const strata = r.systems.find((s) => s.name === 'strata');
  const influx = sys('influxdb');
  const vm = sys('victoriametrics');
  const out: TargetCheck[] = [];
  const sRate = strata?.load?.rowsPerSec;
  out.push({
    issue: 6, target: 'ingest >= 1.5x InfluxDB rows/s', strata: fmtRate(sRate),
    reference: influx?.load ? `InfluxDB ${fmtRate(influx.load.rowsPerSec)} (x1.5 = ${fmtRate(influx.load.rowsPerSec * 1.5)})` : 'InfluxDB not run',
    met: sRate !== undefined && influx?.load ? sRate >= 1.5 * influx.load.rowsPerSec : null,
  });
  out.push({
    issue: 6, target: 'ingest >= VictoriaMetrics rows/s', strata: fmtRate(sRate),
    reference: vm?.load ? `VictoriaMetrics ${fmtRate(vm.load.rowsPerSec)}` : 'VictoriaMetrics not run',
    met: sRate !== undefined && vm?.load ? sRate >= vm.load.rowsPerSec : null,
  });
  // Issue 4 is about the compacted data (SSTs): the WAL's active segment is
  // counted in the table's total but not here.
  const sStore = strata?.bytesBreakdown?.store !== undefined ? strata.bytesBreakdown.store / r.data.rows : strata?.bytesPerRow;
  out.push({
    issue: 4, target: 'bytes on disk per row (store, after compaction) <= VictoriaMetrics',
    strata: sStore !== undefined ? `${sStore.toFixed(1)} B/row (total with WAL ${strata?.bytesPerRow?.toFixed(1)})` : 'n/a',
    reference: vm?.bytesPerRow !== undefined ? `VictoriaMetrics ${vm.bytesPerRow.toFixed(1)} B/row` : 'VictoriaMetrics not run',
    met: sStore !== undefined && vm?.bytesPerRow !== undefined ? sStore <= vm.bytesPerRow : null,
  });
  for (const q of r.queries) {
    const get = (n: string) => q.results.find((x) => x.target === n);
    const s = get('strata');
    const d = get('duckdb');
    const i = get('influxdb');
    const sm = s && !s.error ? s.medianMs : undefined;
    const dm = d && !d.error ? d.medianMs : undefined;
    const im = i && !i.error ? i.medianMs : undefined;
    out.push({
      issue: 5, target: `${q.type}: <= 10x DuckDB`, strata: sm !== undefined ? `${sm.toFixed(1)} ms` : s?.error ? `failed: ${s.error.slice(0, 80)}` : 'not run',
      reference: dm !== undefined ? `DuckDB ${dm.toFixed(1)} ms (x10 = ${(dm * 10).toFixed(1)} ms)` : 'DuckDB not run',
      met: sm !== undefined && dm !== undefined ? sm <= 10 * dm : s?.error ? false : null,
    });
    out.push({
      issue: 5, target: `${q.type}: <= InfluxDB median`, strata: sm !== undefined ? `${sm.toFixed(1)} ms` : s?.error ? 'failed' : 'not run',
      reference: im !== undefined ? `InfluxDB ${im.toFixed(1)} ms` : 'InfluxDB not run',
      met: sm !== undefined && im !== undefined ? sm <= im : s?.error ? false : null,
    });
  }
  return out;
}

export async function writeResults(r: BenchResults, dir: string): Promise<{ json: string; svg: string; md: string }> {
  const { renderSvgChart } = await import('./report/svg-chart.js');
  const { renderTextReport } = await import('./report/text-report.js');
  await mkdir(dir, { recursive: true });
  const stamp = r.startedAt.replace(/[:.]/g, '-').replace('Z', '');
  const base = join(dir, `${r.mode}-${stamp}`);
  await writeFile(base + '.json', JSON.stringify(r, null, 2) + '\n');
  await writeFile(base + '.svg', renderSvgChart(r));
  await writeFile(base + '.md', renderTextReport(r) + '\n');
  return { json: base + '.json', svg: base + '.svg', md: base + '.md' };
}

export { median };
