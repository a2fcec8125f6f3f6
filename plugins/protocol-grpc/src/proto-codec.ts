import { isUtf8 } from 'node:buffer';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';
import type { MethodDefinition, ServiceDefinition } from '@grpc/grpc-js';
import { InvalidArgumentsError } from '@strata/kernel';

/** Where the package's .proto files are (protos/ next to dist/). */
export const PROTOS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'protos');
export const GREPTIME_PROTO = path.join(PROTOS_DIR, 'greptime', 'v1', 'database.proto');
export const FLIGHT_PROTO = path.join(PROTOS_DIR, 'arrow', 'flight', 'flight.proto');

/**
 * How decoded messages look: snake_case names as in the .proto, 64-bit
 * integers as decimal strings (exact), bytes as Buffers, enums as numbers,
 * and each oneof's set member named by a virtual field.
 */
const TO_OBJECT: protobuf.IConversionOptions = { longs: String, enums: Number, oneofs: true, defaults: false, arrays: true };

let root: protobuf.Root | undefined;

/**
 * A reader that refuses invalid UTF-8 in string fields. protobufjs would
 * turn bad bytes into U+FFFD silently, and a table, column or tag value
 * stored that way cannot be told from the real character later.
 */
class StrictUtf8Reader extends protobuf.Reader {
  override string(): string {
    const bytes = this.bytes();
    const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    if (!isUtf8(buf)) throw new InvalidArgumentsError('invalid UTF-8 in a protobuf string field');
    return buf.toString('utf8');
  }
}

/** Marks a request that did not decode, so the handler answers INVALID_ARGUMENT (grpc-js would say INTERNAL). */
export const DECODE_ERROR = Symbol('strata.grpc.decodeError');
export type DecodeFailure = { [DECODE_ERROR]: unknown };

/** The protobufjs root of the package's protos (loaded once). */
export function protoRoot(): protobuf.Root {
  if (!root) {
    root = new protobuf.Root();
    root.loadSync([GREPTIME_PROTO, FLIGHT_PROTO], { keepCase: true });
    root.resolveAll();
  }
  return root;
}

/** Encoder/decoder of one message type. */
export interface MessageCodec<T = Record<string, unknown>> {
  encode(value: T): Buffer;
  decode(bytes: Uint8Array): T;
}

export function messageCodec<T = Record<string, unknown>>(name: string): MessageCodec<T> {
  const type = protoRoot().lookupType(name);
  return {
    encode: (value) => {
      const message = type.fromObject(value as Record<string, unknown>);
      const bytes = type.encode(message).finish();
      return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    },
    decode: (bytes) => type.toObject(type.decode(new StrictUtf8Reader(bytes)), TO_OBJECT) as T,
  };
}

/**
 * A grpc-js ServiceDefinition built from the proto service, with protobufjs
 * codecs — the same shape @grpc/proto-loader produces, without its
 * per-call option juggling.
 */
export function serviceDefinition(serviceName: string): ServiceDefinition {
  const service = protoRoot().lookupService(serviceName);
  const def: Record<string, MethodDefinition<unknown, unknown>> = {};
  for (const method of service.methodsArray) {
    method.resolve();
    const req = messageCodec(method.resolvedRequestType!.fullName.slice(1));
    const res = messageCodec(method.resolvedResponseType!.fullName.slice(1));
    def[method.name] = {
      path: `/${serviceName}/${method.name}`,
      requestStream: !!method.requestStream,
      responseStream: !!method.responseStream,
      requestSerialize: (v) => req.encode(v as Record<string, unknown>),
      requestDeserialize: (b) => {
        try {
          return req.decode(b);
        } catch (err) {
          return { [DECODE_ERROR]: err } satisfies DecodeFailure;
        }
      },
      responseSerialize: (v) => res.encode(v as Record<string, unknown>),
      responseDeserialize: (b) => res.decode(b),
      originalName: method.name,
    };
  }
  return def as ServiceDefinition;
}
