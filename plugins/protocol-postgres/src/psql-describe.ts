import type { ColumnSchema, DataType, TableInfo } from '@strata/kernel';

/**
 * psql's `\d name`, answered from the catalog. psql 15/16 sends a fixed
 * sequence of pg_catalog queries; we answer the three that carry the table's
 * shape and give the rest (policies, statistics, publications, inheritance,
 * ...) empty results, so psql prints the usual "Table" block:
 *
 * ```
 *   1. lookup:     SELECT c.oid, n.nspname, c.relname FROM pg_class ... '^(name)$'  -> one row per table
 *   2. relinfo:    SELECT c.relchecks, c.relkind, ... WHERE c.oid = '<oid>'          -> a plain table
 *   3. attributes: SELECT a.attname, pg_catalog.format_type(...) ... attrelid = '<oid>'  -> the columns
 *   4. any other pg_catalog query naming '<oid>'                                      -> no rows
 * ```
 *
 * A table's pseudo oid is 16384 + its catalog id (PostgreSQL's first user oid).
 */
export type PsqlDescribeQuery =
  | { readonly kind: 'lookup'; readonly pattern: RegExp }
  | { readonly kind: 'relinfo'; readonly oid: number }
  | { readonly kind: 'attributes'; readonly oid: number; readonly verbose: boolean }
  | { readonly kind: 'empty'; readonly oid: number };

const FIRST_USER_OID = 16384;

export function tableOid(t: TableInfo): number { return FIRST_USER_OID + t.id; }

/** Recognises the queries of psql's `\d name`, or undefined. */
export function psqlDescribeQuery(sql: string): PsqlDescribeQuery | undefined {
  if (!/pg_catalog\./i.test(sql)) return undefined;
  if (/^\s*SELECT\s+c\.oid,\s*n\.nspname,\s*c\.relname\s+FROM\s+pg_catalog\.pg_class/i.test(sql)) {
    const m = /c\.relname\s+OPERATOR\(pg_catalog\.~\)\s+'([^']*)'/i.exec(sql);
    if (!m) return undefined;
    try { return { kind: 'lookup', pattern: new RegExp(m[1]!) }; } catch { return undefined; }
  }
  const oidMatch = /(?:c\.oid|a\.attrelid|relid|inhrelid|conrelid|polrelid|stxrelid|prrelid|tgrelid|ev_class|indrelid|inhparent|attrelid)\s*=\s*'?(\d+)'?/i.exec(sql);
  if (!oidMatch) return undefined;
  const oid = Number(oidMatch[1]);
  if (oid < FIRST_USER_OID) return undefined;
  if (/^\s*SELECT\s+c\.relchecks,\s*c\.relkind/i.test(sql)) return { kind: 'relinfo', oid };
  if (/^\s*SELECT\s+a\.attname,/i.test(sql) && /pg_catalog\.pg_attribute\s+a/i.test(sql)) return { kind: 'attributes', oid, verbose: /a\.attstorage/i.test(sql) };
  return { kind: 'empty', oid };
}

/** PostgreSQL's spelling of a Strata type (format_type). */
export function pgTypeName(t: DataType): string {
  switch (t.name) {
    case 'Boolean': return 'boolean';
    case 'Int8': case 'Int16': case 'UInt8': return 'smallint';
    case 'Int32': case 'UInt16': return 'integer';
    case 'Int64': case 'UInt32': return 'bigint';
    case 'UInt64': return 'numeric(20,0)';
    case 'Float32': return 'real';
    case 'Float64': return 'double precision';
    case 'String': return 'text';
    case 'Binary': return 'bytea';
    case 'Date': return 'date';
    case 'TimestampSecond': return 'timestamp(0) without time zone';
    case 'TimestampMillisecond': return 'timestamp(3) without time zone';
    case 'TimestampMicrosecond': case 'TimestampNanosecond': return 'timestamp(6) without time zone';
    case 'IntervalMonthDayNano': return 'interval';
    case 'Decimal128': return `numeric(${t.precision ?? 38},${t.scale ?? 0})`;
    case 'Null': return 'unknown';
  }
}

/** The relinfo row psql reads (15 columns): a plain heap table without indexes, rules or triggers. */
export const RELINFO_COLUMNS = ['relchecks', 'relkind', 'relhasindex', 'relhasrules', 'relhastriggers', 'relrowsecurity',
  'relforcerowsecurity', 'relhasoids', 'relispartition', 'reloptions', 'reltablespace', 'reloftype', 'relpersistence', 'relreplident', 'amname'];
export const RELINFO_ROW = ['0', 'r', 'f', 'f', 'f', 'f', 'f', 'f', 'f', '', '0', '', 'p', 'd', 'heap'];

export const ATTRIBUTE_COLUMNS = ['attname', 'format_type', 'pg_get_expr', 'attnotnull', 'attcollation', 'attidentity', 'attgenerated'];
/** `\d+` adds storage, compression, statistics target and the column comment. */
export const VERBOSE_ATTRIBUTE_COLUMNS = [...ATTRIBUTE_COLUMNS, 'attstorage', 'attcompression', 'attstattarget', 'col_description'];

function defaultText(c: ColumnSchema): string | null {
  if (!c.default) return null;
  if (c.default.fn) return c.default.fn;
  const v = c.default.value;
  if (v === null || v === undefined) return null;
  return typeof v === 'string' ? `'${v.replace(/'/g, "''")}'::text` : String(v);
}

/** One attribute row per column, in table order. */
export function attributeRows(t: TableInfo, verbose = false): Array<Array<string | null>> {
  return t.schema.columns.map((c) => {
    const row: Array<string | null> = [c.name, pgTypeName(c.type), defaultText(c), c.nullable ? 'f' : 't', null, '', ''];
    if (verbose) row.push(['String', 'Binary'].includes(c.type.name) ? 'x' : 'p', '', null, c.comment ?? null);
    return row;
  });
}
