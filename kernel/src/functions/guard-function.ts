import { CancelledError, DeadlineExceededError, ExecutionError, StrataError } from '../errors/errors.js';
import type { FunctionDefinition } from '../interfaces/function.js';

/**
 * Turns anything a plugin or runtime function throws into a query error
 * naming the function (the original kept as `cause`); a StrataError keeps
 * its code and gains the name; timeouts and cancellation pass unchanged.
 */
export function functionError(name: string, phase: string, err: unknown): Error {
  if (err instanceof DeadlineExceededError || err instanceof CancelledError) return err;
  if (err instanceof StrataError) {
    // A message that already names the function (a script's error names its script) stays as it is.
    if (!err.message.includes(`'${name}'`)) err.message = `function '${name}' failed in ${phase}: ${err.message}`;
    return err;
  }
  return new ExecutionError(`function '${name}' failed in ${phase}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
}

const GUARDED = Symbol.for('strata.function.guarded');

const HOOKS: Record<string, readonly string[]> = {
  scalar: ['invoke', 'invokeAsync'],
  aggregate: ['init', 'update', 'merge', 'retract', 'canRetract', 'finalize', 'serialize', 'deserialize'],
  window: ['evaluatePartition', 'evaluateFrame'],
};

/**
 * Wraps every hook of a non-built-in function so a throw inside it becomes
 * a clear query error, whichever operator calls it (projection, aggregate,
 * window). The definition is guarded in place, so the registry still holds
 * the plugin's own object (a symbol marks it: one server after another in
 * a process does not stack wrappers); a frozen definition is copied.
 * SDK-made functions already name themselves; guarding them is harmless.
 */
export function guardFunction<F extends FunctionDefinition>(fn: F): F {
  const rec = fn as unknown as Record<string | symbol, unknown>;
  if (rec[GUARDED]) return fn;
  const hooks = HOOKS[fn.kind] ?? [];
  const target = (Object.isFrozen(fn) ? { ...fn } : fn) as unknown as Record<string | symbol, unknown>;
  for (const h of hooks) {
    const f = rec[h];
    if (typeof f !== 'function') continue;
    const name = fn.name;
    target[h] = function guarded(this: unknown, ...a: unknown[]): unknown {
      let r: unknown;
      try { r = (f as (...x: unknown[]) => unknown).apply(this, a); } catch (e) { throw functionError(name, h, e); }
      // An async body's rejection gets the same treatment as a throw.
      if (h === 'invokeAsync' && r instanceof Promise) return r.catch((e: unknown) => { throw functionError(name, h, e); });
      return r;
    };
  }
  Object.defineProperty(target, GUARDED, { value: true, enumerable: false });
  return target as unknown as F;
}
