import path from 'node:path';
import { definePlugin, STORE } from '@strata/kernel';
import { FsObjectStore } from './fs-object-store.js';
import { storeFsOptions } from './options.js';

export { FsObjectStore, validateKey, validatePrefix, TEMP_MARKER, type FsObjectStoreOptions } from './fs-object-store.js';
export { storeFsOptions, type StoreFsOptions } from './options.js';
export * from './errors.js';

const stores = new WeakMap<object, FsObjectStore>();

/**
 * The local-directory object store: where SSTs and manifests live in a
 * single-node server. `root` resolves against the server's dataHome.
 *
 * @example
 * plugins:
 *   - use: store-fs
 *     options: { root: store }
 */
export default definePlugin({
  name: 'store-fs',
  kind: 'store',
  description: 'Object store on a local directory (atomic puts, ranged gets, ordered listing).',
  provides: [STORE],
  options: storeFsOptions,
  async register(ctx, opts) {
    const root = path.resolve(ctx.server.dataHome, opts.root);
    const store = new FsObjectStore(root, {
      fsync: opts.fsync, pruneEmptyDirs: opts.pruneEmptyDirs, deleteConcurrency: opts.deleteConcurrency, openFilesMax: opts.openFilesMax,
    });
    stores.set(ctx.server, store);
    await store.init();
    ctx.logger.info({ root, fsync: opts.fsync }, 'store-fs ready');
    ctx.bind(STORE, store);
  },
  async stop(ctx) {
    const store = stores.get(ctx.server);
    stores.delete(ctx.server);
    await store?.close();
  },
});
