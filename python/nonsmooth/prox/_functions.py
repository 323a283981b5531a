"""Functional shorthands: ``nonsmooth.prox.l1(v, step)`` is
``nonsmooth.prox.L1().prox(v, step)``. The step t scales the function, so
``l1(v, t)`` soft-thresholds at t; projections take the set's parameters."""
from __future__ import annotations

from functools import lru_cache

import numpy as np

from .._validation import as_float_array
from . import _operators as ops


@lru_cache(maxsize=64, typed=True)
def _cached(cls, *params):
    """Operators without array parameters are immutable: build each once."""
    return cls(*params)


def _op(cls, *params):
    """The operator cls(*params), shared between calls when every parameter is a
    plain number or None (arrays and unusual types build a fresh one)."""
    if all(p is None or (isinstance(p, (int, float)) and not isinstance(p, bool)) for p in params):
        return _cached(cls, *params)
    return cls(*params)


def _matrix(M, square: bool = False) -> np.ndarray:
    """M checked under its own name (the operators call their argument v)."""
    M = as_float_array(M, "M")
    if M.ndim != 2 or (square and M.shape[0] != M.shape[1]):
        raise ValueError(f"M: expected a {'square' if square else '2-D'} matrix, got shape {M.shape}")
    return M


def l1(v, step=1.0, weights=None, *, axis=None) -> np.ndarray:
    """Soft thresholding: prox of t‖w ⊙ x‖₁, i.e. sign(v) max(|v| − t w, 0)."""
    return _op(ops.L1, 1.0, weights).prox(v, step, axis=axis)


def l2_squared(v, step=1.0, weights=None, *, axis=None) -> np.ndarray:
    """prox of (t/2)Σ w x²: v / (1 + t w)."""
    return _op(ops.SquaredL2, 1.0, weights).prox(v, step, axis=axis)


def l2(v, step=1.0, *, axis=None) -> np.ndarray:
    """Block soft thresholding: prox of t‖x‖₂."""
    return _op(ops.L2, 1.0).prox(v, step, axis=axis)


def group_l2(v, step=1.0, groups=1, weights=None, *, axis=None) -> np.ndarray:
    """prox of t Σ_g w_g ‖x_g‖₂ (group soft thresholding); see :class:`GroupL2`."""
    return _op(ops.GroupL2, 1.0, groups, weights).prox(v, step, axis=axis)


def sparse_group_l2(v, step=1.0, groups=1, l1_strength=1.0, group_strength=1.0, weights=None, *, axis=None):
    """prox of t(λ₁‖x‖₁ + λ₂ Σ_g w_g ‖x_g‖₂); see :class:`SparseGroupL2`."""
    return _op(ops.SparseGroupL2, l1_strength, group_strength, groups, weights).prox(v, step, axis=axis)


def elastic_net(v, step=1.0, l1_ratio=0.5, weights=None, *, axis=None) -> np.ndarray:
    """prox of t Σ w (ρ|x| + (1 − ρ)x²/2); see :class:`ElasticNet`."""
    return _op(ops.ElasticNet, 1.0, l1_ratio, weights).prox(v, step, axis=axis)


def linf(v, step=1.0, *, axis=None) -> np.ndarray:
    """prox of t‖x‖∞ (Moreau decomposition with the ℓ1-ball projection)."""
    return _op(ops.Linf, 1.0).prox(v, step, axis=axis)


def tv1d(v, step=1.0, *, axis=None) -> np.ndarray:
    """prox of t Σ|x_{i+1} − x_i| (Condat 2013); ``axis`` denoises every 1-D slice."""
    return _op(ops.TV1D, 1.0).prox(v, step, axis=axis)


def huber(v, step=1.0, delta=1.0, *, axis=None) -> np.ndarray:
    """prox of t Σ huber_δ(x)."""
    return _op(ops.Huber, 1.0, delta).prox(v, step, axis=axis)


def hinge(v, step=1.0, labels=None, *, axis=None) -> np.ndarray:
    """prox of t Σ max(0, 1 − y x)."""
    return _op(ops.Hinge, 1.0, labels).prox(v, step, axis=axis)


def l0(v, step=1.0, *, axis=None) -> np.ndarray:
    """Hard thresholding: prox of t‖x‖₀, keeps |v| > √(2t)."""
    return _op(ops.L0, 1.0).prox(v, step, axis=axis)


def mcp(v, step=1.0, gamma=3.0, *, axis=None) -> np.ndarray:
    """Firm thresholding: prox of t·MCP(1, γ)."""
    return _op(ops.MCP, 1.0, gamma).prox(v, step, axis=axis)


def scad(v, step=1.0, a=3.7, *, axis=None) -> np.ndarray:
    """prox of t·SCAD(1, a)."""
    return _op(ops.SCAD, 1.0, a).prox(v, step, axis=axis)


def nuclear(M, step=1.0) -> np.ndarray:
    """Singular value thresholding: prox of t‖X‖_* (LAPACK dgesdd)."""
    return _op(ops.Nuclear, 1.0).prox(_matrix(M), step)


def project_box(v, lower=-np.inf, upper=np.inf, *, axis=None) -> np.ndarray:
    """Projection onto {lower ≤ x ≤ upper} (per-coordinate bounds allowed, along ``axis``)."""
    return _op(ops.Box, lower, upper).prox(v, axis=axis)


def project_nonnegative(v, *, axis=None) -> np.ndarray:
    """Projection onto {x ≥ 0}."""
    return _op(ops.NonNegative).prox(v, axis=axis)


def project_l2_ball(v, radius=1.0, *, axis=None) -> np.ndarray:
    """Projection onto {‖x‖₂ ≤ r}."""
    return _op(ops.L2Ball, radius).prox(v, axis=axis)


def project_linf_ball(v, radius=1.0, *, axis=None) -> np.ndarray:
    """Projection onto {‖x‖∞ ≤ r}."""
    return _op(ops.LinfBall, radius).prox(v, axis=axis)


def project_l1_ball(v, radius=1.0, *, axis=None) -> np.ndarray:
    """Projection onto {‖x‖₁ ≤ r} in expected O(n) (Condat 2016)."""
    return _op(ops.L1Ball, radius).prox(v, axis=axis)


def project_simplex(v, total=1.0, *, axis=None) -> np.ndarray:
    """Projection onto {x ≥ 0, Σx = total} in expected O(n) (Condat 2016);
    ``axis=1`` projects every row of a matrix."""
    return _op(ops.Simplex, total).prox(v, axis=axis)


def project_hyperplane(v, a, b=0.0, *, axis=None) -> np.ndarray:
    """Projection onto {aᵀx = b}."""
    return _op(ops.Hyperplane, a, b).prox(v, axis=axis)


def project_halfspace(v, a, b=0.0, *, axis=None) -> np.ndarray:
    """Projection onto {aᵀx ≤ b}."""
    return _op(ops.Halfspace, a, b).prox(v, axis=axis)


def project_psd(M) -> np.ndarray:
    """Projection of a square matrix onto the PSD cone (of its symmetric part)."""
    return _op(ops.PSD).prox(_matrix(M, square=True))
