import { expect } from 'chai';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import type { TableSchema } from '@strata/kernel';
import { defaultEngineLsmOptions, LsmEngine } from '../src/index.js';
import { batchOf, cpuSchema, harness, scanRows, silentLogger } from './support/fixtures.js';

const R = '4096_0';
const HOUR = 3_600_000;

function rowsAt(t0: number, hosts: number, points: number, salt: number): Array<Record<string, unknown>> {
  const rows = [];
  for (let h = 0; h < hosts; h++) for (let t = 0; t < points; t++) {
    rows.push({ host: `h${h}`, region: 'eu', ts: t0 + t * 1000, usage: salt * 1000 + h + t / 10, cnt: BigInt(salt) });
  }
  return rows;
}

describe('engine-lsm: compaction, TTL, alter, external readers', function () {
  this.timeout(30000);

  it('compaction merges a window into one file and keeps answers identical', async () => {
    const { engine } = harness({ compaction: { enabled: false, windowMs: '1h', filesPerWindowMax: 2 } });
    const s = cpuSchema();
    await engine.createRegion(R, s);
    // Three overlapping flushes in window 0 (later ones overwrite), one in window 2.
    for (let k = 0; k < 3; k++) {
      await engine.write(R, batchOf(s, rowsAt(k * 5000, 4, 20, k)));
      await engine.flush(R);
    }
    await engine.write(R, batchOf(s, rowsAt(2 * HOUR, 4, 5, 9)));
    await engine.flush(R);
    await engine.delete(R, batchOf(s, [{ host: 'h1', region: 'eu', ts: 3000 }], ['host', 'region', 'ts']));
    await engine.flush(R);
    expect(engine.stats(R).sstFiles).to.equal(5);
    const before = await scanRows(engine, R);
    const beforeRange = await scanRows(engine, R, { timeRange: { start: 4000n, end: 16000n }, predicates: [{ column: 'host', op: 'in', values: ['h1', 'h2'] }] });
    await engine.compact(R);
    const st = engine.stats(R);
    expect(st.sstFiles).to.equal(2);
    expect(await scanRows(engine, R)).to.deep.equal(before);
    expect(await scanRows(engine, R, { timeRange: { start: 4000n, end: 16000n }, predicates: [{ column: 'host', op: 'in', values: ['h1', 'h2'] }] })).to.deep.equal(beforeRange);
    // Duplicates and the delete marker are gone from the compacted file.
    const files = engine.regionHandle(R).files();
    expect(files.reduce((a, f) => a + f.rows, 0)).to.equal(before.length);
    expect(files.some((f) => f.hasDeletes)).to.equal(false);
  });

  it('compaction writes one file per time window', async () => {
    const { engine } = harness({ compaction: { enabled: false, windowMs: '1h', filesPerWindowMax: 2 } });
    const s = cpuSchema();
    await engine.createRegion(R, s);
    // Two flushes, each spanning three hourly windows.
    for (let k = 0; k < 2; k++) {
      const rows = [];
      for (let h = 0; h < 3; h++) for (let t = 0; t < 3 * 60; t++) rows.push({ host: `h${h}`, region: 'eu', ts: t * 60_000 + k * 1000, usage: k });
      await engine.write(R, batchOf(s, rows));
      await engine.flush(R);
    }
    const before = await scanRows(engine, R);
    await engine.compact(R);
    const files = engine.regionHandle(R).files().sort((a, b) => Number(a.minTs) - Number(b.minTs));
    expect(files.length).to.equal(3);
    for (const f of files) expect(Math.floor(Number(f.minTs) / HOUR)).to.equal(Math.floor(Number(f.maxTs) / HOUR));
    expect(await scanRows(engine, R)).to.deep.equal(before);
    expect(before.length).to.equal(2 * 3 * 180);
  });

  it('background-style compaction only merges windows with too many files', async () => {
    const { engine } = harness({ compaction: { enabled: false, windowMs: '1h', filesPerWindowMax: 3 } });
    const s = cpuSchema();
    await engine.createRegion(R, s);
    for (let k = 0; k < 3; k++) { await engine.write(R, batchOf(s, rowsAt(k * 1000, 2, 2, k))); await engine.flush(R); }
    await engine.regionHandle(R).maybeCompact(false);
    expect(engine.stats(R).sstFiles).to.equal(3);
    await engine.write(R, batchOf(s, rowsAt(9000, 2, 2, 4))); await engine.flush(R);
    await engine.regionHandle(R).maybeCompact(false);
    expect(engine.stats(R).sstFiles).to.equal(1);
  });

  it('TTL drops expired files without reading them', async () => {
    const h = harness({ compaction: { enabled: false, windowMs: '1h' } });
    const s = cpuSchema({ ttlMs: 24 * HOUR });
    await h.engine.createRegion(R, s);
    const now = Date.now();
    await h.engine.write(R, batchOf(s, rowsAt(now - 3 * 24 * HOUR, 2, 3, 1)));
    await h.engine.flush(R);
    await h.engine.write(R, batchOf(s, rowsAt(now - HOUR, 2, 3, 2)));
    await h.engine.flush(R);
    const gets = h.store.gets;
    await h.engine.compact(R);
    const files = h.engine.regionHandle(R).files();
    expect(files.length).to.equal(1);
    expect(Number(files[0]!.minTs)).to.be.greaterThan(now - 2 * HOUR);
    // The expired file was dropped and the single live file left alone: nothing was read.
    expect(h.store.gets).to.equal(gets);
    const rows = await scanRows(h.engine, R);
    expect(rows.length).to.equal(6);
    expect(rows.every((r) => (r.ts as number) > now - 2 * HOUR)).to.equal(true);
  });

  it('alter add/drop column: old SSTs read with nulls, dropped columns disappear', async () => {
    const h = harness();
    const s = cpuSchema();
    await h.engine.createRegion(R, s);
    await h.engine.write(R, batchOf(s, [{ host: 'a', region: 'x', ts: 1, usage: 1, cnt: 1n }]));
    await h.engine.flush(R);
    await h.engine.write(R, batchOf(s, [{ host: 'a', region: 'x', ts: 2, usage: 2, cnt: 2n }]));
    const s2: TableSchema = {
      ...s, version: 2,
      columns: [...s.columns.filter((c) => c.name !== 'cnt'), { name: 'temp', type: { name: 'Float64' }, semantic: 'field', nullable: true }],
    };
    await h.engine.alterRegion(R, s2);
    await h.engine.write(R, batchOf(s2, [{ host: 'a', region: 'x', ts: 3, usage: 3, temp: 30 }]));
    const expected = [
      { host: 'a', region: 'x', ts: 1, usage: 1, temp: null },
      { host: 'a', region: 'x', ts: 2, usage: 2, temp: null },
      { host: 'a', region: 'x', ts: 3, usage: 3, temp: 30 },
    ];
    expect(await scanRows(h.engine, R)).to.deep.equal(expected);
    await h.engine.flush(R);
    await h.engine.compact(R);
    expect(await scanRows(h.engine, R)).to.deep.equal(expected);
    const engine = await h.reopen();
    await engine.openRegion(R, s2);
    expect(await scanRows(engine, R)).to.deep.equal(expected);
    let err: unknown;
    try { await engine.alterRegion(R, { ...s2, version: 3, primaryKey: ['host'], columns: s2.columns.map((c) => (c.name === 'region' ? { ...c, semantic: 'field' as const } : c)) }); } catch (e) { err = e; }
    expect((err as { code?: string }).code).to.equal('INVALID_ARGUMENTS');
  });

  it('a field whose type changed reads as CAST converts it: WAL replay after a crash, compaction, a stale default', async () => {
    const texts = ['inf', '-Infinity', 'NaN', '1e20', ' 12 ', 'twelve'];
    const doubles = [Infinity, -Infinity, NaN, 1e20, 12, null];
    const col = (name: string, t: 'String' | 'Float64') => ({ name, type: { name: t }, semantic: 'field' as const, nullable: true });
    const base = cpuSchema();
    const s1: TableSchema = { ...base, columns: [...base.columns.filter((c) => c.name === 'host' || c.name === 'ts'), col('v', 'String')], primaryKey: ['host'] };
    const s2: TableSchema = { ...s1, version: 2, columns: [...s1.columns.filter((c) => c.name !== 'v'), col('v', 'Float64')] };
    const rows = texts.map((v, i) => ({ host: 'a', ts: i + 1, v }));
    const want = doubles.map((v, i) => ({ host: 'a', ts: i + 1, v }));

    // Written as text, never flushed; the process dies; the region reopens with the column a DOUBLE.
    const h = harness();
    await h.engine.createRegion(R, s1);
    await h.engine.write(R, batchOf(s1, rows));
    const crashed = new LsmEngine(h.wal, h.store, defaultEngineLsmOptions({ compaction: { enabled: false } }), silentLogger);
    await crashed.openRegion(R, s2);
    expect(await scanRows(crashed, R), 'replayed into the memtable').to.deep.equal(want);
    await crashed.flush(R);
    expect(await scanRows(crashed, R), 'flushed').to.deep.equal(want);
    await crashed.stop();

    // An SST of text rewritten by compaction in the new type.
    const { engine } = harness({ compaction: { enabled: false, windowMs: '1h', filesPerWindowMax: 2 } });
    await engine.createRegion(R, s1);
    await engine.write(R, batchOf(s1, rows.slice(0, 3)));
    await engine.flush(R);
    await engine.write(R, batchOf(s1, rows.slice(3)));
    await engine.flush(R);
    await engine.alterRegion(R, s2);
    await engine.compact(R);
    expect(engine.stats(R).sstFiles).to.equal(1);
    expect(await scanRows(engine, R), 'compacted').to.deep.equal(want);

    // A default set while the column was text, kept through MODIFY COLUMN, fills older rows as CAST converts it.
    const s3: TableSchema = { ...s2, version: 3, columns: [...s2.columns, { ...col('d', 'String'), default: { value: '-inf' } }] };
    await engine.alterRegion(R, s3);
    await engine.alterRegion(R, { ...s3, version: 4, columns: s3.columns.map((c) => (c.name === 'd' ? { ...c, type: { name: 'Float64' } } : c)) });
    expect((await scanRows(engine, R, { projection: ['ts', 'd'] })).map((r) => r.d)).to.deep.equal(texts.map(() => -Infinity));
  });

  it('adding a tag column keeps old series apart from new ones', async () => {
    const { engine } = harness();
    const s = cpuSchema();
    await engine.createRegion(R, s);
    await engine.write(R, batchOf(s, [{ host: 'a', region: 'x', ts: 1, usage: 1 }]));
    await engine.flush(R);
    const s2: TableSchema = { ...s, version: 2, primaryKey: ['host', 'region', 'dc'], columns: [...s.columns, { name: 'dc', type: { name: 'String' }, semantic: 'tag', nullable: true }] };
    await engine.alterRegion(R, s2);
    await engine.write(R, batchOf(s2, [{ host: 'a', region: 'x', dc: 'd1', ts: 1, usage: 2 }, { host: 'a', region: 'x', ts: 2, usage: 3 }]));
    const rows = await scanRows(engine, R, { projection: ['host', 'dc', 'ts', 'usage'] });
    expect(rows).to.deep.equal([
      { host: 'a', dc: null, ts: 1, usage: 1 },
      { host: 'a', dc: null, ts: 2, usage: 3 },
      { host: 'a', dc: 'd1', ts: 1, usage: 2 },
    ]);
  });

  it('non-string tags (Int64, Boolean) and other field types survive flush and compaction', async () => {
    const { engine } = harness({ compaction: { enabled: false } });
    const s: TableSchema = {
      columns: [
        { name: 'dev', type: { name: 'Int64' }, semantic: 'tag', nullable: true },
        { name: 'on', type: { name: 'Boolean' }, semantic: 'tag', nullable: true },
        { name: 'ts', type: { name: 'TimestampNanosecond' }, semantic: 'timestamp', nullable: false },
        { name: 'msg', type: { name: 'String' }, semantic: 'field', nullable: true },
        { name: 'ok', type: { name: 'Boolean' }, semantic: 'field', nullable: true },
        { name: 'n', type: { name: 'UInt32' }, semantic: 'field', nullable: true },
      ],
      timeIndex: 'ts', primaryKey: ['dev', 'on'], options: {}, version: 1,
    };
    await engine.createRegion(R, s);
    const rows = [
      { dev: -5n, on: true, ts: 3, msg: 'a', ok: true, n: 1 },
      { dev: 10n, on: false, ts: 1, msg: null, ok: false, n: 2 },
      { dev: -5n, on: true, ts: 1, msg: 'b', ok: null, n: null },
      { dev: null, on: null, ts: 2, msg: 'c', ok: true, n: 3 },
    ];
    await engine.write(R, batchOf(s, rows));
    const before = await scanRows(engine, R);
    expect(before.map((r) => [r.dev, r.ts])).to.deep.equal([[null, 2], [-5n, 1], [-5n, 3], [10n, 1]]);
    await engine.flush(R);
    expect(await scanRows(engine, R)).to.deep.equal(before);
    await engine.write(R, batchOf(s, [{ dev: -5n, on: true, ts: 3, msg: 'new', ok: false, n: 9 }]));
    await engine.flush(R);
    await engine.compact(R);
    const after = await scanRows(engine, R);
    expect(after.length).to.equal(4);
    expect(after[2]).to.deep.equal({ dev: -5n, on: true, ts: 3, msg: 'new', ok: false, n: 9 });
    expect((await scanRows(engine, R, { predicates: [{ column: 'dev', op: '=', value: -5 }] })).length).to.equal(2);
  });

  it('DuckDB reads an SST with the same rows', async () => {
    const h = harness();
    const s = cpuSchema();
    await h.engine.createRegion(R, s);
    const rows = rowsAt(1_700_000_000_000, 5, 40, 3);
    await h.engine.write(R, batchOf(s, rows));
    await h.engine.flush(R);
    const f = h.engine.regionHandle(R).files()[0]!;
    const dir = mkdtempSync(join(tmpdir(), 'engine-lsm-duck-'));
    try {
      const path = join(dir, 'sst.parquet');
      writeFileSync(path, h.store.objects.get(h.engine.regionHandle(R).sstKeyOf(f.id))!);
      const db = await DuckDBInstance.create(':memory:');
      const conn = await db.connect();
      const res = await conn.runAndReadAll(`SELECT host, region, epoch_ms(ts) AS ts, usage, cnt FROM read_parquet('${path}') ORDER BY host, ts`);
      const got = res.getRowObjects().map((r) => ({ host: r.host, region: r.region, ts: Number(r.ts), usage: r.usage, cnt: r.cnt }));
      const want = (await scanRows(h.engine, R)).map((r) => ({ host: r.host, region: r.region, ts: r.ts, usage: r.usage, cnt: r.cnt }));
      expect(got.length).to.equal(200);
      expect(got).to.deep.equal(want);
      const meta = await conn.runAndReadAll(`SELECT DISTINCT compression FROM parquet_metadata('${path}')`);
      expect(meta.getRowObjects().map((r) => r.compression)).to.deep.equal(['ZSTD']);
      conn.closeSync?.();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
