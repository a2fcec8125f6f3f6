// Functions over a window of samples (Prometheus promql/functions.go, 2.x).
// Each takes the window's timestamps (ms) and values plus the window bounds
// and returns a value or undefined (no output for this step).

import { ExecutionError } from '../errors/errors.js';

export interface Window {
  readonly t: Float64Array;
  readonly v: Float64Array;
  readonly lo: number;
  /** Exclusive. */
  readonly hi: number;
  /** Window start / end (ms) and range (ms) for extrapolation. */
  readonly rangeStartMs: number;
  readonly rangeEndMs: number;
  readonly rangeMs: number;
  /** The step's evaluation time (predict_linear's intercept). */
  readonly evalMs: number;
  /**
   * Optional, from counterResets(v): the first index >= i where the value
   * drops (a counter reset), so rate/increase visit only the resets of a
   * window instead of every sample.
   */
  readonly nextReset?: Int32Array;
}

/** nextReset[i] = the smallest j >= i (j >= 1) with v[j] < v[j - 1], or v.length. */
export function counterResets(v: Float64Array): Int32Array {
  const n = v.length;
  const out = new Int32Array(n + 1);
  let next = n;
  out[n] = n;
  for (let j = n - 1; j >= 0; j--) {
    if (j >= 1 && v[j]! < v[j - 1]!) next = j;
    out[j] = next;
  }
  return out;
}

export type RangeFunction = (w: Window, param: number, param2?: number) => number | undefined;

function extrapolatedRate(w: Window, isCounter: boolean, isRate: boolean): number | undefined {
  const { t, v, lo, hi } = w;
  const n = hi - lo;
  if (n < 2) return undefined;
  let result = v[hi - 1]! - v[lo]!;
  if (isCounter) {
    const next = w.nextReset;
    if (next) {
      // The same additions in the same order as the loop below, skipping the samples between resets.
      for (let j = next[lo + 1]!; j < hi; j = next[j + 1]!) result += v[j - 1]!;
    } else {
      let prev = v[lo]!;
      for (let i = lo + 1; i < hi; i++) {
        const cur = v[i]!;
        if (cur < prev) result += prev;
        prev = cur;
      }
    }
  }
  const firstT = t[lo]!; const lastT = t[hi - 1]!;
  let durationToStart = (firstT - w.rangeStartMs) / 1000;
  let durationToEnd = (w.rangeEndMs - lastT) / 1000;
  const sampledInterval = (lastT - firstT) / 1000;
  const averageDurationBetweenSamples = sampledInterval / (n - 1);
  if (isCounter && result > 0 && v[lo]! >= 0) {
    const durationToZero = sampledInterval * (v[lo]! / result);
    if (durationToZero < durationToStart) durationToStart = durationToZero;
  }
  const extrapolationThreshold = averageDurationBetweenSamples * 1.1;
  let extrapolateToInterval = sampledInterval;
  extrapolateToInterval += durationToStart < extrapolationThreshold ? durationToStart : averageDurationBetweenSamples / 2;
  extrapolateToInterval += durationToEnd < extrapolationThreshold ? durationToEnd : averageDurationBetweenSamples / 2;
  result *= extrapolateToInterval / sampledInterval;
  if (isRate) result /= w.rangeMs / 1000;
  return result;
}

function instantValue(w: Window, isRate: boolean): number | undefined {
  const { t, v, lo, hi } = w;
  if (hi - lo < 2) return undefined;
  const last = v[hi - 1]!; const prev = v[hi - 2]!;
  const result = isRate && last < prev ? last : last - prev;
  // Two samples in one millisecond (sub-millisecond tables) give no point, for idelta as for
  // irate: Prometheus checks the interval before it divides.
  const interval = t[hi - 1]! - t[hi - 2]!;
  if (interval === 0) return undefined;
  return isRate ? result / (interval / 1000) : result;
}

// kahanInc's results (no array allocated per sample on these hot loops).
let kSum = 0;
let kC = 0;

/** Kahan-compensated sum + inc (Prometheus's kahanSumInc): results in kSum, kC. */
function kahanInc(inc: number, sum: number, c: number): void {
  const t = sum + inc;
  if (Math.abs(sum) >= Math.abs(inc)) c += (sum - t) + inc;
  else c += (inc - t) + sum;
  kSum = t; kC = c;
}

/** Least squares slope and intercept at `interceptMs` (Prometheus's linearRegression). */
export function linearRegression(w: Window, interceptMs: number): [number, number] {
  const { t, v, lo, hi } = w;
  let n = 0; let sumX = 0; let cX = 0; let sumY = 0; let cY = 0; let sumXY = 0; let cXY = 0; let sumX2 = 0; let cX2 = 0;
  const initY = v[lo]!;
  let constY = true;
  for (let i = lo; i < hi; i++) {
    const y = v[i]!;
    if (constY && i > lo && y !== initY) constY = false;
    n++;
    const x = (t[i]! - interceptMs) / 1000;
    kahanInc(x, sumX, cX); sumX = kSum; cX = kC;
    kahanInc(y, sumY, cY); sumY = kSum; cY = kC;
    kahanInc(x * y, sumXY, cXY); sumXY = kSum; cXY = kC;
    kahanInc(x * x, sumX2, cX2); sumX2 = kSum; cX2 = kC;
  }
  if (constY) {
    if (!Number.isFinite(initY) && !Number.isNaN(initY)) return [NaN, NaN];
    return [0, initY];
  }
  sumX += cX; sumY += cY; sumXY += cXY; sumX2 += cX2;
  const covXY = sumXY - (sumX * sumY) / n;
  const varX = sumX2 - (sumX * sumX) / n;
  const slope = covXY / varX;
  return [slope, sumY / n - (slope * sumX) / n];
}

/** Prometheus's quantile over plain values (sorts `values`). */
export function quantileOf(q: number, values: number[]): number {
  if (values.length === 0 || Number.isNaN(q)) return NaN;
  if (q < 0) return -Infinity;
  if (q > 1) return Infinity;
  values.sort((a, b) => (Number.isNaN(a) ? -1 : Number.isNaN(b) ? 1 : a - b));
  const n = values.length;
  const rank = q * (n - 1);
  const lower = Math.max(0, Math.floor(rank));
  const upper = Math.min(n - 1, lower + 1);
  const weight = rank - Math.floor(rank);
  return values[lower]! * (1 - weight) + values[upper]! * weight;
}

function stdvar(w: Window): number {
  let count = 0; let mean = 0; let cMean = 0; let aux = 0; let cAux = 0;
  for (let i = w.lo; i < w.hi; i++) {
    const x = w.v[i]!;
    count++;
    const delta = x - (mean + cMean);
    // kahanInc(delta / count, mean, cMean), inlined
    const inc1 = delta / count; const t1 = mean + inc1;
    if (Math.abs(mean) >= Math.abs(inc1)) cMean += (mean - t1) + inc1; else cMean += (inc1 - t1) + mean;
    mean = t1;
    // kahanInc(delta * (x - (mean + cMean)), aux, cAux), inlined
    const inc2 = delta * (x - (mean + cMean)); const t2 = aux + inc2;
    if (Math.abs(aux) >= Math.abs(inc2)) cAux += (aux - t2) + inc2; else cAux += (inc2 - t2) + aux;
    aux = t2;
  }
  return (aux + cAux) / count;
}

function avgOverTime(w: Window): number {
  // Prometheus 2.x: an incremental mean with Kahan compensation; an infinite
  // mean stays as it is unless a NaN or an opposite infinity arrives.
  // (kahanInc inlined: this loop is the whole cost of avg_over_time.)
  const v = w.v; const hi = w.hi;
  let mean = 0; let c = 0; let count = 0;
  for (let i = w.lo; i < hi; i++) {
    const x = v[i]!;
    count++;
    if (mean === Infinity || mean === -Infinity) {
      if ((x === Infinity || x === -Infinity) && (mean > 0) === (x > 0)) continue;
      if (Number.isFinite(x)) continue;
    }
    const inc = x / count - mean / count;
    const t = mean + inc;
    if (Math.abs(mean) >= Math.abs(inc)) c += (mean - t) + inc;
    else c += (inc - t) + mean;
    mean = t;
  }
  if (mean === Infinity || mean === -Infinity) return mean;
  return mean + c;
}

export const RANGE_FUNCTIONS: ReadonlyMap<string, RangeFunction> = new Map<string, RangeFunction>([
  ['rate', (w) => extrapolatedRate(w, true, true)],
  ['increase', (w) => extrapolatedRate(w, true, false)],
  ['delta', (w) => extrapolatedRate(w, false, false)],
  ['irate', (w) => instantValue(w, true)],
  ['idelta', (w) => instantValue(w, false)],
  ['deriv', (w) => (w.hi - w.lo < 2 ? undefined : linearRegression(w, w.t[w.lo]!)[0])],
  ['predict_linear', (w, duration) => {
    if (w.hi - w.lo < 2) return undefined;
    const [slope, intercept] = linearRegression(w, w.evalMs);
    return slope * duration + intercept;
  }],
  ['resets', (w) => {
    let n = 0;
    for (let i = w.lo + 1; i < w.hi; i++) if (w.v[i]! < w.v[i - 1]!) n++;
    return n;
  }],
  ['changes', (w) => {
    let n = 0;
    for (let i = w.lo + 1; i < w.hi; i++) {
      const a = w.v[i]!; const b = w.v[i - 1]!;
      if (!(a === b || (Number.isNaN(a) && Number.isNaN(b)))) n++;
    }
    return n;
  }],
  ['avg_over_time', avgOverTime],
  ['sum_over_time', (w) => {
    let s = 0; let c = 0;
    const v = w.v; const hi = w.hi;
    for (let i = w.lo; i < hi; i++) {
      // kahanInc(x, s, c), inlined
      const x = v[i]!; const t = s + x;
      if (Math.abs(s) >= Math.abs(x)) c += (s - t) + x; else c += (x - t) + s;
      s = t;
    }
    return Number.isFinite(s) ? s + c : s;
  }],
  ['min_over_time', (w) => {
    let m = w.v[w.lo]!;
    for (let i = w.lo + 1; i < w.hi; i++) { const x = w.v[i]!; if (x < m || Number.isNaN(m)) m = x; }
    return m;
  }],
  ['max_over_time', (w) => {
    let m = w.v[w.lo]!;
    for (let i = w.lo + 1; i < w.hi; i++) { const x = w.v[i]!; if (x > m || Number.isNaN(m)) m = x; }
    return m;
  }],
  ['count_over_time', (w) => w.hi - w.lo],
  ['last_over_time', (w) => w.v[w.hi - 1]!],
  ['present_over_time', () => 1],
  ['stddev_over_time', (w) => Math.sqrt(stdvar(w))],
  ['stdvar_over_time', stdvar],
  ['quantile_over_time', (w, q) => quantileOf(q, Array.from(w.v.subarray(w.lo, w.hi)))],
  ['double_exponential_smoothing', doubleExponentialSmoothing],
  // Prometheus 2.x's name for it (renamed in 3.0).
  ['holt_winters', doubleExponentialSmoothing],
]);

/**
 * Holt's linear smoothing (Prometheus funcDoubleExponentialSmoothing): the
 * smoothed value after the window's last sample, with smoothing factor `sf`
 * and trend factor `tf`, both strictly between 0 and 1. No output for fewer
 * than two samples.
 */
function doubleExponentialSmoothing(w: Window, sf: number, tf = 0): number | undefined {
  // Go's %f, as Prometheus's message prints the factors.
  if (!(sf > 0 && sf < 1)) throw new ExecutionError(`invalid smoothing factor. Expected: 0 < sf < 1, got: ${sf.toFixed(6)}`);
  if (!(tf > 0 && tf < 1)) throw new ExecutionError(`invalid trend factor. Expected: 0 < tf < 1, got: ${tf.toFixed(6)}`);
  if (w.hi - w.lo < 2) return undefined;
  const v = w.v; const lo = w.lo;
  let s0 = 0; let s1 = v[lo]!; let b = v[lo + 1]! - v[lo]!;
  for (let i = lo + 1; i < w.hi; i++) {
    const x = sf * v[i]!;
    // calcTrendValue(i - 1, ...): the first trend is the initial difference.
    if (i > lo + 1) b = tf * (s1 - s0) + (1 - tf) * b;
    const y = (1 - sf) * (s1 + b);
    s0 = s1; s1 = x + y;
  }
  return s1;
}
