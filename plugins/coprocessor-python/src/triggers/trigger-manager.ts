import * as arrow from 'apache-arrow';
import {
  createSession, InvalidArgumentsError, StrataError,
  type Logger, type Metrics, type QueryOutput, type ScriptService, type Session, type TableWriteEvent, type TableWrites,
  type TriggerCreateRequest, type TriggerErrorBehavior, type TriggerInfo, type TriggerRequest, type TriggerService,
} from '@strata/kernel';
import { ScriptNotFoundError } from '../errors.js';
import { tableToOutput } from '../script-service.js';
import { EngineEndpointNotFoundError, TriggerExistsError } from './trigger-errors.js';
import { TRIGGER_CHAIN_VARIABLE, type TriggerScriptRunner } from './trigger-script-runner.js';
import { formatTriggerSpec, parseTriggerSpec, type TriggerKind, type TriggerSpec } from './trigger-spec.js';
import type { StoredTrigger, TriggerStore } from './trigger-store.js';

const NAME = /^[A-Za-z_][A-Za-z0-9_-]*$/;
/** A write that descends from this many trigger runs does not fire more triggers. */
const MAX_CHAIN = 8;
/** setTimeout's longest delay; later fire times are reached in steps. */
const MAX_TIMER_MS = 2 ** 31 - 1;
/** At most one "queue full" warning per trigger this often (the counter has the rest). */
const DROP_LOG_INTERVAL_MS = 10_000;

/** One line of the trigger log (information_schema.script_trigger_logs). */
export interface TriggerLogEntry {
  readonly timeMs: number;
  readonly database: string;
  readonly trigger: string;
  readonly level: 'INFO' | 'WARN' | 'ERROR';
  readonly text: string;
}

export interface TriggerManagerOptions {
  /** Written batches a table trigger may hold waiting to run; more are dropped and counted. */
  readonly queueLength: number;
  /** Most rows of consecutive written batches one run receives together. */
  readonly batchRowsMax: number;
  /** Lines kept in the in-memory trigger log. */
  readonly logLength: number;
}

interface QueuedWrite {
  readonly table: string;
  readonly batch: arrow.RecordBatch;
  readonly chain: string;
}

/** A trigger's definition plus what happens to it in this process. */
interface Runtime {
  def: StoredTrigger;
  /** Undefined when the stored spec no longer parses (it is listed, and never runs). */
  readonly spec: TriggerSpec | undefined;
  readonly key: string;
  runs: number;
  failures: number;
  dropped: number;
  skipped: number;
  lastRunAtMs?: number;
  lastError?: string;
  readonly queue: QueuedWrite[];
  draining: boolean;
  /** Runs in flight (a schedule or table trigger has at most one). */
  running: number;
  timer?: NodeJS.Timeout;
  nextFireMs?: number;
  /** Dropped or replaced: its timers are cleared and its queue ignored. */
  closed: boolean;
  droppedSinceLog: number;
  lastDropLogMs: number;
}

const schemaKeys = new WeakMap<arrow.Schema, string>();
function schemaKey(s: arrow.Schema): string {
  let k = schemaKeys.get(s);
  if (k === undefined) {
    k = s.fields.map((f) => `${f.name}:${String(f.type)}`).join('\u0000');
    schemaKeys.set(s, k);
  }
  return k;
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * The triggers of one server (InfluxDB 3's processing-engine triggers, on
 * GreptimeDB-style stored scripts):
 *
 * ```
 *  table:<t> / all_tables   TABLE_WRITES ─▶ bounded queue per trigger (full: drop + count)
 *                                        ─▶ one run at a time, consecutive batches of one
 *                                           schema coalesced ─▶ script(args=columns of the rows)
 *  every:<d> / cron:<expr>  unref'd timer ─▶ run, unless the last run is still going (skip + count)
 *  request:<path>           /v1/engine/<path> ─▶ run with the request's params ─▶ its output
 * ```
 *
 * Every run's failure is logged (server log and the in-memory trigger log)
 * and counted (the listing and /metrics), and never reaches a writer. A write
 * made by a trigger's own script (directly or via other triggers) does not
 * fire that trigger again: statements a run executes carry the chain of
 * triggers in a session variable.
 */
export class TriggerManager implements TriggerService {
  private readonly runtimes = new Map<string, Runtime>();
  private readonly log: TriggerLogEntry[] = [];
  private removeListener?: () => void;
  private started = false;
  private stopping = false;
  /** Serializes create/drop/enable so checks (unique request paths) and stores never race. */
  private changes: Promise<unknown> = Promise.resolve();
  private readonly runsTotal?: ReturnType<Metrics['counter']>;
  private readonly runSeconds?: ReturnType<Metrics['histogram']>;
  private readonly droppedTotal?: ReturnType<Metrics['counter']>;
  private readonly skippedTotal?: ReturnType<Metrics['counter']>;
  private readonly queuedGauge?: ReturnType<Metrics['gauge']>;

  constructor(
    private readonly store: TriggerStore,
    private readonly scripts: ScriptService,
    private readonly runScript: TriggerScriptRunner,
    private readonly writes: TableWrites,
    private readonly options: TriggerManagerOptions,
    private readonly logger?: Logger,
    metrics?: Metrics,
  ) {
    this.runsTotal = metrics?.counter('strata_trigger_runs_total', 'Script trigger runs by trigger (db.name), kind and outcome (ok or error code)', ['trigger', 'kind', 'outcome']);
    this.runSeconds = metrics?.histogram('strata_trigger_run_duration_seconds', 'Script trigger run time by kind', ['kind'], [0.001, 0.01, 0.05, 0.1, 0.5, 1, 5, 10, 60]);
    this.droppedTotal = metrics?.counter('strata_trigger_dropped_batches_total', 'Written batches a table trigger dropped because its queue was full', ['trigger']);
    this.skippedTotal = metrics?.counter('strata_trigger_skipped_runs_total', 'Trigger runs not started: the previous scheduled run was still going (overlap) or the write came from the trigger itself (loop)', ['trigger', 'reason']);
    this.queuedGauge = metrics?.gauge('strata_trigger_queued_batches', 'Written batches waiting for a table trigger', ['trigger']);
    for (const def of store.list()) this.install(def);
  }

  // ------------------------------------------------------------ lifecycle

  /** Arms schedules and starts listening to writes (plugin start). */
  start(): void {
    this.started = true;
    for (const rt of this.runtimes.values()) this.arm(rt);
    this.updateListener();
  }

  /** Stops timers and listening, drops queued batches, and waits (bounded) for runs in flight. */
  async stop(waitMs = 5000): Promise<void> {
    this.stopping = true;
    this.removeListener?.();
    this.removeListener = undefined;
    for (const rt of this.runtimes.values()) {
      this.disarm(rt);
      this.clearQueue(rt);
    }
    const deadline = Date.now() + waitMs;
    while ([...this.runtimes.values()].some((rt) => rt.running > 0) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  // ------------------------------------------------------------ TriggerService

  async create(req: TriggerCreateRequest): Promise<TriggerInfo> {
    return this.serialized(async () => {
      if (!req.database) throw new InvalidArgumentsError('a trigger needs a database (db=)');
      if (!NAME.test(req.name ?? '')) throw new InvalidArgumentsError(`invalid trigger name ${JSON.stringify(req.name)}: use letters, digits, _ and -`);
      if (!req.script) throw new InvalidArgumentsError('a trigger needs a script (the name of a stored script)');
      const spec = parseTriggerSpec(req.spec ?? '');
      const errorBehavior: TriggerErrorBehavior = req.errorBehavior ?? 'log';
      if (errorBehavior !== 'log' && errorBehavior !== 'disable') {
        throw new InvalidArgumentsError(`invalid error behavior ${JSON.stringify(errorBehavior)}: use log or disable`);
      }
      for (const [k, v] of Object.entries(req.args ?? {})) {
        if (typeof v !== 'string') throw new InvalidArgumentsError(`trigger argument ${k} must be a string`);
      }
      if (!(await this.scripts.get(req.database, req.script))) throw new ScriptNotFoundError(req.database, req.script);
      const key = `${req.database}.${req.name}`;
      const existing = this.runtimes.get(key);
      if (existing && !req.replace) throw new TriggerExistsError(req.database, req.name);
      if (spec.kind === 'request') {
        const other = [...this.runtimes.values()].find((rt) => rt.key !== key && rt.spec?.kind === 'request' && rt.spec.path === spec.path);
        if (other) throw new InvalidArgumentsError(`request path ${spec.path} is already served by trigger ${other.key}`);
      }
      const now = Date.now();
      const def: StoredTrigger = {
        database: req.database, name: req.name, script: req.script, spec: formatTriggerSpec(spec, req.spec),
        args: { ...(req.args ?? {}) }, disabled: req.disabled ?? false, errorBehavior, createdAtMs: now, updatedAtMs: now,
      };
      await this.store.put(def);
      if (existing) this.close(existing);
      const rt = this.install(def);
      this.arm(rt);
      this.updateListener();
      this.record(rt, 'INFO', `${existing ? 'replaced' : 'created'}: runs script ${def.script} on ${def.spec}${def.disabled ? ' (disabled)' : ''}`);
      return this.info(rt);
    });
  }

  async drop(database: string, name: string): Promise<boolean> {
    return this.serialized(async () => {
      const rt = this.runtimes.get(`${database}.${name}`);
      if (!rt) return false;
      await this.store.delete(database, name);
      this.close(rt);
      this.runtimes.delete(rt.key);
      this.updateListener();
      this.record(rt, 'INFO', 'dropped');
      return true;
    });
  }

  async setEnabled(database: string, name: string, enabled: boolean): Promise<boolean> {
    return this.serialized(() => this.applyEnabled(database, name, enabled, enabled ? 'enabled' : 'disabled'));
  }

  list(database?: string): TriggerInfo[] {
    return [...this.runtimes.values()]
      .filter((rt) => database === undefined || rt.def.database === database)
      .sort((a, b) => (a.def.database === b.def.database ? a.def.name.localeCompare(b.def.name) : a.def.database.localeCompare(b.def.database)))
      .map((rt) => this.info(rt));
  }

  /** The trigger log, oldest first. */
  logs(): readonly TriggerLogEntry[] {
    return this.log;
  }

  async request(path: string, request: TriggerRequest, session: Session): Promise<QueryOutput> {
    const clean = path.replace(/^\/+|\/+$/g, '');
    const rt = [...this.runtimes.values()].find((r) => r.spec?.kind === 'request' && r.spec.path === clean);
    if (!rt) throw new EngineEndpointNotFoundError(clean);
    if (rt.def.disabled) throw new EngineEndpointNotFoundError(clean, `trigger ${rt.key} is disabled`);
    // the caller's parameters, then the trigger's own arguments (the administrator's settings win), then ours
    const params: Record<string, string> = { ...request.params, ...rt.def.args, method: request.method, trigger: rt.def.name };
    if (request.body !== undefined) params.body = request.body;
    const runSession = createSession({ channel: 'trigger', database: rt.def.database, timezone: session.timezone, ...(session.user ? { user: session.user } : {}) });
    const table = await this.execute(rt, 'request', undefined, params, '', runSession, true);
    return tableToOutput(table!);
  }

  // ------------------------------------------------------------ internals

  private serialized<T>(f: () => Promise<T>): Promise<T> {
    const run = this.changes.then(f, f);
    this.changes = run.catch(() => undefined);
    return run;
  }

  private async applyEnabled(database: string, name: string, enabled: boolean, why: string): Promise<boolean> {
    const rt = this.runtimes.get(`${database}.${name}`);
    if (!rt || rt.closed) return false;
    if (rt.def.disabled === !enabled) return true;
    const def: StoredTrigger = { ...rt.def, disabled: !enabled, updatedAtMs: Date.now() };
    await this.store.put(def);
    rt.def = def;
    if (enabled) this.arm(rt); else { this.disarm(rt); this.clearQueue(rt); }
    this.updateListener();
    this.record(rt, enabled ? 'INFO' : 'WARN', why);
    return true;
  }

  private install(def: StoredTrigger): Runtime {
    let spec: TriggerSpec | undefined;
    let error: string | undefined;
    try { spec = parseTriggerSpec(def.spec); } catch (err) { error = `cannot parse the stored spec: ${messageOf(err)}`; }
    const rt: Runtime = {
      def, spec, key: `${def.database}.${def.name}`, runs: 0, failures: 0, dropped: 0, skipped: 0, queue: [],
      draining: false, running: 0, closed: false, droppedSinceLog: 0, lastDropLogMs: 0, ...(error ? { lastError: error } : {}),
    };
    if (error) {
      this.logger?.error({ trigger: rt.key, spec: def.spec }, error);
      this.record(rt, 'ERROR', error);
    }
    this.runtimes.set(rt.key, rt);
    return rt;
  }

  private close(rt: Runtime): void {
    rt.closed = true;
    this.disarm(rt);
    this.clearQueue(rt);
  }

  private clearQueue(rt: Runtime): void {
    rt.queue.length = 0;
    this.queuedGauge?.set({ trigger: rt.key }, 0);
  }

  private kindOf(rt: Runtime): TriggerKind | 'invalid' {
    return rt.spec?.kind ?? 'invalid';
  }

  private info(rt: Runtime): TriggerInfo {
    const d = rt.def;
    return {
      database: d.database, name: d.name, script: d.script, spec: d.spec, args: d.args, disabled: d.disabled, errorBehavior: d.errorBehavior,
      createdAtMs: d.createdAtMs, runs: rt.runs, failures: rt.failures, dropped: rt.dropped, skipped: rt.skipped, queued: rt.queue.length,
      ...(rt.lastRunAtMs !== undefined ? { lastRunAtMs: rt.lastRunAtMs } : {}),
      ...(rt.lastError !== undefined ? { lastError: rt.lastError } : {}),
    };
  }

  private record(rt: Runtime, level: TriggerLogEntry['level'], text: string): void {
    this.log.push({ timeMs: Date.now(), database: rt.def.database, trigger: rt.def.name, level, text });
    if (this.log.length > this.options.logLength) this.log.splice(0, this.log.length - this.options.logLength);
  }

  /** Listens to TABLE_WRITES only while an enabled table trigger exists, so ingest pays nothing otherwise. */
  private updateListener(): void {
    const wanted = this.started && !this.stopping
      && [...this.runtimes.values()].some((rt) => !rt.def.disabled && (rt.spec?.kind === 'table' || rt.spec?.kind === 'all_tables'));
    if (wanted && !this.removeListener) this.removeListener = this.writes.add(this.onWrite);
    else if (!wanted && this.removeListener) { this.removeListener(); this.removeListener = undefined; }
  }

  private readonly onWrite = (e: TableWriteEvent): void => {
    if (this.stopping) return;
    let chain: string | undefined;
    for (const rt of this.runtimes.values()) {
      if (rt.closed || rt.def.disabled || rt.def.database !== e.database) continue;
      if (!(rt.spec?.kind === 'all_tables' || (rt.spec?.kind === 'table' && rt.spec.table === e.table))) continue;
      chain ??= e.session.variables.get(TRIGGER_CHAIN_VARIABLE) ?? '';
      const links = chain === '' ? [] : chain.split(',');
      if (links.includes(rt.key) || links.length >= MAX_CHAIN) {
        rt.skipped++;
        this.skippedTotal?.inc({ trigger: rt.key, reason: 'loop' });
        if (rt.skipped === 1 || rt.skipped % 1000 === 0) {
          this.record(rt, 'WARN', `not run on a write to ${e.table} made by trigger runs ${chain} (a trigger never fires on its own writes; ${rt.skipped} so far)`);
        }
        continue;
      }
      if (rt.queue.length >= this.options.queueLength) {
        rt.dropped++;
        rt.droppedSinceLog++;
        this.droppedTotal?.inc({ trigger: rt.key });
        const now = Date.now();
        if (now - rt.lastDropLogMs >= DROP_LOG_INTERVAL_MS) {
          const text = `queue full (${this.options.queueLength} batches): dropped ${rt.droppedSinceLog} written batch(es) of ${e.table}; ${rt.dropped} in all`;
          this.logger?.warn({ trigger: rt.key, dropped: rt.dropped }, `trigger ${text}`);
          this.record(rt, 'WARN', text);
          rt.lastDropLogMs = now;
          rt.droppedSinceLog = 0;
        }
        continue;
      }
      rt.queue.push({ table: e.table, batch: e.batch, chain });
      this.queuedGauge?.set({ trigger: rt.key }, rt.queue.length);
      void this.drain(rt);
    }
  };

  /** Runs a table trigger over its queue, one run at a time, coalescing consecutive batches of one table and schema. */
  private async drain(rt: Runtime): Promise<void> {
    if (rt.draining) return;
    rt.draining = true;
    try {
      while (rt.queue.length > 0 && !rt.closed && !rt.def.disabled && !this.stopping) {
        const first = rt.queue.shift()!;
        const batches = [first.batch];
        let rows = first.batch.numRows;
        const key = schemaKey(first.batch.schema);
        while (rt.queue.length > 0) {
          const next = rt.queue[0]!;
          if (next.table !== first.table || next.chain !== first.chain || schemaKey(next.batch.schema) !== key
            || rows + next.batch.numRows > this.options.batchRowsMax) break;
          batches.push(next.batch);
          rows += next.batch.numRows;
          rt.queue.shift();
        }
        this.queuedGauge?.set({ trigger: rt.key }, rt.queue.length);
        const session = createSession({ channel: 'trigger', database: rt.def.database });
        const params = { ...rt.def.args, trigger: rt.def.name, table: first.table };
        await this.execute(rt, this.kindOf(rt), new arrow.Table(batches), params, first.chain, session, false);
      }
    } finally {
      rt.draining = false;
    }
  }

  /** One run of a trigger's script: counted, timed, logged on failure; rethrows only when asked (request triggers). */
  private async execute(rt: Runtime, kind: string, input: arrow.Table | undefined, params: Readonly<Record<string, string>>,
    chain: string, session: Session, rethrow: boolean): Promise<arrow.Table | undefined> {
    const t0 = performance.now();
    rt.running++;
    const nextChain = chain === '' ? rt.key : `${chain},${rt.key}`;
    try {
      const out = await this.runScript(rt.def.database, rt.def.script, input, params, session, nextChain);
      rt.runs++;
      rt.lastRunAtMs = Date.now();
      this.runsTotal?.inc({ trigger: rt.key, kind, outcome: 'ok' });
      return out;
    } catch (err) {
      rt.runs++;
      rt.failures++;
      rt.lastRunAtMs = Date.now();
      rt.lastError = messageOf(err);
      const code = err instanceof StrataError ? err.code : 'INTERNAL';
      this.runsTotal?.inc({ trigger: rt.key, kind, outcome: code });
      this.logger?.warn({ trigger: rt.key, script: rt.def.script, code, err: rt.lastError }, 'trigger run failed');
      this.record(rt, 'ERROR', `run failed (${code}): ${rt.lastError}`);
      if (rt.def.errorBehavior === 'disable' && !rt.def.disabled && !rt.closed) {
        // through the change queue, after whatever change is in progress
        void this.serialized(() => this.applyEnabled(rt.def.database, rt.def.name, false, 'disabled after a failed run (error behavior: disable)'))
          .catch((e: unknown) => this.logger?.error({ trigger: rt.key, err: messageOf(e) }, 'could not disable the trigger'));
      }
      if (rethrow) throw err;
      return undefined;
    } finally {
      rt.running--;
      this.runSeconds?.observe({ kind }, (performance.now() - t0) / 1000);
    }
  }

  // ------------------------------------------------------------ schedules

  private disarm(rt: Runtime): void {
    if (rt.timer) clearTimeout(rt.timer);
    rt.timer = undefined;
    rt.nextFireMs = undefined;
  }

  /** Sets the timer of a schedule trigger for its next fire time (no-op for other kinds, or when not running). */
  private arm(rt: Runtime): void {
    if (!this.started || this.stopping || rt.closed || rt.def.disabled || rt.timer) return;
    const spec = rt.spec;
    if (spec?.kind !== 'every' && spec?.kind !== 'cron') return;
    const now = Date.now();
    let next: number | undefined;
    if (spec.kind === 'every') {
      // a fixed cadence from the first arming; fire times missed while busy or paused are not made up
      next = (rt.nextFireMs ?? now) + spec.periodMs;
      if (next <= now) next += Math.ceil((now - next + 1) / spec.periodMs) * spec.periodMs;
    } else {
      next = spec.cron.next(Math.max(now, rt.nextFireMs ?? 0));
      if (next === undefined) {
        this.record(rt, 'WARN', `cron expression ${spec.cron.expression} matches no time in the next years: the trigger never fires`);
        return;
      }
    }
    rt.nextFireMs = next;
    this.setTimer(rt, next);
  }

  private setTimer(rt: Runtime, at: number): void {
    rt.timer = setTimeout(() => this.fire(rt, at), Math.min(Math.max(0, at - Date.now()), MAX_TIMER_MS));
    rt.timer.unref();
  }

  private fire(rt: Runtime, at: number): void {
    rt.timer = undefined;
    if (this.stopping || rt.closed || rt.def.disabled) return;
    // a far fire time is reached in several timer steps
    if (at - Date.now() > 50) { this.setTimer(rt, at); return; }
    if (rt.running > 0) {
      rt.skipped++;
      this.skippedTotal?.inc({ trigger: rt.key, reason: 'overlap' });
      this.record(rt, 'WARN', `run at ${new Date(at).toISOString()} skipped: the previous run has not finished`);
    } else {
      const session = createSession({ channel: 'trigger', database: rt.def.database });
      const params = { ...rt.def.args, trigger: rt.def.name, scheduled_time: String(at) };
      void this.execute(rt, this.kindOf(rt), undefined, params, '', session, false);
    }
    this.arm(rt);
  }
}
