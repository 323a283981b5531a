"""nonsmooth: optimization and differentiation when gradients do not exist.

A Python library with a Swift core:

- ``nonsmooth.prox`` — a catalogue of exact proximal operators, each with its
  value and a subgradient so optimality can be checked.
- ``nonsmooth.tuning`` — bilevel tuning of Lasso-type models (``LassoTuned``,
  ``ElasticNetTuned``, ``WeightedLassoTuned``) by implicit differentiation.
- ``nonsmooth.Lasso``, ``ElasticNet``, ``lasso_path`` — certified coordinate descent.
- ``nonsmooth.distributed`` (``pip install "nonsmooth[dask]"``, imported on
  demand) — ``Lasso``, ``ElasticNet``, ``SparseLogisticRegression`` fitted on a
  Dask cluster by consensus ADMM, certified by the same duality gaps.
- ``nonsmooth.minimize``, ``subgradient_method``, ``admm`` — generic solvers for
  a smooth loss plus any prox operator.
- ``nonsmooth.train`` — native training loops of traced losses (minibatches,
  SGD/momentum/Nesterov/AdaGrad/RMSProp/Adam, proximal steps, averaging);
  optimizers and schedules in ``nonsmooth.optim``.
- ``nonsmooth.function`` — conservative automatic differentiation of traced
  programs with explicit kink policies (``Kinks``) and kink reports; the
  primitives (``relu``, ``abs``, ``maximum``, ``norm1``, ``sort``, ...) live in
  this namespace under NumPy's names (see ``nonsmooth.autodiff``).

See the README for the layers (Swift core → C ABI → CPython extension → Python).
"""
from ._blas import configure_openblas as _configure_openblas

_configure_openblas()  # before the native library loads OpenBLAS

from . import datasets, linear_model, optimize, prox  # noqa: E402
from .linear_model import ElasticNet, Lasso, enet_path, lasso_path
from .linear_model import MultiTaskElasticNet, MultiTaskLasso
from .linear_model import (GeneralizedLinearEstimator, MCPRegression, SCADRegression, SparseLogisticRegression,
                           logistic_path)
from .linear_model import GroupLasso, SparseGroupLasso, group_lasso_path
from .tuning import ElasticNetTuned, ImplicitDifferentiationWarning, LassoTuned, WeightedLassoTuned
from .optimize import OptimizeResult, admm, minimize, subgradient_method
from . import autodiff
from .autodiff import (  # the primitives under NumPy's names, function, Kinks, ...
    Function, KinkReport, Kinks, Tracer, function, get_kink_policy, kink_policy, set_kink_policy, abs,
    absolute, add, amax, amin, broadcast_to, clip, concatenate, cos, divide, equal, exp, floor, gelu, greater,
    greater_equal, hinge, huber, leaky_relu, less, less_equal, log, log1p, logsumexp, matmul, max, max_pool1d,
    max_pool2d, maximum, mean, min, minimum, multiply, negative, norm1, norm2, norm_inf, not_equal, power,
    reciprocal, relu, reshape, round, sigmoid, sign, sin, soft_threshold, softmax_cross_entropy, softplus,
    sort, sqrt, square, stack, subtract, sum, tanh, transpose, where,
    avg_pool1d, avg_pool2d, batch_norm, codebook_lookup, conv2d, gumbel_noise, gumbel_softmax,
    sign_straight_through, softmax, stop_gradient,
)
import os as _os

from . import _native
from ._native import version as _native_version
from .exceptions import (CancelledError, ConvergenceWarning, DivergenceWarning, KinkError, NotConvergedError,
                         NumericalError, StuckAtKinkWarning)
from . import optim, training
from .training import TrainResult, train
from .optim import SGD, AdaGrad, Adam, Momentum, Nesterov, RMSProp

__version__ = "0.1.0"

if _native_version() != __version__:  # a stale libNonsmoothC.so next to the extension
    raise ImportError(
        f"nonsmooth {__version__} found native library version {_native_version()}; reinstall with `pip install .`"
    )

def set_num_threads(n: int) -> None:
    """Threads used by BLAS/LAPACK inside nonsmooth (SVD, eigendecompositions, Gram
    matrices). The default is 1 (or the environment variable NONSMOOTH_NUM_THREADS):
    native calls release the GIL, so parallelism comes from running them in
    parallel threads, and a threaded BLAS under such load oversubscribes the cores.

    Parameters
    ----------
    n : int
        The number of threads, ≥ 1.

    Examples
    --------
    >>> previous = ns.get_num_threads()
    >>> ns.set_num_threads(2)
    >>> ns.get_num_threads()
    2
    >>> ns.set_num_threads(previous)
    """
    _native.set_num_threads(int(n))


def get_num_threads() -> int:
    """Threads used by BLAS/LAPACK inside nonsmooth (see :func:`set_num_threads`).

    Returns
    -------
    int

    Examples
    --------
    >>> ns.get_num_threads() >= 1
    True
    """
    return _native.get_num_threads()


def set_autodiff_threads(n: int) -> None:
    """Most threads a large matrix product of the autodiff engine may use.

    A product of at least 2²² multiply-adds (in :func:`function` evaluations,
    gradients and :func:`train`) is computed as at most 8 panels of its longer
    output dimension, always the same panels for the same shape, so results do
    not depend on the thread count. The panels run on up to ``n`` threads when
    no other autodiff call is running in the process at that moment (calls from
    your own thread pool then keep one core each) and :func:`get_num_threads`
    is 1; else on the calling thread. The default is the number of CPUs the
    process may use (its affinity mask).

    Parameters
    ----------
    n : int
        The number of threads, ≥ 1 (1: every product on the calling thread), or
        0 for the default.

    Examples
    --------
    >>> previous = ns.get_autodiff_threads()
    >>> ns.set_autodiff_threads(1)
    >>> ns.get_autodiff_threads()
    1
    >>> ns.set_autodiff_threads(previous)
    """
    _native.set_autodiff_threads(int(n))


def get_autodiff_threads() -> int:
    """Most threads a large autodiff product may use (see :func:`set_autodiff_threads`).

    Returns
    -------
    int

    Examples
    --------
    >>> ns.get_autodiff_threads() >= 1
    True
    """
    return _native.get_autodiff_threads()


set_num_threads(int(_os.environ.get("NONSMOOTH_NUM_THREADS", "1")))

__all__ = [
    "CancelledError",
    "ElasticNet",
    "ElasticNetTuned",
    "ImplicitDifferentiationWarning",
    "LassoTuned",
    "WeightedLassoTuned",
    "tuning",
    "datasets",
    "lab",
    "Lasso",
    "enet_path",
    "lasso_path",
    "GeneralizedLinearEstimator",
    "MCPRegression",
    "MultiTaskElasticNet",
    "MultiTaskLasso",
    "SCADRegression",
    "SparseLogisticRegression",
    "logistic_path",
    "GroupLasso",
    "SparseGroupLasso",
    "group_lasso_path",
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
    "get_num_threads",
    "set_num_threads",
    "set_autodiff_threads",
    "get_autodiff_threads",
    "autodiff",
    "KinkError",
    "DivergenceWarning",
    "StuckAtKinkWarning",
    "optim",
    "training",
    "train",
    "TrainResult",
    "SGD",
    "Momentum",
    "Nesterov",
    "AdaGrad",
    "RMSProp",
    "Adam",
    # nonsmooth.autodiff, listed literally so that type checkers see the re-exports
    "Function", "KinkReport", "Kinks", "Tracer", "function", "get_kink_policy", "kink_policy",
    "set_kink_policy", "abs", "absolute", "add", "amax", "amin", "broadcast_to", "clip", "concatenate", "cos",
    "divide", "equal", "exp", "floor", "gelu", "greater", "greater_equal", "hinge", "huber", "leaky_relu",
    "less", "less_equal", "log", "log1p", "logsumexp", "matmul", "max", "max_pool1d", "max_pool2d", "maximum",
    "mean", "min", "minimum", "multiply", "negative", "norm1", "norm2", "norm_inf", "not_equal", "power",
    "reciprocal", "relu", "reshape", "round", "sigmoid", "sign", "sin", "soft_threshold",
    "softmax_cross_entropy", "softplus", "sort", "sqrt", "square", "stack", "subtract", "sum", "tanh",
    "transpose", "where",
    "avg_pool1d", "avg_pool2d", "batch_norm", "codebook_lookup", "conv2d", "gumbel_noise", "gumbel_softmax",
    "sign_straight_through", "softmax", "stop_gradient",
]

from . import lab  # noqa: E402  (the lab: experiments after Kumar, "GD doesn't make the cut")
