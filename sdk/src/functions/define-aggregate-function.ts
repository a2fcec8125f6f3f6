import type * as arrow from 'apache-arrow';
import { ExecutionError, type AggregateFunction, type DataType, type FunctionContext } from '@strata/kernel';
import { readArg, type ArgColumn } from './function-args.js';
import { checkSpecBase, checkTimeout, guard, returnRule, signaturesOf, toDataType, udfContext, type FunctionSpecBase, type UdfContext } from './function-common.js';
import { describe, valueMismatch } from './function-output.js';
import { deserializeState, serializeState } from './state-codec.js';

/**
 * An aggregate spec: a state per group, built from batches by `update`,
 * combined by `merge`, read by `finalize`.
 *
 * ```
 *   region 1 ─ init ─ update* ─┐
 *   region 2 ─ init ─ update* ─┼─ merge ─ finalize ─▶ value
 *   region 3 ─ init ─ update* ─┘        (serialize/deserialize when states cross nodes)
 * ```
 *
 * `merge` must give the same final value whatever way rows were split into
 * partial states: the engine aggregates each region on its own, then merges.
 */
export interface AggregateFunctionSpec<S> extends FunctionSpecBase {
  /** 'skip' (default): rows with a NULL in any argument never reach `update` (SQL's rule); 'custom': they do. */
  readonly nullHandling?: 'skip' | 'custom';
  /** A fresh, empty state. */
  init(): S;
  /** Folds the rows `rows` (indexes into the argument columns) into `state`; returns it (or mutates it and returns nothing). */
  update(state: S, args: readonly ArgColumn[], rows: Uint32Array, ctx: UdfContext): S | void;
  /** Combines two partial states; may reuse `a`. */
  merge(a: S, b: S): S | void;
  /**
   * Optional, for window frames that slide: takes `rows` (folded in earlier,
   * the oldest still in the state, in the order they were folded in) back out
   * of `state`. With it `sum_like(x) OVER (ROWS BETWEEN 1000 PRECEDING AND
   * CURRENT ROW)` folds each row in once and out once; without it each row's
   * frame is folded anew. `finalize` must then leave the state unchanged.
   */
  retract?(state: S, args: readonly ArgColumn[], rows: Uint32Array, ctx: UdfContext): S | void;
  /** With retract: false when rows can no longer be taken out of `state` exactly (the window then folds the frame anew). */
  canRetract?(state: S): boolean;
  /** The value of the group (null for SQL NULL). */
  finalize(state: S): unknown;
  /** Bytes of a state (default: tagged JSON; see serializeState). */
  serialize?(state: S): Uint8Array;
  deserialize?(bytes: Uint8Array): S;
}

let identity = new Uint32Array(0);
function allRows(n: number): Uint32Array {
  if (identity.length < n) { identity = new Uint32Array(Math.max(n, 8192)); for (let i = 0; i < identity.length; i++) identity[i] = i; }
  return identity.subarray(0, n);
}

/** Rows of `rows` whose arguments are all non-NULL (the same array when none is NULL). */
function nonNullRows(args: readonly ArgColumn[], rows: Uint32Array): Uint32Array {
  const masks = args.map((a) => a.valid).filter((v): v is Uint8Array => v !== null);
  if (masks.length === 0) return rows;
  const out = new Uint32Array(rows.length);
  let k = 0;
  outer: for (let j = 0; j < rows.length; j++) {
    const i = rows[j]!;
    for (const m of masks) if (m[i] === 0) continue outer;
    out[k++] = i;
  }
  return out.subarray(0, k);
}

/**
 * Defines an aggregate producing exactly the kernel's AggregateFunction,
 * with a serializable state so partial aggregation (per region, later per
 * node) works. States returned or merged are checked; errors thrown become
 * a query error naming the function and the phase.
 *
 * @example
 * export const weightedAvg = defineAggregateFunction<{ sw: number; swx: number }>({
 *   name: 'weighted_avg', args: ['numeric', 'numeric'], returns: 'Float64',
 *   init: () => ({ sw: 0, swx: 0 }),
 *   update(s, [x, w], rows) {
 *     const xs = x.float64(), ws = w.float64();
 *     for (const i of rows) { s.sw += ws[i]; s.swx += ws[i] * xs[i]; }
 *   },
 *   merge: (a, b) => ({ sw: a.sw + b.sw, swx: a.swx + b.swx }),
 *   finalize: (s) => (s.sw === 0 ? null : s.swx / s.sw),
 * });
 */
export function defineAggregateFunction<S>(spec: AggregateFunctionSpec<S>): AggregateFunction<S> {
  checkSpecBase(spec, 'Aggregate', ['init', 'update', 'merge', 'finalize']);
  const signatures = signaturesOf(spec, 'aggregate');
  const rule = returnRule(spec.returns);
  const fixedReturn: DataType | undefined = typeof spec.returns === 'function' ? undefined : toDataType(spec.returns);
  const name = spec.name;
  const skipNulls = (spec.nullHandling ?? 'skip') === 'skip';
  const checkState = (s: unknown, phase: string): S => {
    if (s === undefined) throw new ExecutionError(`function '${name}' returned undefined from ${phase}; expected a state (an object, array or value; not undefined)`);
    return s as S;
  };
  const { init, update, merge, finalize, retract, canRetract } = spec;
  const serialize = spec.serialize ?? serializeState;
  const deserialize = spec.deserialize ?? ((b: Uint8Array) => deserializeState<S>(b));
  let updateCalls = 0;
  // update and retract: the rows (non-NULL ones unless nullHandling is custom) folded in or taken out.
  const rowsHook = (phase: 'update' | 'retract', body: NonNullable<AggregateFunctionSpec<S>['retract']>) =>
    (state: S, vecs: readonly arrow.Vector[], rows: Uint32Array | null, ctx: FunctionContext): S => {
      // Runs once per group per batch: check the deadline on big calls and every 64th call, not on each.
      if ((++updateCalls & 63) === 0 || rows === null || rows.length > 4096) checkTimeout(name, ctx);
      const args = vecs.map(readArg);
      let sel = rows ?? allRows(args[0]?.length ?? ctx.rowCount);
      if (skipNulls) sel = nonNullRows(args, sel);
      if (sel.length === 0) return state;
      const r = guard(name, phase, () => body(state, args, sel, udfContext(name, fixedReturn ?? { name: 'Null' }, ctx)));
      return r === undefined ? state : r;
    };
  return {
    kind: 'aggregate', name, signatures, returnType: rule,
    ...(spec.description !== undefined ? { description: spec.description } : {}),
    ...(spec.aliases ? { aliases: [...spec.aliases] } : {}),
    volatility: spec.volatility ?? 'immutable',
    init: () => checkState(guard(name, 'init', () => init()), 'init'),
    update: rowsHook('update', update),
    ...(retract ? { retract: rowsHook('retract', retract) } : {}),
    ...(retract && canRetract ? { canRetract: (state: S) => guard(name, 'canRetract', () => canRetract(state)) === true } : {}),
    merge(a: S, b: S): S {
      const r = guard(name, 'merge', () => merge(a, b));
      return r === undefined ? a : r;
    },
    finalize(state: S): unknown {
      const v = guard(name, 'finalize', () => finalize(state));
      if (v === undefined) throw new ExecutionError(`function '${name}' returned undefined from finalize; expected a value or null`);
      const bad = fixedReturn ? valueMismatch(fixedReturn, v) : typeof v === 'object' && v !== null && !(v instanceof Uint8Array) ? 'a number, bigint, string, boolean or null' : undefined;
      if (bad) throw new ExecutionError(`function '${name}' returned ${describe(v)} from finalize; expected ${bad}${fixedReturn ? ` (return type ${fixedReturn.name})` : ''}`);
      return v;
    },
    serialize: (s: S) => guard(name, 'serialize', () => serialize(s)),
    deserialize: (b: Uint8Array) => checkState(guard(name, 'deserialize', () => deserialize(b)), 'deserialize'),
  };
}
