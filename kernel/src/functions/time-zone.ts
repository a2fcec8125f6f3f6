import { InvalidArgumentsError } from '../errors/errors.js';

/**
 * Time-zone arithmetic for date/time functions and timestamp literals.
 * A zone is 'UTC', an offset ('+08:00', '-0530') or an IANA name; offsets of
 * IANA zones come from Intl, cached per zone.
 */
const formatters = new Map<string, Intl.DateTimeFormat>();

/**
 * The offset of a fixed-offset zone ('UTC', 'SYSTEM' — the server runs in UTC —,
 * '+08:00', '-0530', 'UTC+8'), or undefined for IANA zones. An offset beyond
 * ±14:59 is an error, not an IANA name.
 */
export function fixedOffsetMs(tz: string): number | undefined {
  const t = tz.trim();
  const upper = t.toUpperCase();
  if (upper === 'UTC' || upper === 'Z' || upper === 'SYSTEM' || upper === 'GMT' || upper === '') return 0;
  const m = /^(?:UTC|GMT)?([+-])(\d{1,2}):?(\d{2})?$/i.exec(t);
  if (!m) return undefined;
  const hours = Number(m[2]); const minutes = Number(m[3] ?? 0);
  // GreptimeDB takes any offset under a day (its tests use '+23:00').
  if (hours > 23 || minutes > 59) throw new InvalidArgumentsError(`invalid time zone offset '${tz}'`);
  const sign = m[1] === '-' ? -1 : 1;
  return sign * (hours * 3600_000 + minutes * 60_000);
}

/** A fixed offset written as GreptimeDB shows it ('+8:00' -> '+08:00', 'UTC+8' -> '+08:00'); other zones unchanged. */
export function normalizeTimeZone(tz: string): string {
  const t = tz.trim();
  if (/^(UTC|GMT|Z|SYSTEM)?$/i.test(t)) return t;
  const ms = fixedOffsetMs(t);
  if (ms === undefined) return t;
  const a = Math.abs(ms) / 60_000;
  return `${ms < 0 ? '-' : '+'}${String(Math.floor(a / 60)).padStart(2, '0')}:${String(a % 60).padStart(2, '0')}`;
}

/** True for 'UTC', '+08:00'-style offsets and IANA names Node knows. */
export function isValidTimeZone(tz: string): boolean {
  try { checkTimeZone(tz); return true; } catch { return false; }
}

/** Throws when the zone is not known. */
export function checkTimeZone(tz: string): void {
  if (fixedOffsetMs(tz) !== undefined) return;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
  } catch (err) {
    throw new InvalidArgumentsError(`unknown time zone '${tz}'`, { cause: err });
  }
}

/** Offset of `tz` from UTC (ms) at the UTC instant `utcMs`. */
export function zoneOffsetMs(tz: string, utcMs: number): number {
  const fixed = fixedOffsetMs(tz);
  if (fixed !== undefined) return fixed;
  let f = formatters.get(tz);
  if (!f) {
    try {
      f = new Intl.DateTimeFormat('en-US', { timeZone: tz, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' });
    } catch (err) {
      throw new InvalidArgumentsError(`unknown time zone '${tz}'`, { cause: err });
    }
    formatters.set(tz, f);
  }
  const parts = f.formatToParts(new Date(utcMs));
  const get = (t: string) => Number(parts.find((p) => p.type === t)?.value ?? 0);
  const local = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour') % 24, get('minute'), get('second'));
  return local - Math.floor(utcMs / 1000) * 1000;
}

/** Converts a local wall-clock time (as if UTC ms) in `tz` to a UTC instant. */
export function localToUtcMs(tz: string, localMs: number): number {
  let utc = localMs - zoneOffsetMs(tz, localMs);
  utc = localMs - zoneOffsetMs(tz, utc);
  return utc;
}

/**
 * Parses a timestamp literal ('2024-01-02 03:04:05.123', ISO with 'T', with
 * or without a zone suffix) into nanoseconds since the epoch; a literal
 * without a zone is read in `tz`.
 */
export function parseTimestampNanos(text: string, tz = 'UTC'): bigint {
  const s = text.trim();
  // Years outside 0000-9999 carry a sign, as chrono writes them: +100000-01-01, -262144-01-01.
  const m = /^([+-]\d{4,6}|\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?\s*(Z|[+-]\d{2}:?\d{2}|[+-]\d{2}|UTC)?$/i.exec(s);
  if (!m) {
    if (/^-?\d+$/.test(s)) return BigInt(s) * 1_000_000n;
    throw new InvalidArgumentsError(`invalid timestamp '${text}'`);
  }
  const [y, mo, d, h, mi, se] = [Number(m[1]), Number(m[2]), Number(m[3]), Number(m[4] ?? 0), Number(m[5] ?? 0), Number(m[6] ?? 0)];
  // Out-of-range fields are errors, not carried into the next month, day or hour (as Date.UTC would).
  const bad = mo < 1 || mo > 12 ? 'month' : d < 1 || d > daysInMonth(y, mo) ? 'day' : h > 23 ? 'hour' : mi > 59 ? 'minute' : se > 59 ? 'second' : undefined;
  if (bad) throw new InvalidArgumentsError(`invalid timestamp '${text}': ${bad} out of range`);
  const date = new Date(0);
  date.setUTCFullYear(y, mo - 1, d); // (Date.UTC would read years 0-99 as 1900-1999)
  date.setUTCHours(h, mi, se, 0);
  const local = date.getTime();
  const frac = BigInt((m[7] ?? '').padEnd(9, '0') || '0');
  let utcMs: number;
  if (m[8]) {
    const z = m[8].toUpperCase();
    const off = z === 'Z' || z === 'UTC' ? 0 : fixedOffsetMs(z.length === 3 ? `${z}:00` : z)!;
    utcMs = local - off;
  } else {
    utcMs = localToUtcMs(tz, local);
  }
  return BigInt(utcMs) * 1_000_000n + frac;
}

function daysInMonth(year: number, month: number): number {
  return month === 2 ? (year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28) : [4, 6, 9, 11].includes(month) ? 30 : 31;
}

/** Formats nanoseconds since the epoch as 'YYYY-MM-DD HH:MM:SS[.fff]' in `tz`. */
export function formatTimestampNanos(nanos: bigint, tz = 'UTC', fractionDigits = -1): string {
  const ms = Number(nanos / 1_000_000n) - (nanos % 1_000_000n < 0n ? 1 : 0);
  const sub = ((nanos % 1_000_000_000n) + 1_000_000_000n) % 1_000_000_000n;
  const local = new Date(Math.floor(ms / 1000) * 1000 + zoneOffsetMs(tz, ms));
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  const y = local.getUTCFullYear();
  // chrono writes years past 9999 with a sign (+100000-01-01), as it does negative ones.
  let out = `${y > 9999 ? '+' : ''}${y < 0 ? `-${p(-y, 4)}` : p(y, 4)}-${p(local.getUTCMonth() + 1)}-${p(local.getUTCDate())} ${p(local.getUTCHours())}:${p(local.getUTCMinutes())}:${p(local.getUTCSeconds())}`;
  if (fractionDigits < 0) {
    if (sub !== 0n) out += `.${String(sub).padStart(9, '0').replace(/0+$/, '')}`;
  } else if (fractionDigits > 0) {
    out += `.${String(sub).padStart(9, '0').slice(0, fractionDigits)}`;
  }
  return out;
}

const pad = (n: number, w: number) => String(n).padStart(w, '0');

/** Calendar fields of an instant in a zone (what wire protocols print and parse). */
export interface DateTimeParts { year: number; month: number; day: number; hour: number; minute: number; second: number; micros: number }

/** Splits microseconds since the epoch into calendar fields in `tz`. */
export function dateTimeParts(epochMicros: bigint, tz: string): DateTimeParts {
  let ms = Number(epochMicros / 1000n);
  let micros = Number(epochMicros % 1_000_000n);
  if (micros < 0) micros += 1_000_000;
  if (epochMicros < 0n && epochMicros % 1000n !== 0n) ms -= 1;
  const d = new Date(ms + zoneOffsetMs(tz, ms));
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate(), hour: d.getUTCHours(), minute: d.getUTCMinutes(), second: d.getUTCSeconds(), micros };
}

/** 'YYYY-MM-DD HH:MM:SS[.f...]' with `fracDigits` (0..6) fraction digits. */
export function formatDateTime(p: DateTimeParts, fracDigits: number): string {
  const base = `${pad(p.year, 4)}-${pad(p.month, 2)}-${pad(p.day, 2)} ${pad(p.hour, 2)}:${pad(p.minute, 2)}:${pad(p.second, 2)}`;
  return fracDigits > 0 ? `${base}.${pad(p.micros, 6).slice(0, fracDigits)}` : base;
}

/** 'YYYY-MM-DD' for days since the epoch. */
export function formatDate(days: number): string {
  const d = new Date(days * 86_400_000);
  return `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1, 2)}-${pad(d.getUTCDate(), 2)}`;
}

/**
 * Microseconds since the epoch for calendar fields read in `tz` (the inverse
 * of dateTimeParts; exact outside DST transitions, like localToUtcMs).
 */
export function epochMicrosOf(p: DateTimeParts, tz: string): bigint {
  const ms = localToUtcMs(tz, Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second));
  return BigInt(ms) * 1000n + BigInt(p.micros);
}
