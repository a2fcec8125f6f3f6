import { ConfigError } from '../errors/errors.js';

/**
 * One override of a config value, from the environment or the command line.
 * `target` is 'server' or a plugin name; `path` the option key path.
 */
export interface ConfigOverride {
  readonly target: string;
  readonly path: readonly string[];
  readonly value: string;
  /** e.g. `STRATA_PROTOCOL_HTTP__PORT` or `--set protocol-http.port=4100`. */
  readonly origin: string;
}

const snakeToCamel = (s: string): string => s.toLowerCase().replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());

/**
 * Reads overrides from the environment:
 * - `STRATA_DATA_HOME`, `STRATA_LOG_LEVEL`, `STRATA_SERVER__<KEY>` -> the server section;
 * - `STRATA_<PLUGIN>__<KEY>[__<SUBKEY>...]` -> a plugin option, where PLUGIN is
 *   the plugin name upper-cased with '-' as '_' and keys are SNAKE_CASE for
 *   camelCase options: `STRATA_ENGINE_LSM__MEMTABLE_BYTES_MAX=128MiB`.
 */
export function overridesFromEnv(env: NodeJS.ProcessEnv = process.env): ConfigOverride[] {
  const out: ConfigOverride[] = [];
  for (const [name, value] of Object.entries(env)) {
    if (!name.startsWith('STRATA_') || value === undefined) continue;
    if (name === 'STRATA_DATA_HOME') { out.push({ target: 'server', path: ['dataHome'], value, origin: name }); continue; }
    if (name === 'STRATA_LOG_LEVEL') { out.push({ target: 'server', path: ['logLevel'], value, origin: name }); continue; }
    const rest = name.slice('STRATA_'.length);
    const parts = rest.split('__');
    if (parts.length < 2 || parts.some((p) => p === '')) continue; // not an override (e.g. STRATA_HOME used by scripts)
    const target = parts[0] === 'SERVER' ? 'server' : parts[0]!.toLowerCase().replace(/_/g, '-');
    out.push({ target, path: parts.slice(1).map(snakeToCamel), value, origin: name });
  }
  return out;
}

/** Parses a `--set plugin.key[.sub]=value` argument. */
export function parseSetArgument(arg: string): ConfigOverride {
  const eq = arg.indexOf('=');
  const lhs = eq < 0 ? '' : arg.slice(0, eq);
  const parts = lhs.split('.');
  if (eq < 0 || parts.length < 2 || parts.some((p) => p === '')) {
    throw new ConfigError(`--set ${arg}: expected <plugin>.<option>=<value> (or server.<key>=<value>)`);
  }
  return { target: parts[0]!, path: parts.slice(1), value: arg.slice(eq + 1), origin: `--set ${arg}` };
}

/** Sets `value` at `path` in a plain object, creating intermediate objects. */
export function setAtPath(obj: Record<string, unknown>, path: readonly string[], value: unknown): void {
  let cur = obj;
  for (const k of path.slice(0, -1)) {
    const next = cur[k];
    if (typeof next !== 'object' || next === null || Array.isArray(next)) cur[k] = {};
    cur = cur[k] as Record<string, unknown>;
  }
  cur[path[path.length - 1]!] = value;
}
