import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { CpuQuery } from '../tsbs/tsbs-cpu-queries.js';
import { directoryBytes, freePort, peakRssBytes } from '../util/process-stats.js';
import { httpRequest, waitForHttp } from '../util/http-client.js';
import { REMOTE_WRITE_HEADERS } from '../load/remote-write-file.js';
import { aptVersion } from './apt-packages.js';
import { ManagedProcess, startedProcesses } from './managed-process.js';
import type { Peer } from './peer.js';

/**
 * Prometheus (Debian `prometheus`) as a remote-write receiver: no scrape
 * targets, a temp TSDB, HTTP on a free loopback port. It is fed the same rows
 * as remote-write bodies (series `cpu_<field>`, like VictoriaMetrics) and
 * answers the PromQL forms of the queries.
 */
export class PrometheusPeer implements Peer {
  readonly name = 'prometheus';
  version = 'unknown';
  readonly format = 'remote-write' as const;
  readonly writeHeaders = REMOTE_WRITE_HEADERS;
  private port = 0;
  private proc: ManagedProcess | undefined;
  private readonly dir: string;

  constructor(private readonly workDir: string) {
    this.dir = join(workDir, 'prometheus');
  }

  get baseUrl(): string {
    return `http://127.0.0.1:${this.port}`;
  }
  get writeUrl(): string {
    return `${this.baseUrl}/api/v1/write`;
  }

  async start(): Promise<void> {
    this.port = await freePort();
    await mkdir(join(this.dir, 'data'), { recursive: true });
    const config = join(this.dir, 'prometheus.yml');
    // Concurrent writers deliver batches slightly out of order; 2016 data is
    // also far from "now", so allow out-of-order samples within a day.
    await writeFile(config, 'global: {}\nstorage:\n  tsdb:\n    out_of_order_time_window: 1d\n');
    this.proc = new ManagedProcess(
      'prometheus',
      'prometheus',
      [
        `--config.file=${config}`,
        `--storage.tsdb.path=${join(this.dir, 'data')}`,
        `--web.listen-address=127.0.0.1:${this.port}`,
        '--web.enable-remote-write-receiver',
        '--storage.tsdb.retention.time=100y',
        // Keep the whole data set in the head: a head compaction that cuts a
        // block while queries run made Prometheus 2.42 fail queries with
        // "cannot populate chunk ... not found" (with out-of-order samples on).
        '--storage.tsdb.min-block-duration=48h',
        '--storage.tsdb.max-block-duration=48h',
        '--log.level=error',
      ],
      join(this.workDir, 'prometheus.log'),
    );
    startedProcesses.add(this.proc);
    this.proc.start();
    const proc = this.proc;
    await waitForHttp(`${this.baseUrl}/-/ready`, 60_000, () => proc.alive).catch((err: Error) => {
      throw new Error(`prometheus did not start: ${err.message} (${proc.describeExit()})`);
    });
    this.version = 'Prometheus ' + (await aptVersion('prometheus'));
  }

  async settle(): Promise<string[]> {
    // No API forces a block cut: recent data stays in the head (memory + WAL).
    return [];
  }

  dataBytes(): Promise<number> {
    return directoryBytes(join(this.dir, 'data'));
  }

  async dataBreakdown(): Promise<Record<string, number>> {
    const total = await directoryBytes(join(this.dir, 'data'));
    const wal = await directoryBytes(join(this.dir, 'data', 'wal'));
    return { wal, 'head chunks + blocks': total - wal };
  }

  get pid(): number | undefined {
    return this.proc?.pid;
  }

  async peakRssBytes(): Promise<number | undefined> {
    return this.proc?.pid ? peakRssBytes(this.proc.pid) : undefined;
  }

  supports(q: CpuQuery): boolean {
    return q.promql !== undefined;
  }

  async query(q: CpuQuery, timeoutMs: number): Promise<number> {
    const p = q.promql;
    if (!p) throw new Error(`${q.type} has no PromQL form`);
    const url = `${this.baseUrl}/api/v1/query_range?query=${encodeURIComponent(p.prometheusQuery)}&start=${p.startS}&end=${p.endS}&step=${p.stepS}`;
    const res = await httpRequest(url, { timeoutMs });
    const text = res.body.toString('utf8');
    if (res.status !== 200) throw new Error(`HTTP ${res.status}: ${text.slice(0, 300)}`);
    const answer = JSON.parse(text) as { status: string; data?: { result?: Array<{ values?: unknown[] }> }; error?: string };
    if (answer.status !== 'success') throw new Error(answer.error ?? 'query failed');
    let n = 0;
    for (const r of answer.data?.result ?? []) n += r.values?.length ?? 0;
    return n;
  }

  async stop(): Promise<void> {
    if (this.proc) {
      await this.proc.stop();
      startedProcesses.delete(this.proc);
    }
  }
}
