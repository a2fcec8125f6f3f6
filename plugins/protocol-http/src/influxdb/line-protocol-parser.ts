import { isUtf8 } from 'node:buffer';
import * as arrow from 'apache-arrow';
import { InvalidArgumentsError } from '@strata/kernel';
import { LineProtocolError } from '../errors.js';
import { CellBudget, checkIngestName, ColumnarTableBuilder, ColumnTypeConflict, DEFAULT_MAX_WRITE_CELLS, type ColumnBuilder, type ColumnKind } from '../ingest/columnar-table-builder.js';

/** Time index column of tables created by InfluxDB line protocol (GreptimeDB >= 1.0). */
export const INFLUXDB_TIMESTAMP_COLUMN = 'greptime_timestamp';

/** Timestamp precision of a write: the unit of the numbers in the body. */
export type Precision = 'ns' | 'us' | 'ms' | 's' | 'm' | 'h';

const PRECISIONS: Record<string, Precision> = { n: 'ns', ns: 'ns', u: 'us', us: 'us', 'µ': 'us', ms: 'ms', s: 's', m: 'm', h: 'h' };

/** Parses the `precision` query parameter (default nanoseconds). */
export function parsePrecision(p: string | undefined): Precision {
  if (p === undefined || p === '') return 'ns';
  const v = PRECISIONS[p];
  if (!v) throw new InvalidArgumentsError(`invalid precision '${p}' (expected one of n, ns, u, us, ms, s, m, h)`);
  return v;
}

// Multipliers to nanoseconds, split into steps small enough that
// lo * step stays exact in a double (lo < 2^32, step <= 3600).
const PRECISION_STEPS: Record<Precision, readonly number[]> = {
  ns: [], us: [1000], ms: [1000, 1000], s: [1000, 1000, 1000], m: [60, 1000, 1000, 1000], h: [3600, 1000, 1000, 1000],
};

const TWO_32 = 4294967296;
const TWO_31 = 2147483648;
const POW10 = [1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22];

const NL = 10, CR = 13, SPACE = 32, TAB = 9, QUOTE = 34, HASH = 35, COMMA = 44, MINUS = 45, PLUS = 43, DOT = 46, EQ = 61, BSL = 92;
const CH_0 = 48, CH_9 = 57, CH_E = 69, CH_e = 101, CH_i = 105, CH_u = 117;

const enum V { Float, Int, UInt, Bool, Str }

/** Bytes that can end or escape a token: `,` `=` space and backslash. */
const SPECIAL = new Uint8Array(256);
for (const c of [COMMA, EQ, SPACE, BSL]) SPECIAL[c] = 1;

interface KeyCacheEntry { bytes: Uint8Array; col: ColumnBuilder }

interface TableState {
  readonly key: Uint8Array;
  readonly builder: ColumnarTableBuilder;
  readonly tagCache: Array<KeyCacheEntry | undefined>;
  readonly fieldCache: Array<KeyCacheEntry | undefined>;
}

export interface LineProtocolOptions {
  readonly precision?: Precision;
  /** Timestamp for lines without one, in nanoseconds (default: now, once per batch). */
  readonly defaultTimestampNs?: bigint;
  /** Column cells (rows x columns) the batch may allocate (default 64M); beyond, PayloadTooLargeError. */
  readonly maxCells?: number;
}

/**
 * A byte-level parser of InfluxDB line protocol that fills columnar table
 * builders directly (no per-row objects): one table per measurement, tags
 * as String tag columns, fields typed by their suffix (Float64, `i` Int64,
 * `u` UInt64, String, Boolean), and the time index `greptime_timestamp`
 * (TimestampNanosecond). Column lookups are cached by the raw key bytes at
 * each position, so a batch whose lines share a shape decodes each key once.
 *
 * Any malformed line rejects the whole batch with a LineProtocolError naming
 * the 1-based line, so nothing of it is written.
 *
 * @example
 * const tables = new LineProtocolParser({ precision: 'ms' })
 *   .parse(Buffer.from('monitor,host=a cpu=0.1,n=3i 1667446797450\n'));
 * tables[0].build('public'); // -> InsertRequest for table 'monitor'
 */
export class LineProtocolParser {
  private buf!: Buffer;
  private line = 0;
  private readonly steps: readonly number[];
  private readonly budget: CellBudget;
  private readonly tables = new Map<string, TableState>();
  /** Initial rows per table, estimated from the body size so that columns rarely regrow. */
  private capacity = 256;
  private readonly order: TableState[] = [];
  private lastTable: TableState | undefined;
  private defLo = 0;
  private defHi = 0;
  private scratch = Buffer.allocUnsafe(256);
  // Results of the value/number scanners (kept as fields to avoid allocations).
  private esc = false;
  private vKind: V = V.Float;
  private vF64 = 0;
  private vLo = 0;
  private vHi = 0;
  private vBool = 0;
  private vStart = 0;
  private vEnd = 0;

  constructor(private readonly options: LineProtocolOptions = {}) {
    this.steps = PRECISION_STEPS[options.precision ?? 'ns'];
    this.budget = new CellBudget(options.maxCells ?? DEFAULT_MAX_WRITE_CELLS);
    const now = options.defaultTimestampNs ?? BigInt(Date.now()) * 1_000_000n;
    const u = BigInt.asUintN(64, now);
    this.defLo = Number(u & 0xffffffffn);
    this.defHi = Number(u >> 32n);
  }

  /** Parses a whole body; returns one builder per measurement, in first-seen order. */
  parse(body: Uint8Array): ColumnarTableBuilder[] {
    const buf = Buffer.isBuffer(body) ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
    this.buf = buf;
    // Generous, so columns rarely regrow; a parse worker cuts the unused part off before
    // transferring them (counting the lines first would cost more than that copy).
    this.capacity = Math.min(8192, Math.max(256, Math.ceil(buf.length / 128)));
    if (!isUtf8(buf)) this.failOnInvalidUtf8(buf);
    const n = buf.length;
    let p = 0;
    while (p < n) {
      this.line++;
      let e = buf.indexOf(NL, p);
      if (e < 0) e = n;
      const next = e + 1;
      if (e > p && buf[e - 1] === CR) e--;
      // Leading whitespace is allowed; blank lines and comments are skipped.
      while (p < e && (buf[p] === SPACE || buf[p] === TAB)) p++;
      if (p < e && buf[p] !== HASH) this.parseLine(p, e);
      p = next;
    }
    return this.order.map((t) => t.builder);
  }

  /** Lines seen (including blank lines and comments). */
  get lines(): number { return this.line; }

  private fail(reason: string): never {
    throw new LineProtocolError(this.line, reason);
  }

  private failOnInvalidUtf8(buf: Buffer): never {
    let p = 0; let line = 0;
    while (p <= buf.length) {
      line++;
      let e = buf.indexOf(NL, p);
      if (e < 0) e = buf.length;
      if (!isUtf8(buf.subarray(p, e))) throw new LineProtocolError(line, 'invalid UTF-8');
      p = e + 1;
    }
    throw new LineProtocolError(1, 'invalid UTF-8');
  }

  /**
   * Scans an escapable token until one of the stop bytes; sets this.esc.
   * One table load per byte filters out ordinary bytes before any compare.
   */
  private scan(i: number, e: number, stop1: number, stop2: number, stop3: number): number {
    const buf = this.buf;
    let esc = false;
    while (i < e) {
      const c = buf[i]!;
      if (SPECIAL[c] === 0) { i++; continue; }
      if (c === BSL) { esc = true; i += 2; continue; }
      if (c === stop1 || c === stop2 || c === stop3) break;
      i++;
    }
    this.esc = esc;
    return i > e ? e : i;
  }

  /** Copies [s, e) unescaping `\,` `\=` `\ ` `\\` (or `\"` `\\` in strings) into `dst` at `at`; returns the new end. */
  private copyUnescaped(s: number, e: number, dst: Uint8Array, at: number, quoted: boolean): number {
    const buf = this.buf;
    for (let i = s; i < e; i++) {
      let c = buf[i]!;
      if (c === BSL && i + 1 < e) {
        const d = buf[i + 1]!;
        if (quoted ? (d === QUOTE || d === BSL) : (d === COMMA || d === EQ || d === SPACE || d === BSL)) { c = d; i++; }
      }
      dst[at++] = c;
    }
    return at;
  }

  private decodeName(s: number, e: number, esc: boolean, what: string): string {
    let name: string;
    if (!esc) {
      name = this.buf.toString('utf8', s, e);
    } else {
      if (this.scratch.length < e - s) this.scratch = Buffer.allocUnsafe(2 * (e - s));
      const end = this.copyUnescaped(s, e, this.scratch, 0, false);
      name = this.scratch.toString('utf8', 0, end);
    }
    try { checkIngestName(name, what); } catch (err) { this.fail((err as Error).message); }
    return name;
  }

  private sameBytes(s: number, e: number, key: Uint8Array): boolean {
    const len = e - s;
    if (key.length !== len) return false;
    const buf = this.buf;
    for (let k = 0; k < len; k++) if (buf[s + k] !== key[k]) return false;
    return true;
  }

  private tableFor(s: number, e: number, esc: boolean): TableState {
    const last = this.lastTable;
    if (last !== undefined && this.sameBytes(s, e, last.key)) return last;
    const name = this.decodeName(s, e, esc, 'measurement');
    let t = this.tables.get(name);
    if (!t) {
      // The key is copied: the caller may reuse the body buffer after parse.
      // The first table gets room for the whole body; later ones start small
      // (many-measurement batches would otherwise reserve a lot each).
      const capacity = this.order.length === 0 ? this.capacity : 16;
      t = { key: new Uint8Array(this.buf.subarray(s, e)), builder: new ColumnarTableBuilder(name, INFLUXDB_TIMESTAMP_COLUMN, new arrow.TimestampNanosecond(), capacity, this.budget), tagCache: [], fieldCache: [] };
      this.tables.set(name, t);
      this.order.push(t);
    }
    this.lastTable = t;
    return t;
  }

  private column(t: TableState, cache: Array<KeyCacheEntry | undefined>, idx: number, s: number, e: number, esc: boolean,
    semantic: 'tag' | 'field', kind: ColumnKind): ColumnBuilder {
    const hit = cache[idx];
    if (hit !== undefined && this.sameBytes(s, e, hit.bytes)) return hit.col;
    const name = this.decodeName(s, e, esc, semantic === 'tag' ? 'tag key' : 'field key');
    let col: ColumnBuilder;
    try {
      col = t.builder.column(name, semantic, kind);
    } catch (err) {
      if (err instanceof ColumnTypeConflict) this.fail(err.message);
      throw err;
    }
    cache[idx] = { bytes: new Uint8Array(this.buf.subarray(s, e)), col };
    return col;
  }

  private parseLine(p: number, e: number): void {
    const buf = this.buf;
    // ---- measurement ----
    let i = this.scan(p, e, COMMA, SPACE, SPACE);
    if (i === p) this.fail('missing measurement');
    const t = this.tableFor(p, i, this.esc);
    const b = t.builder;
    const row = b.rowCount;

    // ---- tags ----
    let tagIdx = 0;
    while (i < e && buf[i] === COMMA) {
      const ks = i + 1;
      // Fast path: the same key as at this position of the table's previous line.
      const hit = t.tagCache[tagIdx];
      let ke: number; let col: ColumnBuilder | undefined;
      if (hit !== undefined && ks + hit.bytes.length < e && buf[ks + hit.bytes.length] === EQ && this.sameBytes(ks, ks + hit.bytes.length, hit.bytes)) {
        ke = ks + hit.bytes.length; col = hit.col;
      } else {
        ke = this.scan(ks, e, EQ, COMMA, SPACE);
        if (ke >= e || buf[ke] !== EQ) this.fail(`tag key without '=' value`);
        if (ke === ks) this.fail('empty tag key');
        col = this.column(t, t.tagCache, tagIdx, ks, ke, this.esc, 'tag', 'str');
      }
      const vs = ke + 1;
      if (!col.slot(row)) this.fail(`duplicate tag '${col.name}'`);
      // Scan and copy the value in one pass (unescaping as it goes); the rest
      // of the line bounds its length.
      const dst = col.ensureBytes(e - vs);
      let at = col.byteLength;
      let ve = vs;
      while (ve < e) {
        const c = buf[ve]!;
        if (SPECIAL[c] !== 0) {
          if (c === COMMA || c === SPACE) break;
          if (c === BSL && ve + 1 < e) {
            const d = buf[ve + 1]!;
            if (d === COMMA || d === EQ || d === SPACE || d === BSL) { dst[at++] = d; ve += 2; continue; }
          }
        }
        dst[at++] = c; ve++;
      }
      if (ve === vs) this.fail('empty tag value');
      col.byteLength = at;
      col.endString(row);
      tagIdx++;
      i = ve;
    }

    // ---- fields ----
    if (i >= e || buf[i] !== SPACE) this.fail('expected a space before the field set');
    while (i < e && buf[i] === SPACE) i++;
    if (i >= e) this.fail('missing field set');
    let fieldIdx = 0;
    for (;;) {
      const ks = i;
      const hit = t.fieldCache[fieldIdx];
      let ke: number; let kEsc = false; let known: ColumnBuilder | undefined;
      if (hit !== undefined && ks + hit.bytes.length < e && buf[ks + hit.bytes.length] === EQ && this.sameBytes(ks, ks + hit.bytes.length, hit.bytes)) {
        ke = ks + hit.bytes.length; known = hit.col;
      } else {
        ke = this.scan(ks, e, EQ, COMMA, SPACE);
        if (ke >= e || buf[ke] !== EQ) this.fail(`field '${buf.toString('utf8', ks, ke)}' has no '=' value`);
        if (ke === ks) this.fail('empty field key');
        kEsc = this.esc;
      }
      i = this.scanValue(ke + 1, e);
      this.storeField(t, fieldIdx, ks, ke, kEsc, row, known);
      fieldIdx++;
      if (i < e && buf[i] === COMMA) { i++; continue; }
      break;
    }

    // ---- timestamp ----
    const ts = b.timeIndex;
    ts.slot(row);
    const w = ts.words!;
    if (i < e) {
      if (buf[i] !== SPACE) this.fail('expected a space before the timestamp');
      while (i < e && buf[i] === SPACE) i++;
      let te = e;
      while (te > i && (buf[te - 1] === SPACE || buf[te - 1] === TAB)) te--;
      if (te > i) {
        this.parseTimestamp(i, te);
        w[2 * row] = this.vLo; w[2 * row + 1] = this.vHi;
      } else {
        w[2 * row] = this.defLo; w[2 * row + 1] = this.defHi;
      }
    } else {
      w[2 * row] = this.defLo; w[2 * row + 1] = this.defHi;
    }
    b.endRow();
  }

  /** Scans one field value starting at `s`; returns the index after it. Sets vKind and the value. */
  private scanValue(s: number, e: number): number {
    const buf = this.buf;
    if (s >= e) this.fail('missing field value');
    const c0 = buf[s]!;
    if (c0 === QUOTE) {
      let j = s + 1; let esc = false;
      while (j < e) {
        const c = buf[j]!;
        if (c === BSL && j + 1 < e) { esc = true; j += 2; continue; }
        if (c === QUOTE) break;
        j++;
      }
      if (j >= e) this.fail('unterminated string field value');
      this.vKind = V.Str; this.vStart = s + 1; this.vEnd = j; this.esc = esc;
      return j + 1;
    }
    if ((c0 >= CH_0 && c0 <= CH_9) || c0 === MINUS) {
      // Fast path for short integers (`12i`, `7u`, `42`): one pass, no re-scan.
      let k = s; let neg = false;
      if (c0 === MINUS) { neg = true; k++; }
      const ds = k; let a = 0;
      while (k < e) { const d = buf[k]! - CH_0; if (d < 0 || d > 9) break; a = a * 10 + d; k++; }
      const nd = k - ds;
      if (nd > 0 && nd <= 15) {
        const c = k < e ? buf[k]! : SPACE;
        if (c === COMMA || c === SPACE) { this.vF64 = neg ? -a : a; this.vKind = V.Float; return k; }
        if ((c === CH_i || c === CH_u) && (k + 1 === e || buf[k + 1] === COMMA || buf[k + 1] === SPACE)) {
          if (c === CH_u && neg) this.fail(`negative unsigned integer '${buf.toString('utf8', s, k + 1)}'`);
          const hi = a < TWO_32 ? 0 : Math.floor(a / TWO_32);
          const lo = a - hi * TWO_32;
          if (neg) this.negate(lo, hi); else { this.vLo = lo; this.vHi = hi; }
          this.vKind = c === CH_i ? V.Int : V.UInt;
          return k + 1;
        }
      }
    }
    let j = s;
    while (j < e) { const c = buf[j]!; if (c === COMMA || c === SPACE) break; j++; }
    const last = buf[j - 1]!;
    if (last === CH_i) { this.parseInteger(s, j - 1, true); this.vKind = V.Int; return j; }
    if (last === CH_u) { this.parseInteger(s, j - 1, false); this.vKind = V.UInt; return j; }
    const len = j - s;
    if ((c0 >= CH_0 && c0 <= CH_9) || c0 === MINUS || c0 === PLUS || c0 === DOT) {
      this.vF64 = this.parseFloat(s, j); this.vKind = V.Float; return j;
    }
    // Booleans: t, T, true, True, TRUE, f, F, false, False, FALSE.
    const word = len <= 5 ? buf.toString('latin1', s, j) : '';
    switch (word) {
      case 't': case 'T': case 'true': case 'True': case 'TRUE': this.vBool = 1; this.vKind = V.Bool; return j;
      case 'f': case 'F': case 'false': case 'False': case 'FALSE': this.vBool = 0; this.vKind = V.Bool; return j;
    }
    this.fail(`invalid field value '${buf.toString('utf8', s, j)}'`);
  }

  private storeField(t: TableState, idx: number, ks: number, ke: number, kEsc: boolean, row: number, known: ColumnBuilder | undefined): void {
    const kind = this.vKind;
    const wanted: ColumnKind = kind === V.Float ? 'f64' : kind === V.Int ? 'i64' : kind === V.UInt ? 'u64' : kind === V.Bool ? 'bool' : 'str';
    const col = known ?? this.column(t, t.fieldCache, idx, ks, ke, kEsc, 'field', wanted);
    if (!col.slot(row)) { col.rewind(row); col.slot(row); }
    let ck = col.kind;
    if (ck !== wanted) {
      // Integers and floats mixed in one column: widen to Float64 rather than reject.
      const numeric = wanted === 'f64' || wanted === 'i64' || wanted === 'u64';
      if (numeric && (ck === 'i64' || ck === 'u64')) { col.widenToFloat(); ck = 'f64'; }
      if (!(numeric && ck === 'f64')) {
        col.rewind(row);
        this.fail(`field '${col.name}' is ${typeName(wanted)} here but ${typeName(ck)} earlier in the batch`);
      }
    }
    switch (ck) {
      case 'f64':
        col.f64![row] = kind === V.Float ? this.vF64 : kind === V.Int ? (this.vHi | 0) * TWO_32 + this.vLo : this.vHi * TWO_32 + this.vLo;
        break;
      case 'i64': case 'u64':
        col.words![2 * row] = this.vLo; col.words![2 * row + 1] = this.vHi;
        break;
      case 'bool':
        col.bools![row] = this.vBool;
        break;
      case 'str': {
        const s = this.vStart; const e = this.vEnd;
        const dst = col.ensureBytes(e - s);
        if (this.esc) {
          col.byteLength = this.copyUnescaped(s, e, dst, col.byteLength, true);
        } else {
          const buf = this.buf; let at = col.byteLength;
          for (let k = s; k < e; k++) dst[at++] = buf[k]!;
          col.byteLength = at;
        }
        col.endString(row);
        break;
      }
      default:
        this.fail(`field '${col.name}' cannot hold a ${typeName(wanted)}`);
    }
  }

  /** Parses [-]digits into vLo/vHi (two's complement when signed), checking the range. */
  private parseInteger(s: number, e: number, signed: boolean): void {
    const buf = this.buf;
    let i = s; let neg = false;
    if (i < e && buf[i] === MINUS) { if (!signed) this.fail(`negative unsigned integer '${buf.toString('utf8', s, e + 1)}'`); neg = true; i++; }
    if (i >= e) this.fail(`invalid integer '${buf.toString('utf8', s, e + 1)}'`);
    const limit = signed ? TWO_31 : TWO_32;
    this.digits(i, e, limit, s, e + 1, 'integer');
    const lo = this.vLo; const hi = this.vHi;
    if (neg) this.negate(lo, hi); else { this.vLo = lo; this.vHi = hi; }
  }

  /**
   * Reads decimal digits [i, e) into vLo/vHi (unsigned 64-bit). The first 15
   * digits accumulate in a plain double (exact below 2^53); only longer
   * numbers (nanosecond timestamps) pay for 32-bit limb arithmetic.
   */
  private digits(i: number, e: number, limit: number, s: number, textEnd: number, what: string): void {
    const buf = this.buf;
    let a = 0;
    const fastEnd = e - i > 15 ? i + 15 : e;
    for (; i < fastEnd; i++) {
      const d = buf[i]! - CH_0;
      if (d < 0 || d > 9) this.fail(`invalid ${what} '${buf.toString('utf8', s, textEnd)}'`);
      a = a * 10 + d;
    }
    if (i === e && a < TWO_32) { this.vLo = a; this.vHi = 0; return; }
    let hi = Math.floor(a / TWO_32);
    let lo = a - hi * TWO_32;
    const rest = e - i;
    if (rest > 0 && rest <= 5) {
      // Up to 5 more digits (19-digit nanosecond timestamps): one multiply-add
      // by 10^rest; lo * 10^5 < 2^49 stays exact.
      let b = 0;
      for (; i < e; i++) {
        const d = buf[i]! - CH_0;
        if (d < 0 || d > 9) this.fail(`invalid ${what} '${buf.toString('utf8', s, textEnd)}'`);
        b = b * 10 + d;
      }
      const p = POW10[rest]!;
      const l = lo * p + b;
      const carry = Math.floor(l / TWO_32);
      lo = l - carry * TWO_32;
      hi = hi * p + carry;
    }
    for (; i < e; i++) {
      const d = buf[i]! - CH_0;
      if (d < 0 || d > 9) this.fail(`invalid ${what} '${buf.toString('utf8', s, textEnd)}'`);
      lo = lo * 10 + d;
      const carry = Math.floor(lo / TWO_32);
      lo -= carry * TWO_32;
      hi = hi * 10 + carry;
      if (hi >= limit) this.fail(`${what} out of range '${buf.toString('utf8', s, textEnd)}'`);
    }
    if (hi >= limit) this.fail(`${what} out of range '${buf.toString('utf8', s, textEnd)}'`);
    this.vLo = lo; this.vHi = hi;
  }

  private negate(lo: number, hi: number): void {
    if (lo === 0) { this.vLo = 0; this.vHi = (TWO_32 - hi) % TWO_32; } else { this.vLo = TWO_32 - lo; this.vHi = TWO_32 - 1 - hi; }
  }

  /** Parses a timestamp in the batch's precision into nanoseconds (vLo/vHi). */
  private parseTimestamp(s: number, e: number): void {
    const buf = this.buf;
    let i = s; let neg = false;
    if (buf[i] === MINUS) { neg = true; i++; }
    if (i >= e) this.fail(`invalid timestamp '${buf.toString('utf8', s, e)}'`);
    this.digits(i, e, TWO_31, s, e, 'timestamp');
    let lo = this.vLo; let hi = this.vHi;
    const steps = this.steps;
    for (let k = 0; k < steps.length; k++) {
      const f = steps[k]!;
      const l = lo * f;
      const carry = Math.floor(l / TWO_32);
      lo = l - carry * TWO_32;
      hi = hi * f + carry;
      if (hi >= TWO_31) this.fail(`timestamp out of range in nanoseconds '${buf.toString('utf8', s, e)}'`);
    }
    if (neg) this.negate(lo, hi); else { this.vLo = lo; this.vHi = hi; }
  }

  /**
   * Parses a decimal float. Up to 15 significant digits and a power of ten
   * within 10^22 take the exact fast path (both operands exact, so one
   * correctly rounded operation); anything else goes through Number() after
   * the syntax was checked here.
   */
  private parseFloat(s: number, e: number): number {
    const buf = this.buf;
    let i = s; let neg = false;
    const c0 = buf[i];
    if (c0 === MINUS) { neg = true; i++; } else if (c0 === PLUS) i++;
    let m = 0; let sig = 0; let exp = 0; let digits = 0; let slow = false;
    for (; i < e; i++) {
      const d = buf[i]! - CH_0;
      if (d < 0 || d > 9) break;
      digits++;
      if (m === 0 && d === 0) continue;
      if (sig < 15) { m = m * 10 + d; sig++; } else { exp++; slow = true; }
    }
    if (i < e && buf[i] === DOT) {
      i++;
      for (; i < e; i++) {
        const d = buf[i]! - CH_0;
        if (d < 0 || d > 9) break;
        digits++;
        if (m === 0 && d === 0) { exp--; continue; }
        if (sig < 15) { m = m * 10 + d; sig++; exp--; } else slow = true;
      }
    }
    if (digits === 0) this.fail(`invalid number '${buf.toString('utf8', s, e)}'`);
    if (i < e && (buf[i] === CH_e || buf[i] === CH_E)) {
      i++;
      let eneg = false;
      if (i < e && (buf[i] === MINUS || buf[i] === PLUS)) { eneg = buf[i] === MINUS; i++; }
      let ev = 0; let ed = 0;
      for (; i < e; i++) {
        const d = buf[i]! - CH_0;
        if (d < 0 || d > 9) break;
        if (ev < 100000) ev = ev * 10 + d;
        ed++;
      }
      if (ed === 0) this.fail(`invalid number '${buf.toString('utf8', s, e)}'`);
      exp += eneg ? -ev : ev;
    }
    if (i !== e) this.fail(`invalid field value '${buf.toString('utf8', s, e)}'`);
    let v: number;
    if (!slow && exp >= -22 && exp <= 22) {
      v = exp >= 0 ? m * POW10[exp]! : m / POW10[-exp]!;
      if (neg) v = -v;
    } else {
      v = Number(buf.toString('latin1', s, e));
    }
    if (!Number.isFinite(v)) this.fail(`number out of range '${buf.toString('utf8', s, e)}'`);
    return v;
  }
}

function typeName(k: ColumnKind): string {
  return { str: 'String', f64: 'Float64', i64: 'Int64', u64: 'UInt64', bool: 'Boolean', ts: 'Timestamp' }[k];
}
