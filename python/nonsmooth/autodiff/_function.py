"""``@nonsmooth.function``: trace once per input shapes, then evaluate and
differentiate natively."""
from __future__ import annotations

import functools
import importlib
import inspect
import numbers
import re
import sys
import threading
from dataclasses import dataclass

import numpy as np

from .. import _native
from .._validation import as_float_array
from ._policy import KinkReport, Kinks, _resolve
from ._precision import CODES, FLOAT64, computation_dtype
from ._tracer import Trace, Tracer


@dataclass(frozen=True)
class _Compiled:
    handle: object
    input_shapes: tuple
    output_shapes: tuple
    n_outputs: int | None      # None: the function returns one array, else a tuple of this length
    dtype: np.dtype = FLOAT64  # the precision the program runs in (see _precision)

    def __post_init__(self):
        sizes = tuple(int(np.prod(s)) for s in self.output_shapes)
        object.__setattr__(self, "output_sizes", sizes)
        object.__setattr__(self, "code", CODES[self.dtype])
        # The cotangent seed of value_and_grad: read-only, so shared by all calls.
        seed = np.ones(self.output_shapes[0], self.dtype)
        seed.flags.writeable = False
        object.__setattr__(self, "seed", [seed] + [None] * (len(self.output_shapes) - 1))

    def output_buffers(self, dtype=None) -> list[np.ndarray]:
        return [np.empty(s, dtype or self.dtype) for s in self.output_shapes]


_NOT_FINITE = re.compile(r"argument (\d+): must be finite, entry (\d+) is (\S+)")


def _contiguous(a: np.ndarray) -> np.ndarray:
    """C-contiguous, keeping 0-d arrays 0-d (unlike np.ascontiguousarray)."""
    return np.require(a, requirements="C")


def _scalar_or_array(a: np.ndarray):
    return a[()] if a.ndim == 0 else a


def _select(results: list, single: bool):
    """One result (0-d as a NumPy scalar) for a single ``wrt``, else a tuple."""
    results = [_scalar_or_array(r) for r in results]
    return results[0] if single else tuple(results)


class Function:
    """A Python function traced into a native program, with its derivatives.

    Create one with :func:`nonsmooth.function`. The function is traced on
    :class:`~nonsmooth.autodiff.Tracer` arrays the first time it is called
    with given argument shapes; the program is kept (per shapes) and every
    later call runs in native code with the interpreter lock released.
    NumPy arrays the function closes over become constants of the program
    (captured at trace time).

    Positional arguments are arrays or numbers. The computation runs in the
    precision of the floating arguments: float32 when they are all float32
    (values and gradients are then float32, as in JAX and PyTorch), float64
    as soon as one is float64 (NumPy's promotion); numbers, integer and
    boolean arrays adopt it, and with no floating argument it is float64. A
    gradient has the dtype of its argument (a float32 argument of a float64
    computation gets a float32 gradient). Forward-mode derivatives (``jvp``,
    ``hvp``, ``jacobian``, the lexicographic ones) are computed in float64 and
    returned in the precision of the call. Complex, object and string data, NaN or infinite
    entries and a wrong number of arguments raise an exception naming the
    argument. ``wrt`` selects the arguments to differentiate: an index, a name,
    or a tuple of them (then the result is a tuple too). ``policy`` is a
    :class:`~nonsmooth.Kinks` (default: :func:`~nonsmooth.get_kink_policy`).

    Every evaluation computes a :class:`~nonsmooth.KinkReport`; the methods
    that do not return it store it in :attr:`last_kinks`.

    Parameters
    ----------
    fn : callable
        A function of arrays written with the primitives of
        :mod:`nonsmooth.autodiff` (or NumPy's functions that map to them),
        returning one array or a tuple of arrays.

    Examples
    --------
    >>> f = ns.Function(lambda x, y: ns.sum(ns.abs(x - y)))
    >>> x, y = np.array([1.0, 2.0]), np.array([1.0, 0.0])
    >>> f(x, y), f.grad(x, y), f.last_kinks
    (np.float64(2.0), array([0., 1.]), KinkReport(abs=1))
    >>> f.grad(x, y, wrt="y"), f.jacobian(x, y, wrt=("x", "y"))
    (array([ 0., -1.]), (array([0., 1.]), array([ 0., -1.])))
    """

    __name__: str  # the traced function's, set by functools.update_wrapper

    def __init__(self, fn):
        if not callable(fn):
            raise TypeError(f"nonsmooth.function: expected a callable, got {type(fn).__name__}")
        functools.update_wrapper(self, fn)
        self._fn = fn
        positional = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
        try:
            params = list(inspect.signature(fn).parameters.values())
        except (TypeError, ValueError):  # builtins without a signature
            params = []
        self._names = [p.name for p in params if p.kind in positional]
        self._required = sum(1 for p in params if p.kind in positional and p.default is inspect.Parameter.empty)
        self._varargs = any(p.kind == inspect.Parameter.VAR_POSITIONAL for p in params)
        self._cache: dict[tuple, _Compiled] = {}
        self._lock = threading.Lock()
        self._local = threading.local()
        self._wrt_cache: dict = {}

    def __repr__(self) -> str:
        return f"<nonsmooth.function {getattr(self._fn, '__qualname__', self._fn)!r}>"

    def __get__(self, obj, objtype=None):
        return self if obj is None else functools.partial(self, obj)

    # ---- pickling: the Python function travels; programs are traced again when used ----
    def __reduce__(self):
        name = getattr(self, "__module__", None)
        if name and name != "__main__" and _lookup(name, self.__qualname__) is self:
            return _load, (name, self.__qualname__)  # a decorated module-level function: by reference
        try:  # by value (lambdas, closures, notebooks' __main__), as joblib/loky and Dask do
            import cloudpickle
        except ImportError:
            return Function, (self._fn,)
        return _from_cloudpickle, (cloudpickle.dumps(self._fn),)

    def __deepcopy__(self, memo):
        return Function(self._fn)

    # ---- arguments -------------------------------------------------------------------
    def _name(self, k: int) -> str:
        return self._names[k] if k < len(self._names) else f"args[{k}]"

    def _arrays(self, args) -> tuple[list[np.ndarray], np.dtype]:
        n = len(args)
        if n < self._required or (not self._varargs and n > len(self._names)):
            expected = (f"{self._required}" if self._required == len(self._names)
                        else f"{self._required} to {len(self._names)}")
            if self._varargs:
                expected = f"at least {self._required}"
            raise TypeError(f"{self.__name__}() takes {expected} positional argument(s) "
                            f"({', '.join(self._names)}), got {n}")
        dtype = computation_dtype(args)
        arrays = []
        for k, a in enumerate(args):
            if type(a) is np.ndarray and a.dtype == dtype and a.flags.c_contiguous:
                arrays.append(a)  # finiteness is checked natively, in one pass, see _native_call
                continue
            if isinstance(a, Tracer):
                raise TypeError(f"{self._name(k)}: a traced array; derivatives of a nonsmooth.function cannot "
                                "be taken inside another traced function (call it directly instead)")
            arrays.append(_contiguous(as_float_array(a, self._name(k), allow_empty=True).astype(dtype, copy=False)))
        return arrays, dtype

    def _wrt(self, wrt, nargs: int) -> tuple[list[int], bool]:
        try:
            return self._wrt_cache[wrt, nargs]
        except (KeyError, TypeError):
            pass
        result = self._parse_wrt(wrt, nargs)
        try:
            self._wrt_cache[wrt, nargs] = result
        except TypeError:  # an unhashable wrt (a list)
            pass
        return result

    def _parse_wrt(self, wrt, nargs: int) -> tuple[list[int], bool]:
        single = not isinstance(wrt, (tuple, list))
        items = [wrt] if single else list(wrt)
        if not items:
            raise ValueError("wrt: needs at least one argument")
        out = []
        for w in items:
            if isinstance(w, str):
                if w not in self._names[:nargs]:
                    raise ValueError(f"wrt: {self.__name__}() has no argument named {w!r} "
                                     f"(arguments: {', '.join(self._names[:nargs])})")
                k = self._names.index(w)
            elif isinstance(w, numbers.Integral) and not isinstance(w, (bool, np.bool_)):
                k = int(w) + (nargs if w < 0 else 0)
                if not 0 <= k < nargs:
                    raise ValueError(f"wrt: argument index {w} is out of range for {nargs} argument(s)")
            else:
                raise TypeError(f"wrt: expected an argument index, a name or a tuple of them, got {w!r}")
            out.append(k)
        if len(set(out)) != len(out):
            raise ValueError(f"wrt: repeats an argument: {wrt!r}")
        return out, single

    # ---- tracing ------------------------------------------------------------------------
    def _compiled(self, arrays, dtype=FLOAT64) -> _Compiled:
        key = (tuple(a.shape for a in arrays), dtype)
        compiled = self._cache.get(key)
        if compiled is not None:
            return compiled
        trace = Trace(dtype)
        tracers = [trace.input(a.shape) for a in arrays]
        try:
            out = self._fn(*tracers)
        except TypeError as exc:
            if "__array_ufunc__" in str(exc) or "__array_function__" in str(exc):
                raise TypeError(f"{exc}: NumPy functions cannot see traced arrays; use the nonsmooth "
                                "functions of the same name (nonsmooth.exp, nonsmooth.sum, ...)") from None
            raise
        multi = isinstance(out, (tuple, list))
        outputs = list(out) if multi else [out]
        if not outputs:
            raise ValueError(f"{self.__name__}: returned an empty tuple; a program needs an output")
        for k, o in enumerate(outputs):
            if not isinstance(o, (Tracer, numbers.Real, np.ndarray)):
                raise TypeError(f"{self.__name__}: output {k} is a {type(o).__name__}, expected an array")
        handle, input_shapes, output_shapes = trace.compile(outputs)
        compiled = _Compiled(handle, tuple(map(tuple, input_shapes)), tuple(map(tuple, output_shapes)),
                             len(outputs) if multi else None, dtype)
        with self._lock:
            self._cache.setdefault(key, compiled)
        return compiled

    def _native_call(self, fn, *args):
        """Calls the ABI, naming the argument when it rejects a non-finite entry."""
        try:
            return fn(*args)
        except ValueError as exc:
            m = _NOT_FINITE.match(str(exc))
            if m is None:
                raise
            raise ValueError(f"{self._name(int(m[1]))}: contains NaN or infinity (entry {m[2]} is {m[3]})") from None

    def _pack(self, compiled: _Compiled, buffers):
        if compiled.n_outputs is None:
            return _scalar_or_array(buffers[0])
        return tuple(_scalar_or_array(b) for b in buffers)

    def _record(self, text: str) -> KinkReport:
        report = KinkReport.from_text(text)
        self._local.kinks = report
        return report

    @property
    def last_kinks(self) -> KinkReport:
        """The kink report of this thread's last evaluation of this function."""
        return getattr(self._local, "kinks", KinkReport())

    def _setup(self, args, policy):
        arrays, dtype = self._arrays(args)
        return arrays, self._compiled(arrays, dtype), _resolve(policy)._native()

    @staticmethod
    def _as_argument_dtype(grads: list, args, indices) -> list:
        """Each gradient in the dtype of its argument when that is a floating
        type other than the computation's (a float32 argument of a float64 call)."""
        out = []
        for g, k in zip(grads, indices):
            dtype = getattr(args[k], "dtype", None)
            if isinstance(dtype, np.dtype) and dtype.kind == "f" and dtype != g.dtype:
                g = g.astype(dtype)
            out.append(g)
        return out

    @staticmethod
    def _float64(compiled: _Compiled, arrays: list) -> list:
        """The arguments for the float64-only entry points (forward modes)."""
        return arrays if compiled.dtype == FLOAT64 else [a.astype(FLOAT64) for a in arrays]

    @staticmethod
    def _in_precision(compiled: _Compiled, a):
        return a if compiled.dtype == FLOAT64 else a.astype(compiled.dtype)

    @staticmethod
    def _like(value, shape, name: str) -> np.ndarray:
        a = as_float_array(value, name, allow_empty=True)
        if a.shape != tuple(shape):
            if a.size == 1 and np.prod(shape) == 1:
                a = a.reshape(shape)
            else:
                raise ValueError(f"{name}: expected shape {tuple(shape)}, got {a.shape}")
        return _contiguous(a)

    # ---- evaluation -----------------------------------------------------------------------
    def __call__(self, *args, policy: Kinks | None = None):
        """The function's value (an array, a float for 0-d results, or a tuple)."""
        if any(isinstance(a, Tracer) for a in args):  # called inside another traced function
            return self._fn(*args)
        return self.evaluate(*args, policy=policy)[0]

    def evaluate(self, *args, policy: Kinks | None = None):
        """``(value, kinks)``: the value and the :class:`~nonsmooth.KinkReport`."""
        arrays, compiled, native_policy = self._setup(args, policy)
        outputs = compiled.output_buffers()
        text = self._native_call(_native.program_evaluate, compiled.handle, native_policy, compiled.code, arrays, outputs)
        return self._pack(compiled, outputs), self._record(text)

    def _scalar_output(self, compiled: _Compiled, method: str, output: int = 0) -> int:
        n = len(compiled.output_shapes)
        if not isinstance(output, numbers.Integral) or not 0 <= output < n:
            raise ValueError(f"output: index {output!r} is out of range for {n} output(s)")
        shape = compiled.output_shapes[output]
        if compiled.output_sizes[output] != 1:
            raise ValueError(f"{method}: needs a scalar output, {self.__name__} returns shape {shape}; "
                             "use vjp or jacobian for array outputs")
        return int(output)

    def value_and_grad(self, *args, wrt=0, policy: Kinks | None = None):
        """``(value, grad, kinks)`` of a function with a scalar output.

        With a tuple output, the first entry is differentiated and the whole
        tuple is returned as the value (the others are auxiliary outputs).
        ``grad`` has the shape of the ``wrt`` argument (a tuple of such for a
        tuple ``wrt``). The cost is a small constant times one evaluation.
        """
        arrays, compiled, native_policy = self._setup(args, policy)
        self._scalar_output(compiled, "value_and_grad")
        indices, single = self._wrt(wrt, len(arrays))
        cotangents = compiled.seed
        grads = [np.empty(compiled.input_shapes[k], compiled.dtype) for k in indices]
        outputs = compiled.output_buffers()
        text = self._native_call(_native.program_vjp, compiled.handle, native_policy, compiled.code, arrays, cotangents,
                                 indices, grads, outputs)
        grads = self._as_argument_dtype(grads, args, indices)
        return self._pack(compiled, outputs), _select(grads, single), self._record(text)

    def grad(self, *args, wrt=0, policy: Kinks | None = None):
        """The gradient of a scalar function (see :meth:`value_and_grad`)."""
        return self.value_and_grad(*args, wrt=wrt, policy=policy)[1]

    def vjp(self, *args, cotangent, wrt=0, policy: Kinks | None = None):
        """``(value, vjp)``: reverse mode, Σₖ cotangentₖᵀ ∂outputₖ/∂x for x in ``wrt``.

        ``cotangent`` has the output's shape (a tuple, entries may be None,
        for a tuple output).
        """
        arrays, compiled, native_policy = self._setup(args, policy)
        indices, single = self._wrt(wrt, len(arrays))
        if compiled.n_outputs is None:
            cots = [cotangent]
        else:
            if not isinstance(cotangent, (tuple, list)) or len(cotangent) != compiled.n_outputs:
                raise ValueError(f"cotangent: expected a tuple of {compiled.n_outputs} arrays (or None)")
            cots = list(cotangent)
        cots = [None if c is None else self._in_precision(compiled, self._like(c, s, "cotangent"))
                for c, s in zip(cots, compiled.output_shapes)]
        grads = [np.empty(compiled.input_shapes[k], compiled.dtype) for k in indices]
        outputs = compiled.output_buffers()
        text = self._native_call(_native.program_vjp, compiled.handle, native_policy, compiled.code, arrays, cots,
                                 indices, grads, outputs)
        self._record(text)
        grads = self._as_argument_dtype(grads, args, indices)
        return self._pack(compiled, outputs), _select(grads, single)

    def jvp(self, *args, tangent, wrt=0, policy: Kinks | None = None):
        """``(value, tangent_out)``: forward mode, Σⱼ ∂output/∂xⱼ · tangentⱼ over ``wrt``.

        ``tangent`` has the shape of the ``wrt`` argument (a tuple for a tuple ``wrt``).
        """
        arrays, compiled, native_policy = self._setup(args, policy)
        indices, single = self._wrt(wrt, len(arrays))
        given = [tangent] if single else list(tangent) if isinstance(tangent, (tuple, list)) else None
        if given is None or len(given) != len(indices):
            raise ValueError(f"tangent: expected {'an array' if single else f'a tuple of {len(indices)} arrays'}")
        tangents: list[np.ndarray | None] = [None] * len(arrays)
        for k, t in zip(indices, given):
            tangents[k] = self._like(t, compiled.input_shapes[k], "tangent")
        out_tangents = compiled.output_buffers(FLOAT64)
        outputs = compiled.output_buffers(FLOAT64)
        text = self._native_call(_native.program_jvp, compiled.handle, native_policy, self._float64(compiled, arrays),
                                 tangents, out_tangents, outputs)
        self._record(text)
        outputs = [self._in_precision(compiled, o) for o in outputs]
        out_tangents = [self._in_precision(compiled, t) for t in out_tangents]
        return self._pack(compiled, outputs), self._pack(compiled, out_tangents)

    def jacobian(self, *args, wrt=0, output: int = 0, policy: Kinks | None = None):
        """The Jacobian of output ``output``, of shape output.shape + x.shape for
        each x in ``wrt`` (by reverse rows or forward columns, whichever is fewer)."""
        arrays, compiled, native_policy = self._setup(args, policy)
        indices, single = self._wrt(wrt, len(arrays))
        n = len(compiled.output_shapes)
        if not isinstance(output, numbers.Integral) or not 0 <= output < n:
            raise ValueError(f"output: index {output!r} is out of range for {n} output(s)")
        results = []
        arrays64 = self._float64(compiled, arrays)
        for k in indices:
            jac = np.empty(compiled.output_shapes[output] + compiled.input_shapes[k])
            text = self._native_call(_native.program_jacobian, compiled.handle, native_policy, arrays64, int(output), k, jac)
            results.append(self._in_precision(compiled, jac))
        self._record(text)
        return _select(results, single)

    def hvp(self, *args, direction, wrt=0, output: int = 0, policy: Kinks | None = None):
        """Hessian-vector product ∇²f(x)·v of a scalar output (forward over reverse).

        ``direction`` has the shape of the ``wrt`` argument (a tuple for a tuple
        ``wrt``: then the result is the tuple of blocks of ∇²f·(v₁, …, vₖ)).
        Exact where the program is twice differentiable; at kinks the second
        derivative of piecewise-linear primitives is taken as 0.
        """
        arrays, compiled, native_policy = self._setup(args, policy)
        output = self._scalar_output(compiled, "hvp", output)
        indices, single = self._wrt(wrt, len(arrays))
        given = [direction] if single else list(direction) if isinstance(direction, (tuple, list)) else None
        if given is None or len(given) != len(indices):
            raise ValueError(f"direction: expected {'an array' if single else f'a tuple of {len(indices)} arrays'}")
        dirs = [self._like(d, compiled.input_shapes[k], "direction") for k, d in zip(indices, given)]
        products = [np.empty(compiled.input_shapes[k]) for k in indices]
        text = self._native_call(_native.program_hvp, compiled.handle, native_policy, self._float64(compiled, arrays),
                                 output, indices, dirs, products, None)
        self._record(text)
        return _select([self._in_precision(compiled, p) for p in products], single)

    # ---- lexicographic mode -------------------------------------------------------------
    def lexicographic_derivative(self, *args, directions, wrt=0, output: int = 0):
        """The lexicographic directional derivative F'(x; M) (Khan & Barton 2015).

        Parameters
        ----------
        *args : arrays
            The point x.
        directions : array of shape (N, k)
            The matrix M: its rows are the entries of the ``wrt`` arguments
            (flattened in C order, concatenated in ``wrt`` order), its k
            columns are the directions, used in order to break ties.
        wrt, output : see :meth:`jacobian`.

        Returns
        -------
        ndarray of shape output.shape + (k,)
            Column j is the directional derivative along column j of M, taken
            at the point moved lexicographically along the earlier columns.

        Costs k forward passes; no kink policy is involved.
        """
        arrays, compiled, _ = self._setup(args, None)
        indices, _ = self._wrt(wrt, len(arrays))
        n = len(compiled.output_shapes)
        if not isinstance(output, numbers.Integral) or not 0 <= output < n:
            raise ValueError(f"output: index {output!r} is out of range for {n} output(s)")
        counts = [int(np.prod(compiled.input_shapes[k])) for k in indices]
        m = as_float_array(directions, "directions", ndim=2)
        if m.shape[0] != sum(counts):
            raise ValueError(f"directions: expected {sum(counts)} rows (the entries of the wrt arguments), "
                             f"got shape {m.shape}")
        blocks, offset = [], 0
        for c in counts:
            blocks.append(np.ascontiguousarray(m[offset:offset + c]))
            offset += c
        out_shape = compiled.output_shapes[output]
        result = np.empty((int(np.prod(out_shape)), m.shape[1]))
        text = self._native_call(_native.program_lexicographic, compiled.handle, self._float64(compiled, arrays),
                                 int(output), indices, blocks, m.shape[1], result)
        self._record(text)
        return self._in_precision(compiled, result.reshape(out_shape + (m.shape[1],)))

    def lexicographic_jacobian(self, *args, wrt=0, directions=None, output: int = 0):
        """The lexicographic (L-derivative) Jacobian F'(x; M)·M⁻¹.

        With M = identity (``directions=None``) or any nonsingular square M,
        this is an L-derivative of the output (Nesterov 2005; Khan & Barton
        2015): for programs built from abs/relu/max/min/norms/sort/pooling and
        smooth operations, an element of Clarke's generalized Jacobian — no
        kink policy choice is involved, so ``relu(x) − relu(−x)`` at 0 gives 1.
        Different M may give different elements at a kink. Cost: N forward
        passes, N the number of entries of the ``wrt`` arguments; use it to
        certify a derivative at a kink, and reverse mode otherwise.

        Returns
        -------
        ndarray of shape output.shape + x.shape for each x in ``wrt`` (a tuple
        for a tuple ``wrt``).
        """
        arrays, compiled, _ = self._setup(args, None)
        indices, single = self._wrt(wrt, len(arrays))
        counts = [int(np.prod(compiled.input_shapes[k])) for k in indices]
        total = sum(counts)
        if directions is None:
            m = np.eye(total)
        else:
            m = as_float_array(directions, "directions", ndim=2)
            if m.shape != (total, total):
                raise ValueError(f"directions: expected a square ({total}, {total}) matrix, got shape {m.shape}")
        derivative = self.lexicographic_derivative(*args, directions=m, wrt=wrt, output=output)
        r = derivative.reshape(-1, total)
        if directions is not None:
            try:
                r = np.linalg.solve(m.T, r.T).T
            except np.linalg.LinAlgError:
                raise ValueError("directions: must be a nonsingular matrix") from None
        out_shape = compiled.output_shapes[output]
        results, offset = [], 0
        for k, c in zip(indices, counts):
            block = np.ascontiguousarray(r[:, offset:offset + c], dtype=derivative.dtype)
            results.append(block.reshape(out_shape + compiled.input_shapes[k]))
            offset += c
        return _select(results, single)


def _lookup(module: str, qualname: str):
    """The object named ``module.qualname``, or None."""
    try:
        obj = sys.modules.get(module) or importlib.import_module(module)
        for part in qualname.split("."):
            obj = getattr(obj, part)
    except Exception:  # noqa: BLE001 - any failure means "not importable by name"
        return None
    return obj


def _load(module: str, qualname: str) -> Function:
    obj = _lookup(module, qualname)
    if not isinstance(obj, Function):
        raise AttributeError(f"cannot unpickle the nonsmooth.function {module}.{qualname}: not found")
    return obj


def _from_cloudpickle(payload: bytes) -> Function:
    import pickle

    return Function(pickle.loads(payload))


def function(fn=None):
    """Decorator: trace ``fn`` into a native program; returns a :class:`Function`.

    Parameters
    ----------
    fn : callable
        A function of arrays written with the primitives of
        :mod:`nonsmooth.autodiff` (``ns.relu``, ``ns.sum``, ``@``, ...) or the
        NumPy functions that map to them.

    Returns
    -------
    Function
        Evaluation (``f(*args)``) and derivatives (``grad``,
        ``value_and_grad``, ``vjp``, ``jvp``, ``jacobian``, ``hvp``,
        ``lexicographic_jacobian``), computed natively.

    Examples
    --------
    >>> import numpy as np, nonsmooth as ns
    >>> @ns.function
    ... def loss(w, X, y):
    ...     return ns.mean((ns.relu(X @ w) - y) ** 2) + 0.1 * ns.norm1(w)
    >>> X, y = np.eye(3), np.ones(3)
    >>> value, grad, kinks = loss.value_and_grad(np.zeros(3), X, y, wrt="w")
    >>> kinks  # relu and abs were evaluated at 0: the gradient is a choice of the policy
    KinkReport(relu=3, norm1=3)
    """
    if fn is None:
        return function
    return Function(fn)
