"""OpenBLAS kernel selection (see nonsmooth/_blas.py and docs/decisions.md)."""
import ctypes
import ctypes.util

import pytest

import nonsmooth  # noqa: F401  (configures OpenBLAS on import)
from nonsmooth._blas import _cpu_flags, choose_openblas_core


def test_core_from_flags():
    assert choose_openblas_core({"avx512f", "avx512dq", "avx512cd", "avx512bw", "avx512vl", "avx2", "fma"}) == "SkylakeX"
    assert choose_openblas_core({"avx512f", "avx2", "fma"}) == "Haswell"
    assert choose_openblas_core({"avx2", "fma", "sse4_2"}) == "Haswell"
    assert choose_openblas_core({"sse4_2", "avx"}) is None
    assert choose_openblas_core(set()) is None


def test_loaded_openblas_uses_vector_kernels_the_cpu_has():
    if not {"avx2", "fma"} <= _cpu_flags():
        pytest.skip("CPU without AVX2/FMA")
    try:
        lib = ctypes.CDLL("libopenblas.so.0")
        lib.openblas_get_corename.restype = ctypes.c_char_p
    except (OSError, AttributeError):
        pytest.skip("system OpenBLAS not found by name")
    core = lib.openblas_get_corename().decode()
    assert core.lower() not in {"prescott", "core2", "nehalem", "katmai", "coppermine", "northwood"}, core
