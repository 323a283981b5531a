"""`python -m nonsmooth`: the main job and the tours.

    python -m nonsmooth                      tune the Lasso on the bundled diabetes data by 5-fold CV
    python -m nonsmooth tune [--csv PATH --target COLUMN] [...]
                                             the same on your data (see `python -m nonsmooth tune --help`)
    python -m nonsmooth prox                 a tour of the proximal-operator catalogue, each result
                                             checked against its optimality certificate
    python -m nonsmooth lab [NAME] [...]     the lab: what gradient methods do on nonsmooth losses
                                             (no NAME: the list of experiments)
"""
from __future__ import annotations

import sys
import time

import numpy as np

import nonsmooth as ns


def _timed(fn, *args, repeat=5):
    best = np.inf
    for _ in range(repeat):
        start = time.perf_counter()
        out = fn(*args)
        best = min(best, time.perf_counter() - start)
    return out, best


def _simplex_by_sorting(v):
    u = np.sort(v)[::-1]
    css = np.cumsum(u) - 1.0
    k = np.nonzero(u - css / np.arange(1, v.size + 1) > 0)[0][-1]
    return np.maximum(v - css[k] / (k + 1), 0.0)


USAGE = __doc__


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    command = argv[0] if argv and not argv[0].startswith("-") else "tune"
    rest = argv[1:] if argv and not argv[0].startswith("-") else argv
    if command == "tune":
        from nonsmooth.tuning._main import run

        return run(rest)
    if command == "prox":
        return prox_tour()
    if command == "lab":
        from nonsmooth.lab._cli import run as run_lab

        return run_lab(rest)
    if command in ("help", "--help", "-h"):
        print(USAGE)
        return 0
    print(f"unknown command {command!r}\n{USAGE}", file=sys.stderr)
    return 2


def prox_tour() -> int:
    rng = np.random.default_rng(0)
    print(f"nonsmooth {ns.__version__} — proximal operators computed in Swift (OpenBLAS/LAPACK)\n")

    data = ns.datasets.load_diabetes()
    X = (data.data - data.data.mean(0)) / data.data.std(0)
    y = data.target - data.target.mean()
    alphas, coefs, gaps = ns.lasso_path(X, y, n_alphas=12, eps=1e-3, tol=1e-10)
    print(f"Lasso path on the bundled diabetes data ({X.shape[0]} patients × {X.shape[1]} standardized "
          "variables),\nby coordinate descent; each solution certified by its duality gap:")
    print(f"  {'λ':>9}  {'nonzeros':>8}  {'duality gap':>11}  entering (+) / leaving (−)")
    active: set[int] = set()
    for alpha, coef, gap in zip(alphas, coefs.T, gaps):
        now = {int(j) for j in np.flatnonzero(coef)}
        changes = [f"+{data.feature_names[j]}" for j in sorted(now - active)]
        changes += [f"−{data.feature_names[j]}" for j in sorted(active - now)]
        active = now
        print(f"  {alpha:9.4f}  {len(now):8d}  {gap:11.1e}  {' '.join(changes)}")
    print()

    v = np.array([-2.0, -0.3, 0.1, 1.5])
    x = ns.prox.l1(v, 0.5)
    print(f"soft thresholding   prox of 0.5·‖x‖₁ at {v} = {x}")
    print(f"  certificate: (v − x)/t = {(v - x) / 0.5}  lies in ∂‖x‖₁ (±1 where x≠0, [−1,1] at 0)\n")

    n = 1_000_000
    w = rng.normal(size=n)
    p, t_ours = _timed(ns.prox.project_simplex, w)
    q, t_sort = _timed(_simplex_by_sorting, w)
    print(f"simplex projection of {n:,} entries (Condat 2016): {t_ours * 1e3:.1f} ms "
          f"vs {t_sort * 1e3:.1f} ms for the NumPy sort-based formula ({t_sort / t_ours:.1f}× faster)")
    print(f"  sum = {p.sum():.12f}, min = {p.min():.1f}, {np.count_nonzero(p)} nonzeros, "
          f"max difference from the sort-based answer {np.abs(p - q).max():.1e}\n")

    steps = np.repeat([0.0, 2.0, -1.0, 1.0], 250)
    noisy = steps + 0.5 * rng.normal(size=steps.size)
    denoised = ns.prox.tv1d(noisy, 10.0)
    print("total-variation denoising of a noisy 4-level step signal (Condat 2013):")
    print(f"  RMS error {np.sqrt(np.mean((noisy - steps) ** 2)):.3f} → "
          f"{np.sqrt(np.mean((denoised - steps) ** 2)):.3f}, "
          f"{np.count_nonzero(np.abs(np.diff(denoised)) > 1e-9)} jumps left (true: 3)\n")

    low_rank = rng.normal(size=(200, 5)) @ rng.normal(size=(5, 150))
    M = low_rank + 0.1 * rng.normal(size=low_rank.shape)
    S = ns.prox.nuclear(M, 5.0)
    sv = np.linalg.svd(S, compute_uv=False)
    print("singular value thresholding of a noisy rank-5 200×150 matrix (LAPACK dgesdd):")
    print(f"  rank {np.linalg.matrix_rank(M)} → {int(np.sum(sv > 1e-8 * sv[0]))}, "
          f"relative error to the clean matrix "
          f"{np.linalg.norm(M - low_rank) / np.linalg.norm(low_rank):.4f} → "
          f"{np.linalg.norm(S - low_rank) / np.linalg.norm(low_rank):.4f}\n")

    print("optimality of each prox, checked independently: g = (v − x)/t must satisfy the subgradient")
    print("inequality f(y) ≥ f(x) + ⟨g, y − x⟩ at 10,000 random points y (worst violation shown):")
    z = rng.normal(size=12)
    ys = z + rng.normal(size=(10_000, 12)) * rng.uniform(0.01, 3.0, size=(10_000, 1))
    for op in (ns.prox.L1(0.3), ns.prox.GroupL2(0.5, groups=3), ns.prox.Linf(0.4), ns.prox.TV1D(0.6),
               ns.prox.L1Ball(1.0), ns.prox.Simplex(1.0), ns.prox.Huber(1.0, 0.2), ns.prox.ElasticNet(0.8, 0.5)):
        x = op.prox(z, 0.5)
        g = (z - x) / 0.5
        fy = op(ys, axis=1)
        worst = np.max(op(x) + (ys - x) @ g - fy, where=np.isfinite(fy), initial=-np.inf)
        value, _ = op.moreau_envelope(z, 0.5)
        print(f"  {op!r:<36} violation {max(worst, 0.0):.1e}   Moreau envelope {value:8.4f}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
