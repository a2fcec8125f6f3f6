// Catch-up of a WAL node that was down while more than nodeBacklogBytesMax
// (256 MiB by default) was written: 3 `strata-wal-node` child processes on
// 127.0.0.1 (W3/A2, fsync always); node 3 is killed (-9), MiB of entries are
// written, node 3 restarts on its port and data. Reports the writer's peak
// RSS while the node is away and while it catches up (the backlog must not
// be held in memory), catch-up time and throughput, chunk count and size,
// and live appends/s during the catch-up. Then node 1 is killed and a fresh
// writer replays the whole log from nodes 2 and 3.
// Run after a build:  node plugins/wal-quorum/dist/bench/wal-quorum-catch-up.js [MiB=320] [payloadKiB=256] [chunkMiB=4] [backlogMiB=256]
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { QUORUM_WAL_DEFAULTS, QuorumWal } from '../src/index.js';
import { killNow, spawnNode } from '../test/harness.js';

const totalMiB = Number(process.argv[2] ?? 320);
const payloadKiB = Number(process.argv[3] ?? 256);
const chunkMiB = Number(process.argv[4] ?? 4);
const backlogMiB = Number(process.argv[5] ?? 256);

const mib = (n: number) => Math.round((n / (1 << 20)) * 10) / 10;

async function main(): Promise<void> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'strata-walq-catchup-'));
  const children: ChildProcess[] = [];
  let peakRss = 0;
  const sampler = setInterval(() => { peakRss = Math.max(peakRss, process.memoryUsage().rss); }, 50);
  try {
    const nodes = await Promise.all([0, 1, 2].map((i) => spawnNode(path.join(dir, `node${i}`))));
    children.push(...nodes.map((n) => n.child));
    const addrs = nodes.map((n) => `127.0.0.1:${n.port}`);
    const opts = { ...QUORUM_WAL_DEFAULTS, nodes: addrs, catchUpChunkBytes: chunkMiB << 20, nodeBacklogBytesMax: backlogMiB << 20, appendTimeoutMs: 60_000 };
    const wal = new QuorumWal(opts);
    const region = 'catchup_0';
    const payloadOf = (i: number) => { const b = Buffer.alloc(payloadKiB << 10, i & 0xff); b.writeUInt32LE(i, 0); return b; };
    await wal.append(region, payloadOf(0));
    const rssBefore = process.memoryUsage().rss;
    await killNow(nodes[2]!.child);
    const count = Math.ceil((totalMiB << 10) / payloadKiB);
    peakRss = 0;
    const t0 = performance.now();
    for (let i = 1; i <= count; i += 16) await Promise.all(Array.from({ length: Math.min(16, count - i + 1) }, (_, k) => wal.append(region, payloadOf(i + k))));
    const writeMs = performance.now() - t0;
    const rssAway = peakRss;

    peakRss = 0;
    const restarted = await spawnNode(path.join(dir, 'node2'), nodes[2]!.port);
    children.push(restarted.child);
    const t1 = performance.now();
    let live = 0;
    let catching = true;
    const liveLoop = (async () => { while (catching) { await wal.append(region, Buffer.alloc(256)); live++; } })();
    while (wal.status().nodes[2]!.missedRanges > 0 || wal.backlogs()[2]! > 0) await new Promise((r) => setTimeout(r, 50));
    const catchMs = performance.now() - t1;
    catching = false;
    await liveLoop;
    const rssCatch = peakRss;

    // Node 1 goes; a fresh writer replays everything from nodes 2 and 3 (node 3 = the one that caught up).
    await killNow(nodes[0]!.child);
    await wal.close();
    const reader = new QuorumWal(opts);
    let n = 0;
    const hash = createHash('sha256');
    for await (const e of reader.replay(region, 1)) { n++; hash.update(e.payload); }
    await reader.close();
    console.log(JSON.stringify({
      writtenMiB: totalMiB, payloadKiB, nodeBacklogMiB: backlogMiB, entries: count, writeSeconds: Math.round(writeMs) / 1000,
      writerRssMiB: { before: mib(rssBefore), peakWhileNodeAway: mib(rssAway), peakDuringCatchUp: mib(rssCatch) },
      catchUp: { seconds: Math.round(catchMs) / 1000, MiBps: Math.round(mib(wal.stats.catchUpBytes) / (catchMs / 1000)), copiedMiB: mib(wal.stats.catchUpBytes), chunks: wal.stats.catchUpChunks, chunkMiBMax: mib(wal.stats.catchUpChunkBytesMax), liveAppendsDuring: live, liveAppendsPerSecond: Math.round(live / (catchMs / 1000)) },
      replayedEntries: n,
    }));
  } finally {
    clearInterval(sampler);
    for (const c of children) c.kill('SIGKILL');
    await new Promise((r) => setTimeout(r, 300));
    await rm(dir, { recursive: true, force: true });
  }
}

void main();
