"""Bilevel tuning of the Lasso against grid search, on the same 5 folds.

Competitors, all choosing α by 5-fold cross-validation MSE on the same contiguous
folds (scikit-learn's KFold(5), which LassoCV uses by default):

- scikit-learn ``LassoCV()`` with its defaults (100 α from α_max to α_max/1000,
  tol=1e-4, refit on all data), and with ``n_jobs=2`` (folds in two threads);
- a grid of the same 100 α solved by our coordinate descent with warm starts at
  LassoCV's tolerance (``nonsmooth.tuning.lasso_criterion_path(tol=1e-4)``), then a refit;
- ``nonsmooth.LassoTuned`` (a coarse scan, then secant steps on the implicit
  hypergradient inside a bracket of log α, inner tol 1e-10; also without the
  starting scan, the implicit-forward variant, L-BFGS and two threads), refit
  included.

Reported: wall time, the CV criterion at the chosen α re-evaluated on the same
folds at a tight inner tolerance (so every method is judged by the same
function), and for the bilevel runs the time at which the criterion first
reached the grid's best value. Plus the weighted Lasso with one hyperparameter
per feature (1 000 on the 500 × 1 000 design).

    python benchmarks/bench_bilevel.py            # all data sets
    python benchmarks/bench_bilevel.py --quick    # skip the 100 × 10 000 design
    python benchmarks/bench_bilevel.py --blas-threads 1   # every BLAS (NumPy's, SciPy's, ours) on one thread

Unpinned, NumPy's OpenBLAS runs LassoCV's products on every core, and on a
shared 2-core machine its spinning threads made LassoCV 5–40× slower in wall
time than its own CPU time; the pinned rows are the fair comparison.
"""
from __future__ import annotations

import argparse
import datetime
import os
import platform
import time
import warnings

import numpy as np

import nonsmooth as ns
from nonsmooth.tuning import lasso_criterion_path
from nonsmooth.tuning._main import expand_interactions


def simulated(seed, n, p, rho=0.5, k=20, snr=3.0):
    rng = np.random.default_rng(seed)
    X = np.empty((n, p))
    X[:, 0] = rng.standard_normal(n)
    for j in range(1, p):
        X[:, j] = rho * X[:, j - 1] + np.sqrt(1 - rho ** 2) * rng.standard_normal(n)
    beta = np.zeros(p)
    beta[rng.choice(p, k, replace=False)] = rng.choice([-1.0, 1.0], k) * rng.uniform(1, 3, k)
    signal = X @ beta
    y = signal + rng.standard_normal(n) * np.std(signal) / snr
    return X, y


def datasets(quick):
    d = ns.datasets.load_diabetes()
    Xd, _ = expand_interactions(d.data, d.feature_names)
    yield "diabetes, degree-2 expansion (442 × 64)", Xd, d.target
    yield "simulated 500 × 1 000 (ρ = 0.5, 20 nonzeros)", *simulated(0, 500, 1000)
    if not quick:
        yield "simulated 100 × 10 000 (ρ = 0.5, 20 nonzeros)", *simulated(1, 100, 10_000)


def cv_at(X, y, alpha):
    """The 5-fold CV MSE at α, tight inner tolerance: the common yardstick."""
    return float(lasso_criterion_path(X, y, cv=5, alphas=[alpha], tol=1e-12, max_iter=100_000)[1][0])


def timed(fn):
    start = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - start


def run_dataset(name, X, y, rows):
    from sklearn.linear_model import LassoCV

    print(f"\n## {name}")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sk, t_sk = timed(lambda: LassoCV().fit(X, y))
        sk2, t_sk2 = timed(lambda: LassoCV(n_jobs=2).fit(X, y))
        (alphas, values, grid_alpha, grid_best), t_grid = timed(lambda: lasso_criterion_path(X, y, cv=5, tol=1e-4))
        _, t_refit = timed(lambda: ns.Lasso(alpha=grid_alpha, tol=1e-4).fit(X, y))
        t_grid += t_refit
        grid_best = cv_at(X, y, grid_alpha)  # the yardstick, at a tight inner tolerance
        results = {"scikit-learn LassoCV (defaults)": (sk.alpha_, t_sk, None),
                   "scikit-learn LassoCV(n_jobs=2)": (sk2.alpha_, t_sk2, None),
                   "our grid, 100 α, warm starts, tol 1e-4": (grid_alpha, t_grid, None)}
        for label, kwargs in [("LassoTuned (defaults: scan + bracketed secant, implicit)", dict()),
                              ("LassoTuned alpha0=α_max/10, bracketed secant", dict(alpha0=None)),
                              ("LassoTuned scan + secant, implicit_forward", dict(hypergradient="implicit_forward")),
                              ("LassoTuned scan + L-BFGS, implicit", dict(optimizer="lbfgs")),
                              ("LassoTuned defaults, n_jobs=2", dict(n_jobs=2))]:
            model, t = timed(lambda: ns.LassoTuned(cv=5, **kwargs).fit(X, y))
            reached = [r["time"] for r in model.history_ if r["criterion"] <= grid_best]
            results[label] = (model.alpha_, t, (reached[0] if reached else None, model.n_outer_))
    reference = cv_at(X, y, grid_alpha)
    sk_crit = cv_at(X, y, sk.alpha_)
    print("| method | α | CV MSE at α | vs grid best | vs LassoCV's | time (s) | LassoCV time / time | "
          "time to grid's best |")
    print("|---|---|---|---|---|---|---|---|")
    for label, (alpha, t, extra) in results.items():
        crit = cv_at(X, y, alpha)
        to_best = "" if extra is None else (f"{extra[0]:.3f} s, {t_sk / max(extra[0], 1e-9):.1f}× faster than "
                                            f"LassoCV ({extra[1]} steps in all)" if extra[0] is not None
                                            else f"not reached ({extra[1]} steps)")
        print(f"| {label} | {alpha:.4g} | {crit:.6g} | {crit / reference - 1:+.1e} | {crit / sk_crit - 1:+.1e} | {t:.3f} | {t_sk / t:.1f}× | "
              f"{to_best} |")
        rows.append((name, label, alpha, crit, t))


def run_weighted(X, y):
    print("\n## weighted Lasso, one hyperparameter per feature (simulated 500 × 1 000: 1 000 hyperparameters)")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        lasso, t_lasso = timed(lambda: ns.LassoTuned(cv=5).fit(X, y))
        model, t = timed(lambda: ns.WeightedLassoTuned(cv=5, alpha0=lasso.alpha_, max_outer=30).fit(X, y))
    finite = all(np.all(np.isfinite(r["hypergradient"])) for r in model.history_)
    print("| model | CV MSE | outer steps | time (s) | hypergradients finite |")
    print("|---|---|---|---|---|")
    print(f"| LassoTuned (1 hyperparameter) | {lasso.criterion_:.6g} | {lasso.n_outer_} | {t_lasso:.3f} | yes |")
    print(f"| WeightedLassoTuned from the Lasso's α (1 000) | {model.criterion_:.6g} | {model.n_outer_} | {t:.3f} | "
          f"{'yes' if finite else 'NO'} |")
    print(f"stop reason: {model.stop_reason_}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="skip the 100 × 10 000 design")
    parser.add_argument("--blas-threads", type=int, default=None, help="limit every BLAS to this many threads")
    args = parser.parse_args()
    if args.blas_threads:
        from threadpoolctl import threadpool_limits

        threadpool_limits(args.blas_threads)
    import sklearn

    print(f"# bench_bilevel — {datetime.date.today()}, {platform.processor() or platform.machine()}, "
          f"{os.cpu_count()} CPUs, Python {platform.python_version()}, NumPy {np.__version__}, "
          f"scikit-learn {sklearn.__version__}, nonsmooth {ns.__version__}, BLAS threads: "
          f"{args.blas_threads or 'unpinned'}, load average {os.getloadavg()[0]:.1f}")
    # warm-up (imports, first native calls)
    Xw, yw = simulated(9, 50, 20)
    ns.LassoTuned(max_outer=2).fit(Xw, yw)
    rows = []
    for name, X, y in datasets(args.quick):
        run_dataset(name, X, y, rows)
    run_weighted(*simulated(0, 500, 1000))


if __name__ == "__main__":
    main()
