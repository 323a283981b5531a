"""Kumar's deep experiments on small convolutional networks: depth (Fig. 2) and pruning (Fig. 3, Table 2).

Kumar ("GD doesn't make the cut: three ways that non-differentiability affects
neural network training") trains CIFAR-10 CNNs. CIFAR-10 is not available
offline, so these run on the bundled 8×8 digits (or on any image arrays the
caller passes, (N, C, H, W) or (N, H, W)), with the library's native
convolution, batch normalization and training loop:

- :func:`cnn_depth` (Fig. 2): ReLU vs GELU networks, with and without batch
  normalization, as depth grows; the final training loss over several seeds
  (mean and spread). Kumar reports this comparison on CIFAR-10; at this scale
  we report what the digits CNN shows and do not claim to reproduce the
  paper's numbers (the MLP stand-in of :func:`activations` did not show the
  paper's depth trend either).
- :func:`cnn_pruning` (Fig. 3, Table 2): the fraction of weights below 10⁻⁵
  after training with an ℓ1 penalty λΣ‖K‖₁ by SGD, RMSProp and Adam across λ,
  next to proximal SGD. The paper's stated behaviour, which the test checks:
  the gradient methods leave (almost) no exact zeros, the proximal method does.

Network: ``depth`` blocks conv 3×3 (padding 1, ``channels`` filters) →
[batch norm] → activation, then the spatial mean and a linear readout.
"""
from __future__ import annotations

import inspect
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

import numpy as np

from .. import prox as _prox
from ..autodiff import batch_norm, conv2d, function, gelu, mean, norm1, relu, softmax_cross_entropy
from ._common import LABELS as METHOD_LABELS, COLORS as METHOD_COLORS, Record, check_methods, finish, optimizer
from ._common import panels
from ..training import train
from .pruning import digits_split

_ACTS = {"relu": relu, "gelu": gelu}


def cnn_names(depth: int, bn: bool) -> list[str]:
    names = []
    for i in range(depth):
        names += [f"K{i}", f"b{i}"] + ([f"g{i}", f"s{i}"] if bn else [])
    return names + ["V", "c"]


def cnn_loss(depth: int, activation: str = "relu", bn: bool = False, penalty: bool = False):
    """A traced loss f(K0, b0[, g0, s0], …, V, c, X, y[, lam]) of the CNN (mean softmax
    cross-entropy; ``penalty`` adds lam·Σᵢ‖Kᵢ‖₁)."""
    if activation not in _ACTS:
        raise ValueError(f"activations: must be 'relu' or 'gelu', got {activation!r}")
    act, names = _ACTS[activation], cnn_names(depth, bn)
    per = 4 if bn else 2

    def loss(*args):
        p, (X, y) = args[:len(names)], args[len(names):len(names) + 2]
        h = X
        for i in range(depth):
            h = conv2d(h, p[per * i], p[per * i + 1], padding=1)
            if bn:
                h = batch_norm(h, p[per * i + 2], p[per * i + 3])
            h = act(h)
        value = mean(softmax_cross_entropy(mean(h, axis=(2, 3)) @ p[-2] + p[-1], y))
        if penalty:
            for i in range(depth):
                value = value + args[-1] * norm1(p[per * i])
        return value

    loss.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
        [inspect.Parameter(n, inspect.Parameter.POSITIONAL_OR_KEYWORD)
         for n in names + ["X", "y"] + (["lam"] if penalty else [])])
    loss.__name__ = loss.__qualname__ = f"cnn{depth}_{activation}{'_bn' if bn else ''}"
    return function(loss)


def init_cnn(depth: int, in_channels: int, channels: int, classes: int, bn: bool, seed: int) -> dict:
    """He-normal filters, zero biases, unit scales."""
    rng = np.random.default_rng(seed)
    p, c = {}, in_channels
    for i in range(depth):
        p[f"K{i}"] = rng.normal(0, np.sqrt(2 / (9 * c)), (channels, c, 3, 3))
        p[f"b{i}"] = np.zeros(channels)
        if bn:
            p[f"g{i}"], p[f"s{i}"] = np.ones(channels), np.zeros(channels)
        c = channels
    p["V"] = rng.normal(0, np.sqrt(1 / channels), (channels, classes))
    p["c"] = np.zeros(classes)
    return p


def _images(images, labels):
    if images is None or labels is None:
        X, Y, X_test, test_labels = digits_split()
        return X.reshape(-1, 1, 8, 8), Y, X_test.reshape(-1, 1, 8, 8), test_labels
    X = np.asarray(images, dtype=np.float64)
    if X.ndim == 3:
        X = X[:, None]
    if X.ndim != 4:
        raise ValueError(f"images: expected (N, C, H, W) or (N, H, W), got shape {X.shape}")
    labels = np.asarray(labels).ravel()
    if labels.size != X.shape[0]:
        raise ValueError(f"labels: expected {X.shape[0]} labels, got {labels.size}")
    classes, index = np.unique(labels, return_inverse=True)
    return X, np.eye(classes.size)[index], None, None


@dataclass(repr=False)
class CNNDepthResult(Record):
    """What :func:`cnn_depth` returns.

    Attributes
    ----------
    depths : (d,).  seeds : (s,).  configs : list of (activation, batch norm) pairs.
    loss : dict (activation, bn) → (d, s) final training loss on all the data.
    kinks : dict (activation, bn) → (d, s) ReLU inputs exactly 0 over the run.

    Examples
    --------
    >>> from nonsmooth import lab
    >>> r = lab.cnn_depth(depths=(1,), activations=("relu",), batch_norm=(False,), channels=2, steps=5, seeds=(0,))
    >>> type(r).__name__
    'CNNDepthResult'
    """

    depths: np.ndarray
    seeds: np.ndarray
    configs: list
    loss: dict
    kinks: dict
    settings: dict = field(default_factory=dict)

    def summary(self) -> str:
        s = self.settings
        lines = [f"Kumar Fig. 2 on a digits CNN ({s['channels']} channels, {s['steps']} Adam steps, batch "
                 f"{s['batch_size']}, {self.seeds.size} seeds): final training loss, mean ± std",
                 f"  {'network':<16}" + "".join(f"{'depth ' + str(d):>20}" for d in self.depths)]
        for cfg in self.configs:
            m, sd = self.loss[cfg].mean(axis=1), self.loss[cfg].std(axis=1)
            label = cfg[0] + (" + BN" if cfg[1] else "")
            lines.append(f"  {label:<16}" + "".join(f"{a:>11.4f} ± {b:<6.4f}" for a, b in zip(m, sd)))
        lines.append("  (Kumar reports this comparison for CIFAR-10 CNNs; these are 8×8 digits, "
                     "not a reproduction of the paper's numbers)")
        return "\n".join(lines)

    def plot(self, out: str | Path | None = None, **kwargs):
        return plot_cnn_depth(self, out, **kwargs)


def cnn_depth(images=None, labels=None, *, depths: Sequence[int] | np.ndarray = (1, 2, 3),
              activations: Sequence[str] = ("relu", "gelu"), batch_norm: Sequence[bool] = (False, True),
              channels: int = 8, steps: int = 200, batch_size: int = 64, lr: float = 1e-2,
              seeds: Sequence[int] | np.ndarray = (0, 1, 2)) -> CNNDepthResult:
    """ReLU vs GELU CNNs, with and without batch norm, as depth grows (Kumar, Fig. 2), over seeds.

    Every configuration of a seed starts from the same filters (ReLU and GELU
    share the initialization) and sees the same minibatches; Adam, full
    training loss recorded at the end.

    Parameters
    ----------
    images, labels : array_like, optional
        Your own images (N, C, H, W) or (N, H, W) and integer labels; default the digits.
    depths, activations, batch_norm, seeds : sequences
    channels, steps, batch_size : int
    lr : float

    Returns
    -------
    CNNDepthResult

    Examples
    --------
    >>> from nonsmooth import lab
    >>> r = lab.cnn_depth(depths=(1,), activations=("relu",), batch_norm=(False,), channels=2, steps=5, seeds=(0,))
    >>> print(r.summary().splitlines()[0])
    Kumar Fig. 2 on a digits CNN (2 channels, 5 Adam steps, batch 64, 1 seeds): final training loss, mean ± std
    """
    X, Y, _, _ = _images(images, labels)
    depths, seeds = np.asarray(depths, dtype=int), np.asarray(seeds, dtype=int)
    configs = [(a, bool(b)) for b in batch_norm for a in activations]
    loss = {cfg: np.empty((depths.size, seeds.size)) for cfg in configs}
    kinks = {cfg: np.zeros((depths.size, seeds.size), dtype=np.int64) for cfg in configs}
    for i, depth in enumerate(depths):
        for act, bn in configs:
            fn = cnn_loss(int(depth), act, bn)
            for j, seed in enumerate(seeds):
                start = init_cnn(int(depth), X.shape[1], channels, Y.shape[1], bn, int(seed))
                res = train(fn, start, {"X": X, "y": Y}, optimizer=optimizer("adam", lr), steps=steps,
                            batch_size=min(batch_size, X.shape[0]), seed=int(seed), record_every=steps)
                loss[(act, bn)][i, j] = float(fn(*res.params.values(), X, Y))
                kinks[(act, bn)][i, j] = res.kinks.total
    return CNNDepthResult(depths=depths, seeds=seeds, configs=configs, loss=loss, kinks=kinks,
                          settings=dict(channels=channels, steps=steps, batch_size=batch_size, lr=lr))


def plot_cnn_depth(result: CNNDepthResult, out: str | Path | None = None, *,
                   figsize: tuple[float, float] = (12.0, 4.5)):
    """Final training loss against depth (mean ± std over seeds), without and with batch norm.

    Parameters
    ----------
    result : CNNDepthResult
    out : str or path, optional
        Write the figure there (PNG, PDF, SVG, ...).
    figsize : (float, float)
        Figure size in inches.

    Returns
    -------
    ndarray of matplotlib Axes
        The panels; the figure is ``axes[0].figure``.

    Examples
    --------
    >>> from nonsmooth import lab
    >>> r = lab.cnn_depth(depths=(1,), activations=("relu",), batch_norm=(False,), channels=2, steps=5, seeds=(0,))
    >>> axes = lab.plot_cnn_depth(r, "cnn_depth.png")
    >>> len(axes) >= 1
    True
    >>> import matplotlib.pyplot as plt; plt.close(axes[0].figure)
    """
    fig, axes = panels(2, figsize)
    r = result
    colors = {"relu": "#d62728", "gelu": "#1f77b4"}
    for ax, bn in zip(axes, (False, True)):
        for act, b in r.configs:
            if b != bn:
                continue
            m, sd = r.loss[(act, b)].mean(axis=1), r.loss[(act, b)].std(axis=1)
            ax.errorbar(r.depths, m, yerr=sd, fmt="o-", color=colors[act], capsize=3, label=act)
        ax.set(xlabel="depth (conv blocks)", ylabel="final training loss", yscale="log",
               title="with batch norm" if bn else "without batch norm")
    return finish(fig, out, "ReLU vs GELU CNNs on 8×8 digits as depth grows (after Kumar, Fig. 2)",
                  styled=axes, legends=axes)


@dataclass(repr=False)
class CNNPruningResult(Record):
    """What :func:`cnn_pruning` returns.

    Attributes
    ----------
    lams : (m,).  methods : the optimizers.  seeds : (s,).
    small_fraction : method → (m, s) fraction of filter weights with |w| < threshold.
    exact_zeros : method → (m, s) fraction exactly 0.  test_accuracy : method → (m, s) (NaN for user data).

    Examples
    --------
    >>> from nonsmooth import lab
    >>> r = lab.cnn_pruning(lams=(0.01,), methods=("sgd", "prox_sgd"), depth=1, channels=2, steps=5, seeds=(0,))
    >>> type(r).__name__
    'CNNPruningResult'
    """

    lams: np.ndarray
    methods: tuple
    seeds: np.ndarray
    small_fraction: dict
    exact_zeros: dict
    test_accuracy: dict
    settings: dict = field(default_factory=dict)

    def summary(self) -> str:
        s = self.settings
        lines = [f"Kumar Fig. 3 / Table 2 on a digits CNN (depth {s['depth']}, {s['channels']} channels, "
                 f"{s['steps']} steps): % of filter weights with |w| < {s['threshold']:g}, mean ± std over "
                 f"{self.seeds.size} seeds (exact zeros)",
                 f"  {'λ':>14}" + "".join(f"{lam:>24g}" for lam in self.lams)]
        for m in self.methods:
            cells = "".join(f"{100 * a.mean():>12.1f} ± {100 * a.std():<4.1f} ({100 * z.mean():3.0f}%)"
                            for a, z in zip(self.small_fraction[m], self.exact_zeros[m]))
            lines.append(f"  {METHOD_LABELS[m]:>14}" + cells)
        return "\n".join(lines)

    def plot(self, out: str | Path | None = None, **kwargs):
        return plot_cnn_pruning(self, out, **kwargs)


def cnn_pruning(images=None, labels=None, *, lams: Sequence[float] | np.ndarray = (1e-3, 1e-2),
                methods: Sequence[str] = ("sgd", "rmsprop", "adam", "prox_sgd"), depth: int = 2, channels: int = 8,
                lr_sgd: float = 0.1, lr_adaptive: float = 1e-2, steps: int = 300, batch_size: int = 64,
                threshold: float = 1e-5, seeds: Sequence[int] | np.ndarray = (0, 1)) -> CNNPruningResult:
    """Fraction of filter weights below 1e-5 with an ℓ1 penalty: SGD, RMSProp, Adam vs proximal SGD (Kumar, Fig. 3 / Table 2).

    Parameters
    ----------
    images, labels : array_like, optional
        Your own images and integer labels; default the digits (with a held-out test split).
    lams, methods, seeds : sequences
    depth, channels, steps, batch_size : int
    lr_sgd, lr_adaptive : float
        Steps of SGD / proximal SGD and of RMSProp / Adam.
    threshold : float, default 1e-5

    Returns
    -------
    CNNPruningResult

    Examples
    --------
    >>> from nonsmooth import lab
    >>> r = lab.cnn_pruning(lams=(0.01,), methods=("sgd", "prox_sgd"), depth=1, channels=2, steps=5, seeds=(0,))
    >>> print(r.summary().splitlines()[0])
    Kumar Fig. 3 / Table 2 on a digits CNN (depth 1, 2 channels, 5 steps): % of filter weights with |w| < 1e-05, mean ± std over 1 seeds (exact zeros)
    """
    methods = check_methods(methods)
    X, Y, X_test, test_labels = _images(images, labels)
    lams, seeds = np.asarray(lams, dtype=np.float64).ravel(), np.asarray(seeds, dtype=int)
    penalized, plain = cnn_loss(depth, "relu", penalty=True), cnn_loss(depth, "relu")
    filters = [f"K{i}" for i in range(depth)]
    shape = (lams.size, seeds.size)
    small, zeros, acc = ({m: np.empty(shape) for m in methods} for _ in range(3))
    for i, lam in enumerate(lams):
        for j, seed in enumerate(seeds):
            start = init_cnn(depth, X.shape[1], channels, Y.shape[1], False, int(seed))
            for m in methods:
                rate = lr_adaptive if m in ("rmsprop", "adam") else lr_sgd
                common = dict(optimizer=optimizer(m, rate), steps=steps, batch_size=min(batch_size, X.shape[0]),
                              seed=int(seed), record_every=steps)
                if m == "prox_sgd":
                    res = train(plain, start, {"X": X, "y": Y}, prox={k: _prox.L1(lam) for k in filters}, **common)
                else:
                    res = train(penalized, start, {"X": X, "y": Y}, fixed={"lam": np.array(lam)}, **common)
                w = np.concatenate([res.params[k].ravel() for k in filters])
                small[m][i, j] = np.mean(np.abs(w) < threshold)
                zeros[m][i, j] = np.mean(w == 0)
                if X_test is None:
                    acc[m][i, j] = np.nan
                else:
                    logits = _logits(res.params, X_test, depth)
                    acc[m][i, j] = np.mean(logits.argmax(axis=1) == test_labels)
    return CNNPruningResult(lams=lams, methods=methods, seeds=seeds, small_fraction=small, exact_zeros=zeros,
                            test_accuracy=acc, settings=dict(depth=depth, channels=channels, steps=steps,
                                                             threshold=threshold, batch_size=batch_size))


def _logits(params, X, depth):
    h = X
    for i in range(depth):
        h = relu(conv2d(h, params[f"K{i}"], params[f"b{i}"], padding=1))
    return np.asarray(h).mean(axis=(2, 3)) @ params["V"] + params["c"]


def plot_cnn_pruning(result: CNNPruningResult, out: str | Path | None = None, *,
                     figsize: tuple[float, float] = (12.0, 4.5)):
    """% of filter weights below the threshold (left) and exactly zero (right) against λ, per method.

    Parameters
    ----------
    result : CNNPruningResult
    out : str or path, optional
        Write the figure there (PNG, PDF, SVG, ...).
    figsize : (float, float)
        Figure size in inches.

    Returns
    -------
    ndarray of matplotlib Axes
        The panels; the figure is ``axes[0].figure``.

    Examples
    --------
    >>> from nonsmooth import lab
    >>> r = lab.cnn_pruning(lams=(0.01,), methods=("sgd", "prox_sgd"), depth=1, channels=2, steps=5, seeds=(0,))
    >>> axes = lab.plot_cnn_pruning(r, "cnn_pruning.png")
    >>> len(axes) >= 1
    True
    >>> import matplotlib.pyplot as plt; plt.close(axes[0].figure)
    """
    fig, (a, b) = panels(2, figsize)
    r = result
    for m in r.methods:
        for ax, values in ((a, r.small_fraction[m]), (b, r.exact_zeros[m])):
            ax.errorbar(r.lams, 100 * values.mean(axis=1), yerr=100 * values.std(axis=1), fmt="o-",
                        color=METHOD_COLORS[m], capsize=3, label=METHOD_LABELS[m])
    a.set(xscale="log", xlabel="λ", ylabel=f"% of |w| < {r.settings['threshold']:g}", title="(a) small weights")
    b.set(xscale="log", xlabel="λ", ylabel="% exactly 0", title="(b) exact zeros")
    return finish(fig, out, "ℓ1-penalized digits CNN: gradient methods vs proximal SGD (after Kumar, Fig. 3 / Table 2)",
                  styled=(a, b), legends=(a, b))
