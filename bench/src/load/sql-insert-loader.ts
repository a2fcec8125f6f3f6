import { CPU_FIELD_KEYS, CPU_TAG_KEYS, type TsbsCpuGenerator } from '../tsbs/tsbs-cpu-generator.js';
import { ProgressBar } from '../util/progress-bar.js';
import type { LoadResult } from './http-line-loader.js';

export interface SqlInsertLoadOptions {
  label: string;
  /** Runs one SQL text (e.g. StrataPeer.sql). */
  execute: (sql: string) => Promise<unknown>;
  table: string;
  gen: TsbsCpuGenerator;
  workers: number;
  /** Rows per INSERT statement. */
  rowsPerStatement: number;
  deadlineMs?: number;
}

/** The CREATE TABLE for the TSBS cpu rows in GreptimeDB SQL (tags as the primary key). */
export function cpuCreateTableSql(table: string): string {
  return (
    `CREATE TABLE IF NOT EXISTS ${table} (` +
    CPU_TAG_KEYS.map((k) => `${k} STRING`).join(', ') +
    ', greptime_timestamp TIMESTAMP(3) NOT NULL, ' +
    CPU_FIELD_KEYS.map((k) => `${k} DOUBLE`).join(', ') +
    `, TIME INDEX (greptime_timestamp), PRIMARY KEY (${CPU_TAG_KEYS.join(', ')}))`
  );
}

/**
 * Loads the generator's rows with multi-row `INSERT INTO ... VALUES`
 * statements over SQL, `workers` statements in flight.
 */
export async function loadRowsWithSqlInsert(opts: SqlInsertLoadOptions): Promise<LoadResult> {
  await opts.execute(cpuCreateTableSql(opts.table));
  const cols = [...CPU_TAG_KEYS, 'greptime_timestamp', ...CPU_FIELD_KEYS].join(', ');
  const gen = opts.gen;
  const tagTuples = gen.hostTags.map((t) => t.map((v) => `'${v}'`).join(', '));
  const bar = new ProgressBar(opts.label, gen.rowCount);
  const batches = gen.batches(opts.rowsPerStatement);
  let requests = 0;
  const started = performance.now();
  const worker = async (): Promise<void> => {
    for (;;) {
      const next = batches.next();
      if (next.done) return;
      if (opts.deadlineMs !== undefined && Date.now() > opts.deadlineMs) throw new Error('run deadline passed during load');
      const b = next.value;
      const values: string[] = new Array(b.length);
      for (let i = 0; i < b.length; i++) {
        let v = '(' + tagTuples[b.hostIndexes[i]!] + ', ' + b.timestampsMs[i];
        for (let k = 0; k < b.fields.length; k++) v += ', ' + b.fields[k]![i];
        values[i] = v + ')';
      }
      requests++;
      await opts.execute(`INSERT INTO ${opts.table} (${cols}) VALUES ${values.join(', ')}`);
      bar.tick(b.length);
    }
  };
  await Promise.all(Array.from({ length: opts.workers }, worker));
  const elapsedMs = performance.now() - started;
  const rows = gen.rowCount;
  const metrics = rows * CPU_FIELD_KEYS.length;
  const result: LoadResult = {
    rows,
    metrics,
    elapsedMs,
    rowsPerSec: rows / (elapsedMs / 1000),
    metricsPerSec: metrics / (elapsedMs / 1000),
    requests,
    retries: 0,
  };
  bar.finish(`${Math.round(result.rowsPerSec)} rows/s over SQL INSERT`);
  return result;
}
