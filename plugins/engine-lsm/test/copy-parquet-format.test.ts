import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import * as arrow from 'apache-arrow';
import { parquetCopyFormat } from '../src/copy-parquet-format.js';

// COPY's Parquet writer (engine-lsm's COPY_FORMAT): a failure of the rows mid-stream must fail the
// write (parquet-wasm ends its output quietly when its input errors), and a write that stops early
// must close its row source (the engine's scan, which holds SST files until closed).
describe('engine-lsm: COPY Parquet writer', function () {
  this.timeout(20_000);
  let dir: string;
  before(async () => { dir = await mkdtemp(path.join(os.tmpdir(), 'strata-copy-pq-')); });
  after(async () => { await rm(dir, { recursive: true, force: true }); });

  const schema = new arrow.Schema([new arrow.Field('v', new arrow.Float64(), true)]);
  const batch = () => new arrow.RecordBatch(schema, arrow.makeData({ type: new arrow.Struct(schema.fields), length: 10, children: [arrow.makeData({ type: new arrow.Float64(), length: 10, data: new Float64Array(10).fill(1.5) })] }));

  it('rejects when the rows fail after the first batch, naming their error', async () => {
    let closed = false;
    async function* rows() { try { yield batch(); throw new Error('scan failed: storage unavailable'); } finally { closed = true; } }
    const file = path.join(dir, 'fails.parquet');
    const err = await parquetCopyFormat.write(file, schema, rows(), { signal: new AbortController().signal }).then(() => undefined, (e: Error) => e);
    expect(err?.message).to.equal('scan failed: storage unavailable');
    expect(closed).to.equal(true);
  });

  it('closes its row source when it stops early (KILL, or a file it cannot open)', async () => {
    const ac = new AbortController();
    let closed = 0; let made = 0;
    async function* rows() { try { for (;;) { made++; if (made === 3) ac.abort(); yield batch(); } } finally { closed++; } }
    const killed = await parquetCopyFormat.write(path.join(dir, 'killed.parquet'), schema, rows(), { signal: ac.signal }).then(() => undefined, (e: Error) => e);
    expect(killed).to.be.instanceOf(Error);
    expect(closed, 'the source was closed').to.equal(1);
    const bad = await parquetCopyFormat.write(path.join(dir, 'no-such-dir', 'x.parquet'), schema, rows(), { signal: new AbortController().signal }).then(() => undefined, (e: Error & { code?: string }) => e);
    expect(bad?.code).to.equal('ENOENT');
    expect(closed).to.equal(2);
    // A complete write still works and leaves a file.
    async function* two() { yield batch(); yield batch(); }
    const ok = path.join(dir, 'ok.parquet');
    await parquetCopyFormat.write(ok, schema, two(), { signal: new AbortController().signal });
    expect((await stat(ok)).size).to.be.greaterThan(0);
    expect((await readdir(dir)).includes('ok.parquet')).to.equal(true);
  });
});
