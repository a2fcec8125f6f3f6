import * as arrow from 'apache-arrow';
import { ExecutionError, type QueryOutput, type QueryService, type Session } from '@strata/kernel';

/**
 * A stand-in for the kernel's SQL engine (not committed when these tests
 * were written): answers `SELECT ... FROM <table>` with a whole registered
 * table (`hang` never answers) and fails for anything else, recording each statement and the
 * session database it ran in. End-to-end tests in the root test/ run the real one.
 */
export class FakeQueryService implements QueryService {
  readonly calls: Array<{ sql: string; database: string }> = [];
  constructor(readonly tables: Record<string, arrow.Table>) {}

  async *execute(sql: string, session: Session): AsyncIterable<QueryOutput> {
    this.calls.push({ sql, database: session.database });
    const m = /\bfrom\s+([A-Za-z_][A-Za-z0-9_]*)/i.exec(sql);
    // `hang` never answers: for time-limit tests
    if (m?.[1] === 'hang') await new Promise(() => undefined);
    const table = m ? this.tables[m[1]!] : undefined;
    if (!table) throw new ExecutionError(`Table not found: ${m?.[1] ?? '?'}`);
    yield {
      kind: 'records',
      columns: [],
      schema: table.schema,
      batches: (async function* () { yield* table.batches; })(),
    };
  }

  async insert(): Promise<number> {
    throw new ExecutionError('not supported by the fake');
  }
}
