import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { InfluxDB, Point, setLogger } from '@influxdata/influxdb-client';
import { StrataServer, type PluginDefinition } from '@strata/kernel';
import engineLsm from '@strata/engine-lsm';
import storeFs from '@strata/store-fs';
import walLocal from '@strata/wal-local';
import authStatic from '@strata/auth-static';
import protocolHttp from '@strata/protocol-http';

/**
 * The official InfluxDB 2.x JavaScript client writing through
 * /v1/influxdb/api/v2/write with GreptimeDB's token form (`user:password`),
 * read back through /v1/sql.
 */
describe('e2e http: official @influxdata/influxdb-client', function () {
  this.timeout(60_000);
  let dir: string;
  let server: StrataServer;
  let url: string;
  const auth = `Basic ${Buffer.from('greptime_user:greptime_pwd').toString('base64')}`;

  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'strata-e2e-influx-client-'));
    server = await StrataServer.fromDefinitions([
      { definition: storeFs as PluginDefinition },
      { definition: walLocal as PluginDefinition },
      { definition: engineLsm as PluginDefinition },
      { definition: authStatic as PluginDefinition, options: { users: ['greptime_user=greptime_pwd'] } },
      { definition: protocolHttp as PluginDefinition, options: { port: 0 } },
    ], { dataHome: dir }, { logLevel: 'silent', processMetrics: false });
    await server.start();
    url = server.addresses()[0]!.url;
  });

  after(async () => {
    await server?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('writes points with tags and typed fields; they read back through SQL', async () => {
    const influx = new InfluxDB({ url: `${url}/v1/influxdb`, token: 'greptime_user:greptime_pwd', timeout: 10_000 });
    const writer = influx.getWriteApi('any-org', 'public', 'ms', { maxRetries: 0 });
    writer.writePoint(new Point('room').tag('site', 'lyon').tag('floor', '2').floatField('temp', 21.5).intField('people', 7).booleanField('open', true).stringField('note', 'a "quoted", text').timestamp(new Date(1700000000000)));
    writer.writePoint(new Point('room').tag('site', 'oslo').floatField('temp', -3.25).timestamp(new Date(1700000001000)));
    await writer.close();

    const r = await fetch(`${url}/v1/sql?sql=${encodeURIComponent('SELECT site, floor, temp, people, open, note, greptime_timestamp FROM room ORDER BY greptime_timestamp')}`, { headers: { authorization: auth } });
    expect(r.status).to.equal(200);
    const body = await r.json() as { output: Array<{ records: { rows: unknown[][]; schema: { column_schemas: Array<{ name: string; data_type: string }> } } }> };
    expect(body.output[0]!.records.rows).to.deep.equal([
      ['lyon', '2', 21.5, 7, true, 'a "quoted", text', 1700000000000000000],
      ['oslo', null, -3.25, null, null, null, 1700000001000000000],
    ]);
    const types = Object.fromEntries(body.output[0]!.records.schema.column_schemas.map((c) => [c.name, c.data_type]));
    expect(types).to.deep.equal({ site: 'String', floor: 'String', temp: 'Float64', people: 'Int64', open: 'Boolean', note: 'String', greptime_timestamp: 'TimestampNanosecond' });
  });

  it('surfaces a wrong token as an HTTP 401 error in the client', async () => {
    // The client logs failed writes itself; keep the test output clean.
    const quiet = { error: () => undefined, warn: () => undefined };
    const previous = setLogger(quiet);
    const influx = new InfluxDB({ url: `${url}/v1/influxdb`, token: 'greptime_user:wrong', timeout: 10_000 });
    const writer = influx.getWriteApi('any-org', 'public', 'ms', { maxRetries: 0 });
    writer.writePoint(new Point('room').floatField('temp', 1).timestamp(new Date(1700000002000)));
    let status = 0;
    try { await writer.close(); } catch (err) { status = (err as { statusCode?: number }).statusCode ?? -1; }
    setLogger(previous);
    expect(status).to.equal(401);
  });
});
