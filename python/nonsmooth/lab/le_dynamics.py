"""Le's dynamics: stochastic subgradient and heavy ball do not stall at artificial critical points.

Automatic differentiation of a program may return 0 where the function is not
critical. The loss here, per sample,

    f_i(w) = ½(w − x_i)² + c·(relu(w) − relu(−w))     (= ½(w − x_i)² + c·w),

is differentiated with relu'(0) = 0, so at w = 0 the program's derivative is
−mean(x) while the true derivative is c − mean(x): with centred data, w = 0 is
an *artificial* critical point. Full-batch gradient descent started there never
moves. Bolte, Le & Pauwels ("Subgradient sampling for nonsmooth nonconvex
minimization", SIAM J. Optim. 2023) and Le ("Nonsmooth nonconvex stochastic
heavy ball", JOTA 2024) show that with randomized initializations the
stochastic subgradient method and the stochastic heavy ball almost surely
avoid such artifacts and converge to Clarke critical points — here the
minimizer w* = mean(x) − c. The kink report of every run counts how often an
iterate landed exactly on w = 0.

The integral rule: for per-sample losses s·|w| with signs s = ±1 in equal
numbers, the sampled derivatives at 0 are ±a (a = ``Kinks.abs_at_zero``), whose
mean 0 is the derivative of the mean loss (≡ 0): conservative fields pass
through expectations (Bolte, Le & Pauwels 2023), although each sample's Clarke
subdifferential at 0 is the whole interval [−1, 1].
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..exceptions import StuckAtKinkWarning
from ..autodiff import Kinks, abs as _abs, function, mean, relu, sum as _sum
from ..optim import SGD, Momentum, diminishing, one_minus
from ..training import train
from ._common import Record, finish, panels

METHODS = ("sgd", "heavy_ball")


def _per_sample_loss(c: float):
    @function
    def loss(w, x):
        return mean(0.5 * (w - x) ** 2) + c * _sum(relu(w) - relu(-w))
    return loss


@dataclass(repr=False)
class LeDynamicsResult(Record):
    """What :func:`le_dynamics` returns.

    Attributes
    ----------
    x : (n,) the data (centred).  c : the slope of the kinked term.
    minimizer : w* = mean(x) − c.  clarke_at_zero : c − mean(x), the true derivative at 0.
    program_at_zero : the program's derivative at 0 (relu'(0) = 0): −mean(x).
    gd_from_zero : (steps + 1,) |w_k| along full-batch gradient descent started at the artifact.
    gd_kinks : kinks hit by that run.
    gd_diagnosis : the library's StuckAtKinkWarning for that run ("" if none was raised).
    inits : (runs,) random initializations.
    finals : dict method → (runs,) last iterates.  kinks : dict method → (runs,) kinks hit.
    paths : dict method → (steps + 1,) the iterates of the first run.
    abs_at_zero : (m,) the tried values a.  sample_derivatives : (m, 2) derivatives of
        s·|w| at 0 for s = +1, −1.  mean_derivative : (m,) the derivative of their mean.

    Examples
    --------
    >>> from nonsmooth import lab
    >>> r = lab.le_dynamics(steps=100, runs=3)
    >>> type(r).__name__
    'LeDynamicsResult'
    """

    x: np.ndarray
    c: float
    minimizer: float
    clarke_at_zero: float
    program_at_zero: float
    gd_from_zero: np.ndarray
    gd_kinks: int
    gd_diagnosis: str
    inits: np.ndarray
    finals: dict
    kinks: dict
    paths: dict
    abs_at_zero: np.ndarray
    sample_derivatives: np.ndarray
    mean_derivative: np.ndarray
    settings: dict = field(default_factory=dict)

    def summary(self) -> str:
        lines = [
            f"Le's dynamics: f(w) = mean ½(w − xᵢ)² + c(relu(w) − relu(−w)), c = {self.c:g}, {self.x.size} samples",
            f"  at w = 0: program derivative {self.program_at_zero:.3g} (relu'(0) = 0), true derivative "
            f"{self.clarke_at_zero:.3g}: an artificial critical point; minimizer w* = {self.minimizer:.4g}",
            f"  gradient descent from w = 0: w = {self.gd_from_zero[-1]:g} after {self.gd_from_zero.size - 1} steps "
            f"({self.gd_kinks} kinks hit): stalled"
            + ("; the library diagnoses it (StuckAtKinkWarning)" if self.gd_diagnosis else ""),
        ]
        for m in self.finals:
            err = np.abs(self.finals[m] - self.minimizer)
            lines.append(f"  {m:<10} from {self.inits.size} random starts: max |w_K − w*| = {err.max():.2e}, "
                         f"runs that hit w = 0 exactly: {int(np.count_nonzero(self.kinks[m]))}")
        pairs = ", ".join(f"a = {a:g}: ({d[0]:g}, {d[1]:g}) → mean {m:g}"
                          for a, d, m in zip(self.abs_at_zero, self.sample_derivatives, self.mean_derivative))
        lines.append(f"  integral rule, s·|w| at 0 for s = +1, −1: {pairs}")
        return "\n".join(lines)

    def plot(self, out: str | Path | None = None, **kwargs):
        return plot_le_dynamics(self, out, **kwargs)


def le_dynamics(x=None, *, n_samples: int = 64, c: float = 1.0, lr: float = 0.5, power: float = 0.75,
                momentum: float = 0.5, batch_size: int = 8, steps: int = 2000, runs: int = 20,
                abs_at_zero: tuple = (-1.0, 0.0, 0.5, 1.0), seed: int = 0) -> LeDynamicsResult:
    """Stochastic subgradient and heavy ball vs an artificial critical point; the integral rule (Le).

    Parameters
    ----------
    x : array_like, optional
        Samples, centred here so that w = 0 is an artificial critical point (up to
        the rounding of the mean); default ``n_samples`` symmetric dyadic samples
        whose mean is exactly 0.
    c : float, default 1.0
        Slope of the kinked term c·(relu(w) − relu(−w)).
    lr, power : float
        Steps α_k = lr/(1 + k)^power (Robbins–Monro for power ∈ (1/2, 1]).
    momentum : float, default 0.5
        Heavy ball momentum β_k = 1 − momentum/(1 + k)^(power/3)
        (``one_minus(diminishing(momentum, 1, power / 3))``), growing to 1 more
        slowly than the steps vanish.
    batch_size, steps, runs : int
        Minibatch size, steps per run, random initializations (w₀ ~ N(0, 1)).
    abs_at_zero : tuple of float
        The values of abs'(0) tried for the integral rule.
    seed : int

    Returns
    -------
    LeDynamicsResult

    Examples
    --------
    >>> from nonsmooth import lab
    >>> r = lab.le_dynamics(steps=100, runs=3)
    >>> print(r.summary().splitlines()[0])
    Le's dynamics: f(w) = mean ½(w − xᵢ)² + c(relu(w) − relu(−w)), c = 1, 64 samples
    """
    rng = np.random.default_rng(seed)
    if x is None:
        # Multiples of 1/16 and their negatives: every partial sum is exact, so mean(x) = 0 exactly
        # and w = 0 is exactly an artificial critical point of the program.
        z = np.round(rng.normal(size=max(n_samples // 2, 1)) * 16) / 16
        x = np.concatenate([z, -z])
    else:
        x = np.asarray(x, dtype=np.float64).ravel()
        if x.size < 2:
            raise ValueError(f"x: needs at least 2 samples, got {x.size}")
        x = x - x.mean()
    c = float(c)
    loss = _per_sample_loss(c)
    program_at_zero = float(loss.grad(np.zeros(1), x)[0])
    clarke = float(loss.lexicographic_jacobian(np.zeros(1), x).ravel()[0])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", StuckAtKinkWarning)
        gd = train(loss, {"w": np.zeros(1)}, {"x": x}, optimizer=SGD(diminishing(lr, power=power)), steps=steps,
                   record_every=1)
    diagnosis = next((str(w.message) for w in caught if issubclass(w.category, StuckAtKinkWarning)), "")
    path_gd = gd.history.max_norm          # |w_k| at every step
    schedules = {"sgd": SGD(diminishing(lr, power=power)),
                 "heavy_ball": Momentum(diminishing(lr, power=power), momentum=one_minus(diminishing(momentum, 1.0, power / 3)))}
    inits = rng.normal(size=runs)
    finals = {m: np.empty(runs) for m in METHODS}
    kinks = {m: np.empty(runs, dtype=np.int64) for m in METHODS}
    for m, opt in schedules.items():
        for r, w0 in enumerate(inits):
            res = train(loss, {"w": np.array([w0])}, {"x": x}, optimizer=opt, steps=steps, batch_size=batch_size,
                        seed=seed + r, record_every=steps)
            finals[m][r] = res.params["w"][0]
            kinks[m][r] = res.kinks.total
    paths = {m: _path(loss, x, inits[0], schedules[m], steps, batch_size, seed) for m in METHODS}
    a_values = np.asarray(abs_at_zero, dtype=np.float64).ravel()
    signed = function(lambda w, s: mean(s * _abs(w)))     # the sampled average of s·|w|
    signs = np.array([1.0, -1.0])
    derivs, means = [], []
    for a in a_values:
        policy = Kinks(abs_at_zero=float(a))
        derivs.append([float(signed.grad(np.zeros(()), np.array([s]), policy=policy)) for s in signs])
        means.append(float(signed.grad(np.zeros(()), signs, policy=policy)))
    return LeDynamicsResult(x=x, c=c, minimizer=float(x.mean() - c), clarke_at_zero=clarke,
                            program_at_zero=program_at_zero, gd_from_zero=path_gd, gd_kinks=gd.kinks.total,
                            gd_diagnosis=diagnosis,
                            inits=inits, finals=finals, kinks=kinks, paths=paths, abs_at_zero=a_values,
                            sample_derivatives=np.array(derivs), mean_derivative=np.array(means),
                            settings=dict(seed=seed, lr=lr, power=power, momentum=momentum, batch_size=batch_size))


def _path(loss, x, w0, opt, steps, batch_size, seed):
    """The iterates of one run, by re-running ``train`` for growing step counts' last point."""
    marks = np.unique(np.linspace(0, steps, 101).astype(int))
    path = np.empty(marks.size)
    for i, k in enumerate(marks):
        res = train(loss, {"w": np.array([w0])}, {"x": x}, optimizer=opt, steps=int(k), batch_size=batch_size,
                    seed=seed, record_every=max(int(k), 1))
        path[i] = res.params["w"][0]
    return np.stack([marks, path])


def plot_le_dynamics(result: LeDynamicsResult, out: str | Path | None = None, *,
                     figsize: tuple[float, float] = (12.0, 4.5)):
    """Two panels: one run of each method and gradient descent stalled at w = 0,
    and the final iterates of every random start against w*.

    Parameters
    ----------
    result : LeDynamicsResult
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
    >>> r = lab.le_dynamics(steps=100, runs=3)
    >>> axes = lab.plot_le_dynamics(r, "le.png")
    >>> len(axes) >= 1
    True
    >>> import matplotlib.pyplot as plt; plt.close(axes[0].figure)
    """
    fig, (a, b) = panels(2, figsize)
    r = result
    colors = {"sgd": "#1f77b4", "heavy_ball": "#ff7f0e"}
    for m, (k, w) in r.paths.items():
        a.plot(k, w, color=colors[m], lw=1.3, label=m.replace("_", " "))
    a.plot(np.arange(r.gd_from_zero.size), r.gd_from_zero, color="#d62728", lw=1.3, label="|w_k|, GD from w = 0 (stalls)")
    a.axhline(r.minimizer, color="k", ls="--", lw=1.0, label="w* = mean(x) − c")
    a.set(xlabel="step k", ylabel="w_k", title="(a) iterates")
    for i, m in enumerate(r.finals):
        b.scatter(r.inits, r.finals[m] - r.minimizer, s=12, color=colors[m], label=m.replace("_", " "))
    b.set(xlabel="initialization w₀", ylabel="w_K − w*", title="(b) every random start converges")
    return finish(fig, out, "Artificial critical points are avoided (Bolte, Le & Pauwels 2023; Le 2024)", styled=(a, b), legends=(a, b))
