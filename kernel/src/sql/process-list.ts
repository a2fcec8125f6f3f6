import { hostname } from 'node:os';
import { CancelledError } from '../errors/errors.js';
import type { Session } from '../interfaces/session.js';

/** One running statement (a row of information_schema.process_list). */
export interface RunningStatement {
  /** Local process number; the process id shown is `${frontend}/${number}`. */
  readonly number: number;
  readonly session: Session;
  /** The statement's text (one statement of a `;`-separated text). */
  readonly query: string;
  readonly startMs: number;
  readonly controller: AbortController;
}

/**
 * The statements running on this server, as GreptimeDB's process manager
 * keeps them for `SHOW [FULL] PROCESSLIST`, `information_schema.process_list`
 * and `KILL`. A statement is added when it starts and removed when its output
 * is drained, or it fails; KILL aborts its AbortController, which every
 * operator of the statement watches.
 *
 * The cost on the statement path is a counter increment, one small object and
 * a Map insert and delete: no timers, no text copies (the statement's text is
 * the parser's).
 *
 * @example
 * const n = processes.add(session, 'SELECT 1', ac);
 * try { ... } finally { processes.remove(n); }
 */
export class ProcessList {
  private nextNumber = 1;
  private readonly running = new Map<number, RunningStatement>();

  /** @param frontend names this server in process ids (`host/12`), as GreptimeDB's frontend address does. */
  constructor(readonly frontend: string = hostname()) {}

  /** Registers a starting statement; returns its number. */
  add(session: Session, query: string, controller: AbortController): number {
    const number = this.nextNumber++;
    this.running.set(number, { number, session, query, startMs: Date.now(), controller });
    return number;
  }

  remove(number: number): void {
    this.running.delete(number);
  }

  /** The process id shown for a statement: `${frontend}/${number}`. */
  idOf(p: RunningStatement): string {
    return `${this.frontend}/${p.number}`;
  }

  /** Running statements, oldest first. */
  list(): RunningStatement[] {
    return [...this.running.values()];
  }

  /**
   * Stops the statement with process id `id` (`frontend/n`, or `n` alone);
   * false when none runs under that id. `self` (the KILL statement's own
   * signal) is never stopped.
   */
  kill(id: string, self?: AbortSignal): boolean {
    const slash = id.lastIndexOf('/');
    const frontend = slash >= 0 ? id.slice(0, slash) : this.frontend;
    const text = slash >= 0 ? id.slice(slash + 1) : id;
    if (frontend !== this.frontend || !/^\d+$/.test(text)) return false;
    const p = this.running.get(Number(text));
    if (!p || p.controller.signal === self) return false;
    this.abort(p, `KILL '${this.idOf(p)}'`);
    return true;
  }

  /** Stops the statements MySQL connection `connectionId` is running (KILL QUERY); returns how many. */
  killConnectionQuery(connectionId: number, self?: AbortSignal): number {
    let n = 0;
    for (const p of this.running.values()) {
      if (p.controller.signal === self || p.session.channel !== 'mysql' || p.session.connectionId !== connectionId) continue;
      this.abort(p, `KILL QUERY ${connectionId}`);
      n++;
    }
    return n;
  }

  private abort(p: RunningStatement, by: string): void {
    p.controller.abort(new CancelledError(`query ${this.idOf(p)} was killed (${by})`));
  }
}
