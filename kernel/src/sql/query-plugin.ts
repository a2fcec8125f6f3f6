import { registerBuiltinPlugin } from '../builtin/builtin-plugins.js';
import { definePlugin } from '../plugin/plugin-definition.js';
import { CATALOG, ENGINE, FUNCTION_REGISTRY, QUERY } from '../tokens.js';
import { QueryEngine } from './query-engine.js';

/** The 'query' built-in: SQL in, Arrow out, plus the ingest insert path. */
export const queryPlugin = definePlugin({
  name: 'query',
  kind: 'service',
  description: 'SQL query engine (GreptimeDB dialect) and the insert path for ingest protocols',
  provides: [QUERY],
  requires: [CATALOG, ENGINE, FUNCTION_REGISTRY],
  register(ctx) {
    ctx.bind(QUERY, new QueryEngine(ctx.get(CATALOG), ctx.get(ENGINE), ctx.get(FUNCTION_REGISTRY), ctx.logger, ctx.metrics));
  },
});

registerBuiltinPlugin(queryPlugin);
