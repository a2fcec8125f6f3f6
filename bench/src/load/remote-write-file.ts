import { open } from 'node:fs/promises';
import { CPU_FIELD_KEYS, CPU_TAG_KEYS, type CpuBatch, type TsbsCpuGenerator } from '../tsbs/tsbs-cpu-generator.js';
import type { LineFile, LineFileBatch } from './line-file.js';

/** Headers of a Prometheus remote-write 1.0 request. */
export const REMOTE_WRITE_HEADERS: Record<string, string> = {
  'content-type': 'application/x-protobuf',
  'content-encoding': 'snappy',
  'x-prometheus-remote-write-version': '0.1.0',
};

/** A growable byte writer for the few protobuf shapes remote write needs. */
class ProtoWriter {
  buf = Buffer.allocUnsafe(1 << 20);
  pos = 0;
  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + n));
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }
  varint(v: number): void {
    this.ensure(10);
    while (v >= 0x80) {
      this.buf[this.pos++] = (v & 0x7f) | 0x80;
      v = Math.floor(v / 128);
    }
    this.buf[this.pos++] = v;
  }
  bytes(b: Buffer): void {
    this.ensure(b.length);
    b.copy(this.buf, this.pos);
    this.pos += b.length;
  }
  double(v: number): void {
    this.ensure(8);
    this.buf.writeDoubleLE(v, this.pos);
    this.pos += 8;
  }
}

/** Encodes a label (`Label { string name = 1; string value = 2; }`) as a length-delimited field 1 of TimeSeries. */
function labelBytes(name: string, value: string): Buffer {
  const n = Buffer.from(name);
  const v = Buffer.from(value);
  const w = new ProtoWriter();
  w.varint((1 << 3) | 2);
  w.varint(n.length);
  w.bytes(n);
  w.varint((2 << 3) | 2);
  w.varint(v.length);
  w.bytes(v);
  const body = w.buf.subarray(0, w.pos);
  const out = new ProtoWriter();
  out.varint((1 << 3) | 2);
  out.varint(body.length);
  out.bytes(body);
  return Buffer.from(out.buf.subarray(0, out.pos));
}

/**
 * One remote-write body (`WriteRequest`, snappy block format) with the
 * batch's rows as samples of the series `cpu_<field>{<tags>}` — the names
 * VictoriaMetrics gives the same line protocol, so the PromQL is shared.
 */
export function encodeRemoteWrite(gen: TsbsCpuGenerator, batch: CpuBatch, labelCache: Map<string, Buffer>): Buffer {
  // Group row indexes by host; every host row yields one sample per field.
  const byHost = new Map<number, number[]>();
  for (let i = 0; i < batch.length; i++) {
    const h = batch.hostIndexes[i]!;
    let rows = byHost.get(h);
    if (!rows) byHost.set(h, (rows = []));
    rows.push(i);
  }
  const w = new ProtoWriter();
  const ts = new ProtoWriter();
  for (const [host, rows] of byHost) {
    for (let k = 0; k < CPU_FIELD_KEYS.length; k++) {
      const key = `${host}/${k}`;
      let labels = labelCache.get(key);
      if (!labels) {
        // Labels sorted by name, as Prometheus requires.
        const pairs: Array<[string, string]> = [['__name__', `cpu_${CPU_FIELD_KEYS[k]}`]];
        CPU_TAG_KEYS.forEach((t, j) => pairs.push([t, gen.hostTags[host]![j]!]));
        pairs.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
        labels = Buffer.concat(pairs.map(([n, v]) => labelBytes(n, v)));
        labelCache.set(key, labels);
      }
      ts.pos = 0;
      ts.bytes(labels);
      const f = batch.fields[k]!;
      for (const i of rows) {
        // Sample { double value = 1; int64 timestamp = 2; }: 9 + 1 + varint bytes.
        const t = batch.timestampsMs[i]!;
        let tLen = 1;
        for (let x = t; x >= 0x80; x = Math.floor(x / 128)) tLen++;
        ts.varint((2 << 3) | 2);
        ts.varint(9 + 1 + tLen);
        ts.varint((1 << 3) | 1);
        ts.double(f[i]!);
        ts.varint(2 << 3);
        ts.varint(t);
      }
      w.varint((1 << 3) | 2);
      w.varint(ts.pos);
      w.bytes(ts.buf.subarray(0, ts.pos));
    }
  }
  return snappyLiteral(w.buf.subarray(0, w.pos));
}

/**
 * Snappy block format with the whole input as literals (a valid snappy
 * stream: the receiver decodes it like any other, it is just not smaller).
 */
export function snappyLiteral(data: Buffer): Buffer {
  const head = new ProtoWriter();
  head.varint(data.length);
  const parts: Buffer[] = [Buffer.from(head.buf.subarray(0, head.pos))];
  const CHUNK = 1 << 16;
  for (let off = 0; off < data.length; off += CHUNK) {
    const len = Math.min(CHUNK, data.length - off);
    // Tag 61<<2: a literal whose length-1 follows in two little-endian bytes.
    const tag = Buffer.from([61 << 2, (len - 1) & 0xff, ((len - 1) >> 8) & 0xff]);
    parts.push(tag, data.subarray(off, off + len));
  }
  return Buffer.concat(parts);
}

/** Like writeLineFile, for remote-write bodies of `batchRows` rows each. */
export async function writeRemoteWriteFile(gen: TsbsCpuGenerator, path: string, batchRows: number): Promise<LineFile> {
  const fh = await open(path, 'w');
  const batches: LineFileBatch[] = [];
  const labelCache = new Map<string, Buffer>();
  let offset = 0;
  let lines = 0;
  try {
    for (const batch of gen.batches(batchRows)) {
      const buf = encodeRemoteWrite(gen, batch, labelCache);
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
