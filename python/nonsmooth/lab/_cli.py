"""``python -m nonsmooth lab [NAME] [--option value ...] [--out FIGURE]``.

Options are generated from the experiment's signature: every keyword with a
number, string, bool or tuple default becomes ``--name`` (tuples as
comma-separated values, e.g. ``--lams 0.5,1,2``).
"""
from __future__ import annotations

import argparse
import inspect
import sys
import time
from typing import Callable


def _tuple_of(kind: type) -> Callable[[str], tuple]:
    return lambda text: tuple(kind(v) for v in text.split(",") if v)


def _parser_for(name: str, fn) -> argparse.ArgumentParser:
    doc = (fn.__doc__ or "").strip().splitlines()[0]
    parser = argparse.ArgumentParser(prog=f"python -m nonsmooth lab {name}", description=doc)
    for p in inspect.signature(fn).parameters.values():
        d = p.default
        flag = "--" + p.name.replace("_", "-")
        if p.name == "beta0":  # the one vector a user sets from the shell
            parser.add_argument(flag, dest=p.name, default=None, metavar="V1,V2,...",
                                type=lambda s: [float(v) for v in s.split(",") if v], help="default: random")
            continue
        if d is inspect.Parameter.empty or p.kind != inspect.Parameter.KEYWORD_ONLY:
            continue
        if isinstance(d, bool):
            parser.add_argument(flag, dest=p.name, type=lambda s: s.lower() in ("1", "true", "yes"), default=d,
                                metavar="BOOL", help=f"default {d}")
        elif isinstance(d, (int, float, str)):
            parser.add_argument(flag, dest=p.name, type=type(d), default=d, help=f"default {d}")
        elif isinstance(d, tuple):
            kind = str if d and isinstance(d[0], str) else (int if d and all(isinstance(v, int) for v in d) else float)
            parser.add_argument(flag, dest=p.name, default=d, metavar="V1,V2,...",
                                type=_tuple_of(kind),
                                help=f"default {','.join(map(str, d))}")
        elif d is None:
            parser.add_argument(flag, dest=p.name, type=float, default=None, help="default: see the docstring")
    parser.add_argument("--out", default=None, help="write the figure here (PNG, PDF, SVG); needs matplotlib")
    return parser


def run(argv: list[str]) -> int:
    from . import EXPERIMENTS

    if not argv or argv[0] in ("-h", "--help", "list"):
        print("nonsmooth lab — what gradient methods do on nonsmooth losses (Kumar, 'GD doesn't make the cut')\n")
        print("usage: python -m nonsmooth lab NAME [--option value ...] [--out figure.png]\n")
        for name, (fn, _) in EXPERIMENTS.items():
            doc = (fn.__doc__ or "").strip().splitlines()[0]
            print(f"  {name:<16} {doc}")
        print("\n`python -m nonsmooth lab NAME --help` lists an experiment's options.")
        return 0
    name = argv[0]
    if name not in EXPERIMENTS:
        print(f"unknown experiment {name!r}; choose one of: {', '.join(EXPERIMENTS)}", file=sys.stderr)
        return 2
    fn, plot = EXPERIMENTS[name]
    args = vars(_parser_for(name, fn).parse_args(argv[1:]))
    out = args.pop("out")
    start = time.perf_counter()
    result = fn(**args)
    print(result.summary())
    print(f"({time.perf_counter() - start:.1f} s)")
    if out is not None:
        import matplotlib

        matplotlib.use("Agg")
        plot(result, out)
        print(f"figure written to {out}")
    return 0
