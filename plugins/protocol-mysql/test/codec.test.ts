import { expect } from 'chai';
import { decimalText, StatusCode } from '@strata/kernel';
import { cachingSha2Token, nativePasswordToken, verifyToken } from '../src/auth-scramble.js';
import { MYSQL_ERROR_OF_STATUS, MysqlProtocolError, mysqlErrorOf } from '../src/errors.js';
import { framePacket, PacketFramer, PacketReader, PacketWriter, MAX_PACKET_PAYLOAD } from '../src/packet-codec.js';
import { splitStatements } from '../src/sql-splitter.js';
import { float32Text, intervalText } from '../src/column-types.js';
import { dateTimeParts, epochMicrosOf, formatDateTime, zoneOffsetMs } from '@strata/kernel';

describe('protocol-mysql codecs', () => {
  it('writes and reads length-encoded integers at every width', () => {
    const values = [0, 250, 251, 0xffff, 0x10000, 0xffffff, 0x1000000, 2 ** 40];
    const w = new PacketWriter(4);
    for (const v of values) w.lenenc(v);
    expect(w.payload().subarray(0, 2)).to.deep.equal(Buffer.from([0, 250]));
    expect(w.payload()[2]).to.equal(0xfc);
    const r = new PacketReader(Buffer.from(w.payload()));
    for (const v of values) expect(r.lenenc()).to.equal(v);
    expect(r.remaining).to.equal(0);
  });

  it('reads NUL-terminated and length-encoded strings and refuses to read past the end', () => {
    const w = new PacketWriter().strNul('root').lenencStr('héllo').int2(7);
    const r = new PacketReader(Buffer.from(w.payload()));
    expect(r.strNul()).to.equal('root');
    expect(r.lenencStr()).to.equal('héllo');
    expect(r.int2()).to.equal(7);
    expect(() => r.int1()).to.throw(MysqlProtocolError, /malformed packet/);
    expect(() => new PacketReader(Buffer.from('abc')).strNul()).to.throw(MysqlProtocolError, /unterminated/);
    expect(() => new PacketReader(Buffer.from([0xfc, 0x10, 0x00, 1])).lenencBytes()).to.throw(MysqlProtocolError);
  });

  it('frames packets and joins them back, including the 16 MiB continuation', () => {
    const frames: Buffer[] = [];
    const big = Buffer.alloc(MAX_PACKET_PAYLOAD + 10, 7);
    let seq = framePacket(Buffer.from('abc'), 0, frames);
    seq = framePacket(big, seq, frames);
    expect(seq).to.equal(3);
    const wire = Buffer.concat(frames);
    const framer = new PacketFramer(32 * 1024 * 1024);
    const got = [];
    // Feed in awkward slices to exercise partial headers and bodies.
    for (let off = 0; off < wire.length; off += 1_000_003) got.push(...framer.push(wire.subarray(off, Math.min(wire.length, off + 1_000_003))));
    expect(got).to.have.length(2);
    expect(got[0]!.payload.toString()).to.equal('abc');
    expect(got[0]!.seq).to.equal(0);
    expect(got[1]!.payload.length).to.equal(big.length);
    expect(got[1]!.seq).to.equal(2);
  });

  it('refuses a packet over the limit as soon as its header arrives', () => {
    const framer = new PacketFramer(1000);
    const header = Buffer.from([0xe9, 0x03, 0x00, 0x00]); // 1001 bytes announced
    expect(() => framer.push(header)).to.throw(MysqlProtocolError, /max_allowed_packet/);
    try { new PacketFramer(10).push(Buffer.from([20, 0, 0, 0])); } catch (err) { expect(mysqlErrorOf(err).code).to.equal(1153); }
  });

  it('computes mysql_native_password and caching_sha2_password tokens (vectors from mysql2)', () => {
    const scramble = Buffer.from('0123456789abcdefghij');
    expect(nativePasswordToken('secret', scramble).toString('hex')).to.equal('f5cac3f3b3df2133feb57db682c71e6ed433a988');
    expect(cachingSha2Token('secret', scramble).toString('hex')).to.equal('7e4adda2f2d5ef09b4147518becb0cee2939376203650a8c2bb2815959364bd0');
    expect(verifyToken('mysql_native_password', 'secret', scramble, Buffer.from('f5cac3f3b3df2133feb57db682c71e6ed433a988', 'hex'))).to.equal(true);
    expect(verifyToken('caching_sha2_password', 'other', scramble, cachingSha2Token('secret', scramble))).to.equal(false);
    expect(verifyToken('mysql_native_password', '', scramble, Buffer.alloc(0))).to.equal(true);
  });

  it('maps every status to a MySQL code and SQLSTATE', () => {
    for (const v of Object.values(StatusCode).filter((x) => typeof x === 'number')) {
      const m = MYSQL_ERROR_OF_STATUS[v as StatusCode];
      expect(m, `status ${v}`).to.not.equal(undefined);
      expect(m.sqlState).to.match(/^[0-9A-Z]{5}$/);
    }
    expect(MYSQL_ERROR_OF_STATUS[StatusCode.TableNotFound]).to.deep.equal({ code: 1146, sqlState: '42S02' });
    expect(mysqlErrorOf(new Error('boom')).code).to.equal(1815);
  });

  it('splits statements outside quotes and comments and counts placeholders', () => {
    const s = splitStatements("SELECT ';', ? FROM t; -- c;\n INSERT INTO t VALUES (?, '?', \"a;b\", `x;`) /* ; */ ; ; # only\n");
    expect(s.map((x) => x.sql)).to.deep.equal(["SELECT ';', ? FROM t", "-- c;\n INSERT INTO t VALUES (?, '?', \"a;b\", `x;`) /* ; */"]);
    expect(s.map((x) => x.placeholders)).to.deep.equal([1, 1]);
    expect(splitStatements(' ; -- nothing')).to.deep.equal([]);
    expect(splitStatements("SELECT 'it''s; fine', 'a\\';b'")).to.have.length(1);
  });

  it('formats values: float32, decimal, interval, time zones', () => {
    expect(float32Text(Math.fround(0.1))).to.equal('0.1');
    expect(decimalText(new Uint32Array([12345, 0, 0, 0]), 0, 2)).to.equal('123.45');
    expect(decimalText(new Uint32Array([0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff]), 0, 3)).to.equal('-0.001');
    expect(intervalText(new Int32Array([1, 2, 1_000_000_000, 0]), 0)).to.equal('1 mon 2 days 00:00:01');
    expect(zoneOffsetMs('+08:00', 0)).to.equal(8 * 3600_000);
    expect(zoneOffsetMs('Asia/Shanghai', Date.UTC(2024, 0, 1))).to.equal(8 * 3600_000);
    expect(zoneOffsetMs('America/New_York', Date.UTC(2024, 6, 1))).to.equal(-4 * 3600_000);
    const p = dateTimeParts(1_700_000_000_123_456n, '+08:00');
    expect(formatDateTime(p, 6)).to.equal('2023-11-15 06:13:20.123456');
    expect(epochMicrosOf(p, '+08:00')).to.equal(1_700_000_000_123_456n);
    expect(formatDateTime(dateTimeParts(-1n, 'UTC'), 6)).to.equal('1969-12-31 23:59:59.999999');
  });
});
