"""Property-based tests of every public entry point of ``nonsmooth.prox``: the 24
operator classes (prox, value, subgradient, moreau_envelope) and the 26
functional shorthands.

- valid input: the shorthands agree with closed forms written here in NumPy
  (soft/hard thresholding, sort-based projections, SVD / eigendecomposition),
  TV with its optimality conditions; every operator's prox satisfies the
  optimality condition (v − x)/t ∈ ∂f(x) (convex) or beats a fine grid of the
  1-D objective (nonconvex), its value is the definition's, its subgradient is
  in ∂f(x), the Moreau envelope is f(p) + ‖v − p‖²/2t with gradient (v − p)/t;
- invalid input: NaN/inf in the point, a bad step, non-finite or out-of-domain
  parameters raise ValueError/TypeError naming the argument;
- no NaN comes out of finite input, at any magnitude, without an error.
"""
import numpy as np
import pytest
from hypothesis import assume, given, strategies as st

import nonsmooth as ns
from prox_cases import CASES, NONCONVEX_CASES, Case, check_subdiff, penalty, value
from properties_common import BAD_SCALARS, FEW, NO_SHRINK, NON_FINITE, SETTINGS, finite_arrays, no_silent_nan, poisoned, \
    raises_naming

P = ns.prox
STEPS = st.floats(1e-3, 1e3, allow_nan=False, allow_infinity=False)


def soft(v, t):
    return np.sign(v) * np.maximum(np.abs(v) - t, 0.0)


def group_shrink(v, t, size):
    out = v.copy()
    for s in range(0, v.size, size):
        g = v[s:s + size]
        ng = np.linalg.norm(g)
        thr = t * np.sqrt(g.size)
        out[s:s + size] = 0.0 if ng <= thr else (1 - thr / ng) * g
    return out


def simplex_ref(v, total):
    u = np.sort(v)[::-1]
    css = np.cumsum(u) - total
    j = np.arange(1, v.size + 1)
    rho = np.flatnonzero(u - css / j > 0)[-1]
    return np.maximum(v - css[rho] / (rho + 1), 0.0)


def l1_ball_ref(v, r):
    if np.abs(v).sum() <= r:
        return v.copy()
    return np.sign(v) * simplex_ref(np.abs(v), r)


def huber_ref(v, t, delta):
    return np.where(np.abs(v) <= delta * (1 + t), v / (1 + t), v - t * delta * np.sign(v))


def hinge_ref(v, t, y):
    m = y * v
    return np.where(m >= 1, v, np.where(m <= 1 - t * y * y, v + t * y, 1 / y))


def svt_ref(M, t):
    u, s, vt = np.linalg.svd(M, full_matrices=False)
    return (u * np.maximum(s - t, 0.0)) @ vt


def psd_ref(M):
    w, q = np.linalg.eigh((M + M.T) / 2)
    return (q * np.maximum(w, 0.0)) @ q.T


def hyperplane_ref(v, a, b, half):
    r = a @ v - b
    return v - (max(r, 0.0) if half else r) / (a @ a) * a


# name: (strategy of extra arguments, call, NumPy reference or None for an optimality check)
SHORTHANDS = {
    "l1": (lambda v, t: P.l1(v, t), lambda v, t: soft(v, t)),
    "l2_squared": (lambda v, t: P.l2_squared(v, t), lambda v, t: v / (1 + t)),
    "l2": (lambda v, t: P.l2(v, t), lambda v, t: max(0.0, 1 - t / max(np.linalg.norm(v), 1e-300)) * v),
    "group_l2": (lambda v, t: P.group_l2(v, t, groups=2), lambda v, t: group_shrink(v, t, 2)),
    "sparse_group_l2": (lambda v, t: P.sparse_group_l2(v, t, groups=2, l1_strength=0.3, group_strength=0.7),
                        lambda v, t: group_shrink(soft(v, 0.3 * t), 0.7 * t, 2)),
    "elastic_net": (lambda v, t: P.elastic_net(v, t, l1_ratio=0.3), lambda v, t: soft(v, 0.3 * t) / (1 + 0.7 * t)),
    "linf": (lambda v, t: P.linf(v, t), lambda v, t: v - l1_ball_ref(v, t)),
    "tv1d": (lambda v, t: P.tv1d(v, t), None),
    "huber": (lambda v, t: P.huber(v, t, delta=0.7), lambda v, t: huber_ref(v, t, 0.7)),
    "hinge": (lambda v, t: P.hinge(v, t), lambda v, t: hinge_ref(v, t, np.ones_like(v))),
    "l0": (lambda v, t: P.l0(v, t), lambda v, t: np.where(v * v > 2 * t, v, 0.0)),
    "mcp": (lambda v, t: P.mcp(v, t, gamma=3.0), None),
    "scad": (lambda v, t: P.scad(v, t, a=3.7), None),
    "nuclear": (lambda v, t: P.nuclear(v.reshape(2, -1), t), lambda v, t: svt_ref(v.reshape(2, -1), t)),
    "project_box": (lambda v, t: P.project_box(v, -t, 2 * t), lambda v, t: np.clip(v, -t, 2 * t)),
    "project_nonnegative": (lambda v, t: P.project_nonnegative(v), lambda v, t: np.maximum(v, 0.0)),
    "project_l2_ball": (lambda v, t: P.project_l2_ball(v, t),
                        lambda v, t: v * min(1.0, t / max(np.linalg.norm(v), 1e-300))),
    "project_linf_ball": (lambda v, t: P.project_linf_ball(v, t), lambda v, t: np.clip(v, -t, t)),
    "project_l1_ball": (lambda v, t: P.project_l1_ball(v, t), l1_ball_ref),
    "project_simplex": (lambda v, t: P.project_simplex(v, t), simplex_ref),
    "project_hyperplane": (lambda v, t: P.project_hyperplane(v, np.arange(1.0, v.size + 1), t),
                           lambda v, t: hyperplane_ref(v, np.arange(1.0, v.size + 1), t, False)),
    "project_halfspace": (lambda v, t: P.project_halfspace(v, np.arange(1.0, v.size + 1), t),
                          lambda v, t: hyperplane_ref(v, np.arange(1.0, v.size + 1), t, True)),
    "project_psd": (lambda v, t: P.project_psd(v[:4].reshape(2, 2)), lambda v, t: psd_ref(v[:4].reshape(2, 2))),
}
EVEN = st.integers(2, 6).map(lambda k: 2 * k)  # even lengths: 2 groups of 2, 2-row matrices, 2×2 PSD


def nonconvex_grid_check(case: Case, v, t, x):
    """x = prox_{t f}(v) for a separable nonconvex penalty: t·pen(x_i) + (x_i − v_i)²/2
    is at most its minimum over a fine grid (and the breakpoints) of each coordinate."""
    for vi, xi in zip(v.ravel(), x.ravel()):
        lam = case.p["lam"]
        marks = [0.0, vi, lam, -lam] + [s * lam * case.p.get(k, 1.0) for k in ("gamma", "a") for s in (1, -1)]
        grid = np.concatenate([np.linspace(-abs(vi) - 1, abs(vi) + 1, 4001), marks])

        def phi(u):
            return t * penalty(case, np.asarray(u, float)) + (np.asarray(u) - vi) ** 2 / 2

        best = phi(grid).min()
        assert phi(xi) <= best + 1e-9 * (1 + abs(vi)) ** 2, f"{case.id}: φ({xi}) = {phi(xi)} > grid min {best} (v = {vi})"


# ---- shorthands: NumPy references ---------------------------------------------------------------
@pytest.mark.parametrize("name", sorted(SHORTHANDS))
@SETTINGS
@given(data=st.data(), t=STEPS)
def test_shorthand_agrees_with_numpy_reference(name, data, t):
    n = data.draw(EVEN, label="n")
    scale = data.draw(st.sampled_from([1e-3, 1.0, 1e3]), label="scale")
    v = data.draw(finite_arrays((n,), 10.0), label="v") * scale
    call, ref = SHORTHANDS[name]
    x = call(v, t)
    if ref is not None:
        want = ref(v, t)
        if name == "l0":  # at a tie v² = 2t both 0 and v are minimizers
            tie = np.isclose(v * v, 2 * t, rtol=1e-12)
            want = np.where(tie, x, want)
        tol = 1e-9 * (1 + np.abs(v).max() + t)
        np.testing.assert_allclose(x, want, rtol=1e-9, atol=tol)
    elif name == "tv1d":
        check_subdiff(Case("tv", None, "tv1d", dict(lam=t)), x, v - x, 1e-8 * (1 + np.abs(v).max()))
    else:
        case = Case(name, None, name, dict(lam=1.0, gamma=3.0, a=3.7))
        nonconvex_grid_check(case, v, t, x)


@pytest.mark.parametrize("name", sorted(SHORTHANDS))
@FEW
@given(data=st.data())
def test_shorthand_rejects_non_finite_points(name, data):
    n = data.draw(EVEN, label="n")
    v = poisoned(data.draw(finite_arrays((n,), 10.0), label="v"), data.draw(st.integers(0, 99)),
                 data.draw(st.sampled_from(NON_FINITE)))
    if name == "project_psd":
        v[:4] = poisoned(v[:4], data.draw(st.integers(0, 3)), np.nan)
    call, _ = SHORTHANDS[name]
    with raises_naming("M" if name in ("nuclear", "project_psd") else "v", ValueError):
        call(v, 1.0)


@pytest.mark.parametrize("name", ["l1", "l2_squared", "l2", "group_l2", "sparse_group_l2", "elastic_net", "linf",
                                  "tv1d", "huber", "hinge", "l0", "mcp", "scad", "nuclear"])
@pytest.mark.parametrize("step", [0.0, -1.0, np.nan, np.inf, "1"])
def test_shorthand_rejects_bad_steps(name, step):
    call, _ = SHORTHANDS[name]
    with raises_naming("step"):
        call(np.ones(4), step)


@pytest.mark.parametrize("call, name", [
    (lambda v, x: P.project_l2_ball(v, x), "radius"), (lambda v, x: P.project_linf_ball(v, x), "radius"),
    (lambda v, x: P.project_l1_ball(v, x), "radius"), (lambda v, x: P.project_simplex(v, x), "total"),
    (lambda v, x: P.huber(v, 1.0, delta=x), "delta"), (lambda v, x: P.mcp(v, 1.0, gamma=x), "gamma"),
    (lambda v, x: P.scad(v, 1.0, a=x), "a"), (lambda v, x: P.elastic_net(v, 1.0, l1_ratio=x), "l1_ratio"),
    (lambda v, x: P.project_hyperplane(v, np.ones(4), x), "b"),
    (lambda v, x: P.project_halfspace(v, np.ones(4), x), "b"),
    (lambda v, x: P.sparse_group_l2(v, 1.0, groups=2, l1_strength=x), "l1_strength"),
    (lambda v, x: P.sparse_group_l2(v, 1.0, groups=2, group_strength=x), "group_strength"),
    (lambda v, x: P.l1(v, 1.0, weights=[1.0, x, 1.0, 1.0]), "weights"),
    (lambda v, x: P.hinge(v, 1.0, labels=[1.0, x, 1.0, 1.0]), "labels"),
    (lambda v, x: P.project_hyperplane(v, [1.0, x, 1.0, 1.0]), "a"),
])
@pytest.mark.parametrize("bad", BAD_SCALARS)
def test_shorthand_rejects_bad_parameters(call, name, bad):
    if isinstance(bad, list):  # a list where a number goes: the vector cases take it as an entry
        bad = [bad]
    with raises_naming(name):
        call(np.ones(4), bad)


# ---- operator classes: optimality, value, subgradient, envelope ----------------------------------
def _point(data, case: Case, bound: float = 10.0):
    v = data.draw(finite_arrays(case.shape, bound), label="v")
    return v * data.draw(st.sampled_from([1e-2, 1.0, 1e2]), label="scale")


@pytest.mark.parametrize("case", CASES, ids=repr)
@SETTINGS
@given(data=st.data())
def test_operator_prox_value_subgradient_envelope(case, data):
    v = _point(data, case)
    t = data.draw(st.sampled_from(case.steps), label="t")
    x = case.op.prox(v, t)
    assert x.shape == v.shape and np.isfinite(x).all()
    scale = 1 + np.abs(v).max() / min(t, 1.0)
    if case.convex:
        # (v − x)/t ∈ ∂f(x): the definition of the prox of a closed convex f.
        check_subdiff(case, x, (v - x) / t, 1e-8 * scale)
        # The subgradient the operator returns is in ∂f(x) as well.
        if not case.indicator or case.kind != "psd":
            check_subdiff(case, x, case.op.subgradient(x), 1e-8 * scale)
    else:
        nonconvex_grid_check(case, v, t, x)
    fx = case.op(x)
    want = value(case, x)
    assert fx == pytest.approx(want, rel=1e-9, abs=1e-9 * scale), f"{case.id}: f(x) = {fx}, definition {want}"
    env, grad = case.op.moreau_envelope(v, t)
    assert env == pytest.approx(want + np.sum((v - x) ** 2) / (2 * t), rel=1e-8, abs=1e-8 * scale ** 2)
    np.testing.assert_allclose(grad, (v - x) / t, rtol=1e-8, atol=1e-8 * scale)


@pytest.mark.parametrize("case", CASES, ids=repr)
@FEW
@given(data=st.data())
def test_operator_rejects_non_finite_points_naming_them(case, data):
    v = poisoned(_point(data, case), data.draw(st.integers(0, 999), label="at"),
                 data.draw(st.sampled_from(NON_FINITE), label="bad"))
    with raises_naming("v", ValueError):
        case.op.prox(v, 1.0)
    with raises_naming("x", ValueError):
        case.op(v)
    with raises_naming("x", ValueError):
        case.op.subgradient(v)
    with raises_naming("v", ValueError):
        case.op.moreau_envelope(v, 1.0)


@pytest.mark.parametrize("case", CASES, ids=repr)
@pytest.mark.parametrize("step", [0.0, -0.5, np.nan, -np.inf, np.inf, "1", None, complex(1, 0)])
def test_operator_rejects_bad_steps_naming_them(case, step):
    with raises_naming("step"):
        case.op.prox(np.ones(case.shape), step)


@pytest.mark.parametrize("case", CASES, ids=repr)
@pytest.mark.parametrize("bad", ["empty", "complex", "str", "object"])
def test_operator_rejects_bad_arrays_naming_them(case, bad):
    good = np.ones(case.shape)
    v = {"empty": np.ones((0,) * len(case.shape)), "complex": good.astype(complex), "str": good.astype(str),
         "object": np.array([None] * good.size, dtype=object).reshape(good.shape)}[bad]
    with raises_naming("v"):
        case.op.prox(v, 1.0)


# ---- extreme magnitudes: no silent NaN ---------------------------------------------------------------
# Inputs of 1.7e308 whose prox came out with NaN (without a warning): issue 12 item 5's class, left
# after the fix of its listed reproductions; fixed by running the projection / SVD / eigendecomposition
# on the input scaled by a power of two.
NAN_TRIGGERS = {
    "Hyperplane-sparse": [0.1, 0.9, -1.0, -0.7, 0.4, -0.2, -0.4, 0.9, -0.5, 0.4, 0.9, 0.5],
    "Nuclear": [[0.4, 0.4, 0.6, -0.5], [0.3, 0.6, 0.8, 0.8], [0.8, -0.8, -0.2, -0.1], [0.8, -0.2, -0.5, -1.0],
                [-0.4, 0.6, -1.0, -0.7], [-0.4, 0.1, -0.3, 0.8]],
    "Nuclear-wide": [[-0.3, 0.9, 0.9, 1.0, -0.9, 0.7, 0.9], [0.8, 0.4, 0.4, 0.4, 0.1, 0.6, 0.0],
                     [-0.5, -0.8, 0.8, 0.5, -0.6, 0.6, -0.4]],
    "PSD": [[-0.7, -0.3, -0.8, 0.3, -0.3], [0.1, 0.8, 0.7, 0.8, 0.9], [0.2, 0.0, -0.9, -0.8, 0.0],
            [0.7, -0.1, -1.0, -0.6, 0.5], [-0.7, -0.6, -0.4, 0.2, 0.7]],
}


def _check_huge(case, v, t):
    """Up to 1e300 the exact prox is representable (norms and projections grow v by a
    factor ≤ 10 here), so the output must be finite; at 1.7e308 the exact answer may
    overflow (inf is then the honest float), but NaN must come with a warning or an error."""
    with no_silent_nan() as check:
        try:
            x = case.op.prox(v, t)
        except (ValueError, ns.NumericalError):
            return
        check(x)
    if np.abs(v).max() <= 1e300:
        assert np.all(np.isfinite(x)), f"{case.id}: finite v (max {np.abs(v).max():.3g}), step {t} gave {x}"


@pytest.mark.parametrize("case", CASES, ids=repr)
@NO_SHRINK
@given(data=st.data())
def test_operator_huge_input_gives_finite_output(case, data):
    if case.id in NAN_TRIGGERS:  # the known reproduction first, whatever the draws
        _check_huge(case, 1.7e308 * np.array(NAN_TRIGGERS[case.id]), 1.0)
    v = data.draw(finite_arrays(case.shape, 1.0), label="v")
    assume(np.abs(v).max() > 0)
    v = v / np.abs(v).max() * data.draw(st.sampled_from([1e150, 1e300, 1.7e308]), label="magnitude")
    _check_huge(case, v, data.draw(st.sampled_from([1e-300, 1.0, 1e300]), label="t"))


# The reproductions of issue 12 item 5, against their exact answers.
ITEM5 = [
    ("L1 zero weight", lambda: P.L1(1e308, weights=[0.0, 1.0]).prox([5.0, 1.0], 2.0), [5.0, 0.0]),
    ("tv1d mean", lambda: P.tv1d(np.array([-9.4, -1, -0.5, 0]), 1e308), np.full(4, -2.725)),
    ("simplex", lambda: P.project_simplex(np.array([1e308, 1e308])), [0.5, 0.5]),
    ("halfspace", lambda: P.project_halfspace(np.array([1e308, 1e308]), np.array([1.0, 1.0]), 0.0), [0.0, 0.0]),
    ("nuclear", lambda: P.nuclear(np.full((2, 2), 1e308), 1.0), np.full((2, 2), 1e308 - 0.5)),
    ("scad prox", lambda: P.SCAD(1.0, 1e308).prox(np.array([5.0, -3.0]), 1.0), [4.0, -2.0]),
]
# An exact 0 is reached up to the rounding of the input's magnitude (‖v‖ = 1.4e308 here).
ITEM5_ATOL = {"halfspace": 1e-15 * 1.5e308}


@pytest.mark.parametrize("name, call, want", ITEM5, ids=[c[0] for c in ITEM5])
def test_item5_overflow_reproductions(name, call, want):
    np.testing.assert_allclose(call(), want, rtol=1e-12, atol=ITEM5_ATOL.get(name, 0.0))


@pytest.mark.parametrize("d", [1.7e308, 1.0, 1e-300])
def test_project_psd_of_indefinite_diagonal_clips_negative_eigenvalues(d):
    """diag(d, −d, 0, 0, 0) projects to diag(d, 0, 0, 0, 0): the closed form (negative
    eigenvalues clipped to 0), with a diagonal that is never negative. Near the float64
    limit the S − Q₋diag(w₋)Q₋ᵀ assembly left −2e292 at (1, 1)."""
    x = P.project_psd(np.diag([d, -d, 0.0, 0.0, 0.0]))
    np.testing.assert_allclose(x, np.diag([d, 0.0, 0.0, 0.0, 0.0]), rtol=1e-15, atol=0.0)
    assert np.all(np.diag(x) >= 0) and np.array_equal(x, x.T)
    assert np.linalg.eigvalsh(x / d).min() >= 0.0


@SETTINGS
@given(data=st.data(), scale=st.sampled_from([1e-300, 1e-308, 1e-310, 1e-315, 1e-320]))
def test_l2_norm_of_tiny_vectors(data, scale):
    """‖x‖₂ without underflow, down to subnormal entries (1/max|xᵢ| overflowed there, so
    the norm came out inf, and the subgradient method stopped on 'not finite')."""
    import math
    v = data.draw(finite_arrays((data.draw(st.integers(1, 12), label="n"),), 1.0), label="v") * scale
    want = math.hypot(*v)
    assert P.L2(1.0)(v) == pytest.approx(want, rel=1e-6 if scale < 1e-308 else 1e-12, abs=5e-324)


@pytest.mark.parametrize("cls", [P.Hyperplane, P.Halfspace])
def test_subnormal_normal_vector_is_a_valid_hyperplane(cls):
    """a = (1e-320, 0) is a nonzero normal: its norm no longer comes out as 0/inf."""
    np.testing.assert_array_equal(cls([1e-320, 0.0], 1e-320).prox(np.array([3.0, 2.0])), [1.0, 2.0])
