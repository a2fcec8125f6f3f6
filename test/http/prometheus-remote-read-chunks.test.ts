import type { ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import type net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { StrataServer, type PluginDefinition } from '@strata/kernel';
import engineLsm from '@strata/engine-lsm';
import storeFs from '@strata/store-fs';
import walLocal from '@strata/wal-local';
import protocolHttp, { CHUNKED_READ_CONTENT_TYPE, ProtoWriter, snappyCompress } from '@strata/protocol-http';
import { startPrometheus, stopProcess } from '../protocol-support/prometheus.js';
import { decodeFrames, decodeXorChunk, GO_NAN_BITS, STALE_NAN_BITS, type DecodedFrame } from '@strata/protocol-http/testing';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A STREAMED_XOR_CHUNKS ReadRequest for one metric over [startMs, endMs]. */
function chunkedReadRequest(metric: string, startMs: number, endMs: number): Buffer {
  const matcher = new ProtoWriter().int64(1, 0).string(2, '__name__').string(3, metric).finish();
  const query = new ProtoWriter().int64(1, startMs).int64(2, endMs).bytes(3, matcher).finish();
  return snappyCompress(new ProtoWriter().bytes(1, query).bytes(2, Buffer.from([1])).finish());
}

/** Series of a decoded answer: labels -> the chunks' bytes and decoded samples. */
function bySeries(frames: DecodedFrame[]): Map<string, { chunks: Buffer[]; samples: Array<{ t: bigint; bits: bigint }> }> {
  const out = new Map<string, { chunks: Buffer[]; samples: Array<{ t: bigint; bits: bigint }> }>();
  for (const f of frames) {
    for (const s of f.series) {
      const key = s.labels.map(([n, v]) => `${n}=${v}`).join(',');
      let e = out.get(key);
      if (!e) { e = { chunks: [], samples: [] }; out.set(key, e); }
      for (const c of s.chunks) {
        e.chunks.push(Buffer.from(c.data));
        const samples = decodeXorChunk(c.data);
        expect(c.minTimeMs).to.equal(samples[0]!.t);
        expect(c.maxTimeMs).to.equal(samples.at(-1)!.t);
        e.samples.push(...samples);
      }
    }
  }
  return out;
}

/**
 * The streamed remote read answer checked against the real thing: a real
 * Prometheus scrapes a target whose gauge reports numbers and `NaN`, then
 * loses it (stale markers), remote-writing everything to Strata. Restarted
 * on the same TSDB without scrapes, it answers a STREAMED_XOR_CHUNKS read
 * from its own storage; Strata answers the same request from what it was
 * sent. Both answers go through the test's independent frame/XOR decoder
 * (CRCs checked) and must hold the same series with bit-identical samples —
 * NaN payloads and stale markers included — and, where both fit one chunk,
 * byte-identical XOR chunks.
 */
describe('e2e http: streamed XOR-chunk remote read, against a real Prometheus', function () {
  this.timeout(120_000);
  let dir: string;
  let server: StrataServer;
  let url: string;
  let target: http.Server | undefined;
  const children: ChildProcess[] = [];

  async function prometheus(name: string, home: string, config: string): Promise<{ port: number; child: ChildProcess }> {
    const p = await startPrometheus({ dir, name, home, config });
    children.push(p.child);
    return p;
  }

  /** Prometheus flushes its remote-write queue and TSDB on SIGTERM: give it time. */
  const stop = (child: ChildProcess) => stopProcess(child, 70_000);

  async function rowCount(sql: string): Promise<number> {
    const r = await fetch(`${url}/v1/sql?sql=${encodeURIComponent(sql)}`);
    if (r.status !== 200) return 0;
    const body = await r.json() as { output?: Array<{ records?: { rows: unknown[][] } }> };
    return Number(body.output?.[0]?.records?.rows?.[0]?.[0] ?? 0);
  }

  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'strata-e2e-prom-chunks-'));
    server = await StrataServer.fromDefinitions([
      { definition: storeFs as PluginDefinition },
      { definition: walLocal as PluginDefinition },
      { definition: engineLsm as PluginDefinition },
      { definition: protocolHttp as PluginDefinition, options: { port: 0 } },
    ], { dataHome: path.join(dir, 'strata') }, { logLevel: 'silent', processMetrics: false });
    await server.start();
    url = server.addresses()[0]!.url;
  });

  after(async () => {
    for (const c of children) await stop(c);
    if (target?.listening) { target.closeAllConnections(); target.close(); }
    await server?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('answers the same series and bit-identical samples (NaN, stale markers) as Prometheus answers from its own TSDB', async () => {
    // A scrape target: a gauge with numbers, one with NaN every third scrape.
    let scrapes = 0;
    target = http.createServer((_req, res) => {
      scrapes++;
      res.setHeader('content-type', 'text/plain; version=0.0.4');
      res.end(`# TYPE strata_chunk_test gauge\nstrata_chunk_test{kind="a"} ${scrapes * 1.25}\nstrata_chunk_test{kind="b"} ${scrapes % 3 === 0 ? 'NaN' : String(-scrapes)}\n`);
    });
    await new Promise<void>((r) => target!.listen(0, '127.0.0.1', () => r()));
    const targetPort = (target.address() as net.AddressInfo).port;
    const home = path.join(dir, 'prometheus');
    const writer = await prometheus('writer', home, `
global: { scrape_interval: 1s, evaluation_interval: 1m }
scrape_configs:
  - job_name: fake
    static_configs: [{ targets: ['127.0.0.1:${targetPort}'] }]
remote_write:
  - url: ${url}/v1/prometheus/write?db=public
    queue_config: { batch_send_deadline: 500ms, max_samples_per_send: 500, min_backoff: 100ms, max_backoff: 1s }
`);
    const deadline = Date.now() + 40_000;
    while (Date.now() < deadline && await rowCount(`SELECT count(*) FROM strata_chunk_test WHERE kind = 'a'`) < 8) await sleep(500);
    expect(await rowCount(`SELECT count(*) FROM strata_chunk_test WHERE kind = 'a'`)).to.be.at.least(8);
    // The target goes away: the next scrape fails and Prometheus writes stale markers.
    target.closeAllConnections();
    await new Promise((r) => target!.close(r));
    await sleep(3_500);
    await stop(writer.child); // flushes its remote-write queue on the way out
    expect(writer.child.exitCode).to.equal(0);

    // The same TSDB, no scrapes: Prometheus as a remote read server of what it had.
    const reader = await prometheus('reader', home, 'global: { scrape_interval: 1m }\n');
    // Read from the memtable, then again from the SST after a flush: both keep every bit.
    for (const [round, metric] of [[0, 'strata_chunk_test'], [0, 'up'], [1, 'strata_chunk_test']] as const) {
      if (round === 1) {
        const f = await fetch(`${url}/v1/sql?sql=${encodeURIComponent("ADMIN flush_table('strata_chunk_test')")}`);
        expect(f.status, await f.text()).to.equal(200);
      }
      const body = chunkedReadRequest(metric, 0, Date.now() + 60_000);
      const headers = { 'content-type': 'application/x-protobuf', 'content-encoding': 'snappy', 'x-prometheus-remote-read-version': '0.1.0' };
      const fromProm = await fetch(`http://127.0.0.1:${reader.port}/api/v1/read`, { method: 'POST', headers, body });
      expect(fromProm.status).to.equal(200);
      expect(fromProm.headers.get('content-type')).to.equal(CHUNKED_READ_CONTENT_TYPE);
      const fromStrata = await fetch(`${url}/v1/prometheus/read?db=public`, { method: 'POST', headers, body });
      expect(fromStrata.status).to.equal(200);
      expect(fromStrata.headers.get('content-type')).to.equal(CHUNKED_READ_CONTENT_TYPE);
      const want = bySeries(decodeFrames(new Uint8Array(await fromProm.arrayBuffer())));
      const got = bySeries(decodeFrames(new Uint8Array(await fromStrata.arrayBuffer())));
      expect([...got.keys()], metric).to.deep.equal([...want.keys()]);
      for (const [key, w] of want) {
        const g = got.get(key)!;
        expect(g.samples.map((s) => `${s.t}:${s.bits.toString(16)}`), key).to.deep.equal(w.samples.map((s) => `${s.t}:${s.bits.toString(16)}`));
        if (w.chunks.length === 1 && g.chunks.length === 1) expect(g.chunks[0]!.toString('hex'), `${key} chunk bytes`).to.equal(w.chunks[0]!.toString('hex'));
      }
      if (metric === 'strata_chunk_test') {
        const a = want.get(`__name__=strata_chunk_test,instance=127.0.0.1:${targetPort},job=fake,kind=a`)!;
        const b = want.get(`__name__=strata_chunk_test,instance=127.0.0.1:${targetPort},job=fake,kind=b`)!;
        expect(a.samples.length).to.be.at.least(9);
        expect(a.samples.at(-1)!.bits, 'stale marker after the target went away').to.equal(STALE_NAN_BITS);
        expect(b.samples.some((s) => s.bits === GO_NAN_BITS), 'a scraped NaN').to.equal(true);
      }
    }
  });
});
