import * as arrow from 'apache-arrow';
import { fixedData, recordBatchOf } from '@strata/kernel';
import { OP_COLUMN, PK_COLUMN, type Chunk } from './chunk.js';
import type { AnyTypedArray } from './growable.js';
import { castToType, isValidAt, packValidity, sameValueType, utf8Vector } from './vectors.js';

/** One output column: its name and Arrow type (from the region's current schema). */
export interface OutputColumn {
  readonly name: string;
  readonly type: arrow.DataType;
  readonly isTime: boolean;
  /** A primary-key column: constant within a series, so String tags can be built once per series run. */
  readonly isTag?: boolean;
  /**
   * A String tag output as Arrow `Dictionary<Int32, Utf8>`: each batch's
   * distinct values once and an index per row (ScanRequest.dictionaryTags).
   */
  readonly dictionary?: boolean;
  /**
   * The value of rows whose chunk predates the column (it was added by ALTER
   * after they were written): the column's literal default, as GreptimeDB's
   * compat reader fills it; absent = NULL.
   */
  readonly fill?: unknown;
}

/**
 * Collects row ranges of chunks and turns them into Arrow record batches,
 * copying typed-array ranges with `set` (no per-row objects). Columns a chunk
 * lacks (added after it was written) come out as their `fill` value (the
 * default) or null; a column whose type changed since (MODIFY COLUMN) is cast
 * to the current type as SQL CAST does, unconvertible values reading as NULL.
 */
export class OutputBuilder {
  private segChunk: Chunk[] = [];
  private segStart: number[] = [];
  private segEnd: number[] = [];
  private segSeries: number[] = [];
  rows = 0;
  private readonly schema: arrow.Schema;

  constructor(readonly columns: readonly OutputColumn[], readonly internal: boolean) {
    const fields = columns.map((c) => new arrow.Field(c.name, c.dictionary ? new arrow.Dictionary(new arrow.Utf8(), new arrow.Int32()) : c.type, true));
    if (internal) fields.push(new arrow.Field(OP_COLUMN, new arrow.Uint8(), false), new arrow.Field(PK_COLUMN, new arrow.Int32(), false));
    this.schema = new arrow.Schema(fields);
  }

  add(chunk: Chunk, start: number, end: number, series: number): void {
    if (end <= start) return;
    const last = this.segChunk.length - 1;
    if (last >= 0 && this.segChunk[last] === chunk && this.segEnd[last] === start && this.segSeries[last] === series) {
      this.segEnd[last] = end;
    } else {
      this.segChunk.push(chunk); this.segStart.push(start); this.segEnd.push(end); this.segSeries.push(series);
    }
    this.rows += end - start;
  }

  /**
   * Builds a batch of the first `max` rows added (all by default) and keeps
   * the rest. With `chunkAligned`, when the rows of the first chunk come back
   * to back and rows of other chunks follow, the batch is those rows alone
   * (fewer than `max`): its typed columns are then views of the chunk's
   * buffers (see view), where a batch spanning two chunks is copied, and the
   * next batch starts at a chunk's start too. Meant for a merge of one source,
   * whose chunks come one after another; callers take until undefined.
   */
  take(max = Infinity, chunkAligned = false): arrow.RecordBatch | undefined {
    if (this.rows === 0) return undefined;
    if (chunkAligned && this.segChunk.length > 1 && this.segChunk[this.segChunk.length - 1] !== this.segChunk[0]) {
      const first = this.segChunk[0]!;
      let k = 1;
      while (k < this.segChunk.length && this.segChunk[k] === first && this.segStart[k] === this.segEnd[k - 1]) k++;
      if (this.segChunk[k] !== first) {
        const rows = this.segEnd[k - 1]! - this.segStart[0]!;
        if (rows < max) max = rows;
      }
    }
    let rest: { c: Chunk[]; a: number[]; b: number[]; s: number[] } | undefined;
    if (this.rows > max) {
      let acc = 0, k = 0;
      while (acc + this.segEnd[k]! - this.segStart[k]! <= max) { acc += this.segEnd[k]! - this.segStart[k]!; k++; }
      const cut = this.segStart[k]! + (max - acc);
      rest = { c: this.segChunk.slice(k), a: this.segStart.slice(k), b: this.segEnd.slice(k), s: this.segSeries.slice(k) };
      rest.a[0] = cut;
      this.segChunk.length = k + 1; this.segStart.length = k + 1; this.segEnd.length = k + 1; this.segSeries.length = k + 1;
      this.segEnd[k] = cut;
      if (cut === this.segStart[k]) { this.segChunk.length = k; this.segStart.length = k; this.segEnd.length = k; this.segSeries.length = k; }
      this.rows = max;
    }
    const n = this.rows;
    // One chunk, its ranges back to back (a scan without a time filter over
    // one source): typed columns can be views of the chunk's buffers.
    let contiguous = true;
    for (let s = 1; s < this.segChunk.length && contiguous; s++) {
      contiguous = this.segChunk[s] === this.segChunk[0] && this.segStart[s] === this.segEnd[s - 1];
    }
    const fields = this.schema.fields;
    const children: arrow.Data[] = this.columns.map((c, i) => (c.dictionary
      ? gatherTagDictionary(c.name, fields[i]!.type as arrow.Dictionary<arrow.Utf8, arrow.Int32>, this.segChunk, this.segStart, this.segEnd, n)
      : this.gather(c, n, contiguous)));
    if (this.internal) {
      const op = new Uint8Array(n), pk = new Int32Array(n);
      let pos = 0;
      for (let s = 0; s < this.segChunk.length; s++) {
        const ch = this.segChunk[s]!, a = this.segStart[s]!, b = this.segEnd[s]!;
        op.set(ch.op.subarray(a, b), pos); pk.fill(this.segSeries[s]!, pos, pos + b - a); pos += b - a;
      }
      children.push(arrow.makeData({ type: new arrow.Uint8(), length: n, data: op }), arrow.makeData({ type: new arrow.Int32(), length: n, data: pk }));
    }
    if (rest) {
      this.segChunk = rest.c; this.segStart = rest.a; this.segEnd = rest.b; this.segSeries = rest.s;
      let r = 0;
      for (let i = 0; i < rest.a.length; i++) r += rest.b[i]! - rest.a[i]!;
      this.rows = r;
    } else {
      this.segChunk = []; this.segStart = []; this.segEnd = []; this.segSeries = []; this.rows = 0;
    }
    return recordBatchOf(this.schema, children, n);
  }

  /**
   * Column `c` of rows [segStart[0], segStart[0] + n) of the single chunk as
   * a view of its buffer (no copy), when it is a typed column of the output
   * type without nulls; undefined otherwise.
   */
  private view(c: OutputColumn, n: number): arrow.Data | undefined {
    const ch = this.segChunk[0]!, a = this.segStart[0]!;
    const type = c.type;
    if (c.isTime) return fixedData(type, n, ch.ts.subarray(a, a + n), undefined, 0);
    const ctor = typedCtor(type);
    const v = this.columnOf(ch, c);
    if (!ctor || !v || v.data.length !== 1 || v.type.typeId !== type.typeId) return undefined;
    const d = v.data[0]!;
    if (d.nullCount !== 0 || !(d.values instanceof ctor)) return undefined;
    return fixedData(type, n, (d.values as AnyTypedArray).subarray(d.offset + a, d.offset + a + n), undefined, 0);
  }

  /**
   * Chunk `ch`'s column `c` as `c.type` (cast once per chunk when the chunk
   * holds an older type), or a constant column of `c.fill` when the chunk
   * predates the column and it has one.
   */
  private columnOf(ch: Chunk, c: OutputColumn): arrow.Vector | undefined {
    const v = ch.column(c.name);
    if (v) return sameValueType(v.type, c.type) ? v : castColumnOf(ch, c, v);
    if (c.fill === undefined || c.fill === null) return v;
    let byName = filled.get(ch);
    if (!byName) { byName = new Map(); filled.set(ch, byName); }
    let f = byName.get(c.name);
    if (!f || f.type.typeId !== c.type.typeId) {
      const ctor = typedCtor(c.type);
      // Timestamps and 64-bit integers live in bigint arrays, whatever type the default value has.
      const big = ctor === BigInt64Array || ctor === BigUint64Array;
      const value = big && typeof c.fill !== 'bigint' ? BigInt(c.fill as number) : c.fill;
      f = ctor && !arrow.DataType.isBool(c.type)
        ? arrow.makeVector(fixedData(c.type, ch.length, (new ctor(ch.length) as unknown as { fill(x: unknown): AnyTypedArray }).fill(value), undefined, 0))
        : arrow.vectorFromArray(new Array<unknown>(ch.length).fill(c.fill) as never, c.type);
      byName.set(c.name, f);
    }
    return f;
  }

  private gather(c: OutputColumn, n: number, contiguous: boolean): arrow.Data {
    const type = c.type;
    if (contiguous) {
      const d = this.view(c, n);
      if (d) return d;
    }
    if (c.isTag && c.fill === undefined && type.typeId === arrow.Type.Utf8 && this.segChunk.every((ch) => ch.tagBytes !== undefined)) {
      return gatherTagRuns(c.name, this.segChunk, this.segStart, this.segEnd, n);
    }
    if (c.isTime) {
      const out = new BigInt64Array(n);
      let pos = 0;
      for (let s = 0; s < this.segChunk.length; s++) {
        const a = this.segStart[s]!, b = this.segEnd[s]!;
        out.set(this.segChunk[s]!.ts.subarray(a, b), pos); pos += b - a;
      }
      return fixedData(type, n, out, undefined, 0);
    }
    const sources = this.segChunk.map((ch) => this.columnOf(ch, c));
    const ctor = typedCtor(type);
    if (ctor && sources.every((v) => v === undefined || (v.data.length === 1 && v.data[0]!.values instanceof ctor && v.type.typeId === type.typeId))) {
      const out = new ctor(n) as AnyTypedArray;
      let valid: Uint8Array | undefined;
      let pos = 0;
      for (let s = 0; s < sources.length; s++) {
        const a = this.segStart[s]!, b = this.segEnd[s]!;
        const v = sources[s];
        if (!v) {
          valid ??= new Uint8Array(n).fill(1);
          valid.fill(0, pos, pos + b - a);
        } else {
          const d = v.data[0]!;
          (out as unknown as { set(x: unknown, o: number): void }).set((d.values as AnyTypedArray).subarray(d.offset + a, d.offset + b), pos);
          if (d.nullCount > 0) {
            valid ??= new Uint8Array(n).fill(1);
            for (let i = a; i < b; i++) if (!isValidAt(d, i)) valid[pos + i - a] = 0;
          }
        }
        pos += b - a;
      }
      if (!valid) return fixedData(type, n, out, undefined, 0);
      const { bitmap, nullCount } = packValidity(valid, n);
      return fixedData(type, n, out, bitmap, nullCount);
    }
    if (type.typeId === arrow.Type.Utf8 && sources.every((v) => v === undefined || (v.data.length === 1 && v.type.typeId === arrow.Type.Utf8))) {
      let total = 0;
      for (let s = 0; s < sources.length; s++) {
        const v = sources[s];
        if (!v) continue;
        const d = v.data[0]!, o = d.valueOffsets as Int32Array;
        total += o[d.offset + this.segEnd[s]!]! - o[d.offset + this.segStart[s]!]!;
      }
      const offsets = new Int32Array(n + 1);
      const bytes = new Uint8Array(total);
      let valid: Uint8Array | undefined;
      let pos = 0, bpos = 0;
      for (let s = 0; s < sources.length; s++) {
        const a = this.segStart[s]!, b = this.segEnd[s]!;
        const v = sources[s];
        if (!v) {
          valid ??= new Uint8Array(n).fill(1);
          for (let i = a; i < b; i++) { valid[pos] = 0; offsets[++pos] = bpos; }
          continue;
        }
        const d = v.data[0]!, o = d.valueOffsets as Int32Array, buf = d.values as Uint8Array;
        const b0 = o[d.offset + a]!, b1 = o[d.offset + b]!;
        bytes.set(buf.subarray(b0, b1), bpos);
        const shift = bpos - b0;
        for (let i = a; i < b; i++) offsets[++pos] = o[d.offset + i + 1]! + shift;
        bpos += b1 - b0;
        if (d.nullCount > 0) {
          valid ??= new Uint8Array(n).fill(1);
          for (let i = a; i < b; i++) if (!isValidAt(d, i)) valid[pos - (b - i)] = 0;
        }
      }
      return utf8Vector(offsets, bytes, n, valid).data[0]!;
    }
    if (type.typeId === arrow.Type.Utf8 && sources.every((v) => v === undefined || (v.data.length === 1 && arrow.DataType.isDictionary(v.type)
      && v.data[0]!.dictionary?.type.typeId === arrow.Type.Utf8 && v.data[0]!.dictionary.data.length === 1))) {
      return gatherDictionary(sources, { segStart: this.segStart, segEnd: this.segEnd }, n);
    }
    // Slow path: value by value (the sources are of the output type: see columnOf).
    const builder = arrow.makeBuilder({ type, nullValues: [null, undefined] });
    for (let s = 0; s < sources.length; s++) {
      const v = sources[s];
      for (let i = this.segStart[s]!; i < this.segEnd[s]!; i++) builder.append((v ? v.get(i) : null) as never);
    }
    return builder.finish().flush();
  }
}

/** Constant columns standing in for columns a chunk predates, by chunk (they live as long as it). */
const filled = new WeakMap<Chunk, Map<string, arrow.Vector>>();

/** Columns of a chunk cast to a later type of theirs, by chunk (a chunk appears in many segments). */
const cast = new WeakMap<Chunk, Map<string, arrow.Vector>>();

function castColumnOf(ch: Chunk, c: OutputColumn, v: arrow.Vector): arrow.Vector {
  let byName = cast.get(ch);
  if (!byName) { byName = new Map(); cast.set(ch, byName); }
  const hit = byName.get(c.name);
  if (hit && sameValueType(hit.type, c.type)) return hit;
  const out = castToType(v, c.type);
  byName.set(c.name, out);
  return out;
}

/**
 * A String tag from the chunks' tagBytes: every row of a segment belongs to
 * one series (see OutputBuilder.add), so its value is fetched once per
 * segment — already UTF-8, no decoding or encoding — and copied by doubling.
 */
function gatherTagRuns(name: string, chunks: readonly Chunk[], starts: readonly number[], ends: readonly number[], n: number): arrow.Data {
  // Runs of one series: [chunk, start, end) each, split where a segment spans series (not expected).
  const runChunk: Chunk[] = [], runStart: number[] = [], runEnd: number[] = [];
  for (let s = 0; s < chunks.length; s++) {
    const ch = chunks[s]!, a = starts[s]!, b = ends[s]!;
    if (ch.pk[a] === ch.pk[b - 1]) { runChunk.push(ch); runStart.push(a); runEnd.push(b); continue; }
    for (let i = a; i < b;) {
      let j = i + 1;
      while (j < b && ch.pk[j] === ch.pk[i]) j++;
      runChunk.push(ch); runStart.push(i); runEnd.push(j);
      i = j;
    }
  }
  const vals = new Array<Uint8Array | null>(runChunk.length);
  let total = 0;
  let anyNull = false;
  for (let r = 0; r < runChunk.length; r++) {
    const v = runChunk[r]!.tagBytes!(name, runStart[r]!);
    vals[r] = v;
    if (v) total += v.length * (runEnd[r]! - runStart[r]!); else anyNull = true;
  }
  const offsets = new Int32Array(n + 1);
  const bytes = new Uint8Array(total);
  const valid = anyNull ? new Uint8Array(n).fill(1) : undefined;
  let pos = 0, bpos = 0;
  for (let r = 0; r < runChunk.length; r++) {
    const k = runEnd[r]! - runStart[r]!;
    const v = vals[r];
    if (!v) {
      valid!.fill(0, pos, pos + k);
      offsets.fill(bpos, pos + 1, pos + k + 1);
      pos += k;
      continue;
    }
    const len = v.length;
    if (len > 0) {
      if (len < 16) for (let q = 0; q < len; q++) bytes[bpos + q] = v[q]!;
      else bytes.set(v, bpos);
      for (let filled = 1; filled < k;) {
        const c = Math.min(filled, k - filled);
        bytes.copyWithin(bpos + filled * len, bpos, bpos + c * len);
        filled += c;
      }
    }
    for (let t = 0; t < k; t++) { bpos += len; offsets[++pos] = bpos; }
  }
  return utf8Vector(offsets, bytes, n, valid).data[0]!;
}

const utf8 = new TextEncoder();

/**
 * A String tag as dictionary-encoded data: every row of a segment belongs to
 * one series (see OutputBuilder.add), so the value is looked up once per
 * series run and the run's indexes are one fill. The dictionary holds the
 * batch's distinct values (tag bytes from the chunk where it has them).
 */
function gatherTagDictionary(name: string, type: arrow.Dictionary<arrow.Utf8, arrow.Int32>, chunks: readonly Chunk[], starts: readonly number[],
  ends: readonly number[], n: number): arrow.Data {
  const indexes = new Int32Array(n);
  const codes = new Map<string, number>();
  const entries: Uint8Array[] = [];
  let valid: Uint8Array | undefined;
  let pos = 0;
  for (let s = 0; s < chunks.length; s++) {
    const ch = chunks[s]!, a = starts[s]!, b = ends[s]!;
    const oneSeries = ch.pk[a] === ch.pk[b - 1];
    for (let i = a; i < b;) {
      let j = b;
      if (!oneSeries) { j = i + 1; while (j < b && ch.pk[j] === ch.pk[i]) j++; }
      const v = ch.tagValue(name, i);
      if (v === null || v === undefined) {
        valid ??= new Uint8Array(n).fill(1);
        valid.fill(0, pos, pos + j - i);
      } else {
        const key = typeof v === 'string' ? v : String(v);
        let code = codes.get(key);
        if (code === undefined) {
          code = entries.length;
          codes.set(key, code);
          entries.push(ch.tagBytes?.(name, i) ?? utf8.encode(key));
        }
        if (code !== 0) indexes.fill(code, pos, pos + j - i);
      }
      pos += j - i;
      i = j;
    }
  }
  let total = 0;
  for (const e of entries) total += e.length;
  const offsets = new Int32Array(entries.length + 1);
  const bytes = new Uint8Array(total);
  let bpos = 0;
  for (let k = 0; k < entries.length; k++) { bytes.set(entries[k]!, bpos); bpos += entries[k]!.length; offsets[k + 1] = bpos; }
  const dictionary = utf8Vector(offsets, bytes, entries.length);
  if (!valid) return arrow.makeData({ type, length: n, data: indexes, nullCount: 0, dictionary });
  const { bitmap, nullCount } = packValidity(valid, n);
  return arrow.makeData({ type, length: n, data: indexes, nullBitmap: nullCount ? bitmap : undefined, nullCount, dictionary });
}

/** Utf8 output from dictionary-encoded sources (tags read back from SSTs): copies each row's bytes. */
function gatherDictionary(sources: Array<arrow.Vector | undefined>, self: { segStart: number[]; segEnd: number[] }, n: number): arrow.Data {
  let total = 0;
  for (let s = 0; s < sources.length; s++) {
    const v = sources[s];
    if (!v) continue;
    const d = v.data[0]!, dd = d.dictionary!.data[0]!, o = dd.valueOffsets as Int32Array, idx = d.values as Int32Array;
    const nullable = d.nullCount > 0;
    for (let i = self.segStart[s]!; i < self.segEnd[s]!; i++) {
      // A null row's index may point anywhere (or past the dictionary): it takes no bytes.
      if (nullable && !isValidAt(d, i)) continue;
      const k = idx[d.offset + i]!;
      total += o[dd.offset + k + 1]! - o[dd.offset + k]!;
    }
  }
  const offsets = new Int32Array(n + 1);
  const bytes = new Uint8Array(total);
  let valid: Uint8Array | undefined;
  let pos = 0, bpos = 0;
  for (let s = 0; s < sources.length; s++) {
    const a = self.segStart[s]!, b = self.segEnd[s]!;
    const v = sources[s];
    if (!v) {
      valid ??= new Uint8Array(n).fill(1);
      for (let i = a; i < b; i++) { valid[pos] = 0; offsets[++pos] = bpos; }
      continue;
    }
    const d = v.data[0]!, dd = d.dictionary!.data[0]!, o = dd.valueOffsets as Int32Array, buf = dd.values as Uint8Array, idx = d.values as Int32Array;
    const nullable = d.nullCount > 0;
    for (let i = a; i < b;) {
      if (nullable && !isValidAt(d, i)) { valid ??= new Uint8Array(n).fill(1); valid[pos] = 0; offsets[++pos] = bpos; i++; continue; }
      const k = idx[d.offset + i]!;
      // Rows of one series share their tags: copy a run's value once, then double it.
      let j = i + 1;
      if (!nullable) while (j < b && idx[d.offset + j] === k) j++;
      const r = j - i;
      const x = o[dd.offset + k]!, y = o[dd.offset + k + 1]!, len = y - x;
      if (len < 16) for (let q = x; q < y; q++) bytes[bpos + q - x] = buf[q]!;
      else bytes.set(buf.subarray(x, y), bpos);
      for (let filled = 1; filled < r;) {
        const c = Math.min(filled, r - filled);
        bytes.copyWithin(bpos + filled * len, bpos, bpos + c * len);
        filled += c;
      }
      for (let t = 0; t < r; t++) { bpos += len; offsets[++pos] = bpos; }
      i = j;
    }
  }
  return utf8Vector(offsets, bytes, n, valid).data[0]!;
}

function typedCtor(t: arrow.DataType): (new (n: number) => AnyTypedArray) | undefined {
  switch (t.typeId) {
    case arrow.Type.Int: {
      const i = t as arrow.Int;
      switch (i.bitWidth) {
        case 8: return i.isSigned ? Int8Array : Uint8Array;
        case 16: return i.isSigned ? Int16Array : Uint16Array;
        case 32: return i.isSigned ? Int32Array : Uint32Array;
        case 64: return i.isSigned ? BigInt64Array : BigUint64Array;
      }
      return undefined;
    }
    case arrow.Type.Float: {
      const p = (t as arrow.Float).precision;
      return p === arrow.Precision.DOUBLE ? Float64Array : p === arrow.Precision.SINGLE ? Float32Array : undefined;
    }
    case arrow.Type.Timestamp: return BigInt64Array;
    case arrow.Type.Date: return (t as arrow.Date_).unit === arrow.DateUnit.DAY ? Int32Array : undefined;
    default: return undefined;
  }
}
