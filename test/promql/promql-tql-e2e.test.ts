import { expect } from 'chai';
import { generateDataset, promGet, remoteWrite, startPromqlServer } from './promql-support.js';

/** TQL through the SQL path (/v1/sql): the same numbers as the Prometheus API. */
describe('e2e promql: TQL EVAL through /v1/sql', function () {
  this.timeout(60_000);
  let close: () => Promise<void>;
  let url: string;
  const t0 = 1_700_000_000_000;

  before(async () => {
    const s = await startPromqlServer();
    close = s.close; url = s.url;
    await remoteWrite(`${url}/v1/prometheus/write`, generateDataset(t0, 20));
  });
  after(async () => { await close?.(); });

  async function sql(statement: string): Promise<{ status: number; body: any }> {
    const r = await fetch(`${url}/v1/sql`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ sql: statement }).toString() });
    return { status: r.status, body: await r.json() };
  }

  it('returns the values query_range returns, as rows of labels, time, value in GreptimeDB shape', async () => {
    const start = t0 / 1000 + 600; const end = start + 300;
    const q = 'sum by (code) (rate(http_requests_total[5m]))';
    const r = await sql(`TQL EVAL (${start}, ${end}, '60s') ${q}`);
    expect(r.status, JSON.stringify(r.body)).to.equal(200);
    const records = r.body.output[0].records;
    // GreptimeDB's names: the grouping labels, the table's time index, the aggregate of the function of the field
    expect(records.schema.column_schemas.map((c: { name: string }) => c.name)).to.deep.equal(
      ['code', 'greptime_timestamp', 'sum(prom_rate(greptime_timestamp_range,greptime_value,greptime_timestamp,Int64(300000)))']);
    const api = await promGet(`${url}/v1/prometheus`, 'query_range', { query: q, start: String(start), end: String(end), step: '60' });
    const expected: unknown[][] = [];
    for (const s of api.body.data.result) for (const [t, v] of s.values) expected.push([s.metric.code, t * 1000, Number(v)]);
    expect(records.rows).to.deep.equal(expected);
  });

  it('TQL EXPLAIN shows the evaluation tree; bad PromQL is a 400 syntax error', async () => {
    const e = await sql("TQL EXPLAIN (0, 10, '5s') rate(up[1m])");
    expect(e.status).to.equal(200);
    expect(e.body.output[0].records.rows[0][1]).to.match(/Function: rate/);
    const bad = await sql("TQL EVAL (0, 10, '5s') rate(up)");
    expect(bad.status).to.equal(400);
    expect(bad.body.code).to.equal(2000);
  });
});
