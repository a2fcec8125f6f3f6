import { registerBuiltinPlugin } from '../builtin/builtin-plugins.js';
import { o } from '../options/option-schema.js';
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
  options: o.object({
    lookbackDelta: o.duration({
      default: '5m',
      description: "How far back an instant selector looks for a sample (Prometheus's --query.lookback-delta); a request's lookback_delta overrides it.",
    }),
    subqueryStep: o.duration({
      default: '1m',
      description: 'Step of a subquery written without one, e.g. foo[10m:] (Prometheus uses its global evaluation interval).',
    }),
    maxSamples: o.integer({
      default: 50_000_000, min: 1,
      description: "Most samples one query may hold (Prometheus's --query.max-samples); past it the query fails.",
    }),
    windowStart: o.enum(['exclusive', 'inclusive'], {
      default: 'exclusive',
      description: "Whether a sample exactly at a window's start counts: 'exclusive' = left-open (t - range, t] for range selectors, the lookback and subqueries (GreptimeDB, Prometheus 3); 'inclusive' = closed [t - range, t] (Prometheus 2.x).",
    }),
  }),
  register(ctx, opts) {
    ctx.bind(PROMQL, new DefaultPromqlService(ctx.get(CATALOG), ctx.get(ENGINE),
      { lookbackMs: opts.lookbackDelta, subqueryStepMs: opts.subqueryStep, maxSamples: opts.maxSamples, windowStart: opts.windowStart }));
  },
});

registerBuiltinPlugin(promqlPlugin);
