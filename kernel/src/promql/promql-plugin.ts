import { registerBuiltinPlugin } from '../builtin/builtin-plugins.js';
import { definePlugin } from '../plugin/plugin-definition.js';
import { CATALOG, ENGINE, PROMQL } from '../tokens.js';
import { DefaultPromqlService } from './promql-service.js';

/** The 'promql' built-in: PromQL evaluation and the Prometheus HTTP API over the catalog's tables. */
export const promqlPlugin = definePlugin({
  name: 'promql',
  kind: 'service',
  description: 'PromQL engine and Prometheus HTTP API (query, query_range, labels, series, metadata)',
  provides: [PROMQL],
  requires: [CATALOG, ENGINE],
  register(ctx) {
    ctx.bind(PROMQL, new DefaultPromqlService(ctx.get(CATALOG), ctx.get(ENGINE)));
  },
});

registerBuiltinPlugin(promqlPlugin);
