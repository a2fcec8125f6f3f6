export { defineScalarFunction, defineAsyncScalarFunction, type ScalarFunctionSpec, type AsyncScalarFunctionSpec } from './define-scalar-function.js';
export { defineAggregateFunction, type AggregateFunctionSpec } from './define-aggregate-function.js';
export {
  defineWindowFunction, type WindowFunctionSpec, type PartitionWindowSpec, type FrameWindowSpec, type IncrementalWindowSpec,
} from './define-window-function.js';
export { defineFunctionPack, type FunctionPackSpec } from './define-function-pack.js';
export { readArg, type ArgColumn, type ArgValues } from './function-args.js';
export { vectorOf, type OutputBuilder, type FunctionResult } from './function-output.js';
export { checkTimeout, type UdfContext, type FunctionSpecBase, type ReturnSpec } from './function-common.js';
export { serializeState, deserializeState } from './state-codec.js';
