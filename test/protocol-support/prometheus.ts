import { spawn, type ChildProcess } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';

/** A port free on 127.0.0.1 right now (for servers that cannot bind port 0 and report it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => { const { port } = s.address() as net.AddressInfo; s.close(() => resolve(port)); });
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** SIGTERM, then SIGKILL after `graceMs`; resolves once the process has exited (or was already gone). */
export async function stopProcess(child: ChildProcess, graceMs = 10_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  if (await Promise.race([exited.then(() => true), sleep(graceMs).then(() => false)])) return;
  child.kill('SIGKILL');
  await exited;
}

export interface PrometheusProcess {
  readonly port: number;
  readonly url: string;
  readonly child: ChildProcess;
}

export interface StartPrometheusOptions {
  /** Directory for the config file (`<name>.yml`). */
  readonly dir: string;
  readonly name: string;
  /** The config text, or a function of the port it will listen on (to scrape itself). */
  readonly config: string | ((port: number) => string);
  /** TSDB directory; default `<dir>/<name>`. */
  readonly home?: string;
  readonly extraArgs?: readonly string[];
  readonly readyTimeoutMs?: number;
}

/**
 * Starts a real Prometheus (Debian package `prometheus`, installed by .ci/run)
 * on 127.0.0.1 and waits for `/-/ready`. Fails with its stderr when it exits
 * or is not ready in time; stop it with stopProcess.
 */
export async function startPrometheus(opts: StartPrometheusOptions): Promise<PrometheusProcess> {
  const port = await freePort();
  const configFile = path.join(opts.dir, `${opts.name}.yml`);
  await writeFile(configFile, typeof opts.config === 'function' ? opts.config(port) : opts.config);
  const child = spawn('prometheus', [
    `--config.file=${configFile}`, `--storage.tsdb.path=${opts.home ?? path.join(opts.dir, opts.name)}`,
    `--web.listen-address=127.0.0.1:${port}`, '--log.level=warn', ...(opts.extraArgs ?? []),
  ], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  let spawnError: Error | undefined;
  child.once('error', (err) => { spawnError = err; });
  child.stderr!.on('data', (d: Buffer) => { stderr = (stderr + d.toString()).slice(-4000); });
  const url = `http://127.0.0.1:${port}`;
  const timeoutMs = opts.readyTimeoutMs ?? 30_000;
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (spawnError) throw new Error(`cannot start prometheus (Debian package prometheus, listed in .ci/apt-packages.txt): ${spawnError.message}`);
    if (child.exitCode !== null) throw new Error(`prometheus ${opts.name} exited (${child.exitCode}): ${stderr}`);
    try { if ((await fetch(`${url}/-/ready`)).status === 200) return { port, url, child }; } catch { /* not up yet */ }
    await sleep(200);
  }
  child.kill('SIGKILL');
  throw new Error(`prometheus ${opts.name} not ready in ${timeoutMs} ms: ${stderr}`);
}
