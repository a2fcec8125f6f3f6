"""Runs coprocessor scripts inside a Pyodide worker (Strata internal).

The worker calls `describe` to read a script's signature from its source
(without running it) and `run` to execute it over input columns. Both
return plain dicts so the JavaScript side never parses Python messages:
errors come back as {'error': kind, 'message': ..., 'line': ...} where kind
is 'syntax', 'definition', 'runtime', 'memory' or 'interrupt'.
"""

import array
import ast
import builtins
import linecache
import traceback

import greptime
from greptime import DTYPES, TYPE_OF_NAME, vector

_DECORATORS = ('copr', 'coprocessor')
_CODE_CACHE = {}
_CODE_CACHE_MAX = 64


class DefinitionError(Exception):
    def __init__(self, message, line=None):
        super().__init__(message)
        self.line = line


def _filename(name):
    return f'<script {name}>'


def _decorator_call(node):
    for d in node.decorator_list:
        if isinstance(d, ast.Call):
            f = d.func
            fname = f.id if isinstance(f, ast.Name) else (f.attr if isinstance(f, ast.Attribute) else None)
            if fname in _DECORATORS:
                return d
        elif (isinstance(d, ast.Name) and d.id in _DECORATORS) or (isinstance(d, ast.Attribute) and d.attr in _DECORATORS):
            raise DefinitionError(f'@{getattr(d, "id", None) or d.attr} needs arguments: @copr(returns=[...])', d.lineno)
    return None


def _type_of_annotation(node, line):
    """`vector[f64]` -> 'Float64'; None when the element type is not given."""
    if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name) and node.value.id == 'vector':
        t = node.slice
        tname = t.id if isinstance(t, ast.Name) else (t.value if isinstance(t, ast.Constant) and isinstance(t.value, str) else None)
        if tname is None:
            raise DefinitionError(f'unsupported vector element type {ast.unparse(t)}', line)
        if tname == 'none':
            return None
        if tname == 'timestamp':
            return 'TimestampMillisecond'
        if tname in DTYPES:
            return DTYPES[tname][1]
        if tname in TYPE_OF_NAME:
            return tname
        raise DefinitionError(f'unknown vector element type {tname!r} (use one of {", ".join(DTYPES)})', line)
    if isinstance(node, ast.Name) and node.id == 'vector':
        return None
    raise DefinitionError(f'return annotation must be vector[T] or a tuple of them, not {ast.unparse(node)}', line)


def _literal(node, what, line):
    try:
        return ast.literal_eval(node)
    except ValueError:
        raise DefinitionError(f'@copr {what}= must be a literal, not {ast.unparse(node)}', line) from None


def _parse(name, source):
    tree = ast.parse(source, _filename(name))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            call = _decorator_call(node)
            if call is not None:
                found.append((node, call))
    if len(found) != 1:
        raise DefinitionError(
            'a script must define exactly one function decorated with @copr or @coprocessor'
            f' (found {len(found)})', found[1][1].lineno if len(found) > 1 else None)
    fn, call = found[0]
    if isinstance(fn, ast.AsyncFunctionDef):
        raise DefinitionError('the coprocessor function must not be async', fn.lineno)
    line = call.lineno
    kw = {}
    for i, a in enumerate(call.args):
        # positional form: @copr(args, returns, sql)
        kw[('args', 'returns', 'sql')[i] if i < 3 else f'arg{i}'] = _literal(a, 'positional', line)
    for k in call.keywords:
        if k.arg is None:
            raise DefinitionError('@copr(**...) is not supported', line)
        kw[k.arg] = _literal(k.value, k.arg, line)
    unknown = set(kw) - {'args', 'returns', 'sql', 'backend'}
    if unknown:
        raise DefinitionError(f'@copr got unknown arguments: {", ".join(sorted(unknown))}', line)
    args = kw.get('args') or []
    returns = kw.get('returns')
    sql = kw.get('sql')
    if not isinstance(args, (list, tuple)) or not all(isinstance(a, str) for a in args):
        raise DefinitionError('@copr args= must be a list of column names', line)
    if not isinstance(returns, (list, tuple)) or not returns or not all(isinstance(r, str) and r for r in returns):
        raise DefinitionError('@copr returns= must be a non-empty list of column names', line)
    if len(set(returns)) != len(returns):
        raise DefinitionError('@copr returns= names must be unique', line)
    if sql is not None and not isinstance(sql, str):
        raise DefinitionError('@copr sql= must be a string', line)
    positional = fn.args.posonlyargs + fn.args.args
    if len(positional) != len(args):
        raise DefinitionError(
            f'{fn.name}() takes {len(positional)} positional parameter(s) but args= names {len(args)} column(s)', fn.lineno)
    types = [None] * len(returns)
    if fn.returns is not None:
        r = fn.returns
        if isinstance(r, ast.Tuple):
            if len(r.elts) != len(returns):
                raise DefinitionError(
                    f'the return annotation has {len(r.elts)} types but returns= names {len(returns)} columns', fn.lineno)
            types = [_type_of_annotation(e, fn.lineno) for e in r.elts]
        else:
            t = _type_of_annotation(r, fn.lineno)
            if len(returns) != 1:
                raise DefinitionError(
                    f'the return annotation has 1 type but returns= names {len(returns)} columns', fn.lineno)
            types = [t]
    return {
        'function': fn.name,
        'args': list(args),
        'returns': [{'name': n, 'type': t} for n, t in zip(returns, types)],
        'sql': sql,
        'kwargs': fn.args.kwarg is not None,
        'line': fn.lineno,
    }


def _error(kind, e, name, source):
    out = {'error': kind, 'message': f'{type(e).__name__}: {e}', 'line': None}
    if isinstance(e, SyntaxError):
        out['line'] = e.lineno
        out['message'] = f'{e.msg} (line {e.lineno}{", column " + str(e.offset) if e.offset else ""})'
        return out
    if isinstance(e, DefinitionError):
        out['line'] = e.line
        out['message'] = str(e) + (f' (line {e.line})' if e.line else '')
        return out
    # keep only the script's own frames (and greptime's, which explain
    # vector errors) so line numbers point into the script
    fname = _filename(name)
    frames = [f for f in traceback.extract_tb(e.__traceback__)
              if f.filename == fname or f.filename.endswith('greptime.py')]
    for f in frames:
        if f.filename == fname:
            out['line'] = f.lineno
    lines = (['Traceback (most recent call last):\n'] + traceback.format_list(frames)) if frames else []
    lines += traceback.format_exception_only(type(e), e)
    out['message'] = ''.join(lines).rstrip()
    return out


def _register_source(name, source):
    fname = _filename(name)
    linecache.cache[fname] = (len(source), None, source.splitlines(True), fname)
    return fname


def _compiled(name, source):
    key = (name, source)
    hit = _CODE_CACHE.get(key)
    if hit is not None:
        return hit
    sig = _parse(name, source)
    code = compile(source, _register_source(name, source), 'exec')
    if len(_CODE_CACHE) >= _CODE_CACHE_MAX:
        _CODE_CACHE.pop(next(iter(_CODE_CACHE)))
    _CODE_CACHE[key] = (sig, code)
    return sig, code


def describe(name, source):
    """The signature of a script, read from its source without running it."""
    try:
        sig, _ = _compiled(name, source)
        return dict(sig)
    except (SyntaxError, DefinitionError) as e:
        return _error('syntax' if isinstance(e, SyntaxError) else 'definition', e, name, source)


# -- columns in and out -------------------------------------------------------

def decode_column(type_name, data, valid):
    """A JS column (typed array or array, optional validity bytes) -> vector."""
    dtype = TYPE_OF_NAME.get(type_name, 'str')
    code = DTYPES[dtype][0]
    if code is not None:
        mv = data.to_py()  # one bulk copy of the typed array into the Python heap
        if not isinstance(mv, memoryview):
            mv = memoryview(array.array(code, mv))
        if mv.format != code:
            mv = mv.cast('B').cast(code)
        if valid is not None:
            ok = valid.to_py()
            return vector._of([x if ok[i] else None for i, x in enumerate(mv)], dtype, True)
        return vector._of(mv, dtype, False)
    values = data.to_py() if hasattr(data, 'to_py') else list(data)
    if dtype == 'bool':
        values = [None if x is None else bool(x) for x in values]
    if valid is not None:
        ok = valid.to_py()
        values = [x if ok[i] else None for i, x in enumerate(values)]
    return vector._of(list(values), dtype)


def _encode(v, type_name):
    """vector -> (type name, store); numeric stores are arrays (buffers)."""
    dtype = TYPE_OF_NAME.get(type_name) if type_name else None
    if dtype is not None and v.dtype != dtype:
        v = v.astype(dtype)
    if dtype is None:
        dtype = v.dtype
        if dtype == 'none':
            return 'Null', list(v._v), True
    code = DTYPES[dtype][0]
    store = v._v
    if code is not None and not v._nulls:
        if isinstance(store, memoryview) and store.format == code:
            return DTYPES[dtype][1], store, False
        return DTYPES[dtype][1], array.array(code, store), False
    return DTYPES[dtype][1], list(store), v._nulls


def _to_vector(value, what):
    if isinstance(value, vector):
        return value
    if isinstance(value, (list, tuple, array.array, memoryview, range)):
        return vector(value)
    if value is None or isinstance(value, (bool, int, float, str)):
        return None  # a scalar, broadcast later
    raise TypeError(f'{what}: a script must return vectors, lists or scalars, not {type(value).__name__}')


def run(name, source, columns, params, row_count, sql_hook):
    """Runs a script; returns {'columns': [...]} or an error dict."""
    greptime._sql_hook = _make_hook(sql_hook)
    try:
        sig, code = _compiled(name, source)
        by_name = {}
        for c in columns:
            by_name[c.name] = decode_column(c.type, c.data, getattr(c, 'valid', None))
        missing = [a for a in sig['args'] if a not in by_name]
        if missing:
            raise DefinitionError(
                f'args= names column(s) {", ".join(missing)} that the input does not have'
                f' (input columns: {", ".join(by_name) or "none"})', sig['line'])
        g = {'__name__': '__copr__', '__builtins__': builtins,
             'copr': greptime.copr, 'coprocessor': greptime.coprocessor, 'vector': vector}
        for t in ('i8', 'i16', 'i32', 'i64', 'u8', 'u16', 'u32', 'u64', 'f32', 'f64', 'none'):
            g[t] = getattr(greptime, t)
        exec(code, g)
        fn = g.get(sig['function'])
        if fn is None or not hasattr(fn, '__copr__'):
            raise DefinitionError(f'{sig["function"]} is not defined at module level', sig['line'])
        argv = [by_name[a] for a in sig['args']]
        kwargs = params.to_py() if params is not None and hasattr(params, 'to_py') else dict(params or {})
        result = fn(*argv, **kwargs) if sig['kwargs'] else fn(*argv)
        returns = sig['returns']
        if len(returns) == 1:
            values = [result[0] if isinstance(result, tuple) and len(result) == 1 else result]
        else:
            if not isinstance(result, (tuple, list)) or len(result) != len(returns):
                got = len(result) if isinstance(result, (tuple, list)) else 1
                raise TypeError(f'{sig["function"]}() must return {len(returns)} values (returns= names'
                                f' {len(returns)} columns) but returned {got}')
            values = list(result)
        vecs = [_to_vector(v, r['name']) for v, r in zip(values, returns)]
        lengths = {len(v) for v in vecs if v is not None}
        if len(lengths) > 1:
            desc = ', '.join(f'{r["name"]}={len(v)}' for v, r in zip(vecs, returns) if v is not None)
            raise ValueError(f'returned columns have different lengths: {desc}')
        n = lengths.pop() if lengths else (row_count if sig['args'] else 1)
        out = []
        for v, raw, r in zip(vecs, values, returns):
            if v is None:
                v = vector([raw] * n, greptime._infer_dtype([raw]) if raw is not None else 'none')
            t, store, nulls = _encode(v, r['type'])
            out.append({'name': r['name'], 'type': t, 'nulls': nulls, 'buffer': code_of(store), 'data': store})
        return {'columns': out, 'rows': n}
    except (SyntaxError, DefinitionError) as e:
        return _error('syntax' if isinstance(e, SyntaxError) else 'definition', e, name, source)
    except MemoryError as e:
        return _error('memory', e, name, source)
    except KeyboardInterrupt as e:
        return _error('interrupt', e, name, source)
    except BaseException as e:  # noqa: BLE001 - every script failure is reported, never raised into JS
        return _error('runtime', e, name, source)
    finally:
        greptime._sql_hook = None


def _make_hook(js_hook):
    if js_hook is None:
        return None

    def hook(text):
        try:
            r = js_hook(text)
        except Exception as e:  # a JsException: the SQL failed on the server
            msg = str(e)
            raise greptime.QueryError(msg[7:] if msg.startswith('Error: ') else msg) from None
        return decode_result(r.names.to_py(), list(r.columns))
    return hook


def code_of(store):
    return isinstance(store, (array.array, memoryview))


def decode_result(names, columns):
    """A query result from JS -> (names, [vector])."""
    return list(names), [decode_column(c.type, c.data, getattr(c, 'valid', None)) for c in columns]
