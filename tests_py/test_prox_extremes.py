"""Prox operators near the float64 limits: step·strength products and sums that
overflow, tiny and subnormal inputs. Each answer is checked against a closed form."""
import numpy as np
import pytest

import nonsmooth as ns
from prox_cases import CASES

P = ns.prox
HUGE = 1e308


def test_zero_weight_stays_unpenalized_when_the_threshold_overflows():
    np.testing.assert_array_equal(P.L1(HUGE, weights=[0.0, 1.0]).prox([5.0, 1.0], 2.0), [5.0, 0.0])
    np.testing.assert_array_equal(P.SquaredL2(HUGE, weights=[0.0, 1.0]).prox([5.0, 1.0], 2.0), [5.0, 0.0])
    out = P.ElasticNet(HUGE, l1_ratio=0.5, weights=[0.0, 1.0]).prox([5.0, 1.0], 2.0)
    np.testing.assert_array_equal(out, [5.0, 0.0])
    out = P.GroupL2(HUGE, groups=[[0], [1]], weights=[0.0, 1.0]).prox([5.0, 1.0], 2.0)
    np.testing.assert_array_equal(out, [5.0, 0.0])


@pytest.mark.parametrize("v", [[-9.4, -1, -0.5, 0], [1e307, -1e307, 3e307], [5e-324, 0.0, 1e-310]])
@pytest.mark.parametrize("strength", [1e308, 7e307])
def test_tv1d_with_a_huge_weight_is_the_mean(v, strength):
    v = np.array(v)
    out = P.tv1d(v, strength)
    mean = np.mean(v / len(v)) * len(v) if not np.isfinite(v.sum()) else v.mean()
    np.testing.assert_allclose(out, np.full(len(v), mean), rtol=1e-15, atol=5e-324)


def test_tv1d_just_below_the_constant_threshold_is_not_constant():
    v = np.array([0.0, 1.0])
    out = P.tv1d(v, 0.49)   # constant iff λ ≥ |v1 − v0|/2 = 0.5
    np.testing.assert_allclose(out, [0.49, 0.51])


@pytest.mark.parametrize("v, want", [
    ([1e308, 1e308], [0.5, 0.5]),
    ([1e308, -1e308], [1.0, 0.0]),
    ([1e20, 1e20 + 2**20, 0.0], [0.0, 1.0, 0.0]),
    ([-1e308, -1e308, -1e308], [1 / 3, 1 / 3, 1 / 3]),
])
def test_simplex_projection_of_huge_entries(v, want):
    np.testing.assert_allclose(P.project_simplex(np.array(v)), want, rtol=1e-15)


def test_halfspace_projection_when_the_inner_product_overflows():
    a = np.array([1.0, 1.0])
    out = P.project_halfspace(np.array([HUGE, HUGE]), a, 0.0)
    # The projection of v onto {x1 + x2 ≤ 0} is v − (aᵀv/‖a‖²)a = 0.
    np.testing.assert_allclose(out, [0.0, 0.0], atol=1e-15 * HUGE)
    out = P.project_halfspace(np.array([HUGE, -HUGE / 2]), a, 0.0)
    np.testing.assert_allclose(out, [0.75 * HUGE, -0.75 * HUGE], rtol=1e-14)


@pytest.mark.parametrize("u", [5.0, 2.5, 1e300, 1.5])
def test_scad_with_a_huge_a_is_soft_thresholding_then_identity(u):
    # a → ∞: SCAD tends to the ℓ1 norm; its prox for t < a − 1 is the three-piece
    # formula, which at a = 1e308 must not overflow.
    out = P.SCAD(1.0, 1e308).prox(np.array([u, -u]), 0.5)
    want = np.sign([u, -u]) * max(u - 0.5, 0)
    np.testing.assert_allclose(out, want, rtol=1e-12)
    assert np.isfinite(P.SCAD(1.0, 1e308).value(np.array([u, -u])))


@pytest.mark.parametrize("case", CASES, ids=repr)
@pytest.mark.parametrize("scale", [1e300, 1e-300, 1e-310])
def test_every_operator_stays_finite_at_extreme_scales(case, scale):
    rng = np.random.default_rng(0)
    v = rng.normal(size=case.shape) * scale
    for t in (1e-300, 1.0, 1e300):
        out = case.op.prox(v, t)
        assert np.isfinite(out).all(), (case.id, scale, t)
