import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { BUILTIN_PLUGINS } from '../builtin/builtin-plugins.js';
import { PluginNotFoundError } from '../errors/errors.js';
import { pluginDefinitionProblem, type PluginDefinition } from '../plugin/plugin-definition.js';

/** Module specifiers to try for a config's `use`, in order. */
export function candidateSpecifiers(use: string): string[] {
  if (use.startsWith('.') || path.isAbsolute(use)) return [use];
  if (use.startsWith('@') || use.includes('/')) return [use];
  // A bare short name: first-party package first, then the name itself.
  return [`@strata/${use}`, use];
}

const kernelDir = path.dirname(fileURLToPath(import.meta.url));

/** Resolves a module specifier to a file path, looking from `baseDir`, then the cwd, then the kernel. */
function resolveFrom(spec: string, baseDir: string): string | undefined {
  if (spec.startsWith('.') || path.isAbsolute(spec)) {
    const abs = path.resolve(baseDir, spec);
    const req = createRequire(path.join(baseDir, 'noop.js'));
    try { return req.resolve(abs); } catch { /* try as a directory with package.json below */ }
    return existsSync(abs) ? abs : undefined;
  }
  for (const dir of [baseDir, process.cwd(), kernelDir]) {
    try { return createRequire(path.join(dir, 'noop.js')).resolve(spec); } catch { /* next */ }
  }
  return undefined;
}

/** A plugin module found and loaded. */
export interface ResolvedPlugin {
  readonly definition: PluginDefinition;
  /** The file the definition came from. */
  readonly file: string;
}

/**
 * Finds and imports a plugin module for a config entry and checks that its
 * default export (or `plugin` export) is a plugin definition.
 * Returns undefined when it is not installed and `ifAvailable` allows that.
 */
export async function resolvePlugin(use: string, baseDir: string, where: string, ifAvailable = false): Promise<ResolvedPlugin | undefined> {
  const tried = candidateSpecifiers(use);
  let file: string | undefined;
  for (const spec of tried) {
    file = resolveFrom(spec, baseDir);
    if (file) break;
  }
  if (!file) {
    // A kernel built-in ('functions', 'catalog', 'query') may be listed by name to pass it options.
    const builtin = BUILTIN_PLUGINS.find((b) => b.name === use);
    if (builtin) return { definition: builtin, file: '(built-in)' };
    if (ifAvailable) return undefined;
    throw new PluginNotFoundError(use, `${where}: unknown plugin '${use}': no module found (tried ${tried.map((t) => `'${t}'`).join(', ')} from ${baseDir})`);
  }
  let mod: Record<string, unknown>;
  try {
    mod = await import(pathToFileURL(file).href) as Record<string, unknown>;
  } catch (err) {
    throw new PluginNotFoundError(use, `${where}: plugin '${use}' failed to load from ${file}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
  const candidate = (mod.default as Record<string, unknown> | undefined)?.default ?? mod.default ?? mod.plugin;
  const problem = pluginDefinitionProblem(candidate);
  if (problem) throw new PluginNotFoundError(use, `${where}: '${use}' (${file}) does not export a plugin: ${problem}`);
  return { definition: candidate as PluginDefinition, file };
}
