"""Distributed ℓ1-regularized logistic regression by consensus ADMM: each
worker solves its local subproblem by a warm-started Newton method on the rows
it holds; the duality gap is exact at every iteration (one pass over the rows
that the x-update makes anyway)."""
from __future__ import annotations

import warnings

import numpy as np

from .._estimator import BaseEstimator, FeatureCheckMixin
from .._validation import as_float_array, as_scalar
from ..linear_model._data import DataConversionWarning
from . import _admm
from ._data import ChunkedData, _is_dask_collection, _to_dask_array, get_client
from ._linear import _positive_int, features_for, linear_response, run_admm, set_history
from ._shards import _check_chunk

try:
    from sklearn.base import ClassifierMixin
except ImportError:  # pragma: no cover
    class ClassifierMixin:  # type: ignore[no-redef]
        _estimator_type = "classifier"

        def score(self, X, y, sample_weight=None):
            """Mean accuracy."""
            return float(np.average(np.asarray(self.predict(X)) == np.asarray(y), weights=sample_weight))


def _entropy(q):
    """Binary entropy −q log q − (1 − q) log(1 − q), 0 at q ∈ {0, 1}."""
    with np.errstate(divide="ignore", invalid="ignore"):
        h = -(q * np.log(q) + (1 - q) * np.log1p(-q))
    return np.where((q > 0) & (q < 1), h, 0.0)


def _squares(A):
    """A ⊙ A, sparse for a sparse A."""
    return A.multiply(A) if hasattr(A, "tocsr") else A * A


def _weighted_gram(A, d):
    """Aᵀ diag(d) A as a dense array."""
    if hasattr(A, "tocsr"):
        return (A.T @ A.multiply(d[:, None]).tocsr()).toarray()
    return A.T @ (A * d[:, None])


class LogisticShard:
    """The rows of one worker as (A_c, y_c ∈ {±1}, s_c) chunks, A = [X, 1] with an intercept."""

    def __init__(self, classes, fit_intercept, *triples):
        self.chunks = []
        for i in range(0, len(triples), 3):
            X, y, s = _check_chunk(*triples[i:i + 3], i // 3)
            known = (y == classes[0]) | (y == classes[1])
            if not known.all():
                raise ValueError(f"y: has values other than the two classes {classes.tolist()} seen by the driver")
            if hasattr(X, "tocsr"):  # a sparse chunk stays sparse (CSR)
                import scipy.sparse as sp

                if fit_intercept:
                    X = sp.hstack([X, np.ones((X.shape[0], 1))], format="csr")
            else:
                if fit_intercept:
                    X = np.hstack([X, np.ones((X.shape[0], 1))])
                X = np.ascontiguousarray(X)
            self.chunks.append((X, np.where(y == classes[1], 1.0, -1.0),
                                np.ones(X.shape[0]) if s is None else s))

    def summary(self):
        """(rows, Σs, Σs·x²): the weight normalization and the curvature scale."""
        rows = sum(X.shape[0] for X, _, _ in self.chunks)
        weight = sum(float(s.sum()) for _, _, s in self.chunks)
        sq = sum(_squares(X).T @ s for X, _, s in self.chunks)
        return rows, weight, sq


def make_logistic_shard(classes, fit_intercept, *triples):
    return LogisticShard(classes, fit_intercept, *triples)


def logistic_summary(shard):
    return shard.summary()


class LogisticSolver:
    """Dask actor for one shard: x-update of consensus ADMM,

        x = argmin (1/n) Σ_k s_k log(1 + exp(−y_k a_kᵀx)) + (ρ/2)‖x − v‖²,

    by Newton's method with backtracking (Armijo), warm-started at the previous
    x; and, in the same call, the shard's share of the duality gap at z.
    Weights are normalized by the driver's `scale` (to sum to n)."""

    def __init__(self, shard, n_total, scale):
        self.shard = shard
        self.n = float(n_total)
        self.scale = float(scale)
        self.x = None
        self.newton_steps = 0

    def _loss(self, x, hessian=False):
        value, grad = 0.0, np.zeros_like(x)
        H = np.zeros((x.size, x.size)) if hessian else None
        for A, y, s in self.shard.chunks:
            m = y * (A @ x)
            w = s * self.scale / self.n
            value += float(w @ np.logaddexp(0.0, -m))
            sig = 0.5 * (1 - np.tanh(0.5 * m))  # σ(−m), stable
            grad -= A.T @ (w * y * sig)
            if hessian:
                d = w * sig * (1 - sig)
                H += _weighted_gram(A, d)
        return value, grad, H

    def step(self, rho, v, z):
        from scipy.linalg import cho_factor, cho_solve

        x = v.copy() if self.x is None else self.x
        for _ in range(50):
            f, g, H = self._loss(x, hessian=True)
            F = f + 0.5 * rho * float((x - v) @ (x - v))
            g = g + rho * (x - v)
            H[np.diag_indices_from(H)] += rho
            d = cho_solve(cho_factor(H, lower=True, check_finite=False), g, check_finite=False)
            decrement = float(g @ d)
            if decrement <= 1e-20 * max(1.0, abs(F)):
                break
            t = 1.0
            while t > 1e-10:
                trial = x - t * d
                ft = self._loss(trial)[0] + 0.5 * rho * float((trial - v) @ (trial - v))
                if ft <= F - 0.25 * t * decrement:
                    break
                t *= 0.5
            x = trial
            self.newton_steps += 1
            if decrement <= 1e-14 * max(1.0, abs(F)):
                break
        self.x = x
        return np.concatenate([x, self.gap_terms(z)])

    def gap_terms(self, z):
        """At z: [Σ loss, T₊, T₋, E₊, E₋, g₊, g₋] with p_k = σ(−y_k a_kᵀz),
        θ_k = w_k y_k p_k, T± = Σ_{y=±1} w_k p_k, E± = Σ_{y=±1} w_k H(p_k),
        g± = Σ_{y=±1} θ_k a_k (w_k = s_k·scale/n)."""
        k = z.size
        out = np.zeros(5 + 2 * k)
        for A, y, s in self.shard.chunks:
            m = y * (A @ z)
            w = s * self.scale / self.n
            q = 0.5 * (1 - np.tanh(0.5 * m))
            out[0] += float(w @ np.logaddexp(0.0, -m))
            for c, pos in ((0, y > 0), (1, y < 0)):
                wq = w[pos] * q[pos]
                out[1 + c] += wq.sum()
                out[3 + c] += float(w[pos] @ _entropy(q[pos]))
                out[5 + c * k:5 + (c + 1) * k] += A[pos].T @ (y[pos] * wq)
        return out

    def count_factorizations(self):
        return self.newton_steps


class LogisticProblem(_admm.ShardedProblem):
    """Shards of an ℓ1-logistic fit: the rows stay on the workers (persisted),
    one shard per worker, each held by a :class:`LogisticSolver` actor."""

    actor_class = LogisticSolver

    def __init__(self, client, data, classes, fit_intercept):
        from distributed import futures_of

        self.fit_intercept = fit_intercept
        data.persist(client)
        futures = {f.key: f for f in futures_of(data.X) + futures_of(data.y)
                   + (futures_of(data.s) if data.s is not None else [])}
        xk = [row[0] for row in data.X.__dask_keys__()]  # one column chunk
        yk = list(data.y.__dask_keys__())
        sk = list(data.s.__dask_keys__()) if data.s is not None else [None] * len(xk)
        where = client.who_has([futures[k] for k in xk])
        groups = {}
        for a, b, c in zip(xk, yk, sk):
            holders = where.get(a) or (None,)
            groups.setdefault(holders[0], []).extend([futures[a], futures[b], None if c is None else futures[c]])
        shards = [client.submit(make_logistic_shard, classes, fit_intercept, *triples,
                                workers=None if w is None else [w], allow_other_workers=True, pure=False)
                  for w, triples in groups.items()]
        parts = client.gather(client.map(logistic_summary, shards, pure=False))
        n = sum(q[0] for q in parts)
        weight = sum(q[1] for q in parts)
        if not weight > 0:
            raise ValueError("sample_weight: all weights are zero; at least one must be positive")
        self.scale = n / weight
        self.diag = self.scale * sum(q[2] for q in parts)
        self.p = self.diag.size
        self.inert = self.diag <= 1e-26 * max(float(self.diag.max()), 1e-300)
        if fit_intercept:
            self.inert[-1] = False
        self.n = n
        self._start_actors(client, shards, n, self.scale)

    def tolerance(self, tol):
        return tol * np.log(2.0)  # the loss at z = 0

    def step(self, rho, V, z, penalty):
        X, terms = self._call_all(rho, V, z)
        return X, self.gap(z, terms, penalty)

    def certify(self, z, penalty, estimate, polish=True):
        """(z, its gap): the estimate is computed from the rows, already the
        certificate (no polishing: no closed form on the support)."""
        if estimate is not None:
            return z, estimate
        terms = sum(self.call_actors("gap_terms", lambda i: (z,)))
        return z, self.gap(z, terms, penalty)

    def gap(self, z, terms, penalty):
        """Duality gap of ℓ1-logistic regression at z, an upper bound computed
        from one pass: the dual point θ_k = w_k y_k p_k (the negative gradient
        of the loss at z), each class scaled by c± ≤ 1 so that 1ᵀθ = 0 with an
        intercept, then by t ≤ 1 so that |x_jᵀθ| ≤ αw_j. The dual objective
        Σ w_k H(p_k) is lower-bounded by concavity of H (H(cq) ≥ cH(q), c ∈ [0, 1]),
        so the returned gap never understates the true one."""
        k = z.size
        loss, T1, T2, E1, E2 = terms[:5]
        g1, g2 = terms[5:5 + k], terms[5 + k:]
        c1 = c2 = 1.0
        if self.fit_intercept:
            c1 = min(1.0, T2 / T1) if T1 > 0 else 1.0
            c2 = min(1.0, T1 / T2) if T2 > 0 else 1.0
        corr = c1 * g1 + c2 * g2
        constrained = (penalty.l1 > 0) & ~self.inert
        ratio = np.abs(corr[constrained]) / penalty.l1[constrained]
        t = min(1.0, 1.0 / ratio.max()) if ratio.size and ratio.max() > 0 else 1.0
        primal = float(loss) + penalty.value(z)
        dual = t * (c1 * E1 + c2 * E2)
        return primal - dual, primal


class SparseLogisticRegression(FeatureCheckMixin, ClassifierMixin, BaseEstimator):
    """ℓ1-regularized logistic regression fitted on a Dask cluster by consensus
    ADMM, certified by a duality gap computed from the rows at every iteration.

    Minimizes

    .. math:: \\frac{1}{n}\\sum_i s_i \\log\\big(1 + e^{-y_i(x_i^\\top\\beta + b)}\\big)
              + \\alpha \\sum_j w_j|\\beta_j|,

    which is scikit-learn's ``LogisticRegression(penalty="l1", C=1/(n·α))``
    (y_i ∈ {−1, +1} stand for ``classes_``; any two labels are accepted). Each
    worker solves its subproblem min f_i(x) + (ρ/2)‖x − v‖² by Newton's method
    warm-started at its previous solution (Boyd et al. 2011, §8.2); the driver
    applies the prox (soft thresholding, :func:`nonsmooth.prox.l1`) and the dual
    updates. The gap uses the dual point made of the loss's negative gradient at
    ``coef_``, rescaled to feasibility; its entropy term is bounded below by
    concavity, so ``dual_gap_`` is an upper bound on the true gap.

    Parameters
    ----------
    alpha : float, default=1.0
        Penalty strength α > 0.
    fit_intercept : bool, default=True
    weights : array-like of shape (n_features,), default=None
        Positive per-feature penalty weights.
    tol : float, default=1e-4
        Stop when the duality gap is at most ``tol * log(2)`` (the loss of the zero model).
    max_iter : int, default=1000
    rho : float or None, default=None
        Initial ADMM penalty; None uses trace(XᵀX)/(4·n·p·N), the mean curvature
        of one shard's loss at 0. Residual balancing adapts it.
    relaxation : float, default=1.6
    warm_start : bool, default=False
    callback : callable, default=None
        ``callback(iteration, duality_gap)``; return False to stop.
    verbose : bool or int, default=False

    Attributes
    ----------
    classes_ : ndarray of shape (2,)
    coef_ : ndarray of shape (1, n_features)
        Exact zeros from the prox.
    intercept_ : ndarray of shape (1,)
    dual_gap_, gap_tolerance_, n_iter_, gap_history_, residual_history_, rho_, n_shards_, n_recoveries_
        As for :class:`ElasticNet`.
    n_features_in_ : int

    Examples
    --------
    >>> import numpy as np
    >>> from nonsmooth.distributed import SparseLogisticRegression
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(2000, 10)); y = np.where(X[:, 0] - X[:, 1] > 0, "a", "b")
    >>> clf = SparseLogisticRegression(alpha=0.01).fit(X, y)   # doctest: +SKIP
    >>> clf.classes_                                            # doctest: +SKIP
    array(['a', 'b'], dtype='<U1')
    """

    def __init__(self, alpha=1.0, *, fit_intercept=True, weights=None, tol=1e-4, max_iter=1000, rho=None,
                 relaxation=1.6, warm_start=False, callback=None, verbose=False):
        self.alpha = alpha
        self.fit_intercept = fit_intercept
        self.weights = weights
        self.tol = tol
        self.max_iter = max_iter
        self.rho = rho
        self.relaxation = relaxation
        self.warm_start = warm_start
        self.callback = callback
        self.verbose = verbose

    def fit(self, X, y, sample_weight=None):
        """Fit on the active Dask client (see :class:`ElasticNet` for the inputs).

        Returns
        -------
        self
        """
        client = get_client()
        alpha = as_scalar(self.alpha, "alpha", low=0.0, low_open=True)
        tol = as_scalar(self.tol, "tol", low=0.0)
        max_iter = _positive_int(self.max_iter, "max_iter")
        rho = None if self.rho is None else as_scalar(self.rho, "rho", low=0.0, low_open=True)
        relaxation = as_scalar(self.relaxation, "relaxation", low=0.0, high=2.0, low_open=True, high_open=True)
        if y is None:
            raise ValueError(f"{type(self).__name__} requires y to be passed, but the target y is None")
        labels = _to_dask_array(y)
        if _is_dask_collection(labels):
            import dask.array as da

            classes = np.asarray(da.unique(labels).compute())
        else:
            labels = np.asarray(labels)
            if labels.ndim == 2 and labels.shape[1] == 1:
                warnings.warn("A column-vector y was passed when a 1d array was expected. Please change the shape "
                              "of y to (n_samples,), for example using ravel().", DataConversionWarning, stacklevel=2)
                labels = labels[:, 0]
            classes = np.unique(labels)
        if classes.dtype.kind == "f" and not np.array_equal(classes, np.round(classes)):
            raise ValueError("Unknown label type: continuous. y: SparseLogisticRegression is a classifier "
                             "of two classes")
        if classes.size != 2:
            raise ValueError(f"y: SparseLogisticRegression needs exactly two classes, got {classes.size} "
                             f"class{'es' if classes.size != 1 else ''}. Only binary classification is supported.")
        data = ChunkedData(X, _codes(labels, classes), sample_weight, len(client.scheduler_info()["workers"]),
                           type(self).__name__)
        p = data.n_features
        weights = np.ones(p)
        if self.weights is not None:
            weights = np.ascontiguousarray(as_float_array(self.weights, "weights").ravel())
            if weights.shape[0] != p:
                raise ValueError(f"weights: has {weights.shape[0]} entries but X has {p} features")
            if (weights <= 0).any():
                raise ValueError("weights: must be positive")
        k = p + bool(self.fit_intercept)
        penalty = _admm.Penalty(alpha, 1.0, np.append(weights, 0.0) if self.fit_intercept else weights, False, k)
        problem = LogisticProblem(client, data, np.array([0.0, 1.0]), bool(self.fit_intercept))
        z0 = np.zeros(k)
        if self.warm_start and getattr(self, "coef_", None) is not None and np.shape(self.coef_) == (1, p):
            z0[:p] = self.coef_[0]
            z0[p:] = self.intercept_[0] if self.fit_intercept else z0[p:]
        if rho is None:  # the mean curvature of one shard's loss at 0
            rho = float(problem.diag[:p].sum()) / (4 * problem.n * p * problem.n_blocks) or 1.0
        self.classes_ = classes
        self._reset_features(X, p)
        return run_admm(self, problem, penalty, z0, rho, tol, max_iter, relaxation)

    def _set_state(self, problem, state, result):
        p = self.n_features_in_
        self.coef_ = state.z[None, :p].copy()
        self.intercept_ = np.array([state.z[p] if self.fit_intercept else 0.0])
        set_history(self, problem, state, result)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_class = False
        return tags

    def decision_function(self, X):
        """x_iᵀβ + b (a dask array for dask input)."""
        return linear_response(features_for(self, X), self.coef_[0]) + self.intercept_[0]

    def predict_proba(self, X):
        """Probabilities of ``classes_`` (columns)."""
        d = self.decision_function(X)
        if _is_dask_collection(d):
            import dask.array as da

            p1 = 1 / (1 + da.exp(-d))
            return da.stack([1 - p1, p1], axis=1)
        p1 = 0.5 * (1 + np.tanh(0.5 * d))
        return np.column_stack([1 - p1, p1])

    def predict(self, X):
        d = self.decision_function(X)
        if _is_dask_collection(d):
            return (d > 0).map_blocks(lambda b: self.classes_[b.astype(int)], dtype=self.classes_.dtype)
        return self.classes_[(d > 0).astype(int)]


def _codes(labels, classes):
    """Labels as 0.0/1.0 (index in `classes`), lazily for dask input."""
    return (labels == classes[1]).astype(np.float64)

