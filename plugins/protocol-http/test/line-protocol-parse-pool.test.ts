import { once } from 'node:events';
import http from 'node:http';
import { expect } from 'chai';
import { PROTOCOL, type InsertRequest } from '@strata/kernel';
import { LineProtocolError, PayloadTooLargeError, ServerBusyError } from '../src/errors.js';
import { LineProtocolParser, type Precision } from '../src/influxdb/line-protocol-parser.js';
import { LineProtocolParsePool } from '../src/ingest/line-protocol-parse-pool.js';
import { parsePoolOf } from '../src/index.js';
import { startHttp } from './fixtures.js';

const DEFAULT_TS = 1_700_000_000_123_456_789n;
const MAX_CELLS = 64 * 1024 * 1024;

/** Every value of a request, with types, nulls and column order, as comparable plain data. */
function plain(r: InsertRequest): unknown {
  return {
    database: r.database, table: r.table, rowCount: r.rowCount, autoCreate: r.autoCreate,
    columns: r.columns.map((c) => ({
      name: c.name, semantic: c.semantic, type: String(c.vector.type), length: c.vector.length, nulls: c.vector.nullCount,
      values: Array.from({ length: c.vector.length }, (_, i) => {
        const v: unknown = c.vector.get(i);
        return typeof v === 'bigint' ? `${v}n` : v;
      }),
    })),
  };
}

function inThread(body: string | Buffer, precision: Precision, maxCells = MAX_CELLS): InsertRequest[] {
  return new LineProtocolParser({ precision, defaultTimestampNs: DEFAULT_TS, maxCells }).parse(Buffer.from(body)).map((t) => t.build('public'));
}

async function inPool(pool: LineProtocolParsePool, body: string | Buffer, precision: Precision, maxCells = MAX_CELLS): Promise<InsertRequest[]> {
  return (await pool.parse(Buffer.from(body), { precision, defaultTimestampNs: DEFAULT_TS, maxCells })).map((t) => t.build('public'));
}

/** POSTs `body` in `parts` writes with pauses, so the server reads it as several chunks. */
function postInPieces(url: string, body: Buffer, parts: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: 'POST', headers: { 'content-length': body.length, 'content-type': 'text/plain' } }, (res) => { res.resume(); res.on('end', () => resolve(res.statusCode!)); });
    req.on('error', reject);
    const step = Math.ceil(body.length / parts);
    let at = 0;
    const next = () => {
      if (at >= body.length) { req.end(); return; }
      req.write(body.subarray(at, at + step));
      at += step;
      setTimeout(next, 5);
    };
    next();
  });
}

async function errorOf(p: () => unknown): Promise<Error> {
  try { await p(); } catch (err) { return err as Error; }
  throw new Error('expected an error');
}

const CORPUS = [
  // Escapes in measurement, tag keys and values, field keys and strings.
  'my\\ meas\\,ure,ta\\=g\\ k=v\\,a\\ l\\=ue\\\\,host=h1 f\\ k=1.5,s="quote \\" and \\\\ back" 400000',
  // Every field type, integers at the int64/uint64 edges, every boolean spelling.
  'types,host=a f=-1.25e-3,i=-9223372036854775807i,u=18446744073709551615u,b=t,b2=FALSE,s="str",big=123456789012345678i 400001',
  'types,host=b f=3,i=9223372036854775807i,u=0u,b=True,b2=f,s="" 400002',
  // Missing timestamps (the default one), blank lines, comments, CRLF, leading spaces.
  'cpu,host=a usage_user=12.5,usage_system=3i',
  '',
  '# a comment',
  '  cpu,host=b usage_user=1,usage_idle=80.5 400003\r',
  // Sparse columns: a late tag and field make nulls in earlier rows; ints widened to float.
  'cpu,host=c,rack=r1 usage_user=7i,extra="x" 400004',
  'mem,host=a used=1024u,free=2048u 400005',
  'cpu,host=a usage_user=2 400006',
  'mem,host=b used=1u',
  'température,lieu=café°C valeur=1,note="é漢字" 400007',
  'disk,path=/var f=1,f=2 400008',
].join('\n');

describe('protocol-http: line-protocol parse worker pool', function () {
  this.timeout(20_000);
  let pool: LineProtocolParsePool;

  beforeEach(async () => {
    pool = new LineProtocolParsePool({ workers: 2, maxQueued: 64, retryAfterMs: 1000 });
    await pool.start();
  });
  afterEach(async () => { await pool.stop(); });

  it('gives the same InsertRequests as in-thread parsing over a corpus, at every precision', async () => {
    for (const precision of ['ns', 'us', 'ms', 's', 'm', 'h'] as Precision[]) {
      const expected = inThread(CORPUS, precision);
      const got = await inPool(pool, CORPUS, precision);
      expect(got.map(plain), precision).to.deep.equal(expected.map(plain));
      expect(got.map((r) => r.table)).to.deep.equal(['my meas,ure', 'types', 'cpu', 'mem', 'température', 'disk']);
    }
    // A larger generated batch (many rows per table, several batches in parallel).
    const big = Array.from({ length: 20_000 }, (_, i) => `cpu,host=h${i % 100},region=r${i % 7} usage_user=${i % 100}.5,n=${i}i,ok=${i % 2 ? 't' : 'f'},s="v${i}" ${1_600_000_000_000_000_000n + BigInt(i) * 10_000_000_000n}`).join('\n');
    const results = await Promise.all([1, 2, 3, 4].map(() => inPool(pool, big, 'ns')));
    const expected = inThread(big, 'ns').map(plain);
    for (const r of results) expect(r.map(plain)).to.deep.equal(expected);
    expect(results[0]![0]!.rowCount).to.equal(20_000);
  });

  it('transfers the column buffers (typed arrays, strings as offsets + UTF-8 data) rather than per-row values', async () => {
    const [t] = await pool.parse(Buffer.from('cpu,host=a v=1,s="x" 1\ncpu,host=b v=2,s="yz" 2'), { precision: 'ns', maxCells: MAX_CELLS });
    const host = t!.data.columns.find((c) => c.name === 'host')!;
    expect(host.valueOffsets).to.be.instanceOf(Int32Array);
    expect(Array.from(host.valueOffsets!)).to.deep.equal([0, 1, 2]);
    expect(Buffer.from(host.data).toString()).to.equal('ab');
    expect(t!.data.columns.find((c) => c.name === 'v')!.data).to.be.instanceOf(Float64Array);
  });

  it('transfers an owned body to the worker and copies a view of a larger buffer', async () => {
    const owned = Buffer.alloc(7); // never from the shared pool
    owned.write('t v=1 1');
    expect(owned.byteLength).to.equal(owned.buffer.byteLength);
    await pool.parse(owned, { precision: 'ns', maxCells: MAX_CELLS });
    expect(owned.byteLength).to.equal(0); // detached: moved, not copied
    const view = Buffer.from('xxt v=1 1').subarray(2);
    const [t] = await pool.parse(view, { precision: 'ns', maxCells: MAX_CELLS });
    expect(t!.rowCount).to.equal(1);
    expect(view.toString()).to.equal('t v=1 1');
  });

  it('parses a body sent as pieces (socket chunks) like the joined body, moving owned pieces and copying views', async () => {
    const body = Buffer.from(CORPUS);
    const cuts = [0, 1, 37, 38, 200, 201, 530, body.length];
    const pieces: Uint8Array[] = [];
    for (let k = 0; k + 1 < cuts.length; k++) {
      const part = body.subarray(cuts[k], cuts[k + 1]);
      pieces.push(k === 2 ? Buffer.concat([Buffer.from('zz'), part]).subarray(2) : Uint8Array.from(part)); // one view, the others owned
    }
    pieces.splice(3, 0, new Uint8Array(0));
    const got = (await pool.parse(pieces, { precision: 'ns', defaultTimestampNs: DEFAULT_TS, maxCells: MAX_CELLS })).map((t) => t.build('public'));
    expect(got.map(plain)).to.deep.equal(inThread(CORPUS, 'ns').map(plain));
    expect(pieces[0]!.byteLength).to.equal(0); // owned: moved
    expect(pieces[2]!.byteLength).to.be.greaterThan(0); // a view: copied
  });

  it('raises the same errors as in-thread parsing (class, line, message, code)', async () => {
    const bad: Array<[string, Precision]> = [
      ['ok v=1 1\nbad v= 1\n', 'ns'], ['ok v=1 1\n\nt\n', 'ns'], ['t v=1 1\nt v="unterminated 1', 'ns'], ['t v=1x', 'ns'],
      ['t v=9223372036854775808i', 'ns'], ['t v=-1u', 'ns'], ['t v=1 12a', 'ns'], ['t,a=1 v=1\nt a=1', 'ns'],
      ['t v=1\nt v="s"', 'ns'], ['t,a=1,a=2 v=1', 'ns'], [',a=1 v=1', 'ns'], ['t,a= v=1', 'ns'], ['t v=1 99999999999', 's'],
      ['t\u0001 v=1', 'ns'],
    ];
    for (const [text, precision] of bad) {
      const a = await errorOf(() => inThread(text, precision)) as LineProtocolError;
      const b = await errorOf(() => inPool(pool, text, precision)) as LineProtocolError;
      expect(a, text).to.be.instanceOf(LineProtocolError);
      expect(b.constructor, text).to.equal(a.constructor);
      expect(b.message, text).to.equal(a.message);
      expect(b.line, text).to.equal(a.line);
      expect((b as unknown as { code: string }).code).to.equal((a as unknown as { code: string }).code);
    }
    const utf8 = Buffer.concat([Buffer.from('t v=1 1\nt,h='), Buffer.from([0xff, 0xfe]), Buffer.from(' v=1 2\n')]);
    const a = await errorOf(() => inThread(utf8, 'ns'));
    const b = await errorOf(() => inPool(pool, utf8, 'ns'));
    expect([b.constructor, b.message]).to.deep.equal([a.constructor, a.message]);
    const sparse = Array.from({ length: 2000 }, (_, i) => `t f${i}=1 ${i}`).join('\n');
    const tooLarge = await errorOf(() => inPool(pool, sparse, 'ns', 100_000));
    expect(tooLarge).to.be.instanceOf(PayloadTooLargeError);
    expect(tooLarge.message).to.equal((await errorOf(() => inThread(sparse, 'ns', 100_000))).message);
  });

  it('survives a worker that dies: it is replaced and parsing goes on', async () => {
    const [first] = pool.workers();
    const id = first!.threadId;
    const exited = once(first!, 'exit');
    await first!.terminate();
    await exited;
    await new Promise((r) => setTimeout(r, 10));
    expect(pool.restarts).to.equal(1);
    expect(pool.workers()).to.have.length(2);
    expect(pool.workers().map((w) => w.threadId)).not.to.include(id);
    const runs = await Promise.all(Array.from({ length: 6 }, (_, i) => inPool(pool, `t v=${i} ${i}`, 'ns')));
    expect(runs.map((r) => r[0]!.rowCount)).to.deep.equal([1, 1, 1, 1, 1, 1]);
  });

  it('refuses with ServerBusyError (503 + Retry-After) when the queue is full', async () => {
    const small = new LineProtocolParsePool({ workers: 1, maxQueued: 1, retryAfterMs: 2000, inFlightPerWorker: 1 });
    await small.start();
    try {
      const body = 't v=1 1';
      const p1 = inPool(small, body, 'ns');
      const p2 = inPool(small, body, 'ns');
      const err = await errorOf(() => inPool(small, body, 'ns'));
      expect(err).to.be.instanceOf(ServerBusyError);
      expect((err as ServerBusyError).httpStatus).to.equal(503);
      expect((err as ServerBusyError).retryAfterMs).to.equal(2000);
      expect((await p1)[0]!.rowCount).to.equal(1);
      expect((await p2)[0]!.rowCount).to.equal(1);
    } finally {
      await small.stop();
    }
  });

  it('stop terminates the workers and later parses are refused', async () => {
    const exits = pool.workers().map((w) => once(w, 'exit'));
    expect(exits).to.have.length(2);
    await pool.stop();
    await Promise.all(exits);
    expect(pool.running).to.equal(false);
    expect(await errorOf(() => inPool(pool, 't v=1 1', 'ns'))).to.match(/not running/);
  });
});

describe('protocol-http: line protocol over HTTP through the parse workers', function () {
  this.timeout(20_000);

  it('writes the same requests as the in-thread path, answers errors alike, and stop terminates the workers', async () => {
    const pooled = await startHttp({ parseWorkers: 2, parseWorkerMinBytes: 1 });
    const plainServer = await startHttp({ parseWorkers: 0 });
    try {
      const pool = parsePoolOf(pooled.server.getAll(PROTOCOL)[0]!)!;
      expect(pool.running).to.equal(true);
      expect(parsePoolOf(plainServer.server.getAll(PROTOCOL)[0]!)).to.equal(undefined);
      // Timestamps everywhere: the default one ("now") differs between the two servers.
      const body = CORPUS.replace(/^cpu,host=a usage_user=12.5,usage_system=3i$/m, '$& 400009').replace(/^mem,host=b used=1u$/m, '$& 400010');
      for (const s of [pooled, plainServer]) {
        const r = await fetch(`${s.url}/v1/influxdb/write?db=public&precision=s`, { method: 'POST', body });
        expect(r.status).to.equal(204);
      }
      const norm = (s: typeof pooled): unknown => s.query.inserts.flatMap((i) => i.requests.map(plain));
      expect(norm(pooled)).to.deep.equal(norm(plainServer));
      expect(pooled.query.inserts[0]!.requests).to.have.length(6);
      const answers = [];
      for (const s of [pooled, plainServer]) {
        const r = await fetch(`${s.url}/v1/influxdb/write`, { method: 'POST', body: 'a v=1 1\nb v=2 2\nc v=oops 3\nd v=4 4' });
        answers.push({ status: r.status, body: ((await r.json()) as { error: string }).error });
      }
      expect(answers[0]).to.deep.equal(answers[1]);
      expect(answers[0]!.status).to.equal(400);
      expect(pooled.query.inserts).to.have.length(1); // the malformed batch wrote nothing
      // A body of many socket chunks (sent in pieces) reaches the workers unjoined, same rows.
      const big = Array.from({ length: 30_000 }, (_, i) => `cpu,host=h${i % 100},region=r${i % 7} usage_user=${i % 100}.5,n=${i}i ${1_600_000_000_000_000_000n + BigInt(i) * 10_000_000_000n}`).join('\n');
      const before = pooled.query.inserts.length;
      for (const s of [pooled, plainServer]) {
        const r = await postInPieces(`${s.url}/v1/influxdb/write?db=public`, Buffer.from(big), 7);
        expect(r).to.equal(204);
      }
      expect(pooled.query.inserts.length).to.equal(before + 1);
      expect(pooled.query.inserts.at(-1)!.requests.map(plain)).to.deep.equal(plainServer.query.inserts.at(-1)!.requests.map(plain));
      expect(pooled.query.inserts.at(-1)!.requests[0]!.rowCount).to.equal(30_000);
      const exits = pool.workers().map((w) => once(w, 'exit'));
      await pooled.stop();
      await Promise.all(exits);
      expect(pool.running).to.equal(false);
    } finally {
      await pooled.stop().catch(() => undefined);
      await plainServer.stop();
    }
  });
});
