import { expect } from 'chai';
import mysql from 'mysql2/promise';
import { startSqlServer, type SqlServer } from '../protocol-support/sql-server.js';

/**
 * Views through the MySQL protocol with the real mysql2 client, on a server
 * composed from the real plugins (store-fs, wal-local, engine-lsm): what a
 * MySQL tool sees of them (SHOW FULL TABLES, information_schema, SHOW CREATE
 * VIEW) and the error codes it gets for refused statements.
 */
describe('MySQL protocol: views (mysql2)', function () {
  this.timeout(30_000);
  let s: SqlServer;
  before(async () => { s = await startSqlServer(); });
  after(async () => { await s?.close(); });

  it('creates, lists, reads and drops a view; refused statements get MySQL error codes', async () => {
    const c = await mysql.createConnection({ host: '127.0.0.1', port: s.mysqlPort, user: 'root', database: 'public', timezone: 'Z' });
    try {
      await c.query('CREATE TABLE vcpu (host STRING, ts TIMESTAMP TIME INDEX, usage DOUBLE, PRIMARY KEY (host))');
      await c.query("INSERT INTO vcpu VALUES ('a', 1000, 10), ('b', 2000, 95), ('a', 3000, 97)");
      // MySQL's dialect: "hot" is a string literal in the view's query.
      await c.query('CREATE VIEW vbusy (h, u, tag) AS SELECT host, usage, "hot" FROM vcpu WHERE usage > 90');
      const [rows, fields] = await c.query("SELECT * FROM vbusy WHERE h = 'a'") as [Array<Record<string, unknown>>, mysql.FieldPacket[]];
      expect(fields.map((f) => f.name)).to.deep.equal(['h', 'u', 'tag']);
      expect(rows).to.deep.equal([{ h: 'a', u: 97, tag: 'hot' }]);
      // A prepared statement (binary protocol) over the view.
      const [prepared] = await c.execute('SELECT h FROM vbusy WHERE u > ? ORDER BY h', [90]) as [Array<Record<string, unknown>>, unknown];
      expect(prepared).to.deep.equal([{ h: 'a' }, { h: 'b' }]);
      const [full] = await c.query('SHOW FULL TABLES') as [Array<Record<string, unknown>>, unknown];
      expect(full.map((r) => Object.values(r))).to.deep.include.members([['vcpu', 'BASE TABLE'], ['vbusy', 'VIEW']]);
      const [is] = await c.query("SELECT table_name, table_type FROM information_schema.tables WHERE table_name = 'vbusy'") as [Array<Record<string, unknown>>, unknown];
      expect(is).to.deep.equal([{ table_name: 'vbusy', table_type: 'VIEW' }]);
      const [show] = await c.query('SHOW CREATE VIEW vbusy') as [Array<Record<string, unknown>>, unknown];
      expect(show).to.deep.equal([{ View: 'vbusy', 'Create View': 'CREATE VIEW vbusy (h, u, tag) AS SELECT host, usage, "hot" FROM vcpu WHERE usage > 90' }]);
      const insert = await c.query("INSERT INTO vbusy VALUES ('x', 1, 'y')").then(() => undefined, (e: { errno?: number; message?: string }) => e);
      expect(insert?.errno, insert?.message).to.equal(1210);
      expect(insert?.message).to.contain('public.vbusy is a view, not a table');
      const clash = await c.query('CREATE VIEW vcpu AS SELECT 1').then(() => undefined, (e: { errno?: number; message?: string }) => e);
      expect(clash?.errno, clash?.message).to.equal(1050);
      await c.query('DROP VIEW vbusy');
      const gone = await c.query('SELECT * FROM vbusy').then(() => undefined, (e: { errno?: number }) => e);
      expect(gone?.errno).to.equal(1146);
      const [views] = await c.query('SHOW VIEWS') as [unknown[], unknown];
      expect(views).to.deep.equal([]);
    } finally { await c.end(); }
  });
});
