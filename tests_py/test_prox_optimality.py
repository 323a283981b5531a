"""Optimality of every operator of nonsmooth.prox, checked from the mathematics.

For convex f, x = prox_{tf}(v) iff (v − x)/t ∈ ∂f(x); the membership tests in
prox_cases.py are written per operator from the definition of ∂f (soft
thresholding's sign conditions, the group and sparse-group conditions, the dual
characterization of total variation, the SVD characterization of ∂‖·‖_*, normal
cones through support functions, ...). Projections are also checked by the
variational inequality ⟨v − x, y − x⟩ ≤ 0 over many points y of the set and its
extreme points. For the nonconvex penalties (ℓ0, MCP, SCAD) the prox must be a
global minimizer of the scalar prox objective, found by brute force on a grid.
"""
import math

import numpy as np
import pytest

import nonsmooth as ns
from prox_cases import (
    CASES, CONVEX_CASES, INDICATOR_CASES, NONCONVEX_CASES, check_subdiff, in_set, inputs,
    min_norm_subgradient, penalty, set_points, tol_for, value,
)

P = ns.prox


def test_every_operator_class_has_cases():
    covered = {type(c.op) for c in CASES}
    missing = [cls.__name__ for cls in P.OPERATORS if cls not in covered]
    assert not missing, f"operators without an optimality case: {missing}"


def _prox(case, v, t):
    x = case.op.prox(v, t)
    assert isinstance(x, np.ndarray) and x.dtype == np.float64 and x.shape == v.shape
    assert np.all(np.isfinite(x)), f"{case.id}: non-finite prox output"
    return x


# ---- convex operators: (v − x)/t ∈ ∂f(x) ------------------------------------------------
@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("case", CONVEX_CASES, ids=repr)
def test_optimality_condition(case, seed):
    rng = np.random.default_rng(1000 + seed)
    for v in inputs(case, rng):
        for t in case.steps:
            x = _prox(case, v, t)
            g = (v - x) / t
            try:
                check_subdiff(case, x, g, tol_for(v, t))
            except AssertionError as e:
                raise AssertionError(f"{case.id}, step {t}, v = {v.tolist()}, x = {x.tolist()}: {e}") from None


@pytest.mark.parametrize("case", INDICATOR_CASES, ids=repr)
def test_projection_variational_inequality(case, rng):
    """⟨v − x, y − x⟩ ≤ 0 for random y ∈ C and the extreme points of C."""
    for v in inputs(case, rng):
        x = _prox(case, v, 1.0)
        assert in_set(case, x, tol_for(v, 1.0)), f"{case.id}: projection is outside the set"
        r = (v - x).ravel()
        pts = set_points(case, x, r, rng)
        y = np.array([p.ravel() for p in pts]) - x.ravel()
        worst = (y @ r).max()
        scale = 1e-9 * (1 + np.linalg.norm(r)) * (1 + np.abs(y).sum(axis=1).max())
        assert worst <= scale, f"{case.id}: ⟨v − x, y − x⟩ = {worst:.3g} > 0 for some y in the set"


@pytest.mark.parametrize("case", INDICATOR_CASES, ids=repr)
def test_projection_ignores_the_step(case, rng):
    for v in inputs(case, rng):
        np.testing.assert_array_equal(case.op.prox(v, 0.01), case.op.prox(v, 50.0))


@pytest.mark.parametrize("case", INDICATOR_CASES, ids=repr)
def test_points_of_the_set_are_fixed(case, rng):
    for v in inputs(case, rng):
        x = case.op.prox(v)
        y = case.op.prox(x)
        np.testing.assert_allclose(y, x, rtol=1e-12, atol=1e-12 * (1 + np.abs(x).max()))


# ---- nonconvex penalties: global minimizers by brute force ------------------------------
def _brute_force_min(case, vi, t):
    """min_u p(u) + (u − vi)²/(2t) by a coarse grid, local refinement around
    the best local minima, and the kinks / breakpoints as exact candidates."""
    p = case.p
    lam = p["lam"]
    R = abs(vi) + 2 * lam * (1 + p.get("a", 0) + p.get("gamma", 0)) + 1

    def phi(u):
        return penalty(case, u) + (u - vi) ** 2 / (2 * t)

    grid = np.linspace(-R, R, 40001)
    h = grid[1] - grid[0]
    vals = phi(grid)
    interior = np.flatnonzero((vals[1:-1] <= vals[:-2]) & (vals[1:-1] <= vals[2:])) + 1
    local = np.concatenate([[0, grid.size - 1], interior])
    local = local[np.argsort(vals[local])[:6]]
    cands = [np.array([0.0, vi, -vi, lam, -lam, p.get("a", 0) * lam, -p.get("a", 0) * lam,
                       p.get("gamma", 0) * lam, -p.get("gamma", 0) * lam])]
    for i in local:
        cands.append(np.linspace(grid[i] - h, grid[i] + h, 2001))
    u = np.concatenate(cands)
    return float(phi(u).min())


@pytest.mark.parametrize("seed", range(2))
@pytest.mark.parametrize("case", NONCONVEX_CASES, ids=repr)
def test_nonconvex_prox_is_a_global_minimizer(case, seed):
    rng = np.random.default_rng(2000 + seed)
    for v in inputs(case, rng)[:5]:
        for t in case.steps:
            x = _prox(case, v, t)
            for vi, xi in zip(v, x):
                phi_x = float(penalty(case, np.array([xi]))[0] + (xi - vi) ** 2 / (2 * t))
                best = _brute_force_min(case, vi, t)
                tol = 1e-9 * (1 + vi * vi / t)
                assert phi_x <= best + tol, (
                    f"{case.id}, step {t}: prox({vi!r}) = {xi!r} has objective {phi_x!r} "
                    f"but the brute-force minimum is {best!r}")
                # Minimizers of an even penalty nondecreasing in |u| lie between 0 and v.
                assert min(0.0, vi) <= xi <= max(0.0, vi), f"{case.id}: prox({vi}) = {xi} not between 0 and v"


def _penalty_derivative(case, u):
    """p′(u) for u ≠ 0, from the definitions of MCP and SCAD."""
    p, m, s = case.p, np.abs(u), np.sign(u)
    lam = p["lam"]
    if case.kind == "mcp":
        return s * np.maximum(lam - m / p["gamma"], 0.0)
    a = p["a"]
    return s * np.where(m <= lam, lam, np.where(m <= a * lam, (a * lam - m) / (a - 1), 0.0))


@pytest.mark.parametrize("case", [c for c in NONCONVEX_CASES if c.kind != "l0"], ids=repr)
def test_nonconvex_stationarity_where_the_prox_objective_is_strongly_convex(case, rng):
    """For t < γ (MCP) or t < a − 1 (SCAD) the prox objective is strongly convex, so its
    minimizer is the unique stationary point: (v − x)/t = p′(x) for x ≠ 0, |v|/t ≤ λ for x = 0."""
    limit = case.p["gamma"] if case.kind == "mcp" else case.p["a"] - 1
    steps = [t for t in case.steps if t < limit] or [0.5 * limit]
    for v in inputs(case, rng):
        for t in steps:
            x = _prox(case, v, t)
            nz = x != 0
            np.testing.assert_allclose((v - x)[nz] / t, _penalty_derivative(case, x[nz]),
                                       atol=tol_for(v, t), err_msg=f"{case.id}, step {t}")
            assert np.all(np.abs(v[~nz]) / t <= case.p["lam"] + tol_for(v, t)), f"{case.id}, step {t}"


def test_nonconvex_tie_breaking_goes_to_zero():
    # ℓ0: at |v| = sqrt(2tλ) both 0 and v minimize; documented to return 0.
    t, lam = 2.0, 4.0  # threshold sqrt(16) = 4, exact
    x = P.L0(lam).prox(np.array([4.0, -4.0, 4.0 + 1e-12, -4.0 - 1e-12, 3.999]), t)
    np.testing.assert_array_equal(x, [0.0, 0.0, 4.0 + 1e-12, -4.0 - 1e-12, 0.0])
    # MCP with t ≥ γ: tie between 0 and v at |v| = λ sqrt(γ t); λ=1, γ=2, t=8 gives 4, exact.
    x = P.MCP(1.0, 2.0).prox(np.array([4.0, -4.0, 4.0 + 1e-12, 3.9]), 8.0)
    np.testing.assert_array_equal(x, [0.0, 0.0, 4.0 + 1e-12, 0.0])


def test_mcp_firm_thresholding_regime():
    # t < γ: 0 below tλ, (|v| − tλ)/(1 − t/γ) between tλ and γλ, v above γλ.
    lam, gamma, t = 1.0, 3.0, 1.5
    v = np.array([1.0, -1.5, 2.0, -2.9, 3.5, -10.0])
    expected = np.array([0.0, 0.0, 1.0, -2.8, 3.5, -10.0])
    np.testing.assert_allclose(P.MCP(lam, gamma).prox(v, t), expected, rtol=1e-14)


# ---- value / subgradient sanity --------------------------------------------------------
@pytest.mark.parametrize("case", CASES, ids=repr)
def test_value_matches_definition(case, rng):
    for v in inputs(case, rng):
        for x in (v, case.op.prox(v, 1.0)):
            expected = value(case, x)
            got = case.op(x)
            assert isinstance(got, float)
            if case.indicator:
                # The library counts rounding-level violations as inside; compare only clear cases.
                if in_set(case, x, 1e-12):
                    assert got == 0.0, f"{case.id}: value {got} at a point of the set"
                elif not in_set(case, x, 1e-6):
                    assert got == np.inf, f"{case.id}: value {got} outside the set"
            else:
                np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("case", INDICATOR_CASES, ids=repr)
def test_indicator_value_and_subgradient(case, rng):
    for v in inputs(case, rng):
        x = case.op.prox(v)
        assert case.op(x) == 0.0, f"{case.id}: value at the projection is {case.op(x)}"
        g = case.op.subgradient(x)
        assert g.shape == x.shape and not np.any(g), f"{case.id}: subgradient at a point of the set is not 0"
        if not in_set(case, v, 1e-6):
            assert case.op(v) == np.inf
            with pytest.raises(ValueError, match=r"^x:"):
                case.op.subgradient(v)


@pytest.mark.parametrize("case", [c for c in CONVEX_CASES if not c.indicator], ids=repr)
def test_subgradient_is_the_minimal_norm_element(case, rng):
    """subgradient(x) ∈ ∂f(x), and no longer than another element of ∂f(x)
    (the prox residual at points x = prox(v)); closed form where there is one."""
    for v in inputs(case, rng):
        for x in (case.op.prox(v, 1.3), v):
            gs = case.op.subgradient(x)
            assert gs.shape == x.shape
            tol = tol_for(v, 1.0)
            check_subdiff(case, x, gs, tol)
            if x is not v:
                other = (v - x) / 1.3
                assert np.linalg.norm(gs) <= np.linalg.norm(other) * (1 + 1e-9) + tol, (
                    f"{case.id}: subgradient is longer than another element of ∂f(x)")
            ref = min_norm_subgradient(case, x)
            if ref is not None:
                np.testing.assert_allclose(gs, ref, rtol=1e-9, atol=tol)


def test_tv1d_minimal_norm_subgradient_on_plateaus():
    # x = [0, 1, 1, 1, 3, 3, 2]: jumps +, 0, 0, +, 0, −; z = λ[1, ?, ?, 1, ?, −1].
    # Plateau [1,1,1] between z=1 and z=1 → g = 0 there; plateau [3,3] between z=1 and z=−1 →
    # g = (1 − (−1))/2 λ = λ; ends: g_0 = 0 − z_0 = −λ, g_6 = z_5 = −λ.
    lam = 0.5
    x = np.array([0.0, 1, 1, 1, 3, 3, 2])
    g = P.TV1D(lam).subgradient(x)
    np.testing.assert_allclose(g, lam * np.array([-1, 0, 0, 0, 1, 1, -1]), atol=1e-15)


@pytest.mark.parametrize("case", NONCONVEX_CASES, ids=repr)
def test_nonconvex_subgradient_is_the_derivative_away_from_zero(case, rng):
    x = np.concatenate([rng.uniform(-8, 8, 200), [0.0, -0.0]])
    gs = case.op.subgradient(x)
    assert gs[-1] == 0 and gs[-2] == 0, "the minimal-norm limiting subgradient at 0 is 0"
    h = 1e-6
    fd = (penalty(case, x + h) - penalty(case, x - h)) / (2 * h)
    p = case.p
    kinks = np.array([0.0, p["lam"], p.get("a", 0) * p["lam"], p.get("gamma", 0) * p["lam"]])
    away = np.abs(np.abs(x)[:, None] - kinks[None, :]).min(axis=1) > 1e-3
    np.testing.assert_allclose(gs[away], fd[away], atol=1e-6)


# ---- Moreau identities -----------------------------------------------------------------
def _vectors(rng, n=15):
    return [s * rng.standard_normal(n) for s in (0.1, 1.0, 4.0)] + [np.round(rng.standard_normal(n))]


def _moreau(prox_f, proj_conj, v, t):
    """prox_{tf}(v) + t P_{C}(v/t) = v when f = σ_C (f* = ι_C)."""
    lhs = prox_f(v, t) + t * proj_conj(v / t)
    np.testing.assert_allclose(lhs, v, rtol=1e-12, atol=1e-12 * (1 + np.abs(v).max()))


@pytest.mark.parametrize("t", [0.2, 1.0, 3.0])
def test_moreau_l1_linf_ball(rng, t):
    lam = 0.7
    for v in _vectors(rng):
        _moreau(P.L1(lam).prox, P.LinfBall(lam).prox, v, t)
        _moreau(P.L1(lam).prox, lambda u: np.clip(u, -lam, lam), v, t)


@pytest.mark.parametrize("t", [0.2, 1.0, 3.0])
def test_moreau_l2_l2_ball(rng, t):
    lam = 1.3
    for v in _vectors(rng):
        _moreau(P.L2(lam).prox, P.L2Ball(lam).prox, v, t)
        _moreau(P.L2(lam).prox, lambda u: u * min(1.0, lam / max(np.linalg.norm(u), 1e-300)), v, t)


@pytest.mark.parametrize("t", [0.2, 1.0, 3.0])
def test_moreau_linf_l1_ball(rng, t):
    lam = 0.9
    for v in _vectors(rng):
        _moreau(P.Linf(lam).prox, P.L1Ball(lam).prox, v, t)


def _l1_ball_projection_by_sorting(u, r):
    """Duchi et al. (2008) sort-based projection onto {‖x‖₁ ≤ r}."""
    a = np.abs(u)
    if a.sum() <= r:
        return u.copy()
    s = np.sort(a)[::-1]
    c = np.cumsum(s) - r
    k = np.flatnonzero(s - c / np.arange(1, a.size + 1) > 0)[-1]
    tau = c[k] / (k + 1)
    return np.sign(u) * np.maximum(a - tau, 0)


@pytest.mark.parametrize("t", [0.2, 1.0, 3.0])
def test_moreau_linf_against_sort_projection(rng, t):
    lam = 0.9
    for v in _vectors(rng, 40):
        _moreau(P.Linf(lam).prox, lambda u: _l1_ball_projection_by_sorting(u, lam), v, t)


@pytest.mark.parametrize("t", [0.2, 1.0, 3.0])
@pytest.mark.parametrize("shape", [(6, 4), (3, 8), (5, 5)])
def test_moreau_nuclear_spectral_ball(rng, t, shape):
    lam = 0.8

    def spectral_ball(u):
        U, s, Vt = np.linalg.svd(u, full_matrices=False)
        return (U * np.minimum(s, lam)) @ Vt

    for scale in (0.1, 1.0, 5.0):
        V = scale * rng.standard_normal(shape)
        _moreau(P.Nuclear(lam).prox, spectral_ball, V, t)


@pytest.mark.parametrize("case_id", ["Box-scalar", "Box-arrays", "Box-upper-only", "NonNegative"])
def test_moreau_box_support_function(rng, case_id):
    """v = P_Box(v) + prox_{σ_Box}(v), σ_Box(y) = Σ max(l_i y_i, u_i y_i), whose prox is
    y = v − u where v > u, v − l where v < l, 0 otherwise."""
    case = next(c for c in CASES if c.id == case_id)
    lo, hi = case.p["lower"], case.p["upper"]
    for v in inputs(case, rng):
        with np.errstate(invalid="ignore"):
            prox_support = np.where(v > hi, v - hi, np.where(v < lo, v - lo, 0.0))
        np.testing.assert_allclose(case.op.prox(v) + prox_support, v, rtol=1e-15, atol=1e-15)


def test_moreau_psd_cone_is_self_dual(rng):
    """S = P_K(S) − P_K(−S) for symmetric S (K = PSD cone, K° = −K), with the two parts orthogonal."""
    for n in (1, 4, 9):
        B = rng.standard_normal((n, n))
        S = B + B.T
        plus, minus = P.project_psd(S), P.project_psd(-S)
        np.testing.assert_allclose(plus - minus, S, atol=1e-12 * (1 + np.abs(S).max()))
        assert abs(np.sum(plus * minus)) <= 1e-10 * (1 + np.sum(S * S))


def test_moreau_nonnegative(rng):
    v = rng.standard_normal(50)
    np.testing.assert_array_equal(P.project_nonnegative(v) - P.project_nonnegative(-v), v)


@pytest.mark.parametrize("case", [c for c in CONVEX_CASES if not c.indicator and not c.matrix], ids=repr)
def test_moreau_envelope_gradient_is_its_derivative(case, rng):
    """e_t f is differentiable with gradient (v − prox)/t: compare with central differences of
    the envelope value computed by the library."""
    t = 0.7
    v = rng.standard_normal(case.shape)
    val, grad = case.op.moreau_envelope(v, t)
    x = case.op.prox(v, t)
    np.testing.assert_allclose(val, value(case, x) + np.sum((v - x) ** 2) / (2 * t), rtol=1e-12)
    np.testing.assert_allclose(grad, (v - x) / t, rtol=1e-12, atol=1e-15)
    h = 1e-6
    for i in range(v.size):
        e = np.zeros_like(v)
        e[i] = h
        fd = (case.op.moreau_envelope(v + e, t)[0] - case.op.moreau_envelope(v - e, t)[0]) / (2 * h)
        assert math.isclose(fd, grad[i], rel_tol=1e-5, abs_tol=1e-6), f"{case.id}: ∂e/∂v_{i} {fd} != {grad[i]}"


# ---- long vectors against independent formulas ---------------------------------------------
def _simplex_by_sorting(v, s):
    """Held, Wolfe & Crowder (1974) / Duchi et al. (2008): sort, cumulative sums, threshold."""
    u = np.sort(v)[::-1]
    c = np.cumsum(u) - s
    k = np.flatnonzero(u - c / np.arange(1, v.size + 1) > 0)[-1]
    return np.maximum(v - c[k] / (k + 1), 0)


@pytest.mark.parametrize("kind", ["gaussian", "shifted", "ties", "one-large", "uniform"])
def test_long_simplex_and_l1_ball_projections_match_the_sort_formula(kind, rng):
    n = 200_000
    v = {"gaussian": rng.standard_normal(n), "shifted": 500 + rng.random(n),
         "ties": np.round(rng.standard_normal(n), 1), "one-large": np.r_[50.0, rng.random(n - 1) * 1e-3],
         "uniform": np.full(n, 0.25)}[kind]
    for s in (1.0, 30.0):
        x = P.project_simplex(v, s)
        np.testing.assert_allclose(x, _simplex_by_sorting(v, s), rtol=0, atol=1e-12 * (1 + np.abs(v).max()))
        y = P.project_l1_ball(v, s)
        np.testing.assert_allclose(y, _l1_ball_projection_by_sorting(v, s), rtol=0,
                                   atol=1e-12 * (1 + np.abs(v).max()))


@pytest.mark.parametrize("lam", [1e-3, 0.3, 5.0, 1e3])
def test_long_tv1d_satisfies_the_dual_certificate(lam, rng):
    n = 20_000
    v = np.cumsum(rng.standard_normal(n)) * 0.1 + np.repeat(rng.standard_normal(n // 500) * 3, 500)
    x = P.tv1d(v, lam)
    case = next(c for c in CASES if c.kind == "tv1d")
    check_subdiff(type(case)(case.id, case.op, "tv1d", dict(lam=lam), v.shape), x, v - x,
                  1e-13 * (1 + np.abs(v).max()) * (1 + lam))


SHORT_KINDS = {"zero", "l2", "linf", "l2_ball", "linf_ball", "l1_ball", "simplex", "tv1d", "huber"}


@pytest.mark.parametrize("case", [c for c in CONVEX_CASES if c.kind in SHORT_KINDS or c.kind in ("nuclear", "psd")],
                         ids=repr)
def test_optimality_on_tiny_shapes(case, rng):
    if case.matrix:
        shapes = [(1, 1), (2, 2), (3, 3)] if case.kind == "psd" else [(1, 1), (1, 4), (4, 1), (2, 2)]
    else:
        shapes = [(1,), (2,), (3,)]
    for shape in shapes:
        for scale in (0.1, 1.0, 10.0):
            v = scale * rng.standard_normal(shape)
            for t in case.steps:
                x = _prox(case, v, t)
                check_subdiff(case, x, (v - x) / t, tol_for(v, t))
