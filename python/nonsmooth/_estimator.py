"""scikit-learn estimator conventions without requiring scikit-learn.

When scikit-learn is installed, estimators derive from its BaseEstimator and
mixins (so `clone`, pipelines, grid search and `check_estimator` work);
otherwise a minimal base provides get_params/set_params/score with the same
behaviour.
"""
from __future__ import annotations

import inspect

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


__all__ = ["BaseEstimator", "NotFittedError", "RegressorMixin", "check_is_fitted"]
