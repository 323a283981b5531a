"""Experiment 6 — L1 pruning of an MLP classifier: which optimizers actually prune?

An ℓ1 penalty λΣ‖Wᵢ‖₁ on the weights of a digits classifier, trained by SGD,
RMSProp and Adam on the penalized loss (the penalty's subgradient in the
update) and by proximal SGD (soft thresholding after each step). The
proportion of weights with |w| < 1e-5 is Kumar's measure of sparsity: the
gradient methods leave weights oscillating around 0 at a size ≈ αλ and prune
almost nothing, the proximal method sets them exactly to 0 (Kumar, "GD
doesn't make the cut: three ways that non-differentiability affects neural
network training", problem 6; Tibshirani 1996; Duchi & Singer, "Efficient
online and batch learning using forward backward splitting", JMLR 2009).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

import numpy as np

from .. import prox as _prox
from ..datasets import load_digits
from ..training import train
from ._common import COLORS, LABELS, SMALL, Record, check_methods, finish, optimizer, pyplot, small_fraction
from ._mlp import forward, init_mlp, mlp_loss, parameter_names


def digits_split(test_fraction: float = 0.25, seed: int = 0):
    """The bundled digits (``nonsmooth.datasets.load_digits``), pixels scaled to
    [0, 1], one-hot targets, a seeded train/test split: (X_train, Y_train, X_test, labels_test).

    Parameters
    ----------
    test_fraction : float, default=0.25
    seed : int, default=0

    Returns
    -------
    X_train, Y_train, X_test : ndarray
    labels_test : ndarray of int

    Examples
    --------
    >>> from nonsmooth import lab
    >>> X, Y, X_test, labels = lab.digits_split()
    >>> X.shape, Y.shape, X_test.shape, labels[:5]
    ((1348, 64), (1348, 10), (449, 64), array([6, 6, 6, 2, 5]))
    """
    data = load_digits()
    X = data.data / 16.0
    Y = np.eye(10)[data.target]
    order = np.random.default_rng(seed).permutation(X.shape[0])
    n_test = int(round(test_fraction * X.shape[0]))
    test, fit = order[:n_test], order[n_test:]
    return X[fit], Y[fit], X[test], data.target[test]


@dataclass(repr=False)
class PruningResult(Record):
    """What :func:`pruning` returns.

    Attributes
    ----------
    lams : (m,) the penalties.  methods : the optimizers.
    small_fraction : method → (m,) fraction of weights (not biases) with |w| < threshold.
    exact_zeros : method → (m,) fraction of weights exactly 0.
    test_accuracy : method → (m,) accuracy on the held-out digits.
    weights : method → list over λ of the concatenated final weights (for histograms).

    Examples
    --------
    >>> from nonsmooth import lab
    >>> r = lab.pruning(lams=(0.01,), methods=("sgd", "prox_sgd"), hidden=(8,), steps=100)
    >>> r.small_fraction["prox_sgd"], r.exact_zeros["prox_sgd"], r.exact_zeros["sgd"]
    (array([0.26182432]), array([0.26182432]), array([0.]))
    """

    lams: np.ndarray
    methods: tuple[str, ...]
    hidden: tuple[int, ...]
    lr: dict[str, float]
    steps: int
    batch_size: int
    threshold: float
    small_fraction: dict[str, np.ndarray]
    exact_zeros: dict[str, np.ndarray]
    test_accuracy: dict[str, np.ndarray]
    weights: dict[str, list]
    settings: dict = field(default_factory=dict)

    def summary(self) -> str:
        lines = [f"digits MLP 64-{'-'.join(map(str, self.hidden))}-10 with λ·Σ‖W‖₁, {self.steps} steps of batch "
                 f"{self.batch_size}; % of weights with |w| < {self.threshold:g} (test accuracy):",
                 f"  {'λ':>14} " + " ".join(f"{lam:>16g}" for lam in self.lams)]
        for m in self.methods:
            lines.append(f"  {LABELS[m]:>14} " + " ".join(
                f"{100 * s:7.1f}% ({100 * a:4.1f}%)" for s, a in zip(self.small_fraction[m], self.test_accuracy[m])))
        return "\n".join(lines)

    def plot(self, out: str | Path | None = None, **kwargs):
        return plot_pruning(self, out, **kwargs)


def pruning(*, lams: Sequence[float] | np.ndarray = (1e-3, 1e-2), methods: Sequence[str] = ("sgd", "rmsprop", "adam", "prox_sgd"),
            hidden: Sequence[int] = (32,), lr_sgd: float = 0.1, lr_adaptive: float = 1e-3, steps: int = 1500,
            batch_size: int = 64, threshold: float = SMALL, test_fraction: float = 0.25,
            seed: int = 0) -> PruningResult:
    """Train the same digits MLP with an ℓ1 penalty by each method (Kumar, problem 6).

    Gradient methods run :func:`nonsmooth.train` on cross-entropy + λΣ‖Wᵢ‖₁;
    proximal SGD on cross-entropy alone with ``prox={"Wᵢ": L1(λ)}`` for every
    weight matrix (biases are not penalized). Same initialization and
    minibatches for all.

    Parameters
    ----------
    lams : sequence of float, default (1e-3, 1e-2)
        A small and a large λ.
    methods : subset of ("sgd", "momentum", "rmsprop", "adam", "prox_sgd")
    hidden : sequence of int, default (32,)
        Hidden layer widths.
    lr_sgd : float, default 0.1
        Step of SGD, momentum and proximal SGD.
    lr_adaptive : float, default 1e-3
        Step of RMSProp and Adam.
    steps, batch_size : int
    threshold : float, default 1e-5
        |w| below it counts as pruned.
    test_fraction : float
        Held-out share of the 1 797 digits.
    seed : int

    Returns
    -------
    PruningResult

    Examples
    --------
    >>> from nonsmooth import lab
    >>> r = lab.pruning(lams=(0.01,), methods=("sgd", "prox_sgd"), hidden=(8,), steps=100)
    >>> print(r.summary().splitlines()[0])
    digits MLP 64-8-10 with λ·Σ‖W‖₁, 100 steps of batch 64; % of weights with |w| < 1e-05 (test accuracy):
    """
    methods = check_methods(methods)
    lams = np.asarray(lams, dtype=np.float64).ravel()
    X, Y, X_test, labels = digits_split(test_fraction, seed)
    n_hidden = len(hidden)
    start = init_mlp([X.shape[1], *hidden, Y.shape[1]], seed=seed)
    weights_names = [n for n in parameter_names(n_hidden) if n.startswith("W")]
    penalized = mlp_loss(n_hidden, "relu", head="cross_entropy", penalty=True)
    plain = mlp_loss(n_hidden, "relu", head="cross_entropy")
    rates = {m: lr_adaptive if m in ("rmsprop", "adam") else lr_sgd for m in methods}
    small, zeros, accuracy = ({m: np.empty(lams.size) for m in methods} for _ in range(3))
    kept: dict[str, list] = {m: [] for m in methods}
    for i, lam in enumerate(lams):
        for m in methods:
            if m == "prox_sgd":
                res = train(plain, start, {"X": X, "y": Y}, optimizer=optimizer(m, rates[m]),
                            prox={n: _prox.L1(lam) for n in weights_names}, steps=steps, batch_size=batch_size,
                            seed=seed, record_every=steps)
            else:
                res = train(penalized, start, {"X": X, "y": Y}, fixed={"lam": np.array(lam)},
                            optimizer=optimizer(m, rates[m]), steps=steps, batch_size=batch_size, seed=seed,
                            record_every=steps)
            w = [res.params[n] for n in weights_names]
            small[m][i] = small_fraction(w, threshold)
            zeros[m][i] = small_fraction(w, np.finfo(float).tiny)
            predicted = forward(res.params, X_test, n_hidden).argmax(axis=1)
            accuracy[m][i] = float(np.mean(predicted == labels))
            kept[m].append(np.concatenate([a.ravel() for a in w]))
    return PruningResult(lams=lams, methods=methods, hidden=tuple(hidden), lr=rates, steps=steps,
                         batch_size=batch_size, threshold=threshold, small_fraction=small, exact_zeros=zeros,
                         test_accuracy=accuracy, weights=kept, settings=dict(seed=seed, test_fraction=test_fraction))


def plot_pruning(result: PruningResult, out: str | Path | None = None, *,
                 figsize: tuple[float, float] = (14.0, 4.8)):
    """Left: % of weights below the threshold, grouped by λ, one bar per method
    (test accuracy on top). Right: histograms of log₁₀|w| at the largest λ
    (exact zeros gathered in the leftmost bin).

    Parameters
    ----------
    result : PruningResult
    out : str or path, optional
        Write the figure there (PNG, PDF, SVG, ...).
    figsize : (float, float)

    Returns
    -------
    ndarray of matplotlib Axes
        The panels; the figure is ``axes[0].figure``. Axes rather than the
        Figure, so that a notebook cell ending in this call shows the figure
        once.

    Examples
    --------
    >>> from nonsmooth import lab
    >>> r = lab.pruning(lams=(0.01,), methods=("sgd", "prox_sgd"), hidden=(8,), steps=100)
    >>> axes = lab.plot_pruning(r, "pruning.png")
    >>> axes.shape
    (2,)
    >>> import matplotlib.pyplot as plt; plt.close(axes[0].figure)
    """
    plt = pyplot()
    r = result
    fig, (a, b) = plt.subplots(1, 2, figsize=figsize, gridspec_kw=dict(width_ratios=[1.0, 1.2]))
    width = 0.8 / len(r.methods)
    x = np.arange(r.lams.size)
    for j, m in enumerate(r.methods):
        heights = 100 * r.small_fraction[m]
        bars = a.bar(x + (j - (len(r.methods) - 1) / 2) * width, heights, width * 0.92, color=COLORS[m],
                     label=LABELS[m])
        for bar, acc, h in zip(bars, r.test_accuracy[m], heights):
            a.text(bar.get_x() + bar.get_width() / 2, h + 1, f"{h:.1f}%\nacc {100 * acc:.0f}%", ha="center",
                   va="bottom", fontsize=7)
    a.set_xticks(x, [f"λ = {lam:g}" for lam in r.lams])
    a.set(ylabel=f"% of weights with |w| < {r.threshold:g}", ylim=(0, 115),
          title="(a) pruned weights (and test accuracy)")
    a.legend(frameon=False, fontsize=8, loc="upper left")
    floor = np.log10(r.threshold) - 4
    bins = np.linspace(floor, 1, 60)
    for m in r.methods:
        w = np.abs(r.weights[m][-1])
        logs = np.where(w > 0, np.log10(np.maximum(w, 1e-300)), floor)
        b.hist(np.clip(logs, floor, 1), bins=bins, histtype="step", lw=1.5, color=COLORS[m], label=LABELS[m])
    b.axvline(np.log10(r.threshold), color="gray", ls="--", lw=0.8)
    b.text(floor, b.get_ylim()[1] * 0.95, " exact 0", fontsize=8, va="top")
    b.set(xlabel="log₁₀|w|", ylabel="weights", yscale="log",
          title=f"(b) weight magnitudes at λ = {r.lams[-1]:g}")
    b.legend(frameon=False, fontsize=8, loc="upper right")
    return finish(fig, out, f"ℓ1 pruning of a digits MLP (64-{'-'.join(map(str, r.hidden))}-10), {r.steps} steps "
                  f"(Kumar, problem 6)", styled=(a, b))
