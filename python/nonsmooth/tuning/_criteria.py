"""Outer criteria of bilevel tuning: held-out MSE, K-fold cross-validation, SURE.

A criterion is *bound* to the data once: it builds the inner problems (one per
fold, or one on the whole data) and evaluates, from their solutions β̂_k, the
criterion value and its gradient with respect to each β̂_k. Everything here is
cheap given the β̂_k; the inner solves and the hypergradients run natively.
"""
from __future__ import annotations

import numbers

import numpy as np

from ..linear_model._coordinate_descent import _Problem
from ..linear_model._data import Design, as_target, is_sparse
from .._validation import as_scalar
from ._hypergradient import native_hypergradient

_ALL_OPTIONS = 1 | 2 | 4  # working sets, screening, extrapolation
_NOT_CONVERGED = 4


class InnerTask:
    """One inner problem (the training part of a fold, or the whole data) with its
    warm starts: the last solution and, for ``implicit_forward``, the last Jacobian.

    With sample weights s (rescaled to sum to the number of rows, as scikit-learn
    does for each training fold) the inner problem is the weighted Lasso
    Σ s_i (y_i − x_iᵀβ − b)²/(2n) + penalty, solved and differentiated exactly as
    the unweighted Lasso of the centred, √s-scaled data that ``_Problem`` builds
    (so the hypergradient of the weighted problem is the one of that problem)."""

    def __init__(self, X, y, fit_intercept: bool, sample_weight=None):
        #: x̄ in b̂ = ȳ − x̄ᵀβ̂ when this task centres X itself (dense, unweighted, intercept).
        self.x_mean, self.y_mean = None, 0.0
        if not is_sparse(X):
            if fit_intercept and sample_weight is None:
                # Centred once here instead of implicitly by the core, which recomputes
                # the column means and centred norms of X at every solve and every
                # hypergradient (a fifth of a tuning run on 500 × 1 000). The training
                # rows of a fold are a copy already; a user's whole X is copied once.
                X = np.asarray(X, dtype=float)
                self.x_mean, self.y_mean = X.mean(axis=0), float(np.mean(y))
                X, y = X - self.x_mean, y - self.y_mean
            X = np.asfortranarray(X)  # read in place by the core, no copy per solve
        self.problem = _Problem(X, y, sample_weight, fit_intercept and self.x_mean is None)
        # Sparse X with sample weights and an intercept stays sparse: the intercept is the
        # coefficient of an extra unpenalized column √s (see _Problem), differentiated as
        # one more coordinate with λ1 = 0.
        self.intercept_column = self.problem.intercept_column
        self.design = self.problem.design
        self.y = self.problem.y
        self.n, self.p = self.design.shape[0], self.problem.n_features
        self.fit_intercept = fit_intercept
        #: Means the core centres by implicitly (sparse unweighted data with an intercept);
        #: the weighted problem is centred explicitly by _Problem, dense unweighted data here.
        self.means = None
        #: x̄ in b̂ = ȳ − x̄ᵀβ̂ (the weighted means with sample weights).
        self.offsets = None
        if self.x_mean is not None:
            self.offsets = self.x_mean
        elif fit_intercept and sample_weight is None:
            self.means = np.ascontiguousarray(np.asarray(self.design.matrix.mean(axis=0)).ravel())
            self.offsets = self.means
        elif fit_intercept:
            self.offsets = self.problem.x_offset
        self.coef = np.zeros(self.p)
        self.intercept = 0.0
        self.jacobian = None
        self.solved = False

    def alpha_max(self, l1_ratio=1.0, weights=None) -> float:
        return float(self.problem.alpha_max(l1_ratio, weights, False))

    def solve(self, alpha, l1_ratio, weights, tol, max_iter):
        """Solve in place from the previous solution; returns (converged, duality gap, gap tolerance)."""
        status, b, info = self.problem.solve(alpha, l1_ratio, weights, False, tol, max_iter, _ALL_OPTIONS, -1,
                                             self.coef, self.intercept, self.solved, None, 10)
        if self.x_mean is not None:
            b = self.y_mean - float(self.x_mean @ self.coef)
        self.intercept = float(b) if self.fit_intercept else 0.0
        self.solved = True
        return status != _NOT_CONVERGED, info[0], info[1]

    def hypergradient(self, g, l1, l2, model, method, settings):
        beta = self.coef
        if self.intercept_column:
            if model == "elastic_net":
                raise ValueError("sample_weight: ElasticNetTuned does not support sparse X with sample weights and "
                                 "fit_intercept=True yet; use a dense X, or center the data and fit_intercept=False")
            beta, l1 = np.append(beta, self.intercept), np.append(l1, 0.0)
        grad, state, diagnostics, converged = native_hypergradient(
            self.design, self.y, beta, np.ascontiguousarray(g), l1, l2, model, method, means=self.means,
            warm=self.jacobian if method == "implicit_forward" else None, **settings)
        if state is not None:
            self.jacobian = state
        if self.intercept_column and model == "weighted_lasso":
            grad = grad[:-1]  # the intercept has no hyperparameter
        return grad, diagnostics, converged

    def centred_transpose(self, X, r):
        """(∂ prediction / ∂ coefficients)ᵀ r, i.e. (X − 1·x̄ᵀ)ᵀ r with x̄ the training
        means (X itself without intercept), and Σ r appended for an intercept column."""
        v = np.asarray(X.T @ r).ravel()
        if self.offsets is not None:
            v = v - self.offsets * r.sum()
        if self.intercept_column:
            v = np.append(v, r.sum())
        return v


class BoundCriterion:
    """A criterion bound to data: ``tasks`` and ``evaluate()``."""

    name = "criterion"
    tasks: list
    #: The criterion's parts at the last evaluation (one per fold for CV), see ``mse_path_``.
    parts: np.ndarray

    def evaluate(self):
        """(value, [∇_β C for each task]) at the tasks' current solutions; sets ``parts``."""
        raise NotImplementedError

    def alpha_max(self, l1_ratio=1.0, weights=None) -> float:
        """The smallest α_max over the inner problems: at the upper end of the
        search range every inner solution is nonzero."""
        return min(t.alpha_max(l1_ratio, weights) for t in self.tasks)


class Criterion:
    """Base class of the outer criteria (``bind`` builds a :class:`BoundCriterion`).

    ``bind(X, y, fit_intercept, rng, sample_weight=None, groups=None)``: sample
    weights weight the inner fits and the criterion; ``groups`` go to a
    scikit-learn splitter's ``split`` (``GroupKFold``...).

    Examples
    --------
    Every criterion of :mod:`nonsmooth.tuning` is one; give it as ``criterion=``:

    >>> d = ns.datasets.load_diabetes()
    >>> X, y = (d.data - d.data.mean(0)) / d.data.std(0), d.target
    >>> crit = ns.tuning.CrossVal(cv=3)
    >>> isinstance(crit, ns.tuning.Criterion), crit
    (True, CrossVal(cv=3))
    >>> round(ns.LassoTuned(criterion=crit).fit(X, y).alpha_, 3)
    0.263
    """

    def bind(self, X, y, fit_intercept: bool, rng, sample_weight=None, groups=None) -> BoundCriterion:
        raise NotImplementedError

    def __repr__(self):
        params = ", ".join(f"{k}={v!r}" for k, v in vars(self).items() if not k.startswith("_")
                           and not isinstance(v, np.ndarray))
        return f"{type(self).__name__}({params})"


# ---- validation-set criteria --------------------------------------------------------


class _BoundValidation(BoundCriterion):
    """Mean over the pairs (task, validation set) of the validation MSE
    Σ s_i (y_v,i − x_v,iᵀβ̂ − b̂)² / Σ s_i (s = 1 without sample weights), the
    criterion of scikit-learn's LassoCV."""

    def __init__(self, name, pairs):
        self.name = name
        self.tasks = [t for t, _, _, _ in pairs]
        self.validation = [(Xv, yv, sv) for _, Xv, yv, sv in pairs]

    def evaluate(self):
        k = len(self.tasks)
        grads, parts = [], np.empty(k)
        for i, (task, (Xv, yv, sv)) in enumerate(zip(self.tasks, self.validation)):
            residual = yv - (np.asarray(Xv @ task.coef).ravel() + task.intercept)
            weighted = residual if sv is None else sv * residual
            total = residual.shape[0] if sv is None else float(sv.sum())
            parts[i] = float(weighted @ residual) / total
            # b̂ = ȳ − x̄ᵀβ̂, so the prediction's derivative in β is X_v − 1·x̄ᵀ.
            grads.append(-2.0 / (total * k) * task.centred_transpose(Xv, weighted))
        self.parts = parts
        return float(parts.mean()), grads


def _rows(X, index):
    return X[index] if not is_sparse(X) else X.tocsr()[index].tocsc()


def _take(s, index):
    return None if s is None else s[index]


def _validation_pairs(X, y, fit_intercept, sample_weight, folds):
    """(inner task on the training rows, X_val, y_val, weights_val) per (train, test) split."""
    if sample_weight is not None:
        for i, (_, test) in enumerate(folds):
            if not sample_weight[test].sum() > 0:
                raise ValueError(f"sample_weight: every weight of validation fold {i} is zero")
    return [(InnerTask(_rows(X, tr), y[tr], fit_intercept, _take(sample_weight, tr)), _rows(X, te), y[te],
             _take(sample_weight, te)) for tr, te in folds]


class HeldOut(Criterion):
    """Mean squared error on a validation set.

    Parameters
    ----------
    X_val, y_val : array-like, default=None
        A user-supplied validation set; the estimator's ``fit(X, y)`` data is then
        the training set. When None, a random ``validation_fraction`` of the
        samples is held out (``random_state`` of the estimator).
    validation_fraction : float, default=0.25

    Examples
    --------
    >>> d = ns.datasets.load_diabetes()
    >>> X, y = (d.data - d.data.mean(0)) / d.data.std(0), d.target
    >>> model = ns.LassoTuned(criterion=ns.tuning.HeldOut(X[300:], y[300:])).fit(X[:300], y[:300])
    >>> model.criterion_name_, round(model.alpha_, 3)
    ('held-out MSE', 2.235)
    """

    def __init__(self, X_val=None, y_val=None, *, validation_fraction=0.25):
        self.X_val = X_val
        self.y_val = y_val
        self.validation_fraction = validation_fraction

    def bind(self, X, y, fit_intercept, rng, sample_weight=None, groups=None):
        if (self.X_val is None) != (self.y_val is None):
            raise ValueError("X_val, y_val: give both or neither")
        if self.X_val is not None:
            val = Design(self.X_val, "X_val")
            if val.shape[1] != X.shape[1]:
                raise ValueError(f"X_val: has {val.shape[1]} features but X has {X.shape[1]}")
            yv = as_target(self.y_val, val.shape[0], "y_val")
            return _BoundValidation("held-out MSE",
                                    [(InnerTask(X, y, fit_intercept, sample_weight), val.matrix, yv, None)])
        fraction = as_scalar(self.validation_fraction, "validation_fraction", low=0.0, high=1.0, low_open=True,
                             high_open=True)
        n = X.shape[0]
        n_val = int(round(fraction * n))
        if n_val < 1 or n - n_val < 2:
            raise ValueError(f"validation_fraction: {fraction} of {n} sample(s) leaves no validation or training data")
        order = rng.permutation(n)
        val, train = np.sort(order[:n_val]), np.sort(order[n_val:])
        return _BoundValidation("held-out MSE", _validation_pairs(X, y, fit_intercept, sample_weight, [(train, val)]))


def kfold_indices(n: int, k: int):
    """Contiguous K-fold splits, identical to ``sklearn.model_selection.KFold(k)``."""
    sizes = np.full(k, n // k, dtype=int)
    sizes[: n % k] += 1
    stops = np.cumsum(sizes)
    indices = np.arange(n)
    out = []
    for stop, size in zip(stops, sizes):
        test = indices[stop - size: stop]
        out.append((np.concatenate([indices[: stop - size], indices[stop:]]), test))
    return out


def resolve_folds(cv, X, y, groups=None):
    """Folds as a list of (train, test) index arrays: an int K (contiguous KFold), a
    scikit-learn splitter (anything with ``split``, given ``groups``), or an iterable of pairs."""
    n = X.shape[0]
    if isinstance(cv, numbers.Integral) and not isinstance(cv, bool):
        k = int(cv)
        if k < 2:
            raise ValueError(f"cv: needs at least 2 folds, got {k}")
        if n < k:
            raise ValueError(f"cv: {k} folds need at least {k} samples, got {n} sample(s)")
        return kfold_indices(n, k)
    if isinstance(cv, (str, bytes)):  # str.split is not a splitter's split
        raise ValueError(f"cv: expected an int, a splitter or an iterable of (train, test), got {cv!r}")
    if hasattr(cv, "split"):
        folds = list(cv.split(X, y, groups))
    else:
        try:
            folds = [(np.asarray(a), np.asarray(b)) for a, b in cv]
        except TypeError:
            raise ValueError(f"cv: expected an int, a splitter or an iterable of (train, test), got {cv!r}") from None
    if len(folds) < 1:
        raise ValueError("cv: no folds")
    checked = []
    for i, (train, test) in enumerate(folds):
        train, test = np.asarray(train), np.asarray(test)
        if train.dtype == bool:
            train = np.flatnonzero(train)
        if test.dtype == bool:
            test = np.flatnonzero(test)
        if train.dtype.kind not in "iu" or test.dtype.kind not in "iu":
            raise ValueError(f"cv: fold {i} has indices of dtype {train.dtype}/{test.dtype}; expected integers or booleans")
        if train.size < 1 or test.size < 1 or train.min() < 0 or test.min() < 0 or max(train.max(), test.max()) >= n:
            raise ValueError(f"cv: fold {i} has empty or out-of-range indices")
        checked.append((train.astype(np.intp), test.astype(np.intp)))
    return checked


class CrossVal(Criterion):
    """K-fold cross-validation: the mean over folds of the held-out MSE, the
    criterion of scikit-learn's ``LassoCV`` (``mse_path_.mean(axis=1)``).

    Its hypergradient is the mean of the folds' hypergradients; each fold keeps
    its own warm start (last solution, last Jacobian) from one outer step to the next.

    Parameters
    ----------
    cv : int, splitter or iterable of (train, test), default=5
        An int K gives contiguous, unshuffled folds, identical to ``KFold(K)``.

    Examples
    --------
    >>> d = ns.datasets.load_diabetes()
    >>> X, y = (d.data - d.data.mean(0)) / d.data.std(0), d.target
    >>> from sklearn.model_selection import KFold
    >>> model = ns.LassoTuned(criterion=ns.tuning.CrossVal(KFold(4, shuffle=True, random_state=0))).fit(X, y)
    >>> model.criterion_name_, len(model.diagnostics_)          # one inner problem per fold
    ('4-fold CV MSE', 4)
    """

    def __init__(self, cv=5):
        self.cv = cv

    def bind(self, X, y, fit_intercept, rng, sample_weight=None, groups=None):
        folds = resolve_folds(self.cv, X, y, groups)
        return _BoundValidation(f"{len(folds)}-fold CV MSE",
                                _validation_pairs(X, y, fit_intercept, sample_weight, folds))


# ---- SURE ---------------------------------------------------------------------------


def _unweighted(sample_weight, name):
    if sample_weight is not None:
        raise ValueError(f"sample_weight: {name} assumes i.i.d. noise of one level; with sample weights use "
                         "criterion='cv' or 'holdout'")


def _noise_variance(X, y, fit_intercept):
    n, p = X.shape
    dof = n - p - int(fit_intercept)
    if is_sparse(X) or dof < 1:
        raise ValueError("sigma: give the noise level; it can be estimated by least squares only for dense X "
                         f"with n_samples > n_features (got {n} × {p})")
    A = np.asarray(X, dtype=float)
    if fit_intercept:
        A = A - A.mean(axis=0)
        y = y - y.mean()
    coef, *_ = np.linalg.lstsq(A, y, rcond=None)
    r = y - A @ coef
    return float(r @ r) / dof


class _BoundSURE(BoundCriterion):
    name = "SURE"

    def __init__(self, X, y, fit_intercept, sigma2):
        self.tasks = [InnerTask(X, y, fit_intercept)]
        self.X, self.y, self.sigma2 = X, y, sigma2

    def evaluate(self):
        t = self.tasks[0]
        r = self.y - (np.asarray(self.X @ t.coef).ravel() + t.intercept)
        n = r.shape[0]
        df = np.count_nonzero(t.coef) + int(t.fit_intercept)
        value = float(r @ r) / n - self.sigma2 + 2 * self.sigma2 * df / n
        self.parts = np.array([value])
        return value, [-2.0 / n * t.centred_transpose(self.X, r)]


class SURE(Criterion):
    """Stein's unbiased risk estimate of the prediction error ‖Xβ̂ − Xβ*‖²/n for
    Lasso-type models (λ2 = 0), with the closed-form degrees of freedom
    df = |support| (+1 for the intercept; Zou, Hastie & Tibshirani 2007):

        SURE = ‖y − Xβ̂‖²/n − σ² + 2σ² df / n.

    **Its hypergradient needs care**: df is piecewise constant in θ, so its
    derivative is 0 almost everywhere and the hypergradient is that of the
    residual term alone, which always pushes α down; the criterion itself jumps
    by 2σ²/n whenever a feature enters. A line search (the ``"gd"`` optimizer)
    rejects steps across jumps that increase SURE, but the result depends on the
    start. Use :class:`FiniteDifferenceSURE` for a criterion whose hypergradient
    sees the degrees of freedom.

    Parameters
    ----------
    sigma : float, default=None
        The noise standard deviation; estimated by least squares when None
        (dense X with n_samples > n_features only).

    Examples
    --------
    >>> d = ns.datasets.load_diabetes()
    >>> X, y = (d.data - d.data.mean(0)) / d.data.std(0), d.target
    >>> model = ns.LassoTuned(criterion=ns.tuning.SURE()).fit(X, y)
    >>> model.criterion_name_, round(model.alpha_, 3)
    ('SURE', 0.951)
    """

    def __init__(self, sigma=None):
        self.sigma = sigma

    def bind(self, X, y, fit_intercept, rng, sample_weight=None, groups=None):
        _unweighted(sample_weight, "SURE")
        sigma2 = (as_scalar(self.sigma, "sigma", low=0.0, low_open=True) ** 2 if self.sigma is not None
                  else _noise_variance(X, y, fit_intercept))
        return _BoundSURE(X, y, fit_intercept, sigma2)


class _BoundFDSURE(BoundCriterion):
    name = "finite-difference Monte-Carlo SURE"

    def __init__(self, X, y, fit_intercept, sigma2, epsilon, delta):
        self.tasks = [InnerTask(X, y, fit_intercept), InnerTask(X, y + epsilon * delta, fit_intercept)]
        self.X, self.y, self.sigma2, self.epsilon, self.delta = X, y, sigma2, epsilon, delta
        self.Xt_delta = self.tasks[0].centred_transpose(X, delta)

    def evaluate(self):
        t1, t2 = self.tasks
        pred1 = np.asarray(self.X @ t1.coef).ravel() + t1.intercept
        pred2 = np.asarray(self.X @ t2.coef).ravel() + t2.intercept
        r = self.y - pred1
        n = r.shape[0]
        df = float(self.delta @ (pred2 - pred1)) / self.epsilon
        value = float(r @ r) / n - self.sigma2 + 2 * self.sigma2 * df / n
        c = 2 * self.sigma2 / (n * self.epsilon)
        g1 = -2.0 / n * t1.centred_transpose(self.X, r) - c * self.Xt_delta
        g2 = c * self.Xt_delta
        self.parts = np.array([value])
        return value, [g1, g2]


class FiniteDifferenceSURE(Criterion):
    """SURE with the finite-difference Monte-Carlo degrees of freedom of Deledalle,
    Vaiter, Fadili & Peyré, "Stein Unbiased GrAdient estimator of the Risk (SUGAR)
    for multiple parameter selection", SIAM J. Imaging Sci. 2014:

        df ≈ δᵀ (Xβ̂(y + εδ) − Xβ̂(y)) / ε,   δ ~ N(0, I) drawn once,

    a smooth function of θ between breakpoints, whose hypergradient involves two
    inner problems (on y and on y + εδ), differentiated together.

    Parameters
    ----------
    sigma : float, default=None
        Noise standard deviation (estimated by least squares when None, see :class:`SURE`).
    epsilon : float, default=None
        Finite-difference step; 2σ/n^0.3 (Deledalle et al.'s choice) when None.

    Examples
    --------
    >>> d = ns.datasets.load_diabetes()
    >>> X, y = (d.data - d.data.mean(0)) / d.data.std(0), d.target
    >>> model = ns.LassoTuned(criterion=ns.tuning.FiniteDifferenceSURE(), random_state=0).fit(X, y)
    >>> model.criterion_name_, round(model.alpha_, 3)
    ('finite-difference Monte-Carlo SURE', 1.713)
    """

    def __init__(self, sigma=None, epsilon=None):
        self.sigma = sigma
        self.epsilon = epsilon

    def bind(self, X, y, fit_intercept, rng, sample_weight=None, groups=None):
        _unweighted(sample_weight, "FiniteDifferenceSURE")
        sigma2 = (as_scalar(self.sigma, "sigma", low=0.0, low_open=True) ** 2 if self.sigma is not None
                  else _noise_variance(X, y, fit_intercept))
        n = X.shape[0]
        eps = (as_scalar(self.epsilon, "epsilon", low=0.0, low_open=True) if self.epsilon is not None
               else 2 * np.sqrt(sigma2) / n ** 0.3)
        delta = rng.standard_normal(n)
        return _BoundFDSURE(X, y, fit_intercept, sigma2, eps, delta)


_NAMED = {"cv": CrossVal, "holdout": HeldOut, "sure": SURE, "sure_fd": FiniteDifferenceSURE}


def make_criterion(criterion, *, cv=5, validation_fraction=0.25, sigma=None) -> Criterion:
    """The criterion object for an estimator's ``criterion`` parameter."""
    if isinstance(criterion, Criterion):
        return criterion
    if criterion == "cv":
        return CrossVal(cv)
    if criterion == "holdout":
        return HeldOut(validation_fraction=validation_fraction)
    if criterion == "sure":
        return SURE(sigma)
    if criterion == "sure_fd":
        return FiniteDifferenceSURE(sigma)
    raise ValueError(f"criterion: must be one of {sorted(_NAMED)} or a Criterion object, got {criterion!r}")
