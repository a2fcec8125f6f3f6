import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { ENGINE, QUERY, STORE, StrataServer, createSession, type QueryService } from '@strata/kernel';
import engineLsm from '@strata/engine-lsm';
import walLocal from '@strata/wal-local';
import plugin, { DirectoryObjectStore } from '../src/index.js';

async function rowsOf(query: QueryService, text: string): Promise<unknown[][]> {
  const rows: unknown[][] = [];
  for await (const out of query.execute(text, createSession({ channel: 'internal' }))) {
    if (out.kind !== 'records') continue;
    for await (const b of out.batches) for (let r = 0; r < b.numRows; r++) rows.push(b.schema.fields.map((_, c) => b.getChildAt(c)!.get(r)));
  }
  return rows;
}

async function codeOf(p: Promise<unknown>): Promise<string> {
  return p.then(() => 'no error', (e: { code?: string }) => e.code ?? 'no code');
}

describe('__NAME__ object store', function () {
  this.timeout(30_000);
  let dir: string;
  beforeEach(async () => { dir = await mkdtemp(path.join(os.tmpdir(), '__NAME__-')); });
  afterEach(async () => { await rm(dir, { recursive: true, force: true }); });

  it('puts, gets ranges, heads, lists in byte order and deletes', async () => {
    const store = new DirectoryObjectStore(path.join(dir, 'objects'), { fsync: true });
    await store.init();
    await store.put('data/b/2.bin', Uint8Array.of(1, 2, 3, 4));
    await store.put('data/a/1.bin', Uint8Array.of(9));
    await store.put('data/a/1.bin', Uint8Array.of(7, 8)); // replaces
    await store.put('other', Uint8Array.of(0));
    expect([...await store.get('data/a/1.bin')]).to.deep.equal([7, 8]);
    expect([...await store.get('data/b/2.bin', { offset: 1, length: 2 })]).to.deep.equal([2, 3]);
    expect([...await store.get('data/b/2.bin', { offset: 3 })]).to.deep.equal([4]);
    expect((await store.head('data/b/2.bin'))?.size).to.equal(4);
    expect(await store.head('data/none')).to.equal(undefined);
    const keys: string[] = [];
    for await (const m of store.list('data/')) keys.push(m.key);
    expect(keys).to.deep.equal(['data/a/1.bin', 'data/b/2.bin']);
    const partial: string[] = [];
    for await (const m of store.list('data/a')) partial.push(m.key);
    expect(partial).to.deep.equal(['data/a/1.bin']);
    await store.deleteMany(['data/a/1.bin', 'data/missing']);
    expect(await codeOf(store.get('data/a/1.bin'))).to.equal('OBJECT_NOT_FOUND');
  });

  it('rejects keys that could escape the root, and never shows temp files', async () => {
    const store = new DirectoryObjectStore(dir, { fsync: false });
    await store.init();
    for (const bad of ['', '/abs', 'a/../b', 'a//b', 'a\\b', 'x.tmp-__NAME__-1']) {
      expect(await codeOf(store.put(bad, Uint8Array.of(1))), bad).to.equal('INVALID_ARGUMENTS');
    }
    // A crash mid-put leaves a temp file: init removes it and list never shows it.
    await writeFile(path.join(dir, 'k.tmp-__NAME__-abc'), 'partial');
    await store.put('k', Uint8Array.of(5));
    const listed: string[] = [];
    for await (const m of store.list('')) listed.push(m.key);
    expect(listed).to.deep.equal(['k']);
    await store.init();
    expect(await readdir(dir)).to.deep.equal(['k']);
  });

  it('holds a real server\'s catalog and SSTs across a restart', async () => {
    const compose = () => StrataServer.fromDefinitions([
      { definition: plugin, options: { root: 'objects', fsync: false } },
      { definition: walLocal, options: { syncMode: 'none' } },
      { definition: engineLsm },
    ], { dataHome: dir }, { logLevel: 'silent', processMetrics: false });
    let server = await compose();
    await server.start();
    expect(server.get(STORE).name).to.equal('__NAME__');
    for await (const _ of server.get(QUERY).execute(
      "CREATE TABLE t (k STRING, ts TIMESTAMP TIME INDEX, v DOUBLE, PRIMARY KEY (k)); INSERT INTO t VALUES ('x', 1, 1.5), ('y', 2, 2.5)",
      createSession({ channel: 'internal' }))) { /* consume */ }
    const engine = server.get(ENGINE);
    for (const r of engine.listRegions()) await engine.flush(r);
    await server.stop();

    const objects: string[] = [];
    const s = new DirectoryObjectStore(path.join(dir, 'objects'), { fsync: false });
    for await (const m of s.list('')) objects.push(m.key);
    expect(objects.length).to.be.greaterThan(1); // catalog + at least a manifest/SST

    server = await compose();
    await server.start();
    try {
      expect(await rowsOf(server.get(QUERY), 'SELECT k, v FROM t ORDER BY k')).to.deep.equal([['x', 1.5], ['y', 2.5]]);
    } finally { await server.stop(); }
  });
});
