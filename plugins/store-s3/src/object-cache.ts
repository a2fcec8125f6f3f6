import { createHash, randomBytes } from 'node:crypto';
import { mkdir, open, readdir, readFile, rename, rm, stat, unlink, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';

/** What the cache knows about one object; persisted next to its bytes. */
export interface CacheEntryMeta {
  /** Format version of the metadata file. */
  readonly v: 1;
  /** `bucket/fullKey`: checked on load so a hash collision can never alias two objects. */
  readonly id: string;
  /** The S3 ETag (unquoted) and size the bytes were fetched or put with. */
  readonly etag: string;
  readonly size: number;
  /** MD5 of the bytes, checked once per process before the entry is first served. */
  readonly md5: string;
}

interface Entry extends CacheEntryMeta {
  readonly file: string;
  /** The bytes on disk were re-hashed in this process and match `md5`. */
  localVerified: boolean;
  /** The ETag/size were confirmed against S3 (HEAD) or come from this process's own GET/PUT. */
  remoteVerified: boolean;
  lastTouchMs: number;
}

export interface ObjectCacheOptions {
  readonly dir: string;
  /** Bytes the cache may hold; least recently used entries are evicted past it. */
  readonly bytesMax: number;
  /** Larger objects are not cached. */
  readonly objectBytesMax: number;
}

/** Hooks for metrics; all optional. */
export interface ObjectCacheObserver {
  evicted?(bytes: number): void;
  changed?(bytes: number, entries: number): void;
  dropped?(id: string, reason: string): void;
}

const META_SUFFIX = '.meta.json';
const DATA_SUFFIX = '.bin';
const TEMP_MARKER = '.tmp-';
/** Access times are persisted (file mtime) at most this often per entry: LRU order across restarts. */
const TOUCH_PERSIST_MS = 60_000;

/**
 * A bounded on-disk cache of whole objects, LRU by bytes, that survives a
 * restart. Each object is two files named by the SHA-256 of its id:
 * `<hash>.bin` (the bytes) and `<hash>.meta.json` (id, ETag, size, MD5).
 *
 * Writes are crash-safe in the sense that matters for a cache: a new entry's
 * data file is written to a temp name and renamed, and its metadata is written
 * (also temp + rename) only after that; the metadata of an entry being replaced
 * is removed first. On open, a data file without metadata, metadata without a
 * data file, or a size that disagrees is deleted. Before an entry is first
 * served in a process its bytes are re-hashed against the recorded MD5, so a
 * torn or corrupted file is never returned; the caller separately checks the
 * ETag/size against S3 (see `remoteVerified`).
 *
 * @example
 * const cache = new ObjectCache({ dir, bytesMax: 1 << 30, objectBytesMax: 256 << 20 });
 * await cache.open();
 * await cache.insert('bucket/a/b', '"etag"', bytes, true);
 * const tail = await cache.read('bucket/a/b', { offset: 10 });
 */
export class ObjectCache {
  private readonly entries = new Map<string, Entry>(); // insertion order = LRU order (oldest first)
  private bytes = 0;
  private readonly locks = new Map<string, Promise<unknown>>();

  constructor(readonly options: ObjectCacheOptions, private readonly observer: ObjectCacheObserver = {}) {}

  get sizeBytes(): number { return this.bytes; }
  get entryCount(): number { return this.entries.size; }

  /** Loads the entries left by a previous run, dropping anything inconsistent. */
  async open(): Promise<void> {
    await mkdir(this.options.dir, { recursive: true });
    const names = await readdir(this.options.dir);
    const loaded: Array<Entry & { mtimeMs: number }> = [];
    const keep = new Set<string>();
    for (const name of names) {
      if (!name.endsWith(META_SUFFIX) || name.includes(TEMP_MARKER)) continue;
      const hash = name.slice(0, -META_SUFFIX.length);
      const file = path.join(this.options.dir, hash + DATA_SUFFIX);
      try {
        const meta = JSON.parse(await readFile(path.join(this.options.dir, name), 'utf8')) as CacheEntryMeta;
        const st = await stat(file);
        if (meta.v !== 1 || typeof meta.id !== 'string' || hashOf(meta.id) !== hash || st.size !== meta.size
          || typeof meta.etag !== 'string' || typeof meta.md5 !== 'string') {
          continue;
        }
        loaded.push({ ...meta, file, localVerified: false, remoteVerified: false, lastTouchMs: st.mtimeMs, mtimeMs: st.mtimeMs });
        keep.add(hash);
      } catch {
        // Unreadable metadata or a missing data file: dropped below.
      }
    }
    for (const name of names) {
      const hash = name.endsWith(META_SUFFIX) ? name.slice(0, -META_SUFFIX.length) : name.endsWith(DATA_SUFFIX) ? name.slice(0, -DATA_SUFFIX.length) : undefined;
      if (hash === undefined || !keep.has(hash) || name.includes(TEMP_MARKER)) {
        await rm(path.join(this.options.dir, name), { force: true, recursive: true }).catch(() => undefined);
      }
    }
    loaded.sort((a, b) => a.mtimeMs - b.mtimeMs);
    for (const e of loaded) {
      const { mtimeMs: _m, ...entry } = e;
      this.entries.set(e.id, entry);
      this.bytes += e.size;
    }
    await this.evict();
    this.observer.changed?.(this.bytes, this.entries.size);
  }

  /** The entry for `id`, if cached (no I/O). */
  lookup(id: string): Readonly<Entry> | undefined {
    return this.entries.get(id);
  }

  /** Ids of entries not yet confirmed against S3 in this process. */
  unverifiedIds(): string[] {
    const out: string[] = [];
    for (const e of this.entries.values()) if (!e.remoteVerified) out.push(e.id);
    return out;
  }

  markRemoteVerified(id: string, etag: string): void {
    const e = this.entries.get(id);
    if (e && e.etag === etag) e.remoteVerified = true;
  }

  /**
   * Reads a range of a cached object, or returns undefined when the entry is
   * gone or its bytes fail verification (the entry is then dropped). The
   * caller has validated the range against the entry's size.
   */
  async read(id: string, range?: { offset: number; length?: number }): Promise<Uint8Array | undefined> {
    const e = this.entries.get(id);
    if (!e) return undefined;
    try {
      if (!e.localVerified) {
        const all = await readFile(e.file);
        if (all.length !== e.size || md5Of(all) !== e.md5) {
          await this.drop(id, 'content does not match its checksum');
          return undefined;
        }
        e.localVerified = true;
        this.touch(e);
        const offset = range?.offset ?? 0;
        return all.subarray(offset, Math.min(e.size, offset + (range?.length ?? e.size)));
      }
      const fh = await open(e.file, 'r');
      try {
        const st = await fh.stat();
        if (st.size !== e.size) {
          await this.drop(id, 'size changed on disk');
          return undefined;
        }
        const offset = range?.offset ?? 0;
        const want = Math.max(0, Math.min(e.size - offset, range?.length ?? e.size - offset));
        const out = Buffer.allocUnsafe(want);
        let got = 0;
        while (got < want) {
          const { bytesRead } = await fh.read(out, got, want - got, offset + got);
          if (bytesRead === 0) break;
          got += bytesRead;
        }
        if (got !== want) {
          await this.drop(id, 'short read');
          return undefined;
        }
        this.touch(e);
        return out;
      } finally {
        await fh.close().catch(() => undefined);
      }
    } catch {
      // Deleted under us (eviction by a concurrent insert) or unreadable: a miss.
      if (this.entries.get(id) === e) await this.drop(id, 'unreadable');
      return undefined;
    }
  }

  /**
   * Stores a whole object. Objects over `objectBytesMax` (or the whole cache)
   * are skipped. `remoteVerified` is true when the ETag came from S3 just now.
   */
  async insert(id: string, etag: string, data: Uint8Array, remoteVerified: boolean): Promise<boolean> {
    if (data.byteLength > this.options.objectBytesMax || data.byteLength > this.options.bytesMax) {
      await this.invalidate(id);
      return false;
    }
    return this.locked(id, async () => {
      const hash = hashOf(id);
      const file = path.join(this.options.dir, hash + DATA_SUFFIX);
      const metaFile = path.join(this.options.dir, hash + META_SUFFIX);
      const suffix = `${TEMP_MARKER}${process.pid}-${randomBytes(4).toString('hex')}`;
      const meta: CacheEntryMeta = { v: 1, id, etag, size: data.byteLength, md5: md5Of(data) };
      this.forget(id);
      await rm(metaFile, { force: true });
      try {
        await writeFile(file + suffix, data);
        await rename(file + suffix, file);
        await writeFile(metaFile + suffix, JSON.stringify(meta));
        await rename(metaFile + suffix, metaFile);
      } catch (err) {
        await rm(file + suffix, { force: true }).catch(() => undefined);
        await rm(metaFile + suffix, { force: true }).catch(() => undefined);
        await rm(file, { force: true }).catch(() => undefined);
        throw err;
      }
      this.entries.set(id, { ...meta, file, localVerified: true, remoteVerified, lastTouchMs: Date.now() });
      this.bytes += meta.size;
      await this.evict();
      this.observer.changed?.(this.bytes, this.entries.size);
      return true;
    });
  }

  /** Forgets an object (after a put or delete, or when S3 says it changed). */
  async invalidate(id: string): Promise<void> {
    if (!this.entries.has(id)) return;
    await this.drop(id, 'invalidated');
  }

  private async drop(id: string, reason: string): Promise<void> {
    await this.locked(id, async () => {
      const e = this.entries.get(id);
      if (!e) return;
      this.forget(id);
      this.observer.dropped?.(id, reason);
      await this.removeFiles(hashOf(id));
      this.observer.changed?.(this.bytes, this.entries.size);
    });
  }

  private forget(id: string): void {
    const e = this.entries.get(id);
    if (!e) return;
    this.entries.delete(id);
    this.bytes -= e.size;
  }

  private async removeFiles(hash: string): Promise<void> {
    // Metadata first: a crash in between leaves a data file without metadata, dropped on open.
    await rm(path.join(this.options.dir, hash + META_SUFFIX), { force: true }).catch(() => undefined);
    await unlink(path.join(this.options.dir, hash + DATA_SUFFIX)).catch(() => undefined);
  }

  private async evict(): Promise<void> {
    while (this.bytes > this.options.bytesMax) {
      const oldest = this.entries.keys().next();
      if (oldest.done) break;
      const e = this.entries.get(oldest.value)!;
      this.forget(oldest.value);
      this.observer.evicted?.(e.size);
      await this.removeFiles(hashOf(oldest.value));
    }
  }

  /** Moves an entry to the most-recently-used end; persists the time now and then. */
  private touch(e: Entry): void {
    this.entries.delete(e.id);
    this.entries.set(e.id, e);
    const now = Date.now();
    if (now - e.lastTouchMs >= TOUCH_PERSIST_MS) {
      e.lastTouchMs = now;
      const t = new Date(now);
      utimes(e.file, t, t).catch(() => undefined);
    }
  }

  /** Serializes inserts/drops of one id, so files and the map stay in step. */
  private async locked<T>(id: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.locks.get(id) ?? Promise.resolve();
    const run = prev.then(fn, fn);
    const tail = run.catch(() => undefined);
    this.locks.set(id, tail);
    try {
      return await run;
    } finally {
      if (this.locks.get(id) === tail) this.locks.delete(id);
    }
  }
}

function hashOf(id: string): string {
  return createHash('sha256').update(id).digest('hex');
}

function md5Of(data: Uint8Array): string {
  return createHash('md5').update(data).digest('hex');
}
