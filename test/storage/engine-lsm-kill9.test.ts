import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { ENGINE, StrataServer } from '@strata/kernel';
import engineLsm from '@strata/engine-lsm';
import storeFs from '@strata/store-fs';
import walLocal from '@strata/wal-local';
import { CHILD_REGION, childSchema, ROWS_PER_BATCH } from './support/ingest-child.js';

const CHILD = path.join(path.dirname(fileURLToPath(import.meta.url)), 'support', 'ingest-child.js');

describe('e2e storage: kill -9 during ingest (engine-lsm + wal-local + store-fs)', function () {
  this.timeout(60_000);
  let dir: string;
  before(async () => { dir = await mkdtemp(path.join(os.tmpdir(), 'strata-e2e-kill9-')); });
  after(async () => { await rm(dir, { recursive: true, force: true }); });

  it('every acknowledged row is there exactly once after a restart', async () => {
    const home = path.join(dir, 'home');
    const acked = new Set<number>();
    await new Promise<void>((resolve, reject) => {
      const child = spawn(process.execPath, [CHILD, home], { stdio: ['ignore', 'pipe', 'pipe'] });
      let buf = '';
      let stderr = '';
      const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`child made no progress: ${stderr}`)); }, 30_000);
      child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
      child.stdout.on('data', (d: Buffer) => {
        buf += d.toString();
        let i: number;
        while ((i = buf.indexOf('\n')) >= 0) {
          const line = buf.slice(0, i);
          buf = buf.slice(i + 1);
          const m = /^ack (\d+)$/.exec(line);
          if (m) acked.add(Number(m[1]));
        }
        // Enough acknowledged batches for several flushes and a compaction: kill it mid-write.
        if (acked.size >= 150 && !child.killed) child.kill('SIGKILL');
      });
      child.on('exit', () => { clearTimeout(timer); resolve(); });
      child.on('error', reject);
    });
    expect(acked.size).to.be.greaterThanOrEqual(150);

    const server = await StrataServer.fromDefinitions([
      { definition: storeFs, options: {} },
      { definition: walLocal, options: {} },
      { definition: engineLsm, options: { compaction: { enabled: false } } },
    ], { dataHome: home }, { logLevel: 'silent', processMetrics: false });
    await server.start();
    try {
      const engine = server.get(ENGINE);
      await engine.openRegion(CHILD_REGION, childSchema);
      const perBatch = new Map<number, number>();
      const seen = new Set<string>();
      let dups = 0;
      for await (const b of engine.scan(CHILD_REGION, {})) {
        const host = b.getChild('host')!, ts = b.getChild('ts')!, batch = b.getChild('batch')!;
        for (let i = 0; i < b.numRows; i++) {
          const key = `${host.get(i)}|${Number(ts.get(i))}`;
          if (seen.has(key)) dups++;
          seen.add(key);
          const k = Number(batch.get(i));
          perBatch.set(k, (perBatch.get(k) ?? 0) + 1);
        }
      }
      expect(dups).to.equal(0);
      for (const b of acked) expect(perBatch.get(b), `batch ${b}`).to.equal(ROWS_PER_BATCH);
      // Unacknowledged batches may or may not have landed, but never partially.
      for (const [b, n] of perBatch) expect(n, `batch ${b}`).to.equal(ROWS_PER_BATCH);
      expect(engine.stats(CHILD_REGION).sstFiles).to.be.greaterThan(0);
    } finally {
      await server.stop();
    }
  });
});
