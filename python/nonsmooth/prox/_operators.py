"""The catalogue of proximal operators. Each class documents f and cites the
algorithm its prox uses; the computations run in the Swift core."""
from __future__ import annotations

import numpy as np

from .._validation import as_float_array, as_scalar
from ._base import ProximalOperator, _optional_vector
from ._groups import GroupSpec


def _strength(value, name="strength"):
    return as_scalar(value, name, low=0.0)


class Zero(ProximalOperator):
    """f(x) = 0; prox is the identity."""

    kind = "zero"

    def __init__(self):
        super().__init__()


class L1(ProximalOperator):
    """f(x) = λ Σ w_i |x_i|; prox is soft thresholding.

    Parameters
    ----------
    strength : float, default=1.0
        λ ≥ 0.
    weights : array_like or None
        Non-negative per-coordinate weights w (0 leaves a coordinate unpenalized).
    """

    kind = "l1"

    def __init__(self, strength: float = 1.0, weights=None):
        self.strength = _strength(strength)
        self.weights = _optional_vector(weights, "weights")
        super().__init__([self.strength], self.weights)

    def _repr_params(self):
        return {"strength": self.strength} | ({"weights": self.weights} if self.weights is not None else {})


class SquaredL2(ProximalOperator):
    """f(x) = (λ/2) Σ w_i x_i² (ridge); prox_{tf}(v)_i = v_i / (1 + tλw_i)."""

    kind = "l2_squared"

    def __init__(self, strength: float = 1.0, weights=None):
        self.strength = _strength(strength)
        self.weights = _optional_vector(weights, "weights")
        super().__init__([self.strength], self.weights)

    def _repr_params(self):
        return {"strength": self.strength} | ({"weights": self.weights} if self.weights is not None else {})


class L2(ProximalOperator):
    """f(x) = λ‖x‖₂; prox is block soft thresholding max(0, 1 − tλ/‖v‖) v."""

    kind = "l2"

    def __init__(self, strength: float = 1.0):
        self.strength = _strength(strength)
        super().__init__([self.strength])

    def _repr_params(self):
        return {"strength": self.strength}


class GroupL2(ProximalOperator):
    """f(x) = λ Σ_g w_g ‖x_g‖₂, the group-Lasso penalty (Yuan & Lin 2006).

    Parameters
    ----------
    strength : float, default=1.0
    groups : int, array of labels, or list of index lists
        Disjoint groups; coordinates in no group are unpenalized.
    weights : array_like or None
        One non-negative weight per group; default sqrt(group size).
    """

    kind = "group_l2"

    def __init__(self, strength: float = 1.0, groups=1, weights=None):
        self.strength = _strength(strength)
        self.groups = GroupSpec(groups)
        self.weights = _optional_vector(weights, "weights")
        super().__init__([self.strength], self.weights, groups=self.groups)

    def _repr_params(self):
        return {"strength": self.strength, "groups": self.groups}


class SparseGroupL2(ProximalOperator):
    """f(x) = λ₁‖x‖₁ + λ₂ Σ_g w_g ‖x_g‖₂, the sparse-group Lasso penalty
    (Simon, Friedman, Hastie & Tibshirani 2013); prox = group shrinkage of the
    soft-thresholded vector."""

    kind = "sparse_group"

    def __init__(self, l1_strength: float = 1.0, group_strength: float = 1.0, groups=1, weights=None):
        self.l1_strength = _strength(l1_strength, "l1_strength")
        self.group_strength = _strength(group_strength, "group_strength")
        self.groups = GroupSpec(groups)
        self.weights = _optional_vector(weights, "weights")
        super().__init__([self.l1_strength, self.group_strength], self.weights, groups=self.groups)

    def _repr_params(self):
        return {"l1_strength": self.l1_strength, "group_strength": self.group_strength, "groups": self.groups}


class ElasticNet(ProximalOperator):
    """f(x) = α Σ w_i (ρ|x_i| + (1 − ρ)/2 x_i²), scikit-learn's parametrization
    (α = ``strength``, ρ = ``l1_ratio``) (Zou & Hastie 2005)."""

    kind = "elastic_net"

    def __init__(self, strength: float = 1.0, l1_ratio: float = 0.5, weights=None):
        self.strength = _strength(strength)
        self.l1_ratio = as_scalar(l1_ratio, "l1_ratio", low=0.0, high=1.0)
        self.weights = _optional_vector(weights, "weights")
        super().__init__([self.strength, self.l1_ratio], self.weights)

    def _repr_params(self):
        return {"strength": self.strength, "l1_ratio": self.l1_ratio} | (
            {"weights": self.weights} if self.weights is not None else {})


class Linf(ProximalOperator):
    """f(x) = λ‖x‖∞; prox by the Moreau decomposition v − P_{B₁(tλ)}(v)
    with Condat's ℓ1-ball projection."""

    kind = "linf"

    def __init__(self, strength: float = 1.0):
        self.strength = _strength(strength)
        super().__init__([self.strength])

    def _repr_params(self):
        return {"strength": self.strength}


class Box(ProximalOperator):
    """Indicator of {lower ≤ x ≤ upper}; bounds are scalars or per-coordinate
    arrays and may be infinite. prox = clip."""

    kind = "box"

    def __init__(self, lower=-np.inf, upper=np.inf):
        lo = as_float_array(lower, "lower", finite=False).ravel()
        hi = as_float_array(upper, "upper", finite=False).ravel()
        if np.isnan(lo).any():
            raise ValueError("lower: contains NaN")
        if np.isnan(hi).any():
            raise ValueError("upper: contains NaN")
        self.lower, self.upper = np.ascontiguousarray(lo), np.ascontiguousarray(hi)
        super().__init__((), self.lower, self.upper)

    def _repr_params(self):
        return {"lower": self.lower, "upper": self.upper}


class NonNegative(ProximalOperator):
    """Indicator of the non-negative orthant; prox = max(v, 0)."""

    kind = "nonnegative"

    def __init__(self):
        super().__init__()


def _radius(radius):
    return as_scalar(radius, "radius", low=0.0)


class L2Ball(ProximalOperator):
    """Indicator of {‖x‖₂ ≤ r}; prox = v·min(1, r/‖v‖₂)."""

    kind = "l2_ball"

    def __init__(self, radius: float = 1.0):
        self.radius = _radius(radius)
        super().__init__([self.radius])

    def _repr_params(self):
        return {"radius": self.radius}


class LinfBall(ProximalOperator):
    """Indicator of {‖x‖∞ ≤ r}; prox = clip(v, −r, r)."""

    kind = "linf_ball"

    def __init__(self, radius: float = 1.0):
        self.radius = _radius(radius)
        super().__init__([self.radius])

    def _repr_params(self):
        return {"radius": self.radius}


class L1Ball(ProximalOperator):
    """Indicator of {‖x‖₁ ≤ r}; projection in expected O(n) time by Condat's
    algorithm (L. Condat, Math. Program. 158, 2016)."""

    kind = "l1_ball"

    def __init__(self, radius: float = 1.0):
        self.radius = _radius(radius)
        super().__init__([self.radius])

    def _repr_params(self):
        return {"radius": self.radius}


class Simplex(ProximalOperator):
    """Indicator of {x ≥ 0, Σ x = s} (s = 1: the probability simplex);
    projection by Condat's algorithm (Math. Program. 2016)."""

    kind = "simplex"

    def __init__(self, total: float = 1.0):
        self.total = as_scalar(total, "total", low=0.0, low_open=True)
        super().__init__([self.total])

    def _repr_params(self):
        return {"total": self.total}


class Hyperplane(ProximalOperator):
    """Indicator of {aᵀx = b}; prox = v − (aᵀv − b) a / ‖a‖²."""

    kind = "hyperplane"

    def __init__(self, a, b: float = 0.0):
        self.a = np.ascontiguousarray(as_float_array(a, "a").ravel())
        if not self.a.any():
            raise ValueError("a: must be a nonzero vector")
        self.b = as_scalar(b, "b")
        super().__init__([self.b], self.a)

    def _repr_params(self):
        return {"a": self.a, "b": self.b}


class Halfspace(Hyperplane):
    """Indicator of {aᵀx ≤ b}; prox = v − max(aᵀv − b, 0) a / ‖a‖²."""

    kind = "halfspace"


class TV1D(ProximalOperator):
    """f(x) = λ Σ |x_{i+1} − x_i|, 1-D total variation; exact prox by Condat's
    direct algorithm (L. Condat, IEEE Signal Process. Lett. 20(11), 2013)."""

    kind = "tv1d"

    def __init__(self, strength: float = 1.0):
        self.strength = _strength(strength)
        super().__init__([self.strength])

    def _repr_params(self):
        return {"strength": self.strength}


class Huber(ProximalOperator):
    """f(x) = λ Σ h_δ(x_i) with h_δ(a) = a²/2 for |a| ≤ δ, δ|a| − δ²/2 otherwise
    (Huber 1964)."""

    kind = "huber"

    def __init__(self, strength: float = 1.0, delta: float = 1.0):
        self.strength = _strength(strength)
        self.delta = as_scalar(delta, "delta", low=0.0, low_open=True)
        super().__init__([self.strength, self.delta])

    def _repr_params(self):
        return {"strength": self.strength, "delta": self.delta}


class Hinge(ProximalOperator):
    """f(x) = λ Σ max(0, 1 − y_i x_i), the hinge loss of the margins y ⊙ x
    (labels y default to 1)."""

    kind = "hinge"

    def __init__(self, strength: float = 1.0, labels=None):
        self.strength = _strength(strength)
        self.labels = _optional_vector(labels, "labels")
        super().__init__([self.strength], self.labels)

    def _repr_params(self):
        return {"strength": self.strength} | ({"labels": self.labels} if self.labels is not None else {})


class L0(ProximalOperator):
    """f(x) = λ‖x‖₀ (nonconvex); prox is hard thresholding at √(2tλ)
    (ties at the threshold go to 0)."""

    kind = "l0"

    def __init__(self, strength: float = 1.0):
        self.strength = _strength(strength)
        super().__init__([self.strength])

    def _repr_params(self):
        return {"strength": self.strength}


class MCP(ProximalOperator):
    """The minimax concave penalty (Zhang, Ann. Statist. 2010) with parameters
    λ and γ > 0; prox is firm thresholding for steps t < γ and the exact global
    minimizer otherwise."""

    kind = "mcp"

    def __init__(self, strength: float = 1.0, gamma: float = 3.0):
        self.strength = _strength(strength)
        self.gamma = as_scalar(gamma, "gamma", low=0.0, low_open=True)
        super().__init__([self.strength, self.gamma])

    def _repr_params(self):
        return {"strength": self.strength, "gamma": self.gamma}


class SCAD(ProximalOperator):
    """The smoothly clipped absolute deviation penalty (Fan & Li, JASA 2001)
    with parameters λ and a > 2; exact prox for every step."""

    kind = "scad"

    def __init__(self, strength: float = 1.0, a: float = 3.7):
        self.strength = _strength(strength)
        self.a = as_scalar(a, "a", low=2.0, low_open=True)
        super().__init__([self.strength, self.a])

    def _repr_params(self):
        return {"strength": self.strength, "a": self.a}


class Nuclear(ProximalOperator):
    """f(X) = λ‖X‖_* (sum of singular values); prox is singular value
    thresholding (Cai, Candès & Shen 2010) through LAPACK's dgesdd."""

    kind = "nuclear"
    is_matrix = True

    def __init__(self, strength: float = 1.0):
        self.strength = _strength(strength)
        super().__init__([self.strength])

    def _repr_params(self):
        return {"strength": self.strength}


class PSD(ProximalOperator):
    """Indicator of the cone of symmetric positive semidefinite matrices; prox
    projects the symmetric part (V + Vᵀ)/2 by clipping its eigenvalues at 0
    (LAPACK dsyevd)."""

    kind = "psd"
    is_matrix = True

    def __init__(self):
        super().__init__()
