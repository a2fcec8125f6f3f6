import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { StrataServer, type PluginDefinition } from '@strata/kernel';
import engineLsm from '@strata/engine-lsm';
import storeFs from '@strata/store-fs';
import walLocal from '@strata/wal-local';
import protocolHttp from '@strata/protocol-http';

// COPY over GreptimeDB's /v1/sql: the answer shapes its clients read.
describe('e2e http: COPY over /v1/sql', function () {
  this.timeout(60_000);
  let dir: string;
  let server: StrataServer;
  let url: string;

  const sql = async (statement: string): Promise<{ status: number; body: Record<string, unknown> }> => {
    const r = await fetch(`${url}/v1/sql?db=public`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ sql: statement }).toString() });
    return { status: r.status, body: await r.json() as Record<string, unknown> };
  };

  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'strata-e2e-copy-http-'));
    server = await StrataServer.fromDefinitions([
      { definition: storeFs as PluginDefinition },
      { definition: walLocal as PluginDefinition },
      { definition: engineLsm as PluginDefinition },
      { definition: protocolHttp as PluginDefinition, options: { port: 0 } },
    ], { dataHome: path.join(dir, 'data') }, { logLevel: 'silent', processMetrics: false });
    await server.start();
    url = server.addresses().find((a) => a.protocol === 'http')!.url;
  });
  after(async () => {
    await server?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('answers {"affectedrows": N} for COPY TO and FROM, and 400 with code 1004 for a bad file', async () => {
    const file = path.join(dir, 'demo.csv');
    const r = await sql(`CREATE TABLE demo(host string, cpu double, memory double, ts TIMESTAMP time index);
      INSERT INTO demo(host, cpu, memory, ts) VALUES ('host1', 66.6, 1024, 1655276557000), ('host2', 88.8, 333.3, 1655276558000);
      COPY demo TO '${file}' WITH (format = 'csv');
      CREATE TABLE with_filename(host string, cpu double, memory double, ts timestamp time index);
      COPY with_filename FROM '${file}' WITH (format = 'csv')`);
    expect(r.status, JSON.stringify(r.body)).to.equal(200);
    expect(r.body.output).to.deep.equal([{ affectedrows: 0 }, { affectedrows: 2 }, { affectedrows: 2 }, { affectedrows: 0 }, { affectedrows: 2 }]);
    expect(await readFile(file, 'utf8')).to.equal('host,cpu,memory,ts\nhost1,66.6,1024.0,2022-06-15 07:02:37\nhost2,88.8,333.3,2022-06-15 07:02:38\n');
    await writeFile(file, 'host,ts\nh,not a time\n');
    const bad = await sql(`COPY with_filename FROM '${file}' WITH (format = 'csv')`);
    expect(bad.status).to.equal(400);
    expect(bad.body.code).to.equal(1004);
    expect(bad.body.error).to.contain(`COPY file ${file}, row 1: column ts`);
  });
});
