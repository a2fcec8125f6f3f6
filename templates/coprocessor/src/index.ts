import { COPROCESSOR, QUERY, definePlugin } from '@strata/kernel';
import { ExpressionCoprocessor } from './expression-coprocessor.js';
import { __CAMEL_NAME__Options } from './options.js';

export { __CAMEL_NAME__Options, type __PASCAL_NAME__Options } from './options.js';
export { ExpressionCoprocessor } from './expression-coprocessor.js';
export { parseScript, isBoolean, FUNCTIONS as EXPRESSION_FUNCTIONS, type Expr, type ParsedScript } from './expression-language.js';
export * from './errors.js';

/**
 * `__NAME__`: a coprocessor for a tiny, JavaScript-free arithmetic language
 * over query columns. It provides COPROCESSOR (multi: several languages may
 * be installed) and uses QUERY to run a script's `-- @sql` input query.
 *
 * @example
 * plugins:
 *   - use: __PACKAGE_NAME__
 *     options: { maxRows: 100000 }
 * # const copr = server.getAll(COPROCESSOR).find((c) => c.language === '__NAME__');
 */
export default definePlugin({
  name: '__NAME__',
  kind: 'coprocessor',
  version: '0.1.0',
  description: 'A tiny vectorized arithmetic language over query columns.',
  provides: [COPROCESSOR],
  optional: [QUERY],
  options: __CAMEL_NAME__Options,
  register(ctx, opts) {
    ctx.bind(COPROCESSOR, new ExpressionCoprocessor(ctx.tryGet(QUERY), opts));
  },
});
