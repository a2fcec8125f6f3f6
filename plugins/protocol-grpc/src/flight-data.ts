import * as arrow from 'apache-arrow';
import { FlightDataError } from './errors.js';
import { batchesToIpc } from '@strata/kernel';

/**
 * One Arrow IPC message as Flight carries it: `dataHeader` is the Message
 * flatbuffer (schema, dictionary batch or record batch), `dataBody` the
 * message body (the concatenated, 8-byte aligned buffers).
 */
export interface IpcMessage {
  readonly dataHeader: Uint8Array;
  readonly dataBody: Uint8Array;
  readonly headerType: arrow.MessageHeader;
}

const CONTINUATION = 0xffffffff;

/**
 * Splits an Arrow IPC stream (as batchesToIpc writes it) into its
 * messages, without copying: each message is
 *
 *   [0xFFFFFFFF][int32 metadata length][Message flatbuffer, padded][body]
 *
 * and the body length is read from the flatbuffer. Stops at end-of-stream.
 */
export function* splitIpcStream(bytes: Uint8Array): Generator<IpcMessage> {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let offset = 0;
  while (offset + 4 <= bytes.byteLength) {
    let length = view.getUint32(offset, true);
    offset += 4;
    if (length === CONTINUATION) {
      if (offset + 4 > bytes.byteLength) break;
      length = view.getUint32(offset, true);
      offset += 4;
    }
    if (length === 0) return;
    if (offset + length > bytes.byteLength) throw new FlightDataError('truncated Arrow IPC message header');
    const dataHeader = bytes.subarray(offset, offset + length);
    offset += length;
    const message = arrow.Message.decode(dataHeader);
    const bodyLength = Number(message.bodyLength);
    if (offset + bodyLength > bytes.byteLength) throw new FlightDataError('truncated Arrow IPC message body');
    yield { dataHeader, dataBody: bytes.subarray(offset, offset + bodyLength), headerType: message.headerType };
    offset += bodyLength;
  }
}

/** The schema as one IPC message (FlightData data_header with an empty body). */
export function schemaMessage(schema: arrow.Schema): IpcMessage {
  const bytes = batchesToIpc(schema, [], { format: 'stream' });
  for (const m of splitIpcStream(bytes)) if (m.headerType === arrow.MessageHeader.Schema) return m;
  throw new FlightDataError('schema did not encode');
}

/**
 * The IPC messages of one record batch: its dictionary batches (if any)
 * then the record batch itself. Each batch is written by its own stream
 * writer, so dictionaries are re-sent with every batch — a replacement
 * dictionary in IPC stream terms, which readers accept.
 */
export function recordBatchMessages(batch: arrow.RecordBatch): IpcMessage[] {
  const out: IpcMessage[] = [];
  for (const m of splitIpcStream(batchesToIpc(batch.schema, [batch], { format: 'stream' }))) if (m.headerType !== arrow.MessageHeader.Schema) out.push(m);
  return out;
}

/** The encapsulated IPC form of a schema that FlightInfo.schema holds. */
export function encapsulatedSchema(schema: arrow.Schema): Uint8Array {
  return frameMessage(schemaMessage(schema).dataHeader, new Uint8Array(0));
}

/**
 * Frames one FlightData message back into IPC stream bytes (continuation,
 * length, header padded to 8 bytes, body) so apache-arrow's stream reader
 * can read what a Flight client sent.
 */
export function frameMessage(dataHeader: Uint8Array, dataBody: Uint8Array): Uint8Array {
  const padded = (dataHeader.byteLength + 7) & ~7;
  const out = new Uint8Array(8 + padded + dataBody.byteLength);
  const view = new DataView(out.buffer);
  view.setUint32(0, CONTINUATION, true);
  view.setInt32(4, padded, true);
  out.set(dataHeader, 8);
  out.set(dataBody, 8 + padded);
  return out;
}

/** The end-of-stream marker of the IPC stream format. */
export const IPC_END_OF_STREAM = new Uint8Array([0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0]);
