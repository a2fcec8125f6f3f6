import { expect } from 'chai';
import mysql from 'mysql2/promise';
import type { PluginDefinition } from '@strata/kernel';
import protocolHttp from '@strata/protocol-http';
import { startSqlServer, type SqlServer } from '../protocol-support/sql-server.js';
import { generateDataset, remoteWrite } from './promql-support.js';

/** `TQL EXPLAIN ANALYZE` as one command, through /v1/sql and a MySQL client, on a real server. */
describe('e2e promql: TQL EXPLAIN ANALYZE through /v1/sql and MySQL', function () {
  this.timeout(60_000);
  let s: SqlServer;
  let url: string;
  const t0 = 1_700_000_000_000;

  before(async () => {
    s = await startSqlServer({ plugins: [{ definition: protocolHttp as PluginDefinition, options: { port: 0 } }] });
    url = s.server.addresses().find((a) => a.protocol === 'http')!.url;
    await remoteWrite(`${url}/v1/prometheus/write`, generateDataset(t0, 20));
  });
  after(async () => { await s?.close(); });

  const start = t0 / 1000 + 600;
  const statement = `TQL EXPLAIN ANALYZE (${start}, ${start + 300}, '60s') sum by (code) (rate(http_requests_total[5m]))`;

  it('answers plan and analyze rows over /v1/sql, with what the scans read', async () => {
    const r = await fetch(`${url}/v1/sql`, {
      method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ sql: statement }).toString(),
    });
    const body = await r.json() as { output: Array<{ records: { schema: { column_schemas: Array<{ name: string }> }; rows: string[][] } }> };
    expect(r.status, JSON.stringify(body)).to.equal(200);
    const records = body.output[0]!.records;
    expect(records.schema.column_schemas.map((c) => c.name)).to.deep.equal(['plan_type', 'plan']);
    expect(records.rows.map((row) => row[0])).to.deep.equal(['logical_plan', 'analyze']);
    expect(records.rows[0]![1]).to.match(/Aggregate: sum by \(code\)\n\s+Function: rate\n\s+RangeSelector: range=300000ms/);
    const analyze = records.rows[1]![1]!;
    expect(analyze).to.match(/output_rows=\d+ elapsed=[\d.]+ms steps=6\n/);
    const m = /select: selectors=1 tables=1 series=(\d+) samples=(\d+)/.exec(analyze);
    expect(m, analyze).to.not.equal(null);
    expect(Number(m![1])).to.be.greaterThan(0);
    expect(Number(/rows_scanned=(\d+)/.exec(analyze)![1])).to.be.at.least(Number(m![2]));
  });

  it('answers the same through a MySQL client, also without parameters', async () => {
    const c = await mysql.createConnection({ host: '127.0.0.1', port: s.mysqlPort, user: 'root', database: 'public' });
    try {
      const [rows, fields] = await c.query(statement) as [Array<{ plan_type: string; plan: string }>, mysql.FieldPacket[]];
      expect(fields.map((f) => f.name)).to.deep.equal(['plan_type', 'plan']);
      expect(rows.map((r) => r.plan_type)).to.deep.equal(['logical_plan', 'analyze']);
      expect(rows[1]!.plan).to.match(/steps=6\n.*series=\d+ samples=\d+/s);
      // GreptimeDB's defaults without parameters: one step at t = 0 (no data there)
      const [none] = await c.query('TQL EXPLAIN ANALYZE http_requests_total') as [Array<{ plan_type: string; plan: string }>, unknown];
      expect(none[1]!.plan).to.match(/^output_rows=0 elapsed=[\d.]+ms steps=1\n/);
      const [verbose] = await c.query(`TQL EXPLAIN ANALYZE VERBOSE (${start}, ${start}, '1s') count(http_requests_total)`) as [Array<{ plan: string }>, unknown];
      expect(verbose[1]!.plan).to.match(/^output_rows=1 /);
    } finally { await c.end(); }
  });
});
