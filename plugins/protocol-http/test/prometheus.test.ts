import { expect } from 'chai';
import * as arrow from 'apache-arrow';
import type { QueryOutput } from '@strata/kernel';
import {
  decodeReadRequest, decodeRemoteWrite, encodeReadResponse, readSeriesOf, PayloadTooLargeError, ProtoReader, ProtoWriter, snappyCompress, snappyDecompress,
} from '../src/index.js';
import { recordsOutput, startHttp, type TestServer } from './fixtures.js';

type Series = { labels: Record<string, string>; samples: Array<[number, number]> };

/** Encodes a prometheus.WriteRequest the way Prometheus does. */
function writeRequest(series: Series[]): Buffer {
  const w = new ProtoWriter();
  for (const s of series) {
    const ts = new ProtoWriter();
    for (const [n, v] of Object.entries(s.labels)) ts.bytes(1, new ProtoWriter().string(1, n).string(2, v).finish());
    for (const [v, t] of s.samples) ts.bytes(2, new ProtoWriter().double(1, v).int64(2, t).finish());
    w.bytes(1, ts.finish());
  }
  return w.finish();
}

function readRequest(start: number, end: number, matchers: Array<[number, string, string]>): Buffer {
  const q = new ProtoWriter().int64(1, start).int64(2, end);
  for (const [type, name, value] of matchers) q.bytes(3, new ProtoWriter().int64(1, type).string(2, name).string(3, value).finish());
  return new ProtoWriter().bytes(1, q.finish()).int64(2, 0).finish();
}

describe('snappy block format', () => {
  it('round-trips compressible and random data', () => {
    const inputs = [Buffer.alloc(0), Buffer.from('a'), Buffer.from('abcabcabcabcabcabcabcabc'.repeat(100)), Buffer.from(Array.from({ length: 100_000 }, (_, i) => (i * 7919) % 251))];
    for (const input of inputs) {
      const c = snappyCompress(input);
      expect(snappyDecompress(c, 1 << 20).equals(input)).to.equal(true);
    }
    expect(snappyCompress(Buffer.from('xyz'.repeat(10_000))).length).to.be.lessThan(2000);
  });

  it('refuses a tiny body whose header claims more than the limit, before allocating', () => {
    // varint 0xFFFFFFFF (4 GiB) + one literal byte
    const bomb = Buffer.from([0xff, 0xff, 0xff, 0xff, 0x0f, 0x00, 0x41]);
    expect(() => snappyDecompress(bomb, 64 << 20)).to.throw(PayloadTooLargeError, /claims 4294967295 bytes/);
  });

  it('rejects corrupt input: bad offsets, overruns, short output', () => {
    expect(() => snappyDecompress(Buffer.from([0x05, 0x01, 0x05]), 100)).to.throw(/offset/);
    expect(() => snappyDecompress(Buffer.from([0x02, 0x08, 0x41, 0x42, 0x43]), 100)).to.throw(/past the end/);
    expect(() => snappyDecompress(Buffer.from([0x05, 0x00, 0x41]), 100)).to.throw(/header claimed 5/);
  });
});

describe('Prometheus remote write decoding', () => {
  it('makes one table per metric with label tags, greptime_value and a millisecond time index', () => {
    const body = writeRequest([
      { labels: { __name__: 'up', job: 'prometheus', instance: 'localhost:9090' }, samples: [[1, 1700000000000], [0, 1700000015000]] },
      { labels: { __name__: 'up', job: 'node' }, samples: [[1, 1700000000000]] },
      { labels: { __name__: 'http_requests_total', code: '200' }, samples: [[1027.5, 1700000000123]] },
    ]);
    const tables = decodeRemoteWrite(body).map((t) => t.build('public'));
    expect(tables.map((t) => [t.table, t.rowCount])).to.deep.equal([['up', 3], ['http_requests_total', 1]]);
    const up = tables[0]!;
    const col = (n: string) => up.columns.find((c) => c.name === n)!;
    expect(up.columns.map((c) => [c.name, c.semantic, String(c.vector.type)])).to.deep.equal([
      ['greptime_timestamp', 'timestamp', 'Timestamp<MILLISECOND>'], ['job', 'tag', 'Utf8'], ['instance', 'tag', 'Utf8'], ['greptime_value', 'field', 'Float64']]);
    expect(col('job').vector.toArray()).to.deep.equal(['prometheus', 'prometheus', 'node']);
    expect(col('instance').vector.toArray()).to.deep.equal(['localhost:9090', 'localhost:9090', null]);
    expect([...col('greptime_value').vector.toArray()]).to.deep.equal([1, 0, 1]);
    expect([...col('greptime_timestamp').vector.data[0]!.values]).to.deep.equal([1700000000000n, 1700000015000n, 1700000000000n]);
  });

  it('rejects series without __name__ and label values that are not UTF-8', () => {
    expect(() => decodeRemoteWrite(writeRequest([{ labels: { job: 'x' }, samples: [[1, 1]] }]))).to.throw(/__name__/);
    const w = new ProtoWriter();
    const ts = new ProtoWriter()
      .bytes(1, new ProtoWriter().string(1, '__name__').string(2, 'm').finish())
      .bytes(1, new ProtoWriter().string(1, 'l').bytes(2, Buffer.from([0xc3, 0x28])).finish())
      .bytes(2, new ProtoWriter().double(1, 1).int64(2, 1).finish());
    w.bytes(1, ts.finish());
    expect(() => decodeRemoteWrite(w.finish())).to.throw(/UTF-8/);
    expect(() => decodeRemoteWrite(Buffer.from([0x0a, 0x10, 0x01]))).to.throw(/past the end/);
  });

  it('encodes and decodes negative int64 varints exactly', () => {
    for (const v of [0, 1, 127, 128, 1700000000123, -1, -1700000000123, 2 ** 53 - 1]) {
      const r = new ProtoReader(new ProtoWriter().varint(v).finish());
      expect(r.varint(), String(v)).to.equal(v);
    }
  });
});

describe('Prometheus remote storage over HTTP', function () {
  this.timeout(15_000);
  let s: TestServer;
  before(async () => { s = await startHttp({ decompressedBodyLimit: '1MiB' }); });
  after(async () => { await s.stop(); });

  it('POST /v1/prometheus/write (snappy protobuf) answers 204 and inserts per metric', async () => {
    const body = snappyCompress(writeRequest([{ labels: { __name__: 'up', job: 'p' }, samples: [[1, 1700000000000]] }]));
    const r = await fetch(`${s.url}/v1/prometheus/write?db=prom`, { method: 'POST', headers: { 'content-type': 'application/x-protobuf', 'content-encoding': 'snappy' }, body });
    expect(r.status).to.equal(204);
    const req = s.query.inserts.at(-1)!.requests[0]!;
    expect([req.database, req.table, req.rowCount]).to.deep.equal(['prom', 'up', 1]);
    const bomb = await fetch(`${s.url}/v1/prometheus/write`, { method: 'POST', headers: { 'content-encoding': 'snappy' }, body: Buffer.from([0xff, 0xff, 0xff, 0x7f, 0x00, 0x41]) });
    expect(bomb.status).to.equal(413);
  });

  it('POST /v1/prometheus/read answers samples from SQL, applying every matcher', async () => {
    s.query.executeImpl = async function* (sql): AsyncIterable<QueryOutput> {
      expect(sql).to.equal('SELECT * FROM "up" WHERE "greptime_timestamp" >= \'1970-01-01T00:00:01.000Z\' AND "greptime_timestamp" <= \'1970-01-01T00:00:05.000Z\'');
      yield recordsOutput({
        job: arrow.vectorFromArray(['api', 'api', 'db', 'api'], new arrow.Utf8()),
        greptime_timestamp: arrow.makeVector({ type: new arrow.TimestampMillisecond(), data: new BigInt64Array([3000n, 1000n, 2000n, 9000n]), length: 4 } as never),
        greptime_value: arrow.makeVector(new Float64Array([3, 1, 2, 9])),
      }, { job: 'String', greptime_timestamp: 'TimestampMillisecond', greptime_value: 'Float64' });
    };
    const body = snappyCompress(readRequest(1000, 5000, [[0, '__name__', 'up'], [2, 'job', 'a.*']]));
    const r = await fetch(`${s.url}/v1/prometheus/read`, { method: 'POST', headers: { 'content-encoding': 'snappy' }, body });
    expect(r.status).to.equal(200);
    expect(r.headers.get('content-encoding')).to.equal('snappy');
    const decoded = snappyDecompress(Buffer.from(await r.arrayBuffer()), 1 << 20);
    expect(decoded.equals(encodeReadResponse([[readSeriesOf([['__name__', 'up'], ['job', 'api']], [[1000, 1], [3000, 3]])]]))).to.equal(true);
    s.query.executeImpl = undefined;
  });

  it('decodes ReadRequest matchers', () => {
    const [q] = decodeReadRequest(readRequest(1, 2, [[0, '__name__', 'up'], [3, 'job', 'x|y']]));
    expect(q).to.deep.equal({ startMs: 1, endMs: 2, matchers: [{ type: 0, name: '__name__', value: 'up' }, { type: 3, name: 'job', value: 'x|y' }] });
  });
});
