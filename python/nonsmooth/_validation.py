"""Input checks shared by the public API: every problem is reported with the
argument's name, before anything reaches native code."""
from __future__ import annotations

import math
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


# The scalar validators: every public function and estimator checks its numbers
# here, so a bad value gives the same kind of error everywhere (TypeError for the
# wrong type, ValueError naming the argument for a value out of range).

INT64_MAX = 2**63 - 1


class ParameterTypeError(TypeError, ValueError):
    """A parameter of the wrong type. Both a TypeError and a ValueError, as
    scikit-learn's InvalidParameterError is, so that code catching either (and
    scikit-learn's own checks) sees it."""


def as_scalar(value, name: str, *, low: float | None = None, high: float | None = None,
              low_open: bool = False, high_open: bool = False, finite: bool = True) -> float:
    """A real number within [low, high] (open ends where asked)."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        if isinstance(value, np.ndarray) and value.ndim == 0 and value.dtype.kind in "fiu":
            value = value.item()
        else:
            raise ParameterTypeError(f"{name}: expected a real number, got {type(value).__name__}")
    try:
        x = float(value)
    except OverflowError:  # a Python int or Fraction beyond the float range
        x = math.inf if value > 0 else -math.inf
    if np.isnan(x) or (finite and not np.isfinite(x)):
        raise ValueError(f"{name}: must be finite, got {x}")
    if low is not None and (x < low or (low_open and x == low)):
        raise ValueError(f"{name}: must be {'>' if low_open else '>='} {low}, got {x}")
    if high is not None and (x > high or (high_open and x == high)):
        raise ValueError(f"{name}: must be {'<' if high_open else '<='} {high}, got {x}")
    return x


def as_int(value, name: str, *, low: int | None = None, high: int | None = INT64_MAX) -> int:
    """An integer within [low, high] (by default at most what int64 holds, since
    counts cross the C ABI as int64). Booleans and floats, even integral ones,
    raise ParameterTypeError (a TypeError and a ValueError); NumPy integers are
    accepted."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        if isinstance(value, np.ndarray) and value.ndim == 0 and value.dtype.kind in "iu":
            value = value.item()
        else:
            raise ParameterTypeError(f"{name}: expected an int, got {type(value).__name__}")
    n = int(value)
    if (low is not None and n < low) or (high is not None and n > high):
        bounds = " and ".join(b for b in (low is not None and f">= {low}", high is not None and f"<= {high}") if b)
        raise ValueError(f"{name}: must be {bounds}, got {n}")
    return n


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
    structure (every index array is checked against the shape before SciPy
    converts the matrix; the core checks the CSC arrays again before reading
    them).
    """
    kind = matrix.dtype.kind
    if kind == "c":
        raise TypeError(f"{name}: complex matrices are not supported (dtype {matrix.dtype})")
    if kind not in "fiub":
        raise TypeError(f"{name}: expected a real numeric sparse matrix, got dtype {matrix.dtype}")
    if matrix.ndim != 2:
        raise ValueError(f"{name}: expected a 2-D sparse matrix, got {matrix.ndim}-D")
    try:
        # SciPy's conversions and operations trust the index arrays of their
        # input (an out-of-range entry crashes them or wraps around), and the
        # estimators use SciPy on X (means, row subsets), so check first:
        # 0.6 ms per 10⁶ stored entries.
        matrix = _checked_structure(matrix)
        matrix = matrix.tocsc()
        if not matrix.has_canonical_format:
            matrix = matrix.copy()
            matrix.sum_duplicates()
    except ValueError as exc:
        raise ValueError(f"{name}: malformed sparse matrix ({exc})") from None
    except TypeError as exc:
        raise TypeError(f"{name}: {exc}") from None
    if matrix.dtype != np.float64:
        matrix = matrix.astype(np.float64)
    if not np.isfinite(matrix.data).all():
        raise ValueError(f"{name}: contains NaN or infinity")
    return matrix, np.ascontiguousarray(matrix.data), _row_indices(matrix, name), \
        np.ascontiguousarray(matrix.indptr, dtype=np.int64)


def _checked_structure(matrix):
    """`matrix` (any SciPy format) with every index checked against its shape, so
    that converting it cannot read or write out of bounds: CSC/CSR/BSR by SciPy's
    full check, COO, LIL and DIA here; DOK is first turned into COO (built from
    its keys). Raises ValueError (TypeError for an unknown format)."""
    if matrix.format == "dok":
        matrix = matrix.tocoo()
    n, p = matrix.shape
    if matrix.format in ("csc", "csr", "bsr"):
        # SciPy's full check does not reject a decreasing indptr ([0, 2, 0]),
        # which makes its own conversions read out of bounds.
        indptr = np.asarray(matrix.indptr)
        if indptr.ndim != 1 or indptr.size == 0 or indptr[0] != 0 or np.any(np.diff(indptr) < 0):
            raise ValueError("indptr must start at 0 and never decrease")
        matrix.check_format(full_check=True)
    elif matrix.format == "coo":
        row, col = matrix.row, matrix.col
        if not (row.ndim == col.ndim == 1 and row.shape == col.shape == matrix.data.shape):
            raise ValueError("row, col and data differ in length")
        _check_index_range(row, n, "row index")
        _check_index_range(col, p, "col index")
    elif matrix.format == "lil":
        rows, data = matrix.rows, matrix.data
        if rows.shape != (n,) or data.shape != (n,) or any(len(r) != len(d) for r, d in zip(rows, data)):
            raise ValueError("LIL rows and data differ in shape")
        columns = [c for r in rows for c in r]
        for k, c in enumerate(columns):
            if isinstance(c, (bool, np.bool_)) or not isinstance(c, numbers.Integral) or not 0 <= c < p:
                raise ValueError(f"LIL column index {k} is {c!r}, not an integer in [0, {p})")
    elif matrix.format == "dia":
        data, offsets = matrix.data, matrix.offsets
        if data.ndim != 2 or offsets.ndim != 1 or offsets.shape[0] != data.shape[0] \
                or (offsets.size and offsets.dtype.kind not in "iu"):
            raise ValueError("DIA data must be 2-D with one row per offset")
    else:
        raise TypeError(f"unsupported sparse format {matrix.format!r}")
    return matrix


def _check_index_range(indices: np.ndarray, size: int, label: str) -> None:
    """ValueError "<label> k is i, outside [0, size)" for the first bad entry."""
    if not indices.size:
        return
    if indices.dtype.kind not in "iu":
        raise ValueError(f"{label}s must be integers, got dtype {indices.dtype}")
    bad = np.flatnonzero((indices < 0) | (indices >= size))
    if bad.size:
        k = int(bad[0])
        raise ValueError(f"{label} {k} is {int(indices[k])}, outside [0, {size})")


def _row_indices(matrix, name: str) -> np.ndarray:
    """The row indices as the core reads them: int32 (SciPy's own type for all but
    gigantic matrices, passed without a copy). Wider indices were range-checked
    with the structure, so narrowing them cannot wrap."""
    n = matrix.shape[0]
    if n > np.iinfo(np.int32).max:
        raise ValueError(f"{name}: sparse input supports at most 2**31 - 1 rows, got {n}")
    return np.ascontiguousarray(matrix.indices, dtype=np.int32)
