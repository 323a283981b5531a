"""Figures of bilevel tuning (matplotlib is an optional dependency)."""
from __future__ import annotations

import numpy as np


def _pyplot():
    try:
        import matplotlib

        if matplotlib.get_backend().lower() not in ("agg", "pdf", "svg", "ps", "cairo") and not _has_display():
            matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError as exc:  # pragma: no cover - exercised without matplotlib
        raise ImportError("plot() needs matplotlib, an optional dependency: pip install 'nonsmooth[plot]'") from exc
    return plt


def _has_display():
    import os

    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY") or os.environ.get("MPLBACKEND"))


def plot_tuning(estimator, *, path=None, grid=50, curve=None, ax=None):
    plt = _pyplot()
    from ._estimators import LassoTuned, _criterion_on_grid

    history = estimator.history_
    crit_name = estimator.criterion_name_
    if isinstance(estimator, LassoTuned):
        if ax is not None:
            fig, axes = ax.figure, [ax]
        else:
            fig, axes = plt.subplots(1, 2, figsize=(12, 4.5))
        if curve is None and grid:
            bound, _ = estimator._plot_state
            visited = np.array([r["alpha"] for r in history])
            hi = max(estimator.alpha_max_, visited.max())
            lo = min(visited.min(), estimator.alpha_max_ * 1e-3) / 1.5
            alphas = np.geomspace(hi, lo, int(grid))
            alphas, values, _, _ = _criterion_on_grid(bound, None, None, alphas, None, None, estimator.fit_intercept,
                                                      estimator.tol, estimator.max_iter)
            curve = (alphas, values)
        alphas = np.array([r["alpha"] for r in history])
        values = np.array([r["criterion"] for r in history])
        accepted = np.array([r["accepted"] for r in history])
        scan = np.array([r.get("phase") == "scan" for r in history])
        trials = ~accepted & ~scan
        start = int(np.argmax(accepted)) if accepted.any() else 0
        for k, a in enumerate(axes):
            if curve is not None:
                a.plot(curve[0], curve[1], "-", color="0.6", lw=1.5, label=f"{crit_name} on a grid")
            a.plot(alphas[accepted], values[accepted], "o-", color="C0", ms=4, lw=1, label="accepted outer steps")
            if scan.any():
                a.plot(alphas[scan], values[scan], "D", color="0.35", ms=4, label="starting scan")
            if trials.any():
                a.plot(alphas[trials], values[trials], "x", color="C3", ms=5, label="line-search trials")
            a.plot(alphas[start:start + 1], values[start:start + 1], "s", color="C1", ms=7, label="descent start")
            a.plot([estimator.alpha_], [estimator.criterion_], "*", color="C2", ms=15,
                   label=f"tuned α = {estimator.alpha_:.4g}")
            a.set_xscale("log")
            a.set_xlabel("α (log scale)")
            a.set_ylabel(crit_name)
            if k == 1:  # zoom on the descent
                keep = ~scan
                keep[start] = True
                lo_a, hi_a = alphas[keep].min() / 1.2, alphas[keep].max() * 1.2
                values = values[keep]
                a.set_xlim(lo_a, hi_a)
                shown = values
                if curve is not None:
                    inside = (curve[0] >= lo_a) & (curve[0] <= hi_a)
                    shown = np.concatenate([values, np.asarray(curve[1])[inside]])
                span = max(shown.max() - shown.min(), 1e-12 * abs(shown.min()))
                a.set_ylim(shown.min() - 0.05 * span, shown.max() + 0.05 * span)
                a.set_title("zoom on the gradient descent")
            else:
                a.set_title(f"{type(estimator).__name__}: {len(history)} outer steps, "
                            f"'{estimator.hypergradient}' hypergradients")
                a.legend(fontsize=8)
    else:
        if ax is not None:
            fig, axes = ax.figure, [ax]
        else:
            fig, axes = plt.subplots(1, 2, figsize=(11, 4.2))
        steps = np.arange(len(history))
        values = np.array([r["criterion"] for r in history])
        axes[0].plot(steps, values, "o-", ms=3)
        axes[0].set_xlabel("outer step")
        axes[0].set_ylabel(crit_name)
        axes[0].set_title(type(estimator).__name__)
        if len(axes) > 1:
            if "l2_strength" in history[0]:
                l1 = np.array([r["l1_strength"] for r in history])
                l2 = np.array([r["l2_strength"] for r in history])
                sc = axes[1].scatter(l1, l2, c=values, cmap="viridis", s=18, zorder=3)
                axes[1].plot(l1, l2, "-", color="0.6", lw=0.8)
                axes[1].plot([estimator.l1_strength_], [estimator.l2_strength_], "*", color="C3", ms=14)
                axes[1].set_xscale("log")
                axes[1].set_yscale("log")
                axes[1].set_xlabel("λ1 (ℓ1 strength)")
                axes[1].set_ylabel("λ2 (ℓ2 strength)")
                fig.colorbar(sc, ax=axes[1], label=crit_name)
            else:
                lam = np.sort(estimator.alphas_)
                axes[1].semilogy(lam, ".", ms=3)
                axes[1].set_xlabel("feature (sorted by λ_j)")
                axes[1].set_ylabel("tuned λ_j")
    fig.tight_layout()
    if path is not None:
        fig.savefig(path, dpi=120)
    # Axes, not the Figure (matplotlib's idiom): a notebook cell ending in
    # ``model.plot()`` shows the figure once; a returned Figure is drawn twice.
    return ax if ax is not None else np.asarray(axes, dtype=object)
