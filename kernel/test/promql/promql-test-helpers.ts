import type { Expr, LabelMatcher } from '../../src/promql/ast.js';
import { labelsFrom, type Labels } from '../../src/promql/labels.js';
import type { RawSeries, SeriesSource } from '../../src/promql/series-source.js';
import { matches } from '../../src/promql/series-source.js';

/** A fully parenthesized rendering of an AST, to assert precedence and structure. */
export function show(e: Expr): string {
  switch (e.kind) {
    case 'NumberLiteral': return String(e.value);
    case 'StringLiteral': return JSON.stringify(e.value);
    case 'ParenExpr': return `(${show(e.expr)})`;
    case 'VectorSelector': {
      const ms = e.matchers.filter((m) => !(m.name === '__name__' && m.op === '=' && m.value === e.name)).map((m) => `${m.name}${m.op}${JSON.stringify(m.value)}`);
      let s = `${e.name ?? ''}${ms.length ? `{${ms.join(',')}}` : ''}`;
      if (e.offsetMs) s += ` offset ${e.offsetMs}ms`;
      if (e.at) s += ` @ ${e.at.kind === 'time' ? `${e.at.ms}ms` : `${e.at.kind}()`}`;
      return s;
    }
    case 'MatrixSelector': return `${show({ ...e.selector, offsetMs: 0, at: undefined } as Expr)}[${e.rangeMs}ms]${e.selector.offsetMs ? ` offset ${e.selector.offsetMs}ms` : ''}${e.selector.at ? ` @ ${e.selector.at.kind === 'time' ? `${e.selector.at.ms}ms` : `${e.selector.at.kind}()`}` : ''}`;
    case 'SubqueryExpr': return `${show(e.expr)}[${e.rangeMs}ms:${e.stepMs || ''}${e.stepMs ? 'ms' : ''}]${e.offsetMs ? ` offset ${e.offsetMs}ms` : ''}${e.at ? ` @ ${e.at.kind === 'time' ? `${e.at.ms}ms` : `${e.at.kind}()`}` : ''}`;
    case 'Call': return `${e.func}(${e.args.map(show).join(', ')})`;
    case 'AggregateExpr': return `${e.op}${e.hasGrouping ? ` ${e.without ? 'without' : 'by'} (${e.grouping.join(',')})` : ''}(${e.param ? `${show(e.param)}, ` : ''}${show(e.expr)})`;
    case 'UnaryExpr': return `(${e.op}${show(e.expr)})`;
    case 'BinaryExpr': {
      const m = e.matching;
      let mod = e.bool ? ' bool' : '';
      if (m && (m.on || m.labels.length)) mod += ` ${m.on ? 'on' : 'ignoring'}(${m.labels.join(',')})`;
      if (m && m.card === 'many-to-one') mod += ` group_left(${m.include.join(',')})`;
      if (m && m.card === 'one-to-many') mod += ` group_right(${m.include.join(',')})`;
      return `(${show(e.lhs)} ${e.op}${mod} ${show(e.rhs)})`;
    }
  }
}

/** Builds a raw series from labels and [seconds, value] samples. */
export function series(labels: Record<string, string>, samples: Array<[number, number]>, stale: number[] = []): RawSeries {
  const st = new Uint8Array(samples.length);
  const t = Float64Array.from(samples, ([s]) => s * 1000);
  for (const sec of stale) st[t.indexOf(sec * 1000)] = 1;
  return { labels: labelsFrom(labels), t, v: Float64Array.from(samples, ([, v]) => v), ...(stale.length ? { stale: st } : {}) };
}

/** An in-memory SeriesSource; records the time ranges asked for. */
export class MemorySource implements SeriesSource {
  readonly requests: Array<{ matchers: readonly LabelMatcher[]; minMs: number; maxMs: number }> = [];
  constructor(readonly data: RawSeries[]) {}
  async select(matchers: readonly LabelMatcher[], minMs: number, maxMs: number): Promise<RawSeries[]> {
    this.requests.push({ matchers, minMs, maxMs });
    const out: RawSeries[] = [];
    for (const s of this.data) {
      if (!matchers.every((m) => matches(m, s.labels.find(([n]) => n === m.name)?.[1] ?? ''))) continue;
      const keep: number[] = [];
      for (let i = 0; i < s.t.length; i++) if (s.t[i]! >= minMs && s.t[i]! <= maxMs) keep.push(i);
      if (!keep.length) continue;
      out.push({
        labels: s.labels, t: Float64Array.from(keep, (i) => s.t[i]!), v: Float64Array.from(keep, (i) => s.v[i]!),
        ...(s.stale ? { stale: Uint8Array.from(keep, (i) => s.stale![i]!) } : {}),
      });
    }
    return out;
  }
}

export function labelsObj(ls: Labels): Record<string, string> {
  return Object.fromEntries(ls);
}
