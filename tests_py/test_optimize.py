"""Generic solvers (ISTA/FISTA, subgradient, ADMM): the right minimizers,
checked against scikit-learn, SciPy and optimality conditions."""
import numpy as np
import pytest
from scipy.optimize import lsq_linear
from sklearn.linear_model import Lasso as SkLasso

import nonsmooth as ns
from nonsmooth.optimize import Huber, LeastSquares, Logistic


@pytest.fixture
def lasso_data():
    rng = np.random.default_rng(0)
    A = rng.normal(size=(80, 200))
    b = A[:, :5] @ rng.normal(size=5) + 0.1 * rng.normal(size=80)
    return A, b


@pytest.mark.parametrize("method", ["ista", "fista"])
@pytest.mark.parametrize("step", ["lipschitz", "backtracking"])
@pytest.mark.parametrize("restart", [None, "function", "gradient"])
def test_proximal_gradient_reaches_the_lasso_solution(lasso_data, method, step, restart):
    A, b = lasso_data
    alpha = 0.05
    ref = SkLasso(alpha=alpha, fit_intercept=False, tol=1e-14, max_iter=1_000_000).fit(A, b).coef_
    res = ns.minimize(LeastSquares(A, b), ns.prox.L1(alpha), method=method, step=step, restart=restart,
                      tol=1e-10, max_iter=200_000)
    assert res.converged and res.certificate <= 1e-10
    np.testing.assert_allclose(res.x, ref, atol=1e-8)
    assert set(np.flatnonzero(res.x)) == set(np.flatnonzero(ref))  # exact zeros, like coordinate descent
    cd = ns.Lasso(alpha, fit_intercept=False, tol=1e-12).fit(A, b)
    np.testing.assert_allclose(res.x, cd.coef_, atol=1e-8)


def test_box_constrained_least_squares_matches_scipy():
    rng = np.random.default_rng(1)
    A, b = rng.normal(size=(60, 20)), rng.normal(size=60)
    lo, hi = -0.1 * np.ones(20), 0.2 * np.ones(20)
    res = ns.minimize(LeastSquares(A, b), ns.prox.Box(lo, hi), tol=1e-12, max_iter=100_000)
    ref = lsq_linear(A, b, bounds=(lo, hi), tol=1e-14, lsmr_tol="auto").x
    np.testing.assert_allclose(res.x, ref, atol=1e-7)


def test_group_lasso_satisfies_its_optimality_conditions():
    rng = np.random.default_rng(2)
    A, b = rng.normal(size=(50, 30)), rng.normal(size=50)
    lam, groups = 0.15, 5
    res = ns.minimize(LeastSquares(A, b), ns.prox.GroupL2(lam, groups=groups), tol=1e-11, max_iter=100_000)
    grad = A.T @ (A @ res.x - b) / 50
    for g in range(6):
        sl = slice(5 * g, 5 * g + 5)
        xg, gg = res.x[sl], grad[sl]
        w = lam * np.sqrt(5)
        if np.linalg.norm(xg) == 0:
            assert np.linalg.norm(gg) <= w + 1e-8
        else:
            np.testing.assert_allclose(-gg, w * xg / np.linalg.norm(xg), atol=1e-8)
    assert any(np.linalg.norm(res.x[5 * g:5 * g + 5]) == 0 for g in range(6))  # some groups exactly zero


def test_sparse_logistic_regression_kkt():
    rng = np.random.default_rng(3)
    A = rng.normal(size=(120, 40))
    y = np.sign(A[:, :3] @ np.array([2.0, -1.0, 1.5]) + 0.3 * rng.normal(size=120))
    lam = 0.02
    res = ns.minimize(Logistic(A, y), ns.prox.L1(lam), step="backtracking", restart="gradient", tol=1e-10,
                      max_iter=100_000)
    m = y * (A @ res.x)
    grad = -(A.T @ (y / (1 + np.exp(m)))) / len(y)
    nz = res.x != 0
    np.testing.assert_allclose(grad[nz], -lam * np.sign(res.x[nz]), atol=1e-8)
    assert (np.abs(grad[~nz]) <= lam + 1e-8).all() and (~nz).any()


def test_huber_regression_with_elastic_net_kkt():
    rng = np.random.default_rng(4)
    A, b = rng.normal(size=(70, 15)), rng.standard_t(2, size=70)
    res = ns.minimize(Huber(A, b, delta=0.5), ns.prox.ElasticNet(0.05, 0.5), tol=1e-11, max_iter=100_000)
    r = A @ res.x - b
    grad = A.T @ np.clip(r, -0.5, 0.5) / 70 + 0.05 * 0.5 * res.x
    nz = res.x != 0
    np.testing.assert_allclose(grad[nz], -0.025 * np.sign(res.x[nz]), atol=1e-8)
    assert (np.abs(grad[~nz]) <= 0.025 + 1e-8).all()


def test_history_and_warm_start(lasso_data):
    A, b = lasso_data
    res = ns.minimize(LeastSquares(A, b), ns.prox.L1(0.05), method="ista", tol=1e-9, history=True,
                      max_iter=100_000)
    assert len(res.history) == res.n_iter + 1 and res.time > 0
    assert (np.diff(res.history) <= 1e-12).all()  # ISTA with step 1/L is monotone
    again = ns.minimize(LeastSquares(A, b), ns.prox.L1(0.05), x0=res.x, tol=1e-9)
    assert again.n_iter <= 2


def test_subgradient_method_approaches_the_optimum_but_has_no_exact_zeros(lasso_data):
    A, b = lasso_data
    lam = 0.05
    exact = ns.minimize(LeastSquares(A, b), ns.prox.L1(lam), tol=1e-12, max_iter=100_000)
    res = ns.subgradient_method(LeastSquares(A, b), ns.prox.L1(lam), step_rule="diminishing", step=0.05,
                                max_iter=5000)
    assert 0 <= res.objective - exact.objective < 5e-2 * exact.objective  # slow: O(1/√k)
    assert (np.diff(np.minimum.accumulate(res.history)) <= 0).all()
    assert np.count_nonzero(res.x) > np.count_nonzero(exact.x)  # the subgradient method does not sparsify
    polyak = ns.subgradient_method(LeastSquares(A, b), ns.prox.L1(lam), step_rule="polyak",
                                   optimal_value=exact.objective, tol=1e-4, max_iter=200_000)
    assert polyak.converged and polyak.objective - exact.objective <= 1e-4


def test_admm_two_prox_closed_forms():
    # min |x|_1 over a box: x = clip(0, lower, upper)
    lo = np.array([-2.0, 0.5, -3.0, -1.0])
    hi = np.array([1.0, 2.0, -0.5, 0.0])
    res = ns.admm(ns.prox.Box(lo, hi), ns.prox.L1(1.0), 4, abs_tol=1e-12, rel_tol=1e-12, max_iter=100_000)
    np.testing.assert_allclose(res.x, np.clip(0, lo, hi), atol=1e-8)
    assert res.converged and res.certificate <= 1
    # min Σ w x²/2 over the simplex: x ∝ 1/w
    w = np.array([1.0, 2.0, 4.0])
    res = ns.admm(ns.prox.Simplex(), ns.prox.SquaredL2(1.0, weights=w), 3, abs_tol=1e-12, rel_tol=1e-12,
                  max_iter=100_000)
    np.testing.assert_allclose(res.x, (1 / w) / (1 / w).sum(), atol=1e-8)


def test_callbacks_and_non_convergence_warnings(lasso_data):
    A, b = lasso_data
    with pytest.warns(ns.ConvergenceWarning, match="did not converge"):
        res = ns.minimize(LeastSquares(A, b), ns.prox.L1(0.01), tol=1e-14, max_iter=3)
    assert res.status == "max_iter" and res.certificate > 1e-14
    with pytest.warns(ns.ConvergenceWarning, match="stopped by its callback"):
        res = ns.minimize(LeastSquares(A, b), ns.prox.L1(0.01), tol=0.0, max_iter=10**6,
                          callback=lambda k, c: k < 20)
    assert res.status == "cancelled" and res.n_iter <= 40


@pytest.mark.parametrize("kwargs, exc, match", [
    (dict(method="newton"), ValueError, "method"), (dict(step=-1.0), ValueError, "step"),
    (dict(step="armijo"), ValueError, "step"), (dict(restart="always"), ValueError, "restart"),
    (dict(tol=np.nan), ValueError, "tol"), (dict(max_iter=0), ValueError, "max_iter"),
    (dict(x0=np.ones(3)), ValueError, "x0"), (dict(prox=ns.prox.Nuclear()), ValueError, "shape"),
    (dict(prox="l1"), TypeError, "prox"), (dict(prox=ns.prox.L1(1.0, weights=np.ones(3))), ValueError, "weights"),
])
def test_bad_arguments(lasso_data, kwargs, exc, match):
    A, b = lasso_data
    kwargs.setdefault("prox", ns.prox.L1(0.1))
    with pytest.raises(exc, match=match):
        ns.minimize(LeastSquares(A, b), **kwargs)


def test_bad_losses():
    with pytest.raises(ValueError, match="b"):
        LeastSquares(np.ones((3, 2)), np.ones(4))
    with pytest.raises(ValueError, match="labels"):
        Logistic(np.ones((3, 2)), np.array([0.0, 1.0, 1.0]))
    with pytest.raises(ValueError, match="A"):
        LeastSquares(np.full((3, 2), np.nan), np.ones(3))
    with pytest.raises(TypeError, match="loss"):
        ns.minimize("least squares", ns.prox.L1())


def test_nuclear_norm_matrix_completion_matches_cvxpy_and_is_low_rank():
    cp = pytest.importorskip("cvxpy")
    rng = np.random.default_rng(5)
    m, n = 12, 9
    M = rng.normal(size=(m, 2)) @ rng.normal(size=(2, n))
    idx = np.flatnonzero(rng.random(m * n) < 0.6)
    A = np.zeros((idx.size, m * n))
    A[np.arange(idx.size), idx] = 1.0  # selection of the observed entries of X.ravel()
    b = M.ravel()[idx]
    lam = 0.02
    res = ns.minimize(LeastSquares(A, b), ns.prox.Nuclear(lam), shape=(m, n), restart="gradient", tol=1e-10,
                      max_iter=100_000)
    assert res.converged
    X = res.x.reshape(m, n)
    V = cp.Variable((m, n))
    objective = cp.sum_squares(cp.vec(V, order="C")[idx] - b) / (2 * idx.size) + lam * cp.normNuc(V)
    cp.Problem(cp.Minimize(objective)).solve()
    np.testing.assert_allclose(X, V.value, atol=2e-4)
    # optimality: G = −∇f(X) ∈ λ∂‖X‖_* ⇔ G = λ(U Vᵀ + W), Uᵀ W = 0, W V = 0, ‖W‖₂ ≤ 1
    G = -(A.T @ (A @ res.x - b) / idx.size).reshape(m, n)
    U, s, Vt = np.linalg.svd(X)
    r = int((s > 1e-8 * s[0]).sum())
    Ur, Vr = U[:, :r], Vt[:r].T
    np.testing.assert_allclose(Ur.T @ G @ Vr, lam * np.eye(r), atol=1e-8)
    W = G / lam - Ur @ Vr.T
    assert np.linalg.norm(W, 2) <= 1 + 1e-8
    assert r < min(m, n)  # the nuclear norm gives an exactly low-rank answer


def test_matrix_operator_needs_a_shape():
    A, b = np.eye(6), np.ones(6)
    with pytest.raises(ValueError, match="shape"):
        ns.minimize(LeastSquares(A, b), ns.prox.Nuclear(0.1))
    with pytest.raises(ValueError, match="shape"):
        ns.minimize(LeastSquares(A, b), ns.prox.Nuclear(0.1), shape=(4, 2))
    with pytest.raises(ValueError, match="psd|square|v:"):
        ns.minimize(LeastSquares(A, b), ns.prox.PSD(), shape=(3, 2))
