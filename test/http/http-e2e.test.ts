import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { expect } from 'chai';
import * as arrow from 'apache-arrow';
import { StrataServer, type PluginDefinition } from '@strata/kernel';
import engineLsm from '@strata/engine-lsm';
import storeFs from '@strata/store-fs';
import walLocal from '@strata/wal-local';
import authStatic from '@strata/auth-static';
import protocolHttp, { ProtoReader, ProtoWriter, snappyCompress, snappyDecompress } from '@strata/protocol-http';

type Json = Record<string, unknown>;
interface SqlAnswer { status: number; body: Json; text: string }

/**
 * A real server (store-fs + wal-local + engine-lsm + the kernel's query
 * engine + protocol-http) on 127.0.0.1:0, driven over HTTP with fetch.
 */
describe('e2e http: GreptimeDB HTTP API over the real engine', function () {
  this.timeout(60_000);
  let dir: string;
  let server: StrataServer;
  let url: string;

  async function sql(statement: string, db = 'public', headers: Record<string, string> = {}): Promise<SqlAnswer> {
    const r = await fetch(`${url}/v1/sql?db=${db}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, body: new URLSearchParams({ sql: statement }).toString() });
    const text = await r.text();
    return { status: r.status, body: JSON.parse(text) as Json, text };
  }

  function rowsOf(a: SqlAnswer, i = 0): unknown[][] {
    expect(a.status, a.text).to.equal(200);
    return ((a.body.output as Json[])[i]!.records as { rows: unknown[][] }).rows;
  }

  function schemaOf(a: SqlAnswer, i = 0): Array<{ name: string; data_type: string }> {
    return ((a.body.output as Json[])[i]!.records as { schema: { column_schemas: Array<{ name: string; data_type: string }> } }).schema.column_schemas;
  }

  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'strata-e2e-http-'));
    server = await StrataServer.fromDefinitions([
      { definition: storeFs as PluginDefinition },
      { definition: walLocal as PluginDefinition },
      { definition: engineLsm as PluginDefinition },
      { definition: protocolHttp as PluginDefinition, options: { port: 0 } },
    ], { dataHome: dir }, { logLevel: 'silent', processMetrics: false });
    await server.start();
    url = server.addresses().find((a) => a.protocol === 'http')!.url;
  });

  after(async () => {
    await server?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('listens on 127.0.0.1 and answers /health and /status', async () => {
    expect(url).to.match(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(await (await fetch(`${url}/health`)).json()).to.deep.equal({});
    expect(((await (await fetch(`${url}/status`)).json()) as Json).version).to.be.a('string');
  });

  it('runs DDL, DML and queries in one /v1/sql request with exact int64 and timestamps in their unit', async () => {
    const a = await sql(`CREATE TABLE monitor (host STRING, ts TIMESTAMP TIME INDEX, cpu DOUBLE, n BIGINT, PRIMARY KEY(host));
      INSERT INTO monitor VALUES ('127.0.0.1', 1667446797450, 0.1, 9007199254740993), ('127.0.0.2', 1667446798450, 0.5, -9223372036854775807);
      SELECT host, ts, cpu, n FROM monitor ORDER BY ts`);
    expect(a.status, a.text).to.equal(200);
    const out = a.body.output as Json[];
    expect(out[0]).to.deep.equal({ affectedrows: 0 });
    expect(out[1]).to.deep.equal({ affectedrows: 2 });
    expect(schemaOf(a, 2)).to.deep.equal([
      { name: 'host', data_type: 'String' }, { name: 'ts', data_type: 'TimestampMillisecond' },
      { name: 'cpu', data_type: 'Float64' }, { name: 'n', data_type: 'Int64' }]);
    expect(a.text).to.contain('["127.0.0.1",1667446797450,0.1,9007199254740993]');
    expect(a.text).to.contain('["127.0.0.2",1667446798450,0.5,-9223372036854775807]');
    expect(((out[2]!.records) as Json).total_rows).to.equal(2);
    expect(a.body.execution_time_ms).to.be.a('number');
  });

  it('answers GreptimeDB error shapes: unknown table 400/4001, bad syntax 400/2000', async () => {
    const nf = await sql('SELECT * FROM no_such_table');
    expect(nf.status).to.equal(400);
    expect(nf.body.code).to.equal(4001);
    expect(nf.body.error).to.match(/no_such_table/);
    const syn = await sql('SELEC oops');
    expect(syn.status).to.equal(400);
    expect(syn.body.code).to.equal(2000);
  });

  it('answers a failed cast, a division by zero and an unknown column with GreptimeDB\'s HTTP status and code', async () => {
    const cases: Array<[string, number, number, string]> = [
      ["SELECT CAST('x' AS INT)", 500, 3001, "Cast error: Cannot cast string 'x' to value of Int32 type"],
      ['SELECT 1 / 0', 500, 3001, 'Divide by zero error'],
      ['SELECT nope FROM monitor', 400, 3000, 'No field named nope.'],
      ['CREATE DATABASE public', 400, 4011, 'Database already exists: public'],
    ];
    for (const [q, status, code, error] of cases) {
      const r = await sql(q);
      expect([r.status, r.body.code], `${q}: ${r.text}`).to.deep.equal([status, code]);
      expect(String(r.body.error)).to.satisfy((e: string) => e.startsWith(error), r.text);
    }
  });

  it('serves csv and arrow formats from the engine', async () => {
    const csv = await fetch(`${url}/v1/sql?format=csvWithNames&sql=${encodeURIComponent('SELECT host, cpu FROM monitor ORDER BY ts')}`);
    expect(await csv.text()).to.equal('host,cpu\r\n127.0.0.1,0.1\r\n127.0.0.2,0.5\r\n');
    const a = await fetch(`${url}/v1/sql?format=arrow&sql=${encodeURIComponent('SELECT host, ts FROM monitor ORDER BY ts')}`);
    const t = arrow.tableFromIPC(new Uint8Array(await a.arrayBuffer()));
    expect(t.getChild('host')!.toArray()).to.deep.equal(['127.0.0.1', '127.0.0.2']);
    // One column selected twice shares its buffers in the batch; the IPC must still be whole.
    for (const accept of ['application/arrow', 'application/vnd.apache.arrow.stream']) {
      const twice = await fetch(`${url}/v1/sql?format=arrow&sql=${encodeURIComponent('SELECT cpu, cpu AS again, ts, ts AS t2 FROM monitor')}`, { headers: { accept } });
      const tt = arrow.tableFromIPC(new Uint8Array(await twice.arrayBuffer()));
      expect(tt.getChild('again')!.toArray()).to.deep.equal(Float64Array.from([0.1, 0.5]));
      expect(tt.getChild('t2')!.toArray()).to.deep.equal(tt.getChild('ts')!.toArray());
    }
  });

  it('reports where a query spent its time in Server-Timing: parse, plan, exec, encode, total', async () => {
    const timing = async (statement: string): Promise<Record<string, number>> => {
      const r = await fetch(`${url}/v1/sql?sql=${encodeURIComponent(statement)}`);
      expect(r.status).to.equal(200);
      const h = r.headers.get('server-timing') ?? '';
      const out: Record<string, number> = {};
      for (const part of h.split(',')) {
        const m = /^\s*(\w+);dur=(\d+\.\d{3})\s*$/.exec(part);
        expect(m, `metric '${part}' of '${h}'`).to.not.equal(null);
        out[m![1]!] = Number(m![2]);
      }
      return out;
    };
    // A text not seen before: parsed and planned.
    const t = await timing('SELECT host, max(cpu) FROM monitor WHERE cpu >= 0 GROUP BY host ORDER BY host');
    expect(Object.keys(t)).to.deep.equal(['parse', 'plan', 'exec', 'encode', 'total']);
    expect(t.parse!, 'a new text takes time to parse').to.be.greaterThan(0);
    expect(t.plan!, 'and to plan').to.be.greaterThan(0);
    for (const v of Object.values(t)) expect(v).to.be.at.least(0);
    // The stages happen one after another inside the request.
    expect(t.parse! + t.plan! + t.exec! + t.encode!).to.be.at.most(t.total! + 0.002);
    // A statement without a query plan (DDL) plans nothing.
    expect((await timing('CREATE TABLE IF NOT EXISTS monitor (host STRING, ts TIMESTAMP TIME INDEX, cpu DOUBLE, PRIMARY KEY(host))')).plan).to.equal(0);
  });

  it('InfluxDB line protocol creates and widens tables (tags, typed fields, greptime_timestamp ns)', async () => {
    const w1 = await fetch(`${url}/v1/influxdb/write?db=public&precision=ms`, { method: 'POST', body: 'weather,city=paris temp=12.5,count=3i,ok=t,note="a b" 1667446797450\nweather,city=oslo temp=-1 1667446798450' });
    expect(w1.status).to.equal(204);
    const w2 = await fetch(`${url}/v1/influxdb/api/v2/write?bucket=public&precision=s`, { method: 'POST', headers: { 'content-encoding': 'gzip' }, body: gzipSync('weather,city=rome,zone=s temp=20,wind=3.5 1667446799') });
    expect(w2.status).to.equal(204);
    const a = await sql('SELECT city, zone, temp, count, ok, note, wind, greptime_timestamp FROM weather ORDER BY greptime_timestamp');
    expect(rowsOf(a)).to.deep.equal([
      ['paris', null, 12.5, 3, true, 'a b', null, 1667446797450000000],
      ['oslo', null, -1, null, null, null, null, 1667446798450000000],
      ['rome', 's', 20, null, null, null, 3.5, 1667446799000000000],
    ]);
    expect(a.text).to.contain('1667446797450000000');
    const types = Object.fromEntries(schemaOf(a).map((c) => [c.name, c.data_type]));
    expect(types).to.include({ city: 'String', temp: 'Float64', count: 'Int64', ok: 'Boolean', note: 'String', greptime_timestamp: 'TimestampNanosecond' });
  });

  it('a batch with one malformed line writes nothing', async () => {
    const r = await fetch(`${url}/v1/influxdb/write`, { method: 'POST', body: 'atomic v=1 1\natomic v=2 2\natomic v=?? 3' });
    expect(r.status).to.equal(400);
    expect(((await r.json()) as Json).error).to.contain('line 3');
    const q = await sql('SELECT * FROM atomic');
    expect(q.status).to.equal(400);
    expect(q.body.code).to.equal(4001);
  });

  it('OpenTSDB put lands in a table named after the metric', async () => {
    const r = await fetch(`${url}/v1/opentsdb/api/put`, { method: 'POST', body: JSON.stringify([
      { metric: 'sys.cpu.nice', timestamp: 1667898896, value: 18, tags: { host: 'web01', dc: 'hz' } },
      { metric: 'sys.cpu.nice', timestamp: 1667898897000, value: 9, tags: { host: 'web02', dc: 'hz' } }]) });
    expect(r.status).to.equal(204);
    const a = await sql('SELECT host, greptime_value, greptime_timestamp FROM "sys.cpu.nice" ORDER BY greptime_timestamp');
    expect(rowsOf(a)).to.deep.equal([['web01', 18, 1667898896000], ['web02', 9, 1667898897000]]);
  });

  it('Prometheus remote write then remote read returns the samples', async () => {
    const series = (labels: Record<string, string>, samples: Array<[number, number]>) => {
      const ts = new ProtoWriter();
      for (const [n, v] of Object.entries(labels)) ts.bytes(1, new ProtoWriter().string(1, n).string(2, v).finish());
      for (const [v, t] of samples) ts.bytes(2, new ProtoWriter().double(1, v).int64(2, t).finish());
      return ts.finish();
    };
    const body = new ProtoWriter()
      .bytes(1, series({ __name__: 'up', job: 'prometheus', instance: 'localhost:9090' }, [[1, 1700000000000], [1, 1700000015000]]))
      .bytes(1, series({ __name__: 'up', job: 'node', instance: 'localhost:9100' }, [[0, 1700000000000]]))
      .finish();
    const w = await fetch(`${url}/v1/prometheus/write?db=public`, { method: 'POST', headers: { 'content-encoding': 'snappy', 'content-type': 'application/x-protobuf' }, body: snappyCompress(body) });
    expect(w.status).to.equal(204);
    const a = await sql('SELECT job, instance, greptime_value, greptime_timestamp FROM up ORDER BY job, greptime_timestamp');
    expect(rowsOf(a)).to.deep.equal([
      ['node', 'localhost:9100', 0, 1700000000000],
      ['prometheus', 'localhost:9090', 1, 1700000000000],
      ['prometheus', 'localhost:9090', 1, 1700000015000],
    ]);

    const q = new ProtoWriter().int64(1, 1700000000000).int64(2, 1700000010000)
      .bytes(3, new ProtoWriter().int64(1, 0).string(2, '__name__').string(3, 'up').finish())
      .bytes(3, new ProtoWriter().int64(1, 2).string(2, 'job').string(3, 'prom.*').finish())
      .finish();
    const r = await fetch(`${url}/v1/prometheus/read?db=public`, { method: 'POST', headers: { 'content-encoding': 'snappy' }, body: snappyCompress(new ProtoWriter().bytes(1, q).finish()) });
    expect(r.status).to.equal(200);
    const resp = snappyDecompress(Buffer.from(await r.arrayBuffer()), 1 << 20);
    // ReadResponse.results[0].timeseries[0]: labels and one sample (the second is outside the range)
    const top = new ProtoReader(resp); top.varint(); const [qs, qe] = top.bytes();
    const qr = new ProtoReader(resp, qs, qe); qr.varint(); const [ts, te] = qr.bytes();
    expect(qr.done).to.equal(true);
    const tsr = new ProtoReader(resp, ts, te);
    const labels: string[] = []; const samples: Array<[number, number]> = [];
    while (!tsr.done) {
      const key = tsr.varint(); const [s, e] = tsr.bytes();
      const m = new ProtoReader(resp, s, e);
      if (key >> 3 === 1) { m.varint(); const [a1, b1] = m.bytes(); m.varint(); const [a2, b2] = m.bytes(); labels.push(`${resp.toString('utf8', a1, b1)}=${resp.toString('utf8', a2, b2)}`); }
      else { m.varint(); const v = m.double(); m.varint(); samples.push([m.varint(), v]); }
    }
    expect(labels).to.deep.equal(['__name__=up', 'instance=localhost:9090', 'job=prometheus']);
    expect(samples).to.deep.equal([[1700000000000, 1]]);
  });

  it('reports ingest and request counters on /metrics', async () => {
    const text = await (await fetch(`${url}/metrics`)).text();
    expect(text).to.match(/strata_ingest_rows_total\{protocol="influxdb"\} 3/);
    expect(text).to.match(/strata_ingest_rows_total\{protocol="prometheus"\} 3/);
  });
});

describe('e2e http: authentication with auth-static', function () {
  this.timeout(60_000);
  it('requires Basic credentials from the static user list on /v1/sql and ingest, not on /health', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'strata-e2e-http-auth-'));
    const server = await StrataServer.fromDefinitions([
      { definition: storeFs as PluginDefinition },
      { definition: walLocal as PluginDefinition },
      { definition: engineLsm as PluginDefinition },
      { definition: authStatic as PluginDefinition, options: { users: ['greptime_user=greptime_pwd'] } },
      { definition: protocolHttp as PluginDefinition, options: { port: 0 } },
    ], { dataHome: dir }, { logLevel: 'silent', processMetrics: false });
    try {
      await server.start();
      const url = server.addresses()[0]!.url;
      const auth = { authorization: `Basic ${Buffer.from('greptime_user:greptime_pwd').toString('base64')}` };
      expect((await fetch(`${url}/health`)).status).to.equal(200);
      const denied = await fetch(`${url}/v1/sql?sql=SELECT%201`);
      expect(denied.status).to.equal(401);
      expect(((await denied.json()) as Json).code).to.equal(7003);
      const wrong = await fetch(`${url}/v1/sql?sql=SELECT%201`, { headers: { authorization: `Basic ${Buffer.from('greptime_user:x').toString('base64')}` } });
      expect(((await wrong.json()) as Json).code).to.equal(7002);
      expect((await fetch(`${url}/v1/influxdb/write?u=greptime_user&p=greptime_pwd`, { method: 'POST', body: 'authed v=1 1' })).status).to.equal(204);
      const ok = await fetch(`${url}/v1/sql?sql=${encodeURIComponent('SELECT v FROM authed')}`, { headers: auth });
      expect(ok.status).to.equal(200);
      expect(((await ok.json()) as { output: Array<{ records: { rows: unknown[][] } }> }).output[0]!.records.rows).to.deep.equal([[1]]);
    } finally {
      await server.stop();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
