"""The inner problems of bilevel tuning (one per fold) on Dask actors: each
actor keeps its fold's data and warm starts on a worker for the whole tuning;
an outer step sends α and receives the solution (p floats), then sends the
criterion's gradient and receives the hypergradient."""
from __future__ import annotations

from ._actors import ActorGroup


class InnerTaskActor:
    """Dask actor holding one :class:`nonsmooth.tuning._criteria.InnerTask`."""

    def __init__(self, task):
        self.task = task

    def solve(self, alpha, l1_ratio, weights, tol, max_iter):
        converged, gap, tolerance = self.task.solve(alpha, l1_ratio, weights, tol, max_iter)
        return converged, gap, tolerance, self.task.coef, self.task.intercept

    def hypergradient(self, g, *args):
        return self.task.hypergradient(g, *args)


class ActorRunner(ActorGroup):
    """The runner of ``nonsmooth.tuning`` on Dask actors, one per inner problem.

    The driver keeps its own copy of every task, updated with each solution (the
    criterion is evaluated there, from p-vectors); an actor whose worker died is
    restarted from that copy (warm start included, the forward-mode Jacobian
    of ``implicit_forward`` lost) and the call repeated.
    """

    actor_class = InnerTaskActor

    def __init__(self, client, tasks):
        self.tasks = tasks
        self.start_actors(client, len(tasks))

    def actor_args(self, i):
        return (self.tasks[i],)

    def solve(self, alpha, l1_ratio, weights, tol, max_iter):
        results = []
        for task, (converged, gap, tolerance, coef, intercept) in zip(
                self.tasks, self.call_actors("solve", lambda i: (alpha, l1_ratio, weights, tol, max_iter))):
            task.coef[:] = coef
            task.intercept = intercept
            task.solved = True
            results.append((converged, gap, tolerance))
        return results

    def hypergradient(self, grads, *args):
        return self.call_actors("hypergradient", lambda i: (grads[i], *args))

    def close(self):
        self.close_actors()
