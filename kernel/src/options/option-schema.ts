/**
 * A small typed schema for plugin options. Each spec parses an unknown value
 * (from YAML/JSON/TOML, or a string from the environment or command line)
 * into a typed value, or throws an OptionIssue naming the key. The type of a
 * plugin's `opts` is inferred from its schema:
 *
 * @example
 * const schema = o.object({
 *   port: o.integer({ default: 4000, min: 0, max: 65535, description: 'TCP port' }),
 *   host: o.string({ default: '127.0.0.1' }),
 *   flushInterval: o.duration({ default: '1s' }),      // -> milliseconds
 *   memtableSize: o.bytes({ default: '64MiB' }),       // -> bytes
 * });
 * type Opts = Infer<typeof schema>; // { port: number; host: string; ... }
 */

/** A problem at one key of an options object. */
export class OptionIssue extends Error {
  constructor(readonly key: string, message: string) {
    super(message);
  }
}

export interface OptionSpec<T> {
  readonly kind: string;
  readonly description?: string;
  /** Set when the option may be left out. */
  readonly hasDefault: boolean;
  readonly defaultValue?: unknown;
  readonly optional: boolean;
  /** Parses `value` at `key`; `value` is `undefined` when the key is absent. */
  parse(value: unknown, key: string): T;
  /** A one-line type description for docs and error messages. */
  describeType(): string;
}

export type Infer<S> = S extends OptionSpec<infer T> ? T : never;

interface Common<T> { description?: string; default?: T }

function base<T>(kind: string, common: Common<unknown> | undefined, optional: boolean,
  typeText: string, parsePresent: (v: unknown, key: string) => T): OptionSpec<T> {
  const hasDefault = common?.default !== undefined;
  return {
    kind,
    description: common?.description,
    hasDefault,
    defaultValue: common?.default,
    optional,
    describeType: () => typeText,
    parse(value: unknown, key: string): T {
      if (value === undefined || value === null) {
        if (hasDefault) return parsePresent(common!.default, key);
        if (optional) return undefined as T;
        throw new OptionIssue(key, `is required (${typeText})`);
      }
      return parsePresent(value, key);
    },
  };
}

function show(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v);
  try { return JSON.stringify(v) ?? String(v); } catch { return String(v); }
}

const DURATION_UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const BYTE_UNITS: Record<string, number> = {
  b: 1, kb: 1e3, mb: 1e6, gb: 1e9, tb: 1e12, kib: 1024, mib: 1024 ** 2, gib: 1024 ** 3, tib: 1024 ** 4,
  k: 1024, m: 1024 ** 2, g: 1024 ** 3,
};

/** Parses '1h30m', '500ms', '2s' or a number of milliseconds. */
export function parseDurationMs(v: unknown): number | undefined {
  if (typeof v === 'number' && Number.isFinite(v) && v >= 0) return v;
  if (typeof v !== 'string') return undefined;
  const s = v.trim().toLowerCase();
  if (/^\d+(\.\d+)?$/.test(s)) return Number(s);
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h|d)/g;
  let total = 0; let consumed = 0; let m: RegExpExecArray | null;
  while ((m = re.exec(s)) !== null) {
    if (m.index !== consumed) return undefined;
    total += Number(m[1]) * DURATION_UNITS[m[2]!]!;
    consumed = m.index + m[0].length;
  }
  return consumed === s.length && consumed > 0 ? total : undefined;
}

/** Parses '64MiB', '1.5GB', '512k' or a number of bytes. */
export function parseBytes(v: unknown): number | undefined {
  if (typeof v === 'number' && Number.isFinite(v) && v >= 0) return Math.floor(v);
  if (typeof v !== 'string') return undefined;
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(v);
  if (!m) return undefined;
  const unit = (m[2] || 'b').toLowerCase();
  const mult = BYTE_UNITS[unit];
  return mult === undefined ? undefined : Math.floor(Number(m[1]) * mult);
}

type Opt<T, O extends boolean> = O extends true ? T | undefined : T;

export const o = {
  string<O extends boolean = false>(c?: Common<string> & { pattern?: RegExp; minLength?: number; optional?: O }): OptionSpec<Opt<string, O>> {
    return base('string', c, !!c?.optional, 'string', (v, key) => {
      if (typeof v !== 'string') throw new OptionIssue(key, `expected a string, got ${show(v)}`);
      if (c?.minLength !== undefined && v.length < c.minLength) throw new OptionIssue(key, `must be at least ${c.minLength} characters`);
      if (c?.pattern && !c.pattern.test(v)) throw new OptionIssue(key, `${show(v)} does not match ${c.pattern}`);
      return v;
    });
  },

  number<O extends boolean = false>(c?: Common<number> & { min?: number; max?: number; optional?: O }): OptionSpec<Opt<number, O>> {
    return numeric('number', c, false);
  },

  integer<O extends boolean = false>(c?: Common<number> & { min?: number; max?: number; optional?: O }): OptionSpec<Opt<number, O>> {
    return numeric('integer', c, true);
  },

  boolean<O extends boolean = false>(c?: Common<boolean> & { optional?: O }): OptionSpec<Opt<boolean, O>> {
    return base('boolean', c, !!c?.optional, 'boolean', (v, key) => {
      if (typeof v === 'boolean') return v;
      if (typeof v === 'string') {
        const s = v.trim().toLowerCase();
        if (['true', '1', 'yes', 'on'].includes(s)) return true;
        if (['false', '0', 'no', 'off'].includes(s)) return false;
      }
      throw new OptionIssue(key, `expected true or false, got ${show(v)}`);
    });
  },

  enum<const V extends string, O extends boolean = false>(values: readonly V[], c?: Common<V> & { optional?: O }): OptionSpec<Opt<V, O>> {
    const text = values.map((x) => `'${x}'`).join(' | ');
    return base('enum', c, !!c?.optional, text, (v, key) => {
      if (typeof v === 'string' && (values as readonly string[]).includes(v)) return v as V;
      throw new OptionIssue(key, `expected one of ${text}, got ${show(v)}`);
    });
  },

  /** A duration such as '5s' or '1h30m', parsed to milliseconds. */
  duration<O extends boolean = false>(c?: Common<string | number> & { optional?: O }): OptionSpec<Opt<number, O>> {
    return base('duration', c, !!c?.optional, "duration ('500ms', '5s', '1h')", (v, key) => {
      const ms = parseDurationMs(v);
      if (ms === undefined) throw new OptionIssue(key, `expected a duration such as '5s' or '1h', got ${show(v)}`);
      return ms;
    });
  },

  /** A size such as '64MiB', parsed to bytes. */
  bytes<O extends boolean = false>(c?: Common<string | number> & { optional?: O }): OptionSpec<Opt<number, O>> {
    return base('bytes', c, !!c?.optional, "size ('64MiB', '1GB', bytes)", (v, key) => {
      const n = parseBytes(v);
      if (n === undefined) throw new OptionIssue(key, `expected a size such as '64MiB', got ${show(v)}`);
      return n;
    });
  },

  array<T, O extends boolean = false>(item: OptionSpec<T>, c?: Common<unknown[]> & { optional?: O; minItems?: number }): OptionSpec<Opt<T[], O>> {
    return base('array', c, !!c?.optional, `array of ${item.describeType()}`, (v, key) => {
      // A comma-separated string (from the environment) is accepted as a list.
      const arr = typeof v === 'string' ? (v.trim() === '' ? [] : v.split(',').map((s) => s.trim())) : v;
      if (!Array.isArray(arr)) throw new OptionIssue(key, `expected a list, got ${show(v)}`);
      if (c?.minItems !== undefined && arr.length < c.minItems) throw new OptionIssue(key, `needs at least ${c.minItems} item(s)`);
      return arr.map((x, i) => item.parse(x, `${key}[${i}]`));
    });
  },

  /** A map from string keys to values of one spec. */
  record<T, O extends boolean = false>(value: OptionSpec<T>, c?: Common<Record<string, unknown>> & { optional?: O }): OptionSpec<Opt<Record<string, T>, O>> {
    return base('record', c, !!c?.optional, `map of ${value.describeType()}`, (v, key) => {
      if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new OptionIssue(key, `expected a map, got ${show(v)}`);
      const out: Record<string, T> = {};
      for (const [k, x] of Object.entries(v)) out[k] = value.parse(x, key ? `${key}.${k}` : k);
      return out;
    });
  },

  object<S extends Record<string, OptionSpec<unknown>>, O extends boolean = false>(shape: S,
    c?: { description?: string; optional?: O; allowUnknown?: boolean }): ObjectSpec<S, O> {
    const spec = base('object', { description: c?.description, default: {} }, !!c?.optional, 'object', (v, key) => {
      if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new OptionIssue(key, `expected an object, got ${show(v)}`);
      const input = v as Record<string, unknown>;
      if (!c?.allowUnknown) {
        for (const k of Object.keys(input)) {
          if (!(k in shape)) {
            const known = Object.keys(shape);
            throw new OptionIssue(key ? `${key}.${k}` : k,
              `unknown option${known.length ? ` (known: ${known.join(', ')})` : ' (this plugin takes no options)'}`);
          }
        }
      }
      const out: Record<string, unknown> = {};
      for (const [k, s] of Object.entries(shape)) {
        const parsed = s.parse(input[k], key ? `${key}.${k}` : k);
        if (parsed !== undefined) out[k] = parsed;
      }
      return out as InferShape<S>;
    });
    return Object.assign(spec, { shape }) as unknown as ObjectSpec<S, O>;
  },
};

function numeric<O extends boolean>(kind: 'number' | 'integer', c: (Common<number> & { min?: number; max?: number; optional?: O }) | undefined,
  integer: boolean): OptionSpec<Opt<number, O>> {
  const range = `${c?.min !== undefined ? ` >= ${c.min}` : ''}${c?.max !== undefined ? ` <= ${c.max}` : ''}`;
  return base(kind, c, !!c?.optional, `${kind}${range}`, (v, key) => {
    const n = typeof v === 'string' && v.trim() !== '' ? Number(v) : v;
    if (typeof n !== 'number' || !Number.isFinite(n)) throw new OptionIssue(key, `expected ${integer ? 'an integer' : 'a number'}, got ${show(v)}`);
    if (integer && !Number.isInteger(n)) throw new OptionIssue(key, `expected an integer, got ${show(v)}`);
    if (c?.min !== undefined && n < c.min) throw new OptionIssue(key, `must be >= ${c.min}, got ${n}`);
    if (c?.max !== undefined && n > c.max) throw new OptionIssue(key, `must be <= ${c.max}, got ${n}`);
    return n;
  });
}

type RequiredKeys<S> = { [K in keyof S]: S[K] extends OptionSpec<infer T> ? (undefined extends T ? never : K) : never }[keyof S];
type OptionalKeys<S> = Exclude<keyof S, RequiredKeys<S>>;
export type InferShape<S extends Record<string, OptionSpec<unknown>>> =
  { [K in RequiredKeys<S>]: Infer<S[K]> } & { [K in OptionalKeys<S>]?: Infer<S[K]> };

export type ObjectSpec<S extends Record<string, OptionSpec<unknown>> = Record<string, OptionSpec<unknown>>, O extends boolean = false> =
  OptionSpec<Opt<InferShape<S>, O>> & { readonly shape: S };

/** Rows for a README options table: key, type, default, description. */
export function describeOptions(spec: ObjectSpec, prefix = ''): Array<{ key: string; type: string; default: string; description: string }> {
  const rows: Array<{ key: string; type: string; default: string; description: string }> = [];
  for (const [k, s] of Object.entries(spec.shape)) {
    const key = prefix ? `${prefix}.${k}` : k;
    if (s.kind === 'object' && 'shape' in s) { rows.push(...describeOptions(s as unknown as ObjectSpec, key)); continue; }
    rows.push({
      key,
      type: s.describeType(),
      default: s.hasDefault ? JSON.stringify(s.defaultValue) : (s.optional ? '(none)' : '(required)'),
      description: s.description ?? '',
    });
  }
  return rows;
}
