import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import * as arrow from 'apache-arrow';
import { COPROCESSOR, QUERY, StrataServer, createSession, type Coprocessor } from '@strata/kernel';
import engineLsm from '@strata/engine-lsm';
import storeFs from '@strata/store-fs';
import walLocal from '@strata/wal-local';
import plugin from '../src/index.js';

const LOAD = [
  '-- load per host, from the table itself',
  '-- @sql SELECT host, cpu, mem FROM stats ORDER BY host',
  '-- @args cpu, mem',
  'load = (cpu + mem) / 2',
  'hot = load > $limit and not (mem == 0)',
  'ratio = round(cpu / mem * 100) / 100',
].join('\n');

const columnValues = (t: arrow.Table, name: string) => [...t.getChild(name)!].map((v) => (v === null ? null : v));

async function errorOf(p: Promise<unknown>): Promise<{ code?: string; message: string; line?: number; column?: number }> {
  return p.then(() => ({ message: 'no error' }), (e: { code?: string; message: string; line?: number; column?: number }) => e);
}

describe('__NAME__ coprocessor', function () {
  this.timeout(30_000);
  let dataHome: string;
  let server: StrataServer;
  let copr: Coprocessor;
  const session = createSession({ channel: 'internal' });

  before(async () => {
    dataHome = await mkdtemp(path.join(os.tmpdir(), '__NAME__-'));
    server = await StrataServer.fromDefinitions([
      { definition: storeFs, options: { fsync: false } },
      { definition: walLocal, options: { syncMode: 'none' } },
      { definition: engineLsm },
      { definition: plugin, options: { maxRows: 1000 } },
    ], { dataHome }, { logLevel: 'silent', processMetrics: false });
    await server.start();
    copr = server.getAll(COPROCESSOR).find((c) => c.language === '__NAME__')!;
    for await (const _ of server.get(QUERY).execute(
      "CREATE TABLE stats (host STRING, ts TIMESTAMP TIME INDEX, cpu DOUBLE, mem BIGINT, PRIMARY KEY (host)); INSERT INTO stats VALUES ('a', 1, 50, 30), ('b', 1, 90, 0), ('c', 1, null, 10)",
      session)) { /* consume */ }
  });
  after(async () => {
    await server.stop();
    await rm(dataHome, { recursive: true, force: true });
  });

  it('is bound under COPROCESSOR with its language', () => {
    expect(copr).to.not.equal(undefined);
    expect(copr.language).to.equal('__NAME__');
  });

  it('compiles a script into its signature (args, typed returns, input query)', async () => {
    expect(await copr.compile('load', LOAD)).to.deep.equal({
      name: 'load', args: ['cpu', 'mem'], sql: 'SELECT host, cpu, mem FROM stats ORDER BY host',
      returns: [{ name: 'load', type: { name: 'Float64' } }, { name: 'hot', type: { name: 'Boolean' } }, { name: 'ratio', type: { name: 'Float64' } }],
    });
  });

  it('runs over its own @sql on the real server: NULL in gives NULL out, x / 0 gives NULL', async () => {
    const t = await copr.run('load', LOAD, undefined, { limit: '40' }, session);
    expect(t.schema.fields.map((f) => `${f.name}:${f.type}`)).to.deep.equal(['load:Float64', 'hot:Bool', 'ratio:Float64']);
    expect(columnValues(t, 'load')).to.deep.equal([40, 45, null]);
    expect(columnValues(t, 'hot')).to.deep.equal([false, false, null]);
    expect(columnValues(t, 'ratio')).to.deep.equal([1.67, null, null]);
  });

  it('runs over a table it is given, with parameters', async () => {
    const input = new arrow.Table({ x: arrow.vectorFromArray([1, -4, 9], new arrow.Float64()) });
    const t = await copr.run('p', '-- @args x\ny = max(abs(x), $floor) * -2 % 7\nz = sqrt(abs(x))', input, { floor: '2' }, session);
    expect(columnValues(t, 'y')).to.deep.equal([-4, -1, -4]);
    expect(columnValues(t, 'z')).to.deep.equal([1, 2, 3]);
  });

  it('reports syntax errors with line and column, and bad input clearly', async () => {
    const bad = await errorOf(copr.compile('bad', '-- @args x\ny = (x + 1\n'));
    expect(bad.code).to.equal('INVALID_SYNTAX');
    expect(bad.message).to.contain("line 2, column 11: expected ')' before the end of the line");
    expect((await errorOf(copr.compile('bad', '-- @args x\ny = x ^ 2'))).message).to.contain("line 2, column 7: unexpected character '^'");
    expect((await errorOf(copr.compile('bad', 'y = nope + 1'))).message).to.contain("'nope' is neither in @args nor an earlier output");
    expect((await errorOf(copr.compile('bad', '-- @args x\ny = pow(x, 2)'))).message).to.contain("unknown function 'pow'");
    const missing = await errorOf(copr.run('load', LOAD, undefined, {}, session));
    expect(missing.code).to.equal('INVALID_ARGUMENTS');
    expect(missing.message).to.contain('parameter $limit was not given');
    const noInput = await errorOf(copr.run('x', '-- @args v\nw = v', undefined, {}, session));
    expect(noInput.message).to.contain('no input');
  });

  it('refuses more input rows than maxRows', async () => {
    const input = new arrow.Table({ x: arrow.makeVector(new Float64Array(1001)) });
    expect((await errorOf(copr.run('big', '-- @args x\ny = x', input, {}, session))).code).to.equal('RESOURCES_EXHAUSTED');
  });
});
