"""Class labels for the classifiers of the engine: validated, sorted, mapped to ±1."""
from __future__ import annotations

import warnings

import numpy as np

from ._data import DataConversionWarning


def as_labels(y, n: int, name: str = "y", estimator: str = "This estimator"):
    """(classes, y) for 1-D labels of n samples: any hashable, sortable labels
    (ints, strings, floats with integral values); continuous targets, NaN, 2-D
    arrays and a single class raise ValueError naming ``name``."""
    if y is None:
        raise ValueError(f"{estimator} requires y to be passed, but the target y is None")
    y = np.asarray(y)
    if y.ndim == 2 and y.shape[1] == 1:
        warnings.warn("A column-vector y was passed when a 1d array was expected. Please change the shape "
                      "of y to (n_samples,), for example using ravel().", DataConversionWarning, stacklevel=4)
        y = y[:, 0]
    if y.ndim != 1:
        raise ValueError(f"{name}: expected a 1-D array of class labels, got shape {y.shape} "
                         "(one column per task is not supported by this single-task classifier)")
    if y.shape[0] != n:
        raise ValueError(f"{name}: has {y.shape[0]} samples but X has {n}")
    if y.dtype.kind == "c":
        raise ValueError(f"{name}: Complex data not supported")
    if y.dtype.kind == "f":
        if not np.all(np.isfinite(y)):
            raise ValueError(f"{name}: Input y contains NaN or infinity")
        if np.any(y != np.round(y)):
            raise ValueError(f"Unknown label type: continuous. {name}: a classifier needs discrete class labels; "
                             "use a regressor for a continuous target")
    classes = np.unique(y)
    if classes.shape[0] < 2:
        raise ValueError(f"{name}: the data contains only one class ({classes[0]!r}); a classifier needs samples "
                         "of at least 2 classes")
    return classes, y


def plus_minus(y, positive):
    """+1 where y == positive, −1 elsewhere (contiguous float64)."""
    return np.where(y == positive, 1.0, -1.0)
