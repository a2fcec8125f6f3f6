import * as arrow from 'apache-arrow';
import { expect } from 'chai';
import { createSession, TABLE_WRITES, type TableWriteEvent } from '../../src/index.js';
import { SqlHarness } from '../support/sql-harness.js';

const tick = () => new Promise((r) => setImmediate(r));

describe('kernel: table write notifications (TABLE_WRITES) and plugin ADMIN functions', function () {
  this.timeout(10_000);
  let h: SqlHarness;
  beforeEach(async () => { h = await SqlHarness.start(); });
  afterEach(async () => { await h.stop(); });

  it('publishes each acknowledged INSERT and ingest write, after it returned, with the written rows and the session', async () => {
    const writes = h.server.get(TABLE_WRITES);
    expect(writes.active).to.equal(false);
    const seen: TableWriteEvent[] = [];
    const remove = writes.add((e) => seen.push(e));
    expect(writes.active).to.equal(true);
    await h.q('CREATE TABLE cpu (host STRING, ts TIMESTAMP TIME INDEX, usage DOUBLE, PRIMARY KEY(host))');
    await h.q("INSERT INTO cpu VALUES ('a', 1000, 1.5), ('b', 2000, 2.5)");
    // delivered on a later turn of the event loop, never inside the write
    expect(seen).to.have.length(0);
    await tick();
    expect(seen).to.have.length(1);
    expect(seen[0]!.database).to.equal('public');
    expect(seen[0]!.table).to.equal('cpu');
    expect(seen[0]!.session).to.equal(h.session);
    expect(seen[0]!.batch.numRows).to.equal(2);
    expect([...seen[0]!.batch.getChild('host')!]).to.deep.equal(['a', 'b']);

    const ingest = createSession({ channel: 'influxdb' });
    await h.query.insert([{
      database: 'public', table: 'mem', rowCount: 3, autoCreate: true, columns: [
        { name: 'host', semantic: 'tag', vector: arrow.vectorFromArray(['x', 'y', 'z'], new arrow.Utf8()) },
        { name: 'ts', semantic: 'timestamp', vector: arrow.vectorFromArray([1n, 2n, 3n], new arrow.TimestampMillisecond()) },
        { name: 'used', semantic: 'field', vector: arrow.vectorFromArray([1, 2, 3], new arrow.Float64()) },
      ],
    }], ingest);
    await tick();
    expect(seen.map((e) => `${e.table}:${e.batch.numRows}:${e.session.channel}`)).to.deep.equal(['cpu:2:internal', 'mem:3:influxdb']);

    // a failed write publishes nothing; a throwing listener fails nothing
    writes.add(() => { throw new Error('listener bug'); });
    await h.q("INSERT INTO cpu VALUES ('c', 3000, 3.5)");
    let failed = false;
    try { await h.q('INSERT INTO cpu (host) VALUES (1, 2)'); } catch { failed = true; }
    expect(failed).to.equal(true);
    await tick();
    expect(seen).to.have.length(3);
    remove();
    await h.q("INSERT INTO cpu VALUES ('d', 4000, 4.5)");
    await tick();
    expect(seen).to.have.length(3);
  });

  it('runs plugin ADMIN functions with constant arguments and one-row answers, beside flush_table', async () => {
    const calls: unknown[][] = [];
    const remove = h.query.addAdminFunction!({
      name: 'echo_args',
      call(args, session) { calls.push([...args, session.database]); return args.length; },
    });
    h.query.addAdminFunction!({ name: 'hello', call: async ([who]) => `hello ${String(who)}` });
    const r = await h.q("ADMIN echo_args('a', 1 + 2, 'it''s')");
    expect(r.columns).to.deep.equal(["echo_args('a', 3, 'it''s')"]);
    expect(r.types).to.deep.equal(['UInt64']);
    expect(r.rows).to.deep.equal([[3n]]);
    expect(calls).to.deep.equal([['a', 3n, "it's", 'public']]);
    expect((await h.q("ADMIN hello('x')")).rows).to.deep.equal([['hello x']]);
    expect(() => h.query.addAdminFunction!({ name: 'hello', call: () => 0 })).to.throw(/already exists/);
    expect(() => h.query.addAdminFunction!({ name: 'flush_table', call: () => 0 })).to.throw(/already exists/);
    remove();
    let msg = '';
    try { await h.q("ADMIN echo_args('a')"); } catch (err) { msg = (err as Error).message; }
    expect(msg).to.match(/unknown ADMIN function echo_args \(flush_table, compact_table, flush_region, compact_region, hello\)/);
    await h.q('CREATE TABLE t (ts TIMESTAMP TIME INDEX)');
    expect((await h.q("ADMIN flush_table('t')")).rows).to.deep.equal([[0n]]);
  });
});
