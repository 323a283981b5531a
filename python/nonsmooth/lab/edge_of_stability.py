"""Edge of stability: the sharpness along gradient descent, least squares vs Huber.

Gradient descent with step α is stable near a minimizer only if the sharpness
λ_max(∇²L) is below 2/α. On least squares the Hessian AᵀA/N is constant: past
α = 2/L every run diverges. On Huber regression the Hessian AᵀDA/N depends on
which residuals lie in the quadratic band (D = diag(1{|rᵢ| ≤ δ})); starting
far away the sharpness is small, it rises as residuals enter the band, and
instead of diverging when it reaches 2/α the iterates push residuals back out:
the sharpness settles at the edge 2/α — the self-stabilization that Cohen et
al. observe in neural networks ("Gradient descent on neural networks typically
occurs at the edge of stability", ICLR 2021), here in a problem small enough to
check by hand. The sharpness is measured by power iteration on the library's
Hessian-vector products (:meth:`nonsmooth.Function.hvp`, forward over reverse).
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..autodiff import function, huber as _huber, mean
from ..optim import SGD
from ._common import Record, finish, gaussian_regression, iterates, panels


@function
def _least_squares(b, A, y):
    return 0.5 * mean((A @ b - y) ** 2)


@function
def _huber_loss(b, A, y, delta):
    return mean(delta * delta * _huber((A @ b - y) / delta, 1.0))


def sharpness(loss, w, *fixed, iterations: int = 100, seed: int = 0) -> float:
    """λ_max of ∇²loss(w) (for a positive semidefinite Hessian) by power iteration
    on Hessian-vector products: the Rayleigh quotient of the last iterate.

    Returns 0 for a zero Hessian. Exact products where the loss is twice
    differentiable; at a kink of the second derivative the library's choice.

    Parameters
    ----------
    loss : nonsmooth.Function
    w : array
        The point.
    *fixed : arrays
        The loss's other arguments.
    iterations : int, default=100
    seed : int, default=0

    Returns
    -------
    float

    Examples
    --------
    >>> from nonsmooth import lab
    >>> loss = ns.function(lambda w: 0.5 * ns.sum(np.array([1.0, 4.0]) * w ** 2))
    >>> round(lab.sharpness(loss, np.ones(2)), 6)       # the largest Hessian eigenvalue
    4.0
    """
    v = np.random.default_rng(seed).normal(size=np.shape(w))
    v /= np.linalg.norm(v)
    value = 0.0
    for _ in range(iterations):
        hv = loss.hvp(w, *fixed, direction=v)
        value = float(np.vdot(v, hv))
        norm = np.linalg.norm(hv)
        if norm == 0:
            return 0.0
        v = hv / norm
    return value


@dataclass(repr=False)
class EdgeOfStabilityResult(Record):
    """What :func:`edge_of_stability` returns.

    Attributes
    ----------
    A, y : the data.  delta : the Huber threshold.  lr : the step α.
    lipschitz : L = ‖A‖₂²/N, the sharpness of least squares everywhere.
    steps : (m,) the steps where the sharpness was measured.
    huber_sharpness, huber_loss : (m,) along gradient descent on Huber.
    squares_sharpness, squares_loss : (m,) along gradient descent on least squares
        (NaN once the iterates overflow).

    Examples
    --------
    >>> from nonsmooth import lab
    >>> r = lab.edge_of_stability(steps=20, power_iterations=20)
    >>> type(r).__name__
    'EdgeOfStabilityResult'
    """

    A: np.ndarray
    y: np.ndarray
    delta: float
    lr: float
    lipschitz: float
    steps: np.ndarray
    huber_sharpness: np.ndarray
    huber_loss: np.ndarray
    squares_sharpness: np.ndarray
    squares_loss: np.ndarray
    settings: dict = field(default_factory=dict)

    @property
    def edge(self) -> float:
        """2/α."""
        return 2.0 / self.lr

    def settled(self, fraction: float = 0.5) -> float:
        """Mean Huber sharpness over the last ``fraction`` of the run."""
        tail = self.huber_sharpness[int(len(self.steps) * (1 - fraction)):]
        return float(np.mean(tail))

    def summary(self) -> str:
        finite = self.squares_loss[np.isfinite(self.squares_loss)]
        return "\n".join([
            f"Edge of stability: gradient descent with α = {self.lr:.4g} (2/α = {self.edge:.4g}) on a "
            f"{self.A.shape[0]} × {self.A.shape[1]} regression, {int(self.steps[-1])} steps",
            f"  least squares: sharpness L = {self.lipschitz:.4g} {'>' if self.lipschitz > self.edge else '≤'} 2/α "
            f"everywhere; loss {self.squares_loss[0]:.4g} → {finite[-1]:.4g}"
            + (" (diverges)" if finite[-1] > self.squares_loss[0] else ""),
            f"  Huber (δ = {self.delta:g}): sharpness {self.huber_sharpness[0]:.4g} → settles at "
            f"{self.settled():.4g} = {self.settled() / self.edge:.3f}·2/α; loss {self.huber_loss[0]:.4g} → "
            f"{self.huber_loss[-1]:.4g}",
        ])

    def plot(self, out: str | Path | None = None, **kwargs):
        return plot_edge_of_stability(self, out, **kwargs)


def edge_of_stability(A=None, y=None, *, n_samples: int = 60, n_features: int = 20, noise: float = 1.0,
                      delta: float = 0.5, lr_factor: float = 1.5, steps: int = 200, every: int = 2,
                      power_iterations: int = 100, seed: int = 0) -> EdgeOfStabilityResult:
    """Sharpness (top Hessian eigenvalue) along gradient descent, least squares vs Huber, against 2/α.

    Parameters
    ----------
    A, y : array_like, optional
        Design and response; default A with N(0, 1) entries and y = Aβ* + noise·N(0, 1).
    delta : float, default 0.5
        Huber threshold: (1/N) Σ δ²·huber₁(rᵢ/δ).
    lr_factor : float, default 1.5
        α = lr_factor · 2/L with L = ‖A‖₂²/N: past the stability limit of least squares.
    steps : int, default 200
        Full-batch gradient steps from β = 0 (the native update of :class:`~nonsmooth.optim.SGD`).
    every : int, default 2
        Sharpness measured every ``every`` steps.
    power_iterations : int, default 100
    seed : int

    Returns
    -------
    EdgeOfStabilityResult

    Examples
    --------
    >>> from nonsmooth import lab
    >>> r = lab.edge_of_stability(steps=20, power_iterations=20)
    >>> print(r.summary().splitlines()[0])
    Edge of stability: gradient descent with α = 1.342 (2/α = 1.49) on a 60 × 20 regression, 20 steps
    """
    A, y = gaussian_regression(A, y, n_samples, n_features, noise, np.random.default_rng(seed))
    if A.ndim != 2 or y.shape[0] != A.shape[0]:
        raise ValueError(f"y: needs one entry per row of A ({A.shape[0]}), got shape {y.shape}")
    if not (np.isfinite(delta) and delta > 0):
        raise ValueError(f"delta: must be positive, got {delta}")
    if not (np.isfinite(lr_factor) and lr_factor > 0):
        raise ValueError(f"lr_factor: must be positive, got {lr_factor}")
    L = float(np.linalg.norm(A, 2) ** 2 / A.shape[0])
    lr = lr_factor * 2.0 / L
    w0 = np.zeros(A.shape[1])
    marks = np.arange(0, steps + 1, max(int(every), 1))
    d = np.array(float(delta))
    hub = iterates(_huber_loss, w0, SGD(lr), steps, fixed=(A, y, d))[marks]
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        squares = iterates(_least_squares, w0, SGD(lr), steps, fixed=(A, y))[marks]
    h_sharp = np.array([sharpness(_huber_loss, w, A, y, d, iterations=power_iterations) for w in hub])
    h_loss = np.array([_huber_loss(w, A, y, d) for w in hub])
    s_sharp = np.full(marks.size, np.nan)
    s_loss = np.full(marks.size, np.nan)
    for i, w in enumerate(squares):
        if not np.all(np.isfinite(w)) or np.max(np.abs(w)) > 1e150:
            break
        s_sharp[i] = sharpness(_least_squares, w, A, y, iterations=power_iterations)
        s_loss[i] = _least_squares(w, A, y)
    return EdgeOfStabilityResult(A=A, y=y, delta=float(delta), lr=lr, lipschitz=L, steps=marks,
                                 huber_sharpness=h_sharp, huber_loss=h_loss, squares_sharpness=s_sharp,
                                 squares_loss=s_loss, settings=dict(seed=seed, noise=noise, lr_factor=lr_factor))


def plot_edge_of_stability(result: EdgeOfStabilityResult, out: str | Path | None = None, *,
                           figsize: tuple[float, float] = (12.0, 4.5)):
    """Two panels: the sharpness of both runs against 2/α, and their losses (log scale).

    Parameters
    ----------
    result : EdgeOfStabilityResult
    out : str or path, optional
        Write the figure there (PNG, PDF, SVG, ...).
    figsize : (float, float)
        Figure size in inches.

    Returns
    -------
    ndarray of matplotlib Axes
        The panels; the figure is ``axes[0].figure``.

    Examples
    --------
    >>> from nonsmooth import lab
    >>> r = lab.edge_of_stability(steps=20, power_iterations=20)
    >>> axes = lab.plot_edge_of_stability(r, "eos.png")
    >>> len(axes) >= 1
    True
    >>> import matplotlib.pyplot as plt; plt.close(axes[0].figure)
    """
    fig, (a, b) = panels(2, figsize)
    r = result
    a.plot(r.steps, r.huber_sharpness, color="#1f77b4", lw=1.4, label=f"Huber (δ = {r.delta:g})")
    a.plot(r.steps, r.squares_sharpness, color="#d62728", lw=1.4, label="least squares")
    a.axhline(r.edge, color="k", ls="--", lw=1.0, label="2/α")
    a.set(xlabel="step k", ylabel="λ_max(∇²L(β_k))", title="(a) sharpness by power iteration on the HVP")
    b.plot(r.steps, r.huber_loss, color="#1f77b4", lw=1.4, label="Huber")
    b.plot(r.steps, r.squares_loss, color="#d62728", lw=1.4, label="least squares")
    b.set(yscale="log", xlabel="step k", ylabel="loss", title="(b) loss: Huber converges, least squares diverges")
    return finish(fig, out, f"Edge of stability: gradient descent at α = {r.lr / (2 / r.lipschitz):.3g}·2/L", styled=(a, b), legends=(a, b))
