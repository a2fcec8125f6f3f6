/** A label set: [name, value] pairs sorted by name, no empty values. */
export type Labels = ReadonlyArray<readonly [string, string]>;

export const EMPTY_LABELS: Labels = [];
export const METRIC_NAME = '__name__';

/** Builds a sorted label set from a record, dropping empty values. */
export function labelsFrom(record: Readonly<Record<string, string>>): Labels {
  return Object.entries(record).filter(([, v]) => v !== '').sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
}

export function labelValue(ls: Labels, name: string): string {
  for (const [n, v] of ls) if (n === name) return v;
  return '';
}

/** A string key identifying the label set (names and values cannot contain \xff in practice). */
export function labelsKey(ls: Labels): string {
  let k = '';
  for (const [n, v] of ls) k += `${n}\xfe${v}\xff`;
  return k;
}

export function withoutLabels(ls: Labels, names: ReadonlySet<string>): Labels {
  return ls.filter(([n]) => !names.has(n));
}

export function onlyLabels(ls: Labels, names: ReadonlySet<string>): Labels {
  return ls.filter(([n]) => names.has(n));
}

export function dropMetricName(ls: Labels): Labels {
  return ls.length && ls.some(([n]) => n === METRIC_NAME) ? ls.filter(([n]) => n !== METRIC_NAME) : ls;
}

/** Sets (or with '' removes) one label. */
export function setLabel(ls: Labels, name: string, value: string): Labels {
  const out = ls.filter(([n]) => n !== name);
  if (value !== '') {
    out.push([name, value]);
    out.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  }
  return out;
}

/** Matching signature: `on` keeps only `names`; otherwise drops them and __name__. */
export function signature(ls: Labels, on: boolean, names: ReadonlySet<string>): string {
  let k = '';
  for (const [n, v] of ls) {
    if (on ? names.has(n) : !names.has(n) && n !== METRIC_NAME) k += `${n}\xfe${v}\xff`;
  }
  return k;
}

export function compareLabels(a: Labels, b: Labels): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const [an, av] = a[i]!; const [bn, bv] = b[i]!;
    if (an !== bn) return an < bn ? -1 : 1;
    if (av !== bv) return av < bv ? -1 : 1;
  }
  return a.length - b.length;
}

export function labelsToObject(ls: Labels): Record<string, string> {
  const o: Record<string, string> = {};
  for (const [n, v] of ls) o[n] = v;
  return o;
}
