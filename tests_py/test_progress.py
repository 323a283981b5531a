"""Long calls show one progress line (tqdm, or a plain \\r line without it),
never a line per report, and the progress display does not change results."""
import io

import numpy as np
import pytest

import nonsmooth as ns
from nonsmooth import _progress
from nonsmooth.optimize import LeastSquares

rng = np.random.default_rng(0)
X = rng.standard_normal((40, 60))
y = X[:, :3] @ np.array([1.0, -2.0, 0.5]) + 0.01 * rng.standard_normal(40)
LOSS = ns.function(lambda w, X, y: ns.mean((X @ w - y) ** 2))

CALLS = {
    "Lasso": lambda v: ns.Lasso(1e-3, tol=1e-14, max_iter=100_000, verbose=v).fit(X, y).coef_,
    "lasso_path": lambda v: ns.lasso_path(X, y, n_alphas=20, verbose=v)[1],
    "minimize": lambda v: ns.minimize(LeastSquares(X, y), ns.prox.L1(0.01), tol=1e-10, verbose=v).x,
    "subgradient_method": lambda v: ns.subgradient_method(LeastSquares(X, y), ns.prox.L1(0.01), max_iter=3000,
                                                          verbose=v).x,
    "admm": lambda v: ns.admm(ns.prox.Box(-1.0, 1.0), ns.prox.L1(0.5), dimension=50,
                              z0=np.linspace(-3, 3, 50), abs_tol=1e-14, rel_tol=1e-14, max_iter=500,
                              verbose=v).x,
    "train": lambda v: ns.train(LOSS, {"w": np.zeros(60)}, {"X": X, "y": y}, steps=3000, batch_size=8,
                                record_every=20, progress=v).params["w"],
}


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize("use_tqdm", [True, False], ids=["tqdm", "plain"])
@pytest.mark.parametrize("name", list(CALLS))
def test_one_progress_line_per_call(name, use_tqdm, monkeypatch, capsys):
    if use_tqdm:
        pytest.importorskip("tqdm")
    else:
        monkeypatch.setattr(_progress, "_tqdm", None)
        monkeypatch.setattr(_progress, "_REDRAW_SECONDS", 0.0)  # draw every report
    quiet = CALLS[name](False)
    assert capsys.readouterr().err == ""
    shown = CALLS[name](True)
    err = capsys.readouterr().err
    np.testing.assert_array_equal(shown, quiet)
    assert err.count("\n") == 1 and err.endswith("\n"), err
    assert err.count("\r") >= 2, err  # rewritten in place several times


def test_plain_line_pads_over_longer_text_and_throttles():
    out = io.StringIO()
    bar = _progress.Progress("run", unit="step", file=out, use_tqdm=False)
    bar.update(1, loss=123456.0)
    bar.update(2, loss=1.0)  # within the redraw interval: not drawn yet
    assert out.getvalue() == "\rrun: step 1  loss=1.235e+05"
    bar.close()
    last = out.getvalue().split("\r")[-1]
    assert last == "run: step 2  loss=1" + " " * 8 + "\n"  # erases the longer previous text


def test_reporter_forwards_to_the_callback_and_stops():
    seen = []
    report = _progress.reporter(False, lambda k, v: seen.append((k, v)) or k < 2, "fit", "gap")
    assert report(1, 0.5) is True and report(2, 0.25) is False
    assert seen == [(1, 0.5), (2, 0.25)]
    assert _progress.reporter(False, None, "fit", "gap") is None
