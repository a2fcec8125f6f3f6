/**
 * Per-file fixed cost of small queries: `node plugins/engine-lsm/dist/bench/small-query-bench.js`.
 * 100 hosts x 24 h at 10 s (TSBS cpu shape) in a store-fs directory, compacted
 * into 2 h TWCS windows (12 SSTs), then single-host max(usage_user) scans over
 * 1, 8 and 24 h (what single-groupby-1-1-1 / 1-1-12 read), median CPU ms per
 * query. Env: BENCH_ROUNDS (default 40), BENCH_META_CACHE (sstMetaCacheBytes, '0' = off),
 * BENCH_OPEN_FILES (store-fs openFilesMax, '0' = open and close per get), BENCH_CPU_PROF=<file.cpuprofile> (the queries only).
 * Run with --expose-gc to start the queries after a full GC.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as arrow from 'apache-arrow';
import type { ObjectStore } from '@strata/kernel';
import { defaultEngineLsmOptions, LsmEngine } from '../src/index.js';
import { cpuSchema, FIELDS, rnd, TAGS } from './tsbs-cpu-schema.js';
import { MemoryWal } from '../test/support/memory-wal.js';
import { silentLogger } from '../test/support/fixtures.js';

const HOSTS = 100, POINTS = 8640, ROUNDS = Number(process.env.BENCH_ROUNDS ?? 40);
const schema = cpuSchema;
const T0 = 1_700_000_000_000;
const cpuMs = (): number => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };

function* batches(): Generator<arrow.RecordBatch> {
  const state = new Float64Array(HOSTS * FIELDS.length).map(() => Math.floor(rnd() * 100));
  const B = 10_000, total = HOSTS * POINTS;
  for (let s = 0; s < total; s += B) {
    const n = Math.min(B, total - s);
    const cols: Record<string, arrow.Vector> = {};
    TAGS.forEach((t, ti) => { cols[t] = arrow.vectorFromArray(Array.from({ length: n }, (_, i) => ti === 0 ? `host_${(s + i) % HOSTS}` : `${t}_${((s + i) % HOSTS) % (ti + 2)}`), new arrow.Utf8()); });
    const ts = new BigInt64Array(n);
    for (let i = 0; i < n; i++) ts[i] = BigInt(T0 + Math.floor((s + i) / HOSTS) * 10_000);
    cols.ts = arrow.makeVector({ type: new arrow.TimestampMillisecond(), data: ts });
    FIELDS.forEach((f, fi) => {
      const v = new Float64Array(n);
      for (let i = 0; i < n; i++) { const k = ((s + i) % HOSTS) * FIELDS.length + fi; const x = Math.min(100, Math.max(0, state[k]! + Math.floor(rnd() * 5) - 2)); state[k] = x; v[i] = x; }
      cols[f] = arrow.makeVector(v);
    });
    yield new arrow.Table(cols).batches[0]!;
  }
}

async function main(): Promise<void> {
  const dir = mkdtempSync(path.join(tmpdir(), 'strata-smallq-'));
  try {
    // store-fs is not a dependency of this package: loaded by name at run time (npm workspaces link it).
    const storeFs = '@strata/store-fs';
    const { FsObjectStore } = await import(storeFs) as { FsObjectStore: new (root: string, o: { fsync: boolean; openFilesMax: number }) => ObjectStore & { init(): Promise<void> } };
    const store = new FsObjectStore(dir, { fsync: false, openFilesMax: Number(process.env.BENCH_OPEN_FILES ?? 64) });
    await store.init();
    const engine = new LsmEngine(new MemoryWal(), store, defaultEngineLsmOptions({ memtableBytesMax: '64MiB', compaction: { enabled: false }, sstMetaCacheBytes: process.env.BENCH_META_CACHE ?? '64MiB' }), silentLogger);
    await engine.createRegion('1_0', schema);
    for (const b of batches()) await engine.write('1_0', b);
    await engine.flush('1_0');
    await engine.compact('1_0');
    const st = engine.stats('1_0');
    console.log(`${HOSTS * POINTS} rows, ${st.sstFiles} SSTs, ${(st.sstBytes / (HOSTS * POINTS)).toFixed(2)} bytes/row`);
    (globalThis as { gc?: () => void }).gc?.();
    const prof = process.env.BENCH_CPU_PROF;
    const { Session } = await import('node:inspector/promises');
    const session = new Session();
    if (prof) { session.connect(); await session.post('Profiler.enable'); await session.post('Profiler.setSamplingInterval', { interval: 100 }); await session.post('Profiler.start'); }
    for (const [hours, hosts] of [[1, 1], [8, 1], [24, 1], [12, 5]] as const) {
      const ms: number[] = [];
      for (let r = 0; r < ROUNDS + 3; r++) {
        const some = Array.from({ length: hosts }, (_, k) => `host_${(r * 37 + k * 19) % HOSTS}`);
        const start = BigInt(T0 + ((r * 3600_000 * 5) % ((24 - hours) * 3600_000 + 1)));
        const c = cpuMs();
        let max = -Infinity, n = 0;
        for await (const b of engine.scan('1_0', { projection: ['ts', 'usage_user'], timeRange: { start, end: start + BigInt(hours * 3600_000) }, predicates: [{ column: 'hostname', op: 'in', values: some }] })) {
          const v = b.getChild('usage_user')!;
          for (let i = 0; i < b.numRows; i++) { const x = v.get(i) as number; if (x > max) max = x; }
          n += b.numRows;
        }
        if (n !== hosts * hours * 360) throw new Error(`${hours} h: ${n} rows, expected ${hosts * hours * 360}`);
        if (r >= 3) ms.push(cpuMs() - c);
      }
      ms.sort((a, b) => a - b);
      console.log(`${hosts} host(s) max, ${hours} h: median ${ms[ms.length >> 1]!.toFixed(2)} CPU ms/query, mean ${(ms.reduce((a, b) => a + b, 0) / ms.length).toFixed(2)} (p10 ${ms[Math.floor(ms.length / 10)]!.toFixed(2)}, p90 ${ms[Math.floor(ms.length * 0.9)]!.toFixed(2)})`);
    }
    if (prof) {
      const { profile } = await session.post('Profiler.stop');
      const { writeFileSync } = await import('node:fs');
      writeFileSync(prof, JSON.stringify(profile));
      session.disconnect();
    }
    await engine.stop();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
await main();
