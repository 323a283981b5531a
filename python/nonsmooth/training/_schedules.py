"""Learning-rate schedules α_k (k = 0, 1, … the step counter), computed by the
same native code the training loop uses."""
from __future__ import annotations

from .. import _native
from .._validation import as_int, as_scalar


def _count(value, name: str) -> int:
    return as_int(value, name, low=1, high=2**53)


class Schedule:
    """A learning-rate schedule: ``schedule(k)`` is the step size of step k.

    Build one with :func:`constant`, :func:`diminishing`, :func:`step_decay`
    or :func:`cosine`; give it as the ``lr`` of an optimizer.

    Parameters
    ----------
    kind : {"constant", "diminishing", "step_decay", "cosine"}
    parameters : sequence of float
        The parameters of that kind, in the order of its function.

    Examples
    --------
    >>> from nonsmooth.optim import step_decay
    >>> schedule = step_decay(0.1, factor=0.5, every=10)
    >>> schedule, [schedule(k) for k in (0, 9, 10, 25)]
    (step_decay(lr=0.1, factor=0.5, every=10), [0.1, 0.1, 0.05, 0.025])
    """

    __slots__ = ("kind", "parameters")
    kind: str
    parameters: tuple[float, ...]

    def __init__(self, kind: str, parameters):
        object.__setattr__(self, "kind", kind)
        object.__setattr__(self, "parameters", tuple(float(p) for p in parameters))
        self(0)  # the native validation names the offending parameter

    def __setattr__(self, name, value):
        raise AttributeError("schedules are immutable")

    def __reduce__(self):
        return Schedule, (self.kind, self.parameters)

    def __call__(self, k: int) -> float:
        """α_k (k ≥ 0)."""
        return _native.learning_rate(self.kind, self.parameters, int(k))

    def __eq__(self, other) -> bool:
        return isinstance(other, Schedule) and (self.kind, self.parameters) == (other.kind, other.parameters)

    def __hash__(self) -> int:
        return hash((self.kind, self.parameters))

    def __repr__(self) -> str:
        names = {"constant": ("lr",), "diminishing": ("a", "b", "power"),
                 "step_decay": ("lr", "factor", "every"), "cosine": ("lr", "minimum", "steps")}[self.kind]
        args = ", ".join(f"{n}={int(v) if n in ('every', 'steps') else v!r}" for n, v in zip(names, self.parameters))
        return f"{self.kind}({args})"


def constant(lr: float) -> Schedule:
    """α_k = lr.

    Parameters
    ----------
    lr : float
        > 0.

    Returns
    -------
    Schedule

    Examples
    --------
    >>> from nonsmooth.optim import constant
    >>> constant(0.1)(1000)
    0.1
    """
    return Schedule("constant", (as_scalar(lr, "lr", low=0.0, low_open=True),))


def diminishing(a: float, b: float = 1.0, power: float = 1.0) -> Schedule:
    """α_k = a / (b + k)^power.

    With power ∈ (1/2, 1] the steps are square-summable but not summable, the
    classical condition of stochastic (sub)gradient methods (Robbins & Monro
    1951); power = 1/2 is the rate of the averaged subgradient method.

    Parameters
    ----------
    a, b : float
        > 0.
    power : float, default=1.0
        ≥ 0.

    Returns
    -------
    Schedule

    Examples
    --------
    >>> from nonsmooth.optim import diminishing
    >>> s = diminishing(1.0, power=0.5)
    >>> [round(s(k), 4) for k in (0, 3, 99)]
    [1.0, 0.5, 0.1]
    """
    return Schedule("diminishing", (as_scalar(a, "a", low=0.0, low_open=True),
                                    as_scalar(b, "b", low=0.0, low_open=True), as_scalar(power, "power", low=0.0)))


def step_decay(lr: float, factor: float, every: int) -> Schedule:
    """α_k = lr · factor^⌊k / every⌋ (factor ∈ (0, 1]).

    Parameters
    ----------
    lr : float
        > 0.
    factor : float
        In (0, 1].
    every : int
        Steps between decays, ≥ 1.

    Returns
    -------
    Schedule

    Examples
    --------
    >>> from nonsmooth.optim import step_decay
    >>> [step_decay(1.0, 0.1, every=2)(k) for k in range(5)]
    [1.0, 1.0, 0.1, 0.1, 0.010000000000000002]
    """
    return Schedule("step_decay", (as_scalar(lr, "lr", low=0.0, low_open=True),
                                   as_scalar(factor, "factor", low=0.0, high=1.0, low_open=True),
                                   _count(every, "every")))


def cosine(lr: float, minimum: float = 0.0, steps: int = 1000) -> Schedule:
    """α_k = minimum + (lr − minimum)(1 + cos(πk/steps))/2 for k < steps, then
    ``minimum`` (Loshchilov & Hutter 2017, SGDR without restarts).

    Parameters
    ----------
    lr : float
        The first step size, > 0.
    minimum : float, default=0.0
        The last, in [0, lr].
    steps : int, default=1000
        The length of the decay.

    Returns
    -------
    Schedule

    Examples
    --------
    >>> from nonsmooth.optim import cosine
    >>> s = cosine(1.0, minimum=0.1, steps=10)
    >>> [round(s(k), 3) for k in (0, 5, 10, 50)]
    [1.0, 0.55, 0.1, 0.1]
    """
    lr = as_scalar(lr, "lr", low=0.0, low_open=True)
    return Schedule("cosine", (lr, as_scalar(minimum, "minimum", low=0.0, high=lr), _count(steps, "steps")))


def as_schedule(lr, name: str = "lr") -> Schedule:
    """A schedule from a float (constant) or a :class:`Schedule`."""
    if isinstance(lr, Schedule):
        return lr
    return constant(as_scalar(lr, name, low=0.0, low_open=True))


class OneMinus:
    """The schedule 1 − r_k of a schedule r: a momentum β_k growing to 1 as r_k → 0.

    Build one with :func:`one_minus`; give it as the ``momentum`` of
    :class:`~nonsmooth.optim.Momentum` or :class:`~nonsmooth.optim.Nesterov`.

    Parameters
    ----------
    schedule : Schedule
        r_k.

    Examples
    --------
    >>> from nonsmooth.optim import constant, one_minus
    >>> one_minus(constant(0.1)), one_minus(constant(0.1))(5)
    (one_minus(constant(lr=0.1)), 0.9)
    """

    __slots__ = ("schedule",)
    schedule: Schedule

    def __init__(self, schedule: Schedule):
        if not isinstance(schedule, Schedule):
            raise TypeError(f"schedule: expected a nonsmooth.optim schedule, got {type(schedule).__name__}")
        object.__setattr__(self, "schedule", schedule)

    def __setattr__(self, name, value):
        raise AttributeError("schedules are immutable")

    def __reduce__(self):
        return OneMinus, (self.schedule,)

    def __call__(self, k: int) -> float:
        """1 − r_k (k ≥ 0), computed as the native loop does."""
        return 1.0 - self.schedule(k)

    def __eq__(self, other) -> bool:
        return isinstance(other, OneMinus) and self.schedule == other.schedule

    def __hash__(self) -> int:
        return hash(("one_minus", self.schedule))

    def __repr__(self) -> str:
        return f"one_minus({self.schedule!r})"


def one_minus(schedule: Schedule) -> OneMinus:
    """β_k = 1 − schedule(k), for momentum schedules that grow to 1.

    Parameters
    ----------
    schedule : Schedule
        r_k, with values in (0, 1].

    Returns
    -------
    OneMinus

    Examples
    --------
    >>> from nonsmooth.optim import Momentum, diminishing, one_minus
    >>> beta = one_minus(diminishing(1.0, b=2.0, power=1.0))     # β_k = 1 − 1/(k + 2)
    >>> [round(beta(k), 4) for k in range(3)]
    [0.5, 0.6667, 0.75]
    >>> opt = Momentum(0.1, momentum=beta)
    """
    return OneMinus(schedule)
