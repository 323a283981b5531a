"""The primitives of traced programs, under NumPy's names.

Each function records an operation when one of its operands is a traced array
(inside a :func:`nonsmooth.function`) and evaluates eagerly on plain arrays,
with NumPy's broadcasting and the same values the traced program computes.
The derivative rule at each primitive's kinks is stated in its docstring; the
numbers s, a, c and the tie rule come from the active :class:`nonsmooth.Kinks`.
"""
from __future__ import annotations

import math
import numbers
from collections.abc import Sequence

import numpy as np

from .._validation import INT64_MAX, as_int
from ._tracer import Tracer, _as_axes, eager, find_trace


def _op(name: str, operands, names, ints=(), floats=()):
    """One native operation, traced or eager."""
    ints, floats = tuple(int(i) for i in ints), tuple(float(f) for f in floats)
    trace = find_trace(operands)
    if trace is not None:
        return trace.op(name, operands, ints, floats)

    def build(*xs):
        return xs[0]._trace.op(name, xs, ints, floats)

    return eager((name, ints, floats), build, operands, names)


def _composite(key, fn, operands, names):
    """A function of several operations, traced or eager."""
    if find_trace(operands) is not None:
        return fn(*operands)
    return eager(key, fn, operands, names)


def _unary(name: str, x, ints=(), floats=()):
    return _op(name, [x], ["x"], ints, floats)


def _real(value, name: str, *, allow_inf: bool = False) -> float:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name}: expected a real number, got {type(value).__name__}")
    v = float(value)
    if math.isnan(v) or (not allow_inf and math.isinf(v)):
        raise ValueError(f"{name}: must be {'a number' if allow_inf else 'finite'}, got {v}")
    return v


def _reduction(name: str, x, axis, keepdims: bool):
    ndim = x.ndim if isinstance(x, Tracer) else np.ndim(x)
    axes = _as_axes(axis, ndim, name)
    ints = [int(bool(keepdims)), -1] if axes is None else [int(bool(keepdims)), len(axes), *axes]
    return _op(name, [x], ["x"], ints)


# ---- elementwise arithmetic -------------------------------------------------------------

def add(x1, x2):
    """x1 + x2, elementwise with broadcasting. Smooth.

    Parameters
    ----------
    x1, x2 : array_like or Tracer
        The operands, broadcast together.

    Returns
    -------
    ndarray, float or Tracer
        A float for a 0-d result on plain input; a traced array while tracing.

    Examples
    --------
    >>> ns.add(np.array([1.0, 2.0]), 1.0)
    array([2., 3.])
    """
    return _op("add", [x1, x2], ["x1", "x2"])


def subtract(x1, x2):
    """x1 − x2, elementwise with broadcasting. Smooth.

    Parameters
    ----------
    x1, x2 : array_like or Tracer
        The operands, broadcast together.

    Returns
    -------
    ndarray, float or Tracer
        A float for a 0-d result on plain input; a traced array while tracing.

    Examples
    --------
    >>> ns.subtract(np.array([1.0, 2.0]), np.array([[1.0], [2.0]]))
    array([[ 0.,  1.],
           [-1.,  0.]])
    """
    return _op("subtract", [x1, x2], ["x1", "x2"])


def multiply(x1, x2):
    """x1 · x2, elementwise with broadcasting. Smooth.

    Parameters
    ----------
    x1, x2 : array_like or Tracer
        The operands, broadcast together.

    Returns
    -------
    ndarray, float or Tracer
        A float for a 0-d result on plain input; a traced array while tracing.

    Examples
    --------
    >>> ns.multiply(np.array([1.0, 2.0]), 3.0)
    array([3., 6.])
    """
    return _op("multiply", [x1, x2], ["x1", "x2"])


def divide(x1, x2):
    """x1 / x2, elementwise with broadcasting.

    Kink rule: at x2 = 0 (a singular point) the derivative is taken as 0 and
    the point is reported as a kink (an error in strict mode).

    Parameters
    ----------
    x1, x2 : array_like or Tracer
        The operands, broadcast together.

    Returns
    -------
    ndarray, float or Tracer
        A float for a 0-d result on plain input; a traced array while tracing.

    Examples
    --------
    >>> ns.divide(np.array([1.0, 2.0]), 4.0)
    array([0.25, 0.5 ])
    >>> ns.function(lambda y: ns.divide(1.0, y)).value_and_grad(np.array([0.0]))   # reported
    (array([inf]), array([0.]), KinkReport(divide=1))
    """
    return _op("divide", [x1, x2], ["x1", "x2"])


def negative(x):
    """−x. Smooth.

    Parameters
    ----------
    x : array_like or Tracer
        The input (a traced array inside a :func:`nonsmooth.function`).

    Returns
    -------
    ndarray, float or Tracer
        A float for a 0-d result on plain input; a traced array while tracing.

    Examples
    --------
    >>> ns.negative(np.array([1.0, -2.0]))
    array([-1.,  2.])
    """
    return _unary("negative", x)


def power(x1, x2):
    """x1 ** x2, elementwise with broadcasting.

    With a constant exponent p < 1 the derivative at x1 = 0 is taken as 0
    (reported). The derivative in x2 uses log x1 and is taken as 0 where x1 ≤ 0.

    Parameters
    ----------
    x1, x2 : array_like or Tracer
        The operands, broadcast together.

    Returns
    -------
    ndarray, float or Tracer
        A float for a 0-d result on plain input; a traced array while tracing.

    Examples
    --------
    >>> ns.power(np.array([4.0, 9.0]), 0.5)
    array([2., 3.])
    >>> ns.function(lambda x: ns.sum(ns.power(x, 0.5))).grad(np.array([0.0, 4.0]))
    array([0.  , 0.25])
    """
    if isinstance(x2, numbers.Real) and not isinstance(x2, np.ndarray):
        return _unary("power_scalar", x1, floats=[_real(x2, "x2")])
    return _op("power", [x1, x2], ["x1", "x2"])


def square(x):
    """x². Smooth.

    Parameters
    ----------
    x : array_like or Tracer
        The input (a traced array inside a :func:`nonsmooth.function`).

    Returns
    -------
    ndarray, float or Tracer
        A float for a 0-d result on plain input; a traced array while tracing.

    Examples
    --------
    >>> ns.square(np.array([-3.0, 0.5]))
    array([9.  , 0.25])
    """
    return _unary("square", x)


def reciprocal(x):
    """1/x; at x = 0 the derivative is taken as 0 (reported as a singular point).

    Parameters
    ----------
    x : array_like or Tracer
        The input (a traced array inside a :func:`nonsmooth.function`).

    Returns
    -------
    ndarray, float or Tracer
        A float for a 0-d result on plain input; a traced array while tracing.

    Examples
    --------
    >>> ns.reciprocal(np.array([2.0, -4.0]))
    array([ 0.5 , -0.25])
    """
    return _unary("reciprocal", x)


def sqrt(x):
    """√x.

    Kink rule: sqrt'(0) = +∞ is replaced by 0 (reported; strict mode raises).
    Because only the selected branch of :func:`where` is differentiated,
    ``where(x > 0, sqrt(x), x)`` at x = −1 has derivative 1, not NaN.

    Parameters
    ----------
    x : array_like or Tracer
        The input (a traced array inside a :func:`nonsmooth.function`).

    Returns
    -------
    ndarray, float or Tracer
        A float for a 0-d result on plain input; a traced array while tracing.

    Examples
    --------
    >>> ns.sqrt(np.array([0.0, 4.0]))
    array([0., 2.])
    >>> ns.function(lambda x: ns.sum(ns.sqrt(x))).grad(np.array([0.0, 4.0]))   # 0 at the kink
    array([0.  , 0.25])
    """
    return _unary("sqrt", x)


def exp(x):
    """eˣ. Smooth.

    Parameters
    ----------
    x : array_like or Tracer
        The input (a traced array inside a :func:`nonsmooth.function`).

    Returns
    -------
    ndarray, float or Tracer
        A float for a 0-d result on plain input; a traced array while tracing.

    Examples
    --------
    >>> ns.exp(np.array([0.0, 1.0]))
    array([1.        , 2.71828183])
    """
    return _unary("exp", x)


def log(x):
    """Natural logarithm; log'(0) is taken as 0 (reported as a singular point).

    Parameters
    ----------
    x : array_like or Tracer
        The input (a traced array inside a :func:`nonsmooth.function`).

    Returns
    -------
    ndarray, float or Tracer
        A float for a 0-d result on plain input; a traced array while tracing.

    Examples
    --------
    >>> ns.log(np.array([1.0, np.e]))
    array([0., 1.])
    """
    return _unary("log", x)


def log1p(x):
    """log(1 + x), accurate near 0; the derivative at x = −1 is taken as 0 (reported).

    Parameters
    ----------
    x : array_like or Tracer
        The input (a traced array inside a :func:`nonsmooth.function`).

    Returns
    -------
    ndarray, float or Tracer
        A float for a 0-d result on plain input; a traced array while tracing.

    Examples
    --------
    >>> ns.log1p(np.array([0.0, 1e-10]))
    array([0.e+00, 1.e-10])
    """
    return _unary("log1p", x)


def sin(x):
    """sin x. Smooth.

    Parameters
    ----------
    x : array_like or Tracer
        The input (a traced array inside a :func:`nonsmooth.function`).

    Returns
    -------
    ndarray, float or Tracer
        A float for a 0-d result on plain input; a traced array while tracing.

    Examples
    --------
    >>> ns.sin(np.array([0.0, np.pi / 2]))
    array([0., 1.])
    """
    return _unary("sin", x)


def cos(x):
    """cos x. Smooth.

    Parameters
    ----------
    x : array_like or Tracer
        The input (a traced array inside a :func:`nonsmooth.function`).

    Returns
    -------
    ndarray, float or Tracer
        A float for a 0-d result on plain input; a traced array while tracing.

    Examples
    --------
    >>> ns.cos(np.array([0.0, np.pi]))
    array([ 1., -1.])
    """
    return _unary("cos", x)


def tanh(x):
    """tanh x. Smooth.

    Parameters
    ----------
    x : array_like or Tracer
        The input (a traced array inside a :func:`nonsmooth.function`).

    Returns
    -------
    ndarray, float or Tracer
        A float for a 0-d result on plain input; a traced array while tracing.

    Examples
    --------
    >>> ns.tanh(np.array([0.0, 1.0]))
    array([0.        , 0.76159416])
    """
    return _unary("tanh", x)


def sigmoid(x):
    """σ(x) = 1 / (1 + e⁻ˣ), computed without overflow. Smooth.

    Parameters
    ----------
    x : array_like or Tracer
        The input (a traced array inside a :func:`nonsmooth.function`).

    Returns
    -------
    ndarray, float or Tracer
        A float for a 0-d result on plain input; a traced array while tracing.

    Examples
    --------
    >>> ns.sigmoid(np.array([-1000.0, 0.0, 1000.0]))        # no overflow
    array([0. , 0.5, 1. ])
    """
    return _unary("sigmoid", x)


def softplus(x):
    """log(1 + eˣ), computed without overflow; a smooth approximation of relu.

    Parameters
    ----------
    x : array_like or Tracer
        The input (a traced array inside a :func:`nonsmooth.function`).

    Returns
    -------
    ndarray, float or Tracer
        A float for a 0-d result on plain input; a traced array while tracing.

    Examples
    --------
    >>> ns.softplus(np.array([-1000.0, 0.0, 1000.0]))
    array([0.00000000e+00, 6.93147181e-01, 1.00000000e+03])
    """
    return _unary("softplus", x)


def gelu(x, approximate: bool = False):
    """GELU: x·Φ(x) with Φ the standard normal CDF (``approximate=True``: the
    tanh approximation 0.5·x·(1 + tanh(√(2/π)(x + 0.044715x³)))). Smooth.

    Parameters
    ----------
    x : array_like or Tracer
        The input (a traced array inside a :func:`nonsmooth.function`).
    approximate : bool, default=False
        Use the tanh approximation.

    Returns
    -------
    ndarray, float or Tracer
        A float for a 0-d result on plain input; a traced array while tracing.

    Examples
    --------
    >>> ns.gelu(np.array([-1.0, 0.0, 1.0]))
    array([-0.15865525,  0.        ,  0.84134475])
    >>> ns.gelu(np.array([-1.0, 0.0, 1.0]), approximate=True)
    array([-0.15880801,  0.        ,  0.84119199])
    """
    return _unary("gelu", x, ints=[int(bool(approximate))])


# ---- piecewise-linear primitives --------------------------------------------------------

def relu(x):
    """max(x, 0), elementwise.

    Kink rule: relu'(0) = s (``Kinks.relu_at_zero``, 0 by default). The same s
    is used by ``maximum(x, 0)`` and ``clip(x, 0, inf)`` at 0.

    Parameters
    ----------
    x : array_like or Tracer
        The input (a traced array inside a :func:`nonsmooth.function`).

    Returns
    -------
    ndarray, float or Tracer
        A float for a 0-d result on plain input; a traced array while tracing.

    Examples
    --------
    >>> x = np.array([-1.0, 0.0, 2.0])
    >>> ns.relu(x)
    array([0., 0., 2.])
    >>> f = ns.function(lambda x: ns.sum(ns.relu(x)))
    >>> f.grad(x), f.grad(x, policy=ns.Kinks(relu_at_zero=1.0))
    (array([0., 0., 1.]), array([0., 1., 1.]))
    """
    return _unary("relu", x)


def leaky_relu(x, negative_slope: float = 0.01):
    """x for x ≥ 0, α·x below (α = ``negative_slope``).

    Kink rule: derivative α + (1 − α)·s at 0, i.e. the slope jump is weighted by s.

    Parameters
    ----------
    x : array_like or Tracer
        The input (a traced array inside a :func:`nonsmooth.function`).
    negative_slope : float, default=0.01
        α, the slope below 0.

    Returns
    -------
    ndarray, float or Tracer
        A float for a 0-d result on plain input; a traced array while tracing.

    Examples
    --------
    >>> ns.leaky_relu(np.array([-2.0, 0.0, 3.0]), negative_slope=0.1)
    array([-0.2,  0. ,  3. ])
    >>> ns.function(lambda x: ns.sum(ns.leaky_relu(x, 0.1))).grad(np.array([-2.0, 0.0, 3.0]))
    array([0.1, 0.1, 1. ])
    """
    return _unary("leaky_relu", x, floats=[_real(negative_slope, "negative_slope")])


def abs(x):
    """|x|, elementwise.

    Kink rule: abs'(0) = a (``Kinks.abs_at_zero`` ∈ [−1, 1], 0 by default),
    the same for +0 and −0.

    Parameters
    ----------
    x : array_like or Tracer
        The input (a traced array inside a :func:`nonsmooth.function`).

    Returns
    -------
    ndarray, float or Tracer
        A float for a 0-d result on plain input; a traced array while tracing.

    Examples
    --------
    >>> x = np.array([-2.0, 0.0, 3.0])
    >>> ns.abs(x)
    array([2., 0., 3.])
    >>> f = ns.function(lambda x: ns.sum(ns.abs(x)))
    >>> f.grad(x), f.grad(x, policy=ns.Kinks(abs_at_zero=1.0))
    (array([-1.,  0.,  1.]), array([-1.,  1.,  1.]))
    """
    return _unary("abs", x)


absolute = abs


def sign(x, straight_through=False):
    """sign(x) ∈ {−1, 0, 1}.

    Parameters
    ----------
    x : array_like or Tracer
    straight_through : bool or "clipped", default=False
        The derivative: 0 everywhere (False, the true derivative away from 0),
        1 everywhere (True, the straight-through estimator), or 1 on |x| ≤ 1 and
        0 beyond ("clipped", the derivative of clip(x, −1, 1): the estimator of
        binarized networks, Hubara et al. 2016).

    Kink rule: x = 0 is reported as a kink (the jump of sign); with "clipped"
    the slope jumps at |x| = 1 use s (``Kinks.relu_at_zero``), as :func:`clip` does.

    Returns
    -------
    ndarray, float or Tracer
        A float for a 0-d result on plain input; a traced array while tracing.

    Examples
    --------
    >>> ns.sign(np.array([-2.0, 0.0, 3.0]))
    array([-1.,  0.,  1.])
    >>> f = ns.function(lambda x: ns.sign(x, straight_through="clipped") * 3.0)
    >>> float(f(0.5)), float(f.grad(0.5)), float(f.grad(2.0))
    (3.0, 3.0, 0.0)
    """
    if straight_through is False or straight_through is None:
        return _unary("sign", x)
    if straight_through is True or straight_through == "clipped":
        return _unary("sign_ste", x, ints=[int(straight_through == "clipped")])
    raise ValueError(f"straight_through: expected False, True or 'clipped', got {straight_through!r}")


def maximum(x1, x2):
    """Elementwise maximum with broadcasting.

    Kink rule: at a tie x1 = x2 the derivative is s for x1 and 1 − s for x2
    (s = ``Kinks.relu_at_zero``), so ``maximum(x, 0)`` behaves as ``relu(x)``.

    Parameters
    ----------
    x1, x2 : array_like or Tracer
        The operands, broadcast together.

    Returns
    -------
    ndarray, float or Tracer
        A float for a 0-d result on plain input; a traced array while tracing.

    Examples
    --------
    >>> ns.maximum(np.array([-1.0, 0.0, 2.0]), 0.0)
    array([0., 0., 2.])
    >>> ns.function(lambda a, b: ns.maximum(a, b)).grad(1.0, 1.0, policy=ns.Kinks(relu_at_zero=0.5))
    np.float64(0.5)
    """
    return _op("maximum", [x1, x2], ["x1", "x2"])


def minimum(x1, x2):
    """Elementwise minimum with broadcasting.

    Kink rule: at a tie x1 = x2 the derivative is s for x1 and 1 − s for x2.

    Parameters
    ----------
    x1, x2 : array_like or Tracer
        The operands, broadcast together.

    Returns
    -------
    ndarray, float or Tracer
        A float for a 0-d result on plain input; a traced array while tracing.

    Examples
    --------
    >>> ns.minimum(np.array([-1.0, 0.0, 2.0]), 1.0)
    array([-1.,  0.,  1.])
    """
    return _op("minimum", [x1, x2], ["x1", "x2"])


def clip(x, a_min, a_max):
    """min(max(x, a_min), a_max), elementwise.

    Kink rule: derivative s (``Kinks.relu_at_zero``) at both bounds, so
    ``clip(x, 0, inf)`` has the derivative of ``relu(x)`` at 0.

    Parameters
    ----------
    x : array_like or Tracer
    a_min, a_max : float or array_like
        Bounds (±inf allowed for scalars). Array bounds are broadcast and
        written as ``minimum(maximum(x, a_min), a_max)``, which follows the
        same rule.

    Returns
    -------
    ndarray, float or Tracer
        A float for a 0-d result on plain input; a traced array while tracing.

    Examples
    --------
    >>> ns.clip(np.array([-2.0, 0.5, 3.0]), -1.0, 1.0)
    array([-1. ,  0.5,  1. ])
    >>> ns.function(lambda x: ns.sum(ns.clip(x, -1.0, 1.0))).grad(np.array([-1.0, 0.5, 3.0]))
    array([0., 1., 0.])
    """
    if all(isinstance(b, numbers.Real) and not isinstance(b, np.ndarray) for b in (a_min, a_max)):
        lo, hi = _real(a_min, "a_min", allow_inf=True), _real(a_max, "a_max", allow_inf=True)
        if lo > hi:
            raise ValueError(f"clip: needs a_min <= a_max, got {lo} and {hi}")
        return _unary("clip", x, floats=[lo, hi])
    return _composite(("clip-array",), lambda v, lo, hi: minimum(maximum(v, lo), hi),
                      [x, a_min, a_max], ["x", "a_min", "a_max"])


def soft_threshold(x, threshold):
    """sign(x)·max(|x| − t, 0): the proximal operator of t‖·‖₁.

    ``threshold`` is a non-negative number or an array (traced or not, e.g. a
    hyperparameter being differentiated); array thresholds are broadcast and
    written as ``relu(x − t) − relu(−x − t)``, which follows the same rule.

    Kink rule: derivative s (``Kinks.relu_at_zero``) at |x| = t.

    Parameters
    ----------
    x : array_like or Tracer
        The input (a traced array inside a :func:`nonsmooth.function`).
    threshold : float or array_like or Tracer
        t ≥ 0 (a traced threshold is differentiated too).

    Returns
    -------
    ndarray, float or Tracer
        A float for a 0-d result on plain input; a traced array while tracing.

    Examples
    --------
    >>> ns.soft_threshold(np.array([-2.0, 0.5, 3.0]), 1.0)
    array([-1.,  0.,  2.])
    >>> ns.function(lambda t: ns.sum(ns.soft_threshold(np.array([-2.0, 0.5, 3.0]), t))).grad(1.0)
    np.float64(0.0)
    """
    if not (isinstance(threshold, numbers.Real) and not isinstance(threshold, np.ndarray)):
        return _composite(("soft_threshold-array",), lambda v, t: relu(v - t) - relu(-v - t),
                          [x, threshold], ["x", "threshold"])
    t = _real(threshold, "threshold")
    if t < 0:
        raise ValueError(f"threshold: must be non-negative, got {t}")
    return _unary("soft_threshold", x, floats=[t])


def hinge(x):
    """max(0, 1 − x), elementwise (the hinge loss of a margin x).

    Kink rule: derivative −s at x = 1 (s = ``Kinks.relu_at_zero``).

    Parameters
    ----------
    x : array_like or Tracer
        The input (a traced array inside a :func:`nonsmooth.function`).

    Returns
    -------
    ndarray, float or Tracer
        A float for a 0-d result on plain input; a traced array while tracing.

    Examples
    --------
    >>> ns.hinge(np.array([-1.0, 1.0, 2.0]))
    array([2., 0., 0.])
    """
    return _unary("hinge", x)


def huber(x, delta: float = 1.0):
    """Huber function: x²/2 for |x| ≤ δ, δ(|x| − δ/2) beyond. Once continuously
    differentiable (no kink); its second derivative jumps at |x| = δ.

    Parameters
    ----------
    x : array_like or Tracer
        The input (a traced array inside a :func:`nonsmooth.function`).
    delta : float, default=1.0
        δ > 0.

    Returns
    -------
    ndarray, float or Tracer
        A float for a 0-d result on plain input; a traced array while tracing.

    Examples
    --------
    >>> ns.huber(np.array([0.5, 3.0]), delta=1.0)
    array([0.125, 2.5  ])
    """
    d = _real(delta, "delta")
    if d <= 0:
        raise ValueError(f"delta: must be positive, got {d}")
    return _unary("huber", x, floats=[d])


def round(x, straight_through: bool = False):
    """Round half to even, elementwise. Derivative 0, or 1 with the
    straight-through estimator (``straight_through=True``).

    Parameters
    ----------
    x : array_like or Tracer
        The input (a traced array inside a :func:`nonsmooth.function`).
    straight_through : bool, default=False
        Use the straight-through estimator (derivative 1).

    Returns
    -------
    ndarray, float or Tracer
        A float for a 0-d result on plain input; a traced array while tracing.

    Examples
    --------
    >>> ns.round(np.array([0.5, 1.5, 2.4]))
    array([0., 2., 2.])
    >>> ns.function(lambda x: ns.sum(ns.round(x, straight_through=True))).grad(np.array([0.4, 1.6]))
    array([1., 1.])
    """
    return _unary("round", x, ints=[int(bool(straight_through))])


def floor(x, straight_through: bool = False):
    """Floor, elementwise. Derivative 0, or 1 with ``straight_through=True``.

    Parameters
    ----------
    x : array_like or Tracer
        The input (a traced array inside a :func:`nonsmooth.function`).
    straight_through : bool, default=False
        Use the straight-through estimator (derivative 1).

    Returns
    -------
    ndarray, float or Tracer
        A float for a 0-d result on plain input; a traced array while tracing.

    Examples
    --------
    >>> ns.floor(np.array([-0.5, 1.5]))
    array([-1.,  1.])
    """
    return _unary("floor", x, ints=[int(bool(straight_through))])


def where(condition, x, y):
    """x where condition is true (nonzero), else y, with broadcasting.

    Only the selected branch is differentiated, so NaN or infinite derivatives
    of the branch not taken never leak: ``where(x > 0, sqrt(x), x)`` at x = −1
    has derivative 1. The condition has derivative 0.

    Parameters
    ----------
    condition : array_like or Tracer
        Nonzero (true) where ``x`` is taken.
    x, y : array_like or Tracer
        The two branches, broadcast with ``condition``.

    Returns
    -------
    ndarray, float or Tracer
        A float for a 0-d result on plain input; a traced array while tracing.

    Examples
    --------
    >>> x = np.array([-1.0, 4.0])
    >>> ns.where(x > 0, x, 0.0)
    array([0., 4.])
    >>> ns.function(lambda x: ns.where(x > 0, ns.sqrt(x), x)).grad(-1.0)   # 1.0, not NaN
    np.float64(1.0)
    """
    if find_trace([condition, x, y]) is None:
        condition = np.asarray(condition)
        if condition.dtype.kind not in "biuf":
            raise TypeError(f"condition: expected a boolean or numeric array, got dtype {condition.dtype}")
        condition = condition != 0
    return _op("where", [condition, x, y], ["condition", "x", "y"])


# ---- comparisons: boolean masks (1.0 / 0.0 while tracing) --------------------------------

def _comparison(name: str, doc: str, example: str):
    """The comparison primitive ``name``; ``example`` is the output of its
    docstring's example, ``name([1, 2, 3], 2)``."""
    numpy_fn = getattr(np, name)

    def compare(x1, x2):
        if find_trace([x1, x2]) is not None:
            return _op(name, [x1, x2], ["x1", "x2"])
        return numpy_fn(np.asarray(x1, dtype=np.float64), np.asarray(x2, dtype=np.float64))

    compare.__name__ = compare.__qualname__ = name
    compare.__doc__ = f"""x1 {doc} x2, elementwise with broadcasting: a boolean array (a 1.0/0.0
    mask while tracing) for :func:`where`. Derivative 0.

    Parameters
    ----------
    x1, x2 : array_like or Tracer

    Returns
    -------
    ndarray of bool, or Tracer (a mask of 1.0 and 0.0)

    Examples
    --------
    >>> ns.{name}(np.array([1.0, 2.0, 3.0]), 2.0)
    {example}
    """
    return compare


greater = _comparison("greater", ">", "array([False, False,  True])")
greater_equal = _comparison("greater_equal", "≥", "array([False,  True,  True])")
less = _comparison("less", "<", "array([ True, False, False])")
less_equal = _comparison("less_equal", "≤", "array([ True,  True, False])")
equal = _comparison("equal", "==", "array([False,  True, False])")
not_equal = _comparison("not_equal", "≠", "array([ True, False,  True])")


# ---- reductions -------------------------------------------------------------------------

def sum(x, axis=None, keepdims: bool = False):
    """Σ x over the axes. Smooth.

    Parameters
    ----------
    x : array_like or Tracer
    axis : int, tuple of ints or None, default=None
        Axes to reduce (all when None).
    keepdims : bool, default=False
        Keep the reduced axes with length 1.

    Returns
    -------
    float, ndarray or Tracer

    Examples
    --------
    >>> ns.sum(np.array([[1.0, 2.0], [3.0, 4.0]]), axis=0)
    array([4., 6.])
    >>> ns.function(lambda x: ns.sum(x ** 2)).grad(np.array([1.0, -2.0]))
    array([ 2., -4.])
    """
    return _reduction("sum", x, axis, keepdims)


def mean(x, axis=None, keepdims: bool = False):
    """The mean of x over the axes. Smooth.

    Parameters
    ----------
    x : array_like or Tracer
    axis : int, tuple of ints or None, default=None
        Axes to reduce (all when None).
    keepdims : bool, default=False
        Keep the reduced axes with length 1.

    Returns
    -------
    float, ndarray or Tracer

    Examples
    --------
    >>> ns.mean(np.array([[1.0, 2.0], [3.0, 4.0]]), axis=1, keepdims=True)
    array([[1.5],
           [3.5]])
    """
    return _reduction("mean", x, axis, keepdims)


def max(x, axis=None, keepdims: bool = False):
    """The largest entry over the axes.

    Kink rule: at a tie the derivative goes to the lowest index, or is split
    evenly among the tied entries (``Kinks.ties``).

    Parameters
    ----------
    x : array_like or Tracer
    axis : int, tuple of ints or None, default=None
        Axes to reduce (all when None).
    keepdims : bool, default=False
        Keep the reduced axes with length 1.

    Returns
    -------
    float, ndarray or Tracer

    Examples
    --------
    >>> x = np.array([3.0, 1.0, 3.0])
    >>> ns.max(x)
    np.float64(3.0)
    >>> f = ns.function(lambda x: ns.max(x))
    >>> f.grad(x), f.grad(x, policy=ns.Kinks(ties="split"))
    (array([1., 0., 0.]), array([0.5, 0. , 0.5]))
    """
    return _reduction("max", x, axis, keepdims)


def min(x, axis=None, keepdims: bool = False):
    """The smallest entry over the axes.

    Kink rule: ties as for :func:`max` (``Kinks.ties``).

    Parameters
    ----------
    x : array_like or Tracer
    axis : int, tuple of ints or None, default=None
        Axes to reduce (all when None).
    keepdims : bool, default=False
        Keep the reduced axes with length 1.

    Returns
    -------
    float, ndarray or Tracer

    Examples
    --------
    >>> ns.min(np.array([[3.0, 1.0], [0.0, 2.0]]), axis=1)
    array([1., 0.])
    """
    return _reduction("min", x, axis, keepdims)


def norm1(x, axis=None, keepdims: bool = False):
    """‖x‖₁ = Σ|xᵢ| over the axes.

    Kink rule: zero entries get derivative a (``Kinks.abs_at_zero``), as for
    :func:`abs`.

    Parameters
    ----------
    x : array_like or Tracer
    axis : int, tuple of ints or None, default=None
        Axes to reduce (all when None).
    keepdims : bool, default=False
        Keep the reduced axes with length 1.

    Returns
    -------
    float, ndarray or Tracer

    Examples
    --------
    >>> ns.norm1(np.array([-1.0, 0.0, 2.0]))
    np.float64(3.0)
    >>> ns.function(lambda x: ns.norm1(x)).grad(np.array([-1.0, 0.0, 2.0]))
    array([-1.,  0.,  1.])
    """
    return _reduction("norm1", x, axis, keepdims)


def norm2(x, axis=None, keepdims: bool = False):
    """‖x‖₂ = √(Σ xᵢ²) over the axes; gradient x/‖x‖₂.

    Kink rule: at x = 0 the gradient is c·(1, …, 1)/√n with
    c = ``Kinks.norm2_at_zero`` ∈ [−1, 1] (0 by default), never NaN.

    Parameters
    ----------
    x : array_like or Tracer
    axis : int, tuple of ints or None, default=None
        Axes to reduce (all when None).
    keepdims : bool, default=False
        Keep the reduced axes with length 1.

    Returns
    -------
    float, ndarray or Tracer

    Examples
    --------
    >>> ns.norm2(np.array([3.0, 4.0]))
    np.float64(5.0)
    >>> f = ns.function(lambda x: ns.norm2(x))
    >>> f.grad(np.array([3.0, 4.0])), f.grad(np.zeros(2))
    (array([0.6, 0.8]), array([0., 0.]))
    """
    return _reduction("norm2", x, axis, keepdims)


def norm_inf(x, axis=None, keepdims: bool = False):
    """‖x‖∞ = max |xᵢ| over the axes.

    Kink rule: ties of |xᵢ| follow ``Kinks.ties``; a zero maximum uses
    a = ``Kinks.abs_at_zero`` as the sign.

    Parameters
    ----------
    x : array_like or Tracer
    axis : int, tuple of ints or None, default=None
        Axes to reduce (all when None).
    keepdims : bool, default=False
        Keep the reduced axes with length 1.

    Returns
    -------
    float, ndarray or Tracer

    Examples
    --------
    >>> ns.norm_inf(np.array([[1.0, -3.0], [2.0, 0.5]]), axis=1)
    array([3., 2.])
    """
    return _reduction("norm_inf", x, axis, keepdims)


def logsumexp(x, axis=None, keepdims: bool = False):
    """log Σ exp(xᵢ) over the axes, computed stably. Smooth.

    Parameters
    ----------
    x : array_like or Tracer
    axis : int, tuple of ints or None, default=None
        Axes to reduce (all when None).
    keepdims : bool, default=False
        Keep the reduced axes with length 1.

    Returns
    -------
    float, ndarray or Tracer

    Examples
    --------
    >>> ns.logsumexp(np.array([1000.0, 1000.0]))            # no overflow
    np.float64(1000.6931471805599)
    >>> ns.function(lambda x: ns.logsumexp(x)).grad(np.array([0.0, np.log(3.0)]))   # softmax
    array([0.25, 0.75])
    """
    return _reduction("logsumexp", x, axis, keepdims)


amax, amin = max, min


# ---- linear algebra, sorting, losses, pooling -------------------------------------------

def matmul(x1, x2):
    """Matrix product of 1-D or 2-D operands (NumPy rules), through BLAS. Smooth.

    Parameters
    ----------
    x1, x2 : array_like or Tracer
        The operands, broadcast together.

    Returns
    -------
    ndarray, float or Tracer
        A float for a 0-d result on plain input; a traced array while tracing.

    Examples
    --------
    >>> A = np.array([[1.0, 2.0], [3.0, 4.0]])
    >>> ns.matmul(A, np.array([1.0, -1.0]))
    array([-1., -1.])
    >>> ns.function(lambda w: ns.sum(A @ w)).grad(np.zeros(2))
    array([4., 6.])
    """
    return _op("matmul", [x1, x2], ["x1", "x2"])


def sort(x, axis: int = -1):
    """Sorted copy of x along ``axis`` (ascending).

    Kink rule: equal entries are a kink; their derivatives are assigned to the
    sorted positions in index order (``ties="lowest"``) or averaged over the
    tied group (``ties="split"``).

    Parameters
    ----------
    x : array_like or Tracer
        The input (a traced array inside a :func:`nonsmooth.function`).
    axis : int, default=-1
        The axis to sort along.

    Returns
    -------
    ndarray, float or Tracer
        A float for a 0-d result on plain input; a traced array while tracing.

    Examples
    --------
    >>> ns.sort(np.array([3.0, -1.0, 2.0]))
    array([-1.,  2.,  3.])
    >>> ns.function(lambda x: ns.sort(x)[0]).grad(np.array([3.0, -1.0, 2.0]))   # d min
    array([0., 1., 0.])
    """
    return _unary("sort", x, ints=[_int(axis, "axis")])


def softmax_cross_entropy(logits, targets, axis: int = -1):
    """−Σⱼ targetsⱼ · log softmax(logits)ⱼ along ``axis`` (which the result drops).

    ``targets`` are probabilities (e.g. one-hot), broadcast to the logits'
    shape. Smooth in both arguments; computed stably.

    Parameters
    ----------
    logits : array_like or Tracer
    targets : array_like or Tracer
        Probabilities along ``axis`` (e.g. one-hot), broadcast to ``logits``.
    axis : int, default=-1
        The class axis, dropped from the result.

    Returns
    -------
    ndarray, float or Tracer
        A float for a 0-d result on plain input; a traced array while tracing.

    Examples
    --------
    >>> ns.softmax_cross_entropy(np.array([[0.0, 0.0]]), np.array([[1.0, 0.0]]))   # log 2
    array([0.69314718])
    """
    return _op("softmax_cross_entropy", [logits, targets], ["logits", "targets"], [_int(axis, "axis")])


def _int(value, name: str) -> int:
    return as_int(value, name, low=-INT64_MAX)


def _window(value, d: int, name: str) -> list[int]:
    values = list(value) if isinstance(value, (tuple, list)) else [value] * d
    if len(values) != d:
        raise ValueError(f"{name}: expected {d} value(s), got {value!r}")
    out = [_int(v, name) for v in values]
    if any(v < 1 for v in out):
        raise ValueError(f"{name}: must be positive, got {value!r}")
    return out


def max_pool1d(x, window: int, stride: int | None = None):
    """Max pooling over the last axis: windows of ``window`` entries every
    ``stride`` (default ``window``); partial windows at the end are dropped.

    Kink rule: equal entries in a window follow ``Kinks.ties``; overlapping
    windows each send their derivative independently.

    Parameters
    ----------
    x : array_like or Tracer
        The input (a traced array inside a :func:`nonsmooth.function`).
    window : int
        The window length.
    stride : int, optional
        The step between windows (default: ``window``).

    Returns
    -------
    ndarray, float or Tracer
        A float for a 0-d result on plain input; a traced array while tracing.

    Examples
    --------
    >>> ns.max_pool1d(np.array([1.0, 3.0, 2.0, 0.0, 5.0]), 2)
    array([3., 2.])
    """
    w = _window(window, 1, "window")
    s = _window(stride if stride is not None else window, 1, "stride")
    return _unary("max_pool1d", x, ints=w + s)


def max_pool2d(x, window, stride=None):
    """Max pooling over the last two axes with a (h, w) window (an int means
    square) and strides (default: the window). Kink rule as :func:`max_pool1d`.

    Parameters
    ----------
    x : array_like or Tracer
        The input (a traced array inside a :func:`nonsmooth.function`).
    window : int or (int, int)
        The (height, width) of the window; an int means square.
    stride : int or (int, int), optional
        The steps between windows (default: the window).

    Returns
    -------
    ndarray, float or Tracer
        A float for a 0-d result on plain input; a traced array while tracing.

    Examples
    --------
    >>> ns.max_pool2d(np.arange(16.0).reshape(4, 4), 2)
    array([[ 5.,  7.],
           [13., 15.]])
    """
    w = _window(window, 2, "window")
    s = _window(stride if stride is not None else window, 2, "stride")
    return _unary("max_pool2d", x, ints=w + s)


# ---- structure (data movement only: NumPy itself on plain arrays) ------------------------

def reshape(x, shape):
    """x with a new shape (same C-order entries; one dimension may be −1).

    Parameters
    ----------
    x : array_like or Tracer
        The input (a traced array inside a :func:`nonsmooth.function`).
    shape : int or tuple of ints
        The new shape; one entry may be −1.

    Returns
    -------
    ndarray, float or Tracer
        A float for a 0-d result on plain input; a traced array while tracing.

    Examples
    --------
    >>> ns.reshape(np.arange(6.0), (2, -1))
    array([[0., 1., 2.],
           [3., 4., 5.]])
    """
    if isinstance(x, Tracer):
        return x.reshape(shape)
    return np.reshape(np.asarray(x, dtype=np.float64), shape)


def transpose(x, axes: Sequence[int] | None = None):
    """Permutes the axes (reverses them by default), like :func:`numpy.transpose`.

    Parameters
    ----------
    x : array_like or Tracer
        The input (a traced array inside a :func:`nonsmooth.function`).
    axes : sequence of int, optional
        The permutation (default: reversed axes).

    Returns
    -------
    ndarray, float or Tracer
        A float for a 0-d result on plain input; a traced array while tracing.

    Examples
    --------
    >>> ns.transpose(np.arange(6.0).reshape(2, 3)).shape
    (3, 2)
    """
    if isinstance(x, Tracer):
        return x.transpose(axes)
    return np.transpose(np.asarray(x, dtype=np.float64), axes)


def broadcast_to(x, shape):
    """x repeated to ``shape`` following NumPy's broadcasting rules.

    Parameters
    ----------
    x : array_like or Tracer
        The input (a traced array inside a :func:`nonsmooth.function`).
    shape : tuple of ints
        The target shape.

    Returns
    -------
    ndarray, float or Tracer
        A float for a 0-d result on plain input; a traced array while tracing.

    Examples
    --------
    >>> ns.broadcast_to(np.array([1.0, 2.0]), (2, 2))
    array([[1., 2.],
           [1., 2.]])
    """
    if isinstance(x, Tracer):
        return x._trace.op("broadcast_to", [x], ints=[int(d) for d in shape])
    return np.broadcast_to(np.asarray(x, dtype=np.float64), shape).copy()


def concatenate(arrays, axis: int = 0):
    """Joins arrays along an existing axis.

    Parameters
    ----------
    arrays : sequence of array_like or Tracer
    axis : int, default=0

    Returns
    -------
    ndarray, float or Tracer
        A float for a 0-d result on plain input; a traced array while tracing.

    Examples
    --------
    >>> ns.concatenate([np.ones(2), np.zeros(1)])
    array([1., 1., 0.])
    """
    arrays = list(arrays)
    trace = find_trace(arrays)
    if trace is None:
        return np.concatenate([np.asarray(a, dtype=np.float64) for a in arrays], axis=axis)
    return trace.op("concatenate", arrays, ints=[_int(axis, "axis")])


def stack(arrays, axis: int = 0):
    """Joins equal-shaped arrays along a new axis.

    Parameters
    ----------
    arrays : sequence of array_like or Tracer
    axis : int, default=0

    Returns
    -------
    ndarray, float or Tracer
        A float for a 0-d result on plain input; a traced array while tracing.

    Examples
    --------
    >>> ns.stack([np.ones(2), np.zeros(2)], axis=1)
    array([[1., 0.],
           [1., 0.]])
    """
    arrays = list(arrays)
    trace = find_trace(arrays)
    if trace is None:
        return np.stack([np.asarray(a, dtype=np.float64) for a in arrays], axis=axis)
    if not arrays:
        raise ValueError("stack: needs at least one array")
    lifted = [trace.lift(a) for a in arrays]
    shape = lifted[0].shape
    if any(a.shape != shape for a in lifted):
        raise ValueError(f"stack: all input arrays must have the same shape, got {[a.shape for a in lifted]}")
    ndim = len(shape) + 1
    a = _int(axis, "axis")
    if not -ndim <= a < ndim:
        raise ValueError(f"stack: axis {axis} is out of bounds for an array of dimension {ndim}")
    a %= ndim
    expanded = [t.reshape(shape[:a] + (1,) + shape[a:]) for t in lifted]
    return trace.op("concatenate", expanded, ints=[a])


__all__ = [
    "abs", "absolute", "add", "amax", "amin", "broadcast_to", "clip", "concatenate", "cos", "divide", "equal",
    "exp", "floor", "gelu", "greater", "greater_equal", "hinge", "huber", "leaky_relu", "less", "less_equal",
    "log", "log1p", "logsumexp", "matmul", "max", "max_pool1d", "max_pool2d", "maximum", "mean", "min",
    "minimum", "multiply", "negative", "norm1", "norm2", "norm_inf", "not_equal", "power", "reciprocal",
    "relu", "reshape", "round", "sigmoid", "sign", "sin", "soft_threshold", "softmax_cross_entropy",
    "softplus", "sort", "sqrt", "square", "stack", "subtract", "sum", "tanh", "transpose", "where",
]
