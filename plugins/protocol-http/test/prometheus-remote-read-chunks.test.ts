import http from 'node:http';
import { seededRandom } from '@strata/kernel';
import { expect } from 'chai';
import * as arrow from 'apache-arrow';
import type { QueryOutput } from '@strata/kernel';
import {
  CHUNK_ENCODING_XOR, CHUNKED_READ_CONTENT_TYPE, chunkedReadFrames, crc32c, decodeReadRequestMessage, encodeChunkedFrame,
  MAX_SAMPLES_PER_CHUNK, negotiateResponseType, ProtoReader, ProtoWriter, snappyCompress, snappyDecompress, XorChunkEncoder, type ChunkSource,
} from '../src/index.js';
import { recordsOutput, startHttp, type TestServer } from './fixtures.js';
import {
  bitsOf, crc32cBitwise, decodeFrames, decodeXorChunk, float64FromBits, GO_NAN_BITS, STALE_NAN_BITS,
} from './support/remote-read-decoder.js';

function words(values: Float64Array): Uint32Array { return new Uint32Array(values.buffer, values.byteOffset, values.length * 2); }

function readRequest(accepted: number[], queries: Array<{ start: number; end: number; matchers: Array<[number, string, string]> }>, packed = true): Buffer {
  const w = new ProtoWriter();
  for (const q of queries) {
    const qw = new ProtoWriter().int64(1, q.start).int64(2, q.end);
    for (const [type, name, value] of q.matchers) qw.bytes(3, new ProtoWriter().int64(1, type).string(2, name).string(3, value).finish());
    w.bytes(1, qw.finish());
  }
  if (packed) { const p = new ProtoWriter(); for (const a of accepted) p.varint(a); if (accepted.length) w.bytes(2, p.finish()); } else for (const a of accepted) w.int64(2, a);
  return w.finish();
}

describe('CRC32C and frames of a chunked remote read answer', () => {
  it('matches the CRC-32C check value and a bitwise implementation', () => {
    expect(crc32c(Buffer.from('123456789'))).to.equal(0xe3069283);
    const r = seededRandom(7);
    for (let n = 0; n < 50; n++) {
      const b = Uint8Array.from({ length: Math.floor(r() * 3000) }, () => Math.floor(r() * 256));
      expect(crc32c(b)).to.equal(crc32cBitwise(b));
    }
  });

  it('frames a message as uvarint length, big-endian CRC32C, message', () => {
    const msg = Buffer.alloc(300, 0xab);
    const f = encodeChunkedFrame(msg);
    expect([...f.subarray(0, 2)]).to.deep.equal([0xac, 0x02]); // 300 as uvarint
    expect(f.readUInt32BE(2)).to.equal(crc32cBitwise(msg));
    expect(f.subarray(6).equals(msg)).to.equal(true);
  });
});

describe('XOR chunk encoding (Prometheus tsdb/chunkenc)', () => {
  it('encodes a known chunk byte for byte', () => {
    // (1000 ms, 1.0), (2000, 1.0), (3000, 2.0): count 3; zigzag varint 2000; 1.0's 64 bits;
    // uvarint delta 1000; '0' (same value); '0' (dod 0); '1','1', leading 00001, sigbits 001011, 0x7ff in 11 bits.
    const data = new XorChunkEncoder().encode([1000, 2000, 3000], words(new Float64Array([1, 1, 2])), 0, 3);
    expect(Buffer.from(data).toString('hex')).to.equal('0003d00f3ff0000000000000e8073097ffc0');
  });

  it('ends like Prometheus\'s bstream: one empty byte after a stream that ends on a whole-byte write', () => {
    const enc = new XorChunkEncoder();
    // One sample: varint + 64 value bits end byte-aligned on a whole-byte write.
    expect(Buffer.from(enc.encode([1000], words(new Float64Array([1])), 0, 1)).toString('hex')).to.equal('0001d00f3ff000000000000000');
    // The empty chunk is just its header.
    expect(Buffer.from(enc.encode([], words(new Float64Array(0)), 0, 0)).toString('hex')).to.equal('0000');
    // Two equal values: the last write is one bit, no extra byte.
    expect(Buffer.from(enc.encode([1000, 2000], words(new Float64Array([1, 1])), 0, 2)).toString('hex')).to.equal('0002d00f3ff0000000000000e80700');
  });

  it('round-trips timestamps in every delta-of-delta bucket and values including NaN, stale markers, infinities and -0', () => {
    const r = seededRandom(42);
    const specials = [STALE_NAN_BITS, GO_NAN_BITS, bitsOf(NaN), bitsOf(Infinity), bitsOf(-Infinity), bitsOf(-0), bitsOf(0), 1n, 0x8000000000000001n, bitsOf(Number.MAX_VALUE)];
    for (let round = 0; round < 40; round++) {
      const n = 1 + Math.floor(r() * MAX_SAMPLES_PER_CHUNK);
      const ts: number[] = []; const bits: bigint[] = [];
      let t = Math.floor((r() - 0.5) * 2 ** 44);
      let prev = 0n;
      for (let i = 0; i < n; i++) {
        const kind = r();
        const step = kind < 0.3 ? 15000 : kind < 0.5 ? 1 + Math.floor(r() * 8000) : kind < 0.7 ? 1 + Math.floor(r() * 500_000) : kind < 0.9 ? 1 + Math.floor(r() * 2 ** 40) : 1;
        t += i === 0 ? 0 : step;
        ts.push(t);
        const v = r();
        const b = v < 0.2 ? prev : v < 0.4 ? specials[Math.floor(r() * specials.length)]! : v < 0.7 ? bitsOf(Math.round(r() * 1000)) : bitsOf((r() - 0.5) * 10 ** Math.floor(r() * 40 - 20));
        bits.push(b); prev = b;
      }
      const values = float64FromBits(bits);
      const data = new XorChunkEncoder().encode(ts, words(values), 0, n);
      const decoded = decodeXorChunk(data);
      expect(decoded.map((s) => s.t), `round ${round} timestamps`).to.deep.equal(ts.map(BigInt));
      expect(decoded.map((s) => s.bits.toString(16)), `round ${round} values`).to.deep.equal(bits.map((b) => b.toString(16)));
    }
  });
});

describe('chunked read frames', () => {
  const labels: Array<[string, string]> = [['__name__', 'up'], ['job', 'api']];
  function series(n: number, lbls = labels): ChunkSource {
    const timestamps = Float64Array.from({ length: n }, (_, i) => 1_700_000_000_000 + i * 15_000);
    const bits = Array.from({ length: n }, (_, i) => (i % 50 === 49 ? STALE_NAN_BITS : i % 77 === 0 ? GO_NAN_BITS : bitsOf(i * 0.5)));
    return { labels: lbls, timestamps, values: float64FromBits(bits), length: n };
  }

  it('cuts series into chunks of at most 120 samples, one series per frame, split when a frame is full', () => {
    const s = series(1000);
    const frames = decodeFrames(Buffer.concat([...chunkedReadFrames([s], 3, 2048)]));
    expect(frames.length).to.be.greaterThan(1);
    const all = [];
    for (const f of frames) {
      expect(f.queryIndex).to.equal(3n);
      expect(f.series).to.have.length(1);
      expect(f.series[0]!.labels).to.deep.equal(labels);
      expect(f.size).to.be.at.most(2048 + 2400);
      for (const c of f.series[0]!.chunks) {
        expect(c.type).to.equal(CHUNK_ENCODING_XOR);
        const samples = decodeXorChunk(c.data);
        expect(samples.length).to.be.within(1, MAX_SAMPLES_PER_CHUNK);
        expect(c.minTimeMs).to.equal(samples[0]!.t);
        expect(c.maxTimeMs).to.equal(samples.at(-1)!.t);
        all.push(...samples);
      }
    }
    expect(all.map((x) => x.t)).to.deep.equal(Array.from(s.timestamps, (t) => BigInt(t)));
    expect(all.map((x) => x.bits)).to.deep.equal([...new BigUint64Array(s.values.buffer)]);
    expect(all[49]!.bits).to.equal(STALE_NAN_BITS);
    expect(all[77]!.bits).to.equal(GO_NAN_BITS);
    // With the default 1 MiB bound, the same series fits one frame of 9 chunks.
    const one = decodeFrames(Buffer.concat([...chunkedReadFrames([s], 0)]));
    expect(one).to.have.length(1);
    expect(one[0]!.series[0]!.chunks).to.have.length(9);
  });

  it('encodes frames lazily, one pulled at a time', () => {
    let opened = 0;
    function* lazy(): Generator<ChunkSource> { for (let i = 0; i < 100; i++) { opened++; yield series(10, [['__name__', `m${i}`]]); } }
    const it = chunkedReadFrames(lazy(), 0);
    it.next(); it.next();
    expect(opened).to.equal(2);
  });
});

describe('remote read response negotiation and the streamed answer over HTTP', function () {
  this.timeout(15_000);
  let s: TestServer;
  before(async () => { s = await startHttp(); });
  after(async () => { await s.stop(); });

  it('decodes accepted_response_types, packed or not, and picks the first Strata serves', () => {
    const q = [{ start: 1, end: 2, matchers: [[0, '__name__', 'up']] as Array<[number, string, string]> }];
    expect(decodeReadRequestMessage(readRequest([1, 0], q)).acceptedResponseTypes).to.deep.equal([1, 0]);
    expect(decodeReadRequestMessage(readRequest([1, 0], q, false)).acceptedResponseTypes).to.deep.equal([1, 0]);
    expect(negotiateResponseType([])).to.equal(0);
    expect(negotiateResponseType([7, 1, 0])).to.equal(1);
    expect(negotiateResponseType([0, 1])).to.equal(0);
  });

  function serve(): void {
    const stale = float64FromBits([STALE_NAN_BITS])[0]!;
    s.query.executeImpl = async function* (sql): AsyncIterable<QueryOutput> {
      if (!sql.includes('"up"')) return;
      const n = 300;
      const jobs = Array.from({ length: n }, (_, i) => (i % 2 ? 'api' : 'db'));
      const ts = BigInt64Array.from({ length: n }, (_, i) => BigInt(1_000_000 + (n - i) * 1000));
      const vals = Float64Array.from({ length: n }, (_, i) => i);
      vals[10] = stale; // job db, t = 1_290_000
      yield recordsOutput({
        job: arrow.vectorFromArray(jobs, new arrow.Utf8()),
        greptime_timestamp: arrow.makeVector({ type: new arrow.TimestampMillisecond(), data: ts, length: n } as never),
        greptime_value: arrow.makeVector(vals),
      }, { job: 'String', greptime_timestamp: 'TimestampMillisecond', greptime_value: 'Float64' });
    };
  }

  it('answers STREAMED_XOR_CHUNKS with CRC-checked frames holding every sample, series in label order', async () => {
    serve();
    try {
      const body = snappyCompress(readRequest([1, 0], [
        { start: 0, end: 10_000_000, matchers: [[0, '__name__', 'up']] },
        { start: 0, end: 10_000_000, matchers: [[0, '__name__', 'up'], [0, 'job', 'api']] },
      ]));
      const r = await fetch(`${s.url}/v1/prometheus/read`, { method: 'POST', headers: { 'content-encoding': 'snappy', 'content-type': 'application/x-protobuf' }, body });
      expect(r.status).to.equal(200);
      expect(r.headers.get('content-type')).to.equal(CHUNKED_READ_CONTENT_TYPE);
      expect(r.headers.get('content-encoding')).to.equal(null);
      const frames = decodeFrames(new Uint8Array(await r.arrayBuffer()));
      expect(frames.map((f) => [Number(f.queryIndex), f.series[0]!.labels.map((l) => l[1]).join(',')])).to.deep.equal([
        [0, 'up,api'], [0, 'up,db'], [1, 'up,api'],
      ]);
      const db = frames[1]!.series[0]!.chunks.flatMap((c) => decodeXorChunk(c.data));
      expect(db).to.have.length(150);
      expect(frames[1]!.series[0]!.chunks.map((c) => decodeXorChunk(c.data).length)).to.deep.equal([120, 30]);
      // Sorted by time although the rows came newest first.
      expect(db[0]!.t).to.equal(1_002_000n);
      expect(db.at(-1)!.t).to.equal(1_300_000n);
      const at = db.find((x) => x.t === 1_290_000n)!;
      expect(at.bits).to.equal(STALE_NAN_BITS);
      const api = frames[0]!.series[0]!.chunks.flatMap((c) => decodeXorChunk(c.data));
      expect(api.find((x) => x.t === 1_001_000n)!.bits).to.equal(bitsOf(299));
    } finally { s.query.executeImpl = undefined; }
  });

  it('still answers SAMPLES (snappy ReadResponse) when the client asks for it, stale markers kept', async () => {
    serve();
    try {
      const body = snappyCompress(readRequest([0], [{ start: 1_290_000, end: 1_290_000, matchers: [[0, '__name__', 'up']] }]));
      const r = await fetch(`${s.url}/v1/prometheus/read`, { method: 'POST', headers: { 'content-encoding': 'snappy' }, body });
      expect(r.status).to.equal(200);
      expect(r.headers.get('content-type')).to.equal('application/x-protobuf');
      const decoded = snappyDecompress(Buffer.from(await r.arrayBuffer()), 1 << 20);
      // ReadResponse{results:[{timeseries:[{labels..., samples:[{value, timestamp}]}]}]}
      const samples: Array<[number, bigint]> = [];
      const fields = (b: Buffer, s0: number, e0: number, f: number): Array<[number, number]> => {
        const rd = new ProtoReader(b, s0, e0); const out: Array<[number, number]> = [];
        while (!rd.done) { const k = rd.varint(); if (k === (f << 3 | 2)) out.push(rd.bytes()); else rd.skip(k & 7); }
        return out;
      };
      for (const [qs, qe] of fields(decoded, 0, decoded.length, 1)) {
        for (const [ss, se] of fields(decoded, qs, qe, 1)) {
          for (const [ps, pe] of fields(decoded, ss, se, 2)) {
            const rd = new ProtoReader(decoded, ps, pe); let bits = 0n; let t = 0;
            while (!rd.done) { const k = rd.varint(); if (k === 0x09) { bits = decoded.readBigUInt64LE(rd.pos); rd.pos += 8; } else if (k === 0x10) t = rd.varint(); else rd.skip(k & 7); }
            samples.push([t, bits]);
          }
        }
      }
      expect(samples).to.deep.equal([[1_290_000, STALE_NAN_BITS]]);
    } finally { s.query.executeImpl = undefined; }
  });

  it('writes frames only as the client reads them: the next query runs once the previous frames drained', async function () {
    this.timeout(30_000);
    // Query "big" answers ~5 MB of frames (random values); "small" queries follow.
    s.query.executeImpl = async function* (sql): AsyncIterable<QueryOutput> {
      const n = sql.includes('"big"') ? 1_000_000 : 10;
      const r = seededRandom(3);
      const series = Array.from({ length: n }, (_, i) => `s${i % 40}`);
      yield recordsOutput({
        id: arrow.vectorFromArray(series, new arrow.Utf8()),
        greptime_timestamp: arrow.makeVector({ type: new arrow.TimestampMillisecond(), data: BigInt64Array.from({ length: n }, (_, i) => BigInt(1_000_000 + i * 10)), length: n } as never),
        greptime_value: arrow.makeVector(Float64Array.from({ length: n }, () => r())),
      }, { id: 'String', greptime_timestamp: 'TimestampMillisecond', greptime_value: 'Float64' });
    };
    try {
      const before = s.query.statements.length;
      const body = snappyCompress(readRequest([1], ['big', 'small', 'small'].map((m) => ({ start: 0, end: 1e12, matchers: [[0, '__name__', m]] as Array<[number, string, string]> }))));
      const { port } = new URL(s.url);
      const chunks: Buffer[] = [];
      await new Promise<void>((resolve, reject) => {
        const req = http.request({ host: '127.0.0.1', port, path: '/v1/prometheus/read', method: 'POST', headers: { 'content-encoding': 'snappy' } }, (res) => {
          res.once('data', (c: Buffer) => {
            chunks.push(c);
            res.pause();
            // The client reads nothing more for a while: the big answer's frames fill the socket and the stream stops.
            setTimeout(() => {
              try {
                expect(s.query.statements.length - before, 'queries run while the client was not reading').to.equal(1);
              } catch (err) { reject(err); res.destroy(); return; }
              res.on('data', (d: Buffer) => chunks.push(d));
              res.on('end', resolve);
              res.resume();
            }, 1500);
          });
          res.on('error', reject);
        });
        req.on('error', reject);
        req.end(body);
      });
      expect(s.query.statements.length - before).to.equal(3);
      const frames = decodeFrames(new Uint8Array(Buffer.concat(chunks)));
      expect(Buffer.concat(chunks).length).to.be.greaterThan(4 << 20);
      expect(frames.map((f) => Number(f.queryIndex)).filter((q, i, a) => a.indexOf(q) === i)).to.deep.equal([0, 1, 2]);
      const samples = frames.filter((f) => f.queryIndex === 0n).flatMap((f) => f.series[0]!.chunks.flatMap((c) => decodeXorChunk(c.data)));
      expect(samples).to.have.length(1_000_000);
    } finally { s.query.executeImpl = undefined; }
  });

  it('refuses a bad regex with 400 before streaming', async () => {
    const body = snappyCompress(readRequest([1], [{ start: 0, end: 1, matchers: [[0, '__name__', 'up'], [2, 'job', '(']] }]));
    const r = await fetch(`${s.url}/v1/prometheus/read`, { method: 'POST', headers: { 'content-encoding': 'snappy' }, body });
    expect(r.status).to.equal(400);
    expect((await r.json() as { error: string }).error).to.match(/invalid regular expression/);
  });
});
