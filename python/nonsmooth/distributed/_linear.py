"""Distributed elastic net and Lasso: consensus ADMM over the rows on a Dask
cluster, certified by the duality gap of ``nonsmooth.ElasticNet``."""
from __future__ import annotations

import warnings

import numpy as np

from .. import _progress
from .._estimator import BaseEstimator, FeatureCheckMixin, RegressorMixin, check_is_fitted
from .._validation import as_float_array, as_int, as_scalar
from ..exceptions import ConvergenceWarning
from . import _admm
from ..linear_model._data import Design
from ._data import ChunkedData, _is_dask_collection, _to_dask_array, get_client


def _positive_int(value, name):
    return as_int(value, name, low=1)


def features_for(model, X):
    """X checked against a fitted model: a dask array, or a float NumPy array."""
    check_is_fitted(model)
    original = X  # a (dask) DataFrame's column names are checked against fit's
    X = _to_dask_array(X)
    if not _is_dask_collection(X):
        X = Design(X).matrix
    if X.ndim != 2:
        raise ValueError(f"X has {X.shape[-1]} features, but {type(model).__name__} "
                         f"is expecting {model.n_features_in_} features as input.")
    model._check_features(original, X.shape[1])
    return X


def linear_response(X, coef):
    """X @ coef for NumPy, scipy.sparse or a dask array (of dense or sparse chunks)."""
    if _is_dask_collection(X):
        return X.map_blocks(_matvec, coef, drop_axis=1, dtype=np.float64)
    return X @ coef


def _matvec(block, coef):
    return block @ coef


def _reporter(model):
    """The per-iteration hook: one progress line (``verbose``) and the user's callback."""
    return _progress.reporter(bool(model.verbose), model.callback, f"distributed.{type(model).__name__}", "gap",
                              unit="iteration")


def run_admm(model, problem, penalty, z0, rho, tol, max_iter, relaxation):
    """Consensus ADMM for `model` on `problem`; sets the fitted attributes
    (also on Ctrl-C, re-raised with ``.result = model``) and warns when the
    certificate was not reached. Closes the problem's actors and shards."""
    name = type(model).__name__
    report = _reporter(model)
    try:
        state = _admm.ADMMState(z0, problem.n_blocks, rho)
        model.n_shards_ = problem.n_shards
        try:
            result = _admm.consensus_admm(problem, penalty, state, tol=tol, max_iter=max_iter,
                                          relaxation=relaxation, report=report)
        except KeyboardInterrupt as interrupt:
            model._set_state(problem, state, None)
            warnings.warn(f"{name} interrupted; coef_ holds the last iterate (not certified)",
                          ConvergenceWarning, stacklevel=3)
            interrupt.result = model
            raise
        model._set_state(problem, state, result)
    finally:
        _progress.close(report)
        problem.close()
    if result["reason"] == "max_iter":
        warnings.warn(
            f"distributed.{name} did not converge in max_iter={max_iter} iterations: duality gap "
            f"{model.dual_gap_:.3e} > tolerance {model.gap_tolerance_:.3e}. Increase max_iter or loosen tol.",
            ConvergenceWarning, stacklevel=3)
    elif result["reason"] == "callback":
        warnings.warn(f"distributed.{name} stopped by its callback after {model.n_iter_} iterations with "
                      f"duality gap {model.dual_gap_:.3e}.", ConvergenceWarning, stacklevel=3)
    return model


def set_history(model, problem, state, result):
    """rho_, n_recoveries_ and the certificate's attributes (NaN when interrupted)."""
    model.rho_ = state.rho
    model.n_recoveries_ = problem.recoveries
    if result is None:
        model.dual_gap_ = model.gap_tolerance_ = np.nan
        model.n_iter_ = 0
        model.gap_history_ = np.empty((0, 2))
        model.residual_history_ = np.empty((0, 3))
        return
    model.dual_gap_ = float(result["gap"])
    model.gap_tolerance_ = float(result["tolerance"])
    model.n_iter_ = int(result["iterations"])
    history = [row for row in result["gaps"] if row[0] < model.n_iter_] + [(model.n_iter_, model.dual_gap_)]
    model.gap_history_ = np.array(history, dtype=float)
    model.residual_history_ = np.array(result["residuals"], dtype=float).reshape(-1, 3)


class ElasticNet(FeatureCheckMixin, RegressorMixin, BaseEstimator):
    """Elastic net fitted on a Dask cluster by consensus ADMM, certified by its
    duality gap exactly as :class:`nonsmooth.ElasticNet`.

    Minimizes, as :class:`sklearn.linear_model.ElasticNet` does,

    .. math:: \\frac{1}{2n}\\|y - X\\beta - b\\|^2 + \\alpha \\sum_j w_j
              \\Big(\\rho|\\beta_j| + \\frac{1-\\rho}{2}\\beta_j^2\\Big)

    with the rows split across the workers (Boyd et al., "Distributed
    optimization and statistical learning via the alternating direction method
    of multipliers", 2011, §7–8). Each worker reduces its rows, where they
    live, to the Gram matrix of its shard (or keeps the rows when the shard has
    fewer rows than features), factorizes it by Cholesky and keeps the factor
    in a Dask actor until ρ changes; the driver applies the penalty's prox
    (:func:`nonsmooth.prox.elastic_net`) and the dual updates. Only p-vectors
    cross the network per iteration. The duality gap is evaluated at every
    iteration from the shards' summaries and certified at the end by one
    map-reduce over the rows (the gap of coordinate descent, computed from the
    residual), so ``dual_gap_`` means what it means for ``nonsmooth.ElasticNet``.
    Once converged, the exact minimizer on the support of the solution with its
    signs fixed (one |S|×|S| system from the shards' Gram blocks) replaces it
    when its certified gap is smaller, which usually makes it exact to rounding.

    The fit runs on the active ``dask.distributed.Client``; when there is none,
    one is started on a new ``LocalCluster`` (``distributed.Client()``) and stays
    active for later fits. A worker lost during the fit is survived: its shard is
    recomputed from the Dask graph on another worker, the factorization rebuilt,
    and the iteration resumes from the driver's ADMM state.

    Parameters
    ----------
    alpha : float, default=1.0
        Overall penalty strength α > 0.
    l1_ratio : float, default=0.5
        ρ ∈ (0, 1]; 1 gives the Lasso.
    fit_intercept : bool, default=True
        Fit an unpenalized intercept (the data are centred at their weighted
        means, computed in the same pass that builds the shards).
    weights : array-like of shape (n_features,), default=None
        Non-negative per-feature penalty weights; 0 leaves a feature
        unpenalized (its dual constraint X_jᵀθ = 0 is enforced in the
        certificate by projecting the residual, as ``nonsmooth.ElasticNet``
        does; not together with ``positive=True``).
    positive : bool, default=False
        Constrain the coefficients to be non-negative.
    tol : float, default=1e-4
        Stop when the duality gap is at most ``tol * ||y_c||² / n`` (scikit-learn's rule).
    max_iter : int, default=1000
        Budget of ADMM iterations.
    rho : float or None, default=None
        Initial ADMM penalty ρ > 0; None uses the mean curvature of one shard's
        data fit, trace(XᵀX)/(n·p·N) for N shards. Residual balancing adapts it
        (each change refactorizes every shard).
    relaxation : float, default=1.6
        Over-relaxation a ∈ (0, 2) (1 is plain ADMM).
    warm_start : bool, default=False
        Start from the previous ``coef_``.
    persist : bool, default=True
        Keep the row chunks in the workers' memory for the fit (Dask spills them
        to disk beyond its memory limits). False recomputes them from their graph
        for the two passes over the rows (building the shards and the final
        certificate), so a data set larger than the cluster's memory streams.
    solver : {"auto", "gram", "consensus"}, default="auto"
        Where the ADMM x-updates run once the shards are built. ``"gram"``: the
        shards' Gram matrices (p×p each) are summed by a tree reduction and the
        iterations run on the driver, with no message per iteration (ADMM with
        N = 1 on the exact summed problem). ``"consensus"``: each shard's
        worker keeps its factorization and answers one x-update per iteration
        (consensus ADMM over the shards, the only choice when a shard has fewer
        rows than features). ``"auto"`` is ``"gram"`` when every shard is a
        Gram shard and p ≤ 4096, else ``"consensus"``. The certificate is the
        same: one pass over the rows.
    callback : callable, default=None
        ``callback(iteration, duality_gap)`` at every iteration; return False to stop.
    verbose : bool or int, default=False
        Show one updating progress line on stderr (iteration, duality gap).

    Attributes
    ----------
    coef_ : ndarray of shape (n_features,)
        The z-iterate, output of the penalty's prox: its zeros are exact.
    intercept_ : float
    dual_gap_ : float
        Duality gap of ``coef_`` from one pass over the rows (the certificate).
    gap_tolerance_ : float
        ``tol * ||y_c||² / n``.
    n_iter_ : int
        ADMM iterations.
    gap_history_ : ndarray of shape (k, 2)
        (iteration, duality gap at z) at every iteration, from the shards'
        summaries; the last row is ``(n_iter_, dual_gap_)``.
    residual_history_ : ndarray of shape (k, 3)
        (iteration, primal residual ‖x − z‖, dual residual ρ√N‖z⁺ − z‖) of
        every iteration (Boyd et al. §3.3, stacked over the shards).
    rho_ : float
        The final ADMM penalty.
    n_shards_ : int
        Number of shards (workers holding data).
    n_recoveries_ : int
        How many times lost workers' shards were rebuilt during the fit.
    n_features_in_ : int

    Examples
    --------
    >>> import dask.array as da
    >>> from dask.distributed import Client, LocalCluster
    >>> from nonsmooth.distributed import ElasticNet
    >>> client = Client(LocalCluster(n_workers=2, threads_per_worker=1))  # doctest: +SKIP
    >>> X = da.random.normal(size=(100_000, 50), chunks=(25_000, 50))     # doctest: +SKIP
    >>> y = X[:, 0] - 2 * X[:, 1] + da.random.normal(size=100_000, chunks=25_000)  # doctest: +SKIP
    >>> model = ElasticNet(alpha=0.1, l1_ratio=0.7).fit(X, y)              # doctest: +SKIP
    >>> model.dual_gap_ <= model.gap_tolerance_                            # doctest: +SKIP
    True
    """

    def __init__(self, alpha=1.0, *, l1_ratio=0.5, fit_intercept=True, weights=None, positive=False, tol=1e-4,
                 max_iter=1000, rho=None, relaxation=1.6, warm_start=False, persist=True, solver="auto",
                 callback=None, verbose=False):
        self.alpha = alpha
        self.l1_ratio = l1_ratio
        self.fit_intercept = fit_intercept
        self.weights = weights
        self.positive = positive
        self.tol = tol
        self.max_iter = max_iter
        self.rho = rho
        self.relaxation = relaxation
        self.warm_start = warm_start
        self.persist = persist
        self.solver = solver
        self.callback = callback
        self.verbose = verbose

    def _l1_ratio(self):
        return as_scalar(self.l1_ratio, "l1_ratio", low=0.0, high=1.0, low_open=True)

    def _settings(self, p):
        alpha = as_scalar(self.alpha, "alpha", low=0.0, low_open=True)
        tol = as_scalar(self.tol, "tol", low=0.0)
        max_iter = _positive_int(self.max_iter, "max_iter")
        rho = None if self.rho is None else as_scalar(self.rho, "rho", low=0.0, low_open=True)
        relaxation = as_scalar(self.relaxation, "relaxation", low=0.0, high=2.0, low_open=True, high_open=True)
        weights = None
        if self.weights is not None:
            weights = np.ascontiguousarray(as_float_array(self.weights, "weights").ravel())
            if weights.shape[0] != p:
                raise ValueError(f"weights: has {weights.shape[0]} entries but X has {p} features")
            if not (weights >= 0).all():
                raise ValueError("weights: must be non-negative (0 leaves a feature unpenalized)")
            if self.positive and (weights == 0).any():
                raise ValueError("weights: zero weights (unpenalized features) together with positive=True are "
                                 "not supported by nonsmooth.distributed")
        penalty = _admm.Penalty(alpha, self._l1_ratio(), weights, bool(self.positive), p)
        return penalty, tol, max_iter, rho, relaxation

    def fit(self, X, y, sample_weight=None):
        """Fit the model on the active Dask client.

        Parameters
        ----------
        X : dask.array.Array, dask.dataframe.DataFrame, array-like or scipy.sparse matrix of shape (n_samples, n_features)
            Row chunks of a dask array (dense, or scipy.sparse chunks) are the
            unit of work (they are merged per worker into one shard); NumPy and
            scipy.sparse input is split into one chunk per worker (CSR for
            sparse) and sent through the scheduler. A sparse chunk is reduced
            to its dense p×p Gram matrix without densifying its rows (or
            densified when it has fewer rows than columns).
        y : dask or array-like of shape (n_samples,)
        sample_weight : dask or array-like of shape (n_samples,), default=None
            Rescaled to sum to n_samples, as in scikit-learn.

        Returns
        -------
        self
        """
        client = get_client()
        data = ChunkedData(X, y, sample_weight, len(client.scheduler_info()["workers"]), type(self).__name__)
        p = data.n_features
        penalty, tol, max_iter, rho, relaxation = self._settings(p)
        solver = self.solver
        if solver not in ("auto", "gram", "consensus"):
            raise ValueError(f"solver: must be 'auto', 'gram' or 'consensus', got {solver!r}")
        if self.persist:
            data.persist(client)
        problem = _admm.DistributedProblem(client, data, bool(self.fit_intercept), solver)
        z0 = np.zeros(p)
        if self.warm_start and getattr(self, "coef_", None) is not None and np.shape(self.coef_) == (p,):
            z0[:] = self.coef_
        if rho is None:  # the mean curvature of one shard's data fit
            rho = float(problem.diag.sum()) / (problem.n * p * problem.n_blocks) or 1.0
        self._reset_features(X, p)
        return run_admm(self, problem, penalty, z0, rho, tol, max_iter, relaxation)

    def _set_state(self, problem, state, result):
        self.coef_ = state.z.copy()
        self.intercept_ = problem.intercept(self.coef_)
        set_history(self, problem, state, result)

    def predict(self, X):
        """X @ coef_ + intercept_: a dask array for dask input, NumPy otherwise."""
        return linear_response(features_for(self, X), self.coef_) + self.intercept_

    def score(self, X, y, sample_weight=None):
        """Coefficient of determination R² (computed on the cluster for dask input)."""
        pred = self.predict(X)
        if not _is_dask_collection(pred):
            return super().score(X, y, sample_weight)
        import dask.array as da

        y = _to_dask_array(y)
        w = 1.0 if sample_weight is None else _to_dask_array(sample_weight)
        ybar = da.sum(w * y) / da.sum(w * da.ones_like(y))
        residual, total = da.compute(da.sum(w * (y - pred) ** 2), da.sum(w * (y - ybar) ** 2))
        return float(1.0 - residual / total) if total > 0 else (1.0 if residual == 0 else 0.0)


class Lasso(ElasticNet):
    """Lasso fitted on a Dask cluster by consensus ADMM (:class:`ElasticNet`
    with ``l1_ratio=1``), certified by its duality gap exactly as
    :class:`nonsmooth.Lasso`:

    .. math:: \\frac{1}{2n}\\|y - X\\beta - b\\|^2 + \\alpha \\sum_j w_j |\\beta_j|

    Parameters
    ----------
    alpha : float, default=1.0
    fit_intercept, weights, positive, tol, max_iter, rho, relaxation, warm_start
        As for :class:`ElasticNet`.
    persist, solver, callback, verbose
        As for :class:`ElasticNet`.

    Attributes are those of :class:`ElasticNet`.

    Examples
    --------
    >>> import numpy as np
    >>> from nonsmooth.distributed import Lasso
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(2000, 20)); y = X[:, 0] - 2 * X[:, 3]
    >>> model = Lasso(alpha=0.1).fit(X, y)        # doctest: +SKIP
    >>> np.flatnonzero(model.coef_)               # doctest: +SKIP
    array([0, 3])
    """

    def __init__(self, alpha=1.0, *, fit_intercept=True, weights=None, positive=False, tol=1e-4, max_iter=1000,
                 rho=None, relaxation=1.6, warm_start=False, persist=True, solver="auto", callback=None,
                 verbose=False):
        self.alpha = alpha
        self.fit_intercept = fit_intercept
        self.weights = weights
        self.positive = positive
        self.tol = tol
        self.max_iter = max_iter
        self.rho = rho
        self.relaxation = relaxation
        self.warm_start = warm_start
        self.persist = persist
        self.solver = solver
        self.callback = callback
        self.verbose = verbose

    def _l1_ratio(self):
        return 1.0
