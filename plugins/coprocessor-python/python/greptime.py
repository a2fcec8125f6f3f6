"""The `greptime` module Strata scripts import (GreptimeDB's coprocessor API).

Pyodide's core has no numpy, so this is a small, pure-Python vector library:
a `vector` holds one column (numeric columns live in `array.array` or a
`memoryview` over the bytes that came from Arrow, other types in a list),
supports element-wise arithmetic, comparisons, boolean masks and
aggregates, plus GreptimeDB's builtin functions and `query()`/`sql()`
which run SQL on the server.

NULLs are `None`; element-wise operations propagate them and aggregates
skip them, as SQL does.
"""

import array as _array
import builtins as _builtins
import math as _math
import operator as _op
import random as _random
from itertools import repeat as _repeat

# ---------------------------------------------------------------------------
# types: the names used in return annotations (`-> vector[f64]`)
# ---------------------------------------------------------------------------

# dtype -> (array typecode or None, Strata/GreptimeDB data type name)
DTYPES = {
    'i8': ('b', 'Int8'), 'i16': ('h', 'Int16'), 'i32': ('i', 'Int32'), 'i64': ('q', 'Int64'),
    'u8': ('B', 'UInt8'), 'u16': ('H', 'UInt16'), 'u32': ('I', 'UInt32'), 'u64': ('Q', 'UInt64'),
    'f32': ('f', 'Float32'), 'f64': ('d', 'Float64'),
    'ts_s': ('q', 'TimestampSecond'), 'ts_ms': ('q', 'TimestampMillisecond'),
    'ts_us': ('q', 'TimestampMicrosecond'), 'ts_ns': ('q', 'TimestampNanosecond'),
    'date': ('i', 'Date'),
    'bool': (None, 'Boolean'), 'str': (None, 'String'), 'none': (None, None),
}
TYPE_OF_NAME = {v[1]: k for k, v in DTYPES.items() if v[1]}
_INT = frozenset(['i8', 'i16', 'i32', 'i64', 'u8', 'u16', 'u32', 'u64'])
_FLOAT = frozenset(['f32', 'f64'])
_TIME = frozenset(['ts_s', 'ts_ms', 'ts_us', 'ts_ns', 'date'])
_NUMERIC = _INT | _FLOAT | _TIME


class _TypeMarker:
    """Annotation-only type names (GreptimeDB's `i32`, `f64`, ...)."""

    def __init__(self, name):
        self.__name__ = name

    def __repr__(self):
        return self.__name__


i8, i16, i32, i64 = (_TypeMarker(n) for n in ('i8', 'i16', 'i32', 'i64'))
u8, u16, u32, u64 = (_TypeMarker(n) for n in ('u8', 'u16', 'u32', 'u64'))
f32, f64 = _TypeMarker('f32'), _TypeMarker('f64')
none = _TypeMarker('none')
timestamp = _TypeMarker('ts_ms')


def _infer_dtype(values):
    dtype = None
    for x in values:
        if x is None:
            continue
        if isinstance(x, bool):
            t = 'bool'
        elif isinstance(x, int):
            t = 'i64'
        elif isinstance(x, float):
            t = 'f64'
        elif isinstance(x, str):
            t = 'str'
        else:
            raise TypeError(f'vector: unsupported element type {type(x).__name__} ({x!r})')
        if dtype is None or dtype == t:
            dtype = t
        elif {dtype, t} == {'i64', 'f64'}:
            dtype = 'f64'
        else:
            raise TypeError(f'vector: elements of mixed types {dtype} and {t}')
    return dtype or 'none'


def _store(values, dtype):
    """The backing store for `values`: an array for numeric data without NULLs."""
    code = DTYPES[dtype][0]
    if code is not None:
        try:
            return _array.array(code, values), False
        except TypeError:
            # NULLs (None) or mixed values: keep a list
            pass
        except OverflowError as e:
            raise OverflowError(f'value out of range for vector[{dtype}]') from e
        values = list(values)
        if dtype in _FLOAT:
            values = [None if x is None else float(x) for x in values]
        return values, any(x is None for x in values)
    values = values if isinstance(values, list) else list(values)
    return values, any(x is None for x in values)


class vector:
    """One column: `vector([1.0, 2.0])`, element-wise `+ - * / // % **`,
    comparisons returning boolean vectors, `& | ~` on booleans, `v[mask]`,
    `v[i]`, `v[a:b]`, `len(v)`, iteration and aggregates (`v.sum()`...)."""

    __slots__ = ('_v', 'dtype', '_nulls')
    __hash__ = None

    def __init__(self, values=(), dtype=None):
        if isinstance(values, vector):
            self._v, self.dtype, self._nulls = values._v, values.dtype, values._nulls
            if dtype is not None and _dtype_name(dtype) != values.dtype:
                other = values.astype(dtype)
                self._v, self.dtype, self._nulls = other._v, other.dtype, other._nulls
            return
        if isinstance(values, (str, bytes)) or not hasattr(values, '__iter__'):
            values = [values]
        if not isinstance(values, (list, _array.array, memoryview)):
            values = list(values)
        dt = _dtype_name(dtype) if dtype is not None else _infer_dtype(values)
        if dt == 'bool':
            values = [None if x is None else bool(x) for x in values]
        elif dt in _FLOAT and not isinstance(values, _array.array):
            values = [None if x is None else float(x) for x in values]
        self._v, self._nulls = _store(values, dt)
        self.dtype = dt

    @classmethod
    def _of(cls, store, dtype, nulls=None):
        v = object.__new__(cls)
        v._v = store
        v.dtype = dtype
        v._nulls = any(x is None for x in store) if nulls is None else nulls
        return v

    def __class_getitem__(cls, item):
        # `vector[f64]` in an annotation evaluated at run time
        return cls

    # -- sequence protocol ----------------------------------------------------
    def __len__(self):
        return len(self._v)

    def __iter__(self):
        return iter(self._v)

    def tolist(self):
        return list(self._v)

    to_list = tolist

    def __repr__(self):
        n = len(self._v)
        items = ', '.join(repr(x) for x in list(self._v[:20]))
        if n > 20:
            items += f', ... ({n} values)'
        return f'vector([{items}], dtype={self.dtype})'

    def __getitem__(self, key):
        if isinstance(key, int):
            return self._v[key]
        if isinstance(key, slice):
            return vector._of(self._v[key], self.dtype, self._nulls)
        if isinstance(key, vector) and key.dtype == 'bool' or (isinstance(key, list) and key and isinstance(key[0], bool)):
            return self.filter(key)
        if isinstance(key, (vector, list, tuple)):
            src = self._v
            return vector._of(_rebuild([src[i] for i in key], self.dtype), self.dtype)
        raise TypeError(f'vector indices must be int, slice, boolean mask or index list, not {type(key).__name__}')

    def filter(self, mask):
        """Keeps the elements where `mask` is True (NULL counts as False)."""
        m = mask._v if isinstance(mask, vector) else mask
        if len(m) != len(self._v):
            raise ValueError(f'mask length {len(m)} does not match vector length {len(self._v)}')
        out = [x for x, keep in zip(self._v, m) if keep]
        return vector._of(_rebuild(out, self.dtype), self.dtype)

    def astype(self, dtype):
        dt = _dtype_name(dtype)
        if dt in _FLOAT:
            conv = float
        elif dt in _INT or dt in _TIME:
            conv = int
        elif dt == 'bool':
            conv = bool
        elif dt == 'str':
            conv = str
        else:
            return vector._of(list(self._v), dt)
        out = [None if x is None else conv(x) for x in self._v]
        return vector._of(_rebuild(out, dt), dt)

    def is_null(self):
        return vector._of([x is None for x in self._v], 'bool', False)

    def fill_null(self, value):
        if not self._nulls:
            return self
        return vector._of(_rebuild([value if x is None else x for x in self._v], self.dtype), self.dtype)

    @property
    def null_count(self):
        return sum_(1 for x in self._v if x is None) if self._nulls else 0

    def concat(self, other):
        o = other if isinstance(other, vector) else vector(other)
        return vector(list(self._v) + list(o._v), _wider(self.dtype, o.dtype) if self.dtype != o.dtype else self.dtype)

    # -- aggregates as methods ------------------------------------------------
    def sum(self):
        return sum(self)

    def mean(self):
        return mean(self)

    def min(self):
        return min(self)

    def max(self):
        return max(self)

    def count(self):
        return count(self)

    # -- operators --------------------------------------------------------------
    def __add__(self, o): return _binop(self, o, _op.add, 'arith')
    def __radd__(self, o): return _binop(self, o, _op.add, 'arith', True)
    def __sub__(self, o): return _binop(self, o, _op.sub, 'arith')
    def __rsub__(self, o): return _binop(self, o, _op.sub, 'arith', True)
    def __mul__(self, o): return _binop(self, o, _op.mul, 'arith')
    def __rmul__(self, o): return _binop(self, o, _op.mul, 'arith', True)
    def __truediv__(self, o): return _binop(self, o, _div, 'float')
    def __rtruediv__(self, o): return _binop(self, o, _div, 'float', True)
    def __floordiv__(self, o): return _binop(self, o, _floordiv, 'arith')
    def __rfloordiv__(self, o): return _binop(self, o, _floordiv, 'arith', True)
    def __mod__(self, o): return _binop(self, o, _op.mod, 'arith')
    def __rmod__(self, o): return _binop(self, o, _op.mod, 'arith', True)
    def __pow__(self, o): return _binop(self, o, _op.pow, 'arith')
    def __rpow__(self, o): return _binop(self, o, _op.pow, 'arith', True)
    def __lt__(self, o): return _binop(self, o, _op.lt, 'bool')
    def __le__(self, o): return _binop(self, o, _op.le, 'bool')
    def __gt__(self, o): return _binop(self, o, _op.gt, 'bool')
    def __ge__(self, o): return _binop(self, o, _op.ge, 'bool')
    def __eq__(self, o): return _binop(self, o, _op.eq, 'bool')
    def __ne__(self, o): return _binop(self, o, _op.ne, 'bool')
    def __and__(self, o): return _binop(self, o, _op.and_, 'logic')
    def __rand__(self, o): return _binop(self, o, _op.and_, 'logic', True)
    def __or__(self, o): return _binop(self, o, _op.or_, 'logic')
    def __ror__(self, o): return _binop(self, o, _op.or_, 'logic', True)
    def __xor__(self, o): return _binop(self, o, _op.xor, 'logic')

    def __invert__(self):
        if self.dtype == 'bool':
            return vector._of([None if x is None else not x for x in self._v], 'bool', self._nulls)
        return _unary(self, _op.invert, self.dtype)

    def __neg__(self):
        return _unary(self, _op.neg, self.dtype)

    def __pos__(self):
        return self

    def __abs__(self):
        return _unary(self, _builtins.abs, self.dtype)


def _dtype_name(t):
    if isinstance(t, _TypeMarker):
        return t.__name__
    if t is _builtins.str:
        return 'str'
    if t is _builtins.bool:
        return 'bool'
    if t is _builtins.float:
        return 'f64'
    if t is _builtins.int:
        return 'i64'
    if isinstance(t, str):
        if t in DTYPES:
            return t
        if t in TYPE_OF_NAME:
            return TYPE_OF_NAME[t]
    raise TypeError(f'unknown vector type {t!r} (expected one of {", ".join(DTYPES)})')


def _wider(a, b):
    if a == b:
        return a
    if a in _FLOAT or b in _FLOAT:
        return 'f64'
    if (a in _INT or a in _TIME or a == 'bool') and (b in _INT or b in _TIME or b == 'bool'):
        return 'i64'
    if a == 'none':
        return b
    if b == 'none':
        return a
    raise TypeError(f'incompatible vector types {a} and {b}')


def _rebuild(values, dtype):
    code = DTYPES[dtype][0] if dtype in DTYPES else None
    if code is not None:
        try:
            return _array.array(code, values)
        except (TypeError, OverflowError):
            return list(values)
    return values


def _div(a, b):
    try:
        return a / b
    except ZeroDivisionError:
        # SQL (and GreptimeDB's Arrow kernels) give NULL, not an exception
        return None


def _floordiv(a, b):
    try:
        return a // b
    except ZeroDivisionError:
        return None


def _scalar_dtype(x):
    if isinstance(x, bool):
        return 'bool'
    if isinstance(x, int):
        return 'i64'
    if isinstance(x, float):
        return 'f64'
    if isinstance(x, str):
        return 'str'
    if x is None:
        return 'none'
    raise TypeError(f'unsupported operand type {type(x).__name__}')


def _result_dtype(a, b, kind):
    if kind == 'bool':
        return 'bool'
    if kind == 'float':
        return 'f64'
    if kind == 'logic':
        return 'bool' if a == 'bool' and b in ('bool', 'none') else _wider(a, b)
    if a == 'str' and b == 'str':
        return 'str'
    if a in _FLOAT or b in _FLOAT:
        return 'f64'
    if a == b and a in ('u64', 'i64'):
        return a
    # integer arithmetic widens to i64 so that small types do not overflow
    return 'i64' if a != 'none' or b != 'none' else 'none'


_FAST = {_div: _op.truediv, _floordiv: _op.floordiv}  # the plain operator for each NULL-safe one


def _binop(a, o, fn, kind, reflected=False):
    if isinstance(o, (list, tuple, _array.array)):
        o = vector(o)
    n = len(a._v)
    if isinstance(o, vector):
        if len(o._v) != n:
            raise ValueError(f'vectors of different lengths: {n} and {len(o._v)}')
        dt = _result_dtype(a.dtype, o.dtype, kind)
        x, y = (o._v, a._v) if reflected else (a._v, o._v)
        fast = not (a._nulls or o._nulls)

        def operands():
            return x, y
    else:
        dt = _result_dtype(a.dtype, _scalar_dtype(o), kind)
        if o is None:
            return vector._of([None] * n, dt, True)
        fast = not a._nulls

        def operands():
            return (_repeat(o, n), a._v) if reflected else (a._v, _repeat(o, n))
    if fast:
        # one C-level pass straight into an array; any surprise (x/0, an int
        # too large for the type, mixed types) falls back to the careful path
        code = DTYPES[dt][0]
        try:
            it = map(_FAST.get(fn, fn), *operands())
            return vector._of(_array.array(code, it) if code is not None else list(it), dt, False)
        except (ZeroDivisionError, TypeError, OverflowError):
            pass
    p, q = operands()
    out = [None if u is None or v is None else fn(u, v) for u, v in zip(p, q)]
    return vector._of(_rebuild(out, dt), dt)


def _unary(a, fn, dt):
    out = [None if p is None else fn(p) for p in a._v]
    return vector._of(_rebuild(out, dt), dt)


def _as_vector(x, what='argument'):
    if isinstance(x, vector):
        return x
    if isinstance(x, (list, tuple, _array.array, memoryview, range)):
        return vector(x)
    raise TypeError(f'{what}: expected a vector, got {type(x).__name__}')


def _vals(v):
    """The non-NULL values of a vector or iterable."""
    vv = v._v if isinstance(v, vector) else v
    if isinstance(v, vector) and not v._nulls:
        return vv
    return [x for x in vv if x is not None]


# ---------------------------------------------------------------------------
# math functions: element-wise on vectors, plain on scalars
# ---------------------------------------------------------------------------

def _math_fn(name, fn, out_dtype='f64'):
    def f(v):
        if isinstance(v, (vector, list, tuple, _array.array)):
            v = _as_vector(v)
            return _unary(v, fn, out_dtype if out_dtype else v.dtype)
        return fn(v)
    f.__name__ = name
    f.__doc__ = f'{name}(v): element-wise on a vector, or on a number.'
    return f


def _signum(x):
    return 1.0 if x > 0 else (-1.0 if x < 0 else 0.0)


def _ln(x):
    return _math.log(x) if x > 0 else (float('-inf') if x == 0 else float('nan'))


sqrt = _math_fn('sqrt', lambda x: _math.sqrt(x) if x >= 0 else float('nan'))
sin = _math_fn('sin', _math.sin)
cos = _math_fn('cos', _math.cos)
tan = _math_fn('tan', _math.tan)
asin = _math_fn('asin', lambda x: _math.asin(x) if -1 <= x <= 1 else float('nan'))
acos = _math_fn('acos', lambda x: _math.acos(x) if -1 <= x <= 1 else float('nan'))
atan = _math_fn('atan', _math.atan)
floor = _math_fn('floor', lambda x: float(_math.floor(x)))
ceil = _math_fn('ceil', lambda x: float(_math.ceil(x)))
trunc = _math_fn('trunc', lambda x: float(_math.trunc(x)))
signum = _math_fn('signum', _signum)
exp = _math_fn('exp', _math.exp)
ln = _math_fn('ln', _ln)
log2 = _math_fn('log2', lambda x: _ln(x) / _math.log(2))
log10 = _math_fn('log10', lambda x: _ln(x) / _math.log(10))
_vabs = _math_fn('abs', _builtins.abs, None)
_vround = _math_fn('round', lambda x: float(_builtins.round(x)))


def abs(v):
    """abs(v): element-wise absolute value of a vector, or builtins.abs."""
    return _vabs(v) if isinstance(v, vector) else _builtins.abs(v)


def round(v, ndigits=None):
    """round(v): element-wise rounding of a vector (to float), or builtins.round."""
    if isinstance(v, vector):
        return _vround(v) if ndigits is None else _unary(v, lambda x: _builtins.round(x, ndigits), 'f64')
    return _builtins.round(v) if ndigits is None else _builtins.round(v, ndigits)


def pow(v0, v1, mod=None):
    """pow(v0, v1): element-wise power when either side is a vector, else builtins.pow."""
    if isinstance(v0, vector) or isinstance(v1, vector):
        base = _as_vector(v0) if isinstance(v0, (vector, list, tuple)) else v0
        if not isinstance(base, vector):
            return _binop(_as_vector(v1), base, lambda a, b: float(a) ** b, 'float', True)
        return _binop(base, v1, lambda a, b: float(a) ** b, 'float')
    return _builtins.pow(v0, v1) if mod is None else _builtins.pow(v0, v1, mod)


def clip(v0, v1, v2):
    """clip(v, lo, hi): each element limited to [lo, hi] (scalars or vectors)."""
    v = _as_vector(v0)
    n = len(v)
    lo = v1._v if isinstance(v1, vector) else [v1] * n
    hi = v2._v if isinstance(v2, vector) else [v2] * n
    out = [None if x is None else _builtins.min(_builtins.max(x, a), b) for x, a, b in zip(v._v, lo, hi)]
    dt = _wider(v.dtype, _wider(_scalar_dtype(v1) if not isinstance(v1, vector) else v1.dtype,
                                _scalar_dtype(v2) if not isinstance(v2, vector) else v2.dtype))
    if dt in _FLOAT:
        out = [None if x is None else float(x) for x in out]
    return vector._of(_rebuild(out, dt), dt)


def diff(v0):
    """diff(v): differences of adjacent elements (length n-1), as numpy.diff."""
    v = _as_vector(v0)
    x = v._v
    out = [None if x[i] is None or x[i - 1] is None else x[i] - x[i - 1] for i in range(1, len(x))]
    dt = 'f64' if v.dtype in _FLOAT else 'i64'
    return vector._of(_rebuild(out, dt), dt)


def polyval(p, x):
    """polyval(p, x): the polynomial with coefficients p (highest first) at x (numpy.polyval)."""
    coeffs = list(_vals(p))

    def ev(t):
        acc = 0.0
        for c in coeffs:
            acc = acc * t + c
        return acc
    if isinstance(x, (vector, list, tuple)):
        return _unary(_as_vector(x), ev, 'f64')
    return ev(x)


def argmax(v0):
    """argmax(v): index of the largest (non-NULL) element."""
    best, idx = None, None
    for i, x in enumerate(_as_vector(v0)._v):
        if x is not None and (best is None or x > best):
            best, idx = x, i
    return idx


def argmin(v0):
    """argmin(v): index of the smallest (non-NULL) element."""
    best, idx = None, None
    for i, x in enumerate(_as_vector(v0)._v):
        if x is not None and (best is None or x < best):
            best, idx = x, i
    return idx


def percentile(v0, q):
    """percentile(v, q): the q-th percentile (0..100), linear interpolation as numpy.percentile."""
    xs = sorted(_vals(_as_vector(v0)))
    if not xs:
        return None
    q = float(q)
    if not 0 <= q <= 100:
        raise ValueError('percentile: q must be between 0 and 100')
    pos = (len(xs) - 1) * q / 100.0
    lo = int(_math.floor(pos))
    hi = _builtins.min(lo + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (pos - lo)


def _norm_cdf(x):
    return 0.5 * (1.0 + _math.erf(x / _math.sqrt(2.0)))


def _norm_pdf(x):
    return _math.exp(-0.5 * x * x) / _math.sqrt(2.0 * _math.pi)


def scipy_stats_norm_cdf(v0, v1=None):
    """scipy_stats_norm_cdf(x): standard normal CDF at x (vector or number)."""
    return _math_fn('scipy_stats_norm_cdf', _norm_cdf)(v0 if v1 is None else v0)


def scipy_stats_norm_pdf(v0, v1=None):
    """scipy_stats_norm_pdf(x): standard normal PDF at x (vector or number)."""
    return _math_fn('scipy_stats_norm_pdf', _norm_pdf)(v0 if v1 is None else v0)


def random(len):
    """random(n): a vector of n uniform floats in [0, 1)."""
    r = _random.random
    return vector._of(_array.array('d', (r() for _ in range(len))), 'f64', False)


# ---------------------------------------------------------------------------
# aggregates: NULLs skipped; builtins behaviour kept for non-vector calls
# ---------------------------------------------------------------------------

sum_ = _builtins.sum


def sum(v0, *rest):
    """sum(v): sum of the non-NULL values (builtins.sum for other iterables/start)."""
    if isinstance(v0, vector) and not rest:
        vals = _vals(v0)
        return _math.fsum(vals) if v0.dtype in _FLOAT else sum_(vals)
    return sum_(v0, *rest)


def count(v0):
    """count(v): number of non-NULL values."""
    v = _as_vector(v0)
    return len(v._v) if not v._nulls else sum_(1 for x in v._v if x is not None)


def mean(v0):
    """mean(v): arithmetic mean of the non-NULL values (None when empty)."""
    vals = _vals(_as_vector(v0))
    return _math.fsum(vals) / len(vals) if len(vals) else None


avg = mean


def max(*args, **kw):
    """max(v): largest non-NULL value of a vector; builtins.max otherwise."""
    if len(args) == 1 and isinstance(args[0], vector) and not kw:
        vals = _vals(args[0])
        return _builtins.max(vals) if len(vals) else None
    return _builtins.max(*args, **kw)


def min(*args, **kw):
    """min(v): smallest non-NULL value of a vector; builtins.min otherwise."""
    if len(args) == 1 and isinstance(args[0], vector) and not kw:
        vals = _vals(args[0])
        return _builtins.min(vals) if len(vals) else None
    return _builtins.min(*args, **kw)


def median(v0):
    """median(v): the median of the non-NULL values."""
    return percentile(v0, 50)


def approx_percentile_cont(values, percent):
    """approx_percentile_cont(v, p): the p-th (0..1) percentile (exact here)."""
    return percentile(values, float(percent) * 100.0)


def approx_distinct(v0):
    """approx_distinct(v): number of distinct non-NULL values (exact here)."""
    return len(set(_vals(_as_vector(v0))))


def array_agg(v0):
    """array_agg(v): the values as a Python list."""
    return list(_as_vector(v0)._v)


def _pairs(v0, v1):
    a, b = _as_vector(v0)._v, _as_vector(v1)._v
    if len(a) != len(b):
        raise ValueError(f'vectors of different lengths: {len(a)} and {len(b)}')
    return [(x, y) for x, y in zip(a, b) if x is not None and y is not None]


def _var(v0, ddof):
    vals = _vals(_as_vector(v0))
    n = len(vals)
    if n - ddof <= 0:
        return None
    m = _math.fsum(vals) / n
    return _math.fsum((x - m) ** 2 for x in vals) / (n - ddof)


def variance(v0):
    """variance(v): sample variance."""
    return _var(v0, 1)


def variance_pop(v0):
    """variance_pop(v): population variance."""
    return _var(v0, 0)


def stddev(v0):
    """stddev(v): sample standard deviation."""
    x = _var(v0, 1)
    return None if x is None else _math.sqrt(x)


def stddev_pop(v0):
    """stddev_pop(v): population standard deviation."""
    x = _var(v0, 0)
    return None if x is None else _math.sqrt(x)


def _cov(v0, v1, ddof):
    ps = _pairs(v0, v1)
    n = len(ps)
    if n - ddof <= 0:
        return None
    mx = _math.fsum(p[0] for p in ps) / n
    my = _math.fsum(p[1] for p in ps) / n
    return _math.fsum((x - mx) * (y - my) for x, y in ps) / (n - ddof)


def covariance(v0, v1):
    """covariance(a, b): sample covariance."""
    return _cov(v0, v1, 1)


def covariance_pop(v0, v1):
    """covariance_pop(a, b): population covariance."""
    return _cov(v0, v1, 0)


def correlation(v0, v1):
    """correlation(a, b): Pearson correlation coefficient."""
    c = _cov(v0, v1, 0)
    sa = _math.sqrt(_var(vector([p[0] for p in _pairs(v0, v1)]), 0) or 0.0)
    sb = _math.sqrt(_var(vector([p[1] for p in _pairs(v0, v1)]), 0) or 0.0)
    if c is None or sa == 0 or sb == 0:
        return None
    return c / (sa * sb)


# ---------------------------------------------------------------------------
# time-series helpers (GreptimeDB's prev/next/first/last/interval/datetime)
# ---------------------------------------------------------------------------

def prev(v0):
    """prev(v): v shifted right by one, NULL first (the previous row's value)."""
    v = _as_vector(v0)
    if not len(v):
        return v
    return vector._of(list([None] + list(v._v[:-1])), v.dtype, True)


def next(v0):
    """next(v): v shifted left by one, NULL last (the next row's value)."""
    v = _as_vector(v0)
    if not len(v):
        return v
    return vector._of(list(list(v._v[1:]) + [None]), v.dtype, True)


def first(v0):
    """first(v): a one-element vector with the first element (empty if v is)."""
    v = _as_vector(v0)
    return v[0:1]


def last(v0):
    """last(v): a one-element vector with the last element (empty if v is)."""
    v = _as_vector(v0)
    return v[len(v) - 1:] if len(v) else v


def interval(ts, arr, duration, func):
    """interval(ts, values, duration, func): splits `values` into windows of
    `duration` (in ts units) from min(ts) and applies `func` to each window's
    vector; returns a vector of one result per window."""
    t = _as_vector(ts, 'interval ts')
    a = _as_vector(arr, 'interval values')
    if len(t) != len(a):
        raise ValueError('interval: ts and values must have the same length')
    if duration <= 0:
        raise ValueError(f'interval: duration {duration} is not a positive number')
    tv = _vals(t)
    if not tv:
        return vector([], a.dtype)
    oldest, newest = _builtins.min(tv), _builtins.max(tv)
    out = []
    start = oldest
    while start < newest or start == oldest:
        end = start + duration
        mask = [x is not None and start <= x <= end for x in t._v]
        r = func(a.filter(mask))
        if isinstance(r, vector):
            if len(r) != 1:
                raise ValueError(f'interval: func must return one value per window, got {len(r)}')
            r = r[0]
        out.append(r)
        start = end
        if start >= newest:
            break
    return vector(out)


def datetime(text):
    """datetime('1d2h30m') -> seconds: a duration made of d/h/m/s parts."""
    factors = {'d': 86400, 'h': 3600, 'm': 60, 's': 1}
    total, num = 0, ''
    for ch in text.strip():
        if ch.isdigit():
            num += ch
        elif ch in factors:
            if not num:
                raise ValueError(f'datetime: expected a number before {ch!r} in {text!r}')
            total += int(num) * factors[ch]
            num = ''
        elif ch.isspace():
            continue
        else:
            raise ValueError(f'datetime: unknown time unit {ch!r} in {text!r}')
    if num:
        raise ValueError(f'datetime: number without a unit at the end of {text!r}')
    return total


# ---------------------------------------------------------------------------
# SQL from inside a script
# ---------------------------------------------------------------------------

# Set by the runner to a function (sql) -> list of (name, vector); runs on
# the server's query service in the script's database.
_sql_hook = None


class QueryError(RuntimeError):
    """SQL run from a script with query()/sql() failed on the server."""


class QueryResult(list):
    """The columns of a query result, in order; `r['name']` or `r.names`."""

    def __init__(self, names, columns):
        super().__init__(columns)
        self.names = list(names)

    def __getitem__(self, key):
        if isinstance(key, str):
            try:
                return list.__getitem__(self, self.names.index(key))
            except ValueError:
                raise KeyError(f'no column {key!r} in the query result (has: {", ".join(self.names)})') from None
        return list.__getitem__(self, key)


class QueryEngine:
    """What `query()` returns: `.sql(text)` runs SQL and returns its columns."""

    def sql(self, text):
        if _sql_hook is None:
            raise RuntimeError('query(): no query service is available to this script')
        names, cols = _sql_hook(str(text))
        return QueryResult(names, cols)


def query():
    """query().sql('SELECT ...') -> a list of column vectors."""
    return QueryEngine()


def sql(text):
    """sql('SELECT ...') -> a list of column vectors (same as query().sql)."""
    return QueryEngine().sql(text)


def dataframe(*args, **kwargs):
    raise NotImplementedError('dataframe() is not supported by Strata; use query().sql(...) instead')


col = lit = dataframe


# ---------------------------------------------------------------------------
# the decorator
# ---------------------------------------------------------------------------

def coprocessor(args=None, returns=None, sql=None, backend=None):
    """@coprocessor(args=[...], returns=[...], sql='...') / @copr: marks the
    script's entry point; the server reads the arguments from the source."""
    def wrap(fn):
        fn.__copr__ = {'args': list(args or []), 'returns': list(returns or []), 'sql': sql}
        return fn
    return wrap


copr = coprocessor

__all__ = [n for n in dir() if not n.startswith('_') and n not in ('sum_',)]
