import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as arrow from 'apache-arrow';
import { expect } from 'chai';
import { StrataServer, type PluginDefinition } from '@strata/kernel';
import engineLsm from '@strata/engine-lsm';
import storeFs from '@strata/store-fs';
import walLocal from '@strata/wal-local';
import protocolHttp from '@strata/protocol-http';
import authStatic from '@strata/auth-static';
import protocolGrpc, { messageCodec, recordBatchMessages, schemaMessage, serviceDefinition } from '@strata/protocol-grpc';
import { StrataClient, StrataClientError } from '@strata/sdk';

type Json = Record<string, unknown>;
type Stub = grpc.Client & Record<string, Function>;

const DatabaseClient = grpc.makeGenericClientConstructor(serviceDefinition('greptime.v1.GreptimeDatabase'), 'GreptimeDatabase');
const FlightClient = grpc.makeGenericClientConstructor(serviceDefinition('arrow.flight.protocol.FlightService'), 'FlightService');

function unary<T>(client: Stub, method: string, req: unknown, md = new grpc.Metadata()): Promise<T> {
  return new Promise((resolve, reject) => {
    client[method]!(req, md, { deadline: Date.now() + 20_000 }, (err: Error | null, res: T) => (err ? reject(err) : resolve(res)));
  });
}

function collect<T>(stream: grpc.ClientReadableStream<T>): Promise<T[]> {
  return new Promise((resolve, reject) => {
    const out: T[] = [];
    stream.on('data', (d: T) => out.push(d));
    stream.on('error', reject);
    stream.on('end', () => resolve(out));
  });
}

/** FlightData -> IPC stream bytes (continuation, length, padded header, body) -> apache-arrow. */
function readFlight(messages: Array<{ data_header?: Uint8Array; data_body?: Uint8Array }>): arrow.Table {
  const parts: Uint8Array[] = [];
  for (const m of messages) {
    if (!m.data_header || m.data_header.byteLength === 0) continue;
    const padded = (m.data_header.byteLength + 7) & ~7;
    const prefix = Buffer.alloc(8 + padded);
    prefix.writeUInt32LE(0xffffffff, 0);
    prefix.writeInt32LE(padded, 4);
    prefix.set(m.data_header, 8);
    parts.push(prefix, m.data_body ?? new Uint8Array(0));
  }
  parts.push(new Uint8Array([0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0]));
  const reader = arrow.RecordBatchReader.from(Buffer.concat(parts));
  return new arrow.Table(reader.readAll());
}

async function catchGrpc(p: Promise<unknown>): Promise<grpc.ServiceError> {
  try { await p; } catch (e) { return e as grpc.ServiceError; }
  throw new Error('expected a gRPC error');
}

async function startServer(dir: string, grpcOptions: Json = {}, users?: string[]): Promise<StrataServer> {
  const server = await StrataServer.fromDefinitions([
    ...(users ? [{ definition: authStatic as PluginDefinition, options: { users } }] : []),
    { definition: storeFs as PluginDefinition },
    { definition: walLocal as PluginDefinition },
    { definition: engineLsm as PluginDefinition },
    { definition: protocolGrpc as PluginDefinition, options: { port: 0, ...grpcOptions } },
    { definition: protocolHttp as PluginDefinition, options: { port: 0 } },
  ], { dataHome: dir }, { logLevel: 'silent', processMetrics: false });
  await server.start();
  return server;
}

/**
 * A real server (store-fs + wal-local + engine-lsm + the kernel's SQL
 * engine + protocol-grpc + protocol-http) on 127.0.0.1:0, driven by raw
 * gRPC stubs, apache-arrow, fetch and the SDK's StrataClient.
 */
describe('e2e grpc: GreptimeDatabase and Arrow Flight over the real engine', function () {
  this.timeout(60_000);
  let dir: string;
  let server: StrataServer;
  let grpcAddress: string;
  let httpUrl: string;
  let db: Stub;
  let flight: Stub;

  async function sql(statement: string, database = 'public'): Promise<{ status: number; body: Json; text: string }> {
    const r = await fetch(`${httpUrl}/v1/sql?db=${database}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ sql: statement }).toString() });
    const text = await r.text();
    return { status: r.status, body: JSON.parse(text) as Json, text };
  }
  async function rows(statement: string, database = 'public'): Promise<unknown[][]> {
    const a = await sql(statement, database);
    expect(a.status, a.text).to.equal(200);
    return ((a.body.output as Json[])[0]!.records as { rows: unknown[][] }).rows;
  }

  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'strata-e2e-grpc-'));
    server = await startServer(dir);
    const g = server.addresses().find((a) => a.protocol === 'grpc')!;
    grpcAddress = `${g.host}:${g.port}`;
    httpUrl = server.addresses().find((a) => a.protocol === 'http')!.url;
    db = new DatabaseClient(grpcAddress, grpc.credentials.createInsecure()) as unknown as Stub;
    flight = new FlightClient(grpcAddress, grpc.credentials.createInsecure()) as unknown as Stub;
  });

  after(async () => {
    db?.close(); flight?.close();
    await server?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('listens on 127.0.0.1 with a grpc:// address', () => {
    expect(server.addresses().find((a) => a.protocol === 'grpc')!.url).to.match(/^grpc:\/\/127\.0\.0\.1:\d+$/);
  });

  it('row inserts through Handle auto-create tables; SQL through Handle runs DDL/DML and returns result sets', async () => {
    const res = await unary<{ affected_rows: { value: number } }>(db, 'Handle', {
      header: { dbname: 'public' },
      row_inserts: { inserts: [{
        table_name: 'grpc_cpu',
        rows: {
          schema: [
            { column_name: 'host', datatype: 12, semantic_type: 0 },
            { column_name: 'ts', datatype: 16, semantic_type: 2 },
            { column_name: 'usage', datatype: 10, semantic_type: 1 },
            { column_name: 'n', datatype: 4, semantic_type: 1 },
          ],
          rows: [
            { values: [{ string_value: 'h1' }, { timestamp_millisecond_value: '1700000000000' }, { f64_value: 0.5 }, { i64_value: '9007199254740993' }] },
            { values: [{ string_value: 'h2' }, { timestamp_millisecond_value: '1700000001000' }, {}, { i64_value: '-9223372036854775807' }] },
          ],
        },
      }] },
    });
    expect(res.affected_rows.value).to.equal(2);
    const back = await sql('SELECT host, ts, usage, n FROM grpc_cpu ORDER BY ts');
    expect(back.text).to.contain('["h1",1700000000000,0.5,9007199254740993]');
    expect(back.text).to.contain('["h2",1700000001000,null,-9223372036854775807]');
    const schema = ((back.body.output as Json[])[0]!.records as { schema: { column_schemas: Json[] } }).schema.column_schemas;
    expect(schema.map((c) => c.data_type)).to.deep.equal(['String', 'TimestampMillisecond', 'Float64', 'Int64']);

    const ddl = await unary<{ affected_rows: { value: number } }>(db, 'Handle', { query: { sql: "CREATE TABLE grpc_sql (ts TIMESTAMP TIME INDEX, v DOUBLE); INSERT INTO grpc_sql VALUES (1, 1.5), (2, 2.5)" } });
    expect(ddl.affected_rows.value).to.equal(2);
    const sel = await unary<{ strata_arrow_ipc: Buffer }>(db, 'Handle', { query: { sql: 'SELECT v FROM grpc_sql ORDER BY ts' } });
    expect([...arrow.tableFromIPC(sel.strata_arrow_ipc).getChild('v')!]).to.deep.equal([1.5, 2.5]);
    const twice = await unary<{ strata_arrow_ipc: Buffer }>(db, 'Handle', { query: { sql: 'SELECT v, v AS w FROM grpc_sql' } });
    expect([...arrow.tableFromIPC(twice.strata_arrow_ipc).getChild('w')!]).to.deep.equal([1.5, 2.5]);
  });

  it('HandleRequests streams several requests and answers their total', async () => {
    const total = await new Promise<number>((resolve, reject) => {
      const call = db.HandleRequests!(new grpc.Metadata(), (err: Error | null, res: { affected_rows: { value: number } }) => (err ? reject(err) : resolve(res.affected_rows.value)));
      for (let i = 0; i < 3; i++) {
        call.write({ row_inserts: { inserts: [{ table_name: 'grpc_stream', rows: {
          schema: [{ column_name: 'ts', datatype: 15, semantic_type: 2 }, { column_name: 'v', datatype: 4, semantic_type: 1 }],
          rows: [{ values: [{ timestamp_second_value: String(i * 2) }, { i64_value: String(i) }] }, { values: [{ timestamp_second_value: String(i * 2 + 1) }, { i64_value: String(i) }] }] } }] } });
      }
      call.end();
    });
    expect(total).to.equal(6);
    expect(await rows('SELECT count(*) FROM grpc_stream')).to.deep.equal([[6]]);
  });

  it('Flight DoGet answers the schema then record batches that apache-arrow reads, equal to /v1/sql', async () => {
    const data = await collect<{ data_header: Uint8Array; data_body: Uint8Array }>(flight.DoGet!({ ticket: Buffer.from('SELECT host, ts, usage, n FROM grpc_cpu ORDER BY ts') }));
    expect(arrow.Message.decode(data[0]!.data_header).headerType).to.equal(arrow.MessageHeader.Schema);
    expect(data.slice(1).some((m) => arrow.Message.decode(m.data_header).headerType === arrow.MessageHeader.RecordBatch)).to.equal(true);
    const table = readFlight(data);
    expect(table.schema.fields.map((f) => `${f.name}:${f.type}`)).to.deep.equal(['host:Utf8', 'ts:Timestamp<MILLISECOND>', 'usage:Float64', 'n:Int64']);
    const http = await sql('SELECT host, ts, usage, n FROM grpc_cpu ORDER BY ts');
    const got = Array.from({ length: table.numRows }, (_, i) => [
      table.getChild('host')!.get(i), Number(table.getChild('ts')!.get(i)), table.getChild('usage')!.get(i), table.getChild('n')!.get(i)]);
    expect(got.map((r) => typeof r[3])).to.deep.equal(['bigint', 'bigint']);
    // Compare against the /v1/sql text, where int64 values keep every digit.
    const asJson = JSON.stringify(got, (_k, v: unknown) => (typeof v === 'bigint' ? `@@${v}` : v)).replace(/"@@(-?\d+)"/g, '$1');
    expect(http.text).to.contain(`"rows":${asJson}`);

    // A GreptimeDB-style ticket: an encoded GreptimeRequest with the database in its header.
    const ticket = messageCodec('greptime.v1.GreptimeRequest').encode({ header: { dbname: 'public' }, query: { sql: 'SELECT count(*) AS c FROM grpc_cpu' } });
    const t2 = readFlight(await collect(flight.DoGet!({ ticket })));
    expect(Number(t2.getChild('c')!.get(0))).to.equal(2);

    // One column selected twice shares its buffers; both Flight and GreptimeDatabase answers must read.
    const twice = readFlight(await collect(flight.DoGet!({ ticket: Buffer.from('SELECT usage, usage AS u2, n, n AS n2 FROM grpc_cpu') })));
    expect(twice.getChild('u2')!.toArray()).to.deep.equal(twice.getChild('usage')!.toArray());
    expect(twice.getChild('n2')!.toArray()).to.deep.equal(twice.getChild('n')!.toArray());
  });

  it('Flight DoPut ingests Arrow record batches into an auto-created table, read back through SQL', async () => {
    const n = 1000;
    const ts = new BigInt64Array(n); const v = new Float64Array(n); const hosts: string[] = [];
    for (let i = 0; i < n; i++) { ts[i] = BigInt(1_700_000_000_000 + i); v[i] = i / 2; hosts.push(`host-${i % 4}`); }
    const table = new arrow.Table({
      host: arrow.vectorFromArray(hosts, new arrow.Utf8()),
      ts: arrow.makeVector(arrow.makeData({ type: new arrow.TimestampMillisecond(), length: n, data: ts })),
      v: arrow.makeVector(v),
    });
    const call = flight.DoPut!() as grpc.ClientDuplexStream<unknown, { app_metadata: Buffer }>;
    const acks = collect(call);
    const schema = schemaMessage(table.schema);
    call.write({ flight_descriptor: { type: 1, path: ['grpc_put'] }, data_header: schema.dataHeader });
    const half = table.slice(0, 600); const rest = table.slice(600);
    for (const b of [...half.batches, ...rest.batches]) for (const m of recordBatchMessages(b)) call.write({ data_header: m.dataHeader, data_body: m.dataBody });
    call.end();
    const results = (await acks).map((r) => JSON.parse(r.app_metadata.toString()) as { affected_rows: number });
    expect(results.reduce((s, r) => s + r.affected_rows, 0)).to.equal(n);
    expect(await rows("SELECT count(*), sum(v) FROM grpc_put")).to.deep.equal([[n, (n - 1) * n / 4]]);
    expect(await rows("SELECT host, ts, v FROM grpc_put WHERE host = 'host-1' ORDER BY ts LIMIT 1")).to.deep.equal([['host-1', 1_700_000_000_001, 0.5]]);
  });

  it('answers errors as gRPC statuses with the Strata message and GreptimeDB code', async () => {
    let err = await catchGrpc(unary(db, 'Handle', { query: { sql: 'SELECT * FROM no_such_table' } }));
    expect(err.code).to.equal(grpc.status.NOT_FOUND);
    expect(err.details).to.match(/no_such_table/);
    expect(err.metadata.get('x-greptime-err-code')).to.deep.equal(['4001']);
    err = await catchGrpc(collect(flight.DoGet!({ ticket: Buffer.from('SELEC nonsense') })));
    expect(err.code).to.equal(grpc.status.INVALID_ARGUMENT);
    expect(err.metadata.get('x-greptime-err-code')).to.deep.equal(['2000']);
    err = await catchGrpc(unary(db, 'Handle', { query: { sql: 'CREATE TABLE grpc_sql (ts TIMESTAMP TIME INDEX, v DOUBLE)' } }));
    expect(err.code).to.equal(grpc.status.ALREADY_EXISTS);
    err = await catchGrpc(unary(db, 'Handle', { row_inserts: { inserts: [{ table_name: 'grpc_bad', rows: { schema: [{ column_name: 'v', datatype: 10, semantic_type: 1 }], rows: [{ values: [{ f64_value: 1 }] }] } }] } }));
    expect(err.code).to.equal(grpc.status.INVALID_ARGUMENT);
    expect(err.details).to.match(/no TIMESTAMP column/);
  });

  it('the SDK client inserts over gRPC and HTTP, queries over Flight and HTTP, and streams batched inserts', async () => {
    const client = new StrataClient({ grpc: grpcAddress, http: httpUrl, retry: { maxAttempts: 2, initialBackoffMs: 10 } });
    try {
      const base = 1_700_000_000_000;
      expect(await client.insert({ table: 'sdk_cpu', tags: ['host'], rows: [
        { host: 'a', ts: base, usage: 0.25, n: 9007199254740993n },
        { host: 'b', ts: new Date(base + 1000), usage: 0.75, n: -1n },
      ] })).to.equal(2);
      expect(await client.insert({ table: 'sdk_influx', tags: ['host'], rows: [{ host: 'c', ts: base, usage: 1.5, ok: true, note: 'a "quoted" value' }] }, { via: 'http' })).to.equal(1);

      const viaFlight = await client.queryRows('SELECT host, ts, usage, n FROM sdk_cpu ORDER BY ts');
      const viaHttp = await client.queryRows('SELECT host, ts, usage, n FROM sdk_cpu ORDER BY ts', { via: 'http' });
      expect(viaFlight).to.deep.equal(viaHttp);
      expect(viaFlight).to.deep.equal([
        { host: 'a', ts: base, usage: 0.25, n: 9007199254740993n },
        { host: 'b', ts: base + 1000, usage: 0.75, n: -1n },
      ]);
      const influx = await client.queryRows('SELECT host, usage, ok, note FROM sdk_influx', { via: 'http' });
      expect(influx).to.deep.equal([{ host: 'c', usage: 1.5, ok: true, note: 'a "quoted" value' }]);
      expect((await client.query('SELECT greptime_timestamp FROM sdk_influx')).schema.fields[0]!.type.toString()).to.equal('Timestamp<NANOSECOND>');

      expect(await client.execute('CREATE TABLE sdk_exec (ts TIMESTAMP TIME INDEX, v DOUBLE)')).to.equal(0);
      expect(await client.execute('INSERT INTO sdk_exec VALUES (1, 1.0), (2, 2.0), (3, 3.0)')).to.equal(3);

      const writer = client.streamWriter({ maxBatchRows: 250, flushIntervalMs: 0 });
      for (let i = 0; i < 1000; i++) await writer.write({ table: 'sdk_stream', tags: ['host'] }, { host: `h${i % 3}`, ts: base + i, v: i });
      expect(await writer.close()).to.equal(1000);
      expect(writer.batches).to.equal(4);
      expect(await client.queryRows('SELECT count(*) AS c, sum(v) AS s FROM sdk_stream')).to.deep.equal([{ c: 1000n, s: 499500 }]);

      const empty = await client.query("SELECT host, usage FROM sdk_cpu WHERE host = 'nobody'");
      expect(empty.numRows).to.equal(0);
      expect(empty.schema.fields.map((f) => f.name)).to.deep.equal(['host', 'usage']);

      const e = await client.query('SELECT * FROM sdk_missing').then(() => undefined, (x: unknown) => x);
      expect(e).to.be.instanceOf(StrataClientError);
      expect((e as StrataClientError).code).to.equal(4001);
      expect((e as StrataClientError).retryable).to.equal(false);
    } finally {
      client.close();
    }
  });

  it('with auth-static composed, every gRPC call needs Basic credentials; the SDK sends them on both transports', async () => {
    const authDir = await mkdtemp(path.join(os.tmpdir(), 'strata-e2e-grpc-auth-'));
    let authServer: StrataServer | undefined;
    try {
      authServer = await startServer(authDir, {}, ['greptime_user=greptime_pwd']);
      const g = authServer.addresses().find((a) => a.protocol === 'grpc')!;
      const h = authServer.addresses().find((a) => a.protocol === 'http')!;
      const anonymous = new StrataClient({ grpc: `${g.host}:${g.port}`, retry: { maxAttempts: 1 } });
      const wrong = new StrataClient({ grpc: `${g.host}:${g.port}`, auth: { username: 'greptime_user', password: 'nope' }, retry: { maxAttempts: 1 } });
      const good = new StrataClient({ grpc: `${g.host}:${g.port}`, http: h.url, auth: { username: 'greptime_user', password: 'greptime_pwd' } });
      try {
        const e1 = await anonymous.insert({ table: 'auth_t', rows: [{ ts: 1, v: 1 }] }).then(() => undefined, (x: unknown) => x) as StrataClientError;
        expect(e1.details).to.include({ grpcStatus: grpc.status.UNAUTHENTICATED, code: 7003 });
        const e2 = await wrong.query('SELECT 1').then(() => undefined, (x: unknown) => x) as StrataClientError;
        expect(e2.details).to.include({ grpcStatus: grpc.status.UNAUTHENTICATED, code: 7002 });
        expect(await good.insert({ table: 'auth_t', rows: [{ ts: 1, v: 1 }] })).to.equal(1);
        expect(await good.insert({ table: 'auth_http', rows: [{ ts: 2, v: 2 }] }, { via: 'http' })).to.equal(1);
        expect(await good.queryRows('SELECT count(*) AS c FROM auth_t')).to.deep.equal([{ c: 1n }]);
        expect(await good.queryRows('SELECT v FROM auth_http', { via: 'http' })).to.deep.equal([{ v: 2 }]);
      } finally { anonymous.close(); wrong.close(); good.close(); }
    } finally {
      await authServer?.stop();
      await rm(authDir, { recursive: true, force: true });
    }
  });

  it('serves gRPC over TLS with a self-signed certificate (openssl), and the SDK trusts it by CA', async () => {
    const tlsDir = await mkdtemp(path.join(os.tmpdir(), 'strata-e2e-grpc-tls-'));
    let tlsServer: StrataServer | undefined;
    try {
      const key = path.join(tlsDir, 'key.pem'); const cert = path.join(tlsDir, 'cert.pem');
      execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1',
        '-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost'], { stdio: 'ignore', timeout: 20_000 });
      tlsServer = await startServer(path.join(tlsDir, 'data'), { tls: { cert, key } });
      const addr = tlsServer.addresses().find((a) => a.protocol === 'grpc')!;
      expect(addr.tls).to.equal(true);
      expect(addr.url).to.match(/^grpcs:\/\/127\.0\.0\.1:\d+$/);
      const client = new StrataClient({ grpc: `${addr.host}:${addr.port}`, tls: { ca: await readFile(cert) } });
      try {
        expect(await client.insert({ table: 'tls_t', rows: [{ ts: 1, v: 2.5 }] })).to.equal(1);
        expect(await client.queryRows('SELECT v FROM tls_t')).to.deep.equal([{ v: 2.5 }]);
      } finally { client.close(); }
      // A plaintext client cannot talk to the TLS port.
      const plain = new StrataClient({ grpc: `${addr.host}:${addr.port}`, timeoutMs: 3000, retry: { maxAttempts: 1 } });
      try {
        const e = await plain.queryRows('SELECT 1').then(() => undefined, (x: unknown) => x);
        expect(e).to.be.instanceOf(StrataClientError);
      } finally { plain.close(); }
    } finally {
      await tlsServer?.stop();
      await rm(tlsDir, { recursive: true, force: true });
    }
  });
});
