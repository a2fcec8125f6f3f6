import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { SCRIPTS, StrataServer, type PluginDefinition } from '@strata/kernel';
import coprocessorPython from '@strata/coprocessor-python';
import engineLsm from '@strata/engine-lsm';
import protocolHttp from '@strata/protocol-http';
import storeFs from '@strata/store-fs';
import walLocal from '@strata/wal-local';

type Json = Record<string, unknown>;
interface Answer { status: number; body: Json; text: string }

const COMPUTED = `
@copr(args=["host", "usage_user", "usage_system"], returns=["host", "total"],
      sql="select host, usage_user, usage_system from cpu order by host")
def total(host, user, system) -> (vector[str], vector[f64]):
    return host, user + system
`;

const MASK = `
from greptime import vector

@copr(args=["host", "usage_user"], returns=["host", "usage_user"],
      sql="select host, usage_user from cpu order by host")
def busy(host, usage, **kwargs) -> (vector[str], vector[f64]):
    threshold = float(kwargs.get("threshold", "50"))
    keep = usage > threshold
    return host[keep], usage[keep]
`;

const AGGREGATE = `
from greptime import *

@copr(args=["usage_user"], returns=["avg", "max", "p50", "n"], sql="select usage_user from cpu")
def stats(u) -> (vector[f64], vector[f64], vector[f64], vector[i64]):
    return vector([mean(u)]), vector([max(u)]), vector([percentile(u, 50)]), vector([count(u)])
`;

const QUERY = `
from greptime import query

@copr(returns=["host", "doubled"])
def twice() -> (vector[str], vector[f64]):
    cols = query().sql("select host, usage_user from cpu order by host")
    return cols["host"], cols[1] * 2
`;

/**
 * Python scripts end to end: a real server (store-fs + wal-local +
 * engine-lsm + the kernel's SQL engine + protocol-http + coprocessor-python)
 * on 127.0.0.1:0, scripts submitted and run over HTTP as GreptimeDB clients do.
 */
describe('e2e coprocessor-python: /v1/scripts and /v1/run-script over the real engine', function () {
  this.timeout(90_000);
  let dir: string;
  let server: StrataServer;
  let url: string;

  const compose = () => StrataServer.fromDefinitions([
    { definition: storeFs as PluginDefinition },
    { definition: walLocal as PluginDefinition },
    { definition: engineLsm as PluginDefinition },
    { definition: protocolHttp as PluginDefinition, options: { host: '127.0.0.1', port: 0 } },
    { definition: coprocessorPython as PluginDefinition, options: { workers: 2, timeoutMs: '2s', interruptGraceMs: '500ms' } },
  ], { dataHome: dir }, { logLevel: 'silent', processMetrics: false });

  async function startServer(): Promise<void> {
    server = await compose();
    await server.start();
    url = server.addresses().find((a) => a.protocol === 'http')!.url;
  }

  async function post(pathAndQuery: string, body?: string): Promise<Answer> {
    const r = await fetch(`${url}${pathAndQuery}`, { method: 'POST', ...(body !== undefined ? { body } : {}) });
    const text = await r.text();
    return { status: r.status, body: JSON.parse(text) as Json, text };
  }

  const sql = (statement: string) => post(`/v1/sql?db=public&sql=${encodeURIComponent(statement)}`);
  const submit = (name: string, source: string) => post(`/v1/scripts?db=public&name=${name}`, source);
  const runScript = (name: string, params = '') => post(`/v1/run-script?db=public&name=${name}${params}`);

  function rowsOf(a: Answer): unknown[][] {
    expect(a.status, a.text).to.equal(200);
    return ((a.body.output as Json[])[0]!.records as { rows: unknown[][] }).rows;
  }

  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'strata-e2e-copr-'));
    await startServer();
    const created = await sql(`CREATE TABLE cpu (host STRING, ts TIMESTAMP TIME INDEX, usage_user DOUBLE, usage_system DOUBLE, PRIMARY KEY(host));
      INSERT INTO cpu VALUES ('a', 1700000000000, 10.0, 1.0), ('b', 1700000000000, 60.0, 2.0), ('c', 1700000000000, 90.0, 3.0)`);
    expect(created.status, created.text).to.equal(200);
  });

  after(async () => {
    await server?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('a computed column over the script\'s own SQL, answered in the /v1/sql JSON shape', async () => {
    const s = await submit('total', COMPUTED);
    expect(s.status, s.text).to.equal(200);
    const a = await runScript('total');
    expect((a.body.output as Json[])[0]).to.deep.equal({
      records: {
        schema: { column_schemas: [{ name: 'host', data_type: 'String' }, { name: 'total', data_type: 'Float64' }] },
        rows: [['a', 11], ['b', 62], ['c', 93]],
        total_rows: 3,
      },
    });
  });

  it('a filter with boolean masks, with a threshold passed as a query parameter (**kwargs)', async () => {
    expect((await submit('busy', MASK)).status).to.equal(200);
    expect(rowsOf(await runScript('busy'))).to.deep.equal([['b', 60], ['c', 90]]);
    expect(rowsOf(await runScript('busy', '&threshold=80'))).to.deep.equal([['c', 90]]);
  });

  it('an aggregate script', async () => {
    expect((await submit('stats', AGGREGATE)).status).to.equal(200);
    expect(rowsOf(await runScript('stats'))).to.deep.equal([[(10 + 60 + 90) / 3, 90, 60, 3]]);
  });

  it('a script that runs SQL itself with query()', async () => {
    expect((await submit('twice', QUERY)).status).to.equal(200);
    expect(rowsOf(await runScript('twice'))).to.deep.equal([['a', 20], ['b', 120], ['c', 180]]);
  });

  it('lists stored scripts in SQL as GreptimeDB\'s public.scripts table; a deleted script leaves it', async () => {
    expect(rowsOf(await sql("SELECT schema, name, engine, script FROM scripts WHERE name = 'total'"))).to.deep.equal([['public', 'total', 'python', COMPUTED]]);
    expect(rowsOf(await sql('SELECT name FROM public.scripts ORDER BY name')).flat()).to.deep.equal(['busy', 'stats', 'total', 'twice']);
    const [[created, modified]] = rowsOf(await sql("SELECT gmt_created, gmt_modified FROM scripts WHERE name = 'busy'")) as number[][];
    expect(created).to.be.a('number').within(Date.now() - 600_000, Date.now());
    expect(modified).to.be.at.least(created!);
    expect(rowsOf(await sql('SHOW TABLES')).flat()).to.deep.equal(['cpu', 'scripts']);

    expect((await submit('gone', '@copr(returns=["x"])\ndef f() -> vector[i64]:\n    return vector([1])\n')).status).to.equal(200);
    expect(rowsOf(await sql("SELECT count(*) FROM scripts WHERE name = 'gone'"))).to.deep.equal([[1]]);
    expect(await server.get(SCRIPTS).delete('public', 'gone')).to.equal(true);
    expect(rowsOf(await sql("SELECT count(*) FROM scripts WHERE name = 'gone'"))).to.deep.equal([[0]]);

    // and by name over HTTP
    expect((await submit('gone2', '@copr(returns=["x"])\ndef f() -> vector[i64]:\n    return vector([1])\n')).status).to.equal(200);
    const del = async (name: string) => {
      const r = await fetch(`${url}/v1/scripts?db=public&name=${name}`, { method: 'DELETE' });
      return { status: r.status, body: await r.json() as Json };
    };
    const first = await del('gone2');
    expect(first.status).to.equal(200);
    expect(first.body.output).to.deep.equal([{ affectedrows: 1 }]);
    expect((await del('gone2')).body.output).to.deep.equal([{ affectedrows: 0 }]);
    expect(rowsOf(await sql("SELECT count(*) FROM scripts WHERE name = 'gone2'"))).to.deep.equal([[0]]);
    expect((await runScript('gone2')).status).to.be.within(400, 599);
  });

  it('errors: a syntax error at submit (line), a Python exception (traceback), an unknown script', async () => {
    const bad = await submit('bad', '@copr(returns=["x"])\ndef f(:\n    pass\n');
    expect(bad.status).to.equal(400);
    expect(bad.body.code).to.equal(2000);
    expect(bad.body.error).to.match(/line 2/);

    expect((await submit('boom', '@copr(returns=["x"])\ndef f():\n    return {}["missing"]\n')).status).to.equal(200);
    const boom = await runScript('boom');
    expect(boom.status).to.equal(500);
    expect(boom.body.code).to.equal(3001);
    expect(boom.body.error).to.contain('File "<script boom>", line 3, in f');
    expect(boom.body.error).to.contain("KeyError: 'missing'");

    const missing = await runScript('nope');
    expect(missing.status).to.equal(400);
    expect(missing.body.error).to.equal('Script not found: public.nope');
  });

  it('an endless script times out with 504 and the server keeps serving', async () => {
    expect((await submit('spin', '@copr(returns=["x"])\ndef f():\n    while True:\n        pass\n')).status).to.equal(200);
    const spin = await runScript('spin');
    expect(spin.status).to.equal(504);
    expect(spin.body.code).to.equal(1008);
    expect(rowsOf(await runScript('total'))).to.have.length(3);
  });

  it('runs several scripts at once', async () => {
    const answers = await Promise.all(['total', 'busy', 'stats', 'twice', 'total', 'busy'].map((n) => runScript(n)));
    for (const a of answers) expect(a.status, a.text).to.equal(200);
    expect(rowsOf(answers[0]!)).to.deep.equal(rowsOf(answers[4]!));
    expect(rowsOf(answers[1]!)).to.deep.equal([['b', 60], ['c', 90]]);
  });

  it('query() runs an INSERT (one affectedrows column) and string NULLs reach the script as None', async () => {
    expect((await sql('CREATE TABLE notes (ts TIMESTAMP TIME INDEX, host STRING, note STRING, PRIMARY KEY(host))')).status).to.equal(200);
    const WRITER = `
from greptime import query

@copr(returns=["written", "nulls"])
def w() -> (vector[i64], vector[i64]):
    n = query().sql("INSERT INTO notes VALUES (1, 'a', 'x'), (2, 'b', NULL), (3, 'c', NULL)")
    notes = query().sql("select note from notes order by ts")[0]
    return vector([n["affectedrows"][0]]), vector([len([x for x in notes if x is None])])
`;
    expect((await submit('writer', WRITER)).status).to.equal(200);
    const out = await runScript('writer');
    expect(out.status, out.text).to.equal(200);
    expect(rowsOf(out)).to.deep.equal([[3, 2]]);
    expect(rowsOf(await sql('SELECT host, note FROM notes ORDER BY ts'))).to.deep.equal([['a', 'x'], ['b', null], ['c', null]]);
  });

  it('keeps stored scripts across a restart', async () => {
    await server.stop();
    await startServer();
    expect(rowsOf(await runScript('total'))).to.deep.equal([['a', 11], ['b', 62], ['c', 93]]);
    expect(rowsOf(await sql("SELECT name FROM scripts WHERE name = 'total'"))).to.deep.equal([['total']]);
  });
});
