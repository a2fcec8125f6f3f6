/**
 * Child process for the kill -9 test: composes store-fs + wal-local +
 * engine-lsm on argv[2] (dataHome), writes batches as fast as it can with
 * small memtables (so flushes and compactions run meanwhile), and prints
 * `ack <batch>` after each write resolves. The parent kills it with SIGKILL.
 */
import * as arrow from 'apache-arrow';
import { ENGINE, StrataServer, toArrowSchema, type TableSchema } from '@strata/kernel';
import engineLsm from '@strata/engine-lsm';
import storeFs from '@strata/store-fs';
import walLocal from '@strata/wal-local';

export const CHILD_REGION = '4242_0';
export const childSchema: TableSchema = {
  columns: [
    { name: 'host', type: { name: 'String' }, semantic: 'tag', nullable: true },
    { name: 'ts', type: { name: 'TimestampMillisecond' }, semantic: 'timestamp', nullable: false },
    { name: 'batch', type: { name: 'Int64' }, semantic: 'field', nullable: true },
  ],
  timeIndex: 'ts', primaryKey: ['host'], options: {}, version: 1,
};
export const ROWS_PER_BATCH = 500;

/** Batch b: hosts h0..h9, 50 distinct timestamps each, all new keys. */
export function childBatch(b: number): arrow.RecordBatch {
  const n = ROWS_PER_BATCH;
  const fields = toArrowSchema(childSchema).fields;
  const host = arrow.vectorFromArray(Array.from({ length: n }, (_, i) => `h${i % 10}`), fields[0]!.type);
  const ts = new BigInt64Array(n);
  for (let i = 0; i < n; i++) ts[i] = BigInt(b * 1000 + Math.floor(i / 10));
  const batch = new BigInt64Array(n).fill(BigInt(b));
  return new arrow.Table({
    host, ts: arrow.makeVector({ type: new arrow.TimestampMillisecond(), data: ts }), batch: arrow.makeVector(batch),
  }).batches[0]!;
}

async function main(): Promise<void> {
  const dataHome = process.argv[2]!;
  const server = await StrataServer.fromDefinitions([
    { definition: storeFs, options: {} },
    { definition: walLocal, options: { syncMode: 'always' } },
    { definition: engineLsm, options: { memtableBytesMax: '64KiB', compaction: { enabled: true, windowMs: '1h', filesPerWindowMax: 3, intervalMs: '1s' } } },
  ], { dataHome }, { logLevel: 'silent', processMetrics: false });
  await server.start();
  const engine = server.get(ENGINE);
  await engine.createRegion(CHILD_REGION, childSchema);
  process.stdout.write('ready\n');
  // A few writers at once, so group commit and concurrent appends are exercised.
  let next = 0;
  const writer = async (): Promise<void> => {
    for (;;) {
      const b = next++;
      await engine.write(CHILD_REGION, childBatch(b));
      process.stdout.write(`ack ${b}\n`);
    }
  };
  await Promise.all([writer(), writer(), writer()]);
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop()!)) void main();
