"""Multi-task Lasso: nonsmooth against scikit-learn and celer, in the same
process on the same data.

Objective (no intercept): ‖Y − XW‖²_F/(2n) + α Σⱼ ‖Wⱼ‖₂ (scikit-learn's and
celer's MultiTaskLasso). Each solver is timed to reach the same duality gap,
computed here by the benchmark from the returned coefficients (θ = (Y − XW)/n
scaled into maxⱼ ‖X_jᵀθ‖₂ ≤ α; D(θ) = ⟨θ, Y⟩ − n‖θ‖²/2), relative to
‖Y‖²_F/n. A library is rerun with a tighter `tol` until that gap meets the
target; the time of that run is reported. Ratios > 1 mean nonsmooth is faster.

    python benchmarks/bench_multitask.py --settings gaussian toeplitz --cap 30
"""
from __future__ import annotations

import argparse
import platform
import time
import warnings

import numpy as np

import nonsmooth as ns
from bench_lasso import toeplitz_design

warnings.filterwarnings("ignore")

try:
    from sklearn.linear_model import MultiTaskLasso as SkMultiTaskLasso
except ImportError:  # pragma: no cover
    SkMultiTaskLasso = None
try:
    from celer.homotopy import mtl_path
except ImportError:  # pragma: no cover
    mtl_path = None


class CelerMultiTaskLasso:
    """celer's MultiTaskLasso solver (``mtl_path`` at one α, what its estimator
    runs; the estimator itself calls a scikit-learn method removed in 1.6)."""

    def __init__(self, alpha, tol, max_iter=1000, max_epochs=1_000_000):
        self.alpha, self.tol, self.max_iter, self.max_epochs = alpha, tol, max_iter, max_epochs

    def fit(self, X, Y):
        _, coefs, _ = mtl_path(X, Y, alphas=[self.alpha], tol=self.tol, max_iter=self.max_iter,
                               max_epochs=self.max_epochs)
        self.coef_ = coefs[:, :, 0]
        return self

CAP = 30.0


def design(n, p, T, rho, seed=0):
    """X with feature correlation rho^|i−j| (rho = 0: i.i.d. Gaussian), 20 active rows, 10% noise."""
    X, _ = toeplitz_design(n, p, rho, seed) if rho > 0 else (np.asfortranarray(
        np.random.default_rng(seed).standard_normal((n, p))), None)
    rng = np.random.default_rng(seed + 1)
    W = np.zeros((p, T))
    W[rng.choice(p, 20, replace=False)] = rng.standard_normal((20, T))
    signal = X @ W
    Y = signal + 0.1 * np.linalg.norm(signal) / np.sqrt(signal.size) * rng.standard_normal((n, T))
    return X, Y


def duality_gap(X, Y, W, alpha):
    """P(W) − D(θ) for W of shape (p, T)."""
    n = X.shape[0]
    R = Y - X @ W
    primal = (R ** 2).sum() / (2 * n) + alpha * np.linalg.norm(W, axis=1).sum()
    theta = R / n
    largest = np.linalg.norm(X.T @ theta, axis=1).max()
    theta *= min(1.0, alpha / largest) if largest > 0 else 1.0
    dual = (theta * Y).sum() - n * (theta ** 2).sum() / 2
    return primal - dual


def alpha_max(X, Y):
    return np.linalg.norm(X.T @ Y, axis=1).max() / X.shape[0]


def solvers():
    out = {"nonsmooth": lambda a, tol: ns.MultiTaskLasso(a, fit_intercept=False, tol=tol, max_iter=1_000_000)}
    if SkMultiTaskLasso:
        out["scikit-learn"] = lambda a, tol: SkMultiTaskLasso(a, fit_intercept=False, tol=tol, max_iter=1_000_000)
    if mtl_path:
        out["celer"] = lambda a, tol: CelerMultiTaskLasso(a, tol=tol)
    return out


def time_to_gap(make, X, Y, alpha, target, budget):
    """Seconds of the first run (tol = target, target/10, ...) whose recomputed gap meets target."""
    scale = (Y ** 2).sum() / X.shape[0]
    tol, spent = target, 0.0
    for _ in range(6):
        model = make(alpha, tol)
        t0 = time.perf_counter()
        model.fit(X, Y)
        elapsed = time.perf_counter() - t0
        spent += elapsed
        if duality_gap(X, Y, np.asarray(model.coef_).T, alpha) <= target * scale:
            t0 = time.perf_counter()
            make(alpha, tol).fit(X, Y)
            return min(elapsed, time.perf_counter() - t0)
        if spent > budget:
            break
        tol /= 10
    return float("inf")


def fmt(t):
    return f"> {CAP:.0f} s" if not np.isfinite(t) else f"{t * 1e3:.0f} ms"


def main():
    global CAP
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--settings", nargs="+", default=["gaussian", "toeplitz"], choices=["gaussian", "toeplitz"])
    parser.add_argument("--ratios", nargs="+", type=float, default=[0.1, 0.01])
    parser.add_argument("--targets", nargs="+", type=float, default=[1e-4, 1e-6])
    parser.add_argument("--tasks", type=int, default=20)
    parser.add_argument("--cap", type=float, default=CAP)
    parser.add_argument("--markdown", action="store_true")
    args = parser.parse_args()
    CAP = args.cap
    print(f"# {platform.processor() or platform.machine()}, numpy {np.__version__}, nonsmooth {ns.__version__}")
    Xw, Yw = design(30, 40, 3, 0.0)
    for make in solvers().values():  # warm-up (imports, first-call costs)
        make(0.1 * alpha_max(Xw, Yw), 1e-6).fit(Xw, Yw)
    rows = []
    for setting in args.settings:
        rho = 0.0 if setting == "gaussian" else 0.6
        X, Y = design(500, 2000, args.tasks, rho)
        title = f"{'Gaussian' if rho == 0 else 'Toeplitz ρ=0.6'} 500×2 000, T={args.tasks}"
        amax = alpha_max(X, Y)
        for ratio in args.ratios:
            for target in args.targets:
                times = {name: time_to_gap(make, X, Y, ratio * amax, target, CAP) for name, make in solvers().items()}
                rows.append((title, ratio, target, times))
                ours = times["nonsmooth"]
                others = "  ".join(f"{k} {fmt(v)} ({v / ours:.1f}×)" for k, v in times.items() if k != "nonsmooth")
                print(f"{title:<30} α/αmax={ratio:<5g} gap {target:.0e}: nonsmooth {fmt(ours)}  {others}",
                      flush=True)
    if args.markdown:
        names = list(rows[0][3])
        print("\n| setting | α/αmax | gap | " + " | ".join(names) + " |")
        print("|---" * (3 + len(names)) + "|")
        for title, ratio, target, times in rows:
            ours = times["nonsmooth"]
            cells = [fmt(ours)] + [f"{fmt(v)} ({v / ours:.1f}×)" if np.isfinite(v) else fmt(v)
                                   for k, v in times.items() if k != "nonsmooth"]
            print(f"| {title} | {ratio:g} | {target:.0e} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
