import * as arrow from 'apache-arrow';
import type { TableSchema } from '@strata/kernel';
import type { LsmEngine } from '../src/index.js';

/** TSBS cpu-only's ten host tags and ten usage fields, as the engine benches write them. */
export const TAGS = ['hostname', 'region', 'datacenter', 'rack', 'os', 'arch', 'team', 'service', 'service_version', 'service_environment'];
export const FIELDS = ['usage_user', 'usage_system', 'usage_idle', 'usage_nice', 'usage_iowait', 'usage_irq', 'usage_softirq', 'usage_steal', 'usage_guest', 'usage_guest_nice'];

/** The cpu table: the tags as the primary key, a millisecond time index, Float64 fields. */
export const cpuSchema: TableSchema = {
  columns: [
    ...TAGS.map((name) => ({ name, type: { name: 'String' as const }, semantic: 'tag' as const, nullable: true })),
    { name: 'ts', type: { name: 'TimestampMillisecond' }, semantic: 'timestamp', nullable: false },
    ...FIELDS.map((name) => ({ name, type: { name: 'Float64' as const }, semantic: 'field' as const, nullable: true })),
  ],
  timeIndex: 'ts', primaryKey: TAGS, options: {}, version: 1,
};

let seed = 42;
/** A repeatable pseudo-random number in [0, 1] (the same sequence in every run). */
export const rnd = (): number => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);

/**
 * `points` rows of each of `hosts` hosts, 10 s apart from `t0` (ms), in
 * batches of 10,000: each host's fields a random walk in [0, 100], its other
 * tags derived from its number.
 */
export function* cpuBatches(hosts: number, points: number, t0: number): Generator<arrow.RecordBatch> {
  const state = new Float64Array(hosts * FIELDS.length).map(() => Math.floor(rnd() * 100));
  const B = 10_000, total = hosts * points;
  for (let s = 0; s < total; s += B) {
    const n = Math.min(B, total - s);
    const cols: Record<string, arrow.Vector> = {};
    TAGS.forEach((t, ti) => { cols[t] = arrow.vectorFromArray(Array.from({ length: n }, (_, i) => ti === 0 ? `host_${(s + i) % hosts}` : `${t}_${((s + i) % hosts) % (ti + 2)}`), new arrow.Utf8()); });
    const ts = new BigInt64Array(n);
    for (let i = 0; i < n; i++) ts[i] = BigInt(t0 + Math.floor((s + i) / hosts) * 10_000);
    cols.ts = arrow.makeVector({ type: new arrow.TimestampMillisecond(), data: ts });
    FIELDS.forEach((f, fi) => {
      const v = new Float64Array(n);
      for (let i = 0; i < n; i++) { const k = ((s + i) % hosts) * FIELDS.length + fi; const x = Math.min(100, Math.max(0, state[k]! + Math.floor(rnd() * 5) - 2)); state[k] = x; v[i] = x; }
      cols[f] = arrow.makeVector(v);
    });
    yield new arrow.Table(cols).batches[0]!;
  }
}

/** CPU ms of this process so far (user + system). */
export const cpuMs = (): number => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };

/**
 * One scan as an aggregate runs it (unordered, usage_user summed batch by
 * batch): its rows, the sum (printed, so the work is not optimized away),
 * wall and CPU ms.
 */
export async function aggregateScan(engine: LsmEngine, region: string, projection: string[]): Promise<{ rows: number; sum: number; wall: number; cpu: number }> {
  const t = performance.now(), c = cpuMs();
  let rows = 0, sum = 0;
  for await (const b of engine.scan(region, { projection, unordered: true })) {
    rows += b.numRows;
    const v = b.getChild('usage_user')!.data[0]!.values as Float64Array;
    for (let i = 0; i < v.length; i++) sum += v[i]!;
  }
  return { rows, sum, wall: performance.now() - t, cpu: cpuMs() - c };
}
