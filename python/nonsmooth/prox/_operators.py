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
    """f(x) = 0; prox is the identity.

    Examples
    --------
    >>> f = ns.prox.Zero()
    >>> f.prox(np.array([1.0, -2.0]), 3.0), f(np.array([1.0, -2.0]))
    (array([ 1., -2.]), 0.0)
    """

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

    Examples
    --------
    >>> f = ns.prox.L1(0.5)
    >>> v = np.array([-2.0, -0.3, 0.1, 1.5])
    >>> f.prox(v, step=1.0)
    array([-1.5,  0. ,  0. ,  1. ])
    >>> f(v), f.subgradient(np.array([-1.5, 0.0, 2.0]))
    (1.95, array([-0.5,  0. ,  0.5]))
    """

    kind = "l1"

    def __init__(self, strength: float = 1.0, weights=None):
        self.strength = _strength(strength)
        self.weights = _optional_vector(weights, "weights")
        super().__init__([self.strength], self.weights)

    def _repr_params(self):
        return {"strength": self.strength} | ({"weights": self.weights} if self.weights is not None else {})


class SquaredL2(ProximalOperator):
    """f(x) = (λ/2) Σ w_i x_i² (ridge); prox_{tf}(v)_i = v_i / (1 + tλw_i).

    Parameters
    ----------
    strength : float, default=1.0
        λ ≥ 0.
    weights : array_like or None
        Non-negative per-coordinate weights w.

    Examples
    --------
    >>> f = ns.prox.SquaredL2(1.0)
    >>> f.prox(np.array([2.0, -4.0]), step=1.0), f(np.array([1.0, 2.0]))
    (array([ 1., -2.]), 2.5)
    """

    kind = "l2_squared"

    def __init__(self, strength: float = 1.0, weights=None):
        self.strength = _strength(strength)
        self.weights = _optional_vector(weights, "weights")
        super().__init__([self.strength], self.weights)

    def _repr_params(self):
        return {"strength": self.strength} | ({"weights": self.weights} if self.weights is not None else {})


class L2(ProximalOperator):
    """f(x) = λ‖x‖₂; prox is block soft thresholding max(0, 1 − tλ/‖v‖) v.

    Parameters
    ----------
    strength : float, default=1.0
        λ ≥ 0.

    Examples
    --------
    >>> f = ns.prox.L2(1.0)
    >>> f.prox(np.array([3.0, 4.0])), f(np.array([3.0, 4.0]))
    (array([2.4, 3.2]), 5.0)
    >>> f.subgradient(np.zeros(2))      # the minimal-norm element of the unit ball
    array([0., 0.])
    """

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

    Examples
    --------
    >>> f = ns.prox.GroupL2(1.0, groups=[[0, 1], [2, 3]], weights=[1.0, 1.0])
    >>> f.prox(np.array([3.0, 4.0, 0.3, 0.4]))
    array([2.4, 3.2, 0. , 0. ])
    >>> f(np.array([3.0, 4.0, 0.3, 0.4]))
    5.5
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
    soft-thresholded vector.

    Parameters
    ----------
    l1_strength, group_strength : float, default=1.0
        λ₁ ≥ 0 and λ₂ ≥ 0.
    groups : int, array of labels, or list of index lists
        Disjoint groups; coordinates in no group get only the ℓ1 term.
    weights : array_like or None
        One non-negative weight per group; default sqrt(group size).

    Examples
    --------
    >>> f = ns.prox.SparseGroupL2(0.5, 1.0, groups=[[0, 1], [2, 3]], weights=[1.0, 1.0])
    >>> f.prox(np.array([3.0, 4.0, 0.3, 1.4]))
    array([1.91876181, 2.68626653, 0.        , 0.        ])
    """

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
    (α = ``strength``, ρ = ``l1_ratio``) (Zou & Hastie 2005).

    Parameters
    ----------
    strength : float, default=1.0
        α ≥ 0.
    l1_ratio : float, default=0.5
        ρ in [0, 1].
    weights : array_like or None
        Non-negative per-coordinate weights w.

    Examples
    --------
    >>> f = ns.prox.ElasticNet(1.0, l1_ratio=0.5)
    >>> f.prox(np.array([-3.0, 0.2, 2.0])), f(np.array([-1.0, 2.0]))
    (array([-1.66666667,  0.        ,  1.        ]), 2.75)
    """

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
    with Condat's ℓ1-ball projection.

    Parameters
    ----------
    strength : float, default=1.0
        λ ≥ 0.

    Examples
    --------
    >>> f = ns.prox.Linf(1.0)
    >>> f.prox(np.array([3.0, -1.0, 0.5])), f(np.array([3.0, -1.0]))
    (array([ 2. , -1. ,  0.5]), 3.0)
    """

    kind = "linf"

    def __init__(self, strength: float = 1.0):
        self.strength = _strength(strength)
        super().__init__([self.strength])

    def _repr_params(self):
        return {"strength": self.strength}


class Box(ProximalOperator):
    """Indicator of {lower ≤ x ≤ upper}; bounds are scalars or per-coordinate
    arrays and may be infinite. prox = clip.

    Parameters
    ----------
    lower, upper : float or array_like, default=-inf, inf
        The bounds (lower ≤ upper), scalars or one per coordinate.

    Examples
    --------
    >>> f = ns.prox.Box(-1.0, [1.0, 2.0, 3.0])
    >>> f.prox(np.array([-2.0, 2.5, 2.5]))
    array([-1. ,  2. ,  2.5])
    >>> f(np.array([0.0, 0.0, 0.0])), f(np.array([5.0, 0.0, 0.0]))   # 0 inside, inf outside
    (0.0, inf)
    """

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
    """Indicator of the non-negative orthant; prox = max(v, 0).

    Examples
    --------
    >>> ns.prox.NonNegative().prox(np.array([-1.0, 2.0]))
    array([0., 2.])
    """

    kind = "nonnegative"

    def __init__(self):
        super().__init__()


def _radius(radius):
    return as_scalar(radius, "radius", low=0.0)


class L2Ball(ProximalOperator):
    """Indicator of {‖x‖₂ ≤ r}; prox = v·min(1, r/‖v‖₂).

    Parameters
    ----------
    radius : float, default=1.0
        r > 0.

    Examples
    --------
    >>> ns.prox.L2Ball(1.0).prox(np.array([3.0, 4.0]))
    array([0.6, 0.8])
    """

    kind = "l2_ball"

    def __init__(self, radius: float = 1.0):
        self.radius = _radius(radius)
        super().__init__([self.radius])

    def _repr_params(self):
        return {"radius": self.radius}


class LinfBall(ProximalOperator):
    """Indicator of {‖x‖∞ ≤ r}; prox = clip(v, −r, r).

    Parameters
    ----------
    radius : float, default=1.0
        r > 0.

    Examples
    --------
    >>> ns.prox.LinfBall(1.0).prox(np.array([3.0, -0.5]))
    array([ 1. , -0.5])
    """

    kind = "linf_ball"

    def __init__(self, radius: float = 1.0):
        self.radius = _radius(radius)
        super().__init__([self.radius])

    def _repr_params(self):
        return {"radius": self.radius}


class L1Ball(ProximalOperator):
    """Indicator of {‖x‖₁ ≤ r}; projection in expected O(n) time by Condat's
    algorithm (L. Condat, Math. Program. 158, 2016).

    Parameters
    ----------
    radius : float, default=1.0
        r > 0.

    Examples
    --------
    >>> f = ns.prox.L1Ball(2.0)
    >>> x = f.prox(np.array([3.0, -1.0, 0.5]))
    >>> x, np.abs(x).sum()
    (array([2., 0., 0.]), np.float64(2.0))
    """

    kind = "l1_ball"

    def __init__(self, radius: float = 1.0):
        self.radius = _radius(radius)
        super().__init__([self.radius])

    def _repr_params(self):
        return {"radius": self.radius}


class Simplex(ProximalOperator):
    """Indicator of {x ≥ 0, Σ x = s} (s = 1: the probability simplex);
    projection by Condat's algorithm (Math. Program. 2016).

    Parameters
    ----------
    total : float, default=1.0
        s > 0.

    Examples
    --------
    >>> f = ns.prox.Simplex()
    >>> f.prox(np.array([0.2, 0.9, -0.4]))
    array([0.15, 0.85, 0.  ])
    >>> f.prox(np.array([[1.0, 0.0], [3.0, 3.0]]), axis=1)   # every row
    array([[1. , 0. ],
           [0.5, 0.5]])
    """

    kind = "simplex"

    def __init__(self, total: float = 1.0):
        self.total = as_scalar(total, "total", low=0.0, low_open=True)
        super().__init__([self.total])

    def _repr_params(self):
        return {"total": self.total}


class Hyperplane(ProximalOperator):
    """Indicator of {aᵀx = b}; prox = v − (aᵀv − b) a / ‖a‖².

    Parameters
    ----------
    a : array_like
        The normal vector, nonzero.
    b : float, default=0.0

    Examples
    --------
    >>> f = ns.prox.Hyperplane(np.array([0.0, 2.0]), 2.0)
    >>> f.prox(np.array([1.0, 3.0]))
    array([1., 1.])
    """

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
    """Indicator of {aᵀx ≤ b}; prox = v − max(aᵀv − b, 0) a / ‖a‖².

    Parameters
    ----------
    a : array_like
        The normal vector, nonzero.
    b : float, default=0.0

    Examples
    --------
    >>> f = ns.prox.Halfspace(np.array([0.0, 2.0]), 2.0)
    >>> f.prox(np.array([1.0, 3.0])), f.prox(np.array([1.0, -3.0]))
    (array([1., 1.]), array([ 1., -3.]))
    """

    kind = "halfspace"


class TV1D(ProximalOperator):
    """f(x) = λ Σ |x_{i+1} − x_i|, 1-D total variation; exact prox by Condat's
    direct algorithm (L. Condat, IEEE Signal Process. Lett. 20(11), 2013).

    Parameters
    ----------
    strength : float, default=1.0
        λ ≥ 0.

    Examples
    --------
    >>> f = ns.prox.TV1D(0.5)
    >>> f.prox(np.array([0.0, 0.1, 3.0, 2.9, 3.1]))
    array([0.3       , 0.3       , 2.83333333, 2.83333333, 2.83333333])
    >>> f(np.array([0.0, 1.0, 1.0]))
    0.5
    """

    kind = "tv1d"

    def __init__(self, strength: float = 1.0):
        self.strength = _strength(strength)
        super().__init__([self.strength])

    def _repr_params(self):
        return {"strength": self.strength}


class Huber(ProximalOperator):
    """f(x) = λ Σ h_δ(x_i) with h_δ(a) = a²/2 for |a| ≤ δ, δ|a| − δ²/2 otherwise
    (Huber 1964).

    Parameters
    ----------
    strength : float, default=1.0
        λ ≥ 0.
    delta : float, default=1.0
        δ > 0.

    Examples
    --------
    >>> f = ns.prox.Huber(1.0, delta=1.0)
    >>> f.prox(np.array([0.5, 5.0])), f(np.array([0.5, 5.0]))
    (array([0.25, 4.  ]), 4.625)
    """

    kind = "huber"

    def __init__(self, strength: float = 1.0, delta: float = 1.0):
        self.strength = _strength(strength)
        self.delta = as_scalar(delta, "delta", low=0.0, low_open=True)
        super().__init__([self.strength, self.delta])

    def _repr_params(self):
        return {"strength": self.strength, "delta": self.delta}


class Hinge(ProximalOperator):
    """f(x) = λ Σ max(0, 1 − y_i x_i), the hinge loss of the margins y ⊙ x
    (labels y default to 1).

    Parameters
    ----------
    strength : float, default=1.0
        λ ≥ 0.
    labels : array_like or None
        The labels y (±1), default all 1.

    Examples
    --------
    >>> f = ns.prox.Hinge(1.0, labels=[1.0, -1.0])
    >>> f.prox(np.array([0.5, 0.5])), f(np.array([0.5, 0.5]))
    (array([ 1. , -0.5]), 2.0)
    """

    kind = "hinge"

    def __init__(self, strength: float = 1.0, labels=None):
        self.strength = _strength(strength)
        self.labels = _optional_vector(labels, "labels")
        super().__init__([self.strength], self.labels)

    def _repr_params(self):
        return {"strength": self.strength} | ({"labels": self.labels} if self.labels is not None else {})


class L0(ProximalOperator):
    """f(x) = λ‖x‖₀ (nonconvex); prox is hard thresholding at √(2tλ)
    (ties at the threshold go to 0).

    Parameters
    ----------
    strength : float, default=1.0
        λ ≥ 0.

    Examples
    --------
    >>> f = ns.prox.L0(0.5)
    >>> f.prox(np.array([0.5, -1.5, 3.0])), f(np.array([0.0, -1.5, 3.0]))
    (array([ 0. , -1.5,  3. ]), 1.0)
    """

    kind = "l0"

    def __init__(self, strength: float = 1.0):
        self.strength = _strength(strength)
        super().__init__([self.strength])

    def _repr_params(self):
        return {"strength": self.strength}


class MCP(ProximalOperator):
    """The minimax concave penalty (Zhang, Ann. Statist. 2010) with parameters
    λ and γ > 0; prox is firm thresholding for steps t < γ and the exact global
    minimizer otherwise.

    Parameters
    ----------
    strength : float, default=1.0
        λ ≥ 0.
    gamma : float, default=3.0
        γ > 0; the prox is exact for steps t < γ.

    Examples
    --------
    >>> f = ns.prox.MCP(1.0, gamma=3.0)
    >>> f.prox(np.array([0.5, 2.0, 5.0])), f(np.array([5.0]))
    (array([0. , 1.5, 5. ]), 1.5)
    """

    kind = "mcp"

    def __init__(self, strength: float = 1.0, gamma: float = 3.0):
        self.strength = _strength(strength)
        self.gamma = as_scalar(gamma, "gamma", low=0.0, low_open=True)
        super().__init__([self.strength, self.gamma])

    def _repr_params(self):
        return {"strength": self.strength, "gamma": self.gamma}


class SCAD(ProximalOperator):
    """The smoothly clipped absolute deviation penalty (Fan & Li, JASA 2001)
    with parameters λ and a > 2; exact prox for every step.

    Parameters
    ----------
    strength : float, default=1.0
        λ ≥ 0.
    a : float, default=3.7
        a > 2.

    Examples
    --------
    >>> f = ns.prox.SCAD(1.0)
    >>> f.prox(np.array([0.5, 2.0, 5.0])), f(np.array([5.0]))
    (array([0., 1., 5.]), 2.35)
    """

    kind = "scad"

    def __init__(self, strength: float = 1.0, a: float = 3.7):
        self.strength = _strength(strength)
        self.a = as_scalar(a, "a", low=2.0, low_open=True)
        super().__init__([self.strength, self.a])

    def _repr_params(self):
        return {"strength": self.strength, "a": self.a}


class Nuclear(ProximalOperator):
    """f(X) = λ‖X‖_* (sum of singular values); prox is singular value
    thresholding (Cai, Candès & Shen 2010) through LAPACK's dgesdd.

    Parameters
    ----------
    strength : float, default=1.0
        λ ≥ 0.

    Examples
    --------
    >>> f = ns.prox.Nuclear(1.0)
    >>> f.prox(np.diag([3.0, 0.5])), f(np.diag([3.0, -0.5]))
    (array([[2., 0.],
           [0., 0.]]), 3.5)
    """

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
    (LAPACK dsyevd).

    Examples
    --------
    >>> ns.prox.PSD().prox(np.array([[1.0, 0.0], [0.0, -2.0]]))
    array([[1., 0.],
           [0., 0.]])
    """

    kind = "psd"
    is_matrix = True

    def __init__(self):
        super().__init__()
