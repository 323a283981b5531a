"""Shared fixtures of the Python test suite."""
import os
import sys
import zlib

import numpy as np
import pytest

# The helper modules (prox_cases.py) live next to the tests.
sys.path.insert(0, os.path.dirname(__file__))


@pytest.fixture
def rng(request):
    """A generator seeded from the test's id (crc32, stable across runs and
    processes), so every test is reproducible on its own and different tests
    see different data."""
    return np.random.default_rng(zlib.crc32(request.node.nodeid.encode()))
