import { ConfigError } from '../errors/errors.js';

/** Parsed command line: positional words and flags (repeatable flags keep every value). */
export interface ParsedArgs {
  readonly positionals: string[];
  readonly flags: Map<string, string[]>;
}

/**
 * Parses `--flag value`, `--flag=value` and boolean `--flag`. `booleanFlags`
 * never take a value.
 */
export function parseArgs(argv: readonly string[], booleanFlags: ReadonlySet<string> = new Set()): ParsedArgs {
  const positionals: string[] = [];
  const flags = new Map<string, string[]>();
  const add = (k: string, v: string) => flags.set(k, [...(flags.get(k) ?? []), v]);
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') { positionals.push(...argv.slice(i + 1)); break; }
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      const name = eq > 0 ? a.slice(2, eq) : a.slice(2);
      if (eq > 0) { add(name, a.slice(eq + 1)); continue; }
      if (booleanFlags.has(name)) { add(name, 'true'); continue; }
      const v = argv[i + 1];
      if (v === undefined || v.startsWith('--')) throw new ConfigError(`option --${name} needs a value`);
      add(name, v);
      i++;
    } else if (a.startsWith('-') && a.length === 2) {
      const short: Record<string, string> = { c: 'config', h: 'help', v: 'version' };
      const name = short[a[1]!];
      if (!name) throw new ConfigError(`unknown option ${a}`);
      if (booleanFlags.has(name)) { add(name, 'true'); continue; }
      const v = argv[i + 1];
      if (v === undefined) throw new ConfigError(`option ${a} needs a value`);
      add(name, v);
      i++;
    } else {
      positionals.push(a);
    }
  }
  return { positionals, flags };
}

/** The last value of a flag. */
export function flag(args: ParsedArgs, name: string): string | undefined {
  const v = args.flags.get(name);
  return v?.[v.length - 1];
}

/** Fails on flags a command does not know. */
export function checkFlags(args: ParsedArgs, known: readonly string[], command: string): void {
  for (const k of args.flags.keys()) {
    if (!known.includes(k)) throw new ConfigError(`strata ${command}: unknown option --${k} (known: ${known.map((x) => `--${x}`).join(', ')})`);
  }
}
