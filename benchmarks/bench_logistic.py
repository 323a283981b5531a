"""Sparse logistic regression: nonsmooth against celer, skglm and scikit-learn
(liblinear and saga), in the same process on the same data.

Objective (no intercept, labels ±1): (1/n) Σ log(1 + exp(−yᵢxᵢᵀβ)) + λ‖β‖₁,
i.e. scikit-learn's / celer's C = 1/(λn) and skglm's alpha = λ. Each solver is
timed to reach the same duality gap, computed here by the benchmark itself from
the returned coefficients (dual point θ = ∇F(Xβ) scaled into ‖Xᵀθ‖∞ ≤ λ;
−F*(θ) = −(1/n) Σ φ*(nθᵢyᵢ) with φ*(u) = (−u)log(−u) + (1+u)log(1+u)). A
library is rerun with a tighter `tol` until that gap meets the target; the
time of that run is reported. Ratios > 1 mean nonsmooth is faster.

    python benchmarks/bench_logistic.py --settings toeplitz ngp sparse --cap 20
"""
from __future__ import annotations

import argparse
import platform
import time
import warnings

import numpy as np
import scipy.sparse as sp
from scipy.special import expit, xlogy

import nonsmooth as ns
from bench_lasso import sparse_design, toeplitz_design

warnings.filterwarnings("ignore")

try:
    from sklearn.linear_model import LogisticRegression
except ImportError:  # pragma: no cover
    LogisticRegression = None
try:
    from celer import LogisticRegression as CelerLogistic
except ImportError:  # pragma: no cover
    CelerLogistic = None
try:
    from skglm import SparseLogisticRegression as SkglmLogistic
except ImportError:  # pragma: no cover
    SkglmLogistic = None

CAP = 20.0


def labels(X, y):
    """±1 labels from the sign of the regression target (so the truth is sparse)."""
    return np.where(y > np.median(y), 1.0, -1.0)


def duality_gap(X, t, coef, lam):
    n = X.shape[0]
    z = t * np.asarray(X @ coef).ravel()
    primal = np.logaddexp(0, -z).mean() + lam * np.abs(coef).sum()
    theta = -t * expit(-z) / n
    corr = np.abs(np.asarray(X.T @ theta).ravel()).max()
    theta *= min(1.0, lam / corr) if corr > 0 else 1.0
    u = n * theta * t                      # in [−1, 0]
    a = -u
    dual = -np.mean(xlogy(a, a) + xlogy(1 - a, 1 - a))
    return primal - dual


def alpha_max(X, t):
    return np.abs(np.asarray(X.T @ t).ravel()).max() / (2 * X.shape[0])


def solvers(n, skip=()):
    out = {"nonsmooth": lambda lam, tol: ns.SparseLogisticRegression(lam, fit_intercept=False, tol=tol,
                                                                      max_iter=1_000_000)}
    if CelerLogistic:
        out["celer"] = lambda lam, tol: CelerLogistic(C=1 / (lam * n), tol=tol, max_iter=1000, max_epochs=1_000_000)
    if SkglmLogistic:
        out["skglm"] = lambda lam, tol: SkglmLogistic(alpha=lam, tol=tol, fit_intercept=False, max_iter=1000,
                                                      max_epochs=1_000_000)
    if LogisticRegression:
        for solver in ("liblinear", "saga"):
            out[solver] = (lambda s: lambda lam, tol: LogisticRegression(
                C=1 / (lam * n), l1_ratio=1.0, solver=s, fit_intercept=False, tol=tol, max_iter=1_000_000))(solver)
    return {k: v for k, v in out.items() if k not in skip}


def time_to_gap(make, X, t, lam, target, budget):
    tol, spent = target, 0.0
    for _ in range(6):
        model = make(lam, tol)
        t0 = time.perf_counter()
        model.fit(X, t)
        elapsed = time.perf_counter() - t0
        spent += elapsed
        if duality_gap(X, t, np.ravel(model.coef_), lam) <= target:
            t0 = time.perf_counter()
            make(lam, tol).fit(X, t)
            return min(elapsed, time.perf_counter() - t0)
        if spent > budget:
            break
        tol /= 10
    return float("inf")


def fmt(t):
    return f"> {CAP:.0f} s" if not np.isfinite(t) else f"{t * 1e3:.0f} ms"


def run_setting(title, X, t, ratios, targets, rows, skip=()):
    amax = alpha_max(X, t)
    capped: dict[str, list[tuple[float, float]]] = {}
    for ratio in sorted(ratios, reverse=True):
        for target in sorted(targets, reverse=True):
            times = {}
            for name, make in solvers(X.shape[0], skip).items():
                if any(ratio <= r and target <= g for r, g in capped.get(name, [])):
                    times[name] = float("inf")
                    continue
                times[name] = time_to_gap(make, X, t, ratio * amax, target, CAP)
                if not np.isfinite(times[name]) or times[name] > CAP:
                    capped.setdefault(name, []).append((ratio, target))
            rows.append((title, ratio, target, times))
            ours = times["nonsmooth"]
            others = "  ".join(f"{k} {fmt(v)} ({v / ours:.1f}×)" for k, v in times.items() if k != "nonsmooth")
            print(f"{title:<28} λ/λmax={ratio:<6g} gap {target:.0e}: nonsmooth {fmt(ours)}  {others}", flush=True)


def main():
    global CAP
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--settings", nargs="+", default=["toeplitz", "ngp", "sparse"],
                        choices=["toeplitz", "ngp", "sparse"])
    parser.add_argument("--ratios", nargs="+", type=float, default=[0.1, 0.01, 0.001])
    parser.add_argument("--targets", nargs="+", type=float, default=[1e-4, 1e-6, 1e-8])
    parser.add_argument("--cap", type=float, default=CAP)
    parser.add_argument("--markdown", action="store_true")
    parser.add_argument("--skip", nargs="*", default=[],
                        help="solvers not to run (a single saga fit on the p ≫ n designs outlasts any cap: "
                             "the cap is checked between refits)")
    args = parser.parse_args()
    CAP = args.cap
    print(f"# {platform.processor() or platform.machine()}, numpy {np.__version__}, nonsmooth {ns.__version__}")
    warm = toeplitz_design(40, 60, 0.5)
    # Warm-up on dense and CSC data, so that no timed fit includes a JIT compilation (skglm, numba).
    for make in solvers(40, args.skip).values():
        Xw, tw = warm[0], labels(*warm)
        for design in (Xw, sp.csc_matrix(Xw)):
            make(0.1 * alpha_max(Xw, tw), 1e-6).fit(design, tw)
    rows = []
    for setting in args.settings:
        if setting == "toeplitz":
            X, y = toeplitz_design(1000, 10_000, 0.6)
            title = "Toeplitz ρ=0.6 1 000×10 000"
        elif setting == "ngp":
            X, y = toeplitz_design(20_000, 200, 0.6)
            title = "n>p 20 000×200"
        else:
            X, y = sparse_design(20_000, 50_000, 1e-3)
            title = "sparse 20 000×50 000"
        run_setting(title, X, labels(X, y), args.ratios, args.targets, rows, args.skip)
    if args.markdown:
        names = list(rows[0][3])
        print("\n| setting | λ/λmax | gap | " + " | ".join(names) + " |")
        print("|---" * (3 + len(names)) + "|")
        for title, ratio, target, times in rows:
            ours = times["nonsmooth"]
            cells = [fmt(ours)] + [f"{fmt(v)} ({v / ours:.1f}×)" if np.isfinite(v) else fmt(v)
                                   for k, v in times.items() if k != "nonsmooth"]
            print(f"| {title} | {ratio:g} | {target:.0e} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
