import * as arrow from 'apache-arrow';
import type { ScanMetrics } from '@strata/kernel';
import { OP_DELETE, type Chunk } from './chunk.js';
import { OutputBuilder, type OutputColumn } from './output-builder.js';

/** A stream of chunks in (series key, ts) order, with a priority: higher = newer data. */
export interface ChunkSource {
  readonly priority: number;
  /**
   * True when the source holds only each series' newest rows (a last-row
   * cache), not all of them: a last-row merge that would need an older row of
   * it (the newest row was deleted) throws LastRowMiss instead of guessing.
   */
  readonly partial?: boolean;
  next(): Promise<Chunk | undefined>;
  close?(): void;
}

export interface MergeOptions {
  readonly columns: readonly OutputColumn[];
  /** Adds `__op_type` and `__pk_id` (for SST writing). */
  readonly internal: boolean;
  readonly timeStart?: bigint;
  readonly timeEnd?: bigint;
  /** Series-level filter on tag values (tag predicates); false drops the series. */
  readonly seriesFilter?: (tag: (name: string) => unknown) => boolean;
  readonly batchSize: number;
  readonly limit?: number;
  readonly appendMode: boolean;
  /** Keep delete markers in the output (a compaction that cannot see every older row). */
  readonly keepDeletes: boolean;
  readonly metrics?: ScanMetrics;
  readonly signal?: AbortSignal;
  /** Emit only each series' newest surviving row (ScanRequest.seriesRowSelector = 'last_row'). */
  readonly lastRow?: boolean;
  /**
   * Row-level filter on field values (ScanRequest predicates the engine can
   * test exactly, see rowFilterOf): only rows it keeps are output. Not used
   * with `lastRow` (the newest row must be found before filtering) or `internal`.
   */
  readonly rowFilter?: RowFilter;
}

/** Calls `emit` for each run of rows of [start, end) of `chunk` that pass. */
export type RowFilter = (chunk: Chunk, start: number, end: number, emit: (s: number, e: number) => void) => void;

/** Where merged row ranges go: the output builder, or a filter in front of it. */
interface RowSink { add(chunk: Chunk, start: number, end: number, series: number): void }

/**
 * A field predicate the row filter tests: IS NOT NULL, or a comparison of a
 * column stored as `kind` (f64: Float64; int: 8 to 32-bit integers; big:
 * 64-bit integers) with a value of the same class (a number; an integral
 * number for int; a bigint for big), so the comparison is exact.
 */
export interface FieldTest {
  readonly column: string;
  readonly op: '=' | '!=' | '<' | '<=' | '>' | '>=' | 'is not null';
  readonly kind: 'f64' | 'int' | 'big';
  readonly value?: number | bigint;
  /** What rows of a chunk that predates the column read as (its default); absent = NULL. */
  readonly fill?: number | bigint;
}

function storedAs(values: unknown, kind: FieldTest['kind']): boolean {
  switch (kind) {
    case 'f64': return values instanceof Float64Array;
    case 'big': return values instanceof BigInt64Array || values instanceof BigUint64Array;
    case 'int': return values instanceof Int32Array || values instanceof Int16Array || values instanceof Int8Array
      || values instanceof Uint32Array || values instanceof Uint16Array || values instanceof Uint8Array;
  }
}

/**
 * The row filter of field predicates over numeric columns, or undefined when
 * there are none. It keeps a superset of what the query engine's filter keeps
 * (which runs again above the scan): a NULL or absent value fails a
 * comparison as in SQL, and NaN always passes (the engine decides).
 */
export function rowFilterOf(tests: readonly FieldTest[]): RowFilter | undefined {
  if (tests.length === 0) return undefined;
  let lastChunk: Chunk | undefined;
  // Per test, for the current chunk: the column's values, 'absent' (the chunk predates the column and its
  // default, or NULL, fails the test),
  // or 'skip' (a layout not read here: the test passes every row).
  type Col = { values: ArrayLike<number | bigint>; bitmap: Uint8Array | null; offset: number };
  let cols: Array<Col | 'absent' | 'skip'> = [];
  const pass = (t: FieldTest, v: number | bigint): boolean => {
    if (v !== v) return true; // NaN
    const x = t.value!;
    switch (t.op) {
      case '=': return v == x; // eslint-disable-line eqeqeq
      case '!=': return v != x; // eslint-disable-line eqeqeq
      case '<': return v < x;
      case '<=': return v <= x;
      case '>': return v > x;
      case '>=': return v >= x;
      default: return true;
    }
  };
  return (chunk, start, end, emit) => {
    if (chunk !== lastChunk) {
      lastChunk = chunk;
      cols = tests.map((t) => {
        const vec = chunk.column(t.column);
        // A chunk older than the column reads it as its default (or NULL): one value for every row.
        if (!vec) return t.fill !== undefined && pass(t, t.fill) ? 'skip' : 'absent';
        if (vec.data.length !== 1) return 'skip';
        const d = vec.data[0]!;
        const values = d.values as unknown;
        // A file written before the column's type changed stores other values: not tested here.
        if (!storedAs(values, t.kind) || !(t.kind === 'f64' ? arrow.DataType.isFloat(d.type) : arrow.DataType.isInt(d.type))) return 'skip';
        return { values: values as ArrayLike<number | bigint>, bitmap: d.nullCount > 0 ? d.nullBitmap : null, offset: d.offset };
      });
    }
    if (cols.includes('absent')) return;
    let runStart = -1;
    for (let i = start; i < end; i++) {
      let ok = true;
      for (let k = 0; k < tests.length && ok; k++) {
        const c = cols[k]!;
        if (c === 'skip' || c === 'absent') continue;
        const t = tests[k]!;
        if (c.bitmap) { const j = c.offset + i; if (((c.bitmap[j >> 3]! >> (j & 7)) & 1) === 0) { ok = false; break; } }
        if (t.op !== 'is not null') ok = pass(t, c.values[i]!);
      }
      if (ok) { if (runStart < 0) runStart = i; } else if (runStart >= 0) { emit(runStart, i); runStart = -1; }
    }
    if (runStart >= 0) emit(runStart, end);
  };
}

/** A last-row merge over partial sources met a deleted newest row: read the full data instead. */
export class LastRowMiss extends Error {
  constructor() { super('last-row cache cannot answer: the newest row of a series is deleted'); }
}

class Cursor {
  chunk!: Chunk;
  pos = 0;
  key = '';
  constructor(readonly source: ChunkSource) {}
  /** Moves to the next non-empty chunk; false at the end. */
  async load(): Promise<boolean> {
    for (;;) {
      const c = await this.source.next();
      if (!c) return false;
      if (c.length === 0) continue;
      this.chunk = c; this.pos = 0; this.key = c.keyAt(0);
      return true;
    }
  }
}

interface Piece { chunk: Chunk; start: number; end: number; prio: number; partial: boolean }

/**
 * The k-way merge of sorted sources. Keys are compared once per series per
 * source; inside a series, a single source's range is copied as is (the
 * common case after compaction) and several sources are merged by ts with
 * last-write-wins by priority.
 */
export async function* mergeChunks(sources: readonly ChunkSource[], o: MergeOptions): AsyncGenerator<arrow.RecordBatch> {
  const builder = new OutputBuilder(o.columns, o.internal);
  // One source's chunks come one after another: query batches then end where a chunk does, so
  // that typed columns can be views of its buffers (OutputBuilder.take). Several sources
  // interleave series by series, and SST writing takes what it is given.
  const aligned = !o.internal && sources.length === 1;
  const filter = o.rowFilter && !o.lastRow && !o.internal ? o.rowFilter : undefined;
  const out: RowSink = filter
    ? { add: (chunk, start, end, series) => filter(chunk, start, end, (s, e) => builder.add(chunk, s, e, series)) }
    : builder;
  let cursors: Cursor[] = [];
  try {
    for (const s of sources) { const c = new Cursor(s); if (await c.load()) cursors.push(c); }
    let ord = 0;
    let returned = 0;
    const limit = o.limit ?? Infinity;
    while (cursors.length > 0) {
      if (o.signal?.aborted) throw o.signal.reason ?? new Error('scan aborted');
      let minKey = cursors[0]!.key;
      for (let i = 1; i < cursors.length; i++) if (cursors[i]!.key < minKey) minKey = cursors[i]!.key;
      const pieces: Piece[] = [];
      let exhausted = false;
      for (const c of cursors) {
        if (c.key !== minKey) continue;
        for (;;) {
          const ch = c.chunk, s = c.pos;
          const e = seriesEnd(ch.pk, s, ch.length);
          pieces.push({ chunk: ch, start: s, end: e, prio: c.source.priority, partial: !!c.source.partial });
          if (e < ch.length) { c.pos = e; c.key = ch.keyAt(e); break; }
          if (!(await c.load())) { c.pos = -1; exhausted = true; break; }
          if (c.key !== minKey) break;
        }
      }
      if (exhausted) cursors = cursors.filter((c) => c.pos >= 0);
      let scanned = 0;
      for (const p of pieces) scanned += p.end - p.start;
      if (o.metrics) o.metrics.rowsScanned += scanned;
      const first = pieces[0]!;
      if (o.seriesFilter && !o.seriesFilter((name) => first.chunk.tagValue(name, first.start))) continue;
      emitSeries(pieces, ord++, out, o);
      while (builder.rows >= o.batchSize || returned + builder.rows >= limit) {
        const b = builder.take(Math.min(o.batchSize, limit - returned), aligned);
        if (!b) break;
        returned += b.numRows;
        if (o.metrics) o.metrics.rowsReturned += b.numRows;
        yield b;
        if (returned >= limit) return;
      }
    }
    for (;;) {
      const b = builder.take(Math.min(o.batchSize, limit - returned), aligned);
      if (!b) break;
      returned += b.numRows;
      if (o.metrics) o.metrics.rowsReturned += b.numRows;
      yield b;
      if (returned >= limit) return;
    }
  } finally {
    for (const s of sources) s.close?.();
  }
}

/**
 * The end of the run of pk[s]'s series in pk[s..n) (pk is non-decreasing):
 * galloping, then a binary search, so a series of r rows costs O(log r)
 * reads instead of r.
 */
export function seriesEnd(pk: Int32Array, s: number, n: number): number {
  const p = pk[s]!;
  // pk[a] is p; gallop to the first probe that is not (or the end), then halve: pk[b] is not p, or b = n.
  let a = s, step = 1;
  while (a + step < n && pk[a + step] === p) { a += step; step *= 2; }
  let b = Math.min(a + step, n);
  while (b - a > 1) { const m = (a + b) >>> 1; if (pk[m] === p) a = m; else b = m; }
  return b;
}

function lowerBound(ts: BigInt64Array, a: number, b: number, t: bigint): number {
  while (a < b) { const m = (a + b) >>> 1; if (ts[m]! < t) a = m + 1; else b = m; }
  return a;
}

/** Emits one source's range of a series, skipping delete markers unless they are kept. */
function emitBlock(p: Piece, ord: number, out: RowSink, o: MergeOptions): void {
  const { chunk, start, end } = p;
  if (!chunk.hasDeletes || o.keepDeletes) { out.add(chunk, start, end, ord); return; }
  const op = chunk.op;
  let i = start;
  while (i < end) {
    while (i < end && op[i] === OP_DELETE) i++;
    const s = i;
    while (i < end && op[i] !== OP_DELETE) i++;
    out.add(chunk, s, i, ord);
  }
}

function emitSeries(pieces: Piece[], ord: number, out: RowSink, o: MergeOptions): void {
  const live: Piece[] = [];
  for (const p of pieces) {
    if (o.timeStart !== undefined) p.start = lowerBound(p.chunk.ts, p.start, p.end, o.timeStart);
    if (o.timeEnd !== undefined) p.end = lowerBound(p.chunk.ts, p.start, p.end, o.timeEnd);
    if (p.end > p.start) live.push(p);
  }
  if (live.length === 0) return;
  if (o.lastRow && !o.appendMode) { emitLastRow(live, ord, out, o.keepDeletes); return; }
  if (live.length === 1) { emitBlock(live[0]!, ord, out, o); return; }
  // Sources that cover disjoint time spans of the series (the usual case: files
  // flushed one after another) are copied block by block, with no per-row merge.
  live.sort((a, b) => (a.chunk.ts[a.start]! < b.chunk.ts[b.start]! ? -1 : a.chunk.ts[a.start]! > b.chunk.ts[b.start]! ? 1 : 0));
  let disjoint = true;
  for (let j = 1; j < live.length; j++) {
    const p = live[j - 1]!, q = live[j]!;
    if (p.chunk.ts[p.end - 1]! >= q.chunk.ts[q.start]!) { disjoint = false; break; }
  }
  if (disjoint) { for (const p of live) emitBlock(p, ord, out, o); return; }
  // Several sources hold this series: merge by ts. Higher priority wins a tie.
  live.sort((a, b) => a.prio - b.prio);
  const k = live.length;
  const ptr = live.map((p) => p.start);
  const heads: number[] = [];
  for (;;) {
    let min: bigint | undefined;
    for (let j = 0; j < k; j++) {
      if (ptr[j]! < live[j]!.end) { const t = live[j]!.chunk.ts[ptr[j]!]!; if (min === undefined || t < min) min = t; }
    }
    if (min === undefined) break;
    heads.length = 0;
    for (let j = 0; j < k; j++) if (ptr[j]! < live[j]!.end && live[j]!.chunk.ts[ptr[j]!] === min) heads.push(j);
    if (!o.appendMode) {
      // The winner is the last equal-ts row of the highest-priority piece.
      let wj = heads[heads.length - 1]!;
      for (const j of heads) if (live[j]!.prio >= live[wj]!.prio) wj = j;
      let row = -1;
      for (const j of heads) {
        const p = live[j]!;
        let r = ptr[j]!;
        while (r < p.end && p.chunk.ts[r] === min) r++;
        if (j === wj) row = r - 1;
        ptr[j] = r;
      }
      const p = live[wj]!;
      if (o.keepDeletes || p.chunk.op[row] !== OP_DELETE) out.add(p.chunk, row, row + 1, ord);
    } else {
      // Append mode keeps every row, except rows older than a delete marker of the same key.
      let delPrio = -Infinity;
      for (const j of heads) {
        const p = live[j]!;
        for (let r = ptr[j]!; r < p.end && p.chunk.ts[r] === min; r++) if (p.chunk.op[r] === OP_DELETE && p.prio > delPrio) delPrio = p.prio;
      }
      for (const j of heads) {
        const p = live[j]!;
        let r = ptr[j]!;
        const s = r;
        while (r < p.end && p.chunk.ts[r] === min) r++;
        if (o.keepDeletes) out.add(p.chunk, s, r, ord);
        else if (p.prio > delPrio) for (let x = s; x < r; x++) if (p.chunk.op[x] !== OP_DELETE) out.add(p.chunk, x, x + 1, ord);
        ptr[j] = r;
      }
    }
  }
}

/**
 * The newest surviving row of one series: the newest ts over the pieces, won
 * by the highest priority; a deleted winner hides that ts in every piece, and
 * the search goes on with the next older ts (which a partial piece may not
 * hold: LastRowMiss). With `keepDeletes` the newest row is emitted whatever its
 * op (how a file's last-row cache is built).
 */
function emitLastRow(live: Piece[], ord: number, out: RowSink, keepDeletes: boolean): void {
  for (;;) {
    let max: bigint | undefined;
    for (const p of live) if (p.end > p.start) { const t = p.chunk.ts[p.end - 1]!; if (max === undefined || t > max) max = t; }
    if (max === undefined) return;
    let w: Piece | undefined;
    for (const p of live) if (p.end > p.start && p.chunk.ts[p.end - 1] === max && (!w || p.prio >= w.prio)) w = p;
    const row = w!.end - 1;
    if (keepDeletes || w!.chunk.op[row] !== OP_DELETE) { out.add(w!.chunk, row, row + 1, ord); return; }
    if (live.some((p) => p.partial)) throw new LastRowMiss();
    for (const p of live) while (p.end > p.start && p.chunk.ts[p.end - 1] === max) p.end--;
  }
}
