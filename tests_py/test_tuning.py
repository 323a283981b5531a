"""Hypergradients of Lasso-type models (nonsmooth.tuning): against central finite
differences of the criterion, across methods, at rank deficiency, on bad input."""
import warnings

import numpy as np
import pytest

import nonsmooth as ns
from nonsmooth.tuning import Diagnostics, ImplicitDifferentiationWarning, hypergradient

METHODS = ["implicit", "implicit_forward", "forward", "reverse"]


def toeplitz_design(rng, n, p, rho):
    X = np.empty((n, p))
    X[:, 0] = rng.standard_normal(n)
    for j in range(1, p):
        X[:, j] = rho * X[:, j - 1] + np.sqrt(1 - rho ** 2) * rng.standard_normal(n)
    return X


def make_problem(seed, n, p, rho, nv=40, offset=0.0):
    rng = np.random.default_rng(seed)
    X = toeplitz_design(rng, n + nv, p, rho) + offset
    beta = np.zeros(p)
    beta[rng.choice(p, 6, replace=False)] = rng.choice([-2.0, -1.0, 1.0, 2.0], 6)
    y = X @ beta + 0.5 * rng.standard_normal(n + nv) + 3.0
    return X[:n], y[:n], X[n:], y[n:]


DESIGNS = {
    "p>n independent": dict(seed=1, n=50, p=100, rho=0.0),
    "p>n correlated": dict(seed=2, n=50, p=100, rho=0.9),
    "n>p correlated, offset": dict(seed=3, n=100, p=30, rho=0.6, offset=5.0),
}


def fit(X, y, l1, l2=0.0, fit_intercept=True):
    """β̂, b̂ of ‖y − Xβ − b‖²/(2n) + Σ λ1_j|β_j| + λ2‖β‖²/2 at (near) machine precision."""
    if np.ndim(l1) == 0:
        alpha, ratio, weights = l1 + l2, l1 / (l1 + l2), None
    else:
        alpha, ratio, weights = 1.0, 1.0, np.asarray(l1)
    m = ns.ElasticNet(alpha=alpha, l1_ratio=ratio, weights=weights, fit_intercept=fit_intercept, tol=1e-15,
                      max_iter=100_000).fit(X, y)
    return m.coef_, m.intercept_


def heldout(X, y, Xv, yv, l1, l2=0.0, fit_intercept=True):
    """Held-out MSE of the solution and its gradient in β (through b̂ = ȳ − x̄ᵀβ̂)."""
    coef, b = fit(X, y, l1, l2, fit_intercept)
    r = yv - Xv @ coef - b
    xbar = X.mean(0) if fit_intercept else 0.0
    return float(r @ r) / len(r), coef, -2.0 / len(r) * (Xv - xbar).T @ r


def central_difference(fun, h=1e-5):
    return (fun(h) - fun(-h)) / (2 * h)


def rel(a, b):
    return abs(a - b) / max(abs(b), 1e-12)


@pytest.mark.parametrize("design", list(DESIGNS))
def test_lasso_hypergradient_every_method_matches_central_differences(design):
    X, y, Xv, yv = make_problem(**DESIGNS[design])
    alpha_max = np.max(np.abs((X - X.mean(0)).T @ (y - y.mean()))) / len(y)
    for fraction in (0.2, 0.03):
        alpha = fraction * alpha_max
        _, coef, g = heldout(X, y, Xv, yv, alpha)
        fd = central_difference(lambda h: heldout(X, y, Xv, yv, alpha * np.exp(h))[0])
        values = {}
        for method in METHODS:
            grad, diag = hypergradient(X, y, coef, g, alpha=alpha, method=method, fit_intercept=True, tol=1e-13,
                                       max_iter=200_000)
            assert isinstance(diag, Diagnostics)
            assert grad.shape == (1,)
            assert rel(grad[0], fd) <= 1e-4, (design, fraction, method, grad[0], fd)
            assert diag.converged and diag.fallback == "none" and diag.invertible_support
            assert diag.support_size == np.count_nonzero(coef) and diag.equicorrelation_size >= diag.support_size
            values[method] = grad[0]
        # all methods agree with each other far beyond the finite-difference accuracy
        for method in METHODS:
            assert rel(values[method], values["implicit"]) <= 1e-7, (method, values)


@pytest.mark.parametrize("method", METHODS)
def test_elastic_net_both_hyperparameters_match_central_differences(method):
    X, y, Xv, yv = make_problem(**DESIGNS["p>n correlated"])
    l1, l2 = 0.05, 0.2
    _, coef, g = heldout(X, y, Xv, yv, l1, l2)
    grad, diag = hypergradient(X, y, coef, g, alpha=l1, l2=l2, model="elastic_net", method=method,
                               fit_intercept=True, tol=1e-13, max_iter=200_000)
    fd1 = central_difference(lambda h: heldout(X, y, Xv, yv, l1 * np.exp(h), l2)[0])
    fd2 = central_difference(lambda h: heldout(X, y, Xv, yv, l1, l2 * np.exp(h))[0])
    assert grad.shape == (2,)
    assert rel(grad[0], fd1) <= 1e-4 and rel(grad[1], fd2) <= 1e-4, (grad, fd1, fd2)


@pytest.mark.parametrize("method", METHODS)
def test_weighted_lasso_per_feature_hypergradients_match_central_differences(method, rng):
    X, y, Xv, yv = make_problem(seed=4, n=60, p=40, rho=0.5)
    l1 = rng.uniform(0.02, 0.3, size=40)
    _, coef, g = heldout(X, y, Xv, yv, l1)
    grad, diag = hypergradient(X, y, coef, g, l1=l1, model="weighted_lasso", method=method, fit_intercept=True,
                               tol=1e-13, max_iter=200_000)
    assert grad.shape == (40,) and np.all(np.isfinite(grad))
    support = np.flatnonzero(coef)
    # β̂_j = 0 does not move under small changes of λ_j (exactly 0 for the implicit methods; the
    # unrolled ones keep the rounding-level trace of features active in early iterations)
    zero_tol = 0.0 if method.startswith("implicit") else 1e-10 * np.max(np.abs(grad))
    assert np.all(np.abs(grad[coef == 0]) <= zero_tol)
    for j in support[:4]:
        def crit(h, j=j):
            lam = l1.copy()
            lam[j] *= np.exp(h)
            return heldout(X, y, Xv, yv, lam)[0]
        assert rel(grad[j], central_difference(crit)) <= 1e-4


def test_sparse_design_gives_the_dense_hypergradients():
    sp = pytest.importorskip("scipy.sparse")
    X, y, Xv, yv = make_problem(seed=5, n=60, p=80, rho=0.3)
    X[np.abs(X) < 0.8] = 0.0  # genuinely sparse
    Xs = sp.csc_matrix(X)
    _, coef, g = heldout(X, y, Xv, yv, 0.05)
    for method in METHODS:
        dense, _ = hypergradient(X, y, coef, g, alpha=0.05, method=method, fit_intercept=True, tol=1e-13,
                                 max_iter=200_000)
        sparse, _ = hypergradient(Xs, y, coef, g, alpha=0.05, method=method, fit_intercept=True, tol=1e-13,
                                  max_iter=200_000)
        assert rel(sparse[0], dense[0]) <= 1e-9


def test_cross_validation_hypergradient_matches_central_differences_of_the_cv_criterion():
    X, y, _, _ = make_problem(seed=6, n=120, p=150, rho=0.7)
    model = ns.LassoTuned(cv=4, max_outer=1, tol=1e-14, max_iter=100_000).fit(X, y)
    record = model.history_[0]
    alpha = record["alpha"]

    def cv(h):
        _, values, _, _ = ns.tuning.lasso_criterion_path(X, y, cv=4, alphas=[alpha * np.exp(h)], tol=1e-14,
                                                         max_iter=100_000)
        return values[0]

    assert abs(cv(0.0) - record["criterion"]) <= 1e-9 * record["criterion"]
    assert rel(record["hypergradient"][0], central_difference(cv)) <= 1e-4
    assert len(record["support_size"]) == 4 and len(record["diagnostics"]) == 4


def test_duplicated_feature_at_its_threshold_uses_the_strict_support_and_warns():
    X, y, Xv, yv = make_problem(seed=7, n=80, p=20, rho=0.3)
    _, coef, _ = heldout(X, y, Xv, yv, 0.1)
    j = int(np.argmax(np.abs(coef)))
    X2, Xv2 = np.column_stack([X, X[:, j]]), np.column_stack([Xv, Xv[:, j]])
    # The solution that puts all the weight on the first copy (coordinate descent may
    # leave a rounding-level weight on the second: then the ridge fallback applies).
    coef2 = np.append(coef, 0.0)
    r = yv - Xv2 @ coef2 - (y.mean() - X2.mean(0) @ coef2)
    g2 = -2.0 / len(r) * (Xv2 - X2.mean(0)).T @ r
    with pytest.warns(ImplicitDifferentiationWarning, match="strict support"):
        grad, diag = hypergradient(X2, y, coef2, g2, alpha=0.1, fit_intercept=True)
    assert diag.fallback == "strict_support"
    assert not diag.invertible_equicorrelation and diag.invertible_support
    assert diag.equicorrelation_size == diag.support_size + 1
    # the strict-support derivative is the derivative of the model without the copy
    _, coef1, g1 = heldout(X, y, Xv, yv, 0.1)
    reference, _ = hypergradient(X, y, coef1, g1, alpha=0.1, fit_intercept=True)
    assert rel(grad[0], reference[0]) <= 1e-7


def test_duplicated_features_both_in_the_support_use_the_ridge_fallback():
    X, y, Xv, yv = make_problem(seed=8, n=80, p=20, rho=0.3)
    _, coef, g = heldout(X, y, Xv, yv, 0.1)
    j = int(np.argmax(np.abs(coef)))
    X2, Xv2 = np.column_stack([X, X[:, j]]), np.column_stack([Xv, Xv[:, j]])
    split = np.append(coef, coef[j] / 2)
    split[j] /= 2  # another Lasso solution: the weight shared by the two copies
    r = yv - Xv2 @ split - (y.mean() - X2.mean(0) @ split)
    g2 = -2.0 / len(r) * (Xv2 - X2.mean(0)).T @ r
    for method in ("implicit", "implicit_forward"):
        with pytest.warns(ImplicitDifferentiationWarning, match="ridge"):
            grad, diag = hypergradient(X2, y, split, g2, alpha=0.1, method=method, fit_intercept=True)
        assert diag.fallback == "ridge" and diag.ridge > 0 and not diag.invertible_support
        assert np.isfinite(grad[0]) and grad[0] != 0
        reference, _ = hypergradient(X, y, coef, g, alpha=0.1, fit_intercept=True)
        assert rel(grad[0], reference[0]) <= 1e-3  # the minimum-norm derivative


def test_rank_deficiency_in_a_tuning_run_warns_once_with_the_fallback():
    X, y, _, _ = make_problem(seed=9, n=100, p=15, rho=0.2)
    strongest = int(np.argmax(np.abs(X.T @ (y - y.mean()))))
    X2 = np.column_stack([X, X[:, strongest]])
    with pytest.warns(ImplicitDifferentiationWarning, match="did not apply") as record:
        model = ns.LassoTuned(cv=3).fit(X2, y)
    # one warning per fallback kind met during the run, not one per step
    messages = [str(w.message) for w in record if issubclass(w.category, ImplicitDifferentiationWarning)]
    kinds = {k for r in model.history_ for k in r["fallback"]} - {"none"}
    assert kinds and len(messages) == len(kinds)
    assert all("outer steps" in m for m in messages)
    assert np.isfinite(model.alpha_)


def test_empty_support_gives_an_exact_zero_with_its_diagnosis():
    X, y, _, _ = make_problem(seed=10, n=40, p=10, rho=0.0)
    grad, diag = hypergradient(X, y, np.zeros(10), np.ones(10), alpha=1e3, fit_intercept=True)
    assert grad[0] == 0.0 and diag.support_size == 0


@pytest.mark.parametrize("kwargs, name", [
    (dict(coef=np.zeros(3)), "coef"),
    (dict(criterion_gradient=np.zeros(3)), "criterion_gradient"),
    (dict(method="magic"), "method"),
    (dict(model="ridge"), "model"),
    (dict(alpha=-1.0), "alpha"),
    (dict(alpha=None), "alpha, l1"),
    (dict(l1=np.ones(10)), "alpha, l1"),
    (dict(alpha=None, l1=-np.ones(10)), "l1"),
    (dict(model="elastic_net"), "l2"),
    (dict(tol=np.nan), "tol"),
    (dict(max_iter=0), "max_iter"),
    (dict(coef=np.full(10, np.nan)), "coef"),
])
def test_bad_hypergradient_arguments_raise_value_error_naming_them(kwargs, name):
    X, y, _, _ = make_problem(seed=11, n=30, p=10, rho=0.0)
    args = dict(coef=np.zeros(10), criterion_gradient=np.ones(10), alpha=0.1)
    args.update(kwargs)
    coef, g = args.pop("coef"), args.pop("criterion_gradient")
    with pytest.raises(ValueError, match=name):
        hypergradient(X, y, coef, g, **args)


def test_bad_native_arguments_never_crash():
    from nonsmooth import _native

    X = np.ones((5, 3))
    y, b, g, l1 = np.ones(5), np.array([1.0, 0, 0]), np.ones(3), np.ones(3)
    base = [X, None, y, None, b, g, l1, 0.0, 0, 0, 1e-10, 100, 1e-6, 1e-10, 1000, 1e-6, None, None, None, 10]
    for index, value in [(8, 7), (9, -1), (11, 0), (14, -5), (15, 0.0), (10, -1.0), (7, -1.0), (12, 2.0)]:
        args = list(base)
        args[index] = value
        with pytest.raises(ValueError):
            _native.bilevel_hypergradient(*args)
    # a warm start whose support is out of range or not increasing
    for support in (np.array([5], dtype=np.int64), np.array([1, 0], dtype=np.int64)):
        args = list(base)
        args[9], args[16], args[17] = 1, support, np.zeros(support.size)
        with pytest.raises(ValueError, match="warm_support"):
            _native.bilevel_hypergradient(*args)
    # singular everything: constant columns, all-zero X with a nonzero coefficient
    args = list(base)
    args[0] = np.zeros((5, 3))
    grad = _native.bilevel_hypergradient(*args)[1]
    assert np.all(np.isfinite(grad))


def test_warnings_are_not_raised_on_well_posed_problems():
    X, y, Xv, yv = make_problem(**DESIGNS["p>n independent"])
    _, coef, g = heldout(X, y, Xv, yv, 0.1)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        hypergradient(X, y, coef, g, alpha=0.1, fit_intercept=True)
