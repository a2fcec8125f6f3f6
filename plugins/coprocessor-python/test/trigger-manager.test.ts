import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import * as arrow from 'apache-arrow';
import { expect } from 'chai';
import {
  createSession, ExecutionError, TableWriteHub, type ScriptService, type Session, type StoredScript, type TableWriteEvent,
} from '@strata/kernel';
import { TRIGGER_CHAIN_VARIABLE, TriggerManager, TriggerStore, type TriggerScriptRunner } from '../src/index.js';

const tick = () => new Promise((r) => setImmediate(r));
async function until(f: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!f()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** A script service that knows every name (the runner is faked, so no source is run). */
const scripts: ScriptService = {
  submit: async () => { throw new Error('unused'); },
  run: async () => { throw new Error('unused'); },
  list: async () => [],
  get: async (database, name) => (name === 'missing' ? undefined : { database, name } as unknown as StoredScript),
  delete: async () => false,
};

function batch(values: number[], extra = false): arrow.RecordBatch {
  const cols: Record<string, arrow.Vector> = { v: arrow.vectorFromArray(values, new arrow.Float64()) };
  if (extra) cols.w = arrow.vectorFromArray(values, new arrow.Float64());
  return new arrow.Table(cols).batches[0]!;
}

interface Call { input?: arrow.Table; params: Record<string, string>; chain: string }

/**
 * The TriggerManager's queueing, coalescing, loop guard and error behavior,
 * with the real TableWriteHub and store and a fake script runner (no Pyodide):
 * the runner records each call and waits for the test to release it.
 */
describe('coprocessor-python triggers: the trigger manager', function () {
  this.timeout(20_000);
  let dir: string;
  let hub: TableWriteHub;
  let store: TriggerStore;
  let manager: TriggerManager;
  let calls: Call[];
  let gates: Array<() => void>;
  let fail: boolean;
  const writer: Session = createSession({ channel: 'influxdb' });

  const runner: TriggerScriptRunner = async (_db, _script, input, params, _session, chain) => {
    calls.push({ ...(input ? { input } : {}), params: { ...params }, chain });
    await new Promise<void>((r) => gates.push(r));
    if (fail) throw new ExecutionError('boom');
    return new arrow.Table({ n: arrow.vectorFromArray([1]) });
  };
  const release = () => { const g = gates.splice(0); for (const r of g) r(); };
  const write = (table: string, b: arrow.RecordBatch, session = writer) => hub.publish({ database: 'public', table, batch: b, session } satisfies TableWriteEvent);
  const manage = (queueLength = 3, batchRowsMax = 5) => new TriggerManager(store, scripts, runner, hub, { queueLength, batchRowsMax, logLength: 100 });

  beforeEach(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'strata-trigger-manager-'));
    hub = new TableWriteHub();
    store = new TriggerStore(dir, false);
    await store.open();
    calls = []; gates = []; fail = false;
    manager = manage();
    manager.start();
  });
  afterEach(async () => {
    release();
    await manager.stop(1000);
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('listens to writes only while an enabled table trigger exists', async () => {
    expect(hub.active).to.equal(false);
    await manager.create({ database: 'public', name: 'r', script: 's', spec: 'request:x' });
    expect(hub.active).to.equal(false);
    await manager.create({ database: 'public', name: 't', script: 's', spec: 'table:cpu' });
    expect(hub.active).to.equal(true);
    await manager.setEnabled('public', 't', false);
    expect(hub.active).to.equal(false);
    write('cpu', batch([1]));
    await tick();
    expect(calls).to.have.length(0);
    await manager.setEnabled('public', 't', true);
    write('cpu', batch([1]));
    await until(() => calls.length === 1);
    expect(calls[0]!.params).to.deep.equal({ trigger: 't', table: 'cpu' });
    expect(await manager.drop('public', 't')).to.equal(true);
    expect(hub.active).to.equal(false);
  });

  it('queues while a run is going, coalesces same-schema batches up to batchRowsMax, and drops past the queue length', async () => {
    await manager.create({ database: 'public', name: 't', script: 's', spec: 'table:cpu', args: { k: 'v' } });
    write('cpu', batch([1]));
    await until(() => calls.length === 1);
    // queue length 3: three wait, the fourth and fifth are dropped
    write('cpu', batch([2, 3]));
    write('cpu', batch([4, 5, 6]));
    write('cpu', batch([7], true));
    write('cpu', batch([8]));
    write('cpu', batch([9]));
    await tick();
    expect(manager.list()[0]).to.include({ queued: 3, dropped: 2, runs: 0 });
    release();
    await until(() => calls.length === 2);
    release();
    await until(() => calls.length === 3);
    release();
    await until(() => manager.list()[0]!.runs === 3);
    // [2,3] and [4,5,6] ran together (5 rows, same columns); [7] with column w ran alone
    expect(calls.map((c) => [...c.input!.getChild('v')!])).to.deep.equal([[1], [2, 3, 4, 5, 6], [7]]);
    expect(calls[2]!.input!.schema.fields.map((f) => f.name)).to.deep.equal(['v', 'w']);
    expect(calls[1]!.params).to.deep.equal({ k: 'v', trigger: 't', table: 'cpu' });
    expect(manager.list()[0]).to.include({ queued: 0, dropped: 2, runs: 3, failures: 0 });
    expect(manager.logs().some((l) => l.level === 'WARN' && /queue full \(3 batches\): dropped 1 written batch/.test(l.text))).to.equal(true);
  });

  it('marks its runs with the trigger chain and ignores writes that descend from itself', async () => {
    await manager.create({ database: 'public', name: 'a', script: 's', spec: 'all_tables' });
    write('cpu', batch([1]));
    await until(() => calls.length === 1);
    expect(calls[0]!.chain).to.equal('public.a');
    release();
    const own = createSession({ channel: 'internal' });
    own.variables.set(TRIGGER_CHAIN_VARIABLE, 'public.b,public.a');
    write('other', batch([2]), own);
    const downstream = createSession({ channel: 'internal' });
    downstream.variables.set(TRIGGER_CHAIN_VARIABLE, 'public.b');
    write('other', batch([3]), downstream);
    await until(() => calls.length === 2);
    expect(calls[1]!.chain).to.equal('public.b,public.a');
    expect([...calls[1]!.input!.getChild('v')!]).to.deep.equal([3]);
    release();
    await until(() => manager.list()[0]!.runs === 2);
    expect(manager.list()[0]).to.include({ skipped: 1, runs: 2 });
  });

  it('disables itself after a failed run when asked to, and stays disabled across a reopen', async () => {
    fail = true;
    await manager.create({ database: 'public', name: 't', script: 's', spec: 'table:cpu', errorBehavior: 'disable' });
    write('cpu', batch([1]));
    await until(() => calls.length === 1);
    release();
    await until(() => manager.list()[0]!.disabled);
    expect(manager.list()[0]).to.include({ runs: 1, failures: 1, lastError: 'boom' });
    write('cpu', batch([2]));
    await tick();
    expect(calls).to.have.length(1);
    const reopened = new TriggerStore(dir);
    await reopened.open();
    expect(reopened.get('public', 't')).to.include({ disabled: true, errorBehavior: 'disable' });
    expect(manager.logs().map((l) => l.level)).to.deep.equal(['INFO', 'ERROR', 'WARN']);
  });

  it('refuses bad definitions and keeps the store unchanged', async () => {
    const refused = async (f: () => Promise<unknown>, re: RegExp) => {
      let msg = '';
      try { await f(); } catch (err) { msg = (err as Error).message; }
      expect(msg).to.match(re);
    };
    await refused(() => manager.create({ database: 'public', name: 'bad name', script: 's', spec: 'table:cpu' }), /invalid trigger name/);
    await refused(() => manager.create({ database: 'public', name: 't', script: 'missing', spec: 'table:cpu' }), /Script not found: public.missing/);
    await refused(() => manager.create({ database: 'public', name: 't', script: 's', spec: 'cron:61 * * * *' }), /minute 61 is out of range/);
    await refused(() => manager.create({ database: 'public', name: 't', script: 's', spec: 'table:cpu', errorBehavior: 'retry' as never }), /invalid error behavior/);
    expect(store.list()).to.deep.equal([]);
    await manager.create({ database: 'public', name: 't', script: 's', spec: 'request:a/b' });
    await refused(() => manager.create({ database: 'other', name: 'u', script: 's', spec: 'request:a/b' }), /already served by trigger public.t/);
    await refused(() => manager.request('nope', { method: 'GET', params: {} }, writer), /Not found: \/v1\/engine\/nope/);
    expect(store.list().map((t) => t.name)).to.deep.equal(['t']);
  });
});
