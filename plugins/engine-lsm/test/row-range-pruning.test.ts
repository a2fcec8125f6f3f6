import { expect } from 'chai';
import type { ScanPredicate } from '@strata/kernel';
import { batchOf, cpuSchema, harness, newMetrics, scanRows } from './support/fixtures.js';

/**
 * Tag row ranges in the SST index: a scan with tag = / IN predicates reads only
 * the rows of a row group that hold those tag values (Parquet offset/limit),
 * with the same answer as filtering a full scan.
 */
describe('engine-lsm: row ranges inside row groups for tag predicates', function () {
  this.timeout(20000);
  const R = '1024_0';
  const hosts = Array.from({ length: 12 }, (_, i) => `h${String(i).padStart(2, '0')}`);
  const PER_SERIES = 100;

  async function setup(rowGroupRows: number) {
    const { engine } = harness({ rowGroupRows });
    const s = cpuSchema();
    await engine.createRegion(R, s);
    const rows = [];
    // host hNN has region r(NN % 3): 12 series of 100 rows; sorted by host, a host is one range.
    for (const [i, host] of hosts.entries()) for (let t = 0; t < PER_SERIES; t++) rows.push({ host, region: `r${i % 3}`, ts: t * 10, usage: i * 1000 + t, cnt: BigInt(t) });
    await engine.write(R, batchOf(s, rows));
    await engine.flush(R);
    return engine;
  }

  const matches = (preds: readonly ScanPredicate[]) => (r: Record<string, unknown>) => preds.every((p) =>
    p.op === '=' ? r[p.column] === p.value : p.op === 'in' ? p.values.includes(r[p.column] as string) : true);

  const cases: Array<{ name: string; preds: ScanPredicate[]; rows: number }> = [
    { name: 'one host (inside a row group and across a boundary)', preds: [{ column: 'host', op: '=', value: 'h05' }], rows: 100 },
    { name: 'several hosts', preds: [{ column: 'host', op: 'in', values: ['h01', 'h07', 'h11', 'nope'] }], rows: 300 },
    { name: 'a non-leading tag (several ranges)', preds: [{ column: 'region', op: '=', value: 'r1' }], rows: 400 },
    { name: 'two tags intersected', preds: [{ column: 'host', op: 'in', values: ['h01', 'h02', 'h04'] }, { column: 'region', op: '=', value: 'r1' }], rows: 200 },
    { name: 'a value no row has', preds: [{ column: 'host', op: '=', value: 'zz' }], rows: 0 },
  ];
  for (const rowGroupRows of [256, 4096]) {
    for (const c of cases) {
      it(`${c.name}, ${rowGroupRows}-row groups: reads only matching rows, same answer as a filtered full scan`, async () => {
        const engine = await setup(rowGroupRows);
        const all = await scanRows(engine, R);
        expect(all).to.have.length(hosts.length * PER_SERIES);
        const m = newMetrics();
        const got = await scanRows(engine, R, { predicates: c.preds, metrics: m });
        const want = all.filter(matches(c.preds));
        expect(want).to.have.length(c.rows);
        expect(got.filter(matches(c.preds))).to.deep.equal(want);
        // The engine may return extra rows (predicates are re-applied above it), but reads none of other series here.
        expect(m.rowsScanned).to.equal(c.rows);
      });
    }
  }

  it('time range and row ranges together', async () => {
    const engine = await setup(256);
    const preds: ScanPredicate[] = [{ column: 'host', op: '=', value: 'h03' }];
    const got = await scanRows(engine, R, { predicates: preds, timeRange: { start: 200n, end: 500n } });
    expect(got.map((r) => r.ts)).to.deep.equal(Array.from({ length: 30 }, (_, i) => 200 + i * 10));
    expect(got.every((r) => r.host === 'h03')).to.equal(true);
  });
});
