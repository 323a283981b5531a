"""Real data sets shipped inside the package (see ``nonsmooth/data/README.md``)."""
from __future__ import annotations

from importlib import resources
from typing import NamedTuple

import numpy as np


class Dataset(NamedTuple):
    data: np.ndarray
    target: np.ndarray
    feature_names: list[str]
    description: str


def _load(name: str, target_column: str, description: str, target_dtype=np.float64) -> Dataset:
    with resources.files("nonsmooth").joinpath("data", name).open("r") as f:
        header = f.readline().strip().split(",")
        table = np.loadtxt(f, delimiter=",")
    column = header.index(target_column)
    features = [h for i, h in enumerate(header) if i != column]
    return Dataset(np.delete(table, column, axis=1), table[:, column].astype(target_dtype), features, description)


def load_diabetes() -> Dataset:
    """442 patients × 10 baseline variables (age, sex, bmi, bp, s1–s6), raw and
    unscaled; target: disease progression one year later (Efron et al., 2004)."""
    return _load("diabetes.csv", "target", load_diabetes.__doc__)


def load_digits() -> Dataset:
    """1 797 handwritten digits as 8×8 images flattened to 64 pixels in 0–16;
    target: the digit 0–9 (UCI optical recognition of handwritten digits, CC BY 4.0)."""
    return _load("digits.csv", "label", load_digits.__doc__, target_dtype=np.int64)
