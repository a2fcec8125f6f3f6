import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm, stat, writeFile, mkdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { InvalidArgumentsError, ObjectNotFoundError, STORE, StrataServer, type ObjectMeta } from '@strata/kernel';
import storeFs, { FsObjectStore, TEMP_MARKER } from '../src/index.js';

async function collect(it: AsyncIterable<ObjectMeta>): Promise<string[]> {
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

describe('store-fs: FsObjectStore', function () {
  this.timeout(20_000);
  let dir: string;
  let store: FsObjectStore;

  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'strata-store-fs-'));
    store = new FsObjectStore(path.join(dir, 'root'));
    await store.init();
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('puts and gets an object, and an overwrite replaces it whole', async () => {
    await store.put('data/1024_0/sst/1.parquet', Buffer.from('hello world'));
    expect(Buffer.from(await store.get('data/1024_0/sst/1.parquet')).toString()).to.equal('hello world');
    await store.put('data/1024_0/sst/1.parquet', Buffer.from('bye'));
    expect(Buffer.from(await store.get('data/1024_0/sst/1.parquet')).toString()).to.equal('bye');
    const meta = await store.head('data/1024_0/sst/1.parquet');
    expect(meta?.size).to.equal(3);
    expect(meta?.key).to.equal('data/1024_0/sst/1.parquet');
    expect(meta?.etag).to.be.a('string');
    expect(existsSync(path.join(dir, 'root', 'data', '1024_0', 'sst', '1.parquet'))).to.equal(true);
    // An empty object is an object.
    await store.put('empty', new Uint8Array(0));
    expect((await store.get('empty')).byteLength).to.equal(0);
    expect((await store.head('empty'))?.size).to.equal(0);
  });

  it('put is atomic: concurrent readers see the old or the new object, never a partial one, and no temp file is listed', async () => {
    const oldBytes = Buffer.alloc(1 << 20, 0x61);
    const newBytes = Buffer.alloc(24 << 20, 0x62);
    await store.put('big/object', oldBytes);
    let done = false;
    const putting = store.put('big/object', newBytes).finally(() => { done = true; });
    let reads = 0;
    while (!done) {
      const got = Buffer.from(await store.get('big/object'));
      const ok = got.equals(oldBytes) || got.equals(newBytes);
      expect(ok, `read ${got.length} bytes that are neither the old nor the new object`).to.equal(true);
      expect(await collect(store.list('big/'))).to.deep.equal(['big/object']);
      reads++;
    }
    await putting;
    expect(reads).to.be.greaterThan(0);
    expect(Buffer.from(await store.get('big/object')).equals(newBytes)).to.equal(true);
    // The temp file is gone once the put resolved.
    expect((await readdir(path.join(dir, 'root', 'big'))).filter((n) => n.includes(TEMP_MARKER))).to.deep.equal([]);
  });

  it('a get during a put of the same key does not keep the replaced file open for later gets', async () => {
    await store.put('race/k', Buffer.from('old'));
    // Hold the put inside its change window: after it announced the change and dropped any kept
    // file of the key, before the rename.
    let open!: () => void;
    const gate = new Promise<void>((r) => { open = r; });
    const s = store as unknown as { forget(f: string): Promise<void> };
    const forget = s.forget.bind(store);
    s.forget = async (f: string) => { await forget(f); await gate; };
    try {
      const putting = store.put('race/k', Buffer.from('new'));
      await new Promise((r) => setTimeout(r, 20));
      // Opens and stats the old file while the put is under way: it must not be kept.
      expect(Buffer.from(await store.get('race/k')).toString()).to.equal('old');
      open();
      await putting;
    } finally { s.forget = forget; }
    expect(Buffer.from(await store.get('race/k')).toString()).to.equal('new');
    expect(Buffer.from(await store.get('race/k')).toString()).to.equal('new');
  });

  it('keeps files open for gets (bounded, least recently used closed); a put or delete of a kept key is seen by the next get; close() closes them', async () => {
    const small = new FsObjectStore(path.join(dir, 'root'), { openFilesMax: 2 });
    for (const k of ['a', 'b', 'c']) await small.put(`k/${k}`, Buffer.from(`${k}-0123456789`));
    expect(Buffer.from(await small.get('k/a', { offset: 2, length: 4 })).toString()).to.equal('0123');
    expect(small.openFiles).to.equal(1);
    expect(Buffer.from(await small.get('k/a', { offset: 6 })).toString()).to.equal('456789');
    expect(small.openFiles, 'the same file reused').to.equal(1);
    await small.get('k/b'); await small.get('k/c');
    expect(small.openFiles, 'bounded by openFilesMax').to.equal(2);
    // Replaced (rename over the kept file): the next get reads the new object, whole, with its new size.
    await small.put('k/c', Buffer.from('new and longer contents'));
    expect(Buffer.from(await small.get('k/c')).toString()).to.equal('new and longer contents');
    expect(Buffer.from(await small.get('k/c', { offset: 4, length: 3 })).toString()).to.equal('and');
    // Deleted: not found, though it was open.
    await small.delete('k/c');
    expect(await rejection(small.get('k/c'))).to.be.instanceOf(ObjectNotFoundError);
    // Gets racing a put of the same key: each sees the old or the new bytes, and later gets the new.
    await small.put('k/r', Buffer.alloc(4096, 0x61));
    await small.get('k/r');
    const racing = Array.from({ length: 20 }, () => small.get('k/r'));
    const putting = small.put('k/r', Buffer.alloc(8192, 0x62));
    for (const g of await Promise.all(racing)) expect(g.every((x) => x === 0x61) || (g.length === 8192 && g.every((x) => x === 0x62))).to.equal(true);
    await putting;
    const after = Buffer.from(await small.get('k/r'));
    expect(after.length).to.equal(8192);
    expect(after.every((x) => x === 0x62)).to.equal(true);
    await small.close();
    expect(small.openFiles).to.equal(0);
    // Still usable after close (open and close per get).
    expect(Buffer.from(await small.get('k/a')).toString()).to.equal('a-0123456789');
    expect(small.openFiles).to.equal(0);
    const none = new FsObjectStore(path.join(dir, 'root'), { openFilesMax: 0 });
    await none.get('k/a');
    expect(none.openFiles).to.equal(0);
  });

  it('never lists, heads or gets a stray temp file left by a crashed put', async () => {
    await store.put('m/a', Buffer.from('a'));
    await writeFile(path.join(dir, 'root', 'm', `b${TEMP_MARKER}123-abc`), 'partial');
    expect(await collect(store.list(''))).to.deep.equal(['m/a']);
    expect(await collect(store.list('m/b'))).to.deep.equal([]);
    const err = await rejection(store.head(`m/b${TEMP_MARKER}123-abc`));
    expect(err).to.be.instanceOf(InvalidArgumentsError);
  });

  it('gets byte ranges', async () => {
    const bytes = Buffer.from('0123456789abcdef');
    await store.put('r', bytes);
    expect(Buffer.from(await store.get('r', { offset: 3, length: 4 })).toString()).to.equal('3456');
    expect(Buffer.from(await store.get('r', { offset: 10 })).toString()).to.equal('abcdef');
    expect(Buffer.from(await store.get('r', { offset: 12, length: 100 })).toString()).to.equal('cdef');
    expect(Buffer.from(await store.get('r', { offset: 0, length: 0 })).toString()).to.equal('');
    expect((await store.get('r', { offset: 16 })).byteLength).to.equal(0);
    expect(await rejection(store.get('r', { offset: 17 }))).to.be.instanceOf(InvalidArgumentsError);
    expect(await rejection(store.get('r', { offset: -1 }))).to.be.instanceOf(InvalidArgumentsError);
    expect(await rejection(store.get('r', { offset: 0, length: 1.5 }))).to.be.instanceOf(InvalidArgumentsError);
  });

  it('reads a range from the end of a large object (a Parquet footer read)', async () => {
    const big = Buffer.alloc(8 << 20);
    for (let i = 0; i < big.length; i += 4096) big.writeUInt32LE(i, i);
    big.write('PAR1', big.length - 4);
    await store.put('sst/big.parquet', big);
    const size = (await store.head('sst/big.parquet'))!.size;
    expect(Buffer.from(await store.get('sst/big.parquet', { offset: size - 4 })).toString()).to.equal('PAR1');
    const mid = Buffer.from(await store.get('sst/big.parquet', { offset: 4096 * 100, length: 4 }));
    expect(mid.readUInt32LE(0)).to.equal(4096 * 100);
  });

  it('lists by prefix in lexicographic (UTF-8 byte) order, recursively', async () => {
    const keys = ['x/a.b', 'x/a/b', 'x/a-c', 'x/a0', 'x/a/c/d', 'x/ab', 'x/a/b0', 'y/1', 'x/Z', 'x/é', 'x/😀', 'x/\uffee'];
    for (const k of [...keys].reverse()) await store.put(k, Buffer.from(k));
    const sorted = [...keys].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
    expect(await collect(store.list(''))).to.deep.equal(sorted);
    expect(await collect(store.list('x/a'))).to.deep.equal(sorted.filter((k) => k.startsWith('x/a')));
    expect(await collect(store.list('x/a/'))).to.deep.equal(['x/a/b', 'x/a/b0', 'x/a/c/d']);
    expect(await collect(store.list('x/a/b'))).to.deep.equal(['x/a/b', 'x/a/b0']);
    expect(await collect(store.list('y'))).to.deep.equal(['y/1']);
    expect(await collect(store.list('nothing/here/'))).to.deep.equal([]);
    const metas: ObjectMeta[] = [];
    for await (const m of store.list('x/a/c')) metas.push(m);
    expect(metas).to.have.length(1);
    expect(metas[0]!.size).to.equal(Buffer.byteLength('x/a/c/d'));
  });

  it('rejects invalid keys with InvalidArgumentsError', async () => {
    const bad = ['', '/abs/key', 'a//b', 'a/', '../x', 'a/../b', './a', 'a/./b', '..', 'a\\b', 'a\0b', `a/b${TEMP_MARKER}1`, 'x'.repeat(2000)];
    for (const k of bad) {
      const err = await rejection(store.put(k, Buffer.from('x')));
      expect(err, `key ${JSON.stringify(k)}`).to.be.instanceOf(InvalidArgumentsError);
      expect((err as InvalidArgumentsError).code).to.equal('INVALID_ARGUMENTS');
      expect((err as Error).message).to.contain('invalid object key');
      expect(await rejection(store.get(k)), `get ${JSON.stringify(k)}`).to.be.instanceOf(InvalidArgumentsError);
    }
    expect(await rejection(store.deleteMany(['ok', '../escape']))).to.be.instanceOf(InvalidArgumentsError);
    expect(await rejection(collect(store.list('../')))).to.be.instanceOf(InvalidArgumentsError);
    // Nothing escaped the root.
    expect(existsSync(path.join(dir, 'x'))).to.equal(false);
    expect(existsSync(path.join(dir, 'escape'))).to.equal(false);
  });

  it('a missing object is a typed not-found error on get, undefined on head, and fine to delete', async () => {
    const err = await rejection(store.get('no/such/object'));
    expect(err).to.be.instanceOf(ObjectNotFoundError);
    expect((err as ObjectNotFoundError).code).to.equal('OBJECT_NOT_FOUND');
    expect((err as ObjectNotFoundError).key).to.equal('no/such/object');
    expect(await store.head('no/such/object')).to.equal(undefined);
    await store.put('dir/child', Buffer.from('c'));
    // A key that is a directory holds no object.
    expect(await rejection(store.get('dir'))).to.be.instanceOf(ObjectNotFoundError);
    expect(await store.head('dir')).to.equal(undefined);
    // Under a file: not found, not an error of the file system.
    expect(await rejection(store.get('dir/child/deeper'))).to.be.instanceOf(ObjectNotFoundError);
    await store.delete('no/such/object');
    await store.delete('dir');
    expect(Buffer.from(await store.get('dir/child')).toString()).to.equal('c');
  });

  it('deletes one or many objects and prunes emptied directories', async () => {
    await store.put('t/1/a', Buffer.from('a'));
    await store.put('t/1/b', Buffer.from('b'));
    await store.put('t/2/c', Buffer.from('c'));
    await store.delete('t/1/a');
    expect(await collect(store.list('t/'))).to.deep.equal(['t/1/b', 't/2/c']);
    await store.deleteMany(['t/1/b', 't/2/c', 't/missing']);
    expect(await collect(store.list(''))).to.deep.equal([]);
    expect(existsSync(path.join(dir, 'root', 't'))).to.equal(false);
    expect((await stat(path.join(dir, 'root'))).isDirectory()).to.equal(true);
    // Puts racing deletes that prune the same directory still land.
    await Promise.all(Array.from({ length: 40 }, (_, i) => (i % 2 === 0
      ? store.put(`race/x/${i}`, Buffer.from(String(i)))
      : store.delete(`race/x/${i - 1}`))));
    for (const k of await collect(store.list('race/'))) expect(Buffer.from(await store.get(k)).toString()).to.equal(k.split('/').pop());
  });

  it('refuses a put below an existing object with InvalidArgumentsError', async () => {
    await store.put('leaf', Buffer.from('x'));
    expect(await rejection(store.put('leaf/child', Buffer.from('y')))).to.be.instanceOf(InvalidArgumentsError);
    await mkdir(path.join(dir, 'root', 'adir', 'sub'), { recursive: true });
    await writeFile(path.join(dir, 'root', 'adir', 'sub', 'f'), 'f');
    expect(await rejection(store.put('adir', Buffer.from('y')))).to.be.instanceOf(InvalidArgumentsError);
  });
});

describe('store-fs: plugin', function () {
  this.timeout(20_000);
  let dir: string;
  beforeEach(async () => { dir = await mkdtemp(path.join(os.tmpdir(), 'strata-store-fs-plugin-')); });
  afterEach(async () => { await rm(dir, { recursive: true, force: true }); });

  it('binds STORE with root resolved against dataHome (default <dataHome>/store)', async () => {
    const server = await StrataServer.fromDefinitions([{ definition: storeFs }], { dataHome: dir }, { logLevel: 'silent', processMetrics: false });
    await server.start();
    try {
      const store = server.get(STORE);
      expect(store.name).to.equal('store-fs');
      await store.put('a/b', Buffer.from('x'));
      expect(existsSync(path.join(dir, 'store', 'a', 'b'))).to.equal(true);
    } finally {
      await server.stop();
    }
  });

  it('takes an absolute root and rejects unknown options naming the plugin', async () => {
    const root = path.join(dir, 'elsewhere');
    const server = await StrataServer.fromDefinitions([{ definition: storeFs, options: { root } }], { dataHome: path.join(dir, 'home') }, { logLevel: 'silent', processMetrics: false });
    await server.start();
    try {
      await server.get(STORE).put('k', Buffer.from('v'));
      expect(existsSync(path.join(root, 'k'))).to.equal(true);
    } finally {
      await server.stop();
    }
    let err: unknown;
    try {
      await StrataServer.fromDefinitions([{ definition: storeFs, options: { rooot: 'x' } }], { dataHome: dir }, { logLevel: 'silent', processMetrics: false });
    } catch (e) { err = e; }
    expect((err as Error).message).to.contain("plugin 'store-fs'").and.to.contain('rooot');
  });
});
