"""Every public class and function has a numpy-style docstring (Parameters when it
takes any, an Examples section) and every example in it runs as a doctest, with
fixed NumPy print options."""
import doctest
import importlib
import importlib.util
import inspect

import numpy as np
import pytest

import nonsmooth

MODULES = ["nonsmooth", "nonsmooth.prox", "nonsmooth.optimize", "nonsmooth.optim", "nonsmooth.training",
           "nonsmooth.tuning", "nonsmooth.implicit", "nonsmooth.lab", "nonsmooth.autodiff", "nonsmooth.datasets",
           "nonsmooth.linear_model", "nonsmooth.exceptions"]
if importlib.util.find_spec("distributed") is not None:  # the optional dask extra
    MODULES.append("nonsmooth.distributed")

PRINT_OPTIONS = dict(edgeitems=3, infstr="inf", linewidth=75, nanstr="nan", precision=8, suppress=False,
                     threshold=1000, formatter=None, sign="-", floatmode="maxprec", legacy=False)


def public_objects():
    """(qualified name, object) of every public class and function, once each."""
    seen, out = set(), []
    for name in MODULES:
        module = importlib.import_module(name)
        assert hasattr(module, "__all__"), f"{name} has no __all__"
        for attr in module.__all__:
            obj = getattr(module, attr)
            if not (inspect.isclass(obj) or inspect.isfunction(obj)) or id(obj) in seen:
                continue
            seen.add(id(obj))
            out.append((f"{name}.{attr}", obj))
    return out


PUBLIC = public_objects()


def _takes_parameters(obj) -> bool:
    if inspect.isclass(obj) and issubclass(obj, BaseException):
        return False
    try:
        signature = inspect.signature(obj)
    except (TypeError, ValueError):
        return False
    return any(p.name != "self" for p in signature.parameters.values())


@pytest.mark.parametrize("name, obj", PUBLIC, ids=[n for n, _ in PUBLIC])
def test_public_object_has_a_numpy_style_docstring(name, obj):
    doc = inspect.getdoc(obj)
    assert doc, f"{name} has no docstring"
    assert "Examples\n--------" in doc, f"{name}: no Examples section"
    if _takes_parameters(obj):  # records (NamedTuple, dataclasses) may list their fields as Attributes
        sections = ("Parameters\n----------",) + (("Attributes\n----------",) if inspect.isclass(obj) else ())
        assert any(section in doc for section in sections), f"{name}: no Parameters section"


def _doctests():
    finder = doctest.DocTestFinder(exclude_empty=True)
    tests, seen = [], set()
    for name in MODULES:
        module = importlib.import_module(name)
        for test in finder.find(module.__doc__ or "", name, module=module, globs={}) if module.__doc__ else []:
            tests.append(test)
    for name, obj in PUBLIC:
        for test in finder.find(obj, name, module=inspect.getmodule(obj), globs={}):
            if test.examples and test.name not in seen:
                seen.add(test.name)
                tests.append(test)
    return tests


DOCTESTS = _doctests()


@pytest.mark.parametrize("test", DOCTESTS, ids=[t.name for t in DOCTESTS])
def test_docstring_examples_run(test, tmp_path, monkeypatch):
    pytest.importorskip("matplotlib")
    import matplotlib

    matplotlib.use("Agg")
    monkeypatch.chdir(tmp_path)  # examples may write figures
    test.globs = {"np": np, "ns": nonsmooth}
    runner = doctest.DocTestRunner(optionflags=doctest.NORMALIZE_WHITESPACE | doctest.ELLIPSIS)
    report: list[str] = []
    with np.printoptions(**PRINT_OPTIONS):
        result = runner.run(test, out=report.append)
    assert result.failed == 0, "\n".join(report)


def test_every_autodiff_name_is_reexported_at_the_top_level():
    assert set(nonsmooth.autodiff.__all__) <= set(nonsmooth.__all__)
