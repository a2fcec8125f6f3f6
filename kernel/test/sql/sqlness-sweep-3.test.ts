import { expect } from 'chai';
import { SqlHarness } from '../support/sql-harness.js';

/**
 * Differences found by running GreptimeDB's sqlness cases (tests/cases/standalone/common/...)
 * against Strata, third round: join/, select/, function/string, show/, information_schema/, alter/, types/.
 */
describe('sql: sqlness sweep 3', function () {
  this.timeout(10_000);
  let h: SqlHarness;
  beforeEach(async () => { h = await SqlHarness.start(); });
  afterEach(async () => { await h.stop(); });

  it('bit_length counts UTF-8 bits (function/string/length)', async () => {
    expect(await h.rows("SELECT bit_length('hello'), bit_length(''), bit_length('世界'), bit_length(NULL)"))
      .to.deep.equal([[40, 0, 48, null]]);
  });

  it('replace with an empty search string returns the input unchanged (function/string/replace)', async () => {
    expect(await h.rows("SELECT replace('hello world', '', 'xyz'), replace('aaa', 'aa', 'b')")).to.deep.equal([['hello world', 'ba']]);
  });

  it('build() gives the build text as key: value lines (select/system)', async () => {
    const [[text]] = await h.rows('SELECT build()') as [[string]];
    expect(text.split('\n').map((l) => l.split(':')[0])).to.deep.equal(['branch', 'commit', 'commit short', 'dirty', 'version']);
    expect(text).to.match(/^version: \d+\.\d+\.\d+$/m);
  });

  it('matches(text, query): terms, phrases, +must, -not, AND over OR, groups (select/matches)', async () => {
    await h.q('CREATE TABLE fox (ts TIMESTAMP TIME INDEX, fox STRING)');
    await h.q(`INSERT INTO fox VALUES (1, 'The quick brown fox jumps over the lazy dog'), (2, 'The             fox jumps over the lazy dog'),
      (3, 'The quick brown     jumps over the lazy dog'), (4, 'The quick brown fox       over the lazy dog'),
      (5, 'The quick brown fox jumps      the lazy dog'), (6, 'The quick brown fox jumps over          dog'),
      (7, 'The quick brown fox jumps over the      dog')`);
    const ids = async (q: string): Promise<number[]> =>
      (await h.rows(`SELECT ts FROM fox WHERE matches(fox, '${q}') ORDER BY ts`)).map((r) => Number(r[0]));
    expect(await ids('"fox jumps"')).to.deep.equal([1, 2, 5, 6, 7]);
    expect(await ids('fox AND lazy')).to.deep.equal([1, 2, 4, 5]);
    expect(await ids('-over -lazy')).to.deep.equal([]);
    expect(await ids('(fox OR brown) AND quick')).to.deep.equal([1, 3, 4, 5, 6, 7]);
    expect(await ids('quick brown fox +jumps')).to.deep.equal([1, 2, 3, 5, 6, 7]);
    expect(await ids('fox AND +jumps AND -over')).to.deep.equal([5]);
    expect(await ids('over -(fox AND jumps)')).to.deep.equal([3, 4]);
    expect(await ids('over AND -(-(fox OR jumps))')).to.deep.equal([1, 2, 3, 4, 6, 7]);
    expect(await h.rows("SELECT matches(NULL, 'a'), matches('Fox', 'fox')")).to.deep.equal([[null, false]]);
    await h.q("SELECT matches(fox, '(fox') FROM fox").then(() => expect.fail('should fail'), (e: Error & { code?: string }) => {
      expect(e.code).to.be.a('string');
      expect(e.message).to.contain("')' is missing");
    });
  });

  it('ALTER TABLE t ALTER COLUMN c TYPE type changes a field column as MODIFY COLUMN does (alter/modify_col)', async () => {
    await h.q('CREATE TABLE test(id INTEGER PRIMARY KEY, i INTEGER, j TIMESTAMP TIME INDEX, k BOOLEAN)');
    await h.q('INSERT INTO test VALUES (1, 1, 1, false), (2, 2, 2, true)');
    await h.q('ALTER TABLE test ALTER COLUMN I TYPE STRING');
    expect(await h.rows('SELECT i FROM test ORDER BY j')).to.deep.equal([['1'], ['2']]);
    await h.q('ALTER TABLE test ALTER k TYPE DATE').then(() => expect.fail('should fail'), (e: Error) => expect(e.message).to.contain('cannot be cast'));
    await h.q('ALTER TABLE test ALTER COLUMN id TYPE STRING').then(() => expect.fail('should fail'), (e: Error) => expect(e.message).to.contain('only field columns'));
  });

  it('arrow_typeof prints Arrow type names and sees a DECIMAL as it is (types/decimal)', async () => {
    expect(await h.rows("SELECT arrow_typeof('a'), arrow_typeof(CAST(1.5 AS DECIMAL(10, 2))), arrow_typeof(CAST('2020-01-01' AS DATE)), arrow_typeof(CAST(0 AS TIMESTAMP(3))), arrow_typeof(INTERVAL '1 day')"))
      .to.deep.equal([['Utf8', 'Decimal128(10, 2)', 'Date32', 'Timestamp(Millisecond, None)', 'Interval(MonthDayNano)']]);
  });

  it('DECIMAL / integer keeps scale s + 4 (types/decimal/decimal_basic: 1.23 / 2 = 0.615000)', async () => {
    await h.q('CREATE TABLE decimals(ts TIMESTAMP TIME INDEX, d DECIMAL(10, 2))');
    await h.q("INSERT INTO decimals VALUES (1000, 1.23), (2000, 3.14), (3000, '123.45'), (4000, '1234.56')");
    expect(await h.rows('SELECT CAST(d / 2 AS STRING), CAST(avg(d) OVER () AS STRING) FROM decimals ORDER BY ts'))
      .to.deep.equal([['0.615000', '340.595000'], ['1.570000', '340.595000'], ['61.725000', '340.595000'], ['617.280000', '340.595000']]);
  });

  it('information_schema is read-only: DDL and writes say so (information_schema/tables)', async () => {
    const refused = async (sql: string, text: string): Promise<void> => {
      await h.q(sql).then(() => expect.fail(`should fail: ${sql}`), (e: Error & { code?: string }) => {
        expect(e.code, sql).to.equal('UNSUPPORTED');
        expect(e.message).to.equal(text);
      });
    };
    await h.q('USE information_schema');
    const ro = 'Schema `information_schema` is read-only';
    await refused('CREATE TABLE t (ts TIMESTAMP TIME INDEX)', ro);
    await refused('DROP TABLE build_info', ro);
    await refused('ALTER TABLE build_info ADD q STRING', ro);
    await refused('TRUNCATE TABLE build_info', ro);
    await refused("INSERT INTO build_info VALUES ('', '', '', '', '')", ro);
    await refused('DELETE FROM build_info', 'Cannot change read-only table: build_info');
    await h.q('USE public');
    await refused('DROP SCHEMA information_schema', ro);
  });

  it('DATE +/- interval moves by whole days, dropping the time part (types/interval)', async () => {
    const rows = await h.rows(`SELECT CAST(DATE '2000-10-30' - INTERVAL '3 year 3 hours' AS STRING), CAST(DATE '2000-10-30' - INTERVAL '11 year 11 days 11 hours' AS STRING),
      CAST(DATE '2000-10-30' + INTERVAL '25 hours' AS STRING), CAST(DATE '1960-01-01' - INTERVAL '1 day 1 hour' AS STRING)`);
    expect(rows).to.deep.equal([['1997-10-30', '1989-10-19', '2000-10-31', '1959-12-31']]);
  });
});
