import { randomBytes } from 'node:crypto';
import { mkdir, open, readdir, rename, rm, stat, unlink } from 'node:fs/promises';
import path from 'node:path';
import type { ByteRange, ObjectMeta, ObjectStore } from '@strata/kernel';
import { badKey, errnoOf, fsError } from './errors.js';
import type { __PASCAL_NAME__Options } from './options.js';

/** Temp files carry this marker; it is not allowed in keys, so they are never listed or read. */
const TEMP_MARKER = '.tmp-__NAME__-';

/** Checks a key: '/'-separated, relative, no empty/'.'/'..' segments, no backslash or NUL. */
export function validateKey(key: string): void {
  if (key.length === 0) throw badKey(key, 'empty');
  if (Buffer.byteLength(key) > 1024) throw badKey(key, 'longer than 1024 bytes');
  if (key.startsWith('/')) throw badKey(key, 'starts with /');
  if (/[\\\0]/.test(key)) throw badKey(key, 'contains a backslash or NUL');
  if (key.includes(TEMP_MARKER)) throw badKey(key, `contains the reserved marker ${TEMP_MARKER}`);
  for (const seg of key.split('/')) {
    if (seg === '' || seg === '.' || seg === '..') throw badKey(key, 'has an empty, . or .. segment');
  }
}

/**
 * An ObjectStore on a local directory, one file per key.
 *
 * - `put` is atomic and durable: the bytes go to a temp file next to the
 *   target, which is fsynced and renamed over it; then the directory is
 *   fsynced, so after a crash the old or the whole new object survives.
 * - `get` reads only the requested range; a missing key is OBJECT_NOT_FOUND.
 * - `list(prefix)` yields keys in byte order (S3's), recursively.
 *
 * @example
 * const store = new DirectoryObjectStore('/var/lib/strata/objects', { fsync: true });
 * await store.put('a/b.bin', new Uint8Array([1, 2, 3]));
 * await store.get('a/b.bin', { offset: 1 }); // Uint8Array [2, 3]
 */
export class DirectoryObjectStore implements ObjectStore {
  readonly name = '__NAME__';

  constructor(readonly root: string, private readonly options: Pick<__PASCAL_NAME__Options, 'fsync'>) {}

  /** Creates the root and removes temp files a crash left behind. */
  async init(): Promise<void> {
    await mkdir(this.root, { recursive: true });
    const sweep = async (dir: string): Promise<void> => {
      for (const e of await readdir(dir, { withFileTypes: true })) {
        const p = path.join(dir, e.name);
        if (e.isDirectory()) await sweep(p);
        else if (e.name.includes(TEMP_MARKER)) await unlink(p).catch(() => undefined);
      }
    };
    await sweep(this.root);
  }

  private fileOf(key: string): string {
    validateKey(key);
    return path.join(this.root, ...key.split('/'));
  }

  async put(key: string, data: Uint8Array): Promise<void> {
    const file = this.fileOf(key);
    const dir = path.dirname(file);
    const tmp = `${file}${TEMP_MARKER}${randomBytes(6).toString('hex')}`;
    try {
      await mkdir(dir, { recursive: true });
      const fh = await open(tmp, 'w');
      try {
        await fh.writeFile(data);
        if (this.options.fsync) await fh.sync();
      } finally { await fh.close(); }
      await rename(tmp, file);
      if (this.options.fsync) await this.syncDir(dir);
    } catch (err) {
      await unlink(tmp).catch(() => undefined);
      throw fsError('put', key, err);
    }
  }

  private async syncDir(dir: string): Promise<void> {
    const fh = await open(dir, 'r');
    try { await fh.sync(); } finally { await fh.close(); }
  }

  async get(key: string, range?: ByteRange): Promise<Uint8Array> {
    const file = this.fileOf(key);
    try {
      const fh = await open(file, 'r');
      try {
        const size = (await fh.stat()).size;
        const offset = range?.offset ?? 0;
        if (!Number.isInteger(offset) || offset < 0 || offset > size) throw badKey(key, `range offset ${offset} outside 0..${size}`);
        const length = Math.min(range?.length ?? size - offset, size - offset);
        const out = new Uint8Array(length);
        let done = 0;
        while (done < length) {
          const { bytesRead } = await fh.read(out, done, length - done, offset + done);
          if (bytesRead === 0) break;
          done += bytesRead;
        }
        return done === length ? out : out.subarray(0, done);
      } finally { await fh.close(); }
    } catch (err) {
      if ((err as { code?: unknown }).code === 'INVALID_ARGUMENTS') throw err;
      throw fsError('get', key, err);
    }
  }

  async head(key: string): Promise<ObjectMeta | undefined> {
    try {
      const s = await stat(this.fileOf(key));
      if (!s.isFile()) return undefined;
      return { key, size: s.size, lastModifiedMs: s.mtimeMs, etag: `${s.ino}-${s.size}-${s.mtimeMs}` };
    } catch (err) {
      if (errnoOf(err) === 'ENOENT' || errnoOf(err) === 'ENOTDIR') return undefined;
      throw fsError('head', key, err);
    }
  }

  async *list(prefix: string): AsyncIterable<ObjectMeta> {
    // Walk only the directory the prefix's complete segments name.
    const slash = prefix.lastIndexOf('/');
    const base = slash < 0 ? '' : prefix.slice(0, slash);
    const keys: string[] = [];
    const walk = async (rel: string): Promise<void> => {
      let entries;
      try { entries = await readdir(path.join(this.root, ...(rel ? rel.split('/') : [])), { withFileTypes: true }); } catch (err) {
        if (errnoOf(err) === 'ENOENT' || errnoOf(err) === 'ENOTDIR') return;
        throw fsError('list', prefix, err);
      }
      for (const e of entries) {
        const key = rel ? `${rel}/${e.name}` : e.name;
        if (e.isDirectory()) { if (key.startsWith(prefix) || prefix.startsWith(`${key}/`)) await walk(key); } else if (!e.name.includes(TEMP_MARKER) && key.startsWith(prefix)) keys.push(key);
      }
    };
    await walk(base);
    keys.sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
    for (const key of keys) {
      const meta = await this.head(key);
      if (meta) yield meta;
    }
  }

  async delete(key: string): Promise<void> {
    try { await rm(this.fileOf(key), { force: true }); } catch (err) { throw fsError('delete', key, err); }
  }

  async deleteMany(keys: readonly string[]): Promise<void> {
    for (const k of keys) validateKey(k);
    for (const k of keys) await this.delete(k);
  }
}
