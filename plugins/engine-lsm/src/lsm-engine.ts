import type * as arrow from 'apache-arrow';
import type { IndexProvider, Logger, ObjectStore, RegionId, RegionStats, ScanRequest, StorageEngine, TableSchema, Wal } from '@strata/kernel';
import { OP_DELETE, OP_PUT } from './chunk.js';
import { RegionNotFoundError } from './errors.js';
import { Limiter } from './limiter.js';
import { sharedEncoderPool } from './parquet-encoder.js';
import type { EngineLsmOptions } from './options.js';
import { Region, SstChunkCache, type RegionDeps } from './region.js';
import { SstFileCache } from './sst.js';

/**
 * The LSM storage engine: regions over a WAL and an object store.
 *
 * @example
 * const engine = new LsmEngine(wal, store, defaultEngineLsmOptions(), logger);
 * await engine.createRegion('1024_0', schema);
 * await engine.write('1024_0', batch);
 * for await (const b of engine.scan('1024_0', { timeRange: { start: 0n, end: 10n } })) console.log(b.numRows);
 */
export class LsmEngine implements StorageEngine {
  readonly name = 'engine-lsm';
  /** Tag = / IN predicates are applied per series in every scan (memtables and SSTs): see seriesFilterOf. */
  readonly exactTagPredicates = true;
  private regions = new Map<RegionId, Region>();
  private opening = new Map<RegionId, Promise<Region>>();
  private timer: NodeJS.Timeout | undefined;
  private flushTimer: NodeJS.Timeout | undefined;
  private readonly deps: RegionDeps;

  constructor(wal: Wal, store: ObjectStore, readonly options: EngineLsmOptions, logger: Logger, indexProviders: readonly IndexProvider[] = []) {
    this.deps = {
      wal, store, options, logger, indexProviders,
      flushLimiter: new Limiter(options.flushConcurrency),
      compactionLimiter: new Limiter(options.compactionConcurrency),
      ...(options.encodeInWorkers ? { encoder: sharedEncoderPool(options.flushConcurrency + options.compactionConcurrency) } : {}),
      ...(options.sstMetaCacheBytes > 0 ? { sstFiles: new SstFileCache(options.sstMetaCacheBytes) } : {}),
      ...(options.sstChunkCacheBytes > 0 ? { sstChunks: new SstChunkCache(options.sstChunkCacheBytes) } : {}),
      ...(options.sstPageCacheBytes > 0 ? { sstPages: new SstChunkCache(options.sstPageCacheBytes) } : {}),
    };
  }

  /**
   * Starts background compaction and TTL (every `compaction.intervalMs`) and
   * the age-based flush (`autoFlushIntervalMs`, checked every quarter of it,
   * between 1 s and 5 min).
   */
  start(): void {
    const age = this.options.autoFlushIntervalMs;
    if (age > 0 && !this.flushTimer) {
      this.flushTimer = setInterval(() => this.flushOld(age), Math.min(300_000, Math.max(1000, age / 4)));
      this.flushTimer.unref();
    }
    if (!this.options.compaction.enabled || this.timer) return;
    this.timer = setInterval(() => {
      for (const r of this.regions.values()) void r.maybeCompact(false).catch((err) => this.deps.logger.error({ err, region: r.id }, 'background compaction failed'));
    }, this.options.compaction.intervalMs);
    this.timer.unref();
  }

  /** Flushes every region whose oldest unflushed write is at least `ageMs` old. */
  flushOld(ageMs: number, nowMs = Date.now()): Promise<void> {
    const runs: Array<Promise<void>> = [];
    for (const r of this.regions.values()) {
      const p = r.flushIfOlderThan(ageMs, nowMs);
      if (p) runs.push(p.catch((err) => this.deps.logger.error({ err, region: r.id }, 'age-based flush failed')));
    }
    return Promise.all(runs).then(() => undefined);
  }

  /** Stops background work and closes every region (data stays in the WAL and SSTs). */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    if (this.flushTimer) clearInterval(this.flushTimer);
    this.timer = undefined;
    this.flushTimer = undefined;
    await Promise.all([...this.regions.values()].map((r) => r.close()));
    this.regions.clear();
    this.deps.sstFiles?.clear();
    this.deps.sstChunks?.clear();
    this.deps.sstPages?.clear();
  }

  /** The opened-SST cache shared by scans (absent when sstMetaCacheBytes is 0). */
  get sstFiles(): SstFileCache | undefined { return this.deps.sstFiles; }

  /** The SST column-chunk cache shared by scans (absent when sstChunkCacheBytes is 0). */
  get sstChunks(): SstChunkCache | undefined { return this.deps.sstChunks; }

  /** The decompressed-page cache of whole row-group reads (absent when sstPageCacheBytes is 0). */
  get sstPages(): SstChunkCache | undefined { return this.deps.sstPages; }

  private region(id: RegionId): Region {
    const r = this.regions.get(id);
    if (!r) throw new RegionNotFoundError(id);
    return r;
  }

  /** Creates a region; an existing one (open, or on storage) is opened instead. */
  async createRegion(regionId: RegionId, schema: TableSchema): Promise<void> {
    await this.openRegion(regionId, schema);
  }

  async openRegion(regionId: RegionId, schema: TableSchema): Promise<void> {
    if (this.regions.has(regionId)) return;
    let p = this.opening.get(regionId);
    if (!p) {
      p = Region.open(regionId, schema, this.deps);
      this.opening.set(regionId, p);
      p.then((r) => this.regions.set(regionId, r), () => undefined).finally(() => this.opening.delete(regionId));
    }
    await p;
  }

  async closeRegion(regionId: RegionId): Promise<void> {
    const r = this.regions.get(regionId);
    if (!r) return;
    this.regions.delete(regionId);
    await r.close();
  }

  async dropRegion(regionId: RegionId): Promise<void> {
    const r = this.region(regionId);
    this.regions.delete(regionId);
    await r.drop();
  }

  async alterRegion(regionId: RegionId, schema: TableSchema): Promise<void> { await this.region(regionId).alter(schema); }
  write(regionId: RegionId, batch: arrow.RecordBatch): Promise<number> { return this.region(regionId).write(batch, OP_PUT); }
  delete(regionId: RegionId, keys: arrow.RecordBatch): Promise<number> { return this.region(regionId).write(keys, OP_DELETE); }
  scan(regionId: RegionId, request: ScanRequest): AsyncIterable<arrow.RecordBatch> { return this.region(regionId).scan(request); }
  flush(regionId: RegionId): Promise<void> { return this.region(regionId).flush(); }
  compact(regionId: RegionId): Promise<void> { return this.region(regionId).compact(); }
  truncate(regionId: RegionId): Promise<void> { return this.region(regionId).truncate(); }
  stats(regionId: RegionId): RegionStats { return this.region(regionId).stats(); }
  listRegions(): RegionId[] { return [...this.regions.keys()]; }

  /** The region object (tests and tools: file lists, SST keys). */
  regionHandle(regionId: RegionId): Region { return this.region(regionId); }
}
