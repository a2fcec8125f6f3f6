import { StatusCode, StrataError } from '@strata/kernel';

/*
 * Script errors reuse the kernel's stable codes (so every protocol already
 * maps them) with their own classes, so callers can tell them apart with
 * instanceof and read the Python details.
 */

type Opts = { cause?: unknown };

/** A script that does not parse or whose @copr decorator is wrong. `line` is 1-based. */
export class ScriptCompileError extends StrataError {
  constructor(readonly script: string, message: string, readonly line?: number, opts?: Opts) {
    super('INVALID_SYNTAX', StatusCode.InvalidSyntax, `script '${script}': ${message}`, { ...opts, origin: 'input' });
  }
}

/** A Python exception raised by a script; the message carries the traceback with the script's line numbers. */
export class ScriptRuntimeError extends StrataError {
  constructor(readonly script: string, readonly pythonMessage: string, readonly line?: number, opts?: Opts) {
    super('EXECUTE_QUERY', StatusCode.EngineExecuteQuery, `script '${script}' failed: ${pythonMessage}`, { ...opts, origin: 'execution' });
  }
}

/** A script that ran past the time limit (it was interrupted or its worker replaced). */
export class ScriptTimeoutError extends StrataError {
  constructor(readonly script: string, readonly timeoutMs: number, opts?: Opts) {
    super('DEADLINE_EXCEEDED', StatusCode.DeadlineExceeded,
      `script '${script}' exceeded the time limit of ${timeoutMs} ms and was stopped`, { ...opts, origin: 'resources' });
  }
}

/** A script that needed more memory than memoryLimitBytes allows. */
export class ScriptMemoryLimitError extends StrataError {
  constructor(readonly script: string, readonly memoryLimitBytes: number, detail?: string, opts?: Opts) {
    super('RESOURCES_EXHAUSTED', StatusCode.RuntimeResourcesExhausted,
      `script '${script}' exceeded the memory limit of ${memoryLimitBytes} bytes and was stopped${detail ? ` (${detail})` : ''}`,
      { ...opts, origin: 'resources' });
  }
}

/** No script of that name in that database. */
export class ScriptNotFoundError extends StrataError {
  constructor(readonly database: string, readonly script: string) {
    super('INVALID_ARGUMENTS', StatusCode.InvalidArguments, `Script not found: ${database}.${script}`, { origin: 'input' });
  }
}

/** The Python worker died for a reason other than the limits (a Pyodide fatal error). */
export class ScriptWorkerError extends StrataError {
  constructor(readonly script: string, message: string, opts?: Opts) {
    super('EXECUTE_QUERY', StatusCode.EngineExecuteQuery, `script '${script}': the Python worker failed: ${message}; it was replaced`,
      { ...opts, origin: 'execution' });
  }
}
