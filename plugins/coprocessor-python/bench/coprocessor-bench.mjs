// Coprocessor figures: pool cold start, per-call overhead of an empty script,
// and an element-wise script over N rows (default 1M).
//   node plugins/coprocessor-python/bench/coprocessor-bench.mjs [rows]
import * as arrow from 'apache-arrow';
import { createSession } from '@strata/kernel';
import { PythonCoprocessor, PythonWorkerPool } from '../dist/src/index.js';

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
console.log(JSON.stringify({
  rows,
  coldStartMs: Math.round(coldStartMs),
  emptyCallMs: { median: +median(calls).toFixed(2), min: +Math.min(...calls).toFixed(2) },
  elementWise: results,
}, null, 1));
