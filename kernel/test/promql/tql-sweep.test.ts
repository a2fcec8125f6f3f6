import { expect } from 'chai';
import { Evaluator } from '../../src/promql/evaluator.js';
import { parsePromql } from '../../src/promql/parse-promql.js';
import { SqlHarness } from '../support/sql-harness.js';
import { labelsObj, MemorySource, series } from './promql-test-helpers.js';

// Cases from GreptimeDB's sqlness suite (tests/cases/standalone/common/tql and .../promql),
// run through the SQL entry point as a client would send them.
describe('TQL: GreptimeDB sqlness cases', function () {
  this.timeout(20_000);
  let h: SqlHarness;

  before(async () => {
    h = await SqlHarness.start();
    await h.all(`CREATE TABLE test(i DOUBLE, j TIMESTAMP TIME INDEX, k STRING PRIMARY KEY);
      INSERT INTO test VALUES (1, 1, 'a'), (1, 1, 'b'), (2, 2, 'a');
      CREATE TABLE metrics(val DOUBLE, ts TIMESTAMP TIME INDEX, host STRING PRIMARY KEY);
      INSERT INTO metrics VALUES (10.0, '2024-01-01 00:00:00', 'host1'), (15.0, '2024-01-01 06:00:00', 'host1'),
        (20.0, '2024-01-01 12:00:00', 'host1'), (25.0, '2024-01-01 18:00:00', 'host1'), (30.0, '2024-01-02 00:00:00', 'host1'),
        (12.0, '2024-01-01 02:00:00', 'host2'), (18.0, '2024-01-01 08:00:00', 'host2'), (22.0, '2024-01-01 14:00:00', 'host2');
      CREATE TABLE cased (\`Field_I\` DOUBLE, \`Ts_J\` TIMESTAMP TIME INDEX, \`Tag_K\` STRING PRIMARY KEY);
      INSERT INTO cased VALUES (1, 1, 'a')`);
  });
  after(async () => { await h.stop(); });

  const iso = (ms: number) => new Date(ms).toISOString();
  // a selector over test(i, j, k) or metrics(val, ts, host) keeps the table's column order: the time is second
  const times = async (sql: string) => (await h.rows(sql)).map((r) => iso(Number(r[1])));

  // tql/basic.result
  it('start and end are SQL expressions: casts, interval arithmetic, date_trunc, now() - now()', async () => {
    expect(await times(`TQL EVAL ('1970-01-01T00:00:00'::timestamp, '1970-01-01T00:00:00'::timestamp + '10 seconds'::interval, '5s') test{k="a"}`))
      .to.deep.equal(['1970-01-01T00:00:05.000Z', '1970-01-01T00:00:10.000Z']);
    expect(await times(`TQL EVAL (now() - now(), now() - (now() - '10 seconds'::interval), '5s') test{k="a"}`))
      .to.deep.equal(['1970-01-01T00:00:05.000Z', '1970-01-01T00:00:10.000Z']);
    expect(await h.rows(`TQL EVAL (date_trunc('day', '2024-01-02 00:00:00'::timestamp) - interval '1' day,
      date_trunc('day', '2024-01-02 00:00:00'::timestamp), '4h') metrics{host="host1"}`))
      .to.deep.equal([[10, Date.UTC(2024, 0, 1), 'host1'], [20, Date.UTC(2024, 0, 1, 12), 'host1'], [30, Date.UTC(2024, 0, 2), 'host1']]);
    expect(await times(`TQL EVAL ('2024-01-01 00:00:00'::timestamp + interval '12' hour, '2024-01-02 00:00:00'::timestamp - interval '6' hour, '6h', '6h') metrics{host="host2"}`))
      .to.deep.equal(['2024-01-01T12:00:00.000Z', '2024-01-01T18:00:00.000Z']);
  });

  it('a parameter that is not a time is a clear error', async () => {
    try { await h.rows(`TQL EVAL ('x'::timestamp + 1, 10, '5s') test`); expect.fail('no error'); } catch (e) { expect((e as Error).message).to.match(/TQL start|timestamp|cast|parse/i); }
    try { await h.rows(`TQL EVAL (true, 10, '5s') test`); expect.fail('no error'); } catch (e) { expect((e as Error).message).to.match(/TQL start/); }
  });

  it('AS names the value column', async () => {
    const a = await h.q(`TQL EVAL (0, 10, '5s') {__name__="test"} AS test_series`);
    expect(a.columns).to.deep.equal(['test_series', 'k', 'j']);
    expect(a.rows.length).to.equal(4);
    const c = await h.q(`TQL EVAL (0, 10, '5s') count by (k) (test) as c`);
    expect(c.columns).to.deep.equal(['c', 'k', 'j']);
    expect(c.rows.map((r) => Number(r[0]))).to.deep.equal([1, 1, 1, 1]);
  });

  it('__schema__ and __database__ pick the database', async () => {
    expect((await h.rows(`TQL EVAL (0, 10, '5s') test{__schema__="public"}`)).length).to.equal(4);
    expect((await h.rows(`TQL EVAL (0, 10, '5s') test{__database__="public", k="a"}`)).map((r) => r[0])).to.deep.equal([2, 2]);
    expect(await h.rows(`TQL EVAL (0, 10, '5s') test{__schema__="greptime_private"}`)).to.deep.equal([]);
    expect(await h.rows(`TQL EVAL (0, 10, '5s') test{__database__="no_such_db"}`)).to.deep.equal([]);
  });

  it('__field__= naming no column is an error; the name is case-sensitive', async () => {
    expect((await h.rows(`TQL EVAL (0, 10, '5s') cased{__field__="Field_I"}`)).length).to.equal(2);
    try { await h.rows(`TQL EVAL (0, 10, '5s') cased{__field__="field_i"}`); expect.fail('no error'); } catch (e) {
      expect((e as { code?: string }).code).to.equal('INVALID_ARGUMENTS');
      expect((e as Error).message).to.contain('Cannot find column field_i');
    }
  });

  // tql/literal_only.result
  it('a string literal answers the string at every step', async () => {
    const r = await h.q(`TQL EVAL (0, 10, '5s') "1+1"`);
    expect(r.types).to.deep.equal(['TimestampMillisecond', 'String']);
    expect(r.rows.map((x) => [Number(x[0]), x[1]])).to.deep.equal([[0, '1+1'], [5000, '1+1'], [10000, '1+1']]);
  });

  // tql/binary_operator.result
  it('a comma may follow the parameters', async () => {
    expect(await h.rows(`TQL EVAL (0, 10, '5s'), test{k="a"} + (1 < bool 2)`)).to.deep.equal([['a', 5000, 3], ['a', 10000, 3]]);
  });

  // promql/functions.result (the window is [9.9s] so that it holds the same samples under
  // Prometheus 2.x's closed windows as GreptimeDB's left-open [10s])
  it('double_exponential_smoothing and its Prometheus 2.x name holt_winters', async () => {
    await h.all(`CREATE TABLE prom_series (ts TIMESTAMP TIME INDEX, val DOUBLE, host STRING PRIMARY KEY);
      INSERT INTO prom_series (ts, val, host) VALUES (0, 0.0, 'p'), (300, 10.0, 'p'), (600, 20.0, 'p'), (900, 30.0, 'p'), (1200, 40.0, 'p'),
        (1500, 0.0, 'p'), (1800, 10.0, 'p'), (2100, 20.0, 'p'), (2400, 30.0, 'p'), (2700, 40.0, 'p'), (3000, 50.0, 'p')`);
    expect(await h.rows(`TQL EVAL (10, 10, '1s') double_exponential_smoothing(prom_series[9900ms], 0.4 + 0.1, 0.1)`)).to.deep.equal([[10000, 47.0806953125, 'p']]);
    expect(await h.rows(`TQL EVAL (10, 10, '1s') holt_winters(prom_series[9900ms], 0.5, 0.1)`)).to.deep.equal([[10000, 47.0806953125, 'p']]);
    // fewer than two samples: no output
    expect(await h.rows(`TQL EVAL (3, 3, '1s') holt_winters(prom_series[100ms], 0.5, 0.1)`)).to.deep.equal([]);
    try { await h.rows(`TQL EVAL (10, 10, '1s') holt_winters(prom_series[9900ms], 1, 0.1)`); expect.fail('no error'); } catch (e) {
      expect((e as Error).message).to.contain('invalid smoothing factor. Expected: 0 < sf < 1, got: 1');
    }
    try { await h.rows(`TQL EVAL (10, 10, '1s') holt_winters(prom_series[9900ms], 0.5, 0)`); expect.fail('no error'); } catch (e) {
      expect((e as Error).message).to.contain('invalid trend factor. Expected: 0 < tf < 1, got: 0');
    }
  });

  // promql/sort.result: sort_by_label orders by the given labels (natural order), then by all labels
  it('sort_by_label and sort_by_label_desc', async () => {
    const d = [
      series({ __name__: 'm', idc: 'idc10', host: 'host1' }, [[0, 1]]),
      series({ __name__: 'm', idc: 'idc2', host: 'host2' }, [[0, 2]]),
      series({ __name__: 'm', idc: 'idc2', host: 'host1' }, [[0, 3]]),
      series({ __name__: 'm', idc: 'idc1', host: 'host3' }, [[0, 4]]),
    ];
    const order = async (q: string) => {
      const v = await new Evaluator(new MemorySource(d), { startMs: 0, endMs: 0, stepMs: 0 }).evaluate(parsePromql(q));
      return v.type === 'vector' ? v.series.map((s) => { const o = labelsObj(s.labels); return `${o.idc}/${o.host}`; }) : [];
    };
    expect(await order('sort_by_label(m, "idc", "host")')).to.deep.equal(['idc1/host3', 'idc2/host1', 'idc2/host2', 'idc10/host1']);
    expect(await order('sort_by_label_desc(m, "idc", "host")')).to.deep.equal(['idc10/host1', 'idc2/host2', 'idc2/host1', 'idc1/host3']);
    // ties on the given labels fall back to the whole label set
    expect(await order('sort_by_label(m, "idc")')).to.deep.equal(['idc1/host3', 'idc2/host1', 'idc2/host2', 'idc10/host1']);
    expect((await h.rows(`TQL EVAL (0, 0, '5s') sort_by_label(test, "k")`)).length).to.equal(0);
  });

  // promql/string_identifier.result, promql/dotted_column_names.result: Prometheus 3 UTF-8 names
  it('quoted label and metric names (Prometheus 3 UTF-8 names)', async () => {
    await h.all(`CREATE TABLE promql_string_identifier (ts timestamp(3) time index, "service.name" STRING, host STRING, val BIGINT, PRIMARY KEY("service.name", host));
      INSERT INTO promql_string_identifier VALUES (0, 'api-server', 'h1', 1), (5000, 'db', 'host2', 2);
      CREATE TABLE "otel.m" ("ts.time" TIMESTAMP(3) TIME INDEX, "service.name" STRING, "Host" STRING, "v.val" DOUBLE, PRIMARY KEY ("service.name", "Host"));
      INSERT INTO "otel.m" VALUES (0, 'a', 'h1', 1), (0, 'a', 'h2', 2), (0, 'b', 'h1', 3)`);
    expect(await h.rows(`TQL EVAL (0, 10, '5s') promql_string_identifier{"service.name"="api-server"}`))
      .to.deep.equal([[0, 'api-server', 'h1', 1], [5000, 'api-server', 'h1', 1], [10000, 'api-server', 'h1', 1]]);
    expect((await h.rows(`TQL EVAL (0, 10, '5s') {"promql_string_identifier"}`)).length).to.equal(5);
    expect(await h.rows(`TQL EVAL (0, 10, '5s') sum by ("service.name") (promql_string_identifier)`)).to.deep.equal([
      ['api-server', 0, 1], ['api-server', 5000, 1], ['api-server', 10000, 1], ['db', 5000, 2], ['db', 10000, 2]]);
    expect(await h.rows(`TQL EVAL (0, 0, '5s') {"otel.m"} unless on("service.name") {"otel.m", "service.name"="b"}`))
      .to.deep.equal([[0, 'a', 'h1', 1], [0, 'a', 'h2', 2]]);
    expect(await h.rows(`TQL EVAL (0, 0, '5s') sum without ("Host") ({"otel.m"})`)).to.deep.equal([['a', 0, 3], ['b', 0, 3]]);
    expect(await h.rows(`TQL EVAL (0, 0, '5s') count_values by ("service.name") ("v.name", {"otel.m"})`))
      .to.deep.equal([[1, 'a', 0, '1'], [1, 'a', 0, '2'], [1, 'b', 0, '3']]);
    for (const [q, msg] of [[`count_values("", {"otel.m"})`, 'invalid label name'], [`{"otel.m", "other"}`, 'metric name must not be set twice'], [`{"otel.m", __name__="x"}`, 'metric name must not be set twice'],
      [`x{""="a"}`, 'invalid label name'], [`sum by ("") (x)`, 'invalid label name']] as const) {
      try { await h.rows(`TQL EVAL (0, 0, '5s') ${q}`); expect.fail(`no error for ${q}`); } catch (e) { expect((e as Error).message).to.contain(msg); }
    }
  });

  // promql/sub_millisecond_interval.result: two samples in one millisecond give no idelta, as no irate
  it('idelta over two samples in the same millisecond gives no point', async () => {
    await h.all(`CREATE TABLE sub_ms_interval (job STRING, \`value\` DOUBLE, ts TIMESTAMP(9) TIME INDEX, PRIMARY KEY(job));
      INSERT INTO sub_ms_interval VALUES ('sub_ms', 999, 999999900), ('sub_ms', 10, 999999100), ('sub_ms', 13, 999999500), ('one_ms', 10, 998000000), ('one_ms', 13, 999000000)`);
    expect(await h.rows(`TQL EVAL (1, 1, '1s') idelta(sub_ms_interval[5s])`)).to.deep.equal([[1000, 3, 'one_ms']]);
    expect(await h.rows(`TQL EVAL (1, 1, '1s') irate(sub_ms_interval[5s])`)).to.deep.equal([[1000, 3000, 'one_ms']]);
  });

  // promql/metric_name_regex.result: a selector naming its metrics by regex or != keeps __name__ as a column
  it('__name__ is a column when the metric is matched by regex or !=', async () => {
    await h.all(`CREATE TABLE mnr_a (host STRING NULL, ts TIMESTAMP NOT NULL, greptime_value DOUBLE NULL, TIME INDEX (ts), PRIMARY KEY (host));
      CREATE TABLE mnr_b (idc STRING NULL, ts TIMESTAMP NOT NULL, greptime_value DOUBLE NULL, TIME INDEX (ts), PRIMARY KEY (idc));
      INSERT INTO mnr_a (ts, host, greptime_value) VALUES (0, 'host1', 1);
      INSERT INTO mnr_b (ts, idc, greptime_value) VALUES (0, 'idc1', 5)`);
    const all = await h.q(`TQL EVAL (0, 0, '1s') {__name__=~"mnr_[ab]"}`);
    expect(all.columns).to.deep.equal(['greptime_value', 'host', 'idc', '__name__', 'ts']);
    // rows by the tag columns in order, an absent label first (NULLS FIRST)
    expect(all.rows).to.deep.equal([[5, null, 'idc1', 'mnr_b', 0], [1, 'host1', null, 'mnr_a', 0]]);
    expect(await h.rows(`TQL EVAL (0, 0, '1s') count by (__name__) ({__name__=~"mnr_[ab]"})`)).to.deep.equal([['mnr_a', 0, 1], ['mnr_b', 0, 1]]);
    expect(await h.rows(`TQL EVAL (0, 0, '1s') topk(1, {__name__=~"mnr_[ab]"})`)).to.deep.equal([[5, null, 'idc1', 'mnr_b', 0]]);
    expect(await h.rows(`TQL EVAL (0, 0, '1s') {__name__!="mnr_b", __name__=~"mnr_.*"}`)).to.deep.equal([[1, 'host1', 'mnr_a', 0]]);
    // an equality selector keeps the metric name out of the columns
    expect((await h.q(`TQL EVAL (0, 0, '1s') {__name__="mnr_a"}`)).columns).to.deep.equal(['host', 'ts', 'greptime_value']);
    expect((await h.q(`TQL EVAL (0, 0, '1s') mnr_a`)).columns).to.deep.equal(['host', 'ts', 'greptime_value']);
  });

  // promql/range_vector_result.result: a range vector answers an instant TQL only
  it('a range vector over several steps is an error; at one step it is the raw samples', async () => {
    try { await h.rows(`TQL EVAL (0, 10, '5s') test[5s]`); expect.fail('no error'); } catch (e) {
      expect((e as { code?: string }).code).to.equal('INVALID_ARGUMENTS');
      expect((e as Error).message).to.contain('invalid expression type "range vector" for range query, must be Scalar or instant Vector');
    }
    expect(await h.rows(`TQL EVAL (10, 10, '5s') test{k="a"}[10s]`)).to.deep.equal([[1, 1, 'a'], [2, 2, 'a']]);
  });
});
