/**
 * The SQL abstract syntax tree produced by `parseSql` (GreptimeDB's dialect).
 *
 * Every node is a plain object with a string `kind` discriminant and a `span`
 * (offsets into the original text, plus the 1-based line/column of its start),
 * so the planner can `switch (node.kind)` exhaustively and point errors at the
 * source. Names are normalized by the parser: unquoted identifiers are
 * lower-cased, "double-quoted" and `backticked` ones keep their case. Keywords
 * that are not names (join types, set operators, ...) are upper-case strings.
 *
 * Stability: this file is consumed by the planner; changes are additive only.
 *
 * @example
 * const [stmt] = parseSql('SELECT host, avg(cpu) FROM cpu GROUP BY host');
 * if (stmt.kind === 'Query' && stmt.body.kind === 'Select') stmt.body.items.length; // 2
 */

// ---------------------------------------------------------------------------
// Positions
// ---------------------------------------------------------------------------

/**
 * A source range: `start`/`end` are UTF-16 offsets into the parsed text (end
 * exclusive); line/column (1-based) locate `start`. An expression's span covers
 * exactly its text (including the parentheses of a parenthesized expression),
 * so `text.slice(span.start, span.end)` re-parses to the same expression.
 */
export interface Span {
  readonly start: number;
  readonly end: number;
  readonly line: number;
  readonly column: number;
}

interface NodeBase {
  readonly span: Span;
}

// ---------------------------------------------------------------------------
// Names and types
// ---------------------------------------------------------------------------

/**
 * A possibly qualified object name: `cpu`, `public.cpu`, `greptime.public.cpu`.
 * `database` is GreptimeDB's schema/database; `catalog` is almost always `greptime`.
 */
export interface ObjectName extends NodeBase {
  readonly kind: 'ObjectName';
  readonly catalog?: string;
  readonly database?: string;
  readonly name: string;
}

/** A single identifier with its position (column names in DDL, USING lists, ...). */
export interface Identifier extends NodeBase {
  readonly kind: 'Identifier';
  /** Normalized: lower-cased unless quoted. */
  readonly value: string;
  /** True for "double-quoted" or `backticked` identifiers. */
  readonly quoted: boolean;
}

/**
 * A type as written: `name` is the upper-cased type name (`TIMESTAMP`,
 * `VARCHAR`, `TIMESTAMPMILLISECOND`, `INT64`, ...); `args` the numbers in
 * parentheses (`DECIMAL(10, 2)` -> [10, 2], `TIMESTAMP(3)` -> [3]);
 * `unsigned` for `INT UNSIGNED` etc. Map it to a kernel DataType with
 * `toDataType` from `sql/parser/type-names.ts` (exported by the kernel).
 */
export interface TypeName extends NodeBase {
  readonly kind: 'TypeName';
  readonly name: string;
  readonly args: readonly number[];
  readonly unsigned: boolean;
}

// ---------------------------------------------------------------------------
// Expressions
// ---------------------------------------------------------------------------

export type Expr =
  | NumberLiteral
  | StringLiteral
  | BinaryLiteral
  | BooleanLiteral
  | NullLiteral
  | IntervalLiteral
  | TypedLiteral
  | ColumnRef
  | Wildcard
  | Placeholder
  | SessionVariable
  | UnaryExpr
  | BinaryExpr
  | IsExpr
  | BetweenExpr
  | InListExpr
  | InSubqueryExpr
  | LikeExpr
  | CaseExpr
  | CastExpr
  | FunctionCall
  | RangeExpr
  | SubqueryExpr
  | ExistsExpr
  | RowExpr
  | DefaultValue;

/** `DEFAULT` as a VALUES item: the column's default in INSERT ... VALUES (an error anywhere else). */
export interface DefaultValue extends NodeBase {
  readonly kind: 'DefaultValue';
}

/**
 * A numeric literal. `text` is the source spelling (with a leading `-` when
 * the parser folded a unary minus into it; decimal digits for `0x` hex). Integers that fit in a safe JS
 * number have `value: number`; larger integers have `value: bigint` (exact).
 * Decimals/exponents are `number` (`isInteger: false`); `text` keeps the
 * exact digits for DECIMAL columns.
 */
export interface NumberLiteral extends NodeBase {
  readonly kind: 'NumberLiteral';
  readonly text: string;
  readonly value: number | bigint;
  readonly isInteger: boolean;
}

/** '...' (with '' unescaped) or E'...' (with backslash escapes decoded). */
export interface StringLiteral extends NodeBase {
  readonly kind: 'StringLiteral';
  readonly value: string;
}

/** X'0A0B' or 0x0A0B: bytes written as hex digits (`hex` as written; decoded when bound). */
export interface BinaryLiteral extends NodeBase {
  readonly kind: 'BinaryLiteral';
  readonly hex: string;
}

export interface BooleanLiteral extends NodeBase {
  readonly kind: 'BooleanLiteral';
  readonly value: boolean;
}

export interface NullLiteral extends NodeBase {
  readonly kind: 'NullLiteral';
}

/**
 * `INTERVAL '5 minutes'` (unit undefined, the text says it all),
 * `INTERVAL '1' HOUR` (unit 'HOUR'), `INTERVAL 3 DAY` (value '3').
 * `value` is the raw text; the planner parses it.
 */
export interface IntervalLiteral extends NodeBase {
  readonly kind: 'IntervalLiteral';
  readonly value: string;
  /** Upper-case unit keyword when written after the string: YEAR, MONTH, WEEK, DAY, HOUR, MINUTE, SECOND, MILLISECOND, MICROSECOND, NANOSECOND. */
  readonly unit?: string;
}

/** A type-prefixed string: `TIMESTAMP '2024-01-01 00:00:00'`, `DATE '2024-01-01'`, `TIME '...'`. */
export interface TypedLiteral extends NodeBase {
  readonly kind: 'TypedLiteral';
  readonly type: TypeName;
  readonly value: string;
}

/**
 * A column reference: `host`, `t.host`, `public.t.host`. `table`/`database`
 * qualify it when written.
 */
export interface ColumnRef extends NodeBase {
  readonly kind: 'ColumnRef';
  readonly database?: string;
  readonly table?: string;
  readonly name: string;
  /** True when the column name was quoted. */
  readonly quoted: boolean;
}

/** `*` or `t.*` — only in a projection list and as the sole argument of a function (`count(*)`). */
export interface Wildcard extends NodeBase {
  readonly kind: 'Wildcard';
  /** Qualifier for `t.*` / `db.t.*` (normalized names). */
  readonly table?: string;
  readonly database?: string;
}

/** `?` (index = 1-based order of appearance in its statement) or `$n` (index = n). */
export interface Placeholder extends NodeBase {
  readonly kind: 'Placeholder';
  readonly index: number;
  readonly text: string;
}

/**
 * MySQL system/user variables: `@@version_comment` (scope undefined),
 * `@@session.time_zone` (scope 'SESSION'), `@@global.x` ('GLOBAL'),
 * `@x` (user variable: `user: true`). `name` is lower-cased.
 */
export interface SessionVariable extends NodeBase {
  readonly kind: 'SessionVariable';
  readonly name: string;
  readonly scope?: 'SESSION' | 'GLOBAL' | 'LOCAL';
  readonly user: boolean;
}

export type UnaryOperator = '-' | '+' | 'NOT' | '~';

export interface UnaryExpr extends NodeBase {
  readonly kind: 'UnaryExpr';
  readonly op: UnaryOperator;
  readonly operand: Expr;
}

export type BinaryOperator =
  | 'OR' | 'AND' | 'XOR'
  | '=' | '<>' | '<' | '<=' | '>' | '>='
  | '~' | '~*' | '!~' | '!~*'
  | '|' | '&' | '^' | '<<' | '>>'
  | '||'
  | '+' | '-' | '*' | '/' | '%' | 'DIV';

/** Binary operators; `!=` and `==` are normalized to `<>` and `=`. `~` family = regex match (DataFusion). */
export interface BinaryExpr extends NodeBase {
  readonly kind: 'BinaryExpr';
  readonly op: BinaryOperator;
  readonly left: Expr;
  readonly right: Expr;
}

/** `x IS [NOT] NULL | TRUE | FALSE | UNKNOWN`. */
export interface IsExpr extends NodeBase {
  readonly kind: 'IsExpr';
  readonly expr: Expr;
  readonly test: 'NULL' | 'TRUE' | 'FALSE' | 'UNKNOWN';
  readonly not: boolean;
}

export interface BetweenExpr extends NodeBase {
  readonly kind: 'BetweenExpr';
  readonly expr: Expr;
  readonly low: Expr;
  readonly high: Expr;
  readonly not: boolean;
}

export interface InListExpr extends NodeBase {
  readonly kind: 'InListExpr';
  readonly expr: Expr;
  readonly list: readonly Expr[];
  readonly not: boolean;
}

/**
 * `x [NOT] IN (subquery)`, or with `quantified` the comparison `x op ANY|SOME|ALL (subquery)`
 * (`not` is then false). `x IN (q)` is `x = ANY (q)`, as the SQL standard defines it.
 */
export interface InSubqueryExpr extends NodeBase {
  readonly kind: 'InSubqueryExpr';
  readonly expr: Expr;
  readonly query: Query;
  readonly not: boolean;
  readonly quantified?: { readonly op: '=' | '<>' | '<' | '<=' | '>' | '>='; readonly all: boolean };
}

/** `x [NOT] LIKE|ILIKE pattern [ESCAPE 'c']`. */
export interface LikeExpr extends NodeBase {
  readonly kind: 'LikeExpr';
  readonly expr: Expr;
  readonly pattern: Expr;
  readonly not: boolean;
  readonly caseInsensitive: boolean;
  readonly escape?: Expr;
}

export interface CaseWhen {
  readonly when: Expr;
  readonly then: Expr;
}

/** `CASE [operand] WHEN .. THEN .. [ELSE ..] END`. */
export interface CaseExpr extends NodeBase {
  readonly kind: 'CaseExpr';
  readonly operand?: Expr;
  readonly whens: readonly CaseWhen[];
  readonly else?: Expr;
}

/** `CAST(x AS t)`, `TRY_CAST(x AS t)` or `x::t`. */
export interface CastExpr extends NodeBase {
  readonly kind: 'CastExpr';
  readonly expr: Expr;
  readonly type: TypeName;
  readonly syntax: 'CAST' | 'TRY_CAST' | '::';
}

/**
 * A function call. `name` is lower-cased unless quoted (`count`, `date_bin`,
 * `database`, `version`, `current_timestamp`). `count(*)` has `args: [Wildcard]`.
 * Aggregates may carry DISTINCT, an ORDER BY inside the parentheses
 * (`first_value(v ORDER BY ts)`) and FILTER (WHERE ...). A window call has
 * `over` (inline spec, possibly referring to a named window).
 * Special forms are desugared: `EXTRACT(f FROM x)` -> `date_part('f', x)`,
 * `CURRENT_TIMESTAMP` (no parentheses) -> `current_timestamp()`.
 */
export interface FunctionCall extends NodeBase {
  readonly kind: 'FunctionCall';
  readonly name: string;
  /** Database qualifier when written `db.fn(...)`. */
  readonly database?: string;
  readonly args: readonly Expr[];
  readonly distinct: boolean;
  readonly orderBy?: readonly OrderByItem[];
  /** `WITHIN GROUP (ORDER BY ...)` of an ordered-set aggregate (approx_percentile_cont(0.5) WITHIN GROUP (ORDER BY x)). */
  readonly withinGroup?: readonly OrderByItem[];
  readonly filter?: Expr;
  readonly over?: WindowSpec;
  /** `IGNORE NULLS` / `RESPECT NULLS` written after the call (lag, lead, first_value, last_value, nth_value). */
  readonly nullTreatment?: 'IGNORE NULLS' | 'RESPECT NULLS';
  /**
   * Written in a SQL-standard keyword form and rewritten into this plain call, as DataFusion
   * plans it: `TRIM(LEADING 'x' FROM s)` is ltrim(s, 'x'), `SUBSTRING(s FROM 2 FOR 3)` substr,
   * `POSITION('b' IN s)` strpos(s, 'b'), `OVERLAY(s PLACING 'x' FROM 2)` overlay. Formatting
   * writes the keyword form back, so the arguments keep their textual order (and `?` numbering).
   */
  readonly keywordForm?: true;
}

/** `ROWS|RANGE|GROUPS BETWEEN start AND end [EXCLUDE ...]` (or just `start`, end = CURRENT ROW). */
export interface WindowFrame extends NodeBase {
  readonly kind: 'WindowFrame';
  readonly units: 'ROWS' | 'RANGE' | 'GROUPS';
  readonly start: FrameBound;
  readonly end: FrameBound;
  /** `EXCLUDE CURRENT ROW | GROUP | TIES | NO OTHERS` (absent = NO OTHERS). */
  readonly exclude?: 'CURRENT ROW' | 'GROUP' | 'TIES' | 'NO OTHERS';
}

export type FrameBound =
  | { readonly kind: 'UnboundedPreceding' }
  | { readonly kind: 'Preceding'; readonly offset: Expr }
  | { readonly kind: 'CurrentRow' }
  | { readonly kind: 'Following'; readonly offset: Expr }
  | { readonly kind: 'UnboundedFollowing' };

/**
 * A window specification: `OVER (PARTITION BY .. ORDER BY .. frame)`,
 * `OVER w` (`name: 'w'`, nothing else) or `OVER (w ORDER BY ..)` (refines w).
 */
export interface WindowSpec extends NodeBase {
  readonly kind: 'WindowSpec';
  readonly name?: string;
  readonly partitionBy: readonly Expr[];
  readonly orderBy: readonly OrderByItem[];
  readonly frame?: WindowFrame;
}

/** GreptimeDB FILL option: after a range expression or after ALIGN ... BY. */
export type FillOption =
  | { readonly kind: 'FillNull' }
  | { readonly kind: 'FillPrev' }
  | { readonly kind: 'FillLinear' }
  | { readonly kind: 'FillValue'; readonly value: Expr };

/**
 * GreptimeDB range expression: `avg(cpu) RANGE '5m' [FILL ...]`, also on a
 * parenthesized expression of aggregates `(max(v) - min(v)) RANGE '10s'`.
 * `range` is a StringLiteral ('5m', PromQL duration) or an interval
 * expression (`RANGE (INTERVAL '1 hour')`).
 */
export interface RangeExpr extends NodeBase {
  readonly kind: 'RangeExpr';
  readonly expr: Expr;
  readonly range: Expr;
  readonly fill?: FillOption;
}

/** A scalar subquery `(SELECT ...)`. */
export interface SubqueryExpr extends NodeBase {
  readonly kind: 'SubqueryExpr';
  readonly query: Query;
}

export interface ExistsExpr extends NodeBase {
  readonly kind: 'ExistsExpr';
  readonly query: Query;
  readonly not: boolean;
}

/** A parenthesized list of two or more expressions `(a, b)` (row value; also SET x = a, b values). */
export interface RowExpr extends NodeBase {
  readonly kind: 'RowExpr';
  readonly items: readonly Expr[];
}

// ---------------------------------------------------------------------------
// Queries
// ---------------------------------------------------------------------------

/**
 * A full query expression: optional WITH, a body (SELECT, set operation,
 * VALUES or a parenthesized query), then ORDER BY / LIMIT / OFFSET applying
 * to the whole body. `LIMIT m, n` is normalized to `limit: n, offset: m`.
 */
export interface Query extends NodeBase {
  readonly kind: 'Query';
  readonly with?: WithClause;
  readonly body: SetExpr;
  readonly orderBy: readonly OrderByItem[];
  readonly limit?: Expr;
  readonly offset?: Expr;
}

export interface WithClause extends NodeBase {
  readonly kind: 'With';
  readonly recursive: boolean;
  readonly ctes: readonly CommonTableExpr[];
}

export interface CommonTableExpr extends NodeBase {
  readonly kind: 'CommonTableExpr';
  readonly name: string;
  readonly columns?: readonly string[];
  /** The body: a query, or (`name AS (TQL EVAL (...) <promql>)`) a TQL statement. */
  readonly query?: Query;
  readonly tql?: TqlStatement;
}

/** Set expressions. INTERSECT binds tighter than UNION/EXCEPT; all are left-associative. */
export type SetExpr = Select | SetOperation | Values | Query;

export interface SetOperation extends NodeBase {
  readonly kind: 'SetOperation';
  readonly op: 'UNION' | 'INTERSECT' | 'EXCEPT';
  /** UNION ALL etc.; plain UNION (or UNION DISTINCT) is `all: false`. */
  readonly all: boolean;
  readonly left: SetExpr;
  readonly right: SetExpr;
}

/** `VALUES (..), (..)` — as a query body or the source of INSERT. */
export interface Values extends NodeBase {
  readonly kind: 'Values';
  readonly rows: readonly (readonly Expr[])[];
}

export interface OrderByItem extends NodeBase {
  readonly kind: 'OrderByItem';
  readonly expr: Expr;
  /** True for DESC; ASC and unspecified are false. */
  readonly desc: boolean;
  /** NULLS FIRST -> 'FIRST', NULLS LAST -> 'LAST', unspecified -> undefined (planner default). */
  readonly nulls?: 'FIRST' | 'LAST';
}

/** A projection item: an expression with an optional alias, or a wildcard. */
export type SelectItem = SelectExprItem | Wildcard;

export interface SelectExprItem extends NodeBase {
  readonly kind: 'SelectExprItem';
  readonly expr: Expr;
  readonly alias?: string;
}

/** GreptimeDB `ALIGN '1m' [TO NOW|CALENDAR|'2024-..'|expr] [BY (a, b)] [FILL ...]`. */
export interface AlignClause extends NodeBase {
  readonly kind: 'Align';
  /** StringLiteral ('1m') or interval expression. */
  readonly interval: Expr;
  readonly to?: { readonly kind: 'AlignToNow' } | { readonly kind: 'AlignToCalendar' } | { readonly kind: 'AlignToExpr'; readonly expr: Expr };
  /** Undefined when BY is absent (planner uses the primary key); empty for `BY ()`. */
  readonly by?: readonly Expr[];
  readonly fill?: FillOption;
}

export interface NamedWindow extends NodeBase {
  readonly kind: 'NamedWindow';
  readonly name: string;
  readonly spec: WindowSpec;
}

export interface Select extends NodeBase {
  readonly kind: 'Select';
  readonly distinct: boolean;
  /** `SELECT DISTINCT ON (a, b) ...`: the first row of each (a, b) in ORDER BY order (`distinct` is true too). */
  readonly distinctOn?: readonly Expr[];
  readonly items: readonly SelectItem[];
  /** FROM list; several entries are comma (cross) joins. Empty when there is no FROM. */
  readonly from: readonly TableRef[];
  readonly where?: Expr;
  /** GROUP BY expressions; a NumberLiteral is a 1-based projection ordinal. */
  readonly groupBy: readonly Expr[];
  readonly having?: Expr;
  /** GreptimeDB range query alignment. */
  readonly align?: AlignClause;
  /** WINDOW w AS (...) definitions. */
  readonly windows: readonly NamedWindow[];
}

export type TableRef = NamedTableRef | DerivedTableRef | JoinRef;

export interface TableAlias {
  readonly name: string;
  readonly columns?: readonly string[];
}

export interface NamedTableRef extends NodeBase {
  readonly kind: 'NamedTable';
  readonly name: ObjectName;
  readonly alias?: TableAlias;
}

/** `(SELECT ...) [AS] x` */
export interface DerivedTableRef extends NodeBase {
  readonly kind: 'DerivedTable';
  readonly query: Query;
  readonly alias?: TableAlias;
}

export type JoinType = 'INNER' | 'LEFT' | 'RIGHT' | 'FULL' | 'CROSS';

/**
 * `left [INNER|LEFT [OUTER]|RIGHT [OUTER]|FULL [OUTER]|CROSS] JOIN right [ON e | USING (a, b)]`.
 * Left-associative; a JOIN without ON/USING (other than CROSS) has neither set.
 */
export interface JoinRef extends NodeBase {
  readonly kind: 'Join';
  readonly joinType: JoinType;
  readonly natural: boolean;
  readonly left: TableRef;
  readonly right: TableRef;
  readonly on?: Expr;
  readonly using?: readonly string[];
}

// ---------------------------------------------------------------------------
// Statements
// ---------------------------------------------------------------------------

/** Fields every statement has besides its span: its own source text (without the trailing `;`). */
interface StatementBase extends NodeBase {
  readonly text: string;
}

export type Statement =
  | QueryStatement
  | InsertStatement
  | DeleteStatement
  | CreateDatabaseStatement
  | AlterDatabaseStatement
  | DropDatabaseStatement
  | UseStatement
  | CreateTableStatement
  | CreateTableLikeStatement
  | AlterTableStatement
  | DropTableStatement
  | CreateViewStatement
  | DropViewStatement
  | ShowViewsStatement
  | ShowCreateViewStatement
  | TruncateStatement
  | ShowDatabasesStatement
  | ShowTablesStatement
  | ShowCreateTableStatement
  | ShowCreateDatabaseStatement
  | ShowTableStatusStatement
  | ShowColumnsStatement
  | ShowIndexStatement
  | ShowVariablesStatement
  | ShowStatusStatement
  | ShowFunctionsStatement
  | ShowEnginesStatement
  | ShowProcessListStatement
  | KillStatement
  | DescribeStatement
  | ExplainStatement
  | AdminStatement
  | SetVariableStatement
  | SetNamesStatement
  | CreateFunctionStatement
  | DropFunctionStatement
  | TqlStatement
  | TransactionStatement
  | CopyStatement;

/**
 * GreptimeDB's COPY: `COPY [db.]tbl TO|FROM 'path' WITH (FORMAT = 'csv', ...)`,
 * `COPY (SELECT ...) TO 'path' ...` and `COPY DATABASE db TO|FROM 'dir/' ...`.
 * Option keys are lower-cased; `connection` holds the CONNECTION (...) entries.
 */
export interface CopyStatement extends StatementBase {
  readonly kind: 'Copy';
  readonly target:
    | { readonly kind: 'table'; readonly table: ObjectName }
    | { readonly kind: 'query'; readonly query: Query }
    | { readonly kind: 'database'; readonly database: string };
  readonly direction: 'to' | 'from';
  readonly location: string;
  readonly options: readonly OptionEntry[];
  readonly connection: readonly OptionEntry[];
}

/** A query used as a statement (SELECT, VALUES, set operations, WITH ...). */
export interface QueryStatement extends StatementBase {
  readonly kind: 'QueryStatement';
  readonly query: Query;
}

/**
 * `INSERT INTO t [(a, b)] VALUES (..), (..)` (source is Values) or
 * `INSERT INTO t [(a, b)] SELECT ...` (source is Query).
 * Large VALUES lists of literals take a fast path; the AST is the same.
 */
export interface InsertStatement extends StatementBase {
  readonly kind: 'Insert';
  readonly table: ObjectName;
  readonly columns?: readonly Identifier[];
  readonly source: Values | Query;
}

export interface DeleteStatement extends StatementBase {
  readonly kind: 'Delete';
  readonly table: ObjectName;
  readonly where?: Expr;
}

/** `key = 'value'` options of WITH (...) and ALTER ... SET; keys lower-cased, values as written (strings unquoted, numbers/idents as text). */
export interface OptionEntry {
  readonly key: string;
  readonly value: string;
}

export interface CreateDatabaseStatement extends StatementBase {
  readonly kind: 'CreateDatabase';
  readonly name: string;
  readonly ifNotExists: boolean;
  readonly options: readonly OptionEntry[];
}

/** GreptimeDB's `ALTER DATABASE db SET 'k' = 'v', ...` or `UNSET 'k', ...`. */
export interface AlterDatabaseStatement extends StatementBase {
  readonly kind: 'AlterDatabase';
  readonly name: string;
  readonly set: readonly OptionEntry[];
  readonly unset: readonly string[];
}

export interface DropDatabaseStatement extends StatementBase {
  readonly kind: 'DropDatabase';
  readonly name: string;
  readonly ifExists: boolean;
}

export interface UseStatement extends StatementBase {
  readonly kind: 'Use';
  readonly database: string;
}

/** A column in CREATE TABLE / ALTER TABLE ADD COLUMN. */
export interface ColumnDef extends NodeBase {
  readonly kind: 'ColumnDef';
  readonly name: string;
  readonly type: TypeName;
  /** true for NULL, false for NOT NULL, undefined when not written. */
  readonly nullable?: boolean;
  readonly default?: Expr;
  readonly comment?: string;
  /** Written inline: `ts TIMESTAMP TIME INDEX`. */
  readonly timeIndex: boolean;
  /** Written inline: `host STRING PRIMARY KEY`. */
  readonly primaryKey: boolean;
  /**
   * Index markers as written (`INVERTED INDEX`, `FULLTEXT INDEX [WITH (..)]`, `SKIPPING INDEX [WITH (..)]`);
   * the query engine checks them (GreptimeDB's rules) into ColumnSchema.indexes.
   */
  readonly indexes?: readonly ColumnIndexDef[];
}

/** One index marker of a column definition. */
export interface ColumnIndexDef {
  readonly kind: 'inverted' | 'fulltext' | 'skipping';
  readonly options: readonly OptionEntry[];
  /** `FULLTEXT` without `INDEX` (refused, as GreptimeDB refuses it). */
  readonly missingIndexKeyword?: boolean;
  /** `WITH (...)` was written (refused for INVERTED INDEX). */
  readonly withClause?: boolean;
}

/** `PARTITION ON COLUMNS (a, b) (expr, expr, ...)`. */
export interface PartitionClause extends NodeBase {
  readonly kind: 'Partition';
  readonly columns: readonly string[];
  readonly rules: readonly Expr[];
}

/**
 * CREATE TABLE. `timeIndex` and `primaryKey` merge the inline column markers
 * and the table constraints (`TIME INDEX (ts)`, `PRIMARY KEY (a, b)`): table
 * constraint order first, then inline markers in column order.
 */
export interface CreateTableStatement extends StatementBase {
  readonly kind: 'CreateTable';
  readonly name: ObjectName;
  readonly ifNotExists: boolean;
  readonly columns: readonly ColumnDef[];
  readonly timeIndex?: string;
  readonly primaryKey: readonly string[];
  /** Lower-cased engine name (`mito`, `metric`), when written. */
  readonly engine?: string;
  readonly partition?: PartitionClause;
  readonly options: readonly OptionEntry[];
}

/** `CREATE TABLE [IF NOT EXISTS] t LIKE source`: an empty table with source's columns, keys, options and partitions. */
export interface CreateTableLikeStatement extends StatementBase {
  readonly kind: 'CreateTableLike';
  readonly name: ObjectName;
  readonly ifNotExists: boolean;
  readonly source: ObjectName;
}

export type AlterTableAction =
  | { readonly kind: 'AddColumn'; readonly column: ColumnDef; readonly ifNotExists: boolean; readonly position?: { readonly kind: 'First' } | { readonly kind: 'After'; readonly column: string } }
  | { readonly kind: 'DropColumn'; readonly name: string; readonly ifExists: boolean }
  | { readonly kind: 'ModifyColumn'; readonly name: string; readonly type: TypeName; readonly nullable?: boolean }
  /** `MODIFY COLUMN c SET DEFAULT v` (also `ALTER [COLUMN] c SET DEFAULT v`). */
  | { readonly kind: 'SetColumnDefault'; readonly name: string; readonly default: Expr }
  /** `MODIFY COLUMN c DROP DEFAULT` (also `UNSET DEFAULT`, `ALTER [COLUMN] c DROP DEFAULT`). */
  | { readonly kind: 'DropColumnDefault'; readonly name: string }
  /** `MODIFY COLUMN c SET {INVERTED | FULLTEXT | SKIPPING} INDEX [WITH (...)]`. */
  | { readonly kind: 'SetColumnIndex'; readonly name: string; readonly index: ColumnIndexDef['kind']; readonly options: readonly OptionEntry[]; readonly withClause?: boolean }
  /** `MODIFY COLUMN c UNSET {INVERTED | FULLTEXT | SKIPPING} INDEX`. */
  | { readonly kind: 'UnsetColumnIndex'; readonly name: string; readonly index: ColumnIndexDef['kind'] }
  | { readonly kind: 'RenameTable'; readonly newName: ObjectName }
  | { readonly kind: 'SetOptions'; readonly options: readonly OptionEntry[] }
  | { readonly kind: 'UnsetOptions'; readonly keys: readonly string[] };

/** ALTER TABLE t action[, action ...] (several comma-separated ADD/DROP/MODIFY COLUMN). */
export interface AlterTableStatement extends StatementBase {
  readonly kind: 'AlterTable';
  readonly table: ObjectName;
  readonly actions: readonly AlterTableAction[];
}

export interface DropTableStatement extends StatementBase {
  readonly kind: 'DropTable';
  readonly names: readonly ObjectName[];
  readonly ifExists: boolean;
}

/**
 * `CREATE [OR REPLACE] VIEW [IF NOT EXISTS] [db.]name [(a, b, ...)] AS query`
 * (GreptimeDB's; OR REPLACE with IF NOT EXISTS is refused when run, as there).
 */
export interface CreateViewStatement extends StatementBase {
  readonly kind: 'CreateView';
  readonly name: ObjectName;
  readonly orReplace: boolean;
  readonly ifNotExists: boolean;
  /** The column list: names for the query's columns, in order. */
  readonly columns?: readonly string[];
  /** The query after AS; its span locates its text in the statement's source. */
  readonly query: Query;
}

/** `DROP VIEW [IF EXISTS] name [, name ...]`. */
export interface DropViewStatement extends StatementBase {
  readonly kind: 'DropView';
  readonly names: readonly ObjectName[];
  readonly ifExists: boolean;
}

/** `SHOW VIEWS [FROM|IN db] [LIKE 'p' | WHERE expr]`: one column, `Views`. */
export interface ShowViewsStatement extends StatementBase {
  readonly kind: 'ShowViews';
  readonly database?: string;
  readonly filter?: ShowFilter;
}

/** `SHOW CREATE VIEW name`: columns View and Create View (the statement as written). */
export interface ShowCreateViewStatement extends StatementBase {
  readonly kind: 'ShowCreateView';
  readonly view: ObjectName;
}

export interface TruncateStatement extends StatementBase {
  readonly kind: 'Truncate';
  readonly table: ObjectName;
}

/** `LIKE 'pattern'` or `WHERE expr` after SHOW ... */
export type ShowFilter =
  | { readonly kind: 'Like'; readonly pattern: string }
  | { readonly kind: 'Where'; readonly expr: Expr };

export interface ShowDatabasesStatement extends StatementBase {
  readonly kind: 'ShowDatabases';
  readonly full: boolean;
  readonly filter?: ShowFilter;
}

export interface ShowTablesStatement extends StatementBase {
  readonly kind: 'ShowTables';
  readonly full: boolean;
  readonly database?: string;
  readonly filter?: ShowFilter;
}

/** `SHOW CREATE DATABASE db` (GreptimeDB: `CREATE DATABASE IF NOT EXISTS db` and its options). */
export interface ShowCreateDatabaseStatement extends StatementBase {
  readonly kind: 'ShowCreateDatabase';
  readonly database: string;
}

export interface ShowCreateTableStatement extends StatementBase {
  readonly kind: 'ShowCreateTable';
  readonly table: ObjectName;
}

/** SHOW TABLE STATUS [FROM|IN db] [LIKE|WHERE]: MySQL's columns (Name, Engine, Version, Row_format, Rows, ...). */
export interface ShowTableStatusStatement extends StatementBase {
  readonly kind: 'ShowTableStatus';
  readonly database?: string;
  readonly filter?: ShowFilter;
}

/** SHOW [FULL] COLUMNS|FIELDS FROM|IN t [FROM|IN db] [LIKE|WHERE]. */
export interface ShowColumnsStatement extends StatementBase {
  readonly kind: 'ShowColumns';
  readonly full: boolean;
  readonly table: ObjectName;
  readonly filter?: ShowFilter;
}

/** SHOW INDEX|INDEXES|KEYS FROM|IN t [FROM|IN db]. */
export interface ShowIndexStatement extends StatementBase {
  readonly kind: 'ShowIndex';
  readonly table: ObjectName;
  readonly filter?: ShowFilter;
}

/** SHOW [GLOBAL|SESSION] VARIABLES [LIKE|WHERE], also PostgreSQL `SHOW name` / `SHOW ALL` (then `name` is set). */
export interface ShowVariablesStatement extends StatementBase {
  readonly kind: 'ShowVariables';
  readonly scope?: 'GLOBAL' | 'SESSION';
  /** PostgreSQL form `SHOW time_zone`: the single variable asked for (lower-cased); 'all' for SHOW ALL. */
  readonly name?: string;
  /** Written `SHOW VARIABLES name` (GreptimeDB's form: the result column is the name upper-cased). */
  readonly variablesKeyword?: boolean;
  readonly filter?: ShowFilter;
}

export interface ShowStatusStatement extends StatementBase {
  readonly kind: 'ShowStatus';
  readonly scope?: 'GLOBAL' | 'SESSION';
  readonly filter?: ShowFilter;
}

export interface ShowFunctionsStatement extends StatementBase {
  readonly kind: 'ShowFunctions';
  readonly filter?: ShowFilter;
}

/** SHOW ENGINES (MySQL): the rows of information_schema.engines under MySQL's column names. */
export interface ShowEnginesStatement extends StatementBase {
  readonly kind: 'ShowEngines';
}

/** SHOW [FULL] PROCESSLIST: the running statements (information_schema.process_list), as GreptimeDB shows them. */
export interface ShowProcessListStatement extends StatementBase {
  readonly kind: 'ShowProcessList';
  readonly full: boolean;
}

/**
 * KILL: `KILL 'frontend/n'` or `KILL n` stops a running statement by its
 * process id (target 'process'); `KILL QUERY n` stops what MySQL connection
 * n is running (target 'query'); `KILL CONNECTION n` (target 'connection').
 * `id` is the text as written (the string's value or the number's digits).
 */
export interface KillStatement extends StatementBase {
  readonly kind: 'Kill';
  readonly target: 'process' | 'query' | 'connection';
  readonly id: string;
}

/** DESCRIBE|DESC [TABLE] t. */
export interface DescribeStatement extends StatementBase {
  readonly kind: 'Describe';
  readonly table: ObjectName;
  /** `DESCRIBE VIEW name`: the name must be a view's. */
  readonly view?: boolean;
}

/** EXPLAIN [ANALYZE] [VERBOSE] [FORMAT x] statement. */
export interface ExplainStatement extends StatementBase {
  readonly kind: 'Explain';
  readonly analyze: boolean;
  readonly verbose: boolean;
  /** Lower-cased FORMAT name when written (`text`, `json`, ...). */
  readonly format?: string;
  readonly statement: Statement;
}

/** `ADMIN fn(args)`, e.g. ADMIN flush_table('cpu'). */
export interface AdminStatement extends StatementBase {
  readonly kind: 'Admin';
  readonly call: FunctionCall;
}

/**
 * One assignment of SET. `name` is lower-cased and may be dotted
 * (`@@session.sql_mode` -> scope SESSION, name 'sql_mode'). The value is an
 * expression; bare words (`SET x = ON`, `SET DateStyle = ISO`) are ColumnRefs
 * whose `name` is the word, `DEFAULT` is a ColumnRef 'default'; lists
 * (`SET search_path TO a, b`) are a RowExpr.
 * `SET TIME ZONE 'x'` is name 'time_zone'. `SET [SESSION] TRANSACTION ISOLATION
 * LEVEL READ COMMITTED` (and PostgreSQL's `SET SESSION CHARACTERISTICS AS
 * TRANSACTION ...`) is name 'transaction_isolation' with a StringLiteral
 * ('READ COMMITTED', 'REPEATABLE READ', ...); `... TRANSACTION READ ONLY|WRITE`
 * is name 'transaction_read_only' with 1 or 0.
 */
export interface VariableAssignment {
  readonly scope?: 'SESSION' | 'GLOBAL' | 'LOCAL';
  readonly name: string;
  readonly value: Expr;
}

export interface SetVariableStatement extends StatementBase {
  readonly kind: 'SetVariable';
  readonly assignments: readonly VariableAssignment[];
}

/** `SET NAMES utf8mb4 [COLLATE x]` (charset lower-cased; 'default' for DEFAULT). */
export interface SetNamesStatement extends StatementBase {
  readonly kind: 'SetNames';
  readonly charset: string;
  readonly collate?: string;
}

export interface FunctionParam {
  readonly name?: string;
  readonly type: TypeName;
}

/**
 * Strata's runtime UDF registration (issue #8):
 * ```
 * CREATE [OR REPLACE] [AGGREGATE | WINDOW] FUNCTION [IF NOT EXISTS] name
 *   [( [arg] type, ... )] [RETURNS type] [LANGUAGE js]
 *   AS 'path/to/module.js' [WITH (export = 'name', ...)]
 * ```
 * `source` is the string after AS (a module path allowed by config).
 */
export interface CreateFunctionStatement extends StatementBase {
  readonly kind: 'CreateFunction';
  readonly name: ObjectName;
  readonly functionKind: 'scalar' | 'aggregate' | 'window';
  readonly orReplace: boolean;
  readonly ifNotExists: boolean;
  /** Undefined when no parameter list was written (signature comes from the module). */
  readonly params?: readonly FunctionParam[];
  readonly returns?: TypeName;
  /** Lower-cased LANGUAGE name when written. */
  readonly language?: string;
  readonly source: string;
  readonly options: readonly OptionEntry[];
}

/** DROP FUNCTION [IF EXISTS] name. */
export interface DropFunctionStatement extends StatementBase {
  readonly kind: 'DropFunction';
  readonly name: ObjectName;
  readonly ifExists: boolean;
}

/**
 * `TQL EVAL|EVALUATE|EXPLAIN|EXPLAIN ANALYZE|ANALYZE [VERBOSE] [(start, end, step [, lookback])] <promql>`.
 * Parameters are kept as expressions (numbers, strings, now() calls ...);
 * without them start = end = 0 and step = 5m (GreptimeDB's defaults).
 * `query` is the raw PromQL text, trimmed.
 */
export interface TqlStatement extends StatementBase {
  readonly kind: 'Tql';
  readonly command: 'EVAL' | 'EXPLAIN' | 'ANALYZE';
  readonly verbose: boolean;
  readonly start?: Expr;
  readonly end?: Expr;
  readonly step?: Expr;
  readonly lookback?: Expr;
  readonly query: string;
}

/** BEGIN / START TRANSACTION / COMMIT / ROLLBACK — accepted for client compatibility (no-ops). */
export interface TransactionStatement extends StatementBase {
  readonly kind: 'Transaction';
  readonly action: 'BEGIN' | 'COMMIT' | 'ROLLBACK';
}

/** The `kind` of every statement, for exhaustive switches. */
export type StatementKind = Statement['kind'];
/** The `kind` of every expression. */
export type ExprKind = Expr['kind'];
