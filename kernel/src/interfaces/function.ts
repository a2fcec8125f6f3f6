import type * as arrow from 'apache-arrow';
import type { DataType, DataTypeName } from '../data/data-types.js';
import type { Session } from './session.js';

/**
 * An argument type in a signature: a concrete type name, or a class of
 * types ('numeric', 'integer', 'float', 'string', 'timestamp', 'any').
 */
export type ArgType = DataTypeName | 'numeric' | 'integer' | 'float' | 'string' | 'timestamp' | 'any';

/** One accepted argument list; `variadic` repeats the last argument type. */
export interface Signature {
  readonly args: readonly ArgType[];
  readonly variadic?: boolean;
}

/** A fixed return type, or a rule from the argument types. */
export type ReturnTypeRule = DataType | ((args: readonly DataType[]) => DataType);

export type Volatility = 'immutable' | 'stable' | 'volatile';

interface FunctionBase {
  /** Lower-case SQL name. */
  readonly name: string;
  readonly description?: string;
  /** One signature, or several overloads tried in order. */
  readonly signatures: readonly Signature[];
  readonly returnType: ReturnTypeRule;
  /** 'immutable' lets the planner fold constant calls (default 'immutable'). */
  readonly volatility?: Volatility;
  /** Other names it answers to. */
  readonly aliases?: readonly string[];
}

/** Context passed to function bodies. */
export interface FunctionContext {
  readonly rowCount: number;
  /** The session time zone, for date/time functions. */
  readonly timezone: string;
  readonly signal?: AbortSignal;
  /**
   * Wall-clock deadline of the query (ms since epoch), if it has a timeout.
   * A timer cannot fire while a synchronous body runs, so long bodies compare
   * Date.now() with this between chunks of rows (the SDK's checkTimeout()).
   */
  readonly deadlineAtMs?: number;
  /**
   * When the statement started (ms since epoch): now(), current_date and
   * current_time give this one instant for the whole statement.
   */
  readonly statementTimeMs?: number;
  /**
   * Window functions evaluated by partition: the call said IGNORE NULLS (rows whose first
   * argument is NULL do not count). The binder allows it on lag and lead only; frame-based
   * window functions and aggregates over a window get their NULL rows left out by the
   * window operator instead.
   */
  readonly ignoreNulls?: boolean;
}

/**
 * A vectorized scalar function: argument vectors in (all `rowCount` long,
 * constants broadcast), one vector out.
 *
 * @example
 * const double: ScalarFunction = {
 *   kind: 'scalar', name: 'double_it', signatures: [{ args: ['Float64'] }],
 *   returnType: { name: 'Float64' },
 *   invoke([x], ctx) {
 *     const out = new Float64Array(ctx.rowCount);
 *     for (let i = 0; i < ctx.rowCount; i++) out[i] = (x!.get(i) as number) * 2;
 *     return arrow.makeVector(out);
 *   },
 * };
 */
export interface ScalarFunction extends FunctionBase {
  readonly kind: 'scalar';
  /** Absent or false: a synchronous function (`invoke`); see AsyncScalarFunction. */
  readonly async?: false;
  /** 'propagate' (default): any NULL argument gives NULL without calling `invoke` for it. */
  readonly nullHandling?: 'propagate' | 'custom';
  invoke(args: readonly arrow.Vector[], ctx: FunctionContext): arrow.Vector;
}

/**
 * A scalar function whose body is asynchronous: a Python script run in a
 * worker thread, a call to a model server. The executor calls `invokeAsync`
 * once per batch of rows (whole Arrow vectors in, one vector of `rowCount`
 * values out), never per row, and awaits it before the batch's other
 * expressions are evaluated:
 *
 * ```
 *   batch ─▶ argument vectors ─▶ await invokeAsync ─▶ result column ─▶ rest of the expression
 * ```
 *
 * The planner never constant-folds such a call (whatever its volatility), and
 * the synchronous path for ordinary functions is unchanged. Usable wherever
 * a scalar function is: select list, WHERE, GROUP BY, ORDER BY, aggregate
 * arguments; not in a JOIN ... ON condition.
 *
 * @example
 * const slowDouble: AsyncScalarFunction = {
 *   kind: 'scalar', async: true, name: 'slow_double', signatures: [{ args: ['Float64'] }],
 *   returnType: { name: 'Float64' }, volatility: 'volatile',
 *   async invokeAsync([x], ctx) {
 *     const out = new Float64Array(ctx.rowCount);
 *     for (let i = 0; i < ctx.rowCount; i++) out[i] = (x!.get(i) as number) * 2;
 *     return arrow.makeVector(out);
 *   },
 * };
 */
export interface AsyncScalarFunction extends FunctionBase {
  readonly kind: 'scalar';
  readonly async: true;
  /** 'propagate' (default): a row with a NULL argument gives NULL (its value from `invokeAsync` is ignored). */
  readonly nullHandling?: 'propagate' | 'custom';
  invokeAsync(args: readonly arrow.Vector[], ctx: FunctionContext): Promise<arrow.Vector>;
}

/** True for a scalar function evaluated with `invokeAsync`. */
export function isAsyncScalarFunction(fn: FunctionDefinition): fn is AsyncScalarFunction {
  return fn.kind === 'scalar' && (fn as { async?: unknown }).async === true;
}

/**
 * An aggregate: a state per group, built with `update`, combined with
 * `merge` (partial aggregation near the data, merged later), read with
 * `finalize`. `serialize`/`deserialize` move partial states between nodes.
 *
 * ```
 *   scan part 1 ─ init ─ update* ─┐
 *   scan part 2 ─ init ─ update* ─┼─ merge ─ finalize ─▶ value
 *   scan part 3 ─ init ─ update* ─┘
 * ```
 */
export interface AggregateFunction<S = unknown> extends FunctionBase {
  readonly kind: 'aggregate';
  init(): S;
  /** Folds rows `rows` (indexes into the vectors) into `state`; returns the new state. */
  update(state: S, args: readonly arrow.Vector[], rows: Uint32Array | null, ctx: FunctionContext): S;
  merge(state: S, other: S): S;
  /**
   * Optional, for window frames that slide (`ROWS BETWEEN 10 PRECEDING AND
   * CURRENT ROW`): takes `rows` back out of the state. They are rows folded
   * in earlier, the oldest still in it, in the order they were folded in.
   * With it a window folds each row in once and takes it out once; without
   * it, each row's frame is folded anew. With it, `finalize` must leave the
   * state as it was (it is called on a state that is updated further).
   * DataFusion's `retract_batch`.
   */
  retract?(state: S, args: readonly arrow.Vector[], rows: Uint32Array | null, ctx: FunctionContext): S;
  /**
   * Optional, with retract: false when rows can no longer be taken out of
   * this state exactly (a float sum that overflowed to Infinity); the window
   * then folds the frame anew into a fresh state. Absent: always true.
   */
  canRetract?(state: S): boolean;
  finalize(state: S): unknown;
  serialize?(state: S): Uint8Array;
  deserialize?(bytes: Uint8Array): S;
}

/** A window frame: ROWS or RANGE between two bounds. */
export interface WindowFrame {
  readonly units: 'rows' | 'range';
  readonly start: { readonly kind: 'unbounded' | 'current' | 'preceding' | 'following'; readonly offset?: number };
  readonly end: { readonly kind: 'unbounded' | 'current' | 'preceding' | 'following'; readonly offset?: number };
}

/**
 * A window function, evaluated once per partition (rows already sorted by
 * the window's ORDER BY). `evaluatePartition` sees the whole partition and
 * returns one value per row; the optional `evaluateFrame` computes one row
 * from its frame bounds, for frame-aware functions.
 */
export interface WindowFunction extends FunctionBase {
  readonly kind: 'window';
  /** 'partition' needs the whole partition (rank, ntile); 'frame' computes per frame. */
  readonly evaluation: 'partition' | 'frame';
  evaluatePartition?(args: readonly arrow.Vector[], orderKeys: readonly arrow.Vector[], ctx: FunctionContext): arrow.Vector;
  evaluateFrame?(args: readonly arrow.Vector[], start: number, end: number, row: number, ctx: FunctionContext): unknown;
}

export type FunctionDefinition = ScalarFunction | AsyncScalarFunction | AggregateFunction<any> | WindowFunction;

/**
 * Every function SQL can call: built-ins and those of function plugins,
 * registered at startup (name clashes are startup errors) or at runtime
 * (CREATE FUNCTION).
 */
export interface FunctionRegistry {
  register(fn: FunctionDefinition, origin: string): void;
  unregister(name: string): boolean;
  lookup(name: string): FunctionDefinition | undefined;
  list(): ReadonlyArray<{ readonly fn: FunctionDefinition; readonly origin: string }>;
  /** CREATE / DROP FUNCTION; absent when runtime functions are off (the default). */
  readonly runtime?: RuntimeFunctions;
  /**
   * Adds a resolver consulted, when a statement is planned, for function
   * names the registry does not hold; returns its remover. Optional: a
   * registry without resolvers omits it.
   */
  addResolver?(resolver: FunctionResolver): () => void;
  /**
   * The definitions the resolvers give for `names` (lower-case) that the
   * registry does not hold, for one statement of `session`.
   */
  resolve?(names: Iterable<string>, session: Session): Promise<ReadonlyMap<string, FunctionDefinition>>;
}

/**
 * Finds functions the registry does not hold, per statement: e.g. the
 * coprocessor plugin resolves a database's stored scripts as SQL functions.
 * Registered and built-in functions always take precedence (the resolver is
 * asked only for names the registry lacks), and nothing is cached between
 * statements, so a resolver's changes (a script replaced or deleted) apply
 * to the next statement. Returning undefined means "not mine"; throwing a
 * StrataError fails the statement with it (e.g. a script that cannot be a
 * scalar function).
 *
 * @example
 * registry.addResolver?.({
 *   origin: 'my-plugin',
 *   resolve: (name, { session }) => myFunctions.get(`${session.database}.${name}`),
 * });
 */
export interface FunctionResolver {
  /** Named in errors and SHOW FUNCTIONS-like listings, e.g. "plugin 'coprocessor-python'". */
  readonly origin: string;
  resolve(name: string, ctx: { readonly session: Session }):
    FunctionDefinition | undefined | Promise<FunctionDefinition | undefined>;
}

/** CREATE [OR REPLACE] [AGGREGATE | WINDOW] FUNCTION, resolved from the statement. */
export interface CreateFunctionRequest {
  readonly name: string;
  readonly kind: 'scalar' | 'aggregate' | 'window';
  /** The module path after AS, as written. */
  readonly source: string;
  /** WITH (export = 'name'); default export otherwise. */
  readonly exportName?: string;
  /** When written, they replace the module's signatures / return type. */
  readonly params?: readonly DataType[];
  readonly returns?: DataType;
  readonly orReplace: boolean;
  readonly ifNotExists: boolean;
}

/**
 * Runtime function registration: loads a JavaScript module from an allowed
 * directory, registers its definition and remembers it across restarts.
 *
 * @example
 * await registry.runtime?.create({ name: 'f2c', kind: 'scalar', source: 'f2c.mjs', orReplace: false, ifNotExists: false });
 */
export interface RuntimeFunctions {
  create(req: CreateFunctionRequest): Promise<void>;
  /** Returns false when absent and `ifExists`. */
  drop(name: string, ifExists: boolean): Promise<boolean>;
}
