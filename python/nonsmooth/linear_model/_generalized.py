"""Any datafit × separable penalty of the engine as one scikit-learn estimator."""
from __future__ import annotations

import numpy as np

from .. import _progress
from .._estimator import BaseEstimator, FeatureCheckMixin
from . import datafits as _datafits
from . import penalties as _penalties
from ._coordinate_descent import _check_sample_weight
from ._data import Design, as_target
from ._glm import (check_features, check_tol_max_iter, fitted_on_interrupt, regression_tol_scale, reporter, solve,
                   warn_if_not_converged)
from ._labels import as_labels, plus_minus


class GeneralizedLinearEstimator(FeatureCheckMixin, BaseEstimator):
    """min over β, b of F(Xβ + b) + Σⱼ pⱼ(βⱼ) for any datafit and separable penalty.

    The generic estimator of the coordinate-descent engine (the shape of
    skglm's ``GeneralizedLinearEstimator``): one native solver — working sets,
    Anderson extrapolation, an unpenalized intercept — runs every pair, dense
    or sparse X. Convex pairs with a usable conjugate are certified by their
    duality gap, the others by their KKT violation (``certificate_kind_``).

    Parameters
    ----------
    datafit : datafits.Quadratic, Logistic, Huber or Poisson, default=Quadratic()
        With ``Logistic`` the estimator is a binary classifier (two labels,
        ``classes_[1]`` mapped to +1; use :class:`SparseLogisticRegression` for
        more classes). ``Poisson`` needs targets ≥ 0 and predicts exp(Xβ + b).
    penalty : one of ``penalties.L1, ElasticNet, Box, MCP, SCAD, L0, GroupL2, SparseGroupL1``, default=L1(1.0)
        The group penalties run block coordinate descent (logistic group Lasso:
        ``GeneralizedLinearEstimator(datafits.Logistic(), penalties.GroupL2(alpha, groups))``);
        with them the datafit must be Quadratic or Logistic.
    fit_intercept : bool, default=True
    tol : float, default=1e-6
        Quadratic: the certificate must be ≤ tol · Σ sᵢ(yᵢ − ȳ)²/Σ sᵢ
        (scikit-learn's Lasso scaling); Logistic, Huber, Poisson: ≤ tol (absolute).
    max_iter : int, default=10000
        Budget of epochs; running out warns with the certificate reached.
    warm_start, verbose, callback
        As in :class:`nonsmooth.Lasso`.

    Attributes
    ----------
    coef_ : ndarray of shape (n_features,)
    intercept_ : float
    certificate_, certificate_kind_, certificate_tolerance_, kkt_violation_, objective_ : float / str
    n_iter_ : int
    history_ : ndarray of shape (k, 2)
    classes_ : ndarray of shape (2,)
        With the Logistic datafit only.
    n_features_in_ : int

    Examples
    --------
    >>> import numpy as np
    >>> from nonsmooth.linear_model import GeneralizedLinearEstimator, datafits, penalties
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((40, 6)); y = X[:, 0] - 2 * X[:, 3]
    >>> model = GeneralizedLinearEstimator(datafits.Quadratic(), penalties.SCAD(0.1)).fit(X, y)
    >>> np.flatnonzero(model.coef_), model.certificate_kind_
    (array([0, 3]), 'kkt_violation')
    """

    def __init__(self, datafit=None, penalty=None, *, fit_intercept=True, tol=1e-6, max_iter=10_000,
                 warm_start=False, verbose=False, callback=None):
        self.datafit = datafit
        self.penalty = penalty
        self.fit_intercept = fit_intercept
        self.tol = tol
        self.max_iter = max_iter
        self.warm_start = warm_start
        self.verbose = verbose
        self.callback = callback

    def _terms(self):
        datafit = _datafits.Quadratic() if self.datafit is None else self.datafit
        penalty = _penalties.L1(1.0) if self.penalty is None else self.penalty
        if not isinstance(datafit, _datafits.DATAFITS):
            raise TypeError(f"datafit: expected one of nonsmooth.linear_model.datafits (Quadratic, Logistic, Huber, "
                            f"Poisson), got {datafit!r}")
        if not isinstance(penalty, _penalties._Penalty):
            raise TypeError(f"penalty: expected one of nonsmooth.linear_model.penalties (L1, ElasticNet, Box, "
                            f"MCP, SCAD, L0, GroupL2, SparseGroupL1), got {penalty!r}")
        return datafit, penalty

    def fit(self, X, y, sample_weight=None):
        """Fit the model.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
            Real targets (Quadratic, Huber), targets ≥ 0 (Poisson) or two class labels (Logistic).
        sample_weight : array-like of shape (n_samples,), default=None

        Returns
        -------
        self
        """
        name = type(self).__name__
        datafit, penalty = self._terms()
        tol, max_iter = check_tol_max_iter(self.tol, self.max_iter)
        design = Design(X)
        n, p = design.shape
        s = _check_sample_weight(sample_weight, n)
        classes = None
        if datafit.is_classification:
            classes, labels = as_labels(y, n, estimator=name)
            if classes.shape[0] != 2:
                raise ValueError(f"y: Only binary classification is supported by {name} with the Logistic "
                                 f"datafit; got {classes.shape[0]} classes (use SparseLogisticRegression for more)")
            target = plus_minus(labels, classes[1])
            tolerance = tol
        else:
            target = as_target(y, n, estimator=name)
            if isinstance(datafit, _datafits.Poisson) and (target < 0).any():
                raise ValueError(f"y: the Poisson datafit needs targets ≥ 0; entry {int(np.argmax(target < 0))} is "
                                 f"{target[target < 0][0]!r}")
            quadratic = isinstance(datafit, _datafits.Quadratic)
            tolerance = tol * regression_tol_scale(target, s, self.fit_intercept) if quadratic else tol
        delta = datafit._param
        spec = penalty._spec(p)
        warm = bool(self.warm_start) and np.shape(getattr(self, "coef_", ())) == (p,)
        coef = np.array(self.coef_, dtype=float) if warm else np.zeros(p)
        report = reporter(self, name)
        try:
            with fitted_on_interrupt(lambda *state: self._store(X, classes, *state, p, tolerance)):
                coef, intercept, fit = solve(
                    design, target, datafit._code, spec, sample_weight=s, fit_intercept=bool(self.fit_intercept),
                    tol=tolerance, max_iter=max_iter, coef=coef, intercept=self.intercept_ if warm else 0.0,
                    warm=warm, callback=report, datafit_param=delta)
        finally:
            _progress.close(report)
        self._store(X, classes, coef, intercept, fit, p, tolerance)
        warn_if_not_converged(name, fit, tolerance, max_iter)
        return self

    def _store(self, X, classes, coef, intercept, fit, p, tolerance):
        if classes is not None:
            self.classes_ = classes
        elif hasattr(self, "classes_"):
            del self.classes_
        self.coef_ = coef
        self.intercept_ = intercept if self.fit_intercept else 0.0
        self.n_iter_ = fit.n_iter
        self.certificate_ = fit.certificate
        self.certificate_kind_ = fit.kind
        self.certificate_tolerance_ = tolerance
        self.kkt_violation_ = fit.kkt_violation
        self.objective_ = fit.objective
        self.history_ = fit.history
        self._reset_features(X, p)
        return self

    def _decision(self, X):
        return check_features(self, X).matvec(self.coef_) + self.intercept_

    @property
    def decision_function(self):
        """X @ coef_ + intercept_ (classifiers only: the Logistic datafit)."""
        if not isinstance(self.datafit, _datafits.Logistic):
            raise AttributeError("decision_function is only available with the Logistic datafit")
        return self._decision

    def predict(self, X):
        """X @ coef_ + intercept_ (Quadratic, Huber), exp of it (Poisson), or the class of its sign (Logistic)."""
        scores = self._decision(X)
        if hasattr(self, "classes_"):
            return self.classes_[(scores > 0).astype(int)]
        if isinstance(self.datafit, _datafits.Poisson):
            return np.exp(scores)
        return scores

    def score(self, X, y, sample_weight=None):
        """R² of the predictions (Quadratic, Huber, Poisson) or mean accuracy (Logistic)."""
        pred = self.predict(X)
        y = np.asarray(y)
        w = None if sample_weight is None else np.asarray(sample_weight, dtype=float)
        if hasattr(self, "classes_"):
            return float(np.average(pred == y, weights=w))
        y = y.astype(float)
        w = np.ones_like(y) if w is None else w
        residual = np.sum(w * (y - pred) ** 2)
        total = np.sum(w * (y - np.average(y, weights=w)) ** 2)
        return 1.0 - residual / total if total > 0 else (1.0 if residual == 0 else 0.0)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        is_classifier = isinstance(self.datafit, _datafits.Logistic)
        tags.estimator_type = "classifier" if is_classifier else "regressor"
        if is_classifier:
            from sklearn.utils import ClassifierTags

            tags.classifier_tags = ClassifierTags(multi_class=False)
        else:
            from sklearn.utils import RegressorTags

            tags.regressor_tags = RegressorTags()
        return tags
