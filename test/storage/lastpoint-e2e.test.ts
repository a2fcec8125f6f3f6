import { expect } from 'chai';
import { startLsmSqlServer, type LsmSqlServer } from './support/sql-server.js';

/**
 * TSBS lastpoint over engine-lsm: the optimizer marks the scan `last_row`, the
 * engine answers from its per-file last-row caches, EXPLAIN ANALYZE reports a
 * few rows scanned instead of all of them, and the answer equals the query with
 * the rule defeated (a field filter that keeps every row), also after deletes.
 */
describe('e2e storage: lastpoint prunes to the newest row per series', function () {
  this.timeout(60_000);
  let server: LsmSqlServer;
  before(async () => { server = await startLsmSqlServer('lastpoint', { rowGroupRows: 256 }); });
  after(async () => { await server?.stop(); });
  const rows = (sql: string): Promise<unknown[][]> => server.rows(sql);
  const rowsScanned = async (sql: string) => {
    const text = await server.explain(sql, true);
    return [...text.matchAll(/rows_scanned=(\d+)/g)].reduce((n, m) => n + Number(m[1]), 0);
  };

  const LAST = 'SELECT hostname, last_value(usage_user ORDER BY ts) AS u, last_value(usage_system ORDER BY ts) AS s FROM cpu GROUP BY hostname ORDER BY hostname';
  const FULL = LAST.replace(' FROM cpu', ' FROM cpu WHERE (usage_user IS NULL OR usage_user IS NOT NULL)');

  it('scans a small fraction of the rows and answers as the full scan does', async () => {
    await rows('CREATE TABLE cpu (hostname STRING, dc STRING, ts TIMESTAMP TIME INDEX, usage_user DOUBLE, usage_system DOUBLE, PRIMARY KEY (hostname, dc))');
    const total = 3 * 20 * 100;
    for (let f = 0; f < 3; f++) {
      const values: string[] = [];
      for (let t = 0; t < 100; t++) for (let h = 0; h < 20; h++) values.push(`('host_${h}', 'dc_${h % 3}', ${(f * 100 + t) * 10_000}, ${(h * 7 + t + f) % 100}, ${t % 2 === 0 ? 'NULL' : h + t})`);
      await rows(`INSERT INTO cpu VALUES ${values.join(', ')}`);
      await rows("ADMIN flush_table('cpu')");
    }
    const want = await rows(FULL);
    expect(want).to.have.length(20);
    expect(await rows(LAST)).to.deep.equal(want);
    const explain = await server.explain(LAST);
    expect(explain).to.contain('series_row_selector=last_row');
    expect(await rowsScanned(FULL)).to.equal(total);
    // Warm caches: one row per series per file.
    expect(await rowsScanned(LAST)).to.equal(3 * 20);
  });

  it('stays exact after deleting newest rows and with new rows in the memtable', async () => {
    await rows("DELETE FROM cpu WHERE hostname = 'host_1' AND ts >= 2970000");
    await rows("INSERT INTO cpu VALUES ('host_2', 'dc_2', 9990000, 42, 43), ('host_99', 'dc_0', 5, 1, 2)");
    const want = await rows(FULL);
    expect(want).to.have.length(21);
    expect(await rows(LAST)).to.deep.equal(want);
    expect(want.find((r) => r[0] === 'host_2')).to.deep.equal(['host_2', 42, 43]);
    await rows("ADMIN flush_table('cpu')");
    expect(await rows(LAST)).to.deep.equal(want);
  });
});
