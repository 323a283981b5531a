"""Property-based tests of the estimators' public surface: Lasso / ElasticNet
fit, predict, score, lasso_path / enet_path (see test_properties_public_api.py
for the settings and helpers shared by the property suite)."""
import numpy as np
import pytest
from hypothesis import given, strategies as st

import nonsmooth as ns
from properties_common import SETTINGS, finite_arrays

# ---- sample weights ------------------------------------------------------------------------


@SETTINGS
@given(data=st.data(), scale=st.sampled_from([1e-310, 1e-300, 1e-150, 1.0, 1e150, 1e300, 1e307]))
def test_sample_weight_scale_invariance(data, scale):
    """sample_weight is rescaled to sum to n (scikit-learn): multiplying it by any
    positive constant leaves the fit unchanged, even where Σ s overflows or n / Σ s
    does (it raised ZeroDivisionError, or blamed X for a NaN, before)."""
    n, p = data.draw(st.integers(2, 8), label="n"), data.draw(st.integers(1, 4), label="p")
    X = data.draw(finite_arrays((n, p), 10.0), label="X")
    y = data.draw(finite_arrays((n,), 10.0), label="y")
    s = data.draw(finite_arrays((n,), 1.0, low=0.1), label="s")
    ref = ns.Lasso(0.05, tol=1e-10).fit(X, y, sample_weight=s)
    got = ns.Lasso(0.05, tol=1e-10).fit(X, y, sample_weight=s * scale)
    np.testing.assert_allclose(got.coef_, ref.coef_, rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(got.intercept_, ref.intercept_, rtol=1e-6, atol=1e-8)
