import { expect } from 'chai';
import { SqlHarness } from '../support/sql-harness.js';

/**
 * Differences found by running GreptimeDB's own sqlness cases
 * (tests/cases/standalone/common/...) against Strata, second sweep (timestamp,
 * time zones, joins, ...); each describe names the case file whose expected
 * output it checks.
 */
describe('sql: GreptimeDB sqlness cases (sweep 2)', function () {
  this.timeout(20_000);
  let h: SqlHarness;
  beforeEach(async () => { h = await SqlHarness.start(); });
  afterEach(async () => { await h.stop(); });
  const fails = (sql: string, text: string): Promise<void> => h.fails(sql, text);

  describe('subquery/neumann.result', () => {
    it('a correlated scalar subquery in WHERE over a comma join stays a filter above the join', async () => {
      await h.q('CREATE TABLE students(id INTEGER, "name" VARCHAR, major VARCHAR, "year" INTEGER, ts TIMESTAMP TIME INDEX)');
      await h.q('CREATE TABLE exams(sid INTEGER, course VARCHAR, curriculum VARCHAR, grade INTEGER, "year" INTEGER, ts TIMESTAMP TIME INDEX)');
      await h.q(`INSERT INTO students VALUES (1, 'Mark', 'CS', 2017, 1), (2, 'Dirk', 'Physics', 2017, 2)`);
      await h.q(`INSERT INTO exams VALUES (1, 'Database Systems', 'CS', 10, 2015, 1), (1, 'Graphics', 'CS', 9, 2016, 2),
        (2, 'Database Systems', 'CS', 7, 2015, 3), (2, 'Graphics', 'CS', 7, 2016, 4)`);
      expect(await h.rows(`SELECT s."name", e.course, e.grade FROM students s, exams e
        WHERE s."id" = e.sid AND e.grade = (SELECT MAX(e2.grade) FROM exams e2 WHERE s."id" = e2.sid) ORDER BY "name", course`))
        .to.deep.equal([['Dirk', 'Database Systems', 7], ['Dirk', 'Graphics', 7], ['Mark', 'Database Systems', 10]]);
      // The same with an explicit JOIN ... ON and the correlated conjunct in WHERE.
      expect(await h.rows(`SELECT s."name", e.course FROM students s JOIN exams e ON s."id" = e.sid
        WHERE e.grade < (SELECT MAX(e2.grade) FROM exams e2 WHERE s."id" = e2.sid) ORDER BY "name", course`))
        .to.deep.equal([['Mark', 'Graphics']]);
    });
  });

  describe('insert/insert_select.result', () => {
    it('INSERT ... SELECT refuses a float, decimal or boolean column into a timestamp column at planning', async () => {
      await h.q('CREATE TABLE demo1(host STRING, cpu DOUBLE, memory DOUBLE, ts TIMESTAMP TIME INDEX)');
      await h.q('CREATE TABLE demo2(host STRING, cpu DOUBLE, memory DOUBLE, ts TIMESTAMP TIME INDEX)');
      await h.q(`INSERT INTO demo1(host, cpu, memory, ts) VALUES ('host1', 66.6, 1024, 1655276557000), ('host2', 88.8, 333.3, 1655276558000)`);
      await fails('INSERT INTO demo2(ts) SELECT memory FROM demo1', 'Cannot automatically convert Float64 to Timestamp(Millisecond, None)');
      await fails('INSERT INTO demo2(ts) SELECT cpu > 1 FROM demo1', 'Cannot automatically convert Boolean to Timestamp(Millisecond, None)');
      await fails('INSERT INTO demo2(ts) SELECT CAST(memory AS DECIMAL(10, 2)) FROM demo1', 'Cannot automatically convert Decimal128(10, 2) to Timestamp(Millisecond, None)');
      expect(await h.rows('SELECT count(*) FROM demo2')).to.deep.equal([[0]]);
      // Integers (epoch values in the column's unit), strings and timestamps still go in.
      await h.q('INSERT INTO demo2(ts) SELECT CAST(memory AS BIGINT) FROM demo1');
      await h.q(`INSERT INTO demo2(ts) SELECT '2024-01-01 00:00:00'`);
      await h.q('INSERT INTO demo2 SELECT * FROM demo1');
      expect(await h.rows('SELECT count(*) FROM demo2')).to.deep.equal([[5]]);
    });
  });

  describe('system/timezone.result', () => {
    it('SET time_zone changes time_zone but not system_time_zone', async () => {
      await h.q(`SET TIME_ZONE = '+8:00'`);
      expect(await h.rows('SHOW VARIABLES time_zone')).to.deep.equal([['+08:00']]);
      expect(await h.rows('SHOW VARIABLES system_time_zone')).to.deep.equal([['UTC']]);
      expect(await h.rows('SELECT @@system_time_zone')).to.deep.equal([['UTC']]);
    });

    it('date_format understands chrono\'s %3f / %6f / %9f (digits without the dot) next to %.3f', async () => {
      await h.q(`SET TIME_ZONE = '-8:00'`);
      expect(await h.rows(`SELECT date_format(timestamp '2024-01-04 16:00:00.012345678+00:00', '%Y-%m-%d %H:%M:%S:%3f|%6f|%9f|%.3f|%f')`))
        .to.deep.equal([['2024-01-04 08:00:00:012|012345|012345678|.012|012345678']]);
    });
  });

  describe('timestamp/timestamp.result', () => {
    it('a TIMESTAMP literal is trimmed and its inner blanks collapsed', async () => {
      expect(await h.rows(`SELECT timestamp '    2017-07-23    13:10:11   ' = timestamp '2017-07-23 13:10:11'`)).to.deep.equal([[true]]);
      expect(await h.rows(`SELECT CAST(timestamp '  2017-07-23 13:10:11  ' AS STRING)`)).to.deep.equal([['2017-07-23 13:10:11']]);
    });

    it('timestamps with signed years beyond 0000-9999 parse and print the way chrono does', async () => {
      await h.q('CREATE TABLE tp (ts TIMESTAMP(6) TIME INDEX, cnt INT)');
      await h.q(`INSERT INTO tp(ts, cnt) VALUES ('+100000-01-01 00:00:01.5Z', 3), ('-262144-01-01 00:00:00Z', 4), ('+262143-12-31 23:59:59.999999Z', 9), ('0900-01-01 00:00:00Z', 1)`);
      expect(await h.rows('SELECT cnt, CAST(ts AS STRING) FROM tp ORDER BY ts')).to.deep.equal([
        [4, '-262144-01-01 00:00:00'], [1, '0900-01-01 00:00:00'], [3, '+100000-01-01 00:00:01.5'], [9, '+262143-12-31 23:59:59.999999'],
      ]);
    });
  });
  describe('function/string/mysql_compat.result', () => {
    it('LOCATE, ELT, FIELD, INSERT, SPACE and FORMAT(x, d) behave as MySQL\'s', async () => {
      expect(await h.rows(`SELECT LOCATE('world', 'hello world'), LOCATE('xyz', 'hello world'), LOCATE('o', 'hello world', 6), LOCATE('', 'hello'), LOCATE('世', 'hello世界'), LOCATE(NULL, 'hello')`))
        .to.deep.equal([[7, 0, 8, 1, 6, null]]);
      expect(await h.rows(`SELECT ELT(2, 'a', 'b', 'c'), ELT(0, 'a', 'b'), ELT(4, 'a', 'b', 'c'), ELT(NULL, 'a')`)).to.deep.equal([['b', null, null, null]]);
      // Strings compare as strings, integers exactly, anything mixed as DOUBLE ('12x' is 12).
      expect(await h.rows(`SELECT FIELD('b', 'a', 'b', 'c'), FIELD('A', 'a', 'b'), FIELD(NULL, 'a'), FIELD(2, '02', 3), FIELD('2', '02', '3'),
        FIELD(2, NULL, 2), FIELD(12, '12x', 3), FIELD(0, 'x', 1), FIELD(9007199254740993, 9007199254740992, 9007199254740993), FIELD(9007199254740993, 9007199254740992e0)`))
        .to.deep.equal([[2, 0, 0, 1, 0, 2, 1, 1, 2, 1]]);
      expect(await h.rows(`SELECT INSERT('Quadratic', 3, 4, 'What'), INSERT('Quadratic', 3, 100, 'What'), INSERT('Quadratic', 0, 4, 'What'), INSERT('hello', 1, 0, 'X'), INSERT('hello世界', 6, 1, 'の'), INSERT(NULL, 1, 1, 'X')`))
        .to.deep.equal([['QuWhattic', 'QuWhat', 'Quadratic', 'Xhello', 'helloの界', null]]);
      expect(await h.rows(`SELECT CONCAT('a', SPACE(3), 'b'), SPACE(-1), SPACE(NULL)`)).to.deep.equal([['a   b', '', null]]);
      expect(await h.rows(`SELECT FORMAT(1234567.891, 2), FORMAT(1234567.891, 0), FORMAT(1234.5, 4), FORMAT(-1234567.891, 2), FORMAT(0.5, 2), FORMAT(123, 2), FORMAT(9007199254740993, 0), FORMAT(NULL, 2)`))
        .to.deep.equal([['1,234,567.89', '1,234,568', '1,234.5000', '-1,234,567.89', '0.50', '123.00', '9,007,199,254,740,993', null]]);
    });
  });

  describe('function/string/format.result', () => {
    it('FORMAT(template, args...) fills {} in order and {name} from name/value arguments', async () => {
      expect(await h.rows(`SELECT FORMAT('{} + {} = {}', 2, 3, 5), FORMAT('{first} {last}', 'first', 'John', 'last', 'Doe'), FORMAT('Boolean: {}, NULL: {}', true, NULL)`))
        .to.deep.equal([['2 + 3 = 5', 'John Doe', 'Boolean: true, NULL: ']]);
      expect(await h.rows(`SELECT FORMAT('Path: {{root}}/{dir}/file-{}.txt', 'dir', 'etc', 42), FORMAT('Config: {{db: "{db}", user: "{}"}}', 'admin', 'db', 'mydb'),
        FORMAT('A:{} B:{} C:{}', 'first', 'second'), FORMAT('Named {x} and {y}', 'x', 'value1'), FORMAT('Position {} Named {name}', 'pos_val', 'name', 'named_val', 'extra')`))
        .to.deep.equal([['Path: {root}/etc/file-42.txt', 'Config: {db: "mydb", user: "admin"}', 'A:first B:second C:{}', 'Named value1 and {y}', 'Position pos_val Named named_val']]);
      await h.q('CREATE TABLE fc(salary DOUBLE, score DECIMAL(10,2), created_at TIMESTAMP, ts TIMESTAMP TIME INDEX)');
      await h.q(`INSERT INTO fc VALUES (50000.0, 95.50, '2024-01-01 10:00:00', 1000)`);
      await h.q(`SET time_zone = 'Asia/Shanghai'`);
      expect(await h.rows(`SELECT FORMAT('{} {} {}', salary, score, created_at), concat(score, '|') FROM fc`))
        .to.deep.equal([['50000 95.50 2024-01-01 18:00:00', '95.50|']]);
    });
  });
  describe('function/string/regex.result, trim_pad.result', () => {
    it('regexp_extract gives the first match or NULL; lpad/rpad count characters, not UTF-16 units', async () => {
      expect(await h.rows(`SELECT regexp_extract('version 1.2.3', '\\d+\\.\\d+\\.\\d+'), regexp_extract('no match here', '\\d+'), regexp_extract(NULL, 'a')`))
        .to.deep.equal([['1.2.3', null, null]]);
      expect(await h.rows(`SELECT LPAD('🚀', 10, '★'), RPAD('café', 8, '•'), LPAD('🦆🦀🐧', 2, '*'), RPAD('test', 10, 'xy'), LPAD('test', 0, '*'), LPAD('ab', 5)`))
        .to.deep.equal([['★★★★★★★★★🚀', 'café••••', '🦆🦀', 'testxyxyxy', '', '   ab']]);
    });
  });
  describe('select/multi_column_reference.result', () => {
    it('a db.table.column reference must name the table\'s database', async () => {
      await h.q('CREATE SCHEMA s1');
      await h.q('CREATE SCHEMA s2');
      await h.q('CREATE TABLE s1.t1(a INT, b TIMESTAMP TIME INDEX)');
      await h.q('CREATE TABLE s2.t1(a INT, b TIMESTAMP TIME INDEX)');
      await h.q('INSERT INTO s1.t1 VALUES (1, 1)');
      await h.q('INSERT INTO s2.t1 VALUES (2, 1)');
      expect(await h.rows('SELECT s1.t1.a FROM s1.t1, s2.t1')).to.deep.equal([[1]]);
      expect(await h.rows('SELECT s2.t1.a FROM s1.t1, s2.t1')).to.deep.equal([[2]]);
      expect(await h.rows('SELECT s1.t1.a, s2.t1.a FROM s1.t1 JOIN s2.t1 ON s1.t1.b = s2.t1.b')).to.deep.equal([[1, 2]]);
      await fails('SELECT s3.t1.a FROM s1.t1', 'No field named s3.t1.a');
      // An alias has no database: db.alias.col still finds it, db.table.col no longer does.
      expect(await h.rows('SELECT s1.t.a FROM s1.t1 t')).to.deep.equal([[1]]);
      await fails('SELECT s1.t1.a FROM s1.t1 t', 'No field named s1.t1.a');
    });
  });
  describe('select/dummy.result', () => {
    it('a trailing comma in the select list before FROM is accepted', async () => {
      await h.q('CREATE TABLE test_unixtime(a INT, b TIMESTAMP_SEC TIME INDEX)');
      await h.q('INSERT INTO test_unixtime VALUES (27, 27), (1, 1)');
      expect(await h.rows('SELECT a, b, FROM test_unixtime WHERE a > 1')).to.deep.equal([[27, 27000]]);
      expect(await h.rows('SELECT a, count(*), FROM test_unixtime GROUP BY a ORDER BY a')).to.deep.equal([[1, 1], [27, 1]]);
      await fails('SELECT 1,', 'unexpected end of input');
    });
  });
});
