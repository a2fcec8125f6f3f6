import type { CpuQuery, QueryType } from '../tsbs/tsbs-cpu-queries.js';
import { median } from '../util/process-stats.js';

/** CLOCK_MONOTONIC in microseconds: the time base of `--cpu-prof` samples in any process on this machine. */
function monotonicUs(): number {
  return Number(process.hrtime.bigint() / 1000n);
}

/** Something the runner can send a query to. */
export interface QueryTarget {
  name: string;
  supports(q: CpuQuery): boolean;
  /** Resolves to the answer's row count. */
  query(q: CpuQuery, timeoutMs: number): Promise<number>;
  /** Runs the same SQL as DuckDB, so its row counts must equal DuckDB's. */
  sameSqlAsReference?: boolean;
}

export interface TargetQueryResult {
  target: string;
  supported: boolean;
  /** Median over every timed run (instances x repeats). */
  medianMs: number;
  minMs: number;
  maxMs: number;
  timedRuns: number;
  /**
   * Where the timed runs fell on the monotonic clock, in microseconds (the
   * clock V8's CPU profiles use), to cut a server profile to them.
   */
  timedWindowUs?: [number, number];
  /** Row count of each instance's answer. */
  rows: number[];
  /** First failure: an error, or an answer that was empty (or disagreed with the reference on emptiness). */
  error?: string;
  note?: string;
}

export interface QueryTypeResult {
  type: QueryType;
  instances: Array<{ label: string; sql: string }>;
  results: TargetQueryResult[];
  /** Rows Strata's scans read for the first instance (EXPLAIN ANALYZE rows_scanned). */
  strataRowsScanned?: number;
}

export interface RunQueriesOptions {
  repeats: number;
  /** Untimed instances per type run before the timed ones (absent or empty: the first timed instance once). */
  warmups?: ReadonlyMap<string, readonly CpuQuery[]>;
  deadlineMs: number;
  /** Results of targets run before (DuckDB first): their row counts decide whether an empty answer is right. */
  reference?: Map<QueryType, QueryTypeResult>;
  log?: (s: string) => void;
  /** An instance slower than this on its warm-up stops further runs of its type on this target. */
  slowMs?: number;
  /** Longest a single query may take (also bounded by the deadline). */
  queryTimeoutMs?: number;
}

/**
 * Runs every query instance on every target: first one untimed pass over
 * every type's `warmups` instances, then per type one untimed run of its first
 * instance and each instance `repeats` times. Each answer must be
 * non-empty (high-cpu may be empty only where the reference agrees), or the
 * type is marked failed on that target. The median covers all timed runs.
 */
export async function runQueries(
  targets: QueryTarget[],
  queries: Map<QueryType, CpuQuery[]>,
  opts: RunQueriesOptions,
): Promise<QueryTypeResult[]> {
  const out: QueryTypeResult[] = [];
  const slowMs = opts.slowMs ?? 10_000;
  const timeout = (): number => Math.max(1000, Math.min(opts.queryTimeoutMs ?? 120_000, opts.deadlineMs - Date.now()));
  // One untimed pass over every type's warm-up instances first, so no type pays for warming
  // code the others share (the first type in the order would). Errors and slow queries here
  // are left to the timed pass to report.
  if (opts.warmups?.size) {
    for (const target of targets) {
      for (const type of queries.keys()) {
        for (const w of opts.warmups.get(type) ?? []) {
          if (Date.now() > opts.deadlineMs || !target.supports(w)) break;
          const t0 = performance.now();
          try { await target.query(w, timeout()); } catch { break; }
          if (performance.now() - t0 > slowMs) break;
        }
      }
    }
  }
  for (const [type, instances] of queries) {
    const typeResult: QueryTypeResult = { type, instances: instances.map((q) => ({ label: q.label, sql: q.sql })), results: [] };
    out.push(typeResult);
    const refRows = opts.reference?.get(type)?.results.find((r) => r.target === 'duckdb')?.rows;
    for (const target of targets) {
      const r: TargetQueryResult = { target: target.name, supported: true, medianMs: NaN, minMs: NaN, maxMs: NaN, timedRuns: 0, rows: [] };
      typeResult.results.push(r);
      if (!instances.every((q) => target.supports(q))) {
        r.supported = false;
        continue;
      }
      const times: number[] = [];
      try {
        if (Date.now() > opts.deadlineMs) throw new Error('skipped: time limit reached');
        const w0 = performance.now();
        const warmRows = await target.query(instances[0]!, timeout());
        const warmMs = performance.now() - w0;
        const slow = warmMs > slowMs;
        if (slow) {
          // A query this slow gets its warm-up as its one timed run (warming
          // matters little at this scale, and the run has a time bound).
          times.push(warmMs);
          r.note = `slower than ${slowMs / 1000} s: one run of one instance`;
        }
        const windowStart = monotonicUs();
        for (let i = 0; i < instances.length; i++) {
          const q = instances[i]!;
          let rows = slow ? warmRows : 0;
          for (let k = 0; k < (slow ? 0 : opts.repeats); k++) {
            if (Date.now() > opts.deadlineMs) throw new Error(`stopped after ${times.length} runs: time limit reached`);
            const t0 = performance.now();
            rows = await target.query(q, timeout());
            times.push(performance.now() - t0);
          }
          r.rows.push(rows);
          const ref = refRows?.[i];
          if (rows === 0 && !(q.mayBeEmpty && (ref === undefined || ref === 0))) {
            throw new Error(`empty answer for ${q.label}${ref ? ` (reference: ${ref} rows)` : ''}`);
          }
          if (target.sameSqlAsReference && ref !== undefined && rows !== ref) {
            throw new Error(`wrong answer: ${rows} rows where DuckDB has ${ref} for ${q.label}`);
          }
          if (slow) break;
        }
        r.timedWindowUs = [windowStart, monotonicUs()];
      } catch (err) {
        r.error = (err as Error).message.slice(0, 400);
      }
      r.timedRuns = times.length;
      if (times.length) {
        r.medianMs = median(times);
        r.minMs = Math.min(...times);
        r.maxMs = Math.max(...times);
      }
      opts.log?.(
        `${target.name.padEnd(16)} ${type.padEnd(22)} ` +
          (times.length ? `median ${r.medianMs.toFixed(2)} ms over ${times.length} runs` : 'no timed run') +
          (r.error ? `  FAILED: ${r.error.slice(0, 160)}` : ''),
      );
    }
  }
  return out;
}
