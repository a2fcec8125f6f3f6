import * as arrow from 'apache-arrow';
import { TableNotFoundError, type QueryOutput, type QueryService, type ResultColumn, type Session, type ExecuteOptions } from '@strata/kernel';

/** Params seen by the last execute, for assertions. */
export const seen: { params: unknown[]; sql: string[]; sessions: Session[]; timeoutMs?: number } = { params: [], sql: [], sessions: [] };

function records(columns: ResultColumn[], vectors: arrow.Vector[]): QueryOutput {
  const batch = new arrow.RecordBatch(Object.fromEntries(columns.map((c, i) => [c.name, vectors[i]!.data[0]!])));
  return { kind: 'records', columns, schema: batch.schema, batches: (async function* () { yield batch; })() };
}

/**
 * A stand-in QueryService for protocol unit tests: a few fixed statements.
 * `SELECT * FROM t` -> 3 rows of every type; `SELECT ?` style echo via
 * `SELECT params`; `INSERT ...` -> affected 2; `SELECT * FROM missing` -> TableNotFound.
 */
export const fakeQuery: QueryService = {
  async *execute(sql: string, session: Session, options?: ExecuteOptions): AsyncIterable<QueryOutput> {
    seen.sql.push(sql); seen.sessions.push(session); seen.params = [...(options?.params ?? [])]; seen.timeoutMs = options?.timeoutMs;
    const s = sql.trim().toLowerCase();
    if (s.startsWith('insert')) { yield { kind: 'affected', affectedRows: 2 }; return; }
    if (s.includes('missing')) throw new TableNotFoundError(`${session.database}.missing`);
    if (s === 'select params') {
      const ps = seen.params;
      yield records(ps.map((_, i) => ({ name: `p${i}`, type: { name: 'String' } })),
        ps.map((p) => arrow.vectorFromArray([p === null ? null : `${typeof p}:${p instanceof Uint8Array ? Buffer.from(p).toString('hex') : String(p)}`], new arrow.Utf8())));
      return;
    }
    if (s === 'select * from t') {
      yield records([
        { name: 'host', type: { name: 'String' } },
        { name: 'ts', type: { name: 'TimestampMillisecond' } },
        { name: 'cpu', type: { name: 'Float64' } },
        { name: 'n', type: { name: 'Int64' } },
        { name: 'ok', type: { name: 'Boolean' } },
        { name: 'i32', type: { name: 'Int32' } },
      ], [
        arrow.vectorFromArray(['a', 'b', null], new arrow.Utf8()),
        arrow.vectorFromArray([1700000000123n, 0n, -1000n], new arrow.TimestampMillisecond()),
        arrow.vectorFromArray([1.5, null, -2.25], new arrow.Float64()),
        arrow.vectorFromArray([9007199254740993n, 1n, null], new arrow.Int64()),
        arrow.vectorFromArray([true, false, null], new arrow.Bool()),
        arrow.vectorFromArray([-7, 0, 2147483647], new arrow.Int32()),
      ]);
      return;
    }
    if (s === 'select 1') {
      yield records([{ name: '1', type: { name: 'Int64' } }], [arrow.vectorFromArray([1n], new arrow.Int64())]);
      return;
    }
    if (s.startsWith('create') || s.startsWith('drop')) { yield { kind: 'affected', affectedRows: 0 }; return; }
    throw new Error(`fake query cannot run: ${sql}`);
  },
  async insert() { return 0; },
};
