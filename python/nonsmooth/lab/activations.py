"""Experiment 5 — smooth vs nonsmooth activations in MLPs of several depths.

The same data, the same initialization and the same minibatches, trained
with ReLU and with a smooth counterpart (GELU, Hendrycks & Gimpel 2016, or
softplus): how much of what we attribute to "gradient descent" depends on the
loss being differentiable? (Kumar, "GD doesn't make the cut: three ways that
non-differentiability affects neural network training", problem 5.) The
kink report of each run says how often an input of ReLU was exactly 0 —
usually never, which is why the choice of relu'(0) rarely matters in
training (Bertoin et al., "Numerical influence of ReLU'(0) on backpropagation",
NeurIPS 2021).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

import numpy as np

from ..training import train
from ._common import Record, finish, optimizer, pyplot
from ._mlp import ACTIVATIONS, init_mlp, mlp_loss


def teacher_data(n_samples: int = 512, n_inputs: int = 8, noise: float = 0.0, seed: int = 0):
    """X ~ N(0, I) and y = sin(Xu) + |x₁|/2 + noise (a target with a kink of its own), y as (N, 1).

    Parameters
    ----------
    n_samples, n_inputs : int
    noise : float
    seed : int

    Returns
    -------
    X : ndarray (n_samples, n_inputs)
    y : ndarray (n_samples, 1)

    Examples
    --------
    >>> from nonsmooth import lab
    >>> X, y = lab.teacher_data(n_samples=4, n_inputs=2)
    >>> X.shape, y.shape
    ((4, 2), (4, 1))
    """
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n_samples, n_inputs))
    u = rng.normal(size=n_inputs) / np.sqrt(n_inputs) * 2.0
    y = np.sin(X @ u) + 0.5 * np.abs(X[:, 0]) + noise * rng.normal(size=n_samples)
    return X, y[:, None]


@dataclass(repr=False)
class ActivationsResult(Record):
    """What :func:`activations` returns.

    Attributes
    ----------
    depths : the numbers of hidden layers.  activations : the activations compared.
    steps : (r,) the recorded steps.
    loss : activation → (len(depths), r) full-data training loss at each record.
    kinks : activation → (len(depths),) inputs of a kink hit over each run.

    Examples
    --------
    >>> from nonsmooth import lab
    >>> r = lab.activations(depths=(1,), width=4, steps=20, record_every=10, n_samples=32)
    >>> r.steps, sorted(r.loss)
    (array([ 0, 10, 20]), ['gelu', 'relu'])
    """

    depths: tuple[int, ...]
    activations: tuple[str, ...]
    width: int
    method: str
    lr: float
    batch_size: int
    steps: np.ndarray
    loss: dict[str, np.ndarray]
    kinks: dict[str, np.ndarray]
    settings: dict = field(default_factory=dict)

    def summary(self) -> str:
        lines = [f"MLPs of width {self.width}, {self.method} α = {self.lr:g}, batch {self.batch_size}, "
                 f"{self.steps[-1]} steps, same data/init/minibatches; final training loss (kinks hit):",
                 f"  {'hidden layers':>14} " + " ".join(f"{a:>16}" for a in self.activations)]
        for i, d in enumerate(self.depths):
            lines.append(f"  {d:>14} " + " ".join(
                f"{self.loss[a][i, -1]:9.4g} ({int(self.kinks[a][i]):3d})" for a in self.activations))
        return "\n".join(lines)

    def plot(self, out: str | Path | None = None, **kwargs):
        return plot_activations(self, out, **kwargs)


def activations(X=None, y=None, *, depths: Sequence[int] = (1, 2, 4), activations: Sequence[str] = ("relu", "gelu"),
                width: int = 32, method: str = "adam", lr: float = 3e-3, steps: int = 1500, batch_size: int = 64,
                record_every: int = 25, n_samples: int = 512, n_inputs: int = 8, seed: int = 0) -> ActivationsResult:
    """Train the same MLPs with each activation (Kumar, problem 5).

    Each (depth, activation) pair is one :func:`nonsmooth.train` run from the
    same He initialization (seeded by ``seed`` and the depth) with the same
    minibatch seed; the recorded loss is on all the data (``full_loss=True``).

    Parameters
    ----------
    X, y : array_like, optional
        Regression data (y of shape (N,) or (N, 1)); default :func:`teacher_data`.
    depths : sequence of int
        Numbers of hidden layers.
    activations : sequence of {"relu", "gelu", "softplus", "tanh", "leaky_relu"}
    width : int
        Units per hidden layer.
    method : {"sgd", "momentum", "rmsprop", "adam"}
    lr, steps, batch_size, record_every : training settings.
    n_samples, n_inputs : size of the default data.
    seed : int

    Returns
    -------
    ActivationsResult

    Examples
    --------
    >>> from nonsmooth import lab
    >>> r = lab.activations(depths=(1,), width=4, steps=20, record_every=10, n_samples=32)
    >>> r.loss["relu"].shape, r.kinks["gelu"]
    ((1, 3), array([0]))
    """
    if X is None or y is None:
        X, y = teacher_data(n_samples, n_inputs, seed=seed)
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64).reshape(X.shape[0], -1)
    for a in activations:
        if a not in ACTIVATIONS:
            raise ValueError(f"activations: {a!r} is not one of {', '.join(ACTIVATIONS)}")
    loss = {a: np.empty((len(depths), 0)) for a in activations}
    kinks = {a: np.zeros(len(depths), dtype=np.int64) for a in activations}
    rows: dict[str, list[np.ndarray]] = {a: [] for a in activations}
    recorded = np.empty(0, dtype=np.int64)
    for i, depth in enumerate(depths):
        start = init_mlp([X.shape[1]] + [width] * depth + [y.shape[1]], seed=seed + 1000 * depth)
        for a in activations:
            res = train(mlp_loss(depth, a), start, {"X": X, "y": y}, optimizer=optimizer(method, lr), steps=steps,
                        batch_size=min(batch_size, X.shape[0]), seed=seed, record_every=record_every,
                        full_loss=True)
            rows[a].append(res.history.full_loss)
            kinks[a][i] = res.kinks.total
            recorded = res.history.step
    for a in activations:
        loss[a] = np.array(rows[a])
    return ActivationsResult(depths=tuple(depths), activations=tuple(activations), width=width, method=method,
                             lr=float(lr), batch_size=batch_size, steps=recorded, loss=loss, kinks=kinks,
                             settings=dict(seed=seed))


def plot_activations(result: ActivationsResult, out: str | Path | None = None, *,
                     figsize: tuple[float, float] | None = None):
    """One panel per depth, the training curves of every activation side by side (shared log y axis).

    Parameters
    ----------
    result : ActivationsResult
    out : str or path, optional
        Write the figure there (PNG, PDF, SVG, ...).
    figsize : (float, float), optional

    Returns
    -------
    ndarray of matplotlib Axes
        The panels; the figure is ``axes[0].figure``. Axes rather than the
        Figure, so that a notebook cell ending in this call shows the figure
        once.

    Examples
    --------
    >>> from nonsmooth import lab
    >>> r = lab.activations(depths=(1,), width=4, steps=20, record_every=10, n_samples=32)
    >>> axes = lab.plot_activations(r, "activations.png")
    >>> axes.shape
    (1,)
    >>> import matplotlib.pyplot as plt; plt.close(axes[0].figure)
    """
    plt = pyplot()
    r = result
    n = len(r.depths)
    fig, axes = plt.subplots(1, n, figsize=figsize or (4.4 * n, 4.2), sharey=True, squeeze=False)
    palette = {"relu": "#d62728", "leaky_relu": "#ff7f0e", "gelu": "#1f77b4", "softplus": "#2ca02c",
               "tanh": "#9467bd"}
    for ax, i, depth in zip(axes[0], range(n), r.depths):
        for a in r.activations:
            ax.plot(r.steps, r.loss[a][i], color=palette[a], lw=1.5,
                    label=f"{a} (kinks hit: {int(r.kinks[a][i])})" if a in ("relu", "leaky_relu") else a)
        ax.set(yscale="log", xlabel="step", title=f"{depth} hidden layer{'s' if depth > 1 else ''}")
    axes[0, 0].set_ylabel("training loss (all data)")
    return finish(fig, out, f"Nonsmooth vs smooth activations: width {r.width}, {r.method}, α = {r.lr:g}, same "
                  "init and minibatches (Kumar, problem 5)", styled=axes[0], legends=axes[0])
