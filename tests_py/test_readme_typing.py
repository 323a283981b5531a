"""The README's Python code type-checks with mypy (with the package's own
type hints, which must pass too); test_readme.py runs it. The README uses a few names it
does not define (X, y, w, ...); PRELUDE gives them small values."""
import importlib.util
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

PRELUDE = '''\
import numpy as np
import nonsmooth as ns

# small data standing in for the names the README leaves to the reader
rng = np.random.default_rng(0)
n, p = 40, 4
X = rng.standard_normal((n, p))
y = X @ np.array([1.0, -2.0, 0.0, 0.5]) + 0.1 * rng.standard_normal(n)
w = rng.uniform(0.5, 1.5, p)                       # feature weights, and a parameter vector
s = rng.uniform(0.5, 2.0, n)                       # sample weights
A = rng.standard_normal((n, 10))
labels = np.where(A[:, 0] > 0, 1.0, -1.0)
b = A @ np.ones(10)
lo, hi = -np.ones(p), np.ones(p)
M = rng.standard_normal((6, 5))
signal = np.repeat([0.0, 2.0, -1.0], 10) + 0.3 * rng.standard_normal(30)
params, grads = {"w": np.zeros(p)}, {"w": np.ones(p)}
alpha = 0.1
coef = ns.Lasso(alpha, fit_intercept=False, tol=1e-12).fit(X, y).coef_
step = n / np.linalg.norm(X, 2) ** 2
g = np.ones(p)
'''


def readme_program() -> str:
    blocks = re.findall(r"```python\n(.*?)```", (ROOT / "README.md").read_text(encoding="utf-8"), re.S)
    assert len(blocks) >= 4, "the README's python blocks were not found"
    return PRELUDE + "\n".join(f"# ---- README block {k}\n{b}" for k, b in enumerate(blocks))


@pytest.mark.skipif(importlib.util.find_spec("mypy") is None, reason="needs mypy (pip install '.[test]')")
def test_readme_and_package_pass_mypy(tmp_path):
    readme = tmp_path / "readme_snippets.py"
    readme.write_text(readme_program(), encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "mypy", "--config-file", str(ROOT / "pyproject.toml"), "--cache-dir",
         str(tmp_path / "cache"), "--no-incremental", str(readme), str(ROOT / "python" / "nonsmooth")],
        capture_output=True, text=True, cwd=ROOT, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
