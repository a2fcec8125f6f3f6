import { expect } from 'chai';
import type { QuorumWal } from '../src/index.js';
import { collect, payloadOf, startCluster, textOf, type Cluster } from './harness.js';

/** Small seeded PRNG (mulberry32): a failing seed replays the same schedule. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('wal-quorum: randomized faults (seeded)', function () {
  this.timeout(60_000);
  const SEEDS = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];

  for (const seed of SEEDS) {
    it(`seed ${seed}: every acknowledged entry is replayed once, in order, after slow/silent/restarted nodes and writer crashes`, async () => {
      const rand = rng(seed);
      const pick = (n: number) => Math.floor(rand() * n);
      let c: Cluster | undefined;
      try {
        c = await startCluster(3);
        const cl = c;
        const opts = { appendTimeoutMs: 700, addTimeoutMs: 300, rpcTimeoutMs: 500 };
        let w: QuorumWal = cl.writer(opts);
        const acked = new Map<number, string>();
        let unique = 0;
        const burst = async () => {
          const n = 1 + pick(25);
          await Promise.all(Array.from({ length: n }, () => {
            const text = `s${seed}-${unique++}`;
            return w.append('r', payloadOf(text)).then((id) => {
              // Ids are never reused: a second acknowledgement of one id would be a lost entry.
              expect(acked.has(id), `id ${id} acknowledged twice`).to.equal(false);
              acked.set(id, text);
            }, () => undefined);
          }));
        };
        for (let step = 0; step < 10; step++) {
          const action = pick(6);
          const n = pick(3);
          const node = cl.nodes[n]!;
          if (action === 0 && node.node) node.node.faults.addDelayMs = pick(2) * 150;
          else if (action === 1 && node.node) node.node.faults.blackhole = !node.node.faults.blackhole;
          else if (action === 2) { if (node.node) await node.stop(); else await node.start(); }
          else if (action === 3) { w.crash(); w = cl.writer(opts); }
          await burst();
        }
        // Heal everything, then two fresh writers must both see exactly the same log.
        for (const x of cl.nodes) { if (!x.node) await x.start(); x.node!.faults = {}; }
        w.crash();
        const r1 = await collect(cl.writer(opts).replay('r', 1));
        const r2 = await collect(cl.writer(opts).replay('r', 1));
        expect(r1.map((e) => e.sequence)).to.deep.equal(Array.from({ length: r1.length }, (_, i) => i + 1));
        expect(r2.map((e) => textOf(e.payload))).to.deep.equal(r1.map((e) => textOf(e.payload)));
        const byId = new Map(r1.map((e) => [e.sequence, textOf(e.payload)]));
        for (const [id, text] of acked) expect(byId.get(id), `acknowledged entry ${id}`).to.equal(text);
        expect(new Set(r1.map((e) => textOf(e.payload))).size).to.equal(r1.length);
        expect(acked.size).to.be.greaterThan(0);
        if (process.env.WALQ_DEBUG) console.log(`seed ${seed}: acked ${acked.size}, log ${r1.length}, appended ${unique}`);
      } finally {
        await c?.close();
      }
    });
  }
});
