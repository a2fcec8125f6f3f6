import * as arrow from 'apache-arrow';

/**
 * Direct builders of Arrow JS objects for hot paths (scans, query
 * batches). `arrow.makeData` dispatches through a visitor per call, and the
 * `RecordBatch` constructor re-checks every child's length and builds a new
 * schema and struct type each time; on a small query (a few batches of a few
 * hundred rows) that bookkeeping costs more than moving the rows. These make
 * the same objects from buffers the caller already holds in the right typed
 * array, and fall back to the library where a case is not covered.
 * `arrow-build.test.ts` checks that both ways give equal objects and equal
 * IPC bytes, so an Arrow upgrade that changes the internals fails there.
 */

/** Fixed-width types whose values array is used as given (the type's own ArrayType). */
function isFixedWidth(t: arrow.DataType): boolean {
  switch (t.typeId) {
    case arrow.Type.Int: case arrow.Type.Float: case arrow.Type.Timestamp: case arrow.Type.Date:
    case arrow.Type.Time: case arrow.Type.Duration:
      return true;
    default:
      return false;
  }
}

/**
 * A Data of `length` rows over `values` (a fixed-width type's ArrayType, or
 * a Bool's packed bits), with an optional validity bitmap; `nullCount`
 * absent with a bitmap means "count when asked", as in `makeData`.
 */
export function fixedData<T extends arrow.DataType>(type: T, length: number, values: ArrayBufferView, nullBitmap?: Uint8Array, nullCount?: number): arrow.Data<T> {
  const ctor = (type as unknown as { ArrayType?: new (...a: never[]) => unknown }).ArrayType;
  if ((!isFixedWidth(type) && type.typeId !== arrow.Type.Bool) || (ctor && !(values instanceof ctor))) {
    return arrow.makeData({ type, length, data: values, nullBitmap, ...(nullCount !== undefined ? { nullCount } : {}) } as never) as arrow.Data<T>;
  }
  return new arrow.Data(type, 0, length, nullCount ?? (nullBitmap ? -1 : 0), [undefined, values, nullBitmap] as never);
}

/** A Utf8 Data of `length` rows: offsets (length + 1) into `bytes`. */
export function utf8Data(length: number, valueOffsets: Int32Array, bytes: Uint8Array, nullBitmap?: Uint8Array, nullCount?: number, type: arrow.Utf8 = new arrow.Utf8()): arrow.Data<arrow.Utf8> {
  return new arrow.Data(type, 0, length, nullCount ?? (nullBitmap ? -1 : 0), [valueOffsets, bytes, nullBitmap] as never);
}

const structOf = new WeakMap<arrow.Schema, arrow.Struct>();

/**
 * A record batch of `schema` whose fields' data are `children` (each
 * `length` rows, of its field's type), without the constructor's copying of
 * the schema (the struct type is made once per schema). Children of another
 * length go through the constructor (which pads them with nulls).
 */
export function recordBatchOf(schema: arrow.Schema, children: readonly arrow.Data[], length: number): arrow.RecordBatch {
  const fields = schema.fields;
  let same = children.length === fields.length;
  for (let i = 0; same && i < children.length; i++) same = children[i]!.length === length;
  let struct = structOf.get(schema);
  if (!struct) { struct = new arrow.Struct(fields); structOf.set(schema, struct); }
  const data = new arrow.Data(struct, 0, length, 0, [] as never, children as arrow.Data[]);
  if (!same) return new arrow.RecordBatch(schema, data);
  const rb = Object.create(arrow.RecordBatch.prototype) as { schema: arrow.Schema; data: arrow.Data; _metadata: Map<string, string> };
  rb.schema = schema;
  rb.data = data;
  rb._metadata = new Map();
  return rb as unknown as arrow.RecordBatch;
}

/**
 * `batch` with no two of its buffers overlapping in one ArrayBuffer, for
 * apache-arrow's IPC writer. The writer joins its output pieces with
 * `collapseContiguousByteRanges`, which merges two consecutive pieces of one
 * ArrayBuffer when they touch *or overlap*: a batch whose columns share a
 * buffer (`SELECT v, v AS w` returns one vector twice) came out shorter than
 * its header says, and no reader could open it. Buffers that overlap one met
 * before are copied; a batch without such sharing is returned as is.
 * Writers call `batchesToIpc` (arrow-ipc.ts), which applies this to every
 * batch, rather than apache-arrow's writers.
 */
export function withUnsharedBuffers(batch: arrow.RecordBatch): arrow.RecordBatch {
  const seen = new Map<ArrayBufferLike, Array<[number, number]>>();
  let changed = false;
  const visit = (d: arrow.Data): arrow.Data => {
    const bufs = [d.valueOffsets, d.values, d.nullBitmap, d.typeIds] as Array<ArrayBufferView | undefined>;
    let copied: Array<ArrayBufferView | undefined> | undefined;
    for (let k = 0; k < bufs.length; k++) {
      const b = bufs[k];
      if (!b || b.byteLength === 0) continue;
      const start = b.byteOffset, end = start + b.byteLength;
      let ranges = seen.get(b.buffer);
      if (!ranges) { ranges = []; seen.set(b.buffer, ranges); }
      if (ranges.some(([s, e]) => start < e && s < end)) {
        copied ??= bufs.slice();
        copied[k] = (b as unknown as { slice(): ArrayBufferView }).slice();
      } else {
        ranges.push([start, end]);
      }
    }
    // Dictionaries go out in messages of their own, each with its own body.
    const children = d.children.map(visit);
    if (!copied && children.every((c, i) => c === d.children[i])) return d;
    changed = true;
    return new arrow.Data(d.type, d.offset, d.length, d.nullCount, (copied ?? bufs) as never, children, d.dictionary);
  };
  const children = batch.data.children.map(visit);
  return changed ? recordBatchOf(batch.schema, children, batch.numRows) : batch;
}
