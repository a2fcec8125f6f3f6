import { InvalidArgumentsError, PG_SERVER_VERSION, pgSettings, type Session } from '@strata/kernel';
import { isValidTimeZone } from '@strata/kernel';

/**
 * Statements the plugin answers itself, before the SQL engine: session
 * settings drivers send on connect, transaction control, and psql's `\dt`.
 *
 * | statement | answer |
 * |---|---|
 * | `SET [SESSION] name {= or TO} value`, `SET TIME ZONE 'x'` | SET; stored in the session (`TimeZone` sets the session zone and is reported back with ParameterStatus) |
 * | `RESET name`, `RESET ALL`, `DISCARD ALL` | RESET / DISCARD ALL |
 * | `SHOW name` for a known setting (server_version, TimeZone, DateStyle, ...) | one row |
 * | `BEGIN`, `START TRANSACTION`, `COMMIT`, `END`, `ROLLBACK`, `ABORT` | the tag (Strata has no transactions: statements apply at once) |
 * | psql's `\dt [pattern]` catalog query | Schema, Name, Type, Owner of the session database's tables |
 *
 * psql's `\d name` is answered from the catalog by psql-describe.ts. Other
 * `pg_catalog` queries go to the engine; when it cannot answer them the
 * client gets SQLSTATE 0A000 with a hint, never a hang.
 */
export type LocalAnswer =
  | { readonly kind: 'command'; readonly tag: string }
  | { readonly kind: 'set'; readonly name: string; readonly value: string }
  | { readonly kind: 'reset'; readonly name: string | 'all'; readonly tag: string }
  | { readonly kind: 'records'; readonly columns: readonly string[]; readonly rows: ReadonlyArray<ReadonlyArray<string | null>> };

/**
 * Settings reported at startup (ParameterStatus) and answered to SHOW: the
 * kernel's pgSettings, which pg_settings and current_setting() read too, so
 * every way of asking agrees. A `serverVersion` other than the kernel's is
 * kept in the session (see recordServerVersion).
 */
export function settings(session: Session, serverVersion: string): Map<string, string> {
  recordServerVersion(session, serverVersion);
  return pgSettings(session);
}

/** Keeps a configured server_version other than the kernel's in the session, where pgSettings (and version()) read it. */
export function recordServerVersion(session: Session, serverVersion: string): void {
  if (serverVersion !== PG_SERVER_VERSION && session.variables.get('server_version') !== serverVersion) session.variables.set('server_version', serverVersion);
}

/** The ParameterStatus names sent at startup, as PostgreSQL sends them. */
export const REPORTED_SETTINGS = ['server_version', 'server_encoding', 'client_encoding', 'DateStyle', 'IntervalStyle', 'TimeZone',
  'integer_datetimes', 'standard_conforming_strings', 'application_name', 'is_superuser', 'session_authorization', 'in_hot_standby'];

const LEADING_COMMENTS = /^(?:\s+|\/\*[\s\S]*?\*\/|--[^\n]*(?:\n|$))*/;

function unquote(v: string): string {
  const t = v.trim();
  if (t.length >= 2 && (t[0] === "'" || t[0] === '"') && t[t.length - 1] === t[0]) return t.slice(1, -1).replace(/''/g, "'");
  return t;
}

/** The answer for `sql` if it is one of the statements above, else undefined. */
export function localAnswer(sql: string, session: Session, serverVersion: string): LocalAnswer | undefined {
  const text = sql.replace(LEADING_COMMENTS, '').replace(/;\s*$/, '').trim();
  const lower = text.toLowerCase();

  const tx = /^(begin|start\s+transaction|commit|end|rollback|abort)\b(\s+(work|transaction))?(\s+isolation\s+level[\w\s]*|\s+read\s+(only|write))*$/.exec(lower);
  if (tx) {
    const w = tx[1]!.split(/\s+/)[0]!;
    const tag = w === 'start' ? 'START TRANSACTION' : w === 'end' ? 'COMMIT' : w === 'abort' ? 'ROLLBACK' : w.toUpperCase();
    return { kind: 'command', tag };
  }

  if (/^set\s+(session\s+|local\s+)?time\s+zone\s+/i.test(text)) {
    const value = unquote(text.replace(/^set\s+(session\s+|local\s+)?time\s+zone\s+/i, ''));
    return { kind: 'set', name: 'timezone', value: /^(local|default)$/i.test(value) ? 'UTC' : value };
  }
  const set = /^set\s+(?:session\s+|local\s+)?([a-z_][a-z0-9_.]*)\s*(?:=|\s+to\s+)\s*([\s\S]+)$/i.exec(text);
  if (set) {
    const value = set[2]!.split(',').map(unquote).join(', ');
    return { kind: 'set', name: set[1]!.toLowerCase(), value };
  }
  const reset = /^reset\s+([a-z_][a-z0-9_.]*|all)$/i.exec(text);
  if (reset) return { kind: 'reset', name: reset[1]!.toLowerCase() === 'all' ? 'all' : reset[1]!.toLowerCase(), tag: 'RESET' };
  if (/^discard\s+all$/i.test(text)) return { kind: 'reset', name: 'all', tag: 'DISCARD ALL' };

  const show = /^show\s+([a-z_][a-z0-9_.]*)$/i.exec(text);
  if (show) {
    const all = settings(session, serverVersion);
    const name = show[1]!.toLowerCase();
    const key = [...all.keys()].find((k) => k.toLowerCase() === name);
    if (key !== undefined) return { kind: 'records', columns: [key], rows: [[all.get(key)!]] };
    return undefined; // SHOW TABLES, SHOW DATABASES, ... belong to the engine
  }

  return undefined;
}

/** Applies a SET to the session; returns the ParameterStatus to report, if any. */
export function applySet(session: Session, name: string, value: string): { name: string; value: string } | undefined {
  if (name === 'timezone' || name === 'time zone') {
    if (!isValidTimeZone(value)) throw new InvalidArgumentsError(`invalid value for parameter "TimeZone": "${value}"`);
    session.timezone = value;
    session.variables.set('timezone', value);
    return { name: 'TimeZone', value };
  }
  session.variables.set(name, value);
  if (name === 'application_name') return { name: 'application_name', value };
  if (name === 'datestyle') return { name: 'DateStyle', value: 'ISO, MDY' }; // output stays ISO
  return undefined;
}
