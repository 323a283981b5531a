"""Copies of X made by a Lasso fit: peak extra memory and time on 4 000×2 000.

Each case runs in its own interpreter so that its peak resident memory is its
own: the child builds the data, records its resident memory, fits once to warm
up, then fits ``--repeat`` times and reports the median time, the peak of
Python-visible allocations during one fit (tracemalloc: NumPy arrays; the
native core's own buffers are not traced) and the growth of the peak resident
set (VmHWM, reset through /proc/self/clear_refs) over the memory held before
the first fit (every copy, native or not, that
was touched). X is 4 000×2 000 float64 (61 MiB).

    python benchmarks/memory_copies.py [--n 4000] [--p 2000] [--repeat 5]
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys

CASES = {
    "fortran": "Fortran-order X",
    "c_order": "C-order X",
    "weights_c": "C-order X, sample_weight",
    "weights_fortran": "Fortran-order X, sample_weight",
    "weights_sparse": "CSC X (10% dense), sample_weight",
}


def _status_kib(field):
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise RuntimeError(f"{field} not in /proc/self/status")


def _reset_peak_rss():
    """Resets the peak resident set (Linux ≥ 4.0) to the current one and returns it, in KiB."""
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")
    return _status_kib("VmRSS")


def child(case, n, p, repeat):
    import time
    import tracemalloc
    import warnings

    import numpy as np
    import scipy.sparse as sp

    import nonsmooth as ns

    warnings.simplefilter("ignore")
    rng = np.random.default_rng(0)
    if case == "weights_sparse":
        X = sp.random(n, p, density=0.1, random_state=0, format="csc")
    else:
        X = rng.standard_normal((n, p))
        if case in ("fortran", "weights_fortran"):
            X = np.asfortranarray(X)
    beta = np.zeros(p)
    beta[rng.choice(p, 20, replace=False)] = rng.standard_normal(20)
    y = X @ beta + 0.5 * rng.standard_normal(n) + 1.0
    s = rng.uniform(0.5, 2.0, n) if case.startswith("weights") else None
    alpha_max = np.abs((X.T @ (y - y.mean()))).max() / n
    model = ns.Lasso(alpha=0.05 * alpha_max)
    before = _reset_peak_rss()
    tracemalloc.start()
    model.fit(X, y, sample_weight=s)
    _, traced = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        model.fit(X, y, sample_weight=s)
        times.append(time.perf_counter() - t)
    peak = _status_kib("VmHWM")
    x_bytes = X.data.nbytes if sp.issparse(X) else X.nbytes
    return {"time_ms": 1e3 * float(np.median(times)), "traced_mib": traced / 2**20,
            "rss_growth_mib": (peak - before) / 2**10, "x_mib": x_bytes / 2**20,
            "gap": float(model.dual_gap_), "n_iter": int(model.n_iter_), "nnz": int(np.sum(model.coef_ != 0))}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=4000)
    parser.add_argument("--p", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--case", choices=sorted(CASES), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.case:
        print(json.dumps(child(args.case, args.n, args.p, args.repeat)))
        return
    print(f"Lasso fit, X {args.n}×{args.p}, alpha = 0.05·alpha_max; median of {args.repeat} fits")
    print(f"{'case':38s} {'time ms':>8s} {'traced MiB':>11s} {'RSS +MiB':>9s} {'X MiB':>6s}  epochs  gap")
    results = {}
    for case, label in CASES.items():
        out = subprocess.run([sys.executable, __file__, "--case", case, "--n", str(args.n), "--p", str(args.p),
                              "--repeat", str(args.repeat)], capture_output=True, text=True, check=True)
        r = results[case] = json.loads(out.stdout.strip().splitlines()[-1])
        print(f"{label:38s} {r['time_ms']:8.1f} {r['traced_mib']:11.1f} {r['rss_growth_mib']:9.1f} "
              f"{r['x_mib']:6.1f}  {r['n_iter']:6d}  {r['gap']:.2e}")
    print(f"C-order / Fortran-order time: {results['c_order']['time_ms'] / results['fortran']['time_ms']:.2f}")


if __name__ == "__main__":
    main()
