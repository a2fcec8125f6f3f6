/**
 * Put/get throughput of store-s3 against s3rver on loopback: puts, then gets
 * with a cold cache (every read goes to S3), a warm cache (every read is
 * local), and with the cache disabled; whole objects and 64 KiB ranges.
 *
 *   npx tsc -p plugins/store-s3 && node plugins/store-s3/dist/bench/store-bench.js [objects] [objectKiB]
 *
 * s3rver is a Node server writing files, far slower than S3 or MinIO per
 * request but with no network latency: read the figures as relative costs
 * (cache vs no cache), not as what AWS would do.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { MetricsRegistry } from '@strata/kernel';
import { S3ObjectStore, type S3ObjectStoreConfig } from '../src/index.js';
import { S3rverProcess } from '../test/support/s3rver-process.js';

const objects = Number(process.argv[2] ?? 64);
const objectBytes = Number(process.argv[3] ?? 1024) * 1024;
const concurrency = 8;
const BUCKET = 'strata-bench';

async function pool<T>(items: readonly T[], fn: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: concurrency }, async () => { while (next < items.length) await fn(items[next++]!); }));
}

async function timed(label: string, bytes: number, count: number, fn: () => Promise<void>): Promise<void> {
  const t0 = performance.now();
  await fn();
  const s = (performance.now() - t0) / 1000;
  console.log(`${label.padEnd(34)} ${(count / s).toFixed(0).padStart(7)} ops/s ${(bytes / s / 2 ** 20).toFixed(1).padStart(8)} MiB/s  (${(s * 1000).toFixed(0)} ms)`);
}

const dir = await mkdtemp(path.join(os.tmpdir(), 'strata-s3-bench-'));
const s3 = await S3rverProcess.start(path.join(dir, 's3'), [BUCKET]);
try {
  const base: S3ObjectStoreConfig = {
    bucket: BUCKET, prefix: 'bench', endpoint: s3.endpoint, forcePathStyle: true, region: 'us-east-1',
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' }, metrics: new MetricsRegistry(),
  };
  const cache = { dir: path.join(dir, 'cache'), bytesMax: 4 * objects * objectBytes, objectBytesMax: 2 * objectBytes, writeThrough: false, fillOnRangedRead: false };
  const keys = Array.from({ length: objects }, (_, i) => `data/1024_0/sst/${String(i).padStart(6, '0')}.parquet`);
  const payload = randomBytes(objectBytes);
  const total = objects * objectBytes;
  const range = Math.min(64 * 1024, objectBytes / 2);
  // Local reads are fast: repeat them so the figure is not timer noise.
  const rounds = 5;
  const repeated = Array.from({ length: rounds }, () => keys).flat();
  console.log(`store-s3 on s3rver (loopback), ${objects} objects x ${objectBytes / 1024} KiB, ${concurrency} in flight, node ${process.version}`);

  const writer = new S3ObjectStore({ ...base });
  await writer.init();
  await timed('put', total, objects, () => pool(keys, (k) => writer.put(k, payload)));
  await writer.close();

  const noCache = new S3ObjectStore({ ...base });
  await noCache.init();
  await timed('get, no cache', total, objects, () => pool(keys, (k) => noCache.get(k)));
  await timed(`ranged get ${range / 1024}KiB, no cache`, objects * range, objects, () => pool(keys, (k) => noCache.get(k, { offset: objectBytes - range, length: range })));
  await noCache.close();

  const cold = new S3ObjectStore({ ...base, cache });
  await cold.init();
  await timed('get, cold cache (GET + cache fill)', total, objects, () => pool(keys, (k) => cold.get(k)));
  await timed('get, warm cache', rounds * total, rounds * objects, () => pool(repeated, (k) => cold.get(k)));
  await timed(`ranged get ${range / 1024}KiB, warm cache`, rounds * objects * range, rounds * objects, () => pool(repeated, (k) => cold.get(k, { offset: objectBytes - range, length: range })));
  await cold.close();

  const restarted = new S3ObjectStore({ ...base, cache });
  await restarted.init();
  await timed('get, cache after restart (HEAD+hash)', total, objects, () => pool(keys, (k) => restarted.get(k)));
  await timed('get, cache after restart, 2nd read', rounds * total, rounds * objects, () => pool(repeated, (k) => restarted.get(k)));
  await restarted.close();

  const through = new S3ObjectStore({ ...base, prefix: 'bench-wt', cache: { ...cache, dir: path.join(dir, 'cache-wt'), writeThrough: true } });
  await through.init();
  await timed('put, write-through cache', total, objects, () => pool(keys, (k) => through.put(k, payload)));
  await timed('get after write-through', rounds * total, rounds * objects, () => pool(repeated, (k) => through.get(k)));
  await through.close();
} finally {
  await s3.stop();
  await rm(dir, { recursive: true, force: true });
}
