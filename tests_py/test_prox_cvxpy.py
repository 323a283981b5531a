"""Every convex operator of nonsmooth.prox against cvxpy.

The prox problem min_x f(x) + ‖x − v‖²/(2t) is modelled in cvxpy from the
definition of f (prox_cases.cvx_model) and solved by an interior-point solver
(Clarabel, else ECOS/SCS) with tight tolerances; the library's answer must
agree to ~1e-5 relative and must not have a larger objective than the solver's.
"""
import warnings

import numpy as np
import pytest

import nonsmooth as ns
from prox_cases import CONVEX_CASES, Case, cvx_model, value

cp = pytest.importorskip("cvxpy")

P = ns.prox

_SOLVERS = cp.installed_solvers()
if "CLARABEL" in _SOLVERS:
    SOLVE = dict(solver="CLARABEL", tol_gap_abs=1e-10, tol_gap_rel=1e-10, tol_feas=1e-10, max_iter=500)
elif "ECOS" in _SOLVERS:
    SOLVE = dict(solver="ECOS", abstol=1e-10, reltol=1e-10, feastol=1e-10)
else:  # first-order fallback: looser agreement
    SOLVE = dict(solver="SCS", eps=1e-10, max_iters=200000)
RTOL = 1e-5 if SOLVE["solver"] != "SCS" else 1e-3
# Tight tolerances sometimes end "optimal_inaccurate"; the comparison below is what counts.
SOLVED = (cp.OPTIMAL, cp.OPTIMAL_INACCURATE)

# Operators whose parameters do not depend on the vector length: also tried at other lengths.
LENGTH_FREE = {"l2", "linf", "l2_ball", "linf_ball", "l1_ball", "simplex", "tv1d", "huber", "nuclear"}


def _solve(case: Case, v: np.ndarray, t: float) -> tuple[np.ndarray, float]:
    x = cp.Variable(v.shape)
    f, constraints = cvx_model(case, cp, x)
    problem = cp.Problem(cp.Minimize(f + cp.sum_squares(x - v) / (2 * t)), constraints)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # "solution may be inaccurate"
        problem.solve(**SOLVE)
    assert problem.status in SOLVED, f"{case.id}: cvxpy status {problem.status}"
    return np.asarray(x.value, dtype=float), float(problem.value)


def _objective(case, x, v, t):
    return value(case, x) + float(np.sum((x - v) ** 2)) / (2 * t)


def _shapes(case):
    if case.kind not in LENGTH_FREE:
        return [case.shape]
    if case.kind == "nuclear":
        return [case.shape, (5, 5), (8, 2)]
    return [case.shape, (5,), (19,)]


def _compare(case, v, t):
    expected, _ = _solve(case, v, t)
    got = case.op.prox(v, t)
    scale = max(1.0, float(np.abs(expected).max()))
    err = float(np.abs(got - expected).max())
    assert err <= RTOL * scale, (
        f"{case.id}, step {t}: max |ns − cvxpy| = {err:.3g}\nv = {v.tolist()}\nns = {got.tolist()}\n"
        f"cvxpy = {expected.tolist()}")
    if case.indicator:
        return
    ours, theirs = _objective(case, got, v, t), _objective(case, expected, v, t)
    assert ours <= theirs + 1e-8 * (1 + abs(theirs)), f"{case.id}: objective {ours} > cvxpy's {theirs}"


@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("case", [c for c in CONVEX_CASES if c.kind != "psd"], ids=repr)
def test_prox_agrees_with_cvxpy(case, seed):
    rng = np.random.default_rng(3000 + seed)
    t = (0.4, 1.0, 2.5)[seed]
    for shape in _shapes(case):
        scale = (0.3, 1.0, 3.0)[seed]
        v = scale * rng.standard_normal(shape)
        _compare(case, v, t)


@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("n", [1, 4, 7])
def test_psd_projection_agrees_with_cvxpy(n, seed):
    rng = np.random.default_rng(4000 + 10 * n + seed)
    V = rng.standard_normal((n, n)) * (0.5 + seed)   # not symmetric: the prox projects its symmetric part
    X = cp.Variable((n, n), PSD=True)
    problem = cp.Problem(cp.Minimize(cp.sum_squares(X - V)))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # "solution may be inaccurate"
        problem.solve(**SOLVE)
    assert problem.status in SOLVED
    got = P.PSD().prox(V)
    np.testing.assert_allclose(got, X.value, atol=RTOL * max(1.0, np.abs(X.value).max()))
    np.testing.assert_array_equal(got, got.T)


def test_cvxpy_huber_is_twice_the_library_huber():
    """cp.huber(x, M) = x² (|x| ≤ M), 2M|x| − M² otherwise = 2 h_M(x): the factor used above."""
    xs = np.array([-3.0, -0.5, 0.0, 0.2, 1.0, 4.0])
    for delta in (0.5, 1.0, 2.0):
        theirs = np.array([cp.huber(cp.Constant(x), delta).value for x in xs], dtype=float)
        ours = np.array([P.Huber(1.0, delta)(np.array([x])) for x in xs])
        np.testing.assert_allclose(theirs, 2 * ours, rtol=1e-14)


@pytest.mark.parametrize("seed", range(4))
def test_tv1d_subgradient_is_the_minimal_norm_element(seed):
    """min ‖Dᵀz‖ over z_i = λ sign(x_{i+1} − x_i) on jumps, |z_i| ≤ λ on plateaus (cvxpy QP)."""
    rng = np.random.default_rng(5000 + seed)
    lam = 0.7
    x = np.repeat(rng.integers(-2, 3, 8).astype(float), rng.integers(1, 4, 8))
    d = np.diff(x)
    z = cp.Variable(d.size)
    Dt_z = cp.hstack([-z[0], z[:-1] - z[1:], z[-1]]) if d.size > 1 else cp.hstack([-z[0], z[0]])
    jump = np.flatnonzero(d != 0)
    cons = [cp.abs(z) <= lam]
    if jump.size:
        cons.append(z[jump] == lam * np.sign(d[jump]))
    problem = cp.Problem(cp.Minimize(cp.sum_squares(Dt_z)), cons)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # "solution may be inaccurate"
        problem.solve(**SOLVE)
    assert problem.status in SOLVED
    g = P.TV1D(lam).subgradient(x)
    np.testing.assert_allclose(np.linalg.norm(g) ** 2, problem.value, rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(g, np.asarray(Dt_z.value, dtype=float), atol=1e-5)


@pytest.mark.parametrize("seed", range(3))
def test_sparse_group_subgradient_on_a_zero_group_is_minimal(seed):
    """On a zero group ∂f contains 0; elsewhere minimal-norm elements match cvxpy's QP."""
    rng = np.random.default_rng(6000 + seed)
    l1, l2 = 0.3, 0.5
    groups = [[0, 1, 2], [3, 4], [5, 6, 7, 8]]
    x = rng.standard_normal(9) * (rng.random(9) < 0.6)
    x[3:5] = 0.0
    op = P.SparseGroupL2(l1, l2, groups=groups)
    g = cp.Variable(9)
    cons = []
    for grp in groups:
        w = np.sqrt(len(grp))
        nx = np.linalg.norm(x[grp])
        a = cp.Variable(len(grp))          # the ℓ1 part
        for j, i in enumerate(grp):
            if x[i] != 0:
                cons.append(a[j] == l1 * np.sign(x[i]))
        cons.append(cp.abs(a) <= l1)
        if nx > 0:
            cons.append(g[grp] == a + l2 * w * x[grp] / nx)
        else:
            b = cp.Variable(len(grp))
            cons += [cp.norm(b, 2) <= l2 * w, g[grp] == a + b]
    problem = cp.Problem(cp.Minimize(cp.sum_squares(g)), cons)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # "solution may be inaccurate"
        problem.solve(**SOLVE)
    assert problem.status in SOLVED
    np.testing.assert_allclose(op.subgradient(x), g.value, atol=1e-6)
