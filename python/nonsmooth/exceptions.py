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


class StuckAtKinkWarning(UserWarning):
    """A training run never moved its parameters because the conservative
    gradient at the starting point is exactly zero *and* inputs sat on kinks
    there: the zero is the kink policy's choice (e.g. relu'(0) = 0 at w = 0),
    not a stationary point. Start away from the kinks (small random weights)
    or choose another :class:`nonsmooth.Kinks` policy."""


__all__ = ["CancelledError", "ConvergenceWarning", "DivergenceWarning", "KinkError", "NotConvergedError",
           "NumericalError", "StuckAtKinkWarning"]
