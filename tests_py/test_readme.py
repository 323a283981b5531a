"""The README's Python code runs, and does what it says.

The tour's snippets use the reader's data (X, y, A, ...): the test provides
small stand-ins for those names, then executes every ```python block of the
README in order in one namespace (as a notebook would), with warnings as errors
for nonsmooth's own warnings (a snippet that trips one is a bad example).
"""
from __future__ import annotations

import pathlib
import re
import warnings

import numpy as np
import pytest

import nonsmooth as ns

README = pathlib.Path(__file__).resolve().parents[1] / "README.md"


#: Blocks that need a Dask cluster or a bucket cannot run here (test_distributed runs the same calls
#: on a LocalCluster); test_readme_typing type-checks them.
REMOTE = re.compile(r"\b(tcp|s3|gs|https?)://|parallel_backend\(\"dask\"\)")


def python_blocks() -> list[str]:
    return re.findall(r"^```python\n(.*?)^```", README.read_text(), flags=re.S | re.M)


def reader_data() -> dict:
    """The user's data the tour refers to, small."""
    rng = np.random.default_rng(0)
    n, p = 120, 4  # p = 4: the tour's v (length 4) is also the tangent of loss(w, X, y)
    X = rng.standard_normal((n, p))
    y = np.maximum(X @ np.array([1.5, -1.0, 0.0, 0.5]), 0.0) + 0.1 * rng.standard_normal(n)
    A = rng.standard_normal((60, 10))
    alpha = 0.01
    coef = ns.Lasso(alpha, fit_intercept=False, tol=1e-12).fit(X, y).coef_
    w = np.abs(rng.standard_normal(p))
    return dict(
        np=np, X=X, y=y, p=p, w=w, s=rng.uniform(0.5, 2.0, n), A=A, labels=np.sign(rng.standard_normal(60)),
        b=rng.standard_normal(60), lo=-np.ones(p), hi=np.ones(p), M=rng.standard_normal((8, 6)),
        signal=np.repeat([0.0, 2.0, -1.0], 20) + 0.3 * rng.standard_normal(60), alpha=alpha, coef=coef,
        step=n / np.linalg.norm(X, 2) ** 2, g=rng.standard_normal(p),
        params={"w": w.copy()}, grads={"w": rng.standard_normal(p)},
    )


def test_the_readme_has_python_blocks():
    blocks = python_blocks()
    assert len(blocks) >= 4 and any("ns.train(" in b for b in blocks)


def test_every_python_block_of_the_readme_runs(tmp_path, monkeypatch, capsys):
    pytest.importorskip("pandas")  # res.history.to_pandas()
    pytest.importorskip("matplotlib")  # r.plot("toy_l1.png")
    monkeypatch.chdir(tmp_path)  # the tour writes toy_l1.png
    namespace = reader_data()
    with warnings.catch_warnings():
        warnings.simplefilter("error", ns.StuckAtKinkWarning)
        warnings.simplefilter("error", ns.DivergenceWarning)
        for k, block in enumerate(python_blocks()):
            if REMOTE.search(block):
                continue
            try:
                exec(compile(block, f"README.md python block {k + 1}", "exec"), namespace)
            except Exception as error:  # noqa: BLE001 - name the block in the failure
                pytest.fail(f"README python block {k + 1} failed: {type(error).__name__}: {error}")
    # the training example trains: it leaves w = 0 (where it used to be stuck), with exact zeros from the prox
    run = namespace["run"]
    assert run.stop == "completed"
    w = run.params["w"]
    assert np.any(w != 0) and not np.array_equal(w, namespace["w0"])


def test_train_warns_when_every_input_sits_on_a_kink_at_the_start():
    """The README's old example: at w = 0 every relu is on its kink, relu'(0) = 0,
    so the gradient is exactly 0 and nothing moves — train says why."""
    data = reader_data()
    X, y = data["X"], data["y"]

    @ns.function
    def loss(w, X, y):
        return ns.mean((ns.relu(X @ w) - y) ** 2) + 0.1 * ns.norm1(w)

    with pytest.warns(ns.StuckAtKinkWarning, match=r"never moved.*relu=120.*norm1=4"):
        res = ns.train(loss, {"w": np.zeros(4)}, {"X": X, "y": y}, optimizer=ns.SGD(0.01), steps=50, batch_size=32)
    assert res.stop == "completed" and not np.any(res.params["w"])
    # with the other choice at the kink, the same start moves: the zero was the policy's choice
    with warnings.catch_warnings():
        warnings.simplefilter("error", ns.StuckAtKinkWarning)
        moved = ns.train(loss, {"w": np.zeros(4)}, {"X": X, "y": y}, optimizer=ns.SGD(0.01), steps=50,
                         batch_size=32, policy=ns.Kinks(relu_at_zero=1.0))
    assert np.any(moved.params["w"])


def test_no_warning_at_a_true_stationary_point_or_when_the_prox_holds_zero():
    data = reader_data()
    X, y = data["X"], data["y"]

    @ns.function
    def smooth(w, X, y):
        return ns.mean((X @ w - y) ** 2)

    w_star = np.linalg.lstsq(X.T @ X, X.T @ y, rcond=None)[0]
    with warnings.catch_warnings():
        warnings.simplefilter("error", ns.StuckAtKinkWarning)
        ns.train(smooth, {"w": w_star}, {"X": X, "y": y}, optimizer=ns.SGD(0.0001), steps=3)  # no kinks hit
        # a penalty strong enough to keep w = 0: the gradient is not zero, the prox holds it
        held = ns.train(smooth, {"w": np.zeros(4)}, {"X": X, "y": y}, optimizer=ns.SGD(0.01), steps=20,
                        prox={"w": ns.prox.L1(100.0)})
    assert not np.any(held.params["w"])
