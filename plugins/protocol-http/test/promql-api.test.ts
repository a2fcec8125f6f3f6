import { expect } from 'chai';
import { definePlugin, PROMQL, type PromqlApiResponse, type PromqlService, type QueryOutput } from '@strata/kernel';
import { startHttp, type TestServer } from './fixtures.js';

/** Records what the HTTP layer hands the PROMQL service; the real engine is tested in the kernel and in test/promql. */
class RecordingPromql implements PromqlService {
  readonly calls: Array<{ endpoint: string; params: Record<string, unknown>; database: string }> = [];
  response: PromqlApiResponse = { status: 200, body: { status: 'success', data: { resultType: 'vector', result: [] } } };
  async handleApi(endpoint: string, params: Readonly<Record<string, unknown>>, options: { database: string }): Promise<PromqlApiResponse> {
    this.calls.push({ endpoint, params: { ...params }, database: options.database });
    return this.response;
  }
  async evaluateTql(): Promise<QueryOutput> { return { kind: 'affected', affectedRows: 0 }; }
}

describe('Prometheus HTTP API routes (/v1/prometheus/api/v1)', function () {
  this.timeout(10_000);
  let t: TestServer;
  const promql = new RecordingPromql();

  before(async () => {
    t = await startHttp({}, { plugins: [definePlugin({ name: 'test-promql', kind: 'service', provides: [PROMQL], register(ctx) { ctx.bind(PROMQL, promql); } })] });
  });
  after(async () => { await t.stop(); });

  it('GET passes the endpoint, query parameters (repeated ones as arrays) and the database', async () => {
    const res = await fetch(`${t.url}/v1/prometheus/api/v1/series?match[]=up&match[]=${encodeURIComponent('foo{a="b"}')}&db=mydb`);
    expect(res.status).to.equal(200);
    expect(await res.json()).to.deep.equal({ status: 'success', data: { resultType: 'vector', result: [] } });
    const call = promql.calls.at(-1)!;
    expect(call.endpoint).to.equal('series');
    expect(call.params['match[]']).to.deep.equal(['up', 'foo{a="b"}']);
    expect(call.database).to.equal('mydb');
  });

  it('POST form bodies merge with the query string; x-greptime-db-name wins', async () => {
    const res = await fetch(`${t.url}/v1/prometheus/api/v1/query_range?step=15`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-greptime-db-name': 'other' },
      body: new URLSearchParams({ query: 'rate(x[5m])', start: '0', end: '60' }).toString(),
    });
    expect(res.status).to.equal(200);
    const call = promql.calls.at(-1)!;
    expect(call).to.deep.include({ endpoint: 'query_range', database: 'other' });
    expect(call.params).to.deep.include({ query: 'rate(x[5m])', start: '0', end: '60', step: '15' });
  });

  it('label/<name>/values reaches the service; its status and Prometheus error body pass through', async () => {
    promql.response = { status: 400, body: { status: 'error', errorType: 'bad_data', error: 'invalid parameter "query"' } };
    const res = await fetch(`${t.url}/v1/prometheus/api/v1/label/job/values`);
    expect(res.status).to.equal(400);
    expect(res.headers.get('content-type')).to.match(/application\/json/);
    expect(await res.json()).to.deep.equal({ status: 'error', errorType: 'bad_data', error: 'invalid parameter "query"' });
    expect(promql.calls.at(-1)!.endpoint).to.equal('label/job/values');
    expect(promql.calls.at(-1)!.database).to.equal('public');
  });
});

describe('Prometheus HTTP API without a PROMQL service', function () {
  this.timeout(10_000);
  it('answers 501 in the Prometheus error shape', async () => {
    const t = await startHttp();
    try {
      const res = await fetch(`${t.url}/v1/prometheus/api/v1/query?query=up`);
      expect(res.status).to.equal(501);
      expect(await res.json()).to.deep.include({ status: 'error', errorType: 'unavailable' });
    } finally { await t.stop(); }
  });
});
