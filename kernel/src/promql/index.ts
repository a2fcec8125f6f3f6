// PromQL: parser, evaluator, Prometheus HTTP API service. Importing this
// module registers the 'promql' built-in plugin.
import './promql-plugin.js';

export { promqlPlugin } from './promql-plugin.js';
export { parsePromql } from './parse-promql.js';
export { typeOf as promqlTypeOf } from './check-promql.js';
export { Evaluator, formatSampleValue, type EvalOptions, type EvalValue, type StepSeries } from './evaluator.js';
export { StorageSeriesSource, type RawSeries, type SeriesSource } from './series-source.js';
export { DefaultPromqlService, parseApiTime, parseApiDuration } from './promql-service.js';
export * as promqlAst from './ast.js';
export { runTql, explainPromql, type TqlContext } from './tql.js';
