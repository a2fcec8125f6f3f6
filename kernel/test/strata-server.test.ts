import { expect } from 'chai';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  IllegalStateError, LOGGER, PROTOCOL, PluginCompositionError, PluginLifecycleError, PluginNotFoundError,
  PluginOptionError, SERVER_INFO, StrataServer, definePlugin, readConfigFile, token,
} from '../src/index.js';
import {
  GREETERS, JOURNAL, KV, echoPlugin, failingPlugin, greeterA, greeterB, journalPlugin, kvPlugin, lifecycleLog,
} from './fixtures/fixture-plugins.js';

const fixtures = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures');
const quiet = { logLevel: 'silent' as const, processMetrics: false };
/** Names of the configured plugins, in start order (kernel built-ins left out). */
const configured = (s: StrataServer) => s.plugins.filter((p) => p.where !== 'built-in').map((p) => p.definition.name);

async function sendLine(port: number, line: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1', () => s.write(`${line}\n`));
    s.setTimeout(5000, () => { s.destroy(); reject(new Error('timeout')); });
    s.once('data', (d) => { resolve(d.toString().trim()); s.end(); });
    s.once('error', reject);
  });
}

describe('StrataServer composition', () => {
  let dir: string;
  beforeEach(() => { dir = mkdtempSync(path.join(os.tmpdir(), 'strata-server-')); lifecycleLog.length = 0; });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('orders plugins by requires/provides regardless of config order', async () => {
    const s = await StrataServer.fromDefinitions([{ definition: echoPlugin }, { definition: journalPlugin }, { definition: kvPlugin }], { dataHome: dir }, quiet);
    expect(configured(s)).to.deep.equal(['fixture-kv', 'fixture-journal', 'fixture-echo']);
  });

  it('starts in order, serves, and stops in reverse order', async () => {
    const s = await StrataServer.fromDefinitions([{ definition: echoPlugin }, { definition: journalPlugin }, { definition: kvPlugin, options: { capacity: 3 } }], { dataHome: dir }, quiet);
    await s.start();
    expect(s.status).to.equal('running');
    const [addr] = s.addresses();
    expect(addr!.protocol).to.equal('echo');
    expect(await sendLine(addr!.port, 'cpu,host=a v=1')).to.equal('1 cpu,host=a v=1');
    expect(s.get(JOURNAL).entries).to.deep.equal(['cpu,host=a v=1']);
    expect(s.get(KV).map.get('capacity')).to.equal('3');
    await s.stop();
    expect(s.status).to.equal('stopped');
    expect(lifecycleLog).to.deep.equal([
      'register:fixture-kv:3', 'register:fixture-journal', 'register:fixture-echo',
      'start:fixture-kv', 'start:fixture-journal', 'start:fixture-echo',
      'stop:fixture-echo', 'stop:fixture-journal', 'stop:fixture-kv',
    ]);
    // The port is closed after stop.
    const refused = await sendLine(addr!.port, 'x').then(() => false, () => true);
    expect(refused).to.equal(true);
  });

  it('start and stop are idempotent', async () => {
    const s = await StrataServer.fromDefinitions([{ definition: kvPlugin }], { dataHome: dir }, quiet);
    const a = s.start();
    const b = s.start();
    expect(a).to.equal(b);
    await a;
    await Promise.all([s.stop(), s.stop()]);
    await s.stop();
    expect(lifecycleLog.filter((l) => l.startsWith('start:'))).to.deep.equal(['start:fixture-kv']);
    expect(lifecycleLog.filter((l) => l.startsWith('stop:'))).to.deep.equal(['stop:fixture-kv']);
    const err = await s.start().then(() => undefined, (e: unknown) => e);
    expect(err).to.be.instanceOf(IllegalStateError);
  });

  it('stop before start is harmless', async () => {
    const s = await StrataServer.fromDefinitions([{ definition: kvPlugin }], { dataHome: dir }, quiet);
    await s.stop();
    expect(lifecycleLog).to.deep.equal([]);
  });

  it('runs two servers in one process with separate containers', async () => {
    const a = await StrataServer.fromDefinitions([{ definition: kvPlugin }, { definition: journalPlugin }, { definition: echoPlugin }], { dataHome: path.join(dir, 'a') }, quiet);
    const b = await StrataServer.fromDefinitions([{ definition: kvPlugin }, { definition: journalPlugin }, { definition: echoPlugin }], { dataHome: path.join(dir, 'b') }, quiet);
    await Promise.all([a.start(), b.start()]);
    try {
      expect(a.get(JOURNAL)).to.not.equal(b.get(JOURNAL));
      expect(a.get(SERVER_INFO).name).to.not.equal(b.get(SERVER_INFO).name);
      const pa = a.addresses()[0]!.port; const pb = b.addresses()[0]!.port;
      expect(pa).to.not.equal(pb);
      await sendLine(pa, 'only-a');
      expect(a.get(JOURNAL).entries).to.deep.equal(['only-a']);
      expect(b.get(JOURNAL).entries).to.deep.equal([]);
      expect(a.metrics.registry).to.not.equal(b.metrics.registry);
      expect(a.get(LOGGER)).to.not.equal(b.get(LOGGER));
    } finally {
      await Promise.all([a.stop(), b.stop()]);
    }
  });

  it('keeps every provider of a multi token', async () => {
    const s = await StrataServer.fromDefinitions([{ definition: greeterA }, { definition: greeterB }], { dataHome: dir }, quiet);
    await s.start();
    expect(s.getAll(GREETERS)).to.have.members(['hello', 'bonjour']);
    await s.stop();
  });

  it('refuses a missing provider, naming plugin and service', async () => {
    const err = await StrataServer.fromDefinitions([{ definition: echoPlugin }], { dataHome: dir }, quiet).then(() => undefined, (e: unknown) => e);
    expect(err).to.be.instanceOf(PluginCompositionError);
    expect((err as Error).message).to.equal("plugin 'fixture-echo' requires test.journal, which no plugin in the config provides");
  });

  it('refuses two providers of a singleton', async () => {
    const twin = definePlugin({ ...kvPlugin, name: 'fixture-kv-2' });
    const err = await StrataServer.fromDefinitions([{ definition: kvPlugin }, { definition: twin }], { dataHome: dir }, quiet).then(() => undefined, (e: unknown) => e);
    expect(err).to.be.instanceOf(PluginCompositionError);
    expect((err as Error).message).to.match(/duplicate provider of test\.kv: plugins 'fixture-kv' and 'fixture-kv-2'/);
  });

  it('refuses the same plugin twice', async () => {
    const err = await StrataServer.fromDefinitions([{ definition: kvPlugin }, { definition: kvPlugin }], { dataHome: dir }, quiet).then(() => undefined, (e: unknown) => e);
    expect((err as Error).message).to.match(/plugin 'fixture-kv' is listed twice/);
  });

  it('refuses a dependency cycle, naming it', async () => {
    const A = token<string>('test.a'); const B = token<string>('test.b');
    const pa = definePlugin({ name: 'pa', kind: 'service', provides: [A], requires: [B], register(ctx) { ctx.bind(A, 'a'); } });
    const pb = definePlugin({ name: 'pb', kind: 'service', provides: [B], requires: [A], register(ctx) { ctx.bind(B, 'b'); } });
    const err = await StrataServer.fromDefinitions([{ definition: pa }, { definition: pb }], { dataHome: dir }, quiet).then(() => undefined, (e: unknown) => e);
    expect(err).to.be.instanceOf(PluginCompositionError);
    expect((err as Error).message).to.equal('dependency cycle between plugins: pa -> pb -> pa');
  });

  it('validates options before anything registers', async () => {
    const err = await StrataServer.fromDefinitions([{ definition: kvPlugin, options: { capacity: 0 } }], { dataHome: dir }, quiet).then(() => undefined, (e: unknown) => e);
    expect(err).to.be.instanceOf(PluginOptionError);
    expect((err as Error).message).to.equal("inline plugins[0]: plugin 'fixture-kv': option 'capacity': must be >= 1, got 0");
    expect(lifecycleLog).to.deep.equal([]);
  });

  it('unwinds registered plugins when one fails to start', async () => {
    const s = await StrataServer.fromDefinitions([{ definition: kvPlugin }, { definition: journalPlugin }, { definition: failingPlugin }], { dataHome: dir }, quiet);
    const err = await s.start().then(() => undefined, (e: unknown) => e);
    expect(err).to.be.instanceOf(PluginLifecycleError);
    expect((err as Error).message).to.equal("plugin 'fixture-failing' failed to start: port 1 is not available");
    expect(lifecycleLog.slice(-3)).to.deep.equal(['stop:fixture-failing', 'stop:fixture-journal', 'stop:fixture-kv']);
    expect(s.status).to.equal('failed');
    await s.stop();
  });

  it('keeps plugins to what they declared', async () => {
    const sneaky = definePlugin({ name: 'sneaky', kind: 'service', register(ctx) { ctx.get(KV); } });
    const s = await StrataServer.fromDefinitions([{ definition: kvPlugin }, { definition: sneaky }], { dataHome: dir }, quiet);
    const err = await s.start().then(() => undefined, (e: unknown) => e as Error);
    expect(err?.message).to.match(/sneaky.*without declaring it in requires/);
    const liar = definePlugin({ name: 'liar', kind: 'service', provides: [KV], register() { /* binds nothing */ } });
    const s2 = await StrataServer.fromDefinitions([{ definition: liar }], { dataHome: dir }, quiet);
    const err2 = await s2.start().then(() => undefined, (e: unknown) => e as Error);
    expect(err2?.message).to.equal("plugin 'liar' failed to register: it declares that it provides test.kv but did not bind it");
    const binder = definePlugin({ name: 'binder', kind: 'service', register(ctx) { ctx.bind(PROTOCOL, { name: 'x', addresses: () => [], connections: () => 0 }); } });
    const s3 = await StrataServer.fromDefinitions([{ definition: binder }], { dataHome: dir }, quiet);
    const err3 = await s3.start().then(() => undefined, (e: unknown) => e as Error);
    expect(err3?.message).to.match(/without declaring it in provides/);
  });

  it('bounds a plugin start that hangs', async () => {
    const slow = definePlugin({ name: 'slow', kind: 'service', startTimeoutMs: 100, register() {}, start: () => new Promise<void>(() => undefined) });
    const s = await StrataServer.fromDefinitions([{ definition: slow }], { dataHome: dir }, quiet);
    const t0 = Date.now();
    const err = await s.start().then(() => undefined, (e: unknown) => e as Error);
    expect(err?.message).to.equal("plugin 'slow' failed to start: start did not finish within 100 ms");
    expect(Date.now() - t0).to.be.lessThan(5000);
  });

  describe('from config files', () => {
    it('loads plugins by relative path and applies overrides (file < env < --set)', async () => {
      const file = path.join(dir, 'strata.config.yaml');
      writeFileSync(file, [
        'server:', '  dataHome: ./data',
        'plugins:',
        `  - use: ${path.relative(dir, path.join(fixtures, 'echo-plugin.js'))}`,
        `  - use: ${path.join(fixtures, 'journal-plugin.js')}`,
        `  - use: ${path.join(fixtures, 'kv-plugin.js')}`,
        '    options: { capacity: 5 }',
      ].join('\n'));
      const s = await StrataServer.fromFile(file, { ...quiet, overrides: [
        { target: 'fixture-kv', path: ['capacity'], value: '6', origin: 'STRATA_FIXTURE_KV__CAPACITY' },
        { target: 'fixture-kv', path: ['capacity'], value: '7', origin: '--set fixture-kv.capacity=7' },
        { target: 'server', path: ['dataHome'], value: './other', origin: '--data-home' },
      ] });
      expect(configured(s)).to.deep.equal(['fixture-kv', 'fixture-journal', 'fixture-echo']);
      expect(s.plugins[0]!.options).to.deep.equal({ capacity: 7 });
      expect(s.info.dataHome).to.equal(path.join(dir, 'other'));
      expect(s.info.configSource).to.equal(file);
    });

    it('names the file, the plugin and the key for a bad option', async () => {
      const file = path.join(dir, 'strata.config.yaml');
      writeFileSync(file, `plugins:\n  - use: ${path.join(fixtures, 'kv-plugin.js')}\n    options: { capacity: lots }\n`);
      const err = await StrataServer.fromFile(file, quiet).then(() => undefined, (e: unknown) => e as Error);
      expect(err).to.be.instanceOf(PluginOptionError);
      expect(err!.message).to.equal(`${file}: plugins[0]: plugin 'fixture-kv': option 'capacity': expected an integer, got "lots"`);
    });

    it('names an unknown plugin', async () => {
      const file = path.join(dir, 'strata.config.yaml');
      writeFileSync(file, 'plugins:\n  - use: no-such-plugin\n');
      const err = await StrataServer.fromFile(file, quiet).then(() => undefined, (e: unknown) => e as Error);
      expect(err).to.be.instanceOf(PluginNotFoundError);
      expect(err!.message).to.contain("plugins[0]: unknown plugin 'no-such-plugin'").and.contain("'@strata/no-such-plugin'");
    });

    it('refuses a module that is not a plugin', async () => {
      const mod = path.join(dir, 'not-a-plugin.mjs');
      writeFileSync(mod, 'export default { name: "x" };\n');
      const file = path.join(dir, 'strata.config.json');
      writeFileSync(file, JSON.stringify({ plugins: [{ use: './not-a-plugin.mjs' }] }));
      const err = await StrataServer.fromFile(file, quiet).then(() => undefined, (e: unknown) => e as Error);
      expect(err!.message).to.contain('does not export a plugin').and.contain("'kind' must be one of");
    });

    it('refuses an override for a plugin not in the config', async () => {
      const file = path.join(dir, 'strata.config.yaml');
      writeFileSync(file, `plugins:\n  - use: ${path.join(fixtures, 'kv-plugin.js')}\n`);
      const err = await StrataServer.fromFile(file, { ...quiet, overrides: [{ target: 'protocol-http', path: ['port'], value: '1', origin: 'STRATA_PROTOCOL_HTTP__PORT' }] })
        .then(() => undefined, (e: unknown) => e as Error);
      expect(err!.message).to.contain("STRATA_PROTOCOL_HTTP__PORT: no plugin named 'protocol-http'");
    });

    it('skips a disabled plugin', async () => {
      const file = path.join(dir, 'strata.config.yaml');
      writeFileSync(file, `plugins:\n  - use: ${path.join(fixtures, 'kv-plugin.js')}\n  - use: ${path.join(fixtures, 'echo-plugin.js')}\n    enabled: false\n`);
      const c = await readConfigFile(file);
      const s = await StrataServer.fromConfig(c, quiet);
      expect(configured(s)).to.deep.equal(['fixture-kv']);
    });
  });
});
