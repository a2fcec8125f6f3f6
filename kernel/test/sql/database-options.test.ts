import { expect } from 'chai';
import { parseSql } from '../../src/sql/parser/parse-sql.js';
import { SqlHarness } from '../support/sql-harness.js';

describe('sql: database options (CREATE / ALTER DATABASE, templates for new tables)', function () {
  this.timeout(10_000);
  let h: SqlHarness;
  beforeEach(async () => { h = await SqlHarness.start(); });
  afterEach(async () => { await h.stop(); });
  const fails = (sql: string, text: string): Promise<void> => h.fails(sql, text);
  const options = async (db: string) => (await h.rows('SHOW FULL DATABASES')).find((r) => r[0] === db)?.[1];
  const createText = async (t: string) => String((await h.rows(`SHOW CREATE TABLE ${t}`))[0]![1]);

  it('parses ALTER DATABASE SET and UNSET (one parse each)', () => {
    const derivations: number[] = [];
    const parse = (sql: string) => parseSql(sql, { onDerivations: (n) => derivations.push(n) })[0];
    const set = parse("ALTER DATABASE d SET 'ttl' = '1d', 'compaction.twcs.time_window' = '1h'");
    expect(set).to.deep.include({ kind: 'AlterDatabase', name: 'd', unset: [] });
    expect((set as unknown as { set: unknown[] }).set).to.deep.equal([{ key: 'ttl', value: '1d' }, { key: 'compaction.twcs.time_window', value: '1h' }]);
    expect(parse("ALTER SCHEMA d UNSET 'ttl', 'append_mode'")).to.deep.include({ kind: 'AlterDatabase', name: 'd', set: [], unset: ['ttl', 'append_mode'] });
    expect(derivations).to.deep.equal([1, 1]);
  });

  it('checks option keys and values as table options are checked', async () => {
    await fails("CREATE DATABASE d WITH (foo = '1')", 'Invalid database option, key: foo');
    await fails("CREATE DATABASE d WITH (ttl = 'soon')", "invalid ttl 'soon'");
    await fails("CREATE DATABASE d WITH (ttl = 'instant')", 'not supported');
    await h.q("CREATE DATABASE d WITH (ttl = '7d')");
    await fails("ALTER DATABASE d SET 'bogus' = '1'", 'Invalid database option, key: bogus');
    await fails("ALTER DATABASE d SET 'append_mode' = 'maybe'", "expected 'true' or 'false'");
    await fails("ALTER DATABASE nope SET 'ttl' = '1d'", 'Database not found: nope');
    expect(await options('d')).to.equal("ttl='7days'");
  });

  it('ALTER DATABASE sets and unsets options (kept across a catalog reload)', async () => {
    await h.q("CREATE DATABASE d WITH (ttl = '7d')");
    await h.q("ALTER DATABASE d SET 'ttl' = '1d', 'compaction.twcs.time_window' = '1h'");
    expect(await options('d')).to.equal("compaction.twcs.time_window='1h' ttl='1day'");
    await h.q("ALTER DATABASE d UNSET 'ttl'");
    expect(await options('d')).to.equal("compaction.twcs.time_window='1h'");
    await h.stop();
    h = await SqlHarness.start({ store: h.mem.store, durable: h.mem.durable });
    expect(await options('d')).to.equal("compaction.twcs.time_window='1h'");
  });

  it("SHOW CREATE DATABASE prints GreptimeDB's statement: options sorted, ttl in humantime, dotted keys quoted", async () => {
    // GreptimeDB: tests/cases/standalone/common/alter/alter_database.result.
    await h.q('CREATE DATABASE plain');
    expect(await h.q('SHOW CREATE DATABASE plain')).to.deep.include({ columns: ['Database', 'Create Database'], rows: [['plain', 'CREATE DATABASE IF NOT EXISTS plain']] });
    await h.q("CREATE DATABASE opts WITH (ttl = '90m')");
    await h.q("ALTER DATABASE opts SET 'compaction.twcs.time_window' = '2h'");
    expect(await h.rows('SHOW CREATE SCHEMA opts')).to.deep.equal([['opts', "CREATE DATABASE IF NOT EXISTS opts\nWITH(\n  'compaction.twcs.time_window' = '2h',\n  ttl = '1h 30m'\n)"]]);
    await h.q("ALTER DATABASE opts UNSET 'ttl', 'compaction.twcs.time_window'");
    expect(await h.rows('SHOW CREATE DATABASE opts')).to.deep.equal([['opts', 'CREATE DATABASE IF NOT EXISTS opts']]);
    await h.fails('SHOW CREATE DATABASE nope', 'Database not found: nope', 'DATABASE_NOT_FOUND');
  });

  it('append_mode, merge_mode, skip_wal and memtable.* are templates: a new table takes them unless it sets its own', async () => {
    await h.q("CREATE DATABASE d WITH (append_mode = 'true', skip_wal = 'true', ttl = '7d')");
    await h.q('CREATE TABLE d.a (ts TIMESTAMP TIME INDEX, v DOUBLE)');
    await h.q("CREATE TABLE d.b (ts TIMESTAMP TIME INDEX, v DOUBLE) WITH (append_mode = 'false')");
    const a = await createText('d.a');
    expect(a).to.contain("append_mode = 'true'").and.contain("skip_wal = 'true'");
    // ttl is inherited while the table has none, not copied into it.
    expect(a).to.not.contain('ttl');
    expect(await createText('d.b')).to.contain("append_mode = 'false'");
    await fails("CREATE TABLE d.c (ts TIMESTAMP TIME INDEX, v DOUBLE) WITH (merge_mode = 'last_row')", 'merge_mode cannot be used with append_mode = true');
    // A template applies at creation only.
    await h.q("ALTER DATABASE d SET 'append_mode' = 'false'");
    expect(await createText('d.a')).to.contain("append_mode = 'true'");
  });

  it("a table's own ttl = 'forever' stays (and shows) as forever", async () => {
    await h.q("CREATE TABLE f (ts TIMESTAMP TIME INDEX, v DOUBLE) WITH (ttl = 'forever')");
    expect(await createText('f')).to.contain("ttl = 'forever'");
    await h.q("ALTER TABLE f SET 'ttl' = '1h'");
    expect(await createText('f')).to.contain("ttl = '1h'");
    await h.q("ALTER TABLE f UNSET 'ttl'");
    expect(await createText('f')).to.not.contain('ttl');
  });
});
