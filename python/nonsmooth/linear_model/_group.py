"""Group Lasso and sparse-group Lasso by block coordinate descent in the
engine: estimators, α_max and the regularization path, each fit certified by
its duality gap (or KKT violation with unpenalized groups)."""
from __future__ import annotations

import numpy as np

from .._interrupt import result_on_interrupt
from .._validation import as_scalar
from . import datafits, penalties
from ._coordinate_descent import _check_sample_weight, alpha_grid
from ._data import Design, as_target
from ._glm import _Regression, check_tol_max_iter, regression_tol_scale, solve
from ._groups import as_groups, group_weights

_COMMON_PARAMETERS = """    groups : int or list of list of int, default=1
        The partition of the features: an int gives contiguous groups of that
        size (it must divide n_features), a list of ints contiguous groups of
        those sizes, a list of lists each group's feature indices (every feature
        in exactly one group). 1 is the Lasso.
    weights : array-like of shape (n_groups,) or None, default=None
        Group weights w_g ≥ 0, √|g| by default (Yuan & Lin); 0 leaves a group
        unpenalized (the fit is then certified by its KKT violation). skglm's
        ``GroupLasso`` uses w_g = 1: pass ``np.ones(n_groups)`` to match it.
    fit_intercept : bool, default=True
        Fit an unpenalized intercept (updated inside the coordinate loop).
    tol : float, default=1e-6
        The fit stops when its duality gap is ≤ tol · Σ sᵢ(yᵢ − ȳ)²/Σ sᵢ
        (scikit-learn's scaling of the Lasso's tol).
    max_iter : int, default=10000
        Budget of block-coordinate-descent epochs; running out warns
        (ConvergenceWarning) with the certificate reached.
    warm_start : bool, default=False
        Start from the previous ``coef_`` / ``intercept_``.
    verbose : bool, default=False
    callback : callable(epoch, certificate) -> bool or None, default=None
        Called every 10 epochs; returning False stops the fit.

    Attributes
    ----------
    coef_ : ndarray of shape (n_features,)
        With the solver's exact zeros (whole groups).
    intercept_ : float
    dual_gap_ : float
        The duality gap at ``coef_`` (NaN when ``certificate_kind_`` is "kkt_violation").
    certificate_, certificate_kind_, certificate_tolerance_, kkt_violation_, objective_ : float / str
    n_iter_ : int
    history_ : ndarray of shape (k, 2)
        (epoch, certificate) at every full evaluation; the last row is ``certificate_``.
    n_features_in_ : int

    Notes
    -----
    Each block step is β_g ← prox(β_g − ∇_g F/L_g) with L_g the largest
    eigenvalue of X_gᵀX_g/n, on working sets of groups with Anderson
    extrapolation (skglm's group solver; Bertrand & Massias 2021). The dual
    point is the residual scaled into the dual ball (Ndiaye, Fercoq, Gramfort &
    Salmon 2017 for the group and sparse-group duals). The logistic group
    Lasso is ``GeneralizedLinearEstimator(datafits.Logistic(),
    penalties.GroupL2(alpha, groups))``.
"""


class GroupLasso(_Regression):
    __doc__ = """Least squares with the group Lasso penalty (Yuan & Lin 2006).

    Minimizes

    .. math:: \\frac{1}{2S}\\sum_i s_i (y_i - x_i^\\top\\beta - b)^2
              + \\alpha \\sum_g w_g \\|\\beta_g\\|_2, \\qquad S = \\sum_i s_i,

    by block coordinate descent in native code: whole groups of coefficients
    are selected or set exactly to 0.

    Parameters
    ----------
    alpha : float, default=1.0
        Penalty level; above :func:`group_lasso_alpha_max` every group is 0.
""" + _COMMON_PARAMETERS + """
    Examples
    --------
    >>> import numpy as np
    >>> from nonsmooth.linear_model import GroupLasso
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((60, 9)); y = X[:, 3] - 2 * X[:, 4] + 0.1 * rng.standard_normal(60)
    >>> model = GroupLasso(alpha=0.1, groups=3).fit(X, y)
    >>> np.flatnonzero(model.coef_)
    array([3, 4, 5])
    >>> bool(model.dual_gap_ <= model.certificate_tolerance_)
    True
    """

    def __init__(self, alpha=1.0, groups=1, *, weights=None, fit_intercept=True, tol=1e-6, max_iter=10_000,
                 warm_start=False, verbose=False, callback=None):
        self.alpha = alpha
        self.groups = groups
        self.weights = weights
        self.fit_intercept = fit_intercept
        self.tol = tol
        self.max_iter = max_iter
        self.warm_start = warm_start
        self.verbose = verbose
        self.callback = callback

    def _penalty(self):
        return penalties.GroupL2(self.alpha, self.groups, self.weights)


class SparseGroupLasso(_Regression):
    __doc__ = """Least squares with the sparse-group Lasso penalty (Simon, Friedman, Hastie & Tibshirani 2013).

    Minimizes

    .. math:: \\frac{1}{2S}\\sum_i s_i (y_i - x_i^\\top\\beta - b)^2
              + \\alpha \\sum_g \\big(\\rho\\|\\beta_g\\|_1 + (1 - \\rho) w_g \\|\\beta_g\\|_2\\big)

    by block coordinate descent: the block prox is soft thresholding followed
    by group shrinkage, so the solution has zero groups and zeros inside the
    selected groups.

    Parameters
    ----------
    alpha : float, default=1.0
    l1_ratio : float, default=0.5
        ρ ∈ [0, 1]: 1 is the Lasso, 0 the group Lasso.
""" + _COMMON_PARAMETERS + """
    Examples
    --------
    >>> import numpy as np
    >>> from nonsmooth.linear_model import SparseGroupLasso
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((60, 9)); y = X[:, 3] - 2 * X[:, 4] + 0.1 * rng.standard_normal(60)
    >>> model = SparseGroupLasso(alpha=0.1, l1_ratio=0.5, groups=3).fit(X, y)
    >>> np.flatnonzero(model.coef_)
    array([3, 4])
    """

    def __init__(self, alpha=1.0, l1_ratio=0.5, groups=1, *, weights=None, fit_intercept=True, tol=1e-6,
                 max_iter=10_000, warm_start=False, verbose=False, callback=None):
        self.alpha = alpha
        self.l1_ratio = l1_ratio
        self.groups = groups
        self.weights = weights
        self.fit_intercept = fit_intercept
        self.tol = tol
        self.max_iter = max_iter
        self.warm_start = warm_start
        self.verbose = verbose
        self.callback = callback

    def _penalty(self):
        return penalties.SparseGroupL1(self.alpha, self.groups, self.l1_ratio, self.weights)


def _sparse_group_level(u, rho, w):
    """The smallest α with ‖S_{αρ}(u)‖ ≤ α(1 − ρ)w (S: soft thresholding), by bisection."""
    a = np.abs(u)
    if rho == 0:
        return np.linalg.norm(a) / w
    lo, hi = 0.0, a.max() / rho
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        if mid in (lo, hi):
            break
        if np.linalg.norm(np.maximum(a - mid * rho, 0)) <= mid * (1 - rho) * w:
            hi = mid
        else:
            lo = mid
    return hi


def group_lasso_alpha_max(X, y, groups=1, *, l1_ratio=0.0, weights=None, sample_weight=None, fit_intercept=True):
    """The smallest α at which every penalized group of the (sparse-)group Lasso is 0.

    With u = Xᵀ(s∘r)/Σsᵢ for the residual r of the unpenalized part (the
    weighted mean of y with an intercept, plus the least-squares fit of the
    unpenalized groups), α_max = max_g ‖u_g‖/w_g for the group Lasso
    (``l1_ratio=0``) and, for ρ > 0, the largest over groups of the smallest α
    with ‖S_{αρ}(u_g)‖ ≤ α(1 − ρ)w_g.

    Parameters
    ----------
    X, y, groups, weights, sample_weight, fit_intercept
        As in :class:`SparseGroupLasso`.
    l1_ratio : float, default=0.0

    Returns
    -------
    float

    Examples
    --------
    >>> import numpy as np
    >>> from nonsmooth.linear_model import GroupLasso, group_lasso_alpha_max
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((30, 6)); y = rng.standard_normal(30)
    >>> top = group_lasso_alpha_max(X, y, groups=2)
    >>> bool(np.all(GroupLasso(alpha=top, groups=2).fit(X, y).coef_ == 0))
    True
    """
    design = Design(X)
    n, p = design.shape
    y = as_target(y, n)
    rho = as_scalar(l1_ratio, "l1_ratio", low=0.0, high=1.0)
    pointers, indices = as_groups(groups, p)
    w = group_weights(weights, pointers)
    s = np.ones(n) if sample_weight is None else _check_sample_weight(sample_weight, n)
    M = design.matrix.toarray() if design.sparse else np.asarray(design.matrix)
    free = [indices[pointers[g]:pointers[g + 1]] for g in range(w.size) if w[g] == 0 and rho == 0]
    columns = [M[:, np.concatenate(free)]] if free else []
    if fit_intercept:
        columns.append(np.ones((n, 1)))
    residual = y
    if columns:
        A = np.hstack(columns) * np.sqrt(s)[:, None]
        solution = np.linalg.lstsq(A, y * np.sqrt(s), rcond=None)[0]
        residual = y - np.hstack(columns) @ solution
    u = M.T @ (s * residual) / s.sum()
    top = 0.0
    for g in range(w.size):
        ug = u[indices[pointers[g]:pointers[g + 1]]]
        if rho == 0 and w[g] == 0:
            continue
        top = max(top, np.linalg.norm(ug) / w[g] if rho == 0 else _sparse_group_level(ug, rho, w[g]))
    return float(top)


def group_lasso_path(X, y, groups=1, *, l1_ratio=0.0, weights=None, alphas=None, n_alphas=100, eps=1e-3,
                     sample_weight=None, fit_intercept=True, tol=1e-6, max_iter=10_000):
    """(Sparse-)group Lasso solutions over a decreasing grid of α, with warm starts.

    Parameters
    ----------
    X : {array-like, sparse matrix} of shape (n_samples, n_features)
    y : array-like of shape (n_samples,)
    groups, weights, sample_weight, fit_intercept, tol, max_iter
        As in :class:`SparseGroupLasso`.
    l1_ratio : float, default=0.0
        0: the group Lasso; ρ ∈ (0, 1]: the sparse-group Lasso.
    alphas : array-like or None, default=None
        By default ``n_alphas`` values from :func:`group_lasso_alpha_max` down
        to ``eps`` times it, log-spaced.
    n_alphas, eps : int, float

    Returns
    -------
    alphas : ndarray of shape (n_alphas,)
    coefs : ndarray of shape (n_features, n_alphas)
    intercepts : ndarray of shape (n_alphas,)
    gaps : ndarray of shape (n_alphas,)
        The certificate of each fit (the duality gap unless a group is unpenalized).

    Examples
    --------
    >>> import numpy as np
    >>> from nonsmooth.linear_model import group_lasso_path
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((40, 8)); y = X[:, 0] + rng.standard_normal(40)
    >>> alphas, coefs, intercepts, gaps = group_lasso_path(X, y, groups=2, n_alphas=5)
    >>> coefs.shape, bool(np.all(coefs[:, 0] == 0))
    ((8, 5), True)
    """
    tol, max_iter = check_tol_max_iter(tol, max_iter)
    design = Design(X)
    n, p = design.shape
    target = as_target(y, n)
    s = None if sample_weight is None else np.ascontiguousarray(_check_sample_weight(sample_weight, n))
    if alphas is None:
        top = group_lasso_alpha_max(X, target, groups, l1_ratio=l1_ratio, weights=weights,
                                    sample_weight=sample_weight, fit_intercept=fit_intercept)
        alphas = alpha_grid(top, eps, n_alphas)
    else:
        alphas = np.sort(np.asarray(alphas, dtype=float).ravel())[::-1]
        if alphas.size == 0 or not np.all(np.isfinite(alphas)) or (alphas < 0).any():
            raise ValueError("alphas: must be a non-empty array of finite numbers ≥ 0")
    tolerance = tol * regression_tol_scale(target, s, fit_intercept)
    coefs = np.zeros((p, alphas.shape[0]))
    intercepts = np.zeros(alphas.shape[0])
    gaps = np.zeros(alphas.shape[0])
    coef, intercept = np.zeros(p), 0.0
    done = 0
    with result_on_interrupt(lambda _: (alphas[:done], coefs[:, :done], intercepts[:done], gaps[:done])):
        for k, alpha in enumerate(alphas):
            spec = penalties.SparseGroupL1(float(alpha), groups, l1_ratio, weights)._spec(p)
            coef, intercept, fit = solve(design, target, datafits.Quadratic._code, spec, sample_weight=s,
                                         fit_intercept=bool(fit_intercept), tol=tolerance, max_iter=max_iter,
                                         coef=coef, intercept=intercept, warm=k > 0)
            coefs[:, k] = coef
            intercepts[k] = intercept if fit_intercept else 0.0
            gaps[k] = fit.certificate
            done = k + 1
    return alphas, coefs, intercepts, gaps
