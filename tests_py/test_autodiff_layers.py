"""Network layers and discrete-choice estimators against JAX (float64) and finite
differences: conv2d (lax.conv_general_dilated), average pooling (reduce_window),
batch normalization (written out by hand), straight-through sign and codebook
lookup, Gumbel-softmax. Values, VJPs, JVPs and Hessian-vector products."""
import numpy as np
import pytest

import nonsmooth as ns

jax = pytest.importorskip("jax")
jax.config.update("jax_enable_x64", True)
jnp = jax.numpy
lax = jax.lax

TOL = 1e-10


def close(actual, expected, tol=TOL):
    np.testing.assert_allclose(np.asarray(actual), np.asarray(expected), rtol=tol, atol=tol)


def check_all_modes(ns_fn, jax_fn, args, rng, hvp=True):
    """Value, VJP, JVP (and HVP of the sum of squares) of ns_fn against jax_fn in every argument."""
    f = ns.function(ns_fn)
    idx = tuple(range(len(args)))
    value = f(*args)
    close(value, jax_fn(*args))
    cot = rng.normal(size=np.shape(value))
    _, grads = f.vjp(*args, cotangent=cot, wrt=idx)
    _, pullback = jax.vjp(jax_fn, *args)
    for g, jg in zip(grads, pullback(cot)):
        close(g, jg)
    tangents = tuple(rng.normal(size=np.shape(a)) for a in args)
    _, t_out = f.jvp(*args, tangent=tangents, wrt=idx)
    _, j_t = jax.jvp(jax_fn, tuple(args), tangents)
    close(t_out, j_t)
    if hvp:
        scalar = ns.function(lambda *a: ns.sum(ns.tanh(ns_fn(*a)) ** 2))

        def j_scalar(*a):
            return jnp.sum(jnp.tanh(jax_fn(*a)) ** 2)

        h = scalar.hvp(*args, direction=tangents, wrt=idx)
        _, jh = jax.jvp(jax.grad(j_scalar, argnums=idx), tuple(args), tangents)
        for a, b in zip(h, jh):
            close(a, b)
    return f


def finite_difference_check(f, args, k, rng, eps=1e-6, tol=1e-6):
    """⟨∇f, v⟩ against a central difference along a random v in argument k."""
    v = rng.normal(size=np.shape(args[k]))
    plus = list(args); plus[k] = args[k] + eps * v
    minus = list(args); minus[k] = args[k] - eps * v
    fd = (float(f(*plus)) - float(f(*minus))) / (2 * eps)
    g = f.grad(*args, wrt=k)
    assert abs(np.vdot(g, v) - fd) <= tol * max(1.0, abs(fd))


# ---- conv2d -------------------------------------------------------------------------------

@pytest.mark.parametrize("shape, filters, stride, padding", [
    ((2, 3, 7, 6), (4, 3, 3, 3), (1, 1), (0, 0)),
    ((2, 2, 8, 8), (3, 2, 3, 2), (2, 1), (1, 2)),
    ((3, 2, 6, 9), (1, 2, 2, 4), (3, 2), (0, 1)),
])
def test_conv2d_matches_lax_conv_general_dilated(shape, filters, stride, padding):
    rng = np.random.default_rng(0)
    x, w = rng.normal(size=shape), rng.normal(size=filters)

    def ns_conv(x, w):
        return ns.conv2d(x, w, stride=stride, padding=padding)

    def jax_conv(x, w):
        return lax.conv_general_dilated(x, w, stride, [(p, p) for p in padding],
                                        dimension_numbers=("NCHW", "OIHW", "NCHW"),
                                        precision=lax.Precision.HIGHEST)

    check_all_modes(ns_conv, jax_conv, [x, w], rng)


def test_conv2d_bias_and_finite_differences():
    rng = np.random.default_rng(1)
    x, w, b = rng.normal(size=(2, 2, 6, 6)), rng.normal(size=(3, 2, 3, 3)), rng.normal(size=3)
    f = ns.function(lambda x, w, b: ns.sum(ns.tanh(ns.conv2d(x, w, b, stride=2, padding=1))))
    direct = np.sum(np.tanh(ns.conv2d(x, w, stride=2, padding=1) + b[None, :, None, None]))
    close(f(x, w, b), direct)
    for k in range(3):
        finite_difference_check(f, [x, w, b], k, rng)


def test_conv2d_bad_input_names_the_argument():
    x, w = np.zeros((1, 2, 4, 4)), np.zeros((1, 3, 2, 2))
    with pytest.raises(ValueError, match="channels"):
        ns.conv2d(x, w)
    with pytest.raises(ValueError, match="stride"):
        ns.conv2d(x, np.zeros((1, 2, 2, 2)), stride=0)
    with pytest.raises(ValueError, match="padding"):
        ns.conv2d(x, np.zeros((1, 2, 2, 2)), padding=-1)
    with pytest.raises(ValueError, match="larger than the padded input"):
        ns.conv2d(x, np.zeros((1, 2, 5, 5)))
    with pytest.raises(ValueError, match="conv2d"):
        ns.conv2d(np.zeros((2, 4, 4)), np.zeros((1, 2, 2, 2)))


# ---- average pooling ---------------------------------------------------------------------

@pytest.mark.parametrize("window, stride", [((2, 2), (2, 2)), ((3, 2), (1, 2)), ((2, 3), (2, 1))])
def test_avg_pool2d_matches_reduce_window(window, stride):
    rng = np.random.default_rng(2)
    x = rng.normal(size=(2, 3, 7, 8))

    def jax_pool(x):
        s = lax.reduce_window(x, 0.0, lax.add, (1, 1) + window, (1, 1) + stride, "VALID")
        return s / (window[0] * window[1])

    check_all_modes(lambda x: ns.avg_pool2d(x, window, stride), jax_pool, [x], rng)


def test_avg_pool1d_matches_reduce_window():
    rng = np.random.default_rng(3)
    x = rng.normal(size=(3, 10))
    jax_pool = lambda x: lax.reduce_window(x, 0.0, lax.add, (1, 3), (1, 2), "VALID") / 3  # noqa: E731
    check_all_modes(lambda x: ns.avg_pool1d(x, 3, 2), jax_pool, [x], rng)


# ---- batch normalization -----------------------------------------------------------------

def jax_batch_norm(x, gamma, beta, axis=1, eps=1e-5):
    axes = tuple(i for i in range(x.ndim) if i != axis)
    view = tuple(-1 if i == axis else 1 for i in range(x.ndim))
    mu = jnp.mean(x, axis=axes, keepdims=True)
    var = jnp.mean((x - mu) ** 2, axis=axes, keepdims=True)
    return (x - mu) / jnp.sqrt(var + eps) * gamma.reshape(view) + beta.reshape(view)


@pytest.mark.parametrize("shape, axis", [((5, 3, 4, 4), 1), ((6, 4, 3), -1)])
def test_batch_norm_matches_hand_written_jax(shape, axis):
    rng = np.random.default_rng(4)
    x = rng.normal(size=shape) * 2 + 1
    c = shape[axis]
    gamma, beta = rng.normal(size=c), rng.normal(size=c)
    check_all_modes(lambda x, g, b: ns.batch_norm(x, g, b, axis=axis, eps=1e-3),
                    lambda x, g, b: jax_batch_norm(x, g, b, axis % len(shape), 1e-3), [x, gamma, beta], rng)


def test_batch_norm_statistics_and_finite_differences():
    rng = np.random.default_rng(5)
    x = rng.normal(size=(7, 3, 2, 2))
    y, mu, var = ns.batch_norm(x, eps=0.0, return_stats=True)
    close(mu, x.mean(axis=(0, 2, 3)))
    close(var, x.var(axis=(0, 2, 3)))
    close(y.mean(axis=(0, 2, 3)), np.zeros(3))
    close(y.var(axis=(0, 2, 3)), np.ones(3))
    gamma, beta = rng.normal(size=3), rng.normal(size=3)
    f = ns.function(lambda x, g, b: ns.sum(ns.sin(ns.batch_norm(x, g, b))))
    for k in range(3):
        finite_difference_check(f, [x, gamma, beta], k, rng)


# ---- straight-through sign -----------------------------------------------------------------

@pytest.mark.parametrize("mode", [True, "clipped"])
def test_sign_straight_through_matches_jax_stop_gradient_form(mode):
    rng = np.random.default_rng(6)
    x = rng.normal(size=(4, 5)) * 1.5

    def jax_ste(x):
        surrogate = jnp.clip(x, -1, 1) if mode == "clipped" else x
        return surrogate + lax.stop_gradient(jnp.sign(x) - surrogate)

    check_all_modes(lambda x: ns.sign(x, straight_through=mode) * 1.0, jax_ste, [x], rng, hvp=False)
    # a binary network layer: the gradient in the weights flows through sign(W)
    X = rng.normal(size=(6, 5))
    loss = ns.function(lambda W: ns.sum((X @ ns.sign(W, straight_through=mode)) ** 2))
    j_loss = lambda W: jnp.sum((X @ jax_ste(W)) ** 2)  # noqa: E731
    close(loss.grad(x.T[:, :4]), jax.grad(j_loss)(x.T[:, :4]))


def test_sign_kink_rules():
    f = ns.function(lambda x: ns.sum(ns.sign(x, straight_through="clipped")))
    x = np.array([0.0, 1.0, -1.0, 0.5, 3.0])
    value, g, kinks = f.value_and_grad(x)
    assert value == 2.0
    assert kinks.total == 3          # the jump at 0 and the two slope jumps at ±1
    close(g, [1.0, 0.0, 0.0, 1.0, 0.0])          # s = 0 at ±1
    g1 = f.grad(x, policy=ns.Kinks(relu_at_zero=1.0))
    close(g1, [1.0, 1.0, 1.0, 1.0, 0.0])
    identity = ns.function(lambda x: ns.sum(ns.sign(x, straight_through=True)))
    close(identity.grad(x), np.ones(5))
    plain = ns.function(lambda x: ns.sum(ns.sign(x)))
    close(plain.grad(x), np.zeros(5))
    with pytest.raises(ValueError, match="straight_through"):
        ns.sign(x, straight_through="yes")
    with pytest.raises(ValueError, match="kink"):
        f.grad(x, policy=ns.Kinks(strict=True))
    # stop_gradient: value kept, derivative 0
    h = ns.function(lambda x: ns.sum(x * ns.stop_gradient(x)))
    close(h.grad(np.array([2.0, -3.0])), [2.0, -3.0])


# ---- codebook lookup -----------------------------------------------------------------------

def jax_codebook(z, E, straight_through=True):
    d = jnp.sum((z[..., None, :] - E) ** 2, axis=-1)
    q = E[jnp.argmin(d, axis=-1)]
    return z + lax.stop_gradient(q - z) + (q - lax.stop_gradient(q)) if straight_through else q


@pytest.mark.parametrize("straight_through", [True, False])
def test_codebook_lookup_matches_jax(straight_through):
    rng = np.random.default_rng(7)
    z, E = rng.normal(size=(3, 4, 2)), rng.normal(size=(5, 2))
    check_all_modes(lambda z, E: ns.codebook_lookup(z, E, straight_through),
                    lambda z, E: jax_codebook(z, E, straight_through), [z, E], rng)


def test_codebook_lookup_ties_and_vq_vae_loss():
    E = np.array([[0.0, 0.0], [2.0, 0.0], [0.0, 5.0]])
    z = np.array([[1.0, 0.0], [1.9, 0.1]])    # the first row is equidistant from codes 0 and 1
    f = ns.function(lambda z, E: ns.sum(ns.codebook_lookup(z, E) * np.array([1.0, 2.0])))
    value, (gz, gE), kinks = f.value_and_grad(z, E, wrt=(0, 1))
    assert kinks["codebook_lookup"] == 1
    assert value == 0.0 + 2.0                 # lowest index for the tie, then code 1
    close(gz, [[1.0, 2.0], [1.0, 2.0]])
    close(gE, [[1.0, 2.0], [1.0, 2.0], [0.0, 0.0]])
    # VQ-VAE (van den Oord et al. 2017): reconstruction + codebook + β·commitment
    rng = np.random.default_rng(8)
    z, E, target = rng.normal(size=(6, 2)), rng.normal(size=(4, 2)), rng.normal(size=(6, 2))

    def ns_vq(z, E):
        q = ns.codebook_lookup(z, ns.stop_gradient(E))
        codebook = ns.mean((ns.codebook_lookup(ns.stop_gradient(z), E) - ns.stop_gradient(z)) ** 2)
        return ns.mean((q - target) ** 2) + codebook + 0.25 * ns.mean((z - ns.stop_gradient(q)) ** 2)

    def jax_vq(z, E):
        d = jnp.sum((z[:, None, :] - E) ** 2, axis=-1)
        e = E[jnp.argmin(d, axis=-1)]
        q = z + lax.stop_gradient(e - z)
        return (jnp.mean((q - target) ** 2) + jnp.mean((e - lax.stop_gradient(z)) ** 2)
                + 0.25 * jnp.mean((z - lax.stop_gradient(e)) ** 2))

    g = ns.function(ns_vq)
    value, grads, _ = g.value_and_grad(z, E, wrt=(0, 1))
    jv, jg = jax.value_and_grad(jax_vq, argnums=(0, 1))(z, E)
    close(value, jv)
    for a, b in zip(grads, jg):
        close(a, b)


def test_codebook_lookup_bad_input():
    with pytest.raises(ValueError, match="codebook"):
        ns.codebook_lookup(np.zeros((2, 3)), np.zeros((4, 2)))
    with pytest.raises(ValueError, match="codebook"):
        ns.codebook_lookup(np.zeros((2, 3)), np.zeros((0, 3)))


# ---- Gumbel-softmax ------------------------------------------------------------------------

@pytest.mark.parametrize("hard", [False, True])
def test_gumbel_softmax_matches_jax_on_the_same_noise(hard):
    rng = np.random.default_rng(9)
    logits = rng.normal(size=(4, 5))
    g = ns.gumbel_noise(rng, logits.shape)

    def jax_gs(logits, tau):
        y = jax.nn.softmax((logits + g) / tau, axis=-1)
        if not hard:
            return y
        one_hot = jax.nn.one_hot(jnp.argmax(y, axis=-1), y.shape[-1])
        return one_hot + y - lax.stop_gradient(y)

    tau = np.array(0.7)
    check_all_modes(lambda z, t: ns.gumbel_softmax(z, t, noise=g, hard=hard), jax_gs, [logits, tau], rng,
                    hvp=not hard)
    f = ns.function(lambda z, t: ns.sum(ns.gumbel_softmax(z, t, noise=g) ** 3))
    for k in range(2):
        finite_difference_check(f, [logits, tau], k, rng)


def test_gumbel_softmax_becomes_one_hot_and_samples_the_categorical():
    rng = np.random.default_rng(10)
    logits = np.log(np.array([0.1, 0.2, 0.3, 0.4]))
    n = 20000
    g = ns.gumbel_noise(rng, (n, 4))
    samples = ns.gumbel_softmax(np.broadcast_to(logits, (n, 4)), 1e-3, noise=g)
    # τ → 0: one-hot at argmax(logits + g) (the Gumbel-max trick), with
    # 1 − max ≤ Σ_{j≠k} exp(−(s_k − s_j)/τ) for the perturbed scores s
    s = logits + g
    k = s.argmax(axis=1)
    close(samples.argmax(axis=1), k)
    bound = np.sum(np.exp(-(s.max(axis=1, keepdims=True) - s) / 1e-3), axis=1) - 1
    assert np.all(1 - samples.max(axis=1) <= bound * (1 + 1e-9) + 1e-12)  # rounding of (s/τ) − lse
    assert np.mean(samples.max(axis=1) > 1 - 1e-6) > 0.98
    counts = np.bincount(samples.argmax(axis=1), minlength=4) / n
    assert np.all(np.abs(counts - np.exp(logits)) < 4 * np.sqrt(0.25 / n))
    hard = ns.gumbel_softmax(np.broadcast_to(logits, (n, 4)), 5.0, noise=g, hard=True)
    assert set(np.unique(hard)) == {0.0, 1.0} and np.all(hard.sum(axis=1) == 1)
    close(hard.argmax(axis=1), samples.argmax(axis=1))   # argmax does not depend on τ
    with pytest.raises(ValueError, match="tau"):
        ns.gumbel_softmax(logits, 0.0, noise=g[0])
    with pytest.raises(ValueError, match="noise"):
        ns.function(lambda z: ns.sum(ns.gumbel_softmax(z, 1.0)))(logits)
