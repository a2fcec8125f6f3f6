import type { Metrics } from '@strata/kernel';

/** The sum of a counter/gauge's values whose labels include `labels`. */
export async function metricValue(metrics: Metrics, name: string, labels: Record<string, string> = {}): Promise<number> {
  const metric = metrics.registry.getSingleMetric(name);
  if (!metric) return 0;
  const { values } = await metric.get();
  return values
    .filter((v) => Object.entries(labels).every(([k, x]) => String((v.labels as Record<string, unknown>)[k]) === x))
    .reduce((sum, v) => sum + v.value, 0);
}
