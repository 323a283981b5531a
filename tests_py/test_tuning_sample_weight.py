"""The tuned estimators with sample weights, groups and scikit-learn's LassoCV
surface (``alphas_``, ``mse_path_``, ``cv=`` splitters), checked against
scikit-learn's LassoCV / Lasso / ElasticNet with ``sample_weight`` and the
hypergradient against central finite differences of the weighted criterion."""
from __future__ import annotations

import numpy as np
import pytest

import nonsmooth as ns
from nonsmooth.tuning import lasso_criterion_path

sklearn = pytest.importorskip("sklearn")
from sklearn.linear_model import ElasticNet as SkElasticNet  # noqa: E402
from sklearn.linear_model import Lasso as SkLasso  # noqa: E402
from sklearn.linear_model import LassoCV  # noqa: E402
from sklearn.model_selection import GroupKFold, KFold  # noqa: E402


def weighted_data(seed=0, n=60, p=8):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p))
    beta = np.zeros(p)
    beta[:3] = [3.0, -2.0, 1.0]
    y = X @ beta + 0.5 * rng.standard_normal(n) + 2.0
    return X, y, rng.uniform(0.2, 3.0, n)


def test_weighted_criterion_is_lasso_cv_mse_path():
    X, y, s = weighted_data()
    alphas = np.geomspace(0.5, 0.005, 7)
    reference = LassoCV(alphas=alphas, cv=KFold(4), tol=1e-12, max_iter=100_000).fit(X, y, sample_weight=s)
    _, values, _, _ = lasso_criterion_path(X, y, cv=4, alphas=alphas, sample_weight=s, tol=1e-14)
    assert np.allclose(values, reference.mse_path_.mean(axis=1), rtol=1e-9, atol=0)
    # and sample weights matter: the unweighted criterion is different
    _, plain, _, _ = lasso_criterion_path(X, y, cv=4, alphas=alphas, tol=1e-14)
    assert np.max(np.abs(plain / values - 1)) > 1e-2


def test_weighted_lasso_tuned_matches_scikit_learn_at_the_tuned_alpha():
    X, y, s = weighted_data(1)
    model = ns.LassoTuned(cv=4, tol=1e-12).fit(X, y, sample_weight=s)
    # the criterion at alpha_ is LassoCV's weighted CV MSE there, fold by fold
    at = LassoCV(alphas=[model.alpha_], cv=KFold(4), tol=1e-14, max_iter=100_000).fit(X, y, sample_weight=s)
    row = model.mse_path_[np.argmin(np.abs(model.alphas_ - model.alpha_))]
    assert np.allclose(row, at.mse_path_.ravel(), rtol=1e-8, atol=0)
    assert model.criterion_ == pytest.approx(at.mse_path_.mean(), rel=1e-8)
    # better than (or equal to) the best point of LassoCV's 100-α grid on the same folds
    grid = LassoCV(cv=KFold(4), tol=1e-12, max_iter=100_000).fit(X, y, sample_weight=s)
    assert model.criterion_ <= grid.mse_path_.mean(axis=1).min() * (1 + 1e-9)
    # the refit is scikit-learn's weighted Lasso at alpha_
    refit = SkLasso(alpha=model.alpha_, tol=1e-14, max_iter=100_000).fit(X, y, sample_weight=s)
    assert np.allclose(model.coef_, refit.coef_, atol=1e-8)
    assert model.intercept_ == pytest.approx(refit.intercept_, abs=1e-8)


def test_lasso_cv_surface():
    X, y, s = weighted_data(2)
    model = ns.LassoTuned(cv=5).fit(X, y, sample_weight=s)
    k = len(model.alphas_)
    assert model.mse_path_.shape == (k, 5) and k == len({r["theta"].tobytes() for r in model.history_})
    assert np.all(np.diff(model.alphas_) < 0)  # decreasing, as LassoCV's
    assert model.mse_path_.mean(axis=1).min() == pytest.approx(model.criterion_, rel=1e-12)
    enet = ns.ElasticNetTuned(cv=3, max_outer=6).fit(X, y)
    assert enet.mse_path_.shape == (len(enet.alphas_), 3)
    weighted = ns.WeightedLassoTuned(cv=3, max_outer=6).fit(X, y)
    assert weighted.mse_path_.shape[1] == 3 and weighted.alphas_.shape == (X.shape[1],)
    holdout = ns.LassoTuned(criterion="holdout", max_outer=6, random_state=0).fit(X, y)
    assert holdout.mse_path_.shape[1] == 1


@pytest.mark.parametrize("Estimator", [ns.LassoTuned, ns.ElasticNetTuned, ns.WeightedLassoTuned])
def test_weighted_hypergradient_agrees_with_finite_differences(Estimator):
    """At the points the tuning visited, ∂C/∂θ against central differences of the
    weighted criterion evaluated from scratch (every θ component)."""
    from nonsmooth.tuning._criteria import CrossVal

    X, y, s = weighted_data(3, n=50, p=5)
    model = Estimator(cv=3, tol=1e-13, max_outer=4, alpha0=0.05).fit(X, y, sample_weight=s)
    param = model._plot_state[1]
    h = 1e-5

    def criterion(theta):
        bound = CrossVal(3).bind(X, y, True, None, sample_weight=s)
        alpha, l1_ratio, weights = param.solver(theta)
        for task in bound.tasks:
            task.solve(alpha, l1_ratio, weights, 1e-15, 1_000_000)
        return bound.evaluate()[0]

    for record in model.history_[:3]:
        theta = record["theta"]
        for j in range(theta.size):
            e = np.zeros_like(theta)
            e[j] = h
            fd = (criterion(theta + e) - criterion(theta - e)) / (2 * h)
            assert record["hypergradient"][j] == pytest.approx(fd, rel=1e-5, abs=1e-9 * abs(record["criterion"]))


def test_weighted_elastic_net_refit_is_scikit_learns():
    X, y, s = weighted_data(4)
    model = ns.ElasticNetTuned(cv=3, max_outer=8, tol=1e-12).fit(X, y, sample_weight=s)
    reference = SkElasticNet(alpha=model.alpha_, l1_ratio=model.l1_ratio_, tol=1e-14, max_iter=100_000).fit(
        X, y, sample_weight=s)
    assert np.allclose(model.coef_, reference.coef_, atol=1e-8)


def test_unit_weights_change_nothing():
    X, y, _ = weighted_data(5)
    plain = ns.LassoTuned(cv=4).fit(X, y)
    ones = ns.LassoTuned(cv=4).fit(X, y, sample_weight=np.full(len(y), 2.5))
    assert ones.alpha_ == pytest.approx(plain.alpha_, rel=1e-8)
    assert np.allclose(ones.mse_path_, plain.mse_path_, rtol=1e-8)


def test_groups_and_splitters():
    X, y, s = weighted_data(6)
    groups = np.repeat(np.arange(6), 10)
    model = ns.LassoTuned(cv=GroupKFold(3), max_outer=8).fit(X, y, sample_weight=s, groups=groups)
    folds = list(GroupKFold(3).split(X, y, groups))
    by_pairs = ns.LassoTuned(cv=folds, max_outer=8).fit(X, y, sample_weight=s)
    assert by_pairs.alpha_ == model.alpha_ and model.mse_path_.shape[1] == 3
    for train, test in folds:  # no group on both sides: the groups reached the splitter
        assert not set(groups[train]) & set(groups[test])
    with pytest.raises(ValueError, match="groups"):
        ns.LassoTuned(cv=GroupKFold(3)).fit(X, y)  # scikit-learn's own message names groups


@pytest.mark.parametrize("kwargs, fit_kwargs, match", [
    (dict(), dict(sample_weight=-np.ones(60)), "sample_weight"),
    (dict(), dict(sample_weight=np.ones(59)), "sample_weight"),
    (dict(criterion="sure", sigma=1.0), dict(sample_weight=np.ones(60)), "sample_weight"),
    (dict(cv=KFold(3)), dict(sample_weight=np.r_[np.zeros(20), np.ones(40)]), "validation fold 0"),
])
def test_bad_sample_weight(kwargs, fit_kwargs, match):
    X, y, _ = weighted_data()
    with pytest.raises(ValueError, match=match):
        ns.LassoTuned(**kwargs).fit(X, y, **fit_kwargs)


@pytest.mark.parametrize("fit_intercept", [False, True])
@pytest.mark.parametrize("Estimator", [ns.LassoTuned, ns.WeightedLassoTuned])
def test_sparse_weighted_tuning_matches_dense(Estimator, fit_intercept):
    """Sparse X stays sparse (the intercept is an unpenalized column √s); same path as dense."""
    import scipy.sparse as sp

    X, y, s = weighted_data(7)
    X[np.abs(X) < 0.7] = 0.0
    kwargs = dict(cv=3, fit_intercept=fit_intercept, max_outer=6, tol=1e-12)
    dense = Estimator(**kwargs).fit(X, y, sample_weight=s)
    sparse = Estimator(**kwargs).fit(sp.csr_matrix(X), y, sample_weight=s)
    assert len(sparse.history_) == len(dense.history_)
    for a, b in zip(sparse.history_, dense.history_):
        assert np.allclose(a["theta"], b["theta"], rtol=0, atol=1e-7)
        assert np.allclose(a["hypergradient"], b["hypergradient"], rtol=1e-6, atol=1e-9 * b["criterion"])
    assert np.allclose(sparse.coef_, dense.coef_, atol=1e-7)


def test_sparse_weighted_elastic_net_with_intercept_is_refused():
    import scipy.sparse as sp

    X, y, s = weighted_data(8)
    with pytest.raises(ValueError, match="sample_weight: ElasticNetTuned"):
        ns.ElasticNetTuned(cv=3).fit(sp.csr_matrix(X), y, sample_weight=s)
