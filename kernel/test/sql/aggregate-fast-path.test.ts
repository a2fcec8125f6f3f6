import { expect } from 'chai';
import { SqlHarness } from '../support/sql-harness.js';

/**
 * The aggregate operator's fast paths: typed-array states for built-in
 * count/sum/avg/min/max, group codes for nanosecond timestamps, date_trunc/
 * date_bin without bigints, and the top-k group filter under ORDER BY <group
 * column> LIMIT k. Each answer is checked against one computed another way
 * (the generic path, or BigInt arithmetic in the test).
 */
describe('sql: aggregate fast paths', function () {
  this.timeout(30_000);
  let h: SqlHarness;
  before(async () => {
    h = await SqlHarness.start();
    await h.q('CREATE TABLE ns (host STRING, ts TIMESTAMP(9) TIME INDEX, v DOUBLE, i INT, PRIMARY KEY (host))');
    const rows: string[] = [];
    // 2016-01-01 in nanoseconds: beyond 2^53, so no value fits a double.
    const t0 = 1_451_606_400_000_000_000n;
    for (let h = 0; h < 7; h++) {
      for (let k = 0; k < 400; k++) {
        const ts = t0 + BigInt(k) * 7_300_000_000n + BigInt(h) * 13n;
        const v = k % 11 === 0 && h === 2 ? 'NULL' : String(((k * 37 + h * 11) % 101) - 20.5);
        rows.push(`('h${h}', ${ts}, ${v}, ${(k * 7 + h) % 23})`);
      }
    }
    // Far-apart values (other bases): the epoch, before it, and far in the future.
    rows.push("('h0', 0, 1.5, 1)", "('h1', -1, 2.5, 2)", "('h2', -3600000000001, 3.5, 3)", "('h3', 9000000000000000000, 4.5, 4)");
    await h.q(`INSERT INTO ns (host, ts, v, i) VALUES ${rows.join(', ')}`);
  });
  after(async () => { await h.stop(); });

  const floorDiv = (a: bigint, b: bigint) => { const q = a / b; return a % b !== 0n && (a < 0n) !== (b < 0n) ? q - 1n : q; };

  it('date_trunc and date_bin on nanosecond timestamps are exact', async () => {
    // Arrow hands nanosecond timestamps back as float milliseconds: read them as BIGINT.
    const r = (await h.q(`SELECT CAST(ts AS BIGINT), CAST(date_trunc('minute', ts) AS BIGINT), CAST(date_trunc('hour', ts) AS BIGINT),
      CAST(date_bin(INTERVAL '5 minutes', ts) AS BIGINT), CAST(date_bin(INTERVAL '7 seconds', ts, '1970-01-01 00:00:03'::TIMESTAMP(9)) AS BIGINT) FROM ns`)).rows;
    expect(r.length).to.equal(7 * 400 + 4);
    for (const [ts, m, hr, b5, b7] of r as bigint[][]) {
      expect(m).to.equal(floorDiv(ts!, 60_000_000_000n) * 60_000_000_000n);
      expect(hr).to.equal(floorDiv(ts!, 3_600_000_000_000n) * 3_600_000_000_000n);
      expect(b5).to.equal(floorDiv(ts!, 300_000_000_000n) * 300_000_000_000n);
      expect(b7).to.equal(floorDiv(ts! - 3_000_000_000n, 7_000_000_000n) * 7_000_000_000n + 3_000_000_000n);
    }
  });

  it('count/sum/avg/min/max by (time bucket, tag) equal the generic path', async () => {
    // FILTER (WHERE true) keeps the same aggregates off the fast path.
    const fast = await h.rows("SELECT date_trunc('minute', ts) AS b, host, count(*), count(v), sum(v), avg(v), min(v), max(v), min(i), max(i), avg(i) FROM ns GROUP BY b, host ORDER BY b, host");
    const slow = await h.rows("SELECT date_trunc('minute', ts) AS b, host, count(*) FILTER (WHERE true), count(v) FILTER (WHERE true), sum(v) FILTER (WHERE true), avg(v) FILTER (WHERE true), min(v) FILTER (WHERE true), max(v) FILTER (WHERE true), min(i) FILTER (WHERE true), max(i) FILTER (WHERE true), avg(i) FILTER (WHERE true) FROM ns GROUP BY b, host ORDER BY b, host");
    expect(fast.length).to.be.greaterThan(20);
    expect(fast).to.deep.equal(slow);
  });

  it('ORDER BY <group column> LIMIT k gives the rows a full sort gives', async () => {
    const cases = [
      "SELECT date_trunc('minute', ts) AS m, max(v) FROM ns GROUP BY m ORDER BY m DESC LIMIT 5",
      "SELECT date_trunc('minute', ts) AS m, max(v) FROM ns GROUP BY m ORDER BY m LIMIT 3",
      "SELECT date_bin(INTERVAL '5 minutes', ts) AS b, host, count(*), avg(v) FROM ns GROUP BY b, host ORDER BY b DESC, host LIMIT 9",
      'SELECT i, count(*), sum(v) FROM ns GROUP BY i ORDER BY i DESC LIMIT 4',
      'SELECT v, count(*) FROM ns GROUP BY v ORDER BY v DESC NULLS FIRST LIMIT 3',
      'SELECT v, count(*) FROM ns GROUP BY v ORDER BY v NULLS LAST LIMIT 3',
      'SELECT host, max(ts) FROM ns GROUP BY host ORDER BY host DESC LIMIT 2',
    ];
    for (const q of cases) {
      const full = await h.rows(q.replace(/ LIMIT (\d+)$/, ''));
      const k = Number(/LIMIT (\d+)$/.exec(q)![1]);
      expect(await h.rows(q), q).to.deep.equal(full.slice(0, k));
    }
  });

  it('the NULL group survives the top-k filter', async () => {
    const r = await h.rows('SELECT v, count(*) FROM ns GROUP BY v ORDER BY v DESC LIMIT 1');
    expect(r).to.deep.equal([[null, 37]]);
  });

  it('merges fast states across regions (two-phase aggregation)', async () => {
    await h.q("CREATE TABLE p (h STRING, ts TIMESTAMP(9) TIME INDEX, v DOUBLE, PRIMARY KEY (h)) PARTITION ON COLUMNS (h) (h < 'm', h >= 'm')");
    await h.q("INSERT INTO p VALUES ('a', 1000000000, 1), ('a', 61000000000, 2), ('x', 1000000001, 10), ('x', 2000000000, NULL), ('z', 62000000000, -3)");
    const plan = (await h.q("EXPLAIN SELECT date_trunc('minute', ts) AS m, count(*), count(v), sum(v), avg(v), min(v), max(v) FROM p GROUP BY m")).rows.map((r) => r.join(' ')).join('\n');
    expect(plan).to.contain('mode=Partial');
    expect(await h.rows("SELECT date_trunc('minute', ts) AS m, count(*), count(v), sum(v), avg(v), min(v), max(v) FROM p GROUP BY m ORDER BY m"))
      .to.deep.equal([[0, 3, 2, 11, 5.5, 1, 10], [60_000, 2, 2, -1, -0.5, -3, 2]]);
    expect(await h.rows('SELECT count(*), sum(v), min(v), max(v) FROM p WHERE v > 100')).to.deep.equal([[0, null, null, null]]);
  });
  it('starts a new group run where only NULL-ness changes, and keeps NaN, empty strings and repeated values apart', async () => {
    // Groups are found once per run of equal values; a NULL row's stored value (0) equals its neighbours'.
    await h.q('CREATE TABLE runs (host STRING, ts TIMESTAMP(3) TIME INDEX, i INT, b BIGINT, d DOUBLE, s STRING, t TIMESTAMP(9), PRIMARY KEY (host))');
    const pattern: Array<[number | null, string | null]> = [[0, ''], [null, null], [0, ''], [null, null], [null, null], [0, ''], [1, 'x'], [0, ''], [null, '']];
    const rows: string[] = [];
    for (const host of ['a', 'b']) {
      pattern.forEach(([x, str], k) => {
        const lit = x === null ? 'NULL' : String(x);
        rows.push(`('${host}', ${k}, ${lit}, ${lit}, ${x === null ? 'NULL' : x === 1 ? "'NaN'::DOUBLE" : lit}, ${str === null ? 'NULL' : `'${str}'`}, ${lit})`);
      });
    }
    await h.q(`INSERT INTO runs VALUES ${rows.join(', ')}`);
    for (const col of ['i', 'b', 't']) {
      // Arrow gives nanosecond timestamps back as float milliseconds.
      const one = col === 't' ? 0.000001 : 1;
      expect(await h.rows(`SELECT ${col}, count(*) FROM runs GROUP BY ${col} ORDER BY ${col} NULLS LAST`), col).to.deep.equal([[0, 8], [one, 2], [null, 8]]);
      expect(await h.rows(`SELECT host, ${col}, count(*) FROM runs GROUP BY host, ${col} ORDER BY host, ${col} NULLS LAST`), col)
        .to.deep.equal([['a', 0, 4], ['a', one, 1], ['a', null, 4], ['b', 0, 4], ['b', one, 1], ['b', null, 4]]);
      expect(await h.rows(`SELECT ${col}, count(*) FROM runs GROUP BY ${col} ORDER BY ${col} DESC NULLS LAST LIMIT 2`), col).to.deep.equal([[one, 2], [0, 8]]);
    }
    expect((await h.rows('SELECT d, count(*) FROM runs GROUP BY d ORDER BY d NULLS LAST')).map(([v, c]) => [Number.isNaN(v) ? 'NaN' : v, c]))
      .to.deep.equal([[0, 8], ['NaN', 2], [null, 8]]);
    expect(await h.rows('SELECT s, count(*) FROM runs GROUP BY s ORDER BY s NULLS LAST')).to.deep.equal([['', 10], ['x', 2], [null, 6]]);
    // Columns without NULLs: strings, timestamps, doubles.
    expect(await h.rows('SELECT host, count(*) FROM runs GROUP BY host ORDER BY host')).to.deep.equal([['a', 9], ['b', 9]]);
    expect(await h.rows('SELECT ts, count(*) FROM runs GROUP BY ts ORDER BY ts')).to.deep.equal(pattern.map((_p, k) => [k, 2]));
    expect((await h.rows('SELECT coalesce(d, 5) AS c, count(*) FROM runs GROUP BY c ORDER BY c')).map(([v, c]) => [Number.isNaN(v) ? 'NaN' : v, c]))
      .to.deep.equal([[0, 8], [5, 8], ['NaN', 2]]);
    expect(await h.rows('SELECT i, s, count(*) FROM runs GROUP BY i, s ORDER BY i NULLS LAST, s NULLS LAST'))
      .to.deep.equal([[0, '', 8], [1, 'x', 2], [null, '', 2], [null, null, 6]]);
    expect(await h.rows('SELECT host, i, s, count(*) FROM runs GROUP BY host, i, s ORDER BY host, i NULLS LAST, s NULLS LAST'))
      .to.deep.equal([['a', 0, '', 4], ['a', 1, 'x', 1], ['a', null, '', 1], ['a', null, null, 3], ['b', 0, '', 4], ['b', 1, 'x', 1], ['b', null, '', 1], ['b', null, null, 3]]);
  });
  it('lets the scans below an aggregate return rows in any order, and asks for dictionary-encoded tags', async () => {
    const engine = h.mem.engine;
    await h.rows("SELECT date_trunc('minute', ts) AS m, host, avg(v) FROM ns WHERE v > 0 GROUP BY m, host");
    expect(engine.lastScan?.unordered).to.equal(true);
    expect(engine.lastScan?.dictionaryTags).to.equal(true);
    await h.rows('SELECT host, v FROM ns WHERE v > 0 LIMIT 3');
    expect(engine.lastScan?.unordered).to.equal(undefined);
    expect(engine.lastScan?.dictionaryTags).to.equal(true);
  });
  it('finds every run in long batches: runs of 1 to 40 rows, at every alignment', async () => {
    await h.q('CREATE TABLE longruns (host STRING, ts TIMESTAMP(3) TIME INDEX, g INT, PRIMARY KEY (host))');
    const want = new Map<number, number>();
    const values: string[] = [];
    let row = 0;
    for (let run = 0; run < 400; run++) {
      const len = 1 + ((run * 7919) % 40);
      const g = run % 13;
      for (let k = 0; k < len; k++, row++) values.push(`('a', ${row}, ${g})`);
      want.set(g, (want.get(g) ?? 0) + len);
    }
    await h.q(`INSERT INTO longruns VALUES ${values.join(', ')}`);
    const got = await h.rows('SELECT g, count(*) FROM longruns GROUP BY g ORDER BY g');
    expect(got).to.deep.equal([...want].sort((x, y) => x[0] - y[0]));
    expect(await h.rows('SELECT count(*) FROM (SELECT g, ts FROM longruns GROUP BY g, ts)')).to.deep.equal([[row]]);
  });
  it('sorts 64-bit keys past 2^53 exactly (halves compared), NULLs where asked, ties by the next key', async () => {
    await h.q('CREATE TABLE big (ts TIMESTAMP(3) TIME INDEX, v BIGINT, w INT)');
    const vs: Array<bigint | null> = [2n ** 63n - 1n, -(2n ** 63n), 2n ** 53n + 1n, 2n ** 53n, -1n, 0n, null, 2n ** 32n, 2n ** 32n - 1n, -(2n ** 32n), 2n ** 31n, -(2n ** 31n) - 1n, 2n ** 53n + 1n];
    await h.q(`INSERT INTO big VALUES ${vs.map((v, i) => `(${i}, ${v === null ? 'NULL' : v}, ${i % 3})`).join(', ')}`);
    const asText = async (sql: string): Promise<string[]> => (await h.q(sql)).rows.map((r) => String(r[0]));
    const sorted = vs.filter((v): v is bigint => v !== null).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)).map(String);
    expect(await asText('SELECT CAST(v AS STRING) FROM big ORDER BY v')).to.deep.equal([...sorted, 'null']);
    expect(await asText('SELECT CAST(v AS STRING) FROM big ORDER BY v DESC')).to.deep.equal(['null', ...[...sorted].reverse()]);
    expect(await asText('SELECT CAST(v AS STRING) FROM big ORDER BY v NULLS FIRST LIMIT 3')).to.deep.equal(['null', ...sorted.slice(0, 2)]);
    // Equal keys (2^53 + 1 twice) fall to the next key.
    expect((await h.q('SELECT w FROM big WHERE v = 9007199254740993 ORDER BY v, w DESC')).rows.map((r) => r[0])).to.deep.equal([2, 0]);
  });
});
