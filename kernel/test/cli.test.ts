import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCli, type CliIo } from '../src/index.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const fixtures = path.join(here, 'fixtures');
const bin = path.join(here, '..', 'src', 'cli', 'bin.js');

function capture(env: NodeJS.ProcessEnv = {}): CliIo & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = []; const stderr: string[] = [];
  return { stdout, stderr, out: (l) => stdout.push(l), err: (l) => stderr.push(l), env };
}

function writeConfig(dir: string, extra = ''): string {
  const file = path.join(dir, 'strata.config.yaml');
  writeFileSync(file, [
    'server:', '  dataHome: ./data', '  logLevel: warn',
    'plugins:',
    `  - use: ${path.join(fixtures, 'kv-plugin.js')}`,
    `  - use: ${path.join(fixtures, 'journal-plugin.js')}`,
    `  - use: ${path.join(fixtures, 'echo-plugin.js')}`,
    extra,
  ].join('\n'));
  return file;
}

describe('strata CLI', () => {
  let dir: string;
  beforeEach(() => { dir = mkdtempSync(path.join(os.tmpdir(), 'strata-cli-')); });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('lists the composed plugins in start order', async () => {
    const io = capture();
    const code = await runCli(['plugins', '--config', writeConfig(dir)], io);
    expect(code).to.equal(0);
    const text = io.stdout.join('\n');
    expect(text).to.match(/1\. fixture-kv \[store\][\s\S]*2\. fixture-journal \[wal\][\s\S]*3\. fixture-echo \[protocol\]/);
    expect(text).to.contain('requires: test.journal');
  });

  it('checks a config file', async () => {
    const io = capture();
    expect(await runCli(['config', 'check', writeConfig(dir)], io)).to.equal(0);
    expect(io.stdout[0]).to.match(/OK — \d+ plugin\(s\): fixture-kv, fixture-journal, fixture-echo/);
  });

  it('fails a bad config with one line naming the cause and exit code 2', async () => {
    const file = writeConfig(dir, '    options: { port: 99999 }');
    const io = capture();
    expect(await runCli(['config', 'check', file], io)).to.equal(2);
    expect(io.stderr).to.have.length(1);
    expect(io.stderr[0]).to.equal(`strata: error [PLUGIN_OPTION_INVALID]: ${file}: plugins[2]: plugin 'fixture-echo': option 'port': must be <= 65535, got 99999`);
  });

  it('fails an environment override of a bad value', async () => {
    const io = capture({ STRATA_FIXTURE_ECHO__PORT: 'eighty' });
    expect(await runCli(['plugins', '--config', writeConfig(dir)], io)).to.equal(2);
    expect(io.stderr[0]).to.contain("option 'port': expected an integer, got \"eighty\"");
  });

  it('rejects unknown commands and options', async () => {
    const io = capture();
    expect(await runCli(['launch'], io)).to.equal(2);
    expect(io.stderr[0]).to.contain("unknown command 'launch'");
    const io2 = capture();
    expect(await runCli(['plugins', '--colour', 'red'], io2)).to.equal(2);
    expect(io2.stderr[0]).to.contain('unknown option --colour');
  });

  it('starts a server process, serves, and stops cleanly on SIGTERM and SIGINT', async function () {
    this.timeout(20_000);
    for (const signal of ['SIGTERM', 'SIGINT'] as const) {
      const file = writeConfig(dir);
      const child = spawn(process.execPath, [bin, 'start', '--config', file], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      let err = '';
      child.stdout.on('data', (d) => { out += d; });
      child.stderr.on('data', (d) => { err += d; });
      const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
      try {
        const deadline = Date.now() + 10_000;
        while (!/echo\s+listening on echo:\/\/127\.0\.0\.1:(\d+)/.test(out)) {
          if (Date.now() > deadline || child.exitCode !== null) throw new Error(`server did not start: ${out}\n${err}`);
          await new Promise((r) => setTimeout(r, 50));
        }
        expect(out).to.contain('plugins (in start order): fixture-kv [store], fixture-journal [wal], fixture-echo [protocol]');
        const port = Number(/echo:\/\/127\.0\.0\.1:(\d+)/.exec(out)![1]);
        const reply = await new Promise<string>((resolve, reject) => {
          const s = net.connect(port, '127.0.0.1', () => s.write('hello\n'));
          s.once('data', (d) => { resolve(d.toString().trim()); s.end(); });
          s.once('error', reject);
        });
        expect(reply).to.equal('1 hello');
        child.kill(signal);
        const code = await exited;
        expect(code, err).to.equal(0);
        expect(out).to.contain(`${signal} received, stopping`).and.contain('stopped cleanly');
      } finally {
        if (child.exitCode === null) child.kill('SIGKILL');
      }
    }
  });

  it('exits non-zero with one line when a config names an unknown plugin', async function () {
    this.timeout(10_000);
    const file = path.join(dir, 'strata.config.yaml');
    writeFileSync(file, 'plugins:\n  - use: flux-capacitor\n');
    const child = spawn(process.execPath, [bin, 'start', '--config', file], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d) => { err += d; });
    const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
    expect(code).to.equal(2);
    expect(err.trim().split('\n')).to.have.length(1);
    expect(err).to.contain("unknown plugin 'flux-capacitor'");
  });
});
