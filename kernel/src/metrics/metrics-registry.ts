import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Metrics } from '../interfaces/metrics.js';
import { InvalidArgumentsError } from '../errors/errors.js';

/**
 * One server's metrics: a prom-client Registry of its own (not the global
 * one), so two servers in one process keep separate counters.
 */
export class MetricsRegistry implements Metrics {
  readonly registry = new Registry();
  private readonly metrics = new Map<string, Counter<string> | Gauge<string> | Histogram<string>>();

  constructor(options: { defaultMetrics?: boolean; labels?: Record<string, string> } = {}) {
    if (options.labels) this.registry.setDefaultLabels(options.labels);
    if (options.defaultMetrics) collectDefaultMetrics({ register: this.registry, prefix: 'strata_process_' });
  }

  counter(name: string, help: string, labelNames: readonly string[] = []): Counter<string> {
    return this.getOrCreate(name, 'counter', () => new Counter({ name, help, labelNames, registers: [this.registry] })) as Counter<string>;
  }

  gauge(name: string, help: string, labelNames: readonly string[] = []): Gauge<string> {
    return this.getOrCreate(name, 'gauge', () => new Gauge({ name, help, labelNames, registers: [this.registry] })) as Gauge<string>;
  }

  histogram(name: string, help: string, labelNames: readonly string[] = [], buckets?: readonly number[]): Histogram<string> {
    return this.getOrCreate(name, 'histogram', () => new Histogram({
      name, help, labelNames, registers: [this.registry], ...(buckets ? { buckets: [...buckets] } : {}),
    })) as Histogram<string>;
  }

  text(): Promise<string> {
    return this.registry.metrics();
  }

  private getOrCreate(name: string, type: string, make: () => Counter<string> | Gauge<string> | Histogram<string>) {
    const existing = this.metrics.get(name);
    if (existing) {
      const existingType = existing instanceof Counter ? 'counter' : existing instanceof Gauge ? 'gauge' : 'histogram';
      if (existingType !== type) throw new InvalidArgumentsError(`metric ${name} is already a ${existingType}, not a ${type}`);
      return existing;
    }
    const m = make();
    this.metrics.set(name, m);
    return m;
  }
}
