"""Group Lasso: nonsmooth against skglm (and celer) in the same process on the same data.

Objective (no intercept, group weights 1): (1/2n)‖y − Xβ‖² + λ Σ_g ‖β_g‖₂ over
contiguous groups, i.e. skglm's and celer's ``GroupLasso(groups, alpha=λ,
weights=1)``. Each solver is timed to reach the same duality gap, computed here
by the benchmark from the returned coefficients (θ = (y − Xβ)/n scaled into
max_g ‖X_gᵀθ‖ ≤ λ; D(θ) = yᵀθ − n‖θ‖²/2); a library is rerun with a tighter
``tol`` until that gap meets the target, and the time of that run is reported.
Ratios > 1 mean nonsmooth is faster.

    python benchmarks/bench_group_lasso.py --markdown --cap 20
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
    from skglm import GroupLasso as SkglmGroupLasso
except ImportError:  # pragma: no cover
    SkglmGroupLasso = None
try:
    from celer import GroupLasso as CelerGroupLasso
except ImportError:  # pragma: no cover
    CelerGroupLasso = None

CAP = 20.0


def group_norms(v, size):
    return np.linalg.norm(v.reshape(-1, size), axis=1)


def duality_gap(X, y, coef, lam, size):
    n = X.shape[0]
    r = y - X @ coef
    primal = r @ r / (2 * n) + lam * group_norms(coef, size).sum()
    theta = r / n
    top = group_norms(X.T @ theta, size).max()
    theta *= min(1.0, lam / top) if top > 0 else 1.0
    return primal - (y @ theta - n * theta @ theta / 2)


def alpha_max(X, y, size):
    return group_norms(X.T @ y, size).max() / X.shape[0]


def solvers(p, size):
    ones = np.ones(p // size)
    out = {"nonsmooth": lambda lam, tol: ns.GroupLasso(lam, groups=size, weights=ones, fit_intercept=False, tol=tol,
                                                       max_iter=1_000_000)}
    if SkglmGroupLasso:
        out["skglm"] = lambda lam, tol: SkglmGroupLasso(groups=size, alpha=lam, weights=ones, fit_intercept=False,
                                                        tol=tol, max_iter=1000, max_epochs=1_000_000)
    if CelerGroupLasso:
        out["celer"] = lambda lam, tol: CelerGroupLasso(groups=size, alpha=lam, weights=ones, fit_intercept=False,
                                                        tol=tol, max_iter=1000, max_epochs=1_000_000)
    return out


def time_to_gap(make, X, y, lam, size, target, budget):
    tol, spent = target, 0.0
    for _ in range(8):
        model = make(lam, tol)
        t0 = time.perf_counter()
        model.fit(X, y)
        elapsed = time.perf_counter() - t0
        spent += elapsed
        if duality_gap(X, y, np.ravel(model.coef_), lam, size) <= target:
            t0 = time.perf_counter()
            make(lam, tol).fit(X, y)
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
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--p", type=int, default=5000)
    parser.add_argument("--size", type=int, default=5)
    parser.add_argument("--ratios", nargs="+", type=float, default=[0.1, 0.01])
    parser.add_argument("--targets", nargs="+", type=float, default=[1e-4, 1e-6, 1e-8])
    parser.add_argument("--cap", type=float, default=CAP)
    parser.add_argument("--markdown", action="store_true")
    args = parser.parse_args()
    CAP = args.cap
    print(f"# {platform.processor() or platform.machine()}, numpy {np.__version__}, nonsmooth {ns.__version__}")
    Xw, yw = toeplitz_design(40, 60, 0.5)
    for make in solvers(60, args.size).values():   # compile / warm up every library
        make(0.1 * alpha_max(Xw, yw, args.size), 1e-6).fit(Xw, yw)
    X, y = toeplitz_design(args.n, args.p, 0.6)
    title = f"Toeplitz ρ=0.6 {args.n}×{args.p}, groups of {args.size}"
    amax = alpha_max(X, y, args.size)
    rows = []
    for ratio in sorted(args.ratios, reverse=True):
        for target in sorted(args.targets, reverse=True):
            times = {name: time_to_gap(make, X, y, ratio * amax, args.size, target, CAP)
                     for name, make in solvers(args.p, args.size).items()}
            rows.append((ratio, target, times))
            ours = times["nonsmooth"]
            others = "  ".join(f"{k} {fmt(v)} ({v / ours:.1f}×)" for k, v in times.items() if k != "nonsmooth")
            print(f"{title} λ/λmax={ratio:<5g} gap {target:.0e}: nonsmooth {fmt(ours)}  {others}", flush=True)
    if args.markdown:
        names = list(rows[0][2])
        print("\n| setting | λ/λmax | gap | " + " | ".join(names) + " |")
        print("|---" * (3 + len(names)) + "|")
        for ratio, target, times in rows:
            ours = times["nonsmooth"]
            cells = [fmt(ours)] + [f"{fmt(v)} ({v / ours:.1f}×)" if np.isfinite(v) else fmt(v)
                                   for k, v in times.items() if k != "nonsmooth"]
            print(f"| {title} | {ratio:g} | {target:.0e} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
