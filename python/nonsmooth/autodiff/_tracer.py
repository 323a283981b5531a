"""Tracing: arrays that record the operations applied to them into a native graph.

A :class:`Tracer` stands for an array while a :func:`nonsmooth.function` is
traced. Every operation on it adds a node to the graph held by the Swift core;
shape errors are raised at that moment, naming the operation and the shapes.
The same primitives applied to plain arrays run eagerly: a one-operation
program is compiled (and cached) so that eager and traced values agree to the
last bit.
"""
from __future__ import annotations

import math
import numbers
import threading
from collections import OrderedDict

import numpy as np

from .. import _native
from .._validation import as_float_array
from ._precision import CODES, FLOAT64, computation_dtype


class Trace:
    """One graph being built: the native handle, the constants already added and
    the precision the program will run in (what ``Tracer.dtype`` reports)."""

    def __init__(self, dtype=FLOAT64):
        self.dtype = np.dtype(dtype)
        self.handle = _native.graph_create()
        self._scalars: dict[tuple, Tracer] = {}

    def _wrap(self, value) -> Tracer:
        node, shape = value
        return Tracer(self, node, shape)

    def input(self, shape) -> Tracer:
        return self._wrap(_native.graph_input(self.handle, tuple(shape)))

    def constant(self, value) -> Tracer:
        """A constant node for a Python number or a NumPy array (closed-over data)."""
        if isinstance(value, numbers.Real) and not isinstance(value, np.ndarray):
            x = float(value)
            key = (x, math.copysign(1.0, x))
            node = self._scalars.get(key)
            if node is None:
                if not math.isfinite(x):
                    raise ValueError(f"constant: must be finite, got {x}")
                node = self._scalars[key] = self._wrap(_native.graph_constant(self.handle, np.array(x)))
            return node
        array = as_float_array(value, "constant", allow_empty=True)
        return self._wrap(_native.graph_constant(self.handle, np.require(array, requirements="C")))

    def lift(self, value) -> Tracer:
        if isinstance(value, Tracer):
            if value._trace is not self:
                raise ValueError("cannot mix values traced by two different nonsmooth functions")
            return value
        return self.constant(value)

    def op(self, name: str, operands, ints=(), floats=()) -> Tracer:
        ids = [self.lift(x)._id for x in operands]
        return self._wrap(_native.graph_op(self.handle, name, ids, list(ints), list(floats)))

    def gather(self, x: Tracer, indices: np.ndarray, shape, label: str = "getitem") -> Tracer:
        indices = np.ascontiguousarray(indices, dtype=np.int64).ravel()
        return self._wrap(_native.graph_gather(self.handle, x._id, indices, tuple(shape), label))

    def compile(self, outputs):
        """(program handle, input shapes, output shapes) computing `outputs`."""
        return _native.program_create(self.handle, [self.lift(o)._id for o in outputs])


def find_trace(values) -> Trace | None:
    """The trace of the first Tracer among `values` (None when all are plain data)."""
    for v in values:
        if isinstance(v, Tracer):
            return v._trace
    return None


def _as_axes(axis, ndim: int, op: str) -> list[int] | None:
    if axis is None:
        return None
    axes = axis if isinstance(axis, (tuple, list)) else (axis,)
    out = []
    for a in axes:
        if isinstance(a, (bool, np.bool_)) or not isinstance(a, numbers.Integral):
            raise TypeError(f"{op}: axis must be an int, a tuple of ints or None, got {axis!r}")
        out.append(int(a))
    return out


def _shape_arg(shape) -> tuple[int, ...]:
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = shape[0]
    return tuple(int(d) for d in shape)


class Tracer:
    """An array being traced by :func:`nonsmooth.function`.

    Supports the arithmetic operators ``+ - * / ** @`` and unary minus,
    comparisons (giving masks for :func:`nonsmooth.where`), NumPy indexing with
    constant keys, ``.T``, ``reshape``, ``.shape``/``.ndim``/``.size`` and the
    reductions ``sum``/``mean``/``max``/``min``. NumPy's own functions work on
    it where a primitive has the same meaning (``np.sum``, ``np.exp``,
    ``np.maximum``, ``np.linalg.norm``, ``np.where``, ``A @ x`` with ``A`` a
    NumPy array, ...); any other raises a TypeError naming it. Its value is
    unknown while tracing, so Python control flow on it (``if x > 0``) is an
    error: write ``nonsmooth.where(x > 0, a, b)`` instead.

    Parameters
    ----------
    trace, node, shape
        The graph being built, the node's id and its shape. Tracers are made by
        :func:`nonsmooth.function` while it traces, never by hand.

    Examples
    --------
    >>> import numpy as np, nonsmooth as ns
    >>> @ns.function
    ... def f(x):
    ...     print(x)                     # runs once, while tracing
    ...     return np.sum(np.maximum(x, 0.0) ** 2) + ns.norm1(x)
    >>> float(f(np.array([1.0, -2.0])))
    Tracer(shape=(2,), node=0)
    4.0
    >>> f.grad(np.array([1.0, -2.0]))
    array([ 3., -1.])
    """

    __slots__ = ("_trace", "_id", "shape")
    __array_priority__ = 1000

    # NumPy's ufuncs (np.exp(x), A @ x, np.maximum(x, 0)) and functions (np.sum,
    # np.linalg.norm, np.where, ...) record the primitive of the same meaning;
    # the others raise a TypeError naming the function (see _numpy_api).
    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        from ._numpy_api import array_ufunc

        return array_ufunc(ufunc, method, inputs, kwargs)

    def __array_function__(self, func, types, args, kwargs):
        if not all(issubclass(t, (Tracer, np.ndarray)) for t in types):
            return NotImplemented
        from ._numpy_api import array_function

        return array_function(func, args, kwargs)

    def __init__(self, trace: Trace, node: int, shape):
        self._trace = trace
        self._id = node
        self.shape = tuple(shape)

    def __reduce__(self):
        raise TypeError("a nonsmooth Tracer exists only while a function is being traced: it cannot be pickled "
                        "or copied (pickle the nonsmooth.function instead; it is traced again where it is loaded)")

    # ---- array attributes ------------------------------------------------------
    @property
    def ndim(self) -> int:
        return len(self.shape)

    @property
    def size(self) -> int:
        return math.prod(self.shape)

    @property
    def dtype(self):
        return self._trace.dtype

    @property
    def T(self) -> Tracer:
        return self.transpose()

    def __len__(self) -> int:
        if not self.shape:
            raise TypeError("len() of a 0-d traced array")
        return self.shape[0]

    def __iter__(self):
        for i in range(len(self)):
            yield self[i]

    def __repr__(self) -> str:
        return f"Tracer(shape={self.shape}, node={self._id})"

    # ---- no concrete values while tracing -----------------------------------------
    def __bool__(self):
        raise TypeError(
            "the truth value of a traced array is unknown while tracing: Python `if`/`and`/`or` "
            "cannot branch on it; use nonsmooth.where(condition, x, y) (and nonsmooth.maximum/minimum) "
            "to write piecewise programs")

    def __float__(self):
        raise TypeError("a traced array has no concrete value while tracing; keep it as an array")

    __int__ = __index__ = __float__

    def __array__(self, dtype=None, copy=None):
        raise TypeError(
            "cannot convert a traced array to a NumPy array inside a @nonsmooth.function: "
            "use the nonsmooth functions (nonsmooth.exp, nonsmooth.sum, ...) instead of numpy's")

    def __setitem__(self, key, value):
        raise TypeError("traced arrays are immutable; build the new array with nonsmooth.where or concatenate")

    __hash__ = object.__hash__

    # ---- arithmetic ---------------------------------------------------------------
    def __add__(self, other):
        if _is_number(other):
            return self._trace.op("add_scalar", [self], floats=[float(other)])
        return self._trace.op("add", [self, other])

    def __radd__(self, other):
        if _is_number(other):
            return self._trace.op("add_scalar", [self], floats=[float(other)])
        return self._trace.op("add", [other, self])

    def __sub__(self, other):
        if _is_number(other):
            return self._trace.op("add_scalar", [self], floats=[-float(other)])
        return self._trace.op("subtract", [self, other])

    def __rsub__(self, other):
        if _is_number(other):
            return self._trace.op("add_scalar", [self._trace.op("negative", [self])], floats=[float(other)])
        return self._trace.op("subtract", [other, self])

    def __mul__(self, other):
        if _is_number(other):
            return self._trace.op("multiply_scalar", [self], floats=[float(other)])
        return self._trace.op("multiply", [self, other])

    def __rmul__(self, other):
        if _is_number(other):
            return self._trace.op("multiply_scalar", [self], floats=[float(other)])
        return self._trace.op("multiply", [other, self])

    def __truediv__(self, other):
        return self._trace.op("divide", [self, other])

    def __rtruediv__(self, other):
        return self._trace.op("divide", [other, self])

    def __pow__(self, other):
        if _is_number(other):
            return self._trace.op("power_scalar", [self], floats=[float(other)])
        return self._trace.op("power", [self, other])

    def __rpow__(self, other):
        return self._trace.op("power", [other, self])

    def __matmul__(self, other):
        return self._trace.op("matmul", [self, other])

    def __rmatmul__(self, other):
        return self._trace.op("matmul", [other, self])

    def __neg__(self):
        return self._trace.op("negative", [self])

    def __pos__(self):
        return self

    def __abs__(self):
        return self._trace.op("abs", [self])

    # ---- comparisons: masks of 1.0 / 0.0 ------------------------------------------------
    def __lt__(self, other):
        return self._trace.op("less", [self, other])

    def __le__(self, other):
        return self._trace.op("less_equal", [self, other])

    def __gt__(self, other):
        return self._trace.op("greater", [self, other])

    def __ge__(self, other):
        return self._trace.op("greater_equal", [self, other])

    def __eq__(self, other):
        return self._trace.op("equal", [self, other])

    def __ne__(self, other):
        return self._trace.op("not_equal", [self, other])

    # ---- structure -----------------------------------------------------------------
    def reshape(self, *shape) -> Tracer:
        shape = _shape_arg(shape)
        return self._trace.op("reshape", [self], ints=shape)

    def ravel(self) -> Tracer:
        return self.reshape(-1)

    flatten = ravel

    def transpose(self, *axes) -> Tracer:
        if len(axes) == 1 and (axes[0] is None or isinstance(axes[0], (tuple, list))):
            axes = tuple(axes[0] or ())
        return self._trace.op("transpose", [self], ints=[int(a) for a in axes])

    def __getitem__(self, key) -> Tracer:
        if isinstance(key, Tracer) or (isinstance(key, tuple) and any(isinstance(k, Tracer) for k in key)):
            raise TypeError("indices must be constants while tracing (a traced array cannot index another); "
                            "use nonsmooth.where for data-dependent selection")
        positions = np.arange(self.size, dtype=np.int64).reshape(self.shape)
        try:
            selected = positions[key]
        except (IndexError, TypeError, ValueError) as exc:
            raise type(exc)(f"getitem: {exc} (array of shape {self.shape})") from None
        selected = np.asarray(selected)
        if selected.shape == self.shape and np.array_equal(selected, positions):
            return self
        return self._trace.gather(self, selected, selected.shape, "getitem")

    # ---- reductions ------------------------------------------------------------------
    def _reduce(self, name, axis, keepdims):
        axes = _as_axes(axis, self.ndim, name)
        ints = [int(bool(keepdims)), -1] if axes is None else [int(bool(keepdims)), len(axes), *axes]
        return self._trace.op(name, [self], ints=ints)

    def sum(self, axis=None, keepdims: bool = False) -> Tracer:
        return self._reduce("sum", axis, keepdims)

    def mean(self, axis=None, keepdims: bool = False) -> Tracer:
        return self._reduce("mean", axis, keepdims)

    def max(self, axis=None, keepdims: bool = False) -> Tracer:
        return self._reduce("max", axis, keepdims)

    def min(self, axis=None, keepdims: bool = False) -> Tracer:
        return self._reduce("min", axis, keepdims)

    def dot(self, other) -> Tracer:
        return self @ other


def _is_number(x) -> bool:
    return isinstance(x, numbers.Real) and not isinstance(x, (np.ndarray, Tracer))


# ---- eager evaluation of primitives on plain arrays ---------------------------------------

_EAGER_CACHE_SIZE = 512
_eager_cache: OrderedDict = OrderedDict()
_eager_lock = threading.Lock()


def eager(key, build, operands, names):
    """Evaluates build(*tracers) at the plain `operands` through a cached
    native program (so eager values equal traced ones exactly)."""
    dtype = computation_dtype(operands)
    arrays = [as_float_array(x, name, allow_empty=True).astype(dtype, copy=False) for x, name in zip(operands, names)]
    full_key = (key, tuple(a.shape for a in arrays), dtype)
    with _eager_lock:
        compiled = _eager_cache.get(full_key)
        if compiled is not None:
            _eager_cache.move_to_end(full_key)
    if compiled is None:
        trace = Trace(dtype)
        out = build(*[trace.input(a.shape) for a in arrays])
        compiled = trace.compile([out])
        with _eager_lock:
            _eager_cache[full_key] = compiled
            if len(_eager_cache) > _EAGER_CACHE_SIZE:
                _eager_cache.popitem(last=False)
    handle, _, output_shapes = compiled
    result = np.empty(output_shapes[0], dtype)
    _native.program_evaluate(handle, None, CODES[dtype], arrays, [result])
    return result[()] if result.ndim == 0 else result
