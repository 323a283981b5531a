"""Datafits of :class:`~nonsmooth.linear_model.GeneralizedLinearEstimator`.

Each is the smooth part F(Xβ + b) of the objective, with optional sample
weights sᵢ and S = Σ sᵢ (sᵢ = 1, S = n without weights):

- :class:`Quadratic`: Σ sᵢ (yᵢ − ηᵢ)² / (2S), scikit-learn's Lasso loss;
- :class:`Logistic`: Σ sᵢ log(1 + exp(−yᵢηᵢ)) / S, labels mapped to ±1;
- :class:`Huber`: Σ sᵢ h_δ(yᵢ − ηᵢ) / S, robust regression;
- :class:`Poisson`: Σ sᵢ (exp(ηᵢ) − yᵢηᵢ) / S, counts with a log link.
"""
from __future__ import annotations

import numbers

import numpy as np


class Quadratic:
    """Least squares, Σ sᵢ (yᵢ − ηᵢ)² / (2 Σ sᵢ).

    Examples
    --------
    >>> from nonsmooth.linear_model import GeneralizedLinearEstimator, datafits, penalties
    >>> model = GeneralizedLinearEstimator(datafits.Quadratic(), penalties.MCP(0.1, gamma=3.0))
    """

    _code = 0
    _param = 0.0
    is_classification = False

    def __repr__(self):
        return "Quadratic()"

    def __eq__(self, other):
        return type(other) is type(self)

    def __hash__(self):
        return hash(type(self))


class Logistic:
    """Binary logistic loss, Σ sᵢ log(1 + exp(−yᵢηᵢ)) / Σ sᵢ with yᵢ ∈ {−1, +1}
    (estimators map any two labels to ±1: the second of the sorted classes is +1).

    Examples
    --------
    >>> from nonsmooth.linear_model import GeneralizedLinearEstimator, datafits, penalties
    >>> model = GeneralizedLinearEstimator(datafits.Logistic(), penalties.L1(0.01))
    """

    _code = 1
    _param = 0.0
    is_classification = True

    def __repr__(self):
        return "Logistic()"

    def __eq__(self, other):
        return type(other) is type(self)

    def __hash__(self):
        return hash(type(self))


class Huber:
    """Huber's robust loss, Σ sᵢ h_δ(yᵢ − ηᵢ) / Σ sᵢ with h_δ(r) = r²/2 for
    |r| ≤ δ and δ|r| − δ²/2 beyond (skglm's ``Huber``): residuals larger than
    δ cost linearly, so outliers pull less than with least squares.

    Unlike scikit-learn's ``HuberRegressor`` (whose ``epsilon`` is relative to
    a jointly estimated scale σ), δ is in the units of y. Convex: with L1 or
    elastic-net penalties the fit is certified by its duality gap (the conjugate
    is the quadratic's on the box |θᵢ| ≤ δsᵢ/S).

    Parameters
    ----------
    delta : float, default=1.0
        The threshold δ > 0.

    Examples
    --------
    >>> from nonsmooth.linear_model import GeneralizedLinearEstimator, datafits, penalties
    >>> model = GeneralizedLinearEstimator(datafits.Huber(delta=1.0), penalties.L1(0.05))
    """

    _code = 2
    is_classification = False

    def __init__(self, delta=1.0):
        self.delta = delta

    @property
    def _param(self):
        d = self.delta
        if isinstance(d, bool) or not isinstance(d, numbers.Real) or not np.isfinite(d) or d <= 0:
            raise ValueError(f"delta: must be a finite number > 0, got {d!r}")
        return float(d)

    def __repr__(self):
        return f"Huber(delta={self.delta!r})"

    def __eq__(self, other):
        return type(other) is type(self) and other.delta == self.delta

    def __hash__(self):
        return hash((type(self), self.delta))


class Poisson:
    """Poisson regression with log link, Σ sᵢ (exp(ηᵢ) − yᵢηᵢ) / Σ sᵢ for
    targets yᵢ ≥ 0: scikit-learn's ``PoissonRegressor`` loss (half the mean
    Poisson deviance) up to a constant, so ``penalties.ElasticNet(α, 0)`` gives
    its solution and ``penalties.L1`` a sparse one.

    The curvature exp(ηᵢ) has no global bound: the engine takes proximal
    Newton steps with a line search and backtracks its coordinate steps, and
    Gap Safe screening is off. Convex pairs are certified by their duality gap.

    Examples
    --------
    >>> from nonsmooth.linear_model import GeneralizedLinearEstimator, datafits, penalties
    >>> model = GeneralizedLinearEstimator(datafits.Poisson(), penalties.L1(0.01))
    """

    _code = 3
    _param = 0.0
    is_classification = False

    def __repr__(self):
        return "Poisson()"

    def __eq__(self, other):
        return type(other) is type(self)

    def __hash__(self):
        return hash(type(self))


DATAFITS = (Quadratic, Logistic, Huber, Poisson)

__all__ = ["Huber", "Logistic", "Poisson", "Quadratic"]
