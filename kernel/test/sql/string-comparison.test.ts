import { expect } from 'chai';
import * as arrow from 'apache-arrow';
import { compareValues, compileExpr } from '../../src/sql/exec/expression-evaluator.js';
import { columnFromArrow, columnFromValues, utf8ChunksOf, valueAt, type Column } from '../../src/sql/exec/column.js';
import type { BExpr } from '../../src/sql/plan/logical-plan.js';
import { SqlHarness } from '../support/sql-harness.js';

/**
 * String column <op> string constant: strings compare in UTF-8 byte order (code point
 * order), where JS `<` (UTF-16 units) differs for a surrogate pair (U+10000 and up) against
 * U+E000..U+FFFF. The answers are checked against Buffer.compare of the UTF-8 bytes, for
 * columns with their Arrow bytes (as scans give them) and without (computed or gathered).
 */

const VALUES = ['', 'a', 'z', 'Z', 'e', 'é', 'ea', 'éa', 'ez', '～', '～a', '\ue000', '\uffff', '😀', '😀a', '𝄞', 'a😀', 'a～', '日本', 'z\u0000', 'zz'];
const CONSTANTS = ['', 'a', 'z', 'é', 'e\u0301', '～', '😀', '\uffff', '\ue000', 'a😀', '日', 'zz', 'z\u0000'];
const OPS = ['=', '<>', '<', '<=', '>', '>='] as const;
type Op = typeof OPS[number];

const utf8 = (s: string) => Buffer.from(s, 'utf8');
function reference(a: string, op: Op, b: string): boolean {
  const c = Buffer.compare(utf8(a), utf8(b));
  switch (op) {
    case '=': return c === 0;
    case '<>': return c !== 0;
    case '<': return c < 0;
    case '<=': return c <= 0;
    case '>': return c > 0;
    case '>=': return c >= 0;
  }
}

const STRING = { name: 'String' } as const;
const BOOL = { name: 'Boolean' } as const;
const col: BExpr = { k: 'col', id: 1, name: 's', type: STRING };
const lit = (value: string): BExpr => ({ k: 'lit', value, type: STRING });
const ctx = { timezone: 'UTC', runPlan: async () => [] };

async function evaluate(e: BExpr, c: Column): Promise<unknown[]> {
  const f = await compileExpr(e, new Map([[1, 0]]), ctx);
  const out = f({ columns: [c], numRows: c.length });
  return Array.from({ length: c.length }, (_, i) => valueAt(out, i));
}

describe('sql: string column against a string constant (UTF-8 byte order)', () => {
  const values: Array<string | null> = [...VALUES, null, ...VALUES.slice().reverse()];
  const vector = () => arrow.vectorFromArray(values, new arrow.Utf8());
  // The forms a String column comes in: JS strings only, or with the Arrow bytes it was read from
  // (one chunk, several chunks, a slice whose offsets start past zero).
  const forms: Array<[string, () => Column]> = [
    ['strings only', () => columnFromValues(STRING, values)],
    ['one Arrow chunk', () => columnFromArrow(vector())],
    ['two Arrow chunks', () => columnFromArrow(arrow.vectorFromArray(values.slice(0, 9), new arrow.Utf8()).concat(arrow.vectorFromArray(values.slice(9), new arrow.Utf8())))],
    ['a sliced Arrow chunk', () => columnFromArrow(arrow.vectorFromArray(['pad', 'ding', ...values], new arrow.Utf8()).slice(2))],
    // Scanned tags: dictionary codes, each distinct value decided once.
    ['dictionary codes', () => columnFromArrow(arrow.vectorFromArray(values, new arrow.Dictionary(new arrow.Utf8(), new arrow.Int32())))],
  ];

  it('has the bytes where it should (so both ways are tested)', () => {
    expect(utf8ChunksOf(forms[0]![1]())).to.equal(undefined);
    for (const [, make] of forms.slice(1, 4)) expect(utf8ChunksOf(make())).to.be.an('array');
    expect(forms[4]![1]().dict, 'the dictionary form keeps its codes').to.not.equal(undefined);
    expect(utf8ChunksOf(forms[2]![1]())).to.have.length(2);
  });

  for (const [name, make] of forms) {
    it(`answers every operator like the byte order, constant on either side (${name})`, async () => {
      const c = make();
      expect(c.length).to.equal(values.length);
      const wrong: string[] = [];
      for (const k of CONSTANTS) {
        for (const op of OPS) {
          const right = await evaluate({ k: 'bin', op, left: col, right: lit(k), type: BOOL }, c);
          const flipped = ({ '=': '=', '<>': '<>', '<': '>', '<=': '>=', '>': '<', '>=': '<=' } as const)[op];
          const left = await evaluate({ k: 'bin', op: flipped, left: lit(k), right: col, type: BOOL }, c);
          values.forEach((v, i) => {
            const want = v === null ? null : reference(v, op, k);
            if (right[i] !== want) wrong.push(`${JSON.stringify(v)} ${op} ${JSON.stringify(k)}: ${String(right[i])}`);
            if (left[i] !== want) wrong.push(`${JSON.stringify(k)} ${flipped} ${JSON.stringify(v)}: ${String(left[i])}`);
          });
        }
      }
      expect(wrong).to.deep.equal([]);
    });
  }

  it('a constant with a lone surrogate compares as compareValues does, with or without bytes', async () => {
    for (const [, make] of forms) {
      const c = make();
      for (const k of ['\ud83d', 'a\udc00', '\ud800z']) {
        for (const op of OPS) {
          const got = await evaluate({ k: 'bin', op, left: col, right: lit(k), type: BOOL }, c);
          const want = values.map((v) => {
            if (v === null) return null;
            const r = compareValues(v, k);
            return op === '=' ? r === 0 : op === '<>' ? r !== 0 : op === '<' ? r < 0 : op === '<=' ? r <= 0 : op === '>' ? r > 0 : r >= 0;
          });
          expect(got, `${op} ${JSON.stringify(k)}`).to.deep.equal(want);
        }
      }
    }
  });

  describe('through SQL', function () {
    this.timeout(10_000);
    let h: SqlHarness;
    before(async () => {
      h = await SqlHarness.start();
      await h.q('CREATE TABLE st (s STRING, ts TIMESTAMP TIME INDEX, n BIGINT)');
      const rows = values.map((v, i) => `(${v === null ? 'NULL' : `'${v}'`}, ${i}, ${i})`);
      await h.q(`INSERT INTO st VALUES ${rows.join(', ')}`);
    });
    after(async () => { await h.stop(); });

    it('WHERE s <op> constant (a scanned column, with its bytes) and constant <op> s in the select list over a sorted subquery', async () => {
      const wrong: string[] = [];
      for (const k of CONSTANTS) {
        for (const op of OPS) {
          const want = values.map((v, i) => [i, v, v === null ? null : reference(v, op, k)] as const);
          const filtered = (await h.rows(`SELECT n FROM st WHERE s ${op} '${k}' ORDER BY n`)).map((r) => r[0]);
          const wantFiltered = want.filter(([, , t]) => t === true).map(([i]) => i);
          if (JSON.stringify(filtered) !== JSON.stringify(wantFiltered)) wrong.push(`WHERE s ${op} ${JSON.stringify(k)}: ${JSON.stringify(filtered)}`);
          const projected = (await h.rows(`SELECT n, '${k}' ${op} s FROM (SELECT s, n FROM st ORDER BY n LIMIT 1000) q ORDER BY n`)).map((r) => r[1]);
          const flippedWant = values.map((v) => (v === null ? null : reference(k, op, v)));
          if (JSON.stringify(projected) !== JSON.stringify(flippedWant)) wrong.push(`'${JSON.stringify(k)}' ${op} s: ${JSON.stringify(projected)}`);
        }
      }
      expect(wrong).to.deep.equal([]);
    });
  });
});
