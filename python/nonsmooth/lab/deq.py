"""An implicit layer: a deep-equilibrium block z = relu(Wz + Ux + b) trained end to end.

The layer's output is the fixed point z*(x; W, U, b) of T(z) = relu(Wz + Ux + b)
(Bai, Kolter & Koltun, "Deep equilibrium models", NeurIPS 2019; El Ghaoui et
al., "Implicit deep learning", SIAM J. Math. Data Sci. 2021). With ‖W‖₂ < 1, T
is a contraction (relu is 1-Lipschitz), so the fixed point is unique and the
forward pass is plain fixed-point iteration. The backward pass never unrolls
it: :func:`nonsmooth.implicit.implicit_vjp` solves (I − ∂_zT)ᵀu = z̄ at z* and
returns −∂_θTᵀ… the conservative gradient of the solution map (Bolte, Le,
Pauwels & Silveti-Falls, NeurIPS 2021), relu'(0) following the kink policy.
Training keeps ‖W‖₂ ≤ ``radius`` < 1 by rescaling W after each step.

Recipe (what :func:`deq` runs)::

    T = ns.function(lambda Z, W, U, b, X: ns.relu(Z @ W.T + X @ U.T + b))
    Z = fixed_point(T, ...)                                   # forward
    loss, (gV, gc, gZ) = head.value_and_grad(V, c, Z, Y)      # the readout
    gW, gU, gb = implicit_vjp(T, Z, W, U, b, X, cotangent=gZ, wrt=(0, 1, 2), fixed_point=True).value
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import cast

import numpy as np

from ..autodiff import function, mean, relu, softmax_cross_entropy
from ..implicit import implicit_vjp
from ..optim import Adam
from ._common import Record, finish, panels
from .pruning import digits_split


@function
def _block(Z, W, U, b, X):
    return relu(Z @ W.T + X @ U.T + b)


@function
def _head(V, c, Z, Y):
    return mean(softmax_cross_entropy(Z @ V + c, Y))


def equilibrium(W, U, b, X, *, tol: float = 1e-12, max_iter: int = 10_000, Z0=None):
    """The fixed point Z = relu(Z Wᵀ + X Uᵀ + b) by iteration, and the number of iterations.

    Converges linearly at rate ‖W‖₂ when ‖W‖₂ < 1; stops when ‖Z_{k+1} − Z_k‖∞ ≤ tol.

    Parameters
    ----------
    W, U, b : arrays
        The layer z = relu(Wz + Ux + b).
    X : array
        The inputs, one per row.
    tol : float, default=1e-12
    max_iter : int, default=10000
    Z0 : array, optional
        The starting point.

    Returns
    -------
    Z : ndarray
    iterations : int

    Examples
    --------
    >>> from nonsmooth import lab
    >>> W, U, b = 0.5 * np.eye(2), np.eye(2), np.zeros(2)
    >>> Z, iterations = lab.equilibrium(W, U, b, np.array([[1.0, -1.0]]))
    >>> Z.round(6)                                # z = relu(z/2 + x): z = 2·relu(x)
    array([[2., 0.]])
    """
    Z = np.zeros((X.shape[0], W.shape[0])) if Z0 is None else np.array(Z0, dtype=np.float64)
    inject = X @ U.T + b
    for k in range(1, max_iter + 1):
        new = np.maximum(Z @ W.T + inject, 0.0)
        if np.max(np.abs(new - Z), initial=0.0) <= tol:
            return new, k
        Z = new
    return Z, max_iter


def deq_loss_and_grads(params: dict, X: np.ndarray, Y: np.ndarray, *, tol: float = 1e-12):
    """(loss, grads, forward iterations): the readout loss at the equilibrium and its
    gradient in every parameter, by implicit differentiation of the fixed point."""
    W, U, b, V, c = (params[k] for k in ("W", "U", "b", "V", "c"))
    Z, iterations = equilibrium(W, U, b, X, tol=tol)
    loss, (gV, gc, gZ), _ = _head.value_and_grad(V, c, Z, Y, wrt=(0, 1, 2))
    res = implicit_vjp(_block, Z, W, U, b, X, cotangent=gZ, wrt=(0, 1, 2), fixed_point=True, tol=1e-12)
    gW, gU, gb = cast(tuple, res.value)  # a tuple for a tuple wrt
    return float(loss), {"W": gW, "U": gU, "b": gb, "V": gV, "c": gc}, iterations


@dataclass(repr=False)
class DEQResult(Record):
    """What :func:`deq` returns.

    Attributes
    ----------
    params : the trained parameters (W, U, b of the block, V, c of the readout).
    loss : (steps + 1,) training loss.  iterations : (steps + 1,) forward fixed-point iterations.
    spectral_norm : (steps + 1,) ‖W‖₂.  train_accuracy, test_accuracy : final accuracies.

    Examples
    --------
    >>> from nonsmooth import lab
    >>> r = lab.deq(hidden=4, n_train=40, steps=3)
    >>> type(r).__name__
    'DEQResult'
    """

    params: dict
    loss: np.ndarray
    iterations: np.ndarray
    spectral_norm: np.ndarray
    train_accuracy: float
    test_accuracy: float
    settings: dict = field(default_factory=dict)

    def summary(self) -> str:
        s = self.settings
        return "\n".join([
            f"Deep-equilibrium block z = relu(Wz + Ux + b), {s['hidden']} units, on {s['n_train']} digits, "
            f"{self.loss.size - 1} Adam steps (implicit gradients)",
            f"  loss {self.loss[0]:.4g} → {self.loss[-1]:.4g}; ‖W‖₂ ≤ {s['radius']:g} (max {self.spectral_norm.max():.4g}); "
            f"forward iterations {int(self.iterations[0])} → {int(self.iterations[-1])}",
            f"  accuracy: train {self.train_accuracy:.3f}, test {self.test_accuracy:.3f}",
        ])

    def plot(self, out: str | Path | None = None, **kwargs):
        return plot_deq(self, out, **kwargs)

    def predict(self, X) -> np.ndarray:
        """Class predictions of the trained model."""
        p = self.params
        Z, _ = equilibrium(p["W"], p["U"], p["b"], np.asarray(X, dtype=np.float64))
        return np.argmax(Z @ p["V"] + p["c"], axis=1)


def deq(X=None, Y=None, *, hidden: int = 16, n_train: int = 300, steps: int = 60, lr: float = 0.05,
        radius: float = 0.9, seed: int = 0) -> DEQResult:
    """A deep-equilibrium layer z = relu(Wz + Ux + b) trained with implicit differentiation.

    Parameters
    ----------
    X, Y : array_like, optional
        Inputs (n, d) and one-hot targets (n, classes); default the first
        ``n_train`` training digits of :func:`digits_split` (tested on its test split).
    hidden : int, default 16
    n_train : int, default 300
    steps : int, default 60
        Full-batch Adam steps on all parameters.
    lr : float, default 0.05
    radius : float, default 0.9
        W is rescaled to ‖W‖₂ ≤ radius after each step (a contraction).
    seed : int

    Returns
    -------
    DEQResult

    Examples
    --------
    >>> from nonsmooth import lab
    >>> r = lab.deq(hidden=4, n_train=40, steps=3)
    >>> print(r.summary().splitlines()[0])
    Deep-equilibrium block z = relu(Wz + Ux + b), 4 units, on 40 digits, 3 Adam steps (implicit gradients)
    """
    if not 0 < radius < 1:
        raise ValueError(f"radius: must lie in (0, 1) for the block to be a contraction, got {radius}")
    X_test = labels_test = None
    if X is None or Y is None:
        X, Y, X_test, labels_test = digits_split(seed=seed)
        X, Y = X[:n_train], Y[:n_train]
    X, Y = np.ascontiguousarray(X, dtype=np.float64), np.ascontiguousarray(Y, dtype=np.float64)
    rng = np.random.default_rng(seed)
    d, k = X.shape[1], Y.shape[1]
    W = rng.normal(size=(hidden, hidden)) / np.sqrt(hidden)
    params = {"W": W * min(1.0, 0.5 / np.linalg.norm(W, 2)), "U": rng.normal(size=(hidden, d)) / np.sqrt(d),
              "b": np.zeros(hidden), "V": rng.normal(size=(hidden, k)) / np.sqrt(hidden), "c": np.zeros(k)}
    opt = Adam(lr)
    losses, iters, norms = [], [], []
    for step in range(steps + 1):
        loss, grads, it = deq_loss_and_grads(params, X, Y)
        losses.append(loss)
        iters.append(it)
        norms.append(np.linalg.norm(params["W"], 2))
        if step == steps:
            break
        opt.step(params, grads)
        scale = np.linalg.norm(params["W"], 2)
        if scale > radius:
            params["W"] *= radius / scale
    result = DEQResult(params=params, loss=np.array(losses), iterations=np.array(iters), spectral_norm=np.array(norms),
                       train_accuracy=0.0, test_accuracy=float("nan"),
                       settings=dict(hidden=hidden, n_train=X.shape[0], lr=lr, radius=radius, seed=seed))
    result.train_accuracy = float(np.mean(result.predict(X) == np.argmax(Y, axis=1)))
    if X_test is not None:
        result.test_accuracy = float(np.mean(result.predict(X_test) == labels_test))
    return result


def plot_deq(result: DEQResult, out: str | Path | None = None, *, figsize: tuple[float, float] = (12.0, 4.5)):
    """Two panels: the training loss, and the forward iterations with ‖W‖₂.

    Parameters
    ----------
    result : DEQResult
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
    >>> r = lab.deq(hidden=4, n_train=40, steps=3)
    >>> axes = lab.plot_deq(r, "deq.png")
    >>> len(axes) >= 1
    True
    >>> import matplotlib.pyplot as plt; plt.close(axes[0].figure)
    """
    fig, (a, b) = panels(2, figsize)
    r = result
    a.plot(r.loss, color="#1f77b4", lw=1.4)
    a.set(xlabel="Adam step", ylabel="training loss", title="(a) loss (implicit gradients)")
    b.plot(r.iterations, color="#2ca02c", lw=1.4, label="fixed-point iterations")
    b2 = b.twinx()
    b2.plot(r.spectral_norm, color="#d62728", lw=1.2, label="‖W‖₂")
    b.set(xlabel="Adam step", ylabel="forward iterations", title="(b) forward cost and ‖W‖₂")
    b2.set_ylabel("‖W‖₂")
    return finish(fig, out, f"Deep-equilibrium block: train {r.train_accuracy:.2f}, test {r.test_accuracy:.2f}", styled=(a, b))
