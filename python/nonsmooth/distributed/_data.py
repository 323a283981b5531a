"""The driver's view of the data: the active Dask client, inputs turned into
row-chunked dask arrays, and the per-chunk tasks that never bring rows back."""
from __future__ import annotations

import math
import numbers

import numpy as np

from .._validation import as_float_array, is_sparse
from ..linear_model._data import Design, as_target

_OWN_CLIENT = None


def get_client():
    """The active ``dask.distributed.Client``; without one, a ``Client()`` on a
    new ``LocalCluster`` (one worker process per core group), which then stays
    the active client for later fits.

    Returns
    -------
    distributed.Client

    Examples
    --------
    >>> from distributed import Client
    >>> from nonsmooth.distributed import get_client
    >>> with Client(processes=False, n_workers=1, dashboard_address=None) as client:
    ...     get_client() is client
    True
    """
    global _OWN_CLIENT
    from distributed import Client, default_client

    try:
        return default_client()
    except ValueError:
        if _OWN_CLIENT is None or _OWN_CLIENT.status in ("closed", "closing"):
            _OWN_CLIENT = Client()
        return _OWN_CLIENT


def _is_dask_collection(value):
    return hasattr(value, "__dask_graph__") and value.__dask_graph__() is not None


def _to_dask_array(value):
    """A dask DataFrame/Series becomes a dask array with known chunk lengths."""
    if hasattr(value, "to_dask_array"):
        return value.to_dask_array(lengths=True)
    return value


def _check_dtype(dtype, name):
    if dtype.kind == "c":
        raise TypeError(f"{name}: complex arrays are not supported (dtype {dtype})")
    if dtype.kind not in "fiub":
        raise TypeError(f"{name}: expected a real numeric array, got dtype {dtype}")


class ChunkedData:
    """X (n×p), y and sample weights as dask arrays with the same row chunks
    and one column chunk; `delayed()` gives one (X, y, s) triple per chunk."""

    def __init__(self, X, y, sample_weight, n_workers, estimator="This estimator"):
        import dask.array as da

        if X is None:
            raise ValueError("X: is None")
        self.estimator = estimator
        X = _to_dask_array(X)
        if _is_dask_collection(X):
            _check_dtype(X.dtype, "X")
            if X.ndim != 2:
                raise ValueError(f"X: expected a 2-D array, got shape {X.shape}")
            if any(math.isnan(c) for c in X.chunks[0]):
                X = X.compute_chunk_sizes()
            if X.numblocks[1] != 1:
                X = X.rechunk({1: -1})
        else:
            Xn = Design(X).matrix  # scikit-learn's messages for NumPy input
            rows = max(1, math.ceil(Xn.shape[0] / max(1, n_workers)))
            if is_sparse(Xn):  # row chunks of CSR matrices
                Xn = Xn.tocsr()
                X = da.from_array(Xn, chunks=(rows, Xn.shape[1]), asarray=False)
            else:
                X = da.from_array(Xn, chunks=(rows, Xn.shape[1]))
        if X.dtype != np.float64:
            X = X.astype(np.float64)
        n, p = X.shape
        if n == 0 or p == 0:
            raise ValueError(f"X: is empty (shape {X.shape})")
        self.X = X
        self.y = self._vector(y, "y", n)
        if sample_weight is not None and isinstance(sample_weight, numbers.Number):
            if not np.isfinite(sample_weight) or sample_weight <= 0:
                raise ValueError(f"sample_weight: a scalar weight must be positive and finite, got {sample_weight}")
            sample_weight = None  # constant weights are normalized away
        self.s = None if sample_weight is None else self._vector(sample_weight, "sample_weight", n)
        self.n_samples, self.n_features = n, p

    def _vector(self, value, name, n):
        import dask.array as da

        if value is None and name == "y":
            raise ValueError(f"{self.estimator} requires y to be passed, but the target y is None")
        value = _to_dask_array(value)
        if _is_dask_collection(value):
            _check_dtype(value.dtype, name)
            if value.ndim == 2 and value.shape[1] == 1:
                value = value[:, 0]
            if value.ndim != 1:
                raise ValueError(f"{name}: expected a 1-D array, got shape {value.shape}")
            if any(math.isnan(c) for c in value.chunks[0]):
                value = value.compute_chunk_sizes()
        else:
            v = as_target(value, n, name, self.estimator) if name == "y" else as_float_array(value, name)
            if v.ndim != 1:
                raise ValueError(f"{name}: expected a 1-D array, got shape {v.shape}")
            value = da.from_array(v, chunks=v.shape[0])
        if value.shape[0] != n:
            raise ValueError(f"{name}: has {value.shape[0]} entries but X has {n} samples")
        if value.chunks[0] != self.X.chunks[0]:
            value = value.rechunk((self.X.chunks[0],))
        return value.astype(np.float64) if value.dtype != np.float64 else value

    def persist(self, client):
        from distributed import wait

        parts = [self.X, self.y] + ([self.s] if self.s is not None else [])
        parts = client.persist(parts)
        wait(parts)
        self.X, self.y = parts[0], parts[1]
        if self.s is not None:
            self.s = parts[2]

    def delayed(self):
        xs = self.X.to_delayed().ravel()
        ys = self.y.to_delayed().ravel()
        ss = self.s.to_delayed().ravel() if self.s is not None else [None] * len(xs)
        return list(zip(xs, ys, ss))

    @property
    def rows_per_chunk(self):
        return self.X.chunks[0]
