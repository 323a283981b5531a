"""Distributed fits on a Dask cluster (``pip install "nonsmooth[dask]"``).

- :class:`Lasso`, :class:`ElasticNet` — consensus ADMM over row shards
  (Boyd et al. 2011, §7–8): each worker keeps its shard and its cached
  factorization, the driver applies the penalty's prox; the result is
  certified by the duality gap of ``nonsmooth.Lasso``, computed in one pass
  over the rows.
- :func:`lasso_path`, :func:`enet_path`, :class:`MultiOutputRegressor` — many
  single-machine fits (an α grid, one model per target) as Dask tasks on data
  sent to every worker once.

Fits run on the active ``dask.distributed.Client`` (a ``LocalCluster`` is
started when none is active).
"""
try:
    import dask  # noqa: F401
    import distributed  # noqa: F401
except ImportError as exc:  # pragma: no cover - exercised without the extra
    raise ImportError('nonsmooth.distributed needs Dask: pip install "nonsmooth[dask]"') from exc

from ._data import get_client
from ._linear import ElasticNet, Lasso
from ._logistic import SparseLogisticRegression
from ._multioutput import MultiOutputRegressor
from ._paths import enet_path, lasso_path

__all__ = ["ElasticNet", "Lasso", "MultiOutputRegressor", "SparseLogisticRegression", "enet_path", "get_client",
           "lasso_path"]
