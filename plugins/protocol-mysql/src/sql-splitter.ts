/** One statement of a multi-statement query, with its `?` placeholder count. */
export interface SplitStatement {
  readonly sql: string;
  readonly placeholders: number;
}

/**
 * Splits MySQL text on `;` outside quotes ('..', "..", `..`) and comments
 * (`-- `, `#`, `/* *\/`), counting `?` placeholders on the way. Used to
 * answer connect-time statements locally, to refuse multi-statements when
 * the client did not ask for them, and to size COM_STMT_PREPARE.
 * Statements holding only comments and blanks are dropped.
 */
export function splitStatements(text: string): SplitStatement[] {
  const out: SplitStatement[] = [];
  let start = 0;
  let placeholders = 0;
  let meaningful = false;
  const n = text.length;
  const push = (end: number) => {
    const sql = text.slice(start, end).trim();
    if (meaningful && sql !== '') out.push({ sql, placeholders });
    placeholders = 0; meaningful = false;
  };
  let i = 0;
  while (i < n) {
    const c = text[i]!;
    if (c === "'" || c === '"' || c === '`') {
      meaningful = true;
      i++;
      while (i < n) {
        const d = text[i]!;
        if (d === '\\' && c !== '`') { i += 2; continue; }
        if (d === c) { if (text[i + 1] === c) { i += 2; continue; } break; }
        i++;
      }
      i++;
      continue;
    }
    if ((c === '-' && text[i + 1] === '-' && (i + 2 >= n || /\s/.test(text[i + 2]!))) || c === '#') {
      while (i < n && text[i] !== '\n') i++;
      continue;
    }
    if (c === '/' && text[i + 1] === '*') {
      const end = text.indexOf('*/', i + 2);
      i = end < 0 ? n : end + 2;
      continue;
    }
    if (c === ';') { push(i); i++; start = i; continue; }
    if (c === '?') placeholders++;
    if (!/\s/.test(c)) meaningful = true;
    i++;
  }
  push(n);
  return out;
}
