"""Derivatives at kinks, spelled out per policy, with the kink report and strict mode.

Every expected value below is worked out by hand from the rules of
nonsmooth.Kinks: s = relu_at_zero for every 0/1 slope jump (maximum/minimum
ties give s to the first operand), a = abs_at_zero, ties to the lowest index
or split, norm2 at 0 = c·1/√n.
"""
import numpy as np
import pytest

import nonsmooth as ns

S_VALUES = [0.0, 0.25, 0.5, 1.0]


def grad(fn, x, **policy):
    f = ns.function(fn)
    g = f.grad(np.asarray(x, dtype=float), policy=ns.Kinks(**policy))
    return np.asarray(g), f.last_kinks


# ---- the one rule s -------------------------------------------------------------------

@pytest.mark.parametrize("s", S_VALUES)
def test_relu_x_minus_relu_minus_x_at_zero(s):
    # relu(x) − relu(−x) = x, but AD gives s + s = 2s (1 only for s = 1/2).
    g, kinks = grad(lambda x: ns.relu(x) - ns.relu(-x), 0.0, relu_at_zero=s)
    assert g == pytest.approx(2 * s)
    assert kinks == {"relu": 2} and kinks.total == 2


@pytest.mark.parametrize("s", S_VALUES)
def test_max_plus_min_at_zero(s):
    # max(x, 0) + min(x, 0) = x: maximum gives s to x, minimum gives s to x.
    g, kinks = grad(lambda x: ns.maximum(x, 0.0) + ns.minimum(x, 0.0), 0.0, relu_at_zero=s)
    assert g == pytest.approx(2 * s)
    assert kinks == {"maximum": 1, "minimum": 1}


@pytest.mark.parametrize("s", S_VALUES)
def test_relu_maximum_clip_agree_at_zero(s):
    # PyTorch gives 0, 0.5 and 1 for these three spellings; here all are s.
    spellings = [lambda x: ns.relu(x), lambda x: ns.maximum(x, 0.0), lambda x: ns.clip(x, 0.0, np.inf),
                 lambda x: ns.clip(x, 0.0, 5.0)]
    for fn in spellings:
        g, kinks = grad(fn, 0.0, relu_at_zero=s)
        assert g == pytest.approx(s)
        assert kinks.total == 1
    # The operand order matters for maximum: the first operand gets s.
    assert grad(lambda x: ns.maximum(0.0, x), 0.0, relu_at_zero=s)[0] == pytest.approx(1 - s)


@pytest.mark.parametrize("s", S_VALUES)
def test_clip_soft_threshold_hinge_at_their_bounds(s):
    g, kinks = grad(lambda x: ns.sum(ns.clip(x, -1.0, 2.0)), [-1.0, 2.0, 0.5, 3.0], relu_at_zero=s)
    np.testing.assert_allclose(g, [s, s, 1.0, 0.0])
    assert kinks == {"clip": 2}
    g, kinks = grad(lambda x: ns.sum(ns.soft_threshold(x, 0.5)), [-0.5, 0.5, 0.2, 1.0, -2.0], relu_at_zero=s)
    np.testing.assert_allclose(g, [s, s, 0.0, 1.0, 1.0])
    assert kinks == {"soft_threshold": 2}
    g, kinks = grad(lambda x: ns.sum(ns.hinge(x)), [1.0, 0.0, 2.0], relu_at_zero=s)
    np.testing.assert_allclose(g, [-s, -1.0, 0.0])
    assert kinks == {"hinge": 1}


@pytest.mark.parametrize("s", S_VALUES)
def test_leaky_relu_at_zero(s):
    alpha = 0.1
    g, _ = grad(lambda x: ns.leaky_relu(x, alpha), 0.0, relu_at_zero=s)
    assert g == pytest.approx(alpha + (1 - alpha) * s)


# ---- abs and norms -----------------------------------------------------------------------

@pytest.mark.parametrize("a", [-1.0, -0.3, 0.0, 0.7, 1.0])
def test_abs_and_norm1_at_zero_same_for_signed_zeros(a):
    for zero in (0.0, -0.0):
        g, kinks = grad(ns.abs, zero, abs_at_zero=a)
        assert g == pytest.approx(a)
        assert kinks == {"abs": 1}
    g, kinks = grad(ns.norm1, [-3.0, 0.0, -0.0, 2.0], abs_at_zero=a)
    np.testing.assert_allclose(g, [-1.0, a, a, 1.0])
    assert kinks == {"norm1": 2}


@pytest.mark.parametrize("c", [-1.0, 0.0, 0.5, 1.0])
def test_norm2_and_its_square_at_zero(c):
    n = 4
    g, kinks = grad(ns.norm2, np.zeros(n), norm2_at_zero=c)
    np.testing.assert_allclose(g, np.full(n, c / np.sqrt(n)))
    assert np.linalg.norm(g) <= 1 + 1e-15   # an element of the unit ball, never NaN
    assert kinks == {"norm2": 1}
    # ‖x‖₂² has gradient 2‖x‖₂·∂‖x‖₂ = 0 at 0, whatever c.
    g, _ = grad(lambda x: ns.norm2(x) ** 2, np.zeros(n), norm2_at_zero=c)
    np.testing.assert_allclose(g, np.zeros(n))
    g, kinks = grad(lambda x: ns.sum(x ** 2), np.zeros(n), norm2_at_zero=c)
    np.testing.assert_allclose(g, np.zeros(n))
    assert not kinks


# ---- ties ----------------------------------------------------------------------------------

def test_max_min_norm_inf_with_ties():
    x = [1.0, 3.0, 3.0, 2.0]
    np.testing.assert_allclose(grad(ns.max, x)[0], [0, 1, 0, 0])
    np.testing.assert_allclose(grad(ns.max, x, ties="split")[0], [0, 0.5, 0.5, 0])
    y = [2.0, 0.0, 5.0, 0.0]
    np.testing.assert_allclose(grad(ns.min, y)[0], [0, 1, 0, 0])
    np.testing.assert_allclose(grad(ns.min, y, ties="split")[0], [0, 0.5, 0, 0.5])
    z = [-3.0, 1.0, 3.0]
    np.testing.assert_allclose(grad(ns.norm_inf, z)[0], [-1, 0, 0])
    np.testing.assert_allclose(grad(ns.norm_inf, z, ties="split")[0], [-0.5, 0, 0.5])
    g, kinks = grad(lambda v: ns.sum(ns.max(v, axis=1)), [[1.0, 1.0], [0.0, 2.0]], ties="split")
    np.testing.assert_allclose(g, [[0.5, 0.5], [0, 1]])
    assert kinks == {"max": 1}


def test_sorted_ties():
    # sort([2, 1, 2, 0]) = [0, 1, 2, 2]; the two 2s (indices 0 and 2) share sorted slots 2 and 3.
    w = np.array([1.0, 2.0, 3.0, 4.0])
    x = [2.0, 1.0, 2.0, 0.0]
    g, kinks = grad(lambda v: ns.sort(v) @ w, x)
    np.testing.assert_allclose(g, [3, 2, 4, 1])   # in index order
    assert kinks == {"sort": 1}
    np.testing.assert_allclose(grad(lambda v: ns.sort(v) @ w, x, ties="split")[0], [3.5, 2, 3.5, 1])


def test_maxpool_window_with_equal_entries():
    x = [1.0, 1.0, 0.0, 2.0, 2.0]          # windows [1, 1], [0, 2]; the last entry is dropped
    f = lambda v: ns.sum(ns.max_pool1d(v, 2))  # noqa: E731
    g, kinks = grad(f, x)
    np.testing.assert_allclose(g, [1, 0, 0, 1, 0])
    assert kinks == {"max_pool1d": 1}
    np.testing.assert_allclose(grad(f, x, ties="split")[0], [0.5, 0.5, 0, 1, 0])
    g2, kinks = grad(lambda v: ns.sum(ns.max_pool2d(v, 2)), np.ones((2, 2)))
    np.testing.assert_allclose(g2, [[1, 0], [0, 0]])
    g2, _ = grad(lambda v: ns.sum(ns.max_pool2d(v, 2)), np.ones((2, 2)), ties="split")
    np.testing.assert_allclose(g2, np.full((2, 2), 0.25))


def test_maxpool_overlapping_windows_with_ties():
    # windows (0, 1) and (1, 2), both tied: each sends its derivative on its own.
    f = lambda v: ns.sum(ns.max_pool1d(v, 2, stride=1))  # noqa: E731
    g, kinks = grad(f, [1.0, 1.0, 1.0])
    np.testing.assert_allclose(g, [1, 1, 0])
    assert kinks == {"max_pool1d": 2}
    np.testing.assert_allclose(grad(f, [1.0, 1.0, 1.0], ties="split")[0], [0.5, 1, 0.5])
    x = np.array([[1.0, 2.0, 2.0], [0.0, 2.0, 1.0], [0.0, 0.0, 0.0]])
    g, kinks = grad(lambda v: ns.sum(ns.max_pool2d(v, 2, stride=1)), x)
    # windows: top-left {1,2,0,2} tie → (0,1); top-right {2,2,2,1} tie → (0,1);
    # bottom-left {0,2,0,0} → (1,1); bottom-right {2,1,0,0} → (1,1): two tied windows.
    np.testing.assert_allclose(g, [[0, 2, 0], [0, 2, 0], [0, 0, 0]])
    assert kinks == {"max_pool2d": 2}
    g, _ = grad(lambda v: ns.sum(ns.max_pool2d(v, 2, stride=1)), x, ties="split")
    # split: top-left halves between (0,1) and (1,1); top-right thirds among (0,1), (0,2), (1,1).
    np.testing.assert_allclose(g, [[0, 1 / 2 + 1 / 3, 1 / 3], [0, 1 / 2 + 1 / 3 + 2, 0], [0, 0, 0]])


# ---- Khan & Barton's example and lexicographic mode --------------------------------------

def khan_barton(x):
    return ns.maximum(ns.minimum(x[0], -x[1]), x[1] - x[0])


@pytest.mark.parametrize("s", S_VALUES)
@pytest.mark.parametrize("ties", ["lowest", "split"])
def test_khan_barton_gradient_is_in_the_clarke_hull(s, ties):
    g, kinks = grad(khan_barton, np.zeros(2), relu_at_zero=s, ties=ties)
    # g = λ1 (1, 0) + λ2 (0, −1) + λ3 (−1, 1) with λ ≥ 0, Σλ = 1:
    vertices = np.array([[1.0, 0.0], [0.0, -1.0], [-1.0, 1.0]])
    lam = np.linalg.solve(np.vstack([vertices.T, np.ones(3)]), np.append(g, 1.0))
    assert np.all(lam >= -1e-12), (g, lam)
    assert kinks == {"minimum": 1, "maximum": 1}
    # By hand: maximum gives s to min(x1, −x2) — which gives s to x1 and 1 − s to −x2 —
    # and 1 − s to x2 − x1.
    expected = s * np.array([s, -(1 - s)]) + (1 - s) * np.array([-1.0, 1.0])
    np.testing.assert_allclose(g, expected)


def test_khan_barton_lexicographic_derivative():
    # By hand, M = I: along e1, min(x1, −x2) has tangents (1, 0) → picks −x2 (tangent 0);
    # x2 − x1 has tangent −1, so max picks the min branch: column 1 is 0. Along e2
    # the branches are fixed: the derivative of −x2 is −1. So F'(0; I) = (0, −1).
    f = ns.function(khan_barton)
    np.testing.assert_allclose(f.lexicographic_jacobian(np.zeros(2)), [0.0, -1.0], atol=0)
    np.testing.assert_allclose(f.lexicographic_derivative(np.zeros(2), directions=np.eye(2)), [0.0, -1.0])
    # Away from the kink it is the ordinary gradient.
    x = np.array([0.3, 0.5])
    np.testing.assert_allclose(f.lexicographic_jacobian(x), f.grad(x))


def test_lexicographic_gives_clarke_elements_where_ad_cannot():
    f = ns.function(lambda x: ns.relu(x) - ns.relu(-x))
    assert f.lexicographic_jacobian(np.array(0.0)) == pytest.approx(1.0)
    g = ns.function(lambda x: ns.maximum(x, 0.0) + ns.minimum(x, 0.0))
    assert g.lexicographic_jacobian(np.array(0.0)) == pytest.approx(1.0)
    h = ns.function(ns.abs)
    # F'(0; 1) = 1 and F'(0; −1) = |−1| = 1, so F'(0; M) M⁻¹ is +1 or −1: both in [−1, 1].
    assert h.lexicographic_jacobian(np.array(0.0)) == pytest.approx(1.0)
    assert h.lexicographic_jacobian(np.array(0.0), directions=[[-1.0]]) == pytest.approx(-1.0)
    # The first direction fixes the branch (|x| = −x): the second then has tangent −1.
    assert h.lexicographic_derivative(np.array(0.0), directions=[[-1.0, 1.0]]) == pytest.approx([1.0, -1.0])


def test_lexicographic_tuple_wrt_splits_blocks():
    f = ns.function(lambda a, b: ns.sum(ns.relu(a * b)))
    a, b = np.array([0.0, 1.0]), np.array([2.0, 0.0])
    ja, jb = f.lexicographic_jacobian(a, b, wrt=(0, 1))
    # a*b = [0, 0]; perturbing a0 up first: relu active for a0 (slope b0 = 2); a1*b1 moves with b1 (a1 = 1).
    np.testing.assert_allclose(ja, [2.0, 0.0])
    np.testing.assert_allclose(jb, [0.0, 1.0])


# ---- the double-where trap --------------------------------------------------------------

def test_double_where_has_no_nan():
    f = ns.function(lambda x: ns.where(x > 0, ns.sqrt(x), x))
    assert f.grad(-1.0) == pytest.approx(1.0)
    assert f.grad(4.0) == pytest.approx(0.25)
    g = ns.function(lambda x: ns.sum(ns.where(x > 0, ns.log(x), 0.0)))
    np.testing.assert_allclose(g.grad(np.array([-1.0, 0.0, np.e])), [0.0, 0.0, 1 / np.e])
    h = ns.function(lambda x: ns.where(x != 0, 1.0 / x, 0.0))
    assert h.grad(0.0) == 0.0
    assert h.grad(2.0) == pytest.approx(-0.25)


def test_singular_points_have_finite_derivative_and_are_reported():
    for fn in (ns.sqrt, ns.log):
        f = ns.function(fn)
        g = f.grad(0.0)
        assert g == 0.0
        assert f.last_kinks.total == 1


# ---- reports and strict mode -----------------------------------------------------------

def test_kink_report_counts_each_hit():
    f = ns.function(lambda x: ns.sum(ns.relu(x)) + ns.norm1(x) + ns.max(x))
    value, kinks = f.evaluate(np.array([-1.0, 0.0, 0.0, 2.0, 2.0]))
    assert value == pytest.approx(4 + 5 + 2)
    assert kinks == {"relu": 2, "norm1": 2, "max": 1}
    assert kinks.total == 5 and bool(kinks)
    assert list(kinks) == ["relu", "norm1", "max"]   # program order
    assert "relu=2" in repr(kinks)
    _, kinks = f.evaluate(np.array([-1.0, 0.5, 0.3, 2.0, 1.0]))
    assert not kinks and kinks.total == 0 and repr(kinks) == "KinkReport(no kinks)"
    # The report comes with every kind of evaluation.
    _, _, k = f.value_and_grad(np.zeros(3))
    assert k == {"relu": 3, "norm1": 3, "max": 1}
    f.jvp(np.zeros(3), tangent=np.ones(3))
    assert f.last_kinks.total == 7
    f.jacobian(np.zeros(3))
    assert f.last_kinks.total == 7
    f.hvp(np.zeros(3), direction=np.ones(3))
    assert f.last_kinks.total == 7


def test_strict_mode_raises_at_kinks_only():
    f = ns.function(lambda x: ns.sum(ns.relu(x)))
    strict = ns.Kinks(strict=True)
    assert f.grad(np.array([1.0, -2.0]), policy=strict) == pytest.approx([1.0, 0.0])
    with pytest.raises(ns.KinkError, match="kink"):
        f.grad(np.array([1.0, 0.0]), policy=strict)
    with pytest.raises(ValueError):   # KinkError is a ValueError
        f(np.array([0.0]), policy=strict)
    with pytest.raises(ns.KinkError):
        ns.function(ns.sqrt).grad(0.0, policy=strict)
    with ns.kink_policy(strict=True):
        with pytest.raises(ns.KinkError):
            f.evaluate(np.zeros(2))
    f.evaluate(np.zeros(2))   # the context has ended


def test_global_and_context_policies():
    f = ns.function(ns.relu)
    assert f.grad(0.0) == 0.0
    previous = ns.set_kink_policy(relu_at_zero=1.0)
    try:
        assert f.grad(0.0) == 1.0
        with ns.kink_policy(ns.Kinks(relu_at_zero=0.5)):
            assert f.grad(0.0) == 0.5
            assert f.grad(0.0, policy=ns.Kinks()) == 0.0   # an explicit policy wins
        assert f.grad(0.0) == 1.0
    finally:
        ns.set_kink_policy(previous)
    assert f.grad(0.0) == 0.0
    assert ns.get_kink_policy() == ns.Kinks()


def test_straight_through_round_and_floor():
    x = np.array([0.3, 1.7, -2.2])
    for fn in (ns.round, ns.floor):
        assert np.all(ns.function(lambda v: ns.sum(fn(v))).grad(x) == 0)
        np.testing.assert_allclose(ns.function(lambda v: ns.sum(fn(v, straight_through=True))).grad(x), 1.0)
    np.testing.assert_array_equal(ns.round(np.array([0.5, 1.5, 2.5, -0.5])), np.round([0.5, 1.5, 2.5, -0.5]))
