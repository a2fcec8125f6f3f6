import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { startLsmSqlServer } from './support/sql-server.js';

describe('engine-lsm e2e: INSERT value conversion (GreptimeDB literal rules) through the real engine', function () {
  this.timeout(30000);

  it('converted literals survive flush and restart; a statement failing on row 3 writes nothing, before or after', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'strata-e2e-insert-coercion-'));
    try {
      let s = await startLsmSqlServer('insert-coercion', {}, dir);
      await s.rows(`CREATE TABLE c (host STRING, ts TIMESTAMP TIME INDEX, i TINYINT, b BOOLEAN, x DECIMAL(5, 2), d DATE,
        bin VARBINARY, s STRING, PRIMARY KEY (host))`);
      await s.rows(`INSERT INTO c VALUES ('a', 1000, -128, 1, 1.005, '1993-08-14', X'0A0B', "dq"),
        ('a', '1970-01-01 00:00:02', 127, 0, '-999.994', '2024-02-29', 0x6869, N'n')`);
      const fails = async (sql: string, text: string) => {
        try { await s.rows(sql); } catch (err) { expect((err as Error).message).to.contain(text); return; }
        expect.fail(`should fail: ${sql}`);
      };
      await fails("INSERT INTO c (host, ts, i) VALUES ('b', 3000, 1), ('b', 4000, 2), ('b', 5000, 300)", 'column i (row 3): 300 is out of range for Int8');
      await fails("INSERT INTO c (host, ts, s) VALUES ('b', 3000, 'x'), ('b', 4000, 'y'), ('b', 5000, 7)", 'column s (row 3): the number 7 cannot be written into String column s');
      const read = () => s.rows(`SELECT host, ts, i, b, CAST(x AS STRING), CAST(d AS STRING), bin = X'0A0B', bin = X'6869', s FROM c ORDER BY ts`);
      const want = [
        ['a', 1000, -128, true, '1.01', '1993-08-14', true, false, 'dq'],
        ['a', 2000, 127, false, '-999.99', '2024-02-29', false, true, 'n'],
      ];
      expect(await read()).to.deep.equal(want);
      await s.rows("ADMIN flush_table('c')");
      await s.stop();
      s = await startLsmSqlServer('insert-coercion', {}, dir);
      expect(await read()).to.deep.equal(want);
      expect(await s.rows("SELECT count(*) FROM c WHERE host = 'b'")).to.deep.equal([[0]]);
      await s.stop();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
