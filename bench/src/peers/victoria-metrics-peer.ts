import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { CpuQuery } from '../tsbs/tsbs-cpu-queries.js';
import { directoryBytes, freePort, peakRssBytes, sleep } from '../util/process-stats.js';
import { httpRequest, waitForHttp } from '../util/http-client.js';
import { aptVersion } from './apt-packages.js';
import { ManagedProcess, startedProcesses } from './managed-process.js';
import type { Peer } from './peer.js';

/**
 * VictoriaMetrics single-node (Debian `victoria-metrics`) with a temp storage
 * path, HTTP on a free loopback port. It takes line protocol at /write (each
 * field becomes the series `cpu_<field>`) and answers the queries TSBS has a
 * PromQL form for through /api/v1/query_range.
 */
export class VictoriaMetricsPeer implements Peer {
  readonly name = 'victoriametrics';
  version = 'unknown';
  private port = 0;
  private proc: ManagedProcess | undefined;
  private readonly dir: string;

  constructor(private readonly workDir: string) {
    this.dir = join(workDir, 'victoria-metrics');
  }

  get baseUrl(): string {
    return `http://127.0.0.1:${this.port}`;
  }
  get writeUrl(): string {
    return `${this.baseUrl}/write`;
  }

  async start(): Promise<void> {
    this.port = await freePort();
    await mkdir(this.dir, { recursive: true });
    this.proc = new ManagedProcess(
      'victoriametrics',
      'victoria-metrics',
      [
        `-storageDataPath=${this.dir}`,
        `-httpListenAddr=127.0.0.1:${this.port}`,
        // TSBS data starts in 2016: keep it (the default retention is one month).
        '-retentionPeriod=100y',
        '-loggerLevel=ERROR',
        // The benchmark repeats each query; VictoriaMetrics' rollup result cache
        // would answer repeats from memory, which no other system here does.
        '-search.disableCache',
      ],
      join(this.workDir, 'victoria-metrics.log'),
    );
    startedProcesses.add(this.proc);
    this.proc.start();
    const proc = this.proc;
    await waitForHttp(`${this.baseUrl}/health`, 60_000, () => proc.alive).catch((err: Error) => {
      throw new Error(`victoria-metrics did not start: ${err.message} (${proc.describeExit()})`);
    });
    this.version = 'VictoriaMetrics ' + (await aptVersion('victoria-metrics'));
  }

  async settle(): Promise<string[]> {
    const res = await httpRequest(`${this.baseUrl}/internal/force_flush`).catch((e: Error) => ({ status: 0, body: Buffer.from(e.message) }));
    // Recent rows become searchable and their parts are written within a few seconds.
    await sleep(3000);
    return res.status === 200 ? [] : [`victoriametrics: force_flush answered ${res.status}`];
  }

  dataBytes(): Promise<number> {
    return directoryBytes(this.dir);
  }

  async dataBreakdown(): Promise<Record<string, number>> {
    return {
      data: await directoryBytes(join(this.dir, 'data')),
      indexdb: await directoryBytes(join(this.dir, 'indexdb')),
    };
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
    const url =
      `${this.baseUrl}/api/v1/query_range?query=${encodeURIComponent(p.query)}` + `&start=${p.startS}&end=${p.endS}&step=${p.stepS}`;
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
