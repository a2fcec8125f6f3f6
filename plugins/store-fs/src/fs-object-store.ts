import { randomBytes } from 'node:crypto';
import { constants as fsConstants, type Dirent } from 'node:fs';
import { mkdir, open, readdir, rename, rmdir, stat, unlink, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import type { ByteRange, ObjectMeta, ObjectStore } from '@strata/kernel';
import { errnoOf, fsError, InvalidArgumentsError, ObjectNotFoundError } from './errors.js';

/**
 * Marks temporary files of in-flight puts. Keys may not contain it, so a
 * temp file can never be mistaken for an object (list skips them).
 */
export const TEMP_MARKER = '.strata-tmp-';

/** S3's limit; also keeps paths well inside PATH_MAX. */
const KEY_BYTES_MAX = 1024;
/** Most file systems refuse longer names; the temp suffix needs room too. */
const SEGMENT_BYTES_MAX = 200;

export interface FsObjectStoreOptions {
  /** fsync file and directory before a put resolves (default true). */
  readonly fsync?: boolean;
  /** Remove directories emptied by delete (default true). */
  readonly pruneEmptyDirs?: boolean;
  /** Parallel unlinks in deleteMany (default 16). */
  readonly deleteConcurrency?: number;
  /**
   * Files kept open for ranged gets (default 64; 0 = open and close per get).
   * A get on a kept file is one pread instead of open + fstat + read + close.
   * Objects must then change only through this store (put, delete).
   */
  readonly openFilesMax?: number;
}

/** A file kept open for gets: its size as of opening (objects change only by put = rename, or delete). */
interface OpenFile { readonly fh: FileHandle; readonly size: number; refs: number; closing: boolean }

/**
 * Checks an object key: a '/'-separated relative path without empty, '.'
 * or '..' segments, so no key can escape the root or alias another key.
 * Throws InvalidArgumentsError naming the key and the rule it breaks.
 */
export function validateKey(key: string, what = 'key'): void {
  const bad = (why: string): never => { throw new InvalidArgumentsError(`store-fs: invalid object ${what} ${JSON.stringify(key)}: ${why}`); };
  if (typeof key !== 'string') bad(`expected a string, got ${typeof key}`);
  if (key.length === 0) bad('it is empty');
  if (Buffer.byteLength(key) > KEY_BYTES_MAX) bad(`longer than ${KEY_BYTES_MAX} bytes`);
  if (key.startsWith('/') || path.isAbsolute(key)) bad('keys are relative (no leading "/")');
  if (key.includes('\\')) bad('backslashes are not allowed (use "/")');
  if (key.includes('\0')) bad('NUL characters are not allowed');
  if (key.includes(TEMP_MARKER)) bad(`"${TEMP_MARKER}" is reserved for temporary files`);
  for (const segment of key.split('/')) {
    if (segment === '') bad('empty path segment ("//" or a trailing "/")');
    if (segment === '.' || segment === '..') bad(`"${segment}" segments are not allowed`);
    if (Buffer.byteLength(segment) > SEGMENT_BYTES_MAX) bad(`a segment is longer than ${SEGMENT_BYTES_MAX} bytes`);
  }
}

/** Checks a list prefix: like a key, but it may be empty or end with '/'. */
export function validatePrefix(prefix: string): void {
  if (typeof prefix !== 'string') throw new InvalidArgumentsError(`store-fs: invalid list prefix: expected a string, got ${typeof prefix}`);
  if (prefix === '') return;
  const body = prefix.endsWith('/') ? prefix.slice(0, -1) : prefix;
  validateKey(body, 'prefix');
}


/**
 * An ObjectStore on a local directory. Keys map to files under `root`
 * ('a/b/c' -> root/a/b/c).
 *
 * Puts are atomic and durable: the bytes go to a temp file in the target's
 * directory, which is fsynced, renamed over the target, and the directory
 * fsynced — a reader sees the old object or the whole new one, and after a
 * crash either survives, never a torn file.
 *
 * @example
 * const store = new FsObjectStore('/var/lib/strata/store');
 * await store.put('data/1024_0/manifest/00000001.json', bytes);
 * const tail = await store.get('data/1024_0/manifest/00000001.json', { offset: 10, length: 20 });
 * for await (const meta of store.list('data/1024_0/')) console.log(meta.key, meta.size);
 */
export class FsObjectStore implements ObjectStore {
  readonly name = 'store-fs';
  readonly root: string;
  private readonly fsync: boolean;
  private readonly pruneEmptyDirs: boolean;
  private readonly deleteConcurrency: number;
  private readonly openFilesMax: number;
  /** Files kept open for gets, by path, least recently used first. */
  private readonly files = new Map<string, OpenFile>();
  /**
   * Bumped before and after every rename and unlink: a file opened while any
   * key changed is used for its get but not kept (it may be the replaced or
   * deleted one).
   */
  private changes = 0;
  /**
   * Renames and unlinks under way. A get whose open and stat both fall
   * between a put's first bump and its rename sees `changes` unmoved, so it
   * must also see no change in flight to keep its file: else it would keep
   * the replaced object and serve it to every later get.
   */
  private changing = 0;
  private closed = false;

  constructor(root: string, options: FsObjectStoreOptions = {}) {
    this.root = path.resolve(root);
    this.fsync = options.fsync ?? true;
    this.pruneEmptyDirs = options.pruneEmptyDirs ?? true;
    this.deleteConcurrency = options.deleteConcurrency ?? 16;
    this.openFilesMax = options.openFilesMax ?? 64;
  }

  /** Files currently kept open for gets. */
  get openFiles(): number { return this.files.size; }

  /** Closes the files kept open (one in use closes when its get ends); later gets open and close per call. */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.files.keys()].map((f) => this.forget(f)));
  }

  /** Stops keeping `file` open (a put replaces it, a delete removes it, or it is least recently used). */
  private async forget(file: string): Promise<void> {
    const o = this.files.get(file);
    if (!o) return;
    this.files.delete(file);
    o.closing = true;
    if (o.refs === 0) await o.fh.close().catch(() => undefined);
  }

  private async release(o: OpenFile, keep: boolean): Promise<void> {
    o.refs--;
    if ((o.closing || !keep) && o.refs === 0) await o.fh.close().catch(() => undefined);
  }

  /** An open file for a get (its ref taken) and whether it stays open afterwards. */
  private async acquire(file: string, key: string): Promise<{ o: OpenFile; keep: boolean }> {
    const kept = this.files.get(file);
    if (kept) {
      this.files.delete(file); this.files.set(file, kept); // most recently used
      kept.refs++;
      return { o: kept, keep: true };
    }
    const changes = this.changes;
    let fh: FileHandle;
    try {
      fh = await open(file, 'r');
    } catch (err) {
      if (errnoOf(err) === 'ENOENT' || errnoOf(err) === 'ENOTDIR') throw new ObjectNotFoundError(key, { cause: err });
      throw fsError('get', key, err);
    }
    let size: number;
    try {
      const st = await fh.stat();
      if (!st.isFile()) throw new ObjectNotFoundError(key);
      size = st.size;
    } catch (err) {
      await fh.close().catch(() => undefined);
      if (err instanceof ObjectNotFoundError) throw err;
      if (errnoOf(err) === 'EISDIR') throw new ObjectNotFoundError(key, { cause: err });
      throw fsError('get', key, err);
    }
    const o: OpenFile = { fh, size, refs: 1, closing: false };
    // Kept only if nothing was renamed or unlinked meanwhile and no other get kept it first.
    const keep = this.openFilesMax > 0 && !this.closed && changes === this.changes && this.changing === 0 && !this.files.has(file);
    if (keep) {
      this.files.set(file, o);
      for (const [f] of this.files) {
        if (this.files.size <= this.openFilesMax) break;
        void this.forget(f);
      }
    }
    return { o, keep };
  }

  /** Creates the root directory (and fsyncs its parent) if it is missing. */
  async init(): Promise<void> {
    try {
      await this.mkdirDurable(this.root);
    } catch (err) {
      throw fsError('create root', this.root, err);
    }
  }

  /** The file behind a key (validated). */
  pathOf(key: string): string {
    validateKey(key);
    return path.join(this.root, ...key.split('/'));
  }

  async put(key: string, data: Uint8Array): Promise<void> {
    const file = this.pathOf(key);
    const dir = path.dirname(file);
    if (!(data instanceof Uint8Array)) throw new InvalidArgumentsError(`store-fs: put '${key}': data must be a Uint8Array`);
    const temp = path.join(dir, `${path.basename(file)}${TEMP_MARKER}${process.pid}-${randomBytes(6).toString('hex')}`);
    // A concurrent delete may prune the directory between our mkdir and the
    // temp file's creation; then we just make it again.
    for (let attempt = 0; ; attempt++) {
      let fh: FileHandle | undefined;
      try {
        await this.mkdirDurable(dir);
        fh = await open(temp, fsConstants.O_WRONLY | fsConstants.O_CREAT | fsConstants.O_EXCL, 0o644);
      } catch (err) {
        await fh?.close().catch(() => undefined);
        if (errnoOf(err) === 'ENOENT' && attempt < 3) continue;
        if (errnoOf(err) === 'ENOTDIR' || errnoOf(err) === 'EEXIST') {
          throw new InvalidArgumentsError(`store-fs: put '${key}': a parent of this key is an object, not a directory`, { cause: err });
        }
        throw fsError('put', key, err);
      }
      try {
        let written = 0;
        while (written < data.byteLength) {
          const { bytesWritten } = await fh.write(data, written, data.byteLength - written, written);
          written += bytesWritten;
        }
        if (this.fsync) await fh.sync();
        await fh.close();
        fh = undefined;
        this.changes++;
        this.changing++;
        try {
          await this.forget(file);
          await rename(temp, file);
        } finally { this.changes++; this.changing--; }
        if (this.fsync) await this.syncDir(dir);
        return;
      } catch (err) {
        await fh?.close().catch(() => undefined);
        await unlink(temp).catch(() => undefined);
        if (errnoOf(err) === 'EISDIR') {
          throw new InvalidArgumentsError(`store-fs: put '${key}': the key is a directory holding other objects`, { cause: err });
        }
        throw fsError('put', key, err);
      }
    }
  }

  async get(key: string, range?: ByteRange): Promise<Uint8Array> {
    const file = this.pathOf(key);
    if (range !== undefined) {
      if (!Number.isSafeInteger(range.offset) || range.offset < 0) {
        throw new InvalidArgumentsError(`store-fs: get '${key}': range offset must be a non-negative integer, got ${range.offset}`);
      }
      if (range.length !== undefined && (!Number.isSafeInteger(range.length) || range.length < 0)) {
        throw new InvalidArgumentsError(`store-fs: get '${key}': range length must be a non-negative integer, got ${range.length}`);
      }
    }
    const { o, keep } = await this.acquire(file, key);
    try {
      const size = o.size;
      const offset = range?.offset ?? 0;
      if (offset > size) {
        throw new InvalidArgumentsError(`store-fs: get '${key}': range offset ${offset} is past the end of the object (${size} bytes)`);
      }
      const want = Math.min(range?.length ?? size - offset, size - offset);
      // Read only the range: SST footers and row groups are fetched this way,
      // and objects can be far larger than what a caller wants.
      const out = Buffer.allocUnsafe(want);
      let got = 0;
      while (got < want) {
        const { bytesRead } = await o.fh.read(out, got, want - got, offset + got);
        if (bytesRead === 0) break; // truncated under us: return what exists
        got += bytesRead;
      }
      return got === want ? out : out.subarray(0, got);
    } catch (err) {
      if (err instanceof ObjectNotFoundError || err instanceof InvalidArgumentsError) throw err;
      if (errnoOf(err) === 'EISDIR') throw new ObjectNotFoundError(key, { cause: err });
      throw fsError('get', key, err);
    } finally {
      await this.release(o, keep);
    }
  }

  async head(key: string): Promise<ObjectMeta | undefined> {
    const file = this.pathOf(key);
    try {
      const st = await stat(file);
      if (!st.isFile()) return undefined;
      return { key, size: st.size, lastModifiedMs: Math.floor(st.mtimeMs), etag: etagOf(st.size, st.mtimeMs, st.ino) };
    } catch (err) {
      if (errnoOf(err) === 'ENOENT' || errnoOf(err) === 'ENOTDIR') return undefined;
      throw fsError('head', key, err);
    }
  }

  /**
   * Every object whose key starts with `prefix`, in UTF-8 byte order, read
   * lazily one directory at a time. Within a directory, entries are ordered
   * by name with a '/' appended to subdirectories: that makes the depth-first
   * walk yield keys in exactly the order a sort of the full keys would.
   */
  async *list(prefix: string): AsyncIterable<ObjectMeta> {
    validatePrefix(prefix);
    const slash = prefix.lastIndexOf('/');
    const dirKey = slash < 0 ? '' : prefix.slice(0, slash);
    const partial = prefix.slice(slash + 1);
    yield* this.walk(dirKey, partial);
  }

  private async *walk(dirKey: string, namePrefix: string): AsyncGenerator<ObjectMeta> {
    const dir = dirKey === '' ? this.root : path.join(this.root, ...dirKey.split('/'));
    let entries: Dirent[];
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (err) {
      // A directory deleted (pruned) during the walk simply holds nothing.
      if (errnoOf(err) === 'ENOENT' || errnoOf(err) === 'ENOTDIR') return;
      throw fsError('list', dirKey, err);
    }
    const kept = entries
      .filter((e) => e.name.startsWith(namePrefix) && !e.name.includes(TEMP_MARKER) && (e.isFile() || e.isDirectory()))
      // UTF-8 byte order is S3's list order (JS `<` compares UTF-16 units, which differs above U+FFFF).
      .map((e) => ({ e, sortKey: Buffer.from(e.isDirectory() ? `${e.name}/` : e.name) }))
      .sort((a, b) => Buffer.compare(a.sortKey, b.sortKey));
    for (const { e } of kept) {
      const key = dirKey === '' ? e.name : `${dirKey}/${e.name}`;
      if (e.isDirectory()) {
        yield* this.walk(key, '');
        continue;
      }
      try {
        const st = await stat(path.join(dir, e.name));
        if (st.isFile()) yield { key, size: st.size, lastModifiedMs: Math.floor(st.mtimeMs), etag: etagOf(st.size, st.mtimeMs, st.ino) };
      } catch (err) {
        if (errnoOf(err) !== 'ENOENT') throw fsError('list', key, err);
      }
    }
  }

  async delete(key: string): Promise<void> {
    const file = this.pathOf(key);
    this.changes++;
    this.changing++;
    try {
      // A get that opened the file before the unlink sees `changes` move (or a change in flight) and does not keep it.
      try {
        await this.forget(file);
        await unlink(file);
      } finally { this.changes++; this.changing--; }
    } catch (err) {
      const code = errnoOf(err);
      if (code === 'ENOENT' || code === 'ENOTDIR') return;
      if (code === 'EISDIR' || code === 'EPERM') {
        // Linux reports EISDIR, macOS EPERM, for a key that names a directory:
        // there is no object under that key.
        const st = await stat(file).catch(() => undefined);
        if (st?.isDirectory()) return;
      }
      throw fsError('delete', key, err);
    }
    if (this.pruneEmptyDirs) await this.prune(path.dirname(file));
  }

  async deleteMany(keys: readonly string[]): Promise<void> {
    // Validate everything first so a bad key deletes nothing.
    for (const k of keys) validateKey(k);
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < keys.length) {
        const k = keys[next++]!;
        await this.delete(k);
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.deleteConcurrency, keys.length) }, worker));
  }

  /** Removes empty directories from `dir` upwards, stopping below the root. */
  private async prune(dir: string): Promise<void> {
    let d = dir;
    while (d !== this.root && d.startsWith(this.root + path.sep)) {
      try {
        await rmdir(d);
      } catch {
        return; // not empty (ENOTEMPTY), already gone, or in use: stop here
      }
      d = path.dirname(d);
    }
  }

  /**
   * mkdir -p that makes new directory entries durable: each directory it
   * creates is fsynced into its parent, so a put's rename does not survive a
   * crash while its directory vanishes.
   */
  private async mkdirDurable(dir: string): Promise<void> {
    const first = await mkdir(dir, { recursive: true });
    if (first === undefined || !this.fsync) return;
    // `first` is the top-most directory created; fsync it and every parent
    // from there down to `dir`'s parent.
    let d = dir;
    const toSync: string[] = [];
    while (true) {
      toSync.push(path.dirname(d));
      if (d === first || path.dirname(d) === d) break;
      d = path.dirname(d);
    }
    for (const p of toSync) await this.syncDir(p);
  }

  private async syncDir(dir: string): Promise<void> {
    const fh = await open(dir, 'r');
    try {
      await fh.sync();
    } finally {
      await fh.close();
    }
  }
}

function etagOf(size: number, mtimeMs: number, ino: number): string {
  return `${ino.toString(16)}-${size.toString(16)}-${Math.floor(mtimeMs * 1000).toString(16)}`;
}
