import { InvalidArgumentsError, PluginCompositionError } from '../errors/errors.js';
import type { FunctionDefinition, FunctionRegistry, RuntimeFunctions } from '../interfaces/function.js';

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
      if (typeof fn.invoke !== 'function') throw new InvalidArgumentsError(`${where} '${fn.name}': scalar functions need invoke(args, ctx)`);
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
