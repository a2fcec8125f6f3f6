import { mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import * as arrow from 'apache-arrow';
import { DuckDBInstance } from '@duckdb/node-api';
import { ENGINE, StrataServer, toArrowSchema, type ScanMetrics, type StorageEngine, type TableSchema } from '@strata/kernel';
import engineLsm from '@strata/engine-lsm';
import storeFs from '@strata/store-fs';
import walLocal from '@strata/wal-local';

const REGION = '2048_0';

/** cpu(host, dc TAGS, ts ms TIME INDEX, usage Float64, cnt Int64). */
const schema: TableSchema = {
  columns: [
    { name: 'host', type: { name: 'String' }, semantic: 'tag', nullable: true },
    { name: 'dc', type: { name: 'String' }, semantic: 'tag', nullable: true },
    { name: 'ts', type: { name: 'TimestampMillisecond' }, semantic: 'timestamp', nullable: false },
    { name: 'usage', type: { name: 'Float64' }, semantic: 'field', nullable: true },
    { name: 'cnt', type: { name: 'Int64' }, semantic: 'field', nullable: true },
  ],
  timeIndex: 'ts', primaryKey: ['host', 'dc'], options: {}, version: 1,
};

interface Row { host: string; dc: string; ts: number; usage: number; cnt: bigint }

function batchOf(rows: readonly Row[], only?: readonly string[]): arrow.RecordBatch {
  const cols: Record<string, arrow.Vector> = {};
  for (const f of toArrowSchema(schema).fields) {
    if (only && !only.includes(f.name)) continue;
    const b = arrow.makeBuilder({ type: f.type, nullValues: [null, undefined] });
    for (const r of rows) b.append(r[f.name as keyof Row] as never);
    cols[f.name] = b.finish().toVector();
  }
  return new arrow.Table(cols).batches[0]!;
}

const T0 = 1_700_000_000_000;
function rowsFor(batch: number, count: number, usageBase = 0): Row[] {
  return Array.from({ length: count }, (_, i) => ({
    host: `host-${i % 11}`, dc: `dc-${i % 3}`, ts: T0 + batch * 1_000_000 + Math.floor(i / 11) * 10, usage: usageBase + i / 10, cnt: BigInt(batch * 10_000 + i),
  }));
}

async function scanAll(engine: StorageEngine, metrics?: ScanMetrics, extra: Record<string, unknown> = {}): Promise<string[]> {
  const out: string[] = [];
  for await (const b of engine.scan(REGION, { ...(metrics ? { metrics } : {}), ...extra })) {
    for (let i = 0; i < b.numRows; i++) {
      out.push(`${b.getChild('host')!.get(i)}|${b.getChild('dc')!.get(i)}|${Number(b.getChild('ts')!.get(i))}|${b.getChild('usage')!.get(i)}|${b.getChild('cnt')!.get(i)}`);
    }
  }
  return out;
}

function expected(rows: readonly Row[]): string[] {
  const byKey = new Map<string, Row>();
  for (const r of rows) byKey.set(`${r.host}|${r.dc}|${r.ts}`, r);
  return [...byKey.values()]
    .sort((a, b) => (a.host < b.host ? -1 : a.host > b.host ? 1 : a.dc < b.dc ? -1 : a.dc > b.dc ? 1 : a.ts - b.ts))
    .map((r) => `${r.host}|${r.dc}|${r.ts}|${r.usage}|${r.cnt}`);
}

async function sstFiles(dataHome: string): Promise<string[]> {
  const dir = path.join(dataHome, 'store', 'data', REGION, 'sst');
  return (await readdir(dir).catch(() => [] as string[])).filter((f) => f.endsWith('.parquet')).map((f) => path.join(dir, f));
}

describe('e2e storage: engine-lsm + wal-local + store-fs', function () {
  this.timeout(60_000);
  let dir: string;
  const running: StrataServer[] = [];

  before(async () => { dir = await mkdtemp(path.join(os.tmpdir(), 'strata-e2e-lsm-')); });
  afterEach(async () => { for (const s of running.splice(0)) await s.stop().catch(() => undefined); });
  after(async () => { await rm(dir, { recursive: true, force: true }); });

  async function startServer(dataHome: string, engineOptions: Record<string, unknown> = {}): Promise<{ server: StrataServer; engine: StorageEngine }> {
    const server = await StrataServer.fromDefinitions([
      { definition: storeFs, options: {} },
      { definition: walLocal, options: {} },
      { definition: engineLsm, options: { compaction: { enabled: false, windowMs: '1h' }, rowGroupRows: 256, ...engineOptions } },
    ], { dataHome }, { logLevel: 'silent', processMetrics: false });
    await server.start();
    running.push(server);
    return { server, engine: server.get(ENGINE) };
  }

  async function stopServer(server: StrataServer): Promise<void> {
    running.splice(running.indexOf(server), 1);
    await server.stop();
  }

  it('recovers flushed SSTs and unflushed WAL entries after a restart, and compaction keeps answers', async () => {
    const home = path.join(dir, 'recover');
    const a = await startServer(home);
    await a.engine.createRegion(REGION, schema);
    const written: Row[] = [];
    for (let batch = 0; batch < 3; batch++) {
      const rows = rowsFor(batch, 1500);
      await a.engine.write(REGION, batchOf(rows));
      written.push(...rows);
      await a.engine.flush(REGION);
    }
    const overwrite = rowsFor(1, 400, 1000);
    await a.engine.write(REGION, batchOf(overwrite)); // stays in the WAL + memtable
    written.push(...overwrite);
    await a.engine.delete(REGION, batchOf([written[0]!], ['host', 'dc', 'ts']));
    const want = expected(written).filter((r) => !r.startsWith(`${written[0]!.host}|${written[0]!.dc}|${written[0]!.ts}|`));
    expect(await scanAll(a.engine)).to.deep.equal(want);
    expect(a.engine.stats(REGION).sstFiles).to.equal(3);
    expect(await sstFiles(home)).to.have.length(3);
    await stopServer(a.server);

    const b = await startServer(home);
    await b.engine.openRegion(REGION, schema);
    expect(await scanAll(b.engine)).to.deep.equal(want);
    await b.engine.flush(REGION);
    await b.engine.compact(REGION);
    expect(b.engine.stats(REGION).sstFiles).to.equal(1);
    expect(await sstFiles(home)).to.have.length(1);
    expect(await scanAll(b.engine)).to.deep.equal(want);
    await stopServer(b.server);

    const c = await startServer(home);
    await c.engine.openRegion(REGION, schema);
    const m: ScanMetrics = { rowsScanned: 0, rowsReturned: 0, filesTotal: 0, filesPruned: 0, rowGroupsTotal: 0, rowGroupsPruned: 0 };
    const one = await scanAll(c.engine, m, { predicates: [{ column: 'host', op: '=', value: 'host-3' }], timeRange: { start: BigInt(T0 + 1_000_000), end: BigInt(T0 + 2_000_000) } });
    expect(one).to.deep.equal(want.filter((r) => r.startsWith('host-3|') && Number(r.split('|')[2]) >= T0 + 1_000_000 && Number(r.split('|')[2]) < T0 + 2_000_000));
    expect(m.rowGroupsPruned).to.be.greaterThan(0);
  });

  it('writes SSTs that DuckDB reads with the same rows', async () => {
    const home = path.join(dir, 'duckdb');
    const { engine } = await startServer(home);
    await engine.createRegion(REGION, schema);
    const rows = rowsFor(0, 1000);
    await engine.write(REGION, batchOf(rows));
    await engine.flush(REGION);
    const [file] = await sstFiles(home);
    expect(file).to.be.a('string');
    const db = await DuckDBInstance.create(':memory:');
    const conn = await db.connect();
    const res = await conn.runAndReadAll(`SELECT host, dc, epoch_ms(ts) AS ts, usage, cnt FROM read_parquet('${file}') ORDER BY host, dc, ts`);
    const got = res.getRowObjects().map((r) => `${r.host}|${r.dc}|${Number(r.ts)}|${r.usage}|${r.cnt}`);
    expect(got).to.deep.equal(expected(rows));
    expect(await scanAll(engine)).to.deep.equal(got);
  });

  it('TTL drops expired SST files from disk on compaction', async () => {
    const home = path.join(dir, 'ttl');
    const { engine } = await startServer(home);
    const ttlSchema: TableSchema = { ...schema, options: { ttlMs: 3_600_000 } };
    await engine.createRegion(REGION, ttlSchema);
    const old = rowsFor(0, 100).map((r) => ({ ...r, ts: Date.now() - 10 * 3_600_000 + (r.ts - T0) }));
    const fresh = rowsFor(0, 100).map((r) => ({ ...r, ts: Date.now() - 60_000 + (r.ts - T0) }));
    await engine.write(REGION, batchOf(old));
    await engine.flush(REGION);
    await engine.write(REGION, batchOf(fresh));
    await engine.flush(REGION);
    expect(await sstFiles(home)).to.have.length(2);
    await engine.compact(REGION);
    expect(await sstFiles(home)).to.have.length(1);
    expect((await scanAll(engine)).length).to.equal(100);
  });
});
