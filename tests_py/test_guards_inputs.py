"""Bad scalars and odd-but-valid arrays over the public API (issue 12, item 11):
a value out of range raises ValueError naming the argument, a wrong type a
TypeError (ParameterTypeError, also a ValueError), never OverflowError,
MemoryError, FloatingPointError or a NumPy message about something else."""
import numpy as np
import pytest

import nonsmooth as ns
from nonsmooth._validation import ParameterTypeError, as_int, as_scalar
from nonsmooth.optim import SGD, cosine

X = np.array([[1.0, 0.5], [0.2, 1.0], [0.3, -0.4]])
y = np.array([1.0, -1.0, 0.5])
HUGE = 10**400  # a Python int beyond the float range


@ns.function
def _loss(w, X, y):
    return 0.5 * ns.mean((X @ w - y) ** 2)


def _train(**kw):
    return ns.train(_loss, {"w": np.zeros(2)}, {"X": X, "y": y}, optimizer=SGD(0.1), **kw)


BAD = [
    # (call, exception, the argument the message must name)
    (lambda: ns.Lasso(HUGE).fit(X, y), ValueError, "alpha"),
    (lambda: ns.Lasso(-HUGE).fit(X, y), ValueError, "alpha"),
    (lambda: ns.ElasticNet(0.1, l1_ratio=HUGE).fit(X, y), ValueError, "l1_ratio"),
    (lambda: ns.Lasso(0.1, tol=HUGE).fit(X, y), ValueError, "tol"),
    (lambda: ns.Lasso(max_iter=10**30).fit(X, y), ValueError, "max_iter"),
    (lambda: ns.Lasso(max_iter=2**63).fit(X, y), ValueError, "max_iter"),
    (lambda: ns.Lasso(max_iter=1.5).fit(X, y), TypeError, "max_iter"),
    (lambda: ns.Lasso(max_iter=True).fit(X, y), TypeError, "max_iter"),
    (lambda: ns.prox.l1(y, HUGE), ValueError, "step"),
    (lambda: ns.prox.L1(HUGE), ValueError, "strength"),
    (lambda: ns.prox.L1(0.1).prox(y, HUGE), ValueError, "step"),
    (lambda: ns.prox.project_l2_ball(y, HUGE), ValueError, "radius"),
    (lambda: ns.lasso_path(X, y, eps=HUGE), ValueError, "eps"),
    (lambda: ns.lasso_path(X, y, n_alphas=10**30), ValueError, "n_alphas"),
    (lambda: ns.lasso_path(X, y, n_alphas=2.0), TypeError, "n_alphas"),
    (lambda: ns.minimize(ns.optimize.LeastSquares(X, y), ns.prox.L1(0.1), max_iter=10**30), ValueError, "max_iter"),
    (lambda: ns.minimize(ns.optimize.LeastSquares(X, y), ns.prox.L1(0.1), tol=HUGE), ValueError, "tol"),
    (lambda: ns.LassoTuned(max_iter=10**30).fit(X, y), ValueError, "max_iter"),
    (lambda: ns.LassoTuned(n_jobs=0).fit(X, y), ValueError, "n_jobs"),
    (lambda: ns.LassoTuned(n_jobs=1.0).fit(X, y), TypeError, "n_jobs"),
    (lambda: _train(steps=10**30), ValueError, "steps"),
    (lambda: _train(steps=1.0), TypeError, "steps"),
    (lambda: _train(seed=-1), ValueError, "seed"),
    (lambda: SGD(HUGE), ValueError, ""),
    (lambda: cosine(0.1, steps=10**30), ValueError, "steps"),
]


@pytest.mark.parametrize("call, exc, name", BAD, ids=[f"{k}-{b[2]}" for k, b in enumerate(BAD)])
def test_bad_scalars_raise_the_right_exception(call, exc, name):
    with pytest.raises(exc, match=name):
        call()


def test_a_wrong_type_is_both_type_and_value_error():
    for call in (lambda: as_int(1.5, "n"), lambda: as_int(True, "n"), lambda: as_scalar("1", "x")):
        with pytest.raises(ParameterTypeError) as info:
            call()
        assert isinstance(info.value, TypeError) and isinstance(info.value, ValueError)
    assert as_int(np.int64(3), "n") == 3 and as_int(np.array(4), "n") == 4


def test_huge_max_iter_fits_without_allocating_a_history_per_epoch():
    model = ns.Lasso(0.01, max_iter=10**12).fit(X, y)
    assert model.n_iter_ < 10**4 and model.gap_history_.shape[1] == 2
    assert model.gap_history_[-1, 1] == model.dual_gap_


@pytest.mark.parametrize("target", [[5e-324], [0.0], [-5e-324]])
def test_paths_on_a_target_at_the_float_resolution(target):
    alphas, coefs, _ = ns.lasso_path(np.ones((1, 1)), np.array(target), n_alphas=4)
    assert alphas.shape == (4,) and np.all(alphas > 0) and np.all(np.isfinite(alphas))
    np.testing.assert_array_equal(coefs, 0.0)


def test_a_non_finite_criterion_raises_numerical_error(monkeypatch):
    from nonsmooth.tuning import _criteria

    evaluate = _criteria._BoundValidation.evaluate

    def nan_criterion(self):
        _, grads = evaluate(self)
        return np.nan, grads

    monkeypatch.setattr(_criteria._BoundValidation, "evaluate", nan_criterion)
    with pytest.raises(ns.NumericalError, match="not finite|overflows"):
        ns.LassoTuned(max_iter=3).fit(np.random.default_rng(0).normal(size=(20, 3)), np.arange(20.0))


def _one_element_views():
    record = np.zeros(2, dtype=[("a", "f8"), ("b", "i1")])   # itemsize 9: strides of 9 bytes
    record["a"] = [3.0, -4.0]
    yield record["a"][:1]                                      # shape (1,), stride 9, aligned
    yield np.lib.stride_tricks.as_strided(np.array([2.0]), shape=(1, 1), strides=(3, 5))


@pytest.mark.parametrize("view", list(_one_element_views()), ids=["field-1d", "as_strided-2d"])
def test_one_element_views_with_odd_strides_are_valid(view):
    expected = np.sign(view) * np.maximum(np.abs(view) - 1.0, 0.0)
    np.testing.assert_array_equal(ns.prox.l1(view, 1.0), expected)
    np.testing.assert_array_equal(ns.prox.L1(1.0).prox(view, 1.0), expected)
