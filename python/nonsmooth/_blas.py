"""Pick OpenBLAS's kernels before the native library loads it.

OpenBLAS chooses its kernels from the CPU model at load time. On virtual
machines that report a generic model ("Intel Xeon Processor"), Debian's
OpenBLAS 0.3.21 falls back to its Prescott (SSE3) kernels: dgemm then runs 5×
slower than the AVX-512 kernels the same CPU supports (8 vs 42 GFLOP/s
measured on our CI machine). We read the instruction-set flags ourselves and
set ``OPENBLAS_CORETYPE`` accordingly; a value the user already set wins.
See docs/decisions.md.
"""
from __future__ import annotations

import os

_AVX512 = {"avx512f", "avx512dq", "avx512cd", "avx512bw", "avx512vl"}
_AVX2 = {"avx2", "fma"}


def _cpu_flags() -> set[str]:
    try:
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as f:
            for line in f:
                if line.startswith("flags"):
                    return set(line.split(":", 1)[1].split())
    except OSError:
        pass
    return set()


def choose_openblas_core(flags: set[str]) -> str | None:
    """The OpenBLAS core type for these CPU flags, or None to let OpenBLAS decide."""
    if _AVX512 <= flags:
        return "SkylakeX"
    if _AVX2 <= flags:
        return "Haswell"
    return None


def configure_openblas() -> None:
    if "OPENBLAS_CORETYPE" in os.environ:
        return
    core = choose_openblas_core(_cpu_flags())
    if core is not None:
        os.environ["OPENBLAS_CORETYPE"] = core
