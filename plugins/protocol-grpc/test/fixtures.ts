import * as grpc from '@grpc/grpc-js';
import * as arrow from 'apache-arrow';
import {
  definePlugin, QUERY, StrataServer, USER_PROVIDER, type ExecuteOptions, type InsertRequest, type PluginDefinition,
  type QueryOutput, type QueryService, type Session, type UserProvider,
} from '@strata/kernel';
import grpcPlugin, { serviceDefinition } from '../src/index.js';

/**
 * A recording stand-in for the query service, for unit tests of the gRPC
 * layer itself (framing, mapping, errors); test/grpc runs the real engine.
 */
export class RecordingQueryService implements QueryService {
  readonly inserts: Array<{ requests: readonly InsertRequest[]; session: Session }> = [];
  readonly statements: Array<{ sql: string; session: Session; options?: ExecuteOptions }> = [];
  executeImpl?: (sql: string, session: Session, options?: ExecuteOptions) => AsyncIterable<QueryOutput>;
  insertImpl?: (r: readonly InsertRequest[]) => Promise<number>;

  async *execute(sql: string, session: Session, options?: ExecuteOptions): AsyncIterable<QueryOutput> {
    this.statements.push({ sql, session, options });
    if (this.executeImpl) { yield* this.executeImpl(sql, session, options); return; }
    yield { kind: 'affected', affectedRows: 0 };
  }

  async insert(requests: readonly InsertRequest[], session: Session): Promise<number> {
    this.inserts.push({ requests, session });
    if (this.insertImpl) return this.insertImpl(requests);
    return requests.reduce((n, r) => n + r.rowCount, 0);
  }
}

export function recordsOutput(table: arrow.Table): QueryOutput {
  return {
    kind: 'records',
    columns: table.schema.fields.map((f) => ({ name: f.name, type: { name: 'Float64' } })),
    schema: table.schema,
    batches: (async function* () { yield* table.batches; })(),
  };
}

export interface TestServer {
  server: StrataServer; address: string; query: RecordingQueryService;
  database: grpc.Client & Record<string, Function>; flight: grpc.Client & Record<string, Function>;
  stop(): Promise<void>;
}

const DatabaseClient = grpc.makeGenericClientConstructor(serviceDefinition('greptime.v1.GreptimeDatabase'), 'GreptimeDatabase');
const FlightClient = grpc.makeGenericClientConstructor(serviceDefinition('arrow.flight.protocol.FlightService'), 'FlightService');

/** Starts protocol-grpc on 127.0.0.1:0 over a recording query service, with raw clients. */
export async function startGrpc(options: Record<string, unknown> = {}, users?: UserProvider): Promise<TestServer> {
  const query = new RecordingQueryService();
  const defs: Array<{ definition: PluginDefinition; options?: Record<string, unknown> }> = [
    { definition: definePlugin({ name: 'test-query', kind: 'service', provides: [QUERY], register(ctx) { ctx.bind(QUERY, query); } }) },
  ];
  if (users) defs.push({ definition: definePlugin({ name: 'test-users', kind: 'service', provides: [USER_PROVIDER], register(ctx) { ctx.bind(USER_PROVIDER, users); } }) });
  defs.push({ definition: grpcPlugin as PluginDefinition, options: { port: 0, ...options } });
  const server = await StrataServer.fromDefinitions(defs, { dataHome: '/tmp/strata-grpc-test-unused' }, { logLevel: 'silent', processMetrics: false });
  await server.start();
  const addr = server.addresses().find((a) => a.protocol === 'grpc')!;
  const address = `${addr.host}:${addr.port}`;
  const database = new DatabaseClient(address, grpc.credentials.createInsecure()) as unknown as TestServer['database'];
  const flight = new FlightClient(address, grpc.credentials.createInsecure()) as unknown as TestServer['flight'];
  return {
    server, address, query, database, flight,
    stop: async () => { database.close(); flight.close(); await server.stop(); },
  };
}

/** Promisified unary call. */
export function unary<T>(client: Record<string, Function>, method: string, req: unknown, md = new grpc.Metadata()): Promise<T> {
  return new Promise((resolve, reject) => {
    client[method]!(req, md, { deadline: Date.now() + 10_000 }, (err: Error | null, res: T) => (err ? reject(err) : resolve(res)));
  });
}

/** Collects a server stream. */
export function collect<T>(stream: grpc.ClientReadableStream<T>): Promise<T[]> {
  return new Promise((resolve, reject) => {
    const out: T[] = [];
    stream.on('data', (d: T) => out.push(d));
    stream.on('error', reject);
    stream.on('end', () => resolve(out));
  });
}

/** Re-frames FlightData into IPC stream bytes and reads them with apache-arrow. */
export function flightDataToTable(messages: Array<{ data_header?: Uint8Array; data_body?: Uint8Array }>): arrow.Table {
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
  return new arrow.Table(arrow.RecordBatchReader.from(Buffer.concat(parts)).readAll());
}
