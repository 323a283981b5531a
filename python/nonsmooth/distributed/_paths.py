"""Regularization paths on a Dask cluster: the α grid cut into contiguous
segments, each solved as one Dask task by the single-machine path (warm starts
along its segment) on data scattered to every worker once."""
from __future__ import annotations

import numpy as np

from .. import _progress
from .._validation import as_float_array, as_int
from ..linear_model._coordinate_descent import ElasticNet as _LocalElasticNet
from ..linear_model._coordinate_descent import _Problem, _check_weights, alpha_grid, lasso_arguments
from ..linear_model._coordinate_descent import enet_path as _local_enet_path
from ..linear_model._data import Design, as_target
from ._data import _is_dask_collection, get_client
from ._tasks import run_tasks, scatter


def _segment(X, y, alphas, kwargs):
    return _local_enet_path(X, y, alphas=alphas, return_n_iter=True, **kwargs)


def enet_path(X, y, *, l1_ratio=0.5, eps=1e-3, n_alphas=100, alphas=None, fit_intercept=False, weights=None,
              positive=False, tol=1e-4, max_iter=1000, precompute="auto", return_n_iter=False, verbose=False,
              n_segments=None):
    """:func:`nonsmooth.enet_path` with the α grid split across the Dask cluster.

    The grid (sorted decreasingly) is cut into ``n_segments`` contiguous
    segments; each is one Dask task running the single-machine path on it, warm
    started from one α to the next within the segment (the first α of a segment
    starts from 0). X and y are sent to every worker once. Every solution is
    certified by its own duality gap exactly as on one machine, so the result
    agrees with :func:`nonsmooth.enet_path` to the tolerance (the warm starts
    differ only at the segments' first α). Convergence warnings raised on the
    workers are raised again here.

    Parameters
    ----------
    X : array-like or scipy.sparse matrix of shape (n_samples, n_features)
        In-memory data (each task holds all of it). For a data set larger than
        one machine, fit :class:`Lasso` / :class:`ElasticNet` per α instead.
    y : array-like of shape (n_samples,)
    l1_ratio, eps, n_alphas, alphas, fit_intercept, weights, positive, tol, max_iter, precompute, return_n_iter
        As for :func:`nonsmooth.enet_path`.
    verbose : bool, default=False
        One progress line on stderr, advanced as segments finish.
    n_segments : int, default=None
        Number of tasks; None uses one per worker thread of the active client
        (at most one per α).

    Returns
    -------
    alphas, coefs, dual_gaps[, n_iters]
        As for :func:`nonsmooth.enet_path`, in the same order.

    Examples
    --------
    >>> import numpy as np
    >>> from nonsmooth.distributed import enet_path
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(200, 30)); y = X[:, :3].sum(axis=1)
    >>> alphas, coefs, gaps = enet_path(X, y, l1_ratio=0.7, n_alphas=20)   # doctest: +SKIP
    >>> coefs.shape                                                        # doctest: +SKIP
    (30, 20)
    """
    if _is_dask_collection(X) or _is_dask_collection(y):
        raise TypeError("X: nonsmooth.distributed.enet_path runs the path of in-memory data as Dask tasks; "
                        "compute the dask array first, or fit distributed.ElasticNet per alpha")
    design = Design(X)
    Xm = design.matrix
    ym = as_target(y, design.shape[0], estimator="enet_path")
    kwargs = dict(l1_ratio=l1_ratio, fit_intercept=fit_intercept, weights=weights, positive=positive, tol=tol,
                  max_iter=max_iter, precompute=precompute)
    if alphas is None:
        # The local path's own grid (l1_ratio and weights validated as there).
        ratio = _LocalElasticNet(l1_ratio=l1_ratio)._l1_ratio()
        grid_max = _Problem(Xm, ym, None, bool(fit_intercept)).alpha_max(
            ratio, _check_weights(weights, design.shape[1]), bool(positive))
        alphas = alpha_grid(grid_max, eps, n_alphas)
    else:
        alphas = np.sort(as_float_array(alphas, "alphas").ravel())[::-1]
        if (alphas < 0).any():
            raise ValueError("alphas: must be non-negative")
    client = get_client()
    if n_segments is None:
        n_segments = sum(client.nthreads().values())
    n_segments = min(as_int(n_segments, "n_segments", low=1), max(alphas.size, 1))
    segments = [s for s in np.array_split(alphas, n_segments) if s.size]
    shared = scatter(client, Xm, ym)
    bar = _progress.Progress("distributed.enet_path", len(segments), unit="segment") if verbose else None
    try:
        parts = run_tasks(client, _segment, shared, [(s, kwargs) for s in segments],
                          on_interrupt=lambda done: _assemble([done[i] for i in sorted(done)], return_n_iter),
                          progress=None if bar is None else (lambda k: bar.update(k)))
    finally:
        client.cancel([f for f in shared if f is not None])
        if bar is not None:
            bar.close()
    return _assemble(parts, return_n_iter)


def _assemble(parts, return_n_iter):
    """The segments' (alphas, coefs, gaps, n_iters) as one path."""
    if not parts:
        out = (np.empty(0), np.empty((0, 0)), np.empty(0))
        return out + ([],) if return_n_iter else out
    out = (np.concatenate([q[0] for q in parts]), np.hstack([q[1] for q in parts]),
           np.concatenate([q[2] for q in parts]))
    return out + ([k for q in parts for k in q[3]],) if return_n_iter else out


def lasso_path(X, y, **kwargs):
    """:func:`nonsmooth.lasso_path` with the α grid split across the Dask
    cluster: :func:`enet_path` with ``l1_ratio=1``.

    Parameters
    ----------
    X, y
        As for :func:`enet_path`.
    **kwargs
        The keyword arguments of :func:`enet_path` but ``l1_ratio``.

    Returns
    -------
    alphas, coefs, dual_gaps[, n_iters]

    Examples
    --------
    >>> import numpy as np
    >>> from nonsmooth.distributed import lasso_path
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(200, 30)); y = X[:, :3].sum(axis=1)
    >>> alphas, coefs, gaps = lasso_path(X, y, n_alphas=20)   # doctest: +SKIP
    >>> (coefs[:, 0] == 0).all()                              # doctest: +SKIP
    True
    """
    return enet_path(X, y, **lasso_arguments(kwargs))
