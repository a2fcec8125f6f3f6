import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { CpuQuery } from '../tsbs/tsbs-cpu-queries.js';
import { directoryBytes, freePort, peakRssBytes, sleep } from '../util/process-stats.js';
import { httpRequest, waitForHttp } from '../util/http-client.js';
import { aptVersion } from './apt-packages.js';
import { ManagedProcess, startedProcesses } from './managed-process.js';
import type { Peer } from './peer.js';

/**
 * InfluxDB 1.x (Debian `influxdb`) as `influxd run -config` with a temp config
 * and data directory, HTTP on a free loopback port, every other listener off.
 */
export class InfluxDbPeer implements Peer {
  readonly name = 'influxdb';
  version = 'unknown';
  private port = 0;
  private proc: ManagedProcess | undefined;
  private readonly dir: string;

  constructor(private readonly workDir: string) {
    this.dir = join(workDir, 'influxdb');
  }

  get baseUrl(): string {
    return `http://127.0.0.1:${this.port}`;
  }
  get writeUrl(): string {
    return `${this.baseUrl}/write?db=benchmark`;
  }

  async start(): Promise<void> {
    this.port = await freePort();
    const rpcPort = await freePort();
    await mkdir(this.dir, { recursive: true });
    const config = join(this.dir, 'influxdb.conf');
    await writeFile(
      config,
      [
        'reporting-disabled = true',
        `bind-address = "127.0.0.1:${rpcPort}"`,
        '[meta]',
        `  dir = "${this.dir}/meta"`,
        '[data]',
        `  dir = "${this.dir}/data"`,
        `  wal-dir = "${this.dir}/wal"`,
        '  query-log-enabled = false',
        // Snapshot the cache to TSM soon after the load, so bytes on disk are
        // measured in InfluxDB's compressed form rather than its WAL.
        '  cache-snapshot-write-cold-duration = "5s"',
        '[http]',
        '  enabled = true',
        `  bind-address = "127.0.0.1:${this.port}"`,
        '  log-enabled = false',
        '  max-body-size = 0',
        '[monitor]',
        '  store-enabled = false',
        '[continuous_queries]',
        '  enabled = false',
        '[subscriber]',
        '  enabled = false',
        '[logging]',
        '  level = "warn"',
        '',
      ].join('\n'),
    );
    this.proc = new ManagedProcess('influxdb', 'influxd', ['run', '-config', config], join(this.workDir, 'influxdb.log'));
    startedProcesses.add(this.proc);
    this.proc.start();
    const proc = this.proc;
    await waitForHttp(`${this.baseUrl}/ping`, 60_000, () => proc.alive).catch((err: Error) => {
      throw new Error(`influxd did not start: ${err.message} (${proc.describeExit()})`);
    });
    this.version = 'InfluxDB ' + (await aptVersion('influxdb'));
    await this.influxql('CREATE DATABASE benchmark', 'POST');
  }

  private async influxql(q: string, method: 'GET' | 'POST' = 'GET', timeoutMs = 300_000): Promise<InfluxAnswer> {
    const url = `${this.baseUrl}/query?db=benchmark&q=${encodeURIComponent(q)}`;
    const res = await httpRequest(url, { method, timeoutMs });
    const text = res.body.toString('utf8');
    if (res.status !== 200) throw new Error(`HTTP ${res.status}: ${text.slice(0, 300)}`);
    const answer = JSON.parse(text) as InfluxAnswer;
    const err = answer.results?.find((r) => r.error)?.error;
    if (err) throw new Error(err);
    return answer;
  }

  async settle(): Promise<string[]> {
    // Wait (bounded) until the cold cache was snapshotted and the WAL emptied.
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      if ((await directoryBytes(join(this.dir, 'wal'))) < 64 * 1024) return [];
      await sleep(1000);
    }
    return ['influxdb: WAL not fully snapshotted after 60 s; bytes include WAL'];
  }

  dataBytes(): Promise<number> {
    return Promise.all([directoryBytes(join(this.dir, 'data')), directoryBytes(join(this.dir, 'wal'))]).then(([a, b]) => a + b);
  }

  async dataBreakdown(): Promise<Record<string, number>> {
    return { data: await directoryBytes(join(this.dir, 'data')), wal: await directoryBytes(join(this.dir, 'wal')) };
  }

  get pid(): number | undefined {
    return this.proc?.pid;
  }

  async peakRssBytes(): Promise<number | undefined> {
    return this.proc?.pid ? peakRssBytes(this.proc.pid) : undefined;
  }

  supports(): boolean {
    return true;
  }

  async query(q: CpuQuery, timeoutMs: number): Promise<number> {
    const answer = await this.influxql(q.influxql, 'GET', timeoutMs);
    let n = 0;
    for (const r of answer.results ?? []) for (const s of r.series ?? []) n += s.values?.length ?? 0;
    return n;
  }

  async stop(): Promise<void> {
    if (this.proc) {
      await this.proc.stop();
      startedProcesses.delete(this.proc);
    }
  }
}

interface InfluxAnswer {
  results?: Array<{ error?: string; series?: Array<{ values?: unknown[][] }> }>;
}
