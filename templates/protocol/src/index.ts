import { PROTOCOL, QUERY, definePlugin } from '@strata/kernel';
import { __PASCAL_NAME__Server } from './line-protocol-server.js';
import { __CAMEL_NAME__Options } from './options.js';

export { __CAMEL_NAME__Options, type __PASCAL_NAME__Options } from './options.js';
export { __PASCAL_NAME__Server } from './line-protocol-server.js';
export { LineConnection } from './line-connection.js';
export { appendCsvRows, cellValue, csvField, csvHeader } from './csv-encoder.js';
export * from './errors.js';

/** Each server's listener, keyed by its ServerInfo: one process may run several servers. */
const servers = new WeakMap<object, __PASCAL_NAME__Server>();

/**
 * `__NAME__`: SQL over a line-based TCP protocol. Each line is one or more
 * statements; rows come back as CSV ending in `OK <rows>`, errors as
 * `ERR <status> <CODE> <message>`. Requires the query service (a kernel
 * built-in whenever an engine and a store are configured).
 *
 * @example
 * plugins:
 *   - use: __PACKAGE_NAME__
 *     options: { port: 4100 }
 * # printf 'SELECT 1 + 1\n' | nc 127.0.0.1 4100
 */
export default definePlugin({
  name: '__NAME__',
  kind: 'protocol',
  version: '0.1.0',
  description: 'SQL over a line-based TCP protocol; rows answered as CSV.',
  provides: [PROTOCOL],
  requires: [QUERY],
  options: __CAMEL_NAME__Options,
  register(ctx, opts) {
    // Bind in register so the server lists the protocol; open the port in start.
    const server = new __PASCAL_NAME__Server(opts, ctx.get(QUERY), ctx.logger);
    servers.set(ctx.server, server);
    ctx.bind(PROTOCOL, server);
  },
  async start(ctx) { await servers.get(ctx.server)?.start(); },
  async stop(ctx) {
    await servers.get(ctx.server)?.stop();
    servers.delete(ctx.server);
  },
});
