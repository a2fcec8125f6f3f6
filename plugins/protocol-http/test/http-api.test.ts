import { gzipSync } from 'node:zlib';
import { expect } from 'chai';
import * as arrow from 'apache-arrow';
import { RateLimitedError, StaticUserProvider, TableNotFoundError, type QueryOutput } from '@strata/kernel';
import { recordsOutput, startHttp, type TestServer } from './fixtures.js';

const basic = (u: string, p: string) => `Basic ${Buffer.from(`${u}:${p}`).toString('base64')}`;

describe('protocol-http: admin endpoints, SQL encoding and errors', function () {
  this.timeout(15_000);
  let s: TestServer;
  before(async () => { s = await startHttp(); });
  after(async () => { await s.stop(); });

  it('reports its address and answers /health with 200 {}', async () => {
    expect(s.server.addresses()[0]).to.include({ protocol: 'http', host: '127.0.0.1', tls: false });
    expect(s.url).to.match(/^http:\/\/127\.0\.0\.1:\d+$/);
    const r = await fetch(`${s.url}/health`);
    expect(r.status).to.equal(200);
    expect(await r.json()).to.deep.equal({});
  });

  it('serves /status with version, uptime and protocols, and /metrics as Prometheus text', async () => {
    const st = await (await fetch(`${s.url}/status`)).json() as Record<string, unknown>;
    expect(st.version).to.equal('0.1.0');
    expect(st.uptime_seconds).to.be.a('number');
    expect(st.plugins).to.deep.include.members([{ name: 'test-query', kind: 'service' }, { name: 'protocol-http', kind: 'protocol' }]);
    expect(st.auth).to.equal('off');
    expect(st.protocols).to.deep.equal([{ name: 'http', addresses: [s.url], connections: (st.protocols as Array<{ connections: number }>)[0]!.connections }]);
    const m = await fetch(`${s.url}/metrics`);
    expect(m.headers.get('content-type')).to.match(/^text\/plain/);
    const text = await m.text();
    expect(text).to.match(/strata_http_requests_total\{path="\/status",method="GET",code="200"\} 1/);
  });

  it('encodes records as GreptimeDB v1 JSON with exact Int64/UInt64 and timestamps in their unit', async () => {
    s.query.executeImpl = async function* (): AsyncIterable<QueryOutput> {
      yield recordsOutput({
        ts: arrow.makeVector({ type: new arrow.TimestampMillisecond(), data: new BigInt64Array([1667446797450n, 1667446798450n]), length: 2 } as never),
        host: arrow.vectorFromArray(['a', null], new arrow.Utf8()),
        big: arrow.makeVector(new BigInt64Array([9007199254740993n, -9223372036854775807n])),
        ubig: arrow.makeVector(new BigUint64Array([18446744073709551615n, 1n])),
        f: arrow.makeVector(new Float64Array([0.1, NaN])),
        b: arrow.vectorFromArray([true, false], new arrow.Bool()),
      }, { ts: 'TimestampMillisecond', host: 'String', big: 'Int64', ubig: 'UInt64', f: 'Float64', b: 'Boolean' });
      yield { kind: 'affected', affectedRows: 3 };
    };
    const r = await fetch(`${s.url}/v1/sql?db=metrics`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'sql=select+*+from+t%3B+insert' });
    expect(r.status).to.equal(200);
    const text = await r.text();
    expect(text).to.contain('[1667446797450,"a",9007199254740993,18446744073709551615,0.1,true]');
    expect(text).to.contain('[1667446798450,null,-9223372036854775807,1,null,false]');
    const body = JSON.parse(text) as { output: unknown[]; execution_time_ms: number };
    expect(body.output[0]).to.deep.include({});
    expect((body.output[0] as { records: { schema: unknown; total_rows: number } }).records.schema).to.deep.equal({ column_schemas: [
      { name: 'ts', data_type: 'TimestampMillisecond' }, { name: 'host', data_type: 'String' }, { name: 'big', data_type: 'Int64' },
      { name: 'ubig', data_type: 'UInt64' }, { name: 'f', data_type: 'Float64' }, { name: 'b', data_type: 'Boolean' }] });
    expect((body.output[0] as { records: { total_rows: number } }).records.total_rows).to.equal(2);
    expect(body.output[1]).to.deep.equal({ affectedrows: 3 });
    expect(body.execution_time_ms).to.be.a('number');
    const last = s.query.statements.at(-1)!;
    expect(last.sql).to.equal('select * from t; insert');
    expect(last.session.database).to.equal('metrics');
    expect(last.session.channel).to.equal('http');
    s.query.executeImpl = undefined;
  });

  it('passes X-Greptime-Timezone, X-Greptime-Timeout and GET parameters to the query service', async () => {
    const r = await fetch(`${s.url}/v1/sql?sql=${encodeURIComponent('select 1')}&db=greptime-public`, { headers: { 'x-greptime-timezone': '+08:00', 'x-greptime-timeout': '2s' } });
    expect(r.status).to.equal(200);
    const last = s.query.statements.at(-1)!;
    expect(last.session.timezone).to.equal('+08:00');
    expect(last.session.database).to.equal('public');
    expect(last.options?.timeoutMs).to.equal(2000);
  });

  it('answers format=csv / csvWithNamesAndTypes / arrow', async () => {
    s.query.executeImpl = async function* (): AsyncIterable<QueryOutput> {
      yield recordsOutput({ n: arrow.makeVector(new Int32Array([1, 2])), s: arrow.vectorFromArray(['x,y', 'q"z'], new arrow.Utf8()) }, { n: 'Int32', s: 'String' });
    };
    const csv = await fetch(`${s.url}/v1/sql?sql=q&format=csv`);
    expect(csv.headers.get('content-type')).to.match(/^text\/csv/);
    expect(await csv.text()).to.equal('1,"x,y"\r\n2,"q""z"\r\n');
    const typed = await (await fetch(`${s.url}/v1/sql?sql=q&format=csvWithNamesAndTypes`)).text();
    expect(typed).to.equal('n,s\r\nInt32,String\r\n1,"x,y"\r\n2,"q""z"\r\n');
    const a = await fetch(`${s.url}/v1/sql?sql=q&format=arrow`);
    expect(a.headers.get('content-type')).to.equal('application/arrow');
    expect(Buffer.from((await a.clone().arrayBuffer()).slice(0, 6)).toString('latin1')).to.equal('ARROW1');
    const table = arrow.tableFromIPC(new Uint8Array(await a.arrayBuffer()));
    expect(table.numRows).to.equal(2);
    expect(table.getChild('s')!.toArray()).to.deep.equal(['x,y', 'q"z']);
    const st = await fetch(`${s.url}/v1/sql?sql=q&format=arrow`, { headers: { accept: 'application/vnd.apache.arrow.stream' } });
    expect(st.headers.get('content-type')).to.equal('application/vnd.apache.arrow.stream');
    const streamBytes = new Uint8Array(await st.arrayBuffer());
    expect(Buffer.from(streamBytes.subarray(0, 6)).toString('latin1')).to.not.equal('ARROW1');
    const reader = arrow.RecordBatchStreamReader.from(streamBytes);
    expect([...reader].reduce((n, b) => n + b.numRows, 0)).to.equal(2);
    const bad = await fetch(`${s.url}/v1/sql?sql=q&format=yaml`);
    expect(bad.status).to.equal(400);
    s.query.executeImpl = undefined;
  });

  it('maps errors to non-2xx {code, error, execution_time_ms} via httpStatusOf, with Retry-After for back-pressure', async () => {
    const missing = await fetch(`${s.url}/v1/sql`);
    expect(missing.status).to.equal(400);
    expect(await missing.json()).to.deep.include({ code: 1004, error: 'sql parameter is required.' });

    s.query.executeImpl = async function* (): AsyncIterable<QueryOutput> { throw new TableNotFoundError('public.nope'); };
    const nf = await fetch(`${s.url}/v1/sql?sql=select+*+from+nope`);
    expect(nf.status).to.equal(400);
    const body = await nf.json() as Record<string, unknown>;
    expect(body).to.deep.include({ code: 4001, error: 'Table not found: public.nope' });
    expect(body.execution_time_ms).to.be.a('number');

    s.query.executeImpl = async function* (): AsyncIterable<QueryOutput> { throw new RateLimitedError('slow down', 2500); };
    const rl = await fetch(`${s.url}/v1/sql?sql=x`);
    expect(rl.status).to.equal(429);
    expect(rl.headers.get('retry-after')).to.equal('3');
    expect(await rl.json()).to.deep.include({ code: 6001 });

    s.query.executeImpl = async function* (): AsyncIterable<QueryOutput> { throw new Error('boom'); };
    const internal = await fetch(`${s.url}/v1/sql?sql=x`);
    expect(internal.status).to.equal(500);
    expect(await internal.json()).to.deep.include({ code: 1003 });

    s.query.executeImpl = async function* (_sql, _session, options): AsyncIterable<QueryOutput> {
      await new Promise((resolve) => { const t = setTimeout(resolve, 5000); options?.signal?.addEventListener('abort', () => { clearTimeout(t); resolve(undefined); }); });
      yield { kind: 'affected', affectedRows: 0 };
    };
    const slow = await fetch(`${s.url}/v1/sql?sql=x`, { headers: { 'x-greptime-timeout': '100ms' } });
    expect(slow.status).to.equal(504);
    expect(await slow.json()).to.deep.include({ code: 1008 });
    s.query.executeImpl = undefined;

    const unknown = await fetch(`${s.url}/v2/nothing`);
    expect(unknown.status).to.equal(404);
  });

  it('turns a RateLimitedError from insert into 429 + Retry-After on ingest', async () => {
    s.query.insertImpl = async () => { throw new RateLimitedError('memtable full', 1000); };
    const r = await fetch(`${s.url}/v1/influxdb/write`, { method: 'POST', body: 'cpu v=1 1' });
    expect(r.status).to.equal(429);
    expect(r.headers.get('retry-after')).to.equal('1');
    s.query.insertImpl = undefined;
  });
});

describe('protocol-http: ingest endpoints', function () {
  this.timeout(15_000);
  let s: TestServer;
  before(async () => { s = await startHttp({ bodyLimit: '64KiB', decompressedBodyLimit: '128KiB' }); });
  after(async () => { await s.stop(); });
  beforeEach(() => { s.query.inserts.length = 0; });

  it('InfluxDB v1 and v2 writes answer 204 and insert into the db / bucket', async () => {
    const v1 = await fetch(`${s.url}/v1/influxdb/write?db=d1&precision=ms`, { method: 'POST', body: 'monitor,host=a cpu=0.1 1667446797450\nmonitor,host=b cpu=0.2 1667446798450' });
    expect(v1.status).to.equal(204);
    const v2 = await fetch(`${s.url}/v1/influxdb/api/v2/write?bucket=d2&org=o&precision=s`, { method: 'POST', body: 'm v=1i 1667446797' });
    expect(v2.status).to.equal(204);
    expect(s.query.inserts.map((i) => i.requests.map((r) => [r.database, r.table, r.rowCount]))).to.deep.equal([[['d1', 'monitor', 2]], [['d2', 'm', 1]]]);
    expect(s.query.inserts[0]!.session.channel).to.equal('influxdb');
    const ts = s.query.inserts[1]!.requests[0]!.columns.find((c) => c.name === 'greptime_timestamp')!.vector;
    expect(ts.data[0]!.values[0]).to.equal(1667446797000000000n);
  });

  it('rejects a batch with one malformed line whole: 400 naming the line, nothing inserted', async () => {
    const r = await fetch(`${s.url}/v1/influxdb/write`, { method: 'POST', body: 'a v=1 1\nb v=2 2\nc v=oops 3\nd v=4 4' });
    expect(r.status).to.equal(400);
    const body = await r.json() as { code: number; error: string };
    expect(body.code).to.equal(1004);
    expect(body.error).to.contain('line 3');
    expect(s.query.inserts).to.have.length(0);
  });

  it('accepts gzip bodies and refuses ones that inflate past the limit before/while inflating', async () => {
    const ok = await fetch(`${s.url}/v1/influxdb/write`, { method: 'POST', headers: { 'content-encoding': 'gzip' }, body: gzipSync('g v=1 1\ng v=2 2') });
    expect(ok.status).to.equal(204);
    expect(s.query.inserts[0]!.requests[0]!.rowCount).to.equal(2);
    const bomb = gzipSync(Buffer.alloc(4 << 20, 0x20)); // 4 MiB of spaces in ~4 KiB
    const big = await fetch(`${s.url}/v1/influxdb/write`, { method: 'POST', headers: { 'content-encoding': 'gzip' }, body: bomb });
    expect(big.status).to.equal(413);
    // A lying trailer (claims 10 bytes) is still stopped by the bound on inflation.
    const liar = Buffer.from(bomb); liar.writeUInt32LE(10, liar.length - 4);
    const lie = await fetch(`${s.url}/v1/influxdb/write`, { method: 'POST', headers: { 'content-encoding': 'gzip' }, body: liar });
    expect(lie.status).to.equal(413);
    expect(s.query.inserts).to.have.length(1);
  });

  it('refuses a write that would decode into more column cells than maxWriteCells with 413', async () => {
    const small = await startHttp({ maxWriteCells: 50_000 });
    try {
      const body = Array.from({ length: 1000 }, (_, i) => `wide f${i}=1 ${i}`).join('\n');
      const r = await fetch(`${small.url}/v1/influxdb/write`, { method: 'POST', body });
      expect(r.status).to.equal(413);
      expect(((await r.json()) as { error: string }).error).to.match(/column cells/);
      expect(small.query.inserts).to.have.length(0);
    } finally {
      await small.stop();
    }
  });

  it('refuses bodies over bodyLimit with 413', async () => {
    const r = await fetch(`${s.url}/v1/influxdb/write`, { method: 'POST', body: `t v=1 1\n${'#'.repeat(70 * 1024)}` });
    expect(r.status).to.equal(413);
    expect(await r.json()).to.deep.include({ code: 6000 });
  });

  it('OpenTSDB put: single object and array, seconds vs milliseconds', async () => {
    const one = await fetch(`${s.url}/v1/opentsdb/api/put?db=tsdb`, { method: 'POST', body: JSON.stringify({ metric: 'sys.cpu.nice', timestamp: 1667898896, value: 18, tags: { host: 'web01', dc: 'hz' } }) });
    expect(one.status).to.equal(204);
    const many = await fetch(`${s.url}/v1/opentsdb/api/put`, { method: 'POST', body: JSON.stringify([
      { metric: 'sys.cpu.nice', timestamp: 1667898897000, value: 9, tags: { host: 'web03' } },
      { metric: 'other', timestamp: 1667898897, value: '1.5', tags: {} }]) });
    expect(many.status).to.equal(204);
    const [first, second] = s.query.inserts;
    const r1 = first!.requests[0]!;
    expect([r1.database, r1.table]).to.deep.equal(['tsdb', 'sys.cpu.nice']);
    expect(r1.columns.map((c) => [c.name, c.semantic, String(c.vector.type)])).to.deep.equal([
      ['greptime_timestamp', 'timestamp', 'Timestamp<MILLISECOND>'], ['host', 'tag', 'Utf8'], ['dc', 'tag', 'Utf8'], ['greptime_value', 'field', 'Float64']]);
    expect(r1.columns[0]!.vector.data[0]!.values[0]).to.equal(1667898896000n);
    expect(second!.requests.map((r) => [r.table, r.columns[0]!.vector.data[0]!.values[0]])).to.deep.equal([['sys.cpu.nice', 1667898897000n], ['other', 1667898897000n]]);
    const bad = await fetch(`${s.url}/v1/opentsdb/api/put`, { method: 'POST', body: '{"metric":"m"' });
    expect(bad.status).to.equal(400);
    const notUtf8 = await fetch(`${s.url}/v1/opentsdb/api/put`, { method: 'POST', body: Buffer.concat([Buffer.from('{"metric":"m'), Buffer.from([0xff]), Buffer.from('","timestamp":1,"value":1}')]) });
    expect(notUtf8.status).to.equal(400);
    expect(((await notUtf8.json()) as { error: string }).error).to.match(/UTF-8/);
    expect(s.query.inserts).to.have.length(2);
  });

  it('InfluxDB ping and health answer without a query', async () => {
    expect((await fetch(`${s.url}/v1/influxdb/ping`)).status).to.equal(204);
    const h = await fetch(`${s.url}/v1/influxdb/health`);
    expect(h.status).to.equal(200);
    expect(await h.json()).to.deep.include({ status: 'pass' });
  });
});

describe('protocol-http: authentication', function () {
  this.timeout(15_000);
  let s: TestServer;
  before(async () => {
    s = await startHttp({}, { users: new StaticUserProvider([{ username: 'greptime_user', password: 'greptime_pwd' }]) });
  });
  after(async () => { await s.stop(); });

  it('leaves /health open and asks for Basic auth everywhere else', async () => {
    expect((await fetch(`${s.url}/health`)).status).to.equal(200);
    for (const path of ['/status', '/metrics', '/v1/sql?sql=select+1']) {
      const r = await fetch(`${s.url}${path}`);
      expect(r.status, path).to.equal(401);
      expect(await r.json(), path).to.deep.include({ code: 7003 });
    }
    const ok = await fetch(`${s.url}/v1/sql?sql=select+1`, { headers: { authorization: basic('greptime_user', 'greptime_pwd') } });
    expect(ok.status).to.equal(200);
    expect(s.query.statements.at(-1)!.session.user).to.equal('greptime_user');
    const alt = await fetch(`${s.url}/status`, { headers: { 'x-greptime-auth': basic('greptime_user', 'greptime_pwd') } });
    expect(alt.status).to.equal(200);
  });

  it('answers 401 with GreptimeDB codes: 7000 unknown user, 7002 wrong password, 7004 bad header', async () => {
    const codes = [];
    for (const h of [basic('nobody', 'x'), basic('greptime_user', 'wrong'), 'Basic !!!', 'Digest abc']) {
      const r = await fetch(`${s.url}/v1/sql?sql=select+1`, { headers: { authorization: h } });
      expect(r.status).to.equal(401);
      codes.push(((await r.json()) as { code: number }).code);
    }
    expect(codes).to.deep.equal([7000, 7002, 7004, 7004]);
  });

  it('accepts InfluxDB credentials: Token user:pass and ?u=&p=', async () => {
    const t = await fetch(`${s.url}/v1/influxdb/api/v2/write?bucket=public`, { method: 'POST', headers: { authorization: 'Token greptime_user:greptime_pwd' }, body: 'm v=1 1' });
    expect(t.status).to.equal(204);
    const q = await fetch(`${s.url}/v1/influxdb/write?db=public&u=greptime_user&p=greptime_pwd`, { method: 'POST', body: 'm v=1 1' });
    expect(q.status).to.equal(204);
    const none = await fetch(`${s.url}/v1/influxdb/write?db=public`, { method: 'POST', body: 'm v=1 1' });
    expect(none.status).to.equal(401);
    expect((await fetch(`${s.url}/v1/influxdb/ping`)).status).to.equal(204);
  });
});

describe('protocol-http: concurrency limit', function () {
  this.timeout(15_000);
  it('queues up to maxQueuedRequests and refuses the rest with 503 + Retry-After', async () => {
    const s = await startHttp({ maxConcurrentRequests: 1, maxQueuedRequests: 1, queueTimeout: '5s', retryAfter: '2s', shutdownGrace: '500ms' });
    try {
      let release!: () => void;
      const gate = new Promise<void>((r) => { release = r; });
      s.query.executeImpl = async function* (): AsyncIterable<QueryOutput> { await gate; yield { kind: 'affected', affectedRows: 1 }; };
      const first = fetch(`${s.url}/v1/sql?sql=a`);
      await new Promise((r) => setTimeout(r, 100));
      const second = fetch(`${s.url}/v1/sql?sql=b`);
      await new Promise((r) => setTimeout(r, 100));
      const third = await fetch(`${s.url}/v1/sql?sql=c`);
      expect(third.status).to.equal(503);
      expect(third.headers.get('retry-after')).to.equal('2');
      expect((await fetch(`${s.url}/health`)).status).to.equal(200);
      release();
      expect((await first).status).to.equal(200);
      expect((await second).status).to.equal(200);
      // A client that gives up while queued does not keep a slot.
      s.query.executeImpl = undefined;
      let hold!: () => void;
      const held = new Promise<void>((r) => { hold = r; });
      s.query.executeImpl = async function* (): AsyncIterable<QueryOutput> { await held; yield { kind: 'affected', affectedRows: 1 }; };
      const busy = fetch(`${s.url}/v1/sql?sql=hold`);
      await new Promise((r) => setTimeout(r, 100));
      const ac = new AbortController();
      const gaveUp = fetch(`${s.url}/v1/sql?sql=queued`, { signal: ac.signal }).catch(() => 'aborted');
      await new Promise((r) => setTimeout(r, 100));
      ac.abort();
      expect(await gaveUp).to.equal('aborted');
      hold();
      expect((await busy).status).to.equal(200);
      s.query.executeImpl = undefined;
      const after = await Promise.all([1, 2, 3].map(() => fetch(`${s.url}/v1/sql?sql=x`)));
      expect(after.map((r) => r.status)).to.deep.equal([200, 200, 200]);
    } finally {
      await s.stop();
    }
  });
});
