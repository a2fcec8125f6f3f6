import { o, type InferShape } from '@strata/kernel';

/** S3's smallest part (all but the last); also its default for multipart copies. */
export const S3_PART_BYTES_MIN = 5 * 1024 * 1024;
/** S3 accepts at most 10,000 parts per upload. */
export const S3_PARTS_MAX = 10_000;
/** DeleteObjects takes at most 1,000 keys per request. */
export const S3_DELETE_BATCH_MAX = 1000;

/** Options of the store-s3 plugin (see README.md for the table). */
export const storeS3Options = o.object({
  bucket: o.string({ minLength: 3, description: 'Bucket that holds the objects (required).' }),
  prefix: o.string({
    default: '',
    description: "Key prefix inside the bucket, e.g. 'strata/prod'; a trailing '/' is added. Empty: the bucket root.",
  }),
  endpoint: o.string({
    optional: true,
    description: "Endpoint URL of an S3-compatible service (MinIO, Ceph, R2, ...), e.g. 'http://127.0.0.1:9000'. Unset: AWS (or AWS_ENDPOINT_URL_S3).",
  }),
  region: o.string({
    optional: true,
    description: "Region. Unset: AWS_REGION, then AWS_DEFAULT_REGION, then 'us-east-1'.",
  }),
  accessKeyId: o.string({ optional: true, description: 'Access key id. Unset: the AWS default credential chain (environment, profile, SSO, IMDS/ECS roles).' }),
  secretAccessKey: o.string({ optional: true, description: 'Secret access key; required with accessKeyId.' }),
  sessionToken: o.string({ optional: true, description: 'Session token for temporary credentials.' }),
  forcePathStyle: o.boolean({
    default: false,
    description: 'Address the bucket as http://endpoint/bucket/key instead of http://bucket.endpoint/key (most S3-compatible servers need true).',
  }),
  createBucket: o.boolean({ default: false, description: 'Create the bucket at startup if it does not exist.' }),
  checkBucketOnStart: o.boolean({ default: true, description: 'List one key of the prefix at startup so a wrong bucket, endpoint or credentials fail the start, not the first flush.' }),
  checksums: o.enum(['auto', 'when-supported', 'when-required'], {
    default: 'auto',
    description: "Request/response checksums (CRC32). 'auto': when-supported on AWS, when-required with a custom endpoint (many S3-compatible servers reject the newer checksum headers).",
  }),
  multipartThreshold: o.bytes({ default: '16MiB', description: 'Objects at least this large are uploaded in parts.' }),
  multipartPartSize: o.bytes({ default: '8MiB', description: 'Size of each part (at least 5MiB, S3\'s minimum; raised automatically to stay under 10,000 parts).' }),
  multipartConcurrency: o.integer({ default: 4, min: 1, max: 64, description: 'Parts of one upload sent at once.' }),
  maxAttempts: o.integer({ default: 4, min: 1, max: 20, description: 'Tries per request (1 = no retry). Retried: network errors, timeouts, 5xx, 429/SlowDown.' }),
  retryBaseDelay: o.duration({ default: '100ms', description: 'First retry delay; doubles on each retry, with full jitter.' }),
  retryMaxDelay: o.duration({ default: '5s', description: 'Upper bound of one retry delay.' }),
  requestTimeout: o.duration({ default: '30s', description: 'Time limit of one attempt of one request, body included; a timed-out attempt is retried.' }),
  connectTimeout: o.duration({ default: '5s', description: 'Time limit to open a connection.' }),
  maxSockets: o.integer({ default: 64, min: 1, max: 4096, description: 'Parallel HTTP connections to the service.' }),
  listPageSize: o.integer({ default: 1000, min: 1, max: 1000, description: 'Keys per ListObjectsV2 page (MaxKeys).' }),
  deleteBatchSize: o.integer({ default: S3_DELETE_BATCH_MAX, min: 1, max: S3_DELETE_BATCH_MAX, description: 'Keys per DeleteObjects request.' }),
  cache: o.boolean({ default: true, description: 'Keep a local on-disk read cache of whole objects.' }),
  cacheDir: o.string({ default: 's3-cache', minLength: 1, description: 'Cache directory; a relative path resolves against the server dataHome.' }),
  cacheSize: o.bytes({ default: '1GiB', description: 'Bytes the cache may hold on disk; least recently used objects are evicted past it.' }),
  cacheObjectSizeMax: o.bytes({ default: '256MiB', description: 'Larger objects are never cached (ranged reads of them go to S3).' }),
  cacheWriteThrough: o.boolean({ default: true, description: 'Store freshly put objects in the cache too, so new SSTs are read locally.' }),
  cacheFillOnRangedRead: o.boolean({ default: true, description: 'A ranged read of an uncached object also fetches the whole object into the cache (in the background).' }),
  cacheValidation: o.enum(['once', 'always', 'never'], {
    default: 'once',
    description: "When a cached entry is checked against S3's size and ETag (HEAD): 'once' on its first use after a (re)start, 'always' before every use, 'never'.",
  }),
});

export type StoreS3Options = InferShape<typeof storeS3Options.shape>;
