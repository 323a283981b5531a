"""The base class of every proximal operator: layout of NumPy arrays for the
native core, and the shared public methods."""
from __future__ import annotations

import numpy as np

from .. import _native
from .._validation import as_axis, as_float_array, as_step


def _optional_vector(values, name: str) -> np.ndarray | None:
    if values is None:
        return None
    array = as_float_array(values, name)
    return np.ascontiguousarray(array.ravel())


class ProximalOperator:
    """A closed function f with an exact proximal operator

    .. math:: \\operatorname{prox}_{t f}(v) = \\arg\\min_x f(x) + \\|x - v\\|^2 / (2t).

    Instances are immutable. ``op.prox(v, step)`` computes the prox,
    ``op(x)`` the value f(x) (``+inf`` outside the domain of an indicator),
    ``op.subgradient(x)`` the minimal-norm element of ∂f(x), so that
    ``op.subgradient(x) == 0`` certifies a minimizer of f.

    Vector operators act on the whole array as one vector (``axis=None``) or on
    each slice along ``axis`` (e.g. ``axis=1`` projects every row of a matrix
    onto the simplex). Matrix operators act on a 2-D array.

    Parameters
    ----------
    scalars, a, b, groups
        The operator's parameters in the layout of the native core; subclasses
        take named parameters instead (``L1(strength, weights)``, ...).

    Examples
    --------
    Every operator of :mod:`nonsmooth.prox` is one:

    >>> f = ns.prox.GroupL2(0.3, groups=[[0, 1], [2, 3]])
    >>> isinstance(f, ns.prox.ProximalOperator)
    True
    >>> x = f.prox(np.array([-2.0, -0.3, 0.1, 1.5]), step=2.0)
    >>> x
    array([-1.16085968, -0.17412895,  0.04355675,  0.65335122])
    >>> f(x), f.subgradient(x)
    (0.7758297275285845, array([-0.41957016, -0.06293552,  0.02822163,  0.42332439]))
    """

    kind: str = ""
    is_matrix: bool = False

    def __init__(self, scalars=(), a=None, b=None, groups=None):
        self._scalars = np.asarray(scalars, dtype=np.float64)
        self._a = a
        self._b = b
        self._groups = groups
        self._handles: dict = {}
        self._handle(None)  # fail early on bad parameters

    # ---- native handle -----------------------------------------------------------
    def _handle(self, n: int | None):
        """The native operator; group operators given a group size build one per length."""
        key = self._groups.key(n) if self._groups is not None else None
        handle = self._handles.get(key)
        if handle is None:
            pointers, indices = (None, None) if self._groups is None else self._groups.compressed(n)
            if self._groups is not None and pointers is None:
                return None  # group size known, length not yet: built at first use
            handle = _native.prox_create(self.kind, self._scalars, self._a, self._b, pointers, indices)
            self._handles[key] = handle
        return handle

    # ---- pickling: the parameters travel, the native handles are rebuilt on first use ----
    def __getstate__(self):
        state = self.__dict__.copy()
        state["_handles"] = {}
        return state

    def __setstate__(self, state):
        self.__dict__.update(state)

    # ---- layout ------------------------------------------------------------------------
    def _layout(self, x, name: str, axis):
        """(2-D view for the core, function mapping the (m, n) output back, reduced shape)."""
        # Finiteness is checked by the native layer in the same call (one
        # vectorized pass, no temporary), which names the argument.
        x = as_float_array(x, name, finite=False)
        if self.is_matrix:
            if axis is not None:
                raise ValueError(f"axis: {type(self).__name__} acts on a whole matrix; axis must be None")
            if x.ndim != 2:
                raise ValueError(f"{name}: expected a 2-D array (a matrix), got shape {x.shape}")
            return x, (lambda out: out), ()
        axis = as_axis(axis, x.ndim)
        if axis is None:
            if x.ndim == 1:
                view = x[np.newaxis, :]
            else:
                view = np.ascontiguousarray(x).reshape(1, -1)
            shape = x.shape
            return view, (lambda out: out.reshape(shape)), ()
        moved = np.moveaxis(x, axis, -1)
        view = moved if moved.ndim == 2 else moved.reshape(-1, moved.shape[-1])
        moved_shape = moved.shape

        def restore(out):
            return np.moveaxis(out.reshape(moved_shape), -1, axis)

        return view, restore, moved_shape[:-1]

    # ---- public methods ----------------------------------------------------------------
    def prox(self, v, step: float = 1.0, *, axis: int | None = None) -> np.ndarray:
        """prox_{step·f}(v).

        Parameters
        ----------
        v : array_like
            Point(s) to evaluate the prox at. Integer input is converted to float64.
        step : float, default=1.0
            Positive step t in prox_{t f}. Indicators ignore it (their prox is a projection).
        axis : int or None, default=None
            For vector operators: None treats the whole array as one vector; an
            int applies the operator to every 1-D slice along that axis.

        Returns
        -------
        ndarray of float64 with the shape of ``v``.

        Examples
        --------
        >>> ns.prox.L2Ball(1.0).prox(np.array([[3.0, 4.0], [0.3, 0.4]]), axis=1)
        array([[0.6, 0.8],
               [0.3, 0.4]])
        """
        step = as_step(step)
        view, restore, _ = self._layout(v, "v", axis)
        return restore(_native.prox_apply(self._handle(view.shape[1]), view, step))

    def __call__(self, x, *, axis: int | None = None):
        """f(x): a float, or an array over the slices along ``axis``."""
        view, _, reduced = self._layout(x, "x", axis)
        values = _native.prox_value(self._handle(view.shape[1]), view)
        if axis is None:
            return float(values[0])
        return values.reshape(reduced)

    value = __call__

    def subgradient(self, x, *, axis: int | None = None) -> np.ndarray:
        """The minimal-norm element of ∂f(x) (for convex f; the minimal-norm
        limiting subgradient for the nonconvex penalties).

        Raises ValueError if x is outside the domain of f (∂f(x) is empty).
        """
        view, restore, _ = self._layout(x, "x", axis)
        return restore(_native.prox_subgradient(self._handle(view.shape[1]), view))

    def moreau_envelope(self, v, step: float = 1.0, *, axis: int | None = None):
        """The Moreau envelope and its gradient (see :func:`nonsmooth.prox.moreau_envelope`)."""
        return moreau_envelope(self, v, step, axis=axis)

    def __repr__(self) -> str:
        params = ", ".join(f"{k}={v!r}" for k, v in self._repr_params().items())
        return f"{type(self).__name__}({params})"

    def _repr_params(self) -> dict:
        return {}


def moreau_envelope(f: ProximalOperator, v, step: float = 1.0, *, axis: int | None = None):
    """Moreau envelope of f with parameter t and its gradient:

    .. math:: e_t f(v) = \\min_x f(x) + \\|x - v\\|^2/(2t), \\qquad
              \\nabla e_t f(v) = (v - \\operatorname{prox}_{tf}(v))/t.

    The gradient formula holds for convex f, where the envelope is a
    (1/t)-smooth lower approximation of f with the same minimizers.

    Parameters
    ----------
    f : ProximalOperator
    v : array_like
        The point.
    step : float, default=1.0
        The parameter t > 0.
    axis : int, optional
        One envelope per 1-D slice along this axis.

    Returns
    -------
    value : float or ndarray (one value per slice when ``axis`` is given)
    gradient : ndarray with the shape of ``v``

    Examples
    --------
    The envelope of |x| is the Huber function:

    >>> value, gradient = ns.prox.moreau_envelope(ns.prox.L1(1.0), np.array([0.5, 3.0]), 1.0)
    >>> value, gradient
    (2.625, array([0.5, 1. ]))
    >>> ns.prox.Huber(1.0).value(np.array([0.5, 3.0]))
    2.625
    """
    if not isinstance(f, ProximalOperator):
        raise TypeError(f"f: expected a nonsmooth.prox operator, got {type(f).__name__}")
    step = as_step(step)
    v = as_float_array(v, "v")
    p = f.prox(v, step, axis=axis)
    d = v - p
    if axis is None:
        distance2 = float(np.vdot(d, d))
    else:
        distance2 = np.sum(d * d, axis=axis)
    return f(p, axis=axis) + distance2 / (2 * step), d / step
