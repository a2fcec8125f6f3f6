import { expect } from 'chai';
import { SqlHarness } from '../support/sql-harness.js';
import { parseAll } from './parser-helpers.js';
import { MemoryObjectStore } from '../support/memory-object-store.js';
import { CATALOG_KEY } from '../../src/index.js';
import type * as ast from '../../src/sql/ast.js';

/**
 * Column index options (GreptimeDB's INVERTED / FULLTEXT / SKIPPING INDEX):
 * kept in the schema, shown by SHOW CREATE TABLE, SHOW INDEX and
 * information_schema, changed by ALTER TABLE ... MODIFY COLUMN c SET/UNSET,
 * checked with GreptimeDB's rules. Expected texts come from GreptimeDB's
 * sqlness results (show/show_index, create/create_with_fulltext,
 * create/create_with_skipping_index, alter/change_col_*).
 */
describe('sql: column index options (INVERTED / FULLTEXT / SKIPPING INDEX)', function () {
  this.timeout(10_000);
  let h: SqlHarness;
  beforeEach(async () => { h = await SqlHarness.start(); });
  afterEach(async () => { await h.stop(); });

  const createText = async (t: string): Promise<string> => String((await h.rows(`SHOW CREATE TABLE ${t}`))[0]![1]);
  const fails = (sql: string, text: string, code = 'INVALID_ARGUMENTS'): Promise<void> => h.fails(sql, text, code);
  /** SHOW INDEX rows as [Key_name, Seq_in_index, Column_name, Index_type]. */
  const showIndex = async (t: string): Promise<unknown[][]> => (await h.rows(`SHOW INDEX FROM ${t}`)).map((r) => [r[2], r[3], r[4], r[10]]);

  it('SHOW CREATE TABLE prints every option, sorted, in GreptimeDB\'s layout (create_with_fulltext / skipping_index)', async () => {
    await h.q(`CREATE TABLE log (ts TIMESTAMP TIME INDEX, msg STRING FULLTEXT INDEX, msg2 TEXT FULLTEXT INDEX WITH (analyzer='English', case_sensitive='true'),
      id STRING SKIPPING INDEX, name STRING SKIPPING INDEX WITH (granularity = 8192), host STRING INVERTED INDEX)`);
    expect(await createText('log')).to.equal([
      'CREATE TABLE IF NOT EXISTS "log" (',
      '  "ts" TIMESTAMP(3) NOT NULL,',
      "  \"msg\" STRING NULL FULLTEXT INDEX WITH(analyzer = 'English', backend = 'bloom', case_sensitive = 'false', false_positive_rate = '0.01', granularity = '10240'),",
      "  \"msg2\" STRING NULL FULLTEXT INDEX WITH(analyzer = 'English', backend = 'bloom', case_sensitive = 'true', false_positive_rate = '0.01', granularity = '10240'),",
      "  \"id\" STRING NULL SKIPPING INDEX WITH(false_positive_rate = '0.01', granularity = '10240', type = 'BLOOM'),",
      "  \"name\" STRING NULL SKIPPING INDEX WITH(false_positive_rate = '0.01', granularity = '8192', type = 'BLOOM'),",
      '  "host" STRING NULL INVERTED INDEX,',
      '  TIME INDEX ("ts")',
      ')',
      '',
      'ENGINE=mito',
      '',
    ].join('\n'));
  });

  it('several indexes on one column print FULLTEXT, SKIPPING, INVERTED after NULL/DEFAULT/COMMENT; tantivy has no bloom options', async () => {
    await h.q(`CREATE TABLE t (ts TIMESTAMP TIME INDEX, s STRING DEFAULT 'x' COMMENT 'c' INVERTED INDEX SKIPPING INDEX WITH (false_positive_rate = 0.0001)
      FULLTEXT INDEX WITH (backend = 'Tantivy', analyzer = 'chinese', granularity = 'junk'))`);
    expect((await createText('t')).split('\n')[2]).to.equal(
      "  \"s\" STRING NULL DEFAULT 'x' COMMENT 'c' FULLTEXT INDEX WITH(analyzer = 'Chinese', backend = 'tantivy', case_sensitive = 'false')"
      + " SKIPPING INDEX WITH(false_positive_rate = '0.0001', granularity = '10240', type = 'BLOOM') INVERTED INDEX,");
  });

  it('SHOW CREATE TABLE text re-creates the same indexes', async () => {
    await h.q(`CREATE TABLE a (ts TIMESTAMP TIME INDEX, h STRING INVERTED INDEX, m STRING FULLTEXT INDEX WITH (analyzer = 'Chinese', case_sensitive = 'true'),
      v DOUBLE SKIPPING INDEX WITH (granularity = 1024, false_positive_rate = 0.05), PRIMARY KEY (h))`);
    const text = await createText('a');
    await h.q('DROP TABLE a');
    await h.q(text);
    expect(await createText('a')).to.equal(text);
    expect(text).to.contain("FULLTEXT INDEX WITH(analyzer = 'Chinese', backend = 'bloom', case_sensitive = 'true'");
    expect(text).to.contain("SKIPPING INDEX WITH(false_positive_rate = '0.05', granularity = '1024', type = 'BLOOM')");
  });

  it('SHOW INDEX and information_schema.statistics list the indexes as GreptimeDB does (show/show_index.result)', async () => {
    await h.q(`CREATE TABLE system_metrics (host STRING, idc STRING FULLTEXT INDEX INVERTED INDEX, cpu_util DOUBLE, desc1 STRING,
      desc2 STRING FULLTEXT INDEX, desc3 STRING FULLTEXT INDEX, ts TIMESTAMP DEFAULT CURRENT_TIMESTAMP, PRIMARY KEY(host, idc), TIME INDEX(ts))`);
    await h.q('CREATE TABLE test (a STRING, b STRING SKIPPING INDEX, c DOUBLE, ts TIMESTAMP DEFAULT CURRENT_TIMESTAMP, PRIMARY KEY(a, b), TIME INDEX(ts))');
    expect(await h.rows('SHOW INDEX FROM system_metrics')).to.deep.equal([
      ['system_metrics', 1, 'FULLTEXT INDEX', 1, 'idc', 'A', null, null, null, 'YES', 'greptime-fulltext-index-bloom', '', '', 'YES', null],
      ['system_metrics', 1, 'FULLTEXT INDEX', 2, 'desc2', 'A', null, null, null, 'YES', 'greptime-fulltext-index-bloom', '', '', 'YES', null],
      ['system_metrics', 1, 'FULLTEXT INDEX', 3, 'desc3', 'A', null, null, null, 'YES', 'greptime-fulltext-index-bloom', '', '', 'YES', null],
      ['system_metrics', 1, 'INVERTED INDEX', 1, 'idc', 'A', null, null, null, 'YES', 'greptime-inverted-index-v1', '', '', 'YES', null],
      ['system_metrics', 0, 'PRIMARY', 1, 'host', 'A', null, null, null, 'YES', 'greptime-primary-key-v1', '', '', 'YES', null],
      ['system_metrics', 0, 'PRIMARY', 2, 'idc', 'A', null, null, null, 'YES', 'greptime-primary-key-v1', '', '', 'YES', null],
      ['system_metrics', 1, 'TIME INDEX', 1, 'ts', 'A', null, null, null, 'NO', '', '', '', 'YES', null],
    ]);
    expect(await showIndex('test')).to.deep.equal([
      ['PRIMARY', 1, 'a', 'greptime-primary-key-v1'], ['PRIMARY', 2, 'b', 'greptime-primary-key-v1'],
      ['SKIPPING INDEX', 1, 'b', 'greptime-bloom-filter-v1'], ['TIME INDEX', 1, 'ts', ''],
    ]);
    expect(await h.rows("SHOW INDEX FROM system_metrics WHERE Key_name = 'INVERTED INDEX'")).to.have.length(1);
    expect(await h.rows(`SELECT table_name, non_unique, index_name, seq_in_index, column_name, index_type, greptime_index_type
      FROM information_schema.statistics WHERE table_schema = 'public' AND table_name IN ('system_metrics', 'test')
      ORDER BY table_name, index_name, seq_in_index, column_name`)).to.deep.equal([
      ['system_metrics', 1, 'FULLTEXT INDEX', 1, 'idc', 'FULLTEXT', 'greptime-fulltext-index-bloom'],
      ['system_metrics', 1, 'FULLTEXT INDEX', 2, 'desc2', 'FULLTEXT', 'greptime-fulltext-index-bloom'],
      ['system_metrics', 1, 'FULLTEXT INDEX', 3, 'desc3', 'FULLTEXT', 'greptime-fulltext-index-bloom'],
      ['system_metrics', 1, 'INVERTED INDEX', 1, 'idc', 'INVERTED', 'greptime-inverted-index-v1'],
      ['system_metrics', 0, 'PRIMARY', 1, 'host', 'BTREE', 'greptime-primary-key-v1'],
      ['system_metrics', 0, 'PRIMARY', 2, 'idc', 'BTREE', 'greptime-primary-key-v1'],
      ['system_metrics', 1, 'TIME INDEX', 1, 'ts', 'BTREE', ''],
      ['test', 0, 'PRIMARY', 1, 'a', 'BTREE', 'greptime-primary-key-v1'],
      ['test', 0, 'PRIMARY', 2, 'b', 'BTREE', 'greptime-primary-key-v1'],
      ['test', 1, 'SKIPPING INDEX', 1, 'b', 'BLOOM', 'greptime-bloom-filter-v1'],
      ['test', 1, 'TIME INDEX', 1, 'ts', 'BTREE', ''],
    ]);
  });

  it('a tantivy FULLTEXT index is greptime-fulltext-index-v1', async () => {
    await h.q("CREATE TABLE t (ts TIMESTAMP TIME INDEX, m STRING FULLTEXT INDEX WITH (backend = 'tantivy'))");
    expect(await showIndex('t')).to.deep.equal([['FULLTEXT INDEX', 1, 'm', 'greptime-fulltext-index-v1'], ['TIME INDEX', 1, 'ts', '']]);
  });

  it('information_schema.key_column_usage names every key and index of a column, as GreptimeDB does', async () => {
    await h.q('CREATE TABLE k (host STRING INVERTED INDEX, region STRING, v DOUBLE SKIPPING INDEX, ts TIMESTAMP TIME INDEX, PRIMARY KEY (host, region))');
    expect(await h.rows(`SELECT constraint_name, column_name, ordinal_position, greptime_index_type FROM information_schema.key_column_usage
      WHERE table_name = 'k'`)).to.deep.equal([
      ['PRIMARY, INVERTED INDEX', 'host', 1, 'greptime-primary-key-v1, greptime-inverted-index-v1'],
      ['PRIMARY', 'region', 2, 'greptime-primary-key-v1'],
      ['SKIPPING INDEX', 'v', 3, 'greptime-bloom-filter-v1'],
      ['TIME INDEX', 'ts', 1, ''],
    ]);
  });

  it('ALTER ... MODIFY COLUMN c SET / UNSET INVERTED INDEX (alter/change_col_inverted_index)', async () => {
    await h.q('CREATE TABLE fox (ts TIMESTAMP TIME INDEX, fox STRING)');
    await h.q('ALTER TABLE fox MODIFY COLUMN fox SET INVERTED INDEX');
    expect((await createText('fox')).split('\n')[2]).to.equal('  "fox" STRING NULL INVERTED INDEX,');
    expect(await showIndex('fox')).to.deep.equal([['INVERTED INDEX', 1, 'fox', 'greptime-inverted-index-v1'], ['TIME INDEX', 1, 'ts', '']]);
    await h.q('ALTER TABLE fox MODIFY COLUMN fox UNSET INVERTED INDEX');
    expect((await createText('fox')).split('\n')[2]).to.equal('  "fox" STRING NULL,');
    expect(await showIndex('fox')).to.deep.equal([['TIME INDEX', 1, 'ts', '']]);
    // Unsetting an index a column does not have is accepted (test_pk in GreptimeDB's case).
    await h.q('ALTER TABLE fox MODIFY COLUMN fox UNSET INVERTED INDEX');
    await fails('ALTER TABLE fox MODIFY COLUMN fox SET INVERTED INDEX WITH (a = 1)', "Invalid column option, column name: fox, error: INVERTED index doesn't support options");
    await fails('ALTER TABLE fox MODIFY COLUMN nope SET INVERTED INDEX', 'nope', 'TABLE_COLUMN_NOT_FOUND');
  });

  it('ALTER ... SET / UNSET FULLTEXT INDEX keeps analyzer and case sensitivity (alter/change_col_fulltext_options)', async () => {
    await h.q("CREATE TABLE test (message STRING, time TIMESTAMP TIME INDEX) WITH (append_mode = 'true')");
    await h.q("ALTER TABLE test MODIFY COLUMN message SET FULLTEXT INDEX WITH(analyzer = 'Chinese', case_sensitive = 'true')");
    expect((await createText('test')).split('\n')[1]).to.equal(
      "  \"message\" STRING NULL FULLTEXT INDEX WITH(analyzer = 'Chinese', backend = 'bloom', case_sensitive = 'true', false_positive_rate = '0.01', granularity = '10240'),");
    await fails("ALTER TABLE test MODIFY COLUMN message SET FULLTEXT INDEX WITH(analyzer = 'Chinese', case_sensitive = 'false')",
      'Invalid column option, column name: message, error: FULLTEXT index already enabled');
    await h.q('ALTER TABLE test MODIFY COLUMN message UNSET FULLTEXT INDEX');
    expect((await createText('test')).split('\n')[1]).to.equal('  "message" STRING NULL,');
    expect(await showIndex('test')).to.deep.equal([['TIME INDEX', 1, 'time', '']]);
    await fails("ALTER TABLE test MODIFY COLUMN message SET FULLTEXT INDEX WITH(analyzer = 'Chinglish', case_sensitive = 'false')",
      "Invalid fulltext option: Chinglish, expected: 'English' | 'Chinese'");
    await fails("ALTER TABLE test MODIFY COLUMN message SET FULLTEXT INDEX WITH(analyzer = 'Chinese', case_sensitive = 'no')",
      "Invalid fulltext option: no, expected: 'true' | 'false'");
    await fails("ALTER TABLE test MODIFY COLUMN time SET FULLTEXT INDEX WITH(analyzer = 'Chinese', case_sensitive = 'false')",
      'Invalid column option, column name: time, error: FULLTEXT index only supports string type');
    await fails("ALTER TABLE test MODIFY COLUMN message SET FULLTEXT INDEX WITH(analyzer = 'English', case_sensitive = 'true')",
      'Cannot change analyzer or case_sensitive if FULLTEXT index is set before. Previous analyzer: Chinese, previous case_sensitive: true');
    await fails("ALTER TABLE test MODIFY COLUMN message SET FULLTEXT INDEX WITH(bogus = 'x')", 'invalid FULLTEXT option: bogus');
    // The same analyzer and case sensitivity may come back (other options may change).
    await h.q("ALTER TABLE test MODIFY COLUMN message SET FULLTEXT INDEX WITH(analyzer = 'chinese', case_sensitive = 'TRUE', granularity = 4096)");
    expect((await createText('test')).split('\n')[1]).to.contain("case_sensitive = 'true', false_positive_rate = '0.01', granularity = '4096'");
  });

  it('ALTER ... SET SKIPPING INDEX replaces its options; UNSET drops it (alter/change_col_skipping_options)', async () => {
    await h.q('CREATE TABLE test (value DOUBLE, category STRING, metric BIGINT, time TIMESTAMP TIME INDEX)');
    await h.q("ALTER TABLE test MODIFY COLUMN value SET SKIPPING INDEX WITH(granularity = 1024, type = 'BLOOM', false_positive_rate = 0.01)");
    await h.q("ALTER TABLE test MODIFY COLUMN metric SET SKIPPING INDEX WITH(granularity = 1024, type = 'BLOOM', false_positive_rate = 0.01)");
    await h.q("ALTER TABLE test MODIFY COLUMN value SET SKIPPING INDEX WITH(granularity = 8192, type = 'BLOOM', false_positive_rate = 0.0001)");
    const lines = (await createText('test')).split('\n');
    expect(lines[1]).to.equal("  \"value\" DOUBLE NULL SKIPPING INDEX WITH(false_positive_rate = '0.0001', granularity = '8192', type = 'BLOOM'),");
    expect(lines[3]).to.equal("  \"metric\" BIGINT NULL SKIPPING INDEX WITH(false_positive_rate = '0.01', granularity = '1024', type = 'BLOOM'),");
    expect(await showIndex('test')).to.deep.equal([
      ['SKIPPING INDEX', 1, 'value', 'greptime-bloom-filter-v1'], ['SKIPPING INDEX', 2, 'metric', 'greptime-bloom-filter-v1'], ['TIME INDEX', 1, 'time', ''],
    ]);
    await h.q('ALTER TABLE test MODIFY COLUMN value UNSET SKIPPING INDEX');
    expect((await createText('test')).split('\n')[1]).to.equal('  "value" DOUBLE NULL,');
    await fails("ALTER TABLE test MODIFY COLUMN value SET SKIPPING INDEX WITH(blabla = 1024, type = 'BLOOM')",
      'Invalid column option, column name: value, error: invalid SKIPPING INDEX option: blabla');
    await fails("ALTER TABLE test MODIFY COLUMN value SET SKIPPING INDEX WITH(granularity = 1024, type = 'BLOOM', false_positive_rate = 0)",
      'Invalid skipping index option: Invalid false positive rate: 0, expected: 0.0 < rate <= 1.0');
    await fails('ALTER TABLE test MODIFY COLUMN value SET SKIPPING INDEX WITH(false_positive_rate = 2)', 'Invalid false positive rate: 2');
    await fails('ALTER TABLE test MODIFY COLUMN value SET SKIPPING INDEX WITH(false_positive_rate = -0.01)', 'Invalid false positive rate: -0.01');
    await fails('ALTER TABLE test MODIFY COLUMN value SET SKIPPING INDEX WITH(granularity = 0)', 'Invalid skipping index option: Invalid granularity: 0, expected: positive integer');
    await fails("ALTER TABLE test MODIFY COLUMN value SET SKIPPING INDEX WITH(type = 'HASH')", "Invalid skipping index option: Invalid index type: HASH, expected: 'BLOOM'");
    // Partial options take the defaults; the time index column may carry one.
    await h.q('ALTER TABLE test MODIFY COLUMN time SET SKIPPING INDEX WITH(granularity = 1024)');
    expect((await createText('test')).split('\n')[4]).to.equal(
      "  \"time\" TIMESTAMP(3) NOT NULL SKIPPING INDEX WITH(false_positive_rate = '0.01', granularity = '1024', type = 'BLOOM'),");
  });

  it('CREATE TABLE refuses bad index options with GreptimeDB\'s messages (create/create_with_fulltext)', async () => {
    await fails('CREATE TABLE x (ts TIMESTAMP TIME INDEX, msg TEXT FULLTEXT FULLTEXT)', 'Invalid column option, column name: msg, error: expect INDEX after FULLTEXT keyword');
    await fails('CREATE TABLE x (ts TIMESTAMP TIME INDEX, msg INT FULLTEXT INDEX)', 'Invalid column option, column name: msg, error: FULLTEXT index only supports string type');
    await fails("CREATE TABLE x (ts TIMESTAMP TIME INDEX, msg TEXT FULLTEXT INDEX WITH (analyzer='English', invalid_option='true'))",
      'Invalid column option, column name: msg, error: invalid FULLTEXT INDEX option: invalid_option');
    await fails('CREATE TABLE x (ts TIMESTAMP TIME INDEX, msg TEXT FULLTEXT INDEX FULLTEXT INDEX)', 'duplicated FULLTEXT INDEX option');
    await fails('CREATE TABLE x (ts TIMESTAMP TIME INDEX, msg TEXT SKIPPING INDEX SKIPPING INDEX)', 'duplicated SKIPPING index option');
    await fails('CREATE TABLE x (ts TIMESTAMP TIME INDEX, msg TEXT INVERTED INDEX INVERTED INDEX)', 'duplicated INVERTED index option');
    await fails("CREATE TABLE x (ts TIMESTAMP TIME INDEX, msg TEXT INVERTED INDEX WITH (granularity = '1'))", "INVERTED index doesn't support options");
    await fails("CREATE TABLE x (ts TIMESTAMP TIME INDEX, msg TEXT SKIPPING INDEX WITH (analyzer = 'English'))", 'invalid SKIPPING INDEX option: analyzer');
    await fails("CREATE TABLE x (ts TIMESTAMP TIME INDEX, msg TEXT FULLTEXT INDEX WITH (backend = 'lucene'))", "Invalid fulltext option: lucene, expected: 'bloom' | 'tantivy'");
    await fails("CREATE TABLE x (ts TIMESTAMP TIME INDEX, msg TEXT FULLTEXT INDEX WITH (granularity = '1.5'))", 'Invalid fulltext option: Invalid granularity: 1.5, expected: positive integer');
    await fails("CREATE TABLE x (ts TIMESTAMP TIME INDEX, msg TEXT FULLTEXT INDEX WITH (false_positive_rate = 'x'))", 'Invalid fulltext option: Invalid false positive rate: x');
    expect(await h.rows('SHOW TABLES')).to.deep.equal([]);
  });

  it('ALTER TABLE ADD COLUMN keeps index options; MODIFY COLUMN to a non-string type keeps others but refuses a FULLTEXT column', async () => {
    await h.q('CREATE TABLE t (ts TIMESTAMP TIME INDEX, v DOUBLE INVERTED INDEX, m STRING FULLTEXT INDEX)');
    await h.q("ALTER TABLE t ADD COLUMN s STRING SKIPPING INDEX WITH (granularity = 512)");
    expect((await createText('t')).split('\n')[4]).to.equal("  \"s\" STRING NULL SKIPPING INDEX WITH(false_positive_rate = '0.01', granularity = '512', type = 'BLOOM'),");
    await h.q('ALTER TABLE t MODIFY COLUMN v STRING');
    expect((await createText('t')).split('\n')[2]).to.equal('  "v" STRING NULL INVERTED INDEX,');
    await fails('ALTER TABLE t MODIFY COLUMN m BIGINT', 'Invalid column option, column name: m, error: FULLTEXT index only supports string type');
  });

  it('CREATE TABLE LIKE copies the index options', async () => {
    await h.q("CREATE TABLE src (ts TIMESTAMP TIME INDEX, m STRING FULLTEXT INDEX WITH (analyzer = 'Chinese'), h STRING INVERTED INDEX)");
    await h.q('CREATE TABLE dst LIKE src');
    expect((await createText('dst')).split('\n').slice(1)).to.deep.equal((await createText('src')).split('\n').slice(1));
  });

  it('a catalog written before index options existed loads as no indexes; options set later persist in it', async () => {
    await h.stop();
    const store = new MemoryObjectStore();
    const durable = new Map();
    // The snapshot an older Strata wrote: columns without an `indexes` key.
    const old = {
      format: 'strata-catalog', version: 1, nextTableId: 1025, databases: [{ name: 'public', createdAtMs: 0, options: {} }],
      tables: [{ id: 1024, database: 'public', name: 'cpu', engine: 'mito', regionIds: ['1024_0'], createdAtMs: 0, schema: {
        columns: [{ name: 'host', type: { name: 'String' }, semantic: 'tag', nullable: true },
          { name: 'ts', type: { name: 'TimestampMillisecond' }, semantic: 'timestamp', nullable: false }],
        timeIndex: 'ts', primaryKey: ['host'], options: {}, version: 0 } }],
    };
    await store.put(CATALOG_KEY, Buffer.from(JSON.stringify(old)));
    h = await SqlHarness.start({ store, durable });
    expect(await showIndex('cpu')).to.deep.equal([['PRIMARY', 1, 'host', 'greptime-primary-key-v1'], ['TIME INDEX', 1, 'ts', '']]);
    await h.q('ALTER TABLE cpu MODIFY COLUMN host SET INVERTED INDEX');
    const saved = JSON.parse(Buffer.from(await store.get(CATALOG_KEY)).toString('utf8'));
    expect(saved.tables[0].schema.columns[0].indexes).to.deep.equal({ inverted: true });
    await h.stop();
    h = await SqlHarness.start({ store, durable });
    expect((await createText('cpu')).split('\n')[1]).to.equal('  "host" STRING NULL INVERTED INDEX,');
  });

  it('the grammar gives exactly one parse for the new column options and ALTER actions', () => {
    const st = parseAll(`ALTER TABLE t MODIFY COLUMN a SET INVERTED INDEX, MODIFY COLUMN b SET FULLTEXT INDEX WITH (analyzer = 'Chinese'),
      MODIFY b UNSET SKIPPING INDEX, MODIFY COLUMN c SET SKIPPING INDEX, MODIFY COLUMN d UNSET FULLTEXT INDEX, MODIFY COLUMN e SET DEFAULT 1`)[0] as ast.AlterTableStatement;
    expect(st.actions.map((a) => a.kind)).to.deep.equal(['SetColumnIndex', 'SetColumnIndex', 'UnsetColumnIndex', 'SetColumnIndex', 'UnsetColumnIndex', 'SetColumnDefault']);
    expect(st.actions[1]).to.deep.include({ name: 'b', index: 'fulltext', options: [{ key: 'analyzer', value: 'Chinese' }], withClause: true });
    expect(st.actions[3]).to.deep.equal({ kind: 'SetColumnIndex', name: 'c', index: 'skipping', options: [] });
    const c = parseAll("CREATE TABLE t (ts TIMESTAMP TIME INDEX, a STRING INVERTED INDEX WITH (x = 1) FULLTEXT, b STRING)")[0] as ast.CreateTableStatement;
    expect(c.columns[1]!.indexes).to.deep.equal([
      { kind: 'inverted', options: [{ key: 'x', value: '1' }], withClause: true }, { kind: 'fulltext', options: [], missingIndexKeyword: true },
    ]);
  });
});
