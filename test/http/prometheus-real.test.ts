import type { ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { StrataServer, type PluginDefinition } from '@strata/kernel';
import engineLsm from '@strata/engine-lsm';
import storeFs from '@strata/store-fs';
import walLocal from '@strata/wal-local';
import protocolHttp from '@strata/protocol-http';
import { startPrometheus, stopProcess } from '../protocol-support/prometheus.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * A real Prometheus (Debian package `prometheus`) scrapes itself every
 * second and remote-writes to Strata; a second Prometheus with only a
 * remote_read to Strata answers PromQL from what Strata stored. Both run for
 * a bounded time on loopback and are stopped after.
 */
describe('e2e http: a real Prometheus remote-writing to and remote-reading from Strata', function () {
  this.timeout(90_000);
  let dir: string;
  let server: StrataServer;
  let url: string;
  const children: ChildProcess[] = [];

  async function sql(statement: string): Promise<{ status: number; rows: unknown[][] }> {
    const r = await fetch(`${url}/v1/sql?sql=${encodeURIComponent(statement)}`);
    const body = await r.json() as { output?: Array<{ records?: { rows: unknown[][] } }> };
    return { status: r.status, rows: body.output?.[0]?.records?.rows ?? [] };
  }

  async function prometheus(name: string, config: (port: number) => string): Promise<number> {
    const p = await startPrometheus({ dir, name, config, readyTimeoutMs: 20_000 });
    children.push(p.child);
    return p.port;
  }

  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'strata-e2e-prometheus-'));
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
    for (const c of children) await stopProcess(c);
    await server?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('its own series arrive through remote write with plausible values, and PromQL reads them back through remote read', async () => {
    // Scrapes itself every second and remote-writes everything to Strata.
    const port = await prometheus('writer', (self) => `
global: { scrape_interval: 1s, evaluation_interval: 1s }
scrape_configs:
  - job_name: prometheus
    static_configs: [{ targets: ['127.0.0.1:${self}'] }]
remote_write:
  - url: ${url}/v1/prometheus/write?db=public
    queue_config: { batch_send_deadline: 1s, max_samples_per_send: 2000, min_backoff: 100ms, max_backoff: 1s }
`);

    // Wait (bounded) for `up` of the self-scrape to arrive.
    let up: unknown[][] = [];
    const deadline = Date.now() + 45_000;
    while (Date.now() < deadline) {
      const r = await sql(`SELECT job, instance, greptime_value, greptime_timestamp FROM up WHERE job = 'prometheus' ORDER BY greptime_timestamp`);
      if (r.status === 200 && r.rows.length >= 2) { up = r.rows; break; }
      await sleep(500);
    }
    expect(up.length, 'up samples from the real Prometheus').to.be.at.least(2);
    for (const [job, instance, value, ts] of up) {
      expect(job).to.equal('prometheus');
      expect(instance).to.equal(`127.0.0.1:${port}`);
      expect(value).to.equal(1);
      expect(ts).to.be.a('number').within(Date.now() - 120_000, Date.now() + 5_000);
    }
    const build = await sql('SELECT version, greptime_value FROM prometheus_build_info LIMIT 1');
    expect(build.status).to.equal(200);
    expect(String(build.rows[0]?.[0])).to.match(/^2\./);
    const samples = await sql(`SELECT greptime_value FROM prometheus_tsdb_head_series WHERE job = 'prometheus' ORDER BY greptime_timestamp DESC LIMIT 1`);
    expect(samples.rows[0]?.[0]).to.be.a('number').above(0);

    // A second Prometheus with no scrapes, only a remote_read to Strata.
    const readerPort = await prometheus('reader', () => `
global: { scrape_interval: 1m }
remote_read:
  - url: ${url}/v1/prometheus/read?db=public
    read_recent: true
`);
    const q = await fetch(`http://127.0.0.1:${readerPort}/api/v1/query?query=${encodeURIComponent('up{job="prometheus"}')}`);
    expect(q.status).to.equal(200);
    const answer = await q.json() as { status: string; data: { result: Array<{ metric: Record<string, string>; value: [number, string] }> } };
    expect(answer.status).to.equal('success');
    expect(answer.data.result).to.have.length(1);
    expect(answer.data.result[0]!.metric).to.deep.include({ __name__: 'up', job: 'prometheus', instance: `127.0.0.1:${port}` });
    expect(answer.data.result[0]!.value[1]).to.equal('1');
  });
});
