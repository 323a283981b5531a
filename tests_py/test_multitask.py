"""MultiTaskLasso and MultiTaskElasticNet against independent references:
scikit-learn's estimators, the duality gap and the row-wise KKT conditions
recomputed here in NumPy, the closed-form α_max, the Moreau identity of the
row prox, scikit-learn's estimator checks, and bad input."""
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
import sklearn
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from sklearn.linear_model import MultiTaskElasticNet as SkMultiTaskElasticNet
from sklearn.linear_model import MultiTaskLasso as SkMultiTaskLasso
from sklearn.utils.estimator_checks import parametrize_with_checks

import nonsmooth as ns
from properties_common import NON_FINITE, SETTINGS, poisoned

SKLEARN_HAS_WEIGHTS = tuple(int(v) for v in sklearn.__version__.split(".")[:2]) >= (1, 9)


def data(n=50, p=30, T=4, seed=0, offset=2.0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p))
    X[:, 1] += 0.7 * X[:, 0]  # correlated features
    X[:, 5] += 1.5             # a column with a non-zero mean
    W = np.zeros((p, T))
    W[[0, 2, 7]] = rng.standard_normal((3, T))
    return X, X @ W + 0.3 * rng.standard_normal((n, T)) + offset


def centred_alpha_max(X, Y, s=None, fit_intercept=True):
    """max_j ‖X_cjᵀ diag(s) (Y − Ȳ)‖₂ / Σs: the smallest α with coef 0."""
    s = np.ones(len(Y)) if s is None else s
    Yc = Y - np.average(Y, axis=0, weights=s) if fit_intercept else Y
    return np.linalg.norm(X.T @ (s[:, None] * Yc), axis=1).max() / s.sum()


def certificate(X, Y, model, alpha, l1_ratio, s=None):
    """(duality gap, row-wise KKT violation) of a fitted model, recomputed from scratch.

    Loss Σ sᵢ‖Yᵢ − Hᵢ‖²/(2S); gradient G = s(H − Y)/S; dual point θ = G (its
    columns sum to 0 at the optimal intercept), scaled into ‖X_jᵀθ‖ ≤ αρ when
    ρ = 1; D(θ) = −Σ ⟨θᵢ, Yᵢ⟩ − S‖θᵢ‖²/(2sᵢ) − Σⱼ p*(−X_jᵀθ).
    """
    s = np.ones(len(Y)) if s is None else s / s.max()
    S = s.sum()
    W = model.coef_.T
    H = np.asarray(X @ W) + model.intercept_
    G = s[:, None] * (H - Y) / S
    a, c = alpha * l1_ratio, alpha * (1 - l1_ratio)
    norms = np.linalg.norm(W, axis=1)
    primal = (s[:, None] * (Y - H) ** 2).sum() / (2 * S) + (a * norms + c / 2 * norms ** 2).sum()
    U = np.asarray(X.T @ G)
    kkt = np.where(norms > 0, np.linalg.norm(U + (a / np.where(norms > 0, norms, 1) + c)[:, None] * W, axis=1),
                   np.maximum(np.linalg.norm(U, axis=1) - a, 0))
    theta = G - s[:, None] * G.sum(axis=0) / S if model.fit_intercept else G
    u = np.linalg.norm(np.asarray(X.T @ theta), axis=1)
    scale = min(1.0, a / u.max()) if c == 0 and u.max() > 0 else 1.0
    theta, u = scale * theta, scale * u
    conjugate = (np.maximum(u - a, 0) ** 2 / (2 * c)).sum() if c > 0 else 0.0
    pos = s > 0  # θᵢ = 0 where sᵢ = 0 (G and the centring keep it so)
    assert np.all(theta[~pos] == 0)
    dual = -(theta * Y).sum() - (S * (theta[pos] ** 2).sum(axis=1) / (2 * s[pos])).sum() - conjugate
    return primal - dual, kkt.max()


LAYOUTS = {"F": np.asfortranarray, "C": np.ascontiguousarray, "csc": sp.csc_matrix, "csr": sp.csr_matrix}


@parametrize_with_checks([ns.MultiTaskLasso(alpha=0.05, tol=1e-12),
                          ns.MultiTaskElasticNet(alpha=0.05, l1_ratio=0.5, tol=1e-12)])
def test_sklearn_check_estimator(estimator, check):
    check(estimator)


@pytest.mark.parametrize("layout", list(LAYOUTS))
@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("l1_ratio", [1.0, 0.4])
def test_matches_scikit_learn(layout, fit_intercept, l1_ratio):
    X, Y = data(seed=1)
    alpha = 0.1 * centred_alpha_max(X, Y, fit_intercept=fit_intercept)
    if l1_ratio == 1.0:
        ours = ns.MultiTaskLasso(alpha, fit_intercept=fit_intercept, tol=1e-14, max_iter=100_000)
        ref = SkMultiTaskLasso(alpha, fit_intercept=fit_intercept, tol=1e-15, max_iter=1_000_000)
    else:
        ours = ns.MultiTaskElasticNet(alpha, l1_ratio=l1_ratio, fit_intercept=fit_intercept, tol=1e-14,
                                      max_iter=100_000)
        ref = SkMultiTaskElasticNet(alpha, l1_ratio=l1_ratio, fit_intercept=fit_intercept, tol=1e-15,
                                    max_iter=1_000_000)
    ours.fit(LAYOUTS[layout](X), Y)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref.fit(X, Y)
    assert ours.coef_.shape == (Y.shape[1], X.shape[1]) and ours.intercept_.shape == (Y.shape[1],)
    np.testing.assert_allclose(ours.coef_, ref.coef_, atol=1e-6)
    np.testing.assert_allclose(ours.intercept_, ref.intercept_, atol=1e-6)
    # Exact zero columns (features no task uses), and the same support.
    support = np.abs(ours.coef_).sum(axis=0) > 0
    assert 0 < support.sum() < X.shape[1]
    np.testing.assert_array_equal(support, np.linalg.norm(ref.coef_, axis=0) > 1e-8)
    assert ours.certificate_kind_ == "duality_gap" and 0 <= ours.dual_gap_ <= ours.certificate_tolerance_
    gap, kkt = certificate(X, Y, ours, alpha, l1_ratio)
    assert -1e-12 <= gap <= 1e-10 and kkt <= 1e-6


@pytest.mark.parametrize("sparse", [False, True])
@pytest.mark.parametrize("l1_ratio", [1.0, 0.7])
def test_sample_weights(sparse, l1_ratio):
    X, Y = data(n=40, p=20, seed=2)
    s = np.random.default_rng(3).uniform(0.2, 3.0, len(Y))
    s[[3, 8]] = 0.0  # samples of zero weight do not count
    alpha = 0.2 * centred_alpha_max(X, Y, s)
    model = ns.MultiTaskElasticNet(alpha, l1_ratio=l1_ratio, tol=1e-14, max_iter=100_000)
    model.fit(sp.csc_matrix(X) if sparse else X, Y, sample_weight=s)
    gap, kkt = certificate(X, Y, model, alpha, l1_ratio, s)
    assert -1e-12 <= gap <= 1e-10 and kkt <= 1e-6
    # Integer weights are repeated rows.
    k = np.array([1, 2, 3, 1] * 10)
    repeated = ns.MultiTaskElasticNet(alpha, l1_ratio=l1_ratio, tol=1e-14, max_iter=100_000).fit(
        np.repeat(X, k, axis=0), np.repeat(Y, k, axis=0))
    weighted = ns.MultiTaskElasticNet(alpha, l1_ratio=l1_ratio, tol=1e-14, max_iter=100_000).fit(
        X, Y, sample_weight=k.astype(float))
    np.testing.assert_allclose(weighted.coef_, repeated.coef_, atol=1e-7)
    np.testing.assert_allclose(weighted.intercept_, repeated.intercept_, atol=1e-7)
    if SKLEARN_HAS_WEIGHTS:
        ref = SkMultiTaskElasticNet(alpha, l1_ratio=l1_ratio, tol=1e-15, max_iter=1_000_000).fit(X, Y,
                                                                                               sample_weight=s)
        np.testing.assert_allclose(model.coef_, ref.coef_, atol=1e-6)


@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("sparse", [False, True])
def test_alpha_max_gives_exact_zeros(fit_intercept, sparse):
    X, Y = data(seed=4)
    amax = centred_alpha_max(X, Y, fit_intercept=fit_intercept)
    Xl = sp.csc_matrix(X) if sparse else X
    at = ns.MultiTaskLasso(amax, fit_intercept=fit_intercept, tol=1e-10).fit(Xl, Y)
    assert np.all(at.coef_ == 0.0)
    if fit_intercept:
        np.testing.assert_allclose(at.intercept_, Y.mean(axis=0), rtol=1e-12)
    assert np.all(ns.MultiTaskElasticNet(amax / 0.5, l1_ratio=0.5, fit_intercept=fit_intercept).fit(Xl, Y).coef_
                  == 0.0)
    below = ns.MultiTaskLasso(0.99 * amax, fit_intercept=fit_intercept, tol=1e-10).fit(Xl, Y)
    assert np.count_nonzero(np.abs(below.coef_).sum(axis=0)) == 1


def test_warm_start_and_exact_zero_columns():
    X, Y = data(n=80, p=200, T=6, seed=5)
    amax = centred_alpha_max(X, Y)
    model = ns.MultiTaskLasso(0.05 * amax, tol=1e-10, warm_start=True).fit(X, Y)
    cold = model.n_iter_
    coef = model.coef_.copy()
    model.fit(X, Y)
    assert model.n_iter_ <= 1 and model.n_iter_ < cold
    np.testing.assert_allclose(model.coef_, coef, atol=1e-8)
    zero = np.abs(coef).sum(axis=0) == 0
    assert zero.sum() > 100 and np.all(coef[:, zero] == 0.0)  # whole columns, exactly
    assert np.all(np.abs(coef[:, ~zero]).min(axis=0) > 0)      # the others are non-zero in every task


def test_convergence_warning_reports_the_gap():
    X, Y = data(n=60, p=100, seed=6)
    with pytest.warns(ns.ConvergenceWarning, match="duality gap .* > tolerance"):
        model = ns.MultiTaskLasso(0.01 * centred_alpha_max(X, Y), tol=1e-14, max_iter=2).fit(X, Y)
    assert model.n_iter_ == 2 and model.dual_gap_ > model.certificate_tolerance_
    assert model.history_[-1, 1] == model.dual_gap_


def test_alpha_zero_is_certified_by_kkt():
    X, Y = data(n=40, p=8, seed=7)
    model = ns.MultiTaskLasso(0.0, tol=1e-10).fit(X, Y)
    ref = np.linalg.lstsq(np.c_[X, np.ones(len(X))], Y, rcond=None)[0]
    np.testing.assert_allclose(model.coef_, ref[:-1].T, atol=1e-6)
    assert model.certificate_kind_ == "kkt_violation" and np.isnan(model.dual_gap_)


def test_predict_and_score():
    X, Y = data(seed=8)
    model = ns.MultiTaskElasticNet(0.01, l1_ratio=0.9).fit(X, Y)
    np.testing.assert_allclose(model.predict(X), X @ model.coef_.T + model.intercept_)
    np.testing.assert_allclose(model.predict(sp.csr_matrix(X)), model.predict(X))
    assert model.score(X, Y) > 0.9


@pytest.mark.parametrize("make, fit_kwargs, match", [
    (lambda: ns.MultiTaskLasso(0.1), dict(y=np.arange(50.0)), "for mono-task outputs, use Lasso"),
    (lambda: ns.MultiTaskElasticNet(0.1), dict(y=np.arange(50.0)), "use ElasticNet"),
    (lambda: ns.MultiTaskLasso(0.1), dict(y=np.ones((49, 2))), "y: has 49 samples"),
    (lambda: ns.MultiTaskLasso(0.1), dict(y=np.full((50, 2), np.nan)), "y"),
    (lambda: ns.MultiTaskLasso(-1.0), {}, "alpha"),
    (lambda: ns.MultiTaskLasso(np.inf), {}, "alpha"),
    (lambda: ns.MultiTaskElasticNet(0.1, l1_ratio=1.5), {}, "l1_ratio"),
    (lambda: ns.MultiTaskLasso(0.1, tol=-1.0), {}, "tol"),
    (lambda: ns.MultiTaskLasso(0.1, max_iter=0), {}, "max_iter"),
    (lambda: ns.MultiTaskLasso(0.1), dict(sample_weight=-np.ones(50)), "sample_weight"),
    (lambda: ns.MultiTaskLasso(0.1), dict(sample_weight=np.ones(3)), "sample_weight"),
])
def test_bad_input_names_the_argument(make, fit_kwargs, match):
    X, Y = data()
    kwargs = dict(y=Y) | fit_kwargs
    with pytest.raises(ValueError, match=match):
        make().fit(X, **kwargs)


def test_bad_design_names_x():
    X, Y = data()
    X[3, 4] = np.inf
    with pytest.raises(ValueError, match="X"):
        ns.MultiTaskLasso(0.1).fit(X, Y)


@settings(max_examples=60, deadline=None)
@given(V=arrays(np.float64, st.tuples(st.integers(1, 6), st.integers(1, 5)),
                elements=st.floats(-1e3, 1e3, allow_subnormal=False)),
       strength=st.floats(0.0, 10.0), step=st.floats(1e-3, 1e3))
def test_row_prox_moreau_identity(V, strength, step):
    """The ℓ2,1 prox the solver uses (block soft thresholding of each row):
    prox_{tf}(V) + t·prox_{f*/t}(V/t) = V, f* the indicator of the rows' ℓ2 balls of radius λ."""
    prox = ns.prox.L2(strength).prox(V, step, axis=1)
    projection = ns.prox.L2Ball(strength).prox(V / step, axis=1)
    np.testing.assert_allclose(prox + step * projection, V, rtol=1e-12, atol=1e-9)
    top = np.abs(V).max(axis=1, keepdims=True)
    norms = top[:, 0] * np.linalg.norm(V / np.where(top > 0, top, 1), axis=1)  # no underflow
    assert np.all(prox[norms < step * strength * (1 - 1e-12)] == 0.0)  # whole rows, exactly


@SETTINGS
@given(shape=st.tuples(st.integers(2, 12), st.integers(1, 8), st.integers(1, 4)), seed=st.integers(0, 2 ** 16),
       ratio=st.floats(0.05, 1.5), l1_ratio=st.sampled_from([1.0, 0.5]), fit_intercept=st.booleans(),
       sparse=st.booleans())
def test_property_fits_are_certified(shape, seed, ratio, l1_ratio, fit_intercept, sparse):
    """Any small problem: the gap and the row-wise KKT recomputed here meet the
    certificate, and α ≥ α_max/ρ gives coef exactly 0."""
    n, p, T = shape
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p)) * rng.uniform(0.1, 10, p)
    Y = rng.standard_normal((n, T)) * 3
    amax = centred_alpha_max(X, Y, fit_intercept=fit_intercept) / l1_ratio
    if amax == 0:
        return
    alpha = ratio * amax
    model = ns.MultiTaskElasticNet(alpha, l1_ratio=l1_ratio, fit_intercept=fit_intercept, tol=1e-12,
                                   max_iter=100_000).fit(sp.csc_matrix(X) if sparse else X, Y)
    gap, kkt = certificate(X, Y, model, alpha, l1_ratio)
    scale = max(1.0, float((Y ** 2).sum()) / n)
    assert -1e-10 * scale <= gap <= 1e-8 * scale and kkt <= 1e-4 * np.sqrt(scale)
    if ratio >= 1:
        assert np.all(model.coef_ == 0.0)


@SETTINGS
@given(where=st.integers(0, 10 ** 6), value=st.sampled_from(NON_FINITE), target=st.sampled_from(["X", "y"]))
def test_property_non_finite_input_is_named(where, value, target):
    X, Y = data(n=12, p=8)
    X, Y = (poisoned(X, where, value), Y) if target == "X" else (X, poisoned(Y, where, value))
    with pytest.raises(ValueError, match=target):
        ns.MultiTaskLasso(0.1).fit(X, Y)


def test_callback_stops_and_exceptions_carry_the_estimator():
    X, Y = data(n=60, p=200, seed=9)
    alpha = 1e-4 * centred_alpha_max(X, Y)
    with pytest.warns(ns.ConvergenceWarning, match="stopped by its callback"):
        model = ns.MultiTaskLasso(alpha, tol=0.0, max_iter=10 ** 6, callback=lambda k, gap: k < 20).fit(X, Y)
    assert 20 <= model.n_iter_ < 10 ** 6 and model.dual_gap_ > 0

    class Stop(Exception):
        pass

    def stop(k, gap):
        if k >= 20:
            raise Stop

    with pytest.raises(Stop) as info:
        ns.MultiTaskElasticNet(alpha, tol=0.0, max_iter=10 ** 6, callback=stop).fit(X, Y)
    model = info.value.result
    assert isinstance(model, ns.MultiTaskElasticNet) and model.n_iter_ >= 20 and model.coef_.shape == (4, 200)
    assert model.history_[-1, 1] == model.dual_gap_ > 0
    gap, _ = certificate(X, Y, model, alpha, 0.5)
    assert gap >= model.dual_gap_ * (1 - 1e-9)  # the best dual seen is at least the current point's


def test_overflowing_targets_and_degenerate_columns():
    X, Y = data(n=20, p=8, seed=10)
    with pytest.raises(ValueError, match="y: its squared deviations overflow"):
        ns.MultiTaskLasso(0.1).fit(X, Y * 1e300)
    X[:, 2], X[:, 4] = 3.0, 0.0  # a constant column (absorbed by the intercept) and a zero one
    model = ns.MultiTaskLasso(0.01, tol=1e-12, warm_start=True)
    model.coef_ = np.ones((Y.shape[1], X.shape[1]))  # a warm start that must leave those columns
    model.fit(X, Y)
    assert np.all(model.coef_[:, [2, 4]] == 0.0)
    assert not np.signbit(model.coef_[model.coef_ == 0]).any()  # zeros are +0.0
    gap, kkt = certificate(X, Y, model, 0.01, 1.0)
    assert gap <= 1e-10 and kkt <= 1e-6
