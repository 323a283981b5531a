"""Lasso, elastic net and weighted Lasso whose hyperparameters are tuned by
gradient descent on a validation criterion (bilevel optimization), with
hypergradients from nonsmooth implicit differentiation.

References
----------
- Q. Bertrand, Q. Klopfenstein, M. Massias, M. Blondel, S. Vaiter, A. Gramfort,
  J. Salmon. "Implicit differentiation for fast hyperparameter selection in
  non-smooth convex learning", JMLR 23, 2022 (ICML 2020 for the Lasso).
- J. Bolte, T. Le, E. Pauwels, A. Silveti-Falls. "Nonsmooth implicit
  differentiation for machine-learning and optimization", NeurIPS 2021.
- F. Pedregosa. "Hyperparameter optimization with approximate gradient", ICML 2016.
"""
from __future__ import annotations

import time
import warnings

import numpy as np

from .. import _progress
from .._estimator import BaseEstimator, FeatureCheckMixin, RegressorMixin, check_is_fitted
from .._interrupt import result_on_interrupt
from .._validation import as_scalar
from ..exceptions import ConvergenceWarning, NumericalError
from ..linear_model._coordinate_descent import ElasticNet, _check_sample_weight
from ..linear_model._data import Design, as_target
from ._criteria import make_criterion
from ._hypergradient import METHODS, ImplicitDifferentiationWarning
from ._optimizers import StoppingRule, check_positive_int, make_optimizer
from ._runners import check_n_jobs, make_runner

#: The search range in log-space: θ ∈ [log α_max − ln 10⁶, log α_max + ln 0.999] for the
#: ℓ1 strength (α_max: the smallest over the inner problems, so that every inner
#: solution is nonzero at the upper end and the search never sits in the flat
#: region β = 0), and up to log α_max + ln 100 for the ℓ2 strength and the
#: per-feature strengths of the weighted Lasso.
LOG_RANGE = np.log(1e6)
_UPPER_L1 = np.log(0.999)
_UPPER_OTHER = np.log(100.0)


# ---- parametrizations: θ ↔ the inner problem -----------------------------------------


class _Lasso:
    model = "lasso"

    def __init__(self, p):
        self.p = p

    def size(self):
        return 1

    def solver(self, theta):
        return float(np.exp(theta[0])), 1.0, None

    def strengths(self, theta):
        return np.full(self.p, np.exp(theta[0])), 0.0

    def bounds(self, log_alpha_max):
        return np.array([log_alpha_max - LOG_RANGE]), np.array([log_alpha_max + _UPPER_L1])

    def describe(self, theta):
        return {"alpha": float(np.exp(theta[0]))}

    def short(self, theta, grad):
        return f"α={np.exp(theta[0]):.4e}  dC/dlogα={grad[0]:+.3e}"


class _ElasticNet(_Lasso):
    model = "elastic_net"

    def size(self):
        return 2

    def solver(self, theta):
        l1, l2 = np.exp(theta)
        return float(l1 + l2), float(l1 / (l1 + l2)), None

    def strengths(self, theta):
        return np.full(self.p, np.exp(theta[0])), float(np.exp(theta[1]))

    def bounds(self, log_alpha_max):
        return (np.array([log_alpha_max - LOG_RANGE] * 2),
                np.array([log_alpha_max + _UPPER_L1, log_alpha_max + _UPPER_OTHER]))

    def describe(self, theta):
        l1, l2 = np.exp(theta)
        return {"alpha": float(l1 + l2), "l1_ratio": float(l1 / (l1 + l2)), "l1_strength": float(l1),
                "l2_strength": float(l2)}

    def short(self, theta, grad):
        l1, l2 = np.exp(theta)
        return f"λ1={l1:.3e} λ2={l2:.3e}  ∇={grad[0]:+.2e},{grad[1]:+.2e}"


class _WeightedLasso(_Lasso):
    model = "weighted_lasso"

    def size(self):
        return self.p

    def solver(self, theta):
        return 1.0, 1.0, np.exp(theta)

    def strengths(self, theta):
        return np.exp(theta), 0.0

    def bounds(self, log_alpha_max):
        return (np.full(self.p, log_alpha_max - LOG_RANGE), np.full(self.p, log_alpha_max + _UPPER_OTHER))

    def describe(self, theta):
        return {"alphas": np.exp(theta), "alpha": float(np.exp(np.mean(theta)))}

    def short(self, theta, grad):
        return (f"geo-mean λ={np.exp(np.mean(theta)):.3e}  λ∈[{np.exp(theta.min()):.1e}, {np.exp(theta.max()):.1e}]"
                f"  ‖∇‖∞={np.max(np.abs(grad)):.2e}")


# ---- the bilevel objective --------------------------------------------------------------


def _check_target_scale(y):
    """Rejects a y whose squared residuals overflow: the criteria (held-out and CV
    mean squared errors, SURE) sum squares of residuals of the size of y, and their
    gradients enter the native hypergradient; 16× headroom for residuals larger than y."""
    n = y.shape[0]
    limit = float(np.sqrt(np.finfo(float).max / n)) / 16
    largest = float(np.max(np.abs(y))) if n else 0.0
    if largest > limit:
        raise ValueError(f"y: values too large to tune in float64 (max |y| = {largest:.3g} > {limit:.3g} for "
                         f"{n} samples): the criterion sums squared residuals, which would overflow; rescale y "
                         "(e.g. y / y.std()) and scale the predictions back")


class _Objective:
    """θ ↦ (C(β̂(θ)), ∂C/∂θ): solves every inner problem (warm-started), evaluates the
    criterion and sums the tasks' hypergradients; records every call."""

    def __init__(self, bound, param, method, settings, tol, tol_decrease, max_iter, verbose, label, runner):
        self.bound, self.param, self.method, self.settings = bound, param, method, settings
        self.runner = runner
        self.tol, self.tol_decrease, self.max_iter = tol, tol_decrease, max_iter
        self.label = label
        self.bar = _progress.Progress(label, unit="step") if verbose else None
        self.history = []
        self.n_evaluations = 0
        self.n_accepted = 0
        self.inner_not_converged = 0
        self.hypergradient_not_converged = 0
        self.start = time.perf_counter()

    def inner_tol(self):
        if not self.tol_decrease:
            return self.tol
        return max(self.tol, 1e-3 * 0.25 ** self.n_accepted)  # HOAG: summable tolerances

    def at_final_tol(self):
        """Whether the inner problems are solved to the final tolerance (always,
        unless the tolerances decrease)."""
        return self.inner_tol() <= self.tol

    def __call__(self, theta):
        theta = np.array(theta, dtype=float)
        for record in reversed(self.history[-12:]):  # a point evaluated again (e.g. the best scan point)
            if np.array_equal(record["theta"], theta):
                return record["criterion"], record["hypergradient"].copy()
        alpha, l1_ratio, weights = self.param.solver(theta)
        l1, l2 = self.param.strengths(theta)
        tol = self.inner_tol()
        for converged, _, _ in self.runner.solve(alpha, l1_ratio, weights, tol, self.max_iter):
            self.inner_not_converged += not converged
        with np.errstate(over="ignore", invalid="ignore"):  # an overflow is reported below, as NumericalError
            value, grads = self.bound.evaluate()
        if not np.isfinite(value) or not all(np.all(np.isfinite(g)) for g in grads):
            # Checked before the hypergradient call, which would name its internal argument.
            raise NumericalError(f"the validation criterion or its gradient overflows at θ = {theta}: "
                                 "the residuals are too large for float64; rescale y (e.g. y / y.std()) or X")
        parts = np.array(getattr(self.bound, "parts", [value]), dtype=float)  # a copy: the next call overwrites
        total = np.zeros(self.param.size())
        diagnostics = []
        for h, d, converged in self.runner.hypergradient(grads, l1, l2, self.param.model, self.method,
                                                         self.settings):
            total += h
            diagnostics.append(d)
            self.hypergradient_not_converged += not converged
        if not np.isfinite(value) or not np.all(np.isfinite(total)):
            raise NumericalError(f"the criterion or its hypergradient is not finite at θ = {theta}")
        record = {"step": self.n_evaluations, "theta": theta.copy(), **self.param.describe(theta),
                  "criterion": float(value), "parts": parts, "hypergradient": total.copy(),
                  "support_size": [d.support_size for d in diagnostics],
                  "equicorrelation_size": [d.equicorrelation_size for d in diagnostics],
                  "invertible": all(d.invertible_support and d.invertible_equicorrelation for d in diagnostics),
                  "fallback": [d.fallback for d in diagnostics], "diagnostics": diagnostics,
                  "inner_tol": tol, "time": time.perf_counter() - self.start, "accepted": False,
                  "phase": "descent"}
        self.history.append(record)
        self.n_evaluations += 1
        if self.bar is not None:
            sizes = record["support_size"]
            support = str(sizes[0]) if len(sizes) == 1 else f"{min(sizes)}–{max(sizes)}"
            self.bar.update(self.n_evaluations, self.param.short(theta, total),
                            **{self.bound.name: float(value), "|S|": support})
        return float(value), total

    def accept(self, theta=None):
        if not self.history:
            return
        if theta is None:
            self.history[-1]["accepted"] = True
        else:
            for record in reversed(self.history):
                if np.allclose(record["theta"], theta, rtol=0, atol=1e-12):
                    record["accepted"] = True
                    break
        self.n_accepted += 1

    def best(self):
        return min(self.history, key=lambda r: r["criterion"])

    def best_theta(self):
        return self.best()["theta"]


# ---- estimators ----------------------------------------------------------------------------


def _check_bool(value, name):
    if not isinstance(value, (bool, np.bool_)):
        raise ValueError(f"{name}: must be True or False, got {value!r}")
    return bool(value)


class _TunedBase(FeatureCheckMixin, RegressorMixin, BaseEstimator):
    """Shared fit/predict/plot of the tuned estimators (see :class:`LassoTuned`)."""

    _Parametrization = _Lasso

    def _initial_theta(self, param, log_alpha_max, lower, upper, objective, rule):
        start = self._log_alpha0(log_alpha_max, lower, upper, objective, rule)
        return np.clip(np.full(param.size(), start), lower, upper)

    def _log_alpha0(self, log_alpha_max, lower, upper, objective, rule):
        """log of the starting α: alpha0, α_max/10, or the best point of a coarse scan."""
        if isinstance(self.alpha0, str):
            if self.alpha0 != "scan":
                raise ValueError(f"alpha0: must be a positive number, None or 'scan', got {self.alpha0!r}")
            return self._scan(log_alpha_max, lower, upper, objective, rule)
        if self.alpha0 is None:
            return log_alpha_max - np.log(10.0)
        return np.log(as_scalar(self.alpha0, "alpha0", low=0.0, low_open=True))

    def _scan(self, log_alpha_max, lower, upper, objective, rule):
        """Coarse scan from the top of the range down, 3 points per decade (α_max/2.15 …
        α_max/1000), warm-started like a path, stopping once the criterion rose at
        two consecutive points and the hypergradient says it keeps rising. Every
        point is an outer step (recorded, counted in max_outer); the optimizer
        starts from the best one, so a criterion with several local minima is
        searched where the coarse curve is lowest."""
        best, best_value, rises = None, np.inf, 0
        for k in range(1, 10):
            if objective.n_evaluations >= max(rule.max_outer - 1, 1):
                break
            log_alpha = log_alpha_max - k * np.log(10.0) / 3
            theta = np.clip(np.full(len(lower), log_alpha), lower, upper)
            value, grad = objective(theta)
            objective.history[-1]["phase"] = "scan"
            if value < best_value:
                best, best_value, rises = log_alpha, value, 0
            else:
                rises += 1
                if rises >= 2 and float(np.sum(grad)) < 0:
                    break
        return best if best is not None else log_alpha_max - np.log(10.0)

    def _validate(self):
        if self.hypergradient not in METHODS:
            raise ValueError(f"hypergradient: must be one of {sorted(METHODS)}, got {self.hypergradient!r}")
        rule = StoppingRule(max_outer=check_positive_int(self.max_outer, "max_outer"),
                            rtol=as_scalar(self.outer_tol, "outer_tol", low=0.0),
                            gtol=as_scalar(self.outer_tol, "outer_tol", low=0.0))
        tol = as_scalar(self.tol, "tol", low=0.0, low_open=True)
        max_iter = check_positive_int(self.max_iter, "max_iter")
        optimizer = make_optimizer(self.optimizer)
        for name in ("fit_intercept", "verbose", "tol_decrease"):
            _check_bool(getattr(self, name), name)
        return rule, tol, max_iter, optimizer

    def fit(self, X, y, sample_weight=None, groups=None):
        """Tune the hyperparameters on (X, y) by the criterion, then refit on all of (X, y).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
            Finite, with max |y| ≤ √(float64 max / n_samples)/16 (about 8e151 for
            100 samples) so that squared residuals do not overflow; rescale a larger y.
        sample_weight : array-like of shape (n_samples,), default=None
            Weights of the samples, exactly as in scikit-learn's ``LassoCV``: each
            inner fit is the weighted Lasso on its training rows (weights rescaled
            to sum to their number), the criterion is the weighted validation MSE
            Σ s_i r_i² / Σ s_i, and the refit is weighted. The hypergradient is
            that of this weighted criterion. Not with the SURE criteria.
        groups : array-like of shape (n_samples,), default=None
            Group labels for a splitter given as ``cv`` (e.g. ``GroupKFold``).

        Returns
        -------
        self

        Raises
        ------
        ValueError
            For an invalid argument, named in the message (e.g. a y too large).
        NumericalError
            When the criterion or its hypergradient overflows during the search.
        """
        rule, tol, max_iter, optimizer = self._validate()
        n_jobs = check_n_jobs(self.n_jobs)
        name = type(self).__name__
        design = Design(X)
        n, p = design.shape
        y = as_target(y, n, estimator=name)
        _check_target_scale(y)
        sample_weight = _check_sample_weight(sample_weight, n)
        criterion = make_criterion(self.criterion, cv=self.cv, validation_fraction=self.validation_fraction,
                                   sigma=self.sigma)
        self._check_criterion(criterion)
        rng = np.random.default_rng(self.random_state)
        bound = criterion.bind(design.matrix, y, bool(self.fit_intercept), rng, sample_weight=sample_weight,
                               groups=groups)
        param = self._Parametrization(p)
        alpha_max = bound.alpha_max()
        if np.isinf(alpha_max):
            raise ValueError("X: Xᵀy overflows float64 (α_max = ‖Xᵀy‖∞/n is infinite); rescale X or y")
        if not alpha_max > 0:
            alpha_max = 1.0  # y uncorrelated with every feature: every α gives β = 0
        log_alpha_max = float(np.log(alpha_max))
        lower, upper = param.bounds(log_alpha_max)
        settings = {"tol": 1e-10 if self.hypergradient in ("implicit", "implicit_forward") else 1e-12,
                    "max_iter": 100_000}
        runner = make_runner(n_jobs, bound.tasks)
        objective = _Objective(bound, param, self.hypergradient, settings, tol, bool(self.tol_decrease), max_iter,
                               bool(self.verbose), name, runner)
        if self.verbose:
            print(f"[{name}] {bound.name} over {len(bound.tasks)} inner problem(s), {n} samples × {p} features; "
                  f"α_max = {alpha_max:.4e}, search in log-space within [{np.exp(lower.min()):.2e}, "
                  f"{np.exp(upper.max()):.2e}]", flush=True)

        def tuned(reason):
            best = objective.best()
            self.history_ = objective.history
            self._set_paths(objective.history)
            self.stop_reason_ = reason
            self.n_outer_ = objective.n_evaluations
            self.n_iter_ = objective.n_evaluations  # scikit-learn's name for iterations of max_iter-like budgets
            self.criterion_ = best["criterion"]
            self.criterion_name_ = bound.name
            self.hypergradient_ = best["hypergradient"]
            self.diagnostics_ = best["diagnostics"]
            self.alpha_max_ = alpha_max
            self.search_bounds_ = (np.exp(lower), np.exp(upper))
            self._set_hyperparameters(best["theta"], param)
            return self

        # On Ctrl-C the exception carries this estimator with the best hyperparameters
        # evaluated so far as exc.result (stop_reason_ "interrupted", not refit).
        try:
            with result_on_interrupt(lambda _: tuned("interrupted")):
                theta0 = self._initial_theta(param, log_alpha_max, lower, upper, objective, rule)
                _, reason = optimizer.minimize(objective, theta0, lower, upper, rule)
        finally:
            runner.close()
            if objective.bar is not None:
                objective.bar.close()
        tuned(reason)
        self._warn(objective, name)
        if self.verbose:
            print(f"[{name}] stopped: {reason}", flush=True)
        # Refit on all the data with the tuned hyperparameters.
        alpha, l1_ratio, weights = param.solver(objective.best()["theta"])
        refit = ElasticNet(alpha=alpha, l1_ratio=l1_ratio, weights=weights, fit_intercept=bool(self.fit_intercept),
                           tol=tol, max_iter=max_iter)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            refit.fit(design.matrix, y, sample_weight=sample_weight)
        for w in caught:  # a refit that did not converge is said, in the tuned estimator's name
            warnings.warn(f"{name}: the refit on all the data at the tuned hyperparameters: {w.message}",
                          w.category, stacklevel=2)
        self.coef_ = refit.coef_
        self.intercept_ = refit.intercept_
        self.dual_gap_ = refit.dual_gap_
        self._reset_features(X, p)
        self._plot_state = (bound, param)
        return self

    def _check_criterion(self, criterion):
        pass

    def _set_paths(self, history):
        """scikit-learn's ``LassoCV`` surface: ``mse_path_`` (one row per distinct point
        evaluated, one column per fold) and ``alphas_`` (their α), by decreasing α."""
        points = {}
        for record in history:
            points.setdefault(record["theta"].tobytes(), record)
        records = sorted(points.values(), key=lambda r: -r["alpha"])
        self.mse_path_ = np.array([r["parts"] for r in records])
        self.alphas_ = np.array([r["alpha"] for r in records])

    def _warn(self, objective, name):
        records = objective.history
        for kind in ("strict_support", "ridge"):
            hits = [(r, d) for r in records for d in r["diagnostics"] if d.fallback == kind]
            if hits:
                steps = sorted({r["step"] for r, _ in hits})
                warnings.warn(
                    f"{name}: at {len(steps)} of {len(records)} outer steps the implicit function theorem did not "
                    f"apply ({kind.replace('_', ' ')} fallback, first at step {steps[0]}): "
                    + hits[0][1].explain(), ImplicitDifferentiationWarning, stacklevel=3)
        if objective.inner_not_converged:
            warnings.warn(f"{name}: {objective.inner_not_converged} inner solve(s) did not reach tol within "
                          "max_iter; hypergradients there are less accurate. Increase max_iter.",
                          ConvergenceWarning, stacklevel=3)
        if objective.hypergradient_not_converged:
            warnings.warn(f"{name}: the {self.hypergradient!r} hypergradient did not converge at "
                          f"{objective.hypergradient_not_converged} inner solution(s).", ConvergenceWarning,
                          stacklevel=3)

    def predict(self, X):
        """X @ coef_ + intercept_."""
        check_is_fitted(self)
        design = Design(X)
        self._check_features(X, design.shape[1])
        return design.matvec(self.coef_) + self.intercept_

    def plot(self, path=None, *, grid=50, curve=None, ax=None):
        """Plot the criterion against the hyperparameters with the path the
        optimizer took (matplotlib needed; it is an optional dependency).

        Parameters
        ----------
        path : str or path-like, default=None
            Save the figure there (any format matplotlib knows from the suffix).
        grid : int or False, default=50
            LassoTuned: evaluate the criterion on this many α values (warm-started
            path on the same folds) to draw the curve; False draws the path only.
        curve : (alphas, values), default=None
            A precomputed curve to draw instead of evaluating ``grid``.
        ax : matplotlib Axes, default=None
            Draw the first panel only, into this Axes.

        Returns
        -------
        ax or ndarray of Axes
            ``ax`` when given, else the two panels (the figure is
            ``axes[0].figure``). Axes rather than the Figure, as matplotlib's
            and pandas' plotting functions return: a notebook cell ending in
            ``model.plot()`` shows the figure once.
        """
        from ._plot import plot_tuning

        check_is_fitted(self)
        return plot_tuning(self, path=path, grid=grid, curve=curve, ax=ax)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags


_COMMON_DOC = """
    criterion : {"cv", "holdout", "sure", "sure_fd"} or Criterion, default="cv"
        The outer criterion: K-fold cross-validation MSE (:class:`CrossVal`),
        held-out MSE (:class:`HeldOut`, also for a user-supplied validation set),
        SURE with df = |support| (:class:`SURE`) or its finite-difference
        Monte-Carlo version (:class:`FiniteDifferenceSURE`).
    cv : int, splitter or iterable of (train, test), default=5
        Folds for ``criterion="cv"``; an int K gives the unshuffled ``KFold(K)``
        folds that scikit-learn's ``LassoCV`` uses.
    validation_fraction : float, default=0.25
        For ``criterion="holdout"``.
    sigma : float, default=None
        Noise level for the SURE criteria (least-squares estimate when None).
    hypergradient : {"implicit", "implicit_forward", "forward", "reverse"}, default="implicit"
        How hypergradients are computed (all agree at exact inner solutions):
        a linear solve on the support (Cholesky, or CG beyond 1000 features),
        forward-mode iterations on the support warm-started across outer steps,
        forward mode through coordinate descent from scratch, or reverse mode
        through the stored iterations.
    optimizer : {"gd", "adam", "lbfgs"}, nonsmooth.optim optimizer or optimizer object, default="gd"
        Gradient descent with backtracking line search (HOAG-style),
        ``nonsmooth.Adam(0.2)``, or L-BFGS with bounds (SciPy's L-BFGS-B when
        installed); or any optimizer of :mod:`nonsmooth.optim` (``ns.Adam(1e-2)``,
        ``ns.Momentum(0.1)``, ...), whose native update rule then runs on a fresh
        copy. All work in log-space, projected onto the search range
        ``[log α_max − ln 10⁶, log α_max)``.
    max_outer : int, default=50
        Largest number of outer steps (criterion + hypergradient evaluations,
        line-search trials included).
    outer_tol : float, default=1e-6
        Stop when the criterion decreases by less than this (relative) over an
        accepted step, or when the projected hypergradient max|Δθ| ≤ outer_tol·|C|.
    tol : float, default=1e-10
        Inner solver tolerance (duality gap ≤ tol·‖y‖²/n, scikit-learn's scaling).
    tol_decrease : bool, default=False
        HOAG's decreasing inner tolerances: max(tol, 10⁻³·4⁻ᵏ) at accepted step k.
    max_iter : int, default=10000
        Inner solver epoch budget.
    fit_intercept : bool, default=True
    n_jobs : int, default=None
        Threads solving the inner problems (folds) of a step in parallel (the
        native calls release the GIL); None is 1, -1 is every CPU. Inside
        ``joblib.parallel_backend("dask")``, any value but 1 (None included)
        runs each inner problem on a Dask actor of that backend's client instead:
        the fold's data and warm starts stay on a worker for the whole tuning and
        an outer step exchanges p-vectors with it.
    verbose : bool, default=False
        Show one updating progress line on stderr (outer step, hyperparameters,
        hypergradient, criterion, support size; a tqdm bar when tqdm is
        installed), between a line describing the search and one giving the
        stop reason.
    random_state : int or None, default=None
        Seeds the hold-out split and the Monte-Carlo direction of ``"sure_fd"``.

    Attributes
    ----------
    coef_ : ndarray of shape (n_features,)
        Refit on all the data with the tuned hyperparameters.
    intercept_ : float
    criterion_ : float
        Best criterion value found.
    history_ : list of dict
        One dict per outer step: ``theta`` (log-space), the hyperparameters,
        ``criterion``, ``hypergradient``, ``support_size`` and
        ``equicorrelation_size`` (per inner problem), ``invertible``,
        ``fallback``, ``diagnostics`` (:class:`Diagnostics` per inner problem),
        ``inner_tol``, ``time`` (seconds since fit started), ``accepted`` (by the
        optimizer), ``phase`` (``"scan"`` for the starting scan, else ``"descent"``).
    stop_reason_ : str
        Why the outer optimization stopped, in words.
    n_outer_, n_iter_ : int
        Number of outer steps taken.
    hypergradient_ : ndarray
        ∂C/∂θ at the returned hyperparameters.
    diagnostics_ : list of Diagnostics
        At the returned hyperparameters, one per inner problem.
    alpha_max_ : float
        Smallest α_max over the inner problems (top of the search range).
    mse_path_ : ndarray of shape (n_points, n_folds)
        As in ``LassoCV``: the validation MSE of each fold (one column for
        ``"holdout"``; the criterion itself for the SURE criteria) at every
        distinct point the tuning evaluated, by decreasing α (geometric mean of
        the λ_j for WeightedLassoTuned). ``mse_path_.mean(axis=1)`` is the
        criterion.
    alphas_ : ndarray of shape (n_points,)
        The α of the rows of ``mse_path_`` (WeightedLassoTuned: the tuned λ_j,
        see below).
    dual_gap_ : float
        Duality gap of the refit.
    n_features_in_ : int
"""


class LassoTuned(_TunedBase):
    # An expression, not a literal: assigned, so that it is the class docstring.
    __doc__ = """Lasso whose α is chosen by gradient descent on a validation criterion,
    with hypergradients from implicit differentiation of the Lasso solution.

    The inner problem is scikit-learn's Lasso, ``‖y − Xβ − b‖²/(2n) + α‖β‖₁``.
    The outer problem minimizes C(β̂(α)) over θ = log α, starting from the best
    point of a coarse scan (``alpha0="scan"``), with dC/dθ from the optimality condition on the
    support of β̂ (Bertrand et al., JMLR 2022): one linear system of the size of
    the support per inner problem, instead of the 100 fits per fold of a grid.

    Parameters
    ----------
    alpha0 : float, None or "scan", default="scan"
        Starting α. ``"scan"`` evaluates the criterion (with its hypergradient)
        at 3 points per decade from α_max/2.15 down, stopping once it has risen
        at two consecutive points and keeps rising, and starts from the best: a
        cross-validation curve often has several local minima, and gradient
        descent finds the one it starts in. None starts at α_max/10 (the usual
        choice of the bilevel literature, faster, but local).""" + _COMMON_DOC + """
    alpha_ : float
        The tuned α.

    Examples
    --------
    >>> import numpy as np, nonsmooth as ns
    >>> d = ns.datasets.load_diabetes()
    >>> X = (d.data - d.data.mean(0)) / d.data.std(0)
    >>> model = ns.LassoTuned(cv=5).fit(X, d.target)
    >>> print(f"α = {model.alpha_:.3f}, CV MSE = {model.criterion_:.1f}, {np.count_nonzero(model.coef_)} features")
    α = 0.083, CV MSE = 2991.8, 9 features
    >>> model.history_[-1]["phase"], model.predict(X[:2]).round(1)
    ('descent', array([205.6,  68.8]))
    """

    def __init__(self, *, criterion="cv", cv=5, validation_fraction=0.25, sigma=None, hypergradient="implicit",
                 optimizer="gd", alpha0="scan", max_outer=50, outer_tol=1e-6, tol=1e-10, tol_decrease=False,
                 max_iter=10_000, fit_intercept=True, n_jobs=None, verbose=False, random_state=None):
        self.criterion = criterion
        self.cv = cv
        self.validation_fraction = validation_fraction
        self.sigma = sigma
        self.hypergradient = hypergradient
        self.optimizer = optimizer
        self.alpha0 = alpha0
        self.max_outer = max_outer
        self.outer_tol = outer_tol
        self.tol = tol
        self.tol_decrease = tol_decrease
        self.max_iter = max_iter
        self.fit_intercept = fit_intercept
        self.n_jobs = n_jobs
        self.verbose = verbose
        self.random_state = random_state

    def _set_hyperparameters(self, theta, param):
        self.alpha_ = float(np.exp(theta[0]))


class ElasticNetTuned(_TunedBase):
    __doc__ = """Elastic net whose two penalty strengths are tuned by gradient descent on a
    validation criterion, with implicit-differentiation hypergradients.

    The inner problem is ``‖y − Xβ − b‖²/(2n) + λ1‖β‖₁ + (λ2/2)‖β‖²``, i.e.
    scikit-learn's ElasticNet with α = λ1 + λ2 and l1_ratio = λ1/(λ1 + λ2).
    The hyperparameters are θ = (log λ1, log λ2): both strengths move freely
    (rather than α and a bounded l1_ratio), and the system on the support,
    X_Sᵀ X_S/n + λ2 I, is always invertible.

    Parameters
    ----------
    alpha0 : float, default=None
        Starting α (α_max/10 when None).
    l1_ratio0 : float, default=0.5
        Starting l1_ratio ∈ (0, 1): λ1 = α0·l1_ratio0, λ2 = α0·(1 − l1_ratio0).""" + _COMMON_DOC + """
    alpha_, l1_ratio_ : float
        The tuned α and l1_ratio (scikit-learn's parametrization).
    l1_strength_, l2_strength_ : float
        The tuned λ1 and λ2.

    Examples
    --------
    >>> import numpy as np, nonsmooth as ns
    >>> d = ns.datasets.load_diabetes()
    >>> X = (d.data - d.data.mean(0)) / d.data.std(0)
    >>> model = ns.ElasticNetTuned(cv=5).fit(X, d.target)
    >>> print(f"λ1 = {model.l1_strength_:.3f}, λ2 = {model.l2_strength_:.3f}, CV MSE = {model.criterion_:.1f}")
    λ1 = 0.524, λ2 = 0.016, CV MSE = 2992.5
    """

    _Parametrization = _ElasticNet

    def __init__(self, *, criterion="cv", cv=5, validation_fraction=0.25, sigma=None, hypergradient="implicit",
                 optimizer="gd", alpha0=None, l1_ratio0=0.5, max_outer=50, outer_tol=1e-6, tol=1e-10,
                 tol_decrease=False, max_iter=10_000, fit_intercept=True, n_jobs=None, verbose=False,
                 random_state=None):
        self.criterion = criterion
        self.cv = cv
        self.validation_fraction = validation_fraction
        self.sigma = sigma
        self.hypergradient = hypergradient
        self.optimizer = optimizer
        self.alpha0 = alpha0
        self.l1_ratio0 = l1_ratio0
        self.max_outer = max_outer
        self.outer_tol = outer_tol
        self.tol = tol
        self.tol_decrease = tol_decrease
        self.max_iter = max_iter
        self.fit_intercept = fit_intercept
        self.n_jobs = n_jobs
        self.verbose = verbose
        self.random_state = random_state

    def _initial_theta(self, param, log_alpha_max, lower, upper, objective, rule):
        rho = as_scalar(self.l1_ratio0, "l1_ratio0", low=0.0, high=1.0, low_open=True, high_open=True)
        if self.alpha0 == "scan":
            raise ValueError("alpha0: 'scan' is available for LassoTuned only")
        log_alpha = self._log_alpha0(log_alpha_max, lower, upper, objective, rule)
        return np.clip(np.array([log_alpha + np.log(rho), log_alpha + np.log(1 - rho)]), lower, upper)

    def _check_criterion(self, criterion):
        from ._criteria import SURE

        if isinstance(criterion, SURE):
            raise ValueError("criterion: 'sure' uses df = |support|, which holds for λ2 = 0 only; use 'sure_fd', "
                             "'cv' or 'holdout' with ElasticNetTuned")

    def _set_hyperparameters(self, theta, param):
        l1, l2 = np.exp(theta)
        self.l1_strength_ = float(l1)
        self.l2_strength_ = float(l2)
        self.alpha_ = float(l1 + l2)
        self.l1_ratio_ = float(l1 / (l1 + l2))


class WeightedLassoTuned(_TunedBase):
    __doc__ = """Weighted Lasso with one penalty strength per feature, tuned by gradient
    descent on a validation criterion (n_features hyperparameters), with
    hypergradients from implicit differentiation.

    The inner problem is ``‖y − Xβ − b‖²/(2n) + Σ_j λ_j |β_j|`` with θ_j = log λ_j.
    One linear solve on the support gives all n_features hypergradients at once
    (``hypergradient="implicit"``; ``"implicit_forward"`` carries a |S|×|S|
    Jacobian and ``"forward"`` a p×p one, so they are slower here).

    Features outside the support have a zero hypergradient (β̂_j stays 0 under a
    small change of λ_j): once a feature leaves the model its λ_j stops moving.
    This is the behaviour of the exact derivative, not a numerical artefact. With
    many hyperparameters the criterion can be over-fitted; prefer cross-validation.

    Parameters
    ----------
    alpha0 : float, default=None
        Starting λ_j for every feature (α_max/10 when None).""" + _COMMON_DOC + """
    alphas_ : ndarray of shape (n_features,)
        The tuned λ_j.
    alpha_, weights_ : float, ndarray
        alpha_ = geometric mean of λ and weights_ = λ/alpha_, so that
        ``Lasso(alpha_, weights=weights_)`` is the tuned model.

    Examples
    --------
    >>> import numpy as np, nonsmooth as ns
    >>> d = ns.datasets.load_diabetes()
    >>> X = (d.data - d.data.mean(0)) / d.data.std(0)
    >>> model = ns.WeightedLassoTuned(cv=5, max_outer=20).fit(X, d.target)
    >>> model.alphas_.round(2)                    # one λ per feature
    array([ 4.3 ,  0.21,  0.05,  0.08, 31.23, 15.02,  0.46,  4.3 ,  0.45,  7.34])
    """

    _Parametrization = _WeightedLasso

    def __init__(self, *, criterion="cv", cv=5, validation_fraction=0.25, sigma=None, hypergradient="implicit",
                 optimizer="gd", alpha0=None, max_outer=50, outer_tol=1e-6, tol=1e-10, tol_decrease=False,
                 max_iter=10_000, fit_intercept=True, n_jobs=None, verbose=False, random_state=None):
        self.criterion = criterion
        self.cv = cv
        self.validation_fraction = validation_fraction
        self.sigma = sigma
        self.hypergradient = hypergradient
        self.optimizer = optimizer
        self.alpha0 = alpha0
        self.max_outer = max_outer
        self.outer_tol = outer_tol
        self.tol = tol
        self.tol_decrease = tol_decrease
        self.max_iter = max_iter
        self.fit_intercept = fit_intercept
        self.n_jobs = n_jobs
        self.verbose = verbose
        self.random_state = random_state

    def _initial_theta(self, param, log_alpha_max, lower, upper, objective, rule):
        if self.alpha0 == "scan":
            raise ValueError("alpha0: 'scan' is available for LassoTuned only")
        return super()._initial_theta(param, log_alpha_max, lower, upper, objective, rule)

    def _set_hyperparameters(self, theta, param):
        self.alphas_ = np.exp(theta)
        self.alpha_ = float(np.exp(np.mean(theta)))
        self.weights_ = self.alphas_ / self.alpha_


def lasso_criterion_path(X, y, *, criterion="cv", cv=5, alphas=None, n_alphas=100, eps=1e-3, fit_intercept=True,
                         tol=1e-10, max_iter=10_000, validation_fraction=0.25, sigma=None, random_state=None,
                         sample_weight=None, groups=None):
    """The criterion of :class:`LassoTuned` on a grid of α (grid search), each
    inner problem solved along the grid from the largest α with warm starts.

    The default grid is scikit-learn's ``LassoCV`` grid: ``n_alphas`` values
    from α_max of the whole data down to ``eps·α_max``, geometrically spaced.
    ``sample_weight`` and ``groups`` as in :meth:`LassoTuned.fit`.

    Parameters
    ----------
    X : {array-like, sparse matrix} of shape (n_samples, n_features)
    y : array-like of shape (n_samples,)
    criterion, cv, validation_fraction, sigma, random_state
        As for :class:`LassoTuned`.
    alphas : array-like, optional
        An explicit grid (default: the ``LassoCV`` grid).
    n_alphas : int, default=100
    eps : float, default=1e-3
    fit_intercept : bool, default=True
    tol : float, default=1e-10
        Inner tolerance.
    max_iter : int, default=10000

    Returns
    -------
    alphas : ndarray of shape (n_alphas,), decreasing
    values : ndarray of shape (n_alphas,)
    best_alpha : float
    best_value : float

    Examples
    --------
    >>> d = ns.datasets.load_diabetes()
    >>> X, y = (d.data - d.data.mean(0)) / d.data.std(0), d.target
    >>> alphas, values, best_alpha, best_value = ns.tuning.lasso_criterion_path(X, y, n_alphas=20)
    >>> print(f"grid: α = {best_alpha:.3f}, CV MSE {best_value:.1f}")
    grid: α = 0.065, CV MSE 2991.9
    >>> print(f"LassoTuned: CV MSE {ns.LassoTuned().fit(X, y).criterion_:.1f}")   # at least as good
    LassoTuned: CV MSE 2991.8
    """
    design = Design(X)
    n, p = design.shape
    y = as_target(y, n)
    _check_target_scale(y)
    sample_weight = _check_sample_weight(sample_weight, n)
    crit = make_criterion(criterion, cv=cv, validation_fraction=validation_fraction, sigma=sigma)
    bound = crit.bind(design.matrix, y, bool(fit_intercept), np.random.default_rng(random_state),
                      sample_weight=sample_weight, groups=groups)
    return _criterion_on_grid(bound, design, y, alphas, n_alphas, eps, fit_intercept, tol, max_iter, sample_weight)


def _criterion_on_grid(bound, design, y, alphas, n_alphas, eps, fit_intercept, tol, max_iter, sample_weight=None):
    from ..linear_model._coordinate_descent import _Problem, alpha_grid

    if alphas is None:
        alphas = alpha_grid(_Problem(design.matrix, y, sample_weight, bool(fit_intercept)).alpha_max(1.0, None, False),
                            eps, n_alphas)
    else:
        alphas = np.sort(np.asarray(alphas, dtype=float).ravel())[::-1]
        if alphas.size == 0 or not np.all(np.isfinite(alphas)) or (alphas <= 0).any():
            raise ValueError("alphas: must be a non-empty array of positive finite values")
    for task in bound.tasks:  # start each path from β = 0
        task.coef[:] = 0.0
        task.solved = False
    values = np.empty(alphas.size)
    for k, alpha in enumerate(alphas):
        for task in bound.tasks:
            task.solve(float(alpha), 1.0, None, tol, max_iter)
        values[k] = bound.evaluate()[0]
    best = int(np.argmin(values))
    return alphas, values, float(alphas[best]), float(values[best])
