import 'reflect-metadata';
import { COPY_FORMAT, definePlugin, ENGINE, INDEX, STORE, WAL } from '@strata/kernel';
import { parquetCopyFormat } from './copy-parquet-format.js';
import { LsmEngine } from './lsm-engine.js';
import { engineLsmOptionsShape, type EngineLsmOptions } from './options.js';
import { o } from '@strata/kernel';

export { LsmEngine } from './lsm-engine.js';
export { Region } from './region.js';
export { Memtable } from './memtable.js';
export { engineLsmOptions, defaultEngineLsmOptions, type EngineLsmOptions } from './options.js';
export { writeSst, SstFileCache, type FileMeta, type FileIndex } from './sst.js';
export { OP_COLUMN, PK_COLUMN } from './chunk.js';
export { parquetCopyFormat } from './copy-parquet-format.js';

// One engine per server (several servers may share a process, e.g. in tests).
const engines = new WeakMap<object, LsmEngine>();

/**
 * engine-lsm: the LSM storage engine (columnar memtables, Parquet SSTs in the
 * object store, manifest, TWCS compaction). Needs a WAL and an object store.
 */
export default definePlugin({
  name: 'engine-lsm',
  kind: 'engine',
  description: 'LSM storage engine: columnar memtables, Parquet (zstd) SSTs with tag indexes, manifest, TWCS compaction and TTL.',
  // COPY_FORMAT: Parquet for COPY TO / FROM, from the parquet-wasm this engine carries anyway.
  provides: [ENGINE, COPY_FORMAT],
  requires: [WAL, STORE],
  optional: [INDEX],
  options: o.object(engineLsmOptionsShape),
  register(ctx, opts) {
    const engine = new LsmEngine(ctx.get(WAL), ctx.get(STORE), opts as EngineLsmOptions, ctx.logger, ctx.getAll(INDEX));
    engines.set(ctx.server, engine);
    ctx.bind(ENGINE, engine);
    ctx.bind(COPY_FORMAT, parquetCopyFormat);
  },
  start(ctx) { engines.get(ctx.server)?.start(); },
  async stop(ctx) { await engines.get(ctx.server)?.stop(); },
});
