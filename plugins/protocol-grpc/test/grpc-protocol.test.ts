import * as grpc from '@grpc/grpc-js';
import * as arrow from 'apache-arrow';
import { expect } from 'chai';
import { AuthError, StatusCode, TableNotFoundError, type QueryOutput, type UserProvider } from '@strata/kernel';
import {
  decodeRowInsertRequests, frameMessage, grpcStatusOf, IPC_END_OF_STREAM, messageCodec, recordBatchMessages, recordBatchToInsertRequest,
  rowInsertToInsertRequest, schemaMessage, splitIpcStream,
} from '../src/index.js';
import { collect, flightDataToTable, recordsOutput, startGrpc, unary, type TestServer } from './fixtures.js';

const users: UserProvider = {
  name: 'test',
  async authenticate(username, password) {
    if (username === 'greptime' && password === 's3cret') return { username };
    throw new AuthError('USER_PASSWORD_MISMATCH', `Username and password does not match: ${username}`);
  },
};

function basic(user: string, password: string): grpc.Metadata {
  const md = new grpc.Metadata();
  md.set('authorization', `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`);
  return md;
}

function sampleTable(): arrow.Table {
  return new arrow.Table({
    host: arrow.vectorFromArray(['a', 'b', 'a'], new arrow.Dictionary(new arrow.Utf8(), new arrow.Int32())),
    ts: arrow.makeVector(arrow.makeData({ type: new arrow.TimestampMillisecond(), length: 3, data: new BigInt64Array([1n, 2n, 3n]) })),
    n: arrow.makeVector(new BigInt64Array([9007199254740993n, -1n, 0n])),
    v: arrow.makeVector(new Float64Array([0.5, 1.5, 2.5])),
  });
}

describe('protocol-grpc: status mapping and Arrow IPC framing', function () {
  this.timeout(10_000);

  it('maps every StatusCode to a gRPC status', () => {
    const codes = Object.values(StatusCode).filter((v): v is number => typeof v === 'number');
    for (const c of codes) expect(grpcStatusOf[c as StatusCode], `status ${c}`).to.be.a('number');
    expect(grpcStatusOf[StatusCode.TableNotFound]).to.equal(grpc.status.NOT_FOUND);
    expect(grpcStatusOf[StatusCode.InvalidSyntax]).to.equal(grpc.status.INVALID_ARGUMENT);
    expect(grpcStatusOf[StatusCode.UserPasswordMismatch]).to.equal(grpc.status.UNAUTHENTICATED);
    expect(grpcStatusOf[StatusCode.RateLimited]).to.equal(grpc.status.RESOURCE_EXHAUSTED);
    expect(grpcStatusOf[StatusCode.StorageUnavailable]).to.equal(grpc.status.UNAVAILABLE);
  });

  it('splits IPC into schema + dictionary + record batch messages and frames them back losslessly', () => {
    const t = sampleTable();
    const schema = schemaMessage(t.schema);
    expect(schema.headerType).to.equal(arrow.MessageHeader.Schema);
    expect(schema.dataBody.byteLength).to.equal(0);
    const msgs = t.batches.flatMap((b) => recordBatchMessages(b));
    expect(msgs.map((m) => m.headerType)).to.deep.equal([arrow.MessageHeader.DictionaryBatch, arrow.MessageHeader.RecordBatch]);
    const bytes = Buffer.concat([frameMessage(schema.dataHeader, schema.dataBody), ...msgs.map((m) => frameMessage(m.dataHeader, m.dataBody)), IPC_END_OF_STREAM]);
    const back = new arrow.Table(arrow.RecordBatchReader.from(bytes).readAll());
    expect(back.numRows).to.equal(3);
    expect(back.getChild('host')!.toArray()).to.deep.equal(['a', 'b', 'a']);
    expect(back.getChild('n')!.get(0)).to.equal(9007199254740993n);
    expect([...splitIpcStream(bytes)].length).to.equal(3);
  });

  it('converts greptime.v1 row inserts to typed Arrow columns (exact int64, nulls) and rejects mismatched values', () => {
    const req = rowInsertToInsertRequest({
      table_name: 'cpu',
      rows: {
        schema: [
          { column_name: 'host', datatype: 12, semantic_type: 0 },
          { column_name: 'ts', datatype: 16, semantic_type: 2 },
          { column_name: 'usage', datatype: 10, semantic_type: 1 },
          { column_name: 'n', datatype: 4, semantic_type: 1 },
        ],
        rows: [
          { values: [{ value_data: 'string_value', string_value: 'h1' }, { value_data: 'timestamp_millisecond_value', timestamp_millisecond_value: '1700000000000' }, { value_data: 'f64_value', f64_value: 0.25 }, { value_data: 'i64_value', i64_value: '9223372036854775807' }] },
          { values: [{ value_data: 'string_value', string_value: 'h2' }, { value_data: 'timestamp_millisecond_value', timestamp_millisecond_value: '1700000001000' }, {}, { value_data: 'i64_value', i64_value: '-5' }] },
        ],
      },
    }, 'mydb');
    expect(req).to.include({ database: 'mydb', table: 'cpu', rowCount: 2, autoCreate: true });
    expect(req.columns.map((c) => [c.name, c.semantic, String(c.vector.type)])).to.deep.equal([
      ['host', 'tag', 'Utf8'], ['ts', 'timestamp', 'Timestamp<MILLISECOND>'], ['usage', 'field', 'Float64'], ['n', 'field', 'Int64']]);
    expect(req.columns[3]!.vector.get(0)).to.equal(9223372036854775807n);
    expect(req.columns[2]!.vector.get(1)).to.equal(null);
    expect(() => rowInsertToInsertRequest({ table_name: 't', rows: { schema: [{ column_name: 'ts', datatype: 16, semantic_type: 2 }], rows: [{ values: [{ value_data: 'string_value', string_value: 'x' }] }] } }, 'public'))
      .to.throw(/string_value given for a TimestampMillisecond column/);
  });

  it('the columnar row-insert decoder agrees with protobufjs on every type, nulls and 64-bit extremes', () => {
    const fields: Array<[string, number, number, string, (i: number) => unknown]> = [
      ['tag', 12, 0, 'string_value', (i) => (i % 5 === 0 ? undefined : `h\u00e9-${i % 3}`)],
      ['ts', 16, 2, 'timestamp_millisecond_value', (i) => String(1_700_000_000_000 + i)],
      ['b', 0, 1, 'bool_value', (i) => (i % 4 === 1 ? undefined : i % 2 === 0)],
      ['i8', 1, 1, 'i8_value', (i) => -128 + (i % 256)],
      ['i16', 2, 1, 'i16_value', (i) => (i % 2 ? -32768 : 32767)],
      ['i32', 3, 1, 'i32_value', (i) => (i % 2 ? -2147483648 : i)],
      ['i64', 4, 1, 'i64_value', (i) => ['9223372036854775807', '-9223372036854775808', '-1', '0', String(2 ** 40 + i)][i % 5]],
      ['u8', 5, 1, 'u8_value', (i) => i % 256],
      ['u16', 6, 1, 'u16_value', () => 65535],
      ['u32', 7, 1, 'u32_value', (i) => (i % 2 ? 4294967295 : i)],
      ['u64', 8, 1, 'u64_value', (i) => (i % 2 ? '18446744073709551615' : String(i))],
      ['f32', 9, 1, 'f32_value', (i) => i / 4],
      ['f64', 10, 1, 'f64_value', (i) => (i % 3 === 0 ? undefined : i / 3 - 7)],
      ['bin', 11, 1, 'binary_value', (i) => Buffer.from([i % 256, 0, 255])],
      ['d', 13, 1, 'date_value', (i) => 19000 + i],
      ['tns', 18, 1, 'timestamp_nanosecond_value', (i) => String(-1_000_000_000_000_000_000n + BigInt(i))],
    ];
    const rows = Array.from({ length: 37 }, (_, i) => ({ values: fields.map(([, , , f, gen]) => { const v = gen(i); return v === undefined ? {} : { [f]: v }; }) }));
    const msg = { row_inserts: { inserts: [{ table_name: 'all_types', rows: { schema: fields.map(([n, t, sem]) => ({ column_name: n, datatype: t, semantic_type: sem })), rows } }] } };
    const codec = messageCodec<{ row_inserts: { inserts: Array<Record<string, unknown>> } }>('greptime.v1.GreptimeRequest');
    const bytes = codec.encode(msg);
    const reference = rowInsertToInsertRequest(codec.decode(bytes).row_inserts.inserts[0]!, 'db');
    const insertsBytes = messageCodec('greptime.v1.RowInsertRequests').encode(msg.row_inserts);
    const [fast] = decodeRowInsertRequests(insertsBytes, 'db');
    expect(fast!.rowCount).to.equal(37);
    expect(fast!.columns.map((c) => [c.name, c.semantic, String(c.vector.type)])).to.deep.equal(reference.columns.map((c) => [c.name, c.semantic, String(c.vector.type)]));
    for (let c = 0; c < fields.length; c++) {
      const a = fast!.columns[c]!.vector; const b = reference.columns[c]!.vector;
      expect(a.nullCount, fields[c]![0]).to.equal(b.nullCount);
      for (let i = 0; i < 37; i++) {
        const x = a.get(i); const y = b.get(i);
        if (x instanceof Uint8Array) expect(Buffer.from(x).equals(Buffer.from(y as Uint8Array)), `${fields[c]![0]}[${i}]`).to.equal(true);
        else expect(x, `${fields[c]![0]}[${i}]`).to.deep.equal(y);
      }
      expect(a.data[0]!.values, fields[c]![0]).to.deep.equal(b.data[0]!.values.subarray(0, a.data[0]!.values.length));
    }
    const badKind = messageCodec('greptime.v1.RowInsertRequests').encode({ inserts: [{ table_name: 't', rows: { schema: [{ column_name: 'ts', datatype: 16, semantic_type: 2 }], rows: [{ values: [{ string_value: 'x' }] }] } }] });
    expect(() => decodeRowInsertRequests(badKind, 'db')).to.throw(/string_value given for a TimestampMillisecond column/);
    const shortRow = messageCodec('greptime.v1.RowInsertRequests').encode({ inserts: [{ table_name: 't', rows: { schema: [{ column_name: 'ts', datatype: 16, semantic_type: 2 }, { column_name: 'v', datatype: 10, semantic_type: 1 }], rows: [{ values: [{ timestamp_millisecond_value: '1' }] }] } }] });
    expect(() => decodeRowInsertRequests(shortRow, 'db')).to.throw(/row 0 has 1 values, schema has 2 columns/);
  });

  it('derives DoPut column roles from Arrow types or greptime:semantic_type metadata', () => {
    const r = recordBatchToInsertRequest(sampleTable().batches[0]!, 'public', 'm');
    expect(r.columns.map((c) => c.semantic)).to.deep.equal(['tag', 'timestamp', 'field', 'field']);
  });
});

describe('protocol-grpc: server over a recording query service', function () {
  this.timeout(20_000);
  let s: TestServer;
  before(async () => { s = await startGrpc(); });
  after(async () => { await s?.stop(); });

  it('Handle row_inserts calls QueryService.insert with the header database and answers affected rows', async () => {
    const res = await unary<{ affected_rows: { value: number } }>(s.database, 'Handle', {
      header: { dbname: 'greptime-metrics' },
      row_inserts: { inserts: [{ table_name: 'cpu', rows: { schema: [{ column_name: 'ts', datatype: 15, semantic_type: 2 }, { column_name: 'v', datatype: 10, semantic_type: 1 }], rows: [{ values: [{ timestamp_second_value: '1' }, { f64_value: 1 }] }, { values: [{ timestamp_second_value: '2' }, { f64_value: 2 }] }] } }] },
    });
    expect(res.affected_rows.value).to.equal(2);
    const last = s.query.inserts.at(-1)!;
    expect(last.session.database).to.equal('metrics');
    expect(last.session.channel).to.equal('grpc');
    expect((last.requests[0]!.columns[0]!.vector.data[0]!.values as BigInt64Array)[1]).to.equal(2n);
  });

  it('Handle query returns affected rows and the result set as an Arrow IPC stream', async () => {
    s.query.executeImpl = async function* (): AsyncIterable<QueryOutput> { yield { kind: 'affected', affectedRows: 3 }; yield recordsOutput(sampleTable()); };
    try {
      const res = await unary<{ affected_rows: { value: number }; strata_arrow_ipc: Buffer }>(s.database, 'Handle', { query: { sql: 'INSERT ...; SELECT ...' } });
      expect(res.affected_rows.value).to.equal(3);
      const t = arrow.tableFromIPC(res.strata_arrow_ipc);
      expect(t.getChild('v')!.toArray()).to.deep.equal(new Float64Array([0.5, 1.5, 2.5]));
    } finally { s.query.executeImpl = undefined; }
  });

  it('DoGet with an SQL ticket streams schema then batches; with a GreptimeRequest ticket it uses the header database', async () => {
    s.query.executeImpl = async function* (): AsyncIterable<QueryOutput> { yield recordsOutput(sampleTable()); };
    try {
      const data = await collect<{ data_header: Uint8Array; data_body: Uint8Array }>(s.flight.DoGet!({ ticket: Buffer.from('SELECT * FROM t') }));
      expect(arrow.Message.decode(data[0]!.data_header).headerType).to.equal(arrow.MessageHeader.Schema);
      const t = flightDataToTable(data);
      expect(t.numRows).to.equal(3);
      expect(t.getChild('n')!.get(0)).to.equal(9007199254740993n);
      expect(s.query.statements.at(-1)!.sql).to.equal('SELECT * FROM t');
      const ticket = messageCodec('greptime.v1.GreptimeRequest').encode({ header: { dbname: 'other' }, query: { sql: '\nSELECT 1' } });
      await collect(s.flight.DoGet!({ ticket }));
      expect(s.query.statements.at(-1)!.sql).to.equal('\nSELECT 1');
      expect(s.query.statements.at(-1)!.session.database).to.equal('other');
    } finally { s.query.executeImpl = undefined; }
  });

  it('answers errors as gRPC statuses with the Strata message and GreptimeDB code metadata', async () => {
    s.query.executeImpl = async function* (): AsyncIterable<QueryOutput> { throw new TableNotFoundError('nope'); };
    try {
      let err: grpc.ServiceError | undefined;
      try { await unary(s.database, 'Handle', { query: { sql: 'SELECT * FROM nope' } }); } catch (e) { err = e as grpc.ServiceError; }
      expect(err?.code).to.equal(grpc.status.NOT_FOUND);
      expect(err?.details).to.equal('Table not found: nope');
      expect(err?.metadata.get('x-greptime-err-code')).to.deep.equal(['4001']);
      err = undefined;
      try { await collect(s.flight.DoGet!({ ticket: Buffer.from('SELECT * FROM nope') })); } catch (e) { err = e as grpc.ServiceError; }
      expect(err?.code).to.equal(grpc.status.NOT_FOUND);
      err = undefined;
      try { await unary(s.database, 'Handle', {}); } catch (e) { err = e as grpc.ServiceError; }
      expect(err?.code).to.equal(grpc.status.UNIMPLEMENTED);
    } finally { s.query.executeImpl = undefined; }
  });

  it('rejects invalid UTF-8 in string fields and undecodable messages with INVALID_ARGUMENT, writing nothing', async () => {
    const codec = messageCodec('greptime.v1.GreptimeRequest');
    const good = codec.encode({ row_inserts: { inserts: [{ table_name: 'utf', rows: { schema: [{ column_name: 'ts', datatype: 15, semantic_type: 2 }, { column_name: 'tag', datatype: 12, semantic_type: 0 }], rows: [{ values: [{ timestamp_second_value: '1' }, { string_value: 'h\u00e9' }] }] } }] } });
    const at = good.indexOf(Buffer.from([0xc3, 0xa9]));
    expect(at).to.be.greaterThan(0);
    const bad = Buffer.from(good); bad[at + 1] = 0x28; // 0xC3 0x28: not UTF-8
    const raw = new grpc.Client(s.address, grpc.credentials.createInsecure());
    const send = (bytes: Buffer): Promise<grpc.ServiceError | null> => new Promise((resolve) => {
      raw.makeUnaryRequest('/greptime.v1.GreptimeDatabase/Handle', (b: Buffer) => b, (b: Buffer) => b, bytes, (err) => resolve(err));
    });
    try {
      const before = s.query.inserts.length;
      const e1 = await send(bad);
      expect(e1?.code).to.equal(grpc.status.INVALID_ARGUMENT);
      expect(e1?.details).to.match(/invalid UTF-8/);
      const e2 = await send(Buffer.from([0x32, 0xff, 0xff]));
      expect(e2?.code).to.equal(grpc.status.INVALID_ARGUMENT);
      expect(s.query.inserts.length).to.equal(before);
      expect(await send(good)).to.equal(null);
    } finally { raw.close(); }
  });

  it('DoPut inserts each record batch into the descriptor path table and acknowledges it', async () => {
    const t = sampleTable();
    const call = s.flight.DoPut!() as grpc.ClientDuplexStream<unknown, { app_metadata: Buffer }>;
    const acks = collect(call);
    const schema = schemaMessage(t.schema);
    call.write({ flight_descriptor: { type: 1, path: ['db2', 'puts'] }, data_header: schema.dataHeader });
    for (const m of recordBatchMessages(t.batches[0]!)) call.write({ data_header: m.dataHeader, data_body: m.dataBody });
    call.end();
    const results = await acks;
    expect(results.map((r) => JSON.parse(r.app_metadata.toString()))).to.deep.equal([{ request_id: 0, affected_rows: 3 }]);
    const ins = s.query.inserts.at(-1)!;
    expect(ins.session.database).to.equal('public');
    expect(ins.requests[0]).to.include({ database: 'db2', table: 'puts', rowCount: 3, autoCreate: true });
  });

  it('DoPut acknowledges each record batch as it arrives (a client may wait for every ack)', async function () {
    this.timeout(10_000);
    const t = sampleTable();
    const call = s.flight.DoPut!() as grpc.ClientDuplexStream<unknown, { app_metadata: Buffer }>;
    const acks: Array<{ request_id: number; affected_rows: number }> = [];
    const waiters: Array<() => void> = [];
    call.on('data', (r: { app_metadata: Buffer }) => { acks.push(JSON.parse(r.app_metadata.toString())); waiters.shift()?.(); });
    const nextAck = () => new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no acknowledgement after ${acks.length} ack(s)`)), 3000);
      waiters.push(() => { clearTimeout(timer); resolve(); });
    });
    const done = new Promise<void>((resolve, reject) => { call.on('end', resolve); call.on('error', reject); });
    call.write({ flight_descriptor: { type: 1, path: ['acked'] }, data_header: schemaMessage(t.schema).dataHeader });
    for (let i = 0; i < 3; i++) {
      const ack = nextAck();
      for (const m of recordBatchMessages(t.batches[0]!)) call.write({ data_header: m.dataHeader, data_body: m.dataBody });
      await ack; // the stream stays open: the ack must not wait for the next batch
    }
    call.end();
    await done;
    expect(acks).to.deep.equal([0, 1, 2].map((i) => ({ request_id: i, affected_rows: 3 })));
  });

  it('DoPut refuses a record batch before the schema, and bytes that are not IPC', async () => {
    const t = sampleTable();
    for (const first of [recordBatchMessages(t.batches[0]!)[0]!, { dataHeader: new Uint8Array([1, 2, 3, 4, 5]), dataBody: new Uint8Array(0) }]) {
      const call = s.flight.DoPut!() as grpc.ClientDuplexStream<unknown, { app_metadata: Buffer }>;
      const err = new Promise<grpc.ServiceError>((resolve) => { call.on('error', resolve); call.on('data', () => undefined); });
      call.write({ flight_descriptor: { type: 1, path: ['bad'] }, data_header: first.dataHeader, data_body: first.dataBody });
      call.end();
      expect((await err).code).to.equal(grpc.status.INVALID_ARGUMENT);
    }
  });

  it('GetFlightInfo answers the schema (encapsulated IPC) and a ticket for DoGet', async () => {
    s.query.executeImpl = async function* (): AsyncIterable<QueryOutput> { yield recordsOutput(sampleTable()); };
    try {
      const info = await unary<{ schema: Buffer; endpoint: Array<{ ticket: { ticket: Buffer } }> }>(s.flight, 'GetFlightInfo', { type: 1, path: ['cpu'] });
      expect(s.query.statements.at(-1)!.sql).to.equal('SELECT * FROM "cpu"');
      expect(info.endpoint[0]!.ticket.ticket.toString()).to.equal('SELECT * FROM "cpu"');
      const schema = arrow.RecordBatchReader.from(Buffer.concat([info.schema, IPC_END_OF_STREAM])).open().schema;
      expect(schema.fields.map((f) => f.name)).to.deep.equal(['host', 'ts', 'n', 'v']);
    } finally { s.query.executeImpl = undefined; }
  });

  it('refuses messages over maxMessageSize with RESOURCE_EXHAUSTED', async () => {
    const small = await startGrpc({ maxMessageSize: '1KiB' });
    try {
      const err = await unary(small.database, 'Handle', { query: { sql: `SELECT '${'x'.repeat(4096)}'` } }).then(() => undefined, (e: unknown) => e as grpc.ServiceError);
      expect(err?.code).to.equal(grpc.status.RESOURCE_EXHAUSTED);
      expect(small.query.statements).to.have.length(0);
    } finally { await small.stop(); }
  });

  it('stop drains: an in-flight call completes before the server closes', async () => {
    const t = await startGrpc();
    let release!: () => void;
    const gate = new Promise<void>((r) => { release = r; });
    t.query.executeImpl = async function* (): AsyncIterable<QueryOutput> { await gate; yield { kind: 'affected', affectedRows: 7 }; };
    const inflight = unary<{ affected_rows: { value: number } }>(t.database, 'Handle', { query: { sql: 'slow' } });
    await new Promise((r) => setTimeout(r, 100));
    const stopping = t.server.stop();
    await new Promise((r) => setTimeout(r, 100));
    release();
    expect((await inflight).affected_rows.value).to.equal(7);
    await stopping;
    t.database.close(); t.flight.close();
  });
});

describe('protocol-grpc: authentication', function () {
  this.timeout(20_000);
  let s: TestServer;
  before(async () => { s = await startGrpc({}, users); });
  after(async () => { await s?.stop(); });

  it('requires Basic credentials (metadata or request header) when a user provider is bound', async () => {
    const req = { query: { sql: 'SELECT 1' } };
    let err: grpc.ServiceError | undefined;
    try { await unary(s.database, 'Handle', req); } catch (e) { err = e as grpc.ServiceError; }
    expect(err?.code).to.equal(grpc.status.UNAUTHENTICATED);
    expect(err?.metadata.get('x-greptime-err-code')).to.deep.equal(['7003']);
    err = undefined;
    try { await unary(s.database, 'Handle', req, basic('greptime', 'wrong')); } catch (e) { err = e as grpc.ServiceError; }
    expect(err?.code).to.equal(grpc.status.UNAUTHENTICATED);
    expect((await unary<{ affected_rows: { value: number } }>(s.database, 'Handle', req, basic('greptime', 's3cret'))).affected_rows.value).to.equal(0);
    expect((await unary<{ affected_rows: { value: number } }>(s.database, 'Handle', { header: { authorization: { basic: { username: 'greptime', password: 's3cret' } } }, ...req })).affected_rows.value).to.equal(0);
    expect(s.query.statements.at(-1)!.session.user).to.equal('greptime');
    err = undefined;
    try { await collect(s.flight.DoGet!({ ticket: Buffer.from('SELECT 1') })); } catch (e) { err = e as grpc.ServiceError; }
    expect(err?.code).to.equal(grpc.status.UNAUTHENTICATED);
  });
});
