import { createReadStream } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { CancelledError, CopyFileError } from '../../errors/errors.js';
import { isFloat, isInteger, type DataType } from '../../data/data-types.js';
import { valueAt, type Batch, type Column } from '../exec/column.js';
import { castValue } from '../exec/expression-evaluator.js';

/**
 * COPY's text formats, built into the kernel: CSV (RFC 4180 with a header
 * row) and JSON lines (one object per line, as GreptimeDB's arrow-json
 * writer emits them: NULL fields left out). Both stream: reading yields
 * batches of string columns (the runner converts them to the table's types,
 * so a bad value is reported with its file and row), writing formats one
 * executor batch at a time.
 *
 * Value text: what CAST(v AS STRING) gives (timestamps `2022-06-15 07:02:37.123`
 * in UTC, dates `2022-06-15`, decimals at their scale, floats `NaN`/`inf`),
 * except Binary, which is lower-case hex both ways.
 */
export interface TextBatch {
  /** Column names of this batch (a JSON batch has the keys its lines used). */
  readonly names: readonly string[];
  /** Per name, the row values as text; null = NULL. */
  readonly columns: ReadonlyArray<ReadonlyArray<string | null>>;
  readonly numRows: number;
}

export interface TextCopyFormat {
  readonly name: 'csv' | 'json';
  readonly extension: string;
  readText(path: string, options: { batchRows: number; signal: AbortSignal; delimiter: string }): AsyncIterable<TextBatch>;
  writeText(file: FileHandle, fields: ReadonlyArray<{ name: string; type: DataType }>, batches: AsyncIterable<Batch>, options: { signal: AbortSignal; delimiter: string }): Promise<number>;
}

const STR: DataType = { name: 'String' };
const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/** A column's values as text (null for NULL). */
export function textOfColumn(c: Column, n: number): Array<string | null> {
  const out = new Array<string | null>(n);
  const name = c.type.name;
  for (let i = 0; i < n; i++) {
    const v = valueAt(c, i);
    if (v === null || v === undefined) { out[i] = null; continue; }
    if (name === 'String') out[i] = v as string;
    else if (name === 'Binary') { const b = v as Uint8Array; let s = ''; for (let j = 0; j < b.length; j++) s += HEX[b[j]!]; out[i] = s; } else out[i] = castValue(v, c.type, STR, 'UTC') as string;
  }
  return out;
}

/** Binary file text: hex (what the writers emit). */
export function hexToBytes(s: string): Uint8Array | undefined {
  const t = s.startsWith('0x') || s.startsWith('\\x') ? s.slice(2) : s;
  if (t.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(t)) return undefined;
  return Uint8Array.from(Buffer.from(t, 'hex'));
}

function throwIfAborted(signal: AbortSignal): void {
  if (signal.aborted) throw signal.reason instanceof Error ? signal.reason : new CancelledError();
}

// ---------------------------------------------------------------- CSV

const QUOTE = 34, LF = 10, CR = 13;

/**
 * Streams a CSV file's records, the first being the header. Fields may be
 * quoted ("" for a quote; delimiters and line breaks inside); an unquoted
 * empty field is NULL, a quoted one the empty string. Chunks are parsed up
 * to their last complete record; the rest waits for the next chunk.
 */
async function* readCsv(path: string, options: { batchRows: number; signal: AbortSignal; delimiter: string }): AsyncIterable<TextBatch> {
  const delim = options.delimiter.charCodeAt(0);
  let names: string[] | undefined;
  let cols: Array<Array<string | null>> = [];
  let rows = 0;
  let line = 1; // physical line of the record being parsed
  let dataRow = 0;
  let carry = '';
  let first = true;
  const record: Array<string | null> = [];
  const fail = (detail: string): never => { throw new CopyFileError(path, `${detail} (line ${line})`, dataRow > 0 ? dataRow : undefined); };
  const endRecord = (): void => {
    if (!names) {
      names = record.map((x) => x ?? '');
      if (names.some((x) => x === '')) fail('the header row has an empty column name');
      cols = names.map(() => []);
      return;
    }
    if (record.length === 1 && record[0] === null && names.length > 1) return; // blank line
    dataRow++;
    if (record.length !== names.length) fail(`has ${record.length} fields, the header has ${names.length}`);
    for (let j = 0; j < record.length; j++) cols[j]!.push(record[j]!);
    rows++;
  };
  /** Parses records of s from 0; returns where the first incomplete record starts (s.length when none). */
  const parse = (s: string, eof: boolean): number => {
    const n = s.length;
    let i = 0;
    for (;;) {
      const recStart = i;
      const recLine = line;
      record.length = 0;
      if (i >= n) return n;
      for (;;) {
        let value: string | null;
        if (s.charCodeAt(i) === QUOTE) {
          let j = i + 1;
          let parts = '';
          for (;;) {
            const k = s.indexOf('"', j);
            if (k < 0 || (k + 1 >= n && !eof)) { if (eof) fail('a quoted field is not closed'); line = recLine; return recStart; }
            if (s.charCodeAt(k + 1) === QUOTE) { parts += s.slice(j, k + 1); j = k + 2; continue; }
            parts += s.slice(j, k);
            i = k + 1;
            break;
          }
          if (parts.indexOf('\n') >= 0) for (let p = parts.indexOf('\n'); p >= 0; p = parts.indexOf('\n', p + 1)) line++;
          value = parts;
          const c = i < n ? s.charCodeAt(i) : -1;
          if (c !== delim && c !== LF && c !== CR && c !== -1) fail('unexpected text after a closing quote');
        } else {
          let j = i;
          while (j < n) { const c = s.charCodeAt(j); if (c === delim || c === LF || c === CR) break; j++; }
          if (j >= n && !eof) { line = recLine; return recStart; }
          value = j === i ? null : s.slice(i, j);
          i = j;
        }
        record.push(value);
        if (i >= n) { if (!eof) { line = recLine; return recStart; } endRecord(); return n; }
        const c = s.charCodeAt(i);
        if (c === delim) { i++; if (i >= n && eof) { record.push(null); endRecord(); return n; } continue; }
        if (c === CR) { if (i + 1 >= n && !eof) { line = recLine; return recStart; } i += s.charCodeAt(i + 1) === LF ? 2 : 1; } else i++;
        endRecord();
        line++;
        break;
      }
    }
  };
  const stream = createReadStream(path, { encoding: 'utf8', highWaterMark: 1 << 20 });
  try {
    for await (const chunk of stream as AsyncIterable<string>) {
      throwIfAborted(options.signal);
      let s = carry + chunk;
      if (first) { if (s.charCodeAt(0) === 0xfeff) s = s.slice(1); first = false; }
      const at = parse(s, false);
      carry = at < s.length ? s.slice(at) : '';
      // A 1 MiB chunk holds tens of thousands of rows: hand them on batchRows at a time.
      if (rows >= options.batchRows) {
        let at = 0;
        for (; rows - at >= options.batchRows; at += options.batchRows) {
          yield { names: names!, columns: cols.map((c) => c.slice(at, at + options.batchRows)), numRows: options.batchRows };
        }
        cols = cols.map((c) => c.slice(at));
        rows -= at;
      }
    }
    if (carry.length) parse(carry, true);
    if (!names) throw new CopyFileError(path, 'the file is empty: a CSV file needs a header row');
    if (rows > 0) yield { names, columns: cols, numRows: rows };
  } finally {
    stream.destroy();
  }
}

function csvField(v: string | null, delim: string): string {
  if (v === null) return '';
  if (v === '') return '""';
  if (v.indexOf('"') >= 0) return `"${v.replaceAll('"', '""')}"`;
  if (v.indexOf(delim) >= 0 || v.indexOf('\n') >= 0 || v.indexOf('\r') >= 0) return `"${v}"`;
  return v;
}

async function writeCsv(file: FileHandle, fields: ReadonlyArray<{ name: string; type: DataType }>, batches: AsyncIterable<Batch>, options: { signal: AbortSignal; delimiter: string }): Promise<number> {
  const d = options.delimiter;
  await file.write(fields.map((f) => csvField(f.name, d)).join(d) + '\n');
  return writeLines(file, batches, options.signal, (texts, i) => {
    let s = csvField(texts[0]![i]!, d);
    for (let j = 1; j < texts.length; j++) s += d + csvField(texts[j]![i]!, d);
    return s;
  });
}

/** Writes each batch's rows as lines (`line` builds row i from the columns' texts), one write per batch; the row count. */
async function writeLines(file: FileHandle, batches: AsyncIterable<Batch>, signal: AbortSignal,
  line: (texts: ReadonlyArray<ReadonlyArray<string | null | undefined>>, i: number) => string): Promise<number> {
  let total = 0;
  for await (const b of batches) {
    throwIfAborted(signal);
    if (b.numRows === 0) continue;
    const texts = b.columns.map((c) => textOfColumn(c, b.numRows));
    const lines = new Array<string>(b.numRows);
    for (let i = 0; i < b.numRows; i++) lines[i] = line(texts, i);
    await file.write(lines.join('\n') + '\n');
    total += b.numRows;
  }
  return total;
}

// ---------------------------------------------------------------- JSON lines

/** The text of a JSON value for a string column: numbers keep their digits, objects and arrays their JSON. */
function jsonValueText(v: unknown): string | null {
  if (v === null || v === undefined) return null;
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return JSON.stringify(v);
}

/** A number as written in the line, for an integer JSON.parse rounded (beyond 2^53); undefined unless it is all digits. */
function rawNumber(line: string, key: string): string | undefined {
  const m = new RegExp(`${JSON.stringify(key).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s*:\\s*(-?[0-9][0-9.eE+-]*)`).exec(line);
  return m && /^-?\d+$/.test(m[1]!) ? m[1] : undefined;
}

async function* readJson(path: string, options: { batchRows: number; signal: AbortSignal }): AsyncIterable<TextBatch> {
  let index = new Map<string, number>();
  let cols: Array<Array<string | null>> = [];
  let rows = 0;
  let dataRow = 0;
  let carry = '';
  const flush = (): TextBatch => {
    for (const c of cols) while (c.length < rows) c.push(null);
    const out = { names: [...index.keys()], columns: cols, numRows: rows };
    index = new Map(); cols = []; rows = 0;
    return out;
  };
  const take = (line: string): void => {
    dataRow++;
    if (line.trim() === '') { dataRow--; return; }
    let obj: unknown;
    try { obj = JSON.parse(line); } catch (err) { throw new CopyFileError(path, `not JSON: ${(err as Error).message}`, dataRow, { cause: err }); }
    if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) throw new CopyFileError(path, 'a line must be a JSON object', dataRow);
    for (const key in obj as Record<string, unknown>) {
      const v = (obj as Record<string, unknown>)[key];
      let j = index.get(key);
      if (j === undefined) { j = cols.length; index.set(key, j); cols.push([]); }
      const col = cols[j]!;
      while (col.length < rows) col.push(null);
      col.push(typeof v === 'number' && Number.isInteger(v) && !Number.isSafeInteger(v) ? (rawNumber(line, key) ?? String(v)) : jsonValueText(v));
    }
    rows++;
  };
  const stream = createReadStream(path, { encoding: 'utf8', highWaterMark: 1 << 20 });
  try {
    for await (const chunk of stream as AsyncIterable<string>) {
      throwIfAborted(options.signal);
      const s = carry + chunk;
      let at = 0;
      for (let nl = s.indexOf('\n'); nl >= 0; nl = s.indexOf('\n', at)) {
        take(s.slice(at, nl));
        at = nl + 1;
        if (rows >= options.batchRows) yield flush();
      }
      carry = s.slice(at);
    }
    if (carry.trim() !== '') take(carry);
    if (rows > 0) yield flush();
  } finally {
    stream.destroy();
  }
}

async function writeJson(file: FileHandle, fields: ReadonlyArray<{ name: string; type: DataType }>, batches: AsyncIterable<Batch>, options: { signal: AbortSignal }): Promise<number> {
  const keys = fields.map((f) => JSON.stringify(f.name) + ':');
  // Numbers and booleans bare (Int64 digits exact); NaN and infinities, which JSON cannot spell, as strings.
  const bare = fields.map((f) => isInteger(f.type) || isFloat(f.type) || f.type.name === 'Boolean');
  return writeLines(file, batches, options.signal, (texts, i) => {
    let s = '{';
    for (let j = 0; j < texts.length; j++) {
      const v = texts[j]![i];
      if (v === null || v === undefined) continue;
      if (s.length > 1) s += ',';
      s += keys[j]! + (bare[j] && (/^-?\d/.test(v) || v === 'true' || v === 'false') ? v : JSON.stringify(v));
    }
    return s + '}';
  });
}

export const CSV_FORMAT: TextCopyFormat = { name: 'csv', extension: 'csv', readText: readCsv, writeText: writeCsv };
export const JSON_FORMAT: TextCopyFormat = { name: 'json', extension: 'json', readText: readJson, writeText: writeJson };
