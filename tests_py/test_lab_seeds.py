"""The lab experiments added from the remaining seeds: each against a closed
form, an independent implementation or the paper's stated behaviour."""
import numpy as np
import pytest

from nonsmooth import lab


# ---- edge of stability -----------------------------------------------------------------------

@pytest.fixture(scope="module")
def eos():
    return lab.edge_of_stability(steps=120, every=4)


def test_edge_of_stability_sharpness_against_eigendecompositions(eos):
    r = eos
    A, y, delta, n = r.A, r.y, r.delta, r.A.shape[0]
    finite = np.isfinite(r.squares_sharpness)
    assert finite.sum() >= 5
    # least squares: the Hessian AᵀA/N everywhere, whose top eigenvalue is ‖A‖₂²/N
    np.testing.assert_allclose(r.squares_sharpness[finite], np.linalg.eigvalsh(A.T @ A / n)[-1], rtol=1e-8)
    # Huber: gradient descent written out with NumPy, and λ_max(AᵀDA/N) at its iterates
    b, sharp, loss = np.zeros(A.shape[1]), [], []
    for k in range(int(r.steps[-1]) + 1):
        res = A @ b - y
        if k in set(r.steps.tolist()):
            D = (np.abs(res) <= delta).astype(float)
            sharp.append(np.linalg.eigvalsh(A.T @ (D[:, None] * A) / n)[-1])
            a = np.abs(res)
            loss.append(np.mean(np.where(a <= delta, 0.5 * res**2, delta * (a - 0.5 * delta))))
        b = b - r.lr * A.T @ np.clip(res, -delta, delta) / n
    np.testing.assert_allclose(r.huber_loss, loss, rtol=1e-9)
    np.testing.assert_allclose(r.huber_sharpness, sharp, rtol=1e-6)


def test_edge_of_stability_behaviour(eos):
    r = eos
    assert r.lipschitz > r.edge                                  # least squares is past its stability limit...
    finite = r.squares_loss[np.isfinite(r.squares_loss)]
    assert finite[-1] > 1e6 * finite[0]                          # ...and diverges
    assert r.huber_sharpness[0] < 0.6 * r.edge                   # Huber starts flat,
    assert abs(r.settled() / r.edge - 1) < 0.05                  # its sharpness settles at 2/α,
    assert r.huber_loss[-1] < 0.5 * r.huber_loss[0]              # and its loss goes down
    assert "2/α" in r.summary()


# ---- Le's dynamics ---------------------------------------------------------------------------

@pytest.fixture(scope="module")
def le():
    return lab.le_dynamics(steps=1500, runs=8)


def test_le_artificial_critical_point_closed_forms(le):
    r = le
    assert r.x.mean() == 0.0 and r.program_at_zero == 0.0      # relu'(0) = 0 on both terms: derivative −mean(x)
    assert r.clarke_at_zero == pytest.approx(r.c)              # the lexicographic (Clarke) derivative c − mean(x)
    assert r.minimizer == pytest.approx(-r.c)
    # full-batch gradient descent from the artifact never moves; every step hits both relu kinks
    assert np.all(r.gd_from_zero == 0.0) and r.gd_kinks == 2 * (r.gd_from_zero.size - 1)
    assert "kink" in r.gd_diagnosis


def test_le_stochastic_methods_avoid_the_artifact(le):
    r = le
    for m in ("sgd", "heavy_ball"):
        assert np.all(r.kinks[m] == 0), m                       # no iterate ever sat exactly on w = 0
        np.testing.assert_allclose(r.finals[m], r.minimizer, atol=3e-2 if m == "heavy_ball" else 5e-3)
    # a Python loop of the textbook stochastic heavy ball cannot be compared without the sampler; the
    # update rule itself is checked in test_training_noise.py


def test_le_integral_rule(le):
    r = le
    np.testing.assert_array_equal(r.sample_derivatives, np.stack([r.abs_at_zero, -r.abs_at_zero], axis=1))
    np.testing.assert_array_equal(r.mean_derivative, 0.0)


# ---- Le's bilevel pathologies -------------------------------------------------------------------

@pytest.fixture(scope="module")
def bilevel():
    return lab.le_bilevel(chaos_steps=800, grid_size=5)


def _pinv_map(r, lr):
    """Outer GD on log λ with the pseudo-inverse field in closed form: d/d log λ = λ ⊙ ρR(ψ)(λ − λ*)."""
    psi = np.deg2rad(r.angle)
    Q = r.rho * np.array([[np.cos(psi), -np.sin(psi)], [np.sin(psi), np.cos(psi)]])

    def step(lam):
        return lam * np.exp(-lr * lam * (Q @ (lam - r.spurious)))

    def jacobian(lam):        # of θ ↦ θ − α λ⊙Q(λ − λ*) in θ = log λ
        return np.eye(2) - lr * (np.diag(lam * (Q @ (lam - r.spurious))) + np.diag(lam) @ Q @ np.diag(lam))
    return Q, step, jacobian


def test_le_bilevel_values_and_fields_against_closed_forms(bilevel):
    from sklearn.linear_model import Lasso as SkLasso

    r = bilevel
    p = r.X.shape[1] // 2
    np.testing.assert_array_equal(r.X[:, :p], r.X[:, p:])                  # every feature duplicated
    # V by an independent solver: scikit-learn on the de-duplicated design (unique solution), weights folded
    # into the columns, coefficients on the first copies, as the library's coordinate descent returns them
    for path, values in ((r.cycle_path, r.cycle_values), (r.library_path, r.library_values)):
        for lam, v in zip(path[::37], values[::37]):
            sk = SkLasso(alpha=1.0, fit_intercept=False, tol=1e-12, max_iter=100_000).fit(r.X[:, :p] / lam, r.y)
            coef = np.concatenate([sk.coef_ / lam, np.zeros(p)])
            assert v == pytest.approx(0.5 * np.mean((r.X_val @ coef - r.y_val) ** 2), rel=1e-9, abs=1e-12)
        # and the closed form of the construction: V = 1/2 + ρ‖λ − λ_V‖²/2
        np.testing.assert_allclose(values, 0.5 + 0.5 * r.rho * np.sum((path - r.optimum) ** 2, axis=1), rtol=1e-10)
    assert r.optimum_value == pytest.approx(0.5, rel=1e-12)
    # the fields' Jacobians at λ*: the pseudo-inverse one is ρR(ψ) (not symmetric), the library's ρI = ∇²V
    Q, _, _ = _pinv_map(r, 1.0)
    np.testing.assert_allclose(r.jacobian_pinv, Q, rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(r.jacobian_library, r.rho * np.eye(2), rtol=1e-6, atol=1e-6)
    assert r.jacobian_pinv[1, 0] - r.jacobian_pinv[0, 1] == pytest.approx(2 * r.rho * np.sin(np.deg2rad(r.angle)), rel=1e-6)


def test_le_bilevel_cycle_and_chaos(bilevel):
    r = bilevel
    Q, step, jacobian = _pinv_map(r, r.lr_cycle)
    # the fixed point λ* of both runs is unstable (Neimark–Sacker: a complex pair outside the unit circle) ...
    for lr in (r.lr_cycle, r.lr_chaos):
        at_fixed_point = np.eye(2) - lr * np.diag(r.spurious) @ Q @ np.diag(r.spurious)
        assert np.all(np.abs(np.linalg.eigvals(at_fixed_point)) > 1)
    # ... and the library's fixed point λ_V is stable at the same step: I − αρ diag(λ_V)²
    assert np.all(np.abs(1 - r.lr_cycle * r.rho * r.optimum ** 2) < 1)
    # the cycle: period 6, and the closed-form map sends each of its points to the next
    assert r.period == 6
    cyc = r.cycle_path[-7:]
    for a, b in zip(cyc[:-1], cyc[1:]):
        np.testing.assert_allclose(step(a), b, rtol=1e-8)
    assert np.min(np.linalg.norm(cyc[:-1, None] - cyc[None, :-1], axis=2) + np.eye(6)) > 0.05   # 6 distinct points
    v = r.cycle_values[-7:]
    assert v.max() - v.min() > 0.3 and np.any(np.diff(v) > 0)              # V rises along the cycle
    assert np.all((r.cycle_path > 0) & (r.cycle_path < 1))
    # chaos: a positive Lyapunov exponent, re-estimated from the closed-form map's Jacobians along its own orbit
    assert r.lyapunov > 0.02
    _, chaos_step, chaos_jacobian = _pinv_map(r, r.lr_chaos)
    lam, u, total = r.chaos_path[r.settings["burn"]].copy(), np.array([1.0, 0.0]), 0.0
    for _ in range(r.lyapunov_growth.size):
        u = chaos_jacobian(lam) @ u
        total += np.log(np.linalg.norm(u))
        u /= np.linalg.norm(u)
        lam = chaos_step(lam)
    assert total / r.lyapunov_growth.size == pytest.approx(r.lyapunov, abs=0.02)
    assert np.all((r.chaos_path > 0) & (r.chaos_path < 1))                 # bounded, both features active
    tail = r.chaos_values[r.settings["burn"]:]
    assert tail.max() - tail.min() > 0.5
    from nonsmooth.lab.le_bilevel import _period
    assert _period(r.chaos_path) == 0


def test_le_bilevel_library_diagnosis_and_descent(bilevel):
    r = bilevel
    d = r.diagnostics
    assert (d.fallback, d.support_size, d.equicorrelation_size) == ("strict_support", 2, 4)
    assert d.invertible_support and not d.invertible_equicorrelation
    assert "|E| = 4 > |S| = 2" in r.diagnosis and "X_Eᵀ X_E singular" in r.diagnosis and "strict support" in r.diagnosis
    np.testing.assert_allclose(r.library_path[-1], r.optimum, rtol=1e-8)
    assert np.all(np.diff(r.library_values) <= 1e-12)                     # a descent method for V
    assert "period-6 cycle" in r.summary() and "chaotic" in r.summary()
    with pytest.raises(ValueError, match="spurious"):
        lab.le_bilevel(spurious=(0.3, 1.5))
    with pytest.raises(ValueError, match="rho"):
        lab.le_bilevel(rho=-1.0)


# ---- deep-equilibrium layer ------------------------------------------------------------------

def test_deq_implicit_gradient_matches_unrolled_autodiff_and_finite_differences():
    import nonsmooth as ns
    from nonsmooth.lab.deq import deq_loss_and_grads, equilibrium

    rng = np.random.default_rng(0)
    n, d, h, k = 12, 5, 6, 3
    X, Y = rng.normal(size=(n, d)), np.eye(k)[rng.integers(0, k, n)]
    W = rng.normal(size=(h, h))
    params = {"W": 0.5 * W / np.linalg.norm(W, 2), "U": rng.normal(size=(h, d)), "b": rng.normal(size=h) * 0.1,
              "V": rng.normal(size=(h, k)), "c": rng.normal(size=k)}
    loss, grads, _ = deq_loss_and_grads(params, X, Y)

    @ns.function
    def unrolled(W, U, b, V, c):       # 120 iterations of the block, differentiated through (0.5¹²⁰ ≈ 1e-36)
        Z = ns.relu(X @ U.T + b)
        for _ in range(120):
            Z = ns.relu(Z @ W.T + X @ U.T + b)
        return ns.mean(ns.softmax_cross_entropy(Z @ V + c, Y))

    names = ("W", "U", "b", "V", "c")
    value, ugrads, kinks = unrolled.value_and_grad(*(params[m] for m in names), wrt=tuple(range(5)))
    assert not kinks
    assert value == pytest.approx(loss, rel=1e-12)
    for m, g in zip(names, ugrads):
        np.testing.assert_allclose(grads[m], g, rtol=1e-8, atol=1e-11, err_msg=m)
    # finite differences of the equilibrium loss in W
    v = rng.normal(size=(h, h))
    eps = 1e-6

    def at(Wv):
        Z, _ = equilibrium(Wv, params["U"], params["b"], X)
        logits = Z @ params["V"] + params["c"]
        logits = logits - logits.max(axis=1, keepdims=True)
        return np.mean(-(Y * (logits - np.log(np.exp(logits).sum(axis=1, keepdims=True)))).sum(axis=1))

    fd = (at(params["W"] + eps * v) - at(params["W"] - eps * v)) / (2 * eps)
    assert np.vdot(grads["W"], v) == pytest.approx(fd, rel=1e-6)


def test_deq_trains_on_digits():
    r = lab.deq(steps=30, n_train=200)
    assert r.loss[-1] < 0.1 * r.loss[0]
    assert np.all(r.spectral_norm <= 0.9 + 1e-12)
    assert r.train_accuracy > 0.95 and r.test_accuracy > 0.8
    assert "implicit" in r.summary()


# ---- a correction to the seed: Kumar's eq. (9) -------------------------------------------------

def test_kumar_eq9_bound_is_p_alpha_lambda_not_alpha_lambda():
    toy = lab.toy_l1(n_features=6, lr=0.01, lam=1.0, lams=(1.0,), steps=400, decay_steps=10, seed=0)
    h, p = toy.lr * toy.lam, toy.beta0.size
    points, start = lab.two_point_cycle(toy.beta0, toy.lam, toy.lr)
    late = np.abs(toy.trajectories["sgd"][int(start.max()):toy.steps + 1]).sum(axis=1)
    assert np.all(late < p * h)                 # the correct bound, p·αλ
    assert late.max() > h                       # eq. (9)'s ‖β‖₁ < αλ fails for p = 6
    import importlib
    assert "‖β‖₁ < p·αλ" in importlib.import_module("nonsmooth.lab.toy_l1").__doc__   # and the docs say so


# ---- pruning by every method -----------------------------------------------------------------

@pytest.fixture(scope="module")
def pm():
    return lab.pruning_methods(steps=200, lams_l1=(1e-3, 1e-2), lams_group=(3e-3, 3e-2), lams_l0=(1e-4, 3e-3), lr_l0=0.03,
                               rounds=3, rate=0.5)


def test_pruning_methods_closed_forms(pm):
    d, h, k = 64, pm.settings["hidden"], 10
    total = d * h + h * k
    # iterative magnitude pruning: after r rounds exactly 1 − (1 − rate)^r of the weights are gone
    expected = np.round((1 - 0.5 ** np.arange(1, 4)) * total) / total
    np.testing.assert_allclose(pm.sparsity["imp"], expected, rtol=0, atol=0.5 / total)
    # group Lasso: zeros come by whole neurons (incoming column and outgoing row); a neuron zeroed and
    # revived by its bias keeps zeros where its minibatch gradients were 0 since, so count by neuron
    for (W0, W1), sp, kept in zip(pm.weights["group"], pm.sparsity["group"], pm.neurons["group"]):
        dead = ~np.any(W0 != 0, axis=0)
        assert np.all(W1[dead] == 0) and kept == h - dead.sum()
        in_dead = (h - kept) * (d + k)
        assert sp * total >= in_dead and (kept == h or in_dead >= 0.8 * sp * total)
    # hard-concrete test gates: exactly 0 iff σ(log α)(ζ − γ) + γ ≤ 0, i.e. log α ≤ log(−γ/ζ)
    edge = np.log(0.1 / 1.1)
    gates = lab.hard_concrete_gates(np.array([edge - 1e-9, edge + 1e-6, 0.0, 10.0]))
    assert gates[0] == 0 and 0 < gates[1] < 1e-5 and gates[2] == pytest.approx(0.5 * 1.2 - 0.1) and gates[3] == 1


def test_pruning_methods_behaviour(pm):
    for m in ("l1", "group", "l0"):
        assert np.all(np.diff(pm.sparsity[m]) > 0), m            # a larger λ prunes more
    assert pm.sparsity["l1"][-1] > 0.3                           # exact zeros by the prox
    assert pm.test_accuracy["imp"][0] > pm.dense_accuracy - 0.03  # a 50 % ticket matches the dense net
    assert "iterative magnitude pruning" in pm.summary()


# ---- Kumar's deep experiments on CNNs ----------------------------------------------------------

def test_cnn_loss_matches_a_numpy_forward():
    from nonsmooth.lab.cnn import cnn_loss, init_cnn

    rng = np.random.default_rng(0)
    X, Y = rng.normal(size=(5, 1, 6, 6)), np.eye(3)[rng.integers(0, 3, 5)]
    p = init_cnn(2, 1, 4, 3, True, seed=1)
    p["s0"] = rng.normal(size=4)

    def conv(h, K, b):                      # 3×3, padding 1, by explicit loops over the window
        hp = np.pad(h, ((0, 0), (0, 0), (1, 1), (1, 1)))
        out = np.zeros((h.shape[0], K.shape[0]) + h.shape[2:])
        for u in range(3):
            for v in range(3):
                out += np.einsum("ncij,fc->nfij", hp[:, :, u:u + h.shape[2], v:v + h.shape[3]], K[:, :, u, v])
        return out + b[None, :, None, None]

    h = X
    for i in range(2):
        h = conv(h, p[f"K{i}"], p[f"b{i}"])
        mu, var = h.mean(axis=(0, 2, 3), keepdims=True), h.var(axis=(0, 2, 3), keepdims=True)
        h = (h - mu) / np.sqrt(var + 1e-5) * p[f"g{i}"][None, :, None, None] + p[f"s{i}"][None, :, None, None]
        h = np.maximum(h, 0)
    logits = h.mean(axis=(2, 3)) @ p["V"] + p["c"]
    z = logits - logits.max(axis=1, keepdims=True)
    expected = np.mean(-(Y * (z - np.log(np.exp(z).sum(axis=1, keepdims=True)))).sum(axis=1))
    assert float(cnn_loss(2, "relu", bn=True)(*p.values(), X, Y)) == pytest.approx(expected, rel=1e-12)


def test_cnn_depth_and_pruning_runs_and_paper_behaviour():
    X, Y = lab.digits_split()[:2]
    images, labels = X[:300].reshape(-1, 8, 8), Y[:300].argmax(axis=1)      # a user's arrays: (N, H, W) + labels
    r = lab.cnn_depth(images, labels, depths=(1, 2), seeds=(0, 1), steps=30, channels=4)
    for cfg in r.configs:
        assert r.loss[cfg].shape == (2, 2) and np.all(np.isfinite(r.loss[cfg]))
        assert np.all(r.loss[cfg] < np.log(10) + 0.05)           # below chance level after training
    assert "± " in r.summary() and "not a reproduction" in r.summary()
    p = lab.cnn_pruning(images, labels, lams=(1e-3, 3e-2), steps=60, channels=4, seeds=(0,))
    for m in ("sgd", "rmsprop", "adam"):
        assert np.all(p.exact_zeros[m] == 0), m                  # gradient methods: no exact zeros (Kumar)
    assert np.all(np.diff(p.exact_zeros["prox_sgd"][:, 0]) > 0) and p.exact_zeros["prox_sgd"][-1, 0] > 0.2
    assert np.isnan(p.test_accuracy["sgd"][0, 0])                # no held-out split for a user's arrays
    rng = np.random.default_rng(0)
    with pytest.raises(ValueError, match="labels"):
        lab.cnn_depth(rng.normal(size=(40, 6, 6)), np.zeros(3), steps=1)
