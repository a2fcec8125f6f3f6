import * as arrow from 'apache-arrow';
import { toArrowSchema, type ScanMetrics, type ScanRequest, type StorageEngine, type TableSchema, type Logger } from '@strata/kernel';
import { defaultEngineLsmOptions, LsmEngine } from '../../src/index.js';
import { MemoryStore } from './memory-store.js';
import { MemoryWal } from './memory-wal.js';

export const silentLogger: Logger = {
  trace() {}, debug() {}, info() {}, warn() {}, error() {}, fatal() {},
  child() { return silentLogger; },
};

/** cpu(host, region TAGS, ts ms TIME INDEX, usage Float64, cnt Int64). */
export function cpuSchema(options: TableSchema['options'] = {}): TableSchema {
  return {
    columns: [
      { name: 'host', type: { name: 'String' }, semantic: 'tag', nullable: true },
      { name: 'region', type: { name: 'String' }, semantic: 'tag', nullable: true },
      { name: 'ts', type: { name: 'TimestampMillisecond' }, semantic: 'timestamp', nullable: false },
      { name: 'usage', type: { name: 'Float64' }, semantic: 'field', nullable: true },
      { name: 'cnt', type: { name: 'Int64' }, semantic: 'field', nullable: true },
    ],
    timeIndex: 'ts', primaryKey: ['host', 'region'], options, version: 1,
  };
}

export interface Row { host: string | null; region: string | null; ts: number; usage?: number | null; cnt?: bigint | null }

/** A record batch of the schema's columns from row objects (test convenience only). */
export function batchOf(schema: TableSchema, rows: ReadonlyArray<Record<string, unknown>>, only?: readonly string[]): arrow.RecordBatch {
  const s = toArrowSchema(schema);
  const fields = s.fields.filter((f) => !only || only.includes(f.name));
  const cols: Record<string, arrow.Vector> = {};
  for (const f of fields) {
    const b = arrow.makeBuilder({ type: f.type, nullValues: [null, undefined] });
    for (const r of rows) b.append(r[f.name] as never);
    cols[f.name] = b.finish().toVector();
  }
  return new arrow.Table(cols).batches[0] ?? new arrow.RecordBatch(cols as never);
}

/** All rows of a scan as plain objects (ts as number, Int64 as bigint). */
export async function scanRows(engine: StorageEngine, region: string, req: ScanRequest = {}): Promise<Array<Record<string, unknown>>> {
  const out: Array<Record<string, unknown>> = [];
  for await (const b of engine.scan(region, req)) {
    for (let i = 0; i < b.numRows; i++) {
      const r: Record<string, unknown> = {};
      for (const f of b.schema.fields) r[f.name] = b.getChild(f.name)!.get(i);
      out.push(r);
    }
  }
  return out;
}

export function newMetrics(): ScanMetrics {
  return { rowsScanned: 0, rowsReturned: 0, filesTotal: 0, filesPruned: 0, rowGroupsTotal: 0, rowGroupsPruned: 0 };
}

export interface Harness { engine: LsmEngine; wal: MemoryWal; store: MemoryStore; reopen(): Promise<LsmEngine> }

/** An engine over in-memory WAL + store; `reopen` builds a new engine over the same ones. */
export function harness(opts: Record<string, unknown> = {}): Harness {
  const wal = new MemoryWal();
  const store = new MemoryStore();
  const make = (): LsmEngine => new LsmEngine(wal, store, defaultEngineLsmOptions({ compaction: { enabled: false }, ...opts }), silentLogger);
  const h: Harness = {
    engine: make(), wal, store,
    async reopen() { await h.engine.stop(); h.engine = make(); return h.engine; },
  };
  return h;
}
