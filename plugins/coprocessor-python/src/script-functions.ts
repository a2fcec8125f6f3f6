import * as arrow from 'apache-arrow';
import {
  PlanError, type AsyncScalarFunction, type DataType, type FunctionContext, type FunctionResolver, type Session, type StoredScript,
} from '@strata/kernel';
import type { PythonCoprocessor } from './python-coprocessor.js';
import type { ScriptStore } from './script-store.js';

const F64: DataType = { name: 'Float64' };

/**
 * Stored scripts as SQL scalar functions: `SELECT host, double_it(cpu) FROM t`
 * runs the script `double_it` of the session's database once per batch of
 * rows, its `args=` bound to the call's arguments in order.
 *
 * The kernel asks this resolver only for names no built-in or plugin
 * function has, once per statement, and keeps nothing: a script submitted,
 * replaced or deleted is seen by the next statement.
 *
 * @example
 * const remove = registry.addResolver?.(new ScriptFunctionResolver(store, copr));
 */
export class ScriptFunctionResolver implements FunctionResolver {
  readonly origin = "plugin 'coprocessor-python' (stored scripts)";

  constructor(private readonly store: ScriptStore, private readonly copr: PythonCoprocessor) {}

  resolve(name: string, ctx: { readonly session: Session }): AsyncScalarFunction | undefined {
    const db = ctx.session.database;
    // SQL lower-cases unquoted names; a script stored as `doubleIt` still answers to doubleit(...).
    const script = this.store.get(db, name) ?? this.store.list(db).find((s) => s.name.toLowerCase() === name);
    return script ? scriptFunction(script, this.copr, ctx.session) : undefined;
  }
}

/**
 * The function a stored script is in SQL: as many arguments (of any type)
 * as its `args=`, one result column whose type is the return annotation's,
 * or else the first argument's. It never folds into a constant (a script may
 * read tables or the clock), and sees NULLs as None.
 */
export function scriptFunction(script: StoredScript, copr: PythonCoprocessor, session: Session): AsyncScalarFunction {
  const sig = script.signature;
  const name = script.name.toLowerCase();
  if (sig.returns.length !== 1) {
    throw new PlanError(`script '${script.name}' returns ${sig.returns.length} columns (${sig.returns.map((r) => r.name).join(', ')}); `
      + 'a script called as a SQL function must return exactly one (returns=["name"])');
  }
  const declared = sig.returns[0]!.type;
  if (!declared && sig.args.length === 0) {
    throw new PlanError(`script '${script.name}' takes no arguments and has no return annotation; `
      + 'to call it as a SQL function, annotate its type (e.g. -> vector[f64])');
  }
  const returnType = declared ?? ((types: readonly DataType[]) => (types[0] && types[0].name !== 'Null' ? types[0] : F64));
  return {
    kind: 'scalar',
    async: true,
    name,
    description: `Python script ${script.database}.${script.name}`,
    signatures: [{ args: sig.args.map(() => 'any' as const) }],
    returnType,
    volatility: 'volatile',
    nullHandling: 'custom',
    async invokeAsync(args: readonly arrow.Vector[], ctx: FunctionContext): Promise<arrow.Vector> {
      // A bare NULL argument (Arrow's Null type) crosses as a Float64 column of NULLs, so the script sees None.
      const input = new arrow.Table(Object.fromEntries(sig.args.map((a, i) => [a, asInput(args[i]!)])) as Record<string, arrow.Vector>);
      // Always an input table (no columns for a script without arguments), so a script's sql= is not run here.
      const out = await copr.runCompiled(script.name, script.source, sig, input, {}, session);
      const v = out.getChildAt(0) as arrow.Vector | null;
      if (!v) throw new PlanError(`script '${script.name}' returned no column`);
      // A script without arguments answers one value: the same for every row.
      if (v.length === 1 && ctx.rowCount !== 1) return arrow.vectorFromArray(new Array(ctx.rowCount).fill(v.get(0)), v.type);
      return v;
    },
  };
}

function asInput(v: arrow.Vector): arrow.Vector {
  return arrow.DataType.isNull(v.type) ? arrow.vectorFromArray(new Array<null>(v.length).fill(null), new arrow.Float64()) : v;
}
