import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';

/**
 * A child process started by the bench: its output goes to a log file, and
 * stop() signals exactly this PID (SIGTERM, then SIGKILL after a grace period).
 */
export class ManagedProcess {
  private child: ChildProcess | undefined;
  private exited = false;
  private exitInfo = '';

  constructor(
    readonly name: string,
    private readonly command: string,
    private readonly args: string[],
    private readonly logPath: string,
    private readonly opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
  ) {}

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get alive(): boolean {
    return this.child !== undefined && !this.exited;
  }

  describeExit(): string {
    return this.exitInfo;
  }

  start(): void {
    const log = createWriteStream(this.logPath, { flags: 'a' });
    const child = spawn(this.command, this.args, {
      cwd: this.opts.cwd,
      env: this.opts.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout?.pipe(log);
    child.stderr?.pipe(log);
    child.on('exit', (code, signal) => {
      this.exited = true;
      this.exitInfo = `exit code ${code}, signal ${signal}; log: ${this.logPath}`;
    });
    child.on('error', (err) => {
      this.exited = true;
      this.exitInfo = `${err.message}; log: ${this.logPath}`;
    });
    this.child = child;
  }

  async stop(graceMs = 30_000): Promise<void> {
    const child = this.child;
    if (!child || this.exited || child.pid === undefined) return;
    const done = new Promise<void>((r) => child.once('exit', () => r()));
    process.kill(child.pid, 'SIGTERM');
    const timer = new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), graceMs));
    if ((await Promise.race([done, timer])) === 'timeout' && !this.exited) {
      process.kill(child.pid, 'SIGKILL');
      await done;
    }
  }
}

/** Processes started in this run, stopped on exit or on a signal (by PID only). */
export const startedProcesses = new Set<ManagedProcess>();

/** Stops every process this run started (SIGTERM, SIGKILL after `graceMs`), ignoring ones already gone. */
export async function stopStartedProcesses(graceMs: number): Promise<void> {
  await Promise.all([...startedProcesses].map((p) => p.stop(graceMs).catch(() => undefined)));
  startedProcesses.clear();
}
