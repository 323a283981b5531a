"""Experiment 4 — unstable convergence without divergence: Huber regression at huge steps.

The Huber loss has a Lipschitz gradient (constant L = ‖A‖₂²/N on its
quadratic region) but, unlike a quadratic, a *bounded* gradient: outside the
band |r| ≤ δ it is linear. Gradient descent with α ≫ 2/L therefore cannot
blow up geometrically: it bounces between the linear pieces and its loss
oscillates at a bounded level, while gradient descent on the least-squares
loss with any α > 2/L diverges like |1 − αL|ᵏ (Kumar, "GD doesn't make the
cut: three ways that non-differentiability affects neural network training";
Cohen et al., "Gradient descent on neural networks typically occurs at the
edge of stability", ICLR 2021; Huber, "Robust estimation of a location
parameter", Ann. Math. Stat. 1964).
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

import numpy as np

from ..autodiff import function, huber as _huber, mean
from ..exceptions import DivergenceWarning
from ..optim import SGD
from ..training import train
from ._common import Record, finish, gaussian_regression, pyplot


@function
def _huber_loss(b, A, y, delta):
    # δ²·huber₁(r/δ) = huber_δ(r), with δ an argument (no retrace per δ)
    return mean(delta * delta * _huber((A @ b - y) / delta, 1.0))


@function
def _quadratic_loss(b, A, y):
    return 0.5 * mean((A @ b - y) ** 2)


@dataclass(repr=False)
class HuberResult(Record):
    """What :func:`huber` returns.

    Attributes
    ----------
    A, y : the data.  delta : the Huber threshold δ.  lipschitz : L = ‖A‖₂²/N.
    lrs : (m,) the Huber steps.  quadratic_lr : the least-squares step (past 2/L).
    huber_loss : (m, steps + 1) the Huber loss along each run.
    huber_max_norm : (m, steps + 1) ‖β_k‖∞ along each run.
    quadratic_loss, quadratic_max_norm : (steps + 1,) the least-squares run
        (NaN after a non-finite value, if it overflows).

    Examples
    --------
    >>> from nonsmooth import lab
    >>> r = lab.huber(steps=50)
    >>> r.lrs, r.huber_loss.shape
    (array([ 0.1, 10. ]), (2, 51))
    """

    A: np.ndarray
    y: np.ndarray
    delta: float
    lipschitz: float
    lrs: np.ndarray
    quadratic_lr: float
    huber_loss: np.ndarray
    huber_max_norm: np.ndarray
    quadratic_loss: np.ndarray
    quadratic_max_norm: np.ndarray
    settings: dict = field(default_factory=dict)

    def tail_range(self, fraction: float = 0.5) -> np.ndarray:
        """(m, 2) min and max of each Huber loss over the last ``fraction`` of the run."""
        start = int(self.huber_loss.shape[1] * (1 - fraction))
        tail = self.huber_loss[:, start:]
        return np.stack([tail.min(axis=1), tail.max(axis=1)], axis=1)

    def summary(self) -> str:
        lines = [f"Huber regression (δ = {self.delta:g}), A: {self.A.shape[0]} × {self.A.shape[1]}, "
                 f"L = {self.lipschitz:.3g}, 2/L = {2 / self.lipschitz:.3g}; {self.huber_loss.shape[1] - 1} GD steps"]
        for lr, (lo, hi), mx in zip(self.lrs, self.tail_range(), self.huber_max_norm):
            lines.append(f"  Huber, α = {lr:<8g} loss {self.huber_loss[0, 0]:.4g} → last half in [{lo:.4g}, {hi:.4g}], "
                         f"max ‖β‖∞ {np.max(mx):.3g}")
        q = self.quadratic_loss
        last = q[np.isfinite(q)][-1]
        lines.append(f"  least squares, α = {self.quadratic_lr:.3g} ({self.quadratic_lr * self.lipschitz / 2:.3g}·2/L): "
                     f"loss {q[0]:.4g} → {last:.3g} (diverges like |1 − αL|ᵏ = {abs(1 - self.quadratic_lr * self.lipschitz):.3g}ᵏ)")
        return "\n".join(lines)

    def plot(self, out: str | Path | None = None, **kwargs):
        return plot_huber(self, out, **kwargs)


def huber(A=None, y=None, *, n_samples: int = 50, n_features: int = 200, noise: float = 1.0, delta: float = 1.0,
          lrs: Sequence[float] | np.ndarray = (0.1, 10.0), quadratic_factor: float = 1.05, steps: int = 400,
          seed: int = 0) -> HuberResult:
    """Gradient descent on Huber regression at small and huge steps vs least squares past 2/L (Kumar, problem 4).

    All runs are :func:`nonsmooth.train` with :class:`~nonsmooth.optim.SGD`,
    full batch, from β = 0; the loss is recorded at every step.

    Parameters
    ----------
    A, y : array_like, optional
        Design and response; default A with N(0, 1) entries (``n_samples`` ×
        ``n_features``) and y = Aβ* + noise·N(0, 1), β* ~ N(0, I).
    delta : float, default 1.0
        Huber threshold: (1/N) Σ δ²·huber₁(rᵢ/δ), i.e. rᵢ²/2 for |rᵢ| ≤ δ.
    lrs : sequence of float, default (0.1, 10)
        Steps of the Huber runs.
    quadratic_factor : float, default 1.05
        The least-squares run uses α = quadratic_factor · 2/L.
    steps : int, default 400
    seed : int

    Returns
    -------
    HuberResult

    Examples
    --------
    >>> from nonsmooth import lab
    >>> r = lab.huber(steps=50)
    >>> print(r.summary())
    Huber regression (δ = 1), A: 50 × 200, L = 8.45, 2/L = 0.237; 50 GD steps
      Huber, α = 0.1      loss 10.68 → last half in [2.017, 4.294], max ‖β‖∞ 1.09
      Huber, α = 10       loss 10.68 → last half in [21.62, 29.37], max ‖β‖∞ 4.33
      least squares, α = 0.249 (1.05·2/L): loss 98.84 → 8.99 (diverges like |1 − αL|ᵏ = 1.1ᵏ)
    """
    A, y = gaussian_regression(A, y, n_samples, n_features, noise, np.random.default_rng(seed))
    lrs = np.asarray(lrs, dtype=np.float64).ravel()
    L = np.linalg.norm(A, 2) ** 2 / A.shape[0]
    p = A.shape[1]
    losses, norms = [], []
    for lr in lrs:
        res = train(_huber_loss, {"b": np.zeros(p)}, {"A": A, "y": y}, fixed={"delta": np.array(delta)},
                    optimizer=SGD(lr), steps=steps, record_every=1, full_loss=True)
        losses.append(res.history.full_loss)
        norms.append(res.history.max_norm)
    q_lr = quadratic_factor * 2.0 / L
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DivergenceWarning)
        res = train(_quadratic_loss, {"b": np.zeros(p)}, {"A": A, "y": y}, optimizer=SGD(q_lr), steps=steps,
                    record_every=1, full_loss=True)
    q_loss = np.full(steps + 1, np.nan)
    q_norm = np.full(steps + 1, np.nan)
    n = res.history.full_loss.size
    q_loss[:n], q_norm[:n] = res.history.full_loss, res.history.max_norm
    return HuberResult(A=A, y=y, delta=float(delta), lipschitz=float(L), lrs=lrs, quadratic_lr=float(q_lr),
                       huber_loss=np.array(losses), huber_max_norm=np.array(norms), quadratic_loss=q_loss,
                       quadratic_max_norm=q_norm, settings=dict(seed=seed, noise=noise))


def plot_huber(result: HuberResult, out: str | Path | None = None, *, zoom: int = 40,
               figsize: tuple[float, float] = (16.0, 4.8)):
    """Three panels: the loss of every run (log scale), a zoom on the first
    ``zoom`` steps of the Huber runs past 2/L (linear scale: the oscillation),
    and ‖β_k‖∞ — bounded for Huber at any step, geometric growth for least squares.

    Parameters
    ----------
    result : HuberResult
    out : str or path, optional
        Write the figure there (PNG, PDF, SVG, ...).
    zoom : int, default=40
        Steps shown in the zoom panel.
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
    >>> r = lab.huber(steps=50)
    >>> axes = lab.plot_huber(r, "huber.png")
    >>> axes.shape
    (3,)
    >>> import matplotlib.pyplot as plt; plt.close(axes[0].figure)
    """
    plt = pyplot()
    r = result
    fig, (a, z, b) = plt.subplots(1, 3, figsize=figsize, gridspec_kw=dict(width_ratios=[1.2, 0.8, 1.0]))
    k = np.arange(r.huber_loss.shape[1])
    shades = plt.get_cmap("viridis")(np.linspace(0.15, 0.75, len(r.lrs)))
    for color, lr, loss, mx in zip(shades, r.lrs, r.huber_loss, r.huber_max_norm):
        tag = "≪" if lr < 2 / r.lipschitz else "≫"
        label = f"Huber, α = {lr:g} ({tag} 2/L = {2 / r.lipschitz:.2g})"
        a.plot(k, loss, color=color, lw=1.0, label=label)
        b.plot(k, mx, color=color, lw=1.0, label=label)
        if lr >= 2 / r.lipschitz:
            shown = k[: min(k.size, zoom + 1)]
            z.plot(shown, loss[shown], "o-", color=color, ms=3, lw=0.9, label=f"α = {lr:g}")
    label = f"least squares, α = {r.quadratic_lr / (2 / r.lipschitz):.3g}·2/L"
    a.plot(k, r.quadratic_loss, color="#d62728", lw=1.6, label=label)
    b.plot(k, r.quadratic_max_norm, color="#d62728", lw=1.6, label=label)
    a.set(yscale="log", xlabel="step k", ylabel="loss", title="(a) loss: oscillating but bounded vs diverging")
    b.set(yscale="log", xlabel="step k", ylabel="‖β_k‖∞", title="(c) iterates: bounded vs exploding")
    z.set(xlabel="step k", ylabel="Huber loss", title=f"(b) zoom: the first {zoom} large steps", ylim=(0, None))
    a.legend(frameon=False, fontsize=8, loc="upper left")
    N, p = r.A.shape
    return finish(fig, out, f"Unstable convergence without divergence: gradient descent on Huber regression "
                  f"({N} × {p}) (Kumar, problem 4)", styled=(a, z, b))
