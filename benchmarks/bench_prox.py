"""Proximal operators: nonsmooth against the usual NumPy expressions and pyproximal.

Runs every competitor in this process on the same data and prints the median
time of each and the ratio competitor / nonsmooth (> 1 means nonsmooth is
faster). Not part of the test suite.

    python benchmarks/bench_prox.py [--sizes 1e3 1e4 1e5 1e6 1e7] [--markdown]
"""
from __future__ import annotations

import argparse
import platform
import time

import numpy as np

import nonsmooth as ns

try:
    import pyproximal
except Exception:  # optional competitor
    pyproximal = None


def median_time(fn, *args, budget=0.5, min_repeat=3, max_repeat=200):
    fn(*args)  # warm-up
    times = []
    start = time.perf_counter()
    while len(times) < max_repeat and (len(times) < min_repeat or time.perf_counter() - start < budget):
        t0 = time.perf_counter()
        fn(*args)
        times.append(time.perf_counter() - t0)
    return float(np.median(times))


# ---- NumPy references (the expressions users write) ------------------------------
def np_soft(v, t):
    return np.sign(v) * np.maximum(np.abs(v) - t, 0.0)


def np_simplex(v, s=1.0):
    u = np.sort(v)[::-1]
    css = np.cumsum(u) - s
    k = np.nonzero(u - css / np.arange(1, v.size + 1) > 0)[0][-1]
    return np.maximum(v - css[k] / (k + 1), 0.0)


def np_l1_ball(v, r=1.0):
    if np.abs(v).sum() <= r:
        return v.copy()
    return np.sign(v) * np_simplex(np.abs(v), r)


def np_l2_ball(v, r=1.0):
    n = np.linalg.norm(v)
    return v if n <= r else v * (r / n)


def np_group_l2(v, t, size):
    g = v.reshape(-1, size)
    norms = np.linalg.norm(g, axis=1, keepdims=True)
    scale = np.maximum(1 - t * np.sqrt(size) / np.maximum(norms, 1e-300), 0)
    return (g * scale).ravel()


def np_huber(v, t, delta):
    return np.where(np.abs(v) <= delta * (1 + t), v / (1 + t), v - t * delta * np.sign(v))


def np_nuclear(M, t):
    U, s, Vt = np.linalg.svd(M, full_matrices=False)
    return (U * np.maximum(s - t, 0)) @ Vt


def np_psd(M):
    w, Q = np.linalg.eigh((M + M.T) / 2)
    return (Q * np.maximum(w, 0)) @ Q.T


def cases(n, rng):
    v = rng.normal(size=n)
    yield "l1 (soft threshold)", (lambda: ns.prox.l1(v, 0.5)), {"numpy": lambda: np_soft(v, 0.5)}, \
        ({"pyproximal": (lambda op=pyproximal.L1(sigma=1.0): op.prox(v, 0.5))} if pyproximal else {})
    yield "box (clip)", (lambda: ns.prox.project_box(v, -1.0, 1.0)), {"numpy": lambda: np.clip(v, -1.0, 1.0)}, \
        ({"pyproximal": (lambda op=pyproximal.Box(-1.0, 1.0): op.prox(v, 1.0))} if pyproximal else {})
    yield "huber", (lambda: ns.prox.huber(v, 0.5, 1.0)), {"numpy": lambda: np_huber(v, 0.5, 1.0)}, {}
    yield "group l2 (size 10)", (lambda f=ns.prox.GroupL2(1.0, groups=10): f.prox(v, 0.5)), \
        {"numpy": lambda: np_group_l2(v, 0.5, 10)}, {}
    yield "l2 ball", (lambda: ns.prox.project_l2_ball(v, 1.0)), {"numpy": lambda: np_l2_ball(v, 1.0)}, \
        ({"pyproximal": (lambda op=pyproximal.proximal.EuclideanBall(np.zeros(1), 1.0): op.prox(v, 1.0))}
         if pyproximal else {})
    yield "simplex", (lambda: ns.prox.project_simplex(v)), {"numpy sort": lambda: np_simplex(v)}, {}
    yield "l1 ball", (lambda: ns.prox.project_l1_ball(v, 1.0)), {"numpy sort": lambda: np_l1_ball(v, 1.0)}, {}


def matrix_cases(k, rng):
    M = rng.normal(size=(k, k))
    yield f"nuclear {k}×{k}", (lambda: ns.prox.nuclear(M, 1.0)), {"numpy svd": lambda: np_nuclear(M, 1.0)}, \
        ({"pyproximal": (lambda op=pyproximal.Nuclear((k, k)): op.prox(M.ravel(), 1.0))} if pyproximal else {})
    yield f"psd {k}×{k}", (lambda: ns.prox.project_psd(M)), {"numpy eigh": lambda: np_psd(M)}, {}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", nargs="*", type=float, default=[1e3, 1e4, 1e5, 1e6, 1e7])
    parser.add_argument("--matrices", nargs="*", type=int, default=[50, 200, 500])
    parser.add_argument("--markdown", action="store_true", help="print a README table")
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    rows = []
    sizes = [int(s) for s in args.sizes]
    for n in sizes:
        for name, ours, numpy_refs, others in cases(n, rng):
            t_ours = median_time(ours)
            for ref_name, ref in {**numpy_refs, **others}.items():
                rows.append((name, f"{n:.0e}", ref_name, t_ours, median_time(ref)))
    for k in args.matrices:
        for name, ours, numpy_refs, others in matrix_cases(k, rng):
            t_ours = median_time(ours)
            for ref_name, ref in {**numpy_refs, **others}.items():
                rows.append((name, "", ref_name, t_ours, median_time(ref)))
    print(f"# {time.strftime('%Y-%m-%d')}, {platform.processor() or platform.machine()}, "
          f"numpy {np.__version__}, nonsmooth {ns.__version__}")
    if args.markdown:
        print("| operator | n | competitor | nonsmooth | competitor | ratio |")
        print("|---|---|---|---|---|---|")
        for name, n, ref, a, b in rows:
            print(f"| {name} | {n} | {ref} | {a * 1e3:.3f} ms | {b * 1e3:.3f} ms | {b / a:.1f}× |")
    else:
        print(f"{'operator':<22}{'n':>8}  {'competitor':<12}{'nonsmooth':>12}{'competitor':>12}{'ratio':>8}")
        for name, n, ref, a, b in rows:
            print(f"{name:<22}{n:>8}  {ref:<12}{a * 1e3:>10.3f}ms{b * 1e3:>10.3f}ms{b / a:>7.1f}×")


if __name__ == "__main__":
    main()
