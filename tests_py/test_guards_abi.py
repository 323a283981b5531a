"""The C ABI called directly (ctypes on libNonsmoothC.so), as a C user would:
hostile sizes, strides and handles return a status, never crash the process or
corrupt the heap (issue 12, item 8). Each case runs in its own interpreter, so a
crash fails that case instead of killing pytest."""
import pathlib
import subprocess
import sys
import textwrap

import pytest

import nonsmooth

LIBRARY = pathlib.Path(nonsmooth.__file__).with_name("libNonsmoothC.so")

PRELUDE = f"""
import ctypes
from ctypes import byref, c_char_p, c_double, c_int64, c_void_p
lib = ctypes.CDLL({str(LIBRARY)!r})
lib.ns_last_error_message.restype = c_char_p
lib.ns_live_handles.restype = c_int64
NS_OK, NS_INVALID_ARGUMENT = 0, 1
I64_MAX, I64_MIN = 2**63 - 1, -2**63

def doubles(*values):
    return (c_double * len(values))(*values)

def int64s(*values):
    return (c_int64 * len(values))(*values)

def check(status, expected=NS_INVALID_ARGUMENT, says=""):
    message = lib.ns_last_error_message().decode()
    assert status == expected, (status, message)
    assert says in message, message

def prox(kind=b"l1", scalars=(1.0,)):
    out = c_void_p()
    check(lib.ns_prox_create(kind, doubles(*scalars), c_int64(len(scalars)), None, c_int64(0), None, c_int64(0),
                             None, c_int64(0), None, c_int64(0), byref(out)), NS_OK)
    return out

def apply(handle, rows=1, columns=4, row_stride=4, column_stride=1):
    v, out = doubles(1, -2, 3, -4), (c_double * 4)()
    return lib.ns_prox_apply(handle, c_double(1.0), v, c_int64(rows), c_int64(columns), c_int64(row_stride),
                             c_int64(column_stride), out)

def graph():
    out = c_void_p()
    check(lib.ns_graph_create(byref(out)), NS_OK)
    return out

def program():
    g = graph()
    x, y = c_int64(), c_int64()
    check(lib.ns_graph_input(g, int64s(3), c_int64(1), byref(x)), NS_OK)
    check(lib.ns_graph_op(g, b"relu", c_int64(1), int64s(x.value), c_int64(0), None, c_int64(0), None, byref(y)),
          NS_OK)
    out = c_void_p()
    check(lib.ns_program_create(g, c_int64(1), int64s(y.value), byref(out)), NS_OK)
    check(lib.ns_graph_destroy(g), NS_OK)
    return out

def evaluate(p):
    x, y = doubles(-1, 0, 2), (c_double * 3)()
    inputs, outputs = (ctypes.POINTER(c_double) * 1)(x), (ctypes.POINTER(c_double) * 1)(y)
    return lib.ns_program_evaluate(p, None, ctypes.c_int32(0), c_int64(1), inputs, int64s(3), c_int64(1), outputs, int64s(3), None,
                                   c_int64(0))

def optimizer():
    out = c_void_p()
    check(lib.ns_optimizer_create(b"sgd", None, c_int64(0), byref(out)), NS_OK)
    return out

def step(o):
    w, g = doubles(1, 2), doubles(0.5, 0.5)
    return lib.ns_optimizer_step(o, w, g, c_int64(2), c_double(0.1))
"""

CASES = {
    # Sizes and strides whose index arithmetic would overflow (SIGILL/SIGABRT before).
    "stride INT64_MAX": "p = prox(); check(apply(p, rows=2, columns=2, row_stride=I64_MAX), says='strides')",
    "column stride INT64_MAX": "p = prox(); check(apply(p, columns=2, column_stride=I64_MAX), says='strides')",
    "stride INT64_MIN": "p = prox(); check(apply(p, rows=2, columns=2, row_stride=I64_MIN), says='strides')",
    "stride 2^61": "p = prox(); check(apply(p, rows=2, columns=2, row_stride=2**61), says='strides')",
    "shape overflow": "p = prox(); check(apply(p, rows=2**40, columns=2**40), says='too large')",
    "negative shape": "p = prox(); check(apply(p, rows=-1), says='negative')",
    "n_scalars 2^40": """
out = c_void_p()
check(lib.ns_prox_create(b"l1", doubles(1.0), c_int64(2**40), None, c_int64(0), None, c_int64(0), None, c_int64(0),
                         None, c_int64(0), byref(out)), says="scalars")
""",
    "n_a 2^60": """
out = c_void_p()
check(lib.ns_prox_create(b"l1", doubles(1.0), c_int64(1), doubles(1.0), c_int64(2**60), None, c_int64(0), None,
                         c_int64(0), None, c_int64(0), byref(out)), says="a: has length")
""",
    "n_a 2^36, more than memory": """
out = c_void_p()
check(lib.ns_prox_create(b"l1", doubles(1.0), c_int64(1), doubles(1.0), c_int64(2**36), None, c_int64(0), None,
                         c_int64(0), None, c_int64(0), byref(out)), says="a: has length")
""",
    "optimizer step n 2^50": """
o = optimizer()
check(lib.ns_optimizer_step(o, doubles(1.0), doubles(1.0), c_int64(2**50), c_double(0.1)), says="n")
""",
    # Handles: destroyed, destroyed twice, forged, of another kind, NULL.
    "prox destroyed twice": "p = prox(); check(lib.ns_prox_destroy(p), NS_OK); check(lib.ns_prox_destroy(p), says='prox')",
    "prox used after destroy": "p = prox(); check(lib.ns_prox_destroy(p), NS_OK); check(apply(p), says='not a live prox')",
    "graph destroyed twice": "g = graph(); check(lib.ns_graph_destroy(g), NS_OK); check(lib.ns_graph_destroy(g), says='graph')",
    "graph used after destroy": """
g = graph(); check(lib.ns_graph_destroy(g), NS_OK)
x = c_int64(); check(lib.ns_graph_input(g, int64s(3), c_int64(1), byref(x)), says='not a live graph')
""",
    "program destroyed twice": "p = program(); check(lib.ns_program_destroy(p), NS_OK); check(lib.ns_program_destroy(p))",
    "program used after destroy": "p = program(); check(evaluate(p), NS_OK); lib.ns_program_destroy(p); check(evaluate(p), says='program')",
    "optimizer destroyed twice": "o = optimizer(); check(lib.ns_optimizer_destroy(o), NS_OK); check(lib.ns_optimizer_destroy(o))",
    "optimizer used after destroy": "o = optimizer(); check(step(o), NS_OK); lib.ns_optimizer_destroy(o); check(step(o), says='optimizer')",
    "forged handles": """
for forged in (1, 12345, 2**40, 2**64 - 8):
    check(apply(c_void_p(forged)), says='prox'); check(evaluate(c_void_p(forged)), says='program')
    check(step(c_void_p(forged)), says='optimizer'); check(lib.ns_prox_destroy(c_void_p(forged)), says='prox')
""",
    "handle of another kind": """
p, q, o = prox(), program(), optimizer()
check(evaluate(p), says='program'); check(apply(q), says='prox'); check(step(p), says='optimizer')
check(lib.ns_program_destroy(p)); check(lib.ns_prox_destroy(o)); check(apply(p), NS_OK)   # still alive
""",
    "null handles": """
check(apply(None), says='null'); check(evaluate(None), says='null'); check(step(None), says='null')
for destroy in (lib.ns_prox_destroy, lib.ns_graph_destroy, lib.ns_program_destroy, lib.ns_optimizer_destroy):
    check(destroy(None), NS_OK)
""",
    "live handles return to their count": """
before = lib.ns_live_handles()
hs = [prox() for _ in range(10)] + [program() for _ in range(10)] + [optimizer() for _ in range(10)]
assert lib.ns_live_handles() == before + 30
for h in hs[:10]: check(lib.ns_prox_destroy(h), NS_OK)
for h in hs[10:20]: check(lib.ns_program_destroy(h), NS_OK)
for h in hs[20:]: check(lib.ns_optimizer_destroy(h), NS_OK)
assert lib.ns_live_handles() == before
""",
}


def run_isolated(code: str) -> subprocess.CompletedProcess:
    script = PRELUDE + textwrap.dedent(code) + "\nprint('survived')\n"
    return subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("case", sorted(CASES))
def test_hostile_abi_call_returns_a_status(case):
    result = run_isolated(CASES[case])
    assert result.returncode == 0 and "survived" in result.stdout, (
        f"exit code {result.returncode}\n{result.stdout}\n{result.stderr[-2000:]}")
