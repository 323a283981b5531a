"""Composite programs against JAX (float64) at smooth points: values, gradients
and Hessian-vector products to ~1e-12, plus finite differences of the same."""
import numpy as np
import pytest

import nonsmooth as ns

jax = pytest.importorskip("jax")
jax.config.update("jax_enable_x64", True)
jnp = jax.numpy

RTOL, ATOL = 1e-11, 1e-12


def assert_close(actual, expected):
    np.testing.assert_allclose(np.asarray(actual), np.asarray(expected), rtol=RTOL, atol=ATOL)


def compare(ns_fn, jax_fn, args, wrt):
    f = ns.function(ns_fn)
    value, grads, kinks = f.value_and_grad(*args, wrt=wrt)
    assert not kinks, kinks
    j_value, j_grads = jax.value_and_grad(jax_fn, argnums=wrt)(*args)
    assert_close(value, j_value)
    for g, jg in zip(grads, j_grads):
        assert_close(g, jg)
    return f


def test_mlp_squared_loss():
    rng = np.random.default_rng(0)
    n, d, h1, h2, k = 16, 5, 8, 6, 3
    X, Y = rng.normal(size=(n, d)), rng.normal(size=(n, k))
    params = [rng.normal(size=s) / np.sqrt(s[0]) for s in [(d, h1), (h1,), (h1, h2), (h2,), (h2, k), (k,)]]

    def ns_loss(W1, b1, W2, b2, W3, b3):
        h = ns.relu(X @ W1 + b1)
        h = ns.relu(h @ W2 + b2)
        return ns.mean((h @ W3 + b3 - Y) ** 2)

    def jax_loss(W1, b1, W2, b2, W3, b3):
        h = jax.nn.relu(X @ W1 + b1)
        h = jax.nn.relu(h @ W2 + b2)
        return jnp.mean((h @ W3 + b3 - Y) ** 2)

    f = compare(ns_loss, jax_loss, params, tuple(range(6)))
    # the Hessian-vector product in W3 (ReLU networks are piecewise quadratic in it)
    v = rng.normal(size=params[4].shape)
    _, j_hvp = jax.jvp(lambda W3: jax.grad(jax_loss, argnums=4)(*params[:4], W3, params[5]), (params[4],), (v,))
    assert_close(f.hvp(*params, direction=v, wrt=4), j_hvp)


def test_cnn_like_maxpool_network():
    rng = np.random.default_rng(1)
    n, classes = 4, 3
    images = rng.normal(size=(n, 8, 8))
    targets = np.eye(classes)[rng.integers(0, classes, n)]
    kernel = rng.normal(size=(3, 3)) / 3
    W = rng.normal(size=(9, classes)) / 3
    b = rng.normal(size=classes)

    def ns_net(kernel, W, b):
        crop = images[:, 1:7, 1:7]                                   # (n, 6, 6) by indexing
        conv = sum(kernel[i, j] * images[:, i:i + 6, j:j + 6] for i in range(3) for j in range(3))
        features = ns.max_pool2d(ns.relu(conv + crop), 2)            # (n, 3, 3)
        logits = features.reshape(n, 9) @ W + b
        return ns.mean(ns.softmax_cross_entropy(logits, targets))

    def jax_net(kernel, W, b):
        crop = images[:, 1:7, 1:7]
        conv = sum(kernel[i, j] * images[:, i:i + 6, j:j + 6] for i in range(3) for j in range(3))
        features = jax.nn.relu(conv + crop).reshape(n, 3, 2, 3, 2).max(axis=(2, 4))
        logits = features.reshape(n, 9) @ W + b
        return jnp.mean(-(targets * jax.nn.log_softmax(logits, axis=-1)).sum(axis=-1))

    compare(ns_net, jax_net, [kernel, W, b], (0, 1, 2))


def test_lasso_objective():
    rng = np.random.default_rng(2)
    X, y = rng.normal(size=(20, 6)), rng.normal(size=20)
    w = rng.normal(size=6)
    lam = 0.3

    def ns_lasso(w):
        return 0.5 * ns.mean((X @ w - y) ** 2) + lam * ns.norm1(w)

    def jax_lasso(w):
        return 0.5 * jnp.mean((X @ w - y) ** 2) + lam * jnp.sum(jnp.abs(w))

    f = compare(ns_lasso, jax_lasso, [w], (0,))
    # the objective is quadratic off the kinks: Hessian = XᵀX/n
    v = rng.normal(size=6)
    assert_close(f.hvp(w, direction=v), X.T @ (X @ v) / 20)


def test_huber_regression():
    rng = np.random.default_rng(3)
    X, y = rng.normal(size=(30, 4)), rng.normal(size=30) * 2
    w, alpha, delta = rng.normal(size=4), 0.1, 0.8

    def ns_huber(w, X, y):
        return ns.mean(ns.huber(X @ w - y, delta)) + alpha * ns.sum(w ** 2)

    def jax_huber(w, X, y):
        r = X @ w - y
        return jnp.mean(jnp.where(jnp.abs(r) <= delta, 0.5 * r ** 2, delta * (jnp.abs(r) - delta / 2))) \
            + alpha * jnp.sum(w ** 2)

    f = compare(ns_huber, jax_huber, [w, X, y], (0, 1))
    v = rng.normal(size=4)
    _, j_hvp = jax.jvp(lambda w: jax.grad(jax_huber)(w, X, y), (w,), (v,))
    assert_close(f.hvp(w, X, y, direction=v), j_hvp)


def test_smooth_zoo_against_jax():
    rng = np.random.default_rng(4)
    x = rng.normal(size=(3, 5))
    t = np.abs(rng.normal(size=(3, 5)))

    def ns_f(x):
        a = ns.sum(ns.softplus(x) * ns.sigmoid(x)) + ns.sum(ns.logsumexp(x, axis=1))
        b = ns.sum(ns.gelu(x)) + ns.sum(ns.gelu(x, approximate=True)) + ns.sum(ns.tanh(x) * ns.sin(x) / ns.exp(ns.cos(x)))
        c = ns.sum(ns.log1p(t) * x) + ns.norm2(x) + ns.sum(ns.sqrt(t + 1.0) ** 1.5) + ns.sum(ns.sort(x, axis=1) * t)
        return a + b + c + ns.sum(ns.max(x, axis=0)) + ns.norm_inf(x) + ns.sum(ns.max_pool1d(x, 2, 1))

    def jax_f(x):
        a = jnp.sum(jax.nn.softplus(x) * jax.nn.sigmoid(x)) + jnp.sum(jax.scipy.special.logsumexp(x, axis=1))
        b = jnp.sum(jax.nn.gelu(x, approximate=False)) + jnp.sum(jax.nn.gelu(x, approximate=True)) \
            + jnp.sum(jnp.tanh(x) * jnp.sin(x) / jnp.exp(jnp.cos(x)))
        c = jnp.sum(jnp.log1p(t) * x) + jnp.linalg.norm(x) + jnp.sum(jnp.sqrt(t + 1.0) ** 1.5) \
            + jnp.sum(jnp.sort(x, axis=1) * t)
        pools = jnp.maximum(x[:, :-1], x[:, 1:])
        return a + b + c + jnp.sum(jnp.max(x, axis=0)) + jnp.max(jnp.abs(x)) + jnp.sum(pools)

    f = compare(ns_f, jax_f, [x], (0,))
    v = rng.normal(size=x.shape)
    _, j_hvp = jax.jvp(jax.grad(jax_f), (x,), (v,))
    assert_close(f.hvp(x, direction=v), j_hvp)
    # jacobian of a vector output, forward and reverse
    g = ns.function(lambda x: ns.tanh(x[0]) * ns.exp(x[1]))
    assert_close(g.jacobian(x), jax.jacobian(lambda x: jnp.tanh(x[0]) * jnp.exp(x[1]))(x))


def test_composites_against_finite_differences():
    rng = np.random.default_rng(5)
    X, y = rng.normal(size=(10, 3)), rng.normal(size=10)

    @ns.function
    def f(w):
        r = X @ w - y
        return ns.mean(ns.huber(r, 0.5)) + 0.1 * ns.norm1(w) + ns.sum(ns.relu(r)) + ns.logsumexp(r)

    w = rng.normal(size=3)
    h = 1e-6
    fd = np.array([(f(w + h * e) - f(w - h * e)) / (2 * h) for e in np.eye(3)])
    np.testing.assert_allclose(f.grad(w), fd, rtol=1e-6, atol=1e-7)
