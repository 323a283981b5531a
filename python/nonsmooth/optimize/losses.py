"""Built-in smooth losses for the generic solvers (computed natively).

A user-supplied smooth loss will come with the conservative autodiff.
"""
from __future__ import annotations

import numpy as np

from .._validation import as_csc, as_float_array, as_scalar, is_sparse


class SmoothLoss:
    """A smooth data-fit term f(x) of a design A (n × p) and a vector b (n).

    A is a dense array (any memory order; Fortran order is read in place) or a
    SciPy sparse matrix or array of any format, which the solvers read as CSC
    without ever densifying it: products with A and Aᵀ cost O(nnz), and so does
    each step of the power iteration that estimates the Lipschitz constant.
    CSR, COO and other formats are converted to CSC once, here (a copy of the
    stored entries only); so are integer values and non-canonical matrices
    (duplicate entries summed, indices sorted). ``A`` holds the matrix the
    solvers read.
    """

    kind = ""

    def __init__(self, A, b, *, lipschitz: float | None = None):
        if is_sparse(A):
            A, data, indices, indptr = as_csc(A, "A")
            if min(A.shape) < 1:
                raise ValueError(f"A: is empty (shape {A.shape})")
            self._matrix = ((data, indices, indptr), A.shape)
        else:
            A = as_float_array(A, "A", ndim=2)
            self._matrix = (A, None)
        b = np.ascontiguousarray(as_float_array(b, "b", ndim=1))
        if b.shape[0] != A.shape[0]:
            raise ValueError(f"b: has {b.shape[0]} entries but A has {A.shape[0]} rows")
        self.A, self.b = A, b
        self.lipschitz = None if lipschitz is None else as_scalar(lipschitz, "lipschitz", low=0.0)
        self.delta = 1.0

    @property
    def dimension(self) -> int:
        return self.A.shape[1]

    def _native_args(self):
        """(kind, A or its CSC arrays, shape for CSC else None, b, δ, L or NaN), as the native solvers take them."""
        matrix, shape = self._matrix
        return (self.kind, matrix, shape, self.b, self.delta, np.nan if self.lipschitz is None else self.lipschitz)

    def __repr__(self):
        layout = f", sparse, {self.A.nnz} stored" if is_sparse(self.A) else ""
        return f"{type(self).__name__}(A: {self.A.shape[0]}×{self.A.shape[1]}{layout})"


class LeastSquares(SmoothLoss):
    """f(x) = ‖Ax − b‖² / (2n).

    Parameters
    ----------
    A : array_like or scipy.sparse matrix of shape (n, p)
        The design.
    b : array_like of shape (n,)
        The targets.
    lipschitz : float, optional
        A Lipschitz constant of ∇f (default: estimated by power iteration).

    Examples
    --------
    >>> from nonsmooth.optimize import LeastSquares
    >>> loss = LeastSquares(np.array([[1.0, 0.0], [0.0, 2.0]]), np.array([1.0, 2.0]))
    >>> loss, loss.dimension
    (LeastSquares(A: 2×2), 2)
    >>> ns.minimize(loss, tol=1e-12).x.round(6)            # least squares: (1, 1)
    array([1., 1.])
    """

    kind = "least_squares"


class Logistic(SmoothLoss):
    """f(x) = (1/n) Σ log(1 + exp(−b_i (Ax)_i)) with labels b_i ∈ {−1, +1}.

    Parameters
    ----------
    A : array_like or scipy.sparse matrix of shape (n, p)
        The design.
    b : array_like of shape (n,)
        The labels, −1 or +1.
    lipschitz : float, optional
        A Lipschitz constant of ∇f (default: estimated by power iteration).

    Examples
    --------
    >>> from nonsmooth.optimize import Logistic
    >>> A = np.array([[1.0, 2.0], [-1.0, 0.5], [2.0, -1.0], [-2.0, -1.0]])
    >>> labels = np.array([1.0, -1.0, 1.0, -1.0])
    >>> res = ns.minimize(Logistic(A, labels), ns.prox.L1(0.1), tol=1e-10)
    >>> res.x.round(4)                                     # sparse logistic regression
    array([1.7783, 0.    ])
    """

    kind = "logistic"

    def __init__(self, A, b, *, lipschitz=None):
        super().__init__(A, b, lipschitz=lipschitz)
        if not np.isin(self.b, (-1.0, 1.0)).all():
            raise ValueError("b: logistic labels must be -1 or +1")


class Huber(SmoothLoss):
    """f(x) = (1/n) Σ huber_δ((Ax − b)_i) (Huber 1964), robust to outliers.

    Parameters
    ----------
    A : array_like or scipy.sparse matrix of shape (n, p)
        The design.
    b : array_like of shape (n,)
        The targets.
    lipschitz : float, optional
        A Lipschitz constant of ∇f (default: estimated by power iteration).
    delta : float, default=1.0
        δ > 0, where the loss turns from quadratic to linear.

    Examples
    --------
    >>> from nonsmooth.optimize import Huber
    >>> A = np.ones((4, 1))
    >>> b = np.array([0.0, 0.1, -0.1, 100.0])                  # one outlier
    >>> ns.minimize(Huber(A, b, delta=1.0), tol=1e-12).x.round(4)   # the mean would be 25
    array([0.3333])
    """

    kind = "huber"

    def __init__(self, A, b, delta: float = 1.0, *, lipschitz=None):
        super().__init__(A, b, lipschitz=lipschitz)
        self.delta = as_scalar(delta, "delta", low=0.0, low_open=True)
