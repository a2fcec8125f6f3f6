import { definePlugin, ENGINE, STORE, type RegionId } from '../../src/index.js';
import { MemoryObjectStore } from './memory-object-store.js';
import { MemoryStorageEngine } from './memory-storage-engine.js';

/** Test-only plugins providing STORE and ENGINE in memory; share `durable`/`store` to simulate a restart. */
export function memoryPlugins(shared: { store?: MemoryObjectStore; durable?: Map<RegionId, any> } = {}) {
  const store = shared.store ?? new MemoryObjectStore();
  const durable = shared.durable ?? new Map();
  const engine = new MemoryStorageEngine(durable);
  return {
    store, engine, durable,
    plugins: [
      { definition: definePlugin({ name: 'store-memory', kind: 'store', provides: [STORE], register(ctx) { ctx.bind(STORE, store); } }) },
      { definition: definePlugin({ name: 'engine-memory', kind: 'engine', provides: [ENGINE], register(ctx) { ctx.bind(ENGINE, engine); } }) },
    ],
  };
}
