import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import * as arrow from 'apache-arrow';
import { expect } from 'chai';
import { createSession } from '@strata/kernel';
import {
  PythonCoprocessor, PythonWorkerPool, ScriptCompileError, ScriptMemoryLimitError, ScriptRuntimeError, ScriptTimeoutError,
} from '../src/index.js';
import { FakeQueryService } from './fake-query.js';
import { writeWheel } from './make-wheel.js';

const numbers = arrow.tableFromArrays({ number: new Float64Array([1, 2, 3, 4]), label: ['a', 'b', 'c', 'd'] });

async function rowsOf(t: arrow.Table): Promise<Array<Record<string, unknown>>> {
  return t.toArray().map((r) => ({ ...(r.toJSON() as Record<string, unknown>) }));
}

async function rejection(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected a rejection');
}

describe('coprocessor-python: scripts on a Pyodide pool', function () {
  // one pool for the whole file: Pyodide takes seconds to start
  this.timeout(30_000);
  let pool: PythonWorkerPool;
  let copr: PythonCoprocessor;
  const query = new FakeQueryService({ numbers });
  const session = createSession({ channel: 'internal', database: 'metrics' });

  let wheelsDir: string;

  before(async function () {
    this.timeout(90_000);
    wheelsDir = await fs.mkdtemp(path.join(os.tmpdir(), 'strata-wheels-'));
    await writeWheel(path.join(wheelsDir, 'strata_test_pkg-0.1-py3-none-any.whl'), {
      'strata_test_pkg/__init__.py': 'def triple(x):\n    return x * 3\n',
      'strata_test_pkg-0.1.dist-info/METADATA': 'Metadata-Version: 2.1\nName: strata-test-pkg\nVersion: 0.1\n',
      'strata_test_pkg-0.1.dist-info/WHEEL': 'Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n',
      'strata_test_pkg-0.1.dist-info/RECORD': '',
    });
    pool = new PythonWorkerPool({
      // Grace long enough for a loaded 2-core machine to deliver the interrupt (the tests count worker replacements).
      workers: 2, timeoutMs: 1500, interruptGraceMs: 1500, memoryLimitBytes: 192 * 1024 * 1024, startTimeoutMs: 60_000, wheelsDir,
    });
    await pool.start();
    copr = new PythonCoprocessor(pool, query);
  });

  after(async () => {
    await pool?.stop();
    await fs.rm(wheelsDir, { recursive: true, force: true });
  });

  const run = (src: string, input?: arrow.Table, params: Record<string, string> = {}) =>
    copr.run('t', src, input, params, session);

  describe('decorator parsing', () => {
    it('reads args, returns with types, sql and **kwargs without running the script', async () => {
      const sig = await copr.compile('cpu_ratio', [
        'import does_not_exist  # not run at compile time',
        '@copr(args=["cpu", "mem"], returns=["ratio", "flag"], sql="select cpu, mem from host")',
        'def ratio(cpu, mem, **kwargs) -> (vector[f64], vector[bool]):',
        '    return cpu / mem, cpu > mem',
      ].join('\n'));
      expect(sig.name).to.equal('cpu_ratio');
      expect(sig.function).to.equal('ratio');
      expect(sig.args).to.deep.equal(['cpu', 'mem']);
      expect(sig.returns).to.deep.equal([{ name: 'ratio', type: { name: 'Float64' } }, { name: 'flag', type: { name: 'Boolean' } }]);
      expect(sig.sql).to.equal('select cpu, mem from host');
      expect(sig.kwargs).to.equal(true);
    });

    it('accepts @coprocessor, no annotation, and vector[none]', async () => {
      const a = await copr.compile('a', '@coprocessor(returns=["x"])\ndef f():\n    return 1\n');
      expect(a.returns).to.deep.equal([{ name: 'x' }]);
      expect(a.kwargs).to.equal(false);
      const b = await copr.compile('b', '@copr(returns=["x"])\ndef f() -> vector[none]:\n    return 1\n');
      expect(b.returns).to.deep.equal([{ name: 'x' }]);
    });

    it('refuses bad definitions with a typed error and the line', async () => {
      const cases: Array<[string, RegExp, number | undefined]> = [
        ['def f():\n    return 1\n', /exactly one function decorated/, undefined],
        ['@copr(returns=["x"])\ndef f():\n    pass\n@copr(returns=["y"])\ndef g():\n    pass\n', /found 2/, 4],
        ['@copr(args=["a"])\ndef f(a):\n    pass\n', /returns= must be a non-empty list/, 1],
        ['@copr(args=["a", "b"], returns=["x"])\ndef f(a):\n    pass\n', /takes 1 positional parameter\(s\) but args= names 2/, 2],
        ['@copr(returns=["x", "y"])\ndef f() -> vector[f64]:\n    pass\n', /annotation has 1 type but returns= names 2/, 2],
        ['@copr(returns=["x"])\ndef f() -> vector[float128]:\n    pass\n', /unknown vector element type 'float128'/, 2],
        ['@copr(returns=["x"], sql=some_var)\ndef f():\n    pass\n', /sql= must be a literal/, 1],
        ['\n\n@copr(returns=["x"])\ndef f(:\n    pass\n', /invalid syntax \(line 4/, 4],
      ];
      for (const [src, re, line] of cases) {
        const err = await rejection(copr.compile('bad', src));
        expect(err, src).to.be.instanceOf(ScriptCompileError);
        expect((err as ScriptCompileError).code).to.equal('INVALID_SYNTAX');
        expect(err.message, src).to.match(re);
        expect((err as ScriptCompileError).line, src).to.equal(line);
      }
    });
  });

  describe('vectors', () => {
    it('element-wise arithmetic and comparisons, with scalars and vectors', async () => {
      const out = await run([
        'from greptime import vector',
        '@copr(returns=["add", "rsub", "div", "pw", "cmp", "vcmp", "neg"])',
        'def f():',
        '    a = vector([1.0, 2.0, 3.0])',
        '    b = vector([3, 2, 1])',
        '    z = vector([1.0, 0.0, None])',
        '    assert list(1 / z) == [1.0, None, None] and list(z // 0) == [None, None, None]  # x/0 is NULL, as in SQL',
        '    assert list(vector([1, 2]) + vector([0.5, None])) == [1.5, None]',
        '    return a + b, 10 - b, a / b, b ** 2, a >= 2.0, a > b, -b',
      ].join('\n'));
      expect(out.schema.fields.map((f) => String(f.type))).to.deep.equal(['Float64', 'Int64', 'Float64', 'Int64', 'Bool', 'Bool', 'Int64']);
      expect(await rowsOf(out)).to.deep.equal([
        { add: 4, rsub: 7n, div: 1 / 3, pw: 9n, cmp: false, vcmp: false, neg: -3n },
        { add: 4, rsub: 8n, div: 1, pw: 4n, cmp: true, vcmp: false, neg: -2n },
        { add: 4, rsub: 9n, div: 3, pw: 1n, cmp: true, vcmp: true, neg: -1n },
      ]);
    });

    it('boolean masks, & | ~, index lists and slices', async () => {
      const out = await run([
        'from greptime import vector',
        '@copr(returns=["between", "outside"])',
        'def f() -> (vector[f64], vector[f64]):',
        '    v = vector([1.0, 2.0, 3.0, 4.0, 5.0])',
        '    inner = v[(v > 1) & (v < 5)]',
        '    outer = v[~((v > 1) & (v < 5)) | (v == 3.0)]',
        '    assert list(v[[0, 4]]) == [1.0, 5.0] and list(v[1:3]) == [2.0, 3.0] and v[-1] == 5.0',
        '    assert list(v.filter([True, False, False, False, True])) == [1.0, 5.0]',
        '    return inner, outer',
      ].join('\n'));
      expect(await rowsOf(out)).to.deep.equal([
        { between: 2, outside: 1 }, { between: 3, outside: 3 }, { between: 4, outside: 5 },
      ]);
    });

    it('aggregates and GreptimeDB builtins (NULLs skipped)', async () => {
      const out = await run([
        'from greptime import *',
        '@copr(returns=["name", "value"])',
        'def f() -> (vector[str], vector[f64]):',
        '    v = vector([4.0, None, 1.0, 3.0, 2.0])',
        '    w = vector([1.0, 2.0, 3.0, 4.0, 5.0])',
        '    names = ["sum", "mean", "min", "max", "count", "median", "p25", "var_pop", "argmax", "corr", "polyval", "datetime", "sqrt"]',
        '    vals = [sum(v), mean(v), min(v), max(v), count(v), median(v), percentile(v, 25), variance_pop(v), argmax(v),',
        '            correlation(w, w * 2.0), polyval(vector([1.0, 0.0, -1.0]), 3.0), datetime("1h30m"), sqrt(vector([16.0]))[0]]',
        '    assert max(1, 2) == 2 and sum([1, 2]) == 3 and abs(-1) == 1 and round(2.5) == 2  # builtins still work',
        '    return names, [float(x) for x in vals]',
      ].join('\n'));
      const got = Object.fromEntries((await rowsOf(out)).map((r) => [r.name, Math.round((r.value as number) * 1e9) / 1e9]));
      expect(got).to.deep.equal({
        sum: 10, mean: 2.5, min: 1, max: 4, count: 4, median: 2.5, p25: 1.75, var_pop: 1.25, argmax: 0,
        corr: 1, polyval: 8, datetime: 5400, sqrt: 4,
      });
    });

    it('time-series helpers: prev, next, diff, interval', async () => {
      const out = await run([
        'from greptime import *',
        '@copr(args=["ts", "v"], returns=["prev", "next"])',
        'def f(ts, v) -> (vector[f64], vector[f64]):',
        '    assert list(diff(v)) == [1.0, 1.0, 1.0]',
        '    w = interval(ts, v, 2000, lambda x: sum(x))',
        '    assert list(w) == [3.0 + 1.0 + 2.0, 3.0 + 4.0], list(w)',
        '    return prev(v), next(v)',
      ].join('\n'), new arrow.Table({
        ts: arrow.vectorFromArray([1000, 2000, 3000, 4000], new arrow.TimestampMillisecond()),
        v: arrow.vectorFromArray([1, 2, 3, 4], new arrow.Float64()),
      }));
      expect(await rowsOf(out)).to.deep.equal([
        { prev: null, next: 2 }, { prev: 1, next: 3 }, { prev: 2, next: 4 }, { prev: 3, next: null },
      ]);
    });
  });

  describe('columns in and out', () => {
    it('computes new columns over a provided Arrow table, keeping types and NULLs', async () => {
      const input = new arrow.Table({
        ts: arrow.vectorFromArray([1700000000000, 1700000001000, 1700000002000], new arrow.TimestampMillisecond()),
        host: arrow.vectorFromArray(['a', null, 'c'], new arrow.Utf8()),
        cpu: arrow.vectorFromArray([0.5, null, 0.25], new arrow.Float64()),
        n: arrow.vectorFromArray([1n, 2n, 3n], new arrow.Int64()),
        up: arrow.vectorFromArray([true, false, null], new arrow.Bool()),
      });
      const out = await run([
        '@copr(args=["ts", "host", "cpu", "n", "up"], returns=["ts", "host", "pct", "n2", "down"])',
        'def f(ts, host, cpu, n, up) -> (vector[ts_ms], vector[str], vector[f64], vector[i64], vector[bool]):',
        '    return ts + 1, host, cpu * 100, n * n, ~up',
      ].join('\n'), input);
      expect(out.schema.fields.map((f) => `${f.name}:${String(f.type)}`)).to.deep.equal([
        'ts:Timestamp<MILLISECOND>', 'host:Utf8', 'pct:Float64', 'n2:Int64', 'down:Bool',
      ]);
      expect(await rowsOf(out)).to.deep.equal([
        { ts: 1700000000001, host: 'a', pct: 50, n2: 1n, down: false },
        { ts: 1700000001001, host: null, pct: null, n2: 4n, down: true },
        { ts: 1700000002001, host: 'c', pct: 25, n2: 9n, down: null },
      ]);
      // the caller's table is untouched (its buffers were copied, not moved)
      expect(input.getChild('cpu')!.get(2)).to.equal(0.25);
    });

    it('runs sql= itself and broadcasts scalars to the input length', async () => {
      const out = await copr.run('total', [
        '@copr(args=["number"], returns=["number", "total", "tag"], sql="select number from numbers")',
        'def f(number):',
        '    return number, sum(number), "x"',
      ].join('\n'), undefined, {}, session);
      expect(await rowsOf(out)).to.deep.equal([1, 2, 3, 4].map((n) => ({ number: n, total: 10, tag: 'x' })));
      expect(query.calls.at(-1)).to.deep.equal({ sql: 'select number from numbers', database: 'metrics' });
    });

    it('passes the extra parameters as **kwargs (strings)', async () => {
      const out = await run('@coprocessor(returns=["value"])\ndef add(**params) -> vector[i64]:\n    return int(params["a"]) + int(params["b"])\n',
        undefined, { a: '42', b: '99' });
      expect(await rowsOf(out)).to.deep.equal([{ value: 141n }]);
    });

    it('query().sql() and sql() run SQL on the server from inside a script', async () => {
      const out = await run([
        'from greptime import query, sql',
        '@copr(returns=["doubled", "label"])',
        'def f() -> (vector[f64], vector[str]):',
        '    cols = query().sql("select number, label from numbers")',
        '    assert cols.names == ["number", "label"]',
        '    return cols[0] * 2, sql("select * from numbers")["label"]',
      ].join('\n'));
      expect(await rowsOf(out)).to.deep.equal([
        { doubled: 2, label: 'a' }, { doubled: 4, label: 'b' }, { doubled: 6, label: 'c' }, { doubled: 8, label: 'd' },
      ]);
    });

    it('imports packages installed from local wheels (wheelsDir)', async () => {
      const out = await run('import strata_test_pkg\n@copr(returns=["x"])\ndef f() -> vector[i64]:\n    return strata_test_pkg.triple(14)\n');
      expect(await rowsOf(out)).to.deep.equal([{ x: 42n }]);
    });

    it('a failing query() raises QueryError inside the script', async () => {
      const out = await run([
        'from greptime import query, QueryError',
        '@copr(returns=["msg"])',
        'def f():',
        '    try:',
        '        query().sql("select * from nope")',
        '    except QueryError as e:',
        '        return str(e)',
      ].join('\n'));
      expect(await rowsOf(out)).to.deep.equal([{ msg: 'Table not found: nope' }]);
    });
  });

  describe('errors and limits', () => {
    it('reports a Python exception with the traceback and the script line', async () => {
      const err = await rejection(run([
        '@copr(returns=["x"])',
        'def f():',
        '    return helper(0)',
        '',
        'def helper(d):',
        '    return 1 / d',
      ].join('\n')));
      expect(err).to.be.instanceOf(ScriptRuntimeError);
      expect((err as ScriptRuntimeError).code).to.equal('EXECUTE_QUERY');
      expect((err as ScriptRuntimeError).line).to.equal(6);
      expect(err.message).to.contain('File "<script t>", line 3, in f');
      expect(err.message).to.contain('File "<script t>", line 6, in helper');
      expect(err.message).to.match(/ZeroDivisionError: division by zero$/);
    });

    it('reports returned columns of different lengths', async () => {
      const err = await rejection(run('@copr(returns=["a", "b"])\ndef f():\n    return [1, 2], [1]\n'));
      expect(err).to.be.instanceOf(ScriptRuntimeError);
      expect(err.message).to.contain('returned columns have different lengths: a=2, b=1');
    });

    it('stops an endless loop at the time limit; the pool keeps serving', async () => {
      const t0 = Date.now();
      const err = await rejection(run('@copr(returns=["x"])\ndef f():\n    while True:\n        pass\n'));
      expect(err).to.be.instanceOf(ScriptTimeoutError);
      expect((err as ScriptTimeoutError).code).to.equal('DEADLINE_EXCEEDED');
      expect(Date.now() - t0).to.be.within(1400, 4000);
      const ok = await run('@copr(returns=["x"])\ndef f():\n    return 7\n');
      expect(await rowsOf(ok)).to.deep.equal([{ x: 7n }]);
      // The interrupted worker stops (or, past the grace period, is replaced) on its own time:
      // wait for it, so the next tests count only the worker replacements they cause.
      for (let i = 0; i < 60 && pool.busyWorkers > 0; i++) await new Promise((r) => setTimeout(r, 100));
      expect(pool.busyWorkers).to.equal(0);
    });

    it('stops a script waiting on a query() that never answers; the worker is reused', async () => {
      const restarts = pool.stats.restarts;
      const err = await rejection(run('from greptime import sql\n@copr(returns=["x"])\ndef f():\n    return sql("select * from hang")[0]\n'));
      expect(err).to.be.instanceOf(ScriptTimeoutError);
      const outs = await Promise.all([1, 2].map(() => run('@copr(returns=["x"])\ndef f():\n    return 5\n')));
      expect(await Promise.all(outs.map(rowsOf))).to.deep.equal([[{ x: 5n }], [{ x: 5n }]]);
      expect(pool.stats.restarts).to.equal(restarts);
    });

    it('replaces a worker whose script swallows the interrupt', async () => {
      const restarts = pool.stats.restarts;
      const err = await rejection(run([
        '@copr(returns=["x"])',
        'def f():',
        '    while True:',
        '        try:',
        '            while True:',
        '                pass',
        '        except BaseException:',
        '            pass',
      ].join('\n')));
      expect(err).to.be.instanceOf(ScriptTimeoutError);
      const ok = await run('@copr(returns=["x"])\ndef f():\n    return 8\n');
      expect(await rowsOf(ok)).to.deep.equal([{ x: 8n }]);
      // the stubborn worker was terminated (after the grace period) and replaced
      for (let i = 0; i < 50 && pool.stats.restarts === restarts; i++) await new Promise((r) => setTimeout(r, 100));
      expect(pool.stats.restarts).to.equal(restarts + 1);
    });

    it('stops a memory hog at the memory limit; the next call works', async () => {
      const err = await rejection(run([
        '@copr(returns=["x"])',
        'def f():',
        '    hog = []',
        '    while True:',
        '        hog.append(bytearray(1 << 20))',
      ].join('\n')));
      expect(err).to.be.instanceOf(ScriptMemoryLimitError);
      expect((err as ScriptMemoryLimitError).code).to.equal('RESOURCES_EXHAUSTED');
      expect(err.message).to.contain('exceeded the memory limit of 201326592 bytes');
      const ok = await run('@copr(returns=["x"])\ndef f():\n    return 9\n');
      expect(await rowsOf(ok)).to.deep.equal([{ x: 9n }]);
    });

    it('runs several scripts at once on the pool', async () => {
      const outs = await Promise.all(Array.from({ length: 6 }, (_, i) =>
        run(`@copr(returns=["x"])\ndef f():\n    import time\n    time.sleep(0.05)\n    return ${i}\n`)));
      expect(await Promise.all(outs.map(rowsOf))).to.deep.equal(Array.from({ length: 6 }, (_, i) => [{ x: BigInt(i) }]));
    });
  });
});
