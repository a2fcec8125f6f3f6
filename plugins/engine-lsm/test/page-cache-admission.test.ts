import { expect } from 'chai';
import * as arrow from 'apache-arrow';
import { parquetReadInfo } from '../src/parquet-read.js';
import { SCAN_CACHE_SHARE } from '../src/cache-admission.js';
import { wholeReadPageBytes } from '../src/region.js';
import type { SstLayout } from '../src/sst.js';
import { cpuSchema, harness, scanRows } from './support/fixtures.js';

const R = '4096_0';
const HOSTS = 40;
/** Timestamps (x 10 ms) of the old file and of the recent one. */
const OLD = [0, 1500] as const, RECENT = [1500, 1600] as const;
const CACHE_BYTES = 512 * 1024;

/** Rows t in [from, to) of every host, as one batch (typed arrays, not row objects: 60k rows). */
function batch(from: number, to: number): arrow.RecordBatch {
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
function expected(from: number, to: number): { rows: number; usage: number; cnt: bigint } {
  let usage = 0, cnt = 0n;
  for (let t = from; t < to; t++) for (let h = 0; h < HOSTS; h++) { usage += ((h * 31 + t) % 97) + 0.5; cnt += BigInt(t * HOSTS + h); }
  return { rows: (to - from) * HOSTS, usage, cnt };
}

/** An engine with a small page cache and one region of two SSTs: 60k old rows (about 1 MiB of pages), 4k recent ones. */
async function table(opts: Record<string, unknown> = {}) {
  const h = harness({ rowGroupRows: 4096, sstPageCacheBytes: String(CACHE_BYTES), ...opts });
  const { engine } = h;
  await engine.createRegion(R, cpuSchema());
  await engine.write(R, batch(...OLD));
  await engine.flush(R);
  await engine.write(R, batch(...RECENT));
  await engine.flush(R);
  expect(engine.stats(R).sstFiles).to.equal(2);
  return { engine, pages: engine.sstPages! };
}

/** A full-table aggregate's scan: unordered, every field; returns the sums. */
async function aggregate(engine: Awaited<ReturnType<typeof table>>['engine'], limit?: number) {
  let rows = 0, usage = 0, cnt = 0n;
  for await (const b of engine.scan(R, { projection: ['ts', 'usage', 'cnt'], unordered: true, ...(limit !== undefined ? { limit } : {}) })) {
    rows += b.numRows;
    const u = b.getChild('usage')!, c = b.getChild('cnt')!;
    for (let i = 0; i < b.numRows; i++) { usage += u.get(i) as number; cnt += c.get(i) as bigint; }
  }
  return { rows, usage, cnt };
}

/** The dashboard query: the recent window, every column (reads the recent SST's row groups whole). */
const recent = { timeRange: { start: BigInt(RECENT[0] * 10), end: BigInt(RECENT[1] * 10) } };

/** What the counters moved by while `f` ran. */
async function delta<T>(pages: { hits: number; misses: number; evictions: number; declined: number; bytes: number }, f: () => Promise<T>) {
  const b = { hits: pages.hits, misses: pages.misses, evictions: pages.evictions, declined: pages.declined, bytes: pages.bytes, decompressed: parquetReadInfo().pagesDecompressed };
  const result = await f();
  return {
    result, hits: pages.hits - b.hits, misses: pages.misses - b.misses, evictions: pages.evictions - b.evictions,
    declined: pages.declined - b.declined, bytes: pages.bytes - b.bytes, decompressed: parquetReadInfo().pagesDecompressed - b.decompressed,
  };
}

describe('engine-lsm: page cache admission (a scan holds at most its share of sstPageCacheBytes)', function () {
  this.timeout(30_000);

  it('a full-table scan bigger than the cache adds no page: the recent-window query keeps all its pages and hits', async () => {
    const { engine, pages } = await table();
    const want = expected(...RECENT);
    const first = await delta(pages, () => scanRows(engine, R, recent));
    expect(first.result).to.have.length(want.rows);
    expect(first.result.reduce((a, r) => a + (r.usage as number), 0)).to.equal(want.usage);
    expect(first.bytes, 'a small scan keeps its pages').to.be.greaterThan(0);
    expect(first.bytes).to.be.at.most(CACHE_BYTES * SCAN_CACHE_SHARE);
    // The file's series table is read once and kept: its pages are offered and declined.
    expect(first.declined, 'the series-table read adds no page').to.be.greaterThan(0);
    const warm = await delta(pages, () => scanRows(engine, R, recent));
    expect(warm.result).to.deep.equal(first.result);
    expect(warm.misses, 'repeated: every page found').to.equal(0);
    expect(warm.hits).to.be.greaterThan(0);
    expect(warm.decompressed).to.equal(0);

    for (let round = 0; round < 2; round++) {
      const big = await delta(pages, () => aggregate(engine));
      expect(big.result, 'the aggregate sees every row').to.deep.equal(expected(OLD[0], RECENT[1]));
      expect(big.decompressed, 'it decompressed what it read').to.be.greaterThan(0);
      expect(big.bytes, 'it added nothing').to.equal(0);
      expect(big.evictions, 'it pushed nothing out').to.equal(0);
      expect(big.declined, 'its pages were offered and declined').to.be.greaterThan(0);
      // Its share is not spent on the recent file's pages it finds: it still uses them.
      expect(big.hits, 'the recent pages it found').to.be.greaterThan(0);
      const after = await delta(pages, () => scanRows(engine, R, recent));
      expect(after.result, 'answers unchanged').to.deep.equal(first.result);
      expect(after.misses, 'the small scan finds all its pages after the big one').to.equal(0);
      expect(after.hits).to.equal(warm.hits);
      expect(after.decompressed).to.equal(0);
    }
    await engine.stop();
  });

  it('a scan that may stop early (LIMIT) is held to its share: repeated, it finds those pages and adds no more', async () => {
    const { engine, pages } = await table();
    await scanRows(engine, R, recent);
    const hot = pages.bytes;
    const share = Math.floor(CACHE_BYTES * SCAN_CACHE_SHARE);
    // A limit past the table: the scan reads it all, but is judged by what it holds, not up front.
    const first = await delta(pages, () => aggregate(engine, 1_000_000));
    expect(first.result).to.deep.equal(expected(OLD[0], RECENT[1]));
    expect(first.bytes, 'some pages added').to.be.greaterThan(0);
    expect(first.bytes, 'at most its share').to.be.at.most(share);
    expect(first.declined, 'the rest declined').to.be.greaterThan(0);
    expect(first.evictions, 'share + the recent pages fit: nothing pushed out').to.equal(0);
    const again = await delta(pages, () => aggregate(engine, 1_000_000));
    expect(again.result).to.deep.equal(first.result);
    expect(again.hits, 'finds the pages it added').to.be.greaterThan(0);
    expect(again.misses).to.be.greaterThan(0);
    expect(again.bytes, 'what it finds counts against its share: nothing more added').to.equal(0);
    expect(pages.bytes - hot).to.be.at.most(share);
    const small = await delta(pages, () => scanRows(engine, R, recent));
    expect(small.misses, 'the recent pages are all still there').to.equal(0);
    await engine.stop();
  });

  it('a scan within its share is kept whole as before; sstPageCacheBytes larger, the full-table scan is too', async () => {
    const { engine, pages } = await table({ sstPageCacheBytes: '16MiB' });
    const first = await delta(pages, () => aggregate(engine));
    expect(first.result).to.deep.equal(expected(OLD[0], RECENT[1]));
    expect(first.bytes).to.be.greaterThan(CACHE_BYTES);
    expect(first.declined, 'only the series-table reads').to.be.greaterThan(0);
    const again = await delta(pages, () => aggregate(engine));
    expect(again.result).to.deep.equal(first.result);
    expect(again.misses, 'every page found').to.equal(0);
    expect(again.decompressed).to.equal(0);
    expect(again.declined).to.equal(0);
    await engine.stop();
  });

  it('sizes a scan by its row groups read whole and its columns: decompressed sizes from the layout, else stored ones', () => {
    const layout: SstLayout = {
      columns: ['ts', 'usage', '__pk_id'], dataEnd: 400,
      chunks: [[[4, 10], [14, 20], [34, 5]], [[39, 11], [50, 21], [71, 6]], [[77, 12], [89, 22], [111, 7]]],
      decompressed: [[100, 200, 50], [110, 210, 60], [120, 220, 70]],
    };
    expect(wholeReadPageBytes(layout, [0, 1, 2], undefined, ['ts', 'usage'])).to.equal(100 + 200 + 110 + 210 + 120 + 220);
    // Row group 1 has a row selection: a small read, its pages stay with the opened file.
    expect(wholeReadPageBytes(layout, [0, 1, 2], new Map([[1, []]]), ['usage', 'nope'])).to.equal(200 + 220);
    expect(wholeReadPageBytes(layout, [2], undefined, ['__pk_id'])).to.equal(70);
    // A file written before decompressed sizes were recorded: stored sizes (a lower bound).
    const { decompressed: _, ...old } = layout;
    expect(wholeReadPageBytes(old, [0, 2], undefined, ['ts', 'usage', '__pk_id'])).to.equal(10 + 20 + 5 + 12 + 22 + 7);
  });
});
