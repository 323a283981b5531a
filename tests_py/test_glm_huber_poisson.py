"""Huber and Poisson datafits of the coordinate-descent engine, against
independent oracles: cvxpy (L1-Huber, L1-Poisson), scikit-learn's
PoissonRegressor (ℓ2), and duality gaps recomputed here in NumPy."""
import numpy as np
import pytest
import scipy.sparse as sp

from nonsmooth.linear_model import GeneralizedLinearEstimator, datafits, penalties

cp = pytest.importorskip("cvxpy")


def huber(r, delta):
    a = np.abs(r)
    return np.where(a <= delta, r * r / 2, delta * (a - delta / 2))


def huber_problem(seed, n=60, p=15):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p))
    beta = np.zeros(p)
    beta[:4] = [2.0, -1.5, 1.0, 0.5]
    y = X @ beta + 0.3 * rng.standard_normal(n)
    y[:6] += rng.choice([-8.0, 8.0], 6)          # outliers
    return X, y


def poisson_problem(seed, n=80, p=12):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p)) / np.sqrt(p)
    beta = np.zeros(p)
    beta[:3] = [1.0, -0.8, 0.6]
    y = rng.poisson(np.exp(0.3 + X @ beta)).astype(float)
    return X, y


def cvx_huber_l1(X, y, alpha, delta, intercept, s=None):
    n, p = X.shape
    s = np.ones(n) if s is None else s
    b, c = cp.Variable(p), cp.Variable()
    r = y - X @ b - (c if intercept else 0)
    objective = cp.sum(cp.multiply(s, cp.huber(r, delta))) / (2 * s.sum()) + alpha * cp.norm1(b)
    prob = cp.Problem(cp.Minimize(objective))
    prob.solve(solver="CLARABEL")
    return b.value, (c.value if intercept else 0.0), prob.value


def cvx_poisson_l1(X, y, alpha, intercept):
    n, p = X.shape
    b, c = cp.Variable(p), cp.Variable()
    eta = X @ b + (c if intercept else 0)
    objective = cp.sum(cp.exp(eta) - cp.multiply(y, eta)) / n + alpha * cp.norm1(b)
    prob = cp.Problem(cp.Minimize(objective))
    prob.solve(solver="CLARABEL")
    return b.value, (c.value if intercept else 0.0), prob.value


def huber_gap(X, y, coef, b, alpha, delta, intercept):
    """P − D with θ = ∇F (centred with an intercept: positive/negative parts balanced), scaled into ‖Xᵀθ‖∞ ≤ α."""
    n = X.shape[0]
    r = y - X @ coef - b
    primal = huber(r, delta).mean() + alpha * np.abs(coef).sum()
    theta = -np.clip(r, -delta, delta) / n
    pos, neg = theta[theta > 0].sum(), -theta[theta < 0].sum()
    if not intercept:
        pass
    elif pos > neg:
        theta[theta > 0] *= neg / pos
    elif neg > pos:
        theta[theta < 0] *= pos / neg
    theta *= min(1.0, alpha / np.abs(X.T @ theta).max())
    assert np.all(np.abs(theta) <= delta / n * (1 + 1e-12))
    dual = -np.sum(theta * y + n * theta ** 2 / 2)
    return primal - dual


def poisson_gap(X, y, coef, b, alpha):
    n = X.shape[0]
    eta = X @ coef + b
    primal = np.mean(np.exp(eta) - y * eta) + alpha * np.abs(coef).sum()
    theta = (np.exp(eta) - y) / n
    u = theta + y / n
    theta = u * (y.sum() / n) / u.sum() - y / n           # Σθ = 0, u ≥ 0
    theta *= min(1.0, alpha / np.abs(X.T @ theta).max())
    u = theta + y / n
    assert np.all(u >= 0)
    conj = np.where(u > 0, u * (np.log(np.where(u > 0, u, 1) * n) - 1), 0.0)
    return primal + conj.sum()


@pytest.mark.parametrize("intercept", [False, True])
@pytest.mark.parametrize("sparse", [False, True])
def test_huber_l1_matches_cvxpy(intercept, sparse):
    X, y = huber_problem(0)
    alpha, delta = 0.05, 1.0
    model = GeneralizedLinearEstimator(datafits.Huber(delta), penalties.L1(alpha), fit_intercept=intercept, tol=1e-10)
    model.fit(sp.csc_matrix(X) if sparse else X, y)
    ref, ref_b, ref_value = cvx_huber_l1(X, y, alpha, delta, intercept)
    assert model.certificate_kind_ == "duality_gap" and model.certificate_ <= 1e-10
    assert model.objective_ <= ref_value + 1e-7
    np.testing.assert_allclose(model.coef_, ref, atol=2e-4)
    assert model.intercept_ == pytest.approx(ref_b, abs=2e-4)
    assert 0 <= huber_gap(X, y, model.coef_, model.intercept_, alpha, delta, intercept) <= 1e-8


def test_huber_sample_weights_match_cvxpy():
    X, y = huber_problem(1)
    s = np.random.default_rng(1).uniform(0, 2, X.shape[0])
    s[:3] = 0
    alpha, delta = 0.03, 0.7
    model = GeneralizedLinearEstimator(datafits.Huber(delta), penalties.L1(alpha), tol=1e-10).fit(X, y, s)
    ref, ref_b, ref_value = cvx_huber_l1(X, y, alpha, delta, True, s)
    assert model.objective_ <= ref_value + 1e-7
    np.testing.assert_allclose(model.coef_, ref, atol=2e-4)


def test_huber_is_robust_where_least_squares_is_not():
    X, y = huber_problem(2)
    robust = GeneralizedLinearEstimator(datafits.Huber(0.5), penalties.L1(0.01)).fit(X, y)
    plain = GeneralizedLinearEstimator(datafits.Quadratic(), penalties.L1(0.01)).fit(X, y)
    truth = np.r_[2.0, -1.5, 1.0, 0.5, np.zeros(X.shape[1] - 4)]
    assert np.linalg.norm(robust.coef_ - truth) < np.linalg.norm(plain.coef_ - truth)


@pytest.mark.parametrize("intercept", [False, True])
@pytest.mark.parametrize("sparse", [False, True])
def test_poisson_l1_matches_cvxpy(intercept, sparse):
    X, y = poisson_problem(3)
    alpha = 0.02
    model = GeneralizedLinearEstimator(datafits.Poisson(), penalties.L1(alpha), fit_intercept=intercept, tol=1e-10)
    model.fit(sp.csc_matrix(X) if sparse else X, y)
    ref, ref_b, ref_value = cvx_poisson_l1(X, y, alpha, intercept)
    assert model.certificate_kind_ == "duality_gap" and model.certificate_ <= 1e-10
    assert model.objective_ <= ref_value + 1e-7
    np.testing.assert_allclose(model.coef_, ref, atol=5e-4)
    assert model.intercept_ == pytest.approx(ref_b, abs=5e-4)
    if intercept:   # the centred dual point (valid without intercept too, but looser there)
        assert 0 <= poisson_gap(X, y, model.coef_, model.intercept_, alpha) <= 1e-8


@pytest.mark.parametrize("weighted", [False, True])
def test_poisson_ridge_matches_scikit_learn(weighted):
    from sklearn.linear_model import PoissonRegressor

    X, y = poisson_problem(4, n=120, p=8)
    s = np.random.default_rng(4).uniform(0.2, 3, X.shape[0]) if weighted else None
    alpha = 0.05
    model = GeneralizedLinearEstimator(datafits.Poisson(), penalties.ElasticNet(alpha, l1_ratio=0.0), tol=1e-12)
    model.fit(X, y, s)
    ref = PoissonRegressor(alpha=alpha, solver="newton-cholesky", tol=1e-12, max_iter=1000).fit(X, y, s)
    np.testing.assert_allclose(model.coef_, ref.coef_, atol=1e-6)
    assert model.intercept_ == pytest.approx(ref.intercept_, abs=1e-6)
    np.testing.assert_allclose(model.predict(X), ref.predict(X), rtol=1e-5)
    assert model.certificate_ <= 1e-12


def test_poisson_l1_kkt_in_numpy():
    """Stationarity recomputed here: |Xᵀ∇F| ≤ α off the support, = −α sign(β) on it, Σ∇F = 0."""
    X, y = poisson_problem(5, n=200, p=30)
    alpha = 0.01
    model = GeneralizedLinearEstimator(datafits.Poisson(), penalties.L1(alpha), tol=1e-12).fit(X, y)
    g = (np.exp(X @ model.coef_ + model.intercept_) - y) / X.shape[0]
    corr = X.T @ g
    on = model.coef_ != 0
    assert on.any() and (~on).any()
    np.testing.assert_allclose(corr[on], -alpha * np.sign(model.coef_[on]), atol=1e-6)
    assert np.all(np.abs(corr[~on]) <= alpha + 1e-6)
    assert abs(g.sum()) <= 1e-6


def test_poisson_predicts_the_mean_above_alpha_max():
    X, y = poisson_problem(6)
    model = GeneralizedLinearEstimator(datafits.Poisson(), penalties.L1(10.0)).fit(X, y)
    assert np.all(model.coef_ == 0)
    assert model.intercept_ == pytest.approx(np.log(y.mean()), abs=1e-9)
    np.testing.assert_allclose(model.predict(X), y.mean())


@pytest.mark.parametrize("datafit, y, match", [
    (datafits.Poisson(), np.r_[1.0, -1.0, 2.0, 0.0], "y: the Poisson datafit needs targets ≥ 0"),
    (datafits.Huber(0.0), np.r_[1.0, -1.0, 2.0, 0.0], "delta"),
    (datafits.Huber(np.nan), np.r_[1.0, -1.0, 2.0, 0.0], "delta"),
    (datafits.Huber(1.0), np.r_[1.0, np.inf, 2.0, 0.0], "y"),
])
def test_bad_input(datafit, y, match):
    X = np.eye(4)
    with pytest.raises(ValueError, match=match):
        GeneralizedLinearEstimator(datafit, penalties.L1(0.1)).fit(X, y)


def test_huber_and_poisson_with_nonconvex_penalty_are_certified_by_kkt():
    X, y = poisson_problem(7)
    model = GeneralizedLinearEstimator(datafits.Poisson(), penalties.MCP(0.02, gamma=3.0), tol=1e-8).fit(X, y)
    assert model.certificate_kind_ == "kkt_violation" and model.certificate_ <= 1e-8
    X, y = huber_problem(7)
    model = GeneralizedLinearEstimator(datafits.Huber(1.0), penalties.SCAD(0.05), tol=1e-8).fit(X, y)
    assert model.certificate_kind_ == "kkt_violation" and model.certificate_ <= 1e-8
