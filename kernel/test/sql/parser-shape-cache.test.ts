import { expect } from 'chai';
import { parseShapeHits, parseSql } from '../../src/sql/parser/parse-sql.js';

/**
 * parseSql with `cache` reuses the parse of a text of the same shape (the
 * same tokens but string literals) by moving spans and swapping literals.
 * It must give exactly what a fresh parse gives.
 */
describe('sql parser: shape cache (same text but string literals)', () => {
  const same = (texts: string[], dialect?: 'greptime' | 'mysql' | 'postgres') => {
    for (const t of texts) {
      const cached = parseSql(t, { cache: true, ...(dialect ? { dialect } : {}) });
      const fresh = parseSql(t, dialect ? { dialect } : {});
      expect(JSON.parse(JSON.stringify(cached, (_k, v) => (typeof v === 'bigint' ? `${v}n` : v)))).to.deep.equal(
        JSON.parse(JSON.stringify(fresh, (_k, v) => (typeof v === 'bigint' ? `${v}n` : v))), t);
    }
  };

  it('TSBS-style queries with other hosts and windows (literals of other lengths) parse as fresh', () => {
    const q = (h: string, a: string, b: string) =>
      `SELECT date_trunc('minute', greptime_timestamp) AS minute, max(usage_user) FROM cpu WHERE (hostname = '${h}') AND greptime_timestamp >= '${a}' AND greptime_timestamp < '${b}' GROUP BY minute ORDER BY minute`;
    const hits = parseShapeHits();
    same([
      q('host_1', '2016-01-01T00:00:00Z', '2016-01-01T01:00:00Z'),
      q('host_12', '2016-01-01T03:10:00Z', '2016-01-01T04:10:00Z'),
      q('h', '2016-01-01 03:10:00', '2016-01-01T04:10:00.123Z'),
      q('host_99\u00e9\u{1F600}', '2016-01-02T00:00:00Z', '2016-01-02T01:00:00Z'),
    ]);
    expect(parseShapeHits() - hits, 'the last three reuse the first one\'s parse').to.equal(3);
  });

  it('multi-line texts, escapes and repeated shapes with several literals', () => {
    const q = (a: string, b: string) => `SELECT *\n  FROM t\n WHERE a = '${a}'\n   AND b LIKE '${b}'\n ORDER BY ts`;
    same([q('x', 'y%'), q("it''s", '%\n%'), q('', ''), q('longer value here', 'z')]);
    same([q('x', 'y%'), q('a\\b', 'c')], 'mysql');
  });

  it('does not reuse a shape whose strings are not plain literals, or whose literal value appears elsewhere', () => {
    // RANGE/ALIGN strings, typed literals and aliases: parsed each time, still right.
    same([
      "SELECT max(v) RANGE '5m' FROM t ALIGN '1m' BY (h)",
      "SELECT max(v) RANGE '10m' FROM t ALIGN '2m' BY (h)",
      "SELECT TIMESTAMP '2020-01-01 00:00:00', v AS 'x' FROM t",
      "SELECT TIMESTAMP '2021-01-01 00:00:00', v AS 'yy' FROM t",
      "SELECT h FROM t WHERE h = 'h'",
      "SELECT h FROM t WHERE h = 'zz'",
      "SELECT h FROM t WHERE h = 'zz'; SELECT 'a'",
      "SELECT h FROM t WHERE h = 'q'; SELECT 'b'",
    ]);
  });
});
