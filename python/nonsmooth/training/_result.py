"""What :func:`nonsmooth.train` returns: the final (and averaged) parameters, the
history as NumPy arrays, the kinks seen, and why the loop stopped."""
from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from ..autodiff import KinkReport

#: History columns, in the order of the native buffer (see nonsmooth.h).
COLUMNS = ("step", "loss", "full_loss", "l1_norm", "max_norm", "small_fraction", "kinks", "learning_rate", "time")


class History(Mapping):
    """The training history: one entry per recorded step, as NumPy arrays.

    A mapping column → array (``dict(history)``, ``history["loss"]``) with the
    same arrays as attributes (``history.loss``):

    step            the step count at the record (0: the initial point)
    loss            mean minibatch loss over the steps since the previous
                    record (NaN at step 0)
    full_loss       loss on all the data (``full_loss=True``), else NaN
    l1_norm         ‖w‖₁ over all parameters
    max_norm        ‖w‖∞
    small_fraction  fraction of parameter entries with |w| < threshold
    kinks           kinks hit since the previous record (all primitives)
    learning_rate   step size of the last step
    time            seconds since the start

    Parameters
    ----------
    columns : dict column → ndarray
        Built by :func:`nonsmooth.train`.

    Examples
    --------
    >>> loss = ns.function(lambda w: ns.sum((w - 1.0) ** 2))
    >>> run = ns.train(loss, np.zeros(2), optimizer=ns.SGD(0.25), steps=4, record_every=2)
    >>> run.history
    History(3 records: step, loss, full_loss, l1_norm, max_norm, small_fraction, kinks, learning_rate, time)
    >>> run.history.step, run.history.l1_norm
    (array([0, 2, 4]), array([0.   , 1.5  , 1.875]))
    >>> sorted(run.history.to_dict())[:3]
    ['full_loss', 'kinks', 'l1_norm']
    """

    __slots__ = ("_columns",)

    def __init__(self, columns: dict[str, np.ndarray]):
        self._columns = columns

    def __getitem__(self, name: str) -> np.ndarray:
        return self._columns[name]

    def __getattr__(self, name: str) -> np.ndarray:
        if name.startswith("__"):  # copy/pickle protocol probes, possibly before _columns exists
            raise AttributeError(name)
        try:
            return object.__getattribute__(self, "_columns")[name]
        except (KeyError, AttributeError):
            raise AttributeError(name) from None

    def __reduce__(self):
        return History, (self._columns,)

    def __iter__(self):
        return iter(self._columns)

    def __len__(self) -> int:
        return len(self._columns)

    @property
    def n_records(self) -> int:
        return len(self._columns["step"])

    def to_dict(self) -> dict[str, np.ndarray]:
        """A plain dict column → array (copies)."""
        return {k: v.copy() for k, v in self._columns.items()}

    def to_pandas(self):
        """A :class:`pandas.DataFrame` indexed by step (requires pandas)."""
        try:
            import pandas as pd
        except ImportError:  # pragma: no cover
            raise ImportError("History.to_pandas needs pandas (pip install pandas)") from None
        return pd.DataFrame({k: v for k, v in self._columns.items() if k != "step"},
                            index=pd.Index(self._columns["step"], name="step"))

    def __repr__(self) -> str:
        return f"History({self.n_records} records: {', '.join(self._columns)})"


class TrainResult:
    """The outcome of :func:`nonsmooth.train`.

    Attributes
    ----------
    params : dict name → ndarray
        The last iterate.
    averaged_params : dict name → ndarray or None
        The averaged iterate (``averaging=...``), else None.
    history : History
        NumPy arrays per recorded step (``.to_pandas()``, a mapping view).
    kinks : KinkReport
        Elements that landed exactly on a kink over the whole run, per primitive.
    steps : int
        Steps done.
    stop : {"completed", "diverged", "cancelled"}
        Why the loop stopped: all steps done; a non-finite loss or parameter;
        the callback returned False (or Ctrl-C, see :func:`nonsmooth.train`).
    time : float
        Seconds spent in the native loop.
    state : dict name → ndarray
        Final values of the ``state=`` arguments (e.g. batch-norm running statistics); empty without.

    Parameters
    ----------
    params, averaged_params, history, kinks, steps, stop, time, state
        The attributes above (built by :func:`nonsmooth.train`).

    Examples
    --------
    >>> loss = ns.function(lambda w: ns.sum((w - 1.0) ** 2))
    >>> run = ns.train(loss, {"w": np.zeros(2)}, optimizer=ns.SGD(0.25), steps=10)
    >>> run.params["w"], run.stop, run.steps
    (array([0.99902344, 0.99902344]), 'completed', 10)
    """

    __slots__ = ("params", "averaged_params", "history", "kinks", "steps", "stop", "time", "state")

    def __init__(self, params, averaged_params, history: History, kinks: KinkReport, steps: int, stop: str,
                 time: float, state=None):
        self.state = {} if state is None else state
        self.params = params
        self.averaged_params = averaged_params
        self.history = history
        self.kinks = kinks
        self.steps = steps
        self.stop = stop
        self.time = time

    def __repr__(self) -> str:
        shapes = ", ".join(f"{k}{tuple(v.shape)}" for k, v in self.params.items())
        losses = self.history.loss[1:] if self.history.n_records > 1 else np.array([])
        last = f", last loss {losses[-1]:.6g}" if losses.size else ""
        full = self.history.full_loss
        if full.size and np.isfinite(full[-1]):
            last += f", full loss {full[-1]:.6g}"
        avg = ", averaged" if self.averaged_params is not None else ""
        return (f"TrainResult(stop={self.stop!r}, steps={self.steps}, time={self.time:.3g} s{last}, "
                f"params: {shapes}{avg}, kinks: {self.kinks!r})")
