import { isUtf8 } from 'node:buffer';
import { performance } from 'node:perf_hooks';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import {
  createSession, DeadlineExceededError, InvalidArgumentsError, parseApiDuration, parseApiTime, UnsupportedError,
  type InsertRequest, type Logger, type Metrics, type PromqlService, type QueryService, type QueryTimings, type ScriptService, type ServerInfo, type TriggerService, type UserProvider,
} from '@strata/kernel';
import { mapHttpError, PayloadTooLargeError } from '../errors.js';
import { BodyChunks, useBodyChunks } from '../ingest/body-chunks.js';
import type { InsertSource, LineProtocolParsePool } from '../ingest/line-protocol-parse-pool.js';
import { LineProtocolParser, parsePrecision } from '../influxdb/line-protocol-parser.js';
import { parseOpentsdbPut } from '../opentsdb/opentsdb-parser.js';
import type { ProtocolHttpOptions } from '../options.js';
import { answerRemoteRead } from '../prometheus/remote-read-handler.js';
import { decodeRemoteWrite } from '../prometheus/remote-write.js';
import { snappyDecompress } from '../prometheus/snappy.js';
import {
  databaseFromParam, encodeArrow, encodeCsv, encodeGreptimeV1, httpSession, parseSqlFormat, runSql, serverTimingHeader, timeoutFromHeader,
} from '../sql/sql-handler.js';
import { decodeContentEncoding } from './body-decoder.js';
import { ConcurrencyLimiter } from './concurrency-limiter.js';
import { authenticateRequest } from './http-auth.js';
import { registerTriggerRoutes } from './trigger-routes.js';

/** What the HTTP app needs from the server it runs in. */
export interface HttpAppDeps {
  readonly query: QueryService;
  readonly userProvider?: UserProvider;
  /** Stored Python scripts (/v1/scripts, /v1/run-script), when a coprocessor plugin provides SCRIPTS. */
  readonly scripts?: ScriptService;
  /** Script triggers (/v1/triggers, /v1/engine/<path>), when a coprocessor plugin provides TRIGGERS. */
  readonly triggers?: TriggerService;
  /** The kernel PROMQL service (Prometheus HTTP API under /v1/prometheus/api/v1), looked up per request. */
  readonly promql?: () => PromqlService | undefined;
  readonly metrics: Metrics;
  readonly logger: Logger;
  readonly server: ServerInfo;
  readonly options: ProtocolHttpOptions;
  readonly https?: { readonly cert: Buffer; readonly key: Buffer };
  /** Worker pool for large line-protocol bodies (started and stopped by the plugin). */
  readonly parsePool?: LineProtocolParsePool;
  /** Extra facts for /status (plugins, protocols). */
  readonly status?: () => Record<string, unknown>;
}

declare module 'fastify' {
  interface FastifyRequest {
    strataStartedAt: number;
    strataSlot: boolean;
    strataUser?: string;
  }
}

type Query = Record<string, string | undefined>;

function header(req: FastifyRequest, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function elapsedMs(req: FastifyRequest): number {
  return Math.round(performance.now() - req.strataStartedAt);
}

/** `sql`, `db`, `format` from the query string and, for POST, an urlencoded form body. */
function sqlParams(req: FastifyRequest): Query {
  const params: Query = { ...(req.query as Query) };
  if (req.method === 'POST' && Buffer.isBuffer(req.body) && req.body.length > 0) {
    const type = (header(req, 'content-type') ?? '').toLowerCase();
    if (type === '' || type.startsWith('application/x-www-form-urlencoded')) {
      for (const [k, v] of new URLSearchParams(req.body.toString('utf8'))) params[k] = v;
    } else if (type.startsWith('application/json')) {
      try {
        const j = JSON.parse(req.body.toString('utf8')) as Record<string, unknown>;
        for (const k of ['sql', 'db', 'format']) if (typeof j[k] === 'string') params[k] = j[k] as string;
      } catch (err) {
        throw new InvalidArgumentsError(`invalid JSON body: ${(err as Error).message}`, { cause: err });
      }
    } else if (type.startsWith('text/plain')) {
      params.sql ??= req.body.toString('utf8');
    }
  }
  return params;
}

/** The database of an ingest request: `x-greptime-db-name`, then `db` (and `bucket` for InfluxDB v2). */
function ingestDatabase(req: FastifyRequest, v2 = false): string {
  const q = req.query as Query;
  const db = header(req, 'x-greptime-db-name') || q.db || (v2 ? q.bucket : undefined);
  return databaseFromParam(db || undefined);
}

/**
 * Builds the Fastify app of the HTTP protocol: routes, authentication,
 * concurrency limit and GreptimeDB-shaped errors. It does not listen;
 * HttpProtocolServer does.
 */
export function buildHttpApp(deps: HttpAppDeps): FastifyInstance {
  const { options, query, metrics, logger } = deps;
  const app = Fastify({
    logger: false,
    bodyLimit: options.bodyLimit,
    requestTimeout: options.requestTimeout,
    keepAliveTimeout: options.keepAliveTimeout,
    forceCloseConnections: 'idle',
    return503OnClosing: true,
    routerOptions: { ignoreTrailingSlash: true },
    ...(deps.https ? { https: { cert: deps.https.cert, key: deps.https.key } } : {}),
  } as Parameters<typeof Fastify>[0]) as unknown as FastifyInstance;

  const limiter = new ConcurrencyLimiter({
    max: options.maxConcurrentRequests, maxQueued: options.maxQueuedRequests,
    queueTimeoutMs: options.queueTimeout, retryAfterMs: options.retryAfter,
  });
  const requests = metrics.counter('strata_http_requests_total', 'HTTP requests by route, method and status', ['path', 'method', 'code']);
  const duration = metrics.histogram('strata_http_request_duration_seconds', 'HTTP request latency', ['path', 'method'],
    [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10]);
  const inflight = metrics.gauge('strata_http_requests_in_flight', 'HTTP requests being served');
  const ingestRows = metrics.counter('strata_ingest_rows_total', 'Rows ingested by protocol', ['protocol']);
  const authFailures = metrics.counter('strata_http_auth_failures_total', 'HTTP authentication failures by code', ['code']);

  // One raw-body parser for every content type: each route decodes what it
  // expects (form, JSON, line protocol, snappy protobuf) itself, after gzip.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));

  const sendError = (req: FastifyRequest, reply: FastifyReply, err: unknown, forceStatus?: number) => {
    const m = mapHttpError(err);
    if (m.httpStatus >= 500 && !(m.error.code === 'DEADLINE_EXCEEDED' || m.error.code === 'RATE_LIMITED')) {
      logger.error({ err: m.error, cause: m.error.cause instanceof Error ? m.error.cause.message : undefined, url: req.url }, 'HTTP request failed');
    }
    if (m.retryAfterSeconds !== undefined) reply.header('retry-after', String(m.retryAfterSeconds));
    reply.code(forceStatus ?? m.httpStatus)
      .header('content-type', 'application/json')
      .header('x-greptime-err-code', String(m.error.status))
      .send(JSON.stringify({ code: m.error.status, error: m.error.message, execution_time_ms: req.strataStartedAt ? elapsedMs(req) : 0 }));
  };

  const release = (req: FastifyRequest) => {
    if (req.strataSlot) { req.strataSlot = false; limiter.release(); inflight.dec(); }
  };

  app.addHook('onRequest', async (req, reply) => {
    req.strataStartedAt = performance.now();
    req.strataSlot = false;
    const path = req.url.split('?', 1)[0]!;
    if (path !== '/health') {
      try {
        await limiter.acquire();
      } catch (err) {
        sendError(req, reply, err);
        return reply;
      }
      req.strataSlot = true;
      inflight.inc();
      // Released when the response ends however it ends (sent, failed, or the
      // client went away), so an aborted request never keeps its slot.
      reply.raw.once('close', () => release(req));
    }
    if (deps.userProvider) {
      try {
        const user = await authenticateRequest(deps.userProvider, path, req.headers, (req.query ?? {}) as Record<string, unknown>);
        req.strataUser = user?.username;
      } catch (err) {
        const m = mapHttpError(err);
        authFailures.inc({ code: String(m.error.status) });
        // GreptimeDB answers every authentication failure with 401.
        sendError(req, reply, err, 401);
        return reply;
      }
    }
    return undefined;
  });

  app.addHook('onResponse', async (req, reply) => {
    release(req);
    const path = req.routeOptions.url ?? 'unmatched';
    requests.inc({ path, method: req.method, code: String(reply.statusCode) });
    duration.observe({ path, method: req.method }, (performance.now() - req.strataStartedAt) / 1000);
  });

  app.setErrorHandler((err: Error & { code?: string; statusCode?: number }, req, reply) => {
    if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return sendError(req, reply, new PayloadTooLargeError(`request body is larger than the limit of ${options.bodyLimit} bytes`));
    if (typeof err.code === 'string' && err.code.startsWith('FST_') && typeof err.statusCode === 'number') {
      return sendError(req, reply, new InvalidArgumentsError(err.message), err.statusCode);
    }
    return sendError(req, reply, err);
  });
  app.setNotFoundHandler((req, reply) => sendError(req, reply, new UnsupportedError(`Not found: ${req.method} ${req.url.split('?', 1)[0]}`), 404));

  // ---- admin ----
  const health = async (_req: FastifyRequest, reply: FastifyReply) => reply.code(200).send({});
  app.get('/health', health);
  app.post('/health', health);
  app.get('/ready', health);

  app.get('/status', async (_req, reply) => {
    const s = deps.server;
    reply.send({
      name: s.name,
      version: s.version,
      uptime_seconds: Math.round((Date.now() - s.startedAtMs) / 1000),
      started_at: new Date(s.startedAtMs).toISOString(),
      config: s.configSource,
      ...(deps.status?.() ?? {}),
    });
  });

  app.get('/metrics', async (_req, reply) => {
    reply.header('content-type', 'text/plain; version=0.0.4; charset=utf-8').send(await metrics.text());
  });

  // ---- SQL ----
  const sqlHandler = async (req: FastifyRequest, reply: FastifyReply) => {
    const params = sqlParams(req);
    const format = parseSqlFormat(params.format);
    const sql = params.sql;
    if (!sql || sql.trim() === '') throw new InvalidArgumentsError('sql parameter is required.');
    const session = httpSession(databaseFromParam(header(req, 'x-greptime-db-name') || params.db), header(req, 'x-greptime-timezone'), req.strataUser);
    const timeoutMs = timeoutFromHeader(header(req, 'x-greptime-timeout'), options.requestTimeout);
    const aborted = new AbortController();
    // The response's 'close' before it finished means the client went away: cancel the query.
    reply.raw.once('close', () => { if (!reply.raw.writableFinished) aborted.abort(); });
    const timings: QueryTimings = { parseMs: 0, planMs: 0 };
    const t0 = performance.now();
    const outputs = await runSql(query, sql, session, timeoutMs, aborted.signal, timings);
    const t1 = performance.now();
    const ms = elapsedMs(req);
    let type: string;
    let body: string | Buffer;
    switch (format) {
      case 'greptimedb_v1':
        type = 'application/json';
        body = encodeGreptimeV1(outputs, ms);
        break;
      case 'arrow': {
        const stream = (header(req, 'accept') ?? '').includes('application/vnd.apache.arrow.stream');
        type = stream ? 'application/vnd.apache.arrow.stream' : 'application/arrow';
        body = Buffer.from(encodeArrow(outputs, stream ? 'stream' : 'file'));
        break;
      }
      default:
        type = 'text/csv; charset=utf-8';
        body = encodeCsv(outputs, format !== 'csv', format === 'csvwithnamesandtypes');
    }
    const t2 = performance.now();
    return reply.code(200).header('x-greptime-execution-time', String(ms)).header('x-greptime-format', format)
      .header('server-timing', serverTimingHeader(timings, t1 - t0, t2 - t1, t2 - req.strataStartedAt))
      .header('content-type', type).send(body);
  };
  app.get('/v1/sql', sqlHandler);
  app.post('/v1/sql', sqlHandler);

  // ---- Python scripts (GreptimeDB's /v1/scripts and /v1/run-script) ----
  const scripts = (): ScriptService => {
    if (!deps.scripts) throw new UnsupportedError('Python scripts are not enabled: add the coprocessor-python plugin to the config');
    return deps.scripts;
  };
  app.post('/v1/scripts', async (req, reply) => {
    const q = req.query as Query;
    if (!q.name) throw new InvalidArgumentsError('name parameter is required.');
    const source = Buffer.isBuffer(req.body) ? req.body.toString('utf8') : '';
    if (source.trim() === '') throw new InvalidArgumentsError('the script is required as the request body.');
    await scripts().submit(databaseFromParam(header(req, 'x-greptime-db-name') || q.db), q.name, source);
    return reply.code(200).header('content-type', 'application/json').send(`{"output":[],"execution_time_ms":${elapsedMs(req)}}`);
  });
  // Deletes a stored script by name (a Strata addition: GreptimeDB only deletes through its
  // scripts table). Deleting a missing script answers affectedrows 0, like SQL DELETE.
  app.delete('/v1/scripts', async (req, reply) => {
    const q = req.query as Query;
    if (!q.name) throw new InvalidArgumentsError('name parameter is required.');
    const deleted = await scripts().delete(databaseFromParam(header(req, 'x-greptime-db-name') || q.db), q.name);
    return reply.code(200).header('content-type', 'application/json')
      .send(`{"output":[{"affectedrows":${deleted ? 1 : 0}}],"execution_time_ms":${elapsedMs(req)}}`);
  });
  app.post('/v1/run-script', async (req, reply) => {
    const q = req.query as Query;
    if (!q.name) throw new InvalidArgumentsError('name parameter is required.');
    const database = databaseFromParam(header(req, 'x-greptime-db-name') || q.db);
    // every other query parameter reaches the script as **kwargs (strings)
    const params: Record<string, string> = {};
    for (const [k, v] of Object.entries(q)) if (k !== 'db' && k !== 'name' && typeof v === 'string') params[k] = v;
    const out = await scripts().run(database, q.name, params, httpSession(database, header(req, 'x-greptime-timezone'), req.strataUser));
    const batches = [];
    let rows = 0;
    if (out.kind === 'records') for await (const b of out.batches) { batches.push(b); rows += b.numRows; }
    const collected = out.kind === 'records' ? { ...out, batches, rows } : out;
    return reply.code(200).header('content-type', 'application/json').send(encodeGreptimeV1([collected], elapsedMs(req)));
  });

  // ---- script triggers (/v1/triggers, /v1/engine/<path>) ----
  registerTriggerRoutes(app, deps.triggers);

  // ---- ingest ----
  const insert = async (req: FastifyRequest, protocol: string, database: string, tables: readonly InsertSource[]): Promise<number> => {
    if (tables.length === 0) return 0;
    const requests: InsertRequest[] = tables.map((t) => t.build(database));
    const session = createSession({ channel: protocol, database, user: req.strataUser });
    const timeoutMs = timeoutFromHeader(header(req, 'x-greptime-timeout'), options.requestTimeout);
    let timer: NodeJS.Timeout | undefined;
    const work = query.insert(requests, session);
    try {
      const rows = timeoutMs > 0
        ? await Promise.race([work, new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new DeadlineExceededError(`${protocol} write exceeded its timeout of ${timeoutMs} ms`)), timeoutMs);
        })])
        : await work;
      ingestRows.inc({ protocol }, rows);
      return rows;
    } finally {
      if (timer) clearTimeout(timer);
      work.catch(() => undefined);
    }
  };

  const rawBody = async (req: FastifyRequest): Promise<Buffer> => {
    const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    return decodeContentEncoding(body, header(req, 'content-encoding'), options.decompressedBodyLimit);
  };

  const influxWrite = (v2: boolean) => async (req: FastifyRequest, reply: FastifyReply) => {
    const q = req.query as Query;
    const precision = parsePrecision(q.precision);
    const pool = deps.parsePool;
    const chunks = req.body instanceof BodyChunks ? req.body : undefined;
    const encoding = (header(req, 'content-encoding') ?? '').trim().toLowerCase();
    let tables: readonly InsertSource[];
    if (chunks && pool?.running && (encoding === '' || encoding === 'identity') && chunks.length >= options.parseWorkerMinBytes) {
      // Large plain bodies go to a parse worker as their socket chunks (never joined here).
      tables = await pool.parse(chunks.chunks, { precision, maxCells: options.maxWriteCells });
    } else {
      const body = chunks
        ? await decodeContentEncoding(chunks.concat(), header(req, 'content-encoding'), options.decompressedBodyLimit)
        : await rawBody(req);
      tables = pool?.running && body.length >= options.parseWorkerMinBytes
        ? await pool.parse(body, { precision, maxCells: options.maxWriteCells })
        : new LineProtocolParser({ precision, maxCells: options.maxWriteCells }).parse(body);
    }
    await insert(req, 'influxdb', ingestDatabase(req, v2), tables);
    return reply.code(204).send();
  };
  // Their own context: bodies arrive as socket chunks (BodyChunks), not joined.
  app.register(async (influx) => {
    useBodyChunks(influx, options.bodyLimit);
    influx.post('/v1/influxdb/write', influxWrite(false));
    influx.post('/v1/influxdb/api/v2/write', influxWrite(true));
  });
  const ping = async (_req: FastifyRequest, reply: FastifyReply) => reply.code(204).header('x-influxdb-version', deps.server.version).send();
  app.get('/v1/influxdb/ping', ping);
  app.get('/v1/influxdb/health', async (_req, reply) => reply.code(200).send({ checks: [], message: 'ready for queries and writes', name: 'influxdb', status: 'pass', version: deps.server.version }));

  app.post('/v1/opentsdb/api/put', async (req, reply) => {
    const body = await rawBody(req);
    // Checked before decoding: toString would turn bad bytes into U+FFFD silently.
    if (!isUtf8(body)) throw new InvalidArgumentsError('invalid OpenTSDB JSON request: the body is not valid UTF-8');
    const tables = parseOpentsdbPut(body.toString('utf8'), options.maxWriteCells);
    const rows = await insert(req, 'opentsdb', ingestDatabase(req), tables);
    const q = req.query as Query;
    if (q.summary !== undefined || q.details !== undefined) {
      return reply.code(200).send({ success: rows, failed: 0, ...(q.details !== undefined ? { errors: [] } : {}) });
    }
    return reply.code(204).send();
  });

  const snappyBody = (req: FastifyRequest): Buffer => {
    const enc = (header(req, 'content-encoding') ?? 'snappy').toLowerCase();
    if (enc !== 'snappy') throw new InvalidArgumentsError(`unsupported Content-Encoding '${enc}' (Prometheus remote storage uses snappy)`);
    const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    return snappyDecompress(body, options.decompressedBodyLimit);
  };

  app.post('/v1/prometheus/write', async (req, reply) => {
    const type = header(req, 'content-type') ?? '';
    if (type.includes('io.prometheus.write.v2')) throw new UnsupportedError('Prometheus remote write 2.0 is not supported; configure protobuf_message: prometheus.WriteRequest');
    const tables = decodeRemoteWrite(snappyBody(req), options.maxWriteCells);
    await insert(req, 'prometheus', ingestDatabase(req), tables);
    return reply.code(204).send();
  });

  // ---- Prometheus HTTP API (PromQL) through the kernel PROMQL service ----
  // GreptimeDB serves it under /v1/prometheus/api/v1/ (Grafana's data source
  // URL is http://host:4000/v1/prometheus); answers use Prometheus's JSON
  // envelope and error types, not the /v1/sql shape.
  const promqlApi = async (req: FastifyRequest, reply: FastifyReply) => {
    const service = deps.promql?.();
    const send = (status: number, body: unknown) => reply.code(status).header('content-type', 'application/json').send(JSON.stringify(body));
    if (!service) return send(501, { status: 'error', errorType: 'unavailable', error: 'PromQL is not enabled in this server' });
    const params: Record<string, string | string[]> = {};
    const add = (k: string, v: string) => {
      const prev = params[k];
      if (prev === undefined) params[k] = v;
      else if (Array.isArray(prev)) prev.push(v);
      else params[k] = [prev, v];
    };
    const qIndex = req.url.indexOf('?');
    if (qIndex >= 0) for (const [k, v] of new URLSearchParams(req.url.slice(qIndex + 1))) add(k, v);
    if (req.method === 'POST' && Buffer.isBuffer(req.body) && req.body.length > 0) {
      const type = (header(req, 'content-type') ?? '').toLowerCase();
      if (type === '' || type.startsWith('application/x-www-form-urlencoded')) for (const [k, v] of new URLSearchParams(req.body.toString('utf8'))) add(k, v);
    }
    const dbParam = params.db;
    const database = databaseFromParam(header(req, 'x-greptime-db-name') || (Array.isArray(dbParam) ? dbParam[0] : dbParam) || undefined);
    const aborted = new AbortController();
    reply.raw.once('close', () => { if (!reply.raw.writableFinished) aborted.abort(); });
    const endpoint = (req.params as { '*': string })['*'];
    const res = await service.handleApi(endpoint, params, { database, signal: aborted.signal });
    // Query answers come already encoded (no object per point to stringify).
    if (res.json !== undefined) return reply.code(res.status).header('content-type', 'application/json').send(res.json);
    return send(res.status, res.body);
  };
  app.get('/v1/prometheus/api/v1/*', promqlApi);
  app.post('/v1/prometheus/api/v1/*', promqlApi);

  // GreptimeDB's own PromQL endpoint: a range query answered in the /v1/sql shape.
  const promqlFrame = async (req: FastifyRequest, reply: FastifyReply) => {
    const service = deps.promql?.();
    if (!service) throw new UnsupportedError('PromQL is not enabled in this server');
    const params = sqlParams(req);
    const need = (name: string): string => {
      const v = params[name];
      if (!v) throw new InvalidArgumentsError(`${name} parameter is required.`);
      return v;
    };
    const query = need('query');
    const time = (name: string): number => {
      try { return parseApiTime(need(name), name); } catch (err) { throw new InvalidArgumentsError(`invalid ${name}: ${(err as Error).message}`, { cause: err }); }
    };
    const startMs = time('start'); const endMs = time('end');
    let stepMs: number;
    try { stepMs = parseApiDuration(need('step'), 'step'); } catch (err) { throw new InvalidArgumentsError(`invalid step: ${(err as Error).message}`, { cause: err }); }
    if (!(stepMs > 0)) throw new InvalidArgumentsError('step must be positive');
    if (endMs < startMs) throw new InvalidArgumentsError('end must not be before start');
    const lookback = params.lookback;
    const aborted = new AbortController();
    reply.raw.once('close', () => { if (!reply.raw.writableFinished) aborted.abort(); });
    const out = await service.evaluateTql({
      startMs, endMs, stepMs, query, database: databaseFromParam(header(req, 'x-greptime-db-name') || params.db), signal: aborted.signal,
      ...(lookback ? { lookbackMs: parseApiDuration(lookback, 'lookback') } : {}),
    });
    const batches = [];
    let rows = 0;
    if (out.kind === 'records') for await (const b of out.batches) { batches.push(b); rows += b.numRows; }
    const collected = out.kind === 'records' ? { ...out, batches, rows } : out;
    return reply.code(200).header('content-type', 'application/json').send(encodeGreptimeV1([collected], elapsedMs(req)));
  };
  app.get('/v1/promql', promqlFrame);
  app.post('/v1/promql', promqlFrame);

  app.post('/v1/prometheus/read', async (req, reply) => answerRemoteRead(reply, snappyBody(req), {
    query,
    session: createSession({ channel: 'prometheus', database: ingestDatabase(req), user: req.strataUser }),
    timeoutMs: timeoutFromHeader(header(req, 'x-greptime-timeout'), options.requestTimeout),
  }));

  return app;
}
