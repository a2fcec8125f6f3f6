import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { StrataServer, type PluginDefinition } from '@strata/kernel';
import coprocessorPython from '@strata/coprocessor-python';
import engineLsm from '@strata/engine-lsm';
import protocolHttp from '@strata/protocol-http';
import storeFs from '@strata/store-fs';
import walLocal from '@strata/wal-local';

type Json = Record<string, unknown>;
interface Answer { status: number; body: Json; text: string }

/** Copies the rows of each written cpu batch whose usage is above `threshold` into `hot`, with query(). */
const COPY_HOT = `from greptime import query

@copr(args=["host", "usage", "greptime_timestamp"], returns=["copied"])
def copy_hot(host, usage, ts, **kwargs) -> vector[i64]:
    limit = float(kwargs["threshold"])
    values = [f"('{h}', {u}, {t // 1000000})" for h, u, t in zip(host, usage, ts) if u > limit]
    if values:
        query().sql("INSERT INTO hot (host, usage, ts) VALUES " + ", ".join(values))
    return vector([len(values)])
`;
const FAILING = '@copr(args=["v"], returns=["r"])\ndef failing(v):\n    x = 1\n    raise ValueError("bad batch")\n';
const SLOW = `import time

@copr(args=["v"], returns=["r"])
def slow(v):
    t = time.time()
    while time.time() - t < 1.5:
        pass
    return v
`;
/** Appends one row to kwargs target, at the scheduled time. */
const TICK = `from greptime import query

@copr(returns=["n"])
def tick(**kwargs) -> vector[i64]:
    query().sql(f"INSERT INTO {kwargs['target']} VALUES ({kwargs['scheduled_time']}, 1)")
    return vector([1])
`;
const SLEEPY = `import time

@copr(returns=["n"])
def sleepy(**kwargs) -> vector[i64]:
    t = time.time()
    while time.time() - t < 2.5:
        pass
    return vector([1])
`;
const HELLO = `@copr(returns=["greeting", "body_length", "method"])
def hello(**kwargs) -> (vector[str], vector[i64], vector[str]):
    who = kwargs.get("who", "nobody")
    return vector([f"hello {who}{kwargs['suffix']}"]), vector([len(kwargs.get("body", ""))]), vector([kwargs["method"]])
`;
/** Writes a copy of every written row back into the same table, one ms later: a loop the trigger chain stops. */
const ECHO = `from greptime import query

@copr(args=["host", "ts", "v"], returns=["n"])
def echo(host, ts, v) -> vector[i64]:
    values = ", ".join([f"('{h}', {t + 1}, {x})" for h, t, x in zip(host, ts, v)])
    query().sql("INSERT INTO loop_t VALUES " + values)
    return vector([len(host)])
`;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Script triggers end to end (issue 9, InfluxDB 3's processing-engine
 * triggers): a real server (store-fs + wal-local + engine-lsm + protocol-http
 * + coprocessor-python) on 127.0.0.1; triggers created and dropped with SQL
 * ADMIN functions and /v1/triggers; writes over line protocol and SQL INSERT.
 */
describe('e2e coprocessor-python: triggers on writes, schedules and HTTP requests', function () {
  this.timeout(180_000);
  let dir: string;
  let server: StrataServer | undefined;
  let url: string;

  async function startServer(): Promise<void> {
    server = await StrataServer.fromDefinitions([
      { definition: storeFs as PluginDefinition },
      { definition: walLocal as PluginDefinition },
      { definition: engineLsm as PluginDefinition },
      { definition: protocolHttp as PluginDefinition, options: { host: '127.0.0.1', port: 0 } },
      { definition: coprocessorPython as PluginDefinition, options: { workers: 2, timeoutMs: '10s', triggerQueueLength: 4, fsync: false } },
    ], { dataHome: dir }, { logLevel: 'silent', processMetrics: false });
    await server.start();
    url = server.addresses().find((a) => a.protocol === 'http')!.url;
  }

  async function call(method: string, pathAndQuery: string, body?: string, headers?: Record<string, string>): Promise<Answer> {
    const r = await fetch(`${url}${pathAndQuery}`, { method, ...(body !== undefined ? { body } : {}), ...(headers ? { headers } : {}) });
    const text = await r.text();
    let parsed: Json = {};
    try { parsed = text ? JSON.parse(text) as Json : {}; } catch { parsed = {}; }
    return { status: r.status, body: parsed, text };
  }
  const sql = (statement: string) => call('POST', `/v1/sql?db=public&sql=${encodeURIComponent(statement)}`);
  async function ok(statement: string): Promise<Answer> {
    const a = await sql(statement);
    expect(a.status, `${statement}: ${a.text}`).to.equal(200);
    return a;
  }
  async function rows(statement: string): Promise<unknown[][]> {
    const a = await ok(statement);
    const out = a.body.output as Json[];
    return (out[out.length - 1]!.records as { rows: unknown[][] }).rows;
  }
  const writeLines = (lines: string) => call('POST', '/v1/influxdb/write?db=public&precision=ms', lines);
  const submit = async (name: string, source: string) => {
    const a = await call('POST', `/v1/scripts?db=public&name=${name}`, source);
    expect(a.status, a.text).to.equal(200);
  };
  /** One trigger's row of information_schema.script_triggers, by column name. */
  async function triggerRow(name: string): Promise<Record<string, unknown> | undefined> {
    const a = await ok(`SELECT * FROM information_schema.script_triggers WHERE trigger_name = '${name}'`);
    const rec = (a.body.output as Json[])[0]!.records as { schema: { column_schemas: Array<{ name: string }> }; rows: unknown[][] };
    const r = rec.rows[0];
    return r ? Object.fromEntries(rec.schema.column_schemas.map((c, i) => [c.name, r[i]])) : undefined;
  }
  async function until<T>(what: string, f: () => Promise<T>, done: (v: T) => boolean, timeoutMs = 30_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    let v = await f();
    while (!done(v)) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last value ${JSON.stringify(v)}`);
      await sleep(100);
      v = await f();
    }
    return v;
  }

  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'strata-e2e-triggers-'));
    await startServer();
    for (const [name, src] of [['copy_hot', COPY_HOT], ['failing', FAILING], ['slow', SLOW], ['tick', TICK], ['sleepy', SLEEPY], ['hello', HELLO], ['echo', ECHO]] as const) {
      await submit(name, src);
    }
    await ok('CREATE TABLE hot (host STRING, usage DOUBLE, ts TIMESTAMP TIME INDEX, PRIMARY KEY(host))');
  });

  after(async () => {
    await server?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('runs a table trigger on line-protocol and SQL INSERT writes; its script writes the hot rows to another table', async () => {
    const created = await rows("ADMIN create_trigger('hot_rows', 'copy_hot', 'table:cpu', 'threshold=50')");
    expect(created).to.deep.equal([[0]]);
    const w = await writeLines('cpu,host=a usage=90 1700000000000\ncpu,host=b usage=10 1700000000000');
    expect(w.status, w.text).to.equal(204);
    expect(await until('the first hot row', () => rows('SELECT host, usage, ts FROM hot ORDER BY host'), (r) => r.length >= 1))
      .to.deep.equal([['a', 90, 1700000000000]]);
    await ok("INSERT INTO cpu (host, usage, greptime_timestamp) VALUES ('c', 99.5, 1700000001000000000), ('d', 20, 1700000001000000000)");
    expect(await until('the second hot row', () => rows('SELECT host, usage, ts FROM hot ORDER BY host'), (r) => r.length >= 2))
      .to.deep.equal([['a', 90, 1700000000000], ['c', 99.5, 1700000001000]]);
    const t = await until('two runs listed', () => triggerRow('hot_rows'), (r) => Number(r?.runs) >= 2);
    expect(t).to.include({ trigger_schema: 'public', script_name: 'copy_hot', trigger_spec: 'table:cpu', trigger_arguments: 'threshold=50', disabled: false, error_behavior: 'log', failures: 0, dropped: 0, queued: 0 });
    expect(t!.last_error).to.equal(null);
    // a second create of the same name is refused; a missing script or a bad spec too
    const dup = await sql("ADMIN create_trigger('hot_rows', 'copy_hot', 'table:cpu')");
    expect(dup.status).to.equal(400);
    expect(dup.body.error).to.match(/Trigger already exists: public.hot_rows/);
    expect((await sql("ADMIN create_trigger('x', 'nope', 'table:cpu')")).body.error).to.match(/Script not found: public.nope/);
    expect((await sql("ADMIN create_trigger('x', 'copy_hot', 'every:5')")).body.error).to.match(/every:<duration> needs a duration with a unit/);
    expect(await triggerRow('x')).to.equal(undefined);
  });

  it('counts and logs a failing trigger, while every write it watches still succeeds', async () => {
    await ok("ADMIN create_trigger('failing', 'failing', 'table:m')");
    for (let i = 0; i < 3; i++) {
      const w = await writeLines(`m,host=a v=${i} ${1700000000000 + i}`);
      expect(w.status, w.text).to.equal(204);
      await until(`failed run ${i + 1}`, () => triggerRow('failing'), (r) => Number(r?.failures) === i + 1);
    }
    expect(await rows('SELECT count(*) FROM m')).to.deep.equal([[3]]);
    const t = await triggerRow('failing');
    expect(t).to.include({ runs: 3, failures: 3 });
    expect(String(t!.last_error)).to.match(/ValueError: bad batch/).and.match(/line 4/);
    const logs = await rows("SELECT log_level, log_text FROM information_schema.script_trigger_logs WHERE trigger_name = 'failing' ORDER BY event_time");
    expect(logs[0]).to.deep.equal(['INFO', 'created: runs script failing on table:m']);
    expect(logs.filter((l) => l[0] === 'ERROR')).to.have.length(3);
    expect(String(logs[logs.length - 1]![1])).to.match(/^run failed \(EXECUTE_QUERY\): script 'failing' failed: .*ValueError: bad batch/s);
    const metrics = (await call('GET', '/metrics')).text;
    const line = metrics.split('\n').find((l) => l.startsWith('strata_trigger_runs_total{') && l.includes('trigger="public.failing"') && l.includes('outcome="EXECUTE_QUERY"'));
    expect(line, metrics.split('\n').filter((l) => l.includes('trigger')).join('\n')).to.match(/ 3$/);
    expect(await rows("ADMIN drop_trigger('failing')")).to.deep.equal([[1]]);
    expect(await rows("ADMIN drop_trigger('failing')")).to.deep.equal([[0]]);
  });

  it('drops and counts written batches when a slow trigger\'s queue is full, never holding up ingest', async () => {
    await ok("ADMIN create_trigger('slow', 'slow', 'table:slow_t')");
    const latencies: number[] = [];
    for (let i = 0; i < 12; i++) {
      const t0 = performance.now();
      const w = await writeLines(`slow_t,host=h${i} v=${i} ${1700000000000 + i}`);
      latencies.push(performance.now() - t0);
      expect(w.status, w.text).to.equal(204);
    }
    expect(await rows('SELECT count(*) FROM slow_t')).to.deep.equal([[12]]);
    // the first batch runs (1.5 s), four wait (queue length 4), the rest are dropped
    const t = await triggerRow('slow');
    expect(Number(t!.dropped)).to.be.at.least(1);
    expect(Number(t!.queued)).to.be.at.most(4);
    expect(Math.max(...latencies), `write latencies ${latencies.map((x) => x.toFixed(0)).join(', ')} ms`).to.be.below(1500);
    // the queued batches are coalesced into one run (same table and columns)
    const done = await until('the queue drained', () => triggerRow('slow'), (r) => Number(r?.queued) === 0 && Number(r?.runs) >= 2, 20_000);
    expect(Number(done!.runs) + Number(done!.dropped)).to.be.at.most(12);
    expect(done).to.include({ failures: 0 });
    const logs = await rows("SELECT log_text FROM information_schema.script_trigger_logs WHERE trigger_name = 'slow' AND log_level = 'WARN'");
    expect(String(logs[0]?.[0])).to.match(/^queue full \(4 batches\): dropped 1 written batch\(es\) of slow_t/);
    const metrics = (await call('GET', '/metrics')).text;
    expect(metrics).to.match(new RegExp(`strata_trigger_dropped_batches_total\\{trigger="public.slow"\\} ${String(done!.dropped)}\\n`));
    await ok("ADMIN drop_trigger('slow')");
  });

  it('runs every: and cron: triggers on schedule, never two runs of one trigger at once, and stops them when dropped', async () => {
    await ok('CREATE TABLE ticks_every (ts TIMESTAMP TIME INDEX, n BIGINT); CREATE TABLE ticks_cron (ts TIMESTAMP TIME INDEX, n BIGINT)');
    await ok("ADMIN create_trigger('every_second', 'tick', 'every:1s', 'target=ticks_every')");
    await ok("ADMIN create_trigger('cron_second', 'tick', 'cron:* * * * * *', 'target=ticks_cron')");
    await ok("ADMIN create_trigger('sleepy', 'sleepy', 'every:1s')");
    await until('three ticks of each schedule', async () => [(await rows('SELECT count(*) FROM ticks_every'))[0]![0], (await rows('SELECT count(*) FROM ticks_cron'))[0]![0]],
      (c) => Number(c[0]) >= 3 && Number(c[1]) >= 3, 20_000);
    // cron fires on whole seconds: every tick's time is a multiple of 1000
    for (const [ts] of await rows('SELECT ts FROM ticks_cron')) expect(Number(ts) % 1000).to.equal(0);
    // a 2.5 s run on a 1 s schedule: the fire times that find it running are skipped, never run alongside
    const sleepy = await until('a skipped sleepy run', () => triggerRow('sleepy'), (r) => Number(r?.skipped) >= 1 && Number(r?.runs) >= 1, 20_000);
    expect(sleepy).to.include({ failures: 0 });
    const skippedLog = await rows("SELECT log_text FROM information_schema.script_trigger_logs WHERE trigger_name = 'sleepy' AND log_level = 'WARN'");
    expect(String(skippedLog[0]?.[0])).to.match(/skipped: the previous run has not finished/);
    for (const name of ['every_second', 'cron_second', 'sleepy']) expect(await rows(`ADMIN drop_trigger('${name}')`)).to.deep.equal([[1]]);
    await sleep(500); // a run in flight when dropped may still land
    const counts = async () => [(await rows('SELECT count(*) FROM ticks_every'))[0]![0], (await rows('SELECT count(*) FROM ticks_cron'))[0]![0]];
    const before = await counts();
    await sleep(2500);
    expect(await counts()).to.deep.equal(before);
  });

  it('answers /v1/engine/<path> with the output of a request trigger, created and managed over HTTP', async () => {
    const created = await call('POST', '/v1/triggers?db=public&name=greeter&script=hello&spec=request:greet/v1&args=suffix=!');
    expect(created.status, created.text).to.equal(200);
    expect((created.body.output as Json[])[0]).to.deep.equal({ affectedrows: 1 });
    const get = await call('GET', '/v1/engine/greet/v1?who=me&suffix=ignored');
    expect(get.status, get.text).to.equal(200);
    const rec = (get.body.output as Json[])[0]!.records as { schema: { column_schemas: Json[] }; rows: unknown[][] };
    expect(rec.schema.column_schemas).to.deep.equal([
      { name: 'greeting', data_type: 'String' }, { name: 'body_length', data_type: 'Int64' }, { name: 'method', data_type: 'String' },
    ]);
    // the trigger's own arguments win over the caller's (suffix stays '!')
    expect(rec.rows).to.deep.equal([['hello me!', 0, 'GET']]);
    const post = await call('POST', '/v1/engine/greet/v1', '{"k": 1}', { 'content-type': 'application/json' });
    expect(((post.body.output as Json[])[0]!.records as { rows: unknown[][] }).rows).to.deep.equal([['hello nobody!', 8, 'POST']]);
    const missing = await call('GET', '/v1/engine/nothing/here');
    expect(missing.status).to.equal(404);
    expect(missing.body.error).to.match(/Not found: \/v1\/engine\/nothing\/here/);
    // a second trigger cannot take the same path
    const clash = await call('POST', '/v1/triggers', JSON.stringify({ db: 'public', name: 'greeter2', script: 'hello', spec: 'request:greet/v1' }), { 'content-type': 'application/json' });
    expect(clash.status).to.equal(400);
    expect(clash.body.error).to.match(/already served by trigger public.greeter/);
    // disabled: 404 until enabled again
    expect((await call('POST', '/v1/triggers/disable?db=public&name=greeter')).body.output).to.deep.equal([{ affectedrows: 1 }]);
    expect((await call('GET', '/v1/engine/greet/v1')).status).to.equal(404);
    expect((await call('POST', '/v1/triggers/enable?db=public&name=greeter')).status).to.equal(200);
    expect((await call('GET', '/v1/engine/greet/v1')).status).to.equal(200);
    const list = await call('GET', '/v1/triggers?db=public');
    const greeter = (list.body.triggers as Json[]).find((t) => t.name === 'greeter');
    expect(greeter).to.include({ database: 'public', script: 'hello', spec: 'request:greet/v1', disabled: false, error_behavior: 'log', runs: 3, failures: 0 });
    expect(greeter!.args).to.deep.equal({ suffix: '!' });
  });

  it('does not run a trigger on writes its own script made', async () => {
    await ok('CREATE TABLE loop_t (host STRING, ts TIMESTAMP TIME INDEX, v DOUBLE, PRIMARY KEY(host))');
    await ok("ADMIN create_trigger('self_loop', 'echo', 'table:loop_t')");
    await ok("INSERT INTO loop_t VALUES ('a', 1000, 1.0)");
    const t = await until('the echo and its skipped write', () => triggerRow('self_loop'), (r) => Number(r?.runs) >= 1 && Number(r?.skipped) >= 1);
    await sleep(500);
    expect(await rows('SELECT host, ts, v FROM loop_t ORDER BY ts')).to.deep.equal([['a', 1000, 1], ['a', 1001, 1]]);
    expect(await triggerRow('self_loop')).to.include({ runs: 1, skipped: 1, failures: 0 });
    void t;
    await ok("ADMIN drop_trigger('self_loop')");
  });

  it('keeps triggers across a restart, and a dropped trigger stops running', async () => {
    const file = JSON.parse(await readFile(path.join(dir, 'scripts', 'triggers.json'), 'utf8')) as { triggers: Array<{ name: string }> };
    expect(file.triggers.map((t) => t.name)).to.deep.equal(['greeter', 'hot_rows']);
    await server!.stop();
    server = undefined;
    await startServer();
    const listed = await rows('SELECT trigger_name, trigger_spec, runs FROM information_schema.script_triggers ORDER BY trigger_name');
    expect(listed).to.deep.equal([['greeter', 'request:greet/v1', 0], ['hot_rows', 'table:cpu', 0]]);
    expect((await call('GET', '/v1/engine/greet/v1?who=again')).status).to.equal(200);
    const w = await writeLines('cpu,host=e usage=77 1700000002000');
    expect(w.status, w.text).to.equal(204);
    await until('the hot row written after the restart', () => rows("SELECT host FROM hot WHERE host = 'e'"), (r) => r.length === 1);
    expect(await rows("ADMIN drop_trigger('hot_rows')")).to.deep.equal([[1]]);
    await writeLines('cpu,host=f usage=88 1700000003000');
    await sleep(1500);
    expect(await rows("SELECT host FROM hot WHERE host = 'f'")).to.deep.equal([]);
    expect(await rows('SELECT trigger_name FROM information_schema.script_triggers')).to.deep.equal([['greeter']]);
  });
});
