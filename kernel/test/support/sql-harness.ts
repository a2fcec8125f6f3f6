import { expect } from 'chai';
import { createSession, QUERY, StrataServer, type QueryOutput, type Session } from '../../src/index.js';
import { memoryPlugins } from './memory-plugins.js';
import type { MemoryObjectStore } from './memory-object-store.js';

export interface Result { columns: string[]; types: string[]; rows: unknown[][]; affected?: number }

/** Drains one output into plain rows (Arrow values: bigints for Int64/timestamps... as Arrow returns them). */
export async function drain(o: QueryOutput): Promise<Result> {
  if (o.kind === 'affected') return { columns: [], types: [], rows: [], affected: o.affectedRows };
  const rows: unknown[][] = [];
  for await (const b of o.batches) {
    // By position: Arrow rows key by name, and results may repeat a name (m.host, d.host).
    const cols = Array.from({ length: b.numCols }, (_, j) => b.getChildAt(j)!);
    for (let i = 0; i < b.numRows; i++) rows.push(cols.map((c) => c.get(i)));
  }
  return { columns: o.columns.map((c) => c.name), types: o.columns.map((c) => c.type.name), rows };
}

/** A started server with in-memory store and engine, plus a session and helpers. */
export class SqlHarness {
  session: Session = createSession({ channel: 'internal' });
  private constructor(readonly server: StrataServer, readonly mem: ReturnType<typeof memoryPlugins>) {}

  static async start(shared: { store?: MemoryObjectStore; durable?: Map<string, any> } = {}): Promise<SqlHarness> {
    const mem = memoryPlugins(shared);
    const server = await StrataServer.fromDefinitions(mem.plugins, { dataHome: '/tmp/strata-sql-test' }, { logLevel: 'silent', processMetrics: false });
    await server.start();
    return new SqlHarness(server, mem);
  }

  get query() { return this.server.get(QUERY); }

  /** Runs statements; returns every output. */
  async all(sql: string, opts: { params?: unknown[]; timeoutMs?: number; signal?: AbortSignal } = {}): Promise<Result[]> {
    const out: Result[] = [];
    for await (const o of this.query.execute(sql, this.session, opts)) out.push(await drain(o));
    return out;
  }

  /** Runs statements; returns the last output. */
  async q(sql: string, opts: { params?: unknown[]; timeoutMs?: number } = {}): Promise<Result> {
    const all = await this.all(sql, opts);
    return all[all.length - 1]!;
  }

  /** Rows with bigints turned into numbers when safe, for easy deep-equals. */
  async rows(sql: string): Promise<unknown[][]> {
    return (await this.q(sql)).rows.map((r) => r.map(plain));
  }

  /**
   * Runs `sql`, which must fail with a typed error (one with a code: `code`
   * when given) whose message contains `text` (or matches it).
   */
  async fails(sql: string, text: string | RegExp, code?: string): Promise<void> {
    await this.q(sql).then(() => expect.fail(`should fail: ${sql}`), (e: Error & { code?: string }) => {
      if (code !== undefined) expect(e.code, e.message).to.equal(code);
      else expect(e.code, e.message).to.be.a('string');
      if (typeof text === 'string') expect(e.message).to.contain(text);
      else expect(e.message).to.match(text);
    });
  }

  async stop(): Promise<void> { await this.server.stop(); }
}

export function plain(v: unknown): unknown {
  if (typeof v === 'bigint' && v <= BigInt(Number.MAX_SAFE_INTEGER) && v >= BigInt(Number.MIN_SAFE_INTEGER)) return Number(v);
  return v;
}
