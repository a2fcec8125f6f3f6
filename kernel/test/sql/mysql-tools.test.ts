import * as arrow from 'apache-arrow';
import { expect } from 'chai';
import { createSession, FUNCTION_REGISTRY, type AsyncScalarFunction } from '../../src/index.js';
import { parseKind, parseOne } from './parser-helpers.js';
import { drain, SqlHarness } from '../support/sql-harness.js';

/**
 * wait_for_kill(x): returns x after `maxMs`, unless the statement is aborted
 * first (then it rejects with the abort reason, as a well-behaved async
 * function does). A slow statement that is bounded in time.
 */
function waitForKill(maxMs: number, started: () => void): AsyncScalarFunction {
  return {
    kind: 'scalar', async: true, name: 'wait_for_kill',
    signatures: [{ args: ['numeric'] }], returnType: { name: 'Float64' },
    invokeAsync([x], ctx) {
      started();
      return new Promise<arrow.Vector>((resolve, reject) => {
        const done = () => {
          ctx.signal?.removeEventListener('abort', onAbort);
          const out = new Float64Array(ctx.rowCount);
          for (let i = 0; i < ctx.rowCount; i++) out[i] = Number(x!.get(i) ?? 0);
          resolve(arrow.makeVector(out));
        };
        const timer = setTimeout(done, maxMs);
        const onAbort = () => { clearTimeout(timer); reject(ctx.signal!.reason); };
        if (ctx.signal?.aborted) onAbort(); else ctx.signal?.addEventListener('abort', onAbort, { once: true });
      });
    },
  };
}

async function errorOf(p: Promise<unknown>): Promise<Error & { code?: string }> {
  return p.then(() => { throw new Error('expected an error'); }, (e: Error) => e);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('sql: the statements MySQL tools send (SHOW ENGINES, SHOW PROCESSLIST, KILL, information_schema)', function () {
  this.timeout(20_000);

  describe('parsing', () => {
    it('parses SHOW ENGINES, SHOW [FULL] PROCESSLIST and the KILL forms with one derivation each', () => {
      expect(parseKind('SHOW ENGINES', 'ShowEngines').kind).to.equal('ShowEngines');
      expect(parseKind('show processlist', 'ShowProcessList').full).to.equal(false);
      expect(parseKind('SHOW FULL PROCESSLIST', 'ShowProcessList').full).to.equal(true);
      expect(parseKind("KILL 'host-1:4001/17'", 'Kill')).to.include({ target: 'process', id: 'host-1:4001/17' });
      expect(parseKind('KILL 17', 'Kill')).to.include({ target: 'process', id: '17' });
      expect(parseKind('kill query 42', 'Kill')).to.include({ target: 'query', id: '42' });
      expect(parseKind('KILL CONNECTION 42', 'Kill')).to.include({ target: 'connection', id: '42' });
    });

    it('keeps the words identifiers elsewhere, and SHOW name a variable', () => {
      expect(parseKind('SHOW search_path', 'ShowVariables').name).to.equal('search_path');
      expect(parseKind('SHOW engines_x', 'ShowVariables').name).to.equal('engines_x');
      const s = parseOne('SELECT kill, query, engines, processlist, connection FROM t');
      expect(s.kind).to.equal('QueryStatement');
      expect(parseKind('CREATE TABLE kill (ts TIMESTAMP TIME INDEX, query STRING)', 'CreateTable').name.name).to.equal('kill');
    });
  });

  describe('running', () => {
    let h: SqlHarness;
    beforeEach(async () => {
      h = await SqlHarness.start();
      await h.q('CREATE TABLE m (host STRING, ts TIMESTAMP TIME INDEX, v DOUBLE, PRIMARY KEY(host))');
      await h.q("INSERT INTO m VALUES ('a', 1, 1.0), ('b', 2, 2.0)");
      await h.q('CREATE TABLE n (ts TIMESTAMP TIME INDEX, v DOUBLE)');
    });
    afterEach(async () => { await h.stop(); });

    it('SHOW ENGINES answers MySQL\'s columns over information_schema.engines', async () => {
      const r = await h.q('SHOW ENGINES');
      expect(r.columns).to.deep.equal(['Engine', 'Support', 'Comment', 'Transactions', 'XA', 'Savepoints']);
      expect(r.rows).to.deep.equal((await h.q('SELECT * FROM information_schema.engines')).rows);
      expect(r.rows[0]!.slice(0, 2)).to.deep.equal(['mito', 'DEFAULT']);
    });

    it('lists a running statement in SHOW [FULL] PROCESSLIST and process_list, and KILL stops it', async () => {
      let started!: () => void;
      const running = new Promise<void>((r) => { started = r; });
      h.server.get(FUNCTION_REGISTRY).register(waitForKill(8_000, () => started()), 'test');
      const other = createSession({ channel: 'mysql', database: 'public', clientAddress: '127.0.0.1:50123', connectionId: 7 });
      const t0 = Date.now();
      const slow = (async () => { for await (const o of h.query.execute('SELECT wait_for_kill(v) FROM m', other)) await drain(o); })();
      const failed = errorOf(slow);
      await running;
      await sleep(20);

      const short = await h.q('SHOW PROCESSLIST');
      expect(short.columns).to.deep.equal(['Id', 'Catalog', 'Query', 'Elapsed Time']);
      expect(short.types).to.deep.equal(['String', 'String', 'String', 'IntervalMonthDayNano']);
      // The slow statement and SHOW PROCESSLIST itself.
      expect(short.rows.map((r) => r[2])).to.have.members(['SELECT wait_for_kill(v) FROM m', 'SHOW PROCESSLIST']);
      const mine = short.rows.find((r) => r[2] === 'SELECT wait_for_kill(v) FROM m')!;
      expect(mine[0]).to.match(/^[^/]+\/\d+$/);
      expect(mine[1]).to.equal('greptime');
      // Elapsed Time: an interval (months, days, nanoseconds as two 32-bit halves) since the statement started.
      const iv = mine[3] as Int32Array;
      const elapsedMs = ((iv[2]! >>> 0) + iv[3]! * 2 ** 32) / 1e6;
      expect([iv[0], iv[1]]).to.deep.equal([0, 0]);
      expect(elapsedMs).to.be.within(15, Date.now() - t0 + 1);

      const full = await h.q('SHOW FULL PROCESSLIST');
      expect(full.columns).to.deep.equal(['Id', 'Catalog', 'Schema', 'Client', 'Frontend', 'Start Time', 'Elapsed Time', 'Query']);
      const row = full.rows.find((r) => r[7] === 'SELECT wait_for_kill(v) FROM m')!;
      expect(row[0]).to.equal(mine[0]);
      expect(row.slice(1, 4)).to.deep.equal(['greptime', 'public', 'mysql[127.0.0.1:50123]']);
      expect(String(row[0]).startsWith(`${row[4]}/`)).to.equal(true);
      expect(Number(row[5])).to.be.within(t0 - 5, Date.now());

      const table = await h.q("SELECT id, schemas, client, start_timestamp FROM information_schema.process_list WHERE query LIKE '%wait_for_kill%' AND query NOT LIKE '%process_list%'");
      expect(table.rows).to.have.length(1);
      expect(table.rows[0]!.slice(0, 3)).to.deep.equal([mine[0], 'public', 'mysql[127.0.0.1:50123]']);

      const killed = await h.q(`KILL '${String(mine[0])}'`);
      expect(killed.affected).to.equal(1);
      const e = await failed;
      expect(e.code).to.equal('CANCELLED');
      expect(e.message).to.contain(`${String(mine[0])} was killed`);
      expect(Date.now() - t0).to.be.below(6_000);
      // Gone from the list; a second KILL finds nothing.
      expect((await h.q('SHOW PROCESSLIST')).rows.map((r) => r[2])).to.deep.equal(['SHOW PROCESSLIST']);
      expect((await h.q(`KILL '${String(mine[0])}'`)).affected).to.equal(0);
    });

    it('KILL QUERY <connection id> stops what that MySQL connection runs; KILL n takes the number alone', async () => {
      let started!: () => void;
      let running = new Promise<void>((r) => { started = r; });
      h.server.get(FUNCTION_REGISTRY).register(waitForKill(8_000, () => started()), 'test');
      const conn = createSession({ channel: 'mysql', database: 'public', connectionId: 42 });
      const run = () => errorOf((async () => { for await (const o of h.query.execute('SELECT wait_for_kill(v) FROM m', conn)) await drain(o); })());
      let failed = run();
      await running;
      expect((await h.q('KILL QUERY 41')).affected).to.equal(0);
      expect((await h.q('KILL QUERY 42')).affected).to.equal(1);
      expect((await failed).code).to.equal('CANCELLED');

      running = new Promise<void>((r) => { started = r; });
      failed = run();
      await running;
      const id = String((await h.q("SELECT id FROM information_schema.process_list WHERE query LIKE 'SELECT wait_for_kill%'")).rows[0]![0]);
      expect((await h.q(`KILL ${id.slice(id.lastIndexOf('/') + 1)}`)).affected).to.equal(1);
      expect((await failed).code).to.equal('CANCELLED');
    });

    it('removes statements when drained, failed or abandoned, so only the reader is listed', async () => {
      await h.q('SELECT * FROM m');
      await errorOf(h.q('SELECT nope FROM m'));
      await errorOf(h.q('SELECT 1 / 0 FROM m'));
      await h.all('SELECT 1; SELECT 2; INSERT INTO n VALUES (1, 1)');
      // An output whose batches are never read, the consumer giving up on the rest of the text.
      for await (const o of h.query.execute('SELECT * FROM m; SELECT * FROM n', h.session)) { void o; break; }
      // Batches read in part, then dropped.
      for await (const o of h.query.execute('SELECT * FROM m', h.session)) {
        if (o.kind === 'records') for await (const b of o.batches) { void b; break; }
      }
      expect((await h.q('SELECT query FROM information_schema.process_list')).rows).to.deep.equal([['SELECT query FROM information_schema.process_list']]);
    });

    it('refuses KILL CONNECTION and ids that are not process ids', async () => {
      const conn = await errorOf(h.q('KILL CONNECTION 3'));
      expect(conn.code).to.equal('UNSUPPORTED');
      expect(conn.message).to.contain('KILL QUERY 3');
      expect((await errorOf(h.q("KILL 'a/b'"))).code).to.equal('INVALID_ARGUMENTS');
      expect((await errorOf(h.q('KILL QUERY 1.5'))).code).to.equal('INVALID_ARGUMENTS');
      // A process id of another frontend names nothing here.
      expect((await h.q("KILL 'elsewhere:4001/1'")).affected).to.equal(0);
    });

    it("has GreptimeDB's information_schema tables for MySQL tools, with its columns", async () => {
      const names = (await h.q('SHOW TABLES FROM information_schema')).rows.map((r) => r[0]);
      for (const t of ['check_constraints', 'cluster_info', 'collation_character_set_applicability', 'column_privileges', 'column_statistics', 'events', 'files',
        'flows', 'global_status', 'optimizer_trace', 'parameters', 'procedure_info', 'process_list', 'profiling', 'referential_constraints', 'region_peers',
        'schema_privileges', 'session_status', 'table_constraints', 'table_privileges', 'triggers', 'views']) expect(names, t).to.include(t);
      const cols = async (t: string) => (await h.q(`SELECT * FROM information_schema.${t}`)).columns;
      expect(await cols('table_constraints')).to.deep.equal(['constraint_catalog', 'constraint_schema', 'constraint_name', 'table_schema', 'table_name', 'constraint_type', 'enforced']);
      expect(await cols('views')).to.deep.equal(['table_catalog', 'table_schema', 'table_name', 'view_definition', 'check_option', 'is_updatable', 'definer',
        'security_type', 'character_set_client', 'collation_connection']);
      expect(await cols('process_list')).to.deep.equal(['id', 'catalog', 'schemas', 'query', 'client', 'frontend', 'start_timestamp', 'elapsed_time']);
      expect(await cols('referential_constraints')).to.have.length(11);
      expect(await cols('events')).to.have.length(24);
      expect(await cols('files')).to.have.length(38);
      expect(await cols('parameters')).to.have.length(16);
      expect(await cols('profiling')).to.have.length(18);
      expect(await cols('triggers')).to.have.length(22);
      const events = await h.q('SELECT * FROM information_schema.events');
      expect(events.rows).to.deep.equal([]);
      expect(events.types[8]).to.equal('TimestampMicrosecond');
      expect(await h.rows("SELECT count(*) FROM information_schema.triggers WHERE trigger_schema = 'public'")).to.deep.equal([[0]]);
    });

    it('fills table_constraints, region_peers and cluster_info from the catalog, as GreptimeDB standalone does', async () => {
      expect(await h.rows("SELECT * FROM information_schema.table_constraints WHERE table_schema = 'public' ORDER BY table_name, constraint_name")).to.deep.equal([
        ['def', 'public', 'PRIMARY', 'public', 'm', 'PRIMARY KEY', 'YES'],
        ['def', 'public', 'TIME INDEX', 'public', 'm', 'TIME INDEX', 'YES'],
        ['def', 'public', 'TIME INDEX', 'public', 'n', 'TIME INDEX', 'YES'],
      ]);
      const peers = await h.q("SELECT table_name, region_id, peer_id, peer_addr, is_leader, status, down_seconds FROM information_schema.region_peers WHERE table_schema = 'public' ORDER BY table_name");
      const stats = await h.q("SELECT region_id FROM information_schema.region_statistics ORDER BY region_id");
      expect(peers.rows.map((r) => r[1])).to.deep.equal(stats.rows.map((r) => r[0]));
      expect(peers.rows.map((r) => [r[0], r[2], r[3], r[4], r[5], r[6]])).to.deep.equal([['m', 0n, '', 'Yes', 'ALIVE', null], ['n', 0n, '', 'Yes', 'ALIVE', null]]);
      const info = await h.q('SELECT peer_id, peer_type, peer_addr, version, total_cpu_millicores > 0, total_memory_bytes > 0, uptime FROM information_schema.cluster_info');
      expect(info.rows).to.have.length(1);
      expect(info.rows[0]!.slice(0, 6)).to.deep.equal([0n, 'STANDALONE', '', (await h.q('SELECT pkg_version FROM information_schema.build_info')).rows[0]![0], true, true]);
      expect(String(info.rows[0]![6])).to.match(/^(\d+(days?|h|m|s|ms) ?)+$/);
      expect(await h.rows('SELECT * FROM information_schema.collation_character_set_applicability')).to.deep.equal([['utf8_bin', 'utf8']]);
    });
  });
});
