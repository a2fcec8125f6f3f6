import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { startLsmSqlServer, type LsmSqlServer } from './support/sql-server.js';

// COPY with engine-lsm's Parquet format (COPY_FORMAT), and files other tools read and write.
describe('engine-lsm e2e: COPY TO / FROM Parquet (and DuckDB reading and writing the files)', function () {
  this.timeout(60_000);
  let s: LsmSqlServer;
  let dir: string;
  let duck: DuckDBConnection;
  before(async () => { duck = await (await DuckDBInstance.create(':memory:')).connect(); });
  after(() => { duck.closeSync(); });
  beforeEach(async () => {
    s = await startLsmSqlServer('copy');
    dir = await mkdtemp(path.join(os.tmpdir(), 'strata-copy-e2e-'));
  });
  afterEach(async () => {
    await s.stop();
    await rm(dir, { recursive: true, force: true });
  });

  const fails = async (sql: string, text: string, code: string): Promise<void> => {
    await s.rows(sql).then(() => expect.fail(`should fail: ${sql}`), (e: Error & { code?: string }) => {
      expect(e.code, e.message).to.equal(code);
      expect(e.message).to.contain(text);
    });
  };

  const ALL_TYPES = (name: string) => `CREATE TABLE ${name} (
    host STRING, ts TIMESTAMP(3) TIME INDEX, i8 TINYINT, i16 SMALLINT, i32 INT, i64 BIGINT,
    u8 TINYINT UNSIGNED, u16 SMALLINT UNSIGNED, u32 INT UNSIGNED, u64 BIGINT UNSIGNED,
    f32 FLOAT, f64 DOUBLE, b BOOLEAN, s STRING, d DATE, dec DECIMAL(10, 2), bin VARBINARY,
    ts_s TIMESTAMP(0), ts_us TIMESTAMP(6), ts_ns TIMESTAMP(9), PRIMARY KEY (host))`;
  const ALL_ROWS = `INSERT INTO all_types VALUES
    ('h1', 1655276557000, -128, -32768, -2147483648, -9223372036854775808, 255, 65535, 4294967295, 18446744073709551615,
     1.5, 0.1, true, 'a,b "quoted"\nnext', '2022-06-15', 12.34, X'00ff10', 1655276557, 1655276557123456, 1655276557123456789),
    ('h2', 1655276558123, 127, 32767, 2147483647, 9223372036854775807, 0, 0, 0, 0,
     -2.25, 1e300, false, '', '1970-01-01', -0.01, X'', 0, 0, 1),
    ('h3', 1655276559000, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
     NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)`;
  const EXACT = 'host, CAST(i64 AS STRING), CAST(u64 AS STRING), CAST(ts_ns AS BIGINT), CAST(ts_us AS BIGINT), CAST(dec AS STRING), s, bin';

  it('round-trips every column type, NULLs and each timestamp unit; Parquet is the default FORMAT', async () => {
    await s.rows(ALL_TYPES('all_types'));
    await s.rows(ALL_ROWS);
    await s.rows(`ADMIN flush_table('all_types')`);
    const file = path.join(dir, 'out', 'all.parquet');
    expect(await s.affected(`COPY all_types TO '${file}'`)).to.equal(3);
    await s.rows(ALL_TYPES('back'));
    expect(await s.affected(`COPY back FROM '${file}' WITH (FORMAT = 'parquet')`)).to.equal(3);
    expect(await s.rows('SELECT * FROM back ORDER BY host')).to.deep.equal(await s.rows('SELECT * FROM all_types ORDER BY host'));
    expect(await s.rows(`SELECT ${EXACT} FROM back ORDER BY host`)).to.deep.equal(await s.rows(`SELECT ${EXACT} FROM all_types ORDER BY host`));
    expect((await s.rows(`SELECT CAST(u64 AS STRING), CAST(ts_ns AS BIGINT) FROM back WHERE host = 'h1'`))[0]).to.deep.equal(['18446744073709551615', 1655276557123456789]);
    expect(await readdir(path.join(dir, 'out'))).to.deep.equal(['all.parquet']);
  });

  it('DuckDB reads the Parquet file Strata writes (types and values)', async () => {
    await s.rows(ALL_TYPES('all_types'));
    await s.rows(ALL_ROWS);
    const file = path.join(dir, 'all.parquet');
    await s.affected(`COPY all_types TO '${file}' WITH (FORMAT = 'parquet')`);
    const rows = (await duck.runAndReadAll(`SELECT host, epoch_ms(ts), i64::VARCHAR, u64::VARCHAR, f64, b, s, d::VARCHAR, dec::VARCHAR, epoch_ns(ts_ns)::VARCHAR
      FROM read_parquet('${file}') ORDER BY host`)).getRows();
    expect(rows.map((r) => r.map((v) => (typeof v === 'bigint' ? Number(v) : v)))).to.deep.equal([
      ['h1', 1655276557000, '-9223372036854775808', '18446744073709551615', 0.1, true, 'a,b "quoted"\nnext', '2022-06-15', '12.34', '1655276557123456789'],
      ['h2', 1655276558123, '9223372036854775807', '0', 1e300, false, '', '1970-01-01', '-0.01', '1'],
      ['h3', 1655276559000, null, null, null, null, null, null, null, null],
    ]);
    const types = (await duck.runAndReadAll(`SELECT column_name, column_type FROM (DESCRIBE SELECT ts, ts_s, ts_us, ts_ns, u32, dec FROM read_parquet('${file}'))`)).getRows();
    // Parquet has no second unit: arrow-rs (GreptimeDB's writer too) stores TIMESTAMP(0) as plain INT64 and keeps
    // the unit in the embedded Arrow schema, which Strata reads back; DuckDB sees BIGINT seconds.
    expect(types).to.deep.equal([['ts', 'TIMESTAMP'], ['ts_s', 'BIGINT'], ['ts_us', 'TIMESTAMP'], ['ts_ns', 'TIMESTAMP_NS'], ['u32', 'UINTEGER'], ['dec', 'DECIMAL(10,2)']]);
  });

  it('imports DuckDB-written Parquet and CSV, converting types by column name', async () => {
    const pq = path.join(dir, 'duck.parquet');
    const csv = path.join(dir, 'duck.csv');
    const src = `SELECT 'h' || (i % 3) AS host, TIMESTAMP '2024-01-01 00:00:00' + INTERVAL (i) SECOND AS ts, i * 1.5 AS v, i::INTEGER AS n,
      CASE WHEN i % 2 = 0 THEN NULL ELSE 'x,"' || i || '"' END AS note, 'ignored' AS extra FROM range(1000) t(i)`;
    await duck.run(`COPY (${src}) TO '${pq}' (FORMAT PARQUET)`);
    await duck.run(`COPY (${src}) TO '${csv}' (FORMAT CSV, HEADER)`);
    // ts microseconds in the files -> milliseconds; n INTEGER -> BIGINT; v DECIMAL (DuckDB's i * 1.5) -> DOUBLE; extra ignored.
    for (const [table, file, format] of [['from_pq', pq, 'parquet'], ['from_csv', csv, 'csv']] as const) {
      await s.rows(`CREATE TABLE ${table} (host STRING PRIMARY KEY, ts TIMESTAMP(3) TIME INDEX, n BIGINT, v DOUBLE, note STRING, missing DOUBLE)`);
      expect(await s.affected(`COPY ${table} FROM '${file}' WITH (FORMAT = '${format}')`)).to.equal(1000);
      expect(await s.rows(`SELECT count(*), sum(n), sum(v), count(note), count(missing), min(ts), max(ts) FROM ${table}`))
        .to.deep.equal([[1000, 499500, 749250, 500, 0, 1704067200000, 1704067200000 + 999_000]]);
      expect(await s.rows(`SELECT host, note FROM ${table} WHERE n = 7`)).to.deep.equal([['h1', 'x,"7"']]);
    }
  });

  it('errors: not a Parquet file, type mismatch (file and row named, nothing imported), missing file', async () => {
    await s.rows('CREATE TABLE t (ts TIMESTAMP TIME INDEX, v DOUBLE)');
    const csv = path.join(dir, 'x.csv');
    await writeFile(csv, 'ts,v\n1,1\n');
    await fails(`COPY t FROM '${csv}' WITH (FORMAT = 'parquet')`, `COPY file ${csv}: is not a Parquet file`, 'COPY_FILE_INVALID');
    const pq = path.join(dir, 'bad.parquet');
    await duck.run(`COPY (SELECT TIMESTAMP '2024-01-01' + INTERVAL (i) SECOND AS ts, CASE WHEN i = 9000 THEN 'abc' ELSE i::VARCHAR END AS v FROM range(10000) t(i)) TO '${pq}' (FORMAT PARQUET)`);
    await fails(`COPY t FROM '${pq}'`, `COPY file ${pq}, row 9001: column v (String in the file, Float64 in t): Cast error`, 'COPY_FILE_INVALID');
    expect(await s.rows('SELECT count(*) FROM t')).to.deep.equal([[0]]);
    await fails(`COPY t FROM '${dir}/none.parquet'`, 'COPY file not found', 'COPY_FILE_NOT_FOUND');
  });

  it('COPY DATABASE round trip into a new database with a time range; PATTERN on a directory', async () => {
    await s.rows('CREATE DATABASE src');
    await s.rows('CREATE TABLE src.cpu (host STRING PRIMARY KEY, ts TIMESTAMP TIME INDEX, v DOUBLE)');
    await s.rows('CREATE TABLE src.mem (ts TIMESTAMP TIME INDEX, used BIGINT)');
    await s.rows(`INSERT INTO src.cpu VALUES ('a', 1000, 1), ('b', 2000, 2), ('c', 9000, 3)`);
    await s.rows('INSERT INTO src.mem VALUES (1000, 10), (2000, 20)');
    const out = path.join(dir, 'db') + '/';
    expect(await s.affected(`COPY DATABASE src TO '${out}' WITH (FORMAT = 'parquet', START_TIME = '1970-01-01 00:00:00', END_TIME = '1970-01-01 00:00:05')`)).to.equal(4);
    expect((await readdir(out)).sort()).to.deep.equal(['cpu.parquet', 'mem.parquet']);
    await s.rows('CREATE DATABASE dst');
    await s.rows('CREATE TABLE dst.cpu (host STRING PRIMARY KEY, ts TIMESTAMP TIME INDEX, v DOUBLE)');
    await s.rows('CREATE TABLE dst.mem (ts TIMESTAMP TIME INDEX, used BIGINT)');
    expect(await s.affected(`COPY DATABASE dst FROM '${out}'`)).to.equal(4);
    expect(await s.rows('SELECT host, ts, v FROM dst.cpu ORDER BY ts')).to.deep.equal([['a', 1000, 1], ['b', 2000, 2]]);
    expect(await s.rows('SELECT ts, used FROM dst.mem ORDER BY ts')).to.deep.equal([[1000, 10], [2000, 20]]);
    await s.rows('CREATE TABLE dst.only_cpu (host STRING PRIMARY KEY, ts TIMESTAMP TIME INDEX, v DOUBLE)');
    expect(await s.affected(`COPY dst.only_cpu FROM '${out}' WITH (PATTERN = '^cpu')`)).to.equal(2);
  });
});
