"""The state reached by an interrupted long call travels on its exception.

Every long call of nonsmooth (fits, paths, tuning, generic solvers, training)
stops on Ctrl-C, or when its ``callback`` raises, and lets that exception
propagate with what the call would have returned had it been asked to stop
there attached as ``exc.result``: a fitted estimator (coefficients of the last
iterate and their certificate), an :class:`~nonsmooth.OptimizeResult` or a
:class:`~nonsmooth.TrainResult`. So a notebook user who presses Ctrl-C keeps the
work done::

    try:
        model.fit(X, y)
    except KeyboardInterrupt as exc:
        model = exc.result          # coef_, dual_gap_, n_iter_ of the last iterate

The native loops poll for Ctrl-C through their progress callback (see
``ns_progress_trampoline`` in the extension); when a callback stops a loop
that way, the extension marks the pending exception with the loop's raw
outputs as ``exc.native_state``, which the Python entry point turns into
``exc.result`` here.
"""
from __future__ import annotations

import contextlib
from typing import Any, Callable


def interrupted(exc: BaseException) -> bool:
    """Whether `exc` stopped a long call (Ctrl-C, or a callback's exception
    reported by a native loop) rather than being a plain error."""
    return isinstance(exc, KeyboardInterrupt) or hasattr(exc, "native_state")


def attach_result(exc: BaseException, result) -> BaseException:
    """Sets ``exc.result`` (silently skipped for exceptions that take no attributes)."""
    try:
        setattr(exc, "result", result)
    except (AttributeError, TypeError):  # pragma: no cover - exceptions with __slots__
        pass
    return exc


@contextlib.contextmanager
def result_on_interrupt(build: Callable[[Any], object]):
    """Runs the body; if it is interrupted (see :func:`interrupted`), attaches
    ``build(exc.native_state)`` (None when Python code was interrupted) as
    ``exc.result`` and re-raises. Other exceptions pass unchanged, and so does
    the interrupt if `build` itself fails."""
    try:
        yield
    except BaseException as exc:
        if interrupted(exc) and getattr(exc, "result", None) is None:
            try:
                result = build(getattr(exc, "native_state", None))
            except Exception:  # the interrupt matters more than a partial state
                raise exc from None
            attach_result(exc, result)
        raise
