import { registerBuiltinPlugin } from '../builtin/builtin-plugins.js';
import { o } from '../options/option-schema.js';
import { definePlugin } from '../plugin/plugin-definition.js';
import { CATALOG, COPY_FORMAT, ENGINE, FUNCTION_REGISTRY, PROMQL, QUERY, TABLE_WRITES } from '../tokens.js';
import { QueryEngine } from './query-engine.js';

/** The 'query' built-in: SQL in, Arrow out, plus the ingest insert path. */
export const queryPlugin = definePlugin({
  name: 'query',
  kind: 'service',
  description: 'SQL query engine (GreptimeDB dialect) and the insert path for ingest protocols',
  provides: [QUERY],
  requires: [CATALOG, ENGINE, FUNCTION_REGISTRY],
  // TQL runs on the promql plugin's service (its lookbackDelta / maxSamples), looked up per statement.
  // COPY's file formats beyond CSV and JSON lines (engine-lsm provides Parquet).
  optional: [PROMQL, COPY_FORMAT],
  options: o.object({
    memoryLimitBytes: o.bytes({
      default: '1GiB',
      description: 'Bytes one statement may buffer in sorts, join build sides, windows and group tables (a session limit overrides it); 0 = no limit. Past it the statement fails with RESOURCES_EXHAUSTED.',
    }),
    timeoutMs: o.duration({
      default: 0,
      description: 'Default statement timeout when the client gives none (0 = none); past it the statement fails with DEADLINE_EXCEEDED.',
    }),
  }),
  register(ctx, opts) {
    const engine = new QueryEngine(ctx.get(CATALOG), ctx.get(ENGINE), ctx.get(FUNCTION_REGISTRY), ctx.logger, ctx.metrics,
      { memoryLimitBytes: opts.memoryLimitBytes, timeoutMs: opts.timeoutMs }, ctx.get(TABLE_WRITES));
    engine.promql = () => ctx.tryGet(PROMQL);
    engine.copyFormats = () => ctx.getAll(COPY_FORMAT);
    ctx.bind(QUERY, engine);
  },
});

registerBuiltinPlugin(queryPlugin);
