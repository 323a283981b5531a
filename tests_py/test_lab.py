"""nonsmooth.lab: the qualitative facts each experiment exists to show, the
closed form of problem 1, the plots (Agg backend), the CLI and the notebook."""
from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import nonsmooth as ns
from nonsmooth import lab
from nonsmooth.lab._cli import run as run_cli

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")

ROOT = Path(__file__).resolve().parents[1]


# ---- problem 1: λ‖β‖₁ ------------------------------------------------------------------
@pytest.fixture(scope="module")
def toy():
    return lab.toy_l1(n_features=6, lam=1.0, lr=0.02, steps=300, lams=(0.5, 1.0, 2.0, 4.0), decay_steps=200, seed=3)


def test_sgd_ends_on_the_closed_form_two_point_cycle(toy):
    h = toy.lr * toy.lam
    traj = toy.trajectories["sgd"][:toy.steps + 1]
    points, start = lab.two_point_cycle(toy.beta0, toy.lam, toy.lr)
    # before the cycle: s(|β₀| − k h); then alternation s·r (even k − n), s·(r − h) (odd)
    for i in range(toy.beta0.size):
        n = start[i]
        k = np.arange(n + 1)
        np.testing.assert_allclose(traj[k, i], np.sign(toy.beta0[i]) * (np.abs(toy.beta0[i]) - k * h), atol=1e-12)
        later = np.arange(n, toy.steps + 1)
        expected = np.where((later - n) % 2 == 0, points[0, i], points[1, i])
        np.testing.assert_allclose(traj[later, i], expected, atol=1e-12)
    # the size of the cycle is αλ and the mean ℓ1 norm over a cycle is pαλ/2, whatever the start
    np.testing.assert_allclose(points[0] - points[1], np.sign(toy.beta0) * h, atol=1e-15)
    p = toy.beta0.size
    np.testing.assert_allclose(toy.final_l1["sgd"], p * toy.lr * toy.lams / 2, rtol=1e-9)
    np.testing.assert_allclose(toy.final_l1_decayed["sgd"], p * toy.decay_factor * toy.lr * toy.lams / 2, rtol=1e-8)


def test_two_point_cycle_by_hand():
    points, start = lab.two_point_cycle([0.35, -0.1, 0.0], lam=1.0, lr=0.1)
    np.testing.assert_allclose(points, [[0.05, -0.0, 0.0], [-0.05, 0.1, 0.0]], atol=1e-12)
    assert start.tolist() == [3, 1, 0]


def test_toy_paradox_and_exact_zeros(toy):
    for m in ("sgd", "momentum"):      # larger λ, larger final ‖β‖₁ — also after lowering α
        assert np.all(np.diff(toy.final_l1[m][[0, -1]]) > 0)
        assert toy.final_l1[m][-1] > 2 * toy.final_l1[m][0]
        assert toy.final_l1_decayed[m][-1] > 2 * toy.final_l1_decayed[m][0]
    for m in ("sgd", "momentum", "adam"):   # NDGM: no exact zero
        assert np.all(toy.exact_zeros[m] == 0)
    assert np.all(toy.final_l1["sgd"] > 0) and np.all(toy.final_l1["adam"] > 0)
    # adaptive methods are invariant to the gradient's scale: the end state does not depend on λ
    np.testing.assert_allclose(toy.final_l1["adam"], toy.final_l1["adam"][0], rtol=1e-4)
    # the proximal step: exactly 0 after ⌈|β₀|/(αλ)⌉ steps, for every λ
    assert np.all(toy.exact_zeros["prox_sgd"] == toy.beta0.size)
    assert np.all(toy.final_l1["prox_sgd"] == 0)
    first = np.flatnonzero(toy.l1_norm["prox_sgd"] == 0)[0]
    assert first == int(np.max(np.ceil(np.abs(toy.beta0) / (toy.lr * toy.lam) - 1e-9)))


def test_momentum_jumps_away_from_zero_where_sgd_cycles(toy):
    assert np.all(toy.overshoot["sgd"] <= 1 + 1e-9)          # the two-point cycle stays within αλ of 0
    assert np.max(toy.overshoot["momentum"]) > 2              # momentum leaves 0 by several steps αλ


def test_trajectories_are_what_train_runs(toy):
    """The step-by-step iterates and the ns.train histories are the same runs."""
    from nonsmooth.lab.toy_l1 import _penalty

    res = ns.train(_penalty, {"b": toy.beta0}, fixed={"lam": np.array(toy.lam)},
                   optimizer=ns.optim.Adam(toy.lr), steps=50, record_every=1)
    np.testing.assert_array_equal(res.history.l1_norm, toy.l1_norm["adam"][:51])


# ---- problem 2: the Lasso ----------------------------------------------------------------
def test_lasso_ndgm_no_zeros_and_the_solution_sparse():
    r = lab.lasso(n_samples=15, n_features=120, lams=(0.01, 1.0, 3.0), steps=800, seed=0)
    p = r.W.shape[1]
    for m in ("sgd", "momentum", "rmsprop", "adam"):
        assert np.all(r.exact_zeros[m] == 0), m
    for m in ("cd", "fista", "prox_sgd"):
        assert np.all(r.exact_zeros[m][1:] >= 0.9 * p), m
    np.testing.assert_allclose(r.coefs["fista"], r.coefs["cd"], atol=1e-4)
    # the solution's ℓ1 norm decreases with λ; SGD's grows again at large λ (oscillation ≈ αλ)
    assert np.all(np.diff(r.l1_norm["cd"]) < 0)
    assert r.l1_norm["sgd"][-1] > r.l1_norm["sgd"][1] and r.l1_norm["sgd"][-1] > 3 * r.l1_norm["cd"][-1] + 1e-3
    # the reference solves the problem better than every NDGM end point
    for m in ("sgd", "momentum", "rmsprop", "adam"):
        assert np.all(r.objective["cd"] <= r.objective[m] + 1e-9)


# ---- problem 3: convex ReLU regression ------------------------------------------------------
def test_relu_regression_loss_decreases_while_max_norm_rises():
    r = lab.relu_regression(steps=60)
    assert np.all(r.y <= 0)
    K = r.descent_steps
    assert K >= 10
    assert np.all(np.diff(r.loss[:K + 1]) < 0)
    window = r.max_norm[:K + 1]
    assert np.any(np.diff(window) > 0) and r.max_norm_rise > 0.2
    # F(β) ≥ F(0) = ‖y‖²/N: 0 is the minimizer
    assert np.all(r.loss >= np.mean(r.y ** 2) - 1e-12)
    np.testing.assert_allclose(np.abs(r.trajectories).max(axis=1), r.max_norm, rtol=1e-12)


# ---- problem 4: Huber at huge steps --------------------------------------------------------
def test_huber_bounded_and_quadratic_diverges():
    r = lab.huber(steps=300)
    assert r.lrs[0] < 2 / r.lipschitz < r.lrs[1]
    small, large = r.huber_loss
    assert small[-1] < 1e-6 * small[0]                        # converges at a small step
    lo, hi = r.tail_range()[1]
    assert hi < 5 * large[0] and np.all(np.isfinite(large))   # bounded at α = 10 …
    assert hi - lo > 1e-2 * hi                                  # … but oscillating
    assert np.max(r.huber_max_norm[1]) < 100
    q = r.quadratic_loss[np.isfinite(r.quadratic_loss)]
    assert q[-1] > 1e10 * q[0]                                  # least squares past 2/L diverges


# ---- problem 5: activations ---------------------------------------------------------------
def test_activations_same_start_both_train():
    r = lab.activations(depths=(1, 2), activations=("relu", "softplus"), width=8, steps=200, record_every=50,
                        n_samples=128)
    for a in r.activations:
        assert r.loss[a].shape == (2, r.steps.size)
        assert np.all(r.loss[a][:, -1] < r.loss[a][:, 0])
    assert r.steps[0] == 0 and r.steps[-1] == 200


# ---- problem 6: pruning ------------------------------------------------------------------
@pytest.fixture(scope="module")
def pruned():
    return lab.pruning(steps=500, hidden=(16,), lams=(1e-3, 1e-2))


def test_pruning_only_the_proximal_method_prunes(pruned):
    r = pruned
    prox = r.small_fraction["prox_sgd"]
    assert prox[1] > prox[0] and prox[1] > 0.5
    for m in ("sgd", "rmsprop", "adam"):
        assert np.all(r.small_fraction[m] < 0.1), m
        assert np.all(prox > 2 * r.small_fraction[m]), m
    assert np.all(r.exact_zeros["prox_sgd"] >= 0.95 * prox)      # its small weights are exact zeros
    assert np.all(r.exact_zeros["sgd"] == 0) and np.all(r.exact_zeros["adam"] == 0)
    for m in r.methods:
        assert np.all(r.test_accuracy[m] > 0.7), m


def test_digits_data_is_the_bundled_set():
    X, Y, X_test, labels = lab.digits_split()
    assert X.shape[1] == 64 and X.shape[0] + X_test.shape[0] == 1797
    assert X.min() >= 0 and X.max() <= 1 and np.all(Y.sum(axis=1) == 1) and set(labels) <= set(range(10))


# ---- plots, CLI, errors, notebook ------------------------------------------------------------
def test_every_plot_writes_a_png(tmp_path, toy, pruned):
    small = {
        "toy_l1": toy,
        "lasso": lab.lasso(n_samples=10, n_features=40, lams=(0.1, 1.0), steps=100),
        "relu_regression": lab.relu_regression(steps=30),
        "huber": lab.huber(steps=50),
        "activations": lab.activations(depths=(1,), width=4, steps=20, record_every=10, n_samples=32),
        "pruning": pruned,
        "edge_of_stability": lab.edge_of_stability(steps=20, every=5, power_iterations=20),
        "le_dynamics": lab.le_dynamics(steps=100, runs=3),
        "le_bilevel": lab.le_bilevel(steps=60, chaos_steps=60, grid_size=5),
        "deq": lab.deq(steps=3, n_train=50),
        "cnn_depth": lab.cnn_depth(depths=(1,), seeds=(0, 1), steps=3, channels=2),
        "cnn_pruning": lab.cnn_pruning(lams=(1e-2,), steps=3, channels=2, seeds=(0,), methods=("sgd", "prox_sgd")),
        "pruning_methods": lab.pruning_methods(steps=20, lams_l1=(1e-2,), lams_group=(1e-2,), lams_l0=(1e-3,), rounds=1),
    }
    import matplotlib.pyplot as plt

    for name, result in small.items():
        out = tmp_path / f"{name}.png"
        axes = lab.EXPERIMENTS[name][1](result, out)
        assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and out.stat().st_size > 20_000, name
        assert len(axes) >= 1 and all(a.figure is axes[0].figure for a in axes)
        plt.close("all")
    assert set(small) == set(lab.EXPERIMENTS)
    assert "SGD" in toy.summary() and "proximal SGD" in pruned.summary()


def test_cli_lists_and_runs_one_experiment(tmp_path, capsys):
    assert run_cli([]) == 0
    listing = capsys.readouterr().out
    assert all(name in listing for name in lab.EXPERIMENTS)
    out = tmp_path / "huber.png"
    assert run_cli(["huber", "--steps", "40", "--lrs", "0.1,10", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "Huber" in printed and out.exists()
    assert run_cli(["nope"]) == 2


def test_cli_through_python_m(tmp_path):
    out = tmp_path / "toy.png"
    done = subprocess.run([sys.executable, "-m", "nonsmooth", "lab", "toy_l1", "--steps", "120", "--decay-steps",
                           "20", "--lams", "1,2", "--methods", "sgd,prox_sgd", "--out", str(out)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "SGD" in done.stdout and out.exists()


def test_bad_arguments_are_named():
    with pytest.raises(ValueError, match="methods"):
        lab.toy_l1(methods=("sgd", "newton"))
    with pytest.raises(ValueError, match="lams"):
        lab.lasso(lams=(0.1, -1.0))
    with pytest.raises(ValueError, match="y"):
        lab.relu_regression(Z=np.ones((3, 2)), y=np.array([1.0, -1.0, 0.0]))
    with pytest.raises(ValueError, match="activations"):
        lab.activations(activations=("relu", "swish"))


NOTEBOOK = ROOT / "examples" / "nonsmooth_lab.ipynb"


@pytest.mark.skipif(not all(importlib.util.find_spec(m) for m in ("nbclient", "nbformat", "ipykernel")),
                    reason="the notebook test needs nbclient, nbformat and ipykernel (pip install '.[test]')")
def test_example_notebook_executes(tmp_path):
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.read(NOTEBOOK, as_version=4)
    NotebookClient(nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}).execute()
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", []) if o.output_type == "error"]
    assert not errors
