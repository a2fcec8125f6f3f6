import type * as arrow from 'apache-arrow';
import type { DataType, FunctionContext, ScalarFunction } from '@strata/kernel';
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
 * export const clamp = defineScalarFunction({
 *   name: 'clamp', args: ['numeric', 'numeric', 'numeric'], returns: 'Float64',
 *   body([x, lo, hi], out) {
 *     const xs = x.float64(), l = lo.float64(), h = hi.float64();
 *     const o = out.values as Float64Array;
 *     for (let i = 0; i < o.length; i++) o[i] = Math.min(h[i], Math.max(l[i], xs[i]));
 *   },
 * });
 */
export function defineScalarFunction(spec: ScalarFunctionSpec): ScalarFunction {
  checkSpecBase(spec, 'Scalar', ['body']);
  const signatures = signaturesOf(spec, 'scalar');
  const rule = returnRule(spec.returns);
  const name = spec.name;
  const body = spec.body;
  let lastTypes: readonly DataType[] | undefined;
  let lastRt: DataType | undefined;
  return {
    kind: 'scalar', name, signatures, returnType: rule,
    ...(spec.description !== undefined ? { description: spec.description } : {}),
    ...(spec.aliases ? { aliases: [...spec.aliases] } : {}),
    volatility: spec.volatility ?? 'immutable',
    nullHandling: spec.nullHandling ?? 'propagate',
    invoke(vecs: readonly arrow.Vector[], ctx: FunctionContext): arrow.Vector {
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
      const out = new Output(rt, n);
      const uctx = udfContext(name, rt, ctx);
      const result = guard(name, 'body', () => body(args, out, uctx));
      const v = resultToVector(name, rt, n, result, out);
      // A body that ran past the deadline fails now rather than feeding the next operator.
      checkTimeout(name, ctx);
      return v;
    },
  };
}
