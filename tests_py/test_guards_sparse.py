"""Malformed SciPy sparse designs: every public entry point that takes X (or A)
raises ValueError naming it, for every format, before any conversion can read
out of bounds (issue 12, item 7: a COO matrix with a negative column index
used to crash inside SciPy's conversion)."""
import numpy as np
import pytest
import scipy.sparse as sp

import nonsmooth as ns
from nonsmooth.tuning import lasso_criterion_path

N, P = 6, 4


def _dense():
    return np.arange(1.0, N * P + 1).reshape(N, P)


def _coo_negative_col(cls=sp.coo_matrix):
    X = cls(_dense()); X.col[0] = -3; return X


def _coo_row_too_large(cls=sp.coo_matrix):
    X = cls(_dense()); X.row[-1] = N; return X


def _coo_lengths():
    X = sp.coo_matrix(_dense()); X.col = X.col[:-1]; return X


def _csr_index(cls=sp.csr_matrix):
    X = cls(_dense()); X.indices[0] = 100; return X


def _csr_negative_index():
    X = sp.csr_matrix(_dense()); X.indices[3] = -1; return X


def _csr_indptr():
    X = sp.csr_matrix(_dense()); X.indptr[2] = 10**6; return X


def _csc_index(cls=sp.csc_matrix):
    X = cls(_dense()); X.indices[0] = -1; return X


def _csc_unsorted_out_of_range():
    X = sp.csc_matrix(_dense()); X.indices[:2] = [N + 5, 0]; X.has_sorted_indices = False; return X


def _bsr_index():
    X = sp.bsr_matrix(_dense(), blocksize=(2, 2)); X.indices[0] = 50; return X


def _lil_index(cls=sp.lil_matrix):
    X = cls(_dense()); X.rows[0][0] = 100; return X


def _lil_negative():
    X = sp.lil_matrix(_dense()); X.rows[1][1] = -1; return X


def _lil_ragged():
    X = sp.lil_matrix(_dense()); X.rows[2] = X.rows[2][:-1]; return X


def _dok_key():
    X = sp.dok_matrix(_dense()); X._dict[(N + 3, 0)] = 1.0; return X


def _dia_offsets():
    X = sp.dia_matrix(_dense()); X.offsets = X.offsets[:-1]; return X


MALFORMED = {
    "coo negative col": _coo_negative_col,
    "coo_array negative col": lambda: _coo_negative_col(sp.coo_array),
    "coo row too large": _coo_row_too_large,
    "coo_array row too large": lambda: _coo_row_too_large(sp.coo_array),
    "coo lengths differ": _coo_lengths,
    "csr index": _csr_index,
    "csr_array index": lambda: _csr_index(sp.csr_array),
    "csr negative index": _csr_negative_index,
    "csr indptr": _csr_indptr,
    "csc negative index": _csc_index,
    "csc_array negative index": lambda: _csc_index(sp.csc_array),
    "csc unsorted out of range": _csc_unsorted_out_of_range,
    "bsr index": _bsr_index,
    "lil index": _lil_index,
    "lil_array index": lambda: _lil_index(sp.lil_array),
    "lil negative": _lil_negative,
    "lil ragged": _lil_ragged,
    "dok key": _dok_key,
    "dia offsets": _dia_offsets,
}

y = np.linspace(-1.0, 1.0, N)


def _minimize(X):
    ns.minimize(ns.optimize.LeastSquares(X, y), ns.prox.L1(0.1))


def _predict(X):
    ns.Lasso(0.1).fit(_dense(), y).predict(X)


ENTRY_POINTS = {
    "Lasso.fit": lambda X: ns.Lasso(0.1).fit(X, y),
    "Lasso.fit sample_weight": lambda X: ns.Lasso(0.1).fit(X, y, sample_weight=np.ones(N)),
    "ElasticNet.fit": lambda X: ns.ElasticNet(0.1).fit(X, y),
    "Lasso.predict": _predict,
    "lasso_path": lambda X: ns.lasso_path(X, y, n_alphas=3),
    "enet_path": lambda X: ns.enet_path(X, y, n_alphas=3),
    "LassoTuned.fit": lambda X: ns.LassoTuned(max_iter=2).fit(X, y),
    "ElasticNetTuned.fit": lambda X: ns.ElasticNetTuned(max_iter=2).fit(X, y),
    "WeightedLassoTuned.fit": lambda X: ns.WeightedLassoTuned(max_iter=2).fit(X, y),
    "lasso_criterion_path": lambda X: lasso_criterion_path(X, y, n_alphas=3),
    "minimize(LeastSquares)": _minimize,
    "Logistic": lambda X: ns.optimize.Logistic(X, np.sign(y)),
    "Huber": lambda X: ns.optimize.Huber(X, y),
}


@pytest.mark.parametrize("case", sorted(MALFORMED))
@pytest.mark.parametrize("entry", sorted(ENTRY_POINTS))
def test_malformed_sparse_raises_value_error(entry, case):
    X = MALFORMED[case]()
    with pytest.raises(ValueError, match=r"^X|^A"):
        ENTRY_POINTS[entry](X)


@pytest.mark.parametrize("fmt", ["coo", "csr", "csc", "bsr", "lil", "dok", "dia"])
@pytest.mark.parametrize("kind", ["matrix", "array"])
def test_every_well_formed_format_fits_as_dense(fmt, kind):
    rng = np.random.default_rng(0)
    A = rng.normal(size=(N, P)) * (rng.random((N, P)) < 0.6)
    X = (sp.csr_array if kind == "array" else sp.csr_matrix)(A).asformat(fmt)
    dense = ns.Lasso(0.05, tol=1e-10).fit(A, y)
    sparse = ns.Lasso(0.05, tol=1e-10).fit(X, y)
    np.testing.assert_allclose(sparse.coef_, dense.coef_, atol=1e-8)
