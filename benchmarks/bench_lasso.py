"""Lasso: nonsmooth against scikit-learn, celer and skglm, in the same process.

Each solver is timed to reach the same duality gap, computed here by the
benchmark itself (never trusted from the libraries): gap ≤ target·‖y‖²/n with
scikit-learn's scaling of the objective ‖y − Xβ‖²/(2n) + λ‖β‖₁. A library is
run with a decreasing sequence of its own `tol` until the gap we compute meets
the target; the time of that run is reported. Ratios > 1 mean nonsmooth is
faster.

    python benchmarks/bench_lasso.py            # all settings (several minutes)
    python benchmarks/bench_lasso.py --quick    # a subset
"""
from __future__ import annotations

import argparse
import platform
import time
import warnings

import numpy as np
import scipy.sparse as sp

import nonsmooth as ns

warnings.filterwarnings("ignore")

try:
    from sklearn.linear_model import Lasso as SkLasso, lasso_path as sk_lasso_path
except ImportError:  # pragma: no cover
    SkLasso = None
try:
    from celer import Lasso as CelerLasso
except ImportError:  # pragma: no cover
    CelerLasso = None
try:
    from skglm import Lasso as SkglmLasso
except ImportError:  # pragma: no cover
    SkglmLasso = None


def toeplitz_design(n, p, rho, seed=0):
    """Rows with correlation rho^|i-j| between features (an AR(1) process), and a sparse truth."""
    rng = np.random.default_rng(seed)
    X = np.empty((n, p))
    X[:, 0] = rng.normal(size=n)
    scale = np.sqrt(1 - rho ** 2)
    for j in range(1, p):
        X[:, j] = rho * X[:, j - 1] + scale * rng.normal(size=n)
    beta = np.zeros(p)
    support = rng.choice(p, max(1, p // 100), replace=False)
    beta[support] = rng.choice([-1.0, 1.0], support.size)
    y = X @ beta + 0.1 * np.linalg.norm(X @ beta) / np.sqrt(n) * rng.normal(size=n)
    return np.asfortranarray(X), y


def sparse_design(n, p, density, seed=0):
    rng = np.random.default_rng(seed)
    X = sp.random(n, p, density=density, format="csc", random_state=seed)
    beta = np.zeros(p)
    beta[rng.choice(p, 50, replace=False)] = rng.normal(size=50)
    y = X @ beta + 0.1 * rng.normal(size=n)
    return X, y


def duality_gap(X, y, coef, alpha):
    n = X.shape[0]
    r = y - X @ coef
    primal = r @ r / (2 * n) + alpha * np.abs(coef).sum()
    theta = r / max(n * alpha, np.abs(X.T @ r).max())
    d = y - n * alpha * theta
    dual = (y @ y - d @ d) / (2 * n)
    return primal - dual


def alpha_max(X, y):
    return np.abs(X.T @ y).max() / X.shape[0]


def solvers():
    out = {"nonsmooth": lambda a, tol: ns.Lasso(a, fit_intercept=False, tol=tol, max_iter=100_000)}
    if SkLasso:
        out["scikit-learn"] = lambda a, tol: SkLasso(alpha=a, fit_intercept=False, tol=tol, max_iter=1_000_000)
    if CelerLasso:
        out["celer"] = lambda a, tol: CelerLasso(alpha=a, fit_intercept=False, tol=tol, max_iter=1000,
                                                 max_epochs=1_000_000)
    if SkglmLasso:
        out["skglm"] = lambda a, tol: SkglmLasso(alpha=a, fit_intercept=False, tol=tol, max_iter=1000,
                                                 max_epochs=1_000_000)
    return out


def time_to_gap(make, X, y, alpha, target, budget=60.0):
    """Seconds for one fit reaching gap ≤ target·‖y‖²/n, trying tighter `tol` until it does."""
    goal = target * (y @ y) / X.shape[0]
    tol = target
    spent = 0.0
    for _ in range(5):  # the library's tol down to target·1e-4
        model = make(alpha, tol)
        t0 = time.perf_counter()
        model.fit(X, y)
        elapsed = time.perf_counter() - t0
        spent += elapsed
        if duality_gap(X, y, np.ravel(model.coef_), alpha) <= goal:
            # repeat once and keep the better time (first calls pay allocation / JIT warm-up)
            t0 = time.perf_counter()
            make(alpha, tol).fit(X, y)
            return min(elapsed, time.perf_counter() - t0)
        if spent > budget:
            break
        tol /= 10
    return float("nan")


def warm_up():
    X, y = toeplitz_design(30, 50, 0.5)
    for make in solvers().values():
        make(0.1 * alpha_max(X, y), 1e-6).fit(X, y)
        make(0.1 * alpha_max(X, y), 1e-6).fit(sp.csc_matrix(X), y)


CAP = 30.0  # seconds; see --cap


def run_setting(title, X, y, ratios, targets, rows):
    """Every (λ, target) cell, loosest first. A library that needed more than CAP
    seconds (or failed) at some cell is not run at the harder cells (smaller λ and
    tighter target), which can only take longer: they are reported as "> CAP"."""
    amax = alpha_max(X, y)
    capped: dict[str, list[tuple[float, float]]] = {}
    for ratio in sorted(ratios, reverse=True):
        for target in sorted(targets, reverse=True):
            times = {}
            for name, make in solvers().items():
                if any(ratio <= r and target <= t for r, t in capped.get(name, [])):
                    times[name] = float("inf")
                    continue
                t = time_to_gap(make, X, y, ratio * amax, target, budget=CAP)
                if not np.isfinite(t) or t > CAP:
                    capped.setdefault(name, []).append((ratio, target))
                    t = float("inf") if not np.isfinite(t) else t
                times[name] = t
            rows.append((title, f"{ratio:g}", f"{target:.0e}", times))
            ours = times["nonsmooth"]
            others = "  ".join(f"{k} {fmt_seconds(v)} ({v / ours:.1f}×)" for k, v in times.items() if k != "nonsmooth")
            print(f"{title:<26} λ/λmax={ratio:<6g} gap {target:.0e}: nonsmooth {fmt_seconds(ours)}  {others}",
                  flush=True)


def fmt_seconds(t: float) -> str:
    return f"> {CAP:.0f} s" if not np.isfinite(t) else f"{t:.3f}s"


def run_path(X, y, rows, n_alphas=100):
    amax = alpha_max(X, y)
    alphas = np.geomspace(amax, amax / 100, n_alphas)
    t0 = time.perf_counter()
    ns.lasso_path(X, y, alphas=alphas, tol=1e-6, max_iter=100_000)
    ours = time.perf_counter() - t0
    times = {"nonsmooth": ours}
    if SkLasso:
        t0 = time.perf_counter()
        sk_lasso_path(X, y, alphas=alphas, tol=1e-6, max_iter=1_000_000)
        times["scikit-learn"] = time.perf_counter() - t0
    for name, make in solvers().items():
        if name in ("nonsmooth", "scikit-learn"):
            continue
        model = make(alphas[0], 1e-6)
        model.warm_start = True
        t0 = time.perf_counter()
        for a in alphas:
            model.alpha = a
            model.fit(X, y)
        times[name] = time.perf_counter() - t0
    title = f"path {n_alphas} λ, {X.shape[0]}×{X.shape[1]}"
    rows.append((title, "1→0.01", "1e-06", times))
    print(f"{title:<26} " + "  ".join(f"{k} {v:.3f}s ({v / ours:.1f}×)" for k, v in times.items()), flush=True)


def run_boyd(rows):
    """FISTA, ADMM and coordinate descent on Boyd's Lasso instance (500×2500, 'lasso_example.m')."""
    rng = np.random.default_rng(0)
    m, n = 500, 2500
    A = rng.normal(size=(m, n))
    A /= np.sqrt((A ** 2).sum(axis=0))
    x0 = np.where(rng.random(n) < 0.02, rng.normal(size=n), 0.0)
    b = A @ x0 + np.sqrt(1e-3) * rng.normal(size=m)
    alpha = 0.1 * alpha_max(A, b)
    target = 1e-6
    goal = target * (b @ b) / m
    times = {}
    for name, fit in [
        ("nonsmooth CD", lambda tol: ns.Lasso(alpha, fit_intercept=False, tol=tol).fit(A, b).coef_),
        ("nonsmooth ADMM", lambda tol: ns.Lasso(alpha, fit_intercept=False, tol=tol, solver="admm",
                                                max_iter=100_000).fit(A, b).coef_),
        ("nonsmooth FISTA", lambda tol: ns.minimize(ns.optimize.LeastSquares(A, b), ns.prox.L1(alpha),
                                                    restart="gradient", tol=tol, max_iter=100_000).x),
    ]:
        tol = target
        for _ in range(8):
            t0 = time.perf_counter()
            coef = fit(tol)
            elapsed = time.perf_counter() - t0
            if duality_gap(A, b, coef, alpha) <= goal:
                times[name] = elapsed
                break
            tol /= 10
    rows.append(("Boyd Lasso 500×2500", "0.1", f"{target:.0e}", times))
    print("Boyd Lasso 500×2500 (gap 1e-6): " + "  ".join(f"{k} {v * 1e3:.1f} ms" for k, v in times.items()),
          flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--markdown", action="store_true")
    parser.add_argument("--ratios", nargs="*", type=float, help="λ/λmax values (default 0.1 0.05 0.01 0.001)")
    parser.add_argument("--targets", nargs="*", type=float, help="gap targets (default 1e-4 1e-6 1e-8)")
    parser.add_argument("--cap", type=float, default=30.0,
                        help="seconds per fit beyond which a library is not run at harder cells (default 30)")
    parser.add_argument("--settings", nargs="*", help="subset of: toeplitz06 toeplitz09 toeplitz500 ngp path sparse boyd")
    args = parser.parse_args()
    global CAP
    CAP = args.cap
    chosen = set(args.settings or ["toeplitz06", "toeplitz09", "toeplitz500", "ngp", "path", "sparse", "boyd"])
    print(f"# {time.strftime('%Y-%m-%d')}, {platform.machine()}, {len(__import__('os').sched_getaffinity(0))} cores;"
          f" solvers: {', '.join(solvers())}")
    warm_up()
    rows = []
    ratios = args.ratios or ([0.1, 0.01] if args.quick else [0.1, 0.05, 0.01, 0.001])
    targets = args.targets or ([1e-6] if args.quick else [1e-4, 1e-6, 1e-8])
    designs = [("toeplitz06", 100, 10_000, 0.6), ("toeplitz09", 100, 10_000, 0.9), ("toeplitz500", 500, 5_000, 0.6)]
    for key, n, p, rho in (designs[:1] if args.quick else designs):
        if key in chosen:
            X, y = toeplitz_design(n, p, rho)
            run_setting(f"Toeplitz ρ={rho} {n}×{p}", X, y, ratios, targets, rows)
    if "ngp" in chosen:
        X, y = toeplitz_design(10_000, 100, 0.6)
        run_setting("n>p 10000×100", X, y, ratios, targets, rows)
    if "path" in chosen:
        X, y = toeplitz_design(100, 10_000 if not args.quick else 2_000, 0.6)
        run_path(X, y, rows)
    if "sparse" in chosen and not args.quick:
        X, y = sparse_design(20_000, 50_000, 1e-3)
        run_setting("sparse 20000×50000", X, y, ratios, targets, rows)
    if "boyd" in chosen:
        run_boyd(rows)
    if args.markdown:
        names = list(solvers())
        rows = [r for r in rows if "nonsmooth" in r[3]]
        print("\n| setting | λ/λmax | gap | " + " | ".join(names) + " |")
        print("|---|---|---|" + "---|" * len(names))
        for title, ratio, target, times in rows:
            ours = times["nonsmooth"]
            def cell(k):
                if k not in times:
                    return "–"
                if not np.isfinite(times[k]):
                    return f"> {CAP:.0f} s"
                return f"{times[k] * 1e3:.0f} ms ({times[k] / ours:.1f}×)"
            cells = [cell("nonsmooth")] + [cell(k) for k in names[1:]]
            print(f"| {title} | {ratio} | {target} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
