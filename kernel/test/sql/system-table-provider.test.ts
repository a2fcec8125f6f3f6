import * as arrow from 'apache-arrow';
import { expect } from 'chai';
import type { DataType, SystemTableProvider } from '../../src/index.js';
import { SqlHarness } from '../support/sql-harness.js';

const S: DataType = { name: 'String' };
const I: DataType = { name: 'Int64' };
const TS: DataType = { name: 'TimestampMillisecond' };

/** A provider over a mutable list, built the way a plugin would (plain Arrow batches). */
function jobsTable(jobs: Array<{ name: string; runs: number; at: number }>, database = 'public', name = 'jobs'): SystemTableProvider & { calls: number } {
  const p = {
    database, name, calls: 0,
    columns: [{ name: 'name', type: S }, { name: 'runs', type: I }, { name: 'at', type: TS }, { name: 'note', type: S }],
    rows() {
      p.calls++;
      // Columns in another order than declared, `note` absent, `at` as plain numbers: the kernel matches by name and converts.
      return [arrow.tableFromArrays({
        at: Float64Array.from(jobs.map((j) => j.at)),
        runs: BigInt64Array.from(jobs.map((j) => BigInt(j.runs))),
        name: jobs.map((j) => j.name),
      }).batches[0]!];
    },
  };
  return p;
}

describe('sql: system tables added by plugins (QueryService.addSystemTable)', function () {
  this.timeout(10_000);
  let h: SqlHarness;
  beforeEach(async () => { h = await SqlHarness.start(); });
  afterEach(async () => { await h.stop(); });

  it('answers SELECT with filters and ordering, reading the provider on every query', async () => {
    const jobs = [{ name: 'b', runs: 2, at: 2000 }, { name: 'a', runs: 5, at: 1000 }];
    const p = jobsTable(jobs);
    h.query.addSystemTable!(p);
    const r = await h.q('SELECT name, runs, at, note FROM jobs WHERE runs > 1 ORDER BY name');
    expect(r.types).to.deep.equal(['String', 'Int64', 'TimestampMillisecond', 'String']);
    expect(r.rows.map((x) => [x[0], Number(x[1]), Number(x[2]), x[3]])).to.deep.equal([['a', 5, 1000, null], ['b', 2, 2000, null]]);
    jobs.push({ name: 'c', runs: 1, at: 3000 });
    expect(await h.rows('SELECT count(*), sum(runs) FROM public.jobs')).to.deep.equal([[3, 8]]);
    expect(p.calls).to.equal(2);
  });

  it('is listed by SHOW TABLES, information_schema.tables and columns, and DESCRIBE', async () => {
    await h.q('CREATE TABLE cpu (host STRING, ts TIMESTAMP TIME INDEX, PRIMARY KEY(host))');
    h.query.addSystemTable!(jobsTable([]));
    expect((await h.rows('SHOW TABLES')).flat()).to.deep.equal(['cpu', 'jobs']);
    expect(await h.rows('SHOW FULL TABLES')).to.deep.equal([['cpu', 'BASE TABLE'], ['jobs', 'LOCAL TEMPORARY']]);
    expect(await h.rows("SELECT table_name, table_type FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name"))
      .to.deep.equal([['cpu', 'BASE TABLE'], ['jobs', 'LOCAL TEMPORARY']]);
    expect(await h.rows("SELECT column_name, greptime_data_type FROM information_schema.columns WHERE table_name = 'jobs' ORDER BY ordinal_position"))
      .to.deep.equal([['name', 'String'], ['runs', 'Int64'], ['at', 'TimestampMillisecond'], ['note', 'String']]);
    expect((await h.rows('DESC TABLE jobs')).map((x) => x.slice(0, 2))).to.deep.equal([['name', 'String'], ['runs', 'Int64'], ['at', 'TimestampMillisecond'], ['note', 'String']]);
  });

  it('can live in information_schema, but never replaces a built-in view', async () => {
    h.query.addSystemTable!(jobsTable([{ name: 'x', runs: 1, at: 0 }], 'information_schema'));
    expect(await h.rows('SELECT name FROM information_schema.jobs')).to.deep.equal([['x']]);
    expect((await h.rows('SHOW TABLES FROM information_schema')).flat()).to.include('jobs');
    expect(() => h.query.addSystemTable!(jobsTable([], 'information_schema', 'tables'))).to.throw(/information_schema.tables already exists/);
  });

  it('refuses a second table of the same name; the remover takes it away', async () => {
    const remove = h.query.addSystemTable!(jobsTable([{ name: 'x', runs: 1, at: 0 }]));
    expect(() => h.query.addSystemTable!(jobsTable([]))).to.throw(/public.jobs already exists/);
    remove();
    await h.q('SELECT * FROM jobs').then(() => expect.fail('should fail'), (e) => expect(e.code).to.equal('TABLE_NOT_FOUND'));
    expect((await h.rows('SHOW TABLES')).flat()).to.deep.equal([]);
  });

  it('a catalog table of the same name wins (user data is never hidden)', async () => {
    h.query.addSystemTable!(jobsTable([{ name: 'from-plugin', runs: 1, at: 0 }]));
    await h.q("CREATE TABLE jobs (name STRING, ts TIMESTAMP TIME INDEX, PRIMARY KEY(name)); INSERT INTO jobs VALUES ('from-user', 1)");
    expect(await h.rows('SELECT name FROM jobs')).to.deep.equal([['from-user']]);
    expect((await h.rows('SHOW FULL TABLES'))).to.deep.equal([['jobs', 'BASE TABLE']]);
    await h.q('DROP TABLE jobs');
    expect(await h.rows('SELECT name FROM jobs')).to.deep.equal([['from-plugin']]);
  });
});
