import { promisify } from 'node:util';
import zlib from 'node:zlib';
import { InvalidArgumentsError } from '@strata/kernel';
import { PayloadTooLargeError } from '../errors.js';

const gunzip = promisify(zlib.gunzip) as (buf: Buffer, opts: zlib.ZlibOptions) => Promise<Buffer>;
const inflate = promisify(zlib.inflate) as (buf: Buffer, opts: zlib.ZlibOptions) => Promise<Buffer>;

/**
 * Undoes `Content-Encoding: gzip` (or deflate) with the decompressed size
 * bounded twice: the gzip trailer's claimed size is checked before
 * inflating (refused at once when it is over the limit), and zlib's
 * maxOutputLength stops inflation as soon as the output passes the limit,
 * so a small "zip bomb" never allocates its claimed size.
 *
 * @example
 * const text = await decodeContentEncoding(req.body, req.headers['content-encoding'], 256 << 20);
 */
export async function decodeContentEncoding(body: Buffer, encoding: string | undefined, limitBytes: number): Promise<Buffer> {
  const enc = (encoding ?? '').trim().toLowerCase();
  if (enc === '' || enc === 'identity') return body;
  if (enc === 'gzip' || enc === 'x-gzip') {
    if (body.length >= 18 && body[0] === 0x1f && body[1] === 0x8b) {
      // ISIZE: the uncompressed size mod 2^32 of the last member.
      const claimed = body.readUInt32LE(body.length - 4);
      if (claimed > limitBytes) throw new PayloadTooLargeError(`gzip body claims ${claimed} bytes uncompressed, over the limit of ${limitBytes}`);
    }
    return inflateBounded(() => gunzip(body, { maxOutputLength: limitBytes }), limitBytes, 'gzip');
  }
  if (enc === 'deflate') return inflateBounded(() => inflate(body, { maxOutputLength: limitBytes }), limitBytes, 'deflate');
  throw new InvalidArgumentsError(`unsupported Content-Encoding '${encoding}' (supported: gzip, deflate, identity)`);
}

async function inflateBounded(run: () => Promise<Buffer>, limitBytes: number, what: string): Promise<Buffer> {
  try {
    return await run();
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ERR_BUFFER_TOO_LARGE' || err instanceof RangeError) {
      throw new PayloadTooLargeError(`${what} body inflates past the limit of ${limitBytes} bytes`, { cause: err });
    }
    throw new InvalidArgumentsError(`invalid ${what} body: ${(err as Error).message}`, { cause: err });
  }
}
