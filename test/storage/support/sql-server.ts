import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createSession, QUERY, StrataServer, type QueryService, type Session } from '@strata/kernel';
import engineLsm from '@strata/engine-lsm';
import storeFs from '@strata/store-fs';
import walLocal from '@strata/wal-local';

/** An in-process server (store-fs + wal-local + engine-lsm) in a temp directory, queried through QueryService. */
export interface LsmSqlServer {
  /** The rows of every result of `sql` as arrays of values (bigints as numbers). */
  rows(sql: string): Promise<unknown[][]>;
  /** The affected-row count of the last output of `sql` (DML, DDL, COPY). */
  affected(sql: string): Promise<number>;
  /** EXPLAIN [ANALYZE] output lines joined. */
  explain(sql: string, analyze?: boolean): Promise<string>;
  stop(): Promise<void>;
}

/**
 * Starts the server with engine-lsm `engineOptions` (compaction off unless
 * given) and a session on database `public`, in a temp directory removed by
 * stop(), or in `dataHome` (kept, so another server can reopen it).
 *
 * @example
 * const s = await startLsmSqlServer('lastpoint', { rowGroupRows: 256 });
 */
export async function startLsmSqlServer(name: string, engineOptions: Record<string, unknown> = {}, dataHome?: string): Promise<LsmSqlServer> {
  // A given dataHome is the caller's (reopened by a later server, removed by the caller).
  const dir = dataHome ?? await mkdtemp(path.join(os.tmpdir(), `strata-e2e-${name}-`));
  const server = await StrataServer.fromDefinitions([
    { definition: storeFs, options: {} },
    { definition: walLocal, options: {} },
    { definition: engineLsm, options: { compaction: { enabled: false }, ...engineOptions } },
  ], { dataHome: dir }, { logLevel: 'silent', processMetrics: false });
  await server.start();
  const q: QueryService = server.get(QUERY);
  const session: Session = createSession({ channel: 'http', database: 'public' });
  const rows = async (sql: string): Promise<unknown[][]> => {
    const out: unknown[][] = [];
    for await (const o of q.execute(sql, session)) {
      if (o.kind !== 'records') continue;
      for await (const b of o.batches) for (const r of b) out.push(Object.values(r.toJSON()).map((v) => (typeof v === 'bigint' ? Number(v) : v)));
    }
    return out;
  };
  const affected = async (sql: string): Promise<number> => {
    let n = -1;
    for await (const o of q.execute(sql, session)) n = o.kind === 'affected' ? o.affectedRows : -1;
    return n;
  };
  return {
    rows,
    affected,
    explain: async (sql, analyze = false) => (await rows(`EXPLAIN ${analyze ? 'ANALYZE ' : ''}${sql}`)).map((r) => r.join(' ')).join('\n'),
    async stop() { await server.stop(); if (!dataHome) await rm(dir, { recursive: true, force: true }); },
  };
}
