"""Group specifications for the group penalties."""
from __future__ import annotations

import numbers

import numpy as np


class GroupSpec:
    """Disjoint groups of coordinates, given as

    - an int ``s``: consecutive groups of size s (s must divide the length);
    - a 1-D integer array of labels, one per coordinate (negative = in no group);
    - a sequence of index sequences, one per group.
    """

    def __init__(self, groups):
        self.size = None
        self.length = None  # number of coordinates, when given as labels
        self._compressed = None
        if isinstance(groups, numbers.Integral) and not isinstance(groups, bool):
            if groups <= 0:
                raise ValueError(f"groups: a group size must be positive, got {groups}")
            self.size = int(groups)
            return
        if isinstance(groups, np.ndarray) and groups.ndim == 1 and groups.dtype.kind in "iu":
            labels = groups
        elif isinstance(groups, (list, tuple)) and len(groups) and all(
            isinstance(g, numbers.Integral) and not isinstance(g, bool) for g in groups
        ):
            labels = np.asarray(groups)
        else:
            self._compressed = self._from_lists(groups)
            return
        if labels.size == 0:
            raise ValueError("groups: is empty")
        self.length = labels.size
        members = [np.flatnonzero(labels == g) for g in np.unique(labels[labels >= 0])]
        if not members:
            raise ValueError("groups: every label is negative, so there is no group")
        self._compressed = self._pack(members)

    @staticmethod
    def _from_lists(groups):
        try:
            members = [np.asarray(g) for g in groups]
        except TypeError:
            raise TypeError(
                "groups: expected an int group size, an array of labels or a list of index lists"
            ) from None
        if not members:
            raise ValueError("groups: must hold at least one group")
        for k, g in enumerate(members):
            if g.ndim != 1 or (g.size and g.dtype.kind not in "iu"):
                raise TypeError(f"groups: group {k} must be a 1-D sequence of integer indices")
        return GroupSpec._pack(members)

    @staticmethod
    def _pack(members):
        pointers = np.zeros(len(members) + 1, dtype=np.int64)
        pointers[1:] = np.cumsum([len(g) for g in members])
        indices = np.concatenate([np.asarray(g, dtype=np.int64) for g in members])
        return pointers, indices

    def key(self, n):
        if n is not None and self.length is not None and n != self.length:
            raise ValueError(f"groups: has {self.length} labels but the vector has length {n}")
        return n if self.size is not None else None

    def compressed(self, n):
        if self.size is None:
            return self._compressed
        if n is None:
            return None, None
        if n % self.size:
            raise ValueError(f"groups: group size {self.size} does not divide the vector length {n}")
        pointers = np.arange(0, n + 1, self.size, dtype=np.int64)
        return pointers, np.arange(n, dtype=np.int64)

    def __repr__(self):
        if self.size is not None:
            return repr(self.size)
        pointers, indices = self._compressed
        return repr([indices[pointers[g]:pointers[g + 1]].tolist() for g in range(len(pointers) - 1)])
