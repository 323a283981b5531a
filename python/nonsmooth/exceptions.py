"""Exceptions and warnings raised by nonsmooth."""
from ._native import CancelledError, KinkError, NotConvergedError, NumericalError

try:  # subclass scikit-learn's warning when present, so its filters apply to us too
    from sklearn.exceptions import ConvergenceWarning as _Base
except ImportError:  # pragma: no cover
    _Base = UserWarning


class ConvergenceWarning(_Base):
    """An iterative method stopped before its certificate reached the tolerance.

    The message states the certificate reached (duality gap, KKT residual).
    """


class DivergenceWarning(RuntimeWarning):
    """A training run stopped because its loss or parameters stopped being finite
    (``TrainResult.stop == "diverged"``); the step size is usually too large."""


__all__ = ["CancelledError", "ConvergenceWarning", "DivergenceWarning", "KinkError", "NotConvergedError",
           "NumericalError"]
