"""scikit-learn conventions every estimator follows: DataFrame column names
checked at predict/score, warm starts from a user-set ``coef_``, one optimizer
family for training and tuning."""
from __future__ import annotations

import warnings

import numpy as np
import pytest

import nonsmooth as ns
from nonsmooth._estimator import FeatureCheckMixin

pd = pytest.importorskip("pandas")

ESTIMATORS = [
    lambda: ns.Lasso(0.05),
    lambda: ns.ElasticNet(0.05, l1_ratio=0.5),
    lambda: ns.LassoTuned(cv=3, max_outer=4),
    lambda: ns.ElasticNetTuned(cv=3, max_outer=4),
    lambda: ns.WeightedLassoTuned(cv=3, max_outer=4),
]
IDS = ["Lasso", "ElasticNet", "LassoTuned", "ElasticNetTuned", "WeightedLassoTuned"]


def _data(seed=0, n=40, p=4):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p))
    return X, X @ np.array([3.0, -2.0, 0.0, 1.0])[:p] + 0.1 * rng.standard_normal(n)


def test_every_public_estimator_checks_its_features():
    """The shared base class carries the checks; a new estimator inherits them."""
    from test_pickling import public_classes

    estimators = [cls for cls in public_classes() if hasattr(cls, "fit") and hasattr(cls, "predict")]
    assert len(estimators) >= 5
    assert all(issubclass(e, FeatureCheckMixin) for e in estimators), estimators


@pytest.mark.parametrize("make", ESTIMATORS, ids=IDS)
def test_dataframe_columns_are_checked(make):
    X, y = _data()
    df = pd.DataFrame(X, columns=["a", "b", "c", "d"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ns.ConvergenceWarning)
        model = make().fit(df, y)
    assert list(model.feature_names_in_) == ["a", "b", "c", "d"] and model.n_features_in_ == 4
    assert np.allclose(model.predict(df), model.predict(X))  # the values are X's, in order
    with pytest.raises(ValueError, match="same order as they were in fit"):
        model.predict(df[df.columns[::-1]])  # permuted columns: never a silent wrong prediction
    with pytest.raises(ValueError, match="Feature names unseen at fit time:\n- e"):
        model.predict(df.rename(columns={"d": "e"}))
    with pytest.raises(ValueError, match="seen at fit time, yet now missing"):
        model.score(df[["a", "b", "c"]], y)
    with pytest.warns(UserWarning, match="does not have valid feature names"):
        model.predict(X)
    # refitting on an array forgets the names (scikit-learn's behaviour)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ns.ConvergenceWarning)
        model.fit(X, y)
    assert not hasattr(model, "feature_names_in_")
    with pytest.warns(UserWarning, match="X has feature names, but"):
        model.predict(df)
    with pytest.raises(ValueError, match="X has 3 features, but .* is expecting 4"):
        model.predict(X[:, :3])


def test_column_names_rules_match_scikit_learn():
    X, y = _data()
    model = ns.Lasso(0.05).fit(pd.DataFrame(X), y)  # integer column names: no names, as in scikit-learn
    assert not hasattr(model, "feature_names_in_")
    with pytest.raises(TypeError, match="only supported if all input features have string names"):
        ns.Lasso(0.05).fit(pd.DataFrame(X, columns=["a", 1, "c", "d"]), y)


def test_sklearn_agrees_on_the_feature_names_it_sees():
    from sklearn.linear_model import Lasso as SkLasso
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    X, y = _data()
    df = pd.DataFrame(X, columns=list("wxyz"))
    ours = make_pipeline(StandardScaler().set_output(transform="pandas"), ns.Lasso(0.05, tol=1e-12)).fit(df, y)
    theirs = make_pipeline(StandardScaler().set_output(transform="pandas"), SkLasso(alpha=0.05, tol=1e-12)).fit(df, y)
    assert list(ours[-1].feature_names_in_) == list(theirs[-1].feature_names_in_)
    assert np.allclose(ours.predict(df), theirs.predict(df), atol=1e-8)


# ---- warm starts from a user-set coef_ (item 12) ------------------------------------------------
@pytest.mark.parametrize("coef", [[3.0, -2.0, 0.0, 1.0], np.array([3.0, -2.0, 0.0, 1.0]), (0, 0, 0, 0)])
def test_warm_start_from_coef_alone(coef):
    X, y = _data()
    model = ns.Lasso(0.05, warm_start=True)
    model.coef_ = coef  # as scikit-learn users do: no intercept_
    model.fit(X, y)
    reference = ns.Lasso(0.05, tol=1e-10).fit(X, y)
    assert np.allclose(model.coef_, reference.coef_, atol=1e-3)
    assert isinstance(model.coef_, np.ndarray) and model.coef_.dtype == np.float64


def test_sparse_coef_from_a_list():
    model = ns.Lasso()
    model.coef_ = [1.0, 0.0, -2.0]
    assert model.sparse_coef_.toarray().tolist() == [[1.0, 0.0, -2.0]]


# ---- one optimizer family (item 16) ---------------------------------------------------------------
def test_tuning_accepts_the_public_optimizers():
    X, y = _data(3, 80, 4)
    adam = ns.Adam(0.2)
    by_object = ns.LassoTuned(optimizer=adam, alpha0=None, max_outer=15).fit(X, y)
    by_name = ns.LassoTuned(optimizer="adam", alpha0=None, max_outer=15).fit(X, y)
    assert by_object.alpha_ == by_name.alpha_ and by_object.criterion_ == by_name.criterion_
    assert adam.steps == 0  # the configuration object is never stepped
    for opt in (ns.SGD(0.05), ns.Momentum(0.05), ns.RMSProp(0.05), ns.optim.Adam(ns.optim.cosine(0.3, 0.01, 20))):
        ns.LassoTuned(optimizer=opt, max_outer=6).fit(X, y)
        ns.ElasticNetTuned(optimizer=opt, max_outer=4).fit(X, y)


def test_tuning_adam_is_the_native_rule_projected():
    """A step of the outer loop is exactly ns.Adam's step followed by the box projection."""
    from nonsmooth.tuning._optimizers import FirstOrder, StoppingRule

    theta_seen, grads = [], []

    class Quadratic:
        n_evaluations = 0

        def __call__(self, theta):
            self.n_evaluations += 1
            theta_seen.append(theta.copy())
            g = 2 * (theta - 3.0)
            grads.append(g)
            return float(np.sum((theta - 3.0) ** 2)), g

        def accept(self, theta=None):
            pass

        def at_final_tol(self):
            return True

    FirstOrder(ns.Adam(0.5)).minimize(Quadratic(), np.array([0.0, 1.0]), np.array([-1.0, -1.0]),
                                      np.array([2.0, 10.0]), StoppingRule(max_outer=6))
    reference, w = ns.Adam(0.5), theta_seen[0].copy()
    for k in range(len(theta_seen) - 1):
        reference.step(w, grads[k])
        np.clip(w, [-1.0, -1.0], [2.0, 10.0], out=w)
        assert np.array_equal(w, theta_seen[k + 1])
    assert theta_seen[-1][0] == 2.0  # held at the bound


def test_tuning_adam_class_is_deprecated():
    with pytest.warns(FutureWarning, match="optimizer=nonsmooth.Adam"):
        ns.tuning.Adam(0.1)
    assert "Adam" not in ns.tuning.__all__
