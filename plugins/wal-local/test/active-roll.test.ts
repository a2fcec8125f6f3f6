import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import type { Logger, WalEntry } from '@strata/kernel';
import { LocalWal, type LocalWalOptions, type WalFaultPoint } from '../src/index.js';
import { SEGMENT_HEADER_BYTES } from '../src/wal-format.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const CHILD = path.join(here, 'fixtures', 'wal-roll-child.js');

interface LogLine { level: string; msg: string }

function captureLogger(lines: LogLine[]): Logger {
  const at = (level: string) => (obj: object | string, msg?: string) => { lines.push({ level, msg: typeof obj === 'string' ? obj : msg ?? '' }); };
  const logger: Logger = { trace: at('trace'), debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error'), fatal: at('fatal'), child: () => logger };
  return logger;
}

async function collect(it: AsyncIterable<WalEntry>): Promise<WalEntry[]> {
  const out: WalEntry[] = [];
  for await (const e of it) out.push(e);
  return out;
}

const payloadOf = (region: string, i: number, pad = 40): Buffer => Buffer.from(`${region}|${i}|${'p'.repeat(pad)}`);

/** Bytes of every segment file in `dir` (what the WAL costs on disk). */
async function walBytes(dir: string): Promise<number> {
  let total = 0;
  for (const n of await readdir(dir)) if (n.endsWith('.wal')) total += (await stat(path.join(dir, n))).size;
  return total;
}

/**
 * Runs the roll child, collecting its "ack"/"mark" lines, and SIGKILLs it
 * when `killWhen` says so (or after `maxMs`). Bounded: it never outlives
 * `maxMs` + the kill.
 */
async function runChild(walDir: string, mode: string, killWhen: (out: string) => boolean, maxMs: number): Promise<{ acked: Map<string, number[]>; marks: Map<string, number>; out: string }> {
  const child = spawn(process.execPath, [CHILD, walDir, mode], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let errText = '';
  const closed = new Promise<void>((resolve) => child.on('close', () => resolve()));
  const kill = (): void => { if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL'); };
  child.stderr.on('data', (d: Buffer) => { errText += d.toString(); });
  const timer = setTimeout(kill, maxMs);
  child.stdout.on('data', (d: Buffer) => { out += d.toString(); if (killWhen(out)) kill(); });
  await closed;
  clearTimeout(timer);
  expect(child.signalCode, `the child was killed (stderr: ${errText})`).to.equal('SIGKILL');
  const acked = new Map<string, number[]>();
  const marks = new Map<string, number>();
  for (const line of out.split('\n').slice(0, -1)) {
    const [kind, region, seq] = line.split(' ');
    if (kind === 'ack') acked.set(region!, [...(acked.get(region!) ?? []), Number(seq)]);
    if (kind === 'mark') marks.set(region!, Math.max(marks.get(region!) ?? 0, Number(seq)));
  }
  return { acked, marks, out };
}

/**
 * What must hold after any crash: the WAL opens without errors, each region's
 * replay is contiguous and holds every acknowledged sequence above the
 * highest mark that was requested (marks only hide what they cover), and the
 * next append continues after the last sequence.
 */
async function checkRecovered(wal: LocalWal, logs: LogLine[], acked: Map<string, number[]>, marks: Map<string, number>): Promise<void> {
  expect(logs.filter((l) => l.level === 'error' || l.level === 'fatal'), 'no errors at open').to.deep.equal([]);
  for (const [region, seqs] of acked) {
    const got = (await collect(wal.replay(region, 1))).map((e) => e.sequence);
    for (let i = 1; i < got.length; i++) expect(got[i], `${region} replay is contiguous`).to.equal(got[i - 1]! + 1);
    const mark = marks.get(region) ?? 0;
    const present = new Set(got);
    expect(seqs.filter((s) => s > mark && !present.has(s)), `acknowledged entries of ${region} above its mark ${mark} are replayed`).to.deep.equal([]);
    const last = await wal.lastSequence(region);
    expect(last).to.be.at.least(Math.max(...seqs));
    if (got.length > 0) expect(got[got.length - 1]).to.equal(last);
    expect(await wal.append(region, payloadOf(region, 0))).to.equal(last + 1);
  }
}

describe('wal-local: rolling over an obsolete active segment', function () {
  this.timeout(60_000);
  let dir: string;
  let walDir: string;
  let logs: LogLine[];
  const opened: LocalWal[] = [];
  async function openWal(extra: Partial<LocalWalOptions> = {}): Promise<LocalWal> {
    const wal = await LocalWal.open({ dir: walDir, logger: captureLogger(logs), ...extra });
    opened.push(wal);
    return wal;
  }
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'strata-wal-roll-'));
    walDir = path.join(dir, 'wal');
    logs = [];
  });
  afterEach(async () => {
    for (const w of opened.splice(0)) await w.close().catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  });

  it('deletes the active segment once every region in it is obsolete, not before', async () => {
    let wal = await openWal();
    for (let i = 1; i <= 100; i++) await wal.append('a_0', payloadOf('a_0', i));
    for (let i = 1; i <= 50; i++) await wal.append('b_0', payloadOf('b_0', i));
    const [first] = wal.segmentFiles();
    const before = await walBytes(walDir);
    expect(before).to.be.greaterThan(150 * 60);

    // a_0 flushed, b_0 not: its entries share the segment, so nothing goes.
    await wal.obsolete('a_0', 100);
    expect(wal.segmentFiles()).to.deep.equal([first]);
    expect(wal.stats.rolls).to.equal(0);
    expect(await walBytes(walDir)).to.equal(before);
    expect((await collect(wal.replay('b_0', 1))).length).to.equal(50);

    // b_0 flushed up to 49: still one live entry.
    await wal.obsolete('b_0', 49);
    expect(wal.stats.rolls).to.equal(0);
    expect(existsSync(first!)).to.equal(true);

    // Everything obsolete: the WAL rolls over and the old segment is deleted.
    await wal.obsolete('b_0', 50);
    expect(wal.stats.rolls).to.equal(1);
    expect(existsSync(first!)).to.equal(false);
    expect(wal.segmentFiles()).to.have.length(1);
    expect(await walBytes(walDir)).to.equal(SEGMENT_HEADER_BYTES);
    expect(await collect(wal.replay('a_0', 1))).to.deep.equal([]);

    // Sequences continue, in this process and after a restart.
    expect(await wal.append('a_0', payloadOf('a_0', 101))).to.equal(101);
    await wal.close();
    wal = await openWal();
    expect(await wal.lastSequence('a_0')).to.equal(101);
    expect(await wal.lastSequence('b_0')).to.equal(50);
    expect((await collect(wal.replay('a_0', 1))).map((e) => e.sequence)).to.deep.equal([101]);
    expect(await wal.append('b_0', payloadOf('b_0', 51))).to.equal(51);
    expect(logs.filter((l) => l.level === 'warn' || l.level === 'error')).to.deep.equal([]);
  });

  it('an empty or partly live active segment is not rolled', async () => {
    const wal = await openWal();
    await wal.obsolete('x_0', 5);
    expect(wal.stats.rolls).to.equal(0);
    await wal.append('x_0', payloadOf('x_0', 1));
    await wal.append('x_0', payloadOf('x_0', 2));
    await wal.obsolete('x_0', 1);
    expect(wal.stats.rolls).to.equal(0);
    await wal.obsolete('x_0', 2);
    expect(wal.stats.rolls).to.equal(1);
    // Nothing new was written: a second obsolete has nothing to roll.
    await wal.obsolete('x_0', 2);
    expect(wal.stats.rolls).to.equal(1);
  });

  it('dropRegion rolls over too, and the dropped region is forgotten', async () => {
    const wal = await openWal();
    for (let i = 0; i < 20; i++) await wal.append('gone_0', payloadOf('gone_0', i));
    await wal.dropRegion('gone_0');
    expect(wal.stats.rolls).to.equal(1);
    expect(await walBytes(walDir)).to.equal(SEGMENT_HEADER_BYTES);
    expect(await wal.lastSequence('gone_0')).to.equal(0);
  });

  it('appends racing a roll (group commit) are neither lost nor reordered', async () => {
    const wal = await openWal({ segmentBytesMax: 8 * 1024 });
    let next = 1;
    let rolls = 0;
    for (let round = 0; round < 30; round++) {
      const before: Array<Promise<number>> = [];
      for (let i = 0; i < 20; i++) before.push(wal.append('c_0', payloadOf('c_0', next++)), wal.append('d_0', payloadOf('d_0', next++)));
      await Promise.all(before);
      const c = await wal.lastSequence('c_0'), d = await wal.lastSequence('d_0');
      // Obsolete everything acknowledged while more appends are queued.
      const racing: Array<Promise<number>> = [];
      for (let i = 0; i < 10; i++) racing.push(wal.append('c_0', payloadOf('c_0', next++)));
      await Promise.all([wal.obsolete('c_0', c), wal.obsolete('d_0', d), ...racing]);
      rolls = wal.stats.rolls;
      const got = (await collect(wal.replay('c_0', 1))).map((e) => e.sequence);
      expect(got, `round ${round}`).to.deep.equal(Array.from({ length: 10 }, (_, i) => c + 1 + i));
      expect(await collect(wal.replay('d_0', 1))).to.deep.equal([]);
      // Mark the racing appends obsolete as well before the next round.
      await wal.obsolete('c_0', c + 10);
    }
    expect(rolls, 'some rounds rolled the active segment over').to.be.greaterThan(0);
    expect(wal.segmentFiles()).to.have.length(1);
    expect(await walBytes(walDir)).to.equal(SEGMENT_HEADER_BYTES);
  });

  it('at open, finishes deleting what the meta file already marks obsolete', async () => {
    // A crash between the meta write and the deletions leaves fully obsolete
    // segments behind: the next open deletes them.
    const first = await openWal({ segmentBytesMax: 1024 });
    for (let i = 0; i < 40; i++) await first.append('o_0', payloadOf('o_0', i, 100));
    await first.close();
    // Raise the mark in a WAL whose collect is cut short by a fault hook that throws.
    const second = await openWal({ segmentBytesMax: 1024, faultHook: (p) => { if (p === 'collect:meta-written') throw new Error('crash here'); } });
    const files = second.segmentFiles();
    expect(files.length).to.be.greaterThan(2);
    try { await second.obsolete('o_0', 40); } catch { /* the injected crash */ }
    await second.close();
    expect(files.filter((f) => existsSync(f)).length, 'the cut-short collect deleted nothing').to.be.greaterThan(1);
    const third = await openWal({ segmentBytesMax: 1024 });
    expect(third.segmentFiles()).to.have.length(1);
    expect(await walBytes(walDir)).to.equal(SEGMENT_HEADER_BYTES);
    expect(await third.lastSequence('o_0')).to.equal(40);
    expect(await third.append('o_0', payloadOf('o_0', 41))).to.equal(41);
  });

  describe('kill -9 at each step of a roll (spawned process)', () => {
    const points: WalFaultPoint[] = ['roll:synced', 'roll:created', 'roll:switched', 'collect:meta-written', 'collect:unlinked'];
    for (const point of points) {
      it(`${point}: no acknowledged entry is lost, replay is exact, and the obsolete segment goes`, async () => {
        const { acked, marks, out } = await runChild(walDir, point, (o) => o.includes(`at ${point}\n`), 20_000);
        expect(out, 'the child reached the fault point').to.contain(`at ${point}\n`);
        expect(acked.get('r1')).to.have.length(60);
        expect(acked.get('r2')).to.have.length(20);
        if (point.startsWith('collect:')) expect(acked.get('r3')).to.deep.equal([1, 2, 3]);
        const wal = await openWal();
        expect(logs.some((l) => /stale lock/.test(l.msg))).to.equal(true);
        const r1 = (await collect(wal.replay('r1', 1))).map((e) => e.sequence);
        const r2 = (await collect(wal.replay('r2', 1))).map((e) => e.sequence);
        // Marks persisted before the crash hide their entries; the others are
        // still there, whole — never a partial region.
        expect(r1).to.deep.equal([]);
        expect([0, 20]).to.include(r2.length);
        await checkRecovered(wal, logs, acked, marks);
        expect((await readdir(walDir)).filter((n) => n.includes('.corrupt'))).to.deep.equal([]);
        // As the engine does when it opens a region: obsolete up to what is
        // flushed. Then only live entries (r3, and the appends just made) remain.
        await wal.obsolete('r1', 61);
        await wal.obsolete('r2', 21);
        const live = point.startsWith('collect:') ? ['r3'] : [];
        expect(wal.segmentFiles().length).to.be.at.most(2);
        const bytes = await walBytes(walDir);
        expect(bytes).to.be.lessThan(2 * SEGMENT_HEADER_BYTES + 10 * 100);
        for (const r of live) expect((await collect(wal.replay(r, 1))).map((e) => e.sequence)).to.deep.equal([1, 2, 3, 4]);
      });
    }

    it('at an arbitrary moment while rolls run over and over, with appends racing them', async () => {
      let killAfter = Infinity;
      const { acked, marks } = await runChild(walDir, 'random', (o) => {
        // Kill once a good number of rounds (and so rolls) went by.
        if (killAfter === Infinity && o.includes('ready\n')) killAfter = o.length + 40_000 + Math.floor(Math.random() * 40_000);
        return o.length >= killAfter;
      }, 15_000);
      const total = [...acked.values()].reduce((a, l) => a + l.length, 0);
      expect(total, 'the child acknowledged appends before it was killed').to.be.greaterThan(200);
      const wal = await openWal({ segmentBytesMax: 16 * 1024 });
      await checkRecovered(wal, logs, acked, marks);
      expect((await readdir(walDir)).filter((n) => n.includes('.corrupt'))).to.deep.equal([]);
      // Obsoleting everything leaves only the (new) active segment.
      for (const r of acked.keys()) await wal.obsolete(r, await wal.lastSequence(r));
      expect(wal.segmentFiles()).to.have.length(1);
      expect(await walBytes(walDir)).to.equal(SEGMENT_HEADER_BYTES);
    });
  });
});
