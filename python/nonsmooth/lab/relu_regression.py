"""Experiment 3 — a convex ReLU regression where the loss decreases but ‖β‖∞ does not.

    F(β) = ‖y − max(0, Zβ)‖²/N + λ₁‖β‖₁ + λ₂‖β‖²   with y ≤ 0.

Since y ≤ 0 ≤ max(0, t), each term (max(0, t) − yᵢ)² is the square of a
non-negative convex function, hence convex, and F(β) ≥ ‖y‖²/N = F(0) with
equality only at 0 when λ₂ > 0: the unique minimizer is β = 0. Yet a
(sub)gradient step that pushes rows of Zβ below 0 lands in the flat region of
the ReLU, possibly farther from 0 than where it started: the loss goes down
while ‖β‖∞ goes up — a nonsmooth gradient method is a descent method in the
loss, not in the distance to the minimizer (Kumar, "GD doesn't make the cut:
three ways that non-differentiability affects neural network training").
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..autodiff import function, mean, norm1, relu
from ..autodiff import sum as _sum
from ..training import train
from ._common import COLORS, LABELS, Record, finish, iterates, optimizer, pyplot


@function
def _relu_regression(b, Z, y, l1, l2):
    return mean((y - relu(Z @ b)) ** 2) + l1 * norm1(b) + l2 * _sum(b * b)


@dataclass(repr=False)
class ReluRegressionResult(Record):
    """What :func:`relu_regression` returns.

    Attributes
    ----------
    Z, y, beta0 : the data (y ≤ 0) and the start.
    lam1, lam2, lr, method : the penalties, step and optimizer.
    loss : (steps + 1,) F(β_k) on all the data (``history.full_loss`` of :func:`nonsmooth.train`).
    max_norm, l1_norm : (steps + 1,) ‖β_k‖∞ and ‖β_k‖₁.
    trajectories : (steps + 1, p) every iterate.
    descent_steps : the loss decreases strictly over steps 0 … descent_steps.

    Examples
    --------
    >>> from nonsmooth import lab
    >>> r = lab.relu_regression(n_samples=20, n_features=30, steps=40)
    >>> r.loss.shape, bool(r.loss[-1] < r.loss[0])
    ((41,), True)
    """

    Z: np.ndarray
    y: np.ndarray
    beta0: np.ndarray
    lam1: float
    lam2: float
    lr: float
    method: str
    loss: np.ndarray
    max_norm: np.ndarray
    l1_norm: np.ndarray
    trajectories: np.ndarray
    descent_steps: int
    settings: dict = field(default_factory=dict)

    @property
    def max_norm_rise(self) -> float:
        """The largest ‖β_k‖∞ / ‖β₀‖∞ − 1 while the loss still decreases."""
        window = self.max_norm[:self.descent_steps + 1]
        return float(window.max() / window[0] - 1.0)

    def summary(self) -> str:
        k = self.descent_steps
        window = self.max_norm[:k + 1]
        peak = int(np.argmax(window))
        return (f"convex ReLU regression, Z: {self.Z.shape[0]} × {self.Z.shape[1]}, y ≤ 0 (minimizer β = 0), "
                f"{LABELS[self.method]} with α = {self.lr:.3g}\n"
                f"  loss decreases strictly over steps 0–{k}: {self.loss[0]:.4g} → {self.loss[k]:.4g} "
                f"(F(0) = {np.mean(self.y ** 2) :.4g})\n"
                f"  meanwhile ‖β‖∞: {window[0]:.4g} → {window[peak]:.4g} at step {peak} "
                f"(+{100 * self.max_norm_rise:.0f}%), {int(np.sum(np.diff(window) > 0))} increases\n"
                f"  after {len(self.loss) - 1} steps: loss {self.loss[-1]:.4g}, ‖β‖∞ {self.max_norm[-1]:.3g}")

    def plot(self, out: str | Path | None = None, **kwargs):
        return plot_relu_regression(self, out, **kwargs)


def relu_regression(Z=None, y=None, beta0=None, *, n_samples: int = 50, n_features: int = 100,
                    response_scale: float = 1.0, start_scale: float = 0.3, lam1: float = 0.01, lam2: float = 0.01,
                    lr: float | None = None, steps: int = 200, method: str = "sgd", seed: int = 1) -> ReluRegressionResult:
    """Full-batch gradient method on the convex ReLU regression above (Kumar, problem 3).

    Parameters
    ----------
    Z, y : array_like, optional
        Design and a non-positive response; default Z with N(0, 1) entries and
        y = −response_scale·|N(0, 1)|.
    beta0 : array_like, optional
        Start; default ``start_scale``·U[0, 1] entries.
    n_samples, n_features, response_scale, start_scale : the default data.
    lam1, lam2 : float
        λ₁ (ℓ1) and λ₂ (squared ℓ2, > 0 makes the minimizer unique).
    lr : float, optional
        Step; default 1/L with L = 2‖Z‖₂²/N (a safe step for the smooth region).
    steps : int, default 200
    method : {"sgd", "momentum", "rmsprop", "adam"}
        The :mod:`nonsmooth.optim` optimizer (default hyperparameters).
    seed : int, default 1

    Returns
    -------
    ReluRegressionResult

    Examples
    --------
    >>> from nonsmooth import lab
    >>> r = lab.relu_regression(n_samples=20, n_features=30, steps=40)
    >>> print(r.summary().splitlines()[0])
    convex ReLU regression, Z: 20 × 30, y ≤ 0 (minimizer β = 0), SGD with α = 0.112
    """
    rng = np.random.default_rng(seed)
    if Z is None:
        Z = rng.normal(size=(n_samples, n_features))
    Z = np.asarray(Z, dtype=np.float64)
    if y is None:
        y = -response_scale * np.abs(rng.normal(size=Z.shape[0]))
    y = np.asarray(y, dtype=np.float64).ravel()
    if np.any(y > 0):
        raise ValueError("y: the response must be non-positive (then the minimizer is 0)")
    b0 = start_scale * rng.uniform(0.0, 1.0, Z.shape[1]) if beta0 is None else np.asarray(beta0, float).ravel()
    if method == "prox_sgd":
        raise ValueError("method: this experiment compares gradient methods; use 'sgd', 'momentum', 'rmsprop' or 'adam'")
    lr = 1.0 / (2.0 * np.linalg.norm(Z, 2) ** 2 / Z.shape[0]) if lr is None else float(lr)
    fixed = {"l1": np.array(lam1), "l2": np.array(lam2)}
    res = train(_relu_regression, {"b": b0}, {"Z": Z, "y": y}, fixed=fixed, optimizer=optimizer(method, lr),
                steps=steps, record_every=1, full_loss=True)
    loss = res.history.full_loss
    rises = np.flatnonzero(np.diff(loss) >= 0)
    traj = iterates(_relu_regression, b0, optimizer(method, lr), steps, fixed=(Z, y, fixed["l1"], fixed["l2"]))
    return ReluRegressionResult(Z=Z, y=y, beta0=b0, lam1=float(lam1), lam2=float(lam2), lr=lr, method=method,
                                loss=loss, max_norm=res.history.max_norm, l1_norm=res.history.l1_norm,
                                trajectories=traj, descent_steps=int(rises[0]) if rises.size else steps,
                                settings=dict(seed=seed, response_scale=response_scale, start_scale=start_scale))


def plot_relu_regression(result: ReluRegressionResult, out: str | Path | None = None, *, coordinates: int = 4,
                         figsize: tuple[float, float] = (14.0, 4.6)):
    """Three panels: the loss (decreasing), ‖β‖∞ (rising while the loss
    falls) and the coordinates that drive the rise.

    Parameters
    ----------
    result : ReluRegressionResult
    out : str or path, optional
        Write the figure there (PNG, PDF, SVG, ...).
    coordinates : int, default=4
        Coordinates of β drawn.
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
    >>> r = lab.relu_regression(n_samples=20, n_features=30, steps=40)
    >>> axes = lab.plot_relu_regression(r, "relu.png")
    >>> axes.shape
    (3,)
    >>> import matplotlib.pyplot as plt; plt.close(axes[0].figure)
    """
    plt = pyplot()
    r = result
    k = np.arange(r.loss.size)
    K = r.descent_steps
    fig, (a, b, c) = plt.subplots(1, 3, figsize=figsize)
    color = COLORS.get(r.method, "C0")
    a.plot(k, r.loss, color=color, lw=1.6)
    a.axhline(np.mean(r.y ** 2), color="k", ls="--", lw=0.8)
    a.text(k[-1], np.mean(r.y ** 2), "F(0) = min F", ha="right", va="bottom", fontsize=8)
    a.set(xlabel="step k", ylabel="F(β_k)", title="(a) the loss decreases", yscale="log")
    b.plot(k, r.max_norm, color=color, lw=1.6)
    peak = int(np.argmax(r.max_norm[:K + 1]))
    b.plot([0, peak], r.max_norm[[0, peak]], "o", color="k", ms=5)
    b.annotate(f"+{100 * r.max_norm_rise:.0f}% while the loss\ndrops {r.loss[0]:.3g} → {r.loss[peak]:.3g}",
               (peak, r.max_norm[peak]), xytext=(25, -40), textcoords="offset points", fontsize=9,
               arrowprops=dict(arrowstyle="->", lw=0.7))
    b.axhline(0, color="k", lw=0.6)
    b.set(xlabel="step k", ylabel="‖β_k‖∞", title="(b) …but the iterates move away from β* = 0")
    for ax in (a, b):
        if K < k[-1]:
            ax.axvspan(0, K, color="gold", alpha=0.12, lw=0)
    a.text(K / 2, 0.97, "loss strictly\ndecreasing", transform=a.get_xaxis_transform(), ha="center", va="top",
           fontsize=8) if K < k[-1] else None
    at_peak = r.trajectories[peak]
    chosen = np.argsort(-np.abs(at_peak))[:coordinates]
    shades = plt.get_cmap("viridis")(np.linspace(0.1, 0.8, coordinates))
    for s, j in zip(shades, chosen):
        c.plot(k, r.trajectories[:, j], color=s, lw=1.3, label=f"β_{j}")
    c.axhline(0, color="k", lw=0.6)
    c.set(xlabel="step k", ylabel="βⱼ", title="(c) coordinates pushed past 0 into the flat ReLU region")
    N, p = r.Z.shape
    return finish(fig, out, f"Convex ReLU regression ‖y − max(0, Zβ)‖²/N + λ₁‖β‖₁ + λ₂‖β‖², y ≤ 0, Z: {N} × {p} — "
                  f"{LABELS[r.method]} at α = {r.lr:.3g} (Kumar, problem 3)", styled=(a, b, c), legends=(c,))
