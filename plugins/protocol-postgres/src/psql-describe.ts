import { PG_FIRST_USER_OID, pgDefaultText, pgTypeName, type TableInfo } from '@strata/kernel';

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
 * A table's oid is the kernel's (pgTableOid: 16384 + its catalog id), as in pg_class;
 * type names and defaults are the kernel's too (pgTypeName, pgDefaultText).
 */
export type PsqlDescribeQuery =
  | { readonly kind: 'lookup'; readonly pattern: RegExp }
  | { readonly kind: 'relinfo'; readonly oid: number }
  | { readonly kind: 'attributes'; readonly oid: number; readonly verbose: boolean }
  | { readonly kind: 'empty'; readonly oid: number };

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
  if (oid < PG_FIRST_USER_OID) return undefined;
  if (/^\s*SELECT\s+c\.relchecks,\s*c\.relkind/i.test(sql)) return { kind: 'relinfo', oid };
  if (/^\s*SELECT\s+a\.attname,/i.test(sql) && /pg_catalog\.pg_attribute\s+a/i.test(sql)) return { kind: 'attributes', oid, verbose: /a\.attstorage/i.test(sql) };
  return { kind: 'empty', oid };
}

/** The relinfo row psql reads (15 columns): a plain heap table without indexes, rules or triggers. */
export const RELINFO_COLUMNS = ['relchecks', 'relkind', 'relhasindex', 'relhasrules', 'relhastriggers', 'relrowsecurity',
  'relforcerowsecurity', 'relhasoids', 'relispartition', 'reloptions', 'reltablespace', 'reloftype', 'relpersistence', 'relreplident', 'amname'];
export const RELINFO_ROW = ['0', 'r', 'f', 'f', 'f', 'f', 'f', 'f', 'f', '', '0', '', 'p', 'd', 'heap'];

export const ATTRIBUTE_COLUMNS = ['attname', 'format_type', 'pg_get_expr', 'attnotnull', 'attcollation', 'attidentity', 'attgenerated'];
/** `\d+` adds storage, compression, statistics target and the column comment. */
export const VERBOSE_ATTRIBUTE_COLUMNS = [...ATTRIBUTE_COLUMNS, 'attstorage', 'attcompression', 'attstattarget', 'col_description'];

/** One attribute row per column, in table order. */
export function attributeRows(t: TableInfo, verbose = false): Array<Array<string | null>> {
  return t.schema.columns.map((c) => {
    const row: Array<string | null> = [c.name, pgTypeName(c.type), pgDefaultText(c), c.nullable ? 'f' : 't', null, '', ''];
    if (verbose) row.push(['String', 'Binary'].includes(c.type.name) ? 'x' : 'p', '', null, c.comment ?? null);
    return row;
  });
}

/**
 * psql up to 15 lists a role's memberships in `\du` / `\dg` with an array
 * constructor, which Strata's SQL (no array type) does not parse:
 * `ARRAY(SELECT b.rolname FROM pg_catalog.pg_auth_members m JOIN pg_catalog.pg_roles b
 * ON (m.roleid = b.oid) WHERE m.member = r.oid) as memberof`. pg_auth_members has
 * no rows (Strata has no role membership), so that array is always empty: it
 * becomes its text form `'{}'` and the rest of the query (pg_roles) runs in the
 * engine. psql 16 sends no such column. Returns the query to run, or undefined
 * when `sql` has no such array.
 */
export function withoutRoleMembershipArray(sql: string): string | undefined {
  const out = sql.replace(ROLE_MEMBERSHIP_ARRAY, "'{}'");
  return out === sql ? undefined : out;
}

const ROLE_MEMBERSHIP_ARRAY = /ARRAY\(\s*SELECT\s+b\.rolname\s+FROM\s+pg_catalog\.pg_auth_members\s+m\s+JOIN\s+pg_catalog\.pg_roles\s+b\s+ON\s+\(\s*m\.roleid\s*=\s*b\.oid\s*\)\s+WHERE\s+m\.member\s*=\s*r\.oid\s*\)/gi;
