import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { startLsmSqlServer, type LsmSqlServer } from './support/sql-server.js';

describe('engine-lsm e2e: a database ttl applies to its tables without one, and follows ALTER DATABASE', function () {
  this.timeout(30000);

  it('compaction drops SSTs past the database ttl; a table ttl (even forever) wins; SET / UNSET take effect at once and after a restart', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'strata-e2e-dbttl-'));
    let s: LsmSqlServer | undefined;
    try {
      s = await startLsmSqlServer('dbttl', {}, dir);
      const now = Date.now();
      await s.rows("CREATE DATABASE d WITH (ttl = '1h')");
      await s.rows('CREATE TABLE d.inherits (ts TIMESTAMP TIME INDEX, v DOUBLE)');
      await s.rows("CREATE TABLE d.keeps (ts TIMESTAMP TIME INDEX, v DOUBLE) WITH (ttl = 'forever')");
      // One SST of rows from 1970 and one of rows from now, per table.
      const load = async (srv: LsmSqlServer, t: string) => {
        await srv.rows(`INSERT INTO d.${t} VALUES (1000, 1), (2000, 2)`);
        await srv.rows(`ADMIN flush_table('d.${t}')`);
        await srv.rows(`INSERT INTO d.${t} VALUES (${now}, 3)`);
        await srv.rows(`ADMIN flush_table('d.${t}')`);
        await srv.rows(`ADMIN compact_table('d.${t}')`);
      };
      const count = async (srv: LsmSqlServer, t: string) => Number((await srv.rows(`SELECT count(*) FROM d.${t}`))[0]![0]);
      await load(s, 'inherits');
      await load(s, 'keeps');
      expect(await count(s, 'inherits')).to.equal(1);
      expect(await count(s, 'keeps')).to.equal(3);

      // UNSET: the table has no ttl at all now.
      await s.rows("ALTER DATABASE d UNSET 'ttl'");
      await load(s, 'inherits');
      expect(await count(s, 'inherits')).to.equal(3); // now's row was written twice (same key): 2 old + 1

      // SET again, then a restart: the regions reopen with the database's ttl.
      await s.rows("ALTER DATABASE d SET 'ttl' = '1h'");
      await s.stop();
      s = await startLsmSqlServer('dbttl', {}, dir);
      await s.rows("ADMIN compact_table('d.inherits')");
      expect(await count(s, 'inherits')).to.equal(1);
      expect(await count(s, 'keeps')).to.equal(3);
    } finally {
      await s?.stop();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
