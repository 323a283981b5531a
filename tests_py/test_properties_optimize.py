"""Property-based tests of ``nonsmooth.minimize``, ``subgradient_method``, ``admm``
and the losses of ``nonsmooth.optimize.losses``.

- valid input: the returned point satisfies the optimality condition
  −∇f(x) ∈ ∂g(x) up to the certificate it reports (checked here with NumPy's
  gradient and the subdifferentials of prox_cases), the reported objective is
  f(x) + g(x) recomputed in NumPy, ADMM reaches the closed-form projection;
- invalid input raises ValueError/TypeError naming the argument;
- no NaN comes out of finite input without a warning or an error.
"""
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, strategies as st

import nonsmooth as ns
from nonsmooth.optimize.losses import Huber, LeastSquares, Logistic
from prox_cases import Case, check_subdiff
from properties_common import FEW, NON_FINITE, SETTINGS, finite_arrays, no_silent_nan, poisoned, raises_naming


def f_and_grad(kind, A, b, x, delta=1.0):
    n = A.shape[0]
    z = A @ x
    if kind == "least_squares":
        r = z - b
        return r @ r / (2 * n), A.T @ r / n
    if kind == "logistic":
        m = -b * z
        return np.logaddexp(0, m).sum() / n, A.T @ (-b / (1 + np.exp(-m))) / n
    r = z - b
    h = np.where(np.abs(r) <= delta, r * r / 2, delta * (np.abs(r) - delta / 2))
    return h.sum() / n, A.T @ np.clip(r, -delta, delta) / n


@st.composite
def losses(draw):
    n, p = draw(st.integers(2, 8), label="n"), draw(st.integers(1, 5), label="p")
    A = draw(finite_arrays((n, p), 5.0), label="A")
    b = draw(finite_arrays((n,), 5.0), label="b")
    kind = draw(st.sampled_from(["least_squares", "logistic", "huber"]), label="kind")
    sparse = draw(st.booleans(), label="sparse")
    Ain = sp.csc_matrix(A) if sparse else A
    if kind == "logistic":
        b = np.where(b >= 0, 1.0, -1.0)
        return kind, A, b, Logistic(Ain, b)
    if kind == "huber":
        return kind, A, b, Huber(Ain, b, 0.7)
    return kind, A, b, LeastSquares(Ain, b)


REGULARIZERS = [
    (lambda p: ns.prox.L1(0.3), lambda p: Case("l1", None, "l1", dict(lam=0.3, w=np.ones(p)))),
    (lambda p: ns.prox.ElasticNet(0.4, 0.5), lambda p: Case("en", None, "elastic_net", dict(alpha=0.4, rho=0.5, w=np.ones(p)))),
    (lambda p: ns.prox.L2(0.2), lambda p: Case("l2", None, "l2", dict(lam=0.2))),
    (lambda p: ns.prox.Box(-0.5, 0.5), lambda p: Case("box", None, "box", dict(lower=np.full(p, -0.5), upper=np.full(p, 0.5)))),
    (lambda p: ns.prox.Zero(), lambda p: Case("zero", None, "zero")),
]


@SETTINGS
@given(problem=losses(), reg=st.sampled_from(range(len(REGULARIZERS))), method=st.sampled_from(["fista", "ista"]),
       step=st.sampled_from(["lipschitz", "backtracking"]), restart=st.sampled_from([None, "function", "gradient"]))
def test_minimize_reaches_the_optimality_condition(problem, reg, method, step, restart):
    kind, A, b, loss = problem
    make, reference = REGULARIZERS[reg]
    p = A.shape[1]
    op = make(p)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ns.ConvergenceWarning)
        result = ns.minimize(loss, op, method=method, step=step, restart=restart, tol=1e-9, max_iter=20_000)
    x = result.x
    fx, grad = f_and_grad(kind, A, b, x, 0.7)
    gx = op(x)
    assert result.objective == pytest.approx(fx + gx, rel=1e-9, abs=1e-12)
    if result.status == "converged":
        # ‖G_t(x)‖ ≤ tol bounds the distance of −∇f(x) to ∂g(x⁺) by (1 + tL)·tol at the
        # next point x⁺; x⁺ = x within t·tol, so check with a tolerance of that order.
        lip = np.linalg.norm(A, 2) ** 2 / A.shape[0] * (1.0 if kind != "logistic" else 0.25)
        tol = 1e-6 * (1 + lip) * (1 + np.abs(grad).max())
        check_subdiff(reference(p), x, -grad, tol)
    else:
        assert result.status == "max_iter"


@FEW
@given(problem=losses(), rule=st.sampled_from(["constant", "constant_length", "diminishing", "square_summable",
                                                "polyak"]))
def test_subgradient_method_reports_its_best_point(problem, rule):
    kind, A, b, loss = problem
    op = ns.prox.L1(0.2)
    result = ns.subgradient_method(loss, op, step_rule=rule, step=0.1, max_iter=300)
    fx, _ = f_and_grad(kind, A, b, result.x, 0.7)
    best = fx + op(result.x)
    assert result.objective == pytest.approx(best, rel=1e-9, abs=1e-12)
    f0, _ = f_and_grad(kind, A, b, np.zeros(A.shape[1]), 0.7)
    assert result.objective <= f0 + 1e-12 * (1 + abs(f0))  # never worse than the start
    assert result.history.min() == pytest.approx(result.objective, rel=1e-12, abs=1e-15)
    avg = result.info["average"]
    fa, _ = f_and_grad(kind, A, b, avg, 0.7)
    assert result.info["average_objective"] == pytest.approx(fa + op(avg), rel=1e-9, abs=1e-12)


@FEW
@given(data=st.data())
def test_admm_projection_onto_a_halfspace(data):
    """min ½‖x − c‖² s.t. aᵀx ≤ β: the closed-form projection of c."""
    p = data.draw(st.integers(1, 6), label="p")
    c = data.draw(finite_arrays((p,), 5.0), label="c")
    a = data.draw(finite_arrays((p,), 5.0), label="a")
    from hypothesis import assume
    assume(np.linalg.norm(a) > 1e-2)
    beta = data.draw(st.floats(-5, 5), label="beta")
    f = ns.prox.SquaredL2(1.0)  # ½‖x‖², shifted below by a change of variable
    # min ½‖y‖² s.t. aᵀy ≤ β − aᵀc, with x = y + c
    g = ns.prox.Halfspace(a, beta - a @ c)
    result = ns.admm(f, g, p, abs_tol=1e-12, rel_tol=1e-10, max_iter=50_000)
    x = result.x + c
    want = c - max(a @ c - beta, 0.0) / (a @ a) * a
    if result.status == "converged":
        np.testing.assert_allclose(x, want, atol=1e-5 * (1 + np.abs(c).max()))


# ---- invalid input ------------------------------------------------------------------------------------
@FEW
@given(problem=losses(), which=st.sampled_from(["A", "b"]), at=st.integers(0, 99), bad=st.sampled_from(NON_FINITE))
def test_losses_reject_non_finite_data_naming_it(problem, which, at, bad):
    kind, A, b, _ = problem
    cls = {"least_squares": LeastSquares, "logistic": Logistic, "huber": Huber}[kind]
    if which == "A":
        A = poisoned(A, at, bad)
    else:
        b = poisoned(b, at, bad)
    with raises_naming(which, ValueError):
        cls(A, b)


@pytest.mark.parametrize("make, name", [
    (lambda: LeastSquares(np.ones((3, 2)), np.ones(4)), "b"),
    (lambda: LeastSquares(np.ones(3), np.ones(3)), "A"),
    (lambda: LeastSquares(np.ones((0, 2)), np.ones(0)), "A"),
    (lambda: LeastSquares(np.ones((3, 2), dtype=complex), np.ones(3)), "A"),
    (lambda: LeastSquares(np.ones((3, 2)), np.ones((3, 1))), "b"),
    (lambda: LeastSquares(np.ones((3, 2)), np.ones(3), lipschitz=-1.0), "lipschitz"),
    (lambda: LeastSquares(np.ones((3, 2)), np.ones(3), lipschitz=np.nan), "lipschitz"),
    (lambda: Logistic(np.ones((3, 2)), np.array([1.0, 0.0, -1.0])), "b"),
    (lambda: Huber(np.ones((3, 2)), np.ones(3), delta=0.0), "delta"),
    (lambda: Huber(np.ones((3, 2)), np.ones(3), delta=np.inf), "delta"),
])
def test_losses_reject_bad_arguments_naming_them(make, name):
    with raises_naming(name):
        make()


LOSS = LeastSquares(np.arange(12.0).reshape(4, 3), np.arange(4.0))
BAD_CALLS = [
    (lambda: ns.minimize("loss"), "loss"),
    (lambda: ns.minimize(LOSS, "l1"), "prox"),
    (lambda: ns.minimize(LOSS, x0=np.ones(2)), "x0"),
    (lambda: ns.minimize(LOSS, x0=[1.0, np.nan, 0.0]), "x0"),
    (lambda: ns.minimize(LOSS, step=-1.0), "step"),
    (lambda: ns.minimize(LOSS, step=np.nan), "step"),
    (lambda: ns.minimize(LOSS, step="fast"), "step"),
    (lambda: ns.minimize(LOSS, tol=-1.0), "tol"),
    (lambda: ns.minimize(LOSS, tol=np.nan), "tol"),
    (lambda: ns.minimize(LOSS, max_iter=0), "max_iter"),
    (lambda: ns.minimize(LOSS, max_iter=1.5), "max_iter"),
    (lambda: ns.minimize(LOSS, method="newton"), "method"),
    (lambda: ns.minimize(LOSS, restart="always"), "restart"),
    (lambda: ns.minimize(LOSS, step="backtracking", shrink=1.0), "shrink"),
    (lambda: ns.minimize(LOSS, growth=0.5), "growth"),
    (lambda: ns.minimize(LOSS, ns.prox.Nuclear(1.0)), "shape"),
    (lambda: ns.subgradient_method(LOSS, step=0.0), "step"),
    (lambda: ns.subgradient_method(LOSS, step_rule="armijo"), "step_rule"),
    (lambda: ns.subgradient_method(LOSS, step_rule="polyak", optimal_value=np.nan), "optimal_value"),
    (lambda: ns.subgradient_method(LOSS, b=-1.0), "b"),
    (lambda: ns.subgradient_method(LOSS, ns.prox.Nuclear(1.0)), "prox"),
    (lambda: ns.admm(ns.prox.L1(1.0), "g", 3), "g"),
    (lambda: ns.admm(ns.prox.Nuclear(1.0), ns.prox.L1(1.0), 3), "f"),
    (lambda: ns.admm(ns.prox.L1(1.0), ns.prox.L1(1.0), 0), "dimension"),
    (lambda: ns.admm(ns.prox.L1(1.0), ns.prox.L1(1.0), 2.5), "dimension"),
    (lambda: ns.admm(ns.prox.L1(1.0), ns.prox.L1(1.0), 3, z0=np.ones(2)), "z0"),
    (lambda: ns.admm(ns.prox.L1(1.0), ns.prox.L1(1.0), 3, z0=[np.inf, 0, 0]), "z0"),
    (lambda: ns.admm(ns.prox.L1(1.0), ns.prox.L1(1.0), 3, penalty=-1.0), "penalty"),
    (lambda: ns.admm(ns.prox.L1(1.0), ns.prox.L1(1.0), 3, relaxation=2.0), "relaxation"),
    (lambda: ns.admm(ns.prox.L1(1.0), ns.prox.L1(1.0), 3, abs_tol=np.nan), "abs_tol"),
    (lambda: ns.admm(ns.prox.L1(1.0), ns.prox.L1(1.0), 3, max_iter=0), "max_iter"),
]


@pytest.mark.parametrize("k", range(len(BAD_CALLS)))
def test_solvers_reject_bad_arguments_naming_them(k):
    call, name = BAD_CALLS[k]
    with raises_naming(name):
        call()


# ---- no silent NaN ----------------------------------------------------------------------------------
@FEW
@given(problem=losses(), scale=st.sampled_from([1e-150, 1e100, 1e150, 1e300]), solver=st.sampled_from(["fista", "subgradient"]))
def test_extreme_scales_give_no_silent_nan(problem, scale, solver):
    kind, A, b, _ = problem
    cls = {"least_squares": LeastSquares, "logistic": Logistic, "huber": Huber}[kind]
    with no_silent_nan() as check:
        try:
            loss = cls(A * scale, b)
            if solver == "fista":
                result = ns.minimize(loss, ns.prox.L1(0.1), max_iter=200)
            else:
                result = ns.subgradient_method(loss, ns.prox.L1(0.1), max_iter=200)
        except (ValueError, ns.NumericalError):
            return
        check(result.x, result.objective)


SUBNORMAL = LeastSquares(np.array([[1.0], [1.0]]), np.array([2.2e-313, 2.2e-313]))


@pytest.mark.parametrize("rule, options", [
    ("constant", {}), ("diminishing", {}), ("square_summable", {}), ("constant_length", {}),
    ("polyak", {"optimal_value": -1e-320}),  # a lower bound of F ≥ 0 on the scale of the data
])
def test_subgradient_method_with_subnormal_data(rule, options):
    """Subnormal data made the subgradient's norm inf (1/max|sᵢ| overflowed in the
    core's euclideanNorm) and raised NumericalError 'the subgradient at x_0 is not
    finite' for every step rule (found by the fuzz profile); then, for the length
    rules, α = step/‖s‖ (or (F − F*)/‖s‖²) overflowed although the step α·s is finite."""
    result = ns.subgradient_method(SUBNORMAL, ns.prox.L1(0.2), step_rule=rule, step=0.1, max_iter=20, **options)
    assert np.isfinite(result.x).all() and np.isfinite(result.objective)


def test_subgradient_method_polyak_level_far_above_the_scale_of_f_raises():
    """Without F*, Polyak's step has length (F − F_best + δ)/‖s‖: δ = 0.1 on data of
    scale 1e-313 asks for a step of length ~1e311, which is not finite — an honest
    NumericalError naming the cause, not an iterate at infinity."""
    with pytest.raises(ns.NumericalError, match="too large for the scale of F"):
        ns.subgradient_method(SUBNORMAL, ns.prox.L1(0.2), step_rule="polyak", step=0.1, max_iter=20)
