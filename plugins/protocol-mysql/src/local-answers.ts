import type { DataType, Session } from '@strata/kernel';
import { isValidTimeZone } from '@strata/kernel';
import { InvalidArgumentsError } from '@strata/kernel';

/**
 * Statements the plugin answers itself, before the SQL engine: the ones
 * MySQL drivers, ORMs and the command-line client send on connect, which
 * are about the connection rather than data.
 *
 * | statement | answer |
 * |---|---|
 * | `SELECT @@var [AS x], @@session.var, ... [LIMIT n]` | one row of server/session variables |
 * | `SELECT DATABASE()` / `SELECT SCHEMA()` | the session's database |
 * | `SET NAMES ...`, `SET CHARACTER SET ...`, `SET [SESSION] var = v, ...`, `SET @@var = v` | OK; stored in the session (`time_zone` sets the session zone) |
 * | `SHOW [SESSION|GLOBAL] VARIABLES [LIKE 'p' / WHERE Variable_name = 'x']` | Variable_name, Value |
 * | `SHOW WARNINGS`, `SHOW ERRORS` | empty |
 * | `SHOW COLLATION`, `SHOW CHARACTER SET` | utf8mb4 and binary |
 * | `BEGIN`, `START TRANSACTION`, `COMMIT`, `ROLLBACK` | OK (Strata has no transactions; each statement applies at once) |
 * | `USE db` | changes the session's database |
 */
export type LocalAnswer =
  | { readonly kind: 'ok' }
  | { readonly kind: 'use'; readonly database: string }
  | { readonly kind: 'records'; readonly columns: ReadonlyArray<{ name: string; type: DataType }>; readonly rows: ReadonlyArray<ReadonlyArray<string | null>> };

export interface ServerFacts {
  readonly serverVersion: string;
  readonly maxPacketBytes: number;
  readonly connectionId: number;
}

const STRING: DataType = { name: 'String' };
const INT64: DataType = { name: 'Int64' };

/** Server variables with their fixed values; the session's SETs overlay them. */
function serverVariables(session: Session, facts: ServerFacts): Map<string, string> {
  const m = new Map<string, string>([
    ['auto_increment_increment', '1'], ['autocommit', '1'],
    ['character_set_client', 'utf8mb4'], ['character_set_connection', 'utf8mb4'], ['character_set_database', 'utf8mb4'],
    ['character_set_results', 'utf8mb4'], ['character_set_server', 'utf8mb4'], ['character_set_system', 'utf8mb3'],
    ['collation_connection', 'utf8mb4_general_ci'], ['collation_database', 'utf8mb4_general_ci'], ['collation_server', 'utf8mb4_general_ci'],
    ['init_connect', ''], ['interactive_timeout', '28800'], ['license', 'Apache-2.0'], ['lower_case_table_names', '0'],
    ['max_allowed_packet', String(facts.maxPacketBytes)], ['net_buffer_length', '16384'], ['net_write_timeout', '60'],
    ['performance_schema', '0'], ['query_cache_size', '0'], ['query_cache_type', 'OFF'],
    ['sql_mode', 'ONLY_FULL_GROUP_BY,STRICT_TRANS_TABLES,NO_ZERO_IN_DATE,NO_ZERO_DATE,ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION'],
    ['system_time_zone', 'UTC'], ['transaction_isolation', 'REPEATABLE-READ'], ['tx_isolation', 'REPEATABLE-READ'],
    ['transaction_read_only', '0'], ['tx_read_only', '0'], ['wait_timeout', '28800'],
    ['version', facts.serverVersion], ['version_comment', 'Strata'], ['version_compile_os', process.platform],
    ['sql_select_limit', '18446744073709551615'], ['session_track_schema', 'ON'], ['have_ssl', 'YES'],
  ]);
  for (const [k, v] of session.variables) m.set(k, v);
  m.set('time_zone', session.timezone === 'UTC' ? (session.variables.get('time_zone') ?? 'UTC') : session.timezone);
  return m;
}

const LEADING_COMMENTS = /^(?:\s+|\/\*[\s\S]*?\*\/|--[^\n]*(?:\n|$)|#[^\n]*(?:\n|$))*/;

/** Splits on commas outside quotes and parentheses. */
function splitTopLevel(s: string): string[] {
  const out: string[] = []; let depth = 0; let q = ''; let start = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (q) { if (c === '\\') i++; else if (c === q) q = ''; continue; }
    if (c === "'" || c === '"' || c === '`') q = c;
    else if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (c === ',' && depth === 0) { out.push(s.slice(start, i).trim()); start = i + 1; }
  }
  out.push(s.slice(start).trim());
  return out;
}

function unquote(v: string): string {
  const t = v.trim();
  if (t.length >= 2 && (t[0] === "'" || t[0] === '"' || t[0] === '`') && t[t.length - 1] === t[0]) {
    return t.slice(1, -1).replace(/\\(.)/g, '$1').replace(/''/g, "'");
  }
  return t;
}

const VAR_ITEM = /^@@(?:(session|global|local)\.)?([a-z_][a-z0-9_]*)(?:\s+(?:as\s+)?(?:`([^`]+)`|'([^']+)'|"([^"]+)"|([a-z_][a-z0-9_]*)))?$/i;

/** The answer for `sql` if it is one of the statements above, else undefined (the engine answers). */
export function localAnswer(sql: string, session: Session, facts: ServerFacts): LocalAnswer | undefined {
  const text = sql.replace(LEADING_COMMENTS, '').replace(/;\s*$/, '').trim();
  const lower = text.toLowerCase();

  if (/^(begin|start\s+transaction|commit|rollback)(\s+work)?$/.test(lower)) return { kind: 'ok' };

  const use = /^use\s+(`[^`]+`|[a-z0-9_.-]+)$/i.exec(text);
  if (use) return { kind: 'use', database: unquote(use[1]!) };

  if (/^select\s+(database|schema)\s*\(\s*\)$/i.test(text)) {
    const name = /^select\s+(\w+)/i.exec(text)![1]!.toUpperCase();
    return { kind: 'records', columns: [{ name: `${name}()`, type: STRING }], rows: [[session.database]] };
  }
  if (/^select\s+connection_id\s*\(\s*\)$/i.test(text)) {
    return { kind: 'records', columns: [{ name: 'CONNECTION_ID()', type: INT64 }], rows: [[String(facts.connectionId)]] };
  }

  const sel = /^select\s+([\s\S]+?)(?:\s+limit\s+(\d+))?$/i.exec(text);
  if (sel && sel[1]!.trim().startsWith('@@')) {
    const items = splitTopLevel(sel[1]!);
    const vars = serverVariables(session, facts);
    const columns: Array<{ name: string; type: DataType }> = [];
    const row: Array<string | null> = [];
    for (const item of items) {
      const m = VAR_ITEM.exec(item);
      if (!m) return undefined;
      const name = m[2]!.toLowerCase();
      columns.push({ name: m[3] ?? m[4] ?? m[5] ?? m[6] ?? item, type: STRING });
      row.push(vars.get(name) ?? null);
    }
    const limit = sel[2] === undefined ? 1 : Number(sel[2]);
    return { kind: 'records', columns, rows: limit > 0 ? [row] : [] };
  }

  const show = /^show\s+(?:(?:session|global|local)\s+)?variables(?:\s+like\s+('(?:[^'\\]|\\.)*'|"[^"]*")|\s+where\s+([\s\S]+))?$/i.exec(text);
  if (show) {
    const vars = serverVariables(session, facts);
    let keep: (name: string) => boolean = () => true;
    if (show[1] !== undefined) {
      const pattern = unquote(show[1]);
      const re = new RegExp(`^${pattern.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/%/g, '.*').replace(/_/g, '.')}$`, 'i');
      keep = (n) => re.test(n);
    } else if (show[2] !== undefined) {
      const names = [...show[2].matchAll(/variable_name\s*(?:=|like)\s*'([^']*)'/gi)].map((x) => x[1]!.toLowerCase());
      if (names.length > 0) keep = (n) => names.includes(n);
    }
    const rows = [...vars.entries()].filter(([k]) => keep(k)).sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => [k, v]);
    return { kind: 'records', columns: [{ name: 'Variable_name', type: STRING }, { name: 'Value', type: STRING }], rows };
  }

  if (/^show\s+(collation|character\s+set|charset)(\s+(like|where)\s[\s\S]*)?$/i.test(text)) {
    // Drivers read these to map charset numbers; Strata speaks utf8mb4 only.
    if (/^show\s+collation/i.test(text)) {
      return {
        kind: 'records',
        columns: ['Collation', 'Charset', 'Id', 'Default', 'Compiled', 'Sortlen', 'Pad_attribute'].map((name) => ({ name, type: name === 'Id' || name === 'Sortlen' ? INT64 : STRING })),
        rows: [['utf8mb4_general_ci', 'utf8mb4', '45', 'Yes', 'Yes', '1', 'PAD SPACE'], ['binary', 'binary', '63', 'Yes', 'Yes', '1', 'NO PAD']],
      };
    }
    return {
      kind: 'records',
      columns: ['Charset', 'Description', 'Default collation', 'Maxlen'].map((name) => ({ name, type: name === 'Maxlen' ? INT64 : STRING })),
      rows: [['utf8mb4', 'UTF-8 Unicode', 'utf8mb4_general_ci', '4'], ['binary', 'Binary pseudo charset', 'binary', '1']],
    };
  }

  if (/^show\s+(warnings|errors)(\s+limit\s+\d+(\s*,\s*\d+)?)?$/i.test(text)) {
    return { kind: 'records', columns: [{ name: 'Level', type: STRING }, { name: 'Code', type: INT64 }, { name: 'Message', type: STRING }], rows: [] };
  }

  if (/^set\s/i.test(text)) return applySet(text, session);
  return undefined;
}

/** `SET NAMES`, `SET CHARACTER SET`, `SET [SESSION|GLOBAL] a = b, @@c = d`. */
function applySet(text: string, session: Session): LocalAnswer | undefined {
  const names = /^set\s+names\s+('?[a-z0-9_]+'?)(?:\s+collate\s+('?[a-z0-9_]+'?))?$/i.exec(text);
  if (names) {
    const cs = unquote(names[1]!);
    for (const k of ['character_set_client', 'character_set_connection', 'character_set_results']) session.variables.set(k, cs);
    if (names[2]) session.variables.set('collation_connection', unquote(names[2]));
    return { kind: 'ok' };
  }
  const charset = /^set\s+(?:character\s+set|charset)\s+('?[a-z0-9_]+'?)$/i.exec(text);
  if (charset) {
    const cs = unquote(charset[1]!);
    for (const k of ['character_set_client', 'character_set_results']) session.variables.set(k, cs);
    return { kind: 'ok' };
  }
  const body = text.replace(/^set\s+/i, '');
  const assignments: Array<[string, string]> = [];
  for (const part of splitTopLevel(body)) {
    const m = /^(?:(?:session|global|local|persist)\s+)?(@@(?:(?:session|global|local)\.)?|@)?([a-z_][a-z0-9_.]*)\s*(?::=|=)\s*([\s\S]+)$/i.exec(part);
    if (!m) return undefined;
    let value = unquote(m[3]!);
    if (/^default$/i.test(value)) value = '';
    const name = `${m[1] === '@' ? '@' : ''}${m[2]!.toLowerCase()}`;
    assignments.push([name, value]);
  }
  for (const [name, value] of assignments) {
    if (name === 'time_zone') {
      const tz = value === '' || value.toUpperCase() === 'SYSTEM' ? 'UTC' : value;
      if (!isValidTimeZone(tz)) throw new InvalidArgumentsError(`Unknown or incorrect time zone: '${value}'`);
      session.timezone = tz;
    }
    session.variables.set(name, value);
  }
  return { kind: 'ok' };
}
