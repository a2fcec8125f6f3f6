import * as grpc from '@grpc/grpc-js';
import protobuf from 'protobufjs';
import { ARROW_FLIGHT_PROTO, GREPTIME_DATABASE_PROTO } from './client-protos.js';
import { StrataClientError } from './retry-policy.js';

const TO_OBJECT: protobuf.IConversionOptions = { longs: String, enums: Number, oneofs: true, defaults: false, arrays: true };

let root: protobuf.Root | undefined;
function protoRoot(): protobuf.Root {
  if (!root) {
    root = new protobuf.Root();
    protobuf.parse(GREPTIME_DATABASE_PROTO, root, { keepCase: true });
    protobuf.parse(ARROW_FLIGHT_PROTO, root, { keepCase: true });
    root.resolveAll();
  }
  return root;
}

function serviceDefinition(name: string): grpc.ServiceDefinition {
  const service = protoRoot().lookupService(name);
  const def: Record<string, grpc.MethodDefinition<unknown, unknown>> = {};
  for (const m of service.methodsArray) {
    m.resolve();
    const req = m.resolvedRequestType!; const res = m.resolvedResponseType!;
    const enc = (t: protobuf.Type) => (v: unknown): Buffer => {
      if (Buffer.isBuffer(v)) return v; // pre-encoded (row inserts are encoded by hand)
      const b = t.encode(t.fromObject(v as Record<string, unknown>)).finish();
      return Buffer.from(b.buffer, b.byteOffset, b.byteLength);
    };
    const dec = (t: protobuf.Type) => (b: Buffer): unknown => t.toObject(t.decode(b), TO_OBJECT);
    def[m.name] = {
      path: `/${name}/${m.name}`, requestStream: !!m.requestStream, responseStream: !!m.responseStream,
      requestSerialize: enc(req), requestDeserialize: dec(req), responseSerialize: enc(res), responseDeserialize: dec(res),
    };
  }
  return def as grpc.ServiceDefinition;
}

type GenericClient = grpc.Client & Record<string, (...args: unknown[]) => unknown>;
let DatabaseClient: grpc.ServiceClientConstructor | undefined;
let FlightClient: grpc.ServiceClientConstructor | undefined;

export interface GrpcTarget {
  readonly address: string;
  readonly tls?: { readonly ca?: string | Buffer; readonly serverName?: string };
  readonly maxMessageSizeBytes?: number;
}

/** The two gRPC stubs of one server, created once per StrataClient. */
export class GrpcChannels {
  readonly database: GenericClient;
  readonly flight: GenericClient;
  constructor(target: GrpcTarget) {
    DatabaseClient ??= grpc.makeGenericClientConstructor(serviceDefinition('greptime.v1.GreptimeDatabase'), 'GreptimeDatabase');
    FlightClient ??= grpc.makeGenericClientConstructor(serviceDefinition('arrow.flight.protocol.FlightService'), 'FlightService');
    const creds = target.tls
      ? grpc.credentials.createSsl(target.tls.ca ? Buffer.from(target.tls.ca) : null)
      : grpc.credentials.createInsecure();
    const size = target.maxMessageSizeBytes ?? 512 * 1024 * 1024;
    const options: grpc.ChannelOptions = {
      'grpc.max_receive_message_length': size, 'grpc.max_send_message_length': size,
      ...(target.tls?.serverName ? { 'grpc.ssl_target_name_override': target.tls.serverName, 'grpc.default_authority': target.tls.serverName } : {}),
    };
    this.database = new DatabaseClient(target.address, creds, options) as unknown as GenericClient;
    // Both stubs share one channel: grpc-js pools subchannels by target and options.
    this.flight = new FlightClient(target.address, creds, options) as unknown as GenericClient;
  }
  close(): void { this.database.close(); this.flight.close(); }
}

export function encodeMessage(type: string, value: Record<string, unknown>): Buffer {
  const t = protoRoot().lookupType(type);
  const b = t.encode(t.fromObject(value)).finish();
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength);
}

export function decodeMessage<T>(type: string, bytes: Uint8Array): T {
  const t = protoRoot().lookupType(type);
  return t.toObject(t.decode(bytes), TO_OBJECT) as T;
}

/**
 * A gRPC error as a StrataClientError. UNAVAILABLE is retryable; when the
 * server itself answered it (it sets x-greptime-err-code) the request was
 * not applied, otherwise the connection may have dropped after the server
 * acted. RESOURCE_EXHAUSTED is retryable only for rate limiting (6001).
 */
export function fromGrpcError(err: grpc.ServiceError): StrataClientError {
  const raw = err.metadata?.get('x-greptime-err-code')[0];
  const code = raw === undefined ? undefined : Number(raw);
  const unavailable = err.code === grpc.status.UNAVAILABLE;
  const retryable = unavailable || (err.code === grpc.status.RESOURCE_EXHAUSTED && code === 6001);
  const neverConnected = unavailable && /No connection established|ECONNREFUSED|Connection refused/i.test(err.details ?? '');
  return new StrataClientError(err.details || err.message, {
    code, grpcStatus: err.code, retryable, maybeApplied: code === undefined && !neverConnected,
  }, { cause: err });
}
