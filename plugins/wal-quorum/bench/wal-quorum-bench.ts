// wal-quorum vs wal-local: appends/s and append latency (p50/p99), with 3 WAL
// nodes as child processes on 127.0.0.1 (`strata-wal-node`), write quorum 3,
// ack quorum 2, fsync on every node. "batch 1": one append at a time;
// "batch 1000": 1000 appends issued together, then awaited (pipelined). Last case: a
// spare is added and one node killed (-9) under batch-1000 load (ensemble change).
// Run after a build:  node plugins/wal-quorum/dist/bench/wal-quorum-bench.js [seconds-per-case] [payloadBytes]
// Prints one JSON line per case. Writes under os.tmpdir() and removes it.
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Wal } from '@strata/kernel';
import { LocalWal } from '@strata/wal-local';
import { QUORUM_WAL_DEFAULTS, QuorumWal } from '../src/index.js';
import { spawnNode } from '../test/harness.js';

const seconds = Number(process.argv[2] ?? 3);
const payloadBytes = Number(process.argv[3] ?? 256);

async function run(name: string, wal: Wal, batch: number, during?: () => Promise<void>): Promise<void> {
  const payload = randomBytes(payloadBytes);
  const region = 'bench_0';
  await wal.append(region, payload); // open (fence + recovery for the quorum WAL)
  const latencies: number[] = [];
  let n = 0;
  const t0 = performance.now();
  const side = during?.();
  while (performance.now() - t0 < seconds * 1000) {
    const ps: Promise<void>[] = [];
    for (let i = 0; i < batch; i++) {
      const s = performance.now();
      ps.push(wal.append(region, payload).then(() => { latencies.push(performance.now() - s); }));
    }
    await Promise.all(ps);
    n += batch;
  }
  const ms = performance.now() - t0;
  await side;
  latencies.sort((a, b) => a - b);
  const pct = (p: number) => Number((latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * p))] ?? 0).toFixed(2));
  const extra = wal instanceof QuorumWal ? { ensembleChanges: wal.stats.ensembleChanges, maxMs: Number((latencies.at(-1) ?? 0).toFixed(1)) } : {};
  console.log(JSON.stringify({ case: name, batch, payloadBytes, appends: n, appendsPerSecond: Math.round((n / ms) * 1000), p50Ms: pct(0.5), p99Ms: pct(0.99), ...extra }));
}

async function main(): Promise<void> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'strata-walq-bench-'));
  const children: ChildProcess[] = [];
  try {
    for (const batch of [1, 1000]) {
      const local = await LocalWal.open({ dir: path.join(dir, `local-${batch}`), syncMode: 'always' });
      await run('wal-local (fsync always)', local, batch);
      await local.close();
    }
    const nodes = await Promise.all([0, 1, 2].map((i) => spawnNode(path.join(dir, `node${i}`))));
    children.push(...nodes.map((x) => x.child));
    for (const batch of [1, 1000]) {
      const wal = new QuorumWal({ ...QUORUM_WAL_DEFAULTS, nodes: nodes.map((x) => `127.0.0.1:${x.port}`) });
      await run('wal-quorum 3 nodes (W3/A2, fsync always)', wal, batch);
      await wal.dropRegion('bench_0');
      await wal.close();
    }
    // Failure under load: a spare joins; one node is killed (-9) a second in and replaced after nodeReplaceAfterMs.
    const spare = await spawnNode(path.join(dir, 'node3'));
    children.push(spare.child);
    const wal = new QuorumWal({ ...QUORUM_WAL_DEFAULTS, nodes: nodes.map((x) => `127.0.0.1:${x.port}`), spares: [`127.0.0.1:${spare.port}`], nodeReplaceAfterMs: 1000, addTimeoutMs: 1000 });
    const kill = async () => { await new Promise((r) => setTimeout(r, 1000)); nodes[0]!.child.kill('SIGKILL'); };
    await run('wal-quorum 3 nodes + spare, node 1 killed at 1 s, replaced after 1 s', wal, 1000, kill);
    await wal.close();
  } finally {
    for (const c of children) c.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 300));
    await rm(dir, { recursive: true, force: true });
  }
}

void main();
