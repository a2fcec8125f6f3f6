import { expect } from 'chai';
import { StatusCode } from '@strata/kernel';
import { PG_SQLSTATE_OF_STATUS, PgProtocolError, pgErrorOf } from '../src/errors.js';
import { MessageFramer, MessageReader, MessageWriter } from '../src/message-codec.js';
import { commandTag } from '../src/pg-connection.js';
import { decodeParam, intervalText, writeNumericBinary } from '../src/pg-types.js';
import { md5PasswordHash, ScramServer } from '../src/scram.js';
import { splitStatements } from '../src/sql-splitter.js';
import { localAnswer } from '../src/local-answers.js';
import { attributeRows, psqlDescribeQuery, withoutRoleMembershipArray } from '../src/psql-describe.js';
import { createSession, PG_TYPE_OIDS as Oid, pgTypeName } from '@strata/kernel';

describe('protocol-postgres codecs', () => {
  it('writes typed messages with patched lengths and reads them back', () => {
    const w = new MessageWriter(8).begin('C').cstr('SELECT 3').end().begin('Z').int8(0x49).end();
    const b = w.take();
    expect(b[0]).to.equal(0x43);
    expect(b.readInt32BE(1)).to.equal(4 + 9);
    expect(b.subarray(14)).to.deep.equal(Buffer.from([0x5a, 0, 0, 0, 5, 0x49]));
    const r = new MessageReader(Buffer.from('abc\0\0\0\0\x07', 'latin1'));
    expect(r.cstr()).to.equal('abc');
    expect(r.int32()).to.equal(7);
    expect(() => r.int8()).to.throw(PgProtocolError, /invalid message format/);
  });

  it('frames a startup packet then typed messages, across arbitrary splits', () => {
    const startup = Buffer.alloc(8); startup.writeInt32BE(8, 0); startup.writeInt32BE(196608, 4);
    const q = new MessageWriter().begin('Q').cstr('SELECT 1').end().begin('S').end().take();
    const wire = Buffer.concat([startup, q]);
    const f = new MessageFramer(1024);
    const got = [];
    for (let i = 0; i < wire.length; i += 3) got.push(...f.push(wire.subarray(i, i + 3)));
    got.push(...f.push(Buffer.alloc(0)));
    expect(got.map((m) => m.type)).to.deep.equal(['', 'Q', 'S']);
    expect(got[1]!.body.toString()).to.equal('SELECT 1\0');
  });

  it('refuses lengths under 4, oversized messages and oversized startup packets', () => {
    const f = new MessageFramer(100); f.startup = false;
    expect(() => f.push(Buffer.from([0x51, 0, 0, 0, 2]))).to.throw(PgProtocolError, /invalid message length/);
    const g = new MessageFramer(100); g.startup = false;
    expect(() => g.push(Buffer.from([0x51, 0, 0, 1, 0]))).to.throw(PgProtocolError, /exceeds the limit/);
    expect(() => new MessageFramer(100).push(Buffer.from([0, 1, 0, 0]))).to.throw(PgProtocolError, /exceeds/);
  });

  it('verifies SCRAM-SHA-256 with the RFC 7677 test vector', () => {
    const scram = new ScramServer('pencil', 4096, Buffer.from('W22ZaJ0SNY7soEsUEjb6gQ==', 'base64'), '%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0');
    expect(scram.serverFirst('n,,n=user,r=rOprNGfwEbeRWgbNEkqO'))
      .to.equal('r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096');
    expect(scram.serverFinal('c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ='))
      .to.equal('v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=');
    const wrong = new ScramServer('pencil2', 4096, Buffer.from('W22ZaJ0SNY7soEsUEjb6gQ==', 'base64'), '%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0');
    wrong.serverFirst('n,,n=user,r=rOprNGfwEbeRWgbNEkqO');
    expect(() => wrong.serverFinal('c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=')).to.throw(/mismatch/);
  });

  it('computes md5 password hashes (vector from the pg client)', () => {
    expect(md5PasswordHash('alice', 's3cret', Buffer.from([1, 2, 3, 4]))).to.equal('md5b79948bbeb35dee03ab8fe15a839030b');
  });

  it('maps every status to a SQLSTATE', () => {
    for (const v of Object.values(StatusCode).filter((x) => typeof x === 'number')) {
      expect(PG_SQLSTATE_OF_STATUS[v as StatusCode], `status ${v}`).to.match(/^[0-9A-Z]{5}$/);
    }
    expect(PG_SQLSTATE_OF_STATUS[StatusCode.TableNotFound]).to.equal('42P01');
    expect(pgErrorOf(new Error('x')).sqlState).to.equal('XX000');
  });

  it('splits statements and finds $n placeholders outside quotes, dollar quotes and comments', () => {
    const s = splitStatements("SELECT $1, '$2;' FROM t WHERE a = $3; /* ; /* nested ; */ */ SELECT $$ ; $4 $$, E'\\';' -- ;\n;");
    expect(s.map((x) => x.maxParam)).to.deep.equal([3, 0]);
    expect(s).to.have.length(2);
    expect(splitStatements('  ;; -- x')).to.deep.equal([]);
  });

  it('decodes parameters in text and binary formats', () => {
    const tz = 'UTC';
    expect(decodeParam(Buffer.from('42'), Oid.int4, false, tz)).to.equal(42);
    expect(decodeParam(Buffer.from('9007199254740993'), Oid.int8, false, tz)).to.equal(9007199254740993n);
    expect(decodeParam(Buffer.from('t'), Oid.bool, false, tz)).to.equal(true);
    expect(decodeParam(Buffer.from('2.5'), Oid.float8, false, tz)).to.equal(2.5);
    expect(decodeParam(Buffer.from('x'), 0, false, tz)).to.equal('x');
    const i8 = Buffer.alloc(8); i8.writeBigInt64BE(-5n);
    expect(decodeParam(i8, Oid.int8, true, tz)).to.equal(-5);
    const ts = Buffer.alloc(8); ts.writeBigInt64BE(1_000_000n); // 2000-01-01 00:00:01
    expect(decodeParam(ts, Oid.timestamp, true, tz)).to.equal('2000-01-01 00:00:01');
    expect(decodeParam(ts, Oid.timestamptz, true, '+08:00')).to.equal('2000-01-01 08:00:01');
    expect(() => decodeParam(Buffer.from([1, 2]), Oid.int4, true, tz)).to.throw(/incorrect binary data format/);
  });

  it('encodes numerics in binary and intervals and command tags as PostgreSQL does', () => {
    const w = new MessageWriter();
    writeNumericBinary(w, '-12345.678');
    // 1 2345 . 6780 -> ndigits 3, weight 1, sign 0x4000, dscale 3
    expect(w.take()).to.deep.equal(Buffer.from([0, 3, 0, 1, 0x40, 0, 0, 3, 0, 1, 0x09, 0x29, 0x1a, 0x7c]));
    expect(intervalText(new Int32Array([14, 3, 0, 0]), 0)).to.equal('1 year 2 mons 3 days');
    expect(commandTag('insert into t values (1)', 2)).to.equal('INSERT 0 2');
    expect(commandTag('CREATE TABLE t (x int)', 0)).to.equal('CREATE TABLE');
    expect(commandTag('select 1', 1)).to.equal('SELECT 1');
  });

  it('answers SET/SHOW/transaction statements and leaves psql \\dt to the engine', () => {
    const s = createSession({ channel: 'postgres', user: 'u' });
    expect(localAnswer("SET TIME ZONE 'Asia/Tokyo'", s, '16.3')).to.deep.equal({ kind: 'set', name: 'timezone', value: 'Asia/Tokyo' });
    expect(localAnswer('SET extra_float_digits = 3', s, '16.3')).to.deep.equal({ kind: 'set', name: 'extra_float_digits', value: '3' });
    expect(localAnswer('show server_version', s, '16.3')).to.deep.equal({ kind: 'records', columns: ['server_version'], rows: [['16.3']] });
    expect(localAnswer('SHOW TABLES', s, '16.3')).to.equal(undefined);
    expect(localAnswer('BEGIN', s, '16.3')).to.deep.equal({ kind: 'command', tag: 'BEGIN' });
    const dt = `SELECT n.nspname as "Schema",\n  c.relname as "Name",\n  CASE c.relkind WHEN 'r' THEN 'table' END as "Type"\nFROM pg_catalog.pg_class c\nWHERE c.relkind IN ('r','p','')\n  AND c.relname OPERATOR(pg_catalog.~) '^(cpu)$' COLLATE pg_catalog.default\nORDER BY 1,2;`;
    // \dt goes to the engine, which reads pg_catalog (kernel/src/sql/pg-catalog.ts).
    expect(localAnswer(dt, s, '16.3')).to.equal(undefined);
  });

  it("recognises psql's \\d queries and builds their rows from a table", () => {
    const lookup = psqlDescribeQuery("SELECT c.oid,\n  n.nspname,\n  c.relname\nFROM pg_catalog.pg_class c\nWHERE c.relname OPERATOR(pg_catalog.~) '^(cpu)$' COLLATE pg_catalog.default");
    expect(lookup?.kind === 'lookup' && lookup.pattern.test('cpu')).to.equal(true);
    expect(psqlDescribeQuery("SELECT c.relchecks, c.relkind, c.relhasindex FROM pg_catalog.pg_class c WHERE c.oid = '16390';")).to.deep.equal({ kind: 'relinfo', oid: 16390 });
    expect(psqlDescribeQuery("SELECT a.attname,\n  pg_catalog.format_type(a.atttypid, a.atttypmod)\nFROM pg_catalog.pg_attribute a\nWHERE a.attrelid = '16390' AND a.attnum > 0"))
      .to.deep.equal({ kind: 'attributes', oid: 16390, verbose: false });
    expect(psqlDescribeQuery("SELECT pol.polname FROM pg_catalog.pg_policy pol WHERE pol.polrelid = '16390'")).to.deep.equal({ kind: 'empty', oid: 16390 });
    expect(psqlDescribeQuery('SELECT d.datname FROM pg_catalog.pg_database d')).to.equal(undefined);
    expect(psqlDescribeQuery('SELECT * FROM cpu')).to.equal(undefined);
    expect(pgTypeName({ name: 'TimestampMillisecond' })).to.equal('timestamp(3) without time zone');
    const rows = attributeRows({
      id: 6, database: 'public', name: 'cpu', engine: 'mito', regionIds: [], createdAtMs: 0,
      schema: {
        columns: [
          { name: 'host', type: { name: 'String' }, semantic: 'tag', nullable: true },
          { name: 'ts', type: { name: 'TimestampMillisecond' }, semantic: 'timestamp', nullable: false },
          { name: 'v', type: { name: 'Float64' }, semantic: 'field', nullable: true, default: { value: 1.5 } },
        ],
        timeIndex: 'ts', primaryKey: ['host'], options: {}, version: 1,
      },
    }, true);
    expect(rows.map((r) => r.slice(0, 4))).to.deep.equal([['host', 'text', null, 'f'], ['ts', 'timestamp(3) without time zone', null, 't'], ['v', 'double precision', '1.5', 'f']]);
    expect(rows[0]).to.have.length(11);
  });

  it("turns psql 15's role-membership ARRAY(...) in \\du into an empty array's text; other queries are left alone", () => {
    const du15 = `SELECT r.rolname, r.rolsuper, r.rolinherit,
  r.rolcreaterole, r.rolcreatedb, r.rolcanlogin,
  r.rolconnlimit, r.rolvaliduntil,
  ARRAY(SELECT b.rolname
        FROM pg_catalog.pg_auth_members m
        JOIN pg_catalog.pg_roles b ON (m.roleid = b.oid)
        WHERE m.member = r.oid) as memberof
, r.rolreplication
, r.rolbypassrls
FROM pg_catalog.pg_roles r
WHERE r.rolname !~ '^pg_'
ORDER BY 1;`;
    expect(withoutRoleMembershipArray(du15)).to.equal(`SELECT r.rolname, r.rolsuper, r.rolinherit,
  r.rolcreaterole, r.rolcreatedb, r.rolcanlogin,
  r.rolconnlimit, r.rolvaliduntil,
  '{}' as memberof
, r.rolreplication
, r.rolbypassrls
FROM pg_catalog.pg_roles r
WHERE r.rolname !~ '^pg_'
ORDER BY 1;`);
    expect(withoutRoleMembershipArray('SELECT r.rolname FROM pg_catalog.pg_roles r')).to.equal(undefined);
    expect(withoutRoleMembershipArray("SELECT 'ARRAY(SELECT 1)'")).to.equal(undefined);
  });
});
