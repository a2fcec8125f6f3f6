import type { CpuQuery } from '../tsbs/tsbs-cpu-queries.js';

/**
 * A system under test: started on loopback by the bench, fed the same line
 * protocol, queried, measured, and stopped (only the process it started).
 *
 * @example
 * const p = new InfluxDbPeer(workDir);
 * await p.start(); await loadLinesOverHttp({ url: p.writeUrl, ... }); await p.stop();
 */
export interface Peer {
  readonly name: string;
  /** Version string for the results file. */
  version: string;
  /** InfluxDB line-protocol write endpoint (ns precision). */
  readonly writeUrl: string;
  /** What the write endpoint takes: line protocol (default) or Prometheus remote-write bodies. */
  readonly format?: 'line' | 'remote-write';
  readonly writeHeaders?: Record<string, string>;
  start(): Promise<void>;
  /** Makes written data durable in its final on-disk form (flush, compaction) before measuring bytes. */
  settle(): Promise<string[]>;
  dataBytes(): Promise<number>;
  /** The same bytes split by part (e.g. store vs WAL), for the notes. */
  dataBreakdown(): Promise<Record<string, number>>;
  peakRssBytes(): Promise<number | undefined>;
  /** PID of the server process (for CPU accounting). */
  readonly pid: number | undefined;
  /** Whether this system has a phrasing of the query. */
  supports(q: CpuQuery): boolean;
  /** Runs the query; resolves to the number of result rows (points for PromQL). */
  query(q: CpuQuery, timeoutMs: number): Promise<number>;
  stop(): Promise<void>;
}
