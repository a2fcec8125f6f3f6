import { performance } from 'node:perf_hooks';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { InvalidArgumentsError, UnsupportedError, type TriggerErrorBehavior, type TriggerInfo, type TriggerService } from '@strata/kernel';
import { databaseFromParam, encodeGreptimeV1, httpSession } from '../sql/sql-handler.js';

type Params = Record<string, string | undefined>;

function header(req: FastifyRequest, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function elapsedMs(req: FastifyRequest): number {
  return Math.round(performance.now() - req.strataStartedAt);
}

function bodyText(req: FastifyRequest): string | undefined {
  return Buffer.isBuffer(req.body) && req.body.length > 0 ? req.body.toString('utf8') : undefined;
}

/** Query parameters plus, on POST, the fields of a form or JSON body (JSON `args` may be an object). */
function requestParams(req: FastifyRequest): { params: Params; args?: Record<string, string> } {
  const params: Params = { ...(req.query as Params) };
  let args: Record<string, string> | undefined;
  const body = bodyText(req);
  if (body !== undefined) {
    const type = (header(req, 'content-type') ?? '').toLowerCase();
    if (type.startsWith('application/json')) {
      let j: Record<string, unknown>;
      try { j = JSON.parse(body) as Record<string, unknown>; } catch (err) {
        throw new InvalidArgumentsError(`invalid JSON body: ${(err as Error).message}`, { cause: err });
      }
      for (const [k, v] of Object.entries(j)) {
        if (k === 'args' && v !== null && typeof v === 'object') {
          args = Object.fromEntries(Object.entries(v as Record<string, unknown>).map(([ak, av]) => [ak, String(av)]));
        } else if (v !== null && v !== undefined) {
          params[k] = String(v);
        }
      }
    } else if (type === '' || type.startsWith('application/x-www-form-urlencoded')) {
      for (const [k, v] of new URLSearchParams(body)) params[k] = v;
    }
  }
  return { params, ...(args ? { args } : {}) };
}

function parseArgs(text: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!text) return out;
  for (const item of text.split(',')) {
    const eq = item.indexOf('=');
    if (eq <= 0) throw new InvalidArgumentsError(`args must be key=value pairs separated by commas, got ${JSON.stringify(item)}`);
    out[item.slice(0, eq).trim()] = item.slice(eq + 1).trim();
  }
  return out;
}

function flag(v: string | undefined, name: string): boolean {
  if (v === undefined || v === '' || v === 'false' || v === '0') return false;
  if (v === 'true' || v === '1') return true;
  throw new InvalidArgumentsError(`${name} must be true or false, got ${JSON.stringify(v)}`);
}

function triggerJson(t: TriggerInfo): Record<string, unknown> {
  return {
    database: t.database, name: t.name, script: t.script, spec: t.spec, args: t.args, disabled: t.disabled, error_behavior: t.errorBehavior,
    created_ms: t.createdAtMs, runs: t.runs, failures: t.failures, dropped: t.dropped, skipped: t.skipped, queued: t.queued,
    last_run_ms: t.lastRunAtMs ?? null, last_error: t.lastError ?? null,
  };
}

const affected = (req: FastifyRequest, reply: FastifyReply, n: number) => reply.code(200).header('content-type', 'application/json')
  .send(`{"output":[{"affectedrows":${n}}],"execution_time_ms":${elapsedMs(req)}}`);

/**
 * Script triggers over HTTP (a Strata addition; InfluxDB 3's processing
 * engine has the same three kinds), served when a coprocessor plugin
 * provides TRIGGERS:
 *
 * - `POST /v1/triggers?db=&name=&script=&spec=[&args=k=v,...][&disabled=true][&error_behavior=log|disable][&replace=true]`
 *   (or the same fields as a form or JSON body) creates one;
 * - `DELETE /v1/triggers?db=&name=` drops one (affectedrows 0 when missing);
 * - `POST /v1/triggers/enable|disable?db=&name=`;
 * - `GET /v1/triggers[?db=]` lists them with their counters;
 * - any method on `/v1/engine/<path>` runs the request trigger bound to
 *   `request:<path>`; its query parameters (and `body`, `method`) reach the
 *   script as **kwargs and its output is answered like /v1/sql.
 */
export function registerTriggerRoutes(app: FastifyInstance, service: TriggerService | undefined): void {
  const triggers = (): TriggerService => {
    if (!service) throw new UnsupportedError('Triggers are not enabled: add the coprocessor-python plugin to the config');
    return service;
  };
  const database = (req: FastifyRequest, p: Params) => databaseFromParam(header(req, 'x-greptime-db-name') || p.db);

  app.post('/v1/triggers', async (req, reply) => {
    const { params: p, args } = requestParams(req);
    if (!p.name) throw new InvalidArgumentsError('name parameter is required.');
    if (!p.script) throw new InvalidArgumentsError('script parameter is required (the name of a stored script).');
    const spec = p.spec ?? p.trigger_spec;
    if (!spec) throw new InvalidArgumentsError('spec parameter is required (table:<name>, all_tables, every:<duration>, cron:<expression> or request:<path>).');
    await triggers().create({
      database: database(req, p), name: p.name, script: p.script, spec,
      args: args ?? parseArgs(p.args), disabled: flag(p.disabled, 'disabled'), replace: flag(p.replace, 'replace'),
      ...(p.error_behavior ? { errorBehavior: p.error_behavior as TriggerErrorBehavior } : {}),
    });
    return affected(req, reply, 1);
  });
  app.delete('/v1/triggers', async (req, reply) => {
    const p = req.query as Params;
    if (!p.name) throw new InvalidArgumentsError('name parameter is required.');
    return affected(req, reply, (await triggers().drop(database(req, p), p.name)) ? 1 : 0);
  });
  for (const action of ['enable', 'disable'] as const) {
    app.post(`/v1/triggers/${action}`, async (req, reply) => {
      const { params: p } = requestParams(req);
      if (!p.name) throw new InvalidArgumentsError('name parameter is required.');
      return affected(req, reply, (await triggers().setEnabled(database(req, p), p.name, action === 'enable')) ? 1 : 0);
    });
  }
  app.get('/v1/triggers', async (req, reply) => {
    const p = req.query as Params;
    const db = header(req, 'x-greptime-db-name') || p.db;
    const list = triggers().list(db || undefined).map(triggerJson);
    return reply.code(200).header('content-type', 'application/json')
      .send(JSON.stringify({ triggers: list, execution_time_ms: elapsedMs(req) }));
  });

  app.all('/v1/engine/*', async (req, reply) => {
    const path = (req.params as Params)['*'] ?? '';
    const params: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.query as Record<string, unknown>)) {
      if (typeof v === 'string') params[k] = v;
      else if (Array.isArray(v) && typeof v[v.length - 1] === 'string') params[k] = v[v.length - 1] as string;
    }
    const body = bodyText(req);
    const session = httpSession('public', header(req, 'x-greptime-timezone'), req.strataUser);
    const out = await triggers().request(path, { method: req.method, params, ...(body !== undefined ? { body } : {}) }, session);
    const batches = [];
    let rows = 0;
    if (out.kind === 'records') for await (const b of out.batches) { batches.push(b); rows += b.numRows; }
    const collected = out.kind === 'records' ? { ...out, batches, rows } : out;
    return reply.code(200).header('content-type', 'application/json').send(encodeGreptimeV1([collected], elapsedMs(req)));
  });
}
