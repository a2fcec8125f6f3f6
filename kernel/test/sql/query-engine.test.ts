import { expect } from 'chai';
import { METRICS } from '../../src/index.js';
import { SqlHarness } from '../support/sql-harness.js';

describe('sql: query engine end to end (in-memory engine)', function () {
  this.timeout(10_000);
  let h: SqlHarness;
  beforeEach(async () => {
    h = await SqlHarness.start();
    await h.q("CREATE TABLE cpu (host STRING, region STRING, ts TIMESTAMP TIME INDEX, usage DOUBLE, n BIGINT, PRIMARY KEY(host, region))");
    await h.q("INSERT INTO cpu VALUES ('a','us',1000,1.5,1),('b','eu',2000,2.5,2),('a','us',3000,3.5,null),('c',null,4000,null,4)");
  });
  afterEach(async () => { await h.stop(); });

  it('selects with WHERE, GROUP BY, ORDER BY, LIMIT', async () => {
    const r = await h.q('SELECT host, avg(usage) AS a, count(*), sum(n) FROM cpu WHERE ts >= 1000 GROUP BY host ORDER BY host DESC LIMIT 2');
    expect(r.columns).to.deep.equal(['host', 'a', 'count(*)', 'sum(n)']);
    expect(r.types).to.deep.equal(['String', 'Float64', 'Int64', 'Int64']);
    expect(r.rows.map((x) => x.map(String))).to.deep.equal([['c', 'null', '1', '4'], ['b', '2.5', '1', '2']]);
  });

  it('describes a table with GreptimeDB columns', async () => {
    const r = await h.q('DESC TABLE cpu');
    expect(r.columns).to.deep.equal(['Column', 'Type', 'Key', 'Null', 'Default', 'Semantic Type']);
    expect(r.rows[2]).to.deep.equal(['ts', 'TimestampMillisecond', 'PRI', 'NO', '', 'TIMESTAMP']);
    expect(r.rows[3]).to.deep.equal(['usage', 'Float64', '', 'YES', '', 'FIELD']);
  });

  it('shows tables and databases', async () => {
    expect((await h.rows('SHOW TABLES')).flat()).to.deep.equal(['cpu']);
    expect((await h.rows('SHOW DATABASES')).flat()).to.deep.equal(['information_schema', 'public']);
  });

  it('answers connection-time queries', async () => {
    expect((await h.rows('SELECT @@version_comment LIMIT 1'))[0]![0]).to.be.a('string');
    expect(await h.rows('SELECT DATABASE()')).to.deep.equal([['public']]);
  });

  it('raises clear errors for unknown tables and columns', async () => {
    // A query's unknown column is DataFusion's plan error in GreptimeDB: 3000, not the catalog's 4002.
    await h.q('SELECT nope FROM cpu').then(() => expect.fail('should fail'), (e) => expect(e.code).to.equal('PLAN_QUERY'));
    await h.q('SELECT * FROM nope').then(() => expect.fail('should fail'), (e) => expect(e.code).to.equal('TABLE_NOT_FOUND'));
  });

  it('pushes time range and tag predicates into the scan (EXPLAIN)', async () => {
    const r = await h.q("EXPLAIN SELECT host, max(usage) FROM cpu WHERE ts > '1970-01-01 00:00:01' AND host = 'a' GROUP BY host");
    const text = String(r.rows[0]![1]);
    expect(text).to.contain('time_range=[1001, +inf)');
    expect(text).to.contain('"column":"host","op":"=","value":"a"');
    // The time conjunct is the scan's (exact) time range, so ts is neither re-filtered nor read.
    expect(text).to.contain('projection=[host, usage]');
    expect(text).not.to.match(/Filter:.*ts/);
  });

  it('counts statements and errors in the server metrics', async () => {
    await h.q('SELECT 1').catch(() => undefined);
    await h.q('SELECT * FROM missing').catch(() => undefined);
    const text = await h.server.get(METRICS).text();
    expect(text).to.match(/strata_sql_statements_total\{kind="QueryStatement"\} [1-9]/);
    expect(text).to.contain('strata_sql_statement_errors_total{code="TABLE_NOT_FOUND"} 1');
    const r = await h.rows("SELECT value FROM information_schema.runtime_metrics WHERE metric_name = 'strata_sql_statement_errors_total' AND labels = 'code=TABLE_NOT_FOUND'");
    expect(r).to.deep.equal([[1]]);
  });
});
