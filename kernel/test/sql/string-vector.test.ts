import { expect } from 'chai';
import { columnToArrow, type Column } from '../../src/sql/exec/column.js';

/** Strings leave the executor as Utf8 vectors: every byte as TextEncoder gives it. */
describe('sql: String columns to Arrow', () => {
  it('encodes ASCII, non-ASCII, astral, lone surrogates, empty strings, repeats and NULLs exactly', () => {
    const values: Array<string | null> = ['host_1', 'host_1', 'héllo', '', 'héllo', null, '☃☃', '𝄞 clef', '\ud800x', 'tail\u007f', 'tail\u0080', null, '', 'a'.repeat(300), 'é'.repeat(200)];
    const c: Column = { type: { name: 'String' }, length: values.length, data: values.map((v) => v ?? null), valid: Uint8Array.from(values, (v) => (v === null ? 0 : 1)) };
    const v = columnToArrow(c);
    const d = v.data[0]!;
    const enc = new TextEncoder();
    const offsets = d.valueOffsets as Int32Array;
    const bytes = d.values as Uint8Array;
    values.forEach((s, i) => {
      const got = bytes.subarray(offsets[i]!, offsets[i + 1]!);
      expect(Array.from(got), `row ${i}`).to.deep.equal(s === null ? [] : Array.from(enc.encode(s)));
      expect(v.get(i), `row ${i}`).to.equal(s === null ? null : new TextDecoder().decode(enc.encode(s)));
    });
  });
});
