import { expect } from 'chai';
import { SCAN_CACHE_SHARE, settleCacheAdmission } from '../src/cache-admission.js';
import { SstChunkCache } from '../src/region.js';
import { fetchRanges, readGroups, type SstLayout } from '../src/sst.js';
import { scanRows, type Harness } from './support/fixtures.js';
import { aggregate, expected, OLD, R, RECENT, recent, twoFileTable } from './support/two-file-table.js';

/**
 * Small enough that the full-table aggregate's chunks (about 10.7 KB
 * compressed: the data compresses very well) are more than the whole cache,
 * big enough that the recent window's (about 1.5 KB) fit its share.
 */
const CACHE_BYTES = 8 * 1024;

async function table(opts: Record<string, unknown> = {}) {
  const h = await twoFileTable({ sstChunkCacheBytes: String(CACHE_BYTES), ...opts });
  return { h, engine: h.engine, chunks: h.engine.sstChunks! };
}

/** What the chunk cache's counters and the store's ranged gets moved by while `f` ran. */
async function delta<T>(h: Harness, f: () => Promise<T>) {
  const c = h.engine.sstChunks!, s = h.store;
  const b = { hits: c.hits, misses: c.misses, evictions: c.evictions, declined: c.declined, bytes: c.bytes, gets: s.rangedGets, read: s.bytesRead };
  const result = await f();
  return {
    result, hits: c.hits - b.hits, misses: c.misses - b.misses, evictions: c.evictions - b.evictions, declined: c.declined - b.declined,
    bytes: c.bytes - b.bytes, gets: s.rangedGets - b.gets, read: s.bytesRead - b.read,
  };
}

describe('engine-lsm: chunk cache admission (a scan holds at most its share of sstChunkCacheBytes)', function () {
  this.timeout(30_000);

  it('a full-table scan bigger than the cache adds no chunk and evicts none: the recent-window query keeps its chunks (no store get)', async () => {
    const { h, engine } = await table();
    const want = expected(...RECENT);
    const first = await delta(h, () => scanRows(engine, R, recent));
    expect(first.result).to.have.length(want.rows);
    expect(first.result.reduce((a, r) => a + (r.usage as number), 0)).to.equal(want.usage);
    expect(first.bytes, 'a small scan keeps its chunks').to.be.greaterThan(0);
    expect(first.bytes).to.be.at.most(CACHE_BYTES * SCAN_CACHE_SHARE);
    // The file's series table is read once and kept (by the region): its chunks are offered and declined.
    expect(first.declined, 'the series-table read adds no chunk').to.be.greaterThan(0);
    const warm = await delta(h, () => scanRows(engine, R, recent));
    expect(warm.result).to.deep.equal(first.result);
    expect(warm.gets, 'repeated: no ranged get').to.equal(0);
    expect(warm.misses).to.equal(0);
    expect(warm.hits).to.be.greaterThan(0);

    for (let round = 0; round < 2; round++) {
      const big = await delta(h, () => aggregate(engine));
      expect(big.result, 'the aggregate sees every row').to.deep.equal(expected(OLD[0], RECENT[1]));
      expect(big.read, 'it fetched more than the whole cache').to.be.greaterThan(CACHE_BYTES);
      expect(big.misses).to.be.greaterThan(0);
      expect(big.bytes, 'it added nothing').to.equal(0);
      expect(big.evictions, 'it pushed nothing out').to.equal(0);
      expect(big.declined, 'its reads were offered and declined').to.be.greaterThan(0);
      // Its share is not spent on the recent file's chunks it finds: it still uses them.
      expect(big.hits, 'the recent chunks it found').to.be.greaterThan(0);
      const after = await delta(h, () => scanRows(engine, R, recent));
      expect(after.result, 'answers unchanged').to.deep.equal(first.result);
      expect(after.gets, 'the small scan reads nothing from the store after the big one').to.equal(0);
      expect(after.misses).to.equal(0);
      expect(after.hits).to.equal(warm.hits);
    }
    await engine.stop();
  });

  it('a scan that may stop early (LIMIT) is held to its share: repeated, it finds those chunks and adds no more', async () => {
    const { h, engine, chunks } = await table();
    await scanRows(engine, R, recent);
    const hot = chunks.bytes;
    const share = Math.floor(CACHE_BYTES * SCAN_CACHE_SHARE);
    // A limit past the table: the scan reads it all, but is judged by what it holds, not up front.
    const first = await delta(h, () => aggregate(engine, 1_000_000));
    expect(first.result).to.deep.equal(expected(OLD[0], RECENT[1]));
    expect(first.bytes, 'some chunks added').to.be.greaterThan(0);
    expect(first.bytes, 'at most its share').to.be.at.most(share);
    expect(first.declined, 'the rest declined').to.be.greaterThan(0);
    expect(first.evictions, 'share + the recent chunks fit: nothing pushed out').to.equal(0);
    const again = await delta(h, () => aggregate(engine, 1_000_000));
    expect(again.result).to.deep.equal(first.result);
    expect(again.hits, 'finds the chunks it added').to.be.greaterThan(0);
    expect(again.misses).to.be.greaterThan(0);
    expect(again.bytes, 'what it finds counts against its share: nothing more added').to.equal(0);
    expect(chunks.bytes - hot).to.be.at.most(share);
    const small = await delta(h, () => scanRows(engine, R, recent));
    expect(small.gets, 'the recent chunks are all still there').to.equal(0);
    expect(small.misses).to.equal(0);
    await engine.stop();
  });

  it('a scan within its share is kept whole as before; sstChunkCacheBytes larger, the full-table scan reads nothing from the store again', async () => {
    const { h, engine } = await table({ sstChunkCacheBytes: '1MiB' });
    const first = await delta(h, () => aggregate(engine));
    expect(first.result).to.deep.equal(expected(OLD[0], RECENT[1]));
    expect(first.bytes).to.be.greaterThan(CACHE_BYTES);
    const again = await delta(h, () => aggregate(engine));
    expect(again.result).to.deep.equal(first.result);
    expect(again.gets, 'every chunk found').to.equal(0);
    expect(again.misses).to.equal(0);
    expect(again.declined).to.equal(0);
    const small = await delta(h, () => scanRows(engine, R, recent));
    expect(small.gets).to.equal(0);
    await engine.stop();
  });

  it('plans a source\'s reads as it makes them: row groups by four, a selected one alone; chunks merged across gaps under 1 MiB', () => {
    expect(readGroups([0, 1, 2, 3, 4, 5, 6], 4, undefined)).to.deep.equal([[0, 1, 2, 3], [4, 5, 6]]);
    expect(readGroups([0, 1, 2, 3, 4, 5, 6], 4, new Map([[2, []], [3, []]]))).to.deep.equal([[0, 1], [2], [3], [4, 5, 6]]);
    expect(readGroups([5, 9], 1, undefined)).to.deep.equal([[5], [9]]);
    const layout: SstLayout = {
      columns: ['ts', 'usage', '__pk_id'], dataEnd: 3_000_000,
      chunks: [[[4, 10], [14, 20], [34, 5]], [[39, 11], [50, 2_000_000], [2_000_050, 6]]],
    };
    // Row group 0's ts and __pk_id: usage lies between (a 20-byte gap), fetched with them.
    expect(fetchRanges(layout, [0], ['ts', '__pk_id'])).to.deep.equal([[4, 35]]);
    // Row group 1's 2 MB usage chunk is a gap over 1 MiB: two ranges.
    expect(fetchRanges(layout, [0, 1], ['ts', '__pk_id'])).to.deep.equal([[4, 46], [2_000_050, 6]]);
    expect(fetchRanges(layout, [1], undefined)).to.deep.equal([[39, 2_000_017]]);
  });

  it('charges what a scan finds and what it adds, declines past its budget, and a scan bigger than its share gets none', () => {
    const cache = new SstChunkCache(1000);
    const a = { bytes: 300 };
    expect(cache.admit(a, 200)).to.equal(true);
    expect(a.bytes).to.equal(100);
    expect(cache.admit(a, 101), 'past its budget').to.equal(false);
    expect(cache.declined).to.equal(1);
    cache.hit(a, 60);
    expect(cache.hits).to.equal(1);
    expect(a.bytes, 'found bytes count').to.equal(40);
    expect(cache.admit(undefined, 1), 'no admission: nothing added').to.equal(false);
    expect(cache.admit({ bytes: 1000 }, 10, 200), 'a buffer over an eighth of the cache').to.equal(false);
    expect(cache.declined).to.equal(3);
    const big = { bytes: 500 }, limited = { bytes: 500 }, small = { bytes: 500 };
    settleCacheAdmission(big, 501, false);
    settleCacheAdmission(limited, 501, true);
    settleCacheAdmission(small, 500, false);
    expect([big.bytes, limited.bytes, small.bytes]).to.deep.equal([0, 500, 500]);
  });
});
