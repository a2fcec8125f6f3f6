import { expect } from 'chai';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { QueryEngine } from '../../src/sql/query-engine.js';
import { SqlHarness } from '../support/sql-harness.js';

// GreptimeDB's COPY TO / FROM / DATABASE with the built-in CSV and JSON lines formats
// (Parquet, which engine-lsm provides, is tested in test/storage/copy-parquet.test.ts).
describe('COPY (csv, json)', function () {
  this.timeout(30_000);
  let h: SqlHarness;
  let dir: string;
  beforeEach(async () => {
    h = await SqlHarness.start();
    dir = await mkdtemp(path.join(os.tmpdir(), 'strata-copy-'));
  });
  afterEach(async () => {
    await h.stop();
    await rm(dir, { recursive: true, force: true });
  });

  const ALL_TYPES = `CREATE TABLE all_types (
    host STRING, ts TIMESTAMP(3) TIME INDEX, i8 TINYINT, i16 SMALLINT, i32 INT, i64 BIGINT,
    u8 TINYINT UNSIGNED, u16 SMALLINT UNSIGNED, u32 INT UNSIGNED, u64 BIGINT UNSIGNED,
    f32 FLOAT, f64 DOUBLE, b BOOLEAN, s STRING, d DATE, dec DECIMAL(10, 2), bin VARBINARY,
    ts_s TIMESTAMP(0), ts_us TIMESTAMP(6), ts_ns TIMESTAMP(9), PRIMARY KEY (host))`;
  const ALL_ROWS = `INSERT INTO all_types VALUES
    ('h1', 1655276557000, -128, -32768, -2147483648, -9223372036854775808, 255, 65535, 4294967295, 18446744073709551615,
     1.5, 0.1, true, 'a,b "quoted"\nnext line', '2022-06-15', 12.34, X'00ff10', 1655276557, 1655276557123456, 1655276557123456789),
    ('h2', 1655276558123, 127, 32767, 2147483647, 9223372036854775807, 0, 0, 0, 0,
     -2.25, 1e300, false, '', '1970-01-01', -0.01, X'', 0, 0, 1),
    ('h3', 1655276559000, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
     NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)`;

  for (const format of ['csv', 'json']) {
    it(`round-trips every column type, NULLs and each timestamp unit through ${format}`, async () => {
      await h.q(ALL_TYPES);
      await h.q(ALL_ROWS);
      const file = path.join(dir, 'sub', `all.${format}`);
      expect((await h.q(`COPY all_types TO '${file}' WITH (FORMAT = '${format}')`)).affected).to.equal(3);
      await h.q(ALL_TYPES.replace('all_types', 'back'));
      expect((await h.q(`COPY back FROM '${file}' WITH (FORMAT = '${format}')`)).affected).to.equal(3);
      const a = (await h.q('SELECT * FROM all_types ORDER BY host')).rows;
      const b = (await h.q('SELECT * FROM back ORDER BY host')).rows;
      expect(b).to.deep.equal(a);
      expect(b[1]![13]).to.equal('');           // empty string stays empty, not NULL
      expect(b[2]![13]).to.equal(null);
      expect(b[0]![9]).to.equal(18446744073709551615n);
      expect((await h.q(`SELECT CAST(ts_ns AS BIGINT), CAST(ts_us AS BIGINT) FROM back WHERE host = 'h1'`)).rows).to.deep.equal([[1655276557123456789n, 1655276557123456n]]);
      // no temp file left beside the export
      expect(await readdir(path.join(dir, 'sub'))).to.deep.equal([`all.${format}`]);
    });
  }

  it('writes CSV with a header, quoted fields and NULL as an empty field', async () => {
    await h.q('CREATE TABLE t (ts TIMESTAMP TIME INDEX, s STRING, v DOUBLE)');
    await h.q(`INSERT INTO t VALUES (1000, 'x,"y"', 1.5), (2000, NULL, NULL), (3000, '', 2)`);
    const file = path.join(dir, 't.csv');
    await h.q(`COPY t TO '${file}' WITH (FORMAT = 'csv')`);
    expect(await readFile(file, 'utf8')).to.equal('ts,s,v\n1970-01-01 00:00:01,"x,""y""",1.5\n1970-01-01 00:00:02,,\n1970-01-01 00:00:03,"",2.0\n');
  });

  it('writes JSON lines leaving NULL fields out, Int64 digits exact', async () => {
    await h.q('CREATE TABLE t (ts TIMESTAMP TIME INDEX, s STRING, n BIGINT)');
    await h.q(`INSERT INTO t VALUES (1000, 'a"b', 9007199254740993), (2000, NULL, NULL)`);
    const file = path.join(dir, 't.json');
    await h.q(`COPY t TO '${file}' WITH (FORMAT = 'json')`);
    expect(await readFile(file, 'utf8')).to.equal('{"ts":"1970-01-01 00:00:01","s":"a\\"b","n":9007199254740993}\n{"ts":"1970-01-01 00:00:02"}\n');
    // Booleans bare, as arrow-json and DuckDB write and read them; and back in.
    await h.q('CREATE TABLE bt (ts TIMESTAMP TIME INDEX, b BOOLEAN)');
    await h.q('INSERT INTO bt VALUES (1000, true), (2000, false)');
    const bfile = path.join(dir, 'bt.json');
    await h.q(`COPY bt TO '${bfile}' WITH (FORMAT = 'json')`);
    expect(await readFile(bfile, 'utf8')).to.equal('{"ts":"1970-01-01 00:00:01","b":true}\n{"ts":"1970-01-01 00:00:02","b":false}\n');
    await h.q('TRUNCATE TABLE bt');
    await h.q(`COPY bt FROM '${bfile}' WITH (FORMAT = 'json')`);
    expect(await h.rows('SELECT b FROM bt ORDER BY ts')).to.deep.equal([[true], [false]]);
  });

  it('exports only START_TIME <= ts < END_TIME (GreptimeDB copy_to_fs)', async () => {
    await h.q('CREATE TABLE demo(host string, cpu DOUBLE, memory DOUBLE, ts TIMESTAMP TIME INDEX)');
    await h.q(`INSERT INTO demo(host, cpu, memory, ts) VALUES ('host1', 66.6, 1024, 1655276557000), ('host2', 88.8, 333.3, 1655276558000)`);
    for (const format of ['csv', 'json']) {
      const file = path.join(dir, `demo.${format}`);
      const r = await h.q(`COPY demo TO '${file}' WITH (format='${format}', start_time='2022-06-15 07:02:37', end_time='2022-06-15 07:02:38')`);
      expect(r.affected).to.equal(1);
      expect(await readFile(file, 'utf8')).to.contain('host1').and.not.contain('host2');
    }
  });

  it('filters COPY FROM by START_TIME / END_TIME too', async () => {
    await h.q('CREATE TABLE demo(host string, ts TIMESTAMP TIME INDEX)');
    const file = path.join(dir, 'in.csv');
    await writeFile(file, 'host,ts\nh1,2022-06-15 07:02:36\nh2,2022-06-15 07:02:37\nh3,2022-06-15 07:02:38\n');
    expect((await h.q(`COPY demo FROM '${file}' WITH (format='csv', start_time='2022-06-15 07:02:37', end_time='2022-06-15 07:02:38')`)).affected).to.equal(1);
    expect(await h.rows('SELECT host FROM demo')).to.deep.equal([['h2']]);
  });

  it('COPY (query) TO writes the query result', async () => {
    await h.q('CREATE TABLE demo(host string, cpu DOUBLE, ts TIMESTAMP TIME INDEX)');
    await h.q(`INSERT INTO demo VALUES ('a', 1, 1000), ('b', 2, 2000), ('a', 3, 3000)`);
    const file = path.join(dir, 'q.csv');
    const r = await h.q(`COPY (SELECT host, sum(cpu) AS total FROM demo GROUP BY host ORDER BY host) TO '${file}' WITH (FORMAT = 'csv')`);
    expect(r.affected).to.equal(2);
    expect(await readFile(file, 'utf8')).to.equal('host,total\na,4.0\nb,2.0\n');
  });

  it('reads a directory, PATTERN choosing the files; extra file columns ignored, missing nullable ones NULL, defaults filled', async () => {
    await writeFile(path.join(dir, 'demo_1.csv'), 'host,cpu,extra,ts\nh1,1.5,zz,1970-01-01 00:00:01\n');
    await writeFile(path.join(dir, 'demo_2.csv'), 'ts,host\n1970-01-01 00:00:02,h2\n');
    await writeFile(path.join(dir, 'other.csv'), 'ts,host\n1970-01-01 00:00:03,h3\n');
    await h.q(`CREATE TABLE demo(host string, cpu double, ts TIMESTAMP TIME INDEX, note string default 'dflt')`);
    expect((await h.q(`COPY demo FROM '${dir}/' WITH (FORMAT = 'csv', PATTERN = 'demo_.*')`)).affected).to.equal(2);
    expect(await h.rows('SELECT host, cpu, note FROM demo ORDER BY ts')).to.deep.equal([['h1', 1.5, 'dflt'], ['h2', null, 'dflt']]);
    expect((await h.q(`COPY demo FROM '${dir}' WITH (FORMAT = 'csv')`)).affected).to.equal(3);
    expect(await h.rows('SELECT count(*) FROM demo')).to.deep.equal([[3]]);
  });

  it('parses quoted CSV fields with delimiters, quotes, CRLF and line breaks; converts integer epochs and ISO timestamps', async () => {
    await h.q('CREATE TABLE t (ts TIMESTAMP(3) TIME INDEX, s STRING, n INT)');
    const file = path.join(dir, 'q.csv');
    await writeFile(file, 'ts,s,n\r\n1000,"a,b",1\r\n2022-06-15T07:02:37.5Z,"line1\nline2 ""q""",2\r\n3000,plain,\r\n');
    expect((await h.q(`COPY t FROM '${file}' WITH (FORMAT = 'csv')`)).affected).to.equal(3);
    expect(await h.rows('SELECT ts, s, n FROM t ORDER BY ts')).to.deep.equal([[1000, 'a,b', 1], [3000, 'plain', null], [1655276557500, 'line1\nline2 "q"', 2]]);
  });

  it('a bad value fails with the file and row and imports nothing of that file', async () => {
    await h.q('CREATE TABLE t (ts TIMESTAMP TIME INDEX, v DOUBLE)');
    const file = path.join(dir, 'bad.csv');
    // 20,000 good rows (several 8,192-row batches, all kept in memory) before the bad one
    const good = Array.from({ length: 20_000 }, (_, i) => `${i},${i}`).join('\n');
    await writeFile(file, `ts,v\n${good}\n30000,abc\n`);
    await h.fails(`COPY t FROM '${file}' WITH (FORMAT = 'csv')`, `COPY file ${file}, row 20001: column v: Cast error`, 'COPY_FILE_INVALID');
    expect(await h.rows('SELECT count(*) FROM t')).to.deep.equal([[0]]);
    const json = path.join(dir, 'bad.json');
    await writeFile(json, '{"ts":1000,"v":1}\n{"ts":2000,"v":"x"}\n');
    await h.fails(`COPY t FROM '${json}' WITH (FORMAT = 'json')`, `COPY file ${json}, row 2: column v`, 'COPY_FILE_INVALID');
    await writeFile(json, '{"ts":1000,"v":1}\nnot json\n');
    await h.fails(`COPY t FROM '${json}' WITH (FORMAT = 'json')`, `row 2: not JSON`, 'COPY_FILE_INVALID');
    expect(await h.rows('SELECT count(*) FROM t')).to.deep.equal([[0]]);
  });

  it('a bad value in a file larger than the in-memory buffer still imports nothing (validated before writing)', async () => {
    await h.q('CREATE TABLE t (ts TIMESTAMP TIME INDEX, a BIGINT, b BIGINT, c BIGINT, d BIGINT)');
    (h.query as QueryEngine).copy.bufferCellsMax = 50_000;
    const file = path.join(dir, 'big.csv');
    const n = 30_000;
    const lines = ['ts,a,b,c,d'];
    for (let i = 0; i < n; i++) lines.push(`${i},${i},${i},${i},${i}`);
    lines.push(`${n},1,2,3,oops`);
    await writeFile(file, lines.join('\n') + '\n');
    await h.fails(`COPY t FROM '${file}' WITH (FORMAT = 'csv')`, `row ${n + 1}: column d`, 'COPY_FILE_INVALID');
    expect(await h.rows('SELECT count(*) FROM t')).to.deep.equal([[0]]);
    lines.pop();
    await writeFile(file, lines.join('\n') + '\n');
    expect((await h.q(`COPY t FROM '${file}' WITH (FORMAT = 'csv')`)).affected).to.equal(n);
    expect(await h.rows('SELECT count(*), sum(d) FROM t')).to.deep.equal([[n, (n * (n - 1)) / 2]]);
  });

  it('errors: missing file, missing time index column, NULL time index, ragged CSV, wrong format, unknown options', async () => {
    await h.q('CREATE TABLE t (ts TIMESTAMP TIME INDEX, v DOUBLE)');
    await h.fails(`COPY t FROM '${dir}/nope.csv' WITH (FORMAT = 'csv')`, `COPY file not found: ${dir}/nope.csv`, 'COPY_FILE_NOT_FOUND');
    const file = path.join(dir, 'x.csv');
    await writeFile(file, 'v\n1\n');
    await h.fails(`COPY t FROM '${file}' WITH (FORMAT = 'csv')`, 'has no column ts, the time index of t', 'COPY_FILE_INVALID');
    await writeFile(file, 'ts,v\n,1\n');
    await h.fails(`COPY t FROM '${file}' WITH (FORMAT = 'csv')`, 'row 1: column ts is NULL but is the time index', 'COPY_FILE_INVALID');
    await writeFile(file, 'ts,v\n1,1\n2,2,3\n');
    await h.fails(`COPY t FROM '${file}' WITH (FORMAT = 'csv')`, 'row 2: has 3 fields, the header has 2 (line 3)', 'COPY_FILE_INVALID');
    await writeFile(file, 'ts,v\n1,"open\n');
    await h.fails(`COPY t FROM '${file}' WITH (FORMAT = 'csv')`, 'a quoted field is not closed', 'COPY_FILE_INVALID');
    // a CSV file read as JSON lines
    await writeFile(file, 'ts,v\n1,1\n');
    await h.fails(`COPY t FROM '${file}' WITH (FORMAT = 'json')`, 'row 1: not JSON', 'COPY_FILE_INVALID');
    await h.fails(`COPY t FROM '${file}' WITH (FORMAT = 'xml')`, 'COPY format xml is not supported here', 'UNSUPPORTED');
    // parquet comes with engine-lsm; the in-memory test server has no such plugin
    await h.fails(`COPY t TO '${dir}/t.parquet'`, 'engine-lsm', 'UNSUPPORTED');
    await h.fails(`COPY t FROM '${file}' WITH (FORMAT = 'csv', compression_type = 'gzip')`, 'COPY option compression_type is not supported', 'UNSUPPORTED');
    await h.fails(`COPY t TO 's3://bucket/t.csv' WITH (FORMAT = 'csv')`, 'local paths on the server only', 'UNSUPPORTED');
    await h.fails(`COPY t TO '${dir}/t.csv' WITH (FORMAT = 'csv') CONNECTION (region = 'x')`, 'local paths on the server only', 'UNSUPPORTED');
    await h.fails(`COPY nope TO '${dir}/t.csv' WITH (FORMAT = 'csv')`, 'Table not found', 'TABLE_NOT_FOUND');
    await h.fails(`COPY t TO '${dir}/t.csv' WITH (FORMAT = 'csv', start_time = 'yesterday')`, `START_TIME 'yesterday' is not a timestamp`, 'INVALID_ARGUMENTS');
    await h.fails(`COPY information_schema.tables FROM '${file}' WITH (FORMAT = 'csv')`, 'is read-only', 'UNSUPPORTED');
    expect(await h.rows('SELECT count(*) FROM t')).to.deep.equal([[0]]);
  });

  it('COPY DATABASE TO writes <table>.<format> per table; FROM imports them into another database', async () => {
    await h.q('CREATE DATABASE src');
    await h.q('CREATE TABLE src.cpu (host STRING PRIMARY KEY, ts TIMESTAMP TIME INDEX, v DOUBLE)');
    await h.q('CREATE TABLE src.mem (ts TIMESTAMP TIME INDEX, used BIGINT)');
    await h.q(`INSERT INTO src.cpu VALUES ('a', 1000, 1), ('b', 2000, 2), ('c', 5000, 3)`);
    await h.q('INSERT INTO src.mem VALUES (1000, 10), (9000, 90)');
    for (const format of ['csv', 'json']) {
      const out = path.join(dir, format) + '/';
      expect((await h.q(`COPY DATABASE src TO '${out}' WITH (FORMAT = '${format}', START_TIME = '1970-01-01 00:00:01', END_TIME = '1970-01-01 00:00:06')`)).affected).to.equal(4);
      expect((await readdir(out)).sort()).to.deep.equal([`cpu.${format}`, `mem.${format}`]);
      await h.q(`CREATE DATABASE dst_${format}`);
      await h.q(`CREATE TABLE dst_${format}.cpu (host STRING PRIMARY KEY, ts TIMESTAMP TIME INDEX, v DOUBLE)`);
      await h.q(`CREATE TABLE dst_${format}.mem (ts TIMESTAMP TIME INDEX, used BIGINT)`);
      expect((await h.q(`COPY DATABASE dst_${format} FROM '${out}' WITH (FORMAT = '${format}')`)).affected).to.equal(4);
      expect(await h.rows(`SELECT host, ts, v FROM dst_${format}.cpu ORDER BY ts`)).to.deep.equal([['a', 1000, 1], ['b', 2000, 2], ['c', 5000, 3]]);
      expect(await h.rows(`SELECT ts, used FROM dst_${format}.mem`)).to.deep.equal([[1000, 10]]);
    }
    await h.q('CREATE DATABASE partial');
    await h.q('CREATE TABLE partial.cpu (host STRING PRIMARY KEY, ts TIMESTAMP TIME INDEX, v DOUBLE)');
    await h.fails(`COPY DATABASE partial FROM '${dir}/csv/' WITH (FORMAT = 'csv')`, 'Table not found: partial.mem', 'TABLE_NOT_FOUND');
    expect(await h.rows('SELECT count(*) FROM partial.cpu')).to.deep.equal([[0]]);
  });

  it('a KILLed or timed-out COPY stops and leaves no export file', async () => {
    await h.q('CREATE TABLE t (ts TIMESTAMP TIME INDEX, v BIGINT)');
    const file = path.join(dir, 'big.csv');
    const lines = ['ts,v'];
    for (let i = 0; i < 300_000; i++) lines.push(`${i},${i}`);
    await writeFile(file, lines.join('\n') + '\n');
    await h.q(`COPY t FROM '${file}' WITH (FORMAT = 'csv')`);
    const out = path.join(dir, 'out.json');
    await h.q(`COPY t TO '${out}' WITH (FORMAT = 'json')`, { timeoutMs: 1 }).then(() => expect.fail('should time out'), (e: { code?: string }) => expect(e.code).to.equal('DEADLINE_EXCEEDED'));
    expect(await readdir(dir)).to.deep.equal(['big.csv']);
    // KILL from another statement while an import runs (it reads the file twice: validation, then writes)
    await h.q('CREATE TABLE t2 (ts TIMESTAMP TIME INDEX, v BIGINT)');
    (h.query as QueryEngine).copy.bufferCellsMax = 1000;
    const running = h.q(`COPY t2 FROM '${file}' WITH (FORMAT = 'csv')`).then(() => 'finished', (e: { code?: string }) => e.code);
    let id: unknown;
    for (let i = 0; i < 200 && id === undefined; i++) {
      await new Promise((r) => setTimeout(r, 2));
      id = (await h.q("SELECT id FROM information_schema.process_list WHERE query LIKE 'COPY t2 FROM%'")).rows[0]?.[0];
    }
    expect(id, 'the COPY shows in process_list').to.be.a('string');
    expect((await h.q(`KILL '${String(id)}'`)).affected).to.equal(1);
    expect(await running).to.equal('CANCELLED');
    expect(await readdir(dir)).to.deep.equal(['big.csv']);
  });

  it('parses the statement forms', async () => {
    await h.q('CREATE TABLE t (ts TIMESTAMP TIME INDEX, v DOUBLE)');
    await h.q('INSERT INTO t VALUES (1000, 1)');
    // WITH is optional, option keys and values case-insensitive, FORMAT in double quotes (GreptimeDB's sqlness spelling)
    expect((await h.q(`copy public.t to '${dir}/a.csv' (format = 'CSV')`)).affected).to.equal(1);
    expect((await h.q(`COPY t TO '${dir}/b.json' WITH (FORMAT = "json")`)).affected).to.equal(1);
    expect((await h.q(`COPY t FROM '${dir}/a.csv' WITH (format = 'csv', has_header = 'true')`)).affected).to.equal(1);
    await h.fails(`COPY t TO WITH (FORMAT = 'csv')`, /syntax|Syntax|expected/i, 'INVALID_SYNTAX');
    // `copy` stays usable as a name
    await h.q('CREATE TABLE copy (ts TIMESTAMP TIME INDEX, copy DOUBLE)');
    await h.q('INSERT INTO copy VALUES (1, 2)');
    expect(await h.rows('SELECT copy FROM copy')).to.deep.equal([[2]]);
  });
});
