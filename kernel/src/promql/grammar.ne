# PromQL grammar (nearley over tokens from lexer.ts). Compiled to grammar.ts
# with scripts/build-grammar.mjs's compileGrammar (see parse-promql.ts).
#
# Unambiguous on purpose (one derivation per query). Precedence, lowest
# first: or; and unless; == != <= < >= >; + -; * / % atan2; unary + -; ^
# (right-associative, binds tighter than unary minus: -2^2 = -4); postfix
# [range], [range:step], offset, @. Type rules and positioned semantic
# errors live in check-promql.ts.

@preprocessor typescript
@{%
import * as g from './grammar-support.js';
// Tokens come from a per-parse adapter (parse-promql.ts); nearley only needs
// `has` at grammar build time: every %NAME matches by token type.
const lexer = { has: (_name: string) => true } as unknown as NearleyLexer;
%}
@lexer lexer

expr -> or_expr {% id %}

or_expr -> or_expr %OR bin_mod and_expr {% g.binary %} | and_expr {% id %}
and_expr -> and_expr and_op bin_mod cmp_expr {% g.binary %} | cmp_expr {% id %}
and_op -> %AND {% id %} | %UNLESS {% id %}
cmp_expr -> cmp_expr cmp_op bin_mod add_expr {% g.binary %} | add_expr {% id %}
cmp_op -> "==" {% id %} | "!=" {% id %} | ">" {% id %} | "<" {% id %} | ">=" {% id %} | "<=" {% id %}
add_expr -> add_expr add_op bin_mod mul_expr {% g.binary %} | mul_expr {% id %}
add_op -> "+" {% id %} | "-" {% id %}
mul_expr -> mul_expr mul_op bin_mod unary_expr {% g.binary %} | unary_expr {% id %}
mul_op -> "*" {% id %} | "/" {% id %} | "%" {% id %} | %ATAN2 {% id %}
unary_expr -> add_op unary_expr {% g.unary %} | pow_expr {% id %}
pow_expr -> postfix_expr "^" bin_mod unary_expr {% g.binary %} | postfix_expr {% id %}

# bool, then on/ignoring(...), then group_left/group_right[(...)].
bin_mod -> bool_mod:? matching:? {% g.binMod %}
bool_mod -> %BOOL {% id %}
matching -> on_ign label_list group_mod:? {% g.matching %}
on_ign -> %ON {% id %} | %IGNORING {% id %}
# The lexer marks group_left/right followed by "(" as *_L, so `group_left (x)`
# is always the label list, as in Prometheus.
group_mod -> %GROUP_LEFT_L label_list {% g.groupMod %} | %GROUP_RIGHT_L label_list {% g.groupMod %}
  | %GROUP_LEFT {% g.groupMod %} | %GROUP_RIGHT {% g.groupMod %}

postfix_expr -> primary {% id %}
  | postfix_expr "[" range_dur "]" {% g.matrix %}
  | postfix_expr "[" range_dur ":" range_dur:? "]" {% g.subquery %}
  | postfix_expr %OFFSET offset_dur {% g.offset %}
  | postfix_expr "@" at_value {% g.at %}
range_dur -> %DURATION {% g.durationMs %} | %NUMBER {% g.durationMs %}
offset_dur -> range_dur {% id %} | "-" range_dur {% (d) => -d[1] %} | "+" range_dur {% (d) => d[1] %}
at_value -> %NUMBER {% g.atNumber %} | "-" %NUMBER {% g.atNumber %} | "+" %NUMBER {% g.atNumber %} | %IDENT "(" ")" {% g.atFunction %}

primary -> %NUMBER {% g.number %}
  | %DURATION {% g.durationNumber %}
  | %STRING {% g.string %}
  | "(" expr ")" {% g.paren %}
  | %IDENT {% g.selectorName %}
  | %IDENT matchers {% g.selectorNameMatchers %}
  | matchers {% g.selectorMatchers %}
  | %IDENT "(" args:? ")" {% g.call %}
  | %IDENT grouping "(" args:? ")" {% g.aggregateBefore %}
  | %IDENT "(" args:? ")" grouping {% g.aggregateAfter %}

matchers -> "{" "}" {% g.matchersEmpty %} | "{" matcher_list ",":? "}" {% g.matchersList %}
matcher_list -> matcher {% (d) => [d[0]] %} | matcher_list "," matcher {% (d) => [...d[0], d[2]] %}
matcher -> label_name match_op %STRING {% g.matcher %}
# Prometheus 3 UTF-8 names: a lone quoted string in braces is the metric name ({"otel.metric"}).
  | %STRING {% g.metricNameMatcher %}
match_op -> "=" {% id %} | "!=" {% id %} | "=~" {% id %} | "!~" {% id %}

grouping -> %BY label_list {% g.grouping %} | %WITHOUT label_list {% g.grouping %}
label_list -> "(" ")" {% () => [] %} | "(" label_names ",":? ")" {% (d) => d[1] %}
label_names -> label_name {% (d) => [d[0]] %} | label_names "," label_name {% (d) => [...d[0], d[2]] %}
label_name -> %IDENT {% id %} | %AND {% id %} | %OR {% id %} | %UNLESS {% id %} | %ATAN2 {% id %} | %BY {% id %}
  | %WITHOUT {% id %} | %ON {% id %} | %IGNORING {% id %} | %GROUP_LEFT {% id %} | %GROUP_RIGHT {% id %}
  | %GROUP_LEFT_L {% id %} | %GROUP_RIGHT_L {% id %} | %BOOL {% id %} | %OFFSET {% id %}
  # Prometheus 3 UTF-8 label names, quoted: {"service.name"="api"}, by ("service.name").
  | %STRING {% id %}

args -> expr {% (d) => [d[0]] %} | args "," expr {% (d) => [...d[0], d[2]] %}
