import { expect } from 'chai';
import * as arrow from 'apache-arrow';
import { fixedData, recordBatchOf, utf8Data, withUnsharedBuffers } from '../src/data/arrow-build.js';

/** The same batch through the library's own constructors. */
function viaLibrary(schema: arrow.Schema, children: arrow.Data[], length: number): arrow.RecordBatch {
  return new arrow.RecordBatch(schema, arrow.makeData({ type: new arrow.Struct(schema.fields), length, nullCount: 0, children }));
}

function rowsOf(rb: arrow.RecordBatch): unknown[][] {
  const out: unknown[][] = [];
  for (let i = 0; i < rb.numRows; i++) out.push(rb.schema.fields.map((_, c) => rb.getChildAt(c)!.get(i)));
  return out;
}

describe('kernel: direct Arrow builders (arrow-build)', () => {
  const n = 5;
  const bitmap = new Uint8Array([0b10110]); // rows 1, 2, 4 valid
  const cases: Array<{ name: string; type: arrow.DataType; values: ArrayBufferView }> = [
    { name: 'i8', type: new arrow.Int8(), values: Int8Array.from([1, -2, 3, -4, 5]) },
    { name: 'u16', type: new arrow.Uint16(), values: Uint16Array.from([1, 2, 3, 4, 65535]) },
    { name: 'i32', type: new arrow.Int32(), values: Int32Array.from([1, -2, 3, -4, 5]) },
    { name: 'i64', type: new arrow.Int64(), values: BigInt64Array.from([1n, -2n, 3n, -(2n ** 62n), 5n]) },
    { name: 'u64', type: new arrow.Uint64(), values: BigUint64Array.from([1n, 2n, 3n, 2n ** 63n, 5n]) },
    { name: 'f32', type: new arrow.Float32(), values: Float32Array.from([1.5, -2, 3, NaN, 5]) },
    { name: 'f64', type: new arrow.Float64(), values: Float64Array.from([1.5, -2, 3, Infinity, 5]) },
    { name: 'ts_ns', type: new arrow.TimestampNanosecond(), values: BigInt64Array.from([1n, 2n, 3n, 4n, 1451611410000000000n]) },
    { name: 'ts_ms', type: new arrow.TimestampMillisecond(), values: BigInt64Array.from([1n, 2n, 3n, 4n, 1451611410000n]) },
    { name: 'date', type: new arrow.DateDay(), values: Int32Array.from([0, 1, 2, 3, 20000]) },
    { name: 'bool', type: new arrow.Bool(), values: Uint8Array.from([0b01101]) },
  ];

  for (const withNulls of [false, true]) {
    it(`makes the same batches as makeData and the RecordBatch constructor (${withNulls ? 'with' : 'without'} nulls)`, () => {
      const schema = new arrow.Schema(cases.map((c) => new arrow.Field(c.name, c.type, true)).concat(new arrow.Field('s', new arrow.Utf8(), true)));
      const offsets = Int32Array.from([0, 1, 3, 3, 6, 10]);
      const bytes = new TextEncoder().encode('abcdefghij');
      const ours = cases.map((c) => fixedData(c.type, n, c.values, withNulls ? bitmap : undefined)) as arrow.Data[];
      ours.push(utf8Data(n, offsets, bytes, withNulls ? bitmap : undefined));
      const lib = cases.map((c) => arrow.makeData({ type: c.type, length: n, data: c.values, ...(withNulls ? { nullBitmap: bitmap } : {}) } as never)) as arrow.Data[];
      lib.push(arrow.makeData({ type: new arrow.Utf8(), length: n, valueOffsets: offsets, data: bytes, ...(withNulls ? { nullBitmap: bitmap } : {}) }));
      for (let i = 0; i < ours.length; i++) {
        expect(ours[i]!.nullCount, `${schema.fields[i]!.name} nullCount`).to.equal(lib[i]!.nullCount);
        expect([...(ours[i]!.values as Iterable<unknown>)], `${schema.fields[i]!.name} values`).to.deep.equal([...(lib[i]!.values as Iterable<unknown>)]);
      }
      const a = recordBatchOf(schema, ours, n);
      const b = viaLibrary(schema, lib, n);
      expect(a).to.be.instanceOf(arrow.RecordBatch);
      expect(arrow.RecordBatch.isRecordBatch(a)).to.equal(true);
      expect(a.numRows).to.equal(n);
      expect(a.numCols).to.equal(b.numCols);
      expect(a.nullCount).to.equal(b.nullCount);
      expect(rowsOf(a)).to.deep.equal(rowsOf(b));
      if (withNulls) expect(rowsOf(a)[0]!.every((v) => v === null), 'row 0 is null everywhere').to.equal(true);
      // Same bytes on the wire, and both read back alike.
      const ipcA = arrow.tableToIPC(new arrow.Table([a]), 'stream');
      const ipcB = arrow.tableToIPC(new arrow.Table([b]), 'stream');
      expect(Buffer.from(ipcA).equals(Buffer.from(ipcB)), 'IPC bytes equal').to.equal(true);
      expect(rowsOf(arrow.tableFromIPC(ipcA).batches[0]!)).to.deep.equal(rowsOf(b));
      // Library operations on the batch work as on a constructed one.
      expect(rowsOf(a.slice(1, 3))).to.deep.equal(rowsOf(b.slice(1, 3)));
      expect(a.select(['s', 'f64']).schema.fields.map((f) => f.name)).to.deep.equal(b.select(['s', 'f64']).schema.fields.map((f) => f.name));
    });
  }

  it('falls back to the library for values of another array type and for children of another length', () => {
    // Int32 pairs for an Int64 column: makeData reinterprets them.
    const d = fixedData(new arrow.Int64(), 2, Int32Array.from([7, 0, -1, -1]));
    expect(d.values).to.be.instanceOf(BigInt64Array);
    expect([...(d.values as BigInt64Array)]).to.deep.equal([7n, -1n]);
    const schema = new arrow.Schema([new arrow.Field('a', new arrow.Int32(), true), new arrow.Field('b', new arrow.Int32(), true)]);
    const short = fixedData(new arrow.Int32(), 1, Int32Array.from([9]));
    const full = fixedData(new arrow.Int32(), 3, Int32Array.from([1, 2, 3]));
    const rb = recordBatchOf(schema, [full, short], 3);
    // The constructor pads the short child with nulls.
    expect(rowsOf(rb)).to.deep.equal([[1, 9], [2, null], [3, null]]);
  });
});

describe('kernel: withUnsharedBuffers (IPC of batches whose columns share buffers)', () => {
  const schemaOf = (...names: string[]) => new arrow.Schema(names.map((n) => new arrow.Field(n, new arrow.Float64(), true)));

  it('a batch with one vector in two columns writes IPC that reads back (the plain writer drops bytes)', () => {
    const v = fixedData(new arrow.Float64(), 1000, Float64Array.from({ length: 1000 }, (_, i) => i / 4));
    const rb = recordBatchOf(schemaOf('v', 'w'), [v, v], 1000);
    expect(() => arrow.tableFromIPC(arrow.tableToIPC(new arrow.Table([rb]), 'stream'))).to.throw(/Expected to read/);
    for (const format of ['stream', 'file'] as const) {
      const back = arrow.tableFromIPC(arrow.tableToIPC(new arrow.Table([withUnsharedBuffers(rb)]), format));
      expect(back.numRows).to.equal(1000);
      expect(back.getChild('w')!.get(999)).to.equal(999 / 4);
      expect(back.getChild('v')!.get(3)).to.equal(0.75);
    }
  });

  it('overlapping views of one buffer (and a shared validity bitmap) are copied; disjoint ones are not', () => {
    const buf = Float64Array.from({ length: 20 }, (_, i) => i);
    const bits = new Uint8Array([0b11111110, 0xff]);
    const a = fixedData(new arrow.Float64(), 10, buf.subarray(0, 10), bits, 1);
    const b = fixedData(new arrow.Float64(), 10, buf.subarray(5, 15), bits, 1);
    const c = fixedData(new arrow.Float64(), 5, buf.subarray(15, 20));
    const rb = recordBatchOf(schemaOf('a', 'b'), [a, b], 10);
    const fixed = withUnsharedBuffers(rb);
    expect(fixed.getChildAt(1)!.data[0]!.values.buffer).to.not.equal(buf.buffer);
    expect(fixed.getChildAt(1)!.data[0]!.nullBitmap!.buffer).to.not.equal(bits.buffer);
    expect(fixed.getChildAt(0)!.data[0]!.values).to.equal(a.values);
    const back = arrow.tableFromIPC(arrow.tableToIPC(new arrow.Table([fixed]), 'stream'));
    expect(back.getChild('a')!.toArray()).to.deep.equal(Float64Array.from([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]));
    expect([...back.getChild('b')!]).to.deep.equal([null, 6, 7, 8, 9, 10, 11, 12, 13, 14]);
    const disjoint = recordBatchOf(schemaOf('a', 'c'), [fixedData(new arrow.Float64(), 5, buf.subarray(0, 5)), c], 5);
    expect(withUnsharedBuffers(disjoint)).to.equal(disjoint);
  });
});
