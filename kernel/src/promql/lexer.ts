import moo from 'moo';

/** A PromQL token (moo token; `type` refined for keywords, Inf/NaN). */
export interface PromToken {
  type: string;
  value: string;
  text: string;
  offset: number;
  line: number;
  col: number;
  lineBreaks: number;
}

/** Keywords (case-insensitive in PromQL); they are still valid label names. */
export const KEYWORDS = new Map<string, string>([
  ['and', 'AND'], ['or', 'OR'], ['unless', 'UNLESS'], ['atan2', 'ATAN2'], ['by', 'BY'], ['without', 'WITHOUT'],
  ['on', 'ON'], ['ignoring', 'IGNORING'], ['group_left', 'GROUP_LEFT'], ['group_right', 'GROUP_RIGHT'],
  ['bool', 'BOOL'], ['offset', 'OFFSET'],
]);

// Durations before plain numbers: moo takes the first alternative that
// matches, so `5m` must be a DURATION, not NUMBER 5 + IDENT m. Identifiers
// do not start with ':' so the subquery `[5m:1m]` lexes as DURATION ':' DURATION.
const lexer = moo.compile({
  WS: { match: /[ \t\r\n]+/, lineBreaks: true },
  COMMENT: /#[^\n]*/,
  STRING: [
    { match: /"(?:\\[^\n]|[^"\\\n])*"/ },
    { match: /'(?:\\[^\n]|[^'\\\n])*'/ },
    { match: /`[^`]*`/, lineBreaks: true },
  ],
  NUMBER_HEX: /0[xX][0-9a-fA-F]+/,
  DURATION: /(?:[0-9]+(?:ms|[smhdwy]))+(?![a-zA-Z0-9_.])/,
  NUMBER: /(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?/,
  IDENT: /[a-zA-Z_][a-zA-Z0-9_:]*/,
  OP: ['==', '!=', '=~', '!~', '<=', '>=', '<', '>', '=', '+', '-', '*', '/', '%', '^', '(', ')', '{', '}', '[', ']', ',', ':', '@'],
  OTHER: { match: /[^]/, lineBreaks: true },
});

/** Lexes PromQL text, dropping whitespace and comments, and refining keyword / Inf / NaN tokens. */
export function lexPromql(text: string): PromToken[] {
  lexer.reset(text);
  const out: PromToken[] = [];
  for (const t of lexer as unknown as Iterable<PromToken>) {
    if (t.type === 'WS' || t.type === 'COMMENT') continue;
    if (t.type === 'IDENT') {
      const lower = t.text.toLowerCase();
      const kw = KEYWORDS.get(lower);
      if (kw) t.type = kw;
      else if (lower === 'inf' || lower === 'nan') t.type = 'NUMBER';
    } else if (t.type === 'NUMBER_HEX') {
      t.type = 'NUMBER';
    } else if (t.type === 'OP') {
      t.type = t.text;
    }
    out.push(t);
  }
  // `group_left (a, b)` always takes the parenthesis as its label list (as
  // Prometheus's lexer does); marking it here keeps the grammar unambiguous.
  for (let i = 0; i + 1 < out.length; i++) {
    const t = out[i]!;
    if ((t.type === 'GROUP_LEFT' || t.type === 'GROUP_RIGHT') && out[i + 1]!.type === '(') t.type += '_L';
  }
  return out;
}
