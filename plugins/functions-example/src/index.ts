import { definePlugin, FUNCTIONS } from '@strata/kernel';
import { exampleFunctions } from './example-functions.js';
import { functionsExampleOptions } from './options.js';

export { functionsExampleOptions, type FunctionsExampleOptions } from './options.js';
export * from './example-functions.js';
export * from './errors.js';

/**
 * `functions-example`: a function pack written with @strata/sdk — clip and
 * c_to_f (scalar), weighted_avg (aggregate with mergeable state), ema,
 * sliding_sum and modified_rank (window). Each definition is bound to the
 * multi token FUNCTIONS with its origin; the 'functions' built-in registers
 * them and fails startup on a name clash, naming both plugins.
 *
 * @example
 * plugins:
 *   - use: '@strata/functions-example'
 *     options: { prefix: '' }
 */
export default definePlugin({
  name: 'functions-example',
  kind: 'function',
  version: '0.1.0',
  description: 'Example SQL functions: clip, c_to_f, weighted_avg, ema, sliding_sum, modified_rank',
  provides: [FUNCTIONS],
  options: functionsExampleOptions,
  register(ctx, opts) {
    for (const fn of exampleFunctions(opts)) ctx.bind(FUNCTIONS, Object.assign(fn, { origin: 'functions-example' }));
  },
});
