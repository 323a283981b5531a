"""nonsmooth.train: bad input names its argument, Ctrl-C stops a run at once,
the interpreter lock is released, and the optimizers reject bad hyperparameters."""
import _thread
import threading
import time

import numpy as np
import pytest

import nonsmooth as ns
from nonsmooth.optim import SGD, AdaGrad, Adam, Momentum, RMSProp, constant, cosine, diminishing, step_decay


@ns.function
def lsq(w, X, y):
    return 0.5 * ns.mean((X @ w - y) ** 2)


@ns.function
def mlp(W1, W2, X, y):
    return ns.mean((ns.relu(X @ W1) @ W2 - y) ** 2)


def _data(n=30, p=4):
    rng = np.random.default_rng(0)
    return rng.normal(size=(n, p)), rng.normal(size=n)


def test_errors_name_the_argument():
    X, y = _data()
    w = np.zeros(4)
    with pytest.raises(ValueError, match="params: lsq\\(\\) has no argument named 'v'"):
        ns.train(lsq, {"v": w}, {"X": X, "y": y})
    with pytest.raises(ValueError, match="data\\['y'\\]: has 29 rows, data\\['X'\\] has 30"):
        ns.train(lsq, {"w": w}, {"X": X, "y": y[:-1]})
    with pytest.raises(ValueError, match="batch_size: 31 exceeds the 30 rows"):
        ns.train(lsq, w, (X, y), batch_size=31)
    ns.train(lsq, w, (X, y), batch_size=31, replacement=True, steps=2)  # fine with replacement
    bad = X.copy()
    bad[3, 1] = np.nan
    with pytest.raises(ValueError, match="data\\['X'\\]: contains NaN"):
        ns.train(lsq, w, (bad, y))
    with pytest.raises(ValueError, match="params\\['w'\\]: contains NaN"):
        ns.train(lsq, np.full(4, np.inf), (X, y))
    with pytest.raises(ValueError, match="argument 'y' is not given"):
        ns.train(lsq, w, {"X": X})
    with pytest.raises(ValueError, match="already given in params"):
        ns.train(lsq, {"w": w}, {"w": X})
    with pytest.raises(ValueError, match="data: 3 arrays given"):
        ns.train(lsq, w, (X, y, y))
    with pytest.raises(ValueError, match="prox: 'X' is not a parameter"):
        ns.train(lsq, w, (X, y), prox={"X": ns.prox.L1(0.1)})
    with pytest.raises(TypeError, match="prox\\['w'\\]"):
        ns.train(lsq, w, (X, y), prox={"w": 0.1})
    with pytest.raises(ValueError, match="weights"):  # the operator's own validation, through the ABI
        ns.train(lsq, w, (X, y), prox={"w": ns.prox.L1(0.1, weights=np.ones(3))})
    with pytest.raises(ValueError, match="prox\\['w'\\]: Nuclear acts on matrices"):
        ns.train(lsq, w, (X, y), prox={"w": ns.prox.Nuclear(1.0)})
    with pytest.raises(ValueError, match="averaging"):
        ns.train(lsq, w, (X, y), averaging="polyak")
    with pytest.raises(ValueError, match="steps"):
        ns.train(lsq, w, (X, y), steps=-1)
    with pytest.raises(TypeError, match="steps"):
        ns.train(lsq, w, (X, y), steps=1.5)
    with pytest.raises(ValueError, match="record_every"):
        ns.train(lsq, w, (X, y), record_every=0)
    with pytest.raises(ValueError, match="batch_size"):
        ns.train(lsq, w, (X, y), batch_size=0)
    with pytest.raises(ValueError, match="seed"):
        ns.train(lsq, w, (X, y), seed=-1)
    with pytest.raises(ValueError, match="threshold"):
        ns.train(lsq, w, (X, y), threshold=-1.0)
    with pytest.raises(TypeError, match="loss: expected a function decorated"):
        ns.train(lambda w: w, w)
    with pytest.raises(TypeError, match="optimizer"):
        ns.train(lsq, w, (X, y), optimizer="adam")
    with pytest.raises(TypeError, match="callback"):
        ns.train(lsq, w, (X, y), callback=3)
    with pytest.raises(ValueError, match="data\\['y'\\]: must have at least one dimension"):
        ns.train(lsq, w, {"X": X, "y": 1.0})
    with pytest.raises(ValueError, match="params: at least one parameter"):
        ns.train(lsq, {}, {"w": w, "X": X, "y": y})
    with pytest.raises(ValueError, match="shape"):  # a parameter of the wrong shape fails at trace time
        ns.train(lsq, np.zeros(5), (X, y))

    @ns.function
    def vector_loss(w, X, y):
        return X @ w - y

    with pytest.raises(ValueError, match="train: needs a scalar output"):
        ns.train(vector_loss, w, (X, y))

    @ns.function
    def no_data(w):
        return ns.sum(w ** 2)

    with pytest.raises(ValueError, match="batch_size: no_data\\(\\) has no data"):
        ns.train(no_data, w, batch_size=4)


def test_optimizer_and_schedule_errors():
    for make, match in [(lambda: SGD(0.0), "lr"), (lambda: SGD(-1), "lr"), (lambda: SGD(np.nan), "lr"),
                        (lambda: Momentum(0.1, momentum=1.0), "momentum"), (lambda: Adam(0.1, beta1=1.0), "beta1"),
                        (lambda: Adam(0.1, beta2=-0.1), "beta2"), (lambda: Adam(0.1, eps=-1.0), "eps"),
                        (lambda: RMSProp(0.1, rho=1.5), "rho"), (lambda: AdaGrad(0.1, eps=np.inf), "eps"),
                        (lambda: diminishing(1.0, b=0.0), "b"), (lambda: diminishing(1.0, power=-1), "power"),
                        (lambda: step_decay(1.0, 1.5, 10), "factor"), (lambda: cosine(1.0, 2.0, 10), "minimum"),
                        (lambda: constant(0.0), "lr")]:
        with pytest.raises(ValueError, match=match):
            make()
    with pytest.raises(TypeError, match="every"):
        step_decay(1.0, 0.5, 2.5)
    with pytest.raises(TypeError, match="nesterov"):
        Momentum(0.1, nesterov="yes")
    opt = SGD(0.1)
    with pytest.raises(TypeError, match="params: must be a writeable C-contiguous float64"):
        opt.step(np.zeros(3, dtype=np.float32), np.zeros(3))
    with pytest.raises(TypeError, match="params"):
        opt.step(np.zeros(6)[::2], np.zeros(3))
    with pytest.raises(ValueError, match="grads: has shape"):
        opt.step(np.zeros(3), np.zeros(4))
    with pytest.raises(ValueError, match="grads: contains NaN"):
        opt.step(np.zeros(3), np.array([0.0, np.nan, 0.0]))
    with pytest.raises(ValueError, match="grads: expected a dict"):
        opt.step({"a": np.zeros(2)}, {"b": np.zeros(2)})
    frozen = np.zeros(3)
    frozen.flags.writeable = False
    with pytest.raises(TypeError, match="params"):
        opt.step(frozen, np.zeros(3))
    assert opt.steps == 0  # failed steps do not count
    assert repr(Adam(0.1)) == "Adam(0.1, beta1=0.9, beta2=0.999, eps=1e-08)"
    assert repr(Momentum(diminishing(1.0), 0.5, nesterov=True)).startswith("Momentum(diminishing(a=1.0")


def test_native_entry_points_reject_bad_handles_and_sizes():
    from nonsmooth import _native

    with pytest.raises(ValueError, match="unknown kind"):
        _native.optimizer_create("lbfgs", ())
    with pytest.raises(ValueError, match="hyperparameters"):
        _native.optimizer_create("adam", (0.9,))
    with pytest.raises(ValueError, match="unknown kind"):
        _native.learning_rate("linear", (1.0,), 0)
    with pytest.raises(ValueError, match="step"):
        _native.learning_rate("constant", (1.0,), -1)
    with pytest.raises(TypeError, match="optimizer"):
        _native.optimizer_step(object(), np.zeros(2), np.zeros(2), 0.1)
    handle = _native.optimizer_create("sgd", ())
    with pytest.raises(ValueError, match="rate"):
        _native.optimizer_step(handle, np.zeros(2), np.zeros(2), -0.1)


def _long_run():
    rng = np.random.default_rng(1)
    X, y = rng.normal(size=(2000, 64)), rng.normal(size=2000)
    params = {"W1": 0.1 * rng.normal(size=(64, 64)), "W2": 0.1 * rng.normal(size=64)}
    return params, {"X": X, "y": y}


def test_ctrl_c_stops_a_long_run_within_a_tenth_of_a_second_with_the_state_reached():
    params, data = _long_run()
    sent = []

    def interrupt():
        sent.append(time.perf_counter())
        _thread.interrupt_main()

    timer = threading.Timer(0.3, interrupt)
    timer.start()
    with pytest.raises(KeyboardInterrupt) as info:
        ns.train(mlp, params, data, optimizer=Adam(1e-4), steps=10**9, batch_size=32, record_every=10**6)
    latency = time.perf_counter() - sent[0]
    timer.cancel()
    assert latency < 0.1
    result = info.value.result
    assert result.stop == "cancelled" and 0 < result.steps < 10**9
    assert result.history.step[-1] == result.steps
    assert all(np.isfinite(v).all() for v in result.params.values())
    assert not np.array_equal(result.params["W1"], params["W1"])


def test_an_exception_in_the_callback_propagates_with_the_state():
    params, data = _long_run()

    def callback(step, loss):
        raise RuntimeError("stop here")

    with pytest.raises(RuntimeError, match="stop here") as info:
        ns.train(mlp, params, data, optimizer=SGD(1e-3), steps=1000, batch_size=8, record_every=10,
                 callback=callback)
    assert info.value.result.steps == 10 and info.value.result.stop == "cancelled"


def test_training_releases_the_gil():
    # Pure Python in the main thread runs only while the worker's native loop lets the GIL go.
    params, data = _long_run()
    results = []
    worker = threading.Thread(target=lambda: results.append(
        ns.train(mlp, params, data, optimizer=Adam(1e-3), steps=3000, batch_size=64, record_every=1000)))
    worker.start()
    spins = 0
    while worker.is_alive():
        spins += 1
    worker.join()
    assert results[0].time > 0.05 and spins > 10_000
