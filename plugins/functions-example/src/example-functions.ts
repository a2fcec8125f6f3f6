import type { FunctionDefinition } from '@strata/kernel';
import { defineAggregateFunction, defineScalarFunction, defineWindowFunction } from '@strata/sdk';
import { badAlpha, badBounds } from './errors.js';
import type { FunctionsExampleOptions } from './options.js';

/**
 * `clip(x, lo, hi)`: x limited to [lo, hi] as Float64. NULL in -> NULL out
 * (the default 'propagate' null handling masks those rows, so the loop does
 * not test validity). lo > hi is the caller's error (INVALID_ARGUMENTS).
 */
export function clipFunction(prefix = '') {
  return defineScalarFunction({
    name: `${prefix}clip`, args: ['numeric', 'numeric', 'numeric'], returns: 'Float64',
    description: 'x limited to the closed interval [lo, hi]',
    body([x, lo, hi], out) {
      const xs = x!.float64(); const l = lo!.float64(); const h = hi!.float64();
      const o = out.values as Float64Array;
      for (let i = 0; i < o.length; i++) {
        const a = l[i]!; const b = h[i]!; const v = xs[i]!;
        if (a > b && !lo!.isNull(i) && !hi!.isNull(i)) throw badBounds(i, a, b);
        o[i] = v < a ? a : v > b ? b : v;
      }
    },
  });
}

/** `c_to_f(celsius)`: degrees Celsius to Fahrenheit (x * 9 / 5 + 32), the bench's scalar. */
export function cToFFunction(prefix = '') {
  return defineScalarFunction({
    name: `${prefix}c_to_f`, args: ['numeric'], returns: 'Float64',
    description: 'degrees Celsius to degrees Fahrenheit',
    body([c], out) {
      const xs = c!.float64();
      const o = out.values as Float64Array;
      for (let i = 0; i < o.length; i++) o[i] = xs[i]! * 9 / 5 + 32;
    },
  });
}

/** Partial state of weighted_avg: sums of weights and of weight * value (mergeable by addition). */
export interface WeightedAvgState { sw: number; swx: number }

/**
 * `weighted_avg(x, w)`: sum(w * x) / sum(w) over rows where both are
 * non-NULL; NULL when the weights sum to 0. The state is two sums, so
 * partial states from several regions merge exactly (up to float rounding).
 */
export function weightedAvgFunction(prefix = '') {
  return defineAggregateFunction<WeightedAvgState>({
    name: `${prefix}weighted_avg`, args: ['numeric', 'numeric'], returns: 'Float64',
    description: 'weighted average sum(w * x) / sum(w)',
    init: () => ({ sw: 0, swx: 0 }),
    update(s, [x, w], rows) {
      const xs = x!.float64(); const ws = w!.float64();
      let sw = s.sw; let swx = s.swx;
      for (let k = 0; k < rows.length; k++) { const i = rows[k]!; sw += ws[i]!; swx += ws[i]! * xs[i]!; }
      s.sw = sw; s.swx = swx;
    },
    merge: (a, b) => ({ sw: a.sw + b.sw, swx: a.swx + b.swx }),
    finalize: (s) => (s.sw === 0 ? null : s.swx / s.sw),
  });
}

/**
 * `ema(x [, alpha])`: exponential moving average over the partition in
 * ORDER BY order: e0 = x0, e_i = alpha * x_i + (1 - alpha) * e_{i-1};
 * NULL inputs keep the previous average. Needs every earlier row, so it
 * is evaluated per partition (frames do not apply).
 */
export function emaFunction(prefix = '', defaultAlpha = 0.5) {
  return defineWindowFunction({
    name: `${prefix}ema`, signatures: [{ args: ['numeric'] }, { args: ['numeric', 'numeric'] }], returns: 'Float64', evaluation: 'partition',
    description: 'exponential moving average in window order',
    evaluate([x, a], _keys, out) {
      const alpha = a && !a.isNull(0) ? Number(a.get(0)) : defaultAlpha;
      if (!(alpha > 0 && alpha <= 1)) throw badAlpha(alpha);
      const xs = x!.float64();
      const o = out.values as Float64Array;
      let e = NaN;
      for (let i = 0; i < o.length; i++) {
        if (!x!.isNull(i)) e = Number.isNaN(e) ? xs[i]! : alpha * xs[i]! + (1 - alpha) * e;
        if (Number.isNaN(e)) out.setNull(i); else o[i] = e;
      }
    },
  });
}

/**
 * `sliding_sum(x)`: sum of x over the window frame (ROWS or RANGE),
 * evaluated incrementally: rows entering the frame are added, rows leaving
 * it subtracted, O(1) per row instead of O(frame).
 */
export function slidingSumFunction(prefix = '') {
  return defineWindowFunction<{ sum: number; n: number }>({
    name: `${prefix}sliding_sum`, args: ['numeric'], returns: 'Float64', evaluation: 'incremental',
    description: 'sum over the window frame, computed incrementally',
    init: () => ({ sum: 0, n: 0 }),
    add(s, [x], i) { if (!x!.isNull(i)) { s.sum += x!.float64()[i]!; s.n++; } },
    remove(s, [x], i) { if (!x!.isNull(i)) { s.sum -= x!.float64()[i]!; s.n--; } },
    value: (s) => (s.n === 0 ? null : s.sum),
  });
}

/**
 * `modified_rank()`: "modified competition" ranking (1334): peers get the
 * rank of the LAST of them, unlike rank() (1224). Needs the whole
 * partition to know where a run of peers ends.
 */
export function modifiedRankFunction(prefix = '') {
  return defineWindowFunction({
    name: `${prefix}modified_rank`, args: [], returns: 'Int64', evaluation: 'partition',
    description: 'rank where peers share the position of the last of them (1334 ranking)',
    evaluate(_args, keys, out) {
      const o = out.values as BigInt64Array;
      const n = o.length;
      const same = (i: number, j: number) => keys.every((k) => k.isNull(i) === k.isNull(j) && (k.isNull(i) || k.get(i) === k.get(j)));
      for (let i = 0; i < n;) {
        let j = i;
        while (j + 1 < n && same(j + 1, i)) j++;
        for (let k = i; k <= j; k++) o[k] = BigInt(j + 1);
        i = j + 1;
      }
    },
  });
}

/** Every function of the pack, named with `prefix`. */
export function exampleFunctions(opts: Pick<FunctionsExampleOptions, 'prefix' | 'emaAlpha'>): FunctionDefinition[] {
  return [
    clipFunction(opts.prefix), cToFFunction(opts.prefix), weightedAvgFunction(opts.prefix),
    emaFunction(opts.prefix, opts.emaAlpha), slidingSumFunction(opts.prefix), modifiedRankFunction(opts.prefix),
  ];
}
