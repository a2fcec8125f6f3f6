import { expect } from 'chai';
import { createHash } from 'node:crypto';
import { CPU_FIELD_KEYS, CPU_TAG_KEYS, TsbsCpuGenerator, TSBS_START_MS } from '../src/tsbs/tsbs-cpu-generator.js';
import { QUERY_TYPES, makeCpuQueries } from '../src/tsbs/tsbs-cpu-queries.js';

function digest(gen: TsbsCpuGenerator, batch: number): string {
  const h = createHash('sha256');
  for (const b of gen.lineBatches(batch)) h.update(b);
  return h.digest('hex');
}

/** A deliberately independent line-protocol reader: measurement,tags fields timestamp. */
function parseLine(line: string): { measurement: string; tags: Map<string, string>; fields: Map<string, number>; ts: bigint } {
  const [head, fieldText, tsText, ...rest] = line.split(' ');
  expect(rest, `extra spaces in: ${line}`).to.have.length(0);
  const [measurement, ...tagPairs] = head!.split(',');
  const tags = new Map(tagPairs.map((p) => p.split('=') as [string, string]));
  const fields = new Map(
    fieldText!.split(',').map((p) => {
      const [k, v] = p.split('=');
      expect(v, `field ${k}`).to.match(/^-?\d+(\.\d+)?$/);
      return [k!, Number(v)] as [string, number];
    }),
  );
  expect(tsText).to.match(/^\d+$/);
  return { measurement: measurement!, tags, fields, ts: BigInt(tsText!) };
}

describe('bench: TSBS cpu-only generator', () => {
  it('produces the same bytes for the same seed, whatever the batch size', () => {
    const a = digest(new TsbsCpuGenerator({ hosts: 7, hours: 0.5, seed: 42 }), 100);
    const b = digest(new TsbsCpuGenerator({ hosts: 7, hours: 0.5, seed: 42 }), 37);
    const c = digest(new TsbsCpuGenerator({ hosts: 7, hours: 0.5, seed: 43 }), 100);
    expect(a).to.equal(b);
    expect(a).to.not.equal(c);
  });

  it('yields hosts x epochs rows in batches of at most the batch size', () => {
    const gen = new TsbsCpuGenerator({ hosts: 10, hours: 2, seed: 1 });
    expect(gen.epochs).to.equal(720);
    expect(gen.rowCount).to.equal(7200);
    let rows = 0;
    let batches = 0;
    for (const b of gen.batches(1000)) {
      expect(b.length).to.be.at.most(1000);
      expect(b.fields).to.have.length(CPU_FIELD_KEYS.length);
      rows += b.length;
      batches++;
    }
    expect(rows).to.equal(7200);
    expect(batches).to.equal(8);
    let lines = 0;
    for (const buf of gen.lineBatches(5000)) lines += buf.toString('latin1').split('\n').filter(Boolean).length;
    expect(lines).to.equal(7200);
  });

  it('writes parseable line protocol with the 10 TSBS tags and fields, epoch by epoch', () => {
    const gen = new TsbsCpuGenerator({ hosts: 3, hours: 0.1, seed: 9 });
    const text = [...gen.lineBatches(10)].map((b) => b.toString('latin1')).join('');
    expect(text.endsWith('\n')).to.equal(true);
    const lines = text.split('\n').filter(Boolean);
    expect(lines).to.have.length(gen.rowCount);
    const parsed = lines.map(parseLine);
    for (const [i, p] of parsed.entries()) {
      expect(p.measurement).to.equal('cpu');
      expect([...p.tags.keys()]).to.deep.equal([...CPU_TAG_KEYS]);
      expect([...p.fields.keys()]).to.deep.equal([...CPU_FIELD_KEYS]);
      for (const v of p.fields.values()) {
        expect(v).to.be.within(0, 100);
        expect(Number.isInteger(v)).to.equal(true);
      }
      expect(p.tags.get('hostname')).to.equal(`host_${i % 3}`);
      const epoch = Math.floor(i / 3);
      expect(p.ts).to.equal(BigInt(TSBS_START_MS + epoch * 10_000) * 1_000_000n);
    }
    // Random walks: consecutive values of one series move by small steps.
    const user = parsed.filter((p) => p.tags.get('hostname') === 'host_0').map((p) => p.fields.get('usage_user')!);
    for (let i = 1; i < user.length; i++) expect(Math.abs(user[i]! - user[i - 1]!)).to.be.below(8);
  });

  it('makes the same query parameters for the same seed, within the data range', () => {
    const opts = { hostCount: 10, dataStartMs: TSBS_START_MS, dataEndMs: TSBS_START_MS + 24 * 3_600_000, seed: 5 };
    for (const type of QUERY_TYPES) {
      const a = makeCpuQueries(type, 4, opts);
      const b = makeCpuQueries(type, 4, opts);
      expect(a.map((q) => q.sql)).to.deep.equal(b.map((q) => q.sql));
      for (const q of a) {
        expect(q.startMs).to.be.at.least(opts.dataStartMs);
        expect(q.endMs).to.be.at.most(opts.dataEndMs);
        expect(q.sql).to.match(/FROM cpu/);
        for (const h of q.hosts) expect(Number(h.slice(5))).to.be.below(10);
      }
    }
  });
});
