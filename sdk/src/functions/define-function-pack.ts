import { definePlugin, FUNCTIONS, InvalidArgumentsError, type FunctionDefinition, type PluginDefinition } from '@strata/kernel';

/** A function pack: a plugin of kind 'function' that provides FUNCTIONS. */
export interface FunctionPackSpec {
  /** Plugin name (named in clash errors). */
  readonly name: string;
  readonly description?: string;
  readonly version?: string;
  /** The functions (from defineScalarFunction & co., or hand-written kernel definitions). */
  readonly functions: readonly FunctionDefinition[];
}

/**
 * Wraps functions into a plugin that binds each to FUNCTIONS with its
 * origin, so the 'functions' built-in registers them and a name clash at
 * startup names both packs.
 *
 * @example
 * export default defineFunctionPack({ name: 'functions-geo', functions: [stDistance, stArea] });
 */
export function defineFunctionPack(spec: FunctionPackSpec): PluginDefinition {
  if (!Array.isArray(spec.functions) || spec.functions.length === 0) {
    throw new InvalidArgumentsError(`function pack '${spec.name}': 'functions' must list at least one function definition`);
  }
  return definePlugin({
    name: spec.name,
    kind: 'function',
    ...(spec.version ? { version: spec.version } : {}),
    description: spec.description ?? `SQL functions: ${spec.functions.map((f) => f.name).join(', ')}`,
    provides: [FUNCTIONS],
    register(ctx) {
      for (const fn of spec.functions) ctx.bind(FUNCTIONS, Object.assign({ ...fn }, { origin: spec.name }));
    },
  });
}
