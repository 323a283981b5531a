"""Property-based tests of traced functions (``nonsmooth.function``: evaluation,
value_and_grad, grad, vjp, jvp, jacobian, hvp, lexicographic_jacobian, the
primitives) and of ``nonsmooth.implicit``.

- valid input: random compositions of primitives agree with the same
  composition in NumPy (values) and in JAX (derivatives, at points where no
  primitive sits on a kink); jvp, vjp, jacobian and value_and_grad are
  consistent; hvp is the derivative of grad; implicit derivatives of a linear
  solution map are M⁻¹ and M⁻ᵀ;
- invalid input raises ValueError/TypeError naming the argument;
- NaN created inside a traced function is not hidden by a reduction.
"""
import numpy as np
import pytest
from hypothesis import assume, given, strategies as st

import nonsmooth as ns
from nonsmooth.implicit import implicit_jacobian, implicit_jvp, implicit_vjp
from properties_common import FEW, NON_FINITE, SETTINGS, finite_arrays, poisoned, raises_naming

jax = pytest.importorskip("jax")
jax.config.update("jax_enable_x64", True)
jnp = jax.numpy

# name: (nonsmooth, NumPy, JAX), elementwise on x ∈ [−3, 3]
UNARY = {
    "relu": (ns.relu, lambda x: np.maximum(x, 0.0), jax.nn.relu),
    "abs": (ns.abs, np.abs, jnp.abs),
    "sin": (ns.sin, np.sin, jnp.sin),
    "cos": (ns.cos, np.cos, jnp.cos),
    "exp": (ns.exp, np.exp, jnp.exp),
    "tanh": (ns.tanh, np.tanh, jnp.tanh),
    "sigmoid": (ns.sigmoid, lambda x: 1 / (1 + np.exp(-x)), jax.nn.sigmoid),
    "softplus": (ns.softplus, lambda x: np.logaddexp(0.0, x), jax.nn.softplus),
    "square": (ns.square, np.square, jnp.square),
    "negative": (ns.negative, np.negative, jnp.negative),
    "log_abs1": (lambda x: ns.log(ns.abs(x) + 1.0), lambda x: np.log(np.abs(x) + 1), lambda x: jnp.log(jnp.abs(x) + 1)),
    "sqrt_sq1": (lambda x: ns.sqrt(x * x + 1.0), lambda x: np.sqrt(x * x + 1), lambda x: jnp.sqrt(x * x + 1)),
    "hinge": (ns.hinge, lambda x: np.maximum(0.0, 1 - x), lambda x: jnp.maximum(0.0, 1 - x)),
    "huber": (ns.huber, lambda x: np.where(np.abs(x) <= 1, x * x / 2, np.abs(x) - 0.5),
              lambda x: jnp.where(jnp.abs(x) <= 1, x * x / 2, jnp.abs(x) - 0.5)),
    "clip": (lambda x: ns.clip(x, -1.0, 1.0), lambda x: np.clip(x, -1, 1), lambda x: jnp.clip(x, -1, 1)),
    "soft_threshold": (lambda x: ns.soft_threshold(x, 0.5), lambda x: np.sign(x) * np.maximum(np.abs(x) - 0.5, 0),
                       lambda x: jnp.sign(x) * jnp.maximum(jnp.abs(x) - 0.5, 0)),
    "leaky_relu": (lambda x: ns.leaky_relu(x, 0.1), lambda x: np.where(x >= 0, x, 0.1 * x),
                   lambda x: jnp.where(x >= 0, x, 0.1 * x)),
}
BINARY = {
    "add": (ns.add, np.add, jnp.add),
    "subtract": (ns.subtract, np.subtract, jnp.subtract),
    "multiply": (ns.multiply, np.multiply, jnp.multiply),
    "maximum": (ns.maximum, np.maximum, jnp.maximum),
    "minimum": (ns.minimum, np.minimum, jnp.minimum),
}
REDUCE = {
    "sum": (ns.sum, np.sum, jnp.sum),
    "mean": (ns.mean, np.mean, jnp.mean),
    "max": (ns.max, np.max, jnp.max),
    "min": (ns.min, np.min, jnp.min),
    "norm1": (ns.norm1, lambda x: np.abs(x).sum(), lambda x: jnp.abs(x).sum()),
    "norm2": (ns.norm2, np.linalg.norm, jnp.linalg.norm),
    "norm_inf": (ns.norm_inf, lambda x: np.abs(x).max(), lambda x: jnp.abs(x).max()),
    "logsumexp": (ns.logsumexp, lambda x: np.log(np.exp(x - x.max()).sum()) + x.max(), jax.scipy.special.logsumexp),
}


@st.composite
def programs(draw):
    steps = draw(st.lists(st.tuples(st.sampled_from(sorted(UNARY)), st.sampled_from([None, *sorted(BINARY)])),
                          min_size=1, max_size=4), label="steps")
    reduce = draw(st.sampled_from(sorted(REDUCE)), label="reduce")
    return steps, reduce


def build(program, lib: int):
    """The composition in library `lib` (0: nonsmooth, 1: NumPy, 2: JAX)."""
    steps, reduce = program

    def fn(x, y):
        z = x
        for u, b in steps:
            z = UNARY[u][lib](z)
            if b is not None:
                z = BINARY[b][lib](z, y)
        return REDUCE[reduce][lib](z)

    return fn


POINTS = st.integers(1, 6).flatmap(lambda n: st.tuples(finite_arrays((n,), 3.0), finite_arrays((n,), 3.0)))


@SETTINGS
@given(program=programs(), point=POINTS)
def test_values_agree_with_numpy(program, point):
    x, y = point
    f = ns.function(build(program, 0))
    value = f(x, y)
    want = build(program, 1)(x, y)
    assert value == pytest.approx(want, rel=1e-11, abs=1e-12)
    v2, (gx, gy), _ = f.value_and_grad(x, y, wrt=(0, 1))
    assert v2 == value


@FEW  # (JAX's eager dispatch costs ≈ 1 s per example)
@given(program=programs(), point=POINTS, data=st.data())
def test_derivatives_agree_with_jax_away_from_kinks(program, point, data):
    x, y = point
    f = ns.function(build(program, 0))
    value, (gx, gy), kinks = f.value_and_grad(x, y, wrt=(0, 1))
    assume(not kinks)  # on a kink the policy chooses; JAX chooses its own element
    jx, jy = jax.grad(build(program, 2), argnums=(0, 1))(jnp.asarray(x), jnp.asarray(y))
    scale = 1 + np.abs(np.asarray(jx)).max() + np.abs(np.asarray(jy)).max()
    np.testing.assert_allclose(gx, np.asarray(jx), rtol=1e-9, atol=1e-10 * scale)
    np.testing.assert_allclose(gy, np.asarray(jy), rtol=1e-9, atol=1e-10 * scale)
    # jvp and vjp are the same linear map as the gradient, the Jacobian its matrix.
    t = data.draw(finite_arrays(x.shape, 1.0), label="tangent")
    value_t, tangent_out = f.jvp(x, y, tangent=t)[:2]
    assert tangent_out == pytest.approx(gx @ t, rel=1e-9, abs=1e-10 * scale * (1 + np.abs(t).sum()))
    c = data.draw(st.floats(-2, 2), label="cotangent")
    np.testing.assert_allclose(f.vjp(x, y, cotangent=c)[1], c * gx, rtol=1e-9, atol=1e-10 * scale)
    np.testing.assert_allclose(f.jacobian(x, y), gx, rtol=1e-12, atol=1e-14 * scale)
    np.testing.assert_allclose(f.lexicographic_jacobian(x, y), gx, rtol=1e-9, atol=1e-10 * scale)


SMOOTH = ["sin", "cos", "exp", "tanh", "sigmoid", "softplus", "square", "negative", "sqrt_sq1"]


@FEW
@given(steps=st.lists(st.sampled_from(SMOOTH), min_size=1, max_size=3), point=POINTS, data=st.data())
def test_hvp_is_the_derivative_of_the_gradient(steps, point, data):
    """H d = lim (∇f(x + hd) − ∇f(x − hd)) / 2h, on smooth compositions."""
    x, y = point
    f = ns.function(build(([(u, "multiply") for u in steps], "sum"), 0))
    d = data.draw(finite_arrays(x.shape, 1.0), label="direction")
    hv = f.hvp(x, y, direction=d)
    hv = hv[0] if isinstance(hv, tuple) else hv
    h = 1e-5
    fd = (f.grad(x + h * d, y) - f.grad(x - h * d, y)) / (2 * h)
    scale = 1 + np.abs(fd).max()
    np.testing.assert_allclose(hv, fd, rtol=1e-5, atol=1e-5 * scale)


# ---- invalid input ------------------------------------------------------------------------------------
F = ns.function(lambda x, y: ns.sum(ns.relu(x) * y))


@FEW
@given(point=POINTS, at=st.integers(0, 99), bad=st.sampled_from(NON_FINITE), which=st.sampled_from(["x", "y"]),
       method=st.sampled_from(["__call__", "grad", "value_and_grad", "jacobian", "lexicographic_jacobian"]))
def test_non_finite_arguments_are_named(point, at, bad, which, method):
    x, y = point
    args = (poisoned(x, at, bad), y) if which == "x" else (x, poisoned(y, at, bad))
    with raises_naming(which, ValueError):
        getattr(F, method)(*args)


@pytest.mark.parametrize("call, name", [
    (lambda: F(np.ones(2, dtype=complex), np.ones(2)), "x"),
    (lambda: F(np.ones(2), np.array(["a", "b"])), "y"),
    (lambda: F.jvp(np.ones(2), np.ones(2), tangent=np.ones(3)), "tangent"),
    (lambda: F.jvp(np.ones(2), np.ones(2), tangent=[np.nan, 0.0]), "tangent"),
    (lambda: F.vjp(np.ones(2), np.ones(2), cotangent=np.ones(2)), "cotangent"),
    (lambda: F.vjp(np.ones(2), np.ones(2), cotangent=np.inf), "cotangent"),
    (lambda: F.hvp(np.ones(2), np.ones(2), direction=np.ones(5)), "direction"),
    (lambda: F.grad(np.ones(2), np.ones(2), wrt=2), "wrt"),
    (lambda: F.grad(np.ones(2), np.ones(2), wrt="x0"), "wrt"),
    (lambda: F(np.ones(2), np.ones(2), policy="relu"), "policy"),
    (lambda: ns.Kinks(relu_at_zero=2.0), "relu_at_zero"),
    (lambda: ns.Kinks(abs_at_zero=np.nan), "abs_at_zero"),
    (lambda: ns.Kinks(ties="random"), "ties"),
    (lambda: ns.Kinks(norm2_at_zero=-3.0), "norm2_at_zero"),
    (lambda: F.jacobian(np.ones(2), np.ones(2), output=3), "output"),
])
def test_bad_arguments_are_named(call, name):
    with raises_naming(name):
        call()


def test_wrong_argument_count_is_a_type_error():
    with pytest.raises(TypeError):
        F(np.ones(2))


# ---- NaN inside a traced function (issue 12 item 4, fixed by h-correct) -------------------------------------------------
INSIDE = [  # (name, function, input, NumPy's answer)
    ("max", lambda x: ns.max(ns.log(x)), [-1.0, 2.0], np.nan),
    ("min", lambda x: ns.min(ns.sqrt(x)), [-1.0, 2.0], np.nan),
    ("norm2", lambda x: ns.norm2(ns.log(x)), [-1.0], np.nan),
    ("sort", lambda x: ns.sort(ns.log(x)), [2.0, -1.0, 3.0], np.sort(np.log([2.0, np.nan, 3.0]))),
]


@pytest.mark.parametrize("name, fn, x, want", INSIDE, ids=[c[0] for c in INSIDE])
def test_item4_nan_created_inside_propagates_as_in_numpy(name, fn, x, want):
    f = ns.function(fn)
    try:
        value = f(np.array(x))
    except (ValueError, ns.NumericalError):
        return
    np.testing.assert_array_equal(value, want)


# ---- implicit differentiation ---------------------------------------------------------------------
@st.composite
def linear_maps(draw):
    n = draw(st.integers(1, 5), label="n")
    B = draw(finite_arrays((n, n), 1.0), label="B")
    M = np.eye(n) * (1 + np.abs(B).sum()) + B  # diagonally dominant: invertible, well conditioned
    t = draw(finite_arrays((n,), 3.0), label="t")
    return M, t


@FEW
@given(problem=linear_maps(), data=st.data(), solver=st.sampled_from(["auto", "dense", "gmres"]))
def test_implicit_derivatives_of_a_linear_solution_map(problem, data, solver):
    """F(x, t) = M x − t = 0: x*(t) = M⁻¹ t, so ∂x*/∂t = M⁻¹ (jvp), M⁻ᵀ (vjp)."""
    M, t = problem
    F = ns.function(lambda x, t: M @ x - t)
    x = np.linalg.solve(M, t)
    v = data.draw(finite_arrays(t.shape, 1.0), label="v")
    jvp = implicit_jvp(F, x, t, tangents=v, solver=solver).value
    np.testing.assert_allclose(jvp, np.linalg.solve(M, v), rtol=1e-7, atol=1e-8)
    vjp = implicit_vjp(F, x, t, cotangent=v).value
    np.testing.assert_allclose(vjp, np.linalg.solve(M.T, v), rtol=1e-7, atol=1e-8)
    jac = implicit_jacobian(F, x, t).value
    np.testing.assert_allclose(jac, np.linalg.inv(M), rtol=1e-7, atol=1e-8)


@pytest.mark.parametrize("call, name", [
    (lambda F: implicit_jvp(F, np.array([np.nan, 0.0]), np.ones(2), tangents=np.ones(2)), "x"),
    (lambda F: implicit_jvp(F, np.zeros(2), np.ones(2), tangents=np.ones(3)), "tangents"),
    (lambda F: implicit_jvp(F, np.zeros(2), np.ones(2), tangents=np.ones(2), solver="lu"), "solver"),
    (lambda F: implicit_vjp(F, np.zeros(2), np.ones(2), cotangent=np.ones(5)), "cotangent"),
    (lambda F: implicit_jacobian(F, np.zeros(2), np.ones(2), wrt=4), "wrt"),
])
def test_implicit_bad_arguments_are_named(call, name):
    F = ns.function(lambda x, t: 2.0 * x - t)
    with raises_naming(name):
        call(F)
