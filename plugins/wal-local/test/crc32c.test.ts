import { randomBytes } from 'node:crypto';
import { expect } from 'chai';
import { crc32c } from '../src/crc32c.js';

/** Bit-at-a-time reference: slow and obviously right. */
function reference(buf: Uint8Array): number {
  let c = 0xffffffff;
  for (const byte of buf) {
    c ^= byte;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
  }
  return (c ^ 0xffffffff) >>> 0;
}

describe('wal-local: crc32c', () => {
  it('matches the standard check values', () => {
    expect(crc32c(Buffer.from('123456789'))).to.equal(0xe3069283);
    expect(crc32c(Buffer.alloc(0))).to.equal(0);
    expect(crc32c(Buffer.alloc(32, 0))).to.equal(0x8a9136aa);
    expect(crc32c(Buffer.alloc(32, 0xff))).to.equal(0x62a8ab43);
  });

  it('equals a bitwise reference on random buffers of every small length and some large ones', () => {
    for (const len of [...Array.from({ length: 40 }, (_, i) => i), 255, 1000, 4097, 65_539]) {
      const b = randomBytes(len);
      expect(crc32c(b), `length ${len}`).to.equal(reference(b));
    }
  });

  it('continues across pieces and honours start/end', () => {
    const b = randomBytes(1000);
    expect(crc32c(b.subarray(300), crc32c(b.subarray(0, 300)))).to.equal(crc32c(b));
    expect(crc32c(b, 0, 17, 513)).to.equal(reference(b.subarray(17, 513)));
  });
});
