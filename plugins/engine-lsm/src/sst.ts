import * as arrow from 'apache-arrow';
import { batchesToIpc, recordBatchOf, type ColumnSchema, type IndexProvider, type ScanPredicate, type TableSchema } from '@strata/kernel';
import { OP_COLUMN, OP_DELETE, PK_COLUMN, type Chunk } from './chunk.js';
import { noCacheAdmission, type CacheAdmission, type ScanAdmission } from './cache-admission.js';
import { CorruptionError } from './errors.js';
import type { ChunkSource } from './merge-chunks.js';
import type * as PW from 'parquet-wasm/node';
import { parseRecordBatch } from 'arrow-js-ffi';
import { pw } from './parquet.js';
import { ByteEntries, columnData, decodeColumnRanges, initParquetRead, ParquetFooter, UnsupportedParquet, type DecodedColumn, type PageStore } from './parquet-read.js';
import { encodeKeyPart, seriesKeyOf } from './series-key.js';
import { TagInterner } from './tag-interner.js';
import { isValidAt, packValidity } from './vectors.js';

/** What the manifest records about one SST. */
export interface FileMeta {
  readonly id: string;
  readonly rows: number;
  readonly bytes: number;
  /** Time range as decimal strings (JSON has no bigint). */
  readonly minTs: string;
  readonly maxTs: string;
  /** Highest WAL sequence whose rows are in the file: orders files for last-write-wins. */
  readonly maxSequence: number;
  readonly rowGroups: number;
  readonly schemaVersion: number;
  readonly hasDeletes: boolean;
  readonly level: number;
  readonly seriesCount: number;
  /** Column names stored in the file (table columns at its schema version + internal ones). */
  readonly columns: readonly string[];
}

/**
 * The per-file index, stored beside the SST (`<id>.index.json`): per row
 * group row counts and time range, and an inverted index of tag value ->
 * row groups. Extra indexes from INDEX providers ride in `ext`.
 */
export interface FileIndex {
  readonly version: 1;
  readonly rowGroups: ReadonlyArray<{ readonly rows: number; readonly minTs: string; readonly maxTs: string }>;
  readonly tags: Readonly<Record<string, Readonly<Record<string, number[]>>>>;
  /**
   * Per tag column, per value: the file rows holding it as flat [start, end)
   * pairs (rows are sorted by series, so a value of a leading key column is one
   * range). A column is left out when some value of it needs more than
   * TAG_ROW_RANGES_MAX ranges. Lets a scan read only those rows of a row group.
   */
  readonly tagRows?: Readonly<Record<string, Readonly<Record<string, number[]>>>>;
  readonly ext?: Readonly<Record<string, Readonly<Record<string, string>>>>;
  /** Where each column chunk lies, so scans fetch just the chunks they decode (absent: fetch the file). */
  readonly layout?: SstLayout;
}

/** Byte layout of an SST: column chunk [offset, length] per row group, in `columns` order. */
export interface SstLayout {
  readonly columns: readonly string[];
  readonly chunks: ReadonlyArray<ReadonlyArray<readonly [number, number]>>;
  /** Where the column data ends: page indexes and the footer follow. */
  readonly dataEnd: number;
  /**
   * Per row group, per column (as `chunks`), the chunk's size decompressed
   * (Parquet's total_uncompressed_size: its pages and their headers), so a
   * scan knows before reading what it would put through the page cache.
   * Absent in files written before it was recorded.
   */
  readonly decompressed?: ReadonlyArray<ReadonlyArray<number>>;
}

/** A Blob look-alike over bytes already in memory (never fails). */
function memoryBlob(bytes: Uint8Array): Blob {
  return {
    size: bytes.length,
    slice(start = 0, end = bytes.length) {
      return { size: end - start, async arrayBuffer() { const b = bytes.subarray(start, end); return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer; } };
    },
  } as unknown as Blob;
}

/**
 * The column-chunk layout of a Parquet file written by writeSst: arrow-rs
 * writes chunks back to back from offset 4, row group by row group, so the
 * offsets are running sums of the compressed sizes.
 */
export async function parquetLayout(bytes: Uint8Array): Promise<SstLayout> {
  const f = await pw.ParquetFile.fromFile(memoryBlob(bytes));
  try {
    const md = f.metadata();
    let off = 4;
    let columns: string[] = [];
    const chunks: Array<Array<[number, number]>> = [];
    const decompressed: number[][] = [];
    for (let rg = 0; rg < md.numRowGroups(); rg++) {
      const cols = md.rowGroup(rg).columns();
      if (rg === 0) columns = cols.map((c) => (c.columnPath() as unknown as string[]).join('.'));
      const row: Array<[number, number]> = [];
      const sizes: number[] = [];
      for (const c of cols) { const len = Number(c.compressedSize()); row.push([off, len]); off += len; sizes.push(Number(c.uncompressedSize())); }
      chunks.push(row);
      decompressed.push(sizes);
    }
    if (off > bytes.length - 8) throw new CorruptionError(`SST layout runs past the footer (${off} > ${bytes.length - 8})`);
    return { columns, chunks, dataEnd: off, decompressed };
  } finally {
    f.free();
  }
}

/** One byte range a PrefetchedBlob serves. */
interface BlobPart { readonly start: number; readonly bytes: Uint8Array }

/**
 * Serves parquet-wasm's reads from byte ranges fetched beforehand in JS. A
 * read that fails inside parquet-wasm's Blob reader is an uncatchable wasm
 * panic, so every store read happens before the wasm call, where a failure is
 * an ordinary rejection. A miss (not expected) is fetched, and zero-filled if
 * that fails so the decode reports an error instead of panicking.
 *
 * One blob serves every scan of a cached OpenSst at once: each read adds its
 * column chunks and removes exactly those afterwards (the file is immutable,
 * so a part added by another scan serves a read just as well).
 */
class PrefetchedBlob {
  private parts: BlobPart[] = [];
  misses = 0;
  constructor(readonly size: number, private readonly fetch: (offset: number, length: number) => Promise<Uint8Array>) {}

  add(start: number, bytes: Uint8Array): BlobPart { const p = { start, bytes }; this.parts.push(p); return p; }
  /** Bytes [start, end) from a part that holds them all, without a copy. */
  view(start: number, end: number): Uint8Array | undefined {
    for (const p of this.parts) if (p.start <= start && p.start + p.bytes.length >= end) return p.bytes.subarray(start - p.start, end - p.start);
    return undefined;
  }
  remove(parts: readonly BlobPart[]): void {
    if (!parts.length) return;
    const gone = new Set(parts);
    this.parts = this.parts.filter((p) => !gone.has(p));
  }

  slice(start = 0, end = this.size): { size: number; arrayBuffer(): Promise<ArrayBuffer> } {
    const a = Math.max(0, start < 0 ? this.size + start : start), b = Math.min(this.size, end < 0 ? this.size + end : end);
    return {
      size: Math.max(0, b - a),
      arrayBuffer: async (): Promise<ArrayBuffer> => {
        for (const p of this.parts) {
          if (p.start <= a && p.start + p.bytes.length >= b) {
            const v = p.bytes.subarray(a - p.start, b - p.start);
            // A part read whole needs no copy (parquet-wasm copies it into wasm memory anyway).
            if (v.byteOffset === 0 && v.byteLength === v.buffer.byteLength && v.buffer instanceof ArrayBuffer) return v.buffer;
            return v.buffer.slice(v.byteOffset, v.byteOffset + v.byteLength) as ArrayBuffer;
          }
        }
        this.misses++;
        try {
          const v = await this.fetch(a, b - a);
          return v.buffer.slice(v.byteOffset, v.byteOffset + v.byteLength) as ArrayBuffer;
        } catch {
          return new ArrayBuffer(Math.max(0, b - a));
        }
      },
    };
  }
}

/** The batches one small read decoded, and the bytes their buffers hold. */
class DecodedRows {
  readonly size: number;
  constructor(readonly batches: readonly arrow.RecordBatch[]) {
    let size = 0;
    const add = (d: arrow.Data): void => {
      size += (d.values?.byteLength ?? 0) + (d.valueOffsets?.byteLength ?? 0) + (d.nullBitmap?.byteLength ?? 0) + 64;
      for (const c of d.children) add(c);
    };
    for (const b of batches) add(b.data);
    this.size = size;
  }
}

function sizeOfKept(v: Uint8Array | ByteEntries | DecodedRows): number {
  return v instanceof ByteEntries ? v.size : v instanceof DecodedRows ? v.size : v.length;
}

/**
 * An SST opened for ranged reads: its footer fetched and parsed by
 * parquet-wasm once (the ParquetFile keeps the parsed metadata and reads
 * through `blob`). Shared by scans through SstFileCache; freed when it is
 * out of the cache and no scan holds it.
 */
export class OpenSst {
  refs = 0;
  /** Out of the cache (evicted, invalidated, or never cached): freed at refs 0. */
  dead = false;
  freed = false;
  private wasm: Promise<PW.ParquetFile> | undefined;
  private wasmFile: PW.ParquetFile | undefined;
  /**
   * What small reads keep, least recently used first: under a page's offset
   * its decompressed bytes (PageStore), under -1 - offset a delta page's
   * decoded values, under a string key the decoded batches of one read
   * (decodedRows).
   */
  private pages = new Map<number | string, Uint8Array | ByteEntries | DecodedRows>();
  private pageBytes = 0;
  /** Most page bytes this file keeps (set by the cache holding it; 0 = none). */
  pagesMax = 0;
  private store: PageStore | undefined;
  /** Told of page bytes added or dropped (the cache holding it accounts them). */
  onGrow: ((delta: number) => void) | undefined;
  private constructor(readonly blob: PrefetchedBlob, private readonly baseBytes: number,
    /** The footer parsed for the JS reader (undefined: read through parquet-wasm only). */
    readonly footer: ParquetFooter | undefined, file: PW.ParquetFile | undefined) {
    if (file) { this.wasmFile = file; this.wasm = Promise.resolve(file); }
  }

  /** Memory this holds: footer, page indexes and their parsed forms, and kept pages. */
  get bytes(): number { return this.baseBytes + this.pageBytes; }

  /** The part of `bytes` that is kept pages and rows (what trimPages can free). */
  get keptBytes(): number { return this.pageBytes; }

  /**
   * Decompressed pages kept for later small reads of this file (a repeated
   * dashboard query then decompresses nothing); undefined when not cached.
   */
  get pageStore(): PageStore | undefined {
    if (this.pagesMax <= 0 || this.freed) return undefined;
    return this.store ??= {
      get: (offset) => {
        const b = this.pages.get(offset);
        if (!b) return undefined;
        this.pages.delete(offset); this.pages.set(offset, b);
        return b instanceof Uint8Array ? b : undefined;
      },
      put: (offset, bytes) => this.keep(offset, bytes, bytes.length),
      getDictionary: (offset) => {
        const d = this.pages.get(offset);
        if (!(d instanceof ByteEntries)) return undefined;
        this.pages.delete(offset); this.pages.set(offset, d);
        return d;
      },
      putDictionary: (offset, entries) => this.keep(offset, entries, entries.size),
    };
  }

  /**
   * The batches an earlier small read of these rows decoded (`key`: row
   * group, row ranges and columns), or undefined. Batches are immutable and
   * shared: a repeated query of a series (a dashboard panel, one host over a
   * moving window) then fetches and decodes nothing of this file.
   */
  decodedRows(key: string): readonly arrow.RecordBatch[] | undefined {
    if (this.pagesMax <= 0 || this.freed) return undefined;
    const d = this.pages.get(key);
    if (!(d instanceof DecodedRows)) return undefined;
    this.pages.delete(key); this.pages.set(key, d);
    return d.batches;
  }

  /** Keeps what a small read decoded (see decodedRows), counted with the kept pages. */
  keepDecodedRows(key: string, batches: readonly arrow.RecordBatch[]): void {
    if (this.pagesMax <= 0 || this.freed) return;
    const rows = new DecodedRows(batches);
    this.keep(key, rows, rows.size);
  }

  /**
   * Drops kept pages and rows, least recently used first, until `bytes` are
   * freed or none are left; returns the bytes freed (the caller accounts them:
   * onGrow is not told).
   */
  trimPages(bytes: number): number {
    let freed = 0;
    for (const [k, v] of this.pages) {
      if (freed >= bytes) break;
      const vs = sizeOfKept(v);
      this.pages.delete(k); this.pageBytes -= vs; freed += vs;
    }
    return freed;
  }

  private keep(key: number | string, value: Uint8Array | ByteEntries | DecodedRows, size: number): void {
    if (this.freed || size * 4 > this.pagesMax) return;
    let delta = size;
    const old = this.pages.get(key);
    if (old) {
      const os = sizeOfKept(old);
      this.pages.delete(key); this.pageBytes -= os; delta -= os;
    }
    this.pages.set(key, value);
    this.pageBytes += size;
    for (const [k, v] of this.pages) {
      if (this.pageBytes <= this.pagesMax) break;
      const vs = sizeOfKept(v);
      this.pages.delete(k); this.pageBytes -= vs; delta -= vs;
    }
    this.onGrow?.(delta);
  }

  /**
   * Fetches the footer (everything after the column data) and parses it for
   * the JS reader; parquet-wasm parses it only when a read needs it (a type
   * or encoding the JS reader does not handle), or at once when the JS parse
   * fails (its error is then the one reported).
   */
  static async open(size: number, layout: SstLayout, get: (offset: number, length: number) => Promise<Uint8Array>): Promise<OpenSst> {
    const blob = new PrefetchedBlob(size, get);
    const tail = await get(layout.dataEnd, size - layout.dataEnd);
    blob.add(layout.dataEnd, tail);
    let footer: ParquetFooter | undefined;
    try {
      await initParquetRead();
      footer = ParquetFooter.parse(tail, layout.dataEnd);
    } catch {
      footer = undefined;
    }
    const file = footer ? undefined : await OpenSst.parseWasm(blob);
    // The tail stays (page indexes); its parsed forms (JS, and wasm memory when used) take about 4x its bytes in all.
    return new OpenSst(blob, 4 * tail.length + 1024, footer, file);
  }

  private static async parseWasm(blob: PrefetchedBlob): Promise<PW.ParquetFile> {
    try { return await pw.ParquetFile.fromFile(blob as unknown as Blob); } catch (err) {
      throw new CorruptionError(`SST footer is not readable: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
    }
  }

  /** The file opened in parquet-wasm (parsed on first use, shared by the scans holding this). */
  parquetWasm(): Promise<PW.ParquetFile> {
    if (!this.wasm) {
      this.wasm = OpenSst.parseWasm(this.blob).then((f) => {
        if (this.freed) { f.free(); throw new CorruptionError('SST closed while opening'); }
        this.wasmFile = f;
        return f;
      });
      this.wasm.catch(() => { this.wasm = undefined; });
    }
    return this.wasm;
  }

  release(): void {
    if (--this.refs <= 0 && this.dead) this.free();
  }

  free(): void {
    if (this.freed) return;
    this.freed = true;
    this.wasmFile?.free();
    this.wasmFile = undefined;
    this.pages.clear();
    this.pageBytes = 0;
  }
}

/**
 * Opened SSTs by object key, least recently used evicted past `bytesMax`
 * (OpenSst.bytes). SSTs never change, so an entry stays valid until its file
 * is deleted: the engine invalidates it then (compaction, TTL, truncate,
 * drop, close). A small query then reads no footer and parses none, per file.
 */
export class SstFileCache {
  private entries = new Map<string, Promise<OpenSst>>();
  private ready = new Map<string, OpenSst>();
  private total = 0;
  hits = 0;
  opens = 0;
  constructor(readonly bytesMax: number) {}

  get bytes(): number { return this.total; }
  get size(): number { return this.entries.size; }

  /** The opened file (its refs taken: call release()). */
  async acquire(key: string, open: () => Promise<OpenSst>): Promise<OpenSst> {
    let p = this.entries.get(key);
    if (p) {
      this.hits++;
      this.entries.delete(key); this.entries.set(key, p); // most recently used
      const o = this.ready.get(key);
      if (o) { this.ready.delete(key); this.ready.set(key, o); }
    } else {
      this.opens++;
      const q = open();
      p = q;
      this.entries.set(key, q);
      q.then((o) => {
        if (this.entries.get(key) !== q) { o.dead = true; return; } // invalidated while opening
        this.ready.set(key, o);
        this.total += o.bytes;
        // Its kept pages count against the cache too: up to a quarter of it per file.
        o.pagesMax = Math.floor(this.bytesMax / 4);
        o.onGrow = (d) => { this.total += d; if (d > 0) this.evict(); };
        this.evict();
      }, () => { if (this.entries.get(key) === q) this.entries.delete(key); });
    }
    const o = await p;
    if (o.freed) { const own = await open(); own.dead = true; own.refs++; return own; }
    o.refs++;
    return o;
  }

  /** Drops the file from the cache (freed once no scan holds it). */
  invalidate(key: string): void {
    const p = this.entries.get(key);
    if (!p) return;
    this.entries.delete(key);
    const o = this.ready.get(key);
    if (o) { this.ready.delete(key); this.drop(o); }
    // Still opening: the open's own continuation sees it gone and marks it dead.
  }

  /** Invalidates every key starting with `prefix` (a region closed or dropped). */
  invalidatePrefix(prefix: string): void {
    for (const k of [...this.entries.keys()]) if (k.startsWith(prefix)) this.invalidate(k);
  }

  clear(): void { for (const k of [...this.entries.keys()]) this.invalidate(k); }

  private drop(o: OpenSst): void {
    this.total -= o.bytes;
    o.onGrow = undefined;
    o.pagesMax = 0;
    o.dead = true;
    if (o.refs <= 0) o.free();
  }

  private evict(): void {
    if (this.total <= this.bytesMax) return;
    // Kept pages go before footers (getting a page back costs one decompression, a footer a
    // fetch and a parse), least recently used file first. But when the footers alone are over
    // the budget, files must close anyway: close the least recently used ones first, so the
    // pages of the files that stay are not dropped for nothing.
    let kept = 0;
    for (const o of this.ready.values()) kept += o.keptBytes;
    for (const [k, o] of this.ready) {
      if (this.total - kept <= this.bytesMax) break;
      kept -= o.keptBytes;
      this.ready.delete(k);
      this.entries.delete(k);
      this.drop(o);
    }
    for (const o of this.ready.values()) {
      if (this.total <= this.bytesMax) return;
      this.total -= o.trimPages(this.total - this.bytesMax);
    }
  }
}

const COALESCE_GAP_BYTES = 1024 * 1024;

/** Row-group reads by reader since start: the JS reader, parquet-wasm (files or types it does not handle), and small reads answered from rows an earlier one decoded (kept). */
export const sstReads = { js: 0, wasm: 0, kept: 0 };

/**
 * Rows per record batch parquet-wasm decodes (and we copy out of wasm
 * memory). Smaller than a row group on purpose: 64 KiB per 8-byte column is
 * reused from the allocator's free lists and stays in cache while the merge
 * copies it, where 512 KiB buffers are fresh mappings (page faults, zeroing)
 * and push V8 into a scavenge every few reads. Measured on the engine bench:
 * scans 11-30 % faster per CPU-second than with 64 Ki-row batches.
 */
const READ_BATCH_ROWS = 8192;

/**
 * The row groups a source reads together, in order: up to `perRead` at a
 * time, a row group with a row selection on its own (`rowGroups` in order).
 */
export function readGroups(rowGroups: readonly number[], perRead: number,
  selections: ReadonlyMap<number, unknown> | undefined): number[][] {
  const out: number[][] = [];
  for (let i = 0; i < rowGroups.length;) {
    let rgs = rowGroups.slice(i, i + perRead);
    const firstSel = rgs.findIndex((rg) => selections?.has(rg));
    if (firstSel === 0) rgs = rgs.slice(0, 1); else if (firstSel > 0) rgs = rgs.slice(0, firstSel);
    i += rgs.length;
    out.push(rgs);
  }
  return out;
}

/**
 * The byte ranges ([offset, length]) one read of row groups `rgs` fetches:
 * the chunks of `columns` (undefined: all). parquet-wasm coalesces requests
 * whose gap is under 1 MiB (like object_store), so ranges are merged the
 * same way (each of its reads then falls inside one prefetched range); a
 * merged range is a run of whole chunks, the gaps' chunks included.
 */
export function fetchRanges(layout: SstLayout, rgs: readonly number[], columns: readonly string[] | undefined): Array<[number, number]> {
  const want = columns ? new Set(columns) : undefined;
  const ranges: Array<[number, number]> = [];
  for (const rg of rgs) {
    const row = layout.chunks[rg]!;
    layout.columns.forEach((c, i) => { if (!want || want.has(c)) ranges.push([row[i]![0], row[i]![1]]); });
  }
  ranges.sort((x, y) => x[0] - y[0]);
  const merged: Array<[number, number]> = [];
  for (const r of ranges) {
    const last = merged[merged.length - 1];
    if (last && r[0] - (last[0] + last[1]) <= COALESCE_GAP_BYTES) last[1] = Math.max(last[1], r[0] + r[1] - last[0]); else merged.push([r[0], r[1]]);
  }
  return merged;
}

/** How an SST is fetched: ranged reads with a layout, or the whole object. */
export type SstFetch =
  | { readonly kind: 'ranged'; readonly size: number; readonly layout: SstLayout;
    /**
     * Bytes [offset, offset + length) of the file. A range of whole column
     * chunks goes through the engine's chunk cache: found there, it is charged
     * to `admission`; fetched, it is added only as far as `admission` allows
     * (absent: nothing added).
     */
    get(offset: number, length: number, admission?: CacheAdmission): Promise<Uint8Array>;
    /** Where the opened file (parsed footer) is kept between scans, under `key`; absent: opened for this source only. */
    readonly cache?: { readonly files: SstFileCache; readonly key: string };
    /**
     * The engine's page cache (decompressed pages of row groups read whole,
     * kept between scans) for this file, as one read with this admission
     * budget sees it; absent: none kept.
     */
    pages?(admission: CacheAdmission): PageStore }
  | { readonly kind: 'whole'; load(): Promise<Uint8Array> };

/** An SST ready to encode: its rows as Arrow IPC (tags as dictionaries) and its index. */
export interface PreparedSst {
  readonly ipc: Uint8Array;
  readonly index: FileIndex;
  readonly rows: number;
  readonly minTs: bigint;
  readonly maxTs: bigint;
  readonly hasDeletes: boolean;
  readonly seriesCount: number;
}

/**
 * Encodes sorted rows (table columns + `__op_type` + `__pk_id`) as Parquet:
 * zstd everywhere, dictionary encoding only for tags, delta encoding for the
 * time index, integers and the internal columns, byte-stream-split for floats
 * (the bytes of a float compress far better split by position).
 */
export function prepareSst(table: arrow.Table, schema: TableSchema, rowGroupRows: number, providers: readonly IndexProvider[] = []): PreparedSst {
  const n = table.numRows;
  const ts = column(table, schema.timeIndex);
  const op = column(table, OP_COLUMN);
  const pk = column(table, PK_COLUMN);
  const tsArr = toBigInts(ts);
  const opArr = op.toArray() as Uint8Array;
  const pkArr = pk.toArray() as Int32Array;
  let minTs = n ? tsArr[0]! : 0n, maxTs = minTs;
  const rowGroups: Array<{ rows: number; minTs: string; maxTs: string }> = [];
  const tags: Record<string, Record<string, number[]>> = {};
  const tagVecs = schema.primaryKey.map((name) => table.getChild(name));
  for (const t of schema.primaryKey) tags[t] = {};
  let series = 0;
  for (let rg = 0, s = 0; s < n; rg++, s += rowGroupRows) {
    const e = Math.min(n, s + rowGroupRows);
    let lo = tsArr[s]!, hi = lo;
    for (let i = s + 1; i < e; i++) { const t = tsArr[i]!; if (t < lo) lo = t; if (t > hi) hi = t; }
    if (lo < minTs) minTs = lo;
    if (hi > maxTs) maxTs = hi;
    rowGroups.push({ rows: e - s, minTs: lo.toString(), maxTs: hi.toString() });
    for (let i = s; i < e; i++) {
      if (i !== s && pkArr[i] === pkArr[i - 1]) continue;
      if (i === 0 || pkArr[i] !== pkArr[i - 1]) series++;
      for (let t = 0; t < tagVecs.length; t++) {
        const key = encodeKeyPart(tagVecs[t]?.get(i) ?? null);
        const m = tags[schema.primaryKey[t]!]!;
        const l = (m[key] ??= []);
        if (l[l.length - 1] !== rg) l.push(rg);
      }
    }
  }
  const tagRows = tagRowRanges(schema, tagVecs, pkArr, n);
  let hasDeletes = false;
  for (let i = 0; i < n; i++) if (opArr[i] === OP_DELETE) { hasDeletes = true; break; }
  const ext: Record<string, Record<string, string>> = {};
  for (const p of providers) {
    for (const c of schema.columns) {
      if (!p.appliesTo(c)) continue;
      const vec = table.getChild(c.name);
      if (!vec) continue;
      const b = p.createBuilder(c);
      for (let rg = 0, s = 0; s < n; rg++, s += rowGroupRows) b.push(vec.slice(s, Math.min(n, s + rowGroupRows)), rg);
      (ext[p.name] ??= {})[c.name] = Buffer.from(b.finish()).toString('base64');
    }
  }
  const encoded = dictionaryEncodeTags(table, schema);
  const ipc = batchesToIpc(encoded.schema, encoded.batches, { format: 'stream' });
  return {
    ipc, rows: n, minTs, maxTs, hasDeletes, seriesCount: series,
    index: { version: 1, rowGroups, tags, ...(Object.keys(tagRows).length ? { tagRows } : {}), ...(Object.keys(ext).length ? { ext } : {}) },
  };
}

/** Most row ranges one tag value may need before its column gets no row ranges (index size stays bounded). */
export const TAG_ROW_RANGES_MAX = 16;

function tagRowRanges(schema: TableSchema, tagVecs: ReadonlyArray<arrow.Vector | null>, pkArr: Int32Array, n: number): Record<string, Record<string, number[]>> {
  const out: Record<string, Record<string, number[]>> = {};
  for (let t = 0; t < tagVecs.length; t++) {
    const vec = tagVecs[t];
    const m: Record<string, number[]> = {};
    let ok = true;
    for (let i = 0; i < n && ok;) {
      let j = i + 1;
      while (j < n && pkArr[j] === pkArr[i]) j++;
      const l = (m[encodeKeyPart(vec?.get(i) ?? null)] ??= []);
      if (l.length && l[l.length - 1] === i) l[l.length - 1] = j;
      else if (l.length >= 2 * TAG_ROW_RANGES_MAX) ok = false;
      else l.push(i, j);
      i = j;
    }
    if (ok) out[schema.primaryKey[t]!] = m;
  }
  return out;
}

/**
 * The rows of each candidate row group that tag predicates (= / IN) can match,
 * from the index's row ranges: rg -> [offset, limit] pairs inside the row
 * group, absent when the whole row group must be read.
 */
export function candidateRowRanges(index: FileIndex, rgs: readonly number[], predicates: readonly ScanPredicate[]): Map<number, Array<[number, number]>> | undefined {
  let allowed: number[] | undefined; // flat sorted [start, end) pairs, file rows
  for (const p of predicates) {
    const m = index.tagRows?.[p.column];
    if (!m || (p.op !== '=' && p.op !== 'in')) continue;
    const values = 'values' in p ? p.values : 'value' in p ? [p.value] : [];
    const pairs: Array<[number, number]> = [];
    for (const v of values) { const l = m[encodeKeyPart(v)] ?? []; for (let k = 0; k < l.length; k += 2) pairs.push([l[k]!, l[k + 1]!]); }
    pairs.sort((a, b) => a[0] - b[0]);
    const union: number[] = [];
    for (const [a, b] of pairs) { if (union.length && a <= union[union.length - 1]!) union[union.length - 1] = Math.max(union[union.length - 1]!, b); else union.push(a, b); }
    allowed = allowed === undefined ? union : intersectRanges(allowed, union);
  }
  if (allowed === undefined) return undefined;
  const starts: number[] = [];
  let acc = 0;
  for (const g of index.rowGroups) { starts.push(acc); acc += g.rows; }
  const out = new Map<number, Array<[number, number]>>();
  for (const rg of rgs) {
    const s = starts[rg]!, e = s + index.rowGroups[rg]!.rows;
    const sel: Array<[number, number]> = [];
    for (let k = 0; k < allowed.length; k += 2) {
      const a = Math.max(s, allowed[k]!), b = Math.min(e, allowed[k + 1]!);
      if (a < b) sel.push([a - s, b - a]);
    }
    if (!(sel.length === 1 && sel[0]![0] === 0 && sel[0]![1] === e - s)) out.set(rg, sel);
  }
  return out;
}

function intersectRanges(x: readonly number[], y: readonly number[]): number[] {
  const out: number[] = [];
  let i = 0, j = 0;
  while (i < x.length && j < y.length) {
    const a = Math.max(x[i]!, y[j]!), b = Math.min(x[i + 1]!, y[j + 1]!);
    if (a < b) out.push(a, b);
    if (x[i + 1]! < y[j + 1]!) i += 2; else j += 2;
  }
  return out;
}

/**
 * String tags are written as Arrow dictionaries: the Parquet file is the same
 * (dictionary pages), but readers then get dictionary arrays back, so a scan
 * decodes each distinct tag value once instead of once per row.
 */
function dictionaryEncodeTags(table: arrow.Table, schema: TableSchema): arrow.Table {
  const cols: Record<string, arrow.Vector> = {};
  for (const f of table.schema.fields) {
    const v = table.getChild(f.name)!;
    const isStringTag = schema.primaryKey.includes(f.name) && f.type.typeId === arrow.Type.Utf8;
    cols[f.name] = isStringTag ? toDictionary(v) : v;
  }
  return new arrow.Table(cols);
}

function toDictionary(v: arrow.Vector): arrow.Vector {
  const n = v.length;
  const interner = new TagInterner();
  const ids = new Int32Array(n);
  let at = 0;
  for (const d of v.data) {
    const part = new Int32Array(d.length);
    interner.internVector(arrow.makeVector(d), part);
    ids.set(part, at);
    at += d.length;
  }
  const valid = new Uint8Array(n);
  let nulls = 0;
  for (let i = 0; i < n; i++) { if (ids[i] === 0) nulls++; else { valid[i] = 1; ids[i]!--; } }
  const dict = arrow.vectorFromArray(interner.values.slice(1) as string[], new arrow.Utf8());
  const type = new arrow.Dictionary(new arrow.Utf8(), new arrow.Int32());
  const { bitmap } = packValidity(valid, n);
  return arrow.makeVector(arrow.makeData({ type, length: n, data: ids, dictionary: dict, nullCount: nulls, ...(nulls ? { nullBitmap: bitmap } : {}) }));
}

/**
 * Bytes of encoded values per Parquet data page (a limit the writer checks
 * every 1,024 rows): arrow-rs's 1 MiB, which for 8-byte values stops at its
 * 20,000-row cap first. A small read decompresses and decodes whole pages, so
 * a 720-row read of one series in a file decodes 20,480 rows of a float
 * column; 32 KiB pages (about 4,700 float64 rows) cut the CPU of TSBS-style
 * point queries on uncached data by about a fifth, but cost 7.6 against 7.0
 * B/row on the bench data, over VictoriaMetrics' 7.1-7.4 in some runs (the
 * issue 4 target): so the default stays, and `dataPageBytes` is the knob.
 */
export const DEFAULT_DATA_PAGE_BYTES = 1024 * 1024;

/** Encodes prepared rows as Parquet (CPU-bound: runs in a worker thread when the engine has them). */

export async function encodeParquet(ipc: Uint8Array, schema: TableSchema, rowGroupRows: number, dataPageBytes = DEFAULT_DATA_PAGE_BYTES): Promise<{ bytes: Uint8Array; layout: SstLayout }> {
  const bytes = await writeParquetStreamed(ipc, writerProperties(schema, rowGroupRows, dataPageBytes), rowGroupRows);
  return { bytes, layout: await parquetLayout(bytes) };
}

/**
 * Writes an Arrow IPC stream as Parquet, handing parquet-wasm one row
 * group's rows at a time. Its wasm memory only ever grows, so it keeps the
 * high-water mark of the largest encode for the life of the thread: given
 * a whole 64 MiB memtable it grew to ~125 MiB (the IPC copy, the decoded
 * table and the output); fed by row group, ~75 MiB. The writer cuts row
 * groups at `rowGroupRows` whatever the input batches, so the file is the
 * same either way.
 */
async function writeParquetStreamed(ipc: Uint8Array, props: PW.WriterProperties, rowGroupRows: number): Promise<Uint8Array> {
  const input = arrow.tableFromIPC(ipc);
  // No batch, no schema for the stream writer: an empty file is written whole.
  if (input.numRows === 0) return pw.writeParquet(pw.Table.fromIPCStream(ipc), props);
  const slices: arrow.RecordBatch[] = [];
  for (const b of input.batches) for (let i = 0; i < b.numRows; i += rowGroupRows) slices.push(b.slice(i, Math.min(b.numRows, i + rowGroupRows)));
  let next = 0;
  const batches = new ReadableStream({
    pull(ctrl) {
      const b = slices[next];
      if (!b) { ctrl.close(); return; }
      slices[next++] = undefined as unknown as arrow.RecordBatch; // let the slice's views go once sent
      const t = pw.Table.fromIPCStream(batchesToIpc(input.schema, [b], { format: 'stream' }));
      try { for (const rb of t.recordBatches()) ctrl.enqueue(rb); } finally { t.free(); }
    },
  });
  const parts: Uint8Array[] = [];
  let size = 0;
  for await (const part of (await pw.transformParquetStream(batches, props)) as unknown as AsyncIterable<Uint8Array>) {
    parts.push(part);
    size += part.length;
  }
  if (parts.length === 1) return parts[0]!;
  const out = new Uint8Array(size);
  let at = 0;
  for (const part of parts) { out.set(part, at); at += part.length; }
  return out;
}

/** prepareSst + encodeParquet on the calling thread. */
export async function writeSst(table: arrow.Table, schema: TableSchema, rowGroupRows: number, providers: readonly IndexProvider[] = []): Promise<PreparedSst & { bytes: Uint8Array; layout: SstLayout }> {
  const p = prepareSst(table, schema, rowGroupRows, providers);
  return { ...p, ...(await encodeParquet(p.ipc, schema, rowGroupRows)) };
}

function writerProperties(schema: TableSchema, rowGroupRows: number, dataPageBytes: number): PW.WriterProperties {
  let b = new pw.WriterPropertiesBuilder()
    .setCompression(pw.Compression.ZSTD)
    .setDictionaryEnabled(false)
    .setMaxRowGroupSize(rowGroupRows)
    .setDataPageSizeLimit(Math.max(1024, dataPageBytes)) // '0' or '1B' would make a page per write batch: 1 KiB at least
    .setCreatedBy('strata engine-lsm')
    // Page-level min/max (the column index) only for the time index: nothing
    // reads it for tags or fields, and it cost ~0.6 % of a TSBS file. Chunk
    // statistics stay for external readers; the offset index is always written.
    .setStatisticsEnabled(pw.EnabledStatistics.Chunk)
    .setColumnStatisticsEnabled(schema.timeIndex, pw.EnabledStatistics.Page)
    .setColumnEncoding(OP_COLUMN, pw.Encoding.DELTA_BINARY_PACKED)
    .setColumnEncoding(PK_COLUMN, pw.Encoding.DELTA_BINARY_PACKED);
  for (const c of schema.columns) b = encodingFor(b, c);
  return b.build();
}

function encodingFor(b: PW.WriterPropertiesBuilder, c: ColumnSchema): PW.WriterPropertiesBuilder {
  if (c.semantic === 'tag') return b.setColumnDictionaryEnabled(c.name, true);
  switch (c.type.name) {
    case 'Int8': case 'Int16': case 'Int32': case 'Int64': case 'UInt8': case 'UInt16': case 'UInt32': case 'UInt64':
    case 'TimestampSecond': case 'TimestampMillisecond': case 'TimestampMicrosecond': case 'TimestampNanosecond': case 'Date':
      return b.setColumnEncoding(c.name, pw.Encoding.DELTA_BINARY_PACKED);
    case 'Float32': case 'Float64':
      return b.setColumnEncoding(c.name, pw.Encoding.BYTE_STREAM_SPLIT);
    case 'String': case 'Binary':
      // Low-cardinality strings are common in fields too (status, level).
      return b.setColumnDictionaryEnabled(c.name, true);
    default:
      return b;
  }
}

function column(table: arrow.Table, name: string): arrow.Vector {
  const v = table.getChild(name);
  if (!v) throw new CorruptionError(`SST is missing column '${name}'`);
  return v;
}

function toBigInts(v: arrow.Vector): BigInt64Array {
  if (v.data.length === 1 && v.data[0]!.values instanceof BigInt64Array) {
    const d = v.data[0]!;
    return (d.values as BigInt64Array).subarray(d.offset, d.offset + v.length);
  }
  const out = new BigInt64Array(v.length);
  let i = 0;
  for (const d of v.data) {
    const vals = d.values as BigInt64Array;
    out.set(vals.subarray(d.offset, d.offset + d.length), i);
    i += d.length;
  }
  return out;
}

const tsCache = new WeakMap<object, { min: bigint; max: bigint }>();
/**
 * A file's or row group's time bound as a bigint, parsed from its decimal
 * string once (FileMeta and FileIndex entries are immutable): every scan
 * checks every file's and candidate row group's range.
 */
export function tsOf(x: { readonly minTs: string; readonly maxTs: string }, which: 'minTs' | 'maxTs'): bigint {
  let c = tsCache.get(x);
  if (!c) { c = { min: BigInt(x.minTs), max: BigInt(x.maxTs) }; tsCache.set(x, c); }
  return which === 'minTs' ? c.min : c.max;
}

/** The row groups of a file that may hold rows matching the time range and tag predicates. */
export function candidateRowGroups(index: FileIndex, start: bigint | undefined, end: bigint | undefined,
  predicates: readonly ScanPredicate[], readers: ReadonlyArray<{ column: string; reader: { candidateRowGroups(p: ScanPredicate, n: number): Uint8Array | undefined } }> = []): number[] {
  const n = index.rowGroups.length;
  const ok = new Uint8Array(n).fill(1);
  for (let rg = 0; rg < n; rg++) {
    const g = index.rowGroups[rg]!;
    if ((start !== undefined && tsOf(g, 'maxTs') < start) || (end !== undefined && tsOf(g, 'minTs') >= end)) ok[rg] = 0;
  }
  for (const p of predicates) {
    const m = index.tags[p.column];
    if (m && (p.op === '=' || p.op === 'in')) {
      const values = 'values' in p ? p.values : 'value' in p ? [p.value] : [];
      const allowed = new Uint8Array(n);
      for (const v of values) for (const rg of m[encodeKeyPart(v)] ?? []) allowed[rg] = 1;
      for (let rg = 0; rg < n; rg++) if (!allowed[rg]) ok[rg] = 0;
    } else if (m && p.op === 'is null') {
      const allowed = new Uint8Array(n);
      for (const rg of m[encodeKeyPart(null)] ?? []) allowed[rg] = 1;
      for (let rg = 0; rg < n; rg++) if (!allowed[rg]) ok[rg] = 0;
    }
    for (const r of readers) {
      if (r.column !== p.column) continue;
      const c = r.reader.candidateRowGroups(p, n);
      if (c) for (let rg = 0; rg < n; rg++) if (!c[rg]) ok[rg] = 0;
    }
  }
  const out: number[] = [];
  for (let rg = 0; rg < n; rg++) if (ok[rg]) out.push(rg);
  return out;
}

const utf8 = new TextEncoder();

let zeroBytes = new Uint8Array(1 << 16);
/** `n` zero bytes, shared (read-only by every user). */
function zeros(n: number): Uint8Array {
  if (zeroBytes.length < n) zeroBytes = new Uint8Array(Math.max(n, 2 * zeroBytes.length));
  return zeroBytes.subarray(0, n);
}

/** Files with more series than this get no SstSeries (its memory grows with the series). */
export const SST_SERIES_MAX = 100_000;

/**
 * The series of one SST by `__pk_id`: each one's key and tag values (and
 * their UTF-8 bytes), read once from the file's tag columns and cached, since
 * SSTs never change. With it a scan need not decode the tag columns at all:
 * merge keys, tag filters and tag output all come from here.
 */
export class SstSeries {
  private constructor(
    /** `__pk_id` of slot 0; slots are dense from here. */
    private readonly base: number,
    private readonly keys: string[],
    private readonly pkNames: readonly string[],
    /** Per tag: the value id of each slot (0 = null), then each id's value and UTF-8 bytes. */
    private readonly ids: Int32Array[],
    private readonly values: unknown[][],
    private readonly bytes: Array<Array<Uint8Array | null>>,
  ) {}

  keyOf(pk: number): string {
    const k = this.keys[pk - this.base];
    if (k === undefined) throw new CorruptionError(`SST row with __pk_id ${pk}, which the file's series table does not hold`);
    return k;
  }
  tagOf(name: string, pk: number): unknown {
    const t = this.pkNames.indexOf(name);
    return t < 0 ? undefined : this.values[t]![this.ids[t]![pk - this.base] ?? 0] ?? null;
  }
  tagBytesOf(name: string, pk: number): Uint8Array | null {
    const t = this.pkNames.indexOf(name);
    return t < 0 ? null : this.bytes[t]![this.ids[t]![pk - this.base] ?? 0] ?? null;
  }

  /**
   * Reads the tag columns and `__pk_id` of every row group of a file (or
   * undefined when its ids are too sparse to index densely, or there are
   * more than SST_SERIES_MAX series). Tags the file predates are null. Each
   * tag's distinct values are kept once, so the table costs about a key and
   * 4 bytes per tag per series.
   */
  static async read(fetch: SstFetch, rowGroups: number, pkNames: readonly string[], timeIndex: string, rowGroupRows: number,
    fileColumns: readonly string[], seriesCount: number): Promise<SstSeries | undefined> {
    if (seriesCount > SST_SERIES_MAX) return undefined;
    const present = fileColumns.filter((c) => pkNames.includes(c));
    // Only the tags and __pk_id: the chunks are used for pk and rawTag, nothing else.
    const src = new SstSource(0, fetch, Array.from({ length: rowGroups }, (_, i) => i), pkNames, timeIndex, rowGroupRows,
      [...present, PK_COLUMN], 4, undefined, undefined, true, true);
    const pks: number[] = [];
    const rows: unknown[][] = [];
    let last = -1;
    try {
      for (let c = await src.next(); c; c = await src.next()) {
        const ch = c as SstChunk;
        for (let i = 0; i < ch.length; i++) {
          const p = ch.pk[i]!;
          if (p === last) continue;
          if (p < last) return undefined; // not sorted by series: scans decode the tags instead
          last = p;
          pks.push(p);
          rows.push(pkNames.map((n) => ch.rawTag(n, i)));
        }
      }
    } finally {
      src.close();
    }
    const base = pks.length ? pks[0]! : 0;
    const slots = pks.length ? pks[pks.length - 1]! - base + 1 : 0;
    if (slots > 4 * pks.length + 1024) return undefined;
    const keys = new Array<string>(slots);
    const ids = pkNames.map(() => new Int32Array(slots));
    const values = pkNames.map((): unknown[] => [null]);
    const bytes = pkNames.map((): Array<Uint8Array | null> => [null]);
    const dicts = pkNames.map(() => new Map<string, number>());
    for (let k = 0; k < pks.length; k++) {
      const slot = pks[k]! - base;
      const tuple = rows[k]!;
      keys[slot] = seriesKeyOf(tuple);
      for (let t = 0; t < pkNames.length; t++) {
        const v = tuple[t] ?? null;
        if (v === null) continue;
        const part = encodeKeyPart(v);
        let id = dicts[t]!.get(part);
        if (id === undefined) {
          id = values[t]!.length;
          dicts[t]!.set(part, id);
          values[t]!.push(v);
          bytes[t]!.push(typeof v === 'string' ? utf8.encode(v) : null);
        }
        ids[t]![slot] = id;
      }
    }
    return new SstSeries(base, keys, pkNames, ids, values, bytes);
  }
}

/** One batch of an SST read back, as a chunk keyed for the region's primary key. */
export class SstChunk implements Chunk {
  readonly length: number;
  readonly pk: Int32Array;
  readonly ts: BigInt64Array;
  readonly op: Uint8Array;
  readonly hasDeletes: boolean;
  private keys = new Map<number, string>();
  private tagVecs: Array<arrow.Vector | undefined>;
  /** getChild builds a new Vector per call: keep them, the output builder asks per segment. */
  private cols = new Map<string, arrow.Vector | undefined>();

  constructor(private readonly batch: arrow.RecordBatch, private readonly pkNames: readonly string[], timeIndex: string,
    /** The file's series: keys and tags come from it (the batch may lack the tag columns). */
    private readonly series?: SstSeries,
    /** The file has no delete markers: the batch may lack `__op_type`. */
    noDeletes = false,
    /** Only `pk`, keys and tags are used: the batch may lack the time index (ts is then empty). */
    keysOnly = false) {
    this.length = batch.numRows;
    const ts = batch.getChild(timeIndex), op = batch.getChild(OP_COLUMN), pk = batch.getChild(PK_COLUMN);
    if ((!ts && !keysOnly) || (!op && !noDeletes && !keysOnly) || !pk) throw new CorruptionError(`SST batch lacks '${timeIndex}', '${OP_COLUMN}' or '${PK_COLUMN}'`);
    this.ts = ts ? toBigInts(ts) : new BigInt64Array(0);
    // A file without delete markers need not have its op column read: all puts.
    this.op = op ? op.data[0]!.values.subarray(op.data[0]!.offset, op.data[0]!.offset + this.length) as Uint8Array : zeros(this.length);
    this.pk = pk.data[0]!.values.subarray(pk.data[0]!.offset, pk.data[0]!.offset + this.length) as Int32Array;
    let del = false;
    if (op) for (let i = 0; i < this.length; i++) if (this.op[i] === OP_DELETE) { del = true; break; }
    this.hasDeletes = del;
    this.tagVecs = pkNames.map((n) => this.column(n));
  }

  keyAt(row: number): string {
    const p = this.pk[row]!;
    if (this.series) return this.series.keyOf(p);
    let k = this.keys.get(p);
    if (k === undefined) {
      k = seriesKeyOf(this.tagVecs.map((v) => v?.get(row) ?? null));
      this.keys.set(p, k);
    }
    return k;
  }

  tagValue(name: string, row: number): unknown {
    if (this.series && this.pkNames.includes(name)) return this.series.tagOf(name, this.pk[row]!);
    return this.rawTag(name, row);
  }

  /** A tag value as the batch holds it. */
  rawTag(name: string, row: number): unknown {
    const i = this.pkNames.indexOf(name);
    const v = i >= 0 ? this.tagVecs[i] : this.column(name);
    return v?.get(row) ?? null;
  }

  /**
   * UTF-8 bytes of a String tag at `row`: from the file's series table, or
   * as a view of the decoded column's buffer (dictionary or Utf8) — never
   * decoded to a JS string and encoded back.
   */
  tagBytes(name: string, row: number): Uint8Array | null {
    if (this.series && this.pkNames.includes(name)) return this.series.tagBytesOf(name, this.pk[row]!);
    const v = this.column(name);
    if (!v) return null;
    const d = v.data.length === 1 ? v.data[0]! : undefined;
    if (d && isValidAt(d, row)) {
      if (v.type.typeId === arrow.Type.Utf8) {
        const o = d.valueOffsets as Int32Array;
        return (d.values as Uint8Array).subarray(o[d.offset + row]!, o[d.offset + row + 1]!);
      }
      const dd = d.dictionary?.data.length === 1 ? d.dictionary.data[0]! : undefined;
      if (arrow.DataType.isDictionary(v.type) && dd && dd.typeId === arrow.Type.Utf8) {
        const k = Number((d.values as Int32Array)[d.offset + row]!), o = dd.valueOffsets as Int32Array;
        return (dd.values as Uint8Array).subarray(o[dd.offset + k]!, o[dd.offset + k + 1]!);
      }
    }
    const x = v.get(row);
    return x === null || x === undefined ? null : utf8.encode(String(x));
  }

  column(name: string): arrow.Vector | undefined {
    let v = this.cols.get(name);
    if (v === undefined && !this.cols.has(name)) {
      v = this.batch.getChild(name) ?? undefined;
      this.cols.set(name, v);
    }
    return v;
  }
}

/**
 * Moves decoded batches out of wasm memory through the Arrow C data interface
 * (one copy per buffer), about twice as fast as an IPC round trip.
 */
function wasmBatchesToArrow(t: PW.Table): arrow.RecordBatch[] {
  const ffi = t.intoFFI();
  try {
    const mem = pw.wasmMemory();
    const out: arrow.RecordBatch[] = [];
    // copy = true: wasm memory is reused and may grow (detaching views) after free().
    for (let i = 0; i < ffi.numArrays(); i++) out.push(parseRecordBatch(mem.buffer, ffi.arrayAddr(i), ffi.schemaAddr(), true) as unknown as arrow.RecordBatch);
    return out;
  } finally {
    ffi.free();
  }
}

interface JsPlan { readonly leaves: readonly number[]; readonly schema: arrow.Schema }
const jsPlans = new WeakMap<ParquetFooter, Map<string, JsPlan | null>>();

/**
 * The leaves and batch schema of `columns` (all when undefined) in a file the
 * JS reader reads; null when it cannot (then parquet-wasm does). Made once
 * per opened file and column list, not per scan.
 */
function jsPlanOf(footer: ParquetFooter, columns: readonly string[] | undefined): JsPlan | null {
  let byColumns = jsPlans.get(footer);
  if (!byColumns) { byColumns = new Map(); jsPlans.set(footer, byColumns); }
  const key = columns ? columns.join('\u0000') : '\u0001all';
  let plan = byColumns.get(key);
  if (plan === undefined) {
    const want = columns ? new Set(columns) : undefined;
    const leaves: number[] = [];
    footer.leaves.forEach((l, i) => { if (!want || want.has(l.name)) leaves.push(i); });
    plan = footer.canRead(leaves) && footer.arrowSchema ? { leaves, schema: new arrow.Schema(leaves.map((i) => footer.arrowSchema!.fields[i]!)) } : null;
    byColumns.set(key, plan);
  }
  return plan;
}

/**
 * Reads the chosen row groups of one SST a few at a time, as chunks. With a
 * layout (every SST this engine writes has one) it fetches the footer once
 * and then only the column chunks each read decodes, as ranged gets; without
 * one, the whole object.
 */
export class SstSource implements ChunkSource {
  private queue: Chunk[] = [];
  /** The row groups of each read, in order (see readGroups), and the next one. */
  private readonly reads: ReadonlyArray<number[]>;
  private nextRead = 0;
  /** A whole-object read's file (owned). */
  private file: PW.ParquetFile | undefined;
  /** A ranged read's opened file (shared through the cache; released on close). */
  private opened: OpenSst | undefined;

  constructor(readonly priority: number, private readonly fetch: SstFetch, rowGroups: readonly number[],
    private readonly pkNames: readonly string[], private readonly timeIndex: string, private readonly rowGroupRows: number,
    /** Columns to decode (undefined = all); Parquet is columnar, so unread columns cost nothing. */
    private readonly columns: readonly string[] | undefined, rowGroupsPerRead = 4,
    /** Rows to read of some row groups ([offset, limit] pairs, from candidateRowRanges); others are read whole. */
    private readonly selections?: ReadonlyMap<number, ReadonlyArray<readonly [number, number]>>,
    /** The file's series: chunks take keys and tags from it. */
    private readonly series?: SstSeries,
    /** The file has no delete markers (FileMeta.hasDeletes false): `__op_type` may be left out of `columns`. */
    private readonly noDeletes = false,
    /** Chunks for keys and tags only (SstSeries.read): the time index may be left out too. */
    private readonly keysOnly = false,
    /** What this read may hold of the engine's caches (shared by a scan's sources); by default it adds nothing. */
    private readonly admission: ScanAdmission = noCacheAdmission()) {
    this.reads = readGroups(rowGroups, rowGroupsPerRead, selections);
  }

  /**
   * Bytes this source fetches if read to the end: its ranged reads, from the
   * file's layout (what it puts through the chunk cache). An upper bound:
   * small reads an earlier query decoded are not fetched again. 0 for a
   * whole-object read (not cached).
   */
  get fetchBytes(): number {
    if (this.fetch.kind !== 'ranged') return 0;
    let total = 0;
    for (const rgs of this.reads) {
      if (this.selections?.get(rgs[0]!)?.length === 0) continue;
      for (const [, length] of fetchRanges(this.fetch.layout, rgs, this.columns)) total += length;
    }
    return total;
  }

  async next(): Promise<Chunk | undefined> {
    while (this.queue.length === 0) {
      if (this.nextRead >= this.reads.length) { this.close(); return undefined; }
      const rgs = this.reads[this.nextRead++]!;
      // (A row group with a row selection is read on its own.)
      const sel = this.selections?.get(rgs[0]!);
      if (sel && sel.length === 0) continue;
      // A small read an earlier query decoded (kept with the opened file) is taken as it is.
      let keptKey: string | undefined;
      if (sel && !this.slow && this.fetch.kind === 'ranged' && (await this.open()) && this.opened?.footer) {
        keptKey = `${rgs[0]}|${sel.map(([o, l]) => `${o}+${l}`).join(',')}|${this.columns ? this.columns.join('\u0000') : '\u0001all'}`;
        const kept = this.opened.decodedRows(keptKey);
        if (kept) {
          sstReads.kept += rgs.length;
          for (const b of kept) this.queue.push(new SstChunk(b, this.pkNames, this.timeIndex, this.series, this.noDeletes, this.keysOnly));
          continue;
        }
      }
      // Store reads happen here, outside wasm, so their failures are ordinary rejections.
      const parts = await this.prepare(rgs);
      const batchSize = Math.min(this.rowGroupRows, READ_BATCH_ROWS);
      let batches: arrow.RecordBatch[] | undefined;
      try {
        if (this.opened?.footer && !this.slow) batches = this.readJs(this.opened, rgs, sel);
      } catch (err) {
        if (err instanceof UnsupportedParquet) this.slow = true;
        else {
          this.opened?.blob.remove(parts);
          throw new CorruptionError(`cannot read SST row groups ${rgs.join(',')}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
        }
      }
      if (batches) {
        sstReads.js += rgs.length;
        if (keptKey) this.opened?.keepDecodedRows(keptKey, batches);
        this.opened?.blob.remove(parts);
        for (const b of batches) this.queue.push(new SstChunk(b, this.pkNames, this.timeIndex, this.series, this.noDeletes, this.keysOnly));
        continue;
      }
      sstReads.wasm += rgs.length;
      try {
        const file = this.opened ? await this.opened.parquetWasm() : this.file!;
        const cols = this.columns ? { columns: [...this.columns] } : {};
        if (sel) {
          batches = [];
          for (const [offset, limit] of sel) batches.push(...wasmBatchesToArrow(await file.read({ rowGroups: rgs, batchSize, offset, limit, ...cols })));
        } else {
          batches = wasmBatchesToArrow(await file.read({ rowGroups: rgs, batchSize, ...cols }));
        }
      } catch (err) {
        throw new CorruptionError(`cannot read SST row groups ${rgs.join(',')}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
      } finally {
        this.opened?.blob.remove(parts);
      }
      for (const b of batches) this.queue.push(new SstChunk(b, this.pkNames, this.timeIndex, this.series, this.noDeletes, this.keysOnly));
    }
    return this.queue.shift();
  }

  /** This source reads through parquet-wasm (the JS reader met something it does not handle). */
  private slow = false;
  private jsPlan: JsPlan | undefined;
  /** The engine's page cache as this read sees it (made on the first whole row-group read). */
  private cachePages: PageStore | undefined;

  /**
   * Reads row groups with the JS Parquet reader (parquet-read.ts): each
   * column decoded once per row group (only the pages the selection touches),
   * cut into batches of READ_BATCH_ROWS as views. Undefined when it cannot
   * (then parquet-wasm reads them); UnsupportedParquet when it finds out late.
   */
  private readJs(opened: OpenSst, rgs: readonly number[], sel: ReadonlyArray<readonly [number, number]> | undefined): arrow.RecordBatch[] | undefined {
    const footer = opened.footer!;
    if (!this.jsPlan) {
      const plan = jsPlanOf(footer, this.columns);
      if (!plan) { this.slow = true; return undefined; }
      this.jsPlan = plan;
    }
    const { leaves, schema } = this.jsPlan;
    const out: arrow.RecordBatch[] = [];
    const ranged = this.fetch as Extract<SstFetch, { kind: 'ranged' }>;
    const layout = ranged.layout;
    // Small reads keep their pages with the opened file; row groups read whole, in the engine's
    // page cache (as far as this read's admission budget goes).
    const pages = sel ? opened.pageStore : (this.cachePages ??= ranged.pages?.(this.admission.pages));
    for (const rg of rgs) {
      const rows = footer.rowGroups[rg]?.rows ?? 0;
      const ranges: Array<readonly [number, number]> = sel ? sel.map(([o, l]) => [o, Math.min(rows, o + l)] as const).filter(([a, b]) => a < b) : [[0, rows]];
      if (!ranges.length) continue;
      const cols: DecodedColumn[] = leaves.map((li) => {
        const c = footer.rowGroups[rg]!.chunks[li]!;
        const [off, len] = layout.chunks[rg]?.[layout.columns.indexOf(footer.leaves[li]!.name)] ?? [c.start, c.length];
        if (off !== c.start || len !== c.length) throw new CorruptionError(`SST layout of column '${footer.leaves[li]!.name}' disagrees with its footer`);
        const bytes = opened.blob.view(c.start, c.start + c.length);
        if (!bytes) throw new UnsupportedParquet('column chunk was not prefetched');
        return decodeColumnRanges(footer, rg, li, bytes, ranges, pages);
      });
      const dicts = new Map<DecodedColumn, arrow.Vector>();
      // Decoded rows are the ranges' rows one after another; batches never span two ranges.
      let base = 0;
      for (const [a, b] of ranges) {
        for (let s = 0; s < b - a; s += READ_BATCH_ROWS) {
          const n = Math.min(READ_BATCH_ROWS, b - a - s);
          const children = cols.map((c) => columnData(c, base + s, n, dicts));
          out.push(recordBatchOf(schema, children, n));
        }
        base += b - a;
      }
    }
    return out;
  }

  /** Opens a ranged file (through the opened-file cache when there is one); false when the source closed meanwhile. */
  private async open(): Promise<boolean> {
    const f = this.fetch;
    if (f.kind !== 'ranged') return false;
    if (!this.opened) {
      const open = (): Promise<OpenSst> => OpenSst.open(f.size, f.layout, (o, l) => f.get(o, l));
      if (f.cache) this.opened = await f.cache.files.acquire(f.cache.key, open);
      else { const o = await open(); o.dead = true; o.refs++; this.opened = o; }
      if (this.closed) { this.opened.release(); this.opened = undefined; return false; }
    }
    return true;
  }

  /** Fetches what reading `rgs` decodes; returns the blob parts added for it (removed after the read). */
  private async prepare(rgs: readonly number[]): Promise<BlobPart[]> {
    const f = this.fetch;
    if (f.kind === 'whole') {
      if (this.file) return [];
      const bytes = await f.load();
      try { this.file = await pw.ParquetFile.fromFile(new Blob([bytes])); } catch (err) {
        throw new CorruptionError(`SST is not a readable Parquet file: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
      }
      return [];
    }
    if (!(await this.open())) return [];
    const merged = fetchRanges(f.layout, rgs, this.columns);
    const got = await Promise.all(merged.map(([o, l]) => f.get(o, l, this.admission.chunks)));
    const opened = this.opened;
    if (!opened) throw new CorruptionError('SST source closed while reading');
    return merged.map(([o], i) => opened.blob.add(o, got[i]!));
  }

  /** Reads the blob served outside the prefetched ranges (0 when the layout is right; shared by the scans of a cached file). */
  get misses(): number { return this.missCount + (this.opened?.blob.misses ?? 0); }
  private missCount = 0;
  private closed = false;

  close(): void {
    this.closed = true;
    this.missCount += this.opened?.blob.misses ?? 0;
    this.file?.free(); this.file = undefined;
    this.opened?.release(); this.opened = undefined;
    this.queue = [];
  }
}
