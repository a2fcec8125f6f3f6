import { o, type Infer } from '@strata/kernel';

/** Options of the protocol-http plugin (see README for the table). */
export const protocolHttpOptions = o.object({
  host: o.string({ default: '127.0.0.1', description: 'Address to listen on (0.0.0.0 for every interface).' }),
  port: o.integer({ default: 4000, min: 0, max: 65535, description: 'TCP port (GreptimeDB default 4000; 0 picks a free port).' }),
  bodyLimit: o.bytes({ default: '64MiB', description: 'Largest request body accepted on the wire, before decompression (413 beyond).' }),
  decompressedBodyLimit: o.bytes({ default: '256MiB', description: 'Largest body after gzip/snappy decompression; checked before and while inflating (413 beyond).' }),
  maxWriteCells: o.integer({ default: 64 * 1024 * 1024, min: 1024, description: 'Column cells (rows x columns, across tables) one ingest request may decode into; beyond, 413. Bounds memory for wide or sparse batches.' }),
  requestTimeout: o.duration({ default: '30s', description: 'Time limit of one request, including the query it runs; also the default X-Greptime-Timeout (0 = none).' }),
  maxConcurrentRequests: o.integer({ default: 256, min: 0, description: 'Requests served at once; more wait in a queue (0 = unlimited).' }),
  maxQueuedRequests: o.integer({ default: 1024, min: 0, description: 'Requests waiting for a slot; more are refused at once with 503 + Retry-After.' }),
  queueTimeout: o.duration({ default: '5s', description: 'Longest a request waits in the queue before 503 + Retry-After.' }),
  retryAfter: o.duration({ default: '1s', description: 'Retry-After advised with 503 answers from the concurrency limit.' }),
  keepAliveTimeout: o.duration({ default: '72s', description: 'Idle keep-alive connections are closed after this long.' }),
  shutdownGrace: o.duration({ default: '10s', description: 'How long stop waits for in-flight requests before closing connections.' }),
  parseWorkers: o.integer({ optional: true, min: 0, max: 64, description: 'Worker threads parsing large InfluxDB line-protocol bodies (default min(2, available cores); 0 or 1 parses on the event loop).' }),
  parseWorkerMinBytes: o.bytes({ default: '64KiB', description: 'Line-protocol bodies (after gzip) at least this large go to the parse workers; smaller ones are parsed in-thread.' }),
  parseQueueLength: o.integer({ default: 64, min: 1, description: 'Line-protocol bodies waiting for a parse worker; more are refused with 503 + Retry-After.' }),
  tls: o.object({
    cert: o.string({ optional: true, description: 'PEM certificate chain file; with `key`, serves HTTPS.' }),
    key: o.string({ optional: true, description: 'PEM private key file.' }),
  }, { description: 'Optional TLS on the HTTP port.' }),
});

export type ProtocolHttpOptions = Infer<typeof protocolHttpOptions>;
