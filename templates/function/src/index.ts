import { FUNCTIONS, definePlugin } from '@strata/kernel';
import { clampFunction, spreadFunction } from './functions.js';
import { __CAMEL_NAME__Options } from './options.js';

export { __CAMEL_NAME__Options, type __PASCAL_NAME__Options } from './options.js';
export { clampFunction, spreadFunction, type SpreadState } from './functions.js';
export * from './errors.js';

/**
 * `__NAME__`: SQL functions `<prefix>_clamp(x, lo, hi)` (scalar) and
 * `<prefix>_spread(x)` (aggregate). Each definition is bound to the multi
 * token FUNCTIONS; the kernel's function registry collects them when it is
 * registered (it lists FUNCTIONS as optional, so function plugins register
 * first) and fails startup on a name clash, naming both plugins.
 *
 * @example
 * plugins:
 *   - use: __PACKAGE_NAME__
 *     options: { prefix: __SNAKE_NAME__ }
 */
export default definePlugin({
  name: '__NAME__',
  kind: 'function',
  version: '0.1.0',
  description: 'A scalar (clamp) and a mergeable aggregate (spread) SQL function.',
  provides: [FUNCTIONS],
  options: __CAMEL_NAME__Options,
  register(ctx, opts) {
    // `origin` lets the registry name this plugin in a clash error.
    for (const fn of [clampFunction(opts), spreadFunction(opts)]) ctx.bind(FUNCTIONS, Object.assign(fn, { origin: '__NAME__' }));
  },
});
