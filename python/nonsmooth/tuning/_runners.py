"""Where the inner problems of one outer step are solved: in threads of this
process (the native solves release the GIL), or, inside
``joblib.parallel_backend("dask")``, on Dask actors that keep each inner
problem (its data and warm starts) on a worker for the whole tuning."""
from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor

from .._validation import as_int


def _dask_client():
    """The client of joblib's active backend when it is Dask, else None."""
    try:
        from joblib.parallel import get_active_backend
    except ImportError:  # pragma: no cover - joblib comes with scikit-learn and Dask
        return None
    backend, _ = get_active_backend()
    return getattr(backend, "client", None) if type(backend).__name__ == "DaskDistributedBackend" else None


def check_n_jobs(n_jobs):
    """None, -1 or a positive int (0 is an error); returns it (None stays None)."""
    if n_jobs is None:
        return None
    n_jobs = as_int(n_jobs, "n_jobs", low=-1)
    if n_jobs == 0:
        raise ValueError("n_jobs: must be None, -1 or a positive integer, got 0")
    return n_jobs


class ThreadRunner:
    """The tasks' solves and hypergradients in up to `workers` threads."""

    def __init__(self, tasks, workers):
        self.tasks = tasks
        self.pool = ThreadPoolExecutor(workers) if workers > 1 else None

    def _map(self, fn, items):
        return list(self.pool.map(fn, items) if self.pool is not None else map(fn, items))

    def solve(self, alpha, l1_ratio, weights, tol, max_iter):
        """[(converged, gap, tolerance)] of every task, solved in place from its warm start."""
        return self._map(lambda t: t.solve(alpha, l1_ratio, weights, tol, max_iter), self.tasks)

    def hypergradient(self, grads, *args):
        """[(gradient, diagnostics, converged)] of every task at its solution."""
        return self._map(lambda tg: tg[0].hypergradient(tg[1], *args), list(zip(self.tasks, grads)))

    def close(self):
        if self.pool is not None:
            self.pool.shutdown()


def make_runner(n_jobs, tasks):
    """Threads (n_jobs of them; None is 1, -1 every CPU), or Dask actors when
    joblib's active backend is Dask and n_jobs is not 1 (None then means the
    backend's choice, as in scikit-learn)."""
    client = _dask_client()
    if client is not None and n_jobs != 1:
        from ..distributed._tuning import ActorRunner

        return ActorRunner(client, tasks)
    workers = 1 if n_jobs is None else (os.cpu_count() or 1) if n_jobs == -1 else n_jobs
    return ThreadRunner(tasks, min(workers, len(tasks)))
