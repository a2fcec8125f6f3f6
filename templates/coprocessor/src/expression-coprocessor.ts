import { createHash } from 'node:crypto';
import * as arrow from 'apache-arrow';
import type { Coprocessor, QueryService, ScriptSignature, Session } from '@strata/kernel';
import { scriptInputError, tooManyRows } from './errors.js';
import { isBoolean, parseScript, type Expr, type ParsedScript } from './expression-language.js';
import type { __PASCAL_NAME__Options } from './options.js';

/** A column while evaluating: doubles (booleans as 0/1) and a validity byte per row (null = all valid). */
interface Column { readonly values: Float64Array; readonly valid: Uint8Array | null }

function andValid(a: Uint8Array | null, b: Uint8Array | null, n: number): Uint8Array | null {
  if (!a) return b;
  if (!b) return a;
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = a[i]! & b[i]!;
  return out;
}

/** An input vector as doubles; timestamps from their raw int64 values. */
function toColumn(script: string, name: string, v: arrow.Vector): Column {
  const n = v.length;
  const values = new Float64Array(n);
  let valid: Uint8Array | null = null;
  const isTs = arrow.DataType.isTimestamp(v.type);
  let row = 0;
  for (const d of v.data) {
    for (let k = 0; k < d.length; k++, row++) {
      if (!v.isValid(row)) { valid ??= new Uint8Array(n).fill(1); valid[row] = 0; continue; }
      const x = isTs ? (d.values as BigInt64Array)[d.offset + k] : v.get(row);
      if (typeof x === 'number') values[row] = x;
      else if (typeof x === 'bigint') values[row] = Number(x);
      else if (typeof x === 'boolean') values[row] = x ? 1 : 0;
      else throw scriptInputError(script, `column '${name}' is ${v.type}, not numeric`);
    }
  }
  return { values, valid };
}

const BINARY: Readonly<Record<string, (a: number, b: number) => number>> = {
  '+': (a, b) => a + b, '-': (a, b) => a - b, '*': (a, b) => a * b, '/': (a, b) => a / b, '%': (a, b) => a % b,
  '<': (a, b) => +(a < b), '<=': (a, b) => +(a <= b), '>': (a, b) => +(a > b), '>=': (a, b) => +(a >= b),
  '==': (a, b) => +(a === b), '!=': (a, b) => +(a !== b), and: (a, b) => +(a !== 0 && b !== 0), or: (a, b) => +(a !== 0 || b !== 0),
};
const UNARY_FN: Readonly<Record<string, (a: number) => number>> = { abs: Math.abs, sqrt: Math.sqrt, floor: Math.floor, ceil: Math.ceil, round: Math.round };

/** Evaluates an expression over whole columns: one typed-array loop per operator, no per-row objects. */
function evaluate(script: string, e: Expr, env: ReadonlyMap<string, Column>, params: Readonly<Record<string, string>>, n: number): Column {
  switch (e.t) {
    case 'num': return { values: new Float64Array(n).fill(e.value), valid: null };
    case 'col': return env.get(e.name)!;
    case 'param': {
      const raw = params[e.name];
      const value = raw === undefined || raw.trim() === '' ? NaN : Number(raw);
      if (Number.isNaN(value)) throw scriptInputError(script, raw === undefined ? `parameter $${e.name} was not given` : `parameter $${e.name} = '${raw}' is not a number`);
      return { values: new Float64Array(n).fill(value), valid: null };
    }
    case 'unary': {
      const a = evaluate(script, e.arg, env, params, n);
      const out = new Float64Array(n);
      for (let i = 0; i < n; i++) out[i] = e.op === '-' ? -a.values[i]! : +(a.values[i] === 0);
      return { values: out, valid: a.valid };
    }
    case 'binary': {
      const a = evaluate(script, e.left, env, params, n);
      const b = evaluate(script, e.right, env, params, n);
      const f = BINARY[e.op]!;
      const out = new Float64Array(n);
      let valid = andValid(a.valid, b.valid, n);
      for (let i = 0; i < n; i++) out[i] = f(a.values[i]!, b.values[i]!);
      if (e.op === '/' || e.op === '%') {
        // SQL semantics: x / 0 is NULL, not Infinity.
        let owned = false;
        for (let i = 0; i < n; i++) {
          if (b.values[i] !== 0) continue;
          if (!owned) { valid = valid ? Uint8Array.from(valid) : new Uint8Array(n).fill(1); owned = true; }
          valid![i] = 0;
        }
      }
      return { values: out, valid };
    }
    case 'call': {
      const args = e.args.map((x) => evaluate(script, x, env, params, n));
      const out = new Float64Array(n);
      if (args.length === 1) { const f = UNARY_FN[e.fn]!; for (let i = 0; i < n; i++) out[i] = f(args[0]!.values[i]!); return { values: out, valid: args[0]!.valid }; }
      const f = e.fn === 'min' ? Math.min : Math.max;
      for (let i = 0; i < n; i++) out[i] = f(args[0]!.values[i]!, args[1]!.values[i]!);
      return { values: out, valid: andValid(args[0]!.valid, args[1]!.valid, n) };
    }
  }
}

function toBitmap(valid: Uint8Array | null, n: number): Uint8Array | undefined {
  if (!valid) return undefined;
  const bits = new Uint8Array((n + 7) >> 3);
  for (let i = 0; i < n; i++) if (valid[i]) bits[i >> 3]! |= 1 << (i & 7);
  return bits;
}

/** An output column as an Arrow vector: Float64, or Boolean for comparisons and logic. */
function toVector(c: Column, boolean: boolean, n: number): arrow.Vector {
  const nullBitmap = toBitmap(c.valid, n);
  if (!boolean) return arrow.makeVector(arrow.makeData({ type: new arrow.Float64(), length: n, data: c.values, nullBitmap }));
  const bits = new Uint8Array((n + 7) >> 3);
  for (let i = 0; i < n; i++) if (c.values[i] !== 0) bits[i >> 3]! |= 1 << (i & 7);
  return arrow.makeVector(arrow.makeData({ type: new arrow.Bool(), length: n, data: bits, nullBitmap }));
}

/**
 * A Coprocessor for the tiny expression language of expression-language.ts.
 * Scripts are parsed once per source (cached by hash); a run evaluates each
 * assignment over whole columns and returns one Arrow column per assignment.
 *
 * @example
 * const copr = new ExpressionCoprocessor(query, opts);
 * await copr.compile('load', '-- @sql SELECT cpu, mem FROM stats\n-- @args cpu, mem\nload = (cpu + mem) / 2');
 * const table = await copr.run('load', src, undefined, {}, session); // table.getChild('load')
 */
export class ExpressionCoprocessor implements Coprocessor {
  readonly language: string;
  private readonly cache = new Map<string, ParsedScript>();

  constructor(private readonly query: QueryService | undefined, private readonly options: __PASCAL_NAME__Options) {
    this.language = options.language;
  }

  private parse(name: string, source: string): ParsedScript {
    if (Buffer.byteLength(source) > this.options.maxSourceBytes) throw scriptInputError(name, `source is over maxSourceBytes (${this.options.maxSourceBytes})`);
    const key = createHash('sha256').update(source).digest('hex');
    let parsed = this.cache.get(key);
    if (!parsed) {
      parsed = parseScript(name, source);
      if (this.cache.size >= 1024) this.cache.delete(this.cache.keys().next().value!);
      this.cache.set(key, parsed);
    }
    return parsed;
  }

  async compile(name: string, source: string): Promise<ScriptSignature> {
    const p = this.parse(name, source);
    return {
      name,
      args: p.args,
      returns: p.assignments.map((a) => ({ name: a.name, type: { name: isBoolean(a.expr) ? 'Boolean' : 'Float64' } })),
      ...(p.sql ? { sql: p.sql } : {}),
    };
  }

  async run(name: string, source: string, input: arrow.Table | undefined, params: Readonly<Record<string, string>>, session: Session): Promise<arrow.Table> {
    const p = this.parse(name, source);
    const table = input ?? await this.readInput(name, p, session);
    const n = table.numRows;
    if (n > this.options.maxRows) throw tooManyRows(name, n, this.options.maxRows);
    const env = new Map<string, Column>();
    for (const arg of p.args) {
      const v = table.getChild(arg);
      if (!v) throw scriptInputError(name, `input has no column '${arg}' (columns: ${table.schema.fields.map((f) => f.name).join(', ')})`);
      env.set(arg, toColumn(name, arg, v));
    }
    const out: Record<string, arrow.Vector> = {};
    for (const a of p.assignments) {
      const c = evaluate(name, a.expr, env, params, n);
      env.set(a.name, c);
      out[a.name] = toVector(c, isBoolean(a.expr), n);
    }
    return new arrow.Table(out);
  }

  /** Runs the script's `@sql` and gathers its rows; the last statement that returns rows is the input. */
  private async readInput(name: string, p: ParsedScript, session: Session): Promise<arrow.Table> {
    if (!p.sql) throw scriptInputError(name, 'no input: pass a table or declare `-- @sql SELECT ...`');
    if (!this.query) throw scriptInputError(name, 'no query service to run @sql');
    let batches: arrow.RecordBatch[] | undefined;
    let schema: arrow.Schema | undefined;
    for await (const out of this.query.execute(p.sql, session, { timeoutMs: this.options.queryTimeout })) {
      if (out.kind !== 'records') continue;
      batches = [];
      schema = out.schema;
      for await (const b of out.batches) {
        batches.push(b);
        if (batches.reduce((s, x) => s + x.numRows, 0) > this.options.maxRows) throw tooManyRows(name, this.options.maxRows + 1, this.options.maxRows);
      }
    }
    if (!batches || !schema) throw scriptInputError(name, '@sql returned no rows result');
    return batches.length > 0 ? new arrow.Table(batches) : new arrow.Table(schema);
  }
}
