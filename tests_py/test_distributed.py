"""nonsmooth.distributed on a real LocalCluster (2 worker processes, 1 thread
each, loopback only): agreement with the single-machine estimators, the
duality gap recomputed independently in NumPy, exact zeros, bad input,
non-convergence, Ctrl-C and a worker killed in the middle of a fit."""
import os
import pickle
import signal
import warnings

import numpy as np
import pytest

import nonsmooth as ns
import nonsmooth.distributed  # noqa: F401

pytest.importorskip("distributed")
da = pytest.importorskip("dask.array")
from dask.distributed import Client, LocalCluster  # noqa: E402

from nonsmooth.distributed import ElasticNet, Lasso  # noqa: E402


@pytest.fixture(scope="module")
def client():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                               dashboard_address=None, worker_dashboard_address=None)
        c = Client(cluster)
    yield c
    c.close()
    cluster.close()


def _data(rng, n=600, p=12, shift=0.0, noise=0.5):
    X = rng.normal(size=(n, p)) + shift
    beta = np.zeros(p)
    beta[: max(1, p // 4)] = rng.normal(scale=3, size=max(1, p // 4))
    y = X @ beta + noise * rng.normal(size=n) + 1.5
    return X, y


def _gap(X, y, coef, intercept, alpha, l1_ratio=1.0, sample_weight=None, fit_intercept=True):
    """The elastic net duality gap of (coef, intercept), in NumPy, from scratch:
    dual point θ = t·(r, −√λ₂β) with r the weighted, centred residual."""
    n = X.shape[0]
    s = np.ones(n) if sample_weight is None else sample_weight * n / sample_weight.sum()
    if fit_intercept:
        xm, ym = s @ X / n, s @ y / n
    else:
        xm, ym = np.zeros(X.shape[1]), 0.0
    root = np.sqrt(s)
    Xc, yc = root[:, None] * (X - xm), root * (y - ym)
    if fit_intercept:
        assert np.isclose(intercept, ym - xm @ coef)
    r = yc - Xc @ coef
    l1, l2 = n * alpha * l1_ratio, n * alpha * (1 - l1_ratio)
    primal = 0.5 * r @ r + l1 * np.abs(coef).sum() + 0.5 * l2 * coef @ coef
    theta2 = r @ r + l2 * coef @ coef
    t = min((yc @ r) / theta2, 1 / (np.abs(Xc.T @ r - l2 * coef).max() / l1))
    dual = t * (yc @ r) - 0.5 * t * t * theta2
    return (primal - dual) / n, primal / n, yc @ yc / n


def _check_against_local(model, ref, X, y, alpha, l1_ratio=1.0, sample_weight=None, fit_intercept=True):
    gap, primal, scale = _gap(X, y, model.coef_, model.intercept_, alpha, l1_ratio, sample_weight, fit_intercept)
    assert gap == pytest.approx(model.dual_gap_, rel=1e-6, abs=1e-12 * primal)
    assert 0 <= model.dual_gap_ <= model.gap_tolerance_  # rounding never reports a negative gap
    assert model.gap_tolerance_ == pytest.approx(model.tol * scale)
    assert ref.dual_gap_ <= ref.gap_tolerance_
    # Strong convexity (μ = λ_min of the centred, weighted XᵀX/n): ‖β − β*‖ ≤ √(2·gap/μ).
    n = X.shape[0]
    s = np.ones(n) if sample_weight is None else sample_weight * n / sample_weight.sum()
    Xc = X - (s @ X / n if fit_intercept else 0)
    mu = np.linalg.eigvalsh((Xc * s[:, None]).T @ Xc / n)[0] + alpha * (1 - l1_ratio)
    bound = np.sqrt(2 * model.dual_gap_ / mu) + np.sqrt(2 * ref.dual_gap_ / mu)
    bound += 1e-12 * (1 + np.linalg.norm(ref.coef_))  # both gaps may be 0 (exact to rounding)
    assert np.linalg.norm(model.coef_ - ref.coef_) <= bound
    if (ref.coef_ == 0).any():
        assert (model.coef_ == 0).any()  # the z iterate is the prox output: exact zeros


@pytest.mark.parametrize("fit_intercept, solver", [(True, "auto"), (False, "auto"), (True, "consensus")])
def test_lasso_matches_single_machine(client, rng, fit_intercept, solver):
    """"auto" sums the Gram shards on the driver; "consensus" iterates with the shards' actors."""
    X, y = _data(rng, shift=0.3)
    alpha = 0.05
    model = Lasso(alpha=alpha, fit_intercept=fit_intercept, tol=1e-8, solver=solver).fit(X, y)
    ref = ns.Lasso(alpha=alpha, fit_intercept=fit_intercept, tol=1e-8).fit(X, y)
    assert model.n_shards_ == 2
    _check_against_local(model, ref, X, y, alpha, fit_intercept=fit_intercept)
    assert model.gap_history_[-1, 0] == model.n_iter_ and model.gap_history_[-1, 1] == model.dual_gap_
    assert model.residual_history_.shape == (model.n_iter_, 3)


def test_support_polishing_reaches_the_exact_solution(client, rng):
    """At the default tolerance ADMM stops early; the exact minimizer on its
    support (signs fixed) is certified better and returned."""
    X, y = _data(rng, n=500, p=10)
    model = Lasso(alpha=0.05).fit(X, y)
    exact = ns.Lasso(alpha=0.05, tol=1e-14).fit(X, y)
    np.testing.assert_allclose(model.coef_, exact.coef_, atol=1e-9)
    gap, _, _ = _gap(X, y, model.coef_, model.intercept_, 0.05)
    assert gap == pytest.approx(model.dual_gap_, abs=1e-12) and model.dual_gap_ < 1e-3 * model.gap_tolerance_


def test_elastic_net_dask_chunks_and_weights(client, rng):
    X, y = _data(rng, n=900, p=15)
    w = rng.uniform(0.2, 3.0, size=X.shape[0])
    Xd, yd, wd = da.from_array(X, chunks=(150, 15)), da.from_array(y, chunks=200), da.from_array(w, chunks=300)
    alpha, l1_ratio = 0.08, 0.6
    model = ElasticNet(alpha=alpha, l1_ratio=l1_ratio, tol=1e-9).fit(Xd, yd, sample_weight=wd)
    ref = ns.ElasticNet(alpha=alpha, l1_ratio=l1_ratio, tol=1e-9).fit(X, y, sample_weight=w)
    _check_against_local(model, ref, X, y, alpha, l1_ratio, w)
    pred = model.predict(Xd)
    assert isinstance(pred, da.Array)
    np.testing.assert_allclose(pred.compute(), X @ model.coef_ + model.intercept_)
    assert model.score(Xd, yd, wd) == pytest.approx(model.score(X, y, w))


def test_positive_and_feature_weights(client, rng):
    X, y = _data(rng, n=500, p=10)
    weights = rng.uniform(0.5, 2.0, size=10)
    model = Lasso(alpha=0.1, positive=True, weights=weights, tol=1e-9).fit(X, y)
    ref = ns.Lasso(alpha=0.1, positive=True, weights=weights, tol=1e-9).fit(X, y)
    assert (model.coef_ >= 0).all()
    assert model.dual_gap_ <= model.gap_tolerance_
    np.testing.assert_allclose(model.coef_, ref.coef_, atol=1e-3)


def test_fewer_rows_than_features_per_shard(client, rng):
    """Each shard has 40 rows and 100 features: the kernel (Woodbury) x-update.
    Not strongly convex, so compare objective values within the two gaps."""
    X, y = _data(rng, n=80, p=100, noise=0.1)
    alpha = 0.2
    model = Lasso(alpha=alpha, tol=1e-8).fit(X, y)
    ref = ns.Lasso(alpha=alpha, tol=1e-8).fit(X, y)
    gap, primal, _ = _gap(X, y, model.coef_, model.intercept_, alpha)
    _, ref_primal, _ = _gap(X, y, ref.coef_, ref.intercept_, alpha)
    assert gap == pytest.approx(model.dual_gap_, rel=1e-6, abs=1e-12 * primal)
    assert abs(primal - ref_primal) <= model.dual_gap_ + ref.dual_gap_
    assert np.count_nonzero(model.coef_) < 80


def test_dask_dataframe_input(client, rng):
    dd = pytest.importorskip("dask.dataframe")
    pd = pytest.importorskip("pandas")
    X, y = _data(rng, n=400, p=6)
    frame = dd.from_pandas(pd.DataFrame(X, columns=[f"x{j}" for j in range(6)]), npartitions=3)
    target = dd.from_pandas(pd.Series(y), npartitions=3)
    model = Lasso(alpha=0.05, tol=1e-8).fit(frame, target)
    ref = ns.Lasso(alpha=0.05, tol=1e-8).fit(X, y)
    _check_against_local(model, ref, X, y, 0.05)


def test_large_alpha_gives_zero(client, rng, capsys):
    X, y = _data(rng, n=300, p=8)
    alpha_max = np.abs((X - X.mean(0)).T @ (y - y.mean())).max() / X.shape[0]
    model = Lasso(alpha=1.01 * alpha_max, verbose=True).fit(X, y)
    assert "distributed.Lasso" in capsys.readouterr().err  # the shared progress line
    assert (model.coef_ == 0).all()
    assert model.intercept_ == pytest.approx(y.mean())
    assert model.dual_gap_ <= model.gap_tolerance_


def test_not_converged_warns_with_gap(client, rng):
    X, y = _data(rng, shift=2.0)
    with pytest.warns(ns.ConvergenceWarning, match="duality gap"):
        model = Lasso(alpha=0.01, fit_intercept=False, tol=1e-12, max_iter=3).fit(X, y)
    assert model.n_iter_ == 3
    gap, _, _ = _gap(X, y, model.coef_, model.intercept_, 0.01, fit_intercept=False)
    assert gap == pytest.approx(model.dual_gap_, rel=1e-6)
    assert model.dual_gap_ > model.gap_tolerance_


def test_callback_stop_and_keyboard_interrupt(client, rng):
    X, y = _data(rng, shift=2.0)
    seen = []
    with pytest.warns(ns.ConvergenceWarning, match="callback"):
        model = Lasso(alpha=0.01, fit_intercept=False, tol=1e-12,
                      callback=lambda it, gap: seen.append(gap) or it < 4).fit(X, y)
    assert model.n_iter_ == 4 and len(seen) == 5

    def interrupt(it, gap):
        if it == 3:
            raise KeyboardInterrupt

    with pytest.warns(ns.ConvergenceWarning, match="interrupted"):
        with pytest.raises(KeyboardInterrupt) as info:
            Lasso(alpha=0.01, fit_intercept=False, callback=interrupt).fit(X, y)
    partial = info.value.result
    assert partial.coef_.shape == (X.shape[1],) and np.isfinite(partial.coef_).all()


@pytest.mark.parametrize("bad, match, error", [
    (dict(X=np.full((20, 3), np.nan)), "X: contains NaN", ValueError),
    (dict(y=np.ones(19)), "y: has 19", ValueError),
    (dict(sample_weight=-np.ones(20)), "sample_weight", ValueError),
    (dict(params=dict(alpha=0.0)), "alpha", ValueError),
    (dict(params=dict(weights=-np.ones(3))), "weights", ValueError),
    (dict(params=dict(weights=np.array([0.0, 1.0, 1.0]), positive=True)), "weights", ValueError),
    (dict(params=dict(relaxation=2.0)), "relaxation", ValueError),
    (dict(params=dict(max_iter=0)), "max_iter", ValueError),
    (dict(params=dict(solver="newton")), "solver", ValueError),
    (dict(X=np.array([["a"] * 3] * 20)), "X", TypeError),
])
def test_bad_input(client, rng, bad, match, error):
    X, y = rng.normal(size=(20, 3)), rng.normal(size=20)
    args = dict(X=X, y=y, sample_weight=None, params={}) | bad
    with pytest.raises(error, match=match):
        Lasso(**args["params"]).fit(args["X"], args["y"], sample_weight=args["sample_weight"])


@pytest.mark.parametrize("fit_intercept", [True, False])
def test_sparse_csr_input_matches_single_machine(client, rng, fit_intercept):
    """scipy.sparse X is split into CSR row chunks, reduced to Gram shards
    without densifying the rows; certified as the dense fit (gap recomputed in NumPy)."""
    sp = pytest.importorskip("scipy.sparse")
    X, y = _data(rng, n=600, p=12)
    X[np.abs(X) < 1.0] = 0.0
    w = rng.uniform(0.5, 2.0, size=600)
    alpha, l1_ratio = 0.03, 0.7
    model = ElasticNet(alpha=alpha, l1_ratio=l1_ratio, fit_intercept=fit_intercept, tol=1e-9).fit(
        sp.csr_matrix(X), y, sample_weight=w)
    ref = ns.ElasticNet(alpha=alpha, l1_ratio=l1_ratio, fit_intercept=fit_intercept, tol=1e-9).fit(
        sp.csc_matrix(X), y, sample_weight=w)
    _check_against_local(model, ref, X, y, alpha, l1_ratio, w, fit_intercept)
    np.testing.assert_allclose(model.predict(sp.csr_matrix(X)), X @ model.coef_ + model.intercept_)


def test_dask_array_of_sparse_chunks(client, rng):
    """Chunks that are scipy.sparse matrices (map_blocks(csr_matrix)), among them
    shards with fewer rows than features (densified, kernel x-update)."""
    sp = pytest.importorskip("scipy.sparse")
    X, y = _data(rng, n=400, p=10)
    X[np.abs(X) < 0.7] = 0.0
    Xd = da.from_array(X, chunks=(50, 10)).map_blocks(sp.csr_matrix)
    model = Lasso(alpha=0.05, tol=1e-9).fit(Xd, y)
    ref = ns.Lasso(alpha=0.05, tol=1e-9).fit(X, y)
    _check_against_local(model, ref, X, y, 0.05)
    np.testing.assert_allclose(model.predict(Xd).compute(), X @ model.coef_ + model.intercept_)
    Xw, yw = _data(rng, n=40, p=30)
    Xw[np.abs(Xw) < 0.5] = 0.0
    wide = Lasso(alpha=0.1, tol=1e-9).fit(da.from_array(Xw, chunks=(10, 30)).map_blocks(sp.csr_matrix), yw)
    gap, _, _ = _gap(Xw, yw, wide.coef_, wide.intercept_, 0.1)
    assert gap == pytest.approx(wide.dual_gap_, rel=1e-6, abs=1e-12) and wide.dual_gap_ <= wide.gap_tolerance_


def test_sparse_logistic_on_sparse_chunks_matches_dense(client, rng):
    sp = pytest.importorskip("scipy.sparse")
    X = rng.normal(size=(400, 6))
    X[np.abs(X) < 0.6] = 0.0
    y = (X[:, 0] - X[:, 1] + rng.logistic(size=400) > 0).astype(int)
    sparse = ns.distributed.SparseLogisticRegression(alpha=0.01, tol=1e-10).fit(sp.csr_matrix(X), y)
    dense = ns.distributed.SparseLogisticRegression(alpha=0.01, tol=1e-10).fit(X, y)
    assert sparse.dual_gap_ <= sparse.gap_tolerance_
    np.testing.assert_allclose(sparse.coef_, dense.coef_, atol=1e-6)
    np.testing.assert_allclose(sparse.predict_proba(sp.csr_matrix(X)), dense.predict_proba(X), atol=1e-6)


def test_estimator_pickles(client, rng):
    X, y = _data(rng, n=200, p=5)
    model = pickle.loads(pickle.dumps(Lasso(alpha=0.1).fit(X, y)))
    np.testing.assert_allclose(model.predict(X), X @ model.coef_ + model.intercept_)


def test_worker_killed_mid_fit(client, rng):
    """SIGKILL one worker process at iteration 3: its shard is recomputed from
    the graph, the factorization rebuilt, and the fit reaches the solution."""
    X, y = _data(rng, n=2000, p=10, shift=1.0)
    Xd = da.from_array(X, chunks=(250, 10))
    pids = list(client.run(os.getpid).values())

    def kill(it, gap):
        if it == 3:
            os.kill(pids[0], signal.SIGKILL)

    model = Lasso(alpha=0.02, tol=1e-9, callback=kill, solver="consensus").fit(Xd, y)
    assert model.n_recoveries_ >= 1
    ref = ns.Lasso(alpha=0.02, tol=1e-9).fit(X, y)
    _check_against_local(model, ref, X, y, 0.02)
    client.wait_for_workers(2, timeout=60)


@pytest.mark.parametrize("fit_intercept", [True, False])
def test_sparse_logistic_matches_sklearn(client, rng, fit_intercept):
    from sklearn.linear_model import LogisticRegression

    n, p = 500, 8
    X = rng.normal(size=(n, p))
    w = np.zeros(p)
    w[:3] = [2.0, -1.0, 1.5]
    y = np.where(X @ w + 0.5 + rng.logistic(size=n) > 0, "yes", "no")
    alpha = 0.02
    model = ns.distributed.SparseLogisticRegression(alpha=alpha, tol=1e-9, fit_intercept=fit_intercept).fit(
        da.from_array(X, chunks=(125, p)), y)
    with warnings.catch_warnings():  # scikit-learn ≥ 1.8 deprecates penalty= in favour of l1_ratio=
        warnings.simplefilter("ignore", (UserWarning, FutureWarning))
        ref = LogisticRegression(penalty="l1", C=1 / (n * alpha), solver="saga", tol=1e-11, max_iter=100_000,
                                 fit_intercept=fit_intercept).fit(X, y)
    assert list(model.classes_) == ["no", "yes"]
    signs = np.where(y == "yes", 1.0, -1.0)

    def objective(coef, b):
        return np.mean(np.logaddexp(0, -signs * (X @ coef + b))) + alpha * np.abs(coef).sum()

    ours, theirs = objective(model.coef_[0], model.intercept_[0]), objective(ref.coef_[0], ref.intercept_[0])
    # The gap bounds the suboptimality, which saga's nearly exact solution measures from below.
    assert 0 <= model.dual_gap_ <= model.gap_tolerance_
    assert ours - theirs <= model.dual_gap_ + 1e-12
    np.testing.assert_allclose(model.coef_, ref.coef_, atol=2e-4)
    np.testing.assert_allclose(model.intercept_, ref.intercept_, atol=2e-4)
    # KKT at the exact zeros of the prox output: |∇_j loss| ≤ α.
    grad = X.T @ (-signs / (1 + np.exp(signs * (X @ model.coef_[0] + model.intercept_[0])))) / n
    zero = model.coef_[0] == 0
    assert zero.sum() >= 3 and (np.abs(grad[zero]) <= alpha * (1 + 1e-3)).all()
    assert (model.predict(X) == ref.predict(X)).mean() > 0.99
    np.testing.assert_allclose(model.predict_proba(X)[:, 1], ref.predict_proba(X)[:, 1], atol=1e-3)


def test_sparse_logistic_survives_a_killed_worker(client, rng):
    X = rng.normal(size=(400, 5))
    y = (X[:, 0] - X[:, 1] + rng.logistic(size=400) > 0).astype(int)
    pids = list(client.run(os.getpid).values())

    def kill(it, gap):
        if it == 2:
            os.kill(pids[-1], signal.SIGKILL)

    model = ns.distributed.SparseLogisticRegression(alpha=0.01, tol=1e-8, callback=kill).fit(
        da.from_array(X, chunks=(100, 5)), y)
    reference = ns.distributed.SparseLogisticRegression(alpha=0.01, tol=1e-8).fit(X, y)
    assert model.n_shards_ == 2 and model.n_recoveries_ >= 1 and model.dual_gap_ <= model.gap_tolerance_
    np.testing.assert_allclose(model.coef_, reference.coef_, atol=1e-3)
    client.wait_for_workers(2, timeout=60)


def test_sparse_logistic_needs_two_classes(client, rng):
    with pytest.raises(ValueError, match="two classes"):
        ns.distributed.SparseLogisticRegression().fit(rng.normal(size=(30, 3)), np.arange(30) % 3)


def test_dataframe_columns_are_checked_and_fitted_models_pickle(client):
    """Feature names as for every estimator (FeatureCheckMixin), and a fitted model
    travels through pickle (to a worker, or saved)."""
    pd = pytest.importorskip("pandas")
    X, y = _data(np.random.default_rng(5), n=200, p=4)
    df = pd.DataFrame(X, columns=["a", "b", "c", "d"])
    model = Lasso(0.05).fit(df, y)
    assert list(model.feature_names_in_) == ["a", "b", "c", "d"]
    with pytest.raises(ValueError, match="same order as they were in fit"):
        model.predict(df[df.columns[::-1]])
    copied = pickle.loads(pickle.dumps(model))
    assert np.array_equal(copied.predict(df), model.predict(df))


def test_many_fits_through_joblib_dask_backend(client, rng):
    """scikit-learn's model selection with n_jobs runs single-machine ns.Lasso
    fits as Dask tasks on the cluster (the estimators pickle) and finds what
    the sequential search finds."""
    joblib = pytest.importorskip("joblib")
    from sklearn.model_selection import GridSearchCV

    X, y = _data(rng, n=200, p=8)
    grid = {"alpha": [0.01, 0.05, 0.2]}
    with joblib.parallel_backend("dask"):
        on_dask = GridSearchCV(ns.Lasso(tol=1e-10), grid, cv=3, n_jobs=-1).fit(X, y)
    local = GridSearchCV(ns.Lasso(tol=1e-10), grid, cv=3).fit(X, y)
    assert on_dask.best_params_ == local.best_params_
    np.testing.assert_allclose(on_dask.cv_results_["mean_test_score"], local.cv_results_["mean_test_score"],
                               rtol=1e-9)


@pytest.mark.parametrize("sparse", [False, True])
def test_path_segments_as_dask_tasks_match_the_local_path(client, rng, sparse):
    """The grid cut into 3 tasks: the same α, solutions within the certified
    tolerance of the single-machine path, every gap certified."""
    from nonsmooth.distributed import enet_path, lasso_path

    X, y = _data(rng, n=300, p=15)
    if sparse:
        sp = pytest.importorskip("scipy.sparse")
        X[np.abs(X) < 0.8] = 0.0
        X = sp.csc_matrix(X)
    weights = rng.uniform(0.5, 2.0, size=15)
    alphas, coefs, gaps, iters = lasso_path(X, y, n_alphas=12, tol=1e-12, fit_intercept=True, weights=weights,
                                            n_segments=3, return_n_iter=True)
    ref = ns.lasso_path(X, y, n_alphas=12, tol=1e-12, fit_intercept=True, weights=weights)
    np.testing.assert_array_equal(alphas, ref[0])
    np.testing.assert_allclose(coefs, ref[1], atol=1e-6)
    assert (gaps <= 1e-12 * y.var() * 1.0001 + 1e-15).all() and len(iters) == 12
    grid = [0.5, 0.02, 0.1]
    e = enet_path(X, y, l1_ratio=0.6, alphas=grid, tol=1e-12)
    r = ns.enet_path(X, y, l1_ratio=0.6, alphas=grid, tol=1e-12)
    np.testing.assert_array_equal(e[0], [0.5, 0.1, 0.02])
    np.testing.assert_allclose(e[1], r[1], atol=1e-6)


def test_path_tasks_warn_on_the_driver_and_reject_bad_input(client, rng):
    from nonsmooth.distributed import lasso_path

    X, y = _data(rng, n=100, p=6)
    with pytest.warns(ns.ConvergenceWarning, match="did not converge"):
        lasso_path(X, y, n_alphas=4, max_iter=1, tol=1e-14)
    with pytest.raises(ValueError, match="y: has 99"):
        lasso_path(X, y[:-1])
    with pytest.raises(ValueError, match="n_segments"):
        lasso_path(X, y, n_segments=0)
    with pytest.raises(TypeError, match="l1_ratio"):
        lasso_path(X, y, l1_ratio=0.5)


def test_one_model_per_target_as_dask_tasks(client, rng):
    from nonsmooth.distributed import MultiOutputRegressor

    X, y = _data(rng, n=200, p=8)
    Y = np.column_stack([y, -2 * y + X[:, 5], X[:, 7]])
    w = rng.uniform(0.5, 2.0, size=200)
    model = MultiOutputRegressor(ns.ElasticNet(alpha=0.05, tol=1e-10)).fit(X, Y, sample_weight=w)
    for j in range(3):
        ref = ns.ElasticNet(alpha=0.05, tol=1e-10).fit(X, Y[:, j], sample_weight=w)
        np.testing.assert_array_equal(model.coef_[j], ref.coef_)  # the same native solve, on a worker
        assert model.intercept_[j] == ref.intercept_ and model.dual_gap_[j] == ref.dual_gap_
    np.testing.assert_allclose(model.predict(X), X @ model.coef_.T + model.intercept_)
    assert model.n_features_in_ == 8 and model.score(X, Y) > 0.5
    with pytest.raises(ValueError, match="2-D"):
        MultiOutputRegressor().fit(X, y)
    with pytest.raises(ValueError, match="X has 5 features"):
        model.predict(X[:, :5])


def test_tuned_folds_on_dask_actors_match_threads(client, rng):
    """Inside joblib.parallel_backend("dask") the folds' inner problems live on
    Dask actors; the tuning takes exactly the same steps as in this process
    (ElasticNetTuned and WeightedLassoTuned share the runner)."""
    joblib = pytest.importorskip("joblib")
    X, y = _data(rng, n=200, p=10, noise=3.0)
    with joblib.parallel_backend("dask"):
        remote = ns.ElasticNetTuned(cv=3, max_outer=8, hypergradient="implicit_forward").fit(X, y)
        with pytest.raises(ValueError, match="n_jobs"):
            ns.LassoTuned(n_jobs=0).fit(X, y)
    local = ns.ElasticNetTuned(cv=3, max_outer=8, hypergradient="implicit_forward", n_jobs=2).fit(X, y)
    assert remote.alpha_ == local.alpha_ and remote.criterion_ == local.criterion_
    np.testing.assert_array_equal(remote.mse_path_, local.mse_path_)
    np.testing.assert_array_equal(remote.coef_, local.coef_)


@pytest.mark.parametrize("fit_intercept", [True, False])
def test_unpenalized_features_certified_by_the_projected_residual(client, rng, fit_intercept):
    """Zero weights leave features 0 and 3 unpenalized: the coefficients are
    those of ns.Lasso, and dual_gap_ is the gap at the dual point r projected
    off span(X_U), recomputed here in NumPy."""
    X, y = _data(rng, n=600, p=10, shift=0.5)
    weights = np.ones(10)
    weights[[0, 3]] = 0.0
    alpha = 0.3
    model = ElasticNet(alpha=alpha, l1_ratio=0.8, weights=weights, fit_intercept=fit_intercept, tol=1e-8).fit(X, y)
    ref = ns.ElasticNet(alpha=alpha, l1_ratio=0.8, weights=weights, fit_intercept=fit_intercept, tol=1e-12).fit(X, y)
    np.testing.assert_allclose(model.coef_, ref.coef_, atol=1e-5)
    assert model.coef_[0] != 0 and model.coef_[3] != 0 and (model.coef_ == 0).any()
    n = X.shape[0]
    Xc, yc = (X - X.mean(0), y - y.mean()) if fit_intercept else (X, y)
    r = yc - Xc @ model.coef_
    U = Xc[:, [0, 3]]
    theta = r - U @ np.linalg.solve(U.T @ U, U.T @ r)
    l1, l2 = n * alpha * 0.8 * weights, n * alpha * 0.2 * weights
    primal = 0.5 * r @ r + l1 @ np.abs(model.coef_) + 0.5 * l2 @ model.coef_ ** 2
    a = Xc.T @ theta - l2 * model.coef_
    t = min((yc @ theta) / (theta @ theta + l2 @ model.coef_ ** 2), 1 / (np.abs(a[weights > 0]) / l1[weights > 0]).max())
    gap = (primal - t * (yc @ theta) + 0.5 * t * t * (theta @ theta + l2 @ model.coef_ ** 2)) / n
    assert gap == pytest.approx(model.dual_gap_, rel=1e-6, abs=1e-13)
    assert 0 <= model.dual_gap_ <= model.gap_tolerance_
