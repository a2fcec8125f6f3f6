import { Readable } from 'node:stream';
import type { FastifyReply } from 'fastify';
import type { QueryService, Session } from '@strata/kernel';
import { CHUNKED_READ_CONTENT_TYPE, chunkedReadFrames, DEFAULT_MAX_BYTES_IN_FRAME } from './remote-read-chunks.js';
import { checkReadQuery, decodeReadRequestMessage, encodeReadResponse, negotiateResponseType, readSeries, ResponseType } from './remote-read.js';
import { snappyCompress } from './snappy.js';

export interface RemoteReadContext {
  readonly query: QueryService;
  readonly session: Session;
  readonly timeoutMs: number;
  readonly maxBytesInFrame?: number;
}

/**
 * Answers `POST /v1/prometheus/read` (body already snappy-decoded) in the
 * first response type the client accepts: `SAMPLES` (one snappy
 * `ReadResponse`) or `STREAMED_XOR_CHUNKS` (framed `ChunkedReadResponse`s,
 * not compressed). The chunked answer is a pull stream: each query runs
 * when the previous one's frames are written, and frames are encoded only as
 * fast as the socket drains. Every query is checked (matchers, regexes)
 * and the first one run before the 200 goes out, so bad input still gets a
 * proper error status; a failure later cuts the stream, which the client's
 * frame reader reports as an error rather than a short answer.
 */
export async function answerRemoteRead(reply: FastifyReply, body: Buffer, ctx: RemoteReadContext): Promise<FastifyReply> {
  const { queries, acceptedResponseTypes } = decodeReadRequestMessage(body);
  for (const q of queries) checkReadQuery(q);
  const aborted = new AbortController();
  reply.raw.once('close', () => { if (!reply.raw.writableFinished) aborted.abort(); });
  const read = (i: number) => readSeries(ctx.query, ctx.session, queries[i]!, ctx.timeoutMs, aborted.signal);

  if (negotiateResponseType(acceptedResponseTypes) === ResponseType.SAMPLES) {
    const results = [];
    for (let i = 0; i < queries.length; i++) results.push(await read(i));
    return reply.code(200)
      .header('content-type', 'application/x-protobuf')
      .header('content-encoding', 'snappy')
      .send(snappyCompress(encodeReadResponse(results)));
  }

  const maxBytesInFrame = ctx.maxBytesInFrame ?? DEFAULT_MAX_BYTES_IN_FRAME;
  const first = queries.length > 0 ? await read(0) : [];
  async function* frames(): AsyncGenerator<Buffer> {
    yield* chunkedReadFrames(first, 0, maxBytesInFrame);
    for (let i = 1; i < queries.length; i++) yield* chunkedReadFrames(await read(i), i, maxBytesInFrame);
  }
  return reply.code(200)
    .header('content-type', CHUNKED_READ_CONTENT_TYPE)
    .send(Readable.from(frames(), { objectMode: false, highWaterMark: 64 * 1024 }));
}
