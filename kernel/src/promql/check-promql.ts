// Validates the raw parse tree and builds the typed AST, with Prometheus's
// type rules and messages (promql/parser/parse.go checkAST).
import { SyntaxError } from '../errors/errors.js';
import {
  AGGREGATE_OPS, COMPARISON_OPS, SET_OPS,
  type AggregateOp, type AtModifier, type BinaryOp, type Expr, type LabelMatcher, type MatchOp, type Pos, type ValueType, type VectorMatching,
} from './ast.js';
import { FUNCTIONS } from './function-signatures.js';
import type { RawLabel, RawNode } from './grammar-support.js';
import { compileAnchoredRegex } from './regex.js';

/** A positioned PromQL error (kernel SyntaxError, code INVALID_SYNTAX). */
export function promqlError(pos: Pos | undefined, detail: string, cause?: unknown): SyntaxError {
  const where = pos ? `at line ${pos.line}, column ${pos.column}: ` : '';
  return new SyntaxError(`PromQL parse error ${where}${detail}`, pos?.line, pos?.column, cause === undefined ? undefined : { cause });
}

/** The value type an expression evaluates to. */
export function typeOf(e: Expr): ValueType {
  switch (e.kind) {
    case 'NumberLiteral': return 'scalar';
    case 'StringLiteral': return 'string';
    case 'VectorSelector': return 'vector';
    case 'MatrixSelector': case 'SubqueryExpr': return 'matrix';
    case 'AggregateExpr': return 'vector';
    case 'Call': return FUNCTIONS.get(e.func)!.returns;
    case 'ParenExpr': return typeOf(e.expr);
    case 'UnaryExpr': return typeOf(e.expr);
    case 'BinaryExpr': return typeOf(e.lhs) === 'scalar' && typeOf(e.rhs) === 'scalar' ? 'scalar' : 'vector';
  }
}

const TYPE_NAMES: Record<ValueType, string> = { scalar: 'scalar', vector: 'instant vector', matrix: 'range vector', string: 'string' };
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** A label name as written: an identifier, or (Prometheus 3 UTF-8 names) any non-empty quoted UTF-8 string. */
function validLabelName(name: string, quoted: boolean | undefined): boolean {
  return quoted ? name.length > 0 && !name.includes('\u0000') : LABEL_NAME.test(name);
}

function labelNames(labels: readonly RawLabel[]): string[] {
  for (const l of labels) if (!validLabelName(l.name, l.quoted)) throw promqlError(l.pos, `invalid label name ${JSON.stringify(l.name)}`);
  return labels.map((l) => l.name);
}

/** Builds the checked AST from the raw tree. */
export function checkExpr(n: RawNode): Expr {
  switch (n.kind) {
    case 'NumberLiteral': return n;
    case 'StringLiteral':
      if (n.error) throw promqlError(n.pos, n.error);
      return { kind: 'StringLiteral', value: n.value, pos: n.pos };
    case 'Paren': return { kind: 'ParenExpr', expr: checkExpr(n.expr), pos: n.pos };
    case 'Selector': {
      const matchers: LabelMatcher[] = [];
      let name = n.name;
      let quotedName = false;
      if (name !== undefined) matchers.push({ name: '__name__', op: '=', value: name });
      for (const m of n.matchers) {
        if (!validLabelName(m.name, m.quoted)) throw promqlError(m.pos, `invalid label name ${JSON.stringify(m.name)}`);
        if (m.value === '\u0000\u0000invalid') throw promqlError(m.pos, 'invalid escape sequence in string');
        if (m.metricName) {
          // {"name"}: the metric name, once, as Prometheus 3 reads it.
          if (name !== undefined) throw promqlError(m.pos, `metric name must not be set twice: ${JSON.stringify(name)} or ${JSON.stringify(m.value)}`);
          name = m.value; quotedName = true;
          matchers.push({ name: '__name__', op: '=', value: m.value });
          continue;
        }
        if (m.name === '__name__') {
          if (n.name !== undefined || quotedName) throw promqlError(m.pos, `metric name must not be set twice: ${JSON.stringify(n.name ?? name)} or ${JSON.stringify(m.value)}`);
          if (m.op === '=') name = m.value;
        }
        const op = m.op as MatchOp;
        let re: RegExp | undefined;
        if (op === '=~' || op === '!~') {
          try { re = compileAnchoredRegex(m.value); } catch (err) { throw promqlError(m.pos, (err as Error).message, err); }
        }
        matchers.push({ name: m.name, op, value: m.value, ...(re ? { re } : {}) });
      }
      if (!matchers.some((m) => !matchesEmpty(m))) throw promqlError(n.pos, 'vector selector must contain at least one non-empty matcher');
      return { kind: 'VectorSelector', ...(name !== undefined ? { name } : {}), matchers, offsetMs: 0, pos: n.pos };
    }
    case 'Matrix': {
      const inner = checkExpr(n.expr);
      if (inner.kind !== 'VectorSelector') throw promqlError(n.pos, `ranges only allowed for vector selectors`);
      if (inner.offsetMs !== 0 || inner.at) throw promqlError(n.pos, 'no offset or @ modifiers allowed before range');
      if (n.rangeMs <= 0) throw promqlError(n.pos, 'range must be positive');
      return { kind: 'MatrixSelector', selector: inner, rangeMs: n.rangeMs, pos: inner.pos };
    }
    case 'Subquery': {
      const inner = checkExpr(n.expr);
      const t = typeOf(inner);
      if (t !== 'vector') throw promqlError(n.pos, `subquery is only allowed on instant vector, got ${TYPE_NAMES[t]} instead`);
      if (n.rangeMs <= 0) throw promqlError(n.pos, 'subquery range must be positive');
      return { kind: 'SubqueryExpr', expr: inner, rangeMs: n.rangeMs, stepMs: n.stepMs, offsetMs: 0, pos: n.pos };
    }
    case 'Offset': case 'At': {
      const inner = checkExpr(n.expr);
      const what = n.kind === 'Offset' ? 'offset' : '@';
      let target: Expr = inner;
      // offset/@ on a range selector modify its vector selector.
      if (target.kind === 'MatrixSelector') target = target.selector;
      if (target.kind !== 'VectorSelector' && target.kind !== 'SubqueryExpr') {
        throw promqlError(n.pos, `${what} modifier must be preceded by an instant vector selector or range vector selector or a subquery`);
      }
      let updated: Expr;
      if (n.kind === 'Offset') {
        if (target.offsetMs !== 0) throw promqlError(n.pos, 'offset may not be set multiple times');
        updated = { ...target, offsetMs: n.ms };
      } else {
        if (target.at) throw promqlError(n.pos, '@ <timestamp> may not be set multiple times');
        if (n.at.kind === 'bad') throw promqlError(n.pos, `unknown @ modifier function ${n.at.name}(): only start() and end() are allowed`);
        if (n.at.kind === 'time' && !Number.isFinite(n.at.ms)) throw promqlError(n.pos, 'timestamp out of bounds for @ modifier');
        updated = { ...target, at: n.at as AtModifier };
      }
      if (inner.kind === 'MatrixSelector') return { ...inner, selector: updated as typeof inner.selector };
      return updated;
    }
    case 'Unary': {
      const e = checkExpr(n.expr);
      const t = typeOf(e);
      if (t !== 'scalar' && t !== 'vector') throw promqlError(n.pos, 'unary expression only allowed on expressions of type scalar or instant vector');
      if (e.kind === 'NumberLiteral') return { ...e, value: n.op === '-' ? -e.value : e.value, pos: n.pos };
      return { kind: 'UnaryExpr', op: n.op, expr: e, pos: n.pos };
    }
    case 'Binary': return checkBinary(n);
    case 'Call': return checkCall(n);
  }
}

function matchesEmpty(m: LabelMatcher): boolean {
  switch (m.op) {
    case '=': return m.value === '';
    case '!=': return m.value !== '';
    case '=~': return m.re!.test('');
    case '!~': return !m.re!.test('');
  }
}

function checkBinary(n: Extract<RawNode, { kind: 'Binary' }>): Expr {
  const lhs = checkExpr(n.lhs);
  const rhs = checkExpr(n.rhs);
  const op = n.op as BinaryOp;
  const lt = typeOf(lhs); const rt = typeOf(rhs);
  for (const t of [lt, rt]) {
    if (t !== 'scalar' && t !== 'vector') throw promqlError(n.pos, 'binary expression must contain only scalar and instant vector types');
  }
  const isSet = SET_OPS.has(op);
  const isCmp = COMPARISON_OPS.has(op);
  if (n.mod.bool && !isCmp) throw promqlError(n.mod.boolPos, 'bool modifier can only be used on comparison operators');
  if (isCmp && !n.mod.bool && lt === 'scalar' && rt === 'scalar') throw promqlError(n.pos, 'comparisons between scalars must use BOOL modifier');
  if (isSet && (lt !== 'vector' || rt !== 'vector')) throw promqlError(n.pos, `set operator "${op}" not allowed in binary scalar expression`);
  const m = n.mod.matching;
  let matching: VectorMatching | undefined;
  if (lt === 'vector' && rt === 'vector') {
    const labels = m ? labelNames(m.labels) : [];
    const include = m?.group ? labelNames(m.group.labels) : [];
    let card: VectorMatching['card'] = isSet ? 'many-to-many' : 'one-to-one';
    if (m?.group) {
      if (isSet) throw promqlError(m.pos, `no grouping allowed for "${op}" operation`);
      card = m.group.side === 'left' ? 'many-to-one' : 'one-to-many';
    }
    if (m?.on) {
      for (const l of include) if (labels.includes(l)) throw promqlError(m.pos, `label "${l}" must not occur in ON and GROUP clause at once`);
    }
    matching = { card, on: m?.on ?? false, labels, include };
  } else if (m) {
    throw promqlError(m.pos, 'vector matching only allowed between instant vectors');
  }
  return { kind: 'BinaryExpr', op, lhs, rhs, bool: n.mod.bool, ...(matching ? { matching } : {}), pos: n.pos };
}

function checkCall(n: Extract<RawNode, { kind: 'Call' }>): Expr {
  const args = n.args.map(checkExpr);
  // Aggregation operators are keywords (case-insensitive); function names are not.
  if (AGGREGATE_OPS.has(n.func.toLowerCase())) {
    const op = n.func.toLowerCase() as AggregateOp;
    const needsParam = op === 'topk' || op === 'bottomk' || op === 'quantile' || op === 'count_values';
    const want = needsParam ? 2 : 1;
    if (args.length !== want) throw promqlError(n.pos, `wrong number of arguments for aggregate expression provided, expected ${want}, got ${args.length}`);
    const expr = args[want - 1]!;
    const et = typeOf(expr);
    if (et !== 'vector') throw promqlError(expr.pos, `expected type instant vector in aggregation expression, got ${TYPE_NAMES[et]}`);
    let param: Expr | undefined;
    if (needsParam) {
      param = args[0]!;
      const pt = typeOf(param);
      const expected = op === 'count_values' ? 'string' : 'scalar';
      if (pt !== expected) throw promqlError(param.pos, `expected type ${TYPE_NAMES[expected]} in aggregation parameter, got ${TYPE_NAMES[pt]}`);
    }
    const grouping = n.grouping ? labelNames(n.grouping.labels) : [];
    return {
      kind: 'AggregateExpr', op, expr, ...(param ? { param } : {}), grouping, without: n.grouping?.without ?? false,
      hasGrouping: !!n.grouping, pos: n.pos,
    };
  }
  if (n.grouping) throw promqlError(n.pos, `${n.func} is not an aggregation operator: by/without are not allowed`);
  const sig = FUNCTIONS.get(n.func);
  if (!sig) throw promqlError(n.pos, `unknown function with name ${JSON.stringify(n.func)}`);
  const min = sig.variadic ? sig.args.length - 1 : sig.args.length - (sig.optional ?? 0);
  const max = sig.variadic ? Infinity : sig.args.length;
  if (args.length < min || args.length > max) {
    const expected = min === max ? `${min}` : max === Infinity ? `at least ${min}` : `${min} to ${max}`;
    throw promqlError(n.pos, `expected ${expected} argument(s) in call to ${JSON.stringify(n.func)}, got ${args.length}`);
  }
  args.forEach((a, i) => {
    const want = sig.args[Math.min(i, sig.args.length - 1)]!;
    const got = typeOf(a);
    if (got !== want) throw promqlError(a.pos, `expected type ${TYPE_NAMES[want]} in call to function ${JSON.stringify(n.func)}, got ${TYPE_NAMES[got]}`);
  });
  if (n.func === 'label_replace' || n.func === 'label_join') {
    const dst = (args[1] as { value: string }).value;
    if (!LABEL_NAME.test(dst)) throw promqlError(args[1]!.pos, `invalid destination label name in ${n.func}(): ${dst}`);
    if (n.func === 'label_replace') {
      const re = (args[4] as { value: string }).value;
      try { compileAnchoredRegex(re); } catch (err) { throw promqlError(args[4]!.pos, `invalid regular expression in label_replace(): ${re}`, err); }
    }
  }
  return { kind: 'Call', func: n.func, args, pos: n.pos };
}
