"""Every public object survives pickle, cloudpickle, copy.deepcopy and a round
trip through a loky worker (what joblib, Dask and Ray do with it).

The public classes are enumerated from ``nonsmooth.__all__`` and the
subpackages' ``__all__``: a new public class without an entry in ``FACTORIES``
(or in ``NOT_PICKLABLE`` with its reason) fails ``test_every_public_class_is_covered``.
The copy must *behave* like the original (same prox, same value, same
predictions, same fields), not merely load.
"""
from __future__ import annotations

import copy
import dataclasses
import importlib
import pickle
import pkgutil
import types
import warnings
from collections.abc import Mapping

import numpy as np
import pytest

import nonsmooth as ns
from nonsmooth import implicit, lab, optim, tuning
from nonsmooth.linear_model import datafits, penalties
from nonsmooth.optimize import Huber, LeastSquares, Logistic
from prox_cases import CASES

cloudpickle = pytest.importorskip("cloudpickle")


def public_modules():
    """nonsmooth and every public subpackage/module (optional ones when installed)."""
    names = ["nonsmooth"]
    for info in pkgutil.walk_packages(ns.__path__, "nonsmooth."):
        if not any(part.startswith("_") or part.startswith("lib") for part in info.name.split(".")):
            names.append(info.name)
    modules = []
    for name in names:
        try:
            modules.append(importlib.import_module(name))
        except ImportError:  # an optional extra (nonsmooth.distributed without dask)
            continue
    return modules


# Classes whose instances cannot be meaningfully copied, with the reason; pickling
# them must raise TypeError saying so.
NOT_PICKLABLE = {
    ns.Tracer: "a Tracer exists only while a function is being traced",
}


@ns.function
def relu_loss(w, X, y):
    """A module-level traced function (pickled by reference)."""
    return ns.mean((ns.relu(X @ w) - y) ** 2)


def _data(n=30, p=5, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p))
    y = X @ np.linspace(1, -1, p) + 0.1 * rng.standard_normal(n)
    return X, y


def _train_result():
    X, y = _data()
    return ns.train(relu_loss, {"w": np.full(5, 0.1)}, {"X": X, "y": y}, optimizer=optim.Adam(1e-2), steps=20,
                    batch_size=10, seed=0, record_every=5)


def _cancelled():
    error = ns.CancelledError("stopped by the callback")
    error.result = _train_result()
    return error


def _fitted(estimator, X=None, y=None):
    if X is None:
        X, y = _data(40, 6)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return estimator.fit(X, y)


def _minimize():
    X, y = _data()
    return ns.minimize(LeastSquares(X, y), ns.prox.L1(0.1), method="fista")


def _implicit():
    from nonsmooth.implicit import implicit_jvp

    def T(x, theta):  # x* = θ/2 (a contraction), with a relu on the way
        return 0.5 * x + 0.25 * ns.relu(theta)

    return implicit_jvp(T, np.array([0.5]), np.array([1.0]), tangents=np.array([1.0]), fixed_point=True)


def _bound_sure():
    return tuning.SURE(sigma=0.1)


def _distributed():
    try:
        from nonsmooth import distributed
    except ImportError:
        return {}
    return {distributed.ElasticNet: lambda: distributed.ElasticNet(0.1, l1_ratio=0.3),
            distributed.Lasso: lambda: distributed.Lasso(0.2, weights=np.ones(3)),
            distributed.SparseLogisticRegression: lambda: distributed.SparseLogisticRegression(0.05),
            distributed.MultiOutputRegressor: lambda: distributed.MultiOutputRegressor(ns.Lasso(0.1))}


FACTORIES = {
    # estimators, fitted
    ns.Lasso: lambda: _fitted(ns.Lasso(0.05)),
    ns.ElasticNet: lambda: _fitted(ns.ElasticNet(0.05, l1_ratio=0.7)),
    ns.LassoTuned: lambda: _fitted(ns.LassoTuned(cv=3, max_outer=4)),
    ns.ElasticNetTuned: lambda: _fitted(ns.ElasticNetTuned(cv=3, max_outer=4)),
    ns.WeightedLassoTuned: lambda: _fitted(ns.WeightedLassoTuned(cv=3, max_outer=4)),
    # the coordinate-descent engine's estimators, datafits and penalties
    ns.SparseLogisticRegression: lambda: [_fitted(ns.SparseLogisticRegression(0.02), _data(40, 6)[0],
                                                  np.where(_data(40, 6)[1] > 0, "yes", "no")),
                                          _fitted(ns.SparseLogisticRegression(C=5.0), _data(60, 6)[0],
                                                  np.digitize(_data(60, 6)[1], [-0.5, 0.5]))],
    ns.MCPRegression: lambda: _fitted(ns.MCPRegression(0.05, gamma=3.0)),
    ns.SCADRegression: lambda: _fitted(ns.SCADRegression(0.05, gamma=3.7)),
    ns.MultiTaskLasso: lambda: _fitted(ns.MultiTaskLasso(0.05), _data(40, 6)[0],
                                       np.c_[_data(40, 6)[1], -_data(40, 6)[1]]),
    ns.MultiTaskElasticNet: lambda: _fitted(ns.MultiTaskElasticNet(0.05, l1_ratio=0.3), _data(40, 6)[0],
                                            np.c_[_data(40, 6)[1], _data(40, 6)[1] ** 2]),
    ns.GroupLasso: lambda: _fitted(ns.GroupLasso(0.05, groups=[[0, 1], [2, 3, 4], [5]], weights=[1.0, 0.0, 2.0])),
    ns.SparseGroupLasso: lambda: _fitted(ns.SparseGroupLasso(0.05, l1_ratio=0.4, groups=2)),
    ns.GeneralizedLinearEstimator: lambda: [
        _fitted(ns.GeneralizedLinearEstimator(datafits.Quadratic(), penalties.L0(0.01))),
        _fitted(ns.GeneralizedLinearEstimator(datafits.Quadratic(), penalties.Box(-0.5, 0.5))),
        _fitted(ns.GeneralizedLinearEstimator(datafits.Huber(0.5), penalties.L1(0.05))),
        _fitted(ns.GeneralizedLinearEstimator(datafits.Poisson(), penalties.L1(0.05)), _data(40, 6)[0],
                np.round(np.exp(_data(40, 6)[1] / 4)))],
    datafits.Quadratic: datafits.Quadratic,
    datafits.Logistic: datafits.Logistic,
    datafits.Huber: lambda: datafits.Huber(0.7),
    datafits.Poisson: datafits.Poisson,
    penalties.L1: lambda: penalties.L1(0.1, weights=[1.0, 0.0, 2.0], positive=True),
    penalties.ElasticNet: lambda: penalties.ElasticNet(0.1, l1_ratio=0.3),
    penalties.Box: lambda: penalties.Box(-1.0, 2.0),
    penalties.MCP: lambda: penalties.MCP(0.2, gamma=2.5),
    penalties.SCAD: lambda: penalties.SCAD(0.2, gamma=3.0),
    penalties.L0: lambda: penalties.L0(0.3),
    penalties.GroupL2: lambda: penalties.GroupL2(0.1, groups=[[0, 2], [1]], weights=[1.0, 0.0]),
    penalties.SparseGroupL1: lambda: penalties.SparseGroupL1(0.1, l1_ratio=0.3, groups=2),
    # prox operators: every case of the prox tests (non-trivial parameters)
    ns.prox.ProximalOperator: lambda: [case.op for case in CASES],
    **{cls: (lambda cls=cls: [case.op for case in CASES if type(case.op) is cls]) for cls in ns.prox.OPERATORS},
    # smooth losses and generic solvers' results
    LeastSquares: lambda: LeastSquares(*_data()),
    Logistic: lambda: Logistic(_data()[0], np.sign(_data()[1])),
    Huber: lambda: Huber(*_data(), delta=0.5),
    ns.OptimizeResult: lambda: [_minimize(), ns.admm(ns.prox.Box(-1.0, 1.0), ns.prox.L1(1.0), dimension=4)],
    # autodiff
    ns.Function: lambda: [relu_loss, ns.function(lambda x: ns.sum(ns.relu(x)) + ns.norm1(x))],
    ns.Kinks: lambda: [ns.Kinks(), ns.Kinks(relu_at_zero=0.5, abs_at_zero=-1.0, ties="split", strict=True)],
    ns.KinkReport: lambda: [ns.KinkReport(), ns.KinkReport.from_text("relu=2;max=1")],
    # training
    optim.Optimizer: lambda: [optim.SGD(0.1), optim.Adam(1e-3, beta1=0.8), optim.RMSProp(optim.cosine(0.1))],
    optim.SGD: lambda: optim.SGD(optim.diminishing(0.5, power=0.5)),
    optim.Momentum: lambda: [optim.Momentum(0.1, momentum=0.5, nesterov=True),
                             optim.Momentum(0.1, momentum=optim.one_minus(optim.diminishing(1.0, 2.0)))],
    optim.Nesterov: lambda: optim.Nesterov(0.1),
    optim.AdaGrad: lambda: optim.AdaGrad(0.1, eps=1e-6),
    optim.RMSProp: lambda: optim.RMSProp(0.01, rho=0.9),
    optim.Adam: lambda: optim.Adam(optim.step_decay(0.1, 0.5, 10)),
    optim.OneMinus: lambda: optim.one_minus(optim.diminishing(0.5, power=0.5)),
    optim.Schedule: lambda: [optim.constant(0.1), optim.diminishing(1.0, 2.0, 0.7), optim.step_decay(0.1, 0.5, 3),
                             optim.cosine(0.1, 0.01, 20)],
    ns.TrainResult: _train_result,
    ns.training.History: lambda: _train_result().history,
    # implicit differentiation
    implicit.ImplicitResult: _implicit,
    # tuning
    tuning.Criterion: lambda: [tuning.CrossVal(3), _bound_sure()],
    tuning.CrossVal: lambda: tuning.CrossVal(4),
    tuning.HeldOut: lambda: tuning.HeldOut(*_data(), validation_fraction=0.3),
    tuning.SURE: _bound_sure,
    tuning.FiniteDifferenceSURE: lambda: tuning.FiniteDifferenceSURE(sigma=0.2, epsilon=0.01),
    tuning.Diagnostics: lambda: _fitted(ns.LassoTuned(cv=3, max_outer=3)).diagnostics_,
    tuning.GradientDescent: lambda: tuning.GradientDescent(first_step=0.5),
    tuning.LBFGS: lambda: tuning.LBFGS(memory=5),
    tuning.FirstOrder: lambda: tuning.FirstOrder(ns.Adam(0.1), patience=3),
    # distributed estimators (fitted on a cluster in test_distributed.py)
    **_distributed(),
    # data sets (not in an __all__, returned by public functions)
    ns.datasets.Dataset: lambda: [ns.datasets.load_diabetes(), ns.datasets.load_digits()],
    # lab records (small runs)
    lab.ToyL1Result: lambda: lab.toy_l1(n_features=4, steps=50, lams=(0.5, 1.0), decay_steps=20),
    lab.LassoResult: lambda: lab.lasso(n_samples=10, n_features=30, lams=(0.1, 1.0), steps=50),
    lab.ReluRegressionResult: lambda: lab.relu_regression(steps=20),
    lab.HuberResult: lambda: lab.huber(steps=30),
    lab.ActivationsResult: lambda: lab.activations(depths=(1,), width=4, steps=20, record_every=10, n_samples=32),
    lab.EdgeOfStabilityResult: lambda: lab.edge_of_stability(steps=10, every=5, power_iterations=10),
    lab.LeDynamicsResult: lambda: lab.le_dynamics(steps=50, runs=2),
    lab.LeBilevelResult: lambda: lab.le_bilevel(steps=20, chaos_steps=30, grid_size=5),
    lab.DEQResult: lambda: lab.deq(steps=2, n_train=30),
    lab.CNNDepthResult: lambda: lab.cnn_depth(depths=(1,), seeds=(0,), steps=2, channels=2),
    lab.CNNPruningResult: lambda: lab.cnn_pruning(lams=(1e-2,), steps=2, channels=2, seeds=(0,),
                                                  methods=("sgd", "prox_sgd")),
    lab.PruningMethodsResult: lambda: lab.pruning_methods(steps=10, lams_l1=(1e-2,), lams_group=(1e-2,),
                                                          lams_l0=(1e-3,), rounds=1),
    lab.PruningResult: lambda: lab.pruning(steps=30, hidden=(8,), lams=(1e-2,), methods=("sgd", "prox_sgd")),
    # exceptions and warnings, with state attached as the library attaches it
    ns.CancelledError: _cancelled,
    ns.NumericalError: lambda: ns.NumericalError("singular system"),
    ns.NotConvergedError: lambda: ns.NotConvergedError("gap 1e-3 > 1e-8"),
    ns.KinkError: lambda: ns.KinkError("relu at 0"),
    ns.ConvergenceWarning: lambda: ns.ConvergenceWarning("gap 1e-3"),
    ns.DivergenceWarning: lambda: ns.DivergenceWarning("diverged"),
    ns.StuckAtKinkWarning: lambda: ns.StuckAtKinkWarning("never moved"),
    ns.ImplicitDifferentiationWarning: lambda: ns.ImplicitDifferentiationWarning("fallback"),
    implicit.ImplicitFunctionWarning: lambda: implicit.ImplicitFunctionWarning("gmres"),
}


def public_classes():
    found = {}
    for module in public_modules():
        for attr in getattr(module, "__all__", ()):
            obj = getattr(module, attr)
            if isinstance(obj, type):
                found.setdefault(obj, f"{module.__name__}.{attr}")
    return found


def test_every_public_class_is_covered():
    missing = [label for cls, label in public_classes().items() if cls not in FACTORIES and cls not in NOT_PICKLABLE]
    assert not missing, f"public classes without a pickling test (add them to FACTORIES): {missing}"


def _instances(cls):
    made = FACTORIES[cls]()
    made = made if isinstance(made, list) else [made]
    assert made and all(isinstance(m, cls) for m in made), cls
    return made


# ---- what "behaves the same" means ------------------------------------------------------------
X_PROBE, Y_PROBE = _data(40, 6, seed=1)


def behaviour(obj, original=None):
    """A plain, comparable description (a string) of what obj does and holds;
    ``original`` is the object obj was copied from (default: obj)."""
    return repr(_behaviour(obj, obj if original is None else original))


def _behaviour(obj, original):
    if isinstance(obj, ns.prox.ProximalOperator):
        shape = next((c.shape for c in CASES if c.op is original), (12,))
        v = np.random.default_rng(0).standard_normal(shape)
        return ("prox", obj.prox(v, 0.7).tolist(), repr(obj))
    if isinstance(obj, ns.Function):
        if obj is relu_loss or getattr(obj, "__name__", "") == "relu_loss":
            value, grad, kinks = obj.value_and_grad(np.ones(6), X_PROBE, Y_PROBE, wrt="w")
            return ("function", float(value), grad.tolist(), dict(kinks))
        value, grad, kinks = obj.value_and_grad(np.array([-1.0, 0.0, 2.0]))
        return ("function", float(value), grad.tolist(), dict(kinks))
    if isinstance(obj, optim.Optimizer):
        w = np.ones(3)
        fresh = copy.copy(obj.__dict__)  # do not step the instance under test
        probe = object.__new__(type(obj))
        probe.__dict__.update(fresh, _handles={})
        probe.step(w, np.array([1.0, -2.0, 0.5]))
        return ("optimizer", repr(obj), obj.steps, w.tolist())
    if isinstance(obj, (optim.Schedule, optim.OneMinus)):
        return ("schedule", [obj(k) for k in (0, 3, 50)])
    if hasattr(obj, "get_params") and not hasattr(obj, "coef_"):  # an estimator not fitted (e.g. distributed)
        return ("estimator", repr(obj), plain(vars(obj)))
    if hasattr(obj, "predict") and hasattr(obj, "get_params"):
        return ("estimator", repr(obj), obj.predict(X_PROBE).tolist(), plain(vars(obj)))
    return plain(obj)


def plain(obj, depth=0):
    if depth > 8:
        return repr(obj)
    if isinstance(obj, np.ndarray):
        return ("array", obj.dtype.str, obj.shape, obj.tolist() if obj.dtype != object else [plain(o, depth + 1)
                                                                                           for o in obj.ravel()])
    if isinstance(obj, (str, bytes, int, float, bool, type(None), np.generic)):
        return repr(obj)
    if isinstance(obj, ns.Function):
        return ("function", obj.__qualname__)
    if isinstance(obj, BaseException):
        return (type(obj).__name__, obj.args, plain(vars(obj), depth + 1))
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return (type(obj).__name__, {f.name: plain(getattr(obj, f.name), depth + 1) for f in dataclasses.fields(obj)})
    if isinstance(obj, Mapping):
        return (type(obj).__name__, {repr(k): plain(v, depth + 1) for k, v in obj.items()})
    if isinstance(obj, (list, tuple)):
        return (type(obj).__name__, [plain(v, depth + 1) for v in obj])
    if isinstance(obj, (types.FunctionType, type)):
        return obj.__qualname__
    slots = [s for cls in type(obj).__mro__ for s in getattr(cls, "__slots__", ())]
    state = dict(getattr(obj, "__dict__", {}))
    state.update({s: getattr(obj, s) for s in slots if hasattr(obj, s)})
    if state:
        return (type(obj).__name__, {k: plain(v, depth + 1) for k, v in sorted(state.items())
                                     if not k.startswith("_") or k == "_columns"})
    return repr(obj)


def _cases():
    return [pytest.param(cls, id=label) for cls, label in public_classes().items() if cls in FACTORIES]


ROUND_TRIPS = {
    "pickle": lambda o: pickle.loads(pickle.dumps(o)),
    "pickle-protocol-2": lambda o: pickle.loads(pickle.dumps(o, protocol=2)),
    "cloudpickle": lambda o: pickle.loads(cloudpickle.dumps(o)),
    "deepcopy": copy.deepcopy,
}


@pytest.mark.parametrize("cls", _cases())
def test_round_trips_behave_like_the_original(cls):
    for obj in _instances(cls):
        expected = behaviour(obj)
        for how, trip in ROUND_TRIPS.items():
            copied = trip(obj)
            assert type(copied) is type(obj), how
            assert behaviour(copied, obj) == expected, f"{cls.__name__} after {how}"


def _echo(obj):
    return obj


def test_loky_worker_round_trip():
    """One batch of every public object to a loky worker process and back."""
    joblib = pytest.importorskip("joblib")
    objects = [obj for cls in FACTORIES for obj in _instances(cls)]
    expected = [behaviour(o) for o in objects]
    back = joblib.Parallel(n_jobs=2, backend="loky")(joblib.delayed(_echo)(o) for o in objects)
    try:
        for before, obj, after in zip(expected, objects, back):
            assert type(after) is type(obj)
            assert behaviour(after, obj) == before, type(obj).__name__
        # and the worker can *use* them: a traced lambda is re-traced there
        f = ns.function(lambda x: ns.sum(ns.relu(x)))
        assert joblib.Parallel(n_jobs=2, backend="loky")(
            joblib.delayed(f.grad)(np.array([v, 1.0])) for v in (-1.0, 2.0))[1].tolist() == [1.0, 1.0]
    finally:
        from joblib.externals.loky import get_reusable_executor

        get_reusable_executor().shutdown(wait=True)


@pytest.mark.parametrize("cls", list(NOT_PICKLABLE))
def test_unpicklable_classes_say_why(cls):
    traced = []

    @ns.function
    def keep(x):
        traced.append(x)
        return ns.sum(x)

    keep(np.ones(2))
    with pytest.raises(TypeError, match="traced"):
        pickle.dumps(traced[0])


def test_functions_pickled_by_value_are_retraced():
    f = ns.function(lambda x, c: ns.maximum(x, c) * 2.0)
    g = pickle.loads(cloudpickle.dumps(f))
    assert g is not f and g(np.array([1.0, -3.0]), 0.0).tolist() == [2.0, 0.0]
    assert pickle.loads(pickle.dumps(relu_loss)) is relu_loss  # module-level: by reference, like a def
    assert copy.deepcopy(relu_loss) is not relu_loss


@pytest.mark.parametrize("make", [lambda: optim.SGD(optim.diminishing(0.3)), lambda: optim.Momentum(0.1),
                                  lambda: optim.Nesterov(0.1, 0.5), lambda: optim.AdaGrad(0.2),
                                  lambda: optim.RMSProp(0.05, rho=0.8), lambda: optim.Adam(0.1, beta1=0.7)],
                         ids=["SGD", "Momentum", "Nesterov", "AdaGrad", "RMSProp", "Adam"])
@pytest.mark.parametrize("how", list(ROUND_TRIPS))
def test_a_stepped_optimizer_continues_exactly_after_a_round_trip(make, how):
    """Moments and accumulators travel with the optimizer (per parameter array)."""
    rng = np.random.default_rng(0)
    grads = [{"a": rng.standard_normal(3), "b": rng.standard_normal((2, 2))} for _ in range(6)]
    opt = make()
    params = {"a": np.ones(3), "b": np.zeros((2, 2))}
    for g in grads[:3]:
        opt.step(params, g)
    copied, copied_params = ROUND_TRIPS[how](opt), copy.deepcopy(params)
    assert copied.steps == opt.steps == 3
    for g in grads[3:]:
        opt.step(params, g)
        copied.step(copied_params, g)
    for key in params:
        assert np.array_equal(params[key], copied_params[key]), key


def test_a_malformed_optimizer_state_is_refused():
    opt = optim.Adam(0.1)
    opt.step(np.ones(2), np.ones(2))
    state = opt.__getstate__()
    state["_handles"] = {None: np.array([0.5, 0.5, 1.0, -1.0])}  # a negative second moment
    with pytest.raises(ValueError, match="state"):
        optim.Adam.__new__(optim.Adam).__setstate__(state)


def test_history_attribute_access_after_unpickling():
    history = pickle.loads(pickle.dumps(_train_result().history))
    assert history.loss.shape == history["loss"].shape
    with pytest.raises(AttributeError):
        history.no_such_column


def test_optimizer_state_through_the_c_abi():
    """ns_optimizer_get_state / _set_state called directly: size query, short buffer,
    malformed states give NS_INVALID_ARGUMENT, never a crash."""
    import ctypes
    import pathlib

    lib = ctypes.CDLL(str(pathlib.Path(ns.__file__).parent / "libNonsmoothC.so"))
    D = ctypes.POINTER(ctypes.c_double)
    lib.ns_optimizer_create.argtypes = [ctypes.c_char_p, D, ctypes.c_int64, ctypes.POINTER(ctypes.c_void_p)]
    lib.ns_optimizer_step.argtypes = [ctypes.c_void_p, D, D, ctypes.c_int64, ctypes.c_double]
    lib.ns_optimizer_get_state.argtypes = [ctypes.c_void_p, D, ctypes.c_int64, ctypes.POINTER(ctypes.c_int64)]
    lib.ns_optimizer_set_state.argtypes = [ctypes.c_void_p, D, ctypes.c_int64]
    lib.ns_optimizer_destroy.argtypes = [ctypes.c_void_p]
    hyper = (ctypes.c_double * 3)(0.9, 0.999, 1e-8)
    handle = ctypes.c_void_p()
    assert lib.ns_optimizer_create(b"adam", hyper, 3, ctypes.byref(handle)) == 0
    try:
        size = ctypes.c_int64(-1)
        assert lib.ns_optimizer_get_state(handle, None, 0, ctypes.byref(size)) == 0 and size.value == 0
        w, g = (ctypes.c_double * 2)(1.0, 2.0), (ctypes.c_double * 2)(0.5, -0.5)
        assert lib.ns_optimizer_step(handle, w, g, 2, 0.1) == 0
        assert lib.ns_optimizer_get_state(handle, None, 0, ctypes.byref(size)) == 0 and size.value == 6
        short = (ctypes.c_double * 3)()
        assert lib.ns_optimizer_get_state(handle, short, 3, ctypes.byref(size)) == 1  # NS_INVALID_ARGUMENT
        assert lib.ns_optimizer_get_state(handle, None, 6, ctypes.byref(size)) == 1   # NULL buffer
        assert lib.ns_optimizer_get_state(handle, None, 0, None) == 1                 # NULL size
        state = (ctypes.c_double * 6)()
        assert lib.ns_optimizer_get_state(handle, state, 6, ctypes.byref(size)) == 0
        assert state[0] == pytest.approx(0.9) and state[1] == pytest.approx(0.999)
        assert lib.ns_optimizer_set_state(handle, state, 6) == 0
        assert lib.ns_optimizer_set_state(handle, state, 5) == 1          # odd length
        assert lib.ns_optimizer_set_state(handle, None, 4) == 1           # NULL with n > 0
        assert lib.ns_optimizer_set_state(handle, state, -1) == 1
        assert lib.ns_optimizer_set_state(None, state, 6) == 1            # NULL handle
        assert lib.ns_optimizer_set_state(handle, None, 0) == 0           # a reset
    finally:
        lib.ns_optimizer_destroy(handle)
