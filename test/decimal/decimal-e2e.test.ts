import { expect } from 'chai';
import mysql from 'mysql2/promise';
import pg from 'pg';
import protocolHttp from '@strata/protocol-http';
import { startSqlServer, type SqlServer } from '../protocol-support/sql-server.js';

/**
 * DECIMAL end to end: stored by engine-lsm (memtable and a flushed SST),
 * answered with the declared scale over /v1/sql JSON (strings, as Arrow
 * decimals print), MySQL (NEWDECIMAL text and binary) and PostgreSQL (numeric).
 */
describe('e2e: DECIMAL over HTTP, MySQL and PostgreSQL', function () {
  this.timeout(60_000);
  let s: SqlServer;
  let url: string;
  const sql = async (q: string): Promise<any> => {
    const r = await fetch(`${url}/v1/sql`, { method: 'POST', body: new URLSearchParams({ sql: q }) });
    const body = await r.json() as any;
    if (!r.ok) throw new Error(JSON.stringify(body));
    return body.output[0];
  };
  before(async () => {
    s = await startSqlServer({ plugins: [{ definition: protocolHttp, options: { host: '127.0.0.1', port: 0 } }] });
    url = s.server.addresses().find((a) => a.protocol === 'http')!.url;
    await sql('CREATE TABLE price (sym STRING PRIMARY KEY, ts TIMESTAMP TIME INDEX, px DECIMAL(12, 4))');
    await sql("INSERT INTO price VALUES ('a', 1000, 1.1), ('b', 2000, -0.0005), ('c', 3000, 12345678.9999), ('d', 4000, NULL)");
    await sql("ADMIN flush_table('price')");
    await sql("INSERT INTO price VALUES ('e', 5000, 0.1), ('f', 6000, 0.2)");
  });
  after(async () => { await s?.close(); });

  it('/v1/sql answers decimals as strings with the scale, types as Decimal(p, s)', async () => {
    const out = await sql('SELECT sym, px, px * 2 AS dbl FROM price ORDER BY ts');
    expect(out.records.schema.column_schemas.map((c: { data_type: string }) => c.data_type)).to.deep.equal(['String', 'Decimal(12, 4)', 'Decimal(32, 4)']);
    expect(out.records.rows).to.deep.equal([
      ['a', '1.1000', '2.2000'], ['b', '-0.0005', '-0.0010'], ['c', '12345678.9999', '24691357.9998'], ['d', null, null], ['e', '0.1000', '0.2000'], ['f', '0.2000', '0.4000']]);
    const agg = await sql("SELECT sum(px), avg(px) FROM price WHERE sym IN ('e', 'f')");
    expect(agg.records.rows).to.deep.equal([['0.3000', '0.15000000']]);
  });

  it('MySQL clients read NEWDECIMAL text with the scale (text and binary protocol)', async () => {
    const c = await mysql.createConnection({ host: '127.0.0.1', port: s.mysqlPort, user: 'root', database: 'public' });
    try {
      const [rows, fields] = await c.query('SELECT sym, px FROM price ORDER BY ts LIMIT 3') as [Array<Record<string, unknown>>, mysql.FieldPacket[]];
      expect(fields[1]!.columnType).to.equal(0xf6);
      expect(rows.map((r) => r.px)).to.deep.equal(['1.1000', '-0.0005', '12345678.9999']);
      const [b] = await c.execute('SELECT px FROM price WHERE px > ? ORDER BY ts', [1]) as [Array<Record<string, unknown>>, unknown];
      expect(b.map((r) => r.px)).to.deep.equal(['1.1000', '12345678.9999']);
    } finally { await c.end(); }
  });

  it('PostgreSQL clients read numeric with the scale', async () => {
    const c = new pg.Client({ host: '127.0.0.1', port: s.pgPort, user: 'postgres', database: 'public' });
    await c.connect();
    try {
      const r = await c.query('SELECT sym, px, sum(px) OVER () AS total FROM price ORDER BY ts');
      expect(r.fields[1]!.dataTypeID).to.equal(1700);
      expect(r.rows.map((x) => x.px)).to.deep.equal(['1.1000', '-0.0005', '12345678.9999', null, '0.1000', '0.2000']);
      expect(r.rows[0]!.total).to.equal('12345680.3994');
    } finally { await c.end(); }
  });
});
