import { open } from 'node:fs/promises';
import { httpRequest } from '../util/http-client.js';
import { ProgressBar } from '../util/progress-bar.js';
import { readBatch, type LineFile } from './line-file.js';

export interface LoadResult {
  rows: number;
  metrics: number;
  elapsedMs: number;
  rowsPerSec: number;
  metricsPerSec: number;
  requests: number;
  retries: number;
}

export interface HttpLineLoadOptions {
  /** Label on the progress bar. */
  label: string;
  /** Full write URL, e.g. http://127.0.0.1:4000/v1/influxdb/write?db=public */
  url: string;
  file: LineFile;
  workers: number;
  fieldsPerRow: number;
  /** Gives up when the run's deadline passes. */
  deadlineMs?: number;
  headers?: Record<string, string>;
}

/**
 * Posts the file's batches with `workers` concurrent writers (each takes the
 * next batch when its previous write was acknowledged, as TSBS's workers do).
 * A 429/503 answer is retried after its Retry-After; any other non-2xx fails
 * the load with the server's message.
 */
export async function loadLinesOverHttp(opts: HttpLineLoadOptions): Promise<LoadResult> {
  const fh = await open(opts.file.path, 'r');
  const bar = new ProgressBar(opts.label, opts.file.lines);
  let next = 0;
  let requests = 0;
  let retries = 0;
  const started = performance.now();
  const worker = async (): Promise<void> => {
    for (;;) {
      const i = next++;
      if (i >= opts.file.batches.length) return;
      if (opts.deadlineMs !== undefined && Date.now() > opts.deadlineMs) throw new Error('run deadline passed during load');
      const b = opts.file.batches[i]!;
      const body = await readBatch(fh, b);
      for (let attempt = 0; ; attempt++) {
        requests++;
        const res = await httpRequest(opts.url, {
          method: 'POST',
          body,
          headers: { 'content-type': 'text/plain; charset=utf-8', ...opts.headers },
        });
        if (res.status >= 200 && res.status < 300) break;
        if ((res.status === 429 || res.status === 503) && attempt < 100) {
          retries++;
          const after = Number(res.headers['retry-after'] ?? '0.2');
          await new Promise((r) => setTimeout(r, Math.max(50, Math.min(5000, after * 1000))));
          continue;
        }
        throw new Error(`${opts.label}: write of batch ${i} failed: HTTP ${res.status} ${res.body.toString('utf8').slice(0, 300)}`);
      }
      bar.tick(b.lines);
    }
  };
  try {
    await Promise.all(Array.from({ length: opts.workers }, worker));
  } finally {
    await fh.close();
  }
  const elapsedMs = performance.now() - started;
  const rows = opts.file.lines;
  const result: LoadResult = {
    rows,
    metrics: rows * opts.fieldsPerRow,
    elapsedMs,
    rowsPerSec: rows / (elapsedMs / 1000),
    metricsPerSec: (rows * opts.fieldsPerRow) / (elapsedMs / 1000),
    requests,
    retries,
  };
  bar.finish(`${Math.round(result.rowsPerSec)} rows/s, ${Math.round(result.metricsPerSec)} metrics/s`);
  return result;
}
