/**
 * What one scan may still hold of one of the engine's SST caches (the page
 * cache `sstPages`, the compressed chunk cache `sstChunks`), in the bytes that
 * cache counts, shared by all the SST sources of the scan. What the scan finds
 * in the cache and what it adds both count, so a scan never holds more than it
 * was given and a repeated scan finds the same entries rather than taking the
 * cache over bit by bit; once spent, the scan still uses what it finds but adds
 * nothing (and copies nothing). `{ bytes: 0 }` adds nothing, as RocksDB's
 * `fill_cache = false`: reads whose result is kept elsewhere (a file's series
 * table, its last rows) and scans known before they read to be bigger than
 * their share.
 *
 * ```
 *  scan plan ─▶ bytes it would put through the cache (from the files' layouts)
 *             ├─ > its share, no LIMIT ─▶ budget 0: adds nothing
 *             └─ otherwise ─────────────▶ budget = its share (SCAN_CACHE_SHARE)
 *  each entry ─▶ in the cache? ─▶ use it, charge its size
 *             └─ read it ─▶ within the budget? ─▶ add it, charge it  (else: declined)
 * ```
 *
 * @example
 * const admission = scanCacheAdmission(cache.bytesMax);
 * // ... the scan's sources are planned, adding up what they would put through the cache ...
 * settleCacheAdmission(admission, plannedBytes, req.limit !== undefined);
 */
export interface CacheAdmission { bytes: number }

/** A scan's admission to each cache it goes through (see CacheAdmission). */
export interface ScanAdmission {
  /** The page cache, in decompressed bytes. */
  readonly pages: CacheAdmission;
  /** The chunk cache, in fetched (compressed) bytes. */
  readonly chunks: CacheAdmission;
}

/**
 * The part of a cache one scan may hold: entries it finds there and entries
 * it adds both count, so one scan never pushes out more than this of what
 * other queries keep. Half, not PostgreSQL's quarter, leaves room for the
 * repeated large scans the caches are for (the TSBS double-groupby reads
 * about 15 MB of pages, a few MB of chunks).
 */
export const SCAN_CACHE_SHARE = 0.5;

/** A scan's starting budget for a cache of `bytesMax` (absent or 0: no cache, nothing admitted). */
export function scanCacheAdmission(bytesMax: number | undefined): CacheAdmission {
  return { bytes: bytesMax ? Math.floor(bytesMax * SCAN_CACHE_SHARE) : 0 };
}

/**
 * Once a scan knows what it would put through a cache (`plannedBytes`, from
 * the files' layouts): a scan bigger than its share would only fill the share
 * with its first entries and read on past them (least recently used over a
 * sequential read bigger than the cache finds nothing again), so it adds
 * nothing, as bulk reads do in PostgreSQL (a ring, not shared buffers) and
 * RocksDB (fill_cache off). A scan that may stop early (a LIMIT) keeps its
 * share: it is only held to it.
 */
export function settleCacheAdmission(admission: CacheAdmission, plannedBytes: number, mayStopEarly: boolean): void {
  if (!mayStopEarly && plannedBytes > admission.bytes) admission.bytes = 0;
}

/** The admission of reads that add nothing to any cache (their result is kept elsewhere). */
export function noCacheAdmission(): ScanAdmission { return { pages: { bytes: 0 }, chunks: { bytes: 0 } }; }
