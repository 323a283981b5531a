"""Property-based tests of the estimators' public surface: Lasso / ElasticNet
fit, predict, score, lasso_path / enet_path (see test_properties_public_api.py
for the settings and helpers shared by the property suite)."""
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import assume, given, strategies as st

import nonsmooth as ns
from properties_common import FEW, NON_FINITE, SETTINGS, assert_raises_isolated, finite_arrays, no_silent_nan, \
    poisoned, raises_naming, run_isolated

# ---- sample weights ------------------------------------------------------------------------


@SETTINGS
@given(data=st.data(), scale=st.sampled_from([1e-310, 1e-300, 1e-150, 1.0, 1e150, 1e300, 1e307]))
def test_sample_weight_scale_invariance(data, scale):
    """sample_weight is rescaled to sum to n (scikit-learn): multiplying it by any
    positive constant leaves the fit unchanged, even where Σ s overflows or n / Σ s
    does (it raised ZeroDivisionError, or blamed X for a NaN, before)."""
    n, p = data.draw(st.integers(2, 8), label="n"), data.draw(st.integers(1, 4), label="p")
    X = data.draw(finite_arrays((n, p), 10.0), label="X")
    y = data.draw(finite_arrays((n,), 10.0), label="y")
    s = data.draw(finite_arrays((n,), 1.0, low=0.1), label="s")
    ref = ns.Lasso(0.05, tol=1e-10).fit(X, y, sample_weight=s)
    got = ns.Lasso(0.05, tol=1e-10).fit(X, y, sample_weight=s * scale)
    np.testing.assert_allclose(got.coef_, ref.coef_, rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(got.intercept_, ref.intercept_, rtol=1e-6, atol=1e-8)


# ---- valid input: scikit-learn's solution and the certificate -------------------------------------
def objective(X, y, coef, intercept, alpha, l1_ratio):
    r = y - X @ coef - intercept
    return r @ r / (2 * len(y)) + alpha * (l1_ratio * np.abs(coef).sum() + (1 - l1_ratio) / 2 * coef @ coef)


@st.composite
def problems(draw, max_n=10, max_p=6):
    n, p = draw(st.integers(2, max_n), label="n"), draw(st.integers(1, max_p), label="p")
    X = draw(finite_arrays((n, p), 10.0), label="X")
    y = draw(finite_arrays((n,), 10.0), label="y")
    return X, y


@SETTINGS
@given(problem=problems(), fraction=st.floats(0.01, 1.2), l1_ratio=st.sampled_from([1.0, 0.7, 0.2]),
       fit_intercept=st.booleans(), sparse=st.booleans())
def test_fit_predict_score_agree_with_scikit_learn(problem, fraction, l1_ratio, fit_intercept, sparse):
    """Same objective as scikit-learn's ElasticNet: the fitted objective is within the
    reported duality gap of scikit-learn's tight solution (the certificate does not
    lie), predict is X β + b and score is scikit-learn's R²."""
    sklearn = pytest.importorskip("sklearn.linear_model")
    from sklearn.metrics import r2_score
    X, y = problem
    Xc = X - X.mean(axis=0) if fit_intercept else X
    yc = y - y.mean() if fit_intercept else y
    alpha_max = np.abs(Xc.T @ yc).max() / (len(y) * l1_ratio)
    assume(alpha_max > 1e-6)
    alpha = fraction * alpha_max
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # scikit-learn's own convergence warnings
        ref = sklearn.ElasticNet(alpha=alpha, l1_ratio=l1_ratio, fit_intercept=fit_intercept, tol=1e-14,
                                 max_iter=100_000).fit(X, y)
    model = ns.ElasticNet(alpha, l1_ratio=l1_ratio, fit_intercept=fit_intercept, tol=1e-8)
    model.fit(sp.csr_matrix(X) if sparse else X, y)
    got = objective(X, y, model.coef_, model.intercept_, alpha, l1_ratio)
    best = objective(X, y, ref.coef_, ref.intercept_, alpha, l1_ratio)
    slack = 1e-12 * (1 + abs(best))
    assert got <= best + model.dual_gap_ + slack, f"objective {got} > optimum {best} + gap {model.dual_gap_}"
    assert model.dual_gap_ <= model.gap_tolerance_ or model.dual_gap_ <= 1e-13 * (1 + abs(got))
    pred = model.predict(X)
    np.testing.assert_allclose(pred, X @ model.coef_ + model.intercept_, rtol=1e-12, atol=1e-12 * (1 + np.abs(pred).max()))
    if np.ptp(y) > 0:
        assert model.score(X, y) == pytest.approx(r2_score(y, pred), rel=1e-9, abs=1e-9)
    if fraction >= 1.0:  # α ≥ α_max: all coefficients are exactly 0
        assert np.all(model.coef_ == 0), model.coef_


@FEW
@given(problem=problems(), n_alphas=st.integers(1, 5), l1_ratio=st.sampled_from([1.0, 0.5]))
def test_paths_agree_with_single_fits(problem, n_alphas, l1_ratio):
    """lasso_path / enet_path: a decreasing grid starting at α_max (all zeros there),
    each column the single fit's solution up to the certificates."""
    X, y = problem
    assume(np.abs(X.T @ y).max() > 1e-6)
    path = ns.lasso_path if l1_ratio == 1.0 else ns.enet_path
    kwargs = {} if l1_ratio == 1.0 else {"l1_ratio": l1_ratio}
    alphas, coefs, gaps = path(X, y, n_alphas=n_alphas, eps=1e-2, tol=1e-10, **kwargs)
    assert alphas.shape == (n_alphas,) and coefs.shape == (X.shape[1], n_alphas) and gaps.shape == (n_alphas,)
    assert np.all(np.diff(alphas) < 0)
    assert alphas[0] == pytest.approx(np.abs(X.T @ y).max() / (len(y) * l1_ratio), rel=1e-12)
    assert np.all(coefs[:, 0] == 0)
    for k, alpha in enumerate(alphas):
        single = ns.ElasticNet(alpha, l1_ratio=l1_ratio, fit_intercept=False, tol=1e-10).fit(X, y)
        a = objective(X, y, coefs[:, k], 0.0, alpha, l1_ratio)
        b = objective(X, y, single.coef_, 0.0, alpha, l1_ratio)
        assert abs(a - b) <= gaps[k] + single.dual_gap_ + 1e-12 * (1 + abs(b))


# ---- invalid input ------------------------------------------------------------------------------------
ESTIMATORS = [ns.Lasso, ns.ElasticNet]


@pytest.mark.parametrize("cls", ESTIMATORS)
@FEW
@given(problem=problems(), which=st.sampled_from(["X", "y"]), at=st.integers(0, 99),
       bad=st.sampled_from(NON_FINITE), sparse=st.booleans())
def test_fit_rejects_non_finite_data_naming_it(cls, problem, which, at, bad, sparse):
    X, y = problem
    if which == "X":
        X = poisoned(X, at, bad)
    else:
        y = poisoned(y, at, bad)
    with raises_naming(which, ValueError):
        cls(0.1).fit(sp.csc_matrix(X) if sparse else X, y)


@pytest.mark.parametrize("cls", ESTIMATORS)
@pytest.mark.parametrize("X, y, name", [
    (np.ones((5, 2)), np.ones(4), "y"), (np.ones(5), np.ones(5), "X"), (np.ones((5, 2, 1)), np.ones(5), "X"),
    (np.ones((0, 2)), np.ones(0), "X"), (np.ones((5, 0)), np.ones(5), "X"), (np.ones((5, 2)), np.ones((5, 2)), "y"),
    (np.ones((5, 2), dtype=complex), np.ones(5), "X"), (np.full((5, 2), "a"), np.ones(5), "X"),
    (np.ones((5, 2)), np.full(5, "a"), "y"),
])
def test_fit_rejects_bad_shapes_and_dtypes_naming_them(cls, X, y, name):
    with raises_naming(name):
        cls(0.1).fit(X, y)


HYPER = [  # (parameter, bad values)
    ("alpha", [-1.0, np.nan, np.inf, "a", None]),
    ("l1_ratio", [-0.1, 1.5, np.nan, "a"]),
    ("tol", [-1.0, np.nan, "a"]),
    ("max_iter", [0, -3, 2.5, "a"]),
    ("weights", [[1.0, np.nan], [1.0, -1.0], [1.0], [[1.0, 1.0]], "a"]),
]


@pytest.mark.parametrize("param, bad", [(p, b) for p, bads in HYPER for b in bads])
def test_fit_rejects_bad_hyperparameters_naming_them(param, bad):
    X, y = np.arange(10.0).reshape(5, 2), np.arange(5.0)
    with raises_naming(param):
        ns.ElasticNet(**{"alpha": 0.1, param: bad}).fit(X, y)


@pytest.mark.parametrize("bad", [[1.0, -1.0, 1.0], [1.0, np.nan, 1.0], [1.0, 1.0], [[1.0, 1.0, 1.0]], [0.0, 0.0, 0.0]])
def test_fit_rejects_bad_sample_weight_naming_it(bad):
    with raises_naming("sample_weight"):
        ns.Lasso(0.1).fit(np.ones((3, 2)), np.arange(3.0), sample_weight=bad)


def test_item11_huge_integers_raise_value_error():
    with pytest.raises(ValueError, match="alpha"):
        ns.Lasso(10 ** 400).fit(np.ones((3, 2)), np.arange(3.0))
    with pytest.raises(ValueError, match="max_iter"):
        ns.Lasso(0.1, max_iter=10 ** 30).fit(np.ones((3, 2)), np.arange(3.0))


def test_item11_a_huge_max_iter_is_only_a_budget():
    # The gap history is bounded, not allocated per epoch of max_iter.
    model = ns.Lasso(0.1, max_iter=10 ** 12).fit(np.ones((3, 2)), np.arange(3.0))
    assert model.n_iter_ < 100


def test_predict_rejects_wrong_feature_count_and_non_finite_input():
    model = ns.Lasso(0.01).fit(np.arange(12.0).reshape(6, 2), np.arange(6.0))
    with raises_naming("X", ValueError):
        model.predict(np.ones((3, 3)))
    with raises_naming("X", ValueError):
        model.predict(np.array([[1.0, np.nan]]))


def test_malformed_compressed_sparse_raises_naming_x():
    """Out-of-range indices or pointers of CSR/CSC input: a ValueError naming X, not a
    crash (in a subprocess: a crash fails this test only; one interpreter for all)."""
    proc = run_isolated("""
        import numpy as np, scipy.sparse as sp, nonsmooth as ns
        for fmt in ("csr", "csc"):
            for field in ("indices", "indptr"):
                for value in (-3, 99):
                    X = sp.random(6, 4, density=0.6, format=fmt, random_state=0)
                    getattr(X, field)[1] = value
                    try:
                        ns.Lasso(0.1).fit(X, np.ones(6))
                        print(fmt, field, value, "no error", flush=True)
                    except Exception as exc:
                        print(fmt, field, value, type(exc).__name__, str(exc).split(":")[0], flush=True)
    """)
    assert proc.returncode == 0, f"crashed (signal {-proc.returncode}) after:\n{proc.stdout}"
    lines = proc.stdout.split("\n")[:-1]
    assert len(lines) == 8 and all(line.endswith("ValueError X") for line in lines), proc.stdout


def test_item7_malformed_coo_raises_naming_x():
    assert_raises_isolated("""
        import numpy as np, scipy.sparse as sp, nonsmooth as ns
        X = sp.coo_matrix(np.ones((6, 4))); X.col[0] = -3
        ns.Lasso(.1).fit(X, np.ones(6))
    """, "ValueError", "X")


# ---- no silent NaN ------------------------------------------------------------------------------------
@FEW
@given(problem=problems(), scale=st.sampled_from([1e-150, 1e-100, 1e100, 1e150]), target=st.booleans())
def test_extreme_scales_give_no_silent_nan(problem, scale, target):
    X, y = problem
    if target:
        y = y * scale
    else:
        X = X * scale
    with no_silent_nan() as check:
        try:
            model = ns.Lasso(0.1).fit(X, y)
        except (ValueError, ns.NumericalError):
            return
        check(model.coef_, model.intercept_, model.dual_gap_, model.predict(X))


# A decreasing indptr passes SciPy's check_format(full_check=True) and made its conversions read out
# of bounds (found by scripts/fuzz_native.py); _validation rejects it first.
def test_item7_csr_with_decreasing_indptr_raises_naming_x():
    proc = run_isolated("""
        import numpy as np, scipy.sparse as sp, nonsmooth as ns
        for _ in range(10):
            X = sp.csr_matrix((np.array([2.3, 1.4, 0.1]), np.array([0, 2, 2]), np.array([0, 2, 0])), shape=(2, 4))
            try:
                ns.Lasso(0.1).fit(X, np.ones(2))
                print("no error")
            except Exception as exc:
                print(type(exc).__name__, str(exc).split(":")[0])
    """)
    assert proc.returncode == 0, f"crashed (signal {-proc.returncode}):\n{proc.stdout}"
    assert proc.stdout.split("\n")[:-1] == ["ValueError X"] * 10, proc.stdout


# ---- the certificate and the support (issue 12 items 1 and 2, fixed by h-correct) ----------------------
def test_item1_unpenalized_fit_is_within_its_gap_of_the_optimum():
    X, y = np.array([[2.0, 3.0]]), np.array([-1.0])
    model = ns.Lasso(0.0, fit_intercept=False).fit(X, y)
    assert objective(X, y, model.coef_, 0.0, 0.0, 1.0) <= 0.0 + model.dual_gap_ + 1e-15


def test_item2_coefficients_zero_at_the_optimum_are_exact_zeros():
    from sklearn.linear_model import ElasticNet
    rng = np.random.default_rng(1)
    X = rng.standard_normal((20, 10))
    y = X[:, :3] @ np.array([1.0, -2, 1.5]) + 0.5 * rng.standard_normal(20)
    ours = ns.ElasticNet(0.1).fit(X, y).coef_
    ref = ElasticNet(0.1, tol=1e-12, max_iter=100_000).fit(X, y).coef_
    assert np.all(ours[ref == 0] == 0), ours[ref == 0]
