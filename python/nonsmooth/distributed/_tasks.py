"""Many independent single-machine fits as Dask tasks: the data are scattered
to the workers once, each task runs one whole local fit, and what the tasks
warned is warned again on the driver (a worker's warnings never reach the user
otherwise)."""
from __future__ import annotations

import warnings


def _capturing(fn, *args):
    """fn(*args) and the warnings it emitted as (category, message) pairs."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        value = fn(*args)
    return value, [(w.category, str(w.message)) for w in caught]


def scatter(client, *values):
    """Each value that is not None, sent once to every worker (a future each;
    None stays None). Every task reads all of it, so broadcast beats stealing."""
    return [None if v is None else client.scatter(v, broadcast=True, hash=False) for v in values]


def run_tasks(client, fn, shared, jobs, *, on_interrupt=None, progress=None):
    """``[fn(*shared, *job) for job in jobs]`` as one Dask task per job.

    `shared` are futures (see :func:`scatter`). Warnings of the tasks are
    re-emitted here, in job order. On Ctrl-C the pending tasks are cancelled and
    the interrupt carries ``on_interrupt(results so far)`` as ``.result`` (a
    dict job index → value of the tasks that finished). ``progress(k)`` is
    called as the k-th task finishes.
    """
    from distributed import as_completed

    futures = [client.submit(_capturing, fn, *shared, *job, pure=False) for job in jobs]
    index = {f.key: i for i, f in enumerate(futures)}
    done = {}
    try:
        for future in as_completed(futures):
            done[index[future.key]] = future.result()
            if progress is not None:
                progress(len(done))
    except KeyboardInterrupt as interrupt:
        client.cancel(futures)
        if on_interrupt is not None:
            interrupt.result = on_interrupt({i: v for i, (v, _) in done.items()})
        raise
    except BaseException:
        client.cancel(futures)
        raise
    values = []
    for i in range(len(jobs)):
        value, caught = done[i]
        for category, message in caught:
            warnings.warn(message, category, stacklevel=3)
        values.append(value)
    return values
