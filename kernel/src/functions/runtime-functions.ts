import { mkdir, readFile, realpath, rename, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { DataType } from '../data/data-types.js';
import { InvalidArgumentsError, UnsupportedError } from '../errors/errors.js';
import type { CreateFunctionRequest, FunctionDefinition, RuntimeFunctions } from '../interfaces/function.js';
import type { Logger } from '../interfaces/logger.js';
import type { DefaultFunctionRegistry } from './function-registry.js';
import { guardFunction } from './guard-function.js';

/** What the state file keeps per function: the request, with the module's resolved real path. */
interface Entry extends CreateFunctionRequest { readonly realPath: string }

const ORIGIN_PREFIX = 'CREATE FUNCTION ';

/**
 * CREATE / DROP FUNCTION for the 'functions' built-in. A module must be a
 * JavaScript file (.js/.mjs) inside one of the allowed directories (checked
 * on the real path, so symlinks cannot escape); its export (default, or
 * WITH (export = 'x')) must be a function definition, e.g. made with the
 * SDK's defineScalarFunction. Created functions are written to a state file
 * under the data home and loaded again at startup, so a restart keeps them;
 * one whose module fails to load then is logged and skipped (the server
 * still starts). Functions of plugins and built-ins cannot be replaced or dropped.
 */
export class RuntimeFunctionLoader implements RuntimeFunctions {
  private readonly entries = new Map<string, Entry>();
  private readonly allowed: string[];

  constructor(private readonly registry: DefaultFunctionRegistry, allowedDirectories: readonly string[], private readonly stateFile: string,
    private readonly logger?: Logger) {
    this.allowed = allowedDirectories.map((d) => path.resolve(d));
  }

  /** Loads the functions of the state file (startup). */
  async restore(): Promise<void> {
    let saved: Entry[];
    try { saved = JSON.parse(await readFile(this.stateFile, 'utf8')) as Entry[]; } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
      this.logger?.warn(`runtime functions: cannot read ${this.stateFile}: ${(e as Error).message}`);
      return;
    }
    for (const req of saved) {
      // Kept even when its module fails now, so fixing the module and restarting brings it back; DROP FUNCTION forgets it.
      this.entries.set(req.name, req);
      try { await this.load(req); } catch (e) {
        this.logger?.warn(`runtime function '${req.name}' from ${req.realPath} was not loaded: ${(e as Error).message}`);
      }
    }
  }

  async create(req: CreateFunctionRequest): Promise<void> {
    const name = req.name.toLowerCase();
    const existing = this.registry.lookup(name);
    if (existing) {
      const origin = this.registry.originOf(name) ?? '';
      if (req.ifNotExists) return;
      if (!origin.startsWith(ORIGIN_PREFIX)) throw new InvalidArgumentsError(`function '${name}' already exists (${origin}); only functions made by CREATE FUNCTION can be replaced`);
      if (!req.orReplace) throw new InvalidArgumentsError(`function '${name}' already exists (${origin}); use CREATE OR REPLACE FUNCTION`);
    }
    const entry: Entry = { ...req, name, realPath: await this.resolve(req.source) };
    await this.load(entry);
    this.entries.set(name, entry);
    await this.persist();
  }

  async drop(name: string, ifExists: boolean): Promise<boolean> {
    const n = name.toLowerCase();
    const origin = this.registry.originOf(n);
    if (origin !== undefined && !origin.startsWith(ORIGIN_PREFIX)) {
      throw new InvalidArgumentsError(`function '${n}' comes from ${origin}; only functions made by CREATE FUNCTION can be dropped`);
    }
    const known = this.entries.delete(n);
    if (origin === undefined && !known) {
      if (ifExists) return false;
      throw new InvalidArgumentsError(`function '${n}' does not exist`);
    }
    this.registry.unregister(n);
    await this.persist();
    return true;
  }

  /** The real path of a module, which must lie inside an allowed directory. */
  private async resolve(source: string): Promise<string> {
    if (this.allowed.length === 0) throw new UnsupportedError("CREATE FUNCTION needs at least one directory in the 'functions' option runtimeFunctionDirectories");
    const candidate = path.isAbsolute(source) ? source : path.resolve(this.allowed[0]!, source);
    if (!/\.(m?js)$/.test(candidate)) throw new InvalidArgumentsError(`CREATE FUNCTION module '${source}' must be a JavaScript file (.js or .mjs); compile TypeScript first`);
    let real: string;
    try { real = await realpath(candidate); } catch {
      throw new InvalidArgumentsError(`CREATE FUNCTION module '${source}' not found (looked at ${candidate})`);
    }
    for (const dir of this.allowed) {
      let realDir: string;
      try { realDir = await realpath(dir); } catch { continue; }
      const rel = path.relative(realDir, real);
      if (rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel)) return real;
    }
    throw new InvalidArgumentsError(`CREATE FUNCTION module '${source}' is outside the allowed directories (${this.allowed.join(', ')})`);
  }

  /** Imports the module and registers its definition under the SQL name (replacing an earlier runtime one). */
  private async load(e: Entry): Promise<void> {
    // The modification time in the URL makes OR REPLACE pick up an edited module (ESM caches by URL).
    const mtime = (await stat(e.realPath)).mtimeMs;
    let mod: Record<string, unknown>;
    try { mod = await import(`${pathToFileURL(e.realPath).href}?mtime=${mtime}`) as Record<string, unknown>; } catch (err) {
      throw new InvalidArgumentsError(`CREATE FUNCTION module '${e.source}' failed to load: ${(err as Error).message}`, { cause: err });
    }
    const exportName = e.exportName ?? 'default';
    const def = mod[exportName] as FunctionDefinition | undefined;
    if (!def || typeof def !== 'object' || typeof (def as { kind?: unknown }).kind !== 'string') {
      throw new InvalidArgumentsError(`CREATE FUNCTION module '${e.source}': export '${exportName}' is not a function definition (expected e.g. defineScalarFunction({...}) from @strata/sdk; exports: ${Object.keys(mod).join(', ') || 'none'})`);
    }
    if (def.kind !== e.kind) {
      throw new InvalidArgumentsError(`CREATE ${e.kind === 'scalar' ? '' : `${e.kind.toUpperCase()} `}FUNCTION '${e.name}': the module exports a ${def.kind} function`);
    }
    const fn = {
      ...def, name: e.name, aliases: [],
      ...(e.params ? { signatures: [{ args: e.params.map((t: DataType) => t.name) }] } : {}),
      ...(e.returns ? { returnType: e.returns } : {}),
    } as FunctionDefinition;
    if (this.registry.originOf(e.name)?.startsWith(ORIGIN_PREFIX)) this.registry.unregister(e.name);
    this.registry.register(guardFunction(fn), `${ORIGIN_PREFIX}${e.realPath}`);
  }

  private async persist(): Promise<void> {
    await mkdir(path.dirname(this.stateFile), { recursive: true });
    const tmp = `${this.stateFile}.tmp`;
    await writeFile(tmp, JSON.stringify([...this.entries.values()], null, 2));
    await rename(tmp, this.stateFile);
  }
}
