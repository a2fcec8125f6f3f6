import path from 'node:path';
import { STORE, definePlugin } from '@strata/kernel';
import { DirectoryObjectStore } from './directory-object-store.js';
import { __CAMEL_NAME__Options } from './options.js';

export { __CAMEL_NAME__Options, type __PASCAL_NAME__Options } from './options.js';
export { DirectoryObjectStore, validateKey } from './directory-object-store.js';
export * from './errors.js';

/**
 * `__NAME__`: an object store in a local directory (one file per key, atomic
 * puts). The engine keeps SSTs and manifests here and the catalog its
 * tables, so a server has exactly one STORE.
 *
 * @example
 * plugins:
 *   - use: __PACKAGE_NAME__
 *     options: { root: objects }
 */
export default definePlugin({
  name: '__NAME__',
  kind: 'store',
  version: '0.1.0',
  description: 'Object store in a local directory with atomic puts.',
  provides: [STORE],
  options: __CAMEL_NAME__Options,
  async register(ctx, opts) {
    // Bind a ready store: the catalog and the engine read it in their own register/start.
    const store = new DirectoryObjectStore(path.resolve(ctx.server.dataHome, opts.root), opts);
    await store.init();
    ctx.logger.info({ root: store.root }, '__NAME__ ready');
    ctx.bind(STORE, store);
  },
});
