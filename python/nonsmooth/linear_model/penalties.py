"""Separable penalties Σⱼ pⱼ(βⱼ) of the coordinate-descent engine
(:class:`~nonsmooth.linear_model.GeneralizedLinearEstimator` and the sparse
estimators built on it). Each holds its parameters and validates them when a
model is fitted; the scalar prox and subdifferential live in the Swift core.

Convex penalties with a usable conjugate (L1 and elastic net with every
weight > 0, bounded boxes) are certified by a duality gap; the others (MCP,
SCAD, L0, unpenalized features, half-bounded boxes) by the KKT violation.
"""
from __future__ import annotations

import abc
import numbers

import numpy as np

_L1, _ENET, _BOX, _MCP, _SCAD, _L0 = range(6)


def _nonnegative(value, name):
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not np.isfinite(value) or value < 0:
        raise ValueError(f"{name}: must be a finite number ≥ 0, got {value!r}")
    return float(value)


def _weights(weights, p, name="weights"):
    if weights is None:
        return None
    w = np.ascontiguousarray(np.asarray(weights, dtype=float).ravel())
    if w.shape[0] != p:
        raise ValueError(f"{name}: has {w.shape[0]} entries but X has {p} features")
    if not np.all(np.isfinite(w)) or (w < 0).any():
        raise ValueError(f"{name}: must be finite and ≥ 0 (0 leaves a feature unpenalized)")
    return w


class _Penalty(abc.ABC):
    @abc.abstractmethod
    def _spec(self, p):
        """The penalty's kind and parameters as the engine's ABI takes them, for p features."""

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in vars(self).items())
        return f"{type(self).__name__}({args})"

    def __eq__(self, other):
        return type(other) is type(self) and all(
            np.array_equal(a, b) if isinstance(a, np.ndarray) or isinstance(b, np.ndarray) else a == b
            for a, b in zip(vars(self).values(), vars(other).values()))

    __hash__ = None  # type: ignore[assignment]  # compared by value: unhashable


class L1(_Penalty):
    """α Σⱼ wⱼ |βⱼ| (wⱼ = 1 by default; wⱼ = 0 leaves βⱼ unpenalized), with βⱼ ≥ 0 when ``positive``.

    Examples
    --------
    >>> from nonsmooth.linear_model import penalties
    >>> penalties.L1(0.1, weights=[1.0, 0.0, 2.0])
    L1(alpha=0.1, weights=[1.0, 0.0, 2.0], positive=False)
    """

    def __init__(self, alpha=1.0, weights=None, positive=False):
        self.alpha = alpha
        self.weights = weights
        self.positive = positive

    def _spec(self, p):
        return dict(penalty=_L1, alpha=_nonnegative(self.alpha, "alpha"), feature_weights=_weights(self.weights, p),
                    positive=bool(self.positive))


class ElasticNet(_Penalty):
    """α Σⱼ wⱼ (ρ|βⱼ| + (1 − ρ)βⱼ²/2), scikit-learn's parametrization (ρ = ``l1_ratio``).

    Examples
    --------
    >>> from nonsmooth.linear_model import penalties
    >>> penalties.ElasticNet(0.1, l1_ratio=0.5)
    ElasticNet(alpha=0.1, l1_ratio=0.5, weights=None, positive=False)
    """

    def __init__(self, alpha=1.0, l1_ratio=0.5, weights=None, positive=False):
        self.alpha = alpha
        self.l1_ratio = l1_ratio
        self.weights = weights
        self.positive = positive

    def _spec(self, p):
        rho = _nonnegative(self.l1_ratio, "l1_ratio")
        if rho > 1:
            raise ValueError(f"l1_ratio: must lie in [0, 1], got {self.l1_ratio!r}")
        return dict(penalty=_ENET, alpha=_nonnegative(self.alpha, "alpha"), param=rho,
                    feature_weights=_weights(self.weights, p), positive=bool(self.positive))


class Box(_Penalty):
    """The constraint lower ≤ βⱼ ≤ upper (scalars or one bound per feature; ±inf allowed).

    Examples
    --------
    >>> from nonsmooth.linear_model import penalties
    >>> penalties.Box(0.0, float("inf"))   # non-negative least squares / logistic regression
    Box(lower=0.0, upper=inf)
    """

    def __init__(self, lower=0.0, upper=np.inf):
        self.lower = lower
        self.upper = upper

    def _spec(self, p):
        lo = np.atleast_1d(np.asarray(self.lower, dtype=float)).ravel()
        hi = np.atleast_1d(np.asarray(self.upper, dtype=float)).ravel()
        for name, b in (("lower", lo), ("upper", hi)):
            if b.shape[0] not in (1, p):
                raise ValueError(f"{name}: must be a scalar or have one entry per feature ({p}), got {b.shape[0]}")
            if np.isnan(b).any():
                raise ValueError(f"{name}: must not contain NaN")
        lo, hi = np.broadcast_arrays(lo, hi) if lo.shape != hi.shape else (lo, hi)
        lo, hi = np.ascontiguousarray(lo, dtype=float), np.ascontiguousarray(hi, dtype=float)
        if (lo > hi).any() or (lo == np.inf).any() or (hi == -np.inf).any():
            raise ValueError("lower: must be ≤ upper, < +inf (and upper > -inf): the box is empty")
        return dict(penalty=_BOX, lower=lo, upper=hi)


class MCP(_Penalty):
    """The minimax concave penalty (Zhang 2010): α|β| − β²/(2γ) for |β| ≤ γα, γα²/2 beyond; γ > 1.

    Examples
    --------
    >>> from nonsmooth.linear_model import penalties
    >>> penalties.MCP(0.1, gamma=3.0)
    MCP(alpha=0.1, gamma=3.0)
    """

    def __init__(self, alpha=1.0, gamma=3.0):
        self.alpha = alpha
        self.gamma = gamma

    def _spec(self, p):
        gamma = self.gamma
        if isinstance(gamma, bool) or not isinstance(gamma, numbers.Real) or not np.isfinite(gamma) or gamma <= 1:
            raise ValueError(f"gamma: must be a finite number > 1 for MCP, got {gamma!r}")
        return dict(penalty=_MCP, alpha=_nonnegative(self.alpha, "alpha"), param=float(gamma))


class SCAD(_Penalty):
    """The smoothly clipped absolute deviation penalty (Fan & Li 2001) with a = ``gamma`` > 2.

    Examples
    --------
    >>> from nonsmooth.linear_model import penalties
    >>> penalties.SCAD(0.1, gamma=3.7)
    SCAD(alpha=0.1, gamma=3.7)
    """

    def __init__(self, alpha=1.0, gamma=3.7):
        self.alpha = alpha
        self.gamma = gamma

    def _spec(self, p):
        gamma = self.gamma
        if isinstance(gamma, bool) or not isinstance(gamma, numbers.Real) or not np.isfinite(gamma) or gamma <= 2:
            raise ValueError(f"gamma: must be a finite number > 2 for SCAD, got {gamma!r}")
        return dict(penalty=_SCAD, alpha=_nonnegative(self.alpha, "alpha"), param=float(gamma))


class L0(_Penalty):
    """α · #{j : βⱼ ≠ 0}. Coordinate descent reaches a coordinate-wise minimum (certified by
    the KKT violation with proximal steps), not necessarily the best subset.

    Examples
    --------
    >>> from nonsmooth.linear_model import penalties
    >>> penalties.L0(0.05)
    L0(alpha=0.05)
    """

    def __init__(self, alpha=1.0):
        self.alpha = alpha

    def _spec(self, p):
        return dict(penalty=_L0, alpha=_nonnegative(self.alpha, "alpha"))


__all__ = ["Box", "ElasticNet", "L0", "L1", "MCP", "SCAD"]


_GROUP_LASSO, _SPARSE_GROUP_LASSO = 6, 7


def _group_spec(penalty, p, code, param=0.0):
    from ._groups import as_groups, group_weights

    pointers, indices = as_groups(penalty.groups, p)
    return dict(penalty=code, alpha=_nonnegative(penalty.alpha, "alpha"), param=param, group_pointers=pointers,
                group_indices=indices, group_weights=group_weights(penalty.weights, pointers))


class GroupL2(_Penalty):
    """α Σ_g w_g ‖β_g‖₂, the group Lasso penalty over a partition of the features.

    ``groups`` is an int (contiguous groups of that size) or a list of index
    lists covering every feature once; ``weights`` holds one w_g ≥ 0 per group
    (√|g| by default; 0 leaves a group unpenalized). Solved by block coordinate
    descent; whole groups are exactly 0.

    Examples
    --------
    >>> from nonsmooth.linear_model import penalties
    >>> penalties.GroupL2(0.1, groups=[[0, 1], [2]])
    GroupL2(alpha=0.1, groups=[[0, 1], [2]], weights=None)
    """

    def __init__(self, alpha=1.0, groups=1, weights=None):
        self.alpha = alpha
        self.groups = groups
        self.weights = weights

    def _spec(self, p):
        return _group_spec(self, p, _GROUP_LASSO)


class SparseGroupL1(_Penalty):
    """α Σ_g (ρ‖β_g‖₁ + (1 − ρ) w_g ‖β_g‖₂), the sparse-group Lasso penalty (ρ = ``l1_ratio``).

    Groups and weights as in :class:`GroupL2`; zeros both of whole groups and
    inside the selected groups.

    Examples
    --------
    >>> from nonsmooth.linear_model import penalties
    >>> penalties.SparseGroupL1(0.1, groups=2, l1_ratio=0.5)
    SparseGroupL1(alpha=0.1, groups=2, l1_ratio=0.5, weights=None)
    """

    def __init__(self, alpha=1.0, groups=1, l1_ratio=0.5, weights=None):
        self.alpha = alpha
        self.groups = groups
        self.l1_ratio = l1_ratio
        self.weights = weights

    def _spec(self, p):
        rho = _nonnegative(self.l1_ratio, "l1_ratio")
        if rho > 1:
            raise ValueError(f"l1_ratio: must lie in [0, 1], got {self.l1_ratio!r}")
        return _group_spec(self, p, _SPARSE_GROUP_LASSO, rho)


__all__ += ["GroupL2", "SparseGroupL1"]
