"""``nonsmooth.train``: the whole optimization loop of a traced loss in native code."""
from __future__ import annotations

import warnings

import numpy as np

from .. import _native, _progress
from .._validation import as_float_array, as_int, as_scalar
from ..autodiff._precision import computation_dtype
from ..autodiff import Function, KinkReport
from ..autodiff._policy import _resolve
from ..exceptions import DivergenceWarning, StuckAtKinkWarning
from ..prox._base import ProximalOperator
from ._optimizers import Adam, Optimizer
from ._result import COLUMNS, History, TrainResult

_PARAMETER, _DATA, _FIXED = 0, 1, 2
#: Arguments the native loop fills before every step (roles of nonsmooth.h).
_NOISE = {"uniform": 3, "normal": 4, "gumbel": 5}
_STEP = 6
_STATE = 7
_USER_ROLES = (_PARAMETER, _DATA, _FIXED, _STATE)   # the arrays whose dtype sets the precision
_ROLE_NAMES = {_PARAMETER: "params", _DATA: "data", _FIXED: "fixed", **{r: "noise" for r in _NOISE.values()},
               _STEP: "step_counter", _STATE: "state"}
_AVERAGING = {None: 0, "none": 0, "uniform": 1, "step_weighted": 2}
_STOPS = ("completed", "diverged", "cancelled")
#: How often (seconds) the native loop checks for Ctrl-C between history records.
_POLL_SECONDS = 0.02
_MAX_HISTORY_ROWS = 10**7


def _warn_if_stuck_on_kinks(loss: Function, arrays, params: list, policy) -> None:
    """The parameters never moved: say so when the gradient at the start is exactly
    zero only because inputs sat on kinks (checked on all the data, once)."""
    _, grads, kinks = loss.value_and_grad(*arrays, wrt=tuple(params), policy=policy)
    if kinks and not any(np.any(g) for g in grads):
        warnings.warn(
            f"train: {loss.__name__}'s parameters never moved: its gradient at the initial parameters is exactly "
            f"zero, where {kinks.total} input(s) sit on a kink ({', '.join(f'{k}={v}' for k, v in kinks.items())}). "
            "That zero is the kink policy's choice (e.g. relu'(0) = 0 at w = 0), not a stationary point: start away "
            "from the kinks (e.g. small random weights) or choose another ns.Kinks policy.",
            StuckAtKinkWarning, stacklevel=3)


def _assign(loss: Function, groups) -> dict:
    """argument name → (role, value): dicts by name, anything else positionally
    into the arguments not yet given (params first, then data, then fixed)."""
    names = loss._names
    assigned: dict = {}
    for role, group in groups:
        label = _ROLE_NAMES[role]
        if group is None:
            continue
        if isinstance(group, dict):
            for name, value in group.items():
                if name not in names:
                    raise ValueError(f"{label}: {loss.__name__}() has no argument named {name!r} "
                                     f"(arguments: {', '.join(names)})")
                if name in assigned:
                    raise ValueError(f"{label}: argument {name!r} is already given in {_ROLE_NAMES[assigned[name][0]]}")
                assigned[name] = (role, value)
        else:
            items = list(group) if isinstance(group, tuple) else [group]
            free = [n for n in names if n not in assigned]
            if len(items) > len(free):
                raise ValueError(f"{label}: {len(items)} arrays given, but only {len(free)} argument(s) of "
                                 f"{loss.__name__}() are left ({', '.join(free)})")
            for name, value in zip(free, items):
                assigned[name] = (role, value)
    last = max((names.index(n) for n in assigned), default=-1)
    count = max(last + 1, loss._required)
    for name in names[:count]:
        if name not in assigned:
            raise ValueError(f"{loss.__name__}() argument {name!r} is not given: put it in params, data, fixed, "
                             "noise or step_counter")
    return {name: assigned[name] for name in names[:count]}


def train(loss, params, data=None, *, fixed=None, optimizer: Optimizer | None = None, prox=None,
          steps: int = 1000, batch_size: int | None = None, replacement: bool = False, seed: int = 0,
          record_every: int = 100, threshold: float = 1e-5, averaging: str | None = None, policy=None,
          full_loss: bool = False, callback=None, progress: bool = False, noise=None,
          step_counter: str | None = None, state=None) -> TrainResult:
    """Minimize a traced loss over its parameters with minibatches, entirely in native code.

    At every step k a minibatch B_k of ``batch_size`` rows is drawn from the
    data arrays, the conservative gradient g_k of ``loss`` at (w_k; rows B_k)
    is computed with the kink ``policy``, the optimizer updates w_k with step
    α_k = lr(k), and parameters with a ``prox`` operator h become
    prox_{α_k h}(w_{k+1}). No Python runs per step; the interpreter lock is
    released for the whole run.

    Parameters
    ----------
    loss : nonsmooth.Function
        A function decorated with :func:`nonsmooth.function` returning a scalar
        (a tuple output: its first entry). It is traced with the minibatch
        shapes (data arrays cut to ``batch_size`` rows).
    params : dict name → array, an array, or a tuple of arrays
        Initial values of the trained arguments. A dict gives them by argument
        name; an array or a tuple of arrays fills the first arguments of
        ``loss`` in order. The arrays are not modified.
    data : dict name → array, an array, a tuple of arrays, or None
        Arrays sampled by rows (first dimension), all with the same number of
        rows. A dict by name, or positionally: the arguments after the params
        (``train(loss, w, (X, y))`` for ``loss(w, X, y)``).
    fixed : dict name → array, an array, a tuple, or None
        Arguments held fixed (positionally: the ones after the data).
    optimizer : Optimizer, default Adam(1e-3)
        :class:`~nonsmooth.optim.SGD`, :class:`~nonsmooth.optim.Momentum`,
        :class:`~nonsmooth.optim.Nesterov`, :class:`~nonsmooth.optim.AdaGrad`,
        :class:`~nonsmooth.optim.RMSProp` or :class:`~nonsmooth.optim.Adam`,
        whose ``lr`` is a float or a schedule (``constant``, ``diminishing``,
        ``step_decay``, ``cosine`` of :mod:`nonsmooth.optim`). Training starts
        from a fresh optimizer state; the object is only read.
    prox : dict name → nonsmooth.prox operator, optional
        Proximal steps on parameters: ``prox={"w": ns.prox.L1(0.1)}`` with SGD
        is proximal SGD (exact zeros, unlike SGD on the penalized loss), with
        Adam proximal Adam (Melchior, Moolekamp & Leung 2019). Any vector
        operator of :mod:`nonsmooth.prox`; matrix operators (``Nuclear``,
        ``PSD``) act on 2-D parameters.
    steps : int, default 1000
    batch_size : int, optional
        Rows per minibatch; default: all rows. Without replacement the rows are
        drawn by reshuffled epochs and ``batch_size`` may not exceed the rows;
        ``batch_size`` = all rows then takes them in order: the deterministic
        (full-gradient) method, exactly.
    replacement : bool, default False
        Draw each minibatch uniformly with replacement.
    seed : int, default 0
        Seed of the native SplitMix64 generator: the same seed gives the same
        minibatches on every machine, run and thread.
    record_every : int, default 100
        History cadence in steps (plus the initial point and the last step).
    threshold : float, default 1e-5
        |w| below it counts as small in ``history.small_fraction``.
    averaging : {None, "uniform", "step_weighted"}
        Also return an averaged iterate: ``"uniform"`` (1/K) Σ_{k=1..K} w_k;
        ``"step_weighted"`` Σ_{k<K} α_k w_k / Σ α_k over the points where the
        (sub)gradients were taken — the average of the stochastic subgradient
        method (Nemirovski, Juditsky, Lan & Shapiro 2009, "Robust stochastic
        approximation approach to stochastic programming", SIAM J. Optim. 19(4),
        eq. 2.18), whose expected gap is ≤ (D² + M² Σα_k²)/(2 Σα_k) for convex
        losses. The stochastic subgradient method is thus
        ``optimizer=SGD(diminishing(a, power=0.5)), averaging="step_weighted"``.
    policy : nonsmooth.Kinks, optional
        Kink policy of the gradients (default: :func:`nonsmooth.get_kink_policy`).
    full_loss : bool, default False
        Also trace ``loss`` on all the data and record its value at every
        history row (``history.full_loss``); costs one full evaluation per row.
    callback : callable(step, loss) -> bool, optional
        Called at every history row with the mean minibatch loss since the
        previous row; returning False stops the run (``stop="cancelled"``).
    progress : bool, default False
        Show one updating progress line on stderr (step, loss), a tqdm bar
        when tqdm is installed.
    noise : dict name → (kind, shape), optional
        Arguments that the native loop redraws before every step, with ``kind``
        ``"uniform"`` (U[0, 1)), ``"normal"`` (standard Gaussian) or
        ``"gumbel"`` (standard Gumbel, for :func:`nonsmooth.gumbel_softmax`),
        from its own SplitMix64 stream seeded by ``seed`` (independent of the
        minibatches; the exact transforms are in ``nonsmooth.h``). The loop
        thus stays native for stochastic programs, and the same seed gives
        the same noise. ``full_loss`` evaluates with the noise of the last step.
    step_counter : str, optional
        Name of an argument that receives the step index k (0, 1, …) before
        every step, so that schedules are written in the program itself, e.g.
        a Gumbel-softmax temperature ``tau = ns.maximum(0.5, ns.exp(-1e-3 * k))``
        (Jang, Gu & Poole 2017). Any shape; every entry gets k.
    state : dict name → (initial, output, momentum), optional
        Arguments carried by the loop as exponential moving averages of the
        loss's auxiliary outputs: after every step s ← (1 − momentum)·s +
        momentum·(output ``output`` of that step), the output having the
        argument's shape. With ``loss`` returning ``(value, mean, var)`` from
        :func:`nonsmooth.batch_norm` (``return_stats=True``) these are the
        running statistics of batch normalization, used in evaluation mode
        (``batch_norm(x, ..., mean=..., var=...)``); the final values are in
        ``result.state``.

    Returns
    -------
    TrainResult
        ``params``, ``averaged_params``, ``history``, ``kinks``, ``steps``,
        ``stop`` and ``time``. A run that diverged (non-finite loss or
        parameters) returns with ``stop="diverged"`` and a
        :class:`~nonsmooth.DivergenceWarning`.

    Raises
    ------
    KeyboardInterrupt
        On Ctrl-C, like every solver of nonsmooth: the native loop checks for
        it at least every 20 ms and stops at once; the state reached is
        attached to the exception as ``.result`` (a TrainResult with
        ``stop="cancelled"``). An exception raised by ``callback`` is
        re-raised the same way.

    Examples
    --------
    >>> import numpy as np, nonsmooth as ns
    >>> from nonsmooth.optim import SGD
    >>> @ns.function
    ... def lsq(w, X, y):
    ...     return 0.5 * ns.mean((X @ w - y) ** 2)
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(200, 5)); y = X @ np.array([1.0, -2, 0, 0, 0.5])
    >>> res = ns.train(lsq, {"w": np.zeros(5)}, {"X": X, "y": y}, optimizer=SGD(0.1),
    ...                prox={"w": ns.prox.L1(0.01)}, steps=2000, batch_size=20)
    >>> res.stop, int((res.params["w"] == 0).sum())
    ('completed', 2)
    """
    if not isinstance(loss, Function):
        raise TypeError(f"loss: expected a function decorated with @nonsmooth.function, got {type(loss).__name__}")
    if optimizer is None:
        optimizer = Adam(1e-3)
    if not isinstance(optimizer, Optimizer):
        raise TypeError(f"optimizer: expected a nonsmooth.optim optimizer (SGD, Adam, ...), got {type(optimizer).__name__}")
    steps = as_int(steps, "steps", low=0, high=2**52)
    record_every = as_int(record_every, "record_every", low=1)
    seed = as_int(seed, "seed", low=0, high=2**64 - 1)
    threshold = as_scalar(threshold, "threshold", low=0.0)
    if not isinstance(replacement, (bool, np.bool_)):
        raise TypeError(f"replacement: expected a bool, got {type(replacement).__name__}")
    if averaging not in _AVERAGING:
        raise ValueError(f"averaging: must be None, 'uniform' or 'step_weighted', got {averaging!r}")
    if callback is not None and not callable(callback):
        raise TypeError(f"callback: expected a callable(step, loss), got {type(callback).__name__}")
    native_policy = _resolve(policy)._native()

    generated = []
    if noise is not None:
        if not isinstance(noise, dict):
            raise TypeError("noise: expected a dict argument name → (kind, shape)")
        for name, spec in noise.items():
            if not (isinstance(spec, tuple) and len(spec) == 2 and spec[0] in _NOISE):
                raise ValueError(f"noise[{name!r}]: expected (kind, shape) with kind 'uniform', 'normal' or "
                                 f"'gumbel', got {spec!r}")
            shape = (spec[1],) if np.ndim(spec[1]) == 0 else tuple(spec[1])
            generated.append((_NOISE[spec[0]], {name: np.zeros(tuple(as_int(d, f"noise[{name!r}] shape", low=0)
                                                                     for d in shape))}))
    if step_counter is not None:
        if not isinstance(step_counter, str):
            raise TypeError(f"step_counter: expected an argument name, got {type(step_counter).__name__}")
        generated.append((_STEP, {step_counter: np.zeros(())}))
    state_specs = {}
    if state is not None:
        if not isinstance(state, dict):
            raise TypeError("state: expected a dict argument name → (initial, output, momentum)")
        for name, spec in state.items():
            if not (isinstance(spec, tuple) and len(spec) == 3):
                raise ValueError(f"state[{name!r}]: expected (initial, output index, momentum), got {spec!r}")
            out_index = as_int(spec[1], f"state[{name!r}] output", low=1)
            momentum = as_scalar(spec[2], f"state[{name!r}] momentum", low=0.0, high=1.0)
            state_specs[name] = (out_index, momentum)
            generated.append((_STATE, {name: spec[0]}))
    # Named first, so that positional params/data/fixed fill the other arguments.
    arguments = _assign(loss, generated + [(_PARAMETER, params), (_DATA, data), (_FIXED, fixed)])
    names = list(arguments)
    roles = [arguments[n][0] for n in names]
    # The precision of the loop follows the arrays the user gave (not the loop's own noise buffers).
    dtype = computation_dtype([value for role, value in arguments.values() if role in _USER_ROLES])
    arrays = []
    for name, (role, value) in arguments.items():
        a = as_float_array(value, f"{_ROLE_NAMES[role]}[{name!r}]", allow_empty=role != _DATA)
        if role == _DATA and a.ndim == 0:
            raise ValueError(f"data[{name!r}]: must have at least one dimension (its rows), got a scalar")
        arrays.append(np.require(a.astype(dtype, copy=False), requirements="C"))
    if _PARAMETER not in roles:
        raise ValueError("params: at least one parameter is needed")
    data_names = [n for n, r in zip(names, roles) if r == _DATA]
    if data_names:
        rows = arrays[names.index(data_names[0])].shape[0]
        for n in data_names[1:]:
            r = arrays[names.index(n)].shape[0]
            if r != rows:
                raise ValueError(f"data[{n!r}]: has {r} rows, data[{data_names[0]!r}] has {rows}")
        if batch_size is None:
            batch_size = rows
        batch_size = as_int(batch_size, "batch_size", low=1)
        if not replacement and batch_size > rows:
            raise ValueError(f"batch_size: {batch_size} exceeds the {rows} rows of the data; "
                             "lower it or sample with replacement=True")
    else:
        rows = 1
        if batch_size not in (None, 1):
            raise ValueError(f"batch_size: {loss.__name__}() has no data arguments to sample from")
        batch_size = 1

    # Tracing needs only shapes: data arguments get batch_size rows (zero-copy stand-ins).
    batch_arrays = [np.broadcast_to(np.zeros((), dtype), (batch_size,) + a.shape[1:]) if r == _DATA else a
                    for a, r in zip(arrays, roles)]
    compiled = loss._compiled(batch_arrays, dtype)
    loss._scalar_output(compiled, "train")
    evaluation = None
    if full_loss:
        evaluation = compiled if batch_size == rows else loss._compiled(arrays, dtype)

    prox_handles = None
    if prox is not None:
        if not isinstance(prox, dict):
            raise TypeError("prox: expected a dict parameter name → nonsmooth.prox operator")
        prox_handles = [None] * len(names)
        for name, op in prox.items():
            if name not in names or arguments[name][0] != _PARAMETER:
                params_names = [n for n, r in zip(names, roles) if r == _PARAMETER]
                raise ValueError(f"prox: {name!r} is not a parameter (parameters: {', '.join(params_names)})")
            if not isinstance(op, ProximalOperator):
                raise TypeError(f"prox[{name!r}]: expected a nonsmooth.prox operator, got {type(op).__name__}")
            k = names.index(name)
            if op.is_matrix and arrays[k].ndim != 2:
                raise ValueError(f"prox[{name!r}]: {type(op).__name__} acts on matrices, {name!r} has shape "
                                 f"{arrays[k].shape}")
            prox_handles[k] = op._handle(int(arrays[k].size))

    history_rows = 2 + -(-steps // record_every)
    if history_rows > _MAX_HISTORY_ROWS:
        raise ValueError(f"record_every: {record_every} would record {history_rows} rows for {steps} steps; raise it")
    outputs = [np.empty(a.shape, dtype) if r in (_PARAMETER, _STATE) else None for a, r in zip(arrays, roles)]
    state_outputs = state_momenta = None
    if state_specs:
        state_outputs = [state_specs[n][0] if n in state_specs else 0 for n in names]
        state_momenta = [state_specs[n][1] if n in state_specs else 0.0 for n in names]
    averaged = None
    if averaging not in (None, "none"):
        averaged = [np.empty(a.shape, dtype) if r == _PARAMETER else None for a, r in zip(arrays, roles)]
    history = np.full((len(COLUMNS), history_rows), np.nan)
    info = np.zeros(4)

    label = getattr(loss, "__name__", "train")

    user_callback = None if callback is None else (lambda step, value: callback(int(step), float(value)))
    report = _progress.reporter(progress, user_callback, label, "loss", unit="step", total=steps)

    schedule = optimizer.lr
    status, kinks, exception = _native.train(
        compiled.handle, None if evaluation is None else evaluation.handle, compiled.code, arrays, roles, rows, prox_handles,
        state_outputs, state_momenta, optimizer._native_handle(), schedule.kind, schedule.parameters, steps, batch_size, bool(replacement), seed,
        record_every, threshold, _AVERAGING[averaging], native_policy, outputs, averaged, history, info,
        report, _POLL_SECONDS)
    _progress.close(report)

    n = int(info[2])
    columns = {name: history[c, :n].copy() for c, name in enumerate(COLUMNS)}
    columns["step"] = columns["step"].astype(np.int64)
    columns["kinks"] = columns["kinks"].astype(np.int64)
    param_names = [nm for nm, r in zip(names, roles) if r == _PARAMETER]
    result = TrainResult(
        params={nm: outputs[names.index(nm)] for nm in param_names},
        averaged_params=None if averaged is None else {nm: averaged[names.index(nm)] for nm in param_names},
        history=History(columns), kinks=KinkReport.from_text(kinks), steps=int(info[0]),
        stop=_STOPS[int(info[1])], time=float(info[3]),
        state={nm: outputs[names.index(nm)] for nm in state_specs})
    if exception is not None:
        try:
            exception.result = result
        except AttributeError:  # pragma: no cover - exceptions with __slots__
            pass
        raise exception
    if result.stop == "completed" and result.steps > 0 and all(
            np.array_equal(result.params[nm], arrays[names.index(nm)]) for nm in param_names):
        _warn_if_stuck_on_kinks(loss, arrays, [names.index(nm) for nm in param_names], policy)
    if result.stop == "diverged":
        warnings.warn(f"training diverged at step {result.steps}: the loss or a parameter is no longer finite "
                      "(lower the learning rate)", DivergenceWarning, stacklevel=2)
    return result
