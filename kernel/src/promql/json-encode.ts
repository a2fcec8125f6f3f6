import { formatSampleValue, sortSeries, type StepSeries } from './evaluator.js';
import type { Labels } from './labels.js';
import type { RawSeries } from './series-source.js';

/**
 * Prometheus's JSON for query answers, written straight into one string:
 * no `{metric, values: [[t, "v"], ...]}` object per series and no array per
 * point for JSON.stringify to walk. Label names and values go through
 * JSON.stringify (escaping); timestamps are float seconds, values Go-formatted
 * strings (digits, '.', '-', 'e', "NaN", "+Inf"), which need no escaping.
 */
export function metricJson(labels: Labels): string {
  let out = '{';
  for (let i = 0; i < labels.length; i++) {
    const [n, v] = labels[i]!;
    if (i) out += ',';
    out += JSON.stringify(n) + ':' + JSON.stringify(v);
  }
  return out + '}';
}

/** `[t,"v"]` for one point (ms -> float seconds). */
function pointJson(ms: number, v: number): string {
  return '[' + String(ms / 1000) + ',"' + formatSampleValue(v) + '"]';
}

/** The `data` of a range query: a matrix of the present steps, series sorted by labels, empty series left out. */
export function rangeDataJson(series: readonly StepSeries[], times: Float64Array): string {
  let out = '{"resultType":"matrix","result":[';
  let first = true;
  for (const s of sortSeries([...series])) {
    const present = s.present; const values = s.values;
    let body = '';
    for (let i = 0; i < times.length; i++) {
      if (!present[i]) continue;
      if (body) body += ',';
      body += pointJson(times[i]!, values[i]!);
    }
    if (!body) continue;
    out += (first ? '' : ',') + '{"metric":' + metricJson(s.labels) + ',"values":[' + body + ']}';
    first = false;
  }
  return out + ']}';
}

/** The `data` of a scalar range query: one series without labels. */
export function scalarRangeDataJson(values: Float64Array, times: Float64Array): string {
  let body = '';
  for (let i = 0; i < times.length; i++) body += (i ? ',' : '') + pointJson(times[i]!, values[i]!);
  return '{"resultType":"matrix","result":[{"metric":{},"values":[' + body + ']}]}';
}

/** The `data` of an instant query answering a vector: series in evaluation order, only those present. */
export function vectorDataJson(series: readonly StepSeries[], ms: number): string {
  let out = '{"resultType":"vector","result":[';
  let first = true;
  for (const s of series) {
    if (!s.present[0]) continue;
    out += (first ? '' : ',') + '{"metric":' + metricJson(s.labels) + ',"value":' + pointJson(ms, s.values[0]!) + '}';
    first = false;
  }
  return out + ']}';
}

/** The `data` of an instant query of a range selector: raw samples, series sorted by labels. */
export function matrixDataJson(series: readonly RawSeries[]): string {
  let out = '{"resultType":"matrix","result":[';
  let first = true;
  for (const s of sortSeries([...series])) {
    let body = '';
    for (let i = 0; i < s.t.length; i++) body += (i ? ',' : '') + pointJson(s.t[i]!, s.v[i]!);
    out += (first ? '' : ',') + '{"metric":' + metricJson(s.labels) + ',"values":[' + body + ']}';
    first = false;
  }
  return out + ']}';
}

/** Prometheus's success envelope around pre-encoded `data`. */
export function successJson(dataJson: string): string {
  return '{"status":"success","data":' + dataJson + '}';
}
