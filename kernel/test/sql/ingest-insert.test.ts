import * as arrow from 'apache-arrow';
import { expect } from 'chai';
import type { InsertColumn } from '../../src/index.js';
import { SqlHarness } from '../support/sql-harness.js';

const tag = (name: string, xs: string[]): InsertColumn => ({ name, semantic: 'tag', vector: arrow.vectorFromArray(xs, new arrow.Utf8()) });
const ts = (name: string, xs: bigint[]): InsertColumn => ({ name, semantic: 'timestamp', vector: arrow.makeVector({ type: new arrow.TimestampMillisecond(), data: BigInt64Array.from(xs) } as never) ?? arrow.vectorFromArray(xs, new arrow.TimestampMillisecond()) });
const f64 = (name: string, xs: number[]): InsertColumn => ({ name, semantic: 'field', vector: arrow.vectorFromArray(xs, new arrow.Float64()) });
const i64 = (name: string, xs: bigint[]): InsertColumn => ({ name, semantic: 'field', vector: arrow.vectorFromArray(xs, new arrow.Int64()) });
const s = (name: string, xs: string[]): InsertColumn => ({ name, semantic: 'field', vector: arrow.vectorFromArray(xs, new arrow.Utf8()) });
const tsv = (xs: bigint[]) => arrow.vectorFromArray(xs, new arrow.TimestampMillisecond());

describe('sql: insert() for ingest protocols', function () {
  this.timeout(10_000);
  let h: SqlHarness;
  beforeEach(async () => { h = await SqlHarness.start(); });
  afterEach(async () => { await h.stop(); });
  void ts;

  it('auto-creates a table: tags -> PRIMARY KEY strings, timestamp -> TIME INDEX', async () => {
    const n = await h.query.insert([{ database: 'public', table: 'cpu', rowCount: 2, autoCreate: true,
      columns: [f64('greptime_value', [1.5, 2.5]), { name: 'greptime_timestamp', semantic: 'timestamp', vector: tsv([1n, 2n]) }, tag('host', ['a', 'b'])] }], h.session);
    expect(n).to.equal(2);
    expect(await h.rows('DESC cpu')).to.deep.equal([
      ['host', 'String', 'PRI', 'YES', '', 'TAG'],
      ['greptime_timestamp', 'TimestampMillisecond', 'PRI', 'NO', '', 'TIMESTAMP'],
      ['greptime_value', 'Float64', '', 'YES', '', 'FIELD'],
    ]);
    expect(await h.rows('SELECT host, greptime_value FROM cpu ORDER BY host')).to.deep.equal([['a', 1.5], ['b', 2.5]]);
  });

  it('adds new columns automatically and widens integers into Float64 columns', async () => {
    const base = { database: 'public', table: 'm', autoCreate: true };
    await h.query.insert([{ ...base, rowCount: 1, columns: [tag('host', ['a']), { name: 'ts', semantic: 'timestamp', vector: tsv([1n]) }, f64('v', [1.5])] }], h.session);
    await h.query.insert([{ ...base, rowCount: 1, columns: [tag('host', ['a']), tag('dc', ['x']), { name: 'ts', semantic: 'timestamp', vector: tsv([2n]) }, i64('v', [7n]), s('note', ['hi'])] }], h.session);
    expect(await h.rows('SELECT host, dc, ts, v, note FROM m ORDER BY ts')).to.deep.equal([['a', null, 1, 1.5, null], ['a', 'x', 2, 7, 'hi']]);
    const desc = await h.rows('DESC m');
    expect(desc.map((r) => [r[0], r[1], r[5]])).to.deep.equal([['host', 'String', 'TAG'], ['ts', 'TimestampMillisecond', 'TIMESTAMP'], ['v', 'Float64', 'FIELD'], ['dc', 'String', 'TAG'], ['note', 'String', 'FIELD']]);
  });

  it('rejects a whole request with a wrong type, before changing the schema', async () => {
    const base = { database: 'public', table: 'm', autoCreate: true };
    await h.query.insert([{ ...base, rowCount: 1, columns: [{ name: 'ts', semantic: 'timestamp', vector: tsv([1n]) }, f64('v', [1])] }], h.session);
    await h.query.insert([{ ...base, rowCount: 1, columns: [{ name: 'ts', semantic: 'timestamp', vector: tsv([2n]) }, s('v', ['oops']), f64('extra', [1])] }], h.session)
      .then(() => expect.fail('should fail'), (e) => expect(e.code).to.equal('INVALID_ARGUMENTS'));
    expect((await h.rows('DESC m')).map((r) => r[0])).to.deep.equal(['ts', 'v']);
    expect(await h.rows('SELECT count(*) FROM m')).to.deep.equal([[1]]);
  });

  it('matching vectors (the fast path) keep NULLs, strings and column order, and a NULL time index is refused', async () => {
    const base = { database: 'public', table: 'fast', autoCreate: true };
    const withNull = arrow.vectorFromArray([1.5, null, 3.5], new arrow.Float64());
    await h.query.insert([{ ...base, rowCount: 3, columns: [{ name: 'v', semantic: 'field', vector: withNull }, tag('host', ['é', 'b', '']), { name: 'ts', semantic: 'timestamp', vector: tsv([3n, 1n, 2n]) }] }], h.session);
    expect(await h.rows('SELECT host, ts, v FROM fast ORDER BY ts')).to.deep.equal([['b', 1, null], ['', 2, 3.5], ['é', 3, 1.5]]);
    const nullTs = arrow.vectorFromArray([4n, null], new arrow.TimestampMillisecond());
    await h.query.insert([{ ...base, rowCount: 2, columns: [tag('host', ['x', 'y']), { name: 'ts', semantic: 'timestamp', vector: nullTs }, f64('v', [1, 2])] }], h.session)
      .then(() => expect.fail('should fail'), (e) => expect(e.message).to.match(/time index ts has NULLs/));
    expect(await h.rows('SELECT count(*) FROM fast')).to.deep.equal([[3]]);
  });

  it('without autoCreate a missing table is TABLE_NOT_FOUND', async () => {
    await h.query.insert([{ database: 'public', table: 'nope', rowCount: 1, columns: [{ name: 'ts', semantic: 'timestamp', vector: tsv([1n]) }] }], h.session)
      .then(() => expect.fail('should fail'), (e) => expect(e.code).to.equal('TABLE_NOT_FOUND'));
  });

  it('concurrent auto-creates of one table all succeed', async () => {
    const reqs = Array.from({ length: 8 }, (_, i) => h.query.insert([{ database: 'public', table: 'c', rowCount: 1, autoCreate: true,
      columns: [tag('host', [`h${i}`]), { name: 'ts', semantic: 'timestamp', vector: tsv([BigInt(i)]) }, f64(`f${i % 3}`, [i])] }], h.session));
    expect((await Promise.all(reqs)).reduce((a, b) => a + b, 0)).to.equal(8);
    expect(await h.rows('SELECT count(*) FROM c')).to.deep.equal([[8]]);
  });
});
