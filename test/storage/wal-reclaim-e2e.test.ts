import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import * as arrow from 'apache-arrow';
import { ENGINE, StrataServer, type StorageEngine, type TableSchema } from '@strata/kernel';
import engineLsm from '@strata/engine-lsm';
import storeFs from '@strata/store-fs';
import walLocal from '@strata/wal-local';

/** cpu-like table: host tag, ms time index, three float fields. */
const schema: TableSchema = {
  columns: [
    { name: 'host', type: { name: 'String' }, semantic: 'tag', nullable: true },
    { name: 'ts', type: { name: 'TimestampMillisecond' }, semantic: 'timestamp', nullable: false },
    { name: 'usage_user', type: { name: 'Float64' }, semantic: 'field', nullable: true },
    { name: 'usage_system', type: { name: 'Float64' }, semantic: 'field', nullable: true },
    { name: 'usage_idle', type: { name: 'Float64' }, semantic: 'field', nullable: true },
  ],
  timeIndex: 'ts', primaryKey: ['host'], options: {}, version: 1,
};
const HOSTS = 50;
const T0 = 1_700_000_000_000;

/** `points` timestamps for every host from point `from`, fields as integer random walks (as TSBS emits). */
function batch(from: number, points: number, salt: number): arrow.RecordBatch {
  const n = HOSTS * points;
  const host = new Array<string>(n);
  const ts = new BigInt64Array(n);
  const f = [new Float64Array(n), new Float64Array(n), new Float64Array(n)];
  let x = salt;
  for (let i = 0; i < n; i++) {
    const h = i % HOSTS, p = from + Math.floor(i / HOSTS);
    host[i] = `host_${h}`;
    ts[i] = BigInt(T0 + p * 10_000);
    for (const col of f) { x = (x * 1103515245 + 12345) & 0x7fffffff; col[i] = (h * 7 + p + (x % 5)) % 100; }
  }
  return new arrow.Table({
    host: arrow.vectorFromArray(host, new arrow.Utf8()),
    ts: arrow.makeVector({ type: new arrow.TimestampMillisecond(), data: ts }),
    usage_user: arrow.makeVector(f[0]!), usage_system: arrow.makeVector(f[1]!), usage_idle: arrow.makeVector(f[2]!),
  }).batches[0]!;
}

async function dirBytes(dir: string): Promise<number> {
  let total = 0;
  for (const e of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
    const p = path.join(dir, e.name);
    total += e.isDirectory() ? await dirBytes(p) : (await stat(p)).size;
  }
  return total;
}

async function walSegmentBytes(home: string): Promise<number> {
  let total = 0;
  for (const n of await readdir(path.join(home, 'wal'))) if (n.endsWith('.wal')) total += (await stat(path.join(home, 'wal', n))).size;
  return total;
}

async function keys(engine: StorageEngine, region: string): Promise<string[]> {
  const out: string[] = [];
  for await (const b of engine.scan(region, {})) {
    const h = b.getChild('host')!, t = b.getChild('ts')!, u = b.getChild('usage_user')!;
    for (let i = 0; i < b.numRows; i++) out.push(`${h.get(i)}|${Number(t.get(i))}|${u.get(i)}`);
  }
  return out;
}

function keysOf(batches: readonly arrow.RecordBatch[]): string[] {
  const rows: Array<{ h: string; t: number; u: number }> = [];
  for (const b of batches) {
    const h = b.getChild('host')!, t = b.getChild('ts')!, u = b.getChild('usage_user')!;
    for (let i = 0; i < b.numRows; i++) rows.push({ h: h.get(i) as string, t: Number(t.get(i)), u: u.get(i) as number });
  }
  rows.sort((a, b) => (a.h < b.h ? -1 : a.h > b.h ? 1 : a.t - b.t));
  return rows.map((r) => `${r.h}|${r.t}|${r.u}`);
}

describe('e2e storage: the WAL gives its space back after a flush (engine-lsm + wal-local + store-fs)', function () {
  this.timeout(60_000);
  let dir: string;
  const running: StrataServer[] = [];
  before(async () => { dir = await mkdtemp(path.join(os.tmpdir(), 'strata-e2e-wal-reclaim-')); });
  afterEach(async () => { for (const s of running.splice(0)) await s.stop().catch(() => undefined); });
  after(async () => { await rm(dir, { recursive: true, force: true }); });

  async function start(home: string): Promise<{ server: StrataServer; engine: StorageEngine }> {
    const server = await StrataServer.fromDefinitions([
      { definition: storeFs, options: {} },
      { definition: walLocal, options: { syncMode: 'always' } },
      { definition: engineLsm, options: { compaction: { enabled: false } } },
    ], { dataHome: home }, { logLevel: 'silent', processMetrics: false });
    await server.start();
    running.push(server);
    return { server, engine: server.get(ENGINE) };
  }
  async function stop(server: StrataServer): Promise<void> {
    running.splice(running.indexOf(server), 1);
    await server.stop();
  }

  it('after every region sharing the WAL flushed, bytes on disk are about the SSTs; replay stays exact', async () => {
    const home = path.join(dir, 'home');
    let { server, engine } = await start(home);
    await engine.createRegion('10_0', schema);
    await engine.createRegion('11_0', schema);
    const a: arrow.RecordBatch[] = [], b: arrow.RecordBatch[] = [];
    for (let k = 0; k < 10; k++) {
      a.push(batch(k * 100, 100, k)); b.push(batch(k * 100, 100, 1000 + k));
      await engine.write('10_0', a[k]!);
      await engine.write('11_0', b[k]!);
    }
    const rows = 2 * 10 * 100 * HOSTS;
    const walBefore = await walSegmentBytes(home);
    expect(walBefore / rows, 'the WAL holds every row before the flush').to.be.greaterThan(20);

    // One region flushed: its entries share segments with the other's, nothing can go yet.
    await engine.flush('10_0');
    expect(await walSegmentBytes(home)).to.equal(walBefore);
    // Both flushed: the active segment rolls over and the old one is deleted.
    await engine.flush('11_0');
    const wal = await walSegmentBytes(home);
    const store = await dirBytes(path.join(home, 'store'));
    const sst = engine.stats('10_0').sstBytes + engine.stats('11_0').sstBytes;
    expect(wal, 'only a fresh segment header is left').to.be.at.most(64);
    expect(store).to.be.at.least(sst);
    const total = await dirBytes(home);
    // SSTs plus manifests, indexes and the WAL meta file: within 25% of the SSTs.
    expect(total / rows, `bytes/row on disk (SSTs ${(sst / rows).toFixed(2)})`).to.be.lessThan(1.25 * sst / rows);

    // Rows written after the roll live only in the WAL: a restart replays exactly them.
    const late = batch(5000, 20, 77);
    await engine.write('10_0', late);
    await stop(server);
    ({ server, engine } = await start(home));
    await engine.openRegion('10_0', schema);
    await engine.openRegion('11_0', schema);
    expect(await keys(engine, '10_0')).to.deep.equal(keysOf([...a, late]));
    expect(await keys(engine, '11_0')).to.deep.equal(keysOf(b));
    await engine.flush('10_0');
    expect(await walSegmentBytes(home)).to.be.at.most(64);
    await stop(server);
    ({ server, engine } = await start(home));
    await engine.openRegion('10_0', schema);
    expect(await keys(engine, '10_0')).to.deep.equal(keysOf([...a, late]));
  });
});
