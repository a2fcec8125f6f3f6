import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import * as arrow from 'apache-arrow';
import { expect } from 'chai';
import { ENGINE, StrataServer, toArrowSchema, WAL, type PluginDefinition, type TableSchema } from '@strata/kernel';
import engineLsm from '@strata/engine-lsm';
import storeFs from '@strata/store-fs';
import walQuorum, { QUORUM_WAL_DEFAULTS, QuorumWal } from '@strata/wal-quorum';
import protocolHttp from '@strata/protocol-http';

// The kernel's `strata` command: the nodes run as `strata wal-node`, which loads @strata/wal-quorum by name.
const STRATA_BIN = path.join(path.dirname(createRequire(import.meta.url).resolve('@strata/kernel')), 'cli', 'bin.js');

const REGION = '7100_0';
const schema: TableSchema = {
  columns: [
    { name: 'host', type: { name: 'String' }, semantic: 'tag', nullable: true },
    { name: 'ts', type: { name: 'TimestampMillisecond' }, semantic: 'timestamp', nullable: false },
    { name: 'batch', type: { name: 'Int64' }, semantic: 'field', nullable: true },
  ],
  timeIndex: 'ts', primaryKey: ['host'], options: {}, version: 1,
};
const ROWS = 100;

function batchOf(b: number): arrow.RecordBatch {
  const fields = toArrowSchema(schema).fields;
  const host = arrow.vectorFromArray(Array.from({ length: ROWS }, (_, i) => `h${i % 5}`), fields[0]!.type);
  const ts = new BigInt64Array(ROWS);
  for (let i = 0; i < ROWS; i++) ts[i] = BigInt(b * 1000 + Math.floor(i / 5));
  return new arrow.Table({
    host, ts: arrow.makeVector({ type: new arrow.TimestampMillisecond(), data: ts }), batch: arrow.makeVector(new BigInt64Array(ROWS).fill(BigInt(b))),
  }).batches[0]!;
}

/** A `strata wal-node` child process; resolves with its port once it listens. */
function startNode(dir: string, port: number): Promise<{ child: ChildProcess; port: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [STRATA_BIN, 'wal-node', '--port', String(port), '--dir', dir, '--log-level', 'warn'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '', err = '';
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`wal-node did not start: ${out} ${err}`)); }, 20_000);
    child.stderr!.on('data', (d: Buffer) => { err += d.toString(); });
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /wal-node listening on grpc:\/\/127\.0\.0\.1:(\d+)/.exec(out);
      if (m) { clearTimeout(timer); resolve({ child, port: Number(m[1]) }); }
    });
    child.on('exit', (code) => { clearTimeout(timer); reject(new Error(`wal-node exited with ${code}: ${err}`)); });
  });
}

function killNow(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) { resolve(); return; }
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });
}

describe('e2e wal-quorum: engine-lsm + store-fs on a 3-node quorum WAL (child processes)', function () {
  this.timeout(90_000);
  let dir: string;
  const children: ChildProcess[] = [];
  before(async () => { dir = await mkdtemp(path.join(os.tmpdir(), 'strata-e2e-walq-')); });
  after(async () => {
    await Promise.all(children.map(killNow));
    await rm(dir, { recursive: true, force: true });
  });

  it('keeps every acknowledged row through kill -9 of a node and a datanode restart', async () => {
    const nodes = await Promise.all([0, 1, 2].map((i) => startNode(path.join(dir, `node${i}`), 0)));
    children.push(...nodes.map((n) => n.child));
    const addresses = nodes.map((n) => `127.0.0.1:${n.port}`);
    const compose = () => StrataServer.fromDefinitions([
      { definition: storeFs, options: {} },
      { definition: walQuorum, options: { nodes: addresses, writeQuorum: 3, ackQuorum: 2, addTimeoutMs: '1s', appendTimeoutMs: '10s' } },
      { definition: engineLsm, options: { memtableBytesMax: '64KiB', compaction: { enabled: false } } },
    ], { dataHome: path.join(dir, 'datanode') }, { logLevel: 'silent', processMetrics: false });

    const acked: number[] = [];
    let server = await compose();
    await server.start();
    try {
      const engine = server.get(ENGINE);
      await engine.createRegion(REGION, schema);
      const write = async (from: number, to: number) => {
        // Several writes in flight at once: the WAL pipelines them.
        for (let b = from; b < to; b += 4) {
          await Promise.all([b, b + 1, b + 2, b + 3].filter((x) => x < to).map((x) => engine.write(REGION, batchOf(x)).then(() => { acked.push(x); })));
        }
      };
      await write(0, 60);
      await killNow(nodes[2]!.child);                       // kill -9 one WAL node mid-ingest
      await write(60, 120);
      const wal = server.get(WAL) as QuorumWal;
      expect(wal.healthyNodes()).to.not.include(2);
      expect(acked).to.have.length(120);
    } finally {
      await server.stop();
    }

    // A new datanode process-equivalent: a new writer fences the log on the two live nodes and replays it.
    server = await compose();
    await server.start();
    try {
      const engine = server.get(ENGINE);
      await engine.openRegion(REGION, schema);
      await engine.write(REGION, batchOf(120));
      acked.push(120);
      const perBatch = new Map<number, number>();
      for await (const b of engine.scan(REGION, {})) {
        const col = b.getChild('batch')!;
        for (let i = 0; i < b.numRows; i++) { const k = Number(col.get(i)); perBatch.set(k, (perBatch.get(k) ?? 0) + 1); }
      }
      for (const b of acked) expect(perBatch.get(b), `batch ${b}`).to.equal(ROWS);
      expect(perBatch.size).to.equal(acked.length);
    } finally {
      await server.stop();
    }
  });

  it('kill -9 of all three nodes mid-stream, restart on the same ports: every acknowledged entry is recovered, in order', async () => {
    const dirs = [0, 1, 2].map((i) => path.join(dir, `all${i}`));
    let nodes = await Promise.all(dirs.map((d) => startNode(d, 0)));
    children.push(...nodes.map((n) => n.child));
    const ports = nodes.map((n) => n.port);
    const opts = { ...QUORUM_WAL_DEFAULTS, nodes: ports.map((p) => `127.0.0.1:${p}`), appendTimeoutMs: 1500, addTimeoutMs: 500, rpcTimeoutMs: 2000, reconnectDelayMs: 50 };
    const w1 = new QuorumWal(opts);
    const acked = new Map<number, string>();
    const sent = new Set<string>();
    let n = 0;
    let killed = false;
    const loop = async (): Promise<void> => {
      while (!killed) {
        const text = `e${n++}`;
        sent.add(text);
        try { acked.set(await w1.append('region_9', new TextEncoder().encode(text)), text); } catch { return; }
      }
    };
    const loops = Array.from({ length: 8 }, () => loop());
    while (acked.size < 300) await new Promise((r) => setTimeout(r, 10));
    killed = true;
    await Promise.all(nodes.map((x) => killNow(x.child)));
    await Promise.all(loops);
    w1.crash();
    nodes = await Promise.all(dirs.map((d, i) => startNode(d, ports[i]!)));
    children.push(...nodes.map((x) => x.child));
    const w2 = new QuorumWal(opts);
    try {
      const log: Array<[number, string]> = [];
      for await (const e of w2.replay('region_9', 1)) log.push([e.sequence, new TextDecoder().decode(e.payload)]);
      expect(log.map((e) => e[0])).to.deep.equal(Array.from({ length: log.length }, (_, i) => i + 1));
      const byId = new Map(log);
      for (const [id, text] of acked) expect(byId.get(id), `acknowledged entry ${id}`).to.equal(text);
      // Anything beyond the acknowledged entries was in flight when the nodes died (outcome decided now, once).
      for (const [, text] of log) expect(sent.has(text)).to.equal(true);
      expect(log.length - acked.size).to.be.at.most(8);
      expect(await w2.append('region_9', new TextEncoder().encode('after'))).to.equal(log.length + 1);
    } finally {
      await w2.close();
    }
  });

  it('reports a node down and the region degraded under `wal` in HTTP /status when no spare can replace it', async () => {
    const nodes = await Promise.all([0, 1, 2].map((i) => startNode(path.join(dir, `status-node${i}`), 0)));
    children.push(...nodes.map((n) => n.child));
    const addresses = nodes.map((n) => `127.0.0.1:${n.port}`);
    const server = await StrataServer.fromDefinitions([
      { definition: storeFs, options: {} },
      { definition: walQuorum, options: { nodes: addresses, writeQuorum: 3, ackQuorum: 2, addTimeoutMs: '1s', appendTimeoutMs: '10s', nodeReplaceAfterMs: '200ms' } },
      { definition: engineLsm, options: { compaction: { enabled: false } } },
      { definition: protocolHttp as PluginDefinition, options: { host: '127.0.0.1', port: 0 } },
    ], { dataHome: path.join(dir, 'status-datanode') }, { logLevel: 'silent', processMetrics: false });
    await server.start();
    try {
      const url = server.addresses().find((a) => a.protocol === 'http')!.url;
      type WalStatus = { name: string; nodes: Array<{ address: string; healthy: boolean }>; regions: Array<{ region: string; degraded: boolean; ensemble: string[] }> };
      const walStatus = async () => ((await (await fetch(`${url}/status`)).json()) as { wal: WalStatus }).wal;
      const engine = server.get(ENGINE);
      await engine.createRegion(REGION, schema);
      await engine.write(REGION, batchOf(0));
      const healthy = await walStatus();
      expect(healthy.name).to.equal('wal-quorum');
      expect(healthy.nodes.map((n) => n.healthy)).to.deep.equal([true, true, true]);
      expect(healthy.regions.find((r) => r.region === REGION)?.degraded).to.equal(false);

      await killNow(nodes[2]!.child);
      // Writes go on with two of three; the dead member is reported once it has failed for nodeReplaceAfterMs.
      let seen: WalStatus | undefined;
      for (let b = 1; b < 60 && !seen; b++) {
        await engine.write(REGION, batchOf(b));
        const s = await walStatus();
        if (s.regions.find((r) => r.region === REGION)?.degraded) seen = s;
        else await new Promise((r) => setTimeout(r, 100));
      }
      expect(seen, 'region reported degraded within ~6 s').to.not.equal(undefined);
      expect(seen!.nodes.find((n) => n.address === addresses[2])!.healthy).to.equal(false);
      expect(seen!.nodes.filter((n) => n.healthy).map((n) => n.address)).to.have.members([addresses[0], addresses[1]]);
    } finally {
      await server.stop();
    }
  });
});
