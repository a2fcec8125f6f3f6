import { configFromObject, StrataServer, type CliCommand, type CliIo } from '@strata/kernel';

/** The kernel's parsed command line (structural: the kernel does not export the type). */
export interface WalNodeArgs { readonly positionals: string[]; readonly flags: Map<string, string[]> }

const flag = (args: WalNodeArgs, name: string): string | undefined => args.flags.get(name)?.at(-1);

/** `--k v` / `--k=v` pairs, for the standalone bin. */
export function parseWalNodeArgs(argv: readonly string[]): WalNodeArgs {
  const flags = new Map<string, string[]>();
  const positionals: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (!a.startsWith('--')) { positionals.push(a); continue; }
    const eq = a.indexOf('=');
    const [k, v] = eq > 0 ? [a.slice(2, eq), a.slice(eq + 1)] : [a.slice(2), argv[++i] ?? ''];
    flags.set(k, [...(flags.get(k) ?? []), v]);
  }
  return { positionals, flags };
}

/**
 * `strata wal-node --port 4010 --dir /var/lib/strata-wal [--host 0.0.0.0]
 * [--sync-mode always] [--log-level info]`: a server made of wal-local (the
 * segment files) and the wal-node protocol plugin. The kernel CLI loads this
 * module by package name at run time; `strata-wal-node` runs it directly.
 */
export async function runWalNodeCommand(args: WalNodeArgs, io: CliIo): Promise<number> {
  const known = new Set(['port', 'dir', 'host', 'sync-mode', 'log-level']);
  for (const k of args.flags.keys()) if (!known.has(k)) { io.err(`strata wal-node: unknown option --${k} (known: ${[...known].map((x) => `--${x}`).join(', ')})`); return 2; }
  const dir = flag(args, 'dir');
  const port = flag(args, 'port');
  if (!dir || port === undefined) { io.err(`usage: ${walNodeCommand.usage}`); return 2; }
  const config = configFromObject({
    server: { name: 'wal-node', dataHome: dir, logLevel: flag(args, 'log-level') ?? 'info' },
    plugins: [
      { use: 'wal-local', options: { dir: 'wal', syncMode: flag(args, 'sync-mode') ?? 'always' } },
      { use: '@strata/wal-quorum/node', options: { host: flag(args, 'host') ?? '127.0.0.1', port: Number(port), metaDir: 'wal-node' } },
    ],
  }, '(strata wal-node)', process.cwd());
  const server = await StrataServer.fromConfig(config);
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) process.exit(130);
    stopping = true;
    io.out(`strata wal-node: ${signal} received, stopping`);
    server.stop().then(() => process.exit(0), (err: unknown) => { io.err(`strata wal-node: ${err instanceof Error ? err.message : String(err)}`); process.exit(1); });
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  await server.start();
  for (const a of server.addresses()) io.out(`wal-node listening on ${a.url}`);
  setInterval(() => undefined, 1 << 30);
  await new Promise<void>(() => undefined);
  return 0;
}

export const walNodeCommand: CliCommand = {
  name: 'wal-node',
  summary: 'run a WAL node for wal-quorum writers (wal-local segment files served over gRPC)',
  usage: 'strata wal-node --port PORT --dir DIR [--host HOST] [--sync-mode always|interval|none] [--log-level LEVEL]',
  run: runWalNodeCommand,
};
