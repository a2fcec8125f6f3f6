import { expect } from 'chai';
import { SqlHarness } from '../support/sql-harness.js';

describe('sql: integer literals beyond Int64 (typed as DataFusion types them, never wrapped)', function () {
  this.timeout(10_000);
  let h: SqlHarness;
  beforeEach(async () => { h = await SqlHarness.start(); });
  afterEach(async () => { await h.stop(); });

  it('Int64, then UInt64, then Float64', async () => {
    const r = await h.q('SELECT 9223372036854775807 AS a, 9223372036854775808 AS b, 18446744073709551615 AS c, 18446744073709551616 AS d, -9223372036854775808 AS e');
    expect(r.types.map(String)).to.deep.equal(['Int64', 'UInt64', 'UInt64', 'Float64', 'Int64']);
    // These read back as -9223372036854775808 and -1 when the literal was stored as Int64.
    expect(r.rows[0]!.map((v) => String(v))).to.deep.equal(['9223372036854775807', '9223372036854775808', '18446744073709551615', '18446744073709552000', '-9223372036854775808']);
  });

  it('a UInt64 column compares with, defaults to and stores values above the Int64 range', async () => {
    await h.q('CREATE TABLE u (ts TIMESTAMP TIME INDEX, x BIGINT UNSIGNED DEFAULT 18446744073709551615)');
    await h.q('INSERT INTO u VALUES (1, 9223372036854775808), (2, 1)');
    await h.q('INSERT INTO u (ts) VALUES (3)');
    expect((await h.rows('SELECT ts FROM u WHERE x > 9223372036854775807 ORDER BY ts')).map((r) => Number(r[0]))).to.deep.equal([1, 3]);
    expect((await h.rows('SELECT ts FROM u WHERE x = 18446744073709551615')).map((r) => Number(r[0]))).to.deep.equal([3]);
  });
});
