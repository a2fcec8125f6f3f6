import { expect } from 'chai';
import { SqlHarness } from '../support/sql-harness.js';
import { formatFloat } from '../../src/sql/exec/float-text.js';

/**
 * Values, types and SHOW output that must match GreptimeDB (and DataFusion,
 * which it runs on); each expectation is taken from GreptimeDB's sqlness
 * results or DataFusion's source.
 */
describe('sql: type fidelity with GreptimeDB (float text, division by zero, result types, SHOW output)', function () {
  this.timeout(10_000);
  let h: SqlHarness;
  beforeEach(async () => { h = await SqlHarness.start(); });
  afterEach(async () => { await h.stop(); });
  const fails = (sql: string, code: string, text: string): Promise<void> => h.fails(sql, text, code);

  describe('float to text (Arrow/ryu formatting)', () => {
    it('keeps ".0" on whole floats and switches to e-notation where Arrow does', async () => {
      expect(await h.rows(`SELECT CAST(-1.0 AS STRING), CAST(2.0 AS STRING), CAST(1.5 AS STRING), CAST(1e15 AS STRING), CAST(1e16 AS STRING),
        CAST(1e20 AS STRING), CAST(1.5e20 AS STRING), CAST(0.00001 AS STRING), CAST(1e-6 AS STRING), CAST(1e-7 AS STRING), CAST(-0.0 AS STRING)`))
        .to.deep.equal([['-1.0', '2.0', '1.5', '1000000000000000.0', '1e16', '1e20', '1.5e20', '0.00001', '1e-6', '1e-7', '-0.0']]);
    });

    it('writes NaN and infinities as Arrow does, and reads them back', async () => {
      expect(await h.rows("SELECT CAST(CAST('nan' AS DOUBLE) AS STRING), CAST(CAST('inf' AS DOUBLE) AS STRING), CAST(CAST('-inf' AS DOUBLE) AS STRING), CAST(1.0 / 0 AS STRING)"))
        .to.deep.equal([['NaN', 'inf', '-inf', 'inf']]);
      expect(await h.rows("SELECT CAST('-Infinity' AS DOUBLE), CAST('INF' AS FLOAT)")).to.deep.equal([[-Infinity, Infinity]]);
    });

    it('gives a FLOAT (Float32) its own shortest digits, with its own plain-notation range', async () => {
      expect(await h.rows('SELECT CAST(CAST(0.1 AS FLOAT) AS STRING), CAST(CAST(1e10 AS FLOAT) AS STRING), CAST(CAST(0.000001 AS FLOAT) AS STRING), CAST(CAST(1.23456789 AS FLOAT) AS STRING)'))
        .to.deep.equal([['0.1', '10000000000.0', '0.000001', '1.2345679']]);
      expect(formatFloat(1e14, true)).to.equal('1e14');
      expect(formatFloat(1e-7, true)).to.equal('1e-7');
    });

    it('concat, concat_ws and || use the same text for float columns', async () => {
      await h.q('CREATE TABLE f (ts TIMESTAMP TIME INDEX, d DOUBLE, r FLOAT)');
      await h.q('INSERT INTO f VALUES (1, -1.0, 2.5), (2, 100.0, 3.0)');
      expect(await h.rows("SELECT concat('v=', d), concat_ws(',', d, r), 'x' || d FROM f ORDER BY ts"))
        .to.deep.equal([['v=-1.0', '-1.0,2.5', 'x-1.0'], ['v=100.0', '100.0,3.0', 'x100.0']]);
      // Every argument is cast by its type, as DataFusion casts concat's arguments to text: a timestamp is not its raw number.
      expect(await h.rows("SELECT concat('t=', ts) = 't=' || CAST(ts AS STRING), concat(true, 1, NULL, 'x') FROM f WHERE ts = 1")).to.deep.equal([[true, 'true1x']]);
    });
  });
  describe('division by zero', () => {
    beforeEach(async () => {
      await h.q('CREATE TABLE n (ts TIMESTAMP TIME INDEX, v BIGINT, i INT, u BIGINT UNSIGNED, d DOUBLE)');
      await h.q('INSERT INTO n VALUES (1, 6, 6, 6, 6.0), (2, 0, 0, 0, 0.0), (3, NULL, NULL, NULL, NULL)');
    });

    it('integer / and % by zero is DIVIDE_BY_ZERO (DataFusion: "Divide by zero error"), not NULL', async () => {
      for (const sql of ['SELECT 1 / 0', 'SELECT 5 % 0', 'SELECT 10 / v FROM n', 'SELECT i % i FROM n', 'SELECT u / 0 FROM n', 'SELECT v DIV 0 FROM n']) {
        await fails(sql, 'DIVIDE_BY_ZERO', 'Divide by zero error');
      }
      // The error is an execution error with GreptimeDB's EngineExecuteQuery status.
      const err = await h.q('SELECT 1 / 0').catch((e: { status?: number }) => e);
      expect((err as { status?: number }).status).to.equal(3001);
    });

    it('a NULL divisor or dividend is not divided; rows filtered out never are', async () => {
      expect(await h.rows('SELECT 12 / v, v % 4 FROM n WHERE v IS NULL OR v <> 0 ORDER BY ts')).to.deep.equal([[2, 2], [null, null]]);
      expect(await h.rows('SELECT 12 / NULLIF(v, 0) FROM n ORDER BY ts')).to.deep.equal([[2], [null], [null]]);
    });

    it('CASE evaluates a branch only for the rows it answers, so a guarded division works', async () => {
      expect(await h.rows('SELECT CASE WHEN v <> 0 THEN 12 / v END, CASE WHEN v = 0 THEN -1 ELSE 12 % v END FROM n ORDER BY ts'))
        .to.deep.equal([[2, 0], [null, -1], [null, null]]);
      expect(await h.rows('SELECT CASE v WHEN 0 THEN 0 ELSE 12 / v END FROM n ORDER BY ts')).to.deep.equal([[2], [0], [null]]);
      // A later WHEN still sees the rows an earlier one did not take.
      await fails('SELECT CASE WHEN v > 100 THEN 1 WHEN 12 / v > 1 THEN 2 END FROM n', 'DIVIDE_BY_ZERO', 'Divide by zero error');
    });

    it('CASE whose parts cannot fail answers the same (NULL WHENs fall through; no ELSE is NULL)', async () => {
      // v, i, d by ts: 6, 0, NULL
      expect(await h.rows(`SELECT CASE WHEN d <> 0 THEN 12 / d WHEN d = 0 THEN -1.5 END,
        CASE WHEN v > 0 THEN v * 2 WHEN v = 0 THEN v - 1 ELSE 99 END,
        CASE WHEN i IS NULL THEN 'none' WHEN i > 3 THEN 'big' ELSE CAST(i AS STRING) END,
        CASE WHEN d > 1 THEN d > 5 WHEN d >= 0 THEN NULL ELSE false END FROM n ORDER BY ts`))
        .to.deep.equal([[2, 12, 'big', true], [-1.5, -1, '0', null], [null, 99, 'none', false]]);
    });

    it('float division by zero stays IEEE: inf, -inf, NaN', async () => {
      expect(await h.rows('SELECT d / 0, -d / 0, d % 0, 1.0 / 0 FROM n ORDER BY ts')).to.deep.equal([
        [Infinity, -Infinity, NaN, Infinity], [NaN, NaN, NaN, Infinity], [null, null, null, Infinity],
      ]);
    });
  });
  describe('result types of median and the ranking window functions', () => {
    beforeEach(async () => {
      await h.q('CREATE TABLE m (ts TIMESTAMP TIME INDEX, v BIGINT, i INT, u BIGINT UNSIGNED, d DOUBLE, f FLOAT, x DECIMAL(10, 2))');
      // 'NaN' quoted is text, which a FLOAT column refuses as a plain literal (GreptimeDB's special_value case casts it too).
      await h.q(`INSERT INTO m VALUES (1, 1, 1, 1, 1.0, 1.0, 1.00), (2, 2, 2, 2, 2.0, 2.0, 2.05),
        (3, 5, -5, 9223372036854775808, NULL, 'NaN'::FLOAT, NULL), (4, -8, 8, 18446744073709551615, 3.5, 0.5, -1.11)`);
    });

    it('median of integers is a DOUBLE (an even count keeps the .5), floats keep their type, decimals their scale (truncated)', async () => {
      const r = await h.q('SELECT median(v), median(i), median(u), median(d), median(f), CAST(median(x) AS STRING) FROM m');
      expect(r.types.slice(0, 5)).to.deep.equal(['Float64', 'Float64', 'Float64', 'Float64', 'Float32']);
      // v: -8 1 2 5 -> (1 + 2) / 2 = 1.5; u: the middle pair summed without overflow past 2^64; f: NaN sorts last; x: the middle of three.
      expect(r.rows).to.deep.equal([[1.5, 1.5, (2 + 2 ** 63) / 2, 2, 1.5, '1.00']]);
      expect(await h.rows('SELECT CAST(median(x) AS STRING) FROM m WHERE ts < 3')).to.deep.equal([['1.52']]);
      expect((await h.q('SELECT median(x) FROM m')).types).to.deep.equal(['Decimal128']);
      expect(await h.rows('SELECT median(i), median(v) FROM m WHERE ts IN (1, 3)')).to.deep.equal([[-2, 3]]);
      expect(await h.rows('SELECT median(v) FROM m WHERE ts > 100')).to.deep.equal([[null]]);
    });

    it('row_number, rank, dense_rank and ntile are UInt64', async () => {
      const r = await h.q('SELECT row_number() OVER (ORDER BY ts), rank() OVER (ORDER BY v > 0), dense_rank() OVER (ORDER BY v > 0), ntile(2) OVER (ORDER BY ts) FROM m ORDER BY ts');
      expect(r.types).to.deep.equal(['UInt64', 'UInt64', 'UInt64', 'UInt64']);
      expect(r.rows).to.deep.equal([[1n, 2n, 2n, 1n], [2n, 2n, 2n, 1n], [3n, 2n, 2n, 2n], [4n, 1n, 1n, 2n]]);
    });

    it('ntile spreads the larger buckets as DataFusion does (floor(i * k / n) + 1)', async () => {
      await h.q('CREATE TABLE s (ts TIMESTAMP TIME INDEX, v BIGINT)');
      await h.q(`INSERT INTO s VALUES ${Array.from({ length: 10 }, (_, i) => `(${i}, ${i})`).join(', ')}`);
      expect((await h.rows('SELECT ntile(4) OVER (ORDER BY ts) FROM s ORDER BY ts')).flat()).to.deep.equal([1, 1, 1, 2, 2, 3, 3, 3, 4, 4]);
      expect((await h.rows('SELECT ntile(20) OVER (ORDER BY ts) FROM s ORDER BY ts')).flat()).to.deep.equal([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    });
  });
  describe('SHOW and information_schema output', () => {
    beforeEach(async () => {
      await h.q(`CREATE TABLE cpu (host STRING, idc STRING, ts TIMESTAMP TIME INDEX, v DOUBLE, PRIMARY KEY (host, idc))
        WITH (ttl = '7d', write_buffer_size = '1024', 'compaction.twcs.time_window' = '1h', append_mode = 'true')`);
      await h.q("INSERT INTO cpu VALUES ('a', 'x', 1, 1.0), ('b', 'x', 2, 2.0)");
    });

    it('SHOW INDEX has GreptimeDB\'s 15 columns; PRIMARY is unique, the time index not nullable', async () => {
      const r = await h.q('SHOW INDEX FROM cpu');
      expect(r.columns).to.deep.equal(['Table', 'Non_unique', 'Key_name', 'Seq_in_index', 'Column_name', 'Collation', 'Cardinality', 'Sub_part',
        'Packed', 'Null', 'Index_type', 'Comment', 'Index_comment', 'Visible', 'Expression']);
      expect(r.types.slice(0, 4)).to.deep.equal(['String', 'Int64', 'String', 'Int64']);
      expect(r.rows).to.deep.equal([
        ['cpu', 0n, 'PRIMARY', 1n, 'host', 'A', null, null, null, 'YES', 'greptime-primary-key-v1', '', '', 'YES', null],
        ['cpu', 0n, 'PRIMARY', 2n, 'idc', 'A', null, null, null, 'YES', 'greptime-primary-key-v1', '', '', 'YES', null],
        ['cpu', 1n, 'TIME INDEX', 1n, 'ts', 'A', null, null, null, 'NO', '', '', '', 'YES', null],
      ]);
      expect(await h.rows("SHOW INDEX FROM cpu WHERE Key_name = 'TIME INDEX'")).to.have.length(1);
      await fails("SHOW INDEX FROM cpu LIKE '%h%'", 'UNSUPPORTED', 'keyword: like');
      expect(await h.rows("SELECT index_name, seq_in_index, column_name, index_type, greptime_index_type FROM information_schema.statistics WHERE table_name = 'cpu'"))
        .to.deep.equal([['PRIMARY', 1, 'host', 'BTREE', 'greptime-primary-key-v1'], ['PRIMARY', 2, 'idc', 'BTREE', 'greptime-primary-key-v1'], ['TIME INDEX', 1, 'ts', 'BTREE', '']]);
    });

    it('information_schema.tables has GreptimeDB\'s 24 columns and types', async () => {
      const r = await h.q("SELECT * FROM information_schema.tables WHERE table_name = 'cpu'");
      expect(r.columns).to.deep.equal(['table_catalog', 'table_schema', 'table_name', 'table_type', 'table_id', 'data_length', 'max_data_length',
        'index_length', 'max_index_length', 'avg_row_length', 'engine', 'version', 'row_format', 'table_rows', 'data_free', 'auto_increment',
        'create_time', 'update_time', 'check_time', 'table_collation', 'checksum', 'create_options', 'table_comment', 'temporary']);
      expect(r.types).to.deep.equal(['String', 'String', 'String', 'String', 'UInt32', 'UInt64', 'UInt64', 'UInt64', 'UInt64', 'UInt64', 'String', 'UInt64',
        'String', 'UInt64', 'UInt64', 'UInt64', 'TimestampMicrosecond', 'TimestampMicrosecond', 'TimestampMicrosecond', 'String', 'UInt64', 'String', 'String', 'String']);
      expect(await h.rows("SELECT table_type, engine, version, row_format, table_rows, table_collation, create_options, temporary FROM information_schema.tables WHERE table_name = 'cpu'"))
        .to.deep.equal([['BASE TABLE', 'mito', 11, 'Fixed', 2, 'utf8_bin', 'append_mode=true compaction.twcs.time_window=1h ttl=7days write_buffer_size=1024', 'N']]);
      expect(await h.rows("SELECT table_type, temporary FROM information_schema.tables WHERE table_schema = 'information_schema' AND table_name = 'tables'"))
        .to.deep.equal([['LOCAL TEMPORARY', 'Y']]);
    });

    it('SHOW FULL DATABASES adds Options (information_schema.schemata.options)', async () => {
      await h.q("CREATE DATABASE d2 WITH (ttl = '7d')");
      const r = await h.q('SHOW FULL DATABASES');
      expect(r.columns).to.deep.equal(['Database', 'Options']);
      expect(r.rows).to.deep.equal([['d2', "ttl='7days'"], ['information_schema', ''], ['public', '']]);
      expect((await h.q('SHOW DATABASES')).columns).to.deep.equal(['Database']);
      expect(await h.rows("SELECT options FROM information_schema.schemata WHERE schema_name = 'd2'")).to.deep.equal([["ttl='7days'"]]);
    });

    it('SHOW CREATE TABLE: GreptimeDB\'s layout, options sorted, ttl in humantime form; it runs again to the same table', async () => {
      const text = String((await h.rows('SHOW CREATE TABLE cpu'))[0]![1]);
      expect(text).to.equal([
        'CREATE TABLE IF NOT EXISTS "cpu" (', '  "host" STRING NULL,', '  "idc" STRING NULL,', '  "ts" TIMESTAMP(3) NOT NULL,', '  "v" DOUBLE NULL,',
        '  TIME INDEX ("ts"),', '  PRIMARY KEY ("host", "idc")', ')', '', 'ENGINE=mito',
        'WITH(', "  append_mode = 'true',", "  'compaction.twcs.time_window' = '1h',", "  ttl = '7days',", "  write_buffer_size = '1024'", ')',
      ].join('\n'));
      await h.q('CREATE DATABASE again');
      await h.q('USE again');
      await h.q(text);
      expect(String((await h.rows('SHOW CREATE TABLE cpu'))[0]![1])).to.equal(text);
      await h.q('CREATE TABLE bare (ts TIMESTAMP TIME INDEX)');
      expect(String((await h.rows('SHOW CREATE TABLE bare'))[0]![1])).to.match(/\)\n\nENGINE=mito\n$/);
      await h.q("ALTER TABLE bare SET 'ttl' = '90m'");
      expect(String((await h.rows('SHOW CREATE TABLE bare'))[0]![1])).to.contain("ttl = '1h 30m'");
      await h.q("ALTER TABLE bare SET 'ttl' = '400d'");
      expect(String((await h.rows('SHOW CREATE TABLE bare'))[0]![1])).to.contain("ttl = '1year 1month 4days 7h 26m 24s'");
    });

    it('SHOW TABLES / DATABASES / COLUMNS ... LIKE match case-sensitively; SHOW VARIABLES LIKE does not', async () => {
      expect(await h.rows("SHOW TABLES LIKE 'CPU'")).to.deep.equal([]);
      expect(await h.rows("SHOW TABLES LIKE 'c%'")).to.deep.equal([['cpu']]);
      expect(await h.rows("SHOW DATABASES LIKE 'PUB%'")).to.deep.equal([]);
      expect(await h.rows("SHOW DATABASES LIKE 'pub%'")).to.deep.equal([['public']]);
      expect((await h.rows("SHOW COLUMNS FROM cpu LIKE 'H%'"))).to.deep.equal([]);
      expect(await h.rows("SHOW VARIABLES LIKE 'TIME_ZONE'")).to.deep.equal([['time_zone', 'UTC']]);
    });
  });
});
