import type { DataType } from '../../data/data-types.js';
import { InvalidArgumentsError } from '../../errors/errors.js';
import type { FunctionRegistry, ScalarFunction, Signature } from '../../interfaces/function.js';
import { constantColumn, type Column } from '../../sql/exec/column.js';
import { formatPgType, pgFunctionTextLookup } from '../../sql/pg-catalog.js';
import { BOOL, I64, STR, columnar, mapRows, num, sig } from './function-helpers.js';

const I32: DataType = { name: 'Int32' };

/** A function that answers the same value for every row, whatever its arguments (PostgreSQL's privilege checks, description lookups). */
function constant(name: string, signatures: Signature[], type: DataType, value: unknown, description: string): ScalarFunction {
  return columnar({ name, signatures, returnType: type, nullHandling: 'custom', description, body: (_a, ctx) => constantColumn(type, value, ctx.rowCount) });
}

/** PostgreSQL's names of the encodings Strata reports (pg_database.encoding is 6, UTF8); '' for others, as PostgreSQL answers. */
function encodingName(e: number): string { return e === 6 ? 'UTF8' : e === 0 ? 'SQL_ASCII' : ''; }

/** pg_encoding_to_char over a column of encoding numbers, in one pass (NULL stays NULL). */
function encodingNames(c: Column): Column {
  const n = c.length;
  const d = c.data as ArrayLike<number | bigint | null>;
  const out = new Array<string>(n);
  for (let i = 0; i < n; i++) out[i] = encodingName(Number(d[i]));
  return { type: STR, length: n, data: out, valid: c.valid ? c.valid.slice() : null };
}

/** PostgreSQL's pg_size_pretty: bytes below 10 kB, then kB, MB, GB, TB, PB, each rounded half up. */
export function pgSizePretty(size: bigint): string {
  const units = ['kB', 'MB', 'GB', 'TB', 'PB'];
  const abs = (x: bigint) => (x < 0n ? -x : x);
  if (abs(size) < 10240n) return `${size} bytes`;
  let v = size >> 9n; // one extra bit, for rounding
  for (let i = 0; i < units.length; i++) {
    if (abs(v) < 20479n || i === units.length - 1) return `${(v + (v < 0n ? -1n : 1n)) / 2n} ${units[i]}`;
    v >>= 10n;
  }
  return `${size} bytes`;
}

/**
 * The PostgreSQL catalog functions GreptimeDB provides for psql, drivers and
 * GUI tools (pg_get_userbyid, pg_table_is_visible, format_type,
 * obj_description, has_*_privilege, ...). Strata has one user and no
 * privileges, comments in pg_description or temporary schemas, so these
 * answer as GreptimeDB's do: the owner is `postgres`, every object is
 * visible and allowed, descriptions are NULL, pg_my_temp_schema() is 0.
 */
export const pgFunctions: ScalarFunction[] = [
  constant('pg_get_userbyid', [sig('integer')], STR, 'postgres', "The owner's name: every object belongs to postgres."),
  constant('pg_table_is_visible', [sig('integer')], BOOL, true, 'Whether the relation is in the search path: always true.'),
  constant('pg_type_is_visible', [sig('integer')], BOOL, true, 'Whether the type is in the search path: always true.'),
  constant('pg_function_is_visible', [sig('integer')], BOOL, true, 'Whether the function is in the search path: always true.'),
  ...['has_table_privilege', 'has_schema_privilege', 'has_database_privilege', 'has_column_privilege', 'has_function_privilege', 'has_any_column_privilege']
    .map((name) => constant(name, [sig('any', 'string'), sig('any', 'any', 'string'), sig('any', 'any', 'any', 'string')], BOOL, true, 'Privilege check: Strata has no privileges, so always true.')),
  constant('obj_description', [sig('any'), sig('any', 'string')], STR, null, 'The comment in pg_description: NULL (none are kept there).'),
  constant('col_description', [sig('any', 'integer')], STR, null, 'The column comment in pg_description: NULL (none are kept there).'),
  constant('shobj_description', [sig('any', 'string')], STR, null, 'The shared object comment in pg_shdescription: NULL.'),
  constant('pg_my_temp_schema', [sig()], I32, 0, 'The oid of the session temporary schema: 0, there are none.'),
  ...['pg_table_size', 'pg_total_relation_size', 'pg_relation_size', 'pg_indexes_size']
    .map((name) => constant(name, [sig('integer'), sig('integer', 'string')], I64, null, 'Relation size on disk: NULL (see information_schema.tables / region_statistics).')),
  columnar({
    name: 'pg_encoding_to_char', description: 'The name of an encoding number (6 is UTF8).', signatures: [sig('integer')], returnType: STR,
    body: ([e]) => encodingNames(e!),
  }),
  columnar({
    name: 'format_type', description: "PostgreSQL's SQL name of a type oid with its modifier: format_type(1114, 3) = 'timestamp(3) without time zone'.",
    signatures: [sig('integer', 'any')], returnType: STR, nullHandling: 'custom',
    body: ([oid, mod]) => mapRows(STR, oid!.length, [oid!, mod!], ([o, m]) => (o === null ? null : formatPgType(num(o), m === null ? null : num(m))), false),
  }),
  columnar({
    name: 'pg_get_expr', description: 'The text of a stored expression (pg_attrdef.adbin holds it as text).',
    signatures: [sig('string', 'integer'), sig('string', 'integer', 'Boolean')], returnType: STR,
    body: ([e, ...rest]) => mapRows(STR, e!.length, [e!, ...rest], ([v]) => v),
  }),
  columnar({
    name: 'pg_size_pretty', description: "A byte count in PostgreSQL's units: pg_size_pretty(10240) = '10 kB'.", signatures: [sig('integer')], returnType: STR,
    body: ([n]) => mapRows(STR, n!.length, [n!], ([v]) => pgSizePretty(BigInt(v as bigint | number))),
  }),
  columnar({
    name: 'array_to_string', description: 'Joins an array: Strata has no array type, so only a NULL array (NULL) is accepted.',
    signatures: [sig('any', 'string'), sig('any', 'string', 'string')], returnType: STR, nullHandling: 'custom',
    body: ([a, ...rest]) => mapRows(STR, a!.length, [a!, ...rest], ([v]) => {
      if (v === null) return null;
      throw new InvalidArgumentsError('array_to_string expects an array; Strata has no array type');
    }, false),
  }),
];

/**
 * pg_get_function_result / pg_get_function_arguments /
 * pg_get_function_identity_arguments over pg_proc oids: derived from
 * `registry` (the registry they are registered in) on each call, so they
 * answer whether or not pg_proc has been read, and see functions added or
 * dropped since.
 */
export function pgFunctionTextFunctions(registry: FunctionRegistry): ScalarFunction[] {
  return ([['pg_get_function_result', 'result'], ['pg_get_function_arguments', 'args'], ['pg_get_function_identity_arguments', 'args']] as const).map(([name, part]) => columnar({
    name, description: `The ${part === 'result' ? 'result type' : 'argument types'} of a pg_proc function.`, signatures: [sig('integer')], returnType: STR,
    body: ([oid]) => {
      const texts = pgFunctionTextLookup(registry);
      return mapRows(STR, oid!.length, [oid!], ([v]) => texts(num(v))?.[part] ?? null);
    },
  }));
}
