import { registerBuiltinPlugin } from '../builtin/builtin-plugins.js';
import { definePlugin } from '../plugin/plugin-definition.js';
import { CATALOG, ENGINE, STORE } from '../tokens.js';
import { StoreCatalog } from './store-catalog.js';

/**
 * The 'catalog' built-in: databases and tables persisted in the object store
 * (`catalog/catalog.json`); on start it opens every table's regions.
 */
export const catalogPlugin = definePlugin({
  name: 'catalog',
  kind: 'service',
  description: 'Databases and tables, persisted in the object store',
  provides: [CATALOG],
  requires: [STORE, ENGINE],
  register(ctx) {
    ctx.bind(CATALOG, new StoreCatalog(ctx.get(STORE), ctx.get(ENGINE), ctx.logger));
  },
  async start(ctx) {
    await (ctx.get(CATALOG) as StoreCatalog).load();
  },
  async stop(ctx) {
    await (ctx.get(CATALOG) as StoreCatalog).close();
  },
});

registerBuiltinPlugin(catalogPlugin);
