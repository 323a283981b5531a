"""Implicit differentiation of solution maps written with ``nonsmooth.function``."""
from ._implicit import ImplicitFunctionWarning, ImplicitResult, implicit_jacobian, implicit_jvp, implicit_vjp

__all__ = ["ImplicitFunctionWarning", "ImplicitResult", "implicit_jacobian", "implicit_jvp", "implicit_vjp"]
