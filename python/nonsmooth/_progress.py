"""One updating progress line for long native calls.

Every long call (Lasso fits and paths, tuning, ``train``, ``minimize``,
``subgradient_method``, ``admm``) reports through the callback hook that the
native loop already calls every few iterations; with ``verbose=True`` (or
``progress=True`` for ``train``) that report drives one :class:`Progress` line
on stderr instead of a printed line per report. The line is a tqdm bar when
tqdm is installed (it renders in terminals and notebooks alike) and a plain
``\\r``-rewritten line otherwise, redrawn at most every 0.1 s.
"""
from __future__ import annotations

import sys
import time
from typing import Any, Callable, TextIO

try:
    from tqdm import tqdm as _tqdm
except ImportError:  # pragma: no cover - tqdm is optional; the fallback is tested directly
    _tqdm = None

_REDRAW_SECONDS = 0.1


class Progress:
    """A progress line that is rewritten in place.

    Parameters
    ----------
    label : str
        What runs (``"Lasso"``, ``"fista"``, ...), shown first.
    total : int, optional
        Last value of the position when known (training steps); None for
        iterative solvers that stop at convergence.
    unit : str, default "it"
        Name of one position step ("epoch", "step", ...).
    file : file-like, optional
        Where the line goes (default ``sys.stderr``).
    use_tqdm : bool, optional
        Force (True) or forbid (False) tqdm; default: tqdm when installed.

    Examples
    --------
    >>> import io
    >>> out = io.StringIO()
    >>> with Progress("demo", total=3, unit="step", file=out, use_tqdm=False) as bar:
    ...     for k in (1, 2, 3):
    ...         bar.update(k, loss=1.0 / k)
    >>> out.getvalue().split("\\r")[-1]
    'demo: step 3/3  loss=0.3333\\n'
    """

    def __init__(self, label: str, total: int | None = None, *, unit: str = "it", file: TextIO | None = None,
                 use_tqdm: bool | None = None) -> None:
        self.label, self.total, self.unit = label, total, unit
        self.file = sys.stderr if file is None else file
        self.position = 0
        self._bar: Any = None
        self._last_draw = -float("inf")
        self._width = 0
        self._text = ""
        if use_tqdm and _tqdm is None:
            raise ImportError("use_tqdm=True needs tqdm: pip install tqdm")
        self._use_tqdm = _tqdm is not None if use_tqdm is None else use_tqdm

    def update(self, position: int, note: str = "", **values: float) -> None:
        """Move to ``position`` (an absolute iteration count) and show ``note``
        and ``values``."""
        position = int(position)
        shown = "  ".join([note] * bool(note) + [f"{k}={_format(v)}" for k, v in values.items()])
        if self._use_tqdm and self._bar is None:  # created at the first report: fast calls draw nothing
            self._bar = _tqdm(total=self.total, desc=self.label, unit=" " + self.unit, file=self.file, leave=True,
                              dynamic_ncols=True, mininterval=_REDRAW_SECONDS)
        if self._bar is not None:
            self._bar.set_postfix_str(shown, refresh=False)
            self._bar.update(max(position - self._bar.n, 0))
            self.position = position
            return
        self.position = position
        count = f"{position}/{self.total}" if self.total is not None else str(position)
        self._text = f"{self.label}: {self.unit} {count}" + (f"  {shown}" if shown else "")
        now = time.monotonic()
        if now - self._last_draw >= _REDRAW_SECONDS:
            self._draw()
            self._last_draw = now

    def _draw(self) -> None:
        pad = max(self._width - len(self._text), 0)
        self.file.write("\r" + self._text + " " * pad)
        self.file.flush()
        self._width = len(self._text)

    def close(self) -> None:
        """Draw the last state and end the line."""
        if self._bar is not None:
            self._bar.close()
            self._bar = None
            return
        if self._text:
            self._draw()
            self.file.write("\n")
            self.file.flush()
            self._text = ""

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _format(value: float) -> str:
    return f"{value:.4g}" if isinstance(value, float) else str(value)


class Reporter:
    """The callable a native loop calls every few iterations (``report(k, value)``):
    it moves a :class:`Progress` line (showing the value under ``name``) and calls
    the user's ``callback`` (a False return stops the loop). Call :meth:`close`
    after the native call; an interrupted call closes the line when the
    reporter is dropped."""

    def __init__(self, progress: Progress | None, callback: Callable[[int, float], Any] | None, name: str) -> None:
        self.progress, self.callback, self.name = progress, callback, name

    def __call__(self, k: int, value: float) -> bool:
        if self.progress is not None:
            self.progress.update(k, "", **{self.name: float(value)})
        return True if self.callback is None else self.callback(k, value) is not False

    def close(self) -> None:
        if self.progress is not None:
            self.progress.close()
            self.progress = None

    __del__ = close


def reporter(show: bool, callback: Callable[[int, float], Any] | None, label: str, name: str, *,
             unit: str = "it", total: int | None = None) -> Reporter | None:
    """A :class:`Reporter` with a progress line when ``show`` (``verbose=True``),
    forwarding to ``callback``; None when there is nothing to do (the native
    loop then runs without calling back)."""
    if not show and callback is None:
        return None
    return Reporter(Progress(label, total, unit=unit) if show else None, callback, name)


def close(report: Reporter | None) -> None:
    """End the progress line of ``report`` (no-op for None)."""
    if report is not None:
        report.close()
