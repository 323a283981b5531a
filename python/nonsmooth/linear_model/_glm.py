"""The coordinate-descent engine from Python: one native entry point
(``_native.glm_fit`` → ``ns_glm_fit``) for every datafit × penalty × layout,
and the estimator base the sparse models share."""
from __future__ import annotations

import abc
import warnings

import numpy as np

from .. import _native, _progress
from .._interrupt import result_on_interrupt
from .._estimator import BaseEstimator, FeatureCheckMixin, RegressorMixin, check_is_fitted
from .._validation import as_int, as_scalar
from ..exceptions import ConvergenceWarning
from . import datafits as _datafits
from ._coordinate_descent import _check_sample_weight
from ._data import Design, as_target

_OK, _CANCELLED, _NOT_CONVERGED = 0, 3, 4
_FIT_INTERCEPT, _POSITIVE, _WARM_START, _NO_SCREENING = 1, 2, 4, 32
_KINDS = ("duality_gap", "kkt_violation")


class GLMFit:
    """What one native fit returned (certificate, its kind, objective, epochs, history)."""

    def __init__(self, status, certificate, kkt, objective, dual, n_iter, kind, history, screened=0):
        self.status = status
        self.certificate = certificate
        self.kkt_violation = kkt
        self.objective = objective
        self.dual_objective = dual
        self.n_iter = n_iter
        self.kind = _KINDS[kind]
        self.history = history
        self.n_screened = screened


def solve(design: Design, y, datafit_code: int, spec: dict, *, sample_weight=None, fit_intercept=True, tol=1e-6,
          max_iter=10_000, coef=None, intercept=0.0, warm=False, callback=None, every=10, datafit_param=0.0,
          screening=True):
    """Runs the engine once; coef (p, float64) is the warm start and receives the answer.
    ``datafit_param`` is Huber's δ; ``screening=False`` turns Gap Safe screening off.

    Returns (coef, intercept, GLMFit). Never warns: callers decide what to say.
    """
    n, p = design.shape
    coef = np.zeros(p) if coef is None else coef
    if fit_intercept and not warm and datafit_code == _datafits.Logistic._code:
        # Cold logistic starts from the intercept-only optimum log(S₊/S₋): above
        # alpha_max the answer is then reached at once, with exact zeros.
        s = np.ones(n) if sample_weight is None else sample_weight
        positive, negative = s[y > 0].sum(), s[y < 0].sum()
        if positive > 0 and negative > 0:
            coef[:] = 0
            intercept, warm = float(np.log(positive / negative)), True
    elif fit_intercept and not warm and datafit_code == _datafits.Poisson._code:
        # Cold Poisson starts from the intercept-only optimum log(Σsᵢyᵢ/Σsᵢ).
        s = np.ones(n) if sample_weight is None else sample_weight
        mean = float(np.sum(s * y) / np.sum(s))
        if mean > 0:
            coef[:] = 0
            intercept, warm = float(np.log(mean)), True
    icpt = np.array([float(intercept)])
    flags = (_FIT_INTERCEPT if fit_intercept else 0) | (_POSITIVE if spec.get("positive") else 0) \
        | (_WARM_START if warm else 0) | (0 if screening else _NO_SCREENING)
    X, shape = (design.matrix, None) if not design.sparse else ((design.data, design.indices, design.indptr), (n, p))
    history = np.empty((min(int(max_iter), 100_000) + 2, 2))

    def unpack(out):
        status, cert, kkt, obj, dual, n_iter, kind, _, rows, screened = out
        return coef, float(icpt[0]), GLMFit(status, cert, kkt, obj, dual, n_iter, kind, history[:rows].copy(),
                                            screened)

    try:
        out = _native.glm_fit(
            X, shape, y, coef, icpt, datafit=datafit_code, penalty=spec["penalty"], alpha=spec.get("alpha", 0.0),
            param=spec.get("param", 0.0), feature_weights=spec.get("feature_weights"), lower=spec.get("lower"),
            upper=spec.get("upper"), sample_weight=sample_weight, tol=float(tol), max_iter=int(max_iter),
            flags=flags, history=history, callback=callback, every=every,
            group_pointers=spec.get("group_pointers"), group_indices=spec.get("group_indices"),
            group_weights=spec.get("group_weights"), datafit_param=float(datafit_param))
    except BaseException as exc:  # interrupted: the last iterate, unpacked the same way (see fitted_on_interrupt)
        if hasattr(exc, "native_state"):
            exc.native_state = unpack(exc.native_state)
        raise
    return unpack(out)


def fitted_on_interrupt(store):
    """On Ctrl-C (or a callback's exception) during :func:`solve`, the exception
    carries ``store(coef, intercept, fit)`` — the estimator fitted to the last
    iterate — as ``exc.result`` (see nonsmooth/_interrupt.py)."""
    return result_on_interrupt(lambda state: store(*state))


def check_tol_max_iter(tol, max_iter):
    return as_scalar(tol, "tol", low=0.0), as_int(max_iter, "max_iter", low=1)


def warn_if_not_converged(name, fit: GLMFit, tol, max_iter):
    what = "duality gap" if fit.kind == "duality_gap" else "KKT violation"
    if fit.status == _NOT_CONVERGED:
        warnings.warn(f"{name} did not converge in max_iter={max_iter} epochs: {what} {fit.certificate:.3e} > "
                      f"tolerance {tol:.3e}. Increase max_iter, loosen tol, or scale the features.",
                      ConvergenceWarning, stacklevel=3)
    elif fit.status == _CANCELLED:
        warnings.warn(f"{name} stopped by its callback after {fit.n_iter} epochs with {what} "
                      f"{fit.certificate:.3e}.", ConvergenceWarning, stacklevel=3)


def check_features(estimator, X) -> Design:
    check_is_fitted(estimator)
    design = Design(X)
    estimator._check_features(X, design.shape[1])   # names and count
    return design


def reporter(estimator, name):
    """The progress line / user callback of a fit (None when neither is asked for)."""
    return _progress.reporter(estimator.verbose, estimator.callback, name, "certificate", unit="epoch")


def regression_tol_scale(y, s, fit_intercept):
    """scikit-learn's gap scaling for least squares: tol · Σ sᵢ(yᵢ − ȳ)² / Σ sᵢ (ȳ = 0 without intercept)."""
    w = np.ones_like(y) if s is None else s
    centre = np.average(y, weights=w) if fit_intercept else 0.0
    scale = float(np.sum(w * (y - centre) ** 2) / np.sum(w))
    return scale if scale > 0 else 1.0


class _Regression(FeatureCheckMixin, RegressorMixin, BaseEstimator, abc.ABC):
    """Least squares + a separable penalty: fit, predict and the certificate attributes."""

    @abc.abstractmethod
    def _penalty(self):
        """The penalty object of the engine (nonsmooth.linear_model.penalties)."""

    def fit(self, X, y, sample_weight=None):
        """Fit the model.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
        sample_weight : array-like of shape (n_samples,), default=None

        Returns
        -------
        self
        """
        name = type(self).__name__
        tol, max_iter = check_tol_max_iter(self.tol, self.max_iter)
        design = Design(X)
        n, p = design.shape
        y = as_target(y, n, estimator=name)
        s = _check_sample_weight(sample_weight, n)
        spec = self._penalty()._spec(p)
        warm = bool(self.warm_start) and np.shape(getattr(self, "coef_", ())) == (p,)
        coef = np.array(self.coef_, dtype=float) if warm else np.zeros(p)
        scale = regression_tol_scale(y, s, self.fit_intercept)
        report = reporter(self, name)
        try:
            with fitted_on_interrupt(lambda *state: self._store(X, *state, p, tol * scale)):
                coef, intercept, fit = solve(
                    design, y, _datafits.Quadratic._code, spec, sample_weight=s,
                    fit_intercept=bool(self.fit_intercept), tol=tol * scale, max_iter=max_iter, coef=coef,
                    intercept=getattr(self, "intercept_", 0.0) if warm else 0.0, warm=warm, callback=report)
        finally:
            _progress.close(report)
        self._store(X, coef, intercept, fit, p, tol * scale)
        warn_if_not_converged(name, fit, tol * scale, max_iter)
        return self

    def _store(self, X, coef, intercept, fit, p, tolerance):
        self.coef_ = coef
        self.intercept_ = intercept if self.fit_intercept else 0.0
        self.n_iter_ = fit.n_iter
        self.certificate_ = fit.certificate
        self.certificate_kind_ = fit.kind
        self.certificate_tolerance_ = tolerance
        self.kkt_violation_ = fit.kkt_violation
        self.dual_gap_ = fit.certificate if fit.kind == "duality_gap" else float("nan")
        self.objective_ = fit.objective
        self.history_ = fit.history
        self._reset_features(X, p)
        return self

    def predict(self, X):
        """X @ coef_ + intercept_."""
        return check_features(self, X).matvec(self.coef_) + self.intercept_

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags
