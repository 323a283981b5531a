"""Gap Safe screening in the coordinate-descent engine: a screened fit equals
the unscreened one (screening never removes a feature that is non-zero at the
optimum), screening does remove features, and the screened fit's duality gap
still bounds its suboptimality."""
import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from nonsmooth.linear_model import datafits, penalties
from nonsmooth.linear_model._data import Design
from nonsmooth.linear_model._glm import solve


def problem(seed, n, p, kind):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p))
    X[:, 1:] += 0.5 * X[:, :-1]                      # correlated neighbours
    beta = np.zeros(p)
    beta[rng.choice(p, 4, replace=False)] = rng.standard_normal(4) * 2
    eta = X @ beta / np.sqrt(p) + 0.1 * rng.standard_normal(n)
    if kind == "logistic":
        return X, np.where(eta > 0, 1.0, -1.0)
    if kind == "huber":
        y = eta.copy()
        y[:3] += 6
        return X, y
    return X, eta


def alpha_max(X, y, kind):
    """‖Xᵀ∇F(b₀)‖∞ at (about) the intercept-only optimum: a scale for α."""
    n = X.shape[0]
    if kind == "logistic":
        b0 = np.log((y > 0).sum() / (y < 0).sum())
        g = -y / (1 + np.exp(y * b0)) / n
    else:
        r = y - (np.median(y) if kind == "huber" else y.mean())
        g = -(np.clip(r, -1, 1) if kind == "huber" else r) / n
    return np.abs(X.T @ g).max()


def fit(X, y, kind, spec, screening, tol=1e-10, intercept=True):
    code = {"quadratic": datafits.Quadratic._code, "logistic": datafits.Logistic._code,
            "huber": datafits.Huber._code}[kind]
    coef, b, info = solve(Design(X), y, code, spec, fit_intercept=intercept, tol=tol, max_iter=100_000,
                          datafit_param=1.0 if kind == "huber" else 0.0, screening=screening)
    return coef, b, info


def objective(X, y, kind, coef, b, alpha, l1_ratio=1.0):
    eta = X @ coef + b
    if kind == "quadratic":
        loss = np.mean((y - eta) ** 2) / 2
    elif kind == "logistic":
        loss = np.mean(np.logaddexp(0, -y * eta))
    else:
        r = np.abs(y - eta)
        loss = np.mean(np.where(r <= 1, r * r / 2, r - 0.5))
    return loss + alpha * (l1_ratio * np.abs(coef).sum() + (1 - l1_ratio) / 2 * coef @ coef)


@pytest.mark.parametrize("kind", ["quadratic", "logistic", "huber"])
@pytest.mark.parametrize("sparse", [False, True])
def test_screened_fit_equals_unscreened(kind, sparse):
    X, y = problem(0, 80, 300, kind)
    alpha = 0.1 * alpha_max(X, y, kind)
    Xd = sp.csc_matrix(X) if sparse else X
    spec = penalties.L1(alpha)._spec(X.shape[1])
    coef, b, info = fit(Xd, y, kind, spec, screening=True)
    ref, ref_b, ref_info = fit(Xd, y, kind, spec, screening=False)
    assert info.kind == "duality_gap" and info.certificate <= 1e-10
    assert info.n_screened > X.shape[1] // 2 and ref_info.n_screened == 0
    # Both within 1e-10 of the optimum: the objectives agree, and so do the coefficients.
    primal, ref_primal = (objective(X, y, kind, c, bb, alpha) for c, bb in ((coef, b), (ref, ref_b)))
    assert abs(primal - ref_primal) <= 2e-10
    np.testing.assert_allclose(coef, ref, atol=1e-4)
    # No feature of the unscreened support was screened away.
    assert np.all(coef[np.abs(ref) > 1e-3] != 0)


def test_screening_with_elastic_net_and_positivity():
    X, y = problem(1, 60, 200, "quadratic")
    alpha = 0.05 * alpha_max(X, y, "quadratic")
    for spec in (penalties.ElasticNet(alpha, l1_ratio=0.7)._spec(200), penalties.L1(alpha, positive=True)._spec(200)):
        coef, b, info = fit(X, y, "quadratic", spec, screening=True)
        ref, _, _ = fit(X, y, "quadratic", spec, screening=False)
        assert info.n_screened > 0
        np.testing.assert_allclose(coef, ref, atol=1e-4)
        assert np.all(coef[np.abs(ref) > 1e-3] != 0)


def test_screened_gap_bounds_the_suboptimality():
    """The gap of a loose screened fit is ≥ P(β) − P* (P* from a tight unscreened fit)."""
    X, y = problem(2, 100, 400, "logistic")
    alpha = 0.05 * alpha_max(X, y, "logistic")
    spec = penalties.L1(alpha)._spec(400)
    ref, ref_b, _ = fit(X, y, "logistic", spec, screening=False, tol=1e-12)
    best = objective(X, y, "logistic", ref, ref_b, alpha)
    for tol in (1e-3, 1e-5, 1e-7):
        coef, b, info = fit(X, y, "logistic", spec, screening=True, tol=tol)
        assert objective(X, y, "logistic", coef, b, alpha) - best <= info.certificate + 1e-12


def test_no_screening_without_a_curvature_bound_or_a_gap():
    X, y = problem(3, 60, 100, "quadratic")
    rates = np.random.default_rng(3).poisson(np.exp(np.tanh(X[:, 0]))).astype(float)
    alpha = 0.1
    _, _, info = solve(Design(X), rates, datafits.Poisson._code, penalties.L1(alpha)._spec(100), tol=1e-8)
    assert info.n_screened == 0
    _, _, info = fit(X, y, "quadratic", penalties.MCP(alpha, gamma=3.0)._spec(100), screening=True, tol=1e-8)
    assert info.kind == "kkt_violation" and info.n_screened == 0


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**31), ratio=st.sampled_from([0.5, 0.2, 0.05]),
       kind=st.sampled_from(["quadratic", "logistic", "huber"]), intercept=st.booleans())
def test_property_screening_keeps_the_optimum(seed, ratio, kind, intercept):
    X, y = problem(seed, 30, 60, kind)
    if kind == "logistic" and (np.all(y > 0) or np.all(y < 0)):
        return
    alpha = ratio * alpha_max(X, y, kind)
    spec = penalties.L1(alpha)._spec(60)
    coef, b, info = fit(X, y, kind, spec, screening=True, tol=1e-11, intercept=intercept)
    ref, ref_b, _ = fit(X, y, kind, spec, screening=False, tol=1e-11, intercept=intercept)
    primal, ref_primal = (objective(X, y, kind, c, bb, alpha) for c, bb in ((coef, b), (ref, ref_b)))
    assert abs(primal - ref_primal) <= 1e-10
    assert np.all(coef[np.abs(ref) > 1e-4] != 0)
