import { expect } from 'chai';
import { METRICS } from '../../src/index.js';
import { SqlHarness } from '../support/sql-harness.js';

/**
 * The query engine reuses the optimized plan of a repeated statement text
 * (PlanCache). These run each text at least twice, so the second run is
 * the cached plan wherever one is kept, and check answers stay right after
 * the things a plan depends on change.
 */
describe('sql: plan cache of repeated statements', function () {
  this.timeout(10_000);
  let h: SqlHarness;
  beforeEach(async () => {
    h = await SqlHarness.start();
    await h.q('CREATE TABLE cpu (host STRING, ts TIMESTAMP TIME INDEX, usage DOUBLE, PRIMARY KEY(host))');
    await h.q("INSERT INTO cpu VALUES ('a',1000,1.5),('b',2000,2.5),('a',3000,3.5)");
  });
  afterEach(async () => { await h.stop(); });
  const hits = async (): Promise<number> => Number(/strata_sql_plan_cache_hits_total (\d+)/.exec(await h.server.get(METRICS).text())?.[1] ?? 0);

  it('answers a repeated query the same, and sees new rows', async () => {
    const sql = "SELECT host, max(usage) FROM cpu WHERE host = 'a' AND ts >= 0 GROUP BY host ORDER BY host";
    expect(await h.rows(sql)).to.deep.equal([['a', 3.5]]);
    expect(await h.rows(sql)).to.deep.equal([['a', 3.5]]);
    await h.q("INSERT INTO cpu VALUES ('a',4000,9.5)");
    expect(await h.rows(sql)).to.deep.equal([['a', 9.5]]);
    expect(await hits()).to.equal(2);
  });

  it('replans after ALTER TABLE (SELECT * sees the new column)', async () => {
    const sql = 'SELECT * FROM cpu ORDER BY ts';
    expect((await h.q(sql)).columns).to.deep.equal(['host', 'ts', 'usage']);
    expect((await h.q(sql)).columns).to.deep.equal(['host', 'ts', 'usage']);
    await h.q('ALTER TABLE cpu ADD COLUMN extra BIGINT');
    const r = await h.q(sql);
    expect(r.columns).to.deep.equal(['host', 'ts', 'usage', 'extra']);
    expect(r.rows).to.have.length(3);
  });

  it('replans after the table is dropped and created again', async () => {
    const sql = 'SELECT count(*) FROM cpu';
    expect(await h.rows(sql)).to.deep.equal([[3]]);
    expect(await h.rows(sql)).to.deep.equal([[3]]);
    await h.q('DROP TABLE cpu');
    await h.q(sql).then(() => expect.fail('should fail'), (e) => expect(e.code).to.equal('TABLE_NOT_FOUND'));
    await h.q('CREATE TABLE cpu (host STRING, ts TIMESTAMP TIME INDEX, usage DOUBLE, PRIMARY KEY(host))');
    expect(await h.rows(sql)).to.deep.equal([[0]]);
  });

  it('keys plans by the session database and time zone', async () => {
    await h.q('CREATE DATABASE other');
    await h.q('CREATE TABLE other.cpu (host STRING, ts TIMESTAMP TIME INDEX, usage DOUBLE, PRIMARY KEY(host))');
    await h.q("INSERT INTO other.cpu VALUES ('z',1000,7)");
    const sql = 'SELECT host FROM cpu ORDER BY host';
    expect(await h.rows(sql)).to.deep.equal([['a'], ['a'], ['b']]);
    expect(await h.rows(sql)).to.deep.equal([['a'], ['a'], ['b']]);
    await h.q('USE other');
    expect(await h.rows(sql)).to.deep.equal([['z']]);
    await h.q('USE public');
    // A timestamp literal is read in the session's zone when the plan is made.
    const tsql = "SELECT count(*) FROM cpu WHERE ts >= '1970-01-01 00:00:02'";
    expect(await h.rows(tsql)).to.deep.equal([[2]]);
    expect(await h.rows(tsql)).to.deep.equal([[2]]);
    await h.q("SET time_zone = '+01:00'");
    expect(await h.rows(tsql)).to.deep.equal([[3]]);
  });

  it('never reuses values of now() or session variables', async () => {
    const sql = 'SELECT now()';
    const a = (await h.rows(sql))[0]![0] as bigint;
    await new Promise((r) => setTimeout(r, 5));
    const b = (await h.rows(sql))[0]![0] as bigint;
    expect(b > a).to.equal(true);
    expect(await hits()).to.equal(0);
    const v = 'SELECT @x';
    await h.q('SET @x = 1');
    expect(await h.rows(v)).to.deep.equal([['1']]);
    await h.q('SET @x = 2');
    expect(await h.rows(v)).to.deep.equal([['2']]);
  });
});
