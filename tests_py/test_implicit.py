"""Generic implicit differentiation (nonsmooth.implicit) against closed forms,
finite differences and the specialised Lasso hypergradient."""
import numpy as np
import pytest

import nonsmooth as ns
from nonsmooth.implicit import ImplicitFunctionWarning, implicit_jacobian, implicit_jvp, implicit_vjp
from nonsmooth.tuning._hypergradient import hypergradient


def linear_root(x, A, b):
    return A @ x - b


@pytest.mark.parametrize("solver", ["dense", "gmres"])
def test_linear_system_derivatives_are_the_inverse(solver):
    rng = np.random.default_rng(0)
    A = rng.standard_normal((6, 6)) + 6 * np.eye(6)
    b = rng.standard_normal(6)
    x = np.linalg.solve(A, b)
    J = implicit_jacobian(linear_root, x, A, b, wrt=1, solver=solver).value
    np.testing.assert_allclose(J, np.linalg.inv(A), atol=1e-9)
    t = rng.standard_normal(6)
    res = implicit_jvp(linear_root, x, A, b, tangents=t, wrt=1, solver=solver)
    np.testing.assert_allclose(res.value, np.linalg.solve(A, t), atol=1e-9)
    assert res.solver == solver and not res.kinks
    v = rng.standard_normal(6)
    gA, gb = implicit_vjp(linear_root, x, A, b, cotangent=v, wrt=(0, 1), solver=solver).value
    u = np.linalg.solve(A.T, v)
    np.testing.assert_allclose(gb, u, atol=1e-9)
    np.testing.assert_allclose(gA, -np.outer(u, x), atol=1e-9)  # d x/dA = −A⁻¹ (dA) x


def lasso_problem(seed=0, n=40, p=12):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p))
    beta = np.zeros(p)
    beta[:4] = [2.0, -1.5, 1.0, 0.5]
    y = X @ beta + 0.3 * rng.standard_normal(n)
    return X, y


def lasso_fixed_point(b, log_alpha, X, y, step):
    """β = ST(β − γ Xᵀ(Xβ − y)/n, γ e^θ), soft-thresholding written with relu."""
    z = b - step * (X.T @ (X @ b - y)) / X.shape[0]
    t = step * ns.exp(log_alpha)
    return ns.relu(z - t) - ns.relu(-z - t)


def test_lasso_fixed_point_matches_closed_form_and_specialised_path():
    X, y = lasso_problem()
    n = X.shape[0]
    alpha = 0.1
    coef = ns.Lasso(alpha=alpha, fit_intercept=False, tol=1e-14, max_iter=100_000).fit(X, y).coef_
    step = n / np.linalg.norm(X, 2) ** 2
    S = np.flatnonzero(coef)
    # Closed form on the support: dβ_S/dθ = −α (X_Sᵀ X_S / n)⁻¹ sign(β_S), θ = log α.
    closed = np.zeros_like(coef)
    closed[S] = -alpha * np.linalg.solve(X[:, S].T @ X[:, S] / n, np.sign(coef[S]))
    res = implicit_jvp(lasso_fixed_point, coef, np.log(alpha), X, y, step, tangents=1.0, wrt=0, fixed_point=True)
    np.testing.assert_allclose(res.value, closed, atol=1e-8)
    # Hypergradient of a held-out criterion: vjp against the Swift Lasso path.
    Xv, yv = lasso_problem(seed=1)
    grad_c = Xv.T @ (Xv @ coef - yv) / Xv.shape[0]
    hg = implicit_vjp(lasso_fixed_point, coef, np.log(alpha), X, y, step, cotangent=grad_c, fixed_point=True,
                      solver="gmres")
    ref, _ = hypergradient(X, y, coef, grad_c, alpha=alpha, model="lasso", method="implicit")
    np.testing.assert_allclose(hg.value, ref[0], rtol=1e-7, atol=1e-12)
    assert hg.residual <= 1e-10


def test_lasso_derivative_matches_finite_differences_of_the_solver():
    X, y = lasso_problem(seed=3)
    n = X.shape[0]
    step = n / np.linalg.norm(X, 2) ** 2
    theta, h = np.log(0.05), 1e-6

    def solve(t):
        return ns.Lasso(alpha=np.exp(t), fit_intercept=False, tol=1e-15, max_iter=200_000).fit(X, y).coef_

    coef = solve(theta)
    fd = (solve(theta + h) - solve(theta - h)) / (2 * h)
    J = implicit_jacobian(lasso_fixed_point, coef, theta, X, y, step, wrt=0, fixed_point=True).value
    np.testing.assert_allclose(J, fd, atol=1e-5)


def test_elastic_net_two_hyperparameters():
    X, y = lasso_problem(seed=2)
    n = X.shape[0]
    l1, l2 = 0.08, 0.3
    coef = ns.ElasticNet(alpha=l1 + l2, l1_ratio=l1 / (l1 + l2), fit_intercept=False, tol=1e-14,
                         max_iter=100_000).fit(X, y).coef_
    step = 1.0 / (np.linalg.norm(X, 2) ** 2 / n + l2)

    def T(b, log_l1, log_l2):
        z = b - step * ((X.T @ (X @ b - y)) / n + ns.exp(log_l2) * b)
        t = step * ns.exp(log_l1)
        return ns.relu(z - t) - ns.relu(-z - t)

    g = np.random.default_rng(0).standard_normal(coef.size)
    res = implicit_vjp(T, coef, np.log(l1), np.log(l2), cotangent=g, wrt=(0, 1), fixed_point=True)
    ref, _ = hypergradient(X, y, coef, g, l1=np.full(coef.size, l1), l2=l2, model="elastic_net", method="implicit")
    np.testing.assert_allclose(np.array(res.value), ref, rtol=1e-7, atol=1e-12)


def test_singular_system_raises_a_clear_error():
    with pytest.raises(ns.NumericalError, match="singular"):
        implicit_jvp(lambda x, t: x * x - t, np.zeros(3), np.zeros(3), tangents=np.ones(3))


def test_gmres_that_cannot_converge_warns():
    rng = np.random.default_rng(1)
    A = rng.standard_normal((30, 30)) + 0.1 * np.eye(30)
    b = rng.standard_normal(30)
    x = np.linalg.solve(A, b)
    with pytest.warns(ImplicitFunctionWarning, match="residual"):
        implicit_jvp(linear_root, x, A, b, tangents=b, wrt=1, solver="gmres", maxiter=3)


def test_kinks_of_the_linearisation_are_reported():
    X, y = lasso_problem()
    n = X.shape[0]
    step = n / np.linalg.norm(X, 2) ** 2
    coef = np.zeros(X.shape[1])
    alpha_max = np.max(np.abs(X.T @ y)) / n  # at α_max the top feature sits exactly on the threshold
    res = implicit_jvp(lasso_fixed_point, coef, np.log(2 * alpha_max), X, y, step, tangents=1.0, fixed_point=True)
    assert not res.kinks
    np.testing.assert_array_equal(res.value, 0.0)
    # x*(θ) = relu(θ) at θ = 0: the derivative is the policy's choice, and says so.
    for s in (0.0, 0.5):
        res = implicit_jvp(lambda x, t: 0.5 * x + ns.relu(t), np.zeros(1), np.zeros(1), tangents=np.ones(1),
                           fixed_point=True, policy=ns.Kinks(relu_at_zero=s))
        np.testing.assert_allclose(res.value, [2 * s])
        assert res.kinks["relu"] == 1


def test_bad_arguments():
    with pytest.raises(ValueError, match="F: must return"):
        implicit_jvp(lambda x, t: ns.sum(x) - t, np.ones(3), np.zeros(()), tangents=1.0)
    with pytest.raises(ValueError, match="wrt"):
        implicit_jvp(linear_root, np.ones(2), np.eye(2), np.ones(2), tangents=np.ones(2), wrt=5)
    with pytest.raises(ValueError, match="cotangent"):
        implicit_vjp(linear_root, np.ones(2), np.eye(2), np.ones(2), cotangent=np.ones(3), wrt=1)
    with pytest.raises(ValueError, match="solver"):
        implicit_jvp(linear_root, np.ones(2), np.eye(2), np.ones(2), tangents=np.ones(2), wrt=1, solver="lu")


def test_soft_threshold_with_a_traced_threshold_spells_the_same_map():
    X, y = lasso_problem(seed=4)
    n = X.shape[0]
    alpha = 0.07
    coef = ns.Lasso(alpha=alpha, fit_intercept=False, tol=1e-14, max_iter=100_000).fit(X, y).coef_
    step = n / np.linalg.norm(X, 2) ** 2

    def T(b, log_alpha, X, y, step):
        return ns.soft_threshold(b - step * X.T @ (X @ b - y) / len(y), step * ns.exp(log_alpha))

    a = implicit_jvp(T, coef, np.log(alpha), X, y, step, tangents=1.0, fixed_point=True).value
    b = implicit_jvp(lasso_fixed_point, coef, np.log(alpha), X, y, step, tangents=1.0, fixed_point=True).value
    np.testing.assert_allclose(a, b, atol=1e-12)
    # Eager and traced agree on an array threshold.
    v, t = np.array([-2.0, 0.5, 1.0]), np.array([1.0, 1.0, 0.5])
    np.testing.assert_allclose(ns.soft_threshold(v, t), [-1.0, 0.0, 0.5])
