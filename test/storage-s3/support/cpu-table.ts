import * as arrow from 'apache-arrow';
import { toArrowSchema, type StorageEngine, type TableSchema } from '@strata/kernel';

/** cpu(host TAG, ts ms TIME INDEX, usage Float64, cnt Int64). */
export const cpuSchema: TableSchema = {
  columns: [
    { name: 'host', type: { name: 'String' }, semantic: 'tag', nullable: true },
    { name: 'ts', type: { name: 'TimestampMillisecond' }, semantic: 'timestamp', nullable: false },
    { name: 'usage', type: { name: 'Float64' }, semantic: 'field', nullable: true },
    { name: 'cnt', type: { name: 'Int64' }, semantic: 'field', nullable: true },
  ],
  timeIndex: 'ts', primaryKey: ['host'], options: {}, version: 1,
};

export interface CpuRow { host: string; ts: number; usage: number; cnt: bigint }

/** A record batch of cpu rows (test convenience: row objects, not a hot path). */
export function cpuBatch(rows: readonly CpuRow[]): arrow.RecordBatch {
  const cols: Record<string, arrow.Vector> = {};
  for (const f of toArrowSchema(cpuSchema).fields) {
    const b = arrow.makeBuilder({ type: f.type, nullValues: [null, undefined] });
    for (const r of rows) b.append(r[f.name as keyof CpuRow] as never);
    cols[f.name] = b.finish().toVector();
  }
  return new arrow.Table(cols).batches[0]!;
}

/** `count` rows of batch number `batch`: 7 hosts, distinct timestamps per batch. */
export function cpuRows(batch: number, count: number, usageBase = 0, hosts = 7): CpuRow[] {
  return Array.from({ length: count }, (_, i) => ({
    host: `host-${i % hosts}`, ts: 1_700_000_000_000 + batch * 10_000_000 + i, usage: usageBase + i / 10, cnt: BigInt(batch * 10_000_000 + i),
  }));
}

/** Every row of a region as a sortable string `host|ts|usage|cnt`. */
export async function scanStrings(engine: StorageEngine, region: string): Promise<string[]> {
  const out: string[] = [];
  for await (const b of engine.scan(region, {})) {
    for (let i = 0; i < b.numRows; i++) {
      const ts = b.getChild('ts')!.get(i) as number | bigint;
      out.push(`${b.getChild('host')!.get(i)}|${Number(ts)}|${b.getChild('usage')!.get(i)}|${b.getChild('cnt')!.get(i)}`);
    }
  }
  return out.sort();
}

/** The rows a scan must return: last write wins per (host, ts). */
export function expectedStrings(rows: readonly CpuRow[]): string[] {
  const byKey = new Map<string, CpuRow>();
  for (const r of rows) byKey.set(`${r.host}|${r.ts}`, r);
  return [...byKey.values()].map((r) => `${r.host}|${r.ts}|${r.usage}|${r.cnt}`).sort();
}
