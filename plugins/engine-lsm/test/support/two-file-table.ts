import { expect } from 'chai';
import * as arrow from 'apache-arrow';
import type { LsmEngine } from '../../src/index.js';
import { cpuSchema, harness, type Harness } from './fixtures.js';

/**
 * A region of two SSTs for the cache-admission tests: an old file of 60k rows
 * (40 hosts, t in [0, 1500)) and a recent one of 4k rows (t in [1500, 1600)),
 * row groups of 4096 rows. The recent window is the small repeated query
 * (a dashboard's), the full-table aggregate the big scan.
 */
export const R = '4096_0';
export const HOSTS = 40;
/** Timestamps (x 10 ms) of the old file and of the recent one. */
export const OLD = [0, 1500] as const, RECENT = [1500, 1600] as const;

/** Rows t in [from, to) of every host, as one batch (typed arrays, not row objects: 60k rows). */
export function batch(from: number, to: number): arrow.RecordBatch {
  const n = (to - from) * HOSTS;
  const host: string[] = [], region: string[] = [];
  const ts = new BigInt64Array(n), usage = new Float64Array(n), cnt = new BigInt64Array(n);
  let i = 0;
  for (let t = from; t < to; t++) {
    for (let h = 0; h < HOSTS; h++, i++) {
      host.push(`host_${h}`); region.push(`r${h % 3}`);
      ts[i] = BigInt(t * 10); usage[i] = ((h * 31 + t) % 97) + 0.5; cnt[i] = BigInt(t * HOSTS + h);
    }
  }
  return new arrow.Table({
    host: arrow.vectorFromArray(host, new arrow.Utf8()), region: arrow.vectorFromArray(region, new arrow.Utf8()),
    ts: arrow.makeVector({ type: new arrow.TimestampMillisecond(), data: ts }),
    usage: arrow.makeVector(usage), cnt: arrow.makeVector(cnt),
  }).batches[0]!;
}

/** Sums a full-table aggregate would compute, of rows t in [from, to). */
export function expected(from: number, to: number): { rows: number; usage: number; cnt: bigint } {
  let usage = 0, cnt = 0n;
  for (let t = from; t < to; t++) for (let h = 0; h < HOSTS; h++) { usage += ((h * 31 + t) % 97) + 0.5; cnt += BigInt(t * HOSTS + h); }
  return { rows: (to - from) * HOSTS, usage, cnt };
}

/** An engine (options `opts`) with the two-file region written and flushed. */
export async function twoFileTable(opts: Record<string, unknown>): Promise<Harness> {
  const h = harness({ rowGroupRows: 4096, ...opts });
  const { engine } = h;
  await engine.createRegion(R, cpuSchema());
  await engine.write(R, batch(...OLD));
  await engine.flush(R);
  await engine.write(R, batch(...RECENT));
  await engine.flush(R);
  expect(engine.stats(R).sstFiles).to.equal(2);
  return h;
}

/** A full-table aggregate's scan: unordered, every field; returns the sums. */
export async function aggregate(engine: LsmEngine, limit?: number) {
  let rows = 0, usage = 0, cnt = 0n;
  for await (const b of engine.scan(R, { projection: ['ts', 'usage', 'cnt'], unordered: true, ...(limit !== undefined ? { limit } : {}) })) {
    rows += b.numRows;
    const u = b.getChild('usage')!, c = b.getChild('cnt')!;
    for (let i = 0; i < b.numRows; i++) { usage += u.get(i) as number; cnt += c.get(i) as bigint; }
  }
  return { rows, usage, cnt };
}

/** The dashboard query: the recent window, every column (reads the recent SST's row groups whole). */
export const recent = { timeRange: { start: BigInt(RECENT[0] * 10), end: BigInt(RECENT[1] * 10) } };
