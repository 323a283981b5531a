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
    if not -ndim <= int(axis) < ndim:
        raise ValueError(f"{name}: {axis} is out of range for an array with {ndim} dimension(s)")
    return int(axis) % ndim


def is_sparse(value) -> bool:
    """Whether `value` is a SciPy sparse matrix or array (False without SciPy)."""
    try:
        import scipy.sparse as sp
    except ImportError:  # pragma: no cover
        return False
    return sp.issparse(value)


def as_csc(matrix, name: str):
    """A SciPy sparse matrix of any format as the native core reads it, never densified.

    Returns ``(csc, data, indices, indptr)``: ``csc`` is the matrix in canonical
    CSC format with float64 values — the input itself when it already is one,
    otherwise a converted copy (other formats converted, integer and boolean
    values cast, duplicate entries summed, indices sorted) — and its three
    arrays for the core: int32 row indices (SciPy's own for all but gigantic
    matrices, so no copy) and int64 column pointers.

    Raises TypeError for complex or non-numeric values, and ValueError naming
    `name` for a matrix that is not 2-D, NaN or infinite values, or a malformed
    structure met during the conversion. The core checks every index of the
    CSC arrays again before reading them (out-of-range or repeated rows raise
    ValueError naming `name` too).
    """
    kind = matrix.dtype.kind
    if kind == "c":
        raise TypeError(f"{name}: complex matrices are not supported (dtype {matrix.dtype})")
    if kind not in "fiub":
        raise TypeError(f"{name}: expected a real numeric sparse matrix, got dtype {matrix.dtype}")
    if matrix.ndim != 2:
        raise ValueError(f"{name}: expected a 2-D sparse matrix, got {matrix.ndim}-D")
    try:
        if matrix.format != "csc" and hasattr(matrix, "check_format"):
            # SciPy's conversions trust the indices of CSR/BSR input (out-of-range
            # entries crash them), so check the structure before converting.
            matrix.check_format(full_check=True)
        matrix = matrix.tocsc()
        matrix.check_format(full_check=False)  # the array lengths (O(1))
        if not matrix.has_canonical_format:
            # Canonicalizing trusts the structure as well; it costs O(nnz) anyway.
            matrix.check_format(full_check=True)
            matrix = matrix.copy()
            matrix.sum_duplicates()
    except ValueError as exc:
        raise ValueError(f"{name}: malformed sparse matrix ({exc})") from None
    if matrix.dtype != np.float64:
        matrix = matrix.astype(np.float64)
    if not np.isfinite(matrix.data).all():
        raise ValueError(f"{name}: contains NaN or infinity")
    return matrix, np.ascontiguousarray(matrix.data), _row_indices(matrix, name), \
        np.ascontiguousarray(matrix.indptr, dtype=np.int64)


def _row_indices(matrix, name: str) -> np.ndarray:
    """The row indices as the core reads them: int32 (SciPy's own type for all but
    gigantic matrices, passed without a copy). Wider indices are range-checked
    before they are narrowed, so an out-of-range entry is reported, never wrapped."""
    n = matrix.shape[0]
    if n > np.iinfo(np.int32).max:
        raise ValueError(f"{name}: sparse input supports at most 2**31 - 1 rows, got {n}")
    indices = matrix.indices
    if indices.dtype != np.int32 and indices.size:
        bad = np.flatnonzero((indices < 0) | (indices >= n))
        if bad.size:
            k = int(bad[0])
            raise ValueError(f"{name}: indices entry {k} is {int(indices[k])}, outside [0, {n})")
    return np.ascontiguousarray(indices, dtype=np.int32)
