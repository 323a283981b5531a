"""Exceptions and warnings raised by nonsmooth."""
from ._native import CancelledError, KinkError, NotConvergedError, NumericalError

try:  # subclass scikit-learn's warning when present, so its filters apply to us too
    from sklearn.exceptions import ConvergenceWarning as _Base
except ImportError:  # pragma: no cover
    _Base = UserWarning

# The four exceptions are created by the C extension; their documentation lives here.
CancelledError.__doc__ = """A long-running native computation was stopped by its callback (it returned
False) or by Ctrl-C, where the function has no partial result to return.

A subclass of RuntimeError. Estimators and solvers with a meaningful partial
result return it with a :class:`ConvergenceWarning` instead.

Examples
--------
>>> import nonsmooth as ns
>>> issubclass(ns.CancelledError, RuntimeError)
True
"""
KinkError.__doc__ = """A strict kink policy (``ns.Kinks(strict=True)``) met a point where a
primitive is not differentiable, so no derivative was chosen.

A subclass of ValueError; the message names the primitive.

Examples
--------
>>> import nonsmooth as ns
>>> f = ns.function(lambda x: ns.sum(ns.relu(x)))
>>> try:
...     f.grad(np.array([0.0, 1.0]), policy=ns.Kinks(strict=True))
... except ns.KinkError as error:
...     print(type(error).__name__)
KinkError
"""
NotConvergedError.__doc__ = """An iterative method did not reach its tolerance and has no usable
iterate to return (where it has one, a :class:`ConvergenceWarning` is issued
instead). A subclass of RuntimeError.

Examples
--------
>>> import nonsmooth as ns
>>> issubclass(ns.NotConvergedError, RuntimeError)
True
"""
NumericalError.__doc__ = """A numerical routine failed (a LAPACK factorization, a non-finite
intermediate value): the message says which and where. A subclass of
ArithmeticError.

Examples
--------
>>> import nonsmooth as ns
>>> issubclass(ns.NumericalError, ArithmeticError)
True
"""


class ConvergenceWarning(_Base):
    """An iterative method stopped before its certificate reached the tolerance.

    The message states the certificate reached (duality gap, KKT residual).
    It subclasses scikit-learn's ``ConvergenceWarning`` when scikit-learn is
    installed, so ``warnings.filterwarnings`` on either applies.

    Examples
    --------
    >>> import warnings, nonsmooth as ns
    >>> X = np.vander(np.linspace(0, 1, 20), 8)       # badly conditioned columns
    >>> y = np.linspace(0, 1, 20) ** 3
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     _ = ns.Lasso(1e-6, tol=1e-12, max_iter=2).fit(X, y)
    >>> [w.category.__name__ for w in caught]
    ['ConvergenceWarning']
    """


class DivergenceWarning(RuntimeWarning):
    """A training run stopped because its loss or parameters stopped being finite
    (``TrainResult.stop == "diverged"``); the step size is usually too large.

    Examples
    --------
    >>> import warnings, nonsmooth as ns
    >>> loss = ns.function(lambda w: ns.sum(w ** 4))
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     run = ns.train(loss, np.ones(2), optimizer=ns.SGD(10.0), steps=100)
    >>> run.stop, caught[0].category.__name__
    ('diverged', 'DivergenceWarning')
    """


class StuckAtKinkWarning(UserWarning):
    """A training run never moved its parameters because the conservative
    gradient at the starting point is exactly zero *and* inputs sat on kinks
    there: the zero is the kink policy's choice (e.g. relu'(0) = 0 at w = 0),
    not a stationary point. Start away from the kinks (small random weights)
    or choose another :class:`nonsmooth.Kinks` policy.

    Examples
    --------
    >>> import warnings
    >>> loss = ns.function(lambda w: ns.sum(ns.relu(w)))
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     run = ns.train(loss, np.zeros(2), optimizer=ns.SGD(0.1), steps=10)
    >>> run.params, [w.category.__name__ for w in caught]
    ({'w': array([0., 0.])}, ['StuckAtKinkWarning'])
    """


__all__ = ["CancelledError", "ConvergenceWarning", "DivergenceWarning", "KinkError", "NotConvergedError",
           "NumericalError", "StuckAtKinkWarning"]
