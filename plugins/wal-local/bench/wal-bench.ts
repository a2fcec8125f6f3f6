// wal-local micro-benchmark: CRC-32C throughput and append throughput per
// sync mode and concurrency. Run after a build:
//   node plugins/wal-local/dist/bench/wal-bench.js [seconds-per-case]
// Prints one JSON line per case. Writes under os.tmpdir() and removes it.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import type { WalSyncMode } from '@strata/kernel';
import { crc32c } from '../src/crc32c.js';
import { LocalWal } from '../src/local-wal.js';

const seconds = Number(process.argv[2] ?? 2);

function benchCrc(): void {
  const buf = randomBytes(1 << 20);
  for (const [name, fn] of [['crc32c (JS, slicing-by-8)', (b: Buffer) => crc32c(b)], ['zlib.crc32 (native, CRC-32)', (b: Buffer) => zlib.crc32(b)]] as const) {
    let n = 0;
    const t0 = performance.now();
    while (performance.now() - t0 < seconds * 500) { fn(buf); n++; }
    const ms = performance.now() - t0;
    console.log(JSON.stringify({ case: name, mibPerSecond: Math.round((n / ms) * 1000) }));
  }
}

async function benchAppend(syncMode: WalSyncMode, writers: number, payloadBytes: number): Promise<void> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'strata-wal-bench-'));
  try {
    const wal = await LocalWal.open({ dir, syncMode, syncIntervalMs: 100 });
    const payload = randomBytes(payloadBytes);
    const latencies: number[] = [];
    let stop = false;
    const t0 = performance.now();
    const writer = async (w: number): Promise<void> => {
      const region = `${w % 8}_0`;
      while (!stop) {
        const s = performance.now();
        await wal.append(region, payload);
        latencies.push(performance.now() - s);
      }
    };
    const timer = setTimeout(() => { stop = true; }, seconds * 1000);
    await Promise.all(Array.from({ length: writers }, (_, w) => writer(w)));
    clearTimeout(timer);
    const ms = performance.now() - t0;
    const st = { ...wal.stats };
    await wal.close();
    latencies.sort((a, b) => a - b);
    const pct = (p: number) => Number((latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * p))] ?? 0).toFixed(3));
    console.log(JSON.stringify({
      case: 'append', syncMode, writers, payloadBytes,
      appendsPerSecond: Math.round((st.appends / ms) * 1000),
      mibPerSecond: Number(((st.bytesWritten / ms) * 1000 / 2 ** 20).toFixed(1)),
      fsyncs: st.fsyncs, entriesPerBatch: Number((st.appends / Math.max(1, st.batches)).toFixed(1)),
      p50Ms: pct(0.5), p99Ms: pct(0.99),
    }));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

benchCrc();
for (const writers of [1, 64, 512]) await benchAppend('always', writers, 1024);
await benchAppend('interval', 64, 1024);
await benchAppend('none', 64, 1024);
await benchAppend('always', 64, 64 * 1024);
