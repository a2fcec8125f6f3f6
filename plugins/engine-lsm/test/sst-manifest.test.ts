import { expect } from 'chai';
import { Manifest } from '../src/manifest.js';
import type { FileMeta } from '../src/sst.js';
import { defaultEngineLsmOptions, LsmEngine } from '../src/index.js';
import { batchOf, cpuSchema, harness, newMetrics, scanRows, silentLogger } from './support/fixtures.js';
import { MemoryStore } from './support/memory-store.js';

const R = '2048_0';

function rowsFor(hosts: number, points: number, t0 = 0, step = 10, salt = 0): Array<Record<string, unknown>> {
  const rows = [];
  for (let t = 0; t < points; t++) for (let h = 0; h < hosts; h++) {
    rows.push({ host: `host_${h}`, region: `r${h % 3}`, ts: t0 + t * step, usage: (h * 7 + t + salt) % 100 + 0.5, cnt: BigInt(t + salt) });
  }
  return rows;
}

describe('engine-lsm: SSTs, manifest and recovery', function () {
  this.timeout(30000);

  it('a flush does not change scan answers', async () => {
    const { engine } = harness({ rowGroupRows: 64 });
    const s = cpuSchema();
    await engine.createRegion(R, s);
    await engine.write(R, batchOf(s, rowsFor(10, 50)));
    await engine.write(R, batchOf(s, rowsFor(10, 20, 0, 10, 3))); // overwrites the first 20 points
    const before = await scanRows(engine, R);
    const beforeRange = await scanRows(engine, R, { timeRange: { start: 100n, end: 250n }, predicates: [{ column: 'host', op: '=', value: 'host_3' }] });
    await engine.flush(R);
    expect(engine.stats(R).sstFiles).to.equal(1);
    expect(engine.stats(R).memtableBytes).to.be.lessThan(2000);
    expect(await scanRows(engine, R)).to.deep.equal(before);
    expect(await scanRows(engine, R, { timeRange: { start: 100n, end: 250n }, predicates: [{ column: 'host', op: '=', value: 'host_3' }] })).to.deep.equal(beforeRange);
    // Newer memtable rows override SST rows.
    await engine.write(R, batchOf(s, [{ host: 'host_0', region: 'r0', ts: 0, usage: 999, cnt: 0n }]));
    const after = await scanRows(engine, R, { predicates: [{ column: 'host', op: '=', value: 'host_0' }], timeRange: { start: 0n, end: 1n } });
    expect(after.map((r) => r.usage)).to.deep.equal([999]);
    expect((await scanRows(engine, R)).length).to.equal(before.length);
  });

  it('recovers from manifest + WAL replay after a restart', async () => {
    const h = harness();
    const s = cpuSchema();
    await h.engine.createRegion(R, s);
    await h.engine.write(R, batchOf(s, rowsFor(5, 30)));
    await h.engine.flush(R);
    const flushed = h.engine.stats(R).flushedSequence;
    expect(flushed).to.equal(1);
    expect(h.wal.obsoleted.get(R)).to.equal(1);
    await h.engine.write(R, batchOf(s, rowsFor(5, 10, 1000)));
    await h.engine.delete(R, batchOf(s, [{ host: 'host_1', region: 'r1', ts: 0 }], ['host', 'region', 'ts']));
    const before = await scanRows(h.engine, R);
    // As if the process died after the manifest edit but before WAL.obsolete:
    // opening the region tells the WAL what the manifest says is flushed.
    h.wal.obsoleted.delete(R);
    const engine = await h.reopen();
    await engine.openRegion(R, s);
    expect(h.wal.obsoleted.get(R)).to.equal(1);
    expect(engine.stats(R).flushedSequence).to.equal(1);
    expect(await scanRows(engine, R)).to.deep.equal(before);
    expect(before.length).to.equal(5 * 30 + 5 * 10 - 1);
  });

  it('checkpoints the manifest and recovers from checkpoint + later edits', async () => {
    const h = harness({ manifestCheckpointEdits: 3 });
    const s = cpuSchema();
    await h.engine.createRegion(R, s);
    for (let i = 0; i < 7; i++) {
      await h.engine.write(R, batchOf(s, rowsFor(2, 5, i * 1000)));
      await h.engine.flush(R);
    }
    const keys = [...h.store.objects.keys()].filter((k) => k.includes('/manifest/'));
    expect(keys.some((k) => k.endsWith('.checkpoint.json'))).to.equal(true);
    expect(keys.filter((k) => k.endsWith('.edit.json')).length).to.be.lessThan(3);
    const before = await scanRows(h.engine, R);
    const engine = await h.reopen();
    await engine.openRegion(R, s);
    expect(engine.stats(R).sstFiles).to.equal(7);
    expect(await scanRows(engine, R)).to.deep.equal(before);
  });

  it('serializes concurrent manifest edits (no version is written twice)', async () => {
    const store = new MemoryStore();
    const m = new Manifest(store, 'data/r/manifest', 4);
    const meta = (id: string): FileMeta => ({ id, rows: 1, bytes: 1, minTs: '0', maxTs: '0', maxSequence: 1, rowGroups: 1, schemaVersion: 1, hasDeletes: false, level: 0, seriesCount: 1, columns: [] });
    // Flushes and compactions apply edits at the same time.
    await Promise.all(Array.from({ length: 20 }, (_, i) => m.apply(i % 3 === 2 ? { remove: [`f${i - 1}`] } : { add: [meta(`f${i}`)], flushedSequence: i })));
    const again = new Manifest(store, 'data/r/manifest', 4);
    await again.load();
    expect([...again.state.files.keys()].sort()).to.deep.equal([...m.state.files.keys()].sort());
    expect(again.state.flushedSequence).to.equal(m.state.flushedSequence);
    expect(m.state.files.size).to.equal(8);
  });

  it('removes SSTs that a crash left out of the manifest', async () => {
    const h = harness();
    const s = cpuSchema();
    await h.engine.createRegion(R, s);
    await h.engine.write(R, batchOf(s, rowsFor(2, 5)));
    await h.engine.flush(R);
    await h.store.put(`data/${R}/sst/orphan.parquet`, new Uint8Array([1, 2, 3]));
    const engine = await h.reopen();
    await engine.openRegion(R, s);
    expect(h.store.objects.has(`data/${R}/sst/orphan.parquet`)).to.equal(false);
    expect((await scanRows(engine, R)).length).to.equal(10);
  });

  it('prunes files and row groups by time range and tag index (metrics)', async () => {
    const { engine } = harness({ rowGroupRows: 100 });
    const s = cpuSchema();
    await engine.createRegion(R, s);
    // File 1: t in [0, 1000); file 2: t in [10000, 11000).
    await engine.write(R, batchOf(s, rowsFor(10, 100, 0)));
    await engine.flush(R);
    await engine.write(R, batchOf(s, rowsFor(10, 100, 10000)));
    await engine.flush(R);
    const m = newMetrics();
    const rows = await scanRows(engine, R, { timeRange: { start: 10000n, end: 10100n }, metrics: m });
    expect(rows.length).to.equal(100);
    expect(m.filesTotal).to.equal(2);
    expect(m.filesPruned).to.equal(1);
    expect(m.rowGroupsTotal).to.equal(20);
    expect(m.rowGroupsPruned).to.be.greaterThanOrEqual(10);
    const m2 = newMetrics();
    const one = await scanRows(engine, R, { predicates: [{ column: 'host', op: '=', value: 'host_7' }], metrics: m2 });
    expect(one.length).to.equal(200);
    expect(one.every((r) => r.host === 'host_7')).to.equal(true);
    // 10 series of 100 rows per file, 100-row groups: one row group per file holds host_7.
    expect(m2.rowGroupsPruned).to.equal(18);
    expect(m2.rowsScanned).to.equal(200);
    const m3 = newMetrics();
    expect((await scanRows(engine, R, { predicates: [{ column: 'host', op: 'in', values: ['nobody'] }], metrics: m3 })).length).to.equal(0);
    expect(m3.filesPruned).to.equal(2);
  });

  it('truncate racing writes loses no write acknowledged after it (crash before any flush)', async () => {
    const h = harness();
    const s = cpuSchema();
    await h.engine.createRegion(R, s);
    h.wal.appendDelayMs = 20;
    const before = Array.from({ length: 10 }, (_, i) => h.engine.write(R, batchOf(s, rowsFor(1, 1, i * 10))));
    await new Promise((r) => setTimeout(r, 5)); // sequences assigned, appends not yet durable
    const truncated = h.engine.truncate(R);
    const after = Array.from({ length: 5 }, (_, i) => h.engine.write(R, batchOf(s, rowsFor(1, 1, 10_000 + i * 10))));
    await Promise.all([...before, truncated, ...after]);
    const visible = (await scanRows(h.engine, R)).map((r) => Number(r.ts)).sort((a, b) => a - b);
    expect(visible).to.deep.equal([10_000, 10_010, 10_020, 10_030, 10_040]);
    // Crash: a new engine over the same WAL and store, without stopping (flushing) the old one.
    h.wal.appendDelayMs = 0;
    const crashed = new LsmEngine(h.wal, h.store, defaultEngineLsmOptions({ compaction: { enabled: false } }), silentLogger);
    await crashed.openRegion(R, s);
    expect((await scanRows(crashed, R)).map((r) => Number(r.ts)).sort((a, b) => a - b)).to.deep.equal(visible);
    await crashed.stop();
  });

  it('truncate empties a region, drop removes its objects', async () => {
    const h = harness();
    const s = cpuSchema();
    await h.engine.createRegion(R, s);
    await h.engine.write(R, batchOf(s, rowsFor(2, 5)));
    await h.engine.flush(R);
    await h.engine.write(R, batchOf(s, rowsFor(2, 5, 100)));
    await h.engine.truncate(R);
    expect((await scanRows(h.engine, R)).length).to.equal(0);
    expect(h.engine.stats(R).sstFiles).to.equal(0);
    await h.engine.write(R, batchOf(s, rowsFor(1, 1, 5000)));
    const engine = await h.reopen();
    await engine.openRegion(R, s);
    expect((await scanRows(engine, R)).length).to.equal(1);
    expect(engine.listRegions()).to.deep.equal([R]);
    await engine.dropRegion(R);
    expect(engine.listRegions()).to.deep.equal([]);
    expect([...h.store.objects.keys()].filter((k) => k.startsWith(`data/${R}/`))).to.deep.equal([]);
  });

  it('a failed flush keeps its rows (memtable + WAL) and the next flush lands them; a failed WAL append is not applied', async () => {
    const h = harness();
    const s = cpuSchema();
    await h.engine.createRegion(R, s);
    await h.engine.write(R, batchOf(s, rowsFor(3, 10)));
    h.store.failPuts = true;
    let err: unknown;
    try { await h.engine.flush(R); } catch (e) { err = e; }
    expect((err as { code?: string }).code).to.equal('STORAGE_UNAVAILABLE');
    expect((await scanRows(h.engine, R)).length).to.equal(30);
    expect(h.wal.obsoleted.get(R)).to.equal(undefined);
    h.store.failPuts = false;
    await h.engine.flush(R);
    expect(h.engine.stats(R).sstFiles).to.equal(1);
    expect((await scanRows(h.engine, R)).length).to.equal(30);
    h.wal.failAppends = true;
    let err2: unknown;
    try { await h.engine.write(R, batchOf(s, rowsFor(3, 1, 99999))); } catch (e) { err2 = e; }
    expect((err2 as { code?: string }).code).to.equal('STORAGE_UNAVAILABLE');
    expect((await scanRows(h.engine, R)).length).to.equal(30);
  });

  it('fetches only the column chunks a scan decodes (ranged gets), never the whole SST', async () => {
    const h = harness({ rowGroupRows: 1000 });
    const s = cpuSchema();
    await h.engine.createRegion(R, s);
    // Random floats: column data, not the footer, dominates the file.
    await h.engine.write(R, batchOf(s, rowsFor(10, 2000).map((r) => ({ ...r, usage: Math.random(), cnt: BigInt(Math.floor(Math.random() * 1e12)) }))));
    await h.engine.flush(R);
    const all = await scanRows(h.engine, R);
    expect(all.length).to.equal(20000);
    // Column chunks fetched by a scan are cached (SstChunkCache): emptied so each scan here reads the store.
    h.engine.sstChunks?.clear();
    h.store.bytesRead = 0;
    await scanRows(h.engine, R);
    const fullBytes = h.store.bytesRead;
    h.engine.sstChunks?.clear();
    h.store.bytesRead = 0;
    const some = await scanRows(h.engine, R, { projection: ['ts', 'usage'], predicates: [{ column: 'host', op: '=', value: 'host_4' }] });
    expect(some.length).to.equal(2000);
    expect(some).to.deep.equal(all.filter((r) => r.host === 'host_4').map((r) => ({ ts: r.ts, usage: r.usage })));
    expect(h.store.wholeSstGets).to.equal(0);
    // One host's row groups (of 20) and 2 of 5 data columns: a fraction of a full scan's bytes.
    expect(h.store.bytesRead).to.be.lessThan(fullBytes / 2);
    await h.engine.compact(R);
    expect(await scanRows(h.engine, R)).to.deep.equal(all);
    expect(h.store.wholeSstGets).to.equal(0);
  });

  it('reports an object-store outage during a scan as STORAGE_UNAVAILABLE', async () => {
    const h = harness();
    const s = cpuSchema();
    await h.engine.createRegion(R, s);
    await h.engine.write(R, batchOf(s, rowsFor(3, 10)));
    await h.engine.flush(R);
    expect((await scanRows(h.engine, R)).length).to.equal(30);
    h.engine.sstChunks?.clear(); // else the scan is answered from the cached column chunks
    h.store.failGets = true;
    let err: unknown;
    try { await scanRows(h.engine, R); } catch (e) { err = e; }
    expect((err as { code?: string }).code).to.equal('STORAGE_UNAVAILABLE');
    h.store.failGets = false;
    expect((await scanRows(h.engine, R)).length).to.equal(30);
  });

  it('stats report rows, bytes, files, series and time range', async () => {
    const { engine } = harness();
    const s = cpuSchema();
    await engine.createRegion(R, s);
    await engine.write(R, batchOf(s, rowsFor(4, 10, 100)));
    await engine.flush(R);
    await engine.write(R, batchOf(s, rowsFor(4, 1, 5000)));
    const st = engine.stats(R);
    expect(st.rows).to.equal(44);
    expect(st.sstFiles).to.equal(1);
    expect(st.sstBytes).to.be.greaterThan(0);
    expect(st.memtableBytes).to.be.greaterThan(0);
    expect(st.seriesCount).to.equal(4);
    expect(st.minTs).to.equal(100n);
    expect(st.maxTs).to.equal(5000n);
  });
});
