"""Native training: nonsmooth.train against the same loop in Python over jax/optax.

A full training run of 10 000 minibatch steps, timed end to end, for

1. the three-layer ReLU network x ↦ W3 relu(W2 relu(W1 x + b1) + b2) + b3 with
   squared loss (input dimension 32, widths 32 / 128 / 512, batch 32), with
   SGD and Adam;
2. an L1-penalized linear model (10 000 × 100, batch 32): proximal SGD and
   proximal Adam with soft thresholding after each step.

The competitor is the loop a JAX user writes: a ``jax.jit``-compiled step
(value_and_grad, ``optax`` update, apply_updates, the soft thresholding for the
L1 model) called from Python 10 000 times, with the data and the minibatch indices on the
device, the minibatch gathered inside the compiled step. Both run in float64, then
both in float32 (``--dtypes``; nonsmooth keeps float64 master weights in its
float32 loop, optax keeps float32 parameters), on the same data,
the same initial parameters and the very same minibatches (nonsmooth samples
with replacement from its seeded SplitMix64 generator; the indices are
recomputed here in NumPy for JAX, outside its timing). Warm-up (tracing,
compilation) is excluded. Ratios are jax time / nonsmooth time (> 1: nonsmooth
is faster); the final parameters of both are compared as a sanity check.

One core: the process is pinned to a single CPU (XLA's CPU runtime does not
honour its threading flags for large products; NS_BENCH_ALL_CORES=1 lifts
this), and XLA_FLAGS=--xla_cpu_multi_thread_eigen=false
intra_op_parallelism_threads=1, OPENBLAS_NUM_THREADS=1 and
nonsmooth.set_num_threads(1), set before import. NS_BENCH_ALL_CORES=1 gives
every library all cores instead (the "unpinned" rows). Not part of the test suite.

    python benchmarks/bench_train.py [--quick] [--markdown]
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
from nonsmooth.optim import SGD, Adam  # noqa: E402

import jax  # noqa: E402
import jax.numpy as jnp  # noqa: E402
import optax  # noqa: E402

jax.config.update("jax_enable_x64", True)

SEED = 0


def splitmix_batches(rows: int, batch: int, steps: int, seed: int = SEED) -> np.ndarray:
    """The minibatches nonsmooth.train draws with replacement (SplitMix64, draw j
    uses state seed + (j + 1)·γ), as a (steps, batch) index array."""
    with np.errstate(over="ignore"):
        j = np.arange(1, steps * batch + 1, dtype=np.uint64)
        z = np.uint64(seed) + j * np.uint64(0x9E3779B97F4A7C15)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        z = z ^ (z >> np.uint64(31))
    return (z % np.uint64(rows)).astype(np.int64).reshape(steps, batch)


# ---- the models -------------------------------------------------------------------------
@ns.function
def mlp_loss(W1, b1, W2, b2, W3, b3, X, y):
    h1 = ns.relu(X @ W1 + b1)
    h2 = ns.relu(h1 @ W2 + b2)
    return ns.mean((h2 @ W3 + b3 - y) ** 2)


def jax_mlp_loss(p, X, y):
    h1 = jax.nn.relu(X @ p["W1"] + p["b1"])
    h2 = jax.nn.relu(h1 @ p["W2"] + p["b2"])
    return jnp.mean((h2 @ p["W3"] + p["b3"] - y) ** 2)


@ns.function
def linear_loss(w, X, y):
    return 0.5 * ns.mean((X @ w - y) ** 2)


def jax_linear_loss(p, X, y):
    return 0.5 * jnp.mean((X @ p["w"] - y) ** 2)


def mlp_problem(width, n=10_000, d=32):
    rng = np.random.default_rng(SEED)
    X = rng.standard_normal((n, d))
    y = np.tanh(X[:, :4].sum(axis=1, keepdims=True)) + 0.1 * rng.standard_normal((n, 1))
    params = {"W1": rng.standard_normal((d, width)) / np.sqrt(d), "b1": np.zeros(width),
              "W2": rng.standard_normal((width, width)) / np.sqrt(width), "b2": np.zeros(width),
              "W3": rng.standard_normal((width, 1)) / np.sqrt(width), "b3": np.zeros(1)}
    return params, {"X": X, "y": y}


def linear_problem(n=10_000, p=100):
    rng = np.random.default_rng(SEED)
    X = rng.standard_normal((n, p))
    beta = np.zeros(p)
    beta[:10] = rng.standard_normal(10)
    y = X @ beta + 0.1 * rng.standard_normal(n)
    return {"w": np.zeros(p)}, {"X": X, "y": y}


# ---- the two loops ----------------------------------------------------------------------
def cast(tree, dtype):
    return {k: np.asarray(v, dtype) for k, v in tree.items()}


def run_nonsmooth(loss, params, data, optimizer, steps, batch, prox=None):
    kwargs = dict(optimizer=optimizer, steps=steps, batch_size=batch, replacement=True, seed=SEED,
                  record_every=100, prox=prox)
    ns.train(loss, params, data, **{**kwargs, "steps": 10})  # warm-up: tracing and workspaces
    t0 = time.perf_counter()
    result = ns.train(loss, params, data, **kwargs)
    return time.perf_counter() - t0, result.params


def run_jax(loss, params, data, tx, steps, batch, l1=None, lr=None):
    X, y = jnp.asarray(data["X"]), jnp.asarray(data["y"])
    batches = jnp.asarray(splitmix_batches(X.shape[0], batch, steps))

    @jax.jit
    def step(p, state, X, y, batches, k):
        idx = batches[k]  # the gather happens inside the compiled step
        value, grads = jax.value_and_grad(loss)(p, X[idx], y[idx])
        updates, state = tx.update(grads, state, p)
        p = optax.apply_updates(p, updates)
        if l1 is not None:  # proximal step: soft thresholding at lr·λ
            p = jax.tree_util.tree_map(lambda w: jnp.sign(w) * jnp.maximum(jnp.abs(w) - lr * l1, 0.0), p)
        return p, state, value

    def loop(count):
        p = {k: jnp.asarray(v) for k, v in params.items()}
        state = tx.init(p)
        for k in range(count):
            p, state, _ = step(p, state, X, y, batches, k)
        return jax.block_until_ready(p)

    loop(2)  # warm-up: compilation
    t0 = time.perf_counter()
    p = loop(steps)
    return time.perf_counter() - t0, {k: np.asarray(v) for k, v in p.items()}


def compare(name, t_ns, p_ns, t_jax, p_jax, rows):
    assert all(p_ns[k].dtype == p_jax[k].dtype for k in p_ns)
    diff = max(float(np.max(np.abs(p_ns[k].astype(float) - p_jax[k]))) for k in p_ns)
    scale = max(float(np.max(np.abs(p_jax[k]))) for k in p_jax)
    rows.append({"case": name, "nonsmooth": t_ns, "jax": t_jax, "diff": diff / max(scale, 1e-300)})
    print(f"{name:38s} nonsmooth {t_ns:8.3f} s   jax+optax {t_jax:8.3f} s   ratio {t_jax / t_ns:6.2f}x   "
          f"max |Δparams|/max|params| {diff / max(scale, 1e-300):.1e}", flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="2 000 steps instead of 10 000")
    parser.add_argument("--markdown", action="store_true", help="print a README table")
    parser.add_argument("--widths", type=int, nargs="+", default=[32, 128, 512])
    parser.add_argument("--dtypes", nargs="+", default=["float64", "float32"])
    opts = parser.parse_args()
    cores = len(os.sched_getaffinity(0))
    ns.set_num_threads(cores if ALL_CORES else 1)
    steps, batch = (2_000 if opts.quick else 10_000), 32
    print(f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores; jax {jax.__version__}, "
          f"optax {optax.__version__}; {steps} steps, batch {batch}, warm-up excluded")
    if ALL_CORES:
        print(f"all cores: {cores} CPUs, ns.get_num_threads() = {ns.get_num_threads()}, XLA's default threads")
    else:
        print(f"single-threaded: XLA_FLAGS={os.environ['XLA_FLAGS']!r}, "
              f"OPENBLAS_NUM_THREADS={os.environ['OPENBLAS_NUM_THREADS']}, ns.set_num_threads(1) "
              f"(ns.get_num_threads() = {ns.get_num_threads()})")
    rows = []
    for dtype in opts.dtypes:
        for width in opts.widths:
            params, data = mlp_problem(width)
            params, data = cast(params, dtype), cast(data, dtype)
            for label, opt, tx in [("SGD", SGD(1e-2), optax.sgd(1e-2)), ("Adam", Adam(1e-3), optax.adam(1e-3))]:
                t_ns, p_ns = run_nonsmooth(mlp_loss, params, data, opt, steps, batch)
                t_jax, p_jax = run_jax(jax_mlp_loss, params, data, tx, steps, batch)
                compare(f"{dtype} ReLU MLP width {width}, {label}", t_ns, p_ns, t_jax, p_jax, rows)
        params, data = linear_problem()
        params, data = cast(params, dtype), cast(data, dtype)
        lam = 0.05
        for label, opt, tx, lr in [("prox-SGD", SGD(1e-2), optax.sgd(1e-2), 1e-2),
                                   ("prox-Adam", Adam(1e-3), optax.adam(1e-3), 1e-3)]:
            t_ns, p_ns = run_nonsmooth(linear_loss, params, data, opt, steps, batch, prox={"w": ns.prox.L1(lam)})
            t_jax, p_jax = run_jax(jax_linear_loss, params, data, tx, steps, batch, l1=lam, lr=lr)
            compare(f"{dtype} L1 linear 10000×100, {label}", t_ns, p_ns, t_jax, p_jax, rows)
            print(f"    exact zeros: nonsmooth {int(np.sum(p_ns['w'] == 0))}, jax {int(np.sum(p_jax['w'] == 0))} of 100")
    if opts.markdown:
        print(f"\n| {steps} steps, batch {batch}, {'all cores' if ALL_CORES else 'one core'} | nonsmooth | "
              "jax.jit step + optax | ratio |")
        print("|---|---:|---:|---:|")
        for r in rows:
            print(f"| {r['case']} | {r['nonsmooth']:.2f} s | {r['jax']:.2f} s | {r['jax'] / r['nonsmooth']:.1f}× |")


if __name__ == "__main__":
    main()
