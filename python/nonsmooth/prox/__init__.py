"""Proximal operators.

Each operator is a class holding the function's parameters, with ``prox``,
the value (``op(x)``) and a ``subgradient``; the functional shorthands
(``l1``, ``project_simplex``, ...) cover the common cases in one call.

>>> import numpy as np, nonsmooth as ns
>>> ns.prox.l1(np.array([-2.0, 0.5, 3.0]), 1.0)
array([-1.,  0.,  2.])
"""
from ._base import ProximalOperator, moreau_envelope
from ._functions import (
    elastic_net, group_l2, hinge, huber, l0, l1, l2, l2_squared, linf, mcp, nuclear,
    project_box, project_halfspace, project_hyperplane, project_l1_ball, project_l2_ball,
    project_linf_ball, project_nonnegative, project_psd, project_simplex, scad,
    sparse_group_l2, tv1d,
)
from ._operators import (
    MCP, PSD, SCAD, TV1D, Box, ElasticNet, GroupL2, Halfspace, Hinge, Huber, Hyperplane,
    L0, L1, L1Ball, L2, L2Ball, Linf, LinfBall, NonNegative, Nuclear, Simplex,
    SparseGroupL2, SquaredL2, Zero,
)

OPERATORS = (
    Zero, L1, SquaredL2, L2, GroupL2, SparseGroupL2, ElasticNet, Linf, Box, NonNegative,
    L2Ball, LinfBall, L1Ball, Simplex, Hyperplane, Halfspace, TV1D, Huber, Hinge,
    L0, MCP, SCAD, Nuclear, PSD,
)

__all__ = [cls.__name__ for cls in OPERATORS] + [
    "OPERATORS", "ProximalOperator", "moreau_envelope",
    "elastic_net", "group_l2", "hinge", "huber", "l0", "l1", "l2", "l2_squared", "linf", "mcp",
    "nuclear", "project_box", "project_halfspace", "project_hyperplane", "project_l1_ball",
    "project_l2_ball", "project_linf_ball", "project_nonnegative", "project_psd",
    "project_simplex", "scad", "sparse_group_l2", "tv1d",
]
