import * as arrow from 'apache-arrow';
import {
  definePlugin, QUERY, StrataServer, USER_PROVIDER, type InsertRequest, type QueryOutput, type QueryService,
  type Session, type ExecuteOptions, type PluginDefinition, type UserProvider,
} from '@strata/kernel';
import httpPlugin from '../src/index.js';

/**
 * A recording stand-in for the query service, used only where the unit
 * tests exercise the HTTP layer itself (encoding, limits, error mapping);
 * the end-to-end tests in the root test/ run the real SQL engine.
 */
export class RecordingQueryService implements QueryService {
  readonly inserts: Array<{ requests: readonly InsertRequest[]; session: Session }> = [];
  readonly statements: Array<{ sql: string; session: Session; options?: ExecuteOptions }> = [];
  insertImpl?: (r: readonly InsertRequest[]) => Promise<number>;
  executeImpl?: (sql: string, session: Session, options?: ExecuteOptions) => AsyncIterable<QueryOutput>;

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

/** One records output from Arrow vectors. */
export function recordsOutput(columns: Record<string, arrow.Vector>, types: Record<string, string>): QueryOutput {
  const table = new arrow.Table(columns);
  return {
    kind: 'records',
    columns: Object.keys(columns).map((name) => ({ name, type: { name: types[name] as never } })),
    schema: table.schema,
    batches: (async function* () { yield* table.batches; })(),
  };
}

export interface TestServer { server: StrataServer; url: string; query: RecordingQueryService; stop(): Promise<void> }

/** Starts a server with protocol-http on 127.0.0.1:0 over a recording query service. */
export async function startHttp(options: Record<string, unknown> = {}, extra: { users?: UserProvider; plugins?: PluginDefinition[] } = {}): Promise<TestServer> {
  const query = new RecordingQueryService();
  const queryPlugin = definePlugin({ name: 'test-query', kind: 'service', provides: [QUERY], register(ctx) { ctx.bind(QUERY, query); } });
  const defs: Array<{ definition: PluginDefinition; options?: Record<string, unknown> }> = [{ definition: queryPlugin }];
  if (extra.users) {
    const users = extra.users;
    defs.push({ definition: definePlugin({ name: 'test-users', kind: 'service', provides: [USER_PROVIDER], register(ctx) { ctx.bind(USER_PROVIDER, users); } }) });
  }
  for (const p of extra.plugins ?? []) defs.push({ definition: p });
  defs.push({ definition: httpPlugin as PluginDefinition, options: { port: 0, ...options } });
  const server = await StrataServer.fromDefinitions(defs, { dataHome: '/tmp/strata-http-test-unused' }, { logLevel: 'silent', processMetrics: false });
  await server.start();
  const url = server.addresses()[0]!.url;
  return { server, url, query, stop: () => server.stop() };
}
