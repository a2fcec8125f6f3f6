import { expect } from 'chai';
import { defaultEngineLsmOptions, LsmEngine } from '../src/index.js';
import { batchOf, cpuSchema, silentLogger } from './support/fixtures.js';
import { MemoryStore } from './support/memory-store.js';
import { MemoryWal } from './support/memory-wal.js';

const R = '6144_0';
const row = (ts: number): Record<string, unknown> => ({ host: 'h', region: 'r', ts, usage: 1, cnt: 1n });

describe('engine-lsm: age-based flush (autoFlushIntervalMs)', function () {
  this.timeout(20000);

  it('flushes a region whose oldest unflushed write is older than the interval, so the WAL can let go', async () => {
    const wal = new MemoryWal();
    const engine = new LsmEngine(wal, new MemoryStore(), defaultEngineLsmOptions({ autoFlushIntervalMs: '1h', compaction: { enabled: false } }), silentLogger);
    const s = cpuSchema();
    await engine.createRegion(R, s);
    await engine.createRegion('6144_1', s);
    await engine.write(R, batchOf(s, [row(1)]));
    // Younger than the interval: nothing happens.
    await engine.flushOld(3_600_000);
    expect(engine.stats(R).sstFiles).to.equal(0);
    // An hour later (the clock passed in): flushed, and the WAL told.
    await engine.flushOld(3_600_000, Date.now() + 3_600_001);
    expect(engine.stats(R).sstFiles).to.equal(1);
    expect(wal.obsoleted.get(R)).to.equal(1);
    // An empty region and an empty memtable are left alone.
    await engine.flushOld(3_600_000, Date.now() + 7_200_000);
    expect(engine.stats(R).sstFiles).to.equal(1);
    expect(engine.stats('6144_1').sstFiles).to.equal(0);
    await engine.stop();
  });

  it('the timer started with the engine does it on its own; 0 turns it off', async () => {
    const wal = new MemoryWal();
    const engine = new LsmEngine(wal, new MemoryStore(), defaultEngineLsmOptions({ autoFlushIntervalMs: '200ms', compaction: { enabled: false } }), silentLogger);
    const off = new LsmEngine(new MemoryWal(), new MemoryStore(), defaultEngineLsmOptions({ autoFlushIntervalMs: 0, compaction: { enabled: false } }), silentLogger);
    const s = cpuSchema();
    for (const e of [engine, off]) { await e.createRegion(R, s); e.start(); await e.write(R, batchOf(s, [row(1)])); }
    const deadline = Date.now() + 5000;
    while (engine.stats(R).sstFiles === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(engine.stats(R).sstFiles).to.equal(1);
    expect(wal.obsoleted.get(R)).to.equal(1);
    expect(off.stats(R).sstFiles).to.equal(0);
    await engine.stop();
    await off.stop();
  });
});
