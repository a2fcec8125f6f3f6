import type { FunctionDefinition, FunctionRegistry } from '../interfaces/function.js';
import { builtinAggregateFunctions } from './builtin/aggregate-functions.js';
import { pgFunctions, pgFunctionTextFunctions } from './builtin/pg-functions.js';
import { builtinScalarFunctions } from './builtin/scalar-functions.js';
import { builtinWindowFunctions } from './builtin/window-functions.js';

/**
 * Every built-in function (scalar, aggregate, window), registered through the
 * same registry as plugin functions. `registry` is the registry they go into:
 * the functions that describe other functions (pg_get_function_result and
 * friends) read it.
 */
export function builtinFunctions(registry: FunctionRegistry): FunctionDefinition[] {
  return [...builtinScalarFunctions(), ...pgFunctions, ...pgFunctionTextFunctions(registry), ...builtinAggregateFunctions(), ...builtinWindowFunctions()];
}
