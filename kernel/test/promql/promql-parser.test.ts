import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { SyntaxError } from '../../src/errors/errors.js';
import { countPromqlDerivations, parsePromql } from '../../src/promql/parse-promql.js';
import { show } from './promql-test-helpers.js';

const p = (q: string): string => show(parsePromql(q));

function errorOf(q: string): SyntaxError {
  try {
    parsePromql(q);
  } catch (err) {
    expect(err).to.be.instanceOf(SyntaxError);
    return err as SyntaxError;
  }
  throw new Error(`expected ${q} to fail`);
}

describe('promql parser', () => {
  describe('precedence and associativity', () => {
    const cases: Array<[string, string]> = [
      ['a + b * c', '(a + (b * c))'],
      ['a * b + c', '((a * b) + c)'],
      ['a - b - c', '((a - b) - c)'],
      ['a / b / c', '((a / b) / c)'],
      ['a ^ b ^ c', '(a ^ (b ^ c))'],
      ['-2 ^ 2', '(-(2 ^ 2))'],
      ['2 ^ -1', '(2 ^ -1)'],
      ['-a * b', '((-a) * b)'],
      ['a + b > c * d', '((a + b) > (c * d))'],
      ['a > b and c < d or e', '(((a > b) and (c < d)) or e)'],
      ['a or b and c', '(a or (b and c))'],
      ['a or b unless c', '(a or (b unless c))'],
      ['a and b unless c', '((a and b) unless c)'],
      ['a % b atan2 c', '((a % b) atan2 c)'],
      ['a == b != c', '((a == b) != c)'],
      ['(a + b) * c', '(((a + b)) * c)'],
      ['1 + 2 * 3 ^ 2', '(1 + (2 * (3 ^ 2)))'],
      ['- - a', '(-(-a))'],
      ['+a', '(+a)'],
    ];
    for (const [q, want] of cases) it(`${q} -> ${want}`, () => expect(p(q)).to.equal(want));
  });

  describe('constructs', () => {
    const cases: Array<[string, string]> = [
      ['foo', 'foo'],
      ['foo{a="b", c!="d", e=~"f.*", g!~"h|i",}', 'foo{a="b",c!="d",e=~"f.*",g!~"h|i"}'],
      ['{__name__="foo"}', 'foo'],
      ['{__name__=~"foo|bar"}', '{__name__=~"foo|bar"}'],
      ['foo:bar:rate5m', 'foo:bar:rate5m'],
      ['foo[5m]', 'foo[300000ms]'],
      ['foo[1h30m]', 'foo[5400000ms]'],
      ['foo[90]', 'foo[90000ms]'],
      ['foo offset 5m', 'foo offset 300000ms'],
      ['foo offset -1h', 'foo offset -3600000ms'],
      ['foo[5m] offset 1d', 'foo[300000ms] offset 86400000ms'],
      ['foo @ 1609746000', 'foo @ 1609746000000ms'],
      ['foo @ start()', 'foo @ start()'],
      ['foo[1m] @ end() offset 1m', 'foo[60000ms] offset 60000ms @ end()'],
      ['foo offset 1m @ 10.5', 'foo offset 60000ms @ 10500ms'],
      ['rate(foo[5m])[30m:1m]', 'rate(foo[300000ms])[1800000ms:60000ms]'],
      ['max_over_time(foo[1h:])', 'max_over_time(foo[3600000ms:])'],
      ['(a + b)[5m:1m] offset 2m @ 100', '((a + b))[300000ms:60000ms] offset 120000ms @ 100000ms'],
      ['1.5e3', '1500'],
      ['0x1f', '31'],
      ['Inf', 'Infinity'],
      ['-inf', '-Infinity'],
      ['NaN', 'NaN'],
      ['.5', '0.5'],
      ['5m', '300'],
      ['"a\\nb"', '"a\\nb"'],
      ["'single \\' q'", '"single \' q"'],
      ['`raw \\n`', '"raw \\\\n"'],
      ['"\\x41\\u00e9\\101"', '"AéA"'],
      ['a > bool b', '(a > bool b)'],
      ['1 < bool 2', '(1 < bool 2)'],
      ['a + on(x, y) b', '(a + on(x,y) b)'],
      ['a + ignoring(x) b', '(a + ignoring(x) b)'],
      ['a * on(x) group_left(y, z) b', '(a * on(x) group_left(y,z) b)'],
      ['a * on(x) group_left b', '(a * on(x) group_left() b)'],
      ['a / ignoring(x) group_right (y) b', '(a / ignoring(x) group_right(y) b)'],
      ['a == bool on(x) b', '(a == bool on(x) b)'],
      ['a and on() b', '(a and on() b)'],
      ['sum(foo)', 'sum(foo)'],
      ['sum by (a, b) (foo)', 'sum by (a,b)(foo)'],
      ['sum(foo) by (a)', 'sum by (a)(foo)'],
      ['avg without (instance) (foo)', 'avg without (instance)(foo)'],
      ['count(foo) without ()', 'count without ()(foo)'],
      ['topk(3, foo)', 'topk(3, foo)'],
      ['bottomk by (a) (2, foo)', 'bottomk by (a)(2, foo)'],
      ['quantile(0.9, foo)', 'quantile(0.9, foo)'],
      ['count_values("v", foo)', 'count_values("v", foo)'],
      ['SUM BY (job) (foo)', 'sum by (job)(foo)'.replace('sum', 'sum')],
      ['sum by (on, by, offset) (foo)', 'sum by (on,by,offset)(foo)'],
      ['foo{on="x", bool="y"}', 'foo{on="x",bool="y"}'],
      ['label_replace(up, "d", "$1", "s", "(.*)")', 'label_replace(up, "d", "$1", "s", "(.*)")'],
      ['label_join(up, "d", ",", "a", "b", "c")', 'label_join(up, "d", ",", "a", "b", "c")'],
      ['time()', 'time()'],
      ['day_of_week()', 'day_of_week()'],
      ['round(foo, 0.5)', 'round(foo, 0.5)'],
      ['histogram_quantile(0.9, sum by (le) (rate(h_bucket[5m])))', 'histogram_quantile(0.9, sum by (le)(rate(h_bucket[300000ms])))'],
      ['foo # comment\n + bar', '(foo + bar)'],
    ];
    for (const [q, want] of cases) it(`${JSON.stringify(q)}`, () => expect(p(q)).to.equal(want));

    it('SUM is case-insensitive like every keyword', () => expect(p('SUM BY (job) (foo) AND ON(job) bar')).to.equal('(sum by (job)(foo) and on(job) bar)'));

    it('regex matchers are anchored and RE2 flags translate', () => {
      const e = parsePromql('foo{a=~"b|c", d=~"(?i)X.*", e=~"[[:digit:]]+"}');
      if (e.kind !== 'VectorSelector') throw new Error('not a selector');
      const [, a, d, f] = e.matchers;
      expect(a!.re!.test('b')).to.equal(true);
      expect(a!.re!.test('xb')).to.equal(false);
      expect(a!.re!.test('bc')).to.equal(false);
      expect(d!.re!.test('xyz')).to.equal(true);
      expect(f!.re!.test('123')).to.equal(true);
      expect(f!.re!.test('12a')).to.equal(false);
    });

    it('every query above has exactly one derivation (grammar is unambiguous)', () => {
      for (const [q] of [...cases, ['a + b * c ^ d - e / f > bool g and h or i unless j', '']] as Array<[string, string]>) {
        expect(countPromqlDerivations(q), q).to.equal(1);
      }
    });
  });

  describe('errors carry positions', () => {
    const cases: Array<[string, number, number, RegExp]> = [
      ['foo{', 1, 5, /unexpected end of input; expected "}", string, identifier$/],
      ['sum by (', 1, 9, /unexpected end of input; expected "\)", identifier, string$/],
      ['foo +', 1, 6, /unexpected end of input; expected .*number/],
      ['foo bar', 1, 5, /unexpected identifier "bar"/],
      ['sum(foo', 1, 8, /unexpected end of input/],
      ['foo{a="b" c="d"}', 1, 11, /unexpected identifier "c"/],
      ['rate(foo)', 1, 6, /expected type range vector in call to function "rate", got instant vector/],
      ['rate(foo[5m], 1)', 1, 1, /expected 1 argument\(s\) in call to "rate", got 2/],
      ['nosuchfn(foo)', 1, 1, /unknown function with name "nosuchfn"/],
      ['1 > 2', 1, 3, /comparisons between scalars must use BOOL modifier/],
      ['a + bool b', 1, 5, /bool modifier can only be used on comparison operators/],
      ['1 and foo', 1, 3, /set operator "and" not allowed in binary scalar expression/],
      ['a and on(x) group_left b', 1, 7, /no grouping allowed for "and" operation/],
      ['1 + on(x) foo', 1, 5, /vector matching only allowed between instant vectors/],
      ['a * on(x) group_left(x) b', 1, 5, /must not occur in ON and GROUP clause at once/],
      ['{}', 1, 1, /at least one non-empty matcher/],
      ['{a=""}', 1, 1, /at least one non-empty matcher/],
      ['{a=~".*"}', 1, 1, /at least one non-empty matcher/],
      ['foo{__name__="bar"}', 1, 5, /metric name must not be set twice/],
      ['(foo + bar)[5m]', 1, 12, /ranges only allowed for vector selectors/],
      ['foo offset 1m offset 2m', 1, 15, /offset may not be set multiple times/],
      ['foo @ 1 @ 2', 1, 9, /may not be set multiple times/],
      ['foo @ now()', 1, 5, /only start\(\) and end\(\)/],
      ['sum(foo) offset 1m', 1, 10, /offset modifier must be preceded by/],
      ['foo[5m][10m:]', 1, 8, /subquery is only allowed on instant vector, got range vector/],
      ['-"a"', 1, 1, /unary expression only allowed/],
      ['foo[5m] + 1', 1, 9, /binary expression must contain only scalar and instant vector types/],
      ['topk(foo)', 1, 1, /wrong number of arguments for aggregate expression/],
      ['topk("a", foo)', 1, 6, /expected type scalar in aggregation parameter, got string/],
      ['sum(foo[5m])', 1, 5, /expected type instant vector in aggregation expression, got range vector/],
      ['rate(foo[5m]) by (a)', 1, 1, /not an aggregation operator/],
      ['foo{a=~"(?=x)"}', 1, 5, /lookaround is not supported/],
      ['foo{a=~"("}', 1, 5, /invalid regular expression/],
      ['label_replace(up, "1bad", "", "s", ".*")', 1, 19, /invalid destination label name/],
      ['"\\q"', 1, 1, /invalid escape sequence/],
      ['foo\n  + $', 2, 5, /unexpected character "\$"/],
      ['', 1, 1, /no expression found/],
      ['"unterminated', 1, 1, /unterminated quoted string/],
    ];
    for (const [q, line, col, re] of cases) {
      it(`${JSON.stringify(q)} -> ${line}:${col}`, () => {
        const e = errorOf(q);
        expect(e.message).to.match(re);
        expect([e.line, e.column]).to.deep.equal([line, col]);
        expect(e.code).to.equal('INVALID_SYNTAX');
      });
    }
  });

  it('the committed grammar.ts is what scripts/build-grammar.mjs compiles from grammar.ne', async function () {
    this.timeout(20_000);
    const script = new URL('../../../../scripts/build-grammar.mjs', import.meta.url);
    const build = await import(script.href) as { compileGrammar(ne: string): string; GRAMMARS: Array<{ source: string; target: string }> };
    const g = build.GRAMMARS.find((x) => x.source.endsWith('promql/grammar.ne'))!;
    expect(g, 'build-grammar.mjs lists the PromQL grammar').to.not.equal(undefined);
    const srcDir = fileURLToPath(new URL('../../../src/promql/', import.meta.url));
    expect(build.compileGrammar(readFileSync(`${srcDir}grammar.ne`, 'utf8'))).to.equal(readFileSync(`${srcDir}grammar.ts`, 'utf8'));
  });
});
