/**
 * engine-lsm bench: `npm run bench -w plugins/engine-lsm` (after `npx tsc -b plugins/engine-lsm`).
 *
 * TSBS cpu-like data: 10 tags (hostname, region, datacenter, rack, os, arch,
 * team, service, service_version, service_environment), 10 float fields
 * (random walks of integers 0..100 as TSBS cpu-only emits), 10 s interval.
 * Prints memtable insert rows/s, engine write rows/s (WAL encode + in-memory
 * WAL), flush + compaction bytes/row, and full-scan rows/s.
 * Env: BENCH_HOSTS (default 1000), BENCH_POINTS (default 1000),
 * BENCH_SCAN_ROUNDS (default 6), BENCH_ONLY=scan (only load the small-memtable
 * region and run the SST scans), BENCH_SCAN=<label part> (only the SST scans
 * whose label contains it), BENCH_CPU_PROF=<file.cpuprofile> (a CPU profile
 * of just the SST scans, sampled every 200 µs).
 */
import * as arrow from 'apache-arrow';
import { defaultEngineLsmOptions, LsmEngine, Memtable } from '../src/index.js';
import { cpuSchema, FIELDS, rnd, TAGS } from './tsbs-cpu-schema.js';
import { MemoryStore } from '../test/support/memory-store.js';
import { MemoryWal } from '../test/support/memory-wal.js';
import { silentLogger } from '../test/support/fixtures.js';

const HOSTS = Number(process.env.BENCH_HOSTS ?? 1000);
const POINTS = Number(process.env.BENCH_POINTS ?? 1000);
const BATCH_ROWS = 10_000;
const SCAN_ROUNDS = Math.max(2, Number(process.env.BENCH_SCAN_ROUNDS ?? 6));

const schema = cpuSchema;


function hostTags(h: number): string[] {
  const regions = ['us-east-1', 'us-west-1', 'us-west-2', 'eu-west-1', 'eu-central-1', 'ap-southeast-1', 'ap-southeast-2', 'ap-northeast-1', 'sa-east-1'];
  return [`host_${h}`, regions[h % 9]!, `${regions[h % 9]}${'abc'[h % 3]}`, String(h % 100), ['Ubuntu16.10', 'Ubuntu16.04LTS', 'Ubuntu15.10'][h % 3]!,
    ['x64', 'x86'][h % 2]!, ['SF', 'NYC', 'LON', 'CHI'][h % 4]!, String(h % 20), String(h % 2), ['production', 'staging', 'test'][h % 3]!];
}

/** Batches in arrival order: each timestamp, every host (as TSBS emits). */
function makeBatches(): arrow.RecordBatch[] {
  const total = HOSTS * POINTS;
  const tags = Array.from({ length: HOSTS }, (_, h) => hostTags(h));
  const state = Array.from({ length: HOSTS * FIELDS.length }, () => Math.floor(rnd() * 100));
  const out: arrow.RecordBatch[] = [];
  const t0 = 1_700_000_000_000;
  for (let start = 0; start < total; start += BATCH_ROWS) {
    const n = Math.min(BATCH_ROWS, total - start);
    const cols: Record<string, arrow.Vector> = {};
    for (let t = 0; t < TAGS.length; t++) {
      const vals = new Array<string>(n);
      for (let i = 0; i < n; i++) vals[i] = tags[(start + i) % HOSTS]![t]!;
      cols[TAGS[t]!] = arrow.vectorFromArray(vals, new arrow.Utf8());
    }
    const ts = new BigInt64Array(n);
    for (let i = 0; i < n; i++) ts[i] = BigInt(t0 + Math.floor((start + i) / HOSTS) * 10_000);
    cols.ts = arrow.makeVector({ type: new arrow.TimestampMillisecond(), data: ts });
    for (let f = 0; f < FIELDS.length; f++) {
      const v = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        const k = ((start + i) % HOSTS) * FIELDS.length + f;
        let x = state[k]! + Math.floor(rnd() * 5) - 2;
        x = x < 0 ? 0 : x > 100 ? 100 : x;
        state[k] = x;
        v[i] = x;
      }
      cols[FIELDS[f]!] = arrow.makeVector(v);
    }
    out.push(new arrow.Table(cols).batches[0]!);
  }
  return out;
}

function rate(rows: number, ms: number): string { return `${(rows / ms / 1000).toFixed(2)}M rows/s`; }

/**
 * CPU time of this process in ms. Rates are reported per CPU second too: on a
 * shared machine wall time mostly measures the neighbours, and the targets are
 * per core anyway.
 */
function cpuMs(): number { const u = process.cpuUsage(); return (u.user + u.system) / 1000; }
function rates(rows: number, wallMs: number, cpu: number): string { return `${rate(rows, wallMs)} wall, ${rate(rows, cpu)} per CPU-second`; }

const SCAN_ONLY = process.env.BENCH_ONLY === 'scan';

/** Profiles `f` with the inspector when BENCH_CPU_PROF names a file. */
async function profiled<T>(f: () => Promise<T>): Promise<T> {
  const file = process.env.BENCH_CPU_PROF;
  if (!file) return f();
  const { Session } = await import('node:inspector/promises');
  const { writeFileSync } = await import('node:fs');
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 200 });
  await session.post('Profiler.start');
  try {
    return await f();
  } finally {
    const { profile } = await session.post('Profiler.stop');
    writeFileSync(file, JSON.stringify(profile));
    session.disconnect();
  }
}

async function main(): Promise<void> {
  const batches = makeBatches();
  const rows = batches.reduce((a, b) => a + b.numRows, 0);
  console.log(`data: ${HOSTS} hosts x ${POINTS} points = ${rows} rows, 10 tags + 10 float fields, ${batches.length} batches of ${BATCH_ROWS}`);
  const store = new MemoryStore();
  if (!SCAN_ONLY) await writePaths(batches, rows, store);

  // 4b. A region with small memtables flushes several overlapping SSTs, then
  // compaction merges them: bytes per row after compaction.
  const small = new LsmEngine(new MemoryWal(), store, defaultEngineLsmOptions({ memtableBytesMax: '16MiB', compaction: { enabled: false, windowMs: '1d' }, ...(process.env.BENCH_PAGE_BYTES ? { dataPageBytes: process.env.BENCH_PAGE_BYTES } : {}) }), silentLogger);
  await small.createRegion('2_0', schema);
  for (const b of batches) await small.write('2_0', b);
  await small.flush('2_0');
  let st = small.stats('2_0');
  console.log(`16MiB memtables: ${st.sstFiles} SSTs, ${(st.sstBytes / rows).toFixed(2)} bytes/row`);
  let t = performance.now(), c = cpuMs();
  await small.compact('2_0');
  st = small.stats('2_0');
  console.log(`after compaction: ${st.sstFiles} SST(s), ${st.sstBytes} bytes = ${(st.sstBytes / rows).toFixed(2)} bytes/row (compaction ${rates(rows, performance.now() - t, cpuMs() - c)})`);
  const engine2 = small;
  const region = '2_0';

  if (process.env.BENCH_SST_OUT) {
    const { writeFileSync } = await import('node:fs');
    const h = engine2.regionHandle(region);
    writeFileSync(process.env.BENCH_SST_OUT, store.objects.get(h.sstKeyOf(h.files()[0]!.id))!);
  }

  // 5. Full scans of flushed data.
  const tsStart = 1_700_000_000_000n + 10_000n * BigInt(Math.floor(POINTS / 10));
  const tsEnd = 1_700_000_000_000n + 10_000n * BigInt(POINTS);
  await profiled(async () => {
    for (const [label, req] of [
      ['all columns', {}],
      ['all columns, time range 90%', { timeRange: { start: tsStart, end: tsEnd } }],
      ['ts + 10 fields, time range 90%', { projection: ['ts', ...FIELDS], timeRange: { start: tsStart, end: tsEnd } }],
      ['one host (tag index)', { predicates: [{ column: 'hostname', op: '=' as const, value: 'host_7' }] }],
    ] as const) {
      if (process.env.BENCH_SCAN && !label.includes(process.env.BENCH_SCAN)) continue;
      // The first round builds per-file caches (series tables); later rounds
      // are reported as best and median, the machine being shared.
      const perCpu: number[] = [], perWall: number[] = [];
      let n = 0, first = '';
      for (let round = 0; round < SCAN_ROUNDS; round++) {
        t = performance.now(); c = cpuMs();
        n = 0;
        for await (const b of engine2.scan(region, req)) n += b.numRows;
        const ms = performance.now() - t, cms = cpuMs() - c;
        if (round === 0) first = rates(n, ms, cms);
        else { perCpu.push(n / cms / 1000); perWall.push(n / ms / 1000); }
      }
      perCpu.sort((x, y) => x - y);
      console.log(`SST scan (${label}): ${n} rows: best ${Math.max(...perWall).toFixed(2)}M rows/s wall, per CPU-second best ${perCpu.at(-1)!.toFixed(2)}M / median ${perCpu[perCpu.length >> 1]!.toFixed(2)}M rows/s over ${perCpu.length} rounds (first round: ${first})`);
    }
  });
  await engine2.stop();
  if (!SCAN_ONLY) highCardinality();
}

/** 1-4: memtable insert, engine.write, memtable scan, flush of one big memtable. */
async function writePaths(batches: arrow.RecordBatch[], rows: number, store: MemoryStore): Promise<void> {
  // 1. Memtable insert (the engine's in-memory write path, no WAL).
  for (let round = 0; round < 2; round++) {
    const mem = new Memtable(schema, false);
    const t = performance.now(), c = cpuMs();
    let seq = 1;
    for (const b of batches) mem.insert(b, seq++, 0);
    const ms = performance.now() - t;
    if (round === 1) console.log(`memtable insert: ${rates(rows, ms, cpuMs() - c)}, ${(mem.bytes / rows).toFixed(1)} memtable bytes/row, ${mem.seriesCount} series`);
  }

  // 2. Engine write path: WAL payload encode + in-memory WAL + memtable.
  const engine = new LsmEngine(new MemoryWal(), store, defaultEngineLsmOptions({ memtableBytesMax: '1GiB', compaction: { enabled: false, windowMs: '1d' } }), silentLogger);
  await engine.createRegion('1_0', schema);
  let t = performance.now();
  let c = cpuMs();
  for (const b of batches) await engine.write('1_0', b);
  console.log(`engine.write (IPC encode + memory WAL + memtable): ${rates(rows, performance.now() - t, cpuMs() - c)}`);

  // 3. Scan of the memtable.
  t = performance.now(); c = cpuMs();
  let n = 0;
  for await (const b of engine.scan('1_0', {})) n += b.numRows;
  console.log(`memtable full scan (all 21 columns): ${rates(n, performance.now() - t, cpuMs() - c)}`);

  // 4. Flush: bytes per row on disk.
  t = performance.now(); c = cpuMs();
  await engine.flush('1_0');
  const flushMs = performance.now() - t;
  const st = engine.stats('1_0');
  console.log(`flush of one 1M-row memtable: ${rates(rows, flushMs, cpuMs() - c)}, ${(st.sstBytes / rows).toFixed(2)} bytes/row`);
  await engine.dropRegion('1_0');
  await engine.stop();
}

function highCardinality(): void {
  // 6. High cardinality: memtable bytes per series with one row per series.
  const SERIES = Number(process.env.BENCH_SERIES ?? 200_000);
  const mem = new Memtable(schema, false);
  const used = (): number => { const u = process.memoryUsage(); return u.heapUsed + u.arrayBuffers; };
  global.gc?.();
  const heap0 = used();
  for (let start = 0; start < SERIES; start += BATCH_ROWS) {
    const n2 = Math.min(BATCH_ROWS, SERIES - start);
    const cols: Record<string, arrow.Vector> = {};
    for (let tg = 0; tg < TAGS.length; tg++) {
      cols[TAGS[tg]!] = arrow.vectorFromArray(Array.from({ length: n2 }, (_, i) => (tg === 0 ? `host_${start + i}` : hostTags(start + i)[tg]!)), new arrow.Utf8());
    }
    cols.ts = arrow.makeVector({ type: new arrow.TimestampMillisecond(), data: new BigInt64Array(n2).fill(1_700_000_000_000n) });
    for (const f of FIELDS) cols[f] = arrow.makeVector(new Float64Array(n2).fill(1));
    mem.insert(new arrow.Table(cols).batches[0]!, 1, 0);
  }
  global.gc?.();
  const heap1 = used();
  console.log(`high cardinality: ${mem.seriesCount} series, memtable accounting ${(mem.bytes / SERIES).toFixed(0)} bytes/series, heap + array buffers growth ${((heap1 - heap0) / SERIES).toFixed(0)} bytes/series`);
}

await main();
