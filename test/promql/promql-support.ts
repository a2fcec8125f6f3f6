import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { StrataServer, type PluginDefinition, promqlPlugin, seededRandom } from '@strata/kernel';
import engineLsm from '@strata/engine-lsm';
import storeFs from '@strata/store-fs';
import walLocal from '@strata/wal-local';
import protocolHttp, { ProtoWriter, snappyCompress } from '@strata/protocol-http';

/** One series of the data set: labels (with __name__) and [ms, value] samples; `stale` marks Prometheus stale markers. */
export interface GenSeries { labels: Record<string, string>; samples: Array<[number, number]>; stale?: Set<number> }

/**
 * A real server: store-fs + wal-local + engine-lsm + kernel query/PromQL + protocol-http on 127.0.0.1:0.
 * `promql` sets the promql built-in's options, e.g. { windowStart: 'inclusive' }.
 */
export async function startPromqlServer(opts: { promql?: Record<string, unknown> } = {}): Promise<{ url: string; server: StrataServer; close(): Promise<void> }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'strata-e2e-promql-'));
  const server = await StrataServer.fromDefinitions([
    { definition: storeFs as PluginDefinition },
    { definition: walLocal as PluginDefinition },
    { definition: engineLsm as PluginDefinition },
    { definition: protocolHttp as PluginDefinition, options: { port: 0 } },
    ...(opts.promql ? [{ definition: promqlPlugin as PluginDefinition, options: opts.promql }] : []),
  ], { dataHome: dir }, { logLevel: 'silent', processMetrics: false });
  try { await server.start(); } catch (err) { await rm(dir, { recursive: true, force: true }); throw err; }
  return {
    url: server.addresses().find((a) => a.protocol === 'http')?.url ?? server.addresses()[0]!.url,
    server,
    async close() { await server.stop(); await rm(dir, { recursive: true, force: true }); },
  };
}

/** The stale-marker sample, encoded by hand so the NaN payload (0x7ff0000000000002) is exact. */
function staleSample(t: number): Buffer {
  const head = Buffer.from([0x09, 0x02, 0, 0, 0, 0, 0, 0xf0, 0x7f]);
  return Buffer.concat([head, new ProtoWriter().int64(2, t).finish()]);
}

/** A snappy-compressed prometheus.WriteRequest for the series. */
export function remoteWriteBody(series: readonly GenSeries[]): Buffer {
  const w = new ProtoWriter();
  for (const s of series) {
    const ts = new ProtoWriter();
    for (const [n, v] of Object.entries(s.labels).sort(([a], [b]) => (a < b ? -1 : 1))) ts.bytes(1, new ProtoWriter().string(1, n).string(2, v).finish());
    for (const [t, v] of s.samples) {
      ts.bytes(2, s.stale?.has(t) ? staleSample(t) : new ProtoWriter().double(1, v).int64(2, t).finish());
    }
    w.bytes(1, ts.finish());
  }
  return snappyCompress(w.finish());
}

export async function remoteWrite(url: string, series: readonly GenSeries[]): Promise<void> {
  const res = await fetch(url, {
    method: 'POST', body: remoteWriteBody(series),
    headers: { 'content-type': 'application/x-protobuf', 'content-encoding': 'snappy', 'x-prometheus-remote-write-version': '0.1.0' },
  });
  if (res.status !== 204 && res.status !== 200) throw new Error(`remote write to ${url}: ${res.status} ${await res.text()}`);
}

/** A deterministic PRNG (the kernel's seededRandom, mulberry32). */
export const prng = seededRandom;

/**
 * A scrape-like data set over [t0, t0 + minutes): counters with resets and a
 * gap, gauges with a stale marker and negative values, classic histogram
 * buckets (+ _sum/_count), an up metric. Samples every 15s with jitter.
 */
export function generateDataset(t0: number, minutes = 50, seed = 42): GenSeries[] {
  const rnd = prng(seed);
  const steps = (minutes * 60) / 15;
  const time = (i: number) => t0 + i * 15_000 + Math.floor(rnd() * 400);
  const out: GenSeries[] = [];
  let n = 0;
  for (const instance of ['i1', 'i2', 'i3']) {
    for (const code of ['200', '500']) {
      const s: GenSeries = { labels: { __name__: 'http_requests_total', job: 'api', instance, code }, samples: [] };
      let v = Math.floor(rnd() * 100);
      const resetAt = 40 + Math.floor(rnd() * 100);
      const gap = n++ === 2 ? [60, 100] : [-1, -1];
      for (let i = 0; i < steps; i++) {
        v += Math.floor(rnd() * (code === '200' ? 20 : 3));
        if (i === resetAt) v = Math.floor(rnd() * 5);
        if (i >= gap[0]! && i < gap[1]!) continue;
        s.samples.push([time(i), v]);
      }
      out.push(s);
    }
  }
  for (const room of ['a', 'b', 'c']) {
    const s: GenSeries = { labels: { __name__: 'temperature', room, building: room === 'c' ? 'north' : 'south' }, samples: [], stale: new Set() };
    let v = 20 + rnd() * 5;
    for (let i = 0; i < steps; i++) {
      v += (rnd() - 0.5) * 2;
      if (room === 'b' && i >= 100 && i < 140) {
        if (i === 100) { const t = time(i); s.samples.push([t, NaN]); s.stale!.add(t); }
        continue;
      }
      s.samples.push([time(i), room === 'c' ? v - 25 : Math.round(v * 100) / 100]);
    }
    out.push(s);
  }
  const bounds = ['0.1', '0.5', '1', '5', '+Inf'];
  for (const instance of ['i1', 'i2']) {
    const counts = bounds.map(() => 0);
    let sum = 0; let count = 0;
    const series = bounds.map((le) => ({ labels: { __name__: 'request_duration_seconds_bucket', job: 'api', instance, le }, samples: [] as Array<[number, number]> }));
    const sumS: GenSeries = { labels: { __name__: 'request_duration_seconds_sum', job: 'api', instance }, samples: [] };
    const countS: GenSeries = { labels: { __name__: 'request_duration_seconds_count', job: 'api', instance }, samples: [] };
    for (let i = 0; i < steps; i++) {
      const t = time(i);
      const k = Math.floor(rnd() * 10);
      for (let j = 0; j < k; j++) {
        const x = rnd() * rnd() * 6;
        sum += x; count++;
        bounds.forEach((b, bi) => { if (b === '+Inf' || x <= Number(b)) counts[bi]!++; });
      }
      series.forEach((s, bi) => s.samples.push([t, counts[bi]!]));
      sumS.samples.push([t, Math.round(sum * 1000) / 1000]);
      countS.samples.push([t, count]);
    }
    out.push(...series, sumS, countS);
  }
  // Values Prometheus stores as they are: NaN (not a stale marker) and infinities.
  for (const kind of ['nan', 'inf', 'mixed']) {
    const s: GenSeries = { labels: { __name__: 'odd', kind }, samples: [] };
    for (let i = 0; i < steps; i++) {
      const x = Math.round(rnd() * 100) / 10;
      const v = kind === 'nan' ? (i % 7 === 3 ? NaN : x) : kind === 'inf' ? (i % 11 === 5 ? Infinity : i % 13 === 2 ? -Infinity : x) : (i % 9 === 0 ? NaN : i % 10 === 0 ? Infinity : x);
      s.samples.push([time(i), v]);
    }
    out.push(s);
  }
  for (const instance of ['i1', 'i2', 'i3']) {
    const s: GenSeries = { labels: { __name__: 'up', job: 'api', instance }, samples: [] };
    for (let i = 0; i < steps; i++) s.samples.push([time(i), instance === 'i3' && i > 150 ? 0 : 1]);
    out.push(s);
  }
  return out;
}

/** GET a Prometheus API endpoint; returns status and JSON. */
export async function promGet(base: string, endpoint: string, params: Record<string, string | string[]>): Promise<{ status: number; body: any }> {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) for (const x of Array.isArray(v) ? v : [v]) q.append(k, x);
  const res = await fetch(`${base}/api/v1/${endpoint}?${q.toString()}`);
  return { status: res.status, body: await res.json() };
}
