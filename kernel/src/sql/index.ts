// The SQL engine, catalog and function registry; importing this module
// registers the 'functions', 'catalog' and 'query' built-in plugins.
import '../functions/functions-plugin.js';
import '../catalog/catalog-plugin.js';
import './query-plugin.js';

export { functionsPlugin } from '../functions/functions-plugin.js';
export { catalogPlugin } from '../catalog/catalog-plugin.js';
export { queryPlugin } from './query-plugin.js';
export { DefaultFunctionRegistry } from '../functions/function-registry.js';
export { builtinFunctions } from '../functions/builtin-functions.js';
export { StoreCatalog, CATALOG_KEY } from '../catalog/store-catalog.js';
export { QueryEngine, showCreateTable, rowsOutput } from './query-engine.js';
export {
  parseTimestampNanos, formatTimestampNanos, zoneOffsetMs, checkTimeZone, isValidTimeZone, localToUtcMs,
  dateTimeParts, formatDateTime, formatDate, epochMicrosOf, type DateTimeParts,
} from '../functions/time-zone.js';
// PostgreSQL's view of Strata's types and objects (pg_catalog), shared with protocol-postgres.
export {
  PG_TYPE_OIDS, PG_FIRST_USER_OID, PG_SERVER_VERSION, formatPgType, pgTypeOfDataType, pgTypeName, pgDefaultText, pgTableOid, pgNamespaceOid, pgFunctionOid,
  pgSettings, pgVersionNum, type PgType,
} from './pg-catalog.js';
export { RelationNotFoundError } from '../functions/builtin/pg-functions.js';
