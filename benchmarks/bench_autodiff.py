"""Conservative AD: nonsmooth against jax.jit and a hand-written NumPy backward pass.

Runs every competitor in this process on the same data and prints median times
and ratios competitor / nonsmooth (> 1 means nonsmooth is faster):

1. ``value_and_grad`` of the three-layer ReLU network
   x ↦ W3 relu(W2 relu(W1 x + b1) + b2) + b3 with squared loss, over widths and
   batch sizes, in float64 and in float32 (each library in the precision of
   the data: float32 is JAX's default);
2. per-operation overhead on tiny inputs: a chain of elementwise scalar
   operations, differentiated, divided by its length.

Every library runs on one core: the process is pinned to a single CPU (XLA's
CPU runtime does not honour its threading flags for large products), and
OPENBLAS_NUM_THREADS / nonsmooth.set_num_threads are 1, so the ratios compare
implementations, not thread pools. NS_BENCH_ALL_CORES=1 lifts the pinning and
gives every library all cores (nonsmooth.set_num_threads(cores), XLA's default
thread pool): the "unpinned" rows. Not part of the test suite.

    python benchmarks/bench_autodiff.py [--quick] [--markdown]
"""
from __future__ import annotations

import os

ALL_CORES = os.environ.get("NS_BENCH_ALL_CORES") == "1"
if not ALL_CORES:
    os.environ.setdefault("XLA_FLAGS", "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1")
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
# XLA's CPU runtime ignores the flags above for large products (measured: a
# 1024² jax.jit matmul ran at 1.2–2 cores), so the whole process is pinned to
# one core: every library gets exactly one.
if hasattr(os, "sched_setaffinity") and not ALL_CORES:
    os.sched_setaffinity(0, {max(os.sched_getaffinity(0))})

import argparse  # noqa: E402
import platform  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402

import nonsmooth as ns  # noqa: E402

try:
    import jax
    import jax.numpy as jnp

    jax.config.update("jax_enable_x64", True)
except Exception:  # optional competitor
    jax = None


def median_time(fn, budget=0.4, min_repeat=5, max_repeat=2000):
    fn()
    fn()  # warm-up (and JIT compilation)
    times = []
    start = time.perf_counter()
    while len(times) < max_repeat and (len(times) < min_repeat or time.perf_counter() - start < budget):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return float(np.median(times))


# ---- the network --------------------------------------------------------------------
@ns.function
def mlp_loss(W1, b1, W2, b2, W3, b3, X, y):
    h1 = ns.relu(X @ W1 + b1)
    h2 = ns.relu(h1 @ W2 + b2)
    out = h2 @ W3 + b3
    return ns.mean((out - y) ** 2)


def numpy_value_and_grad(W1, b1, W2, b2, W3, b3, X, y):
    """The backward pass written by hand (relu'(0) = 0)."""
    z1 = X @ W1 + b1
    h1 = np.maximum(z1, 0.0)
    z2 = h1 @ W2 + b2
    h2 = np.maximum(z2, 0.0)
    out = h2 @ W3 + b3
    r = out - y
    loss = np.mean(r**2)
    g_out = 2.0 * r / r.size
    gW3 = h2.T @ g_out
    gb3 = g_out.sum(axis=0)
    g_h2 = (g_out @ W3.T) * (z2 > 0)
    gW2 = h1.T @ g_h2
    gb2 = g_h2.sum(axis=0)
    g_h1 = (g_h2 @ W2.T) * (z1 > 0)
    gW1 = X.T @ g_h1
    gb1 = g_h1.sum(axis=0)
    return loss, (gW1, gb1, gW2, gb2, gW3, gb3)


def make_problem(width, batch, d=32, seed=0, dtype=np.float64):
    rng = np.random.default_rng(seed)
    W1 = rng.standard_normal((d, width)) / np.sqrt(d)
    W2 = rng.standard_normal((width, width)) / np.sqrt(width)
    W3 = rng.standard_normal((width, 1)) / np.sqrt(width)
    b1, b2, b3 = 0.1 * rng.standard_normal(width), 0.1 * rng.standard_normal(width), np.zeros(1)
    X = rng.standard_normal((batch, d))
    y = rng.standard_normal((batch, 1))
    return tuple(a.astype(dtype) for a in (W1, b1, W2, b2, W3, b3, X, y))


def bench_mlp(widths, batches, dtype=np.float64):
    rows = []
    wrt = (0, 1, 2, 3, 4, 5)
    if jax is not None:
        def jloss(W1, b1, W2, b2, W3, b3, X, y):
            h1 = jax.nn.relu(X @ W1 + b1)
            h2 = jax.nn.relu(h1 @ W2 + b2)
            return jnp.mean((h2 @ W3 + b3 - y) ** 2)

        jvg = jax.jit(jax.value_and_grad(jloss, argnums=wrt))
    single = np.dtype(dtype) == np.float32
    rtol, atol = (1e-4, 1e-6) if single else (1e-9, 1e-12)
    for width in widths:
        for batch in batches:
            args = make_problem(width, batch, dtype=dtype)
            value, grads, _ = mlp_loss.value_and_grad(*args, wrt=wrt)
            assert value.dtype == dtype and all(g.dtype == dtype for g in grads)
            ref_value, ref_grads = numpy_value_and_grad(*args)
            assert np.isclose(value, ref_value, rtol=1e-5 if single else 1e-12)
            assert all(np.allclose(g, r, rtol=rtol, atol=atol) for g, r in zip(grads, ref_grads))
            t_ns = median_time(lambda: mlp_loss.value_and_grad(*args, wrt=wrt))
            t_np = median_time(lambda: numpy_value_and_grad(*args))
            row = {"width": width, "batch": batch, "dtype": np.dtype(dtype).name, "nonsmooth": t_ns, "numpy": t_np,
                   "jax": float("nan")}
            if jax is not None:
                jargs = [jnp.asarray(a) for a in args]
                jv, jg = jvg(*jargs)
                assert jv.dtype == dtype and np.isclose(float(jv), value, rtol=1e-5 if single else 1e-10)
                row["jax"] = median_time(lambda: jax.block_until_ready(jvg(*jargs)))
            rows.append(row)
            print(f"{row['dtype']} width {width:5d} batch {batch:5d}: nonsmooth {t_ns * 1e6:10.1f} µs   "
                  f"numpy {t_np / t_ns:6.2f}x   jax.jit {row['jax'] / t_ns:6.2f}x", flush=True)
    return rows


# ---- per-operation overhead ---------------------------------------------------------
def chain(x, n):
    for k in range(n):
        x = ns.tanh(x) * 0.9 + 0.1 if k % 2 == 0 else ns.relu(x) + 0.01
    return x


def bench_overhead(length=200):
    f = ns.function(lambda x: chain(x, length))
    x = np.float64(0.3)
    ops = 3 * length // 2 + length // 2 * 2  # tanh, *, + / relu, +
    t_ns = median_time(lambda: f.value_and_grad(x))
    out = {"ops": ops, "nonsmooth": t_ns / ops, "jax_eager": float("nan"), "jax_jit_call": float("nan")}
    if jax is not None:
        def jchain(x):
            for k in range(length):
                x = jnp.tanh(x) * 0.9 + 0.1 if k % 2 == 0 else jax.nn.relu(x) + 0.01
            return x

        jx = jnp.asarray(0.3)
        eager = jax.value_and_grad(jchain)
        out["jax_eager"] = median_time(lambda: jax.block_until_ready(eager(jx)), budget=1.0, min_repeat=3) / ops
        jitted = jax.jit(jax.value_and_grad(jchain))
        out["jax_jit_call"] = median_time(lambda: jax.block_until_ready(jitted(jx))) / ops
    print(f"per scalar op ({ops} ops, value and gradient): nonsmooth {out['nonsmooth'] * 1e9:.0f} ns, "
          f"jax op-by-op {out['jax_eager'] * 1e9:.0f} ns, jax.jit {out['jax_jit_call'] * 1e9:.0f} ns", flush=True)
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer sizes")
    parser.add_argument("--markdown", action="store_true", help="print a README table")
    opts = parser.parse_args()
    cores = len(os.sched_getaffinity(0))
    ns.set_num_threads(cores if ALL_CORES else 1)
    print(f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
          f"{'unpinned, BLAS threads ' + str(cores) if ALL_CORES else 'pinned'} to CPUs {sorted(os.sched_getaffinity(0))}; "
          f"jax {jax.__version__ if jax else 'not installed'}, OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE')}")
    widths = [32, 256, 1024] if opts.quick else [32, 128, 256, 512, 1024]
    batches = [1, 64, 1024] if opts.quick else [1, 16, 64, 256, 1024]
    rows = [r for dtype in (np.float64, np.float32) for r in bench_mlp(widths, batches, dtype)]
    over = bench_overhead()
    if opts.markdown:
        print(f"\n| dtype | width | batch | nonsmooth | vs jax.jit | vs NumPy by hand |  ({'all cores' if ALL_CORES else 'one core'})")
        print("|---|---:|---:|---:|---:|---:|")
        for r in rows:
            print(f"| {r['dtype']} | {r['width']} | {r['batch']} | {r['nonsmooth'] * 1e6:.0f} µs | "
                  f"{r['jax'] / r['nonsmooth']:.2f}× | {r['numpy'] / r['nonsmooth']:.2f}× |")
        print(f"\nPer scalar operation (value and gradient of a {over['ops']}-op chain): nonsmooth "
              f"{over['nonsmooth'] * 1e9:.0f} ns, JAX op-by-op {over['jax_eager'] * 1e9:.0f} ns, "
              f"one jax.jit call {over['jax_jit_call'] * 1e9:.0f} ns.")


if __name__ == "__main__":
    main()
