"""float32 end to end: the precision follows the arguments, float32 gradients
agree with JAX in float32 and with our float64 results within float32
accuracy, and kink reports are the same in both precisions at kinks."""
import numpy as np
import pytest

import nonsmooth as ns

jax = pytest.importorskip("jax")
jnp = jax.numpy

F32_RTOL = 2e-5   # a few float32 ulps, amplified by sums of ~100 terms


def mlp_loss(lib):
    def loss(w1, b1, w2, x, y):
        h = lib.maximum(x @ w1 + b1, 0.0)
        r = h @ w2 - y
        return lib.mean(r * r) + 0.1 * lib.sum(lib.abs(w1))
    return loss


def mlp_point(rng, dtype, batch=16, d=5, h=7):
    return [rng.standard_normal(s).astype(dtype) for s in [(d, h), (h,), (h, 1), (batch, d), (batch, 1)]]


@pytest.fixture
def rng():
    return np.random.default_rng(0)


def test_dtype_follows_the_arguments(rng):
    f = ns.function(mlp_loss(ns))
    p32 = mlp_point(rng, np.float32)
    value, grads, _ = f.value_and_grad(*p32, wrt=(0, 1, 2))
    assert value.dtype == np.float32 and all(g.dtype == np.float32 for g in grads)
    assert f(*p32).dtype == np.float32
    p64 = [a.astype(np.float64) for a in p32]
    value64, grads64, _ = f.value_and_grad(*p64, wrt=(0, 1, 2))
    assert value64.dtype == np.float64 and all(g.dtype == np.float64 for g in grads64)
    # Mixed: NumPy promotes to float64; each gradient keeps its argument's dtype (as in JAX and PyTorch).
    mixed = p32[:3] + p64[3:]
    value_m, grads_m, _ = f.value_and_grad(*mixed, wrt=(0, 1, 2))
    assert value_m.dtype == np.float64 and all(g.dtype == np.float32 for g in grads_m)
    np.testing.assert_allclose(value_m, value64, rtol=1e-12)
    # Python numbers and integer arrays adopt the floating arguments' precision.
    g = ns.function(lambda x, k, c: ns.sum(x * k) + c)
    out = g(np.ones(3, np.float32), np.arange(3), 2.0)
    assert out.dtype == np.float32 and out == 5.0
    assert g(np.ones(3), np.arange(3), 2.0).dtype == np.float64
    assert g(np.arange(3), np.arange(3), 2).dtype == np.float64


def test_tracer_reports_the_precision():
    seen = []

    @ns.function
    def f(x):
        seen.append(x.dtype)
        return ns.sum(x)

    f(np.ones(2, np.float32))
    f(np.ones(2))
    assert seen == [np.dtype(np.float32), np.dtype(np.float64)]


def test_mlp_gradients_match_jax_float32_and_our_float64(rng):
    f = ns.function(mlp_loss(ns))
    jf = jax.jit(jax.value_and_grad(mlp_loss(jnp), argnums=(0, 1, 2)))
    for _ in range(3):
        p32 = mlp_point(rng, np.float32)
        value, grads, kinks = f.value_and_grad(*p32, wrt=(0, 1, 2))
        jvalue, jgrads = jf(*p32)
        assert np.asarray(jvalue).dtype == np.float32
        np.testing.assert_allclose(value, jvalue, rtol=F32_RTOL)
        for g, jg in zip(grads, jgrads):
            np.testing.assert_allclose(g, jg, rtol=F32_RTOL, atol=F32_RTOL * np.abs(jg).max())
        value64, grads64, kinks64 = f.value_and_grad(*[a.astype(np.float64) for a in p32], wrt=(0, 1, 2))
        np.testing.assert_allclose(value, value64, rtol=F32_RTOL)
        for g, g64 in zip(grads, grads64):
            np.testing.assert_allclose(g, g64, rtol=F32_RTOL, atol=F32_RTOL * np.abs(g64).max())
        assert kinks == kinks64


PRIMITIVES = {
    "relu_sum": (lambda x: ns.sum(ns.relu(x) ** 2), lambda x: jnp.sum(jax.nn.relu(x) ** 2)),
    "abs_norm2": (lambda x: ns.sum(ns.abs(x)) + ns.norm2(x), lambda x: jnp.sum(jnp.abs(x)) + jnp.linalg.norm(x)),
    "logsumexp": (lambda x: ns.logsumexp(x), lambda x: jax.nn.logsumexp(x)),
    "sort": (lambda x: ns.sum(ns.sort(x) * np.arange(12.0)), lambda x: jnp.sum(jnp.sort(x) * jnp.arange(12.0))),
    "smooth": (lambda x: ns.sum(ns.tanh(x) * ns.exp(-x * x) + ns.sigmoid(x) + ns.softplus(x)),
               lambda x: jnp.sum(jnp.tanh(x) * jnp.exp(-x * x) + jax.nn.sigmoid(x) + jax.nn.softplus(x))),
    "max_min": (lambda x: ns.max(x) - 2 * ns.min(x) + ns.sum(ns.maximum(x, 0.3)),
                lambda x: jnp.max(x) - 2 * jnp.min(x) + jnp.sum(jnp.maximum(x, 0.3))),
    "softmax_ce": (lambda x: ns.mean(ns.softmax_cross_entropy(x.reshape(3, 4), np.eye(4)[[0, 2, 3]])),
                   lambda x: jnp.mean(-jnp.sum(jnp.eye(4)[jnp.array([0, 2, 3])] * jax.nn.log_softmax(x.reshape(3, 4)), axis=-1))),
}


@pytest.mark.parametrize("name", sorted(PRIMITIVES))
def test_primitives_float32_against_jax(rng, name):
    ours, theirs = PRIMITIVES[name]
    f = ns.function(ours)
    x = rng.standard_normal(12).astype(np.float32)
    value, grad, _ = f.value_and_grad(x)
    jvalue, jgrad = jax.value_and_grad(theirs)(x)
    assert grad.dtype == np.float32
    np.testing.assert_allclose(value, jvalue, rtol=F32_RTOL, atol=1e-6)
    np.testing.assert_allclose(grad, jgrad, rtol=F32_RTOL, atol=1e-6)


def test_kink_reports_identical_across_precisions():
    @ns.function
    def f(x, y):
        return (ns.sum(ns.relu(x - y)) + ns.norm1(x) + ns.sum(ns.maximum(x, y)) + ns.max(y)
                + ns.sum(ns.sort(y) * np.arange(6.0)) + ns.sum(ns.clip(x, -0.5, 0.25)) + ns.norm_inf(x - x))

    x = np.array([0.0, 0.25, -0.5, 1.5, 0.1, 0.0], np.float32)   # zeros, clip bounds
    y = np.array([0.0, 0.25, 2.0, 2.0, 0.1, -1.0], np.float32)   # ties with x, a tied max
    v32, g32, k32 = f.value_and_grad(x, y, wrt=(0, 1))
    v64, g64, k64 = f.value_and_grad(x.astype(np.float64), y.astype(np.float64), wrt=(0, 1))
    assert k32 == k64 and k32.total > 0
    for name in ("relu", "norm1", "maximum", "max", "sort", "clip", "norm_inf"):
        assert k32[name] > 0, name
    for a, b in zip(g32, g64):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-6)   # the same policy choices
    for policy in (ns.Kinks(relu_at_zero=1.0, ties="split"), ns.Kinks(abs_at_zero=0.5)):
        _, g32, k32 = f.value_and_grad(x, y, wrt=(0, 1), policy=policy)
        _, g64, k64 = f.value_and_grad(x.astype(np.float64), y.astype(np.float64), wrt=(0, 1), policy=policy)
        assert k32 == k64
        for a, b in zip(g32, g64):
            np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-6)


def test_eager_primitives_keep_float32():
    x = np.array([-1.5, 0.0, 2.0], np.float32)
    assert ns.relu(x).dtype == np.float32
    assert ns.add(x, 1).dtype == np.float32
    assert ns.add(x, np.ones(3)).dtype == np.float64
    np.testing.assert_array_equal(ns.abs(x), np.abs(x))


def test_forward_modes_return_the_call_precision(rng):
    f = ns.function(lambda x: ns.sum(ns.tanh(x) ** 2) + ns.norm1(x))
    x = rng.standard_normal(4).astype(np.float32)
    v = np.ones(4, np.float32)
    _, t = f.jvp(x, tangent=v)
    assert np.asarray(t).dtype == np.float32
    assert f.hvp(x, direction=v).dtype == np.float32
    jac = f.jacobian(x)
    assert jac.dtype == np.float32
    np.testing.assert_allclose(jac, f.grad(x), rtol=F32_RTOL)


def test_vjp_float32_matches_float64(rng):
    f = ns.function(lambda A, x: ns.relu(A @ x) - x[:3])
    A, x = rng.standard_normal((3, 4)).astype(np.float32), rng.standard_normal(4).astype(np.float32)
    c = rng.standard_normal(3)
    out, g = f.vjp(A, x, cotangent=c, wrt=1)
    assert out.dtype == np.float32 and g.dtype == np.float32
    out64, g64 = f.vjp(A.astype(float), x.astype(float), cotangent=c, wrt=1)
    np.testing.assert_allclose(g, g64, rtol=F32_RTOL, atol=1e-6)


def test_float32_rejects_non_finite():
    f = ns.function(lambda x: ns.sum(x))
    with pytest.raises(ValueError, match="x: contains NaN or infinity"):
        f(np.array([1.0, np.inf], np.float32))


def test_training_in_float32(rng):
    @ns.function
    def lsq(w, X, y):
        r = X @ w - y
        return ns.mean(r * r)

    X = rng.standard_normal((64, 5)).astype(np.float32)
    w_true = rng.standard_normal(5).astype(np.float32)
    y = X @ w_true
    kwargs = dict(optimizer=ns.training.SGD(0.1), batch_size=16, steps=300, seed=3, record_every=50)
    res32 = ns.train(lsq, {"w": np.zeros(5, np.float32)}, {"X": X, "y": y}, **kwargs)
    res64 = ns.train(lsq, {"w": np.zeros(5)}, {"X": X.astype(float), "y": y.astype(float)}, **kwargs)
    assert res32.params["w"].dtype == np.float32 and res64.params["w"].dtype == np.float64
    np.testing.assert_allclose(res32.params["w"], w_true, atol=1e-3)
    np.testing.assert_allclose(res32.params["w"], res64.params["w"], atol=1e-4)
    assert np.isfinite(res32.history["loss"][1:]).all()


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_large_products_give_the_same_bits_on_any_thread_count(rng, dtype):
    f = ns.function(mlp_loss(ns))
    point = mlp_point(rng, dtype, batch=512, d=256, h=256)   # 512·256·256 = 2²⁵ multiply-adds per product
    previous = ns.get_autodiff_threads()
    try:
        results = []
        for threads in (1, 2, 0):
            ns.set_autodiff_threads(threads)
            results.append(f.value_and_grad(*point, wrt=(0, 1, 2))[:2])
    finally:
        ns.set_autodiff_threads(previous)
    assert ns.get_autodiff_threads() == previous
    for value, grads in results[1:]:
        assert value == results[0][0]
        for g, g0 in zip(grads, results[0][1]):
            np.testing.assert_array_equal(g, g0)
    with pytest.raises(ValueError, match="n_threads"):
        ns.set_autodiff_threads(-1)
