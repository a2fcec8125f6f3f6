import type { ValueType } from './ast.js';

/** A PromQL function's argument types (the last `optional` ones may be left out; `variadic` repeats the last). */
export interface FunctionSignature {
  readonly args: readonly ValueType[];
  readonly optional?: number;
  readonly variadic?: boolean;
  readonly returns: ValueType;
}

const V: ValueType = 'vector';
const M: ValueType = 'matrix';
const S: ValueType = 'scalar';
const STR: ValueType = 'string';

const sig = (args: ValueType[], returns: ValueType = V, extra: { optional?: number; variadic?: boolean } = {}): FunctionSignature => ({ args, returns, ...extra });

/** Every function the evaluator implements, with Prometheus's signatures. */
export const FUNCTIONS: ReadonlyMap<string, FunctionSignature> = new Map<string, FunctionSignature>([
  ...['abs', 'ceil', 'floor', 'exp', 'ln', 'log2', 'log10', 'sqrt', 'sgn', 'timestamp', 'sort', 'sort_desc', 'absent',
    'acos', 'acosh', 'asin', 'asinh', 'atan', 'atanh', 'cos', 'cosh', 'sin', 'sinh', 'tan', 'tanh', 'deg', 'rad']
    .map((n) => [n, sig([V])] as const),
  ...['rate', 'irate', 'increase', 'delta', 'idelta', 'deriv', 'resets', 'changes', 'avg_over_time', 'min_over_time',
    'max_over_time', 'sum_over_time', 'count_over_time', 'last_over_time', 'present_over_time', 'stddev_over_time',
    'stdvar_over_time', 'absent_over_time']
    .map((n) => [n, sig([M])] as const),
  ...['day_of_week', 'day_of_month', 'day_of_year', 'days_in_month', 'hour', 'minute', 'month', 'year']
    .map((n) => [n, sig([V], V, { optional: 1 })] as const),
  ['quantile_over_time', sig([S, M])],
  ['predict_linear', sig([M, S])],
  ['double_exponential_smoothing', sig([M, S, S])],
  ['holt_winters', sig([M, S, S])],
  ['clamp', sig([V, S, S])],
  ['clamp_min', sig([V, S])],
  ['clamp_max', sig([V, S])],
  ['round', sig([V, S], V, { optional: 1 })],
  ['histogram_quantile', sig([S, V])],
  ['label_replace', sig([V, STR, STR, STR, STR])],
  ['label_join', sig([V, STR, STR, STR], V, { variadic: true })],
  ['sort_by_label', sig([V, STR], V, { variadic: true })],
  ['sort_by_label_desc', sig([V, STR], V, { variadic: true })],
  ['scalar', sig([V], S)],
  ['vector', sig([S], V)],
  ['time', sig([], S)],
  ['pi', sig([], S)],
]);
