import { InvalidArgumentsError } from '@strata/kernel';
import { DECODE_ERROR, messageCodec, type DecodeFailure } from './proto-codec.js';

/** A GreptimeRequest as the server handles it: row inserts stay encoded for the columnar decoder. */
export interface GreptimeRequestMessage {
  header?: {
    catalog?: string; schema?: string; dbname?: string; timezone?: string;
    authorization?: { auth_scheme?: string; basic?: { username?: string; password?: string }; token?: { token?: string } };
  };
  /** Which request is set: 'query', 'row_inserts', or `field <n>` for kinds Strata leaves out. */
  request?: string;
  query?: { query?: string; sql?: string };
  /** The encoded RowInsertRequests (field 6), decoded by decodeRowInsertRequests. */
  row_inserts_bytes?: Buffer;
}

const headerCodec = messageCodec<NonNullable<GreptimeRequestMessage['header']>>('greptime.v1.RequestHeader');
const queryCodec = messageCodec<NonNullable<GreptimeRequestMessage['query']>>('greptime.v1.QueryRequest');

function varint(buf: Buffer, at: { pos: number }): number {
  let v = 0; let shift = 0; let b: number;
  do {
    if (at.pos >= buf.byteLength) throw new InvalidArgumentsError('GreptimeRequest: truncated varint');
    b = buf[at.pos++]!;
    if (shift < 32) v |= (b & 0x7f) << shift;
    shift += 7;
  } while (b & 0x80 && shift < 70);
  return v >>> 0;
}

/**
 * Decodes the top level of a GreptimeRequest: the header and a query with
 * protobufjs (small), row inserts kept as bytes (a subarray, no copy) for
 * the columnar decoder. Errors come back as a DecodeFailure so the handler
 * answers INVALID_ARGUMENT.
 */
export function decodeGreptimeRequest(buf: Buffer): GreptimeRequestMessage | DecodeFailure {
  try {
    const out: GreptimeRequestMessage = {};
    const at = { pos: 0 };
    while (at.pos < buf.byteLength) {
      const tag = varint(buf, at);
      const field = tag >>> 3; const wire = tag & 7;
      if (wire !== 2) {
        if (wire === 0) varint(buf, at);
        else if (wire === 1) at.pos += 8;
        else if (wire === 5) at.pos += 4;
        else throw new InvalidArgumentsError(`GreptimeRequest: unsupported wire type ${wire}`);
        if (field >= 2 && field <= 7) out.request = `field ${field}`;
        continue;
      }
      const len = varint(buf, at);
      const start = at.pos; const end = start + len;
      if (end > buf.byteLength) throw new InvalidArgumentsError('GreptimeRequest: truncated message');
      at.pos = end;
      const bytes = buf.subarray(start, end);
      if (field === 1) out.header = headerCodec.decode(bytes);
      else if (field === 3) { out.query = queryCodec.decode(bytes); out.request = 'query'; out.row_inserts_bytes = undefined; }
      else if (field === 6) { out.row_inserts_bytes = bytes; out.request = 'row_inserts'; out.query = undefined; }
      else if (field >= 2 && field <= 7) out.request = ['', '', 'inserts', '', 'ddl', 'deletes', '', 'row_deletes'][field];
    }
    if (at.pos > buf.byteLength) throw new InvalidArgumentsError('GreptimeRequest: truncated message');
    return out;
  } catch (err) {
    return { [DECODE_ERROR]: err };
  }
}
