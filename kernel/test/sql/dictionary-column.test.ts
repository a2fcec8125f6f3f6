import { expect } from 'chai';
import * as arrow from 'apache-arrow';
import { columnFromArrow, dictValueAt, valueAt } from '../../src/sql/exec/column.js';

/** A Dictionary<Int32, Utf8> vector over `dict` with the given codes (null = NULL row, code 0 under it). */
function dictVector(dict: string[], codes: Array<number | null>): arrow.Vector {
  const bitmap = new Uint8Array(8);
  codes.forEach((c, i) => { if (c !== null) bitmap[i >> 3]! |= 1 << (i & 7); });
  const nulls = codes.filter((c) => c === null).length;
  return arrow.makeVector(arrow.makeData({
    type: new arrow.Dictionary(new arrow.Utf8(), new arrow.Int32()), length: codes.length, data: Int32Array.from(codes, (c) => c ?? 0),
    nullCount: nulls, ...(nulls ? { nullBitmap: bitmap } : {}), dictionary: arrow.vectorFromArray(dict, new arrow.Utf8()),
  }));
}

describe('sql: dictionary-encoded String columns', () => {
  it('keep their codes and make the per-row array only when it is read', () => {
    const v = dictVector(['a', 'b', 'a'], [0, 1, null, 2, 1]);
    const c = columnFromArrow(v, { name: 'String' });
    expect(c.dict, 'codes kept').to.not.equal(undefined);
    expect(Array.from(c.dict!.codes)).to.deep.equal([0, 1, 0, 2, 1]);
    expect(c.dict!.values).to.deep.equal(['a', 'b', 'a']);
    expect(Array.from(c.valid!)).to.deep.equal([1, 1, 0, 1, 1]);
    // Read through the codes: no array yet.
    expect([0, 1, 2, 3, 4].map((i) => dictValueAt(c, i))).to.deep.equal(['a', 'b', null, 'a', 'b']);
    expect((c as unknown as { rows?: unknown }).rows).to.equal(undefined);
    // Read as any column: the array, once.
    expect(c.data).to.deep.equal(['a', 'b', null, 'a', 'b']);
    expect(c.data).to.equal(c.data);
    expect([0, 1, 2, 3, 4].map((i) => valueAt(c, i))).to.deep.equal(['a', 'b', null, 'a', 'b']);
  });

  it('a chunked dictionary vector is read into a plain column', () => {
    const v = dictVector(['x'], [0, null]).concat(dictVector(['y', 'z'], [1, 0]));
    const c = columnFromArrow(v, { name: 'String' });
    expect(c.dict).to.equal(undefined);
    expect(c.data).to.deep.equal(['x', null, 'z', 'y']);
  });
});
