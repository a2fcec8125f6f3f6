import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { startLsmSqlServer } from './support/sql-server.js';

describe('engine-lsm e2e: column defaults (manifest, restart, rows older than the column)', function () {
  this.timeout(30000);

  it('BIGINT, UNSIGNED, TIMESTAMP, DOUBLE and STRING defaults fill omitted columns, before and after reopening', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'strata-e2e-defaults-'));
    try {
      let s = await startLsmSqlServer('defaults', {}, dir);
      // BIGINT defaults are bigints: writing the region manifest used to throw "Do not know how to serialize a BigInt".
      await s.rows(`CREATE TABLE d (ts TIMESTAMP TIME INDEX, a BIGINT DEFAULT 9007199254740993, u BIGINT UNSIGNED DEFAULT 18446744073709551615,
        t TIMESTAMP(3) DEFAULT '2024-01-02 03:04:05', f DOUBLE DEFAULT 1.5, s STRING DEFAULT 'x')`);
      await s.rows('INSERT INTO d (ts) VALUES (1)');
      const row = ['9007199254740993', '18446744073709551615', 1704164645000, 1.5, 'x'];
      const read = async () => s.rows('SELECT CAST(a AS STRING), CAST(u AS STRING), t, f, s FROM d ORDER BY ts');
      expect(await read()).to.deep.equal([row]);
      await s.rows("ADMIN flush_table('d')");
      await s.stop();
      s = await startLsmSqlServer('defaults', {}, dir);
      expect(await read()).to.deep.equal([row]);
      await s.rows('INSERT INTO d (ts) VALUES (2)');
      expect(await read()).to.deep.equal([row, row]);
      await s.stop();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('rows written before ADD COLUMN ... DEFAULT read as the default (as GreptimeDB fills them), in SSTs, memtables, after compaction and restart', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'strata-e2e-adddefault-'));
    try {
      let s = await startLsmSqlServer('adddefault', {}, dir);
      await s.rows('CREATE TABLE m (host STRING, ts TIMESTAMP TIME INDEX, v DOUBLE, PRIMARY KEY (host))');
      await s.rows("INSERT INTO m VALUES ('a', 1, 1.0), ('b', 1, 2.0)");
      await s.rows("ADMIN flush_table('m')"); // rows in an SST
      await s.rows("INSERT INTO m VALUES ('a', 2, 3.0)"); // a row in the memtable the ALTER freezes
      await s.rows('ALTER TABLE m ADD COLUMN n BIGINT DEFAULT -42');
      await s.rows("ALTER TABLE m ADD COLUMN label STRING DEFAULT 'old'");
      await s.rows('ALTER TABLE m ADD COLUMN plain DOUBLE');
      // A timestamp default is a number in the schema but a bigint in the column.
      await s.rows("ALTER TABLE m ADD COLUMN seen TIMESTAMP(3) DEFAULT '2024-01-02 03:04:05'");
      await s.rows("INSERT INTO m (host, ts, v, n, label, seen) VALUES ('a', 3, 4.0, 7, 'new', 1000)");
      const expected = [['a', 1, -42, 'old', null, 1704164645000], ['a', 2, -42, 'old', null, 1704164645000], ['a', 3, 7, 'new', null, 1000], ['b', 1, -42, 'old', null, 1704164645000]];
      const read = async () => s.rows('SELECT host, ts, n, label, plain, seen FROM m ORDER BY host, ts');
      expect(await read()).to.deep.equal(expected);
      // Filters see the default too (the scan's own row filter must not drop the older rows).
      expect(await s.rows('SELECT count(*) FROM m WHERE n = -42')).to.deep.equal([[3]]);
      expect(await s.rows('SELECT count(*) FROM m WHERE n > 0')).to.deep.equal([[1]]);
      await s.rows("ADMIN flush_table('m')");
      await s.rows("ADMIN compact_table('m')");
      expect(await read()).to.deep.equal(expected);
      await s.stop();
      s = await startLsmSqlServer('adddefault', {}, dir);
      expect(await read()).to.deep.equal(expected);
      expect(await s.rows("SELECT count(*) FROM m WHERE label = 'old'")).to.deep.equal([[3]]);
      await s.stop();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
