import { expect } from 'chai';
import * as arrow from 'apache-arrow';
import type { Catalog, TableInfo } from '../../src/interfaces/catalog.js';
import type { ScanRequest, StorageEngine } from '../../src/interfaces/engine.js';
import { parsePromql } from '../../src/promql/parse-promql.js';
import { newSelectStats, StorageSeriesSource, TqlReads } from '../../src/promql/series-source.js';
import { compareLabels, labelsFrom } from '../../src/promql/labels.js';
import { labelsObj } from './promql-test-helpers.js';

function table(name: string, tagNames: string[], fields: string[], unit = 'TimestampMillisecond'): TableInfo {
  return {
    id: 1, database: 'public', name, engine: 'test', regionIds: [`${name}_0`], createdAtMs: 0,
    schema: {
      columns: [
        ...tagNames.map((n) => ({ name: n, type: { name: 'String' as const }, semantic: 'tag' as const, nullable: true })),
        { name: 'ts', type: { name: unit as 'TimestampMillisecond' }, semantic: 'timestamp' as const, nullable: false },
        ...fields.map((n) => ({ name: n, type: { name: 'Float64' as const }, semantic: 'field' as const, nullable: true })),
      ],
      timeIndex: 'ts', primaryKey: tagNames, options: {}, version: 1,
    },
  };
}

/** A catalog of fixed tables and an engine that answers every scan with fixed batches, recording requests. */
function fixture(tables: TableInfo[], batches: Record<string, arrow.RecordBatch[]>) {
  const requests: Array<{ region: string; req: ScanRequest }> = [];
  const catalog = { listTables: () => tables, getTable: (_db: string, n: string) => tables.find((t) => t.name === n) } as unknown as Catalog;
  const engine = {
    async *scan(region: string, req: ScanRequest) { requests.push({ region, req }); yield* batches[region] ?? []; },
  } as unknown as StorageEngine;
  return { source: new StorageSeriesSource(catalog, engine, 'public'), requests, catalog, engine };
}

const dict = (values: Array<string | null>) => arrow.vectorFromArray(values, new arrow.Dictionary(new arrow.Utf8(), new arrow.Int32()));
function matchersOf(q: string) {
  const e = parsePromql(q);
  if (e.kind !== 'VectorSelector') throw new Error('selector');
  return e.matchers;
}
const utf8 = (values: Array<string | null>) => arrow.vectorFromArray(values, new arrow.Utf8());

describe('promql StorageSeriesSource', () => {
  it('pushes the time range and tag matchers (=, IN, flag-free regex) and re-applies every matcher', async () => {
    const rb = new arrow.Table({
      host: utf8(['a', 'a', 'b', 'c']), dc: utf8(['x', 'x', 'x', 'y']),
      ts: arrow.vectorFromArray([1000n, 2000n, 1000n, 1000n], new arrow.TimestampMillisecond()),
      greptime_value: arrow.vectorFromArray([1, 2, 3, 4], new arrow.Float64()),
    }).batches[0]!;
    const { source, requests } = fixture([table('cpu', ['host', 'dc'], ['greptime_value'])], { cpu_0: [rb] });
    const sel = parsePromql('cpu{host=~"a|b", dc="x", host!="zz", dc=~"[xy]", missing=""}');
    if (sel.kind !== 'VectorSelector') throw new Error('selector');
    const out = await source.select(sel.matchers, 500, 2500);
    expect(requests[0]!.req.timeRange).to.deep.equal({ start: 500n, end: 2501n });
    expect(requests[0]!.req.predicates).to.deep.equal([
      { column: 'host', op: 'in', values: ['a', 'b'] }, { column: 'dc', op: '=', value: 'x' }, { column: 'dc', op: 'regex', pattern: '^(?:[xy])$' },
    ]);
    // the engine ignored the predicates: host c is filtered here
    expect(out.map((s) => [labelsObj(s.labels), Array.from(s.t), Array.from(s.v)])).to.deep.equal([
      [{ __name__: 'cpu', dc: 'x', host: 'a' }, [1000, 2000], [1, 2]],
      [{ __name__: 'cpu', dc: 'x', host: 'b' }, [1000], [3]],
    ]);
  });

  it('TQL field slots sharing their reads scan a table once per selector and time range, each slot taking its field', async () => {
    const rb = new arrow.Table({
      host: utf8(['a', 'a', 'b']),
      ts: arrow.vectorFromArray([1000n, 2000n, 1000n], new arrow.TimestampMillisecond()),
      x: arrow.vectorFromArray([1, 2, 3], new arrow.Float64()),
      y: arrow.vectorFromArray([10, null, null], new arrow.Float64()),
      z: arrow.vectorFromArray([100, 200, 300], new arrow.Float64()),
    }).batches[0]!;
    const { requests, catalog, engine } = fixture([table('m', ['host'], ['x', 'y', 'z'])], { m_0: [rb] });
    const reads = new TqlReads();
    const stats = newSelectStats();
    const slot = (i: number) => new StorageSeriesSource(catalog, engine, 'public', stats, { fieldSlot: i, reads });
    const show = (ss: Awaited<ReturnType<StorageSeriesSource['select']>>) => ss.map((s) => [labelsObj(s.labels), Array.from(s.t), Array.from(s.v)]);
    const m = matchersOf('m');
    // the matchers in another order are the same selector
    const swapped = matchersOf('m{__field__=~".*"}');
    expect(show(await slot(0).select(m, 0, 3000))).to.deep.equal([
      [{ __name__: 'm', host: 'a' }, [1000, 2000], [1, 2]], [{ __name__: 'm', host: 'b' }, [1000], [3]],
    ]);
    expect(requests.map((r) => r.req.projection)).to.deep.equal([['host', 'ts', 'x', 'y', 'z']]);
    reads.release(0);
    // slot 1 (y): host b has no y sample, so no series
    expect(show(await slot(1).select(m, 0, 3000))).to.deep.equal([[{ __name__: 'm', host: 'a' }, [1000], [10]]]);
    expect(show(await slot(2).select([...m].reverse(), 0, 3000))).to.deep.equal([
      [{ __name__: 'm', host: 'a' }, [1000, 2000], [100, 200]], [{ __name__: 'm', host: 'b' }, [1000], [300]],
    ]);
    expect(requests).to.have.length(1);
    // another time range, another selector: a scan each
    await slot(2).select(m, 0, 1500);
    await slot(2).select(swapped, 0, 3000);
    expect(requests).to.have.length(3);
    // stats count each table read once, with all its fields: 3 reads of 5 series each (this engine ignores the time range)
    expect([stats.selects, stats.tablesScanned, stats.series, stats.samples]).to.deep.equal([5, 3, 15, 21]);
    // a released slot is not read again (its series are gone)
    let err: (Error & { code?: string }) | undefined;
    try { await slot(0).select(m, 0, 3000); } catch (e) { err = e as Error; }
    expect(err?.code).to.equal('INTERNAL');
  });

  it('a matcher on a label the table lacks sees the empty string; a non-empty = skips the table without scanning', async () => {
    const { source, requests } = fixture([table('cpu', ['host'], ['greptime_value'])], {});
    const sel = parsePromql('cpu{nolabel="v"}');
    if (sel.kind !== 'VectorSelector') throw new Error('selector');
    expect(await source.select(sel.matchers, 0, 1)).to.deep.equal([]);
    expect(requests).to.have.length(0);
  });

  it('reads dictionary and null tags, second timestamps, nullable values, and several batches of one series', async () => {
    const b1 = new arrow.Table({
      host: dict(['a', 'a', null, null]),
      ts: arrow.vectorFromArray([1000, 2000, 1000, 2000], new arrow.TimestampSecond()),
      greptime_value: arrow.vectorFromArray([1, null, 3, 4], new arrow.Float64()),
    }).batches[0]!;
    const b2 = new arrow.Table({
      host: dict([null]),
      ts: arrow.vectorFromArray([3000], new arrow.TimestampSecond()),
      greptime_value: arrow.vectorFromArray([5], new arrow.Float64()),
    }).batches[0]!;
    const { source, requests } = fixture([table('m', ['host'], ['greptime_value'], 'TimestampSecond')], { m_0: [b1, b2] });
    const out = await source.select(matchersOf('m'), 1500, 3000);
    expect(requests[0]!.req.timeRange).to.deep.equal({ start: 1n, end: 4n });
    expect(out.map((s) => [labelsObj(s.labels), Array.from(s.t), Array.from(s.v)])).to.deep.equal([
      // sorted by labels, as Prometheus returns series
      [{ __name__: 'm' }, [1000, 2000, 3000], [3, 4, 5]],
      [{ __name__: 'm', host: 'a' }, [1000], [1]],
    ]);
  });

  it('__field__ picks fields; __name__ regex spans tables', async () => {
    const rb = (v: number) => new arrow.Table({
      ts: arrow.vectorFromArray([0n], new arrow.TimestampMillisecond()),
      usage: arrow.vectorFromArray([v], new arrow.Float64()), idle: arrow.vectorFromArray([v * 10], new arrow.Float64()),
    }).batches[0]!;
    const { source } = fixture([table('cpu_a', [], ['usage', 'idle']), table('cpu_b', [], ['usage', 'idle']), table('mem', [], ['usage'])],
      { cpu_a_0: [rb(1)], cpu_b_0: [rb(2)], mem_0: [rb(3)] });
    const sel = parsePromql('{__name__=~"cpu_.*", __field__="idle"}');
    if (sel.kind !== 'VectorSelector') throw new Error('selector');
    const out = await source.select(sel.matchers, 0, 0);
    expect(out.map((s) => [labelsObj(s.labels), Array.from(s.v)])).to.deep.equal([[{ __name__: 'cpu_a' }, [10]], [{ __name__: 'cpu_b' }, [20]]]);
    const first = await source.select(matchersOf('mem'), 0, 0);
    expect(first.map((s) => Array.from(s.v))).to.deep.equal([[3]]);
  });
});

describe('promql StorageSeriesSource series runs', () => {
  // Runs of 1..n rows in (pk, ts) order; neighbours differ in one tag only,
  // sometimes the last, sometimes by a null. Each run must be one series.
  const runs: Array<{ dc: string | null; host: string; len: number }> = [];
  for (let i = 0; i < 60; i++) {
    const dc = i % 7 === 3 ? null : `dc${Math.floor(i / 5)}`;
    runs.push({ dc, host: dc === null ? `n${i}` : `h${i % 5}`, len: 1 + ((i * 13) % 37) });
  }
  const dcs: Array<string | null> = []; const hosts: string[] = []; const ts: bigint[] = []; const vs: number[] = [];
  runs.forEach((r, i) => { for (let k = 0; k < r.len; k++) { dcs.push(r.dc); hosts.push(r.host); ts.push(BigInt(k * 1000)); vs.push(i * 1000 + k); } });
  // One series per run; select returns them sorted by labels, as Prometheus does.
  const expected = runs.map((r, i) => [{ __name__: 'cpu', ...(r.dc ? { dc: r.dc } : {}), host: r.host }, r.len, i * 1000] as const)
    .sort((a, b) => compareLabels(labelsFrom(a[0]), labelsFrom(b[0])));

  for (const [name, make] of [['Utf8', utf8], ['dictionary', dict]] as const) {
    it(`finds every run of a batch with ${name} tags (one series per run)`, async () => {
      const rb = new arrow.Table({
        dc: make(dcs), host: make(hosts),
        ts: arrow.vectorFromArray(ts, new arrow.TimestampMillisecond()), greptime_value: arrow.vectorFromArray(vs, new arrow.Float64()),
      }).batches[0]!;
      const { source } = fixture([table('cpu', ['dc', 'host'], ['greptime_value'])], { cpu_0: [rb] });
      const out = await source.select(matchersOf('cpu'), 0, 1e9);
      expect(out.map((s) => [labelsObj(s.labels), s.t.length, s.v[0]])).to.deep.equal(expected);
      for (const s of out) expect(Array.from(s.v)).to.deep.equal(Array.from({ length: s.t.length }, (_, k) => s.v[0]! + k));
    });
  }

  it('a table without tags is one series; a series split across batches is joined', async () => {
    const b = (from: number, n: number) => new arrow.Table({
      ts: arrow.vectorFromArray(Array.from({ length: n }, (_, k) => BigInt((from + k) * 1000)), new arrow.TimestampMillisecond()),
      greptime_value: arrow.vectorFromArray(Array.from({ length: n }, (_, k) => from + k), new arrow.Float64()),
    }).batches[0]!;
    const { source } = fixture([table('up', [], ['greptime_value'])], { up_0: [b(0, 5), b(5, 3)] });
    const out = await source.select(matchersOf('up'), 0, 1e9);
    expect(out.map((s) => [labelsObj(s.labels), Array.from(s.v)])).to.deep.equal([[{ __name__: 'up' }, [0, 1, 2, 3, 4, 5, 6, 7]]]);
  });
});

describe('promql StorageSeriesSource timestamps', () => {
  it('converts nanosecond time indexes to exact milliseconds (values beyond 2^53)', async () => {
    const ns = [1_700_000_000_001_000_000n, 1_700_000_000_001_999_999n, 1_700_000_000_123_456_789n];
    const rb = new arrow.Table({
      ts: arrow.makeVector({ type: new arrow.TimestampNanosecond(), data: BigInt64Array.from(ns) } as never),
      greptime_value: arrow.vectorFromArray([1, 2, 3], new arrow.Float64()),
    }).batches[0]!;
    const t = table('n', [], ['greptime_value'], 'TimestampNanosecond');
    const catalog = { listTables: () => [t], getTable: () => t } as unknown as Catalog;
    const engine = { async *scan() { yield rb; } } as unknown as StorageEngine;
    const out = await new StorageSeriesSource(catalog, engine, 'public').select(matchersOf('n'), 0, 2e12);
    expect(Array.from(out[0]!.t)).to.deep.equal([1_700_000_000_001, 1_700_000_000_001, 1_700_000_000_123]);
  });
});
