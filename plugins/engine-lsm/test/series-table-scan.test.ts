import { expect } from 'chai';
import type { ScanRequest, TableSchema } from '@strata/kernel';
import { batchOf, cpuSchema, harness, scanRows } from './support/fixtures.js';

const R = '5120_0';

/**
 * Rows whose tags exercise the series-table path: null, empty and non-ASCII
 * values, several series per file, overwrites across files.
 */
function rows(from: number, points: number, salt: number): Array<Record<string, unknown>> {
  const hosts: Array<string | null> = ['h1', 'h2', '', null, 'hôst-ü', 'h1-very-long-host-name-that-is-more-than-sixteen-bytes'];
  const regions: Array<string | null> = ['eu', 'us', 'eu', 'ap', null, 'us'];
  const out = [];
  for (let p = from; p < from + points; p++) for (let h = 0; h < hosts.length; h++) {
    out.push({ host: hosts[h], region: regions[h], ts: p * 10, usage: salt * 1000 + h * 10 + p / 100, cnt: BigInt(salt * 100 + p) });
  }
  return out;
}

/** Last write wins per (host, region, rack, ts). */
function expected(all: ReadonlyArray<Record<string, unknown>>, deleted: ReadonlySet<string>): Array<Record<string, unknown>> {
  const key = (r: Record<string, unknown>): string => `${String(r.host)}|${String(r.region)}|${String(r.rack ?? null)}|${String(r.ts)}`;
  const m = new Map<string, Record<string, unknown>>();
  for (const r of all) m.set(key(r), r);
  for (const k of deleted) m.delete(k);
  return [...m.values()];
}

const canon = (rs: ReadonlyArray<Record<string, unknown>>): string[] => rs.map((r) => JSON.stringify(r, (_k, v) => (typeof v === 'bigint' ? `${v}n` : v))).sort();

describe('engine-lsm: scans that take tags from the file\'s series table', function () {
  this.timeout(30000);

  it('answer exactly as scans that decode the tag columns, for every projection and filter', async () => {
    const h = harness({ rowGroupRows: 64 });
    let s: TableSchema = cpuSchema();
    await h.engine.createRegion(R, s);
    const written: Array<Record<string, unknown>> = [];
    // File 1, then a tag added by ALTER (file 1 predates it), file 2 overwriting
    // part of file 1, then rows left in the memtable, and a delete marker.
    written.push(...rows(0, 100, 1));
    await h.engine.write(R, batchOf(s, written));
    await h.engine.flush(R);
    s = { ...s, version: 2, columns: [...s.columns, { name: 'rack', type: { name: 'String' }, semantic: 'tag', nullable: true }], primaryKey: [...s.primaryKey, 'rack'] };
    await h.engine.alterRegion(R, s);
    const second = rows(50, 100, 2).map((r) => ({ ...r, rack: r.host === 'h2' ? 'r7' : null }));
    await h.engine.write(R, batchOf(s, second));
    await h.engine.flush(R);
    const mem = rows(140, 20, 3).map((r) => ({ ...r, rack: null }));
    await h.engine.write(R, batchOf(s, mem));
    await h.engine.delete(R, batchOf(s, [{ host: 'h1', region: 'eu', rack: null, ts: 600 }], ['host', 'region', 'rack', 'ts']));
    const all = expected([...written.map((r) => ({ ...r, rack: null })), ...second, ...mem], new Set(['h1|eu|null|600']));

    const requests: Array<[string, ScanRequest, (r: Record<string, unknown>) => boolean]> = [
      ['tag predicate first (row ranges, no table built)', { predicates: [{ column: 'host', op: '=', value: 'h2' }] }, (r) => r.host === 'h2'],
      ['everything', {}, () => true],
      ['fields in a time range', { projection: ['ts', 'usage'], timeRange: { start: 300n, end: 1200n } }, (r) => (r.ts as number) >= 300 && (r.ts as number) < 1200],
      ['tags only, != filter', { projection: ['host', 'rack'], predicates: [{ column: 'region', op: '!=', value: 'eu' }] }, (r) => r.region !== null && r.region !== 'eu'],
      ['is null on a tag the old file lacks', { predicates: [{ column: 'rack', op: 'is null' }] }, (r) => r.rack === null],
      ['in on a non-ASCII tag', { predicates: [{ column: 'host', op: 'in', values: ['hôst-ü', ''] }] }, (r) => r.host === 'hôst-ü' || r.host === ''],
      ['after the table exists: = again', { predicates: [{ column: 'host', op: '=', value: 'h2' }] }, (r) => r.host === 'h2'],
    ];
    const project = (r: Record<string, unknown>, req: ScanRequest): Record<string, unknown> => {
      if (!req.projection) return r;
      const o: Record<string, unknown> = {};
      for (const c of req.projection) o[c] = r[c] ?? null;
      return o;
    };
    for (const [label, req, keep] of requests) {
      const got = await scanRows(h.engine, R, req);
      const want = all.filter(keep).map((r) => project({ host: r.host, region: r.region, ts: r.ts, usage: r.usage, cnt: r.cnt, rack: r.rack ?? null }, req));
      expect(canon(got), label).to.deep.equal(canon(want));
    }
    const cache = (h.engine.regionHandle(R) as unknown as { seriesCache: Map<string, unknown> }).seriesCache;
    expect(cache.size, 'full scans built the files\' series tables').to.equal(2);

    // A fresh engine answers the same without any table, and compaction
    // (which reads the tags) keeps the answers.
    const before = canon(await scanRows(h.engine, R));
    const fresh = await h.reopen();
    await fresh.openRegion(R, s);
    expect(canon(await scanRows(fresh, R, { predicates: [{ column: 'host', op: '=', value: 'h2' }] }))).to.deep.equal(canon(all.filter((r) => r.host === 'h2').map((r) => ({ ...r, rack: r.rack ?? null }))));
    await fresh.flush(R);
    await fresh.compact(R);
    expect(canon(await scanRows(fresh, R))).to.deep.equal(before);
    expect(canon(await scanRows(fresh, R))).to.deep.equal(before);
  });
});
