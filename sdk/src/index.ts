/**
 * @strata/sdk — what plugin authors import. Plugin definitions, option
 * schemas and tokens come from the kernel; function helpers and the client
 * live here.
 */
export {
  definePlugin, o, token, multiToken,
  WAL, ENGINE, STORE, CATALOG, QUERY, FUNCTION_REGISTRY, USER_PROVIDER, PROTOCOL, INDEX, FUNCTIONS, COPROCESSOR,
  LOGGER, METRICS, SERVER_INFO, StrataError,
} from '@strata/kernel';
export type {
  PluginDefinition, PluginContext, PluginKind, Token, Infer, InferShape, ObjectSpec, OptionSpec,
} from '@strata/kernel';

// ---- the TypeScript client (gRPC + HTTP) ----
export * from './client/index.js';
// SQL function authoring (issue #8): vectorized scalar, aggregate and window functions.
export * from './functions/index.js';
