"""nonsmooth: optimization and differentiation when gradients do not exist.

A Python library with a Swift core:

- ``nonsmooth.prox`` — a catalogue of exact proximal operators, each with its
  value and a subgradient so optimality can be checked.
- ``nonsmooth.Lasso``, ``ElasticNet``, ``lasso_path`` — certified coordinate descent.
- ``nonsmooth.minimize``, ``subgradient_method``, ``admm`` — generic solvers for
  a smooth loss plus any prox operator.

See the README for the layers (Swift core → C ABI → CPython extension → Python).
"""
from . import datasets, linear_model, optimize, prox
from .linear_model import ElasticNet, Lasso, enet_path, lasso_path
from .optimize import OptimizeResult, admm, minimize, subgradient_method
from ._native import version as _native_version
from .exceptions import CancelledError, ConvergenceWarning, NotConvergedError, NumericalError

__version__ = "0.1.0"

if _native_version() != __version__:  # a stale libNonsmoothC.so next to the extension
    raise ImportError(
        f"nonsmooth {__version__} found native library version {_native_version()}; reinstall with `pip install .`"
    )

__all__ = [
    "CancelledError",
    "ElasticNet",
    "datasets",
    "Lasso",
    "enet_path",
    "lasso_path",
    "linear_model",
    "optimize",
    "OptimizeResult",
    "admm",
    "minimize",
    "subgradient_method",
    "ConvergenceWarning",
    "NotConvergedError",
    "NumericalError",
    "prox",
    "__version__",
]
