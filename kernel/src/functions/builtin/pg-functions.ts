import type { DataType } from '../../data/data-types.js';
import { InvalidArgumentsError, TableNotFoundError } from '../../errors/errors.js';
import type { Catalog } from '../../interfaces/catalog.js';
import type { FunctionRegistry, ScalarFunction, Signature } from '../../interfaces/function.js';
import type { Session } from '../../interfaces/session.js';
import { constantColumn, type Column } from '../../sql/exec/column.js';
import {
  PG_CATALOG, formatPgType, pgCatalogTableOid, pgCurrentSchemas, pgFunctionTextLookup, pgQualifiedName, pgQuoteIdent, pgSetting,
  pgSystemTableOid, pgTableOid,
} from '../../sql/pg-catalog.js';
import { checkTimeZone, normalizeTimeZone } from '../time-zone.js';
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
  // A relation given by oid (c.oid, 't'::regclass) or by name (PostgreSQL casts a text literal to regclass).
  ...['pg_table_size', 'pg_total_relation_size', 'pg_relation_size', 'pg_indexes_size']
    .map((name) => constant(name, [sig('integer'), sig('string'), sig('integer', 'string')], I64, null, 'Relation size on disk: NULL (see information_schema.tables / region_statistics).')),
  constant('pg_is_in_recovery', [sig()], BOOL, false, 'Whether the server is a standby replaying WAL: false, a Strata server is never one.'),
  columnar({
    name: 'quote_ident', description: 'An identifier quoted for SQL when it needs it: quote_ident(\'a b\') = \'"a b"\', quote_ident(\'cpu\') = \'cpu\'.',
    signatures: [sig('string')], returnType: STR,
    body: ([n]) => mapRows(STR, n!.length, [n!], ([v]) => pgQuoteIdent(String(v))),
  }),
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

/** What a PostgreSQL session function reads when the binder evaluates it. */
export interface PgSessionEnv {
  readonly session: Session;
  readonly catalog: Catalog;
  /** Whether `schema.name` is a system table of the session (information_schema.tables, ...). */
  systemTableExists(schema: string, name: string): boolean;
}

/**
 * A PostgreSQL function that reads or changes the session or the catalog
 * (current_setting, set_config, current_schemas, to_regclass and the
 * `::regclass` cast). Scalar functions see neither, so the binder evaluates
 * these once per statement, on constant arguments (literals and
 * parameters, which is how clients call them), and plans the value; they
 * exist on the PostgreSQL channel only, beside pg_catalog. A statement that
 * calls one is never taken from the plan cache.
 *
 * @example
 * PG_SESSION_FUNCTIONS.get('current_setting')!.evaluate(['server_version_num'], env) // '160003'
 */
export interface PgSessionFunction {
  readonly name: string;
  readonly minArgs: number;
  readonly maxArgs: number;
  readonly returnType: DataType;
  /** The value (null for SQL NULL) from constant arguments (null for a NULL argument). */
  evaluate(args: readonly unknown[], env: PgSessionEnv): unknown;
}

/** Settings PostgreSQL reports but does not let a session change (SET / set_config answer 55P02 there). */
const READ_ONLY_SETTINGS = new Set(['server_version', 'server_version_num', 'server_encoding', 'integer_datetimes', 'max_identifier_length',
  'lc_collate', 'lc_ctype', 'in_hot_standby', 'is_superuser']);

function truthy(v: unknown): boolean {
  if (typeof v === 'string') return /^(t|true|on|yes|1)$/i.test(v.trim());
  return v === true || v === 1 || v === 1n;
}

/**
 * The oid of a relation named by `text` as PostgreSQL's regclass input
 * reads it ('cpu', 'public.cpu', '"Cpu"', 'pg_catalog.pg_class', or an oid
 * in digits): a table is looked up in the session's database and then in
 * pg_catalog (where Strata resolves unqualified names), a qualified one in
 * its schema. Oids are pg_class's. Undefined when there is no such relation.
 */
export function pgRegclassOid(text: string, env: PgSessionEnv): number | undefined {
  if (/^\s*\d+\s*$/.test(text)) return Number(text);
  const parts = pgQualifiedName(text);
  if (!parts) throw new InvalidArgumentsError(`invalid name syntax: ${text}`);
  // An unquoted name is folded to lower case, as PostgreSQL does; Strata tables created with upper-case names are found as written too.
  const spellings = (p: { name: string; quoted: boolean }) => (p.quoted || p.name.toLowerCase() === p.name ? [p.name] : [p.name.toLowerCase(), p.name]);
  const rel = parts[parts.length - 1]!;
  const schemas = parts.length >= 2 ? spellings(parts[parts.length - 2]!) : [env.session.database, PG_CATALOG];
  for (const schema of schemas) {
    for (const name of spellings(rel)) {
      if (schema === PG_CATALOG) {
        const oid = pgCatalogTableOid(name);
        if (oid !== undefined) return oid;
      } else if (schema.toLowerCase() === 'information_schema') {
        if (env.systemTableExists('information_schema', name)) return pgSystemTableOid(name);
      } else {
        const t = env.catalog.getTable(schema, name);
        if (t) return pgTableOid(t);
      }
    }
  }
  return undefined;
}

/** PostgreSQL's error for a relation that is not there (42P01 on the wire: Strata's TableNotFound). */
export class RelationNotFoundError extends TableNotFoundError {
  constructor(readonly relation: string) {
    super(relation);
    this.message = `relation "${relation}" does not exist`;
  }
}

const pgSessionFunctionList: PgSessionFunction[] = [
  {
    // current_setting(name [, missing_ok]): pgSettings and SET variables; an unknown name is an error unless missing_ok.
    name: 'current_setting', minArgs: 1, maxArgs: 2, returnType: STR,
    evaluate: ([name, missingOk], { session }) => {
      if (name === null) return null;
      const v = pgSetting(session, String(name));
      if (v !== undefined) return v;
      if (missingOk !== undefined && truthy(missingOk)) return null;
      throw new InvalidArgumentsError(`unrecognized configuration parameter "${String(name)}"`);
    },
  },
  {
    // set_config(name, value, is_local): SET name = value, answering the new value. is_local lasts until the end of the
    // transaction; Strata has none, so (as PostgreSQL outside a transaction block) the setting is not kept past the statement.
    name: 'set_config', minArgs: 3, maxArgs: 3, returnType: STR,
    evaluate: ([name, value, isLocal], { session }) => {
      if (name === null) throw new InvalidArgumentsError('set_config: the setting name must not be NULL');
      const key = String(name).toLowerCase();
      if (READ_ONLY_SETTINGS.has(key)) throw new InvalidArgumentsError(`parameter "${key}" cannot be changed`);
      if (truthy(isLocal)) return value === null ? (pgSetting(session, key) ?? null) : String(value);
      if (key === 'timezone') {
        if (value === null) { session.timezone = 'UTC'; session.variables.delete('timezone'); return 'UTC'; }
        checkTimeZone(String(value));
        session.timezone = normalizeTimeZone(String(value));
        session.variables.set('timezone', session.timezone);
        return session.timezone;
      }
      // A NULL value resets the setting (PostgreSQL's set_config is not strict).
      if (value === null) { session.variables.delete(key); return pgSetting(session, key) ?? null; }
      session.variables.set(key, String(value));
      return pgSetting(session, key) ?? String(value);
    },
  },
  {
    name: 'current_schemas', minArgs: 1, maxArgs: 1, returnType: STR,
    evaluate: ([implicit], { session }) => (implicit === null ? null : pgCurrentSchemas(session, truthy(implicit))),
  },
  {
    // to_regclass(text): the relation's oid, NULL when there is none (where ::regclass fails).
    name: 'to_regclass', minArgs: 1, maxArgs: 1, returnType: I32,
    evaluate: ([text], env) => (text === null ? null : pgRegclassOid(String(text), env) ?? null),
  },
  {
    // The `::regclass` / CAST(... AS regclass) input: text -> oid, 42P01 when there is no such relation.
    name: 'regclass', minArgs: 1, maxArgs: 1, returnType: I32,
    evaluate: ([text], env) => {
      if (text === null) return null;
      if (typeof text !== 'string') return Number(text);
      const oid = pgRegclassOid(text, env);
      if (oid === undefined) throw new RelationNotFoundError(text);
      return oid;
    },
  },
];

/** The PostgreSQL session functions by name (see PgSessionFunction); only PostgreSQL sessions see them. */
export const PG_SESSION_FUNCTIONS: ReadonlyMap<string, PgSessionFunction> = new Map(pgSessionFunctionList.map((f) => [f.name, f]));
