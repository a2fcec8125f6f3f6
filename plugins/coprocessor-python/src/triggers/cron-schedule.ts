import { InvalidArgumentsError } from '@strata/kernel';

interface Field {
  readonly name: string;
  readonly min: number;
  readonly max: number;
  readonly names?: readonly string[];
}

const SECOND: Field = { name: 'second', min: 0, max: 59 };
const MINUTE: Field = { name: 'minute', min: 0, max: 59 };
const HOUR: Field = { name: 'hour', min: 0, max: 23 };
const DAY: Field = { name: 'day of month', min: 1, max: 31 };
const MONTH: Field = { name: 'month', min: 1, max: 12, names: ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'] };
const WEEKDAY: Field = { name: 'day of week', min: 0, max: 7, names: ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] };

const MACROS: Record<string, string> = {
  '@yearly': '0 0 1 1 *', '@annually': '0 0 1 1 *', '@monthly': '0 0 1 * *', '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *', '@midnight': '0 0 * * *', '@hourly': '0 * * * *',
};

/** Searching further than this many years ahead means the expression never matches (e.g. 30 February). */
const HORIZON_YEARS = 8;

/**
 * A cron expression, evaluated in UTC: 5 fields (minute hour day-of-month
 * month day-of-week) or 6 with seconds first (InfluxDB 3's form). Fields take
 * `*`, numbers, ranges `a-b`, steps `*\/n` and `a-b/n`, lists `a,b`, month and
 * weekday names (`jan`, `mon`), `?` as `*`, and 7 as Sunday; macros `@hourly`,
 * `@daily`, `@weekly`, `@monthly`, `@yearly`. When both day fields are
 * restricted a day matches either (Vixie cron's rule).
 *
 * @example
 * const c = CronSchedule.parse('0 *\/15 * * * *');   // every 15 minutes, on the minute
 * c.next(Date.UTC(2026, 0, 1, 10, 7));                // Date.UTC(2026, 0, 1, 10, 15)
 */
export class CronSchedule {
  private constructor(
    readonly expression: string,
    private readonly seconds: Uint8Array,
    private readonly minutes: Uint8Array,
    private readonly hours: Uint8Array,
    private readonly days: Uint8Array,
    private readonly months: Uint8Array,
    private readonly weekdays: Uint8Array,
    private readonly dayRestricted: boolean,
    private readonly weekdayRestricted: boolean,
  ) {}

  static parse(expression: string): CronSchedule {
    const text = expression.trim();
    const expanded = MACROS[text.toLowerCase()] ?? text;
    const parts = expanded.split(/\s+/).filter((p) => p !== '');
    if (parts.length !== 5 && parts.length !== 6) {
      throw new InvalidArgumentsError(`cron expression ${JSON.stringify(expression)} needs 5 fields (minute hour day month weekday) or 6 (second first), got ${parts.length}`);
    }
    const [sec, min, hour, day, month, weekday] = parts.length === 6 ? parts : ['0', ...parts];
    const weekdays = parseField(weekday!, WEEKDAY, expression);
    if (weekdays[7]) weekdays[0] = 1; // 7 is Sunday too
    return new CronSchedule(
      expression,
      parseField(sec!, SECOND, expression),
      parseField(min!, MINUTE, expression),
      parseField(hour!, HOUR, expression),
      parseField(day!, DAY, expression),
      parseField(month!, MONTH, expression),
      weekdays,
      !isWildcard(day!),
      !isWildcard(weekday!),
    );
  }

  private dayMatches(d: Date): boolean {
    const dom = this.days[d.getUTCDate()] === 1;
    const dow = this.weekdays[d.getUTCDay()] === 1;
    if (this.dayRestricted && this.weekdayRestricted) return dom || dow;
    return dom && dow;
  }

  /** The first matching time strictly after `afterMs` (epoch ms, whole seconds), or undefined when there is none. */
  next(afterMs: number): number | undefined {
    const d = new Date(Math.floor(afterMs / 1000) * 1000 + 1000);
    const limit = d.getUTCFullYear() + HORIZON_YEARS;
    // Advance the largest field that does not match, resetting the smaller ones; a few
    // hundred steps at most for any expression (no per-second scanning).
    while (d.getUTCFullYear() <= limit) {
      if (!this.months[d.getUTCMonth() + 1]) {
        d.setUTCMonth(d.getUTCMonth() + 1, 1);
        d.setUTCHours(0, 0, 0, 0);
        continue;
      }
      if (!this.dayMatches(d)) {
        d.setUTCDate(d.getUTCDate() + 1);
        d.setUTCHours(0, 0, 0, 0);
        continue;
      }
      if (!this.hours[d.getUTCHours()]) {
        d.setUTCHours(d.getUTCHours() + 1, 0, 0, 0);
        continue;
      }
      if (!this.minutes[d.getUTCMinutes()]) {
        d.setUTCMinutes(d.getUTCMinutes() + 1, 0, 0);
        continue;
      }
      if (!this.seconds[d.getUTCSeconds()]) {
        d.setUTCSeconds(d.getUTCSeconds() + 1, 0);
        continue;
      }
      return d.getTime();
    }
    return undefined;
  }
}

function isWildcard(f: string): boolean {
  return f === '*' || f === '?';
}

function parseValue(v: string, field: Field, expression: string): number {
  const lower = v.toLowerCase();
  const named = field.names?.indexOf(lower) ?? -1;
  if (named >= 0) return named + (field === MONTH ? 1 : 0);
  if (!/^\d+$/.test(v)) throw new InvalidArgumentsError(`cron expression ${JSON.stringify(expression)}: ${JSON.stringify(v)} is not a valid ${field.name}`);
  const n = Number(v);
  if (n < field.min || n > field.max) {
    throw new InvalidArgumentsError(`cron expression ${JSON.stringify(expression)}: ${field.name} ${n} is out of range ${field.min}-${field.max}`);
  }
  return n;
}

function parseField(text: string, field: Field, expression: string): Uint8Array {
  const set = new Uint8Array(field.max + 1);
  for (const part of text.split(',')) {
    if (part === '') throw new InvalidArgumentsError(`cron expression ${JSON.stringify(expression)}: empty item in the ${field.name} field`);
    const [range, stepText] = part.split('/', 2) as [string, string | undefined];
    let step = 1;
    if (stepText !== undefined) {
      if (!/^\d+$/.test(stepText) || Number(stepText) === 0) throw new InvalidArgumentsError(`cron expression ${JSON.stringify(expression)}: bad step ${JSON.stringify(stepText)} in the ${field.name} field`);
      step = Number(stepText);
    }
    let lo: number; let hi: number;
    if (isWildcard(range)) {
      lo = field.min; hi = field === WEEKDAY ? 6 : field.max;
    } else if (range.includes('-')) {
      const [a, b] = range.split('-', 2) as [string, string];
      lo = parseValue(a, field, expression); hi = parseValue(b, field, expression);
      if (lo > hi) throw new InvalidArgumentsError(`cron expression ${JSON.stringify(expression)}: range ${range} of the ${field.name} field is backwards`);
    } else {
      lo = parseValue(range, field, expression);
      // `5/15` means from 5 to the end in steps of 15
      hi = stepText !== undefined ? (field === WEEKDAY ? 6 : field.max) : lo;
    }
    for (let v = lo; v <= hi; v += step) set[v] = 1;
  }
  return set;
}
