"""Exceptions and warnings raised by nonsmooth."""
from ._native import CancelledError, NotConvergedError, NumericalError


class ConvergenceWarning(UserWarning):
    """An iterative method stopped before its certificate reached the tolerance.

    The message states the certificate reached (duality gap, KKT residual).
    """


__all__ = ["CancelledError", "ConvergenceWarning", "NotConvergedError", "NumericalError"]
