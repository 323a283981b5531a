"""Pruning by every method on the same network and data: one sparsity–accuracy figure, one table.

The digits MLP 64-h-10 of :func:`~nonsmooth.lab.pruning`, the same
initialization and minibatches, pruned by

- ``l1``: proximal SGD with λ‖W‖₁ (soft thresholding: exact zeros);
- ``group``: proximal SGD with the group Lasso λΣⱼ√64‖W0[:, j]‖₂ over the
  incoming weights of each hidden neuron (Yuan & Lin 2006): whole neurons
  removed (their outgoing row is then dead as well and counted as pruned);
- ``imp``: iterative magnitude pruning with rewinding (Frankle & Carbin, "The
  lottery ticket hypothesis", ICLR 2019): train, remove the ``rate`` smallest
  surviving weights (globally), rewind the survivors to their initial values,
  retrain with the mask; after k rounds the sparsity is exactly 1 − (1 − rate)ᵏ;
- ``l0``: hard-concrete gates (Louizos, Welling & Kingma, "Learning sparse
  neural networks through L0 regularization", ICLR 2018): W ⊙ z with
  z = min(1, max(0, σ((log u − log(1 − u) + log α)/β)(ζ − γ) + γ)), u ~ U(0, 1)
  redrawn by the native training loop at every step (``noise=`` of
  :func:`nonsmooth.train`), penalty λΣσ(log α − β log(−γ/ζ)) (the expected
  number of nonzero gates); at test time the gate is
  min(1, max(0, σ(log α)(ζ − γ) + γ)), exactly 0 where σ(log α) ≤ −γ/(ζ − γ).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from .. import prox as _prox
from ..autodiff import clip, function, log, mean, relu, sigmoid, softmax_cross_entropy, sum as _sum
from ..optim import SGD, Adam
from ..training import train
from ._common import Record, finish, panels
from .pruning import digits_split

METHODS = ("l1", "group", "imp", "l0")
LABELS = {"l1": "ℓ1, proximal SGD", "group": "group Lasso on neurons", "imp": "iterative magnitude pruning",
          "l0": "hard-concrete ℓ0 gates"}
COLORS = {"l1": "#111111", "group": "#1f77b4", "imp": "#d62728", "l0": "#2ca02c"}
#: Hard-concrete constants of Louizos et al. (2018): temperature β, stretch interval (γ, ζ).
BETA, GAMMA, ZETA = 2.0 / 3.0, -0.1, 1.1


@function
def _plain(W0, b0, W1, b1, X, y):
    return mean(softmax_cross_entropy(relu(X @ W0 + b0) @ W1 + b1, y))


@function
def _masked(W0, b0, W1, b1, X, y, M0, M1):
    return mean(softmax_cross_entropy(relu(X @ (W0 * M0) + b0) @ (W1 * M1) + b1, y))


def _gate(log_alpha, u):
    u = 1e-6 + (1 - 2e-6) * u          # keeps log finite at u = 0
    s = sigmoid((log(u) - log(1 - u) + log_alpha) / BETA)
    return clip(s * (ZETA - GAMMA) + GAMMA, 0.0, 1.0)


@function
def _gated(W0, b0, W1, b1, A0, A1, X, y, lam, u0, u1):
    net = relu(X @ (W0 * _gate(A0, u0)) + b0) @ (W1 * _gate(A1, u1)) + b1
    shift = BETA * np.log(-GAMMA / ZETA)
    expected_l0 = _sum(sigmoid(A0 - shift)) + _sum(sigmoid(A1 - shift))
    return mean(softmax_cross_entropy(net, y)) + lam * expected_l0


def hard_concrete_gates(log_alpha: np.ndarray) -> np.ndarray:
    """The hard-concrete gates at test time: min(1, max(0, σ(log α)(ζ − γ) + γ)).

    Louizos, Welling & Kingma, "Learning sparse neural networks through L0
    regularization", ICLR 2018: after training, each weight is multiplied by
    this deterministic gate (the stretched sigmoid clipped to [0, 1], with the
    stretch γ = −0.1, ζ = 1.1 used in training), so a gate is exactly 0 iff
    log α ≤ log(−γ/ζ) and exactly 1 iff log α ≥ log((1 − γ)/(ζ − 1)).

    Parameters
    ----------
    log_alpha : ndarray
        The gates' location parameters log α (any shape).

    Returns
    -------
    ndarray
        The gates, of the shape of ``log_alpha``, in [0, 1].

    Examples
    --------
    >>> from nonsmooth import lab
    >>> lab.hard_concrete_gates(np.array([-10.0, 0.0, 10.0]))
    array([0. , 0.5, 1. ])
    """
    return np.clip(1 / (1 + np.exp(-log_alpha)) * (ZETA - GAMMA) + GAMMA, 0.0, 1.0)


@dataclass(repr=False)
class PruningMethodsResult(Record):
    """What :func:`pruning_methods` returns.

    Attributes
    ----------
    methods : the methods run.  strengths : method → (m,) λ, or rounds for ``imp``.
    sparsity : method → (m,) fraction of weights (W0, W1) that are exactly 0 in the
        network used for prediction (dead neurons' outgoing rows included for ``group``).
    test_accuracy : method → (m,) accuracy on the held-out digits.
    neurons : method → (m,) hidden neurons with a nonzero incoming weight.
    dense_accuracy : accuracy of the unpruned network.  weights : method → list of (W0, W1) as used.

    Examples
    --------
    >>> from nonsmooth import lab
    >>> r = lab.pruning_methods(methods=("l1",), hidden=8, lams_l1=(0.01,), steps=40)
    >>> type(r).__name__
    'PruningMethodsResult'
    """

    methods: tuple
    strengths: dict
    sparsity: dict
    test_accuracy: dict
    neurons: dict
    dense_accuracy: float
    weights: dict
    settings: dict = field(default_factory=dict)

    def table(self) -> str:
        lines = [f"  {'method':<28} {'λ / rounds':>11} {'sparsity':>9} {'neurons':>8} {'test acc.':>10}"]
        for m in self.methods:
            for s, sp, nn, acc in zip(self.strengths[m], self.sparsity[m], self.neurons[m], self.test_accuracy[m]):
                lines.append(f"  {LABELS[m]:<28} {s:>11g} {100 * sp:8.1f}% {int(nn):>8} {100 * acc:9.1f}%")
        return "\n".join(lines)

    def summary(self) -> str:
        s = self.settings
        return (f"Pruning a digits MLP 64-{s['hidden']}-10 by every method ({s['steps']} steps per run, batch "
                f"{s['batch_size']}); dense test accuracy {100 * self.dense_accuracy:.1f}%\n" + self.table())

    def plot(self, out: str | Path | None = None, **kwargs):
        return plot_pruning_methods(self, out, **kwargs)


def pruning_methods(*, methods: Sequence[str] = METHODS, hidden: int = 32, lams_l1: tuple = (1e-3, 3e-3, 1e-2),
                    lams_group: tuple = (3e-3, 1e-2, 3e-2), rounds: int = 3, rate: float = 0.5,
                    lams_l0: tuple = (1e-4, 1e-3, 3e-3), lr: float = 0.1, lr_l0: float = 0.01, steps: int = 600,
                    batch_size: int = 64, seed: int = 0) -> PruningMethodsResult:
    """Prune the same digits MLP by ℓ1, group Lasso, iterative magnitude pruning and ℓ0 gates.

    Parameters
    ----------
    methods : subset of ("l1", "group", "imp", "l0")
    hidden : int, default 32
    lams_l1, lams_group, lams_l0 : tuple of float
        Penalty strengths of each sweep.
    rounds : int, default 3
        Iterative magnitude pruning rounds (one point each).
    rate : float, default 0.5
        Fraction of the surviving weights removed at each round.
    lr : float, default 0.1
        SGD step of the proximal and IMP runs.
    lr_l0 : float, default 0.01
        Adam step of the gated runs (weights and log α).
    steps, batch_size, seed : int

    Returns
    -------
    PruningMethodsResult

    Examples
    --------
    >>> from nonsmooth import lab
    >>> r = lab.pruning_methods(methods=("l1",), hidden=8, lams_l1=(0.01,), steps=40)
    >>> print(r.summary().splitlines()[0])
    Pruning a digits MLP 64-8-10 by every method (40 steps per run, batch 64); dense test accuracy 35.2%
    """
    methods = tuple(methods)
    for m in methods:
        if m not in METHODS:
            raise ValueError(f"methods: {m!r} is not one of {', '.join(METHODS)}")
    if not 0 < rate < 1:
        raise ValueError(f"rate: must lie in (0, 1), got {rate}")
    X, Y, X_test, labels = digits_split(seed=seed)
    rng = np.random.default_rng(seed)
    d, k = X.shape[1], Y.shape[1]
    init = {"W0": rng.normal(0, np.sqrt(2 / d), (d, hidden)), "b0": np.zeros(hidden),
            "W1": rng.normal(0, np.sqrt(2 / hidden), (hidden, k)), "b1": np.zeros(k)}
    common: dict[str, Any] = dict(steps=steps, batch_size=batch_size, seed=seed, record_every=steps)

    def accuracy(W0, b0, W1, b1):
        return float(np.mean((np.maximum(X_test @ W0 + b0, 0) @ W1 + b1).argmax(axis=1) == labels))

    def record(m, strength, W0, b0, W1, b1):
        alive = np.any(W0 != 0, axis=0)
        used = (W0, W1 * alive[:, None]) if m == "group" else (W0, W1)
        out["strengths"][m].append(strength)
        out["sparsity"][m].append(sum(np.count_nonzero(w == 0) for w in used) / (W0.size + W1.size))
        out["neurons"][m].append(int(alive.sum()))
        out["test_accuracy"][m].append(accuracy(used[0], b0, used[1], b1))
        out["weights"][m].append(used)

    out: dict[str, dict[str, list]] = {key: {m: [] for m in methods} for key in ("strengths", "sparsity", "neurons", "test_accuracy", "weights")}
    dense = train(_plain, init, {"X": X, "y": Y}, optimizer=SGD(lr), **common).params
    dense_accuracy = accuracy(dense["W0"], dense["b0"], dense["W1"], dense["b1"])
    neuron_groups = np.tile(np.arange(hidden), d)          # W0 is (d, hidden), row-major: column j is neuron j
    for m in methods:
        if m in ("l1", "group"):
            for lam in (lams_l1 if m == "l1" else lams_group):
                ops = ({"W0": _prox.L1(lam), "W1": _prox.L1(lam)} if m == "l1"
                       else {"W0": _prox.GroupL2(lam, groups=neuron_groups)})
                p = train(_plain, init, {"X": X, "y": Y}, optimizer=SGD(lr), prox=ops, **common).params
                record(m, lam, p["W0"], p["b0"], p["W1"], p["b1"])
        elif m == "imp":
            masks = {"M0": np.ones_like(init["W0"]), "M1": np.ones_like(init["W1"])}
            p = dense
            for r in range(1, rounds + 1):
                # Remove the `rate` smallest surviving weights, globally (Frankle & Carbin 2019).
                alive = np.concatenate([np.abs(p[w])[masks[m_].astype(bool)] for w, m_ in (("W0", "M0"), ("W1", "M1"))])
                target = int(round((1 - (1 - rate) ** r) * (init["W0"].size + init["W1"].size)))
                drop = target - sum(int(np.count_nonzero(masks[m_] == 0)) for m_ in masks)
                cut = np.sort(alive)[drop - 1] if drop > 0 else -np.inf
                for w, m_ in (("W0", "M0"), ("W1", "M1")):
                    masks[m_] = masks[m_] * (np.abs(p[w]) > cut)
                # Rewind the survivors to their initial values and retrain with the mask.
                p = train(_masked, init, {"X": X, "y": Y}, fixed=dict(masks), optimizer=SGD(lr), **common).params
                record(m, r, p["W0"] * masks["M0"], p["b0"], p["W1"] * masks["M1"], p["b1"])
        else:
            start = dict(init, A0=np.full(init["W0"].shape, 1.0), A1=np.full(init["W1"].shape, 1.0))
            for lam in lams_l0:
                p = train(_gated, start, {"X": X, "y": Y}, fixed={"lam": np.array(lam)},
                          noise={"u0": ("uniform", init["W0"].shape), "u1": ("uniform", init["W1"].shape)},
                          optimizer=Adam(lr_l0), **common).params
                record(m, lam, p["W0"] * hard_concrete_gates(p["A0"]), p["b0"], p["W1"] * hard_concrete_gates(p["A1"]), p["b1"])
    arrays = {key: {m: (v if key == "weights" else np.asarray(v)) for m, v in d_.items()} for key, d_ in out.items()}
    return PruningMethodsResult(methods=methods, dense_accuracy=dense_accuracy,
                                settings=dict(hidden=hidden, steps=steps, batch_size=batch_size, rate=rate, seed=seed,
                                              lr=lr, lr_l0=lr_l0), **arrays)


def plot_pruning_methods(result: PruningMethodsResult, out: str | Path | None = None, *,
                         figsize: tuple[float, float] = (12.0, 4.8)):
    """Test accuracy against sparsity, one curve per method (left), and the
    hidden neurons kept against sparsity (right).

    Parameters
    ----------
    result : PruningMethodsResult
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
    >>> r = lab.pruning_methods(methods=("l1",), hidden=8, lams_l1=(0.01,), steps=40)
    >>> axes = lab.plot_pruning_methods(r, "pm.png")
    >>> len(axes) >= 1
    True
    >>> import matplotlib.pyplot as plt; plt.close(axes[0].figure)
    """
    fig, (a, b) = panels(2, figsize)
    r = result
    for m in r.methods:
        order = np.argsort(r.sparsity[m])
        a.plot(100 * r.sparsity[m][order], 100 * r.test_accuracy[m][order], "o-", color=COLORS[m], label=LABELS[m])
        b.plot(100 * r.sparsity[m][order], r.neurons[m][order], "o-", color=COLORS[m], label=LABELS[m])
    a.axhline(100 * r.dense_accuracy, color="gray", ls="--", lw=0.9, label="dense")
    a.set(xlabel="% of weights exactly 0", ylabel="test accuracy (%)", title="(a) sparsity–accuracy")
    b.set(xlabel="% of weights exactly 0", ylabel="hidden neurons kept", title="(b) structure: neurons kept")
    return finish(fig, out, f"Pruning a digits MLP 64-{r.settings['hidden']}-10 by every method", styled=(a, b), legends=(a, b))
