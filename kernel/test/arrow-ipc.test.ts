import { expect } from 'chai';
import * as arrow from 'apache-arrow';
import { fixedData, recordBatchOf } from '../src/data/arrow-build.js';
import { batchesToIpc, batchesToIpcPieces } from '../src/data/arrow-ipc.js';

const schemaOf = (...names: string[]) => new arrow.Schema(names.map((n) => new arrow.Field(n, new arrow.Float64(), true)));

function joined(pieces: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(pieces.reduce((n, p) => n + p.byteLength, 0));
  let at = 0;
  for (const p of pieces) { out.set(p, at); at += p.byteLength; }
  return out;
}

describe('kernel: batchesToIpc (the one Arrow IPC writer)', () => {
  // `SELECT v, v AS w`: one vector in two columns, which apache-arrow's writer alone writes short.
  const v = fixedData(new arrow.Float64(), 1000, Float64Array.from({ length: 1000 }, (_, i) => i / 4));
  const shared = recordBatchOf(schemaOf('v', 'w'), [v, v], 1000);

  it('writes batches whose columns share a buffer so that they read back, in both formats and over several batches', () => {
    for (const format of ['stream', 'file'] as const) {
      const back = arrow.tableFromIPC(batchesToIpc(shared.schema, [shared, shared], { format }));
      expect(back.numRows, format).to.equal(2000);
      expect(back.getChild('w')!.get(1999), format).to.equal(999 / 4);
      expect(back.getChild('v')!.get(3), format).to.equal(0.75);
    }
    const magic = new TextDecoder().decode(batchesToIpc(shared.schema, [shared], { format: 'file' }).subarray(0, 6));
    expect(magic).to.equal('ARROW1');
  });

  it('hands out the same bytes as pieces (the WAL copies them after its header)', () => {
    const pieces = batchesToIpcPieces(shared.schema, [shared]);
    expect(pieces.length).to.be.greaterThan(1);
    const bytes = joined(pieces);
    expect(Buffer.from(bytes).equals(Buffer.from(batchesToIpc(shared.schema, [shared])))).to.equal(true);
    expect(arrow.tableFromIPC(bytes).getChild('w')!.get(999)).to.equal(999 / 4);
  });

  it('writes what apache-arrow writes when nothing is shared, and the schema alone with no batches', () => {
    const a = fixedData(new arrow.Float64(), 3, Float64Array.from([1, 2, 3]));
    const b = fixedData(new arrow.Float64(), 3, Float64Array.from([4, 5, 6]));
    const rb = recordBatchOf(schemaOf('a', 'b'), [a, b], 3);
    for (const format of ['stream', 'file'] as const) {
      expect(Buffer.from(batchesToIpc(rb.schema, [rb], { format })).equals(Buffer.from(arrow.tableToIPC(new arrow.Table([rb]), format))), format).to.equal(true);
    }
    const empty = arrow.tableFromIPC(batchesToIpc(rb.schema, []));
    expect(empty.numRows).to.equal(0);
    expect(empty.schema.fields.map((f) => f.name)).to.deep.equal(['a', 'b']);
  });
});
