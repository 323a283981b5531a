"""The property suite covers every public entry point, and every primitive of
``nonsmooth.function`` agrees with NumPy inside a traced function.

``COVERAGE`` maps each public name (``nonsmooth``, ``nonsmooth.prox``,
``nonsmooth.optim``, ``nonsmooth.optimize.losses``, ``nonsmooth.tuning``,
``nonsmooth.implicit``, ``nonsmooth.autodiff``) to the property file that
checks it against a reference and with invalid input, or says why it needs no
property test (exceptions, warnings, modules, constants). A new public name
fails ``test_every_public_name_is_covered`` until it is added there with its
tests: the suite stays complete as the API grows.

Settings and shared checks: properties_common.py (``NS_HYPOTHESIS_PROFILE=ci``
by default, ``fuzz`` for scripts/fuzz.sh).
"""
import os

import numpy as np
import pytest
from hypothesis import given, strategies as st

import nonsmooth as ns
from nonsmooth import implicit, optim, tuning
from nonsmooth.optimize import losses
from properties_common import FEW, NON_FINITE, SETTINGS, finite_arrays, poisoned, raises_naming

HERE = os.path.dirname(os.path.abspath(__file__))
PROX, LINEAR, OPTIMIZE = "test_properties_prox.py", "test_properties_linear_model.py", "test_properties_optimize.py"
AUTODIFF, TRAINING, TUNING = "test_properties_autodiff.py", "test_properties_training.py", "test_properties_tuning.py"
NOT_AN_ENTRY_POINT = "no computation: exception, warning, module, constant or re-export"

COVERAGE = {
    "nonsmooth": {
        **{n: LINEAR for n in ("Lasso", "ElasticNet", "lasso_path", "enet_path")},
        **{n: "test_properties_glm.py" for n in ("SparseLogisticRegression", "logistic_path", "MCPRegression",
                                                 "SCADRegression", "GeneralizedLinearEstimator")},
        **{n: TUNING for n in ("LassoTuned", "ElasticNetTuned", "WeightedLassoTuned")},
        **{n: "test_multitask.py" for n in ("MultiTaskLasso", "MultiTaskElasticNet")},
        **{n: "test_group_lasso.py" for n in ("GroupLasso", "SparseGroupLasso", "group_lasso_path")},
        **{n: OPTIMIZE for n in ("minimize", "subgradient_method", "admm", "OptimizeResult")},
        **{n: TRAINING for n in ("train", "TrainResult", "SGD", "Momentum", "Nesterov", "AdaGrad", "RMSProp", "Adam")},
        **{n: AUTODIFF for n in ("function", "Function", "Kinks", "KinkReport", "Tracer")},
        "gumbel_noise": "test_autodiff_layers.py",
        **{n: NOT_AN_ENTRY_POINT for n in (
            "CancelledError", "ConvergenceWarning", "DivergenceWarning", "KinkError", "NotConvergedError",
            "NumericalError", "ImplicitDifferentiationWarning", "tuning", "datasets", "linear_model", "optimize",
            "prox", "autodiff", "optim", "training", "StuckAtKinkWarning")},
        "lab": "test_lab.py",  # experiments reproducing phenomena, built on the entry points above
        # Settings without a numerical output, tested by example elsewhere (not property tests):
        **{n: "test_prox_threads.py" for n in ("get_num_threads", "set_num_threads")},
        **{n: "test_autodiff_float32.py" for n in ("get_autodiff_threads", "set_autodiff_threads")},
        **{n: "test_autodiff_kinks.py" for n in ("get_kink_policy", "set_kink_policy", "kink_policy")},
    },
    "prox": {**{n: PROX for n in ns.prox.__all__ if n not in ("OPERATORS", "ProximalOperator")},
             "OPERATORS": NOT_AN_ENTRY_POINT, "ProximalOperator": NOT_AN_ENTRY_POINT},
    "optim": {**{n: TRAINING for n in optim.__all__}},
    "losses": {n: OPTIMIZE for n in ("LeastSquares", "Logistic", "Huber")},
    "tuning": {
        **{n: TUNING for n in ("LassoTuned", "ElasticNetTuned", "WeightedLassoTuned", "hypergradient")},
        # The criteria through the estimators' criterion="cv"/"holdout"/"sure_fd" and lasso_criterion_path;
        # the outer optimizer through optimizer="gd" (LBFGS: by example in test_tuning.py).
        **{n: TUNING for n in ("CrossVal", "HeldOut", "SURE", "FiniteDifferenceSURE", "GradientDescent", "Diagnostics",
                               "lasso_criterion_path")},
        "LBFGS": "test_tuning.py",
        "FirstOrder": "test_sklearn_conventions.py",  # ns.optim optimizers as the outer loop (tested there)
        "Criterion": NOT_AN_ENTRY_POINT,
        "ImplicitDifferentiationWarning": NOT_AN_ENTRY_POINT,
    },
    "implicit": {**{n: AUTODIFF for n in ("implicit_jvp", "implicit_vjp", "implicit_jacobian", "ImplicitResult")},
                 "ImplicitFunctionWarning": NOT_AN_ENTRY_POINT},
}
MODULES = {"nonsmooth": ns, "prox": ns.prox, "optim": optim, "tuning": tuning, "implicit": implicit}
# The traced primitives: everything nonsmooth.autodiff exports but the function machinery. gumbel_noise
# is a NumPy sampler for gumbel_softmax's noise, not a primitive (tested in test_autodiff_layers.py).
MACHINERY = {"Function", "KinkReport", "Kinks", "Tracer", "function", "get_kink_policy", "kink_policy",
             "set_kink_policy"}
PRIMITIVE_NAMES = set(ns.autodiff.__all__) - MACHINERY - {"gumbel_noise"}


def public_names(module) -> set:
    return {n for n in getattr(module, "__all__", dir(module)) if not n.startswith("_")}


@pytest.mark.parametrize("where", sorted(MODULES))
def test_every_public_name_is_covered(where):
    names = public_names(MODULES[where])
    if where == "nonsmooth":
        names -= PRIMITIVE_NAMES  # the primitives: test_primitive_agrees_with_numpy below
    missing = sorted(names - set(COVERAGE[where]))
    assert not missing, f"public names of {where} without property tests: {missing}"
    stale = sorted(set(COVERAGE[where]) - names)
    assert not stale, f"COVERAGE lists names {where} no longer has: {stale}"
    for name, file in COVERAGE[where].items():
        assert file == NOT_AN_ENTRY_POINT or os.path.exists(os.path.join(HERE, file)), (name, file)


def test_losses_are_covered():
    classes = {n for n, v in vars(losses).items() if isinstance(v, type) and issubclass(v, losses.SmoothLoss)}
    assert classes - {"SmoothLoss"} == set(COVERAGE["losses"])


# ---- every primitive against NumPy ----------------------------------------------------------------------
def _phi(x):
    from math import erf
    return np.vectorize(lambda t: 0.5 * (1 + erf(t / np.sqrt(2))))(x)


def _softmax_xent(z, t):
    m = z.max()
    return -(t * (z - m - np.log(np.exp(z - m).sum()))).sum()


# name: (nonsmooth call on (x, y) with x, y of one shape n, NumPy reference); x, y ∈ [−3, 3]
PRIMITIVES = {
    **{n: (lambda x, y, n=n: getattr(ns, n)(x), lambda x, y, n=n: getattr(np, n)(x)) for n in (
        "abs", "absolute", "cos", "exp", "floor", "negative", "sign", "sin", "square", "tanh")},
    **{n: (lambda x, y, n=n: getattr(ns, n)(x, y), lambda x, y, n=n: getattr(np, n)(x, y)) for n in (
        "add", "subtract", "multiply", "maximum", "minimum", "equal", "not_equal", "greater", "greater_equal",
        "less", "less_equal")},
    **{n: (lambda x, y, n=n: getattr(ns, n)(x), lambda x, y, n=n: getattr(np, n)(x)) for n in (
        "sum", "mean", "max", "min", "amax", "amin")},
    "divide": (lambda x, y: ns.divide(x, ns.abs(y) + 1.0), lambda x, y: x / (np.abs(y) + 1)),
    "log": (lambda x, y: ns.log(ns.abs(x) + 0.5), lambda x, y: np.log(np.abs(x) + 0.5)),
    "log1p": (lambda x, y: ns.log1p(ns.abs(x)), lambda x, y: np.log1p(np.abs(x))),
    "sqrt": (lambda x, y: ns.sqrt(ns.abs(x)), lambda x, y: np.sqrt(np.abs(x))),
    "reciprocal": (lambda x, y: ns.reciprocal(ns.abs(x) + 0.5), lambda x, y: 1 / (np.abs(x) + 0.5)),
    "power": (lambda x, y: ns.power(ns.abs(x) + 0.5, y), lambda x, y: (np.abs(x) + 0.5) ** y),
    "round": (lambda x, y: ns.round(x), lambda x, y: np.round(x)),
    "clip": (lambda x, y: ns.clip(x, -1.0, 0.5), lambda x, y: np.clip(x, -1.0, 0.5)),
    "where": (lambda x, y: ns.where(ns.greater(x, y), x, y * 2.0), lambda x, y: np.where(x > y, x, 2 * y)),
    "relu": (lambda x, y: ns.relu(x), lambda x, y: np.maximum(x, 0)),
    "leaky_relu": (lambda x, y: ns.leaky_relu(x, 0.2), lambda x, y: np.where(x >= 0, x, 0.2 * x)),
    "gelu": (lambda x, y: ns.gelu(x), lambda x, y: x * _phi(x)),
    "sigmoid": (lambda x, y: ns.sigmoid(x), lambda x, y: 1 / (1 + np.exp(-x))),
    "softplus": (lambda x, y: ns.softplus(x), lambda x, y: np.logaddexp(0, x)),
    "hinge": (lambda x, y: ns.hinge(x), lambda x, y: np.maximum(0, 1 - x)),
    "huber": (lambda x, y: ns.huber(x, 0.5), lambda x, y: np.where(np.abs(x) <= 0.5, x * x / 2, 0.5 * (np.abs(x) - 0.25))),
    "soft_threshold": (lambda x, y: ns.soft_threshold(x, 0.4), lambda x, y: np.sign(x) * np.maximum(np.abs(x) - 0.4, 0)),
    "norm1": (lambda x, y: ns.norm1(x), lambda x, y: np.abs(x).sum()),
    "norm2": (lambda x, y: ns.norm2(x), lambda x, y: np.linalg.norm(x)),
    "norm_inf": (lambda x, y: ns.norm_inf(x), lambda x, y: np.abs(x).max()),
    "logsumexp": (lambda x, y: ns.logsumexp(x), lambda x, y: np.log(np.exp(x - x.max()).sum()) + x.max()),
    "sort": (lambda x, y: ns.sort(x), lambda x, y: np.sort(x)),
    "matmul": (lambda x, y: ns.matmul(x, y), lambda x, y: x @ y),
    "softmax_cross_entropy": (lambda x, y: ns.softmax_cross_entropy(x, ns.abs(y) / (ns.sum(ns.abs(y)) + 1.0)),
                              lambda x, y: _softmax_xent(x, np.abs(y) / (np.abs(y).sum() + 1))),
    "max_pool1d": (lambda x, y: ns.max_pool1d(x, 2), lambda x, y: x[: x.size // 2 * 2].reshape(-1, 2).max(axis=1)),
    "max_pool2d": (lambda x, y: ns.max_pool2d(ns.reshape(ns.concatenate([x, y]), (2, -1)), (2, 1)),
                   lambda x, y: np.maximum(x, y)[np.newaxis]),
    "reshape": (lambda x, y: ns.reshape(x, (1, -1)), lambda x, y: x.reshape(1, -1)),
    "transpose": (lambda x, y: ns.transpose(ns.stack([x, y])), lambda x, y: np.stack([x, y]).T),
    "stack": (lambda x, y: ns.stack([x, y], axis=1), lambda x, y: np.stack([x, y], axis=1)),
    "concatenate": (lambda x, y: ns.concatenate([y, x]), lambda x, y: np.concatenate([y, x])),
    "broadcast_to": (lambda x, y: ns.broadcast_to(x, (3, x.size)), lambda x, y: np.broadcast_to(x, (3, x.size))),
    "stop_gradient": (lambda x, y: ns.stop_gradient(x) * y, lambda x, y: x * y),
    "softmax": (lambda x, y: ns.softmax(x), lambda x, y: np.exp(x - x.max()) / np.exp(x - x.max()).sum()),
    "avg_pool1d": (lambda x, y: ns.avg_pool1d(x, 2), lambda x, y: x[: x.size // 2 * 2].reshape(-1, 2).mean(axis=1)),
    "avg_pool2d": (lambda x, y: ns.avg_pool2d(ns.reshape(ns.concatenate([x, y]), (2, -1)), (2, 1)),
                   lambda x, y: ((x + y) / 2)[np.newaxis]),
    "conv2d": (lambda x, y: ns.conv2d(ns.reshape(x, (1, 1, 1, -1)), ns.reshape(y[:2], (1, 1, 1, 2))),
               lambda x, y: np.correlate(x, y[:2], "valid").reshape(1, 1, 1, -1)),
    "batch_norm": (lambda x, y: ns.batch_norm(ns.stack([x, y], axis=1)),
                   lambda x, y: (lambda m: (m - m.mean(0)) / np.sqrt(m.var(0) + 1e-5))(np.stack([x, y], axis=1))),
    "sign_straight_through": (lambda x, y: ns.sign_straight_through(x), lambda x, y: np.sign(x)),
    "codebook_lookup": (lambda x, y: ns.codebook_lookup(ns.reshape(x, (-1, 1)), np.array([[-1.0], [0.5], [2.0]])),
                        lambda x, y: np.array([[-1.0], [0.5], [2.0]])[
                            np.argmin(np.abs(x[:, None] - np.array([-1.0, 0.5, 2.0])), axis=1)]),
    "gumbel_softmax": (lambda x, y: ns.gumbel_softmax(x, tau=0.7, noise=y),
                       lambda x, y: (lambda z: np.exp(z - z.max()) / np.exp(z - z.max()).sum())((x + y) / 0.7)),
}


def test_every_primitive_has_a_reference():
    assert set(PRIMITIVES) == PRIMITIVE_NAMES, sorted(PRIMITIVE_NAMES ^ set(PRIMITIVES))


@pytest.mark.parametrize("name", sorted(PRIMITIVES))
@SETTINGS
@given(point=st.integers(2, 6).flatmap(lambda n: st.tuples(finite_arrays((n,), 3.0), finite_arrays((n,), 3.0))))
def test_primitive_agrees_with_numpy(name, point):
    x, y = point
    call, ref = PRIMITIVES[name]
    f = ns.function(lambda x, y: call(x, y))
    np.testing.assert_allclose(f(x, y), ref(x, y), rtol=1e-12, atol=1e-13)


@pytest.mark.parametrize("name", sorted(PRIMITIVES))
@FEW
@given(point=st.integers(2, 6).flatmap(lambda n: finite_arrays((n,), 3.0)), at=st.integers(0, 9),
       bad=st.sampled_from(NON_FINITE))
def test_primitive_rejects_non_finite_input_naming_it(name, point, at, bad):
    call, _ = PRIMITIVES[name]
    f = ns.function(lambda x, y: call(x, y))
    with raises_naming("x", ValueError):
        f(poisoned(point, at, bad), point)
