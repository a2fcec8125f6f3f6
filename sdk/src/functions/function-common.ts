import {
  CancelledError, DeadlineExceededError, ExecutionError, InvalidArgumentsError, StrataError,
  type ArgType, type DataType, type DataTypeName, type FunctionContext, type ReturnTypeRule, type Signature, type Volatility,
} from '@strata/kernel';

/** A return type: a type name, a DataType, or a rule from the argument types. */
export type ReturnSpec = DataTypeName | DataType | ((argTypes: readonly DataType[]) => DataTypeName | DataType);

/** What every define*Function spec has. */
export interface FunctionSpecBase {
  /** Lower-case SQL name. */
  readonly name: string;
  readonly description?: string;
  readonly aliases?: readonly string[];
  /** One signature's argument types (shorthand for `signatures: [{ args }]`). */
  readonly args?: readonly ArgType[];
  /** With `args`: the last argument type repeats. */
  readonly variadic?: boolean;
  /** Overloads, tried in order (instead of `args`). */
  readonly signatures?: readonly Signature[];
  readonly returns: ReturnSpec;
  /** 'immutable' (default) lets the planner fold constant calls; use 'volatile' for random or time-dependent bodies. */
  readonly volatility?: Volatility;
}

/**
 * The context a body gets: the kernel's FunctionContext plus the function's
 * name, its resolved return type and `checkTimeout()`, which long bodies
 * should call every few thousand rows (JS cannot interrupt a running loop).
 */
export interface UdfContext extends FunctionContext {
  readonly functionName: string;
  readonly returnType: DataType;
  /** Throws DEADLINE_EXCEEDED / CANCELLED when the query's timeout passed or it was cancelled. */
  checkTimeout(): void;
}

export function toDataType(t: DataTypeName | DataType): DataType {
  return typeof t === 'string' ? { name: t } : t;
}

export function returnRule(spec: ReturnSpec): ReturnTypeRule {
  if (typeof spec === 'function') return (args) => toDataType(spec(args));
  return toDataType(spec);
}

export function resolveReturn(rule: ReturnTypeRule, argTypes: readonly DataType[]): DataType {
  return typeof rule === 'function' ? rule(argTypes) : rule;
}

export function signaturesOf(spec: FunctionSpecBase, kind: string): Signature[] {
  const where = `${kind} function '${String(spec.name)}'`;
  if (spec.signatures && spec.args) throw new InvalidArgumentsError(`${where}: give either 'args' or 'signatures', not both`);
  const sigs = spec.signatures ?? (spec.args ? [{ args: spec.args, ...(spec.variadic ? { variadic: true } : {}) }] : undefined);
  if (!sigs || sigs.length === 0) throw new InvalidArgumentsError(`${where}: expected 'args' (argument types, e.g. ['Float64']) or 'signatures' (overloads)`);
  for (const s of sigs) if (!Array.isArray(s.args)) throw new InvalidArgumentsError(`${where}: every signature needs an 'args' array`);
  return sigs.map((s) => ({ ...s }));
}

/** Checks the parts every spec shares and says what was expected. */
export function checkSpecBase(spec: FunctionSpecBase, kind: string, hooks: readonly string[]): void {
  if (typeof spec !== 'object' || spec === null) throw new InvalidArgumentsError(`define${kind}Function: expected a spec object`);
  const where = `${kind.toLowerCase()} function '${String(spec.name)}'`;
  if (typeof spec.name !== 'string' || !/^[a-z_][a-z0-9_]*$/.test(spec.name)) {
    throw new InvalidArgumentsError(`define${kind}Function: 'name' must be a lower-case SQL identifier (got ${JSON.stringify(spec.name)})`);
  }
  if (spec.returns === undefined) throw new InvalidArgumentsError(`${where}: 'returns' is required (a type name such as 'Float64', or a rule from the argument types)`);
  for (const h of hooks) {
    if (typeof (spec as unknown as Record<string, unknown>)[h] !== 'function') throw new InvalidArgumentsError(`${where}: '${h}' must be a function`);
  }
}

/** Builds the body's context from the kernel's. */
export function udfContext(name: string, rt: DataType, ctx: FunctionContext): UdfContext {
  return {
    rowCount: ctx.rowCount, timezone: ctx.timezone,
    ...(ctx.signal ? { signal: ctx.signal } : {}),
    ...(ctx.deadlineAtMs !== undefined ? { deadlineAtMs: ctx.deadlineAtMs } : {}),
    functionName: name, returnType: rt,
    checkTimeout: () => checkTimeout(name, ctx),
  };
}

export function checkTimeout(name: string, ctx: FunctionContext): void {
  if (ctx.deadlineAtMs !== undefined && Date.now() > ctx.deadlineAtMs) {
    throw new DeadlineExceededError(`query exceeded its timeout while running function '${name}'`);
  }
  const s = ctx.signal;
  if (s?.aborted) {
    if (s.reason instanceof StrataError) throw s.reason;
    throw new CancelledError();
  }
}

/**
 * Runs user code; anything it throws becomes a query error naming the
 * function (the original kept as `cause`). Timeouts and cancellation pass
 * through unchanged, as do errors already naming the function.
 */
export function guard<T>(name: string, phase: string, f: () => T): T {
  try {
    return f();
  } catch (err) {
    throw wrapError(name, phase, err);
  }
}

export function wrapError(name: string, phase: string, err: unknown): Error {
  if (err instanceof DeadlineExceededError || err instanceof CancelledError) return err;
  if (err instanceof StrataError) {
    // A Strata error keeps its code and status (e.g. INVALID_ARGUMENTS for bad input); it only gains the function's name.
    if (!err.message.includes(`function '${name}'`)) err.message = `function '${name}' failed in ${phase}: ${err.message}`;
    return err;
  }
  const msg = err instanceof Error ? err.message : String(err);
  return new ExecutionError(`function '${name}' failed in ${phase}: ${msg}`, { cause: err });
}
