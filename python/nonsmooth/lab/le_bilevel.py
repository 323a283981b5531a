"""Le's bilevel pathologies: a pseudo-inverse hypergradient makes outer gradient descent cycle or turn chaotic.

Bolte, Le, Pauwels & Silveti-Falls ("Nonsmooth implicit differentiation for
machine learning and optimization", NeurIPS 2021) prove that implicit
differentiation of a nonsmooth solution map yields a *conservative* Jacobian —
so that gradient methods on the outer problem behave (descent, convergence to
critical points with vanishing steps) — provided every element of the
conservative Jacobian ∂ₓF is invertible. What the paper states about the
failure (abstract): "To show the sharpness of our assumptions, we present
numerical experiments showcasing the extremely pathological gradient dynamics
one can encounter when applying implicit algorithmic differentiation without
any hypothesis"; Le's thesis defense shows outer gradient descent cycling and
a chaotic case. The stored copies of the paper we could read give only the
abstract, not the construction, so the problem below is ours, built to make
the mechanism exact and checkable; what we measure is beside it.

The construction (every quantity in closed form):

* Inner problem: a weighted Lasso ‖y − Xβ‖²/(2n) + Σ_j λ_{k(j)}|β_j| with two
  hyperparameters λ = (λ₁, λ₂), on a training design whose two orthogonal
  features Z are each **duplicated**: X = [Z, Z], feature j and its copy share
  λ_{k(j)}. Its solutions are not unique; the library's coordinate descent
  returns β̂(λ) = (c − λ, 0) (the whole coefficient on the first copy, c = Zᵀy/n)
  for 0 < λ < c. The copies sit exactly at their threshold: the equicorrelation
  set E has 4 features while the support S has 2, and X_EᵀX_E is singular —
  the invertibility condition fails.
* Outer criterion: the validation MSE C(β) = ‖X_v β − y_v‖²/(2m) on data that
  **tell the copies apart**, so V(λ) = C(β̂(λ)) = ρ‖λ − λ_V‖²/2 + const on the
  region: a convex quadratic, minimized at λ_V.
* The pseudo-inverse hypergradient: the implicit system on E,
  (X_EᵀX_E/n) ∂β_E = −diag(λ_E s_E) (log-space), solved with the Moore–Penrose
  pseudo-inverse (the minimum-norm solution; also what the conservative
  Jacobian's slope 1 at the soft-threshold kink gives). It spreads ∂β equally
  over each feature and its copy, while β̂ moves only the first copy: the
  resulting field is ρ Q(λ − λ*) (λ-space), with Q = R(ψ) a rotation by ψ —
  its Jacobian is not symmetric (curl 2ρ sin ψ), so it is the gradient of no
  function, and its zero λ* is not a critical point of V.
* Outer gradient descent on θ = log λ with that field, at constant step α:
  the fixed point λ* loses stability through a Neimark–Sacker bifurcation
  (closed form: |1 − αρ diag(λ*) Q diag(λ*)| eigenvalues > 1); past it the
  iterates settle on an attracting **cycle** (at the default α = 1.33, period 6,
  phase-locked), and a little before the cycle's window they wander
  **chaotically** (α = 1.285: largest Lyapunov exponent > 0), V oscillating
  over either orbit instead of decreasing.

What the library does on the same problem: :func:`nonsmooth.tuning.hypergradient`
finds |E| = 4 > |S| = 2 with X_EᵀX_E singular, raises an
:class:`~nonsmooth.tuning.ImplicitDifferentiationWarning` saying so, and falls
back to the system on the strict support S — the derivative of the solution
the solver returned, here exactly ∇V. Gradient descent with it, same step,
same start, converges to λ_V.

Where the chaos sits relative to the cycle depends on ρ, ψ and λ*; the
defaults come from a scan of α at ρ = 10, ψ = 60°, λ* = (0.3, 0.3), start
(0.32, 0.33), 800 outer steps: period 6 for α from 1.300 to 1.335 (a
phase-locked window), positive Lyapunov exponents (0.02 to 0.07 per step) for
α from 1.265 to 1.295 and again past the window (0.11 at α = 1.34), every
orbit staying where both features are active. A hypergradient that is
conservative for V cannot do this at these steps: with the library's, the
same descent converges (|1 − αρλ_V,k²| < 1 at λ_V, and V decreases at every step).

The inner solver's choice matters: coordinate descent leaves, about one time
in five, a few 1e-17 on a copy (its correlation rounds an ulp above the
threshold); the experiment zeroes coefficients below 1e-12·max|β| so that β̂ is
one selection throughout. Left in, they make |S| = 3 with X_SᵀX_S singular,
and the library then takes its ridge fallback (the minimum-norm derivative,
i.e. the pseudo-inverse one) instead of the strict support.
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .._validation import as_int, as_scalar
from ..linear_model import Lasso
from ..tuning import Diagnostics, ImplicitDifferentiationWarning, hypergradient
from ._common import Record, finish, panels


@dataclass(repr=False)
class LeBilevelResult(Record):
    """What :func:`le_bilevel` returns.

    Attributes
    ----------
    X, y : the training data (X = [Z, Z], every feature duplicated).
    X_val, y_val : the validation data (its copies differ).
    tie : (4, 2) which hyperparameter penalizes which feature.
    rho, angle : the curvature ρ of V and the rotation ψ (degrees) of the pseudo-inverse field.
    spurious : λ*, the zero of the pseudo-inverse field.  optimum : λ_V = argmin V.  optimum_value : V(λ_V).
    lr_cycle, lr_chaos : the outer steps.
    cycle_path, chaos_path, library_path : (steps + 1, 2) λ along outer gradient
        descent with the pseudo-inverse hypergradient (two steps) and with the library's.
    cycle_values, chaos_values, library_values : (steps + 1,) V along them.
    period : the period of the last iterates of the cycle run (0 if none up to 64).
    lyapunov : largest Lyapunov exponent of the chaotic run (per step, Benettin's method).
    lyapunov_growth : (n,) cumulative log-growth of a tangent perturbation along it.
    jacobian_pinv, jacobian_library : (2, 2) Jacobians of both fields (λ-space) at λ*, by central differences.
    grid, grid_values : λ grid (g,) and V on it (g, g) for the contour plot.
    diagnosis : the ImplicitDifferentiationWarning message.  diagnostics : the Diagnostics at the start.

    Examples
    --------
    >>> from nonsmooth import lab
    >>> r = lab.le_bilevel(steps=60, chaos_steps=60, grid_size=5)
    >>> type(r).__name__
    'LeBilevelResult'
    """

    X: np.ndarray
    y: np.ndarray
    X_val: np.ndarray
    y_val: np.ndarray
    tie: np.ndarray
    rho: float
    angle: float
    spurious: np.ndarray
    optimum: np.ndarray
    optimum_value: float
    lr_cycle: float
    lr_chaos: float
    cycle_path: np.ndarray
    cycle_values: np.ndarray
    chaos_path: np.ndarray
    chaos_values: np.ndarray
    library_path: np.ndarray
    library_values: np.ndarray
    period: int
    lyapunov: float
    lyapunov_growth: np.ndarray
    jacobian_pinv: np.ndarray
    jacobian_library: np.ndarray
    grid: np.ndarray
    grid_values: np.ndarray
    diagnosis: str
    diagnostics: Diagnostics
    settings: dict = field(default_factory=dict)

    def summary(self) -> str:
        p = max(self.period, 1)
        tail = self.cycle_values[-p - 1:]
        rises = int(np.count_nonzero(np.diff(tail) > 0))
        chaos_tail = self.chaos_values[self.chaos_values.size // 2:]
        asym = self.jacobian_pinv[1, 0] - self.jacobian_pinv[0, 1]
        d = self.diagnostics
        cycle = (f"a period-{self.period} cycle" if self.period else "no cycle up to period 64")
        message = self.diagnosis.replace("Implicit differentiation: ", "").split(", e.g.")[0]
        return "\n".join([
            "Le's bilevel pathologies: weighted Lasso with 2 hyperparameters, every training feature duplicated "
            "(X_EᵀX_E singular), validation data that tell the copies apart",
            f"  library diagnosis (ImplicitDifferentiationWarning, fallback {d.fallback!r}): {message}",
            f"  pseudo-inverse hypergradient: zero at λ* = ({self.spurious[0]:g}, {self.spurious[1]:g}), not a "
            f"critical point of V (min at λ_V = ({self.optimum[0]:g}, {self.optimum[1]:g})); its Jacobian is not "
            f"symmetric (J21 − J12 = {asym:.4g}; library's {self.jacobian_library[1, 0] - self.jacobian_library[0, 1]:.1e}): "
            "the gradient of no function",
            f"  outer GD on log λ with it, step {self.lr_cycle:g}: {cycle}, V along it in "
            f"[{tail.min():.4f}, {tail.max():.4f}], rising on {rises} of its {p} steps (min V = {self.optimum_value:.4f})",
            f"  same, step {self.lr_chaos:g}: chaotic, Lyapunov exponent {self.lyapunov:.3f} per step, "
            f"V wandering in [{chaos_tail.min():.4f}, {chaos_tail.max():.4f}]",
            f"  outer GD with the library's hypergradient, step {self.lr_cycle:g}: λ → "
            f"({self.library_path[-1, 0]:.4f}, {self.library_path[-1, 1]:.4f}), V = {self.library_values[-1]:.4f}",
        ])

    def plot(self, out: str | Path | None = None, **kwargs):
        return plot_le_bilevel(self, out, **kwargs)


def _orthonormal(rng, rows: int, cols: int) -> np.ndarray:
    """``cols`` orthogonal columns of squared norm ``rows``."""
    q, _ = np.linalg.qr(rng.normal(size=(rows, cols)))
    return q * np.sqrt(rows)


def _problem(rho, angle, spurious, optimum, n, m, seed):
    """Training and validation data realising the construction of the module docstring."""
    rng = np.random.default_rng(seed)
    c = np.ones(2)                                      # Zᵀy/n: β̂ = c − λ on 0 < λ < c
    Z = _orthonormal(rng, n, 3)
    y = Z[:, :2] @ c + 0.5 * Z[:, 2]                    # plus a residual orthogonal to the features
    U = _orthonormal(rng, m, 3)
    psi = np.deg2rad(angle)
    Q = np.array([[np.cos(psi), -np.sin(psi)], [np.sin(psi), np.cos(psi)]])
    h = c - optimum                                     # V's minimizer: β = h
    a = np.sqrt(rho)
    Zv = a * U[:, :2]                                   # Z_vᵀZ_v/m = ρI: V = ρ‖λ − λ_V‖²/2 + const
    y_val = Zv @ h + U[:, 2]
    # the copies' validation columns: Z_v2ᵀr/m = ρKᵀ(β − h) − w, chosen so that the pseudo-inverse field,
    # −(Z_vᵀr + Z_v2ᵀr)/(2m), equals −ρQ(β − β*) with β* = c − λ*
    K = (2 * Q - np.eye(2)).T
    w = 2 * rho * Q @ (c - spurious - h)
    Zv2 = a * U[:, :2] @ K + np.outer(U[:, 2], w)
    return np.hstack([Z[:, :2], Z[:, :2]]), y, np.hstack([Zv, Zv2]), y_val


class _Bilevel:
    """The inner solve, the criterion and both hypergradients at one λ."""

    def __init__(self, X, y, X_val, y_val, tie, equicorrelation_tol=1e-6):
        self.X, self.y, self.X_val, self.y_val, self.tie = X, y, X_val, y_val, tie
        self.tol = equicorrelation_tol

    def solve(self, lam):
        weights = self.tie @ lam
        coef = Lasso(alpha=1.0, weights=weights, fit_intercept=False, tol=1e-14, max_iter=10_000).fit(self.X, self.y).coef_
        # A copy's correlation lands an ulp above its threshold about one time in five, and the solver
        # then leaves a few 1e-17 on it: zero those so that β̂ is the one selection (first copies) throughout.
        coef[np.abs(coef) <= 1e-12 * max(np.abs(coef).max(), 1.0)] = 0.0
        return coef, weights

    def value_and_gradient(self, coef):
        r = self.X_val @ coef - self.y_val
        return 0.5 * float(r @ r) / r.size, self.X_val.T @ r / r.size

    def value(self, lam) -> float:
        return self.value_and_gradient(self.solve(lam)[0])[0]

    def pinv_hypergradient(self, lam) -> tuple[float, np.ndarray]:
        """V(λ) and d V / d log λ by implicit differentiation on the equicorrelation set, pseudo-inverted."""
        coef, weights = self.solve(lam)
        value, g = self.value_and_gradient(coef)
        n = self.X.shape[0]
        corr = self.X.T @ (self.y - self.X @ coef) / n
        E = (coef != 0) | (np.abs(corr) >= weights * (1 - self.tol))
        XE = self.X[:, E]
        rhs = (weights[E] * np.sign(corr[E]))[:, None] * self.tie[E]      # ∂(λ_j s_j)/∂ log λ_k
        dbeta = -np.linalg.pinv(XE.T @ XE / n) @ rhs
        return value, dbeta.T @ g[E]

    def library_hypergradient(self, lam) -> tuple[float, np.ndarray]:
        """V(λ) and d V / d log λ by :func:`nonsmooth.tuning.hypergradient` (per feature, summed over ties)."""
        value, per_feature, _, _ = self._library(lam)
        return value, self.tie.T @ per_feature

    def diagnose(self, lam) -> tuple[str, Diagnostics]:
        """The library's ImplicitDifferentiationWarning message ("" if none) and Diagnostics at λ."""
        _, _, diagnostics, message = self._library(lam)
        return message, diagnostics

    def _library(self, lam):
        coef, weights = self.solve(lam)
        value, g = self.value_and_gradient(coef)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", ImplicitDifferentiationWarning)
            per_feature, diagnostics = hypergradient(self.X, self.y, coef, g, l1=weights, model="weighted_lasso")
        message = next((str(w.message) for w in caught if issubclass(w.category, ImplicitDifferentiationWarning)), "")
        return value, per_feature, diagnostics, message


def _descent(field, lam0, lr, steps, *, burn=None, delta=1e-7):
    """Gradient descent on θ = log λ: (λ along it, V along it, growth).

    With ``burn``, a copy perturbed by δ is carried along from step ``burn``
    and renormalized to distance δ after every step (Benettin's method);
    ``growth`` is the cumulative log of its stretching, whose slope is the
    largest Lyapunov exponent. Otherwise ``growth`` is empty.
    """
    theta = np.log(np.asarray(lam0, dtype=np.float64))
    path, values, logs = np.empty((steps + 1, 2)), np.empty(steps + 1), []
    other = None
    for k in range(steps + 1):
        values[k], grad = field(np.exp(theta))
        path[k] = np.exp(theta)
        if k == steps:
            break
        if burn is not None and k >= burn:
            if other is None:
                other = theta + np.array([delta, 0.0])
            other = other - lr * field(np.exp(other))[1]
        theta = theta - lr * grad
        if other is not None:
            d = np.linalg.norm(other - theta)
            logs.append(np.log(d / delta))
            other = theta + (delta / d) * (other - theta)
    return path, values, np.cumsum(logs)


def _period(path, tol=1e-9, longest=64) -> int:
    """The smallest p such that the last p iterates repeat the p before them (0 if none up to ``longest``)."""
    scale = max(1.0, float(np.max(np.abs(path[-1]))))
    for p in range(1, min(longest, path.shape[0] // 2) + 1):
        if np.max(np.abs(path[-p:] - path[-2 * p:-p])) <= tol * scale:
            return p
    return 0


def _jacobian(field, lam, h=1e-6):
    """Central-difference Jacobian, in λ, of the λ-space field (d V/d log λ)/λ."""
    J = np.empty((2, 2))
    for j in range(2):
        e = np.zeros(2)
        e[j] = h
        J[:, j] = (field(lam + e)[1] / (lam + e) - field(lam - e)[1] / (lam - e)) / (2 * h)
    return J


def le_bilevel(*, rho: float = 10.0, angle: float = 60.0, spurious: tuple = (0.3, 0.3), optimum: tuple = (0.15, 0.25),
               lr_cycle: float = 1.33, lr_chaos: float = 1.285, start: tuple = (0.32, 0.33), steps: int = 300,
               chaos_steps: int = 1000, grid_size: int = 25, n_samples: int = 20, n_val: int = 20,
               seed: int = 0) -> LeBilevelResult:
    """Bilevel Lasso tuning where X_EᵀX_E is singular: a pseudo-inverse hypergradient cycles and turns chaotic (Le).

    The construction, the closed forms and what the paper states are in the
    module docstring (:mod:`nonsmooth.lab.le_bilevel`). Every inner problem is
    solved by :class:`nonsmooth.Lasso`; the library's hypergradient is
    :func:`nonsmooth.tuning.hypergradient`.

    Parameters
    ----------
    rho : float, default 10.0
        Curvature of V(λ) = ρ‖λ − λ_V‖²/2 + const and scale of the pseudo-inverse field.
    angle : float, default 60.0
        ψ in degrees: the pseudo-inverse field is ρR(ψ)(λ − λ*) (ψ = 0 would make it ∇ of a quadratic).
    spurious, optimum : tuple of 2 floats in (0, 1)
        λ*, the zero of the pseudo-inverse field, and λ_V = argmin V.
    lr_cycle, lr_chaos : float
        Steps of outer gradient descent on log λ for the cycle and the chaotic run.
    start : tuple of 2 floats in (0, 1)
        λ₀ of every run.
    steps, chaos_steps : int
        Outer iterations of the cycle and library runs, and of the chaotic run.
    grid_size : int
        Points per axis of the grid on which V is evaluated (one Lasso fit each) for the plot.
    n_samples, n_val : int
        Training and validation sizes (at least 3).
    seed : int

    Returns
    -------
    LeBilevelResult

    Examples
    --------
    >>> from nonsmooth import lab
    >>> r = lab.le_bilevel(steps=200, chaos_steps=60, grid_size=5)
    >>> r.period, r.diagnostics.fallback
    (6, 'strict_support')
    """
    spurious_, optimum_, start_ = (np.asarray(v, dtype=np.float64) for v in (spurious, optimum, start))
    for name, v in (("spurious", spurious_), ("optimum", optimum_), ("start", start_)):
        if v.shape != (2,) or not np.all((v > 0) & (v < 1)):
            raise ValueError(f"{name}: needs 2 values in (0, 1) (the region where both features are active), got {v}")
    rho = as_scalar(rho, "rho", low=0.0, low_open=True)
    angle = as_scalar(angle, "angle")
    lr_cycle = as_scalar(lr_cycle, "lr_cycle", low=0.0, low_open=True)
    lr_chaos = as_scalar(lr_chaos, "lr_chaos", low=0.0, low_open=True)
    steps = as_int(steps, "steps", low=2)
    chaos_steps = as_int(chaos_steps, "chaos_steps", low=2)
    grid_size = as_int(grid_size, "grid_size", low=2)
    X, y, X_val, y_val = _problem(rho, angle, spurious_, optimum_, as_int(n_samples, "n_samples", low=3),
                                  as_int(n_val, "n_val", low=3), seed)
    tie = np.vstack([np.eye(2), np.eye(2)])
    b = _Bilevel(X, y, X_val, y_val, tie)
    diagnosis, diagnostics = b.diagnose(start_)
    library, library_values, _ = _descent(b.library_hypergradient, start_, lr_cycle, steps)
    cycle, cycle_values, _ = _descent(b.pinv_hypergradient, start_, lr_cycle, steps)
    burn = min(200, chaos_steps // 2)
    chaos, chaos_values, growth = _descent(b.pinv_hypergradient, start_, lr_chaos, chaos_steps, burn=burn)
    grid = np.linspace(0.02, 0.98, grid_size)
    grid_values = np.array([[b.value(np.array([l1, l2])) for l1 in grid] for l2 in grid])
    return LeBilevelResult(
        X=X, y=y, X_val=X_val, y_val=y_val, tie=tie, rho=float(rho), angle=float(angle), spurious=spurious_,
        optimum=optimum_, optimum_value=b.value(optimum_), lr_cycle=float(lr_cycle), lr_chaos=float(lr_chaos),
        cycle_path=cycle, cycle_values=cycle_values, chaos_path=chaos, chaos_values=chaos_values,
        library_path=library, library_values=library_values, period=_period(cycle),
        lyapunov=float(growth[-1] / growth.size) if growth.size else float("nan"), lyapunov_growth=growth, jacobian_pinv=_jacobian(b.pinv_hypergradient, spurious_),
        jacobian_library=_jacobian(b.library_hypergradient, spurious_), grid=grid, grid_values=grid_values,
        diagnosis=diagnosis, diagnostics=diagnostics,
        settings=dict(seed=seed, start=tuple(start_), steps=steps, chaos_steps=chaos_steps, burn=burn))


def plot_le_bilevel(result: LeBilevelResult, out: str | Path | None = None, *,
                    figsize: tuple[float, float] = (16.0, 4.8)):
    """Three panels: the λ-plane (contours of V, the cycle, the chaotic orbit,
    the library's descent to argmin V), V along the three runs, and the
    log-growth of a perturbation along the chaotic orbit (slope: the Lyapunov exponent).

    Parameters
    ----------
    result : LeBilevelResult
    out : str or path, optional
        Write the figure there (PNG, PDF, SVG, ...).
    figsize : (float, float)

    Returns
    -------
    ndarray of matplotlib Axes
        The panels; the figure is ``axes[0].figure``.

    Examples
    --------
    >>> from nonsmooth import lab
    >>> r = lab.le_bilevel(steps=60, chaos_steps=60, grid_size=5)
    >>> axes = lab.plot_le_bilevel(r, "le_bilevel.png")
    >>> axes.shape
    (3,)
    >>> import matplotlib.pyplot as plt; plt.close(axes[0].figure)
    """
    r = result
    fig, (a, b, c) = panels(3, figsize)
    a.contour(r.grid, r.grid, r.grid_values, levels=15, colors="#bbbbbb", linewidths=0.7)
    burn = r.settings.get("burn", 0)
    a.scatter(*r.chaos_path[burn:].T, s=3, color="#2ca02c", alpha=0.6, label=f"pseudo-inverse, α = {r.lr_chaos:g} (chaos)")
    a.plot(*r.cycle_path[:60].T, color="#d62728", lw=0.6, alpha=0.5)
    cyc = r.cycle_path[-max(r.period, 1):]
    a.plot(*np.vstack([cyc, cyc[:1]]).T, "o-", color="#d62728", ms=5, lw=1.3,
           label=f"pseudo-inverse, α = {r.lr_cycle:g} (period-{r.period} cycle)")
    a.plot(*r.library_path.T, ".-", color="#1f77b4", lw=1.0, ms=3, label="library (strict support)")
    a.plot(*r.spurious, "x", color="k", ms=8, label="λ*: zero of the pseudo-inverse field")
    a.plot(*r.optimum, "*", color="#1f77b4", ms=12, label="λ_V = argmin V")
    a.set(xlabel="λ₁", ylabel="λ₂", title="(a) outer iterates over contours of V", xlim=(0, 1), ylim=(0, 1))
    k = np.arange(r.cycle_values.size)
    b.plot(k, r.cycle_values, color="#d62728", lw=1.0, label=f"pseudo-inverse, α = {r.lr_cycle:g}")
    kc = np.arange(r.chaos_values.size)
    b.plot(kc, r.chaos_values, color="#2ca02c", lw=0.6, alpha=0.8, label=f"pseudo-inverse, α = {r.lr_chaos:g}")
    b.plot(k, r.library_values, color="#1f77b4", lw=1.3, label="library hypergradient")
    b.axhline(r.optimum_value, color="k", ls=":", lw=0.8, label="min V = V(λ_V)")
    b.set(xlabel="outer step k", ylabel="V(λ_k) (validation)", title="(b) V does not decrease", xlim=(0, k[-1]))
    c.plot(np.arange(1, r.lyapunov_growth.size + 1), r.lyapunov_growth, color="#2ca02c", lw=1.2,
           label=f"slope {r.lyapunov:.3f} per step")
    c.set(xlabel="outer step (after burn-in)", ylabel="log(‖δθ_k‖/‖δθ_0‖)",
          title=f"(c) chaos at α = {r.lr_chaos:g}: Lyapunov exponent > 0")
    return finish(fig, out, "Implicit differentiation without invertibility (Bolte, Le, Pauwels & Silveti-Falls 2021)", styled=(a, b, c), legends=(a, b, c), legend_size=7)
