#!/usr/bin/env node
// Writes docs/errors.md from the kernel's ERROR_CODES table (run after `npm run build`).
// A kernel test fails when the page and the table disagree.
import { writeFileSync } from 'node:fs';
import { ERROR_CODES, StatusCode, httpStatusOf } from '@strata/kernel';

const lines = [
  '# Error codes',
  '',
  'Every error Strata raises on purpose has a stable string **code** and a numeric **status**',
  "from GreptimeDB's families (1000 common, 2000 syntax, 3000 query, 4000 catalog, 5000 storage,",
  '6000 server, 7000 auth). The HTTP API answers `{"code": <status>, "error": "<message>"}` with the',
  'HTTP status below; MySQL and PostgreSQL map the status to their own error codes and SQLSTATEs.',
  '',
  'This page is generated from `ERROR_CODES` in `kernel/src/errors/errors.ts` by',
  '`node scripts/gen-errors-doc.mjs`; a test keeps the two in step.',
  '',
  '| code | status | name | HTTP | how to fix |',
  '|---|---|---|---|---|',
  ...ERROR_CODES.map((e) => `| \`${e.code}\` | ${e.status} | ${StatusCode[e.status]} | ${httpStatusOf[e.status]} | ${e.fix} |`),
  '',
];
writeFileSync(new URL('../docs/errors.md', import.meta.url), lines.join('\n'));
console.log(`docs/errors.md: ${ERROR_CODES.length} codes`);
