"""Hypergradients of Lasso-type models computed by the native core, with their diagnostics.

The math (see ``Sources/Nonsmooth/Bilevel/Hyperparameters.swift``): for

    β̂(θ) = argmin_β ‖y − X_c β‖²/(2n) + Σ_j λ1_j |β_j| + (λ2/2)‖β‖²

the derivative of a criterion C(β̂(θ)) in log-space hyperparameters θ needs one
linear system on the support S of β̂ (never p×p):

    (X_c,Sᵀ X_c,S / n + λ2 I) ∂β̂_S/∂θ = −B.

References: Bertrand, Klopfenstein, Massias, Blondel, Vaiter, Gramfort & Salmon,
"Implicit differentiation for fast hyperparameter selection in non-smooth convex
learning", JMLR 2022 (ICML 2020 for the Lasso); Bolte, Le, Pauwels & Silveti-Falls,
"Nonsmooth implicit differentiation for machine-learning and optimization",
NeurIPS 2021 (the conservative-Jacobian reading at breakpoints).
"""
from __future__ import annotations

import dataclasses
import warnings

import numpy as np

from .. import _native
from .._validation import as_float_array, as_int, as_scalar
from ..exceptions import ConvergenceWarning

METHODS = {"implicit": 0, "implicit_forward": 1, "forward": 2, "reverse": 3}
MODELS = {"lasso": 0, "elastic_net": 1, "weighted_lasso": 2}
_FALLBACKS = {0: "none", 1: "strict_support", 2: "ridge"}
_SOLVERS = {-1: "none", 0: "cholesky", 1: "conjugate_gradient", 2: "forward_iterations", 3: "unrolled_iterations"}
_STATUS_NOT_CONVERGED = 4


class ImplicitDifferentiationWarning(UserWarning):
    """The conditions of the implicit function theorem failed numerically at the
    inner solution (a singular system on the support or the equicorrelation set),
    and a documented fallback produced the hypergradient. The message says which
    fallback and what it means.

    Examples
    --------
    Turn it into an error to stop a tuning run at the first fallback:

    >>> import warnings, nonsmooth as ns
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("error", ns.ImplicitDifferentiationWarning)
    ...     model = ns.LassoTuned(cv=3, max_outer=5).fit(np.eye(6)[:, :3], np.arange(6.0))
    >>> model.alpha_ > 0
    True
    """


@dataclasses.dataclass(frozen=True)
class Diagnostics:
    """What the native core found at one inner solution β̂.

    Attributes
    ----------
    support_size : int
        |S|, the number of nonzero coefficients.
    equicorrelation_size : int
        |E| ≥ |S|: features whose correlation with the residual reaches their
        threshold λ1_j. |E| > |S| means θ sits at (or, with an inexact inner
        solution, near) a breakpoint of the regularization path.
    invertible_support, invertible_equicorrelation : bool
        Whether X_c,Sᵀ X_c,S/n + λ2 I (resp. on E) is numerically invertible:
        Cholesky succeeded and the reciprocal condition estimate is at least
        ``rcond_threshold``.
    rcond_support, rcond_equicorrelation : float
        Reciprocal condition estimates λ_min/λ_max (NaN when not computed).
    fallback : {"none", "strict_support", "ridge"}
        ``"strict_support"``: the system on E is singular but the one on S is not,
        so the derivative on S was returned (the side of the breakpoint where the
        features of E \\ S stay at zero). ``"ridge"``: the system on S itself is
        singular (non-unique Lasso solution); A + εI was solved, ε = ``ridge``.
    ridge : float
    solver : {"none", "cholesky", "conjugate_gradient", "forward_iterations", "unrolled_iterations"}
    iterations : int
    residual : float
        Relative residual (Cholesky, CG) or last relative change (iterative methods).
    kkt_violation : float
        How far β̂ is from the optimality condition on its support, relative to λ1.
    iterate_distance : float
        ``forward``/``reverse``: ‖β_K − β̂‖∞ between their own iterate and β̂.
    converged : bool

    Examples
    --------
    >>> d = ns.datasets.load_diabetes()
    >>> X, y = (d.data - d.data.mean(0)) / d.data.std(0), d.target
    >>> model = ns.LassoTuned(cv=3).fit(X, y)
    >>> d = model.diagnostics_[0]
    >>> d.support_size, d.invertible_support, d.fallback
    (10, True, 'none')
    """

    support_size: int
    equicorrelation_size: int
    invertible_support: bool
    invertible_equicorrelation: bool
    rcond_support: float
    rcond_equicorrelation: float
    fallback: str
    ridge: float
    solver: str
    iterations: int
    residual: float
    kkt_violation: float
    iterate_distance: float
    converged: bool

    @classmethod
    def _from_native(cls, d) -> "Diagnostics":
        return cls(
            support_size=int(d[0]), equicorrelation_size=int(d[1]), invertible_support=bool(d[2] == 1),
            invertible_equicorrelation=bool(d[3] == 1), rcond_support=float(d[4]),
            rcond_equicorrelation=float(d[5]), fallback=_FALLBACKS.get(int(d[6]), "unknown"), ridge=float(d[7]),
            solver=_SOLVERS.get(int(d[8]), "unknown"), iterations=int(d[9]), residual=float(d[10]),
            kkt_violation=float(d[11]), iterate_distance=float(d[12]), converged=bool(d[13] == 1))

    def as_dict(self) -> dict:
        return dataclasses.asdict(self)

    def explain(self) -> str | None:
        """A plain-words explanation when a fallback was used, else None."""
        if self.fallback == "strict_support":
            return (f"the {self.equicorrelation_size - self.support_size} feature(s) with a zero coefficient at "
                    f"their threshold (equicorrelation set E, |E| = {self.equicorrelation_size} > |S| = "
                    f"{self.support_size}) make X_Eᵀ X_E singular, e.g. a duplicated or collinear copy of a "
                    "selected feature. The implicit function theorem does not apply on E; the hypergradient was "
                    "computed on the strict support S, i.e. the one-sided derivative where those features stay at "
                    "zero (an element of the conservative Jacobian).")
        if self.fallback == "ridge":
            return (f"X_Sᵀ X_S on the support (|S| = {self.support_size}, reciprocal condition "
                    f"{self.rcond_support:.1e}) is singular: the Lasso solution is not unique here (duplicated or "
                    "collinear selected features, or more selected features than samples). A small ridge "
                    f"ε = {self.ridge:.1e} was added to the system; as ε → 0 this gives the minimum-norm derivative. "
                    "Removing duplicated features or adding an ℓ2 term (ElasticNetTuned) makes it well posed.")
        return None


def _design_arguments(X):
    """(X or (data, indices, indptr), shape or None) for the native call."""
    from ..linear_model._data import Design

    design = X if hasattr(X, "sparse") and hasattr(X, "shape") and hasattr(X, "matrix") else Design(X)
    if design.sparse:
        return (design.data, design.indices, design.indptr), design.shape
    return design.matrix, None


def native_hypergradient(design, y, beta, criterion_gradient, l1, l2, model, method, *, means=None, tol=1e-10,
                         max_iter=10_000, equicorrelation_tol=1e-6, rcond_threshold=1e-10, cholesky_max=1000,
                         ridge_scale=1e-6, warm=None, callback=None):
    """Native call on validated arrays. Returns (hypergradient, jacobian state, Diagnostics, converged)."""
    X, shape = _design_arguments(design)
    warm_support, warm_jacobian = (None, None) if warm is None else warm
    status, grad, jac, diag = _native.bilevel_hypergradient(
        X, shape, y, means, beta, criterion_gradient, l1, float(l2), MODELS[model], METHODS[method], float(tol),
        int(max_iter), float(equicorrelation_tol), float(rcond_threshold), int(cholesky_max), float(ridge_scale),
        warm_support, warm_jacobian, callback, 10)
    diagnostics = Diagnostics._from_native(diag)
    state = None
    if jac is not None:
        state = (np.flatnonzero(beta).astype(np.int64), np.ascontiguousarray(jac))
    return grad, state, diagnostics, status != _STATUS_NOT_CONVERGED


def _check_method(method):
    if method not in METHODS:
        raise ValueError(f"method: must be one of {sorted(METHODS)}, got {method!r}")
    return method


def hypergradient(X, y, coef, criterion_gradient, *, alpha=None, l1=None, l2=0.0, model="lasso",
                  method="implicit", fit_intercept=False, tol=1e-10, max_iter=10_000, equicorrelation_tol=1e-6,
                  rcond_threshold=1e-10, ridge_scale=1e-6):
    """Hypergradient of a criterion C(β̂(θ)) of a Lasso-type solution, in log-space.

    The inner problem is ``‖y − Xβ − b‖²/(2n) + Σ_j λ1_j|β_j| + λ2‖β‖²/2`` (the
    intercept b is eliminated by centring when ``fit_intercept``). Give either
    ``alpha`` (uniform λ1_j = α) or the per-feature ``l1``.

    Parameters
    ----------
    X : {array-like, sparse matrix} of shape (n_samples, n_features)
    y : array-like of shape (n_samples,)
    coef : array-like of shape (n_features,)
        The inner solution β̂ (e.g. ``Lasso(alpha, tol=1e-10).fit(X, y).coef_``).
    criterion_gradient : array-like of shape (n_features,)
        ∇_β C at β̂.
    model : {"lasso", "elastic_net", "weighted_lasso"}
        θ = log α (1 value), (log λ1, log λ2) (2 values, needs l2 > 0) or
        θ_j = log λ1_j (n_features values).
    method : {"implicit", "implicit_forward", "forward", "reverse"}

    Returns
    -------
    hypergradient : ndarray of shape (1,), (2,) or (n_features,)
    diagnostics : Diagnostics

    Examples
    --------
    d/d log α of the validation MSE of a Lasso fitted on half of the data,
    against a finite difference:

    >>> d = ns.datasets.load_diabetes()
    >>> X, y = (d.data - d.data.mean(0)) / d.data.std(0), d.target
    >>> Xt, yt, Xv, yv = X[:221], y[:221], X[221:], y[221:]
    >>> def fit(alpha):
    ...     return ns.Lasso(alpha, fit_intercept=False, tol=1e-12, max_iter=100_000).fit(Xt, yt).coef_
    >>> def validation(coef):
    ...     return np.mean((Xv @ coef - yv) ** 2)
    >>> alpha = 1.0
    >>> coef = fit(alpha)
    >>> gradient = 2 * Xv.T @ (Xv @ coef - yv) / len(yv)
    >>> g, diagnostics = ns.tuning.hypergradient(Xt, yt, coef, gradient, alpha=alpha)
    >>> h = 1e-6
    >>> fd = (validation(fit(alpha * np.exp(h))) - validation(fit(alpha * np.exp(-h)))) / (2 * h)
    >>> bool(abs(g[0] - fd) < 1e-5 * abs(fd)), diagnostics.support_size
    (True, 8)
    """
    from ..linear_model._data import Design, as_target

    design = Design(X)
    n, p = design.shape
    y = as_target(y, n)
    coef = as_float_array(coef, "coef", ndim=1)
    if coef.shape[0] != p:
        raise ValueError(f"coef: has {coef.shape[0]} entries but X has {p} features")
    g = as_float_array(criterion_gradient, "criterion_gradient", ndim=1)
    if g.shape[0] != p:
        raise ValueError(f"criterion_gradient: has {g.shape[0]} entries but X has {p} features")
    if model not in MODELS:
        raise ValueError(f"model: must be one of {sorted(MODELS)}, got {model!r}")
    _check_method(method)
    if (alpha is None) == (l1 is None):
        raise ValueError("alpha, l1: give exactly one of alpha (uniform) or l1 (per feature)")
    if alpha is not None:
        l1 = np.full(p, as_scalar(alpha, "alpha", low=0.0))
    else:
        l1 = as_float_array(l1, "l1", ndim=1)
        if l1.shape[0] != p:
            raise ValueError(f"l1: has {l1.shape[0]} entries but X has {p} features")
        if (l1 < 0).any():
            raise ValueError("l1: must be non-negative")
    l2 = as_scalar(l2, "l2", low=0.0)
    if model == "elastic_net" and l2 <= 0:
        raise ValueError("l2: must be positive for model='elastic_net' (θ₂ = log λ2)")
    tol = as_scalar(tol, "tol", low=0.0)
    max_iter = as_int(max_iter, "max_iter", low=1)
    means = None
    if fit_intercept:
        means = np.ascontiguousarray(np.asarray(design.matrix.mean(axis=0)).ravel())
    grad, _, diagnostics, converged = native_hypergradient(
        design, y, np.ascontiguousarray(coef), np.ascontiguousarray(g), np.ascontiguousarray(l1), l2, model, method,
        means=means, tol=tol, max_iter=max_iter, equicorrelation_tol=equicorrelation_tol,
        rcond_threshold=rcond_threshold, ridge_scale=ridge_scale)
    explanation = diagnostics.explain()
    if explanation:
        warnings.warn("Implicit differentiation: " + explanation, ImplicitDifferentiationWarning, stacklevel=2)
    if not converged:
        warnings.warn(f"hypergradient method {method!r} stopped after {diagnostics.iterations} iterations with "
                      f"relative change {diagnostics.residual:.2e} > tol={tol:.1e}; increase max_iter",
                      ConvergenceWarning, stacklevel=2)
    return grad, diagnostics
