"""Lasso-type linear models solved natively, each fit certified by a duality gap
(Lasso, ElasticNet) or by the certificate of the generic coordinate-descent
engine (sparse logistic regression, MCP, SCAD, any datafit × penalty)."""
from . import datafits, penalties
from ._coordinate_descent import ElasticNet, Lasso, enet_path, lasso_path
from ._generalized import GeneralizedLinearEstimator
from ._group import GroupLasso, SparseGroupLasso, group_lasso_alpha_max, group_lasso_path
from ._multitask import MultiTaskElasticNet, MultiTaskLasso
from ._logistic import SparseLogisticRegression, logistic_alpha_max, logistic_path
from ._nonconvex import MCPRegression, SCADRegression

__all__ = ["ElasticNet", "GeneralizedLinearEstimator", "GroupLasso", "Lasso", "MCPRegression", "MultiTaskElasticNet",
           "MultiTaskLasso", "SCADRegression", "SparseGroupLasso", "SparseLogisticRegression", "datafits",
           "enet_path", "group_lasso_alpha_max", "group_lasso_path", "lasso_path", "logistic_alpha_max",
           "logistic_path", "penalties"]
