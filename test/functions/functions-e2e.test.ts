import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { QUERY, StrataServer, createSession, functionsPlugin, type AggregateFunction, type QueryService } from '@strata/kernel';
import { defineFunctionPack, defineScalarFunction } from '@strata/sdk';
import engineLsm from '@strata/engine-lsm';
import functionsExample from '@strata/functions-example';
import protocolHttp from '@strata/protocol-http';
import storeFs from '@strata/store-fs';
import walLocal from '@strata/wal-local';

/** Runs SQL; rows of the last statement as arrays (or the affected count). */
async function sql(query: QueryService, text: string, timeoutMs?: number): Promise<unknown[][] | number> {
  let result: unknown[][] | number = 0;
  for await (const out of query.execute(text, createSession({ channel: 'internal' }), timeoutMs ? { timeoutMs } : {})) {
    if (out.kind === 'affected') { result = out.affectedRows; continue; }
    const rows: unknown[][] = [];
    for await (const b of out.batches) for (let r = 0; r < b.numRows; r++) rows.push(b.schema.fields.map((_, c) => b.getChildAt(c)!.get(r)));
    result = rows;
  }
  return result;
}

async function sqlError(query: QueryService, text: string, timeoutMs?: number): Promise<{ code?: string; message: string }> {
  try { await sql(query, text, timeoutMs); } catch (e) { return e as { code?: string; message: string }; }
  throw new Error(`expected an error from: ${text}`);
}

/** Test-only functions: one that throws, two slow ones (with and without checkTimeout). */
const fixtures = defineFunctionPack({
  name: 'functions-test-fixtures',
  functions: [
    defineScalarFunction({ name: 'boom', args: ['numeric'], returns: 'Float64', body: ([x]) => { if (x!.float64().some((v) => v > 50)) throw new Error('value too hot'); return x!.float64().slice(); } }),
    defineScalarFunction({
      name: 'spin_checked', args: ['numeric'], returns: 'Float64', volatility: 'volatile',
      body([x], out, ctx) { const t0 = Date.now(); while (Date.now() - t0 < 60_000) ctx.checkTimeout(); return x!.float64().slice(); },
    }),
    defineScalarFunction({
      name: 'spin_batch', args: ['numeric'], returns: 'Float64', volatility: 'volatile',
      // Busy for 150 ms per batch without ever checking: only the checks between batches can stop it.
      body([x]) { const t0 = Date.now(); while (Date.now() - t0 < 150) { /* busy */ } return x!.float64().slice(); },
    }),
    // Written against the raw kernel interface (no SDK): the 'functions' built-in guards it too.
    {
      kind: 'aggregate', name: 'raw_fail_agg', signatures: [{ args: ['numeric'] }], returnType: { name: 'Float64' },
      init: () => ({}), update: () => { throw new TypeError('cannot read properties of undefined'); }, merge: (a: object) => a, finalize: () => null,
    } as AggregateFunction<object>,
  ],
});

function composition(dataHome: string, extra: Array<{ definition: never; options?: object }> = [], functionsOptions: object = {}) {
  return StrataServer.fromDefinitions([
    { definition: storeFs, options: { fsync: false } },
    { definition: walLocal, options: { syncMode: 'none' } },
    { definition: engineLsm },
    { definition: functionsExample },
    { definition: functionsPlugin, options: functionsOptions },
    ...extra,
  ] as never, { dataHome }, { logLevel: 'silent', processMetrics: false });
}

/** A deterministic PRNG, so a failure can be replayed. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => { s = (s * 1664525 + 1013904223) >>> 0; return s / 2 ** 32; };
}

describe('e2e: user functions (functions-example through SQL)', function () {
  this.timeout(60_000);
  let dataHome: string;
  let server: StrataServer;
  let query: QueryService;
  let url: string;
  const rows: Array<{ host: string; ts: number; v: number | null; w: number }> = [];

  before(async () => {
    dataHome = await mkdtemp(path.join(os.tmpdir(), 'functions-e2e-'));
    server = await composition(dataHome, [{ definition: fixtures as never }, { definition: protocolHttp as never, options: { port: 0 } }]);
    await server.start();
    query = server.get(QUERY);
    url = server.addresses().find((a) => a.protocol === 'http')!.url;
    // Three regions, so GROUP BY aggregates each region on its own and merges the partial states.
    await sql(query, `CREATE TABLE m (host STRING, ts TIMESTAMP TIME INDEX, v DOUBLE, w DOUBLE, PRIMARY KEY (host))
      PARTITION ON COLUMNS (host) (host < 'h3', host >= 'h3' AND host < 'h6', host >= 'h6')`);
    const r = rng(42);
    for (let h = 0; h < 9; h++) for (let i = 0; i < 300; i++) rows.push({ host: `h${h}`, ts: 1_700_000_000_000 + i * 1000, v: r() < 0.05 ? null : Math.round(r() * 10_000) / 100, w: Math.round(r() * 100) / 10 });
    for (let k = 0; k < rows.length; k += 500) {
      const chunk = rows.slice(k, k + 500).map((x) => `('${x.host}', ${x.ts}, ${x.v ?? 'NULL'}, ${x.w})`).join(',');
      await sql(query, `INSERT INTO m VALUES ${chunk}`);
      if (k === 1000) await sql(query, "ADMIN flush_table('m')"); // part of the data in SSTs, part in memtables
    }
  });
  after(async () => {
    await server?.stop();
    await rm(dataHome, { recursive: true, force: true });
  });

  it('lists the pack functions in SHOW FUNCTIONS and information_schema.routines with their origin', async () => {
    const shown = await sql(query, "SHOW FUNCTIONS LIKE 'weighted%'") as string[][];
    expect(shown).to.deep.equal([['weighted_avg', 'aggregate', "plugin 'functions-example'"]]);
    // routines has GreptimeDB's (MySQL's) columns; a function's kind is information_schema.functions' function_type.
    const routines = await sql(query, "SELECT r.routine_name, r.routine_type, r.data_type, r.external_language, f.function_type FROM information_schema.routines r JOIN information_schema.functions f ON f.function_name = r.routine_name AND f.origin = r.external_name WHERE r.external_name LIKE '%functions-example%' ORDER BY r.routine_name") as string[][];
    expect(routines.map((x) => x[0])).to.deep.equal(['c_to_f', 'clip', 'ema', 'modified_rank', 'sliding_sum', 'weighted_avg']);
    expect(routines[0]).to.deep.equal(['c_to_f', 'FUNCTION', 'float64', 'JAVASCRIPT', 'scalar']);
  });

  it('scalar: c_to_f and clip equal the built-in expressions on every row', async () => {
    const got = await sql(query, 'SELECT c_to_f(v), v * 9 / 5 + 32, clip(v, 10, 90), CASE WHEN v IS NULL THEN NULL ELSE least(greatest(v, 10), 90) END FROM m') as Array<Array<number | null>>;
    expect(got.length).to.equal(rows.length);
    for (const r of got) { expect(r[0]).to.equal(r[1]); expect(r[2]).to.equal(r[3]); }
  });

  it('aggregate: weighted_avg with per-region partial states merged equals sum(v*w)/sum(w) per group and overall', async () => {
    const plan = (await sql(query, 'EXPLAIN SELECT host, weighted_avg(v, w) FROM m GROUP BY host') as string[][]).flat().join('\n');
    // The plan aggregates per region (Partial) and merges the states (Final).
    expect(plan).to.match(/weighted_avg/).and.match(/mode=Final/).and.match(/mode=Partial \(per region\)/).and.match(/partitions=3/);
    const got = await sql(query, 'SELECT host, weighted_avg(v, w), sum(v * w) / sum(CASE WHEN v IS NULL THEN NULL ELSE w END) FROM m GROUP BY host ORDER BY host') as Array<[string, number, number]>;
    expect(got.length).to.equal(9);
    for (const [, mine, builtin] of got) expect(mine).to.be.closeTo(builtin, 1e-9 * Math.abs(builtin));
    const [[all, ref]] = await sql(query, 'SELECT weighted_avg(v, w), sum(v * w) / sum(CASE WHEN v IS NULL THEN NULL ELSE w END) FROM m') as number[][];
    expect(all).to.be.closeTo(ref!, 1e-9 * Math.abs(ref!));
    // By hand, from the rows inserted.
    let sw = 0; let swx = 0;
    for (const x of rows) if (x.v !== null) { sw += x.w; swx += x.w * x.v; }
    expect(all).to.be.closeTo(swx / sw, 1e-9 * Math.abs(swx / sw));
  });

  it('window: sliding_sum over ROWS and RANGE frames equals the built-in sum over the same frames', async () => {
    for (const frame of ['ROWS BETWEEN 2 PRECEDING AND 1 FOLLOWING', 'ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW', "RANGE BETWEEN INTERVAL '3 seconds' PRECEDING AND CURRENT ROW", 'ROWS BETWEEN 1 FOLLOWING AND 3 FOLLOWING']) {
      const got = await sql(query, `SELECT sliding_sum(v) OVER (PARTITION BY host ORDER BY ts ${frame}), sum(v) OVER (PARTITION BY host ORDER BY ts ${frame}) FROM m`) as Array<Array<number | null>>;
      expect(got.length, frame).to.equal(rows.length);
      for (const [mine, builtin] of got) {
        if (builtin === null) expect(mine, frame).to.equal(null);
        else expect(mine, frame).to.be.closeTo(builtin, 1e-6);
      }
    }
  });

  it('window: ema and modified_rank over whole partitions', async () => {
    const got = await sql(query, "SELECT v, ema(v, 0.25) OVER (ORDER BY ts) FROM m WHERE host = 'h4' ORDER BY ts") as Array<[number | null, number | null]>;
    let e = NaN;
    for (const [v, mine] of got) {
      if (v !== null) e = Number.isNaN(e) ? v : 0.25 * v + 0.75 * e;
      if (Number.isNaN(e)) expect(mine).to.equal(null); else expect(mine).to.be.closeTo(e, 1e-9);
    }
    const ranks = await sql(query, "SELECT w, modified_rank() OVER (ORDER BY w), rank() OVER (ORDER BY w) FROM m WHERE host = 'h1' ORDER BY w") as Array<[number, bigint, bigint]>;
    for (let i = 0; i < ranks.length; i++) {
      let last = i;
      while (last + 1 < ranks.length && ranks[last + 1]![0] === ranks[i]![0]) last++;
      expect(ranks[i]![1]).to.equal(BigInt(last + 1));
    }
  });

  it('a function that throws is a query error naming it, and the server keeps answering', async () => {
    const err = await sqlError(query, 'SELECT boom(v) FROM m');
    expect(err.code).to.equal('EXECUTE_QUERY');
    expect(err.message).to.equal("function 'boom' failed in body: value too hot");
    const raw = await sqlError(query, 'SELECT host, raw_fail_agg(v) FROM m GROUP BY host');
    expect(raw.code).to.equal('EXECUTE_QUERY');
    expect(raw.message).to.equal("function 'raw_fail_agg' failed in update: cannot read properties of undefined");
    expect(await sql(query, 'SELECT count(*) FROM m')).to.deep.equal([[BigInt(rows.length)]]);
  });

  it('a long function is stopped by the query timeout (inside the body with checkTimeout, else between batches)', async () => {
    let t0 = Date.now();
    let err = await sqlError(query, 'SELECT spin_checked(v) FROM m', 200);
    expect(err.code).to.equal('DEADLINE_EXCEEDED');
    expect(err.message).to.contain("function 'spin_checked'");
    expect(Date.now() - t0).to.be.lessThan(5_000);
    t0 = Date.now();
    err = await sqlError(query, 'SELECT spin_batch(v) FROM m', 100);
    expect(err.code).to.equal('DEADLINE_EXCEEDED');
    // Stopped after the first batch overran (150 ms), not after all of them.
    expect(Date.now() - t0).to.be.lessThan(2_000);
    expect(await sql(query, 'SELECT count(*) FROM m')).to.deep.equal([[BigInt(rows.length)]]);
  });

  it('over HTTP /v1/sql: a throwing or timed-out function is a JSON error, and the server keeps serving', async () => {
    const post = (statement: string, headers: Record<string, string> = {}) => fetch(`${url}/v1/sql?db=public`, {
      method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, body: new URLSearchParams({ sql: statement }).toString(),
    });
    let r = await post('SELECT boom(v) FROM m');
    expect(r.status).to.be.within(400, 599);
    let body = await r.json() as { code: number; error: string };
    expect(body.error).to.contain("function 'boom' failed in body: value too hot");
    r = await post('SELECT spin_checked(v) FROM m', { 'X-Greptime-Timeout': '150ms' });
    expect(r.status).to.equal(504);
    body = await r.json() as { code: number; error: string };
    expect(body.error).to.contain("function 'spin_checked'");
    r = await post("SELECT clip(v, 0, 10) FROM m WHERE host = 'h0' AND v IS NOT NULL LIMIT 1");
    expect(r.status).to.equal(200);
    const ok = await r.json() as { output: Array<{ records: { rows: number[][] } }> };
    expect(ok.output[0]!.records.rows[0]![0]).to.be.within(0, 10);
  });

  it('CREATE FUNCTION is off by default', async () => {
    const err = await sqlError(query, "CREATE FUNCTION f AS 'f.mjs'");
    expect(err.code).to.equal('UNSUPPORTED');
    expect(err.message).to.contain('runtimeFunctions');
  });
});

describe('e2e: user functions — startup clashes', function () {
  this.timeout(30_000);
  let dataHome: string;
  before(async () => { dataHome = await mkdtemp(path.join(os.tmpdir(), 'functions-clash-')); });
  after(async () => { await rm(dataHome, { recursive: true, force: true }); });

  async function startError(pack: unknown): Promise<string> {
    const s = await composition(dataHome, [{ definition: pack as never }]).catch((e: Error) => e);
    if (s instanceof Error) return s.message;
    try { await s.start(); } catch (e) { return (e as Error).message; } finally { await s.stop().catch(() => undefined); }
    throw new Error('expected startup to fail');
  }

  it('a pack function named like another pack\'s fails startup naming both plugins', async () => {
    const other = defineFunctionPack({ name: 'other-pack', functions: [defineScalarFunction({ name: 'clip', args: ['numeric'], returns: 'Float64', body: ([x]) => x!.float64().slice() })] });
    const msg = await startError(other);
    expect(msg).to.contain("function 'clip'").and.contain('other-pack').and.contain('functions-example');
  });

  it('a pack function named like a built-in fails startup naming the built-in', async () => {
    const other = defineFunctionPack({ name: 'abs-pack', functions: [defineScalarFunction({ name: 'abs', args: ['numeric'], returns: 'Float64', body: ([x]) => x!.float64().slice() })] });
    const msg = await startError(other);
    expect(msg).to.contain("function 'abs'").and.contain('abs-pack').and.contain('built-in');
  });
});

describe('e2e: user functions — CREATE / DROP FUNCTION', function () {
  this.timeout(60_000);
  let dataHome: string;
  let udfDir: string;
  let outside: string;
  const opts = () => ({ runtimeFunctions: true, runtimeFunctionDirectories: [udfDir] });

  before(async () => {
    dataHome = await mkdtemp(path.join(os.tmpdir(), 'functions-runtime-'));
    udfDir = path.join(dataHome, 'udfs');
    outside = path.join(dataHome, 'elsewhere');
    await mkdir(udfDir); await mkdir(outside);
    const sdkUrl = import.meta.resolve('@strata/sdk');
    const f2c = `import { defineScalarFunction } from '${sdkUrl}';
export default defineScalarFunction({ name: 'f2c', args: ['numeric'], returns: 'Float64',
  body([f], out) { const x = f.float64(); const o = out.values; for (let i = 0; i < o.length; i++) o[i] = (x[i] - 32) * 5 / 9; } });
export const twice = defineScalarFunction({ name: 'twice', args: ['numeric'], returns: 'Float64', body([f]) { return f.float64().map((v) => v * 2); } });
`;
    await writeFile(path.join(udfDir, 'f2c.mjs'), f2c);
    await writeFile(path.join(outside, 'evil.mjs'), f2c);
  });
  after(async () => { await rm(dataHome, { recursive: true, force: true }); });

  it('creates from an allowed module, refuses others, survives a restart, and DROP removes it for good', async () => {
    let server = await composition(dataHome, [], opts());
    await server.start();
    let query = server.get(QUERY);
    try {
      await sql(query, 'CREATE TABLE t (ts TIMESTAMP TIME INDEX, f DOUBLE)');
      await sql(query, 'INSERT INTO t VALUES (1000, 212), (2000, 32)');
      expect(await sql(query, "CREATE FUNCTION f2c AS 'f2c.mjs'")).to.equal(0);
      expect(await sql(query, "CREATE FUNCTION dbl(x DOUBLE) RETURNS DOUBLE LANGUAGE js AS 'f2c.mjs' WITH (export = 'twice')")).to.equal(0);
      expect(await sql(query, 'SELECT f2c(f), dbl(f) FROM t ORDER BY ts')).to.deep.equal([[100, 424], [0, 64]]);
      expect(await sql(query, "SHOW FUNCTIONS LIKE 'f2c'")).to.deep.equal([['f2c', 'scalar', `CREATE FUNCTION ${path.join(udfDir, 'f2c.mjs')}`]]);
      let err = await sqlError(query, `CREATE FUNCTION evil AS '${path.join(outside, 'evil.mjs')}'`);
      expect(err.message).to.contain('outside the allowed directories');
      err = await sqlError(query, "CREATE FUNCTION f2c AS 'f2c.mjs'");
      expect(err.message).to.contain('already exists');
      expect(await sql(query, "CREATE OR REPLACE FUNCTION f2c AS 'f2c.mjs'")).to.equal(0);
      err = await sqlError(query, "CREATE AGGREGATE FUNCTION agg AS 'f2c.mjs'");
      expect(err.message).to.contain('exports a scalar function');
      err = await sqlError(query, 'DROP FUNCTION abs');
      expect(err.message).to.contain('only functions made by CREATE FUNCTION can be dropped');
    } finally { await server.stop(); }

    server = await composition(dataHome, [], opts());
    await server.start();
    query = server.get(QUERY);
    try {
      expect(await sql(query, 'SELECT f2c(f) FROM t ORDER BY ts')).to.deep.equal([[100], [0]]);
      await sql(query, 'DROP FUNCTION f2c');
      expect((await sqlError(query, 'SELECT f2c(f) FROM t')).message).to.match(/f2c/);
      expect(await sql(query, 'DROP FUNCTION IF EXISTS f2c')).to.equal(0);
    } finally { await server.stop(); }

    server = await composition(dataHome, [], opts());
    await server.start();
    query = server.get(QUERY);
    try {
      expect((await sqlError(query, 'SELECT f2c(f) FROM t')).message).to.match(/f2c/);
      expect(await sql(query, 'SELECT dbl(f) FROM t ORDER BY ts')).to.deep.equal([[424], [64]]);
    } finally { await server.stop(); }
  });
});

describe('e2e: user functions — a server from a config file', function () {
  this.timeout(30_000);
  let dir: string;
  before(async () => { dir = await mkdtemp(path.join(os.tmpdir(), 'functions-config-')); });
  after(async () => { await rm(dir, { recursive: true, force: true }); });

  it('lists the pack by name with options, and the functions built-in with runtime options (directories under the data home)', async () => {
    const dataHome = path.join(dir, 'data');
    await mkdir(path.join(dataHome, 'udfs'), { recursive: true });
    await writeFile(path.join(dataHome, 'udfs', 'inc.mjs'), `export default { kind: 'scalar', name: 'inc', signatures: [{ args: ['Float64'] }], returnType: { name: 'Float64' },
  invoke([x], ctx) { const d = x.data[0]; const out = new Float64Array(ctx.rowCount); for (let i = 0; i < out.length; i++) out[i] = d.values[d.offset + i] + 1; return makeVector(out); } };
import { makeVector } from '${import.meta.resolve('apache-arrow')}';
`);
    const file = path.join(dir, 'strata.config.json');
    await writeFile(file, JSON.stringify({
      server: { dataHome },
      plugins: [
        { use: 'store-fs', options: { fsync: false } },
        { use: 'wal-local', options: { syncMode: 'none' } },
        { use: 'engine-lsm' },
        { use: 'functions-example', options: { prefix: 'cfg_' } },
        { use: 'functions', options: { runtimeFunctions: true, runtimeFunctionDirectories: ['udfs'] } },
      ],
    }));
    const server = await StrataServer.fromFile(file, { logLevel: 'silent', processMetrics: false });
    await server.start();
    try {
      const query = server.get(QUERY);
      expect(await sql(query, 'SELECT cfg_clip(5, 0, 1), cfg_c_to_f(100)')).to.deep.equal([[1, 212]]);
      expect((await sql(query, "SHOW FUNCTIONS LIKE 'cfg_%'") as unknown[][]).length).to.equal(6);
      // A module written against the raw kernel interface (no SDK), from the data home's udfs directory.
      expect(await sql(query, "CREATE FUNCTION inc AS 'inc.mjs'")).to.equal(0);
      expect(await sql(query, 'SELECT inc(cfg_c_to_f(0))')).to.deep.equal([[33]]);
    } finally { await server.stop(); }
  });
});
