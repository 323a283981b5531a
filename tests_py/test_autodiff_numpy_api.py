"""NumPy's functions on traced arrays (NEP 13/18): the same values as NumPy, the
conservative gradients of the matching primitive, and a TypeError naming any
NumPy function without one."""
import numpy as np
import pytest

import nonsmooth as ns

A = np.arange(6.0).reshape(2, 3) - 2.5
X = np.array([-1.0, 2.0, 3.5])

# name, program written with NumPy, the same program with nonsmooth primitives
CASES = [
    ("sum", lambda x: np.sum(x ** 2), lambda x: ns.sum(x ** 2)),
    ("sum axis keepdims", lambda x: np.sum(A * x, axis=1, keepdims=True).sum(),
     lambda x: ns.sum(ns.sum(A * x, axis=1, keepdims=True))),
    ("mean", lambda x: np.mean(np.exp(x)), lambda x: ns.mean(ns.exp(x))),
    ("max", lambda x: np.max(x) - np.amin(x), lambda x: ns.max(x) - ns.min(x)),
    ("norms", lambda x: np.linalg.norm(x, 1) + np.linalg.norm(x) + np.linalg.norm(x, np.inf),
     lambda x: ns.norm1(x) + ns.norm2(x) + ns.norm_inf(x)),
    ("frobenius", lambda x: np.linalg.norm(A * x), lambda x: ns.norm2(A * x)),
    ("ufuncs", lambda x: np.sum(np.abs(x) + np.sqrt(np.square(x) + 1) + np.tanh(x) * np.sign(x) - np.log1p(x * x)),
     lambda x: ns.sum(ns.abs(x) + ns.sqrt(ns.square(x) + 1) + ns.tanh(x) * ns.sign(x) - ns.log1p(x * x))),
    ("maximum", lambda x: np.sum(np.maximum(x, 0.0) + np.minimum(x, 1.0)),
     lambda x: ns.sum(ns.relu(x) + ns.minimum(x, 1.0))),
    ("matmul by a NumPy array", lambda x: np.sum(A @ x) + np.dot(x, x), lambda x: ns.sum(A @ x) + ns.sum(x * x)),
    ("NumPy scalar", lambda x: np.sum(np.float64(2.0) * x), lambda x: 2.0 * ns.sum(x)),
    ("clip", lambda x: np.sum(np.clip(x, -0.5, 2.0)), lambda x: ns.sum(ns.clip(x, -0.5, 2.0))),
    ("where", lambda x: np.sum(np.where(x > 0, x, -2 * x)), lambda x: ns.sum(ns.where(x > 0, x, -2 * x))),
    ("structure", lambda x: np.sum(np.concatenate([np.sort(x), np.ravel(np.expand_dims(x, 0))]) * np.ones_like(
        np.stack([x, x]))[0].repeat(1).sum()), lambda x: 3.0 * (ns.sum(ns.sort(x)) + ns.sum(x))),
    ("reshape transpose", lambda x: np.sum(np.transpose(np.reshape(np.concatenate([x, x]), (2, 3))) @ np.ones(2)),
     lambda x: 2.0 * ns.sum(x)),
]


@pytest.mark.parametrize("name, with_numpy, with_ns", CASES, ids=[c[0] for c in CASES])
def test_numpy_functions_trace_as_the_primitives(name, with_numpy, with_ns):
    f, g = ns.function(with_numpy), ns.function(with_ns)
    np.testing.assert_allclose(f(X), g(X), rtol=1e-14)
    np.testing.assert_allclose(f(X), with_numpy(X), rtol=1e-14)  # NumPy itself on the plain array
    np.testing.assert_allclose(f.grad(X), g.grad(X), rtol=1e-14, atol=1e-15)


def test_numpy_functions_keep_the_kink_rules():
    f = ns.function(lambda x: np.sum(np.maximum(x, 0.0)))
    x = np.array([0.0, 1.0])
    np.testing.assert_array_equal(f.grad(x), [0.0, 1.0])
    np.testing.assert_array_equal(f.grad(x, policy=ns.Kinks(relu_at_zero=1.0)), [1.0, 1.0])
    _, _, kinks = f.value_and_grad(x)
    assert kinks.total == 1


@pytest.mark.parametrize("program, name", [
    (lambda x: np.prod(x), "numpy.prod"),
    (lambda x: np.cumsum(x).sum(), "numpy.cumsum"),
    (lambda x: np.arctan(x).sum(), "numpy.arctan"),
    (lambda x: np.add.reduce(x), "numpy.add.reduce"),
    (lambda x: np.linalg.norm(np.stack([x, x]), 2), "numpy.linalg.norm"),
    (lambda x: np.linalg.det(np.stack([x[:2], x[1:]])), "numpy.linalg.det"),
])
def test_unsupported_numpy_functions_are_named(program, name):
    with pytest.raises(TypeError, match=name.replace(".", r"\.") + ".*not supported"):
        ns.function(program)(X)


def test_numpy_keyword_arguments_without_a_traced_meaning_are_refused():
    with pytest.raises(TypeError, match="numpy.sum.*out="):
        ns.function(lambda x: np.sum(x, out=np.empty(())))(X)
    with pytest.raises(TypeError, match="numpy.sum.*where="):
        ns.function(lambda x: np.sum(x, where=np.array([True, False, True])))(X)
    with pytest.raises(TypeError, match="numpy.exp.*out="):
        ns.function(lambda x: np.exp(x, out=np.empty(3)))(X)
    np.testing.assert_allclose(ns.function(lambda x: np.sum(x, dtype=np.float64))(X), X.sum())
