#!/usr/bin/env node
// Writes docs/errors.md from the kernel's ERROR_CODES table and each protocol's
// status mapping (run after `npm run build`). A kernel test fails when the page
// and the table disagree.
import { writeFileSync } from 'node:fs';
import { status as grpcStatus } from '@grpc/grpc-js';
import { ERROR_CODES, StatusCode, httpStatusOf } from '@strata/kernel';
import { grpcStatusOf } from '@strata/protocol-grpc';
import { MYSQL_ERROR_OF_STATUS } from '@strata/protocol-mysql';
import { PG_SQLSTATE_OF_STATUS } from '@strata/protocol-postgres';

const grpcName = (s) => Object.keys(grpcStatus).find((k) => grpcStatus[k] === s) ?? String(s);
const mysql = (s) => `${MYSQL_ERROR_OF_STATUS[s].code} \`${MYSQL_ERROR_OF_STATUS[s].sqlState}\``;

const lines = [
  '# Error codes',
  '',
  'Every error Strata raises on purpose has a stable string **code** and a numeric **status**',
  "from GreptimeDB's families (1000 common, 2000 syntax, 3000 query, 4000 catalog, 5000 storage,",
  '6000 server, 7000 auth). Where GreptimeDB reports the same condition, the status is',
  "GreptimeDB's: a failed cast and a division by zero are 3001 EngineExecuteQuery (`Cast error: Cannot",
  "cast string 'x' to value of Int32 type`, `Divide by zero error`), a query's unknown column is 3000",
  'PlanQuery (`No field named x. Valid fields are ...`, DataFusion\'s words), while the catalog\'s',
  '4002 TableColumnNotFound is for DDL and INSERT column lists.',
  '',
  'Each protocol maps the status to its own codes with one exhaustive table that follows',
  "GreptimeDB's value for value, so GreptimeDB's clients see the same answers:",
  '',
  '- **HTTP** (`httpStatusOf`, GreptimeDB\'s `status_code_to_http_status`): the status below and',
  '  `{"code": <status>, "error": "<message>", "execution_time_ms": N}` with the',
  '  `x-greptime-err-code` header ([http-api.md](http-api.md)).',
  '- **MySQL** (`MYSQL_ERROR_OF_STATUS`, GreptimeDB\'s `mysql_error_kind`): error number and',
  '  SQLSTATE below, message prefixed with the status name: `ERROR 1146 (42S02): (TableNotFound):',
  '  Table not found: public.nope`. Failed logins are always 1045 `28000`; COM_INIT_DB for a missing',
  "  database is 1102 `Unknown database 'x'` ([mysql.md](mysql.md)).",
  '- **PostgreSQL** (`PG_SQLSTATE_OF_STATUS`, GreptimeDB\'s `PgErrorCode`): SQLSTATE below, message',
  '  as is. GreptimeDB sends `P0000` for every plan or execution failure, divide by zero and casts',
  '  included (PostgreSQL itself: `22012`, `22P02`); a missing startup database is FATAL `3D000`',
  '  ([postgres.md](postgres.md)).',
  '- **gRPC** (`grpcStatusOf`, GreptimeDB\'s `status_to_tonic_code`): status below, the numeric',
  '  status in the `x-greptime-err-code` trailer and the code in `x-strata-err-code` ([grpc.md](grpc.md)).',
  '',
  'This page is generated from `ERROR_CODES` in `kernel/src/errors/errors.ts` and the protocol',
  'tables by `node scripts/gen-errors-doc.mjs`; a test keeps the page and `ERROR_CODES` in step,',
  "and each protocol's tests pin its table to GreptimeDB's.",
  '',
  '| code | status | name | HTTP | MySQL | PostgreSQL | gRPC | how to fix |',
  '|---|---|---|---|---|---|---|---|',
  ...ERROR_CODES.map((e) => `| \`${e.code}\` | ${e.status} | ${StatusCode[e.status]} | ${httpStatusOf[e.status]} | ${mysql(e.status)} | \`${PG_SQLSTATE_OF_STATUS[e.status]}\` | ${grpcName(grpcStatusOf[e.status])} | ${e.fix} |`),
  '',
];
writeFileSync(new URL('../docs/errors.md', import.meta.url), lines.join('\n'));
console.log(`docs/errors.md: ${ERROR_CODES.length} codes`);
