"""The generic solvers' smooth losses on scipy.sparse designs: the same minimizers
as on the dense design, the same as independent references (scikit-learn,
cvxpy), a Lipschitz estimate computed without densifying, and bad sparse input
reported with the argument's name."""
import numpy as np
import pytest
import scipy.sparse as sp
from scipy.sparse.linalg import svds
from sklearn.linear_model import Lasso as SkLasso
from sklearn.linear_model import LogisticRegression

import nonsmooth as ns
from nonsmooth.optimize import Huber, LeastSquares, Logistic


def _problem(kind, n=150, p=60, density=0.15, seed=0):
    """A sparse design with some empty rows and columns, and the target of `kind`."""
    rng = np.random.default_rng(seed)
    A = sp.random(n, p, density=density, random_state=seed, format="csc",
                  data_rvs=lambda k: rng.normal(size=k))
    A = sp.csc_matrix(A.multiply(rng.random(n)[:, None] > 0.05))  # a few empty rows
    beta = np.zeros(p)
    beta[:6] = [2.0, -1.5, 1.0, 0.8, -0.6, 0.5]
    z = A @ beta + 0.2 * rng.normal(size=n)
    if kind == "logistic":
        b = np.where(z + 0.3 * rng.normal(size=n) >= 0, 1.0, -1.0)
    elif kind == "huber":
        b = z + rng.standard_t(1.5, size=n)  # heavy tails: some residuals in the linear part
    else:
        b = z
    return A, b


def _loss(kind, A, b):
    return {"least_squares": LeastSquares, "logistic": Logistic,
            "huber": lambda A, b: Huber(A, b, delta=0.5)}[kind](A, b)


LOSSES = ["least_squares", "logistic", "huber"]
LAYOUTS = ["csc", "csr", "coo"]


@pytest.mark.parametrize("kind", LOSSES)
@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("method, step, restart", [("ista", "lipschitz", None), ("fista", "lipschitz", None),
                                                   ("fista", "backtracking", "gradient")])
def test_proximal_gradient_sparse_equals_dense(kind, layout, method, step, restart):
    A, b = _problem(kind)
    lam = 0.02
    kwargs = dict(method=method, step=step, restart=restart, tol=1e-10, max_iter=200_000)
    dense = ns.minimize(_loss(kind, A.toarray(), b), ns.prox.L1(lam), **kwargs)
    sparse = ns.minimize(_loss(kind, A.asformat(layout), b), ns.prox.L1(lam), **kwargs)
    assert dense.converged and sparse.converged
    np.testing.assert_allclose(sparse.x, dense.x, rtol=0, atol=1e-9)
    assert sparse.objective == pytest.approx(dense.objective, rel=1e-12)
    assert sparse.info["step"] == pytest.approx(dense.info["step"], rel=1e-9)  # same Lipschitz estimate
    assert 0 < np.count_nonzero(sparse.x) < A.shape[1]


@pytest.mark.parametrize("kind", LOSSES)
@pytest.mark.parametrize("layout", LAYOUTS)
def test_subgradient_method_sparse_equals_dense(kind, layout):
    A, b = _problem(kind, seed=1)
    args = dict(step_rule="diminishing", step=0.5, max_iter=3000)
    dense = ns.subgradient_method(_loss(kind, A.toarray(), b), ns.prox.L1(0.02), **args)
    sparse = ns.subgradient_method(_loss(kind, A.asformat(layout), b), ns.prox.L1(0.02), **args)
    np.testing.assert_allclose(sparse.x, dense.x, rtol=0, atol=1e-9)
    np.testing.assert_allclose(sparse.history, dense.history, rtol=1e-10)
    np.testing.assert_allclose(sparse.info["average"], dense.info["average"], rtol=0, atol=1e-9)
    assert sparse.certificate == pytest.approx(dense.certificate, rel=1e-6)  # the KKT residual needs L too


def test_least_squares_on_sparse_matches_sklearn_lasso():
    A, b = _problem("least_squares", n=300, p=400, density=0.02, seed=2)
    lam = 0.01
    res = ns.minimize(LeastSquares(A, b), ns.prox.L1(lam), restart="gradient", tol=1e-11, max_iter=200_000)
    ref = SkLasso(alpha=lam, fit_intercept=False, tol=1e-14, max_iter=1_000_000).fit(A, b).coef_
    np.testing.assert_allclose(res.x, ref, atol=1e-8)
    assert set(np.flatnonzero(res.x)) == set(np.flatnonzero(ref))


def test_logistic_on_sparse_matches_sklearn():
    A, y = _problem("logistic", n=200, p=50, seed=3)
    lam, n = 0.01, A.shape[0]
    res = ns.minimize(Logistic(A.tocsr(), y), ns.prox.L1(lam), step="backtracking", restart="gradient",
                      tol=1e-11, max_iter=200_000)
    # scikit-learn minimizes C Σ log(1 + exp(-y aᵢᵀw)) + ‖w‖₁: the same problem with C = 1/(nλ).
    l1 = {"l1_ratio": 1.0} if _sklearn_version() >= (1, 8) else {"penalty": "l1"}  # `penalty` is deprecated
    ref = LogisticRegression(C=1 / (n * lam), fit_intercept=False, solver="liblinear", tol=1e-8,
                             max_iter=100_000, **l1).fit(A, y).coef_.ravel()
    def objective(w):
        return np.mean(np.logaddexp(0, -y * (A @ w))) + lam * np.abs(w).sum()
    assert objective(res.x) <= objective(ref) + 1e-12  # at least as good as liblinear
    np.testing.assert_allclose(res.x, ref, atol=1e-6)


def test_huber_on_sparse_matches_cvxpy():
    cp = pytest.importorskip("cvxpy")
    A, b = _problem("huber", n=120, p=30, density=0.2, seed=4)
    delta, lam, n = 0.5, 0.05, A.shape[0]
    res = ns.minimize(Huber(A, b, delta=delta), ns.prox.SquaredL2(lam), tol=1e-11, max_iter=200_000)
    x = cp.Variable(A.shape[1])
    # cvxpy's huber(r, M) is r² inside and 2M|r| − M² outside: twice ours.
    cp.Problem(cp.Minimize(cp.sum(cp.huber(A @ x - b, delta)) / (2 * n) + lam / 2 * cp.sum_squares(x))).solve(
        solver="CLARABEL", tol_gap_abs=1e-12, tol_gap_rel=1e-12, tol_feas=1e-12)
    np.testing.assert_allclose(res.x, x.value, atol=1e-6)


def test_lipschitz_estimate_is_the_spectral_norm_without_densifying():
    A, b = _problem("least_squares", n=400, p=300, density=0.03, seed=5)
    with pytest.warns(ns.ConvergenceWarning):
        res = ns.minimize(LeastSquares(A, b), max_iter=1, tol=0.0)  # step 1/L
    sigma = svds(A, k=1, return_singular_vectors=False)[0]
    L = 1 / res.info["step"]
    assert sigma ** 2 / A.shape[0] * (1 - 1e-6) <= L <= 1.02 * sigma ** 2 / A.shape[0]
    # A 10⁶ × 10⁶ design with 3·10⁵ entries: densifying it would need 8 TB. Power
    # iteration and the solve only touch the stored entries and vectors of 10⁶.
    rng = np.random.default_rng(6)
    n = p = 10 ** 6
    big = sp.csc_matrix((rng.normal(size=3 * 10 ** 5),
                         (rng.integers(0, n, 3 * 10 ** 5), rng.integers(0, p, 3 * 10 ** 5))), shape=(n, p))
    with pytest.warns(ns.ConvergenceWarning):
        res = ns.minimize(LeastSquares(big, rng.normal(size=n)), max_iter=3, tol=0.0)
    column_norms = np.sqrt(np.asarray(big.multiply(big).sum(axis=0)).ravel())
    L = 1 / res.info["step"]
    assert column_norms.max() ** 2 / n * (1 - 1e-6) <= L <= (big.data ** 2).sum() / n  # ‖A e_j‖² ≤ σ² ≤ ‖A‖_F²


def test_non_canonical_and_integer_sparse_input_is_converted():
    A, b = _problem("least_squares", seed=7)
    reference = ns.minimize(LeastSquares(A, b), ns.prox.L1(0.02), tol=1e-10, max_iter=100_000)
    # Every stored entry split in two halves, unsorted within columns: duplicates to be summed.
    rng = np.random.default_rng(7)
    data, indices, indptr = [], [], [0]
    for j in range(A.shape[1]):
        rows, vals = A.indices[A.indptr[j]:A.indptr[j + 1]], A.data[A.indptr[j]:A.indptr[j + 1]]
        order = rng.permutation(2 * rows.size)
        indices.append(np.concatenate([rows, rows])[order])
        data.append(np.concatenate([vals / 4, 3 * vals / 4])[order])
        indptr.append(indptr[-1] + 2 * rows.size)
    duplicated = _csc(np.concatenate(data), np.concatenate(indices), indptr, A.shape, index_dtype=np.int32)
    assert not duplicated.has_canonical_format and duplicated.nnz == 2 * A.nnz
    coo = duplicated.tocoo()
    for layout in (duplicated, coo):
        loss = LeastSquares(layout, b)
        assert loss.A.has_canonical_format and loss.A.nnz == A.nnz
        res = ns.minimize(loss, ns.prox.L1(0.02), tol=1e-10, max_iter=100_000)
        np.testing.assert_allclose(res.x, reference.x, atol=1e-9)
    assert duplicated.nnz == 2 * A.nnz  # the caller's matrix is left as it was
    # Integer and boolean values are converted to float64, as for dense input.
    pattern = (A != 0).astype(np.int32)
    res = ns.minimize(LeastSquares(pattern, b), tol=1e-10, max_iter=100_000)
    dense = ns.minimize(LeastSquares(pattern.toarray(), b), tol=1e-10, max_iter=100_000)
    np.testing.assert_allclose(res.x, dense.x, atol=1e-9)
    assert LeastSquares(pattern.astype(bool), b).A.dtype == np.float64


def _sklearn_version():
    import sklearn

    return tuple(int(part) for part in sklearn.__version__.split(".")[:2])


def _csc(data, indices, indptr, shape, index_dtype=np.int64):
    """A CSC matrix from raw arrays, bypassing SciPy's checks (as a careless user can)."""
    m = sp.csc_matrix(shape)
    m.data = np.asarray(data, dtype=float)
    m.indices = np.asarray(indices, dtype=index_dtype)
    m.indptr = np.asarray(indptr, dtype=index_dtype)
    return m


@pytest.mark.parametrize("make, exc, match", [
    (lambda: sp.csc_matrix(([1.0, np.nan], ([0, 2], [0, 1])), shape=(3, 2)), ValueError, r"^A: contains NaN"),
    (lambda: sp.csr_matrix(([1.0, np.inf], ([0, 2], [0, 1])), shape=(3, 2)), ValueError, r"^A: contains NaN"),
    (lambda: sp.csc_matrix(([1.0 + 1j], ([0], [0])), shape=(3, 2)), TypeError, r"^A: complex"),
    (lambda: sp.csc_matrix((3, 0)), ValueError, r"^A: is empty"),
    (lambda: sp.coo_array(np.array([1.0, 0.0, 2.0])), ValueError, r"^A: expected a 2-D"),
    # A row index outside [0, n): refused before SciPy's conversion (which would crash on it) ...
    (lambda: _with(sp.csr_matrix(np.eye(3, 2)), indices=[0, 7]), ValueError, r"^A: malformed"),
    # ... and for CSC too, since SciPy operations on X would crash on it as well.
    (lambda: _csc([1.0, 2.0], [0, 7], [0, 1, 2], (3, 2)), ValueError, r"^A: malformed sparse matrix \(.*< 3"),
    (lambda: _csc([1.0, 2.0], [0, -1], [0, 1, 2], (3, 2)), ValueError, r"^A: malformed sparse matrix \(.*>= 0"),
    # 2³² + 1 would wrap to row 1 if the indices were truncated to 32 bits.
    (lambda: _csc([1.0, 2.0], [0, 2 ** 32 + 1], [0, 1, 2], (3, 2)), ValueError, r"^A: malformed sparse matrix \(.*< 3"),
    (lambda: _csc([1.0, 2.0], [0, 1], [0, 2, 1], (3, 2)), ValueError, r"^A: malformed"),
    (lambda: _canonical_flag(_csc([1.0, 2.0], [0, 1], [0, 2, 1], (3, 2))), ValueError, r"^A: malformed"),
    (lambda: _csc([1.0, 2.0], [0, 1], [0, 1, 5], (3, 2)), ValueError, r"^A: malformed"),
    # Flagged canonical although a row repeats in a column: the core still finds it.
    (lambda: _canonical_flag(_csc([1.0, 2.0], [1, 1], [0, 2, 2], (3, 2))), ValueError, r"^A: indices must be strictly increasing within each column"),
])
def test_bad_sparse_input_names_the_argument(make, exc, match):
    b = np.ones(3)
    with pytest.raises(exc, match=match):
        ns.minimize(LeastSquares(make(), b), ns.prox.L1(0.1), max_iter=5)


def test_sparse_shape_mismatch_names_b():
    with pytest.raises(ValueError, match=r"^b: has 4 entries but A has 3 rows"):
        LeastSquares(sp.eye(3, 2, format="csr"), np.ones(4))
    with pytest.raises(ValueError, match=r"^b: logistic labels"):
        Logistic(sp.eye(3, 2, format="csc"), np.array([0.0, 1.0, -1.0]))


def _with(m, **arrays):
    for name, values in arrays.items():
        getattr(m, name)[:] = values
    return m


def _canonical_flag(m):
    m.has_canonical_format = True
    return m
