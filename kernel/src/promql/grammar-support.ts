// Postprocessors for grammar.ne. They build a *raw* tree (offset/@ as
// wrapper nodes, calls not yet split into functions and aggregations) and
// never throw: nearley runs postprocessors for partial derivations too.
// check-promql.ts validates the raw tree and builds the typed AST.
import type { PromToken } from './lexer.js';
import type { Pos } from './ast.js';

type D = any[];

/** `quoted`: the name was written as a string (Prometheus 3 UTF-8 names); `metricName`: a lone `{"name"}`. */
export interface RawMatcher { name: string; op: string; value: string; pos: Pos; quoted?: boolean; metricName?: boolean }
export type RawNode =
  | { kind: 'NumberLiteral'; value: number; pos: Pos }
  | { kind: 'StringLiteral'; value: string; pos: Pos; error?: string }
  | { kind: 'Selector'; name?: string; matchers: RawMatcher[]; pos: Pos }
  | { kind: 'Matrix'; expr: RawNode; rangeMs: number; pos: Pos }
  | { kind: 'Subquery'; expr: RawNode; rangeMs: number; stepMs: number; pos: Pos }
  | { kind: 'Offset'; expr: RawNode; ms: number; pos: Pos }
  | { kind: 'At'; expr: RawNode; at: { kind: 'time'; ms: number } | { kind: 'start' } | { kind: 'end' } | { kind: 'bad'; name: string }; pos: Pos }
  | { kind: 'Call'; func: string; args: RawNode[]; grouping?: { without: boolean; labels: RawLabel[] }; pos: Pos }
  | { kind: 'Binary'; op: string; lhs: RawNode; rhs: RawNode; mod: BinMod; pos: Pos }
  | { kind: 'Unary'; op: '-' | '+'; expr: RawNode; pos: Pos }
  | { kind: 'Paren'; expr: RawNode; pos: Pos };

export interface RawLabel { name: string; pos: Pos; quoted?: boolean }
export interface BinMod {
  bool: boolean;
  boolPos?: Pos;
  matching?: { on: boolean; labels: RawLabel[]; group?: { side: 'left' | 'right'; labels: RawLabel[] }; pos: Pos };
}

export const pos = (t: PromToken): Pos => ({ offset: t.offset, line: t.line, column: t.col });
/** A label name token's name: an identifier or keyword as written, a quoted string unquoted (`\u0000` if its escapes are bad). */
function nameOf(t: PromToken): string { return t.type === 'STRING' ? unquote(t.text) ?? '\u0000' : t.text; }
const label = (t: PromToken): RawLabel => ({ name: nameOf(t), pos: pos(t), ...(t.type === 'STRING' ? { quoted: true } : {}) });

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000, y: 31_536_000_000 };

/** `1h30m` -> 5400000. */
export function parseDurationText(text: string): number {
  let ms = 0;
  for (const m of text.matchAll(/([0-9]+)(ms|[smhdwy])/g)) ms += Number(m[1]) * UNIT_MS[m[2]!]!;
  return ms;
}

/** A PromQL number literal: decimal, hex, Inf, NaN. */
export function parseNumberText(text: string): number {
  const lower = text.toLowerCase();
  if (lower === 'inf') return Infinity;
  if (lower === 'nan') return NaN;
  if (lower.startsWith('0x')) return parseInt(lower.slice(2), 16);
  return Number(text);
}

/** Unquotes a PromQL (Go-style) string literal; returns undefined on a bad escape. */
export function unquote(text: string): string | undefined {
  const q = text[0];
  const body = text.slice(1, -1);
  if (q === '`') return body;
  let out = '';
  for (let i = 0; i < body.length; i++) {
    const c = body[i]!;
    if (c !== '\\') { out += c; continue; }
    const e = body[++i];
    switch (e) {
      case 'a': out += '\x07'; break;
      case 'b': out += '\b'; break;
      case 'f': out += '\f'; break;
      case 'n': out += '\n'; break;
      case 'r': out += '\r'; break;
      case 't': out += '\t'; break;
      case 'v': out += '\v'; break;
      case '\\': out += '\\'; break;
      case '"': if (q !== '"') return undefined; out += '"'; break;
      case "'": if (q !== "'") return undefined; out += "'"; break;
      case 'x': {
        const h = body.slice(i + 1, i + 3);
        if (!/^[0-9a-fA-F]{2}$/.test(h)) return undefined;
        out += String.fromCharCode(parseInt(h, 16)); i += 2; break;
      }
      case 'u': case 'U': {
        const n = e === 'u' ? 4 : 8;
        const h = body.slice(i + 1, i + 1 + n);
        if (!new RegExp(`^[0-9a-fA-F]{${n}}$`).test(h)) return undefined;
        const cp = parseInt(h, 16);
        if (cp > 0x10ffff || (cp >= 0xd800 && cp < 0xe000)) return undefined;
        out += String.fromCodePoint(cp); i += n; break;
      }
      default: {
        if (e !== undefined && /[0-7]/.test(e)) {
          const o = body.slice(i, i + 3);
          if (!/^[0-7]{3}$/.test(o)) return undefined;
          out += String.fromCharCode(parseInt(o, 8)); i += 2; break;
        }
        return undefined;
      }
    }
  }
  return out;
}

export function binary(d: D): RawNode {
  const t = d[1] as PromToken;
  return { kind: 'Binary', op: t.text.toLowerCase(), lhs: d[0], mod: d[2], rhs: d[3], pos: pos(t) };
}
export function unary(d: D): RawNode {
  const t = d[0] as PromToken;
  return { kind: 'Unary', op: t.text as '-' | '+', expr: d[1], pos: pos(t) };
}
export function binMod(d: D): BinMod {
  const b = d[0] as PromToken | null;
  return { bool: !!b, ...(b ? { boolPos: pos(b) } : {}), ...(d[1] ? { matching: d[1] } : {}) };
}
export function matching(d: D): BinMod['matching'] {
  const t = d[0] as PromToken;
  return { on: t.type === 'ON', labels: (d[1] as PromToken[]).map(label), ...(d[2] ? { group: d[2] } : {}), pos: pos(t) };
}
export function groupMod(d: D): { side: 'left' | 'right'; labels: RawLabel[] } {
  const t = d[0] as PromToken;
  return { side: t.type.startsWith('GROUP_LEFT') ? 'left' : 'right', labels: ((d[1] ?? []) as PromToken[]).map(label) };
}
export function matrix(d: D): RawNode {
  return { kind: 'Matrix', expr: d[0], rangeMs: d[2], pos: pos(d[1]) };
}
export function subquery(d: D): RawNode {
  return { kind: 'Subquery', expr: d[0], rangeMs: d[2], stepMs: d[4] ?? 0, pos: pos(d[1]) };
}
export function offset(d: D): RawNode {
  return { kind: 'Offset', expr: d[0], ms: d[2], pos: pos(d[1]) };
}
export function at(d: D): RawNode {
  return { kind: 'At', expr: d[0], at: d[2], pos: pos(d[1]) };
}
export function durationMs(d: D): number {
  const t = d[0] as PromToken;
  return t.type === 'DURATION' ? parseDurationText(t.text) : Math.round(parseNumberText(t.text) * 1000);
}
export function atNumber(d: D): { kind: 'time'; ms: number } {
  const t = d[d.length - 1] as PromToken;
  const sign = d.length === 2 && (d[0] as PromToken).text === '-' ? -1 : 1;
  return { kind: 'time', ms: Math.round(sign * parseNumberText(t.text) * 1000) };
}
export function atFunction(d: D): { kind: 'start' } | { kind: 'end' } | { kind: 'bad'; name: string } {
  const name = (d[0] as PromToken).text;
  return name === 'start' ? { kind: 'start' } : name === 'end' ? { kind: 'end' } : { kind: 'bad', name };
}
export function number(d: D): RawNode {
  const t = d[0] as PromToken;
  return { kind: 'NumberLiteral', value: parseNumberText(t.text), pos: pos(t) };
}
export function durationNumber(d: D): RawNode {
  const t = d[0] as PromToken;
  return { kind: 'NumberLiteral', value: parseDurationText(t.text) / 1000, pos: pos(t) };
}
export function string(d: D): RawNode {
  const t = d[0] as PromToken;
  const v = unquote(t.text);
  return v === undefined ? { kind: 'StringLiteral', value: '', pos: pos(t), error: 'invalid escape sequence in string' } : { kind: 'StringLiteral', value: v, pos: pos(t) };
}
export function paren(d: D): RawNode {
  return { kind: 'Paren', expr: d[1], pos: pos(d[0]) };
}
export function selectorName(d: D): RawNode {
  const t = d[0] as PromToken;
  return { kind: 'Selector', name: t.text, matchers: [], pos: pos(t) };
}
export function selectorNameMatchers(d: D): RawNode {
  const t = d[0] as PromToken;
  return { kind: 'Selector', name: t.text, matchers: d[1].list, pos: pos(t) };
}
export function selectorMatchers(d: D): RawNode {
  return { kind: 'Selector', matchers: d[0].list, pos: d[0].pos };
}
export function matchersEmpty(d: D): { list: RawMatcher[]; pos: Pos } {
  return { list: [], pos: pos(d[0]) };
}
export function matchersList(d: D): { list: RawMatcher[]; pos: Pos } {
  return { list: d[1], pos: pos(d[0]) };
}
// selectorNameMatchers receives the {list,pos} object from `matchers`.
export function matcher(d: D): RawMatcher {
  const n = d[0] as PromToken;
  const s = d[2] as PromToken;
  const v = unquote(s.text);
  return { name: nameOf(n), op: (d[1] as PromToken).text, value: v ?? '\u0000\u0000invalid', pos: pos(n), ...(n.type === 'STRING' ? { quoted: true } : {}) };
}
export function metricNameMatcher(d: D): RawMatcher {
  const s = d[0] as PromToken;
  return { name: '__name__', op: '=', value: unquote(s.text) ?? '\u0000\u0000invalid', pos: pos(s), quoted: true, metricName: true };
}
export function grouping(d: D): { without: boolean; labels: RawLabel[] } {
  return { without: (d[0] as PromToken).type === 'WITHOUT', labels: (d[1] as PromToken[]).map(label) };
}
export function call(d: D): RawNode {
  const t = d[0] as PromToken;
  return { kind: 'Call', func: t.text, args: d[2] ?? [], pos: pos(t) };
}
export function aggregateBefore(d: D): RawNode {
  const t = d[0] as PromToken;
  return { kind: 'Call', func: t.text, args: d[3] ?? [], grouping: d[1], pos: pos(t) };
}
export function aggregateAfter(d: D): RawNode {
  const t = d[0] as PromToken;
  return { kind: 'Call', func: t.text, args: d[2] ?? [], grouping: d[4], pos: pos(t) };
}
