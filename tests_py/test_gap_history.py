"""gap_history_ of the Lasso-family estimators: the duality gaps the native
solvers evaluated, for coordinate descent and ADMM, dense and sparse input."""
import numpy as np
import pytest
import scipy.sparse as sp

import nonsmooth as ns


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)
    n, p = 80, 300
    X = rng.normal(size=(n, p)) * (rng.random((n, p)) < 0.3)  # sparse enough to matter as CSC
    beta = np.zeros(p)
    beta[:8] = rng.normal(size=8) * 3
    y = X @ beta + 0.5 * rng.normal(size=n) + 2.0
    return X, y


def _check_history(model):
    h = model.gap_history_
    assert isinstance(h, np.ndarray) and h.ndim == 2 and h.shape[1] == 2 and h.shape[0] >= 1
    epochs, gaps = h[:, 0], h[:, 1]
    assert (epochs == np.round(epochs)).all() and (epochs >= 0).all()
    assert (np.diff(epochs) > 0).all()  # one row per epoch, in order
    assert (gaps >= 0).all()
    assert tuple(h[-1]) == (model.n_iter_, model.dual_gap_)  # the history ends at the certificate
    return epochs, gaps


@pytest.mark.parametrize("solver", ["cd", "admm"])
@pytest.mark.parametrize("sparse", [False, True])
@pytest.mark.parametrize("make", [lambda: ns.Lasso(0.05), lambda: ns.ElasticNet(0.1, l1_ratio=0.6),
                                  lambda: ns.Lasso(0.05, positive=True, fit_intercept=False)])
def test_history_records_the_solvers_gaps(data, solver, sparse, make):
    X, y = data
    calls = []
    model = make().set_params(solver=solver, tol=1e-10, max_iter=100_000,
                              callback=lambda epoch, gap: calls.append((epoch, gap)))
    model.fit(sp.csc_matrix(X) if sparse else X, y)
    epochs, gaps = _check_history(model)
    assert gaps[-1] <= model.gap_tolerance_ < gaps[0]  # from above the tolerance to below it
    assert gaps[-1] < 1e-6 * gaps[0]
    assert len(gaps) >= 3
    # The gaps the callback saw are the ones recorded: each is the gap of an
    # evaluation at or before the epoch of the call.
    assert calls
    for epoch, gap in calls:
        if np.isfinite(gap):
            assert np.isclose(gaps[epochs <= epoch], max(gap, 0.0), rtol=1e-12, atol=0).any()


@pytest.mark.parametrize("solver", ["cd", "admm"])
def test_sparse_and_dense_histories_agree(data, solver):
    X, y = data
    dense = ns.Lasso(0.05, solver=solver, tol=1e-8).fit(X, y)
    sparse = ns.Lasso(0.05, solver=solver, tol=1e-8).fit(sp.csr_matrix(X), y)
    _check_history(dense)
    _check_history(sparse)
    # Same algorithm, same iterates up to rounding, so the same record while the
    # gaps are large; near the tolerance rounding may change when a stop is taken.
    k = np.argmax(dense.gap_history_[:, 1] < 100 * dense.gap_tolerance_)
    assert k >= 2
    np.testing.assert_array_equal(sparse.gap_history_[:k, 0], dense.gap_history_[:k, 0])
    np.testing.assert_allclose(sparse.gap_history_[:k, 1], dense.gap_history_[:k, 1], rtol=1e-6)


@pytest.mark.parametrize("solver", ["cd", "admm"])
def test_warm_start_refit_records_a_new_short_history(data, solver):
    X, y = data
    model = ns.Lasso(0.05, solver=solver, tol=1e-8, warm_start=True).fit(X, y)
    first = model.gap_history_
    model.set_params(alpha=0.045).fit(X, y)
    _check_history(model)
    assert model.gap_history_ is not first
    cold = ns.Lasso(0.045, solver=solver, tol=1e-8).fit(X, y)
    # Started next to the new solution: its first gap is far below the cold start's.
    assert model.gap_history_[0, 1] < 0.1 * cold.gap_history_[0, 1]
    model.fit(X, y)  # refit at the solution: converged at once, history still ends at the certificate
    _check_history(model)
    assert len(model.gap_history_) <= 2


def test_history_with_sample_weight_on_sparse_data_and_no_convergence(data):
    X, y = data
    s = np.random.default_rng(1).uniform(0.5, 2.0, size=len(y))
    # Sparse X with sample weights and an intercept: the intercept becomes an extra column.
    model = ns.Lasso(0.05, tol=1e-10).fit(sp.csc_matrix(X), y, sample_weight=s)
    _check_history(model)
    dense = ns.Lasso(0.05, tol=1e-10).fit(X, y, sample_weight=s)
    assert model.gap_history_[-1, 1] <= model.gap_tolerance_ and dense.gap_history_[-1, 1] <= dense.gap_tolerance_
    for solver in ("cd", "admm"):
        with pytest.warns(ns.ConvergenceWarning, match="did not converge"):
            short = ns.Lasso(0.001, solver=solver, tol=1e-14, max_iter=3).fit(X, y)
        _check_history(short)
        assert short.n_iter_ <= 3 and short.gap_history_[-1, 1] > short.gap_tolerance_


def test_history_after_the_callback_stops(data):
    X, y = data
    with pytest.warns(ns.ConvergenceWarning, match="stopped by its callback"):
        model = ns.Lasso(0.001, tol=1e-14, max_iter=10_000, callback=lambda epoch, gap: epoch < 20).fit(X, y)
    _check_history(model)
