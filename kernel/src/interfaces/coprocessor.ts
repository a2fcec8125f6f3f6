import type * as arrow from 'apache-arrow';
import type { DataType } from '../data/data-types.js';
import type { Session } from './session.js';

/** What a script declares: its input query, argument columns and returned columns. */
export interface ScriptSignature {
  readonly name: string;
  readonly args: readonly string[];
  readonly returns: ReadonlyArray<{ readonly name: string; readonly type?: DataType }>;
  readonly sql?: string;
}

/**
 * Runs user scripts next to the data (GreptimeDB's coprocessors). Scripts
 * are compiled once and run many times over query results; columns cross as
 * Arrow buffers; a time and memory limit applies to every run.
 */
export interface Coprocessor {
  readonly language: string;
  compile(name: string, source: string): Promise<ScriptSignature>;
  run(name: string, source: string, input: arrow.Table | undefined,
    params: Readonly<Record<string, string>>, session: Session): Promise<arrow.Table>;
}
