import { CancelledError, ExecutionError } from '../errors/errors.js';
import type { AggregateExpr, AtModifier, BinaryExpr, Call, Expr, LabelMatcher, SubqueryExpr, VectorSelector } from './ast.js';
import { COMPARISON_OPS } from './ast.js';
import {
  compareLabels, dropMetricName, EMPTY_LABELS, labelsFrom, labelsKey, labelValue, METRIC_NAME, onlyLabels, setLabel, signature, withoutLabels,
  type Labels,
} from './labels.js';
import { counterResets, quantileOf, RANGE_FUNCTIONS, type Window } from './range-functions.js';
import { compileAnchoredRegex } from './regex.js';
import type { RawSeries, SeriesSource } from './series-source.js';


/** Evaluation settings; times in ms. An instant query is start = end. */
export interface EvalOptions {
  readonly startMs: number;
  readonly endMs: number;
  readonly stepMs: number;
  /** How far back an instant selector looks for a sample (Prometheus: 5m). */
  readonly lookbackMs?: number;
  /** Step of a subquery written without one (Prometheus: the global evaluation interval, 1m). */
  readonly subqueryStepMs?: number;
  readonly signal?: AbortSignal;
  /** Most points a query may produce per series (Prometheus: 11000). */
  readonly maxPointsPerSeries?: number;
  /** Most samples a query may hold at once, loaded plus per-step (Prometheus's --query.max-samples: 50M). */
  readonly maxSamples?: number;
  /**
   * Whether a sample exactly at a window's start counts: 'exclusive' (default) gives
   * left-open windows `(t - range, t]` for range selectors, the lookback and subqueries,
   * as GreptimeDB and Prometheus 3; 'inclusive' gives Prometheus 2.x's closed `[t - range, t]`.
   */
  readonly windowStart?: WindowStart;
}

/** Whether a window includes its start edge (see EvalOptions.windowStart). */
export type WindowStart = 'exclusive' | 'inclusive';

/** A series over the evaluation steps: `present[i]` says whether `values[i]` exists. */
export interface StepSeries {
  labels: Labels;
  readonly values: Float64Array;
  readonly present: Uint8Array;
  /** Sample timestamps (ms) for a raw selector's output (timestamp()). */
  readonly sampleTimes?: Float64Array;
}

export type EvalValue =
  | { readonly type: 'scalar'; readonly values: Float64Array }
  | { readonly type: 'string'; readonly value: string }
  | { readonly type: 'vector'; readonly series: StepSeries[]; readonly sorted?: boolean }
  | { readonly type: 'matrix'; readonly series: RawSeries[] };

const EMPTY_F64 = new Float64Array(0);

interface Grid { readonly times: Float64Array; readonly n: number; readonly startMs: number; readonly endMs: number; readonly stepMs: number }

/** A range-vector argument: samples (stale markers removed) plus the window end of each step. */
interface RangeArg { readonly series: RawSeries[]; readonly rangeMs: number; readonly effectiveTimes: Float64Array }

function makeGrid(startMs: number, endMs: number, stepMs: number): Grid {
  const n = stepMs > 0 ? Math.floor((endMs - startMs) / stepMs) + 1 : 1;
  const times = new Float64Array(Math.max(n, 0));
  for (let i = 0; i < n; i++) times[i] = startMs + i * stepMs;
  return { times, n: Math.max(n, 0), startMs, endMs, stepMs };
}

/** Go's strconv.FormatFloat(f, 'f', -1, 64), as Prometheus writes sample values. */
export function formatSampleValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  const s = String(v);
  if (!s.includes('e')) return s;
  const [mant, expText] = s.split('e') as [string, string];
  const exp = Number(expText);
  const neg = mant.startsWith('-');
  const digits = mant.replace('-', '').replace('.', '');
  const pointAt = (mant.replace('-', '').indexOf('.') < 0 ? mant.replace('-', '').length : mant.replace('-', '').indexOf('.')) + exp;
  let out: string;
  if (pointAt <= 0) out = `0.${'0'.repeat(-pointAt)}${digits}`;
  else if (pointAt >= digits.length) out = digits + '0'.repeat(pointAt - digits.length);
  else out = `${digits.slice(0, pointAt)}.${digits.slice(pointAt)}`;
  return neg ? `-${out}` : out;
}

/** Builds output series keyed by label set; a second value for one step is an error, as in Prometheus. */
class SeriesBuilder {
  private readonly byKey = new Map<string, StepSeries>();
  constructor(private readonly n: number) {}
  /** The output series of this label set (created empty on first use). */
  slot(labels: Labels, key = labelsKey(labels)): StepSeries {
    let s = this.byKey.get(key);
    if (!s) {
      s = { labels, values: new Float64Array(this.n), present: new Uint8Array(this.n) };
      this.byKey.set(key, s);
    }
    return s;
  }
  add(labels: Labels, step: number, value: number, key = labelsKey(labels)): void {
    const s = this.slot(labels, key);
    if (s.present[step]) throw new ExecutionError('vector cannot contain metrics with the same labelset');
    s.present[step] = 1;
    s.values[step] = value;
  }
  series(): StepSeries[] { return [...this.byKey.values()]; }
}

/**
 * Series that lost their distinguishing labels (`__name__` dropped) merge
 * into one when their steps do not overlap; overlapping steps are
 * Prometheus's "vector cannot contain metrics with the same labelset".
 */
function mergeSameLabels(series: StepSeries[]): StepSeries[] {
  if (series.length < 2) return series;
  const byKey = new Map<string, StepSeries>();
  let merged = false;
  for (const s of series) {
    const key = labelsKey(s.labels);
    const prev = byKey.get(key);
    if (!prev) { byKey.set(key, s); continue; }
    merged = true;
    const values = Float64Array.from(prev.values); const present = Uint8Array.from(prev.present);
    for (let i = 0; i < present.length; i++) {
      if (!s.present[i]) continue;
      if (present[i]) throw new ExecutionError('vector cannot contain metrics with the same labelset');
      present[i] = 1; values[i] = s.values[i]!;
    }
    byKey.set(key, { labels: prev.labels, values, present });
  }
  return merged ? [...byKey.values()] : series;
}

function unwrapParens(e: Expr): Expr {
  while (e.kind === 'ParenExpr') e = e.expr;
  return e;
}

function isArithmeticOrDropping(op: string): boolean {
  return !COMPARISON_OPS.has(op) && op !== 'and' && op !== 'or' && op !== 'unless';
}

function scalarOp(op: string, l: number, r: number): number {
  switch (op) {
    case '+': return l + r;
    case '-': return l - r;
    case '*': return l * r;
    case '/': return l / r;
    case '%': return l % r;
    case '^': return Math.pow(l, r);
    case 'atan2': return Math.atan2(l, r);
    case '==': return l === r ? 1 : 0;
    case '!=': return l !== r ? 1 : 0;
    case '>': return l > r ? 1 : 0;
    case '<': return l < r ? 1 : 0;
    case '>=': return l >= r ? 1 : 0;
    case '<=': return l <= r ? 1 : 0;
    default: throw new ExecutionError(`operator ${op} not allowed here`);
  }
}

const SIMPLE_FUNCTIONS: ReadonlyMap<string, (x: number) => number> = new Map<string, (x: number) => number>([
  ['abs', Math.abs], ['ceil', Math.ceil], ['floor', Math.floor], ['exp', Math.exp], ['ln', Math.log], ['log2', Math.log2],
  ['log10', Math.log10], ['sqrt', Math.sqrt], ['sgn', (x) => (x < 0 ? -1 : x > 0 ? 1 : x)],
  ['acos', Math.acos], ['acosh', Math.acosh], ['asin', Math.asin], ['asinh', Math.asinh], ['atan', Math.atan], ['atanh', Math.atanh],
  ['cos', Math.cos], ['cosh', Math.cosh], ['sin', Math.sin], ['sinh', Math.sinh], ['tan', Math.tan], ['tanh', Math.tanh],
  ['deg', (x) => (x * 180) / Math.PI], ['rad', (x) => (x * Math.PI) / 180],
]);

const TIME_FUNCTIONS: ReadonlyMap<string, (d: Date) => number> = new Map<string, (d: Date) => number>([
  ['day_of_week', (d) => d.getUTCDay()],
  ['day_of_month', (d) => d.getUTCDate()],
  ['day_of_year', (d) => Math.floor((Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()) - Date.UTC(d.getUTCFullYear(), 0, 1)) / 86_400_000) + 1],
  ['days_in_month', (d) => new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 0)).getUTCDate()],
  ['hour', (d) => d.getUTCHours()],
  ['minute', (d) => d.getUTCMinutes()],
  ['month', (d) => d.getUTCMonth() + 1],
  ['year', (d) => d.getUTCFullYear()],
]);

/**
 * Evaluates a checked PromQL AST over the steps `start, start+step, ..., <= end`
 * with GreptimeDB's (Prometheus 3's) semantics: left-open lookback, range and
 * subquery windows `(t - range, t]` (closed `[t - range, t]`, Prometheus 2.x, with
 * `windowStart: 'inclusive'`), stale markers end a series, `__name__` dropped by
 * arithmetic and most functions.
 * Every node evaluates all steps at once; series values live in typed arrays.
 *
 * @example
 * const ev = new Evaluator(source, { startMs: 0, endMs: 600_000, stepMs: 60_000 });
 * const v = await ev.evaluate(parsePromql('rate(http_requests_total[5m])'));
 */
export class Evaluator {
  private readonly lookbackMs: number;
  private readonly subqueryStepMs: number;
  /** True for left-open windows: a sample at exactly t - range is outside. */
  private readonly leftOpen: boolean;
  private readonly root: Grid;
  private samples = 0;

  constructor(private readonly source: SeriesSource, private readonly opts: EvalOptions) {
    this.lookbackMs = opts.lookbackMs ?? 300_000;
    this.subqueryStepMs = opts.subqueryStepMs ?? 60_000;
    this.leftOpen = (opts.windowStart ?? 'exclusive') === 'exclusive';
    const stepMs = opts.startMs === opts.endMs ? 0 : opts.stepMs;
    this.root = makeGrid(opts.startMs, opts.endMs, stepMs);
    const max = opts.maxPointsPerSeries ?? 11_000;
    if (this.root.n > max) {
      throw new ExecutionError(`exceeded maximum resolution of ${max.toLocaleString('en-US')} points per timeseries. Try decreasing the query resolution (?step=XX)`);
    }
  }

  /** The evaluation step times (ms). */
  get times(): Float64Array { return this.root.times; }

  async evaluate(e: Expr): Promise<EvalValue> {
    const u = unwrapParens(e);
    // An instant query of a range selector returns its raw samples.
    if (u.kind === 'MatrixSelector' || u.kind === 'SubqueryExpr') {
      const arg = await this.rangeArg(u, this.root);
      const t = arg.effectiveTimes[0]!;
      const series: RawSeries[] = [];
      for (const s of arg.series) {
        const [lo, hi] = windowBounds(s.t, t - arg.rangeMs, t, this.leftOpen);
        if (hi > lo) series.push({ labels: s.labels, t: s.t.slice(lo, hi), v: s.v.slice(lo, hi) });
      }
      return { type: 'matrix', series };
    }
    return this.eval(e, this.root);
  }

  /** Cancellation point, once per evaluated node (each node is a loop over all steps). */
  private check(): void {
    if (this.opts.signal?.aborted) {
      const r = this.opts.signal.reason;
      throw r instanceof Error ? r : new CancelledError();
    }
  }

  private atMs(at: AtModifier): number {
    return at.kind === 'time' ? at.ms : at.kind === 'start' ? this.opts.startMs : this.opts.endMs;
  }

  private effectiveTimes(grid: Grid, offsetMs: number, at?: AtModifier): Float64Array {
    const out = new Float64Array(grid.n);
    if (at) out.fill(this.atMs(at) - offsetMs);
    else for (let i = 0; i < grid.n; i++) out[i] = grid.times[i]! - offsetMs;
    return out;
  }

  private async eval(e: Expr, grid: Grid): Promise<EvalValue> {
    this.check();
    switch (e.kind) {
      case 'NumberLiteral': return { type: 'scalar', values: new Float64Array(grid.n).fill(e.value) };
      case 'StringLiteral': return { type: 'string', value: e.value };
      case 'ParenExpr': return this.eval(e.expr, grid);
      case 'VectorSelector': return this.vectorSelector(e, grid);
      case 'MatrixSelector': case 'SubqueryExpr':
        throw new ExecutionError('a range vector cannot be evaluated here');
      case 'UnaryExpr': {
        const v = await this.eval(e.expr, grid);
        if (e.op === '+') return v;
        if (v.type === 'scalar') return { type: 'scalar', values: v.values.map((x) => -x) };
        if (v.type !== 'vector') throw new ExecutionError('unary minus needs a scalar or vector');
        return { type: 'vector', series: mergeSameLabels(v.series.map((s) => ({ labels: dropMetricName(s.labels), values: s.values.map((x) => -x), present: s.present }))) };
      }
      case 'BinaryExpr': return this.binary(e, grid);
      case 'AggregateExpr': return this.aggregate(e, grid);
      case 'Call': return this.call(e, grid);
    }
  }

  // ------------------------------------------------------------- selectors

  /** Counts samples loaded from storage or expanded over steps against maxSamples. */
  private account(samples: number): void {
    this.samples += samples;
    const max = this.opts.maxSamples ?? 50_000_000;
    if (this.samples > max) throw new ExecutionError('query processing would load too many samples into memory in query execution');
  }

  private async vectorSelector(e: VectorSelector, grid: Grid): Promise<EvalValue> {
    const eff = this.effectiveTimes(grid, e.offsetMs, e.at);
    if (grid.n === 0) return { type: 'vector', series: [] };
    const raw = await this.source.select(e.matchers, eff[0]! - this.lookbackMs, eff[grid.n - 1]!, this.opts.signal);
    this.account(raw.reduce((n, s) => n + s.t.length, 0) + raw.length * grid.n);
    const out: StepSeries[] = [];
    const leftOpen = this.leftOpen;
    for (const s of raw) {
      const values = new Float64Array(grid.n);
      const present = new Uint8Array(grid.n);
      const sampleTimes = new Float64Array(grid.n);
      let any = false;
      let j = -1;
      for (let i = 0; i < grid.n; i++) {
        const t = eff[i]!;
        while (j + 1 < s.t.length && s.t[j + 1]! <= t) j++;
        const oldest = t - this.lookbackMs;
        if (j < 0 || s.t[j]! < oldest || (leftOpen && s.t[j] === oldest) || s.stale?.[j]) continue;
        values[i] = s.v[j]!;
        sampleTimes[i] = s.t[j]!;
        present[i] = 1;
        any = true;
      }
      if (any) out.push({ labels: s.labels, values, present, sampleTimes });
    }
    return { type: 'vector', series: out };
  }

  private async rangeArg(e: Expr, grid: Grid): Promise<RangeArg> {
    const u = unwrapParens(e);
    if (u.kind === 'MatrixSelector') {
      const sel = u.selector;
      const eff = this.effectiveTimes(grid, sel.offsetMs, sel.at);
      if (grid.n === 0) return { series: [], rangeMs: u.rangeMs, effectiveTimes: eff };
      const raw = await this.source.select(sel.matchers, eff[0]! - u.rangeMs, eff[grid.n - 1]!, this.opts.signal);
      this.account(raw.reduce((n, s) => n + s.t.length, 0) + raw.length * grid.n);
      return { series: raw.map(withoutStale), rangeMs: u.rangeMs, effectiveTimes: eff };
    }
    if (u.kind === 'SubqueryExpr') return this.subquery(u, grid);
    throw new ExecutionError(`expected a range vector, got ${u.kind}`);
  }

  private async subquery(e: SubqueryExpr, grid: Grid): Promise<RangeArg> {
    const eff = this.effectiveTimes(grid, e.offsetMs, e.at);
    if (grid.n === 0) return { series: [], rangeMs: e.rangeMs, effectiveTimes: eff };
    const step = e.stepMs || this.subqueryStepMs;
    const from = eff[0]! - e.rangeMs;
    // The first multiple of the step inside the window: after `from` when it is left-open.
    let start = step * Math.floor(from / step);
    if (start < from || (this.leftOpen && start === from)) start += step;
    const inner = makeGrid(start, eff[grid.n - 1]!, step);
    if (inner.n > 11_000 * 100) throw new ExecutionError('subquery has too many steps');
    const v = await this.eval(e.expr, inner);
    if (v.type !== 'vector') throw new ExecutionError('subquery is only allowed on instant vector');
    const series: RawSeries[] = [];
    for (const s of v.series) {
      const t: number[] = []; const vals: number[] = [];
      for (let i = 0; i < inner.n; i++) if (s.present[i]) { t.push(inner.times[i]!); vals.push(s.values[i]!); }
      if (t.length) series.push({ labels: s.labels, t: Float64Array.from(t), v: Float64Array.from(vals) });
    }
    return { series, rangeMs: e.rangeMs, effectiveTimes: eff };
  }

  // ------------------------------------------------------------- functions

  private async call(e: Call, grid: Grid): Promise<EvalValue> {
    const f = e.func;
    const rangeFn = RANGE_FUNCTIONS.get(f);
    if (rangeFn) {
      const matrixArg = f === 'quantile_over_time' ? e.args[1]! : e.args[0]!;
      const paramArg = f === 'quantile_over_time' ? e.args[0] : e.args[1];
      const param = paramArg ? await this.scalarValues(paramArg, grid) : undefined;
      // double_exponential_smoothing / holt_winters: smoothing and trend factors.
      const param2 = e.args[2] ? await this.scalarValues(e.args[2], grid) : undefined;
      const arg = await this.rangeArg(matrixArg, grid);
      const keepName = f === 'last_over_time';
      const builder = new SeriesBuilder(grid.n);
      // One window object per series, moved along the steps (no object per step).
      const w: { -readonly [K in keyof Window]: Window[K] } = { t: EMPTY_F64, v: EMPTY_F64, lo: 0, hi: 0, rangeStartMs: 0, rangeEndMs: 0, rangeMs: arg.rangeMs, evalMs: 0 };
      const eff = arg.effectiveTimes;
      // rate/increase look for counter resets in every window: index them once per series.
      const indexResets = f === 'rate' || f === 'increase';
      const leftOpen = this.leftOpen;
      for (const s of arg.series) {
        const labels = keepName ? s.labels : dropMetricName(s.labels);
        const st = s.t; const len = st.length;
        w.t = st; w.v = s.v;
        if (indexResets) w.nextReset = counterResets(s.v);
        let out: StepSeries | undefined;
        let lo = 0; let hi = 0;
        for (let i = 0; i < grid.n; i++) {
          const end = eff[i]!;
          const start = end - arg.rangeMs;
          if (i > 0 && end < eff[i - 1]!) { lo = 0; hi = 0; }
          while (lo < len && (st[lo]! < start || (leftOpen && st[lo] === start))) lo++;
          if (hi < lo) hi = lo;
          while (hi < len && st[hi]! <= end) hi++;
          if (hi <= lo) continue;
          w.lo = lo; w.hi = hi; w.rangeStartMs = start; w.rangeEndMs = end; w.evalMs = grid.times[i]!;
          const r = rangeFn(w, param ? param[i]! : 0, param2 ? param2[i]! : 0);
          if (r === undefined) continue;
          out ??= builder.slot(labels);
          if (out.present[i]) throw new ExecutionError('vector cannot contain metrics with the same labelset');
          out.present[i] = 1;
          out.values[i] = r;
        }
      }
      return { type: 'vector', series: builder.series() };
    }
    if (f === 'absent_over_time') {
      const arg = await this.rangeArg(e.args[0]!, grid);
      const inner = unwrapParens(e.args[0]!);
      const labels = absentLabels(inner.kind === 'MatrixSelector' ? inner.selector.matchers : []);
      const out = { labels, values: new Float64Array(grid.n), present: new Uint8Array(grid.n) };
      for (let i = 0; i < grid.n; i++) {
        const end = arg.effectiveTimes[i]!;
        const found = arg.series.some((s) => { const [lo, hi] = windowBounds(s.t, end - arg.rangeMs, end, this.leftOpen); return hi > lo; });
        if (!found) { out.present[i] = 1; out.values[i] = 1; }
      }
      return { type: 'vector', series: out.present.some((x) => x) ? [out] : [] };
    }
    const simple = SIMPLE_FUNCTIONS.get(f);
    if (simple) return this.mapVector(await this.vectorValue(e.args[0]!, grid), simple);
    const timeFn = TIME_FUNCTIONS.get(f);
    if (timeFn) {
      const v = e.args.length ? await this.vectorValue(e.args[0]!, grid)
        : [{ labels: EMPTY_LABELS, values: grid.times.map((t) => t / 1000), present: new Uint8Array(grid.n).fill(1) }];
      return this.mapVector(v, (x) => (Number.isFinite(x) ? timeFn(new Date(Math.trunc(x) * 1000)) : NaN));
    }
    switch (f) {
      case 'time': return { type: 'scalar', values: grid.times.map((t) => t / 1000) };
      case 'pi': return { type: 'scalar', values: new Float64Array(grid.n).fill(Math.PI) };
      case 'vector': {
        const values = await this.scalarValues(e.args[0]!, grid);
        return { type: 'vector', series: [{ labels: EMPTY_LABELS, values, present: new Uint8Array(grid.n).fill(1) }] };
      }
      case 'scalar': {
        const v = await this.vectorValue(e.args[0]!, grid);
        const values = new Float64Array(grid.n).fill(NaN);
        for (let i = 0; i < grid.n; i++) {
          let count = 0; let val = NaN;
          for (const s of v) if (s.present[i]) { count++; val = s.values[i]!; }
          if (count === 1) values[i] = val;
        }
        return { type: 'scalar', values };
      }
      case 'timestamp': {
        const inner = unwrapParens(e.args[0]!);
        const v = await this.vectorValue(e.args[0]!, grid);
        const useSampleTimes = inner.kind === 'VectorSelector';
        return {
          type: 'vector',
          series: mergeSameLabels(v.map((s) => ({
            labels: dropMetricName(s.labels), present: s.present,
            values: useSampleTimes && s.sampleTimes ? s.sampleTimes.map((t) => t / 1000) : grid.times.map((t) => t / 1000),
          }))),
        };
      }
      case 'clamp': case 'clamp_min': case 'clamp_max': {
        const v = await this.vectorValue(e.args[0]!, grid);
        const a = await this.scalarValues(e.args[1]!, grid);
        const b = f === 'clamp' ? await this.scalarValues(e.args[2]!, grid) : undefined;
        return this.mapVectorIndexed(v, (x, i) => {
          if (f === 'clamp_min') return Math.max(a[i]!, x);
          if (f === 'clamp_max') return Math.min(a[i]!, x);
          if (b![i]! < a[i]!) return undefined;
          return Math.max(a[i]!, Math.min(b![i]!, x));
        });
      }
      case 'round': {
        const v = await this.vectorValue(e.args[0]!, grid);
        const to = e.args[1] ? await this.scalarValues(e.args[1], grid) : undefined;
        return this.mapVectorIndexed(v, (x, i) => {
          const inv = 1 / (to ? to[i]! : 1);
          return Math.floor(x * inv + 0.5) / inv;
        });
      }
      case 'sort': case 'sort_desc': {
        const v = await this.vectorValue(e.args[0]!, grid);
        // Only meaningful for instant queries: order by the (only) step's value, NaN first as Prometheus does.
        const desc = f === 'sort_desc';
        const sorted = [...v].sort((x, y) => {
          const a = x.values[0]!; const b = y.values[0]!;
          if (Number.isNaN(a)) return Number.isNaN(b) ? 0 : -1;
          if (Number.isNaN(b)) return 1;
          return desc ? b - a : a - b;
        });
        return { type: 'vector', series: sorted, sorted: true };
      }
      case 'sort_by_label': case 'sort_by_label_desc': {
        // Prometheus 3 (GreptimeDB has it): order by the given labels in natural order
        // (digit runs compared as numbers), ties by the whole label set.
        const v = await this.vectorValue(e.args[0]!, grid);
        const names = e.args.slice(1).map((a) => (a as { value: string }).value);
        const sign = f === 'sort_by_label_desc' ? -1 : 1;
        const sorted = [...v].sort((x, y) => {
          for (const n of names) {
            const c = naturalCompare(labelValue(x.labels, n), labelValue(y.labels, n));
            if (c !== 0) return sign * c;
          }
          return sign * compareLabels(x.labels, y.labels);
        });
        return { type: 'vector', series: sorted, sorted: true };
      }
      case 'absent': {
        const v = await this.vectorValue(e.args[0]!, grid);
        const inner = unwrapParens(e.args[0]!);
        const labels = absentLabels(inner.kind === 'VectorSelector' ? inner.matchers : []);
        const out = { labels, values: new Float64Array(grid.n), present: new Uint8Array(grid.n) };
        for (let i = 0; i < grid.n; i++) if (!v.some((s) => s.present[i])) { out.present[i] = 1; out.values[i] = 1; }
        return { type: 'vector', series: out.present.some((x) => x) ? [out] : [] };
      }
      case 'label_replace': {
        const v = await this.vectorValue(e.args[0]!, grid);
        const [dst, repl, src, re] = e.args.slice(1).map((a) => (a as { value: string }).value) as [string, string, string, string];
        const regex = compileAnchoredRegex(re);
        return this.relabel(v, grid, (ls) => {
          const m = regex.exec(labelValue(ls, src));
          if (!m) return ls;
          return setLabel(ls, dst, expandTemplate(repl, m));
        });
      }
      case 'label_join': {
        const v = await this.vectorValue(e.args[0]!, grid);
        const [dst, sep, ...srcs] = e.args.slice(1).map((a) => (a as { value: string }).value) as [string, string, ...string[]];
        return this.relabel(v, grid, (ls) => setLabel(ls, dst, srcs.map((s) => labelValue(ls, s)).join(sep)));
      }
      case 'histogram_quantile': return this.histogramQuantile(e, grid);
      default: throw new ExecutionError(`function ${f} is not implemented`);
    }
  }

  private relabel(v: StepSeries[], grid: Grid, fn: (ls: Labels) => Labels): EvalValue {
    const b = new SeriesBuilder(grid.n);
    for (const s of v) {
      const ls = fn(s.labels);
      const key = labelsKey(ls);
      for (let i = 0; i < grid.n; i++) if (s.present[i]) b.add(ls, i, s.values[i]!, key);
    }
    return { type: 'vector', series: b.series() };
  }

  private mapVector(v: StepSeries[], fn: (x: number) => number): EvalValue {
    return { type: 'vector', series: mergeSameLabels(v.map((s) => ({ labels: dropMetricName(s.labels), values: s.values.map(fn), present: s.present }))) };
  }

  private mapVectorIndexed(v: StepSeries[], fn: (x: number, i: number) => number | undefined): EvalValue {
    const out: StepSeries[] = [];
    for (const s of v) {
      const values = new Float64Array(s.values.length);
      const present = new Uint8Array(s.values.length);
      let any = false;
      for (let i = 0; i < values.length; i++) {
        if (!s.present[i]) continue;
        const r = fn(s.values[i]!, i);
        if (r === undefined) continue;
        values[i] = r; present[i] = 1; any = true;
      }
      if (any) out.push({ labels: dropMetricName(s.labels), values, present });
    }
    return { type: 'vector', series: mergeSameLabels(out) };
  }

  private async vectorValue(e: Expr, grid: Grid): Promise<StepSeries[]> {
    const v = await this.eval(e, grid);
    if (v.type !== 'vector') throw new ExecutionError(`expected an instant vector, got ${v.type}`);
    return v.series;
  }

  private async scalarValues(e: Expr, grid: Grid): Promise<Float64Array> {
    const v = await this.eval(e, grid);
    if (v.type !== 'scalar') throw new ExecutionError(`expected a scalar, got ${v.type}`);
    return v.values;
  }

  private async histogramQuantile(e: Call, grid: Grid): Promise<EvalValue> {
    const q = await this.scalarValues(e.args[0]!, grid);
    const v = await this.vectorValue(e.args[1]!, grid);
    const groups = new Map<string, { labels: Labels; buckets: { le: number; s: StepSeries }[] }>();
    for (const s of v) {
      const leText = labelValue(s.labels, 'le');
      const le = leText === '+Inf' || leText === 'Inf' || leText === 'inf' || leText === '+inf' ? Infinity : Number(leText);
      if (leText === '' || Number.isNaN(le)) continue;
      const labels = withoutLabels(s.labels, new Set(['le', METRIC_NAME]));
      const key = labelsKey(labels);
      let g = groups.get(key);
      if (!g) { g = { labels, buckets: [] }; groups.set(key, g); }
      g.buckets.push({ le, s });
    }
    const out: StepSeries[] = [];
    for (const g of groups.values()) {
      const values = new Float64Array(grid.n);
      const present = new Uint8Array(grid.n);
      for (let i = 0; i < grid.n; i++) {
        const buckets: { upperBound: number; count: number }[] = [];
        for (const b of g.buckets) if (b.s.present[i]) buckets.push({ upperBound: b.le, count: b.s.values[i]! });
        if (!buckets.length) continue;
        values[i] = bucketQuantile(q[i]!, buckets);
        present[i] = 1;
      }
      if (present.some((x) => x)) out.push({ labels: g.labels, values, present });
    }
    return { type: 'vector', series: out };
  }

  // ------------------------------------------------------------- operators

  private async binary(e: BinaryExpr, grid: Grid): Promise<EvalValue> {
    const lhs = await this.eval(e.lhs, grid);
    const rhs = await this.eval(e.rhs, grid);
    const op = e.op;
    const isCmp = COMPARISON_OPS.has(op);
    if (lhs.type === 'scalar' && rhs.type === 'scalar') {
      const values = new Float64Array(grid.n);
      for (let i = 0; i < grid.n; i++) values[i] = scalarOp(op, lhs.values[i]!, rhs.values[i]!);
      return { type: 'scalar', values };
    }
    if (lhs.type === 'vector' && rhs.type === 'vector') return this.vectorBinary(e, lhs.series, rhs.series, grid);
    // vector <op> scalar or scalar <op> vector
    const vecLeft = lhs.type === 'vector';
    const vec = (vecLeft ? lhs : rhs) as Extract<EvalValue, { type: 'vector' }>;
    const sc = ((vecLeft ? rhs : lhs) as Extract<EvalValue, { type: 'scalar' }>).values;
    const out: StepSeries[] = [];
    const drop = isArithmeticOrDropping(op) || e.bool;
    for (const s of vec.series) {
      const values = new Float64Array(grid.n);
      const present = new Uint8Array(grid.n);
      let any = false;
      for (let i = 0; i < grid.n; i++) {
        if (!s.present[i]) continue;
        const x = s.values[i]!;
        const l = vecLeft ? x : sc[i]!; const r = vecLeft ? sc[i]! : x;
        let value = scalarOp(op, l, r);
        if (isCmp) {
          if (e.bool) { /* 0/1 */ } else if (value === 0) continue;
          else value = x;
        }
        values[i] = value; present[i] = 1; any = true;
      }
      if (any) out.push({ labels: drop ? dropMetricName(s.labels) : s.labels, values, present });
    }
    return { type: 'vector', series: mergeSameLabels(out) };
  }

  private vectorBinary(e: BinaryExpr, lhs: StepSeries[], rhs: StepSeries[], grid: Grid): EvalValue {
    const m = e.matching!;
    const names = new Set(m.labels);
    const lsig = lhs.map((s) => signature(s.labels, m.on, names));
    const rsig = rhs.map((s) => signature(s.labels, m.on, names));
    const n = grid.n;
    // Set operators: per step, the signatures present on the other side.
    const presentSigs = (side: StepSeries[], sigs: string[]): Array<Set<string>> => {
      const out: Array<Set<string>> = [];
      for (let i = 0; i < n; i++) {
        const set = new Set<string>();
        side.forEach((s, j) => { if (s.present[i]) set.add(sigs[j]!); });
        out.push(set);
      }
      return out;
    };
    if (e.op === 'and' || e.op === 'unless') {
      const rhsSigs = presentSigs(rhs, rsig);
      const keep = e.op === 'and';
      const out: StepSeries[] = [];
      lhs.forEach((s, li) => {
        const values = new Float64Array(n); const present = new Uint8Array(n);
        let any = false;
        for (let i = 0; i < n; i++) {
          if (!s.present[i]) continue;
          if (rhsSigs[i]!.has(lsig[li]!) === keep) { values[i] = s.values[i]!; present[i] = 1; any = true; }
        }
        if (any) out.push({ labels: s.labels, values, present });
      });
      return { type: 'vector', series: out };
    }
    if (e.op === 'or') {
      const lhsSigs = presentSigs(lhs, lsig);
      const out: StepSeries[] = [...lhs];
      rhs.forEach((s, ri) => {
        const values = new Float64Array(n); const present = new Uint8Array(n);
        let any = false;
        for (let i = 0; i < n; i++) {
          if (!s.present[i]) continue;
          if (!lhsSigs[i]!.has(rsig[ri]!)) { values[i] = s.values[i]!; present[i] = 1; any = true; }
        }
        if (any) out.push({ labels: s.labels, values, present });
      });
      return { type: 'vector', series: out };
    }
    // Arithmetic / comparison with one-to-one or grouped matching. For
    // group_right the sides swap; values keep the written operand order.
    const swap = m.card === 'one-to-many';
    const many = swap ? rhs : lhs; const one = swap ? lhs : rhs;
    const manySig = swap ? rsig : lsig; const oneSig = swap ? lsig : rsig;
    const isCmp = COMPARISON_OPS.has(e.op);
    const dropName = isArithmeticOrDropping(e.op) || e.bool;
    const include = new Set(m.include);
    const builder = new SeriesBuilder(n);
    const labelCache = new Map<string, { labels: Labels; key: string }>();
    const oneBySig = new Map<string, number>();
    const manySeen = new Map<string, number>();
    for (let i = 0; i < n; i++) {
      oneBySig.clear();
      for (let oi = 0; oi < one.length; oi++) {
        if (!one[oi]!.present[i]) continue;
        const sig = oneSig[oi]!;
        if (oneBySig.has(sig)) {
          const side = swap ? 'left' : 'right';
          throw new ExecutionError(`found duplicate series for the match group ${JSON.stringify(sig.replace(/\xfe/g, '=').replace(/\xff/g, ','))} on the ${side} hand-side of the operation; many-to-many matching not allowed: matching labels must be unique on one side`);
        }
        oneBySig.set(sig, oi);
      }
      manySeen.clear();
      for (let mi = 0; mi < many.length; mi++) {
        const ms = many[mi]!;
        if (!ms.present[i]) continue;
        const oi = oneBySig.get(manySig[mi]!);
        if (oi === undefined) continue;
        if (m.card === 'one-to-one') {
          const seen = manySeen.get(manySig[mi]!);
          if (seen !== undefined) throw new ExecutionError('multiple matches for labels: many-to-one matching must be explicit (group_left/group_right)');
          manySeen.set(manySig[mi]!, mi);
        }
        const os = one[oi]!;
        const l = swap ? os.values[i]! : ms.values[i]!;
        const r = swap ? ms.values[i]! : os.values[i]!;
        let value = scalarOp(e.op, l, r);
        if (isCmp) {
          if (e.bool) { /* 0/1 */ } else if (value === 0) continue;
          else value = l;
        }
        const ck = `${mi}\u0000${oi}`;
        let res = labelCache.get(ck);
        if (!res) {
          let ls = ms.labels;
          if (dropName) ls = dropMetricName(ls);
          if (m.card === 'one-to-one') {
            ls = m.on ? onlyLabels(ls, names) : withoutLabels(ls, names);
          } else {
            for (const name of include) ls = setLabel(ls, name, labelValue(os.labels, name));
          }
          res = { labels: ls, key: labelsKey(ls) };
          labelCache.set(ck, res);
        }
        try {
          builder.add(res.labels, i, value, res.key);
        } catch {
          throw new ExecutionError('multiple matches for labels: grouping labels must ensure unique matches');
        }
      }
    }
    return { type: 'vector', series: builder.series() };
  }

  private async aggregate(e: AggregateExpr, grid: Grid): Promise<EvalValue> {
    const v = await this.vectorValue(e.expr, grid);
    const n = grid.n;
    const names = new Set(e.grouping);
    const groupLabelsOf = (ls: Labels): Labels => (e.without ? withoutLabels(dropMetricName(ls), names) : onlyLabels(ls, names));
    const groups = new Map<string, { labels: Labels; members: number[] }>();
    const order: string[] = [];
    v.forEach((s, idx) => {
      const gl = groupLabelsOf(s.labels);
      const key = labelsKey(gl);
      let g = groups.get(key);
      if (!g) { g = { labels: gl, members: [] }; groups.set(key, g); order.push(key); }
      g.members.push(idx);
    });
    const op = e.op;
    if (op === 'topk' || op === 'bottomk') {
      const k = await this.scalarValues(e.param!, grid);
      const b = new SeriesBuilder(n);
      for (const key of order) {
        const g = groups.get(key)!;
        for (let i = 0; i < n; i++) {
          const kk = Math.trunc(k[i]!);
          if (!(kk >= 1)) continue;
          const present = g.members.filter((mi) => v[mi]!.present[i]);
          const chosen = topkHeap(present, (mi) => v[mi]!.values[i]!, kk, op === 'bottomk');
          for (const mi of chosen) b.add(v[mi]!.labels, i, v[mi]!.values[i]!);
        }
      }
      return { type: 'vector', series: b.series() };
    }
    if (op === 'count_values') {
      const label = (e.param as { value: string }).value;
      // Prometheus 3 accepts any non-empty UTF-8 label name here (count_values("v.name", ...)).
      if (label === '') throw new ExecutionError(`invalid label name ${JSON.stringify(label)}`);
      const b = new SeriesBuilder(n);
      for (const key of order) {
        const g = groups.get(key)!;
        for (let i = 0; i < n; i++) {
          const counts = new Map<string, number>();
          for (const mi of g.members) if (v[mi]!.present[i]) { const f = formatSampleValue(v[mi]!.values[i]!); counts.set(f, (counts.get(f) ?? 0) + 1); }
          for (const [f, c] of counts) b.add(setLabel(g.labels, label, f), i, c);
        }
      }
      return { type: 'vector', series: b.series() };
    }
    const q = op === 'quantile' ? await this.scalarValues(e.param!, grid) : undefined;
    const out: StepSeries[] = [];
    for (const key of order) {
      const g = groups.get(key)!;
      const values = new Float64Array(n);
      const present = new Uint8Array(n);
      let any = false;
      for (let i = 0; i < n; i++) {
        let count = 0; let acc = 0; let mean = 0; let m2 = 0;
        const qs: number[] = [];
        for (const mi of g.members) {
          const s = v[mi]!;
          if (!s.present[i]) continue;
          const x = s.values[i]!;
          count++;
          switch (op) {
            case 'sum': acc += x; break;
            case 'avg':
              if (count === 1) { mean = x; break; }
              if (!Number.isFinite(mean) && !Number.isNaN(mean)) {
                if (!Number.isFinite(x) && !Number.isNaN(x) && (mean > 0) === (x > 0)) break;
                if (Number.isFinite(x)) break;
              }
              mean += x / count - mean / count;
              break;
            case 'min': if (count === 1 || acc > x || Number.isNaN(acc)) acc = x; break;
            case 'max': if (count === 1 || acc < x || Number.isNaN(acc)) acc = x; break;
            case 'stddev': case 'stdvar': {
              if (count === 1) { mean = x; m2 = 0; break; }
              const delta = x - mean;
              mean += delta / count;
              m2 += delta * (x - mean);
              break;
            }
            case 'quantile': qs.push(x); break;
            default: break;
          }
        }
        if (count === 0) continue;
        let r: number;
        switch (op) {
          case 'sum': case 'min': case 'max': r = acc; break;
          case 'avg': r = mean; break;
          case 'count': r = count; break;
          case 'group': r = 1; break;
          case 'stdvar': r = m2 / count; break;
          case 'stddev': r = Math.sqrt(m2 / count); break;
          case 'quantile': r = quantileOf(q![i]!, qs); break;
          default: throw new ExecutionError(`aggregation ${op} is not implemented`);
        }
        values[i] = r; present[i] = 1; any = true;
      }
      if (any) out.push({ labels: g.labels, values, present });
    }
    return { type: 'vector', series: out };
  }
}

/**
 * The members topk/bottomk keep, chosen exactly as Prometheus 2.x does: a
 * Go container/heap of size k (NaN counts as the smallest value; on ties the
 * earlier series stays), so results with NaN or equal values match.
 */
function topkHeap(members: number[], valueOf: (m: number) => number, k: number, bottom: boolean): number[] {
  const h: number[] = [];
  const less = (i: number, j: number): boolean => {
    const a = valueOf(h[i]!); const b = valueOf(h[j]!);
    if (Number.isNaN(a)) return true;
    return bottom ? a > b : a < b;
  };
  const swap = (i: number, j: number) => { const t = h[i]!; h[i] = h[j]!; h[j] = t; };
  const up = (j: number) => {
    for (;;) {
      const i = Math.trunc((j - 1) / 2);
      if (i === j || !less(j, i)) break;
      swap(i, j); j = i;
    }
  };
  const down = (i0: number): boolean => {
    let i = i0; const n = h.length;
    for (;;) {
      const j1 = 2 * i + 1;
      if (j1 >= n) break;
      let j = j1;
      const j2 = j1 + 1;
      if (j2 < n && less(j2, j1)) j = j2;
      if (!less(j, i)) break;
      swap(i, j); i = j;
    }
    return i > i0;
  };
  for (const m of members) {
    if (h.length === 0) { h.push(m); continue; }
    const x = valueOf(m); const top = valueOf(h[0]!);
    if (h.length < k) { h.push(m); up(h.length - 1); continue; }
    const replace = bottom ? (top > x || (Number.isNaN(top) && !Number.isNaN(x))) : (top < x || (Number.isNaN(top) && !Number.isNaN(x)));
    if (replace) {
      h[0] = m;
      if (k > 1 && !down(0)) up(0);
    }
  }
  // Output order: by value, largest first for topk (Prometheus sorts the heap in reverse).
  return h.sort((a, b) => {
    const x = valueOf(a); const y = valueOf(b);
    if (Number.isNaN(x)) return Number.isNaN(y) ? 0 : 1;
    if (Number.isNaN(y)) return -1;
    return bottom ? (x < y ? -1 : x > y ? 1 : 0) : (x > y ? -1 : x < y ? 1 : 0);
  });
}

function withoutStale(s: RawSeries): RawSeries {
  if (!s.stale) return s;
  const keep: number[] = [];
  for (let i = 0; i < s.t.length; i++) if (!s.stale[i]) keep.push(i);
  return { labels: s.labels, t: Float64Array.from(keep, (i) => s.t[i]!), v: Float64Array.from(keep, (i) => s.v[i]!) };
}

/**
 * Indices [lo, hi) of samples with start < t <= end (left-open, GreptimeDB / Prometheus 3),
 * or start <= t <= end when `leftOpen` is false (Prometheus 2.x closed window).
 */
export function windowBounds(t: Float64Array, start: number, end: number, leftOpen = true): [number, number] {
  let lo = 0; let hi = t.length;
  while (lo < hi) { const mid = (lo + hi) >> 1; if (t[mid]! < start || (leftOpen && t[mid] === start)) lo = mid + 1; else hi = mid; }
  let h2 = lo; let hiEnd = t.length;
  while (h2 < hiEnd) { const mid = (h2 + hiEnd) >> 1; if (t[mid]! <= end) h2 = mid + 1; else hiEnd = mid; }
  return [lo, h2];
}

/** Natural order (facette/natsort, as Prometheus's sort_by_label): runs of digits compare as numbers. */
export function naturalCompare(a: string, b: string): number {
  if (a === b) return 0;
  const ca = a.match(/\d+|\D+/g) ?? []; const cb = b.match(/\d+|\D+/g) ?? [];
  for (let i = 0; i < Math.min(ca.length, cb.length); i++) {
    const x = ca[i]!; const y = cb[i]!;
    if (x === y) continue;
    if (/^\d/.test(x) && /^\d/.test(y)) {
      const nx = BigInt(x); const ny = BigInt(y);
      if (nx !== ny) return nx < ny ? -1 : 1;
      continue;
    }
    return x < y ? -1 : 1;
  }
  return ca.length - cb.length;
}

/** absent()'s output labels: the equality matchers (not __name__), unless a name is matched twice. */
function absentLabels(matchers: readonly LabelMatcher[]): Labels {
  const rec: Record<string, string> = {};
  const seen = new Set<string>();
  const dup = new Set<string>();
  for (const m of matchers) {
    if (m.name === METRIC_NAME) continue;
    if (seen.has(m.name)) dup.add(m.name);
    seen.add(m.name);
    if (m.op === '=') rec[m.name] = m.value;
  }
  for (const d of dup) delete rec[d];
  return labelsFrom(rec);
}

/** Go regexp Expand: $1, ${1}, $name, ${name}, $$. */
function expandTemplate(template: string, m: RegExpExecArray): string {
  return template.replace(/\$(\$|\{([a-zA-Z0-9_]+)\}|([a-zA-Z0-9_]+))/g, (_all, _x, braced?: string, bare?: string) => {
    if (_x === '$') return '$';
    const name = braced ?? bare!;
    if (/^[0-9]+$/.test(name)) return m[Number(name)] ?? '';
    return m.groups?.[name] ?? '';
  });
}

/** Prometheus's bucketQuantile over classic `le` buckets. */
export function bucketQuantile(q: number, buckets: { upperBound: number; count: number }[]): number {
  if (Number.isNaN(q)) return NaN;
  if (q < 0) return -Infinity;
  if (q > 1) return Infinity;
  buckets.sort((a, b) => a.upperBound - b.upperBound);
  if (buckets[buckets.length - 1]!.upperBound !== Infinity) return NaN;
  // coalesce equal bounds
  const bs: { upperBound: number; count: number }[] = [];
  for (const b of buckets) {
    const last = bs[bs.length - 1];
    if (last && last.upperBound === b.upperBound) last.count += b.count;
    else bs.push({ ...b });
  }
  // ensure monotonic
  let max = -Infinity;
  for (const b of bs) { if (b.count > max) max = b.count; else b.count = max; }
  if (bs.length < 2) return NaN;
  const observations = bs[bs.length - 1]!.count;
  if (observations === 0) return NaN;
  let rank = q * observations;
  let b = 0;
  while (b < bs.length - 1 && !(bs[b]!.count >= rank)) b++;
  if (b === bs.length - 1) return bs[bs.length - 2]!.upperBound;
  if (b === 0 && bs[0]!.upperBound <= 0) return bs[0]!.upperBound;
  let bucketStart = 0;
  const bucketEnd = bs[b]!.upperBound;
  let count = bs[b]!.count;
  if (b > 0) {
    bucketStart = bs[b - 1]!.upperBound;
    count -= bs[b - 1]!.count;
    rank -= bs[b - 1]!.count;
  }
  return bucketStart + (bucketEnd - bucketStart) * (rank / count);
}

/** Sorts series by labels (Prometheus sorts range-query matrices this way). */
export function sortSeries<T extends { labels: Labels }>(series: T[]): T[] {
  return series.sort((a, b) => compareLabels(a.labels, b.labels));
}
