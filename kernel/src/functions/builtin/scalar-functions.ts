import { createHash, randomUUID } from 'node:crypto';
import { DivideByZeroError, InvalidArgumentsError } from '../../errors/errors.js';
import { arrowTypeName, isFloat, isInteger, isTimestamp, timestampUnitsPerSecond, type DataType, type DataTypeName } from '../../data/data-types.js';
import type { FunctionContext, ScalarFunction } from '../../interfaces/function.js';
import { constantColumn, dictValueAt, isConstantColumn, isInterval, valueAt, type Column, type Interval } from '../../sql/exec/column.js';
// A cycle (the evaluator imports addInterval from here), safe because castValue is only called at run time.
import { castValue } from '../../sql/exec/expression-evaluator.js';
import { compileMatchQuery, type MatchPredicate } from './matches-query.js';
import { checkTimeZone, fixedOffsetMs, formatTimestampNanos, localToUtcMs, parseTimestampNanos, zoneOffsetMs } from '../time-zone.js';
import { binTimestamps, BOOL, bothValid, columnar, F64, floorDiv, fromNanos, I64, mapBool, mapFloat, mapFloat2, mapRows, num, sameAs, sig, STR, toNanos, U64, variadic } from './function-helpers.js';

const math1 = (name: string, f: (x: number) => number, aliases?: string[]): ScalarFunction => columnar({
  name, aliases, signatures: [sig('numeric')], returnType: F64,
  body: ([x]) => mapFloat(x!, f),
});

function roundTo(x: number, d: number): number {
  const m = 10 ** d;
  const y = Math.abs(x) * m;
  const r = Math.round(y);
  // Round half away from zero, as SQL engines do.
  return (Math.sign(x) * (y - Math.floor(y) === 0.5 ? Math.floor(y) + 1 : r)) / m;
}

export const mathFunctions: ScalarFunction[] = [
  columnar({
    name: 'abs', signatures: [sig('numeric')], returnType: sameAs(0),
    body: ([x]) => mapRows(x!.type, x!.length, [x!], ([v]) => (typeof v === 'bigint' ? (v < 0n ? -v : v) : Math.abs(v as number))),
  }),
  math1('ceil', Math.ceil, ['ceiling']),
  math1('floor', Math.floor),
  columnar({
    name: 'round', signatures: [sig('numeric'), sig('numeric', 'integer')], returnType: F64,
    body: ([x, d]) => (d ? mapRows(F64, x!.length, [x!, d], ([v, p]) => roundTo(num(v), num(p))) : mapFloat(x!, (v) => roundTo(v, 0))),
  }),
  columnar({
    name: 'trunc', signatures: [sig('numeric'), sig('numeric', 'integer')], returnType: F64,
    body: ([x, d]) => mapRows(F64, x!.length, d ? [x!, d] : [x!], ([v, p]) => { const m = 10 ** num(p ?? 0); return Math.trunc(num(v) * m) / m; }),
  }),
  math1('sqrt', Math.sqrt),
  math1('cbrt', Math.cbrt),
  math1('ln', Math.log),
  math1('log10', Math.log10),
  math1('log2', Math.log2),
  math1('exp', Math.exp),
  math1('sin', Math.sin), math1('cos', Math.cos), math1('tan', Math.tan),
  math1('asin', Math.asin), math1('acos', Math.acos), math1('atan', Math.atan),
  math1('degrees', (x) => (x * 180) / Math.PI), math1('radians', (x) => (x * Math.PI) / 180),
  math1('sign', (x) => Math.sign(x), ['signum']),
  columnar({
    name: 'log', signatures: [sig('numeric'), sig('numeric', 'numeric')], returnType: F64,
    body: ([a, b]) => (b ? mapRows(F64, a!.length, [a!, b], ([base, x]) => Math.log(num(x)) / Math.log(num(base))) : mapFloat(a!, Math.log10)),
  }),
  columnar({
    name: 'pow', aliases: ['power'], signatures: [sig('numeric', 'numeric')], returnType: F64,
    body: ([a, b]) => mapRows(F64, a!.length, [a!, b!], ([x, y]) => num(x) ** num(y)),
  }),
  columnar({
    name: 'atan2', signatures: [sig('numeric', 'numeric')], returnType: F64,
    body: ([a, b]) => mapRows(F64, a!.length, [a!, b!], ([y, x]) => Math.atan2(num(y), num(x))),
  }),
  // GreptimeDB's mod: BIGINT when both are signed integers, BIGINT UNSIGNED when both are unsigned,
  // else DOUBLE; an integer remainder by 0 is the DIVIDE_BY_ZERO error, as `%` is (a DOUBLE one is NaN).
  columnar({
    name: 'mod', description: 'The remainder of a / b (the sign of a); an integer b of 0 is an error.',
    signatures: [sig('numeric', 'numeric')], returnType: modReturn,
    body: ([a, b], _c, rt) => (rt!.name === 'Float64' ? mapFloat2(a!, b!, (x, y) => x % y) : intRemainder(a!, b!, rt!)),
  }),
  columnar({ name: 'pi', signatures: [sig()], returnType: F64, body: (_a, ctx) => constantColumn(F64, Math.PI, ctx.rowCount) }),
  columnar({
    name: 'random', volatility: 'volatile', signatures: [sig()], returnType: F64,
    body: (_a, ctx) => { const out = new Float64Array(ctx.rowCount); for (let i = 0; i < out.length; i++) out[i] = Math.random(); return { type: F64, length: out.length, data: out, valid: null }; },
  }),
  columnar({
    name: 'isnan', signatures: [sig('numeric')], returnType: BOOL,
    body: ([x]) => mapRows(BOOL, x!.length, [x!], ([v]) => Number.isNaN(num(v))),
  }),
  math1('cot', (x) => 1 / Math.tan(x)),
  columnar({
    name: 'iszero', description: 'True when the number is zero (+0 or -0).',
    signatures: [sig('float')], returnType: BOOL,
    body: ([x]) => mapBool(x!, (v) => v === 0),
  }),
  columnar({
    name: 'nanvl', description: 'The first number unless it is NaN, else the second.',
    signatures: [sig('float', 'float')], returnType: F64,
    body: ([x, y]) => mapFloat2(x!, y!, (a, b) => (Number.isNaN(a) ? b : a)),
  }),
  columnar({
    name: 'factorial', description: 'n! as BIGINT (1 for n < 0; above 20! an error, as BIGINT overflows).',
    signatures: [sig('integer')], returnType: I64,
    body: ([x]) => {
      const n = x!.length;
      const out = new BigInt64Array(n);
      const d = x!.data as ArrayLike<number | bigint>;
      const valid = x!.valid;
      for (let i = 0; i < n; i++) {
        if (valid && valid[i] === 0) continue;
        const k = d[i]!;
        if (k < 0) { out[i] = 1n; continue; }
        if (k >= FACTORIALS.length) throw new InvalidArgumentsError(`factorial: ${k}! overflows BIGINT (the largest is 20!)`);
        out[i] = FACTORIALS[Number(k)]!;
      }
      return { type: I64, length: n, data: out, valid: valid ? valid.slice() : null };
    },
  }),
  columnar({
    name: 'gcd', description: 'Greatest common divisor (non-negative; gcd(0, 0) = 0).',
    signatures: [sig('integer', 'integer')], returnType: I64,
    body: ([x, y]) => intPairs('gcd', x!, y!, gcdOf),
  }),
  columnar({
    name: 'lcm', description: 'Least common multiple (non-negative; 0 when either is 0).',
    signatures: [sig('integer', 'integer')], returnType: I64,
    body: ([x, y]) => intPairs('lcm', x!, y!, lcmOf),
  }),
];

const UNSIGNED_INTS: ReadonlySet<string> = new Set(['UInt8', 'UInt16', 'UInt32', 'UInt64']);

function modReturn(a: readonly DataType[]): DataType {
  const ts = a.filter((t) => t.name !== 'Null');
  if (ts.length > 0 && ts.every((t) => isInteger(t) && !UNSIGNED_INTS.has(t.name))) return I64;
  if (ts.length > 0 && ts.every((t) => UNSIGNED_INTS.has(t.name))) return U64;
  return F64;
}

/** x % y over two integer columns into BIGINT [UNSIGNED] (NULL where either is NULL); a 0 divisor is DIVIDE_BY_ZERO. */
function intRemainder(x: Column, y: Column, rt: DataType): Column {
  const n = x.length;
  const out = rt.name === 'UInt64' ? new BigUint64Array(n) : new BigInt64Array(n);
  const dx = x.data as ArrayLike<number | bigint>;
  const dy = y.data as ArrayLike<number | bigint>;
  const valid = bothValid([x, y], n);
  // A NULL column (mod(5, NULL)) has no numbers to read.
  if (x.type.name === 'Null' || y.type.name === 'Null') return { type: rt, length: n, data: out, valid: new Uint8Array(n) };
  for (let i = 0; i < n; i++) {
    if (valid && valid[i] === 0) continue;
    const d = BigInt(dy[i]!);
    if (d === 0n) throw new DivideByZeroError();
    out[i] = BigInt(dx[i]!) % d;
  }
  return { type: rt, length: n, data: out, valid };
}

/** 0! .. 20!: 21! no longer fits a BIGINT. */
const FACTORIALS: bigint[] = [1n];
for (let k = 1n; k <= 20n; k++) FACTORIALS.push(FACTORIALS[FACTORIALS.length - 1]! * k);

const I64_MAX = (1n << 63n) - 1n;

/** gcd of two non-negative numbers below 2^53. */
function gcdSmall(a: number, b: number): number {
  while (b !== 0) { const t = a % b; a = b; b = t; }
  return a;
}

function gcdBig(a: bigint, b: bigint): bigint {
  while (b !== 0n) { const t = a % b; a = b; b = t; }
  return a;
}

const absBig = (v: bigint): bigint => (v < 0n ? -v : v);

/**
 * gcd of two integers (bigint or number), or undefined when it overflows
 * BIGINT (only gcd(-2^63, 0) and gcd(-2^63, -2^63), whose result is 2^63).
 */
function gcdOf(x: number | bigint, y: number | bigint): bigint | undefined {
  if (typeof x === 'number' && typeof y === 'number') return BigInt(gcdSmall(Math.abs(x), Math.abs(y)));
  const g = gcdBig(absBig(BigInt(x)), absBig(BigInt(y)));
  return g > I64_MAX ? undefined : g;
}

/** lcm of two integers, or undefined when it overflows BIGINT. */
function lcmOf(x: number | bigint, y: number | bigint): bigint | undefined {
  if (x === 0 || x === 0n || y === 0 || y === 0n) return 0n;
  if (typeof x === 'number' && typeof y === 'number') {
    const a = Math.abs(x); const b = Math.abs(y);
    const r = (a / gcdSmall(a, b)) * b;
    if (Number.isSafeInteger(r)) return BigInt(r);
  }
  const a = absBig(BigInt(x)); const b = absBig(BigInt(y));
  const r = (a / gcdBig(a, b)) * b;
  return r > I64_MAX ? undefined : r;
}

/** Applies f to each row's two integers (NULL where either is NULL); undefined from f is an overflow error. */
function intPairs(name: string, x: Column, y: Column, f: (a: number | bigint, b: number | bigint) => bigint | undefined): Column {
  const n = x.length;
  const out = new BigInt64Array(n);
  const dx = x.data as ArrayLike<number | bigint>;
  const dy = y.data as ArrayLike<number | bigint>;
  const valid = bothValid([x, y], n);
  for (let i = 0; i < n; i++) {
    if (valid && valid[i] === 0) continue;
    const r = f(dx[i]!, dy[i]!);
    if (r === undefined) throw new InvalidArgumentsError(`${name}: the result of ${name}(${dx[i]}, ${dy[i]}) overflows BIGINT`);
    out[i] = r;
  }
  return { type: I64, length: n, data: out, valid };
}

const str = (v: unknown): string => (typeof v === 'string' ? v : String(v));
const likeCache = new Map<string, RegExp>();
function regexOf(p: string, flags = ''): RegExp {
  const k = `${flags}/${p}`;
  let r = likeCache.get(k);
  if (!r) {
    try { r = new RegExp(p, flags); } catch (err) { throw new InvalidArgumentsError(`invalid regular expression '${p}'`, { cause: err }); }
    likeCache.set(k, r);
  }
  return r;
}

const matchQueries = new Map<string, MatchPredicate>();
function matchQueryOf(q: string): MatchPredicate {
  let m = matchQueries.get(q);
  if (!m) {
    m = compileMatchQuery(q);
    if (matchQueries.size > 256) matchQueries.clear();
    matchQueries.set(q, m);
  }
  return m;
}

const I32OrI64 = I64;

export const stringFunctions: ScalarFunction[] = [
  columnar({
    name: 'length', aliases: ['char_length', 'character_length'], signatures: [sig('string')], returnType: I32OrI64,
    body: ([s]) => mapRows(I64, s!.length, [s!], ([v]) => BigInt([...str(v)].length)),
  }),
  columnar({
    name: 'octet_length', signatures: [sig('string')], returnType: I64,
    body: ([s]) => mapRows(I64, s!.length, [s!], ([v]) => BigInt(Buffer.byteLength(str(v)))),
  }),
  columnar({
    name: 'bit_length', signatures: [sig('string')], returnType: I64,
    body: ([s]) => mapRows(I64, s!.length, [s!], ([v]) => BigInt(Buffer.byteLength(str(v)) * 8)),
  }),
  columnar({ name: 'lower', signatures: [sig('string')], returnType: STR, body: ([s]) => mapRows(STR, s!.length, [s!], ([v]) => str(v).toLowerCase()) }),
  columnar({ name: 'upper', signatures: [sig('string')], returnType: STR, body: ([s]) => mapRows(STR, s!.length, [s!], ([v]) => str(v).toUpperCase()) }),
  columnar({
    name: 'concat', nullHandling: 'custom', signatures: [variadic('any')], returnType: STR,
    body: (args, ctx) => {
      const text = args.map((a) => textOf(a.type, ctx.timezone));
      return mapRows(STR, ctx.rowCount, args, (vals) => vals.map((v, k) => (v === null ? '' : text[k]!(v))).join(''), false);
    },
  }),
  columnar({
    name: 'concat_ws', nullHandling: 'custom', signatures: [variadic('string', 'any')], returnType: STR,
    body: ([sep, ...args], ctx) => {
      const text = args.map((a) => textOf(a.type, ctx.timezone));
      return mapRows(STR, ctx.rowCount, [sep!, ...args], ([s, ...vals]) => (s === null ? null : vals.flatMap((v, k) => (v === null ? [] : [text[k]!(v)])).join(str(s))), false);
    },
  }),
  columnar({
    name: 'substr', aliases: ['substring'], signatures: [sig('string', 'integer'), sig('string', 'integer', 'integer')], returnType: STR,
    body: (args) => mapRows(STR, args[0]!.length, args, ([s, start, len]) => {
      const cps = [...str(s)];
      const st = num(start);
      let from = st - 1;
      if (len !== undefined && num(len) < 0) throw new InvalidArgumentsError('substr: negative substring length not allowed');
      let to = len === undefined ? cps.length : from + num(len);
      if (from < 0) from = 0;
      if (to < from) to = from;
      return cps.slice(from, to).join('');
    }),
  }),
  // With a second argument: strip any of its characters (not the string as a whole) from the ends.
  // Without one: spaces only (DataFusion's ' '), not tabs or newlines.
  columnar({
    name: 'trim', aliases: ['btrim'], signatures: [sig('string'), sig('string', 'string')], returnType: STR,
    body: ([s, c]) => (c ? mapRows(STR, s!.length, [s!, c], ([v, cs]) => trimChars(str(v), str(cs), true, true)) : mapStrings(s!, (v) => trimSpaces(v, true, true))),
  }),
  columnar({
    name: 'ltrim', signatures: [sig('string'), sig('string', 'string')], returnType: STR,
    body: ([s, c]) => (c ? mapRows(STR, s!.length, [s!, c], ([v, cs]) => trimChars(str(v), str(cs), true, false)) : mapStrings(s!, (v) => trimSpaces(v, true, false))),
  }),
  columnar({
    name: 'rtrim', signatures: [sig('string'), sig('string', 'string')], returnType: STR,
    body: ([s, c]) => (c ? mapRows(STR, s!.length, [s!, c], ([v, cs]) => trimChars(str(v), str(cs), false, true)) : mapStrings(s!, (v) => trimSpaces(v, false, true))),
  }),
  columnar({
    name: 'replace', signatures: [sig('string', 'string', 'string')], returnType: STR,
    // An empty search string matches nowhere (DataFusion): the input comes back unchanged.
    body: (a) => mapRows(STR, a[0]!.length, a, ([s, f, t]) => (str(f) === '' ? str(s) : str(s).split(str(f)).join(str(t)))),
  }),
  columnar({
    name: 'starts_with', signatures: [sig('string', 'string')], returnType: BOOL,
    body: (a) => mapRows(BOOL, a[0]!.length, a, ([s, p]) => str(s).startsWith(str(p))),
  }),
  columnar({
    name: 'ends_with', signatures: [sig('string', 'string')], returnType: BOOL,
    body: (a) => mapRows(BOOL, a[0]!.length, a, ([s, p]) => str(s).endsWith(str(p))),
  }),
  columnar({
    name: 'strpos', aliases: ['instr', 'position'], signatures: [sig('string', 'string')], returnType: I64,
    body: (a) => mapRows(I64, a[0]!.length, a, ([s, p]) => { const t = str(s); const i = t.indexOf(str(p)); return BigInt(i < 0 ? 0 : [...t.slice(0, i)].length + 1); }),
  }),
  // MySQL's string functions, as GreptimeDB has them (function/string/mysql_compat.result).
  columnar({
    name: 'locate', description: 'LOCATE(substr, str[, pos]): the 1-based character position of substr in str at or after pos; 0 when absent.',
    signatures: [sig('string', 'string'), sig('string', 'string', 'integer')], returnType: I64,
    body: (a) => mapRows(I64, a[0]!.length, a, ([sub, s, pos]) => {
      const cps = [...str(s)];
      const start = pos === undefined ? 1 : num(pos);
      if (start < 1 || start > cps.length + 1) return 0n;
      const hay = cps.slice(start - 1).join('');
      const i = hay.indexOf(str(sub));
      return i < 0 ? 0n : BigInt(start + [...hay.slice(0, i)].length);
    }),
  }),
  columnar({
    name: 'elt', description: 'ELT(n, s1, s2, ...): the n-th string (from 1); NULL when n is out of range or NULL.',
    nullHandling: 'custom', signatures: [variadic('integer', 'any')], returnType: STR,
    body: ([n, ...args], ctx) => {
      const text = args.map((x) => textOf(x.type, ctx.timezone));
      return mapRows(STR, ctx.rowCount, [n!, ...args], ([k, ...vals]) => {
        if (k === null) return null;
        const i = num(k) - 1;
        const v = i >= 0 && i < vals.length ? vals[i] : null;
        return v === null || v === undefined ? null : text[i]!(v);
      }, false);
    },
  }),
  columnar({
    name: 'field', description: 'FIELD(x, s1, s2, ...): the 1-based index of the first s equal to x; 0 when none (or x is NULL).',
    nullHandling: 'custom', signatures: [variadic('any', 'any')], returnType: I64,
    body: (args, ctx) => {
      // MySQL's comparison: all strings compare as strings, all integers exactly, anything else as DOUBLE.
      const kinds = args.filter((x) => x.type.name !== 'Null').map((x) => (x.type.name === 'String' ? 's' : isInteger(x.type) ? 'i' : 'd'));
      const mode = kinds.every((k) => k === 's') ? 's' : kinds.every((k) => k === 'i') ? 'i' : 'd';
      const key = (v: unknown): unknown => (mode === 's' ? str(v) : mode === 'i' ? BigInt(v as bigint) : typeof v === 'string' ? mysqlNumberPrefix(v) : Number(v));
      const out = new BigInt64Array(ctx.rowCount);
      for (let r = 0; r < ctx.rowCount; r++) {
        const x = valueAt(args[0]!, r);
        if (x === null) continue;
        const kx = key(x);
        for (let k = 1; k < args.length; k++) {
          const v = valueAt(args[k]!, r);
          if (v !== null && key(v) === kx) { out[r] = BigInt(k); break; }
        }
      }
      return { type: I64, length: ctx.rowCount, data: out, valid: null };
    },
  }),
  columnar({
    name: 'insert', description: 'INSERT(str, pos, len, newstr): str with len characters from pos replaced by newstr; str itself when pos is out of range.',
    signatures: [sig('string', 'integer', 'integer', 'string')], returnType: STR,
    body: (a) => mapRows(STR, a[0]!.length, a, ([s, pos, len, t]) => {
      const cps = [...str(s)];
      const p = num(pos);
      if (p < 1 || p > cps.length) return str(s);
      const l = num(len);
      const end = l < 0 || p - 1 + l > cps.length ? cps.length : p - 1 + l;
      return cps.slice(0, p - 1).join('') + str(t) + cps.slice(end).join('');
    }),
  }),
  columnar({
    name: 'space', description: 'SPACE(n): n spaces (none for n <= 0).', signatures: [sig('integer')], returnType: STR,
    body: ([n]) => mapRows(STR, n!.length, [n!], ([k]) => { const c = Math.max(0, num(k)); checkBuiltLength('space', c); return ' '.repeat(c); }),
  }),
  columnar({
    name: 'format',
    description: "FORMAT(x, d): the number with thousands separators and d decimals (MySQL's); FORMAT(template, args...): {} and {name} placeholders filled (GreptimeDB's).",
    nullHandling: 'custom', signatures: [sig('numeric', 'integer'), variadic('string', 'any')], returnType: STR,
    body: ([x, ...rest], ctx) => {
      if (x!.type.name !== 'String' && x!.type.name !== 'Null') {
        const intX = isInteger(x!.type);
        return mapRows(STR, ctx.rowCount, [x!, rest[0]!], ([v, d]) => formatNumber(v as number | bigint, Math.min(30, Math.max(0, num(d))), intX));
      }
      // Values print as GreptimeDB's Display does: floats shortest (50000, not 50000.0).
      const text = rest.map((a) => (isFloat(a.type) ? (v: unknown) => String(v) : textOf(a.type, ctx.timezone)));
      return mapRows(STR, ctx.rowCount, [x!, ...rest], ([t, ...vals]) => (t === null ? null : formatTemplate(str(t), vals.map((v, k) => (v === null ? '' : text[k]!(v))))), false);
    },
  }),
  columnar({
    name: 'left', signatures: [sig('string', 'integer')], returnType: STR,
    body: (a) => mapRows(STR, a[0]!.length, a, ([s, k]) => { const c = [...str(s)]; const n = num(k); return (n >= 0 ? c.slice(0, n) : c.slice(0, Math.max(0, c.length + n))).join(''); }),
  }),
  columnar({
    name: 'right', signatures: [sig('string', 'integer')], returnType: STR,
    body: (a) => mapRows(STR, a[0]!.length, a, ([s, k]) => { const c = [...str(s)]; const n = num(k); return (n >= 0 ? c.slice(Math.max(0, c.length - n)) : c.slice(-n)).join(''); }),
  }),
  // Lengths count characters (code points), not UTF-16 units: lpad('🚀', 3, '★') is '★★🚀'.
  columnar({
    name: 'lpad', signatures: [sig('string', 'integer'), sig('string', 'integer', 'string')], returnType: STR,
    body: (a) => mapRows(STR, a[0]!.length, a, ([s, k, p]) => pad(str(s), num(k), p === undefined ? ' ' : str(p), true)),
  }),
  columnar({
    name: 'rpad', signatures: [sig('string', 'integer'), sig('string', 'integer', 'string')], returnType: STR,
    body: (a) => mapRows(STR, a[0]!.length, a, ([s, k, p]) => pad(str(s), num(k), p === undefined ? ' ' : str(p), false)),
  }),
  columnar({
    name: 'regexp_extract', description: "GreptimeDB's: the first match of the pattern in the text, NULL when none.",
    signatures: [sig('string', 'string')], returnType: STR,
    body: (a) => mapRows(STR, a[0]!.length, a, ([s, p]) => regexOf(str(p)).exec(str(s))?.[0] ?? null),
  }),
  columnar({ name: 'reverse', signatures: [sig('string')], returnType: STR, body: ([s]) => mapRows(STR, s!.length, [s!], ([v]) => [...str(v)].reverse().join('')) }),
  columnar({
    name: 'repeat', signatures: [sig('string', 'integer')], returnType: STR,
    body: (a) => mapRows(STR, a[0]!.length, a, ([s, k]) => { const t = str(s), c = Math.max(0, num(k)); checkBuiltLength('repeat', t.length * c); return t.repeat(c); }),
  }),
  columnar({
    name: 'split_part', description: 'The n-th part of the text split by the delimiter (from 1; negative counts from the end).',
    signatures: [sig('string', 'string', 'integer')], returnType: STR,
    body: (a) => mapRows(STR, a[0]!.length, a, ([s, d, k]) => {
      const n = num(k);
      if (n === 0) throw new InvalidArgumentsError('split_part: field position must not be zero');
      const parts = str(s).split(str(d));
      return parts[n > 0 ? n - 1 : parts.length + n] ?? '';
    }),
  }),
  columnar({
    name: 'regexp_like', signatures: [sig('string', 'string'), sig('string', 'string', 'string')], returnType: BOOL,
    body: (a) => mapRows(BOOL, a[0]!.length, a, ([s, p, f]) => regexOf(str(p), f === undefined ? '' : str(f)).test(str(s))),
  }),
  columnar({
    name: 'matches', description: "GreptimeDB's full-text query (terms, \"phrases\", +must, -not, AND, OR, parentheses) as substring tests.",
    signatures: [sig('string', 'string')], returnType: BOOL,
    body: (a) => mapRows(BOOL, a[0]!.length, a, ([s, q]) => matchQueryOf(str(q))(str(s))),
  }),
  columnar({
    name: 'regexp_match', description: 'The first match of the pattern (or of its first capture group), NULL when none.',
    signatures: [sig('string', 'string'), sig('string', 'string', 'string')], returnType: STR,
    body: (a) => mapRows(STR, a[0]!.length, a, ([s, p, f]) => {
      const m = regexOf(str(p), f === undefined ? '' : str(f)).exec(str(s));
      return m ? (m.length > 1 ? m[1] ?? null : m[0]) : null;
    }),
  }),
  columnar({
    name: 'regexp_replace', signatures: [sig('string', 'string', 'string'), sig('string', 'string', 'string', 'string')], returnType: STR,
    body: (a) => mapRows(STR, a[0]!.length, a, ([s, p, r, f]) => str(s).replace(regexOf(str(p), f === undefined ? '' : str(f)), str(r).replace(/\\(\d)/g, '$$$1'))),
  }),
  columnar({
    name: 'to_hex', signatures: [sig('integer')], returnType: STR,
    body: ([x]) => mapRows(STR, x!.length, [x!], ([v]) => BigInt.asUintN(64, BigInt(v as number)).toString(16)),
  }),
  columnar({
    name: 'ascii', signatures: [sig('string')], returnType: I64,
    body: ([s]) => mapRows(I64, s!.length, [s!], ([v]) => BigInt(str(v).codePointAt(0) ?? 0)),
  }),
  columnar({
    name: 'chr', description: 'The character with the given Unicode code point.',
    signatures: [sig('integer')], returnType: STR,
    body: ([x]) => mapRows(STR, x!.length, [x!], ([v]) => chrOf(v as number | bigint)),
  }),
  columnar({
    name: 'initcap', description: 'Each word with its first letter upper-case and the rest lower-case (words: runs of letters and digits).',
    signatures: [sig('string')], returnType: STR,
    body: ([s]) => mapRows(STR, s!.length, [s!], ([v]) => initcap(str(v))),
  }),
  columnar({
    name: 'translate', description: 'Replaces each character of the text found in `from` by the character at the same position in `to` (dropped when `to` is shorter).',
    signatures: [sig('string', 'string', 'string')], returnType: STR,
    body: (a) => mapRows(STR, a[0]!.length, a, ([s, f, t]) => translate(str(s), str(f), str(t))),
  }),
  columnar({
    name: 'overlay', description: 'The text with `count` characters from position `pos` (from 1) replaced by the substring; `count` defaults to the substring\'s length.',
    signatures: [sig('string', 'string', 'integer'), sig('string', 'string', 'integer', 'integer')], returnType: STR,
    body: (a) => mapRows(STR, a[0]!.length, a, ([s, r, p, k]) => overlay(str(s), str(r), num(p), k === undefined ? undefined : num(k))),
  }),
  columnar({
    name: 'uuid', description: 'A random (version 4) UUID, different for every row.', volatility: 'volatile', signatures: [sig()], returnType: STR,
    body: (_a, ctx) => { const out = new Array<unknown>(ctx.rowCount); for (let i = 0; i < out.length; i++) out[i] = randomUUID(); return { type: STR, length: out.length, data: out, valid: null }; },
  }),
  columnar({
    name: 'md5', description: 'The MD5 digest of the text (UTF-8) or bytes, as 32 lower-case hex digits.',
    signatures: [sig('string'), sig('Binary')], returnType: STR,
    body: ([s]) => mapRows(STR, s!.length, [s!], ([v]) => createHash('md5').update(v instanceof Uint8Array ? v : str(v)).digest('hex')),
  }),
];

/**
 * DataFusion's overlay, by characters (code points): the text before `pos`, the substring, then
 * the text from `pos + count` on. As DataFusion does, a `pos` past the end drops the text
 * before it, and `count` beyond the text's length counts as its length.
 */
function overlay(s: string, r: string, pos: number, count?: number): string {
  const cps = Array.from(s);
  const len = cps.length;
  const replace = count === undefined ? Array.from(r).length : Math.min(count, len);
  let out = pos > 1 && pos - 1 < len ? cps.slice(0, pos - 1).join('') : '';
  out += r;
  const end = pos + replace - 1;
  if (end < len) out += cps.slice(Math.max(0, end)).join('');
  return out;
}

/** String.fromCodePoint with SQL errors: 0 and values that are no Unicode scalar value are refused. */
function chrOf(v: number | bigint): string {
  const n = Number(v);
  if (n === 0) throw new InvalidArgumentsError('chr: null character not permitted');
  if (!(n > 0 && n <= 0x10ffff) || (n >= 0xd800 && n <= 0xdfff)) throw new InvalidArgumentsError(`chr: ${v} is not a valid Unicode code point`);
  return String.fromCodePoint(n);
}

/** Letters and digits, as Rust's char::is_alphanumeric (DataFusion's word characters for initcap). */
const WORD_CHAR = /^[\p{Alphabetic}\p{N}]$/u;

function initcap(s: string): string {
  let out = '';
  let inWord = false;
  for (const ch of s) {
    out += inWord ? ch.toLowerCase() : ch.toUpperCase();
    inWord = WORD_CHAR.test(ch);
  }
  return out;
}

/** The last translate() map, reused while `from`/`to` stay the same (they are mostly constants). */
let translateKey: { from: string; to: string; map: Map<string, string | null> } | undefined;

function translate(s: string, from: string, to: string): string {
  if (translateKey?.from !== from || translateKey.to !== to) {
    const f = Array.from(from); const t = Array.from(to);
    const map = new Map<string, string | null>();
    // The first occurrence of a character in `from` decides (as PostgreSQL does).
    f.forEach((c, i) => { if (!map.has(c)) map.set(c, t[i] ?? null); });
    translateKey = { from, to, map };
  }
  const map = translateKey.map;
  let out = '';
  for (const ch of s) {
    const r = map.get(ch);
    if (r === undefined) out += ch; else if (r !== null) out += r;
  }
  return out;
}

/** f over a string column (NULLs stay NULL). */
function mapStrings(c: Column, f: (v: string) => string): Column {
  const n = c.length;
  if (c.type.name === 'Null') return { type: STR, length: n, data: new Array<unknown>(n).fill(null), valid: new Uint8Array(n) };
  const d = c.data as readonly unknown[];
  const out = new Array<unknown>(n);
  for (let i = 0; i < n; i++) { const v = d[i]; out[i] = v === null || v === undefined || (c.valid !== null && c.valid[i] === 0) ? null : f(v as string); }
  return { type: STR, length: n, data: out, valid: c.valid ? c.valid.slice() : null };
}

/** Strips ' ' (only the space character) from the start and/or end. */
function trimSpaces(s: string, left: boolean, right: boolean): string {
  let a = 0; let b = s.length;
  if (left) while (a < b && s.charCodeAt(a) === 32) a++;
  if (right) while (b > a && s.charCodeAt(b - 1) === 32) b--;
  return a === 0 && b === s.length ? s : s.slice(a, b);
}

/** The last character set of a trim, reused while it stays the same. */
let trimKey: { chars: string; set: Set<string> } | undefined;

/** Strips the characters in `chars` from the start and/or end of `s` (by code point). */
function trimChars(s: string, chars: string, left: boolean, right: boolean): string {
  if (trimKey?.chars !== chars) trimKey = { chars, set: new Set(Array.from(chars)) };
  const set = trimKey.set;
  if (set.size === 0 || s.length === 0) return s;
  const cps = Array.from(s);
  let a = 0; let b = cps.length;
  if (left) while (a < b && set.has(cps[a]!)) a++;
  if (right) while (b > a && set.has(cps[b - 1]!)) b--;
  return a === 0 && b === cps.length ? s : cps.slice(a, b).join('');
}

/**
 * How concat/concat_ws turn an argument of type `t` into text: the CAST to
 * STRING, as DataFusion casts their arguments to Utf8 ('-1.0' for a float).
 */
/** The numeric prefix of text as MySQL reads it for a comparison ('12x' is 12, 'x' is 0). */
function mysqlNumberPrefix(v: string): number {
  const m = /^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?/.exec(v);
  return m ? Number(m[0]) : 0;
}

function withThousands(digits: string): string {
  return digits.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/** MySQL's FORMAT(x, d) in the en_US locale: rounded half away from zero, `1,234,567.89`. */
function formatNumber(v: number | bigint, d: number, integer: boolean): string {
  if (integer) {
    const b = BigInt(v);
    const abs = b < 0n ? -b : b;
    return `${b < 0n ? '-' : ''}${withThousands(String(abs))}${d > 0 ? `.${'0'.repeat(d)}` : ''}`;
  }
  const x = Number(v);
  if (Number.isNaN(x)) return 'NaN';
  if (!Number.isFinite(x)) return x > 0 ? 'Infinity' : '-Infinity';
  const m = 10 ** d;
  const scaled = Math.abs(x) * m;
  const rounded = (Math.sign(x) * (scaled - Math.floor(scaled) >= 0.5 ? Math.ceil(scaled) : Math.floor(scaled))) / m;
  const [int, frac] = Math.abs(rounded).toFixed(d).split('.');
  return `${rounded < 0 ? '-' : ''}${withThousands(int!)}${frac !== undefined ? `.${frac}` : ''}`;
}

/**
 * GreptimeDB's FORMAT(template, args...): an argument that names a `{name}` placeholder takes
 * the argument after it as that placeholder's value; the other arguments fill the `{}`
 * placeholders in order. `{{` / `}}` are braces; a placeholder without a value stays as written.
 */
function formatTemplate(t: string, vals: string[]): string {
  const re = /\{\{|\}\}|\{[A-Za-z_][A-Za-z0-9_]*\}|\{\}/g;
  const names = new Set((t.match(re) ?? []).filter((x) => x.length > 2 && x !== '{{' && x !== '}}').map((x) => x.slice(1, -1)));
  const named = new Map<string, string>();
  const positional: string[] = [];
  for (let k = 0; k < vals.length; k++) {
    if (names.has(vals[k]!) && k + 1 < vals.length) { named.set(vals[k]!, vals[k + 1]!); k++; } else positional.push(vals[k]!);
  }
  let next = 0;
  return t.replace(re, (tok) => {
    if (tok === '{{') return '{';
    if (tok === '}}') return '}';
    if (tok === '{}') return next < positional.length ? positional[next++]! : tok;
    return named.get(tok.slice(1, -1)) ?? tok;
  });
}

/** `s` padded (or cut) to `n` characters with `fill` repeated, on the left or the right. */
/** Longest text lpad/rpad/repeat/space build, in characters (V8's own limit is ~2^29 UTF-16 units). */
const MAX_BUILT_TEXT = 16_777_216;

function checkBuiltLength(fn: string, n: number): void {
  if (n > MAX_BUILT_TEXT) throw new InvalidArgumentsError(`${fn}: a result of ${n} characters is longer than the ${MAX_BUILT_TEXT} allowed`);
}

function pad(s: string, n: number, fill: string, left: boolean): string {
  const cps = [...s];
  if (n <= 0) return '';
  if (cps.length >= n) return cps.slice(0, n).join('');
  const f = [...fill];
  if (f.length === 0) return s;
  checkBuiltLength(left ? 'lpad' : 'rpad', n);
  const need = n - cps.length;
  const padding = fill.repeat(Math.floor(need / f.length)) + f.slice(0, need % f.length).join('');
  return left ? padding + s : s + padding;
}

function textOf(t: DataType, timezone: string): (v: unknown) => string {
  if (t.name === 'String') return str;
  return (v) => String(castValue(v, t, STR, timezone));
}

/** The common type of several argument types (first non-NULL wins; numbers widen). */
export function commonType(types: readonly DataType[]): DataType {
  let out: DataType = { name: 'Null' };
  for (const t of types) {
    if (t.name === 'Null') continue;
    if (out.name === 'Null') { out = t; continue; }
    if (out.name === 'Decimal128' && t.name === 'Decimal128') {
      // One scale for both, wide enough for either's integer digits.
      const s = Math.max(out.scale ?? 0, t.scale ?? 0);
      out = { name: 'Decimal128', precision: Math.min(38, Math.max((out.precision ?? 38) - (out.scale ?? 0), (t.precision ?? 38) - (t.scale ?? 0)) + s), scale: s };
      continue;
    }
    if (out.name === t.name) continue;
    const numeric = (x: DataType) => /Int|Float|Decimal/.test(x.name);
    if (numeric(out) && numeric(t)) {
      out = out.name.startsWith('Float') || t.name.startsWith('Float') || out.name === 'Decimal128' || t.name === 'Decimal128' ? F64 : I64;
    } else if (isTimestamp(out) && isTimestamp(t)) {
      // keep the finer unit
      const order = ['TimestampSecond', 'TimestampMillisecond', 'TimestampMicrosecond', 'TimestampNanosecond'];
      if (order.indexOf(t.name) > order.indexOf(out.name)) out = t;
    } else {
      out = STR;
    }
  }
  return out;
}

const pick = (args: Column[], i: number, rt: DataType, k: number) => {
  const v = valueAt(args[k]!, i);
  return v;
};

export const conditionalFunctions: ScalarFunction[] = [
  columnar({
    name: 'coalesce', nullHandling: 'custom', signatures: [variadic('any')], returnType: (a) => commonType(a),
    body: (args, ctx, rt) => mapRows(rt!, ctx.rowCount, args, (vals) => vals.find((v) => v !== null) ?? null, false),
  }),
  columnar({
    name: 'ifnull', aliases: ['nvl'], nullHandling: 'custom', signatures: [sig('any', 'any')], returnType: (a) => commonType(a),
    body: (args, ctx, rt) => mapRows(rt!, ctx.rowCount, args, ([a, b]) => a ?? b, false),
  }),
  columnar({
    name: 'nvl2', description: 'The second argument when the first is not NULL, else the third.',
    nullHandling: 'custom', signatures: [sig('any', 'any', 'any')], returnType: (a) => commonType([a[1]!, a[2]!]),
    body: (args, ctx, rt) => mapRows(rt!, ctx.rowCount, args, ([c, a, b]) => (c !== null ? a : b), false),
  }),
  columnar({
    name: 'nullif', nullHandling: 'custom', signatures: [sig('any', 'any')], returnType: sameAs(0),
    body: (args, ctx, rt) => mapRows(rt!, ctx.rowCount, args, ([a, b]) => (a !== null && b !== null && a === b ? null : a), false),
  }),
  columnar({
    name: 'greatest', nullHandling: 'custom', signatures: [variadic('any')], returnType: (a) => commonType(a),
    body: (args, ctx, rt) => mapRows(rt!, ctx.rowCount, args, (vals) => vals.reduce<unknown>((m, v) => (v === null ? m : m === null || (v as number) > (m as number) ? v : m), null), false),
  }),
  columnar({
    name: 'least', nullHandling: 'custom', signatures: [variadic('any')], returnType: (a) => commonType(a),
    body: (args, ctx, rt) => mapRows(rt!, ctx.rowCount, args, (vals) => vals.reduce<unknown>((m, v) => (v === null ? m : m === null || (v as number) < (m as number) ? v : m), null), false),
  }),
  // GreptimeDB's clamp family (function/arithmetic.result): typed as the common type of the
  // arguments, so clamp(10, 0, 1) is 1 and clamp(0.5, 0, 1) 0.5; NULL in, NULL out.
  columnar({
    name: 'clamp', description: 'x limited to [lo, hi] (an error when lo > hi).',
    signatures: [sig('numeric', 'numeric', 'numeric')], returnType: (a) => commonType(a),
    body: (args, ctx, rt) => mapRows(rt!, ctx.rowCount, args, ([x, lo, hi]) => {
      if (x === null || lo === null || hi === null) return null;
      if ((lo as number) > (hi as number)) throw new InvalidArgumentsError(`clamp: the second arg should be less than or equal to the third arg, have: ${lo}, ${hi}`);
      return (x as number) < (lo as number) ? lo : (x as number) > (hi as number) ? hi : x;
    }, false),
  }),
  columnar({
    name: 'clamp_min', description: 'x, or lo when x is below it.',
    signatures: [sig('numeric', 'numeric')], returnType: (a) => commonType(a),
    body: (args, ctx, rt) => mapRows(rt!, ctx.rowCount, args, ([x, lo]) => (x === null || lo === null ? null : (x as number) < (lo as number) ? lo : x), false),
  }),
  columnar({
    name: 'clamp_max', description: 'x, or hi when x is above it.',
    signatures: [sig('numeric', 'numeric')], returnType: (a) => commonType(a),
    body: (args, ctx, rt) => mapRows(rt!, ctx.rowCount, args, ([x, hi]) => (x === null || hi === null ? null : (x as number) > (hi as number) ? hi : x), false),
  }),
  columnar({
    name: 'if', nullHandling: 'custom', signatures: [sig('Boolean', 'any', 'any')], returnType: (a) => commonType([a[1]!, a[2]!]),
    body: (args, ctx, rt) => mapRows(rt!, ctx.rowCount, args, ([c, a, b]) => (c === true ? a : b), false),
  }),
  columnar({
    name: 'isnull', nullHandling: 'custom', signatures: [sig('any')], returnType: BOOL,
    body: (args, ctx) => mapRows(BOOL, ctx.rowCount, args, ([a]) => a === null, false),
  }),
];
void pick;

// ---- date/time ----

const MS_PER_DAY = 86_400_000;
const TRUNC_UNITS = ['microsecond', 'millisecond', 'second', 'minute', 'hour', 'day', 'week', 'month', 'quarter', 'year'] as const;

/** Truncates a UTC instant (ms) to `unit` in the time zone `tz`. */
export function truncMs(unit: string, utcMs: number, tz: string): number {
  const u = unit.toLowerCase().replace(/s$/, '');
  if (u === 'millisecond' || u === 'microsecond' || u === 'nanosecond') return utcMs;
  if (u === 'second') return Math.floor(utcMs / 1000) * 1000;
  const local = utcMs + zoneOffsetMs(tz, utcMs);
  let t: number;
  const d = new Date(local);
  switch (u) {
    case 'minute': t = Math.floor(local / 60_000) * 60_000; break;
    case 'hour': t = Math.floor(local / 3_600_000) * 3_600_000; break;
    case 'day': t = Math.floor(local / MS_PER_DAY) * MS_PER_DAY; break;
    case 'week': { const day = Math.floor(local / MS_PER_DAY); const dow = (((day + 3) % 7) + 7) % 7; t = (day - dow) * MS_PER_DAY; break; }
    case 'month': t = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1); break;
    case 'quarter': t = Date.UTC(d.getUTCFullYear(), Math.floor(d.getUTCMonth() / 3) * 3, 1); break;
    case 'year': t = Date.UTC(d.getUTCFullYear(), 0, 1); break;
    default: throw new InvalidArgumentsError(`unsupported date_trunc unit '${unit}' (one of ${TRUNC_UNITS.join(', ')})`);
  }
  return u === 'minute' ? utcMs - (local - t) : localToUtcMs(tz, t);
}

function truncNanos(unit: string, nanos: bigint, tz: string): bigint {
  const u = unit.toLowerCase().replace(/s$/, '');
  if (u === 'nanosecond') return nanos;
  if (u === 'microsecond') return floorDiv(nanos, 1000n) * 1000n;
  if (u === 'millisecond') return floorDiv(nanos, 1_000_000n) * 1_000_000n;
  const ms = Number(floorDiv(nanos, 1_000_000n));
  return BigInt(truncMs(u, ms, tz)) * 1_000_000n;
}

/** Nanoseconds of an interval without months (for date_bin and RANGE). */
export function intervalNanos(iv: Interval): bigint {
  if (iv.months !== 0) throw new InvalidArgumentsError('intervals with months or years have no fixed length here; use days or smaller units');
  return BigInt(iv.days) * 86_400_000_000_000n + iv.nanos;
}

/** Adds an interval to a UTC instant in nanoseconds (months move the calendar in UTC). */
export function addInterval(nanos: bigint, iv: Interval, sign = 1): bigint {
  let n = nanos;
  if (iv.months !== 0) {
    const ms = Number(floorDiv(n, 1_000_000n));
    const rem = n - BigInt(ms) * 1_000_000n;
    const d = new Date(ms);
    const target = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + sign * iv.months, 1, d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds(), d.getUTCMilliseconds()));
    const lastDay = new Date(Date.UTC(target.getUTCFullYear(), target.getUTCMonth() + 1, 0)).getUTCDate();
    target.setUTCDate(Math.min(d.getUTCDate(), lastDay));
    n = BigInt(target.getTime()) * 1_000_000n + rem;
  }
  return n + BigInt(sign) * (BigInt(iv.days) * 86_400_000_000_000n + iv.nanos);
}

function tsNanosOf(v: unknown, t: DataType, tz: string): bigint {
  if (typeof v === 'string') return parseTimestampNanos(v, tz);
  if (t.name === 'Date') return BigInt(v as number) * 86_400_000_000_000n;
  if (isTimestamp(t)) return toNanos(v as bigint, t.name);
  if (typeof v === 'bigint') return v * 1_000_000_000n;
  return BigInt(Math.trunc(num(v) * 1000)) * 1_000_000n;
}

function strftime(nanos: bigint, fmt: string, tz: string): string {
  const base = formatTimestampNanos(nanos, tz, 9); // YYYY-MM-DD HH:MM:SS.fffffffff
  const [date, time] = base.split(' ');
  const [Y, m, d] = date!.split('-');
  const [hms, frac] = time!.split('.');
  const [H, M, S] = hms!.split(':');
  const ms = Number(floorDiv(nanos, 1_000_000n));
  const dow = new Date(ms + zoneOffsetMs(tz, ms)).getUTCDay();
  return fmt.replace(/%(\.?\d)?f|%[YmdHMSjaAbBeyzZsTFDRIpuwh%]/g, (tok) => {
    switch (tok) {
      case '%Y': return Y!; case '%m': return m!; case '%d': return d!; case '%H': return H!; case '%M': return M!; case '%S': return S!;
      case '%F': return `${Y}-${m}-${d}`;
      case '%D': return `${m}/${d}/${Y!.slice(2)}`;
      case '%R': return `${H}:${M}`;
      case '%I': return String(((Number(H) + 11) % 12) + 1).padStart(2, '0');
      case '%p': return Number(H) < 12 ? 'AM' : 'PM';
      case '%u': return String(dow === 0 ? 7 : dow);
      case '%w': return String(dow);
      case '%j': return String(Math.round((Date.UTC(Number(Y), Number(m) - 1, Number(d)) - Date.UTC(Number(Y), 0, 1)) / MS_PER_DAY) + 1).padStart(3, '0');
      case '%B': return ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'][Number(m) - 1]!;
      case '%e': return String(Number(d)).padStart(2, ' ');
      case '%y': return Y!.slice(2);
      case '%T': return `${H}:${M}:${S}`;
      case '%s': return String(floorDiv(nanos, 1_000_000_000n));
      case '%a': return ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'][dow]!;
      case '%A': return ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'][dow]!;
      case '%b': case '%h': return ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'][Number(m) - 1]!;
      case '%z': case '%Z': { const off = zoneOffsetMs(tz, ms) / 60_000; const a = Math.abs(off); return `${off < 0 ? '-' : '+'}${String(Math.floor(a / 60)).padStart(2, '0')}${String(a % 60).padStart(2, '0')}`; }
      case '%%': return '%';
      case '%f': return frac!;
      case '%.3f': return `.${frac!.slice(0, 3)}`;
      // chrono: %.3f / %.6f / %.9f with a leading dot, %3f / %6f / %9f the digits alone.
      default: return tok.startsWith('%.') ? `.${frac!.slice(0, Number(tok.slice(2, 3)))}` : frac!.slice(0, Number(tok.slice(1, 2)));
    }
  });
}

/** Extracts a date part; returns a number (seconds include fractions). */
export function datePart(part: string, nanos: bigint, tz: string): number {
  const ms = Number(floorDiv(nanos, 1_000_000n));
  const local = new Date(ms + zoneOffsetMs(tz, ms));
  const subNs = Number(((nanos % 1_000_000_000n) + 1_000_000_000n) % 1_000_000_000n);
  switch (part.toLowerCase().replace(/s$/, '')) {
    case 'year': return local.getUTCFullYear();
    case 'quarter': return Math.floor(local.getUTCMonth() / 3) + 1;
    case 'month': return local.getUTCMonth() + 1;
    case 'week': {
      const d = new Date(Date.UTC(local.getUTCFullYear(), local.getUTCMonth(), local.getUTCDate()));
      const day = d.getUTCDay() || 7;
      d.setUTCDate(d.getUTCDate() + 4 - day);
      const y0 = Date.UTC(d.getUTCFullYear(), 0, 1);
      return Math.ceil(((d.getTime() - y0) / MS_PER_DAY + 1) / 7);
    }
    case 'day': return local.getUTCDate();
    case 'dow': return local.getUTCDay();
    case 'doy': return Math.floor((local.getTime() - Date.UTC(local.getUTCFullYear(), 0, 1)) / MS_PER_DAY) + 1;
    case 'hour': return local.getUTCHours();
    case 'minute': return local.getUTCMinutes();
    case 'second': return local.getUTCSeconds() + subNs / 1e9;
    case 'millisecond': return local.getUTCSeconds() * 1000 + subNs / 1e6;
    case 'microsecond': return local.getUTCSeconds() * 1e6 + subNs / 1e3;
    case 'nanosecond': return local.getUTCSeconds() * 1e9 + subNs;
    case 'epoch': return Number(nanos) / 1e9;
    default: throw new InvalidArgumentsError(`unsupported date part '${part}'`);
  }
}

const TS_MS: DataType = { name: 'TimestampMillisecond' };
const TS_S: DataType = { name: 'TimestampSecond' };
const DATE: DataType = { name: 'Date' };

/**
 * to_timestamp_seconds / _millis / _micros / _nanos: text (in the session time zone unless it
 * carries an offset), an integer counted in that unit, or a timestamp converted to it.
 */
function toTimestampIn(unit: 'Second' | 'Millisecond' | 'Microsecond' | 'Nanosecond'): ScalarFunction {
  const t: DataType = { name: `Timestamp${unit}` as DataTypeName };
  const name = `to_timestamp_${{ Second: 'seconds', Millisecond: 'millis', Microsecond: 'micros', Nanosecond: 'nanos' }[unit]}`;
  return columnar({
    name, description: `A TIMESTAMP in ${unit.toLowerCase()}s from text, an integer number of ${unit.toLowerCase()}s since 1970-01-01 UTC, or a timestamp.`,
    signatures: [sig('string'), sig('integer'), sig('timestamp')], returnType: t,
    body: ([v], ctx) => mapRows(t, v!.length, [v!], ([x]) => (isInteger(v!.type) ? BigInt(x as number | bigint) : fromNanos(tsNanosOf(x, v!.type, ctx.timezone), t.name))),
  });
}

/** Days since 1970-01-01 of a valid proleptic Gregorian date, else undefined. */
function daysOf(y: number, m: number, d: number): number | undefined {
  if (!Number.isInteger(y) || !Number.isInteger(m) || !Number.isInteger(d) || m < 1 || m > 12 || d < 1 || Math.abs(y) > 262_143) return undefined;
  const leap = (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
  const monthDays = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1]!;
  if (d > monthDays) return undefined;
  const dt = new Date(0);
  dt.setUTCFullYear(y, m - 1, d);
  return Math.round(dt.getTime() / MS_PER_DAY);
}

function makeDate(y: unknown, m: unknown, d: unknown): number {
  const parts = [y, m, d].map((v) => (typeof v === 'string' ? (/^\s*[+-]?\d+\s*$/.test(v) ? Number(v) : NaN) : Number(v)));
  const days = daysOf(parts[0]!, parts[1]!, parts[2]!);
  if (days === undefined) throw new InvalidArgumentsError(`make_date: ${[y, m, d].join(', ')} is not a valid date`);
  return days;
}

/** to_date's value: see its description. */
function toDate(vals: readonly unknown[], t: DataType): number {
  const v = vals[0];
  if (t.name === 'Date') return v as number;
  if (isTimestamp(t)) return Number(floorDiv(toNanos(v as bigint, t.name), 86_400_000_000_000n));
  if (typeof v === 'bigint' || typeof v === 'number') {
    const days = Math.trunc(Number(v));
    if (!(Math.abs(days) <= 2_147_483_647)) throw new InvalidArgumentsError(`to_date: ${v} days is out of the DATE range`);
    return days;
  }
  const text = String(v);
  const formats = vals.slice(1) as Array<string | null>;
  if (formats.length === 0) {
    const m = /^\s*([+-]?\d{4,6})-(\d{1,2})-(\d{1,2})\s*$/.exec(text);
    const days = m ? daysOf(Number(m[1]), Number(m[2]), Number(m[3])) : undefined;
    if (days === undefined) throw new InvalidArgumentsError(`to_date: cannot parse '${text}' as a date (YYYY-MM-DD)`);
    return days;
  }
  for (const f of formats) {
    if (f === null) continue;
    const days = parseDateFormat(text, f);
    if (days !== undefined) return days;
  }
  throw new InvalidArgumentsError(`to_date: '${text}' matches none of the formats ${formats.map((f) => `'${f}'`).join(', ')}`);
}

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];

/**
 * Days since 1970-01-01 of `text` read with a chrono format (the date fields %Y %m %d %e %y %b
 * %B %h %j, %F, and time fields %H %M %S %T %.f, which a DATE ignores), or undefined when it
 * does not match.
 */
/** Compiled to_date formats: the pattern and the fields its groups hold, built once per format text. */
const dateFormats = new Map<string, { re: RegExp; fields: string[] }>();

function compileDateFormat(fmt: string): { re: RegExp; fields: string[] } {
  let hit = dateFormats.get(fmt);
  if (hit) return hit;
  const fields: string[] = [];
  let re = '';
  for (let i = 0; i < fmt.length; i++) {
    const c = fmt[i]!;
    if (c !== '%') { re += /\s/.test(c) ? '\\s*' : c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'); continue; }
    let spec = fmt[++i];
    if (spec === '.' && fmt[i + 1] === 'f') { spec = 'f'; i++; re += '(?:\\.\\d+)?'; continue; }
    switch (spec) {
      case 'Y': re += '([+-]?\\d{1,6})'; fields.push('Y'); break;
      case 'y': re += '(\\d{2})'; fields.push('y'); break;
      case 'm': re += '(\\d{1,2})'; fields.push('m'); break;
      case 'd': case 'e': re += '\\s*(\\d{1,2})'; fields.push('d'); break;
      case 'j': re += '(\\d{1,3})'; fields.push('j'); break;
      case 'b': case 'h': case 'B': re += '([A-Za-z]+)'; fields.push('b'); break;
      case 'F': re += '([+-]?\\d{1,6})-(\\d{1,2})-(\\d{1,2})'; fields.push('Y', 'm', 'd'); break;
      case 'H': case 'M': case 'S': re += '\\d{1,2}'; break;
      case 'T': re += '\\d{1,2}:\\d{1,2}:\\d{1,2}'; break;
      case '%': re += '%'; break;
      default: throw new InvalidArgumentsError(`to_date: unsupported format specifier '%${spec ?? ''}' in '${fmt}'`);
    }
  }
  hit = { re: new RegExp(`^\\s*${re}\\s*$`), fields };
  if (dateFormats.size >= 256) dateFormats.clear();
  dateFormats.set(fmt, hit);
  return hit;
}

function parseDateFormat(text: string, fmt: string): number | undefined {
  const { re, fields } = compileDateFormat(fmt);
  const m = re.exec(text);
  if (!m) return undefined;
  let y: number | undefined; let mo = 1; let d = 1; let doy: number | undefined;
  fields.forEach((f, k) => {
    const g = m[k + 1]!;
    if (f === 'Y') y = Number(g);
    else if (f === 'y') y = 2000 + Number(g) - (Number(g) >= 70 ? 100 : 0);
    else if (f === 'm') mo = Number(g);
    else if (f === 'd') d = Number(g);
    else if (f === 'j') doy = Number(g);
    else { const i = MONTHS.findIndex((x) => g.toLowerCase().startsWith(x)); mo = i < 0 ? 0 : i + 1; }
  });
  if (y === undefined) return undefined;
  if (doy !== undefined) { const jan1 = daysOf(y, 1, 1)!; const last = daysOf(y, 12, 31)!; return doy >= 1 && jan1 + doy - 1 <= last ? jan1 + doy - 1 : undefined; }
  return daysOf(y, mo, d);
}

const FIXED_UNITS_MS: Record<string, number> = { second: 1000, minute: 60_000, hour: 3_600_000, day: 86_400_000 };

/** date_trunc on a typed timestamp column with a constant unit of fixed length in a fixed-offset zone: integer arithmetic, no per-row objects. */
function fastTrunc(u: Column, ts: Column, tz: string, rt: DataType): Column | undefined {
  if (!isTimestamp(ts.type) || rt.name !== ts.type.name || u.length === 0 || (u.valid && u.valid[0] === 0)) return undefined;
  const unit = String(dictValueAt(u, 0)).toLowerCase().replace(/s$/, '');
  const ms = FIXED_UNITS_MS[unit];
  const off = fixedOffsetMs(tz);
  if (ms === undefined || off === undefined) return undefined;
  if (!isConstantColumn(u)) for (let i = 1; i < u.length; i++) if (valueAt(u, i) !== valueAt(u, 0)) return undefined;
  const per = Number(1_000_000_000n / timestampUnitsPerSecond(ts.type.name)) / 1e6; // ms per unit
  const stepUnits = BigInt(Math.round(ms / per));
  const offUnits = BigInt(Math.round(off / per));
  const out = binTimestamps(ts.data as BigInt64Array, stepUnits, offUnits);
  return { type: rt, length: ts.length, data: out, valid: ts.valid };
}

/** date_bin with a constant stride (and origin) on a timestamp column whose unit divides them: integer arithmetic, no per-row objects. */
function fastBin(iv: Column, ts: Column, origin: Column | undefined, rt: DataType): Column | undefined {
  if (!isTimestamp(ts.type) || rt.name !== ts.type.name || iv.length === 0) return undefined;
  const i0 = valueAt(iv, 0) as Interval | null;
  if (!i0 || i0.months !== 0) return undefined;
  if (!isConstantColumn(iv)) for (let i = 1; i < iv.length; i++) { const x = valueAt(iv, i) as Interval | null; if (!x || x.days !== i0.days || x.nanos !== i0.nanos || x.months !== 0) return undefined; }
  let org = 0n;
  if (origin) {
    if (origin.type.name !== ts.type.name || origin.valid) return undefined;
    const o = origin.data as BigInt64Array;
    if (!isConstantColumn(origin)) for (let i = 1; i < o.length; i++) if (o[i] !== o[0]) return undefined;
    org = o.length ? o[0]! : 0n;
  }
  const unit = 1_000_000_000n / timestampUnitsPerSecond(ts.type.name);
  const stride = intervalNanos(i0);
  if (stride <= 0n || stride % unit !== 0n) return undefined;
  return { type: rt, length: ts.length, data: binTimestamps(ts.data as BigInt64Array, stride / unit, -org), valid: ts.valid };
}

/** Fraction digits GreptimeDB (chrono's %.f) prints: none for whole seconds, else 3, 6 or 9 as the value needs. */
function chronoFractionDigits(nanos: bigint): number {
  const sub = ((nanos % 1_000_000_000n) + 1_000_000_000n) % 1_000_000_000n;
  return sub === 0n ? 0 : sub % 1_000_000n === 0n ? 3 : sub % 1000n === 0n ? 6 : 9;
}

function tsResult(a: readonly DataType[], i: number): DataType {
  const t = a[i];
  return t && isTimestamp(t) ? t : t?.name === 'Date' ? { name: 'TimestampMillisecond' } : TS_MS;
}

export const dateTimeFunctions: ScalarFunction[] = [
  columnar({
    name: 'now', aliases: ['current_timestamp', 'localtimestamp'], volatility: 'stable', signatures: [sig()], returnType: TS_MS,
    body: (_a, ctx) => constantColumn(TS_MS, BigInt(ctx.statementTimeMs ?? Date.now()), ctx.rowCount),
  }),
  columnar({
    name: 'current_date', aliases: ['today'], volatility: 'stable', signatures: [sig()], returnType: { name: 'Date' },
    body: (_a, ctx) => {
      const ms = ctx.statementTimeMs ?? Date.now();
      return constantColumn({ name: 'Date' }, Math.floor((ms + zoneOffsetMs(ctx.timezone, ms)) / MS_PER_DAY), ctx.rowCount);
    },
  }),
  columnar({
    name: 'date_trunc', signatures: [sig('string', 'timestamp'), sig('string', 'Date'), sig('string', 'string')], returnType: (a) => tsResult(a, 1),
    body: ([u, ts], ctx, rt) => fastTrunc(u!, ts!, ctx.timezone, rt!) ?? mapRows(rt!, ts!.length, [u!, ts!], ([unit, v]) => fromNanos(truncNanos(String(unit), tsNanosOf(v, ts!.type, ctx.timezone), ctx.timezone), rt!.name)),
  }),
  columnar({
    name: 'date_bin', signatures: [sig('IntervalMonthDayNano', 'timestamp'), sig('IntervalMonthDayNano', 'timestamp', 'timestamp'), sig('IntervalMonthDayNano', 'string')],
    returnType: (a) => tsResult(a, 1),
    body: ([iv, ts, origin], ctx, rt) => fastBin(iv!, ts!, origin, rt!) ?? mapRows(rt!, ts!.length, origin ? [iv!, ts!, origin] : [iv!, ts!], ([i, v, o]) => {
      const stride = intervalNanos(i as Interval);
      if (stride <= 0n) throw new InvalidArgumentsError('date_bin stride must be positive');
      const t = tsNanosOf(v, ts!.type, ctx.timezone);
      const org = o === undefined ? 0n : tsNanosOf(o, origin!.type, ctx.timezone);
      return fromNanos(floorDiv(t - org, stride) * stride + org, rt!.name);
    }),
  }),
  ...(['date_add', 'date_sub'] as const).map((name) => columnar({
    name, description: name === 'date_add' ? 'The timestamp or date plus an interval (months follow the calendar, clamped to the month\'s last day).' : 'The timestamp or date minus an interval.',
    signatures: [sig('timestamp', 'IntervalMonthDayNano'), sig('Date', 'IntervalMonthDayNano'), sig('string', 'IntervalMonthDayNano')],
    returnType: (a: readonly DataType[]) => (a[0]?.name === 'Date' ? { name: 'Date' } : tsResult(a, 0)),
    body: ([ts, iv], ctx, rt) => mapRows(rt!, ts!.length, [ts!, iv!], ([v, i]) => {
      const n = addInterval(tsNanosOf(v, ts!.type, ctx.timezone), i as Interval, name === 'date_add' ? 1 : -1);
      return rt!.name === 'Date' ? Number(floorDiv(n, 86_400_000_000_000n)) : fromNanos(n, rt!.name);
    }),
  })),
  columnar({
    name: 'to_unixtime', aliases: ['unix_timestamp'], signatures: [sig('timestamp'), sig('string'), sig('Date'), sig('integer')], returnType: I64,
    body: ([ts], ctx) => mapRows(I64, ts!.length, [ts!], ([v]) => (ts!.type.name.includes('Int') ? BigInt(v as number) : floorDiv(tsNanosOf(v, ts!.type, ctx.timezone), 1_000_000_000n))),
  }),
  columnar({
    name: 'to_timestamp', signatures: [sig('string'), sig('integer'), sig('float'), sig('timestamp')], returnType: { name: 'TimestampSecond' },
    ret: () => ({ name: 'TimestampSecond' }),
    body: ([v], ctx, rt) => mapRows(rt!, v!.length, [v!], ([x]) => fromNanos(tsNanosOf(x, v!.type, ctx.timezone), 'TimestampSecond')),
  }),
  ...(['Second', 'Millisecond', 'Microsecond', 'Nanosecond'] as const).map((unit) => toTimestampIn(unit)),
  columnar({
    name: 'to_char', description: 'The timestamp or date as text in a strftime (chrono) format, in UTC as DataFusion formats it (date_format uses the session time zone).',
    signatures: [sig('timestamp', 'string'), sig('Date', 'string')], returnType: STR,
    body: ([ts, f]) => mapRows(STR, ts!.length, [ts!, f!], ([v, fmt]) => strftime(tsNanosOf(v, ts!.type, 'UTC'), String(fmt), 'UTC')),
  }),
  columnar({
    name: 'from_unixtime', description: 'Seconds since 1970-01-01 00:00:00 UTC as a TIMESTAMP(0).',
    signatures: [sig('integer')], returnType: TS_S,
    body: ([v]) => mapRows(TS_S, v!.length, [v!], ([x]) => BigInt(x as number | bigint)),
  }),
  columnar({
    name: 'make_date', description: 'The DATE of a year, month and day (an invalid date is an error).',
    signatures: [sig('integer', 'integer', 'integer'), sig('string', 'string', 'string')], returnType: DATE,
    body: (a) => mapRows(DATE, a[0]!.length, a, ([y, m, d]) => makeDate(y, m, d)),
  }),
  columnar({
    name: 'to_date', description: 'A DATE from text (YYYY-MM-DD, or the first of the given chrono formats that matches), days since 1970-01-01, a date or a timestamp.',
    signatures: [sig('string'), variadic('string', 'string'), sig('integer'), sig('float'), sig('Date'), sig('timestamp')], returnType: DATE,
    body: (a) => mapRows(DATE, a[0]!.length, a, (vals) => toDate(vals, a[0]!.type)),
  }),
  columnar({
    name: 'date_format', signatures: [sig('timestamp', 'string'), sig('Date', 'string')], returnType: STR,
    body: ([ts, f], ctx) => mapRows(STR, ts!.length, [ts!, f!], ([v, fmt]) => strftime(tsNanosOf(v, ts!.type, ctx.timezone), String(fmt), ctx.timezone)),
  }),
  columnar({
    name: 'date_part', aliases: ['datepart'], signatures: [sig('string', 'timestamp'), sig('string', 'Date'), sig('string', 'string')], returnType: F64,
    body: ([p, ts], ctx) => mapRows(F64, ts!.length, [p!, ts!], ([part, v]) => datePart(String(part), tsNanosOf(v, ts!.type, ctx.timezone), ctx.timezone)),
  }),
  columnar({
    name: 'arrow_typeof', nullHandling: 'custom', signatures: [sig('any')], returnType: STR,
    body: ([x], ctx) => constantColumn(STR, arrowTypeName(x!.type), ctx.rowCount),
  }),
  columnar({
    name: 'current_time', description: 'The current time of day in the session time zone, as text HH:MM:SS[.fff].',
    volatility: 'stable', signatures: [sig()], returnType: STR,
    body: (_a, ctx) => {
      const ms = ctx.statementTimeMs ?? Date.now();
      return constantColumn(STR, formatTimestampNanos(BigInt(ms) * 1_000_000n, ctx.timezone, chronoFractionDigits(BigInt(ms) * 1_000_000n)).slice(11), ctx.rowCount);
    },
  }),
  columnar({
    name: 'to_timezone', description: 'The timestamp as text (YYYY-MM-DD HH:MM:SS[.f]) in the given time zone.',
    signatures: [sig('timestamp', 'string'), sig('string', 'string')], returnType: STR,
    body: ([ts, z], ctx) => {
      let lastZone: string | undefined;
      return mapRows(STR, ts!.length, [ts!, z!], ([v, zone]) => {
        const tz = str(zone);
        if (tz !== lastZone) { checkTimeZone(tz); lastZone = tz; }
        const nanos = tsNanosOf(v, ts!.type, ctx.timezone);
        return formatTimestampNanos(nanos, tz, chronoFractionDigits(nanos));
      });
    },
  }),
  columnar({
    name: 'timezone', volatility: 'stable', signatures: [sig()], returnType: STR,
    body: (_a, ctx) => constantColumn(STR, ctx.timezone, ctx.rowCount),
  }),
];

/** Interval arithmetic used by the expression evaluator. */
export function isIntervalValue(v: unknown): v is Interval { return isInterval(v); }

/** Every scalar built-in. */
export function builtinScalarFunctions(): ScalarFunction[] {
  return [...mathFunctions, ...stringFunctions, ...conditionalFunctions, ...dateTimeFunctions];
}

export type { FunctionContext };
