import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import * as arrow from 'apache-arrow';
import { FUNCTION_REGISTRY, QUERY, StrataServer, createSession, type QueryService } from '@strata/kernel';
import engineLsm from '@strata/engine-lsm';
import storeFs from '@strata/store-fs';
import walLocal from '@strata/wal-local';
import plugin, { clampFunction, spreadFunction } from '../src/index.js';

/** Runs SQL and returns the rows of the last statement as arrays (or the affected count). */
async function sql(query: QueryService, text: string): Promise<unknown[][] | number> {
  let result: unknown[][] | number = 0;
  for await (const out of query.execute(text, createSession({ channel: 'internal' }))) {
    if (out.kind === 'affected') { result = out.affectedRows; continue; }
    const rows: unknown[][] = [];
    for await (const b of out.batches) {
      for (let r = 0; r < b.numRows; r++) rows.push(b.schema.fields.map((_, c) => b.getChildAt(c)!.get(r)));
    }
    result = rows;
  }
  return result;
}

describe('__NAME__ functions', function () {
  this.timeout(30_000);
  let dataHome: string;
  let server: StrataServer;
  let query: QueryService;

  before(async () => {
    dataHome = await mkdtemp(path.join(os.tmpdir(), '__NAME__-'));
    server = await StrataServer.fromDefinitions([
      { definition: storeFs, options: { fsync: false } },
      { definition: walLocal, options: { syncMode: 'none' } },
      { definition: engineLsm },
      { definition: plugin, options: { prefix: 'tpl' } },
    ], { dataHome }, { logLevel: 'silent', processMetrics: false });
    await server.start();
    query = server.get(QUERY);
    await sql(query, 'CREATE TABLE cpu (host STRING, ts TIMESTAMP TIME INDEX, usage DOUBLE, n BIGINT, PRIMARY KEY (host))');
    await sql(query, "INSERT INTO cpu VALUES ('a', 1000, 150.0, 1), ('a', 2000, -5.0, 2), ('a', 3000, 50.0, 3), ('b', 1000, null, 4), ('b', 2000, 7.5, 9)");
  });
  after(async () => {
    await server.stop();
    await rm(dataHome, { recursive: true, force: true });
  });

  it('registers both functions in the function registry with this plugin as origin', () => {
    const registry = server.get(FUNCTION_REGISTRY);
    expect(registry.lookup('tpl_clamp')?.kind).to.equal('scalar');
    expect(registry.lookup('tpl_spread')?.kind).to.equal('aggregate');
    expect(registry.list().find((e) => e.fn.name === 'tpl_clamp')?.origin).to.contain('__NAME__');
  });

  it('clamps column values, passes NULL through, and accepts integer arguments', async () => {
    expect(await sql(query, 'SELECT ts, tpl_clamp(usage, 0, 100) FROM cpu WHERE host = \'a\' ORDER BY ts')).to.deep.equal([
      [1000, 100], [2000, 0], [3000, 50],
    ]);
    expect(await sql(query, "SELECT tpl_clamp(usage, 0, 10) FROM cpu WHERE host = 'b' ORDER BY ts")).to.deep.equal([[null], [7.5]]);
    expect(await sql(query, "SELECT tpl_clamp(n, 2, 3) FROM cpu WHERE host = 'a' ORDER BY ts")).to.deep.equal([[2], [2], [3]]);
  });

  it('rejects lo > hi as INVALID_ARGUMENTS', async () => {
    let code = '';
    try { await sql(query, 'SELECT tpl_clamp(usage, 10, 0) FROM cpu'); } catch (e) { code = (e as { code: string }).code; }
    expect(code).to.equal('INVALID_ARGUMENTS');
  });

  it('computes the spread per group, NULL for a group without values', async () => {
    expect(await sql(query, 'SELECT host, tpl_spread(usage) FROM cpu GROUP BY host ORDER BY host')).to.deep.equal([['a', 155], ['b', 0]]);
    expect(await sql(query, 'SELECT tpl_spread(usage) FROM cpu WHERE usage > 1000')).to.deep.equal([[null]]);
  });

  it('gives NULL for a NaN input by default, NaN with clampNaN: keep', () => {
    const ctx = { rowCount: 2, timezone: 'UTC' };
    const f64 = (xs: number[]) => arrow.vectorFromArray(xs, new arrow.Float64());
    const args = [f64([NaN, 5]), f64([0, 0]), f64([1, 1])];
    expect([...clampFunction({ prefix: 't', clampNaN: 'null' }).invoke(args, ctx)]).to.deep.equal([null, 1]);
    const kept = [...clampFunction({ prefix: 't', clampNaN: 'keep' }).invoke(args, ctx)] as number[];
    expect(Number.isNaN(kept[0])).to.equal(true);
    expect(kept[1]).to.equal(1);
  });

  it('merges partial states, and serializes them losslessly', () => {
    const f = spreadFunction({ prefix: 'tpl', clampNaN: 'null' });
    const v = arrow.vectorFromArray([3, 9, null, -2, 4], new arrow.Float64());
    const ctx = { rowCount: 5, timezone: 'UTC' };
    const left = f.update(f.init(), [v], Uint32Array.of(0, 1), ctx);
    const right = f.update(f.init(), [v], Uint32Array.of(2, 3, 4), ctx);
    const whole = f.update(f.init(), [v], null, ctx);
    const merged = f.merge(f.deserialize!(f.serialize!(left)), f.deserialize!(f.serialize!(right)));
    expect(f.finalize(merged)).to.equal(11);
    expect(f.finalize(merged)).to.equal(f.finalize(whole));
    expect(() => f.deserialize!(new Uint8Array(3))).to.throw(/partial state has 3 bytes/);
  });
});
