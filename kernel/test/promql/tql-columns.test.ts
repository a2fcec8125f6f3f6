import { expect } from 'chai';
import { SqlHarness } from '../support/sql-harness.js';

/**
 * TQL answers in GreptimeDB's shape: column names, column order, row order.
 * Each case is one of GreptimeDB's sqlness cases (tests/cases/standalone/common/tql/*.result
 * and .../promql/*.result): the same tables, the same TQL, the columns and rows of its .result
 * (timestamps as ms). Where the .result sorts its rows (SQLNESS SORT_RESULT) the rows are
 * compared as a set; the order Strata gives them is asserted on its own where GreptimeDB's
 * plan fixes it (a selector's rows by tags then time, an aggregation's by its labels then time).
 */
describe('TQL columns in GreptimeDB shape (sqlness cases)', function () {
  this.timeout(20_000);
  let h: SqlHarness;
  beforeEach(async () => { h = await SqlHarness.start(); });
  afterEach(async () => { await h.stop(); });

  const tql = async (sql: string) => {
    const r = await h.q(sql);
    return { columns: r.columns, types: r.types, rows: r.rows.map((row) => row.map((v) => (typeof v === 'bigint' ? Number(v) : v))) };
  };
  const sorted = (rows: unknown[][]) => rows.map((r) => JSON.stringify(r)).sort();
  /** Columns exactly; rows as a set (the .result sorted them). */
  const expectSet = async (sql: string, columns: string[], rows: unknown[][]) => {
    const r = await tql(sql);
    expect(r.columns, sql).to.deep.equal(columns);
    expect(sorted(r.rows), sql).to.deep.equal(sorted(rows));
    return r;
  };
  /** Columns and rows exactly, in order. */
  const expectRows = async (sql: string, columns: string[], rows: unknown[][]) => {
    const r = await tql(sql);
    expect(r.columns, sql).to.deep.equal(columns);
    expect(r.rows, sql).to.deep.equal(rows);
    return r;
  };

  it('no answer repeats a column name: AS naming a label or the time index is refused, a label named like a column is left out', async () => {
    await h.all(`CREATE TABLE test(i DOUBLE, j TIMESTAMP TIME INDEX, k STRING PRIMARY KEY);
      INSERT INTO test VALUES (1, 0, 'a'), (2, 5000, 'b')`);
    await h.fails(`TQL EVAL (0, 10, '5s') test AS k`, 'AS k names a column the result already has', 'INVALID_ARGUMENTS');
    await h.fails(`TQL EVAL (0, 10, '5s') test AS j`, 'AS j names a column the result already has', 'INVALID_ARGUMENTS');
    const r = await tql(`TQL EVAL (5, 5, '1s') label_replace(test, "j", "$1", "k", "(.*)")`);
    expect(new Set(r.columns).size, r.columns.join(',')).to.equal(r.columns.length);
    expect(r.columns.filter((c) => c === 'j')).to.have.length(1);
  });

  // tql/basic.result
  it('a selector keeps its table column order; AS, __field__ and a projected time index put the values first', async () => {
    await h.all(`CREATE TABLE test(i DOUBLE, j TIMESTAMP TIME INDEX, k STRING PRIMARY KEY);
      INSERT INTO test VALUES (1, 1, "a"), (1, 1, "b"), (2, 2, "a")`);
    const r = await expectSet(`TQL EVAL (0, 10, '5s') test`, ['i', 'j', 'k'], [[1, 5000, 'b'], [1, 10000, 'b'], [2, 5000, 'a'], [2, 10000, 'a']]);
    // GreptimeDB sorts a selector's rows by its tags, then time
    expect(r.rows).to.deep.equal([[2, 5000, 'a'], [2, 10000, 'a'], [1, 5000, 'b'], [1, 10000, 'b']]);
    expect(r.types).to.deep.equal(['Float64', 'TimestampMillisecond', 'String']);
    await expectSet(`TQL EVAL (0, 10, '5s') {__name__="test"}`, ['i', 'j', 'k'], [[1, 5000, 'b'], [1, 10000, 'b'], [2, 5000, 'a'], [2, 10000, 'a']]);
    await expectSet(`TQL EVAL (0, 10, '5s') {__name__="test"} AS test_series`, ['test_series', 'k', 'j'],
      [[1, 'b', 5000], [1, 'b', 10000], [2, 'a', 5000], [2, 'a', 10000]]);
    const c = await expectSet(`TQL EVAL (0, 10, '5s') count by (k) (test) AS c`, ['c', 'k', 'j'], [[1, 'a', 5000], [1, 'a', 10000], [1, 'b', 5000], [1, 'b', 10000]]);
    expect(c.types).to.deep.equal(['Int64', 'String', 'TimestampMillisecond']);
    await expectSet(`TQL EVAL (0, 10, '5s') test{__schema__="public"}`, ['i', 'j', 'k'], [[1, 5000, 'b'], [1, 10000, 'b'], [2, 5000, 'a'], [2, 10000, 'a']]);
    // a database that does not exist: GreptimeDB's empty metric
    await expectRows(`TQL EVAL (0, 10, '5s') test{__schema__="greptime_private"}`, ['time', 'value'], []);
    await expectSet(`TQL EVAL (0, 10, '5s') {__name__="test", __field__="i"}`, ['i', 'k', 'j'], [[1, 'b', 5000], [1, 'b', 10000], [2, 'a', 5000], [2, 'a', 10000]]);
    await expectRows(`TQL EVAL (0, 10, '5s') test{k="a"}`, ['i', 'j', 'k'], [[2, 5000, 'a'], [2, 10000, 'a']]);
    await expectRows(`TQL EVAL (0, 10, '1s', '2s') test{k="a"}`, ['i', 'j', 'k'], [[2, 1000, 'a'], [2, 2000, 'a']]);
    await h.all(`CREATE TABLE cased (\`Field_I\` DOUBLE, \`Ts_J\` TIMESTAMP TIME INDEX, \`Tag_K\` STRING PRIMARY KEY);
      INSERT INTO cased VALUES (1, 1, "a"), (1, 1, "b"), (2, 2, "a")`);
    await expectSet(`TQL EVAL (0, 10, '5s') cased{__field__="Field_I"}`, ['Field_I', 'Tag_K', 'Ts_J'],
      [[1, 'b', 5000], [1, 'b', 10000], [2, 'a', 5000], [2, 'a', 10000]]);
    await h.fails(`TQL EVAL (0, 10, '5s') cased{__field__="field_i"}`, 'Cannot find column field_i', 'INVALID_ARGUMENTS');
  });

  // tql/basic.result (the date_trunc cases); tql/metric_name_output.result
  it('a function gives time, value, tags; a selector over metrics(val, ts, host) gives val, ts, host', async () => {
    await h.all(`CREATE TABLE metrics(val DOUBLE, ts TIMESTAMP TIME INDEX, host STRING PRIMARY KEY);
      INSERT INTO metrics VALUES (10.0, '2024-01-01 00:00:00', 'host1'), (15.0, '2024-01-01 06:00:00', 'host1'), (20.0, '2024-01-01 12:00:00', 'host1'),
        (25.0, '2024-01-01 18:00:00', 'host1'), (30.0, '2024-01-02 00:00:00', 'host1'), (35.0, '2024-01-02 06:00:00', 'host1'),
        (40.0, '2024-01-02 12:00:00', 'host1'), (12.0, '2024-01-01 02:00:00', 'host2'), (18.0, '2024-01-01 08:00:00', 'host2'), (22.0, '2024-01-01 14:00:00', 'host2')`);
    const day = Date.UTC(2024, 0, 1);
    const hr = 3_600_000;
    await expectSet(`TQL EVAL (date_trunc('day', '2024-01-01 10:00:00'::timestamp), date_trunc('day', '2024-01-02 10:00:00'::timestamp), '6h') last_over_time(metrics[12h])`,
      ['ts', 'prom_last_over_time(ts_range,val)', 'host'], [
        [day, 10, 'host1'], [day + 6 * hr, 12, 'host2'], [day + 6 * hr, 15, 'host1'], [day + 12 * hr, 18, 'host2'], [day + 12 * hr, 20, 'host1'],
        [day + 18 * hr, 22, 'host2'], [day + 18 * hr, 25, 'host1'], [day + 24 * hr, 22, 'host2'], [day + 24 * hr, 30, 'host1'],
      ]);
    await expectRows(`TQL EVAL (date_trunc('day', '2024-01-02 00:00:00'::timestamp) - interval '1' day, date_trunc('day', '2024-01-02 00:00:00'::timestamp), '4h') metrics{host="host1"}`,
      ['val', 'ts', 'host'], [[10, day, 'host1'], [20, day + 12 * hr, 'host1'], [30, day + 24 * hr, 'host1']]);
    await h.all(`CREATE TABLE metric_name_output (ts TIMESTAMP(3) TIME INDEX, host STRING PRIMARY KEY, val DOUBLE);
      INSERT INTO metric_name_output VALUES (0, 'host1', 1.0), (10000, 'host2', 2.0), (20000, 'host1', 3.0)`);
    const direct = [[0, 'host1', 1], [10000, 'host1', 1], [10000, 'host2', 2], [20000, 'host1', 3], [20000, 'host2', 2]];
    await expectSet(`TQL EVAL (0, 20, '10s') metric_name_output`, ['ts', 'host', 'val'], direct);
    // A TQL CTE exposes the same columns as the direct result.
    await expectSet(`WITH tql AS (TQL EVAL (0, 20, '10s') metric_name_output) SELECT * FROM tql`, ['ts', 'host', 'val'], direct);
    await expectSet(`WITH tql (the_ts, the_host, the_val) AS (TQL EVAL (0, 20, '10s') metric_name_output) SELECT * FROM tql`, ['the_ts', 'the_host', 'the_val'], direct);
  });

  // tql/binary_operator.result
  it('a table with several fields gives a value column per field; __field__ picks them', async () => {
    await h.all(`create table data (ts timestamp(3) time index, val double); insert into data values (0, 1), (10000, 2), (20000, 3)`);
    await expectRows(`tql eval (0, 30, '10s'), data + (1 < bool 2)`, ['ts', 'val + Float64(1) < Float64(2)'], [[0, 2], [10000, 3], [20000, 4], [30000, 4]]);
    await expectRows(`tql eval (0, 30, '10s'), data + (1 > bool 2)`, ['ts', 'val + Float64(1) > Float64(2)'], [[0, 1], [10000, 2], [20000, 3], [30000, 3]]);
    await h.all(`drop table data; create table data (ts timestamp time index, val1 double, val2 double, val3 double);
      insert into data values (0, 1, 100, 10000), (10000, 2, 200, 20000), (20000, 3, 300, 30000)`);
    await expectSet(`tql eval (0, 30, '10s'), data / data`, ['ts', 'data.val1 / data.val1', 'data.val2 / data.val2', 'data.val3 / data.val3'],
      [[0, 1, 1, 1], [10000, 1, 1, 1], [20000, 1, 1, 1], [30000, 1, 1, 1]]);
    await expectSet(`tql eval (0, 30, '10s'), data{__field__="val1"} + data{__field__="val2"}`, ['ts', 'data.val1 + data.val2'],
      [[0, 101], [10000, 202], [20000, 303], [30000, 303]]);
    await expectSet(`tql eval (0, 30, '10s'), data{__field__="val1", __field__="val2"} + data{__field__="val2", __field__="val3"}`,
      ['ts', 'data.val1 + data.val2', 'data.val2 + data.val3'], [[0, 101, 10100], [10000, 202, 20200], [20000, 303, 30300], [30000, 303, 30300]]);
    // The fields side by side (no __field__ label): the table's column order, or fields first once __field__ projects them.
    await expectRows(`tql eval (0, 10, '10s') data`, ['ts', 'val1', 'val2', 'val3'], [[0, 1, 100, 10000], [10000, 2, 200, 20000]]);
    await expectRows(`tql eval (0, 10, '10s') data{__field__!="val2"}`, ['val1', 'val3', 'ts'], [[1, 10000, 0], [2, 20000, 10000]]);
    await expectRows(`tql eval (0, 10, '10s') data{__field__=~"val[23]"} * 2`, ['ts', 'val2 * Float64(2)', 'val3 * Float64(2)'], [[0, 200, 20000], [10000, 400, 40000]]);
    await expectRows(`tql eval (10, 10, '10s') sum(data)`, ['ts', 'sum(data.val1)', 'sum(data.val2)', 'sum(data.val3)'], [[10000, 2, 200, 20000]]);
    await expectRows(`tql eval (10, 10, '10s') rate(data[20s])`,
      ['ts', 'prom_rate(ts_range,val1,ts,Int64(20000))', 'prom_rate(ts_range,val2,ts,Int64(20000))', 'prom_rate(ts_range,val3,ts,Int64(20000))'],
      [[10000, 0.1, 10, 1000]]);
  });

  // tql/operator.result, tql/literal_only.result
  it('literals answer time and value; atan2 and irate name their arguments', async () => {
    await h.all(`create table trigy (ts timestamp(3) time index, val double); insert into trigy values (0,10);
      create table trigx (ts timestamp(3) time index, val double); insert into trigx values (0,20);
      create table trignan (ts timestamp(3) time index, val double); insert into trignan values (0, 'NaN'::double)`);
    await expectRows(`tql eval (60, 60, '1s') trigy atan2 trigx`, ['ts', 'atan2(trigy.val,trigx.val)'], [[60000, 0.4636476090008061]]);
    const nan = await tql(`tql eval (60, 60, '1s') trigy atan2 trignan`);
    expect(nan.columns).to.deep.equal(['ts', 'atan2(trigy.val,trignan.val)']);
    expect(nan.rows.length).to.equal(1);
    expect(Number.isNaN(nan.rows[0]![1])).to.equal(true);
    await expectRows(`tql eval (60, 60, '1s') 10 atan2 20`, ['time', 'value'], [[60000, 0.4636476090008061]]);
    await h.all(`CREATE TABLE t(greptime_timestamp TIMESTAMP(9) TIME INDEX, greptime_value DOUBLE);
      INSERT INTO t(greptime_timestamp, greptime_value) VALUES ('2025-04-01T00:00:00.5Z', 1), ('2025-04-01T00:00:01Z', 2), ('2025-04-01T00:00:01.5Z', 3),
        ('2025-04-01T00:00:02Z', 4), ('2025-04-01T00:00:02.5Z', 5), ('2025-04-01T00:00:03Z', 6)`);
    const t0 = Date.UTC(2025, 3, 1);
    await expectRows(`tql eval (1743465600.5, 1743465603, '1s') irate(t[2s])`, ['greptime_timestamp', 'prom_irate(greptime_timestamp_range,greptime_value)'],
      [[t0 + 1500, 2], [t0 + 2500, 2]]);
    await expectRows(`TQL EVAL (0, 10, '5s') 1`, ['time', 'value'], [[0, 1], [5000, 1], [10000, 1]]);
    await expectRows(`TQL EVAL (0, 10, '5s') 1+1`, ['time', 'value'], [[0, 2], [5000, 2], [10000, 2]]);
    await expectRows(`TQL EVAL (0, 10, '5s') "1+1"`, ['time', 'value'], [[0, '1+1'], [5000, '1+1'], [10000, '1+1']]);
  });

  // tql/aggr_over_time.result
  it('range functions: prom_<name>(ts_range,val[,args]), then the labels', async () => {
    await h.all(`create table metric (ts timestamp(3) time index, val double); insert into metric values (0,0), (10000,8), (20000,8), (30000,2), (40000,3);
      create table data (ts timestamp(3) time index, val double, test string primary key);
      insert into data values (0, 0, "two samples"), (10000, 1, "two samples"), (0, 0, "three samples"), (10000, 1, "three samples"), (20000, 2, "three samples"),
        (0, 0, "uneven samples"), (10000, 1, "uneven samples"), (20000, 4, "uneven samples")`);
    const v = await tql(`tql eval (60, 60, '1s') stdvar_over_time(metric[2m])`);
    expect(v.columns).to.deep.equal(['ts', 'prom_stdvar_over_time(ts_range,val)']);
    expect(v.rows[0]![1]).to.be.closeTo(10.56, 1e-9);
    await expectSet(`tql eval (60, 60, '1s') quantile_over_time(0.5, data[2m])`, ['ts', 'prom_quantile_over_time(ts_range,val,Float64(0.5))', 'test'],
      [[60000, 0.5, 'two samples'], [60000, 1, 'three samples'], [60000, 1, 'uneven samples']]);
    await expectSet(`tql eval (60, 60, '1s') quantile_over_time(0.75, data[2m])`, ['ts', 'prom_quantile_over_time(ts_range,val,Float64(0.75))', 'test'],
      [[60000, 0.75, 'two samples'], [60000, 1.5, 'three samples'], [60000, 2.5, 'uneven samples']]);
  });

  // tql/range.result
  it('sum(rate()) and sum by: the grouping labels, the time, the aggregate of the function', async () => {
    const rows: string[] = [];
    for (const [host, service, base] of [['host1', 'service1', 10], ['host1', 'service2', 5], ['host2', 'service1', 8]] as const) {
      for (let i = 0; i <= 8; i++) rows.push(`(${i * 30000}, ${base + 5 * i}, '${host}', '${service}')`);
    }
    await h.all(`CREATE TABLE metrics (ts TIMESTAMP TIME INDEX, val DOUBLE, host STRING, \`service\` STRING, PRIMARY KEY (host, service));
      INSERT INTO metrics VALUES ${rows.join(', ')}`);
    const name = 'sum(prom_rate(ts_range,val,ts,Int64(60000)))';
    await expectRows(`TQL EVAL (60, 180, '60s') sum(rate(metrics[1m]))`, ['ts', name], [[60000, 0.5], [120000, 0.5], [180000, 0.5]]);
    // GreptimeDB orders an aggregation's rows by its labels, then time
    await expectRows(`TQL EVAL (60, 180, '60s') sum by(host) (rate(metrics[1m]))`, ['host', 'ts', name], [
      ['host1', 60000, 1 / 3], ['host1', 120000, 1 / 3], ['host1', 180000, 1 / 3], ['host2', 60000, 1 / 6], ['host2', 120000, 1 / 6], ['host2', 180000, 1 / 6]]);
    await expectRows(`TQL EVAL (60, 180, '60s') sum by(service) (rate(metrics[1m]))`, ['service', 'ts', name], [
      ['service1', 60000, 1 / 3], ['service1', 120000, 1 / 3], ['service1', 180000, 1 / 3], ['service2', 60000, 1 / 6], ['service2', 120000, 1 / 6], ['service2', 180000, 1 / 6]]);
    await expectRows(`TQL EVAL (60, 180, '60s') sum(rate(metrics[31s]))`, ['ts', 'sum(prom_rate(ts_range,val,ts,Int64(31000)))'], [[60000, 0.5], [120000, 0.5], [180000, 0.5]]);
    await expectRows(`TQL EVAL (60, 180, '60s') sum(rate(metrics[1m])) * 100`, ['ts', `${name} * Float64(100)`], [[60000, 50], [120000, 50], [180000, 50]]);
    await expectRows(`TQL EVAL (60, 180, '60s') sum by(host) (rate(metrics[1m])) * 60`, ['host', 'ts', `${name} * Float64(60)`], [
      ['host1', 60000, 20], ['host1', 120000, 20], ['host1', 180000, 20], ['host2', 60000, 10], ['host2', 120000, 10], ['host2', 180000, 10]]);
    // a metric that is not a table, a label no series has: no rows
    expect((await tql(`TQL EVAL (60, 180, '60s') sum(rate(non_existent_table[1m]))`)).rows).to.deep.equal([]);
    expect((await tql(`TQL EVAL (60, 180, '60s') sum(rate(metrics{host="non_existent_host"}[1m]))`)).rows).to.deep.equal([]);
  });

  // tql/matching_filter.result, tql/case_sensitive.result, tql/join.result
  it('binary operators between vectors: the right side tags, the time, left.field op right.field', async () => {
    await h.all(`create table gauge_metric(ts timestamp time index, host string, device string, val double, primary key (host, device));
      insert into gauge_metric values (0, 'host1', 'eth0', 2), (0, 'host1', 'eth1', 2), (0, 'host2', 'eth0', 2), (5000, 'host1', 'eth0', 2), (5000, 'host1', 'eth1', 2), (5000, 'host2', 'eth0', 2);
      create table counter_metric(ts timestamp time index, host string, device string, val double, primary key (host, device));
      insert into counter_metric values (0, 'host1', 'eth0', 10), (0, 'host1', 'eth1', 20), (0, 'host2', 'eth0', 40), (5000, 'host1', 'eth0', 10), (5000, 'host1', 'eth1', 20), (5000, 'host2', 'eth0', 40)`);
    const div = ['host', 'device', 'ts', 'counter_metric.val / gauge_metric.val'];
    await expectSet(`tql eval(0, 5, '5s') counter_metric / gauge_metric`, div, [
      ['host1', 'eth0', 0, 5], ['host1', 'eth0', 5000, 5], ['host1', 'eth1', 0, 10], ['host1', 'eth1', 5000, 10], ['host2', 'eth0', 0, 20], ['host2', 'eth0', 5000, 20]]);
    await expectSet(`tql eval(0, 5, '5s') counter_metric / on(host, device) gauge_metric{host="host1"}`, div, [
      ['host1', 'eth0', 0, 5], ['host1', 'eth0', 5000, 5], ['host1', 'eth1', 0, 10], ['host1', 'eth1', 5000, 10]]);
    await expectSet(`tql eval(0, 5, '5s') counter_metric{host="host1"} / on(host, device) gauge_metric{host="host2"}`, div, []);
    await expectSet(`tql eval(0, 5, '5s') counter_metric offset 5s / on(host, device) gauge_metric{host="host1"}`, div,
      [['host1', 'eth0', 5000, 5], ['host1', 'eth1', 5000, 10]]);
    await expectSet(`tql eval(0, 5, '5s') count_over_time(counter_metric[10s]) / on(host, device) count_over_time(gauge_metric{host="host1"}[10s])`,
      ['host', 'device', 'ts', 'counter_metric.prom_count_over_time(ts_range,val) / gauge_metric.prom_count_over_time(ts_range,val)'],
      [['host1', 'eth0', 0, 1], ['host1', 'eth0', 5000, 1], ['host1', 'eth1', 0, 1], ['host1', 'eth1', 5000, 1]]);
    await expectSet(`tql eval(0, 5, '5s') sum by(host)(counter_metric{device="eth0"}) / on(host) sum by(host)(gauge_metric)`,
      ['host', 'ts', 'counter_metric.sum(counter_metric.val) / gauge_metric.sum(gauge_metric.val)'],
      [['host1', 0, 2.5], ['host1', 5000, 2.5], ['host2', 0, 20], ['host2', 5000, 20]]);
    // A comparison without bool keeps one side: time, value, tags.
    await expectSet(`tql eval(0, 5, '5s') counter_metric > on(host, device) gauge_metric{host="host1"}`, ['ts', 'val', 'host', 'device'], [
      [0, 10, 'host1', 'eth0'], [0, 20, 'host1', 'eth1'], [5000, 10, 'host1', 'eth0'], [5000, 20, 'host1', 'eth1']]);
    // tql/case_sensitive.result (its DataFusion printed SUM in capitals; current DataFusion prints sum)
    await h.all(`create table "MemAvailable" (ts timestamp time index, instance string primary key, val double);
      create table "MemTotal" (ts timestamp time index, instance string primary key, val double);
      insert into "MemAvailable" values (0, 'host0', 10), (5000, 'host0', 20), (10000, 'host0', 30), (0, 'host1', 40), (5000, 'host1', 50), (10000, 'host1', 60);
      insert into "MemTotal" values (0, 'host0', 100), (5000, 'host0', 100), (10000, 'host0', 100), (0, 'host1', 100), (5000, 'host1', 100), (10000, 'host1', 100)`);
    await expectRows(`tql eval (0,10,'5s') sum(MemAvailable / 4) + sum(MemTotal / 4)`,
      ['ts', 'MemAvailable.sum(val / Float64(4)) + MemTotal.sum(val / Float64(4))'], [[0, 62.5], [5000, 67.5], [10000, 72.5]]);
  });

  // promql/scalar.result, promql/time_fn.result, promql/math.result, promql/functions.result
  it('scalar(), time(), the same table on both sides (lhs/rhs), instant functions', async () => {
    await h.all(`CREATE TABLE host (ts timestamp(3) time index, host STRING PRIMARY KEY, val BIGINT);
      INSERT INTO TABLE host VALUES (0, 'host1', 1), (0, 'host2', 2), (5000, 'host1', 3), (5000, 'host2', 4), (10000, 'host1', 5), (10000, 'host2', 6), (15000, 'host1', 7), (15000, 'host2', 8)`);
    await expectRows(`TQL EVAL (0, 15, '5s') scalar(host{host="host1"})`, ['ts', 'scalar(val)'], [[0, 1], [5000, 3], [10000, 5], [15000, 7]]);
    await expectRows(`TQL EVAL (0, 15, '5s') scalar(host{host="host1"}) + 1`, ['ts', 'scalar(val) + Float64(1)'], [[0, 2], [5000, 4], [10000, 6], [15000, 8]]);
    await expectRows(`TQL EVAL (0, 15, '5s') 1 + scalar(host{host="host1"})`, ['ts', 'Float64(1) + scalar(val)'], [[0, 2], [5000, 4], [10000, 6], [15000, 8]]);
    await expectRows(`TQL EVAL (0, 15, '5s') host{host="host1"} + scalar(host{host="host2"})`, ['host', 'ts', 'lhs.val + rhs.scalar(val)'],
      [['host1', 0, 3], ['host1', 5000, 7], ['host1', 10000, 11], ['host1', 15000, 15]]);
    await expectRows(`TQL EVAL (0, 15, '5s') scalar(host{host="host1"}) + host{host="host2"}`, ['host', 'ts', 'lhs.scalar(val) + rhs.val'],
      [['host2', 0, 3], ['host2', 5000, 7], ['host2', 10000, 11], ['host2', 15000, 15]]);
    await expectRows(`TQL EVAL (0, 15, '5s') scalar(count(count(host) by (host)))`, ['ts', 'scalar(count(count(host.val)))'], [[0, 2], [5000, 2], [10000, 2], [15000, 2]]);
    await expectRows(`TQL EVAL (0, 15, '5s') scalar(host{host="host1"} + scalar(host{host="host2"}))`, ['ts', 'scalar(lhs.val + rhs.scalar(val))'],
      [[0, 3], [5000, 7], [10000, 11], [15000, 15]]);
    await expectSet(`TQL EVAL (0, 15, '5s') clamp(host, 0, 12)`, ['ts', 'clamp(val,Float64(0),Float64(12))', 'host'], [
      [0, 1, 'host1'], [0, 2, 'host2'], [5000, 3, 'host1'], [5000, 4, 'host2'], [10000, 5, 'host1'], [10000, 6, 'host2'], [15000, 7, 'host1'], [15000, 8, 'host2']]);
    // a selector over a BIGINT field keeps its type
    expect((await tql(`TQL EVAL (0, 0, '5s') host`)).types).to.deep.equal(['TimestampMillisecond', 'String', 'Int64']);

    await expectRows(`tql eval (3000, 3000, '1s') time()`, ['time', 'time / Float64(1000)'], [[3_000_000, 3000]]);
    await expectRows(`tql eval (0, 0, '1s') time() + 1`, ['time', 'time / Float64(1000) + Float64(1)'], [[0, 1]]);
    await expectRows(`tql eval (10000, 10000, '1s') time() * time()`, ['time', 'lhs.time / Float64(1000) * rhs.time / Float64(1000)'], [[10_000_000, 100_000_000]]);
    await expectRows(`tql eval (0, 0, '1s') time() < bool 1`, ['time', 'time / Float64(1000) < Float64(1)'], [[0, 1]]);
    await h.all(`create table metrics (ts timestamp time index, val double); insert into metrics values (0, 0), (1000, 1), (2000, 2), (3000, 3)`);
    await expectRows(`tql eval (1, 2, '1s') time() + metrics`, ['ts', '.time / Float64(1000) + metrics.val'], [[1000, 2], [2000, 4]]);
    await expectRows(`tql eval (1, 2, '1s') metrics + time()`, ['time', 'metrics.val + .time / Float64(1000)'], [[1000, 2], [2000, 4]]);
    await expectRows(`tql eval (1, 2, '1s') time() == metrics`, ['ts', 'val'], [[1000, 1], [2000, 2]]);
    await expectRows(`tql eval (1, 2, '1s') time() == bool metrics`, ['ts', '.time / Float64(1000) = metrics.val'], [[1000, 1], [2000, 1]]);
    const hour = await expectRows(`tql eval (1701413023, 1701413023, '1s') hour()`, ['time', 'date_part(Utf8("hour"),time)'], [[1701413023000, 6]]);
    expect(hour.types).to.deep.equal(['TimestampMillisecond', 'Int32']);

    await h.all(`CREATE TABLE angles (ts timestamp(3) time index, unit STRING PRIMARY KEY, val DOUBLE);
      INSERT INTO TABLE angles VALUES (0, 'radians', 0), (0, 'degrees', 0), (5000, 'radians', 1.5708), (5000, 'degrees', 90), (25000, 'positive', 42.5), (25000, 'negative', -17.3)`);
    await expectRows(`TQL EVAL (0, 5, '5s') rad(angles{unit="degrees"})`, ['ts', 'radians(val)', 'unit'], [[0, 0, 'degrees'], [5000, 1.5707963267948966, 'degrees']]);
    await expectRows(`TQL EVAL (0, 5, '5s') pi()`, ['time', 'pi()'], [[0, Math.PI], [5000, Math.PI]]);
    await expectSet(`TQL EVAL (25, 25, '5s') sgn(angles) * angles`, ['unit', 'ts', 'lhs.signum(val) * rhs.val'], [
      ['degrees', 25000, 90], ['negative', 25000, 17.3], ['positive', 25000, 42.5], ['radians', 25000, 1.5708]]);

    await h.all(`CREATE TABLE prom_series_q (ts TIMESTAMP TIME INDEX, val DOUBLE, host STRING PRIMARY KEY);
      INSERT INTO prom_series_q (ts, val, host) VALUES (1000, 123.45, 'q'), (2000, 234.567, 'q'), (3000, 345.678, 'q'), (4000, 456.789, 'q')`);
    await expectRows(`tql eval (3, 3, '1s') round(prom_series_q)`, ['ts', 'prom_round(val,Float64(1))', 'host'], [[3000, 346, 'q']]);
    await expectRows(`tql eval (1, 2, '1s') round(prom_series_q, 0.01)`, ['ts', 'prom_round(val,Float64(0.01))', 'host'], [[1000, 123.45, 'q'], [2000, 234.57, 'q']]);
  });

  // promql/metric_name_regex.result, promql/range_vector_result.result
  it('a metric union keeps __name__; a range vector at one step is its samples in the table order', async () => {
    await h.all(`CREATE TABLE mnr_a (host STRING NULL, ts TIMESTAMP NOT NULL, greptime_value DOUBLE NULL, TIME INDEX (ts), PRIMARY KEY (host));
      CREATE TABLE mnr_b (idc STRING NULL, ts TIMESTAMP NOT NULL, greptime_value DOUBLE NULL, TIME INDEX (ts), PRIMARY KEY (idc));
      INSERT INTO mnr_a (ts, host, greptime_value) VALUES (0, 'host1', 1);
      INSERT INTO mnr_b (ts, idc, greptime_value) VALUES (0, 'idc1', 5)`);
    await expectSet(`TQL EVAL (0, 0, '1s') {__name__=~"mnr_[ab]"}`, ['greptime_value', 'host', 'idc', '__name__', 'ts'],
      [[1, 'host1', null, 'mnr_a', 0], [5, null, 'idc1', 'mnr_b', 0]]);
    await expectRows(`TQL EVAL (0, 0, '1s') {__name__="mnr_a"}`, ['host', 'ts', 'greptime_value'], [['host1', 0, 1]]);
    await expectRows(`TQL EVAL (0, 0, '1s') sum({__name__=~"mnr_[ab]"})`, ['ts', 'sum(greptime_value)'], [[0, 6]]);
    await expectRows(`TQL EVAL (0, 0, '1s') topk(1, {__name__=~"mnr_[ab]"})`, ['greptime_value', 'host', 'idc', '__name__', 'ts'], [[5, null, 'idc1', 'mnr_b', 0]]);
    await expectRows(`TQL EVAL (0, 0, '1s') count by(__name__) ({__name__=~"mnr_[ab]"})`, ['__name__', 'ts', 'count(greptime_value)'], [['mnr_a', 0, 1], ['mnr_b', 0, 1]]);
    await expectRows(`TQL EVAL (0, 0, '1s') {__name__=~"mnr_nonexistent.*"}`, ['time', 'value'], []);

    await h.all(`create table range_vector_result (ts timestamp time index, val double, host string primary key);
      insert into range_vector_result values (0, 1.0, 'a'), (10000, 2.0, 'a'), (20000, 3.0, 'a'), (30000, 4.0, 'a'), (0, 10.0, 'b'), (20000, 30.0, 'b')`);
    await expectSet(`tql eval (30, 30, '1s') range_vector_result[20s]`, ['ts', 'val', 'host'], [[20000, 3, 'a'], [20000, 30, 'b'], [30000, 4, 'a']]);
    await expectSet(`tql eval (30, 30, '1s') range_vector_result[20s] as v`, ['v', 'host', 'ts'], [[3, 'a', 20000], [30, 'b', 20000], [4, 'a', 30000]]);
  });

  it('row order: sort() by value, topk by time then rank; AS over several fields is an error', async () => {
    await h.all(`CREATE TABLE s (ts TIMESTAMP TIME INDEX, host STRING PRIMARY KEY, val DOUBLE);
      INSERT INTO s VALUES (0, 'a', 3), (0, 'b', 1), (0, 'c', 2), (10000, 'a', 1), (10000, 'b', 5), (10000, 'c', 4);
      CREATE TABLE two (ts TIMESTAMP TIME INDEX, x DOUBLE, y DOUBLE); INSERT INTO two VALUES (0, 1, 2)`);
    await expectRows(`TQL EVAL (0, 10, '10s') sort(s)`, ['ts', 'val', 'host'], [[10000, 1, 'a'], [0, 1, 'b'], [0, 2, 'c'], [0, 3, 'a'], [10000, 4, 'c'], [10000, 5, 'b']]);
    await expectRows(`TQL EVAL (0, 10, '10s') sort_desc(s)`, ['ts', 'val', 'host'], [[10000, 5, 'b'], [10000, 4, 'c'], [0, 3, 'a'], [0, 2, 'c'], [10000, 1, 'a'], [0, 1, 'b']]);
    await expectRows(`TQL EVAL (0, 10, '10s') topk(2, s)`, ['val', 'host', 'ts'], [[3, 'a', 0], [2, 'c', 0], [5, 'b', 10000], [4, 'c', 10000]]);
    await h.fails(`TQL EVAL (0, 0, '10s') two AS v`, 'AS names one value column', 'INVALID_ARGUMENTS');
  });
});
