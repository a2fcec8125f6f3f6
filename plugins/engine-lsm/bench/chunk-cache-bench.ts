/**
 * Chunk cache under a scan bigger than itself: `node plugins/engine-lsm/dist/bench/chunk-cache-bench.js`
 * (after `npx tsc -b plugins/engine-lsm`).
 *
 * As page-cache-bench.ts, two regions of TSBS cpu-shaped data, one SST each:
 * a small one whose full scan is the "hot" repeated query and a big one whose
 * full scan of every field fetches more compressed chunks than
 * sstChunkCacheBytes holds. The in-memory store waits BENCH_GET_MS per ranged
 * get (an object store's round trip; 0 = none) and counts them. Runs: the hot
 * query three times (warm), then rounds of the big scan followed by the hot
 * query. Prints wall and CPU ms per run, the store's ranged gets and bytes,
 * and the chunk cache's counters; then the medians of the hot queries after a
 * big scan and of the big scans after the first.
 * Env: BENCH_CHUNK_CACHE (sstChunkCacheBytes, default 2MiB), BENCH_PAGE_CACHE
 * (sstPageCacheBytes, default 16MiB), BENCH_GET_MS (default 2), BENCH_BIG_HOSTS
 * (default 400), BENCH_HOT_HOSTS (default 50), BENCH_POINTS (default 1000),
 * BENCH_ROUNDS (default 5).
 */
import type { ByteRange } from '@strata/kernel';
import { defaultEngineLsmOptions, LsmEngine } from '../src/index.js';
import { aggregateScan, cpuBatches, cpuSchema, FIELDS } from './tsbs-cpu-schema.js';
import { MemoryStore } from '../test/support/memory-store.js';
import { MemoryWal } from '../test/support/memory-wal.js';
import { silentLogger } from '../test/support/fixtures.js';

const CHUNK_CACHE = process.env.BENCH_CHUNK_CACHE ?? '2MiB', PAGE_CACHE = process.env.BENCH_PAGE_CACHE ?? '16MiB';
const GET_MS = Number(process.env.BENCH_GET_MS ?? 2);
const BIG_HOSTS = Number(process.env.BENCH_BIG_HOSTS ?? 400), HOT_HOSTS = Number(process.env.BENCH_HOT_HOSTS ?? 50);
const POINTS = Number(process.env.BENCH_POINTS ?? 1000), ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const T0 = 1_700_000_000_000;

/** The in-memory store with a round trip per ranged get (whole-object gets, at startup, are not delayed). */
class SlowStore extends MemoryStore {
  override async get(key: string, range?: ByteRange): Promise<Uint8Array> {
    if (range && GET_MS > 0) await new Promise((r) => setTimeout(r, GET_MS));
    return super.get(key, range);
  }
}

/** Counters of the chunk cache (evictions and declined are read by name: older builds may have none). */
function counters(engine: LsmEngine, store: MemoryStore): Record<string, number> {
  const c = engine.sstChunks! as unknown as Record<string, number>;
  return {
    hits: c.hits!, misses: c.misses!, evictions: c.evictions ?? NaN, declined: c.declined ?? NaN, bytes: engine.sstChunks!.bytes,
    gets: store.rangedGets, read: store.bytesRead,
  };
}

interface Run { wall: number; cpu: number; gets: number }

/** Runs one scan (an aggregate's: unordered, a field summed) and prints it. */
async function run(engine: LsmEngine, store: MemoryStore, label: string, region: string, projection: string[]): Promise<Run> {
  const before = counters(engine, store);
  const { rows, sum, wall, cpu } = await aggregateScan(engine, region, projection);
  const after = counters(engine, store);
  const d = (k: string) => after[k]! - before[k]!;
  console.log(`${label.padEnd(14)} ${String(rows).padStart(7)} rows  wall ${wall.toFixed(1).padStart(6)} ms  cpu ${cpu.toFixed(1).padStart(6)} ms  `
    + `store gets ${d('gets')} (${(d('read') / 2 ** 20).toFixed(2)} MiB)  hits ${d('hits')} misses ${d('misses')} evictions ${d('evictions')} declined ${d('declined')}  `
    + `cache ${(after.bytes! / 2 ** 20).toFixed(2)} MiB  (sum ${sum})`);
  return { wall, cpu, gets: d('gets') };
}

const median = (xs: number[]): number => { const s = [...xs].sort((a, b) => a - b); return s[s.length >> 1]!; };

async function main(): Promise<void> {
  const store = new SlowStore();
  const engine = new LsmEngine(new MemoryWal(), store, defaultEngineLsmOptions({
    memtableBytesMax: '1GiB', compaction: { enabled: false }, sstChunkCacheBytes: CHUNK_CACHE, sstPageCacheBytes: PAGE_CACHE, encodeInWorkers: false,
  }), silentLogger);
  for (const [region, hosts] of [['hot', HOT_HOSTS], ['big', BIG_HOSTS]] as const) {
    await engine.createRegion(region, cpuSchema);
    for (const b of cpuBatches(hosts, POINTS, T0)) await engine.write(region, b);
    await engine.flush(region);
    const st = engine.stats(region);
    console.log(`${region}: ${st.rows} rows, ${st.sstFiles} SST, ${(st.sstBytes / 2 ** 20).toFixed(1)} MiB stored`);
  }
  console.log(`sstChunkCacheBytes ${CHUNK_CACHE}, sstPageCacheBytes ${PAGE_CACHE}, ${GET_MS} ms per ranged get`);
  const all = ['ts', ...FIELDS];
  for (let i = 0; i < 3; i++) await run(engine, store, `hot ${i + 1}`, 'hot', all);
  const big: Run[] = [], hot: Run[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    const b = await run(engine, store, `big ${i + 1}`, 'big', all);
    if (i > 0) big.push(b);
    hot.push(await run(engine, store, `hot after ${i + 1}`, 'hot', all));
  }
  const m = (xs: Run[], k: keyof Run) => median(xs.map((x) => x[k])).toFixed(1);
  console.log(`median: hot query after a big scan wall ${m(hot, 'wall')} ms cpu ${m(hot, 'cpu')} ms, ${hot.reduce((a, x) => a + x.gets, 0)} store gets in all; `
    + `big scan (rounds 2-${ROUNDS}) wall ${m(big, 'wall')} ms cpu ${m(big, 'cpu')} ms`);
  await engine.stop();
}

await main();
