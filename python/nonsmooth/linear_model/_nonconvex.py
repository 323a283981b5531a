"""Sparse regression with the nonconvex penalties MCP and SCAD, by the
coordinate-descent engine, each fit certified by its KKT violation."""
from __future__ import annotations

from . import penalties
from ._glm import _Regression

_COMMON_PARAMETERS = """    fit_intercept : bool, default=True
        Fit an unpenalized intercept (updated inside the coordinate loop).
    tol : float, default=1e-6
        The fit stops when the KKT violation max_j dist(−∇_j F, ∂p(β_j)) is
        ≤ tol · Σ sᵢ(yᵢ − ȳ)²/Σ sᵢ (scikit-learn's scaling of the Lasso's tol).
    max_iter : int, default=10000
        Budget of coordinate-descent epochs; running out warns with the
        certificate reached (ConvergenceWarning).
    warm_start : bool, default=False
        Start from the previous ``coef_`` / ``intercept_``.
    verbose : bool, default=False
    callback : callable(epoch, certificate) -> bool or None, default=None
        Called every 10 epochs; returning False stops the fit.

    Attributes
    ----------
    coef_ : ndarray of shape (n_features,)
        With the solver's exact zeros.
    intercept_ : float
    certificate_ : float
        The KKT violation at ``coef_`` (``certificate_kind_ == "kkt_violation"``).
    certificate_tolerance_ : float
    objective_ : float
    n_iter_ : int
    history_ : ndarray of shape (k, 2)
        (epoch, certificate) at every full evaluation; the last row is ``certificate_``.
    n_features_in_ : int
"""


class MCPRegression(_Regression):
    __doc__ = """Least squares with the minimax concave penalty (Zhang 2010).

    Minimizes

    .. math:: \\frac{1}{2n}\\|y - X\\beta - b\\|^2 + \\sum_j p_{\\alpha,\\gamma}(\\beta_j),
              \\quad p(t) = \\alpha|t| - \\frac{t^2}{2\\gamma} \\ (|t| \\le \\gamma\\alpha),
              \\ \\frac{\\gamma\\alpha^2}{2} \\ (|t| > \\gamma\\alpha)

    by coordinate descent with working sets and Anderson extrapolation (the
    formulation of skglm's ``MCPRegression``; Breheny & Huang 2011 for
    coordinate descent on MCP). Large coefficients are not shrunk, unlike the
    Lasso. The problem is nonconvex: the result is a stationary point, certified
    by its KKT violation (the distance of −∇F to the limiting subdifferential).

    Parameters
    ----------
    alpha : float, default=1.0
        λ, the slope of the penalty at 0.
    gamma : float, default=3.0
        Concavity γ > 1 (coordinate descent needs γ > 1/‖x_j‖²·n for every
        feature to keep each coordinate problem convex; standardized features
        satisfy it for any γ > 1).
""" + _COMMON_PARAMETERS + """
    Examples
    --------
    >>> import numpy as np
    >>> from nonsmooth.linear_model import MCPRegression
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((50, 10)); y = 3 * X[:, 0] + 0.1 * rng.standard_normal(50)
    >>> model = MCPRegression(alpha=0.2).fit(X, y)
    >>> np.flatnonzero(model.coef_)
    array([0])
    """

    def __init__(self, alpha=1.0, gamma=3.0, *, fit_intercept=True, tol=1e-6, max_iter=10_000, warm_start=False,
                 verbose=False, callback=None):
        self.alpha = alpha
        self.gamma = gamma
        self.fit_intercept = fit_intercept
        self.tol = tol
        self.max_iter = max_iter
        self.warm_start = warm_start
        self.verbose = verbose
        self.callback = callback

    def _penalty(self):
        return penalties.MCP(self.alpha, self.gamma)


class SCADRegression(_Regression):
    __doc__ = """Least squares with the SCAD penalty (Fan & Li 2001).

    Minimizes (1/2n)‖y − Xβ − b‖² + Σⱼ p(βⱼ) with p(t) = α|t| for |t| ≤ α,
    (2γα|t| − t² − α²)/(2(γ − 1)) for α < |t| ≤ γα and α²(γ + 1)/2 beyond, by
    coordinate descent with working sets and Anderson extrapolation. Nonconvex:
    the result is a stationary point certified by its KKT violation.

    Parameters
    ----------
    alpha : float, default=1.0
    gamma : float, default=3.7
        The SCAD parameter a > 2 (Fan & Li's recommended 3.7).
""" + _COMMON_PARAMETERS + """
    Examples
    --------
    >>> import numpy as np
    >>> from nonsmooth.linear_model import SCADRegression
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((50, 10)); y = 3 * X[:, 0] + 0.1 * rng.standard_normal(50)
    >>> model = SCADRegression(alpha=0.2).fit(X, y)
    >>> np.flatnonzero(model.coef_)
    array([0])
    """

    def __init__(self, alpha=1.0, gamma=3.7, *, fit_intercept=True, tol=1e-6, max_iter=10_000, warm_start=False,
                 verbose=False, callback=None):
        self.alpha = alpha
        self.gamma = gamma
        self.fit_intercept = fit_intercept
        self.tol = tol
        self.max_iter = max_iter
        self.warm_start = warm_start
        self.verbose = verbose
        self.callback = callback

    def _penalty(self):
        return penalties.SCAD(self.alpha, self.gamma)
