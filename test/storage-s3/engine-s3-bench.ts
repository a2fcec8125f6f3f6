/**
 * Ingest and full-scan time of engine-lsm + wal-local on store-fs versus
 * store-s3 (s3rver on loopback), the S3 cache cold (a new server on an empty
 * disk), warm (the same server again), after a restart on the same disk
 * (entries verified: HEAD + re-hash), and disabled.
 *
 *   npx tsc -p test && node test/dist/storage-s3/engine-s3-bench.js [rows] [rowsPerFlush]
 *   S3_LATENCY_MS=20 node ...   # every S3 response held back 20 ms, like a real network
 *
 * s3rver is a single Node process writing files: per request it is slower
 * than S3 or MinIO but has no network latency. Read the S3 figures as the
 * cost of the object-store path and the gain of the cache, not as AWS figures.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ENGINE, StrataServer, type PluginDefinition, type StorageEngine } from '@strata/kernel';
import engineLsm from '@strata/engine-lsm';
import storeFs from '@strata/store-fs';
import storeS3 from '@strata/store-s3';
import walLocal from '@strata/wal-local';
import { cpuBatch, cpuRows, cpuSchema } from './support/cpu-table.js';
import { DelayProxy, S3rverProcess } from '@strata/store-s3/testing';

const rows = Number(process.argv[2] ?? 300_000);
const rowsPerFlush = Number(process.argv[3] ?? 30_000);
const writeBatchRows = 10_000;
const REGION = '1024_0';
const BUCKET = 'strata-bench';

const dir = await mkdtemp(path.join(os.tmpdir(), 'strata-engine-s3-bench-'));
const s3 = await S3rverProcess.start(path.join(dir, 's3'), [BUCKET]);
const latencyMs = Number(process.env.S3_LATENCY_MS ?? 0);
const proxy = latencyMs > 0 ? await DelayProxy.start(s3.port, { delayMs: latencyMs, slowConnections: Infinity }) : undefined;
const endpoint = proxy?.endpoint ?? s3.endpoint;
let homes = 0;

async function serve(store: { definition: PluginDefinition; options: Record<string, unknown> }, dataHome: string): Promise<{ server: StrataServer; engine: StorageEngine }> {
  const server = await StrataServer.fromDefinitions([
    { definition: walLocal, options: {} },
    store,
    { definition: engineLsm, options: { compaction: { enabled: false } } },
  ], { dataHome }, { logLevel: 'silent', processMetrics: false });
  await server.start();
  return { server, engine: server.get(ENGINE) };
}

function s3Store(extra: Record<string, unknown> = {}): { definition: PluginDefinition; options: Record<string, unknown> } {
  return {
    definition: storeS3 as PluginDefinition,
    options: { bucket: BUCKET, prefix: 'bench', endpoint, forcePathStyle: true, accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER', ...extra },
  };
}

async function ingest(engine: StorageEngine): Promise<number> {
  const t0 = performance.now();
  await engine.createRegion(REGION, cpuSchema);
  let sinceFlush = 0;
  for (let done = 0, batch = 0; done < rows; done += writeBatchRows, batch++) {
    const n = Math.min(writeBatchRows, rows - done);
    await engine.write(REGION, cpuBatch(cpuRows(batch, n, 0, 50)));
    sinceFlush += n;
    if (sinceFlush >= rowsPerFlush) { await engine.flush(REGION); sinceFlush = 0; }
  }
  await engine.flush(REGION);
  return performance.now() - t0;
}

async function fullScan(engine: StorageEngine): Promise<{ ms: number; rows: number }> {
  const t0 = performance.now();
  let n = 0;
  for await (const b of engine.scan(REGION, {})) n += b.numRows;
  return { ms: performance.now() - t0, rows: n };
}

function line(label: string, ms: number, count: number): void {
  console.log(`${label.padEnd(44)} ${ms.toFixed(0).padStart(7)} ms ${(count / (ms / 1000)).toFixed(0).padStart(10)} rows/s`);
}

async function cacheStats(server: StrataServer): Promise<string> {
  const text = await server.metrics.text();
  const v = (name: string): string => new RegExp(`^${name} (\\d+)`, 'm').exec(text)?.[1] ?? '0';
  const gets = [...text.matchAll(/^strata_s3_requests_total\{op="get",status="[^"]+"\} (\d+)/gm)].reduce((s, m) => s + Number(m[1]), 0);
  const heads = [...text.matchAll(/^strata_s3_requests_total\{op="head",status="[^"]+"\} (\d+)/gm)].reduce((s, m) => s + Number(m[1]), 0);
  const lists = [...text.matchAll(/^strata_s3_requests_total\{op="list",status="[^"]+"\} (\d+)/gm)].reduce((s, m) => s + Number(m[1]), 0);
  return `hits ${v('strata_s3_cache_hits_total')}, misses ${v('strata_s3_cache_misses_total')}, GETs ${gets}, HEADs ${heads}, LISTs ${lists}`;
}

try {
  console.log(`engine-lsm + wal-local, ${rows} rows, flush every ${rowsPerFlush} rows (${Math.ceil(rows / rowsPerFlush)} SSTs), S3 latency ${latencyMs} ms, node ${process.version}`);

  // Warm-up (JIT, parquet-wasm instantiation), not reported: otherwise the first configuration pays for it.
  {
    const w = await serve({ definition: storeFs as PluginDefinition, options: {} }, path.join(dir, 'warm-up'));
    await w.engine.createRegion(REGION, cpuSchema);
    for (let i = 0; i < 4; i++) { await w.engine.write(REGION, cpuBatch(cpuRows(i, writeBatchRows, 0, 50))); await w.engine.flush(REGION); }
    for (let i = 0; i < 3; i++) await fullScan(w.engine);
    await w.server.stop();
  }

  // store-fs
  const fsHome = path.join(dir, `home-${++homes}`);
  let a = await serve({ definition: storeFs as PluginDefinition, options: {} }, fsHome);
  line('store-fs: ingest (write + flush)', await ingest(a.engine), rows);
  await a.server.stop();
  a = await serve({ definition: storeFs as PluginDefinition, options: {} }, fsHome);
  await a.engine.openRegion(REGION, cpuSchema);
  let s = await fullScan(a.engine);
  line('store-fs: full scan after restart', s.ms, s.rows);
  s = await fullScan(a.engine);
  line('store-fs: full scan again', s.ms, s.rows);
  await a.server.stop();

  // store-s3
  const s3Home = path.join(dir, `home-${++homes}`);
  a = await serve(s3Store(), s3Home);
  line('store-s3: ingest (write + flush, write-through)', await ingest(a.engine), rows);
  await a.server.stop();

  const coldHome = path.join(dir, `home-${++homes}`);
  a = await serve(s3Store(), coldHome);
  await a.engine.openRegion(REGION, cpuSchema);
  s = await fullScan(a.engine);
  line('store-s3: full scan, empty disk (cold cache)', s.ms, s.rows);
  console.log(`  ${await cacheStats(a.server)}`);
  s = await fullScan(a.engine);
  line('store-s3: full scan again (warm cache)', s.ms, s.rows);
  console.log(`  ${await cacheStats(a.server)}`);
  await a.server.stop();

  a = await serve(s3Store(), coldHome);
  await a.engine.openRegion(REGION, cpuSchema);
  s = await fullScan(a.engine);
  line('store-s3: full scan after restart (cache kept)', s.ms, s.rows);
  console.log(`  ${await cacheStats(a.server)}`);
  await a.server.stop();

  a = await serve(s3Store({ cache: false }), path.join(dir, `home-${++homes}`));
  await a.engine.openRegion(REGION, cpuSchema);
  s = await fullScan(a.engine);
  line('store-s3: full scan, cache disabled', s.ms, s.rows);
  s = await fullScan(a.engine);
  line('store-s3: full scan again, cache disabled', s.ms, s.rows);
  await a.server.stop();
} finally {
  await proxy?.close();
  await s3.stop();
  await rm(dir, { recursive: true, force: true });
}
