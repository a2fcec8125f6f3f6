import { expect } from 'chai';
import type { ScanPredicate } from '@strata/kernel';
import { batchOf, cpuSchema, harness, scanRows } from './support/fixtures.js';

/**
 * Field predicates (`usage > 90`) filter rows inside the scan, after
 * deduplication, keeping at least every row the query engine's filter would
 * keep (it runs again above the scan).
 */
describe('engine-lsm: field predicates filter rows in the scan', function () {
  this.timeout(20000);
  const R = '1024_0';

  const rowsOf = async (engine: ReturnType<typeof harness>['engine'], predicates: ScanPredicate[]) =>
    (await scanRows(engine, R, { predicates })).map((r) => [r.host, r.ts, r.usage, r.cnt]);

  it('keeps only passing rows, across memtable and SSTs, after last-write-wins', async () => {
    const { engine } = harness();
    const s = cpuSchema();
    await engine.createRegion(R, s);
    await engine.write(R, batchOf(s, [
      { host: 'a', region: 'x', ts: 1, usage: 95, cnt: 1n },
      { host: 'a', region: 'x', ts: 2, usage: 10, cnt: 2n },
      { host: 'a', region: 'x', ts: 3, usage: 99, cnt: 3n },
      { host: 'b', region: 'x', ts: 1, usage: 91, cnt: 4n },
    ]));
    await engine.flush(R);
    // Newer versions: ts 1 of a drops below, ts 2 of a rises above the threshold.
    await engine.write(R, batchOf(s, [
      { host: 'a', region: 'x', ts: 1, usage: 5, cnt: 5n },
      { host: 'a', region: 'x', ts: 2, usage: 92, cnt: 6n },
      { host: 'b', region: 'x', ts: 2, usage: null, cnt: 7n },
    ]));
    expect(await rowsOf(engine, [{ column: 'usage', op: '>', value: 90 }])).to.deep.equal([
      ['a', 2, 92, 6n], ['a', 3, 99, 3n], ['b', 1, 91, 4n],
    ]);
    await engine.flush(R);
    expect(await rowsOf(engine, [{ column: 'usage', op: '>', value: 90 }])).to.deep.equal([
      ['a', 2, 92, 6n], ['a', 3, 99, 3n], ['b', 1, 91, 4n],
    ]);
    await engine.compact(R);
    expect(await rowsOf(engine, [{ column: 'usage', op: '>', value: 90 }, { column: 'cnt', op: '<=', value: 4n }])).to.deep.equal([
      ['a', 3, 99, 3n], ['b', 1, 91, 4n],
    ]);
    expect(await rowsOf(engine, [{ column: 'usage', op: 'is not null' }])).to.have.length(4);
    expect(await rowsOf(engine, [{ column: 'usage', op: '=', value: 5 }])).to.deep.equal([['a', 1, 5, 5n]]);
    expect(await rowsOf(engine, [{ column: 'usage', op: '!=', value: 5 }])).to.have.length(3);
  });

  it('lets NaN through and leaves predicates it cannot test exactly to the query engine', async () => {
    const { engine } = harness();
    const s = cpuSchema();
    await engine.createRegion(R, s);
    await engine.write(R, batchOf(s, [
      { host: 'a', region: 'x', ts: 1, usage: Number.NaN, cnt: 1n },
      { host: 'a', region: 'x', ts: 2, usage: 1, cnt: 2n },
    ]));
    expect((await rowsOf(engine, [{ column: 'usage', op: '>', value: 90 }])).map((r) => r[1])).to.deep.equal([1]);
    // A number against a 64-bit integer column, a string against a float one: not tested in the scan.
    expect(await rowsOf(engine, [{ column: 'cnt', op: '>', value: 5 }])).to.have.length(2);
    expect(await rowsOf(engine, [{ column: 'usage', op: '>', value: 'x' }])).to.have.length(2);
  });
});

describe('engine-lsm: SST column chunks cached between scans (SstChunkCache)', function () {
  this.timeout(20000);
  const R = '1024_0';

  it('a repeated scan reads no SST bytes from the store; chunks of files compaction removed are dropped', async () => {
    const h = harness();
    const s = cpuSchema();
    await h.engine.createRegion(R, s);
    const rows = [];
    for (let i = 0; i < 200; i++) rows.push({ host: `h${i % 4}`, region: 'x', ts: i, usage: i, cnt: BigInt(i) });
    await h.engine.write(R, batchOf(s, rows.slice(0, 100)));
    await h.engine.flush(R);
    await h.engine.write(R, batchOf(s, rows.slice(100)));
    await h.engine.flush(R);
    const cache = h.engine.sstChunks!;
    expect(cache, 'on by default').to.not.equal(undefined);
    const first = await scanRows(h.engine, R);
    expect(first).to.have.length(200);
    const gets = h.store.rangedGets;
    expect(await scanRows(h.engine, R)).to.deep.equal(first);
    expect(h.store.rangedGets - gets, 'no ranged get').to.equal(0);
    expect(cache.hits).to.be.greaterThan(0);
    // A narrower projection is served from the same cached chunks.
    const some = await scanRows(h.engine, R, { projection: ['ts', 'usage'] });
    expect(some).to.deep.equal(first.map((r) => ({ ts: r.ts, usage: r.usage })));
    expect(h.store.rangedGets - gets).to.equal(0);
    const before = cache.bytes;
    expect(before).to.be.greaterThan(0);
    await h.engine.compact(R);
    expect(cache.bytes, 'the two inputs are gone').to.equal(0);
    expect(await scanRows(h.engine, R)).to.deep.equal(first);
    expect(cache.bytes).to.be.greaterThan(0);
    await h.engine.stop();
    // Its own budget: off with sstChunkCacheBytes 0, the opened-file cache still on.
    const off = harness({ sstChunkCacheBytes: '0' });
    expect(off.engine.sstChunks).to.equal(undefined);
    expect(off.engine.sstFiles).to.not.equal(undefined);
    await off.engine.stop();
  });
});
