import type { FunctionDefinition } from '../interfaces/function.js';
import { builtinAggregateFunctions } from './builtin/aggregate-functions.js';
import { pgFunctions } from './builtin/pg-functions.js';
import { builtinScalarFunctions } from './builtin/scalar-functions.js';
import { builtinWindowFunctions } from './builtin/window-functions.js';

/** Every built-in function (scalar, aggregate, window), registered through the same registry as plugin functions. */
export function builtinFunctions(): FunctionDefinition[] {
  return [...builtinScalarFunctions(), ...pgFunctions, ...builtinAggregateFunctions(), ...builtinWindowFunctions()];
}
