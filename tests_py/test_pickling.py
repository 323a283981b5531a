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
import types
import warnings
from collections.abc import Mapping

import numpy as np
import pytest

import nonsmooth as ns
from nonsmooth import implicit, lab, optim, tuning
from nonsmooth.optimize import Huber, LeastSquares, Logistic
from prox_cases import CASES

cloudpickle = pytest.importorskip("cloudpickle")

MODULES = ["nonsmooth", "nonsmooth.prox", "nonsmooth.optimize", "nonsmooth.optimize.losses", "nonsmooth.autodiff",
           "nonsmooth.training", "nonsmooth.optim", "nonsmooth.implicit", "nonsmooth.lab", "nonsmooth.linear_model",
           "nonsmooth.exceptions", "nonsmooth.tuning", "nonsmooth.datasets"]

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


FACTORIES = {
    # estimators, fitted
    ns.Lasso: lambda: _fitted(ns.Lasso(0.05)),
    ns.ElasticNet: lambda: _fitted(ns.ElasticNet(0.05, l1_ratio=0.7)),
    ns.LassoTuned: lambda: _fitted(ns.LassoTuned(cv=3, max_outer=4)),
    ns.ElasticNetTuned: lambda: _fitted(ns.ElasticNetTuned(cv=3, max_outer=4)),
    ns.WeightedLassoTuned: lambda: _fitted(ns.WeightedLassoTuned(cv=3, max_outer=4)),
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
    optim.Momentum: lambda: optim.Momentum(0.1, momentum=0.5, nesterov=True),
    optim.Nesterov: lambda: optim.Nesterov(0.1),
    optim.AdaGrad: lambda: optim.AdaGrad(0.1, eps=1e-6),
    optim.RMSProp: lambda: optim.RMSProp(0.01, rho=0.9),
    optim.Adam: lambda: optim.Adam(optim.step_decay(0.1, 0.5, 10)),
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
    # lab records (small runs)
    lab.ToyL1Result: lambda: lab.toy_l1(n_features=4, steps=50, lams=(0.5, 1.0), decay_steps=20),
    lab.LassoResult: lambda: lab.lasso(n_samples=10, n_features=30, lams=(0.1, 1.0), steps=50),
    lab.ReluRegressionResult: lambda: lab.relu_regression(steps=20),
    lab.HuberResult: lambda: lab.huber(steps=30),
    lab.ActivationsResult: lambda: lab.activations(depths=(1,), width=4, steps=20, record_every=10, n_samples=32),
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
    for name in MODULES:
        module = importlib.import_module(name)
        for attr in getattr(module, "__all__", ()):
            obj = getattr(module, attr)
            if isinstance(obj, type):
                found.setdefault(obj, f"{name}.{attr}")
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
    if isinstance(obj, optim.Schedule):
        return ("schedule", [obj(k) for k in (0, 3, 50)])
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


def test_optimizer_state_is_not_silently_lost():
    opt = optim.Adam(0.1)
    opt.step(np.ones(2), np.ones(2))
    with pytest.warns(UserWarning, match="state after 1 step"):
        copied = copy.deepcopy(opt)
    assert copied.steps == 1 and repr(copied) == repr(opt)
    sgd = optim.SGD(0.1)
    sgd.step(np.ones(2), np.ones(2))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert pickle.loads(pickle.dumps(sgd)).steps == 1  # SGD has no state to lose


def test_history_attribute_access_after_unpickling():
    history = pickle.loads(pickle.dumps(_train_result().history))
    assert history.loss.shape == history["loss"].shape
    with pytest.raises(AttributeError):
        history.no_such_column
