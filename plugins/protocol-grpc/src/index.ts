import { readFileSync } from 'node:fs';
import path from 'node:path';
import { definePlugin, InvalidArgumentsError, PROTOCOL, QUERY, USER_PROVIDER } from '@strata/kernel';
import { GrpcProtocolServer } from './grpc-protocol-server.js';
import { protocolGrpcOptions } from './options.js';

export { GrpcProtocolServer, type GrpcServerDeps } from './grpc-protocol-server.js';
export { splitIpcStream, schemaMessage, recordBatchMessages, encapsulatedSchema, frameMessage, IPC_END_OF_STREAM, type IpcMessage } from './flight-data.js';
export { decodeRowInsertRequests } from './row-insert-decoder.js';
export { decodeGreptimeRequest, type GreptimeRequestMessage } from './greptime-request-decoder.js';
export { rowInsertToInsertRequest, recordBatchToInsertRequest, COLUMN_DATA_TYPES, type RowInsertMessage } from './row-insert.js';
export { messageCodec, serviceDefinition, protoRoot, PROTOS_DIR, GREPTIME_PROTO, FLIGHT_PROTO, type MessageCodec } from './proto-codec.js';
export * from './errors.js';
export * from './options.js';

const servers = new WeakMap<object, GrpcProtocolServer>();

function readPem(file: string, what: string): Buffer {
  try {
    return readFileSync(path.resolve(file));
  } catch (err) {
    throw new InvalidArgumentsError(`protocol-grpc: cannot read TLS ${what} ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`, { cause: err });
  }
}

/**
 * The gRPC protocol plugin on port 4001: GreptimeDB's GreptimeDatabase
 * service (row inserts, SQL) and Arrow Flight (DoGet SQL -> Arrow IPC,
 * DoPut Arrow -> ingest), with Basic auth through the shared USER_PROVIDER
 * and optional TLS.
 */
export default definePlugin({
  name: 'protocol-grpc',
  kind: 'protocol',
  description: 'GreptimeDB-compatible gRPC: GreptimeDatabase row inserts and SQL, Arrow Flight DoGet/DoPut.',
  provides: [PROTOCOL],
  requires: [QUERY],
  optional: [USER_PROVIDER],
  options: protocolGrpcOptions,
  register(ctx, opts) {
    const { cert, key } = opts.tls ?? {};
    if ((cert === undefined) !== (key === undefined)) throw new InvalidArgumentsError("protocol-grpc: TLS needs both 'tls.cert' and 'tls.key'");
    const tls = cert && key ? { cert: readPem(cert, 'certificate'), key: readPem(key, 'key') } : undefined;
    const server = new GrpcProtocolServer({
      query: ctx.get(QUERY),
      userProvider: ctx.tryGet(USER_PROVIDER),
      logger: ctx.logger,
      host: opts.host,
      port: opts.port,
      maxMessageSizeBytes: opts.maxMessageSize,
      requestTimeoutMs: opts.requestTimeout,
      shutdownGraceMs: opts.shutdownGrace,
      tls,
    });
    servers.set(ctx.server, server);
    ctx.bind(PROTOCOL, server);
  },
  async start(ctx) {
    const server = servers.get(ctx.server)!;
    await server.start();
    ctx.logger.info({ url: server.addresses()[0]?.url }, 'grpc listening');
  },
  async stop(ctx) {
    await servers.get(ctx.server)?.stop();
  },
});
