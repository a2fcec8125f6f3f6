import { expect } from 'chai';
import { gunzipSync } from 'node:zlib';
import type { ScanRequest } from '@strata/kernel';
import { inferTimeWindowMs, TIME_WINDOW_BUCKETS_MS } from '../src/region.js';
import type { FileMeta } from '../src/sst.js';
import { batchOf, cpuSchema, harness, newMetrics, scanRows } from './support/fixtures.js';

const R = '4096_0';
const MIN = 60_000;
const HOUR = 3_600_000;

function file(minTs: number, maxTs: number, rows: number, seriesCount = 1): FileMeta {
  return {
    id: `f${minTs}`, rows, bytes: 1, minTs: String(minTs), maxTs: String(maxTs), maxSequence: 1, rowGroups: 1,
    schemaVersion: 1, hasDeletes: false, level: 0, seriesCount, columns: [],
  };
}

/** `hosts` series, one row a minute over [fromMin, toMin). */
function rows(hosts: number, fromMin: number, toMin: number, salt: number): Array<Record<string, unknown>> {
  const out = [];
  for (let h = 0; h < hosts; h++) for (let m = fromMin; m < toMin; m++) out.push({ host: `h${h}`, region: 'eu', ts: m * MIN, usage: salt * 1e6 + h * 1e4 + m, cnt: BigInt(salt) });
  return out;
}

const sortRows = (r: Array<Record<string, unknown>>): Array<Record<string, unknown>> =>
  [...r].sort((a, b) => (String(a.host) < String(b.host) ? -1 : String(a.host) > String(b.host) ? 1 : (a.ts as number) - (b.ts as number)));

describe('engine-lsm: TWCS time windows (inferred, table option) and file pruning by time', function () {
  this.timeout(60000);

  it('infers the smallest GreptimeDB window in which a series is expected to have windowSeriesRowsMin rows', () => {
    // TSBS (10 s): 360 rows a series an hour, so 2 h at 480, whatever the number of hosts; 1 h at 300.
    expect(inferTimeWindowMs([file(0, 24 * HOUR - 1, 864_000, 100)], 1000, 480)).to.equal(2 * HOUR);
    expect(inferTimeWindowMs([file(0, 24 * HOUR - 1, 345_600, 40)], 1000, 480)).to.equal(2 * HOUR);
    expect(inferTimeWindowMs([file(0, 24 * HOUR - 1, 864_000, 100)], 1000, 300)).to.equal(HOUR);
    // One row a minute: 12 h hold 720 (the series count is the largest file's).
    expect(inferTimeWindowMs([file(0, 10 * HOUR, 6000, 10), file(5 * HOUR, 30 * HOUR, 9000, 5)], 1000, 480)).to.equal(12 * HOUR);
    // Too sparse for any: the largest. Nanosecond timestamps give the same.
    expect(inferTimeWindowMs([file(0, 100 * 24 * HOUR, 10)], 1000, 480)).to.equal(TIME_WINDOW_BUCKETS_MS[TIME_WINDOW_BUCKETS_MS.length - 1]);
    expect(inferTimeWindowMs([file(0, 24 * HOUR * 1e6, 864_000, 100)], 1e9, 480)).to.equal(2 * HOUR);
    // Rows at one instant count as a second's worth.
    expect(inferTimeWindowMs([file(5, 5, 10)], 1000, 480)).to.equal(HOUR);
  });

  it('a compacted day of data becomes hourly files (window kept in the manifest); time-range scans read only the files they overlap, same answers', async () => {
    const h = harness({ compaction: { enabled: false, windowSeriesRowsMin: 50 } });
    const s = cpuSchema();
    await h.engine.createRegion(R, s);
    // 5 hosts x 24 h at 1/min = 7,200 rows, 300 an hour; two flushes of 12 h each.
    await h.engine.write(R, batchOf(s, rows(5, 0, 12 * 60, 1)));
    await h.engine.flush(R);
    await h.engine.write(R, batchOf(s, rows(5, 12 * 60, 24 * 60, 1)));
    await h.engine.flush(R);
    // An overwrite of h2 in hours 3-4 and a delete of h3 at exactly 5 h, in a third file.
    await h.engine.write(R, batchOf(s, rows(5, 3 * 60, 5 * 60, 2).filter((r) => r.host === 'h2')));
    await h.engine.delete(R, batchOf(s, [{ host: 'h3', region: 'eu', ts: 5 * HOUR }], ['host', 'region', 'ts']));
    await h.engine.flush(R);
    // A series with a single row.
    await h.engine.write(R, batchOf(s, [{ host: 'solo', region: 'eu', ts: 7 * HOUR, usage: 1, cnt: 1n }]));
    await h.engine.flush(R);
    const all = await scanRows(h.engine, R);
    expect(all.length).to.equal(7200 + 1 - 1);
    const ranges: Array<[number, number]> = [
      [3 * HOUR, 5 * HOUR], [3 * HOUR, 5 * HOUR + 1], [3 * HOUR - 1, 3 * HOUR], [5 * HOUR, 5 * HOUR + MIN], [7 * HOUR, 7 * HOUR + 1],
      [7 * HOUR + 1, 8 * HOUR], [23 * HOUR, 24 * HOUR], [24 * HOUR, 30 * HOUR], [-HOUR, 0], [0, 1], [HOUR + 30 * MIN, HOUR + 30 * MIN],
    ];
    const before = new Map<string, Array<Record<string, unknown>>>();
    for (const [a, b] of ranges) before.set(`${a}-${b}`, await scanRows(h.engine, R, { timeRange: { start: BigInt(a), end: BigInt(b) } }));
    await h.engine.compact(R);
    const region = h.engine.regionHandle(R);
    expect(region.inferredTimeWindowMs()).to.equal(HOUR);
    const files = region.files();
    expect(files.length).to.equal(24);
    for (const f of files) expect(Math.floor(Number(f.minTs) / HOUR)).to.equal(Math.floor(Number(f.maxTs) / HOUR));
    expect(await scanRows(h.engine, R)).to.deep.equal(all);
    // Rows only in the memtable merge with the files.
    await h.engine.write(R, batchOf(s, [{ host: 'h0', region: 'eu', ts: 3 * HOUR, usage: -1, cnt: 9n }, { host: 'h9', region: 'eu', ts: 5 * HOUR - 1, usage: -2, cnt: 9n }]));
    const patched = sortRows([...all.filter((r) => !(r.host === 'h0' && r.ts === 3 * HOUR)),
      { host: 'h0', region: 'eu', ts: 3 * HOUR, usage: -1, cnt: 9n }, { host: 'h9', region: 'eu', ts: 5 * HOUR - 1, usage: -2, cnt: 9n }]);
    for (const [a, b] of ranges) {
      const m = newMetrics();
      const req: ScanRequest = { timeRange: { start: BigInt(a), end: BigInt(b) }, metrics: m };
      const got = await scanRows(h.engine, R, req);
      expect(got, `[${a}, ${b})`).to.deep.equal(patched.filter((r) => (r.ts as number) >= a && (r.ts as number) < b));
      // Files outside the range are never opened: at most the windows [a, b) touches.
      const touched = b > a ? Math.max(0, Math.min(24, Math.ceil(b / HOUR)) - Math.max(0, Math.floor(a / HOUR))) : 0;
      expect(m.filesTotal - m.filesPruned, `files read for [${a}, ${b})`).to.be.at.most(touched);
      expect(m.rowsScanned).to.be.at.most(Math.max(1, touched) * 300 + 2);
      // And the same as before compaction, memtable rows aside.
      const old = before.get(`${a}-${b}`)!;
      expect(sortRows(got.filter((r) => r.cnt !== 9n && !(r.host === 'h0' && r.ts === 3 * HOUR)))).to.deep.equal(old.filter((r) => !(r.host === 'h0' && r.ts === 3 * HOUR)));
    }
    // The window survives a restart, and later data is compacted with it.
    const e2 = await h.reopen();
    await e2.openRegion(R, s);
    await e2.flush(R);
    await e2.write(R, batchOf(s, rows(2, 24 * 60, 27 * 60, 3)));
    await e2.flush(R);
    await e2.compact(R);
    expect(e2.regionHandle(R).inferredTimeWindowMs()).to.equal(HOUR);
    expect(e2.regionHandle(R).files().length).to.equal(27);
  });

  it('the table option compaction.twcs.time_window fixes the window; too few rows infer without recording it', async () => {
    const { engine } = harness({ compaction: { enabled: false, windowSeriesRowsMin: 50 } });
    const s = cpuSchema({ extra: { 'compaction.twcs.time_window': '2h' } });
    await engine.createRegion(R, s);
    await engine.write(R, batchOf(s, rows(5, 0, 24 * 60, 1)));
    await engine.flush(R);
    await engine.write(R, batchOf(s, rows(5, 0, 60, 2)));
    await engine.flush(R);
    const before = await scanRows(engine, R);
    await engine.compact(R);
    expect(engine.regionHandle(R).files().length).to.equal(12);
    expect(engine.regionHandle(R).inferredTimeWindowMs()).to.equal(undefined);
    expect(await scanRows(engine, R)).to.deep.equal(before);

    const R2 = '4097_0';
    const s2 = cpuSchema();
    await engine.createRegion(R2, s2);
    for (let k = 0; k < 2; k++) { await engine.write(R2, batchOf(s2, rows(1, k * 120, k * 120 + 2, k))); await engine.flush(R2); }
    await engine.compact(R2);
    expect(engine.regionHandle(R2).inferredTimeWindowMs()).to.equal(undefined);
    expect((await scanRows(engine, R2)).length).to.equal(4);
  });

  it('file indexes are gzipped JSON; plain JSON ones (older files) still read the same', async () => {
    const h = harness();
    const s = cpuSchema();
    await h.engine.createRegion(R, s);
    await h.engine.write(R, batchOf(s, rows(3, 0, 90, 1)));
    await h.engine.flush(R);
    const req: ScanRequest = { timeRange: { start: 10n * BigInt(MIN), end: 70n * BigInt(MIN) }, predicates: [{ column: 'host', op: '=', value: 'h1' }] };
    const want = await scanRows(h.engine, R, req);
    expect(want.length).to.equal(60);
    const keys = [...h.store.objects.keys()].filter((k) => k.endsWith('.index.json'));
    expect(keys.length).to.equal(1);
    const gz = h.store.objects.get(keys[0]!)!;
    expect([gz[0], gz[1]]).to.deep.equal([0x1f, 0x8b]);
    const plain = gunzipSync(gz);
    expect(plain.length).to.be.greaterThan(gz.length);
    await h.store.put(keys[0]!, plain);
    const e2 = await h.reopen();
    await e2.openRegion(R, s);
    expect(await scanRows(e2, R, req)).to.deep.equal(want);
  });
});
