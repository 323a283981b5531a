"""Every primitive: values against NumPy/SciPy, eager equal to traced, and
gradients, JVPs, VJPs and Jacobians against central finite differences at
random points away from kinks."""
import numpy as np
import pytest
from scipy import special

import nonsmooth as ns

RNG = np.random.default_rng(0)


def away(shape, low=0.2, high=2.0, rng=RNG):
    """Random entries with |x| in [low, high]: away from the kinks at 0."""
    return rng.uniform(low, high, shape) * rng.choice([-1.0, 1.0], shape)


def positive(shape, rng=RNG):
    return rng.uniform(0.3, 2.0, shape)


def distinct(shape, rng=RNG):
    """Entries at least 0.05 apart (no ties in max/min/sort/pooling)."""
    n = int(np.prod(shape))
    return rng.permutation(np.arange(n) * 0.1 - 0.05 * n + 0.013).reshape(shape)


def not_half_integer(shape, rng=RNG):
    return rng.integers(-3, 3, shape) + rng.uniform(0.1, 0.4, shape)


def pool1d_ref(x, w, s):
    n = (x.shape[-1] - w) // s + 1
    return np.stack([x[..., i * s:i * s + w].max(axis=-1) for i in range(n)], axis=-1)


def pool2d_ref(x, w, s):
    h, v = (x.shape[-2] - w[0]) // s[0] + 1, (x.shape[-1] - w[1]) // s[1] + 1
    out = np.empty(x.shape[:-2] + (h, v))
    for i in range(h):
        for j in range(v):
            out[..., i, j] = x[..., i * s[0]:i * s[0] + w[0], j * s[1]:j * s[1] + w[1]].max(axis=(-2, -1))
    return out


def log_softmax(z, axis):
    return z - special.logsumexp(z, axis=axis, keepdims=True)


def soft_threshold_ref(x, t):
    return np.sign(x) * np.maximum(np.abs(x) - t, 0)


def huber_ref(x, d):
    return np.where(np.abs(x) <= d, 0.5 * x * x, d * (np.abs(x) - d / 2))


def gelu_tanh(x):
    return 0.5 * x * (1 + np.tanh(np.sqrt(2 / np.pi) * (x + 0.044715 * x ** 3)))


TARGETS = special.softmax(RNG.normal(size=(3, 4)), axis=1)
# clip with array bounds: entries above the upper bound, inside, and below the lower bound.
CLIP_X = away((6,))
CLIP_LO = CLIP_X + np.array([-0.3, -0.3, -0.3, 0.1, 0.1, -0.3])
CLIP_HI = CLIP_LO + np.array([0.05, 0.6, 0.6, 0.05, 0.6, 0.9])

# id: (function, argument generators, reference)
CASES = {
    "add": (ns.add, [lambda: away((3, 4)), lambda: away((4,))], np.add),
    "subtract": (ns.subtract, [lambda: away((3, 1)), lambda: away((1, 4))], np.subtract),
    "multiply": (ns.multiply, [lambda: away((2, 3)), lambda: away((2, 3))], np.multiply),
    "divide": (ns.divide, [lambda: away((5,)), lambda: away((5,))], np.divide),
    "power": (ns.power, [lambda: positive((4,)), lambda: away((4,))], np.power),
    "power_scalar": (lambda x: ns.power(x, 3.0), [lambda: away((4,))], lambda x: x ** 3.0),
    "power_half": (lambda x: x ** 0.5, [lambda: positive((4,))], np.sqrt),
    "maximum": (ns.maximum, [lambda: distinct((6,)), lambda: distinct((6,)) + 0.01], np.maximum),
    "minimum": (ns.minimum, [lambda: distinct((6,)), lambda: distinct((6,)) + 0.01], np.minimum),
    "negative": (ns.negative, [lambda: away((3,))], np.negative),
    "square": (ns.square, [lambda: away((3,))], np.square),
    "reciprocal": (ns.reciprocal, [lambda: away((3,))], np.reciprocal),
    "sqrt": (ns.sqrt, [lambda: positive((3, 2))], np.sqrt),
    "exp": (ns.exp, [lambda: away((3,))], np.exp),
    "log": (ns.log, [lambda: positive((3,))], np.log),
    "log1p": (ns.log1p, [lambda: positive((3,)) - 0.25], np.log1p),
    "sin": (ns.sin, [lambda: away((3,))], np.sin),
    "cos": (ns.cos, [lambda: away((3,))], np.cos),
    "tanh": (ns.tanh, [lambda: away((3,))], np.tanh),
    "sigmoid": (ns.sigmoid, [lambda: away((4,))], special.expit),
    "softplus": (ns.softplus, [lambda: away((4,))], lambda x: np.logaddexp(0, x)),
    "gelu": (ns.gelu, [lambda: away((4,))], lambda x: x * special.ndtr(x)),
    "gelu_tanh": (lambda x: ns.gelu(x, approximate=True), [lambda: away((4,))], gelu_tanh),
    "relu": (ns.relu, [lambda: away((5,))], lambda x: np.maximum(x, 0)),
    "leaky_relu": (lambda x: ns.leaky_relu(x, 0.2), [lambda: away((5,))], lambda x: np.where(x > 0, x, 0.2 * x)),
    "abs": (ns.abs, [lambda: away((5,))], np.abs),
    "sign": (ns.sign, [lambda: away((5,))], np.sign),
    "clip": (lambda x: ns.clip(x, -1.0, 1.0), [lambda: away((6,), 0.2, 0.8) * np.array([1, 1, 1, 3, 3, 3])],
             lambda x: np.clip(x, -1, 1)),
    "clip_arrays": (ns.clip, [lambda: CLIP_X.copy(), lambda: CLIP_LO.copy(), lambda: CLIP_HI.copy()],
                    np.clip),
    "soft_threshold": (lambda x: ns.soft_threshold(x, 0.5), [lambda: away((6,), 0.6, 2.0) * np.repeat([1, 0.5], 3)],
                       lambda x: soft_threshold_ref(x, 0.5)),
    "hinge": (ns.hinge, [lambda: 1 + away((5,))], lambda x: np.maximum(0, 1 - x)),
    "huber": (lambda x: ns.huber(x, 0.7), [lambda: away((6,), 0.1, 2.0)], lambda x: huber_ref(x, 0.7)),
    "round": (ns.round, [lambda: not_half_integer((4,))], np.round),
    "floor": (ns.floor, [lambda: not_half_integer((4,))], np.floor),
    "where": (lambda c, x, y: ns.where(c > 0, x, y), [lambda: away((4,)), lambda: away((4,)), lambda: away((1,))],
              lambda c, x, y: np.where(c > 0, x, y)),
    "sum": (lambda x: ns.sum(x, axis=1), [lambda: away((3, 4))], lambda x: x.sum(axis=1)),
    "sum_all": (ns.sum, [lambda: away((3, 4))], np.sum),
    "mean": (lambda x: ns.mean(x, axis=(0, 2), keepdims=True), [lambda: away((2, 3, 4))],
             lambda x: x.mean(axis=(0, 2), keepdims=True)),
    "max": (lambda x: ns.max(x, axis=0), [lambda: distinct((3, 4))], lambda x: x.max(axis=0)),
    "min": (lambda x: ns.min(x, axis=-1), [lambda: distinct((3, 4))], lambda x: x.min(axis=-1)),
    "norm1": (lambda x: ns.norm1(x, axis=1), [lambda: away((3, 4))], lambda x: np.abs(x).sum(axis=1)),
    "norm2": (lambda x: ns.norm2(x, axis=0), [lambda: away((3, 4))], lambda x: np.linalg.norm(x, axis=0)),
    "norm2_all": (ns.norm2, [lambda: away((3, 4))], np.linalg.norm),
    "norm_inf": (ns.norm_inf, [lambda: distinct((7,))], lambda x: np.abs(x).max()),
    "logsumexp": (lambda x: ns.logsumexp(x, axis=1), [lambda: away((3, 4))],
                  lambda x: special.logsumexp(x, axis=1)),
    "matmul_22": (ns.matmul, [lambda: away((3, 4)), lambda: away((4, 2))], np.matmul),
    "matmul_12": (ns.matmul, [lambda: away((4,)), lambda: away((4, 2))], np.matmul),
    "matmul_21": (ns.matmul, [lambda: away((3, 4)), lambda: away((4,))], np.matmul),
    "matmul_11": (ns.matmul, [lambda: away((4,)), lambda: away((4,))], np.matmul),
    "sort": (ns.sort, [lambda: distinct((3, 4))], np.sort),
    "sort_axis0": (lambda x: ns.sort(x, axis=0), [lambda: distinct((3, 4))], lambda x: np.sort(x, axis=0)),
    "softmax_cross_entropy": (ns.softmax_cross_entropy, [lambda: away((3, 4)), lambda: TARGETS],
                              lambda z, t: -(t * log_softmax(z, -1)).sum(axis=-1)),
    "softmax_cross_entropy_axis0": (lambda z, t: ns.softmax_cross_entropy(z, t, axis=0),
                                    [lambda: away((3, 4)), lambda: TARGETS],
                                    lambda z, t: -(t * log_softmax(z, 0)).sum(axis=0)),
    "max_pool1d": (lambda x: ns.max_pool1d(x, 3, 2), [lambda: distinct((2, 9))], lambda x: pool1d_ref(x, 3, 2)),
    "max_pool2d": (lambda x: ns.max_pool2d(x, 2), [lambda: distinct((2, 4, 6))], lambda x: pool2d_ref(x, (2, 2), (2, 2))),
    "max_pool2d_overlap": (lambda x: ns.max_pool2d(x, (2, 3), (1, 2)), [lambda: distinct((5, 7))],
                           lambda x: pool2d_ref(x, (2, 3), (1, 2))),
    "reshape": (lambda x: ns.reshape(x, (4, -1)), [lambda: away((2, 6))], lambda x: x.reshape(4, -1)),
    "transpose": (lambda x: ns.transpose(x, (2, 0, 1)), [lambda: away((2, 3, 4))], lambda x: x.transpose(2, 0, 1)),
    "concatenate": (lambda a, b: ns.concatenate([a, b], axis=1), [lambda: away((2, 3)), lambda: away((2, 2))],
                    lambda a, b: np.concatenate([a, b], axis=1)),
    "stack": (lambda a, b: ns.stack([a, b], axis=1), [lambda: away((2, 3)), lambda: away((2, 3))],
              lambda a, b: np.stack([a, b], axis=1)),
    "broadcast_to": (lambda x: ns.broadcast_to(x, (3, 2, 4)), [lambda: away((2, 1))],
                     lambda x: np.broadcast_to(x, (3, 2, 4))),
}


def finite_difference_jacobian(f, args, k, h=1e-6):
    x = args[k]
    out = np.asarray(f(*args))
    jac = np.empty(out.shape + x.shape)
    for i in np.ndindex(x.shape):
        plus, minus = [a.copy() for a in args], [a.copy() for a in args]
        plus[k][i] += h
        minus[k][i] -= h
        jac[(...,) + i] = (np.asarray(f(*plus)) - np.asarray(f(*minus))) / (2 * h)
    return jac


@pytest.mark.parametrize("name", sorted(CASES))
def test_value_matches_numpy_and_eager_equals_traced(name):
    fn, gens, reference = CASES[name]
    args = [g() for g in gens]
    traced = ns.function(fn)(*args)
    eager = fn(*args)
    np.testing.assert_allclose(traced, reference(*args), rtol=1e-13, atol=1e-14)
    np.testing.assert_array_equal(np.asarray(eager), np.asarray(traced))
    assert np.shape(traced) == np.shape(reference(*args))


@pytest.mark.parametrize("name", sorted(CASES))
def test_derivatives_match_finite_differences(name):
    fn, gens, _ = CASES[name]
    rng = np.random.default_rng(abs(hash(name)) % 2**32)
    args = [g() for g in gens]
    f = ns.function(fn)
    out = np.asarray(f(*args))
    assert not f.last_kinks, f.last_kinks
    for k, x in enumerate(args):
        fd = finite_difference_jacobian(f, args, k)
        jac = f.jacobian(*args, wrt=k)
        np.testing.assert_allclose(jac, fd, rtol=1e-6, atol=1e-7)
        # jvp and vjp contract the same Jacobian from either side.
        t = rng.normal(size=x.shape)
        value, tangent_out = f.jvp(*args, tangent=t, wrt=k)
        np.testing.assert_allclose(tangent_out, np.tensordot(jac, t, axes=x.ndim), rtol=1e-10, atol=1e-12)
        np.testing.assert_array_equal(np.asarray(value), out)
        c = rng.normal(size=out.shape)
        value, pulled = f.vjp(*args, cotangent=c, wrt=k)
        np.testing.assert_allclose(pulled, np.tensordot(c, jac, axes=out.ndim), rtol=1e-10, atol=1e-12)
    # grad of a scalar reduction of the primitive, with respect to every argument at once.
    weights = rng.normal(size=out.shape)
    g = ns.function(lambda *a: ns.sum(fn(*a) * weights))
    value, grads, kinks = g.value_and_grad(*args, wrt=tuple(range(len(args))))
    assert value == pytest.approx(float((out * weights).sum()), rel=1e-12, abs=1e-12)
    for k, gk in enumerate(grads):
        np.testing.assert_allclose(gk, np.tensordot(weights, f.jacobian(*args, wrt=k), axes=out.ndim),
                                   rtol=1e-10, atol=1e-12)


def test_indexing_and_slicing_against_numpy():
    x = away((4, 5, 3))
    keys = [
        (slice(1, 3), 2), (Ellipsis, 1), (slice(None, None, -1),), ([0, 2, 2], slice(None), [1, 0, 2]),
        (None, 1, slice(None, None, 2)), (x[..., 0] > 0,), (2, 4, 1), (slice(None), [4, 0]),
    ]
    for key in keys:
        f = ns.function(lambda v: v[key])
        np.testing.assert_array_equal(np.asarray(f(x)), x[key])
        weights = RNG.normal(size=np.shape(x[key]))
        g = ns.function(lambda v: ns.sum(v[key] * weights)).grad(x)
        expected = np.zeros_like(x)
        np.add.at(expected, key, weights)   # repeated indices accumulate
        np.testing.assert_allclose(g, expected)


def test_tracer_operators_and_methods():
    a, b = away((3, 4)), away((4,))

    def fn(a, b):
        return (2.0 - a * 3.0 + b / 2.0 - 1.0 / (a + 5.0)) ** 2 + (-a) @ b[:, None] + a.T.sum(axis=0)[:, None] \
            + a.mean() + a.max(axis=1, keepdims=True) - a.min() + a.reshape(4, 3).T + 2.0 ** b + abs(a)

    def ref(a, b):
        return (2.0 - a * 3.0 + b / 2.0 - 1.0 / (a + 5.0)) ** 2 + (-a) @ b[:, None] + a.T.sum(axis=0)[:, None] \
            + a.mean() + a.max(axis=1, keepdims=True) - a.min() + a.reshape(4, 3).T + 2.0 ** b + abs(a)

    f = ns.function(fn)
    np.testing.assert_allclose(f(a, b), ref(a, b), rtol=1e-13)
    np.testing.assert_allclose(f.jacobian(a, b, wrt=1), finite_difference_jacobian(f, [a, b], 1), rtol=1e-6, atol=1e-7)
    # NumPy arrays on the left defer to the tracer; comparisons make masks.
    h = ns.function(lambda x: b + x + (x > b) * 1.0 + (b >= x) * 2.0 + (x == x) + (x != 0.0))
    np.testing.assert_allclose(h(b * 0.5), b + b * 0.5 + (b * 0.5 > b) + 2.0 * (b >= b * 0.5) + 2.0)
    # shape attributes and iteration
    seen = {}

    def attrs(x):
        seen.update(shape=x.shape, ndim=x.ndim, size=x.size, length=len(x))
        return ns.stack(list(x))

    np.testing.assert_array_equal(ns.function(attrs)(a), a)
    assert seen == {"shape": (3, 4), "ndim": 2, "size": 12, "length": 3}


def test_eager_functions_follow_numpy_semantics():
    x = np.array([[1, -2, 3], [0, 5, -6]])   # integers are converted
    np.testing.assert_array_equal(ns.relu(x), np.maximum(x, 0))
    np.testing.assert_array_equal(ns.sum(x, axis=0), x.sum(axis=0))
    assert ns.max(x) == 5 and isinstance(ns.max(x), float)
    np.testing.assert_array_equal(ns.greater(x, 0), x > 0)
    np.testing.assert_array_equal(ns.where(x > 0, x, 0.5), np.where(x > 0, x, 0.5))
    np.testing.assert_array_equal(ns.maximum(x, 2), np.maximum(x, 2))
    np.testing.assert_array_equal(ns.power(x, 2), x ** 2.0)
    np.testing.assert_allclose(ns.huber(3.0, 1.0), 2.5)
    np.testing.assert_array_equal(ns.transpose(x), x.T)
    np.testing.assert_array_equal(ns.reshape(x, -1), x.ravel())


def test_hvp_matches_finite_differences_of_gradients():
    rng = np.random.default_rng(3)
    A = rng.normal(size=(6, 4))
    y = rng.normal(size=6)

    @ns.function
    def f(w, b):
        r = ns.tanh(A @ w + b) - y
        return ns.sum(ns.softplus(r) * r) + ns.logsumexp(w) + ns.norm2(w) ** 3 + ns.sum(ns.sigmoid(w * b))

    w, b = rng.normal(size=4), np.array(0.3)
    v, u = rng.normal(size=4), np.array(0.7)
    h = 1e-5
    fd = (f.grad(w + h * v, b + h * u, wrt=(0, 1))[0] - f.grad(w - h * v, b - h * u, wrt=(0, 1))[0]) / (2 * h)
    hw, hb = f.hvp(w, b, direction=(v, u), wrt=(0, 1))
    np.testing.assert_allclose(hw, fd, rtol=1e-6, atol=1e-8)
    fd_b = (f.grad(w + h * v, b + h * u, wrt=1) - f.grad(w - h * v, b - h * u, wrt=1)) / (2 * h)
    assert hb == pytest.approx(fd_b, rel=1e-6, abs=1e-8)
    # wrt one argument only: the Hessian block along v.
    fd_w = (f.grad(w + h * v, b) - f.grad(w - h * v, b)) / (2 * h)
    np.testing.assert_allclose(f.hvp(w, b, direction=v), fd_w, rtol=1e-6, atol=1e-8)
    # the full Hessian by columns is symmetric
    H = np.stack([f.hvp(w, b, direction=e) for e in np.eye(4)], axis=1)
    np.testing.assert_allclose(H, H.T, rtol=1e-10, atol=1e-12)


def test_multiple_outputs_jacobian_and_vjp():
    @ns.function
    def f(x):
        return ns.relu(x) * 2.0, ns.sum(x ** 2)

    x = away((3,))
    value = f(x)
    assert isinstance(value, tuple) and len(value) == 2
    np.testing.assert_allclose(f.jacobian(x, output=1), 2 * x)
    np.testing.assert_allclose(f.jacobian(x, output=0), np.diag(2.0 * (x > 0)))
    _, g = f.vjp(x, cotangent=(None, 1.0))
    np.testing.assert_allclose(g, 2 * x)
    _, g = f.vjp(x, cotangent=(np.ones(3), 0.5))
    np.testing.assert_allclose(g, 2.0 * (x > 0) + x)
    with pytest.raises(ValueError, match="scalar output"):
        f.value_and_grad(x)   # the first output is differentiated: it must be a scalar

    @ns.function
    def with_aux(x):
        return ns.sum(x ** 2), ns.relu(x)

    (loss, aux), grad, _ = with_aux.value_and_grad(x)
    np.testing.assert_allclose(grad, 2 * x)
    np.testing.assert_allclose(aux, np.maximum(x, 0))


def test_closed_over_arrays_become_constants_and_cache_per_shape():
    w = np.array([1.0, 2.0, 3.0])
    calls = []

    @ns.function
    def f(x):
        calls.append(x.shape)
        return ns.sum(x * w)

    assert f(np.ones(3)) == 6.0
    assert f(np.ones(3) * 2) == 12.0
    assert calls == [(3,)]                       # traced once
    assert f(np.ones((2, 3))) == 12.0
    assert calls == [(3,), (2, 3)]               # retraced for a new shape
    w[0] = 100.0                                 # captured at trace time
    assert f(np.ones(3)) == 6.0


def test_functions_compose_and_wrt_by_name():
    @ns.function
    def inner(x):
        return ns.relu(x) ** 2

    @ns.function
    def outer(w, x):
        return ns.sum(inner(w * x))

    w, x = away((4,)), away((4,))
    g_w, g_x = outer.grad(w, x, wrt=("w", "x"))
    np.testing.assert_allclose(g_w, 2 * np.maximum(w * x, 0) * x)
    np.testing.assert_allclose(g_x, 2 * np.maximum(w * x, 0) * w)
    np.testing.assert_allclose(outer.grad(w, x, wrt="x"), g_x)
    np.testing.assert_allclose(outer.grad(w, x, wrt=-1), g_x)
