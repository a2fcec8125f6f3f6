import { expect } from 'chai';
import * as arrow from 'apache-arrow';
import { castScalar, castVector } from '../../src/sql/exec/cast-vector.js';
import { SqlHarness } from '../support/sql-harness.js';

describe('kernel: castVector / castScalar (CAST for storage engines)', function () {
  this.timeout(20000);
  const texts = ['inf', '-Infinity', 'NaN', '1e20', ' 12 ', '1.5', '0x10', 'twelve', ''];

  it('converts text exactly as SQL TRY_CAST does (Float64, Int64, Int32, Boolean)', async () => {
    const h = await SqlHarness.start();
    try {
      const v = arrow.vectorFromArray([...texts, null], new arrow.Utf8());
      const list = [...texts.map((t) => `('${t}')`), '(NULL)'].join(', ');
      for (const [sqlType, type] of [['DOUBLE', 'Float64'], ['BIGINT', 'Int64'], ['INT', 'Int32'], ['BOOLEAN', 'Boolean']] as const) {
        const viaSql = (await h.rows(`SELECT TRY_CAST(column1 AS ${sqlType}) FROM (VALUES ${list})`)).map((r) => r[0]);
        const direct = [...castVector(v, { name: type }, { onError: 'null' })];
        expect(direct.map((x) => (typeof x === 'bigint' ? Number(x) : x)), type).to.deep.equal(viaSql.map((x) => (typeof x === 'bigint' ? Number(x) : x)));
      }
      expect([...castVector(v, { name: 'Float64' }, { onError: 'null' })].slice(0, 5)).to.deep.equal([Infinity, -Infinity, NaN, 1e20, 12]);
    } finally {
      await h.stop();
    }
  });

  it('throws CAST\'s error by default, reads dictionaries, keeps instants across timestamp units, returns a vector already of the type', () => {
    const v = arrow.vectorFromArray(['1', 'x'], new arrow.Utf8());
    expect(() => castVector(v, { name: 'Int32' })).to.throw(/Cannot cast string 'x' to value of Int32 type/).with.property('code', 'CAST_FAILED');
    const dict = arrow.vectorFromArray(['inf', '2', 'inf']);
    expect(arrow.DataType.isDictionary(dict.type)).to.equal(true);
    expect([...castVector(dict, { name: 'Float64' })]).to.deep.equal([Infinity, 2, Infinity]);
    const ms = arrow.makeVector(arrow.makeData({ type: new arrow.TimestampMillisecond(), length: 2, data: BigInt64Array.from([1500n, -1500n]) }));
    const s = castVector(ms, { name: 'TimestampSecond' });
    expect(String(s.type)).to.equal(String(new arrow.TimestampSecond()));
    expect([...(s.data[0]!.values as BigInt64Array)]).to.deep.equal([1n, -2n]);
    expect(castVector(v, { name: 'String' })).to.equal(v);
  });

  it('castScalar: one value in the executor\'s representation', () => {
    expect(castScalar('-inf', { name: 'String' }, { name: 'Float64' })).to.equal(-Infinity);
    expect(castScalar(' 12 ', { name: 'String' }, { name: 'Int64' })).to.equal(12n);
    expect(castScalar('twelve', { name: 'String' }, { name: 'Int64' }, { onError: 'null' })).to.equal(null);
    expect(() => castScalar('twelve', { name: 'String' }, { name: 'Int64' })).to.throw(/Cannot cast string 'twelve'/);
    expect(castScalar(1n, { name: 'Int64' }, { name: 'Boolean' })).to.equal(true);
    expect(castScalar(null, { name: 'String' }, { name: 'Float64' })).to.equal(null);
  });
});
