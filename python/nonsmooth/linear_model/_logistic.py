"""Sparse (ℓ1-penalized) logistic regression by the coordinate-descent engine:
a scikit-learn classifier and its regularization path, each fit certified by
its duality gap."""
from __future__ import annotations

import numbers

import numpy as np

from .. import _progress
from .._interrupt import result_on_interrupt
from .._estimator import BaseEstimator, FeatureCheckMixin, check_is_fitted
from . import datafits, penalties
from ._coordinate_descent import _check_sample_weight, alpha_grid
from ._data import Design
from ._glm import check_features, check_tol_max_iter, fitted_on_interrupt, reporter, solve, warn_if_not_converged
from ._labels import as_labels, plus_minus

try:
    from sklearn.base import ClassifierMixin
except ImportError:  # pragma: no cover - exercised without scikit-learn
    class ClassifierMixin:  # type: ignore[no-redef]
        _estimator_type = "classifier"

        def score(self, X, y, sample_weight=None):
            """Mean accuracy."""
            hits = np.asarray(self.predict(X) == np.asarray(y), dtype=float)
            return float(np.average(hits, weights=sample_weight))


def _expit(z):
    out = np.empty_like(z)
    positive = z >= 0
    out[positive] = 1 / (1 + np.exp(-z[positive]))
    e = np.exp(z[~positive])
    out[~positive] = e / (1 + e)
    return out


def _alpha(alpha, C, sample_weight, n):
    if C is not None:
        if isinstance(C, bool) or not isinstance(C, numbers.Real) or not np.isfinite(C) or C <= 0:
            raise ValueError(f"C: must be a finite number > 0, got {C!r}")
        total = n if sample_weight is None else float(np.sum(sample_weight))
        return 1.0 / (float(C) * total)
    if isinstance(alpha, bool) or not isinstance(alpha, numbers.Real) or not np.isfinite(alpha) or alpha < 0:
        raise ValueError(f"alpha: must be a finite number ≥ 0, got {alpha!r}")
    return float(alpha)


def _raw_sample_weight(sample_weight, n):
    """Validated weights (the engine normalizes by their sum itself, so the raw scale is kept for C)."""
    if sample_weight is None:
        return None, None
    normalized = _check_sample_weight(sample_weight, n)
    raw = np.asarray(sample_weight, dtype=float)
    raw = np.full(n, float(raw)) if raw.ndim == 0 else raw.ravel()
    return np.ascontiguousarray(normalized), raw


class SparseLogisticRegression(FeatureCheckMixin, ClassifierMixin, BaseEstimator):
    """ℓ1-penalized logistic regression, certified by its duality gap.

    Minimizes, for labels mapped to yᵢ ∈ {−1, +1} (``classes_[1]`` is +1),

    .. math:: \\frac{1}{S}\\sum_i s_i \\log\\big(1 + e^{-y_i (x_i^\\top\\beta + b)}\\big)
              + \\alpha \\sum_j w_j |\\beta_j|, \\qquad S = \\sum_i s_i,

    by coordinate descent with working sets and Anderson extrapolation in
    native code (one solver for every datafit and penalty; the shape of skglm,
    Bertrand & Massias 2021; working sets as in celer, Massias et al. 2018).
    The intercept b is not penalized. More than two classes are fitted one
    versus the rest, as celer does.

    Parametrization. ``alpha`` scales the mean loss, as skglm's
    ``SparseLogisticRegression``. Passing ``C`` instead gives scikit-learn's
    ``LogisticRegression(penalty="l1", C=C)`` objective
    C Σᵢ sᵢ ℓᵢ + ‖β‖₁ (divided by C·Σsᵢ), i.e. α = 1/(C Σᵢ sᵢ) — the same
    solution as ``solver="saga"`` (liblinear also penalizes the intercept, so it
    agrees only with ``fit_intercept=False``).

    Parameters
    ----------
    alpha : float, default=0.01
        Penalty level (ignored when ``C`` is given). Above
        ``alpha_max = ‖Xᵀ∇F(b₀)‖∞`` every coefficient is 0.
    C : float or None, default=None
        scikit-learn's inverse regularization (see above).
    weights : array-like of shape (n_features,) or None, default=None
        Per-feature penalty weights wⱼ ≥ 0; 0 leaves a feature unpenalized
        (then the fit is certified by its KKT violation instead of a gap).
    fit_intercept : bool, default=True
    tol : float, default=1e-6
        Stop when the duality gap of the objective above is ≤ tol (absolute: the
        objective at β = 0 is at most log 2).
    max_iter : int, default=10000
        Budget of epochs per binary problem; running out warns (ConvergenceWarning)
        with the gap reached.
    warm_start : bool, default=False
    verbose : bool, default=False
    callback : callable(epoch, certificate) -> bool or None, default=None

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
    coef_ : ndarray of shape (1, n_features) or (n_classes, n_features)
        With the solver's exact zeros.
    intercept_ : ndarray of shape (1,) or (n_classes,)
    n_iter_ : ndarray of shape (1,) or (n_classes,)
    dual_gap_ : ndarray of shape (1,) or (n_classes,)
        The certificate of each binary fit (duality gap, or KKT violation when
        ``certificate_kind_ == "kkt_violation"``).
    certificate_kind_ : str
    history_ : list of ndarray of shape (k, 2)
        (epoch, certificate) rows of each binary fit.
    n_features_in_ : int

    Examples
    --------
    >>> import numpy as np
    >>> from nonsmooth.linear_model import SparseLogisticRegression
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((100, 20))
    >>> y = np.where(X[:, 0] - X[:, 1] > 0, "yes", "no")
    >>> clf = SparseLogisticRegression(alpha=0.02).fit(X, y)
    >>> clf.classes_
    array(['no', 'yes'], dtype='<U3')
    >>> np.flatnonzero(clf.coef_[0])[:2]
    array([0, 1])
    >>> clf.predict_proba(X[:2]).shape
    (2, 2)
    """

    def __init__(self, alpha=0.01, *, C=None, weights=None, fit_intercept=True, tol=1e-6, max_iter=10_000,
                 warm_start=False, verbose=False, callback=None):
        self.alpha = alpha
        self.C = C
        self.weights = weights
        self.fit_intercept = fit_intercept
        self.tol = tol
        self.max_iter = max_iter
        self.warm_start = warm_start
        self.verbose = verbose
        self.callback = callback

    def fit(self, X, y, sample_weight=None):
        """Fit the model.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Dense (any memory order) or SciPy sparse (used as CSC, never densified).
        y : array-like of shape (n_samples,)
            Class labels (at least two classes).
        sample_weight : array-like of shape (n_samples,), default=None

        Returns
        -------
        self
        """
        name = type(self).__name__
        tol, max_iter = check_tol_max_iter(self.tol, self.max_iter)
        design = Design(X)
        n, p = design.shape
        classes, y = as_labels(y, n, estimator=name)
        s, raw = _raw_sample_weight(sample_weight, n)
        alpha = _alpha(self.alpha, self.C, raw, n)
        spec = penalties.L1(alpha, self.weights)._spec(p)
        tasks = [classes[1]] if classes.shape[0] == 2 else list(classes)
        warm = bool(self.warm_start) and np.shape(getattr(self, "coef_", ())) == (len(tasks), p)
        coefs = np.zeros((len(tasks), p))
        intercepts = np.zeros(len(tasks))
        n_iter, gaps, history, kinds = [], [], [], set()

        def record(k, coef, intercept, fit):
            coefs[k] = coef
            intercepts[k] = intercept if self.fit_intercept else 0.0
            n_iter.append(fit.n_iter)
            gaps.append(fit.certificate)
            history.append(fit.history)
            kinds.add(fit.kind)

        def store():
            # Interrupted: the tasks not reached keep their start (0 epochs, no certificate).
            unsolved = len(tasks) - len(n_iter)
            self.classes_ = classes
            self.coef_ = coefs
            self.intercept_ = intercepts
            self.n_iter_ = np.asarray(n_iter + [0] * unsolved)
            self.dual_gap_ = np.asarray(gaps + [np.nan] * unsolved)
            self.certificate_kind_ = kinds.pop() if len(kinds) == 1 else "mixed"
            self.history_ = history + [np.empty((0, 2))] * unsolved
            self._reset_features(X, p)
            return self

        callback = reporter(self, name)
        try:
            for k, positive in enumerate(tasks):
                coef = np.array(self.coef_[k], dtype=float) if warm else np.zeros(p)
                if warm:
                    intercepts[k] = float(self.intercept_[k])
                with fitted_on_interrupt(lambda *state: (record(k, *state), store())[1]):
                    coef, intercept, fit = solve(
                        design, plus_minus(y, positive), datafits.Logistic._code, spec, sample_weight=s,
                        fit_intercept=bool(self.fit_intercept), tol=tol, max_iter=max_iter, coef=coef,
                        intercept=intercepts[k], warm=warm, callback=callback)
                record(k, coef, intercept, fit)
                warn_if_not_converged(name, fit, tol, max_iter)
        finally:
            _progress.close(callback)
        return store()

    def decision_function(self, X):
        """Signed distances Xβ + b: shape (n_samples,) for two classes (positive: ``classes_[1]``),
        else (n_samples, n_classes)."""
        design = check_features(self, X)
        scores = np.column_stack([design.matvec(c) for c in self.coef_]) + self.intercept_
        return scores[:, 0] if scores.shape[1] == 1 else scores

    def predict_proba(self, X):
        """Class probabilities, shape (n_samples, n_classes): σ(Xβ + b) for two classes, the
        one-vs-rest probabilities normalized to sum to 1 otherwise (scikit-learn's "ovr" rule)."""
        scores = self.decision_function(X)
        if scores.ndim == 1:
            p1 = _expit(scores)
            return np.column_stack([1 - p1, p1])
        prob = _expit(scores)
        total = prob.sum(axis=1, keepdims=True)
        return np.divide(prob, total, out=np.full_like(prob, 1 / prob.shape[1]), where=total > 0)

    def predict_log_proba(self, X):
        """log of ``predict_proba``."""
        with np.errstate(divide="ignore"):
            return np.log(self.predict_proba(X))

    def predict(self, X):
        """The most likely class of each sample."""
        scores = self.decision_function(X)
        index = (scores > 0).astype(int) if scores.ndim == 1 else scores.argmax(axis=1)
        return self.classes_[index]

    @property
    def sparse_coef_(self):
        """coef_ as a SciPy sparse matrix."""
        import scipy.sparse as sp

        check_is_fitted(self)
        return sp.csr_matrix(self.coef_)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags


def logistic_alpha_max(X, y, *, sample_weight=None, weights=None, fit_intercept=True):
    """The smallest α for which every coefficient of the ℓ1-logistic problem is 0:
    ‖Xᵀ∇F(b₀·1)‖∞ (divided by the feature weights), with b₀ = log(S₊/S₋) the
    intercept-only optimum (0 without intercept).

    Parameters
    ----------
    X : {array-like, sparse matrix} of shape (n_samples, n_features)
    y : array-like of shape (n_samples,)
        Two classes.
    sample_weight, weights : array-like, optional
        Per-sample and per-feature weights.
    fit_intercept : bool, default=True

    Returns
    -------
    float

    Examples
    --------
    >>> from nonsmooth.linear_model import logistic_alpha_max
    >>> X = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0], [-1.0, 0.5]])
    >>> y = np.array([1, 0, 1, 0])
    >>> logistic_alpha_max(X, y)
    0.375
    """
    design = Design(X)
    n, p = design.shape
    classes, labels = as_labels(y, n)
    if classes.shape[0] != 2:
        raise ValueError(f"y: logistic_alpha_max needs exactly 2 classes, got {classes.shape[0]}")
    t = plus_minus(labels, classes[1])
    s = np.ones(n) if sample_weight is None else _check_sample_weight(sample_weight, n)
    b0 = np.log(s[t > 0].sum() / s[t < 0].sum()) if fit_intercept else 0.0
    g = -s * t * _expit(-t * b0) / s.sum()
    corr = np.abs(np.asarray(design.matrix.T @ g).ravel())
    if weights is not None:
        w = penalties._weights(weights, p)
        corr = np.where(w > 0, corr / np.where(w > 0, w, 1), 0.0)
    return float(corr.max())


def logistic_path(X, y, *, alphas=None, n_alphas=100, eps=1e-3, weights=None, sample_weight=None,
                  fit_intercept=True, tol=1e-6, max_iter=10_000):
    """The ℓ1-logistic regularization path, warm-started from large to small α.

    Parameters
    ----------
    X : {array-like, sparse matrix} of shape (n_samples, n_features)
    y : array-like of shape (n_samples,)
        Two classes (``classes[1]`` is the positive one).
    alphas : array-like or None, default=None
        Decreasing penalty levels; by default ``n_alphas`` values from
        ``alpha_max`` to ``eps · alpha_max``, log-spaced.
    n_alphas, eps : int, float
    weights, sample_weight, fit_intercept, tol, max_iter
        As in :class:`SparseLogisticRegression`.

    Returns
    -------
    alphas : ndarray of shape (n_alphas,)
    coefs : ndarray of shape (n_features, n_alphas)
    intercepts : ndarray of shape (n_alphas,)
    gaps : ndarray of shape (n_alphas,)
        The certificate of each fit (duality gap unless some weight is 0).

    Examples
    --------
    >>> import numpy as np
    >>> from nonsmooth.linear_model import logistic_path
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((60, 8)); y = (X[:, 0] > 0).astype(int)
    >>> alphas, coefs, intercepts, gaps = logistic_path(X, y, n_alphas=5)
    >>> coefs.shape, bool(np.all(coefs[:, 0] == 0))
    ((8, 5), True)
    """
    tol, max_iter = check_tol_max_iter(tol, max_iter)
    design = Design(X)
    n, p = design.shape
    classes, labels = as_labels(y, n)
    if classes.shape[0] != 2:
        raise ValueError(f"y: logistic_path needs exactly 2 classes, got {classes.shape[0]}")
    t = plus_minus(labels, classes[1])
    s = None if sample_weight is None else np.ascontiguousarray(_check_sample_weight(sample_weight, n))
    if alphas is None:
        top = logistic_alpha_max(X, labels, sample_weight=sample_weight, weights=weights, fit_intercept=fit_intercept)
        alphas = alpha_grid(top, eps, n_alphas)
    else:
        alphas = np.sort(np.asarray(alphas, dtype=float).ravel())[::-1]
        if alphas.size == 0 or not np.all(np.isfinite(alphas)) or (alphas < 0).any():
            raise ValueError("alphas: must be a non-empty array of finite numbers ≥ 0")
    coefs = np.zeros((p, alphas.shape[0]))
    intercepts = np.zeros(alphas.shape[0])
    gaps = np.zeros(alphas.shape[0])
    coef, intercept = np.zeros(p), 0.0
    done = 0
    # On Ctrl-C the exception carries the solutions computed so far as exc.result.
    with result_on_interrupt(lambda _: (alphas[:done], coefs[:, :done], intercepts[:done], gaps[:done])):
        for k, alpha in enumerate(alphas):
            spec = penalties.L1(float(alpha), weights)._spec(p)
            coef, intercept, fit = solve(design, t, datafits.Logistic._code, spec, sample_weight=s,
                                         fit_intercept=bool(fit_intercept), tol=tol, max_iter=max_iter, coef=coef,
                                         intercept=intercept, warm=k > 0)
            warn_if_not_converged("logistic_path", fit, tol, max_iter)
            coefs[:, k] = coef
            intercepts[k] = intercept
            gaps[k] = fit.certificate
            coef = coef.copy()
            done = k + 1
    return alphas, coefs, intercepts, gaps
