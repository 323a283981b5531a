"""Validation of the ``groups`` of the group penalties: a partition of the features."""
from __future__ import annotations

import numbers

import numpy as np

from .._validation import as_int


def as_groups(groups, p: int):
    """(pointers, indices) as int64 arrays for a partition of range(p).

    ``groups`` is an int (contiguous groups of that size; it must divide p), a
    list of ints (contiguous groups of those sizes, summing to p) or a list of
    non-empty index lists covering every feature exactly once.
    Overlaps, gaps, out-of-range or non-integer indices raise ValueError naming
    ``groups``.
    """
    if isinstance(groups, numbers.Integral) and not isinstance(groups, (bool, np.bool_)):
        size = as_int(groups, "groups", low=1)
        if p % size != 0:
            raise ValueError(f"groups: a group size of {size} does not divide the {p} features; pass the groups "
                             "as a list of index lists to have groups of different sizes")
        return np.arange(0, p + 1, size, dtype=np.int64), np.arange(p, dtype=np.int64)
    if isinstance(groups, (str, bytes)) or not hasattr(groups, "__len__"):
        raise ValueError(f"groups: expected an int (group size) or a list of lists of feature indices, "
                         f"got {type(groups).__name__}")
    if len(groups) == 0:
        raise ValueError("groups: must hold at least one group")
    if all(isinstance(g, numbers.Integral) and not isinstance(g, (bool, np.bool_)) for g in groups):
        sizes = np.asarray(groups, dtype=np.int64)  # contiguous groups of these sizes (skglm's convention)
        if (sizes < 1).any() or sizes.sum() != p:
            raise ValueError(f"groups: a list of ints gives contiguous group sizes; they must be ≥ 1 and sum to "
                             f"the {p} features, got sizes summing to {int(sizes.sum())}")
        return np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64), np.arange(p, dtype=np.int64)
    members = []
    for g, group in enumerate(groups):
        idx = np.asarray(group)
        if idx.ndim == 0:
            idx = idx.reshape(1)
        if idx.ndim != 1 or idx.size == 0:
            raise ValueError(f"groups: group {g} must be a non-empty 1-D list of feature indices")
        if idx.dtype.kind not in "iu":
            raise ValueError(f"groups: group {g} holds non-integer indices ({idx.dtype})")
        members.append(idx.astype(np.int64))
    indices = np.concatenate(members)
    if indices.min() < 0 or indices.max() >= p:
        raise ValueError(f"groups: indices must lie in [0, {p}) for {p} features, got {indices.min()}..{indices.max()}")
    counts = np.bincount(indices, minlength=p)
    if (counts > 1).any():
        raise ValueError(f"groups: groups overlap (feature {int(np.flatnonzero(counts > 1)[0])} is in more than one)")
    if (counts == 0).any():
        missing = np.flatnonzero(counts == 0)
        raise ValueError(f"groups: leave {missing.size} feature(s) out (e.g. feature {int(missing[0])}); every "
                         "feature must be in exactly one group (a group with weight 0 is unpenalized)")
    pointers = np.concatenate([[0], np.cumsum([m.size for m in members])]).astype(np.int64)
    return np.ascontiguousarray(pointers), np.ascontiguousarray(indices)


def group_weights(weights, pointers):
    """One weight w_g ≥ 0 per group: √|g| by default (Yuan & Lin), 0 for an unpenalized group."""
    sizes = np.diff(pointers)
    if weights is None:
        return np.sqrt(sizes.astype(float))
    w = np.ascontiguousarray(np.asarray(weights, dtype=float).ravel())
    if w.shape[0] != sizes.shape[0]:
        raise ValueError(f"weights: has {w.shape[0]} entries but there are {sizes.shape[0]} groups")
    if not np.all(np.isfinite(w)) or (w < 0).any():
        raise ValueError("weights: must be finite and ≥ 0 (0 leaves a group unpenalized)")
    return w
