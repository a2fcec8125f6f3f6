import * as arrow from 'apache-arrow';
import { toArrowType, type ColumnSchema, type TableSchema } from '@strata/kernel';
import { OP_DELETE, type Chunk } from './chunk.js';
import { grow, type AnyTypedArray } from './growable.js';
import { seriesKeyOf } from './series-key.js';
import { TagInterner } from './tag-interner.js';
import { boolVector, castToType, defaultValueOf, isValidAt, jsVector, packValidity, storageOf, typedVector, type Storage } from './vectors.js';
import { InvalidArgumentsError } from './errors.js';

/** One field column of a memtable: a growable typed array (or JS array) plus validity. */
class FieldColumn {
  readonly storage: Storage;
  readonly arrowType: arrow.DataType;
  values: AnyTypedArray | unknown[];
  /** One byte per row, 1 = valid; allocated at the first null. */
  valid: Uint8Array | undefined;

  constructor(readonly schema: ColumnSchema) {
    this.storage = storageOf(schema.type);
    this.arrowType = toArrowType(schema.type);
    this.values = this.storage.kind === 'typed' ? new this.storage.ctor(1024) : this.storage.kind === 'bool' ? new Uint8Array(1024) : [];
  }

  bytesPerRow(): number {
    return this.storage.kind === 'typed' ? this.storage.ctor.BYTES_PER_ELEMENT + 1 : this.storage.kind === 'bool' ? 2 : 24;
  }

  /** Appends `n` rows at `at` from `vec` (or nulls/default when absent). */
  append(vec: arrow.Vector | undefined, at: number, n: number): void {
    const st = this.storage;
    // A vector of another type (a WAL entry written before ALTER TABLE ... MODIFY COLUMN,
    // replayed after it) converts as CAST does; a value it cannot convert is NULL, never an
    // error: a throwing entry in the WAL would fail every replay.
    if (vec) vec = castToType(vec, this.arrowType);
    if (st.kind === 'js') {
      const arr = this.values as unknown[];
      if (!vec) { const d = defaultValueOf(this.schema); for (let i = 0; i < n; i++) arr[at + i] = d; return; }
      for (let i = 0; i < n; i++) arr[at + i] = vec.get(i);
      return;
    }
    this.values = grow(this.values as AnyTypedArray, at + n);
    const dst = this.values as AnyTypedArray;
    if (!vec) {
      const dv = defaultValueOf(this.schema);
      if (dv === undefined || dv === null) { this.markNulls(at, n); return; }
      const x = st.kind === 'typed' && st.big ? BigInt(dv as never) : Number(dv);
      for (let i = 0; i < n; i++) (dst as unknown as unknown[])[at + i] = x;
      return;
    }
    const data = vec.data;
    const d0 = data[0];
    if (data.length === 1 && d0 && st.kind === 'typed' && d0.values instanceof st.ctor && vec.type.typeId !== arrow.Type.Bool) {
      (dst as unknown as { set(a: ArrayLike<unknown>, o: number): void }).set((d0.values as AnyTypedArray).subarray(d0.offset, d0.offset + n) as never, at);
      if (d0.nullCount > 0) this.copyValidity(d0, at, n);
      return;
    }
    // Slow path: a Bool column, or a vector in several chunks (of the column's type by now).
    const big = st.kind === 'typed' && st.big;
    for (let i = 0; i < n; i++) {
      const v = vec.get(i);
      if (v === null || v === undefined) { this.markNulls(at + i, 1); (dst as unknown as unknown[])[at + i] = big ? 0n : 0; continue; }
      let x: number | bigint;
      if (big) {
        const num = typeof v === 'bigint' ? undefined : Math.trunc(Number(v));
        if (num !== undefined && !Number.isFinite(num)) { this.markNulls(at + i, 1); (dst as unknown as unknown[])[at + i] = 0n; continue; }
        x = typeof v === 'bigint' ? v : BigInt(num!);
      } else if (st.kind === 'bool') x = v ? 1 : 0;
      else x = Number(v);
      (dst as unknown as unknown[])[at + i] = x;
      if (this.valid) this.ensureValid(at + i + 1)[at + i] = 1;
    }
  }

  private ensureValid(needed: number): Uint8Array {
    if (!this.valid) { this.valid = new Uint8Array(Math.max(1024, needed * 2)); this.valid.fill(1); }
    else if (this.valid.length < needed) { const v = new Uint8Array(Math.max(this.valid.length * 2, needed)); v.fill(1); v.set(this.valid); this.valid = v; }
    return this.valid;
  }

  private markNulls(at: number, n: number): void {
    const v = this.ensureValid(at + n);
    v.fill(0, at, at + n);
  }

  private copyValidity(d: arrow.Data, at: number, n: number): void {
    const v = this.ensureValid(at + n);
    for (let i = 0; i < n; i++) v[at + i] = isValidAt(d, i) ? 1 : 0;
  }

  /** Keeps `valid` covering rows [0, len): rows appended with no null stay valid. */
  touch(len: number): void {
    if (this.valid && this.valid.length < len) this.ensureValid(len);
  }

  /** The rows `perm` as an Arrow vector. */
  gather(perm: Int32Array, n: number): arrow.Vector {
    const st = this.storage;
    let valid: Uint8Array | undefined;
    if (this.valid) {
      valid = new Uint8Array(n);
      const src = this.valid;
      for (let i = 0; i < n; i++) valid[i] = src[perm[i]!]!;
    }
    if (st.kind === 'js') {
      const src = this.values as unknown[];
      const out = new Array<unknown>(n);
      for (let i = 0; i < n; i++) out[i] = valid && !valid[i] ? null : src[perm[i]!];
      return jsVector(this.arrowType, out);
    }
    const src = this.values as AnyTypedArray;
    const out = st.kind === 'typed' ? new st.ctor(n) : new Uint8Array(n);
    for (let i = 0; i < n; i++) (out as unknown as number[])[i] = (src as unknown as number[])[perm[i]!]!;
    return st.kind === 'bool' ? boolVector(this.arrowType, out as Uint8Array, n, valid) : typedVector(this.arrowType, out, n, valid);
  }
}

/**
 * Series of a memtable: tuples of interned tag ids, in an open-addressing
 * hash table over Int32Arrays (no per-series JS objects besides its key).
 */
class SeriesTable {
  ids = new Int32Array(1024);
  count = 0;
  private slots = new Int32Array(1024);
  private hashes = new Int32Array(1024);
  constructor(private readonly k: number) {}

  /** The series of row `row` given per-tag id arrays; `created` is told new series ids. */
  lookup(tagIds: Int32Array[], row: number): number {
    const k = this.k;
    let h = 0x9e3779b9 | 0;
    for (let t = 0; t < k; t++) h = Math.imul(h ^ tagIds[t]![row]!, 0x85ebca6b) ^ (h >>> 13);
    const mask = this.slots.length - 1;
    let slot = h & mask;
    for (;;) {
      const s = this.slots[slot]!;
      if (s === 0) break;
      const sid = s - 1;
      if (this.hashes[sid] === h) {
        let eq = true;
        const base = sid * k;
        for (let t = 0; t < k; t++) if (this.ids[base + t] !== tagIds[t]![row]) { eq = false; break; }
        if (eq) return sid;
      }
      slot = (slot + 1) & mask;
    }
    const sid = this.count++;
    this.ids = grow(this.ids, (sid + 1) * k);
    for (let t = 0; t < k; t++) this.ids[sid * k + t] = tagIds[t]![row]!;
    this.hashes = grow(this.hashes, sid + 1);
    this.hashes[sid] = h;
    this.slots[slot] = sid + 1;
    if (this.count * 2 > this.slots.length) this.rehash();
    return sid;
  }

  private rehash(): void {
    const slots = new Int32Array(this.slots.length * 2);
    const mask = slots.length - 1;
    for (let sid = 0; sid < this.count; sid++) {
      let slot = this.hashes[sid]! & mask;
      while (slots[slot] !== 0) slot = (slot + 1) & mask;
      slots[slot] = sid + 1;
    }
    this.slots = slots;
  }
}

/**
 * A columnar memtable: rows are appended to typed arrays (series id, ts,
 * WAL sequence, op, one array per field); nothing is sorted on write. A scan
 * or flush sorts a snapshot by (series key, ts, sequence) with a counting
 * sort on series ids, so writes stay O(rows).
 *
 * ```
 *  insert(batch) ─▶ intern tags ─▶ series ids ─▶ append ts/seq/op/fields
 *  snapshot()    ─▶ counting sort by series ─▶ per-series ts sort ─▶ dedup ─▶ Chunk
 * ```
 */
export class Memtable {
  readonly tags: ColumnSchema[];
  readonly fields: FieldColumn[];
  readonly timeIndex: string;
  length = 0;
  minSeq = Infinity;
  /** When the first row went in (Date.now()), for the engine's age-based flush. */
  firstInsertMs: number | undefined;
  maxSeq = 0;
  minTs: bigint | undefined;
  maxTs: bigint | undefined;
  private interners: TagInterner[];
  private series: SeriesTable;
  private keys: string[] = [];
  private keyBytes = 0;
  private sid = new Int32Array(1024);
  private tsv = new BigInt64Array(1024);
  private seq = new Float64Array(1024);
  private ops = new Uint8Array(1024);
  private rowBytes: number;
  private snap: { len: number; pkSig: string; chunk: MemtableChunk } | undefined;

  constructor(readonly schema: TableSchema, readonly appendMode: boolean) {
    this.tags = schema.primaryKey.map((n) => schema.columns.find((c) => c.name === n)!);
    this.timeIndex = schema.timeIndex;
    this.fields = schema.columns.filter((c) => c.semantic === 'field').map((c) => new FieldColumn(c));
    this.interners = this.tags.map(() => new TagInterner());
    this.series = new SeriesTable(this.tags.length);
    this.rowBytes = 4 + 8 + 8 + 1 + this.fields.reduce((a, f) => a + f.bytesPerRow(), 0);
  }

  get seriesCount(): number { return this.tags.length === 0 ? (this.length > 0 ? 1 : 0) : this.series.count; }

  /** Approximate bytes held: rows, interned tag values, series tuples and keys. */
  get bytes(): number {
    // Series: tag ids, hash, table slot (x2 for the load factor), key string and its array slot.
    let b = this.length * this.rowBytes + this.series.count * (this.tags.length * 4 + 4 + 8 + 8) + this.keyBytes;
    for (const it of this.interners) b += it.bytes;
    return b;
  }

  /** Appends a batch (already durable in the WAL at `seq`). */
  insert(batch: arrow.RecordBatch, seq: number, op: number): void {
    const n = batch.numRows;
    if (n === 0) return;
    const tsVec = batch.getChild(this.timeIndex);
    if (!tsVec) throw new InvalidArgumentsError(`write is missing the time index column '${this.timeIndex}'`);
    if (tsVec.nullCount > 0) throw new InvalidArgumentsError(`time index column '${this.timeIndex}' has null values`);
    const at = this.length;
    // Series ids.
    this.sid = grow(this.sid, at + n);
    if (this.tags.length === 0) {
      if (this.series.count === 0) { this.series.count = 1; this.keys.push(''); }
      this.sid.fill(0, at, at + n);
    } else {
      const tagIds = this.tags.map(() => new Int32Array(n));
      for (let t = 0; t < this.tags.length; t++) {
        const v = batch.getChild(this.tags[t]!.name);
        if (v) this.interners[t]!.internVector(v, tagIds[t]!);
      }
      const before = this.series.count;
      const sid = this.sid;
      for (let i = 0; i < n; i++) sid[at + i] = this.series.lookup(tagIds, i);
      for (let s = before; s < this.series.count; s++) { const k = this.keyOfSeries(s); this.keys.push(k); this.keyBytes += k.length + 40; }
    }
    // Timestamps.
    this.tsv = grow(this.tsv, at + n);
    const d = tsVec.data.length === 1 ? tsVec.data[0]! : undefined;
    if (d && d.values instanceof BigInt64Array) this.tsv.set(d.values.subarray(d.offset, d.offset + n), at);
    else {
      for (let i = 0; i < n; i++) {
        const v = tsVec.get(i);
        const num = typeof v === 'bigint' ? 0 : Math.trunc(Number(v));
        if (!Number.isFinite(num)) throw new InvalidArgumentsError(`time index column '${this.timeIndex}' has a value that is not a timestamp: ${String(v)}`);
        this.tsv[at + i] = typeof v === 'bigint' ? v : BigInt(num);
      }
    }
    let mn = this.tsv[at]!, mx = mn;
    for (let i = at + 1; i < at + n; i++) { const t = this.tsv[i]!; if (t < mn) mn = t; if (t > mx) mx = t; }
    if (this.minTs === undefined || mn < this.minTs) this.minTs = mn;
    if (this.maxTs === undefined || mx > this.maxTs) this.maxTs = mx;
    this.seq = grow(this.seq, at + n); this.seq.fill(seq, at, at + n);
    this.ops = grow(this.ops, at + n); this.ops.fill(op, at, at + n);
    for (const f of this.fields) {
      f.append(op === OP_DELETE ? undefined : batch.getChild(f.schema.name) ?? undefined, at, n);
      f.touch(at + n);
    }
    this.length = at + n;
    if (seq < this.minSeq) this.minSeq = seq;
    this.firstInsertMs ??= Date.now();
    if (seq > this.maxSeq) this.maxSeq = seq;
  }

  private keyOfSeries(s: number, pk?: readonly string[]): string {
    const k = this.tags.length;
    if (!pk) {
      const vals = new Array<unknown>(k);
      for (let t = 0; t < k; t++) vals[t] = this.interners[t]!.values[this.series.ids[s * k + t]!];
      return seriesKeyOf(vals);
    }
    return seriesKeyOf(pk.map((name) => this.tagOfSeries(s, name)));
  }

  /** UTF-8 bytes of a String tag of series `s` (null: null value, or no such tag in this memtable). */
  tagBytesOfSeries(s: number, name: string): Uint8Array | null {
    const t = this.tags.findIndex((c) => c.name === name);
    if (t < 0) return null;
    return this.interners[t]!.bytesOf(this.series.ids[s * this.tags.length + t]!);
  }

  tagOfSeries(s: number, name: string): unknown {
    const t = this.tags.findIndex((c) => c.name === name);
    if (t < 0) return null;
    return this.interners[t]!.values[this.series.ids[s * this.tags.length + t]!];
  }

  /**
   * A sorted, deduplicated (unless append mode) view of the rows so far,
   * keyed for primary key `pk` (the region's current one). Cached until the
   * next insert.
   */
  snapshot(pk: readonly string[]): MemtableChunk {
    const len = this.length;
    const pkSig = pk.join('\u0000');
    // The sort is cached; gathered columns are not (they belong to one scan and would double memory).
    if (this.snap && this.snap.len === len && this.snap.pkSig === pkSig) return this.snap.chunk.fresh();
    const S = this.tags.length === 0 ? (len > 0 ? 1 : 0) : this.series.count;
    const sid = this.sid, ts = this.tsv, seq = this.seq;
    // Counting sort of rows by series id (stable: keeps arrival order).
    const start = new Int32Array(S + 1);
    for (let i = 0; i < len; i++) start[sid[i]! + 1]!++;
    for (let s = 0; s < S; s++) start[s + 1]! += start[s]!;
    const fill = start.slice(0, S);
    const bySeries = new Int32Array(len);
    for (let i = 0; i < len; i++) bySeries[fill[sid[i]!]!++] = i;
    // Series in key order.
    const sameKeys = pkSig === this.tags.map((c) => c.name).join('\u0000');
    const keys = sameKeys ? this.keys : Array.from({ length: S }, (_, s) => this.keyOfSeries(s, pk));
    const order = Array.from({ length: S }, (_, s) => s).sort((a, b) => (keys[a]! < keys[b]! ? -1 : keys[a]! > keys[b]! ? 1 : 0));
    const perm = new Int32Array(len);
    const pkOut = new Int32Array(len);
    const ordKeys: string[] = [];
    const ordSeries = new Int32Array(S);
    let out = 0;
    for (let o = 0; o < S; o++) {
      const s = order[o]!;
      ordKeys.push(keys[s]!);
      ordSeries[o] = s;
      const a = start[s]!, b = start[s + 1]!;
      let sorted = true;
      for (let i = a + 1; i < b; i++) {
        const p = bySeries[i - 1]!, q = bySeries[i]!;
        if (ts[p]! > ts[q]! || (ts[p] === ts[q] && seq[p]! > seq[q]!)) { sorted = false; break; }
      }
      let rows = bySeries.subarray(a, b);
      if (!sorted) {
        rows = rows.slice().sort((p, q) => (ts[p]! < ts[q]! ? -1 : ts[p]! > ts[q]! ? 1 : seq[p]! - seq[q]! || p - q));
      }
      if (this.appendMode) {
        // Duplicates stay, but a delete marker hides the earlier rows of its key.
        const ops = this.ops;
        for (let i = 0; i < rows.length;) {
          let j = i + 1;
          while (j < rows.length && ts[rows[j]!] === ts[rows[i]!]) j++;
          let from = i;
          for (let x = j - 1; x >= i; x--) if (ops[rows[x]!] === OP_DELETE) { from = x; break; }
          for (let x = from; x < j; x++) { perm[out] = rows[x]!; pkOut[out++] = o; }
          i = j;
        }
      } else {
        // Last write wins: of equal timestamps keep the last (highest seq, then latest row).
        for (let i = 0; i < rows.length; i++) {
          const r = rows[i]!;
          if (i + 1 < rows.length && ts[rows[i + 1]!] === ts[r]) continue;
          perm[out] = r; pkOut[out++] = o;
        }
      }
    }
    const chunk = new MemtableChunk(this, perm.slice(0, out), pkOut.slice(0, out), ordKeys, ordSeries);
    this.snap = { len, pkSig, chunk };
    return chunk.fresh();
  }

  /** Internal arrays for MemtableChunk (read-only use). */
  arrays(): { ts: BigInt64Array; ops: Uint8Array } { return { ts: this.tsv, ops: this.ops }; }
}

/** A memtable snapshot as a sorted chunk; columns are gathered lazily. */
export class MemtableChunk implements Chunk {
  readonly length: number;
  readonly ts: BigInt64Array;
  readonly op: Uint8Array;
  readonly hasDeletes: boolean;
  private cols = new Map<string, arrow.Vector | undefined>();

  constructor(private readonly mem: Memtable, readonly perm: Int32Array, readonly pk: Int32Array,
    private readonly keys: string[], private readonly ordSeries: Int32Array, sorted?: { ts: BigInt64Array; op: Uint8Array; hasDeletes: boolean }) {
    const n = perm.length;
    if (sorted) { this.length = n; this.ts = sorted.ts; this.op = sorted.op; this.hasDeletes = sorted.hasDeletes; return; }
    this.length = n;
    const { ts, ops } = mem.arrays();
    this.ts = new BigInt64Array(n);
    this.op = new Uint8Array(n);
    let del = false;
    for (let i = 0; i < n; i++) { const r = perm[i]!; this.ts[i] = ts[r]!; const o = ops[r]!; this.op[i] = o; if (o !== 0) del = true; }
    this.hasDeletes = del;
  }

  /** The same sorted rows with an empty column cache. */
  fresh(): MemtableChunk {
    return new MemtableChunk(this.mem, this.perm, this.pk, this.keys, this.ordSeries, { ts: this.ts, op: this.op, hasDeletes: this.hasDeletes });
  }

  keyAt(row: number): string { return this.keys[this.pk[row]!]!; }

  tagValue(name: string, row: number): unknown { return this.mem.tagOfSeries(this.ordSeries[this.pk[row]!]!, name); }

  tagBytes(name: string, row: number): Uint8Array | null { return this.mem.tagBytesOfSeries(this.ordSeries[this.pk[row]!]!, name); }

  column(name: string): arrow.Vector | undefined {
    if (this.cols.has(name)) return this.cols.get(name);
    const v = this.build(name);
    this.cols.set(name, v);
    return v;
  }

  private build(name: string): arrow.Vector | undefined {
    const n = this.length;
    if (name === this.mem.timeIndex) {
      const c = this.mem.schema.columns.find((x) => x.name === name)!;
      return typedVector(toArrowType(c.type), this.ts, n);
    }
    const tag = this.mem.tags.find((c) => c.name === name);
    if (tag) {
      const S = this.keys.length;
      const vals = new Array<unknown>(S);
      for (let o = 0; o < S; o++) vals[o] = this.mem.tagOfSeries(this.ordSeries[o]!, name);
      if (tag.type.name === 'String') {
        // A dictionary over the series' values, indexed by series ordinal: no per-row work.
        const valid = new Uint8Array(n);
        let nulls = 0;
        for (let i = 0; i < n; i++) { if (vals[this.pk[i]!] === null || vals[this.pk[i]!] === undefined) nulls++; else valid[i] = 1; }
        const dict = arrow.vectorFromArray(vals.map((v) => (v === null || v === undefined ? '' : String(v))), new arrow.Utf8());
        const type = new arrow.Dictionary(new arrow.Utf8(), new arrow.Int32());
        // A copy per column: Arrow JS IPC mis-writes one buffer shared by two columns.
        return arrow.makeVector(arrow.makeData({ type, length: n, data: this.pk.slice(), dictionary: dict, nullCount: nulls,
          ...(nulls ? { nullBitmap: packValidity(valid, n).bitmap } : {}) }));
      }
      const out = new Array<unknown>(n);
      for (let i = 0; i < n; i++) out[i] = vals[this.pk[i]!];
      return jsVector(toArrowType(tag.type), out);
    }
    const f = this.mem.fields.find((x) => x.schema.name === name);
    return f ? f.gather(this.perm, n) : undefined;
  }
}
