"""Input checks shared by the public API: every problem is reported with the
argument's name, before anything reaches native code."""
from __future__ import annotations

import numbers

import numpy as np


def as_float_array(value, name: str, *, ndim: int | None = None, allow_empty: bool = False,
                   finite: bool = True) -> np.ndarray:
    """Return `value` as a float64 ndarray (no copy when it already is one).

    Integers and booleans are converted; complex, object, string and other
    dtypes raise TypeError. Arrays with NaN or infinity raise ValueError.
    """
    if type(value) is np.ndarray and value.dtype == np.float64 and value.size and not finite:
        if ndim is None or value.ndim == ndim:
            return value  # the common case, kept cheap for small arrays
        array = value
    elif isinstance(value, np.ndarray):
        array = value
    else:
        try:
            array = np.asarray(value)
        except Exception as exc:  # ragged lists, unconvertible objects
            raise TypeError(f"{name}: cannot be converted to a float array ({exc})") from None
    kind = array.dtype.kind
    if kind == "c":
        raise TypeError(f"{name}: complex arrays are not supported (dtype {array.dtype})")
    if kind not in "fiub":
        raise TypeError(f"{name}: expected a real numeric array, got dtype {array.dtype}")
    if array.dtype != np.float64:
        array = array.astype(np.float64)
    if ndim is not None and array.ndim != ndim:
        raise ValueError(f"{name}: expected a {ndim}-D array, got shape {array.shape}")
    if not allow_empty and array.size == 0:
        raise ValueError(f"{name}: is empty (shape {array.shape})")
    if finite and not np.isfinite(array).all():
        raise ValueError(f"{name}: contains NaN or infinity")
    return array


def as_scalar(value, name: str, *, low: float | None = None, high: float | None = None,
              low_open: bool = False, high_open: bool = False, finite: bool = True) -> float:
    """A real number within [low, high] (open ends where asked)."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        if isinstance(value, np.ndarray) and value.ndim == 0 and value.dtype.kind in "fiu":
            value = value.item()
        else:
            raise TypeError(f"{name}: expected a real number, got {type(value).__name__}")
    x = float(value)
    if np.isnan(x) or (finite and not np.isfinite(x)):
        raise ValueError(f"{name}: must be finite, got {x}")
    if low is not None and (x < low or (low_open and x == low)):
        raise ValueError(f"{name}: must be {'>' if low_open else '>='} {low}, got {x}")
    if high is not None and (x > high or (high_open and x == high)):
        raise ValueError(f"{name}: must be {'<' if high_open else '<='} {high}, got {x}")
    return x


def as_step(step) -> float:
    return as_scalar(step, "step", low=0.0, low_open=True)


def as_axis(axis, ndim: int, name: str = "axis") -> int | None:
    if axis is None:
        return None
    if isinstance(axis, (bool, np.bool_)) or not isinstance(axis, numbers.Integral):
        raise TypeError(f"{name}: expected an int or None, got {type(axis).__name__}")
    if not -ndim <= axis < ndim:
        raise ValueError(f"{name}: {axis} is out of range for an array with {ndim} dimension(s)")
    return int(axis) % ndim
