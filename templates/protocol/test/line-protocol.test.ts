import { mkdtemp, rm } from 'node:fs/promises';
import * as net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { PROTOCOL, StrataServer } from '@strata/kernel';
import engineLsm from '@strata/engine-lsm';
import storeFs from '@strata/store-fs';
import walLocal from '@strata/wal-local';
import plugin, { csvField } from '../src/index.js';

/** A real server: store-fs + wal-local + engine-lsm + this protocol; catalog and query are kernel built-ins. */
async function startServer(dataHome: string, options: Record<string, unknown> = {}): Promise<StrataServer> {
  const server = await StrataServer.fromDefinitions([
    { definition: storeFs, options: { fsync: false } },
    { definition: walLocal, options: { syncMode: 'none' } },
    { definition: engineLsm },
    { definition: plugin, options: { port: 0, ...options } },
  ], { dataHome }, { logLevel: 'silent', processMetrics: false });
  await server.start();
  return server;
}

/** A line client: sends text, collects answer lines until `answers` status lines (OK/ERR/BYE) arrived. */
class LineClient {
  private buffered = '';
  readonly lines: string[] = [];
  private waiter?: () => void;
  closed = false;
  private constructor(readonly socket: net.Socket) {
    socket.setEncoding('utf8');
    socket.on('data', (s: string) => {
      this.buffered += s;
      const parts = this.buffered.split('\n');
      this.buffered = parts.pop()!;
      this.lines.push(...parts);
      this.waiter?.();
    });
    socket.on('close', () => { this.closed = true; this.waiter?.(); });
    socket.on('error', () => undefined);
  }
  static async connect(port: number): Promise<LineClient> {
    const socket = net.connect(port, '127.0.0.1');
    await new Promise<void>((resolve, reject) => { socket.once('connect', resolve); socket.once('error', reject); });
    return new LineClient(socket);
  }
  private statusCount(): number { return this.lines.filter((l) => /^(OK|ERR|BYE)\b/.test(l)).length; }
  /** Waits until `n` status lines in total were received (or the socket closed). */
  async untilStatus(n: number, timeoutMs = 10_000): Promise<string[]> {
    const deadline = Date.now() + timeoutMs;
    while (this.statusCount() < n && !this.closed) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${n} answers; got ${JSON.stringify(this.lines)}`);
      await new Promise<void>((resolve) => { this.waiter = resolve; setTimeout(resolve, 50); });
    }
    return this.lines;
  }
  async ask(text: string, answers = 1): Promise<string[]> {
    const before = this.lines.length;
    const had = this.statusCount();
    this.socket.write(text);
    await this.untilStatus(had + answers);
    return this.lines.slice(before);
  }
  close(): void { this.socket.destroy(); }
}

describe('__NAME__ protocol (line-based SQL over TCP)', function () {
  this.timeout(30_000);
  let dataHome: string;
  let server: StrataServer;
  let port: number;

  beforeEach(async () => {
    dataHome = await mkdtemp(path.join(os.tmpdir(), '__NAME__-'));
    server = await startServer(dataHome);
    port = server.addresses().find((a) => a.protocol === '__NAME__')!.port;
  });
  afterEach(async () => {
    await server.stop();
    await rm(dataHome, { recursive: true, force: true });
  });

  it('is bound as a PROTOCOL and listens on the port it was given', () => {
    const p = server.getAll(PROTOCOL).find((x) => x.name === '__NAME__');
    expect(p).to.not.equal(undefined);
    expect(port).to.be.greaterThan(0);
    expect(p!.addresses()[0]!.url).to.equal(`tcp://127.0.0.1:${port}`);
  });

  it('creates, inserts and answers rows as CSV with a status line', async () => {
    const c = await LineClient.connect(port);
    try {
      expect(await c.ask("CREATE TABLE cpu (host STRING, ts TIMESTAMP TIME INDEX, v DOUBLE, PRIMARY KEY (host))\n")).to.deep.equal(['OK 0']);
      expect(await c.ask("INSERT INTO cpu VALUES ('a', 1000, 1.5), ('b', 2000, 2.5), ('a', 3000, null)\n")).to.deep.equal(['OK 3']);
      expect(await c.ask('SELECT host, ts, v FROM cpu ORDER BY host, ts\r\n')).to.deep.equal([
        'host,ts,v', 'a,1000,1.5', 'a,3000,', 'b,2000,2.5', 'OK 3',
      ]);
      // Two statements on one line: two answers, in order.
      expect(await c.ask('SELECT count(*) AS n FROM cpu; SELECT 1 + 1 AS two\n', 2)).to.deep.equal(['n', '3', 'OK 1', 'two', '2', 'OK 1']);
    } finally { c.close(); }
  });

  it('answers errors with status and code, and keeps the connection usable', async () => {
    const c = await LineClient.connect(port);
    try {
      const [err] = await c.ask('SELECT * FROM no_such_table\n');
      expect(err).to.match(/^ERR 4001 TABLE_NOT_FOUND /);
      expect((await c.ask('SELEC 1\n'))[0]).to.match(/^ERR 2000 INVALID_SYNTAX /);
      expect(await c.ask('SELECT 7 AS x\n')).to.deep.equal(['x', '7', 'OK 1']);
    } finally { c.close(); }
  });

  it('answers pipelined lines in order and ignores empty lines', async () => {
    const c = await LineClient.connect(port);
    try {
      const got = await c.ask('SELECT 1 AS a\n\nSELECT 2 AS b\nSELECT 3 AS c\n', 3);
      expect(got).to.deep.equal(['a', '1', 'OK 1', 'b', '2', 'OK 1', 'c', '3', 'OK 1']);
    } finally { c.close(); }
  });

  it('answers thousands of pipelined lines in one burst (reading pauses and resumes)', async () => {
    const c = await LineClient.connect(port);
    try {
      const n = 3000;
      const got = await c.ask(Array.from({ length: n }, (_, i) => `SELECT ${i} AS v\n`).join(''), n);
      const values = got.filter((_, i) => i % 3 === 1).map(Number);
      expect(values).to.have.length(n);
      expect(values.every((v, i) => v === i)).to.equal(true);
    } finally { c.close(); }
  });

  it('skips a line longer than maxLineBytes with one ERR and keeps the framing', async () => {
    await server.stop();
    server = await startServer(dataHome, { maxLineBytes: 64 });
    port = server.addresses()[0]!.port;
    const c = await LineClient.connect(port);
    try {
      const long = `SELECT '${'x'.repeat(200)}'\n`;
      // Split across writes so the limit is hit across chunks.
      c.socket.write(long.slice(0, 50));
      const got = await c.ask(`${long.slice(50)}SELECT 5 AS five\n`, 2);
      expect(got[0]).to.match(/^ERR 6000 RESOURCES_EXHAUSTED request line longer than maxLineBytes \(64 bytes\)/);
      expect(got.slice(1)).to.deep.equal(['five', '5', 'OK 1']);
    } finally { c.close(); }
  });

  it('stops a result past maxResultRows with ERR, and refuses connections past maxConnections', async () => {
    await server.stop();
    server = await startServer(dataHome, { maxResultRows: 2, maxConnections: 1 });
    port = server.addresses()[0]!.port;
    const c = await LineClient.connect(port);
    try {
      const got = await c.ask('SELECT * FROM (VALUES (1), (2), (3)) AS t(x)\n');
      expect(got.at(-1)).to.match(/^ERR 6000 RESOURCES_EXHAUSTED result has more than maxResultRows \(2\)/);
      const second = await LineClient.connect(port);
      await second.untilStatus(1);
      expect(second.lines[0]).to.match(/^ERR 6000 RESOURCES_EXHAUSTED too many connections/);
      second.close();
    } finally { c.close(); }
  });

  it('answers QUIT with BYE and closes; a half-closed client still gets its answers', async () => {
    const c = await LineClient.connect(port);
    expect(await c.ask('QUIT\n')).to.deep.equal(['BYE']);
    await c.untilStatus(2).catch(() => undefined);
    expect(c.closed).to.equal(true);

    const d = await LineClient.connect(port);
    d.socket.end('SELECT 42 AS answer\n');
    await d.untilStatus(1);
    expect(d.lines).to.deep.equal(['answer', '42', 'OK 1']);
  });

  it('drains on stop: lines already received are answered, then the connection closes', async () => {
    const c = await LineClient.connect(port);
    c.socket.write('SELECT 1 AS a\nSELECT 2 AS b\n');
    await c.untilStatus(1);
    await server.stop();
    await c.untilStatus(2);
    expect(c.lines.filter((l) => l.startsWith('OK'))).to.have.length(2);
    const deadline = Date.now() + 5000;
    while (!c.closed && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(c.closed).to.equal(true);
    server = await startServer(dataHome); // afterEach stops it
  });

  it('closes a connection idle longer than idleTimeout, not one that keeps talking', async () => {
    await server.stop();
    server = await startServer(dataHome, { idleTimeout: '300ms' });
    port = server.addresses()[0]!.port;
    const c = await LineClient.connect(port);
    for (let i = 0; i < 4; i++) {
      expect(await c.ask(`SELECT ${i} AS i\n`)).to.deep.equal(['i', String(i), 'OK 1']);
      await new Promise((r) => setTimeout(r, 150)); // 4 x 150 ms: longer than the timeout in total, never idle that long
    }
    expect(c.closed).to.equal(false);
    const t0 = Date.now();
    while (!c.closed && Date.now() - t0 < 5000) await new Promise((r) => setTimeout(r, 20));
    expect(c.closed).to.equal(true);
    expect(Date.now() - t0).to.be.greaterThan(100);
  });

  it('quotes CSV fields that need it and keeps NULL apart from the empty string', () => {
    expect(csvField(null, false)).to.equal('');
    expect(csvField('', false)).to.equal('""');
    expect(csvField('a,b', false)).to.equal('"a,b"');
    expect(csvField('say "hi"', false)).to.equal('"say ""hi"""');
    expect(csvField('OK 1', true)).to.equal('"OK 1"');
    expect(csvField('OK 1', false)).to.equal('OK 1');
    expect(csvField(12345678901234567890n, false)).to.equal('12345678901234567890');
  });
});
