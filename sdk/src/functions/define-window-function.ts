import type * as arrow from 'apache-arrow';
import { ExecutionError, type DataType, type FunctionContext, type WindowFunction } from '@strata/kernel';
import { readArg, type ArgColumn } from './function-args.js';
import { checkSpecBase, checkTimeout, guard, resolveReturn, returnRule, signaturesOf, udfContext, type FunctionSpecBase, type UdfContext } from './function-common.js';
import { describe, Output, resultToVector, valueMismatch, type FunctionResult, type OutputBuilder } from './function-output.js';

/** Needs the whole (sorted) partition at once: ranks, ntile, anything looking at all peers. */
export interface PartitionWindowSpec extends FunctionSpecBase {
  readonly evaluation: 'partition';
  /** One value per partition row; `orderKeys` are the ORDER BY columns (to find peers). Frames do not apply. */
  evaluate(args: readonly ArgColumn[], orderKeys: readonly ArgColumn[], out: OutputBuilder, ctx: UdfContext): FunctionResult;
}

/** One value per row from the rows of its frame [start, end) (ROWS or RANGE, computed by the engine). */
export interface FrameWindowSpec extends FunctionSpecBase {
  readonly evaluation: 'frame';
  evaluateFrame(args: readonly ArgColumn[], frame: { readonly start: number; readonly end: number; readonly row: number }, ctx: UdfContext): unknown;
}

/**
 * Evaluated incrementally as the frame slides: rows entering the frame are
 * `add`ed, rows leaving it `remove`d, so a sliding sum costs O(1) per row.
 * Without `remove`, a frame whose start moves is rebuilt from its rows.
 */
export interface IncrementalWindowSpec<S> extends FunctionSpecBase {
  readonly evaluation: 'incremental';
  init(): S;
  add(state: S, args: readonly ArgColumn[], row: number): S | void;
  remove?(state: S, args: readonly ArgColumn[], row: number): S | void;
  value(state: S, args: readonly ArgColumn[], row: number): unknown;
}

export type WindowFunctionSpec<S = unknown> = PartitionWindowSpec | FrameWindowSpec | IncrementalWindowSpec<S>;

/** How often (in rows) frame-wise evaluation checks the query's deadline. */
const CHECK_EVERY_ROWS = 1024;

/**
 * Defines a window function producing exactly the kernel's WindowFunction.
 * Partitions arrive sorted by the window's ORDER BY; the engine computes
 * each row's frame bounds for ROWS and RANGE frames.
 *
 * @example
 * // Sliding sum: SELECT sliding_sum(v) OVER (ORDER BY ts ROWS BETWEEN 2 PRECEDING AND CURRENT ROW)
 * export const slidingSum = defineWindowFunction<{ sum: number }>({
 *   name: 'sliding_sum', args: ['numeric'], returns: 'Float64', evaluation: 'incremental',
 *   init: () => ({ sum: 0 }),
 *   add: (s, [x], i) => { if (!x.isNull(i)) s.sum += x.float64()[i]; },
 *   remove: (s, [x], i) => { if (!x.isNull(i)) s.sum -= x.float64()[i]; },
 *   value: (s) => s.sum,
 * });
 */
export function defineWindowFunction<S = unknown>(spec: WindowFunctionSpec<S>): WindowFunction {
  const hooks = spec?.evaluation === 'partition' ? ['evaluate'] : spec?.evaluation === 'frame' ? ['evaluateFrame'] : spec?.evaluation === 'incremental' ? ['init', 'add', 'value'] : [];
  checkSpecBase(spec, 'Window', hooks);
  if (!['partition', 'frame', 'incremental'].includes(spec.evaluation)) {
    throw new ExecutionError(`window function '${spec.name}': 'evaluation' must be 'partition', 'frame' or 'incremental' (got ${JSON.stringify(spec.evaluation)})`);
  }
  const signatures = signaturesOf(spec, 'window');
  const rule = returnRule(spec.returns);
  const name = spec.name;
  const base = {
    kind: 'window' as const, name, signatures, returnType: rule,
    ...(spec.description !== undefined ? { description: spec.description } : {}),
    ...(spec.aliases ? { aliases: [...spec.aliases] } : {}),
    volatility: spec.volatility ?? 'immutable',
  };
  const checkValue = (rt: DataType, v: unknown, row: number): unknown => {
    if (v === undefined) throw new ExecutionError(`function '${name}' returned undefined for row ${row}; expected a value or null`);
    const bad = valueMismatch(rt, v);
    if (bad) throw new ExecutionError(`function '${name}' returned ${describe(v)} for row ${row}; expected ${bad} (return type ${rt.name})`);
    return v;
  };
  // Types seen on the last call, so return-type rules run once per partition.
  const rtOf = (args: readonly ArgColumn[]): DataType => guard(name, 'return type rule', () => resolveReturn(rule, args.map((a) => a.type)));

  if (spec.evaluation === 'partition') {
    const evaluate = spec.evaluate;
    return {
      ...base, evaluation: 'partition',
      evaluatePartition(vecs: readonly arrow.Vector[], keys: readonly arrow.Vector[], ctx: FunctionContext): arrow.Vector {
        checkTimeout(name, ctx);
        const args = vecs.map(readArg);
        const rt = rtOf(args);
        const out = new Output(rt, ctx.rowCount);
        const r = guard(name, 'evaluate', () => evaluate(args, keys.map(readArg), out, udfContext(name, rt, ctx)));
        return resultToVector(name, rt, ctx.rowCount, r, out);
      },
    };
  }

  if (spec.evaluation === 'frame') {
    const evaluateFrame = spec.evaluateFrame;
    let lastVecs: readonly arrow.Vector[] | undefined;
    let args: ArgColumn[] = [];
    let rt: DataType = { name: 'Null' };
    return {
      ...base, evaluation: 'frame',
      evaluateFrame(vecs, start, end, row, ctx) {
        if (vecs !== lastVecs) { args = vecs.map(readArg); rt = rtOf(args); lastVecs = vecs; }
        if (row % CHECK_EVERY_ROWS === 0) checkTimeout(name, ctx);
        const v = guard(name, 'evaluateFrame', () => evaluateFrame(args, { start, end, row }, udfContext(name, rt, ctx)));
        return checkValue(rt, v, row);
      },
    };
  }

  // Incremental: the engine calls evaluateFrame for rows 0..m-1 of a partition in order with one
  // argument array per partition; state carries over while the frame only moves forward.
  const inc = spec;
  let lastVecs: readonly arrow.Vector[] | undefined;
  let args: ArgColumn[] = [];
  let rt: DataType = { name: 'Null' };
  let state: S | undefined;
  let curStart = 0;
  let curEnd = 0;
  const fresh = (): S => {
    const s = guard(name, 'init', () => inc.init());
    if (s === undefined) throw new ExecutionError(`function '${name}' returned undefined from init; expected a state`);
    return s;
  };
  return {
    ...base, evaluation: 'frame',
    evaluateFrame(vecs, start, end, row, ctx) {
      if (vecs !== lastVecs) { args = vecs.map(readArg); rt = rtOf(args); lastVecs = vecs; state = undefined; }
      if (row % CHECK_EVERY_ROWS === 0) checkTimeout(name, ctx);
      const canSlide = state !== undefined && start >= curStart && end >= curEnd && (start === curStart || inc.remove !== undefined) && start <= curEnd;
      if (!canSlide) { state = fresh(); curStart = start; curEnd = start; }
      let s = state as S;
      if (end > curEnd) {
        for (let i = curEnd; i < end; i++) { const r = guard(name, 'add', () => inc.add(s, args, i)); if (r !== undefined) s = r; }
        curEnd = end;
      }
      if (start > curStart) {
        for (let i = curStart; i < start; i++) { const r = guard(name, 'remove', () => inc.remove!(s, args, i)); if (r !== undefined) s = r; }
        curStart = start;
      }
      state = s;
      const v = guard(name, 'value', () => inc.value(s, args, row));
      return checkValue(rt, v, row);
    },
  };
}

