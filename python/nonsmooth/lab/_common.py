"""What every experiment of the lab shares: the optimizers it compares, the
iterates of a native optimizer step by step, figure saving, result records."""
from __future__ import annotations

import abc
import dataclasses
import html
from pathlib import Path
from typing import Any

import numpy as np

from ..optim import SGD, Adam, Momentum, Optimizer, RMSProp
from ..optim import Schedule

#: The methods compared throughout the lab, in plotting order.
METHODS: tuple[str, ...] = ("sgd", "momentum", "rmsprop", "adam", "prox_sgd")
LABELS: dict[str, str] = {"sgd": "SGD", "momentum": "momentum", "rmsprop": "RMSProp", "adam": "Adam",
                          "prox_sgd": "proximal SGD", "cd": "coordinate descent", "fista": "FISTA"}
COLORS: dict[str, str] = {"sgd": "#1f77b4", "momentum": "#ff7f0e", "rmsprop": "#2ca02c", "adam": "#d62728",
                          "prox_sgd": "#111111", "cd": "#111111", "fista": "#7f7f7f"}
#: |w| below this counts as "pruned" (Kumar's criterion).
SMALL = 1e-5


def optimizer(method: str, lr: float | Schedule, *, momentum: float = 0.9, rho: float = 0.99,
              beta1: float = 0.9, beta2: float = 0.999) -> Optimizer:
    """The :mod:`nonsmooth.optim` optimizer behind a lab method name.

    ``"prox_sgd"`` is :class:`~nonsmooth.optim.SGD`; the proximal step is added
    by the caller (``prox=`` of :func:`nonsmooth.train`).
    """
    if method in ("sgd", "prox_sgd"):
        return SGD(lr)
    if method == "momentum":
        return Momentum(lr, momentum=momentum)
    if method == "rmsprop":
        return RMSProp(lr, rho=rho)
    if method == "adam":
        return Adam(lr, beta1=beta1, beta2=beta2)
    raise ValueError(f"method: must be one of {', '.join(METHODS)}, got {method!r}")


def check_methods(methods) -> tuple[str, ...]:
    methods = tuple(methods)
    for m in methods:
        if m not in METHODS:
            raise ValueError(f"methods: {m!r} is not one of {', '.join(METHODS)}")
    if not methods:
        raise ValueError("methods: give at least one method")
    return methods


def iterates(loss, w0: np.ndarray, opt: Optimizer, steps: int, *, fixed: tuple = (), prox=None) -> np.ndarray:
    """Every iterate w_0, …, w_steps of a native optimizer on a traced loss.

    One :meth:`Optimizer.step` per step on the conservative gradient of
    ``loss(w, *fixed)`` (``Function.grad``), then ``prox.prox(w, α_k)`` if a
    proximal operator is given: the full-batch update :func:`nonsmooth.train`
    runs, bit for bit, with every iterate kept (``train`` keeps only norms).
    """
    opt.reset()
    w = np.array(w0, dtype=np.float64, order="C")
    out = np.empty((steps + 1,) + w.shape)
    out[0] = w
    for k in range(steps):
        rate = opt.rate()
        opt.step(w, loss.grad(w, *fixed))
        if prox is not None:
            w[...] = prox.prox(w, rate)
        out[k + 1] = w
    return out


def gaussian_regression(A, y, n_samples: int, n_features: int, noise: float, rng) -> tuple[np.ndarray, np.ndarray]:
    """(A, y) as float64 arrays: the given ones, or A with N(0, 1) entries and
    y = Aβ* + noise·N(0, 1) with β* ~ N(0, I) drawn from ``rng``."""
    if A is None or y is None:
        A = rng.normal(size=(n_samples, n_features))
        y = A @ rng.normal(size=n_features) + noise * rng.normal(size=n_samples)
    return np.ascontiguousarray(A, dtype=np.float64), np.ascontiguousarray(y, dtype=np.float64).ravel()


def small_fraction(arrays, threshold: float = SMALL) -> float:
    """Fraction of the entries of ``arrays`` (one array or several) with |w| < threshold."""
    arrays = [arrays] if isinstance(arrays, np.ndarray) else list(arrays)
    total = sum(a.size for a in arrays)
    return float(sum(np.count_nonzero(np.abs(a) < threshold) for a in arrays) / max(total, 1))


def pyplot():
    """matplotlib.pyplot, or an ImportError saying how to get it."""
    try:
        import matplotlib.pyplot as plt
    except ImportError:  # pragma: no cover - matplotlib is in the test extra
        raise ImportError("nonsmooth.lab plots need matplotlib: pip install matplotlib "
                          "(or pip install 'nonsmooth[plot]')") from None
    return plt


def panels(ncols: int, figsize: tuple[float, float]):
    """A figure with one row of ``ncols`` axes: (figure, axes)."""
    return pyplot().subplots(1, ncols, figsize=figsize)


def finish(fig: Any, out: str | Path | None, title: str | None = None, *, styled=(), legends=(),
           title_size: float = 12, legend_size: float = 8) -> np.ndarray:
    """The lab's figure epilogue: style the ``styled`` panels, draw the
    legends of ``legends``, set the title, lay out, write the figure to
    ``out`` (any format matplotlib knows) if given, and return its Axes.

    The plots return Axes, as matplotlib's and pandas' plotting functions do,
    not the Figure: a notebook cell ending in ``result.plot()`` then shows the
    figure once (pyplot displays it; an Axes array is shown as text), where a
    returned Figure is drawn a second time by IPython. The figure is
    ``axes[0].figure``.
    """
    for ax in styled:
        style(ax)
    for ax in legends:
        ax.legend(frameon=False, fontsize=legend_size)
    if title is not None:
        fig.suptitle(title, fontsize=title_size)
    fig.tight_layout()
    if out is not None:
        fig.savefig(out, dpi=150, bbox_inches="tight")
    return np.array(fig.axes, dtype=object)


def style(ax) -> None:
    """The lab's look: no top and right spines, a light grid."""
    ax.spines[["top", "right"]].set_visible(False)
    ax.grid(True, alpha=0.25, linewidth=0.6)


class Record(abc.ABC):
    """Base of the lab's result records (dataclasses of NumPy arrays)."""

    def to_dict(self) -> dict[str, Any]:
        """The fields as a plain dict (arrays not copied)."""
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}  # type: ignore[arg-type]

    @abc.abstractmethod
    def plot(self, out: str | Path | None = None, **kwargs):
        """The experiment's figure, written to ``out`` if given; returns its Axes (see its ``plot_*`` function)."""

    @abc.abstractmethod
    def summary(self) -> str:
        """The experiment's numbers as text."""

    def __str__(self) -> str:
        return self.summary()

    def _fields(self) -> list[tuple[str, str]]:
        return [(name, _describe(value)) for name, value in self.to_dict().items()]

    def __repr__(self) -> str:
        fields = ", ".join(f"{name}: {kind}" for name, kind in self._fields())
        return f"{type(self).__name__}\n{self.summary()}\nfields: {fields}"

    def _repr_html_(self) -> str:
        """The summary and the fields in a notebook (IPython's rich display)."""
        rows = "".join(f"<tr><td><code>{html.escape(n)}</code></td><td>{html.escape(k)}</td></tr>"
                       for n, k in self._fields())
        return (f"<b>{type(self).__name__}</b><pre>{html.escape(self.summary())}</pre>"
                f"<details><summary>fields</summary><table>{rows}</table></details>")


def _describe(value: Any) -> str:
    """A short description of one field: its type and shape or value, never its data."""
    if isinstance(value, np.ndarray):
        return f"ndarray {value.shape}"
    if isinstance(value, dict):
        return f"dict of {len(value)} ({', '.join(map(str, list(value)[:6]))}{', …' if len(value) > 6 else ''})"
    if isinstance(value, (tuple, list)):
        return f"{type(value).__name__} of {len(value)}"
    if isinstance(value, (float, np.floating)):
        return f"{value:.6g}"
    if isinstance(value, (int, str, np.integer)):
        return repr(value)
    return type(value).__name__
