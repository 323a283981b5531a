"""Atheris harness over the native entry points of nonsmooth (issue 12, "Keep it closed").

Every fuzz input is decoded into one call of the public API that reaches the
extension ``nonsmooth._native`` (prox operators and functions, Lasso/ElasticNet
fit/predict/score/paths on dense and sparse designs, minimize /
subgradient_method / admm, traced functions and their derivatives,
optimizers/schedules/train, the bilevel hypergradient and tuned estimators,
implicit differentiation), or one direct call of an extension function with
wrongly typed / shaped / strided arguments. The contract checked:

- the process never dies (a segfault, abort or hang is caught by libFuzzer,
  which writes the input to ``crash-*`` / ``timeout-*`` under
  ``-artifact_prefix``; ``scripts/fuzz.sh`` restarts the harness after each);
- bad input raises ValueError / TypeError (or the package's NumericalError,
  NotConvergedError, KinkError) with a message, never another exception type;
- no NaN comes out of a call whose inputs were all finite unless a warning or an
  error says so.

A broken contract that is not a crash is written to ``$NS_FUZZ_FINDINGS``
(one ``<key>.txt`` report and ``<key>.input`` per distinct finding, deduplicated
by entry point, kind and message shape) and the campaign goes on.

Run (see scripts/fuzz.sh, which does this in a restart loop)::

    PYTHONPATH=python NS_FUZZ_FINDINGS=/tmp/findings \\
        python scripts/fuzz_native.py -runs=20000 -timeout=30 -artifact_prefix=/tmp/crashes/
    python scripts/fuzz_native.py /tmp/crashes/crash-<sha>      # replay one input

Inputs known to crash (issue 12 item 7: malformed COO indices segfault inside
SciPy's conversion in ``Lasso.fit``, malformed CSR/CSC ones in the tuned
estimators' row slicing) are generated only with ``NS_FUZZ_KNOWN=1``, so that a
campaign on a branch without the fix spends its time finding new defects.
"""
from __future__ import annotations

import hashlib
import os
import re
import sys
import traceback
import warnings

import atheris

with atheris.instrument_imports(include=["nonsmooth"]):
    import nonsmooth as ns
    from nonsmooth import _native
    from nonsmooth.implicit import implicit_jvp, implicit_vjp
    from nonsmooth.optimize import losses
    from nonsmooth.tuning import hypergradient

import numpy as np
import scipy.sparse as sp

FINDINGS = os.environ.get("NS_FUZZ_FINDINGS")
KNOWN = os.environ.get("NS_FUZZ_KNOWN") == "1"
EXPECTED = (ValueError, TypeError, ns.NumericalError, ns.NotConvergedError, ns.KinkError)
SPECIAL = (0.0, -0.0, 1.0, -1.0, 0.5, 2.0, 1e-300, 5e-324, 1e-8, 1e8, 1e300, 1e308, -1e308,
           np.inf, -np.inf, np.nan)
np.seterr(all="ignore")


class Draw:
    """Values decoded from the fuzz input. ``clean`` stays True while every
    value drawn is a valid, finite one (so a NaN output must be explained)."""

    def __init__(self, data: bytes):
        self.f = atheris.FuzzedDataProvider(data)
        self.clean = True

    def int(self, lo: int, hi: int) -> int:
        return self.f.ConsumeIntInRange(lo, hi)

    def pick(self, seq):
        return seq[self.int(0, len(seq) - 1)]

    def bool(self) -> bool:
        return self.f.ConsumeBool()

    def float(self, lo=-10.0, hi=10.0) -> float:
        """Mostly in [lo, hi]; sometimes a special value (tiny, huge, inf, NaN)."""
        k = self.int(0, 63)
        if k < 60:
            return self.f.ConsumeFloatInRange(lo, hi)
        if k < 63:
            x = self.pick(SPECIAL)
        else:
            x = self.f.ConsumeFloat()
        if not np.isfinite(x) or abs(x) > 1e100:
            self.clean = False
        return float(x)

    def positive(self, lo=1e-3, hi=10.0):
        """A positive hyperparameter, sometimes an invalid one (0, negative, inf,
        NaN, a string, a bool, a huge int, an array)."""
        k = self.int(0, 39)
        if k < 38:
            return self.f.ConsumeFloatInRange(lo, hi)
        self.clean = False
        return self.pick([0.0, -1.0, np.inf, np.nan, "1.0", True, 10 ** 400 if KNOWN else 1e309, np.array([1.0, 2.0]),
                          None, 1e308, complex(1, 1)])

    def array(self, shape, lo=-10.0, hi=10.0) -> np.ndarray:
        n = int(np.prod(shape))
        if self.int(0, 7) == 0:  # one repeated value: ties and kinks
            return np.full(shape, self.float(lo, hi))
        return np.array([self.float(lo, hi) for _ in range(n)], dtype=np.float64).reshape(shape)

    def layout(self, a: np.ndarray, name: str = "x"):
        """The same values as a list, F-order, a strided view, float32, int, or a
        bad dtype/shape (clean becomes False for the bad ones)."""
        k = self.int(0, 23)
        if k == 0:
            return a.tolist()
        if k == 1:
            return np.asfortranarray(a)
        if k == 2 and a.ndim >= 1:
            big = np.zeros((2 * a.shape[0],) + a.shape[1:])
            big[::2] = a
            return big[::2]
        if k == 3:
            return a[::-1] if a.ndim == 1 else a[::-1, ::-1]
        if k == 8:
            self.clean = False
            return a.astype(np.complex128)
        if k == 9:
            self.clean = False
            return a.astype(str)
        if k == 10:
            self.clean = False
            return a.reshape(-1)[:0] if self.bool() else a.reshape((1,) + a.shape)
        return a


# ---- findings -----------------------------------------------------------------------------
# Findings that reproduce a defect already listed in issue 12 (fixed on other branches).
KNOWN_FINDINGS = {
    ("tuning", "raised-FloatingPointError"): "item11",
    ("autodiff", "silent-nan"): "item4",
    ("implicit", "silent-nan"): "item4",
}


def finding(entry: str, kind: str, detail: str, data: bytes) -> None:
    shape = "" if kind == "silent-nan" else re.sub(r"[0-9.e+-]+", "#", detail.splitlines()[0] if detail else "")[:100]
    key = hashlib.sha1(f"{entry}|{kind}|{shape}".encode()).hexdigest()[:12]
    if not FINDINGS:
        raise AssertionError(f"{entry}: {kind}: {detail}")
    os.makedirs(FINDINGS, exist_ok=True)
    known = KNOWN_FINDINGS.get((entry, kind)) or ("item11" if kind in ("raised-OverflowError", "raised-MemoryError") else "")
    path = os.path.join(FINDINGS, f"{'known-' + known + '-' if known else ''}{entry}-{kind}-{key}")
    if os.path.exists(path + ".txt"):
        return
    with open(path + ".input", "wb") as fh:
        fh.write(data)
    with open(path + ".txt", "w") as fh:
        fh.write(f"entry: {entry}\nkind: {kind}\n\n{detail}\n\nreplay: python scripts/fuzz_native.py {path}.input\n")


def nan_in(value) -> bool:
    if isinstance(value, (tuple, list)):
        return any(nan_in(v) for v in value)
    if isinstance(value, dict):
        return any(nan_in(v) for v in value.values())
    if isinstance(value, (float, np.floating, np.ndarray)):
        a = np.asarray(value)
        return a.dtype.kind == "f" and bool(np.isnan(a).any())
    return False


# ---- entry points ---------------------------------------------------------------------------
def _groups(d: Draw, n: int):
    k = d.int(0, 2)
    if k == 0:
        return d.int(1, max(n, 1))
    if k == 1:
        return np.array([d.int(-1, 2) for _ in range(n)])
    return [[i for i in range(n) if i % 2 == j] for j in range(2)]


def make_operator(d: Draw, n: int):
    P = ns.prox
    k = d.int(0, 23)
    w = (lambda: None if d.bool() else np.abs(d.array((n,), 0, 3)))
    makers = [
        lambda: P.Zero(), lambda: P.L1(d.positive(), weights=w()), lambda: P.SquaredL2(d.positive(), weights=w()),
        lambda: P.L2(d.positive()), lambda: P.GroupL2(d.positive(), groups=_groups(d, n)),
        lambda: P.SparseGroupL2(d.positive(), d.positive(), groups=_groups(d, n)),
        lambda: P.ElasticNet(d.positive(), d.float(0, 1), weights=w()), lambda: P.Linf(d.positive()),
        lambda: P.Box(d.array((n,), -5, 0), d.array((n,), 0, 5)), lambda: P.NonNegative(),
        lambda: P.L2Ball(d.positive()), lambda: P.LinfBall(d.positive()), lambda: P.L1Ball(d.positive()),
        lambda: P.Simplex(d.positive()), lambda: P.Hyperplane(d.array((n,)), d.float()),
        lambda: P.Halfspace(d.array((n,)), d.float()), lambda: P.TV1D(d.positive()),
        lambda: P.Huber(d.positive(), d.positive()), lambda: P.Hinge(d.positive(), labels=None if d.bool() else d.array((n,))),
        lambda: P.L0(d.positive()), lambda: P.MCP(d.positive(), d.positive(1.01, 10)),
        lambda: P.SCAD(d.positive(), d.positive(2.01, 10)), lambda: P.Nuclear(d.positive()), lambda: P.PSD(),
    ]
    return makers[k]()


def entry_prox(d: Draw):
    n = d.int(1, 6)
    op = make_operator(d, n)
    if op.is_matrix:
        m = d.int(1, 5)
        x = d.layout(d.array((m, m if isinstance(op, ns.prox.PSD) and d.bool() else n)))
        axis = None
    elif d.bool():
        x, axis = d.layout(d.array((n,))), None
    else:
        x, axis = d.layout(d.array((d.int(1, 3), n))), 1
        if d.int(0, 5) == 0:
            axis = d.pick([0, -1, 2, None, 1.0])
    method = d.int(0, 3)
    if method == 0:
        return op.prox(x, d.positive(), axis=axis)
    if method == 1:
        return op(x, axis=axis)
    if method == 2:
        return op.subgradient(x, axis=axis)
    return op.moreau_envelope(x, d.positive(), axis=axis)


def entry_prox_function(d: Draw):
    P = ns.prox
    n = d.int(1, 6)
    v = d.layout(d.array((n,)))
    k = d.int(0, 9)
    calls = [
        lambda: P.l1(v, d.positive(), weights=None if d.bool() else d.array((n,), 0, 2)),
        lambda: P.tv1d(v, d.positive()), lambda: P.project_simplex(v, d.positive()),
        lambda: P.project_l1_ball(v, d.positive()), lambda: P.project_halfspace(v, d.array((n,)), d.float()),
        lambda: P.project_box(v, d.float(-5, 0), d.float(0, 5)), lambda: P.scad(v, d.positive(), d.positive(2.01, 9)),
        lambda: P.mcp(v, d.positive(), d.positive(1.01, 9)), lambda: P.nuclear(d.array((d.int(1, 4), n)), d.positive()),
        lambda: P.project_psd(d.array((n, n))),
    ]
    return calls[k]()


def _design(d: Draw, n: int, p: int, malformed: bool = True):
    X = d.array((n, p))
    k = d.int(0, 9)
    if k < 5:
        return d.layout(X)
    fmt = d.pick(["csr", "csc", "coo", "lil", "dok"])
    M = sp.random(n, p, density=min(1.0, max(0.1, abs(d.float(0.1, 1.0)))), format="coo", random_state=d.int(0, 1000)) * d.float(0.1, 5)
    M = M.asformat(fmt)
    if malformed and d.int(0, 4) == 0:  # malformed: an index out of range, unsorted or a bad pointer
        d.clean = False
        if fmt in ("csr", "csc") and M.nnz:
            target = d.pick(["indices", "indptr"])
            arr = getattr(M, target)
            arr[d.int(0, len(arr) - 1)] = d.int(-5, max(n, p) + 5)
        elif fmt == "coo" and M.nnz and KNOWN:
            M.col[0] = d.int(-5, p + 5)
    if d.clean and d.int(0, 6) == 0:  # (astype would itself trip on a malformed matrix)
        M = M.astype(d.pick([np.float32, np.int64, np.complex128]))
        d.clean = False
    return M


def entry_linear_model(d: Draw):
    n, p = d.int(1, 8), d.int(1, 6)
    X = _design(d, n, p)
    y = d.layout(d.array((n,)))
    k = d.int(0, 3)
    if k == 3:
        path = ns.lasso_path if d.bool() else ns.enet_path
        kw = dict(n_alphas=d.int(1, 5), eps=d.positive(1e-4, 0.5), max_iter=d.int(1, 200))
        if path is ns.enet_path:
            kw["l1_ratio"] = d.float(0, 1)
        return path(X, y, **kw)
    cls = ns.Lasso if k < 2 else ns.ElasticNet
    kw = dict(fit_intercept=d.bool(), positive=d.bool(), max_iter=d.int(1, 300), tol=d.positive(1e-8, 1e-1))
    if d.bool():
        kw["weights"] = np.abs(d.array((p,), 0, 3))
    if cls is ns.ElasticNet:
        kw["l1_ratio"] = d.float(0, 1)
    model = cls(d.positive(0, 2), **kw)
    sw = 0.1 + np.abs(d.array((n,), 0, 3)) if d.int(0, 3) == 0 else None
    model.fit(X, y, sample_weight=sw)
    out = [model.coef_, model.intercept_, model.dual_gap_, model.predict(X)]
    if n > 1:
        out.append(model.score(X, y))
    return out


def entry_optimize(d: Draw):
    n, p = d.int(1, 6), d.int(1, 5)
    A, b = d.layout(d.array((n, p))), d.array((n,))
    kind = d.int(0, 2)
    loss = [lambda: losses.LeastSquares(A, b), lambda: losses.Logistic(A, np.sign(b) + (b == 0)),
            lambda: losses.Huber(A, b, d.positive())][kind]()
    op = make_operator(d, p) if d.bool() else None
    if op is not None and op.is_matrix:
        op = None
    k = d.int(0, 2)
    if k == 0:
        return ns.minimize(loss, op, None if d.bool() else d.array((p,)), method=d.pick(["fista", "ista"]),
                           step=d.pick(["lipschitz", "backtracking", d.positive()]),
                           restart=d.pick([None, "function", "gradient"]), max_iter=d.int(1, 100),
                           tol=d.positive(1e-10, 1e-2))
    if k == 1:
        return ns.subgradient_method(loss, op, step_rule=d.pick(["constant", "constant_length", "diminishing",
                                                                 "square_summable", "polyak"]),
                                     step=d.positive(), max_iter=d.int(1, 100))
    g = make_operator(d, p)
    if g.is_matrix:
        g = ns.prox.Zero()
    return ns.admm(op or ns.prox.Zero(), g, p, max_iter=d.int(1, 100), penalty=None if d.bool() else d.positive())


UNARY = ["relu", "abs", "sin", "cos", "exp", "log", "sqrt", "tanh", "sigmoid", "softplus", "gelu", "sign",
         "floor", "round", "square", "negative", "reciprocal", "log1p", "leaky_relu", "soft_threshold", "hinge",
         "huber", "sort", "clip"]
BINARY = ["add", "subtract", "multiply", "divide", "maximum", "minimum", "power"]
REDUCE = ["sum", "mean", "max", "min", "norm1", "norm2", "norm_inf", "logsumexp", "amax", "amin"]


def _unary(name, x):
    f = getattr(ns, name)
    if name == "soft_threshold":
        return f(x, 0.5)
    if name == "clip":
        return f(x, -1.0, 1.0)
    return f(x)


def make_traced(d: Draw):
    ops = [(d.pick(UNARY), d.pick(BINARY), d.bool()) for _ in range(d.int(1, 4))]
    reduce = d.pick(REDUCE)
    use_where = d.int(0, 4) == 0

    def fn(x, y):
        z = x
        for u, b, mix in ops:
            z = _unary(u, z)
            if mix:
                z = getattr(ns, b)(z, y)
        if use_where:
            z = ns.where(ns.greater(x, 0.0), z, y)
        return getattr(ns, reduce)(z)

    return ns.function(fn)


def entry_autodiff(d: Draw):
    n = d.int(1, 5)
    f = make_traced(d)
    x, y = d.layout(d.array((n,))), d.array((n,))
    policy = None
    if d.bool():
        policy = ns.Kinks(relu_at_zero=d.float(0, 1), abs_at_zero=d.float(-1, 1), ties=d.pick(["lowest", "split"]),
                          strict=d.int(0, 5) == 0)
    k = d.int(0, 6)
    if k == 0:
        return f(x, y, policy=policy)
    if k == 1:
        return f.value_and_grad(x, y, wrt=d.pick([0, 1, (0, 1)]), policy=policy)
    if k == 2:
        return f.jvp(x, y, tangent=d.array((n,)), policy=policy)
    if k == 3:
        return f.hvp(x, y, direction=d.array((n,)), policy=policy)
    if k == 4:
        return f.jacobian(x, y, policy=policy)
    if k == 5:
        return f.vjp(x, y, cotangent=d.float(), policy=policy)
    return f.lexicographic_jacobian(x, y)


def entry_training(d: Draw):
    n = d.int(1, 4)
    opt = d.pick([lambda: ns.SGD(d.positive()), lambda: ns.Momentum(d.positive(), d.float(0, 0.99)),
                  lambda: ns.Nesterov(d.positive(), d.float(0, 0.99)), lambda: ns.AdaGrad(d.positive()),
                  lambda: ns.RMSProp(d.positive(), d.float(0.5, 0.999)),
                  lambda: ns.Adam(d.positive(), d.float(0, 0.99), d.float(0.5, 0.9999))])()
    k = d.int(0, 2)
    if k == 0:
        w = d.array((n,))
        for _ in range(d.int(1, 4)):
            opt.step(w, d.array((n,)))
        return w
    if k == 1:
        sched = d.pick([lambda: ns.optim.constant(d.positive()), lambda: ns.optim.diminishing(d.positive(), d.positive()),
                        lambda: ns.optim.step_decay(d.positive(), d.float(0, 1), d.int(1, 5)),
                        lambda: ns.optim.cosine(d.positive(), d.float(0, 0.1), d.int(1, 10))])()
        return [sched(d.int(0, 20)) for _ in range(3)]
    m = d.int(1, 6)
    X, y = d.layout(d.array((m, n))), d.array((m,))
    loss = ns.function(lambda w, X, y: ns.mean(ns.abs(X @ w - y)) if d.bool() else ns.mean(ns.square(ns.relu(X @ w) - y)))
    prox = {"w": make_operator(d, n)} if d.int(0, 3) == 0 else None
    if prox and prox["w"].is_matrix:
        prox = None
    return ns.train(loss, {"w": d.array((n,))}, {"X": X, "y": y}, optimizer=opt, prox=prox, steps=d.int(1, 50),
                    batch_size=d.pick([None, 1, m]), seed=d.int(0, 9), record_every=d.int(1, 10)).params


def entry_tuning(d: Draw):
    n, p = d.int(2, 8), d.int(1, 5)
    # Malformed CSR/CSC crash the tuned estimators' row slicing: issue 12 item 7's class.
    X, y = _design(d, n, p, malformed=KNOWN), d.array((n,))
    if d.int(0, 3) > 0:
        model = d.pick(["lasso", "elastic_net", "weighted_lasso"])
        kw = dict(alpha=d.positive(0, 1)) if model != "weighted_lasso" or d.bool() else dict(l1=np.abs(d.array((p,))))
        if model == "weighted_lasso" and "alpha" in kw:
            kw = dict(l1=np.full(p, kw["alpha"]))
        return hypergradient(X, y, d.array((p,)), d.array((p,)), model=model, l2=d.positive(0, 1),
                             method=d.pick(["implicit", "implicit_forward", "forward", "reverse"]),
                             fit_intercept=d.bool(), max_iter=d.int(1, 100), **kw)[0]
    cls = d.pick([ns.LassoTuned, ns.ElasticNetTuned, ns.WeightedLassoTuned])
    est = cls(criterion=d.pick(["holdout", "cv", "sure", "sure_fd"]), cv=2, max_iter=d.int(1, 3))
    est.fit(X, y)
    return est.predict(X)


def entry_implicit(d: Draw):
    n = d.int(1, 4)
    F = ns.function(lambda x, t: x - ns.relu(t - x) * 0.5 - ns.abs(t) * 0.1)
    x, t = d.array((n,)), d.layout(d.array((n,)))
    if d.bool():
        return implicit_jvp(F, x, t, tangents=d.array((n,)), solver=d.pick(["auto", "dense", "gmres"]))
    return implicit_vjp(F, x, t, cotangent=d.array((n,)))


def entry_raw(d: Draw):
    """Direct calls of the extension with wrongly typed arguments (always unclean)."""
    d.clean = False
    bad = [None, 1, 1.5, "x", b"x", [1.0], np.zeros(0), np.zeros((2, 0)), np.zeros((3, 3, 3)),
           np.zeros((4, 4))[::2, ::3], np.zeros((3, 3), dtype=np.int32), np.zeros((2, 2), dtype=object),
           np.zeros((2, 2), dtype=np.float32), np.full((2, 2), np.nan), np.zeros((3, 2)).T]
    handle = ns.prox.L1(1.0)._handle(2)
    opt = _native.optimizer_create("sgd", ())
    k = d.int(0, 5)
    if k == 0:
        return _native.prox_apply(d.pick([handle, opt, None, 3]), d.pick(bad), d.pick([1.0, -1.0, np.nan, "a"]))
    if k == 1:
        return _native.prox_value(d.pick([handle, opt]), d.pick(bad))
    if k == 2:
        return _native.prox_subgradient(d.pick([handle, opt]), d.pick(bad))
    if k == 3:
        return _native.optimizer_step(d.pick([opt, handle]), d.pick(bad), d.pick(bad), d.pick([1.0, np.nan, -1.0]))
    if k == 4:
        return _native.learning_rate(d.pick(["constant", "cosine", "nope", ""]), d.pick([(1.0,), (), (1.0, 2.0, 3.0)]),
                                     d.pick([0, -1, 2 ** 62]))
    return _native.prox_create(d.pick(["l1", "group_l2", "nuclear", "", "nope"]), d.pick(bad), d.pick(bad),
                               d.pick([None, 1.0]), d.pick([None, np.array([0, 5], np.int64), np.array([3, 1], np.int64)]),
                               d.pick([None, np.array([0, 1], np.int64), np.array([-1, 99], np.int64)]))


ENTRIES = [entry_prox, entry_prox_function, entry_linear_model, entry_optimize, entry_autodiff, entry_training,
           entry_tuning, entry_implicit, entry_raw]


def TestOneInput(data: bytes) -> None:
    d = Draw(data)
    entry = ENTRIES[d.int(0, len(ENTRIES) - 1)]
    name = entry.__name__[len("entry_"):]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            out = entry(d)
        except EXPECTED as exc:
            if not str(exc).strip():
                finding(name, "empty-message", f"{type(exc).__name__} without a message", data)
            return
        except Exception as exc:  # noqa: BLE001  (any other type breaks the contract)
            finding(name, f"raised-{type(exc).__name__}", f"{exc}\n\n{traceback.format_exc()}", data)
            return
    if d.clean and nan_in(out) and not caught:
        finding(name, "silent-nan", f"NaN in the output of valid finite input without a warning: {out!r}"[:2000], data)


if __name__ == "__main__":
    atheris.Setup(sys.argv, TestOneInput)
    atheris.Fuzz()
