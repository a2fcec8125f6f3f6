/** Position of a node in the query text (0-based offset, 1-based line/column). */
export interface Pos { readonly offset: number; readonly line: number; readonly column: number }

export type ValueType = 'scalar' | 'vector' | 'matrix' | 'string';

export type MatchOp = '=' | '!=' | '=~' | '!~';

/** A label matcher; `re` is the anchored JS RegExp for `=~`/`!~`. */
export interface LabelMatcher {
  readonly name: string;
  readonly op: MatchOp;
  readonly value: string;
  readonly re?: RegExp;
}

/** `@ <time>`, `@ start()`, `@ end()`. */
export type AtModifier = { readonly kind: 'time'; readonly ms: number } | { readonly kind: 'start' } | { readonly kind: 'end' };

export interface NumberLiteral { readonly kind: 'NumberLiteral'; readonly value: number; readonly pos: Pos }
export interface StringLiteral { readonly kind: 'StringLiteral'; readonly value: string; readonly pos: Pos }
export interface VectorSelector {
  readonly kind: 'VectorSelector';
  /** The metric name when given as `name{...}` or `{__name__="name"}`. */
  readonly name?: string;
  readonly matchers: readonly LabelMatcher[];
  readonly offsetMs: number;
  readonly at?: AtModifier;
  readonly pos: Pos;
}
export interface MatrixSelector {
  readonly kind: 'MatrixSelector';
  readonly selector: VectorSelector;
  readonly rangeMs: number;
  readonly pos: Pos;
}
export interface SubqueryExpr {
  readonly kind: 'SubqueryExpr';
  readonly expr: Expr;
  readonly rangeMs: number;
  /** 0 = the default resolution. */
  readonly stepMs: number;
  readonly offsetMs: number;
  readonly at?: AtModifier;
  readonly pos: Pos;
}
export interface Call { readonly kind: 'Call'; readonly func: string; readonly args: readonly Expr[]; readonly pos: Pos }
export type AggregateOp = 'sum' | 'avg' | 'min' | 'max' | 'count' | 'group' | 'stddev' | 'stdvar' | 'topk' | 'bottomk' | 'quantile' | 'count_values';
export interface AggregateExpr {
  readonly kind: 'AggregateExpr';
  readonly op: AggregateOp;
  readonly expr: Expr;
  readonly param?: Expr;
  readonly grouping: readonly string[];
  readonly without: boolean;
  /** `by`/`without` was written (an empty `by ()` differs from none only in text). */
  readonly hasGrouping: boolean;
  readonly pos: Pos;
}
export type BinaryOp = '+' | '-' | '*' | '/' | '%' | '^' | 'atan2' | '==' | '!=' | '>' | '<' | '>=' | '<=' | 'and' | 'or' | 'unless';
export type Cardinality = 'one-to-one' | 'many-to-one' | 'one-to-many' | 'many-to-many';
export interface VectorMatching {
  readonly card: Cardinality;
  /** true: `on(labels)`; false: `ignoring(labels)` (or no clause: ignoring()). */
  readonly on: boolean;
  readonly labels: readonly string[];
  /** Extra labels of `group_left(...)` / `group_right(...)`. */
  readonly include: readonly string[];
}
export interface BinaryExpr {
  readonly kind: 'BinaryExpr';
  readonly op: BinaryOp;
  readonly lhs: Expr;
  readonly rhs: Expr;
  readonly bool: boolean;
  /** Set when both sides are vectors. */
  readonly matching?: VectorMatching;
  readonly pos: Pos;
}
export interface UnaryExpr { readonly kind: 'UnaryExpr'; readonly op: '-' | '+'; readonly expr: Expr; readonly pos: Pos }
export interface ParenExpr { readonly kind: 'ParenExpr'; readonly expr: Expr; readonly pos: Pos }

export type Expr =
  | NumberLiteral | StringLiteral | VectorSelector | MatrixSelector | SubqueryExpr | Call | AggregateExpr | BinaryExpr | UnaryExpr | ParenExpr;

export const COMPARISON_OPS: ReadonlySet<string> = new Set(['==', '!=', '>', '<', '>=', '<=']);
export const SET_OPS: ReadonlySet<string> = new Set(['and', 'or', 'unless']);
export const AGGREGATE_OPS: ReadonlySet<string> = new Set(['sum', 'avg', 'min', 'max', 'count', 'group', 'stddev', 'stdvar', 'topk', 'bottomk', 'quantile', 'count_values']);
