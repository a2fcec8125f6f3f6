import type { ColumnSchema, DataType } from '../data/data-types.js';
import type { Catalog, TableInfo } from '../interfaces/catalog.js';
import type { ArgType, FunctionDefinition, FunctionRegistry } from '../interfaces/function.js';
import type { Session } from '../interfaces/session.js';

/**
 * `pg_catalog`: the PostgreSQL system catalogs GreptimeDB serves on its
 * PostgreSQL channel (through datafusion-pg-catalog), so psql's backslash
 * commands, drivers and GUI tools can read the schema the way they read
 * PostgreSQL's. Visible only to sessions on the `postgres` channel, as in
 * GreptimeDB (elsewhere `pg_catalog.pg_class` is "Table not found").
 *
 * ```
 *   pg_database   greptime (the catalog) and postgres, as GreptimeDB lists them
 *   pg_namespace  pg_catalog, information_schema and every database (a PostgreSQL schema)
 *   pg_class      every table (relkind 'r') and information_schema table ('v')
 *   pg_attribute  their columns; pg_attrdef their defaults
 *   pg_type       PostgreSQL's base types (and their array types)
 *   pg_proc       the SQL functions: built-ins in pg_catalog, plugins' in public
 *   pg_roles      the session's user (Strata has no roles); pg_auth_members empty
 *   pg_am, pg_settings; pg_index, pg_description, pg_inherits ... empty
 * ```
 *
 * Object ids: a table is 16384 + its catalog id (PostgreSQL's first user
 * oid, as the protocol plugin's `\d` answers use), `public` is 2200 and
 * `pg_catalog` 11 (PostgreSQL's), other schemas and functions get a stable
 * hash of their name (>= 2^24, so they never meet a table's oid).
 */

const S: DataType = { name: 'String' };
const I16: DataType = { name: 'Int16' };
const I32: DataType = { name: 'Int32' };
const F64: DataType = { name: 'Float64' };
const B: DataType = { name: 'Boolean' };
const TS: DataType = { name: 'TimestampMicrosecond' };

export const PG_CATALOG = 'pg_catalog';
/** PostgreSQL's first user oid: a table's oid is this plus its catalog id. */
export const PG_FIRST_USER_OID = 16384;
const PG_CATALOG_NAMESPACE_OID = 11;
const PUBLIC_NAMESPACE_OID = 2200;
const OWNER_OID = 10;

function hashOid(kind: string, name: string): number {
  let h = 0x811c9dc5;
  for (const ch of `${kind}\u0000${name}`) { h ^= ch.codePointAt(0)!; h = Math.imul(h, 0x01000193) >>> 0; }
  return (h % (0x7fffffff - 0x1000000)) + 0x1000000;
}

/** The owner every object reports (pg_get_userbyid answers its name for any oid). */
const OWNER_NAME = 'postgres';

/** A role's oid: 10 for postgres (the owner of every object, as in PostgreSQL), a stable hash of the name for other users. */
export function pgRoleOid(name: string): number { return name === OWNER_NAME ? OWNER_OID : hashOid('role', name); }

/** A table's oid: 16384 + its catalog id. */
export function pgTableOid(t: TableInfo): number { return PG_FIRST_USER_OID + t.id; }

/** A schema's (Strata database's) oid. */
export function pgNamespaceOid(name: string): number {
  if (name === PG_CATALOG) return PG_CATALOG_NAMESPACE_OID;
  if (name === 'public') return PUBLIC_NAMESPACE_OID;
  return hashOid('namespace', name);
}

/**
 * The PostgreSQL type oids Strata speaks: pg_type's rows, RowDescription's
 * type oids and the Bind parameter types the protocol plugin decodes. The
 * kernel owns them; protocol-postgres imports them.
 */
export const PG_TYPE_OIDS = {
  bool: 16, bytea: 17, char: 18, name: 19, int8: 20, int2: 21, int4: 23, regproc: 24, text: 25, oid: 26, json: 114,
  float4: 700, float8: 701, unknown: 705, bpchar: 1042, varchar: 1043, date: 1082, time: 1083, timestamp: 1114,
  timestamptz: 1184, interval: 1186, numeric: 1700, regclass: 2205, regtype: 2206, uuid: 2950, jsonb: 3802, regnamespace: 4089,
} as const;
const T = PG_TYPE_OIDS;

/** PostgreSQL's base types: [oid, typname, typlen, typbyval, typcategory, typispreferred, typelem, typarray, typalign, typstorage, typcollation]. */
type TypeRow = [number, string, number, boolean, string, boolean, number, number, string, string, number];
const BASE_TYPES: TypeRow[] = [
  [T.bool, 'bool', 1, true, 'B', true, 0, 1000, 'c', 'p', 0],
  [T.bytea, 'bytea', -1, false, 'U', false, 0, 1001, 'i', 'x', 0],
  [T.char, 'char', 1, true, 'Z', false, 0, 1002, 'c', 'p', 0],
  [T.name, 'name', 64, false, 'S', false, 18, 1003, 'c', 'p', 950],
  [T.int8, 'int8', 8, true, 'N', false, 0, 1016, 'd', 'p', 0],
  [T.int2, 'int2', 2, true, 'N', false, 0, 1005, 's', 'p', 0],
  [T.int4, 'int4', 4, true, 'N', false, 0, 1007, 'i', 'p', 0],
  [T.regproc, 'regproc', 4, true, 'N', false, 0, 1008, 'i', 'p', 0],
  [T.text, 'text', -1, false, 'S', true, 0, 1009, 'i', 'x', 100],
  [T.oid, 'oid', 4, true, 'N', true, 0, 1028, 'i', 'p', 0],
  [T.json, 'json', -1, false, 'U', false, 0, 199, 'i', 'x', 0],
  [T.float4, 'float4', 4, true, 'N', false, 0, 1021, 'i', 'p', 0],
  [T.float8, 'float8', 8, true, 'N', true, 0, 1022, 'd', 'p', 0],
  [T.bpchar, 'bpchar', -1, false, 'S', false, 0, 1014, 'i', 'x', 100],
  [T.varchar, 'varchar', -1, false, 'S', false, 0, 1015, 'i', 'x', 100],
  [T.date, 'date', 4, true, 'D', false, 0, 1182, 'i', 'p', 0],
  [T.time, 'time', 8, true, 'D', false, 0, 1183, 'd', 'p', 0],
  [T.timestamp, 'timestamp', 8, true, 'D', false, 0, 1115, 'd', 'p', 0],
  [T.timestamptz, 'timestamptz', 8, true, 'D', true, 0, 1185, 'd', 'p', 0],
  [T.interval, 'interval', 16, false, 'T', true, 0, 1187, 'd', 'p', 0],
  [T.numeric, 'numeric', -1, false, 'N', false, 0, 1231, 'i', 'm', 0],
  [T.regclass, 'regclass', 4, true, 'N', false, 0, 2210, 'i', 'p', 0],
  [T.regtype, 'regtype', 4, true, 'N', false, 0, 2211, 'i', 'p', 0],
  [T.uuid, 'uuid', 16, false, 'U', false, 0, 2951, 'c', 'p', 0],
  [T.jsonb, 'jsonb', -1, false, 'U', false, 0, 3807, 'i', 'x', 0],
  [T.regnamespace, 'regnamespace', 4, true, 'N', false, 0, 4090, 'i', 'p', 0],
];
const BASE_TYPE_BY_OID = new Map<number, TypeRow>(BASE_TYPES.map((t) => [t[0], t]));

/** format_type's names of the base types (PostgreSQL's SQL spellings). */
const FORMAT_NAMES: Record<number, string> = {
  [T.bool]: 'boolean', [T.bytea]: 'bytea', [T.char]: '"char"', [T.name]: 'name', [T.int8]: 'bigint', [T.int2]: 'smallint', [T.int4]: 'integer',
  [T.regproc]: 'regproc', [T.text]: 'text', [T.oid]: 'oid', [T.json]: 'json', [T.float4]: 'real', [T.float8]: 'double precision',
  [T.bpchar]: 'character', [T.varchar]: 'character varying', [T.date]: 'date', [T.time]: 'time without time zone',
  [T.timestamp]: 'timestamp without time zone', [T.timestamptz]: 'timestamp with time zone', [T.interval]: 'interval', [T.numeric]: 'numeric',
  [T.regclass]: 'regclass', [T.regtype]: 'regtype', [T.uuid]: 'uuid', [T.jsonb]: 'jsonb', [T.regnamespace]: 'regnamespace',
};
const ARRAY_OF = new Map<number, number>(BASE_TYPES.map((t) => [t[7], t[0]]));

/**
 * PostgreSQL's `format_type(oid, typmod)`: the SQL name of a type, with its
 * modifier (`timestamp(3) without time zone`, `numeric(20,0)`), `[]` for
 * arrays, `???` for an unknown oid.
 */
export function formatPgType(oid: number, typmod: number | null): string {
  const elem = ARRAY_OF.get(oid);
  if (elem !== undefined) return `${formatPgType(elem, typmod)}[]`;
  const name = FORMAT_NAMES[oid];
  if (name === undefined) return '???';
  const mod = typmod ?? -1;
  if (mod < 0) return name;
  switch (oid) {
    case T.time: case T.timestamp: case T.timestamptz: return name.replace(/^(time(?:stamp)?)/, `$1(${mod})`);
    case T.numeric: return mod >= 4 ? `numeric(${(mod - 4) >> 16},${(mod - 4) & 0xffff})` : name;
    case T.bpchar: case T.varchar: return mod >= 4 ? `${name}(${mod - 4})` : name;
    default: return name;
  }
}

/** A PostgreSQL type: its oid, typmod (-1: none) and pg_type.typlen (-1: variable length). */
export interface PgType { readonly oid: number; readonly typmod: number; readonly typlen: number }

function pgType(oid: number, typmod = -1): PgType { return { oid, typmod, typlen: BASE_TYPE_BY_OID.get(oid)![2] }; }
const PG_TYPE_OF: Partial<Record<DataType['name'], PgType>> = {
  Boolean: pgType(T.bool), Int8: pgType(T.int2), Int16: pgType(T.int2), UInt8: pgType(T.int2), Int32: pgType(T.int4), UInt16: pgType(T.int4),
  Int64: pgType(T.int8), UInt32: pgType(T.int8), UInt64: pgType(T.numeric, ((20 << 16) | 0) + 4), Float32: pgType(T.float4),
  Float64: pgType(T.float8), Binary: pgType(T.bytea), Date: pgType(T.date), TimestampSecond: pgType(T.timestamp, 0),
  TimestampMillisecond: pgType(T.timestamp, 3), TimestampMicrosecond: pgType(T.timestamp, 6), TimestampNanosecond: pgType(T.timestamp, 6),
  IntervalMonthDayNano: pgType(T.interval),
};
const TEXT_TYPE = pgType(T.text);

/**
 * The PostgreSQL type of a Strata type: what pg_attribute records and what
 * the protocol plugin sends in RowDescription (Strings, and the Null type,
 * travel as text; Decimal128 as numeric with its precision and scale).
 */
export function pgTypeOfDataType(t: DataType): PgType {
  if (t.name === 'Decimal128') return { oid: T.numeric, typmod: (((t.precision ?? 38) << 16) | (t.scale ?? 0)) + 4, typlen: -1 };
  return PG_TYPE_OF[t.name] ?? TEXT_TYPE;
}

/** PostgreSQL's spelling of a Strata type, as format_type shows it (`timestamp(3) without time zone`); the Null type is `unknown`. */
export function pgTypeName(t: DataType): string {
  if (t.name === 'Null') return 'unknown';
  const { oid, typmod } = pgTypeOfDataType(t);
  return formatPgType(oid, typmod);
}

/** A column default as pg_get_expr shows it (`'x'::text`, `1.5`, `current_timestamp()`), or NULL. */
export function pgDefaultText(c: ColumnSchema): string | null {
  if (!c.default) return null;
  if (c.default.fn) return c.default.fn;
  const v = c.default.value;
  if (v === null || v === undefined) return null;
  return typeof v === 'string' ? `'${v.replace(/'/g, "''")}'::text` : String(v);
}

/** A function's pg_proc oid: a stable hash of its name. */
export function pgFunctionOid(name: string): number { return hashOid('function', name); }

/** What pg_get_function_result and pg_get_function_arguments show for a function (its first signature). */
export interface PgFunctionTexts { readonly result: string; readonly args: string }

export function pgFunctionTexts(fn: FunctionDefinition): PgFunctionTexts {
  const rt = typeof fn.returnType === 'function' ? undefined : pgTypeOfDataType(fn.returnType);
  const result = rt ? formatPgType(rt.oid, rt.typmod) : 'any';
  const first = fn.signatures[0];
  const args = first ? first.args.map((a) => argTypeText(a)).join(', ') + (first.variadic ? ', ...' : '') : '';
  return { result, args };
}

/**
 * pg_get_function_result / pg_get_function_arguments over the functions of
 * `registry`, derived from it when asked (pg_proc need not have been read):
 * a lookup by pg_proc oid, undefined for an oid that names no function.
 * Build one per call: it sees the registry as it is then.
 */
export function pgFunctionTextLookup(registry: FunctionRegistry): (oid: number) => PgFunctionTexts | undefined {
  let byOid: Map<number, FunctionDefinition> | undefined;
  const texts = new Map<number, PgFunctionTexts>();
  return (oid) => {
    const known = texts.get(oid);
    if (known) return known;
    byOid ??= new Map(registry.list().map((e) => [pgFunctionOid(e.fn.name), e.fn]));
    const fn = byOid.get(oid);
    if (!fn) return undefined;
    const t = pgFunctionTexts(fn);
    texts.set(oid, t);
    return t;
  };
}

type Def = { columns: Array<[string, DataType]>; rows: (s: Session) => unknown[][] };

/** The pg_catalog tables, computed from the catalog and the function registry when read. */
export function pgCatalogTables(catalog: Catalog, registry: FunctionRegistry, systemTableNames: () => string[]): Record<string, Def> {
  const tables = () => catalog.listDatabases().flatMap((d) => catalog.listTables(d));
  // pg_catalog is listed too (GreptimeDB lists only the databases): pg_type and pg_proc rows name it, as in PostgreSQL.
  const namespaces = () => ['information_schema', PG_CATALOG, ...catalog.listDatabases()].sort();
  return {
    // GreptimeDB's 17 columns; datacl (a text[] there) is text here: Strata has no array type, and it is always NULL.
    // datlocprovider is PostgreSQL's code ('c' = libc), which psql's \l decodes (GreptimeDB stores 'libc').
    pg_database: {
      columns: [['oid', I32], ['datname', S], ['datdba', I32], ['encoding', I32], ['datlocprovider', S], ['datcollate', S], ['datctype', S],
        ['datistemplate', B], ['datallowconn', B], ['datconnlimit', I32], ['datlastsysoid', I32], ['datfrozenxid', I32], ['datminmxid', I32],
        ['dattablespace', I32], ['daticulocale', S], ['daticurules', S], ['datacl', S]],
      rows: () => ['greptime', 'postgres'].map((name) => [hashOid('database', name), name, OWNER_OID, 6, 'c', 'en_US.UTF-8', 'en_US.UTF-8',
        false, true, -1, 100000, 1, 1, 1663, null, null, null]),
    },
    pg_namespace: {
      columns: [['oid', I32], ['nspname', S], ['nspowner', I32], ['nspacl', S], ['options', S]],
      rows: () => namespaces().map((n) => [pgNamespaceOid(n), n, OWNER_OID, null, null]),
    },
    // GreptimeDB's 31 columns, in its order and types.
    pg_class: {
      columns: [['oid', I32], ['relname', S], ['relnamespace', I32], ['reltype', I32], ['reloftype', I32], ['relowner', I32], ['relam', I32],
        ['relfilenode', I32], ['reltablespace', I32], ['relpages', I32], ['reltuples', F64], ['relallvisible', I32], ['reltoastrelid', I32],
        ['relhasindex', B], ['relisshared', B], ['relpersistence', S], ['relkind', S], ['relnatts', I16], ['relchecks', I16], ['relhasrules', B],
        ['relhastriggers', B], ['relhassubclass', B], ['relrowsecurity', B], ['relforcerowsecurity', B], ['relispopulated', B], ['relreplident', S],
        ['relispartition', B], ['relrewrite', I32], ['relfrozenxid', I32], ['relminmxid', I32], ['relpartbound', S]],
      rows: () => {
        const row = (oid: number, name: string, ns: string, kind: string, natts: number) => [oid, name, pgNamespaceOid(ns), 0, null, OWNER_OID,
          kind === 'r' ? 2 : 0, oid, 0, 1, 0, 0, 0, false, false, 'p', kind, natts, 0, false, false, false, false, false, true, 'd', false, null, 0, 0, ''];
        return [
          ...systemTableNames().map((n) => row(hashOid('information_schema', n), n, 'information_schema', 'v', 0)),
          ...tables().map((t) => row(pgTableOid(t), t.name, t.database, 'r', t.schema.columns.length)),
        ];
      },
    },
    // PostgreSQL 16's columns.
    pg_attribute: {
      columns: [['attrelid', I32], ['attname', S], ['atttypid', I32], ['attlen', I16], ['attnum', I16], ['attcacheoff', I32], ['atttypmod', I32],
        ['attndims', I16], ['attbyval', B], ['attalign', S], ['attstorage', S], ['attcompression', S], ['attnotnull', B], ['atthasdef', B],
        ['atthasmissing', B], ['attidentity', S], ['attgenerated', S], ['attisdropped', B], ['attislocal', B], ['attinhcount', I16],
        ['attstattarget', I16], ['attcollation', I32], ['attacl', S], ['attoptions', S], ['attfdwoptions', S], ['attmissingval', S]],
      rows: () => tables().flatMap((t) => t.schema.columns.map((c, i) => {
        const { oid, typmod } = pgTypeOfDataType(c.type);
        const base = BASE_TYPE_BY_OID.get(oid)!;
        return [pgTableOid(t), c.name, oid, base[2], i + 1, -1, typmod, 0, base[3], base[8], base[9], '', !c.nullable, !!c.default,
          false, '', '', false, true, 0, -1, base[10], null, null, null, null];
      })),
    },
    pg_attrdef: {
      columns: [['oid', I32], ['adrelid', I32], ['adnum', I16], ['adbin', S]],
      rows: () => tables().flatMap((t) => t.schema.columns.flatMap((c, i) => {
        const text = pgDefaultText(c);
        return text === null ? [] : [[hashOid('attrdef', `${t.id}.${i}`), pgTableOid(t), i + 1, text]];
      })),
    },
    // PostgreSQL's 32 columns for its base types; the I/O function oids (typinput ...) are 0: Strata has no such functions.
    pg_type: {
      columns: [['oid', I32], ['typname', S], ['typnamespace', I32], ['typowner', I32], ['typlen', I16], ['typbyval', B], ['typtype', S],
        ['typcategory', S], ['typispreferred', B], ['typisdefined', B], ['typdelim', S], ['typrelid', I32], ['typsubscript', I32], ['typelem', I32],
        ['typarray', I32], ['typinput', I32], ['typoutput', I32], ['typreceive', I32], ['typsend', I32], ['typmodin', I32], ['typmodout', I32],
        ['typanalyze', I32], ['typalign', S], ['typstorage', S], ['typnotnull', B], ['typbasetype', I32], ['typtypmod', I32], ['typndims', I32],
        ['typcollation', I32], ['typdefaultbin', S], ['typdefault', S], ['typacl', S]],
      rows: () => BASE_TYPES.flatMap(([oid, name, len, byval, cat, pref, elem, arr, align, storage, coll]) => [
        [oid, name, PG_CATALOG_NAMESPACE_OID, OWNER_OID, len, byval, 'b', cat, pref, true, ',', 0, 0, elem, arr, 0, 0, 0, 0, 0, 0, 0, align, storage, false, 0, -1, 0, coll, null, null, null],
        [arr, `_${name}`, PG_CATALOG_NAMESPACE_OID, OWNER_OID, -1, false, 'b', 'A', false, true, ',', 0, 0, oid, 0, 0, 0, 0, 0, 0, 0, 0, align === 'd' ? 'd' : 'i', 'x', false, 0, -1, 0, coll, null, null, null],
      ]).sort((a, b) => (a[0] as number) - (b[0] as number)),
    },
    pg_proc: {
      columns: [['oid', I32], ['proname', S], ['pronamespace', I32], ['proowner', I32], ['prolang', I32], ['prokind', S], ['proretset', B],
        ['provolatile', S], ['pronargs', I16], ['prorettype', I32], ['proargtypes', S], ['prosrc', S], ['description', S]],
      rows: () => registry.list().map((e) => {
        const fn = e.fn;
        const first = fn.signatures[0];
        const kind = fn.kind === 'aggregate' ? 'a' : fn.kind === 'window' ? 'w' : 'f';
        return [pgFunctionOid(fn.name), fn.name, pgNamespaceOid(e.origin === 'built-in' ? PG_CATALOG : 'public'), OWNER_OID, 12, kind, false,
          (fn.volatility ?? 'immutable') === 'immutable' ? 'i' : fn.volatility === 'stable' ? 's' : 'v', first?.args.length ?? 0, 0, '', fn.name, fn.description ?? null];
      }),
    },
    // PostgreSQL 16's columns. Strata has no roles: the session's user is the one row (GreptimeDB's pg_roles comes from
    // its auth provider). No superuser, role or replication rights are claimed; any user may CREATE DATABASE, so rolcreatedb.
    pg_roles: {
      columns: [['rolname', S], ['rolsuper', B], ['rolinherit', B], ['rolcreaterole', B], ['rolcreatedb', B], ['rolcanlogin', B], ['rolreplication', B],
        ['rolconnlimit', I32], ['rolpassword', S], ['rolvaliduntil', TS], ['rolbypassrls', B], ['rolconfig', S], ['oid', I32]],
      rows: (s) => {
        const user = s.user ?? OWNER_NAME;
        return [[user, false, true, false, true, true, false, -1, '********', null, false, null, pgRoleOid(user)]];
      },
    },
    // No role is a member of another.
    pg_auth_members: {
      columns: [['oid', I32], ['roleid', I32], ['member', I32], ['grantor', I32], ['admin_option', B], ['inherit_option', B], ['set_option', B]],
      rows: () => [],
    },
    pg_am: {
      columns: [['oid', I32], ['amname', S], ['amhandler', S], ['amtype', S]],
      rows: () => [[2, 'heap', 'heap_tableam_handler', 't'], [403, 'btree', 'bthandler', 'i']],
    },
    // The session's settings (pgSettings: what SHOW and current_setting answer), and every SET variable.
    pg_settings: {
      columns: [['name', S], ['setting', S], ['unit', S], ['category', S], ['short_desc', S], ['extra_desc', S], ['context', S], ['vartype', S],
        ['source', S], ['min_val', S], ['max_val', S], ['enumvals', S], ['boot_val', S], ['reset_val', S], ['sourcefile', S], ['sourceline', I32], ['pending_restart', B]],
      rows: (s) => [...pgSettings(s).entries()].sort(([a], [b]) => a.toLowerCase().localeCompare(b.toLowerCase()))
        .map(([k, v]) => [k, v, null, null, null, null, 'user', 'string', s.variables.has(k.toLowerCase()) ? 'session' : 'default', null, null, null, v, v, null, null, false]),
    },
    pg_index: {
      columns: [['indexrelid', I32], ['indrelid', I32], ['indnatts', I16], ['indnkeyatts', I16], ['indisunique', B], ['indisprimary', B],
        ['indisexclusion', B], ['indimmediate', B], ['indisclustered', B], ['indisvalid', B], ['indkey', S], ['indexprs', S], ['indpred', S]],
      rows: () => [],
    },
    pg_description: { columns: [['objoid', I32], ['classoid', I32], ['objsubid', I32], ['description', S]], rows: () => [] },
    pg_inherits: { columns: [['inhrelid', I32], ['inhparent', I32], ['inhseqno', I32], ['inhdetachpending', B]], rows: () => [] },
    pg_constraint: {
      columns: [['oid', I32], ['conname', S], ['connamespace', I32], ['contype', S], ['conrelid', I32], ['confrelid', I32], ['conkey', S], ['confkey', S]],
      rows: () => [],
    },
  };
}

/** The PostgreSQL names of the argument type families. */
const ARG_FAMILY_NAMES: Partial<Record<ArgType, string>> = {
  any: 'any', numeric: 'numeric', integer: 'bigint', float: 'double precision', string: 'text', timestamp: 'timestamp without time zone',
};

/** An argument type (a family or a Strata type) as pg_get_function_arguments shows it; decimals without their precision. */
function argTypeText(a: ArgType): string {
  const family = ARG_FAMILY_NAMES[a];
  if (family !== undefined) return family;
  const { oid, typmod } = pgTypeOfDataType({ name: a } as DataType);
  return formatPgType(oid, typmod);
}

/** The PostgreSQL version Strata reports: ParameterStatus server_version, SHOW server_version, version(). */
export const PG_SERVER_VERSION = '16.3';

/** PostgreSQL's server_version_num of a version text: '16.3' is 160003 (major * 10000 + minor since PostgreSQL 10). */
export function pgVersionNum(version: string): string {
  const [major = 16, minor = 0] = version.split(/[.\s-]/).map(Number);
  return String((Number.isFinite(major) ? major : 16) * 10000 + (Number.isFinite(minor) ? minor : 0));
}

/** PostgreSQL's quote_ident: the name as is when it is a plain lower-case identifier and no reserved word, else in double quotes. */
export function pgQuoteIdent(name: string): string {
  return /^[a-z_][a-z0-9_$]*$/.test(name) && !PG_RESERVED_WORDS.has(name) ? name : `"${name.replace(/"/g, '""')}"`;
}

/** PostgreSQL 16's reserved keywords (and its type/function-name ones), which quote_ident quotes. */
const PG_RESERVED_WORDS = new Set(('all analyse analyze and any array as asc asymmetric authorization binary both case cast check collate collation '
  + 'column concurrently constraint create cross current_catalog current_date current_role current_schema current_time current_timestamp '
  + 'current_user default deferrable desc distinct do else end except false fetch for foreign freeze from full grant group having ilike in '
  + 'initially inner intersect into is isnull join lateral leading left like limit localtime localtimestamp natural not notnull null offset on '
  + 'only or order outer overlaps placing primary references returning right select session_user similar some symmetric system_user table '
  + 'tablesample then to trailing true union unique user using variadic verbose when where window with').split(' '));

/**
 * The settings a PostgreSQL session reports, by PostgreSQL's spelling of
 * their names: what the protocol plugin sends as ParameterStatus at
 * startup and answers to SHOW, and what pg_settings and current_setting()
 * read, so they agree. A session variable (SET x = y) overrides a default;
 * `server_version` is set in the session only by a protocol reporting
 * another version than PG_SERVER_VERSION. `search_path` is the session's
 * database, the one schema Strata resolves unqualified names in (GreptimeDB
 * answers `SHOW search_path` the same way).
 */
export function pgSettings(session: Session): Map<string, string> {
  const get = (name: string) => session.variables.get(name);
  const version = get('server_version') ?? PG_SERVER_VERSION;
  const m = new Map<string, string>([
    ['server_version', version], ['server_version_num', pgVersionNum(version)],
    ['server_encoding', 'UTF8'], ['client_encoding', 'UTF8'], ['DateStyle', 'ISO, MDY'], ['IntervalStyle', 'postgres'],
    ['TimeZone', session.timezone], ['integer_datetimes', 'on'], ['standard_conforming_strings', 'on'],
    ['application_name', ''], ['is_superuser', 'on'], ['session_authorization', session.user ?? ''],
    ['transaction_isolation', 'read committed'], ['default_transaction_read_only', 'off'], ['search_path', pgQuoteIdent(session.database)],
    ['max_identifier_length', '63'], ['extra_float_digits', '1'], ['lc_collate', 'C'], ['lc_ctype', 'C'],
    ['statement_timeout', '0'], ['in_hot_standby', 'off'],
  ]);
  const canonical = new Map([...m.keys()].map((k) => [k.toLowerCase(), k]));
  for (const [k, v] of session.variables) {
    if (k.startsWith('@')) continue; // MySQL user variables
    const name = canonical.get(k.toLowerCase()) ?? k;
    if (name === 'server_version_num' || name === 'TimeZone') continue; // derived from server_version / the session's zone
    m.set(name, v);
  }
  m.set('server_version_num', pgVersionNum(m.get('server_version')!));
  return m;
}

/** One setting of pgSettings, its name in any case; undefined when there is none. */
export function pgSetting(session: Session, name: string): string | undefined {
  const want = name.toLowerCase();
  for (const [k, v] of pgSettings(session)) if (k.toLowerCase() === want) return v;
  return undefined;
}

/**
 * current_schemas(include_implicit) as PostgreSQL's text form of the name[]
 * it returns (Strata has no array type): the schemas unqualified names are
 * looked up in, in order. That is the session's database and then, when
 * implicit schemas are asked for, pg_catalog (an unqualified `pg_class`
 * reads pg_catalog unless the database has a table of that name). GreptimeDB
 * answers `{public}` and `{public,information_schema,pg_catalog,greptime_private}`
 * whatever the schema; Strata has no greptime_private and does not look
 * information_schema up unqualified.
 */
export function pgCurrentSchemas(session: Session, implicit: boolean): string {
  return pgArrayText(implicit ? [session.database, PG_CATALOG] : [session.database]);
}

/** PostgreSQL's text output of a text[]: `{a,b}`, elements with separators, quotes, spaces or braces in double quotes. */
export function pgArrayText(items: readonly string[]): string {
  return `{${items.map((s) => (s === '' || /[{},"\\\s]/.test(s) || s.toUpperCase() === 'NULL' ? `"${s.replace(/[\\"]/g, '\\$&')}"` : s)).join(',')}}`;
}

/**
 * PostgreSQL's own oids of the catalogs clients name in casts (`classoid =
 * 'pg_class'::regclass` against pg_description); pg_roles and pg_settings,
 * views with no fixed oid in PostgreSQL, get a stable hash.
 */
const PG_CATALOG_TABLE_OIDS: Record<string, number> = {
  pg_type: 1247, pg_attribute: 1249, pg_proc: 1255, pg_class: 1259, pg_auth_members: 1261, pg_database: 1262, pg_am: 2601, pg_attrdef: 2604,
  pg_constraint: 2606, pg_description: 2609, pg_index: 2610, pg_inherits: 2611, pg_namespace: 2615,
  pg_roles: hashOid('pg_catalog', 'pg_roles'), pg_settings: hashOid('pg_catalog', 'pg_settings'),
};

/** The oid of a pg_catalog table, or undefined. */
export function pgCatalogTableOid(name: string): number | undefined { return Object.hasOwn(PG_CATALOG_TABLE_OIDS, name) ? PG_CATALOG_TABLE_OIDS[name] : undefined; }

/** An information_schema table's oid, as pg_class lists it. */
export function pgSystemTableOid(name: string): number { return hashOid('information_schema', name); }

/**
 * Splits a relation name as PostgreSQL's regclass input does: dot-separated
 * parts, each a double-quoted identifier (kept as written, `""` for a quote)
 * or a plain one (folded to lower case). Undefined for a malformed name.
 */
export function pgQualifiedName(text: string): Array<{ name: string; quoted: boolean }> | undefined {
  const parts: Array<{ name: string; quoted: boolean }> = [];
  const re = /\s*(?:"((?:[^"]|"")*)"|([^".\s]+))\s*(\.|$)/y;
  let at = 0;
  while (at < text.length) {
    re.lastIndex = at;
    const m = re.exec(text);
    if (!m) return undefined;
    parts.push(m[1] !== undefined ? { name: m[1].replace(/""/g, '"'), quoted: true } : { name: m[2]!, quoted: false });
    at = re.lastIndex;
    if (m[3] === '' ) break;
    if (at >= text.length) return undefined; // a trailing dot
  }
  return parts.length >= 1 && parts.length <= 3 ? parts : undefined;
}
