import 'reflect-metadata';
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { definePlugin, InvalidArgumentsError, PROMQL, PROTOCOL, QUERY, SCRIPTS, TRIGGERS, USER_PROVIDER, WAL, type Wal } from '@strata/kernel';
import { buildHttpApp } from './http/http-app.js';
import { HttpProtocolServer } from './http/http-protocol-server.js';
import { LineProtocolParsePool } from './ingest/line-protocol-parse-pool.js';
import { protocolHttpOptions } from './options.js';

export { buildHttpApp, type HttpAppDeps } from './http/http-app.js';
export { HttpProtocolServer } from './http/http-protocol-server.js';
export { LineProtocolParsePool, TransferredTable, type InsertSource, type LineProtocolParsePoolOptions } from './ingest/line-protocol-parse-pool.js';
export { LineProtocolParser, parsePrecision, INFLUXDB_TIMESTAMP_COLUMN, type Precision } from './influxdb/line-protocol-parser.js';
export { parseOpentsdbPut } from './opentsdb/opentsdb-parser.js';
export { decodeRemoteWrite } from './prometheus/remote-write.js';
export {
  compareLabels, decodeReadRequest, decodeReadRequestMessage, encodeReadResponse, negotiateResponseType, readSeriesOf, ResponseType, type ReadRequest, type ReadSeries,
} from './prometheus/remote-read.js';
export {
  CHUNK_ENCODING_XOR, CHUNKED_READ_CONTENT_TYPE, chunkedReadFrames, crc32c, DEFAULT_MAX_BYTES_IN_FRAME, encodeChunkedFrame, MAX_SAMPLES_PER_CHUNK, XorChunkEncoder, type ChunkSource,
} from './prometheus/remote-read-chunks.js';
export { snappyCompress, snappyDecompress } from './prometheus/snappy.js';
export { ProtoReader, ProtoWriter } from './prometheus/protobuf.js';
export * from './errors.js';
export * from './options.js';

const servers = new WeakMap<object, HttpProtocolServer>();
const parsePools = new WeakMap<object, LineProtocolParsePool>();

/**
 * The line-protocol parse pool behind a protocol-http PROTOCOL binding, when
 * it has one (tests, diagnostics): `parsePoolOf(strata.getAll(PROTOCOL)[0])`.
 */
export function parsePoolOf(protocolServer: object): LineProtocolParsePool | undefined {
  return parsePools.get(protocolServer);
}

function readPem(file: string, what: string): Buffer {
  try {
    return readFileSync(path.resolve(file));
  } catch (err) {
    throw new InvalidArgumentsError(`protocol-http: cannot read TLS ${what} ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`, { cause: err });
  }
}

/** `/status`'s `wal` entry: the WAL's name and whatever health it reports (a replicated WAL's nodes and degraded regions). */
function walStatus(wal: Wal | undefined): { wal?: Record<string, unknown> } {
  if (!wal) return {};
  let health: Readonly<Record<string, unknown>> = {};
  try {
    health = wal.status?.() ?? {};
  } catch (err) {
    health = { error: (err as Error).message };
  }
  return { wal: { name: wal.name, ...health } };
}

/**
 * The HTTP protocol plugin: GreptimeDB's HTTP API on port 4000 — /v1/sql,
 * InfluxDB line protocol, OpenTSDB, Prometheus remote write/read, /health,
 * /status, /metrics — with optional Basic auth (when a USER_PROVIDER is
 * bound) and TLS.
 */
export default definePlugin({
  name: 'protocol-http',
  kind: 'protocol',
  description: 'GreptimeDB-compatible HTTP API (SQL, InfluxDB, OpenTSDB, Prometheus remote storage).',
  provides: [PROTOCOL],
  requires: [QUERY],
  optional: [USER_PROVIDER, SCRIPTS, TRIGGERS, PROMQL, WAL],
  options: protocolHttpOptions,
  register(ctx, opts) {
    const { cert, key } = opts.tls ?? {};
    if ((cert === undefined) !== (key === undefined)) throw new InvalidArgumentsError("protocol-http: TLS needs both 'tls.cert' and 'tls.key'");
    const https = cert && key ? { cert: readPem(cert, 'certificate'), key: readPem(key, 'key') } : undefined;
    const userProvider = ctx.tryGet(USER_PROVIDER);
    let server: HttpProtocolServer | undefined;
    // Threads are started in start(); 0 or 1 worker parses on the event loop.
    const workers = opts.parseWorkers ?? Math.min(2, availableParallelism());
    const parsePool = workers > 1
      ? new LineProtocolParsePool({ workers, maxQueued: opts.parseQueueLength, retryAfterMs: opts.retryAfter, logger: ctx.logger })
      : undefined;
    const app = buildHttpApp({
      query: ctx.get(QUERY),
      userProvider,
      scripts: ctx.tryGet(SCRIPTS),
      triggers: ctx.tryGet(TRIGGERS),
      promql: () => ctx.tryGet(PROMQL),
      metrics: ctx.metrics,
      logger: ctx.logger,
      server: ctx.server,
      options: opts,
      https,
      parsePool,
      status: () => {
        return {
          ...(ctx.server.plugins ? { plugins: ctx.server.plugins } : {}),
          protocols: ctx.getAll(PROTOCOL).map((p) => ({ name: p.name, addresses: p.addresses().map((a) => a.url), connections: p.connections() })),
          auth: userProvider ? userProvider.name : 'off',
          ...walStatus(ctx.tryGet(WAL)),
        };
      },
    });
    server = new HttpProtocolServer(app, { host: opts.host, port: opts.port, tls: !!https, shutdownGraceMs: opts.shutdownGrace });
    servers.set(ctx.server, server);
    if (parsePool) parsePools.set(server, parsePool);
    ctx.bind(PROTOCOL, server);
  },
  async start(ctx) {
    const server = servers.get(ctx.server)!;
    const pool = parsePools.get(server);
    await pool?.start();
    try {
      await server.start();
    } catch (err) {
      await pool?.stop();
      throw err;
    }
    ctx.logger.info({ url: server.addresses()[0]?.url }, 'http listening');
  },
  async stop(ctx) {
    try {
      await servers.get(ctx.server)?.stop();
    } finally {
      // After the HTTP server drained: requests in flight may still be parsing.
      const server = servers.get(ctx.server);
      if (server) await parsePools.get(server)?.stop();
    }
  },
});
