"""Datafits of :class:`~nonsmooth.linear_model.GeneralizedLinearEstimator`.

Each is the smooth part F(Xβ + b) of the objective, with optional sample
weights sᵢ and S = Σ sᵢ (sᵢ = 1, S = n without weights):

- :class:`Quadratic`: Σ sᵢ (yᵢ − ηᵢ)² / (2S), scikit-learn's Lasso loss;
- :class:`Logistic`: Σ sᵢ log(1 + exp(−yᵢηᵢ)) / S, labels mapped to ±1.
"""
from __future__ import annotations


class Quadratic:
    """Least squares, Σ sᵢ (yᵢ − ηᵢ)² / (2 Σ sᵢ).

    Examples
    --------
    >>> from nonsmooth.linear_model import GeneralizedLinearEstimator, datafits, penalties
    >>> model = GeneralizedLinearEstimator(datafits.Quadratic(), penalties.MCP(0.1, gamma=3.0))
    """

    _code = 0
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
    is_classification = True

    def __repr__(self):
        return "Logistic()"

    def __eq__(self, other):
        return type(other) is type(self)

    def __hash__(self):
        return hash(type(self))


__all__ = ["Logistic", "Quadratic"]
