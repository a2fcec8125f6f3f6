import type * as arrow from 'apache-arrow';
import type { AsyncScalarFunction, DataType, FunctionContext, ScalarFunction } from '@strata/kernel';
import { readArg, type ArgColumn } from './function-args.js';
import { checkSpecBase, checkTimeout, guard, resolveReturn, returnRule, signaturesOf, udfContext, wrapError, type FunctionSpecBase, type UdfContext } from './function-common.js';
import { Output, resultToVector, type FunctionResult, type OutputBuilder } from './function-output.js';

/** A scalar function spec: a vectorized body over one batch. */
export interface ScalarFunctionSpec extends FunctionSpecBase {
  /**
   * 'propagate' (default): a row with a NULL argument is NULL in the result
   * whatever the body writes there (so the body may ignore validity);
   * 'custom': the body decides (e.g. coalesce-like functions).
   */
  readonly nullHandling?: 'propagate' | 'custom';
  /**
   * Called once per batch: `args` are all `ctx.rowCount` long (constants
   * broadcast). Write `out.values` (preallocated for the return type) and
   * return nothing, or return a typed array / JS array / Arrow vector.
   */
  body(args: readonly ArgColumn[], out: OutputBuilder, ctx: UdfContext): FunctionResult;
}

/**
 * Defines a vectorized scalar SQL function, producing exactly the kernel's
 * ScalarFunction (what the registry and executor consume). What the body
 * hands back is checked (length, array type, value types) and errors it
 * throws become a query error naming the function.
 *
 * @example
 * export const clip = defineScalarFunction({
 *   name: 'clip', args: ['numeric', 'numeric', 'numeric'], returns: 'Float64',
 *   body([x, lo, hi], out) {
 *     const xs = x.float64(), l = lo.float64(), h = hi.float64();
 *     const o = out.values as Float64Array;
 *     for (let i = 0; i < o.length; i++) o[i] = Math.min(h[i], Math.max(l[i], xs[i]));
 *   },
 * });
 */
export function defineScalarFunction(spec: ScalarFunctionSpec): ScalarFunction {
  checkSpecBase(spec, 'Scalar', ['body']);
  const batch = batchRunner(spec);
  const body = spec.body;
  return {
    ...batch.definition,
    invoke(vecs: readonly arrow.Vector[], ctx: FunctionContext): arrow.Vector {
      const call = batch.begin(vecs, ctx);
      return batch.end(call, guard(spec.name, 'body', () => body(call.args, call.out, call.uctx)));
    },
  };
}

/** An asynchronous scalar function spec: the body may await (a model server, a worker). */
export interface AsyncScalarFunctionSpec extends Omit<ScalarFunctionSpec, 'body'> {
  /** Like ScalarFunctionSpec.body, once per batch, but may return a promise of the result. */
  body(args: readonly ArgColumn[], out: OutputBuilder, ctx: UdfContext): Promise<FunctionResult> | FunctionResult;
}

/**
 * Defines a scalar SQL function whose body is asynchronous, producing the
 * kernel's AsyncScalarFunction: the executor awaits it once per batch (never
 * per row) and never constant-folds it. Arguments, output and errors are
 * handled as in defineScalarFunction.
 *
 * @example
 * export const score = defineAsyncScalarFunction({
 *   name: 'score', args: ['String'], returns: 'Float64', volatility: 'volatile',
 *   async body([text]) {
 *     const res = await fetch('http://127.0.0.1:9000/score', { method: 'POST', body: JSON.stringify(text.values) });
 *     return Float64Array.from((await res.json()) as number[]);
 *   },
 * });
 */
export function defineAsyncScalarFunction(spec: AsyncScalarFunctionSpec): AsyncScalarFunction {
  checkSpecBase(spec, 'AsyncScalar', ['body']);
  const batch = batchRunner(spec);
  const body = spec.body;
  return {
    ...batch.definition,
    async: true,
    async invokeAsync(vecs: readonly arrow.Vector[], ctx: FunctionContext): Promise<arrow.Vector> {
      const call = batch.begin(vecs, ctx);
      let result: FunctionResult;
      try {
        result = await body(call.args, call.out, call.uctx);
      } catch (err) {
        throw wrapError(spec.name, 'body', err);
      }
      return batch.end(call, result);
    },
  };
}

interface BatchCall { readonly args: ArgColumn[]; readonly out: Output; readonly uctx: UdfContext; readonly rt: DataType; readonly n: number; readonly ctx: FunctionContext }

/** What sync and async scalar functions share: the definition fields, argument checks before the body, result checks after. */
function batchRunner(spec: Omit<ScalarFunctionSpec, 'body'>) {
  const signatures = signaturesOf(spec, 'scalar');
  const rule = returnRule(spec.returns);
  const name = spec.name;
  let lastTypes: readonly DataType[] | undefined;
  let lastRt: DataType | undefined;
  return {
    definition: {
      kind: 'scalar' as const, name, signatures, returnType: rule,
      ...(spec.description !== undefined ? { description: spec.description } : {}),
      ...(spec.aliases ? { aliases: [...spec.aliases] } : {}),
      volatility: spec.volatility ?? 'immutable',
      nullHandling: spec.nullHandling ?? 'propagate',
    },
    begin(vecs: readonly arrow.Vector[], ctx: FunctionContext): BatchCall {
      checkTimeout(name, ctx);
      const n = ctx.rowCount;
      const args = vecs.map(readArg);
      for (let k = 0; k < args.length; k++) {
        if (args[k]!.length !== n) throw wrapError(name, 'invoke', new Error(`argument ${k + 1} has ${args[k]!.length} values for ${n} rows (engine bug)`));
      }
      // The rule runs once per distinct argument-type list (a batch stream has one).
      const types = args.map((a) => a.type);
      if (!lastTypes || lastTypes.length !== types.length || lastTypes.some((t, k) => t.name !== types[k]!.name)) {
        lastRt = guard(name, 'return type rule', () => resolveReturn(rule, types));
        lastTypes = types;
      }
      const rt = lastRt!;
      return { args, out: new Output(rt, n), uctx: udfContext(name, rt, ctx), rt, n, ctx };
    },
    end(call: BatchCall, result: FunctionResult): arrow.Vector {
      const v = resultToVector(name, call.rt, call.n, result, call.out);
      // A body that ran past the deadline fails now rather than feeding the next operator.
      checkTimeout(name, call.ctx);
      return v;
    },
  };
}
