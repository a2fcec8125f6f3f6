import { expect } from 'chai';
import { SqlHarness } from '../support/sql-harness.js';

// Expected rows follow GreptimeDB's own range-query cases (tests/cases/standalone/common/range).
describe('sql: range queries (GreptimeDB semantics)', function () {
  this.timeout(10_000);
  let h: SqlHarness;
  beforeEach(async () => {
    h = await SqlHarness.start();
    await h.q('CREATE TABLE host (ts timestamp(3) time index, host STRING PRIMARY KEY, val BIGINT)');
    await h.q(`INSERT INTO host VALUES (0, 'host1', 0), (5000, 'host1', null), (10000, 'host1', 1), (15000, 'host1', null), (20000, 'host1', 2),
      (0, 'host2', 3), (5000, 'host2', null), (10000, 'host2', 4), (15000, 'host2', null), (20000, 'host2', 5)`);
  });
  afterEach(async () => { await h.stop(); });

  it('aggregates each slot t over [t, t + range) by an expression, a constant or nothing', async () => {
    expect(await h.rows("SELECT ts, length(host), max(val) RANGE '5s' FROM host ALIGN '20s' BY (length(host)) ORDER BY ts")).to.deep.equal([[0, 5, 3], [20000, 5, 5]]);
    expect(await h.rows("SELECT ts, max(val) RANGE '5s' FROM host ALIGN '20s' BY () ORDER BY ts")).to.deep.equal([[0, 3], [20000, 5]]);
    // Without BY the primary key (host) is the key: one row per host and slot.
    const rows = (await h.rows("SELECT ts, max(val) RANGE '5s' FROM host ALIGN '20s' ORDER BY ts")) as number[][];
    expect(rows.sort((a, b) => a[0]! - b[0]! || a[1]! - b[1]!)).to.deep.equal([[0, 0], [0, 3], [20000, 2], [20000, 5]]);
  });

  it('ALIGN ... TO a timestamp string, in the session time zone unless it names an offset', async () => {
    const byNumber = await h.rows("SELECT ts, max(val) RANGE '10s' FROM host ALIGN '10s' TO 5000 BY () ORDER BY ts");
    expect(byNumber).to.deep.equal([[-5000, 3], [5000, 4], [15000, 5]]);
    expect(await h.rows("SELECT ts, max(val) RANGE '10s' FROM host ALIGN '10s' TO '1970-01-01T00:00:05Z' BY () ORDER BY ts")).to.deep.equal(byNumber);
    expect(await h.rows("SELECT ts, max(val) RANGE '10s' FROM host ALIGN '10s' TO '1970-01-01 08:00:05+08:00' BY () ORDER BY ts")).to.deep.equal(byNumber);
    await h.q("SET time_zone = '+08:00'");
    expect(await h.rows("SELECT ts, max(val) RANGE '10s' FROM host ALIGN '10s' TO '1970-01-01 08:00:05' BY () ORDER BY ts")).to.deep.equal(byNumber);
    await h.q("SELECT max(val) RANGE '10s' FROM host ALIGN '10s' TO 'yesterday' BY ()").then(
      () => expect.fail('should fail'), (e: Error) => expect(e.message).to.contain("ALIGN TO: invalid timestamp 'yesterday'"));
  });

  it('without TO, slots start at the session zone\'s offset (GreptimeDB range/to)', async () => {
    await h.q('CREATE TABLE h2 (ts timestamp(3) time index, host STRING PRIMARY KEY, val BIGINT)');
    await h.q(`INSERT INTO h2 VALUES ('2024-01-23T22:30:00+00:00', 'host1', 0), ('2024-01-23T23:30:00+00:00', 'host1', 1),
      ('2024-01-24T22:30:00+00:00', 'host1', 2), ('2024-01-24T23:30:00+00:00', 'host1', 3)`);
    const q = "SELECT ts, min(val) RANGE '1d' FROM h2 ALIGN '1d' ORDER BY ts";
    expect(await h.rows(q)).to.deep.equal([[Date.UTC(2024, 0, 23), 0], [Date.UTC(2024, 0, 24), 2]]);
    await h.q("SET time_zone = 'Asia/Shanghai'");
    expect(await h.rows(q)).to.deep.equal([[Date.UTC(2024, 0, 23, 8), 0], [Date.UTC(2024, 0, 24, 8), 2]]);
    expect(await h.rows("SELECT ts, min(val) RANGE '1d' FROM h2 ALIGN '1d' TO CALENDAR ORDER BY ts")).to.deep.equal([[Date.UTC(2024, 0, 23), 0], [Date.UTC(2024, 0, 24), 2]]);
    await h.q("SET time_zone = '+23:00'");
    expect(await h.rows(q)).to.deep.equal([[Date.UTC(2024, 0, 22, 23), 0], [Date.UTC(2024, 0, 23, 23), 1], [Date.UTC(2024, 0, 24, 23), 3]]);
  });

  it('range expressions inside other expressions (GreptimeDB range/calculate)', async () => {
    expect(await h.rows("SELECT ts, host, 2 * min(val) RANGE '5s' FROM host ALIGN '5s' ORDER BY host, ts")).to.deep.equal([
      [0, 'host1', 0], [5000, 'host1', null], [10000, 'host1', 2], [15000, 'host1', null], [20000, 'host1', 4],
      [0, 'host2', 6], [5000, 'host2', null], [10000, 'host2', 8], [15000, 'host2', null], [20000, 'host2', 10],
    ]);
    expect(await h.rows("SELECT ts, host, max(val) RANGE '20s' - min(val) RANGE '20s', floor(min(val) RANGE '5s') FROM host ALIGN '20s' ORDER BY host, ts"))
      .to.deep.equal([[0, 'host1', 1, 0], [20000, 'host1', 0, 2], [0, 'host2', 1, 3], [20000, 'host2', 0, 5]]);
    await h.q("SELECT min(max(val) RANGE '20s') RANGE '20s' FROM host ALIGN '10s'").then(
      () => expect.fail('should fail'), (e: Error) => expect(e.message).to.contain('cannot be nested in another RANGE expression'));
  });

  it('FILL constants take the aggregate\'s type; bad ones and LINEAR on strings are plan errors', async () => {
    const fails = async (sql: string, text: string) => h.q(sql).then(() => expect.fail(`should fail: ${sql}`), (e: Error & { code?: string }) => {
      expect(e.code).to.equal('PLAN_QUERY');
      expect(e.message).to.contain(text);
    });
    await fails("SELECT min(val) RANGE '5s' FROM host ALIGN '5s' FILL 3.0", '3.0 is not a valid fill option for min(val) (Int64)');
    await fails("SELECT min(val) RANGE '5s' FILL 'abc' FROM host ALIGN '5s'", 'abc is not a valid fill option');
    await fails("SELECT max(host) RANGE '5s' FILL LINEAR FROM host ALIGN '5s'", 'FILL LINEAR needs a numeric aggregate');
    expect(await h.rows("SELECT ts, min(val) RANGE '5s' FILL '7', min(val::DOUBLE) RANGE '5s' FILL 2.5 FROM host ALIGN '5s' BY () ORDER BY ts LIMIT 2"))
      .to.deep.equal([[0, 0, 0], [5000, 7, 2.5]]);
  });

  it('names EXTRACT columns and casts to parameterized types after their text', async () => {
    expect((await h.q('SELECT extract(second FROM ts) FROM host LIMIT 1')).columns).to.deep.equal(['extract(second FROM ts)']);
    expect((await h.q("SELECT '2020-01-01'::TIMESTAMP(3), CAST(1 AS DECIMAL(10, 2))")).columns).to.deep.equal(["'2020-01-01'::TIMESTAMP(3)", 'CAST(1 AS DECIMAL(10, 2))']);
  });

  it('says which function is unknown inside a RANGE expression', async () => {
    await h.q("SELECT ts, nosuchfn(val) RANGE '5s' FROM host ALIGN '5s'").then(
      () => expect.fail('should fail'), (e: Error) => expect(e.message).to.contain("Invalid function 'nosuchfn'"));
    await h.q("SELECT ts, rank() OVER (ORDER BY ts) RANGE '5s' FROM host ALIGN '5s'").then(
      () => expect.fail('should fail'), (e: Error) => expect(e.message).to.contain('window functions are not allowed in a RANGE expression'));
  });

  it('FILL NULL (default), value, PREV and LINEAR', async () => {
    const r = await h.rows("SELECT ts, host, min(val) RANGE '5s', min(val) RANGE '5s' FILL 6, min(val) RANGE '5s' FILL PREV, min(val) RANGE '5s' FILL LINEAR FROM host ALIGN '5s' ORDER BY host, ts");
    expect(r.slice(0, 5)).to.deep.equal([
      [0, 'host1', 0, 0, 0, 0], [5000, 'host1', null, 6, 0, 0.5], [10000, 'host1', 1, 1, 1, 1], [15000, 'host1', null, 6, 1, 1.5], [20000, 'host1', 2, 2, 2, 2],
    ]);
    expect((await h.q("SELECT min(val) RANGE '5s' FILL LINEAR FROM host ALIGN '5s'")).types).to.deep.equal(['Float64']);
  });

  it("RANGE and ALIGN as ('...'::INTERVAL) casts", async () => {
    expect(await h.rows("SELECT ts, max(val) RANGE ('20 seconds'::INTERVAL) FROM host ALIGN ('20 seconds'::INTERVAL) BY () ORDER BY ts"))
      .to.deep.equal(await h.rows("SELECT ts, max(val) RANGE '20s' FROM host ALIGN '20s' BY () ORDER BY ts"));
  });

  it('count(DISTINCT ...) per slot and intervals as RANGE/ALIGN', async () => {
    expect(await h.rows("SELECT ts, count(distinct host) RANGE '10s' AS h FROM host ALIGN '10s' BY () ORDER BY ts")).to.deep.equal([[0, 2], [10000, 2], [20000, 2]]);
    expect(await h.rows("SELECT ts, count(*) RANGE (INTERVAL '10 seconds') FROM host ALIGN (INTERVAL '10 seconds') BY () ORDER BY ts")).to.deep.equal([[0, 4], [10000, 4], [20000, 2]]);
  });

  it('first_value/last_value with ORDER BY inside a range expression', async () => {
    expect(await h.rows("SELECT ts, first_value(val ORDER BY ts) RANGE '10s', last_value(val ORDER BY ts) RANGE '10s' FROM host WHERE host = 'host1' ALIGN '10s' ORDER BY ts"))
      .to.deep.equal([[0, 0, null], [10000, 1, null], [20000, 2, 2]]);
  });

  it('first_value/last_value with several ORDER BY keys in a range expression (GreptimeDB range/special_aggr)', async () => {
    await h.q('CREATE TABLE h3 (ts timestamp(3) time index, host STRING PRIMARY KEY, val BIGINT, addon BIGINT)');
    await h.q(`INSERT INTO h3 VALUES (0,'host1',0,1),(1000,'host1',null,2),(2000,'host1',0,3),(5000,'host1',null,4),(6000,'host1',null,5),
      (7000,'host1',null,6),(10000,'host1',null,7),(11000,'host1',1,8),(12000,'host1',1,9)`);
    expect(await h.rows("SELECT ts, first_value(addon ORDER BY val ASC, ts ASC) RANGE '5s', last_value(addon ORDER BY val ASC, ts ASC) RANGE '5s' FROM h3 ALIGN '5s' ORDER BY ts"))
      .to.deep.equal([[0, 1, 2], [5000, 4, 6], [10000, 8, 7]]);
  });

  it('refuses columns that are not BY keys', async () => {
    await h.q("SELECT ts, host, max(val) RANGE '5s' FROM host ALIGN '20s' BY () ORDER BY ts").then(() => expect.fail('should fail'), (e) => expect(e.code).to.equal('PLAN_QUERY'));
  });
});
