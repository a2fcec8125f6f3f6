import { InvalidArgumentsError } from '@strata/kernel';

const OFFSET_RE = /^([+-])(\d{1,2}):?(\d{2})$/;
const formatters = new Map<string, Intl.DateTimeFormat>();

/** True for 'UTC', '+08:00'-style offsets and IANA names Node knows. */
export function isValidTimeZone(tz: string): boolean {
  try { zoneOffsetMs(tz, 0); return true; } catch { return false; }
}

/**
 * The offset of `tz` from UTC at the instant `epochMs`, in milliseconds.
 * Accepts 'UTC', 'SYSTEM' (taken as UTC: the server's zone is UTC), fixed
 * offsets ('+08:00', '-0530') and IANA names ('Asia/Shanghai').
 */
export function zoneOffsetMs(tz: string, epochMs: number): number {
  const t = tz.trim();
  const upper = t.toUpperCase();
  if (upper === 'UTC' || upper === 'Z' || upper === 'SYSTEM' || upper === 'GMT' || upper === '') return 0;
  const m = OFFSET_RE.exec(t);
  if (m) {
    const mins = Number(m[2]) * 60 + Number(m[3]);
    if (Number(m[2]) > 14 || Number(m[3]) > 59) throw new InvalidArgumentsError(`invalid time zone offset '${tz}'`);
    return (m[1] === '-' ? -1 : 1) * mins * 60_000;
  }
  let f = formatters.get(t);
  if (!f) {
    try {
      f = new Intl.DateTimeFormat('en-US', { timeZone: t, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' });
    } catch (err) {
      throw new InvalidArgumentsError(`unknown time zone '${tz}'`, { cause: err });
    }
    formatters.set(t, f);
  }
  const whole = Math.floor(epochMs / 1000) * 1000;
  const parts: Record<string, number> = {};
  for (const p of f.formatToParts(new Date(whole))) if (p.type !== 'literal') parts[p.type] = Number(p.value);
  const local = Date.UTC(parts.year!, parts.month! - 1, parts.day!, parts.hour!, parts.minute!, parts.second!);
  return local - whole;
}

const pad = (n: number, w: number) => String(n).padStart(w, '0');

/** Calendar fields of an instant in a zone. */
export interface DateTimeParts { year: number; month: number; day: number; hour: number; minute: number; second: number; micros: number }

/** Splits microseconds since the epoch into calendar fields in `tz`. */
export function dateTimeParts(epochMicros: bigint, tz: string): DateTimeParts {
  let ms = Number(epochMicros / 1000n);
  let micros = Number(epochMicros % 1_000_000n);
  if (micros < 0) { micros += 1_000_000; }
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
 * Microseconds since the epoch for calendar fields read in `tz` (the
 * inverse of dateTimeParts; the offset is taken at the naive instant, then
 * corrected once, which is exact outside DST transitions).
 */
export function epochMicrosOf(p: DateTimeParts, tz: string): bigint {
  const naive = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second);
  let ms = naive - zoneOffsetMs(tz, naive);
  ms = naive - zoneOffsetMs(tz, ms);
  return BigInt(ms) * 1000n + BigInt(p.micros);
}
