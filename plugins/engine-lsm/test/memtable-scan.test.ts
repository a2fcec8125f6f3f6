import { expect } from 'chai';
import * as arrow from 'apache-arrow';
import { batchOf, cpuSchema, harness, newMetrics, scanRows } from './support/fixtures.js';

describe('engine-lsm: memtable writes and scans', function () {
  this.timeout(20000);
  const R = '1024_0';

  it('returns rows in (primary key, ts) order with last-write-wins dedup', async () => {
    const { engine } = harness();
    const s = cpuSchema();
    await engine.createRegion(R, s);
    await engine.write(R, batchOf(s, [
      { host: 'b', region: 'x', ts: 2, usage: 1, cnt: 1n },
      { host: 'a', region: 'x', ts: 3, usage: 2, cnt: 2n },
      { host: 'a', region: 'x', ts: 1, usage: 3, cnt: 3n },
    ]));
    await engine.write(R, batchOf(s, [
      { host: 'a', region: 'x', ts: 3, usage: 20, cnt: 20n },
      { host: 'b', region: 'x', ts: 2, usage: 10, cnt: null },
      { host: 'b', region: 'x', ts: 2, usage: 11, cnt: 11n }, // same batch: the later row wins
    ]));
    const rows = await scanRows(engine, R);
    expect(rows.map((r) => [r.host, r.ts, r.usage, r.cnt])).to.deep.equal([
      ['a', 1, 3, 3n], ['a', 3, 20, 20n], ['b', 2, 11, 11n],
    ]);
  });

  it('an empty-string tag is one series across writes, so its rows deduplicate', async () => {
    // Its interner hash was once left a non-int32 number (no byte went through
    // Math.imul), so every write made a new series and duplicates survived.
    const { engine } = harness();
    const s = cpuSchema();
    await engine.createRegion(R, s);
    await engine.write(R, batchOf(s, [{ host: '', region: 'x', ts: 1, usage: 1, cnt: 1n }, { host: 'a', region: '', ts: 1, usage: 1, cnt: 1n }]));
    await engine.write(R, batchOf(s, [{ host: '', region: 'x', ts: 1, usage: 2, cnt: 2n }, { host: 'a', region: '', ts: 1, usage: 2, cnt: 2n }]));
    expect(engine.stats(R).seriesCount).to.equal(2);
    expect((await scanRows(engine, R)).map((r) => [r.host, r.region, r.usage])).to.deep.equal([['', 'x', 2], ['a', '', 2]]);
  });

  it('keeps duplicates in append mode', async () => {
    const { engine } = harness();
    const s = cpuSchema({ appendMode: true });
    await engine.createRegion(R, s);
    await engine.write(R, batchOf(s, [{ host: 'a', region: 'x', ts: 1, usage: 1 }]));
    await engine.write(R, batchOf(s, [{ host: 'a', region: 'x', ts: 1, usage: 2 }]));
    const rows = await scanRows(engine, R);
    expect(rows.map((r) => r.usage)).to.deep.equal([1, 2]);
  });

  it('honours deletes (tombstones) in memtables and across a flush', async () => {
    const { engine } = harness();
    const s = cpuSchema();
    await engine.createRegion(R, s);
    await engine.write(R, batchOf(s, [
      { host: 'a', region: 'x', ts: 1, usage: 1 }, { host: 'a', region: 'x', ts: 2, usage: 2 }, { host: 'b', region: 'x', ts: 1, usage: 3 },
    ]));
    await engine.flush(R);
    await engine.delete(R, batchOf(s, [{ host: 'a', region: 'x', ts: 2 }], ['host', 'region', 'ts']));
    expect((await scanRows(engine, R)).map((r) => [r.host, r.ts])).to.deep.equal([['a', 1], ['b', 1]]);
    await engine.flush(R);
    expect((await scanRows(engine, R)).map((r) => [r.host, r.ts])).to.deep.equal([['a', 1], ['b', 1]]);
    await engine.compact(R);
    expect((await scanRows(engine, R)).map((r) => [r.host, r.ts])).to.deep.equal([['a', 1], ['b', 1]]);
    // A write after the delete brings the key back.
    await engine.write(R, batchOf(s, [{ host: 'a', region: 'x', ts: 2, usage: 9 }]));
    expect((await scanRows(engine, R)).map((r) => [r.host, r.ts, r.usage])).to.deep.equal([['a', 1, 1], ['a', 2, 9], ['b', 1, 3]]);
  });

  it('applies projection, exact time range, tag predicates, limit and batch size', async () => {
    const { engine } = harness();
    const s = cpuSchema();
    await engine.createRegion(R, s);
    const rows = [];
    for (let h = 0; h < 5; h++) for (let t = 0; t < 100; t++) rows.push({ host: `h${h}`, region: h % 2 ? 'odd' : 'even', ts: t, usage: t, cnt: BigInt(h) });
    await engine.write(R, batchOf(s, rows));
    const got = await scanRows(engine, R, { projection: ['ts', 'usage'], timeRange: { start: 10n, end: 20n } });
    expect(got.length).to.equal(50);
    expect(Object.keys(got[0]!)).to.deep.equal(['ts', 'usage']);
    expect(got.every((r) => (r.ts as number) >= 10 && (r.ts as number) < 20)).to.equal(true);
    const odd = await scanRows(engine, R, { predicates: [{ column: 'region', op: '=', value: 'odd' }] });
    expect(new Set(odd.map((r) => r.host))).to.deep.equal(new Set(['h1', 'h3']));
    const inHosts = await scanRows(engine, R, { predicates: [{ column: 'host', op: 'in', values: ['h0', 'h4'] }], timeRange: { start: 0n, end: 1n } });
    expect(inHosts.map((r) => r.host)).to.deep.equal(['h0', 'h4']);
    expect((await scanRows(engine, R, { limit: 7 })).length).to.equal(7);
    const sizes: number[] = [];
    for await (const b of engine.scan(R, { batchSize: 128 })) sizes.push(b.numRows);
    expect(sizes.slice(0, -1).every((n) => n === 128)).to.equal(true);
    expect(sizes.reduce((a, b) => a + b, 0)).to.equal(500);
    const m = newMetrics();
    await scanRows(engine, R, { metrics: m });
    expect(m.rowsReturned).to.equal(500);
  });

  it('widens an integer column written into a Float64 field and fills missing columns with nulls', async () => {
    const { engine } = harness();
    const s = cpuSchema();
    await engine.createRegion(R, s);
    const batch = new arrow.Table({
      host: arrow.vectorFromArray(['a']), region: arrow.vectorFromArray(['x']),
      ts: arrow.makeVector({ type: new arrow.TimestampMillisecond(), data: new BigInt64Array([5n]) }),
      usage: arrow.makeVector(new Int32Array([42])),
    }).batches[0]!;
    await engine.write(R, batch);
    const rows = await scanRows(engine, R);
    expect(rows).to.deep.equal([{ host: 'a', region: 'x', ts: 5, usage: 42, cnt: null }]);
  });

  it('accounts memtable bytes and freezes + flushes past memtableBytesMax without losing rows', async () => {
    const { engine } = harness({ memtableBytesMax: 20000 });
    const s = cpuSchema();
    await engine.createRegion(R, s);
    for (let k = 0; k < 10; k++) {
      const rows = [];
      for (let i = 0; i < 200; i++) rows.push({ host: `h${i % 20}`, region: 'r', ts: k * 1000 + i, usage: i });
      await engine.write(R, batchOf(s, rows));
    }
    await engine.flush(R);
    const st = engine.stats(R);
    expect(st.sstFiles).to.be.greaterThan(1);
    expect((await scanRows(engine, R)).length).to.equal(2000);
  });

  it('counts series in memtable accounting (high cardinality flushes like many rows do)', async () => {
    const { engine } = harness({ memtableBytesMax: '1MiB' });
    const s = cpuSchema();
    await engine.createRegion(R, s);
    for (let k = 0; k < 4; k++) {
      const rows = [];
      for (let i = 0; i < 2500; i++) rows.push({ host: `host-with-a-long-name-${k}-${i}`, region: `region-${k}-${i}`, ts: 1 });
      await engine.write(R, batchOf(s, rows, ['host', 'region', 'ts']));
    }
    await engine.flush(R);
    const st = engine.stats(R);
    // 10,000 rows of one ts, but 10,000 series of ~50-byte keys: past 1 MiB more than once.
    expect(st.sstFiles).to.be.greaterThan(1);
    expect(st.memtableBytes).to.be.lessThan(100_000);
    expect((await scanRows(engine, R, { projection: ['host'] })).length).to.equal(10000);
  });

  it('rejects a write without the time index or with null timestamps, before the WAL', async () => {
    const h2 = harness();
    const { engine } = h2;
    const s = cpuSchema();
    await engine.createRegion(R, s);
    let err: unknown;
    try { await engine.write(R, batchOf(s, [{ host: 'a', region: 'x', usage: 1 }], ['host', 'region', 'usage'])); } catch (e) { err = e; }
    expect((err as { code?: string }).code).to.equal('INVALID_ARGUMENTS');
    const { wal } = h2;
    let err3: unknown;
    try { await h2.engine.write(R, batchOf(s, [{ host: 'a', region: 'x', ts: null, usage: 1 }])); } catch (e) { err3 = e; }
    expect((err3 as { code?: string }).code).to.equal('INVALID_ARGUMENTS');
    expect(wal.entries.get(R) ?? []).to.have.length(0); // rejected before the WAL
    let err2: unknown;
    try { await engine.write('nope', batchOf(s, [])); } catch (e) { err2 = e; }
    expect((err2 as { code?: string }).code).to.equal('REGION_NOT_FOUND');
  });
});
