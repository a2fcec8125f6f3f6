import { expect } from 'chai';
import * as arrow from 'apache-arrow';
import { DefaultFunctionRegistry, isAsyncScalarFunction, type AggregateFunction, type FunctionContext, type WindowFunction } from '@strata/kernel';
import {
  defineAggregateFunction, defineAsyncScalarFunction, defineFunctionPack, defineScalarFunction, defineWindowFunction, deserializeState, serializeState,
} from '../src/index.js';

const ctx = (n: number, extra: Partial<FunctionContext> = {}): FunctionContext => ({ rowCount: n, timezone: 'UTC', ...extra });
const f64 = (xs: ArrayLike<number>) => arrow.makeVector(Float64Array.from(xs));
const f64n = (xs: Array<number | null>) => arrow.vectorFromArray(xs, new arrow.Float64());

const clamp = defineScalarFunction({
  name: 'clamp', args: ['numeric', 'numeric', 'numeric'], returns: 'Float64',
  body([x, lo, hi], out) {
    const xs = x!.float64(); const l = lo!.float64(); const h = hi!.float64();
    const o = out.values as Float64Array;
    for (let i = 0; i < o.length; i++) o[i] = Math.min(h[i]!, Math.max(l[i]!, xs[i]!));
  },
});

describe('sdk: defineScalarFunction', () => {
  it('produces a kernel ScalarFunction the registry accepts, and computes over vectors', () => {
    const reg = new DefaultFunctionRegistry();
    reg.register(clamp, 'test');
    expect(reg.lookup('clamp')).to.equal(clamp);
    expect(clamp.nullHandling).to.equal('propagate');
    expect(clamp.volatility).to.equal('immutable');
    const v = clamp.invoke([f64([-5, 5, 50]), f64([0, 0, 0]), f64([10, 10, 10])], ctx(3));
    expect(v.type.typeId).to.equal(arrow.Type.Float);
    expect([...v.toArray()]).to.deep.equal([0, 5, 10]);
  });

  it('reads the input Float64 buffer in place (no copy) and converts ints once', () => {
    let seen: unknown;
    const id = defineScalarFunction({ name: 'probe', args: ['any'], returns: 'Float64', body([x]) { seen = x!.values; return x!.float64().slice(); } });
    const src = Float64Array.from([1, 2, 3]);
    id.invoke([arrow.makeVector(src)], ctx(3));
    expect((seen as Float64Array).buffer).to.equal(src.buffer);
    const out = id.invoke([arrow.makeVector(Int32Array.from([7, 8, 9]))], ctx(3));
    expect([...out.toArray()]).to.deep.equal([7, 8, 9]);
  });

  it('accepts returned JS arrays and typed arrays, with NULLs via out.setNull', () => {
    const half = defineScalarFunction({ name: 'half', args: ['Int64'], returns: 'Int64', body([x]) { return (x!.values as BigInt64Array).map((v) => v / 2n); } });
    expect([...half.invoke([arrow.makeVector(BigInt64Array.from([4n, 10n]))], ctx(2)).toArray()]).to.deep.equal([2n, 5n]);
    const label = defineScalarFunction({
      name: 'label', args: ['Float64'], returns: 'String', nullHandling: 'custom',
      body([x]) { return Array.from({ length: x!.length }, (_, i) => (x!.isNull(i) ? 'none' : `v${x!.get(i)}`)); },
    });
    expect(label.invoke([f64n([1, null])], ctx(2)).toArray()).to.deep.equal(['v1', 'none']);
    const nul = defineScalarFunction({ name: 'neg_null', args: ['Float64'], returns: 'Float64', body([x], out) { const o = out.values as Float64Array; for (let i = 0; i < x!.length; i++) if (x!.float64()[i]! < 0) out.setNull(i); else o[i] = 1; } });
    expect([...nul.invoke([f64([-1, 2])], ctx(2))]).to.deep.equal([null, 1]);
  });

  it('rejects a result of the wrong length or type, saying what was expected', () => {
    const short = defineScalarFunction({ name: 'short', args: ['Float64'], returns: 'Float64', body: () => new Float64Array(1) });
    expect(() => short.invoke([f64([1, 2, 3])], ctx(3))).to.throw(/function 'short' returned 1 values for 3 rows; expected exactly one value per row/);
    const wrong = defineScalarFunction({ name: 'wrong', args: ['Float64'], returns: 'Float64', body: () => new Int32Array(2) });
    expect(() => wrong.invoke([f64([1, 2])], ctx(2))).to.throw(/returned a Int32Array; expected Float64Array for return type Float64/);
    const strs = defineScalarFunction({ name: 'strs', args: ['Float64'], returns: 'Float64', body: () => ['a', 'b'] });
    expect(() => strs.invoke([f64([1, 2])], ctx(2))).to.throw(/the string "a" at row 0; expected a number/);
    const none = defineScalarFunction({ name: 'none', args: ['Float64'], returns: 'Float64', body: () => undefined });
    expect(() => none.invoke([f64([1])], ctx(1))).to.throw(/returned nothing and wrote nothing to 'out'/);
  });

  it('wraps a thrown error into a query error naming the function, keeping the cause', () => {
    const boom = defineScalarFunction({ name: 'boom', args: ['Float64'], returns: 'Float64', body: () => { throw new RangeError('bad input'); } });
    try { boom.invoke([f64([1])], ctx(1)); expect.fail('should throw'); } catch (e) {
      expect((e as Error).message).to.equal("function 'boom' failed in body: bad input");
      expect((e as { code: string }).code).to.equal('EXECUTE_QUERY');
      expect((e as Error).cause).to.be.instanceOf(RangeError);
    }
  });

  it('stops with DEADLINE_EXCEEDED once the query deadline passed (checkTimeout)', () => {
    const slow = defineScalarFunction({ name: 'slow', args: ['Float64'], returns: 'Float64', body([x], out, c) { for (let i = 0; i < x!.length; i++) { if ((i & 1023) === 0) c.checkTimeout(); (out.values as Float64Array)[i] = 1; } } });
    expect(() => slow.invoke([f64(new Float64Array(5000))], ctx(5000, { deadlineAtMs: Date.now() - 1 }))).to.throw(/query exceeded its timeout while running function 'slow'/);
    expect([...slow.invoke([f64([1])], ctx(1, { deadlineAtMs: Date.now() + 60_000 }))]).to.deep.equal([1]);
  });

  it('checks the spec up front', () => {
    expect(() => defineScalarFunction({ name: 'Bad-Name', args: [], returns: 'Float64', body: () => undefined })).to.throw(/lower-case SQL identifier/);
    expect(() => defineScalarFunction({ name: 'nosig', returns: 'Float64', body: () => undefined })).to.throw(/expected 'args'/);
    expect(() => defineScalarFunction({ name: 'nobody', args: [], returns: 'Float64' } as never)).to.throw(/'body' must be a function/);
  });

  it('resolves a return-type rule from the argument types', () => {
    const same = defineScalarFunction({ name: 'same', signatures: [{ args: ['Int32'] }, { args: ['Float64'] }], returns: (t) => t[0]!, body([x]) { return x!.values as Int32Array; } });
    expect(same.invoke([arrow.makeVector(Int32Array.from([3]))], ctx(1)).type.typeId).to.equal(arrow.Type.Int);
  });
});

describe('sdk: defineAsyncScalarFunction', () => {
  it('produces a kernel AsyncScalarFunction (awaited per batch) the registry accepts', async () => {
    const seen: number[] = [];
    const later = defineAsyncScalarFunction({
      name: 'later_double', args: ['numeric'], returns: 'Float64', volatility: 'volatile',
      async body([x], out) {
        seen.push(x!.length);
        await new Promise((r) => setImmediate(r));
        const xs = x!.float64(); const o = out.values as Float64Array;
        for (let i = 0; i < o.length; i++) o[i] = xs[i]! * 2;
      },
    });
    expect(isAsyncScalarFunction(later)).to.equal(true);
    expect(later.volatility).to.equal('volatile');
    const reg = new DefaultFunctionRegistry();
    reg.register(later, 'test');
    expect(reg.lookup('later_double')).to.equal(later);
    const v = await later.invokeAsync([arrow.makeVector(Int32Array.from([1, 2, 3]))], ctx(3));
    expect([...v.toArray()]).to.deep.equal([2, 4, 6]);
    expect(seen).to.deep.equal([3]);
  });

  it('checks the awaited result like the synchronous form, and a rejection becomes a query error naming the function', async () => {
    const short = defineAsyncScalarFunction({ name: 'a_short', args: ['Float64'], returns: 'Float64', body: async () => new Float64Array(1) });
    const e1 = await short.invokeAsync([f64([1, 2])], ctx(2)).then(() => undefined, (e: Error) => e);
    expect(e1?.message).to.match(/function 'a_short' returned 1 values for 2 rows/);
    const boom = defineAsyncScalarFunction({ name: 'a_boom', args: ['Float64'], returns: 'Float64', body: async () => { throw new RangeError('remote said no'); } });
    const e2 = await boom.invokeAsync([f64([1])], ctx(1)).then(() => undefined, (e: Error & { code?: string }) => e);
    expect(e2?.message).to.equal("function 'a_boom' failed in body: remote said no");
    expect((e2 as { code?: string }).code).to.equal('EXECUTE_QUERY');
    expect(e2?.cause).to.be.instanceOf(RangeError);
    const late = defineAsyncScalarFunction({ name: 'a_late', args: ['Float64'], returns: 'Float64', body: async ([x]) => x!.float64().slice() });
    const e3 = await late.invokeAsync([f64([1])], ctx(1, { deadlineAtMs: Date.now() - 1 })).then(() => undefined, (e: Error) => e);
    expect(e3?.message).to.match(/query exceeded its timeout while running function 'a_late'/);
    expect(() => defineAsyncScalarFunction({ name: 'a_nobody', args: [], returns: 'Float64' } as never)).to.throw(/'body' must be a function/);
  });
});

interface WState { sw: number; swx: number }
const wavg = defineAggregateFunction<WState>({
  name: 'wavg', args: ['numeric', 'numeric'], returns: 'Float64',
  init: () => ({ sw: 0, swx: 0 }),
  update(s, [x, w], rows) { const xs = x!.float64(); const ws = w!.float64(); for (const i of rows) { s.sw += ws[i]!; s.swx += ws[i]! * xs[i]!; } },
  merge: (a, b) => ({ sw: a.sw + b.sw, swx: a.swx + b.swx }),
  finalize: (s) => (s.sw === 0 ? null : s.swx / s.sw),
});

describe('sdk: defineAggregateFunction', () => {
  it('gives the same result in one state or merged from partial states (rows split anyhow)', () => {
    const n = 1000;
    const xs = Float64Array.from({ length: n }, () => Math.random() * 100);
    const ws = Float64Array.from({ length: n }, () => Math.random());
    const agg = wavg as AggregateFunction<WState>;
    const one = agg.update(agg.init(), [f64(xs), f64(ws)], null, ctx(n));
    let merged = agg.init();
    for (let k = 0; k < 4; k++) {
      const rows = Uint32Array.from({ length: n }, (_, i) => i).filter((i) => i % 4 === k);
      // Partial states cross a serialize/deserialize boundary as they would between nodes.
      const part = agg.deserialize!(agg.serialize!(agg.update(agg.init(), [f64(xs), f64(ws)], rows, ctx(n))));
      merged = agg.merge(merged, part);
    }
    expect(agg.finalize(merged) as number).to.be.closeTo(agg.finalize(one) as number, 1e-9);
    let sw = 0; let swx = 0; for (let i = 0; i < n; i++) { sw += ws[i]!; swx += ws[i]! * xs[i]!; }
    expect(agg.finalize(one) as number).to.be.closeTo(swx / sw, 1e-9);
  });

  it('skips rows with a NULL argument unless nullHandling is custom', () => {
    const cnt = defineAggregateFunction<{ n: number }>({ name: 'cnt', args: ['any'], returns: 'Int64', init: () => ({ n: 0 }), update(s, _a, rows) { s.n += rows.length; }, merge: (a, b) => ({ n: a.n + b.n }), finalize: (s) => BigInt(s.n) });
    expect(cnt.finalize(cnt.update(cnt.init(), [f64n([1, null, 3])], null, ctx(3)))).to.equal(2n);
    const all = defineAggregateFunction<{ n: number }>({ name: 'cnt_all', nullHandling: 'custom', args: ['any'], returns: 'Int64', init: () => ({ n: 0 }), update(s, _a, rows) { s.n += rows.length; }, merge: (a, b) => ({ n: a.n + b.n }), finalize: (s) => BigInt(s.n) });
    expect(all.finalize(all.update(all.init(), [f64n([1, null, 3])], null, ctx(3)))).to.equal(3n);
  });

  it('passes retract through (NULL rows skipped as in update, errors named), and leaves it out when the spec has none', () => {
    const spec = { name: 'msum', args: ['Float64'] as const, returns: 'Float64' as const, init: () => ({ s: 0 }),
      update(st: { s: number }, [x]: readonly { float64(): Float64Array }[], rows: Uint32Array) { for (const i of rows) st.s += x!.float64()[i]!; },
      merge: (a: { s: number }, b: { s: number }) => ({ s: a.s + b.s }), finalize: (st: { s: number }) => st.s };
    const msum = defineAggregateFunction<{ s: number }>({ ...spec, args: ['Float64'], retract(st, [x], rows) { for (const i of rows) st.s -= x!.float64()[i]!; } });
    const v = [f64n([1, null, 3, 4])];
    let st = msum.update(msum.init(), v, null, ctx(4));
    expect(msum.finalize(st)).to.equal(8);
    st = msum.retract!(st, v, Uint32Array.of(0, 1), ctx(4));
    expect(msum.finalize(st), 'the NULL row is not taken out').to.equal(7);
    const bad = defineAggregateFunction<{ s: number }>({ ...spec, args: ['Float64'], retract() { throw new Error('nope'); } });
    expect(() => bad.retract!(bad.init(), v, Uint32Array.of(0), ctx(4))).to.throw(/msum.*retract.*nope/);
    expect(defineAggregateFunction<{ s: number }>({ ...spec, args: ['Float64'] }).retract).to.equal(undefined);
    const guarded = defineAggregateFunction<{ s: number }>({ ...spec, args: ['Float64'], retract() {}, canRetract: (st) => Number.isFinite(st.s) });
    expect(guarded.canRetract!({ s: 1 })).to.equal(true);
    expect(guarded.canRetract!({ s: Infinity })).to.equal(false);
  });

  it('checks states and final values, and names the function in errors', () => {
    const bad = defineAggregateFunction<number>({ name: 'bad_agg', args: ['Float64'], returns: 'Float64', init: () => undefined as unknown as number, update: () => 0, merge: (a) => a, finalize: () => 'x' });
    expect(() => bad.init()).to.throw(/function 'bad_agg' returned undefined from init; expected a state/);
    expect(() => bad.finalize(1)).to.throw(/function 'bad_agg' returned the string "x" from finalize; expected a number \(return type Float64\)/);
    const thrower = defineAggregateFunction<number>({ name: 'thrower', args: ['Float64'], returns: 'Float64', init: () => 0, update: () => { throw new Error('nope'); }, merge: (a) => a, finalize: (s) => s });
    expect(() => thrower.update(0, [f64([1])], null, ctx(1))).to.throw("function 'thrower' failed in update: nope");
  });

  it('round-trips bigints, typed arrays, Maps, Sets and Infinity through the default state codec', () => {
    const s = { a: 1n, b: Float64Array.from([1.5, -2]), c: new Map([['k', 2]]), d: new Set([1, 2]), e: -Infinity, f: [1, 'x'] };
    expect(deserializeState(serializeState(s))).to.deep.equal(s);
  });
});

function slidingNaive(xs: number[], bounds: Array<[number, number]>): number[] {
  return bounds.map(([s, e]) => { let t = 0; for (let i = s; i < e; i++) t += xs[i]!; return t; });
}

describe('sdk: defineWindowFunction', () => {
  let adds = 0;
  const sum = defineWindowFunction<{ sum: number }>({
    name: 'sliding_sum', args: ['numeric'], returns: 'Float64', evaluation: 'incremental',
    init: () => ({ sum: 0 }),
    add: (s, [x], i) => { s.sum += x!.float64()[i]!; adds++; },
    remove: (s, [x], i) => { s.sum -= x!.float64()[i]!; },
    value: (s) => s.sum,
  }) as WindowFunction;

  it('incremental: sliding frames evaluated in O(1) per row match a naive sum; a new partition resets', () => {
    const xs = Array.from({ length: 200 }, (_, i) => (i * 7) % 13);
    const bounds: Array<[number, number]> = xs.map((_, i) => [Math.max(0, i - 3), Math.min(xs.length, i + 2)]);
    const vecs = [f64(xs)];
    const got = bounds.map(([s, e], i) => sum.evaluateFrame!(vecs, s, e, i, ctx(xs.length)));
    expect(got).to.deep.equal(slidingNaive(xs, bounds));
    // Each row entered the frame once: O(1) per row, not O(frame).
    expect(adds).to.equal(xs.length);
    const vecs2 = [f64([1, 2])];
    expect(sum.evaluateFrame!(vecs2, 0, 2, 0, ctx(2))).to.equal(3);
  });

  it('incremental without remove rebuilds when the frame start moves (still correct)', () => {
    const noRemove = defineWindowFunction<{ sum: number }>({ name: 'rebuild_sum', args: ['numeric'], returns: 'Float64', evaluation: 'incremental', init: () => ({ sum: 0 }), add: (s, [x], i) => { s.sum += x!.float64()[i]!; }, value: (s) => s.sum });
    const xs = [1, 2, 3, 4, 5]; const vecs = [f64(xs)];
    const bounds: Array<[number, number]> = xs.map((_, i) => [Math.max(0, i - 1), i + 1]);
    expect(bounds.map(([s, e], i) => noRemove.evaluateFrame!(vecs, s, e, i, ctx(5)))).to.deep.equal(slidingNaive(xs, bounds));
  });

  it('partition: a custom rank sees the ORDER BY keys of the whole partition', () => {
    const rank = defineWindowFunction({
      name: 'my_rank', args: [], returns: 'Int64', evaluation: 'partition',
      evaluate(_a, [k], out) {
        const o = out.values as BigInt64Array; let r = 1;
        for (let i = 0; i < k!.length; i++) { if (i > 0 && k!.get(i) !== k!.get(i - 1)) r = i + 1; o[i] = BigInt(r); }
      },
    }) as WindowFunction;
    const v = rank.evaluatePartition!([], [f64([1, 1, 2, 3, 3])], ctx(5));
    expect([...v.toArray()]).to.deep.equal([1n, 1n, 3n, 4n, 4n]);
  });

  it('frame: evaluateFrame gets [start, end) and its values are type-checked', () => {
    const first = defineWindowFunction({ name: 'frame_first', args: ['Float64'], returns: 'Float64', evaluation: 'frame', evaluateFrame: ([x], f) => (f.end > f.start ? x!.get(f.start) : null) }) as WindowFunction;
    const vecs = [f64([5, 6, 7])];
    expect([0, 1, 2].map((i) => first.evaluateFrame!(vecs, Math.max(0, i - 1), i + 1, i, ctx(3)))).to.deep.equal([5, 5, 6]);
    const bad = defineWindowFunction({ name: 'bad_win', args: ['Float64'], returns: 'Float64', evaluation: 'frame', evaluateFrame: () => 'x' }) as WindowFunction;
    expect(() => bad.evaluateFrame!(vecs, 0, 1, 0, ctx(3))).to.throw(/function 'bad_win' returned the string "x" for row 0; expected a number/);
  });
});

describe('sdk: defineFunctionPack', () => {
  it('is a function plugin providing FUNCTIONS with each function tagged by the pack name', async () => {
    const pack = defineFunctionPack({ name: 'pack-a', functions: [clamp, wavg] });
    expect(pack.kind).to.equal('function');
    const bound: unknown[] = [];
    await pack.register({ bind: (_t: unknown, v: unknown) => bound.push(v) } as never, {});
    expect(bound.map((f) => (f as { origin: string }).origin)).to.deep.equal(['pack-a', 'pack-a']);
    expect(() => defineFunctionPack({ name: 'empty', functions: [] })).to.throw(/at least one function/);
  });
});
