"""The certificate of every Lasso / elastic net fit tells the truth.

Checked against things the solver does not compute: the exact least-squares
solution (α = 0), cvxpy's optimum, the exact decrease of a one-coordinate
minimisation (which bounds the suboptimality from below, so a gap smaller than
it is a lie), and scikit-learn's solution for the support.
"""
import warnings

import cvxpy as cp
import numpy as np
import pytest
import scipy.sparse as sp
from sklearn import linear_model as sk

import nonsmooth as ns


def objective(X, y, coef, intercept, alpha, l1_ratio, w):
    n = X.shape[0]
    r = y - X @ coef - intercept
    return r @ r / (2 * n) + alpha * np.sum(w * (l1_ratio * np.abs(coef) + 0.5 * (1 - l1_ratio) * coef ** 2))


def coordinate_decreases(X, y, coef, intercept, alpha, l1_ratio, w, fit_intercept):
    """For each feature j (and the intercept), P(β) − min_t P(β + t e_j) with the
    intercept re-optimised: an exact lower bound on P(β) − P*."""
    n = X.shape[0]
    Xc = X - X.mean(axis=0) if fit_intercept else X
    r = y - X @ coef - intercept
    if fit_intercept:
        r = r - r.mean()   # the intercept's own coordinate step
    base = objective(X, y, coef, intercept, alpha, l1_ratio, w)
    best_intercept = intercept + (y - X @ coef - intercept).mean() if fit_intercept else intercept
    decreases = [base - objective(X, y, coef, best_intercept, alpha, l1_ratio, w)]
    for j in range(X.shape[1]):
        a = Xc[:, j] @ Xc[:, j] / n + alpha * (1 - l1_ratio) * w[j]
        if a == 0:
            continue
        z = Xc[:, j] @ r / n + Xc[:, j] @ Xc[:, j] / n * coef[j]
        lam = alpha * l1_ratio * w[j]
        new = np.sign(z) * max(abs(z) - lam, 0.0) / a
        trial = coef.copy()
        trial[j] = new
        b = y.mean() - X.mean(axis=0) @ trial if fit_intercept else 0.0
        decreases.append(base - objective(X, y, trial, b, alpha, l1_ratio, w))
    return np.array(decreases)


def cvxpy_optimum(X, y, alpha, l1_ratio, w, fit_intercept):
    n, p = X.shape
    beta = cp.Variable(p)
    b = cp.Variable() if fit_intercept else 0.0
    pen = alpha * (l1_ratio * cp.sum(cp.multiply(w, cp.abs(beta)))
                   + 0.5 * (1 - l1_ratio) * cp.sum(cp.multiply(w, cp.square(beta))))
    prob = cp.Problem(cp.Minimize(cp.sum_squares(y - X @ beta - b) / (2 * n) + pen))
    prob.solve(solver=cp.CLARABEL, tol_gap_abs=1e-12, tol_gap_rel=1e-12, tol_feas=1e-12)
    return prob.value


def random_problem(rng, kind):
    n = int(rng.integers(1, 12))
    p = int(rng.integers(1, 8))
    X = rng.normal(size=(n, p)) * rng.choice([1.0, 10.0, 0.1], size=p)
    if rng.random() < 0.3 and p > 1:
        X[:, -1] = X[:, 0] * 2.0   # collinear pair
    y = rng.normal(size=n) * 3 + rng.normal()
    fit_intercept = bool(rng.random() < 0.5)
    l1_ratio = 1.0 if rng.random() < 0.5 else 0.5
    if kind == "alpha0":
        alpha, w = 0.0, np.ones(p)
    else:
        w = rng.choice([0.0, 1.0, 2.0], size=p)
        alpha = float(rng.choice([1e-3, 0.1, 1.0, 10.0]))
    return X, y, fit_intercept, l1_ratio, alpha, w


def fit(X, y, fit_intercept, l1_ratio, alpha, w, sparse, **kw):
    Xf = sp.csc_matrix(X) if sparse else X
    model = ns.ElasticNet(alpha, l1_ratio=l1_ratio, weights=w, fit_intercept=fit_intercept, **kw)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model.fit(Xf, y)
    warned = any(issubclass(c.category, ns.ConvergenceWarning) for c in caught)
    return model, warned


def test_the_issue_reproductions_fit_the_data():
    m = ns.Lasso(0.0, fit_intercept=False).fit([[2.0, 3.0]], [-1.0])
    assert 2 * m.coef_[0] + 3 * m.coef_[1] == pytest.approx(-1.0, abs=1e-6)
    assert m.dual_gap_ <= m.gap_tolerance_
    m = ns.Lasso(1.0, fit_intercept=False, weights=[0.0, 0.0]).fit([[2.0, 3.0]], [-1.0])
    assert 2 * m.coef_[0] + 3 * m.coef_[1] == pytest.approx(-1.0, abs=1e-6)
    m = ns.Lasso(0.0, fit_intercept=False).fit([[2.0, 3.0], [1.0, 1.0]], [-1.0, 1.0])
    np.testing.assert_allclose(m.coef_, [4.0, -3.0], atol=1e-4)


@pytest.mark.parametrize("kind", ["alpha0", "zero_weights"])
@pytest.mark.parametrize("sparse", [False, True])
def test_certificate_bounds_the_suboptimality_with_unpenalized_features(kind, sparse):
    rng = np.random.default_rng(12 + sparse + 2 * (kind == "alpha0"))
    cases = 40 if kind == "alpha0" else 15
    for _ in range(cases):
        X, y, fit_intercept, l1_ratio, alpha, w = random_problem(rng, kind)
        m, warned = fit(X, y, fit_intercept, l1_ratio, alpha, w, sparse, max_iter=20_000)
        gap = m.dual_gap_
        scale = y @ y / len(y) + 1.0
        if not warned:
            assert gap <= m.gap_tolerance_ * (1 + 1e-9)
        # One-coordinate decreases are exact lower bounds on P(β) − P*.
        dec = coordinate_decreases(X, y, m.coef_, m.intercept_, alpha, l1_ratio, w, fit_intercept)
        assert dec.max() <= gap * (1 + 1e-6) + 1e-12 * scale, (dec.max(), gap, X, y, alpha, w)
        P = objective(X, y, m.coef_, m.intercept_, alpha, l1_ratio, w)
        if kind == "alpha0":
            A = np.column_stack([np.ones(len(y)), X]) if fit_intercept else X
            ls = np.linalg.lstsq(A, y, rcond=None)[0]
            r = y - A @ ls
            P_star = r @ r / (2 * len(y))
            # P(β) − P* = ‖X(β − β*)‖²/2n for least squares: fitted values agree.
            fitted = X @ m.coef_ + m.intercept_
            assert np.linalg.norm(fitted - A @ ls) <= np.sqrt(2 * len(y) * gap) * (1 + 1e-6) + 1e-7 * np.sqrt(scale)
        else:
            P_star = cvxpy_optimum(X, y, alpha, l1_ratio, w, fit_intercept)
        assert P - P_star <= gap * (1 + 1e-6) + 1e-8 * scale, (P, P_star, gap)


def test_alpha_zero_is_least_squares_and_converges():
    rng = np.random.default_rng(3)
    X = rng.normal(size=(40, 6))
    y = X @ rng.normal(size=6) + rng.normal(size=40)
    m = ns.Lasso(0.0, tol=1e-12).fit(X, y)
    ref = sk.LinearRegression().fit(X, y)
    np.testing.assert_allclose(m.coef_, ref.coef_, rtol=1e-5, atol=1e-6)
    assert m.intercept_ == pytest.approx(ref.intercept_, abs=1e-6)
    assert m.dual_gap_ <= m.gap_tolerance_


@pytest.mark.filterwarnings("ignore::nonsmooth.ConvergenceWarning")
def test_every_nonzero_coefficient_survives_its_coordinate_step():
    """The returned point ends on coordinate minimisations, as without extrapolation:
    a nonzero β_j has |z_j| ≥ λ1_j where z_j = x_jᵀr/n + ‖x_j‖²β_j/n (a
    coordinate step would otherwise set it to exactly 0). An extrapolated point
    leaked coordinates with |z_j| at half the threshold and |β_j| ~ 1e-5."""
    rng = np.random.default_rng(0)
    leaks = []
    for trial in range(100):
        n, p = int(rng.integers(10, 80)), int(rng.integers(5, 200))
        X = rng.normal(size=(n, p))
        if trial % 2:
            X[:, 1:] += 0.9 * X[:, :-1]   # correlated columns: extrapolation at work
        y = X[:, :3] @ rng.normal(size=3) * 5 + rng.normal(size=n)
        alpha = float(rng.choice([1.0, 0.1, 0.01]))
        l1_ratio = 1.0 if trial % 3 == 0 else 0.5
        Xf = sp.csc_matrix(X) if trial % 5 == 0 else X
        for extrapolation in (True, False):
            m = ns.ElasticNet(alpha, l1_ratio=l1_ratio, extrapolation=extrapolation).fit(Xf, y)
            Xc = X - X.mean(axis=0)
            r = y - y.mean() - Xc @ m.coef_
            z = Xc.T @ r / n + (Xc ** 2).sum(axis=0) / n * m.coef_
            ratio = np.abs(z[m.coef_ != 0]) / (alpha * l1_ratio)
            if ratio.size and ratio.min() < 0.95:
                leaks.append((trial, extrapolation, ratio.min()))
    assert not leaks


def test_floor_of_the_gap_warns_instead_of_claiming_the_tolerance():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(50, 20))
    y = X @ rng.normal(size=20) + 1e3
    with pytest.warns(ns.ConvergenceWarning, match="rounding floor"):
        m = ns.Lasso(1e-3, tol=1e-30, fit_intercept=False).fit(X, y)
    assert m.dual_gap_ > m.gap_tolerance_
    with pytest.warns(ns.ConvergenceWarning, match="rounding floor"):
        ns.lasso_path(X, y, alphas=[1e-3], tol=1e-30)
    # A reachable tolerance gives no warning.
    with warnings.catch_warnings():
        warnings.simplefilter("error", ns.ConvergenceWarning)
        m = ns.Lasso(1e-3, tol=1e-8, fit_intercept=False).fit(X, y)
    assert m.dual_gap_ <= m.gap_tolerance_


def test_tol_docstrings_state_the_floor():
    for documented in (ns.ElasticNet, ns.enet_path):
        tol_doc = documented.__doc__.split("tol : float")[1].split(" : ")[0]
        assert "1e-13" in tol_doc and "ConvergenceWarning" in tol_doc
    assert "ElasticNet" in ns.Lasso.__doc__ and "lasso_path" not in ns.enet_path.__doc__
