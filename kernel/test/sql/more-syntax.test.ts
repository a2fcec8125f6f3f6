import { expect } from 'chai';
import { FUNCTION_REGISTRY, type WindowFunction } from '../../src/index.js';
import { SqlHarness } from '../support/sql-harness.js';

/**
 * GreptimeDB syntax the parser used to refuse: SHOW TABLE STATUS, CREATE TABLE ... LIKE,
 * DEFAULT in VALUES, SELECT DISTINCT ON, IGNORE NULLS, quantified comparisons, column
 * default changes and SHOW VARIABLES name. Expected values follow GreptimeDB's sqlness
 * cases where there is one, DataFusion / the SQL standard otherwise.
 */
describe('sql: more GreptimeDB syntax (SHOW TABLE STATUS, CREATE TABLE LIKE, DEFAULT, DISTINCT ON, IGNORE NULLS, ANY/ALL, SET DEFAULT)', function () {
  this.timeout(10_000);
  let h: SqlHarness;
  beforeEach(async () => {
    h = await SqlHarness.start();
    await h.q('CREATE TABLE t (k STRING, ts TIMESTAMP TIME INDEX, a BIGINT DEFAULT 7, b DOUBLE NOT NULL, PRIMARY KEY(k))');
  });
  afterEach(async () => { await h.stop(); });
  const fails = (sql: string, code: string, text: string | RegExp): Promise<void> => h.fails(sql, text, code);

  describe('SHOW TABLE STATUS', () => {
    const COLUMNS = ['Name', 'Engine', 'Version', 'Row_format', 'Rows', 'Avg_row_length', 'Data_length', 'Max_data_length', 'Index_length',
      'Data_free', 'Auto_increment', 'Create_time', 'Update_time', 'Check_time', 'Collation', 'Checksum', 'Create_options', 'Comment'];

    it("has MySQL's columns, one row per table sorted by name, with the rows the engine holds", async () => {
      await h.q("CREATE TABLE a_first (ts TIMESTAMP TIME INDEX, v DOUBLE) WITH (ttl = '7d')");
      await h.q("INSERT INTO t VALUES ('x', 1, 1, 1.5), ('y', 2, 2, 2.5)");
      const r = await h.q('SHOW TABLE STATUS');
      expect(r.columns).to.deep.equal(COLUMNS);
      expect(r.types).to.deep.equal(['String', 'String', 'UInt64', 'String', 'UInt64', 'UInt64', 'UInt64', 'UInt64', 'UInt64', 'UInt64', 'UInt64',
        'TimestampMicrosecond', 'TimestampMicrosecond', 'TimestampMicrosecond', 'String', 'UInt64', 'String', 'String']);
      expect(r.rows.map((x) => x[0])).to.deep.equal(['a_first', 't']);
      const t = r.rows[1]!;
      expect([t[1], t[2], t[3], t[4], t[14], t[16], t[17]]).to.deep.equal(['mito', 11n, 'Fixed', 2n, 'utf8_bin', '', '']);
      expect(t[11]).to.be.a('number');
      expect(r.rows[0]![16]).to.equal('ttl=7days');
    });

    it('LIKE filters names, WHERE any output column, FROM/IN another database', async () => {
      await h.q('CREATE TABLE other (ts TIMESTAMP TIME INDEX)');
      await h.q("INSERT INTO t VALUES ('x', 1, 1, 1.5)");
      expect(await h.rows("SHOW TABLE STATUS LIKE 'o%'").then((r) => r.map((x) => x[0]))).to.deep.equal(['other']);
      expect(await h.rows('SHOW TABLE STATUS WHERE Rows > 0').then((r) => r.map((x) => x[0]))).to.deep.equal(['t']);
      await h.q('CREATE DATABASE d2');
      await h.q('CREATE TABLE d2.only_here (ts TIMESTAMP TIME INDEX)');
      expect(await h.rows('SHOW TABLE STATUS FROM d2').then((r) => r.map((x) => x[0]))).to.deep.equal(['only_here']);
      const sys = await h.rows("SHOW TABLE STATUS IN information_schema WHERE Name = 'tables'");
      expect(sys.map((x) => [x[0], x[1], x[4]])).to.deep.equal([['tables', null, null]]);
      await h.q('SHOW TABLE STATUS FROM nope').then(() => expect.fail('should fail'), (e: Error & { code?: string }) => expect(e.code).to.equal('DATABASE_NOT_FOUND'));
    });
  });

  describe('CREATE TABLE ... LIKE', () => {
    it('copies columns, keys, defaults, options and engine, not the rows', async () => {
      await h.q("CREATE TABLE src (host STRING, ts TIMESTAMP(6) TIME INDEX, v DOUBLE DEFAULT 1.5 COMMENT 'val', PRIMARY KEY(host)) WITH (ttl = '1d', append_mode = 'true')");
      await h.q("INSERT INTO src VALUES ('a', 1, 2.0)");
      await h.q('CREATE TABLE dst LIKE src');
      const text = (x: unknown[][]) => String(x[0]![1]).replace(/"(src|dst)"/, '"T"');
      expect(text(await h.rows('SHOW CREATE TABLE dst'))).to.equal(text(await h.rows('SHOW CREATE TABLE src')));
      expect(await h.rows('SELECT count(*) FROM dst')).to.deep.equal([[0]]);
      await h.q("INSERT INTO dst (host, ts) VALUES ('b', 5)");
      expect(await h.rows('SELECT host, v FROM dst')).to.deep.equal([['b', 1.5]]);
    });

    it('IF NOT EXISTS keeps an existing table; without it the name is taken; the source must exist', async () => {
      await h.q('CREATE TABLE IF NOT EXISTS t LIKE t');
      await h.q('CREATE DATABASE d2');
      await h.q('CREATE TABLE d2.t_copy LIKE public.t');
      expect((await h.q('SHOW CREATE TABLE d2.t_copy')).rows[0]![1]).to.contain('"a" BIGINT NULL DEFAULT 7');
      await fails('CREATE TABLE t LIKE t', 'TABLE_ALREADY_EXISTS', 't');
      await fails('CREATE TABLE z LIKE missing', 'TABLE_NOT_FOUND', 'missing');
    });
  });

  describe('DEFAULT in INSERT ... VALUES', () => {
    it("writes the column's default, NULL without one, now() for a current-time default", async () => {
      await h.q('CREATE TABLE d (ts TIMESTAMP DEFAULT CURRENT_TIMESTAMP() TIME INDEX, x BIGINT, s STRING DEFAULT \'dflt\')');
      const before = Date.now();
      await h.q("INSERT INTO d VALUES (DEFAULT, DEFAULT, DEFAULT), (5, 1, 'given')");
      const rows = await h.rows('SELECT ts, x, s FROM d ORDER BY ts');
      expect(rows[0]).to.deep.equal([5, 1, 'given']);
      expect(rows[1]!.slice(1)).to.deep.equal([null, 'dflt']);
      expect(rows[1]![0] as number).to.be.within(before - 1, Date.now() + 1);
      await h.q("INSERT INTO t (k, ts, a, b) VALUES ('x', 1, DEFAULT, 2.5)");
      expect(await h.rows('SELECT a, b FROM t')).to.deep.equal([[7, 2.5]]);
    });

    it('is an error for a NOT NULL column without a default, and outside INSERT ... VALUES', async () => {
      await fails("INSERT INTO t VALUES ('x', 1, 1, DEFAULT)", 'INVALID_ARGUMENTS', 'column b of t is NOT NULL and has no default');
      await fails('SELECT * FROM (VALUES (1, DEFAULT)) AS v', 'PLAN_QUERY', 'DEFAULT is allowed only as a value of INSERT ... VALUES');
      await fails("INSERT INTO t SELECT 'x', 1, DEFAULT, 1.0", 'INVALID_SYNTAX', /Syntax error/);
    });
  });

  describe('SELECT DISTINCT ON', () => {
    beforeEach(async () => {
      await h.q(`INSERT INTO t VALUES ('x', 1, 10, 1.0), ('x', 2, NULL, 2.0), ('x', 3, 30, 3.0), ('y', 1, 5, 4.0), ('y', 4, 6, 5.0), ('z', 9, 1, 6.0)`);
    });

    it('keeps the first row of each key in ORDER BY order, then orders and limits', async () => {
      expect(await h.rows('SELECT DISTINCT ON (k) k, ts, a FROM t ORDER BY k, ts DESC')).to.deep.equal([['x', 3, 30], ['y', 4, 6], ['z', 9, 1]]);
      expect(await h.rows('SELECT DISTINCT ON (k) k, a FROM t ORDER BY k DESC, a NULLS FIRST LIMIT 2')).to.deep.equal([['z', 1], ['y', 5]]);
      // A column that is not selected, an expression key, and an output alias in ORDER BY.
      expect(await h.rows('SELECT DISTINCT ON (k) a AS v FROM t ORDER BY k, b DESC')).to.deep.equal([[30], [6], [1]]);
      expect(await h.rows('SELECT DISTINCT ON (a > 6) a FROM t WHERE a IS NOT NULL ORDER BY a > 6, a')).to.deep.equal([[1], [10]]);
    });

    it('without ORDER BY keeps one row per key; ORDER BY must start with the DISTINCT ON expressions', async () => {
      expect(await h.rows('SELECT DISTINCT ON (k) k FROM t').then((r) => r.map((x) => x[0]).sort())).to.deep.equal(['x', 'y', 'z']);
      expect(await h.rows('SELECT count(*) FROM (SELECT DISTINCT ON (k, a IS NULL) k FROM t)')).to.deep.equal([[4]]);
      await fails('SELECT DISTINCT ON (k) k, ts FROM t ORDER BY ts', 'PLAN_QUERY', 'SELECT DISTINCT ON expressions must match initial ORDER BY expressions');
      expect(await h.rows('SELECT DISTINCT ON (k, ts) k FROM t WHERE ts < 2 ORDER BY ts, k')).to.deep.equal([['x'], ['y']]);
    });
  });

  describe('IGNORE NULLS / RESPECT NULLS', () => {
    beforeEach(async () => {
      // a by ts: 10, NULL, NULL, 40, NULL, 60
      await h.q(`INSERT INTO t VALUES ('x', 1, 10, 0), ('x', 2, NULL, 0), ('x', 3, NULL, 0), ('x', 4, 40, 0), ('x', 5, NULL, 0), ('x', 6, 60, 0)`);
    });
    const col = async (expr: string) => (await h.rows(`SELECT ${expr} FROM t ORDER BY ts`)).map((r) => r[0]);

    it('lag and lead count only non-NULL rows; defaults and offsets still apply', async () => {
      expect(await col('lag(a) IGNORE NULLS OVER (ORDER BY ts)')).to.deep.equal([null, 10, 10, 10, 40, 40]);
      expect(await col('lag(a) OVER (ORDER BY ts)')).to.deep.equal([null, 10, null, null, 40, null]);
      expect(await col('lead(a) IGNORE NULLS OVER (ORDER BY ts)')).to.deep.equal([40, 40, 40, 60, 60, null]);
      // The second non-NULL value before the row: 40 has only 10 before it.
      expect(await col('lag(a, 2, -1) IGNORE NULLS OVER (ORDER BY ts)')).to.deep.equal([-1, -1, -1, -1, 10, 10]);
      expect(await col('lead(a, 2) IGNORE NULLS OVER (ORDER BY ts)')).to.deep.equal([60, 60, 60, null, null, null]);
      expect(await col('lag(a) RESPECT NULLS OVER (ORDER BY ts)')).to.deep.equal(await col('lag(a) OVER (ORDER BY ts)'));
    });

    it('first_value, last_value and nth_value skip NULL rows of their frame', async () => {
      expect(await col('last_value(a) IGNORE NULLS OVER (ORDER BY ts)')).to.deep.equal([10, 10, 10, 40, 40, 60]);
      expect(await col('last_value(a) OVER (ORDER BY ts)')).to.deep.equal([10, null, null, 40, null, 60]);
      expect(await col('first_value(a) IGNORE NULLS OVER (ORDER BY ts ROWS BETWEEN 1 FOLLOWING AND UNBOUNDED FOLLOWING)')).to.deep.equal([40, 40, 40, 60, 60, null]);
      expect(await col('nth_value(a, 2) IGNORE NULLS OVER (ORDER BY ts)')).to.deep.equal([null, null, null, 40, 40, 40]);
      expect(await col('nth_value(a, 2) OVER (ORDER BY ts)')).to.deep.equal([null, null, null, null, null, null]);
      expect(await col('last_value(a) IGNORE NULLS OVER (ORDER BY ts ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW EXCLUDE CURRENT ROW)')).to.deep.equal([null, 10, 10, 10, 40, 40]);
    });

    it("a plugin's frame function under one of those names sees the frame's non-NULL rows and the current row", async () => {
      // Not the built-in nth_value, so the window operator hands it the rows rather than picking one itself.
      const registry = h.server.get(FUNCTION_REGISTRY);
      registry.unregister('nth_value');
      const frameText: WindowFunction = {
        kind: 'window', name: 'nth_value', signatures: [{ args: ['any', 'integer'] }], returnType: { name: 'String' }, evaluation: 'frame',
        evaluateFrame(args, start, end, row) {
          const vals: string[] = [];
          for (let j = start; j < end; j++) vals.push(String(args[0]!.get(j)));
          return `${vals.join(',')}|${String(args[0]!.get(row))}`;
        },
      };
      registry.register(frameText, 'test');
      // a by ts: 10, NULL, NULL, 40, NULL, 60
      expect(await col('nth_value(a, 1) IGNORE NULLS OVER (ORDER BY ts ROWS BETWEEN 1 PRECEDING AND 2 FOLLOWING)'))
        .to.deep.equal(['10|10', '10,40|null', '40|null', '40,60|40', '40,60|null', '60|60']);
      expect(await col('nth_value(a, 1) IGNORE NULLS OVER (ORDER BY ts ROWS BETWEEN 1 PRECEDING AND 2 FOLLOWING EXCLUDE CURRENT ROW)'))
        .to.deep.equal(['|10', '10,40|null', '40|null', '60|40', '40,60|null', '|60']);
      expect(await col('nth_value(a, 1) OVER (ORDER BY ts ROWS BETWEEN 1 PRECEDING AND CURRENT ROW)'))
        .to.deep.equal(['10|10', '10,null|null', 'null,null|null', 'null,40|40', '40,null|null', 'null,60|60']);
    });

    it('as aggregates, first_value / last_value IGNORE NULLS skip NULL values', async () => {
      expect(await h.rows('SELECT last_value(a ORDER BY ts) IGNORE NULLS, last_value(a ORDER BY ts), first_value(a ORDER BY ts DESC) IGNORE NULLS FROM t WHERE ts < 6'))
        .to.deep.equal([[40, null, 40]]);
    });

    it('is refused where it means nothing', async () => {
      await fails('SELECT sum(a) IGNORE NULLS OVER () FROM t', 'PLAN_QUERY', 'IGNORE NULLS is not supported for sum');
      await fails('SELECT row_number() IGNORE NULLS OVER () FROM t', 'PLAN_QUERY', 'not supported for row_number');
      await fails('SELECT abs(a) IGNORE NULLS FROM t', 'PLAN_QUERY', 'not supported for abs');
      await fails('SELECT count(a) RESPECT NULLS FROM t', 'PLAN_QUERY', 'RESPECT NULLS is not supported for count');
    });
  });

  describe('x op ANY|SOME|ALL (subquery)', () => {
    beforeEach(async () => {
      await h.q(`INSERT INTO t VALUES ('x', 1, 10, 0), ('x', 2, 20, 0), ('x', 3, NULL, 0), ('y', 1, 30, 0)`);
      await h.q('CREATE TABLE u (ts TIMESTAMP TIME INDEX, v BIGINT)');
      await h.q('INSERT INTO u VALUES (1, 15), (2, 20)');
    });

    it('compares against every row, with three-valued logic', async () => {
      const q = async (pred: string) => (await h.rows(`SELECT ${pred} FROM t ORDER BY k, ts`)).map((r) => r[0]);
      // a: 10, 20, NULL, 30 against {15, 20}
      expect(await q('a > ANY (SELECT v FROM u)')).to.deep.equal([false, true, null, true]);
      expect(await q('a >= ALL (SELECT v FROM u)')).to.deep.equal([false, true, null, true]);
      expect(await q('a = SOME (SELECT v FROM u)')).to.deep.equal([false, true, null, false]);
      expect(await q('a <> ALL (SELECT v FROM u)')).to.deep.equal([true, false, null, true]);
      expect(await q('a <> ANY (SELECT v FROM u)')).to.deep.equal([true, true, null, true]);
      expect(await q('a < ALL (SELECT v FROM u)')).to.deep.equal([true, false, null, false]);
      expect(await q('a <= ANY (SELECT v FROM u)')).to.deep.equal([true, true, null, false]);
      // x = ANY (q) is x IN (q).
      expect(await q('a = ANY (SELECT v FROM u)')).to.deep.equal(await q('a IN (SELECT v FROM u)'));
    });

    it('over no rows ANY is false and ALL true; a NULL row makes a miss unknown', async () => {
      const q = async (pred: string) => (await h.rows(`SELECT ${pred} FROM t ORDER BY k, ts`)).map((r) => r[0]);
      expect(await q('a > ANY (SELECT v FROM u WHERE v > 100)')).to.deep.equal([false, false, false, false]);
      expect(await q('a > ALL (SELECT v FROM u WHERE v > 100)')).to.deep.equal([true, true, true, true]);
      await h.q('INSERT INTO u VALUES (3, NULL)');
      expect(await q('a > ANY (SELECT v FROM u)')).to.deep.equal([null, true, null, true]);
      // 20 > 20 is false whatever the NULL is; 30 beats every known value but not the NULL.
      expect(await q('a > ALL (SELECT v FROM u)')).to.deep.equal([false, false, null, null]);
      expect(await h.rows('SELECT count(*) FROM t WHERE a < ALL (SELECT v FROM u WHERE v IS NOT NULL)')).to.deep.equal([[1]]);
    });

    it('works correlated, in WHERE, with types compared as one', async () => {
      expect(await h.rows('SELECT k, ts FROM t WHERE a >= ALL (SELECT a FROM t t2 WHERE t2.k = t.k AND t2.a IS NOT NULL) ORDER BY k'))
        .to.deep.equal([['x', 2], ['y', 1]]);
      expect(await h.rows('SELECT count(*) FROM t WHERE a > ANY (SELECT v * 1.0 FROM u)')).to.deep.equal([[2]]);
      await fails('SELECT a > ANY (SELECT v, v FROM u) FROM t', 'PLAN_QUERY', '> ANY (subquery) must return one column');
    });
  });

  describe('MODIFY COLUMN ... SET DEFAULT / DROP DEFAULT', () => {
    it('changes the default later writes get; SHOW CREATE TABLE shows it', async () => {
      await h.q('ALTER TABLE t ADD COLUMN m TIMESTAMP DEFAULT \'2024-01-30 00:00:00\'');
      await h.q("ALTER TABLE t MODIFY COLUMN a SET DEFAULT 101, MODIFY COLUMN m SET DEFAULT '2024-02-01 00:00:00', MODIFY COLUMN b SET DEFAULT 2");
      const ddl = String((await h.q('SHOW CREATE TABLE t')).rows[0]![1]);
      expect(ddl).to.contain('"a" BIGINT NULL DEFAULT 101');
      expect(ddl).to.contain('"b" DOUBLE NOT NULL DEFAULT 2');
      expect(ddl).to.contain("DEFAULT '2024-02-01 00:00:00+0000'");
      await h.q("INSERT INTO t VALUES ('x', 1, DEFAULT, DEFAULT, DEFAULT)");
      await h.q("INSERT INTO t (k, ts) VALUES ('y', 2)");
      expect(await h.rows('SELECT k, a, b, m FROM t ORDER BY k')).to.deep.equal([['x', 101, 2, Date.UTC(2024, 1, 1)], ['y', 101, 2, Date.UTC(2024, 1, 1)]]);
    });

    it('DROP DEFAULT (and the ALTER COLUMN / UNSET spellings) leaves NULL as the default', async () => {
      await h.q('ALTER TABLE t MODIFY COLUMN a DROP DEFAULT');
      expect(String((await h.q('SHOW CREATE TABLE t')).rows[0]![1])).to.contain('"a" BIGINT NULL,');
      await h.q("INSERT INTO t VALUES ('x', 1, DEFAULT, 1)");
      expect(await h.rows('SELECT a FROM t')).to.deep.equal([[null]]);
      await h.q('ALTER TABLE t ALTER COLUMN a SET DEFAULT 5');
      await h.q("INSERT INTO t (k, ts, b) VALUES ('x', 2, 1)");
      await h.q('ALTER TABLE t MODIFY COLUMN a UNSET DEFAULT');
      await h.q("INSERT INTO t (k, ts, b) VALUES ('x', 3, 1)");
      expect(await h.rows('SELECT a FROM t ORDER BY ts')).to.deep.equal([[null], [5], [null]]);
    });

    it("refuses what GreptimeDB refuses: a NOT NULL column's default dropped or set NULL, a bad value, an unknown column", async () => {
      await fails('ALTER TABLE t MODIFY COLUMN b DROP DEFAULT', 'INVALID_ARGUMENTS', 'column b is not nullable and `default` cannot be dropped');
      await fails('ALTER TABLE t MODIFY COLUMN b SET DEFAULT NULL', 'INVALID_ARGUMENTS', 'default value should not be null for non null column b');
      await fails('ALTER TABLE t MODIFY COLUMN a SET DEFAULT "not allow"', 'UNSUPPORTED', 'Unsupported expr in default constraint: "not allow" for column: a');
      await fails("ALTER TABLE t MODIFY COLUMN a SET DEFAULT 'abc'", 'INVALID_ARGUMENTS', /abc/);
      await fails('ALTER TABLE t MODIFY COLUMN nope SET DEFAULT 1', 'TABLE_COLUMN_NOT_FOUND', 'nope');
      // Nothing changed.
      expect(String((await h.q('SHOW CREATE TABLE t')).rows[0]![1])).to.contain('"a" BIGINT NULL DEFAULT 7');
    });
  });

  describe('MODIFY COLUMN c <type> with a default', () => {
    it('casts the default with the column, so later writes that leave it out get the new type', async () => {
      await h.q("ALTER TABLE t ADD COLUMN s STRING DEFAULT ' 12 '");
      await h.q('ALTER TABLE t MODIFY COLUMN s DOUBLE');
      expect(String((await h.q('SHOW CREATE TABLE t')).rows[0]![1])).to.contain('"s" DOUBLE NULL DEFAULT 12');
      await h.q("INSERT INTO t (k, ts, b) VALUES ('z', 9, 1)");
      const r = await h.q("SELECT s FROM t WHERE k = 'z'");
      expect(r.rows).to.deep.equal([[12]]);
      expect(r.types[0]).to.equal('Float64');
    });

    it('refuses the change when the new type cannot hold the default, and changes nothing', async () => {
      await h.q("ALTER TABLE t ADD COLUMN s STRING DEFAULT 'twelve'");
      await fails('ALTER TABLE t MODIFY COLUMN s DOUBLE', 'INVALID_ARGUMENTS', "the default of column 's' (twelve) cannot be cast to type 'Float64'");
      expect(String((await h.q('SHOW CREATE TABLE t')).rows[0]![1])).to.contain('"s" STRING NULL DEFAULT \'twelve\'');
      await h.q('ALTER TABLE t MODIFY COLUMN s DROP DEFAULT');
      await h.q('ALTER TABLE t MODIFY COLUMN s DOUBLE');
      await h.q("INSERT INTO t (k, ts, b) VALUES ('z', 9, 1)");
      expect(await h.rows("SELECT s FROM t WHERE k = 'z'")).to.deep.equal([[null]]);
    });
  });

  describe('SHOW VARIABLES name', () => {
    it("answers one column named after the variable, upper-cased, as GreptimeDB does", async () => {
      await h.q("SET time_zone = '+08:00'");
      const r = await h.q('SHOW VARIABLES time_zone');
      expect(r.columns).to.deep.equal(['TIME_ZONE']);
      expect(r.rows).to.deep.equal([['+08:00']]);
      expect((await h.q('SHOW VARIABLES system_time_zone')).columns).to.deep.equal(['SYSTEM_TIME_ZONE']);
      await fails('SHOW VARIABLES no_such_thing', 'UNSUPPORTED', 'Unsupported variable: NO_SUCH_THING');
      // The LIKE form still lists name/value pairs.
      expect((await h.q("SHOW VARIABLES LIKE 'time_zone'")).rows).to.deep.equal([['time_zone', '+08:00']]);
    });
  });
});
