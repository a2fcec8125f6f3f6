import { Readable } from 'node:stream';
import {
  AbortMultipartUploadCommand, CompleteMultipartUploadCommand, CreateBucketCommand, CreateMultipartUploadCommand,
  DeleteObjectCommand, DeleteObjectsCommand, GetObjectCommand, HeadObjectCommand,
  ListObjectsV2Command, PutObjectCommand, S3Client, UploadPartCommand, type S3ClientConfig,
} from '@aws-sdk/client-s3';
import type { ByteRange, Logger, Metrics, ObjectMeta, ObjectStore } from '@strata/kernel';
import {
  classifyS3Error, InvalidArgumentsError, isNotFound, isNotImplemented, ObjectNotFoundError, s3Error, StorageError,
} from './errors.js';
import { ObjectCache } from './object-cache.js';
import { S3_DELETE_BATCH_MAX, S3_PARTS_MAX } from './options.js';
import { RetriesExhausted, withRetries, type AttemptObserver, type RetryPolicy } from './retry-policy.js';

/** S3's key limit (the prefix included). */
const KEY_BYTES_MAX = 1024;
/** Single deletes in flight when DeleteObjects is not available. */
const DELETE_CONCURRENCY = 16;

export interface S3ObjectStoreCacheConfig {
  readonly dir: string;
  readonly bytesMax: number;
  readonly objectBytesMax: number;
  /** Put objects into the cache too (default true). */
  readonly writeThrough?: boolean;
  /** A ranged miss fetches the whole object into the cache in the background (default true). */
  readonly fillOnRangedRead?: boolean;
  /** When cached entries are checked against S3 (default 'once'). */
  readonly validation?: 'once' | 'always' | 'never';
}

export interface S3ObjectStoreConfig {
  readonly bucket: string;
  /** Key prefix inside the bucket; '' or ending in '/' after normalization. */
  readonly prefix?: string;
  readonly endpoint?: string;
  readonly region?: string;
  readonly credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  readonly forcePathStyle?: boolean;
  readonly checksums?: 'auto' | 'when-supported' | 'when-required';
  readonly multipartThresholdBytes?: number;
  readonly multipartPartBytes?: number;
  readonly multipartConcurrency?: number;
  readonly retry?: Partial<RetryPolicy>;
  readonly connectTimeoutMs?: number;
  readonly maxSockets?: number;
  readonly listPageSize?: number;
  readonly deleteBatchSize?: number;
  readonly cache?: S3ObjectStoreCacheConfig;
  readonly metrics?: Metrics;
  readonly logger?: Logger;
}

/** Normalizes a bucket prefix: no leading '/', one trailing '/' unless empty. */
export function normalizePrefix(prefix: string | undefined): string {
  const p = (prefix ?? '').replace(/^\/+/, '').replace(/\/+$/, '');
  return p === '' ? '' : `${p}/`;
}

/**
 * Checks an object key: a '/'-separated relative path without empty, '.' or
 * '..' segments (the same rules as store-fs, so keys move between stores),
 * at most 1024 bytes with the bucket prefix.
 */
export function validateKey(key: string, prefix = '', what = 'key'): void {
  const bad = (why: string): never => { throw new InvalidArgumentsError(`store-s3: invalid object ${what} ${JSON.stringify(key)}: ${why}`); };
  if (typeof key !== 'string') bad(`expected a string, got ${typeof key}`);
  if (key.length === 0) bad('it is empty');
  if (Buffer.byteLength(prefix + key) > KEY_BYTES_MAX) bad(`longer than ${KEY_BYTES_MAX} bytes with the prefix`);
  if (key.startsWith('/')) bad('keys are relative (no leading "/")');
  if (key.includes('\\')) bad('backslashes are not allowed (use "/")');
  if (key.includes('\0')) bad('NUL characters are not allowed');
  for (const segment of key.split('/')) {
    if (segment === '') bad('empty path segment ("//" or a trailing "/")');
    if (segment === '.' || segment === '..') bad(`"${segment}" segments are not allowed`);
  }
}

function unquote(etag: string | undefined): string {
  return (etag ?? '').replace(/^W\//, '').replace(/^"|"$/g, '');
}

/** Byte-wise (UTF-8) order: S3's list order. */
function compareUtf8(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

async function bodyBytes(body: unknown, signal: AbortSignal): Promise<Uint8Array> {
  if (body === undefined || body === null) return new Uint8Array(0);
  // A stalled body would outlive our timer: destroy the socket stream on abort.
  const onAbort = (): void => { if (body instanceof Readable) body.destroy(signal.reason as Error); };
  signal.addEventListener('abort', onAbort, { once: true });
  try {
    if (body instanceof Readable) {
      const chunks: Buffer[] = [];
      for await (const chunk of body) chunks.push(chunk as Buffer);
      return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
    }
    const t = body as { transformToByteArray?: () => Promise<Uint8Array> };
    if (typeof t.transformToByteArray === 'function') return await t.transformToByteArray();
    throw new StorageError('store-s3: unexpected response body type');
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
}

/** Parses `bytes 0-9/1234` into its total size. */
function totalFromContentRange(contentRange: string | undefined): number | undefined {
  const m = /\/(\d+)\s*$/.exec(contentRange ?? '');
  return m ? Number(m[1]) : undefined;
}

interface Counters {
  requests?: { inc(labels: Record<string, string>, n?: number): void };
  retries?: { inc(labels: Record<string, string>, n?: number): void };
  duration?: { observe(labels: Record<string, string>, v: number): void };
  hits?: { inc(n?: number): void };
  misses?: { inc(n?: number): void };
  hitBytes?: { inc(n?: number): void };
  missBytes?: { inc(n?: number): void };
  evictions?: { inc(n?: number): void };
  invalidations?: { inc(labels: Record<string, string>, n?: number): void };
  cacheBytes?: { set(v: number): void };
  cacheEntries?: { set(v: number): void };
}

/**
 * An ObjectStore on Amazon S3 or an S3-compatible service (MinIO, Ceph, R2,
 * ...), with a verified local read cache.
 *
 * ```
 *   get(key) ──> cache entry? ──yes──> validated? (HEAD: ETag+size) ──ok──> local file
 *                    │ no                   │ changed / gone
 *                    v                      v
 *               GET from S3 ──> cache insert (whole objects <= objectBytesMax)
 *   put(key) ──> invalidate ──> PUT (or multipart) ──> write-through insert
 * ```
 *
 * Atomicity comes from S3: a PUT (or a completed multipart upload) replaces an
 * object whole. Every request is retried with exponential backoff and full
 * jitter on network errors, timeouts, 5xx and throttling, and each attempt is
 * bounded by `retry.attemptTimeoutMs`.
 *
 * @example
 * const store = new S3ObjectStore({ bucket: 'tsdb', prefix: 'prod', region: 'eu-west-1',
 *   cache: { dir: '/var/lib/strata/s3-cache', bytesMax: 1 << 30, objectBytesMax: 256 << 20 } });
 * await store.init();
 * await store.put('data/1024_0/sst/1.parquet', bytes);
 * const footer = await store.get('data/1024_0/sst/1.parquet', { offset: bytes.length - 8 });
 */
export class S3ObjectStore implements ObjectStore {
  readonly name = 'store-s3';
  readonly bucket: string;
  readonly prefix: string;
  readonly client: S3Client;
  readonly cache?: ObjectCache;
  private readonly policy: RetryPolicy;
  private readonly observer: AttemptObserver;
  private readonly m: Counters = {};
  private readonly multipartThresholdBytes: number;
  private readonly multipartPartBytes: number;
  private readonly multipartConcurrency: number;
  private readonly listPageSize: number;
  private readonly deleteBatchSize: number;
  private readonly writeThrough: boolean;
  private readonly fillOnRangedRead: boolean;
  private readonly validation: 'once' | 'always' | 'never';
  /**
   * Per key with operations in flight: a generation bumped when a put or
   * delete starts and ends, so a cache fill that began before cannot insert
   * stale bytes. Entries are dropped when nothing is in flight (no leak).
   */
  private readonly keyStates = new Map<string, { gen: number; refs: number }>();
  private readonly fills = new Map<string, Promise<void>>();
  /** The startup revalidation of cache entries (see revalidateCache). */
  private revalidation?: Promise<void>;
  private closed = false;
  /** Set when the service answered DeleteObjects with 501 NotImplemented. */
  private batchDeleteUnsupported = false;

  constructor(private readonly config: S3ObjectStoreConfig) {
    if (!config.bucket) throw new InvalidArgumentsError('store-s3: bucket is required');
    this.bucket = config.bucket;
    this.prefix = normalizePrefix(config.prefix);
    this.policy = {
      maxAttempts: config.retry?.maxAttempts ?? 4,
      baseDelayMs: config.retry?.baseDelayMs ?? 100,
      maxDelayMs: config.retry?.maxDelayMs ?? 5000,
      attemptTimeoutMs: config.retry?.attemptTimeoutMs ?? 30_000,
    };
    this.multipartThresholdBytes = config.multipartThresholdBytes ?? 16 * 1024 * 1024;
    this.multipartPartBytes = config.multipartPartBytes ?? 8 * 1024 * 1024;
    this.multipartConcurrency = config.multipartConcurrency ?? 4;
    this.listPageSize = config.listPageSize ?? 1000;
    this.deleteBatchSize = Math.min(config.deleteBatchSize ?? S3_DELETE_BATCH_MAX, S3_DELETE_BATCH_MAX);
    this.writeThrough = config.cache?.writeThrough ?? true;
    this.fillOnRangedRead = config.cache?.fillOnRangedRead ?? true;
    this.validation = config.cache?.validation ?? 'once';

    const checksums = config.checksums === 'auto' || config.checksums === undefined
      ? (config.endpoint ? 'when-required' : 'when-supported') : config.checksums;
    const clientConfig: S3ClientConfig = {
      region: config.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? 'us-east-1',
      forcePathStyle: config.forcePathStyle ?? false,
      // Retries are ours (backoff, metrics, per-attempt timeouts), not the SDK's.
      maxAttempts: 1,
      requestChecksumCalculation: checksums === 'when-required' ? 'WHEN_REQUIRED' : 'WHEN_SUPPORTED',
      responseChecksumValidation: checksums === 'when-required' ? 'WHEN_REQUIRED' : 'WHEN_SUPPORTED',
      requestHandler: {
        connectionTimeout: config.connectTimeoutMs ?? 5000,
        httpAgent: { keepAlive: true, maxSockets: config.maxSockets ?? 64 },
        httpsAgent: { keepAlive: true, maxSockets: config.maxSockets ?? 64 },
      },
    };
    if (config.endpoint) clientConfig.endpoint = config.endpoint;
    if (config.credentials) clientConfig.credentials = config.credentials;
    this.client = new S3Client(clientConfig);

    const metrics = config.metrics;
    if (metrics) {
      this.m.requests = metrics.counter('strata_s3_requests_total', 'S3 requests (attempts) by operation and HTTP status (or timeout/network)', ['op', 'status']);
      this.m.retries = metrics.counter('strata_s3_retries_total', 'S3 request attempts that were retried', ['op']);
      this.m.duration = metrics.histogram('strata_s3_request_duration_seconds', 'Duration of one S3 request attempt', ['op'],
        [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30]);
      this.m.hits = metrics.counter('strata_s3_cache_hits_total', 'Reads served from the local cache');
      this.m.misses = metrics.counter('strata_s3_cache_misses_total', 'Reads that went to S3');
      this.m.hitBytes = metrics.counter('strata_s3_cache_hit_bytes_total', 'Bytes served from the local cache');
      this.m.missBytes = metrics.counter('strata_s3_cache_miss_bytes_total', 'Bytes read from S3 by get');
      this.m.evictions = metrics.counter('strata_s3_cache_evictions_total', 'Cache entries evicted to stay under cacheSize');
      this.m.invalidations = metrics.counter('strata_s3_cache_invalidations_total', 'Cache entries dropped because S3 or the disk disagreed', ['reason']);
      this.m.cacheBytes = metrics.gauge('strata_s3_cache_bytes', 'Bytes held by the local cache');
      this.m.cacheEntries = metrics.gauge('strata_s3_cache_entries', 'Objects held by the local cache');
    }
    const log = config.logger;
    this.observer = {
      attempt: (op, status, ms) => {
        this.m.requests?.inc({ op, status });
        this.m.duration?.observe({ op }, ms / 1000);
      },
      retry: (op, failure, attempt, delayMs, err) => {
        this.m.retries?.inc({ op });
        log?.warn({ op, status: failure.status, code: failure.code, attempt, delayMs, err: err instanceof Error ? err.message : String(err) },
          'store-s3: request failed, retrying');
      },
    };
    if (config.cache) {
      this.cache = new ObjectCache(
        { dir: config.cache.dir, bytesMax: config.cache.bytesMax, objectBytesMax: config.cache.objectBytesMax },
        {
          evicted: () => this.m.evictions?.inc(),
          changed: (bytes, entries) => { this.m.cacheBytes?.set(bytes); this.m.cacheEntries?.set(entries); },
          dropped: (_id, reason) => { if (reason !== 'invalidated') this.m.invalidations?.inc({ reason }); },
        });
    }
  }

  /**
   * Checks (and optionally creates) the bucket and opens the cache. A wrong
   * bucket name, endpoint or bad credentials fail here rather than at the
   * first flush.
   */
  async init(options: { checkBucket?: boolean; createBucket?: boolean } = {}): Promise<void> {
    if (options.checkBucket ?? true) {
      try {
        // A one-key listing of our prefix rather than HeadBucket: it needs only the
        // permissions Strata uses anyway (ListBucket may be limited to the prefix).
        await this.request('check_bucket', `${this.bucket}/${this.prefix}`, (signal) => this.client.send(new ListObjectsV2Command({
          Bucket: this.bucket, Prefix: this.prefix === '' ? undefined : this.prefix, MaxKeys: 1,
        }), { abortSignal: signal }), (err) => !isNotFound(err) && classifyS3Error(err).retryable);
      } catch (err) {
        if (!(options.createBucket && err instanceof StorageError && isNotFound(err.cause))) throw err;
        await this.request('create_bucket', this.bucket, (signal) => this.client.send(new CreateBucketCommand({ Bucket: this.bucket }), { abortSignal: signal }));
        this.config.logger?.info({ bucket: this.bucket }, 'store-s3: created bucket');
      }
    }
    await this.cache?.open();
    if (this.cache && this.validation === 'once' && this.cache.entryCount > 0) {
      this.revalidation = this.revalidateCache().catch((err: unknown) => {
        this.config.logger?.warn({ err: (err as Error).message }, 'store-s3: cache revalidation by listing failed; entries are checked one by one');
      });
    }
  }

  /**
   * Confirms the cache entries left by a previous run in bulk: lists the
   * directories that hold them (ETag and size of up to 1000 keys per request)
   * instead of one HEAD per entry on first use. Matching entries are marked
   * verified, changed or vanished ones dropped. Runs in the background after
   * init; entries it has not reached yet are HEADed on use as before. Only
   * entries still unverified are touched, so a concurrent put or read, which
   * inserts verified entries, is never undone. Gives up (leaving the rest to
   * HEAD) past ~10 listed keys per cached entry.
   */
  private async revalidateCache(): Promise<void> {
    const cache = this.cache!;
    const mine = `${this.bucket}/${this.prefix}`;
    const byDir = new Map<string, Set<string>>();
    for (const id of cache.unverifiedIds()) {
      if (!id.startsWith(mine)) continue;
      const key = id.slice(mine.length);
      const slash = key.lastIndexOf('/');
      const dir = slash < 0 ? '' : key.slice(0, slash + 1);
      let set = byDir.get(dir);
      if (!set) byDir.set(dir, set = new Set());
      set.add(id);
    }
    let budget = Math.max(10_000, 10 * cache.entryCount);
    for (const [dir, ids] of byDir) {
      let complete = true;
      for await (const meta of this.list(dir)) {
        if (this.closed) return;
        if (--budget < 0) { complete = false; break; }
        const id = mine + meta.key;
        if (!ids.delete(id)) continue;
        const entry = cache.lookup(id);
        if (!entry || entry.remoteVerified) continue;
        if (meta.etag === entry.etag && meta.size === entry.size) {
          cache.markRemoteVerified(id, entry.etag);
        } else {
          await cache.invalidate(id);
          this.m.invalidations?.inc({ reason: 'changed' });
        }
      }
      if (!complete) return;
      // Listed the whole directory: what is left is no longer in S3.
      for (const id of ids) {
        const entry = cache.lookup(id);
        if (!entry || entry.remoteVerified) continue;
        await cache.invalidate(id);
        this.m.invalidations?.inc({ reason: 'gone' });
      }
    }
  }

  /** Waits for background cache fills, then releases the HTTP connections. */
  async close(): Promise<void> {
    this.closed = true;
    await this.whenIdle();
    this.client.destroy();
  }

  /** Resolves when no background cache work (startup revalidation, fills) is running. */
  async whenIdle(): Promise<void> {
    await this.revalidation;
    while (this.fills.size > 0) await Promise.allSettled([...this.fills.values()]);
  }

  private fullKey(key: string): string {
    validateKey(key, this.prefix);
    return this.prefix + key;
  }

  private cacheId(fullKey: string): string {
    return `${this.bucket}/${fullKey}`;
  }

  /**
   * Registers an operation on a key. A writer bumps the generation when it
   * starts and when it is released; `unchanged()` tells whether no writer
   * started or finished since `track` was called.
   */
  private track(fullKey: string, write: boolean): { unchanged(): boolean; release(): void } {
    let state = this.keyStates.get(fullKey);
    if (!state) {
      state = { gen: 0, refs: 0 };
      this.keyStates.set(fullKey, state);
    }
    const st = state;
    st.refs++;
    if (write) st.gen++;
    const start = st.gen;
    let released = false;
    return {
      unchanged: () => st.gen === start,
      release: () => {
        if (released) return;
        released = true;
        if (write) st.gen++;
        if (--st.refs === 0 && this.keyStates.get(fullKey) === st) this.keyStates.delete(fullKey);
      },
    };
  }

  /** One S3 call with retries; failures become StorageError (the SDK error kept as cause). */
  private async request<T extends { $metadata?: { httpStatusCode?: number } }>(op: string, where: string,
    fn: (signal: AbortSignal) => Promise<T>, isRetryable?: (err: unknown) => boolean): Promise<T> {
    try {
      return await withRetries(op, this.policy, this.observer, fn, (r) => String(r.$metadata?.httpStatusCode ?? 200),
        isRetryable ? (err) => isRetryable(err) : undefined);
    } catch (err) {
      if (err instanceof RetriesExhausted) throw s3Error(op, where, err.last, err.attempts);
      throw s3Error(op, where, err, 1);
    }
  }

  async put(key: string, data: Uint8Array): Promise<void> {
    const fullKey = this.fullKey(key);
    if (!(data instanceof Uint8Array)) throw new InvalidArgumentsError(`store-s3: put '${key}': data must be a Uint8Array`);
    const op = this.track(fullKey, true);
    const id = this.cacheId(fullKey);
    try {
      // Forget the old bytes first: if the put fails ambiguously (timed out
      // after S3 stored it), a stale entry must not be served afterwards.
      await this.cache?.invalidate(id);
      const body = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
      const etag = data.byteLength >= this.multipartThresholdBytes
        ? await this.putMultipart(fullKey, body)
        : unquote((await this.request('put', fullKey, (signal) => this.client.send(new PutObjectCommand({
          Bucket: this.bucket, Key: fullKey, Body: body, ContentLength: body.byteLength,
        }), { abortSignal: signal }))).ETag);
      if (!this.cache) return;
      if (!op.unchanged()) {
        // Another put or delete of this key ran meanwhile: which one S3 kept
        // last is unknown here, so cache neither (the next read fetches it).
        await this.cache.invalidate(id);
        return;
      }
      if (!this.writeThrough || !etag) return;
      try {
        await this.cache.insert(id, etag, data, true);
      } catch (err) {
        // The object is in S3; a cache that cannot write (disk full) must not fail the put.
        this.config.logger?.warn({ key: fullKey, err: (err as Error).message }, 'store-s3: cache write-through failed');
      }
    } finally {
      op.release();
    }
  }

  /**
   * Uploads in parts (`multipartConcurrency` at once, each retried on its
   * own). The object appears only when CompleteMultipartUpload succeeds, so a
   * failed upload leaves the old object (or none); it is aborted so its parts
   * stop costing storage.
   */
  private async putMultipart(fullKey: string, body: Buffer): Promise<string> {
    const partBytes = Math.max(this.multipartPartBytes, Math.ceil(body.byteLength / S3_PARTS_MAX));
    const created = await this.request('multipart_create', fullKey, (signal) => this.client.send(
      new CreateMultipartUploadCommand({ Bucket: this.bucket, Key: fullKey }), { abortSignal: signal }));
    const uploadId = created.UploadId;
    if (!uploadId) throw new StorageError(`store-s3: CreateMultipartUpload '${fullKey}' returned no UploadId`);
    try {
      const count = Math.max(1, Math.ceil(body.byteLength / partBytes));
      const etags: string[] = new Array(count);
      let next = 0;
      const worker = async (): Promise<void> => {
        while (next < count) {
          const i = next++;
          const part = body.subarray(i * partBytes, Math.min(body.byteLength, (i + 1) * partBytes));
          const res = await this.request('multipart_part', `${fullKey}#${i + 1}`, (signal) => this.client.send(new UploadPartCommand({
            Bucket: this.bucket, Key: fullKey, UploadId: uploadId, PartNumber: i + 1, Body: part, ContentLength: part.byteLength,
          }), { abortSignal: signal }));
          if (!res.ETag) throw new StorageError(`store-s3: UploadPart ${i + 1} of '${fullKey}' returned no ETag`);
          etags[i] = res.ETag;
        }
      };
      await Promise.all(Array.from({ length: Math.min(this.multipartConcurrency, count) }, worker));
      let attempt = 0;
      try {
        const done = await this.request('multipart_complete', fullKey, (signal) => {
          attempt++;
          return this.client.send(new CompleteMultipartUploadCommand({
            Bucket: this.bucket, Key: fullKey, UploadId: uploadId,
            MultipartUpload: { Parts: etags.map((ETag, i) => ({ ETag, PartNumber: i + 1 })) },
          }), { abortSignal: signal });
        });
        return unquote(done.ETag);
      } catch (err) {
        // A retried Complete whose first try did succeed answers NoSuchUpload:
        // the object is there if it has our size.
        if (attempt > 1 && err instanceof StorageError && isNotFound(err.cause)) {
          const meta = await this.headFull(fullKey);
          if (meta && meta.size === body.byteLength) return meta.etag ?? '';
        }
        throw err;
      }
    } catch (err) {
      await this.request('multipart_abort', fullKey, (signal) => this.client.send(new AbortMultipartUploadCommand({
        Bucket: this.bucket, Key: fullKey, UploadId: uploadId,
      }), { abortSignal: signal })).catch((abortErr: unknown) => {
        this.config.logger?.warn({ key: fullKey, uploadId, err: (abortErr as Error).message },
          'store-s3: could not abort a failed multipart upload (a bucket lifecycle rule for incomplete uploads cleans it up)');
      });
      throw err;
    }
  }

  async get(key: string, range?: ByteRange): Promise<Uint8Array> {
    const fullKey = this.fullKey(key);
    if (range !== undefined) {
      if (!Number.isSafeInteger(range.offset) || range.offset < 0) {
        throw new InvalidArgumentsError(`store-s3: get '${key}': range offset must be a non-negative integer, got ${range.offset}`);
      }
      if (range.length !== undefined && (!Number.isSafeInteger(range.length) || range.length < 0)) {
        throw new InvalidArgumentsError(`store-s3: get '${key}': range length must be a non-negative integer, got ${range.length}`);
      }
    }
    const id = this.cacheId(fullKey);
    if (this.cache) {
      const hit = await this.readCached(key, fullKey, id, range);
      if (hit) return hit;
      this.m.misses?.inc();
    }
    const whole = range === undefined || (range.offset === 0 && range.length === undefined);
    if (whole) {
      const op = this.track(fullKey, false);
      try {
        const { bytes, etag } = await this.getObject(key, fullKey);
        this.m.missBytes?.inc(bytes.byteLength);
        if (this.cache && etag && op.unchanged()) {
          await this.cache.insert(id, etag, bytes, true).catch((err: unknown) => {
            this.config.logger?.warn({ key: fullKey, err: (err as Error).message }, 'store-s3: cache insert failed');
          });
        }
        return bytes;
      } finally {
        op.release();
      }
    }
    if (range.length === 0) {
      // An empty range cannot be written as an HTTP Range; check the object and the offset.
      const meta = await this.headFull(fullKey);
      if (!meta) throw new ObjectNotFoundError(key);
      if (range.offset > meta.size) throw this.pastEnd(key, range.offset, meta.size);
      return new Uint8Array(0);
    }
    const { bytes, totalSize } = await this.getObject(key, fullKey, range);
    this.m.missBytes?.inc(bytes.byteLength);
    if (this.cache && this.fillOnRangedRead && !this.closed && totalSize !== undefined
      && totalSize <= this.cache.options.objectBytesMax && !this.fills.has(id)) {
      const fill = this.fill(key, fullKey, id).finally(() => this.fills.delete(id));
      this.fills.set(id, fill);
    }
    return bytes;
  }

  /** Serves a read from the cache when an entry exists and is still valid; undefined on a miss. */
  private async readCached(key: string, fullKey: string, id: string, range: ByteRange | undefined): Promise<Uint8Array | undefined> {
    const cache = this.cache!;
    let entry = cache.lookup(id);
    if (!entry) return undefined;
    if (this.validation === 'always' || (this.validation === 'once' && !entry.remoteVerified)) {
      const meta = await this.headFull(fullKey);
      entry = cache.lookup(id);
      if (!entry) return undefined;
      if (!meta) {
        await cache.invalidate(id);
        this.m.invalidations?.inc({ reason: 'gone' });
        throw new ObjectNotFoundError(key);
      }
      if (meta.etag !== entry.etag || meta.size !== entry.size) {
        await cache.invalidate(id);
        this.m.invalidations?.inc({ reason: 'changed' });
        return undefined;
      }
      cache.markRemoteVerified(id, entry.etag);
    }
    if (range && range.offset > entry.size) throw this.pastEnd(key, range.offset, entry.size);
    const bytes = await cache.read(id, range);
    if (bytes) {
      this.m.hits?.inc();
      this.m.hitBytes?.inc(bytes.byteLength);
    }
    return bytes;
  }

  private async fill(key: string, fullKey: string, id: string): Promise<void> {
    const op = this.track(fullKey, false);
    try {
      const { bytes, etag } = await this.getObject(key, fullKey);
      if (etag && op.unchanged()) await this.cache!.insert(id, etag, bytes, true);
    } catch (err) {
      this.config.logger?.debug({ key: fullKey, err: (err as Error).message }, 'store-s3: background cache fill failed');
    } finally {
      op.release();
    }
  }

  private pastEnd(key: string, offset: number, size: number): InvalidArgumentsError {
    return new InvalidArgumentsError(`store-s3: get '${key}': range offset ${offset} is past the end of the object (${size} bytes)`);
  }

  private async getObject(key: string, fullKey: string, range?: ByteRange): Promise<{ bytes: Uint8Array; etag: string; totalSize?: number }> {
    const rangeHeader = range ? `bytes=${range.offset}-${range.length === undefined ? '' : range.offset + range.length - 1}` : undefined;
    try {
      const res = await this.request('get', fullKey, async (signal) => {
        const out = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: fullKey, Range: rangeHeader }), { abortSignal: signal });
        const bytes = await bodyBytes(out.Body, signal);
        // A body cut short would otherwise be returned as if whole.
        if (out.ContentLength !== undefined && bytes.byteLength !== out.ContentLength) {
          throw Object.assign(new Error(`short body: ${bytes.byteLength} of ${out.ContentLength} bytes`), { code: 'ERR_STREAM_PREMATURE_CLOSE' });
        }
        return { $metadata: out.$metadata, bytes, etag: unquote(out.ETag), totalSize: range ? totalFromContentRange(out.ContentRange) : bytes.byteLength };
      }, (err) => !isNotFound(err) && classifyS3Error(err).retryable);
      return res;
    } catch (err) {
      const cause = err instanceof StorageError ? err.cause : err;
      if (isNotFound(cause)) throw new ObjectNotFoundError(key, { cause });
      if (range && classifyS3Error(cause).httpStatus === 416) {
        // Not satisfiable: an offset at the very end is an empty read (as in store-fs), past it an error.
        const meta = await this.headFull(fullKey);
        if (!meta) throw new ObjectNotFoundError(key, { cause });
        if (range.offset === meta.size) return { bytes: new Uint8Array(0), etag: meta.etag ?? '', totalSize: meta.size };
        throw this.pastEnd(key, range.offset, meta.size);
      }
      throw err;
    }
  }

  async head(key: string): Promise<ObjectMeta | undefined> {
    const fullKey = this.fullKey(key);
    const meta = await this.headFull(fullKey);
    if (this.cache) {
      // S3 is the authority: a cached entry that disagrees is stale.
      const id = this.cacheId(fullKey);
      const entry = this.cache.lookup(id);
      if (entry && (!meta || meta.etag !== entry.etag || meta.size !== entry.size)) {
        await this.cache.invalidate(id);
        this.m.invalidations?.inc({ reason: meta ? 'changed' : 'gone' });
      } else if (entry && meta) {
        this.cache.markRemoteVerified(id, entry.etag);
      }
    }
    return meta ? { ...meta, key } : undefined;
  }

  private async headFull(fullKey: string): Promise<ObjectMeta | undefined> {
    try {
      const res = await this.request('head', fullKey, (signal) => this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: fullKey }), { abortSignal: signal }),
        (err) => !isNotFound(err) && classifyS3Error(err).retryable);
      return {
        key: fullKey.slice(this.prefix.length),
        size: res.ContentLength ?? 0,
        lastModifiedMs: res.LastModified?.getTime() ?? 0,
        etag: unquote(res.ETag),
      };
    } catch (err) {
      if (err instanceof StorageError && isNotFound(err.cause)) return undefined;
      throw err;
    }
  }

  /**
   * Every object under `prefix`, in S3's order (UTF-8 byte order), fetched a
   * page (`listPageSize` keys) at a time with ContinuationToken.
   */
  async *list(prefix: string): AsyncIterable<ObjectMeta> {
    if (typeof prefix !== 'string') throw new InvalidArgumentsError(`store-s3: invalid list prefix: expected a string, got ${typeof prefix}`);
    if (prefix !== '') validateKey(prefix.endsWith('/') ? prefix.slice(0, -1) : prefix, this.prefix, 'prefix');
    const full = this.prefix + prefix;
    let token: string | undefined;
    let previous: string | undefined;
    do {
      const page = await this.request('list', full || '/', (signal) => this.client.send(new ListObjectsV2Command({
        Bucket: this.bucket, Prefix: full === '' ? undefined : full, MaxKeys: this.listPageSize, ContinuationToken: token,
      }), { abortSignal: signal }));
      for (const item of page.Contents ?? []) {
        if (!item.Key || !item.Key.startsWith(full)) continue;
        // The contract promises lexicographic order; check it where it is consumed.
        if (previous !== undefined && compareUtf8(previous, item.Key) >= 0) {
          throw new StorageError(`store-s3: list '${full}': the service returned keys out of order ('${previous}' then '${item.Key}')`);
        }
        previous = item.Key;
        yield { key: item.Key.slice(this.prefix.length), size: item.Size ?? 0, lastModifiedMs: item.LastModified?.getTime() ?? 0, etag: unquote(item.ETag) };
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
      if (page.IsTruncated && !token) throw new StorageError(`store-s3: list '${full}': truncated page without a continuation token`);
    } while (token);
  }

  async delete(key: string): Promise<void> {
    const fullKey = this.fullKey(key);
    const op = this.track(fullKey, true);
    try {
      await this.cache?.invalidate(this.cacheId(fullKey));
      await this.deleteFull(fullKey);
    } finally {
      op.release();
    }
  }

  private async deleteFull(fullKey: string): Promise<void> {
    try {
      await this.request('delete', fullKey, (signal) => this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: fullKey }), { abortSignal: signal }),
        (err) => !isNotFound(err) && classifyS3Error(err).retryable);
    } catch (err) {
      if (err instanceof StorageError && isNotFound(err.cause)) return;
      throw err;
    }
  }

  /**
   * Deletes in batches of up to 1000 keys (DeleteObjects, quiet mode); missing
   * keys are fine. A service without DeleteObjects (501, e.g. GCS's XML API)
   * is remembered and served by single deletes, `deleteConcurrency` at once.
   */
  async deleteMany(keys: readonly string[]): Promise<void> {
    const full = [...new Set(keys.map((k) => this.fullKey(k)))];
    const ops = full.map((k) => this.track(k, true));
    try {
      for (const k of full) await this.cache?.invalidate(this.cacheId(k));
      await this.deleteBatches(full);
    } finally {
      for (const op of ops) op.release();
    }
  }

  private async deleteBatches(full: readonly string[]): Promise<void> {
    for (let i = 0; i < full.length; i += this.deleteBatchSize) {
      const batch = full.slice(i, i + this.deleteBatchSize);
      if (!this.batchDeleteUnsupported) {
        try {
          const res = await this.request('delete_many', `${batch[0]} (+${batch.length - 1})`, (signal) => this.client.send(new DeleteObjectsCommand({
            Bucket: this.bucket, Delete: { Objects: batch.map((Key) => ({ Key })), Quiet: true },
          }), { abortSignal: signal }));
          const failed = (res.Errors ?? []).filter((e) => e.Code !== 'NoSuchKey');
          if (failed.length > 0) {
            const shown = failed.slice(0, 5).map((e) => `${e.Key}: ${e.Code} ${e.Message ?? ''}`.trim()).join('; ');
            throw new StorageError(`store-s3: deleteMany: ${failed.length} of ${batch.length} keys were not deleted (${shown})`);
          }
          continue;
        } catch (err) {
          if (!(err instanceof StorageError && isNotImplemented(err.cause))) throw err;
          this.batchDeleteUnsupported = true;
          this.config.logger?.warn({ bucket: this.bucket }, 'store-s3: the service does not implement DeleteObjects; deleting key by key');
        }
      }
      let next = 0;
      const worker = async (): Promise<void> => {
        while (next < batch.length) await this.deleteFull(batch[next++]!);
      };
      await Promise.all(Array.from({ length: Math.min(DELETE_CONCURRENCY, batch.length) }, worker));
    }
  }
}
