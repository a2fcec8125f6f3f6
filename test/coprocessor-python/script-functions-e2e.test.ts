import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { StrataServer, type PluginDefinition } from '@strata/kernel';
import coprocessorPython from '@strata/coprocessor-python';
import engineLsm from '@strata/engine-lsm';
import protocolHttp from '@strata/protocol-http';
import protocolMysql from '@strata/protocol-mysql';
import protocolPostgres from '@strata/protocol-postgres';
import storeFs from '@strata/store-fs';
import walLocal from '@strata/wal-local';

type Json = Record<string, unknown>;
interface Answer { status: number; body: Json; text: string }

const DOUBLE_IT = '@copr(args=["v"], returns=["r"])\ndef double_it(v):\n    return v * 2\n';
const TRIPLE_IT = '@copr(args=["v"], returns=["r"])\ndef double_it(v):\n    return v * 3\n';
/** Each row gets the size of the batch it was evaluated in. */
const BATCH_LEN = '@copr(args=["v"], returns=["n"])\ndef batch_len(v) -> vector[i64]:\n    return vector([len(v)] * len(v))\n';
const LABEL = '@copr(args=["h", "v"], returns=["label"])\ndef label(h, v) -> vector[str]:\n    return vector([f"{a}:{b}" for a, b in zip(h, v)])\n';
const BOOM = '@copr(args=["v"], returns=["r"])\ndef boom(v):\n    x = 1\n    raise ValueError("no good")\n';
const TWO = '@copr(args=["v"], returns=["a", "b"])\ndef two(v):\n    return v, v\n';
const IS_NONE = '@copr(args=["v"], returns=["missing"])\ndef is_none(v) -> vector[bool]:\n    return vector([x is None for x in v])\n';
const ABS = '@copr(args=["v"], returns=["r"])\ndef abs(v):\n    return v * 100\n';

/**
 * Stored Python scripts called as SQL scalar functions, end to end: a real
 * server (store-fs + wal-local + engine-lsm + the kernel's SQL engine +
 * protocol-http, -mysql, -postgres + coprocessor-python) on 127.0.0.1,
 * scripts submitted over HTTP and called from /v1/sql, mysql2 and pg.
 */
describe('e2e coprocessor-python: stored scripts as SQL functions', function () {
  this.timeout(120_000);
  let dir: string;
  let server: StrataServer;
  let url: string;

  async function post(pathAndQuery: string, body?: string): Promise<Answer> {
    const r = await fetch(`${url}${pathAndQuery}`, { method: 'POST', ...(body !== undefined ? { body } : {}) });
    const text = await r.text();
    return { status: r.status, body: text ? JSON.parse(text) as Json : {}, text };
  }
  const sql = (statement: string, db = 'public') => post(`/v1/sql?db=${db}&sql=${encodeURIComponent(statement)}`);
  const submit = (name: string, source: string) => post(`/v1/scripts?db=public&name=${name}`, source);
  const del = async (name: string) => (await fetch(`${url}/v1/scripts?db=public&name=${name}`, { method: 'DELETE' })).status;

  function rowsOf(a: Answer): unknown[][] {
    expect(a.status, a.text).to.equal(200);
    return ((a.body.output as Json[])[0]!.records as { rows: unknown[][] }).rows;
  }

  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'strata-e2e-copr-fn-'));
    server = await StrataServer.fromDefinitions([
      { definition: storeFs as PluginDefinition },
      { definition: walLocal as PluginDefinition },
      { definition: engineLsm as PluginDefinition },
      { definition: protocolHttp as PluginDefinition, options: { host: '127.0.0.1', port: 0 } },
      { definition: protocolMysql as PluginDefinition, options: { port: 0 } },
      { definition: protocolPostgres as PluginDefinition, options: { port: 0 } },
      { definition: coprocessorPython as PluginDefinition, options: { workers: 1, timeoutMs: '10s' } },
    ], { dataHome: dir }, { logLevel: 'silent', processMetrics: false });
    await server.start();
    url = server.addresses().find((a) => a.protocol === 'http')!.url;
    const created = await sql(`CREATE TABLE t (host STRING, ts TIMESTAMP TIME INDEX, cpu DOUBLE, n BIGINT, PRIMARY KEY(host));
      INSERT INTO t VALUES ('a', 1700000000000, 10.5, 1), ('b', 1700000000000, 60.0, NULL), ('c', 1700000000000, NULL, 3), ('d', 1700000000000, 90.0, 4)`);
    expect(created.status, created.text).to.equal(200);
    for (const [name, src] of [['double_it', DOUBLE_IT], ['batch_len', BATCH_LEN], ['label', LABEL], ['boom', BOOM], ['two', TWO], ['is_none', IS_NONE], ['abs', ABS]] as const) {
      const s = await submit(name, src);
      expect(s.status, s.text).to.equal(200);
    }
  });

  after(async () => {
    await server?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('in the select list, over /v1/sql: one result column named after the call, typed like its argument', async () => {
    const a = await sql('SELECT host, double_it(cpu) FROM t ORDER BY host');
    expect(rowsOf(a)).to.deep.equal([['a', 21], ['b', 120], ['c', null], ['d', 180]]);
    const schema = ((a.body.output as Json[])[0]!.records as { schema: { column_schemas: Json[] } }).schema.column_schemas;
    expect(schema).to.deep.equal([{ name: 'host', data_type: 'String' }, { name: 'double_it(cpu)', data_type: 'Float64' }]);
    // an Int64 argument gives an Int64 result; two arguments; a declared string result
    expect(rowsOf(await sql('SELECT host, double_it(n), label(host, cpu) FROM t ORDER BY host'))).to.deep.equal([
      ['a', 2, 'a:10.5'], ['b', null, 'b:60.0'], ['c', 6, 'c:None'], ['d', 8, 'd:90.0'],
    ]);
    // inside expressions, with an alias
    expect(rowsOf(await sql('SELECT double_it(cpu) + 1 AS x FROM t WHERE host = \'a\''))).to.deep.equal([[22]]);
  });

  it('in WHERE, and in an aggregate argument (evaluated below the aggregate)', async () => {
    expect(rowsOf(await sql('SELECT host FROM t WHERE double_it(cpu) > 100 ORDER BY host'))).to.deep.equal([['b'], ['d']]);
    expect(rowsOf(await sql('SELECT sum(double_it(cpu)), count(double_it(cpu)) FROM t'))).to.deep.equal([[(10.5 + 60 + 90) * 2, 3]]);
    expect(rowsOf(await sql('SELECT host FROM t WHERE cpu IS NOT NULL ORDER BY double_it(cpu) DESC LIMIT 2'))).to.deep.equal([['d'], ['b']]);
  });

  it('NULLs reach the script as None and come back as NULL', async () => {
    expect(rowsOf(await sql('SELECT host, is_none(cpu), is_none(n) FROM t ORDER BY host'))).to.deep.equal([
      ['a', false, false], ['b', false, true], ['c', true, false], ['d', false, false],
    ]);
    expect(rowsOf(await sql('SELECT double_it(NULL)'))).to.deep.equal([[null]]);
  });

  it('runs once per batch over many rows (never per row), with the right values', async () => {
    const lines: string[] = [];
    const rows = 30_000;
    for (let i = 0; i < rows; i++) lines.push(`big,host=h${i % 7} v=${i} ${1_700_000_000_000 + i}`);
    const w = await fetch(`${url}/v1/influxdb/write?db=public&precision=ms`, { method: 'POST', body: lines.join('\n') });
    expect(w.status).to.equal(204);
    const [[total, sum, minLen, maxLen]] = rowsOf(await sql('SELECT count(*), sum(double_it(v)), min(batch_len(v)), max(batch_len(v)) FROM big')) as number[][];
    expect(total).to.equal(rows);
    expect(sum).to.equal(rows * (rows - 1));
    // several batches, each of many rows
    expect(maxLen).to.be.below(rows);
    expect(minLen).to.be.above(1);
  });

  it('errors: a Python exception with its line, a wrong argument count, a script with two result columns', async () => {
    const boom = await sql('SELECT boom(cpu) FROM t');
    expect(boom.status).to.be.within(400, 599);
    expect(boom.body.code).to.equal(3001);
    expect(boom.body.error).to.contain('File "<script boom>", line 4, in boom');
    expect(boom.body.error).to.contain('ValueError: no good');

    const argc = await sql('SELECT double_it(cpu, n) FROM t');
    expect(argc.status).to.equal(400);
    expect(argc.body.code).to.equal(3000);
    expect(argc.body.error).to.match(/No function matches double_it\(Float64, Int64\); expected double_it\(any\)/);

    const two = await sql('SELECT two(cpu) FROM t');
    expect(two.status).to.equal(400);
    expect(two.body.code).to.equal(3000);
    expect(two.body.error).to.contain("script 'two' returns 2 columns (a, b)");
  });

  it('built-in functions take precedence over a script of the same name', async () => {
    expect(rowsOf(await sql('SELECT abs(-2.5)'))).to.deep.equal([[2.5]]);
  });

  it('a replaced script is used by the next statement; a deleted one is an unknown function; other databases do not see it', async () => {
    expect((await submit('double_it', TRIPLE_IT)).status).to.equal(200);
    expect(rowsOf(await sql("SELECT double_it(cpu) FROM t WHERE host = 'd'"))).to.deep.equal([[270]]);
    expect((await submit('double_it', DOUBLE_IT)).status).to.equal(200);
    expect(rowsOf(await sql("SELECT double_it(cpu) FROM t WHERE host = 'd'"))).to.deep.equal([[180]]);

    expect((await sql('CREATE DATABASE other')).status).to.equal(200);
    const elsewhere = await sql('SELECT double_it(1.0)', 'other');
    expect(elsewhere.status).to.equal(400);
    expect(elsewhere.body.error).to.contain("Invalid function 'double_it'");

    expect((await submit('gone', DOUBLE_IT)).status).to.equal(200);
    expect(rowsOf(await sql('SELECT gone(2.0)'))).to.deep.equal([[4]]);
    expect(await del('gone')).to.equal(200);
    const gone = await sql('SELECT gone(2.0)');
    expect(gone.status).to.equal(400);
    expect(gone.body.code).to.equal(3000);
    expect(gone.body.error).to.contain("Invalid function 'gone'");
  });

  it('EXPLAIN shows the call and it is not folded into a constant', async () => {
    const plan = rowsOf(await sql('EXPLAIN SELECT double_it(2.0)')).map((r) => String(r[1])).join('\n');
    expect(plan).to.match(/Projection: double_it\(2\) AS /);
  });

  it('through a real mysql2 client and a real pg client', async () => {
    const my = await mysql.createConnection({ host: '127.0.0.1', port: server.addresses().find((a) => a.protocol === 'mysql')!.port, user: 'root', database: 'public' });
    try {
      const [rows] = await my.query('SELECT host, double_it(cpu) AS d FROM t WHERE double_it(cpu) > 100 ORDER BY host') as [Array<Record<string, unknown>>, unknown];
      expect(rows).to.deep.equal([{ host: 'b', d: 120 }, { host: 'd', d: 180 }]);
      const err = await my.query('SELECT boom(cpu) FROM t').then(() => undefined, (e: { message: string }) => e);
      expect(err?.message).to.contain('ValueError: no good');
    } finally { await my.end(); }

    const client = new pg.Client({ host: '127.0.0.1', port: server.addresses().find((a) => a.protocol === 'postgres')!.port, user: 'greptime', database: 'public' });
    await client.connect();
    try {
      const r = await client.query('SELECT host, double_it(cpu) AS d FROM t ORDER BY host');
      expect(r.rows).to.deep.equal([{ host: 'a', d: 21 }, { host: 'b', d: 120 }, { host: 'c', d: null }, { host: 'd', d: 180 }]);
      const err = await client.query('SELECT double_it(cpu, cpu) FROM t').then(() => undefined, (e: { message: string }) => e);
      expect(err?.message).to.contain('No function matches double_it');
    } finally { await client.end(); }
  });
});
