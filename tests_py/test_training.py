"""nonsmooth.train and nonsmooth.optim: textbook updates, equality with Python
loops, seeded minibatches, proximal steps, averaging, history and kinks."""
import math

import numpy as np
import pytest

import nonsmooth as ns
from nonsmooth.optim import (SGD, AdaGrad, Adam, Momentum, Nesterov, RMSProp, constant, cosine, diminishing,
                             step_decay)

GRADS = [np.array([0.5, -1.0, 2.0]), np.array([0.1, 0.3, -0.7]), np.array([-2.0, 0.4, 0.0]),
         np.array([1e-3, -5.0, 0.25])]


def _textbook(name, w, grads, lr, **h):
    """The published update rules, written out in NumPy, one iterate per step."""
    w = w.copy()
    state = {"v": np.zeros_like(w), "m": np.zeros_like(w), "s": np.zeros_like(w)}
    out = []
    for t, g in enumerate(grads, start=1):
        a = lr(t - 1)
        if name == "sgd":                                  # w ← w − α g
            w = w - a * g
        elif name in ("momentum", "nesterov"):             # Sutskever et al. 2013 / PyTorch
            state["v"] = h["momentum"] * state["v"] + g
            w = w - a * (g + h["momentum"] * state["v"] if name == "nesterov" else state["v"])
        elif name == "adagrad":                            # Duchi, Hazan & Singer 2011
            state["s"] = state["s"] + g * g
            w = w - a * g / (np.sqrt(state["s"]) + h["eps"])
        elif name == "rmsprop":                            # Tieleman & Hinton 2012
            state["s"] = h["rho"] * state["s"] + (1 - h["rho"]) * g * g
            w = w - a * g / (np.sqrt(state["s"]) + h["eps"])
        elif name == "adam":                               # Kingma & Ba 2015, Algorithm 1
            state["m"] = h["beta1"] * state["m"] + (1 - h["beta1"]) * g
            state["s"] = h["beta2"] * state["s"] + (1 - h["beta2"]) * g * g
            mhat = state["m"] / (1 - h["beta1"] ** t)
            vhat = state["s"] / (1 - h["beta2"] ** t)
            w = w - a * mhat / (np.sqrt(vhat) + h["eps"])
        out.append(w)
    return out


CASES = [
    ("sgd", lambda lr: SGD(lr), {}),
    ("momentum", lambda lr: Momentum(lr, momentum=0.8), {"momentum": 0.8}),
    ("nesterov", lambda lr: Nesterov(lr, momentum=0.7), {"momentum": 0.7}),
    ("nesterov", lambda lr: Momentum(lr, momentum=0.7, nesterov=True), {"momentum": 0.7}),
    ("adagrad", lambda lr: AdaGrad(lr, eps=1e-10), {"eps": 1e-10}),
    ("rmsprop", lambda lr: RMSProp(lr, rho=0.7, eps=1e-8), {"rho": 0.7, "eps": 1e-8}),
    ("adam", lambda lr: Adam(lr, beta1=0.8, beta2=0.9, eps=1e-8), {"beta1": 0.8, "beta2": 0.9, "eps": 1e-8}),
]
SCHEDULES = [constant(0.1), diminishing(0.3, b=2.0, power=0.75), step_decay(0.2, 0.5, 2), cosine(0.1, 0.01, 3)]


@pytest.mark.parametrize("name,make,h", CASES)
@pytest.mark.parametrize("schedule", SCHEDULES, ids=repr)
def test_step_matches_the_textbook_update(name, make, h, schedule):
    opt = make(schedule)
    w = np.array([1.0, 2.0, 3.0])
    expected = _textbook(name, w, GRADS, schedule, **h)
    for g, ref in zip(GRADS, expected):
        opt.step(w, g)
        np.testing.assert_allclose(w, ref, rtol=1e-15, atol=1e-15)
    # reset() starts again from a fresh state and step counter
    opt.reset()
    w = np.array([1.0, 2.0, 3.0])
    opt.step(w, GRADS[0])
    np.testing.assert_allclose(w, expected[0], rtol=1e-15, atol=1e-15)


def test_schedules_are_their_formulas():
    assert diminishing(2.0)(3) == 2.0 / 4.0
    assert diminishing(1.0, b=10, power=0.5)(6) == 1.0 / math.sqrt(16)
    assert step_decay(1.0, 0.5, 10)(25) == 0.25
    c = cosine(1.0, 0.1, 10)
    assert c(0) == 1.0 and c(10) == 0.1 and c(12) == 0.1
    assert c(5) == pytest.approx(0.55, abs=1e-15)
    assert constant(0.3)(10**6) == 0.3
    assert repr(diminishing(2.0, 1.0, 0.5)) == "diminishing(a=2.0, b=1.0, power=0.5)"


def test_step_on_dicts_and_lists_keeps_one_state_per_array():
    opt, ref = Adam(0.1), Adam(0.1)
    params = {"a": np.ones(2), "b": np.ones((2, 2))}
    a, b = np.ones(2), np.ones((2, 2))
    ref_b = Adam(0.1)
    for k in range(3):
        ga, gb = np.full(2, k - 1.0), np.arange(4.0).reshape(2, 2) - k
        opt.step(params, {"a": ga, "b": gb})
        ref.step(a, ga)
        ref_b.step(b, gb)
    np.testing.assert_array_equal(params["a"], a)
    np.testing.assert_array_equal(params["b"], b)


@ns.function
def lsq(w, X, y):
    return 0.5 * ns.mean((X @ w - y) ** 2)


@ns.function
def two_layer(W, v, X, y):
    return ns.mean((ns.relu(X @ W) @ v - y) ** 2)


def _data(n=40, p=5, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, p))
    y = X @ rng.normal(size=p) + 0.1 * rng.normal(size=n)
    return X, y


@pytest.mark.parametrize("make", [lambda: SGD(0.05), lambda: Momentum(diminishing(0.05, 1, 0.5), 0.9),
                                  lambda: Nesterov(0.02), lambda: AdaGrad(0.1), lambda: RMSProp(cosine(0.01, 0, 30)),
                                  lambda: Adam(0.01)])
def test_full_batch_train_equals_a_python_loop_of_step(make):
    X, y = _data()
    rng = np.random.default_rng(1)
    W0, v0 = rng.normal(size=(5, 4)), rng.normal(size=4)
    res = ns.train(two_layer, {"W": W0, "v": v0}, {"X": X, "y": y}, optimizer=make(), steps=30, record_every=7)
    opt, W, v = make(), W0.copy(), v0.copy()
    for _ in range(30):
        gW, gv = two_layer.grad(W, v, X, y, wrt=("W", "v"))
        opt.step([W, v], [gW, gv])
    np.testing.assert_array_equal(res.params["W"], W)
    np.testing.assert_array_equal(res.params["v"], v)
    np.testing.assert_array_equal(W0, np.random.default_rng(1).normal(size=(5, 4)))  # inputs untouched
    assert res.stop == "completed" and res.steps == 30
    np.testing.assert_array_equal(res.history.step, [0, 7, 14, 21, 28, 30])


class SplitMix64:
    """The native sampler's generator, written again in Python (Steele, Lea & Flood 2014)."""
    MASK = 2**64 - 1

    def __init__(self, seed):
        self.state = seed

    def next(self):
        self.state = (self.state + 0x9E3779B97F4A7C15) & self.MASK
        z = self.state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & self.MASK
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & self.MASK
        return z ^ (z >> 31)


def _batches(rows, batch, replacement, seed, count):
    gen, order, position = SplitMix64(seed), list(range(rows)), rows
    for _ in range(count):
        if replacement:
            yield [gen.next() % rows for _ in range(batch)]
            continue
        if batch == rows:
            yield list(range(rows))
            continue
        out = []
        for _ in range(batch):
            if position == rows:
                for j in range(rows - 1, 0, -1):
                    k = gen.next() % (j + 1)
                    order[j], order[k] = order[k], order[j]
                position = 0
            out.append(order[position])
            position += 1
        yield out


@pytest.mark.parametrize("replacement", [False, True])
def test_minibatches_are_the_documented_seeded_sampler(replacement):
    X, y = _data(n=23)
    res = ns.train(lsq, {"w": np.zeros(5)}, {"X": X, "y": y}, optimizer=Momentum(0.05), steps=40, batch_size=5,
                   replacement=replacement, seed=12345, averaging="uniform")
    opt, w, avg = Momentum(0.05), np.zeros(5), np.zeros(5)
    for k, rows in enumerate(_batches(23, 5, replacement, 12345, 40)):
        opt.step(w, lsq.grad(w, X[rows], y[rows]))
        avg += (w - avg) / (k + 1)
    np.testing.assert_array_equal(res.params["w"], w)
    np.testing.assert_allclose(res.averaged_params["w"], avg, rtol=1e-13)
    again = ns.train(lsq, {"w": np.zeros(5)}, {"X": X, "y": y}, optimizer=Momentum(0.05), steps=40, batch_size=5,
                     replacement=replacement, seed=12345)
    np.testing.assert_array_equal(again.params["w"], w)
    other = ns.train(lsq, {"w": np.zeros(5)}, {"X": X, "y": y}, optimizer=Momentum(0.05), steps=40, batch_size=5,
                     replacement=replacement, seed=12346)
    assert not np.array_equal(other.params["w"], w)


def test_seeded_runs_agree_across_parallel_threads():
    from concurrent.futures import ThreadPoolExecutor

    X, y = _data(n=300, p=20)
    W0, v0 = np.random.default_rng(2).normal(size=(20, 16)), np.zeros(16)

    def run(seed):
        return ns.train(two_layer, {"W": W0, "v": v0}, {"X": X, "y": y}, optimizer=Adam(1e-2), steps=3000,
                        batch_size=16, seed=seed).params

    sequential = [run(s) for s in (7, 8)]
    with ThreadPoolExecutor(4) as pool:
        parallel = list(pool.map(run, [7, 8, 7, 8]))
    for k, got in enumerate(parallel):
        np.testing.assert_array_equal(got["W"], sequential[k % 2]["W"])
        np.testing.assert_array_equal(got["v"], sequential[k % 2]["v"])


def test_batch_of_all_rows_is_the_deterministic_method():
    X, y = _data()
    full = ns.train(lsq, {"w": np.zeros(5)}, (X, y), optimizer=SGD(0.1), steps=25)
    batch = ns.train(lsq, np.zeros(5), (X, y), optimizer=SGD(0.1), steps=25, batch_size=40, seed=99)
    w = np.zeros(5)
    for _ in range(25):
        w = w - 0.1 * lsq.grad(w, X, y)
    np.testing.assert_array_equal(full.params["w"], w)
    np.testing.assert_array_equal(batch.params["w"], w)


def test_proximal_sgd_gives_exact_zeros_where_sgd_on_the_penalty_does_not():
    rng = np.random.default_rng(3)
    X = rng.normal(size=(100, 10))
    y = X[:, :3] @ np.array([2.0, -1.0, 0.5]) + 0.05 * rng.normal(size=100)
    lam = 0.1

    @ns.function
    def penalized(w, X, y):
        return 0.5 * ns.mean((X @ w - y) ** 2) + lam * ns.norm1(w)

    common = dict(steps=3000, batch_size=10, seed=4, record_every=500)
    sgd = ns.train(penalized, np.zeros(10), (X, y), optimizer=SGD(0.02), **common)
    prox = ns.train(lsq, np.zeros(10), (X, y), optimizer=SGD(0.02), prox={"w": ns.prox.L1(lam)}, **common)
    assert np.count_nonzero(sgd.params["w"] == 0) == 0
    assert np.count_nonzero(prox.params["w"] == 0) >= 5
    assert np.all(prox.params["w"][:3] != 0)
    assert prox.history.small_fraction[-1] == np.mean(np.abs(prox.params["w"]) < 1e-5)
    # The proximal step is the operator's own prox: a Python loop with op.prox agrees exactly.
    opt, w, op = SGD(0.02), np.zeros(10), ns.prox.L1(lam)
    for rows in _batches(100, 10, False, 4, 3000):
        opt.step(w, lsq.grad(w, X[rows], y[rows]))
        w = np.ascontiguousarray(op.prox(w, 0.02))
    np.testing.assert_array_equal(prox.params["w"], w)
    # Proximal Adam gives exact zeros too (fewer: its steps are not scaled like the prox's).
    adam = ns.train(lsq, np.zeros(10), (X, y), optimizer=Adam(0.01), prox={"w": ns.prox.L1(lam)}, **common)
    assert np.count_nonzero(adam.params["w"] == 0) >= 1


def test_step_weighted_averaging_is_nemirovskis_average():
    X, y = _data()

    @ns.function
    def l1_regression(w, X, y):
        return ns.mean(ns.abs(X @ w - y))

    schedule = diminishing(0.5, b=1.0, power=0.5)
    res = ns.train(l1_regression, np.zeros(5), (X, y), optimizer=SGD(schedule), steps=200,
                   averaging="step_weighted")
    w, num, den = np.zeros(5), np.zeros(5), 0.0
    for k in range(200):
        num += schedule(k) * w          # the point where the subgradient is taken, weighted by its step
        den += schedule(k)
        w = w - schedule(k) * l1_regression.grad(w, X, y)
    np.testing.assert_array_equal(res.params["w"], w)
    np.testing.assert_allclose(res.averaged_params["w"], num / den, rtol=1e-12)
    assert l1_regression(res.averaged_params["w"], X, y) < l1_regression(np.zeros(5), X, y)


def test_history_cadence_full_loss_and_kink_counts():
    X, y = _data()
    lam = 0.05

    @ns.function
    def lasso(w, X, y):
        return 0.5 * ns.mean((X @ w - y) ** 2) + lam * ns.norm1(w)

    res = ns.train(lasso, np.zeros(5), (X, y), optimizer=SGD(0.01), steps=250, record_every=100, batch_size=8,
                   full_loss=True, threshold=1e-3)
    h = res.history
    np.testing.assert_array_equal(h.step, [0, 100, 200, 250])
    assert h.step.dtype == np.int64 and h.kinks.dtype == np.int64
    assert math.isnan(h.loss[0]) and np.all(np.isfinite(h.loss[1:]))
    assert h.full_loss[0] == pytest.approx(lasso(np.zeros(5), X, y), rel=1e-14)
    assert h.full_loss[-1] == pytest.approx(lasso(res.params["w"], X, y), rel=1e-14)
    assert h.l1_norm[-1] == pytest.approx(np.abs(res.params["w"]).sum(), rel=1e-14)
    assert h.max_norm[-1] == pytest.approx(np.abs(res.params["w"]).max(), rel=1e-14)
    assert h.small_fraction[0] == 1.0
    np.testing.assert_array_equal(h.learning_rate, [0.01] * 4)
    assert np.all(np.diff(h.time) >= 0)
    # β = 0 at the first step: norm1 meets its kink at all 5 entries, then never again.
    assert res.kinks == {"norm1": 5}
    np.testing.assert_array_equal(h.kinks, [0, 5, 0, 0])
    assert set(h) == {"step", "loss", "full_loss", "l1_norm", "max_norm", "small_fraction", "kinks",
                      "learning_rate", "time"}
    assert dict(h)["loss"] is h.loss
    pd = pytest.importorskip("pandas")
    frame = h.to_pandas()
    assert isinstance(frame, pd.DataFrame) and list(frame.index) == [0, 100, 200, 250]
    text = repr(res)
    assert "stop='completed'" in text and "steps=250" in text and "norm1=5" in text


def test_kink_policy_is_used_in_the_loop():
    X, y = _data()

    @ns.function
    def abs_loss(w, X, y):
        return ns.mean(ns.abs(X @ w - y)) + ns.sum(ns.abs(w))

    a = ns.train(abs_loss, np.zeros(5), (X, y), optimizer=SGD(0.01), steps=1,
                 policy=ns.Kinks(abs_at_zero=0.0))
    b = ns.train(abs_loss, np.zeros(5), (X, y), optimizer=SGD(0.01), steps=1,
                 policy=ns.Kinks(abs_at_zero=1.0))
    assert a.kinks == b.kinks == {"abs": 5}
    np.testing.assert_allclose(b.params["w"] - a.params["w"], -0.01 * np.ones(5), rtol=1e-12)
    with pytest.raises(ns.KinkError):
        ns.train(abs_loss, np.zeros(5), (X, y), optimizer=SGD(0.01), steps=1, policy=ns.Kinks(strict=True))


def test_callback_stops_with_the_state_reached_and_progress_prints(capsys):
    X, y = _data()
    seen = []

    def callback(step, loss):
        seen.append((step, loss))
        return step < 300

    res = ns.train(lsq, np.zeros(5), (X, y), optimizer=SGD(0.01), steps=10_000, callback=callback,
                   progress=True)
    assert res.stop == "cancelled" and res.steps == 300
    assert [s for s, _ in seen] == [100, 200, 300]
    assert seen[-1][1] == res.history.loss[-1]
    w = np.zeros(5)
    for _ in range(300):
        w = w - 0.01 * lsq.grad(w, X, y)
    np.testing.assert_array_equal(res.params["w"], w)
    err = capsys.readouterr().err
    assert "300/10000" in err and err.count("\n") == 1  # one progress line, rewritten in place


def test_divergence_warns_and_stops():
    X, y = _data()
    with pytest.warns(ns.DivergenceWarning, match="diverged"):
        res = ns.train(lsq, np.zeros(5), (X, y), optimizer=SGD(1e3), steps=10_000)
    assert res.stop == "diverged" and res.steps < 10_000
    assert res.history.step[-1] == res.steps


def test_fixed_arguments_and_no_data():
    @ns.function
    def quadratic(w, c):
        return ns.sum((w - c) ** 2)

    c = np.array([1.0, -2.0])
    res = ns.train(quadratic, {"w": np.zeros(2)}, fixed={"c": c}, optimizer=SGD(0.25), steps=5)
    np.testing.assert_allclose(res.params["w"], c * (1 - 0.5 ** 5), rtol=1e-15)
    res = ns.train(quadratic, np.zeros(2), None, fixed=c, optimizer=Nesterov(0.1), steps=200)
    np.testing.assert_allclose(res.params["w"], c, atol=1e-8)


def test_matrix_prox_on_a_matrix_parameter():
    rng = np.random.default_rng(5)
    M = rng.normal(size=(6, 2)) @ rng.normal(size=(2, 5)) + 0.01 * rng.normal(size=(6, 5))

    @ns.function
    def fit(W, M):
        return 0.5 * ns.sum((W - M) ** 2)

    res = ns.train(fit, np.zeros((6, 5)), fixed=M, optimizer=SGD(0.5), prox={"W": ns.prox.Nuclear(1.0)}, steps=50)
    assert np.linalg.matrix_rank(res.params["W"], tol=1e-8) == 2
    np.testing.assert_allclose(res.params["W"], ns.prox.nuclear(M, 1.0), atol=1e-10)
