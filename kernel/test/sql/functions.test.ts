import * as arrow from 'apache-arrow';
import { expect } from 'chai';
import {
  DefaultFunctionRegistry, builtinFunctions, definePlugin, FUNCTIONS, StrataServer, FUNCTION_REGISTRY, QUERY, createSession,
  type AggregateFunction, type ScalarFunction, type WindowFunction,
} from '../../src/index.js';
import { memoryPlugins } from '../support/memory-plugins.js';
import { columnBodyOf } from '../../src/functions/builtin/function-helpers.js';
import { columnFromArrow, valueAt } from '../../src/sql/exec/column.js';
import { SqlHarness } from '../support/sql-harness.js';

const ctx = (n: number) => ({ rowCount: n, timezone: 'UTC' });
const f64 = (xs: Array<number | null>) => arrow.vectorFromArray(xs, new arrow.Float64());
const str = (xs: Array<string | null>) => arrow.vectorFromArray(xs, new arrow.Utf8());

function registry() {
  const r = new DefaultFunctionRegistry();
  for (const f of builtinFunctions(r)) r.register(f, 'built-in');
  return r;
}

describe('functions: registry', () => {
  it('registers every built-in once and resolves aliases', () => {
    const r = registry();
    for (const n of ['abs', 'ceil', 'ceiling', 'floor', 'round', 'sqrt', 'pow', 'power', 'ln', 'log10', 'exp', 'sign', 'length', 'lower', 'upper', 'concat', 'substr',
      'trim', 'replace', 'starts_with', 'regexp_match', 'coalesce', 'nullif', 'greatest', 'least', 'if', 'now', 'date_trunc', 'date_bin', 'to_unixtime', 'date_format',
      'date_part', 'count', 'sum', 'avg', 'min', 'max', 'stddev', 'variance', 'first_value', 'last_value', 'approx_distinct', 'approx_percentile_cont', 'median',
      'percentile', 'row_number', 'rank', 'dense_rank', 'lag', 'lead', 'nth_value', 'ntile', 'cume_dist', 'percent_rank']) {
      expect(r.lookup(n), n).to.not.equal(undefined);
    }
    expect(r.lookup('POWER')!.name).to.equal('pow');
  });

  it('refuses a name clash, naming both origins', () => {
    const r = registry();
    const mine: ScalarFunction = { kind: 'scalar', name: 'abs', signatures: [{ args: ['any'] }], returnType: { name: 'Float64' }, invoke: (a) => a[0]! };
    expect(() => r.register(mine, "plugin 'functions-x'")).to.throw(/'abs' from plugin 'functions-x' clashes .* from built-in/);
  });

  it('checks definitions and says what was expected', () => {
    const r = new DefaultFunctionRegistry();
    expect(() => r.register({ kind: 'aggregate', name: 'bad', signatures: [{ args: [] }], returnType: { name: 'Int64' } } as unknown as AggregateFunction, 'x')).to.throw(/aggregates need init/);
    expect(() => r.register({ kind: 'scalar', name: 'Bad Name', signatures: [{ args: [] }], returnType: { name: 'Int64' }, invoke: () => f64([]) }, 'x')).to.throw(/lower-case SQL identifier/);
    expect(r.unregister('nope')).to.equal(false);
  });

  it('startup fails when a function plugin clashes with a built-in', async () => {
    const fn: ScalarFunction & { origin: string } = { kind: 'scalar', name: 'sqrt', origin: 'functions-clash', signatures: [{ args: ['any'] }], returnType: { name: 'Float64' }, invoke: (a) => a[0]! };
    const plugin = definePlugin({ name: 'functions-clash', kind: 'function', provides: [FUNCTIONS], register(c) { c.bind(FUNCTIONS, fn); } });
    const s = await StrataServer.fromDefinitions([...memoryPlugins().plugins, { definition: plugin }], {}, { logLevel: 'silent', processMetrics: false });
    await s.start().then(() => expect.fail('should not start'), (e) => expect(String(e.message)).to.match(/'sqrt' from plugin 'functions-clash' clashes .*built-in/));
    await s.stop();
  });

  it('plugin functions are registered and callable from SQL, with the statement deadline', async () => {
    const triple: ScalarFunction = {
      kind: 'scalar', name: 'triple', signatures: [{ args: ['Float64'] }], returnType: { name: 'Float64' },
      invoke([x], c) { const out = new Float64Array(c.rowCount); for (let i = 0; i < c.rowCount; i++) out[i] = (x!.get(i) as number) * 3; return arrow.makeVector(out); },
    };
    let seenDeadline: unknown;
    const spy: ScalarFunction = { ...triple, name: 'deadline_spy', volatility: 'volatile', invoke(args, c) { seenDeadline = (c as { deadlineAtMs?: number }).deadlineAtMs; return triple.invoke(args, c); } };
    const plugin = definePlugin({ name: 'functions-triple', kind: 'function', provides: [FUNCTIONS], register(c) { c.bind(FUNCTIONS, triple); c.bind(FUNCTIONS, spy); } });
    const s = await StrataServer.fromDefinitions([...memoryPlugins().plugins, { definition: plugin }], {}, { logLevel: 'silent', processMetrics: false });
    await s.start();
    try {
      expect(s.get(FUNCTION_REGISTRY).lookup('triple')).to.equal(triple);
      const session = createSession({ channel: 'internal' });
      const out: unknown[] = [];
      for await (const o of s.get(QUERY).execute('SELECT triple(2.0), deadline_spy(1.0)', session, { timeoutMs: 5000 })) {
        if (o.kind === 'records') for await (const b of o.batches) out.push(b.getChildAt(0)!.get(0), b.getChildAt(1)!.get(0));
      }
      expect(out).to.deep.equal([6, 3]);
      expect(seenDeadline).to.be.a('number');
    } finally { await s.stop(); }
  });
});

describe('functions: built-ins called on executor columns', () => {
  it('a columnar built-in exposes its body, which gives what invoke gives', () => {
    const upper = registry().lookup('upper') as ScalarFunction;
    const body = columnBodyOf(upper.invoke)!;
    expect(body).to.be.a('function');
    const col = columnFromArrow(str(['ab', null, 'é']));
    const out = body([col], ctx(3));
    expect(Array.from({ length: 3 }, (_, i) => valueAt(out, i))).to.deep.equal(['AB', null, 'É']);
    expect(columnBodyOf(((a) => a[0]!) as ScalarFunction['invoke'])).to.equal(undefined);
  });

  it('a plugin copy of a built-in with its own invoke is called through that invoke', async () => {
    const upper = registry().lookup('upper') as ScalarFunction;
    let calls = 0;
    const loud: ScalarFunction = { ...upper, name: 'loud', aliases: [], invoke(args, c) { calls++; return upper.invoke(args, c); } };
    expect(columnBodyOf(loud.invoke)).to.equal(undefined);
    const same: ScalarFunction = { ...upper, name: 'same_upper', aliases: [] };
    const plugin = definePlugin({ name: 'functions-loud', kind: 'function', provides: [FUNCTIONS], register(c) { c.bind(FUNCTIONS, loud); c.bind(FUNCTIONS, same); } });
    const s = await StrataServer.fromDefinitions([...memoryPlugins().plugins, { definition: plugin }], {}, { logLevel: 'silent', processMetrics: false });
    await s.start();
    try {
      const session = createSession({ channel: 'internal' });
      const run = async (sql: string): Promise<unknown[][]> => {
        const rows: unknown[][] = [];
        for await (const o of s.get(QUERY).execute(sql, session, {})) {
          if (o.kind === 'records') for await (const b of o.batches) for (let i = 0; i < b.numRows; i++) rows.push(b.schema.fields.map((_f, j) => b.getChildAt(j)!.get(i)));
        }
        return rows;
      };
      await run('CREATE TABLE words (ts TIMESTAMP TIME INDEX, w STRING)');
      await run("INSERT INTO words VALUES (1, 'ab'), (2, NULL), (3, 'cd')");
      expect(await run('SELECT loud(w), same_upper(w) FROM words ORDER BY ts')).to.deep.equal([['AB', 'AB'], [null, null], ['CD', 'CD']]);
      expect(calls).to.be.greaterThan(0);
    } finally { await s.stop(); }
  });
});

describe('functions: scalar built-ins (vectorized, NULLs)', () => {
  const r = registry();
  const call = (name: string, args: arrow.Vector[], n = args[0]?.length ?? 1): any[] => { const v = (r.lookup(name) as ScalarFunction).invoke(args, ctx(n)); return Array.from({ length: v.length }, (_, i) => v.get(i)); };
  it('math', () => {
    expect([...call('abs', [f64([-1.5, 2])])]).to.deep.equal([1.5, 2]);
    expect([...call('round', [f64([1.25, -2.5])])]).to.deep.equal([1, -3]);
    expect([...call('sqrt', [f64([4, 9])])]).to.deep.equal([2, 3]);
    expect([...call('pow', [f64([2]), f64([10])])]).to.deep.equal([1024]);
    expect([...call('sign', [f64([-3, 0, 2])])]).to.deep.equal([-1, 0, 1]);
  });
  it('strings with NULLs', () => {
    expect(call('upper', [str(['ab', null])])).to.deep.equal(['AB', null]);
    expect(Array.from(call('length', [str(['héllo', null])]) as ArrayLike<unknown>).map((x: unknown) => (x === null ? null : Number(x)))).to.deep.equal([5, null]);
    expect(call('concat', [str(['a', null]), str(['b', 'c'])])).to.deep.equal(['ab', 'c']);
    expect(call('substr', [str(['abcdef']), arrow.vectorFromArray([2n], new arrow.Int64()), arrow.vectorFromArray([3n], new arrow.Int64())])).to.deep.equal(['bcd']);
    expect(call('regexp_match', [str(['id=42', 'none']), str(['id=(\\d+)', 'id=(\\d+)'])])).to.deep.equal(['42', null]);
    expect(call('replace', [str(['a.b.c']), str(['.']), str(['-'])])).to.deep.equal(['a-b-c']);
  });
  it('conditionals skip NULLs', () => {
    expect([...call('coalesce', [f64([null, 2]), f64([1, 3])])]).to.deep.equal([1, 2]);
    expect([...call('greatest', [f64([null, 2]), f64([1, 3])])]).to.deep.equal([1, 3]);
    expect(call('nullif', [f64([1, 2]), f64([1, 3])]).length).to.equal(2);
  });
});

describe('functions: aggregates (init/update/merge/finalize)', () => {
  const r = registry();
  const run = (name: string, parts: Array<Array<number | null>>) => {
    const fn = r.lookup(name) as AggregateFunction<unknown>;
    const states = parts.map((p) => fn.update(fn.init(), [f64(p)], null, ctx(p.length)));
    return fn.finalize(states.reduce((a, b) => fn.merge(a, b), fn.init()));
  };
  it('merged partial states equal one pass, NULLs skipped', () => {
    expect(run('sum', [[1, null], [2, 3]])).to.equal(6);
    expect(run('avg', [[1, null], [], [2, 3]])).to.equal(2);
    expect(run('count', [[1, null], [2]])).to.equal(2n);
    expect(run('min', [[5, null], [2, 9]])).to.equal(2);
    expect(run('max', [[5, null], [2, 9]])).to.equal(9);
    expect(run('variance', [[1, 2], [3, 4]])).to.be.closeTo(1.6666667, 1e-6);
    expect(run('stddev_pop', [[1, 2], [3, 4]])).to.be.closeTo(Math.sqrt(1.25), 1e-9);
    expect(run('median', [[1, 9], [3]])).to.equal(3);
    expect(run('approx_distinct', [[1, 1, null], [2]])).to.equal(2n);
  });
  it('partial states survive serialize/deserialize (for distributed merges)', () => {
    for (const name of ['count', 'sum', 'avg', 'min', 'variance', 'median', 'approx_distinct', 'first_value']) {
      const fn = r.lookup(name) as AggregateFunction<unknown>;
      const a = fn.update(fn.init(), [f64([1, 2, null])], null, ctx(3));
      const b = fn.update(fn.init(), [f64([5])], null, ctx(1));
      const viaBytes = fn.merge(fn.deserialize!(fn.serialize!(a)), fn.deserialize!(fn.serialize!(b)));
      const direct = fn.merge(fn.update(fn.init(), [f64([1, 2, null])], null, ctx(3)), fn.update(fn.init(), [f64([5])], null, ctx(1)));
      expect(fn.finalize(viaBytes), name).to.deep.equal(fn.finalize(direct));
    }
  });
  it('empty input gives NULL (count gives 0)', () => {
    expect(run('sum', [[]])).to.equal(null);
    expect(run('avg', [])).to.equal(null);
    expect(run('count', [[]])).to.equal(0n);
    expect(run('stddev', [[1]])).to.equal(null);
  });
});

describe('functions: window built-ins', () => {
  const r = registry();
  it('rank family over peers', () => {
    const keys = [f64([1, 1, 2, 3])];
    const ev = (n: string) => [...(r.lookup(n) as WindowFunction).evaluatePartition!([], keys, ctx(4)).toArray()].map(Number);
    expect(ev('row_number')).to.deep.equal([1, 2, 3, 4]);
    expect(ev('rank')).to.deep.equal([1, 1, 3, 4]);
    expect(ev('dense_rank')).to.deep.equal([1, 1, 2, 3]);
    expect(ev('cume_dist')).to.deep.equal([0.5, 0.5, 0.75, 1]);
    expect(ev('percent_rank').map((x) => Math.round(x * 1000) / 1000)).to.deep.equal([0, 0, 0.667, 1]);
  });
  it('ntile, lag and lead through SQL', async () => {
    const h = await SqlHarness.start();
    try {
      await h.q('CREATE TABLE w (ts TIMESTAMP TIME INDEX, v DOUBLE)');
      await h.q('INSERT INTO w VALUES (1, 10), (2, NULL), (3, 30), (4, 40), (5, 50)');
      expect(await h.rows('SELECT ntile(2) OVER (ORDER BY ts), lag(v) OVER (ORDER BY ts), lead(v, 2) OVER (ORDER BY ts), first_value(v) OVER (ORDER BY ts DESC), last_value(v) OVER (ORDER BY ts ROWS BETWEEN CURRENT ROW AND UNBOUNDED FOLLOWING) FROM w ORDER BY ts'))
        .to.deep.equal([[1, null, 30, 50, 50], [1, 10, 40, 50, 50], [1, null, 50, 50, 50], [2, 30, null, 50, 50], [2, 40, null, 50, 50]]);
    } finally { await h.stop(); }
  });
});

describe('functions: aggregates over sliding window frames (retract)', () => {
  it('an aggregate with retract folds each row in once and takes it out once; one without is folded per frame; same answers', async () => {
    const h = await SqlHarness.start();
    try {
      let folded = 0; let taken = 0;
      const rowSum = (withRetract: boolean): AggregateFunction<{ s: number }> => ({
        kind: 'aggregate', name: withRetract ? 'rsum' : 'nsum', signatures: [{ args: ['numeric'] }], returnType: { name: 'Float64' },
        init: () => ({ s: 0 }),
        update(st, args, rows) { const c = columnFromArrow(args[0]!); for (const i of rows!) { folded++; const v = valueAt(c, i); if (v !== null) st.s += Number(v); } return st; },
        merge: (a, b) => ({ s: a.s + b.s }),
        ...(withRetract ? { retract(st: { s: number }, args: readonly arrow.Vector[], rows: Uint32Array | null) { const c = columnFromArrow(args[0]!); for (const i of rows!) { taken++; const v = valueAt(c, i); if (v !== null) st.s -= Number(v); } return st; } } : {}),
        finalize: (st) => st.s,
      });
      const reg = h.server.get(FUNCTION_REGISTRY);
      reg.register(rowSum(true), 'test');
      reg.register(rowSum(false), 'test');
      await h.q('CREATE TABLE w (ts TIMESTAMP TIME INDEX, v DOUBLE)');
      await h.q(`INSERT INTO w VALUES ${Array.from({ length: 20 }, (_, i) => `(${i}, ${i % 7 === 3 ? 'NULL' : i * 2})`).join(', ')}`);
      const frame = 'OVER (ORDER BY ts ROWS BETWEEN 3 PRECEDING AND 1 FOLLOWING)';
      const expected = Array.from({ length: 20 }, (_, i) => {
        let t = 0; for (let j = Math.max(0, i - 3); j <= Math.min(19, i + 1); j++) if (j % 7 !== 3) t += j * 2;
        return [t];
      });
      expect(await h.rows(`SELECT rsum(v) ${frame} FROM w ORDER BY ts`)).to.deep.equal(expected);
      // 20 rows in, and out: all but the last 4 leave a later frame (the frame of row 19 holds 16..19).
      expect([folded, taken]).to.deep.equal([20, 16]);
      folded = 0; taken = 0;
      expect(await h.rows(`SELECT nsum(v) ${frame} FROM w ORDER BY ts`)).to.deep.equal(expected);
      expect(taken).to.equal(0);
      expect(folded, 'each frame folded anew').to.be.greaterThan(60);
    } finally { await h.stop(); }
  });
});

describe('functions: sliding window frames where taking rows out is not exact', () => {
  it('variance after a large value leaves the frame, and a float sum that overflowed, equal a fresh fold of each frame', async () => {
    const h = await SqlHarness.start();
    try {
      await h.q('CREATE TABLE big (ts TIMESTAMP TIME INDEX, x DOUBLE)');
      await h.q('INSERT INTO big VALUES (1, 1e9), (2, 0), (3, 1), (4, 2), (5, 3), (6, 4)');
      // Welford run backwards gave 0, 2.4e-7, ... here (the 1e9 left behind its rounding).
      expect((await h.rows('SELECT var_samp(x) OVER (ORDER BY ts ROWS BETWEEN 1 PRECEDING AND CURRENT ROW) FROM big ORDER BY ts')).slice(2).flat()).to.deep.equal([0.5, 0.5, 0.5, 0.5]);
      const sd = (await h.rows('SELECT stddev_pop(x) OVER (ORDER BY ts ROWS BETWEEN 2 PRECEDING AND CURRENT ROW) FROM big ORDER BY ts'))[3]![0] as number;
      expect(sd).to.be.closeTo(Math.sqrt(2 / 3), 1e-12);
      await h.q('CREATE TABLE ovf (ts TIMESTAMP TIME INDEX, x DOUBLE)');
      await h.q('INSERT INTO ovf VALUES (1, 1e308), (2, 1e308), (3, 1), (4, 2), (5, 1e16), (6, 1), (7, 1), (8, 1)');
      // Two 1e308 overflow to Infinity; once one has left, the frames sum finitely again.
      expect((await h.rows('SELECT sum(x) OVER (ORDER BY ts ROWS BETWEEN 1 PRECEDING AND CURRENT ROW), avg(x) OVER (ORDER BY ts ROWS BETWEEN 1 PRECEDING AND CURRENT ROW) FROM ovf ORDER BY ts')))
        .to.deep.equal([[1e308, 1e308], [Infinity, Infinity], [1e308, 5e307], [3, 1.5], [1e16 + 2, (1e16 + 2) / 2], [1e16 + 1, (1e16 + 1) / 2], [2, 1], [2, 1]]);
    } finally { await h.stop(); }
  });
});

describe('functions: every scalar built-in through SQL', function () {
  this.timeout(20_000);
  let h: SqlHarness;
  before(async () => {
    h = await SqlHarness.start();
    await h.q('CREATE TABLE e (ts TIMESTAMP TIME INDEX, x DOUBLE, s STRING)');
  });
  after(async () => { await h.stop(); });

  const sample: Record<string, string> = {
    numeric: 'x', integer: 'CAST(x AS BIGINT)', float: 'x', string: 's', timestamp: 'ts', any: 'x', Boolean: 'x > 0',
    IntervalMonthDayNano: "INTERVAL '1 minute'", Date: 'CAST(ts AS DATE)', Float64: 'x', Int64: 'CAST(x AS BIGINT)', String: 's',
    Binary: 'CAST(s AS VARBINARY)',
  };

  it('NULL in gives NULL out (for NULL-propagating functions), and empty input gives no rows', async () => {
    const reg = registry();
    let checked = 0;
    for (const { fn } of reg.list()) {
      if (fn.kind !== 'scalar' || fn.volatility === 'volatile') continue;
      for (const sg of fn.signatures) {
        if (sg.args.length === 0) continue;
        if (fn.nullHandling !== 'custom') {
          const nulls = sg.args.map(() => 'NULL').join(', ');
          const r = await h.rows(`SELECT ${fn.name}(${nulls})`);
          expect(r, `${fn.name}(${nulls})`).to.deep.equal([[null]]);
        }
        const args = sg.args.map((a) => sample[a] ?? 'x').join(', ');
        const empty = await h.rows(`SELECT ${fn.name}(${args}) FROM e`).catch((err) => { throw new Error(`${fn.name}(${args}): ${(err as Error).message}`); });
        expect(empty, `${fn.name}(${args}) over no rows`).to.deep.equal([]);
        checked++;
      }
    }
    expect(checked).to.be.greaterThan(60);
  });
});

describe('functions: every aggregate and window built-in through SQL', function () {
  this.timeout(20_000);
  let h: SqlHarness;
  before(async () => {
    h = await SqlHarness.start();
    await h.q('CREATE TABLE e (ts TIMESTAMP TIME INDEX, x DOUBLE)');
    await h.q('CREATE TABLE n (ts TIMESTAMP TIME INDEX, x DOUBLE)');
    await h.q('INSERT INTO n VALUES (1, NULL), (2, NULL)');
  });
  after(async () => { await h.stop(); });

  it('aggregates: empty input and all-NULL input give NULL (counts give 0)', async () => {
    const reg = registry();
    let checked = 0;
    for (const { fn } of reg.list()) {
      if (fn.kind !== 'aggregate') continue;
      // The value argument from x (of the type the aggregate takes), then constants (a percentile, a delimiter).
      const first: Partial<Record<string, string>> = { string: 'CAST(x AS STRING)', Boolean: 'x > 0', integer: 'CAST(x AS BIGINT)' };
      const rest: Partial<Record<string, string>> = { string: "','", integer: '2' };
      const sg = fn.signatures[0]!.args;
      const args = sg.length === 0 ? '*' : sg.map((a, i) => (i === 0 ? first[a] ?? 'x' : rest[a] ?? '0.5')).join(', ');
      const zero = fn.name === 'count' || fn.name === 'approx_distinct' || fn.name === 'regr_count' ? 0 : null;
      expect(await h.rows(`SELECT ${fn.name}(${args}) FROM e`), `${fn.name} over empty`).to.deep.equal([[zero]]);
      const overNulls = await h.rows(`SELECT ${fn.name}(${args}) FROM n`);
      expect(overNulls, `${fn.name} over NULLs`).to.deep.equal([[fn.name === 'count' && args === '*' ? 2 : zero]]);
      expect(await h.rows(`SELECT ${fn.name}(${args}) OVER (ORDER BY ts) FROM e`), `${fn.name} OVER over empty`).to.deep.equal([]);
      checked++;
    }
    for (const { fn } of reg.list()) {
      if (fn.kind !== 'window') continue;
      const sg = fn.signatures.find((s) => s.args.length > 0) ?? fn.signatures[0]!;
      const args = sg.args.map((a) => (a === 'integer' ? '2' : 'x')).join(', ');
      expect(await h.rows(`SELECT ${fn.name}(${args}) OVER (ORDER BY ts) FROM e`), `${fn.name} over empty`).to.deep.equal([]);
      expect((await h.rows(`SELECT ${fn.name}(${args}) OVER (ORDER BY ts) FROM n`)).length, `${fn.name} over NULLs`).to.equal(2);
      checked++;
    }
    expect(checked).to.be.greaterThan(20);
  });
});
