import { multiToken, token } from './di/token.js';
import type { Catalog } from './interfaces/catalog.js';
import type { Coprocessor, ScriptService } from './interfaces/coprocessor.js';
import type { CopyFormat } from './interfaces/copy-format.js';
import type { StorageEngine } from './interfaces/engine.js';
import type { FunctionDefinition, FunctionRegistry } from './interfaces/function.js';
import type { IndexProvider } from './interfaces/index-provider.js';
import type { Logger } from './interfaces/logger.js';
import type { Metrics } from './interfaces/metrics.js';
import type { ProtocolServer } from './interfaces/protocol.js';
import type { QueryService } from './interfaces/query.js';
import type { PromqlService } from './interfaces/promql.js';
import type { ObjectStore } from './interfaces/store.js';
import type { UserProvider } from './interfaces/auth.js';
import type { TableWrites } from './interfaces/table-write.js';
import type { TriggerService } from './interfaces/trigger.js';
import type { Wal } from './interfaces/wal.js';
import type { ServerInfo } from './server/server-info.js';

// Services the kernel binds itself in every server's container.
/** The server's structured logger. */
export const LOGGER = token<Logger>('strata.logger');
/** The server's metrics registry. */
export const METRICS = token<Metrics>('strata.metrics');
/** Facts about the running server: name, data home, version, start time. */
export const SERVER_INFO = token<ServerInfo>('strata.server-info');
/** Notifications of acknowledged table writes (the query service publishes, plugins listen). */
export const TABLE_WRITES = token<TableWrites>('strata.table-writes');

// Singleton services provided by plugins (exactly one provider each).
export const WAL = token<Wal>('strata.wal');
export const ENGINE = token<StorageEngine>('strata.engine');
export const STORE = token<ObjectStore>('strata.store');
export const CATALOG = token<Catalog>('strata.catalog');
export const QUERY = token<QueryService>('strata.query');
export const FUNCTION_REGISTRY = token<FunctionRegistry>('strata.function-registry');
export const USER_PROVIDER = token<UserProvider>('strata.user-provider');
/** Stored scripts (submit/run/list/delete by name), provided by a coprocessor plugin. */
export const SCRIPTS = token<ScriptService>('strata.scripts');
/** PromQL evaluation and the Prometheus HTTP API (kernel built-in 'promql'). */
export const PROMQL = token<PromqlService>('strata.promql');
/** Script triggers (on writes, schedules, HTTP requests), provided by a coprocessor plugin. */
export const TRIGGERS = token<TriggerService>('strata.triggers');

// Multi services: any number of providers.
export const PROTOCOL = multiToken<ProtocolServer>('strata.protocol');
export const INDEX = multiToken<IndexProvider>('strata.index');
export const FUNCTIONS = multiToken<FunctionDefinition>('strata.functions');
export const COPROCESSOR = multiToken<Coprocessor>('strata.coprocessor');
/** File formats for COPY beyond the built-in CSV and JSON lines (engine-lsm provides Parquet). */
export const COPY_FORMAT = multiToken<CopyFormat>('strata.copy-format');
