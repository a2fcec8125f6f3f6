import { expect } from 'chai';
import { generateDataset, promGet, remoteWrite, startPromqlServer } from './promql-support.js';

/**
 * PromQL end to end: Prometheus remote write into a real server (engine-lsm
 * on store-fs), then the Prometheus HTTP API under /v1/prometheus/api/v1.
 */
describe('e2e promql: Prometheus HTTP API over remote-written data', function () {
  this.timeout(60_000);
  let close: () => Promise<void>;
  let api: string;
  const t0 = 1_700_000_000_000;
  const data = generateDataset(t0, 20);

  before(async () => {
    const s = await startPromqlServer();
    close = s.close;
    api = `${s.url}/v1/prometheus`;
    await remoteWrite(`${s.url}/v1/prometheus/write`, data);
  });
  after(async () => { await close?.(); });

  it('instant query of a selector returns the newest sample per series', async () => {
    const at = (t0 + 10 * 60_000) / 1000;
    const r = await promGet(api, 'query', { query: 'up{instance="i1"}', time: String(at) });
    expect(r.status).to.equal(200);
    expect(r.body.status).to.equal('success');
    expect(r.body.data.resultType).to.equal('vector');
    expect(r.body.data.result).to.deep.equal([{ metric: { __name__: 'up', job: 'api', instance: 'i1' }, value: [at, '1'] }]);
  });

  it('query_range of sum by (code) (rate(...)) returns a sorted matrix', async () => {
    const start = (t0 + 5 * 60_000) / 1000;
    const r = await promGet(api, 'query_range', { query: 'sum by (code) (rate(http_requests_total[5m]))', start: String(start), end: String(start + 600), step: '60' });
    expect(r.status).to.equal(200);
    expect(r.body.data.resultType).to.equal('matrix');
    const result = r.body.data.result as Array<{ metric: Record<string, string>; values: Array<[number, string]> }>;
    expect(result.map((s) => s.metric)).to.deep.equal([{ code: '200' }, { code: '500' }]);
    expect(result[0]!.values).to.have.length(11);
    expect(result[0]!.values[0]![0]).to.equal(start);
    for (const [, v] of result[0]!.values) expect(Number(v)).to.be.greaterThan(0);
  });

  it('series, labels and label values', async () => {
    const s = await promGet(api, 'series', { 'match[]': ['up', 'temperature{room="a"}'] });
    expect(s.status).to.equal(200);
    expect(s.body.data).to.have.deep.members([
      { __name__: 'up', job: 'api', instance: 'i1' }, { __name__: 'up', job: 'api', instance: 'i2' }, { __name__: 'up', job: 'api', instance: 'i3' },
      { __name__: 'temperature', room: 'a', building: 'south' },
    ]);
    const l = await promGet(api, 'labels', {});
    expect(l.body.data).to.include.members(['__name__', 'job', 'instance', 'code', 'le', 'room']);
    const names = await promGet(api, 'label/__name__/values', {});
    expect(names.body.data).to.include.members(['up', 'http_requests_total', 'temperature', 'request_duration_seconds_bucket']);
    const rooms = await promGet(api, 'label/room/values', {});
    expect(rooms.body.data).to.deep.equal(['a', 'b', 'c']);
    const md = await promGet(api, 'metadata', {});
    expect(md.body.status).to.equal('success');
    const bi = await promGet(api, 'status/buildinfo', {});
    expect(bi.body.data.version).to.be.a('string');
  });

  it('histogram_quantile over remote-written buckets', async () => {
    const at = (t0 + 15 * 60_000) / 1000;
    const r = await promGet(api, 'query', { query: 'histogram_quantile(0.9, sum by (le) (rate(request_duration_seconds_bucket[5m])))', time: String(at) });
    expect(r.body.data.result).to.have.length(1);
    const q = Number(r.body.data.result[0].value[1]);
    expect(q).to.be.greaterThan(0).and.at.most(5);
  });

  it('errors use Prometheus envelope and status codes', async () => {
    const bad = await promGet(api, 'query', { query: 'sum(' });
    expect(bad.status).to.equal(400);
    expect(bad.body).to.include({ status: 'error', errorType: 'bad_data' });
    expect(bad.body.error).to.match(/unexpected end of input/);
    const step = await promGet(api, 'query_range', { query: 'up', start: '10', end: '20', step: '0' });
    expect(step.status).to.equal(400);
    expect(step.body.error).to.match(/zero or negative query resolution step/);
    const rangeType = await promGet(api, 'query_range', { query: 'up[5m]', start: '10', end: '20', step: '1' });
    expect(rangeType.body.error).to.match(/invalid expression type "range vector" for range query/);
    const dup = await promGet(api, 'query', { query: 'http_requests_total + on(job) up', time: String((t0 + 10 * 60_000) / 1000) });
    expect(dup.status).to.equal(422);
    expect(dup.body.errorType).to.equal('execution');
  });

  it('POST form queries work like GET (Grafana posts)', async () => {
    const at = (t0 + 10 * 60_000) / 1000;
    const res = await fetch(`${api}/api/v1/query`, {
      method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ query: 'count(up)', time: String(at) }).toString(),
    });
    const body = await res.json() as any;
    expect(body.data.result).to.deep.equal([{ metric: {}, value: [at, '3'] }]);
  });

  it("GreptimeDB's /v1/promql answers a range query in the /v1/sql shape", async () => {
    const start = (t0 + 5 * 60_000) / 1000;
    const q = new URLSearchParams({ query: 'sum by (code) (increase(http_requests_total[5m]))', start: String(start), end: String(start + 120), step: '1m', db: 'public' });
    const res = await fetch(`${api.replace('/v1/prometheus', '')}/v1/promql?${q}`);
    const body = await res.json() as any;
    expect(res.status, JSON.stringify(body)).to.equal(200);
    const records = body.output[0].records;
    expect(records.schema.column_schemas).to.deep.equal([
      { name: 'code', data_type: 'String' }, { name: 'greptime_timestamp', data_type: 'TimestampMillisecond' },
      { name: 'sum(prom_increase(greptime_timestamp_range,greptime_value,greptime_timestamp,Int64(300000)))', data_type: 'Float64' },
    ]);
    expect(records.rows.map((r: unknown[]) => [r[0], r[1]])).to.deep.equal([
      ['200', start * 1000], ['200', start * 1000 + 60_000], ['200', start * 1000 + 120_000],
      ['500', start * 1000], ['500', start * 1000 + 60_000], ['500', start * 1000 + 120_000],
    ]);
    const bad = await fetch(`${api.replace('/v1/prometheus', '')}/v1/promql?query=rate(up)&start=0&end=1&step=1`);
    expect(bad.status).to.equal(400);
    expect(((await bad.json()) as any).code).to.equal(2000);
  });

  it('queries tables filled by InfluxDB line protocol: nanosecond time index, several fields, __field__', async () => {
    const base = api.replace('/v1/prometheus', '');
    const t = t0 + 60_000;
    const lines = [
      `weather,city=paris temp=11.5,humidity=80i ${t}000000`,
      `weather,city=oslo temp=-3.25,humidity=60i ${t}000123`,
      `weather,city=paris temp=12,humidity=82i ${t + 30_000}000000`,
    ].join('\n');
    const w = await fetch(`${base}/v1/influxdb/write?db=public`, { method: 'POST', body: lines });
    expect(w.status).to.equal(204);
    const r = await promGet(api, 'query', { query: 'weather{__field__="temp"}', time: String((t + 30_000) / 1000) });
    expect(r.body.data.result).to.have.deep.members([
      { metric: { __name__: 'weather', city: 'paris' }, value: [(t + 30_000) / 1000, '12'] },
      { metric: { __name__: 'weather', city: 'oslo' }, value: [(t + 30_000) / 1000, '-3.25'] },
    ]);
    const all = await promGet(api, 'query', { query: 'max by (__field__) (weather)', time: String((t + 30_000) / 1000) });
    expect(all.body.data.result).to.have.deep.members([
      { metric: { __field__: 'temp' }, value: [(t + 30_000) / 1000, '12'] },
      { metric: { __field__: 'humidity' }, value: [(t + 30_000) / 1000, '82'] },
    ]);
    const ts = await promGet(api, 'query', { query: 'timestamp(weather{city="oslo", __field__="temp"})', time: String((t + 30_000) / 1000) });
    expect(ts.body.data.result[0].value[1]).to.equal(String(t / 1000));
    // GreptimeDB's /v1/promql answers in TQL's shape: the fields side by side (the API above gives a series per field),
    // fields first since the nanosecond time index is cast to ms, the integer field keeps its type
    const at = String((t + 30_000) / 1000);
    const frame = await (await fetch(`${base}/v1/promql?${new URLSearchParams({ query: 'weather', start: at, end: at, step: '1s', db: 'public' })}`)).json() as any;
    expect(frame.output[0].records.schema.column_schemas).to.deep.equal([
      { name: 'temp', data_type: 'Float64' }, { name: 'humidity', data_type: 'Int64' },
      { name: 'city', data_type: 'String' }, { name: 'greptime_timestamp', data_type: 'TimestampMillisecond' },
    ]);
    expect(frame.output[0].records.rows).to.deep.equal([[-3.25, 60, 'oslo', t + 30_000], [12, 82, 'paris', t + 30_000]]);
  });
});
