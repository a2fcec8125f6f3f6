import { Worker } from 'node:worker_threads';
import { expect } from 'chai';
import * as arrow from 'apache-arrow';
import { ParquetEncoderPool } from '../src/parquet-encoder.js';
import { pw } from '../src/parquet.js';
import { ParquetFooter, initParquetRead } from '../src/parquet-read.js';
import { DEFAULT_DATA_PAGE_BYTES, encodeParquet } from '../src/sst.js';
import { batchOf, cpuSchema } from './support/fixtures.js';

function ipcOf(n: number): Uint8Array {
  const rows = [];
  for (let i = 0; i < n; i++) rows.push({ host: `h${i % 7}`, region: 'x', ts: i, usage: i / 3, cnt: BigInt(i) });
  return arrow.tableToIPC(new arrow.Table([batchOf(cpuSchema(), rows)]), 'stream');
}

describe('engine-lsm: SST encoding (parquet-wasm fed one row group at a time, encoder threads)', function () {
  this.timeout(20000);

  it('writes the rows the one-shot writer does, cut into row groups of rowGroupRows', async () => {
    const ipc = ipcOf(1050);
    const { bytes, layout } = await encodeParquet(ipc, cpuSchema(), 100);
    const whole = pw.writeParquet(pw.Table.fromIPCStream(ipc), new pw.WriterPropertiesBuilder().setMaxRowGroupSize(100).build());
    expect(layout.chunks).to.have.length(11);
    const back = arrow.tableFromIPC(pw.readParquet(bytes).intoIPCStream());
    expect(back.numRows).to.equal(1050);
    expect(back.getChild('usage')!.get(1049)).to.equal(1049 / 3);
    expect(back.getChild('host')!.get(1049)).to.equal('h6');
    // Same rows as the one-shot writer (whose properties differ, so compare rows, not bytes).
    const ref = arrow.tableFromIPC(pw.readParquet(whole).intoIPCStream());
    expect(back.toArray().map((r) => r.toJSON())).to.deep.equal(ref.toArray().map((r) => r.toJSON()));
  });

  it('cuts data pages at dataPageBytes: a float column of one row group in pages of about that many encoded bytes', async () => {
    await initParquetRead();
    const pagesOf = async (pageBytes: number, viaPool: boolean) => {
      const ipc = ipcOf(40_000); // the pool takes its buffer
      const pool = new ParquetEncoderPool(1, 1000);
      const { bytes } = viaPool ? await pool.encode(ipc, cpuSchema(), 65_536, pageBytes) : await encodeParquet(ipc, cpuSchema(), 65_536, pageBytes);
      const footer = ParquetFooter.parse(bytes, 0);
      const leaf = footer.leaves.findIndex((l) => l.name === 'usage');
      const back = arrow.tableFromIPC(pw.readParquet(bytes).intoIPCStream());
      expect(back.getChild('usage')!.get(39_999)).to.equal(39_999 / 3);
      return footer.pageLocations(0, leaf)!;
    };
    // 40,000 float64 values are 320,000 bytes: pages of 32 KiB are 4,096 rows (the limit is checked
    // every 1,024 rows; arrow-rs also cuts one at its 20,000-row cap). 1 MiB pages stop at that cap.
    const small = await pagesOf(32 * 1024, false);
    expect(small.length).to.be.within(9, 11);
    const rowsOf = (pages: ReadonlyArray<{ firstRow: number }>) => pages.map((p, i) => (pages[i + 1]?.firstRow ?? 40_000) - p.firstRow);
    for (const n of rowsOf(small)) expect(n).to.be.at.most(8192);
    expect(await pagesOf(32 * 1024, true), 'the encoder threads get the setting too').to.deep.equal(small);
    expect(rowsOf(await pagesOf(1024 * 1024, false))).to.deep.equal([20_000, 20_000]);
  });

  it('keeps parquet-wasm memory (which never shrinks) well below encoding the whole table at once', async () => {
    // Each encode runs in a fresh thread, so each starts from an empty wasm memory.
    const wasmMbAfter = (mode: 'streamed' | 'whole') => new Promise<number>((resolve, reject) => {
      const w = new Worker(`
        const { parentPort, workerData } = require('node:worker_threads');
        (async () => {
          const arrow = await import(workerData.arrow);
          const { pw } = await import(workerData.parquet);
          const { encodeParquet } = await import(workerData.sst);
          const n = 400000;
          const ts = new BigInt64Array(n), v = new Float64Array(n), w = new Float64Array(n), x = new Float64Array(n), pk = new Int32Array(n);
          for (let i = 0; i < n; i++) { ts[i] = BigInt(i) * 1000n; v[i] = Math.round(Math.sin(i) * 1000) / 10; w[i] = v[i] + 1; x[i] = i % 1000; pk[i] = i % 100; }
          const ipc = arrow.tableToIPC(new arrow.Table({ ts: arrow.makeVector(ts), a: arrow.makeVector(v), b: arrow.makeVector(w), c: arrow.makeVector(x), __primary_key: arrow.makeVector(pk) }), 'stream');
          const schema = { timeIndex: 'ts', primaryKey: [], columns: [], options: {} };
          if (workerData.mode === 'streamed') await encodeParquet(ipc, schema, 65536);
          else pw.writeParquet(pw.Table.fromIPCStream(ipc), new pw.WriterPropertiesBuilder().setMaxRowGroupSize(65536).build());
          parentPort.postMessage(pw.wasmMemory().buffer.byteLength / 1048576);
        })().catch((e) => parentPort.postMessage(String(e.stack)));
      `, { eval: true, workerData: { mode, arrow: import.meta.resolve('apache-arrow'), parquet: new URL('../src/parquet.js', import.meta.url).href, sst: new URL('../src/sst.js', import.meta.url).href } });
      w.once('message', (m: number | string) => { void w.terminate(); if (typeof m === 'number') resolve(m); else reject(new Error(m)); });
      w.once('error', reject);
    });
    const streamed = await wasmMbAfter('streamed');
    const whole = await wasmMbAfter('whole');
    expect(streamed).to.be.lessThan(whole * 0.7);
  });

  it('encodes an empty table', async () => {
    const { bytes, layout } = await encodeParquet(ipcOf(0), cpuSchema(), 100);
    expect(layout.chunks).to.have.length(0);
    expect(arrow.tableFromIPC(pw.readParquet(bytes).intoIPCStream()).numRows).to.equal(0);
  });

  it('retires a worker idle for idleMs and starts a new one for the next encode', async () => {
    const pool = new ParquetEncoderPool(1, 100);
    const first = await pool.encode(ipcOf(300), cpuSchema(), 100, DEFAULT_DATA_PAGE_BYTES);
    expect(first.layout.chunks).to.have.length(3);
    expect(pool.workers).to.equal(1);
    await new Promise((r) => setTimeout(r, 400));
    expect(pool.workers).to.equal(0);
    const again = await pool.encode(ipcOf(300), cpuSchema(), 100, DEFAULT_DATA_PAGE_BYTES);
    expect(Buffer.from(again.bytes).equals(Buffer.from(first.bytes))).to.equal(true);
    expect(pool.workers).to.equal(1);
    // Work arriving before the timer fires keeps the worker.
    await new Promise((r) => setTimeout(r, 50));
    await pool.encode(ipcOf(10), cpuSchema(), 100, DEFAULT_DATA_PAGE_BYTES);
    await new Promise((r) => setTimeout(r, 60));
    expect(pool.workers).to.equal(1);
    await new Promise((r) => setTimeout(r, 300));
    expect(pool.workers).to.equal(0);
  });
});
