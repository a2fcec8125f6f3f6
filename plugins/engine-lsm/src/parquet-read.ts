import * as arrow from 'apache-arrow';
import { ZSTDDecoder } from 'zstddec';
import { fixedData, utf8Data } from '@strata/kernel';
import { list, num, str, struct, ThriftError, ThriftReader, type ThriftStruct } from './parquet-thrift.js';

/**
 * A Parquet column reader in JavaScript for the files this engine writes
 * (arrow-rs through parquet-wasm): flat schemas; PLAIN, RLE/bit-packed,
 * dictionary, DELTA_BINARY_PACKED, DELTA_LENGTH_BYTE_ARRAY, DELTA_BYTE_ARRAY
 * and BYTE_STREAM_SPLIT encodings; data pages v1 and v2; uncompressed or zstd.
 * It decodes straight into typed arrays that become Arrow vectors without
 * another copy, reads only the pages a row selection touches (offset index)
 * and of a cut page only the rows selected; a PageStore keeps what small
 * reads decompressed and decoded for the next read.
 *
 * Why not parquet-wasm for scans: arrow-rs's byte-stream-split decode runs
 * ~8 ns per value in wasm, every batch was copied out of wasm memory, and
 * every read paid ~0.2 ms per column chunk: decoding was 66-74% of a full
 * scan. parquet-wasm stays the writer and the fallback for what this reader
 * does not handle (UnsupportedParquet).
 */

/** The file uses something this reader does not handle: read it with parquet-wasm instead. */
export class UnsupportedParquet extends Error {}

// parquet.thrift enums.
const BOOLEAN = 0, INT32 = 1, INT64 = 2, FLOAT = 4, DOUBLE = 5, BYTE_ARRAY = 6;
const PLAIN = 0, PLAIN_DICTIONARY = 2, RLE = 3, DELTA_BINARY_PACKED = 5, DELTA_LENGTH_BYTE_ARRAY = 6, DELTA_BYTE_ARRAY = 7, RLE_DICTIONARY = 8, BYTE_STREAM_SPLIT = 9;
const UNCOMPRESSED = 0, ZSTD = 6;
const DATA_PAGE = 0, DICTIONARY_PAGE = 2, DATA_PAGE_V2 = 3;
const SUPPORTED_ENCODINGS = new Set([PLAIN, PLAIN_DICTIONARY, RLE, DELTA_BINARY_PACKED, DELTA_LENGTH_BYTE_ARRAY, DELTA_BYTE_ARRAY, RLE_DICTIONARY, BYTE_STREAM_SPLIT, 4 /* BIT_PACKED: levels only, listed by some writers */]);

let zstd: ZSTDDecoder | undefined;
let zstdReady: Promise<void> | undefined;

/** The exports of zstddec's wasm module this reader calls directly. */
interface ZstdExports {
  readonly memory: { readonly buffer: ArrayBuffer };
  malloc(n: number): number;
  free(p: number): void;
  ZSTD_decompress(dst: number, dstCapacity: number, src: number, srcSize: number): number;
}
let zstdWasm: ZstdExports | undefined;

/**
 * zstddec's decode() mallocs, copies the page out of wasm memory and frees
 * per call: a fresh buffer per page, garbage a scan makes by the megabyte.
 * Its `_init` hook hands over the instance, so pages decompress into one
 * reused wasm buffer instead and are decoded from there (a view valid until
 * the next page). decode() stays the fallback if the exports look different.
 */
class ZstdPages extends ZSTDDecoder {
  override _init(result: Parameters<ZSTDDecoder['_init']>[0]): void {
    super._init(result);
    const e = (result as { instance: { exports: Partial<Record<keyof ZstdExports, unknown>> } }).instance.exports;
    const mem = e.memory as { buffer?: unknown } | undefined;
    if (mem?.buffer instanceof ArrayBuffer && typeof e.malloc === 'function' && typeof e.free === 'function' && typeof e.ZSTD_decompress === 'function') {
      zstdWasm = e as unknown as ZstdExports;
    }
  }
}

/** Loads the zstd decoder (wasm, once); readers need it before decoding. */
export function initParquetRead(): Promise<void> {
  if (!zstdReady) {
    const d = new ZstdPages();
    zstdReady = d.init().then(() => { zstd = d; });
  }
  return zstdReady;
}

let zIn = 0, zInCap = 0, zOut = 0, zOutCap = 0;

/** How pages are decompressed (tests check the direct path is the one taken). */
export function parquetReadInfo(): { readonly zstdDirect: boolean; readonly pagesDecompressed: number } {
  return { zstdDirect: zstdWasm !== undefined, pagesDecompressed };
}
let pagesDecompressed = 0;

/** Decompresses a zstd page into the reused wasm buffer: the view is valid until the next call. */
function zstdPage(src: Uint8Array, size: number): Uint8Array {
  const z = zstdWasm;
  if (!z) {
    if (!zstd) throw new UnsupportedParquet('zstd decoder not loaded (initParquetRead)');
    const out = zstd.decode(src, size);
    if (out.length !== size) throw new ThriftError(`zstd page decompressed to ${out.length} bytes, header says ${size}`);
    return out;
  }
  if (src.length > zInCap || !zIn) { if (zIn) z.free(zIn); zInCap = Math.max(src.length, 2 * zInCap, 1 << 16); zIn = z.malloc(zInCap); }
  if (size > zOutCap || !zOut) { if (zOut) z.free(zOut); zOutCap = Math.max(size, 2 * zOutCap, 1 << 16); zOut = z.malloc(zOutCap); }
  if (!zIn || !zOut) throw new UnsupportedParquet('zstd decoder is out of memory');
  new Uint8Array(z.memory.buffer, zIn, src.length).set(src);
  const got = z.ZSTD_decompress(zOut, size, zIn, src.length) >>> 0;
  if (got !== size) throw new ThriftError(`zstd page did not decompress to the ${size} bytes its header says (${got > 0xffff0000 ? 'corrupt' : got})`);
  return new Uint8Array(z.memory.buffer, zOut, size);
}

/** A leaf column of the file's (flat) schema. */
export interface ParquetLeaf {
  readonly name: string;
  readonly physical: number;
  readonly typeLength: number;
  readonly optional: boolean;
  /** The Arrow type readers get for it (from the ARROW:schema key), when this reader can produce it. */
  readonly arrowType: arrow.DataType | undefined;
}

export interface ParquetChunk {
  readonly codec: number;
  readonly encodings: readonly number[];
  readonly numValues: number;
  /** File offset of the chunk (its dictionary page, if any, else its first data page) and its length. */
  readonly start: number;
  readonly length: number;
  readonly dataPageOffset: number;
  readonly offsetIndex: readonly [number, number] | undefined;
}

export interface ParquetRowGroup { readonly rows: number; readonly chunks: readonly ParquetChunk[] }

/** One page of a column chunk, from the offset index. */
interface PageLocation { readonly offset: number; readonly size: number; readonly firstRow: number }

/**
 * The parsed footer of a Parquet file. `tail` is the end of the file from
 * `tailStart` (at least the footer; page indexes too when they are to be
 * used: the engine fetches everything after the column data).
 */
export class ParquetFooter {
  private pages = new Map<number, PageLocation[] | null>();
  private constructor(
    readonly leaves: readonly ParquetLeaf[],
    readonly rowGroups: readonly ParquetRowGroup[],
    readonly arrowSchema: arrow.Schema | undefined,
    private readonly tail: Uint8Array,
    private readonly tailStart: number,
  ) {}

  static parse(tail: Uint8Array, tailStart: number): ParquetFooter {
    const n = tail.length;
    if (n < 12 || tail[n - 4] !== 0x50 || tail[n - 3] !== 0x41 || tail[n - 2] !== 0x52 || tail[n - 1] !== 0x31) throw new ThriftError('not a Parquet file (no PAR1 trailer)');
    const len = tail[n - 8]! | (tail[n - 7]! << 8) | (tail[n - 6]! << 16) | (tail[n - 5]! << 24);
    if (len <= 0 || len > n - 8) throw new ThriftError(`Parquet footer length ${len} does not fit the ${n} bytes read`);
    const md = new ThriftReader(tail.subarray(n - 8 - len, n - 8)).struct();
    const schema = list(md[2]).map((e) => struct(e)!);
    const root = schema[0];
    const children = num(root?.[5]) ?? 0;
    let arrowSchema: arrow.Schema | undefined;
    for (const kv of list(md[5])) {
      const s = struct(kv);
      if (s && str(s[1]) === 'ARROW:schema') arrowSchema = decodeArrowSchema(str(s[2]) ?? '');
    }
    const leaves: ParquetLeaf[] = [];
    // Flat schemas only: every child of the root is a leaf (num_children absent).
    const flat = schema.length === children + 1 && schema.slice(1).every((e) => num(e[5]) === undefined);
    for (let i = 1; i < schema.length; i++) {
      const e = schema[i]!;
      const name = str(e[4]) ?? '';
      const physical = num(e[1]) ?? -1;
      const optional = num(e[3]) === 1;
      const field = flat ? arrowSchema?.fields[i - 1] : undefined;
      const arrowType = field && field.name === name && num(e[3]) !== 2 ? producible(field.type, physical, e) : undefined;
      leaves.push({ name, physical, typeLength: num(e[2]) ?? 0, optional, arrowType });
    }
    const rowGroups: ParquetRowGroup[] = list(md[4]).map((rgv) => {
      const rg = struct(rgv)!;
      const chunks = list(rg[1]).map((ccv): ParquetChunk => {
        const cc = struct(ccv)!;
        const m = struct(cc[3]);
        if (!m) throw new ThriftError('column chunk without metadata');
        const dataPageOffset = num(m[9]) ?? 0;
        const dict = num(m[11]);
        const start = dict !== undefined && dict > 0 && dict < dataPageOffset ? dict : dataPageOffset;
        const oi = num(cc[4]), ol = num(cc[5]);
        return {
          codec: num(m[4]) ?? -1, encodings: list(m[2]).map((x) => x as number), numValues: num(m[5]) ?? 0,
          start, length: num(m[7]) ?? 0, dataPageOffset, offsetIndex: oi !== undefined && ol !== undefined ? [oi, ol] : undefined,
        };
      });
      return { rows: num(rg[3]) ?? 0, chunks };
    });
    return new ParquetFooter(leaves, rowGroups, arrowSchema, tail, tailStart);
  }

  /** Leaf index of a column name (-1 when absent). */
  leafIndex(name: string): number { return this.leaves.findIndex((l) => l.name === name); }

  /** Whether this reader can read these leaves of every row group (types, codecs, encodings). */
  canRead(leafIdx: readonly number[]): boolean {
    for (const i of leafIdx) {
      const l = this.leaves[i];
      if (!l?.arrowType) return false;
      for (const rg of this.rowGroups) {
        const c = rg.chunks[i];
        if (!c || (c.codec !== UNCOMPRESSED && c.codec !== ZSTD) || !c.encodings.every((e) => SUPPORTED_ENCODINGS.has(e))) return false;
      }
    }
    return true;
  }

  /** The pages of a column chunk (offset index), or undefined when the file has none in the tail. */
  pageLocations(rg: number, leaf: number): PageLocation[] | undefined {
    const key = rg * this.leaves.length + leaf;
    let p = this.pages.get(key);
    if (p === undefined) {
      p = null;
      const oi = this.rowGroups[rg]?.chunks[leaf]?.offsetIndex;
      if (oi && oi[0] >= this.tailStart && oi[0] + oi[1] <= this.tailStart + this.tail.length) {
        const s = new ThriftReader(this.tail.subarray(oi[0] - this.tailStart, oi[0] - this.tailStart + oi[1])).struct();
        p = list(s[1]).map((v) => { const l = struct(v)!; return { offset: num(l[1]) ?? 0, size: num(l[2]) ?? 0, firstRow: num(l[3]) ?? 0 }; });
      }
      this.pages.set(key, p);
    }
    return p ?? undefined;
  }
}

/** ARROW:schema: a base64 IPC schema message; read as a stream holding only the schema. */
function decodeArrowSchema(b64: string): arrow.Schema | undefined {
  try {
    const msg = Buffer.from(b64, 'base64');
    const eos = new Uint8Array([0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0]);
    const bytes = new Uint8Array(msg.length + eos.length);
    bytes.set(msg); bytes.set(eos, msg.length);
    return arrow.tableFromIPC(bytes).schema;
  } catch {
    return undefined;
  }
}

/** The Arrow type when this reader produces exactly what arrow-rs would for `physical` (else undefined). */
function producible(t: arrow.DataType, physical: number, e: ThriftStruct): arrow.DataType | undefined {
  const logical = struct(e[10]);
  switch (t.typeId) {
    case arrow.Type.Bool: return physical === BOOLEAN ? t : undefined;
    case arrow.Type.Int: {
      const it = t as arrow.Int;
      if (it.bitWidth === 64) return physical === INT64 ? t : undefined;
      return physical === INT32 ? t : undefined;
    }
    case arrow.Type.Float: {
      const p = (t as arrow.Float).precision;
      return (p === arrow.Precision.SINGLE && physical === FLOAT) || (p === arrow.Precision.DOUBLE && physical === DOUBLE) ? t : undefined;
    }
    case arrow.Type.Utf8: case arrow.Type.Binary: return physical === BYTE_ARRAY ? t : undefined;
    case arrow.Type.Date: return (t as arrow.Date_).unit === arrow.DateUnit.DAY && physical === INT32 ? t : undefined;
    case arrow.Type.Timestamp: {
      if (physical !== INT64) return undefined;
      // The stored unit must be the Arrow one (arrow-rs stores seconds as milliseconds: not handled here).
      const ts = struct(logical?.[8]);
      const unit = struct(ts?.[2]);
      const stored = unit ? (unit[1] ? arrow.TimeUnit.MILLISECOND : unit[2] ? arrow.TimeUnit.MICROSECOND : unit[3] ? arrow.TimeUnit.NANOSECOND : -1) : -1;
      return stored === (t as arrow.Timestamp).unit ? t : undefined;
    }
    case arrow.Type.Dictionary: {
      const d = t as arrow.Dictionary;
      return physical === BYTE_ARRAY && d.indices.bitWidth === 32 && d.indices.isSigned && (d.dictionary.typeId === arrow.Type.Utf8 || d.dictionary.typeId === arrow.Type.Binary) ? t : undefined;
    }
    default: return undefined;
  }
}

function decompress(codec: number, src: Uint8Array, size: number): Uint8Array {
  if (codec === UNCOMPRESSED) return src;
  if (codec === ZSTD) { pagesDecompressed++; return zstdPage(src, size); }
  throw new UnsupportedParquet(`compression codec ${codec}`);
}

/**
 * Byte-array values of a column chunk: every value (dictionary entries and
 * plainly encoded values alike) is an entry; rows hold entry ids.
 */
export class ByteEntries {
  offsets: Int32Array;
  data: Uint8Array;
  count = 0;
  private bytes = 0;
  /** Kept in a PageStore and shared by decodes: never added to (clone() first). */
  shared = false;
  private vec: arrow.Vector | undefined;
  constructor(entries = 64, bytes = 1024) {
    this.offsets = new Int32Array(entries + 1);
    this.data = new Uint8Array(bytes);
  }
  /** Bytes held (what a PageStore counts). */
  get size(): number { return this.offsets.byteLength + this.data.byteLength; }
  add(src: Uint8Array, start: number, len: number): number {
    if (this.shared) throw new Error('internal: a shared dictionary is never added to');
    if (this.count + 2 > this.offsets.length) { const o = new Int32Array(this.offsets.length * 2); o.set(this.offsets); this.offsets = o; }
    if (this.bytes + len > this.data.length) { const d = new Uint8Array(Math.max(this.data.length * 2, this.bytes + len)); d.set(this.data.subarray(0, this.bytes)); this.data = d; }
    this.data.set(src.subarray(start, start + len), this.bytes);
    this.bytes += len;
    this.offsets[++this.count] = this.bytes;
    return this.count - 1;
  }
  /** A new entry: the first `prefixLen` bytes of entry `from`, then `len` bytes of `src` at `start` (DELTA_BYTE_ARRAY). */
  addPrefixed(from: number, prefixLen: number, src: Uint8Array, start: number, len: number): number {
    const id = this.add(src, start, len); // reserves prefixLen + len below, then moves the suffix up
    if (prefixLen === 0) return id;
    const end = this.offsets[id + 1]!, at = this.offsets[id]!;
    if (end + prefixLen > this.data.length) { const d = new Uint8Array(Math.max(this.data.length * 2, end + prefixLen)); d.set(this.data.subarray(0, end)); this.data = d; }
    this.data.copyWithin(at + prefixLen, at, end);
    const p = this.offsets[from]!;
    this.data.copyWithin(at, p, p + prefixLen);
    this.bytes += prefixLen;
    this.offsets[id + 1] = end + prefixLen;
    return id;
  }
  clone(): ByteEntries {
    const c = new ByteEntries(this.offsets.length, Math.max(this.data.length, 1));
    c.offsets.set(this.offsets);
    c.data.set(this.data.subarray(0, this.bytes));
    c.count = this.count;
    c.bytes = this.bytes;
    return c;
  }
  /** The entries as an Arrow Utf8/Binary vector (the dictionary of a dictionary column); built once when shared. */
  vector(type: arrow.DataType): arrow.Vector {
    if (this.vec && this.vec.type.typeId === type.typeId) return this.vec;
    const v = arrow.makeVector(arrow.makeData({ type, length: this.count, nullCount: 0, valueOffsets: this.offsets.subarray(0, this.count + 1), data: this.data.subarray(0, this.bytes) } as never));
    if (this.shared) this.vec = v;
    return v;
  }
}

/** The byte entries `st` may add to: its run's own (a shared dictionary is copied first). */
function ownEntries(st: ColumnState): ByteEntries {
  const root = st.main ?? st;
  if (!root.entries) root.entries = new ByteEntries();
  else if (root.entries.shared) root.entries = root.entries.clone();
  st.entries = root.entries;
  return root.entries;
}

/** A decoded run of rows of one column. */
export interface DecodedColumn {
  readonly leaf: ParquetLeaf;
  /** Rows decoded (those of the ranges asked for, one after another). */
  readonly rows: number;
  /** One byte per row (1 = valid), or null when no row is null. */
  readonly valid: Uint8Array | null;
  /** Fixed-width values per row (Int32Array for INT32, Int32Array pairs for INT64, Float32/64, bytes 0/1 for BOOLEAN). */
  readonly values: Int32Array | Float32Array | Float64Array | Uint8Array | undefined;
  /** Byte arrays: entry id per row, and the entries. */
  readonly ids: Int32Array | undefined;
  readonly entries: ByteEntries | undefined;
}

/**
 * Decodes rows [from, to) of one column chunk (row-group coordinates): the
 * pages that hold them, found in the offset index (all pages without one).
 * `bytes` are the chunk's bytes (file offsets chunk.start..start+length).
 */
export function decodeColumn(footer: ParquetFooter, rg: number, leafIdx: number, bytes: Uint8Array, from: number, to: number, pages?: PageStore): DecodedColumn {
  return decodeColumnRanges(footer, rg, leafIdx, bytes, [[from, to]], pages);
}

/**
 * Decodes the rows of several ranges of one column chunk (sorted, disjoint,
 * row-group coordinates), one after another: decoded row 0 is the first row
 * of the first range. A page is decoded once whichever ranges it holds; pages
 * between ranges are not decoded at all.
 */
export function decodeColumnRanges(footer: ParquetFooter, rg: number, leafIdx: number, bytes: Uint8Array, ranges: ReadonlyArray<readonly [number, number]>, pages?: PageStore): DecodedColumn {
  const leaf = footer.leaves[leafIdx]!;
  const group = footer.rowGroups[rg]!;
  const chunk = group.chunks[leafIdx]!;
  if (bytes.length < chunk.length) throw new ThriftError(`column chunk '${leaf.name}' has ${bytes.length} bytes, metadata says ${chunk.length}`);
  let total = 0;
  for (let k = 0; k < ranges.length; k++) {
    const [a, b] = ranges[k]!;
    if (a < 0 || b > group.rows || a > b || (k > 0 && a < ranges[k - 1]![1])) throw new ThriftError(`rows ${a}..${b} are outside row group ${rg} (${group.rows} rows) or out of order`);
    total += b - a;
  }
  const locs = footer.pageLocations(rg, leafIdx);
  const st = new ColumnState(leaf, total);
  // The dictionary page, if any, comes first in the chunk.
  if (chunk.start < chunk.dataPageOffset) readPages(st, chunk, bytes, chunk.start, chunk.start, chunk.dataPageOffset, true, pages);
  if (!ranges.length || total === 0) return decoded(st, 0);
  if (locs && locs.length) {
    // A page wholly inside one range decodes in place; a page ranges cut
    // decodes into a reused scratch state (only from its first wanted row to
    // its last) and the rows in ranges are copied.
    const first = ranges[0]![0], last = ranges[ranges.length - 1]![1];
    let lo = 0, hi = locs.length - 1;
    while (lo < hi) { const mid = (lo + hi + 1) >> 1; if (locs[mid]!.firstRow <= first) lo = mid; else hi = mid - 1; }
    let r = 0;
    const cuts: Array<[number, number]> = [];
    for (let p = lo; p < locs.length && locs[p]!.firstRow < last; p++) {
      const pr = locs[p]!.firstRow, pe = p + 1 < locs.length ? locs[p + 1]!.firstRow : group.rows;
      while (r < ranges.length && ranges[r]![1] <= pr) r++;
      cuts.length = 0;
      for (let k = r; k < ranges.length && ranges[k]![0] < pe; k++) {
        const a = Math.max(ranges[k]![0], pr), b = Math.min(ranges[k]![1], pe);
        if (a < b) cuts.push([a - pr, b - pr]);
      }
      if (!cuts.length) continue;
      const at = locs[p]!.offset, end = at + locs[p]!.size;
      if (cuts.length === 1 && cuts[0]![0] === 0 && cuts[0]![1] === pe - pr) { readPages(st, chunk, bytes, chunk.start, at, end, false, pages); continue; }
      const sc = scratchState(st, pe - pr);
      sc.skip = cuts[0]![0];
      sc.limit = cuts[cuts.length - 1]![1];
      readPages(sc, chunk, bytes, chunk.start, at, end, false, pages);
      if (sc.at !== pe - pr) throw new ThriftError(`page of column '${leaf.name}' holds ${sc.at} rows where the offset index says ${pe - pr}`);
      for (const [a, b] of cuts) copyRows(sc, a, b, st);
    }
  } else {
    // No offset index: every page, then the rows in ranges.
    const whole = ranges.length === 1 && ranges[0]![0] === 0 && ranges[0]![1] === group.rows;
    const all = whole ? st : scratchState(st, group.rows);
    readPages(all, chunk, bytes, chunk.start, chunk.dataPageOffset, chunk.start + chunk.length, false);
    if (all.at !== group.rows) throw new ThriftError(`column '${leaf.name}' decoded ${all.at} rows where ${group.rows} were expected`);
    if (!whole) for (const [a, b] of ranges) copyRows(all, a, b, st);
  }
  return decoded(st, total);
}

function decoded(st: ColumnState, rows: number): DecodedColumn {
  // Scratch states keep no reference to this run (its dictionary may belong to a file since closed).
  for (const sc of scratch.values()) { sc.main = undefined; sc.entries = undefined; sc.dictFixed = undefined; }
  if (st.at !== rows) throw new ThriftError(`column '${st.leaf.name}' decoded ${st.at} rows where ${rows} were expected`);
  const entries = st.entries ?? (st.leaf.physical === BYTE_ARRAY ? new ByteEntries(0, 1) : undefined);
  return { leaf: st.leaf, rows, valid: st.nulls && st.hasValid ? st.valid : null, values: st.values, ids: st.ids, entries };
}

/** Reused decoding states for pages a row range cuts, by physical type. */
const scratch = new Map<number, ColumnState>();

/** A scratch state for `rows` rows of `main`'s column, sharing its dictionary and byte entries. */
function scratchState(main: ColumnState, rows: number): ColumnState {
  let s = scratch.get(main.leaf.physical);
  if (!s || s.capacity < rows) { s = new ColumnState(main.leaf, Math.max(rows, 1024)); scratch.set(main.leaf.physical, s); }
  s.reset(main.leaf, rows);
  s.main = main;
  s.entries = main.entries;
  s.dictFixed = main.dictFixed;
  s.dictCount = main.dictCount;
  s.dictSeen = main.dictSeen;
  return s;
}

/** Appends rows [a, b) of `src` to `dst`. */
function copyRows(src: ColumnState, a: number, b: number, dst: ColumnState): void {
  const n = b - a;
  if (n <= 0) return;
  const p = src.leaf.physical;
  if (p === BYTE_ARRAY) dst.ids!.set(src.ids!.subarray(a, b), dst.at);
  else if (p === INT64) (dst.values as Int32Array).set((src.values as Int32Array).subarray(2 * a, 2 * b), 2 * dst.at);
  else (dst.values as Uint8Array).set((src.values as Uint8Array).subarray(a, b), dst.at);
  let nulls = 0;
  if (src.hasValid) { const v = src.valid; for (let i = a; i < b; i++) nulls += 1 - v[i]!; }
  if (nulls) {
    dst.ensureValid().set(src.valid.subarray(a, b), dst.at);
    dst.nulls += nulls;
  } else if (dst.hasValid) {
    dst.valid.fill(1, dst.at, dst.at + n);
  }
  dst.at += n;
}

/** Decoding state of one column run. */
class ColumnState {
  at = 0;
  nulls = 0;
  /** One byte per row, allocated at the first page with a null (rows before it are valid). */
  private validBytes: Uint8Array | undefined;
  private validSpare: Uint8Array | undefined;
  values: Int32Array | Float32Array | Float64Array | Uint8Array | undefined;
  ids: Int32Array | undefined;
  entries: ByteEntries | undefined;
  /** Dictionary page: fixed-width values, or entry ids 0..n-1 of `entries`. */
  dictFixed: Int32Array | Float32Array | Float64Array | Uint8Array | undefined;
  dictCount = 0;
  /** A dictionary page was read for this run (a dictionary-encoded page needs one). */
  dictSeen = false;
  /** The page being read: where decoded values of it may be kept (PageStore) and its file offset. */
  pages: PageStore | undefined;
  pageAt = 0;
  /** A scratch state's run (byte entries are the run's). */
  main: ColumnState | undefined;
  /** Rows the arrays hold (a scratch state is reused for fewer). */
  readonly capacity: number;
  /** Rows of interest (no-null pages skip the values outside): all of a run, the cut part of a scratch page. */
  skip = 0;
  limit: number;
  get valid(): Uint8Array { return this.validBytes ?? this.ensureValid(); }
  get hasValid(): boolean { return this.validBytes !== undefined; }
  ensureValid(): Uint8Array {
    if (!this.validBytes) {
      this.validBytes = this.validSpare ?? new Uint8Array(this.capacity);
      this.validSpare = this.validBytes;
      this.validBytes.fill(1, 0, this.at);
    }
    return this.validBytes;
  }
  constructor(public leaf: ParquetLeaf, public rows: number) {
    this.capacity = rows;
    this.limit = rows;
    switch (leaf.physical) {
      case BOOLEAN: this.values = new Uint8Array(rows); break;
      case INT32: this.values = new Int32Array(rows); break;
      case INT64: this.values = new Int32Array(2 * rows); break;
      case FLOAT: this.values = new Float32Array(rows); break;
      case DOUBLE: this.values = new Float64Array(rows); break;
      case BYTE_ARRAY: this.ids = new Int32Array(rows); break; // entries: from the dictionary page, or made on the first value
      default: throw new UnsupportedParquet(`physical type ${leaf.physical}`);
    }
  }
  /** Starts over for `rows` rows (≤ capacity) of `leaf` (same physical type). */
  reset(leaf: ParquetLeaf, rows: number): void {
    this.leaf = leaf; this.rows = rows; this.at = 0; this.nulls = 0; this.validBytes = undefined;
    this.skip = 0; this.limit = rows;
  }
}

/**
 * Pages kept between reads (the engine keeps them per opened SST): under a
 * page's file offset its decompressed bytes; under -1 - offset decoded values
 * of a delta-encoded page a small read cut (its row range, then the values), so
 * the same read again copies them instead of re-adding every delta before
 * them. `put` replaces what the key held. Bytes handed to `put` are the
 * store's: nothing writes to them.
 */
export interface PageStore {
  get(offset: number): Uint8Array | undefined;
  put(offset: number, bytes: Uint8Array): void;
  /**
   * Whether a page of `size` decompressed bytes just decompressed is to be
   * kept: when false the page is neither copied out of the decompression
   * buffer nor handed to `put` (a scan past its page-cache admission budget
   * pays nothing for pages it would not keep). Absent: every page is kept.
   */
  admit?(size: number): boolean;
  /** A byte-array dictionary page, parsed (shared: never added to). */
  getDictionary?(offset: number): ByteEntries | undefined;
  putDictionary?(offset: number, entries: ByteEntries): void;
}

/** A page's decompressed bytes: from `pages` when it holds them, else decompressed (and kept there). */
function pageData(pages: PageStore | undefined, offset: number, codec: number, payload: Uint8Array, size: number): Uint8Array {
  if (!pages || codec === UNCOMPRESSED) return decompress(codec, payload, size);
  const hit = pages.get(offset);
  if (hit && hit.length === size) return hit;
  const data = decompress(codec, payload, size);
  if (pages.admit?.(size) !== false) pages.put(offset, data.slice()); // out of the reused wasm buffer
  return data;
}

function readPages(st: ColumnState, chunk: ParquetChunk, bytes: Uint8Array, chunkStart: number, from: number, to: number, dictOnly: boolean, pages?: PageStore): void {
  let pos = from - chunkStart;
  const end = to - chunkStart;
  while (pos < end) {
    const pageAt = chunkStart + pos;
    const r = new ThriftReader(bytes, pos);
    const h = r.struct();
    pos = r.pos;
    const type = num(h[1]), usize = num(h[2]) ?? 0, csize = num(h[3]) ?? 0;
    if (pos + csize > bytes.length) throw new ThriftError(`page of column '${st.leaf.name}' runs past its chunk`);
    const payload = bytes.subarray(pos, pos + csize);
    pos += csize;
    if (type === DICTIONARY_PAGE) {
      const dh = struct(h[7]);
      const n = num(dh?.[1]) ?? 0;
      const kept = st.leaf.physical === BYTE_ARRAY ? pages?.getDictionary?.(pageAt) : undefined;
      if (kept && kept.count === n) {
        st.entries = kept;
        st.dictCount = n;
        st.dictSeen = true;
      } else {
        st.pages = pages; st.pageAt = pageAt;
        // A byte-array dictionary is kept parsed (below), not as page bytes as well.
        const parsedKept = st.leaf.physical === BYTE_ARRAY && pages?.putDictionary !== undefined;
        readDictionaryPage(st, parsedKept ? decompress(chunk.codec, payload, usize) : pageData(pages, pageAt, chunk.codec, payload, usize), n);
        st.pages = undefined;
      }
    } else if (dictOnly) {
      return;
    } else if (type === DATA_PAGE) {
      const dh = struct(h[5]);
      if (!dh) throw new ThriftError('data page without its header');
      st.pages = pages; st.pageAt = pageAt;
      // Definition levels in the old BIT_PACKED encoding (no length prefix) are not read here.
      if (st.leaf.optional && (num(dh[3]) ?? RLE) !== RLE) throw new UnsupportedParquet(`definition levels in encoding ${num(dh[3])}`);
      readDataPage(st, pageData(pages, pageAt, chunk.codec, payload, usize), 0, num(dh[1]) ?? 0, num(dh[2]) ?? 0, true);
      st.pages = undefined;
    } else if (type === DATA_PAGE_V2) {
      const dh = struct(h[8]);
      if (!dh) throw new ThriftError('data page v2 without its header');
      const n = num(dh[1]) ?? 0, defLen = num(dh[5]) ?? 0, repLen = num(dh[6]) ?? 0;
      if (repLen) throw new UnsupportedParquet('repetition levels');
      const compressed = dh[7] !== false;
      const levels = payload.subarray(0, defLen);
      const vals = payload.subarray(defLen);
      const data = compressed ? decompress(chunk.codec, vals, usize - defLen) : vals;
      // v2 levels carry no length prefix: decode them from their own buffer.
      readDataPageV2(st, levels, data, n, num(dh[4]) ?? 0);
    }
    // Index pages (type 1) and unknown page types are skipped, as the format allows.
  }
}

function readDictionaryPage(st: ColumnState, data: Uint8Array, n: number): void {
  st.dictCount = n;
  st.dictSeen = true;
  const p = st.leaf.physical;
  if (p === BYTE_ARRAY) {
    // Entries 0..n-1 are the dictionary; a small read's is parsed once and shared.
    const e = new ByteEntries(n, Math.max(1, data.length - 4 * n));
    let pos = 0;
    for (let i = 0; i < n; i++) {
      const len = readU32(data, pos);
      if (pos + 4 + len > data.length) throw new ThriftError('dictionary value runs past its page');
      e.add(data, pos + 4, len);
      pos += 4 + len;
    }
    st.entries = e;
    if (st.pages?.putDictionary) { e.shared = true; st.pages.putDictionary(st.pageAt, e); }
    return;
  }
  const width = p === INT64 || p === DOUBLE ? 8 : p === BOOLEAN ? 0 : 4;
  if (!width) throw new UnsupportedParquet('dictionary-encoded booleans');
  if (data.length < n * width) throw new ThriftError(`dictionary page of ${n} values has ${data.length} bytes`);
  const copy = data.slice(0, n * width);
  st.dictFixed = p === INT32 ? new Int32Array(copy.buffer) : p === INT64 ? new Int32Array(copy.buffer) : p === FLOAT ? new Float32Array(copy.buffer) : new Float64Array(copy.buffer);
}

function readDataPage(st: ColumnState, data: Uint8Array, pos: number, n: number, encoding: number, v1: boolean): void {
  if (st.at + n > st.rows) throw new ThriftError(`column '${st.leaf.name}' has more values than rows`);
  let present = n;
  if (st.leaf.optional && v1) {
    const len = readU32(data, pos);
    present = readLevels(st, data, pos + 4, pos + 4 + len, n);
    pos += 4 + len;
  } else if (st.leaf.optional) {
    throw new ThriftError('internal: v2 levels go through readDataPageV2');
  }
  readValues(st, data, pos, n, present, encoding);
}

function readDataPageV2(st: ColumnState, levels: Uint8Array, data: Uint8Array, n: number, encoding: number): void {
  if (st.at + n > st.rows) throw new ThriftError(`column '${st.leaf.name}' has more values than rows`);
  let present = n;
  if (st.leaf.optional) present = readLevels(st, levels, 0, levels.length, n);
  readValues(st, data, 0, n, present, encoding);
}

/**
 * Decodes the `n` definition levels of a page (bit width 1: flat optional
 * columns) into the state's validity at its current row, and returns how
 * many are 1. A page without nulls (one run of 1s) writes nothing until some
 * page has one.
 */
function readLevels(st: ColumnState, buf: Uint8Array, pos: number, end: number, n: number): number {
  const at = st.at;
  if (pos < end) {
    const [h, p] = varint(buf, pos);
    if (!(h & 1) && h >>> 1 >= n && p < end && (buf[p]! & 1) === 1) {
      if (st.hasValid) st.valid.fill(1, at, at + n);
      return n;
    }
  }
  const valid = st.ensureValid();
  let i = 0, ones = 0;
  while (i < n) {
    if (pos >= end) throw new ThriftError('definition levels end early');
    const [header, p] = varint(buf, pos);
    pos = p;
    if (header & 1) {
      const count = Math.min((header >>> 1) * 8, n - i);
      if (pos + (header >>> 1) > end) throw new ThriftError('definition levels end early');
      for (let k = 0; k < count; k++) {
        const bit = (buf[pos + (k >> 3)]! >> (k & 7)) & 1;
        valid[at + i + k] = bit;
        ones += bit;
      }
      pos += header >>> 1;
      i += count;
    } else {
      const count = Math.min(header >>> 1, n - i);
      if (pos >= end) throw new ThriftError('definition levels end early');
      const v = buf[pos++]! & 1;
      valid.fill(v, at + i, at + i + count);
      if (v) ones += count;
      i += count;
    }
  }
  return ones;
}

function readValues(st: ColumnState, data: Uint8Array, pos: number, n: number, present: number, encoding: number): void {
  const at = st.at;
  const dense = present !== n;
  if (dense) st.nulls += n - present;
  const p = st.leaf.physical;
  if (encoding === RLE_DICTIONARY || encoding === PLAIN_DICTIONARY) {
    const width = data[pos]!;
    // Indices go straight to their rows when none is null, else through a reused buffer.
    const direct = p === BYTE_ARRAY && !dense;
    const idx = direct ? st.ids!.subarray(at, at + n) : denseInts(present);
    // Straight into place: only the rows the state needs, [lo, hi) of this page.
    const lo = direct ? Math.min(n, Math.max(0, st.skip - at)) : 0;
    const hi = direct ? Math.max(lo, Math.min(n, st.limit - at)) : present;
    rleHybrid(data, pos + 1, data.length, width, hi, idx, lo);
    const count = st.dictCount;
    // A dictionary page this reader did not find (older writers leave dictionary_page_offset unset):
    // parquet-wasm reads such a file.
    if (!st.dictSeen && hi > lo) throw new UnsupportedParquet('dictionary-encoded page without a dictionary page at dictionary_page_offset');
    if (hi > lo && (width > 31 || 2 ** width > count)) {
      const max = maxOf(idx.subarray(lo, hi), hi - lo);
      if (max >= count) throw new ThriftError(`dictionary index ${max} out of range (${count})`);
    }
    if (p === BYTE_ARRAY) {
      if (dense) scatterInt32(idx, st.ids!, at, n, st.valid);
    } else {
      const dict = st.dictFixed;
      if (!dict) throw new UnsupportedParquet('dictionary-encoded page without a dictionary page');
      const w = p === INT64 ? 2 : 1;
      const out = new (dict.constructor as Int32ArrayConstructor)(present * w) as typeof dict;
      for (let k = 0; k < present; k++) {
        const j = idx[k]!;
        if (w === 2) { out[2 * k] = dict[2 * j]!; out[2 * k + 1] = dict[2 * j + 1]!; } else out[k] = dict[j]!;
      }
      scatterFixed(st, out, at, n, present);
    }
  } else if (p === BYTE_ARRAY) {
    const e = ownEntries(st);
    const ids = new Int32Array(present);
    if (encoding === PLAIN) {
      for (let k = 0; k < present; k++) {
        const len = readU32(data, pos);
        if (pos + 4 + len > data.length) throw new ThriftError('byte array value runs past its page');
        ids[k] = e.add(data, pos + 4, len);
        pos += 4 + len;
      }
    } else if (encoding === DELTA_LENGTH_BYTE_ARRAY) {
      const lens = new Int32Array(present);
      pos = deltaInt32(data, pos, present, lens, 0);
      for (let k = 0; k < present; k++) {
        const len = lens[k]!;
        if (len < 0 || pos + len > data.length) throw new ThriftError('byte array value runs past its page');
        ids[k] = e.add(data, pos, len);
        pos += len;
      }
    } else if (encoding === DELTA_BYTE_ARRAY) {
      // Prefix lengths (shared with the previous value), then the suffixes as DELTA_LENGTH_BYTE_ARRAY.
      const prefix = new Int32Array(present), lens = new Int32Array(present);
      pos = deltaInt32(data, pos, present, prefix, 0);
      pos = deltaInt32(data, pos, present, lens, 0);
      let prev = -1;
      for (let k = 0; k < present; k++) {
        const pl = prefix[k]!, sl = lens[k]!;
        const prevLen = prev < 0 ? 0 : e.offsets[prev + 1]! - e.offsets[prev]!;
        if (pl < 0 || pl > prevLen || sl < 0 || pos + sl > data.length) throw new ThriftError('delta byte array value out of range');
        ids[k] = prev = e.addPrefixed(prev, pl, data, pos, sl);
        pos += sl;
      }
    } else throw new UnsupportedParquet(`encoding ${encoding} for byte arrays`);
    scatterInt32(ids, st.ids!, at, n, dense ? st.valid : null);
  } else if (p === BOOLEAN) {
    const out = new Uint8Array(present);
    if (encoding === PLAIN) {
      if (pos + ((present + 7) >> 3) > data.length) throw new ThriftError('plain booleans run past their page');
      for (let k = 0; k < present; k++) out[k] = (data[pos + (k >> 3)]! >> (k & 7)) & 1;
    } else if (encoding === RLE) {
      const len = readU32(data, pos);
      rleHybrid(data, pos + 4, pos + 4 + len, 1, present, out);
    } else throw new UnsupportedParquet(`encoding ${encoding} for booleans`);
    scatterFixed(st, out, at, n, present);
  } else {
    const width = p === INT64 || p === DOUBLE ? 8 : 4;
    // Without nulls values decode straight into place; with nulls densely, then spread out.
    const target = dense ? undefined : st.values as Int32Array | Float32Array | Float64Array;
    let out: Int32Array | Float32Array | Float64Array;
    if (target) out = target;
    else out = p === INT32 || p === INT64 ? new Int32Array(present * (width / 4)) : p === FLOAT ? new Float32Array(present) : new Float64Array(present);
    const o = target ? at : 0;
    // Without nulls, only the rows the state needs of this page: [lo, hi).
    const lo = target ? Math.min(n, Math.max(0, st.skip - at)) : 0;
    const hi = target ? Math.max(lo, Math.min(n, st.limit - at)) : present;
    if (encoding === PLAIN) {
      if (pos + present * width > data.length) throw new ThriftError('plain values run past their page');
      new Uint8Array(out.buffer, out.byteOffset + (o + lo) * width, (hi - lo) * width).set(data.subarray(pos + lo * width, pos + hi * width));
    } else if (encoding === BYTE_STREAM_SPLIT) {
      if (pos + present * width > data.length) throw new ThriftError('byte-stream-split values run past their page');
      byteStreamSplit(data, pos + lo, present, hi - lo, width, new Uint32Array(out.buffer, out.byteOffset + (o + lo) * width, (hi - lo) * width / 4));
    } else if (encoding === DELTA_BINARY_PACKED) {
      if (p !== INT32 && p !== INT64) throw new UnsupportedParquet('delta encoding for floats');
      const decode = p === INT32 ? deltaInt32 : deltaInt64;
      if (st.pages && target && (lo > 0 || hi < n)) {
        // A cut page of a small read: the page's values are decoded whole once and kept (under
        // -1 - offset, beside its decompressed bytes, with their row range in front), so a later
        // read of any rows of it copies them instead of re-adding every delta before them (a
        // delta page cannot be entered in the middle). Whole, not just [lo, hi): the next query
        // of another series or time range in this page (a dashboard's moving window, the next
        // host) finds its rows there too.
        const key = -1 - st.pageAt;
        const kept = st.pages.get(key);
        const head = kept ? new Int32Array(kept.buffer, kept.byteOffset, 2) : undefined;
        let dec: Uint8Array;
        if (head && head[0]! <= lo && head[1]! >= hi) {
          dec = kept!.subarray(8);
        } else {
          const fresh = new Int32Array(2 + ((n * width) >> 2));
          fresh[0] = 0; fresh[1] = n;
          decode(data, pos, n, fresh, width === 8 ? 1 : 2, 0);
          st.pages.put(key, new Uint8Array(fresh.buffer));
          dec = new Uint8Array(fresh.buffer, 8);
        }
        new Uint8Array(out.buffer, out.byteOffset + (o + lo) * width, (hi - lo) * width).set(dec.subarray(lo * width, hi * width));
      } else {
        // Sequential: decoded from the start of the page, up to `hi`.
        decode(data, pos, hi, out as Int32Array, o, lo);
      }
    } else throw new UnsupportedParquet(`encoding ${encoding}`);
    if (!target) scatterFixed(st, out, at, n, present);
  }
  st.at += n;
}

/** Spreads `present` dense values over rows at..at+n by validity (or copies them when none is null). */
function scatterFixed(st: ColumnState, dense: Int32Array | Float32Array | Float64Array | Uint8Array, at: number, n: number, present: number): void {
  const dst = st.values!;
  const w = st.leaf.physical === INT64 ? 2 : 1;
  if (present === n) { (dst as Uint8Array).set(dense as Uint8Array, at * w); return; }
  const valid = st.valid;
  for (let i = 0, j = 0; i < n; i++) {
    if (!valid[at + i]) continue;
    if (w === 2) { dst[2 * (at + i)] = dense[2 * j]!; dst[2 * (at + i) + 1] = dense[2 * j + 1]!; } else dst[at + i] = dense[j]!;
    j++;
  }
}

/** The largest index (a negative one, from a 32-bit index past 2^31, counts as out of any range). */
function maxOf(a: Int32Array, n: number): number {
  let max = 0;
  for (let k = 0; k < n; k++) { const j = a[k]!; if (j > max) max = j; else if (j < 0) return 0x7fffffff; }
  return max;
}

let denseBuf = new Int32Array(8192);
/** A reused buffer for `n` dense indices (valid until the next call). */
function denseInts(n: number): Int32Array {
  if (denseBuf.length < n) denseBuf = new Int32Array(Math.max(n, 2 * denseBuf.length));
  return denseBuf.subarray(0, n);
}

function scatterInt32(dense: Int32Array, dst: Int32Array, at: number, n: number, valid: Uint8Array | null): void {
  if (!valid) { dst.set(dense, at); return; }
  // Null rows get index 0 (a reused scratch state would otherwise leave a stale one there).
  for (let i = 0, j = 0; i < n; i++) dst[at + i] = valid[at + i] ? dense[j++]! : 0;
}

function readU32(b: Uint8Array, pos: number): number {
  if (pos + 4 > b.length) throw new ThriftError('length prefix runs past its page');
  return (b[pos]! | (b[pos + 1]! << 8) | (b[pos + 2]! << 16) | (b[pos + 3]! << 24)) >>> 0;
}

function varint(b: Uint8Array, pos: number): [number, number] {
  let v = 0, mul = 1;
  for (let i = 0; i < 10; i++) {
    if (pos >= b.length) throw new ThriftError('varint runs past its page');
    const x = b[pos++]!;
    v += (x & 0x7f) * mul;
    if (x < 0x80) return [v, pos];
    mul *= 128;
  }
  throw new ThriftError('varint longer than 10 bytes');
}

/** RLE / bit-packed hybrid values of `width` bits (≤ 32) into out[0..n). */
/**
 * RLE / bit-packed hybrid values of `width` bits (≤ 32) into out[from..n):
 * values before `from` are stepped over (whole bit-packed groups of 8 are
 * skipped without unpacking), so a row range decodes only its rows.
 */
function rleHybrid(buf: Uint8Array, pos: number, end: number, width: number, n: number, out: Int32Array | Uint8Array, from = 0): void {
  if (width > 32) throw new ThriftError(`RLE bit width ${width}`);
  const byteWidth = (width + 7) >> 3;
  let i = 0;
  while (i < n) {
    if (pos >= end) throw new ThriftError('RLE run data ends early');
    const [header, p] = varint(buf, pos);
    pos = p;
    if (header & 1) {
      const groups = header >>> 1;
      const count = Math.min(groups * 8, n - i);
      if (pos + groups * width > end) throw new ThriftError('bit-packed run past the end of its data');
      if (i + count > from) {
        // Skip whole groups of 8 values (8 values of `width` bits = `width` bytes) before `from`.
        const skipGroups = i < from ? (from - i) >> 3 : 0;
        const j = i + skipGroups * 8;
        unpackBits(buf, pos + skipGroups * width, width, count - skipGroups * 8, out, j);
      }
      pos += groups * width;
      i += count;
    } else {
      const count = Math.min(header >>> 1, n - i);
      if (pos + byteWidth > end) throw new ThriftError('RLE run value past the end of its data');
      let v = 0;
      for (let k = 0; k < byteWidth; k++) v += buf[pos + k]! * 2 ** (8 * k);
      pos += byteWidth;
      if (i + count > from) out.fill(v, Math.max(i, from), i + count);
      i += count;
    }
  }
}

/** `count` values of `width` bits (≤ 32, LSB first) from byte `pos` into out[at..). */
function unpackBits(buf: Uint8Array, pos: number, width: number, count: number, out: Int32Array | Uint8Array, at: number): void {
  if (width === 0) { out.fill(0, at, at + count); return; }
  if (width <= 24) {
    const mask = (1 << width) - 1;
    let acc = 0, bits = 0;
    for (let k = 0; k < count; k++) {
      while (bits < width) { acc |= buf[pos++]! << bits; bits += 8; }
      out[at + k] = acc & mask;
      acc >>>= width;
      bits -= width;
    }
    return;
  }
  const base = pos * 8;
  if (width === 32) { for (let k = 0; k < count; k++) out[at + k] = bits32At(buf, base + 32 * k); return; }
  const mask = (1 << width) - 1;
  for (let k = 0; k < count; k++) out[at + k] = bits32At(buf, base + k * width) & mask;
}

/** The 32 bits at bit position `bit` (LSB first) as an int32, with integer ops only; bytes past the end read as 0. */
function bits32At(buf: Uint8Array, bit: number): number {
  const j = bit >>> 3, sh = bit & 7;
  const x0 = buf[j]! | (buf[j + 1]! << 8) | (buf[j + 2]! << 16) | (buf[j + 3]! << 24);
  return sh === 0 ? x0 : (x0 >>> sh) | (buf[j + 4]! << (32 - sh));
}

let bssScratch = new Uint32Array(4096);

/**
 * BYTE_STREAM_SPLIT of `n` values of `width` (4 or 8) bytes: byte k of value
 * i is at k*n + i. Four values at a time, as 32-bit words transposed in
 * registers (about 2x a byte-at-a-time loop); the streams are copied to an
 * aligned scratch first when they are not 4-byte aligned in the page.
 */
function byteStreamSplit(src: Uint8Array, pos: number, stride: number, n: number, width: number, out: Uint32Array): void {
  const q = n >> 2;
  // ws: distance between the streams in 32-bit words.
  let words: Uint32Array, ws: number;
  if (((src.byteOffset + pos) & 3) === 0 && (stride & 3) === 0) {
    words = new Uint32Array(src.buffer, src.byteOffset + pos, (width - 1) * (stride >> 2) + q);
    ws = stride >> 2;
  } else {
    ws = (n + 3) >> 2;
    if (bssScratch.length < width * ws) bssScratch = new Uint32Array(width * ws * 2);
    words = bssScratch;
    const bytes = new Uint8Array(words.buffer, 0, width * ws * 4);
    for (let k = 0; k < width; k++) bytes.set(src.subarray(pos + k * stride, pos + k * stride + n), k * ws * 4);
  }
  if (width === 8) {
    for (let j = 0; j < q; j++) {
      const w0 = words[j]!, w1 = words[ws + j]!, w2 = words[2 * ws + j]!, w3 = words[3 * ws + j]!;
      const lo01 = (w0 & 0x00ff00ff) | ((w1 & 0x00ff00ff) << 8), hi01 = ((w0 >>> 8) & 0x00ff00ff) | (w1 & 0xff00ff00);
      const lo23 = (w2 & 0x00ff00ff) | ((w3 & 0x00ff00ff) << 8), hi23 = ((w2 >>> 8) & 0x00ff00ff) | (w3 & 0xff00ff00);
      const o = 8 * j;
      out[o] = (lo01 & 0xffff) | (lo23 << 16);
      out[o + 2] = (hi01 & 0xffff) | (hi23 << 16);
      out[o + 4] = (lo01 >>> 16) | (lo23 & 0xffff0000);
      out[o + 6] = (hi01 >>> 16) | (hi23 & 0xffff0000);
      const v0 = words[4 * ws + j]!, v1 = words[5 * ws + j]!, v2 = words[6 * ws + j]!, v3 = words[7 * ws + j]!;
      const l01 = (v0 & 0x00ff00ff) | ((v1 & 0x00ff00ff) << 8), h01 = ((v0 >>> 8) & 0x00ff00ff) | (v1 & 0xff00ff00);
      const l23 = (v2 & 0x00ff00ff) | ((v3 & 0x00ff00ff) << 8), h23 = ((v2 >>> 8) & 0x00ff00ff) | (v3 & 0xff00ff00);
      out[o + 1] = (l01 & 0xffff) | (l23 << 16);
      out[o + 3] = (h01 & 0xffff) | (h23 << 16);
      out[o + 5] = (l01 >>> 16) | (l23 & 0xffff0000);
      out[o + 7] = (h01 >>> 16) | (h23 & 0xffff0000);
    }
    for (let i = q * 4; i < n; i++) {
      out[2 * i] = src[pos + i]! | (src[pos + stride + i]! << 8) | (src[pos + 2 * stride + i]! << 16) | (src[pos + 3 * stride + i]! << 24);
      out[2 * i + 1] = src[pos + 4 * stride + i]! | (src[pos + 5 * stride + i]! << 8) | (src[pos + 6 * stride + i]! << 16) | (src[pos + 7 * stride + i]! << 24);
    }
  } else {
    for (let j = 0; j < q; j++) {
      const w0 = words[j]!, w1 = words[ws + j]!, w2 = words[2 * ws + j]!, w3 = words[3 * ws + j]!;
      const lo01 = (w0 & 0x00ff00ff) | ((w1 & 0x00ff00ff) << 8), hi01 = ((w0 >>> 8) & 0x00ff00ff) | (w1 & 0xff00ff00);
      const lo23 = (w2 & 0x00ff00ff) | ((w3 & 0x00ff00ff) << 8), hi23 = ((w2 >>> 8) & 0x00ff00ff) | (w3 & 0xff00ff00);
      const o = 4 * j;
      out[o] = (lo01 & 0xffff) | (lo23 << 16);
      out[o + 1] = (hi01 & 0xffff) | (hi23 << 16);
      out[o + 2] = (lo01 >>> 16) | (lo23 & 0xffff0000);
      out[o + 3] = (hi01 >>> 16) | (hi23 & 0xffff0000);
    }
    for (let i = q * 4; i < n; i++) out[i] = src[pos + i]! | (src[pos + stride + i]! << 8) | (src[pos + 2 * stride + i]! << 16) | (src[pos + 3 * stride + i]! << 24);
  }
}

interface DeltaHeader { blockSize: number; miniblocks: number; total: number; pos: number }

function deltaHeader(b: Uint8Array, pos: number): DeltaHeader {
  let blockSize, miniblocks, total;
  [blockSize, pos] = varint(b, pos);
  [miniblocks, pos] = varint(b, pos);
  [total, pos] = varint(b, pos);
  if (!miniblocks || blockSize % miniblocks || (blockSize / miniblocks) % 8) throw new ThriftError(`bad DELTA_BINARY_PACKED block (${blockSize} values in ${miniblocks} miniblocks)`);
  return { blockSize, miniblocks, total, pos };
}

/**
 * DELTA_BINARY_PACKED INT32: `n` values into out[at..); returns where the
 * encoded values end. Arithmetic wraps at 32 bits, as the format says.
 */
function deltaInt32(b: Uint8Array, pos: number, n: number, out: Int32Array, at: number, from = 0): number {
  const h = deltaHeader(b, pos);
  pos = h.pos;
  if (h.total < n) throw new ThriftError(`delta page holds ${h.total} values, ${n} expected`);
  let first;
  [first, pos] = varint(b, pos);
  let v = (first % 2 === 0 ? first / 2 : -(first + 1) / 2) | 0;
  if (n === 0) return pos;
  out[at] = v;
  const per = h.blockSize / h.miniblocks;
  const tmp = new Int32Array(per);
  let k = 1;
  while (k < n) {
    let md;
    [md, pos] = varint(b, pos);
    const minDelta = md % 2 === 0 ? md / 2 : -(md + 1) / 2;
    const widths = pos;
    pos += h.miniblocks;
    if (pos > b.length) throw new ThriftError('delta block header runs past its page');
    for (let m = 0; m < h.miniblocks && k < n; m++) {
      const w = b[widths + m]!;
      const cnt = Math.min(per, n - k);
      if (w > 32) throw new ThriftError(`delta bit width ${w} for INT32`);
      if (pos + ((per * w) >> 3) > b.length) throw new ThriftError('delta miniblock runs past its page');
      if (w === 0 && k + cnt <= from) {
        v = (v + ((Math.imul(minDelta | 0, cnt)) | 0)) | 0; // a run of equal deltas before the rows wanted: no writes
      } else if (w === 0) {
        // Every delta is minDelta (__pk_id within a series: 0).
        const o = at + k;
        if ((minDelta | 0) === 0) out.fill(v, o, o + cnt);
        else { const md32 = minDelta | 0; for (let i = 0; i < cnt; i++) { v = (v + md32) | 0; out[o + i] = v; } }
      } else {
        unpackBits(b, pos, w, cnt, tmp, 0);
        for (let i = 0; i < cnt; i++) { v = (v + minDelta + (tmp[i]! >>> 0)) | 0; out[at + k + i] = v; }
      }
      k += cnt;
      pos += (per * w) >> 3;
    }
  }
  return pos;
}

const TWO32 = 4294967296;

/**
 * DELTA_BINARY_PACKED INT64: `n` values into out[2*at..) as little-endian
 * 32-bit halves (exact 64-bit wrapping arithmetic; no BigInt per value).
 */
function deltaInt64(b: Uint8Array, pos: number, n: number, out: Int32Array, at: number, from = 0): void {
  const h = deltaHeader(b, pos);
  pos = h.pos;
  if (h.total < n) throw new ThriftError(`delta page holds ${h.total} values, ${n} expected`);
  let fl, fh;
  [fl, fh, pos] = zigzag64(b, pos);
  if (n === 0) return;
  let lo = fl, hi = fh; // lo unsigned 0..2^32-1, hi signed int32
  out[2 * at] = lo; out[2 * at + 1] = hi;
  const per = h.blockSize / h.miniblocks;
  const tmp = new Int32Array(per);
  // The page as aligned words, made at its first miniblock wider than 32 bits.
  let words: Uint32Array | undefined;
  let k = 1;
  while (k < n) {
    let ml, mh;
    [ml, mh, pos] = zigzag64(b, pos);
    const widths = pos;
    pos += h.miniblocks;
    if (pos > b.length) throw new ThriftError('delta block header runs past its page');
    // Number arithmetic is exact while values stay within ±2^52: true of ms/us timestamps and most integers.
    // Bounded per miniblock: at most 4096 values of |delta| < 2^40 + 2^32 from |v| < 2^51 stay under 2^53.
    const small = per <= 4096 && mh >= -0x100 && mh < 0x100;
    for (let m = 0; m < h.miniblocks && k < n; m++) {
      const w = b[widths + m]!;
      const cnt = Math.min(per, n - k);
      if (w > 64) throw new ThriftError(`delta bit width ${w}`);
      if (pos + ((per * w) >> 3) > b.length) throw new ThriftError('delta miniblock runs past its page');
      if (w === 0 && small && hi >= -0x80000 && hi < 0x80000 && k + cnt <= from) {
        // A run of equal deltas before the rows wanted: summed, not written.
        const v = hi * TWO32 + lo + cnt * (mh * TWO32 + ml);
        lo = v >>> 0; hi = Math.floor(v / TWO32) | 0;
      } else if (w <= 32 && small && hi >= -0x80000 && hi < 0x80000) {
        unpackBits(b, pos, w, cnt, tmp, 0);
        let v = hi * TWO32 + lo;
        const md = mh * TWO32 + ml;
        const o = 2 * (at + k);
        for (let i = 0; i < cnt; i++) {
          v += md + (tmp[i]! >>> 0);
          out[o + 2 * i] = v >>> 0 | 0;
          out[o + 2 * i + 1] = Math.floor(v / TWO32);
        }
        lo = v >>> 0; hi = Math.floor(v / TWO32) | 0;
      } else if (w === 0 && k + cnt <= from) {
        // Exact: lo + cnt*ml fits a double (< 2^39); its carry goes to hi, and hi wraps at 32 bits.
        const s = lo + cnt * ml;
        const carry = Math.floor(s / TWO32);
        lo = s - carry * TWO32;
        hi = (hi + Math.imul(mh, cnt) + carry) | 0;
      } else {
        // 64-bit values past ±2^52 (nanosecond timestamps): int32 halves and carries.
        acc64[0] = lo; acc64[1] = hi;
        if (w === 0) steady64(cnt, ml, mh, out, 2 * (at + k));
        else if (w <= 32) { unpackBits(b, pos, w, cnt, tmp, 0); narrow64(tmp, cnt, ml, mh, out, 2 * (at + k)); }
        else { words ??= pageWords(b); wide64(words, pos * 8, w, cnt, ml, mh, out, 2 * (at + k), from - k); }
        lo = acc64[0]!; hi = acc64[1]! | 0;
      }
      k += cnt;
      pos += (per * w) >> 3;
    }
  }
}

/** The running value of steady64/narrow64/wide64 as [lo (unsigned 32), hi (signed 32)]. */
const acc64 = new Float64Array(2);

/**
 * `cnt` values that each add minDelta (ml unsigned, mh signed halves) to the
 * value in acc64, written at out[o..] as (lo, hi) int32 pairs: a miniblock of
 * bit width 0 (line-protocol timestamps a steady 10 s apart). Integer ops
 * only; a carry out of the low half is an unsigned compare.
 */
function steady64(cnt: number, ml: number, mh: number, out: Int32Array, o: number): void {
  let l = acc64[0]! | 0, h = acc64[1]! | 0;
  const m = ml | 0, mhi = mh | 0;
  for (let i = 0; i < cnt; i++) {
    const s = (l + m) | 0;
    h = (h + mhi + ((s >>> 0) < (l >>> 0) ? 1 : 0)) | 0;
    l = s;
    out[o + 2 * i] = l;
    out[o + 2 * i + 1] = h;
  }
  acc64[0] = l >>> 0; acc64[1] = h;
}

/** As steady64, each value adding minDelta plus its unpacked delta tmp[i] (≤ 32 bits, unsigned). */
function narrow64(tmp: Int32Array, cnt: number, ml: number, mh: number, out: Int32Array, o: number): void {
  let l = acc64[0]! | 0, h = acc64[1]! | 0;
  const m = ml | 0, mhi = mh | 0;
  for (let i = 0; i < cnt; i++) {
    const s1 = (l + m) | 0;
    const c1 = (s1 >>> 0) < (l >>> 0) ? 1 : 0;
    const s2 = (s1 + tmp[i]!) | 0;
    h = (h + mhi + c1 + ((s2 >>> 0) < (s1 >>> 0) ? 1 : 0)) | 0;
    l = s2;
    out[o + 2 * i] = l;
    out[o + 2 * i + 1] = h;
  }
  acc64[0] = l >>> 0; acc64[1] = h;
}

/** A page's bytes copied to aligned words for wide64 (its miniblocks need not be 4-byte aligned in the page). */
let wideWords = new Uint32Array(1024);
let wideBytes = new Uint8Array(wideWords.buffer);

/**
 * The page `b` as little-endian words in wideWords (valid until the next
 * call). Room for three words past its end: wide64 reads them for a page's
 * last value, whose bits it then masks off, so what they hold never matters.
 */
function pageWords(b: Uint8Array): Uint32Array {
  const need = (b.length >> 2) + 4;
  if (wideWords.length < need) { wideWords = new Uint32Array(need * 2); wideBytes = new Uint8Array(wideWords.buffer); }
  wideBytes.set(b);
  return wideWords;
}

/**
 * A miniblock of `cnt` deltas of `w` > 32 bits from bit `base` of `words`
 * (the page, see pageWords): adds minDelta (ml, mh) + each to the value in
 * acc64 and writes values from index `first` on at out[o..] (lo, hi int32
 * pairs). Each delta is three aligned word reads and shifts.
 */
function wide64(words: Uint32Array, base: number, w: number, cnt: number, ml: number, mh: number, out: Int32Array, o: number, first: number): void {
  let l = acc64[0]! | 0, h = acc64[1]! | 0;
  const m = ml | 0, mhi = mh | 0;
  const hmask = w === 64 ? -1 : (1 << (w - 32)) - 1;
  for (let i = 0; i < cnt; i++) {
    const bit = base + i * w;
    const j = bit >>> 5, sh = bit & 31;
    const w0 = words[j]! | 0, w1 = words[j + 1]! | 0;
    let pl: number, ph: number;
    if (sh === 0) { pl = w0; ph = w1 & hmask; } else {
      pl = (w0 >>> sh) | (w1 << (32 - sh));
      ph = ((w1 >>> sh) | ((words[j + 2]! | 0) << (32 - sh))) & hmask;
    }
    const s1 = (l + m) | 0;
    const c1 = (s1 >>> 0) < (l >>> 0) ? 1 : 0;
    const s2 = (s1 + pl) | 0;
    h = (h + mhi + ph + c1 + ((s2 >>> 0) < (s1 >>> 0) ? 1 : 0)) | 0;
    l = s2;
    if (i >= first) { out[o + 2 * i] = l; out[o + 2 * i + 1] = h; }
  }
  acc64[0] = l >>> 0; acc64[1] = h;
}

/** A zigzag varint of up to 64 bits as [lo (unsigned 32), hi (signed 32), next pos]. */
function zigzag64(b: Uint8Array, pos: number): [number, number, number] {
  let lo = 0, hi = 0, shift = 0;
  for (;;) {
    if (pos >= b.length) throw new ThriftError('varint runs past its page');
    const x = b[pos++]!;
    const bits = x & 0x7f;
    if (shift < 28) lo = (lo | (bits << shift)) >>> 0;
    else if (shift === 28) { lo = (lo | (bits << 28)) >>> 0; hi = bits >>> 4; }
    else if (shift < 64) hi = (hi | (bits << (shift - 32))) >>> 0;
    if (x < 0x80) break;
    shift += 7;
    if (shift > 63) throw new ThriftError('varint longer than 10 bytes');
  }
  // zigzag: (n >>> 1) ^ -(n & 1) on 64 bits
  const neg = lo & 1;
  let l = ((lo >>> 1) | ((hi & 1) << 31)) >>> 0;
  let h = hi >>> 1;
  if (neg) { l = (~l) >>> 0; h = ~h; }
  return [l, h | 0, pos];
}

/**
 * Decoded rows [start, start+length) of a column (0 = the first row decoded)
 * as Arrow data of its Arrow type. Fixed-width values are views (no copy);
 * validity, booleans and strings are built for the slice.
 */
export function columnData(c: DecodedColumn, start: number, length: number, dictCache?: Map<DecodedColumn, arrow.Vector>): arrow.Data {
  const type = c.leaf.arrowType!;
  const s = start;
  if (s < 0 || s + length > c.rows) throw new ThriftError(`rows ${start}..${start + length} are outside the ${c.rows} decoded`);
  let nullBitmap: Uint8Array | undefined;
  let nullCount = 0;
  if (c.valid) {
    const bm = new Uint8Array(((length + 63) >> 6) << 3);
    for (let i = 0; i < length; i++) { if (c.valid[s + i]) bm[i >> 3]! |= 1 << (i & 7); else nullCount++; }
    if (nullCount) nullBitmap = bm;
  }
  const base = { type, length, nullCount, ...(nullBitmap ? { nullBitmap } : {}) };
  // Fixed-width values are handed to Arrow as they are (fixedData: no makeData visitor per column).
  const fixed = (data: ArrayBufferView): arrow.Data => fixedData(type, length, data, nullBitmap, nullCount);
  const v = c.values;
  switch (type.typeId) {
    case arrow.Type.Bool: {
      const bytes = v as Uint8Array;
      const bits = new Uint8Array(((length + 63) >> 6) << 3);
      for (let i = 0; i < length; i++) if (bytes[s + i]) bits[i >> 3]! |= 1 << (i & 7);
      return fixed(bits);
    }
    case arrow.Type.Int: {
      const it = type as arrow.Int;
      const x = v as Int32Array;
      if (it.bitWidth === 64) {
        const data = it.isSigned ? new BigInt64Array(x.buffer, x.byteOffset + 8 * s, length) : new BigUint64Array(x.buffer, x.byteOffset + 8 * s, length);
        return fixed(data);
      }
      const part = x.subarray(s, s + length);
      const data = it.bitWidth === 32 ? (it.isSigned ? part : new Uint32Array(part.buffer, part.byteOffset, length))
        : it.bitWidth === 16 ? (it.isSigned ? new Int16Array(part) : new Uint16Array(part)) : (it.isSigned ? new Int8Array(part) : new Uint8Array(part));
      return fixed(data);
    }
    case arrow.Type.Date:
      return fixed((v as Int32Array).subarray(s, s + length));
    case arrow.Type.Timestamp: {
      const x = v as Int32Array;
      return fixed(new BigInt64Array(x.buffer, x.byteOffset + 8 * s, length));
    }
    case arrow.Type.Float:
      return fixed((v as Float32Array | Float64Array).subarray(s, s + length));
    case arrow.Type.Dictionary: {
      let dict = dictCache?.get(c);
      if (!dict) { dict = c.entries!.vector((type as arrow.Dictionary).dictionary); dictCache?.set(c, dict); }
      return arrow.makeData({ ...base, data: c.ids!.subarray(s, s + length), dictionary: dict } as never);
    }
    case arrow.Type.Utf8: case arrow.Type.Binary: {
      const e = c.entries!, ids = c.ids!, eo = e.offsets;
      const offsets = new Int32Array(length + 1);
      let total = 0;
      for (let i = 0; i < length; i++) {
        if (!c.valid || c.valid[s + i]) { const id = ids[s + i]!; total += eo[id + 1]! - eo[id]!; }
        offsets[i + 1] = total;
      }
      const data = new Uint8Array(total);
      for (let i = 0; i < length; i++) {
        const a = offsets[i]!, b = offsets[i + 1]!;
        if (b > a) { const id = ids[s + i]!; data.set(e.data.subarray(eo[id]!, eo[id + 1]!), a); }
      }
      return type.typeId === arrow.Type.Utf8 ? utf8Data(length, offsets, data, nullBitmap, nullCount, type as arrow.Utf8) : arrow.makeData({ ...base, valueOffsets: offsets, data } as never);
    }
    default:
      throw new UnsupportedParquet(`Arrow type ${type}`);
  }
}

