import path from 'node:path';
import { definePlugin, InvalidArgumentsError, STORE } from '@strata/kernel';
import { S3ObjectStore } from './s3-object-store.js';
import { S3_PART_BYTES_MIN, storeS3Options } from './options.js';

export { S3ObjectStore, normalizePrefix, validateKey, type S3ObjectStoreConfig, type S3ObjectStoreCacheConfig } from './s3-object-store.js';
export { ObjectCache, type ObjectCacheOptions, type CacheEntryMeta } from './object-cache.js';
export { backoffDelayMs, withRetries, RetriesExhausted, type RetryPolicy, type AttemptObserver } from './retry-policy.js';
export { storeS3Options, type StoreS3Options, S3_PART_BYTES_MIN, S3_PARTS_MAX, S3_DELETE_BATCH_MAX } from './options.js';
export * from './errors.js';

/** The store of each server (keyed by its plugin context), closed on stop. */
const stores = new WeakMap<object, S3ObjectStore>();

/**
 * The S3 object store: SSTs and manifests in a bucket (AWS S3, MinIO or any
 * S3-compatible service), with a local on-disk read cache under dataHome.
 *
 * @example
 * plugins:
 *   - use: store-s3
 *     options: { bucket: strata-data, prefix: prod, region: eu-west-1 }
 */
export default definePlugin({
  name: 'store-s3',
  kind: 'store',
  description: 'Object store on Amazon S3 or an S3-compatible service, with a verified local read cache.',
  provides: [STORE],
  options: storeS3Options,
  async register(ctx, opts) {
    if ((opts.accessKeyId === undefined) !== (opts.secretAccessKey === undefined)) {
      throw new InvalidArgumentsError("store-s3: set both 'accessKeyId' and 'secretAccessKey', or neither (to use the AWS default credential chain)");
    }
    if (opts.multipartPartSize < S3_PART_BYTES_MIN) {
      throw new InvalidArgumentsError(`store-s3: 'multipartPartSize' must be at least 5MiB (S3's minimum part size), got ${opts.multipartPartSize} bytes`);
    }
    if (opts.multipartThreshold < opts.multipartPartSize) {
      throw new InvalidArgumentsError(`store-s3: 'multipartThreshold' (${opts.multipartThreshold}) must be at least 'multipartPartSize' (${opts.multipartPartSize})`);
    }
    const cacheDir = path.resolve(ctx.server.dataHome, opts.cacheDir);
    const store = new S3ObjectStore({
      bucket: opts.bucket,
      prefix: opts.prefix,
      endpoint: opts.endpoint,
      region: opts.region,
      credentials: opts.accessKeyId && opts.secretAccessKey
        ? { accessKeyId: opts.accessKeyId, secretAccessKey: opts.secretAccessKey, sessionToken: opts.sessionToken } : undefined,
      forcePathStyle: opts.forcePathStyle,
      checksums: opts.checksums,
      multipartThresholdBytes: opts.multipartThreshold,
      multipartPartBytes: opts.multipartPartSize,
      multipartConcurrency: opts.multipartConcurrency,
      retry: {
        maxAttempts: opts.maxAttempts, baseDelayMs: opts.retryBaseDelay, maxDelayMs: opts.retryMaxDelay, attemptTimeoutMs: opts.requestTimeout,
      },
      connectTimeoutMs: opts.connectTimeout,
      maxSockets: opts.maxSockets,
      listPageSize: opts.listPageSize,
      deleteBatchSize: opts.deleteBatchSize,
      cache: opts.cache ? {
        dir: cacheDir,
        bytesMax: opts.cacheSize,
        objectBytesMax: Math.min(opts.cacheObjectSizeMax, opts.cacheSize),
        writeThrough: opts.cacheWriteThrough,
        fillOnRangedRead: opts.cacheFillOnRangedRead,
        validation: opts.cacheValidation,
      } : undefined,
      metrics: ctx.metrics,
      logger: ctx.logger,
    });
    await store.init({ checkBucket: opts.checkBucketOnStart, createBucket: opts.createBucket });
    ctx.logger.info({
      bucket: opts.bucket, prefix: store.prefix, endpoint: opts.endpoint, cache: opts.cache ? cacheDir : false,
    }, 'store-s3 ready');
    stores.set(ctx, store);
    ctx.bind(STORE, store);
  },
  async stop(ctx) {
    const store = stores.get(ctx);
    await store?.close();
  },
});
