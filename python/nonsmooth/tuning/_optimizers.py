"""Outer optimizers of bilevel tuning, in log-space with box projection.

Each optimizer minimizes an objective θ ↦ (C(θ), ∇C(θ)) over the box
[lower, upper], calling it at most ``max_outer`` times (every call solves all
inner problems and computes their hypergradients, so calls are the cost). The
objective records every call in the estimator's ``history_``; optimizers mark
the calls they accept. They stop with a sentence saying why (``stop_reason_``):

- the criterion decreased by less than ``rtol`` (relative) over an accepted step,
  once the inner tolerance is the final one (with decreasing tolerances, earlier
  criteria are inexact by more than ``rtol``: a small decrease there means nothing);
- the projected hypergradient is small: max_j |θ_j − P(θ_j − ∂C/∂θ_j)| ≤ gtol·|C|
  (zero when every inner solution is 0: a flat region);
- ``max_outer`` evaluations were used;
- the line search could not decrease the criterion with steps down to ``xtol``
  in log-space (at a kink of the criterion, or below the accuracy of the inner
  solutions).
"""
from __future__ import annotations

import dataclasses
import warnings

import numpy as np

from .._validation import as_int
from ..training._optimizers import Adam as AdamRule
from ..training._optimizers import Optimizer


@dataclasses.dataclass
class StoppingRule:
    max_outer: int = 50
    rtol: float = 1e-5
    gtol: float = 1e-5
    #: Line searches give up when the trial step in log-space is below this (the
    #: hyperparameters would change by less than 0.001 %).
    xtol: float = 1e-5

    def step_too_small(self, d):
        size = float(np.max(np.abs(d)))
        if size < self.xtol:
            return (f"the line search reached steps of {size:.1e} in log-space (< xtol = {self.xtol:.0e}) without "
                    "decreasing the criterion: θ sits at a kink of the criterion (a breakpoint of the path where "
                    "the derivative changes sign), or the inner solutions are not accurate enough to see a decrease")
        return None

    def projected_gradient_small(self, theta, grad, value, lower, upper):
        step = theta - np.clip(theta - grad, lower, upper)
        size = float(np.max(np.abs(step))) if step.size else 0.0
        if size == 0.0:
            return "the projected hypergradient is exactly zero (a bound is reached, or every inner solution is 0)"
        if size <= self.gtol * max(abs(value), 1e-300):
            return (f"the projected hypergradient max|Δθ| = {size:.2e} is below gtol·|C| = "
                    f"{self.gtol * abs(value):.2e}")
        return None


class _Budget(Exception):
    """Raised by the objective wrapper when max_outer evaluations are used."""


def _limited(objective, rule):
    def call(theta):
        if objective.n_evaluations >= rule.max_outer:
            raise _Budget
        return objective(theta)
    return call


class GradientDescent:
    """Projected gradient descent with a backtracking line search, in the spirit
    of HOAG (Pedregosa, "Hyperparameter optimization with approximate gradient",
    ICML 2016): a step t is accepted when the projected point θ⁺ = P(θ − t∇C)
    satisfies the Armijo condition along the projection arc,

        C(θ⁺) ≤ C(θ) + c·∇Cᵀ(θ⁺ − θ),   c = ``armijo``,

    otherwise t is multiplied by ``shrink``. After an accepted step the next trial
    step is the Barzilai–Borwein step sᵀs/sᵀy (s, y: the changes of θ and of the
    hypergradient; a secant step for one hyperparameter), or t·``increase`` when
    the curvature sᵀy is not positive. The first step moves θ by at most ``first_step`` in log-space
    (a factor e in α by default). Inner tolerances decrease along the way when the
    estimator's ``tol_decrease`` is set (HOAG's summable tolerance sequence).

    With one hyperparameter (LassoTuned) the descent keeps a bracket [a, b] of a
    local minimum and stops once it is narrower than ``bracket_tol``: a point
    whose hypergradient is positive (negative) is a right (left) end, and so is a
    trial point with a higher criterion than the current one on the side its
    hypergradient points to. The bracket starts from the points evaluated before
    (the starting scan of ``alpha0="scan"``) and the box. Trial points are secant
    steps on the hypergradient (the Barzilai–Borwein step in 1-D), replaced by
    the midpoint between the current point and the end of the bracket when they
    leave it, land in its last tenth or follow a rejected trial; no Armijo test,
    the bracket makes progress. On the kinks of a cross-validation curve the secant steps of
    the plain descent zig-zag (20–30 evaluations on 100 × 10 000); bracketed,
    they stop after 5–8.

    Parameters
    ----------
    first_step : float, default=1.0
        Largest move of the first step in log-space.
    shrink : float, default=0.5
        Backtracking factor.
    increase : float, default=2.0
        Step growth when the curvature is not positive.
    armijo : float, default=1e-4
        c in the Armijo condition.
    max_backtracks : int, default=30
    bracket_tol : float, default=1e-3
        One hyperparameter: stop when the bracket of the minimum is narrower than
        this in log-space (α known to 0.1 %; scikit-learn's default grid steps by 7 %).

    Examples
    --------
    >>> d = ns.datasets.load_diabetes()
    >>> X, y = (d.data - d.data.mean(0)) / d.data.std(0), d.target
    >>> model = ns.LassoTuned(optimizer=ns.tuning.GradientDescent(first_step=0.5)).fit(X, y)
    >>> round(model.alpha_, 3), model.n_outer_ <= 50
    (0.082, True)
    """

    name = "gd"

    def __init__(self, first_step=1.0, shrink=0.5, increase=2.0, armijo=1e-4, max_backtracks=30, bracket_tol=1e-3):
        self.first_step = first_step
        self.bracket_tol = bracket_tol
        self.armijo = armijo
        self.shrink = shrink
        self.increase = increase
        self.max_backtracks = max_backtracks

    def minimize(self, objective, theta0, lower, upper, rule):
        f_call = _limited(objective, rule)
        theta = np.clip(theta0, lower, upper)
        try:
            f, g = f_call(theta)
        except _Budget:
            return theta, "max_outer = 0"
        objective.accept(theta)
        if theta.size == 1:
            return self._bracketed(objective, f_call, theta, f, g, lower, upper, rule)
        t = self.first_step / max(float(np.max(np.abs(g))), 1e-300)
        try:
            while True:
                reason = rule.projected_gradient_small(theta, g, f, lower, upper)
                if reason:
                    return theta, reason
                for _ in range(self.max_backtracks + 1):
                    new = np.clip(theta - t * g, lower, upper)
                    d = new - theta
                    if not np.any(d):
                        return theta, "the projected step vanished (θ is at a bound the hypergradient points past)"
                    reason = rule.step_too_small(d)
                    if reason:
                        return theta, reason
                    fn, gn = f_call(new)
                    if fn <= f + self.armijo * float(g @ d):
                        break
                    t *= self.shrink
                else:
                    return theta, (f"the line search could not decrease the criterion in {self.max_backtracks} "
                                   "halvings (a kink of the criterion, or inner solutions not accurate enough)")
                objective.accept(new)
                decrease = (f - fn) / max(abs(f), 1e-300)
                s, yk = new - theta, gn - g
                curvature = float(s @ yk)
                # Barzilai–Borwein trial step (a secant step in 1-D) when the curvature
                # is positive, else a longer step; the line search keeps it safe.
                t = float(s @ s) / curvature if curvature > 0 else t * self.increase
                theta, f, g = new, fn, gn
                if decrease < rule.rtol and objective.at_final_tol():
                    return theta, f"the criterion decreased by {decrease:.1e} < rtol = {rule.rtol:.0e} (relative)"
        except _Budget:
            return theta, f"max_outer = {rule.max_outer} evaluations used"


    def _bracketed(self, objective, f_call, theta, f, g, lower, upper, rule):
        """One hyperparameter: secant steps on the hypergradient inside a shrinking bracket."""
        x, g1 = float(theta[0]), float(g[0])
        lo, hi = float(lower[0]), float(upper[0])
        previous = None  # the last other point (θ, dC/dθ), for the secant
        for record in getattr(objective, "history", []):  # points evaluated before (the scan)
            xr, fr, gr = float(record["theta"][0]), record["criterion"], float(record["hypergradient"][0])
            if xr == x:
                continue
            if xr < x and (gr < 0 or (g1 > 0 and fr > f)):
                lo = max(lo, xr)
            elif xr > x and (gr > 0 or (g1 < 0 and fr > f)):
                hi = min(hi, xr)
            if (xr - x) * g1 < 0 and (previous is None or abs(xr - x) < abs(previous[0] - x)):
                previous = (xr, gr)  # the nearest point downhill
        if g1 > 0:
            hi = min(hi, x)
        elif g1 < 0:
            lo = max(lo, x)
        rejected = False
        try:
            while True:
                reason = rule.projected_gradient_small(np.array([x]), np.array([g1]), f, lower, upper)
                if reason:
                    return np.array([x]), reason
                if hi - lo <= self.bracket_tol:
                    return np.array([x]), (f"the minimum is bracketed within {hi - lo:.1e} in log-space "
                                           f"(≤ bracket_tol = {self.bracket_tol:.0e})")
                # Downhill from x, towards the end of the bracket the hypergradient points to.
                end = lo if g1 > 0 else hi
                slope = (g1 - previous[1]) / (x - previous[0]) if previous is not None else 0.0
                trial = x - g1 / slope if slope > 0 else x - np.sign(g1) * self.first_step
                inside = min(lo, end, x) < trial < max(hi, end, x) and (trial - x) * (end - x) > 0
                # Bisect after a rejected trial and when the secant lands next to the end
                # (regula falsi's stagnation: trials creeping towards one end).
                if not inside or rejected or abs(trial - end) < 0.1 * abs(end - x):
                    finite = end not in (float(lower[0]), float(upper[0])) or abs(end - x) <= self.first_step
                    trial = 0.5 * (x + end) if finite else x - np.sign(g1) * self.first_step
                reason = rule.step_too_small(np.array([trial - x]))
                if reason:
                    return np.array([x]), reason
                fn, gn = f_call(np.array([trial]))
                gn = float(gn[0])
                rejected = fn > f
                if not rejected:
                    objective.accept(np.array([trial]))
                    decrease = (f - fn) / max(abs(f), 1e-300)
                    previous, (x, f, g1) = (x, g1), (trial, fn, gn)
                    if gn > 0:
                        hi = min(hi, x)
                    elif gn < 0:
                        lo = max(lo, x)
                    if decrease < rule.rtol and objective.at_final_tol() and decrease > 0:
                        return np.array([x]), (f"the criterion decreased by {decrease:.1e} < rtol = {rule.rtol:.0e} "
                                               "(relative)")
                else:  # higher than at x, on the side x's hypergradient points to: an end
                    previous = (trial, gn)
                    if trial < x:
                        lo = max(lo, trial)
                    else:
                        hi = min(hi, trial)
        except _Budget:
            return np.array([x]), f"max_outer = {rule.max_outer} evaluations used"


class FirstOrder:
    """Any optimizer of :mod:`nonsmooth.optim` (``ns.Adam``, ``ns.SGD``,
    ``ns.Momentum``, ...) on θ, with projection onto the box after each step.

    The update is the optimizer's own native rule (the one :func:`nonsmooth.train`
    runs), applied to a fresh copy of it: the object given is configuration and
    is never stepped. One evaluation per step; stops on ``max_outer``, on a small
    projected hypergradient, or when the best criterion improved by less than
    ``rtol`` (relative) over the last ``patience`` steps.

    Parameters
    ----------
    optimizer : nonsmooth.optim.Optimizer
        The update rule and its step sizes (in log-space of the hyperparameters).
    patience : int, default=5
        Outer steps without enough improvement before stopping.

    Examples
    --------
    >>> d = ns.datasets.load_diabetes()
    >>> X, y = (d.data - d.data.mean(0)) / d.data.std(0), d.target
    >>> model = ns.LassoTuned(optimizer=ns.Adam(0.2), max_outer=30).fit(X, y)
    >>> round(model.alpha_, 2)
    0.08
    """

    name = "first_order"

    def __init__(self, optimizer, patience=5):
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"optimizer: expected a nonsmooth.optim optimizer, got {type(optimizer).__name__}")
        self.optimizer = optimizer
        self.patience = check_positive_int(patience, "patience")

    def __repr__(self):
        return f"FirstOrder({self.optimizer!r}, patience={self.patience})"

    def minimize(self, objective, theta0, lower, upper, rule):
        f_call = _limited(objective, rule)
        opt = self.optimizer._fresh()
        theta = np.ascontiguousarray(np.clip(theta0, lower, upper), dtype=np.float64)
        best = []
        try:
            while True:
                f, g = f_call(theta.copy())
                objective.accept(theta)
                best.append(min(f, best[-1]) if best else f)
                reason = rule.projected_gradient_small(theta, g, f, lower, upper)
                if reason:
                    return theta, reason
                if len(best) > self.patience:
                    old = best[-1 - self.patience]
                    if (old - best[-1]) / max(abs(old), 1e-300) < rule.rtol and objective.at_final_tol():
                        return theta, (f"the best criterion improved by less than rtol = {rule.rtol:.0e} over "
                                       f"{self.patience} steps")
                opt.step(theta, g)
                np.clip(theta, lower, upper, out=theta)
        except _Budget:
            return theta, f"max_outer = {rule.max_outer} evaluations used"


def _adam(learning_rate=0.2, beta1=0.9, beta2=0.999, epsilon=1e-8, patience=5):
    """The ``optimizer="adam"`` of the tuned estimators: ``ns.Adam(0.2)`` projected."""
    return FirstOrder(AdamRule(learning_rate, beta1=beta1, beta2=beta2, eps=epsilon), patience=patience)


class Adam(FirstOrder):
    """Deprecated: pass ``nonsmooth.Adam(learning_rate, beta1, beta2, eps)`` (the
    optimizer of :mod:`nonsmooth.optim`) as ``optimizer=`` instead; this class is
    that optimizer with projection, kept so existing code runs, and will be removed."""

    def __init__(self, learning_rate=0.2, beta1=0.9, beta2=0.999, epsilon=1e-8, patience=5):
        warnings.warn("nonsmooth.tuning.Adam is deprecated: pass optimizer=nonsmooth.Adam(learning_rate) (one "
                      "optimizer family for training and tuning)", FutureWarning, stacklevel=2)
        super().__init__(AdamRule(learning_rate, beta1=beta1, beta2=beta2, eps=epsilon), patience=patience)


class LBFGS:
    """Limited-memory BFGS with bounds in log-space: scipy's L-BFGS-B when SciPy
    is installed (``use_scipy=True``), otherwise a projected L-BFGS written here
    (two-loop recursion, projection onto the box, Armijo backtracking, memory
    reset when the projected direction is not a descent direction).

    Parameters
    ----------
    memory : int, default=10
        Pairs (s, y) kept.
    use_scipy : bool, default=True
        Use SciPy's L-BFGS-B when installed.

    Examples
    --------
    >>> d = ns.datasets.load_diabetes()
    >>> X, y = (d.data - d.data.mean(0)) / d.data.std(0), d.target
    >>> model = ns.WeightedLassoTuned(optimizer=ns.tuning.LBFGS(), max_outer=20).fit(X, y)
    >>> model.alphas_.shape
    (10,)
    """

    name = "lbfgs"

    def __init__(self, memory=10, use_scipy=True):
        self.memory = memory
        self.use_scipy = use_scipy

    def minimize(self, objective, theta0, lower, upper, rule):
        theta0 = np.clip(theta0, lower, upper)
        if self.use_scipy:
            try:
                from scipy.optimize import minimize
            except ImportError:  # pragma: no cover - exercised without scipy
                minimize = None
            if minimize is not None:
                return self._scipy(minimize, objective, theta0, lower, upper, rule)
        return self._own(objective, theta0, lower, upper, rule)

    def _scipy(self, minimize, objective, theta0, lower, upper, rule):
        f_call = _limited(objective, rule)
        # L-BFGS-B's first step is the raw gradient: scale the objective so that the
        # first hypergradient has max-norm 1 and that step moves θ by at most 1.
        try:
            f0, g0 = f_call(theta0)
        except _Budget:
            return theta0, "max_outer = 0"
        scale = 1.0 / max(float(np.max(np.abs(g0))), 1e-300)
        cache = {theta0.tobytes(): (f0, g0)}

        def fun(theta):
            theta = np.asarray(theta, dtype=float)
            hit = cache.pop(theta.tobytes(), None)
            f, g = hit if hit is not None else f_call(theta)
            return f * scale, g * scale

        def accept(xk):
            objective.accept(theta=np.asarray(xk))

        try:
            res = minimize(fun, theta0, jac=True, method="L-BFGS-B", bounds=list(zip(lower, upper)),
                           callback=accept, options={"maxcor": self.memory, "maxiter": rule.max_outer,
                                                     "maxfun": rule.max_outer, "ftol": rule.rtol,
                                                     "gtol": rule.gtol * abs(f0) * scale})
        except _Budget:
            return objective.best_theta(), f"max_outer = {rule.max_outer} evaluations used"
        message = res.message if isinstance(res.message, str) else str(res.message)
        return np.asarray(res.x, dtype=float), f"L-BFGS-B: {message.lower()}"

    def _own(self, objective, theta0, lower, upper, rule):
        f_call = _limited(objective, rule)
        theta = theta0
        s_list, y_list = [], []
        try:
            f, g = f_call(theta)
            objective.accept(theta)
            while True:
                reason = rule.projected_gradient_small(theta, g, f, lower, upper)
                if reason:
                    return theta, reason
                # two-loop recursion: d = −H g
                q = g.copy()
                alphas = []
                for s, y in reversed(list(zip(s_list, y_list))):
                    a = float(s @ q) / float(y @ s)
                    alphas.append(a)
                    q -= a * y
                if s_list:
                    s, y = s_list[-1], y_list[-1]
                    q *= float(s @ y) / float(y @ y)
                else:
                    q /= max(float(np.max(np.abs(g))), 1e-300)  # first step moves θ by ≤ 1
                for (s, y), a in zip(zip(s_list, y_list), reversed(alphas)):
                    b = float(y @ q) / float(y @ s)
                    q += (a - b) * s
                d = -q
                step = 1.0
                new = np.clip(theta + d, lower, upper)
                if float(g @ (new - theta)) >= 0:  # not a descent direction after projection: reset
                    s_list, y_list = [], []
                    d = -g / max(float(np.max(np.abs(g))), 1e-300)
                    new = np.clip(theta + d, lower, upper)
                for _ in range(31):
                    new = np.clip(theta + step * d, lower, upper)
                    delta = new - theta
                    if not np.any(delta):
                        return theta, "the projected step vanished (θ is at a bound the hypergradient points past)"
                    reason = rule.step_too_small(delta)
                    if reason:
                        return theta, reason
                    fn, gn = f_call(new)
                    if fn <= f + 1e-4 * float(g @ delta):
                        break
                    step *= 0.5
                else:
                    return theta, "the line search could not decrease the criterion in 30 halvings"
                objective.accept(new)
                s, y = new - theta, gn - g
                if float(s @ y) > 1e-12 * np.linalg.norm(s) * np.linalg.norm(y):
                    s_list.append(s)
                    y_list.append(y)
                    if len(s_list) > self.memory:
                        s_list.pop(0)
                        y_list.pop(0)
                decrease = (f - fn) / max(abs(f), 1e-300)
                theta, f, g = new, fn, gn
                if decrease < rule.rtol and objective.at_final_tol():
                    return theta, f"the criterion decreased by {decrease:.1e} < rtol = {rule.rtol:.0e} (relative)"
        except _Budget:
            return theta, f"max_outer = {rule.max_outer} evaluations used"


_OPTIMIZERS = {"gd": GradientDescent, "adam": _adam, "lbfgs": LBFGS}


def make_optimizer(optimizer):
    """The outer optimizer of an estimator's ``optimizer`` parameter: a name, an
    optimizer of :mod:`nonsmooth.optim` (run projected by :class:`FirstOrder`), or
    an object with ``minimize(objective, theta0, lower, upper, rule)``."""
    if isinstance(optimizer, str):
        if optimizer not in _OPTIMIZERS:
            raise ValueError(f"optimizer: must be one of {sorted(_OPTIMIZERS)}, a nonsmooth.optim optimizer "
                             f"(e.g. nonsmooth.Adam(0.1)) or an optimizer object, got {optimizer!r}")
        return _OPTIMIZERS[optimizer]()
    if isinstance(optimizer, Optimizer):
        return FirstOrder(optimizer)
    if hasattr(optimizer, "minimize"):
        return optimizer
    raise ValueError(f"optimizer: must be one of {sorted(_OPTIMIZERS)}, a nonsmooth.optim optimizer (e.g. "
                     f"nonsmooth.Adam(0.1)) or an optimizer object, got {optimizer!r}")


def check_positive_int(value, name):
    return as_int(value, name, low=1)
