import { isUtf8 } from 'node:buffer';
import * as arrow from 'apache-arrow';
import { CellBudget, checkIngestName, ColumnarTableBuilder, ColumnTypeConflict, DEFAULT_MAX_WRITE_CELLS, writeSafeInteger } from '../ingest/columnar-table-builder.js';
import { PrometheusDecodeError } from '../errors.js';
import { ProtoReader } from './protobuf.js';

export const PROM_VALUE_COLUMN = 'greptime_value';
export const PROM_TIMESTAMP_COLUMN = 'greptime_timestamp';
const METRIC_NAME_LABEL = '__name__';

function utf8(buf: Buffer, s: number, e: number, what: string): string {
  const view = buf.subarray(s, e);
  if (!isUtf8(view)) throw new PrometheusDecodeError(`remote write: ${what} is not valid UTF-8`);
  return view.toString('utf8');
}

/**
 * Decodes a (decompressed) Prometheus remote write `WriteRequest` straight
 * into one table per metric name: labels -> String tag columns,
 * `greptime_value` Float64, `greptime_timestamp` TimestampMillisecond.
 * Native histograms and exemplars are skipped. Label values are copied as
 * bytes after a UTF-8 check; only label names become JS strings.
 *
 * @example
 * const tables = decodeRemoteWrite(snappyDecompress(body, limit));
 */
export function decodeRemoteWrite(buf: Buffer, maxCells = DEFAULT_MAX_WRITE_CELLS): ColumnarTableBuilder[] {
  const budget = new CellBudget(maxCells);
  const tables = new Map<string, ColumnarTableBuilder>();
  const top = new ProtoReader(buf);
  const labelRanges: number[] = [];
  // Sample values stay in a Float64Array: a JS array of doubles would canonicalize NaNs
  // (Prometheus's stale marker 0x7ff0000000000002 must arrive bit for bit).
  let sampleValues = new Float64Array(64);
  const sampleTimes: number[] = [];
  let series = 0;
  while (!top.done) {
    const key = top.varint();
    const field = Math.floor(key / 8); const wt = key & 7;
    if (field !== 1 || wt !== 2) { top.skip(wt); continue; }
    series++;
    const [ts0, ts1] = top.bytes();
    const r = new ProtoReader(buf, ts0, ts1);
    labelRanges.length = 0; sampleTimes.length = 0;
    let metric: string | undefined;
    while (!r.done) {
      const k = r.varint(); const f = Math.floor(k / 8); const w = k & 7;
      if (f === 1 && w === 2) {
        const [ls, le] = r.bytes();
        const lr = new ProtoReader(buf, ls, le);
        let ns = 0; let ne = 0; let vs = 0; let ve = 0;
        while (!lr.done) {
          const lk = lr.varint(); const lf = Math.floor(lk / 8); const lw = lk & 7;
          if (lf === 1 && lw === 2) [ns, ne] = lr.bytes();
          else if (lf === 2 && lw === 2) [vs, ve] = lr.bytes();
          else lr.skip(lw);
        }
        if (ne - ns === METRIC_NAME_LABEL.length && buf.toString('latin1', ns, ne) === METRIC_NAME_LABEL) {
          metric = utf8(buf, vs, ve, 'metric name');
        } else {
          labelRanges.push(ns, ne, vs, ve);
        }
      } else if (f === 2 && w === 2) {
        const [ss, se] = r.bytes();
        const sr = new ProtoReader(buf, ss, se);
        let value = 0; let t = 0;
        while (!sr.done) {
          const sk = sr.varint(); const sf = Math.floor(sk / 8); const sw = sk & 7;
          if (sf === 1 && sw === 1) value = sr.double();
          else if (sf === 2 && sw === 0) t = sr.varint();
          else sr.skip(sw);
        }
        const n = sampleTimes.length;
        if (n === sampleValues.length) { const grown = new Float64Array(n * 2); grown.set(sampleValues); sampleValues = grown; }
        sampleValues[n] = value;
        sampleTimes.push(t);
      } else {
        r.skip(w);
      }
    }
    if (sampleTimes.length === 0) continue;
    if (metric === undefined || metric === '') throw new PrometheusDecodeError(`remote write: time series ${series} has no __name__ label`);
    try { checkIngestName(metric, 'metric'); } catch (err) { throw new PrometheusDecodeError(`remote write: ${(err as Error).message}`); }
    let t = tables.get(metric);
    if (!t) { t = new ColumnarTableBuilder(metric, PROM_TIMESTAMP_COLUMN, new arrow.TimestampMillisecond(), 64, budget); tables.set(metric, t); }
    // Resolve the label columns once per series, then repeat their bytes on every sample row.
    const cols = [];
    for (let k = 0; k < labelRanges.length; k += 4) {
      const name = utf8(buf, labelRanges[k]!, labelRanges[k + 1]!, 'label name');
      try { checkIngestName(name, 'label'); } catch (err) { throw new PrometheusDecodeError(`remote write: ${(err as Error).message}`); }
      if (!isUtf8(buf.subarray(labelRanges[k + 2]!, labelRanges[k + 3]!))) throw new PrometheusDecodeError(`remote write: value of label '${name}' is not valid UTF-8`);
      try {
        cols.push(t.column(name, 'tag', 'str'));
      } catch (err) {
        if (err instanceof ColumnTypeConflict) throw new PrometheusDecodeError(`remote write: ${err.message}`);
        throw err;
      }
    }
    const value = t.column(PROM_VALUE_COLUMN, 'field', 'f64');
    for (let s = 0; s < sampleTimes.length; s++) {
      const row = t.rowCount;
      for (let c = 0; c < cols.length; c++) {
        const col = cols[c]!;
        if (!col.slot(row)) throw new PrometheusDecodeError(`remote write: time series ${series} repeats label '${col.name}'`);
        const vs = labelRanges[4 * c + 2]!; const ve = labelRanges[4 * c + 3]!;
        const dst = col.ensureBytes(ve - vs);
        let at = col.byteLength;
        for (let b = vs; b < ve; b++) dst[at++] = buf[b]!;
        col.byteLength = at;
        col.endString(row);
      }
      value.slot(row);
      value.f64![row] = sampleValues[s]!;
      t.timeIndex.slot(row);
      const ms = sampleTimes[s]!;
      if (!Number.isSafeInteger(ms)) throw new PrometheusDecodeError(`remote write: sample timestamp out of range in series ${series}`);
      writeSafeInteger(t.timeIndex.words!, row, ms);
      t.endRow();
    }
  }
  return [...tables.values()];
}
