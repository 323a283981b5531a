"""Validation and layout of design matrices for the native solvers."""
from __future__ import annotations

import warnings

import numpy as np

from .._validation import as_csc, as_float_array, is_sparse

try:
    from sklearn.exceptions import DataConversionWarning
except ImportError:  # pragma: no cover
    class DataConversionWarning(UserWarning):  # type: ignore[no-redef]
        """Input data was converted (e.g. a column vector raveled)."""


def _numeric(X, name):
    """scikit-learn's conventions for estimator input: complex data is a
    ValueError, object arrays of numbers are converted."""
    X = np.asarray(X) if not isinstance(X, np.ndarray) else X
    if X.dtype.kind == "c":
        raise ValueError(f"{name}: Complex data not supported")
    if X.dtype.kind == "O":
        X = X.astype(np.float64)
    return X


def as_target(y, n: int, name: str = "y", estimator: str = "This estimator") -> np.ndarray:
    if y is None:
        raise ValueError(f"{estimator} requires y to be passed, but the target y is None")
    y = _numeric(y, name)
    if y.ndim == 2 and y.shape[1] == 1:
        warnings.warn("A column-vector y was passed when a 1d array was expected. Please change the shape "
                      "of y to (n_samples,), for example using ravel().", DataConversionWarning, stacklevel=4)
        y = y[:, 0]
    y = as_float_array(y, name, allow_empty=True)
    if y.ndim != 1:
        raise ValueError(f"{name}: expected a 1-D array, got shape {y.shape}")
    if y.shape[0] != n:
        raise ValueError(f"{name}: has {y.shape[0]} samples but X has {n}")
    return np.ascontiguousarray(y)


class Design:
    """X ready for the native core: a dense float64 array (any memory order; the
    core reads Fortran and C order in place) or CSC arrays with int32 row
    indices (never densified).

    ``check_finite=False`` leaves the NaN/infinity check of a dense X to the
    core, which makes it in the pass that computes the column norms (NumPy's
    check builds an n×p boolean array); only for arrays passed to a solver that
    does so (the coordinate-descent fits).
    """

    def __init__(self, X, name: str = "X", check_finite: bool = True):
        self.sparse = is_sparse(X)
        if self.sparse:
            if X.dtype.kind == "c":
                raise ValueError(f"{name}: Complex data not supported")  # scikit-learn's error for estimators
            self.matrix, self.data, self.indices, self.indptr = as_csc(X, name)
        else:
            X = _numeric(X, name)
            X = as_float_array(X, name, allow_empty=True, finite=check_finite)
            if X.ndim != 2:
                raise ValueError(f"{name}: expected a 2-D array, got shape {X.shape}. Reshape your data "
                                 "with X.reshape(-1, 1) for a single feature or X.reshape(1, -1) for a "
                                 "single sample.")
            self.matrix = X
        self.shape = self.matrix.shape
        n, p = self.shape
        if n < 1:
            raise ValueError(f"{name}: found array with 0 sample(s) (shape={self.shape}) "
                             "while a minimum of 1 is required.")
        if p < 1:
            raise ValueError(f"{name}: found array with 0 feature(s) (shape={self.shape}) "
                             "while a minimum of 1 is required.")

    def matvec(self, coef):
        return np.asarray(self.matrix @ coef).ravel()
