"""Property-based tests of ``nonsmooth.optim`` (optimizers' ``step``/``reset``,
schedules) and ``nonsmooth.train``.

- valid input: every optimizer's native step is the documented update written
  here in NumPy; schedules are their formulas; a full-batch ``train`` is a
  Python loop of ``opt.step`` on the traced gradient, and proximal SGD with
  ``L1`` is soft thresholding after each step;
- invalid input raises ValueError/TypeError naming the argument;
- a run that leaves the finite numbers says so (DivergenceWarning), never
  returns NaN silently.
"""
import math

import numpy as np
import pytest
from hypothesis import given, strategies as st

import nonsmooth as ns
from nonsmooth import optim
from properties_common import FEW, NON_FINITE, SETTINGS, finite_arrays, no_silent_nan, poisoned, raises_naming

RATES = st.floats(1e-4, 1.0)
FRACTIONS = st.floats(0.0, 0.99)


def reference_steps(kind, h, w, grads, lr):
    """The documented update rules (see the optimizers' docstrings), in NumPy."""
    w = w.copy()
    m = np.zeros_like(w)
    v = np.zeros_like(w)
    for t, g in enumerate(grads, start=1):
        if kind == "sgd":
            w -= lr * g
        elif kind in ("momentum", "nesterov"):
            m = h["momentum"] * m + g
            w -= lr * (g + h["momentum"] * m if kind == "nesterov" else m)
        elif kind == "adagrad":
            v += g * g
            w -= lr * g / (np.sqrt(v) + h["eps"])
        elif kind == "rmsprop":
            v = h["rho"] * v + (1 - h["rho"]) * g * g
            w -= lr * g / (np.sqrt(v) + h["eps"])
        else:
            m = h["beta1"] * m + (1 - h["beta1"]) * g
            v = h["beta2"] * v + (1 - h["beta2"]) * g * g
            w -= lr * (m / (1 - h["beta1"] ** t)) / (np.sqrt(v / (1 - h["beta2"] ** t)) + h["eps"])
    return w


@st.composite
def optimizers(draw):
    kind = draw(st.sampled_from(["sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam"]), label="kind")
    lr = draw(RATES, label="lr")
    h = {"momentum": draw(FRACTIONS), "eps": draw(st.sampled_from([1e-10, 1e-8, 1e-3])),
         "rho": draw(st.floats(0.5, 0.999)), "beta1": draw(FRACTIONS), "beta2": draw(st.floats(0.5, 0.9999))}
    make = {"sgd": lambda: ns.SGD(lr), "momentum": lambda: ns.Momentum(lr, h["momentum"]),
            "nesterov": lambda: ns.Nesterov(lr, h["momentum"]), "adagrad": lambda: ns.AdaGrad(lr, h["eps"]),
            "rmsprop": lambda: ns.RMSProp(lr, h["rho"], h["eps"]),
            "adam": lambda: ns.Adam(lr, h["beta1"], h["beta2"], h["eps"])}[kind]
    return kind, h, lr, make


@SETTINGS
@given(opt=optimizers(), data=st.data())
def test_optimizer_steps_are_the_documented_updates(opt, data):
    kind, h, lr, make = opt
    n = data.draw(st.integers(1, 6), label="n")
    w0 = data.draw(finite_arrays((n,), 10.0), label="w0")
    grads = data.draw(st.lists(finite_arrays((n,), 10.0), min_size=1, max_size=5), label="grads")
    optimizer = make()
    w = w0.copy()
    for g in grads:
        optimizer.step(w, g)
    np.testing.assert_allclose(w, reference_steps(kind, h, w0, grads, lr), rtol=1e-12, atol=1e-12)
    optimizer.reset()  # forgets the state: the same steps again give the same answer
    w2 = w0.copy()
    for g in grads:
        optimizer.step(w2, g)
    np.testing.assert_array_equal(w2, w)


@SETTINGS
@given(lr=RATES, k=st.integers(0, 10_000), b=st.floats(0.1, 10), power=st.floats(0, 2),
       factor=st.floats(0.01, 1.0), every=st.integers(1, 50), steps=st.integers(1, 5_000), fraction=st.floats(0, 1))
def test_schedules_are_their_formulas(lr, k, b, power, factor, every, steps, fraction):
    minimum = fraction * lr
    assert optim.constant(lr)(k) == lr
    assert optim.diminishing(lr, b, power)(k) == pytest.approx(lr / (b + k) ** power, rel=1e-12)
    assert optim.step_decay(lr, factor, every)(k) == pytest.approx(lr * factor ** (k // every), rel=1e-12, abs=1e-300)
    want = minimum + (lr - minimum) * (1 + math.cos(math.pi * k / steps)) / 2 if k < steps else minimum
    assert optim.cosine(lr, minimum, steps)(k) == pytest.approx(want, rel=1e-12, abs=1e-15)


@st.composite
def regressions(draw):
    m, n = draw(st.integers(1, 8), label="m"), draw(st.integers(1, 4), label="n")
    return draw(finite_arrays((m, n), 3.0), label="X"), draw(finite_arrays((m,), 3.0), label="y"), \
        draw(finite_arrays((n,), 1.0), label="w0")


LOSS = ns.function(lambda w, X, y: ns.mean(ns.square(X @ w - y)) / 2 + 0.1 * ns.norm1(ns.relu(w)))


@FEW
@given(problem=regressions(), opt=optimizers(), steps=st.integers(1, 20))
def test_full_batch_train_is_a_loop_of_steps(problem, opt, steps):
    """``train`` with batch_size = all rows is the deterministic method: the same as
    calling ``opt.step`` on the traced gradient, bit for bit."""
    X, y, w0 = problem
    kind, h, lr, make = opt
    result = ns.train(LOSS, {"w": w0}, {"X": X, "y": y}, optimizer=make(), steps=steps, record_every=steps)
    optimizer, w = make(), w0.copy()
    for _ in range(steps):
        optimizer.step(w, LOSS.grad(w, X, y))
    np.testing.assert_array_equal(result.params["w"], w)
    assert result.stop == "completed" and result.steps == steps


@FEW
@given(problem=regressions(), lr=st.floats(1e-3, 0.1), lam=st.floats(0.01, 1.0), steps=st.integers(1, 10))
def test_proximal_sgd_is_soft_thresholding_after_each_step(problem, lr, lam, steps):
    X, y, w0 = problem
    result = ns.train(LOSS, {"w": w0}, {"X": X, "y": y}, optimizer=ns.SGD(lr), prox={"w": ns.prox.L1(lam)},
                      steps=steps, record_every=steps)
    w = w0.copy()
    for _ in range(steps):
        v = w - lr * LOSS.grad(w, X, y)
        w = np.sign(v) * np.maximum(np.abs(v) - lr * lam, 0.0)
    np.testing.assert_allclose(result.params["w"], w, rtol=1e-12, atol=1e-14)


# ---- invalid input ------------------------------------------------------------------------------------
@pytest.mark.parametrize("call, name", [
    (lambda: ns.SGD(0.0), "lr"), (lambda: ns.SGD(np.nan), "lr"), (lambda: ns.SGD("fast"), "lr"),
    (lambda: ns.Momentum(0.1, 1.0), "momentum"), (lambda: ns.Momentum(0.1, nesterov="yes"), "nesterov"),
    (lambda: ns.AdaGrad(0.1, eps=-1.0), "eps"), (lambda: ns.RMSProp(0.1, rho=1.0), "rho"),
    (lambda: ns.Adam(0.1, beta1=-0.1), "beta1"), (lambda: ns.Adam(0.1, beta2=np.inf), "beta2"),
    (lambda: ns.Adam(0.1, eps=np.nan), "eps"),
    (lambda: optim.diminishing(0.1, b=0.0), "b"), (lambda: optim.diminishing(0.1, power=-1.0), "power"),
    (lambda: optim.step_decay(0.1, 1.5, 10), "factor"), (lambda: optim.step_decay(0.1, 0.5, 0), "every"),
    (lambda: optim.cosine(0.1, 0.2), "minimum"), (lambda: optim.cosine(0.1, 0.0, 0), "steps"),
    (lambda: ns.SGD(0.1).step(np.zeros(3), np.zeros(2)), "grads"),
    (lambda: ns.SGD(0.1).step(np.zeros(3), [0.0, np.nan, 0.0]), "grads"),
    (lambda: ns.SGD(0.1).step([0.0, 0.0], np.zeros(2)), "params"),
    (lambda: ns.SGD(0.1).step(np.zeros(2, dtype=np.float32), np.zeros(2)), "params"),
    (lambda: ns.SGD(0.1).step({"a": np.zeros(2)}, {"b": np.zeros(2)}), "grads"),
])
def test_optim_rejects_bad_arguments_naming_them(call, name):
    with raises_naming(name):
        call()


X3, Y3 = np.arange(6.0).reshape(3, 2), np.arange(3.0)


@pytest.mark.parametrize("kwargs, name", [
    (dict(steps=-1), "steps"), (dict(steps=2.5), "steps"), (dict(batch_size=4), "batch_size"),
    (dict(batch_size=0), "batch_size"), (dict(record_every=0), "record_every"), (dict(averaging="ema"), "averaging"),
    (dict(optimizer="adam"), "optimizer"), (dict(prox={"v": ns.prox.L1(1.0)}), "prox"),
    (dict(prox={"w": "l1"}), "prox['w']"), (dict(replacement="yes"), "replacement"), (dict(callback=3), "callback"),
    (dict(threshold=np.nan), "threshold"), (dict(seed=-1), "seed"), (dict(policy="relu"), "policy"),
])
def test_train_rejects_bad_arguments_naming_them(kwargs, name):
    with raises_naming(name):
        ns.train(LOSS, {"w": np.zeros(2)}, {"X": X3, "y": Y3}, **kwargs)


@FEW
@given(problem=regressions(), which=st.sampled_from(["w", "X", "y"]), at=st.integers(0, 99),
       bad=st.sampled_from(NON_FINITE))
def test_train_rejects_non_finite_arrays_naming_them(problem, which, at, bad):
    X, y, w0 = problem
    arrays = {"w": w0, "X": X, "y": y}
    arrays[which] = poisoned(arrays[which], at, bad)
    with raises_naming(which, ValueError):
        ns.train(LOSS, {"w": arrays["w"]}, {"X": arrays["X"], "y": arrays["y"]}, steps=2)


@FEW
@given(problem=regressions(), lr=st.sampled_from([1e3, 1e8, 1e300]))
def test_divergence_is_reported_not_silent(problem, lr):
    X, y, w0 = problem
    with no_silent_nan() as check:
        result = ns.train(LOSS, {"w": w0}, {"X": X, "y": y}, optimizer=ns.SGD(lr), steps=200, record_every=50)
        check(result.params["w"], result.history["loss"][1:])  # (the loss of row 0 is NaN by definition)
