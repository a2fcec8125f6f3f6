import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { ENGINE, StorageError, StrataServer, type StorageEngine } from '@strata/kernel';
import engineLsm from '@strata/engine-lsm';
import storeS3 from '@strata/store-s3';
import walLocal from '@strata/wal-local';
import { cpuBatch as batchOf, cpuRows as rowsFor, cpuSchema as schema, expectedStrings as expected, scanStrings, type CpuRow as Row } from './support/cpu-table.js';
import { S3rverProcess } from '@strata/store-s3/testing';

const BUCKET = 'strata-e2e';
const REGION = '1024_0';

async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (err) {
    return err;
  }
  throw new Error('expected a rejection');
}

describe('e2e storage-s3: engine-lsm + wal-local + store-s3', function () {
  this.timeout(60_000);
  let dir: string;
  let s3: S3rverProcess;
  let homes = 0;
  const running: StrataServer[] = [];

  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'strata-e2e-s3-'));
    s3 = await S3rverProcess.start(path.join(dir, 's3'), [BUCKET]);
  });
  afterEach(async () => {
    for (const server of running.splice(0)) await server.stop().catch(() => undefined);
  });
  after(async () => {
    await s3?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  /** A server on a fresh (empty) local dataHome unless one is given, with its SSTs and manifests in the bucket. */
  async function startServer(prefix: string, dataHome = path.join(dir, `home-${++homes}`), s3Options: Record<string, unknown> = {}): Promise<{ server: StrataServer; engine: StorageEngine; dataHome: string }> {
    const server = await StrataServer.fromDefinitions([
      { definition: walLocal, options: {} },
      { definition: storeS3, options: {
        bucket: BUCKET, prefix, endpoint: s3.endpoint, forcePathStyle: true, accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER',
        maxAttempts: 2, retryBaseDelay: '20ms', retryMaxDelay: '100ms', requestTimeout: '2s', ...s3Options,
      } },
      // No engine chunk cache: these tests count the store's own reads and its disk cache.
      { definition: engineLsm, options: { compaction: { enabled: false }, sstChunkCacheBytes: '0' } },
    ], { dataHome }, { logLevel: 'silent', processMetrics: false });
    await server.start();
    running.push(server);
    return { server, engine: server.get(ENGINE), dataHome };
  }

  async function stopServer(server: StrataServer): Promise<void> {
    running.splice(running.indexOf(server), 1);
    await server.stop();
  }

  it('a server restarted on an empty local disk with the same bucket recovers every flushed row', async () => {
    const a = await startServer('recover');
    await a.engine.createRegion(REGION, schema);
    const written: Row[] = [];
    for (let batch = 0; batch < 3; batch++) {
      const rows = rowsFor(batch, 2000);
      await a.engine.write(REGION, batchOf(rows));
      written.push(...rows);
      await a.engine.flush(REGION);
    }
    // Overwrites of earlier rows (dedup across SSTs).
    const overwrite = rowsFor(1, 500, 1000);
    await a.engine.write(REGION, batchOf(overwrite));
    written.push(...overwrite);
    await a.engine.flush(REGION);
    const want = expected(written);
    expect(want).to.have.length(6000);
    expect(await scanStrings(a.engine, REGION)).to.deep.equal(want);
    expect(a.engine.stats(REGION).sstFiles).to.equal(4);
    await stopServer(a.server);

    // A new machine: nothing on local disk, same bucket and prefix.
    const b = await startServer('recover');
    expect(b.dataHome).to.not.equal(a.dataHome);
    await b.engine.openRegion(REGION, schema);
    expect(await scanStrings(b.engine, REGION)).to.deep.equal(want);
    expect(b.engine.stats(REGION).sstFiles).to.equal(4);
    // The second scan is served by the local cache.
    const hitsBefore = /strata_s3_cache_hits_total (\d+)/.exec(await b.server.metrics.text())?.[1];
    expect(await scanStrings(b.engine, REGION)).to.deep.equal(want);
    const hitsAfter = /strata_s3_cache_hits_total (\d+)/.exec(await b.server.metrics.text())?.[1];
    expect(Number(hitsAfter)).to.be.greaterThan(Number(hitsBefore ?? 0));
  });

  it('an S3 outage during a flush fails the flush; nothing acknowledged is lost, and a later flush lands the rows in S3', async () => {
    const own = await S3rverProcess.start(path.join(dir, 's3-outage'), [BUCKET]);
    try {
      const options = { endpoint: own.endpoint };
      const a = await startServer('outage', undefined, options);
      await a.engine.createRegion(REGION, schema);
      const first = rowsFor(0, 1000);
      await a.engine.write(REGION, batchOf(first));
      await a.engine.flush(REGION);

      await own.stop('SIGKILL');
      const second = rowsFor(1, 1000);
      await a.engine.write(REGION, batchOf(second)); // acknowledged: in the local WAL
      const started = Date.now();
      const err = await rejection(a.engine.flush(REGION));
      expect(Date.now() - started).to.be.lessThan(15_000);
      expect(err).to.be.instanceOf(Error);
      expect(String((err as Error).message) + String((err as { cause?: Error }).cause?.message)).to.match(/store-s3|S3|unreachable|ECONNREFUSED/i);
      expect(err instanceof StorageError || (err as { code?: string }).code === 'STORAGE_UNAVAILABLE').to.equal(true);
      // Still readable from memory while S3 is down.
      expect(await scanStrings(a.engine, REGION)).to.deep.equal(expected([...first, ...second]));

      // The same server, restarted on its own disk while S3 is back: the WAL replays the unflushed rows.
      await own.restart();
      await stopServer(a.server);
      const a2 = await startServer('outage', a.dataHome, options);
      await a2.engine.openRegion(REGION, schema);
      expect(await scanStrings(a2.engine, REGION)).to.deep.equal(expected([...first, ...second]));
      await a2.engine.flush(REGION);
      await stopServer(a2.server);

      // And a fresh machine sees everything from the bucket alone.
      const b = await startServer('outage', undefined, options);
      await b.engine.openRegion(REGION, schema);
      expect(await scanStrings(b.engine, REGION)).to.deep.equal(expected([...first, ...second]));
    } finally {
      await own.stop();
    }
  });

  it('a flush that failed during an outage succeeds when retried after S3 comes back, without a restart', async () => {
    const own = await S3rverProcess.start(path.join(dir, 's3-retry'), [BUCKET]);
    try {
      const options = { endpoint: own.endpoint };
      const a = await startServer('retry', undefined, options);
      await a.engine.createRegion(REGION, schema);
      await own.stop('SIGKILL');
      const rows = rowsFor(0, 1500);
      await a.engine.write(REGION, batchOf(rows));
      expect(await rejection(a.engine.flush(REGION))).to.be.instanceOf(Error);
      await own.restart();
      await a.engine.flush(REGION);
      expect(a.engine.stats(REGION).sstFiles).to.equal(1);
      await stopServer(a.server);
      const b = await startServer('retry', undefined, options);
      await b.engine.openRegion(REGION, schema);
      expect(await scanStrings(b.engine, REGION)).to.deep.equal(expected(rows));
    } finally {
      await own.stop();
    }
  });
});
