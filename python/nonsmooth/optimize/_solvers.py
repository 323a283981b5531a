"""Generic composite solvers: min f(x) + g(x) with f a smooth loss and g any
operator of :mod:`nonsmooth.prox`. The iterations run natively; each result
carries its certificate."""
from __future__ import annotations

import time
import warnings
from dataclasses import dataclass, field

import numpy as np

from .. import _native, _progress
from .._interrupt import result_on_interrupt
from .._validation import as_float_array, as_int, as_scalar
from ..exceptions import ConvergenceWarning
from ..prox import ProximalOperator, Zero
from .losses import SmoothLoss

_NOT_CONVERGED, _CANCELLED = 4, 3
_STATUS = {0: "converged", _NOT_CONVERGED: "max_iter", _CANCELLED: "cancelled"}


@dataclass
class OptimizeResult:
    """What a solve returns.

    Attributes
    ----------
    x : ndarray
        The solution (for the subgradient method, the best iterate).
    objective : float
        F(x) = f(x) + g(x).
    certificate : float
        Proximal gradient: ‖x − prox_{tg}(x − t∇f(x))‖/t (a KKT residual: 0 exactly
        at a minimizer). ADMM: max of the primal and dual residuals relative to their
        tolerances. Subgradient method: the KKT residual at the best iterate (NaN when
        no Lipschitz constant is known) — the method itself has no certificate.
    certificate_tolerance : float
    n_iter : int
    status : {"converged", "max_iter", "cancelled"}
    history : ndarray
        F(x_k) per iteration, when requested.
    time : float
        Wall-clock seconds of the solve.
    info : dict
        Solver-specific details (step, restarts, backtracks, residuals, ...).

    Parameters
    ----------
    x, objective, certificate, certificate_tolerance, n_iter, status, history, time, info
        The attributes above (the solvers build it).

    Examples
    --------
    >>> from nonsmooth.optimize import LeastSquares
    >>> res = ns.minimize(LeastSquares(np.eye(2), np.array([3.0, 0.5])), ns.prox.L1(1.0), tol=1e-10)
    >>> res.x, res.status, res.converged
    (array([1., 0.]), 'converged', True)
    >>> bool(res.certificate <= res.certificate_tolerance)
    True
    """

    x: np.ndarray
    objective: float
    certificate: float
    certificate_tolerance: float
    n_iter: int
    status: str
    history: np.ndarray = field(default_factory=lambda: np.empty(0))
    time: float = 0.0
    info: dict = field(default_factory=dict)

    @property
    def converged(self) -> bool:
        return self.status == "converged"


def _positive_int(value, name):
    return as_int(value, name, low=1)


def _check(loss, prox, x0, shape=None, allow_matrix=False):
    if not isinstance(loss, SmoothLoss):
        raise TypeError(f"loss: expected a nonsmooth.optimize loss (LeastSquares, Logistic, Huber), "
                        f"got {type(loss).__name__}")
    prox = Zero() if prox is None else prox
    if not isinstance(prox, ProximalOperator):
        raise TypeError(f"prox: expected a nonsmooth.prox operator, got {type(prox).__name__}")
    p = loss.dimension
    if prox.is_matrix:
        if not allow_matrix:
            raise ValueError(f"prox: {type(prox).__name__} acts on matrices; this solver takes vector operators")
        if shape is None or len(shape) != 2 or int(shape[0]) * int(shape[1]) != p or int(shape[0]) < 1:
            raise ValueError(f"shape: {type(prox).__name__} acts on matrices; pass shape=(rows, columns) with "
                             f"rows·columns = {p}, the loss dimension (x = X.ravel())")
    x = np.zeros(p)
    if x0 is not None:
        x0 = as_float_array(x0, "x0", ndim=1)
        if x0.shape[0] != p:
            raise ValueError(f"x0: has {x0.shape[0]} entries but the loss has dimension {p}")
        x[:] = x0
    return prox, x, prox._handle(p if not prox.is_matrix else None)


def _warn(result, name):
    if result.status == "max_iter":
        warnings.warn(f"{name} did not converge in {result.n_iter} iterations: certificate "
                      f"{result.certificate:.3e} > tolerance {result.certificate_tolerance:.3e}",
                      ConvergenceWarning, stacklevel=3)
    elif result.status == "cancelled":
        warnings.warn(f"{name} stopped by its callback after {result.n_iter} iterations (certificate "
                      f"{result.certificate:.3e})", ConvergenceWarning, stacklevel=3)


def minimize(loss: SmoothLoss, prox: ProximalOperator | None = None, x0=None, *, shape=None, method: str = "fista",
             step="lipschitz", restart: str | None = None, tol: float = 1e-6, relative_tol: bool = False,
             max_iter: int = 10_000, shrink: float = 0.5, growth: float = 1.0, history: bool = False,
             callback=None, verbose: bool = False) -> OptimizeResult:
    """Minimize f(x) + g(x) by proximal gradient: ISTA or FISTA.

    Parameters
    ----------
    loss : LeastSquares, Logistic or Huber
        The smooth part f; its design may be dense or ``scipy.sparse`` (read as
        CSC, never densified).
    prox : nonsmooth.prox operator, default=None (g = 0)
        The nonsmooth part g, used only through its prox.
    x0 : array-like, default=zeros
    shape : (rows, columns), optional
        Required with a matrix operator (``Nuclear``, ``PSD``): x is then X.ravel()
        for the row-major matrix X of this shape (trace regression, matrix completion).
    method : {"fista", "ista"}
        FISTA (Beck & Teboulle, SIAM J. Imaging Sci. 2009) or plain forward-backward.
    step : "lipschitz", "backtracking" or float
        1/L (L estimated by power iteration unless the loss was given ``lipschitz``),
        Beck–Teboulle backtracking (``shrink``; ``growth`` > 1 lets the step grow
        back), or a fixed step.
    restart : {None, "function", "gradient"}
        Adaptive restart of FISTA's momentum (O'Donoghue & Candès, FoCM 2015).
    tol : float
        Stop when ‖x − prox_{tg}(x − t∇f(x))‖/t ≤ tol (times max(1, ‖∇f(x0)‖) if
        ``relative_tol``): the KKT residual of the composite problem.
    history : bool
        Record F(x_k) at every iteration.
    callback : callable(iteration, certificate_estimate) -> bool, optional
        Return False to stop. Ctrl-C also stops the solve.
    verbose : bool, default=False
        Show one updating progress line on stderr (iteration, certificate).

    Returns
    -------
    OptimizeResult

    Examples
    --------
    The Lasso ½‖Ax − b‖²/n + λ‖x‖₁ by FISTA, certified by its KKT residual:

    >>> from nonsmooth.optimize import LeastSquares
    >>> A = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    >>> b = np.array([1.0, -1.0, 0.5])
    >>> res = ns.minimize(LeastSquares(A, b), ns.prox.L1(0.1), method="fista", tol=1e-10)
    >>> res.x.round(6), res.status
    (array([ 0.866667, -0.533333]), 'converged')
    >>> bool(res.certificate <= 1e-10)
    True
    """
    prox, x, handle = _check(loss, prox, x0, shape, allow_matrix=True)
    matrix_rows = int(shape[0]) if prox.is_matrix else 0
    methods = {"ista": 0, "fista": 1}
    if method not in methods:
        raise ValueError(f"method: must be 'ista' or 'fista', got {method!r}")
    if isinstance(step, str):
        if step not in ("lipschitz", "backtracking"):
            raise ValueError(f"step: must be 'lipschitz', 'backtracking' or a positive float, got {step!r}")
        step_rule, step_value = (0, np.nan) if step == "lipschitz" else (2, np.nan)
    else:
        step_rule, step_value = 1, as_scalar(step, "step", low=0.0, low_open=True)
    restarts = {None: 0, "none": 0, "function": 1, "gradient": 2}
    if restart not in restarts:
        raise ValueError(f"restart: must be None, 'function' or 'gradient', got {restart!r}")
    tol = as_scalar(tol, "tol", low=0.0)
    max_iter = _positive_int(max_iter, "max_iter")
    shrink = as_scalar(shrink, "shrink", low=0.0, high=1.0, low_open=True, high_open=True)
    growth = as_scalar(growth, "growth", low=1.0)
    hist = np.empty(max_iter + 1) if history else None
    info = np.zeros(9)
    info[:3] = np.nan   # objective and certificate unknown if Ctrl-C stops the Lipschitz estimate
    start = time.perf_counter()

    def make_result(status):  # also the state reached when interrupted: x and info are written in place
        return OptimizeResult(
            x=x, objective=info[0], certificate=info[1], certificate_tolerance=info[2], n_iter=int(info[3]),
            status=_STATUS[status], history=np.empty(0) if hist is None else hist[:int(info[8])].copy(),
            time=time.perf_counter() - start,
            info={"step": info[4], "restarts": int(info[5]), "backtracks": int(info[6]),
                  "gradient_evaluations": int(info[7]), "method": method})

    report = _progress.reporter(verbose, callback, method.upper(), "certificate", unit="iteration")
    try:
        with result_on_interrupt(make_result):
            status = _native.prox_gradient(*loss._native_args(), handle, matrix_rows, methods[method], step_rule,
                                           step_value, shrink, growth, restarts[restart], tol, bool(relative_tol),
                                           max_iter, x, x0 is not None, hist, info, report, 10)
    finally:
        _progress.close(report)
    result = make_result(status)
    _warn(result, method.upper())
    return result


def subgradient_method(loss: SmoothLoss, prox: ProximalOperator | None = None, x0=None, *,
                       step_rule: str = "diminishing", step: float = 1.0, b: float = 1.0,
                       optimal_value: float | None = None, tol: float = 0.0, max_iter: int = 10_000,
                       history: bool = True, callback=None, verbose: bool = False) -> OptimizeResult:
    """The subgradient method x_{k+1} = x_k − α_k s_k with s_k ∈ ∂(f + g)(x_k)
    (Shor 1985; step rules as in Boyd's EE364b notes).

    Parameters
    ----------
    loss : LeastSquares, Logistic or Huber
        The smooth part f.
    prox : nonsmooth.prox operator, default=None (g = 0)
        The nonsmooth part g, used through its minimal-norm subgradient.
    x0 : array-like, default=zeros
    step_rule : {"constant", "constant_length", "diminishing", "square_summable", "polyak"}
        α_k = step; step/‖s_k‖; step/√(k+1); step/(b + k); Polyak's
        (F(x_k) − F*)/‖s_k‖² with F* = ``optimal_value`` when given, else the
        target level F_best − step/√(k+1).
    step, b : float
        The parameters of the step rule.
    optimal_value : float, optional
        F*, for Polyak's rule.
    tol : float
        With Polyak's rule and a known F*, stop when F_best − F* ≤ tol.
    max_iter : int, default=10000
    history : bool, default=True
        Record F(x_k).
    callback : callable(iteration, best_objective) -> bool, optional
        Return False to stop.
    verbose : bool, default=False
        Show one updating progress line on stderr.

    Returns
    -------
    OptimizeResult
        ``x`` is the best iterate, ``info["average"]`` the step-weighted average
        iterate. The method never certifies optimality (subgradients need not
        vanish at a nonsmooth minimizer); ``certificate`` is the prox-gradient KKT
        residual at the best iterate, NaN when no Lipschitz constant is known.

    Examples
    --------
    >>> from nonsmooth.optimize import LeastSquares
    >>> loss = LeastSquares(np.eye(2), np.array([3.0, 0.5]))   # ‖x − b‖²/4 + ‖x‖₁: minimum at (1, 0)
    >>> res = ns.subgradient_method(loss, ns.prox.L1(1.0), step_rule="square_summable", max_iter=20000)
    >>> res.x.round(2), res.info["best_iteration"] > 0
    (array([1., 0.]), True)
    """
    prox, x, handle = _check(loss, prox, x0)
    rules = {"constant": 0, "constant_length": 1, "diminishing": 2, "square_summable": 3}
    step = as_scalar(step, "step", low=0.0, low_open=True)
    b = as_scalar(b, "b", low=0.0, low_open=True)
    if step_rule == "polyak":
        if optimal_value is None:
            rule, p1 = 5, step
        else:
            rule, p1 = 4, as_scalar(optimal_value, "optimal_value")
    elif step_rule in rules:
        rule, p1 = rules[step_rule], step
    else:
        raise ValueError(f"step_rule: must be one of {sorted(rules) + ['polyak']}, got {step_rule!r}")
    max_iter = _positive_int(max_iter, "max_iter")
    tol = as_scalar(tol, "tol", low=0.0)
    hist = np.empty(max_iter + 1) if history else None
    average = np.zeros_like(x)
    info = np.zeros(7)
    info[[0, 2, 3, 4]] = np.nan   # unknown if Ctrl-C stops the Lipschitz estimate, before any iterate
    start = time.perf_counter()

    def make_result(status):  # also the state reached when interrupted: x and info are written in place
        converged = rule == 4 and info[0] - p1 <= tol
        return OptimizeResult(
            x=x, objective=info[0], certificate=info[4], certificate_tolerance=np.nan, n_iter=int(info[5]),
            status="cancelled" if status == _CANCELLED else ("converged" if converged else "max_iter"),
            history=np.empty(0) if hist is None else hist[:int(info[6])].copy(), time=time.perf_counter() - start,
            info={"best_iteration": int(info[1]), "average": average, "average_objective": info[2],
                  "min_subgradient_norm": info[3], "step_rule": step_rule})

    report = _progress.reporter(verbose, callback, "subgradient", "best_objective", unit="iteration")
    try:
        with result_on_interrupt(make_result):
            status = _native.subgradient_method(*loss._native_args(), handle, rule, p1, b, tol, max_iter, x,
                                                x0 is not None, average, hist, info,
                                                report, 100)
    finally:
        _progress.close(report)
    return make_result(status)


def admm(f: ProximalOperator, g: ProximalOperator, dimension: int, z0=None, *, penalty: float | None = None,
         relaxation: float = 1.6, abs_tol: float = 1e-8, rel_tol: float = 1e-6, residual_balancing: bool = True,
         max_iter: int = 10_000, callback=None, verbose: bool = False) -> OptimizeResult:
    """min f(x) + g(z) subject to x = z, by scaled over-relaxed ADMM with residual
    balancing (Boyd, Parikh, Chu, Peleato & Eckstein, 2011, §3.4), f and g used
    only through their prox.

    Parameters
    ----------
    f, g : nonsmooth.prox vector operators
    dimension : int
        The length of x and z.
    z0 : array-like, default=zeros
    penalty : float, optional
        The initial ρ (1 when None); residual balancing adapts it.
    relaxation : float, default=1.6
        Over-relaxation α ∈ (0, 2).
    abs_tol, rel_tol : float
        Boyd's absolute and relative tolerances of the residuals.
    residual_balancing : bool, default=True
    max_iter : int, default=10000
    callback : callable(iteration, residual_ratio) -> bool, optional
        Return False to stop.
    verbose : bool, default=False
        Show one updating progress line on stderr.

    Returns
    -------
    OptimizeResult
        ``x`` is the z-iterate (in the domain of g); the certificate is
        max(‖r‖/ε_pri, ‖s‖/ε_dual) with Boyd's primal and dual residuals, ≤ 1 at
        convergence.

    Examples
    --------
    min ι_[−1,1]³(x) + ‖z‖₁ subject to x = z, whose solution is 0:

    >>> res = ns.admm(ns.prox.Box(-1.0, 1.0), ns.prox.L1(1.0), dimension=3, z0=np.array([3.0, -2.0, 0.5]))
    >>> res.x, res.status
    (array([0., 0., 0.]), 'converged')
    """
    for name, op in (("f", f), ("g", g)):
        if not isinstance(op, ProximalOperator) or op.is_matrix:
            raise TypeError(f"{name}: expected a vector operator of nonsmooth.prox, got {type(op).__name__}")
    n = _positive_int(dimension, "dimension")
    z = np.zeros(n)
    if z0 is not None:
        z0 = as_float_array(z0, "z0", ndim=1)
        if z0.shape[0] != n:
            raise ValueError(f"z0: has {z0.shape[0]} entries but dimension is {n}")
        z[:] = z0
    rho = np.nan if penalty is None else as_scalar(penalty, "penalty", low=0.0, low_open=True)
    relaxation = as_scalar(relaxation, "relaxation", low=0.0, high=2.0, low_open=True, high_open=True)
    x = np.zeros(n)
    info = np.zeros(7)
    abs_tol, rel_tol = as_scalar(abs_tol, "abs_tol", low=0.0), as_scalar(rel_tol, "rel_tol", low=0.0)
    max_iter = _positive_int(max_iter, "max_iter")
    start = time.perf_counter()

    def make_result(status):  # also the state reached when interrupted: z, x and info are written in place
        certificate = max(info[1] / info[3] if info[3] > 0 else 0.0, info[2] / info[4] if info[4] > 0 else 0.0)
        return OptimizeResult(
            x=z, objective=info[0], certificate=certificate, certificate_tolerance=1.0, n_iter=int(info[6]),
            status=_STATUS[status], time=time.perf_counter() - start,
            info={"x": x, "primal_residual": info[1], "dual_residual": info[2], "primal_tolerance": info[3],
                  "dual_tolerance": info[4], "penalty": info[5]})

    report = _progress.reporter(verbose, callback, "ADMM", "residual_ratio", unit="iteration")
    try:
        with result_on_interrupt(make_result):
            status = _native.admm(f._handle(n), g._handle(n), n, rho, relaxation, abs_tol, rel_tol,
                                  bool(residual_balancing), max_iter, z, z0 is not None, x, info,
                                  report, 10)
    finally:
        _progress.close(report)
    result = make_result(status)
    _warn(result, "ADMM")
    return result
