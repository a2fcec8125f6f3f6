import { expect } from 'chai';
import { seededRandom } from '@strata/kernel';
import * as arrow from 'apache-arrow';
import { pw } from '../src/parquet.js';
import { ByteEntries, columnData, decodeColumn, decodeColumnRanges, initParquetRead, ParquetFooter, parquetReadInfo, type PageStore } from '../src/parquet-read.js';
import { ThriftError, ThriftReader } from '../src/parquet-thrift.js';
import { sstReads } from '../src/sst.js';
import { SMALL_READ_SERIES_TABLE_MAX } from '../src/region.js';
import type { TableSchema } from '@strata/kernel';
import { batchOf, cpuSchema, harness, scanRows } from './support/fixtures.js';

const R = '4096_0';

interface Case { seed: number; rows: number; nullRate: number; v2: boolean; pageBytes: number; dictBytes: number; compression: 'zstd' | 'none'; rowGroupRows: number }

/** A table of every type the JS reader handles, random values (extremes included), nulls at `nullRate`. */
function randomTable(c: Case): arrow.Table {
  const r = seededRandom(c.seed);
  const n = c.rows;
  const nul = (): boolean => r() < c.nullRate;
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const big = (bits: number, signed: boolean): bigint => {
    const x = (BigInt(Math.floor(r() * 2 ** 32)) << 32n) | BigInt(Math.floor(r() * 2 ** 32));
    return signed ? BigInt.asIntN(bits, x) : BigInt.asUintN(bits, x);
  };
  const col = <T>(type: arrow.DataType, gen: (i: number) => T): arrow.Vector => arrow.vectorFromArray(Array.from({ length: n }, (_, i) => (nul() ? null : gen(i))), type as never);
  /** Fixed-width columns built from a typed array and a validity bitmap (Arrow's builders want Numbers for timestamps). */
  const typed = <T extends number | bigint>(type: arrow.DataType, ctor: { new(n: number): { [i: number]: T } }, gen: (i: number) => T): arrow.Vector => {
    const data = new ctor(n);
    const bitmap = new Uint8Array(((n + 63) >> 6) << 3);
    let nulls = 0;
    for (let i = 0; i < n; i++) { if (nul()) nulls++; else { data[i] = gen(i); bitmap[i >> 3]! |= 1 << (i & 7); } }
    return arrow.makeVector(arrow.makeData({ type, length: n, data, nullCount: nulls, nullBitmap: bitmap } as never));
  };
  const hosts = Array.from({ length: 1 + Math.floor(r() * 40) }, (_, i) => `host_${i}_${'x'.repeat(i % 7)}`);
  let ts = -5_000_000_000_000_000_000n + BigInt(Math.floor(r() * 1e9));
  let ms = 1_700_000_000_000;
  let lp = 1_451_606_400_000_000_000n;
  let jit = 1_451_606_400_000_000_000n;
  return new arrow.Table({
    host: arrow.vectorFromArray(Array.from({ length: n }, () => (nul() ? null : pick(hosts))), new arrow.Dictionary(new arrow.Utf8(), new arrow.Int32())),
    ts_ms: typed(new arrow.TimestampMillisecond(), BigInt64Array, (i) => { if (r() < 0.05) ms -= 86_400_000; ms += 10_000; return BigInt(ms + (i % 3)); }),
    ts_us: typed(new arrow.TimestampMicrosecond(), BigInt64Array, () => BigInt(Math.floor(r() * 2 ** 52)) - 2n ** 51n),
    ts_ns: typed(new arrow.TimestampNanosecond(), BigInt64Array, () => { ts = BigInt.asIntN(64, ts + big(40, true)); return ts; }),
    // Line-protocol time: ns since the epoch (past 2^53), a steady 10 s step with jumps back between series.
    ts_lp: typed(new arrow.TimestampNanosecond(), BigInt64Array, () => { if (r() < 0.01) lp -= 86_400_000_000_000n; lp += 10_000_000_000n; return lp; }),
    // The same with up to ~1 ms of jitter: miniblocks of narrow deltas (≤ 32 bits) over a minimum delta past 2^32.
    ts_jit: typed(new arrow.TimestampNanosecond(), BigInt64Array, () => { jit += 10_000_000_000n + BigInt(Math.floor(r() * 1_000_000)); return jit; }),
    i8: typed(new arrow.Int8(), Int8Array, () => Math.floor(r() * 256) - 128),
    i16: typed(new arrow.Int16(), Int16Array, () => Math.floor(r() * 65536) - 32768),
    i32: typed(new arrow.Int32(), Int32Array, () => (r() < 0.1 ? pick([-2147483648, 2147483647, 0]) : Math.floor(r() * 1000))),
    i64: typed(new arrow.Int64(), BigInt64Array, () => (r() < 0.2 ? big(64, true) : BigInt(Math.floor(r() * 100)))),
    u8: typed(new arrow.Uint8(), Uint8Array, () => Math.floor(r() * 256)),
    u16: typed(new arrow.Uint16(), Uint16Array, () => Math.floor(r() * 65536)),
    u32: typed(new arrow.Uint32(), Uint32Array, () => (r() < 0.2 ? 4294967295 : Math.floor(r() * 4294967296))),
    u64: typed(new arrow.Uint64(), BigUint64Array, () => big(64, false)),
    f32: typed(new arrow.Float32(), Float32Array, () => Math.fround((r() - 0.5) * 1e6)),
    f64: typed(new arrow.Float64(), Float64Array, () => (r() < 0.05 ? pick([Infinity, -Infinity, -0, Number.MAX_VALUE, 5e-324]) : Math.floor(r() * 100))),
    nan: typed(new arrow.Float64(), Float64Array, () => (r() < 0.5 ? NaN : r())),
    b: col(new arrow.Bool(), () => r() < 0.5),
    d: typed(new arrow.DateDay(), Int32Array, () => Math.floor(r() * 4e7) - 2e7),
    s: col(new arrow.Utf8(), () => (r() < 0.5 ? pick(['ok', 'warn', 'error', '']) : `v${Math.floor(r() * 1e6)}é☃`)),
    bin: col(new arrow.Binary(), () => Uint8Array.from({ length: Math.floor(r() * 9) }, () => Math.floor(r() * 256))),
  });
}

function write(t: arrow.Table, c: Case): Uint8Array {
  const tags = ['host'];
  let b = new pw.WriterPropertiesBuilder()
    .setCompression(c.compression === 'zstd' ? pw.Compression.ZSTD : pw.Compression.UNCOMPRESSED)
    .setDictionaryEnabled(false)
    .setMaxRowGroupSize(c.rowGroupRows)
    .setDataPageSizeLimit(c.pageBytes)
    .setDictionaryPageSizeLimit(c.dictBytes)
    .setWriterVersion(c.v2 ? pw.WriterVersion.V2 : pw.WriterVersion.V1);
  for (const f of t.schema.fields) {
    if (tags.includes(f.name) || f.name === 's' || f.name === 'bin') b = b.setColumnDictionaryEnabled(f.name, true);
    else if (['ts_ms', 'ts_us', 'ts_ns', 'ts_lp', 'ts_jit', 'i8', 'i16', 'i32', 'i64', 'u8', 'u16', 'u32', 'u64', 'd'].includes(f.name)) b = b.setColumnEncoding(f.name, pw.Encoding.DELTA_BINARY_PACKED);
    else if (f.name === 'f32' || f.name === 'f64' || f.name === 'nan') b = b.setColumnEncoding(f.name, pw.Encoding.BYTE_STREAM_SPLIT);
  }
  return pw.writeParquet(pw.Table.fromIPCStream(arrow.tableToIPC(t, 'stream')), b.build());
}

/** parquet-wasm's reading of the file, the reference. */
function reference(bytes: Uint8Array): arrow.Table {
  return arrow.tableFromIPC(pw.readParquet(bytes).intoIPCStream());
}

function values(v: arrow.Vector | null, from: number, to: number): unknown[] {
  const out: unknown[] = [];
  for (let i = from; i < to; i++) {
    const x = v!.get(i);
    out.push(x instanceof Uint8Array ? `bytes:${Array.from(x).join(',')}` : typeof x === 'number' && Number.isNaN(x) ? 'NaN' : Object.is(x, -0) ? '-0' : x);
  }
  return out;
}

describe('engine-lsm: JS Parquet reader', function () {
  this.timeout(60000);
  before(() => initParquetRead());

  const cases: Case[] = [];
  for (let seed = 1; seed <= 24; seed++) {
    cases.push({
      seed, rows: [1, 7, 1000, 5000, 20000][seed % 5]!, nullRate: [0, 0.1, 0.9, 1][seed % 4]!, v2: seed % 3 === 0,
      pageBytes: [1 << 20, 4096, 300][seed % 3]!, dictBytes: [1 << 20, 256][seed % 2]!, compression: seed % 5 === 4 ? 'none' : 'zstd',
      rowGroupRows: [1 << 20, 3000, 128][seed % 3]!,
    });
  }

  for (const c of cases) {
    it(`reads what arrow-rs wrote, every row group and random row ranges (${JSON.stringify(c)})`, () => {
      const t = randomTable(c);
      const bytes = write(t, c);
      const ref = reference(bytes);
      const footer = ParquetFooter.parse(bytes, 0);
      const leaves = footer.leaves.map((_, i) => i);
      expect(footer.canRead(leaves), 'every column readable').to.equal(true);
      const r = seededRandom(c.seed * 7);
      const kept = new Map<number, Uint8Array>();
      const dicts = new Map<number, ByteEntries>();
      const store: PageStore = {
        get: (k) => kept.get(k), put: (k, b) => { kept.set(k, b); },
        getDictionary: (k) => dicts.get(k), putDictionary: (k, e) => { dicts.set(k, e); },
      };
      let base = 0;
      for (let rg = 0; rg < footer.rowGroups.length; rg++) {
        const rows = footer.rowGroups[rg]!.rows;
        const spans: Array<[number, number]> = [[0, rows]];
        for (let k = 0; k < 3 && rows > 1; k++) { const a = Math.floor(r() * rows); spans.push([a, a + 1 + Math.floor(r() * (rows - a))]); }
        for (const [from, to] of spans) {
          for (const li of leaves) {
            const ch = footer.rowGroups[rg]!.chunks[li]!;
            const col = decodeColumn(footer, rg, li, bytes.subarray(ch.start, ch.start + ch.length), from, to);
            const got = arrow.makeVector(columnData(col, 0, to - from));
            const name = footer.leaves[li]!.name;
            expect(got.type.toString(), name).to.equal(ref.getChild(name)!.type.toString());
            expect(values(got, 0, to - from), `${name} rg ${rg} rows ${from}..${to}`).to.deep.equal(values(ref.getChild(name), base + from, base + to));
            expect(got.nullCount, `${name} null count`).to.equal(values(ref.getChild(name), base + from, base + to).filter((x) => x === null).length);
          }
        }
        // Several disjoint ranges at once: their rows one after another.
        const cuts = [...new Set(Array.from({ length: 6 }, () => Math.floor(r() * (rows + 1))))].sort((x, y) => x - y);
        const multi: Array<[number, number]> = [];
        for (let k = 0; k + 1 < cuts.length; k += 2) if (cuts[k]! < cuts[k + 1]!) multi.push([cuts[k]!, cuts[k + 1]!]);
        const total = multi.reduce((a, [x, y]) => a + y - x, 0);
        for (const li of leaves) {
          const ch = footer.rowGroups[rg]!.chunks[li]!;
          const name = footer.leaves[li]!.name;
          const want = multi.flatMap(([x, y]) => values(ref.getChild(name), base + x, base + y));
          // Without a page store, then twice with one (filled, then served from it).
          for (const pages of [undefined, store, store]) {
            const col = decodeColumnRanges(footer, rg, li, bytes.subarray(ch.start, ch.start + ch.length), multi, pages);
            expect(col.rows).to.equal(total);
            const got = total ? values(arrow.makeVector(columnData(col, 0, total)), 0, total) : [];
            expect(got, `${name} rg ${rg} ranges ${JSON.stringify(multi)}${pages ? ' (page store)' : ''}`).to.deep.equal(want);
          }
          // A later read needing more of a kept page than an earlier one decoded (the kept prefix grows).
          if (rows > 1) {
            const col = decodeColumnRanges(footer, rg, li, bytes.subarray(ch.start, ch.start + ch.length), [[1, rows - 1]], store);
            expect(values(arrow.makeVector(columnData(col, 0, rows - 2)), 0, rows - 2), `${name} rg ${rg} rows 1..${rows - 1} after`).to.deep.equal(values(ref.getChild(name), base + 1, base + rows - 1));
          }
        }
        base += rows;
      }
      expect(base).to.equal(t.numRows);
    });
  }

  it('keeps a cut delta page decoded whole, so a later read of other rows of it decodes nothing', () => {
    const c: Case = { seed: 98, rows: 20000, nullRate: 0, v2: false, pageBytes: 16384, dictBytes: 1 << 20, compression: 'zstd', rowGroupRows: 1 << 20 };
    const t = randomTable(c);
    const bytes = write(t, c);
    const ref = reference(bytes);
    const footer = ParquetFooter.parse(bytes, 0);
    const li = footer.leafIndex('i64');
    const locs = footer.pageLocations(0, li)!;
    expect(locs.length).to.be.greaterThan(2);
    const page = locs[1]!;
    const pageRows = locs[2]!.firstRow - page.firstRow;
    const kept = new Map<number, Uint8Array>();
    let puts = 0;
    const store: PageStore = { get: (k) => kept.get(k), put: (k, b) => { puts++; kept.set(k, b); } };
    const ch = footer.rowGroups[0]!.chunks[li]!;
    const chunk = bytes.subarray(ch.start, ch.start + ch.length);
    const read = (a: number, b: number) => values(arrow.makeVector(columnData(decodeColumnRanges(footer, 0, li, chunk, [[a, b]], store), 0, b - a)), 0, b - a);
    // A few rows near the start of the page, then rows near its end.
    const a0 = page.firstRow + 3, b0 = page.firstRow + 9;
    expect(read(a0, b0)).to.deep.equal(values(ref.getChild('i64'), a0, b0));
    const decoded = kept.get(-1 - page.offset);
    expect(decoded, 'the decoded page is kept').to.not.equal(undefined);
    expect([...new Int32Array(decoded!.buffer, decoded!.byteOffset, 2)], 'its row range: the whole page').to.deep.equal([0, pageRows]);
    const before = puts;
    const a1 = page.firstRow + pageRows - 7, b1 = page.firstRow + pageRows - 1;
    expect(read(a1, b1)).to.deep.equal(values(ref.getChild('i64'), a1, b1));
    expect(puts, 'served from what was kept').to.equal(before);
  });

  it('reads only the pages a row range touches (offset index)', () => {
    const c: Case = { seed: 99, rows: 20000, nullRate: 0, v2: false, pageBytes: 4096, dictBytes: 1 << 20, compression: 'zstd', rowGroupRows: 1 << 20 };
    const bytes = write(randomTable(c), c);
    const footer = ParquetFooter.parse(bytes, 0);
    const li = footer.leafIndex('f64');
    const pages = footer.pageLocations(0, li)!;
    expect(pages.length).to.be.greaterThan(10);
    const ch = footer.rowGroups[0]!.chunks[li]!;
    const col = decodeColumn(footer, 0, li, bytes.subarray(ch.start, ch.start + ch.length), 10_000, 10_010);
    expect(col.rows).to.equal(10);
    // Pages are decompressed in place in wasm memory, not copied out per page.
    expect(parquetReadInfo().zstdDirect).to.equal(true);
  });

  it('decodes a foreign writer\'s delta page with one 8192-value miniblock exactly past 2^53', () => {
    // arrow-rs writes 32-value miniblocks; the format allows any multiple of 32. Rewrite the
    // page of an uncompressed delta column as one block, one miniblock of width 0.
    const n = 8193;
    const big = new BigInt64Array(n);
    for (let i = 0; i < n; i++) big[i] = BigInt.asIntN(64, BigInt(i) * 0x9e3779b97f4a7c15n);
    const t = new arrow.Table({ v: arrow.makeVector(arrow.makeData({ type: new arrow.Int64(), length: n, data: big })) });
    const props = new pw.WriterPropertiesBuilder().setCompression(pw.Compression.UNCOMPRESSED).setDictionaryEnabled(false)
      .setDataPageSizeLimit(1 << 24).setWriteBatchSize(1 << 16).setColumnEncoding('v', pw.Encoding.DELTA_BINARY_PACKED).build();
    const bytes = pw.writeParquet(pw.Table.fromIPCStream(arrow.tableToIPC(t, 'stream')), props);
    const footer = ParquetFooter.parse(bytes, 0);
    const ch = footer.rowGroups[0]!.chunks[0]!;
    const r = new ThriftReader(bytes, ch.dataPageOffset);
    const h = r.struct();
    const out: number[] = [];
    const uv = (x: bigint): void => { do { let b = Number(x & 0x7fn); x >>= 7n; if (x) b |= 0x80; out.push(b); } while (x); };
    const zz = (x: bigint): void => uv(x >= 0n ? 2n * x : -2n * x - 1n);
    const first = 2n ** 51n - 1n, md = 2n ** 40n - 1n;
    uv(8192n); uv(1n); uv(BigInt(n)); zz(first); zz(md); out.push(0);
    const payload = bytes.subarray(r.pos, r.pos + (h[3] as number));
    const levels = footer.leaves[0]!.optional ? 4 + (payload[0]! | (payload[1]! << 8) | (payload[2]! << 16) | (payload[3]! << 24)) : 0;
    payload.fill(0, levels);
    payload.set(out, levels);
    const col = decodeColumn(footer, 0, 0, bytes.subarray(ch.start, ch.start + ch.length), 0, n);
    const got = new BigInt64Array((col.values as Int32Array).buffer, 0, n);
    let wrong = 0;
    for (let i = 0; i < n; i++) if (got[i] !== first + BigInt(i) * md) wrong++;
    expect(wrong).to.equal(0);
  });

  it('reports a type it cannot produce instead of guessing (Decimal128 goes to parquet-wasm)', () => {
    const t = new arrow.Table({ d: arrow.vectorFromArray([1n, 2n].map((x) => new Uint32Array([Number(x), 0, 0, 0])), new arrow.Decimal(2, 10, 128) as never) });
    const bytes = pw.writeParquet(pw.Table.fromIPCStream(arrow.tableToIPC(t, 'stream')));
    const footer = ParquetFooter.parse(bytes, 0);
    expect(footer.canRead([0])).to.equal(false);
  });

  it('a damaged page is a typed error, not a crash or wrong rows', () => {
    const c: Case = { seed: 5, rows: 5000, nullRate: 0.1, v2: false, pageBytes: 4096, dictBytes: 1 << 20, compression: 'zstd', rowGroupRows: 1 << 20 };
    const bytes = write(randomTable(c), c);
    const footer = ParquetFooter.parse(bytes, 0);
    for (const name of ['f64', 'ts_ms', 'host', 's']) {
      const li = footer.leafIndex(name);
      const ch = footer.rowGroups[0]!.chunks[li]!;
      const chunk = bytes.slice(ch.start, ch.start + ch.length);
      // Cut the chunk short: the last page runs past its end.
      expect(() => decodeColumn(footer, 0, li, chunk.subarray(0, chunk.length - 10), 0, 5000), name).to.throw();
      // Flip bytes inside a compressed page body.
      for (let i = 40; i < chunk.length; i += 97) chunk[i] = chunk[i]! ^ 0x5a;
      let threw = false;
      try { decodeColumn(footer, 0, li, chunk, 0, 5000); } catch (err) { threw = err instanceof Error; }
      expect(threw, `${name}: damage detected`).to.equal(true);
    }
    expect(() => ParquetFooter.parse(bytes.subarray(0, bytes.length - 1), 0)).to.throw(ThriftError);
    // An uncompressed chunk cut short is refused (its metadata says how long it is).
    const plain = write(randomTable({ ...c, compression: 'none' }), { ...c, compression: 'none' });
    const pf = ParquetFooter.parse(plain, 0);
    for (const name of ['f64', 'ts_ms', 'ts_lp', 'host', 's', 'i32']) {
      const li = pf.leafIndex(name);
      const ch = pf.rowGroups[0]!.chunks[li]!;
      for (const cut of [1, 7, 33]) expect(() => decodeColumn(pf, 0, li, plain.subarray(ch.start, ch.start + ch.length - cut), 0, 5000), `${name} cut by ${cut}`).to.throw();
    }
    // A footer whose list claims more elements than it has bytes is refused, not allocated.
    const bogus = new Uint8Array([0x19, 0xfc, 0xff, 0xff, 0xff, 0x0f, 0x00]);
    expect(() => new ThriftReader(bogus).struct()).to.throw(ThriftError);
  });
});

describe('engine-lsm: scans of SSTs through the JS reader', function () {
  this.timeout(30000);

  it('serves flushed reads (whole and by tag row range) with the answers the memtable gave', async () => {
    const { engine, store } = harness({ rowGroupRows: 256 });
    const s = cpuSchema();
    await engine.createRegion(R, s);
    const rows = [];
    for (let t = 0; t < 200; t++) for (let h = 0; h < 8; h++) rows.push({ host: `host_${h}`, region: h % 2 ? null : `r${h % 3}`, ts: t * 10, usage: t % 7 === 0 ? null : h + t / 8, cnt: BigInt(t * h) - 50n });
    await engine.write(R, batchOf(s, rows));
    const reqs = [{}, { predicates: [{ column: 'host', op: '=' as const, value: 'host_3' }] }, { timeRange: { start: 500n, end: 1200n }, projection: ['ts', 'usage'] }];
    const before = await Promise.all(reqs.map((q) => scanRows(engine, R, q)));
    await engine.flush(R);
    const js = sstReads.js, wasm = sstReads.wasm;
    const after = await Promise.all(reqs.map((q) => scanRows(engine, R, q)));
    expect(after).to.deep.equal(before);
    expect(sstReads.js - js).to.be.greaterThan(0);
    expect(sstReads.wasm - wasm).to.equal(0);
    // The engine's SSTs carry the offset index page skipping relies on.
    const sst = [...store.objects.entries()].find(([k]) => k.endsWith('.parquet'))![1];
    const footer = ParquetFooter.parse(sst, 0);
    expect(footer.pageLocations(0, footer.leafIndex('usage'))?.length).to.be.greaterThan(0);
    expect(footer.canRead(footer.leaves.map((_, i) => i))).to.equal(true);
  });

  /** An engine with one flushed SST of 10 hosts x 2000 rows (small reads go by tag row ranges). */
  async function tenHostSst(opts: Record<string, unknown> = {}) {
    const { engine } = harness({ rowGroupRows: 4096, ...opts });
    const s = cpuSchema();
    await engine.createRegion(R, s);
    const rows = [];
    for (let t = 0; t < 2000; t++) for (let h = 0; h < 10; h++) rows.push({ host: `host_${h}`, region: `r${h % 3}`, ts: t * 10, usage: (h * 31 + t) % 97, cnt: BigInt(t) });
    await engine.write(R, batchOf(s, rows));
    await engine.flush(R);
    return { engine, s, full: await scanRows(engine, R) };
  }

  it('a repeated small read decompresses no page again (pages kept with the opened SST); full scans keep none', async () => {
    const { engine, s, full } = await tenHostSst();
    const cacheBytes = engine.sstFiles!.bytes;
    // A full scan leaves no pages behind.
    await scanRows(engine, R);
    expect(engine.sstFiles!.bytes).to.equal(cacheBytes);
    const q = { predicates: [{ column: 'host', op: '=' as const, value: 'host_4' }], timeRange: { start: 5000n, end: 9000n } };
    const first = await scanRows(engine, R, q);
    expect(first).to.deep.equal(full.filter((r) => r.host === 'host_4' && (r.ts as number) >= 5000 && (r.ts as number) < 9000));
    expect(engine.sstFiles!.bytes, 'pages counted in the cache').to.be.greaterThan(cacheBytes);
    const before = parquetReadInfo().pagesDecompressed;
    expect(await scanRows(engine, R, q)).to.deep.equal(first);
    expect(parquetReadInfo().pagesDecompressed - before).to.equal(0);
    // Dropped with the file: compaction replaces it, the answers stay.
    await engine.write(R, batchOf(s, [{ host: 'host_4', region: 'r1', ts: 6000, usage: -1, cnt: 0n }]));
    await engine.flush(R);
    await engine.compact(R);
    const after = await scanRows(engine, R, q);
    expect(after.find((r) => r.ts === 6000)?.usage).to.equal(-1);
    expect(after).to.have.length(first.length);
  });

  it('a repeated scan of whole row groups decompresses no page again (the engine page cache); removed files leave it', async () => {
    const { engine, s, full } = await tenHostSst();
    const pages = engine.sstPages!;
    expect(pages, 'on by default').to.not.equal(undefined);
    const first = await scanRows(engine, R, { unordered: true });
    expect(first).to.deep.equal(full);
    expect(pages.bytes, 'pages kept').to.be.greaterThan(0);
    const before = parquetReadInfo().pagesDecompressed;
    expect(await scanRows(engine, R, { unordered: true })).to.deep.equal(first);
    // A narrower projection is served from the same pages.
    expect(await scanRows(engine, R, { projection: ['ts', 'usage'] })).to.deep.equal(full.map((r) => ({ ts: r.ts, usage: r.usage })));
    expect(parquetReadInfo().pagesDecompressed - before, 'no page decompressed').to.equal(0);
    expect(pages.hits).to.be.greaterThan(0);
    // Compaction replaces the file: its pages go, answers stay.
    await engine.write(R, batchOf(s, [{ host: 'host_4', region: 'r1', ts: 6000, usage: -1, cnt: 0n }]));
    await engine.flush(R);
    await engine.compact(R);
    expect(pages.bytes, 'pages of the removed files dropped').to.equal(0);
    const after = await scanRows(engine, R);
    expect(after.find((r) => r.host === 'host_4' && r.ts === 6000)?.usage).to.equal(-1);
    expect(after).to.have.length(full.length);
    await engine.stop();
    const off = harness({ sstPageCacheBytes: '0' });
    expect(off.engine.sstPages).to.equal(undefined);
    await off.engine.stop();
  });

  it('a small read of a series an earlier read decoded takes those rows (any time window); another series decodes', async () => {
    for (const keep of [true, false]) {
      const { engine, full } = await tenHostSst(keep ? {} : { sstMetaCacheBytes: '0' });
      const want = (host: string, a: number, b: number) => full.filter((r) => r.host === host && (r.ts as number) >= a && (r.ts as number) < b);
      const q = (host: string, a: number, b: number) => ({ predicates: [{ column: 'host', op: '=' as const, value: host }], timeRange: { start: BigInt(a), end: BigInt(b) } });
      expect(await scanRows(engine, R, q('host_4', 5000, 9000))).to.deep.equal(want('host_4', 5000, 9000));
      const js = sstReads.js, kept = sstReads.kept;
      // The same series again, the same and another time window: nothing decoded.
      expect(await scanRows(engine, R, q('host_4', 5000, 9000))).to.deep.equal(want('host_4', 5000, 9000));
      expect(await scanRows(engine, R, q('host_4', 100, 2500))).to.deep.equal(want('host_4', 100, 2500));
      if (keep) {
        expect(sstReads.kept - kept, 'answered from the kept rows').to.be.greaterThan(0);
        expect(sstReads.js - js, 'nothing decoded').to.equal(0);
      } else {
        expect(sstReads.kept - kept, 'no cache for opened files: nothing kept').to.equal(0);
      }
      // Another series decodes its own rows.
      const js2 = sstReads.js;
      expect(await scanRows(engine, R, q('host_5', 0, 20_000))).to.deep.equal(want('host_5', 0, 20_000));
      expect(sstReads.js - js2).to.be.greaterThan(0);
      await engine.stop();
    }
  });

  it('a small read of a file with more series than SMALL_READ_SERIES_TABLE_MAX decodes the tags for its merge keys, same answers', async () => {
    const { engine } = harness({ rowGroupRows: 4096 });
    const s = cpuSchema();
    await engine.createRegion(R, s);
    const n = SMALL_READ_SERIES_TABLE_MAX + 50;
    const rows = [];
    for (let h = 0; h < n; h++) rows.push({ host: `host_${h}`, region: `r${h % 5}`, ts: h % 7, usage: h, cnt: BigInt(h) });
    for (let t = 10; t < 20; t++) rows.push({ host: 'host_42', region: 'r2', ts: t, usage: t * 2, cnt: 1n });
    await engine.write(R, batchOf(s, rows));
    const qs = [
      { predicates: [{ column: 'host', op: '=' as const, value: 'host_42' }] },
      { predicates: [{ column: 'host', op: 'in' as const, values: ['host_7', 'host_9999', 'host_10049'] }], timeRange: { start: 0n, end: 5n } },
    ];
    const before = await Promise.all(qs.map((q) => scanRows(engine, R, q)));
    expect(before[0]).to.have.length(11);
    await engine.flush(R);
    expect(await Promise.all(qs.map((q) => scanRows(engine, R, q)))).to.deep.equal(before);
    // A second file with overlapping series: merge keys must line up across files.
    await engine.write(R, batchOf(s, [{ host: 'host_42', region: 'r2', ts: 15, usage: -1, cnt: 0n }, { host: 'host_7', region: 'r2', ts: 0, usage: -7, cnt: 0n }]));
    await engine.flush(R);
    const after = await scanRows(engine, R, qs[0]!);
    expect(after).to.have.length(11);
    expect(after.find((r) => r.ts === 15)?.usage).to.equal(-1);
  });

  it('falls back to parquet-wasm for a column type it does not produce (Decimal128), same answers', async () => {
    const { engine } = harness();
    const s: TableSchema = { ...cpuSchema(), columns: [...cpuSchema().columns, { name: 'price', type: { name: 'Decimal128', precision: 10, scale: 2 }, semantic: 'field', nullable: true }] };
    await engine.createRegion(R, s);
    const b = batchOf(s, [{ host: 'a', region: 'x', ts: 1, usage: 1.5, cnt: 1n, price: null }, { host: 'b', region: 'y', ts: 2, usage: 2.5, cnt: 2n, price: null }]);
    await engine.write(R, b);
    const before = await scanRows(engine, R);
    await engine.flush(R);
    const wasm = sstReads.wasm;
    expect(await scanRows(engine, R)).to.deep.equal(before);
    expect(sstReads.wasm - wasm).to.be.greaterThan(0);
    // A projection without the decimal column is read by the JS reader.
    const js = sstReads.js;
    expect((await scanRows(engine, R, { projection: ['ts', 'usage'] })).map((r) => r.usage)).to.deep.equal([1.5, 2.5]);
    expect(sstReads.js - js).to.be.greaterThan(0);
  });
});
