"""The core reads X in place: C order through row-major kernels, sample weights
and the intercept through a weighted, implicitly centred view (no copy of X),
and finds NaN/infinity in the pass that computes the column norms."""
import tracemalloc
import warnings

import numpy as np
import pytest
import scipy.sparse as sp

import nonsmooth as ns

sklearn = pytest.importorskip("sklearn.linear_model")


def _data(n=120, p=40, seed=0, offset=3.0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p)) + offset * rng.standard_normal(p)  # columns far from centred
    beta = np.zeros(p)
    beta[:5] = rng.standard_normal(5)
    y = X @ beta + 0.3 * rng.standard_normal(n) + 2.0
    return X, y


@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("precompute", ["auto", True, False])
@pytest.mark.parametrize("model", [dict(cls=ns.Lasso), dict(cls=ns.ElasticNet, l1_ratio=0.6),
                                   dict(cls=ns.Lasso, positive=True)])
def test_c_order_matches_fortran_order(fit_intercept, precompute, model):
    X, y = _data()
    kw = dict(model)
    cls = kw.pop("cls")
    alpha = 0.02
    a = cls(alpha=alpha, fit_intercept=fit_intercept, precompute=precompute, tol=1e-12, **kw)
    b = cls(alpha=alpha, fit_intercept=fit_intercept, precompute=precompute, tol=1e-12, **kw)
    a.fit(np.ascontiguousarray(X), y)
    b.fit(np.asfortranarray(X), y)
    np.testing.assert_allclose(a.coef_, b.coef_, atol=1e-8)
    assert a.intercept_ == pytest.approx(b.intercept_, abs=1e-8)
    assert a.dual_gap_ <= a.gap_tolerance_


def test_c_order_path_and_strided_views():
    X, y = _data(n=60, p=30)
    _, coefs_c, _ = ns.lasso_path(np.ascontiguousarray(X), y, n_alphas=5, tol=1e-12)
    _, coefs_f, _ = ns.lasso_path(np.asfortranarray(X), y, n_alphas=5, tol=1e-12)
    np.testing.assert_allclose(coefs_c, coefs_f, atol=1e-8)
    wide = np.ascontiguousarray(np.hstack([X, X]))[:, :30]  # rows contiguous, leading dimension 60
    np.testing.assert_allclose(ns.Lasso(0.05, tol=1e-12).fit(wide, y).coef_,
                               ns.Lasso(0.05, tol=1e-12).fit(np.asfortranarray(X), y).coef_, atol=1e-8)


@pytest.mark.parametrize("order", ["C", "F", "sparse"])
@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("l1_ratio", [1.0, 0.5])
def test_sample_weight_matches_scikit_learn(order, fit_intercept, l1_ratio):
    X, y = _data(offset=0.0 if order == "sparse" else 3.0)
    rng = np.random.default_rng(1)
    s = rng.uniform(0.0, 3.0, X.shape[0])
    s[:5] = 0.0
    if order == "sparse":
        X = np.where(rng.random(X.shape) < 0.3, X, 0.0)
        Xin = sp.csc_matrix(X)
    else:
        Xin = np.asarray(X, order=order)
    alpha = 0.02
    ours = ns.ElasticNet(alpha=alpha, l1_ratio=l1_ratio, fit_intercept=fit_intercept, tol=1e-12)
    ours.fit(Xin, y, sample_weight=s)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = sklearn.ElasticNet(alpha=alpha, l1_ratio=l1_ratio, fit_intercept=fit_intercept, tol=1e-14,
                                 max_iter=100_000).fit(X, y, sample_weight=s)
    np.testing.assert_allclose(ours.coef_, ref.coef_, atol=1e-6)
    assert ours.intercept_ == pytest.approx(ref.intercept_, abs=1e-6)
    assert ours.dual_gap_ <= ours.gap_tolerance_
    # tol keeps scikit-learn's meaning: the weighted, centred ||y||² / n.
    centre = np.average(y, weights=s) if fit_intercept else 0.0
    sn = s * len(s) / s.sum()
    assert ours.gap_tolerance_ == pytest.approx(1e-12 * np.sum(sn * (y - centre) ** 2) / len(y), rel=1e-9)


def test_sample_weight_warm_start_and_integer_weights_equal_repeated_rows():
    X, y = _data(n=50, p=20)
    counts = np.random.default_rng(2).integers(1, 4, size=50)
    weighted = ns.Lasso(alpha=0.03, tol=1e-13).fit(X, y, sample_weight=counts)
    repeated = ns.Lasso(alpha=0.03, tol=1e-13).fit(np.repeat(X, counts, axis=0), np.repeat(y, counts))
    np.testing.assert_allclose(weighted.coef_, repeated.coef_, atol=1e-8)
    assert weighted.intercept_ == pytest.approx(repeated.intercept_, abs=1e-8)
    warm = ns.Lasso(alpha=0.03, tol=1e-13, warm_start=True)
    warm.fit(sp.csc_matrix(X), y, sample_weight=counts)
    warm.fit(sp.csc_matrix(X), y, sample_weight=counts)
    np.testing.assert_allclose(warm.coef_, weighted.coef_, atol=1e-8)
    assert warm.intercept_ == pytest.approx(weighted.intercept_, abs=1e-8)


@pytest.mark.parametrize("order", ["C", "F"])
@pytest.mark.parametrize("sample_weight", [None, "ones"])
@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_non_finite_X_is_found_by_the_core(order, sample_weight, bad):
    X, y = _data(n=30, p=8)
    X[7, 3] = bad
    s = None if sample_weight is None else np.ones(30)
    with pytest.raises(ValueError, match="^X: contains NaN or infinity"):
        ns.Lasso(0.1).fit(np.asarray(X, order=order), y, sample_weight=s)
    with pytest.raises(ValueError, match="^X: contains NaN or infinity"):
        ns.lasso_path(np.asarray(X, order=order), y, n_alphas=2)


@pytest.mark.parametrize("order", ["C", "F"])
def test_weighted_fit_makes_no_copy_of_X(order):
    """Python-visible allocations during a weighted fit stay O(n + p): no copy of X
    (the core's own buffers are O(n + p) too, but tracemalloc does not see them)."""
    rng = np.random.default_rng(3)
    X = np.asarray(rng.standard_normal((2000, 300)), order=order)
    y = X[:, 0] + rng.standard_normal(2000)
    s = rng.uniform(0.5, 2.0, 2000)
    model = ns.Lasso(alpha=0.1)
    model.fit(X, y, sample_weight=s)  # warm-up: imports, caches
    tracemalloc.start()
    model.fit(X, y, sample_weight=s)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert peak < X.nbytes / 20
