import { appendFile, mkdtemp, open, readdir, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { QUERY, StrataServer, WAL, createLogger, createSession, type Logger } from '@strata/kernel';
import engineLsm from '@strata/engine-lsm';
import storeFs from '@strata/store-fs';
import plugin, { FileWal } from '../src/index.js';

const REGION = '1024_0';
const text = (s: string) => new TextEncoder().encode(s);
const untext = (b: Uint8Array) => new TextDecoder().decode(b);

/** Collects warnings so tests can check that a cut tail is reported. */
function recordingLogger(): Logger & { warnings: string[] } {
  const warnings: string[] = [];
  const base = createLogger({ level: 'silent' });
  return Object.assign(Object.create(base) as Logger, { warnings, warn: (_o: unknown, msg?: string) => { warnings.push(msg ?? ''); } });
}

async function replayAll(wal: FileWal, from = 1): Promise<Array<[number, string]>> {
  const out: Array<[number, string]> = [];
  for await (const e of wal.replay(REGION, from)) out.push([e.sequence, untext(e.payload)]);
  return out;
}

describe('__NAME__ WAL', function () {
  this.timeout(30_000);
  let dir: string;
  const opts = { sync: 'always' as const, segmentBytesMax: 1 << 20, payloadBytesMax: 1 << 20 };
  beforeEach(async () => { dir = await mkdtemp(path.join(os.tmpdir(), '__NAME__-')); });
  afterEach(async () => { await rm(dir, { recursive: true, force: true }); });

  it('numbers appends from 1, replays them in order from any sequence, and survives reopening', async () => {
    const wal = await FileWal.open(dir, opts, createLogger({ level: 'silent' }));
    expect(await wal.lastSequence(REGION)).to.equal(0);
    for (let i = 1; i <= 5; i++) expect(await wal.append(REGION, text(`e${i}`))).to.equal(i);
    expect(await replayAll(wal, 4)).to.deep.equal([[4, 'e4'], [5, 'e5']]);
    await wal.close();
    const again = await FileWal.open(dir, opts, createLogger({ level: 'silent' }));
    expect(await again.lastSequence(REGION)).to.equal(5);
    expect((await replayAll(again)).map(([s]) => s)).to.deep.equal([1, 2, 3, 4, 5]);
    expect(await again.append(REGION, text('e6'))).to.equal(6);
    await again.close();
  });

  it('group-commits concurrent appends: unique increasing sequences, every one durable', async () => {
    const wal = await FileWal.open(dir, opts, createLogger({ level: 'silent' }));
    const seqs = await Promise.all(Array.from({ length: 200 }, (_, i) => wal.append(REGION, text(`c${i}`))));
    expect([...seqs].sort((a, b) => a - b)).to.deep.equal(Array.from({ length: 200 }, (_, i) => i + 1));
    // Each append got the sequence of its own payload.
    const bySeq = new Map(await replayAll(wal));
    seqs.forEach((s, i) => expect(bySeq.get(s)).to.equal(`c${i}`));
    await wal.close();
  });

  it('cuts a torn tail and a corrupt last record at the last valid entry, reports it, and continues', async () => {
    let wal = await FileWal.open(dir, opts, createLogger({ level: 'silent' }));
    for (let i = 1; i <= 3; i++) await wal.append(REGION, text(`e${i}`));
    await wal.close();
    const seg = path.join(dir, REGION, '1.log');
    const size = (await stat(seg)).size;
    await appendFile(seg, Buffer.from([9, 0, 0, 0, 1, 2])); // a header cut short by a crash
    let log = recordingLogger();
    wal = await FileWal.open(dir, opts, log);
    expect(await replayAll(wal)).to.deep.equal([[1, 'e1'], [2, 'e2'], [3, 'e3']]);
    expect(log.warnings).to.deep.equal(['__NAME__: cutting a torn tail']);
    expect((await stat(seg)).size).to.equal(size);
    expect(await wal.append(REGION, text('e4'))).to.equal(4);
    await wal.close();

    // Flip one payload byte of the last record: its CRC no longer matches.
    const fh = await open(seg, 'r+');
    const last = (await stat(seg)).size - 1;
    await fh.write(Buffer.from('X'), 0, 1, last);
    await fh.close();
    log = recordingLogger();
    wal = await FileWal.open(dir, opts, log);
    expect((await replayAll(wal)).map(([s]) => s)).to.deep.equal([1, 2, 3]);
    expect(log.warnings).to.have.length(1);
    await wal.close();
  });

  it('refuses corruption before the tail instead of cutting acknowledged entries', async () => {
    let wal = await FileWal.open(dir, { ...opts, segmentBytesMax: 64 }, createLogger({ level: 'silent' }));
    for (let i = 1; i <= 6; i++) await wal.append(REGION, text(`entry-${i}-${'x'.repeat(40)}`));
    await wal.close();
    const segments = (await readdir(path.join(dir, REGION))).sort();
    expect(segments.length).to.be.greaterThan(2);
    const fh = await open(path.join(dir, REGION, '1.log'), 'r+');
    await fh.write(Buffer.from('Z'), 0, 1, 20);
    await fh.close();
    wal = await FileWal.open(dir, opts, createLogger({ level: 'silent' }));
    const err = await wal.lastSequence(REGION).then(() => undefined, (e: { code: string }) => e);
    expect(err?.code).to.equal('DATA_CORRUPTED');
    await wal.close();
  });

  it('obsoletes whole segments but keeps the tail and lastSequence; drops a region', async () => {
    let wal = await FileWal.open(dir, { ...opts, segmentBytesMax: 64 }, createLogger({ level: 'silent' }));
    for (let i = 1; i <= 8; i++) await wal.append(REGION, text(`entry-${i}-${'y'.repeat(40)}`));
    const before = (await readdir(path.join(dir, REGION))).length;
    await wal.obsolete(REGION, 8);
    expect(await readdir(path.join(dir, REGION))).to.have.length(1);
    expect(before).to.be.greaterThan(1);
    expect(await replayAll(wal)).to.deep.equal([]);
    await wal.close();
    wal = await FileWal.open(dir, opts, createLogger({ level: 'silent' }));
    expect(await wal.lastSequence(REGION)).to.equal(8);
    expect(await wal.append(REGION, text('next'))).to.equal(9);
    await wal.dropRegion(REGION);
    expect(await readdir(dir)).to.deep.equal([]);
    const tooBig = await wal.append(REGION, new Uint8Array(2 << 20)).then(() => "no error", (e: { code: string }) => e.code);
    expect(tooBig).to.equal("INVALID_ARGUMENTS");
    await wal.close();
  });

  it('is the WAL of a real server: engine writes go through it and survive a restart', async () => {
    const compose = () => StrataServer.fromDefinitions([
      { definition: storeFs, options: { fsync: false } },
      { definition: plugin, options: { dir: 'wal' } },
      { definition: engineLsm },
    ], { dataHome: dir }, { logLevel: 'silent', processMetrics: false });
    let server = await compose();
    await server.start();
    const session = createSession({ channel: 'internal' });
    for await (const _ of server.get(QUERY).execute(
      "CREATE TABLE m (k STRING, ts TIMESTAMP TIME INDEX, v BIGINT, PRIMARY KEY (k)); INSERT INTO m VALUES ('a', 1, 10); INSERT INTO m VALUES ('b', 2, 20)", session)) { /* consume */ }
    expect(server.get(WAL).name).to.equal('__NAME__');
    const regions = await readdir(path.join(dir, 'wal'));
    expect(regions).to.have.length(1);
    expect(await server.get(WAL).lastSequence(regions[0]!)).to.be.greaterThan(0);
    await server.stop();
    server = await compose();
    await server.start();
    try {
      const rows: unknown[] = [];
      for await (const out of server.get(QUERY).execute('SELECT k, v FROM m ORDER BY k', session)) {
        if (out.kind === 'records') for await (const b of out.batches) for (let i = 0; i < b.numRows; i++) rows.push(`${b.getChild('k')!.get(i)}=${b.getChild('v')!.get(i)}`);
      }
      expect(rows).to.deep.equal(['a=10', 'b=20']);
    } finally { await server.stop(); }
  });
});
