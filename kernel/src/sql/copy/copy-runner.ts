import * as arrow from 'apache-arrow';
import { mkdir, open, readdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { toArrowType, type ColumnSchema, type DataType } from '../../data/data-types.js';
import {
  CancelledError, CopyFileError, CopyFileNotFoundError, DatabaseNotFoundError, InvalidArgumentsError, StrataError, TableNotFoundError, UnsupportedError,
} from '../../errors/errors.js';
import type { Catalog, TableInfo } from '../../interfaces/catalog.js';
import type { CopyFormat } from '../../interfaces/copy-format.js';
import type { Session } from '../../interfaces/session.js';
import type * as ast from '../ast.js';
import { batchToArrow, columnFromArrow, columnFromValues, takeBatch, valueAt, type Batch, type Column } from '../exec/column.js';
import { castColumn, castValue } from '../exec/expression-evaluator.js';
import { CSV_FORMAT, JSON_FORMAT, hexToBytes, type TextBatch, type TextCopyFormat } from './text-formats.js';

/** What COPY needs from the query engine. */
export interface CopyHost {
  catalog(): Catalog;
  /** Plugins' formats (COPY_FORMAT), looked up per statement. */
  formats(): readonly CopyFormat[];
  table(name: ast.ObjectName, session: Session): TableInfo;
  /** Plans and runs a query; its batches stream. */
  query(q: ast.Query, session: Session, signal: AbortSignal): Promise<{ fields: ReadonlyArray<{ name: string; type: DataType }>; batches: AsyncIterable<Batch> }>;
  /** The INSERT path: region routing, WAL, memtable, TABLE_WRITES. */
  write(t: TableInfo, names: readonly string[], batch: Batch, session: Session): Promise<number>;
}

/** Rows per batch read from a file and written to the table. */
const BATCH_ROWS = 8192;
/**
 * Cells (rows x columns) of one file COPY FROM keeps converted in memory so
 * a file is read once: a smaller file is validated whole, then written. A
 * larger one is validated in a first pass (nothing kept) and read again to
 * write, so a bad value anywhere in a file still imports nothing of it.
 */
export const COPY_BUFFER_CELLS_MAX = 4_000_000;

type AnyFormat = { kind: 'text'; format: TextCopyFormat } | { kind: 'arrow'; format: CopyFormat };

interface CopyOptions {
  format: AnyFormat;
  pattern?: RegExp;
  startTime?: string;
  endTime?: string;
  delimiter: string;
}

const OPTION_KEYS = ['format', 'pattern', 'start_time', 'end_time', 'delimiter', 'has_header'];

/**
 * Runs GreptimeDB's COPY statements against local paths on the server:
 *
 *   COPY t TO 'f' ......... SELECT * FROM t [time range] -> temp file -> rename
 *   COPY (query) TO 'f' ... the query's batches -> temp file -> rename
 *   COPY t FROM 'f|dir/' .. per file: read -> match columns by name -> convert
 *                           -> [time range] -> validate all -> write (INSERT path)
 *   COPY DATABASE db TO|FROM 'dir/' ... the above per table, files <table>.<ext>
 *
 * Results are affected-row counts, as GreptimeDB answers.
 */
export class CopyRunner {
  /** See COPY_BUFFER_CELLS_MAX (tests lower it to take the two-pass path on small files). */
  bufferCellsMax = COPY_BUFFER_CELLS_MAX;

  constructor(private readonly host: CopyHost) {}

  async run(st: ast.CopyStatement, session: Session, signal: AbortSignal): Promise<number> {
    if (st.connection.length) {
      throw new UnsupportedError('COPY ... CONNECTION (object storage) is not supported: Strata reads and writes local paths on the server only');
    }
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(st.location) && !st.location.toLowerCase().startsWith('file://')) {
      throw new UnsupportedError(`COPY to or from ${st.location.split('://')[0]}:// is not supported: Strata reads and writes local paths on the server only`);
    }
    const location = st.location.toLowerCase().startsWith('file://') ? st.location.slice(7) : st.location;
    const opts = this.options(st);
    const t = st.target;
    if (t.kind === 'query') return this.exportQuery(await this.host.query(t.query, session, signal), location, opts.format, signal);
    if (t.kind === 'table') {
      const table = this.host.table(t.table, session);
      if (st.direction === 'to') return this.exportTable(table, location, opts, session, signal, st.span);
      if (opts.pattern && !(await isDirectory(location))) throw new InvalidArgumentsError('PATTERN applies to a directory: give COPY FROM a directory path');
      let n = 0;
      for (const file of await this.listFiles(location, opts.pattern)) n += await this.importFile(table, file, opts, session, signal);
      return n;
    }
    const db = t.database;
    if (!this.host.catalog().databaseExists(db)) throw new DatabaseNotFoundError(db);
    const ext = opts.format.format.extension;
    if (st.direction === 'to') {
      let n = 0;
      for (const table of this.host.catalog().listTables(db)) n += await this.exportTable(table, path.join(location, `${table.name}.${ext}`), opts, session, signal, st.span);
      return n;
    }
    // COPY DATABASE FROM: <table>.<ext> files into existing tables (as GreptimeDB: it does not create them).
    const files = (await this.listFiles(location, opts.pattern, true)).filter((f) => f.endsWith(`.${ext}`));
    const targets = files.map((f) => {
      const name = path.basename(f).slice(0, -(ext.length + 1));
      const table = this.host.catalog().getTable(db, name);
      if (!table) throw new TableNotFoundError(`${db}.${name} (for file ${f})`);
      return { file: f, table };
    });
    let n = 0;
    for (const x of targets) n += await this.importFile(x.table, x.file, opts, session, signal);
    return n;
  }

  private options(st: ast.CopyStatement): CopyOptions {
    const map = new Map<string, string>();
    for (const o of st.options) map.set(o.key.toLowerCase(), o.value);
    for (const k of map.keys()) {
      if (!OPTION_KEYS.includes(k)) throw new UnsupportedError(`COPY option ${k} is not supported (supported: ${OPTION_KEYS.join(', ')})`);
    }
    const name = (map.get('format') ?? 'parquet').toLowerCase();
    const plugin = this.host.formats().find((f) => f.name.toLowerCase() === name);
    const format: AnyFormat | undefined = name === 'csv' ? { kind: 'text', format: CSV_FORMAT } : name === 'json' ? { kind: 'text', format: JSON_FORMAT }
      : plugin ? { kind: 'arrow', format: plugin } : undefined;
    if (!format) {
      const known = ['csv', 'json', ...this.host.formats().map((f) => f.name.toLowerCase())];
      const hint = name === 'parquet' ? ' (the parquet format comes with the engine-lsm plugin, which this server does not run)' : '';
      throw new UnsupportedError(`COPY format ${name} is not supported here${hint}; available: ${known.join(', ')}`);
    }
    if (map.get('has_header') !== undefined && map.get('has_header')!.toLowerCase() !== 'true') {
      throw new UnsupportedError('COPY has_header = false is not supported: CSV files need a header row (columns are matched by name)');
    }
    const delimiter = map.get('delimiter') ?? ',';
    if (delimiter.length !== 1 || delimiter === '"' || delimiter === '\n' || delimiter === '\r') throw new InvalidArgumentsError(`COPY delimiter must be one character other than a quote or line break, got '${delimiter}'`);
    let pattern: RegExp | undefined;
    const p = map.get('pattern');
    if (p !== undefined) {
      if (st.direction !== 'from') throw new InvalidArgumentsError('PATTERN applies to COPY ... FROM only');
      try { pattern = new RegExp(p); } catch (err) { throw new InvalidArgumentsError(`COPY PATTERN is not a valid regular expression: ${(err as Error).message}`, { cause: err }); }
    }
    return {
      format, delimiter,
      ...(pattern ? { pattern } : {}),
      ...(map.has('start_time') ? { startTime: map.get('start_time')! } : {}),
      ...(map.has('end_time') ? { endTime: map.get('end_time')! } : {}),
    };
  }

  // ---------------------------------------------------------------- export

  private async exportTable(t: TableInfo, file: string, opts: CopyOptions, session: Session, signal: AbortSignal, span: ast.Span): Promise<number> {
    this.timeRange(t, opts, session); // checks START_TIME / END_TIME are timestamps
    const ts: ast.ColumnRef = { kind: 'ColumnRef', name: t.schema.timeIndex, quoted: true, span };
    const conds: ast.Expr[] = [];
    if (opts.startTime !== undefined) conds.push({ kind: 'BinaryExpr', op: '>=', left: ts, right: { kind: 'StringLiteral', value: opts.startTime, span } as ast.Expr, span } as ast.Expr);
    if (opts.endTime !== undefined) conds.push({ kind: 'BinaryExpr', op: '<', left: ts, right: { kind: 'StringLiteral', value: opts.endTime, span } as ast.Expr, span } as ast.Expr);
    const where = conds.length === 2 ? ({ kind: 'BinaryExpr', op: 'AND', left: conds[0]!, right: conds[1]!, span } as ast.Expr) : conds[0];
    const q: ast.Query = {
      kind: 'Query', span, orderBy: [],
      body: {
        kind: 'Select', span, distinct: false, groupBy: [], windows: [],
        items: t.schema.columns.map((c) => ({ kind: 'SelectExprItem' as const, span, expr: { kind: 'ColumnRef' as const, name: c.name, quoted: true, span } })),
        from: [{ kind: 'NamedTable', span, name: { kind: 'ObjectName', name: t.name, database: t.database, span } }],
        ...(where ? { where } : {}),
      },
    };
    return this.exportQuery(await this.host.query(q, session, signal), file, opts.format, signal, opts.delimiter);
  }

  /** Streams a query's batches into `file` through a hidden temp file renamed at the end: a failed export leaves no file. */
  private async exportQuery(src: { fields: ReadonlyArray<{ name: string; type: DataType }>; batches: AsyncIterable<Batch> }, file: string, format: AnyFormat, signal: AbortSignal, delimiter = ','): Promise<number> {
    const target = path.resolve(file);
    if (file.endsWith('/') || file.endsWith(path.sep)) throw new InvalidArgumentsError(`COPY TO needs a file path, got the directory ${file}`);
    await mkdir(path.dirname(target), { recursive: true });
    const tmp = path.join(path.dirname(target), `.${path.basename(target)}.strata-tmp-${process.pid}-${++tmpSeq}`);
    let rows = 0;
    const counted = (async function* () {
      for await (const b of src.batches) {
        throwIfAborted(signal);
        rows += b.numRows;
        yield b;
      }
    })();
    try {
      if (format.kind === 'text') {
        const fh = await open(tmp, 'w');
        try { await format.format.writeText(fh, src.fields, counted, { signal, delimiter }); } finally { await fh.close(); }
      } else {
        const names = src.fields.map((f) => f.name);
        const schema = new arrow.Schema(src.fields.map((f) => new arrow.Field(f.name, toArrowType(f.type), true)));
        const batches = (async function* () { for await (const b of counted) if (b.numRows) yield batchToArrow(b, names, schema); })();
        await format.format.write(tmp, schema, batches, { signal });
      }
      await rename(tmp, target);
    } catch (err) {
      await rm(tmp, { force: true });
      throw err;
    } finally {
      // A writer that stopped early (an error, KILL) leaves the query's scan open: close it, so the
      // engine releases the files it holds.
      await counted.return(undefined).catch(() => undefined);
    }
    return rows;
  }

  // ---------------------------------------------------------------- import

  /** The files a COPY FROM path names: the file itself, or a directory's files (sorted, hidden ones skipped) whose names match `pattern`. */
  private async listFiles(location: string, pattern: RegExp | undefined, directoryOnly = false): Promise<string[]> {
    let st;
    try { st = await stat(location); } catch (err) { throw new CopyFileNotFoundError(location, { cause: err }); }
    if (!st.isDirectory()) {
      if (directoryOnly) throw new InvalidArgumentsError(`COPY DATABASE FROM needs a directory, got the file ${location}`);
      return [location];
    }
    const entries = await readdir(location, { withFileTypes: true });
    return entries.filter((e) => e.isFile() && !e.name.startsWith('.') && (!pattern || pattern.test(e.name)))
      .map((e) => path.join(location, e.name)).sort();
  }

  /**
   * Imports one file. Every row is converted and checked before the first
   * write, so a file with a bad value imports nothing; the write itself is
   * in batches of BATCH_ROWS through the INSERT path (a failure there, or a
   * KILL, can leave the batches already written).
   */
  private async importFile(t: TableInfo, file: string, opts: CopyOptions, session: Session, signal: AbortSignal): Promise<number> {
    const range = this.timeRange(t, opts, session);
    const kept: Array<{ names: string[]; batch: Batch }> = [];
    let cells = 0;
    let overflow = false;
    for await (const b of this.converted(t, file, opts, range, signal)) {
      if (overflow) continue;
      cells += b.batch.numRows * Math.max(1, b.names.length);
      if (cells > this.bufferCellsMax) { overflow = true; kept.length = 0; continue; }
      kept.push(b);
    }
    let n = 0;
    if (!overflow) {
      for (const b of kept) { throwIfAborted(signal); n += await this.host.write(t, b.names, b.batch, session); }
      return n;
    }
    for await (const b of this.converted(t, file, opts, range, signal)) n += await this.host.write(t, b.names, b.batch, session);
    return n;
  }

  private timeRange(t: TableInfo, opts: CopyOptions, session: Session): { start?: bigint; end?: bigint } {
    const ts = t.schema.columns.find((c) => c.name === t.schema.timeIndex)!;
    const at = (text: string, key: string): bigint => {
      try { return castValue(text, { name: 'String' }, ts.type, session.timezone) as bigint; } catch (err) {
        throw new InvalidArgumentsError(`COPY ${key} '${text}' is not a timestamp`, { cause: err });
      }
    };
    return {
      ...(opts.startTime !== undefined ? { start: at(opts.startTime, 'START_TIME') } : {}),
      ...(opts.endTime !== undefined ? { end: at(opts.endTime, 'END_TIME') } : {}),
    };
  }

  /** A file's rows as batches of the table's columns (those the file has), converted, checked and time-filtered. */
  private async *converted(t: TableInfo, file: string, opts: CopyOptions, range: { start?: bigint; end?: bigint }, signal: AbortSignal): AsyncIterable<{ names: string[]; batch: Batch }> {
    let firstRow = 1;
    const f = opts.format;
    const source: AsyncIterable<TextBatch | arrow.RecordBatch> = f.kind === 'text'
      ? f.format.readText(file, { batchRows: BATCH_ROWS, signal, delimiter: opts.delimiter })
      : f.format.read(file, { batchRows: BATCH_ROWS, signal });
    try {
      for await (const raw of source) {
        throwIfAborted(signal);
        // (by the format's kind: a plugin's RecordBatch may come from another copy of apache-arrow)
        const out = f.kind === 'arrow' ? this.fromArrow(t, file, raw as arrow.RecordBatch, firstRow) : this.fromText(t, file, raw as TextBatch, firstRow);
        firstRow += raw.numRows;
        const filtered = filterTime(t, out, range);
        if (filtered.batch.numRows) yield filtered;
      }
    } catch (err) {
      if (err instanceof StrataError) throw err;
      const e = err as NodeJS.ErrnoException;
      if (e.code === 'ENOENT' || e.code === 'EACCES' || e.code === 'EISDIR') throw new CopyFileNotFoundError(file, { cause: err });
      throw new CopyFileError(file, `cannot be read as ${f.format.name}: ${e.message ?? String(err)}`, undefined, { cause: err });
    }
  }

  /** The table columns a file's columns (by name; case-insensitively when no exact match) fill, checking the required ones are there. */
  private matchColumns(t: TableInfo, file: string, names: readonly string[]): Array<{ source: number; column: ColumnSchema }> {
    const out: Array<{ source: number; column: ColumnSchema }> = [];
    for (const c of t.schema.columns) {
      let i = names.indexOf(c.name);
      if (i < 0) { const lower = c.name.toLowerCase(); i = names.findIndex((n) => n.toLowerCase() === lower); }
      if (i >= 0) { out.push({ source: i, column: c }); continue; }
      if (c.name === t.schema.timeIndex) throw new CopyFileError(file, `has no column ${c.name}, the time index of ${t.name}`);
      if (!c.nullable && c.default === undefined) throw new CopyFileError(file, `has no column ${c.name}, which is NOT NULL in ${t.name} and has no default`);
    }
    return out;
  }

  private fromText(t: TableInfo, file: string, b: TextBatch, firstRow: number): { names: string[]; batch: Batch } {
    const cols = this.matchColumns(t, file, b.names);
    const columns = cols.map(({ source, column }) => {
      const vals = b.columns[source]!;
      const text = vals.length === b.numRows ? vals : padded(vals, b.numRows);
      if (column.type.name !== 'Binary') return converted(file, column, columnFromValues({ name: 'String' }, text), firstRow, '');
      // Binary columns are written as hex (not CAST's text form).
      const out = new Array<Uint8Array | null>(b.numRows);
      for (let i = 0; i < b.numRows; i++) {
        const v = text[i];
        if (v === null || v === undefined) { out[i] = null; continue; }
        const bytes = hexToBytes(v);
        if (!bytes) throw new CopyFileError(file, `column ${column.name}: '${clip(v)}' is not hex (Binary columns are written as hex)`, firstRow + i);
        out[i] = bytes;
      }
      return columnFromValues(column.type, out);
    });
    return this.checked(t, file, cols.map((c) => c.column), columns, b.numRows, firstRow);
  }

  private fromArrow(t: TableInfo, file: string, rb: arrow.RecordBatch, firstRow: number): { names: string[]; batch: Batch } {
    const cols = this.matchColumns(t, file, rb.schema.fields.map((f) => f.name));
    const columns = cols.map(({ source, column }) => {
      let src: Column;
      try { src = columnFromArrow(rb.getChildAt(source)!); } catch (err) {
        throw new CopyFileError(file, `column ${column.name}: the file's type ${String(rb.schema.fields[source]!.type)} is not supported`, undefined, { cause: err });
      }
      return converted(file, column, src, firstRow, ` (${src.type.name} in the file, ${column.type.name} in ${t.name})`);
    });
    return this.checked(t, file, cols.map((c) => c.column), columns, rb.numRows, firstRow);
  }

  /** NOT NULL columns (the time index among them) must have a value in every row. */
  private checked(t: TableInfo, file: string, schema: readonly ColumnSchema[], columns: Column[], numRows: number, firstRow: number): { names: string[]; batch: Batch } {
    for (let j = 0; j < schema.length; j++) {
      const c = schema[j]!;
      const col = columns[j]!;
      if (!col.valid || (c.nullable && c.name !== t.schema.timeIndex)) continue;
      const i = col.valid.indexOf(0);
      if (i >= 0 && i < numRows) throw new CopyFileError(file, `column ${c.name} is NULL but ${c.name === t.schema.timeIndex ? 'is the time index' : 'is NOT NULL'} of ${t.name}`, firstRow + i);
    }
    return { names: schema.map((c) => c.name), batch: { columns, numRows } };
  }
}

let tmpSeq = 0;

/**
 * A file's column as the table column's type, converted as CAST converts
 * (castColumn); a value it cannot convert fails the file at that value's row,
 * with CAST's message.
 */
function converted(file: string, column: ColumnSchema, src: Column, firstRow: number, what: string): Column {
  const out = castColumn(src, column.type, 'UTC', true);
  if (out === src || out.valid === null) return out;
  for (let i = 0; i < src.length; i++) {
    if (out.valid[i] === 1 || (src.valid !== null && src.valid[i] === 0)) continue;
    let message = 'cannot be converted';
    try { castValue(valueAt(src, i), src.type, column.type, 'UTC'); } catch (err) { message = (err as Error).message; }
    throw new CopyFileError(file, `column ${column.name}${what}: ${message}`, firstRow + i);
  }
  return out;
}

function throwIfAborted(signal: AbortSignal): void {
  if (signal.aborted) throw signal.reason instanceof Error ? signal.reason : new CancelledError();
}

async function isDirectory(p: string): Promise<boolean> {
  try { return (await stat(p)).isDirectory(); } catch (err) { throw new CopyFileNotFoundError(p, { cause: err }); }
}

function padded(vals: ReadonlyArray<string | null>, n: number): Array<string | null> {
  const out = vals.slice();
  while (out.length < n) out.push(null);
  return out;
}

function clip(s: string): string { return s.length > 40 ? `${s.slice(0, 40)}...` : s; }

/** Keeps rows with START_TIME <= time index < END_TIME. */
function filterTime(t: TableInfo, b: { names: string[]; batch: Batch }, range: { start?: bigint; end?: bigint }): { names: string[]; batch: Batch } {
  if (range.start === undefined && range.end === undefined) return b;
  const ts = b.batch.columns[b.names.indexOf(t.schema.timeIndex)]!;
  const keep: number[] = [];
  const data = ts.data as BigInt64Array;
  for (let i = 0; i < b.batch.numRows; i++) {
    const v = data[i]!;
    if ((range.start === undefined || v >= range.start) && (range.end === undefined || v < range.end)) keep.push(i);
  }
  return keep.length === b.batch.numRows ? b : { names: b.names, batch: takeBatch(b.batch, keep) };
}
