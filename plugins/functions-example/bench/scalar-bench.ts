/**
 * rows/s of a user scalar function (c_to_f, written with @strata/sdk)
 * against the same built-in expression (x * 9 / 5 + 32), through the SQL
 * engine over a stored Float64 column (engine-lsm on store-fs):
 *
 *   node plugins/functions-example/dist/bench/scalar-bench.js [rows]   (default 10M; env BENCH_ROWS too)
 *
 * Each query is run `RUNS` times; the best time counts (the machine is shared).
 * `sum(x)` is the scan + aggregate baseline; "function cost" is a query's
 * time minus the baseline's, i.e. what evaluating the expression costs.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import * as arrow from 'apache-arrow';
import { QUERY, StrataServer, createSession, type QueryService } from '@strata/kernel';
import engineLsm from '@strata/engine-lsm';
import storeFs from '@strata/store-fs';
import walLocal from '@strata/wal-local';
import plugin from '../src/index.js';

const ROWS = Number(process.argv[2] ?? process.env.BENCH_ROWS ?? 10_000_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const CHUNK = 500_000;

async function scalarOf(query: QueryService, sql: string): Promise<unknown> {
  let v: unknown;
  for await (const out of query.execute(sql, createSession({ channel: 'internal' }))) {
    if (out.kind !== 'records') continue;
    for await (const b of out.batches) if (b.numRows) v = b.getChildAt(0)!.get(0);
  }
  return v;
}

async function best(query: QueryService, sql: string): Promise<{ ms: number; value: unknown }> {
  let ms = Infinity; let value: unknown;
  for (let r = 0; r < RUNS; r++) {
    const t0 = performance.now();
    value = await scalarOf(query, sql);
    ms = Math.min(ms, performance.now() - t0);
  }
  return { ms, value };
}

async function main(): Promise<void> {
  const dataHome = await mkdtemp(path.join(os.tmpdir(), 'functions-bench-'));
  const server = await StrataServer.fromDefinitions([
    { definition: storeFs, options: { fsync: false } },
    { definition: walLocal, options: { syncMode: 'none' } },
    { definition: engineLsm },
    { definition: plugin },
  ], { dataHome }, { logLevel: 'silent', processMetrics: false });
  await server.start();
  try {
    const query = server.get(QUERY);
    await scalarOf(query, 'CREATE TABLE t (ts TIMESTAMP TIME INDEX, x DOUBLE)');
    const t0 = performance.now();
    for (let off = 0; off < ROWS; off += CHUNK) {
      const n = Math.min(CHUNK, ROWS - off);
      const ts = new BigInt64Array(n); const x = new Float64Array(n);
      for (let i = 0; i < n; i++) { ts[i] = BigInt(1_700_000_000_000 + off + i); x[i] = ((off + i) % 1000) / 10 - 20; }
      await query.insert([{
        database: 'public', table: 't', rowCount: n, columns: [
          { name: 'ts', semantic: 'timestamp', vector: arrow.makeVector(arrow.makeData({ type: new arrow.TimestampMillisecond(), length: n, data: ts })) },
          { name: 'x', semantic: 'field', vector: arrow.makeVector(x) },
        ],
      }], createSession({ channel: 'internal' }));
    }
    await scalarOf(query, "ADMIN flush_table('t')");
    console.log(`loaded ${ROWS} rows in ${((performance.now() - t0) / 1000).toFixed(1)} s; best of ${RUNS} runs each:`);
    const base = await best(query, 'SELECT sum(x) FROM t');
    const builtin = await best(query, 'SELECT sum(x * 9 / 5 + 32) FROM t');
    const udf = await best(query, 'SELECT sum(c_to_f(x)) FROM t');
    if (Math.abs(Number(builtin.value) - Number(udf.value)) > 1e-6 * Math.abs(Number(builtin.value))) throw new Error(`results differ: ${builtin.value} vs ${udf.value}`);
    const rate = (ms: number) => `${(ROWS / (ms / 1000) / 1e6).toFixed(1)} M rows/s`;
    const row = (name: string, ms: number) => console.log(`${name.padEnd(38)} ${ms.toFixed(0).padStart(7)} ms  ${rate(ms).padStart(16)}`);
    row('sum(x)             (scan baseline)', base.ms);
    row('sum(x * 9 / 5 + 32) (built-in)', builtin.ms);
    row('sum(c_to_f(x))     (SDK scalar)', udf.ms);
    const fb = Math.max(1, builtin.ms - base.ms); const fu = Math.max(1, udf.ms - base.ms);
    console.log(`whole query: UDF / built-in = ${(udf.ms / builtin.ms).toFixed(2)}x`);
    console.log(`expression only (minus baseline): built-in ${fb.toFixed(0)} ms (${rate(fb)}), UDF ${fu.toFixed(0)} ms (${rate(fu)}), ratio ${(fu / fb).toFixed(2)}x`);
  } finally {
    await server.stop();
    await rm(dataHome, { recursive: true, force: true });
  }
}

main().catch((e) => { console.error(e); process.exitCode = 1; });
