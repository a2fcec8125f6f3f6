import { expect } from 'chai';
import { startLsmSqlServer, type LsmSqlServer } from './support/sql-server.js';

/**
 * engine-lsm applies tag = / IN scan predicates exactly (StorageEngine.exactTagPredicates),
 * so the planner drops those conjuncts and the tag column from the scan. Every answer must
 * equal the same query with the predicate written so that it is not pushed down
 * (`concat(tag, '') = ...`), over SSTs, the memtable, overwrites, deletes and NULL tags.
 */
describe('e2e storage: exact tag predicates (the planner does not filter again)', function () {
  this.timeout(60_000);
  let server: LsmSqlServer;
  const rows = (sql: string): Promise<unknown[][]> => server.rows(sql);
  const explain = (sql: string): Promise<string> => server.explain(sql);

  before(async () => {
    server = await startLsmSqlServer('exact-tags', { rowGroupRows: 128 });
    await rows('CREATE TABLE cpu (hostname STRING, dc STRING, ts TIMESTAMP TIME INDEX, usage DOUBLE, PRIMARY KEY (hostname, dc))');
    for (let f = 0; f < 3; f++) {
      const values: string[] = [];
      for (let t = 0; t < 60; t++) for (let h = 0; h < 12; h++) {
        const host = h === 11 ? 'NULL' : `'host_${h}'`;
        values.push(`(${host}, 'dc_${h % 3}', ${(f * 60 + t) * 1000}, ${(h * 7 + t + f) % 50})`);
      }
      await rows(`INSERT INTO cpu VALUES ${values.join(', ')}`);
      if (f < 2) await rows("ADMIN flush_table('cpu')");
    }
    // Overwrites in the memtable of flushed rows, and deletes.
    await rows("INSERT INTO cpu VALUES ('host_3', 'dc_0', 5000, 999), ('host_4', 'dc_1', 61000, -1)");
    await rows("DELETE FROM cpu WHERE hostname = 'host_5' AND ts < 30000");
  });
  after(async () => { await server?.stop(); });

  const cases: Array<[string, string]> = [
    ["hostname = 'host_3'", "concat(hostname, '') = 'host_3'"],
    ["hostname IN ('host_1', 'host_4', 'nope')", "concat(hostname, '') IN ('host_1', 'host_4', 'nope')"],
    ["hostname = 'host_5' AND dc = 'dc_2'", "concat(hostname, '') = 'host_5' AND concat(dc, '') = 'dc_2'"],
    ["hostname = 'nope'", "concat(hostname, '') = 'nope'"],
    ["dc IN ('dc_0') AND usage > 20", "concat(dc, '') IN ('dc_0') AND usage > 20"],
  ];

  for (const [pushed, kept] of cases) {
    it(`WHERE ${pushed}: same answer as when filtered above the scan`, async () => {
      const sql = (w: string) => `SELECT hostname, dc, ts, usage FROM cpu WHERE ${w} ORDER BY hostname, dc, ts`;
      const want = await rows(sql(kept));
      expect(await rows(sql(pushed))).to.deep.equal(want);
      const agg = (w: string) => `SELECT date_bin('10 seconds', ts) AS b, max(usage), count(*) FROM cpu WHERE ${w} AND ts >= 20000 AND ts < 150000 GROUP BY b ORDER BY b`;
      expect(await rows(agg(pushed))).to.deep.equal(await rows(agg(kept)));
    });
  }

  it('drops the absorbed conjuncts and the tag column from the plan; keeps what it cannot absorb', async () => {
    const plan = await explain("SELECT max(usage) FROM cpu WHERE hostname = 'host_3' AND ts >= 1000");
    expect(plan).to.not.contain('Filter');
    expect(plan).to.match(/projection=\[[^\]]*usage[^\]]*\]/);
    expect(plan).to.not.match(/projection=\[[^\]]*hostname/);
    expect(plan).to.contain('"column":"hostname","op":"="');
    // NOT IN, != and OR stay filters above the scan.
    expect(await explain("SELECT usage FROM cpu WHERE hostname NOT IN ('host_3')")).to.contain('Filter');
    expect(await explain("SELECT usage FROM cpu WHERE hostname <> 'host_3'")).to.contain('Filter');
    expect(await explain("SELECT usage FROM cpu WHERE hostname = 'host_3' OR dc = 'dc_1'")).to.contain('Filter');
    // The NULL-tag series is never matched by = or IN.
    expect((await rows("SELECT count(*) FROM cpu WHERE hostname IN ('host_1')"))[0]).to.deep.equal([180]);
  });
});
