"""Property-based tests (hypothesis) of the prox catalogue: facts that hold for
every input, checked on generated arrays with bounded finite entries.

- convex prox operators are firmly non-expansive;
- projections are idempotent and fix the points of their set;
- strength 0 gives the identity, strength and step only enter as their product;
- axis= batching equals a Python loop over the 1-D slices (2-D rows and
  columns, 3-D input), for prox, value and subgradient;
- invariances: shifts (simplex, TV), sign flips, permutations, transposes and
  orthogonal transformations (nuclear, PSD), homogeneity of norms, monotonicity
  of separable proxes.
"""
import numpy as np
import pytest

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import given, settings, strategies as st  # noqa: E402
from hypothesis.extra.numpy import arrays  # noqa: E402

import nonsmooth as ns  # noqa: E402
from prox_cases import (  # noqa: E402
    CASES, CONVEX_CASES, INDICATOR_CASES, LABELS_Y, N, NORMAL, VECTOR_CASES, WEIGHTS,
)

P = ns.prox
SETTINGS = settings(max_examples=50, deadline=None, derandomize=True, database=None)
FEW = settings(max_examples=30, deadline=None, derandomize=True, database=None)

finite = st.floats(-1e3, 1e3, allow_nan=False, allow_infinity=False, width=64)


def arr(shape):
    return arrays(np.float64, shape, elements=finite)


def _norm(a):
    return float(np.linalg.norm(a))


# ---- firm non-expansiveness --------------------------------------------------------------
@pytest.mark.parametrize("case", CONVEX_CASES, ids=repr)
@SETTINGS
@given(data=st.data())
def test_firmly_nonexpansive(case, data):
    """‖p(u) − p(v)‖² ≤ ⟨p(u) − p(v), u − v⟩ for the prox of a closed convex function."""
    u = data.draw(arr(case.shape), label="u")
    # Pairs at every distance: independent, and a small perturbation of u.
    if data.draw(st.booleans(), label="nearby"):
        v = u + data.draw(arr(case.shape), label="delta") * 1e-3
    else:
        v = data.draw(arr(case.shape), label="v")
    t = data.draw(st.sampled_from(case.steps), label="t")
    pu, pv = case.op.prox(u, t), case.op.prox(v, t)
    dp, du = (pu - pv).ravel(), (u - v).ravel()
    rel = 1e-9 if case.matrix else 1e-11
    tol = rel * (1 + _norm(u) + _norm(v)) * (_norm(dp) + _norm(du))
    assert dp @ dp <= dp @ du + tol, f"{case.id}: ‖Δp‖² = {dp @ dp} > ⟨Δp, Δv⟩ = {dp @ du}"


# ---- projections ---------------------------------------------------------------------------
@pytest.mark.parametrize("case", INDICATOR_CASES, ids=repr)
@SETTINGS
@given(data=st.data())
def test_projection_is_idempotent(case, data):
    v = data.draw(arr(case.shape))
    x = case.op.prox(v)
    np.testing.assert_allclose(case.op.prox(x), x, rtol=1e-12, atol=1e-12 * (1 + np.abs(v).max()))
    assert case.op(x) == 0.0, f"{case.id}: the projection is not in the set by the library's own value"


def _l2norm(v):
    """‖v‖₂ without underflow (np.linalg.norm squares tiny entries to 0)."""
    m = np.abs(v).max()
    return 0.0 if m == 0 else m * float(np.linalg.norm(v / m))


@SETTINGS
@given(v=arr((N,)), r=st.floats(0.0, 1e3))
def test_points_inside_balls_are_returned_unchanged(v, r):
    if _l2norm(v) <= r:
        np.testing.assert_array_equal(P.L2Ball(r).prox(v), v)
    if np.abs(v).sum() <= r:
        np.testing.assert_array_equal(P.L1Ball(r).prox(v), v)
    if np.abs(v).max() <= r:
        np.testing.assert_array_equal(P.LinfBall(r).prox(v), v)
    np.testing.assert_array_equal(P.Box(-r, r).prox(v), np.clip(v, -r, r))
    if NORMAL @ v <= 0.5:
        np.testing.assert_array_equal(P.Halfspace(NORMAL, 0.5).prox(v), v)


@SETTINGS
@given(v=arr((N,)), c=finite, s=st.floats(1e-3, 1e3))
def test_simplex_projection_is_shift_invariant(v, c, s):
    a, b = P.Simplex(s).prox(v + c), P.Simplex(s).prox(v)
    # The rounding of v + c − τ scales with the magnitude of the input, not with s.
    atol = 1e-14 * N * (1 + abs(c) + np.abs(v).max() + s)
    np.testing.assert_allclose(a, b, atol=atol)
    assert np.all(a >= 0)
    np.testing.assert_allclose(a.sum(), s, rtol=0, atol=atol)


@SETTINGS
@given(n=st.integers(1, 300), c=st.floats(-1e6, 1e6), noise=st.sampled_from([0.0, 1e-3, 1.0, 10.0]),
       s=st.sampled_from([1e-3, 0.25, 1.0, 3.5]), seed=st.integers(0, 2**32 - 1))
def test_simplex_projection_of_large_shifted_vectors_is_in_the_simplex(n, c, noise, s, seed):
    """Regression: v − τ cancels for v ≫ s; the projection must still pass the library's own
    membership test (value 0, subgradient defined)."""
    v = c + noise * np.random.default_rng(seed).standard_normal(n)
    x = P.Simplex(s).prox(v)
    assert P.Simplex(s)(x) == 0.0, f"Σx − s = {x.sum() - s}"
    assert not np.any(P.Simplex(s).subgradient(x))
    r = max(s, 1e-3)
    y = P.L1Ball(r).prox(v)
    assert P.L1Ball(r)(y) == 0.0, f"‖y‖₁ − r = {np.abs(y).sum() - r}"


@SETTINGS
@given(v=arr((N,)), scale=st.floats(0.01, 100.0), b=st.floats(-10, 10))
def test_hyperplane_does_not_depend_on_the_scale_of_its_equation(v, scale, b):
    np.testing.assert_allclose(P.Hyperplane(scale * NORMAL, scale * b).prox(v), P.Hyperplane(NORMAL, b).prox(v),
                               rtol=1e-11, atol=1e-11 * (1 + np.abs(v).max()))


# ---- strength 0 and the strength × step product ----------------------------------------
ZERO_STRENGTH = [
    P.Zero(), P.L1(0.0), P.L1(0.0, weights=WEIGHTS), P.SquaredL2(0.0), P.SquaredL2(0.0, weights=WEIGHTS),
    P.L2(0.0), P.GroupL2(0.0, groups=3), P.SparseGroupL2(0.0, 0.0, groups=4), P.ElasticNet(0.0, 0.4),
    P.Linf(0.0), P.TV1D(0.0), P.Huber(0.0, 0.5), P.Hinge(0.0, labels=LABELS_Y), P.L0(0.0),
    # MCP and SCAD at strength 0 lose entries below ~1e-154 for large steps (m² underflows):
    # covered by the regression tests below, kept away from the generic property.
    P.MCP(0.0, 2000.0), P.SCAD(0.0, 2000.0),
]


@pytest.mark.parametrize("op", ZERO_STRENGTH, ids=repr)
@FEW
@given(v=arr((N,)), t=st.floats(1e-3, 1e3))
def test_zero_strength_is_the_identity(op, v, t):
    np.testing.assert_allclose(op.prox(v, t), v, rtol=1e-15, atol=0)


@pytest.mark.parametrize("op, t", [(P.MCP(0.0, 2.0), 3.0), (P.SCAD(0.0, 3.7), 3.0)], ids=["MCP", "SCAD"])
def test_zero_strength_nonconvex_identity_for_large_steps(op, t):
    """t ≥ γ (MCP) and t ≥ a − 1 (SCAD): the branch comparing objective values."""
    v = np.array([1e-3, -2.5, 7.0, -1e3, 1e-100])
    np.testing.assert_array_equal(op.prox(v, t), v)


@pytest.mark.parametrize("op, t", [(P.MCP(0.0, 2.0), 3.0), (P.SCAD(0.0, 3.7), 3.0)], ids=["MCP", "SCAD"])
def test_zero_strength_nonconvex_identity_for_tiny_entries(op, t):
    v = np.array([1e-170, -1e-200, 5e-324])
    np.testing.assert_array_equal(op.prox(v, t), v)


@FEW
@given(v=arr((4, 6)), t=st.floats(1e-3, 1e3))
def test_zero_strength_nuclear_is_the_identity(v, t):
    np.testing.assert_allclose(P.Nuclear(0.0).prox(v, t), v, rtol=1e-15, atol=0)


STRENGTH_TIMES_STEP = [
    (lambda s: P.L1(s, weights=WEIGHTS), (N,)), (lambda s: P.SquaredL2(s), (N,)), (lambda s: P.L2(s), (N,)),
    (lambda s: P.GroupL2(s, groups=[[0, 3], [5, 6, 7]]), (N,)), (lambda s: P.ElasticNet(s, 0.3), (N,)),
    (lambda s: P.Linf(s), (N,)), (lambda s: P.TV1D(s), (N,)), (lambda s: P.Huber(s, 0.7), (N,)),
    (lambda s: P.Hinge(s, labels=LABELS_Y), (N,)), (lambda s: P.Nuclear(s), (5, 3)), (lambda s: P.L0(s), (N,)),
]


@pytest.mark.parametrize("make, shape", STRENGTH_TIMES_STEP)
@FEW
@given(data=st.data(), lam=st.floats(0.01, 10), t=st.floats(0.01, 10))
def test_strength_and_step_enter_as_a_product(make, shape, data, lam, t):
    v = data.draw(arr(shape))
    a, b = make(lam).prox(v, t), make(lam * t).prox(v, 1.0)
    if make(1.0).kind == "l0":  # hard thresholding: only the threshold's rounding may differ
        thr = np.sqrt(2 * lam * t)
        keep = np.abs(np.abs(v) - thr) > 1e-12 * (1 + thr)
        np.testing.assert_array_equal(a[keep], b[keep])
        return
    np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-10 * (1 + np.abs(v).max()))


NORMS = [(lambda: P.L1(0.8, weights=WEIGHTS), (N,)), (lambda: P.L2(1.5), (N,)), (lambda: P.Linf(2.0), (N,)),
         (lambda: P.TV1D(1.2), (N,)), (lambda: P.GroupL2(0.9, groups=LABELS_Y.astype(int)), (N,)),
         (lambda: P.Nuclear(1.1), (4, 6))]


@pytest.mark.parametrize("make, shape", NORMS)
@FEW
@given(data=st.data(), alpha=st.floats(0.01, 100), t=st.floats(0.05, 20))
def test_norm_prox_is_positively_homogeneous(make, shape, data, alpha, t):
    """For f positively homogeneous of degree 1: prox_{tf}(αv) = α prox_{(t/α) f}(v)."""
    v = data.draw(arr(shape))
    op = make()
    np.testing.assert_allclose(op.prox(alpha * v, t), alpha * op.prox(v, t / alpha),
                               rtol=1e-9, atol=1e-9 * alpha * (1 + np.abs(v).max()))


# ---- symmetries ------------------------------------------------------------------------------
SYMMETRIC_IDS = ["L1-weights", "L2", "GroupL2-labels", "SparseGroupL2-lists", "ElasticNet-weights", "Linf",
                 "L2Ball", "LinfBall", "L1Ball", "TV1D", "Huber", "L0", "MCP-firm", "MCP-nonconvex-step", "SCAD",
                 "SCAD-large-step", "Nuclear", "GroupL2-lists-weights"]


@pytest.mark.parametrize("case", [c for c in CASES if c.id in SYMMETRIC_IDS], ids=repr)
@FEW
@given(data=st.data())
def test_prox_of_an_even_function_is_odd(case, data):
    v = data.draw(arr(case.shape))
    t = data.draw(st.sampled_from(case.steps))
    np.testing.assert_allclose(case.op.prox(-v, t), -case.op.prox(v, t), rtol=1e-12,
                               atol=1e-12 * (1 + np.abs(v).max()))


PERMUTATION_INVARIANT = [P.Simplex(2.0), P.L1Ball(3.0), P.L2Ball(1.0), P.Linf(1.5), P.L2(2.0), P.L1(0.4),
                         P.Huber(1.0, 0.3), P.SCAD(1.0, 3.7), P.GroupL2(1.0, groups=N)]


@pytest.mark.parametrize("op", PERMUTATION_INVARIANT, ids=repr)
@FEW
@given(v=arr((N,)), perm=st.permutations(range(N)))
def test_permutation_equivariance(op, v, perm):
    perm = np.array(perm)
    np.testing.assert_allclose(op.prox(v[perm], 0.7), op.prox(v, 0.7)[perm], rtol=1e-12,
                               atol=1e-12 * (1 + np.abs(v).max()))


@SETTINGS
@given(v=arr((N,)), c=finite, lam=st.floats(0.0, 100), t=st.floats(0.01, 10))
def test_tv1d_invariances(v, c, lam, t):
    op = P.TV1D(lam)
    x = op.prox(v, t)
    scale = 1e-10 * (1 + np.abs(v).max() + abs(c))
    np.testing.assert_allclose(x.sum(), v.sum(), atol=scale * N)                 # the mean is kept
    np.testing.assert_allclose(op.prox(v + c, t), x + c, atol=scale * N)           # shift
    np.testing.assert_allclose(op.prox(v[::-1].copy(), t), x[::-1], atol=scale * N)  # reversal
    assert op(x) <= op(v) + scale * N * lam                                      # TV never grows
    assert x.min() >= v.min() - scale and x.max() <= v.max() + scale             # range is kept


@FEW
@given(v=arr((5, 3)), seed=st.integers(0, 2**32 - 1), t=st.floats(0.05, 20))
def test_nuclear_is_orthogonally_invariant(v, seed, t):
    rng = np.random.default_rng(seed)
    q1, _ = np.linalg.qr(rng.standard_normal((5, 5)))
    q2, _ = np.linalg.qr(rng.standard_normal((3, 3)))
    op = P.Nuclear(0.9)
    x = op.prox(v, t)
    atol = 1e-9 * (1 + np.abs(v).max())
    np.testing.assert_allclose(op.prox(q1 @ v @ q2, t), q1 @ x @ q2, atol=atol)
    np.testing.assert_allclose(op.prox(v.T.copy(), t), x.T, atol=atol)
    np.testing.assert_allclose(op.prox(v.T, t), x.T, atol=atol)                # a transposed view


@FEW
@given(v=arr((4, 4)))
def test_psd_projection_depends_on_the_symmetric_part_only(v):
    x = P.project_psd(v)
    atol = 1e-10 * (1 + np.abs(v).max())
    np.testing.assert_allclose(P.project_psd(v.T), x, atol=atol)
    np.testing.assert_allclose(P.project_psd((v + v.T) / 2), x, atol=atol)
    np.testing.assert_array_equal(x, x.T)
    assert np.linalg.eigvalsh(x).min() >= -atol


SEPARABLE = [P.L1(0.5, weights=WEIGHTS), P.SquaredL2(0.9, weights=WEIGHTS), P.ElasticNet(1.0, 0.6, weights=WEIGHTS),
             P.Huber(1.3, 0.4), P.Hinge(0.8, labels=LABELS_Y), P.Box(-0.5, 0.7), P.L0(0.6), P.MCP(1.0, 2.0),
             P.SCAD(0.8, 3.0)]


@pytest.mark.parametrize("op", SEPARABLE, ids=repr)
@FEW
@given(v=arr((N,)), d=arrays(np.float64, (N,), elements=st.floats(0, 1e3)), t=st.sampled_from([0.3, 1.0, 4.0]))
def test_separable_prox_is_monotone(op, v, d, t):
    """The prox of a function of one variable is nondecreasing (also for the nonconvex penalties)."""
    assert np.all(op.prox(v + d, t) >= op.prox(v, t) - 1e-12 * (1 + np.abs(v).max() + d.max()))


# ---- axis batching == loop over slices ----------------------------------------------------------
def _loop(fn, x, axis):
    """Apply fn to each 1-D slice along axis, stacking results in place."""
    moved = np.moveaxis(x, axis, -1)
    out = np.empty(moved.shape, dtype=float)
    values = np.empty(moved.shape[:-1])
    for idx in np.ndindex(*moved.shape[:-1]):
        r = fn(np.ascontiguousarray(moved[idx]))
        if np.ndim(r) == 0:
            values[idx] = r
        else:
            out[idx] = r
    return values, np.moveaxis(out, -1, axis)


LAYOUTS = [((5, None), 1), ((5, None), -1), ((None, 4), 0), ((None, 3, 2), 0), ((3, None, 2), 1),
           ((2, 3, None), 2), ((2, 3, None), -1)]


@pytest.mark.parametrize("layout, axis", LAYOUTS, ids=[f"{s}-axis{a}" for s, a in LAYOUTS])
@pytest.mark.parametrize("case", VECTOR_CASES, ids=repr)
def test_axis_batching_equals_a_loop_over_slices(case, layout, axis, rng):
    n = case.shape[0]
    shape = tuple(n if s is None else s for s in layout)
    v = rng.standard_normal(shape) * 2
    t = case.steps[1]
    op = case.op
    tol = dict(rtol=1e-13, atol=1e-14)
    batched = op.prox(v, t, axis=axis)
    assert batched.shape == v.shape
    _, looped = _loop(lambda s: op.prox(s, t), v, axis)
    np.testing.assert_allclose(batched, looped, **tol)
    # value and subgradient (indicators: at points of the set, i.e. the projections)
    x = batched if case.indicator else v
    values = op(x, axis=axis)
    expected_values, _ = _loop(lambda s: op(s), x, axis)
    assert values.shape == expected_values.shape
    np.testing.assert_allclose(values, expected_values, **tol)
    _, expected_g = _loop(lambda s: op.subgradient(s), x, axis)
    np.testing.assert_allclose(op.subgradient(x, axis=axis), expected_g, **tol)
    # Moreau envelope per slice
    env, grad = op.moreau_envelope(v, t, axis=axis)
    expected_env, _ = _loop(lambda s: op.moreau_envelope(s, t)[0], v, axis)
    np.testing.assert_allclose(env, expected_env, **tol)
    np.testing.assert_allclose(grad, (v - looped) / t, **tol)
    # a non-contiguous input gives the same batched result
    vf = np.asfortranarray(v)
    np.testing.assert_allclose(op.prox(vf, t, axis=axis), batched, **tol)


@pytest.mark.parametrize("case", [c for c in VECTOR_CASES if c.kind in
                                  ("simplex", "l1_ball", "tv1d", "l2", "linf", "l2_ball", "zero")], ids=repr)
def test_axis_none_treats_the_array_as_one_vector(case, rng):
    v = rng.standard_normal((4, 5))
    np.testing.assert_allclose(case.op.prox(v, 0.8), case.op.prox(v.ravel(), 0.8).reshape(4, 5), rtol=1e-15)
    np.testing.assert_allclose(case.op.prox(v.T, 0.8), case.op.prox(v.T.ravel(), 0.8).reshape(5, 4), rtol=1e-15)
