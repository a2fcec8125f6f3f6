import { expect } from 'chai';
import type { ScanRequest } from '@strata/kernel';
import { timeDisjointGroups } from '../src/region.js';
import { batchOf, cpuSchema, harness, newMetrics, scanRows } from './support/fixtures.js';

const R = '5300_0';
const MIN = 60_000;

/** `hosts` series, one row a minute over [fromMin, toMin). */
function rows(hosts: number, fromMin: number, toMin: number, salt: number): Array<Record<string, unknown>> {
  const out = [];
  for (let h = 0; h < hosts; h++) for (let m = fromMin; m < toMin; m++) out.push({ host: `h${h}`, region: 'eu', ts: m * MIN, usage: salt * 1e6 + h * 1e4 + m, cnt: BigInt(salt) });
  return out;
}

const canon = (rs: ReadonlyArray<Record<string, unknown>>): string[] => rs.map((r) => JSON.stringify(r, (_k, v) => (typeof v === 'bigint' ? `${v}n` : v))).sort();

describe('engine-lsm: unordered scans (ScanRequest.unordered) read time-disjoint files one after another', function () {
  this.timeout(30000);

  it('groups sources whose time spans overlap, transitively, in time order', () => {
    expect(timeDisjointGroups([])).to.deep.equal([]);
    expect(timeDisjointGroups([[0n, 9n], [10n, 19n], [20n, 29n]])).to.deep.equal([[0], [1], [2]]);
    // Given newest last: groups keep that order inside (priority), and come in time order.
    expect(timeDisjointGroups([[20n, 29n], [0n, 9n], [5n, 12n], [12n, 15n], [30n, 30n], [25n, 40n]])).to.deep.equal([[1, 2, 3], [0, 4, 5]]);
    // Inclusive ends: a file ending where the next begins shares that instant.
    expect(timeDisjointGroups([[0n, 10n], [10n, 20n], [21n, 22n]])).to.deep.equal([[0, 1], [2]]);
  });

  it('gives the rows an ordered scan gives: overwrites, deletes and the memtable across overlapping files, limits and filters', async () => {
    const h = harness({ rowGroupRows: 50 });
    const s = cpuSchema();
    await h.engine.createRegion(R, s);
    // Three time-disjoint files, then a file overwriting part of the second and deleting a row of the
    // third, and rows left in the memtable overlapping the last file.
    for (const [a, b] of [[0, 60], [60, 120], [120, 180]] as const) {
      await h.engine.write(R, batchOf(s, rows(4, a, b, 1)));
      await h.engine.flush(R);
    }
    await h.engine.write(R, batchOf(s, rows(4, 90, 100, 2).filter((r) => r.host === 'h1')));
    await h.engine.delete(R, batchOf(s, [{ host: 'h2', region: 'eu', ts: 150 * MIN }], ['host', 'region', 'ts']));
    await h.engine.flush(R);
    await h.engine.write(R, batchOf(s, rows(4, 170, 200, 3)));
    expect(h.engine.stats(R).sstFiles).to.equal(4);

    const requests: Array<[string, ScanRequest]> = [
      ['everything', {}],
      ['small batches', { batchSize: 7 }],
      ['a time range cutting files', { timeRange: { start: BigInt(30 * MIN), end: BigInt(175 * MIN) } }],
      ['a tag predicate', { predicates: [{ column: 'host', op: '=', value: 'h1' }] }],
      ['a field filter', { predicates: [{ column: 'usage', op: '>', value: 2e6 }] }],
      ['a projection', { projection: ['host', 'usage'] }],
    ];
    for (const [label, req] of requests) {
      const ordered = await scanRows(h.engine, R, req);
      const unordered = await scanRows(h.engine, R, { ...req, unordered: true });
      expect(unordered.length, label).to.be.greaterThan(0);
      expect(canon(unordered), label).to.deep.equal(canon(ordered));
    }
    const all = await scanRows(h.engine, R, { unordered: true });
    expect(all.length).to.equal(4 * 200 - 1);
    expect(all.filter((r) => r.host === 'h1' && (r.ts as number) === 95 * MIN).map((r) => r.usage)).to.deep.equal([2e6 + 1e4 + 95]);
    expect(all.some((r) => r.host === 'h2' && (r.ts as number) === 150 * MIN)).to.equal(false);
    // Files one after another: the oldest file's series come first (an ordered scan gives h0's 200 rows first).
    expect(all.slice(0, 60).every((r) => r.host === 'h0')).to.equal(true);
    expect(all.slice(60, 120).every((r) => r.host === 'h1')).to.equal(true);

    // A file alone in its group is read in its own order, so batches end where its decoded row groups
    // (50 rows here) do and are views of them: a batch spanning two row groups would be a copy of its rows.
    let batches = 0;
    for await (const b of h.engine.scan(R, { unordered: true, batchSize: 20, timeRange: { start: 0n, end: BigInt(60 * MIN) } })) {
      const d = b.getChild('usage')!.data[0]!;
      expect(d.values.buffer.byteLength, `batch ${batches} of ${b.numRows} rows`).to.be.oneOf([50 * 8, 40 * 8]);
      batches++;
    }
    expect(batches).to.equal(14);

    // A limit counts rows across the groups.
    for (const limit of [1, 59, 61, 500, 5000]) expect((await scanRows(h.engine, R, { unordered: true, limit })).length, `limit ${limit}`).to.equal(Math.min(limit, 799));
    // Metrics add up over the groups.
    const m = newMetrics();
    await scanRows(h.engine, R, { unordered: true, metrics: m });
    expect(m.rowsReturned).to.equal(799);
    expect(m.filesTotal).to.equal(4);
  });
});
