import * as arrow from 'apache-arrow';
import { InvalidArgumentsError } from '@strata/kernel';
import { CellBudget, checkIngestName, ColumnarTableBuilder, ColumnTypeConflict, DEFAULT_MAX_WRITE_CELLS, writeSafeInteger } from '../ingest/columnar-table-builder.js';

export const GREPTIME_VALUE = 'greptime_value';
export const GREPTIME_TIMESTAMP = 'greptime_timestamp';

/**
 * OpenTSDB `/api/put` data points (one object or an array) to one table per
 * metric: table = metric name verbatim, tags -> String tag columns,
 * `greptime_value` Float64, `greptime_timestamp` TimestampMillisecond.
 * Timestamps under 13 digits are seconds (OpenTSDB's rule).
 *
 * @example
 * parseOpentsdbPut('{"metric":"sys.cpu.nice","timestamp":1667898896,"value":18,"tags":{"host":"web01"}}')
 */
export function parseOpentsdbPut(text: string, maxCells = DEFAULT_MAX_WRITE_CELLS): ColumnarTableBuilder[] {
  const budget = new CellBudget(maxCells);
  let json: unknown;
  try { json = JSON.parse(text); } catch (err) {
    throw new InvalidArgumentsError(`invalid OpenTSDB JSON request: ${(err as Error).message}`, { cause: err });
  }
  const points = Array.isArray(json) ? json : [json];
  const tables = new Map<string, ColumnarTableBuilder>();
  points.forEach((p, i) => {
    const where = Array.isArray(json) ? `data point ${i}` : 'data point';
    if (typeof p !== 'object' || p === null || Array.isArray(p)) throw new InvalidArgumentsError(`${where}: expected an object`);
    const dp = p as Record<string, unknown>;
    if (typeof dp.metric !== 'string') throw new InvalidArgumentsError(`${where}: 'metric' must be a string`);
    checkIngestName(dp.metric, `${where}: metric`);
    const ts = typeof dp.timestamp === 'string' && /^\d+$/.test(dp.timestamp) ? Number(dp.timestamp) : dp.timestamp;
    if (typeof ts !== 'number' || !Number.isSafeInteger(ts) || ts < 0) throw new InvalidArgumentsError(`${where}: 'timestamp' must be a non-negative integer`);
    const value = typeof dp.value === 'string' && dp.value.trim() !== '' ? Number(dp.value) : dp.value;
    if (typeof value !== 'number' || Number.isNaN(value)) throw new InvalidArgumentsError(`${where}: 'value' must be a number`);
    const tags = dp.tags ?? {};
    if (typeof tags !== 'object' || tags === null || Array.isArray(tags)) throw new InvalidArgumentsError(`${where}: 'tags' must be an object`);
    let t = tables.get(dp.metric);
    if (!t) { t = new ColumnarTableBuilder(dp.metric, GREPTIME_TIMESTAMP, new arrow.TimestampMillisecond(), 16, budget); tables.set(dp.metric, t); }
    const row = t.rowCount;
    try {
      for (const [k, v] of Object.entries(tags as Record<string, unknown>)) {
        if (typeof v !== 'string') throw new InvalidArgumentsError(`${where}: tag '${k}' must be a string`);
        checkIngestName(k, `${where}: tag`);
        const col = t.column(k, 'tag', 'str');
        col.slot(row);
        col.appendString(row, v);
      }
      const val = t.column(GREPTIME_VALUE, 'field', 'f64');
      val.slot(row);
      val.f64![row] = value;
    } catch (err) {
      if (err instanceof ColumnTypeConflict) throw new InvalidArgumentsError(`${where}: ${err.message}`);
      throw err;
    }
    const ms = ts < 1e12 ? ts * 1000 : ts;
    if (!Number.isSafeInteger(ms)) throw new InvalidArgumentsError(`${where}: 'timestamp' out of range`);
    t.timeIndex.slot(row);
    writeSafeInteger(t.timeIndex.words!, row, ms);
    t.endRow();
  });
  return [...tables.values()];
}
