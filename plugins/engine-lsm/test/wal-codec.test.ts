import { expect } from 'chai';
import * as arrow from 'apache-arrow';
import { decodeWalPayload, encodeWalPayload } from '../src/wal-codec.js';

describe('WAL payload codec', () => {
  it('writes the header then exactly the Arrow IPC stream tableToIPC writes, and decodes it back', () => {
    const batch = arrow.tableFromArrays({
      host: ['a', 'bb', null, 'ccc'], v: Float64Array.from([1.5, NaN, -0, 4]), n: BigInt64Array.from([1n, -2n, 3n, 2n ** 62n]),
    }).batches[0]!;
    const p = encodeWalPayload(2, 0x01020304, batch);
    expect([...p.subarray(0, 8)]).to.deep.equal([0x53, 1, 2, 0, 4, 3, 2, 1]);
    expect(Buffer.from(p.subarray(8)).equals(Buffer.from(arrow.tableToIPC(new arrow.Table(batch), 'stream')))).to.equal(true);
    const d = decodeWalPayload(p);
    expect([d.op, d.schemaVersion]).to.deep.equal([2, 0x01020304]);
    expect(d.batches[0]!.toArray().map((r) => r.toJSON())).to.deep.equal(batch.toArray().map((r) => r.toJSON()));
  });
});
