import { expect } from 'chai';
import { CATALOG, CATALOG_KEY, StoreCatalog, type TableSchema } from '../../src/index.js';
import { MemoryObjectStore } from '../support/memory-object-store.js';
import { MemoryStorageEngine } from '../support/memory-storage-engine.js';
import { SqlHarness } from '../support/sql-harness.js';

const schema: TableSchema = {
  columns: [
    { name: 'host', type: { name: 'String' }, semantic: 'tag', nullable: true },
    { name: 'ts', type: { name: 'TimestampMillisecond' }, semantic: 'timestamp', nullable: false, default: { value: 5n } },
    { name: 'v', type: { name: 'Float64' }, semantic: 'field', nullable: true },
  ],
  timeIndex: 'ts', primaryKey: ['host'], options: { ttlMs: 86_400_000 }, version: 0,
};

describe('catalog: StoreCatalog', () => {
  it('persists databases and tables; a restart sees them and opens their regions', async () => {
    const store = new MemoryObjectStore();
    const durable = new Map();
    const c1 = new StoreCatalog(store, new MemoryStorageEngine(durable));
    await c1.load();
    await c1.createDatabase('db1');
    const t = await c1.createTable('db1', 'cpu', schema);
    expect(t.id).to.equal(1024);
    expect(t.regionIds).to.deep.equal(['1024_0']);
    const p = await c1.createTable('public', 'part', schema, { partition: { columns: ['host'], exprs: ["host < 'm'", "host >= 'm'"] } });
    expect(p.regionIds).to.deep.equal(['1025_0', '1025_1']);
    expect(await store.head(CATALOG_KEY)).to.not.equal(undefined);

    const engine2 = new MemoryStorageEngine(durable);
    const c2 = new StoreCatalog(store, engine2);
    await c2.load();
    expect(c2.listDatabases()).to.deep.equal(['db1', 'public']);
    const again = c2.getTable('db1', 'cpu')!;
    expect(again.schema.columns[1]!.default).to.deep.equal({ value: 5n });
    expect(again.schema.options.ttlMs).to.equal(86_400_000);
    expect(engine2.listRegions().sort()).to.deep.equal(['1024_0', '1025_0', '1025_1']);
    const next = await c2.createTable('public', 'n', schema);
    expect(next.id).to.equal(1026);
  });

  it('alters schemas with versions and refuses invalid changes', async () => {
    const engine = new MemoryStorageEngine();
    const c = new StoreCatalog(new MemoryObjectStore(), engine);
    await c.load();
    await c.createTable('public', 't', schema);
    const t = await c.alterTable('public', 't', { kind: 'add-columns', columns: [{ name: 'w', type: { name: 'Int64' }, semantic: 'field', nullable: true }] });
    expect(t.schema.version).to.equal(1);
    expect(t.schema.columns.map((x) => x.name)).to.deep.equal(['host', 'ts', 'v', 'w']);
    await c.alterTable('public', 't', { kind: 'add-columns', columns: [{ name: 'w', type: { name: 'Int64' }, semantic: 'field', nullable: true }] })
      .then(() => expect.fail('duplicate'), (e) => expect(e.code).to.equal('TABLE_COLUMN_EXISTS'));
    await c.alterTable('public', 't', { kind: 'drop-columns', names: ['host'] })
      .then(() => expect.fail('pk'), (e) => expect(e.code).to.equal('INVALID_ARGUMENTS'));
    const r = await c.alterTable('public', 't', { kind: 'rename', newName: 'u' });
    expect(r.name).to.equal('u');
    expect(c.getTable('public', 't')).to.equal(undefined);
  });

  it('drops tables and databases (and their regions)', async () => {
    const engine = new MemoryStorageEngine();
    const c = new StoreCatalog(new MemoryObjectStore(), engine);
    await c.load();
    await c.createDatabase('d');
    await c.createTable('d', 't', schema);
    expect(await c.dropDatabase('d')).to.equal(true);
    expect(engine.listRegions()).to.deep.equal([]);
    expect(await c.dropTable('public', 'nope', { ifExists: true })).to.equal(false);
    await c.dropTable('public', 'nope').then(() => expect.fail('missing'), (e) => expect(e.code).to.equal('TABLE_NOT_FOUND'));
    await c.createTable('nope', 't', schema).then(() => expect.fail('db'), (e) => expect(e.code).to.equal('DATABASE_NOT_FOUND'));
  });

  it('is the CATALOG of a composed server, and survives a server restart', async function () {
    this.timeout(10_000);
    const h1 = await SqlHarness.start();
    await h1.q("CREATE TABLE cpu (host STRING PRIMARY KEY, ts TIMESTAMP TIME INDEX, v DOUBLE) WITH (ttl = '7d')");
    await h1.q("INSERT INTO cpu VALUES ('a', 1, 2)");
    expect(h1.server.get(CATALOG).getTable('public', 'cpu')!.schema.options.ttlMs).to.equal(7 * 86_400_000);
    await h1.stop();
    const h2 = await SqlHarness.start({ store: h1.mem.store, durable: h1.mem.durable });
    try {
      expect(await h2.rows('SELECT host, ts, v FROM cpu')).to.deep.equal([['a', 1, 2]]);
      expect((await h2.q('SHOW CREATE TABLE cpu')).rows[0]![1]).to.contain("ttl = '7days'");
    } finally { await h2.stop(); }
  });
});
