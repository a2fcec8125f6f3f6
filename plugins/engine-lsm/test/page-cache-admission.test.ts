import { expect } from 'chai';
import { parquetReadInfo } from '../src/parquet-read.js';
import { SCAN_CACHE_SHARE } from '../src/cache-admission.js';
import { wholeReadPageBytes } from '../src/region.js';
import type { SstLayout } from '../src/sst.js';
import { scanRows } from './support/fixtures.js';
import { aggregate, expected, OLD, R, RECENT, recent, twoFileTable } from './support/two-file-table.js';

const CACHE_BYTES = 512 * 1024;

/** An engine with a small page cache and one region of two SSTs: 60k old rows (about 1 MiB of pages), 4k recent ones. */
async function table(opts: Record<string, unknown> = {}) {
  const { engine } = await twoFileTable({ sstPageCacheBytes: String(CACHE_BYTES), ...opts });
  return { engine, pages: engine.sstPages! };
}

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
