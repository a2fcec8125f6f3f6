import { expect } from 'chai';
import { seededRandom } from '@strata/kernel';
import type { QuorumWal } from '../src/index.js';
import { collect, payloadOf, startCluster, textOf, type Cluster } from './harness.js';

interface Scenario { name: string; nodes: number; spares: number; seeds: number[]; replaceAfterMs?: number }

const SCENARIOS: Scenario[] = [
  { name: '3 nodes', nodes: 3, spares: 0, seeds: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10] },
  // Nodes stay down across steps and are replaced by the spare (ensemble changes), while writers crash and nodes hang.
  { name: '3 nodes + 1 spare, ensemble changes', nodes: 4, spares: 1, seeds: [11, 12, 13, 14, 15, 16, 17, 18, 19, 20], replaceAfterMs: 150 },
];

// WALQ_SEEDS=N runs N more seeds per scenario (long soak runs by hand).
const extra = Number(process.env.WALQ_SEEDS ?? 0);
if (extra > 0) for (const [i, sc] of SCENARIOS.entries()) sc.seeds.push(...Array.from({ length: extra }, (_, k) => 1000 * (i + 1) + k));

for (const sc of SCENARIOS) describe(`wal-quorum: randomized faults (seeded, ${sc.name})`, function () {
  this.timeout(60_000);
  let changes = 0;
  after(() => { if (sc.spares > 0) expect(changes, 'ensemble changes over all seeds').to.be.greaterThan(0); });

  for (const seed of sc.seeds) {
    it(`seed ${seed}: every acknowledged entry is replayed once, in order, after slow/silent/restarted nodes${sc.spares ? ', replaced nodes' : ''} and writer crashes`, async () => {
      const rand = seededRandom(seed);
      const pick = (n: number) => Math.floor(rand() * n);
      let c: Cluster | undefined;
      try {
        c = await startCluster(sc.nodes, sc.spares);
        const cl = c;
        const opts = { appendTimeoutMs: 700, addTimeoutMs: 300, rpcTimeoutMs: 500, ...(sc.replaceAfterMs ? { nodeReplaceAfterMs: sc.replaceAfterMs } : {}) };
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
        for (let step = 0; step < (sc.spares ? 14 : 10); step++) {
          const action = pick(sc.spares ? 7 : 6);
          const n = pick(sc.nodes);
          const node = cl.nodes[n]!;
          if (action === 0 && node.node) node.node.faults.addDelayMs = pick(2) * 150;
          else if (action === 1 && node.node) node.node.faults.blackhole = !node.node.faults.blackhole;
          else if (action === 2) { if (node.node) await node.stop(); else await node.start(); }
          else if (action === 3) { changes += w.stats.ensembleChanges; w.crash(); w = cl.writer(opts); }
          else if (action === 6) await new Promise((r) => setTimeout(r, 200 + pick(300))); // time for a replacement
          await burst();
        }
        changes += w.stats.ensembleChanges;
        // Heal everything, then two fresh writers must both see exactly the same log.
        for (const x of cl.nodes) { if (!x.node) await x.start(); x.node!.faults = {}; }
        w.crash();
        // The checking writers get generous deadlines: a loaded machine must not fail the check itself.
        const check = { ...opts, rpcTimeoutMs: 5000, appendTimeoutMs: 10_000 };
        const r1 = await collect(cl.writer(check).replay('r', 1));
        const r2 = await collect(cl.writer(check).replay('r', 1));
        expect(r1.map((e) => e.sequence)).to.deep.equal(Array.from({ length: r1.length }, (_, i) => i + 1));
        expect(r2.map((e) => textOf(e.payload))).to.deep.equal(r1.map((e) => textOf(e.payload)));
        const byId = new Map(r1.map((e) => [e.sequence, textOf(e.payload)]));
        for (const [id, text] of acked) expect(byId.get(id), `acknowledged entry ${id}`).to.equal(text);
        expect(new Set(r1.map((e) => textOf(e.payload))).size).to.equal(r1.length);
        expect(acked.size).to.be.greaterThan(0);
        if (process.env.WALQ_DEBUG) console.log(`seed ${seed}: acked ${acked.size}, log ${r1.length}, appended ${unique}, ensemble changes so far ${changes}`);
      } finally {
        await c?.close();
      }
    });
  }
});
