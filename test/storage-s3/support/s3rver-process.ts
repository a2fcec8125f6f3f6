import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

const CHILD = fileURLToPath(new URL('./s3rver-child.js', import.meta.url));

/**
 * A real S3-protocol server (s3rver) on 127.0.0.1 in a child process, storing
 * into `directory`. `start()` with port 0 picks a free port; `restart()` comes
 * back on the same port and directory, as a server returning after an outage.
 *
 * @example
 * const s3 = await S3rverProcess.start(dir, ['strata-test']);
 * // ... endpoint: s3.endpoint, forcePathStyle: true
 * await s3.stop();
 */
export class S3rverProcess {
  private constructor(private child: ChildProcess | undefined, readonly port: number,
    readonly directory: string, readonly buckets: readonly string[]) {}

  get endpoint(): string { return `http://127.0.0.1:${this.port}`; }

  static async start(directory: string, buckets: readonly string[], port = 0): Promise<S3rverProcess> {
    const child = await S3rverProcess.spawn(directory, buckets, port);
    return new S3rverProcess(child.child, child.port, directory, buckets);
  }

  private static async spawn(directory: string, buckets: readonly string[], port: number): Promise<{ child: ChildProcess; port: number }> {
    const child = fork(CHILD, [directory, String(port), ...buckets], {
      execArgv: ['--openssl-legacy-provider', '--no-warnings'],
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    try {
      const [msg] = await Promise.race([
        once(child, 'message') as Promise<[{ port: number }]>,
        once(child, 'exit').then(([code]) => { throw new Error(`s3rver exited with ${code} before listening`); }),
      ]);
      return { child, port: msg.port };
    } finally {
      clearTimeout(timer);
    }
  }

  /** Stops the server: SIGKILL simulates a crash (connections cut), SIGTERM a clean stop. */
  async stop(signal: 'SIGTERM' | 'SIGKILL' = 'SIGTERM'): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    this.child = undefined;
    const exited = once(child, 'exit');
    child.kill(signal);
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  }

  /** Starts the server again on the same port and directory. */
  async restart(): Promise<void> {
    await this.stop();
    for (let attempt = 0; ; attempt++) {
      try {
        this.child = (await S3rverProcess.spawn(this.directory, this.buckets, this.port)).child;
        return;
      } catch (err) {
        if (attempt >= 10) throw err;
        await new Promise((r) => setTimeout(r, 100)); // the port may linger briefly
      }
    }
  }
}
