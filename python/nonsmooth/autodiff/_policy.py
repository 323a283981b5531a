"""Kink policies (which element of the conservative gradient is used at a kink)
and kink reports (how many inputs landed exactly on one)."""
from __future__ import annotations

import contextlib
import contextvars
import threading
from collections.abc import Iterator, Mapping

from .._validation import as_scalar

_TIES = {"lowest": 0, "split": 1}


class Kinks:
    """A kink policy: the derivative used where a primitive is not differentiable.

    Every choice is an element of a conservative gradient of its primitive
    (Bolte & Pauwels 2021), so backpropagation through a whole program still
    returns an element of a conservative gradient of the program. The same
    rule applies whatever the spelling: ``relu(x)``, ``maximum(x, 0)`` and
    ``clip(x, 0, inf)`` all have derivative ``relu_at_zero`` at 0.

    Parameters
    ----------
    relu_at_zero : float in [0, 1], default=0.0
        The one rule of every jump of slope between 0 and 1, call it s:
        relu'(0) = s; ``maximum(a, b)`` at a = b gives s to ``a`` and 1 − s to
        ``b`` (``minimum`` likewise); ``clip`` has derivative s at both bounds;
        ``soft_threshold(x, t)`` has s at |x| = t; ``hinge`` has −s at 1;
        ``leaky_relu`` with slope α has α + (1 − α)s at 0.
    abs_at_zero : float in [-1, 1], default=0.0
        abs'(0), also used for the zero entries of ``norm1`` and for
        ``norm_inf`` at 0 (the same for +0 and −0).
    ties : {"lowest", "split"}, default="lowest"
        Ties of ``max``/``min`` reductions, ``norm_inf``, ``sort`` and max
        pooling: the whole derivative to the lowest index, or split evenly
        among the tied entries.
    norm2_at_zero : float in [-1, 1], default=0.0
        ``norm2`` at 0 uses the subgradient c·(1, …, 1)/√n with c this value
        (never NaN).
    strict : bool, default=False
        Raise :class:`nonsmooth.KinkError` instead of choosing, whenever an
        evaluation lands on a kink or on a singular point of a smooth
        primitive (sqrt, log, division at 0, whose derivative is otherwise 0).

    Examples
    --------
    >>> import nonsmooth as ns
    >>> ns.Kinks(relu_at_zero=1.0, ties="split")
    Kinks(relu_at_zero=1.0, abs_at_zero=0.0, ties='split', norm2_at_zero=0.0, strict=False)
    >>> f = ns.function(lambda x: ns.sum(ns.relu(x)))
    >>> f.grad(np.zeros(2)), f.grad(np.zeros(2), policy=ns.Kinks(relu_at_zero=1.0))
    (array([0., 0.]), array([1., 1.]))
    """

    __slots__ = ("relu_at_zero", "abs_at_zero", "ties", "norm2_at_zero", "strict")

    relu_at_zero: float
    abs_at_zero: float
    ties: str
    norm2_at_zero: float
    strict: bool

    def __init__(self, relu_at_zero: float = 0.0, abs_at_zero: float = 0.0, ties: str = "lowest",
                 norm2_at_zero: float = 0.0, strict: bool = False):
        object.__setattr__(self, "relu_at_zero", as_scalar(relu_at_zero, "relu_at_zero", low=0.0, high=1.0))
        object.__setattr__(self, "abs_at_zero", as_scalar(abs_at_zero, "abs_at_zero", low=-1.0, high=1.0))
        object.__setattr__(self, "norm2_at_zero", as_scalar(norm2_at_zero, "norm2_at_zero", low=-1.0, high=1.0))
        if ties not in _TIES:
            raise ValueError(f"ties: must be 'lowest' or 'split', got {ties!r}")
        object.__setattr__(self, "ties", ties)
        if not isinstance(strict, bool):
            raise TypeError(f"strict: expected a bool, got {type(strict).__name__}")
        object.__setattr__(self, "strict", strict)

    def __setattr__(self, name, value):
        raise AttributeError("Kinks policies are immutable; create a new one")

    def __reduce__(self):
        return Kinks, (self.relu_at_zero, self.abs_at_zero, self.ties, self.norm2_at_zero, self.strict)

    def _native(self) -> tuple:
        return (self.relu_at_zero, self.abs_at_zero, self.norm2_at_zero, _TIES[self.ties], int(self.strict))

    def _key(self) -> tuple:
        return (self.relu_at_zero, self.abs_at_zero, self.ties, self.norm2_at_zero, self.strict)

    def __eq__(self, other) -> bool:
        return isinstance(other, Kinks) and self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def __repr__(self) -> str:
        return (f"Kinks(relu_at_zero={self.relu_at_zero}, abs_at_zero={self.abs_at_zero}, ties={self.ties!r}, "
                f"norm2_at_zero={self.norm2_at_zero}, strict={self.strict})")


_global_policy = Kinks()
_global_lock = threading.Lock()
_context_policy: contextvars.ContextVar[Kinks | None] = contextvars.ContextVar("nonsmooth_kinks", default=None)


def _as_policy(policy=None, **kwargs) -> Kinks:
    if policy is not None and kwargs:
        raise TypeError("give either a Kinks policy or its keyword arguments, not both")
    if policy is None:
        return Kinks(**kwargs)
    if not isinstance(policy, Kinks):
        raise TypeError(f"policy: expected a nonsmooth.Kinks, got {type(policy).__name__}")
    return policy


def get_kink_policy() -> Kinks:
    """The kink policy used when a call gives none: the innermost
    :func:`kink_policy` context, else the global default.

    Returns
    -------
    Kinks

    Examples
    --------
    >>> ns.get_kink_policy()
    Kinks(relu_at_zero=0.0, abs_at_zero=0.0, ties='lowest', norm2_at_zero=0.0, strict=False)
    >>> with ns.kink_policy(ties="split"):
    ...     ns.get_kink_policy().ties
    'split'
    """
    return _context_policy.get() or _global_policy


def set_kink_policy(policy: Kinks | None = None, **kwargs) -> Kinks:
    """Set the global default kink policy and return the previous one.

    Parameters
    ----------
    policy : Kinks, optional
        The new default; or give :class:`Kinks`' keyword arguments instead
        (``set_kink_policy(relu_at_zero=1.0)``). No arguments restore the
        standard policy (all zeros, ties to the lowest index, not strict).
    **kwargs
        The keyword arguments of :class:`Kinks`.

    Returns
    -------
    Kinks
        The previous default, to restore it.

    Examples
    --------
    >>> previous = ns.set_kink_policy(relu_at_zero=1.0)
    >>> float(ns.function(lambda x: ns.relu(x)).grad(0.0))
    1.0
    >>> _ = ns.set_kink_policy(previous)
    >>> float(ns.function(lambda x: ns.relu(x)).grad(0.0))
    0.0
    """
    global _global_policy
    new = _as_policy(policy, **kwargs)
    with _global_lock:
        previous, _global_policy = _global_policy, new
    return previous


@contextlib.contextmanager
def kink_policy(policy: Kinks | None = None, **kwargs) -> Iterator[Kinks]:
    """Context manager: the default kink policy inside the ``with`` block
    (per thread and per asyncio task).

    Parameters
    ----------
    policy : Kinks, optional
        The policy; or give :class:`Kinks`' keyword arguments instead.
    **kwargs
        The keyword arguments of :class:`Kinks`.

    Yields
    ------
    Kinks
        The policy in force inside the block.

    Examples
    --------
    >>> import nonsmooth as ns
    >>> with ns.kink_policy(relu_at_zero=0.5):
    ...     ns.get_kink_policy().relu_at_zero
    0.5
    """
    chosen = _as_policy(policy, **kwargs)
    token = _context_policy.set(chosen)
    try:
        yield chosen
    finally:
        _context_policy.reset(token)


def _resolve(policy) -> Kinks:
    """The policy of a call: the one given, else the current default."""
    if policy is None:
        return get_kink_policy()
    return _as_policy(policy)


class KinkReport(Mapping):
    """How many elements of each primitive landed exactly on a kink.

    A mapping label → count (labels are primitive names such as ``"relu"``,
    ``"maximum"``, ``"max_pool2d"``), in program order, with nonzero counts
    only. An empty report is falsy: the program was evaluated at a point where
    every primitive is differentiable, so the derivative computed there is the
    true one; a nonempty report says the derivative is a choice made by the
    :class:`Kinks` policy.

    NaN propagates as in NumPy (``max`` of an array with NaN is NaN, ``sort``
    puts NaN last, ``maximum`` and ``clip`` return NaN) and is reported under
    ``"label[nan]"``: the elements where a primitive's decision met NaN, or
    where it made NaN from a number (log or sqrt of a negative number).
    :attr:`nans` sums those entries; a strict policy raises on them.

    Parameters
    ----------
    counts : mapping label → int, optional
        The counts (every evaluation builds its report; users read them).

    Examples
    --------
    >>> f = ns.function(lambda x: ns.sum(ns.relu(x)) + ns.max(x))
    >>> value, grad, kinks = f.value_and_grad(np.array([0.0, 0.0, -1.0]))
    >>> kinks, kinks.total
    (KinkReport(relu=2, max=1), 3)
    >>> report = ns.KinkReport.from_text("relu=2;max=1")
    >>> report["relu"], report.total, bool(report)
    (2, 3, True)
    """

    __slots__ = ("_counts",)

    def __init__(self, counts: Mapping[str, int] | None = None):
        self._counts = dict(counts or {})

    @classmethod
    def from_text(cls, text: str) -> KinkReport:
        counts: dict[str, int] = {}
        for entry in filter(None, text.split(";")):
            if entry == "...":
                counts["..."] = counts.get("...", 0)
                continue
            label, _, count = entry.rpartition("=")
            counts[label] = counts.get(label, 0) + int(count)
        return cls(counts)

    @property
    def nans(self) -> int:
        """Elements that met or produced NaN (the ``"label[nan]"`` entries)."""
        return sum(c for label, c in self._counts.items() if label.endswith("[nan]"))

    @property
    def total(self) -> int:
        """Total number of elements that landed on a kink."""
        return sum(self._counts.values())

    def __getitem__(self, label: str) -> int:
        return self._counts[label]

    def __iter__(self):
        return iter(self._counts)

    def __len__(self) -> int:
        return len(self._counts)

    def __bool__(self) -> bool:
        return self.total > 0

    def __eq__(self, other) -> bool:
        if isinstance(other, KinkReport):
            return self._counts == other._counts
        if isinstance(other, Mapping):
            return self._counts == dict(other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]  # compares equal to dicts, so unhashable as they are

    def __repr__(self) -> str:
        if not self._counts:
            return "KinkReport(no kinks)"
        return "KinkReport(" + ", ".join(f"{k}={v}" for k, v in self._counts.items()) + ")"
