"""The README's main command and the bundled data sets."""
import subprocess
import sys

import numpy as np

import nonsmooth as ns


def test_datasets_load_with_their_documented_shapes():
    d = ns.datasets.load_diabetes()
    assert d.data.shape == (442, 10) and d.target.shape == (442,)
    assert d.feature_names[:3] == ["age", "sex", "bmi"]
    assert np.isfinite(d.data).all()
    g = ns.datasets.load_digits()
    assert g.data.shape == (1797, 64) and set(np.unique(g.target)) == set(range(10))
    assert g.data.min() == 0 and g.data.max() == 16


def test_python_m_nonsmooth_runs_and_prints_certificates():
    out = subprocess.run([sys.executable, "-m", "nonsmooth", "prox"], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    assert "duality gap" in out.stdout and "diabetes" in out.stdout
    assert "placeholder" not in out.stdout.lower()
    # every printed subgradient-inequality violation is at rounding level
    violations = [float(line.split("violation")[1].split()[0]) for line in out.stdout.splitlines()
                  if "violation" in line and "worst" not in line]
    assert violations and max(violations) < 1e-10
