"""Lasso / ElasticNet estimators: agreement with scikit-learn and cvxpy,
optimality conditions, degenerate data, conventions."""
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn import linear_model as sk
from sklearn.utils.estimator_checks import parametrize_with_checks

import nonsmooth as ns


def make_data(n=60, p=120, seed=0, rho=0.5):
    rng = np.random.default_rng(seed)
    cov = rho ** np.abs(np.subtract.outer(np.arange(p), np.arange(p)))
    X = rng.multivariate_normal(np.zeros(p), cov, size=n)
    beta = np.zeros(p)
    beta[rng.choice(p, 8, replace=False)] = rng.normal(size=8) * 3
    y = X @ beta + 0.5 * rng.normal(size=n) + 2.0
    return X, y


def kkt_violation(X, y, coef, intercept, alpha, l1_ratio=1.0, weights=None, positive=False):
    """max over features of the distance of the gradient to the subdifferential (independent of the solver)."""
    n = X.shape[0]
    w = np.ones(X.shape[1]) if weights is None else weights
    r = y - X @ coef - intercept
    grad = -(X.T @ r) / n + alpha * (1 - l1_ratio) * w * coef
    bound = alpha * l1_ratio * w
    viol = np.where(coef > 0, np.abs(grad + bound), np.where(coef < 0, np.abs(grad - bound),
                                                              np.maximum(np.abs(grad) - bound, 0)))
    if positive:
        viol = np.where(coef == 0, np.maximum(-grad - bound, 0), viol)
    return viol.max()


@parametrize_with_checks([ns.Lasso(alpha=0.1, tol=1e-12), ns.ElasticNet(alpha=0.1, tol=1e-12)])
def test_sklearn_check_estimator(estimator, check):
    check(estimator)


@pytest.mark.parametrize("layout", ["C", "F", "csc", "csr"])
@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("alpha_ratio", [0.5, 0.05, 0.005])
def test_lasso_matches_sklearn(layout, fit_intercept, alpha_ratio):
    X, y = make_data()
    alpha = alpha_ratio * np.abs(X.T @ (y - y.mean())).max() / len(y)
    Xl = {"C": np.ascontiguousarray(X), "F": np.asfortranarray(X), "csc": sp.csc_matrix(X),
          "csr": sp.csr_matrix(X)}[layout]
    ours = ns.Lasso(alpha, fit_intercept=fit_intercept, tol=1e-12, max_iter=100_000).fit(Xl, y)
    ref = sk.Lasso(alpha=alpha, fit_intercept=fit_intercept, tol=1e-12, max_iter=1_000_000).fit(X, y)
    np.testing.assert_allclose(ours.coef_, ref.coef_, atol=1e-7, rtol=1e-6)
    assert abs(ours.intercept_ - ref.intercept_) < 1e-6
    assert ours.dual_gap_ <= ours.gap_tolerance_
    assert kkt_violation(X, y, ours.coef_, ours.intercept_, alpha) < 1e-6


def test_sparse_int64_indices_give_the_int32_answer_and_out_of_range_entries_are_reported():
    # The core reads int32 row indices; wider ones are range-checked, then narrowed.
    X, y = make_data()
    X32 = sp.csc_matrix(X)
    def with_int64(m):
        out = sp.csc_matrix(m.shape)   # arrays set directly: SciPy would narrow them again
        out.data, out.indices, out.indptr = m.data.copy(), m.indices.astype(np.int64), m.indptr.astype(np.int64)
        return out

    X64 = with_int64(X32)
    assert X64.indices.dtype == np.int64
    alpha = 0.05 * np.abs(X.T @ (y - y.mean())).max() / len(y)
    a = ns.Lasso(alpha, tol=1e-12).fit(X32, y)
    b = ns.Lasso(alpha, tol=1e-12).fit(X64, y)
    np.testing.assert_array_equal(a.coef_, b.coef_)
    bad = with_int64(X32)
    bad.indices[3] = 2 ** 32 + 1   # would wrap to row 1 if narrowed blindly
    bad.has_canonical_format = True   # a stale flag: the structure is checked all the same
    with pytest.raises(ValueError, match=r"^X: malformed sparse matrix \(.*< 60"):
        ns.Lasso(alpha).fit(bad, y)


@pytest.mark.parametrize("sparse", [False, True])
@pytest.mark.parametrize("l1_ratio", [0.2, 0.8])
def test_elastic_net_matches_sklearn(sparse, l1_ratio):
    X, y = make_data(seed=1)
    Xl = sp.csc_matrix(X) if sparse else X
    ours = ns.ElasticNet(0.05, l1_ratio=l1_ratio, tol=1e-12, max_iter=100_000).fit(Xl, y)
    ref = sk.ElasticNet(alpha=0.05, l1_ratio=l1_ratio, tol=1e-12, max_iter=1_000_000).fit(X, y)
    np.testing.assert_allclose(ours.coef_, ref.coef_, atol=1e-7, rtol=1e-6)
    assert abs(ours.intercept_ - ref.intercept_) < 1e-6
    assert kkt_violation(X, y, ours.coef_, ours.intercept_, 0.05, l1_ratio) < 1e-6


@pytest.mark.parametrize("sparse", [False, True])
def test_sample_weight_matches_sklearn(sparse):
    X, y = make_data(seed=2)
    sw = np.random.default_rng(3).uniform(0.0, 3.0, size=len(y))
    Xl = sp.csc_matrix(X) if sparse else X
    ours = ns.Lasso(0.05, tol=1e-12, max_iter=100_000).fit(Xl, y, sample_weight=sw)
    ref = sk.Lasso(alpha=0.05, tol=1e-12, max_iter=1_000_000).fit(X, y, sample_weight=sw)
    np.testing.assert_allclose(ours.coef_, ref.coef_, atol=1e-7, rtol=1e-6)
    assert abs(ours.intercept_ - ref.intercept_) < 1e-6


def test_positive_matches_sklearn():
    X, y = make_data(seed=4)
    ours = ns.Lasso(0.02, positive=True, tol=1e-12, max_iter=100_000).fit(X, y)
    ref = sk.Lasso(alpha=0.02, positive=True, tol=1e-12, max_iter=1_000_000).fit(X, y)
    assert (ours.coef_ >= 0).all()
    np.testing.assert_allclose(ours.coef_, ref.coef_, atol=1e-7, rtol=1e-6)


@pytest.mark.parametrize("sparse", [False, True])
def test_weighted_lasso_is_lasso_on_rescaled_features(sparse):
    # min ||y - Xb||²/2n + a Σ w_j |b_j|  <=>  Lasso on X / w with b_j = b̃_j / w_j.
    X, y = make_data(seed=5)
    w = np.random.default_rng(6).uniform(0.3, 3.0, size=X.shape[1])
    Xl = sp.csc_matrix(X) if sparse else X
    ours = ns.Lasso(0.05, weights=w, tol=1e-12, max_iter=100_000).fit(Xl, y)
    ref = sk.Lasso(alpha=0.05, tol=1e-12, max_iter=1_000_000).fit(X / w, y)
    np.testing.assert_allclose(ours.coef_, ref.coef_ / w, atol=1e-7, rtol=1e-6)
    assert kkt_violation(X, y, ours.coef_, ours.intercept_, 0.05, weights=w) < 1e-6


def test_unpenalized_features():
    X, y = make_data(seed=7)
    w = np.ones(X.shape[1])
    w[:3] = 0.0
    m = ns.Lasso(10.0, weights=w, tol=1e-12, max_iter=100_000).fit(X, y)
    # a huge alpha zeroes the penalized features; the free ones are least squares on (1, X[:, :3])
    assert not m.coef_[3:].any()
    A = np.column_stack([np.ones(len(y)), X[:, :3]])
    ls = np.linalg.lstsq(A, y, rcond=None)[0]
    np.testing.assert_allclose(m.coef_[:3], ls[1:], atol=1e-6)
    assert abs(m.intercept_ - ls[0]) < 1e-6


def test_against_cvxpy():
    cp = pytest.importorskip("cvxpy")
    X, y = make_data(n=30, p=15, seed=8)
    n = len(y)
    b, c = cp.Variable(X.shape[1]), cp.Variable()
    alpha, l1_ratio = 0.1, 0.6
    objective = cp.sum_squares(y - X @ b - c) / (2 * n) + alpha * (l1_ratio * cp.norm1(b)
                                                                 + (1 - l1_ratio) / 2 * cp.sum_squares(b))
    cp.Problem(cp.Minimize(objective)).solve()
    ours = ns.ElasticNet(alpha, l1_ratio=l1_ratio, tol=1e-12).fit(X, y)
    np.testing.assert_allclose(ours.coef_, b.value, atol=1e-5)
    assert abs(ours.intercept_ - c.value) < 1e-5


def test_path_matches_sklearn():
    X, y = make_data(seed=9)
    Xc, yc = X - X.mean(0), y - y.mean()
    alphas, coefs, gaps = ns.lasso_path(Xc, yc, n_alphas=30, eps=1e-2, tol=1e-12, max_iter=100_000)
    ref_alphas, ref_coefs, _ = sk.lasso_path(Xc, yc, alphas=alphas, tol=1e-12, max_iter=1_000_000)
    np.testing.assert_allclose(alphas, ref_alphas)
    np.testing.assert_allclose(coefs, ref_coefs, atol=1e-7, rtol=1e-6)
    assert not coefs[:, 0].any()  # the grid starts at alpha_max
    assert (gaps >= 0).all()
    alpha_max = np.abs(Xc.T @ yc).max() / len(yc)
    assert np.isclose(alphas[0], alpha_max)


def test_degenerate_data():
    rng = np.random.default_rng(10)
    X = rng.normal(size=(20, 6))
    y = rng.normal(size=20)
    alpha_max = np.abs((X - X.mean(0)).T @ (y - y.mean())).max() / 20
    assert not ns.Lasso(alpha_max * 1.0001).fit(X, y).coef_.any()  # exactly zero
    # zero column and duplicated column
    Xz = X.copy()
    Xz[:, 2] = 0.0
    Xz[:, 4] = Xz[:, 3]
    m = ns.Lasso(0.01, tol=1e-12).fit(Xz, y)
    assert m.coef_[2] == 0.0
    assert kkt_violation(Xz, y, m.coef_, m.intercept_, 0.01) < 1e-6
    # constant y with an intercept: everything zero, intercept = constant
    m = ns.Lasso(0.1).fit(X, np.full(20, 3.0))
    assert not m.coef_.any() and m.intercept_ == pytest.approx(3.0)
    # one sample, one feature
    assert ns.Lasso(0.1).fit(X[:1], y[:1]).predict(X[:1]) == pytest.approx(y[:1])
    m = ns.Lasso(0.001, tol=1e-12).fit(X[:, :1], y)
    ref = sk.Lasso(alpha=0.001, tol=1e-12).fit(X[:, :1], y)
    np.testing.assert_allclose(m.coef_, ref.coef_, atol=1e-9)
    # huge and tiny alpha
    assert not ns.Lasso(1e12).fit(X, y).coef_.any()
    m = ns.Lasso(1e-12, tol=1e-14, max_iter=100_000).fit(X, y)
    np.testing.assert_allclose(m.coef_, np.linalg.lstsq(np.column_stack([np.ones(20), X]), y, rcond=None)[0][1:],
                               atol=1e-6)


def test_convergence_warning_states_the_gap():
    X, y = make_data(seed=11)
    with pytest.warns(ns.ConvergenceWarning, match="duality gap"):
        ns.Lasso(0.001, tol=1e-15, max_iter=2).fit(X, y)


def test_callback_and_verbose(capsys):
    X, y = make_data(seed=12)
    seen = []
    ns.Lasso(0.01, tol=1e-12, callback=lambda k, gap: seen.append((k, gap))).fit(X, y)
    assert seen and all(g >= 0 for _, g in seen)
    with pytest.warns(ns.ConvergenceWarning, match="stopped by its callback"):
        ns.Lasso(0.001, tol=1e-15, max_iter=10_000, callback=lambda k, gap: False).fit(X, y)
    ns.Lasso(0.01, tol=1e-12, verbose=True).fit(X, y)
    err = capsys.readouterr().err
    assert "gap=" in err and err.count("\n") == 1  # one progress line, rewritten in place


def test_callback_exception_propagates():
    X, y = make_data(seed=13)

    def boom(k, gap):
        raise RuntimeError("stop here")

    with pytest.raises(RuntimeError, match="stop here"):
        ns.Lasso(0.001, tol=1e-15, max_iter=10_000, callback=boom).fit(X, y)


def _used_gram(X, y, alpha, tol, **kw):
    """Whether the automatic choice ran a Gram-form subproblem (the solver's info[3])."""
    from nonsmooth import _native

    X = np.asfortranarray(X)
    _, _, info = _native.enet_fit_dense(X, np.ascontiguousarray(y), None, alpha, 1.0, None, kw.get("positive", False),
                                        kw.get("fit_intercept", True), tol, 100_000, 7, -1, np.zeros(X.shape[1]),
                                        False, None, 10)
    return bool(info[3])


@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("case", ["plain", "sample_weight", "positive", "warm_start", "sparse", "C"])
def test_n_much_larger_than_p_matches_sklearn(fit_intercept, case):
    """n ≫ p with strong correlation and a small α: the automatic choice runs the
    subproblems on the Gram matrix of the working sets (or of all features);
    the answer and its certificate match scikit-learn (large offsets check the
    explicit centring of the Gram entries)."""
    X, y = make_data(n=2000, p=60, seed=21, rho=0.9)
    if fit_intercept:
        X = X + 20.0  # (without an intercept such columns would be nearly collinear)
    alpha = 0.002 * np.abs(X.T @ (y - y.mean())).max() / len(y)
    kwargs = dict(fit_intercept=fit_intercept, tol=1e-12, max_iter=100_000)
    sw = np.random.default_rng(22).uniform(0.2, 2.0, size=len(y)) if case == "sample_weight" else None
    positive = case == "positive"
    Xl = {"sparse": sp.csc_matrix(X), "C": np.ascontiguousarray(X)}.get(case, np.asfortranarray(X))
    ours = ns.Lasso(alpha, positive=positive, warm_start=case == "warm_start", **kwargs)
    if case == "warm_start":
        ours.fit(Xl, y + 0.1)
    ours.fit(Xl, y, sample_weight=sw)
    ref = sk.Lasso(alpha=alpha, positive=positive, **kwargs).fit(X, y, sample_weight=sw)
    np.testing.assert_allclose(ours.coef_, ref.coef_, atol=1e-6, rtol=1e-6)
    assert abs(ours.intercept_ - ref.intercept_) < 1e-5
    assert ours.dual_gap_ <= ours.gap_tolerance_
    if sw is None:
        assert kkt_violation(X, y, ours.coef_, ours.intercept_, alpha, positive=positive) < 1e-6
    if case == "plain":
        assert _used_gram(X, y, alpha, 1e-12, fit_intercept=fit_intercept)


def test_warm_start_uses_previous_solution():
    X, y = make_data(seed=14)
    m = ns.Lasso(0.05, tol=1e-10, warm_start=True).fit(X, y)
    first = m.n_iter_
    m.fit(X, y)
    assert m.n_iter_ <= max(1, first // 2)


def test_acceleration_switches_do_not_change_the_answer():
    X, y = make_data(seed=15)
    ref = ns.Lasso(0.02, tol=1e-12).fit(X, y).coef_
    for flags in [dict(working_set=False), dict(screening=False), dict(extrapolation=False),
                  dict(working_set=False, screening=False, extrapolation=False)]:
        np.testing.assert_allclose(ns.Lasso(0.02, tol=1e-12, **flags).fit(X, y).coef_, ref, atol=1e-8)
    Xt, yt = make_data(n=400, p=20, seed=16)  # n >> p: the Gram variant
    np.testing.assert_allclose(ns.Lasso(0.02, tol=1e-12, precompute=True).fit(Xt, yt).coef_,
                               ns.Lasso(0.02, tol=1e-12, precompute=False).fit(Xt, yt).coef_, atol=1e-8)


@pytest.mark.parametrize("params, match", [
    (dict(alpha=-1.0), "alpha"), (dict(alpha=np.nan), "alpha"), (dict(tol=-1.0), "tol"),
    (dict(max_iter=0), "max_iter"), (dict(precompute="yes"), "precompute"),
    (dict(weights=np.ones(3)), "weights"), (dict(weights=-np.ones(120)), "weights"),
])
def test_bad_parameters(params, match):
    X, y = make_data()
    with pytest.raises(ValueError, match=match):
        ns.Lasso(**params).fit(X, y)


def test_bad_data():
    X, y = make_data()
    Xn = X.copy()
    Xn[0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        ns.Lasso().fit(Xn, y)
    with pytest.raises(ValueError, match="samples"):
        ns.Lasso().fit(X, y[:-1])
    with pytest.raises(ValueError, match="l1_ratio"):
        ns.ElasticNet(l1_ratio=0.0).fit(X, y)
    with pytest.raises(ValueError, match="sample_weight"):
        ns.Lasso().fit(X, y, sample_weight=-np.ones(len(y)))


def test_ctrl_c_stops_a_long_fit_with_the_state_reached():
    import _thread
    import threading
    import time

    rng = np.random.default_rng(17)
    X = rng.normal(size=(200, 3000))
    y = rng.normal(size=200)
    model = ns.Lasso(1e-4, tol=0.0, max_iter=10**9, working_set=False, screening=False)
    timer = threading.Timer(0.3, _thread.interrupt_main)
    start = time.perf_counter()
    timer.start()
    with pytest.raises(KeyboardInterrupt):
        model.fit(X, y)
    assert time.perf_counter() - start < 30  # returns promptly instead of running 10⁹ epochs
    timer.cancel()


def test_fit_releases_the_gil():
    # a Python thread keeps running while a native fit is in progress
    import threading

    rng = np.random.default_rng(18)
    X = rng.normal(size=(200, 3000))
    y = rng.normal(size=200)
    ticks = []
    done = threading.Event()

    def count():
        while not done.is_set():
            ticks.append(1)
            done.wait(0.001)

    t = threading.Thread(target=count)
    t.start()
    ns.Lasso(1e-3, tol=1e-10, max_iter=2000).fit(X, y)
    done.set()
    t.join()
    assert len(ticks) > 5


@pytest.mark.parametrize("fit_intercept", [True, False])
def test_admm_solver_matches_coordinate_descent(fit_intercept):
    X, y = make_data(seed=19)
    cd = ns.ElasticNet(0.05, l1_ratio=0.7, fit_intercept=fit_intercept, tol=1e-12).fit(X, y)
    admm = ns.ElasticNet(0.05, l1_ratio=0.7, fit_intercept=fit_intercept, tol=1e-12, solver="admm",
                         max_iter=100_000).fit(X, y)
    assert admm.dual_gap_ <= admm.gap_tolerance_
    np.testing.assert_allclose(admm.coef_, cd.coef_, atol=1e-7)
    assert abs(admm.intercept_ - cd.intercept_) < 1e-7
    with pytest.raises(ValueError, match="solver"):
        ns.Lasso(solver="lars").fit(X, y)
