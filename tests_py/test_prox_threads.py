"""Native prox calls release the GIL and are thread-safe: large problems run
from a pool of 4 threads give exactly the serial results, operator handles can
be shared between threads, and error messages do not leak between threads
(the ABI's last-error message is thread-local). Nothing here is timed.
"""
import random
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

import nonsmooth as ns

P = ns.prox
WORKERS = 4


def _tasks():
    rng = np.random.default_rng(7)
    n = 10**6
    big = [rng.standard_normal(n), 100 + rng.random(n), np.cumsum(rng.standard_normal(n)) * 0.01]
    rows = rng.standard_normal((1000, 1000))
    mats = [rng.standard_normal((300, 300)) @ rng.standard_normal((300, 300))]
    tasks = []
    for k, v in enumerate(big):
        tasks += [
            (f"project_simplex[{k}]", P.project_simplex, (v,), {}),
            (f"project_l1_ball[{k}]", P.project_l1_ball, (v, 50.0), {}),
            (f"tv1d[{k}]", P.tv1d, (v, 0.5), {}),
            (f"linf[{k}]", P.linf, (v, 100.0), {}),
            (f"group_l2[{k}]", P.group_l2, (v, 0.3, 10), {}),
            (f"l1-strided[{k}]", P.l1, (v[::2], 0.7), {}),
        ]
    tasks += [
        ("project_simplex-rows", P.project_simplex, (rows,), {"axis": 1}),
        ("tv1d-columns", P.tv1d, (rows, 2.0), {"axis": 0}),
    ]
    for k, m in enumerate(mats):
        tasks += [(f"nuclear[{k}]", P.nuclear, (m, 5.0), {}), (f"project_psd[{k}]", P.project_psd, (m,), {})]
    return tasks


TASKS = _tasks()


@pytest.fixture(scope="module")
def serial():
    return {name: fn(*args, **kw) for name, fn, args, kw in TASKS}


def _check(results, serial):
    for name, got in results:
        expected = serial[name]
        if name.startswith(("nuclear", "project_psd")):
            # LAPACK/BLAS may split work differently under contention; demand agreement to rounding.
            np.testing.assert_allclose(got, expected, rtol=0, atol=1e-10 * np.abs(expected).max(), err_msg=name)
        else:
            np.testing.assert_array_equal(got, expected, err_msg=name)


def test_thread_pool_gives_the_serial_results(serial):
    jobs = TASKS * 2
    random.Random(0).shuffle(jobs)
    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        futures = [(name, pool.submit(fn, *args, **kw)) for name, fn, args, kw in jobs]
        results = [(name, f.result()) for name, f in futures]
    _check(results, serial)


def test_one_operator_shared_by_threads(serial):
    """One GroupL2 instance (handles built lazily per length) and one Simplex used by all workers."""
    group = P.GroupL2(0.3, groups=10)
    simplex = P.Simplex(1.0)
    rng = np.random.default_rng(11)
    vs = [rng.standard_normal(10 * m) for m in (1, 7, 100, 1000, 10**5)]
    expected = [(P.GroupL2(0.3, groups=10).prox(v, 1.0), P.Simplex(1.0).prox(v)) for v in vs]

    def work(i):
        v = vs[i % len(vs)]
        return i % len(vs), group.prox(v, 1.0), simplex.prox(v)

    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        for k, g, s in pool.map(work, range(40)):
            np.testing.assert_array_equal(g, expected[k][0])
            np.testing.assert_array_equal(s, expected[k][1])


def test_error_messages_stay_in_their_thread():
    """Threads failing with different messages, interleaved with successful calls, each see their own."""
    big = np.random.default_rng(3).standard_normal(200_000)

    def work(i):
        m = 3 + i % 17
        op = P.L1(1.0, weights=np.ones(m))
        P.tv1d(big, 0.1)                      # a successful native call in between
        try:
            op.prox(np.ones(m + 1))
        except ValueError as e:
            return i, m, str(e)
        return i, m, None

    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        for i, m, message in pool.map(work, range(64)):
            assert message == f"weights: has length {m} but the vector has length {m + 1}", (i, message)


def test_results_do_not_alias_between_threads():
    """Each call returns its own output array (no shared scratch leaks into results)."""
    rng = np.random.default_rng(5)
    inputs = [rng.standard_normal(50_000) + k for k in range(8)]
    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        outs = list(pool.map(lambda v: P.project_simplex(v, 2.0), inputs))
    for v, out in zip(inputs, outs):
        np.testing.assert_array_equal(out, P.project_simplex(v, 2.0))
    assert len({id(o) for o in outs}) == len(outs)
    assert not any(np.shares_memory(a, b) for i, a in enumerate(outs) for b in outs[i + 1:])


def test_blas_thread_setting_round_trips():
    import nonsmooth as ns

    before = ns.get_num_threads()
    assert before >= 1
    ns.set_num_threads(2)
    assert ns.get_num_threads() == 2
    ns.set_num_threads(before)
    with pytest.raises(ValueError, match="n_threads"):
        ns.set_num_threads(0)
