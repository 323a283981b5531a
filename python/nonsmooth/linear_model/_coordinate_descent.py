"""Lasso, elastic net and weighted Lasso estimators solved by the native
coordinate descent (working sets, Gap Safe screening, Anderson extrapolation),
each fit certified by its duality gap."""
from __future__ import annotations

import numbers
import warnings

import numpy as np

from .. import _native, _progress
from .._estimator import BaseEstimator, FeatureCheckMixin, RegressorMixin, check_is_fitted
from .._interrupt import result_on_interrupt
from .._validation import as_float_array, as_int, as_scalar
from ..exceptions import ConvergenceWarning
from ._data import Design, as_target

_STATUS_NOT_CONVERGED = 4
_STATUS_CANCELLED = 3
_OPTION_BITS = {"working_set": 1, "screening": 2, "extrapolation": 4}
_SOLVER_ADMM = 8


def _check_weights(weights, p, name="weights"):
    if weights is None:
        return None
    w = np.ascontiguousarray(as_float_array(weights, name, ndim=1))
    if w.shape[0] != p:
        raise ValueError(f"{name}: has {w.shape[0]} entries but X has {p} features")
    if (w < 0).any():
        raise ValueError(f"{name}: must be non-negative")
    return w


def _check_sample_weight(sample_weight, n):
    if sample_weight is None:
        return None
    if isinstance(sample_weight, numbers.Number):
        sample_weight = np.full(n, float(sample_weight))
    s = as_float_array(sample_weight, "sample_weight", ndim=1)
    if s.shape[0] != n:
        raise ValueError(f"sample_weight: has {s.shape[0]} entries but X has {n} samples")
    if (s < 0).any():
        raise ValueError("sample_weight: must be non-negative")
    top = s.max()
    if top <= 0:
        raise ValueError("sample_weight: all weights are zero; at least one must be positive")
    s = s / top  # first to [0, 1]: the sum of huge weights would overflow, n / Σ tiny ones too
    return s * (n / s.sum())  # scikit-learn's normalization: weights sum to n


class _Problem:
    """The data of one fit after sample weights and centring, ready for the core.

    Sample weights s (normalized to sum to n) become row scalings by √s. With an
    intercept, dense X is centred by its weighted means; sparse X instead gets
    one extra unpenalized column √s whose coefficient is the intercept, so it is
    never densified.
    """

    def __init__(self, X, y, sample_weight, fit_intercept, estimator="This estimator"):
        design = Design(X)
        n, p = design.shape
        y = as_target(y, n, estimator=estimator)
        s = _check_sample_weight(sample_weight, n)
        self.n_features = p
        self.x_offset = None
        self.y_offset = 0.0
        self.native_intercept = fit_intercept
        self.intercept_column = False
        self.tol_scale = 1.0
        if s is not None:
            root = np.sqrt(s)
            if design.sparse:
                import scipy.sparse as sp

                scaled = design.matrix.multiply(root[:, None])
                if fit_intercept:
                    scaled = sp.hstack([scaled, sp.csc_matrix(root[:, None])])
                    self.intercept_column = True
                    self.native_intercept = False
                    # The core scales tol by ||y||²/n; keep scikit-learn's centred ||y||².
                    centred = np.sum(s * (y - np.average(y, weights=s)) ** 2)
                    total = np.sum(s * y ** 2)
                    self.tol_scale = centred / total if total > 0 else 1.0
                design = Design(scaled.tocsc())
                y = y * root
            else:
                Xd = design.matrix
                if fit_intercept:
                    self.x_offset = np.average(Xd, axis=0, weights=s)
                    self.y_offset = float(np.average(y, weights=s))
                    Xd = Xd - self.x_offset
                    y = y - self.y_offset
                    self.native_intercept = False
                design = Design(np.asfortranarray(Xd * root[:, None]))
                y = y * root
        self.design = design
        self.y = np.ascontiguousarray(y)

    def native_weights(self, weights, positive):
        if not self.intercept_column:
            return weights
        if positive:
            raise ValueError("positive: not supported together with sparse X, sample_weight and "
                             "fit_intercept=True yet; use a dense X")
        w = np.ones(self.n_features) if weights is None else weights
        return np.append(w, 0.0)  # the intercept column is unpenalized

    def alpha_max(self, l1_ratio, weights, positive):
        d, w = self.design, self.native_weights(weights, positive)
        if d.sparse:
            return _native.enet_alpha_max((d.data, d.indices, d.indptr), self.y, l1_ratio, w,
                                          positive, self.native_intercept, d.shape)
        return _native.enet_alpha_max(d.matrix, self.y, l1_ratio, w, positive, self.native_intercept, None)

    def solve(self, alpha, l1_ratio, weights, positive, tol, max_iter, options, gram, coef, intercept, warm_start,
              callback, every, history=None):
        """Solve in place into `coef` (n_features entries); returns (status, intercept, info).

        `history`, a C-contiguous float64 array of shape (k, 2), receives up to k
        rows (epoch, duality gap); ``info[5]`` says how many were written.
        """
        d, w = self.design, self.native_weights(weights, positive)
        x = np.append(coef, intercept) if self.intercept_column else coef
        tol = tol * self.tol_scale
        try:
            if d.sparse:
                status, b, info = _native.enet_fit_csc(
                    d.data, d.indices, d.indptr, d.shape[0], d.shape[1], self.y, alpha, l1_ratio, w, positive,
                    self.native_intercept, tol, max_iter, options, x, warm_start, callback, every, history)
            else:
                status, b, info = _native.enet_fit_dense(
                    d.matrix, self.y, alpha, l1_ratio, w, positive, self.native_intercept, tol, max_iter,
                    options, gram, x, warm_start, callback, every, history)
        except BaseException as exc:  # interrupted: the last iterate, unpacked the same way
            if not hasattr(exc, "native_state"):
                raise
            status, b, info = exc.native_state
            exc.native_state = (status, self._intercept(coef, x, b), info)
            raise
        return status, self._intercept(coef, x, b), info

    def _intercept(self, coef, x, b):
        """Copies the solver's `x` into `coef` and returns the model's intercept."""
        if self.intercept_column:
            coef[:] = x[:-1]
            return float(x[-1])
        if self.x_offset is not None:
            return self.y_offset - float(self.x_offset @ coef)
        return b


def _warn_unless_certified(who, status, gap, tolerance, iterations, max_iter, unit="epochs"):
    """The ConvergenceWarning of a solve whose certificate is short of the tolerance.

    Three ways to fall short: the budget ran out, the callback stopped the
    solve, or the solver reached the rounding floor of the gap (1e-13 of the
    objective) above a tolerance smaller than that; the last reports success
    natively, so the gap itself is compared here.
    """
    if status == _STATUS_NOT_CONVERGED:
        message = (f"{who} did not converge in max_iter={max_iter} {unit}: duality gap {gap:.3e} "
                   f"> tolerance {tolerance:.3e}. Increase max_iter, loosen tol, or scale the features.")
    elif status == _STATUS_CANCELLED:
        message = f"{who} stopped by its callback after {iterations} {unit} with duality gap {gap:.3e}."
    elif gap > tolerance:
        message = (f"{who} stopped at the rounding floor of the duality gap (about 1e-13 of the objective): "
                   f"duality gap {gap:.3e} > tolerance {tolerance:.3e}. A smaller tol cannot be certified in "
                   f"float64; loosen tol or rescale y.")
    else:
        return
    warnings.warn(message, ConvergenceWarning, stacklevel=3)


class ElasticNet(FeatureCheckMixin, RegressorMixin, BaseEstimator):
    """Linear regression with combined ℓ1 and ℓ2 penalties, certified by its duality gap.

    Minimizes, as :class:`sklearn.linear_model.ElasticNet` does,

    .. math:: \\frac{1}{2n}\\|y - X\\beta - b\\|^2 + \\alpha \\sum_j w_j
              \\Big(\\rho|\\beta_j| + \\frac{1-\\rho}{2}\\beta_j^2\\Big)

    by coordinate descent with working sets and Anderson extrapolation
    (Bertrand & Massias, AISTATS 2021; Massias, Gramfort & Salmon, ICML 2018)
    and Gap Safe screening (Ndiaye et al., JMLR 2017), in native code.

    Parameters
    ----------
    alpha : float, default=1.0
        Overall penalty strength α ≥ 0; α = 0 is least squares (every feature
        unpenalized, at most 2048 of them), certified like any other fit.
    l1_ratio : float, default=0.5
        ρ ∈ (0, 1]; 1 gives the Lasso.
    fit_intercept : bool, default=True
        Fit an unpenalized intercept b (the solver centres implicitly; sparse
        X stays sparse).
    weights : array-like of shape (n_features,), default=None
        Per-feature penalty weights w_j ≥ 0 (weighted Lasso / adaptive Lasso);
        0 leaves a feature unpenalized.
    positive : bool, default=False
        Constrain the coefficients to be non-negative.
    tol : float, default=1e-4
        Stop when the duality gap is at most ``tol * ||y||² / n`` (scikit-learn's
        rule; y centred when an intercept is fitted). The gap is computed in
        floating point, so it cannot be resolved below about 1e-13 of the
        objective: a fit that reaches that floor above the requested tolerance
        stops there and raises a ConvergenceWarning naming the gap reached
        (``dual_gap_ > gap_tolerance_``).
    max_iter : int, default=1000
        Budget of coordinate descent epochs.
    warm_start : bool, default=False
        Start from the previous ``coef_``.
    precompute : {"auto", True, False}, default="auto"
        Work on the Gram matrix XᵀX (fast when n ≫ p; dense X only). "auto"
        switches a working set's subproblem to the Gram form of its features
        (or of all features) once the solve has spent as much as forming it;
        True forms the whole XᵀX first.
    working_set, screening, extrapolation : bool, default=True
        The acceleration techniques; turn one off to study its effect.
    solver : {"cd", "admm"}, default="cd"
        Coordinate descent, or ADMM with a cached Cholesky factorization,
        over-relaxation and residual balancing (Boyd et al. 2011). Both stop on
        the same duality gap; ``n_iter_`` counts epochs or ADMM iterations.
    callback : callable, default=None
        ``callback(epoch, duality_gap)`` every few epochs; return False to stop.
    verbose : bool, default=False
        Show one updating progress line on stderr (epoch, duality gap), a tqdm
        bar when tqdm is installed.

    Attributes
    ----------
    coef_ : ndarray of shape (n_features,)
    intercept_ : float
    dual_gap_ : float
        Duality gap of the returned solution (the certificate).
    gap_tolerance_ : float
        The gap the solver was asked to reach, ``tol * ||y||² / n``.
    n_iter_ : int
        Number of coordinate descent epochs (ADMM iterations with ``solver="admm"``).
    gap_history_ : ndarray of shape (k, 2)
        The convergence record: one row (epoch, duality gap) per epoch at which
        the solver evaluated the full problem's duality gap — at each
        working-set update for coordinate descent, every few iterations for
        ADMM (the first column then counts ADMM iterations) — in the scaling of
        ``dual_gap_``. Epochs increase; the last row is ``(n_iter_, dual_gap_)``.
        The solver computes these gaps anyway, so recording them costs nothing;
        a refit (also with ``warm_start``) records a new history.
    n_features_in_ : int

    Examples
    --------
    >>> X = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0], [2.0, 1.0]])
    >>> y = np.array([1.0, -1.0, 0.0, 1.0])
    >>> model = ns.ElasticNet(alpha=0.1, l1_ratio=0.7, tol=1e-10).fit(X, y)
    >>> model.coef_.round(4), round(model.intercept_, 4)
    (array([ 0.8113, -0.5402]), -0.1561)
    >>> model.dual_gap_ <= model.gap_tolerance_          # the certificate
    True
    >>> model.predict(np.array([[1.0, 2.0]])).round(4)
    array([-0.4253])
    """

    def __init__(self, alpha=1.0, *, l1_ratio=0.5, fit_intercept=True, weights=None, positive=False,
                 tol=1e-4, max_iter=1000, warm_start=False, precompute="auto", working_set=True,
                 screening=True, extrapolation=True, solver="cd", callback=None, verbose=False):
        self.alpha = alpha
        self.l1_ratio = l1_ratio
        self.fit_intercept = fit_intercept
        self.weights = weights
        self.positive = positive
        self.tol = tol
        self.max_iter = max_iter
        self.warm_start = warm_start
        self.precompute = precompute
        self.working_set = working_set
        self.screening = screening
        self.extrapolation = extrapolation
        self.solver = solver
        self.callback = callback
        self.verbose = verbose

    def _l1_ratio(self):
        return as_scalar(self.l1_ratio, "l1_ratio", low=0.0, high=1.0, low_open=True)

    def _solver_settings(self):
        alpha = as_scalar(self.alpha, "alpha", low=0.0)
        tol = as_scalar(self.tol, "tol", low=0.0)
        max_iter = as_int(self.max_iter, "max_iter", low=1)
        gram = {"auto": -1, True: 1, False: 0}.get(self.precompute if isinstance(self.precompute, (str, bool))
                                                  else None)
        if gram is None:
            raise ValueError(f"precompute: must be 'auto', True or False, got {self.precompute!r}")
        options = sum(bit for name, bit in _OPTION_BITS.items() if getattr(self, name))
        if self.solver not in ("cd", "admm"):
            raise ValueError(f"solver: must be 'cd' or 'admm', got {self.solver!r}")
        if self.solver == "admm":
            options |= _SOLVER_ADMM
        return alpha, tol, max_iter, options, gram

    def fit(self, X, y, sample_weight=None):
        """Fit the model.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Dense input in any memory order (Fortran order is read in place),
            or a SciPy sparse matrix (used as CSC, never densified).
        y : array-like of shape (n_samples,)
        sample_weight : array-like of shape (n_samples,), default=None
            Rescaled to sum to n_samples, as in scikit-learn.

        Returns
        -------
        self
        """
        alpha, tol, max_iter, options, gram = self._solver_settings()
        l1_ratio = self._l1_ratio()
        problem = _Problem(X, y, sample_weight, bool(self.fit_intercept), type(self).__name__)
        p = problem.n_features
        weights = _check_weights(self.weights, p)
        coef = np.zeros(p)
        intercept = 0.0
        warm = bool(self.warm_start) and getattr(self, "coef_", None) is not None \
            and np.shape(self.coef_) == (p,)
        if warm:  # a user may set coef_ alone (a list, without intercept_), as scikit-learn allows
            coef[:] = np.asarray(self.coef_, dtype=float)
            intercept = float(getattr(self, "intercept_", 0.0))
        name = type(self).__name__
        # One row per distinct epoch in 0..n_iter_ ≤ max_iter; beyond 10⁴ rows the
        # core keeps the first ones and the last (the certificate). np.empty does
        # not touch the rows that stay unused.
        history = np.empty((min(max_iter + 2, 10_000), 2))
        report = _progress.reporter(self.verbose, self.callback, name, "gap", unit="epoch")
        # On Ctrl-C (or a callback's exception) the exception carries this model
        # fitted to the last iterate, as exc.result (see nonsmooth/_interrupt.py).
        try:
            with result_on_interrupt(lambda state: self._set_solution(X, coef, *state[1:], history, p)):
                status, intercept, info = problem.solve(
                    alpha, l1_ratio, weights, bool(self.positive), tol, max_iter, options, gram, coef, intercept,
                    warm, report, 10, history)
        finally:
            _progress.close(report)
        self._set_solution(X, coef, intercept, info, history, p)
        _warn_unless_certified(name, status, self.dual_gap_, self.gap_tolerance_, self.n_iter_, max_iter,
                               "iterations" if self.solver == "admm" else "epochs")
        return self

    def _set_solution(self, X, coef, intercept, info, history, p):
        self.coef_ = coef
        self.intercept_ = float(intercept) if self.fit_intercept else 0.0
        self.dual_gap_, self.gap_tolerance_ = info[0], info[1]
        self.n_iter_ = int(info[2])
        self.gap_history_ = history[:int(info[5])].copy()
        self._reset_features(X, p)
        return self

    def predict(self, X):
        """Predict with the fitted linear model: X @ coef_ + intercept_."""
        check_is_fitted(self)
        design = Design(X)
        self._check_features(X, design.shape[1])
        return design.matvec(np.asarray(self.coef_, dtype=float)) + self.intercept_

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags

    @property
    def sparse_coef_(self):
        """coef_ as a SciPy sparse row matrix."""
        import scipy.sparse as sp

        check_is_fitted(self)
        return sp.csr_matrix(np.asarray(self.coef_, dtype=float)[None, :])


class Lasso(ElasticNet):
    """Linear regression with an ℓ1 penalty (weighted when ``weights`` is
    given), certified by its duality gap:

    .. math:: \\frac{1}{2n}\\|y - X\\beta - b\\|^2 + \\alpha \\sum_j w_j |\\beta_j|

    Same solver, parameters and attributes as :class:`ElasticNet` with
    ``l1_ratio=1``.

    Parameters
    ----------
    alpha : float, default=1.0
        The penalty strength α ≥ 0.
    fit_intercept, weights, positive, tol, max_iter, warm_start, precompute
        As for :class:`ElasticNet`.
    working_set, screening, extrapolation, solver, callback, verbose
        As for :class:`ElasticNet`.

    Attributes
    ----------
    coef_, intercept_, dual_gap_, gap_tolerance_, n_iter_, n_features_in_
        As for :class:`ElasticNet`.
    gap_history_ : ndarray of shape (k, 2)
        Rows (epoch, duality gap) of the gaps the solver evaluated, epochs
        increasing, the last row ``(n_iter_, dual_gap_)`` (see :class:`ElasticNet`).

    Examples
    --------
    >>> X = np.array([[1.0, 0.0, 0.5], [0.0, 1.0, 0.0], [1.0, 1.0, 1.0], [2.0, 1.0, 0.0]])
    >>> y = np.array([1.0, -1.0, 0.0, 1.0])
    >>> model = ns.Lasso(alpha=0.1, tol=1e-10).fit(X, y)
    >>> model.coef_.round(4)                              # exact zeros
    array([ 0.8   , -0.4667,  0.    ])
    >>> print(f"gap {model.dual_gap_:.1e} ≤ {model.gap_tolerance_:.1e} after {model.n_iter_} epochs")
    gap 0.0e+00 ≤ 6.9e-11 after 3 epochs
    >>> bool(ns.Lasso(alpha=0.1, weights=[0.0, 1.0, 1.0]).fit(X, y).coef_[0] != 0)   # unpenalized
    True
    """

    def __init__(self, alpha=1.0, *, fit_intercept=True, weights=None, positive=False, tol=1e-4,
                 max_iter=1000, warm_start=False, precompute="auto", working_set=True, screening=True,
                 extrapolation=True, solver="cd", callback=None, verbose=False):
        self.alpha = alpha
        self.fit_intercept = fit_intercept
        self.weights = weights
        self.positive = positive
        self.tol = tol
        self.max_iter = max_iter
        self.warm_start = warm_start
        self.precompute = precompute
        self.working_set = working_set
        self.screening = screening
        self.extrapolation = extrapolation
        self.solver = solver
        self.callback = callback
        self.verbose = verbose

    def _l1_ratio(self):
        return 1.0


def alpha_grid(alpha_max: float, eps, n_alphas) -> np.ndarray:
    """The default grid of the paths: ``n_alphas`` values from α_max down to
    eps·α_max, geometrically spaced. As in scikit-learn, an α_max below the float
    resolution (y ≈ 0, e.g. y = [5e-324], where eps·α_max underflows to 0) gives
    the constant grid of that resolution."""
    eps = as_scalar(eps, "eps", low=0.0, low_open=True)
    n_alphas = as_int(n_alphas, "n_alphas", low=1)
    resolution = np.finfo(float).resolution
    if alpha_max <= resolution:
        return np.full(n_alphas, resolution)
    return np.geomspace(alpha_max, max(alpha_max * eps, np.finfo(float).tiny), n_alphas)


def enet_path(X, y, *, l1_ratio=0.5, eps=1e-3, n_alphas=100, alphas=None, fit_intercept=False, weights=None,
              positive=False, tol=1e-4, max_iter=1000, precompute="auto", return_n_iter=False, verbose=False):
    """Elastic net solutions over a grid of α, from the largest, with warm starts.

    Parameters
    ----------
    X : array-like or scipy.sparse matrix of shape (n_samples, n_features)
    y : array-like of shape (n_samples,)
    l1_ratio : float, default=0.5
        ρ ∈ (0, 1] (see :class:`ElasticNet`).
    eps : float, default=1e-3
        α_min / α_max for the default geometric grid of ``n_alphas`` values
        starting at α_max (the smallest α with all penalized coefficients 0).
    n_alphas : int, default=100
    alphas : array-like, default=None
        Explicit grid (sorted in decreasing order before solving).
    fit_intercept : bool, default=False
        scikit-learn's paths assume centred data; set True to fit an intercept.
    tol : float, default=1e-4
        Each fit stops when its duality gap is at most ``tol * ||y||² / n``, or
        at the gap's rounding floor (about 1e-13 of the objective) with a
        ConvergenceWarning when that floor lies above the tolerance (see
        :class:`ElasticNet`).
    weights, positive, max_iter, precompute
        As for :class:`ElasticNet`.
    return_n_iter : bool, default=False
        Also return the epochs of each solve.
    verbose : bool, default=False
        One progress line on stderr, advanced at each α.

    Returns
    -------
    alphas : ndarray of shape (n_alphas,), decreasing
    coefs : ndarray of shape (n_features, n_alphas)
    dual_gaps : ndarray of shape (n_alphas,)
    n_iters : list of int, when ``return_n_iter``

    Examples
    --------
    >>> X = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0], [-1.0, 0.5]])
    >>> y = np.array([1.0, -1.0, 0.0, -1.0])
    >>> alphas, coefs, gaps = ns.enet_path(X, y, l1_ratio=0.5, n_alphas=3)
    >>> alphas.round(4)
    array([1.    , 0.0316, 0.001 ])
    >>> coefs.round(3)                 # one column per α: all zero at α_max
    array([[ 0.   ,  0.76 ,  0.806],
           [ 0.   , -0.785, -0.844]])
    """
    model = ElasticNet(l1_ratio=l1_ratio, fit_intercept=fit_intercept, weights=weights, positive=positive,
                       tol=tol, max_iter=max_iter, precompute=precompute, verbose=verbose)
    l1_ratio = model._l1_ratio()
    _, tol, max_iter, options, gram = model._solver_settings()
    problem = _Problem(X, y, None, bool(fit_intercept))
    p = problem.n_features
    w = _check_weights(weights, p)
    if alphas is None:
        alphas = alpha_grid(problem.alpha_max(l1_ratio, w, bool(positive)), eps, n_alphas)
    else:
        alphas = np.sort(as_float_array(alphas, "alphas").ravel())[::-1]
        if (alphas < 0).any():
            raise ValueError("alphas: must be non-negative")
    coefs = np.empty((p, alphas.size))
    gaps = np.empty(alphas.size)
    n_iters = []
    coef = np.zeros(p)
    b = 0.0
    bar = _progress.Progress("enet_path", alphas.size, unit="alpha") if verbose else None

    def computed(done):  # what the path returns, for its first `done` alphas
        out = (alphas[:done], coefs[:, :done], gaps[:done])
        return out + (n_iters[:done],) if return_n_iter else out

    try:
        # On Ctrl-C the exception carries the solutions computed so far as exc.result.
        with result_on_interrupt(lambda _: computed(len(n_iters))):
            for k, alpha in enumerate(alphas):
                status, b, info = problem.solve(float(alpha), l1_ratio, w, bool(positive), tol, max_iter, options,
                                                gram, coef, b if k else 0.0, k > 0, None, 10)
                if bar is not None:
                    bar.update(k + 1, alpha=float(alpha), gap=float(info[0]), epochs=int(info[2]))
                _warn_unless_certified(f"enet_path at alpha={alpha:.3e}", status, info[0], info[1], int(info[2]),
                                       max_iter)
                coefs[:, k] = coef
                gaps[k] = info[0]
                n_iters.append(int(info[2]))
    finally:
        if bar is not None:
            bar.close()
    return computed(alphas.size)


def lasso_path(X, y, **kwargs):
    """Lasso solutions over a grid of α (see :func:`enet_path`, with ``l1_ratio=1``).

    Parameters
    ----------
    X : array-like or scipy.sparse matrix of shape (n_samples, n_features)
    y : array-like of shape (n_samples,)
    **kwargs
        The keyword arguments of :func:`enet_path` but ``l1_ratio``.

    Returns
    -------
    alphas, coefs, dual_gaps[, n_iters]
        As for :func:`enet_path`.

    Examples
    --------
    >>> X = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0], [-1.0, 0.5]])
    >>> y = np.array([1.0, -1.0, 0.0, -1.0])
    >>> alphas, coefs, gaps = ns.lasso_path(X, y, alphas=[0.5, 0.1, 0.01])
    >>> coefs.round(3)
    array([[ 0.   ,  0.638,  0.791],
           [ 0.   , -0.631, -0.825]])
    >>> bool((gaps <= 1e-4 * (y ** 2).sum() / len(y)).all())    # every solution certified
    True
    """
    return enet_path(X, y, **lasso_arguments(kwargs))


def lasso_arguments(kwargs):
    """The keyword arguments of a Lasso path: those of the elastic net path with l1_ratio=1."""
    if "l1_ratio" in kwargs:
        raise TypeError("lasso_path() got an unexpected keyword argument 'l1_ratio'")
    return {**kwargs, "l1_ratio": 1.0}
