import { expect } from 'chai';
import { SqlHarness } from '../support/sql-harness.js';

/**
 * The optimizer's last-row scan hint (lastpoint): where it applies, EXPLAIN
 * shows `series_row_selector=last_row` on the scan, and the answer equals the
 * same query with the rule defeated by a filter that keeps every row.
 */
describe('sql: last row per series scan hint', function () {
  this.timeout(15_000);
  let h: SqlHarness;
  before(async () => {
    h = await SqlHarness.start();
    await h.q('CREATE TABLE cpu (host STRING, dc STRING, ts TIMESTAMP TIME INDEX, u DOUBLE, s DOUBLE, PRIMARY KEY (host, dc))');
    await h.q(`INSERT INTO cpu VALUES ('a', 'x', 1000, 1, 10), ('a', 'x', 2000, NULL, 20), ('a', 'y', 1500, 3, 30),
      ('b', 'x', 3000, 4, NULL), ('b', 'x', 500, 5, 50), ('c', 'z', 100, 6, 60), (NULL, 'z', 4000, 7, 70)`);
  });
  after(async () => { await h.stop(); });

  const plan = async (sql: string) => ((await h.q(`EXPLAIN ${sql}`)).rows.map((r) => String(r[1])).join('\n'));
  const hinted = async (sql: string) => (await plan(sql)).includes('series_row_selector=last_row');
  // `u IS NULL OR u IS NOT NULL` keeps every row but is a filter on a field, which the rule must not cross.
  const defeated = (sql: string) => sql.replace(' FROM cpu', ' FROM cpu WHERE (u IS NULL OR u IS NOT NULL)');

  const applies = [
    'SELECT host, last_value(u ORDER BY ts) AS u, last_value(s ORDER BY ts) AS s FROM cpu GROUP BY host ORDER BY host',
    'SELECT host, dc, last_value(u ORDER BY ts), max(ts) FROM cpu GROUP BY host, dc ORDER BY host, dc',
    'SELECT last_value(s ORDER BY ts) FROM cpu',
  ];
  for (const sql of applies) {
    it(`marks the scan and keeps the answer: ${sql}`, async () => {
      expect(await hinted(sql), await plan(sql)).to.equal(true);
      expect(await hinted(defeated(sql))).to.equal(false);
      const rows = await h.rows(sql);
      expect(rows.length).to.be.greaterThan(0);
      expect(rows).to.deep.equal(await h.rows(defeated(sql)));
    });
  }

  it('takes tag filters (whole series) but not field filters or a time range', async () => {
    expect(await hinted("SELECT host, last_value(u ORDER BY ts) FROM cpu WHERE host IN ('a', 'b') AND dc <> 'q' GROUP BY host")).to.equal(true);
    expect(await h.rows("SELECT host, last_value(u ORDER BY ts) FROM cpu WHERE host IN ('a', 'b') GROUP BY host ORDER BY host"))
      .to.deep.equal([['a', null], ['b', 4]]);
    expect(await hinted('SELECT host, last_value(u ORDER BY ts) FROM cpu WHERE u > 2 GROUP BY host')).to.equal(false);
    expect(await hinted('SELECT host, last_value(u ORDER BY ts) FROM cpu WHERE ts < 2500 GROUP BY host')).to.equal(false);
  });

  it('does not apply to other aggregates, orders or group keys', async () => {
    expect(await hinted('SELECT host, first_value(u ORDER BY ts) FROM cpu GROUP BY host')).to.equal(false);
    expect(await hinted('SELECT host, last_value(u ORDER BY ts DESC) FROM cpu GROUP BY host')).to.equal(false);
    expect(await hinted('SELECT host, last_value(u ORDER BY s) FROM cpu GROUP BY host')).to.equal(false);
    expect(await hinted('SELECT host, last_value(u ORDER BY ts), count(*) FROM cpu GROUP BY host')).to.equal(false);
    expect(await hinted('SELECT s, last_value(u ORDER BY ts) FROM cpu GROUP BY s')).to.equal(false);
    expect(await hinted('SELECT host, max(u) FROM cpu GROUP BY host')).to.equal(false);
  });
});
