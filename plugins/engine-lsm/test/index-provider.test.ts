import { expect } from 'chai';
import type * as arrow from 'apache-arrow';
import type { ColumnSchema, IndexProvider, ScanPredicate } from '@strata/kernel';
import { defaultEngineLsmOptions, LsmEngine } from '../src/index.js';
import { sharedEncoderPool } from '../src/parquet-encoder.js';
import { batchOf, cpuSchema, newMetrics, scanRows, silentLogger } from './support/fixtures.js';
import { MemoryStore } from './support/memory-store.js';
import { MemoryWal } from './support/memory-wal.js';

/** A min/max index on a Float64 field: prunes row groups for `usage > x`. */
const minmax: IndexProvider = {
  name: 'test-minmax',
  appliesTo: (c: ColumnSchema) => c.name === 'usage',
  createBuilder: () => {
    const out: Array<[number, number]> = [];
    return {
      push(values: arrow.Vector, rowGroup: number) {
        let lo = Infinity, hi = -Infinity;
        for (const v of values) if (typeof v === 'number') { lo = Math.min(lo, v); hi = Math.max(hi, v); }
        out[rowGroup] = [lo, hi];
      },
      finish: () => Buffer.from(JSON.stringify(out)),
    };
  },
  open: (bytes: Uint8Array) => {
    const ranges = JSON.parse(Buffer.from(bytes).toString()) as Array<[number, number]>;
    return {
      candidateRowGroups(p: ScanPredicate, n: number) {
        if (p.op !== '>' || typeof p.value !== 'number') return undefined;
        const v = p.value;
        return Uint8Array.from({ length: n }, (_, rg) => (ranges[rg]![1] > v ? 1 : 0));
      },
    };
  },
};

describe('engine-lsm: INDEX providers and edge cases', function () {
  this.timeout(20000);
  const R = '8192_0';

  it('builds INDEX providers\' indexes per SST and prunes row groups with them', async () => {
    const engine = new LsmEngine(new MemoryWal(), new MemoryStore(), defaultEngineLsmOptions({ rowGroupRows: 100, compaction: { enabled: false } }), silentLogger, [minmax]);
    const s = cpuSchema();
    await engine.createRegion(R, s);
    const rows = [];
    for (let i = 0; i < 1000; i++) rows.push({ host: 'a', region: 'x', ts: i, usage: i });
    await engine.write(R, batchOf(s, rows));
    await engine.flush(R);
    const m = newMetrics();
    await scanRows(engine, R, { predicates: [{ column: 'usage', op: '>', value: 850 }], metrics: m });
    expect(m.rowGroupsTotal).to.equal(10);
    expect(m.rowGroupsPruned).to.equal(8);
  });

  it('encodes SSTs in worker threads by default and inline when asked, with the same rows', async () => {
    const s = cpuSchema();
    const rows = [];
    for (let i = 0; i < 3000; i++) rows.push({ host: `h${i % 7}`, region: 'x', ts: i, usage: i / 3, cnt: BigInt(i) });
    const results = [];
    for (const encodeInWorkers of [true, false]) {
      const engine = new LsmEngine(new MemoryWal(), new MemoryStore(), defaultEngineLsmOptions({ encodeInWorkers, compaction: { enabled: false } }), silentLogger);
      await engine.createRegion(R, s);
      await engine.write(R, batchOf(s, rows));
      await engine.flush(R);
      expect(engine.stats(R).sstFiles).to.equal(1);
      results.push(await scanRows(engine, R));
      await engine.stop();
    }
    expect(sharedEncoderPool(1).workers).to.be.greaterThan(0);
    expect(results[0]).to.deep.equal(results[1]);
    expect(results[0]!.length).to.equal(3000);
  });

  it('an empty projection yields row counts only', async () => {
    const engine = new LsmEngine(new MemoryWal(), new MemoryStore(), defaultEngineLsmOptions({ compaction: { enabled: false } }), silentLogger);
    const s = cpuSchema();
    await engine.createRegion(R, s);
    await engine.write(R, batchOf(s, [{ host: 'a', region: 'x', ts: 1 }, { host: 'b', region: 'x', ts: 1 }]));
    let n = 0;
    for await (const b of engine.scan(R, { projection: [] })) { expect(b.numCols).to.equal(0); n += b.numRows; }
    expect(n).to.equal(2);
    let err: unknown;
    try { for await (const _ of engine.scan(R, { projection: ['nope'] })) { /* drain */ } } catch (e) { err = e; }
    expect((err as { code?: string }).code).to.equal('TABLE_COLUMN_NOT_FOUND');
  });

  it('stops a scan when its signal aborts', async () => {
    const engine = new LsmEngine(new MemoryWal(), new MemoryStore(), defaultEngineLsmOptions({ compaction: { enabled: false } }), silentLogger);
    const s = cpuSchema();
    await engine.createRegion(R, s);
    const rows = [];
    for (let i = 0; i < 100; i++) rows.push({ host: `h${i}`, region: 'x', ts: 1 });
    await engine.write(R, batchOf(s, rows));
    const ac = new AbortController();
    let n = 0;
    let err: unknown;
    try {
      for await (const b of engine.scan(R, { batchSize: 10, signal: ac.signal })) { n += b.numRows; ac.abort(new Error('stop')); }
    } catch (e) { err = e; }
    expect((err as Error).message).to.equal('stop');
    expect(n).to.be.lessThan(100);
  });
});
