"""Multilayer perceptrons as traced losses (experiments 5 and 6): one
argument per weight matrix and bias, so :func:`nonsmooth.train` can put a
proximal operator on each weight matrix."""
from __future__ import annotations

import inspect
from typing import Callable

import numpy as np

from ..autodiff import function, gelu, leaky_relu, mean, norm1, relu, softmax_cross_entropy, softplus, tanh
from ..autodiff import Function

ACTIVATIONS: dict[str, Callable] = {"relu": relu, "gelu": gelu, "softplus": softplus, "tanh": tanh,
                                    "leaky_relu": leaky_relu}
#: the kink of each activation, for labels
SMOOTH = {"relu": False, "leaky_relu": False, "gelu": True, "softplus": True, "tanh": True}


def parameter_names(n_hidden: int) -> list[str]:
    """W0, b0, …, W{n_hidden}, b{n_hidden} (the last pair is the output layer)."""
    return [name for i in range(n_hidden + 1) for name in (f"W{i}", f"b{i}")]


def mlp_loss(n_hidden: int, activation: str = "relu", *, head: str = "mse", penalty: bool = False) -> Function:
    """A traced loss ``f(W0, b0, …, X, y[, lam])`` of an MLP with ``n_hidden`` hidden layers.

    ``head="mse"``: mean((net(X) − y)²) with y of shape (N, 1);
    ``head="cross_entropy"``: mean softmax cross-entropy against one-hot y.
    ``penalty=True`` adds lam·Σᵢ‖Wᵢ‖₁ (weights only, not biases).
    """
    if activation not in ACTIVATIONS:
        raise ValueError(f"activation: must be one of {', '.join(ACTIVATIONS)}, got {activation!r}")
    if head not in ("mse", "cross_entropy"):
        raise ValueError(f"head: must be 'mse' or 'cross_entropy', got {head!r}")
    act = ACTIVATIONS[activation]
    names = parameter_names(n_hidden) + ["X", "y"] + (["lam"] if penalty else [])
    n_params = 2 * (n_hidden + 1)

    def loss(*args):
        params, (X, y) = args[:n_params], args[n_params:n_params + 2]
        h = X
        for i in range(n_hidden + 1):
            h = h @ params[2 * i] + params[2 * i + 1]
            if i < n_hidden:
                h = act(h)
        value = mean((h - y) ** 2) if head == "mse" else mean(softmax_cross_entropy(h, y))
        if penalty:
            lam = args[n_params + 2]
            for i in range(n_hidden + 1):
                value = value + lam * norm1(params[2 * i])
        return value

    loss.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
        [inspect.Parameter(n, inspect.Parameter.POSITIONAL_OR_KEYWORD) for n in names])
    loss.__name__ = loss.__qualname__ = f"mlp{n_hidden}_{activation}_{head}"
    return function(loss)


def init_mlp(sizes: list[int], seed: int = 0) -> dict[str, np.ndarray]:
    """He-normal weights N(0, 2/fan_in) and zero biases for layer sizes
    [inputs, hidden…, outputs] (He et al., ICCV 2015)."""
    rng = np.random.default_rng(seed)
    params = {}
    for i, (m, n) in enumerate(zip(sizes[:-1], sizes[1:])):
        params[f"W{i}"] = rng.normal(0.0, np.sqrt(2.0 / m), (m, n))
        params[f"b{i}"] = np.zeros(n)
    return params


def forward(params: dict[str, np.ndarray], X: np.ndarray, n_hidden: int, activation: str = "relu") -> np.ndarray:
    """The network's output on X, evaluated by the traced program (no NumPy re-implementation)."""
    names = parameter_names(n_hidden)

    def net(*args):
        h = args[-1]
        for i in range(n_hidden + 1):
            h = h @ args[2 * i] + args[2 * i + 1]
            if i < n_hidden:
                h = ACTIVATIONS[activation](h)
        return h

    net.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
        [inspect.Parameter(n, inspect.Parameter.POSITIONAL_OR_KEYWORD) for n in names + ["X"]])
    return np.asarray(function(net)(*[params[n] for n in names], X))
