import { open, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { CPU_FIELD_KEYS, CPU_TAG_KEYS, type TsbsCpuGenerator } from '../tsbs/tsbs-cpu-generator.js';
import type { CpuQuery } from '../tsbs/tsbs-cpu-queries.js';
import { ProgressBar } from '../util/progress-bar.js';

export interface DuckDbLoadResult {
  rows: number;
  elapsedMs: number;
  rowsPerSec: number;
}

/**
 * DuckDB (in process, a file database in the work dir) holding the same rows
 * as the servers: the analytical reference for the query side. Rows go in as
 * a CSV written from the generator's columnar batches and read with COPY.
 */
export class DuckDbReference {
  readonly name = 'duckdb';
  version = 'unknown';
  private instance: DuckDBInstance | undefined;
  private conn: DuckDBConnection | undefined;
  private readonly dbPath: string;

  constructor(private readonly workDir: string) {
    this.dbPath = join(workDir, 'duckdb', 'cpu.duckdb');
  }

  async start(): Promise<void> {
    const { mkdir } = await import('node:fs/promises');
    await mkdir(join(this.workDir, 'duckdb'), { recursive: true });
    // Two threads: the machines this runs on have two cores, shared with the servers.
    this.instance = await DuckDBInstance.create(this.dbPath, { threads: '2' });
    this.conn = await this.instance.connect();
    const v = await this.conn.runAndReadAll('SELECT version()');
    this.version = 'DuckDB ' + String(v.getRows()[0]?.[0]);
    const cols = [
      'greptime_timestamp TIMESTAMP NOT NULL',
      ...CPU_TAG_KEYS.map((k) => `${k} VARCHAR`),
      ...CPU_FIELD_KEYS.map((k) => `${k} DOUBLE`),
    ];
    await this.conn.run(`CREATE TABLE cpu (${cols.join(', ')})`);
  }

  /** Loads the generator's rows (the same rows the servers get). */
  async load(gen: TsbsCpuGenerator): Promise<DuckDbLoadResult> {
    if (!this.conn) throw new Error('duckdb not started');
    const csvPath = join(this.workDir, 'duckdb', 'cpu.csv');
    const fh = await open(csvPath, 'w');
    const bar = new ProgressBar('duckdb (csv)', gen.rowCount);
    const started = performance.now();
    try {
      for (const b of gen.batches(20_000)) {
        const parts: string[] = new Array(b.length);
        for (let i = 0; i < b.length; i++) {
          const iso = new Date(b.timestampsMs[i]!).toISOString();
          let line = iso.slice(0, 10) + ' ' + iso.slice(11, 19) + ',' + gen.hostTags[b.hostIndexes[i]!]!.join(',');
          for (let k = 0; k < b.fields.length; k++) line += ',' + b.fields[k]![i];
          parts[i] = line + '\n';
        }
        await fh.write(parts.join(''));
        bar.tick(b.length);
      }
    } finally {
      await fh.close();
    }
    await this.conn.run(`COPY cpu FROM '${csvPath}' (FORMAT csv, HEADER false)`);
    await this.conn.run('CHECKPOINT');
    const elapsedMs = performance.now() - started;
    const rows = gen.rowCount;
    bar.finish('(csv written + COPY; reference only)');
    return { rows, elapsedMs, rowsPerSec: rows / (elapsedMs / 1000) };
  }

  async dataBytes(): Promise<number> {
    try {
      return (await stat(this.dbPath)).size;
    } catch {
      return 0;
    }
  }

  async query(q: CpuQuery): Promise<number> {
    if (!this.conn) throw new Error('duckdb not started');
    const reader = await this.conn.runAndReadAll(q.duckdbSql);
    return reader.currentRowCount;
  }

  async stop(): Promise<void> {
    this.conn?.closeSync();
    this.instance?.closeSync();
    this.conn = undefined;
    this.instance = undefined;
  }
}
