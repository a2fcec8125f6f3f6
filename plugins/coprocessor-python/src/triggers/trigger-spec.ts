import { InvalidArgumentsError, parseDurationMs } from '@strata/kernel';
import { CronSchedule } from './cron-schedule.js';

/** The shortest `every:` period: shorter ones would keep a worker busy with scheduling overhead. */
export const MIN_EVERY_MS = 1000;

/** A parsed trigger specification (InfluxDB 3's `--trigger-spec` forms). */
export type TriggerSpec =
  | { readonly kind: 'table'; readonly table: string }
  | { readonly kind: 'all_tables' }
  | { readonly kind: 'every'; readonly periodMs: number }
  | { readonly kind: 'cron'; readonly cron: CronSchedule }
  | { readonly kind: 'request'; readonly path: string };

/** The kind of a spec, as listed: table, all_tables, every, cron, request. */
export type TriggerKind = TriggerSpec['kind'];

const REQUEST_PATH = /^[A-Za-z0-9_.~-]+(\/[A-Za-z0-9_.~-]+)*$/;

/**
 * Parses `table:<name>`, `all_tables`, `every:<duration>` (`10s`, `1m30s`,
 * at least 1s), `cron:<expression>` (5 or 6 fields, UTC) or
 * `request:<path>` (served at `/v1/engine/<path>`; letters, digits,
 * `_ . ~ -`, segments separated by `/`).
 *
 * @example
 * parseTriggerSpec('every:30s');   // { kind: 'every', periodMs: 30000 }
 * parseTriggerSpec('table:cpu');   // { kind: 'table', table: 'cpu' }
 */
export function parseTriggerSpec(text: string): TriggerSpec {
  const spec = text.trim();
  if (spec === 'all_tables') return { kind: 'all_tables' };
  const colon = spec.indexOf(':');
  const kind = colon < 0 ? spec : spec.slice(0, colon);
  const value = colon < 0 ? '' : spec.slice(colon + 1).trim();
  switch (kind) {
    case 'table':
      if (value === '') throw new InvalidArgumentsError('trigger spec table:<name> needs a table name');
      return { kind: 'table', table: value };
    case 'every': {
      const ms = /[a-z]$/i.test(value) ? parseDurationMs(value) : undefined;
      if (ms === undefined) throw new InvalidArgumentsError(`trigger spec every:<duration> needs a duration with a unit such as 10s, 5m or 1h30m, got ${JSON.stringify(value)}`);
      if (ms < MIN_EVERY_MS) throw new InvalidArgumentsError(`trigger spec ${spec}: the period must be at least 1s`);
      return { kind: 'every', periodMs: ms };
    }
    case 'cron':
      return { kind: 'cron', cron: CronSchedule.parse(value) };
    case 'request': {
      const path = value.replace(/^\/+|\/+$/g, '');
      if (!REQUEST_PATH.test(path)) throw new InvalidArgumentsError(`trigger spec request:<path> needs a path of letters, digits and _ . ~ - separated by /, got ${JSON.stringify(value)}`);
      return { kind: 'request', path };
    }
    default:
      throw new InvalidArgumentsError(`unknown trigger spec ${JSON.stringify(text)}: use table:<name>, all_tables, every:<duration>, cron:<expression> or request:<path>`);
  }
}

/** The spec written back in its canonical form (what is stored and listed). */
export function formatTriggerSpec(spec: TriggerSpec, original: string): string {
  switch (spec.kind) {
    case 'table': return `table:${spec.table}`;
    case 'all_tables': return 'all_tables';
    case 'every': return `every:${original.trim().slice('every:'.length).trim()}`;
    case 'cron': return `cron:${spec.cron.expression.trim()}`;
    case 'request': return `request:${spec.path}`;
  }
}

/** Parses InfluxDB 3's trigger arguments `k=v,k2=v2` (empty text = none). */
export function parseTriggerArguments(text: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (text === undefined || text.trim() === '') return out;
  for (const item of text.split(',')) {
    const eq = item.indexOf('=');
    const key = (eq < 0 ? item : item.slice(0, eq)).trim();
    if (eq < 0 || key === '') throw new InvalidArgumentsError(`trigger arguments must be key=value pairs separated by commas, got ${JSON.stringify(item)}`);
    out[key] = item.slice(eq + 1).trim();
  }
  return out;
}
