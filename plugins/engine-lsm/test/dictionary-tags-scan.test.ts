import { expect } from 'chai';
import * as arrow from 'apache-arrow';
import type { ScanRequest, StorageEngine, TableSchema } from '@strata/kernel';
import { batchOf, cpuSchema, harness, scanRows } from './support/fixtures.js';

const R = '5200_0';

const canon = (rs: ReadonlyArray<Record<string, unknown>>): string[] => rs.map((r) => JSON.stringify(r, (_k, v) => (typeof v === 'bigint' ? `${v}n` : v)));

/** Every String tag column of every batch the scan returns: its Arrow type ids. */
async function tagTypes(engine: StorageEngine, req: ScanRequest, tags: readonly string[]): Promise<Set<arrow.Type>> {
  const seen = new Set<arrow.Type>();
  for await (const b of engine.scan(R, req)) {
    for (const t of tags) { const v = b.getChild(t); if (v) seen.add(v.type.typeId); }
  }
  return seen;
}

describe('engine-lsm: String tags returned dictionary-encoded (ScanRequest.dictionaryTags)', function () {
  this.timeout(30000);

  it('gives the same rows as plain Utf8 tags over SSTs (with and without series tables) and the memtable, NULL tags included', async () => {
    const h = harness({ rowGroupRows: 64 });
    let s: TableSchema = cpuSchema();
    await h.engine.createRegion(R, s);
    const hosts: Array<string | null> = ['h1', 'h2', '', null, 'hôst-ü', 'h1-very-long-host-name-that-is-more-than-sixteen-bytes'];
    const rows = (from: number, points: number, salt: number): Array<Record<string, unknown>> => {
      const out = [];
      for (let p = from; p < from + points; p++) for (let k = 0; k < hosts.length; k++) {
        out.push({ host: hosts[k], region: k % 2 ? 'eu' : null, ts: p * 10, usage: salt * 1000 + k + p / 100, cnt: BigInt(p) });
      }
      return out;
    };
    await h.engine.write(R, batchOf(s, rows(0, 100, 1)));
    await h.engine.flush(R);
    // A tag added later: the first file predates it, so it reads as NULL there.
    s = { ...s, version: 2, columns: [...s.columns, { name: 'rack', type: { name: 'String' }, semantic: 'tag', nullable: true }], primaryKey: [...s.primaryKey, 'rack'] };
    await h.engine.alterRegion(R, s);
    await h.engine.write(R, batchOf(s, rows(50, 100, 2).map((r) => ({ ...r, rack: r.host === 'h2' ? 'r7' : null }))));
    await h.engine.flush(R);
    await h.engine.write(R, batchOf(s, rows(140, 20, 3).map((r) => ({ ...r, rack: r.host === 'h1' ? 'r1' : null }))));

    const requests: Array<[string, ScanRequest]> = [
      ['everything', {}],
      ['small batches', { batchSize: 7 }],
      ['a time range', { projection: ['host', 'rack', 'ts', 'usage'], timeRange: { start: 300n, end: 1450n } }],
      ['a tag predicate (row ranges: no series table)', { predicates: [{ column: 'host', op: '=', value: 'h2' }] }],
      ['tags only', { projection: ['rack', 'host'] }],
    ];
    for (const [label, req] of requests) {
      const plain = await scanRows(h.engine, R, req);
      const dict = await scanRows(h.engine, R, { ...req, dictionaryTags: true });
      expect(dict.length, label).to.be.greaterThan(0);
      expect(canon(dict), label).to.deep.equal(canon(plain));
      expect([...await tagTypes(h.engine, { ...req, dictionaryTags: true }, ['host', 'region', 'rack'])], label).to.deep.equal([arrow.Type.Dictionary]);
      expect([...await tagTypes(h.engine, req, ['host', 'region', 'rack'])], label).to.deep.equal([arrow.Type.Utf8]);
    }
    // NULLs really occur in the dictionary-encoded output (the older file's rack, a NULL host).
    const got = await scanRows(h.engine, R, { dictionaryTags: true });
    expect(got.some((r) => r.rack === null && r.host === 'h2')).to.equal(true);
    expect(got.some((r) => r.host === null)).to.equal(true);
    expect(got.some((r) => r.rack === 'r7')).to.equal(true);
    expect(got.some((r) => r.rack === 'r1')).to.equal(true);
  });
});
