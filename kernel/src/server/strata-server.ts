import path from 'node:path';
import { container as rootContainer, type DependencyContainer, type InjectionToken } from 'tsyringe';
import { BUILTIN_PLUGINS } from '../builtin/builtin-plugins.js';
import { readConfigFile, type ServerSection, type StrataConfig } from '../config/config-file.js';
import { defaultConfig } from '../config/default-config.js';
import { setAtPath, type ConfigOverride } from '../config/overrides.js';
import { bind, type Token } from '../di/token.js';
import { ConfigError, IllegalStateError, PluginLifecycleError, PluginOptionError, StrataError } from '../errors/errors.js';
import type { Logger } from '../interfaces/logger.js';
import type { ListenAddress } from '../interfaces/protocol.js';
import { orderPlugins } from '../loader/order-plugins.js';
import { resolvePlugin } from '../loader/resolve-plugin.js';
import { createLogger, type LogLevel } from '../logging/create-logger.js';
import { MetricsRegistry } from '../metrics/metrics-registry.js';
import { OptionIssue } from '../options/option-schema.js';
import type { PluginContext, PluginDefinition } from '../plugin/plugin-definition.js';
import { LOGGER, METRICS, PROTOCOL, SERVER_INFO, TABLE_WRITES } from '../tokens.js';
import { KERNEL_VERSION } from '../version.js';
import type { ServerInfo } from './server-info.js';
import { TableWriteHub } from './table-write-hub.js';

/** Tokens the kernel binds in every server container. */
export const KERNEL_TOKENS: ReadonlyArray<Token<any>> = [LOGGER, METRICS, SERVER_INFO, TABLE_WRITES];

/** A plugin in a composition: its definition, validated options and origin. */
export interface ComposedPlugin {
  readonly definition: PluginDefinition;
  readonly options: Record<string, unknown>;
  /** `file: plugins[i]`, 'built-in', or 'inline'. */
  readonly where: string;
  /** Module file, when loaded from one. */
  readonly file?: string;
}

export interface ComposeOptions {
  /** Overrides from the environment and the command line, applied in order (later wins). */
  readonly overrides?: readonly ConfigOverride[];
  /** Log level override (tests pass 'silent'). */
  readonly logLevel?: LogLevel;
  /** A logger to use instead of a new pino logger. */
  readonly logger?: Logger;
  /** Collect Node process metrics (CPU, memory, event loop) into /metrics. Default true. */
  readonly processMetrics?: boolean;
}

type State = 'new' | 'starting' | 'running' | 'stopping' | 'stopped' | 'failed';

let serverCounter = 0;

function withTimeout<T>(p: Promise<T> | T, ms: number, what: () => Error): Promise<T> {
  if (!(p instanceof Promise) || ms <= 0) return Promise.resolve(p);
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    p.finally(() => clearTimeout(timer)),
    new Promise<never>((_, reject) => { timer = setTimeout(() => reject(what()), ms); timer.unref?.(); }),
  ]);
}

/**
 * One Strata server: a child DI container holding the kernel services and
 * every plugin's bindings, and the plugins' lifecycle. Any number of servers
 * can live in one process (each has its own container, logger and metrics).
 *
 * ```
 *   config ─▶ resolve modules ─▶ validate options ─▶ order by requires/provides
 *          ─▶ register (bind services) ─▶ start (in order) ─▶ running
 *   stop  ─▶ abort shutdownSignal ─▶ stop (reverse order, each bounded) ─▶ stopped
 * ```
 *
 * @example
 * const server = await StrataServer.fromFile('strata.config.yaml');
 * await server.start();
 * console.log(server.addresses());
 * await server.stop();
 */
export class StrataServer {
  readonly container: DependencyContainer;
  readonly info: ServerInfo;
  readonly logger: Logger;
  readonly metrics: MetricsRegistry;
  private state: State = 'new';
  private startPromise?: Promise<void>;
  private stopPromise?: Promise<void>;
  private readonly registered: ComposedPlugin[] = [];
  private readonly shutdown = new AbortController();

  private constructor(readonly plugins: readonly ComposedPlugin[], readonly serverConfig: ServerSection & { dataHome: string },
    configSource: string, options: ComposeOptions) {
    const name = serverConfig.name ?? `strata-${++serverCounter}`;
    this.container = rootContainer.createChildContainer();
    this.logger = options.logger ?? createLogger({ level: options.logLevel ?? serverConfig.logLevel, base: { server: name } });
    this.metrics = new MetricsRegistry({ defaultMetrics: options.processMetrics ?? true });
    this.info = Object.freeze({ name, dataHome: serverConfig.dataHome, version: KERNEL_VERSION, startedAtMs: Date.now(), configSource,
      plugins: Object.freeze(plugins.map((p) => Object.freeze({ name: p.definition.name, kind: p.definition.kind }))) });
    bind(this.container, LOGGER, this.logger);
    bind(this.container, METRICS, this.metrics);
    bind(this.container, SERVER_INFO, this.info);
    bind(this.container, TABLE_WRITES, new TableWriteHub(this.logger));
  }

  /** Composes a server from a config file (YAML, JSON or TOML). */
  static async fromFile(file: string, options: ComposeOptions = {}): Promise<StrataServer> {
    return StrataServer.fromConfig(await readConfigFile(file), options);
  }

  /** Composes a server from the embedded default config. */
  static async fromDefault(options: ComposeOptions = {}): Promise<StrataServer> {
    return StrataServer.fromConfig(defaultConfig(), options);
  }

  /**
   * Composes a server from a parsed config: resolves every plugin module,
   * validates options (file < environment < command line), adds built-in
   * plugins, and orders them. Nothing is registered or started yet, so a
   * bad config fails here without side effects.
   */
  static async fromConfig(config: StrataConfig, options: ComposeOptions = {}): Promise<StrataServer> {
    const overrides = options.overrides ?? [];
    const server = { ...config.server } as Record<string, unknown>;
    for (const o of overrides.filter((x) => x.target === 'server')) {
      if (o.path.length !== 1 || !['name', 'dataHome', 'logLevel'].includes(o.path[0]!)) {
        throw new ConfigError(`${o.origin}: unknown server setting '${o.path.join('.')}' (known: name, dataHome, logLevel)`, config.source, undefined, o.path.join('.'));
      }
      server[o.path[0]!] = o.value;
    }
    const section = server as unknown as ServerSection;
    const dataHome = path.resolve(config.baseDir, section.dataHome);

    const loaded: Array<{ definition: PluginDefinition; raw: Record<string, unknown>; where: string; file?: string }> = [];
    for (const entry of config.plugins) {
      if (!entry.enabled) continue;
      const r = await resolvePlugin(entry.use, config.baseDir, entry.where, entry.ifAvailable);
      if (!r) continue;
      loaded.push({ definition: r.definition, raw: structuredClone(entry.options), where: entry.where, file: r.file });
    }
    return StrataServer.compose(loaded, { ...section, dataHome }, config.source, options);
  }

  /**
   * Composes a server from plugin definitions directly (embedding, tests).
   * Options are validated exactly as for a config file.
   */
  static async fromDefinitions(plugins: ReadonlyArray<{ definition: PluginDefinition; options?: Record<string, unknown> }>,
    server: Partial<ServerSection> = {}, options: ComposeOptions = {}): Promise<StrataServer> {
    const section: ServerSection = { dataHome: './strata-data', logLevel: 'info', shutdownTimeoutMs: 30_000, ...server };
    return StrataServer.compose(plugins.map((p, i) => ({ definition: p.definition, raw: structuredClone(p.options ?? {}), where: `inline plugins[${i}]` })),
      { ...section, dataHome: path.resolve(section.dataHome) }, '(inline)', options);
  }

  private static compose(loaded: Array<{ definition: PluginDefinition; raw: Record<string, unknown>; where: string; file?: string }>,
    section: ServerSection & { dataHome: string }, source: string, options: ComposeOptions): StrataServer {
    const overrides = options.overrides ?? [];
    const names = new Set(loaded.map((l) => l.definition.name));
    // Built-ins join when nobody provides what they provide and what they need is there.
    const provided = new Set<symbol>([...KERNEL_TOKENS.map((t) => t.id), ...loaded.flatMap((l) => (l.definition.provides ?? []).map((t) => t.id))]);
    let added = true;
    while (added) {
      added = false;
      for (const b of BUILTIN_PLUGINS) {
        if (names.has(b.name)) continue;
        const gives = b.provides ?? [];
        if (gives.some((t) => !t.multi && provided.has(t.id))) continue;
        if ((b.requires ?? []).every((t) => provided.has(t.id))) {
          loaded.push({ definition: b, raw: {}, where: 'built-in' });
          names.add(b.name);
          for (const t of gives) provided.add(t.id);
          added = true;
        }
      }
    }

    for (const o of overrides.filter((x) => x.target !== 'server')) {
      const target = loaded.find((l) => l.definition.name === o.target);
      if (!target) {
        throw new ConfigError(`${o.origin}: no plugin named '${o.target}' in ${source} (plugins: ${[...names].join(', ') || 'none'})`, source, o.target, o.path.join('.'));
      }
      setAtPath(target.raw, o.path, o.value);
    }

    const composed: ComposedPlugin[] = loaded.map((l) => {
      let opts: Record<string, unknown> = {};
      if (l.definition.options) {
        try {
          opts = l.definition.options.parse(l.raw, '') as Record<string, unknown>;
        } catch (err) {
          if (err instanceof OptionIssue) throw new PluginOptionError(l.definition.name, err.key, err.message, l.where);
          throw err;
        }
      } else if (Object.keys(l.raw).length > 0) {
        throw new PluginOptionError(l.definition.name, Object.keys(l.raw)[0]!, 'unknown option (this plugin takes no options)', l.where);
      }
      return { definition: l.definition, options: opts, where: l.where, file: l.file };
    });
    const ordered = orderPlugins(composed, KERNEL_TOKENS);
    return new StrataServer(ordered, section, source, options);
  }

  /** Resolves a service bound in this server. */
  get<T>(t: Token<T>): T {
    if (!this.container.isRegistered(t.id, true)) throw new IllegalStateError(`no service bound for ${t.name} in server '${this.info.name}'`);
    return this.container.resolve<T>(t.id as InjectionToken<T>);
  }

  /** Every provider of a token in this server (none is an empty list). */
  getAll<T>(t: Token<T>): T[] {
    return this.container.isRegistered(t.id, true) ? this.container.resolveAll<T>(t.id) : [];
  }

  /** Where the protocol plugins listen. */
  addresses(): ListenAddress[] {
    return this.getAll(PROTOCOL).flatMap((p) => p.addresses());
  }

  get status(): State { return this.state; }

  /** Registers then starts every plugin in dependency order. Calling it again returns the same promise. */
  start(): Promise<void> {
    if (this.stopPromise) return Promise.reject(new IllegalStateError(`server '${this.info.name}' was stopped; compose a new one`));
    this.startPromise ??= this.doStart();
    return this.startPromise;
  }

  private async doStart(): Promise<void> {
    this.state = 'starting';
    const contexts = new Map<ComposedPlugin, PluginContext>();
    const started: ComposedPlugin[] = [];
    try {
      for (const p of this.plugins) {
        const ctx = this.contextFor(p);
        contexts.set(p, ctx);
        try {
          await withTimeout(p.definition.register(ctx, p.options as never), p.definition.startTimeoutMs ?? 30_000,
            () => new Error(`register did not finish within ${p.definition.startTimeoutMs ?? 30_000} ms`));
        } catch (err) {
          throw err instanceof StrataError && err.code === 'PLUGIN_LIFECYCLE' ? err : new PluginLifecycleError(p.definition.name, 'register', { cause: err });
        }
        this.registered.push(p);
        for (const t of p.definition.provides ?? []) {
          if (!this.container.isRegistered(t.id, true)) {
            throw new PluginLifecycleError(p.definition.name, 'register', { message: `it declares that it provides ${t.name} but did not bind it` });
          }
        }
      }
      for (const p of this.plugins) {
        if (this.shutdown.signal.aborted) throw new IllegalStateError('server stopped while starting');
        const timeout = p.definition.startTimeoutMs ?? 30_000;
        try {
          await withTimeout(p.definition.start?.(contexts.get(p)!), timeout, () => new Error(`start did not finish within ${timeout} ms`));
        } catch (err) {
          throw new PluginLifecycleError(p.definition.name, 'start', { cause: err });
        }
        started.push(p);
        this.logger.debug({ plugin: p.definition.name, kind: p.definition.kind }, 'plugin started');
      }
      this.state = 'running';
      this.logger.info({ plugins: this.plugins.map((p) => p.definition.name), addresses: this.addresses().map((a) => a.url) }, 'server started');
    } catch (err) {
      this.state = 'failed';
      await this.stopPlugins(this.registered, contexts);
      throw err;
    }
    this.contexts = contexts;
  }

  private contexts?: Map<ComposedPlugin, PluginContext>;

  /**
   * Stops every registered plugin in reverse order (each bounded by the
   * shutdown timeout). Safe to call many times and before start.
   */
  stop(): Promise<void> {
    this.stopPromise ??= (async () => {
      this.shutdown.abort();
      if (this.startPromise) await this.startPromise.catch(() => undefined);
      if (this.state === 'failed') { this.state = 'stopped'; return; }
      this.state = 'stopping';
      await this.stopPlugins(this.registered, this.contexts ?? new Map());
      this.state = 'stopped';
      this.logger.info('server stopped');
    })();
    return this.stopPromise;
  }

  private async stopPlugins(list: readonly ComposedPlugin[], contexts: Map<ComposedPlugin, PluginContext>): Promise<void> {
    this.shutdown.abort();
    const deadline = Date.now() + this.serverConfig.shutdownTimeoutMs;
    for (const p of [...list].reverse()) {
      const ctx = contexts.get(p) ?? this.contextFor(p);
      try {
        await withTimeout(p.definition.stop?.(ctx), Math.max(1, deadline - Date.now()),
          () => new Error(`stop did not finish within the shutdown timeout (${this.serverConfig.shutdownTimeoutMs} ms)`));
      } catch (err) {
        this.logger.error({ plugin: p.definition.name, err: new PluginLifecycleError(p.definition.name, 'stop', { cause: err }).message }, 'plugin failed to stop');
      }
    }
    this.registered.length = 0;
  }

  private contextFor(p: ComposedPlugin): PluginContext {
    const def = p.definition;
    const allowed = new Set<symbol>([
      ...KERNEL_TOKENS, ...(def.requires ?? []), ...(def.optional ?? []), ...(def.provides ?? []),
    ].map((t) => t.id));
    const provides = new Set((def.provides ?? []).map((t) => t.id));
    const check = (t: Token<unknown>, verb: string) => {
      if (!allowed.has(t.id)) {
        throw new IllegalStateError(`plugin '${def.name}' tried to ${verb} ${t.name} without declaring it in requires or optional`);
      }
    };
    const container = this.container;
    return {
      plugin: def.name,
      logger: this.logger.child({ plugin: def.name }),
      metrics: this.metrics,
      server: this.info,
      shutdownSignal: this.shutdown.signal,
      get<T>(t: Token<T>): T {
        check(t, 'get');
        if (!container.isRegistered(t.id, true)) throw new IllegalStateError(`plugin '${def.name}': ${t.name} is not bound (is its provider registered?)`);
        return t.multi ? (container.resolveAll<T>(t.id)[0] as T) : container.resolve<T>(t.id);
      },
      tryGet<T>(t: Token<T>): T | undefined {
        check(t, 'get');
        return container.isRegistered(t.id, true) ? container.resolve<T>(t.id) : undefined;
      },
      getAll<T>(t: Token<T>): T[] {
        check(t, 'get');
        return container.isRegistered(t.id, true) ? container.resolveAll<T>(t.id) : [];
      },
      bind<T>(t: Token<T>, value: T): void {
        if (!provides.has(t.id)) throw new IllegalStateError(`plugin '${def.name}' tried to bind ${t.name} without declaring it in provides`);
        if (!t.multi && container.isRegistered(t.id, false)) throw new IllegalStateError(`plugin '${def.name}': ${t.name} is already bound`);
        container.register<T>(t.id, { useValue: value });
      },
    };
  }
}
