"""Programs are freed with their handle (issue 12, item 9).

A compiled program kept its idle workspaces and each workspace held the program
strongly: every program that was ever evaluated leaked (≈ 3.7 KB per traced
function created and differentiated, 1.6 KB per program created, evaluated and
destroyed at the ABI). Repeated calls of every entry point are covered by
test_memory_native.py; here the ABI cycle itself, called through ctypes as a C
user would, and the handle accounting behind it.
"""
import gc
import os

import numpy as np
import pytest

import nonsmooth as ns
from nonsmooth import _native

from test_guards_abi import PRELUDE

pytestmark = pytest.mark.skipif(not os.path.exists("/proc/self/statm"), reason="reads /proc/self/statm")


def _rss() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def test_abi_program_create_evaluate_destroy_cycles_do_not_grow_memory():
    scope: dict = {}
    exec(PRELUDE, scope)   # ctypes helpers over libNonsmoothC.so (valid calls only: safe in process)
    lib, program, evaluate, check = scope["lib"], scope["program"], scope["evaluate"], scope["check"]

    def cycle():
        p = program()
        check(evaluate(p), 0)
        check(lib.ns_program_destroy(p), 0)

    # Earlier tests' garbage (functions in reference cycles) owns handles too: collect it
    # now and keep the collector off, so that only these cycles move the count.
    gc.collect()
    gc.disable()
    try:
        live = lib.ns_live_handles()
        for _ in range(500):
            cycle()
        before = _rss()
        for _ in range(3000):
            cycle()
        grown = _rss() - before
        assert lib.ns_live_handles() == live
    finally:
        gc.enable()
    assert grown < 1 << 20, f"{grown / 3000:.0f} bytes per cycle"


def test_program_handles_are_released_with_their_function():
    x = np.ones(50)
    gc.collect()
    live = _native.live_handles()
    fs = [ns.function(lambda v, k=k: ns.sum(ns.relu(v) * k)) for k in range(20)]
    for f in fs:
        f.grad(x)
    assert _native.live_handles() >= live + 20
    del fs, f
    gc.collect()
    assert _native.live_handles() == live
