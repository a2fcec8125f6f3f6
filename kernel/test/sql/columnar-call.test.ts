import { expect } from 'chai';
import { columnar, F64, STR } from '../../src/functions/builtin/function-helpers.js';
import { compileExpr } from '../../src/sql/exec/expression-evaluator.js';
import { valueAt, type Column } from '../../src/sql/exec/column.js';
import type { BExpr } from '../../src/sql/plan/logical-plan.js';

const ctx = { timezone: 'UTC', runPlan: async () => [] };

function twice(): ReturnType<typeof columnar> {
  return columnar({
    name: 'twice_test', signatures: [{ args: ['Float64'] }], returnType: F64, volatility: 'immutable',
    body: ([x]) => {
      const d = new Float64Array(x!.length);
      for (let i = 0; i < d.length; i++) d[i] = 2 * (x!.data as Float64Array)[i]!;
      return { type: F64, length: x!.length, data: d, valid: x!.valid };
    },
  });
}

const input: Column = { type: F64, length: 3, data: new Float64Array([1, 2, 3]), valid: new Uint8Array([1, 0, 1]) };
const call = (fn: ReturnType<typeof columnar>): BExpr => ({ k: 'call', fn, args: [{ k: 'col', id: 1, type: F64, name: 'x' }], type: F64 });

describe('sql: built-in column functions', () => {
  it('a copy made with spread (an alias) has no column body and goes through invoke with the same answer', async () => {
    const alias = { ...twice(), name: 'twice_alias' };
    let invoked = 0;
    const viaArrow = alias.invoke.bind(alias);
    alias.invoke = (args, c) => { invoked++; return viaArrow(args, c); };
    const f = await compileExpr(call(alias), new Map([[1, 0]]), ctx);
    const out = f({ columns: [input], numRows: 3 });
    expect(invoked).to.equal(1);
    expect([0, 1, 2].map((i) => valueAt(out, i))).to.deep.equal([2, null, 6]);
  });

  it('NULLs of an argument applied to a dictionary-encoded result keep its values (a spread lost them)', async () => {
    // Returns its String argument as is: a string literal is broadcast as a dictionary column.
    const pick = columnar({
      name: 'pick_test', signatures: [{ args: ['Float64', 'String'] }], returnType: STR, volatility: 'immutable',
      body: ([, s]) => s!,
    });
    const e: BExpr = { k: 'call', fn: pick, args: [{ k: 'col', id: 1, type: F64, name: 'x' }, { k: 'lit', value: 'v', type: STR }], type: STR };
    const f = await compileExpr(e, new Map([[1, 0]]), ctx);
    const out = f({ columns: [input], numRows: 3 });
    expect([0, 1, 2].map((i) => valueAt(out, i))).to.deep.equal(['v', null, 'v']);
    expect(out.data, 'rows readable through data').to.have.length(3);
  });
});
