import { InvalidArgumentsError, PluginCompositionError, StrataError } from '../errors/errors.js';
import type { FunctionDefinition, FunctionRegistry, FunctionResolver, RuntimeFunctions } from '../interfaces/function.js';
import type { Session } from '../interfaces/session.js';
import { functionError, guardFunction } from './guard-function.js';

/**
 * The function registry: every SQL-callable function (built-ins and plugin
 * functions) by lower-case name and alias. Registering a name twice fails
 * and names both origins, so two packs cannot silently shadow each other.
 *
 * @example
 * const reg = new DefaultFunctionRegistry();
 * reg.register(myFn, 'functions-geo');
 * reg.lookup('st_distance');
 */
export class DefaultFunctionRegistry implements FunctionRegistry {
  private readonly byName = new Map<string, { fn: FunctionDefinition; origin: string }>();
  private readonly entries: Array<{ fn: FunctionDefinition; origin: string }> = [];
  /** Set by the 'functions' built-in when runtime functions are enabled. */
  runtime?: RuntimeFunctions;

  register(fn: FunctionDefinition, origin: string): void {
    checkDefinition(fn, origin);
    const names = [fn.name, ...(fn.aliases ?? [])].map((n) => n.toLowerCase());
    for (const n of names) {
      const prev = this.byName.get(n);
      if (prev) {
        throw new PluginCompositionError(`function '${n}' from ${origin} clashes with the function of the same name from ${prev.origin}`);
      }
    }
    const entry = { fn, origin };
    for (const n of names) this.byName.set(n, entry);
    this.entries.push(entry);
  }

  unregister(name: string): boolean {
    const e = this.byName.get(name.toLowerCase());
    if (!e) return false;
    for (const n of [e.fn.name, ...(e.fn.aliases ?? [])]) this.byName.delete(n.toLowerCase());
    this.entries.splice(this.entries.indexOf(e), 1);
    return true;
  }

  lookup(name: string): FunctionDefinition | undefined {
    return this.byName.get(name.toLowerCase())?.fn;
  }

  originOf(name: string): string | undefined {
    return this.byName.get(name.toLowerCase())?.origin;
  }

  list(): ReadonlyArray<{ readonly fn: FunctionDefinition; readonly origin: string }> {
    return [...this.entries];
  }

  private readonly resolvers: FunctionResolver[] = [];

  /** True when some resolver is registered (the query engine skips resolution otherwise). */
  get hasResolvers(): boolean { return this.resolvers.length > 0; }

  addResolver(resolver: FunctionResolver): () => void {
    if (typeof resolver !== 'object' || resolver === null || typeof resolver.resolve !== 'function' || typeof resolver.origin !== 'string') {
      throw new InvalidArgumentsError('a function resolver needs origin (a string) and resolve(name, ctx)');
    }
    this.resolvers.push(resolver);
    return () => { const i = this.resolvers.indexOf(resolver); if (i >= 0) this.resolvers.splice(i, 1); };
  }

  /**
   * Asks the resolvers (in the order they were added; the first answer wins)
   * for the names the registry does not hold. What they return is checked
   * and guarded like a plugin's function; a throw that is not a StrataError
   * becomes a query error naming the resolver.
   */
  async resolve(names: Iterable<string>, session: Session): Promise<ReadonlyMap<string, FunctionDefinition>> {
    const out = new Map<string, FunctionDefinition>();
    if (this.resolvers.length === 0) return out;
    for (const raw of names) {
      const name = raw.toLowerCase();
      if (out.has(name) || this.byName.has(name)) continue;
      for (const r of this.resolvers) {
        let fn: FunctionDefinition | undefined;
        try { fn = await r.resolve(name, { session }); } catch (err) {
          if (err instanceof StrataError) throw err;
          throw functionError(name, `resolution by ${r.origin}`, err);
        }
        if (fn === undefined || fn === null) continue;
        checkDefinition(fn, r.origin);
        out.set(name, guardFunction(fn));
        break;
      }
    }
    return out;
  }
}

/**
 * The registry a statement binds against: the registry itself, then the
 * functions resolvers gave for this statement. Registered functions come
 * first, so a resolver can never shadow a built-in or plugin function.
 */
export function statementRegistry(base: FunctionRegistry, resolved: ReadonlyMap<string, FunctionDefinition>): FunctionRegistry {
  if (resolved.size === 0) return base;
  return {
    register: (fn, origin) => base.register(fn, origin),
    unregister: (name) => base.unregister(name),
    lookup: (name) => base.lookup(name) ?? resolved.get(name.toLowerCase()),
    list: () => base.list(),
    ...(base.runtime ? { runtime: base.runtime } : {}),
  };
}

/** Checks what a plugin hands us and says what was expected (Kysely-style). */
function checkDefinition(fn: FunctionDefinition, origin: string): void {
  const where = `function from ${origin}`;
  if (typeof fn !== 'object' || fn === null) throw new InvalidArgumentsError(`${where}: expected a function definition object`);
  if (typeof fn.name !== 'string' || !/^[a-z_][a-z0-9_]*$/.test(fn.name)) {
    throw new InvalidArgumentsError(`${where}: 'name' must be a lower-case SQL identifier (got ${JSON.stringify(fn.name)})`);
  }
  if (!Array.isArray(fn.signatures) || fn.signatures.length === 0) throw new InvalidArgumentsError(`${where} '${fn.name}': 'signatures' must list at least one signature`);
  if (fn.returnType === undefined) throw new InvalidArgumentsError(`${where} '${fn.name}': 'returnType' is required`);
  switch (fn.kind) {
    case 'scalar':
      if ((fn as { async?: unknown }).async === true) {
        if (typeof (fn as { invokeAsync?: unknown }).invokeAsync !== 'function') throw new InvalidArgumentsError(`${where} '${fn.name}': async scalar functions need invokeAsync(args, ctx)`);
      } else if (typeof (fn as { invoke?: unknown }).invoke !== 'function') {
        throw new InvalidArgumentsError(`${where} '${fn.name}': scalar functions need invoke(args, ctx) (or async: true and invokeAsync(args, ctx))`);
      }
      break;
    case 'aggregate':
      for (const k of ['init', 'update', 'merge', 'finalize'] as const) {
        if (typeof fn[k] !== 'function') throw new InvalidArgumentsError(`${where} '${fn.name}': aggregates need ${k}()`);
      }
      break;
    case 'window':
      if (fn.evaluation === 'partition' && typeof fn.evaluatePartition !== 'function') throw new InvalidArgumentsError(`${where} '${fn.name}': evaluation 'partition' needs evaluatePartition()`);
      if (fn.evaluation === 'frame' && typeof fn.evaluateFrame !== 'function') throw new InvalidArgumentsError(`${where} '${fn.name}': evaluation 'frame' needs evaluateFrame()`);
      break;
    default:
      throw new InvalidArgumentsError(`${where} '${(fn as { name: string }).name}': 'kind' must be 'scalar', 'aggregate' or 'window'`);
  }
}
