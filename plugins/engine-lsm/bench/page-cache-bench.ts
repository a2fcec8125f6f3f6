/**
 * Page cache under a scan bigger than itself: `node plugins/engine-lsm/dist/bench/page-cache-bench.js`
 * (after `npx tsc -b plugins/engine-lsm`).
 *
 * Two regions of TSBS cpu-shaped data in an in-memory store, one SST each: a
 * small one whose full scan is the "hot" repeated query (its row groups are
 * read whole, so its pages go through the engine page cache) and a big one
 * whose full scan of every field (an aggregate over the whole table) reads
 * more pages than the cache holds. Runs: the hot query three times (warm),
 * then rounds of the big scan followed by the hot query. Prints wall and CPU
 * ms per run, pages decompressed and the page cache's counters, then the
 * median CPU ms of the big scans after the first and of the hot queries
 * after a big scan.
 * Env: BENCH_PAGE_CACHE (sstPageCacheBytes, default 16MiB), BENCH_BIG_HOSTS
 * (default 400), BENCH_HOT_HOSTS (default 50), BENCH_POINTS (default 1000),
 * BENCH_ROUNDS (default 5).
 */
import { defaultEngineLsmOptions, LsmEngine } from '../src/index.js';
import { parquetReadInfo } from '../src/parquet-read.js';
import { aggregateScan, cpuBatches, cpuSchema, FIELDS } from './tsbs-cpu-schema.js';
import { MemoryStore } from '../test/support/memory-store.js';
import { MemoryWal } from '../test/support/memory-wal.js';
import { silentLogger } from '../test/support/fixtures.js';

const CACHE = process.env.BENCH_PAGE_CACHE ?? '16MiB';
const BIG_HOSTS = Number(process.env.BENCH_BIG_HOSTS ?? 400), HOT_HOSTS = Number(process.env.BENCH_HOT_HOSTS ?? 50);
const POINTS = Number(process.env.BENCH_POINTS ?? 1000), ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const T0 = 1_700_000_000_000;

/** Counters of the page cache (evictions and declined are read by name: older builds have none). */
function counters(engine: LsmEngine): Record<string, number> {
  const c = engine.sstPages! as unknown as Record<string, number>;
  return { hits: c.hits!, misses: c.misses!, evictions: c.evictions ?? NaN, declined: c.declined ?? NaN, bytes: engine.sstPages!.bytes };
}

/** Runs one scan and prints it; returns its CPU ms and the pages it decompressed. */
async function run(engine: LsmEngine, label: string, region: string, projection: string[]): Promise<{ cpu: number; pages: number }> {
  const before = counters(engine), pages = parquetReadInfo().pagesDecompressed;
  const { rows, sum, wall, cpu } = await aggregateScan(engine, region, projection);
  const after = counters(engine);
  const d = (k: string) => after[k]! - before[k]!;
  console.log(`${label.padEnd(14)} ${String(rows).padStart(7)} rows  wall ${wall.toFixed(1).padStart(6)} ms  cpu ${cpu.toFixed(1).padStart(6)} ms  `
    + `pages decompressed ${parquetReadInfo().pagesDecompressed - pages}  hits ${d('hits')} misses ${d('misses')} evictions ${d('evictions')} declined ${d('declined')}  `
    + `cache ${(after.bytes! / 2 ** 20).toFixed(1)} MiB  (sum ${sum})`);
  return { cpu, pages: parquetReadInfo().pagesDecompressed - pages };
}

const median = (xs: number[]): number => { const s = [...xs].sort((a, b) => a - b); return s[s.length >> 1]!; };

async function main(): Promise<void> {
  const engine = new LsmEngine(new MemoryWal(), new MemoryStore(), defaultEngineLsmOptions({
    memtableBytesMax: '1GiB', compaction: { enabled: false }, sstPageCacheBytes: CACHE, encodeInWorkers: false,
  }), silentLogger);
  for (const [region, hosts] of [['hot', HOT_HOSTS], ['big', BIG_HOSTS]] as const) {
    await engine.createRegion(region, cpuSchema);
    for (const b of cpuBatches(hosts, POINTS, T0)) await engine.write(region, b);
    await engine.flush(region);
    const st = engine.stats(region);
    console.log(`${region}: ${st.rows} rows, ${st.sstFiles} SST, ${(st.sstBytes / 2 ** 20).toFixed(1)} MiB stored`);
  }
  console.log(`sstPageCacheBytes ${CACHE}`);
  const all = ['ts', ...FIELDS];
  for (let i = 0; i < 3; i++) await run(engine, `hot ${i + 1}`, 'hot', all);
  const big: number[] = [], hot: number[] = [];
  let hotPages = 0;
  for (let i = 0; i < ROUNDS; i++) {
    const b = await run(engine, `big ${i + 1}`, 'big', all);
    if (i > 0) big.push(b.cpu);
    const h = await run(engine, `hot after ${i + 1}`, 'hot', all);
    hot.push(h.cpu);
    hotPages += h.pages;
  }
  console.log(`median cpu: big scan ${median(big).toFixed(1)} ms (rounds 2-${ROUNDS}), hot query after it ${median(hot).toFixed(1)} ms; `
    + `pages the hot queries decompressed after big scans: ${hotPages}`);
  await engine.stop();
}

await main();
