import type { TableSchema } from '@strata/kernel';

/** TSBS cpu-only's ten host tags and ten usage fields, as the engine benches write them. */
export const TAGS = ['hostname', 'region', 'datacenter', 'rack', 'os', 'arch', 'team', 'service', 'service_version', 'service_environment'];
export const FIELDS = ['usage_user', 'usage_system', 'usage_idle', 'usage_nice', 'usage_iowait', 'usage_irq', 'usage_softirq', 'usage_steal', 'usage_guest', 'usage_guest_nice'];

/** The cpu table: the tags as the primary key, a millisecond time index, Float64 fields. */
export const cpuSchema: TableSchema = {
  columns: [
    ...TAGS.map((name) => ({ name, type: { name: 'String' as const }, semantic: 'tag' as const, nullable: true })),
    { name: 'ts', type: { name: 'TimestampMillisecond' }, semantic: 'timestamp', nullable: false },
    ...FIELDS.map((name) => ({ name, type: { name: 'Float64' as const }, semantic: 'field' as const, nullable: true })),
  ],
  timeIndex: 'ts', primaryKey: TAGS, options: {}, version: 1,
};

let seed = 42;
/** A repeatable pseudo-random number in [0, 1] (the same sequence in every run). */
export const rnd = (): number => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
