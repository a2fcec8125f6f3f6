import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import * as arrow from 'apache-arrow';
import { ENGINE, QUERY, STORE, StrataServer, WAL, createLogger, createSession, type QueryService, type TableSchema } from '@strata/kernel';
import storeFs from '@strata/store-fs';
import walLocal from '@strata/wal-local';
import plugin, { MemoryEngine, cellAt, vectorOf, type Cell } from '../src/index.js';

const REGION = '4096_0';
const schema = (appendMode = false): TableSchema => ({
  columns: [
    { name: 'host', type: { name: 'String' }, semantic: 'tag', nullable: true },
    { name: 'ts', type: { name: 'TimestampNanosecond' }, semantic: 'timestamp', nullable: false },
    { name: 'v', type: { name: 'Float64' }, semantic: 'field', nullable: true },
  ],
  timeIndex: 'ts', primaryKey: ['host'], options: { appendMode }, version: 1,
});

function batch(s: TableSchema, rows: Array<[string | null, bigint, number | null]>, only = ['host', 'ts', 'v']): arrow.RecordBatch {
  const vectors: Record<string, arrow.Vector> = {};
  s.columns.forEach((c, i) => { if (only.includes(c.name)) vectors[c.name] = vectorOf(c, rows.map((r) => r[i] as Cell)); });
  return new arrow.Table(vectors).batches[0]!;
}

async function scanRows(engine: MemoryEngine, request: Parameters<MemoryEngine['scan']>[1] = {}): Promise<string[]> {
  const out: string[] = [];
  for await (const b of engine.scan(REGION, request)) {
    for (let i = 0; i < b.numRows; i++) out.push(b.schema.fields.map((f) => String(cellAt(b.getChild(f.name)!, i))).join('|'));
  }
  return out;
}

async function sql(query: QueryService, text: string): Promise<unknown[][]> {
  const rows: unknown[][] = [];
  for await (const out of query.execute(text, createSession({ channel: 'internal' }))) {
    if (out.kind !== 'records') continue;
    for await (const b of out.batches) for (let r = 0; r < b.numRows; r++) rows.push(b.schema.fields.map((_, c) => b.getChildAt(c)!.get(r)));
  }
  return rows;
}

describe('__NAME__ engine', function () {
  this.timeout(30_000);
  let dataHome: string;
  beforeEach(async () => { dataHome = await mkdtemp(path.join(os.tmpdir(), '__NAME__-')); });
  afterEach(async () => { await rm(dataHome, { recursive: true, force: true }); });

  const compose = (withWal: boolean) => StrataServer.fromDefinitions([
    { definition: storeFs, options: { fsync: false } },
    ...(withWal ? [{ definition: walLocal, options: { syncMode: 'none' } }] : []),
    { definition: plugin, options: { batchRows: 2 } },
  ], { dataHome }, { logLevel: 'silent', processMetrics: false });

  it('runs SQL through the kernel: dedup (last write wins), exact time ranges, persistence across a restart', async () => {
    let server = await compose(false);
    await server.start();
    let q = server.get(QUERY);
    expect(server.get(ENGINE).name).to.equal('__NAME__');
    await sql(q, 'CREATE TABLE cpu (host STRING, ts TIMESTAMP TIME INDEX, v DOUBLE, PRIMARY KEY (host))');
    await sql(q, "INSERT INTO cpu VALUES ('b', 1000, 1), ('a', 2000, 2), ('a', 1000, 3), ('a', 3000, 4)");
    await sql(q, "INSERT INTO cpu VALUES ('a', 2000, 20)"); // same (host, ts): replaces
    expect(await sql(q, 'SELECT host, ts, v FROM cpu')).to.deep.equal([['a', 1000, 3], ['a', 2000, 20], ['a', 3000, 4], ['b', 1000, 1]]);
    expect(await sql(q, 'SELECT host, v FROM cpu WHERE ts >= 1000 AND ts < 3000 ORDER BY host, ts')).to.deep.equal([['a', 3], ['a', 20], ['b', 1]]);
    expect(await sql(q, "SELECT count(*) FROM cpu WHERE host = 'a'")).to.deep.equal([[3n]]);
    await server.stop();
    server = await compose(false);
    await server.start();
    q = server.get(QUERY);
    try {
      expect(await sql(q, 'SELECT host, ts, v FROM cpu ORDER BY host, ts')).to.deep.equal([['a', 1000, 3], ['a', 2000, 20], ['a', 3000, 4], ['b', 1000, 1]]);
    } finally { await server.stop(); }
  });

  it('honours the scan contract: order, exact time range, projection, tag pruning, limit, nanosecond timestamps', async () => {
    const server = await compose(false);
    await server.start();
    try {
      const engine = server.get(ENGINE) as MemoryEngine;
      await engine.createRegion(REGION, schema());
      const big = 1_700_000_000_123_456_789n;
      expect(await engine.write(REGION, batch(schema(), [['b', 5n, 1], ['a', big, 2], ['a', 1n, null], [null, 3n, 4]]))).to.equal(4);
      expect(await scanRows(engine)).to.deep.equal(['null|3|4', 'a|1|null', `a|${big}|2`, 'b|5|1']);
      expect(await scanRows(engine, { timeRange: { start: 3n, end: 5n } })).to.deep.equal(['null|3|4']);
      expect(await scanRows(engine, { projection: ['v', 'host'], predicates: [{ column: 'host', op: '=', value: 'a' }] })).to.deep.equal(['null|a', '2|a']);
      expect(await scanRows(engine, { limit: 2 })).to.have.length(2);
      const metrics = { rowsScanned: 0, rowsReturned: 0, filesTotal: 0, filesPruned: 0, rowGroupsTotal: 0, rowGroupsPruned: 0 };
      let batches = 0;
      for await (const _ of engine.scan(REGION, { metrics })) batches++;
      expect(batches).to.equal(2); // batchRows: 2
      expect(metrics.rowsReturned).to.equal(4);
      expect(engine.stats(REGION)).to.include({ rows: 4, seriesCount: 3, minTs: 1n, maxTs: big });
    } finally { await server.stop(); }
  });

  it('keeps duplicates in append mode, deletes by key, reads an added column as NULL, truncates', async () => {
    const server = await compose(false);
    await server.start();
    try {
      const engine = server.get(ENGINE) as MemoryEngine;
      await engine.createRegion(REGION, schema(true));
      await engine.write(REGION, batch(schema(true), [['a', 1n, 1], ['a', 1n, 2], ['a', 2n, 3]]));
      expect(await scanRows(engine)).to.deep.equal(['a|1|1', 'a|1|2', 'a|2|3']);
      expect(await engine.delete(REGION, batch(schema(true), [['a', 1n, null]], ['host', 'ts']))).to.equal(2);
      expect(await scanRows(engine)).to.deep.equal(['a|2|3']);
      const wider: TableSchema = { ...schema(true), columns: [...schema(true).columns, { name: 'extra', type: { name: 'Int64' }, semantic: 'field', nullable: true }], version: 2 };
      await engine.alterRegion(REGION, wider);
      expect(await scanRows(engine)).to.deep.equal(['a|2|3|null']);
      await engine.truncate(REGION);
      expect(await scanRows(engine)).to.deep.equal([]);
      const err = await engine.write('9_9', batch(schema(), [['x', 1n, 1]])).then(() => '', (e: { code: string }) => e.code);
      expect(err).to.equal('REGION_NOT_FOUND');
    } finally { await server.stop(); }
  });

  it('with a WAL: acknowledged writes survive a crash (no snapshot) by replay, and a flush obsoletes the log', async () => {
    const server = await compose(true);
    await server.start();
    try {
      const store = server.get(STORE); const wal = server.get(WAL);
      const logger = createLogger({ level: 'silent' });
      const opts = { prefix: 'crash-test', regionRowsMax: 1000, batchRows: 100 };
      const first = new MemoryEngine(store, wal, logger, opts);
      await first.createRegion(REGION, schema());
      await first.write(REGION, batch(schema(), [['a', 1n, 1], ['b', 2n, 2]]));
      await first.write(REGION, batch(schema(), [['a', 1n, 10]]));
      expect(await store.head(`crash-test/${REGION}/snapshot.json`)).to.equal(undefined); // only the WAL has it
      // "Crash": drop `first` without closing; a new engine opens the region from the same store and WAL.
      const second = new MemoryEngine(store, wal, logger, opts);
      await second.openRegion(REGION, schema());
      expect(await scanRows(second)).to.deep.equal(['a|1|10', 'b|2|2']);
      await second.flush(REGION);
      expect(second.stats(REGION).flushedSequence).to.equal(await wal.lastSequence(REGION));
      const third = new MemoryEngine(store, wal, logger, opts);
      await third.openRegion(REGION, schema());
      expect(await scanRows(third)).to.deep.equal(['a|1|10', 'b|2|2']);
      const over = await third.write(REGION, batch(schema(), Array.from({ length: 1000 }, (_, i) => ['c', BigInt(i), i] as [string, bigint, number])))
        .then(() => '', (e: { code: string }) => e.code);
      expect(over).to.equal('RESOURCES_EXHAUSTED');
    } finally { await server.stop(); }
  });
});
