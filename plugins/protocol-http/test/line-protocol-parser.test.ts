import { expect } from 'chai';
import type * as arrow from 'apache-arrow';
import { LineProtocolParser, parsePrecision, LineProtocolError, PayloadTooLargeError } from '../src/index.js';

function parse(text: string | Buffer, precision: Parameters<typeof parsePrecision>[0] = 'ns', now = 42n) {
  const tables = new LineProtocolParser({ precision: parsePrecision(precision), defaultTimestampNs: now }).parse(Buffer.isBuffer(text) ? text : Buffer.from(text));
  return tables.map((t) => t.build('public'));
}

function col(req: ReturnType<typeof parse>[number], name: string): arrow.Vector {
  const c = req.columns.find((x) => x.name === name);
  if (!c) throw new Error(`no column ${name}`);
  return c.vector;
}

function errorOf(text: string | Buffer): LineProtocolError {
  try { parse(text); } catch (err) { return err as LineProtocolError; }
  throw new Error('expected a parse error');
}

describe('InfluxDB line protocol parser', () => {
  it('builds one columnar request per measurement with GreptimeDB column roles and types', () => {
    const reqs = parse('monitor,host=127.0.0.1 cpu=0.1,memory=0.4 1667446797450\nmonitor,host=127.0.0.2 cpu=0.2,memory=0.3 1667446798450\nother v=1i\n', 'ms');
    expect(reqs.map((r) => [r.table, r.rowCount, r.autoCreate])).to.deep.equal([['monitor', 2, true], ['other', 1, true]]);
    const m = reqs[0]!;
    expect(m.columns.map((c) => [c.name, c.semantic, String(c.vector.type)])).to.deep.equal([
      ['greptime_timestamp', 'timestamp', 'Timestamp<NANOSECOND>'],
      ['host', 'tag', 'Utf8'],
      ['cpu', 'field', 'Float64'],
      ['memory', 'field', 'Float64'],
    ]);
    expect(col(m, 'host').toArray()).to.deep.equal(['127.0.0.1', '127.0.0.2']);
    expect([...col(m, 'cpu').toArray()]).to.deep.equal([0.1, 0.2]);
    expect([...col(m, 'greptime_timestamp').data[0]!.values]).to.deep.equal([1667446797450000000n, 1667446798450000000n]);
  });

  it('types fields: float, i Int64, u UInt64, strings with escapes, every boolean spelling', () => {
    const [r] = parse('t f=1.5,i=-9223372036854775807i,u=18446744073709551615u,s="a \\"q\\" \\\\ b",b1=t,b2=TRUE,b3=False,b4=f 1');
    expect(String(col(r!, 'i').type)).to.equal('Int64');
    expect(col(r!, 'i').get(0)).to.equal(-9223372036854775807n);
    expect(String(col(r!, 'u').type)).to.equal('Uint64');
    expect(col(r!, 'u').get(0)).to.equal(18446744073709551615n);
    expect(col(r!, 's').get(0)).to.equal('a "q" \\ b');
    expect(['b1', 'b2', 'b3', 'b4'].map((n) => col(r!, n).get(0))).to.deep.equal([true, true, false, false]);
    expect(col(r!, 'f').get(0)).to.equal(1.5);
  });

  it('parses floats exactly like Number() (fast path and fallback)', () => {
    const values = ['0', '-0.5', '3.141592653589793', '1e10', '1.5E-7', '12345678901234567890', '0.000000000000000000000001', '-1.7976931348623157e308', '.5', '5.'];
    const [r] = parse(`t ${values.map((v, i) => `f${i}=${v}`).join(',')} 1`);
    values.forEach((v, i) => expect(col(r!, `f${i}`).get(0), v).to.equal(Number(v)));
  });

  it('unescapes measurement, tag keys/values and field keys', () => {
    const [r] = parse('my\\ meas\\,x,tag\\ key=va\\=l\\,ue\\ x fi\\=eld=1 1');
    expect(r!.table).to.equal('my meas,x');
    expect(col(r!, 'tag key').get(0)).to.equal('va=l,ue x');
    expect(col(r!, 'fi=eld').get(0)).to.equal(1);
  });

  it('applies precision n/ns/u/us/ms/s/m/h to nanoseconds and uses the default timestamp when missing', () => {
    const expected: Record<string, bigint> = { n: 7n, ns: 7n, u: 7_000n, us: 7_000n, ms: 7_000_000n, s: 7_000_000_000n, m: 420_000_000_000n, h: 25_200_000_000_000n };
    for (const [p, ns] of Object.entries(expected)) {
      const [r] = parse('t v=1 7', p as never);
      expect(col(r!, 'greptime_timestamp').data[0]!.values[0], p).to.equal(ns);
    }
    const [r] = parse('t v=1\nt v=2 -5', 'ms', 123n);
    expect([...col(r!, 'greptime_timestamp').data[0]!.values]).to.deep.equal([123n, -5_000_000n]);
    expect(() => parsePrecision('d')).to.throw(/invalid precision/);
    // int64 bounds are exact; one past them is an error, not a wrap.
    const [edge] = parse('t v=1 9223372036854775807\nt v=1 -9223372036854775807\nt v=1 1451606400123456789');
    expect([...col(edge!, 'greptime_timestamp').data[0]!.values]).to.deep.equal([9223372036854775807n, -9223372036854775807n, 1451606400123456789n]);
    expect(() => parse('t v=1 9223372036854775808')).to.throw(/out of range/);
  });

  it('fills missing columns with nulls and skips blank lines, comments and CRLF', () => {
    const [r] = parse('# comment\r\n\r\nt,a=x v=1 1\r\n  t,b=y w="s" 2\r\n');
    expect(r!.rowCount).to.equal(2);
    expect(col(r!, 'a').toArray()).to.deep.equal(['x', null]);
    expect(col(r!, 'b').toArray()).to.deep.equal([null, 'y']);
    expect([col(r!, 'v').get(0), col(r!, 'v').get(1)]).to.deep.equal([1, null]);
    expect(col(r!, 'w').toArray()).to.deep.equal([null, 's']);
  });

  it('widens integers and floats mixed in one field to Float64', () => {
    const [r] = parse('t v=1i 1\nt v=2.5 2\nt v=3u 3');
    expect(String(col(r!, 'v').type)).to.equal('Float64');
    expect([...col(r!, 'v').toArray()]).to.deep.equal([1, 2.5, 3]);
  });

  it('rejects a malformed line naming its 1-based line number', () => {
    const cases: Array<[string, number, RegExp]> = [
      ['ok v=1 1\nbad v= 1\n', 2, /missing field value|invalid/],
      ['ok v=1 1\n\nt\n', 3, /field set/],
      ['t v=1 1\nt v="unterminated 1', 2, /unterminated/],
      ['t v=1x', 1, /invalid/],
      ['t v=9223372036854775808i', 1, /out of range/],
      ['t v=-1u', 1, /negative/],
      ['t v=1 12a', 1, /invalid timestamp/],
      ['t v=1 99999999999999999999', 1, /out of range/],
      ['t,a=1 v=1\nt a=1', 2, /tag/],
      ['t v=1\nt v="s"', 2, /String here but Float64/],
      ['t,a=1,a=2 v=1', 1, /duplicate tag/],
      [',a=1 v=1', 1, /measurement/],
      ['t,a= v=1', 1, /empty tag value/],
    ];
    for (const [text, line, re] of cases) {
      const err = errorOf(text);
      expect(err, text).to.be.instanceOf(LineProtocolError);
      expect(err.line, text).to.equal(line);
      expect(err.message, text).to.match(re);
      expect(err.message, text).to.contain(`line ${line}`);
    }
    // precision s: 99999999999 s in ns overflows int64.
    expect(() => parse('t v=1 99999999999', 's')).to.throw(/line 1: timestamp out of range in nanoseconds/);
  });

  it('rejects invalid UTF-8 anywhere, naming the line', () => {
    const body = Buffer.concat([Buffer.from('t v=1 1\nt,h='), Buffer.from([0xff, 0xfe]), Buffer.from(' v=1 2\n')]);
    const err = errorOf(body);
    expect(err.line).to.equal(2);
    expect(err.message).to.match(/UTF-8/);
  });

  it('keeps multi-byte UTF-8 names and values intact', () => {
    const [r] = parse('température,lieu=café°C valeur=1,note="é漢字" 1');
    expect(r!.table).to.equal('température');
    expect(col(r!, 'lieu').get(0)).to.equal('café°C');
    expect(col(r!, 'note').get(0)).to.equal('é漢字');
  });

  it('bounds the memory of sparse, wide or many-table batches by a cell budget', () => {
    const sparse = Buffer.from(Array.from({ length: 2000 }, (_, i) => `t f${i}=1 ${i}`).join('\n'));
    expect(() => new LineProtocolParser({ maxCells: 100_000 }).parse(sparse)).to.throw(PayloadTooLargeError, /more than 100000 column cells/);
    const manyTables = Buffer.from(Array.from({ length: 2000 }, (_, i) => `m${i} v=1 ${i}`).join('\n'));
    expect(() => new LineProtocolParser({ maxCells: 100_000 }).parse(manyTables)).to.throw(PayloadTooLargeError);
    // The same batches fit the default budget.
    expect(new LineProtocolParser({}).parse(sparse)[0]!.build('public').columns).to.have.length(2001);
    expect(new LineProtocolParser({}).parse(manyTables)).to.have.length(2000);
  });
});
