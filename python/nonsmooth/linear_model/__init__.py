"""Lasso-type linear models solved natively, each fit certified by a duality gap."""
from ._coordinate_descent import ElasticNet, Lasso, enet_path, lasso_path

__all__ = ["ElasticNet", "Lasso", "enet_path", "lasso_path"]
