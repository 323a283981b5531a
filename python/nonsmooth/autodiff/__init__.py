"""Conservative automatic differentiation with explicit kink policies.

Decorate a function with :func:`function` to trace it once (per input shapes)
into a native program; its :class:`Function` then gives values, gradients,
VJPs, JVPs, Jacobians, Hessian-vector products and lexicographic derivatives,
all computed in the Swift core. At a point where a primitive is not
differentiable the derivative used is the element of a conservative gradient
chosen by the :class:`Kinks` policy, and every evaluation returns a
:class:`KinkReport` saying how many inputs landed exactly on a kink.

>>> import numpy as np, nonsmooth as ns
>>> f = ns.function(lambda x: ns.relu(x) - ns.relu(-x))      # = x
>>> float(f.grad(0.0))                                # relu'(0) = 0 on both sides
0.0
>>> float(f.grad(0.0, policy=ns.Kinks(relu_at_zero=1.0)))
2.0
>>> float(f.lexicographic_jacobian(0.0))             # Clarke: the true derivative
1.0
"""
from ._function import Function, function
from ._policy import KinkReport, Kinks, get_kink_policy, kink_policy, set_kink_policy
from . import _nn, _primitives
from ._nn import *  # noqa: F401,F403
from ._primitives import *  # noqa: F401,F403
from ._tracer import Tracer

# A literal list extended with `+=`, a form type checkers follow, so they see every re-export.
__all__ = ["Function", "KinkReport", "Kinks", "Tracer", "function", "get_kink_policy", "kink_policy", "set_kink_policy"]
__all__ += _primitives.__all__
__all__ += _nn.__all__
