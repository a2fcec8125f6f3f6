import type * as arrow from 'apache-arrow';
import type { DataType } from '../data/data-types.js';
import type { QueryOutput } from './query.js';
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

/** A script as the script service stores it. */
export interface StoredScript {
  readonly database: string;
  readonly name: string;
  readonly source: string;
  readonly signature: ScriptSignature;
  /** The coprocessor language that runs it ('python'). */
  readonly language: string;
  readonly createdAtMs: number;
  readonly updatedAtMs: number;
}

/**
 * Stored scripts, submitted and run by name per database: what GreptimeDB's
 * `POST /v1/scripts?db=&name=` and `POST /v1/run-script?db=&name=&k=v` do.
 * Provided by a coprocessor plugin under the SCRIPTS token; protocols call it
 * through the token and never import the plugin.
 *
 * `submit` compiles first (a syntax error or a bad decorator rejects with
 * the script's line number) and replaces a script of the same name. `run`
 * resolves to one output in the shape `QueryService.execute` yields, so a
 * protocol encodes it like any query result; the extra `params` are the
 * script's `**kwargs` (all strings).
 *
 * @example
 * const scripts = ctx.tryGet(SCRIPTS);
 * await scripts?.submit('public', 'double', src);
 * const out = await scripts!.run('public', 'double', { factor: '2' }, session);
 * if (out.kind === 'records') for await (const b of out.batches) console.log(b.numRows);
 */
export interface ScriptService {
  submit(database: string, name: string, source: string): Promise<ScriptSignature>;
  run(database: string, name: string, params: Readonly<Record<string, string>>, session: Session): Promise<QueryOutput>;
  /** Scripts of one database, or of every database when omitted, sorted by (database, name). */
  list(database?: string): Promise<StoredScript[]>;
  get(database: string, name: string): Promise<StoredScript | undefined>;
  /** True when a script was deleted. */
  delete(database: string, name: string): Promise<boolean>;
}
