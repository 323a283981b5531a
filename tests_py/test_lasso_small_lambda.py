"""Lasso at a small λ with p ≫ n (the interpolation regime): about n features
are active and the support's faces are singular, where plain cyclic coordinate
descent needs tens of thousands of epochs. The solver must certify a tight gap
within a modest epoch budget, and the answer must satisfy the KKT conditions
checked here independently of the solver's own certificate."""
import warnings

import numpy as np
import pytest

import nonsmooth as ns


def toeplitz(n, p, rho, seed):
    rng = np.random.default_rng(seed)
    X = np.empty((n, p))
    X[:, 0] = rng.normal(size=n)
    for j in range(1, p):
        X[:, j] = rho * X[:, j - 1] + np.sqrt(1 - rho ** 2) * rng.normal(size=n)
    beta = np.zeros(p)
    beta[rng.choice(p, p // 100, replace=False)] = rng.choice([-1.0, 1.0], p // 100)
    y = X @ beta + 0.1 * rng.normal(size=n)
    return np.asfortranarray(X), y


def assert_kkt(X, y, coef, intercept, alpha, positive=False, rtol=1e-6):
    n = X.shape[0]
    r = y - X @ coef - intercept
    g = X.T @ r / n
    support = coef != 0
    if positive:
        assert np.all(coef >= 0)
        assert np.all(g <= alpha * (1 + rtol))
        np.testing.assert_allclose(g[support], alpha, rtol=rtol)
    else:
        assert np.all(np.abs(g) <= alpha * (1 + rtol))
        np.testing.assert_allclose(g[support], alpha * np.sign(coef[support]), rtol=rtol)


@pytest.mark.parametrize("rho,seed", [(0.6, 0), (0.9, 1)])
@pytest.mark.parametrize("fit_intercept", [False, True])
@pytest.mark.parametrize("positive", [False, True])
def test_small_lambda_many_features_converges_and_satisfies_kkt(rho, seed, fit_intercept, positive):
    X, y = toeplitz(50, 2000, rho, seed)
    alpha = 1e-3 * np.abs(X.T @ (y - y.mean() * fit_intercept)).max() / len(y)
    model = ns.Lasso(alpha, fit_intercept=fit_intercept, positive=positive, tol=1e-10, max_iter=10_000)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ns.ConvergenceWarning)
        model.fit(X, y)
    assert model.n_iter_ < 10_000
    assert model.dual_gap_ <= 1e-10 * (y - y.mean() * fit_intercept) @ (y - y.mean() * fit_intercept) / len(y)
    assert np.count_nonzero(model.coef_) <= len(y)
    assert_kkt(X, y, model.coef_, model.intercept_, alpha, positive)
