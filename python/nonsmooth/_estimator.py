"""scikit-learn estimator conventions without requiring scikit-learn.

When scikit-learn is installed, estimators derive from its BaseEstimator and
mixins (so `clone`, pipelines, grid search and `check_estimator` work);
otherwise a minimal base provides get_params/set_params/score with the same
behaviour.
"""
from __future__ import annotations

import inspect
import warnings

import numpy as np

try:  # optional: full interoperability when scikit-learn is present
    from sklearn.base import BaseEstimator, RegressorMixin
    from sklearn.exceptions import NotFittedError
except ImportError:  # pragma: no cover - exercised in environments without sklearn
    class NotFittedError(ValueError, AttributeError):  # type: ignore[no-redef]
        """Raised when an estimator is used before `fit`."""

    class BaseEstimator:  # type: ignore[no-redef]
        @classmethod
        def _get_param_names(cls):
            signature = inspect.signature(cls.__init__)
            return sorted(p.name for p in signature.parameters.values()
                          if p.name != "self" and p.kind != p.VAR_KEYWORD)

        def get_params(self, deep=True):
            return {name: getattr(self, name) for name in self._get_param_names()}

        def set_params(self, **params):
            valid = self._get_param_names()
            for key, value in params.items():
                if key not in valid:
                    raise ValueError(f"Invalid parameter {key!r} for estimator {type(self).__name__}. "
                                     f"Valid parameters are: {valid}.")
                setattr(self, key, value)
            return self

        def __repr__(self):
            params = ", ".join(f"{k}={v!r}" for k, v in self.get_params().items())
            return f"{type(self).__name__}({params})"

    class RegressorMixin:  # type: ignore[no-redef]
        _estimator_type = "regressor"

        def score(self, X, y, sample_weight=None):
            """Coefficient of determination R² of the prediction."""
            y = np.asarray(y, dtype=float)
            pred = self.predict(X)
            w = np.ones_like(y) if sample_weight is None else np.asarray(sample_weight, dtype=float)
            residual = np.sum(w * (y - pred) ** 2)
            total = np.sum(w * (y - np.average(y, weights=w)) ** 2)
            return 1.0 - residual / total if total > 0 else (1.0 if residual == 0 else 0.0)


def check_is_fitted(estimator, attribute: str = "coef_") -> None:
    if not hasattr(estimator, attribute):
        raise NotFittedError(
            f"This {type(estimator).__name__} instance is not fitted yet. "
            "Call 'fit' with appropriate arguments before using this estimator."
        )


def feature_names(X):
    """The column names of a DataFrame-like X (anything with ``columns``), as an
    object array, or None.

    As in scikit-learn: names are kept only when every column name is a
    string; all non-string names (pandas' default integer columns) mean "no
    names"; a mixture is an error, since it cannot be checked reliably.
    """
    columns = getattr(X, "columns", None)
    if columns is None or isinstance(columns, str) or not hasattr(columns, "__iter__"):
        return None
    names = np.asarray(list(columns), dtype=object)
    kinds = {isinstance(name, str) for name in names}
    if kinds == {True}:
        return names
    if kinds == {True, False}:
        types = sorted({type(name).__name__ for name in names})
        raise TypeError(
            "X: feature names are only supported if all input features have string names, but your input has "
            f"{types} as feature name / column name types. If you want feature names to be stored and validated, "
            "you must convert them all to strings, by using X.columns = X.columns.astype(str) for example. "
            "Otherwise you can remove feature / column names from your input data, or convert them all to a "
            "non-string data type.")
    return None


class FeatureCheckMixin:
    """``n_features_in_`` and ``feature_names_in_`` set by ``fit`` and checked
    by ``predict``/``score``/``transform``, with scikit-learn's rules and
    messages (a DataFrame whose columns were renamed, reordered, added or
    removed raises instead of silently computing with permuted features).

    Every estimator of nonsmooth derives from it: ``fit`` calls
    ``self._reset_features(X, n_features)`` and every method taking new data
    calls ``self._check_features(X, n_features)`` before using it.
    """

    def _reset_features(self, X, n_features: int) -> None:
        self.n_features_in_ = int(n_features)
        names = feature_names(X)
        if names is None:
            self.__dict__.pop("feature_names_in_", None)
        else:
            self.feature_names_in_ = names

    def _check_features(self, X, n_features: int) -> None:
        fitted = getattr(self, "feature_names_in_", None)
        names = feature_names(X)
        name = type(self).__name__
        if fitted is not None and names is None:
            warnings.warn(f"X does not have valid feature names, but {name} was fitted with feature names",
                          UserWarning, stacklevel=3)
        elif fitted is None and names is not None:
            warnings.warn(f"X has feature names, but {name} was fitted without feature names", UserWarning,
                          stacklevel=3)
        elif fitted is not None and (len(fitted) != len(names) or np.any(fitted != names)):
            message = "The feature names should match those that were passed during fit.\n"
            unexpected = sorted(set(names) - set(fitted))
            missing = sorted(set(fitted) - set(names))
            if unexpected:
                message += "Feature names unseen at fit time:\n" + "".join(f"- {n}\n" for n in unexpected[:5])
            if missing:
                message += "Feature names seen at fit time, yet now missing:\n" + "".join(
                    f"- {n}\n" for n in missing[:5])
            if not unexpected and not missing:
                message += "Feature names must be in the same order as they were in fit.\n"
            raise ValueError(message)
        if n_features != self.n_features_in_:
            raise ValueError(f"X has {n_features} features, but {name} is expecting {self.n_features_in_} features "
                             "as input.")


__all__ = ["BaseEstimator", "FeatureCheckMixin", "NotFittedError", "RegressorMixin", "check_is_fitted",
           "feature_names"]
