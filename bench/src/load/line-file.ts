import { open, type FileHandle } from 'node:fs/promises';
import type { TsbsCpuGenerator } from '../tsbs/tsbs-cpu-generator.js';

/** Where each batch of a line-protocol file starts, so loaders read whole batches. */
export interface LineFileBatch {
  offset: number;
  bytes: number;
  lines: number;
}

export interface LineFile {
  path: string;
  bytes: number;
  lines: number;
  batches: LineFileBatch[];
}

/**
 * Streams the generator's line protocol to a file, `batchLines` lines per
 * batch, remembering batch boundaries. Like TSBS (generate once, load many
 * times), every system is then fed the very same bytes and the generator's
 * cost stays out of the load timings.
 *
 * @example
 * const file = await writeLineFile(gen, '/tmp/cpu.lp', 5000);
 */
export async function writeLineFile(gen: TsbsCpuGenerator, path: string, batchLines: number): Promise<LineFile> {
  const fh = await open(path, 'w');
  const batches: LineFileBatch[] = [];
  let offset = 0;
  let lines = 0;
  try {
    for (const batch of gen.batches(batchLines)) {
      const buf = gen.formatLines(batch);
      await fh.write(buf, 0, buf.length, offset);
      batches.push({ offset, bytes: buf.length, lines: batch.length });
      offset += buf.length;
      lines += batch.length;
    }
  } finally {
    await fh.close();
  }
  return { path, bytes: offset, lines, batches };
}

/** Reads one batch back as a Buffer (the page cache makes this cheap after writing). */
export async function readBatch(fh: FileHandle, b: LineFileBatch): Promise<Buffer> {
  const buf = Buffer.allocUnsafe(b.bytes);
  const { bytesRead } = await fh.read(buf, 0, b.bytes, b.offset);
  if (bytesRead !== b.bytes) throw new Error(`short read at ${b.offset}: ${bytesRead}/${b.bytes}`);
  return buf;
}
