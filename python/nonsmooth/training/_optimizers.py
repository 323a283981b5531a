"""First-order optimizers usable step by step from Python; :func:`nonsmooth.train`
runs the very same native update rules in its loop."""
from __future__ import annotations

import numpy as np

from .. import _native
from .._validation import as_float_array, as_scalar
from ._schedules import OneMinus, Schedule, as_schedule


class Optimizer:
    """An update rule w ← U(w, g; α_k) with its state (moments, accumulators).

    ``opt.step(params, grads)`` updates ``params`` in place: one float64 array,
    or a dict / list / tuple of them with ``grads`` of the same structure (each
    array keeps its own state; the step counter k of the schedule is shared).
    ``reset()`` forgets the state and the step counter. The native code is the
    one :func:`nonsmooth.train` runs, so a Python loop of ``step`` over exact
    gradients reproduces a full-batch ``train`` bit for bit.

    The object is also the optimizer configuration of :func:`nonsmooth.train`,
    which always starts from a fresh state and leaves this object's untouched.

    Parameters
    ----------
    lr : float or Schedule
        The step size α_k (a float is a constant schedule).

    Examples
    --------
    Every optimizer of :mod:`nonsmooth.optim` is one:

    >>> opt = ns.SGD(0.1)
    >>> isinstance(opt, ns.optim.Optimizer), opt.rate()
    (True, 0.1)
    >>> params = {"w": np.ones(2), "b": np.zeros(1)}
    >>> opt.step(params, {"w": np.array([1.0, -1.0]), "b": np.array([2.0])})
    >>> params
    {'w': array([0.9, 1.1]), 'b': array([-0.2])}
    """

    kind = ""

    def __init__(self, lr):
        self.lr: Schedule = as_schedule(lr)
        self._handles: dict = {}
        self.steps = 0
        self._native_handle()  # the native validation names a bad hyperparameter

    def _hyperparameters(self) -> tuple:
        return ()

    def _native_handle(self):
        return _native.optimizer_create(self.kind, self._hyperparameters())

    def rate(self, k: int | None = None) -> float:
        """The step size of step k (default: the next step)."""
        return self.lr(self.steps if k is None else k)

    def step(self, params, grads) -> None:
        """One update of ``params`` in place from ``grads`` (see the class docstring)."""
        if isinstance(params, dict):
            if not isinstance(grads, dict) or set(grads) != set(params):
                raise ValueError(f"grads: expected a dict with the keys of params {sorted(params)}")
            pairs = [(key, params[key], grads[key]) for key in params]
        elif isinstance(params, (list, tuple)):
            if not isinstance(grads, (list, tuple)) or len(grads) != len(params):
                raise ValueError(f"grads: expected a sequence of {len(params)} arrays like params")
            pairs = [(i, p, g) for i, (p, g) in enumerate(zip(params, grads))]
        else:
            pairs = [(None, params, grads)]
        checked = []
        for key, p, g in pairs:
            label = "params" if key is None else f"params[{key!r}]"
            if (not isinstance(p, np.ndarray) or p.dtype != np.float64 or not p.flags.c_contiguous
                    or not p.flags.writeable):
                raise TypeError(f"{label}: must be a writeable C-contiguous float64 NumPy array (updated in place)")
            g = as_float_array(g, label.replace("params", "grads"), allow_empty=True)
            if g.shape != p.shape:
                raise ValueError(f"{label.replace('params', 'grads')}: has shape {g.shape}, params has {p.shape}")
            checked.append((key, p, np.ascontiguousarray(g)))
        rate = self.rate()
        for key, p, g in checked:
            handle = self._handles.get(key)
            if handle is None:
                handle = self._handles[key] = self._native_handle()
            _native.optimizer_step(handle, p, g, rate)
        self.steps += 1

    def reset(self) -> None:
        """Forget the state: the next step is a first step again."""
        self._handles.clear()
        self.steps = 0

    def _fresh(self) -> "Optimizer":
        """A copy with the same configuration and no state (step counter 0)."""
        fresh = object.__new__(type(self))
        fresh.__dict__.update(self.__dict__, _handles={}, steps=0)
        return fresh

    def __getstate__(self):
        """The configuration, the step counter and the native state (moments,
        accumulators) of every parameter array, as NumPy arrays: a copy or an
        unpickled optimizer continues exactly where this one is."""
        state = self.__dict__.copy()
        state["_handles"] = {key: _native.optimizer_get_state(h) for key, h in self._handles.items()}
        return state

    def __setstate__(self, state):
        saved = state.pop("_handles", {})
        self.__dict__.update(state)
        self._handles = {}
        for key, numbers in saved.items():
            handle = self._handles[key] = self._native_handle()
            _native.optimizer_set_state(handle, numbers)

    def __repr__(self) -> str:
        extra = "".join(f", {k}={v!r}" for k, v in self._repr_params().items())
        lr = self.lr.parameters[0] if self.lr.kind == "constant" else self.lr
        return f"{type(self).__name__}({lr!r}{extra})"

    def _repr_params(self) -> dict:
        return {}


class SGD(Optimizer):
    """(Sub)gradient step: w ← w − α_k g.

    With a :func:`~nonsmooth.optim.diminishing` schedule and
    ``averaging="step_weighted"`` in :func:`nonsmooth.train` this is the
    stochastic subgradient method (Nemirovski, Juditsky, Lan & Shapiro 2009);
    with ``prox=`` it is proximal SGD.

    Parameters
    ----------
    lr : float or Schedule
        The step size α_k (a float is a constant schedule).

    Examples
    --------
    >>> w = np.array([1.0, 2.0])
    >>> ns.SGD(0.5).step(w, np.array([1.0, -1.0]))
    >>> w
    array([0.5, 2.5])
    """

    kind = "sgd"


class Momentum(Optimizer):
    """Heavy ball (Polyak 1964) in the form of Sutskever et al. (2013), as in
    PyTorch and optax: v ← β_k v + g, w ← w − α_k v; with ``nesterov=True``,
    w ← w − α_k (g + β_k v) (Nesterov's accelerated gradient in that form).

    Parameters
    ----------
    lr : float or Schedule
        Step sizes α_k.
    momentum : float in [0, 1), Schedule or one_minus(Schedule), default 0.9
        β_k: a constant, a schedule (``diminishing``, ``step_decay``,
        ``cosine``...; values below 1), or :func:`~nonsmooth.optim.one_minus` of
        one (momentum growing to 1). k counts the steps since the start (or
        :meth:`reset`), like the learning-rate schedule. The stochastic heavy
        ball of Gadat, Panloup & Saadane (2018) and Le (2024, "Nonsmooth
        nonconvex stochastic heavy ball", JOTA 201) runs with vanishing steps
        α_k and such schedules; ``nonsmooth.train`` keeps the whole loop native.

    Examples
    --------
    >>> import numpy as np
    >>> from nonsmooth.optim import Momentum, diminishing, one_minus
    >>> opt = Momentum(diminishing(0.1, power=0.5), momentum=one_minus(diminishing(1.0, b=2.0)))
    >>> w = np.zeros(1)
    >>> opt.step(w, np.ones(1)); opt.step(w, np.ones(1))   # β_1 = 2/3
    >>> round(float(w[0]), 6)       # −0.1·1 − (0.1/√2)·(2/3 + 1)
    -0.217851
    """

    kind = "momentum"

    def __init__(self, lr, momentum=0.9, nesterov: bool = False):
        self.momentum: Schedule | OneMinus | float
        if isinstance(momentum, (Schedule, OneMinus)):
            self.momentum = momentum
            if momentum(0) >= 1 or momentum(0) < 0:
                raise ValueError(f"momentum: the schedule must stay in [0, 1), it starts at {momentum(0)}")
        else:
            self.momentum = as_scalar(momentum, "momentum", low=0.0, high=1.0, high_open=True)
        if not isinstance(nesterov, (bool, np.bool_)):
            raise TypeError(f"nesterov: expected a bool, got {type(nesterov).__name__}")
        self.nesterov = bool(nesterov)
        if self.nesterov:
            self.kind = "nesterov"
        super().__init__(lr)

    def _hyperparameters(self) -> tuple:
        return (self.momentum,) if isinstance(self.momentum, float) else (0.0,)

    def _native_handle(self):
        handle = super()._native_handle()
        if not isinstance(self.momentum, float):
            base = self.momentum.schedule if isinstance(self.momentum, OneMinus) else self.momentum
            _native.optimizer_momentum_schedule(handle, base.kind, base.parameters, isinstance(self.momentum, OneMinus))
        return handle

    def _repr_params(self) -> dict:
        return {"momentum": self.momentum, **({"nesterov": True} if self.nesterov else {})}


class Nesterov(Momentum):
    """``Momentum(lr, momentum, nesterov=True)``: v ← μ v + g, w ← w − α (g + μ v)
    (Sutskever et al. 2013).

    Parameters
    ----------
    lr : float or Schedule
        The step size α_k (a float is a constant schedule).
    momentum : float, default=0.9
        μ ∈ [0, 1).

    Examples
    --------
    >>> w = np.zeros(1)
    >>> ns.Nesterov(0.1).step(w, np.ones(1))
    >>> w                                   # −0.1·(1 + 0.9)
    array([-0.19])
    """

    def __init__(self, lr, momentum: float = 0.9):
        super().__init__(lr, momentum, nesterov=True)


class AdaGrad(Optimizer):
    """AdaGrad (Duchi, Hazan & Singer 2011), diagonal form as in PyTorch:
    G ← G + g², w ← w − α g / (√G + ε).

    Parameters
    ----------
    lr : float or Schedule
        The step size α_k (a float is a constant schedule).
    eps : float, default=1e-10

    Examples
    --------
    >>> w = np.zeros(2)
    >>> ns.AdaGrad(0.1).step(w, np.array([4.0, -0.01]))
    >>> w                                   # −α·sign(g) at the first step
    array([-0.1,  0.1])
    """

    kind = "adagrad"

    def __init__(self, lr, eps: float = 1e-10):
        self.eps = as_scalar(eps, "eps", low=0.0)
        super().__init__(lr)

    def _hyperparameters(self) -> tuple:
        return (self.eps,)

    def _repr_params(self) -> dict:
        return {"eps": self.eps}


class RMSProp(Optimizer):
    """RMSProp (Tieleman & Hinton 2012, lecture 6.5), as in PyTorch:
    s ← ρ s + (1 − ρ) g², w ← w − α g / (√s + ε).

    Parameters
    ----------
    lr : float or Schedule
        The step size α_k (a float is a constant schedule).
    rho : float, default=0.99
        ρ ∈ [0, 1).
    eps : float, default=1e-8

    Examples
    --------
    >>> w = np.zeros(1)
    >>> ns.RMSProp(0.01).step(w, np.array([2.0]))
    >>> w                                   # −0.01·2/√(0.01·4)
    array([-0.1])
    """

    kind = "rmsprop"

    def __init__(self, lr, rho: float = 0.99, eps: float = 1e-8):
        self.rho = as_scalar(rho, "rho", low=0.0, high=1.0, high_open=True)
        self.eps = as_scalar(eps, "eps", low=0.0)
        super().__init__(lr)

    def _hyperparameters(self) -> tuple:
        return (self.rho, self.eps)

    def _repr_params(self) -> dict:
        return {"rho": self.rho, "eps": self.eps}


class Adam(Optimizer):
    """Adam (Kingma & Ba 2015, Algorithm 1): m ← β₁m + (1 − β₁)g,
    v ← β₂v + (1 − β₂)g², w ← w − α m̂ / (√v̂ + ε) with m̂ = m/(1 − β₁ᵗ),
    v̂ = v/(1 − β₂ᵗ), t the number of steps taken (ε outside the root, as in
    PyTorch and optax). With ``prox=`` in :func:`nonsmooth.train`, proximal Adam.

    Parameters
    ----------
    lr : float or Schedule
        The step size α_k (a float is a constant schedule).
    beta1, beta2 : float, default=0.9, 0.999
        β₁, β₂ ∈ [0, 1).
    eps : float, default=1e-8

    Examples
    --------
    >>> w = np.ones(2)
    >>> ns.Adam(0.1).step(w, np.array([3.0, -0.5]))
    >>> w                                   # the first step is −α·sign(g)
    array([0.9, 1.1])
    """

    kind = "adam"

    def __init__(self, lr=1e-3, beta1: float = 0.9, beta2: float = 0.999, eps: float = 1e-8):
        self.beta1 = as_scalar(beta1, "beta1", low=0.0, high=1.0, high_open=True)
        self.beta2 = as_scalar(beta2, "beta2", low=0.0, high=1.0, high_open=True)
        self.eps = as_scalar(eps, "eps", low=0.0)
        super().__init__(lr)

    def _hyperparameters(self) -> tuple:
        return (self.beta1, self.beta2, self.eps)

    def _repr_params(self) -> dict:
        return {"beta1": self.beta1, "beta2": self.beta2, "eps": self.eps}
