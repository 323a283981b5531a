"""Group Lasso and sparse-group Lasso (block coordinate descent in the engine)
against independent references: skglm's GroupLasso, cvxpy, the KKT conditions
and the duality gap recomputed in NumPy, α_max, the block prox's Moreau
identity (hypothesis), scikit-learn's estimator checks and bad input."""
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.utils.estimator_checks import parametrize_with_checks

import nonsmooth as ns
from nonsmooth.linear_model import (GeneralizedLinearEstimator, GroupLasso, SparseGroupLasso, datafits,
                                    group_lasso_alpha_max, group_lasso_path, penalties)


def regression(n=60, p=30, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p))
    X[:, 1] += 0.5 * X[:, 0]
    y = X[:, 0] - 2 * X[:, 6 % p] + X[:, 7 % p] + 0.5 * rng.standard_normal(n) + 1.0
    return X, y


def partition(p, seed=0):
    """Random groups of sizes 1..4, shuffled features."""
    rng = np.random.default_rng(seed)
    order = rng.permutation(p)
    groups, k = [], 0
    while k < p:
        size = int(rng.integers(1, 5))
        groups.append(sorted(order[k:k + size].tolist()))
        k += size
    return groups


def sparse_group_terms(X, y, s, coef, intercept, groups, alpha, rho, w):
    """(KKT violation per group, residual-based dual point θ, primal) computed here from scratch."""
    s = np.ones(len(y)) if s is None else s
    S = s.sum()
    r = y - X @ coef - intercept
    grad = -X.T @ (s * r) / S
    viol = []
    for g, idx in enumerate(groups):
        b, d = coef[idx], grad[idx]
        a, c = alpha * rho, alpha * (1 - rho) * w[g]
        if np.all(b == 0):
            viol.append(max(np.linalg.norm(np.maximum(np.abs(d) - a, 0)) - c, 0))
        else:
            comp = np.where(b == 0, np.maximum(np.abs(d) - a, 0), d + a * np.sign(b) + c * b / np.linalg.norm(b))
            viol.append(np.linalg.norm(comp))
    primal = np.sum(s * r ** 2) / (2 * S) + sum(
        alpha * (rho * np.abs(coef[idx]).sum() + (1 - rho) * w[g] * np.linalg.norm(coef[idx]))
        for g, idx in enumerate(groups))
    return np.array(viol), primal


def numpy_duality_gap(X, y, s, coef, intercept, groups, alpha, rho, w, fit_intercept):
    """P(β) − D(θ) with θ the (centred) scaled residual, all in NumPy: the dual of
    min Σ sᵢ(yᵢ − ηᵢ)²/(2S) + Σ_g p_g is max −Σ(θᵢyᵢ + Sθᵢ²/(2sᵢ)) over θ with
    −X_gᵀθ ∈ dom p_g* (and Σθ = 0 with an intercept)."""
    s = np.ones(len(y)) if s is None else s
    S = s.sum()
    theta = s * (X @ coef + intercept - y) / S
    if fit_intercept:
        theta = theta - theta.sum() * s / S
    u = X.T @ theta
    scale = 1.0
    for g, idx in enumerate(groups):
        a, c = alpha * rho, alpha * (1 - rho) * w[g]
        ug = np.abs(u[idx])
        # Largest t ≤ 1 with ‖S_a(t u_g)‖ ≤ c, by bisection (independent of the engine's closed form).
        if np.linalg.norm(np.maximum(ug - a, 0)) > c:
            lo, hi = 0.0, 1.0
            for _ in range(200):
                mid = 0.5 * (lo + hi)
                lo, hi = (mid, hi) if np.linalg.norm(np.maximum(mid * ug - a, 0)) <= c else (lo, mid)
            scale = min(scale, lo)
    theta *= scale
    dual = -np.sum(theta * y + S * theta ** 2 / (2 * s))
    _, primal = sparse_group_terms(X, y, s, coef, intercept, groups, alpha, rho, w)
    return primal - dual


@parametrize_with_checks([GroupLasso(alpha=0.1, tol=1e-12), SparseGroupLasso(alpha=0.1, tol=1e-12),
                          GeneralizedLinearEstimator(datafits.Logistic(), penalties.GroupL2(0.01), tol=1e-12)])
def test_sklearn_check_estimator(estimator, check):
    check(estimator)


@pytest.mark.parametrize("layout", ["F", "C", "csc"])
@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("ratio", [0.1, 0.01])
def test_group_lasso_matches_skglm(layout, fit_intercept, ratio):
    from skglm import GroupLasso as SkglmGroupLasso

    X, y = regression()
    w = np.ones(6)
    alpha = ratio * group_lasso_alpha_max(X, y, groups=5, weights=w, fit_intercept=fit_intercept)
    Xl = {"C": np.ascontiguousarray(X), "F": np.asfortranarray(X), "csc": sp.csc_matrix(X)}[layout]
    ours = GroupLasso(alpha, groups=5, weights=w, fit_intercept=fit_intercept, tol=1e-14).fit(Xl, y)
    ref = SkglmGroupLasso(groups=5, alpha=alpha, weights=w, fit_intercept=fit_intercept, tol=1e-12,
                          max_iter=1000).fit(X, y)
    np.testing.assert_allclose(ours.coef_, ref.coef_, atol=1e-6)
    np.testing.assert_allclose(ours.intercept_, ref.intercept_, atol=1e-6)
    assert ours.certificate_kind_ == "duality_gap"
    # Whole groups of exact zeros, the same groups as the reference's.
    blocks = ours.coef_.reshape(6, 5)
    assert np.all((blocks == 0).all(axis=1) | (blocks != 0).all(axis=1))
    np.testing.assert_array_equal((blocks == 0).all(axis=1), (ref.coef_.reshape(6, 5) == 0).all(axis=1))


@pytest.mark.parametrize("rho", [0.0, 0.3, 1.0])
@pytest.mark.parametrize("fit_intercept", [True, False])
def test_sparse_group_lasso_matches_cvxpy(rho, fit_intercept):
    cp = pytest.importorskip("cvxpy")
    X, y = regression(n=40, p=12, seed=3)
    groups = partition(12, seed=1)
    w = np.linspace(0.5, 2, len(groups))
    w[1] = 0.0   # an unpenalized group
    s = np.random.default_rng(4).uniform(0.5, 2, len(y))
    alpha = 0.05
    model = SparseGroupLasso(alpha, l1_ratio=rho, groups=groups, weights=w, fit_intercept=fit_intercept,
                             tol=1e-14).fit(X, y, sample_weight=s)
    beta, b = cp.Variable(12), cp.Variable()
    loss = cp.sum(cp.multiply(s, cp.square(y - X @ beta - (b if fit_intercept else 0)))) / (2 * s.sum())
    pen = sum(alpha * (rho * cp.norm1(beta[idx]) + (1 - rho) * w[g] * cp.norm2(beta[idx]))
              for g, idx in enumerate(groups))
    cp.Problem(cp.Minimize(loss + pen)).solve(solver=cp.CLARABEL, tol_gap_abs=1e-12, tol_gap_rel=1e-12,
                                               tol_feas=1e-12)
    np.testing.assert_allclose(model.coef_, beta.value, atol=5e-6)
    if fit_intercept:
        np.testing.assert_allclose(model.intercept_, b.value, atol=5e-6)
    # The unpenalized group makes the certificate a KKT violation unless ρ > 0.
    assert model.certificate_kind_ == ("kkt_violation" if rho == 0 else "duality_gap")


@pytest.mark.parametrize("rho", [0.0, 0.5])
@pytest.mark.parametrize("sparse", [False, True])
def test_kkt_and_duality_gap_recomputed_in_numpy(rho, sparse):
    X, y = regression(n=50, p=20, seed=5)
    groups = partition(20, seed=2)
    w = np.random.default_rng(6).uniform(0.5, 2, len(groups))
    s = np.random.default_rng(7).uniform(0.2, 3, len(y))
    alpha = 0.2 * group_lasso_alpha_max(X, y, groups, l1_ratio=rho, weights=w, sample_weight=s)
    Xl = sp.csc_matrix(X) if sparse else X
    model = SparseGroupLasso(alpha, l1_ratio=rho, groups=groups, weights=w, tol=1e-10).fit(Xl, y, sample_weight=s)
    viol, primal = sparse_group_terms(X, y, s, model.coef_, model.intercept_, groups, alpha, rho, w)
    scale = np.average((y - np.average(y, weights=s)) ** 2, weights=s)
    assert viol.max() <= 1e-4 * np.sqrt(scale)
    gap = numpy_duality_gap(X, y, s, model.coef_, model.intercept_, groups, alpha, rho, w, True)
    assert -1e-12 <= gap <= 1e-10 * scale + 1e-13
    # The reported certificate never claims more than the recomputed gap (up to rounding).
    assert model.dual_gap_ >= gap - 1e-12
    np.testing.assert_allclose(model.objective_, primal, rtol=1e-10)
    # Zero and non-zero groups both occur.
    zero = [np.all(model.coef_[idx] == 0) for idx in groups]
    assert any(zero) and not all(zero)


def test_certificate_is_honest_when_stopped_early():
    X, y = regression(n=50, p=40, seed=8)
    alpha = 0.01 * group_lasso_alpha_max(X, y, groups=4)
    with pytest.warns(ns.ConvergenceWarning, match="duality gap"):
        model = GroupLasso(alpha, groups=4, tol=1e-15, max_iter=3).fit(X, y)
    w = np.full(10, 2.0)
    gap = numpy_duality_gap(X, y, None, model.coef_, model.intercept_, [list(range(4 * g, 4 * g + 4))
                                                                         for g in range(10)], alpha, 0.0, w, True)
    assert model.dual_gap_ >= gap - 1e-12 and model.dual_gap_ > 0


@pytest.mark.parametrize("rho", [0.0, 0.4, 1.0])
@pytest.mark.parametrize("fit_intercept", [True, False])
def test_alpha_max_gives_exact_zeros(rho, fit_intercept):
    X, y = regression(n=40, p=15, seed=9)
    groups = partition(15, seed=3)
    s = np.random.default_rng(1).uniform(0.5, 2, len(y))
    top = group_lasso_alpha_max(X, y, groups, l1_ratio=rho, sample_weight=s, fit_intercept=fit_intercept)
    for factor in (1.0, 1.5):
        model = SparseGroupLasso(top * factor, l1_ratio=rho, groups=groups,
                                 fit_intercept=fit_intercept).fit(X, y, sample_weight=s)
        assert np.all(model.coef_ == 0)
        if fit_intercept:
            np.testing.assert_allclose(model.intercept_, np.average(y, weights=s), rtol=1e-10)
    below = SparseGroupLasso(top * 0.95, l1_ratio=rho, groups=groups, fit_intercept=fit_intercept)
    assert np.any(below.fit(X, y, sample_weight=s).coef_ != 0)


def test_alpha_max_with_an_unpenalized_group():
    X, y = regression(n=40, p=12, seed=10)
    w = np.array([0.0, 1.0, 1.0, 1.0])
    top = group_lasso_alpha_max(X, y, groups=3, weights=w)
    model = GroupLasso(top * (1 + 1e-9), groups=3, weights=w, tol=1e-12).fit(X, y)
    assert np.all(model.coef_[3:] == 0) and np.all(model.coef_[:3] != 0)
    ls = np.linalg.lstsq(np.column_stack([X[:, :3], np.ones(40)]), y, rcond=None)[0]
    np.testing.assert_allclose(model.coef_[:3], ls[:3], atol=1e-7)
    assert np.any(GroupLasso(top * 0.9, groups=3, weights=w).fit(X, y).coef_[3:] != 0)


def test_logistic_group_lasso_matches_cvxpy():
    cp = pytest.importorskip("cvxpy")
    rng = np.random.default_rng(11)
    X = rng.standard_normal((60, 9))
    labels = (X[:, 0] - X[:, 4] + 0.5 * rng.standard_normal(60) > 0).astype(int)
    alpha = 0.02
    model = GeneralizedLinearEstimator(datafits.Logistic(), penalties.GroupL2(alpha, groups=3, weights=np.ones(3)),
                                       tol=1e-12).fit(X, labels)
    t = 2.0 * labels - 1
    beta, b = cp.Variable(9), cp.Variable()
    loss = cp.sum(cp.logistic(-cp.multiply(t, X @ beta + b))) / 60
    pen = alpha * sum(cp.norm2(beta[3 * g:3 * g + 3]) for g in range(3))
    cp.Problem(cp.Minimize(loss + pen)).solve(solver=cp.CLARABEL)
    np.testing.assert_allclose(model.coef_, beta.value, atol=2e-5)
    np.testing.assert_allclose(model.intercept_, b.value, atol=2e-5)
    assert model.certificate_kind_ == "duality_gap" and model.certificate_ <= 1e-12


def test_path_warm_starts_and_matches_single_fits():
    X, y = regression(n=50, p=20, seed=12)
    alphas, coefs, intercepts, gaps = group_lasso_path(X, y, groups=4, l1_ratio=0.2, n_alphas=6, tol=1e-10)
    assert np.all(coefs[:, 0] == 0) and np.all(np.diff(alphas) < 0)
    single = SparseGroupLasso(alphas[3], l1_ratio=0.2, groups=4, tol=1e-10).fit(X, y)
    np.testing.assert_allclose(coefs[:, 3], single.coef_, atol=1e-6)
    assert np.all(gaps <= 1e-10 * np.var(y) + 1e-15)


def test_warm_start_and_groups_spellings_agree():
    X, y = regression(n=30, p=9, seed=13)
    by_size = GroupLasso(0.05, groups=3, tol=1e-12).fit(X, y)
    by_sizes = GroupLasso(0.05, groups=[3, 3, 3], tol=1e-12).fit(X, y)
    by_lists = GroupLasso(0.05, groups=[[0, 1, 2], [3, 4, 5], [6, 7, 8]], tol=1e-12).fit(X, y)
    np.testing.assert_array_equal(by_size.coef_, by_sizes.coef_)
    np.testing.assert_allclose(by_size.coef_, by_lists.coef_, atol=1e-12)
    warm = GroupLasso(0.05, groups=3, tol=1e-12, warm_start=True).fit(X, y)
    n_cold = warm.n_iter_
    warm.fit(X, y)
    assert warm.n_iter_ <= 1 < n_cold or n_cold <= 1
    # Permuted index lists give the permuted solution.
    perm = np.random.default_rng(0).permutation(9)
    groups = [np.flatnonzero(np.isin(perm, [0, 1, 2])).tolist(), np.flatnonzero(np.isin(perm, [3, 4, 5])).tolist(),
              np.flatnonzero(np.isin(perm, [6, 7, 8])).tolist()]
    permuted = GroupLasso(0.05, groups=groups, tol=1e-12).fit(X[:, perm], y)
    np.testing.assert_allclose(permuted.coef_, by_size.coef_[perm], atol=1e-8)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.floats(-5, 5), min_size=1, max_size=12), st.integers(1, 4), st.floats(0.01, 3),
       st.floats(0, 1), st.integers(0, 10_000))
def test_block_prox_moreau_identity(values, size, alpha, rho, seed):
    """With X = √n·I the quadratic problem separates: β* = prox_p(v) for v = y/√n, the engine's block
    prox exactly. Moreau: v = prox_p(v) + prox_{p*}(v), and p* is the indicator of the set
    {u : ‖S_{αρ}(u_g)‖ ≤ α(1 − ρ)w_g}; so v − β* must lie in that set and satisfy Fenchel–Young with
    equality, p(β*) = ⟨β*, v − β*⟩ (i.e. v − β* ∈ ∂p(β*))."""
    v = np.asarray(values)
    p = v.size
    pointers = list(range(0, p, size)) + [p]
    groups = [list(range(pointers[k], pointers[k + 1])) for k in range(len(pointers) - 1)]
    w = np.random.default_rng(seed).uniform(0, 2, len(groups))
    X = np.sqrt(p) * np.eye(p)
    model = SparseGroupLasso(alpha, l1_ratio=rho, groups=groups, weights=w, fit_intercept=False,
                             tol=1e-14).fit(X, np.sqrt(p) * v)
    beta = model.coef_
    u = v - beta
    value = 0.0
    for g, idx in enumerate(groups):
        a, c = alpha * rho, alpha * (1 - rho) * w[g]
        assert np.linalg.norm(np.maximum(np.abs(u[idx]) - a, 0)) <= c * (1 + 1e-9) + 1e-9
        value += a * np.abs(beta[idx]).sum() + c * np.linalg.norm(beta[idx])
        if a == 0 and c == 0:
            np.testing.assert_allclose(beta[idx], v[idx], atol=1e-9)
    np.testing.assert_allclose(value, beta @ u, atol=1e-8)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.floats(-5, 5), min_size=1, max_size=12), st.integers(1, 4), st.floats(0.01, 3),
       st.floats(0.01, 2))
def test_group_prox_moreau_identity(values, size, strength, step):
    """ns.prox.group_l2 (the operator the engine's block prox shares): v − prox_{tf}(v) is the
    projection of v onto the ball of radius tλw_g, group by group (Moreau)."""
    v = np.asarray(values)
    p = v.size
    if p % size:
        size = 1
    x = ns.prox.GroupL2(strength, groups=size).prox(v, step)
    for k in range(0, p, size):
        r = step * strength * np.sqrt(size)
        vg = v[k:k + size]
        norm = np.linalg.norm(vg)
        projection = vg if norm <= r else vg * (r / norm)
        np.testing.assert_allclose(vg - x[k:k + size], projection, atol=1e-12)


@pytest.mark.parametrize("groups, match", [
    (4, "does not divide"),
    ([[0, 1], [1, 2, 3, 4, 5]], "overlap"),
    ([[0, 1], [2, 3]], "leave 2 feature"),
    ([[0, 1, 2], [3, 4, 9]], r"lie in \[0, 6\)"),
    ([[0, 1, 2], []], "non-empty"),
    ([[0.5, 1], [2, 3, 4, 5]], "non-integer"),
    ([2, 2], "sum to"),
    ("abc", "expected an int"),
    (0, "groups"),
])
def test_bad_groups_raise(groups, match):
    X, y = regression(n=10, p=6)
    with pytest.raises(ValueError, match=match):
        GroupLasso(0.1, groups=groups).fit(X, y)


@pytest.mark.parametrize("kwargs, match", [
    (dict(weights=[1.0, 1.0]), "weights: has 2 entries but there are 3 groups"),
    (dict(weights=[1.0, -1.0, 1.0]), "weights"),
    (dict(weights=[1.0, np.nan, 1.0]), "weights"),
    (dict(alpha=-1.0), "alpha"),
    (dict(alpha=np.inf), "alpha"),
])
def test_bad_parameters_raise(kwargs, match):
    X, y = regression(n=10, p=6)
    params = dict(alpha=0.1, groups=2) | kwargs
    with pytest.raises(ValueError, match=match):
        GroupLasso(**params).fit(X, y)
    with pytest.raises(ValueError, match="l1_ratio"):
        SparseGroupLasso(0.1, l1_ratio=1.5, groups=2).fit(X, y)


def test_nan_input_and_2d_target_raise():
    X, y = regression(n=10, p=6)
    Xn = X.copy()
    Xn[0, 0] = np.nan
    with pytest.raises(ValueError, match="X"):
        GroupLasso(0.1, groups=2).fit(Xn, y)
    with pytest.raises(ValueError, match="y"):
        GroupLasso(0.1, groups=2).fit(X, np.column_stack([y, y]))


def test_native_entry_rejects_inconsistent_groups():
    from nonsmooth import _native

    X, y = regression(n=10, p=6)
    coef, icpt = np.zeros(6), np.zeros(1)
    with pytest.raises(ValueError, match="group"):
        _native.glm_fit(np.asfortranarray(X), None, y, coef, icpt, penalty=6, alpha=0.1,
                        group_pointers=np.array([0, 3, 7]), group_indices=np.arange(6))
    with pytest.raises(ValueError, match="group"):
        _native.glm_fit(np.asfortranarray(X), None, y, coef, icpt, penalty=6, alpha=0.1)
    with pytest.raises(ValueError, match="group"):
        _native.glm_fit(np.asfortranarray(X), None, y, coef, icpt, penalty=7, alpha=0.1,
                        group_pointers=np.array([0, 3, 6]), group_indices=np.array([0, 1, 2, 0, 4, 5]))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = _native.glm_fit(np.asfortranarray(X), None, y, coef, icpt, penalty=6, alpha=0.1, tol=1e-10,
                              group_pointers=np.array([0, 3, 6]), group_indices=np.arange(6))
    assert out[0] == 0
