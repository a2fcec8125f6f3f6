import 'reflect-metadata';
import { CATALOG, PROTOCOL, QUERY, USER_PROVIDER, definePlugin } from '@strata/kernel';
import { MysqlProtocolServer } from './mysql-protocol.js';
import { mysqlOptions } from './options.js';

export { mysqlOptions, type MysqlOptions } from './options.js';
export { MysqlProtocolServer, secureContextOf } from './mysql-protocol.js';
export { MysqlConnection, Capability, Command } from './mysql-connection.js';
export { MYSQL_ERROR_OF_STATUS, MYSQL_WIRE_ERRORS, MysqlCommandError, MysqlProtocolError, mysqlErrorOf } from './errors.js';
export { nativePasswordToken, cachingSha2Token, verifyToken } from './auth-scramble.js';
export { PacketReader, PacketWriter, PacketFramer, framePacket } from './packet-codec.js';
export { splitStatements } from './sql-splitter.js';
export { localAnswer } from './local-answers.js';

// One listener per composed server (a process may run several servers).
const servers = new WeakMap<object, MysqlProtocolServer>();

/**
 * The MySQL wire protocol on port 4002 (GreptimeDB's). Requires the query
 * service; uses a user provider when one is bound (otherwise any user is
 * accepted) and the catalog, when present, to check `USE db`.
 */
export default definePlugin({
  name: 'protocol-mysql',
  kind: 'protocol',
  description: 'MySQL wire protocol server: text and binary protocols, prepared statements, TLS.',
  provides: [PROTOCOL],
  requires: [QUERY],
  optional: [USER_PROVIDER, CATALOG],
  options: mysqlOptions,
  register(ctx, opts) {
    const server = new MysqlProtocolServer(opts, {
      query: ctx.get(QUERY), users: ctx.tryGet(USER_PROVIDER), catalog: ctx.tryGet(CATALOG), logger: ctx.logger,
    }, ctx.plugin);
    servers.set(ctx.server, server);
    ctx.bind(PROTOCOL, server);
  },
  async start(ctx) { await servers.get(ctx.server)?.start(); },
  async stop(ctx) { await servers.get(ctx.server)?.stop(); },
});
