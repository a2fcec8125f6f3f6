import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, rm, writeFile, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { InvalidArgumentsError, MetricsRegistry, ObjectNotFoundError, StorageError, type ObjectMeta } from '@strata/kernel';
import { backoffDelayMs, S3ObjectStore, type S3ObjectStoreConfig } from '../src/index.js';
import { DelayProxy } from './support/delay-proxy.js';
import { NoBatchDeleteProxy } from './support/no-batch-delete-proxy.js';
import { metricValue } from './support/metrics-value.js';
import { S3rverProcess } from './support/s3rver-process.js';

const BUCKET = 'strata-test';

async function keysOf(it: AsyncIterable<ObjectMeta>): Promise<string[]> {
  const keys: string[] = [];
  for await (const m of it) keys.push(m.key);
  return keys;
}

async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (err) {
    return err;
  }
  throw new Error('expected a rejection');
}

function text(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString();
}

describe('store-s3: S3ObjectStore against s3rver', function () {
  this.timeout(30_000);
  let dir: string;
  let s3: S3rverProcess;
  const open: S3ObjectStore[] = [];

  /** A store on the shared server under a fresh prefix, so tests do not see each other's keys. */
  async function makeStore(config: Partial<S3ObjectStoreConfig> = {}, init = true): Promise<S3ObjectStore> {
    const store = new S3ObjectStore({
      bucket: BUCKET,
      prefix: `t-${randomBytes(4).toString('hex')}`,
      endpoint: s3.endpoint,
      region: 'us-east-1',
      forcePathStyle: true,
      credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
      retry: { maxAttempts: 3, baseDelayMs: 20, maxDelayMs: 200, attemptTimeoutMs: 5000 },
      metrics: new MetricsRegistry(),
      ...config,
    });
    open.push(store);
    if (init) await store.init();
    return store;
  }

  function cacheConfig(name: string, extra: Partial<NonNullable<S3ObjectStoreConfig['cache']>> = {}): NonNullable<S3ObjectStoreConfig['cache']> {
    return { dir: path.join(dir, name), bytesMax: 64 << 20, objectBytesMax: 16 << 20, ...extra };
  }

  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'strata-store-s3-'));
    s3 = await S3rverProcess.start(path.join(dir, 's3'), [BUCKET]);
  });
  afterEach(async () => {
    for (const store of open.splice(0)) await store.close().catch(() => undefined);
  });
  after(async () => {
    await s3?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  describe('object operations', () => {
    it('puts, gets, heads and overwrites objects; an empty object is an object', async () => {
      const store = await makeStore();
      await store.put('data/1024_0/sst/1.parquet', Buffer.from('hello world'));
      expect(text(await store.get('data/1024_0/sst/1.parquet'))).to.equal('hello world');
      const meta = await store.head('data/1024_0/sst/1.parquet');
      expect(meta?.key).to.equal('data/1024_0/sst/1.parquet');
      expect(meta?.size).to.equal(11);
      expect(meta?.etag).to.match(/^[0-9a-f]{32}$/);
      expect(meta?.lastModifiedMs).to.be.greaterThan(Date.now() - 600_000);
      await store.put('data/1024_0/sst/1.parquet', Buffer.from('bye'));
      expect(text(await store.get('data/1024_0/sst/1.parquet'))).to.equal('bye');
      expect((await store.head('data/1024_0/sst/1.parquet'))?.etag).to.not.equal(meta?.etag);
      await store.put('empty', new Uint8Array(0));
      expect((await store.get('empty')).byteLength).to.equal(0);
      expect((await store.head('empty'))?.size).to.equal(0);
      // A Uint8Array view into a larger buffer puts only its own bytes.
      const backing = Buffer.from('xxABCDxx');
      await store.put('view', new Uint8Array(backing.buffer, backing.byteOffset + 2, 4));
      expect(text(await store.get('view'))).to.equal('ABCD');
    });

    it('serves ranged gets (footer reads, middle ranges, to-the-end, empty at the end) and rejects offsets past the end', async () => {
      const store = await makeStore();
      const bytes = Buffer.from('0123456789abcdef');
      await store.put('r', bytes);
      expect(text(await store.get('r', { offset: 12 }))).to.equal('cdef');
      expect(text(await store.get('r', { offset: 3, length: 4 }))).to.equal('3456');
      expect(text(await store.get('r', { offset: 14, length: 100 }))).to.equal('ef');
      expect((await store.get('r', { offset: 16 })).byteLength).to.equal(0);
      expect((await store.get('r', { offset: 5, length: 0 })).byteLength).to.equal(0);
      expect(await rejection(store.get('r', { offset: 17 }))).to.be.instanceOf(InvalidArgumentsError);
      expect(await rejection(store.get('r', { offset: -1 }))).to.be.instanceOf(InvalidArgumentsError);
    });

    it('answers a missing object with ObjectNotFoundError (get, ranged get) and undefined (head); deleting it is fine', async () => {
      const store = await makeStore();
      const err = await rejection(store.get('no/such/key'));
      expect(err).to.be.instanceOf(ObjectNotFoundError);
      expect((err as ObjectNotFoundError).code).to.equal('OBJECT_NOT_FOUND');
      expect((err as ObjectNotFoundError).key).to.equal('no/such/key');
      expect(await rejection(store.get('no/such/key', { offset: 4, length: 2 }))).to.be.instanceOf(ObjectNotFoundError);
      expect(await rejection(store.get('no/such/key', { offset: 0, length: 0 }))).to.be.instanceOf(ObjectNotFoundError);
      expect(await store.head('no/such/key')).to.equal(undefined);
      await store.delete('no/such/key');
      // Not-found is not retried: one attempt each.
      expect(await metricValue(store['config'].metrics!, 'strata_s3_requests_total', { op: 'get', status: '404' })).to.equal(2);
      expect(await metricValue(store['config'].metrics!, 'strata_s3_retries_total')).to.equal(0);
    });

    it('rejects keys that are not relative paths', async () => {
      const store = await makeStore();
      for (const bad of ['', '/abs', 'a//b', 'a/', 'a/../b', './a', 'a\\b', 'x'.repeat(1100)]) {
        expect(await rejection(store.put(bad, Buffer.from('x'))), bad).to.be.instanceOf(InvalidArgumentsError);
        expect(await rejection(store.get(bad)), bad).to.be.instanceOf(InvalidArgumentsError);
      }
      expect(await rejection(keysOf(store.list('a//')))).to.be.instanceOf(InvalidArgumentsError);
    });

    it('lists every key under a prefix in lexicographic order across many pages (ContinuationToken)', async () => {
      const metrics = new MetricsRegistry();
      const store = await makeStore({ listPageSize: 4, metrics });
      const keys: string[] = [];
      for (let i = 0; i < 23; i++) keys.push(`data/r1/sst/${String(i).padStart(3, '0')}.parquet`);
      keys.push('data/r1/manifest/00000001.json', 'data/r10/x', 'data/r2/y', 'other/z');
      // Put in a shuffled order: the order of listing must not depend on it.
      for (const k of [...keys].sort(() => Math.random() - 0.5)) await store.put(k, Buffer.from(k));
      const all = await keysOf(store.list(''));
      expect(all).to.deep.equal([...keys].sort());
      const r1 = await keysOf(store.list('data/r1/'));
      expect(r1).to.deep.equal(keys.filter((k) => k.startsWith('data/r1/')).sort());
      expect(r1).to.have.length(24);
      // A partial segment matches by prefix, like S3.
      expect(await keysOf(store.list('data/r1'))).to.deep.equal(keys.filter((k) => k.startsWith('data/r1')).sort());
      expect(await keysOf(store.list('nothing/'))).to.deep.equal([]);
      const metas: ObjectMeta[] = [];
      for await (const m of store.list('other/')) metas.push(m);
      expect(metas).to.have.length(1);
      expect(metas[0]!.size).to.equal('other/z'.length);
      expect(metas[0]!.etag).to.match(/^[0-9a-f]{32}$/);
      // 27 keys at 4 a page: 7 pages, 24 keys: 6 pages, 25 keys: 7 pages, 2 empty-ish pages.
      expect(await metricValue(metrics, 'strata_s3_requests_total', { op: 'list', status: '200' })).to.equal(7 + 6 + 7 + 1 + 1);
    });

    it('deletes one key and many keys in batches (DeleteObjects), ignoring missing ones', async () => {
      const metrics = new MetricsRegistry();
      const store = await makeStore({ deleteBatchSize: 3, metrics });
      const keys = Array.from({ length: 10 }, (_, i) => `d/${i}`);
      for (const k of keys) await store.put(k, Buffer.from(k));
      await store.put('keep/me', Buffer.from('kept'));
      await store.delete('d/0');
      expect(await store.head('d/0')).to.equal(undefined);
      await store.deleteMany([...keys.slice(1), 'd/missing', 'd/1']);
      expect(await keysOf(store.list(''))).to.deep.equal(['keep/me']);
      // 10 distinct keys at 3 per request. (s3rver sometimes answers a batch with a 500 when
      // two of its deletes race to prune the same directory; that attempt is retried.)
      expect(await metricValue(metrics, 'strata_s3_requests_total', { op: 'delete_many', status: '200' })).to.equal(4);
      await store.deleteMany([]);
      expect(await metricValue(metrics, 'strata_s3_requests_total', { op: 'delete_many', status: '200' })).to.equal(4);
    });

    it('falls back to single deletes when the service has no DeleteObjects (501), and remembers it', async () => {
      const proxy = await NoBatchDeleteProxy.start(s3.port);
      try {
        const metrics = new MetricsRegistry();
        const store = await makeStore({ endpoint: proxy.endpoint, deleteBatchSize: 4, metrics });
        const keys = Array.from({ length: 10 }, (_, i) => `g/${i}`);
        for (const k of keys) await store.put(k, Buffer.from(k));
        await store.deleteMany(keys.slice(0, 5));
        expect(await keysOf(store.list('g/'))).to.deep.equal(keys.slice(5));
        await store.deleteMany([...keys.slice(5), 'g/missing']);
        expect(await keysOf(store.list('g/'))).to.deep.equal([]);
        expect(proxy.refused).to.equal(1); // asked once, not retried, not asked again
        expect(await metricValue(metrics, 'strata_s3_requests_total', { op: 'delete_many', status: '501' })).to.equal(1);
        expect(await metricValue(metrics, 'strata_s3_requests_total', { op: 'delete' })).to.equal(11);
      } finally {
        await proxy.close();
      }
    });

    it('uploads large objects in parts (multipart) and reads them back whole and by range', async () => {
      const metrics = new MetricsRegistry();
      const store = await makeStore({ multipartThresholdBytes: 6 << 20, multipartPartBytes: 5 << 20, metrics });
      const big = randomBytes((12 << 20) + 13);
      await store.put('big/sst.parquet', big);
      expect(await metricValue(metrics, 'strata_s3_requests_total', { op: 'multipart_part', status: '200' })).to.equal(3);
      expect(await metricValue(metrics, 'strata_s3_requests_total', { op: 'multipart_complete', status: '200' })).to.equal(1);
      expect(await metricValue(metrics, 'strata_s3_requests_total', { op: 'put' })).to.equal(0);
      const meta = await store.head('big/sst.parquet');
      expect(meta?.size).to.equal(big.length);
      expect(meta?.etag).to.be.a('string').and.not.equal('');
      expect(Buffer.from(await store.get('big/sst.parquet')).equals(big)).to.equal(true);
      const tail = await store.get('big/sst.parquet', { offset: big.length - 8 });
      expect(Buffer.from(tail).equals(big.subarray(big.length - 8))).to.equal(true);
      // Below the threshold: one PutObject.
      await store.put('small', randomBytes(1 << 20));
      expect(await metricValue(metrics, 'strata_s3_requests_total', { op: 'put', status: '200' })).to.equal(1);
    });

    it('works with the CRC32 checksums sent to AWS by default (checksums: when-supported)', async () => {
      const store = await makeStore({ checksums: 'when-supported', multipartThresholdBytes: 6 << 20, multipartPartBytes: 5 << 20 });
      const big = randomBytes((10 << 20) + 1);
      await store.put('crc/big', big);
      await store.put('crc/small', Buffer.from('small'));
      expect(Buffer.from(await store.get('crc/big')).equals(big)).to.equal(true);
      expect(text(await store.get('crc/small', { offset: 1, length: 3 }))).to.equal('mal');
      await store.deleteMany(['crc/big', 'crc/small']);
      expect(await keysOf(store.list('crc/'))).to.deep.equal([]);
    });

    it('backoff delays grow exponentially, stay under the cap, and are jittered', () => {
      const policy = { maxAttempts: 5, baseDelayMs: 100, maxDelayMs: 1000, attemptTimeoutMs: 1 };
      expect(backoffDelayMs(policy, 1, () => 0.999)).to.equal(99);
      expect(backoffDelayMs(policy, 3, () => 0.999)).to.equal(399);
      expect(backoffDelayMs(policy, 10, () => 0.999)).to.equal(999);
      expect(backoffDelayMs(policy, 3, () => 0)).to.equal(0);
      const seen = new Set(Array.from({ length: 20 }, () => backoffDelayMs(policy, 4)));
      expect(seen.size).to.be.greaterThan(1);
    });
  });

  describe('local cache', () => {
    it('serves the second read of an object, and ranges of it, from the cache', async () => {
      const metrics = new MetricsRegistry();
      const store = await makeStore({ metrics, cache: cacheConfig('c1', { writeThrough: false }) });
      await store.put('sst/1', Buffer.from('0123456789'));
      expect(text(await store.get('sst/1'))).to.equal('0123456789');
      expect(await metricValue(metrics, 'strata_s3_cache_misses_total')).to.equal(1);
      expect(await metricValue(metrics, 'strata_s3_cache_hits_total')).to.equal(0);
      expect(text(await store.get('sst/1'))).to.equal('0123456789');
      expect(text(await store.get('sst/1', { offset: 6 }))).to.equal('6789');
      expect(text(await store.get('sst/1', { offset: 2, length: 3 }))).to.equal('234');
      expect(await metricValue(metrics, 'strata_s3_cache_hits_total')).to.equal(3);
      expect(await metricValue(metrics, 'strata_s3_cache_hit_bytes_total')).to.equal(10 + 4 + 3);
      expect(await metricValue(metrics, 'strata_s3_requests_total', { op: 'get' })).to.equal(1);
      expect(await metricValue(metrics, 'strata_s3_cache_bytes')).to.equal(10);
      expect(await rejection(store.get('sst/1', { offset: 11 }))).to.be.instanceOf(InvalidArgumentsError);
    });

    it('write-through: a freshly put object is read locally without any GET', async () => {
      const metrics = new MetricsRegistry();
      const store = await makeStore({ metrics, cache: cacheConfig('c2') });
      await store.put('sst/new', Buffer.from('fresh'));
      expect(text(await store.get('sst/new'))).to.equal('fresh');
      expect(text(await store.get('sst/new', { offset: 1, length: 2 }))).to.equal('re');
      expect(await metricValue(metrics, 'strata_s3_requests_total', { op: 'get' })).to.equal(0);
      expect(await metricValue(metrics, 'strata_s3_requests_total', { op: 'head' })).to.equal(0);
      expect(await metricValue(metrics, 'strata_s3_cache_hits_total')).to.equal(2);
      // Deleting forgets it.
      await store.delete('sst/new');
      expect(await rejection(store.get('sst/new'))).to.be.instanceOf(ObjectNotFoundError);
    });

    it('a ranged read of an uncached object fills the cache with the whole object in the background', async () => {
      const metrics = new MetricsRegistry();
      const store = await makeStore({ metrics, cache: cacheConfig('c3', { writeThrough: false }) });
      const bytes = randomBytes(100_000);
      await store.put('sst/2', bytes);
      const footer = await store.get('sst/2', { offset: bytes.length - 8 });
      expect(Buffer.from(footer).equals(bytes.subarray(-8))).to.equal(true);
      await store.whenIdle();
      const middle = await store.get('sst/2', { offset: 500, length: 1000 });
      expect(Buffer.from(middle).equals(bytes.subarray(500, 1500))).to.equal(true);
      expect(await metricValue(metrics, 'strata_s3_cache_hits_total')).to.equal(1);
      expect(await metricValue(metrics, 'strata_s3_requests_total', { op: 'get' })).to.equal(2); // the range + the fill
    });

    it('survives a restart: a new store on the same cache directory revalidates its entries with one LIST and serves them without a GET', async () => {
      const cache = cacheConfig('c4', { writeThrough: false });
      const first = await makeStore({ cache });
      const bytes = randomBytes(50_000);
      await first.put('sst/3', bytes);
      await first.get('sst/3');
      await first.close();
      const metrics = new MetricsRegistry();
      const second = await makeStore({ cache, prefix: first.prefix, metrics });
      expect(second.cache!.entryCount).to.equal(1);
      await second.whenIdle(); // the background revalidation
      expect(Buffer.from(await second.get('sst/3')).equals(bytes)).to.equal(true);
      expect(Buffer.from(await second.get('sst/3', { offset: 10, length: 10 })).equals(bytes.subarray(10, 20))).to.equal(true);
      expect(await metricValue(metrics, 'strata_s3_cache_hits_total')).to.equal(2);
      expect(await metricValue(metrics, 'strata_s3_requests_total', { op: 'get' })).to.equal(0);
      // 'once': confirmed in bulk by listing its directory, not one HEAD per entry.
      expect(await metricValue(metrics, 'strata_s3_requests_total', { op: 'list' })).to.equal(1);
      expect(await metricValue(metrics, 'strata_s3_requests_total', { op: 'head' })).to.equal(0);

      // A read racing the bulk pass is served locally too: confirmed by the pass or by its own HEAD.
      await second.close();
      const metrics3 = new MetricsRegistry();
      const third = await makeStore({ cache, prefix: first.prefix, metrics: metrics3 }, false);
      await third.init();
      const reading = third.get('sst/3');
      expect(Buffer.from(await reading).equals(bytes)).to.equal(true);
      await third.whenIdle();
      expect(await metricValue(metrics3, 'strata_s3_requests_total', { op: 'get' })).to.equal(0);
      expect(await metricValue(metrics3, 'strata_s3_cache_hits_total')).to.equal(1);
      const checks = await metricValue(metrics3, 'strata_s3_requests_total', { op: 'head' }) + await metricValue(metrics3, 'strata_s3_requests_total', { op: 'list' });
      expect(checks).to.be.within(1, 2);
    });

    it('drops an entry whose ETag or size no longer match S3 (another writer), after a restart and with validation "always"', async () => {
      const cache = cacheConfig('c5', { writeThrough: false });
      const a = await makeStore({ cache });
      await a.put('manifest/current', Buffer.from('version-1'));
      await a.put('manifest/old', Buffer.from('old'));
      expect(text(await a.get('manifest/current'))).to.equal('version-1');
      expect(text(await a.get('manifest/old'))).to.equal('old');
      await a.close();
      // Someone else replaces the object behind our back.
      const other = await makeStore({ prefix: a.prefix });
      await other.client.send(new PutObjectCommand({ Bucket: BUCKET, Key: `${a.prefix}manifest/current`, Body: Buffer.from('version-22') }));
      await other.delete('manifest/old');
      const metrics = new MetricsRegistry();
      const b = await makeStore({ cache, prefix: a.prefix, metrics });
      await b.whenIdle();
      expect(b.cache!.entryCount).to.equal(0);
      expect(await metricValue(metrics, 'strata_s3_cache_invalidations_total', { reason: 'changed' })).to.equal(1);
      expect(await metricValue(metrics, 'strata_s3_cache_invalidations_total', { reason: 'gone' })).to.equal(1);
      expect(text(await b.get('manifest/current'))).to.equal('version-22');
      expect(await rejection(b.get('manifest/old'))).to.be.instanceOf(ObjectNotFoundError);
      expect(await metricValue(metrics, 'strata_s3_cache_hits_total')).to.equal(0);
      // The new version is cached now.
      expect(text(await b.get('manifest/current'))).to.equal('version-22');
      expect(await metricValue(metrics, 'strata_s3_cache_hits_total')).to.equal(1);

      // validation 'always': a change is noticed within the same process too, and a deletion is a not-found.
      const c = await makeStore({ cache: cacheConfig('c5b', { validation: 'always' }), prefix: a.prefix });
      expect(text(await c.get('manifest/current'))).to.equal('version-22');
      await other.client.send(new PutObjectCommand({ Bucket: BUCKET, Key: `${a.prefix}manifest/current`, Body: Buffer.from('version-333') }));
      expect(text(await c.get('manifest/current'))).to.equal('version-333');
      await other.delete('manifest/current');
      expect(await rejection(c.get('manifest/current'))).to.be.instanceOf(ObjectNotFoundError);
    });

    it('re-fetches an entry whose bytes on disk were corrupted (same size), and drops leftovers on open', async () => {
      const cache = cacheConfig('c6');
      const a = await makeStore({ cache });
      await a.put('sst/4', Buffer.from('good bytes'));
      await a.close();
      const files = await readdir(cache.dir);
      const bin = files.find((f) => f.endsWith('.bin'))!;
      await writeFile(path.join(cache.dir, bin), 'evil bytes');
      await writeFile(path.join(cache.dir, 'orphan.bin'), 'x');
      await writeFile(path.join(cache.dir, `${'0'.repeat(64)}.meta.json`), '{not json');
      const metrics = new MetricsRegistry();
      const b = await makeStore({ cache, prefix: a.prefix, metrics });
      expect(text(await b.get('sst/4'))).to.equal('good bytes');
      expect(await metricValue(metrics, 'strata_s3_cache_invalidations_total', { reason: 'content does not match its checksum' })).to.equal(1);
      const left = (await readdir(cache.dir)).sort();
      expect(left).to.have.length(2); // the re-fetched entry: data + metadata
      expect(left).to.not.include('orphan.bin');
      expect(await readFile(path.join(cache.dir, left.find((f) => f.endsWith('.bin'))!, ), 'utf8')).to.equal('good bytes');
    });

    it('never caches bytes a read fetched while a put of the same key was running', async () => {
      const proxy = await DelayProxy.start(s3.port, { delayMs: 300, slowConnections: Infinity });
      try {
        const store = await makeStore({ endpoint: proxy.endpoint, cache: cacheConfig('c8', { writeThrough: false, validation: 'never' }) }, false);
        await store.init({ checkBucket: false });
        await store.put('manifest/race', Buffer.from('old'));
        // The GET is answered (with the old bytes) while the PUT of the new ones is in flight.
        const reading = store.get('manifest/race');
        await new Promise((r) => setTimeout(r, 50));
        const writing = store.put('manifest/race', Buffer.from('new'));
        expect(text(await reading)).to.equal('old');
        await writing;
        expect(store.cache!.lookup(`${BUCKET}/${store.prefix}manifest/race`)).to.equal(undefined);
        expect(text(await store.get('manifest/race'))).to.equal('new');
        expect(text(await store.get('manifest/race'))).to.equal('new'); // now from the cache
        expect(store['keyStates'].size).to.equal(0); // nothing left behind per key
      } finally {
        await proxy.close();
      }
    });

    it('stays under its byte bound, evicting the least recently used objects', async () => {
      const metrics = new MetricsRegistry();
      const store = await makeStore({ metrics, cache: cacheConfig('c7', { bytesMax: 3000, objectBytesMax: 2000 }) });
      for (const k of ['a', 'b', 'c']) await store.put(k, randomBytes(1000));
      await store.get('a'); // a is now the most recent; b the least
      await store.put('d', randomBytes(1000));
      expect(store.cache!.sizeBytes).to.equal(3000);
      const cached = (k: string): boolean => store.cache!.lookup(`${BUCKET}/${store.prefix}${k}`) !== undefined;
      expect(['a', 'b', 'c', 'd'].map(cached)).to.deep.equal([true, false, true, true]);
      expect(await metricValue(metrics, 'strata_s3_cache_evictions_total')).to.equal(1);
      // Too big to cache: read from S3 every time.
      await store.put('huge', randomBytes(2500));
      expect(cached('huge')).to.equal(false);
      await store.get('huge');
      expect(cached('huge')).to.equal(false);
      expect((await readdir(store.cache!.options.dir)).filter((f) => f.endsWith('.bin'))).to.have.length(3);
    });
  });

  describe('failures', () => {
    it('a put while the S3 server dies rejects with StorageError after bounded retries; no partial object appears', async () => {
      const own = await S3rverProcess.start(path.join(dir, 's3-dying'), [BUCKET]);
      const proxy = await DelayProxy.start(own.port, { delayMs: 400, slowConnections: Infinity });
      try {
        const metrics = new MetricsRegistry();
        const store = await makeStore({
          endpoint: proxy.endpoint, metrics,
          retry: { maxAttempts: 4, baseDelayMs: 50, maxDelayMs: 200, attemptTimeoutMs: 2000 },
        }, false);
        const bytes = randomBytes(256 * 1024);
        const started = Date.now();
        const putting = rejection(store.put('sst/during-outage', bytes));
        await new Promise((r) => setTimeout(r, 150));
        await own.stop('SIGKILL');
        const err = await putting;
        const elapsedMs = Date.now() - started;
        expect(err).to.be.instanceOf(StorageError);
        expect((err as StorageError).code).to.equal('STORAGE_UNAVAILABLE');
        expect((err as Error).message).to.match(/after 4 attempts/);
        expect(elapsedMs).to.be.lessThan(8000);
        expect(await metricValue(metrics, 'strata_s3_retries_total', { op: 'put' })).to.equal(3);
        expect(await metricValue(metrics, 'strata_s3_requests_total', { op: 'put', status: 'network' })).to.equal(4);
        // Back up: the object is absent or whole, never torn.
        await own.restart();
        const direct = await makeStore({ endpoint: own.endpoint, prefix: store.prefix });
        const meta = await direct.head('sst/during-outage');
        if (meta) expect(Buffer.from(await direct.get('sst/during-outage')).equals(bytes)).to.equal(true);
        // And a retry of the put (what a flush does later) succeeds.
        await direct.put('sst/during-outage', bytes);
        expect(Buffer.from(await direct.get('sst/during-outage')).equals(bytes)).to.equal(true);
      } finally {
        await proxy.close();
        await own.stop();
      }
    });

    it('times out a slow response and retries it on a fresh connection', async () => {
      const proxy = await DelayProxy.start(s3.port, { delayMs: 3000, slowConnections: 1 });
      try {
        const metrics = new MetricsRegistry();
        const direct = await makeStore();
        await direct.put('slow/obj', Buffer.from('patience'));
        const store = await makeStore({
          endpoint: proxy.endpoint, prefix: direct.prefix, metrics,
          retry: { maxAttempts: 3, baseDelayMs: 20, maxDelayMs: 50, attemptTimeoutMs: 400 },
        }, false);
        const started = Date.now();
        expect(text(await store.get('slow/obj'))).to.equal('patience');
        expect(Date.now() - started).to.be.within(350, 5000);
        expect(await metricValue(metrics, 'strata_s3_requests_total', { op: 'get', status: 'timeout' })).to.equal(1);
        expect(await metricValue(metrics, 'strata_s3_requests_total', { op: 'get', status: '200' })).to.equal(1);
        expect(await metricValue(metrics, 'strata_s3_retries_total', { op: 'get' })).to.equal(1);
        expect(proxy.connections).to.equal(2);
      } finally {
        await proxy.close();
      }
    });

    it('gives up on a server that never answers with StorageError in bounded time', async () => {
      const proxy = await DelayProxy.start(s3.port, { delayMs: Infinity, slowConnections: Infinity });
      try {
        const store = await makeStore({
          endpoint: proxy.endpoint,
          retry: { maxAttempts: 3, baseDelayMs: 20, maxDelayMs: 50, attemptTimeoutMs: 300 },
        }, false);
        const started = Date.now();
        const err = await rejection(store.get('any'));
        expect(err).to.be.instanceOf(StorageError);
        expect((err as Error).message).to.match(/after 3 attempts.*no answer within 300 ms/);
        expect(Date.now() - started).to.be.within(850, 6000);
        const err2 = await rejection(store.put('any', Buffer.from('x')));
        expect(err2).to.be.instanceOf(StorageError);
      } finally {
        await proxy.close();
      }
    });

    it('fails init with a StorageError naming the bucket when it does not exist, and creates it on request', async () => {
      const store = await makeStore({ bucket: 'no-such-bucket-here' }, false);
      const err = await rejection(store.init());
      expect(err).to.be.instanceOf(StorageError);
      expect((err as Error).message).to.include('no-such-bucket-here');
      const created = await makeStore({ bucket: 'created-by-init' }, false);
      await created.init({ createBucket: true });
      await created.put('k', Buffer.from('v'));
      expect(text(await created.get('k'))).to.equal('v');
    });
  });
});
