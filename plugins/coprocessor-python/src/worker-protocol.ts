import type { WireColumn } from './column-codec.js';

/** What the main thread hands a new worker. */
export interface WorkerInit {
  readonly indexURL: string;
  readonly pythonDir: string;
  readonly memoryLimitBytes: number;
  readonly wheelsDir?: string;
  /** Pyodide's interrupt buffer: the main thread writes 2 (SIGINT) to stop a script. */
  readonly interrupt: SharedArrayBuffer;
  /** Set to 1 by the main thread when the answer to a query() call is on the query port. */
  readonly queryFlag: SharedArrayBuffer;
  /** Longest a worker waits for a query() answer. */
  readonly queryTimeoutMs: number;
}

/** The signature as the Python runner reads it from a script's source. */
export interface RawSignature {
  readonly function: string;
  readonly args: string[];
  readonly returns: Array<{ name: string; type: string | null }>;
  readonly sql: string | null;
  readonly kwargs: boolean;
  readonly line: number;
}

export type ScriptFailureKind = 'syntax' | 'definition' | 'runtime' | 'memory' | 'interrupt' | 'crash';

export interface ScriptFailure {
  readonly error: ScriptFailureKind;
  readonly message: string;
  readonly line: number | null;
}

export type ToWorker =
  | { readonly type: 'describe'; readonly id: number; readonly name: string; readonly source: string }
  | {
    readonly type: 'run'; readonly id: number; readonly name: string; readonly source: string;
    readonly columns: WireColumn[]; readonly rowCount: number; readonly params: Record<string, string>;
  };

export type FromWorker =
  | { readonly type: 'ready'; readonly startMs: number; readonly version: string }
  | { readonly type: 'start-failed'; readonly message: string }
  | { readonly type: 'described'; readonly id: number; readonly signature?: RawSignature; readonly failure?: ScriptFailure }
  | { readonly type: 'ran'; readonly id: number; readonly columns?: WireColumn[]; readonly rowCount?: number; readonly failure?: ScriptFailure }
  | { readonly type: 'stdout'; readonly text: string };

/** A query() call from a script, sent on the query port. */
export interface QueryCall {
  readonly sql: string;
}

/** The answer, posted on the query port before the flag is raised. */
export type QueryAnswer =
  | { readonly names: string[]; readonly columns: WireColumn[] }
  | { readonly error: string };
