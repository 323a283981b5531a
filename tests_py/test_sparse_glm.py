"""The coordinate-descent engine's estimators against independent references:
scikit-learn (saga / liblinear), skglm (MCP, SCAD), cvxpy, closed forms and
optimality conditions, plus scikit-learn's estimator checks and bad input."""
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.linear_model import LogisticRegression
from sklearn.utils.estimator_checks import parametrize_with_checks

import nonsmooth as ns
from nonsmooth import _native
from nonsmooth.linear_model import GeneralizedLinearEstimator, datafits, penalties


def classification(n=80, p=30, seed=0, classes=2):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p))
    X[:, 1] += 0.5 * X[:, 0]
    score = X[:, 0] - 2 * X[:, 2] + 0.5 * rng.standard_normal(n)
    if classes == 2:
        return X, (score > 0).astype(int)
    return X, np.digitize(score, np.quantile(score, np.linspace(0, 1, classes + 1)[1:-1]))


def logistic_kkt(X, t, s, coef, intercept, alpha, fit_intercept=True):
    """max violation of −∇F ∈ α∂‖β‖₁ (and ∂F/∂b = 0), computed here from scratch."""
    s = np.ones(len(t)) if s is None else s
    eta = X @ coef + intercept
    g = -s * t / (1 + np.exp(t * eta)) / s.sum()
    grad = X.T @ g
    viol = np.where(coef != 0, np.abs(grad + alpha * np.sign(coef)), np.maximum(np.abs(grad) - alpha, 0))
    return max(viol.max(), abs(g.sum()) if fit_intercept else 0.0)


@parametrize_with_checks([ns.SparseLogisticRegression(alpha=0.01, tol=1e-12), ns.MCPRegression(alpha=0.1, tol=1e-12),
                          ns.SCADRegression(alpha=0.1, tol=1e-12),
                          GeneralizedLinearEstimator(penalty=penalties.L1(0.1), tol=1e-12),
                          GeneralizedLinearEstimator(datafits.Logistic(), penalties.ElasticNet(0.01, 0.5), tol=1e-12)])
def test_sklearn_check_estimator(estimator, check):
    check(estimator)


@pytest.mark.parametrize("layout", ["F", "C", "csc", "csr"])
@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("weighted", [False, True])
def test_sparse_logistic_matches_saga(layout, fit_intercept, weighted):
    X, y = classification(seed=1)
    s = np.random.default_rng(2).uniform(0.5, 2, len(y)) if weighted else None
    C = 0.3
    Xl = {"C": np.ascontiguousarray(X), "F": np.asfortranarray(X), "csc": sp.csc_matrix(X),
          "csr": sp.csr_matrix(X)}[layout]
    ours = ns.SparseLogisticRegression(C=C, fit_intercept=fit_intercept, tol=1e-13).fit(Xl, y, sample_weight=s)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = LogisticRegression(C=C, l1_ratio=1.0, solver="saga", fit_intercept=fit_intercept, tol=1e-12,
                                 max_iter=200_000).fit(X, y, sample_weight=s)
    np.testing.assert_allclose(ours.coef_, ref.coef_, atol=2e-6)
    np.testing.assert_allclose(ours.intercept_, ref.intercept_, atol=2e-6)
    assert ours.certificate_kind_ == "duality_gap" and ours.dual_gap_[0] <= 1e-13
    alpha = 1 / (C * (len(y) if s is None else s.sum()))
    assert logistic_kkt(X, 2.0 * y - 1, s, ours.coef_[0], ours.intercept_[0], alpha, fit_intercept) < 1e-6
    # The zeros are the solver's exact zeros: the support is sparse, not tiny values.
    assert 0 < np.count_nonzero(ours.coef_) < X.shape[1]


def test_sparse_logistic_without_intercept_matches_liblinear():
    X, y = classification(seed=3)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = LogisticRegression(C=0.2, l1_ratio=1.0, solver="liblinear", fit_intercept=False, tol=1e-12,
                                 max_iter=100_000).fit(X, y)
    ours = ns.SparseLogisticRegression(C=0.2, fit_intercept=False, tol=1e-13).fit(X, y)
    np.testing.assert_allclose(ours.coef_, ref.coef_, atol=1e-5)


def test_sparse_logistic_matches_cvxpy_with_weights():
    cp = pytest.importorskip("cvxpy")
    X, y = classification(n=40, p=8, seed=4)
    t = 2.0 * y - 1
    s = np.random.default_rng(5).uniform(0.5, 2, len(y))
    w = np.array([1, 1, 0.5, 2, 1, 0, 1, 1.5])
    alpha = 0.02
    beta, b = cp.Variable(8), cp.Variable()
    loss = cp.sum(cp.multiply(s, cp.logistic(-cp.multiply(t, X @ beta + b)))) / s.sum()
    cp.Problem(cp.Minimize(loss + alpha * cp.norm1(cp.multiply(w, beta)))).solve(solver=cp.CLARABEL, tol_gap_abs=1e-12,
                                                                                  tol_gap_rel=1e-12, tol_feas=1e-12)
    ours = ns.SparseLogisticRegression(alpha=alpha, weights=w, tol=1e-12).fit(X, y, sample_weight=s)
    np.testing.assert_allclose(ours.coef_[0], beta.value, atol=1e-5)
    assert abs(ours.intercept_[0] - b.value) < 1e-5
    assert ours.certificate_kind_ == "kkt_violation"   # w_5 = 0: an unpenalized feature
    assert ours.coef_[0, 5] != 0


def test_multiclass_is_one_vs_rest_with_string_labels():
    X, y = classification(n=120, p=10, seed=6, classes=3)
    labels = np.array(["a", "b", "c"])[y]
    clf = ns.SparseLogisticRegression(alpha=0.005, tol=1e-10).fit(X, labels)
    assert list(clf.classes_) == ["a", "b", "c"]
    assert clf.coef_.shape == (3, 10) and clf.intercept_.shape == (3,) and clf.n_iter_.shape == (3,)
    for k, c in enumerate(clf.classes_):
        binary = ns.SparseLogisticRegression(alpha=0.005, tol=1e-10).fit(X, labels == c)
        np.testing.assert_allclose(clf.coef_[k], binary.coef_[0], atol=1e-9)
    proba = clf.predict_proba(X)
    np.testing.assert_allclose(proba.sum(axis=1), 1)
    assert (clf.predict(X) == clf.classes_[proba.argmax(axis=1)]).all()
    assert clf.score(X, labels) > 0.6


def test_binary_probabilities_and_decision_function():
    X, y = classification(seed=7)
    labels = np.where(y == 1, "pos", "neg")
    clf = ns.SparseLogisticRegression(alpha=0.01).fit(X, labels)
    d = clf.decision_function(X)
    assert d.shape == (len(y),)
    np.testing.assert_allclose(clf.predict_proba(X)[:, 1], 1 / (1 + np.exp(-d)))
    assert (clf.predict(X) == np.where(d > 0, "pos", "neg")).all()




@pytest.mark.parametrize("sparse", [False, True])
@pytest.mark.parametrize("fit_intercept", [False, True])
def test_mcp_matches_skglm(sparse, fit_intercept):
    skglm = pytest.importorskip("skglm")
    rng = np.random.default_rng(8)
    X = rng.standard_normal((200, 20))
    y = X[:, :4] @ np.array([3, -2, 0.3, 1]) + 0.5 * rng.standard_normal(200) + (2 if fit_intercept else 0)
    # n ≫ p and γ = 3: the objective is strongly convex here, so the minimizer is unique.
    ours = ns.MCPRegression(alpha=0.2, gamma=3.0, fit_intercept=fit_intercept, tol=1e-12).fit(
        sp.csc_matrix(X) if sparse else X, y)
    ref = skglm.MCPRegression(alpha=0.2, gamma=3.0, fit_intercept=fit_intercept, tol=1e-12, max_iter=1000).fit(X, y)
    np.testing.assert_allclose(ours.coef_, ref.coef_, atol=1e-6)
    assert abs(ours.intercept_ - ref.intercept_) < 1e-6
    assert ours.certificate_kind_ == "kkt_violation"
    assert ours.certificate_ <= ours.certificate_tolerance_


def test_scad_matches_skglm_generalized_estimator():
    skglm = pytest.importorskip("skglm")
    from skglm.datafits import Quadratic
    from skglm.penalties import SCAD
    from skglm.solvers import AndersonCD

    rng = np.random.default_rng(9)
    X = rng.standard_normal((200, 15))
    y = X[:, :3] @ np.array([2, -1.5, 0.2]) + 0.3 * rng.standard_normal(200)
    ours = ns.SCADRegression(alpha=0.15, gamma=3.7, fit_intercept=False, tol=1e-12).fit(X, y)
    ref = skglm.GeneralizedLinearEstimator(Quadratic(), SCAD(0.15, 3.7),
                                           AndersonCD(tol=1e-12, fit_intercept=False)).fit(X, y)
    np.testing.assert_allclose(ours.coef_, ref.coef_, atol=1e-7)


def test_generalized_estimator_box_is_nonnegative_least_squares():
    from scipy.optimize import nnls

    rng = np.random.default_rng(10)
    X = rng.standard_normal((50, 12))
    y = X @ rng.standard_normal(12)
    model = GeneralizedLinearEstimator(datafits.Quadratic(), penalties.Box(0.0, np.inf), fit_intercept=False,
                                       tol=1e-14, max_iter=100_000).fit(X, y)
    np.testing.assert_allclose(model.coef_, nnls(X, y)[0], atol=1e-7)
    assert (model.coef_ >= 0).all() and (model.coef_ == 0).any()


def test_generalized_estimator_elastic_net_matches_nonsmooth_elastic_net():
    rng = np.random.default_rng(11)
    X = rng.standard_normal((60, 40))
    y = X[:, :3] @ np.array([1.0, -2, 1]) + rng.standard_normal(60)
    w = rng.uniform(0.5, 2, 60)
    ours = GeneralizedLinearEstimator(penalty=penalties.ElasticNet(0.05, 0.7), tol=1e-14).fit(X, y, sample_weight=w)
    ref = ns.ElasticNet(alpha=0.05, l1_ratio=0.7, tol=1e-14, max_iter=100_000).fit(X, y, sample_weight=w)
    np.testing.assert_allclose(ours.coef_, ref.coef_, atol=1e-7)
    assert abs(ours.intercept_ - ref.intercept_) < 1e-7
    assert ours.certificate_kind_ == "duality_gap"


def test_logistic_path_starts_at_zero_and_is_certified():
    X, y = classification(seed=12)
    alphas, coefs, intercepts, gaps = ns.logistic_path(X, y, n_alphas=10, eps=1e-2, tol=1e-10)
    assert np.all(coefs[:, 0] == 0) and np.count_nonzero(coefs[:, 1]) > 0
    assert np.all(gaps <= 1e-10)
    alpha_max = ns.linear_model.logistic_alpha_max(X, y)
    assert alphas[0] == pytest.approx(alpha_max)
    just_below = ns.SparseLogisticRegression(alpha=0.99 * alpha_max).fit(X, y)
    assert np.count_nonzero(just_below.coef_) > 0
    single = ns.SparseLogisticRegression(alpha=alphas[5], tol=1e-10).fit(X, y)
    np.testing.assert_allclose(single.coef_[0], coefs[:, 5], atol=1e-6)


def test_not_converged_warns_with_the_certificate():
    X, y = classification(n=60, p=200, seed=13)
    with pytest.warns(ns.ConvergenceWarning, match="duality gap .* > tolerance"):
        model = ns.SparseLogisticRegression(alpha=1e-4, tol=1e-14, max_iter=2).fit(X, y)
    assert model.dual_gap_[0] > 1e-14 and model.n_iter_[0] == 2
    with pytest.warns(ns.ConvergenceWarning, match="KKT violation"):
        ns.MCPRegression(alpha=1e-3, tol=1e-14, max_iter=2).fit(X, X[:, 0] + X[:, 1])


def test_callback_stops_the_fit():
    X, y = classification(n=60, p=200, seed=14)
    seen = []
    with pytest.warns(ns.ConvergenceWarning, match="stopped by its callback"):
        ns.SparseLogisticRegression(alpha=1e-4, tol=1e-14, callback=lambda k, c: seen.append(c) or False).fit(X, y)
    assert len(seen) == 1


@pytest.mark.parametrize("make, fit_args, match", [
    (lambda: ns.SparseLogisticRegression(), lambda X: (X, np.zeros(len(X))), "y: the data contains only one class"),
    (lambda: ns.SparseLogisticRegression(), lambda X: (X, np.zeros((len(X), 2))), "y: expected a 1-D array"),
    (lambda: ns.SparseLogisticRegression(), lambda X: (X, np.linspace(0, 1, len(X))), "Unknown label type"),
    (lambda: ns.SparseLogisticRegression(C=0), lambda X: (X, np.arange(len(X)) % 2), "C: must be"),
    (lambda: ns.SparseLogisticRegression(alpha=-1), lambda X: (X, np.arange(len(X)) % 2), "alpha: must be"),
    (lambda: ns.SparseLogisticRegression(weights=[1, 2]), lambda X: (X, np.arange(len(X)) % 2), "weights: has 2"),
    (lambda: ns.SparseLogisticRegression(), lambda X: (np.where(X > 1, np.nan, X), np.arange(len(X)) % 2), "X"),
    (lambda: ns.MCPRegression(gamma=1.0), lambda X: (X, X[:, 0]), "gamma: must be a finite number > 1"),
    (lambda: ns.SCADRegression(gamma=2.0), lambda X: (X, X[:, 0]), "gamma: must be a finite number > 2"),
    (lambda: ns.MCPRegression(), lambda X: (X, np.c_[X[:, 0], X[:, 1]]), "y: expected a 1-D array"),
    (lambda: ns.MCPRegression(tol=-1), lambda X: (X, X[:, 0]), "tol: must be"),
    (lambda: ns.MCPRegression(max_iter=0), lambda X: (X, X[:, 0]), "max_iter: must be"),
    (lambda: GeneralizedLinearEstimator(datafits.Logistic()), lambda X: (X, np.arange(len(X)) % 3),
     "Only binary classification"),
    (lambda: GeneralizedLinearEstimator(penalty="l1"), lambda X: (X, X[:, 0]), "penalty: expected"),
    (lambda: GeneralizedLinearEstimator(penalty=penalties.Box(1.0, 0.0)), lambda X: (X, X[:, 0]), "lower"),
    (lambda: GeneralizedLinearEstimator(penalty=penalties.ElasticNet(0.1, 1.5)), lambda X: (X, X[:, 0]),
     "l1_ratio"),
])
def test_bad_input_names_the_argument(make, fit_args, match):
    X = np.random.default_rng(15).standard_normal((30, 4))
    with pytest.raises((ValueError, TypeError), match=match):
        make().fit(*fit_args(X))


def test_abi_rejects_unknown_kinds_and_bad_labels():
    X = np.asfortranarray(np.random.default_rng(16).standard_normal((10, 3)))
    coef, icpt = np.zeros(3), np.zeros(1)
    with pytest.raises(ValueError, match="options.penalty"):
        _native.glm_fit(X, None, np.ones(10), coef, icpt, penalty=9)
    with pytest.raises(ValueError, match="options.datafit"):
        _native.glm_fit(X, None, np.ones(10), coef, icpt, datafit=7)
    with pytest.raises(ValueError, match="y: entry 0 is 0.0"):
        _native.glm_fit(X, None, np.zeros(10), coef, icpt, datafit=1)
    with pytest.raises(ValueError, match="sample_weight"):
        _native.glm_fit(X, None, np.ones(10), coef, icpt, sample_weight=-np.ones(10))
