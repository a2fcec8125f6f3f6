import { registerBuiltinPlugin } from '../builtin/builtin-plugins.js';
import type { FunctionDefinition } from '../interfaces/function.js';
import path from 'node:path';
import { o } from '../options/option-schema.js';
import { definePlugin } from '../plugin/plugin-definition.js';
import { FUNCTION_REGISTRY, FUNCTIONS } from '../tokens.js';
import { builtinFunctions } from './builtin-functions.js';
import { DefaultFunctionRegistry } from './function-registry.js';
import { guardFunction } from './guard-function.js';
import { RuntimeFunctionLoader } from './runtime-functions.js';

/** Where a plugin function came from: a definition may carry `origin` (the SDK sets it); otherwise its position. */
function originOf(fn: FunctionDefinition, i: number): string {
  const o = (fn as { origin?: unknown; plugin?: unknown }).origin ?? (fn as { plugin?: unknown }).plugin;
  return typeof o === 'string' ? `plugin '${o}'` : `a function plugin (FUNCTIONS entry #${i + 1})`;
}

/**
 * The 'functions' built-in: provides FUNCTION_REGISTRY with every built-in
 * function, plus the definitions function plugins bind to FUNCTIONS. A
 * name clash fails startup and names both origins.
 */
export const functionsPlugin = definePlugin({
  name: 'functions',
  kind: 'function',
  description: 'Function registry with the built-in scalar, aggregate and window functions',
  provides: [FUNCTION_REGISTRY],
  optional: [FUNCTIONS],
  options: o.object({
    runtimeFunctions: o.boolean({
      default: false,
      description: 'Allow CREATE FUNCTION / DROP FUNCTION (JavaScript modules from runtimeFunctionDirectories; kept across restarts in <dataHome>/functions/runtime-functions.json).',
    }),
    runtimeFunctionDirectories: o.array(o.string(), {
      default: [],
      description: 'Directories CREATE FUNCTION may load modules from (real paths are checked; a relative AS path is resolved against the first).',
    }),
  }),
  async register(ctx, opts) {
    const registry = new DefaultFunctionRegistry();
    for (const fn of builtinFunctions(registry)) registry.register(fn, 'built-in');
    // Plugin functions are guarded: whatever they throw becomes a query error naming them.
    ctx.getAll(FUNCTIONS).forEach((fn, i) => registry.register(typeof fn === 'object' && fn !== null ? guardFunction(fn) : fn, originOf(fn, i)));
    if (opts.runtimeFunctions) {
      const dirs = opts.runtimeFunctionDirectories.map((d) => path.resolve(ctx.server.dataHome, d));
      const loader = new RuntimeFunctionLoader(registry, dirs, path.join(ctx.server.dataHome, 'functions', 'runtime-functions.json'), ctx.logger);
      await loader.restore();
      registry.runtime = loader;
    }
    ctx.bind(FUNCTION_REGISTRY, registry);
  },
});

registerBuiltinPlugin(functionsPlugin);
