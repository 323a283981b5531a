"""The precision of a native computation: float32 or float64, following the arguments.

A program runs in float32 when its floating arguments are all float32 (as in
JAX and PyTorch, float32 stays float32), and in float64 as soon as one is
float64 (NumPy's promotion of float32 with float64). Python numbers, integer
and boolean arrays do not decide: they adopt the precision of the floating
arguments (as Python scalars do under NumPy 2's rules, and as integer tensors
do in JAX and PyTorch), and a computation with no floating argument runs in
float64. float16 arguments run in float32. Constants a traced function closes
over are rounded to the precision of the call (JAX's default).
"""
from __future__ import annotations

import numpy as np

FLOAT32 = np.dtype(np.float32)
FLOAT64 = np.dtype(np.float64)

# The ns_dtype codes of the C ABI (nonsmooth.h: NS_FLOAT64, NS_FLOAT32).
CODES = {FLOAT64: 0, FLOAT32: 1}


def computation_dtype(values) -> np.dtype:
    """float32 when every floating NumPy array (or NumPy scalar) among
    ``values`` has at most 32 bits and there is one, else float64."""
    single = False
    for v in values:
        dtype = getattr(v, "dtype", None)
        if not isinstance(dtype, np.dtype) or dtype.kind != "f":
            continue
        if dtype.itemsize > 4:
            return FLOAT64
        single = True
    return FLOAT32 if single else FLOAT64
