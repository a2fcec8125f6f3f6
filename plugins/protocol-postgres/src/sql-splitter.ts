/** One statement of a simple query, with its highest `$n` placeholder. */
export interface SplitStatement {
  readonly sql: string;
  readonly maxParam: number;
}

/**
 * Splits PostgreSQL text on `;` outside quotes ('..', E'..', "..",
 * $tag$..$tag$) and comments (`--`, nested `/* *\/`), noting the highest
 * `$n`. Statements holding only comments and blanks are dropped.
 */
export function splitStatements(text: string): SplitStatement[] {
  const out: SplitStatement[] = [];
  let start = 0; let maxParam = 0; let meaningful = false;
  const n = text.length;
  const push = (end: number) => {
    const sql = text.slice(start, end).trim();
    if (meaningful && sql !== '') out.push({ sql, maxParam });
    maxParam = 0; meaningful = false;
  };
  let i = 0;
  while (i < n) {
    const c = text[i]!;
    if (c === "'" || c === '"') {
      const escapes = c === "'" && i > 0 && (text[i - 1] === 'E' || text[i - 1] === 'e');
      meaningful = true; i++;
      while (i < n) {
        const d = text[i]!;
        if (escapes && d === '\\') { i += 2; continue; }
        if (d === c) { if (text[i + 1] === c) { i += 2; continue; } break; }
        i++;
      }
      i++;
      continue;
    }
    if (c === '-' && text[i + 1] === '-') { while (i < n && text[i] !== '\n') i++; continue; }
    if (c === '/' && text[i + 1] === '*') {
      let depth = 1; i += 2;
      while (i < n && depth > 0) {
        if (text[i] === '/' && text[i + 1] === '*') { depth++; i += 2; } else if (text[i] === '*' && text[i + 1] === '/') { depth--; i += 2; } else i++;
      }
      continue;
    }
    if (c === '$') {
      const num = /^\$(\d+)/.exec(text.slice(i, i + 12));
      if (num) { maxParam = Math.max(maxParam, Number(num[1])); meaningful = true; i += num[0].length; continue; }
      const tag = /^\$([A-Za-z_][A-Za-z0-9_]*)?\$/.exec(text.slice(i, i + 64));
      if (tag) {
        const end = text.indexOf(tag[0], i + tag[0].length);
        meaningful = true;
        i = end < 0 ? n : end + tag[0].length;
        continue;
      }
    }
    if (c === ';') { push(i); i++; start = i; continue; }
    if (!/\s/.test(c)) meaningful = true;
    i++;
  }
  push(n);
  return out;
}
