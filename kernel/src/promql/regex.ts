import { SyntaxError } from '../errors/errors.js';

const POSIX_CLASSES: Record<string, string> = {
  alnum: '0-9A-Za-z', alpha: 'A-Za-z', ascii: '\\x00-\\x7F', blank: '\\t ', cntrl: '\\x00-\\x1F\\x7F', digit: '0-9',
  graph: '!-~', lower: 'a-z', print: ' -~', punct: '!-\\/:-@\\[-`{-~', space: '\\t\\n\\v\\f\\r ', upper: 'A-Z',
  word: '0-9A-Za-z_', xdigit: '0-9A-Fa-f',
};

const cache = new Map<string, RegExp>();

/**
 * Compiles an RE2-syntax regular expression as Prometheus uses it: fully
 * anchored and with `.` matching newlines (`^(?s:re)$`). RE2 constructs
 * without a JS equivalent are translated (`(?i)` flags, `(?P<name>`,
 * `[[:alpha:]]`, `\z`, `\Q...\E`); JS-only constructs that RE2 rejects
 * (lookaround, backreferences) are rejected too, so a query means the same
 * here as in Prometheus.
 *
 * @example compileAnchoredRegex('a|b.*').test('bxyz') === true
 */
export function compileAnchoredRegex(source: string): RegExp {
  const hit = cache.get(source);
  if (hit) return hit;
  let flags = 's';
  let src = source;
  const lead = /^\(\?([imsU]+)\)/.exec(src);
  if (lead) {
    if (lead[1]!.includes('i')) flags += 'i';
    src = src.slice(lead[0].length);
  }
  if (/\(\?[=!]|\(\?<[=!]/.test(src)) throw new SyntaxError(`invalid regular expression ${JSON.stringify(source)}: lookaround is not supported (RE2 syntax)`);
  if (/(^|[^\\])(\\\\)*\\[1-9]/.test(src)) throw new SyntaxError(`invalid regular expression ${JSON.stringify(source)}: backreferences are not supported (RE2 syntax)`);
  src = src
    .replace(/\(\?P</g, '(?<')
    .replace(/\[:(\^?)([a-z]+):\]/g, (m, neg: string, name: string) => (neg ? m : POSIX_CLASSES[name] ?? m))
    .replace(/\\z/g, '$')
    .replace(/\\Q(.*?)(\\E|$)/g, (_m, lit: string) => lit.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&'));
  let re: RegExp;
  try {
    re = new RegExp(`^(?:${src})$`, flags);
  } catch (err) {
    throw new SyntaxError(`invalid regular expression ${JSON.stringify(source)}: ${(err as Error).message}`, undefined, undefined, { cause: err });
  }
  if (cache.size > 10_000) cache.clear();
  cache.set(source, re);
  return re;
}
