import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { MessageChannel, Worker, type MessagePort } from 'node:worker_threads';
import { IllegalStateError, type Logger, type Metrics } from '@strata/kernel';
import { transferablesOf, type WireColumn } from './column-codec.js';
import { ScriptMemoryLimitError, ScriptTimeoutError, ScriptWorkerError } from './errors.js';
import type { FromWorker, QueryAnswer, QueryCall, RawSignature, ScriptFailure, ToWorker, WorkerInit } from './worker-protocol.js';

export interface WorkerPoolOptions {
  readonly workers: number;
  readonly timeoutMs: number;
  readonly interruptGraceMs: number;
  readonly memoryLimitBytes: number;
  readonly startTimeoutMs: number;
  readonly wheelsDir?: string;
  readonly logger?: Logger;
  /** Counts worker replacements (strata_script_worker_restarts_total). */
  readonly metrics?: Metrics;
}

/** Answers a script's query() calls for one run. */
export type QueryHandler = (sql: string) => Promise<QueryAnswer>;

export type DescribeResult = { signature: RawSignature } | { failure: ScriptFailure };
export type RunResult = { columns: WireColumn[]; rowCount: number } | { failure: ScriptFailure };

interface Task {
  readonly msg: ToWorker;
  readonly script: string;
  readonly onQuery?: QueryHandler;
  readonly resolve: (v: FromWorker) => void;
  readonly reject: (e: Error) => void;
  settled: boolean;
}

interface Slot {
  readonly id: number;
  readonly worker: Worker;
  readonly interrupt: Uint8Array;
  readonly queryFlag: Int32Array;
  readonly queryPort: MessagePort;
  ready: boolean;
  task?: Task;
  timer?: NodeJS.Timeout;
  graceTimer?: NodeJS.Timeout;
  /** Set when the slot's worker is being replaced: it takes no more work. */
  retired: boolean;
}

const require = createRequire(import.meta.url);
const HERE = path.dirname(fileURLToPath(import.meta.url));
/** plugins/coprocessor-python/python, from dist/src. */
export const PYTHON_DIR = path.resolve(HERE, '../../python');
const WORKER_FILE = path.join(HERE, 'python-worker.js');

/** The directory of the installed pyodide package (loaded from disk, never a CDN). */
export function pyodideIndexURL(): string {
  return path.dirname(require.resolve('pyodide')) + path.sep;
}

/**
 * A fixed-size pool of worker threads, each with its own Pyodide, started
 * once. Requests queue until a worker is free. A run that passes the time
 * limit is interrupted; if it does not stop within the grace period its
 * worker is terminated and replaced, and so is a worker that ran out of
 * memory or crashed. The pool keeps serving while a replacement starts.
 *
 * ```
 *  run() ─▶ queue ─▶ idle worker ─▶ result
 *                      │ timeout ─▶ SIGINT ─(grace)─▶ terminate ─▶ respawn
 *                      │ out of memory / crash ─────▶ respawn
 * ```
 */
export class PythonWorkerPool {
  private readonly slots = new Set<Slot>();
  private readonly queue: Task[] = [];
  private nextTaskId = 1;
  private nextSlotId = 1;
  private stopped = false;
  private consecutiveStartFailures = 0;
  /** Figures for tests, metrics and the bench. */
  readonly stats = { runs: 0, restarts: 0, timeouts: 0, memoryErrors: 0, lastStartMs: 0 };

  constructor(private readonly opts: WorkerPoolOptions) {}

  /** Starts every worker; resolves when all have loaded Pyodide. */
  async start(): Promise<void> {
    await Promise.all(Array.from({ length: this.opts.workers }, () => this.spawn()));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    const err = new IllegalStateError('the Python coprocessor is stopping');
    for (const t of this.queue.splice(0)) this.settle(t, err);
    await Promise.all([...this.slots].map((s) => this.kill(s, err)));
  }

  /** Reads a script's signature (parses it; does not run it). */
  async describe(name: string, source: string): Promise<DescribeResult> {
    const res = await this.submit({ type: 'describe', id: this.nextTaskId++, name, source }, name);
    if (res.type !== 'described') throw new IllegalStateError(`unexpected worker answer ${res.type}`);
    return res.failure ? { failure: res.failure } : { signature: res.signature! };
  }

  /** Runs a script over columns; `onQuery` answers its query() calls. */
  async run(name: string, source: string, columns: WireColumn[], rowCount: number,
    params: Record<string, string>, onQuery?: QueryHandler): Promise<RunResult> {
    this.stats.runs++;
    const res = await this.submit({ type: 'run', id: this.nextTaskId++, name, source, columns, rowCount, params }, name, onQuery);
    if (res.type !== 'ran') throw new IllegalStateError(`unexpected worker answer ${res.type}`);
    if (res.failure) return { failure: res.failure };
    return { columns: res.columns!, rowCount: res.rowCount! };
  }

  /** Workers currently able to take work. */
  get readyWorkers(): number {
    return [...this.slots].filter((s) => s.ready && !s.retired).length;
  }

  /**
   * Workers running a script, including one whose caller already got a
   * ScriptTimeoutError and that has not stopped yet (it is interrupted, then
   * replaced after the grace period).
   */
  get busyWorkers(): number {
    return [...this.slots].filter((s) => s.task !== undefined && !s.retired).length;
  }

  private submit(msg: ToWorker, script: string, onQuery?: QueryHandler): Promise<FromWorker> {
    if (this.stopped) return Promise.reject(new IllegalStateError('the Python coprocessor is stopped'));
    return new Promise<FromWorker>((resolve, reject) => {
      this.queue.push({ msg, script, onQuery, resolve, reject, settled: false });
      this.dispatch();
    });
  }

  private dispatch(): void {
    for (const slot of this.slots) {
      if (!this.queue.length) return;
      if (!slot.ready || slot.retired || slot.task) continue;
      const task = this.queue.shift()!;
      slot.task = task;
      const transfer = task.msg.type === 'run' ? transferablesOf(task.msg.columns) : [];
      slot.worker.postMessage(task.msg, transfer);
      // describe is bounded too: parsing a pathological source must not hold a worker forever
      slot.timer = setTimeout(() => this.onTimeout(slot, task), this.opts.timeoutMs);
    }
  }

  private settle(task: Task, outcome: FromWorker | Error): void {
    if (task.settled) return;
    task.settled = true;
    if (outcome instanceof Error) task.reject(outcome);
    else task.resolve(outcome);
  }

  private onTimeout(slot: Slot, task: Task): void {
    if (slot.task !== task) return;
    this.stats.timeouts++;
    this.settle(task, new ScriptTimeoutError(task.script, this.opts.timeoutMs));
    // ask Python to stop (KeyboardInterrupt); replace the worker if it does not
    Atomics.store(slot.interrupt, 0, 2);
    // wake a worker blocked in query() so it sees the interrupt
    Atomics.store(slot.queryFlag, 0, 1);
    Atomics.notify(slot.queryFlag, 0);
    slot.graceTimer = setTimeout(() => {
      if (slot.task === task) {
        this.opts.logger?.warn({ script: task.script }, 'script ignored the interrupt; replacing its worker');
        void this.replace(slot, new ScriptTimeoutError(task.script, this.opts.timeoutMs));
      }
    }, this.opts.interruptGraceMs);
  }

  private finishTask(slot: Slot): Task | undefined {
    const task = slot.task;
    slot.task = undefined;
    clearTimeout(slot.timer);
    clearTimeout(slot.graceTimer);
    return task;
  }

  private onMessage(slot: Slot, m: FromWorker): void {
    if (m.type === 'stdout') {
      this.opts.logger?.debug({ script: slot.task?.script, text: m.text }, 'script output');
      return;
    }
    if (m.type !== 'described' && m.type !== 'ran') return;
    const task = this.finishTask(slot);
    if (!task || task.msg.id !== m.id) return;
    const failure = m.failure;
    if (failure?.error === 'memory') {
      this.stats.memoryErrors++;
      this.settle(task, new ScriptMemoryLimitError(task.script, this.opts.memoryLimitBytes, lastLine(failure.message)));
      // the Python heap stays at its high-water mark: start afresh
      void this.replace(slot);
      return;
    }
    if (failure?.error === 'crash') {
      this.settle(task, new ScriptWorkerError(task.script, failure.message));
      void this.replace(slot);
      return;
    }
    this.settle(task, m);
    this.dispatch();
  }

  private onQuery(slot: Slot, call: QueryCall): void {
    const task = slot.task;
    const answer = (a: QueryAnswer): void => {
      if (slot.task !== task || slot.retired) return;
      try {
        slot.queryPort.postMessage(a, 'columns' in a ? transferablesOf(a.columns) : []);
      } catch (err) {
        slot.queryPort.postMessage({ error: `query() result could not be sent: ${(err as Error).message}` });
      }
      Atomics.store(slot.queryFlag, 0, 1);
      Atomics.notify(slot.queryFlag, 0);
    };
    if (!task?.onQuery) {
      answer({ error: 'query() is not available here (no query service)' });
      return;
    }
    task.onQuery(call.sql).then(answer, (err: unknown) => answer({ error: err instanceof Error ? err.message : String(err) }));
  }

  private spawn(): Promise<void> {
    const interrupt = new SharedArrayBuffer(1);
    const queryFlag = new SharedArrayBuffer(4);
    const { port1, port2 } = new MessageChannel();
    const init: WorkerInit & { queryPort: MessagePort } = {
      indexURL: pyodideIndexURL(),
      pythonDir: PYTHON_DIR,
      memoryLimitBytes: this.opts.memoryLimitBytes,
      ...(this.opts.wheelsDir ? { wheelsDir: this.opts.wheelsDir } : {}),
      interrupt,
      queryFlag,
      queryTimeoutMs: this.opts.timeoutMs + this.opts.interruptGraceMs,
      queryPort: port2,
    };
    const heapMb = Math.max(128, Math.ceil(this.opts.memoryLimitBytes / (1024 * 1024)));
    const worker = new Worker(WORKER_FILE, {
      workerData: init,
      transferList: [port2],
      resourceLimits: { maxOldGenerationSizeMb: heapMb },
      stdout: false,
      stderr: false,
    });
    const slot: Slot = {
      id: this.nextSlotId++, worker, interrupt: new Uint8Array(interrupt), queryFlag: new Int32Array(queryFlag),
      queryPort: port1, ready: false, retired: false,
    };
    this.slots.add(slot);
    port1.on('message', (c: QueryCall) => this.onQuery(slot, c));
    port1.unref();

    return new Promise<void>((resolve, reject) => {
      const startTimer = setTimeout(() => {
        fail(new IllegalStateError(`a Python worker did not start within ${this.opts.startTimeoutMs} ms`));
      }, this.opts.startTimeoutMs);
      let started = false;
      const fail = (err: Error): void => {
        clearTimeout(startTimer);
        if (started) return;
        started = true;
        this.consecutiveStartFailures++;
        void this.kill(slot, err);
        reject(err);
      };
      worker.on('message', (m: FromWorker) => {
        if (m.type === 'ready') {
          clearTimeout(startTimer);
          started = true;
          this.consecutiveStartFailures = 0;
          slot.ready = true;
          this.stats.lastStartMs = m.startMs;
          this.opts.logger?.debug({ worker: slot.id, startMs: m.startMs, pyodide: m.version }, 'Python worker ready');
          resolve();
          this.dispatch();
          return;
        }
        if (m.type === 'start-failed') {
          fail(new IllegalStateError(`a Python worker failed to start: ${m.message}`));
          return;
        }
        this.onMessage(slot, m);
      });
      worker.on('error', (err: Error & { code?: string }) => {
        if (!started) { fail(err); return; }
        const task = this.finishTask(slot);
        if (task) {
          if (err.code === 'ERR_WORKER_OUT_OF_MEMORY') {
            this.stats.memoryErrors++;
            this.settle(task, new ScriptMemoryLimitError(task.script, this.opts.memoryLimitBytes, 'JavaScript heap', { cause: err }));
          } else {
            this.settle(task, new ScriptWorkerError(task.script, err.message, { cause: err }));
          }
        }
        void this.replace(slot);
      });
      worker.on('exit', (code) => {
        if (!started) { fail(new IllegalStateError(`a Python worker exited with code ${code} while starting`)); return; }
        if (!slot.retired) {
          const task = this.finishTask(slot);
          if (task) this.settle(task, new ScriptWorkerError(task.script, `worker exited with code ${code}`));
          void this.replace(slot);
        }
      });
    });
  }

  private async kill(slot: Slot, err: Error): Promise<void> {
    slot.retired = true;
    slot.ready = false;
    const task = this.finishTask(slot);
    if (task) this.settle(task, err);
    this.slots.delete(slot);
    slot.queryPort.close();
    await slot.worker.terminate().catch(() => undefined);
  }

  /** Terminates a slot's worker and starts a new one in its place. */
  private async replace(slot: Slot, err?: Error): Promise<void> {
    if (slot.retired) return;
    this.stats.restarts++;
    this.opts.metrics?.counter('strata_script_worker_restarts_total', 'Python workers replaced after a timeout, memory error or crash').inc();
    await this.kill(slot, err ?? new ScriptWorkerError('?', 'worker replaced'));
    if (this.stopped) return;
    while (!this.stopped) {
      try {
        await this.spawn();
        return;
      } catch (e) {
        this.opts.logger?.error({ err: e }, 'could not start a replacement Python worker');
        if (this.consecutiveStartFailures >= 3 && this.readyWorkers === 0) {
          const failure = new IllegalStateError(`no Python worker could be started: ${(e as Error).message}`);
          for (const t of this.queue.splice(0)) this.settle(t, failure);
          return;
        }
        await new Promise((r) => setTimeout(r, 500));
      }
    }
  }
}

function lastLine(s: string): string {
  const lines = s.trim().split('\n');
  return lines[lines.length - 1] ?? s;
}
