import type * as arrow from 'apache-arrow';
import type { DataType, DataTypeName } from '../data/data-types.js';

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
  /** 'propagate' (default): any NULL argument gives NULL without calling `invoke` for it. */
  readonly nullHandling?: 'propagate' | 'custom';
  invoke(args: readonly arrow.Vector[], ctx: FunctionContext): arrow.Vector;
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

export type FunctionDefinition = ScalarFunction | AggregateFunction<any> | WindowFunction;

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
