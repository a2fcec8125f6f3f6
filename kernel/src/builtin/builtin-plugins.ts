import type { PluginDefinition } from '../plugin/plugin-definition.js';

/**
 * Plugins that live in the kernel (catalog, query service, built-in
 * functions). The loader adds each one to a composition automatically when
 * no configured plugin provides what it provides and everything it
 * requires is provided; a config may still list one by name to pass it
 * options.
 */
export const BUILTIN_PLUGINS: PluginDefinition[] = [];

/** Registers a built-in plugin (used by kernel modules at import time). */
export function registerBuiltinPlugin(def: PluginDefinition): void {
  if (!BUILTIN_PLUGINS.some((p) => p.name === def.name)) BUILTIN_PLUGINS.push(def);
}
