import { configFromObject, type StrataConfig } from './config-file.js';

/**
 * The embedded default: what `strata start` runs without `--config`.
 * A local WAL, the LSM engine and the local-fs object store under
 * ./strata-data, and every protocol on GreptimeDB's default ports
 * (HTTP 4000, gRPC 4001, MySQL 4002, PostgreSQL 4003). Entries whose
 * package is not installed are skipped with a log line, so a slimmer
 * install still starts.
 */
export const DEFAULT_CONFIG_OBJECT = {
  server: { dataHome: './strata-data', logLevel: 'info' },
  plugins: [
    { use: 'store-fs', ifAvailable: true },
    { use: 'wal-local', ifAvailable: true },
    { use: 'engine-lsm', ifAvailable: true },
    { use: 'protocol-http', ifAvailable: true, options: { port: 4000 } },
    { use: 'protocol-grpc', ifAvailable: true, options: { port: 4001 } },
    { use: 'protocol-mysql', ifAvailable: true, options: { port: 4002 } },
    { use: 'protocol-postgres', ifAvailable: true, options: { port: 4003 } },
    { use: 'coprocessor-python', ifAvailable: true },
  ],
} as const;

export const EMBEDDED_DEFAULT_SOURCE = '(embedded default)';

/** The embedded default config, with relative paths resolved against `cwd`. */
export function defaultConfig(cwd = process.cwd()): StrataConfig {
  return configFromObject(structuredClone(DEFAULT_CONFIG_OBJECT), EMBEDDED_DEFAULT_SOURCE, cwd);
}
