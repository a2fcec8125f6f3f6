// Coprocessor figures: pool cold start, per-call overhead of an empty script,
// an element-wise script over N rows (default 1M) in the pool, and then on a
// real server (store-fs + wal-local + engine-lsm, data in the memtable) the
// same expression as SQL, as a stored script with sql= (/v1/run-script's
// path) and as a stored script called as a SQL function.
//   node plugins/coprocessor-python/bench/coprocessor-bench.mjs [rows]
// Build first: npx tsc -b plugins/coprocessor-python plugins/engine-lsm plugins/store-fs plugins/wal-local
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import * as arrow from 'apache-arrow';
import { QUERY, SCRIPTS, StrataServer, createSession } from '@strata/kernel';
import coprocessorPython, { PythonCoprocessor, PythonWorkerPool } from '../dist/src/index.js';

const rows = Number(process.argv[2] ?? 1_000_000);
const session = createSession({ channel: 'internal' });
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

let t0 = performance.now();
const pool = new PythonWorkerPool({ workers: 1, timeoutMs: 60_000, interruptGraceMs: 1000, memoryLimitBytes: 1024 ** 3, startTimeoutMs: 60_000 });
await pool.start();
const coldStartMs = performance.now() - t0;
const copr = new PythonCoprocessor(pool);

const empty = '@copr(returns=["x"])\ndef f():\n    return 1\n';
await copr.run('empty', empty, undefined, {}, session);
const calls = [];
for (let i = 0; i < 50; i++) {
  t0 = performance.now();
  await copr.run('empty', empty, undefined, {}, session);
  calls.push(performance.now() - t0);
}

const input = arrow.tableFromArrays({ v: Float64Array.from({ length: rows }, (_, i) => i * 0.5) });
const scripts = {
  'v * 2.0 + 1.0': '@copr(args=["v"], returns=["y"])\ndef f(v) -> vector[f64]:\n    return v * 2.0 + 1.0\n',
  'v[v > mean(v)]': '@copr(args=["v"], returns=["y"])\ndef f(v) -> vector[f64]:\n    from greptime import mean\n    return v[v > mean(v)]\n',
  'sum(v) (1 row)': '@copr(args=["v"], returns=["y"])\ndef f(v) -> vector[f64]:\n    from greptime import sum\n    return vector([sum(v)])\n',
};
const results = {};
for (const [label, src] of Object.entries(scripts)) {
  await copr.run('w', src, input, {}, session); // warm (compile + first run)
  const times = [];
  for (let i = 0; i < 3; i++) {
    t0 = performance.now();
    const out = await copr.run('w', src, input, {}, session);
    times.push(performance.now() - t0);
    if (out.numRows === 0) throw new Error('no rows');
  }
  results[label] = { ms: Math.round(median(times)), rowsPerSec: Math.round(rows / (median(times) / 1000)) };
}
await pool.stop();

// ---- on a real server: SQL vs stored script (sql=) vs script as a SQL function
// The bench only: the sibling plugins are resolved through the workspace (the plugin itself never imports them).
const [{ default: storeFs }, { default: walLocal }, { default: engineLsm }] = await Promise.all(
  ['@strata/store-fs', '@strata/wal-local', '@strata/engine-lsm'].map((m) => import(m)));
const dataHome = await fs.mkdtemp(path.join(os.tmpdir(), 'strata-copr-bench-'));
const server = await StrataServer.fromDefinitions([
  { definition: storeFs }, { definition: walLocal, options: { syncMode: 'none' } }, { definition: engineLsm },
  { definition: coprocessorPython, options: { workers: 1, timeoutMs: '60s', memoryLimitBytes: '1GiB', fsync: false } },
], { dataHome }, { logLevel: 'silent', processMetrics: false });
const sql = {};
try {
  await server.start();
  const query = server.get(QUERY);
  const scriptService = server.get(SCRIPTS);
  const drain = async (text) => {
    let n = 0;
    for await (const out of query.execute(text, session)) if (out.kind === 'records') for await (const b of out.batches) n += b.numRows;
    return n;
  };
  await drain('CREATE TABLE t (ts TIMESTAMP TIME INDEX, v DOUBLE)');
  await drain('CREATE TABLE one (ts TIMESTAMP TIME INDEX, v DOUBLE)');
  await drain('INSERT INTO one VALUES (0, 1.5)');
  const chunk = 100_000;
  for (let off = 0; off < rows; off += chunk) {
    const n = Math.min(chunk, rows - off);
    await query.insert([{
      database: 'public', table: 't', rowCount: n, columns: [
        { name: 'ts', semantic: 'timestamp', vector: arrow.makeVector({ type: new arrow.TimestampMillisecond(), data: BigInt64Array.from({ length: n }, (_, i) => BigInt(off + i)) }) },
        { name: 'v', semantic: 'field', vector: arrow.makeVector(Float64Array.from({ length: n }, (_, i) => (off + i) * 0.5)) },
      ],
    }], session);
  }
  await scriptService.submit('public', 'affine', '@copr(args=["v"], returns=["y"])\ndef affine(v) -> vector[f64]:\n    return v * 2.0 + 1.0\n');
  await scriptService.submit('public', 'affine_sql', '@copr(args=["v"], returns=["y"], sql="select v from t")\ndef affine_sql(v) -> vector[f64]:\n    return v * 2.0 + 1.0\n');
  await scriptService.submit('public', 'ident', '@copr(args=["v"], returns=["y"])\ndef ident(v) -> vector[f64]:\n    return v\n');
  await scriptService.submit('public', 'batch_len', '@copr(args=["v"], returns=["n"])\ndef batch_len(v) -> vector[i64]:\n    return vector([len(v)] * len(v))\n');
  const timed = async (label, run, repeat = 3) => {
    await run(); // warm
    const times = [];
    for (let i = 0; i < repeat; i++) { t0 = performance.now(); const n = await run(); times.push(performance.now() - t0); if (n === 0) throw new Error(`${label}: no rows`); }
    const ms = median(times);
    sql[label] = { ms: +ms.toFixed(ms < 10 ? 2 : 0), ...(repeat === 3 ? { rowsPerSec: Math.round(rows / (ms / 1000)) } : {}) };
  };
  const runScript = async (name) => { const out = await scriptService.run('public', name, {}, session); let n = 0; for await (const b of out.batches) n += b.numRows; return n; };
  await timed('SELECT v FROM t (scan alone)', () => drain('SELECT v FROM t'));
  await timed('SELECT v * 2.0 + 1.0 FROM t (SQL)', () => drain('SELECT v * 2.0 + 1.0 FROM t'));
  await timed('run-script affine_sql (sql= then script)', () => runScript('affine_sql'));
  await timed('SELECT affine(v) FROM t (script as SQL function)', () => drain('SELECT affine(v) FROM t'));
  await timed('SELECT ident(v) FROM t (identity script as SQL function)', () => drain('SELECT ident(v) FROM t'));
  await timed('SELECT v FROM one (1 row, SQL)', () => drain('SELECT v FROM one'), 21);
  await timed('SELECT ident(v) FROM one (1 row, script as SQL function)', () => drain('SELECT ident(v) FROM one'), 21);
  for await (const out of query.execute('SELECT count(*), min(batch_len(v)), max(batch_len(v)) FROM t', session)) {
    for await (const b of out.batches) sql.functionCalls = { batches: Math.round(Number(b.getChildAt(0).get(0)) / Number(b.getChildAt(2).get(0))), rowsPerCallMin: Number(b.getChildAt(1).get(0)), rowsPerCallMax: Number(b.getChildAt(2).get(0)) };
  }
} finally {
  await server.stop();
  await fs.rm(dataHome, { recursive: true, force: true });
}

console.log(JSON.stringify({
  rows,
  coldStartMs: Math.round(coldStartMs),
  emptyCallMs: { median: +median(calls).toFixed(2), min: +Math.min(...calls).toFixed(2) },
  elementWise: results,
  onServer: sql,
}, null, 1));
