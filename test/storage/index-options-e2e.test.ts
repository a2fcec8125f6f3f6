import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { startLsmSqlServer } from './support/sql-server.js';

describe('engine-lsm e2e: column index options survive a restart (catalog and region manifest)', function () {
  this.timeout(30000);

  it('CREATE and ALTER ... SET/UNSET INDEX options read back the same after reopening, with the data', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'strata-e2e-index-options-'));
    try {
      let s = await startLsmSqlServer('index-options', {}, dir);
      await s.rows(`CREATE TABLE logs (host STRING INVERTED INDEX, msg STRING FULLTEXT INDEX WITH (analyzer = 'Chinese', case_sensitive = 'true'),
        trace STRING SKIPPING INDEX WITH (granularity = 4096), v DOUBLE, note STRING, ts TIMESTAMP TIME INDEX, PRIMARY KEY (host))`);
      await s.rows("INSERT INTO logs VALUES ('a', 'hello world', 't1', 1.0, 'x', 1), ('b', '你好', 't2', 2.0, 'y', 2)");
      await s.rows("ADMIN flush_table('logs')");
      await s.rows("ALTER TABLE logs MODIFY COLUMN v SET SKIPPING INDEX WITH (false_positive_rate = 0.05)");
      await s.rows('ALTER TABLE logs MODIFY COLUMN note SET INVERTED INDEX');
      await s.rows('ALTER TABLE logs MODIFY COLUMN msg UNSET FULLTEXT INDEX');
      await s.rows('ALTER TABLE logs MODIFY COLUMN trace UNSET SKIPPING INDEX');
      await s.rows("INSERT INTO logs VALUES ('a', 'third', 't3', 3.0, 'z', 3)");
      const create = async () => String((await s.rows('SHOW CREATE TABLE logs'))[0]![1]);
      const index = async () => (await s.rows('SHOW INDEX FROM logs')).map((r) => `${r[2]} ${r[3]} ${r[4]} ${r[10]}`);
      const before = await create();
      expect(before.split('\n').slice(1, 7)).to.deep.equal([
        '  "host" STRING NULL INVERTED INDEX,',
        '  "msg" STRING NULL,',
        '  "trace" STRING NULL,',
        "  \"v\" DOUBLE NULL SKIPPING INDEX WITH(false_positive_rate = '0.05', granularity = '10240', type = 'BLOOM'),",
        '  "note" STRING NULL INVERTED INDEX,',
        '  "ts" TIMESTAMP(3) NOT NULL,',
      ]);
      const indexBefore = await index();
      expect(indexBefore).to.deep.equal([
        'INVERTED INDEX 1 host greptime-inverted-index-v1', 'INVERTED INDEX 2 note greptime-inverted-index-v1',
        'PRIMARY 1 host greptime-primary-key-v1', 'SKIPPING INDEX 1 v greptime-bloom-filter-v1', 'TIME INDEX 1 ts ',
      ]);
      await s.stop();

      s = await startLsmSqlServer('index-options', {}, dir);
      expect(await create()).to.equal(before);
      expect(await index()).to.deep.equal(indexBefore);
      expect(await s.rows('SELECT host, msg, v FROM logs ORDER BY ts')).to.deep.equal([['a', 'hello world', 1], ['b', '你好', 2], ['a', 'third', 3]]);
      // The unset FULLTEXT index kept its analyzer through the restart, as GreptimeDB keeps it.
      await s.rows("ALTER TABLE logs MODIFY COLUMN msg SET FULLTEXT INDEX WITH (analyzer = 'English')").then(
        () => expect.fail('changing the analyzer of a FULLTEXT index set before should fail'),
        (e: Error) => expect(e.message).to.contain('Previous analyzer: Chinese, previous case_sensitive: true'));
      await s.rows("ALTER TABLE logs MODIFY COLUMN msg SET FULLTEXT INDEX WITH (analyzer = 'Chinese', case_sensitive = 'true', backend = 'tantivy')");
      await s.stop();

      s = await startLsmSqlServer('index-options', {}, dir);
      expect((await create()).split('\n')[2]).to.equal(
        "  \"msg\" STRING NULL FULLTEXT INDEX WITH(analyzer = 'Chinese', backend = 'tantivy', case_sensitive = 'true'),");
      expect(await s.rows("SELECT index_type, greptime_index_type FROM information_schema.statistics WHERE table_name = 'logs' AND column_name = 'msg'"))
        .to.deep.equal([['FULLTEXT', 'greptime-fulltext-index-v1']]);
      await s.stop();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
