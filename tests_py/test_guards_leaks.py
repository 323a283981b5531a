"""Creating and dropping native objects does not grow memory (issue 12, item 9).

A compiled program kept its idle workspaces and each workspace held the program
strongly: every program that was ever evaluated leaked (≈ 3.7 KB per traced
function created and differentiated, 1.6 KB per program at the ABI). A few
thousand cycles of each kind must leave the resident set within 1 MB of where
it started (the leaks above would add 5–11 MB), and every handle destroyed.
"""
import gc
import os
import sys
import warnings

import numpy as np
import pytest

import nonsmooth as ns
from nonsmooth import _native
from nonsmooth.optim import SGD

pytestmark = pytest.mark.skipif(not os.path.exists("/proc/self/statm"), reason="reads /proc/self/statm")

CYCLES = 2000
LIMIT = 1 << 20


def _rss() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def _growth(body, cycles=CYCLES) -> int:
    for _ in range(cycles // 4):   # warm caches and allocator pools first
        body()
    gc.collect()
    before = _rss()
    for _ in range(cycles):
        body()
    gc.collect()
    return _rss() - before


x = np.ones(50)
rng = np.random.default_rng(0)
X, y = rng.normal(size=(20, 5)), rng.normal(size=20)


def _traced_function():
    ns.function(lambda v: ns.sum(ns.relu(v))).grad(x)


def _abi_program():
    # The program lives in the function's compile cache; dropping the function drops the handle.
    f = ns.function(lambda v: ns.max(ns.abs(v)))
    f(x)
    f.value_and_grad(x)


def _train():
    f = ns.function(lambda w, X, y: ns.mean((X @ w - y) ** 2))
    ns.train(f, {"w": np.zeros(5)}, {"X": X, "y": y}, optimizer=SGD(0.01), steps=5, batch_size=5)


def _prox():
    ns.prox.L1(0.1).prox(x, 1.0)
    ns.prox.nuclear(X, 0.5)


def _fit():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ns.Lasso(0.1).fit(X, y)
        ns.minimize(ns.optimize.LeastSquares(X, y), ns.prox.L1(0.1), max_iter=20)


@pytest.mark.parametrize("body", [_traced_function, _abi_program, _train, _prox, _fit],
                         ids=lambda b: b.__name__.lstrip("_"))
def test_create_and_drop_cycles_do_not_grow_memory(body):
    live = _native.live_handles()
    growth = _growth(body, CYCLES // 3 if body is _train else CYCLES)
    assert growth < LIMIT, f"{growth / CYCLES:.0f} bytes per cycle"
    gc.collect()
    assert _native.live_handles() <= live + 1   # at most a cache entry of the test's own


def test_program_handles_are_released_with_their_function():
    gc.collect()
    live = _native.live_handles()
    fs = [ns.function(lambda v, k=k: ns.sum(v * k)) for k in range(20)]
    for f in fs:
        f.grad(x)
    assert _native.live_handles() >= live + 20
    del fs, f
    gc.collect()
    assert _native.live_handles() == live
    assert sys.getrefcount(None) > 0   # the interpreter is intact
