"""Implicit differentiation of a solution map x*(θ) defined by F(x*, θ) = 0.

If F is differentiable in the conservative sense and A = ∂ₓF(x*, θ) is
invertible, the implicit function theorem gives ∂x*/∂θ = −A⁻¹ ∂_θF
(for nonsmooth F, with conservative Jacobians in place of derivatives: Bolte,
Le, Pauwels & Silveti-Falls, "Nonsmooth implicit differentiation for machine
learning and optimization", NeurIPS 2021). A fixed-point equation x = T(x, θ)
is the root problem F = T − x. Following jaxopt (Blondel et al., "Efficient and
modular implicit differentiation", NeurIPS 2022), A is never formed unless it is
small: products with A and Aᵀ come from the autodiff's jvp/vjp, and the linear
system is solved by GMRES.

The kink policy decides which element of the conservative Jacobian is used
where F is not differentiable (e.g. soft-thresholding at its threshold); the
kink report of the linearisation is returned with the result.
"""
from __future__ import annotations

import numbers
import warnings
from dataclasses import dataclass

import numpy as np

from .._validation import as_float_array
from ..autodiff import Function, KinkReport, Kinks, function
from ..exceptions import NumericalError
from ._gmres import gmres


class ImplicitFunctionWarning(RuntimeWarning):
    """The linear system of the implicit function theorem was solved only
    approximately (GMRES stopped before its tolerance, or ∂F/∂x is singular and
    a least-squares solution was used); the message gives the residual.

    Examples
    --------
    >>> import warnings
    >>> from nonsmooth.implicit import ImplicitFunctionWarning
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("error", ImplicitFunctionWarning)   # fail instead of approximating
    ...     issubclass(ImplicitFunctionWarning, RuntimeWarning)
    True
    """


@dataclass
class ImplicitResult:
    """A derivative of x*(θ) and what it took to compute it.

    Attributes
    ----------
    value : ndarray or tuple of ndarray
        The derivative (a tuple for several parameters).
    residual : float
        The relative residual of the linear solve (0 for a direct solve).
    solver : {"dense", "gmres"}
    products : int
        Jacobian-vector products used by the solve.
    kinks : KinkReport
        The kinks of F at (x*, θ), where the linearisation is a choice.

    Examples
    --------
    >>> from nonsmooth.implicit import implicit_jvp
    >>> F = lambda x, theta: x ** 3 + x - theta          # x*(2) = 1
    >>> result = implicit_jvp(F, np.array([1.0]), np.array([2.0]), tangents=np.array([1.0]))
    >>> result.value, result.solver, result.kinks       # dx*/dθ = 1/(3x² + 1)
    (array([0.25]), 'dense', KinkReport(no kinks))
    """

    value: object            # the derivative: an array, or a tuple for several parameters
    residual: float          # relative residual of the linear solve (0 for a direct solve)
    solver: str              # "dense" or "gmres"
    products: int            # Jacobian-vector products used by the solve
    kinks: KinkReport        # kinks of F at (x*, θ): where the linearisation is a choice


def _as_function(F) -> Function:
    return F if isinstance(F, Function) else function(F)


def _indices(params, wrt, n_params: int) -> tuple[list[int], bool]:
    single = not isinstance(wrt, (tuple, list))
    items = [wrt] if single else list(wrt)
    out = []
    for w in items:
        if not isinstance(w, numbers.Integral) or isinstance(w, bool) or not 0 <= int(w) < n_params:
            raise ValueError(f"wrt: expected parameter indices in [0, {n_params}), got {wrt!r}")
        out.append(int(w))
    if not out or len(set(out)) != len(out):
        raise ValueError(f"wrt: expected distinct parameter indices, got {wrt!r}")
    return out, single


class _Linearisation:
    """A = ∂ₓF and B_j = ∂_{θ_j}F at (x*, θ), through the autodiff."""

    def __init__(self, F, x, params, fixed_point: bool, policy):
        self.F = _as_function(F)
        self.x = as_float_array(x, "x", allow_empty=False)
        self.params = [as_float_array(p, f"params[{k}]", allow_empty=True) for k, p in enumerate(params)]
        self.fixed_point = fixed_point
        self.policy = policy
        value, kinks = self.F.evaluate(self.x, *self.params, policy=policy)
        value = np.asarray(value, dtype=float)
        if value.shape != self.x.shape:
            raise ValueError(f"F: must return an array of the shape of x {self.x.shape}, got {value.shape}")
        self.kinks = kinks
        self.n = self.x.size
        self.args = (self.x, *self.params)

    def A(self, v: np.ndarray) -> np.ndarray:
        _, t = self.F.jvp(*self.args, tangent=v.reshape(self.x.shape), wrt=0, policy=self.policy)
        t = np.asarray(t, dtype=float).ravel()
        return t - v if self.fixed_point else t

    def AT(self, u: np.ndarray) -> np.ndarray:
        _, g = self.F.vjp(*self.args, cotangent=u.reshape(self.x.shape), wrt=0, policy=self.policy)
        g = np.asarray(g, dtype=float).ravel()
        return g - u if self.fixed_point else g

    def dense_A(self) -> np.ndarray:
        J = np.asarray(self.F.jacobian(*self.args, wrt=0, policy=self.policy), dtype=float).reshape(self.n, self.n)
        return J - np.eye(self.n) if self.fixed_point else J

    def B(self, j: int, tangent: np.ndarray) -> np.ndarray:
        _, t = self.F.jvp(*self.args, tangent=tangent, wrt=j + 1, policy=self.policy)
        return np.asarray(t, dtype=float).ravel()

    def BT(self, j: int, u: np.ndarray) -> np.ndarray:
        _, g = self.F.vjp(*self.args, cotangent=u.reshape(self.x.shape), wrt=j + 1, policy=self.policy)
        return np.asarray(g, dtype=float)


def _solve(lin: _Linearisation, rhs: np.ndarray, transpose: bool, solver: str, tol: float, maxiter: int | None):
    if solver == "auto":
        solver = "dense" if lin.n <= 500 else "gmres"
    if solver == "dense":
        A = lin.dense_A()
        M = A.T if transpose else A
        s = np.linalg.svd(M, compute_uv=False)
        if s[-1] <= max(s[0], 1.0) * lin.n * np.finfo(float).eps:
            raise NumericalError(
                "the implicit function theorem does not apply here: ∂F/∂x is singular at the solution "
                f"(smallest singular value {s[-1]:.3g}, largest {s[0]:.3g}). For a Lasso-type fixed point this "
                "means the columns of X on the equicorrelation set are linearly dependent; the solution map "
                "may not be differentiable at this θ.")
        return np.linalg.solve(M, rhs), 0.0, "dense", lin.n
    if solver != "gmres":
        raise ValueError(f"solver: expected 'auto', 'dense' or 'gmres', got {solver!r}")
    op = lin.AT if transpose else lin.A
    sol, rel, used = gmres(op, rhs, tol=tol, maxiter=maxiter or 10 * lin.n + 100)
    if not np.all(np.isfinite(sol)):
        raise NumericalError("GMRES broke down on ∂F/∂x: the linear system of the implicit function theorem "
                             "is singular or badly conditioned at this solution")
    if rel > tol:
        warnings.warn(f"GMRES stopped at relative residual {rel:.3g} > tol = {tol:.3g} after {used} products; "
                      "∂F/∂x may be singular or badly conditioned (the implicit function theorem needs it "
                      "invertible)", ImplicitFunctionWarning, stacklevel=3)
    return sol, rel, "gmres", used


def implicit_jvp(F, x, *params, tangents, wrt=0, fixed_point: bool = False, solver: str = "auto",
                 tol: float = 1e-10, maxiter: int | None = None, policy: Kinks | None = None) -> ImplicitResult:
    """Directional derivative of the solution map: ẋ = −A⁻¹ Σ_j B_j θ̇_j.

    Parameters
    ----------
    F : callable or nonsmooth.Function
        ``F(x, *params)`` with a root (or, with ``fixed_point=True``, a fixed
        point) at the solution ``x``; traced by :func:`nonsmooth.function`.
    x : array
        The solution x*(θ), computed by any solver.
    *params : arrays
        θ, the parameters F depends on.
    tangents : array or tuple of arrays
        θ̇ for each parameter in ``wrt``.
    wrt : int or tuple of int
        Indices into ``params``.
    fixed_point : bool
        Whether F is a fixed-point map T (x* = T(x*, θ)) rather than a root function.
    solver : {"auto", "dense", "gmres"}
        "dense" forms A by the autodiff's Jacobian (n ≤ 500 for "auto") and
        checks it is nonsingular; "gmres" is matrix-free.
    policy : Kinks, optional
        Which element of the conservative Jacobian to use at kinks of F.

    tol : float, default=1e-10
        The relative tolerance of GMRES.
    maxiter : int, optional
        The iteration budget of GMRES.

    Returns
    -------
    ImplicitResult
        ``value`` has the shape of x.

    Examples
    --------
    The solution of x³ + x = θ is x*(2) = 1, with dx*/dθ = 1/(3x² + 1):

    >>> from nonsmooth.implicit import implicit_jvp
    >>> F = lambda x, theta: x ** 3 + x - theta
    >>> implicit_jvp(F, np.array([1.0]), np.array([2.0]), tangents=np.array([1.0])).value
    array([0.25])
    """
    lin = _Linearisation(F, x, params, fixed_point, policy)
    idx, single = _indices(params, wrt, len(params))
    given = [tangents] if single else list(tangents)
    if len(given) != len(idx):
        raise ValueError(f"tangents: expected {len(idx)} tangent(s), got {len(given)}")
    rhs = np.zeros(lin.n)
    for j, t in zip(idx, given):
        t = as_float_array(t, "tangents", allow_empty=True)
        if t.shape != lin.params[j].shape:
            t = np.broadcast_to(t, lin.params[j].shape).copy() if t.size == 1 else t
        if t.shape != lin.params[j].shape:
            raise ValueError(f"tangents: expected shape {lin.params[j].shape} for params[{j}], got {t.shape}")
        rhs -= lin.B(j, t)
    sol, rel, used_solver, products = _solve(lin, rhs, False, solver, tol, maxiter)
    return ImplicitResult(sol.reshape(lin.x.shape), rel, used_solver, products, lin.kinks)


def implicit_vjp(F, x, *params, cotangent, wrt=0, fixed_point: bool = False, solver: str = "auto",
                 tol: float = 1e-10, maxiter: int | None = None, policy: Kinks | None = None) -> ImplicitResult:
    """Vector-Jacobian product of the solution map: θ̄_j = −B_jᵀ u with Aᵀu = x̄.

    One linear solve whatever the number of parameters, which is what a
    hypergradient needs (x̄ = ∇ of a validation criterion at x*).

    Parameters
    ----------
    F, x, *params, wrt, fixed_point, solver, tol, maxiter, policy
        As in :func:`implicit_jvp`.
    cotangent : array
        x̄, with the shape of x.

    Returns
    -------
    ImplicitResult
        ``value`` is an array of params[wrt]'s shape (a tuple for a tuple ``wrt``).

    Examples
    --------
    The soft-thresholding fixed point x = S_λ(x − (x − y)) = S_λ(y): ∂x/∂y is 1
    on the support and 0 off it, ∂x/∂λ is −sign(x):

    >>> from nonsmooth.implicit import implicit_vjp
    >>> T = lambda x, y, lam: ns.soft_threshold(x - (x - y), lam)
    >>> y, lam = np.array([3.0, 0.5, -2.0]), np.array(1.0)
    >>> x = ns.soft_threshold(y, 1.0)
    >>> implicit_vjp(T, x, y, lam, cotangent=np.array([1.0, 0.0, 0.0]), wrt=(0, 1), fixed_point=True).value
    (array([ 1., -0., -0.]), np.float64(-1.0))
    """
    lin = _Linearisation(F, x, params, fixed_point, policy)
    idx, single = _indices(params, wrt, len(params))
    xbar = as_float_array(cotangent, "cotangent", allow_empty=False)
    if xbar.shape != lin.x.shape:
        raise ValueError(f"cotangent: expected the shape of x {lin.x.shape}, got {xbar.shape}")
    u, rel, used_solver, products = _solve(lin, xbar.ravel(), True, solver, tol, maxiter)
    grads = [-lin.BT(j, u) for j in idx]
    return ImplicitResult(grads[0] if single else tuple(grads), rel, used_solver, products, lin.kinks)


def implicit_jacobian(F, x, *params, wrt=0, fixed_point: bool = False, policy: Kinks | None = None,
                      solver: str = "auto", tol: float = 1e-10) -> ImplicitResult:
    """The conservative Jacobian ∂x*/∂θ_wrt, of shape x.shape + params[wrt].shape.

    Parameters
    ----------
    F, x, *params, fixed_point, policy, solver, tol
        As in :func:`implicit_jvp`.
    wrt : int, default=0
        One index into ``params``.

    Returns
    -------
    ImplicitResult
        ``value`` of shape x.shape + params[wrt].shape.

    Examples
    --------
    >>> from nonsmooth.implicit import implicit_jacobian
    >>> F = lambda x, A, b: A @ x - b                    # x* = A⁻¹b, ∂x*/∂b = A⁻¹
    >>> A, b = np.array([[2.0, 0.0], [0.0, 4.0]]), np.array([2.0, 4.0])
    >>> implicit_jacobian(F, np.linalg.solve(A, b), A, b, wrt=1).value
    array([[ 0.5 , -0.  ],
           [-0.  ,  0.25]])
    """
    lin = _Linearisation(F, x, params, fixed_point, policy)
    idx, single = _indices(params, wrt, len(params))
    if not single:
        raise ValueError("wrt: implicit_jacobian takes one parameter index")
    j = idx[0]
    p = lin.params[j]
    B = np.asarray(lin.F.jacobian(*lin.args, wrt=j + 1, output=0, policy=policy), dtype=float).reshape(lin.n, p.size)
    if solver in ("auto", "dense") and lin.n <= 500 or solver == "dense":
        A = lin.dense_A()
        s = np.linalg.svd(A, compute_uv=False)
        if s[-1] <= max(s[0], 1.0) * lin.n * np.finfo(float).eps:
            raise NumericalError("the implicit function theorem does not apply here: ∂F/∂x is singular "
                                 f"at the solution (smallest singular value {s[-1]:.3g})")
        J = -np.linalg.solve(A, B)
        return ImplicitResult(J.reshape(lin.x.shape + p.shape), 0.0, "dense", lin.n, lin.kinks)
    cols, worst, total = [], 0.0, 0
    for c in range(p.size):
        sol, rel, _, used = _solve(lin, -B[:, c], False, "gmres", tol, None)
        cols.append(sol)
        worst, total = max(worst, rel), total + used
    J = np.stack(cols, axis=1) if cols else np.zeros((lin.n, 0))
    return ImplicitResult(J.reshape(lin.x.shape + p.shape), worst, "gmres", total, lin.kinks)
