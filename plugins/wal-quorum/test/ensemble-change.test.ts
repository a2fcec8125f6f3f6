import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { StrataServer, WAL } from '@strata/kernel';
import walQuorum, { QUORUM_WAL_DEFAULTS, QuorumWal, type QuorumWalOptions } from '../src/index.js';
import { collect, killNow, payloadOf, spawnNode, startCluster, textOf, waitFor, type Cluster, type NodeProcess } from './harness.js';

const FAST = { addTimeoutMs: 500, appendTimeoutMs: 5000, rpcTimeoutMs: 1500, reconnectDelayMs: 50, nodeReplaceAfterMs: 600 };

describe('wal-quorum: ensemble change with spawned wal-node processes (kill -9)', function () {
  this.timeout(90_000);
  let dir: string;
  const procs: NodeProcess[] = [];
  const wals: QuorumWal[] = [];
  before(async () => { dir = await mkdtemp(path.join(os.tmpdir(), 'strata-walq-ens-')); });
  after(async () => {
    for (const w of wals) w.crash();
    await Promise.all(procs.map((p) => killNow(p.child)));
    await rm(dir, { recursive: true, force: true });
  });

  it('3 nodes + 1 spare: a killed node is replaced, writes go on; a second kill leaves spare + one original; a new writer recovers exactly the acknowledged entries', async () => {
    const started = await Promise.all([0, 1, 2, 3].map((i) => spawnNode(path.join(dir, `n${i}`))));
    procs.push(...started);
    const [a, b, c, d] = started.map((p) => `127.0.0.1:${p.port}`) as [string, string, string, string];
    const opts: QuorumWalOptions = { ...QUORUM_WAL_DEFAULTS, ...FAST, nodes: [a, b, c], spares: [d] };
    const writer = () => { const w = new QuorumWal(opts); wals.push(w); return w; };
    const w = writer();
    const acked = new Map<number, string>();
    let n = 0;
    const write = async (count: number, inFlight = 16) => {
      for (let i = 0; i < count; i += inFlight) {
        await Promise.all(Array.from({ length: Math.min(inFlight, count - i) }, () => {
          const text = `e${n++}`;
          return w.append('r', payloadOf(text)).then((id) => { expect(acked.has(id)).to.equal(false); acked.set(id, text); });
        }));
      }
    };
    await write(200);
    expect(w.status().regions[0]!.ensemble).to.deep.equal([a, b, c]);

    // Node A dies for good; writes go on at once on B and C, and A is replaced by the spare.
    await killNow(started[0]!.child);
    const t0 = Date.now();
    await write(50);
    expect(Date.now() - t0, 'writes did not stall while A was being replaced').to.be.lessThan(4000);
    await waitFor(() => w.stats.ensembleChanges === 1, 10_000, 'the ensemble change');
    await write(300);
    const st = w.status().regions[0]!;
    expect(st.ensemble).to.deep.equal([d, b, c]);
    expect(st.fragments.map((f) => f.ensemble)).to.deep.equal([[a, b, c], [a, b, c], [d, b, c]]);
    const boundary = st.fragments[2]!.first;
    expect(boundary).to.be.greaterThan(200).and.at.most(251);
    expect(st.degraded).to.equal(false);
    // The replacement copies the old fragment's entries from B and C (re-replication), and everyone catches up.
    await waitFor(() => w.status().nodes.every((x) => x.missedRanges === 0) && w.backlogs()[1] === 0 && w.backlogs()[2] === 0 && w.backlogs()[3] === 0, 15_000, 're-replication to the spare');
    expect(w.stats.catchUpEntries).to.be.at.least(boundary - 1);

    // Now B dies too: C (original) and D (spare) are AQ of the ensemble [D, B, C]; no spare left: degraded.
    await killNow(started[1]!.child);
    await write(100);
    await waitFor(() => w.status().regions[0]!.degraded, 5000, 'the degraded report');
    expect(w.stats.ensembleChanges).to.equal(1);
    w.crash();

    // A new writer (same config) finds the current ensemble from C and D alone and recovers exactly what was acknowledged.
    const w2 = writer();
    const log = await collect(w2.replay('r', 1));
    expect(log.map((e) => e.sequence)).to.deep.equal(Array.from({ length: acked.size }, (_, i) => i + 1));
    for (const e of log) expect(textOf(e.payload), `entry ${e.sequence}`).to.equal(acked.get(e.sequence));
    // It keeps writing on the surviving pair, after exactly the acknowledged entries.
    expect(await w2.append('r', payloadOf('after'))).to.equal(acked.size + 1);
    const st2 = w2.status().regions[0]!;
    expect(st2.ensemble).to.deep.equal([d, b, c]);
    // The old fragment (ids below the boundary) is now served by C and the spare.
    const w3 = writer();
    w2.crash();
    const again = await collect(w3.replay('r', 1));
    expect(again.map((e) => textOf(e.payload))).to.deep.equal([...log.map((e) => textOf(e.payload)), 'after']);
  });
});

describe('wal-quorum: ensemble change and catch-up (in-process nodes)', function () {
  this.timeout(60_000);
  let c: Cluster;
  afterEach(async () => { await c.close(); });

  it('no spare: writes continue on the surviving quorum and the region is reported degraded (status, metric)', async () => {
    c = await startCluster(3);
    const server = await StrataServer.fromDefinitions([{ definition: walQuorum, options: { nodes: c.nodes.map((n) => n.address), nodeReplaceAfterMs: '300ms', addTimeoutMs: '300ms' } }],
      { dataHome: c.root }, { logLevel: 'silent', processMetrics: false });
    await server.start();
    try {
      const wal = server.get(WAL) as QuorumWal;
      for (let i = 0; i < 10; i++) await wal.append('r', payloadOf(`a${i}`));
      await c.nodes[1]!.stop();
      for (let i = 0; i < 10; i++) await wal.append('r', payloadOf(`b${i}`));
      await waitFor(() => wal.status().regions[0]!.degraded, 5000, 'degraded');
      expect(await server.metrics.text()).to.match(/strata_wal_quorum_regions_degraded 1\b/);
      await c.nodes[1]!.start();
      await waitFor(() => !wal.status().regions[0]!.degraded, 5000, 'healed');
      await waitFor(() => c.nodes[1]!.node!.regionStats('r').entries === 20, 5000, 'node 1 to catch up');
    } finally {
      await server.stop();
    }
  });

  it('a node away during a large backlog catches up from its peers in bounded chunks while live writes go on', async () => {
    c = await startCluster(3);
    const CHUNK = 256 << 10;
    const w = c.writer({ nodeBacklogBytesMax: 1 << 20, catchUpChunkBytes: CHUNK, appendTimeoutMs: 20_000, addTimeoutMs: 2000 });
    const payload = new Uint8Array(64 << 10).fill(7);
    await w.append('big', payloadOf('first'));
    await c.nodes[2]!.stop();
    // 24 MiB while node 2 is away: its queue holds at most 1 MiB, the rest is shed as id ranges.
    const total = 384;
    for (let i = 0; i < total; i += 32) await Promise.all(Array.from({ length: 32 }, () => w.append('big', payload)));
    expect(w.status().nodes[2]!.missedRanges).to.be.greaterThan(0);
    await c.nodes[2]!.start();
    // Live writes during the catch-up are not held behind it.
    let live = 0;
    const liveLoop = (async () => { for (let i = 0; i < 40; i++) { await w.append('big', payloadOf(`live${i}`)); live++; } })();
    await waitFor(() => c.nodes[2]!.node!.regionStats('big').entries === total + 41 && w.status().nodes[2]!.missedRanges === 0, 30_000, 'node 2 to catch up');
    await liveLoop;
    expect(live).to.equal(40);
    // Chunked: many chunks, none above the chunk size plus one payload.
    const copied = w.stats.catchUpBytes;
    expect(copied).to.be.greaterThan(20 << 20);
    expect(w.stats.catchUpChunks).to.be.at.least(Math.floor(copied / (CHUNK + payload.length)));
    expect(w.stats.catchUpChunkBytesMax).to.be.at.most(CHUNK + payload.length);
    // Node 2's copies are real: with node 0 gone, nodes 1 and 2 recover the whole log.
    await c.nodes[1]!.stop();
    await c.nodes[1]!.start();
    await c.nodes[0]!.stop();
    const w2 = c.writer();
    const got = await collect(w2.replay('big', 1));
    expect(got).to.have.length(total + 41);
    expect(textOf(got[total + 40]!.payload)).to.equal('live39');
  });

  it('a node that was down before the writer started catches up too (gaps found at open, copied from peers)', async () => {
    c = await startCluster(3);
    const w1 = c.writer();
    await w1.append('g', payloadOf('first'));
    await c.nodes[2]!.stop();
    for (let i = 0; i < 120; i++) await w1.append('g', payloadOf(`while-away-${i}`));
    w1.crash();                                   // its memory of what node 2 missed is gone
    await c.nodes[2]!.start();
    expect(c.nodes[2]!.node!.regionStats('g').entries).to.equal(1);
    const w2 = c.writer({ catchUpChunkBytes: 512 });
    expect(await w2.lastSequence('g')).to.equal(121);
    await waitFor(() => c.nodes[2]!.node!.regionStats('g').entries === 121, 10_000, 'node 2 to catch up after the writer restart');
    // Not all 120: the open itself re-sends the tail past the piggybacked LAC to every write set.
    expect(w2.stats.catchUpEntries).to.be.within(100, 120);
    expect(w2.stats.catchUpChunks).to.be.at.least(Math.floor(w2.stats.catchUpBytes / 512)); // 512-byte chunks
    // Node 2's copies are valid: with node 1 gone, nodes 0 and 2 recover the log; then with node 0 gone, nodes 1 and 2.
    await c.nodes[0]!.stop();
    await c.nodes[0]!.start();
    await c.nodes[1]!.stop();
    w2.crash();
    expect((await collect(c.writer().replay('g', 1))).map((e) => textOf(e.payload)).at(-1)).to.equal('while-away-119');
  });

  it('in-process ensemble change: pending appends move to the new write sets; acks are in order; old fragment stays readable', async () => {
    c = await startCluster(4, 1);
    const w = c.writer({ ...FAST });
    const ids = await Promise.all(Array.from({ length: 100 }, (_, i) => w.append('r', payloadOf(`x${i}`))));
    expect(ids).to.deep.equal(Array.from({ length: 100 }, (_, i) => i + 1));
    await c.nodes[0]!.stop();
    const order: number[] = [];
    const more = Array.from({ length: 300 }, (_, i) => w.append('r', payloadOf(`y${i}`)).then((id) => { order.push(id); return id; }));
    await Promise.all(more);
    await waitFor(() => w.stats.ensembleChanges === 1, 5000, 'the ensemble change');
    expect(order).to.deep.equal(Array.from({ length: 300 }, (_, i) => 101 + i));
    for (let i = 0; i < 50; i++) await w.append('r', payloadOf(`z${i}`));
    await waitFor(() => c.nodes[3]!.node!.regionStats('r').entries === 450, 10_000, 'the spare to hold every entry (new fragment + re-replicated old one)');
    // The first node never comes back; the old fragment is served by the others.
    const got = await collect(c.writer().replay('r', 1));
    expect(got.map((e) => e.sequence)).to.deep.equal(Array.from({ length: 450 }, (_, i) => i + 1));
  });
});
