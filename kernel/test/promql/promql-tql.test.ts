import { expect } from 'chai';
import { CATALOG, ENGINE, PROMQL } from '../../src/tokens.js';
import { parseSql } from '../../src/sql/parser/parse-sql.js';
import type * as ast from '../../src/sql/ast.js';
import { runTql } from '../../src/promql/tql.js';
import { drain, plain, SqlHarness } from '../support/sql-harness.js';

describe('promql over the SQL engine tables: PROMQL built-in and TQL', function () {
  this.timeout(20_000);
  let h: SqlHarness;

  before(async () => {
    h = await SqlHarness.start();
    await h.all(`CREATE TABLE http_requests_total (job STRING, instance STRING, greptime_value DOUBLE, greptime_timestamp TIMESTAMP TIME INDEX, PRIMARY KEY (job, instance));
      INSERT INTO http_requests_total VALUES ('api', 'a', 0, 0), ('api', 'a', 30, 30000), ('api', 'a', 60, 60000), ('api', 'a', 90, 90000), ('api', 'a', 120, 120000),
        ('api', 'b', 0, 0), ('api', 'b', 60, 30000), ('api', 'b', 120, 60000), ('api', 'b', 180, 90000), ('api', 'b', 240, 120000),
        ('web', 'c', 5, 0), ('web', NULL, 7, 0), ('web', NULL, 8, 30000);
      CREATE TABLE multi (host STRING, cpu DOUBLE, mem DOUBLE, ts TIMESTAMP TIME INDEX, PRIMARY KEY (host));
      INSERT INTO multi VALUES ('h1', 0.5, 100, 60000), ('h2', 0.25, 200, 60000)`);
  });
  after(async () => { await h.stop(); });

  const tql = async (text: string) => {
    const [st] = parseSql(text);
    const out = await runTql(st as ast.TqlStatement, { catalog: h.server.get(CATALOG), engine: h.server.get(ENGINE), database: 'public', nowMs: 120_000 });
    const r = await drain(out);
    return { columns: r.columns, rows: r.rows.map((row) => row.map(plain)) };
  };

  it('TQL EVAL answers in GreptimeDB shape: the time index, the value named after the function, the tags', async () => {
    const r = await tql("TQL EVAL (60, 120, '30s') rate(http_requests_total{job=\"api\"}[1m])");
    expect(r.columns).to.deep.equal(['greptime_timestamp', 'prom_rate(greptime_timestamp_range,greptime_value,greptime_timestamp,Int64(60000))', 'job', 'instance']);
    expect(r.rows).to.deep.equal([
      [60000, 1, 'api', 'a'], [90000, 1, 'api', 'a'], [120000, 1, 'api', 'a'],
      [60000, 2, 'api', 'b'], [90000, 2, 'api', 'b'], [120000, 2, 'api', 'b'],
    ]);
  });

  it('TQL parameters: RFC 3339, now() - interval, lookback', async () => {
    const r = await tql("TQL EVAL ('1970-01-01T00:02:00Z', now(), '1m') sum by (job) (http_requests_total)");
    expect(r.rows).to.deep.equal([['api', 120000, 360], ['web', 120000, 13]]);
    const s = await tql("TQL EVAL (now() - interval '1 minute', now(), 60) count(http_requests_total)");
    expect(s.rows).to.deep.equal([[60000, 4], [120000, 4]]);
    // a NULL tag is an absent label; it is a series of its own
    const nul = await tql("TQL EVAL (30, 30, 1) http_requests_total{job=\"web\", instance=\"\"}");
    expect(nul.rows).to.deep.equal([['web', null, 8, 30000]]);
    // a label some series lack is a null in its column (and sorts first, as GreptimeDB's NULLS FIRST)
    const mixed = await tql("TQL EVAL (0, 30, 30) http_requests_total{job=\"web\"}");
    expect(mixed.columns).to.deep.equal(['job', 'instance', 'greptime_value', 'greptime_timestamp']);
    expect(mixed.rows).to.deep.equal([['web', null, 7, 0], ['web', null, 8, 30000], ['web', 'c', 5, 0], ['web', 'c', 5, 30000]]);
    const lb = await tql("TQL EVAL (120, 120, '1s', '1m') count(http_requests_total)");
    expect(lb.rows).to.deep.equal([[120000, 2]]);
  });

  it('a multi-field table: the fields side by side, chosen with __field__', async () => {
    const r = await tql('TQL EVAL (60, 60, 1) multi{__field__="mem"}');
    expect(r.columns).to.deep.equal(['mem', 'host', 'ts']);
    expect(r.rows).to.deep.equal([[100, 'h1', 60000], [200, 'h2', 60000]]);
    // without __field__ every numeric field is a column of its own, in the table's order
    const all = await tql('TQL EVAL (60, 60, 1) multi');
    expect(all.columns).to.deep.equal(['host', 'cpu', 'mem', 'ts']);
    expect(all.rows).to.deep.equal([['h1', 0.5, 100, 60000], ['h2', 0.25, 200, 60000]]);
    // an aggregation applies to each field; __field__ is no label to group by (GreptimeDB ignores unknown labels)
    const byField = await tql('TQL EVAL (60, 60, 1) sum by (__field__) (multi{__field__=~"cpu|mem"})');
    expect(byField.columns).to.deep.equal(['ts', 'sum(multi.cpu)', 'sum(multi.mem)']);
    expect(byField.rows).to.deep.equal([[60000, 0.75, 300]]);
    // several `=` matchers add fields (GreptimeDB), where the Prometheus API needs every matcher to hold
    expect((await tql('TQL EVAL (60, 60, 1) multi{__field__="cpu", __field__="mem"}')).columns).to.deep.equal(['cpu', 'mem', 'host', 'ts']);
  });

  it('a multi-field table is scanned once per distinct selector, not once per field', async () => {
    await h.all(`CREATE TABLE three (host STRING, a DOUBLE, b DOUBLE, c DOUBLE, ts TIMESTAMP TIME INDEX, PRIMARY KEY (host));
      INSERT INTO three VALUES ('h1', 1, 10, 100, 0), ('h1', 2, 20, 200, 30000), ('h1', 3, 30, 300, 60000),
        ('h2', 4, 40, 400, 0), ('h2', NULL, 50, 500, 30000), ('h2', 6, NULL, 600, 60000)`);
    const engine = h.mem.engine;
    /** The answer and how many region scans it took (the table has one region). */
    const counted = async (text: string) => {
      const before = engine.scans;
      const r = await tql(text);
      return { ...r, scans: engine.scans - before };
    };
    try {
      const plain3 = await counted("TQL EVAL (0, 60, '30s') three");
      expect(plain3.scans).to.equal(1);
      expect(engine.lastScan?.projection).to.deep.equal(['host', 'ts', 'a', 'b', 'c']);
      expect(plain3.columns).to.deep.equal(['host', 'a', 'b', 'c', 'ts']);
      // a NULL field is no sample: the lookback fills it from the row before
      expect(plain3.rows).to.deep.equal([
        ['h1', 1, 10, 100, 0], ['h1', 2, 20, 200, 30000], ['h1', 3, 30, 300, 60000],
        ['h2', 4, 40, 400, 0], ['h2', 4, 50, 500, 30000], ['h2', 6, 50, 600, 60000],
      ]);
      // the window (0s, 60s]: h1 (3, 30, 300), h2 (6, 50, 600)
      const agg = await counted("TQL EVAL (60, 60, '30s') sum(max_over_time(three[1m]))");
      expect(agg.scans).to.equal(1);
      expect(agg.columns).to.deep.equal(['ts', 'sum(prom_max_over_time(ts_range,a))', 'sum(prom_max_over_time(ts_range,b))', 'sum(prom_max_over_time(ts_range,c))']);
      expect(agg.rows).to.deep.equal([[60000, 9, 80, 900]]);
      // the same selector twice over the same time range is read once; two different ones twice
      const same = await counted("TQL EVAL (0, 60, '30s') three / three");
      expect(same.scans).to.equal(1);
      expect(same.rows.map((r) => r.slice(2))).to.deep.equal(Array(6).fill([1, 1, 1]));
      const two = await counted("TQL EVAL (60, 60, '30s') three{__field__=\"a\"} + three{__field__=\"c\"}");
      expect(two.scans).to.equal(2);
      expect(two.rows).to.deep.equal([['h1', 60000, 303], ['h2', 60000, 606]]);
      const shifted = await counted("TQL EVAL (60, 60, '30s') three - three offset 30s");
      expect(shifted.scans).to.equal(2);
      expect(shifted.rows).to.deep.equal([['h1', 60000, 1, 10, 100], ['h2', 60000, 2, 0, 100]]);
      // TQL ANALYZE counts the tables actually read
      const analyze = await counted("TQL ANALYZE (0, 60, '30s') sum(three)");
      expect(analyze.scans).to.equal(1);
      expect(String(analyze.rows[1]![1])).to.match(/select: selectors=3 tables=1 series=6 samples=16 /);
      expect(String(analyze.rows[1]![1])).to.match(/scan: rows_scanned=6 rows_returned=6 /);
      // the Prometheus API reads every field in one scan as before, a series per field
      const api = await h.server.get(PROMQL).handleApi('query', { query: 'three{host="h1"}', time: '60' }, { database: 'public' });
      expect(JSON.parse(api.json!).data.result.map((s: { metric: Record<string, string>; value: unknown[] }) => [s.metric.__field__, s.value[1]]))
        .to.deep.equal([['a', '3'], ['b', '30'], ['c', '300']]);
    } finally {
      await h.all('DROP TABLE three');
    }
  });

  it('TQL EXPLAIN and ANALYZE describe the evaluation', async () => {
    const e = await tql("TQL EXPLAIN (0, 100, '10s') sum by (job) (rate(http_requests_total[5m]))");
    expect(e.columns).to.deep.equal(['plan_type', 'plan']);
    expect(String(e.rows[0]![1])).to.match(/Aggregate: sum by \(job\)\n\s+Function: rate\n\s+RangeSelector: range=300000ms\n\s+SeriesScan: table=http_requests_total/);
    const a = await tql("TQL ANALYZE (0, 120, '30s') http_requests_total");
    expect(String(a.rows[1]![1])).to.match(/output_rows=20 /);
  });

  it('TQL EXPLAIN ANALYZE runs the query and reports what the selects read; parameters are optional', async () => {
    const a = await tql("TQL EXPLAIN ANALYZE (0, 120, '30s') sum by (job) (http_requests_total)");
    expect(a.columns).to.deep.equal(['plan_type', 'plan']);
    expect(String(a.rows[0]![1])).to.match(/PromqlEval: start=0ms end=120000ms step=30000ms type=vector\n\s+Aggregate: sum by \(job\)/);
    const analyze = String(a.rows[1]![1]);
    expect(analyze).to.match(/output_rows=10 /);
    expect(analyze).to.match(/select: selectors=1 tables=1 series=4 samples=13 /);
    expect(analyze).to.match(/scan: rows_scanned=13 rows_returned=13 /);
    // GreptimeDB's defaults without parameters: start = end = 0, step 5m (one step)
    const n = await tql('TQL EXPLAIN ANALYZE http_requests_total');
    expect(String(n.rows[1]![1])).to.match(/output_rows=4 elapsed=[\d.]+ms steps=1\n/);
    const e = await tql('TQL EXPLAIN rate(http_requests_total[1m])');
    expect(String(e.rows[0]![1])).to.match(/start=0ms end=0ms step=300000ms/);
  });

  it('labels names __field__ for a multi-field table; label/__field__/values lists the fields', async () => {
    const promql = h.server.get(PROMQL);
    const api = async (endpoint: string, params: Record<string, string | string[]> = {}) =>
      (await promql.handleApi(endpoint, params, { database: 'public' })).body as { data: string[] };
    expect((await api('labels')).data).to.deep.equal(['__field__', '__name__', 'host', 'instance', 'job']);
    expect((await api('labels', { 'match[]': 'multi' })).data).to.deep.equal(['__field__', '__name__', 'host']);
    expect((await api('labels', { 'match[]': 'http_requests_total' })).data).to.deep.equal(['__name__', 'instance', 'job']);
    expect((await api('label/__field__/values')).data).to.deep.equal(['cpu', 'greptime_value', 'mem']);
    expect((await api('label/__field__/values', { 'match[]': 'multi' })).data).to.deep.equal(['cpu', 'mem']);
    expect((await api('label/__field__/values', { 'match[]': ['multi{__field__!="cpu"}', 'http_requests_total'] })).data).to.deep.equal(['greptime_value', 'mem']);
    expect((await api('label/__field__/values', { 'match[]': 'nosuch' })).data).to.deep.equal([]);
  });

  it('query answers come encoded as JSON, equal to the object form, with labels escaped', async () => {
    await h.all(`CREATE TABLE esc (k STRING, greptime_value DOUBLE, greptime_timestamp TIMESTAMP TIME INDEX, PRIMARY KEY (k));
      INSERT INTO esc VALUES ('a"b\\c ü', 1.5, 0), ('a"b\\c ü', 1e-7, 60000), ('z', 2e21, 0)`);
    const promql = h.server.get(PROMQL);
    const r = await promql.handleApi('query_range', { query: 'esc', start: '0', end: '60', step: '60' }, { database: 'public' });
    expect(r.status).to.equal(200);
    expect(r.json).to.be.a('string');
    const expected = { status: 'success', data: { resultType: 'matrix', result: [
      { metric: { __name__: 'esc', k: 'a"b\\c ü' }, values: [[0, '1.5'], [60, '0.0000001']] },
      { metric: { __name__: 'esc', k: 'z' }, values: [[0, '2000000000000000000000'], [60, '2000000000000000000000']] },
    ] } };
    expect(JSON.parse(r.json!)).to.deep.equal(expected);
    expect(r.body).to.deep.equal(expected);
    const inst = await promql.handleApi('query', { query: 'esc{k="z"} * 2', time: '0.5' }, { database: 'public' });
    expect(JSON.parse(inst.json!)).to.deep.equal({ status: 'success', data: { resultType: 'vector', result: [{ metric: { k: 'z' }, value: [0.5, '4000000000000000000000'] }] } });
    const raw = await promql.handleApi('query', { query: 'esc{k="z"}[2m]', time: '60' }, { database: 'public' });
    expect(JSON.parse(raw.json!).data).to.deep.equal({ resultType: 'matrix', result: [{ metric: { __name__: 'esc', k: 'z' }, values: [[0, '2000000000000000000000']] }] });
    await h.all('DROP TABLE esc');
  });

  it('TQL parses its PromQL once: evaluateTql takes the parsed AST and does not read the text again', async () => {
    const { parsePromql } = await import('../../src/promql/parse-promql.js');
    const { parseTqlQuery } = await import('../../src/promql/tql.js');
    const promql = h.server.get(PROMQL);
    const out = await promql.evaluateTql({ startMs: 0, endMs: 0, stepMs: 1000, database: 'public', query: 'not ( promql', expr: parsePromql('1 + 1') });
    expect((await drain(out)).rows.map((r) => r.map(plain))).to.deep.equal([[0, 2]]);
    // the comma after the parameters and `AS name` come off the text; the AST is the one parse
    const q = parseTqlQuery(', sum(http_requests_total) as total');
    expect(q.query.trim()).to.equal('sum(http_requests_total)');
    expect(q.alias).to.equal('total');
    expect(q.expr.kind).to.equal('AggregateExpr');
    // a metric named `as`: the text before it does not parse alone, so it is no alias
    expect(parseTqlQuery('foo and as').alias).to.equal(undefined);
  });

  it('bad TQL parameters and PromQL are errors', async () => {
    let err: Error | undefined;
    try { await tql("TQL EVAL (0, 10, '0s') up"); } catch (e) { err = e as Error; }
    expect(err?.message).to.match(/step must be positive/);
    err = undefined;
    try { await tql("TQL EVAL (0, 10, '1s') sum("); } catch (e) { err = e as Error; }
    expect((err as { code?: string } | undefined)?.code).to.equal('INVALID_SYNTAX');
  });

  it('the PROMQL built-in is composed automatically and answers the Prometheus API', async () => {
    const promql = h.server.get(PROMQL);
    const r = await promql.handleApi('query', { query: 'sum by (job) (http_requests_total)', time: '120' }, { database: 'public' });
    expect(r.status).to.equal(200);
    expect(r.body).to.deep.equal({ status: 'success', data: { resultType: 'vector', result: [{ metric: { job: 'api' }, value: [120, '360'] }, { metric: { job: 'web' }, value: [120, '13'] }] } });
    const bad = await promql.handleApi('query_range', { query: 'up', start: 'x', end: '1', step: '1' }, { database: 'public' });
    expect(bad).to.deep.equal({ status: 400, body: { status: 'error', errorType: 'bad_data', error: 'invalid parameter "start": cannot parse "x" to a valid timestamp' } });
    const nf = await promql.handleApi('nope', {}, { database: 'public' });
    expect(nf.status).to.equal(404);
    const lv = await promql.handleApi('label/job/values', { 'match[]': 'http_requests_total' }, { database: 'public' });
    expect(lv.body).to.deep.equal({ status: 'success', data: ['api', 'web'] });
  });

  it('API answers scalar and string results, honours lookback_delta and RFC 3339 times', async () => {
    const promql = h.server.get(PROMQL);
    const sc = await promql.handleApi('query', { query: '1 + 2', time: '1970-01-01T00:01:00Z' }, { database: 'public' });
    expect(sc.body).to.deep.equal({ status: 'success', data: { resultType: 'scalar', result: [60, '3'] } });
    const st = await promql.handleApi('query', { query: '"hi"', time: '5' }, { database: 'public' });
    expect(st.body).to.deep.equal({ status: 'success', data: { resultType: 'string', result: [5, 'hi'] } });
    const lb = await promql.handleApi('query', { query: 'count(http_requests_total)', time: '120', lookback_delta: '1m' }, { database: 'public' });
    expect((lb.body as any).data.result[0].value).to.deep.equal([120, '2']);
    const range = await promql.handleApi('query_range', { query: 'time()', start: '0', end: '60', step: '30s' }, { database: 'public' });
    expect((range.body as any).data.result).to.deep.equal([{ metric: {}, values: [[0, '0'], [30, '30'], [60, '60']] }]);
    const ex = await promql.handleApi('query_exemplars', { query: 'up' }, { database: 'public' });
    expect(ex.body).to.deep.equal({ status: 'success', data: [] });
    const badStep = await promql.handleApi('query_range', { query: 'up', start: '0', end: '60', step: 'x' }, { database: 'public' });
    expect((badStep.body as any).error).to.equal('invalid parameter "step": cannot parse "x" to a valid duration');
    const tooMany = await promql.handleApi('query_range', { query: 'up', start: '0', end: '100000', step: '1' }, { database: 'public' });
    expect((tooMany.body as any).error).to.match(/exceeded maximum resolution of 11,000 points/);
    const otherDb = await promql.handleApi('query', { query: 'http_requests_total', time: '120' }, { database: 'nope' });
    expect(otherDb.body).to.deep.equal({ status: 'success', data: { resultType: 'vector', result: [] } });
  });
});

describe('promql built-in options', function () {
  this.timeout(20_000);
  it('lookbackDelta and maxSamples apply to API queries and TQL; bad options are refused at startup', async () => {
    const { StrataServer } = await import('../../src/server/strata-server.js');
    const { memoryPlugins } = await import('../support/memory-plugins.js');
    const { promqlPlugin } = await import('../../src/promql/promql-plugin.js');
    const { QUERY } = await import('../../src/tokens.js');
    const { createSession } = await import('../../src/interfaces/session.js');
    const mem = memoryPlugins();
    const server = await StrataServer.fromDefinitions([...mem.plugins, { definition: promqlPlugin, options: { lookbackDelta: '30s', maxSamples: 3 } }],
      { dataHome: '/tmp/strata-promql-options-test' }, { logLevel: 'silent', processMetrics: false });
    await server.start();
    try {
      const session = createSession({ channel: 'internal' });
      for await (const o of server.get(QUERY).execute(`CREATE TABLE g (greptime_value DOUBLE, greptime_timestamp TIMESTAMP TIME INDEX);
        INSERT INTO g VALUES (1, 0), (2, 10000)`, session)) void o;
      const promql = server.get(PROMQL);
      const near = await promql.handleApi('query', { query: 'g', time: '30' }, { database: 'public' });
      expect((near.body as any).data.result).to.have.length(1);
      const far = await promql.handleApi('query', { query: 'g', time: '41' }, { database: 'public' });
      expect((far.body as any).data.result).to.have.length(0);
      const big = await promql.handleApi('query', { query: 'count_over_time(g[1m]) + count_over_time(g[1m])', time: '30' }, { database: 'public' });
      expect(big.status).to.equal(422);
      expect((big.body as any).error).to.match(/too many samples/);
      // TQL in SQL runs on the same service: the same lookback and sample limit (it used defaults: 5m, 50M).
      const tql = async (q: string) => {
        const rows: unknown[][] = [];
        for await (const o of server.get(QUERY).execute(q, session)) if (o.kind === 'records') for await (const b of o.batches) for (const r of b) rows.push(Object.values(r.toJSON()));
        return rows;
      };
      expect(await tql('TQL EVAL (30, 30, \'1s\') g')).to.have.length(1);
      expect(await tql('TQL EVAL (41, 41, \'1s\') g')).to.have.length(0);
      let tqlErr: Error | undefined;
      try { await tql("TQL EVAL (30, 30, '1s') count_over_time(g[1m]) + count_over_time(g[1m])"); } catch (e) { tqlErr = e as Error; }
      expect(tqlErr?.message).to.match(/too many samples/);
      // TQL EXPLAIN shows the lookback the selectors will use (it printed 5m whatever the setting).
      expect(JSON.stringify(await tql("TQL EXPLAIN (30, 30, '1s') g"))).to.contain('lookback=30000ms');
      expect(JSON.stringify(await tql("TQL EXPLAIN (30, 30, '1s', '10s') g"))).to.contain('lookback=10000ms');
    } finally { await server.stop(); }
    let err: Error | undefined;
    try {
      await StrataServer.fromDefinitions([...memoryPlugins().plugins, { definition: promqlPlugin, options: { lookbackDelta: 'soon' } }],
        { dataHome: '/tmp/strata-promql-options-test' }, { logLevel: 'silent', processMetrics: false });
    } catch (e) { err = e as Error; }
    expect(err?.message).to.match(/promql.*lookbackDelta/);
  });
});
