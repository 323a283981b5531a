"""NaN inside a traced function propagates as in NumPy and is reported.

Arguments are finite (NaN arguments are rejected), so NaN is made inside the
program by log of a negative number; every reduction and comparison-based
primitive then receives it, and its value is compared with NumPy / SciPy on
the same intermediate array.
"""
import numpy as np
import pytest
import scipy.special

import nonsmooth as ns

# log(x) is NaN at the negative entries.
X = np.array([[3.0, -1.0, 2.0, 0.5, -4.0, 1.5], [0.2, 5.0, 1.0, 2.0, 0.3, 7.0]])
X_NAN_ROW0 = np.array([[3.0, -1.0, 2.0, 0.5, 4.0, 1.5], [0.2, 5.0, 1.0, 2.0, 0.3, 7.0]])


def L(x):
    with np.errstate(invalid="ignore"):
        return np.log(x)


def pool1d(a, w):
    return a.reshape(a.shape[0], -1, w).max(axis=-1)


def pool2d(a, w):
    r, c = a.shape
    return a.reshape(r // w, w, c // w, w).max(axis=(1, 3))


CASES = {
    # name: (traced function of z = log(x), NumPy reference of z)
    "max": (lambda z: ns.max(z, axis=-1), lambda z: np.max(z, axis=-1)),
    "min": (lambda z: ns.min(z, axis=-1), lambda z: np.min(z, axis=-1)),
    "max_all": (lambda z: ns.max(z), np.max),
    "amax": (lambda z: ns.amax(z, axis=0), lambda z: np.amax(z, axis=0)),
    "norm1": (lambda z: ns.norm1(z, axis=-1), lambda z: np.sum(np.abs(z), axis=-1)),
    "norm2": (lambda z: ns.norm2(z, axis=-1), lambda z: np.linalg.norm(z, axis=-1)),
    "norm_inf": (lambda z: ns.norm_inf(z, axis=-1), lambda z: np.max(np.abs(z), axis=-1)),
    "logsumexp": (lambda z: ns.logsumexp(z, axis=-1), lambda z: scipy.special.logsumexp(z, axis=-1)),
    "sort": (lambda z: ns.sort(z, axis=-1), lambda z: np.sort(z, axis=-1)),
    "max_pool1d": (lambda z: ns.max_pool1d(z, 2), lambda z: pool1d(z, 2)),
    "max_pool2d": (lambda z: ns.max_pool2d(z, 2), lambda z: pool2d(z, 2)),
    "maximum": (lambda z: ns.maximum(z, 0.5), lambda z: np.maximum(z, 0.5)),
    "maximum_swapped": (lambda z: ns.maximum(0.5, z), lambda z: np.maximum(0.5, z)),
    "minimum": (lambda z: ns.minimum(z, 0.5), lambda z: np.minimum(z, 0.5)),
    "minimum_swapped": (lambda z: ns.minimum(0.5, z), lambda z: np.minimum(0.5, z)),
    "clip": (lambda z: ns.clip(z, -0.5, 0.5), lambda z: np.clip(z, -0.5, 0.5)),
    "relu": (lambda z: ns.relu(z), lambda z: np.maximum(z, 0)),
    "abs": (lambda z: ns.abs(z), np.abs),
    "sign": (lambda z: ns.sign(z), np.sign),
    "leaky_relu": (lambda z: ns.leaky_relu(z, 0.1), lambda z: np.where(z > 0, z, 0.1 * z)),
    "soft_threshold": (lambda z: ns.soft_threshold(z, 0.3),
                       lambda z: np.sign(z) * np.maximum(np.abs(z) - 0.3, 0)),
    "hinge": (lambda z: ns.hinge(z), lambda z: np.maximum(0, 1 - z)),
    "less": (lambda z: ns.less(z, 0.5), lambda z: np.less(z, 0.5).astype(float)),
    "not_equal": (lambda z: ns.not_equal(z, 0.5), lambda z: np.not_equal(z, 0.5).astype(float)),
    "softmax_cross_entropy": (lambda z: ns.softmax_cross_entropy(z, np.full(z.shape, 1 / 6)),
                              lambda z: -np.sum(np.full(z.shape, 1 / 6) * (z - scipy.special.logsumexp(
                                  z, axis=-1, keepdims=True)), axis=-1)),
}


@pytest.mark.parametrize("name", CASES)
@pytest.mark.parametrize("x", [X, X_NAN_ROW0], ids=["two_nans", "one_row_clean"])
def test_nan_propagates_as_in_numpy(name, x):
    traced, reference = CASES[name]
    f = ns.function(lambda v: traced(ns.log(v)))
    got = np.asarray(f(x))
    want = np.asarray(reference(L(x)), dtype=float)
    np.testing.assert_array_equal(np.isnan(got), np.isnan(want))   # NaN exactly where NumPy has NaN
    np.testing.assert_allclose(got, want, rtol=1e-13)
    # The NaN is reported, at log (where it is made) at least.
    assert f.last_kinks.nans >= int(np.isnan(L(x)).sum())


def test_the_issue_reproductions():
    assert np.isnan(ns.function(lambda x: ns.max(ns.log(x)))(np.array([-1.0, 2.0])))
    assert np.isnan(ns.function(lambda x: ns.norm2(ns.log(x)))(np.array([-1.0, -2.0])))
    got = ns.function(lambda x: ns.sort(ns.log(x)))(np.array([3.0, -1.0, 2.0, 1.0]))
    np.testing.assert_array_equal(got, np.sort(L(np.array([3.0, -1.0, 2.0, 1.0]))))


def test_report_names_the_primitives_that_met_nan():
    f = ns.function(lambda x: ns.max(ns.log(x)))
    f(np.array([-1.0, 2.0, -3.0]))
    assert f.last_kinks["log[nan]"] == 2 and f.last_kinks["max[nan]"] == 2
    assert f.last_kinks.nans == 4 and f.last_kinks
    f(np.array([1.0, 2.0]))
    assert not f.last_kinks and f.last_kinks.nans == 0


def test_strict_policy_raises_on_nan():
    f = ns.function(lambda x: ns.max(ns.sqrt(x)))
    with pytest.raises(ValueError, match="nan"):
        f(np.array([-1.0, 2.0]), policy=ns.Kinks(strict=True))


def test_gradients_at_nan_do_not_leak_through_where():
    # where() must still keep the untaken branch's NaN out of the gradient.
    f = ns.function(lambda x: ns.sum(ns.where(x > 0, ns.relu(ns.log(x)) + ns.max(ns.sqrt(x)), x)))
    value, grad, _ = f.value_and_grad(np.array([-1.0, 2.0, 3.0]))
    assert np.isfinite(grad).all()


@pytest.mark.parametrize("name", ["max", "norm1", "norm2", "norm_inf", "sort", "maximum", "clip", "relu"])
def test_gradient_is_still_computed_where_nan_is_absent(name):
    traced, _ = CASES[name]
    f = ns.function(lambda v: ns.sum(traced(ns.log(v))))
    _, grad, _ = f.value_and_grad(X_NAN_ROW0[1:])
    assert np.isfinite(grad).all()
