#!/usr/bin/env node
// The `strata` executable.
import 'reflect-metadata';
import { main } from './main.js';
import type { CliIo } from './cli-commands.js';

const io: CliIo = { out: (l) => process.stdout.write(`${l}\n`), err: (l) => process.stderr.write(`${l}\n`), env: process.env };
main(process.argv.slice(2), io).then((code) => { if (code !== 0) process.exitCode = code; },
  (err: unknown) => { process.stderr.write(`strata: fatal: ${String(err)}\n`); process.exitCode = 1; });
