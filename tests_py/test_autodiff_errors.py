"""Bad input gives clear exceptions (naming the operation, the shapes or the
argument) and never crashes; policies and reports behave as documented."""
import threading

import numpy as np
import pytest

import nonsmooth as ns
from nonsmooth import _native


def test_shape_mismatch_at_trace_time_names_op_and_shapes():
    f = ns.function(lambda a, b: a + b)
    with pytest.raises(ValueError, match=r"add: .*\(3,\) and \(4,\)"):
        f(np.ones(3), np.ones(4))
    g = ns.function(lambda a, b: a @ b)
    with pytest.raises(ValueError, match=r"matmul: .*\(2, 3\) and \(2, 3\)"):
        g(np.ones((2, 3)), np.ones((2, 3)))
    with pytest.raises(ValueError, match="reshape"):
        ns.function(lambda a: a.reshape(5))(np.ones(4))
    with pytest.raises(ValueError, match="max_pool2d"):
        ns.function(lambda a: ns.max_pool2d(a, 3))(np.ones((2, 2)))
    with pytest.raises(ValueError, match="axis"):
        ns.function(lambda a: ns.sum(a, axis=2))(np.ones((2, 2)))
    with pytest.raises(IndexError, match="getitem"):
        ns.function(lambda a: a[5])(np.ones(3))


def test_bad_arguments_are_named():
    @ns.function
    def loss(w, X):
        return ns.sum(X @ w)

    with pytest.raises(ValueError, match="w: contains NaN"):
        loss(np.array([np.nan, 1.0]), np.ones((2, 2)))
    with pytest.raises(ValueError, match="X: contains NaN or infinity"):
        loss(np.ones(2), np.full((2, 2), np.inf))
    with pytest.raises(TypeError, match="w: complex"):
        loss(np.ones(2) * 1j, np.ones((2, 2)))
    with pytest.raises(TypeError, match="X: expected a real numeric array"):
        loss(np.ones(2), np.array([["a", "b"]]))
    with pytest.raises(TypeError, match="X: expected a real numeric array"):
        loss(np.ones(2), np.array([[object(), 1]], dtype=object))
    with pytest.raises(TypeError, match=r"takes 2 positional argument\(s\) \(w, X\), got 1"):
        loss(np.ones(2))
    with pytest.raises(TypeError, match="got 3"):
        loss(np.ones(2), np.ones((2, 2)), np.ones(2))
    assert loss(np.array([1, 2]), np.eye(2, dtype=int)) == 3.0   # integers are converted
    with pytest.raises(ValueError, match="wrt: loss\\(\\) has no argument named 'v'"):
        loss.grad(np.ones(2), np.ones((2, 2)), wrt="v")
    with pytest.raises(ValueError, match="wrt: argument index 2"):
        loss.grad(np.ones(2), np.ones((2, 2)), wrt=2)
    with pytest.raises(ValueError, match="wrt: repeats"):
        loss.grad(np.ones(2), np.ones((2, 2)), wrt=(0, "w"))
    with pytest.raises(ValueError, match="tangent: expected shape"):
        loss.jvp(np.ones(2), np.ones((2, 2)), tangent=np.ones(3))
    with pytest.raises(ValueError, match="cotangent: .*finite|cotangent: contains NaN"):
        loss.vjp(np.ones(2), np.ones((2, 2)), cotangent=np.nan)
    with pytest.raises(ValueError, match="scalar output"):
        ns.function(lambda x: x * 2.0).grad(np.ones(2))
    with pytest.raises(ValueError, match="directions: expected 2 rows"):
        loss.lexicographic_derivative(np.ones(2), np.ones((2, 2)), directions=np.ones((3, 1)))
    with pytest.raises(ValueError, match="nonsingular"):
        loss.lexicographic_jacobian(np.ones(2), np.ones((2, 2)), directions=np.ones((2, 2)))


def test_tracers_refuse_python_control_flow_and_numpy():
    with pytest.raises(TypeError, match="nonsmooth.where"):
        ns.function(lambda x: x if x > 0 else -x)(1.0)
    with pytest.raises(TypeError, match="numpy.arctan is not supported"):
        ns.function(lambda x: np.arctan(x))(1.0)
    with pytest.raises(TypeError, match="cannot convert a traced array"):
        ns.function(lambda x: np.asarray(x))(1.0)
    with pytest.raises(TypeError, match="immutable"):
        def assign(x):
            x[0] = 1.0
            return x
        ns.function(assign)(np.ones(2))
    with pytest.raises(TypeError, match="indices must be constants"):
        ns.function(lambda x: x[x > 0])(np.ones(2))
    with pytest.raises(TypeError, match="expected an array"):
        ns.function(lambda x: "text")(1.0)


def test_primitive_parameters_are_checked():
    with pytest.raises(ValueError, match="threshold: must be non-negative"):
        ns.soft_threshold(np.ones(2), -1.0)
    with pytest.raises(ValueError, match="delta"):
        ns.huber(np.ones(2), 0.0)
    with pytest.raises(ValueError, match="clip: needs a_min <= a_max"):
        ns.clip(np.ones(2), 1.0, 0.0)
    with pytest.raises(ValueError, match="window: must be positive"):
        ns.max_pool1d(np.ones(4), 0)
    with pytest.raises(TypeError, match="axis"):
        ns.sort(np.ones(3), axis=0.5)
    with pytest.raises(ValueError, match="x: contains NaN"):
        ns.relu(np.array([np.nan]))


def test_policy_validation():
    with pytest.raises(ValueError, match="relu_at_zero"):
        ns.Kinks(relu_at_zero=1.5)
    with pytest.raises(ValueError, match="abs_at_zero"):
        ns.Kinks(abs_at_zero=-2)
    with pytest.raises(ValueError, match="norm2_at_zero"):
        ns.Kinks(norm2_at_zero=np.nan)
    with pytest.raises(ValueError, match="ties"):
        ns.Kinks(ties="first")
    with pytest.raises(TypeError, match="strict"):
        ns.Kinks(strict=1)
    with pytest.raises(TypeError, match="policy"):
        ns.function(ns.relu).grad(0.0, policy={"relu_at_zero": 1})
    with pytest.raises(AttributeError):
        ns.Kinks().strict = True
    assert ns.Kinks(ties="split") == ns.Kinks(ties="split") and ns.Kinks() != ns.Kinks(strict=True)
    assert "ties='split'" in repr(ns.Kinks(ties="split"))
    assert issubclass(ns.KinkError, ValueError)


def test_native_layer_rejects_bad_handles_and_ids():
    g = _native.graph_create()
    x, _ = _native.graph_input(g, (3,))
    with pytest.raises(ValueError, match="not a value of this graph"):
        _native.graph_op(g, "relu", [x + 7], [], [])
    with pytest.raises(ValueError, match="unknown operation 'frobnicate'"):
        _native.graph_op(g, "frobnicate", [x], [], [])
    with pytest.raises(ValueError, match="takes 1 float attribute"):
        _native.graph_op(g, "leaky_relu", [x], [], [])
    with pytest.raises(ValueError, match="out of bounds"):
        _native.graph_gather(g, x, np.array([0, 3]), (2,), "getitem")
    with pytest.raises(ValueError, match="2\\^31"):
        _native.graph_input(g, (2**40, 2**40))
    with pytest.raises(ValueError, match="dimensions must be non-negative"):
        _native.graph_input(g, (-2,))
    with pytest.raises(ValueError, match="2\\^31"):
        a, _ = _native.graph_input(g, (100000, 1))
        b, _ = _native.graph_input(g, (1, 100000))
        _native.graph_op(g, "add", [a, b], [], [])
    y, _ = _native.graph_op(g, "relu", [x], [], [])
    program, ins, outs = _native.program_create(g, [y])
    assert outs == [(3,)]
    out = np.empty(3)
    with pytest.raises(ValueError, match="inputs: entry 0 has 2 values"):
        _native.program_evaluate(program, None, 0, [np.ones(2), np.ones((100000, 1)), np.ones((1, 100000))], [out])
    with pytest.raises(ValueError, match="takes 3 arguments"):
        _native.program_evaluate(program, None, 0, [np.ones(3)], [out])
    with pytest.raises(ValueError, match="ties"):
        _native.program_evaluate(program, (0.0, 0.0, 0.0, 5, 0), 0, [np.ones(3), np.ones((100000, 1)),
                                                                 np.ones((1, 100000))], [out])
    with pytest.raises(TypeError, match="writeable C-contiguous"):
        _native.program_evaluate(program, None, 0, [np.ones(3)], [np.empty(6)[::2]])
    with pytest.raises(TypeError, match="program handle"):
        _native.program_evaluate(g, None, 0, [], [])


def test_concurrent_evaluation_from_threads():
    rng = np.random.default_rng(0)
    A = rng.normal(size=(200, 50))

    @ns.function
    def f(w):
        return ns.sum(ns.relu(A @ w) ** 2)

    ws = [rng.normal(size=50) for _ in range(8)]
    expected = [2 * A.T @ np.maximum(A @ w, 0) for w in ws]
    results = [None] * len(ws)
    errors = []

    def work(i):
        try:
            for _ in range(20):
                results[i] = f.grad(ws[i])
        except Exception as exc:  # pragma: no cover
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(len(ws))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    for r, e in zip(results, expected):
        np.testing.assert_allclose(r, e, rtol=1e-12)


def test_empty_arrays():
    f = ns.function(lambda x: ns.sum(x) + 1.0)
    assert f(np.zeros(0)) == 1.0
    np.testing.assert_array_equal(f.grad(np.zeros(0)), np.zeros(0))
