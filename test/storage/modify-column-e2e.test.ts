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

  it('refuses type changes without a value-by-value meaning', async () => {
    await rows('CREATE TABLE t2 (ts TIMESTAMP TIME INDEX, b BOOLEAN, s STRING)');
    for (const [col, type] of [['b', 'DATE'], ['s', 'TIMESTAMP'], ['b', 'BINARY']]) {
      await server.rows(`ALTER TABLE t2 MODIFY COLUMN ${col} ${type}`).then(() => expect.fail(`should fail: ${col} ${type}`), (e: Error) => {
        expect(e.message).to.contain(`column '${col}' cannot be cast automatically to type`);
      });
    }
  });
});
