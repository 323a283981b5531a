"""Property-based tests of ``nonsmooth.tuning``: the tuned estimators (fit,
predict, score) and the native hypergradient.

- valid input: the hypergradient of a held-out criterion in log α is the
  central finite difference of the criterion along the Lasso's solution path
  (where the support does not change); a tuned estimator predicts with the
  Lasso refitted at its α_ and scores with scikit-learn's R²;
- invalid input raises ValueError/TypeError naming the argument;
- data near the float64 limit gives an error a user can act on, never another
  exception type.
"""
import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import assume, given, strategies as st

import nonsmooth as ns
from nonsmooth.tuning import hypergradient
from properties_common import FEW, NON_FINITE, SETTINGS, finite_arrays, poisoned, raises_naming, run_isolated


@st.composite
def splits(draw):
    n, p = draw(st.integers(4, 12), label="n"), draw(st.integers(1, 5), label="p")
    X = draw(finite_arrays((n, p), 3.0), label="X")
    y = X @ draw(finite_arrays((p,), 2.0), label="beta") + draw(finite_arrays((n,), 1.0), label="noise")
    Xv = draw(finite_arrays((3, p), 3.0), label="X_val")
    yv = draw(finite_arrays((3,), 3.0), label="y_val")
    return X, y, Xv, yv


def lasso(X, y, alpha):
    return ns.Lasso(alpha, fit_intercept=False, tol=1e-14, max_iter=100_000).fit(X, y).coef_


@SETTINGS
@given(problem=splits(), fraction=st.floats(0.05, 0.9), method=st.sampled_from(["implicit", "implicit_forward",
                                                                                 "forward", "reverse"]))
def test_hypergradient_is_the_derivative_along_the_path(problem, fraction, method):
    X, y, Xv, yv = problem
    alpha_max = np.abs(X.T @ y).max() / len(y)
    assume(alpha_max > 1e-3)
    alpha = fraction * alpha_max
    h = 1e-5
    coefs = [lasso(X, y, alpha * np.exp(s * h)) for s in (-1, 0, 1)]
    supports = [c != 0 for c in coefs]
    assume(all((s == supports[1]).all() for s in supports) and supports[1].any())
    # The support must be stable with a margin: |X_jᵀr|/n < α strictly off the support.
    r = y - X @ coefs[1]
    off = ~supports[1]
    assume(not off.any() or (np.abs(X[:, off].T @ r).max() / len(y) < alpha * (1 - 1e-3)))
    crit = [0.5 * np.sum((Xv @ c - yv) ** 2) for c in coefs]
    grad_beta = Xv.T @ (Xv @ coefs[1] - yv)
    got, _ = hypergradient(X, y, coefs[1], grad_beta, alpha=alpha, method=method, tol=1e-14)
    fd = (crit[2] - crit[0]) / (2 * h)
    assert got[0] == pytest.approx(fd, rel=1e-4, abs=1e-6 * (1 + abs(crit[1]))), f"{method}: {got[0]} vs FD {fd}"


@FEW
@given(n=st.integers(8, 14), seed=st.integers(0, 2 ** 16), cls=st.sampled_from([ns.LassoTuned, ns.ElasticNetTuned]),
       criterion=st.sampled_from(["holdout", "cv", "sure_fd"]), sparse=st.booleans())
def test_tuned_estimators_predict_with_their_refit(n, seed, cls, criterion, sparse):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, 4))
    y = X @ np.array([2.0, 0.0, -1.0, 0.0]) + 0.3 * rng.standard_normal(n)
    est = cls(criterion=criterion, cv=2, sigma=0.3, max_outer=5, random_state=0).fit(sp.csr_matrix(X) if sparse else X, y)
    pred = est.predict(X)
    np.testing.assert_allclose(pred, X @ est.coef_ + est.intercept_, rtol=1e-10, atol=1e-10)
    refit = ns.ElasticNet(est.alpha_, l1_ratio=getattr(est, "l1_ratio_", 1.0), tol=1e-10).fit(X, y)
    np.testing.assert_allclose(est.coef_, refit.coef_, rtol=1e-5, atol=1e-6)
    from sklearn.metrics import r2_score
    assert est.score(X, y) == pytest.approx(r2_score(y, pred), rel=1e-9)


# ---- invalid input ------------------------------------------------------------------------------------
TUNED = [ns.LassoTuned, ns.ElasticNetTuned, ns.WeightedLassoTuned]


@pytest.mark.parametrize("cls", TUNED)
@FEW
@given(problem=splits(), which=st.sampled_from(["X", "y"]), at=st.integers(0, 99), bad=st.sampled_from(NON_FINITE))
def test_tuned_fit_rejects_non_finite_data_naming_it(cls, problem, which, at, bad):
    X, y, _, _ = problem
    if which == "X":
        X = poisoned(X, at, bad)
    else:
        y = poisoned(y, at, bad)
    with raises_naming(which, ValueError):
        cls(cv=2).fit(X, y)


@pytest.mark.parametrize("cls", TUNED)
@pytest.mark.parametrize("param, bad", [
    ("criterion", "aic"), ("cv", 1), ("cv", "k"), ("cv", [(["a"], [0.5])]),
    ("hypergradient", "autograd"), ("optimizer", "newton"), ("max_outer", 0), ("outer_tol", np.nan),
    ("tol", 0.0), ("max_iter", -1), ("fit_intercept", "yes"), ("n_jobs", 0),
])
def test_tuned_fit_rejects_bad_hyperparameters_naming_them(cls, param, bad):
    X = np.arange(24.0).reshape(8, 3) % 5
    y = np.arange(8.0)
    with raises_naming(param):
        cls(**{param: bad}).fit(X, y)


@pytest.mark.parametrize("cls", TUNED)
@pytest.mark.parametrize("kwargs, name", [
    (dict(criterion="holdout", validation_fraction=1.5), "validation_fraction"),
    (dict(criterion="holdout", validation_fraction=np.nan), "validation_fraction"),
    (dict(criterion="sure_fd", sigma=-1.0), "sigma"), (dict(criterion="sure_fd", sigma=np.inf), "sigma"),
])
def test_tuned_fit_rejects_bad_criterion_parameters_naming_them(cls, kwargs, name):
    X = np.arange(24.0).reshape(8, 3) % 5
    with raises_naming(name):
        cls(**kwargs).fit(X, np.arange(8.0))


@pytest.mark.parametrize("kwargs, name", [
    (dict(coef=np.ones(2)), "coef"), (dict(coef=[np.nan, 0.0, 0.0]), "coef"),
    (dict(criterion_gradient=np.ones(4)), "criterion_gradient"), (dict(model="ridge"), "model"),
    (dict(method="finite"), "method"), (dict(alpha=-1.0), "alpha"), (dict(alpha=None), "alpha"),
    (dict(alpha=None, l1=[1.0, -1.0, 1.0]), "l1"),
])
def test_hypergradient_rejects_bad_arguments_naming_them(kwargs, name):
    X, y = np.arange(15.0).reshape(5, 3) % 4, np.arange(5.0)
    args = dict(coef=np.zeros(3), criterion_gradient=np.ones(3), alpha=0.1)
    args.update(kwargs)
    with raises_naming(name):
        hypergradient(X, y, args.pop("coef"), args.pop("criterion_gradient"), **args)


# Found by the fuzzer: raised FloatingPointError (an overflow warning made an error) before y's scale was checked.
def test_item11_tuned_huge_target_raises_a_documented_error():
    X = sp.csc_matrix(np.array([[1.0], [0], [2], [0], [3], [1]]))
    with pytest.raises((ValueError, ns.NumericalError)):
        ns.LassoTuned(criterion="holdout", random_state=1).fit(X, np.array([1.4e303, -10, -10, -10, -10, -10]))


# Found by scripts/fuzz_native.py: raised ValueError naming 'criterion_gradient', an internal argument.
def test_tuned_huge_target_names_an_argument_of_the_user():
    with pytest.raises((ValueError, ns.NumericalError)) as info:
        ns.LassoTuned(cv=2).fit(np.arange(1.0, 7.0).reshape(2, 3), np.array([9.0, -1.07e308]))
    assert "criterion_gradient" not in str(info.value)
    assert str(info.value).startswith("y: values too large")
    with pytest.raises(ValueError, match="^y: values too large"):  # the grid's criterion values would be inf
        ns.tuning.lasso_criterion_path(np.arange(1.0, 7.0).reshape(2, 3), np.array([9.0, -1.07e308]), cv=2)



def test_tuned_criterion_overflow_raises_numerical_error_before_the_native_call():
    """A criterion gradient that overflows (residuals too large for float64 although
    y passed its scale check) is a NumericalError naming the cause, not the native
    hypergradient's ValueError on its internal argument 'criterion_gradient'."""

    class Overflowing(ns.tuning.Criterion):
        def bind(self, X, y, fit_intercept, rng, sample_weight=None, groups=None):
            bound = ns.tuning.HeldOut(validation_fraction=0.5).bind(X, y, fit_intercept, rng)
            evaluate = bound.evaluate

            def overflowing():
                value, grads = evaluate()
                return value, [g * 1e308 * 1e308 for g in grads]

            bound.evaluate = overflowing
            return bound

    X, y = np.random.default_rng(0).standard_normal((8, 3)), np.arange(8.0)
    with pytest.raises(ns.NumericalError, match="gradient overflows"):
        ns.LassoTuned(criterion=Overflowing()).fit(X, y)

# A decreasing indptr passes SciPy's check_format(full_check=True) and made its conversions read out
# of bounds (found by scripts/fuzz_native.py); _validation rejects it first.
def test_item7_tuned_malformed_csc_raises_naming_x():
    """Ten fits in one interpreter: the outcome on this input varies from run to run."""
    proc = run_isolated("""
        import numpy as np, scipy.sparse as sp, nonsmooth as ns
        for _ in range(10):
            X = sp.csc_matrix((np.array([2.3, 1.4, 0.1]), np.array([0, 2, 2]), np.array([0, 2, 0])), shape=(4, 2))
            try:
                ns.LassoTuned(criterion="holdout").fit(X, np.arange(4.0))
                print("no error")
            except Exception as exc:
                print(type(exc).__name__, str(exc).split(":")[0])
    """)
    assert proc.returncode == 0, f"crashed (signal {-proc.returncode}):\n{proc.stdout}"
    assert proc.stdout.split("\n")[:-1] == ["ValueError X"] * 10, proc.stdout
