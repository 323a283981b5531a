"""NumPy's own functions on traced arrays.

Inside a :func:`nonsmooth.function`, ``np.sum(x)``, ``np.maximum(x, 0)``,
``np.exp(x)``, ``np.linalg.norm(x, 1)`` or ``A @ x`` with ``A`` a NumPy array
reach :class:`Tracer` through NumPy's dispatch protocols (NEP 13
``__array_ufunc__`` and NEP 18 ``__array_function__``) and are recorded as the
nonsmooth primitive of the same meaning, with the same kink rules. A NumPy
function without such a primitive raises a TypeError naming it, instead of
NumPy's own confusing failure deep inside its implementation.
"""
from __future__ import annotations

from typing import Any, Callable

import numpy as np

from . import _primitives as P

_HINT = ("inside a @nonsmooth.function; write it with the nonsmooth primitives "
         "(listed in nonsmooth.autodiff.__all__)")

UFUNCS: dict[Any, Callable[..., Any]] = {
    np.add: P.add, np.subtract: P.subtract, np.multiply: P.multiply, np.divide: P.divide,
    np.negative: P.negative, np.positive: lambda x: x, np.power: P.power, np.square: P.square,
    np.reciprocal: P.reciprocal, np.sqrt: P.sqrt, np.exp: P.exp, np.log: P.log, np.log1p: P.log1p,
    np.sin: P.sin, np.cos: P.cos, np.tanh: P.tanh, np.absolute: P.abs, np.fabs: P.abs, np.sign: P.sign,
    np.maximum: P.maximum, np.minimum: P.minimum, np.floor: P.floor, np.rint: P.round, np.matmul: P.matmul,
    np.greater: P.greater, np.greater_equal: P.greater_equal, np.less: P.less, np.less_equal: P.less_equal,
    np.equal: P.equal, np.not_equal: P.not_equal,
}


def _no_extras(name: str, **given: Any) -> None:
    """Rejects NumPy keyword arguments that have no traced meaning (out=, where=, dtype=...)."""
    for key, value in given.items():
        if key == "dtype" and (value is None or np.dtype(value) == np.float64):
            continue
        if key in ("out", "where", "initial", "casting", "order", "subok", "kind") and value is None:
            continue
        if key == "where" and value is True:
            continue
        raise TypeError(f"numpy.{name}: the argument {key}= is not supported on traced arrays {_HINT}")


def array_ufunc(ufunc: Any, method: str, inputs: tuple, kwargs: dict) -> Any:
    name = getattr(ufunc, "__name__", str(ufunc))
    if method != "__call__":
        raise TypeError(f"numpy.{name}.{method} is not supported on traced arrays {_HINT} "
                        f"(e.g. nonsmooth.sum for numpy.add.reduce)")
    fn = UFUNCS.get(ufunc)
    if fn is None:
        raise TypeError(f"numpy.{name} is not supported on traced arrays {_HINT}")
    out = kwargs.pop("out", None)
    if out is not None and any(o is not None for o in (out if isinstance(out, tuple) else (out,))):
        raise TypeError(f"numpy.{name}: out= is not supported on traced arrays (they are immutable)")
    _no_extras(name, **kwargs)
    return fn(*inputs)


def _reduction(prim: Callable[..., Any], name: str) -> Callable[..., Any]:
    def reduce(a: Any, axis: Any = None, dtype: Any = None, out: Any = None, keepdims: bool = False,
               **rest: Any) -> Any:
        _no_extras(name, dtype=dtype, out=out, **rest)
        return prim(a, axis=axis, keepdims=keepdims)

    return reduce


def _max_like(prim: Callable[..., Any], name: str) -> Callable[..., Any]:
    def reduce(a: Any, axis: Any = None, out: Any = None, keepdims: bool = False, **rest: Any) -> Any:
        _no_extras(name, out=out, **rest)
        return prim(a, axis=axis, keepdims=keepdims)

    return reduce


def _norm(x: Any, ord: Any = None, axis: Any = None, keepdims: bool = False) -> Any:
    vector = axis is not None and not isinstance(axis, (tuple, list)) or np.ndim(x) == 1
    if ord in (None, 2, "fro") and (vector or ord != 2):
        return P.norm2(x, axis=axis, keepdims=keepdims)
    if vector and ord == 1:
        return P.norm1(x, axis=axis, keepdims=keepdims)
    if vector and ord == np.inf:
        return P.norm_inf(x, axis=axis, keepdims=keepdims)
    raise TypeError(f"numpy.linalg.norm: ord={ord!r} on {np.ndim(x)}-d input with axis={axis!r} is not "
                    f"supported on traced arrays {_HINT} (vector norms 1, 2, inf and the Frobenius norm are)")


def _clip(a: Any, a_min: Any = None, a_max: Any = None, out: Any = None, **rest: Any) -> Any:
    lo, hi = rest.pop("min", a_min), rest.pop("max", a_max)
    _no_extras("clip", out=out, **rest)
    return P.clip(a, -np.inf if lo is None else lo, np.inf if hi is None else hi)


def _sort(a: Any, axis: Any = -1, kind: Any = None, order: Any = None, **rest: Any) -> Any:
    _no_extras("sort", kind=kind, order=order, **rest)
    if axis is None:
        return P.sort(P.reshape(a, -1))
    return P.sort(a, axis)


def _reshape(a: Any, *args: Any, **kwargs: Any) -> Any:
    shape = args[0] if args else kwargs.pop("shape", kwargs.pop("newshape", None))
    _no_extras("reshape", **{k: v for k, v in kwargs.items() if k != "order" or v != "C"})
    return P.reshape(a, shape)


def _expand_dims(a: Any, axis: Any) -> Any:
    axes = axis if isinstance(axis, (tuple, list)) else (axis,)
    ndim = np.ndim(a) + len(axes)
    shape = list(np.shape(a))
    for ax in sorted(int(x) % ndim for x in axes):
        shape.insert(ax, 1)
    return P.reshape(a, tuple(shape))


def _squeeze(a: Any, axis: Any = None) -> Any:
    shape = np.shape(a)
    axes = range(len(shape)) if axis is None else [int(x) % len(shape) for x in np.atleast_1d(axis)]
    drop = {ax for ax in axes if shape[ax] == 1}
    if axis is not None and len(drop) != len(list(axes)):
        raise ValueError(f"numpy.squeeze: cannot select an axis to squeeze out which has size not equal to one "
                         f"(shape {shape}, axis {axis!r})")
    return P.reshape(a, tuple(d for i, d in enumerate(shape) if i not in drop))


def _dot(a: Any, b: Any, out: Any = None) -> Any:
    _no_extras("dot", out=out)
    if np.ndim(a) == 0 or np.ndim(b) == 0:
        return P.multiply(a, b)
    if np.ndim(a) > 2 or np.ndim(b) > 2:
        raise TypeError(f"numpy.dot: operands of more than 2 dimensions are not supported on traced arrays {_HINT}")
    return P.matmul(a, b)


def _joining(prim: Callable[..., Any], name: str) -> Callable[..., Any]:
    def join(arrays: Any, axis: int = 0, out: Any = None, **rest: Any) -> Any:
        _no_extras(name, out=out, **rest)
        return prim(arrays, axis)

    return join


def _like(fill: float) -> Callable[..., Any]:
    def like(a: Any, dtype: Any = None, order: Any = "K", subok: bool = True, shape: Any = None) -> np.ndarray:
        return np.full(np.shape(a) if shape is None else shape, fill, dtype=np.float64 if dtype is None else dtype)

    return like


FUNCTIONS: dict[Any, Callable[..., Any]] = {
    np.sum: _reduction(P.sum, "sum"), np.mean: _reduction(P.mean, "mean"),
    np.max: _max_like(P.max, "max"), np.min: _max_like(P.min, "min"),
    np.amax: _max_like(P.max, "amax"), np.amin: _max_like(P.min, "amin"),
    np.linalg.norm: _norm, np.clip: _clip, np.where: P.where, np.dot: _dot, np.sort: _sort,
    np.transpose: lambda a, axes=None: P.transpose(a, axes), np.reshape: _reshape,
    np.ravel: lambda a, order="C": P.reshape(a, -1), np.expand_dims: _expand_dims, np.squeeze: _squeeze,
    np.broadcast_to: lambda array, shape, subok=False: P.broadcast_to(array, shape),
    np.concatenate: _joining(P.concatenate, "concatenate"), np.stack: _joining(P.stack, "stack"),
    np.shape: lambda a: a.shape, np.ndim: lambda a: a.ndim, np.size: lambda a, axis=None: (
        a.size if axis is None else a.shape[axis]),
    np.zeros_like: _like(0.0), np.ones_like: _like(1.0),
}


def array_function(func: Any, args: tuple, kwargs: dict) -> Any:
    fn = FUNCTIONS.get(func)
    if fn is None:
        module = getattr(func, "__module__", "numpy") or "numpy"
        module = "numpy.linalg" if module.startswith("numpy.linalg") else "numpy"
        raise TypeError(f"{module}.{func.__name__} is not supported on traced arrays {_HINT}")
    return fn(*args, **kwargs)
