import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import * as net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';

/**
 * CI for templates/: generates every template with the real `strata new
 * plugin` CLI into a throw-away workspace (in os.tmpdir(), so the repository
 * is never touched), builds them all with one `tsc -b` (each references the
 * kernel), runs their own tests, then starts ONE server composed only of
 * generated plugins — store, wal, engine, function, coprocessor, protocol —
 * from a config file with `strata start --config`, and talks SQL to it over
 * TCP through the generated protocol.
 *
 * The temp workspace resolves @strata/* and every dev dependency through a
 * `node_modules` symlink to the repository's, and `kernel` through a symlink
 * to the repository's kernel, exactly as a plugin under plugins/ would.
 */

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '..', '..', '..');
const cli = path.join(repo, 'kernel', 'dist', 'src', 'cli', 'bin.js');
const tsc = path.join(repo, 'node_modules', 'typescript', 'bin', 'tsc');
const mocha = path.join(repo, 'node_modules', 'mocha', 'bin', 'mocha.js');
const KINDS = ['protocol', 'function', 'wal', 'engine', 'store', 'coprocessor'] as const;
/** First-party plugins the templates' own tests compose servers with. */
const TEST_DEPENDENCIES = ['store-fs', 'wal-local', 'engine-lsm'];

interface RunResult { code: number | null; stdout: string; stderr: string }

/** Runs a command to completion, killed (by its own pid) if it outlives `timeoutMs`. */
function run(cmd: string, args: readonly string[], cwd: string, timeoutMs: number): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NODE_OPTIONS: '' } });
    let stdout = ''; let stderr = '';
    child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`${path.basename(args[0] ?? cmd)} ${args.slice(1, 3).join(' ')} took over ${timeoutMs} ms\n${stdout}\n${stderr}`)); }, timeoutMs);
    child.on('error', (err) => { clearTimeout(timer); reject(err); });
    child.on('close', (code) => { clearTimeout(timer); resolve({ code, stdout, stderr }); });
  });
}

/** Sends lines to the generated protocol and collects answers until `answers` status lines came back. */
async function ask(port: number, text: string, answers: number, timeoutMs = 15_000): Promise<string[]> {
  const socket = net.connect(port, '127.0.0.1');
  socket.setEncoding('utf8');
  let buffered = '';
  try {
    return await new Promise<string[]>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no answer in ${timeoutMs} ms; got ${JSON.stringify(buffered)}`)), timeoutMs);
      socket.on('error', (err) => { clearTimeout(timer); reject(err); });
      socket.on('data', (s: string) => {
        buffered += s;
        const lines = buffered.split('\n').slice(0, -1);
        if (lines.filter((l) => /^(OK|ERR)\b/.test(l)).length >= answers) { clearTimeout(timer); resolve(lines); }
      });
      socket.write(text);
    });
  } finally { socket.destroy(); }
}

/** A `strata start` child process, and the lines it printed. */
interface StartedServer { readonly stdout: () => string; readonly port: number; stop(): Promise<RunResult> }

async function startServer(configFile: string, cwd: string, timeoutMs = 30_000): Promise<StartedServer> {
  const child = spawn(process.execPath, [cli, 'start', '--config', configFile], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = ''; let stderr = '';
  child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
  child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
  const exited = new Promise<RunResult>((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
  const deadline = Date.now() + timeoutMs;
  let match: RegExpExecArray | null = null;
  while (!(match = /tpl-protocol\s+listening on tcp:\/\/127\.0\.0\.1:(\d+)/.exec(stdout))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`strata start did not come up (exit ${child.exitCode}):\n${stdout}\n${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    stdout: () => stdout,
    port: Number(match[1]),
    async stop() {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      const r = await exited;
      clearTimeout(timer);
      return r;
    },
  };
}

describe('templates: generate, build, test and start every kind', function () {
  // Bounded: the whole suite stays well under 4 minutes on 2 loaded cores (one tsc, one mocha, two server starts).
  this.timeout(240_000);
  let ws: string;

  before(async () => {
    expect(existsSync(cli), 'build the kernel first (npx tsc -b kernel)').to.equal(true);
    for (const p of TEST_DEPENDENCIES) {
      if (!existsSync(path.join(repo, 'plugins', p, 'dist', 'src', 'index.js'))) {
        const r = await run(process.execPath, [tsc, '-b', path.join(repo, 'plugins', p)], repo, 180_000);
        expect(r.code, `building ${p}: ${r.stdout}${r.stderr}`).to.equal(0);
      }
    }
    ws = await mkdtemp(path.join(os.tmpdir(), 'strata-templates-'));
    await writeFile(path.join(ws, 'package.json'), `${JSON.stringify({ name: 'templates-ci', private: true, type: 'module', workspaces: ['plugins/*'] }, null, 2)}\n`);
    await writeFile(path.join(ws, 'tsconfig.json'), '{\n  "files": [],\n  "references": [\n    { "path": "kernel" }\n  ]\n}\n');
    await copyFile(path.join(repo, 'tsconfig.base.json'), path.join(ws, 'tsconfig.base.json'));
    await symlink(path.join(repo, 'kernel'), path.join(ws, 'kernel'), 'dir');
    await symlink(path.join(repo, 'node_modules'), path.join(ws, 'node_modules'), 'dir');
    await mkdir(path.join(ws, 'plugins'));
  });

  after(async () => {
    if (ws) await rm(ws, { recursive: true, force: true });
  });

  it('generates each kind with the CLI and registers it in the workspace', async () => {
    for (const kind of KINDS) {
      const r = await run(process.execPath, [cli, 'new', 'plugin', '--kind', kind, '--name', `tpl-${kind}`,
        '--templates', path.join(repo, 'templates')], ws, 30_000);
      expect(r.code, r.stderr).to.equal(0);
      expect(r.stdout).to.contain(`Created @strata/tpl-${kind} (${kind} plugin 'tpl-${kind}') in plugins/tpl-${kind}/`);
      expect(r.stdout).to.contain('Next steps:');
    }
    const refs = (JSON.parse(await readFile(path.join(ws, 'tsconfig.json'), 'utf8')) as { references: Array<{ path: string }> }).references.map((x) => x.path);
    expect(refs).to.deep.equal(['kernel', ...KINDS.map((k) => `plugins/tpl-${k}`)]);
    // Refuses to overwrite.
    const again = await run(process.execPath, [cli, 'new', 'plugin', '--kind', 'wal', '--name', 'tpl-wal', '--templates', path.join(repo, 'templates')], ws, 30_000);
    expect(again.code).to.equal(1);
    expect(again.stderr).to.contain('refusing to overwrite');
  });

  it('builds every generated package with tsc (project references to the kernel)', async () => {
    const r = await run(process.execPath, [tsc, '-b', ws], ws, 180_000);
    expect(r.code, `${r.stdout}${r.stderr}`).to.equal(0);
    for (const kind of KINDS) expect(existsSync(path.join(ws, 'plugins', `tpl-${kind}`, 'dist', 'src', 'index.js')), kind).to.equal(true);
  });

  it("passes every generated package's own tests", async () => {
    const r = await run(process.execPath, [mocha, '--no-config', '--timeout', '30000', '--exit', '--forbid-only', '--reporter', 'dot',
      ...KINDS.map((k) => `plugins/tpl-${k}/dist/test/**/*.test.js`)], ws, 120_000);
    expect(r.code, `${r.stdout}${r.stderr}`).to.equal(0);
    const passing = Number(/(\d+) passing/.exec(r.stdout)?.[1] ?? 0);
    expect(passing).to.be.at.least(33);
    expect(r.stdout).to.not.match(/\d+ failing|\d+ pending/);
  });

  it('starts a server composed only of generated plugins from a config file and serves SQL over the generated protocol', async () => {
    const config = path.join(ws, 'strata.config.yaml');
    await writeFile(config, [
      'server:', '  dataHome: ./data', '  logLevel: warn',
      'plugins:',
      '  - use: ./plugins/tpl-store',
      '    options: { fsync: false }',
      '  - use: ./plugins/tpl-wal',
      '    options: { sync: none }',
      '  - use: ./plugins/tpl-engine',
      '  - use: ./plugins/tpl-function',
      '  - use: ./plugins/tpl-coprocessor',
      '  - use: ./plugins/tpl-protocol',
      '    options: { port: 0 }',
      '',
    ].join('\n'));
    let server = await startServer(config, ws);
    try {
      const started = /plugins \(in start order\): (.*)/.exec(server.stdout())?.[1] ?? '';
      for (const kind of KINDS) expect(started).to.contain(`tpl-${kind} [${kind}]`);
      expect(await ask(server.port, [
        'CREATE TABLE cpu (host STRING, ts TIMESTAMP TIME INDEX, v DOUBLE, PRIMARY KEY (host))',
        "INSERT INTO cpu VALUES ('a', 1000, 150), ('a', 2000, 20), ('b', 1000, 5), ('a', 2000, 30)",
        'SELECT host, ts, tpl_function_clamp(v, 0, 100) AS c FROM cpu ORDER BY host, ts',
        'SELECT host, tpl_function_spread(v) AS s FROM cpu GROUP BY host ORDER BY host',
        'SELECT * FROM missing',
        '',
      ].join('\n'), 5)).to.deep.equal([
        'OK 0', 'OK 4',
        'host,ts,c', 'a,1000,100', 'a,2000,30', 'b,1000,5', 'OK 3',
        'host,s', 'a,120', 'b,0', 'OK 2',
        'ERR 4001 TABLE_NOT_FOUND Table not found: public.missing',
      ]);
    } finally {
      const r = await server.stop();
      expect(r.code, r.stderr).to.equal(0);
      expect(r.stdout).to.contain('stopped cleanly');
    }
    // Again from the same data: the generated engine, WAL and store kept the rows.
    server = await startServer(config, ws);
    try {
      expect(await ask(server.port, 'SELECT count(*) AS n, sum(v) AS total FROM cpu\n', 1)).to.deep.equal(['n,total', '3,185', 'OK 1']);
    } finally {
      expect((await server.stop()).code).to.equal(0);
    }
  });
});
