import * as arrow from 'apache-arrow';

/**
 * The value of row `i` of a column as the wire shows it. Timestamps are read
 * from the raw int64 buffer so they stay integers in the column's own unit
 * (Arrow's `get` converts them to fractional milliseconds).
 */
export function cellValue(v: arrow.Vector, i: number): unknown {
  if (!v.isValid(i)) return null;
  if (arrow.DataType.isTimestamp(v.type)) {
    let k = i;
    for (const d of v.data) {
      if (k < d.length) return (d.values as BigInt64Array)[d.offset + k];
      k -= d.length;
    }
  }
  return v.get(i);
}

const NEEDS_QUOTES = /[",\r\n]|^\s|\s$/;

/**
 * One CSV field (RFC 4180 quoting). NULL is an empty field and the empty
 * string is `""`, so the two stay apart. The first field of a line is also
 * quoted when it starts with `OK` or `ERR`, so a data line can never be
 * mistaken for the status line that ends every answer.
 */
export function csvField(value: unknown, first: boolean): string {
  if (value === null || value === undefined) return '';
  let s: string;
  if (typeof value === 'string') s = value;
  else if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean') s = String(value);
  else if (value instanceof Uint8Array) s = Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('hex');
  else s = JSON.stringify(value, (_k, x: unknown) => (typeof x === 'bigint' ? x.toString() : x));
  if (s === '' || NEEDS_QUOTES.test(s) || (first && (s.startsWith('OK') || s.startsWith('ERR')))) {
    return `"${s.replaceAll('"', '""')}"`;
  }
  return s;
}

/** The header line: column names. */
export function csvHeader(names: readonly string[]): string {
  return names.map((n, i) => csvField(n, i === 0)).join(',');
}

/** Appends rows [0, count) of a batch as CSV lines to `out`. */
export function appendCsvRows(batch: arrow.RecordBatch, count: number, out: string[]): void {
  const cols = batch.schema.fields.map((_, c) => batch.getChildAt(c)!);
  for (let r = 0; r < count; r++) {
    let line = '';
    for (let c = 0; c < cols.length; c++) line += (c === 0 ? '' : ',') + csvField(cellValue(cols[c]!, r), c === 0);
    out.push(line);
  }
}
