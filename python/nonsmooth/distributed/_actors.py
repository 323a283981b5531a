"""A group of Dask actors, one per piece of work held on a worker, called
together; an actor whose worker died is started again (from a Dask future the
scheduler recomputes from its graph, or from the driver's copy) and the call
repeated."""
from __future__ import annotations

from abc import ABC, abstractmethod

_RECOVERIES = 3


class ActorGroup(ABC):
    """Subclasses set ``actor_class`` and ``actor_args(i)``; ``start_actors``
    starts them and ``call_actors`` calls a method of every one."""

    actor_class: type | None = None

    @abstractmethod
    def actor_args(self, i):
        """The constructor arguments of actor `i`."""

    def start_actors(self, client, count):
        self.client = client
        self.actors = [None] * count
        self._actor_futures = [None] * count
        self.recoveries = 0
        for i in range(count):
            self._start_actor(i)

    def _start_actor(self, i):
        f = self.client.submit(self.actor_class, *self.actor_args(i), actor=True, pure=False)
        self._actor_futures[i] = f
        self.actors[i] = f.result()

    def call_actors(self, method, args_of):
        """[actor_i.method(*args_of(i))] issued to all, then awaited."""
        out = [None] * len(self.actors)
        todo = list(range(len(self.actors)))
        while todo:
            calls = [(i, getattr(self.actors[i], method)(*args_of(i))) for i in todo]
            failed = []
            for i, call in calls:
                try:
                    out[i] = call.result()
                except OSError:  # the actor's worker died
                    failed.append(i)
            if failed:
                self.recoveries += 1
                if self.recoveries > _RECOVERIES:
                    raise RuntimeError(f"nonsmooth.distributed: workers were lost {self.recoveries} times "
                                       "during one fit; giving up")
                for i in failed:
                    self._start_actor(i)
            todo = failed
        return out

    def close_actors(self, *more):
        """Release the actors (and the futures in `more`)."""
        futures = [f for f in list(self._actor_futures) + list(more) if f is not None]
        self.actors, self._actor_futures = [], []
        try:
            self.client.cancel(futures)
        except Exception:  # pragma: no cover - the client may already be closing
            pass
