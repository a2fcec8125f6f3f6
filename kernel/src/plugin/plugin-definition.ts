import type { Token } from '../di/token.js';
import type { Logger } from '../interfaces/logger.js';
import type { Metrics } from '../interfaces/metrics.js';
import type { ObjectSpec, InferShape } from '../options/option-schema.js';
import type { ServerInfo } from '../server/server-info.js';

/** The seven plugin kinds. */
export type PluginKind = 'wal' | 'engine' | 'store' | 'index' | 'protocol' | 'function' | 'coprocessor' | 'service';

export const PLUGIN_KINDS: readonly PluginKind[] = ['wal', 'engine', 'store', 'index', 'protocol', 'function', 'coprocessor', 'service'];

/**
 * What a plugin sees: the kernel's services and the tokens it declared in
 * `requires`/`optional` — not its siblings' internals. `bind` is allowed only
 * for tokens it declared in `provides`.
 */
export interface PluginContext {
  readonly plugin: string;
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly server: ServerInfo;
  /** Resolves a required token; throws if it was not declared in requires/optional or is unbound. */
  get<T>(t: Token<T>): T;
  /** Resolves an optional token, or undefined when nobody provides it. */
  tryGet<T>(t: Token<T>): T | undefined;
  /** Every provider of a multi token (or the single provider of a singleton), possibly none. */
  getAll<T>(t: Token<T>): T[];
  /** Binds a value for a token declared in `provides`. */
  bind<T>(t: Token<T>, value: T): void;
  /** An AbortSignal that fires when the server begins to stop. */
  readonly shutdownSignal: AbortSignal;
}

/**
 * A plugin: one definition object. The loader validates `options` before
 * `register`, registers and starts plugins in dependency order (providers
 * before requirers), and stops them in reverse.
 *
 * @example
 * export default definePlugin({
 *   name: 'wal-local', kind: 'wal',
 *   provides: [WAL], requires: [],
 *   options: o.object({ dir: o.string({ default: 'wal' }) }),
 *   async register(ctx, opts) { ctx.bind(WAL, new LocalWal(opts, ctx.logger)); },
 * });
 */
export interface PluginDefinition<S extends Record<string, any> = Record<string, any>> {
  readonly name: string;
  readonly kind: PluginKind;
  readonly version?: string;
  readonly description?: string;
  /** Tokens this plugin binds in `register`. */
  readonly provides?: readonly Token<any>[];
  /** Tokens that must be provided by another plugin (or the kernel). */
  readonly requires?: readonly Token<any>[];
  /** Tokens used when present; providers still go first. */
  readonly optional?: readonly Token<any>[];
  readonly options?: ObjectSpec<S>;
  register(ctx: PluginContext, options: InferShape<S>): void | Promise<void>;
  start?(ctx: PluginContext): void | Promise<void>;
  /** Drains and releases: called once, in reverse start order, even after a failed start. */
  stop?(ctx: PluginContext): void | Promise<void>;
  /** Per-plugin startup timeout (default 30 s). */
  readonly startTimeoutMs?: number;
}

/** Declares a plugin with its options type inferred from its schema. */
export function definePlugin<S extends Record<string, any>>(def: PluginDefinition<S>): PluginDefinition<S> {
  return def;
}

/** True when `x` looks like a plugin definition (checked on loaded modules). */
export function isPluginDefinition(x: unknown): x is PluginDefinition {
  if (typeof x !== 'object' || x === null) return false;
  const d = x as Partial<PluginDefinition>;
  return typeof d.name === 'string' && typeof d.kind === 'string' && typeof d.register === 'function';
}

/** Explains why a module export is not a valid plugin, or undefined when it is. */
export function pluginDefinitionProblem(x: unknown): string | undefined {
  if (typeof x !== 'object' || x === null) return `expected a plugin definition object, got ${x === null ? 'null' : typeof x}`;
  const d = x as Record<string, unknown>;
  if (typeof d.name !== 'string' || !/^[a-z0-9][a-z0-9._-]*$/.test(d.name)) return `'name' must be a lower-case string (got ${JSON.stringify(d.name)})`;
  if (typeof d.kind !== 'string' || !(PLUGIN_KINDS as readonly string[]).includes(d.kind)) return `'kind' must be one of ${PLUGIN_KINDS.join(', ')} (got ${JSON.stringify(d.kind)})`;
  if (typeof d.register !== 'function') return `'register' must be a function`;
  for (const f of ['start', 'stop'] as const) if (d[f] !== undefined && typeof d[f] !== 'function') return `'${f}' must be a function`;
  for (const f of ['provides', 'requires', 'optional'] as const) {
    const v = d[f];
    if (v === undefined) continue;
    if (!Array.isArray(v) || !v.every((t) => typeof t === 'object' && t !== null && typeof (t as { id?: unknown }).id === 'symbol')) {
      return `'${f}' must be a list of tokens from @strata/kernel`;
    }
  }
  return undefined;
}

/** Type-only re-export so plugin files can name it. */
export type { PluginDefinition as Plugin };
