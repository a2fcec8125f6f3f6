import { StrataError } from '../errors/errors.js';
import { KERNEL_VERSION } from '../version.js';
import { CLI_COMMANDS, helpText, type CliIo } from './cli-commands.js';
import { parseArgs } from './parse-args.js';

/** Runs the `strata` command line; returns the exit code. */
export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === 'help' || name === '--help' || name === '-h') { io.out(helpText()); return 0; }
  if (name === '--version' || name === '-v' || name === 'version') { io.out(KERNEL_VERSION); return 0; }
  const command = CLI_COMMANDS.get(name);
  if (!command) { io.err(`strata: unknown command '${name}'\n\n${helpText()}`); return 2; }
  try {
    const args = parseArgs(rest, new Set(['help', ...(command.booleanFlags ?? [])]));
    if (args.flags.has('help')) { io.out(`usage: ${command.usage}\n  ${command.summary}`); return 0; }
    return await command.run(args, io);
  } catch (err) {
    // One line naming the cause; the stack only for bugs.
    if (err instanceof StrataError) {
      io.err(`strata: error [${err.code}]: ${err.message}`);
      if (err.origin === 'internal' && err.stack) io.err(err.stack);
      return err.code.startsWith('PLUGIN_') || err.code.startsWith('CONFIG') ? 2 : 1;
    }
    io.err(`strata: error: ${err instanceof Error ? err.stack ?? err.message : String(err)}`);
    return 1;
  }
}

