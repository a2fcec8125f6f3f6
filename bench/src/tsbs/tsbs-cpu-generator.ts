import { SeededRandom } from './seeded-random.js';

/** The ten TSBS host tags, in TSBS's order. */
export const CPU_TAG_KEYS = [
  'hostname',
  'region',
  'datacenter',
  'rack',
  'os',
  'arch',
  'team',
  'service',
  'service_version',
  'service_environment',
] as const;

/** The ten TSBS cpu fields, in TSBS's order. */
export const CPU_FIELD_KEYS = [
  'usage_user',
  'usage_system',
  'usage_idle',
  'usage_nice',
  'usage_iowait',
  'usage_irq',
  'usage_softirq',
  'usage_steal',
  'usage_guest',
  'usage_guest_nice',
] as const;

const REGIONS: ReadonlyArray<{ name: string; datacenters: string[] }> = [
  { name: 'us-east-1', datacenters: ['us-east-1a', 'us-east-1b', 'us-east-1c', 'us-east-1e'] },
  { name: 'us-west-1', datacenters: ['us-west-1a', 'us-west-1b'] },
  { name: 'us-west-2', datacenters: ['us-west-2a', 'us-west-2b', 'us-west-2c'] },
  { name: 'eu-west-1', datacenters: ['eu-west-1a', 'eu-west-1b', 'eu-west-1c'] },
  { name: 'eu-central-1', datacenters: ['eu-central-1a', 'eu-central-1b'] },
  { name: 'ap-southeast-1', datacenters: ['ap-southeast-1a', 'ap-southeast-1b'] },
  { name: 'ap-southeast-2', datacenters: ['ap-southeast-2a', 'ap-southeast-2b'] },
  { name: 'ap-northeast-1', datacenters: ['ap-northeast-1a', 'ap-northeast-1c'] },
  { name: 'sa-east-1', datacenters: ['sa-east-1a', 'sa-east-1b', 'sa-east-1c'] },
];
const TEAMS = ['SF', 'NYC', 'LON', 'CHI'];
const OSES = ['Ubuntu16.10', 'Ubuntu16.04LTS', 'Ubuntu15.10'];
const ARCHES = ['x64', 'x86'];
const ENVIRONMENTS = ['production', 'staging', 'test'];

/** TSBS's default start: 2016-01-01T00:00:00Z. */
export const TSBS_START_MS = Date.UTC(2016, 0, 1);

export interface CpuGeneratorOptions {
  hosts: number;
  hours: number;
  seed: number;
  /** Sampling interval; TSBS's default is 10 s. */
  intervalMs?: number;
  startMs?: number;
}

/** One host's tag values, indexed like CPU_TAG_KEYS. */
export type HostTags = string[];

/**
 * Rows in columnar form: row i is host `hostIndexes[i]` at `timestampsMs[i]`
 * with field k in `fields[k][i]`. The hot path stays on typed arrays.
 */
export interface CpuBatch {
  length: number;
  timestampsMs: Float64Array;
  hostIndexes: Uint32Array;
  fields: Float64Array[];
}

/**
 * Deterministic TSBS cpu-only data: `hosts` hosts with TSBS's tag choices,
 * each field a clamped random walk in [0, 100] with N(0,1) steps (TSBS's CWD),
 * emitted truncated to whole numbers as TSBS's cpu-only serializer does
 * (the values are written without the `i` suffix, so they land in Float64
 * columns). Rows come epoch by epoch, every host at each timestamp, like
 * TSBS's simulator. Same seed, same rows.
 *
 * @example
 * const gen = new TsbsCpuGenerator({ hosts: 10, hours: 2, seed: 1 });
 * for (const buf of gen.lineBatches(5000)) await post(buf);
 */
export class TsbsCpuGenerator {
  readonly hosts: number;
  readonly hours: number;
  readonly seed: number;
  readonly intervalMs: number;
  readonly startMs: number;
  readonly epochs: number;
  readonly hostTags: HostTags[];

  constructor(opts: CpuGeneratorOptions) {
    if (!Number.isInteger(opts.hosts) || opts.hosts < 1) throw new RangeError(`hosts must be a positive integer, got ${opts.hosts}`);
    if (!(opts.hours > 0)) throw new RangeError(`hours must be positive, got ${opts.hours}`);
    this.hosts = opts.hosts;
    this.hours = opts.hours;
    this.seed = opts.seed;
    this.intervalMs = opts.intervalMs ?? 10_000;
    this.startMs = opts.startMs ?? TSBS_START_MS;
    this.epochs = Math.floor((this.hours * 3_600_000) / this.intervalMs);
    this.hostTags = makeHostTags(this.hosts, new SeededRandom(this.seed));
  }

  get rowCount(): number {
    return this.epochs * this.hosts;
  }

  get endMs(): number {
    return this.startMs + this.epochs * this.intervalMs;
  }

  /** Columnar batches of at most `batchRows` rows, generated lazily. */
  *batches(batchRows: number): Generator<CpuBatch> {
    const nFields = CPU_FIELD_KEYS.length;
    // Walk state and randomness are separate from the tag stream so the tags
    // do not depend on how the rows are consumed.
    const rng = new SeededRandom((this.seed ^ 0x5bd1e995) >>> 0);
    const state = new Float64Array(this.hosts * nFields);
    for (let i = 0; i < state.length; i++) state[i] = rng.next() * 100;
    const total = this.rowCount;
    let row = 0;
    let epoch = 0;
    let host = 0;
    while (row < total) {
      const n = Math.min(batchRows, total - row);
      const batch: CpuBatch = {
        length: n,
        timestampsMs: new Float64Array(n),
        hostIndexes: new Uint32Array(n),
        fields: Array.from({ length: nFields }, () => new Float64Array(n)),
      };
      for (let i = 0; i < n; i++) {
        if (host === this.hosts) {
          host = 0;
          epoch++;
          // Tick every host's walks once per epoch, as TSBS's TickAll.
          for (let s = 0; s < state.length; s++) {
            const v = state[s]! + rng.normal();
            state[s] = v < 0 ? 0 : v > 100 ? 100 : v;
          }
        }
        batch.timestampsMs[i] = this.startMs + epoch * this.intervalMs;
        batch.hostIndexes[i] = host;
        const base = host * nFields;
        for (let k = 0; k < nFields; k++) batch.fields[k]![i] = Math.trunc(state[base + k]!);
        host++;
      }
      row += n;
      yield batch;
    }
  }

  /**
   * InfluxDB line protocol (nanosecond timestamps), `batchLines` lines per
   * Buffer, generated lazily so the whole data set is never in memory.
   */
  *lineBatches(batchLines: number): Generator<Buffer> {
    for (const batch of this.batches(batchLines)) yield this.formatLines(batch);
  }

  /** The line-protocol text of one columnar batch. */
  formatLines(batch: CpuBatch): Buffer {
    const prefixes = this.linePrefixes();
    const parts: string[] = new Array(batch.length);
    const f = batch.fields;
    for (let i = 0; i < batch.length; i++) {
      // ms * 1e6 passes 2^53, so the nanosecond timestamp is built as text.
      parts[i] =
        prefixes[batch.hostIndexes[i]!] +
        'usage_user=' + f[0]![i] +
        ',usage_system=' + f[1]![i] +
        ',usage_idle=' + f[2]![i] +
        ',usage_nice=' + f[3]![i] +
        ',usage_iowait=' + f[4]![i] +
        ',usage_irq=' + f[5]![i] +
        ',usage_softirq=' + f[6]![i] +
        ',usage_steal=' + f[7]![i] +
        ',usage_guest=' + f[8]![i] +
        ',usage_guest_nice=' + f[9]![i] +
        ' ' + batch.timestampsMs[i] + '000000\n';
    }
    return Buffer.from(parts.join(''), 'latin1');
  }

  private prefixCache: string[] | undefined;

  private linePrefixes(): string[] {
    if (!this.prefixCache) {
      this.prefixCache = this.hostTags.map(
        (tags) => 'cpu,' + CPU_TAG_KEYS.map((k, j) => `${k}=${tags[j]}`).join(',') + ' ',
      );
    }
    return this.prefixCache;
  }
}

function makeHostTags(hosts: number, rng: SeededRandom): HostTags[] {
  const out: HostTags[] = [];
  for (let id = 0; id < hosts; id++) {
    const region = rng.pick(REGIONS);
    const datacenter = rng.pick(region.datacenters);
    const rack = String(rng.int(100));
    const arch = rng.pick(ARCHES);
    const os = rng.pick(OSES);
    const service = String(rng.int(20));
    const serviceVersion = String(rng.int(2));
    const environment = rng.pick(ENVIRONMENTS);
    const team = rng.pick(TEAMS);
    // Order as CPU_TAG_KEYS.
    out.push([`host_${id}`, region.name, datacenter, rack, os, arch, team, service, serviceVersion, environment]);
  }
  return out;
}
