import { expect } from 'chai';
import type { ScanPredicate } from '@strata/kernel';
import { batchOf, cpuSchema, harness, scanRows } from './support/fixtures.js';
import { SstChunkCache } from '../src/region.js';

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

  it('counts the buffers its chunks hold, each once, so evicting part of a read frees nothing until its last chunk goes', () => {
    const cache = new SstChunkCache(4000);
    // One coalesced read of 300 bytes, cached as three 100-byte chunks (views of its buffer).
    const read = new Uint8Array(300);
    for (let i = 0; i < 3; i++) cache.set('a', i * 100, read.subarray(i * 100, i * 100 + 100));
    expect(cache.bytes).to.equal(300);
    // Replacing a chunk with a view of the same buffer holds nothing more.
    cache.set('a', 0, read.subarray(0, 100));
    expect(cache.bytes).to.equal(300);
    for (const k of ['b', 'c', 'd', 'e', 'f', 'g', 'h']) cache.set(k, 0, new Uint8Array(500));
    expect(cache.bytes, 'within budget: nothing evicted').to.equal(3800);
    cache.set('i', 0, new Uint8Array(400));
    // Past the budget the least recently used chunks go. Evicting a@100 alone frees nothing
    // (a@200 and a@0 still hold the buffer), so eviction goes on until the buffer is released.
    for (const o of [0, 100, 200]) expect(cache.get('a', o)).to.equal(undefined);
    for (const k of ['b', 'h', 'i']) expect(cache.get(k, 0)).to.not.equal(undefined);
    expect(cache.bytes).to.equal(3900);
    // A buffer over an eighth of the budget is not kept, even for a small view of it.
    cache.set('x', 0, new Uint8Array(600).subarray(0, 10));
    expect(cache.get('x', 0)).to.equal(undefined);
    cache.invalidatePrefix('b');
    expect(cache.bytes).to.equal(3400);
    cache.clear();
    expect(cache.bytes).to.equal(0);
  });

  it('a chunk read again is kept over chunks not read since; a file key and its folder are invalidated by prefix', () => {
    const cache = new SstChunkCache(1000);
    cache.set('r/sst/f1', 0, new Uint8Array(100));
    cache.set('r/sst/f1', 100, new Uint8Array(100));
    cache.set('r/sst/f2', 0, new Uint8Array(100));
    cache.set('q/sst/f3', 0, new Uint8Array(100));
    expect(cache.get('r/sst/f1', 0)).to.not.equal(undefined); // now the most recent
    for (let i = 0; i < 6; i++) cache.set('fill', i, new Uint8Array(100));
    cache.set('fill', 6, new Uint8Array(100)); // 1100 bytes: the least recent goes (f1@100)
    expect(cache.get('r/sst/f1', 100)).to.equal(undefined);
    expect(cache.get('r/sst/f1', 0)).to.not.equal(undefined);
    expect(cache.get('r/sst/f2', 0)).to.not.equal(undefined);
    cache.invalidatePrefix('r/sst/f1@');
    expect(cache.get('r/sst/f1', 0)).to.equal(undefined);
    expect(cache.get('r/sst/f2', 0)).to.not.equal(undefined);
    cache.invalidatePrefix('r/sst/');
    expect(cache.get('r/sst/f2', 0)).to.equal(undefined);
    expect(cache.get('q/sst/f3', 0)).to.not.equal(undefined);
    expect(cache.bytes).to.equal(800);
  });
});
