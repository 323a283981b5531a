"""Arguments the native training loop fills itself: noise (uniform, normal,
Gumbel) from its own seeded stream and the step counter. Checked against a
Python re-implementation of the documented stream (SplitMix64 and the
transforms of nonsmooth.h) driving a Python loop with JAX gradients."""
import math

import numpy as np
import pytest

import nonsmooth as ns
from nonsmooth.optim import SGD, Momentum

jax = pytest.importorskip("jax")
jax.config.update("jax_enable_x64", True)
jnp = jax.numpy

MASK = 2**64 - 1


class SplitMix64:
    """Steele, Lea & Flood (2014), written out with Python integers."""

    def __init__(self, seed):
        self.state = seed ^ 0x6E6F6973655F7331     # the noise stream's seed (nonsmooth.h)

    def next(self):
        self.state = (self.state + 0x9E3779B97F4A7C15) & MASK
        z = self.state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
        return z ^ (z >> 31)

    def draw(self, kind, shape):
        out = np.empty(int(np.prod(shape)))
        for i in range(out.size):
            if kind == "uniform":
                out[i] = (self.next() >> 11) * 2.0**-53
            elif kind == "gumbel":
                out[i] = -math.log(-math.log(((self.next() >> 11) + 0.5) * 2.0**-53))
            else:
                u1 = ((self.next() >> 11) + 0.5) * 2.0**-53
                u2 = (self.next() >> 11) * 2.0**-53
                out[i] = math.sqrt(-2 * math.log(u1)) * math.cos(2 * math.pi * u2)
        return out.reshape(shape)


def test_gumbel_softmax_training_matches_a_python_loop_with_jax_gradients():
    target = np.array([0.1, 0.6, 0.3])
    shape, lr, steps, seed = (16, 3), 0.5, 25, 7

    @ns.function
    def loss(z, g, k):
        tau = ns.maximum(0.5, ns.exp(-0.05 * k))         # a temperature schedule inside the program
        y = ns.gumbel_softmax(z, tau, noise=g)
        return ns.sum((ns.mean(y, axis=0) - target) ** 2)

    def j_loss(z, g, k):
        tau = jnp.maximum(0.5, jnp.exp(-0.05 * k))
        y = jax.nn.softmax((z + g) / tau, axis=-1)
        return jnp.sum((jnp.mean(y, axis=0) - target) ** 2)

    res = ns.train(loss, {"z": np.zeros(3)}, noise={"g": ("gumbel", shape)}, step_counter="k",
                   optimizer=SGD(lr), steps=steps, seed=seed, record_every=5)
    stream, z, losses = SplitMix64(seed), np.zeros(3), []
    grad = jax.value_and_grad(j_loss)
    for k in range(steps):
        g = stream.draw("gumbel", shape)
        value, dz = grad(z, g, float(k))
        # the native gradient at the same point and noise, through the public API
        np.testing.assert_allclose(loss.grad(z, g, float(k)), dz, rtol=1e-12, atol=1e-14)
        losses.append(value)
        z = z - lr * np.asarray(dz)
    np.testing.assert_allclose(res.params["z"], z, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(res.history.loss[1:], np.mean(np.reshape(losses, (-1, 5)), axis=1), rtol=1e-12)


@pytest.mark.parametrize("kind", ["uniform", "normal"])
def test_noise_streams_follow_the_documented_transforms(kind):
    # loss = Σ w ⊙ u: the gradient is the noise itself, so w_K = w_0 − α Σ_k u_k
    @ns.function
    def loss(w, u):
        return ns.sum(w * u)

    res = ns.train(loss, {"w": np.zeros((2, 3))}, noise={"u": (kind, (2, 3))}, optimizer=SGD(1.0), steps=40, seed=3)
    stream = SplitMix64(3)
    expected = -sum(stream.draw(kind, (2, 3)) for _ in range(40))
    np.testing.assert_allclose(res.params["w"], expected, rtol=1e-13, atol=1e-15)


def test_noise_moments_and_independence_from_the_minibatches():
    @ns.function
    def loss(w, x, u):
        return ns.sum(w * ns.mean(u, axis=0)) + 0.0 * ns.sum(x)

    X = np.arange(10.0)[:, None]
    kw = dict(optimizer=SGD(1.0), steps=200, batch_size=2)
    a = ns.train(loss, {"w": np.zeros(1)}, {"x": X}, noise={"u": ("normal", (500, 1))}, seed=1, **kw)
    b = ns.train(loss, {"w": np.zeros(1)}, {"x": X}, noise={"u": ("normal", (500, 1))}, seed=1, **kw)
    np.testing.assert_array_equal(a.params["w"], b.params["w"])          # reproducible
    # −w_K/K is the mean of 10⁵ standard normals: |mean| < 5/√10⁵
    assert abs(a.params["w"][0] / 200) < 5 / math.sqrt(1e5)
    g = ns.train(ns.function(lambda w, u: ns.sum(w * u)), {"w": np.zeros(20000)},
                 noise={"u": ("gumbel", 20000)}, optimizer=SGD(1.0), steps=1)
    sample = -g.params["w"]
    assert abs(sample.mean() - np.euler_gamma) < 0.05                     # Gumbel mean γ, variance π²/6
    assert abs(sample.var() - np.pi**2 / 6) < 0.1


def test_step_counter_and_momentum_with_noise():
    @ns.function
    def loss(w, k):
        return ns.sum(w) * k

    res = ns.train(loss, {"w": np.zeros(2)}, step_counter="k", optimizer=Momentum(0.1, momentum=0.5), steps=6)
    w, v = np.zeros(2), np.zeros(2)
    for k in range(6):
        v = 0.5 * v + k
        w = w - 0.1 * v
    np.testing.assert_allclose(res.params["w"], w, rtol=1e-15)


def test_noise_argument_errors():
    loss = ns.function(lambda w, u: ns.sum(w * u))
    with pytest.raises(ValueError, match="noise"):
        ns.train(loss, {"w": np.zeros(2)}, noise={"u": ("cauchy", (2,))})
    with pytest.raises(TypeError, match="noise"):
        ns.train(loss, {"w": np.zeros(2)}, noise=[("gumbel", (2,))])
    with pytest.raises(ValueError, match="no argument named"):
        ns.train(loss, {"w": np.zeros(2)}, noise={"v": ("gumbel", (2,))})
    with pytest.raises(ValueError, match="already given"):
        ns.train(loss, {"w": np.zeros(2), "u": np.zeros(2)}, noise={"u": ("gumbel", (2,))})
    with pytest.raises(ValueError, match="not given"):
        ns.train(loss, {"w": np.zeros(2)})
    with pytest.raises(TypeError, match="step_counter"):
        ns.train(loss, {"w": np.zeros(2)}, fixed={"u": np.ones(2)}, step_counter=3)


# ---- momentum schedules (stochastic heavy ball) ----------------------------------------------

@pytest.mark.parametrize("nesterov", [False, True])
@pytest.mark.parametrize("beta", [ns.optim.one_minus(ns.optim.diminishing(1.0, b=2.0, power=1.0)),
                                  ns.optim.step_decay(0.9, 0.5, 7), ns.optim.cosine(0.95, 0.1, 30)])
def test_momentum_schedule_matches_the_textbook_update(beta, nesterov):
    """Stochastic heavy ball on a nonsmooth loss with Gaussian gradient noise
    from the native stream: v ← β_k v + g_k, w ← w − α_k v (Nesterov:
    w ← w − α_k (g_k + β_k v)), against a Python loop on the same noise."""
    rng = np.random.default_rng(0)
    A, b = rng.normal(size=(8, 3)), rng.normal(size=8)

    @ns.function
    def loss(w, xi):
        return ns.mean(ns.abs(A @ w - b)) + 0.1 * ns.sum(xi * w)

    lr = ns.optim.diminishing(0.05, power=0.75)
    opt = (ns.optim.Nesterov if nesterov else ns.optim.Momentum)(lr, momentum=beta)
    steps, w0 = 30, rng.normal(size=3)
    res = ns.train(loss, {"w": w0}, noise={"xi": ("normal", 3)}, optimizer=opt, steps=steps, seed=5)
    stream, w, v = SplitMix64(5), w0.copy(), np.zeros(3)
    for k in range(steps):
        g = loss.grad(w, stream.draw("normal", 3))
        mu = beta(k)
        v = mu * v + g
        w = w - lr(k) * (g + mu * v if nesterov else v)
    np.testing.assert_allclose(res.params["w"], w, rtol=1e-15, atol=1e-15)
    # the optimizer object used step by step runs the same rule
    opt.reset()
    stream, w2 = SplitMix64(5), w0.copy()
    for k in range(steps):
        opt.step(w2, loss.grad(w2, stream.draw("normal", 3)))
    np.testing.assert_array_equal(w2, res.params["w"])


def test_momentum_schedule_validation():
    with pytest.raises(ValueError, match="momentum"):
        ns.optim.Momentum(0.1, momentum=ns.optim.constant(1.0))
    with pytest.raises(ValueError, match="momentum"):      # β_0 = 1 − 2 < 0
        ns.optim.Momentum(0.1, momentum=ns.optim.one_minus(ns.optim.diminishing(2.0, b=1.0)))
    with pytest.raises(TypeError, match="schedule"):
        ns.optim.one_minus(0.5)
    assert repr(ns.optim.one_minus(ns.optim.constant(0.1))) == "one_minus(constant(lr=0.1))"


# ---- state carried by the loop: batch-norm running statistics -------------------------------

def test_batch_norm_running_statistics_match_a_python_loop():
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(32, 4)) * 3 + 1, rng.normal(size=32)

    @ns.function
    def loss(W, g, b, v, X, y, rm, rv):
        h, mu, var = ns.batch_norm(X @ W, g, b, return_stats=True)
        return ns.mean((ns.relu(h) @ v - y) ** 2), mu, var

    params = {"W": rng.normal(size=(4, 3)), "g": np.ones(3), "b": np.zeros(3), "v": rng.normal(size=3)}
    m, lr, steps = 0.1, 0.05, 15
    res = ns.train(loss, params, {"X": X, "y": y}, optimizer=SGD(lr), steps=steps,
                   state={"rm": (np.zeros(3), 1, m), "rv": (np.ones(3), 2, m)})
    p = {k: v.copy() for k, v in params.items()}
    rm, rv = np.zeros(3), np.ones(3)
    names = ("W", "g", "b", "v")
    for _ in range(steps):
        (value, mu, var), grads, _ = loss.value_and_grad(*(p[k] for k in names), X, y, rm, rv, wrt=(0, 1, 2, 3))
        for k, gk in zip(names, grads):
            p[k] = p[k] - lr * gk
        rm, rv = (1 - m) * rm + m * mu, (1 - m) * rv + m * var
    for k in names:
        np.testing.assert_allclose(res.params[k], p[k], rtol=1e-13, atol=1e-15)
    np.testing.assert_allclose(res.state["rm"], rm, rtol=1e-13)
    np.testing.assert_allclose(res.state["rv"], rv, rtol=1e-13)
    # evaluation mode with the batch's own statistics is training mode
    h = X @ p["W"]
    np.testing.assert_allclose(ns.batch_norm(h, p["g"], p["b"], mean=h.mean(axis=0), var=h.var(axis=0)),
                               ns.batch_norm(h, p["g"], p["b"]), rtol=1e-12, atol=1e-13)
    with pytest.raises(ValueError, match="output"):
        ns.train(loss, params, {"X": X, "y": y}, steps=1, state={"rm": (np.zeros(3), 3, m), "rv": (np.ones(3), 2, m)})
    with pytest.raises(ValueError, match="shape"):
        ns.train(loss, params, {"X": X, "y": y}, steps=1, state={"rm": (np.zeros(3), 0 + 1, m), "rv": (np.ones(4), 2, m)})
    with pytest.raises(ValueError, match="momentum"):
        ns.train(loss, params, {"X": X, "y": y}, steps=1, state={"rm": (np.zeros(3), 1, 1.5), "rv": (np.ones(3), 2, m)})
    with pytest.raises(ValueError, match="mean and var"):
        ns.batch_norm(h, mean=np.zeros(3))
