import { expect } from 'chai';
import type * as ast from '../../src/sql/ast.js';
import { exprOf, parseAll, parseKind, queryOf, selectOf, show, shown, strip } from './parser-helpers.js';
import { parseSql, placeholderCount } from '../../src/sql/parser/parse-sql.js';

describe('sql parser: statements', () => {
  describe('script splitting', () => {
    it('splits on ; ignoring empty statements, semicolons in strings and comments', () => {
      const sql = "SELECT 1; ;; SELECT ';' -- ; \n; /* ; */ SELECT 3;";
      const all = parseAll(sql);
      expect(all.map((s) => s.kind)).to.deep.equal(['QueryStatement', 'QueryStatement', 'QueryStatement']);
      expect(all.map((s) => s.text)).to.deep.equal(['SELECT 1', "SELECT ';'", 'SELECT 3']);
      for (const s of all) expect(sql.slice(s.span.start, s.span.end)).to.equal(s.text);
      expect(parseAll('  -- only a comment\n ; ')).to.deep.equal([]);
      expect(parseAll('')).to.deep.equal([]);
    });

    it('statement spans carry line and column', () => {
      const all = parseAll('SELECT 1;\n\n  SHOW TABLES');
      expect(all[1]!.span).to.include({ line: 3, column: 3 });
      expect(all[1]!.text).to.equal('SHOW TABLES');
    });

    it('comments: --, # and /* */', () => {
      const s = selectOf('SELECT a, -- first\n b /* second */ FROM t # third');
      expect(s.items).to.have.length(2);
    });
  });

  describe('placeholders', () => {
    it('placeholderCount gives the number of parameters', () => {
      expect(placeholderCount(parseAll('SELECT * FROM t WHERE a = ? AND b IN (?, ?) LIMIT ?')[0])).to.equal(4);
      expect(placeholderCount(parseAll('SELECT $2, $1')[0])).to.equal(2);
      expect(placeholderCount(parseAll('INSERT INTO t VALUES (?, ?), (?, ?)')[0])).to.equal(4);
      expect(placeholderCount(parseAll('SELECT 1')[0])).to.equal(0);
      const [a, b] = parseAll('SELECT ?; SELECT ?, ?');
      expect([placeholderCount(a), placeholderCount(b)]).to.deep.equal([1, 2]);
    });
  });

  describe('databases', () => {
    it('CREATE DATABASE / SCHEMA with IF NOT EXISTS and options', () => {
      expect(strip(parseKind('CREATE DATABASE IF NOT EXISTS Test', 'CreateDatabase'))).to.deep.include({ name: 'test', ifNotExists: true, options: [] });
      expect(parseKind("CREATE SCHEMA s WITH (ttl='7d')", 'CreateDatabase').options).to.deep.equal([{ key: 'ttl', value: '7d' }]);
      expect(parseKind('CREATE DATABASE d', 'CreateDatabase').ifNotExists).to.equal(false);
    });
    it('DROP DATABASE [IF EXISTS] and USE', () => {
      expect(parseKind('DROP DATABASE IF EXISTS d', 'DropDatabase')).to.include({ name: 'd', ifExists: true });
      expect(parseKind('DROP SCHEMA d', 'DropDatabase')).to.include({ ifExists: false });
      expect(parseKind('USE "MyDb"', 'Use').database).to.equal('MyDb');
      expect(parseKind('use public', 'Use').database).to.equal('public');
    });
  });

  describe('CREATE TABLE', () => {
    it('columns, constraints, engine and options', () => {
      const c = parseKind(`CREATE TABLE IF NOT EXISTS monitor (
          host STRING,
          ts TIMESTAMP DEFAULT CURRENT_TIMESTAMP() NOT NULL COMMENT 'time',
          cpu DOUBLE DEFAULT 0,
          memory DOUBLE NULL,
          TIME INDEX (ts),
          PRIMARY KEY(host)) ENGINE=mito WITH(ttl='7d', append_mode='true')`, 'CreateTable');
      expect(c.ifNotExists).to.equal(true);
      expect(c.name.name).to.equal('monitor');
      expect(c.columns.map((x) => x.name)).to.deep.equal(['host', 'ts', 'cpu', 'memory']);
      expect(c.columns.map((x) => x.type.name)).to.deep.equal(['STRING', 'TIMESTAMP', 'DOUBLE', 'DOUBLE']);
      expect(c.columns[1]).to.include({ nullable: false, comment: 'time' });
      expect(show(c.columns[1]!.default!)).to.equal('current_timestamp()');
      expect(show(c.columns[2]!.default!)).to.equal('0');
      expect(c.columns[3]!.nullable).to.equal(true);
      expect(c.columns[0]!.nullable).to.equal(undefined);
      expect(c.timeIndex).to.equal('ts');
      expect(c.primaryKey).to.deep.equal(['host']);
      expect(c.engine).to.equal('mito');
      expect(c.options).to.deep.equal([{ key: 'ttl', value: '7d' }, { key: 'append_mode', value: 'true' }]);
    });

    it('inline TIME INDEX and PRIMARY KEY, many type spellings', () => {
      const c = parseKind(`CREATE TABLE t (ts TIMESTAMP(3) TIME INDEX, host STRING PRIMARY KEY, dc String,
        v FLOAT64, n BIGINT UNSIGNED, d DECIMAL(10, 2), x DOUBLE PRECISION, j JSON, b VARBINARY, dt DATETIME,
        i INTERVAL, u UINT8, tm TimestampNanosecond, s VARCHAR(255), ms TIMESTAMP_MS)`, 'CreateTable');
      expect(c.timeIndex).to.equal('ts');
      expect(c.primaryKey).to.deep.equal(['host']);
      expect(c.columns[0]!.type).to.deep.include({ name: 'TIMESTAMP', args: [3] });
      expect(c.columns[4]!.type).to.deep.include({ name: 'BIGINT', unsigned: true });
      expect(c.columns[5]!.type).to.deep.include({ name: 'DECIMAL', args: [10, 2] });
      expect(c.columns[6]!.type.name).to.equal('DOUBLE PRECISION');
      expect(c.columns[12]!.type.name).to.equal('TIMESTAMPNANOSECOND');
      expect(c.columns[14]!.type.name).to.equal('TIMESTAMP_MS');
    });

    it('a column named time; the primary key is given once (GreptimeDB: inline on one column, or PRIMARY KEY (...))', () => {
      const c = parseKind('CREATE TABLE t (time TIMESTAMP TIME INDEX, b STRING, a STRING, PRIMARY KEY (a, b))', 'CreateTable');
      expect(c.timeIndex).to.equal('time');
      expect(c.primaryKey).to.deep.equal(['a', 'b']);
      expect(() => parseSql('CREATE TABLE t (time TIMESTAMP TIME INDEX, b STRING PRIMARY KEY, a STRING, PRIMARY KEY (a))'))
        .to.throw(/Illegal primary keys definition: found definitions of primary keys in multiple places/);
      expect(() => parseSql('CREATE TABLE t (ts TIMESTAMP TIME INDEX, host STRING PRIMARY KEY, dc STRING PRIMARY KEY)'))
        .to.throw(/not allowed to inline multiple primary keys in columns options \(host, dc\)/);
    });

    it('PARTITION ON COLUMNS with rules', () => {
      const c = parseKind(`CREATE TABLE p (a INT, ts TIMESTAMP TIME INDEX, PRIMARY KEY (a))
        PARTITION ON COLUMNS (a) (a < 10, a >= 10 AND a < 20, a >= 20) ENGINE=mito`, 'CreateTable');
      expect(c.partition!.columns).to.deep.equal(['a']);
      expect(c.partition!.rules.map(show)).to.deep.equal(['(a < 10)', '((a >= 10) AND (a < 20))', '(a >= 20)']);
      expect(c.engine).to.equal('mito');
    });

    it('index options on columns and quoted/dotted option keys', () => {
      const c = parseKind(`CREATE TABLE t (msg TEXT FULLTEXT INDEX WITH (analyzer = 'English', case_sensitive = 'false'),
        ts TIMESTAMP TIME INDEX, h STRING SKIPPING INDEX, k STRING INVERTED INDEX)
        WITH ('compaction.type'='twcs', compaction.twcs.time_window = '1h', n = 3)`, 'CreateTable');
      expect(c.columns[0]!.indexes).to.deep.equal([{ kind: 'fulltext', options: [{ key: 'analyzer', value: 'English' }, { key: 'case_sensitive', value: 'false' }] }]);
      expect(c.columns[2]!.indexes![0]!.kind).to.equal('skipping');
      expect(c.columns[3]!.indexes![0]!.kind).to.equal('inverted');
      expect(c.options).to.deep.equal([
        { key: 'compaction.type', value: 'twcs' }, { key: 'compaction.twcs.time_window', value: '1h' }, { key: 'n', value: '3' }]);
    });

    it("parses GreptimeDB's SHOW CREATE TABLE output back", () => {
      const c = parseKind(`CREATE TABLE IF NOT EXISTS "monitor" (
  "host" STRING NULL,
  "ts" TIMESTAMP(3) NOT NULL DEFAULT current_timestamp(),
  "cpu" DOUBLE NULL DEFAULT 0,
  "n" UINT64 NULL DEFAULT 18446744073709551615,
  "f" FLOAT32 NULL, "b" BOOLEAN NULL DEFAULT true, "bin" BINARY NULL, "d" DATE NULL, "i8" INT8 NULL,
  "dec" DECIMAL(38, 10) NULL, "iv" INTERVAL NULL, "t0" TIMESTAMP(0) NULL, "t9" TIMESTAMP(9) NULL,
  "s" STRING NULL DEFAULT 'it''s' COMMENT 'a ''quoted'' comment',
  TIME INDEX ("ts"),
  PRIMARY KEY ("host")
)
PARTITION ON COLUMNS ("host") (
  host < 'm',
  host >= 'm'
)

ENGINE=mito
WITH(
  append_mode = 'true',
  ttl = '7d',
  compaction.type = 'twcs'
)`, 'CreateTable');
      expect(c.name.name).to.equal('monitor');
      expect(c.timeIndex).to.equal('ts');
      expect(c.primaryKey).to.deep.equal(['host']);
      expect(c.columns).to.have.length(14);
      expect((c.columns[3]!.default as ast.NumberLiteral).value).to.equal(18446744073709551615n);
      expect(c.columns[13]).to.include({ comment: "a 'quoted' comment" });
      expect(show(c.columns[13]!.default!)).to.equal("'it''s'");
      expect(c.partition!.rules).to.have.length(2);
      expect(c.options.map((o) => o.key)).to.deep.equal(['append_mode', 'ttl', 'compaction.type']);
    });

    it('qualified table name', () => {
      const c = parseKind('CREATE TABLE mydb.t (ts TIMESTAMP TIME INDEX)', 'CreateTable');
      expect(c.name).to.include({ database: 'mydb', name: 't' });
    });
  });

  describe('ALTER / DROP / TRUNCATE', () => {
    it('ADD COLUMN with IF NOT EXISTS and position', () => {
      const a = parseKind('ALTER TABLE t ADD COLUMN IF NOT EXISTS c INT DEFAULT 1 AFTER host', 'AlterTable');
      const act = a.actions[0] as Extract<ast.AlterTableAction, { kind: 'AddColumn' }>;
      expect(act.kind).to.equal('AddColumn');
      expect(act.ifNotExists).to.equal(true);
      expect(act.column.name).to.equal('c');
      expect(act.position).to.deep.equal({ kind: 'After', column: 'host' });
      const b = parseKind('ALTER TABLE t ADD COLUMN c STRING FIRST, ADD d INT', 'AlterTable');
      expect(b.actions.map((x) => x.kind)).to.deep.equal(['AddColumn', 'AddColumn']);
      expect((b.actions[0] as { position?: unknown }).position).to.deep.equal({ kind: 'First' });
    });
    it('DROP / MODIFY COLUMN, RENAME, SET and UNSET options', () => {
      expect(parseKind('ALTER TABLE t DROP COLUMN c', 'AlterTable').actions[0]).to.deep.equal({ kind: 'DropColumn', name: 'c', ifExists: false });
      const m = parseKind('ALTER TABLE t MODIFY COLUMN c DOUBLE NOT NULL', 'AlterTable').actions[0] as Extract<ast.AlterTableAction, { kind: 'ModifyColumn' }>;
      expect(m).to.include({ kind: 'ModifyColumn', name: 'c', nullable: false });
      expect(m.type.name).to.equal('DOUBLE');
      const r = parseKind('ALTER TABLE t RENAME t2', 'AlterTable').actions[0] as Extract<ast.AlterTableAction, { kind: 'RenameTable' }>;
      expect(r.newName.name).to.equal('t2');
      expect(parseKind("ALTER TABLE t SET 'ttl'='1d', 'compaction.twcs.time_window'='1h'", 'AlterTable').actions[0]).to.deep.equal(
        { kind: 'SetOptions', options: [{ key: 'ttl', value: '1d' }, { key: 'compaction.twcs.time_window', value: '1h' }] });
      expect(parseKind("ALTER TABLE t UNSET 'ttl'", 'AlterTable').actions[0]).to.deep.equal({ kind: 'UnsetOptions', keys: ['ttl'] });
    });
    it('DROP TABLE lists and TRUNCATE', () => {
      const d = parseKind('DROP TABLE IF EXISTS a, db.b', 'DropTable');
      expect(d.ifExists).to.equal(true);
      expect(d.names.map((n) => `${n.database ?? ''}.${n.name}`)).to.deep.equal(['.a', 'db.b']);
      expect(parseKind('TRUNCATE TABLE t', 'Truncate').table.name).to.equal('t');
      expect(parseKind('TRUNCATE t', 'Truncate').table.name).to.equal('t');
    });
  });

  describe('SHOW and DESCRIBE', () => {
    it('SHOW DATABASES / TABLES with LIKE and WHERE', () => {
      expect(parseKind("SHOW DATABASES LIKE 'p%'", 'ShowDatabases').filter).to.deep.equal({ kind: 'Like', pattern: 'p%' });
      const t = parseKind("SHOW FULL TABLES FROM public WHERE name = 'x'", 'ShowTables');
      expect(t).to.include({ full: true, database: 'public' });
      expect(t.filter!.kind).to.equal('Where');
      expect(parseKind('SHOW TABLES', 'ShowTables')).to.include({ full: false });
      expect(parseKind('show tables in db', 'ShowTables').database).to.equal('db');
    });
    it('SHOW CREATE TABLE, COLUMNS, INDEX', () => {
      expect(parseKind('SHOW CREATE TABLE monitor', 'ShowCreateTable').table.name).to.equal('monitor');
      const c = parseKind("SHOW FULL COLUMNS IN t FROM db LIKE 'h%'", 'ShowColumns');
      expect(c.table).to.include({ name: 't', database: 'db' });
      expect(c.full).to.equal(true);
      expect(parseKind('SHOW COLUMNS FROM t', 'ShowColumns').table.name).to.equal('t');
      expect(parseKind('SHOW INDEX FROM t', 'ShowIndex').table.name).to.equal('t');
      expect(parseKind('SHOW INDEXES IN t IN d', 'ShowIndex').table).to.include({ database: 'd' });
    });
    it('SHOW VARIABLES / STATUS / FUNCTIONS and the PostgreSQL forms', () => {
      expect(parseKind("SHOW VARIABLES LIKE 'max%'", 'ShowVariables').filter).to.deep.equal({ kind: 'Like', pattern: 'max%' });
      expect(parseKind('SHOW GLOBAL VARIABLES', 'ShowVariables').scope).to.equal('GLOBAL');
      expect(parseKind('SHOW SESSION STATUS', 'ShowStatus').scope).to.equal('SESSION');
      expect(parseKind('SHOW STATUS', 'ShowStatus').scope).to.equal(undefined);
      expect(parseKind("SHOW FUNCTIONS LIKE 'date%'", 'ShowFunctions').filter).to.deep.equal({ kind: 'Like', pattern: 'date%' });
      expect(parseKind('SHOW search_path', 'ShowVariables').name).to.equal('search_path');
      expect(parseKind('SHOW ALL', 'ShowVariables').name).to.equal('all');
      expect(parseKind('SHOW TIME ZONE', 'ShowVariables').name).to.equal('time_zone');
      expect(parseKind('SHOW TRANSACTION ISOLATION LEVEL', 'ShowVariables').name).to.equal('transaction_isolation');
    });
    it('DESCRIBE / DESC [TABLE]', () => {
      expect(parseKind('DESCRIBE TABLE t', 'Describe').table.name).to.equal('t');
      expect(parseKind('DESC t', 'Describe').table.name).to.equal('t');
      expect(parseKind('describe db.t', 'Describe').table).to.include({ database: 'db', name: 't' });
    });
  });

  describe('INSERT and DELETE', () => {
    it('INSERT VALUES with columns and several rows', () => {
      const i = parseKind("INSERT INTO t (host, ts) VALUES ('a', 1), ('b', -2)", 'Insert');
      expect(i.columns!.map((c) => c.value)).to.deep.equal(['host', 'ts']);
      expect(i.source.kind).to.equal('Values');
      expect((i.source as ast.Values).rows.map((r) => r.map(show))).to.deep.equal([["'a'", '1'], ["'b'", '-2']]);
    });
    it('INSERT ... SELECT and INSERT with expressions', () => {
      const i = parseKind('INSERT INTO db.t SELECT * FROM u WHERE x > 1', 'Insert');
      expect(i.table).to.include({ database: 'db', name: 't' });
      expect(i.columns).to.equal(undefined);
      expect(i.source.kind).to.equal('Query');
      const j = parseKind('INSERT INTO t (a) VALUES (now()), (1 + 2)', 'Insert');
      expect((j.source as ast.Values).rows.map((r) => r.map(show))).to.deep.equal([['now()'], ['(1 + 2)']]);
    });
    it('DELETE with and without WHERE', () => {
      const d = parseKind("DELETE FROM t WHERE host = 'a' AND ts < 100", 'Delete');
      expect(show(d.where!)).to.equal("((host = 'a') AND (ts < 100))");
      expect(parseKind('DELETE FROM t', 'Delete').where).to.equal(undefined);
    });
  });

  describe('SELECT', () => {
    it('projections, wildcards and DISTINCT', () => {
      const s = selectOf('SELECT DISTINCT a AS x, t.*, db.u.*, * FROM t');
      expect(s.distinct).to.equal(true);
      expect(s.items.map((i) => i.kind)).to.deep.equal(['SelectExprItem', 'Wildcard', 'Wildcard', 'Wildcard']);
      expect(s.items[1]).to.include({ table: 't' });
      expect(s.items[2]).to.include({ database: 'db', table: 'u' });
      expect(selectOf('SELECT ALL a FROM t').distinct).to.equal(false);
    });

    it('joins: every kind, ON / USING, comma joins, left-associative', () => {
      const s = selectOf(`SELECT 1 FROM t1, t2 JOIN t3 ON t2.id = t3.id LEFT OUTER JOIN t4 USING (id, k)
        CROSS JOIN t5 FULL JOIN t6 ON true RIGHT JOIN t7 ON 1 = 1 INNER JOIN t8 ON x NATURAL LEFT JOIN t9`);
      expect(s.from).to.have.length(2);
      const kinds: string[] = [];
      let j = s.from[1]!;
      while (j.kind === 'Join') { kinds.unshift(`${j.natural ? 'NATURAL ' : ''}${j.joinType}`); j = j.left; }
      expect(kinds).to.deep.equal(['INNER', 'LEFT', 'CROSS', 'FULL', 'RIGHT', 'INNER', 'NATURAL LEFT']);
      expect(j).to.deep.include({ kind: 'NamedTable' });
      const left = ((s.from[1] as ast.JoinRef).left as ast.JoinRef).left as ast.JoinRef;
      expect(left.joinType).to.equal('RIGHT');
      expect(show(left.on!)).to.equal('(1 = 1)');
      const using = (((((s.from[1] as ast.JoinRef).left as ast.JoinRef).left as ast.JoinRef).left as ast.JoinRef).left as ast.JoinRef).left as ast.JoinRef;
      expect(using.using).to.deep.equal(['id', 'k']);
    });

    it('derived tables, aliases with column lists, parenthesized joins', () => {
      const s = selectOf('SELECT * FROM (SELECT 1 AS a) AS s(x) JOIN ((SELECT 2) UNION (SELECT 3)) u ON true');
      const j = s.from[0] as ast.JoinRef;
      expect(j.left).to.deep.include({ kind: 'DerivedTable', alias: { name: 's', columns: ['x'] } });
      expect((j.right as ast.DerivedTableRef).query.body.kind).to.equal('SetOperation');
      expect(selectOf('SELECT * FROM ((SELECT 1))').from[0]!.kind).to.equal('DerivedTable');
      expect(selectOf('SELECT * FROM (a JOIN b ON a.x = b.x)').from[0]!.kind).to.equal('Join');
      expect(selectOf('SELECT * FROM t AS x').from[0]).to.deep.include({ alias: { name: 'x' } });
      expect(selectOf('SELECT * FROM t x').from[0]).to.deep.include({ alias: { name: 'x' } });
    });

    it('WHERE, GROUP BY (ordinals and expressions), HAVING, ORDER BY with NULLS, LIMIT/OFFSET', () => {
      const q = queryOf('SELECT a, count(*) FROM t WHERE a > 0 GROUP BY 1, a + 1 HAVING count(*) > 1 ORDER BY a DESC NULLS FIRST, b ASC NULLS LAST, c LIMIT 5 OFFSET 10');
      const s = q.body as ast.Select;
      expect(show(s.where!)).to.equal('(a > 0)');
      expect(s.groupBy.map(show)).to.deep.equal(['1', '(a + 1)']);
      expect(show(s.having!)).to.equal('(count(*) > 1)');
      expect(q.orderBy.map((o) => [show(o.expr), o.desc, o.nulls])).to.deep.equal([['a', true, 'FIRST'], ['b', false, 'LAST'], ['c', false, undefined]]);
      expect(show(q.limit!)).to.equal('5');
      expect(show(q.offset!)).to.equal('10');
    });

    it('LIMIT m, n means OFFSET m LIMIT n; OFFSET alone', () => {
      const q = queryOf('SELECT a FROM t LIMIT 5, 10');
      expect(show(q.limit!)).to.equal('10');
      expect(show(q.offset!)).to.equal('5');
      const r = queryOf('SELECT a FROM t OFFSET 3');
      expect(r.limit).to.equal(undefined);
      expect(show(r.offset!)).to.equal('3');
    });

    it('set operations: INTERSECT binds tighter, left-associative, ORDER BY/LIMIT apply to the whole', () => {
      const q = queryOf('SELECT 1 UNION SELECT 2 UNION ALL SELECT 3 INTERSECT SELECT 4 EXCEPT SELECT 5 ORDER BY 1 LIMIT 2');
      const render = (b: ast.SetExpr): string => {
        if (b.kind === 'SetOperation') return `(${render(b.left)} ${b.op}${b.all ? ' ALL' : ''} ${render(b.right)})`;
        if (b.kind === 'Select') return show((b.items[0] as ast.SelectExprItem).expr);
        if (b.kind === 'Query') return `[${render(b.body)}]`;
        return 'VALUES';
      };
      expect(render(q.body)).to.equal('(((1 UNION 2) UNION ALL (3 INTERSECT 4)) EXCEPT 5)');
      expect(q.orderBy).to.have.length(1);
      expect(show(q.limit!)).to.equal('2');
      const p = queryOf('(SELECT 1 ORDER BY 1 LIMIT 1) UNION ALL (SELECT 2) ORDER BY 1');
      expect(render(p.body)).to.equal('([1] UNION ALL 2)');
      expect(p.orderBy).to.have.length(1);
      expect(render(queryOf('SELECT 1 UNION DISTINCT SELECT 2 INTERSECT ALL SELECT 3').body)).to.equal('(1 UNION (2 INTERSECT ALL 3))');
    });

    it('WITH (CTEs), recursive, with column lists', () => {
      const q = queryOf('WITH a AS (SELECT 1 AS x), b(y) AS (SELECT x FROM a) SELECT * FROM b');
      expect(q.with!.ctes.map((c) => c.name)).to.deep.equal(['a', 'b']);
      expect(q.with!.ctes[1]!.columns).to.deep.equal(['y']);
      expect(q.with!.recursive).to.equal(false);
      expect(queryOf('WITH RECURSIVE r AS (SELECT 1) SELECT * FROM r').with!.recursive).to.equal(true);
    });

    it('VALUES as a query', () => {
      const q = queryOf('VALUES (1, 2), (3, 4)');
      expect(q.body.kind).to.equal('Values');
      expect((q.body as ast.Values).rows).to.have.length(2);
    });

    it('named windows', () => {
      const s = selectOf('SELECT sum(x) OVER w FROM t WINDOW w AS (PARTITION BY host ORDER BY ts)');
      expect(s.windows).to.have.length(1);
      expect(s.windows[0]!.name).to.equal('w');
      expect(s.windows[0]!.spec.partitionBy.map(show)).to.deep.equal(['host']);
    });

    it('SELECT without FROM and MySQL/PostgreSQL client probes', () => {
      expect(selectOf('SELECT @@version_comment LIMIT 1').from).to.deep.equal([]);
      const s = selectOf('SELECT @@session.auto_increment_increment AS auto_increment_increment, @@character_set_client AS character_set_client');
      expect(s.items.map((i) => (i as ast.SelectExprItem).alias)).to.deep.equal(['auto_increment_increment', 'character_set_client']);
      expect(show((selectOf('SELECT DATABASE()').items[0] as ast.SelectExprItem).expr)).to.equal('database()');
      expect(show((selectOf('select version()').items[0] as ast.SelectExprItem).expr)).to.equal('version()');
      expect(show((selectOf('SELECT current_schema()').items[0] as ast.SelectExprItem).expr)).to.equal('current_schema()');
    });
  });

  describe('range queries', () => {
    it('RANGE/FILL on aggregates and ALIGN ... TO ... BY ... FILL', () => {
      const q = queryOf("SELECT ts, host, avg(cpu) RANGE '5m' FILL LINEAR FROM t WHERE host = 'a' ALIGN '1m' TO NOW BY (host) FILL PREV ORDER BY ts");
      const s = q.body as ast.Select;
      const r = (s.items[2] as ast.SelectExprItem).expr as ast.RangeExpr;
      expect(r.kind).to.equal('RangeExpr');
      expect(show(r.range)).to.equal("'5m'");
      expect(r.fill).to.deep.equal({ kind: 'FillLinear' });
      expect(s.align!.to).to.deep.equal({ kind: 'AlignToNow' });
      expect(s.align!.by!.map(show)).to.deep.equal(['host']);
      expect(s.align!.fill).to.deep.equal({ kind: 'FillPrev' });
      expect(show(s.align!.interval)).to.equal("'1m'");
      expect(q.orderBy).to.have.length(1);
    });
    it('ALIGN variants: TO CALENDAR, TO a timestamp, BY (), interval expressions, FILL value', () => {
      expect(selectOf("SELECT avg(v) RANGE '5m' FROM t ALIGN '1m' TO CALENDAR BY ()").align).to.deep.include({ to: { kind: 'AlignToCalendar' }, by: [] });
      const t = selectOf("SELECT avg(v) RANGE '5m' FROM t ALIGN '1m' TO '2024-01-01T00:00:00Z'").align!;
      expect(t.to!.kind).to.equal('AlignToExpr');
      const i = selectOf("SELECT avg(v) RANGE '5m' FROM t ALIGN (INTERVAL '1 minute') BY (host, region) FILL 0").align!;
      expect(i.interval.kind).to.equal('IntervalLiteral');
      expect(i.by!.map(show)).to.deep.equal(['host', 'region']);
      expect(i.fill).to.deep.include({ kind: 'FillValue' });
      expect(selectOf("SELECT avg(v) RANGE '5m' FROM t ALIGN '1m'").align!.by).to.equal(undefined);
    });
  });

  describe('EXPLAIN, ADMIN, SET, functions, TQL, transactions', () => {
    it('EXPLAIN [ANALYZE] [VERBOSE] [FORMAT] with the inner statement and its text', () => {
      const e = parseKind('EXPLAIN ANALYZE VERBOSE SELECT * FROM t', 'Explain');
      expect(e).to.include({ analyze: true, verbose: true });
      expect(e.statement.kind).to.equal('QueryStatement');
      expect(e.statement.text).to.equal('SELECT * FROM t');
      expect(parseKind('EXPLAIN SELECT 1', 'Explain')).to.include({ analyze: false, verbose: false });
      expect(parseKind('EXPLAIN FORMAT JSON SELECT 1', 'Explain').format).to.equal('json');
      expect(parseKind('EXPLAIN INSERT INTO t VALUES (1)', 'Explain').statement.kind).to.equal('Insert');
    });
    it('ADMIN function calls', () => {
      expect(show(parseKind("ADMIN flush_table('t')", 'Admin').call)).to.equal("flush_table('t')");
      expect(show(parseKind("ADMIN compact_table('t', 'regular', '1')", 'Admin').call)).to.equal("compact_table('t', 'regular', '1')");
    });
    it('SET forms sent by MySQL and PostgreSQL clients', () => {
      const a = (sql: string) => parseKind(sql, 'SetVariable').assignments.map((x) => `${x.scope ?? ''}:${x.name}=${show(x.value)}`);
      expect(a("SET time_zone = '+08:00'")).to.deep.equal([":time_zone='+08:00'"]);
      expect(a("SET SESSION sql_mode = 'x', autocommit = 1")).to.deep.equal(["SESSION:sql_mode='x'", ':autocommit=1']);
      expect(a('SET @@session.autocommit = ON')).to.deep.equal(['SESSION:autocommit=on']);
      expect(a('SET GLOBAL x TO DEFAULT')).to.deep.equal(['GLOBAL:x=default']);
      expect(a('SET search_path TO public, "$user"')).to.deep.equal([':search_path=ROW(public, $user)']);
      expect(a("SET TIME ZONE 'UTC'")).to.deep.equal([":time_zone='UTC'"]);
      expect(a('SET extra_float_digits = 3')).to.deep.equal([':extra_float_digits=3']);
      expect(a('SET DateStyle = ISO')).to.deep.equal([':datestyle=iso']);
      expect(a('SET character_set_results = NULL')).to.deep.equal([':character_set_results=NULL']);
      expect(a('SET @x = 1')).to.deep.equal([':@x=1']);
      expect(a('SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED')).to.deep.equal(["SESSION:transaction_isolation='READ COMMITTED'"]);
      expect(a('SET TRANSACTION READ ONLY, ISOLATION LEVEL SERIALIZABLE')).to.deep.equal([':transaction_read_only=1', ":transaction_isolation='SERIALIZABLE'"]);
      expect(a('SET SESSION CHARACTERISTICS AS TRANSACTION ISOLATION LEVEL REPEATABLE READ')).to.deep.equal(["SESSION:transaction_isolation='REPEATABLE READ'"]);
      expect(a('set global transaction read write')).to.deep.equal(['GLOBAL:transaction_read_only=0']);
      expect(a('SET transaction = 1')).to.deep.equal([':transaction=1']);
      expect(parseKind('SET NAMES utf8mb4', 'SetNames')).to.include({ charset: 'utf8mb4' });
      expect(parseKind("SET NAMES 'UTF8MB4' COLLATE utf8mb4_general_ci", 'SetNames')).to.include({ charset: 'utf8mb4', collate: 'utf8mb4_general_ci' });
      expect(parseKind('SET NAMES DEFAULT', 'SetNames')).to.include({ charset: 'default' });
    });
    it('CREATE FUNCTION / DROP FUNCTION', () => {
      const f = parseKind("CREATE FUNCTION clamp(x DOUBLE, lo DOUBLE, DOUBLE) RETURNS DOUBLE LANGUAGE js AS './clamp.js'", 'CreateFunction');
      expect(f).to.include({ functionKind: 'scalar', orReplace: false, ifNotExists: false, language: 'js', source: './clamp.js' });
      expect(f.params!.map((p) => `${p.name ?? '_'}:${p.type.name}`)).to.deep.equal(['x:DOUBLE', 'lo:DOUBLE', '_:DOUBLE']);
      expect(f.returns!.name).to.equal('DOUBLE');
      const g = parseKind("CREATE OR REPLACE AGGREGATE FUNCTION IF NOT EXISTS wavg AS '/x/y.js' WITH (export = 'wavg')", 'CreateFunction');
      expect(g).to.include({ functionKind: 'aggregate', orReplace: true, ifNotExists: true });
      expect(g.params).to.equal(undefined);
      expect(g.options).to.deep.equal([{ key: 'export', value: 'wavg' }]);
      expect(parseKind("CREATE WINDOW FUNCTION ema() AS 'e.js'", 'CreateFunction')).to.deep.include({ functionKind: 'window', params: [] });
      expect(parseKind('DROP FUNCTION IF EXISTS clamp', 'DropFunction')).to.deep.include({ ifExists: true });
    });
    it('TQL keeps the PromQL text raw', () => {
      const t = parseKind('TQL EVAL (0, 10, \'5s\') sum by (host) (rate(cpu{job="x", a=~"b.*"}[5m]))', 'Tql');
      expect(t.command).to.equal('EVAL');
      expect([show(t.start!), show(t.end!), show(t.step!)]).to.deep.equal(['0', '10', "'5s'"]);
      expect(t.query).to.equal('sum by (host) (rate(cpu{job="x", a=~"b.*"}[5m]))');
      const u = parseAll("TQL EVAL (now() - interval '5m', now(), '1s', '5m') up; SELECT 1")[0] as ast.TqlStatement;
      expect(show(u.lookback!)).to.equal("'5m'");
      expect(u.query).to.equal('up');
      expect(parseAll("TQL EXPLAIN (0, 10, '5s') up; SELECT 1").map((s) => s.kind)).to.deep.equal(['Tql', 'QueryStatement']);
    });
    it('TQL EXPLAIN ANALYZE [VERBOSE] is one command; the parameters are optional', () => {
      const a = parseKind("TQL EXPLAIN ANALYZE (0, 10, '5s') rate(x[1m])", 'Tql');
      expect(a).to.deep.include({ command: 'ANALYZE', verbose: false, query: 'rate(x[1m])' });
      const v = parseKind("TQL EXPLAIN ANALYZE VERBOSE (0, 10, '5s') x", 'Tql');
      expect(v).to.deep.include({ command: 'ANALYZE', verbose: true, query: 'x' });
      // Without parameters the PromQL starts right after the command words, even with a parenthesis.
      const n = parseKind('TQL EXPLAIN ANALYZE sum by (host) (rate(cpu[5m]))', 'Tql');
      expect(n).to.deep.include({ command: 'ANALYZE', query: 'sum by (host) (rate(cpu[5m]))' });
      expect(n.start).to.equal(undefined);
      expect(parseKind('TQL EXPLAIN VERBOSE up', 'Tql')).to.deep.include({ command: 'EXPLAIN', verbose: true, query: 'up' });
      expect(parseAll('TQL EVAL up; SELECT 1').map((s) => s.kind)).to.deep.equal(['Tql', 'QueryStatement']);
    });
    it('transaction statements are accepted', () => {
      expect(parseKind('BEGIN', 'Transaction').action).to.equal('BEGIN');
      expect(parseKind('START TRANSACTION', 'Transaction').action).to.equal('BEGIN');
      expect(parseKind('COMMIT', 'Transaction').action).to.equal('COMMIT');
      expect(parseKind('ROLLBACK', 'Transaction').action).to.equal('ROLLBACK');
    });
  });

  describe('GreptimeDB syntax added later (each form parses exactly once)', () => {
    it('SHOW TABLE STATUS [FROM|IN db] [LIKE|WHERE]', () => {
      expect(strip(parseKind('SHOW TABLE STATUS', 'ShowTableStatus'))).to.deep.include({ kind: 'ShowTableStatus' });
      expect(parseKind('SHOW TABLE STATUS', 'ShowTableStatus').database).to.equal(undefined);
      const s = parseKind("SHOW TABLE STATUS FROM db LIKE 'cpu%'", 'ShowTableStatus');
      expect(s).to.deep.include({ database: 'db', filter: { kind: 'Like', pattern: 'cpu%' } });
      const w = parseKind("show table status in public where Name = 'x'", 'ShowTableStatus');
      expect(w.database).to.equal('public');
      expect(show((w.filter as { expr: ast.Expr }).expr)).to.equal("(name = 'x')");
      // SHOW TABLES and a table named status are untouched.
      expect(parseKind('SHOW TABLES', 'ShowTables').full).to.equal(false);
      expect(parseKind('SHOW CREATE TABLE status', 'ShowCreateTable').table.name).to.equal('status');
    });
    it('CREATE TABLE [IF NOT EXISTS] t LIKE [db.]source', () => {
      expect(strip(parseKind('CREATE TABLE t2 LIKE t1', 'CreateTableLike'))).to.deep.include({ ifNotExists: false });
      const c = parseKind('CREATE TABLE IF NOT EXISTS d2.t2 LIKE d1.t1', 'CreateTableLike');
      expect(c.ifNotExists).to.equal(true);
      expect(c.name).to.include({ database: 'd2', name: 't2' });
      expect(c.source).to.include({ database: 'd1', name: 't1' });
      // A table named like is a CREATE TABLE as before.
      expect(parseKind('CREATE TABLE "like" (ts TIMESTAMP TIME INDEX)', 'CreateTable').name.name).to.equal('like');
    });
    it('DEFAULT as a VALUES item, through the INSERT fast path and the grammar alike', () => {
      const sql = "INSERT INTO t (host, ts, v) VALUES ('a', 1, DEFAULT), (DEFAULT, now(), 2.5)";
      const fast = parseKind(sql, 'Insert');
      const rows = (fast.source as ast.Values).rows;
      expect(rows.map((r) => r.map(show))).to.deep.equal([["'a'", '1', 'DEFAULT'], ['DEFAULT', 'now()', '2.5']]);
      expect(rows[0]![2]!.kind).to.equal('DefaultValue');
      const slow = parseAll(sql, { fastInsert: false })[0]!;
      expect(strip(slow)).to.deep.equal(strip(fast));
      // DEFAULT is still no expression: DEFAULT + 1 is a syntax error.
      expect(() => parseAll('INSERT INTO t VALUES (DEFAULT + 1)')).to.throw(/syntax error/i);
    });
    it('SELECT DISTINCT ON (exprs)', () => {
      const s = selectOf('SELECT DISTINCT ON (host, ts) host, v FROM t ORDER BY host, ts DESC');
      expect(s.distinct).to.equal(true);
      expect(s.distinctOn!.map(show)).to.deep.equal(['host', 'ts']);
      expect(selectOf('SELECT DISTINCT host FROM t').distinctOn).to.equal(undefined);
      expect(() => parseAll('SELECT DISTINCT ON () a FROM t')).to.throw(/syntax error/i);
    });
    it('IGNORE NULLS / RESPECT NULLS after a call', () => {
      const s = selectOf('SELECT lag(v) IGNORE NULLS OVER (ORDER BY ts), first_value(v) RESPECT NULLS OVER (), nth_value(v, 2) ignore nulls OVER w, f(v) ignore FROM t');
      const calls = s.items.map((i) => (i as ast.SelectExprItem).expr as ast.FunctionCall);
      expect(calls.map((c) => c.nullTreatment)).to.deep.equal(['IGNORE NULLS', 'RESPECT NULLS', 'IGNORE NULLS', undefined]);
      expect(calls.map((c) => c.over !== undefined)).to.deep.equal([true, true, true, false]);
      // `ignore` alone is still an alias.
      expect((s.items[3] as ast.SelectExprItem).alias).to.equal('ignore');
    });
    it('x op ANY|SOME|ALL (subquery) is an InSubqueryExpr with quantified', () => {
      expect(shown('a > ANY (SELECT b FROM u)')).to.equal('(a > ANY <query>)');
      expect(shown('a = SOME (SELECT b FROM u)')).to.equal('(a = ANY <query>)');
      expect(shown('a <> ALL (SELECT b FROM u)')).to.equal('(a <> ALL <query>)');
      expect(shown('a != all ((SELECT b FROM u))')).to.equal('(a <> ALL <query>)');
      // any((SELECT ...)) is not also read as a call of a function any.
      expect(shown('a = ANY ((SELECT b FROM u))')).to.equal('(a = ANY <query>)');
      expect(shown('a + 1 <= ALL (SELECT b FROM u) AND c')).to.equal('(((a + 1) <= ALL <query>) AND c)');
      const e = exprOf('a >= ANY (SELECT b FROM u)') as ast.InSubqueryExpr;
      expect(e).to.deep.include({ not: false, quantified: { op: '>=', all: false } });
      // Without a subquery, any(...) is still a function call.
      expect(shown('any(x)')).to.equal('any(x)');
      // Regex operators take no quantifier.
      expect(() => parseAll('SELECT a ~ ANY (SELECT b FROM u)')).to.throw(/syntax error/i);
    });
    it('MODIFY COLUMN c SET DEFAULT v / DROP DEFAULT, and the ALTER [COLUMN] spelling', () => {
      const a = parseKind("ALTER TABLE t MODIFY COLUMN l SET DEFAULT 201, MODIFY COLUMN m SET DEFAULT '2024-01-30 00:00:00', MODIFY n SET DEFAULT -1", 'AlterTable');
      expect(a.actions.map((x) => [x.kind, (x as { name: string }).name, show((x as { default: ast.Expr }).default)])).to.deep.equal([
        ['SetColumnDefault', 'l', '201'], ['SetColumnDefault', 'm', "'2024-01-30 00:00:00'"], ['SetColumnDefault', 'n', '-1']]);
      for (const sql of ['ALTER TABLE t MODIFY COLUMN k DROP DEFAULT', 'ALTER TABLE t MODIFY COLUMN k UNSET DEFAULT', 'ALTER TABLE t ALTER k DROP DEFAULT', 'ALTER TABLE t ALTER COLUMN k DROP DEFAULT']) {
        expect(parseKind(sql, 'AlterTable').actions, sql).to.deep.equal([{ kind: 'DropColumnDefault', name: 'k' }]);
      }
      expect(parseKind('ALTER TABLE t ALTER COLUMN k SET DEFAULT now()', 'AlterTable').actions[0]).to.include({ kind: 'SetColumnDefault', name: 'k' });
      // MODIFY COLUMN c type still parses as a type change.
      expect(parseKind('ALTER TABLE t MODIFY COLUMN c STRING', 'AlterTable').actions[0]!.kind).to.equal('ModifyColumn');
    });
    it('SHOW VARIABLES name', () => {
      expect(parseKind('SHOW VARIABLES system_time_zone', 'ShowVariables')).to.deep.include({ name: 'system_time_zone', variablesKeyword: true });
      expect(parseKind('SHOW VARIABLES session.time_zone', 'ShowVariables').name).to.equal('session.time_zone');
      // The LIKE and WHERE forms and PostgreSQL's SHOW name are unchanged.
      expect(parseKind("SHOW VARIABLES LIKE 'time%'", 'ShowVariables').variablesKeyword).to.equal(undefined);
      expect(parseKind('SHOW time_zone', 'ShowVariables').variablesKeyword).to.equal(undefined);
    });
  });
});
