"""Multi-task linear regression with the ℓ2,1 row penalty (MultiTaskLasso,
MultiTaskElasticNet): block coordinate descent over the rows of the
coefficient matrix in Swift (``_native.multitask_fit`` → ``ns_multitask_fit``),
every fit certified by its duality gap."""
from __future__ import annotations

import numpy as np

from .. import _native, _progress
from .._estimator import BaseEstimator, FeatureCheckMixin, RegressorMixin
from .._validation import as_float_array, as_scalar
from ._coordinate_descent import _check_sample_weight
from ._data import Design, _numeric
from ._glm import GLMFit, check_features, check_tol_max_iter, fitted_on_interrupt, reporter, warn_if_not_converged

_FIT_INTERCEPT, _WARM_START = 1, 4


def as_targets(Y, n: int, estimator: str) -> np.ndarray:
    """Y as a C-contiguous float64 (n, T) array; 1-D Y is refused as scikit-learn does."""
    if Y is None:
        raise ValueError(f"{estimator} requires y to be passed, but the target y is None")
    Y = as_float_array(_numeric(Y, "y"), "y", allow_empty=True)
    if Y.ndim == 1:
        single = "ElasticNet" if "ElasticNet" in estimator else "Lasso"
        raise ValueError(f"y: {estimator} needs a 2-D y of shape (n_samples, n_tasks); "
                         f"for mono-task outputs, use {single}")
    if Y.ndim != 2:
        raise ValueError(f"y: expected a 2-D array, got shape {Y.shape}")
    if Y.shape[0] != n:
        raise ValueError(f"y: has {Y.shape[0]} samples but X has {n}")
    if Y.shape[1] < 1:
        raise ValueError("y: must have at least one task (column)")
    return np.ascontiguousarray(Y)


def solve_multitask(design: Design, Y, alpha, l1_ratio, *, sample_weight=None, fit_intercept=True, tol=1e-6,
                    max_iter=1000, coef=None, callback=None, every=10):
    """Runs the native solver once; coef (p, T), when given, is the warm start.

    Returns (W of shape (p, T), intercept of shape (T,), GLMFit). Never warns.
    """
    n, p = design.shape
    T = Y.shape[1]
    warm = coef is not None
    W = np.ascontiguousarray(coef, dtype=float).copy() if warm else np.zeros((p, T))
    intercept = np.zeros(T)
    flags = (_FIT_INTERCEPT if fit_intercept else 0) | (_WARM_START if warm else 0)
    X, shape = (design.matrix, None) if not design.sparse else ((design.data, design.indices, design.indptr), (n, p))
    history = np.empty((min(int(max_iter), 100_000) + 2, 2))

    def unpack(out):
        status, cert, kkt, obj, dual, n_iter, kind, _, rows = out
        return W, intercept, GLMFit(status, cert, kkt, obj, dual, n_iter, kind, history[:rows].copy())

    try:
        out = _native.multitask_fit(X, shape, Y, W, intercept, alpha=float(alpha), l1_ratio=float(l1_ratio),
                                    sample_weight=sample_weight, tol=float(tol), max_iter=int(max_iter),
                                    flags=flags, history=history, callback=callback, every=every)
    except BaseException as exc:  # interrupted: the last iterate, unpacked the same way
        if hasattr(exc, "native_state"):
            exc.native_state = unpack(exc.native_state)
        raise
    return unpack(out)


def multitask_tol_scale(Y, s, fit_intercept):
    """scikit-learn's gap scaling: Σᵢ sᵢ‖Yᵢ − Ȳ‖² / Σᵢ sᵢ (Ȳ = 0 without intercept)."""
    w = np.ones(Y.shape[0]) if s is None else s
    centre = np.average(Y, axis=0, weights=w) if fit_intercept else 0.0
    with np.errstate(over="ignore"):
        scale = float(np.sum(w[:, None] * (Y - centre) ** 2) / np.sum(w))
    if not np.isfinite(scale):
        raise ValueError(f"y: its squared deviations overflow float64 (max |y| = {np.abs(Y).max():.3g}); "
                         "rescale y")
    return scale if scale > 0 else 1.0


class _MultiTask(FeatureCheckMixin, RegressorMixin, BaseEstimator):
    """fit / predict and the certificate attributes of the multi-task models."""

    def _l1_ratio(self) -> float:
        return 1.0

    def fit(self, X, y, sample_weight=None):
        """Fit the model.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
        y : array-like of shape (n_samples, n_tasks)
        sample_weight : float or array-like of shape (n_samples,), default=None
            Rescaled to sum to n_samples, as in scikit-learn.

        Returns
        -------
        self
        """
        name = type(self).__name__
        tol, max_iter = check_tol_max_iter(self.tol, self.max_iter)
        alpha = as_scalar(self.alpha, "alpha", low=0.0)
        l1_ratio = as_scalar(self._l1_ratio(), "l1_ratio", low=0.0, high=1.0)
        design = Design(X)
        n, p = design.shape
        Y = as_targets(y, n, name)
        s = _check_sample_weight(sample_weight, n)
        T = Y.shape[1]
        warm = bool(self.warm_start) and np.shape(getattr(self, "coef_", ())) == (T, p)
        tolerance = tol * multitask_tol_scale(Y, s, self.fit_intercept)
        report = reporter(self, name)
        try:
            with fitted_on_interrupt(lambda *state: self._store(X, *state, p, tolerance)):
                W, intercept, fit = solve_multitask(
                    design, Y, alpha, l1_ratio, sample_weight=s, fit_intercept=bool(self.fit_intercept),
                    tol=tolerance, max_iter=max_iter, coef=np.asarray(self.coef_).T if warm else None,
                    callback=report)
        finally:
            _progress.close(report)
        self._store(X, W, intercept, fit, p, tolerance)
        warn_if_not_converged(name, fit, tolerance, max_iter)
        return self

    def _store(self, X, W, intercept, fit, p, tolerance):
        self.coef_ = np.ascontiguousarray(W.T) + 0.0  # −0.0 (block soft thresholding of a negative entry) → 0.0
        self.intercept_ = intercept if self.fit_intercept else np.zeros_like(intercept)
        self.n_iter_ = fit.n_iter
        self.dual_gap_ = fit.certificate if fit.kind == "duality_gap" else float("nan")
        self.certificate_ = fit.certificate
        self.certificate_kind_ = fit.kind
        self.certificate_tolerance_ = tolerance
        self.kkt_violation_ = fit.kkt_violation
        self.objective_ = fit.objective
        self.history_ = fit.history
        self._reset_features(X, p)
        return self

    def predict(self, X):
        """X @ coef_.T + intercept_, of shape (n_samples, n_tasks)."""
        design = check_features(self, X)
        return np.asarray(design.matrix @ self.coef_.T) + self.intercept_

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        tags.target_tags.multi_output = True
        tags.target_tags.single_output = False
        return tags


_OBJECTIVE = """
    .. math:: \\frac{1}{2n}\\|Y - XW^\\top - 1b^\\top\\|_F^2 + \\alpha\\rho\\|W\\|_{2,1}
              + \\frac{\\alpha(1-\\rho)}{2}\\|W\\|_F^2,
              \\qquad \\|W\\|_{2,1} = \\sum_j \\|W_{:,j}\\|_2

    (W = ``coef_`` of shape (n_tasks, n_features), ρ = ``l1_ratio``; with
    ``sample_weight`` the loss is Σᵢ sᵢ‖Yᵢ − ...‖²/(2Σᵢ sᵢ)), scikit-learn's
    parametrization. A feature is used by every task or by none: each column
    of ``coef_`` is zero as a whole, and those zeros are exact.

    Solved by block coordinate descent over the features (Simon, Friedman &
    Hastie 2013) on working sets grown by the certificate (Massias, Gramfort &
    Salmon 2018), with Anderson extrapolation (Bertrand & Massias 2021). The
    intercept is exact at every step, and X is never centred or copied
    (sparse X stays sparse). The fit stops on its duality gap, with the dual
    point built from the loss's conjugate and scaled into the dual-feasible set.
"""

_COMMON_PARAMETERS = """    fit_intercept : bool, default=True
        Fit one unpenalized intercept per task.
    max_iter : int, default=1000
        Budget of coordinate-descent epochs; running out warns with the gap
        reached (ConvergenceWarning).
    tol : float, default=1e-4
        Stop when the duality gap is ≤ ``tol · Σᵢ sᵢ‖Yᵢ − Ȳ‖² / Σᵢ sᵢ``
        (scikit-learn's rule; Ȳ = 0 without intercept).
    warm_start : bool, default=False
        Start from the previous ``coef_``.
    verbose : bool, default=False
        Show one updating progress line (epoch, duality gap).
    callback : callable(epoch, gap) -> bool or None, default=None
        Called every 10 epochs; returning False stops the fit.

    Attributes
    ----------
    coef_ : ndarray of shape (n_tasks, n_features)
        With exact zero columns (features no task uses).
    intercept_ : ndarray of shape (n_tasks,)
    dual_gap_ : float
        The duality gap at ``coef_`` (the certificate); NaN when alpha = 0,
        where the KKT violation ``certificate_`` certifies instead.
    certificate_ : float
    certificate_kind_ : {"duality_gap", "kkt_violation"}
    certificate_tolerance_ : float
        The gap the solver was asked to reach.
    kkt_violation_ : float
        maxⱼ dist(−∇ⱼF, ∂p(Wⱼ)) at ``coef_``.
    objective_ : float
    n_iter_ : int
        Coordinate-descent epochs run.
    history_ : ndarray of shape (k, 2)
        (epoch, duality gap) at every full evaluation; the last row is ``dual_gap_``.
    n_features_in_ : int
"""


class MultiTaskLasso(_MultiTask):
    __doc__ = """Multi-task Lasso: least squares with the ℓ2,1 penalty on the features.

    Minimizes (ρ = 1)
""" + _OBJECTIVE + """
    Parameters
    ----------
    alpha : float, default=1.0
        The penalty strength; every coefficient is 0 when alpha ≥
        maxⱼ ‖X_jᵀ(Y − Ȳ)‖₂ / n.
""" + _COMMON_PARAMETERS + """
    Examples
    --------
    >>> import numpy as np
    >>> from nonsmooth.linear_model import MultiTaskLasso
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((60, 8))
    >>> Y = X[:, [0, 3]] @ np.array([[1.0, 2.0, -1.0], [0.5, -1.0, 1.0]])
    >>> model = MultiTaskLasso(alpha=0.1).fit(X, Y)
    >>> model.coef_.shape, np.flatnonzero(np.abs(model.coef_).sum(axis=0))
    ((3, 8), array([0, 3]))
    >>> bool(model.dual_gap_ <= model.certificate_tolerance_)
    True
    """

    def __init__(self, alpha=1.0, *, fit_intercept=True, max_iter=1000, tol=1e-4, warm_start=False, verbose=False,
                 callback=None):
        self.alpha = alpha
        self.fit_intercept = fit_intercept
        self.max_iter = max_iter
        self.tol = tol
        self.warm_start = warm_start
        self.verbose = verbose
        self.callback = callback


class MultiTaskElasticNet(_MultiTask):
    __doc__ = """Multi-task elastic net: least squares with the ℓ2,1 and squared ℓ2 penalties.

    Minimizes
""" + _OBJECTIVE + """
    Parameters
    ----------
    alpha : float, default=1.0
        The penalty strength.
    l1_ratio : float, default=0.5
        ρ ∈ [0, 1]: 1 is the multi-task Lasso, 0 ridge regression.
""" + _COMMON_PARAMETERS + """
    Examples
    --------
    >>> import numpy as np
    >>> from nonsmooth.linear_model import MultiTaskElasticNet
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((60, 8))
    >>> Y = X[:, [0, 3]] @ np.array([[1.0, 2.0, -1.0], [0.5, -1.0, 1.0]])
    >>> model = MultiTaskElasticNet(alpha=0.1, l1_ratio=0.7).fit(X, Y)
    >>> np.flatnonzero(np.abs(model.coef_).sum(axis=0))
    array([0, 3])
    >>> model.predict(X[:2]).shape
    (2, 3)
    """

    def __init__(self, alpha=1.0, *, l1_ratio=0.5, fit_intercept=True, max_iter=1000, tol=1e-4, warm_start=False,
                 verbose=False, callback=None):
        self.alpha = alpha
        self.l1_ratio = l1_ratio
        self.fit_intercept = fit_intercept
        self.max_iter = max_iter
        self.tol = tol
        self.warm_start = warm_start
        self.verbose = verbose
        self.callback = callback

    def _l1_ratio(self) -> float:
        return self.l1_ratio
