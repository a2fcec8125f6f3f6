import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parse as parseToml } from 'smol-toml';
import { parse as parseYaml } from 'yaml';
import { ConfigError } from '../errors/errors.js';
import type { LogLevel } from '../logging/create-logger.js';
import { parseDurationMs } from '../options/option-schema.js';

/** One `plugins:` entry of a config file. */
export interface PluginEntry {
  /**
   * The plugin module: a first-party short name (`wal-local` ->
   * `@strata/wal-local`), a package name, or a path relative to the config
   * file (`./my-plugin`).
   */
  readonly use: string;
  /** Raw options, validated later against the plugin's schema. */
  readonly options: Record<string, unknown>;
  /** false keeps the entry in the file but does not load it. */
  readonly enabled: boolean;
  /** Skip (with a log line) when the module is not installed; used by the embedded default. */
  readonly ifAvailable: boolean;
  /** Where the entry came from, for error messages: `file: plugins[2]`. */
  readonly where: string;
}

/** The `server:` section. */
export interface ServerSection {
  readonly name?: string;
  readonly dataHome: string;
  readonly logLevel: LogLevel;
  readonly shutdownTimeoutMs: number;
}

/** A parsed config: the file's content, before plugin modules are resolved. */
export interface StrataConfig {
  /** The file's absolute path, or '(embedded default)'. */
  readonly source: string;
  /** Directory that relative plugin paths and `dataHome` are resolved against. */
  readonly baseDir: string;
  readonly server: ServerSection;
  readonly plugins: readonly PluginEntry[];
}

const LOG_LEVELS: readonly LogLevel[] = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'];

/** Parses text by the file's extension: .yaml/.yml, .json or .toml. */
export function parseConfigText(text: string, file: string): unknown {
  const ext = path.extname(file).toLowerCase();
  try {
    if (ext === '.yaml' || ext === '.yml') return parseYaml(text, { prettyErrors: true }) ?? {};
    if (ext === '.json') return JSON.parse(text);
    if (ext === '.toml') return parseToml(text);
  } catch (err) {
    const why = err instanceof Error ? err.message.split('\n')[0] : String(err);
    throw new ConfigError(`${file}: cannot parse ${ext.slice(1).toUpperCase()}: ${why}`, file, undefined, undefined, { cause: err });
  }
  throw new ConfigError(`${file}: unknown config format '${ext || '(none)'}' (use .yaml, .yml, .json or .toml)`, file);
}

/** Reads and checks a config file. */
export async function readConfigFile(file: string): Promise<StrataConfig> {
  const abs = path.resolve(file);
  let text: string;
  try {
    text = await readFile(abs, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new ConfigError(`${abs}: cannot read config file (${code === 'ENOENT' ? 'no such file' : code ?? String(err)})`, abs, undefined, undefined, { cause: err });
  }
  return configFromObject(parseConfigText(text, abs), abs, path.dirname(abs));
}

/** Checks the shape of a parsed config object (plugin options are checked later by each plugin's schema). */
export function configFromObject(raw: unknown, source: string, baseDir: string): StrataConfig {
  const fail = (key: string, msg: string): never => { throw new ConfigError(`${source}: '${key}': ${msg}`, source, undefined, key); };
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) fail('(top level)', 'expected a mapping with `server` and `plugins`');
  const top = raw as Record<string, unknown>;
  for (const k of Object.keys(top)) if (k !== 'server' && k !== 'plugins') fail(k, 'unknown top-level key (expected `server` or `plugins`)');

  const s = (top.server ?? {}) as Record<string, unknown>;
  if (typeof s !== 'object' || s === null || Array.isArray(s)) fail('server', 'expected a mapping');
  for (const k of Object.keys(s)) if (!['name', 'dataHome', 'logLevel', 'shutdownTimeout'].includes(k)) fail(`server.${k}`, 'unknown key (known: name, dataHome, logLevel, shutdownTimeout)');
  if (s.name !== undefined && typeof s.name !== 'string') fail('server.name', 'expected a string');
  if (s.dataHome !== undefined && typeof s.dataHome !== 'string') fail('server.dataHome', 'expected a string');
  if (s.logLevel !== undefined && !LOG_LEVELS.includes(s.logLevel as LogLevel)) fail('server.logLevel', `expected one of ${LOG_LEVELS.join(', ')}`);
  const shutdownTimeoutMs = s.shutdownTimeout === undefined ? 30_000 : parseDurationMs(s.shutdownTimeout);
  if (shutdownTimeoutMs === undefined) fail('server.shutdownTimeout', `expected a duration such as '30s'`);

  const list = top.plugins ?? [];
  if (!Array.isArray(list)) fail('plugins', 'expected a list of { use, options }');
  const plugins: PluginEntry[] = (list as unknown[]).map((e, i) => {
    const where = `plugins[${i}]`;
    if (typeof e === 'string') return { use: e, options: {}, enabled: true, ifAvailable: false, where: `${source}: ${where}` };
    if (typeof e !== 'object' || e === null || Array.isArray(e)) return fail(where, 'expected a plugin name or { use, options }');
    const p = e as Record<string, unknown>;
    for (const k of Object.keys(p)) if (!['use', 'options', 'enabled', 'ifAvailable'].includes(k)) fail(`${where}.${k}`, 'unknown key (known: use, options, enabled, ifAvailable)');
    if (typeof p.use !== 'string' || p.use.trim() === '') fail(`${where}.use`, 'expected the plugin module (name, package or ./path)');
    if (p.options !== undefined && (typeof p.options !== 'object' || p.options === null || Array.isArray(p.options))) fail(`${where}.options`, 'expected a mapping');
    if (p.enabled !== undefined && typeof p.enabled !== 'boolean') fail(`${where}.enabled`, 'expected true or false');
    if (p.ifAvailable !== undefined && typeof p.ifAvailable !== 'boolean') fail(`${where}.ifAvailable`, 'expected true or false');
    return {
      use: (p.use as string).trim(),
      options: { ...(p.options as Record<string, unknown> | undefined) },
      enabled: p.enabled !== false,
      ifAvailable: p.ifAvailable === true,
      where: `${source}: ${where}`,
    };
  });

  return {
    source,
    baseDir,
    server: {
      name: s.name as string | undefined,
      dataHome: (s.dataHome as string | undefined) ?? './strata-data',
      logLevel: (s.logLevel as LogLevel | undefined) ?? 'info',
      shutdownTimeoutMs: shutdownTimeoutMs!,
    },
    plugins,
  };
}
