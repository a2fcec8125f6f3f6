import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { startLsmSqlServer } from './support/sql-server.js';

// GreptimeDB's tests/cases/standalone/common/alter/alter_table_first_after.result, over
// engine-lsm: rows in the memtable, in SSTs flushed before and after each ALTER, after a
// compaction and after a restart (WAL replay of rows written before the last ALTER).
describe('ALTER TABLE ADD COLUMN ... FIRST | AFTER (engine-lsm)', function () {
  this.timeout(60_000);

  it('places the column, keeps every row under its own column through flush, compaction and restart; positional INSERT follows the new order', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'strata-e2e-first-after-'));
    try {
      let s = await startLsmSqlServer('first-after', {}, dir);
      const desc = async () => (await s.rows('DESC TABLE t')).map((r) => r[0]);
      await s.rows('CREATE TABLE t (i INTEGER, j TIMESTAMP TIME INDEX)');
      await s.rows('ALTER TABLE t ADD COLUMN k INTEGER');
      await s.rows('ALTER TABLE t ADD COLUMN m INTEGER');
      await s.rows('INSERT INTO t VALUES (1, 2, 3, 4)');
      await s.rows("ADMIN flush_table('t')");
      await s.rows('ALTER TABLE t ADD COLUMN n INTEGER FIRST');
      expect(await desc()).to.deep.equal(['n', 'i', 'j', 'k', 'm']);
      expect(await s.rows('SELECT * FROM t')).to.deep.equal([[null, 1, 2, 3, 4]]);
      await s.rows('INSERT INTO t VALUES (2, 3, 4, 5, 6)');
      await s.rows('ALTER TABLE t ADD COLUMN y INTEGER AFTER j');
      expect(await desc()).to.deep.equal(['n', 'i', 'j', 'y', 'k', 'm']);
      expect(await s.rows('SELECT * FROM t ORDER BY j')).to.deep.equal([[null, 1, 2, null, 3, 4], [2, 3, 4, null, 5, 6]]);
      // Not flushed: the last row is replayed from the WAL after the restart.
      await s.rows('INSERT INTO t VALUES (7, 8, 9, 10, 11, 12)');
      await s.stop();
      s = await startLsmSqlServer('first-after', {}, dir);
      await s.rows('ALTER TABLE t ADD COLUMN a INTEGER FIRST');
      await s.rows('ALTER TABLE t ADD COLUMN b INTEGER AFTER j');
      expect((await s.rows('DESC TABLE t')).map((r) => r[0])).to.deep.equal(['a', 'n', 'i', 'j', 'b', 'y', 'k', 'm']);
      const all = [[null, null, 1, 2, null, null, 3, 4], [null, 2, 3, 4, null, null, 5, 6], [null, 7, 8, 9, null, 10, 11, 12]];
      expect(await s.rows('SELECT * FROM t ORDER BY j')).to.deep.equal(all);
      await s.rows("ADMIN flush_table('t')");
      await s.rows("ADMIN compact_table('t')");
      expect(await s.rows('SELECT * FROM t ORDER BY j')).to.deep.equal(all);
      expect(await s.rows('SELECT k, a, j FROM t WHERE j = 9')).to.deep.equal([[11, null, 9]]);
      const err = await s.rows('ALTER TABLE t ADD COLUMN z INTEGER AFTER nope').then(() => undefined, (e: Error & { code?: string }) => e);
      expect(err?.code, err?.message).to.equal('TABLE_COLUMN_NOT_FOUND');
      await s.stop();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
