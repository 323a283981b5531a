"""nonsmooth.distributed.Lasso against dask-ml on the same LocalCluster and data.

Tall dense data generated on the workers (dask.array.random), no intercept,
α = ratio·α_max. Every solver's objective (1/2n)‖y − Xβ‖² + α‖β‖₁ is computed
here, on the cluster, from its coefficients. dask-ml (dask-glm) minimizes
‖y − Xβ‖² + (1/C)‖β‖₁, the same problem for C = 1/(2nα). Rows report time,
objective and relative suboptimality against the best objective found; a
dask-ml solver is rerun with a 4× larger iteration budget until it reaches
nonsmooth's objective (within 1e-6 relative) or the time budget runs out:
"equal objective" is the time of that run. The single-machine ns.Lasso runs
on the gathered data (the cost of distribution).

    python benchmarks/bench_distributed.py --n 200000 --p 100 --workers 1 2
"""
from __future__ import annotations

import argparse
import platform
import time
import warnings

import numpy as np


def objective(X, y, coef, alpha):
    import dask.array as da

    r = y - X @ coef
    return float(da.dot(r, r).compute()) / (2 * X.shape[0]) + alpha * float(np.abs(coef).sum())


def _timed_fit(Model, label, repeat, X, y, **params):
    """The fitted model and the best of `repeat` wall times (short runs on a
    shared machine are noisy; dask-ml's runs of minutes are timed once)."""
    times = []
    for _ in range(repeat):
        stamps = []
        t = time.perf_counter()
        model = Model(callback=lambda it, gap: stamps.append(time.perf_counter()), **params).fit(X, y)
        times.append(time.perf_counter() - t)
        per_iteration = float(np.median(np.diff(stamps))) if len(stamps) > 1 else float("nan")
        print(f"{label}: {times[-1]:.2f} s, {model.n_iter_} iterations, {1e3 * per_iteration:.2f} ms per iteration, "
              f"shards built in {stamps[0] - t:.2f} s", flush=True)
    return model, min(times)


def run(n, p, workers, ratio, budget, chunk_rows, solvers, first_max_iter=100, repeat=3):
    import dask.array as da
    from dask.distributed import Client, LocalCluster
    from dask_ml.linear_model import LinearRegression

    import nonsmooth as ns
    from nonsmooth.distributed import Lasso

    rows = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, host="127.0.0.1",
                               dashboard_address=None)
        client = Client(cluster)
    try:
        rs = da.random.RandomState(0)
        X = rs.normal(size=(n, p), chunks=(chunk_rows, p))
        beta = np.zeros(p)
        beta[: p // 10] = np.linspace(1, 3, p // 10)
        y = X @ beta + rs.normal(size=n, chunks=chunk_rows)
        X, y = client.persist([X, y])
        alpha_max = float(abs(X.T @ y).max().compute()) / n
        alpha = ratio * alpha_max
        # Warm-up: the workers import nonsmooth and SciPy once (a cold first fit pays ≈ 1–4 s for it).
        Lasso(alpha=1.0).fit(X[:1000], y[:1000])

        ours, t_ours = _timed_fit(Lasso, f"n={n} p={p} workers={workers}: solver='auto'", repeat, X, y, alpha=alpha,
                                  fit_intercept=False, tol=1e-6)
        target = objective(X, y, ours.coef_, alpha)
        rows.append(("nonsmooth.distributed.Lasso (solver='auto': Gram summed on the driver)", t_ours, target,
                     ours.n_iter_))
        consensus, t_consensus = _timed_fit(Lasso, "  solver='consensus'", repeat, X, y, alpha=alpha,
                                            fit_intercept=False, tol=1e-6, solver="consensus")
        rows.append(("nonsmooth.distributed.Lasso (solver='consensus': actors per shard)", t_consensus,
                     objective(X, y, consensus.coef_, alpha), consensus.n_iter_))

        for solver in solvers:
            max_iter, elapsed, obj, total = first_max_iter, 0.0, np.inf, 0.0
            while True:
                model = LinearRegression(penalty="l1", C=1 / (2 * n * alpha), fit_intercept=False, solver=solver,
                                         max_iter=max_iter, tol=1e-10,
                                         solver_kwargs={"abstol": 1e-10, "reltol": 1e-10} if solver == "admm" else None)
                t = time.perf_counter()
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    model.fit(X, y)
                elapsed = time.perf_counter() - t
                total += elapsed
                obj = objective(X, y, np.asarray(model.coef_), alpha)
                label = f"dask-ml {solver}" + (" (default solver)" if solver == "admm" else "")
                rows.append((f"{label}, max_iter={max_iter}", elapsed, obj, max_iter))
                print(f"  {rows[-1]}", flush=True)
                if obj <= target * (1 + 1e-6) or total > budget:
                    break
                max_iter *= 4

        Xn, yn = client.gather(client.compute([X, y]))
        t_local = np.inf
        for _ in range(repeat):
            t = time.perf_counter()
            local = ns.Lasso(alpha=alpha, fit_intercept=False, tol=1e-6).fit(Xn, yn)
            t_local = min(t_local, time.perf_counter() - t)
        rows.append(("ns.Lasso (single machine, gathered data, best of the repeats)", t_local,
                     objective(X, y, local.coef_, alpha),
                     local.n_iter_))
    finally:
        client.close()
        cluster.close()
    _print_table(f"n={n}, p={p}, {workers} worker(s) x 1 thread, alpha={ratio}*alpha_max", rows, t_ours)


def logistic_objective(X, s, coef, alpha):
    import dask.array as da

    return float(da.logaddexp(0, -s * (X @ coef)).mean().compute()) + alpha * float(np.abs(coef).sum())


def run_logistic(n, p, workers, ratio, budget, chunk_rows, solvers):
    """Sparse logistic regression, no intercept: nonsmooth against dask-ml's
    LogisticRegression(penalty="l1"), which minimizes Σ log(1 + e^{−y xᵀβ}) +
    (1/C)‖β‖₁, our problem for C = 1/(nα)."""
    import dask.array as da
    from dask.distributed import Client, LocalCluster
    from dask_ml.linear_model import LogisticRegression

    from nonsmooth.distributed import SparseLogisticRegression

    rows = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, host="127.0.0.1",
                               dashboard_address=None)
        client = Client(cluster)
    try:
        rs = da.random.RandomState(0)
        X = rs.normal(size=(n, p), chunks=(chunk_rows, p))
        beta = np.zeros(p)
        beta[: p // 10] = np.linspace(0.5, 1.5, p // 10)
        y = (X @ beta + rs.logistic(size=n, chunks=chunk_rows) > 0).astype(float)
        X, y = client.persist([X, y])
        s = 2 * y - 1
        alpha = ratio * float(abs(X.T @ s).max().compute()) / (2 * n)
        SparseLogisticRegression(alpha=1.0).fit(X[:1000], y[:1000])  # warm-up imports
        t = time.perf_counter()
        ours = SparseLogisticRegression(alpha=alpha, fit_intercept=False, tol=1e-6).fit(X, y)
        t_ours = time.perf_counter() - t
        target = logistic_objective(X, s, ours.coef_[0], alpha)
        rows.append(("nonsmooth.distributed.SparseLogisticRegression", t_ours, target, ours.n_iter_))
        print(f"  {rows[-1]}", flush=True)
        for solver in solvers:
            max_iter, total = 100, 0.0
            while True:
                model = LogisticRegression(penalty="l1", C=1 / (n * alpha), fit_intercept=False, solver=solver,
                                           max_iter=max_iter, tol=1e-10,
                                           solver_kwargs={"abstol": 1e-10, "reltol": 1e-10} if solver == "admm"
                                           else None)
                t = time.perf_counter()
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    model.fit(X, y)
                elapsed = time.perf_counter() - t
                total += elapsed
                obj = logistic_objective(X, s, np.asarray(model.coef_).ravel(), alpha)
                rows.append((f"dask-ml {solver}, max_iter={max_iter}", elapsed, obj, max_iter))
                print(f"  {rows[-1]}", flush=True)
                if obj <= target * (1 + 1e-6) or total > budget:
                    break
                max_iter *= 4
    finally:
        client.close()
        cluster.close()
    _print_table(f"logistic n={n}, p={p}, {workers} worker(s) x 1 thread, alpha={ratio}*alpha_max", rows, t_ours)


def _print_table(title, rows, t_ours):
    best = min(r[2] for r in rows)
    print(f"\n## {title} ({time.strftime('%Y-%m-%d')}, {platform.processor() or platform.machine()})")
    print("| solver | time (s) | objective | (P − P_best)/P_best | iterations | time / ours |")
    print("|---|---|---|---|---|---|")
    for name, t, obj, it in rows:
        print(f"| {name} | {t:.2f} | {obj:.10g} | {(obj - best) / best:.1e} | {it} | {t / t_ours:.1f} |")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--p", type=int, default=100)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--ratio", type=float, default=0.05, help="alpha / alpha_max")
    parser.add_argument("--budget", type=float, default=600.0, help="seconds per dask-ml solver")
    parser.add_argument("--chunk-rows", type=int, default=50_000)
    parser.add_argument("--dask-ml", nargs="*", default=["admm", "proximal_grad"],
                        help="dask-ml solvers to compare (none: only nonsmooth)")
    parser.add_argument("--dask-ml-max-iter", type=int, default=100,
                        help="dask-ml's first iteration budget (multiplied by 4 until it reaches our objective "
                             "or --budget seconds are spent)")
    parser.add_argument("--repeat", type=int, default=3, help="fits of nonsmooth per configuration (best time)")
    parser.add_argument("--model", choices=["lasso", "logistic"], default="lasso")
    args = parser.parse_args()
    for w in args.workers:
        if args.model == "lasso":
            run(args.n, args.p, w, args.ratio, args.budget, args.chunk_rows, args.dask_ml, args.dask_ml_max_iter,
                args.repeat)
        else:
            run_logistic(args.n, args.p, w, args.ratio, args.budget, args.chunk_rows, args.dask_ml)


if __name__ == "__main__":
    main()
