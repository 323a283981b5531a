"""Experiment 2 — the Lasso ‖y − Wβ‖²/N + λ‖β‖₁ with a wide random design.

Kumar ("GD doesn't make the cut: three ways that non-differentiability affects
neural network training", problem 2): on a 20 × 500 design with entries
uniform on [−1, 1], gradient methods on the penalized loss return no exact
zero and, at a constant step, an ℓ1 norm that stops decreasing (and grows
again) as λ grows — each coordinate the Lasso sets to 0 keeps oscillating with
amplitude ≈ αλ — while the Lasso's own solution (coordinate descent, FISTA or
proximal SGD) gets sparser and smaller in ℓ1 norm with λ.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

import numpy as np

from .. import prox as _prox
from ..autodiff import function, mean, norm1
from ..linear_model import Lasso
from ..optimize import LeastSquares, minimize
from ..training import train
from ._common import COLORS, LABELS, METHODS, SMALL, Record, check_methods, finish, optimizer, pyplot


@function
def _lasso(b, W, y, lam):
    return mean((W @ b - y) ** 2) + lam * norm1(b)


@function
def _least_squares(b, W, y, lam):
    return mean((W @ b - y) ** 2) + 0.0 * lam


def wide_design(n_samples: int = 20, n_features: int = 500, n_informative: int = 5, noise: float = 0.1,
                seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """W with entries U[−1, 1], a sparse β* (``n_informative`` N(0, 4) entries)
    and y = Wβ* + noise·N(0, 1). Returns (W, y, β*).

    Parameters
    ----------
    n_samples, n_features, n_informative : int
    noise : float
    seed : int

    Returns
    -------
    W : ndarray (n_samples, n_features)
    y : ndarray (n_samples,)
    beta : ndarray (n_features,)

    Examples
    --------
    >>> from nonsmooth import lab
    >>> W, y, beta = lab.wide_design(n_samples=5, n_features=12, n_informative=2)
    >>> W.shape, y.shape, np.flatnonzero(beta)
    ((5, 12), (5,), array([ 1, 10]))
    """
    rng = np.random.default_rng(seed)
    W = rng.uniform(-1.0, 1.0, (n_samples, n_features))
    beta = np.zeros(n_features)
    beta[rng.choice(n_features, n_informative, replace=False)] = 2.0 * rng.normal(size=n_informative)
    return W, W @ beta + noise * rng.normal(size=n_samples), beta


@dataclass(repr=False)
class LassoResult(Record):
    """What :func:`lasso` returns.

    Attributes
    ----------
    W, y, beta_true : the data (N × p design, response, the sparse β* behind it).
    lams : (m,) penalties λ.  methods : gradient methods run, then "cd" and "fista".
    lr : method → its step size.
    coefs : method → (m, p) the final β for each λ.
    l1_norm, exact_zeros, small_fraction, objective : method → (m,)
        ‖β‖₁, entries exactly 0, fraction with |β| < 1e-5, and the Lasso
        objective ‖y − Wβ‖²/N + λ‖β‖₁ at the final β.

    Examples
    --------
    >>> from nonsmooth import lab
    >>> r = lab.lasso(n_samples=10, n_features=40, lams=(0.1, 1.0), steps=100, methods=("sgd", "prox_sgd"))
    >>> r.exact_zeros["cd"], r.exact_zeros["sgd"]        # exact zeros per λ
    (array([30, 37]), array([0, 0]))
    """

    W: np.ndarray
    y: np.ndarray
    beta_true: np.ndarray
    lams: np.ndarray
    methods: tuple[str, ...]
    lr: dict[str, float]
    coefs: dict[str, np.ndarray]
    l1_norm: dict[str, np.ndarray]
    exact_zeros: dict[str, np.ndarray]
    small_fraction: dict[str, np.ndarray]
    objective: dict[str, np.ndarray]
    steps: int
    settings: dict = field(default_factory=dict)

    def summary(self) -> str:
        N, p = self.W.shape
        lines = [f"Lasso ‖y − Wβ‖²/N + λ‖β‖₁, W: {N} × {p} uniform on [−1, 1], {self.steps} full-batch steps",
                 "final ‖β‖₁ (exact zeros) for each λ:",
                 f"  {'λ':>20} " + " ".join(f"{lam:>14g}" for lam in self.lams)]
        for m in self.methods:
            name = LABELS[m] + (f" α={self.lr[m]:.2g}" if m in self.lr else "")
            lines.append(f"  {name:>20} " + " ".join(
                f"{v:8.3g} ({int(z):3d})" for v, z in zip(self.l1_norm[m], self.exact_zeros[m])))
        return "\n".join(lines)

    def plot(self, out: str | Path | None = None, **kwargs):
        return plot_lasso(self, out, **kwargs)


def lasso(W=None, y=None, *, n_samples: int = 20, n_features: int = 500, n_informative: int = 5,
          noise: float = 0.1, lams: Sequence[float] | np.ndarray = (0.01, 0.03, 0.1, 0.3, 1.0, 3.0),
          steps: int = 2000, methods: Sequence[str] = METHODS, lr_sgd: float | None = None,
          lr_momentum: float | None = None, lr_adaptive: float = 1e-3, momentum: float = 0.9, rho: float = 0.99,
          beta1: float = 0.9, beta2: float = 0.999, tol: float = 1e-8, seed: int = 0) -> LassoResult:
    """NDGMs on the penalized Lasso loss against the Lasso's solution (Kumar, problem 2).

    Gradient methods run :func:`nonsmooth.train` (full batch, from β = 0) on
    ``mean((W @ b - y)**2) + lam * norm1(b)``; proximal SGD runs it on the
    least-squares part with ``prox=L1(λ)``. The references are
    :class:`nonsmooth.Lasso` (coordinate descent, α = λ/2 in scikit-learn's
    scaling) and :func:`nonsmooth.minimize` (FISTA on ``LeastSquares`` with
    ``prox.L1(λ/2)``), both solved to duality gap / KKT tolerance ``tol``.

    Parameters
    ----------
    W, y : array_like, optional
        Your design and response; default: :func:`wide_design` with the
        ``n_samples``, ``n_features``, ``n_informative``, ``noise`` and ``seed`` given.
    lams : sequence of float
    steps : int, default 2000
    methods : subset of ("sgd", "momentum", "rmsprop", "adam", "prox_sgd")
    lr_sgd : float, optional
        Step of SGD and proximal SGD; default 1/L with L = 2‖W‖₂²/N the
        Lipschitz constant of the smooth part's gradient.
    lr_momentum : float, optional
        Step of momentum; default (1 − momentum)/L.
    lr_adaptive : float, default 1e-3
        Step of RMSProp and Adam.
    momentum, rho, beta1, beta2 : float
    tol : float
        Tolerance of the CD and FISTA references.
    seed : int

    Returns
    -------
    LassoResult

    References
    ----------
    Kumar, "GD doesn't make the cut". Tibshirani, "Regression shrinkage and
    selection via the lasso", JRSS-B 1996. Friedman, Hastie & Tibshirani,
    "Regularization paths for generalized linear models via coordinate
    descent", J. Stat. Softw. 2010. Beck & Teboulle, "A fast iterative
    shrinkage-thresholding algorithm", SIAM J. Imaging Sci. 2009.

    Examples
    --------
    >>> from nonsmooth import lab
    >>> r = lab.lasso(n_samples=10, n_features=40, lams=(0.1, 1.0), steps=100, methods=("sgd", "prox_sgd"))
    >>> r.l1_norm["cd"].round(3), r.l1_norm["sgd"].round(3)
    (array([4.632, 1.66 ]), array([5.056, 4.715]))
    """
    methods = check_methods(methods)
    if W is None or y is None:
        W, y, beta_true = wide_design(n_samples, n_features, n_informative, noise, seed)
    else:
        W, y = np.asarray(W, dtype=np.float64), np.asarray(y, dtype=np.float64).ravel()
        beta_true = np.full(W.shape[1], np.nan)
    lams = np.asarray(lams, dtype=np.float64).ravel()
    if lams.size == 0 or np.any(~(lams > 0)):
        raise ValueError("lams: penalties must be positive")
    N, p = W.shape
    L = 2.0 * np.linalg.norm(W, 2) ** 2 / N
    rates = {"sgd": 1.0 / L if lr_sgd is None else lr_sgd, "prox_sgd": 1.0 / L if lr_sgd is None else lr_sgd,
             "momentum": (1.0 - momentum) / L if lr_momentum is None else lr_momentum,
             "rmsprop": lr_adaptive, "adam": lr_adaptive}
    hyper = dict(momentum=momentum, rho=rho, beta1=beta1, beta2=beta2)
    coefs = {m: np.empty((lams.size, p)) for m in (*methods, "cd", "fista")}
    for i, lam in enumerate(lams):
        for m in methods:
            res = train(_least_squares if m == "prox_sgd" else _lasso, {"b": np.zeros(p)}, {"W": W, "y": y},
                        fixed={"lam": np.array(lam)}, optimizer=optimizer(m, rates[m], **hyper),
                        prox={"b": _prox.L1(lam)} if m == "prox_sgd" else None, steps=steps, record_every=steps)
            coefs[m][i] = res.params["b"]
        coefs["cd"][i] = Lasso(alpha=lam / 2, fit_intercept=False, tol=tol, max_iter=100_000).fit(W, y).coef_
        coefs["fista"][i] = minimize(LeastSquares(W, y), _prox.L1(lam / 2), tol=tol, max_iter=100_000,
                                    restart="gradient").x
    everything = (*methods, "cd", "fista")

    def objective(b, lam):
        return float(np.mean((W @ b - y) ** 2) + lam * np.abs(b).sum())

    return LassoResult(
        W=W, y=y, beta_true=beta_true, lams=lams, methods=everything, lr={m: rates[m] for m in methods},
        coefs=coefs, l1_norm={m: np.abs(c).sum(axis=1) for m, c in coefs.items()},
        exact_zeros={m: np.count_nonzero(c == 0, axis=1) for m, c in coefs.items()},
        small_fraction={m: np.mean(np.abs(c) < SMALL, axis=1) for m, c in coefs.items()},
        objective={m: np.array([objective(b, lam) for b, lam in zip(c, lams)]) for m, c in coefs.items()},
        steps=steps, settings=dict(hyper, tol=tol, seed=seed, lipschitz=L))


def plot_lasso(result: LassoResult, out: str | Path | None = None, *, lam_index: int | None = None,
               figsize: tuple[float, float] = (15.0, 4.8)):
    """Three panels: ‖β‖₁ against λ, sparsity against λ, and the sorted
    |βⱼ| at one λ (default the largest), every method against the Lasso's solution.

    Parameters
    ----------
    result : LassoResult
    out : str or path, optional
        Write the figure there (PNG, PDF, SVG, ...).
    lam_index : int, optional
        The λ of the magnitude panel (default: the smallest λ with a nonzero Lasso solution).
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
    >>> r = lab.lasso(n_samples=10, n_features=40, lams=(0.1, 1.0), steps=100, methods=("sgd", "prox_sgd"))
    >>> axes = lab.plot_lasso(r, "lasso.png")
    >>> axes.shape
    (3,)
    >>> import matplotlib.pyplot as plt; plt.close(axes[0].figure)
    """
    plt = pyplot()
    r = result
    if lam_index is None:  # the largest λ at which the Lasso solution is not 0
        kept = np.flatnonzero(r.l1_norm["cd"] > 0) if "cd" in r.l1_norm else np.arange(len(r.lams))
        lam_index = int(kept[-1]) if kept.size else len(r.lams) - 1
    i = lam_index
    fig, (a, b, c) = plt.subplots(1, 3, figsize=figsize)
    for m in r.methods:
        ref = m in ("cd", "fista", "prox_sgd")
        kw = dict(color=COLORS[m], label=LABELS[m], lw=1.6 if ref else 1.3,
                  ls={"cd": "-", "fista": "--", "prox_sgd": ":"}.get(m, "-"), marker=None if ref else "o", ms=4)
        a.plot(r.lams, r.l1_norm[m], **kw)
        b.plot(r.lams, 100 * r.exact_zeros[m] / r.W.shape[1], **kw)
        mags = np.sort(np.abs(r.coefs[m][i]))[::-1]
        mags = mags[mags > 0]
        c.plot(np.arange(1, mags.size + 1), mags, color=COLORS[m], ls=kw["ls"], lw=kw["lw"],
               label=f"{LABELS[m]} ({r.W.shape[1] - mags.size} exact 0)")
    a.set(xscale="log", yscale="log", xlabel="λ", ylabel="final ‖β‖₁", title="(a) ℓ1 norm of the end point")
    b.set(xscale="log", xlabel="λ", ylabel="% of coefficients exactly 0", title="(b) exact zeros",
          ylim=(-3, 103))
    c.set(xscale="log", yscale="log", xlabel="rank j", ylabel="|β|₍ⱼ₎ (non-zero entries, sorted)",
          title=f"(c) coefficient magnitudes at λ = {r.lams[i]:g}")
    c.axhline(SMALL, color="gray", lw=0.7, ls="--")
    c.text(c.get_xlim()[1], SMALL, "1e-5 ", va="bottom", ha="right", fontsize=8, color="gray")
    a.legend(frameon=False, fontsize=8, loc="lower left")
    c.legend(frameon=False, fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.16), ncol=2)
    N, p = r.W.shape
    return finish(fig, out, f"Lasso on a {N} × {p} design: gradient methods on the penalized loss vs the Lasso "
                  f"solution (Kumar, problem 2; {r.steps} full-batch steps)", styled=(a, b, c))
