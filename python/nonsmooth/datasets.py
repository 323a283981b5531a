"""Real data sets shipped inside the package (see ``nonsmooth/data/README.md``)."""
from __future__ import annotations

from importlib import resources
from typing import NamedTuple

import numpy as np

_DIABETES = ("442 patients × 10 baseline variables (age, sex, bmi, bp, s1–s6), raw and unscaled; target: "
             "disease progression one year later (Efron et al., 2004).")
_DIGITS = ("1 797 handwritten digits as 8×8 images flattened to 64 pixels in 0–16; target: the digit 0–9 "
           "(UCI optical recognition of handwritten digits, CC BY 4.0).")


class Dataset(NamedTuple):
    """A data set: design matrix, target, feature names and a description.

    Attributes
    ----------
    data : ndarray of shape (n_samples, n_features)
    target : ndarray of shape (n_samples,)
    feature_names : list of str
    description : str

    Examples
    --------
    >>> from nonsmooth.datasets import load_diabetes
    >>> X, y, names, description = load_diabetes()
    >>> X.shape, names[:3]
    ((442, 10), ['age', 'sex', 'bmi'])
    """

    data: np.ndarray
    target: np.ndarray
    feature_names: list[str]
    description: str


def _load(name: str, target_column: str, description: str, target_dtype: type = np.float64) -> Dataset:
    with resources.files("nonsmooth").joinpath("data").joinpath(name).open("r") as f:
        header = f.readline().strip().split(",")
        table = np.loadtxt(f, delimiter=",")
    column = header.index(target_column)
    features = [h for i, h in enumerate(header) if i != column]
    return Dataset(np.delete(table, column, axis=1), table[:, column].astype(target_dtype), features, description)


def load_diabetes() -> Dataset:
    """The diabetes data of Efron, Hastie, Johnstone & Tibshirani (2004), "Least
    angle regression": 442 patients × 10 baseline variables (age, sex, bmi, bp,
    s1–s6), raw and unscaled; target: disease progression one year later.

    Returns
    -------
    Dataset
        ``data`` (442, 10) float64, ``target`` (442,) float64.

    Examples
    --------
    >>> from nonsmooth.datasets import load_diabetes
    >>> d = load_diabetes()
    >>> d.data.shape, d.target[:3]
    ((442, 10), array([151.,  75., 141.]))
    >>> d.feature_names
    ['age', 'sex', 'bmi', 'bp', 's1', 's2', 's3', 's4', 's5', 's6']
    """
    return _load("diabetes.csv", "target", _DIABETES)


def load_digits() -> Dataset:
    """The UCI optical recognition of handwritten digits test set (CC BY 4.0):
    1 797 8×8 images flattened to 64 pixels with values 0–16.

    Returns
    -------
    Dataset
        ``data`` (1797, 64) float64, ``target`` (1797,) int64, the digit 0–9.

    Examples
    --------
    >>> from nonsmooth.datasets import load_digits
    >>> d = load_digits()
    >>> d.data.shape, d.target[:5], d.data.max()
    ((1797, 64), array([0, 1, 2, 3, 4]), np.float64(16.0))
    """
    return _load("digits.csv", "label", _DIGITS, target_dtype=np.int64)


__all__ = ["Dataset", "load_diabetes", "load_digits"]
