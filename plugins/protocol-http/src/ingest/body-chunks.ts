import type { FastifyInstance } from 'fastify';
import fastify from 'fastify';

/**
 * A request body as the socket delivered it: the chunks, not joined. A
 * large line-protocol body goes to a parse worker as these chunks (their
 * memory transferred, each chunk owning its ArrayBuffer) and is joined
 * there, so the event-loop thread never allocates a body-sized buffer —
 * payload-sized allocations are what set the pace of its full GCs.
 */
export class BodyChunks {
  constructor(readonly chunks: readonly Buffer[], readonly length: number) {}

  /** The body as one Buffer (a copy unless it is a single chunk). */
  concat(): Buffer {
    return this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks as Buffer[], this.length);
  }
}

const { FST_ERR_CTP_BODY_TOO_LARGE, FST_ERR_CTP_INVALID_CONTENT_LENGTH } = fastify.errorCodes;

/**
 * Makes every content type of `app` (an encapsulated context: only its
 * routes) arrive as {@link BodyChunks}, with fastify's own checks: a
 * declared or received length over `bodyLimit` is FST_ERR_CTP_BODY_TOO_LARGE
 * (413), a body shorter or longer than its Content-Length is
 * FST_ERR_CTP_INVALID_CONTENT_LENGTH (400).
 */
export function useBodyChunks(app: FastifyInstance, bodyLimit: number): void {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (request, payload, done) => {
    const declared = Number(request.headers['content-length']);
    if (declared > bodyLimit) { done(new FST_ERR_CTP_BODY_TOO_LARGE(), undefined); return; }
    const chunks: Buffer[] = [];
    let received = 0;
    const onData = (chunk: Buffer | string) => {
      const c = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      received += c.length;
      if (received > bodyLimit) {
        off();
        done(new FST_ERR_CTP_BODY_TOO_LARGE(), undefined);
        return;
      }
      chunks.push(c);
    };
    const onEnd = (err?: Error & { statusCode?: number }) => {
      off();
      if (err) {
        if (!(typeof err.statusCode === 'number' && err.statusCode >= 400)) err.statusCode = 400;
        done(err, undefined);
        return;
      }
      if (!Number.isNaN(declared) && received !== declared) { done(new FST_ERR_CTP_INVALID_CONTENT_LENGTH(), undefined); return; }
      done(null, new BodyChunks(chunks, received));
    };
    const off = () => { payload.removeListener('data', onData); payload.removeListener('end', onEnd); payload.removeListener('error', onEnd); };
    payload.on('data', onData);
    payload.on('end', onEnd);
    payload.on('error', onEnd);
    payload.resume();
  });
}
