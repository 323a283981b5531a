"""One model per target, each fitted as one Dask task."""
from __future__ import annotations

import numpy as np

from .._estimator import BaseEstimator, FeatureCheckMixin, RegressorMixin, check_is_fitted
from .._validation import as_float_array
from ..linear_model._data import Design
from ._data import _is_dask_collection, get_client
from ._tasks import run_tasks, scatter


def _fit_column(X, Y, sample_weight, estimator, j):
    return estimator.fit(X, Y[:, j], sample_weight=sample_weight) if sample_weight is not None \
        else estimator.fit(X, Y[:, j])


def _unfitted_copy(estimator):
    return type(estimator)(**estimator.get_params(deep=False))


class MultiOutputRegressor(FeatureCheckMixin, RegressorMixin, BaseEstimator):
    """One copy of a single-target regressor per column of Y, fitted as one
    Dask task each on the active client (scikit-learn's
    ``MultiOutputRegressor`` on a cluster).

    X, Y and the sample weights are sent to every worker once; each task fits an
    unfitted copy of ``estimator`` on one column and sends the fitted model back
    (its certificate included: ``dual_gap_`` of every target). Convergence
    warnings of the tasks are raised again on the driver.

    Parameters
    ----------
    estimator : estimator, default=None
        A single-target regressor of nonsmooth (or any picklable one with
        ``get_params``); None uses ``nonsmooth.Lasso()``.

    Attributes
    ----------
    estimators_ : list of estimators
        The fitted copy for each target, in column order.
    coef_ : ndarray of shape (n_targets, n_features)
        Stacked ``coef_`` of the estimators (when they have one).
    intercept_ : ndarray of shape (n_targets,)
    dual_gap_ : ndarray of shape (n_targets,)
        Each target's certificate (when the estimators have one).
    n_features_in_ : int

    Examples
    --------
    >>> import numpy as np, nonsmooth as ns
    >>> from nonsmooth.distributed import MultiOutputRegressor
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(300, 8)); Y = X[:, :3] @ rng.normal(size=(3, 4))
    >>> model = MultiOutputRegressor(ns.Lasso(alpha=0.01)).fit(X, Y)   # doctest: +SKIP
    >>> model.coef_.shape, model.predict(X).shape                      # doctest: +SKIP
    ((4, 8), (300, 4))
    """

    def __init__(self, estimator=None):
        self.estimator = estimator

    def fit(self, X, y, sample_weight=None):
        """Fit one copy of ``estimator`` per column of ``y``, as Dask tasks.

        Parameters
        ----------
        X : array-like or scipy.sparse matrix of shape (n_samples, n_features)
        y : array-like of shape (n_samples, n_targets)
        sample_weight : array-like of shape (n_samples,), default=None
            Passed to every fit.

        Returns
        -------
        self
        """
        from ..linear_model._coordinate_descent import Lasso

        if _is_dask_collection(X) or _is_dask_collection(y):
            raise TypeError("X: MultiOutputRegressor fits in-memory data as Dask tasks; for a data set larger "
                            "than one machine fit distributed.Lasso per target")
        estimator = Lasso() if self.estimator is None else self.estimator
        if not hasattr(estimator, "get_params") or not hasattr(estimator, "fit"):
            raise TypeError(f"estimator: expected a scikit-learn style regressor, got {estimator!r}")
        design = Design(X)
        n, p = design.shape
        if y is None:
            raise ValueError("MultiOutputRegressor requires y to be passed, but the target y is None")
        Y = as_float_array(y, "y")
        if Y.ndim != 2:
            raise ValueError(f"y: expected a 2-D array of shape (n_samples, n_targets), got shape {Y.shape}")
        if Y.shape[0] != n:
            raise ValueError(f"y: has {Y.shape[0]} samples but X has {n}")
        s = None if sample_weight is None else as_float_array(sample_weight, "sample_weight")
        client = get_client()
        shared = scatter(client, design.matrix, Y, s)
        try:
            self.estimators_ = run_tasks(client, _fit_column, shared,
                                         [(_unfitted_copy(estimator), j) for j in range(Y.shape[1])])
        finally:
            client.cancel([f for f in shared if f is not None])
        if all(hasattr(e, "coef_") for e in self.estimators_):
            self.coef_ = np.vstack([np.ravel(e.coef_) for e in self.estimators_])
        for name in ("intercept_", "dual_gap_"):
            if all(hasattr(e, name) for e in self.estimators_):
                setattr(self, name, np.array([np.ravel(getattr(e, name))[0] for e in self.estimators_], dtype=float))
        self._reset_features(X, p)
        return self

    def predict(self, X):
        """Each estimator's prediction, one column per target: shape (n_samples, n_targets)."""
        check_is_fitted(self, "estimators_")
        self._check_features(X, Design(X).shape[1])
        return np.column_stack([e.predict(X) for e in self.estimators_])
