import { o, type Infer } from '@strata/kernel';

/** Options of the protocol-grpc plugin (see README for the table). */
export const protocolGrpcOptions = o.object({
  host: o.string({ default: '127.0.0.1', description: 'Address to listen on (0.0.0.0 for every interface).' }),
  port: o.integer({ default: 4001, min: 0, max: 65535, description: 'TCP port (GreptimeDB default 4001; 0 picks a free port).' }),
  maxMessageSize: o.bytes({ default: '512MiB', description: 'Largest gRPC message received or sent (GreptimeDB default 512MiB).' }),
  requestTimeout: o.duration({ default: '30s', description: 'Time limit of one SQL statement run through Handle or DoGet (0 = none); a client deadline applies too.' }),
  shutdownGrace: o.duration({ default: '10s', description: 'How long stop waits for in-flight calls (tryShutdown) before forceShutdown.' }),
  tls: o.object({
    cert: o.string({ optional: true, description: 'PEM certificate chain file; with `key`, serves gRPC over TLS.' }),
    key: o.string({ optional: true, description: 'PEM private key file.' }),
  }, { description: 'Optional TLS on the gRPC port.' }),
});

export type ProtocolGrpcOptions = Infer<typeof protocolGrpcOptions>;
