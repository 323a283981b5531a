"""Functional shorthands: ``nonsmooth.prox.l1(v, step)`` is
``nonsmooth.prox.L1().prox(v, step)``. The step t scales the function, so
``l1(v, t)`` soft-thresholds at t; projections take the set's parameters."""
from __future__ import annotations

from functools import lru_cache

import numpy as np

from .._validation import as_float_array
from . import _operators as ops


@lru_cache(maxsize=64, typed=True)
def _cached(cls, *params):
    """Operators without array parameters are immutable: build each once."""
    return cls(*params)


def _op(cls, *params):
    """The operator cls(*params), shared between calls when every parameter is a
    plain number or None (arrays and unusual types build a fresh one)."""
    if all(p is None or (isinstance(p, (int, float)) and not isinstance(p, bool)) for p in params):
        return _cached(cls, *params)
    return cls(*params)


def _matrix(M, square: bool = False) -> np.ndarray:
    """M checked under its own name (the operators call their argument v)."""
    M = as_float_array(M, "M")
    if M.ndim != 2 or (square and M.shape[0] != M.shape[1]):
        raise ValueError(f"M: expected a {'square' if square else '2-D'} matrix, got shape {M.shape}")
    return M


def l1(v, step=1.0, weights=None, *, axis=None) -> np.ndarray:
    """Soft thresholding: the prox of t‖w ⊙ x‖₁, i.e. sign(v)·max(|v| − t·w, 0).

    Parameters
    ----------
    v : array_like
        The point (integer and float32 input is converted to float64).
    step : float, default=1.0
        The step t > 0 scaling the function.
    weights : array_like, optional
        Non-negative per-coordinate weights w (0 leaves a coordinate unpenalized).
    axis : int, optional
        Apply the operator to every 1-D slice along this axis (default: the
        whole array as one vector).

    Returns
    -------
    ndarray
        The shape of ``v``.

    Examples
    --------
    >>> ns.prox.l1(np.array([-2.0, 0.5, 3.0]), 1.0)
    array([-1.,  0.,  2.])
    >>> ns.prox.l1(np.array([-2.0, 0.5, 3.0]), 1.0, weights=[0.0, 1.0, 2.0])
    array([-2.,  0.,  1.])
    """
    return _op(ops.L1, 1.0, weights).prox(v, step, axis=axis)


def l2_squared(v, step=1.0, weights=None, *, axis=None) -> np.ndarray:
    """The prox of (t/2)·Σ wᵢxᵢ²: vᵢ / (1 + t·wᵢ).

    Parameters
    ----------
    v : array_like
        The point (integer and float32 input is converted to float64).
    step : float, default=1.0
        The step t > 0 scaling the function.
    weights : array_like, optional
        Non-negative per-coordinate weights w.
    axis : int, optional
        Apply the operator to every 1-D slice along this axis (default: the
        whole array as one vector).

    Returns
    -------
    ndarray
        The shape of ``v``.

    Examples
    --------
    >>> ns.prox.l2_squared(np.array([2.0, -4.0]), 1.0)
    array([ 1., -2.])
    """
    return _op(ops.SquaredL2, 1.0, weights).prox(v, step, axis=axis)


def l2(v, step=1.0, *, axis=None) -> np.ndarray:
    """Block soft thresholding: the prox of t‖x‖₂, v·max(1 − t/‖v‖₂, 0).

    Parameters
    ----------
    v : array_like
        The point (integer and float32 input is converted to float64).
    step : float, default=1.0
        The step t > 0 scaling the function.
    axis : int, optional
        Apply the operator to every 1-D slice along this axis (default: the
        whole array as one vector).

    Returns
    -------
    ndarray
        The shape of ``v``.

    Examples
    --------
    >>> ns.prox.l2(np.array([3.0, 4.0]), 1.0)
    array([2.4, 3.2])
    >>> ns.prox.l2(np.array([0.3, 0.4]), 1.0)
    array([0., 0.])
    """
    return _op(ops.L2, 1.0).prox(v, step, axis=axis)


def group_l2(v, step=1.0, groups=1, weights=None, *, axis=None) -> np.ndarray:
    """Group soft thresholding: the prox of t·Σ_g w_g‖x_g‖₂ (see :class:`GroupL2`).

    Parameters
    ----------
    v : array_like
        The point (integer and float32 input is converted to float64).
    step : float, default=1.0
        The step t > 0 scaling the function.
    groups : int or sequence of sequences of int, default=1
        A group size (consecutive groups) or explicit disjoint groups of indices.
    weights : array_like, optional
        One non-negative weight per group.
    axis : int, optional
        Apply the operator to every 1-D slice along this axis (default: the
        whole array as one vector).

    Returns
    -------
    ndarray
        The shape of ``v``.

    Examples
    --------
    >>> ns.prox.group_l2(np.array([3.0, 4.0, 0.3, 0.4]), 1.0, groups=2)
    array([2.15147186, 2.86862915, 0.        , 0.        ])
    """
    return _op(ops.GroupL2, 1.0, groups, weights).prox(v, step, axis=axis)


def sparse_group_l2(v, step=1.0, groups=1, l1_strength=1.0, group_strength=1.0, weights=None, *, axis=None):
    """The prox of t·(λ₁‖x‖₁ + λ₂·Σ_g w_g‖x_g‖₂) (see :class:`SparseGroupL2`):
    soft thresholding, then group soft thresholding.

    Parameters
    ----------
    v : array_like
        The point (integer and float32 input is converted to float64).
    step : float, default=1.0
        The step t > 0 scaling the function.
    groups : int or sequence of sequences of int, default=1
        A group size or explicit disjoint groups.
    l1_strength, group_strength : float, default=1.0
        λ₁ and λ₂.
    weights : array_like, optional
        One non-negative weight per group.
    axis : int, optional
        Apply the operator to every 1-D slice along this axis (default: the
        whole array as one vector).

    Returns
    -------
    ndarray
        The shape of ``v``.

    Examples
    --------
    >>> ns.prox.sparse_group_l2(np.array([3.0, 4.0, 0.3, 1.4]), 0.5, groups=2)
    array([2.08900253, 2.92460354, 0.        , 0.19289322])
    """
    return _op(ops.SparseGroupL2, l1_strength, group_strength, groups, weights).prox(v, step, axis=axis)


def elastic_net(v, step=1.0, l1_ratio=0.5, weights=None, *, axis=None) -> np.ndarray:
    """The prox of t·Σ wᵢ(ρ|xᵢ| + (1 − ρ)xᵢ²/2): soft thresholding at tρwᵢ, then
    shrinking by 1 + t(1 − ρ)wᵢ (see :class:`ElasticNet`).

    Parameters
    ----------
    v : array_like
        The point (integer and float32 input is converted to float64).
    step : float, default=1.0
        The step t > 0 scaling the function.
    l1_ratio : float, default=0.5
        ρ in [0, 1].
    weights : array_like, optional
        Non-negative per-coordinate weights w.
    axis : int, optional
        Apply the operator to every 1-D slice along this axis (default: the
        whole array as one vector).

    Returns
    -------
    ndarray
        The shape of ``v``.

    Examples
    --------
    >>> ns.prox.elastic_net(np.array([-3.0, 0.2, 2.0]), 1.0, l1_ratio=0.5)
    array([-1.66666667,  0.        ,  1.        ])
    """
    return _op(ops.ElasticNet, 1.0, l1_ratio, weights).prox(v, step, axis=axis)


def linf(v, step=1.0, *, axis=None) -> np.ndarray:
    """The prox of t‖x‖∞, by Moreau's decomposition v − Π_{‖·‖₁ ≤ t}(v).

    Parameters
    ----------
    v : array_like
        The point (integer and float32 input is converted to float64).
    step : float, default=1.0
        The step t > 0 scaling the function.
    axis : int, optional
        Apply the operator to every 1-D slice along this axis (default: the
        whole array as one vector).

    Returns
    -------
    ndarray
        The shape of ``v``.

    Examples
    --------
    >>> ns.prox.linf(np.array([3.0, -1.0, 0.5]), 1.0)
    array([ 2. , -1. ,  0.5])
    """
    return _op(ops.Linf, 1.0).prox(v, step, axis=axis)


def tv1d(v, step=1.0, *, axis=None) -> np.ndarray:
    """1-D total variation denoising: the prox of t·Σ|x_{i+1} − x_i|, exactly, by
    Condat's direct algorithm (L. Condat, IEEE SPL 20(11), 2013).

    Parameters
    ----------
    v : array_like
        The point (integer and float32 input is converted to float64).
    step : float, default=1.0
        The step t > 0 scaling the function.
    axis : int, optional
        Apply the operator to every 1-D slice along this axis (default: the
        whole array as one vector).

    Returns
    -------
    ndarray
        The shape of ``v``.

    Examples
    --------
    >>> ns.prox.tv1d(np.array([0.0, 0.1, 3.0, 2.9, 3.1]), 0.5)
    array([0.3       , 0.3       , 2.83333333, 2.83333333, 2.83333333])
    """
    return _op(ops.TV1D, 1.0).prox(v, step, axis=axis)


def huber(v, step=1.0, delta=1.0, *, axis=None) -> np.ndarray:
    """The prox of t·Σ huber_δ(xᵢ): v/(1 + t) inside |v| ≤ δ(1 + t), v − tδ·sign(v) outside.

    Parameters
    ----------
    v : array_like
        The point (integer and float32 input is converted to float64).
    step : float, default=1.0
        The step t > 0 scaling the function.
    delta : float, default=1.0
        δ > 0, where the Huber function turns from quadratic to linear.
    axis : int, optional
        Apply the operator to every 1-D slice along this axis (default: the
        whole array as one vector).

    Returns
    -------
    ndarray
        The shape of ``v``.

    Examples
    --------
    >>> ns.prox.huber(np.array([0.5, 5.0]), 1.0)
    array([0.25, 4.  ])
    """
    return _op(ops.Huber, 1.0, delta).prox(v, step, axis=axis)


def hinge(v, step=1.0, labels=None, *, axis=None) -> np.ndarray:
    """The prox of t·Σ max(0, 1 − yᵢxᵢ) (labels yᵢ = ±1; all 1 by default).

    Parameters
    ----------
    v : array_like
        The point (integer and float32 input is converted to float64).
    step : float, default=1.0
        The step t > 0 scaling the function.
    labels : array_like, optional
        The labels y (default: ones).
    axis : int, optional
        Apply the operator to every 1-D slice along this axis (default: the
        whole array as one vector).

    Returns
    -------
    ndarray
        The shape of ``v``.

    Examples
    --------
    >>> ns.prox.hinge(np.array([-1.0, 0.5, 2.0]), 1.0)
    array([0., 1., 2.])
    """
    return _op(ops.Hinge, 1.0, labels).prox(v, step, axis=axis)


def l0(v, step=1.0, *, axis=None) -> np.ndarray:
    """Hard thresholding: the prox of t‖x‖₀, keeping the vᵢ with |vᵢ| > √(2t)
    (at |vᵢ| = √(2t) both 0 and vᵢ are minimizers; 0 is returned).

    Parameters
    ----------
    v : array_like
        The point (integer and float32 input is converted to float64).
    step : float, default=1.0
        The step t > 0 scaling the function.
    axis : int, optional
        Apply the operator to every 1-D slice along this axis (default: the
        whole array as one vector).

    Returns
    -------
    ndarray
        The shape of ``v``.

    Examples
    --------
    >>> ns.prox.l0(np.array([0.5, -1.5, 3.0]), 1.0)
    array([ 0. , -1.5,  3. ])
    """
    return _op(ops.L0, 1.0).prox(v, step, axis=axis)


def mcp(v, step=1.0, gamma=3.0, *, axis=None) -> np.ndarray:
    """Firm thresholding: the prox of t·MCP(λ = 1, γ) (Zhang 2010), for γ > t.

    Parameters
    ----------
    v : array_like
        The point (integer and float32 input is converted to float64).
    step : float, default=1.0
        The step t > 0 scaling the function.
    gamma : float, default=3.0
        γ > t, the concavity parameter.
    axis : int, optional
        Apply the operator to every 1-D slice along this axis (default: the
        whole array as one vector).

    Returns
    -------
    ndarray
        The shape of ``v``.

    Examples
    --------
    >>> ns.prox.mcp(np.array([0.5, 2.0, 5.0]), 1.0, gamma=3.0)
    array([0. , 1.5, 5. ])
    """
    return _op(ops.MCP, 1.0, gamma).prox(v, step, axis=axis)


def scad(v, step=1.0, a=3.7, *, axis=None) -> np.ndarray:
    """The prox of t·SCAD(λ = 1, a) (Fan & Li 2001), for a > 1 + t.

    Parameters
    ----------
    v : array_like
        The point (integer and float32 input is converted to float64).
    step : float, default=1.0
        The step t > 0 scaling the function.
    a : float, default=3.7
        a > 1 + t.
    axis : int, optional
        Apply the operator to every 1-D slice along this axis (default: the
        whole array as one vector).

    Returns
    -------
    ndarray
        The shape of ``v``.

    Examples
    --------
    >>> ns.prox.scad(np.array([0.5, 2.0, 5.0]), 1.0)
    array([0., 1., 5.])
    """
    return _op(ops.SCAD, 1.0, a).prox(v, step, axis=axis)


def nuclear(M, step=1.0) -> np.ndarray:
    """Singular value thresholding: the prox of t‖X‖_* (LAPACK dgesdd), U·max(σ − t, 0)·Vᵀ.

    Parameters
    ----------
    M : array_like of shape (m, n)
        The matrix.
    step : float, default=1.0
        The step t > 0 scaling the function.

    Returns
    -------
    ndarray of shape (m, n)

    Examples
    --------
    >>> ns.prox.nuclear(np.diag([3.0, 0.5]), 1.0)
    array([[2., 0.],
           [0., 0.]])
    """
    return _op(ops.Nuclear, 1.0).prox(_matrix(M), step)


def project_box(v, lower=-np.inf, upper=np.inf, *, axis=None) -> np.ndarray:
    """Projection onto the box {lower ≤ x ≤ upper}.

    Parameters
    ----------
    v : array_like
        The point (integer and float32 input is converted to float64).
    lower, upper : float or array_like, default=-inf, inf
        Bounds, scalars or one per coordinate.
    axis : int, optional
        Apply the operator to every 1-D slice along this axis (default: the
        whole array as one vector).

    Returns
    -------
    ndarray
        The shape of ``v``.

    Examples
    --------
    >>> ns.prox.project_box(np.array([-2.0, 0.5, 3.0]), -1.0, 1.0)
    array([-1. ,  0.5,  1. ])
    """
    return _op(ops.Box, lower, upper).prox(v, axis=axis)


def project_nonnegative(v, *, axis=None) -> np.ndarray:
    """Projection onto the nonnegative orthant {x ≥ 0}: max(v, 0).

    Parameters
    ----------
    v : array_like
        The point (integer and float32 input is converted to float64).
    axis : int, optional
        Apply the operator to every 1-D slice along this axis (default: the
        whole array as one vector).

    Returns
    -------
    ndarray
        The shape of ``v``.

    Examples
    --------
    >>> ns.prox.project_nonnegative(np.array([-2.0, 0.5]))
    array([0. , 0.5])
    """
    return _op(ops.NonNegative).prox(v, axis=axis)


def project_l2_ball(v, radius=1.0, *, axis=None) -> np.ndarray:
    """Projection onto the ball {‖x‖₂ ≤ r}: v·min(1, r/‖v‖₂).

    Parameters
    ----------
    v : array_like
        The point (integer and float32 input is converted to float64).
    radius : float, default=1.0
        r > 0.
    axis : int, optional
        Apply the operator to every 1-D slice along this axis (default: the
        whole array as one vector).

    Returns
    -------
    ndarray
        The shape of ``v``.

    Examples
    --------
    >>> ns.prox.project_l2_ball(np.array([3.0, 4.0]))
    array([0.6, 0.8])
    """
    return _op(ops.L2Ball, radius).prox(v, axis=axis)


def project_linf_ball(v, radius=1.0, *, axis=None) -> np.ndarray:
    """Projection onto the ball {‖x‖∞ ≤ r}: clip(v, −r, r).

    Parameters
    ----------
    v : array_like
        The point (integer and float32 input is converted to float64).
    radius : float, default=1.0
        r > 0.
    axis : int, optional
        Apply the operator to every 1-D slice along this axis (default: the
        whole array as one vector).

    Returns
    -------
    ndarray
        The shape of ``v``.

    Examples
    --------
    >>> ns.prox.project_linf_ball(np.array([3.0, -0.5]))
    array([ 1. , -0.5])
    """
    return _op(ops.LinfBall, radius).prox(v, axis=axis)


def project_l1_ball(v, radius=1.0, *, axis=None) -> np.ndarray:
    """Projection onto the ball {‖x‖₁ ≤ r} in expected O(n) time (L. Condat,
    Math. Program. 158, 2016).

    Parameters
    ----------
    v : array_like
        The point (integer and float32 input is converted to float64).
    radius : float, default=1.0
        r > 0.
    axis : int, optional
        Apply the operator to every 1-D slice along this axis (default: the
        whole array as one vector).

    Returns
    -------
    ndarray
        The shape of ``v``.

    Examples
    --------
    >>> ns.prox.project_l1_ball(np.array([3.0, -1.0, 0.5]), 2.0)
    array([2., 0., 0.])
    """
    return _op(ops.L1Ball, radius).prox(v, axis=axis)


def project_simplex(v, total=1.0, *, axis=None) -> np.ndarray:
    """Projection onto the simplex {x ≥ 0, Σx = total} in expected O(n) time
    (L. Condat, Math. Program. 158, 2016).

    Parameters
    ----------
    v : array_like
        The point (integer and float32 input is converted to float64).
    total : float, default=1.0
        The sum, > 0.
    axis : int, optional
        Apply the operator to every 1-D slice along this axis (default: the
        whole array as one vector).

    Returns
    -------
    ndarray
        The shape of ``v``.

    Examples
    --------
    >>> ns.prox.project_simplex(np.array([0.2, 0.9, -0.4]))
    array([0.15, 0.85, 0.  ])
    >>> ns.prox.project_simplex(np.array([[1.0, 0.0], [3.0, 3.0]]), axis=1)   # every row
    array([[1. , 0. ],
           [0.5, 0.5]])
    """
    return _op(ops.Simplex, total).prox(v, axis=axis)


def project_hyperplane(v, a, b=0.0, *, axis=None) -> np.ndarray:
    """Projection onto the hyperplane {aᵀx = b}: v − (aᵀv − b)/‖a‖²·a.

    Parameters
    ----------
    v : array_like
        The point (integer and float32 input is converted to float64).
    a : array_like
        The normal vector (nonzero), the length of ``v``.
    b : float, default=0.0
    axis : int, optional
        Apply the operator to every 1-D slice along this axis (default: the
        whole array as one vector).

    Returns
    -------
    ndarray
        The shape of ``v``.

    Examples
    --------
    >>> ns.prox.project_hyperplane(np.array([1.0, 3.0]), np.array([0.0, 2.0]), 2.0)
    array([1., 1.])
    """
    return _op(ops.Hyperplane, a, b).prox(v, axis=axis)


def project_halfspace(v, a, b=0.0, *, axis=None) -> np.ndarray:
    """Projection onto the half-space {aᵀx ≤ b}.

    Parameters
    ----------
    v : array_like
        The point (integer and float32 input is converted to float64).
    a : array_like
        The normal vector (nonzero), the length of ``v``.
    b : float, default=0.0
    axis : int, optional
        Apply the operator to every 1-D slice along this axis (default: the
        whole array as one vector).

    Returns
    -------
    ndarray
        The shape of ``v``.

    Examples
    --------
    >>> ns.prox.project_halfspace(np.array([1.0, 2.0]), np.array([1.0, 1.0]), 1.0)
    array([6.50353591e-17, 1.00000000e+00])
    >>> ns.prox.project_halfspace(np.array([0.0, 0.0]), np.array([1.0, 1.0]), 1.0)   # inside
    array([0., 0.])
    """
    return _op(ops.Halfspace, a, b).prox(v, axis=axis)


def project_psd(M) -> np.ndarray:
    """Projection of a square matrix onto the cone of positive semidefinite
    matrices: the eigenvalues of its symmetric part (M + Mᵀ)/2 clipped at 0.

    Parameters
    ----------
    M : array_like of shape (n, n)

    Returns
    -------
    ndarray of shape (n, n), symmetric

    Examples
    --------
    >>> ns.prox.project_psd(np.array([[1.0, 0.0], [0.0, -2.0]]))
    array([[1., 0.],
           [0., 0.]])
    """
    return _op(ops.PSD).prox(_matrix(M, square=True))
