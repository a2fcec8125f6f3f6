import { expect } from 'chai';
import { OptionIssue, describeOptions, o, parseBytes, parseDurationMs } from '../src/index.js';

describe('option schema', () => {
  const schema = o.object({
    port: o.integer({ default: 4000, min: 0, max: 65535, description: 'TCP port' }),
    host: o.string({ default: '127.0.0.1' }),
    tls: o.boolean({ default: false }),
    mode: o.enum(['always', 'interval', 'none'] as const, { default: 'always' }),
    flushInterval: o.duration({ default: '1s' }),
    memtable: o.bytes({ default: '64MiB' }),
    peers: o.array(o.string(), { default: [] }),
    token: o.string({ optional: true }),
    nested: o.object({ depth: o.integer({ default: 2 }) }),
  });

  it('fills defaults and infers types', () => {
    const v = schema.parse({}, '');
    expect(v).to.deep.equal({ port: 4000, host: '127.0.0.1', tls: false, mode: 'always', flushInterval: 1000, memtable: 64 * 1024 * 1024, peers: [], nested: { depth: 2 } });
    const port: number = v.port; // compile-time check of the inferred type
    expect(port).to.equal(4000);
  });

  it('coerces strings from the environment', () => {
    const v = schema.parse({ port: '4100', tls: 'true', peers: 'a:1, b:2', flushInterval: '1h30m', memtable: '1.5GB', nested: { depth: '5' } }, '');
    expect(v.port).to.equal(4100);
    expect(v.tls).to.equal(true);
    expect(v.peers).to.deep.equal(['a:1', 'b:2']);
    expect(v.flushInterval).to.equal(5_400_000);
    expect(v.memtable).to.equal(1_500_000_000);
    expect(v.nested.depth).to.equal(5);
  });

  it('names the key in every error', () => {
    const bad: Array<[unknown, string, RegExp]> = [
      [{ port: 70000 }, 'port', /<= 65535/],
      [{ port: 'abc' }, 'port', /integer/],
      [{ port: 1.5 }, 'port', /integer/],
      [{ mode: 'sometimes' }, 'mode', /one of 'always' \| 'interval' \| 'none'/],
      [{ flushInterval: 'soon' }, 'flushInterval', /duration/],
      [{ memtable: '12 parsecs' }, 'memtable', /size/],
      [{ tls: 'maybe' }, 'tls', /true or false/],
      [{ nested: { depth: 'x' } }, 'nested.depth', /integer/],
      [{ prot: 1 }, 'prot', /unknown option \(known: port, host/],
      [{ peers: [1] }, 'peers[0]', /string/],
    ];
    for (const [input, key, re] of bad) {
      try {
        schema.parse(input, '');
        expect.fail(`accepted ${JSON.stringify(input)}`);
      } catch (err) {
        expect(err).to.be.instanceOf(OptionIssue);
        expect((err as OptionIssue).key).to.equal(key);
        expect((err as OptionIssue).message).to.match(re);
      }
    }
  });

  it('requires options without defaults', () => {
    const s = o.object({ bucket: o.string() });
    expect(() => s.parse({}, '')).to.throw(OptionIssue, /required/);
  });

  it('parses durations and sizes', () => {
    expect(parseDurationMs('500ms')).to.equal(500);
    expect(parseDurationMs('2d')).to.equal(172_800_000);
    expect(parseDurationMs('1h 30m')).to.equal(undefined);
    expect(parseDurationMs(250)).to.equal(250);
    expect(parseBytes('4KiB')).to.equal(4096);
    expect(parseBytes('10')).to.equal(10);
    expect(parseBytes('-1')).to.equal(undefined);
  });

  it('describes options for README tables', () => {
    const rows = describeOptions(schema);
    const port = rows.find((r) => r.key === 'port');
    expect(port).to.deep.include({ type: 'integer >= 0 <= 65535', default: '4000', description: 'TCP port' });
    expect(rows.map((r) => r.key)).to.include('nested.depth');
    expect(rows.find((r) => r.key === 'token')!.default).to.equal('(none)');
  });
});
