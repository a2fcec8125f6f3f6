import { expect } from 'chai';
import type { ScanRequest, StorageEngine } from '@strata/kernel';
import { batchOf, cpuSchema, harness, newMetrics, scanRows } from './support/fixtures.js';

/** The newest row of each series, from a full scan: what seriesRowSelector 'last_row' must return. */
async function lastRowsByFullScan(engine: StorageEngine, region: string, req: ScanRequest = {}): Promise<Array<Record<string, unknown>>> {
  const rows = await scanRows(engine, region, req);
  const out: Array<Record<string, unknown>> = [];
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i]!, n = rows[i + 1];
    if (!n || n.host !== r.host || n.region !== r.region) out.push(r);
  }
  return out;
}

describe('engine-lsm: last row per series (seriesRowSelector)', function () {
  this.timeout(20000);
  const R = '1024_0';

  it('returns each series\' newest row across files and memtables, reading only cached last rows once warm', async () => {
    const { engine } = harness();
    const s = cpuSchema();
    await engine.createRegion(R, s);
    const hosts = ['a', 'b', 'c', 'd'];
    for (let f = 0; f < 3; f++) {
      // File f holds ts 100f .. 100f+49 for every host but 'd', which stops writing after file 0.
      const rows = [];
      for (const host of hosts) if (f === 0 || host !== 'd') for (let t = 0; t < 50; t++) rows.push({ host, region: 'x', ts: 100 * f + t, usage: f * 1000 + t, cnt: BigInt(t) });
      await engine.write(R, batchOf(s, rows));
      await engine.flush(R);
    }
    // An overwrite of an older file's newest row lands in a newer source (the memtable): it wins.
    await engine.write(R, batchOf(s, [{ host: 'b', region: 'x', ts: 249, usage: -1, cnt: 7n }]));
    const want = await lastRowsByFullScan(engine, R);
    expect(want.map((r) => [r.host, r.ts, r.usage])).to.deep.equal([['a', 249, 2049], ['b', 249, -1], ['c', 249, 2049], ['d', 49, 49]]);

    const cold = newMetrics();
    expect(await scanRows(engine, R, { seriesRowSelector: 'last_row', metrics: cold })).to.deep.equal(want);
    const warm = newMetrics();
    expect(await scanRows(engine, R, { seriesRowSelector: 'last_row', metrics: warm })).to.deep.equal(want);
    // Warm: one cached row per series per file (4 + 3 + 3) plus the memtable's one row.
    expect(warm.rowsScanned).to.equal(11);
    expect(cold.rowsScanned).to.be.greaterThan(500);
    expect(warm.rowsReturned).to.equal(4);

    // Projection and tag predicates apply as on a full scan.
    const req: ScanRequest = { projection: ['host', 'ts', 'cnt'], predicates: [{ column: 'host', op: 'in', values: ['a', 'd'] }] };
    expect(await scanRows(engine, R, { ...req, seriesRowSelector: 'last_row' })).to.deep.equal(await lastRowsByFullScan(engine, R, req));
  });

  it('stays exact when the newest row of a series is deleted (falls back to the full merge)', async () => {
    const { engine } = harness();
    const s = cpuSchema();
    await engine.createRegion(R, s);
    await engine.write(R, batchOf(s, [
      { host: 'a', region: 'x', ts: 1, usage: 1 }, { host: 'a', region: 'x', ts: 2, usage: 2 }, { host: 'a', region: 'x', ts: 3, usage: 3 },
      { host: 'b', region: 'x', ts: 1, usage: 4 },
    ]));
    await engine.flush(R);
    await engine.delete(R, batchOf(s, [{ host: 'a', region: 'x', ts: 3 }], ['host', 'region', 'ts']));
    const expectLast = async (want: unknown[][]) => {
      const got = await scanRows(engine, R, { seriesRowSelector: 'last_row' });
      expect(got.map((r) => [r.host, r.ts, r.usage])).to.deep.equal(want);
      expect(got).to.deep.equal(await lastRowsByFullScan(engine, R));
    };
    await expectLast([['a', 2, 2], ['b', 1, 4]]); // tombstone in the memtable
    await engine.flush(R);
    await expectLast([['a', 2, 2], ['b', 1, 4]]); // tombstone in a newer file
    await engine.delete(R, batchOf(s, [{ host: 'b', region: 'x', ts: 1 }], ['host', 'region', 'ts']));
    await expectLast([['a', 2, 2]]); // every row of 'b' deleted: no row for it
    await engine.compact(R);
    await expectLast([['a', 2, 2]]);
    await engine.write(R, batchOf(s, [{ host: 'a', region: 'x', ts: 3, usage: 9 }]));
    await expectLast([['a', 3, 9]]);
  });

  it('is ignored in append mode (every duplicate kept, as without the hint)', async () => {
    const { engine } = harness();
    const s = cpuSchema({ appendMode: true });
    await engine.createRegion(R, s);
    await engine.write(R, batchOf(s, [{ host: 'a', region: 'x', ts: 1, usage: 1 }, { host: 'a', region: 'x', ts: 1, usage: 2 }]));
    await engine.flush(R);
    expect(await scanRows(engine, R, { seriesRowSelector: 'last_row' })).to.deep.equal(await scanRows(engine, R));
  });
});
