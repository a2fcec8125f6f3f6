import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { CorruptionError, InvalidArgumentsError } from '@strata/kernel';
import { CronSchedule, parseTriggerArguments, parseTriggerSpec, formatTriggerSpec, TriggerStore, type StoredTrigger } from '../src/index.js';

const at = (y: number, mo: number, d: number, h = 0, mi = 0, s = 0) => Date.UTC(y, mo - 1, d, h, mi, s);
const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());

describe('coprocessor-python triggers: specs, cron and the trigger store', function () {
  this.timeout(10_000);

  it('parses the four spec kinds and refuses bad ones with a hint', () => {
    expect(parseTriggerSpec('table:cpu')).to.deep.equal({ kind: 'table', table: 'cpu' });
    expect(parseTriggerSpec('all_tables')).to.deep.equal({ kind: 'all_tables' });
    expect(parseTriggerSpec('every:1m30s')).to.deep.equal({ kind: 'every', periodMs: 90_000 });
    expect(parseTriggerSpec('request:/hooks/alert/')).to.deep.equal({ kind: 'request', path: 'hooks/alert' });
    expect(parseTriggerSpec('cron:0 0 * * *').kind).to.equal('cron');
    for (const bad of ['table:', 'every:10', 'every:500ms', 'every:soon', 'cron:* * *', 'request:a b', 'request:../x?', 'hourly', '']) {
      expect(() => parseTriggerSpec(bad), bad).to.throw(InvalidArgumentsError);
    }
    expect(() => parseTriggerSpec('often:1s')).to.throw(/use table:<name>, all_tables, every:<duration>/);
    expect(formatTriggerSpec(parseTriggerSpec(' request:/a/b '), ' request:/a/b ')).to.equal('request:a/b');
  });

  it('parses InfluxDB-style trigger arguments', () => {
    expect(parseTriggerArguments('threshold=50, target = hot,empty=')).to.deep.equal({ threshold: '50', target: 'hot', empty: '' });
    expect(parseTriggerArguments(undefined)).to.deep.equal({});
    expect(() => parseTriggerArguments('novalue')).to.throw(/key=value/);
  });

  it('computes the next cron time for 5- and 6-field expressions, in UTC', () => {
    const from = at(2026, 1, 1, 10, 7, 30);
    expect(iso(CronSchedule.parse('*/15 * * * *').next(from))).to.equal(iso(at(2026, 1, 1, 10, 15)));
    expect(iso(CronSchedule.parse('0 */15 * * * *').next(from))).to.equal(iso(at(2026, 1, 1, 10, 15)));
    expect(iso(CronSchedule.parse('* * * * * *').next(from))).to.equal(iso(at(2026, 1, 1, 10, 7, 31)));
    expect(iso(CronSchedule.parse('30 9 * * mon-fri').next(at(2026, 1, 2, 9, 30)))).to.equal(iso(at(2026, 1, 5, 9, 30))); // Fri -> Mon
    expect(iso(CronSchedule.parse('0 0 29 2 *').next(from))).to.equal(iso(at(2028, 2, 29)));
    expect(iso(CronSchedule.parse('@hourly').next(from))).to.equal(iso(at(2026, 1, 1, 11)));
    expect(iso(CronSchedule.parse('0 12 1 jan,jul *').next(from))).to.equal(iso(at(2026, 1, 1, 12)));
    expect(iso(CronSchedule.parse('0 12 1 jan,jul *').next(at(2026, 1, 1, 12)))).to.equal(iso(at(2026, 7, 1, 12)));
    // both day fields restricted: either matches (the 13th, or any Friday)
    expect(iso(CronSchedule.parse('0 0 13 * 5').next(at(2026, 1, 1)))).to.equal(iso(at(2026, 1, 2)));
    expect(iso(CronSchedule.parse('0 0 * * 7').next(at(2026, 1, 1)))).to.equal(iso(at(2026, 1, 4))); // 7 = Sunday
    expect(CronSchedule.parse('0 0 30 2 *').next(from)).to.equal(undefined);
    expect(() => CronSchedule.parse('61 * * * *')).to.throw(/minute 61 is out of range/);
    expect(() => CronSchedule.parse('* * * * * * *')).to.throw(/5 fields/);
    expect(() => CronSchedule.parse('5-1 * * * *')).to.throw(/backwards/);
    expect(() => CronSchedule.parse('*/0 * * * *')).to.throw(/bad step/);
  });

  it('stores triggers durably, and refuses a damaged file when reopened', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'strata-trigger-store-'));
    try {
      const t: StoredTrigger = {
        database: 'public', name: 'a', script: 's', spec: 'table:cpu', args: { k: 'v' }, disabled: false, errorBehavior: 'log', createdAtMs: 1, updatedAtMs: 2,
      };
      const store = new TriggerStore(dir, true);
      await store.open();
      await store.put(t);
      await store.put({ ...t, name: 'b', database: 'db2' });
      expect(await store.delete('public', 'missing')).to.equal(false);
      const again = new TriggerStore(dir);
      await again.open();
      expect(again.list().map((x) => `${x.database}.${x.name}`)).to.deep.equal(['db2.b', 'public.a']);
      expect(again.get('public', 'a')).to.deep.equal(t);
      expect(await again.delete('db2', 'b')).to.equal(true);
      const third = new TriggerStore(dir);
      await third.open();
      expect(third.list()).to.have.length(1);
      let thrown: unknown;
      try { await third.put({ ...t, errorBehavior: 'retry' as never }); } catch (err) { thrown = err; }
      expect(String(thrown)).to.match(/malformed/);
      await fs.writeFile(path.join(dir, 'triggers.json'), '{"version":1,"triggers":[{"name":1}]}');
      thrown = undefined;
      try { await new TriggerStore(dir).open(); } catch (err) { thrown = err; }
      expect(thrown).to.be.instanceOf(CorruptionError);
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });
});
