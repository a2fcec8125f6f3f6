import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import * as arrow from 'apache-arrow';
import { expect } from 'chai';
import {
  COPROCESSOR, METRICS, QUERY, SCRIPTS, StrataServer, createSession, definePlugin, type QueryOutput,
} from '@strata/kernel';
import coprocessorPython, { ScriptCompileError, ScriptNotFoundError } from '../src/index.js';
import { FakeQueryService } from './fake-query.js';

const cpu = arrow.tableFromArrays({
  host: ['a', 'b', 'c'],
  usage: new Float64Array([10, 50, 90]),
});

/** Provides QUERY with the fake (the SQL engine is tested with the real one in the root test/). */
const fakeQueryPlugin = definePlugin({
  name: 'fake-query',
  kind: 'service',
  provides: [QUERY],
  register(ctx) { ctx.bind(QUERY, new FakeQueryService({ cpu })); },
});

async function rows(out: QueryOutput): Promise<unknown[][]> {
  expect(out.kind).to.equal('records');
  if (out.kind !== 'records') return [];
  const result: unknown[][] = [];
  for await (const b of out.batches) {
    for (let i = 0; i < b.numRows; i++) result.push(b.schema.fields.map((_, c) => b.getChildAt(c)!.get(i)));
  }
  return result;
}

const BUSY = [
  '@copr(args=["host", "usage"], returns=["host", "busy"], sql="select host, usage from cpu")',
  'def busy(host, usage, **kwargs) -> (vector[str], vector[bool]):',
  '    return host, usage > float(kwargs.get("threshold", "80"))',
].join('\n');

describe('coprocessor-python: the plugin and its script service', function () {
  this.timeout(60_000);
  let dataHome: string;

  before(async () => { dataHome = await fs.mkdtemp(path.join(os.tmpdir(), 'strata-copr-')); });
  after(async () => { await fs.rm(dataHome, { recursive: true, force: true }); });

  const compose = () => StrataServer.fromDefinitions([
    { definition: fakeQueryPlugin, options: {} },
    { definition: coprocessorPython, options: { workers: 1, timeoutMs: '5s', fsync: false } },
  ], { dataHome }, { logLevel: 'silent' });

  it('refuses a memory limit too small for Pyodide, naming the option', async () => {
    const server = await StrataServer.fromDefinitions([
      { definition: fakeQueryPlugin, options: {} },
      { definition: coprocessorPython, options: { memoryLimitBytes: '16MiB' } },
    ], { dataHome }, { logLevel: 'silent' });
    const err = await server.start().then(() => new Error('started'), (e: Error) => e);
    await server.stop();
    expect(err.message).to.match(/coprocessor-python.*memoryLimitBytes.*at least 64MiB/);
  });

  it('submits, lists, runs with parameters and deletes scripts; they survive a restart', async () => {
    const server = await compose();
    await server.start();
    try {
      const scripts = server.get(SCRIPTS);
      expect(server.getAll(COPROCESSOR).map((c) => c.language)).to.deep.equal(['python']);
      const sig = await scripts.submit('public', 'busy', BUSY);
      expect(sig.args).to.deep.equal(['host', 'usage']);
      expect(sig.sql).to.equal('select host, usage from cpu');
      await scripts.submit('other', 'hello', '@coprocessor(returns=["msg"])\ndef hello() -> vector[str]:\n    return "Hello, Strata"\n');

      const session = createSession({ channel: 'http' });
      const out = await scripts.run('public', 'busy', { threshold: '40' }, session);
      expect(out.kind === 'records' && out.columns).to.deep.equal([
        { name: 'host', type: { name: 'String' } }, { name: 'busy', type: { name: 'Boolean' } },
      ]);
      expect(await rows(out)).to.deep.equal([['a', false], ['b', true], ['c', true]]);
      expect(await rows(await scripts.run('other', 'hello', {}, session))).to.deep.equal([['Hello, Strata']]);

      // a broken script is refused and does not replace the stored one
      const err = await scripts.submit('public', 'busy', '@copr(returns=["x"])\ndef f(\n').catch((e: Error) => e);
      expect(err).to.be.instanceOf(ScriptCompileError);
      expect((await scripts.get('public', 'busy'))!.source).to.equal(BUSY);

      expect((await scripts.list()).map((s) => `${s.database}.${s.name}`)).to.deep.equal(['other.hello', 'public.busy']);
      expect((await scripts.list('other')).map((s) => s.name)).to.deep.equal(['hello']);
      expect(await scripts.delete('other', 'hello')).to.equal(true);
      expect(await scripts.delete('other', 'hello')).to.equal(false);
      const missing = await scripts.run('other', 'hello', {}, session).then(() => new Error('resolved'), (e: Error) => e);
      expect(missing).to.be.instanceOf(ScriptNotFoundError);
      expect(missing.message).to.equal('Script not found: other.hello');
      const metrics = await server.get(METRICS).text();
      expect(metrics).to.match(/strata_script_runs_total\{outcome="ok"\} 2\b/);
      expect(metrics).to.match(/strata_script_run_duration_seconds_count 2\b/);
    } finally {
      await server.stop();
    }

    const again = await compose();
    await again.start();
    try {
      const scripts = again.get(SCRIPTS);
      expect((await scripts.list()).map((s) => `${s.database}.${s.name}`)).to.deep.equal(['public.busy']);
      const out = await scripts.run('public', 'busy', {}, createSession({ channel: 'http' }));
      expect(await rows(out)).to.deep.equal([['a', false], ['b', false], ['c', true]]);
    } finally {
      await again.stop();
    }
  });
});
