"""Settings, strategies and checks shared by the property suite (test_properties_*.py).

Profiles, chosen by the environment variable ``NS_HYPOTHESIS_PROFILE``:

- ``ci`` (default): few examples per test, derandomized (the same examples on
  every run and machine), no database, no deadline — the whole suite stays
  well under 3 minutes on a loaded 2-core machine;
- ``fuzz``: ``NS_FUZZ_EXAMPLES`` examples per test (default 2000) from random
  seeds (``--hypothesis-seed`` replays one), as ``scripts/fuzz.sh`` runs them.

The settings object is applied per test (``@SETTINGS``), not loaded globally, so
the other test files keep their own settings.
"""
from __future__ import annotations

import contextlib
import os
import re
import subprocess
import sys
import textwrap
import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, Phase, settings, strategies as st
from hypothesis.extra.numpy import arrays

_QUIET = [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much]
settings.register_profile("nonsmooth-ci", max_examples=20, derandomize=True, deadline=None, database=None,
                          suppress_health_check=_QUIET)
settings.register_profile("nonsmooth-fuzz", max_examples=int(os.environ.get("NS_FUZZ_EXAMPLES", "2000")),
                          derandomize=False, deadline=None, database=None, suppress_health_check=_QUIET)
PROFILE = os.environ.get("NS_HYPOTHESIS_PROFILE", "ci")
if PROFILE not in ("ci", "fuzz"):
    raise ValueError(f"NS_HYPOTHESIS_PROFILE: must be 'ci' or 'fuzz', got {PROFILE!r}")
SETTINGS = settings.get_profile(f"nonsmooth-{PROFILE}")
FEW = settings(SETTINGS, max_examples=min(SETTINGS.max_examples, 8) if PROFILE == "ci" else SETTINGS.max_examples // 4)
# For tests whose known failures (strict xfails) would otherwise spend CI time shrinking.
NO_SHRINK = settings(SETTINGS, phases=[Phase.explicit, Phase.reuse, Phase.generate])


def finite_arrays(shape, bound: float = 1e3, *, low: float | None = None):
    """float64 arrays of `shape` with finite entries in [low (default −bound), bound]."""
    lo = -bound if low is None else low
    return arrays(np.float64, shape, elements=st.floats(lo, bound, allow_nan=False, allow_infinity=False, width=64))


def shapes(max_n: int = 8):
    return st.integers(1, max_n)


# ---- invalid input --------------------------------------------------------------------------
NON_FINITE = (np.nan, np.inf, -np.inf)
BAD_SCALARS = [np.nan, np.inf, -np.inf, "1.0", None, [1.0, 2.0], complex(1, 1)]


def poisoned(a: np.ndarray, where: int, value: float) -> np.ndarray:
    """A copy of `a` with one entry (flat index `where` mod size) set to `value`."""
    b = np.array(a, dtype=np.float64, copy=True)
    b.flat[where % b.size] = value
    return b


@contextlib.contextmanager
def raises_naming(name: str, types=(ValueError, TypeError)):
    """The block raises one of `types` with a message that names the argument `name`."""
    with pytest.raises(types) as info:
        yield info
    message = str(info.value)
    assert re.search(rf"(?<![A-Za-z0-9_]){re.escape(name)}(?![A-Za-z0-9_])", message), \
        f"{type(info.value).__name__} does not name {name!r}: {message}"


@contextlib.contextmanager
def no_silent_nan():
    """Collects the warnings of the block; ``check(output)`` then fails if the output
    holds a NaN that no warning explained."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")

        def check(*outputs):
            for out in outputs:
                a = np.asarray(out, dtype=float)
                if np.isnan(a).any():
                    assert caught, f"NaN in the output without an error or a warning: {out!r}"

        yield check


def run_isolated(code: str, timeout: float = 120.0) -> subprocess.CompletedProcess:
    """Runs `code` in a fresh interpreter, so a segfault fails one test instead of the run."""
    import nonsmooth

    env = dict(os.environ)
    # The child imports the nonsmooth this process tests (installed, or a built source tree).
    package = os.path.dirname(os.path.dirname(os.path.abspath(nonsmooth.__file__)))
    env["PYTHONPATH"] = os.pathsep.join(p for p in (package, env.get("PYTHONPATH", "")) if p)
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True,
                          timeout=timeout, env=env)


def assert_raises_isolated(code: str, exc: str, name: str) -> None:
    """`code` run alone ends with the Python exception `exc` naming `name` (not a crash)."""
    proc = run_isolated(code)
    assert proc.returncode >= 0, f"the interpreter died with signal {-proc.returncode}:\n{proc.stderr[-2000:]}"
    last = proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else ""
    assert proc.returncode == 1 and last.startswith(exc), f"expected {exc}, got rc={proc.returncode}: {last}"
    assert name in last, f"{exc} does not name {name!r}: {last}"
