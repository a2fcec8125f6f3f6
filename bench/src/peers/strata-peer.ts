import { mkdir, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { CpuQuery } from '../tsbs/tsbs-cpu-queries.js';
import { freePort, peakRssBytes, directoryBytes } from '../util/process-stats.js';
import { httpRequest, waitForHttp } from '../util/http-client.js';
import { ManagedProcess, startedProcesses } from './managed-process.js';
import type { Peer } from './peer.js';

export interface StrataPeerOptions {
  /** Repository root whose kernel/dist/src/cli/bin.js is started. */
  root: string;
  workDir: string;
  /** WAL sync mode; issue 6 asks for fsync on (group commit). */
  walSyncMode?: 'always' | 'interval' | 'none';
  db?: string;
  /** Extra node arguments before the script (e.g. --cpu-prof). */
  nodeArgs?: string[];
}

/**
 * Strata as `strata start --config` with store-fs, wal-local, engine-lsm,
 * protocol-http and protocol-grpc on 127.0.0.1 and free ports, data under
 * the work dir.
 */
export class StrataPeer implements Peer {
  readonly name = 'strata';
  version = 'unknown';
  private port = 0;
  private grpcPort = 0;
  private proc: ManagedProcess | undefined;
  private readonly dataHome: string;
  private readonly db: string;

  constructor(private readonly opts: StrataPeerOptions) {
    this.dataHome = join(opts.workDir, 'strata-data');
    this.db = opts.db ?? 'public';
  }

  get baseUrl(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** `host:port` of protocol-grpc (GreptimeDatabase row inserts, Flight DoPut). */
  get grpcAddress(): string {
    return `127.0.0.1:${this.grpcPort}`;
  }

  get writeUrl(): string {
    return `${this.baseUrl}/v1/influxdb/write?db=${this.db}`;
  }

  async start(): Promise<void> {
    const bin = join(this.opts.root, 'kernel/dist/src/cli/bin.js');
    if (!existsSync(bin)) throw new Error(`${bin} is missing: build first (npm run build)`);
    this.port = await freePort();
    this.grpcPort = await freePort();
    if (this.grpcPort === this.port) this.grpcPort = await freePort();
    await mkdir(this.dataHome, { recursive: true });
    const config = join(this.opts.workDir, 'strata.config.yaml');
    await writeFile(
      config,
      [
        'server:',
        `  dataHome: ${this.dataHome}`,
        '  logLevel: warn',
        'plugins:',
        '  - use: store-fs',
        '  - use: wal-local',
        `    options: { syncMode: ${this.opts.walSyncMode ?? 'always'} }`,
        '  - use: engine-lsm',
        '  - use: protocol-http',
        `    options: { host: 127.0.0.1, port: ${this.port}, requestTimeout: 300s }`,
        '  - use: protocol-grpc',
        `    options: { host: 127.0.0.1, port: ${this.grpcPort}, requestTimeout: 300s }`,
        '',
      ].join('\n'),
    );
    this.proc = new ManagedProcess('strata', process.execPath, [...(this.opts.nodeArgs ?? []), bin, 'start', '--config', config], join(this.opts.workDir, 'strata.log'), {
      cwd: this.opts.root,
    });
    startedProcesses.add(this.proc);
    this.proc.start();
    const proc = this.proc;
    await waitForHttp(`${this.baseUrl}/health`, 60_000, () => proc.alive).catch((err: Error) => {
      throw new Error(`strata did not start: ${err.message} (${proc.describeExit()})`);
    });
    try {
      const res = await httpRequest(`${this.baseUrl}/status`);
      const status = JSON.parse(res.body.toString('utf8')) as { version?: string };
      this.version = 'Strata ' + (status.version ?? 'unknown');
    } catch {
      // /status is informative only.
    }
  }

  /** Runs SQL; resolves to the parsed JSON answer or throws with the server's message. */
  async sql(sql: string, timeoutMs = 300_000): Promise<SqlAnswer> {
    const res = await httpRequest(`${this.baseUrl}/v1/sql?db=${this.db}`, {
      method: 'POST',
      body: 'sql=' + encodeURIComponent(sql),
      // The server gives up at the same limit, so an abandoned query stops using the cores.
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-greptime-timeout': `${Math.round(timeoutMs)}ms` },
      timeoutMs: timeoutMs + 5000,
    });
    const text = res.body.toString('utf8');
    if (res.status !== 200) throw new Error(`HTTP ${res.status}: ${text.slice(0, 300)}`);
    return JSON.parse(text) as SqlAnswer;
  }

  async settle(): Promise<string[]> {
    const notes: string[] = [];
    for (const stmt of ["ADMIN flush_table('cpu')", "ADMIN compact_table('cpu')"]) {
      try {
        await this.sql(stmt);
      } catch (err) {
        notes.push(`strata: ${stmt} failed: ${(err as Error).message.slice(0, 200)}`);
      }
    }
    return notes;
  }

  dataBytes(): Promise<number> {
    return directoryBytes(this.dataHome);
  }

  async dataBreakdown(): Promise<Record<string, number>> {
    return {
      store: await directoryBytes(join(this.dataHome, 'store')),
      wal: await directoryBytes(join(this.dataHome, 'wal')),
    };
  }

  get pid(): number | undefined {
    return this.proc?.pid;
  }

  async peakRssBytes(): Promise<number | undefined> {
    return this.proc?.pid ? peakRssBytes(this.proc.pid) : undefined;
  }

  /**
   * Rows the scans read for a query (the sum of rows_scanned over the scan
   * operators of EXPLAIN ANALYZE), to show pruning.
   */
  async rowsScanned(sql: string, timeoutMs: number): Promise<number | undefined> {
    const answer = await this.sql('EXPLAIN ANALYZE ' + sql, timeoutMs);
    const text = JSON.stringify(answer);
    let total: number | undefined;
    for (const m of text.matchAll(/rows_scanned=(\d+)/g)) total = (total ?? 0) + Number(m[1]);
    return total;
  }

  supports(): boolean {
    return true;
  }

  async query(q: CpuQuery, timeoutMs: number): Promise<number> {
    const answer = await this.sql(q.sql, timeoutMs);
    return countRecords(answer);
  }

  async stop(): Promise<void> {
    if (this.proc) {
      await this.proc.stop(60_000);
      startedProcesses.delete(this.proc);
    }
  }
}

export interface SqlAnswer {
  output: Array<{ records?: { rows: unknown[][]; total_rows?: number }; affectedrows?: number }>;
  execution_time_ms?: number;
}

export function countRecords(answer: SqlAnswer): number {
  let n = 0;
  for (const o of answer.output ?? []) if (o.records) n += o.records.rows.length;
  return n;
}
