import type { Counter, Gauge, Histogram, Registry } from 'prom-client';

/**
 * The shared metrics registry of one server (prom-client). Each server has
 * its own, so two servers in one process do not collide. Metric names should
 * start with `strata_`; asking twice for the same name returns the same
 * metric.
 *
 * @example
 * const rows = metrics.counter('strata_ingest_rows_total', 'rows ingested', ['protocol']);
 * rows.inc({ protocol: 'influxdb' }, n);
 */
export interface Metrics {
  readonly registry: Registry;
  counter(name: string, help: string, labelNames?: readonly string[]): Counter<string>;
  gauge(name: string, help: string, labelNames?: readonly string[]): Gauge<string>;
  histogram(name: string, help: string, labelNames?: readonly string[], buckets?: readonly number[]): Histogram<string>;
  /** Prometheus text exposition of every metric. */
  text(): Promise<string>;
}
