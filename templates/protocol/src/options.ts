import { o, type Infer } from '@strata/kernel';

/** Options of the `__NAME__` protocol plugin (README.md has the table). */
export const __CAMEL_NAME__Options = o.object({
  host: o.string({ default: '127.0.0.1', description: 'Address to listen on (0.0.0.0 for every interface).' }),
  port: o.integer({ default: 4100, min: 0, max: 65535, description: 'TCP port (0 picks a free one; see the startup log).' }),
  maxConnections: o.integer({ default: 256, min: 1, description: 'Connections open at once; more are answered `ERR` and closed.' }),
  maxLineBytes: o.bytes({ default: '1MiB', description: 'Longest request line; a longer one is answered `ERR` and skipped up to its newline.' }),
  maxResultRows: o.integer({ default: 100_000, min: 1, description: 'Rows one statement may return; past it the answer ends with `ERR` (RESOURCES_EXHAUSTED).' }),
  queryTimeout: o.duration({ default: '30s', description: 'Stops a statement with DEADLINE_EXCEEDED after this long (0 = no limit).' }),
  idleTimeout: o.duration({ default: '5m', description: 'Closes a connection idle this long between lines (0 = never).' }),
  drainTimeout: o.duration({ default: '5s', description: 'On stop, how long running statements may finish before their connections are cut.' }),
  database: o.string({ default: 'public', minLength: 1, description: 'Database new connections start in (`USE db` changes it).' }),
});

export type __PASCAL_NAME__Options = Infer<typeof __CAMEL_NAME__Options>;
