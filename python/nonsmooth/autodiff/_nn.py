"""Network layers and discrete choices as traced primitives.

Convolution, pooling, batch normalization, softmax, and the estimators that
let gradients pass through discrete choices (straight-through sign and codebook
lookup, Gumbel-softmax). Like every primitive they record an operation while
tracing and evaluate eagerly on plain arrays; each states its kink rule.
"""
from __future__ import annotations

import numbers

import numpy as np

from ._primitives import (
    _composite, _int, _op, _real, _unary, _window, equal, exp, logsumexp, max, mean as _mean, reshape, square,
)
from ._tracer import Tracer, find_trace


def stop_gradient(x):
    """x itself, with derivative 0 (JAX's ``stop_gradient``, PyTorch's ``detach``).

    Parameters
    ----------
    x : array_like or Tracer

    Returns
    -------
    ndarray or Tracer

    Examples
    --------
    >>> import nonsmooth as ns
    >>> f = ns.function(lambda x: x * ns.stop_gradient(x))
    >>> float(f.grad(3.0))       # d/dx (x · c) with c = x held fixed
    3.0
    """
    return _unary("stop_gradient", x)


def softmax(x, axis: int = -1):
    """exp(x − logsumexp(x)) along ``axis``: probabilities, computed stably. Smooth.

    Parameters
    ----------
    x : array_like or Tracer
    axis : int, default=-1

    Returns
    -------
    ndarray or Tracer

    Examples
    --------
    >>> import numpy as np, nonsmooth as ns
    >>> ns.softmax(np.log([1.0, 3.0])).round(3)
    array([0.25, 0.75])
    """
    a = _int(axis, "axis")
    return _composite(("softmax", a), lambda v: exp(v - logsumexp(v, axis=a, keepdims=True)), [x], ["x"])


def _pair(value, name: str, *, minimum: int) -> list[int]:
    values = list(value) if isinstance(value, (tuple, list)) else [value] * 2
    if len(values) != 2:
        raise ValueError(f"{name}: expected an int or a pair of ints, got {value!r}")
    out = [_int(v, name) for v in values]
    if any(v < minimum for v in out):
        raise ValueError(f"{name}: must be {'positive' if minimum else 'non-negative'}, got {value!r}")
    return out


def conv2d(x, w, b=None, stride=1, padding=0):
    """2-D convolution (cross-correlation, as in deep learning) in NCHW layout.

    Parameters
    ----------
    x : array_like of shape (N, C, H, W)
    w : array_like of shape (F, C, kh, kw)
        Filters.
    b : array_like of shape (F,), optional
        Bias added to each output channel.
    stride : int or (int, int), default=1
    padding : int or (int, int), default=0
        Zeros added on each side of the two spatial axes.

    Returns
    -------
    Array of shape (N, F, Ho, Wo) with Ho = ⌊(H + 2·padding − kh)/stride⌋ + 1,
    equal to ``jax.lax.conv_general_dilated(x, w, stride, [(p, p)] * 2)``.

    Notes
    -----
    Computed by im2col and one matrix product through BLAS; the reverse pass
    scatters the patch cotangents back (col2im). Bilinear: no kink.

    Examples
    --------
    >>> import numpy as np, nonsmooth as ns
    >>> x = np.arange(16.0).reshape(1, 1, 4, 4)
    >>> ns.conv2d(x, np.ones((1, 1, 2, 2)), stride=2)[0, 0]
    array([[10., 18.],
           [42., 50.]])
    """
    s = _pair(stride, "stride", minimum=1)
    p = _pair(padding, "padding", minimum=0)
    y = _op("conv2d", [x, w], ["x", "w"], s + p)
    if b is None:
        return y
    f = (w.shape if isinstance(w, Tracer) else np.shape(w))[0]
    return y + reshape(b, (1, f, 1, 1))


def avg_pool1d(x, window: int, stride: int | None = None):
    """Average pooling over the last axis (valid windows only, stride defaults
    to ``window``), like ``lax.reduce_window`` with ``add`` divided by the
    window size. Linear: no kink.

    Parameters
    ----------
    x : array_like or Tracer
    window : int
        The window length.
    stride : int, optional
        The step between windows (default: ``window``).

    Returns
    -------
    ndarray or Tracer

    Examples
    --------
    >>> ns.avg_pool1d(np.array([1.0, 3.0, 2.0, 0.0, 5.0]), 2)
    array([2., 1.])
    """
    w = _window(window, 1, "window")
    s = _window(stride if stride is not None else window, 1, "stride")
    return _unary("avg_pool1d", x, ints=w + s)


def avg_pool2d(x, window, stride=None):
    """Average pooling over the last two axes with a (h, w) window (an int
    means square) and strides (default: the window). Linear: no kink.

    Parameters
    ----------
    x : array_like or Tracer
    window : int or (int, int)
    stride : int or (int, int), optional

    Returns
    -------
    ndarray or Tracer

    Examples
    --------
    >>> import numpy as np, nonsmooth as ns
    >>> ns.avg_pool2d(np.arange(16.0).reshape(4, 4), 2)
    array([[ 2.5,  4.5],
           [10.5, 12.5]])
    """
    w = _window(window, 2, "window")
    s = _window(stride if stride is not None else window, 2, "stride")
    return _unary("avg_pool2d", x, ints=w + s)


def batch_norm(x, gamma=None, beta=None, axis: int = 1, eps: float = 1e-5, return_stats: bool = False,
               mean=None, var=None):
    """Batch normalization with the statistics of the batch (training mode), or
    with given statistics (evaluation mode).

    y = γ · (x − μ) / √(σ² + ε) + β, with μ and σ² (biased) the mean and
    variance of x over every axis except ``axis`` (the channels), computed
    inside the traced program so that gradients flow through them (Ioffe &
    Szegedy 2015).

    Parameters
    ----------
    x : array_like with at least two dimensions
    gamma, beta : array_like of shape (C,), optional
        Scale and shift per channel (1 and 0 when omitted).
    axis : int, default=1
        The channel axis (1 for NCHW images and for (N, features) matrices).
    eps : float, default=1e-5
    return_stats : bool, default=False
        Also return the batch mean and variance, shape (C,) (what a training
        loop averages into running statistics for evaluation mode:
        ``nonsmooth.train(..., state={"rm": (zeros, 1, 0.1), "rv": (ones, 2, 0.1)})``).
    mean, var : array_like of shape (C,), optional
        Evaluation mode: normalize with these (running) statistics instead of
        the batch's; both or neither.

    Smooth for ε > 0 (the square root never sees 0).

    Examples
    --------
    >>> import numpy as np, nonsmooth as ns
    >>> y = ns.batch_norm(np.array([[1.0, 10.0], [3.0, 30.0]]), eps=0.0)
    >>> y
    array([[-1., -1.],
           [ 1.,  1.]])
    """
    ndim = x.ndim if isinstance(x, Tracer) else np.ndim(x)
    if ndim < 2:
        raise ValueError(f"batch_norm: x needs at least 2 dimensions (batch, channels, ...), got {ndim}")
    a = _int(axis, "axis")
    if not -ndim <= a < ndim:
        raise ValueError(f"batch_norm: axis {axis} is out of bounds for an array of dimension {ndim}")
    a %= ndim
    e = _real(eps, "eps")
    if e < 0:
        raise ValueError(f"eps: must be non-negative, got {e}")
    reduce_axes = tuple(i for i in range(ndim) if i != a)
    view = tuple(-1 if i == a else 1 for i in range(ndim))
    if (mean is None) != (var is None):
        raise ValueError("batch_norm: give both mean and var (evaluation mode) or neither")
    evaluation = mean is not None
    if evaluation and return_stats:
        raise ValueError("batch_norm: return_stats needs the batch statistics (training mode), not given mean/var")
    operands, names = [x], ["x"]
    for value, name in ((mean, "mean"), (var, "var"), (gamma, "gamma"), (beta, "beta")):
        if value is not None:
            operands.append(value)
            names.append(name)

    def normalize(v, *rest):
        rest = list(rest)
        if evaluation:
            mu, variance = reshape(rest.pop(0), view), reshape(rest.pop(0), view)
        else:
            mu = _mean(v, axis=reduce_axes, keepdims=True)
        centered = v - mu
        if not evaluation:
            variance = _mean(square(centered), axis=reduce_axes, keepdims=True)
        y = centered * (variance + e) ** -0.5
        if gamma is not None:
            y = y * reshape(rest.pop(0), view)
        if beta is not None:
            y = y + reshape(rest.pop(0), view)
        if not return_stats:
            return y
        return y, reshape(mu, (-1,)), reshape(variance, (-1,))

    key = ("batch_norm", a, e, evaluation, gamma is not None, beta is not None)
    if return_stats and find_trace(operands) is None:
        return tuple(_composite(key + (k,), lambda *vs, k=k: normalize(*vs)[k], operands, names) for k in range(3))
    return _composite(key, normalize, operands, names)


def sign_straight_through(x, clipped: bool = False):
    """sign(x) whose derivative is 1 (``clipped=False``) or 1 on |x| ≤ 1 and 0
    beyond (``clipped=True``, the estimator of binarized networks, Hubara et
    al. 2016). Equivalent to ``sign(x, straight_through=...)``.

    Parameters
    ----------
    x : array_like or Tracer
    clipped : bool, default=False

    Returns
    -------
    ndarray or Tracer

    Examples
    --------
    >>> f = ns.function(lambda x: ns.sum(ns.sign_straight_through(x, clipped=True)))
    >>> f(np.array([0.5, -2.0])), f.grad(np.array([0.5, -2.0]))
    (np.float64(0.0), array([1., 0.]))
    """
    return _unary("sign_ste", x, ints=[int(bool(clipped))])


def codebook_lookup(z, codebook, straight_through: bool = True):
    """Each row of ``z`` (its last axis) replaced by the nearest row of ``codebook``.

    The vector quantizer of VQ-VAE (van den Oord, Vinyals & Kavukcuoglu 2017):
    k(r) = argminₖ ‖z_r − eₖ‖², output e_{k(r)}.

    Parameters
    ----------
    z : array_like of shape (..., d)
    codebook : array_like of shape (K, d)
    straight_through : bool, default=True
        Derivative in z: the identity (the straight-through estimator, z
        receives the output's cotangent unchanged) or 0 (the true derivative
        almost everywhere).

    Notes
    -----
    The codebook always receives its exact derivative: row k gets the sum of
    the cotangents of the rows that chose it. VQ-VAE's loss is then written
    with :func:`stop_gradient`::

        q = codebook_lookup(z, stop_gradient(E))              # decoder input
        codebook_loss = mean(square(codebook_lookup(stop_gradient(z), E) - stop_gradient(z)))
        commitment = mean(square(z - stop_gradient(q)))

    Kink rule: a row equidistant from several codes takes the lowest index and
    is reported as a kink (in every mode, also lexicographic).

    Examples
    --------
    >>> import numpy as np, nonsmooth as ns
    >>> ns.codebook_lookup(np.array([[0.2, 0.1], [0.9, 1.2]]), np.array([[0.0, 0.0], [1.0, 1.0]]))
    array([[0., 0.],
           [1., 1.]])
    """
    return _op("codebook_lookup", [z, codebook], ["z", "codebook"], [int(bool(straight_through))])


def gumbel_softmax(logits, tau=1.0, noise=None, hard: bool = False, axis: int = -1, rng=None):
    """A relaxed sample of the categorical distribution softmax(logits) (Jang, Gu &
    Poole 2017; Maddison, Mnih & Teh 2017).

    y = softmax((logits + g) / τ) with g i.i.d. standard Gumbel noise. As τ → 0
    the sample tends to the one-hot vector of argmax(logits + g), which is an
    exact sample of the categorical distribution (the Gumbel-max trick).

    Parameters
    ----------
    logits : array_like
    tau : float or array_like, default=1.0
        Temperature τ > 0; a traced scalar argument lets a training loop anneal it.
    noise : array_like, optional
        The Gumbel noise g, shape of ``logits``. Inside a traced function it must
        be an argument of the function: :func:`nonsmooth.train` redraws it from
        its seeded generator at every step when that argument is given the role
        ``noise={"g": "gumbel"}``. Outside tracing it defaults to fresh samples
        from ``rng``.
    hard : bool, default=False
        Return the one-hot vector of the sample's argmax, with the derivative of
        the relaxed sample (straight-through Gumbel-softmax: value one_hot(y),
        derivative dy). Ties (probability 0) give several ones and are reported
        as kinks of the max.
    axis : int, default=-1
        The categories' axis.
    rng : numpy.random.Generator or int, optional
        Source of noise when ``noise`` is omitted outside tracing.

    Examples
    --------
    >>> import numpy as np, nonsmooth as ns
    >>> y = ns.gumbel_softmax(np.log([0.2, 0.8]), tau=0.5, rng=0)
    >>> bool(abs(y.sum() - 1.0) < 1e-12)
    True
    >>> float(ns.gumbel_softmax(np.log([0.2, 0.8]), tau=0.5, rng=0, hard=True).sum())
    1.0
    """
    a = _int(axis, "axis")
    if isinstance(tau, numbers.Real) and not isinstance(tau, np.ndarray):
        t = _real(tau, "tau")
        if t <= 0:
            raise ValueError(f"tau: must be positive, got {t}")
    if noise is None:
        if find_trace([logits, tau]) is not None:
            raise ValueError(
                "gumbel_softmax: pass noise=g with g an argument of the traced function "
                "(nonsmooth.train(..., noise={'g': 'gumbel'}) redraws it at every step)")
        generator = rng if isinstance(rng, np.random.Generator) else np.random.default_rng(rng)
        noise = gumbel_noise(generator, np.shape(logits))
    hard = bool(hard)

    def sample(z, g, temperature):
        y = softmax((z + g) / temperature, axis=a)
        if not hard:
            return y
        one_hot = equal(y, max(y, axis=a, keepdims=True))
        return one_hot + (y - stop_gradient(y))

    return _composite(("gumbel_softmax", a, hard), sample, [logits, noise, tau], ["logits", "noise", "tau"])


def gumbel_noise(rng, shape):
    """Standard Gumbel samples −log(−log U), U uniform on (0, 1), from a NumPy generator.

    The same transform the native training loop applies to its own uniform
    stream (see ``nonsmooth.train(noise=...)``).

    Parameters
    ----------
    rng : numpy.random.Generator
    shape : int or tuple of ints

    Returns
    -------
    ndarray of float64

    Examples
    --------
    >>> g = ns.gumbel_noise(np.random.default_rng(0), (2, 3))
    >>> g.shape, g.dtype
    ((2, 3), dtype('float64'))
    """
    u = rng.random(shape)
    # U = 0 has probability 2⁻⁵³; map it to the smallest positive double so g stays finite.
    u = np.where(u > 0, u, np.nextafter(0.0, 1.0))
    return -np.log(-np.log(u))


__all__ = [
    "avg_pool1d", "avg_pool2d", "batch_norm", "codebook_lookup", "conv2d", "gumbel_noise", "gumbel_softmax",
    "sign_straight_through", "softmax", "stop_gradient",
]
