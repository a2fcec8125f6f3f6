import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { startLsmSqlServer, type LsmSqlServer } from './support/sql-server.js';

/**
 * ALTER TABLE ... MODIFY COLUMN over engine-lsm: rows written before the
 * change (in SSTs and in the memtable) are read as the new type, and a value
 * the new type cannot hold reads as NULL, as GreptimeDB's cast does (it read
 * as 0, or failed the whole scan for a 64-bit integer).
 */
describe('e2e storage: MODIFY COLUMN reads old rows as the new type', function () {
  this.timeout(60_000);
  let server: LsmSqlServer;
  const rows = (sql: string): Promise<unknown[][]> => server.rows(sql);
  before(async () => { server = await startLsmSqlServer('modify-column'); });
  after(async () => { await server?.stop(); });

  it('text that is not a number becomes NULL, in flushed and unflushed rows', async () => {
    await rows('CREATE TABLE test (id INT PRIMARY KEY, i INT, j TIMESTAMP TIME INDEX, k BOOLEAN)');
    await rows('INSERT INTO test VALUES (1, 1, 1, false), (2, 2, 2, true)');
    await rows("ADMIN flush_table('test')");
    await rows('ALTER TABLE test MODIFY COLUMN i STRING');
    await rows("INSERT INTO test VALUES (3, 'greptime', 3, true), (4, '40', 4, false)");
    expect(await rows('SELECT id, i FROM test ORDER BY id')).to.deep.equal([[1, '1'], [2, '2'], [3, 'greptime'], [4, '40']]);
    await rows("ADMIN flush_table('test')");
    await rows("INSERT INTO test VALUES (5, '5000000000', 5, true)");
    await rows('ALTER TABLE test MODIFY COLUMN i BIGINT');
    expect(await rows('SELECT id, i FROM test ORDER BY id')).to.deep.equal([[1, 1], [2, 2], [3, null], [4, 40], [5, 5000000000]]);
    await rows('ALTER TABLE test MODIFY COLUMN i INT');
    expect(await rows('SELECT id, i FROM test ORDER BY id')).to.deep.equal([[1, 1], [2, 2], [3, null], [4, 40], [5, null]]);
    await rows('ALTER TABLE test MODIFY COLUMN k DOUBLE');
    expect(await rows('SELECT id, k FROM test ORDER BY id')).to.deep.equal([[1, 0], [2, 1], [3, 1], [4, 0], [5, 1]]);
  });

  it('old text reads as CAST reads it (inf, -Infinity, NaN, 1e20, \' 12 \', not a number): memtable, SSTs, after a restart', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'strata-e2e-modify-text-'));
    let s = await startLsmSqlServer('modify-text', {}, dir);
    try {
      const texts = ['inf', '-Infinity', 'NaN', '1e20', ' 12 ', 'twelve'];
      const values = (base: number) => texts.map((t, i) => `(${base + i}, ${base + i}, '${t}')`).join(', ');
      await s.rows('CREATE TABLE ft (id INT PRIMARY KEY, ts TIMESTAMP TIME INDEX, v STRING)');
      // Ids 1-6 end up in an SST, ids 11-16 in the memtable that the ALTER freezes.
      await s.rows(`INSERT INTO ft VALUES ${values(1)}`);
      await s.rows("ADMIN flush_table('ft')");
      await s.rows(`INSERT INTO ft VALUES ${values(11)}`);
      // What CAST (TRY_CAST: NULL instead of an error) makes of the same text, per target type.
      const targets = ['DOUBLE', 'BIGINT', 'BOOLEAN'];
      const cast = new Map<string, unknown[][]>();
      for (const t of targets) cast.set(t, await s.rows(`SELECT id, TRY_CAST(v AS ${t}) FROM ft ORDER BY id`));
      const doubles = [Infinity, -Infinity, NaN, 1e20, 12, null];
      expect(cast.get('DOUBLE')).to.deep.equal([...doubles.map((d, i) => [1 + i, d]), ...doubles.map((d, i) => [11 + i, d])]);
      const read = () => s.rows('SELECT id, v FROM ft ORDER BY id');

      await s.rows('ALTER TABLE ft MODIFY COLUMN v DOUBLE');
      expect(await read(), 'SST and frozen memtable').to.deep.equal(cast.get('DOUBLE'));
      await s.rows("ADMIN flush_table('ft')");
      expect(await read(), 'both flushed').to.deep.equal(cast.get('DOUBLE'));
      await s.stop();
      s = await startLsmSqlServer('modify-text', {}, dir);
      expect(await read(), 'after a restart').to.deep.equal(cast.get('DOUBLE'));
      // Each read casts from the type the rows were written in (as GreptimeDB's compat reader does).
      for (const t of targets.slice(1)) {
        await s.rows(`ALTER TABLE ft MODIFY COLUMN v ${t}`);
        expect(await read(), t).to.deep.equal(cast.get(t));
      }
    } finally {
      await s.stop();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('refuses type changes without a value-by-value meaning', async () => {
    await rows('CREATE TABLE t2 (ts TIMESTAMP TIME INDEX, b BOOLEAN, s STRING)');
    for (const [col, type] of [['b', 'DATE'], ['s', 'TIMESTAMP'], ['b', 'BINARY']]) {
      await server.rows(`ALTER TABLE t2 MODIFY COLUMN ${col} ${type}`).then(() => expect.fail(`should fail: ${col} ${type}`), (e: Error) => {
        expect(e.message).to.contain(`column '${col}' cannot be cast automatically to type`);
      });
    }
  });
});
