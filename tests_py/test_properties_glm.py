"""Property tests of the coordinate-descent engine's public entry points
(SparseLogisticRegression, logistic_path, MCPRegression, SCADRegression,
GeneralizedLinearEstimator): every fit satisfies the optimality conditions of
its objective, checked here in NumPy from the returned coefficients alone, and
invalid input raises naming the argument."""
import warnings

import numpy as np
import pytest
from hypothesis import given, strategies as st

import nonsmooth as ns
from nonsmooth.linear_model import datafits, logistic_alpha_max, penalties
from properties_common import FEW, NON_FINITE, poisoned, raises_naming


def _design(data, n_max=30, p_max=6):
    n = data.draw(st.integers(8, n_max), label="n")
    p = data.draw(st.integers(1, p_max), label="p")
    seed = data.draw(st.integers(0, 2**32 - 1), label="seed")
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p)) * rng.uniform(0.3, 3.0, p)
    return rng, X


def _labels(rng, X):
    eta = X @ rng.standard_normal(X.shape[1]) + 0.5 * rng.standard_normal(X.shape[0])
    y = (eta > np.median(eta)).astype(int)
    y[:2] = [0, 1]  # both classes present
    return y


def _logistic_gradient(X, t, coef, intercept):
    """∇ of (1/n) Σ log(1 + exp(−tᵢηᵢ)) w.r.t. β and b."""
    eta = X @ coef + intercept
    r = -t / (1.0 + np.exp(t * eta)) / X.shape[0]
    return X.T @ r, r.sum()


def _check_l1_kkt(g, coef, alpha, atol):
    zero = coef == 0
    assert np.all(np.abs(g[zero]) <= alpha + atol), (g, coef, alpha)
    np.testing.assert_allclose(g[~zero], -alpha * np.sign(coef[~zero]), atol=atol)


@FEW
@given(data=st.data())
def test_sparse_logistic_regression_satisfies_kkt(data):
    rng, X = _design(data)
    y = _labels(rng, X)
    fit_intercept = data.draw(st.booleans(), label="fit_intercept")
    top = logistic_alpha_max(X, y, fit_intercept=fit_intercept)
    alpha = top * data.draw(st.sampled_from([0.05, 0.3, 0.8, 1.5]), label="fraction of alpha_max")
    clf = ns.SparseLogisticRegression(alpha, fit_intercept=fit_intercept, tol=1e-12, max_iter=100_000).fit(X, y)
    coef, b = clf.coef_[0], clf.intercept_[0]
    g, g0 = _logistic_gradient(X, np.where(y == clf.classes_[1], 1.0, -1.0), coef, b)
    _check_l1_kkt(g, coef, alpha, atol=1e-5 * max(1.0, top))
    if fit_intercept:
        assert abs(g0) <= 1e-5
    if alpha >= top:
        assert not np.any(coef)
    proba = clf.predict_proba(X)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-12)
    assert set(clf.predict(X)) <= set(clf.classes_)


@FEW
@given(data=st.data())
def test_logistic_path_columns_satisfy_kkt(data):
    rng, X = _design(data)
    y = _labels(rng, X)
    alphas, coefs, intercepts, gaps = ns.logistic_path(X, y, n_alphas=4, eps=0.05, tol=1e-12, max_iter=100_000)
    assert np.all(np.diff(alphas) < 0) and not np.any(coefs[:, 0])
    t = np.where(y == 1, 1.0, -1.0)
    for k, alpha in enumerate(alphas):
        g, g0 = _logistic_gradient(X, t, coefs[:, k], intercepts[k])
        _check_l1_kkt(g, coefs[:, k], alpha, atol=1e-5 * max(1.0, alphas[0]))
        assert abs(g0) <= 1e-5


def _mcp_derivative(beta, alpha, gamma):
    return np.sign(beta) * np.maximum(alpha - np.abs(beta) / gamma, 0.0)


def _scad_derivative(beta, alpha, gamma):
    a = np.abs(beta)
    middle = np.maximum(gamma * alpha - a, 0.0) / (gamma - 1.0)
    return np.sign(beta) * np.where(a <= alpha, alpha, middle)


@FEW
@given(data=st.data(), which=st.sampled_from(["mcp", "scad"]))
def test_nonconvex_regressions_are_stationary(data, which):
    """A stationary point of (1/2n)‖y − Xβ − b‖² + Σ p(βⱼ): −∇F ∈ ∂p (Clarke),
    i.e. |gⱼ| ≤ α at zeros and gⱼ + p'(βⱼ) = 0 elsewhere."""
    rng, X = _design(data)
    y = X @ rng.standard_normal(X.shape[1]) + 0.3 * rng.standard_normal(X.shape[0])
    alpha = float(np.abs(X.T @ (y - y.mean())).max() / X.shape[0]) * data.draw(st.sampled_from([0.05, 0.3, 0.7]))
    if which == "mcp":
        gamma = data.draw(st.sampled_from([1.5, 3.0, 10.0]), label="gamma")
        model, derivative = ns.MCPRegression(alpha, gamma=gamma, tol=1e-12, max_iter=100_000), _mcp_derivative
    else:
        gamma = data.draw(st.sampled_from([2.5, 3.7, 10.0]), label="gamma")
        model, derivative = ns.SCADRegression(alpha, gamma=gamma, tol=1e-12, max_iter=100_000), _scad_derivative
    with warnings.catch_warnings():
        warnings.simplefilter("error", ns.ConvergenceWarning)
        model.fit(X, y)
    residual = y - X @ model.coef_ - model.intercept_
    g = -X.T @ residual / X.shape[0]
    assert abs(residual.mean()) <= 1e-8 * max(1.0, np.abs(y).max())
    zero = model.coef_ == 0
    scale = max(1.0, np.abs(y).max()) * max(1.0, np.abs(X).max())
    assert np.all(np.abs(g[zero]) <= alpha + 1e-7 * scale)
    np.testing.assert_allclose(g[~zero] + derivative(model.coef_[~zero], alpha, gamma), 0.0, atol=1e-7 * scale)


@FEW
@given(data=st.data())
def test_generic_estimator_with_quadratic_l1_is_the_lasso(data):
    """The engine's quadratic + L1 instance against the elastic-net solver (a separate
    implementation) on the same problem, within what both certificates allow."""
    rng, X = _design(data)
    y = X @ rng.standard_normal(X.shape[1]) + 0.3 * rng.standard_normal(X.shape[0])
    alpha = float(np.abs(X.T @ (y - y.mean())).max() / X.shape[0]) * data.draw(st.sampled_from([0.01, 0.2, 0.6]))
    glm = ns.GeneralizedLinearEstimator(datafits.Quadratic(), penalties.L1(alpha), tol=1e-13, max_iter=100_000)
    glm.fit(X, y)
    lasso = ns.Lasso(alpha, fit_intercept=True, tol=1e-14, max_iter=100_000).fit(X, y)
    fitted = X @ glm.coef_ + glm.intercept_
    np.testing.assert_allclose(fitted, X @ lasso.coef_ + lasso.intercept_, atol=1e-5 * max(1.0, np.abs(y).max()))


@pytest.mark.parametrize("bad", NON_FINITE)
def test_engine_estimators_reject_non_finite_x(bad):
    X = np.random.default_rng(0).standard_normal((12, 3))
    y = np.arange(12) % 2
    for model in (ns.SparseLogisticRegression(0.01), ns.MCPRegression(0.1), ns.SCADRegression(0.1),
                  ns.GeneralizedLinearEstimator(datafits.Quadratic(), penalties.L0(0.1))):
        with raises_naming("X"):
            model.fit(poisoned(X, 5, bad), y)


def test_engine_estimators_reject_bad_labels_and_parameters():
    X = np.random.default_rng(0).standard_normal((12, 3))
    with raises_naming("y"):
        ns.SparseLogisticRegression(0.01).fit(X, np.ones(12))
    with raises_naming("y"):
        ns.logistic_path(X, np.arange(12) % 3)
    with raises_naming("gamma"):
        ns.MCPRegression(0.1, gamma=1.0).fit(X, np.arange(12.0))
    with raises_naming("gamma"):
        ns.SCADRegression(0.1, gamma=2.0).fit(X, np.arange(12.0))
    with raises_naming("y"):
        ns.MCPRegression(0.1).fit(X, np.ones((12, 2)))
