import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, open, readdir, rm, stat, truncate, writeFile, appendFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { CorruptionError, IllegalStateError, InvalidArgumentsError, MetricsRegistry, StrataServer, WAL, type Logger, type WalEntry } from '@strata/kernel';
import walLocal, { LocalWal, type LocalWalOptions } from '../src/index.js';
import { ENTRY_HEADER_BYTES, SEGMENT_HEADER_BYTES, segmentFileName } from '../src/wal-format.js';

const here = path.dirname(fileURLToPath(import.meta.url));

interface LogLine { level: string; fields: Record<string, unknown>; msg: string }

/** A logger that records what it is told, so tests can check warnings. */
function captureLogger(lines: LogLine[]): Logger {
  const at = (level: string) => (obj: object | string, msg?: string) => {
    lines.push(typeof obj === 'string' ? { level, fields: {}, msg: obj } : { level, fields: obj as Record<string, unknown>, msg: msg ?? '' });
  };
  const logger: Logger = {
    trace: at('trace'), debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error'), fatal: at('fatal'),
    child: () => logger,
  };
  return logger;
}

async function collect(it: AsyncIterable<WalEntry>): Promise<WalEntry[]> {
  const out: WalEntry[] = [];
  for await (const e of it) out.push(e);
  return out;
}

async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (err) {
    return err;
  }
  throw new Error('expected a rejection');
}

function payloadOf(region: string, i: number, pad = 0): Buffer {
  return Buffer.from(`${region}|${i}|${'p'.repeat(pad)}`);
}

async function metricValue(metrics: MetricsRegistry, name: string): Promise<number> {
  const m = metrics.registry.getSingleMetric(name);
  if (!m) throw new Error(`no metric ${name}`);
  const v = await m.get();
  return v.values.filter((x) => !('metricName' in x) || x.metricName === name || x.metricName === undefined)
    .reduce((a, x) => a + x.value, 0);
}

describe('wal-local: LocalWal', function () {
  this.timeout(30_000);
  let dir: string;
  let walDir: string;
  const open_: LocalWal[] = [];
  let logs: LogLine[];

  async function openWal(extra: Partial<LocalWalOptions> = {}): Promise<LocalWal> {
    const wal = await LocalWal.open({ dir: walDir, logger: captureLogger(logs), ...extra });
    open_.push(wal);
    return wal;
  }

  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'strata-wal-local-'));
    walDir = path.join(dir, 'wal');
    logs = [];
  });
  afterEach(async () => {
    for (const w of open_.splice(0)) await w.close().catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  });

  it('appends per-region sequences from 1 and replays them in order, from any sequence', async () => {
    const wal = await openWal();
    expect(await wal.lastSequence('1_0')).to.equal(0);
    for (let i = 1; i <= 5; i++) {
      expect(await wal.append('1_0', payloadOf('1_0', i))).to.equal(i);
      expect(await wal.append('2_0', payloadOf('2_0', i))).to.equal(i);
    }
    expect(await wal.lastSequence('1_0')).to.equal(5);
    const all = await collect(wal.replay('1_0', 1));
    expect(all.map((e) => e.sequence)).to.deep.equal([1, 2, 3, 4, 5]);
    expect(all.map((e) => Buffer.from(e.payload).toString())).to.deep.equal([1, 2, 3, 4, 5].map((i) => payloadOf('1_0', i).toString()));
    expect(all.every((e) => e.regionId === '1_0')).to.equal(true);
    expect((await collect(wal.replay('2_0', 4))).map((e) => e.sequence)).to.deep.equal([4, 5]);
    expect(await collect(wal.replay('2_0', 6))).to.deep.equal([]);
    expect(await collect(wal.replay('never', 1))).to.deep.equal([]);
    // An empty payload is a valid entry.
    expect(await wal.append('1_0', new Uint8Array(0))).to.equal(6);
    expect((await collect(wal.replay('1_0', 6)))[0]!.payload.byteLength).to.equal(0);
  });

  it('rotates segments by size and replays across them, also after a restart', async () => {
    let wal = await openWal({ segmentBytesMax: 4096 });
    const regions = ['a_0', 'b_0', 'c_0'];
    for (let i = 0; i < 300; i++) {
      const r = regions[i % 3]!;
      await wal.append(r, payloadOf(r, i, i % 50));
    }
    // A batch of concurrent appends that itself spans several segments.
    await Promise.all(Array.from({ length: 150 }, (_, i) => wal.append('a_0', payloadOf('a_0', 1000 + i, 40))));
    expect(wal.stats.rotations).to.be.greaterThan(5);
    const files = (await readdir(walDir)).filter((n) => n.endsWith('.wal'));
    expect(files.length).to.equal(wal.stats.rotations + 1);
    for (const f of files.slice(0, -1)) expect((await stat(path.join(walDir, f))).size).to.be.at.most(4096);
    const check = async (w: LocalWal) => {
      const a = await collect(w.replay('a_0', 1));
      expect(a.map((e) => e.sequence)).to.deep.equal(Array.from({ length: 250 }, (_, i) => i + 1));
      expect(Buffer.from(a[0]!.payload).toString()).to.equal(payloadOf('a_0', 0, 0).toString());
      expect(Buffer.from(a[249]!.payload).toString()).to.equal(payloadOf('a_0', 1149, 40).toString());
      const b = await collect(w.replay('b_0', 50));
      expect(b.map((e) => e.sequence)).to.deep.equal(Array.from({ length: 51 }, (_, i) => i + 50));
    };
    await check(wal);
    await wal.close();
    wal = await openWal({ segmentBytesMax: 4096 });
    await check(wal);
    expect(await wal.lastSequence('a_0')).to.equal(250);
    expect(await wal.append('a_0', payloadOf('a_0', 9))).to.equal(251);
    // A payload larger than a whole segment gets a segment of its own.
    expect(await wal.append('c_0', Buffer.alloc(10_000, 7))).to.equal(101);
    const big = await collect(wal.replay('c_0', 101));
    expect(big[0]!.payload.byteLength).to.equal(10_000);
  });

  it('replay reads only the region\'s entries at or after the start, not the whole shared log', async () => {
    const wal = await openWal({ syncMode: 'none' });
    const payload = Buffer.alloc(8192, 1);
    for (let i = 0; i < 40; i++) {
      await Promise.all(Array.from({ length: 20 }, (_, r) => wal.append(`t_${String(r).padStart(2, '0')}`, payload)));
    }
    const entryBytes = ENTRY_HEADER_BYTES + 4 + 8192;
    const logBytes = wal.stats.bytesWritten;
    expect(logBytes).to.equal(800 * entryBytes);
    let before = wal.stats.replayBytesRead;
    expect((await collect(wal.replay('t_07', 1))).length).to.equal(40);
    expect(wal.stats.replayBytesRead - before).to.equal(40 * entryBytes);
    before = wal.stats.replayBytesRead;
    expect((await collect(wal.replay('t_07', 36))).map((e) => e.sequence)).to.deep.equal([36, 37, 38, 39, 40]);
    expect(wal.stats.replayBytesRead - before).to.equal(5 * entryBytes);
    // The first region's entries are close together; they are coalesced into few reads and still come back whole.
    const dense = await collect(wal.replay('t_00', 1));
    expect(dense.length).to.equal(40);
  });

  it('group commit: concurrent appends share writes and fsyncs', async () => {
    const metrics = new MetricsRegistry();
    const wal = await openWal({ syncMode: 'always', metrics });
    const fsyncsAtOpen = wal.stats.fsyncs;
    const n = 400;
    const seqs = await Promise.all(Array.from({ length: n }, (_, i) => wal.append(`r_${i % 4}`, payloadOf('r', i, 64))));
    const concurrentFsyncs = wal.stats.fsyncs - fsyncsAtOpen;
    // Every region got 1..100 exactly once.
    for (let r = 0; r < 4; r++) {
      expect(seqs.filter((_, i) => i % 4 === r)).to.deep.equal(Array.from({ length: 100 }, (_, i) => i + 1));
    }
    expect(concurrentFsyncs).to.be.at.least(1);
    expect(concurrentFsyncs).to.be.at.most(4);
    expect(wal.stats.batches).to.be.at.most(4);
    // One at a time, every append pays its own fsync: the contrast is the point.
    const before = wal.stats.fsyncs;
    for (let i = 0; i < 20; i++) await wal.append('r_0', payloadOf('r', i));
    expect(wal.stats.fsyncs - before).to.equal(20);
    // The same figures are exported as metrics.
    expect(await metricValue(metrics, 'strata_wal_appends_total')).to.equal(n + 20);
    expect(await metricValue(metrics, 'strata_wal_fsyncs_total')).to.equal(wal.stats.fsyncs);
    expect(await metricValue(metrics, 'strata_wal_bytes_total')).to.equal(wal.stats.bytesWritten);
    const text = await metrics.text();
    expect(text).to.contain('strata_wal_fsync_seconds_bucket');
    expect(text).to.contain('strata_wal_batch_entries_bucket');
  });

  it('keeps appending while an fsync runs: later appends form the next batch', async () => {
    const wal = await openWal({ syncMode: 'always' });
    const first = Promise.all(Array.from({ length: 50 }, (_, i) => wal.append('x_0', payloadOf('x', i))));
    // Queued on a later turn, while the first batch is being written or fsynced.
    await new Promise((r) => setImmediate(r));
    const second = Promise.all(Array.from({ length: 50 }, (_, i) => wal.append('x_0', payloadOf('x', 50 + i))));
    const [a, b] = await Promise.all([first, second]);
    expect(a).to.deep.equal(Array.from({ length: 50 }, (_, i) => i + 1));
    expect(b).to.deep.equal(Array.from({ length: 50 }, (_, i) => i + 51));
    expect(wal.stats.batches).to.be.at.least(2).and.at.most(4);
    expect((await collect(wal.replay('x_0', 1))).length).to.equal(100);
  });

  it('obsolete deletes segments whose entries are all obsolete, for every region in them', async () => {
    let wal = await openWal({ segmentBytesMax: 2048 });
    for (let i = 0; i < 120; i++) {
      await wal.append('a_0', payloadOf('a_0', i, 30));
      if (i < 10) await wal.append('b_0', payloadOf('b_0', i, 30));
    }
    const filesBefore = wal.segmentFiles();
    expect(filesBefore.length).to.be.at.least(4);
    // b_0 lives in the first segment(s) only: obsoleting a_0 alone frees the rest.
    await wal.obsolete('a_0', 100);
    expect(existsSync(filesBefore[0]!), 'segment holding live b_0 entries stays').to.equal(true);
    const afterA = wal.segmentFiles();
    expect(afterA.length).to.be.lessThan(filesBefore.length);
    for (const f of filesBefore.filter((x) => !afterA.includes(x))) expect(existsSync(f)).to.equal(false);
    expect((await collect(wal.replay('a_0', 1))).map((e) => e.sequence)).to.deep.equal(Array.from({ length: 20 }, (_, i) => 101 + i));
    expect((await collect(wal.replay('b_0', 1))).length).to.equal(10);
    await wal.obsolete('b_0', 10);
    expect(existsSync(filesBefore[0]!)).to.equal(false);
    expect(wal.stats.segmentsDeleted).to.be.greaterThan(0);
    // Obsoleting backwards changes nothing.
    await wal.obsolete('a_0', 50);
    expect((await collect(wal.replay('a_0', 1)))[0]!.sequence).to.equal(101);

    // Everything obsolete: only the active segment is left, and after a
    // restart the sequences continue instead of restarting at 1.
    await wal.obsolete('a_0', 120);
    expect(wal.segmentFiles().length).to.equal(1);
    await wal.close();
    wal = await openWal({ segmentBytesMax: 2048 });
    expect(await wal.lastSequence('a_0')).to.equal(120);
    expect(await wal.lastSequence('b_0')).to.equal(10);
    expect(await collect(wal.replay('a_0', 1))).to.deep.equal([]);
    expect(await wal.append('b_0', payloadOf('b_0', 11))).to.equal(11);
    // A mark past the last sequence (or for an unknown region) cannot hide later appends.
    await wal.obsolete('b_0', 1000);
    await wal.obsolete('new_0', 5);
    expect(await wal.append('b_0', payloadOf('b_0', 12))).to.equal(12);
    expect(await wal.append('new_0', payloadOf('new_0', 1))).to.equal(1);
    expect((await collect(wal.replay('b_0', 1))).map((e) => e.sequence)).to.deep.equal([12]);
    expect((await collect(wal.replay('new_0', 1))).map((e) => e.sequence)).to.deep.equal([1]);
  });

  it('dropRegion hides the region at once and forgets it once no segment holds it', async () => {
    const wal = await openWal({ segmentBytesMax: 1024 });
    for (let i = 0; i < 30; i++) await wal.append('gone_0', payloadOf('gone_0', i, 40));
    await wal.append('stay_0', payloadOf('stay_0', 0));
    await wal.dropRegion('gone_0');
    expect(await collect(wal.replay('gone_0', 1))).to.deep.equal([]);
    // Its entries share the active segment with stay_0, so its last sequence is kept for now.
    expect(await wal.lastSequence('gone_0')).to.equal(30);
    // Roll the active segment over, then obsolete stay_0: no segment holds gone_0 any more.
    for (let i = 0; i < 40; i++) await wal.append('stay_0', payloadOf('stay_0', i, 40));
    await wal.obsolete('stay_0', 41);
    expect(await wal.lastSequence('gone_0')).to.equal(0);
    expect(wal.regions()).to.not.include('gone_0');
    expect(await wal.append('gone_0', payloadOf('gone_0', 0))).to.equal(1);
    await wal.dropRegion('never-seen');
  });

  it('a region dropped and written again keeps its new entries and sequences across restarts', async () => {
    let wal = await openWal({ segmentBytesMax: 1024 });
    for (let i = 0; i < 5; i++) await wal.append('re_0', payloadOf('re_0', i));
    // A live entry of another region keeps the segment (and so re_0's old entries) on disk.
    await wal.append('keep_0', payloadOf('keep_0', 0));
    await wal.dropRegion('re_0');
    expect(await wal.append('re_0', payloadOf('re_0', 6))).to.equal(6);
    await wal.close();
    wal = await openWal({ segmentBytesMax: 1024 });
    expect((await collect(wal.replay('re_0', 1))).map((e) => e.sequence)).to.deep.equal([6]);
    // Push its entries into sealed segments and obsolete them: the last sequence survives.
    for (let i = 0; i < 30; i++) await wal.append('other_0', payloadOf('other_0', i, 40));
    await wal.obsolete('re_0', 6);
    await wal.close();
    wal = await openWal({ segmentBytesMax: 1024 });
    expect(await wal.lastSequence('re_0')).to.equal(6);
    expect(await wal.append('re_0', payloadOf('re_0', 7))).to.equal(7);
  });

  it('recovers after a restart with every entry, and keeps appending to the last segment', async () => {
    let wal = await openWal();
    for (let i = 1; i <= 50; i++) await wal.append('r_0', payloadOf('r_0', i));
    await wal.close();
    wal = await openWal();
    expect(logs.filter((l) => l.level === 'warn' || l.level === 'error')).to.deep.equal([]);
    const got = await collect(wal.replay('r_0', 1));
    expect(got.map((e) => Buffer.from(e.payload).toString())).to.deep.equal(Array.from({ length: 50 }, (_, i) => payloadOf('r_0', i + 1).toString()));
    expect(await wal.append('r_0', payloadOf('r_0', 51))).to.equal(51);
    expect(wal.segmentFiles().length).to.equal(1);
  });

  describe('torn and corrupt tails', () => {
    /** Writes `n` entries to r_0, closes, and returns the segment file and the entries' offsets. */
    async function prepare(n: number): Promise<{ file: string; offsets: number[]; size: number }> {
      const wal = await openWal();
      const offsets: number[] = [];
      let at = SEGMENT_HEADER_BYTES;
      for (let i = 1; i <= n; i++) {
        const p = payloadOf('r_0', i, 20);
        offsets.push(at);
        at += ENTRY_HEADER_BYTES + Buffer.byteLength('r_0') + p.length;
        await wal.append('r_0', p);
      }
      await wal.close();
      const file = path.join(walDir, segmentFileName(1));
      expect((await stat(file)).size).to.equal(at);
      return { file, offsets, size: at };
    }

    async function expectRecovered(file: string, keep: number, cutAt: number): Promise<void> {
      const wal = await openWal();
      const warn = logs.find((l) => l.level === 'warn' && /torn or corrupt tail/.test(l.msg));
      expect(warn, 'a warning names the file and the offset').to.not.equal(undefined);
      expect(warn!.fields.file).to.equal(file);
      expect(warn!.fields.offset).to.equal(cutAt);
      expect(wal.stats.truncations).to.equal(1);
      expect((await stat(file)).size, 'the file is truncated at the last valid entry').to.equal(cutAt);
      const got = await collect(wal.replay('r_0', 1));
      expect(got.map((e) => e.sequence)).to.deep.equal(Array.from({ length: keep }, (_, i) => i + 1));
      // The next append continues right after the valid prefix, and survives a restart.
      expect(await wal.append('r_0', payloadOf('r_0', 999))).to.equal(keep + 1);
      await wal.close();
      const again = await openWal();
      const after = await collect(again.replay('r_0', 1));
      expect(after.map((e) => e.sequence)).to.deep.equal(Array.from({ length: keep + 1 }, (_, i) => i + 1));
      expect(Buffer.from(after[keep]!.payload).toString()).to.equal(payloadOf('r_0', 999).toString());
      expect(again.stats.truncations).to.equal(0);
    }

    it('a truncated (torn) last entry is cut and the valid prefix kept', async () => {
      const { file, offsets, size } = await prepare(10);
      await truncate(file, size - 7);
      await expectRecovered(file, 9, offsets[9]!);
    });

    it('a flipped byte in the last entry fails its checksum', async () => {
      const { file, offsets, size } = await prepare(10);
      const fh = await open(file, 'r+');
      const b = Buffer.alloc(1);
      await fh.read(b, 0, 1, size - 3);
      b[0] = b[0]! ^ 0x5a;
      await fh.write(b, 0, 1, size - 3);
      await fh.close();
      await expectRecovered(file, 9, offsets[9]!);
    });

    it('a flipped byte in a middle entry keeps only the entries before it', async () => {
      const { file, offsets } = await prepare(10);
      const fh = await open(file, 'r+');
      await fh.write(Buffer.from([0xff, 0xff]), 0, 2, offsets[4]! + 5);
      await fh.close();
      await expectRecovered(file, 4, offsets[4]!);
    });

    it('zero-filled garbage after the last entry is cut', async () => {
      const { file, size } = await prepare(5);
      await appendFile(file, Buffer.alloc(4096));
      await expectRecovered(file, 5, size);
    });

    it('a header-only fragment of an entry is cut', async () => {
      const { file, size } = await prepare(3);
      await appendFile(file, Buffer.alloc(ENTRY_HEADER_BYTES - 4, 1));
      await expectRecovered(file, 3, size);
    });

    it('a segment torn during creation (no room for an entry) is removed and the WAL opens', async () => {
      await prepare(3);
      const torn = path.join(walDir, segmentFileName(2));
      await writeFile(torn, Buffer.from('SWA'));
      const wal = await openWal();
      expect(existsSync(torn)).to.equal(false);
      expect((await readdir(walDir)).some((n) => n.includes('.corrupt-'))).to.equal(false);
      expect(logs.some((l) => l.level === 'warn' && l.fields.file === torn)).to.equal(true);
      expect((await collect(wal.replay('r_0', 1))).length).to.equal(3);
      expect(await wal.append('r_0', payloadOf('r_0', 4))).to.equal(4);
    });

    it('a segment with a bad header and bytes after it is set aside for inspection, logged as an error', async () => {
      await prepare(3);
      const bad = path.join(walDir, segmentFileName(2));
      await writeFile(bad, Buffer.alloc(64, 0x41));
      const wal = await openWal();
      expect(existsSync(bad)).to.equal(false);
      expect((await readdir(walDir)).some((n) => n.startsWith(`${segmentFileName(2)}.corrupt-`))).to.equal(true);
      expect(logs.some((l) => l.level === 'error' && l.fields.file === bad)).to.equal(true);
      expect((await collect(wal.replay('r_0', 1))).length).to.equal(3);
    });

    it('corruption that appears after open fails replay with CorruptionError instead of yielding bad data', async () => {
      const { file, offsets } = await prepare(5);
      const wal = await openWal();
      const fh = await open(file, 'r+');
      await fh.write(Buffer.from([0xee]), 0, 1, offsets[2]! + ENTRY_HEADER_BYTES + 6);
      await fh.close();
      const err = await rejection(collect(wal.replay('r_0', 1)));
      expect(err).to.be.instanceOf(CorruptionError);
      expect((err as Error).message).to.contain(file).and.to.contain(`offset ${offsets[2]}`);
    });
  });

  describe('sync modes', () => {
    it("'always' fsyncs before an append resolves", async () => {
      const wal = await openWal({ syncMode: 'always' });
      const before = wal.stats.fsyncs;
      await wal.append('s_0', payloadOf('s_0', 1));
      expect(wal.stats.fsyncs).to.equal(before + 1);
    });

    it("'interval' acknowledges after the write and fsyncs on the timer", async () => {
      const wal = await openWal({ syncMode: 'interval', syncIntervalMs: 50 });
      const before = wal.stats.fsyncs;
      await Promise.all(Array.from({ length: 20 }, (_, i) => wal.append('s_0', payloadOf('s_0', i))));
      expect(wal.stats.fsyncs, 'no fsync on the append path').to.equal(before);
      const deadline = Date.now() + 3000;
      while (wal.stats.fsyncs === before && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      expect(wal.stats.fsyncs).to.equal(before + 1);
      // Nothing written since: the timer does not fsync again.
      await new Promise((r) => setTimeout(r, 200));
      expect(wal.stats.fsyncs).to.equal(before + 1);
      expect((await collect(wal.replay('s_0', 1))).length).to.equal(20);
    });

    it("'none' never fsyncs on its own; sync() and close() still can", async () => {
      const wal = await openWal({ syncMode: 'none', segmentBytesMax: 1024 });
      for (let i = 0; i < 50; i++) await wal.append('s_0', payloadOf('s_0', i, 30));
      expect(wal.stats.rotations).to.be.greaterThan(0);
      expect(wal.stats.fsyncs).to.equal(0);
      await wal.sync();
      expect(wal.stats.fsyncs).to.equal(1);
      await wal.append('s_0', payloadOf('s_0', 99));
      await wal.close();
      expect(wal.stats.fsyncs).to.equal(2);
      const again = await openWal({ syncMode: 'none' });
      expect((await collect(again.replay('s_0', 1))).length).to.equal(51);
    });
  });

  it('locks its directory: a second open fails while the first is open or another live process holds it', async () => {
    const wal = await openWal();
    expect(await rejection(LocalWal.open({ dir: walDir }))).to.be.instanceOf(IllegalStateError);
    await wal.close();
    expect(existsSync(path.join(walDir, 'wal.lock'))).to.equal(false);
    // A lock held by a live process (our parent stands in for another server).
    await writeFile(path.join(walDir, 'wal.lock'), `${process.ppid}\n`);
    const err = await rejection(LocalWal.open({ dir: walDir }));
    expect(err).to.be.instanceOf(IllegalStateError);
    expect((err as Error).message).to.contain(`process ${process.ppid}`);
    // A lock left by a dead process is stale and taken over.
    await writeFile(path.join(walDir, 'wal.lock'), '2147483646\n');
    const again = await openWal();
    expect(logs.some((l) => l.level === 'warn' && /stale lock/.test(l.msg))).to.equal(true);
    expect(await again.append('l_0', Buffer.from('x'))).to.equal(1);
  });

  it('after a failed write it rejects every append with STORAGE_UNAVAILABLE until reopened, losing nothing acknowledged', async () => {
    let wal = await openWal();
    expect(await wal.append('f_0', payloadOf('f_0', 1))).to.equal(1);
    // Pull the file out from under the writer: the next write fails with EBADF.
    await (wal as unknown as { activeFh: { close(): Promise<void> } }).activeFh.close();
    const results = await Promise.allSettled([wal.append('f_0', payloadOf('f_0', 2)), wal.append('f_0', payloadOf('f_0', 3))]);
    for (const r of results) {
      expect(r.status).to.equal('rejected');
      expect((r as PromiseRejectedResult).reason.code).to.equal('STORAGE_UNAVAILABLE');
    }
    const later = await rejection(wal.append('f_0', payloadOf('f_0', 4)));
    expect((later as { code?: string }).code).to.equal('STORAGE_UNAVAILABLE');
    expect(logs.some((l) => l.level === 'error' && /write path failed/.test(l.msg))).to.equal(true);
    await wal.close();
    wal = await openWal();
    expect((await collect(wal.replay('f_0', 1))).map((e) => e.sequence)).to.deep.equal([1]);
    expect(await wal.append('f_0', payloadOf('f_0', 2))).to.equal(2);
  });

  it('rejects bad arguments and appends after close with typed errors', async () => {
    const wal = await openWal({ payloadBytesMax: 1000 });
    expect(await rejection(wal.append('', Buffer.from('x')))).to.be.instanceOf(InvalidArgumentsError);
    expect(await rejection(wal.append('r', Buffer.alloc(1001)))).to.be.instanceOf(InvalidArgumentsError);
    expect(await rejection(wal.append('r', 'text' as unknown as Uint8Array))).to.be.instanceOf(InvalidArgumentsError);
    expect(await rejection(wal.obsolete('r', -1))).to.be.instanceOf(InvalidArgumentsError);
    // A rejected append consumed no sequence.
    expect(await wal.append('r', Buffer.from('ok'))).to.equal(1);
    await wal.close();
    expect(await rejection(wal.append('r', Buffer.from('late')))).to.be.instanceOf(IllegalStateError);
    expect(await rejection(wal.obsolete('r', 1))).to.be.instanceOf(IllegalStateError);
    expect(await rejection(wal.dropRegion('r'))).to.be.instanceOf(IllegalStateError);
  });

  it('kill -9 during appends with sync always: every acknowledged sequence is replayed exactly once', async function () {
    this.timeout(20_000);
    const child = spawn(process.execPath, [path.join(here, 'fixtures', 'wal-append-child.js'), walDir], { stdio: ['ignore', 'pipe', 'pipe'] });
    // Whatever happens below, the child does not outlive the test.
    const reap = () => { if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL'); };
    let out = '';
    let errText = '';
    let ready = false;
    const closed = new Promise<void>((resolve) => child.on('close', () => resolve()));
    child.stderr.on('data', (d: Buffer) => { errText += d.toString(); });
    try {
      await new Promise<void>((resolve, reject) => {
        const giveUp = setTimeout(() => reject(new Error(`child did not start: ${errText}`)), 10_000);
        child.stdout.on('data', (d: Buffer) => {
          out += d.toString();
          if (!ready && out.includes('ready\n')) {
            ready = true;
            // Let it run a bounded while, then pull the plug.
            setTimeout(() => { clearTimeout(giveUp); resolve(); }, 1200);
          }
        });
        child.on('exit', () => { if (!ready) { clearTimeout(giveUp); reject(new Error(`child exited early: ${errText}`)); } });
      });
    } finally {
      reap();
    }
    await closed;
    expect(child.signalCode).to.equal('SIGKILL');

    // Only whole lines were acknowledged; a partial last line is ignored.
    const lines = out.split('\n').slice(0, -1).filter((l) => l !== 'ready');
    const acked = new Map<string, number[]>();
    for (const line of lines) {
      const [region, seq] = line.split(' ');
      acked.set(region!, [...(acked.get(region!) ?? []), Number(seq)]);
    }
    expect(lines.length, 'the child acknowledged appends before it was killed').to.be.greaterThan(20);

    const wal = await openWal();
    expect(logs.some((l) => l.level === 'warn' && /stale lock/.test(l.msg)), 'the dead child\'s lock was taken over').to.equal(true);
    for (const [region, seqs] of acked) {
      const replayed = await collect(wal.replay(region, 1));
      const got = replayed.map((e) => e.sequence);
      // Strictly increasing from 1 with no gap: each sequence once, nothing lost before the tail.
      expect(got, `region ${region}`).to.deep.equal(Array.from({ length: got.length }, (_, i) => i + 1));
      const present = new Set(got);
      const missing = seqs.filter((s) => !present.has(s));
      expect(missing, `acknowledged but not replayed in ${region}`).to.deep.equal([]);
      for (const e of replayed) expect(Buffer.from(e.payload).toString().startsWith(`${region}|`)).to.equal(true);
      // And the WAL takes new appends right after.
      expect(await wal.append(region, payloadOf(region, 0))).to.equal(got.length + 1);
    }
  });
});

describe('wal-local: plugin', function () {
  this.timeout(20_000);
  let dir: string;
  beforeEach(async () => { dir = await mkdtemp(path.join(os.tmpdir(), 'strata-wal-plugin-')); });
  afterEach(async () => { await rm(dir, { recursive: true, force: true }); });

  it('binds WAL under <dataHome>/wal, exports strata_wal_* metrics, and closes on stop', async () => {
    const compose = () => StrataServer.fromDefinitions([{ definition: walLocal, options: { segmentBytesMax: '1MiB', syncIntervalMs: '250ms' } }],
      { dataHome: dir }, { logLevel: 'silent', processMetrics: false });
    let server = await compose();
    await server.start();
    const wal = server.get(WAL);
    expect(wal.name).to.equal('wal-local');
    expect(await wal.append('9_0', Buffer.from('hello'))).to.equal(1);
    expect(existsSync(path.join(dir, 'wal', segmentFileName(1)))).to.equal(true);
    const text = await server.metrics.text();
    expect(text).to.contain('strata_wal_appends_total 1');
    expect(text).to.contain('strata_wal_fsync_seconds_count');
    await server.stop();
    expect(await rejection(wal.append('9_0', Buffer.from('late')))).to.be.instanceOf(IllegalStateError);
    server = await compose();
    await server.start();
    try {
      expect((await collect(server.get(WAL).replay('9_0', 1))).map((e) => Buffer.from(e.payload).toString())).to.deep.equal(['hello']);
    } finally {
      await server.stop();
    }
  });

  it('rejects a bad option naming the plugin and the key', async () => {
    let err: unknown;
    try {
      await StrataServer.fromDefinitions([{ definition: walLocal, options: { syncMode: 'sometimes' } }], { dataHome: dir }, { logLevel: 'silent' });
    } catch (e) { err = e; }
    expect((err as Error).message).to.contain("plugin 'wal-local'").and.to.contain('syncMode');
  });
});
