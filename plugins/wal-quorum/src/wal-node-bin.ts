#!/usr/bin/env node
import { parseWalNodeArgs, runWalNodeCommand } from './wal-node-command.js';

// `strata-wal-node --port 4010 --dir DIR`: the same as `strata wal-node`.
const io = { out: (l: string) => console.log(l), err: (l: string) => console.error(l), env: process.env };
runWalNodeCommand(parseWalNodeArgs(process.argv.slice(2)), io).then((code) => { process.exitCode = code; }, (err: unknown) => {
  console.error(`strata-wal-node: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 1;
});
