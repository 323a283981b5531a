"""Worker-side pieces of the distributed least-squares fits: the statistics of
one row chunk, the local problem of one shard (the chunks one worker holds),
and the Dask actor that keeps a shard's factorization between ADMM iterations.

Everything here runs in the worker processes and must pickle.
"""
from __future__ import annotations

import numpy as np

_NON_FINITE = "contains NaN or infinity"


def as_chunk(X):
    """A row chunk as a float64 array, or a CSR matrix when it is sparse."""
    if hasattr(X, "tocsr"):  # scipy.sparse
        return X.tocsr().astype(np.float64)
    return np.asarray(X, dtype=np.float64)


def _check_chunk(X, y, s, index):
    """Validate one row chunk where it lives (the driver never sees the data)."""
    X = as_chunk(X)
    y = np.asarray(y, dtype=np.float64).ravel()
    if X.ndim != 2:
        raise ValueError(f"X: expected a 2-D array, chunk {index} has shape {X.shape}")
    if y.shape[0] != X.shape[0]:
        raise ValueError(f"y: chunk {index} has {y.shape[0]} samples but the matching chunk of X has {X.shape[0]}")
    if not np.isfinite(X.data if hasattr(X, "tocsr") else X).all():
        raise ValueError(f"X: {_NON_FINITE} (row chunk {index})")
    if not np.isfinite(y).all():
        raise ValueError(f"y: {_NON_FINITE} (row chunk {index})")
    if s is not None:
        s = np.asarray(s, dtype=np.float64).ravel()
        if s.shape[0] != X.shape[0]:
            raise ValueError(f"sample_weight: chunk {index} has {s.shape[0]} entries but X has {X.shape[0]} rows")
        if not np.isfinite(s).all() or (s < 0).any():
            raise ValueError(f"sample_weight: must be finite and non-negative (row chunk {index})")
    return X, y, s


class ChunkStats:
    """One row chunk centred at its own (weighted) mean m (0 without intercept):
    Z = √s ⊙ (X − m), z = √s ⊙ (y − ȳ_c). Keeps ZᵀZ, Zᵀz and zᵀz when the chunk
    has at least as many rows as columns, else Z and z themselves (a shard with
    fewer rows than columns is solved through its n_i×n_i kernel).

    Centring each chunk at its own mean and shifting to the global mean later
    (Chan, Golub & LeVeque 1979) avoids the cancellation of XᵀX − n x̄x̄ᵀ.
    A sparse chunk is never centred: its Gram matrix is XᵀSX − Σs·m mᵀ (dense,
    p×p), and with fewer rows than columns it is densified (n·p < p² floats).
    """

    def __init__(self, X, y, s, fit_intercept, index):
        X, y, s = _check_chunk(X, y, s, index)
        n, p = X.shape
        if hasattr(X, "tocsr") and n < p:
            X = X.toarray()
        w = np.ones(n) if s is None else s
        self.rows, self.weight = n, float(w.sum())
        if fit_intercept and self.weight > 0:
            self.mean = (X.T @ w) / self.weight
            self.ymean = float(w @ y) / self.weight
        else:
            self.mean, self.ymean = np.zeros(p), 0.0
        root = None if s is None else np.sqrt(s)
        self.root = root
        if hasattr(X, "tocsr"):
            z = y - self.ymean
            SX = X if s is None else X.multiply(w[:, None]).tocsr()
            self.gram = (X.T @ SX).toarray() - self.weight * np.outer(self.mean, self.mean)
            self.cross, self.yy = SX.T @ z, float(w @ (z * z))
            self.Z = self.z = None
            return
        Z = X - self.mean if fit_intercept else X
        z = y - self.ymean
        if root is not None:
            Z = Z * root[:, None]
            z = z * root
        if n >= p:
            self.gram, self.cross, self.yy = _gram(Z), Z.T @ z, float(z @ z)
            self.Z = self.z = None
        else:
            self.gram = None
            self.Z, self.z = np.array(Z, dtype=np.float64, order="C"), np.array(z, dtype=np.float64)

    def summary(self):
        """What the driver needs for the global means: (rows, Σs, Σs·x, Σs·y)."""
        return self.rows, self.weight, self.weight * self.mean, self.weight * self.ymean


def chunk_stats(X, y, s, fit_intercept, index):
    return ChunkStats(X, y, s, fit_intercept, index)


def chunk_summary(stats):
    return stats.summary()


def _gram(Z):
    """ZᵀZ by dsyrk (half the flops of a general product)."""
    from scipy.linalg.blas import dsyrk

    if Z.shape[0] == 0:
        return np.zeros((Z.shape[1], Z.shape[1]))
    upper = dsyrk(1.0, np.asarray(Z, order="C").T)  # the transpose of a C array is Fortran: no copy
    return np.triu(upper) + np.triu(upper, 1).T


class Shard:
    """The local least-squares problem of one shard, in the global centring and
    the sample-weight normalization (weights summing to n; the means are 0
without intercept):

        f_i(x) = (1/2n)‖y_i − X_i x‖²   with G_i = X_iᵀX_i, b_i = X_iᵀy_i,

    held as the Gram matrix G_i when the shard has at least p rows, otherwise
    as X_i itself.
    """

    def __init__(self, mean, ymean, scale, *chunks):
        p = mean.shape[0]
        self.rows = sum(c.rows for c in chunks)
        self.kernel = self.rows < p
        sq = np.sqrt(scale)
        if self.kernel:  # every chunk kept its rows (a chunk has at most as many rows as its shard)
            parts, targets = [], []
            for c in chunks:
                root = np.ones(c.rows) if c.root is None else c.root
                parts.append(sq * (c.Z + root[:, None] * (c.mean - mean)))
                targets.append(sq * (c.z + root * (c.ymean - ymean)))
            self.X = np.ascontiguousarray(np.vstack(parts))
            y = np.concatenate(targets)
            self.G = None
            self.b, self.yy = self.X.T @ y, float(y @ y)
            self.diag = np.einsum("ij,ij->j", self.X, self.X)
        else:
            G, b, yy = np.zeros((p, p)), np.zeros(p), 0.0
            for c in chunks:
                g, cr, cy = (c.gram, c.cross, c.yy) if c.gram is not None else (_gram(c.Z), c.Z.T @ c.z, c.z @ c.z)
                G += g
                b += cr
                yy += cy
                d, e = c.mean - mean, c.ymean - ymean  # zero without intercept
                G += c.weight * np.outer(d, d)
                b += c.weight * e * d
                yy += c.weight * e * e
            self.G, self.b, self.yy = scale * G, scale * b, scale * yy
            self.X = None
            self.diag = np.diag(self.G).copy()

    def summary(self):
        """(b_i, ‖y_i‖², diag G_i, kernel): the driver's p-vectors for the gap
        and for ρ, and whether the shard kept its rows."""
        return self.b, self.yy, self.diag, self.kernel


class GramShard:
    """A shard known by its Gram matrix and Xᵀy only (the sum of all shards,
    on the driver)."""

    kernel = False

    def __init__(self, G, b):
        self.G, self.b = G, b


def make_shard(mean, ymean, scale, *chunks):
    return Shard(mean, ymean, scale, *chunks)


def shard_summary(shard):
    return shard.summary()


def shard_gram(shard):
    return shard.G


class ShardSolver:
    """Dask actor: the x-update of consensus ADMM for one shard,

        x = argmin f_i(x) + (ρ/2)‖x − v‖²  ⇔  (G_i + nρI) x = b_i + nρv,

    by the Cholesky factor of G_i + nρI (p×p), or with fewer rows than columns of
    nρI + X_iX_iᵀ (n_i×n_i) and the matrix inversion lemma
    (G_i + nρI)⁻¹w = (w − X_iᵀ(nρI + X_iX_iᵀ)⁻¹X_i w)/(nρ). The factor is cached
    and recomputed only when ρ changes (Boyd et al. 2011, §4.2.3).
    """

    def __init__(self, shard, n_total):
        self.shard = shard
        self.n = float(n_total)
        self.rho = None
        self.factor = None
        self.factorizations = 0

    def _refactor(self, rho):
        from scipy.linalg import cho_factor

        sh, c = self.shard, self.n * rho
        if sh.kernel:
            K = sh.X @ sh.X.T
            K[np.diag_indices_from(K)] += c
            self.factor = cho_factor(K, lower=True, check_finite=False)
        else:
            A = sh.G.copy()
            A[np.diag_indices_from(A)] += c
            self.factor = cho_factor(A, lower=True, check_finite=False)
        self.rho = rho
        self.factorizations += 1

    def step(self, rho, v, z):
        """x-update at v and the product G_i z for the gap at z, as one 2p vector."""
        from scipy.linalg import cho_solve

        if rho != self.rho:
            self._refactor(rho)
        sh, c = self.shard, self.n * rho
        w = sh.b + c * v
        if sh.kernel:
            x = (w - sh.X.T @ cho_solve(self.factor, sh.X @ w, check_finite=False)) / c
            Gz = sh.X.T @ (sh.X @ z)
        else:
            x = cho_solve(self.factor, w, check_finite=False)
            Gz = sh.G @ z
        return np.concatenate([x, Gz])

    def gram_block(self, support):
        """G_i restricted to the features in `support` (|S|×|S|)."""
        sh = self.shard
        if sh.kernel:
            XS = sh.X[:, support]
            return XS.T @ XS
        return sh.G[np.ix_(support, support)]

    def gram_columns(self, index):
        """G_i restricted to the columns in `index` (p×|U|)."""
        sh = self.shard
        if sh.kernel:
            return sh.X.T @ sh.X[:, index]
        return sh.G[:, index]

    def count_factorizations(self):
        return self.factorizations


def chunk_gap(X, y, s, B, mean, ymean, scale, fit_intercept):
    """One chunk's share of the duality gap at each column β of B (p×k), from
    the data itself: with r = √s'(y − ȳ − (X − x̄)β) (s' = scale·s), returns
    the (3 + p)×k array of (‖r‖², (√s'(y − ȳ))ᵀr, √s'ᵀr, X_cᵀr)."""
    X = as_chunk(X)
    y = np.asarray(y, dtype=np.float64).ravel()
    root = np.sqrt(scale * (np.ones(y.shape[0]) if s is None else np.asarray(s, dtype=np.float64).ravel()))
    yc = root * (y - ymean) if fit_intercept else root * y
    fitted = np.asarray(X @ B)
    if fit_intercept:
        fitted = fitted - mean @ B
    R = yc[:, None] - root[:, None] * fitted
    RS = root[:, None] * R
    g = np.asarray(X.T @ RS)
    if fit_intercept:
        g = g - np.outer(mean, RS.sum(axis=0))
    return np.vstack([np.einsum("ik,ik->k", R, R), yc @ R, root @ R, g])
