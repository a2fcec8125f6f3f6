import { readConfigFile, type StrataConfig } from '../config/config-file.js';
import { defaultConfig } from '../config/default-config.js';
import { overridesFromEnv, parseSetArgument, type ConfigOverride } from '../config/overrides.js';
import { ConfigError } from '../errors/errors.js';
import { StrataServer } from '../server/strata-server.js';
import { KERNEL_VERSION } from '../version.js';
import { checkFlags, flag, type ParsedArgs } from './parse-args.js';
import { newPluginCommand } from './new-plugin-command.js';

/** A `strata` subcommand. Plugins and later kernel modules add theirs to CLI_COMMANDS. */
export interface CliCommand {
  readonly name: string;
  readonly summary: string;
  readonly usage: string;
  readonly booleanFlags?: readonly string[];
  run(args: ParsedArgs, io: CliIo): Promise<number>;
}

/** Where a command writes; tests capture it. */
export interface CliIo {
  out(line: string): void;
  err(line: string): void;
  env: NodeJS.ProcessEnv;
}

const SERVER_FLAGS = ['config', 'set', 'data-home', 'log-level', 'disable'];

/** Reads the config (or the embedded default) and collects overrides: environment, then flags. */
async function loadConfigAndOverrides(args: ParsedArgs, io: CliIo): Promise<{ config: StrataConfig; overrides: ConfigOverride[] }> {
  const file = flag(args, 'config');
  let config = file ? await readConfigFile(file) : defaultConfig();
  const disabled = new Set(args.flags.get('disable') ?? []);
  if (disabled.size > 0) {
    config = { ...config, plugins: config.plugins.filter((p) => !disabled.has(p.use) && !disabled.has(p.use.replace(/^@strata\//, ''))) };
  }
  const overrides = overridesFromEnv(io.env);
  const dataHome = flag(args, 'data-home');
  if (dataHome) overrides.push({ target: 'server', path: ['dataHome'], value: dataHome, origin: '--data-home' });
  const level = flag(args, 'log-level');
  if (level) overrides.push({ target: 'server', path: ['logLevel'], value: level, origin: '--log-level' });
  for (const s of args.flags.get('set') ?? []) overrides.push(parseSetArgument(s));
  return { config, overrides };
}

const startCommand: CliCommand = {
  name: 'start',
  summary: 'start a server from a config file (or the embedded default)',
  usage: 'strata start [--config FILE] [--set plugin.option=value]... [--data-home DIR] [--log-level LEVEL] [--disable PLUGIN]...',
  async run(args, io) {
    checkFlags(args, SERVER_FLAGS, 'start');
    const { config, overrides } = await loadConfigAndOverrides(args, io);
    const server = await StrataServer.fromConfig(config, { overrides });
    let stopping = false;
    const onSignal = (signal: NodeJS.Signals) => {
      if (stopping) {
        io.err(`strata: ${signal} again, exiting without waiting`);
        process.exit(130);
      }
      stopping = true;
      io.out(`strata: ${signal} received, stopping (draining connections, flushing)...`);
      server.stop().then(() => { io.out('strata: stopped cleanly'); process.exit(0); },
        (err: unknown) => { io.err(`strata: error while stopping: ${err instanceof Error ? err.message : String(err)}`); process.exit(1); });
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    await server.start();
    io.out(`Strata ${KERNEL_VERSION} started — config: ${server.info.configSource}, data: ${server.info.dataHome}`);
    io.out(`  plugins (in start order): ${server.plugins.map((p) => `${p.definition.name} [${p.definition.kind}]`).join(', ') || '(none)'}`);
    const addresses = server.addresses();
    if (addresses.length === 0) io.out('  no protocol is listening (the config has no protocol plugin)');
    for (const a of addresses) io.out(`  ${a.protocol.padEnd(10)} listening on ${a.url}`);
    io.out('Press Ctrl-C to stop.');
    // Keep the process alive until a signal stops it, even with no listener open.
    setInterval(() => undefined, 1 << 30);
    await new Promise<void>(() => undefined);
    return 0;
  },
};

const pluginsCommand: CliCommand = {
  name: 'plugins',
  summary: 'list the plugins a config composes, in resolved start order',
  usage: 'strata plugins [--config FILE] [--set plugin.option=value]...',
  async run(args, io) {
    checkFlags(args, SERVER_FLAGS, 'plugins');
    const { config, overrides } = await loadConfigAndOverrides(args, io);
    const server = await StrataServer.fromConfig(config, { overrides, logLevel: 'silent', processMetrics: false });
    io.out(`config: ${config.source}`);
    server.plugins.forEach((p, i) => {
      const d = p.definition;
      io.out(`${String(i + 1).padStart(2)}. ${d.name} [${d.kind}]${d.version ? ` ${d.version}` : ''}  (${p.file ?? p.where})`);
      if (d.provides?.length) io.out(`      provides: ${d.provides.map((t) => t.name).join(', ')}`);
      if (d.requires?.length) io.out(`      requires: ${d.requires.map((t) => t.name).join(', ')}`);
      if (d.optional?.length) io.out(`      optional: ${d.optional.map((t) => t.name).join(', ')}`);
      if (Object.keys(p.options).length) io.out(`      options:  ${JSON.stringify(p.options)}`);
    });
    if (server.plugins.length === 0) io.out('(no plugins)');
    return 0;
  },
};

const configCommand: CliCommand = {
  name: 'config',
  summary: 'check a config file without starting anything',
  usage: 'strata config check FILE',
  async run(args, io) {
    checkFlags(args, ['set'], 'config');
    const [sub, file] = args.positionals;
    if (sub !== 'check' || !file) throw new ConfigError(`usage: ${this.usage}`);
    const config = await readConfigFile(file);
    const overrides = [...overridesFromEnv(io.env), ...(args.flags.get('set') ?? []).map(parseSetArgument)];
    const server = await StrataServer.fromConfig(config, { overrides, logLevel: 'silent', processMetrics: false });
    io.out(`${config.source}: OK — ${server.plugins.length} plugin(s): ${server.plugins.map((p) => p.definition.name).join(', ')}`);
    return 0;
  },
};

/** Every `strata` subcommand by name. */
export const CLI_COMMANDS = new Map<string, CliCommand>([
  [startCommand.name, startCommand],
  [pluginsCommand.name, pluginsCommand],
  [configCommand.name, configCommand],
  [newPluginCommand.name, newPluginCommand],
  ['wal-node', { name: 'wal-node', summary: 'run a WAL node for wal-quorum writers (loads @strata/wal-quorum at run time)', usage: 'strata wal-node --port PORT --dir DIR [--host HOST] [--sync-mode always|interval|none] [--log-level LEVEL]', run: async (args, io) => ((await import('@strata/wal-quorum' as string)) as { runWalNodeCommand: CliCommand['run'] }).runWalNodeCommand(args, io) }],
]);

/** Help text listing every command. */
export function helpText(): string {
  const lines = [`strata ${KERNEL_VERSION} — a plugin-oriented time-series database`, '', 'Usage:'];
  for (const c of CLI_COMMANDS.values()) lines.push(`  ${c.usage}`, `      ${c.summary}`);
  lines.push('', 'Environment: STRATA_DATA_HOME, STRATA_LOG_LEVEL, STRATA_<PLUGIN>__<OPTION>=value (e.g. STRATA_PROTOCOL_HTTP__PORT=4100).');
  return lines.join('\n');
}
