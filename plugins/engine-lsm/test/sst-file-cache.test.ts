import { expect } from 'chai';
import { OpenSst, parquetLayout, SstFileCache } from '../src/sst.js';
import { batchOf, cpuSchema, harness, scanRows } from './support/fixtures.js';

const R = '5120_0';
const MIN = 60_000;

function rows(hosts: number, fromMin: number, toMin: number, salt: number): Array<Record<string, unknown>> {
  const out = [];
  for (let h = 0; h < hosts; h++) for (let m = fromMin; m < toMin; m++) out.push({ host: `h${h}`, region: 'eu', ts: m * MIN, usage: salt * 1e6 + h * 1e4 + m, cnt: BigInt(salt) });
  return out;
}

describe('engine-lsm: opened SSTs (parsed footers) cached between scans', function () {
  this.timeout(60000);

  it('a second scan fetches no footer and opens no file; compaction, truncate and drop invalidate; answers unchanged', async () => {
    const h = harness();
    const s = cpuSchema();
    await h.engine.createRegion(R, s);
    await h.engine.write(R, batchOf(s, rows(4, 0, 60, 1)));
    await h.engine.flush(R);
    await h.engine.write(R, batchOf(s, rows(4, 30, 90, 2)));
    await h.engine.flush(R);
    const cache = h.engine.sstFiles!;
    expect(cache, 'on by default').to.not.equal(undefined);
    const first = await scanRows(h.engine, R);
    expect(first).to.have.length(4 * 90);
    expect(cache.opens).to.equal(2);
    expect(cache.size).to.equal(2);
    expect(cache.bytes).to.be.greaterThan(0);
    h.engine.sstChunks?.clear(); // cached column chunks would leave no get to count
    const getsBefore = h.store.rangedGets;
    const second = await scanRows(h.engine, R, { predicates: [{ column: 'host', op: '=', value: 'h1' }] });
    expect(second).to.deep.equal(first.filter((r) => r.host === 'h1'));
    expect(cache.opens, 'no file opened again').to.equal(2);
    expect(cache.hits).to.be.at.least(2);
    // Only column chunks: one coalesced get per file read, no footer gets.
    expect(h.store.rangedGets - getsBefore).to.equal(2);

    // Compaction deletes both inputs: their entries go; the output is opened on the next scan.
    await h.engine.compact(R);
    expect(cache.size).to.equal(0);
    expect(cache.bytes).to.equal(0);
    expect(await scanRows(h.engine, R)).to.deep.equal(first);
    expect(cache.opens).to.equal(3);
    expect(cache.size).to.equal(1);

    await h.engine.truncate(R);
    expect(cache.size).to.equal(0);
    await h.engine.write(R, batchOf(s, rows(2, 0, 10, 3)));
    await h.engine.flush(R);
    expect(await scanRows(h.engine, R)).to.have.length(20);
    expect(cache.size).to.equal(1);
    await h.engine.dropRegion(R);
    expect(cache.size).to.equal(0);
    expect(cache.bytes).to.equal(0);
    await h.engine.stop();
  });

  it('concurrent scans share an opened file (one blob, each read removing only its own chunks) and get the answers serial scans get', async () => {
    const h = harness({ rowGroupRows: 64 });
    const s = cpuSchema();
    await h.engine.createRegion(R, s);
    await h.engine.write(R, batchOf(s, rows(6, 0, 120, 1)));
    await h.engine.flush(R);
    await h.engine.write(R, batchOf(s, rows(6, 60, 180, 2)));
    await h.engine.flush(R);
    const reqs = Array.from({ length: 12 }, (_, k) => ({
      predicates: [{ column: 'host', op: '=' as const, value: `h${k % 6}` }],
      timeRange: { start: BigInt((k * 7) * MIN), end: BigInt((k * 7 + 100) * MIN) },
    }));
    const serial = [];
    for (const r of reqs) serial.push(await scanRows(h.engine, R, r));
    const opens = h.engine.sstFiles!.opens;
    const together = await Promise.all(reqs.map((r) => scanRows(h.engine, R, r)));
    expect(together).to.deep.equal(serial);
    expect(serial.every((x) => x.length > 0)).to.equal(true);
    expect(h.engine.sstFiles!.opens, 'served by the cached files').to.equal(opens);
    await h.engine.stop();
  });

  it('over budget, kept pages go before footers: point reads of many series keep every file open', async () => {
    // 8 files of 40 series; each point read keeps its pages and decoded rows in the file (a
    // quarter of the cache per file), so together they outgrow the cache: pages are dropped,
    // least recently used file first, and no footer is fetched and parsed again.
    const h = harness({ sstMetaCacheBytes: '1MiB' });
    const s = cpuSchema();
    await h.engine.createRegion(R, s);
    for (let k = 0; k < 8; k++) { await h.engine.write(R, batchOf(s, rows(40, k * 60, k * 60 + 60, k))); await h.engine.flush(R); }
    const cache = h.engine.sstFiles!;
    const point = (host: number) => scanRows(h.engine, R, { predicates: [{ column: 'host', op: '=', value: `h${host}` }] });
    let grown = 0;
    for (let round = 0; round < 2; round++) {
      for (let host = 0; host < 40; host++) {
        const got = await point(host);
        expect(got, `h${host}`).to.have.length(8 * 60);
        expect(got.every((r) => r.host === `h${host}`)).to.equal(true);
        grown = Math.max(grown, cache.bytes);
      }
    }
    expect(cache.opens, 'each file opened once').to.equal(8);
    expect(cache.size).to.equal(8);
    expect(cache.bytes).to.be.at.most(1024 * 1024);
    expect(grown, 'the kept pages filled the cache').to.be.greaterThan(900 * 1024);
    await h.engine.stop();
  });

  it('over budget because of footers, closes the least recently used file first and leaves the pages of the files that stay', async () => {
    // Found in review: the pages-first pass dropped the most recent file's pages, then closed the
    // oldest file anyway. Budget 2.5 footers: A (oldest, no pages), B (pages), then C opened.
    const s = cpuSchema();
    const h = harness({ sstMetaCacheBytes: '0' });
    await h.engine.createRegion(R, s);
    for (let k = 0; k < 3; k++) { await h.engine.write(R, batchOf(s, rows(50, k * 40, k * 40 + 40, k))); await h.engine.flush(R); }
    const keys = [...h.store.objects.keys()].filter((k) => k.endsWith('.parquet'));
    expect(keys).to.have.length(3);
    const opener = async (k: string) => {
      const bytes = h.store.objects.get(k)!;
      const layout = await parquetLayout(bytes);
      return () => OpenSst.open(bytes.length, layout, async (o, l) => bytes.subarray(o, o + l));
    };
    const [fa, fb, fc] = await Promise.all(keys.map(opener));
    const base = (await fa!()).bytes;
    const cache = new SstFileCache(Math.floor(base * 2.5));
    const a = await cache.acquire('a', fa!); a.release();
    const b = await cache.acquire('b', fb!);
    for (const off of [4, 5000, 9000]) b.pageStore!.put(off, new Uint8Array(Math.floor(base / 10)));
    b.release();
    const c = await cache.acquire('c', fc!); c.release();
    expect(a.freed, 'A closed').to.equal(true);
    expect([4, 5000, 9000].map((o) => b.pageStore?.get(o) !== undefined), "B's pages kept").to.deep.equal([true, true, true]);
    expect(cache.bytes).to.be.at.most(cache.bytesMax);
    expect(cache.size).to.equal(2);
    await h.engine.stop();
  });

  it('stays within sstMetaCacheBytes (least recently used closed), a scan stopped early releases its files, and 0 turns it off', async () => {
    const h = harness({ sstMetaCacheBytes: '1B' });
    const s = cpuSchema();
    await h.engine.createRegion(R, s);
    for (let k = 0; k < 3; k++) { await h.engine.write(R, batchOf(s, rows(3, k * 10, k * 10 + 10, k))); await h.engine.flush(R); }
    const all = await scanRows(h.engine, R);
    expect(all).to.have.length(90);
    const cache = h.engine.sstFiles!;
    // Every file is larger than 1 byte: none is kept once opened.
    expect(cache.size).to.equal(0);
    expect(cache.bytes).to.equal(0);
    const opens = cache.opens;
    expect(await scanRows(h.engine, R)).to.deep.equal(all);
    expect(cache.opens - opens, 'every file opened again').to.equal(3);
    // A scan abandoned after one batch (its sources closed by the scan's finally).
    for await (const b of h.engine.scan(R, { batchSize: 1 })) { expect(b.numRows).to.equal(1); break; }
    expect(await scanRows(h.engine, R)).to.deep.equal(all);
    await h.engine.stop();

    const off = harness({ sstMetaCacheBytes: '0' });
    await off.engine.createRegion(R, s);
    await off.engine.write(R, batchOf(s, rows(3, 0, 10, 1)));
    await off.engine.flush(R);
    expect(off.engine.sstFiles).to.equal(undefined);
    expect(await scanRows(off.engine, R)).to.have.length(30);
    await off.engine.stop();
  });
});
