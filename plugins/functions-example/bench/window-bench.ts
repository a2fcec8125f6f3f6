/**
 * Window aggregates over sliding frames: the cost per row should not grow
 * with the frame for the aggregates that take rows back out (count, sum, avg,
 * min, max), and does for those that fold each frame anew (stddev, and the
 * example pack's weighted_avg, an SDK aggregate without `retract`). One run,
 * ratios within it:
 *
 *   node plugins/functions-example/dist/bench/window-bench.js [rows]   (default 100k; env BENCH_ROWS too)
 *
 * For each aggregate, `OVER (PARTITION BY host ORDER BY ts ROWS BETWEEN n
 * PRECEDING AND CURRENT ROW)` with n = 10 and n = 2,000 (best of RUNS each),
 * and the ratio of the two: about 1 means O(1) per row.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { QUERY, StrataServer, createSession, type QueryService } from '@strata/kernel';
import engineLsm from '@strata/engine-lsm';
import storeFs from '@strata/store-fs';
import walLocal from '@strata/wal-local';
import plugin from '../src/index.js';

const ROWS = Number(process.argv[2] ?? process.env.BENCH_ROWS ?? 100_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const FRAMES = [10, 2000];

async function drain(query: QueryService, sql: string): Promise<number> {
  let n = 0;
  for await (const out of query.execute(sql, createSession({ channel: 'internal' }))) {
    if (out.kind !== 'records') continue;
    for await (const b of out.batches) n += b.numRows;
  }
  return n;
}

async function best(query: QueryService, sql: string): Promise<number> {
  let ms = Infinity;
  for (let r = 0; r < RUNS; r++) {
    const t0 = performance.now();
    const n = await drain(query, sql);
    if (n !== ROWS) throw new Error(`${sql}: ${n} rows, expected ${ROWS}`);
    ms = Math.min(ms, performance.now() - t0);
  }
  return ms;
}

async function main(): Promise<void> {
  const dataHome = await mkdtemp(path.join(os.tmpdir(), 'window-bench-'));
  const server = await StrataServer.fromDefinitions([
    { definition: storeFs, options: { fsync: false } },
    { definition: walLocal, options: { syncMode: 'none' } },
    { definition: engineLsm },
    { definition: plugin },
  ], { dataHome }, { logLevel: 'silent', processMetrics: false });
  await server.start();
  try {
    const query = server.get(QUERY);
    await drain(query, 'CREATE TABLE t (host STRING, ts TIMESTAMP TIME INDEX, x DOUBLE, w DOUBLE, PRIMARY KEY (host))');
    for (let off = 0; off < ROWS; off += 10_000) {
      const rows: string[] = [];
      for (let i = off; i < Math.min(ROWS, off + 10_000); i++) rows.push(`('h${i % 4}', ${i * 1000}, ${((i * 7919) % 1000) / 10}, ${1 + (i % 3)})`);
      await drain(query, `INSERT INTO t VALUES ${rows.join(',')}`);
    }
    await drain(query, "ADMIN flush_table('t')");
    // Warm up the window operator once, so the first aggregate measured does not pay for it.
    await drain(query, 'SELECT sum(x) OVER (PARTITION BY host ORDER BY ts ROWS BETWEEN 10 PRECEDING AND CURRENT ROW) FROM t');
    console.log(`${ROWS} rows in 4 partitions; best of ${RUNS} runs; ROWS BETWEEN n PRECEDING AND CURRENT ROW`);
    console.log(`${'aggregate'.padEnd(22)} ${FRAMES.map((f) => `n=${f}`.padStart(10)).join(' ')}   ratio`);
    for (const agg of ['count(x)', 'sum(x)', 'avg(x)', 'min(x)', 'max(x)', 'stddev(x)', 'weighted_avg(x, w)']) {
      const ms: number[] = [];
      for (const n of FRAMES) ms.push(await best(query, `SELECT ${agg} OVER (PARTITION BY host ORDER BY ts ROWS BETWEEN ${n} PRECEDING AND CURRENT ROW) FROM t`));
      console.log(`${agg.padEnd(22)} ${ms.map((m) => `${m.toFixed(0)} ms`.padStart(10)).join(' ')}   ${(ms[1]! / ms[0]!).toFixed(1)}x`);
    }
  } finally {
    await server.stop();
    await rm(dataHome, { recursive: true, force: true });
  }
}

main().catch((e) => { console.error(e); process.exitCode = 1; });
