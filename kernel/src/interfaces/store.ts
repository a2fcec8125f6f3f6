/** Metadata of one object in an object store. */
export interface ObjectMeta {
  readonly key: string;
  readonly size: number;
  readonly lastModifiedMs: number;
  /** An opaque version tag (S3 ETag, or a hash/mtime for local files) when known. */
  readonly etag?: string;
}

/** A byte range: `length` omitted means to the end. */
export interface ByteRange { readonly offset: number; readonly length?: number }

/**
 * An object store: where SSTs and manifests live. Keys are '/'-separated
 * relative paths without a leading slash (e.g. `data/1024_0/manifest/00000001.json`).
 *
 * Contract:
 * - `put` is atomic: a reader sees the whole new object or the old one, never
 *   a partial write; when it resolves the object is durable.
 * - `get` of a missing key rejects with ObjectNotFoundError.
 * - `list` yields every key that starts with `prefix`, in lexicographic order.
 *
 * @example
 * await store.put('data/t/sst/1.parquet', bytes);
 * const footer = await store.get('data/t/sst/1.parquet', { offset: size - 8 });
 */
export interface ObjectStore {
  readonly name: string;
  put(key: string, data: Uint8Array): Promise<void>;
  get(key: string, range?: ByteRange): Promise<Uint8Array>;
  /** Undefined when the object does not exist. */
  head(key: string): Promise<ObjectMeta | undefined>;
  list(prefix: string): AsyncIterable<ObjectMeta>;
  /** Deleting a missing key is not an error. */
  delete(key: string): Promise<void>;
  deleteMany(keys: readonly string[]): Promise<void>;
}
