"""`python -m nonsmooth [tune]`: tune the Lasso by 5-fold cross-validation with
implicit differentiation, and compare with a 100-value grid search of the same
criterion on the same folds."""
from __future__ import annotations

import argparse
import csv
import os
import time
import warnings
from itertools import combinations

import numpy as np

from ._estimators import LassoTuned, lasso_criterion_path


def expand_interactions(X, names):
    """Standardized degree-2 expansion: the variables, their pairwise products and
    their squares, each column standardized; a column that duplicates an earlier
    one up to scale (the square of a two-valued variable such as sex) is dropped."""
    Z = (X - X.mean(0)) / np.where(X.std(0) > 0, X.std(0), 1)
    cols, out_names = [], []
    for j, name in enumerate(names):
        cols.append(Z[:, j])
        out_names.append(name)
    for i, j in combinations(range(len(names)), 2):
        cols.append(Z[:, i] * Z[:, j])
        out_names.append(f"{names[i]}×{names[j]}")
    for j, name in enumerate(names):
        cols.append(Z[:, j] ** 2)
        out_names.append(f"{name}²")
    kept, kept_names, basis = [], [], []
    for c, name in zip(cols, out_names):
        s = c.std()
        if s == 0:
            continue
        c = (c - c.mean()) / s
        if any(abs(float(c @ b)) / c.size > 1 - 1e-10 for b in basis):
            continue
        basis.append(c)
        kept.append(c)
        kept_names.append(name)
    return np.column_stack(kept), kept_names


def read_csv(path, target):
    with open(path, newline="") as f:
        rows = list(csv.reader(f))
    if len(rows) < 3:
        raise SystemExit(f"error: {path}: needs a header line and at least 2 data rows")
    header = [h.strip() for h in rows[0]]
    target = target if target is not None else header[-1]
    if target not in header:
        raise SystemExit(f"error: --target {target!r} is not a column of {path} (columns: {', '.join(header)})")
    try:
        table = np.array([[float(v) for v in r] for r in rows[1:] if r], dtype=float)
    except ValueError as exc:
        raise SystemExit(f"error: {path}: every entry must be numeric ({exc})") from None
    if table.ndim != 2 or table.shape[1] != len(header) or not np.isfinite(table).all():
        raise SystemExit(f"error: {path}: ragged rows or non-finite values")
    k = header.index(target)
    names = [h for i, h in enumerate(header) if i != k]
    return np.delete(table, k, axis=1), table[:, k], names, f"{os.path.basename(path)} (target {target!r})"


def _support_text(coef, names, limit=6):
    order = np.argsort(-np.abs(coef))
    chosen = [names[j] for j in order if coef[j] != 0][:limit]
    more = np.count_nonzero(coef) - len(chosen)
    return ", ".join(chosen) + (f", … (+{more})" if more > 0 else "")


def run(argv=None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m nonsmooth tune",
        description="Tune the Lasso by K-fold CV with implicit differentiation (bilevel optimization) and "
                    "compare with a grid search of the same criterion on the same folds.")
    parser.add_argument("--csv", help="a CSV file with a header line (default: the bundled diabetes data)")
    parser.add_argument("--target", help="target column of --csv (default: the last column)")
    parser.add_argument("--expand", choices=["interactions", "none"], default=None,
                        help="feature expansion (default: interactions for the bundled data, none for --csv)")
    parser.add_argument("--cv", type=int, default=5, help="number of folds (default 5)")
    parser.add_argument("--grid", type=int, default=100, help="grid size of the comparison (default 100)")
    parser.add_argument("--hypergradient", default="implicit",
                        choices=["implicit", "implicit_forward", "forward", "reverse"])
    parser.add_argument("--out", "--plot", dest="out", default="nonsmooth_lasso_tuning.png",
                        help="where to write the figure (default: %(default)s in the working directory)")
    parser.add_argument("--no-plot", action="store_true", help="do not draw the figure")
    parser.add_argument("--verbose", action="store_true", help="print every outer step")
    args = parser.parse_args(argv)
    if args.cv < 2:
        parser.error("--cv must be at least 2")
    if args.grid < 2:
        parser.error("--grid must be at least 2")

    import nonsmooth as ns

    if args.csv:
        X, y, names, label = read_csv(args.csv, args.target)
        expand = args.expand == "interactions"
    else:
        if args.target:
            parser.error("--target needs --csv")
        d = ns.datasets.load_diabetes()
        X, y, names, label = d.data, d.target, d.feature_names, "the bundled diabetes data (Efron et al. 2004)"
        expand = args.expand != "none"
    n, p0 = X.shape
    if expand:
        X, names = expand_interactions(X, names)
        features = (f"{p0} variables → {X.shape[1]} standardized features (variables, pairwise interactions, "
                    "squares; duplicated columns dropped)")
    else:
        std = X.std(0)
        X = (X - X.mean(0)) / np.where(std > 0, std, 1)
        features = f"{p0} standardized variables"
    print(f"nonsmooth {ns.__version__} — bilevel tuning of the Lasso by implicit differentiation\n")
    print(f"Data: {label}, {n} samples; {features}.")
    print(f"Criterion: {args.cv}-fold cross-validation MSE (contiguous folds, as scikit-learn's LassoCV), intercept "
          "fitted on each training fold.\n")

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        start = time.perf_counter()
        model = LassoTuned(cv=args.cv, hypergradient=args.hypergradient, verbose=args.verbose).fit(X, y)
        t_bilevel = time.perf_counter() - start
    start = time.perf_counter()
    alphas, values, grid_alpha, grid_best = lasso_criterion_path(X, y, cv=args.cv, n_alphas=args.grid)
    t_grid = time.perf_counter() - start
    grid_model = ns.Lasso(alpha=grid_alpha, tol=1e-8).fit(X, y)

    solves = model.n_outer_ * args.cv
    scan = sum(r["phase"] == "scan" for r in model.history_)
    print(f"Bilevel ({args.hypergradient} hypergradients; a {scan}-point coarse scan, then secant steps on the "
          f"hypergradient inside a shrinking bracket of log λ: {model.n_outer_} outer steps = {solves} warm-started "
          "fold solves):")
    print(f"  λ = {model.alpha_:.5g}   CV MSE = {model.criterion_:.6g}   support {np.count_nonzero(model.coef_)} of "
          f"{X.shape[1]}   time {t_bilevel:.3f} s")
    print(f"  stopped because {model.stop_reason_}")
    d = model.diagnostics_
    print(f"  at the optimum, per fold: |S| = {[x.support_size for x in d]}, |E| = "
          f"{[x.equicorrelation_size for x in d]}, X_Sᵀ X_S invertible: {all(x.invertible_support for x in d)} "
          f"(smallest reciprocal condition {min(x.rcond_support for x in d):.1e}), fallbacks: "
          f"{sorted({x.fallback for x in d})}")
    print(f"Grid search ({args.grid} λ from λ_max to λ_max/1000, {args.grid * args.cv} warm-started fold solves, "
          "same folds, same solver):")
    print(f"  λ = {grid_alpha:.5g}   CV MSE = {grid_best:.6g}   support {np.count_nonzero(grid_model.coef_)} of "
          f"{X.shape[1]}   time {t_grid:.3f} s")
    diff = model.criterion_ - grid_best
    verdict = "better than" if diff < 0 else "equal to" if diff == 0 else "worse than"
    print(f"\nBilevel criterion {verdict} the grid's best by {abs(diff):.3g} ({abs(diff) / grid_best:.1e} relative), "
          f"{t_grid / t_bilevel:.1f}× faster.")
    print(f"Selected features (largest |coefficient| first): {_support_text(model.coef_, names)}")
    for w in caught:
        print(f"warning: {w.message}")

    if args.no_plot:
        print("\nPlot: skipped (--no-plot).")
        return 0
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        print("\nPlot: skipped — matplotlib is not installed (pip install 'nonsmooth[plot]').")
        return 0
    try:
        axes = model.plot(args.out, curve=(alphas, values))
        import matplotlib.pyplot as plt

        plt.close(axes.flat[0].figure)
        print(f"\nPlot of the CV curve (grid) with the path of the outer steps: {os.path.abspath(args.out)}")
    except OSError as exc:
        print(f"\nPlot: could not be written to {args.out} ({exc}).")
    return 0
