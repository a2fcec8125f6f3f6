import * as arrow from 'apache-arrow';
import { expect } from 'chai';
import {
  FUNCTION_REGISTRY, InvalidArgumentsError, PlanError, type AsyncScalarFunction, type FunctionDefinition, type FunctionResolver,
} from '../../src/index.js';
import { SqlHarness } from '../support/sql-harness.js';

/** An async double(x) that records the size of every batch it is called with. */
function slowDouble(name = 'slow_double', calls: number[] = []): AsyncScalarFunction & { calls: number[] } {
  return {
    kind: 'scalar', async: true, name, calls,
    signatures: [{ args: ['numeric'] }], returnType: { name: 'Float64' },
    async invokeAsync([x], ctx) {
      calls.push(ctx.rowCount);
      await new Promise((r) => setImmediate(r));
      const out = new Float64Array(ctx.rowCount);
      for (let i = 0; i < ctx.rowCount; i++) out[i] = Number(x!.get(i) ?? 0) * 2;
      return arrow.makeVector(out);
    },
  };
}

async function errorOf(p: Promise<unknown>): Promise<Error & { code?: string }> {
  return p.then(() => { throw new Error('expected an error'); }, (e: Error) => e);
}

describe('sql: async scalar functions and function resolvers', function () {
  this.timeout(20_000);
  let h: SqlHarness;
  beforeEach(async () => {
    h = await SqlHarness.start();
    await h.q('CREATE TABLE m (host STRING, ts TIMESTAMP TIME INDEX, v DOUBLE, PRIMARY KEY(host))');
    await h.q("INSERT INTO m VALUES ('a', 1, 1.0), ('a', 2, 2.0), ('b', 1, 10.0), ('b', 2, NULL), ('c', 1, 5.0)");
  });
  afterEach(async () => { await h.stop(); });

  const registry = () => h.server.get(FUNCTION_REGISTRY);

  it('evaluates once per batch wherever a scalar function may appear', async () => {
    const fn = slowDouble();
    registry().register(fn, 'test');
    expect(await h.rows('SELECT host, slow_double(v) FROM m ORDER BY host, ts')).to.deep.equal([['a', 2], ['a', 4], ['b', 20], ['b', null], ['c', 10]]);
    expect(fn.calls).to.deep.equal([5]);
    expect(await h.rows('SELECT host FROM m WHERE slow_double(v) > 5 ORDER BY host')).to.deep.equal([['b'], ['c']]);
    expect(await h.rows('SELECT host, sum(slow_double(v)) FROM m GROUP BY host ORDER BY host')).to.deep.equal([['a', 6], ['b', 20], ['c', 10]]);
    expect(await h.rows('SELECT slow_double(v) AS d, count(*) FROM m WHERE v IS NOT NULL GROUP BY slow_double(v) ORDER BY d')).to.deep.equal([[2, 1], [4, 1], [10, 1], [20, 1]]);
    expect(await h.rows('SELECT host, ts FROM m WHERE v IS NOT NULL ORDER BY slow_double(v) DESC LIMIT 2')).to.deep.equal([['b', 1n], ['c', 1n]].map((r) => [r[0], Number(r[1])]));
    expect(await h.rows('SELECT host, row_number() OVER (PARTITION BY slow_double(v) > 3 ORDER BY ts, host) FROM m WHERE v IS NOT NULL ORDER BY host, ts'))
      .to.deep.equal([['a', 1], ['a', 3], ['b', 1], ['c', 2]]);
    // nested async calls, and inside other expressions
    expect(await h.rows("SELECT slow_double(slow_double(v)) + 1 FROM m WHERE host = 'c'")).to.deep.equal([[21]]);
    // INSERT ... VALUES and INSERT ... SELECT
    await h.q('CREATE TABLE n (ts TIMESTAMP TIME INDEX, d DOUBLE)');
    await h.q('INSERT INTO n VALUES (1, slow_double(21))');
    await h.q("INSERT INTO n SELECT ts + 10, slow_double(v) FROM m WHERE host = 'c'");
    expect(await h.rows('SELECT ts, d FROM n ORDER BY ts')).to.deep.equal([[1, 42], [11, 10]]);
  });

  it('is never folded into a constant, and EXPLAIN shows the call', async () => {
    const fn = slowDouble();
    registry().register(fn, 'test');
    const plan = (await h.q('EXPLAIN SELECT slow_double(2) + 1')).rows.map((r) => String(r[1])).join('\n');
    expect(plan).to.match(/Projection: slow_double\(2\) \+ 1 AS/);
    expect(fn.calls).to.deep.equal([]);
    expect(await h.rows('SELECT slow_double(2) + 1')).to.deep.equal([[5]]);
    expect(fn.calls).to.deep.equal([1]);
    // an aggregate over it: the call moves into a projection below the aggregate
    const agg = (await h.q('EXPLAIN SELECT sum(slow_double(v)) FROM m')).rows.map((r) => String(r[1])).join('\n');
    expect(agg).to.match(/Aggregate: groupBy=\[\], aggr=\[sum\(slow_double\(v\)\)\]\n\s+Projection: .*slow_double\(v\) AS slow_double\(v\)/);
  });

  it('propagates NULLs unless the function handles them, and checks what the body returns', async () => {
    registry().register({ ...slowDouble('short'), async invokeAsync() { return arrow.makeVector(new Float64Array(1)); } } as AsyncScalarFunction, 'test');
    const short = await errorOf(h.q('SELECT short(v) FROM m'));
    expect(short.message).to.contain('short returned 1 values for 5 rows');
    registry().register({ ...slowDouble('bad'), async invokeAsync() { throw new Error('model server down'); } } as AsyncScalarFunction, 'test');
    const bad = await errorOf(h.q('SELECT bad(v) FROM m'));
    expect(bad.code).to.equal('EXECUTE_QUERY');
    expect(bad.message).to.equal('function bad failed: model server down');
    // a result in another type is cast to the planned one
    registry().register({ ...slowDouble('ints'), async invokeAsync(_a, ctx) { return arrow.makeVector(new Int32Array(ctx.rowCount).fill(7)); } } as AsyncScalarFunction, 'test');
    expect(await h.rows("SELECT ints(v) FROM m WHERE host = 'c'")).to.deep.equal([[7]]);
  });

  it('cannot be used in a JOIN ... ON condition, but can in WHERE over the same join', async () => {
    registry().register(slowDouble(), 'test');
    const on = await errorOf(h.q('SELECT x.host FROM m x JOIN m y ON slow_double(x.v) = y.v'));
    expect(on).to.be.instanceOf(PlanError);
    expect(on.message).to.contain('slow_double is asynchronous and cannot be used here');
    expect(await h.rows('SELECT x.host, y.host FROM m x, m y WHERE slow_double(x.v) = y.v ORDER BY x.host')).to.deep.equal([['a', 'a'], ['c', 'b']]);
  });

  it('the registry refuses an async definition without invokeAsync', () => {
    expect(() => registry().register({ kind: 'scalar', async: true, name: 'nope', signatures: [{ args: [] }], returnType: { name: 'Int64' } } as unknown as FunctionDefinition, 'test'))
      .to.throw(InvalidArgumentsError, /async scalar functions need invokeAsync/);
  });

  it('resolvers: asked per statement for unknown names only; registered functions win; changes apply to the next statement', async () => {
    const asked: string[] = [];
    const scripts = new Map<string, AsyncScalarFunction>([['public.triple', { ...slowDouble('triple'), async invokeAsync([x], ctx) { return arrow.makeVector(Float64Array.from({ length: ctx.rowCount }, (_, i) => Number(x!.get(i)) * 3)); } }]]);
    const resolver: FunctionResolver = {
      origin: 'test resolver',
      resolve(name, { session }) { asked.push(name); return scripts.get(`${session.database}.${name}`); },
    };
    const remove = registry().addResolver!(resolver);
    expect(await h.rows("SELECT triple(v), abs(v) FROM m WHERE host = 'c'")).to.deep.equal([[15, 5]]);
    expect(asked).to.deep.equal(['triple']);
    // a view's body calls it too: resolved at CREATE VIEW and when a query (or a view over the view) reads it
    await h.q('CREATE VIEW tv AS SELECT host, triple(v) AS t FROM m');
    await h.q('CREATE VIEW tv2 AS SELECT t FROM tv');
    expect(await h.rows("SELECT t FROM tv WHERE host = 'c'")).to.deep.equal([[15]]);
    expect(await h.rows('SELECT max(t) FROM tv2')).to.deep.equal(await h.rows('SELECT max(v) * 3 FROM m'));
    await h.q('DROP VIEW tv2, tv');
    asked.length = 0; asked.push('triple');
    // a registered function of the same name takes precedence over the resolver
    scripts.set('public.abs', slowDouble('abs'));
    expect(await h.rows("SELECT abs(-v) FROM m WHERE host = 'c'")).to.deep.equal([[5]]);
    expect(asked).to.deep.equal(['triple']);
    // gone from the resolver: unknown at the next statement
    scripts.delete('public.triple');
    const gone = await errorOf(h.q('SELECT triple(v) FROM m'));
    expect(gone).to.be.instanceOf(PlanError);
    expect(gone.message).to.contain("Invalid function 'triple'");
    // a resolver that fails: a StrataError as it is, anything else names the function
    scripts.set('public.broken', undefined as unknown as AsyncScalarFunction);
    const throwing: FunctionResolver = { origin: 'thrower', resolve(name) { if (name === 'kaput') throw new Error('lookup failed'); if (name === 'refused') throw new PlanError('not a scalar'); return undefined; } };
    const removeThrowing = registry().addResolver!(throwing);
    expect((await errorOf(h.q('SELECT kaput(1)'))).message).to.equal("function 'kaput' failed in resolution by thrower: lookup failed");
    expect((await errorOf(h.q('SELECT refused(1)'))).message).to.equal('not a scalar');
    removeThrowing();
    remove();
    expect((await errorOf(h.q('SELECT refused(1)'))).message).to.contain("Invalid function 'refused'");
  });
});
