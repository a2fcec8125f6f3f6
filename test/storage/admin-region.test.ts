import { expect } from 'chai';
import { startLsmSqlServer, type LsmSqlServer } from './support/sql-server.js';

describe('ADMIN flush_region / compact_region (engine-lsm)', function () {
  this.timeout(60_000);
  let s: LsmSqlServer;
  before(async () => { s = await startLsmSqlServer('admin-region'); });
  after(async () => { await s.stop(); });

  const stats = async (table: string) => (await s.rows(
    `SELECT r.region_id, r.sst_num, r.region_rows FROM information_schema.region_statistics r JOIN information_schema.tables t ON r.table_id = t.table_id WHERE t.table_name = '${table}'`))[0] as [number, number, number];

  it('flushes and compacts one region by its id (table id << 32 | region number), case-insensitive; an unknown id is REGION_NOT_FOUND', async () => {
    await s.rows('CREATE TABLE ar (host STRING, ts TIMESTAMP TIME INDEX, v DOUBLE, PRIMARY KEY (host))');
    await s.rows("INSERT INTO ar VALUES ('a', 1000, 1), ('b', 2000, 2)");
    const [id, before] = await stats('ar');
    expect(before).to.equal(0);
    expect(await s.rows(`ADMIN flush_region(${id})`)).to.deep.equal([[0]]);
    expect((await stats('ar'))[1]).to.equal(1);
    await s.rows("INSERT INTO ar VALUES ('a', 3000, 3)");
    await s.rows(`ADMIN FLUSH_REGION(${id})`);
    expect((await stats('ar'))[1]).to.equal(2);
    await s.rows(`ADMIN compact_region(${id})`);
    expect((await stats('ar')).slice(1)).to.deep.equal([1, 3]);
    expect(await s.rows('SELECT host, v FROM ar ORDER BY ts')).to.deep.equal([['a', 1], ['b', 2], ['a', 3]]);
    const err = await s.rows(`ADMIN flush_region(${id + 7})`).then(() => undefined, (e: Error & { code?: string }) => e);
    expect(err?.code, err?.message).to.equal('REGION_NOT_FOUND');
    const bad = await s.rows("ADMIN compact_region('ar')").then(() => undefined, (e: Error & { code?: string }) => e);
    expect(bad?.code, bad?.message).to.equal('INVALID_ARGUMENTS');
  });
});
