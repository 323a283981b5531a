"""Built-in smooth losses for the generic solvers (computed natively).

A user-supplied smooth loss will come with the conservative autodiff.
"""
from __future__ import annotations

import numpy as np

from .._validation import as_float_array, as_scalar


class SmoothLoss:
    """A smooth data-fit term f(x) of a design A (n × p) and a vector b (n)."""

    kind = ""

    def __init__(self, A, b, *, lipschitz: float | None = None):
        A = as_float_array(A, "A", ndim=2)
        b = np.ascontiguousarray(as_float_array(b, "b", ndim=1))
        if b.shape[0] != A.shape[0]:
            raise ValueError(f"b: has {b.shape[0]} entries but A has {A.shape[0]} rows")
        self.A, self.b = A, b
        self.lipschitz = None if lipschitz is None else as_scalar(lipschitz, "lipschitz", low=0.0)
        self.delta = 1.0

    @property
    def dimension(self) -> int:
        return self.A.shape[1]

    def _native_args(self):
        return (self.kind, self.A, self.b, self.delta, np.nan if self.lipschitz is None else self.lipschitz)

    def __repr__(self):
        return f"{type(self).__name__}(A: {self.A.shape[0]}×{self.A.shape[1]})"


class LeastSquares(SmoothLoss):
    """f(x) = ‖Ax − b‖² / (2n)."""

    kind = "least_squares"


class Logistic(SmoothLoss):
    """f(x) = (1/n) Σ log(1 + exp(−b_i (Ax)_i)) with labels b_i ∈ {−1, +1}."""

    kind = "logistic"

    def __init__(self, A, b, *, lipschitz=None):
        super().__init__(A, b, lipschitz=lipschitz)
        if not np.isin(self.b, (-1.0, 1.0)).all():
            raise ValueError("b: logistic labels must be -1 or +1")


class Huber(SmoothLoss):
    """f(x) = (1/n) Σ huber_δ((Ax − b)_i) (Huber 1964), robust to outliers."""

    kind = "huber"

    def __init__(self, A, b, delta: float = 1.0, *, lipschitz=None):
        super().__init__(A, b, lipschitz=lipschitz)
        self.delta = as_scalar(delta, "delta", low=0.0, low_open=True)
