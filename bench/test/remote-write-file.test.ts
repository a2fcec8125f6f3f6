import { expect } from 'chai';
import { TsbsCpuGenerator } from '../src/tsbs/tsbs-cpu-generator.js';
import { encodeRemoteWrite, snappyLiteral } from '../src/load/remote-write-file.js';

/** Decodes the snappy block format (literals and copies) — enough to read our bodies back. */
function snappyDecode(buf: Buffer): Buffer {
  let pos = 0;
  let len = 0;
  for (let shift = 0; ; shift += 7) {
    const b = buf[pos++]!;
    len += (b & 0x7f) * 2 ** shift;
    if (b < 0x80) break;
  }
  const out = Buffer.alloc(len);
  let o = 0;
  while (pos < buf.length) {
    const tag = buf[pos++]!;
    expect(tag & 3, 'only literals are written').to.equal(0);
    let n = tag >> 2;
    if (n >= 60) {
      const bytes = n - 59;
      n = 0;
      for (let i = 0; i < bytes; i++) n += buf[pos++]! * 256 ** i;
    }
    n += 1;
    buf.copy(out, o, pos, pos + n);
    pos += n;
    o += n;
  }
  expect(o).to.equal(len);
  return out;
}

function readVarint(buf: Buffer, p: { pos: number }): number {
  let v = 0;
  for (let shift = 0; ; shift += 7) {
    const b = buf[p.pos++]!;
    v += (b & 0x7f) * 2 ** shift;
    if (b < 0x80) return v;
  }
}

/** Length-delimited fields of one protobuf message: [fieldNumber, bytes][] (other wire types skipped). */
function fields(buf: Buffer): Array<[number, Buffer]> {
  const out: Array<[number, Buffer]> = [];
  const p = { pos: 0 };
  while (p.pos < buf.length) {
    const key = readVarint(buf, p);
    const wire = key & 7;
    if (wire === 2) {
      const n = readVarint(buf, p);
      out.push([key >> 3, buf.subarray(p.pos, p.pos + n)]);
      p.pos += n;
    } else if (wire === 1) p.pos += 8;
    else if (wire === 0) readVarint(buf, p);
    else throw new Error(`unexpected wire type ${wire}`);
  }
  return out;
}

describe('bench: remote-write bodies', () => {
  it('snappy literal framing round-trips, also past one 64 KiB literal', () => {
    const data = Buffer.from(Array.from({ length: 200_000 }, (_, i) => i % 251));
    expect(snappyDecode(snappyLiteral(data)).equals(data)).to.equal(true);
  });

  it('holds one series per host and field, with sorted labels and every row as a sample', () => {
    const gen = new TsbsCpuGenerator({ hosts: 3, hours: 0.05, seed: 4 });
    const batch = gen.batches(1000).next().value!;
    const body = snappyDecode(encodeRemoteWrite(gen, batch, new Map()));
    const series = fields(body).filter(([f]) => f === 1);
    expect(series).to.have.length(3 * 10);
    let samples = 0;
    for (const [, ts] of series) {
      const parts = fields(ts);
      const labels = parts.filter(([f]) => f === 1).map(([, l]) => fields(l).map(([, b]) => b.toString()));
      const names = labels.map(([n]) => n!);
      expect(names).to.deep.equal([...names].sort());
      expect(names).to.include('__name__').and.to.include('hostname');
      expect(labels.find(([n]) => n === '__name__')![1]).to.match(/^cpu_usage_/);
      samples += parts.filter(([f]) => f === 2).length;
    }
    expect(samples).to.equal(batch.length * 10);
  });
});
