import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { FUNCTION_REGISTRY, QUERY, StrataServer, createSession, type QueryService } from '@strata/kernel';
import engineLsm from '@strata/engine-lsm';
import storeFs from '@strata/store-fs';
import walLocal from '@strata/wal-local';
import plugin from '../src/index.js';

/** Runs SQL and returns the rows of the last statement as arrays (or the affected count). */
async function sql(query: QueryService, text: string): Promise<unknown[][] | number> {
  let result: unknown[][] | number = 0;
  for await (const out of query.execute(text, createSession({ channel: 'internal' }))) {
    if (out.kind === 'affected') { result = out.affectedRows; continue; }
    const rows: unknown[][] = [];
    for await (const b of out.batches) for (let r = 0; r < b.numRows; r++) rows.push(b.schema.fields.map((_, c) => b.getChildAt(c)!.get(r)));
    result = rows;
  }
  return result;
}

describe('functions-example', function () {
  this.timeout(30_000);
  let dataHome: string;
  let server: StrataServer;
  let query: QueryService;

  before(async () => {
    dataHome = await mkdtemp(path.join(os.tmpdir(), 'functions-example-'));
    server = await StrataServer.fromDefinitions([
      { definition: storeFs, options: { fsync: false } },
      { definition: walLocal, options: { syncMode: 'none' } },
      { definition: engineLsm },
      { definition: plugin, options: { prefix: 'ex_' } },
    ], { dataHome }, { logLevel: 'silent', processMetrics: false });
    await server.start();
    query = server.get(QUERY);
    await sql(query, 'CREATE TABLE t (host STRING, ts TIMESTAMP TIME INDEX, v DOUBLE, w DOUBLE, PRIMARY KEY (host))');
    await sql(query, "INSERT INTO t VALUES ('a', 1000, 150.0, 1), ('a', 2000, -5.0, 3), ('a', 3000, 50.0, 0), ('b', 1000, null, 4), ('b', 2000, 10, 2), ('b', 3000, 20, 2)");
  });
  after(async () => {
    await server.stop();
    await rm(dataHome, { recursive: true, force: true });
  });

  it('registers every function with the plugin as origin (prefix applied)', () => {
    const reg = server.get(FUNCTION_REGISTRY);
    const mine = reg.list().filter((e) => e.origin.includes('functions-example')).map((e) => `${e.fn.name}:${e.fn.kind}`).sort();
    expect(mine).to.deep.equal(['ex_c_to_f:scalar', 'ex_clip:scalar', 'ex_ema:window', 'ex_modified_rank:window', 'ex_sliding_sum:window', 'ex_weighted_avg:aggregate']);
  });

  it('scalars: clip and c_to_f over stored rows, NULL propagated', async () => {
    expect(await sql(query, "SELECT ex_clip(v, 0, 100), ex_c_to_f(v) FROM t WHERE host = 'a' ORDER BY ts")).to.deep.equal([[100, 302], [0, 23], [50, 122]]);
    expect(await sql(query, "SELECT ex_clip(v, 0, 100) FROM t WHERE host = 'b' ORDER BY ts")).to.deep.equal([[null], [10], [20]]);
  });

  it('clip with lo > hi is INVALID_ARGUMENTS naming the function', async () => {
    let err: { code?: string; message?: string } = {};
    try { await sql(query, 'SELECT ex_clip(v, 10, 0) FROM t'); } catch (e) { err = e as typeof err; }
    expect(err.code).to.equal('INVALID_ARGUMENTS');
    expect(err.message).to.match(/function 'ex_clip'.*lower bound 10 is greater than upper bound 0/);
  });

  it('weighted_avg per group equals sum(v*w)/sum(w)', async () => {
    const got = await sql(query, 'SELECT host, ex_weighted_avg(v, w), sum(v * w) / sum(w) FROM t WHERE v IS NOT NULL GROUP BY host ORDER BY host') as number[][];
    for (const r of got) expect(r[1]).to.be.closeTo(r[2]!, 1e-9);
    expect(got.map((r) => r[0])).to.deep.equal(['a', 'b']);
  });

  it('window functions: ema, sliding_sum over ROWS, modified_rank', async () => {
    expect(await sql(query, "SELECT ex_ema(v, 0.5) OVER (ORDER BY ts) FROM t WHERE host = 'a' ORDER BY ts")).to.deep.equal([[150], [72.5], [61.25]]);
    expect(await sql(query, "SELECT ex_sliding_sum(v) OVER (PARTITION BY host ORDER BY ts ROWS BETWEEN 1 PRECEDING AND CURRENT ROW) FROM t ORDER BY host, ts"))
      .to.deep.equal([[150], [145], [45], [null], [10], [30]]);
    expect(await sql(query, 'SELECT ex_modified_rank() OVER (ORDER BY w) FROM t ORDER BY w, host, ts')).to.deep.equal([[1n], [2n], [4n], [4n], [5n], [6n]]);
  });
});
