"""Generic solvers for min f(x) + g(x): proximal gradient (ISTA/FISTA), the
subgradient method and ADMM, with any operator of :mod:`nonsmooth.prox`."""
from . import losses
from ._solvers import OptimizeResult, admm, minimize, subgradient_method
from .losses import Huber, LeastSquares, Logistic

__all__ = ["Huber", "LeastSquares", "Logistic", "OptimizeResult", "admm", "losses", "minimize",
           "subgradient_method"]
