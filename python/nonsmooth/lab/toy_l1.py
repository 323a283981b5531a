"""Experiment 1 — the toy ℓ1 problem f(β) = λ‖β‖₁ at constant step.

Kumar, "GD doesn't make the cut: three ways that non-differentiability affects
neural network training": a nonsmooth gradient method (NDGM) on λ‖β‖₁ never
reaches the minimizer 0; every coordinate ends on a two-point cycle whose size
is αλ, so a *larger* penalty leaves a *larger* ‖β‖₁, and lowering α
afterwards rescales the cycle without undoing the ordering. The proximal step
(soft thresholding) reaches exact zeros in finitely many steps.

Closed form (SGD, step h = αλ, abs'(0) = 0). Write b = |β₀ᵢ| > 0, s = sign β₀ᵢ,
n = ⌊b/h⌋ and r = b − n h ∈ [0, h). The iterates are s(b − k h) for k ≤ n,
then, if r > 0, alternate forever between

    s·r   (steps n, n + 2, …)   and   s·(r − h)   (steps n + 1, n + 3, …),

so |βᵢ| averages (r + h − r)/2 = h/2 over the cycle, whatever β₀: the mean of
‖β‖₁ over two consecutive late steps is exactly p·αλ/2, increasing in λ.
After the step is lowered to fα the same argument gives p·fαλ/2.

A correction to the seed: Kumar's eq. (9) bounds the late iterates by
‖β‖₁ < αλ. That holds for p = 1 only. Each coordinate satisfies |βᵢ| < h = αλ
on the cycle (one of its two points is within h of 0, the other too), so the
bound for p coordinates is ‖β‖₁ < p·αλ, and it is attained up to a factor:
coordinates with r close to h sit near h at every other step, giving
‖β‖₁ → p·αλ on those steps (and p·αλ/2 on average, as above). The tests check
the p·αλ bound and the p·αλ/2 mean on the runs of :func:`toy_l1`.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

import numpy as np

from .. import prox as _prox
from ..autodiff import function, norm1, sum as _sum
from ..optim import step_decay
from ..training import train
from ._common import COLORS, LABELS, METHODS, Record, check_methods, finish, iterates, optimizer, pyplot


@function
def _penalty(b, lam):
    return lam * norm1(b)


@function
def _nothing(b, lam):
    # The smooth part of the proximal method: f = 0, the whole penalty is in the prox.
    return 0.0 * _sum(b)


def two_point_cycle(beta0, lam: float, lr: float) -> tuple[np.ndarray, np.ndarray]:
    """The two points each coordinate of SGD on λ‖β‖₁ ends oscillating between.

    Parameters
    ----------
    beta0 : array_like
        Start β₀.
    lam, lr : float
        Penalty λ and constant step α (h = αλ).

    Returns
    -------
    points : ndarray, shape (2, p)
        Row 0: s·r, the point reached at step n (and n + 2, n + 4, …);
        row 1: s·(r − h), reached at steps n + 1, n + 3, … (see the module
        docstring: s = sign β₀, n = ⌊|β₀|/h⌋, r = |β₀| − n h).
    start : ndarray of int, shape (p,)
        n for each coordinate. Coordinates with β₀ᵢ = 0 stay at 0 (both rows 0).

    Examples
    --------
    >>> from nonsmooth import lab
    >>> cycle, start = lab.two_point_cycle(np.array([0.003, -0.5]), lam=1.0, lr=0.01)
    >>> cycle, start
    (array([[ 0.003, -0.   ],
           [-0.007,  0.01 ]]), array([ 0, 50]))
    """
    b0 = np.asarray(beta0, dtype=np.float64).ravel()
    h = float(lr) * float(lam)
    if not h > 0:
        raise ValueError(f"lam·lr: must be positive, got {h}")
    s, b = np.sign(b0), np.abs(b0)
    n = np.floor(b / h)
    r = b - n * h
    return np.stack([s * r, s * (r - h)]), n.astype(np.int64)


@dataclass(repr=False)
class ToyL1Result(Record):
    """What :func:`toy_l1` returns (all arrays NumPy).

    Attributes
    ----------
    beta0 : (p,) start.  lam, lr : the penalty and step of the trajectories.
    steps, decay_steps, decay_factor : the constant phase, then ``decay_steps``
        steps at ``decay_factor``·lr.
    methods : the methods run (keys of the dicts below).
    trajectories : method → (steps + decay_steps + 1, p) every iterate at ``lam``.
    l1_norm : method → (steps + decay_steps + 1,) ‖β_k‖₁ at ``lam``.
    lams : (m,) the λ sweep.
    final_l1 : method → (m,) mean of ‖β‖₁ over the last two steps of the
        constant phase, for each λ (from :func:`nonsmooth.train` histories).
    final_l1_decayed : method → (m,) the same at the end, after lowering α.
    exact_zeros : method → (m,) entries exactly 0 at the end, for each λ.
    cycle : (2, p) the predicted two-point cycle of SGD at ``lam`` (:func:`two_point_cycle`).
    cycle_start : (p,) the step each coordinate enters it.
    overshoot : method → (p,) the largest |β_k,j| / (αλ) over the constant phase
        after coordinate j first reaches or crosses 0 (≤ 1 for SGD's two-point
        cycle; above 1 when the method jumps away from 0, as momentum does).

    Examples
    --------
    >>> from nonsmooth import lab
    >>> r = lab.toy_l1(steps=60, decay_steps=20, lams=(1.0, 4.0), methods=("sgd", "prox_sgd"))
    >>> r.methods, r.exact_zeros["prox_sgd"], r.exact_zeros["sgd"]
    (('sgd', 'prox_sgd'), array([4., 8.]), array([0., 0.]))
    >>> print(r.summary().splitlines()[0])
    λ‖β‖₁ from a random start (p = 8), constant step α = 0.01 for 60 steps, then α = 0.001 for 20; minimizer: β = 0
    """

    beta0: np.ndarray
    lam: float
    lr: float
    steps: int
    decay_steps: int
    decay_factor: float
    methods: tuple[str, ...]
    trajectories: dict[str, np.ndarray]
    l1_norm: dict[str, np.ndarray]
    lams: np.ndarray
    final_l1: dict[str, np.ndarray]
    final_l1_decayed: dict[str, np.ndarray]
    exact_zeros: dict[str, np.ndarray]
    cycle: np.ndarray
    cycle_start: np.ndarray
    overshoot: dict[str, np.ndarray] = field(default_factory=dict)
    settings: dict = field(default_factory=dict)

    def summary(self) -> str:
        p = self.beta0.size
        lines = [f"λ‖β‖₁ from a random start (p = {p}), constant step α = {self.lr:g} for {self.steps} steps, "
                 f"then α = {self.decay_factor * self.lr:g} for {self.decay_steps}; minimizer: β = 0",
                 "mean ‖β‖₁ over the last two steps (constant α → after lowering α), exact zeros at the end:",
                 f"  {'λ':>16} " + " ".join(f"{lam:>15g}" for lam in self.lams)]
        for m in self.methods:
            cells = " ".join(f"{a:6.3g} → {b:<6.3g}" for a, b in zip(self.final_l1[m], self.final_l1_decayed[m]))
            lines.append(f"  {LABELS[m]:>16} {cells}   zeros: {', '.join(str(int(z)) for z in self.exact_zeros[m])}")
        lines.append(f"  {'theory (SGD)':>16} " + " ".join(
            f"{p * self.lr * lam / 2:6.3g} → {p * self.decay_factor * self.lr * lam / 2:<6.3g}" for lam in self.lams))
        if self.overshoot:
            lines.append(f"after first reaching 0, the farthest a coordinate gets from 0, in steps αλ (λ = {self.lam:g}): "
                         + ", ".join(f"{LABELS[m]} {float(v.max()):.3g}" for m, v in self.overshoot.items()))
        return "\n".join(lines)

    def plot(self, out: str | Path | None = None, **kwargs):
        return plot_toy_l1(self, out, **kwargs)


def toy_l1(beta0=None, *, n_features: int = 8, lam: float = 1.0, lr: float = 0.01, steps: int = 600,
           lams: Sequence[float] | np.ndarray = (0.25, 0.5, 1.0, 2.0, 4.0, 8.0), decay_factor: float = 0.1,
           decay_steps: int = 400, methods: Sequence[str] = METHODS, momentum: float = 0.9, rho: float = 0.99,
           beta1: float = 0.9, beta2: float = 0.999, seed: int = 0) -> ToyL1Result:
    """NDGMs and the proximal step on f(β) = λ‖β‖₁ (Kumar, problem 1).

    Every run is :func:`nonsmooth.train` (full batch, no data) or, for the
    per-coordinate trajectories, the same native optimizer stepped by
    :func:`~nonsmooth.lab._common.iterates`; gradients are the conservative
    ones of ``lam * norm1(b)`` with abs'(0) = 0; the proximal method is SGD on
    f = 0 with ``prox=L1(λ)`` (soft thresholding, exact zeros).

    Parameters
    ----------
    beta0 : array_like, optional
        Start; default: ``n_features`` draws of U[−1, 1] from ``seed``.
    n_features : int, default 8
    lam : float, default 1.0
        λ of the stored trajectories.
    lr : float, default 0.01
        The constant step α of the first phase.
    steps : int, default 600
        Steps at α; choose steps > max|β₀|/(α·min λ) so every coordinate has
        reached its cycle (see the module docstring).
    lams : sequence of float
        The λ sweep of ``final_l1`` (the paradox: larger λ, larger ‖β‖₁).
    decay_factor, decay_steps : float, int
        Then ``decay_steps`` more steps at ``decay_factor``·α
        (``optim.step_decay``): lowering α afterwards.
    methods : subset of ("sgd", "momentum", "rmsprop", "adam", "prox_sgd")
    momentum, rho, beta1, beta2 : float
        Hyperparameters of Momentum, RMSProp and Adam.
    seed : int

    Returns
    -------
    ToyL1Result
        With ``.summary()`` and ``.plot(out)``.

    Notes
    -----
    What to expect: SGD ends on the cycle of :func:`two_point_cycle` with mean
    ‖β‖₁ = pαλ/2; momentum overshoots 0 (a coordinate reaching 0 keeps its
    velocity and jumps away) with a cycle that also grows with λ; RMSProp and
    Adam normalize the gradient, so their end state does not depend on λ at
    all (the update is invariant to g → cg, up to ε). RMSProp's effective step
    α/√(1 − ρᵏ) still drifts after the cycle forms, so the cycle slides and a
    point of it can round to exactly 0 in floating point; that is rounding,
    not sparsity. Only the proximal method reaches 0 by design, after
    ⌈|β₀ᵢ|/(αλ)⌉ steps.

    References
    ----------
    Kumar, "GD doesn't make the cut: three ways that non-differentiability
    affects neural network training". Bolte & Pauwels, "Conservative set valued
    fields, automatic differentiation, stochastic gradient methods and deep
    learning", Math. Program. 2021. Parikh & Boyd, "Proximal algorithms", 2014.

    Examples
    --------
    >>> from nonsmooth import lab
    >>> r = lab.toy_l1(steps=60, decay_steps=20, lams=(1.0, 4.0), methods=("sgd", "prox_sgd"))
    >>> r.final_l1["sgd"].round(3), r.final_l1["prox_sgd"]    # mean ‖β‖₁ of the last steps, per λ
    (array([0.977, 0.16 ]), array([0.95704931, 0.        ]))
    """
    methods = check_methods(methods)
    rng = np.random.default_rng(seed)
    b0 = rng.uniform(-1.0, 1.0, n_features) if beta0 is None else np.array(beta0, dtype=np.float64).ravel()
    if b0.size == 0 or not np.all(np.isfinite(b0)):
        raise ValueError("beta0: must be a non-empty finite vector")
    lams = np.asarray(lams, dtype=np.float64).ravel()
    if lams.size == 0 or np.any(~(lams > 0)) or not lam > 0:
        raise ValueError("lam, lams: penalties must be positive")
    if not 0 < decay_factor <= 1:
        raise ValueError(f"decay_factor: must be in (0, 1], got {decay_factor}")
    if steps < 2 or decay_steps < 2:
        raise ValueError("steps, decay_steps: need at least 2 each")
    schedule = step_decay(lr, decay_factor, steps)
    total = steps + decay_steps
    hyper = dict(momentum=momentum, rho=rho, beta1=beta1, beta2=beta2)

    def problem(method, value):
        loss = _nothing if method == "prox_sgd" else _penalty
        prox = _prox.L1(value) if method == "prox_sgd" else None
        return loss, prox

    trajectories, l1, final, decayed, zeros = {}, {}, {}, {}, {}
    for m in methods:
        loss, prox = problem(m, lam)
        trajectories[m] = iterates(loss, b0, optimizer(m, schedule, **hyper), total, fixed=(np.array(lam),),
                                   prox=prox)
        l1[m] = np.abs(trajectories[m]).sum(axis=1)
        final[m], decayed[m], zeros[m] = (np.empty(lams.size) for _ in range(3))
        for i, value in enumerate(lams):
            loss, prox = problem(m, value)
            res = train(loss, {"b": b0}, fixed={"lam": np.array(value)}, optimizer=optimizer(m, schedule, **hyper),
                        prox=None if prox is None else {"b": prox}, steps=total, record_every=1)
            norms = res.history.l1_norm
            final[m][i] = norms[steps - 1:steps + 1].mean()
            decayed[m][i] = norms[-2:].mean()
            zeros[m][i] = np.count_nonzero(res.params["b"] == 0)
    cycle, start = two_point_cycle(b0, lam, lr)
    overshoot = {m: _overshoot(trajectories[m][: steps + 1], b0, float(lr) * float(lam)) for m in methods}
    return ToyL1Result(beta0=b0, lam=float(lam), lr=float(lr), steps=steps, decay_steps=decay_steps,
                       decay_factor=float(decay_factor), methods=methods, trajectories=trajectories, l1_norm=l1,
                       lams=lams, final_l1=final, final_l1_decayed=decayed, exact_zeros=zeros, cycle=cycle,
                       cycle_start=start, overshoot=overshoot, settings=dict(hyper, seed=seed))


def _overshoot(path: np.ndarray, beta0: np.ndarray, h: float) -> np.ndarray:
    """Per coordinate: max |β_k| / h after the first step at which the sign left sign(β₀)."""
    left = np.sign(path) != np.sign(beta0)
    out = np.zeros(beta0.size)
    for j in range(beta0.size):
        hits = np.flatnonzero(left[:, j])
        if hits.size:
            out[j] = np.max(np.abs(path[hits[0]:, j])) / h
    return out


def plot_toy_l1(result: ToyL1Result, out: str | Path | None = None, *, coordinates: int = 3,
                zoom: int = 12, figsize: tuple[float, float] = (13.0, 8.5)):
    """Four panels: trajectories (SGD vs proximal), a zoom on SGD's two-point
    cycle against its closed form, ‖β_k‖₁ for every method, and the end
    ‖β‖₁ against λ before and after lowering α (the paradox).

    Parameters
    ----------
    result : ToyL1Result
    out : path, optional
        Where to write the figure (PNG, PDF, SVG, ...).
    coordinates : int, default 3
        How many coordinates the first two panels show.
    zoom : int, default 12
        Steps shown in the zoom (ending at the last step of the constant phase).

    Returns
    -------
    ndarray of matplotlib Axes
        The panels; the figure is ``axes[0].figure``. Axes rather than the
        Figure, so that a notebook cell ending in this call shows the figure
        once.

    Examples
    --------
    >>> from nonsmooth import lab
    >>> r = lab.toy_l1(steps=60, decay_steps=20, lams=(1.0, 4.0), methods=("sgd", "prox_sgd"))
    >>> axes = lab.plot_toy_l1(r, "toy_l1.png")
    >>> axes.shape
    (4,)
    >>> import matplotlib.pyplot as plt; plt.close(axes[0].figure)
    """
    plt = pyplot()
    r = result
    fig, axes = plt.subplots(2, 2, figsize=figsize)
    (a, b), (c, d) = axes
    shades = plt.get_cmap("viridis")(np.linspace(0.1, 0.8, coordinates))
    j_idx = np.argsort(-np.abs(r.beta0))[:coordinates]
    k = np.arange(r.steps + r.decay_steps + 1)
    last = int(min(r.steps, max(r.cycle_start[j_idx].max() * 1.3, 20)))
    has_prox = "prox_sgd" in r.methods
    for color, j in zip(shades, j_idx):
        if "sgd" in r.methods:
            a.plot(k[:last + 1], r.trajectories["sgd"][:last + 1, j], color=color, lw=1.6)
        if has_prox:
            a.plot(k[:last + 1], r.trajectories["prox_sgd"][:last + 1, j], color=color, lw=1.2, ls=":")
    a.axhline(0, color="k", lw=0.6)
    a.plot([], [], color="gray", lw=1.6, label="SGD")
    if has_prox:
        a.plot([], [], color="gray", ls=":", label="proximal SGD (exact 0)")
    a.set(xlabel="step k", ylabel="βᵢ", title=f"(a) iterates, λ = {r.lam:g}, α = {r.lr:g}")
    a.legend(frameon=False)

    ks = np.arange(r.steps - zoom + 1, r.steps + 1)
    h = r.lr * r.lam
    for color, j in zip(shades, j_idx):
        if "sgd" in r.methods:
            b.plot(ks, r.trajectories["sgd"][ks, j] / h, "o-", color=color, ms=4, lw=1)
        b.hlines(r.cycle[:, j] / h, ks[0], ks[-1], colors=[color], linestyles="--", lw=0.9)
    if has_prox:
        b.plot(ks, r.trajectories["prox_sgd"][ks, 0] / h, color="k", lw=1.2, ls=":", label="proximal SGD")
    b.plot([], [], "o-", color="gray", ms=4, label="SGD iterates")
    b.plot([], [], "--", color="gray", lw=0.9, label="closed form: s·r and s·(r − αλ)")
    b.set(xlabel="step k", ylabel="βᵢ / (αλ)", title="(b) SGD ends on a two-point cycle of size αλ")
    b.legend(frameon=False, fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.16), ncol=3)

    for m in r.methods:
        values = r.l1_norm[m].copy()
        if m == "prox_sgd":
            hit = np.flatnonzero(values == 0)
            if hit.size:
                c.annotate(f"exactly 0 from step {hit[0]}", (hit[0], values[hit[0] - 1]), xytext=(10, -25),
                           textcoords="offset points", fontsize=8, arrowprops=dict(arrowstyle="->", lw=0.7))
            values[values == 0] = np.nan
        c.plot(k, values, color=COLORS[m], lw=0.9, alpha=0.85, label=LABELS[m], zorder=3 if m == "sgd" else 2)
    c.axvline(r.steps, color="gray", ls="--", lw=0.8)
    c.text(r.steps, 1.0, f"  α → {r.decay_factor * r.lr:g}", fontsize=8,
           transform=c.get_xaxis_transform(), va="top")
    c.set_yscale("log")
    c.set(xlabel="step k", ylabel="‖β_k‖₁", title="(c) ‖β‖₁ along the run (λ = %g)" % r.lam)
    c.legend(frameon=False, fontsize=8, ncol=2)

    for m in r.methods:
        if m == "prox_sgd":
            continue
        d.plot(r.lams, r.final_l1[m], "o-", color=COLORS[m], label=f"{LABELS[m]}, α = {r.lr:g}")
        d.plot(r.lams, r.final_l1_decayed[m], "s--", color=COLORS[m], mfc="white",
               label=f"{LABELS[m]}, then α = {r.decay_factor * r.lr:g}")
    p = r.beta0.size
    d.plot(r.lams, p * r.lr * r.lams / 2, color="k", lw=0.8, alpha=0.6, label="pαλ/2 (closed form)")
    d.set_xscale("log")
    d.set_yscale("log")
    d.set_xticks(r.lams, [f"{v:g}" for v in r.lams])
    d.xaxis.set_minor_formatter(plt.NullFormatter())
    title = "(d) larger λ, larger final ‖β‖₁ (minimizer: 0)"
    if has_prox:
        d.text(0.98, 0.03, "proximal SGD: β = 0 exactly for every λ", transform=d.transAxes, ha="right",
               fontsize=8)
    d.set(xlabel="λ", ylabel="mean ‖β‖₁ over the last two steps", title=title)
    d.legend(frameon=False, fontsize=7, ncol=2)
    return finish(fig, out, "Gradient methods on λ‖β‖₁ at constant step (Kumar, problem 1)", styled=axes.ravel(),
                  title_size=13)
